// SPDX-License-Identifier: GPL-2.0-only
/*
 * The usdt pass. See usdt_sites.h.
 *
 * The notes are read with user/lib/usdt.c (frontend.mk links it wherever
 * the front end is).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "usdt_sites.h"

int usdt_find_path(const char *target, char *buf, size_t size)
{
	const char *env, *p, *end;

	if (strchr(target, '/')) {
		snprintf(buf, size, "%s", target);
		return access(buf, F_OK) ? -ENOENT : 0;
	}
	env = getenv("PATH");
	for (p = env ? env : "/usr/bin:/bin"; *p; p = end + (*end == ':')) {
		end = strchrnul(p, ':');
		if (end == p)
			continue;
		snprintf(buf, size, "%.*s/%s", (int)(end - p), p, target);
		if (!access(buf, X_OK))
			return 0;
	}
	return -ENOENT;
}

static bool matches(const char *pat, const char *s)
{
	return !fnmatch(pat, s, 0);
}

/* "provider:name" of every site, deduplicated, for suggestions. */
static const char **site_names(const struct fathom_usdt_probe *v, size_t n,
			       bool with_provider, size_t *count)
{
	const char **out = calloc(n + 1, sizeof(*out));
	size_t i, j, k = 0;

	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		char buf[512];
		char *s;

		if (with_provider)
			snprintf(buf, sizeof(buf), "%s:%s", v[i].provider,
				 v[i].name);
		else
			snprintf(buf, sizeof(buf), "%s", v[i].name);
		for (j = 0; j < k; j++)
			if (!strcmp(out[j], buf))
				break;
		if (j < k)
			continue;
		s = strdup(buf);
		if (!s)
			break;
		out[k++] = s;
	}
	*count = k;
	return out;
}

static void names_free(const char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free((char *)v[i]);
	free(v);
}

static int spec_sites(struct fathom_script *s, struct diag_sink *d,
		      struct probe_spec *sp)
{
	struct fathom_usdt_probe *v = NULL;
	const char *provider = NULL;
	char path[4096];
	size_t n = 0, i, k = 0;
	int ret;

	if (usdt_find_path(sp->target, path, sizeof(path)))
		return diag_error(d, sp->loc, "%s: cannot find '%s'", sp->raw,
				  sp->target);
	ret = fathom_usdt_read(path, &v, &n);
	if (ret == -ENOMEM)
		return ret;
	if (ret)
		return diag_error(
			d, sp->loc, "%s: cannot read the USDT notes of %s: %s",
			sp->raw, path,
			ret == -ENOEXEC ? "not an ELF file" : strerror(-ret));
	for (i = 0; i < n; i++) {
		if (sp->provider ? !matches(sp->provider, v[i].provider)
				 : false)
			continue;
		if (!matches(sp->name, v[i].name))
			continue;
		if (!sp->provider && !sp->wildcard && provider &&
		    strcmp(provider, v[i].provider)) {
			ret = diag_error(
				d, sp->loc,
				"%s: the probe '%s' is in providers '%s' and '%s' of %s: write usdt:%s:PROVIDER:%s",
				sp->raw, sp->name, provider, v[i].provider,
				path, sp->target, sp->name);
			goto out;
		}
		provider = v[i].provider;
		k++;
	}
	if (!n) {
		ret = diag_error(d, sp->loc, "%s: %s has no USDT probes",
				 sp->raw, path);
		goto out;
	}
	if (!k) {
		size_t nn = 0;
		const char **names = site_names(v, n, sp->provider, &nn);
		char what[512];
		const char *best;

		if (!names) {
			ret = -ENOMEM;
			goto out;
		}
		if (sp->provider)
			snprintf(what, sizeof(what), "%s:%s", sp->provider,
				 sp->name);
		else
			snprintf(what, sizeof(what), "%s", sp->name);
		best = diag_suggest(what, names, nn);
		ret = diag_error(d, sp->loc,
				 "%s: no USDT probe matches '%s' in %s",
				 sp->raw, what, path);
		if (best)
			diag_note(d, sp->loc, "did you mean '%s'?", best);
		names_free(names, nn);
		goto out;
	}
	sp->sites = ast_alloc(&s->arena, k * sizeof(*sp->sites));
	sp->usdt_path = ast_strndup(&s->arena, path, strlen(path));
	if (!sp->sites || !sp->usdt_path) {
		ret = -ENOMEM;
		goto out;
	}
	sp->nsites = 0;
	for (i = 0; i < n; i++) {
		struct usdt_site *t;

		if ((sp->provider && !matches(sp->provider, v[i].provider)) ||
		    !matches(sp->name, v[i].name))
			continue;
		if (v[i].args_err) {
			ret = diag_error(
				d, sp->loc,
				"%s: the arguments of %s:%s at 0x%llx cannot be read: '%s' (%s)",
				sp->raw, v[i].provider, v[i].name,
				(unsigned long long)v[i].pc, v[i].args,
				v[i].args_err == -E2BIG ? "too many arguments"
				: v[i].args_err == -EOPNOTSUPP
					? "an operand not in the registers fathom reads"
				: v[i].args_err == -ENOENT
					? "a symbol it names is not in the file's symbol table"
					: strerror(-v[i].args_err));
			goto out;
		}
		t = &sp->sites[sp->nsites++];
		memset(t, 0, sizeof(*t));
		t->provider = ast_strndup(&s->arena, v[i].provider,
					  strlen(v[i].provider));
		t->name = ast_strndup(&s->arena, v[i].name, strlen(v[i].name));
		t->args = ast_strndup(&s->arena, v[i].args, strlen(v[i].args));
		if (!t->provider || !t->name || !t->args) {
			ret = -ENOMEM;
			goto out;
		}
		t->pc = v[i].pc;
		t->pie = v[i].pie;
		t->pc_off = v[i].pc_off;
		t->sem_off = v[i].sem_off;
		t->argc = v[i].argc;
		memcpy(t->argv, v[i].argv, sizeof(t->argv));
	}
	ret = 0;
out:
	fathom_usdt_free(v, n);
	return ret;
}

int usdt_sites(struct fathom_script *s, struct diag_sink *d)
{
	uint32_t i, j;
	int ret, first = 0;

	for (i = 0; i < s->prog.nprobes; i++) {
		struct ast_probe *p = s->prog.probes[i];

		for (j = 0; j < p->nspecs; j++) {
			if (p->specs[j].type != PROBE_USDT)
				continue;
			ret = spec_sites(s, d, &p->specs[j]);
			if (ret == -ENOMEM)
				return ret;
			if (ret && !first)
				first = ret;
		}
	}
	return first;
}
