// SPDX-License-Identifier: GPL-2.0-only
/*
 * The pass manager: the front end's passes after parsing, in order, each
 * stopping the pipeline when it reports errors.
 */
#include <errno.h>

#include "../compiler.h"
#include "fold_consts.h"
#include "semantic.h"

struct pass {
	const char *name;
	int (*run)(struct fathom_script *s, struct diag_sink *d);
};

static const struct pass passes[] = {
	{ "semantic", semantic_check },
	{ "fold_consts", fold_consts },
};

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
