// SPDX-License-Identifier: GPL-2.0-only
/*
 * fathom -l [PATTERN]: the probes a script could use, one a line as
 * bpftrace prints them ("kprobe:vfs_read", "tracepoint:sched:sched_switch",
 * "uprobe:/usr/bin/bash:readline").
 *
 *   fathom -l                         every kprobe and tracepoint
 *   fathom -l 'vfs_*'                 kprobes and tracepoints matching
 *   fathom -l 'kprobe:vfs_*'          kprobes (kretprobe: the same list)
 *   fathom -l 'tracepoint:sched:*'    tracepoints
 *   fathom -l 'uprobe:/bin/bash:*'    functions of a binary or library
 *   fathom -l 'usdt:/usr/bin/python3:*'  USDT probes of a binary
 *                                     (PATTERN: NAME or PROVIDER:NAME)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolve.h"
#include "tool.h"
#include "usdt.h"

struct list_ctx {
	const char *prefix; /* "uprobe:/usr/bin/bash:" */
	const char *pattern;
	unsigned long n;
};

static int list_kprobes(const char *type, const char *pattern, unsigned long *n)
{
	struct kfunc *kf;
	size_t nkf, i;
	int ret = kfuncs_load(&kf, &nkf);

	if (ret) {
		fprintf(stderr, "%s: cannot read the kernel's functions: %s\n",
			progname, strerror(-ret));
		return EXIT_SYSTEM;
	}
	for (i = 0; i < nkf; i++) {
		if (i && !strcmp(kf[i].name, kf[i - 1].name))
			continue;
		if (pattern && !glob_match(pattern, kf[i].name))
			continue;
		printf("%s:%s\n", type, kf[i].name);
		(*n)++;
	}
	kfuncs_free(kf, nkf);
	return EXIT_OK;
}

static int list_tracepoints(const char *sys_pat, const char *name_pat,
			    unsigned long *n)
{
	const char *t = tracefs_dir();
	struct dirent **sys = NULL, **ev = NULL;
	char path[512];
	int ns, ne, i, j;

	if (!t) {
		fprintf(stderr,
			"%s: tracefs is not available: cannot list tracepoints\n",
			progname);
		return EXIT_SYSTEM;
	}
	snprintf(path, sizeof(path), "%s/events", t);
	ns = scandir(path, &sys, NULL, alphasort);
	if (ns < 0) {
		fprintf(stderr, "%s: cannot read %s: %s\n", progname, path,
			strerror(errno));
		return EXIT_SYSTEM;
	}
	for (i = 0; i < ns; i++) {
		if (sys[i]->d_name[0] == '.' || sys[i]->d_type != DT_DIR ||
		    (sys_pat && !glob_match(sys_pat, sys[i]->d_name)))
			continue;
		snprintf(path, sizeof(path), "%s/events/%s", t, sys[i]->d_name);
		ne = scandir(path, &ev, NULL, alphasort);
		for (j = 0; j < ne; j++) {
			if (ev[j]->d_name[0] != '.' &&
			    ev[j]->d_type == DT_DIR &&
			    (!name_pat ||
			     glob_match(name_pat, ev[j]->d_name))) {
				printf("tracepoint:%s:%s\n", sys[i]->d_name,
				       ev[j]->d_name);
				(*n)++;
			}
			free(ev[j]);
		}
		free(ev);
	}
	for (i = 0; i < ns; i++)
		free(sys[i]);
	free(sys);
	return EXIT_OK;
}

static int list_usym(const char *name, uint64_t off, void *arg)
{
	struct list_ctx *l = arg;

	(void)off;
	if (!l->pattern || glob_match(l->pattern, name)) {
		printf("%s%s\n", l->prefix, name);
		l->n++;
	}
	return 0;
}

static int list_uprobes(const char *type, const char *spec, unsigned long *n)
{
	const char *colon = strrchr(spec, ':');
	struct list_ctx l = { 0 };
	char *file, *path, *prefix;
	int ret;

	file = colon ? strndup(spec, colon - spec) : strdup(spec);
	if (!file)
		return EXIT_SYSTEM;
	path = uprobe_path(file);
	if (!path) {
		fprintf(stderr, "%s: cannot find '%s': %s\n", progname, file,
			strerror(errno));
		free(file);
		return EXIT_USER;
	}
	free(file);
	if (asprintf(&prefix, "%s:%s:", type, path) < 0) {
		free(path);
		return EXIT_SYSTEM;
	}
	l.prefix = prefix;
	l.pattern = colon && colon[1] ? colon + 1 : NULL;
	ret = elf_funcs(path, list_usym, &l);
	if (ret < 0)
		fprintf(stderr, "%s: cannot read the symbols of %s: %s\n",
			progname, path, strerror(-ret));
	*n += l.n;
	free(prefix);
	free(path);
	return ret < 0 ? EXIT_USER : EXIT_OK;
}

