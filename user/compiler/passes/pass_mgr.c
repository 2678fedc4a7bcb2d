// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pass manager: the front end's passes after parsing, in order, each
 * stopping the pipeline when it reports errors.
 */
#include <errno.h>
#include <string.h>

#include "../compiler.h"
#include "fold_consts.h"
#include "semantic.h"
#include "usdt_sites.h"

struct pass {
	const char *name;
	int (*run)(struct fathom_script *s, struct diag_sink *d);
};

static const struct pass passes[] = {
	{ "usdt", usdt_sites },
	{ "semantic", semantic_check },
	{ "fold_consts", fold_consts },
};

int fathom_script_set_opts(struct fathom_script *s,
			   const struct fathom_compile_opts *o)
{
	unsigned int i;

	s->tracefs = NULL;
	if (o->tracefs) {
		s->tracefs =
			ast_strndup(&s->arena, o->tracefs, strlen(o->tracefs));
		if (!s->tracefs)
			return -ENOMEM;
	}
	s->btf_path = NULL;
	if (o->btf) {
		s->btf_path = ast_strndup(&s->arena, o->btf, strlen(o->btf));
		if (!s->btf_path)
			return -ENOMEM;
	}
	s->kallsyms = NULL;
	if (o->kallsyms) {
		s->kallsyms = ast_strndup(&s->arena, o->kallsyms,
					  strlen(o->kallsyms));
		if (!s->kallsyms)
			return -ENOMEM;
	}
	s->map_keys_max = o->map_keys_max;
	s->nparams = 0;
	s->params = NULL;
	if (!o->nparams)
		return 0;
	s->params = ast_alloc(&s->arena, o->nparams * sizeof(*s->params));
	if (!s->params)
		return -ENOMEM;
	for (i = 0; i < o->nparams; i++) {
		s->params[i] = ast_strndup(&s->arena, o->params[i],
					   strlen(o->params[i]));
		if (!s->params[i])
			return -ENOMEM;
	}
	s->nparams = o->nparams;
	return 0;
}

int fathom_script_check(struct fathom_script *s, struct diag_sink *d)
{
	size_t i;
	int err;

	if (!s->parsed_ok)
		return -EINVAL;
	if (s->checked_ok)
		return 0;
	err = diag_set_source(d, s->name, s->text, s->len);
	if (err)
		return err;
	for (i = 0; i < sizeof(passes) / sizeof(passes[0]); i++) {
		err = passes[i].run(s, d);
		if (!err && diag_failed(d))
			err = -EINVAL;
		if (err)
			return err;
	}
	s->checked_ok = true;
	return 0;
}