static int list_usdt(const char *spec, unsigned long *n)
{
	const char *colon = strchr(spec, ':');
	const char *pat = colon && colon[1] ? colon + 1 : "*";
	struct fathom_usdt_probe *v = NULL;
	size_t nv = 0, i, j;
	char *file, *path;
	int ret;

	file = colon ? strndup(spec, colon - spec) : strdup(spec);
	if (!file)
		return EXIT_SYSTEM;
	path = uprobe_path(file);
	if (!path) {
		fprintf(stderr, "%s: cannot find '%s': %s\n", progname, file,
			strerror(errno));
		free(file);
		return EXIT_USER;
	}
	free(file);
	ret = fathom_usdt_read(path, &v, &nv);
	if (ret) {
		fprintf(stderr, "%s: cannot read the USDT notes of %s: %s\n",
			progname, path,
			ret == -ENOEXEC ? "not an ELF file" : strerror(-ret));
		free(path);
		return ret == -ENOMEM ? EXIT_SYSTEM : EXIT_USER;
	}
	for (i = 0; i < nv; i++) {
		char full[512];

		snprintf(full, sizeof(full), "%s:%s", v[i].provider, v[i].name);
		if (!glob_match(pat, strchr(pat, ':') ? full : v[i].name))
			continue;
		for (j = 0; j < i; j++) /* a probe at several sites: once */
			if (!strcmp(v[j].provider, v[i].provider) &&
			    !strcmp(v[j].name, v[i].name))
				break;
		if (j < i)
			continue;
		printf("usdt:%s:%s\n", path, full);
		(*n)++;
	}
	fathom_usdt_free(v, nv);
	free(path);
	return EXIT_OK;
}

static const char *type_alias(const char *t)
{
	static const struct {
		const char *alias, *type;
	} a[] = {
		{ "k", "kprobe" }, { "kr", "kretprobe" }, { "t", "tracepoint" },
		{ "u", "uprobe" }, { "ur", "uretprobe" }, { "U", "usdt" },
	};
	size_t i;

	for (i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		if (!strcmp(a[i].alias, t))
			return a[i].type;
	return t;
}

int cmd_list(const char *pattern)
{
	unsigned long n = 0;
	const char *colon, *type, *rest;
	char tbuf[32];
	int ret;

	colon = pattern ? strchr(pattern, ':') : NULL;
	if (!colon || (size_t)(colon - pattern) >= sizeof(tbuf)) {
		/* a bare name pattern: kprobes and tracepoint names */
		ret = list_kprobes("kprobe", pattern, &n);
		if (!ret)
			ret = list_tracepoints(NULL, pattern, &n);
		return ret;
	}
	snprintf(tbuf, sizeof(tbuf), "%.*s", (int)(colon - pattern), pattern);
	type = type_alias(tbuf);
	rest = colon + 1;
	if (!strcmp(type, "kprobe") || !strcmp(type, "kretprobe"))
		return list_kprobes(type, *rest ? rest : NULL, &n);
	if (!strcmp(type, "tracepoint")) {
		const char *c2 = strchr(rest, ':');
		char sys[256];

		if (!c2)
			return list_tracepoints(*rest ? rest : NULL, NULL, &n);
		snprintf(sys, sizeof(sys), "%.*s", (int)(c2 - rest), rest);
		return list_tracepoints(sys, c2[1] ? c2 + 1 : NULL, &n);
	}
	if (!strcmp(type, "uprobe") || !strcmp(type, "uretprobe")) {
		if (!*rest) {
			fprintf(stderr,
				"%s: -l %s: which binary? as in -l '%s:/bin/bash:*'\n",
				progname, pattern, type);
			return EXIT_USER;
		}
		return list_uprobes(type, rest, &n);
	}
	if (!strcmp(type, "usdt")) {
		if (!*rest) {
			fprintf(stderr,
				"%s: -l %s: which binary? as in -l 'usdt:/usr/bin/python3:*'\n",
				progname, pattern);
			return EXIT_USER;
		}
		return list_usdt(rest, &n);
	}
	fprintf(stderr,
		"%s: -l %s: cannot list '%s' probes (kprobe, kretprobe, tracepoint, uprobe, uretprobe, usdt)\n",
		progname, pattern, tbuf);
	return EXIT_USER;
}
