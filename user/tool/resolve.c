// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe resolution: see resolve.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fathom.h>

#include "codegen.h"
#include "elfsyms.h"
#include "resolve.h"

bool glob_match(const char *pattern, const char *s)
{
	return fnmatch(pattern, s, 0) == 0;
}

static bool has_glob(const char *s)
{
	return s && strpbrk(s, "*?[") != NULL;
}

/* ---- tracefs ---------------------------------------------------------- */

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *tracefs_dir(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing",
					    "/sys/kernel/debug/tracing" };
	static const char *found;
	size_t i;

	if (found)
		return found;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char ev[64];

		snprintf(ev, sizeof(ev), "%s/events", dirs[i]);
		if (is_dir(ev))
			return found = dirs[i];
	}
	/* not mounted: mount it where it belongs (we run as root) */
	if (is_dir(dirs[0]) &&
	    mount("tracefs", dirs[0], "tracefs", 0, NULL) == 0 &&
	    is_dir("/sys/kernel/tracing/events"))
		return found = dirs[0];
	return NULL;
}

/* ---- kernel functions --------------------------------------------------- */

void kfuncs_free(struct kfunc *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(f[i].name);
		free(f[i].mod);
	}
	free(f);
}

static int kfunc_cmp(const void *a, const void *b)
{
	const struct kfunc *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (!x->mod || !y->mod)
		return !!x->mod - !!y->mod;
	return strcmp(x->mod, y->mod);
}

/*
 * Lines "name" or "name [module]" (available_filter_functions), or
 * "addr type name [module]" (kallsyms, @kallsyms set: text symbols only).
 */
static int kfuncs_read(FILE *f, bool kallsyms, struct kfunc **out, size_t *n)
{
	struct kfunc *v = NULL;
	size_t len = 0, cap = 0, i, j;
	char line[512];

	while (fgets(line, sizeof(line), f)) {
		char *name, *mod, *save = NULL, *tok;

		tok = strtok_r(line, " \t\n", &save);
		if (!tok)
			continue;
		if (kallsyms) {
			char *type = strtok_r(NULL, " \t\n", &save);

			if (!type || (type[0] != 't' && type[0] != 'T'))
				continue;
			tok = strtok_r(NULL, " \t\n", &save);
			if (!tok)
				continue;
		}
		name = tok;
		mod = strtok_r(NULL, " \t\n", &save);
		if (len == cap) {
			void *a = realloc(v, (cap = cap ? cap * 2 : 4096) *
						     sizeof(*v));

			if (!a)
				goto oom;
			v = a;
		}
		v[len].name = strdup(name);
		v[len].mod = NULL;
		if (mod && mod[0] == '[') {
			mod++;
			mod[strcspn(mod, "]")] = 0;
			v[len].mod = strdup(mod);
			if (!v[len].mod) {
				free(v[len].name);
				goto oom;
			}
		}
		if (!v[len].name) {
			free(v[len].mod);
			goto oom;
		}
		len++;
	}
	if (len)
		qsort(v, len, sizeof(*v), kfunc_cmp);
	/* static functions of the same name: keep one of each */
	for (i = 0, j = 0; i < len; i++) {
		if (j && !kfunc_cmp(&v[j - 1], &v[i])) {
			free(v[i].name);
			free(v[i].mod);
			continue;
		}
		v[j++] = v[i];
	}
	*out = v;
	*n = j;
	return 0;
oom:
	kfuncs_free(v, len);
	return -ENOMEM;
}

int kfuncs_load(struct kfunc **out, size_t *n)
{
	const char *t = tracefs_dir();
	char path[128];
	FILE *f = NULL;
	bool kallsyms = false;
	int ret;

	if (t) {
		snprintf(path, sizeof(path), "%s/available_filter_functions",
			 t);
		f = fopen(path, "re");
	}
	if (!f) {
		f = fopen("/proc/kallsyms", "re");
		kallsyms = true;
	}
	if (!f)
		return -errno;
	ret = kfuncs_read(f, kallsyms, out, n);
	fclose(f);
	return ret;
}

/* Name -> address of the text symbols of /proc/kallsyms. */
struct ksym {
	char *name;
	uint64_t addr; /* 0: hidden, or the name is not unique */
};

static int ksym_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ksym *)a)->name,
		      ((const struct ksym *)b)->name);
}

struct ksyms {
	struct ksym *v;
	size_t n;
	bool loaded;
};

static void ksyms_free(struct ksyms *k)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		free(k->v[i].name);
	free(k->v);
	memset(k, 0, sizeof(*k));
}

static int ksyms_load(struct ksyms *k)
{
	size_t cap = 0, i, j;
	char line[512];
	FILE *f;

	k->loaded = true;
	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return 0; /* no addresses: the module looks names up */
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, name[256];

		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 ||
		    (type != 't' && type != 'T'))
			continue;
		if (k->n == cap) {
			void *a = realloc(k->v, (cap = cap ? cap * 2 : 8192) *
							sizeof(*k->v));

			if (!a)
				goto oom;
			k->v = a;
		}
		k->v[k->n].name = strdup(name);
		if (!k->v[k->n].name)
			goto oom;
		k->v[k->n++].addr = addr;
	}
	fclose(f);
	if (k->n)
		qsort(k->v, k->n, sizeof(*k->v), ksym_cmp);
	for (i = 0, j = 0; i < k->n; i++) {
		if (j && !strcmp(k->v[j - 1].name, k->v[i].name)) {
			k->v[j - 1].addr = 0; /* ambiguous */
			free(k->v[i].name);
			continue;
		}
		k->v[j++] = k->v[i];
	}
	k->n = j;
	return 0;
oom:
	fclose(f);
	ksyms_free(k);
	return -ENOMEM;
}

static uint64_t ksym_addr(const struct ksyms *k, const char *name)
{
	struct ksym key = { .name = (char *)name }, *hit;

	if (!k->n)
		return 0;
	hit = bsearch(&key, k->v, k->n, sizeof(*k->v), ksym_cmp);
	return hit ? hit->addr : 0;
}

/* ---- building the result ---------------------------------------------- */

struct rctx {
	const struct fathom_script *s;
	struct diag_sink *d;
	pid_t pid;
	struct kfunc *kf;
	size_t nkf;
	bool kf_loaded;
	struct ksyms ks;
	int err; /* first system error (-ENOMEM) */
};

static struct resolve_target *add_target(struct rctx *c,
					 struct resolve_spec *rs,
					 const struct fathom_probe_spec *tmpl,
					 const char *name)
{
	struct resolve_target *t;

	if (rs->n == rs->cap) {
		uint32_t ncap = rs->cap ? rs->cap * 2 : 4;
		void *a = realloc(rs->t, ncap * sizeof(*rs->t));

		if (!a) {
			c->err = -ENOMEM;
			return NULL;
		}
		rs->t = a;
		rs->cap = ncap;
	}
	t = &rs->t[rs->n];
	memset(t, 0, sizeof(*t));
	t->spec = *tmpl;
	t->spec.symbol = tmpl->symbol ? strdup(tmpl->symbol) : NULL;
	t->spec.tp_system = tmpl->tp_system ? strdup(tmpl->tp_system) : NULL;
	t->spec.tp_name = tmpl->tp_name ? strdup(tmpl->tp_name) : NULL;
	t->spec.upath = tmpl->upath ? strdup(tmpl->upath) : NULL;
	t->name = strdup(name);
	rs->n++;
	if ((tmpl->symbol && !t->spec.symbol) ||
	    (tmpl->tp_system && !t->spec.tp_system) ||
	    (tmpl->tp_name && !t->spec.tp_name) ||
	    (tmpl->upath && !t->spec.upath) || !t->name) {
		c->err = -ENOMEM;
		return NULL;
	}
	return t;
}

static void target_free(struct resolve_target *t)
{
	free((char *)t->spec.symbol);
	free((char *)t->spec.tp_system);
	free((char *)t->spec.tp_name);
	free((char *)t->spec.upath);
	free(t->name);
}

void resolution_free(struct resolution *r)
{
	uint32_t i, j;

	for (i = 0; i < r->n; i++) {
		for (j = 0; j < r->specs[i].n; j++)
			target_free(&r->specs[i].t[j]);
		free(r->specs[i].t);
	}
	free(r->specs);
	memset(r, 0, sizeof(*r));
}

/* Report @what not found at @sp, suggesting the closest of @cands. */
static void not_found(struct rctx *c, const struct probe_spec *sp,
		      const char *what, const char *const *cands, size_t n)
{
	const char *best = cands && n ? diag_suggest(what, cands, n) : NULL;
	const char *kind;

	switch (sp->type) {
	case PROBE_KPROBE:
	case PROBE_KRETPROBE:
		kind = "no kernel function matches";
		break;
	case PROBE_TRACEPOINT:
		kind = "no tracepoint matches";
		break;
	default:
		kind = "no function matches";
		break;
	}
	if (sp->type == PROBE_UPROBE || sp->type == PROBE_URETPROBE)
		diag_error(c->d, sp->loc, "%s: %s '%s' in %s", sp->raw, kind,
			   what, sp->target);
	else
		diag_error(c->d, sp->loc, "%s: %s '%s'", sp->raw, kind, what);
	if (best)
		diag_note(c->d, sp->loc, "did you mean '%s'?", best);
}

/* ---- kprobes ---------------------------------------------------------- */

static int resolve_kprobe(struct rctx *c, const struct probe_spec *sp,
			  struct resolve_spec *rs)
{
	const char *type = probe_type_name(sp->type);
	struct fathom_probe_spec tmpl = { 0 };
	char name[1024];
	size_t i;

	if (!c->kf_loaded) {
		int ret = kfuncs_load(&c->kf, &c->nkf);

		c->kf_loaded = true;
		if (ret == -ENOMEM)
			return ret;
		if (ret)
			c->nkf = 0;
		ret = ksyms_load(&c->ks);
		if (ret)
			return ret;
	}
	tmpl.kind = sp->type == PROBE_KPROBE ? FATHOM_PROBE_KPROBE
					     : FATHOM_PROBE_KRETPROBE;
	tmpl.offset = sp->has_offset ? sp->offset : 0;
	if (!has_glob(sp->name) && !has_glob(sp->target)) {
		/* a name: the kernel has the last word, but say "not
		 * found" here when we know */
		bool known = !c->nkf && !c->ks.n;
		char sym[512];

		for (i = 0; i < c->nkf && !known; i++)
			known = !strcmp(c->kf[i].name, sp->name) &&
				(!sp->target ||
				 (c->kf[i].mod &&
				  !strcmp(c->kf[i].mod, sp->target)));
		if (!known && !sp->target)
			known = c->ks.n &&
				bsearch(
					&(struct ksym){
						.name = (char *)sp->name },
					c->ks.v, c->ks.n, sizeof(*c->ks.v),
					ksym_cmp);
		if (!known) {
			const char **cands = calloc(c->nkf + 1, sizeof(char *));

			if (!cands)
				return -ENOMEM;
			for (i = 0; i < c->nkf; i++)
				cands[i] = c->kf[i].name;
			not_found(c, sp, sp->name, cands, c->nkf);
			free(cands);
			return -EINVAL;
		}
		if (sp->target)
			snprintf(sym, sizeof(sym), "%s:%s", sp->target,
				 sp->name);
		else
			snprintf(sym, sizeof(sym), "%s", sp->name);
		tmpl.symbol = sym;
		if (tmpl.kind == FATHOM_PROBE_KPROBE && !tmpl.offset &&
		    !sp->target)
			tmpl.addr = ksym_addr(&c->ks, sp->name);
		if (sp->has_offset)
			snprintf(name, sizeof(name), "%.16s:%.500s+%llu", type,
				 sym, (unsigned long long)sp->offset);
		else
			snprintf(name, sizeof(name), "%.16s:%.500s", type, sym);
		return add_target(c, rs, &tmpl, name) ? 0 : c->err;
	}
	for (i = 0; i < c->nkf; i++) {
		const struct kfunc *f = &c->kf[i];

		if (i && !strcmp(f->name, c->kf[i - 1].name))
			continue; /* same name in another module */
		if (f->mod && !strcmp(f->mod, "fathom"))
			continue; /* never probe the tracer */
		if (sp->target && (!f->mod || !glob_match(sp->target, f->mod)))
			continue;
		if (!glob_match(sp->name, f->name))
			continue;
		tmpl.symbol = f->name;
		tmpl.addr = tmpl.kind == FATHOM_PROBE_KPROBE && !tmpl.offset
				    ? ksym_addr(&c->ks, f->name)
				    : 0;
		snprintf(name, sizeof(name), "%s:%s", type, f->name);
		if (!add_target(c, rs, &tmpl, name))
			return c->err;
	}
	if (!rs->n) {
		not_found(c, sp, sp->name, NULL, 0);
		return -EINVAL;
	}
	return 0;
}

/* ---- tracepoints ------------------------------------------------------ */

static int names_push(char ***v, size_t *n, const char *s)
{
	void *a = realloc(*v, (*n + 1) * sizeof(char *));

	if (!a)
		return -ENOMEM;
	*v = a;
	(*v)[*n] = strdup(s);
	if (!(*v)[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

static void names_free(char **v, size_t n)
{
	while (n)
		free(v[--n]);
	free(v);
}

static int resolve_tracepoint(struct rctx *c, const struct probe_spec *sp,
			      struct resolve_spec *rs)
{
	struct fathom_probe_spec tmpl = { .kind = FATHOM_PROBE_TRACEPOINT };
	const char *t = tracefs_dir();
	char **all = NULL, path[600], name[600];
	size_t nall = 0;
	struct dirent *se, *ee;
	DIR *sd, *ed;
	int ret = 0;

	if (!t) {
		diag_error(
			c->d, sp->loc,
			"%s: tracefs is not available (mount it on /sys/kernel/tracing)",
			sp->raw);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/events", t);
	sd = opendir(path);
	if (!sd) {
		diag_error(c->d, sp->loc, "%s: cannot read %s: %s", sp->raw,
			   path, strerror(errno));
		return -EINVAL;
	}
	while (!ret && (se = readdir(sd))) {
		if (se->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/events/%s", t, se->d_name);
		ed = opendir(path);
		if (!ed)
			continue;
		while (!ret && (ee = readdir(ed))) {
			if (ee->d_name[0] == '.' || ee->d_type != DT_DIR)
				continue;
			snprintf(name, sizeof(name), "%s:%s", se->d_name,
				 ee->d_name);
			ret = names_push(&all, &nall, name);
			if (ret || !glob_match(sp->target, se->d_name) ||
			    !glob_match(sp->name, ee->d_name))
				continue;
			tmpl.tp_system = se->d_name;
			tmpl.tp_name = ee->d_name;
			snprintf(name, sizeof(name), "tracepoint:%s:%s",
				 se->d_name, ee->d_name);
			if (!add_target(c, rs, &tmpl, name))
				ret = c->err;
		}
		closedir(ed);
	}
	closedir(sd);
	if (!ret && !rs->n) {
		snprintf(name, sizeof(name), "%s:%s", sp->target, sp->name);
		not_found(c, sp, name, (const char *const *)all, nall);
		ret = -EINVAL;
	}
	names_free(all, nall);
	return ret;
}

/* ---- uprobes ---------------------------------------------------------- */

char *uprobe_path(const char *target)
{
	return fathom_elf_find_path(target);
}

struct seen {
	char **v;
	size_t n, cap;
};

static bool seen_add(struct seen *s, const char *name, int *err)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return false;
	if (names_push(&s->v, &s->n, name))
		*err = -ENOMEM;
	return true;
}

/* File offset of virtual address @va: through the PT_LOAD holding it. */
static bool va_to_off(Elf *e, uint64_t va, uint64_t *off)
{
	size_t n, i;

	if (elf_getphdrnum(e, &n))
		return false;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (va >= ph.p_vaddr && va < ph.p_vaddr + ph.p_memsz) {
			*off = va - ph.p_vaddr + ph.p_offset;
			return true;
		}
	}
	return false;
}

struct func_walk {
	Elf *e;
	struct seen seen;
	int (*cb)(const char *name, uint64_t off, void *arg);
	void *arg;
};

/* fathom_elf_walk()'s callback: a function in a PT_LOAD, once per name */
static int func_one(struct fathom_elf_sym *s, void *arg)
{
	struct func_walk *w = arg;
	uint64_t off;
	int ret = 0;

	if (s->type != STT_FUNC && s->type != STT_GNU_IFUNC)
		return 0;
	if (!va_to_off(w->e, s->value, &off))
		return 0;
	if (!seen_add(&w->seen, s->name, &ret) || ret)
		return ret;
	return w->cb(s->name, off, w->arg);
}

int elf_funcs(const char *path,
	      int (*cb)(const char *name, uint64_t off, void *arg), void *arg)
{
	struct func_walk w = { .cb = cb, .arg = arg };
	int fd, ret;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	w.e = elf_begin(fd, ELF_C_READ, NULL);
	ret = -ENOEXEC;
	/* .symtab first (every function), then .dynsym (exports) */
	if (w.e && elf_kind(w.e) == ELF_K_ELF)
		ret = fathom_elf_walk(w.e, func_one, &w);
	if (w.e)
		elf_end(w.e);
	close(fd);
	names_free(w.seen.v, w.seen.n);
	return ret;
}

struct usym_walk {
	struct rctx *c;
	const struct probe_spec *sp;
	struct resolve_spec *rs;
	struct fathom_probe_spec tmpl;
	struct seen names;
};

static int usym_one(const char *name, uint64_t off, void *arg)
{
	struct usym_walk *w = arg;
	char pname[4096];
	int err = 0;

	seen_add(&w->names, name, &err);
	if (err)
		return err;
	if (!glob_match(w->sp->name, name))
		return 0;
	w->tmpl.offset = off + (w->sp->has_offset ? w->sp->offset : 0);
	w->tmpl.flags = 0;
	if (w->tmpl.kind == FATHOM_PROBE_UPROBE &&
	    !(w->sp->has_offset && w->sp->offset))
		w->tmpl.flags = FATHOM_PROBE_F_FUNC_ENTRY;
	snprintf(pname, sizeof(pname), "%s:%s:%s", probe_type_name(w->sp->type),
		 w->tmpl.upath, name);
	return add_target(w->c, w->rs, &w->tmpl, pname) ? 0 : w->c->err;
}

/*
 * After "no function matches": a stripped file has lost the functions
 * that only its .symtab named; say so, the likely reason.
 */
static void stripped_note(struct rctx *c, const struct probe_spec *sp,
			  const char *path)
{
	struct fathom_elf *e = fathom_elf_open(path, NULL);

	if (e && !fathom_elf_has_symtab(e))
		diag_note(
			c->d, sp->loc,
			"%s is stripped (it has no .symtab): only the functions it exports (.dynsym) can be probed by name",
			path);
	fathom_elf_free(e);
}

static int resolve_uprobe(struct rctx *c, const struct probe_spec *sp,
			  struct resolve_spec *rs)
{
	struct usym_walk w = { .c = c, .sp = sp, .rs = rs };
	char *path = uprobe_path(sp->target);
	int ret;

	if (!path) {
		diag_error(c->d, sp->loc, "%s: cannot find '%s': %s", sp->raw,
			   sp->target, strerror(errno));
		return -EINVAL;
	}
	w.tmpl.kind = sp->type == PROBE_UPROBE ? FATHOM_PROBE_UPROBE
					       : FATHOM_PROBE_URETPROBE;
	w.tmpl.upath = path;
	w.tmpl.pid = (uint32_t)c->pid;
	ret = elf_funcs(path, usym_one, &w);
	if (ret == -ENOMEM) {
		/* fall through to the cleanup */
	} else if (ret == -ENOEXEC) {
		diag_error(c->d, sp->loc, "%s: %s is not an ELF file", sp->raw,
			   path);
		ret = -EINVAL;
	} else if (ret < 0) {
		diag_error(c->d, sp->loc,
			   "%s: cannot read the symbols of %s: %s", sp->raw,
			   path, strerror(-ret));
		ret = -EINVAL;
	} else if (!rs->n) {
		not_found(c, sp, sp->name, (const char *const *)w.names.v,
			  w.names.n);
		stripped_note(c, sp, path);
		ret = -EINVAL;
	}
	names_free(w.names.v, w.names.n);
	free(path);
	return ret;
}

/* ---- usdt -------------------------------------------------------------- */

/*
 * The compiler's usdt pass found the sites (struct probe_spec.sites, with
 * its errors at the spec); each is a uprobe at the site with the
 * semaphore as its reference counter, in the order code generation made
 * them (one program per argument string).
 */
static int resolve_usdt(struct rctx *c, const struct probe_spec *sp,
			struct resolve_spec *rs)
{
	struct fathom_probe_spec tmpl = { .kind = FATHOM_PROBE_UPROBE };
	char name[4096];
	uint32_t i;

	tmpl.upath = sp->usdt_path;
	tmpl.pid = (uint32_t)c->pid;
	for (i = 0; i < sp->nsites; i++) {
		const struct usdt_site *u = &sp->sites[i];

		tmpl.offset = u->pc_off;
		tmpl.ref_ctr_offset = u->sem_off;
		snprintf(name, sizeof(name), "usdt:%s:%s:%s", sp->usdt_path,
			 u->provider, u->name);
		if (!add_target(c, rs, &tmpl, name))
			return c->err;
	}
	if (!sp->nsites)
		return diag_error(c->d, sp->loc, "%s: no USDT probe matches",
				  sp->raw);
	return 0;
}

/* ---- the rest --------------------------------------------------------- */

static int resolve_plain(struct rctx *c, const struct probe_spec *sp,
			 struct resolve_spec *rs)
{
	struct fathom_probe_spec tmpl = { 0 };
	static const char *const units[] = { "", "s", "ms", "us", "hz" };
	char name[128];

	switch (sp->type) {
	case PROBE_BEGIN:
		tmpl.kind = FATHOM_PROBE_BEGIN;
		snprintf(name, sizeof(name), "BEGIN");
		break;
	case PROBE_END:
		tmpl.kind = FATHOM_PROBE_END;
		snprintf(name, sizeof(name), "END");
		break;
	case PROBE_RAWTRACEPOINT:
		/* the module finds it among the kernel's own tracepoints */
		tmpl.kind = FATHOM_PROBE_RAW_TRACEPOINT;
		tmpl.tp_name = sp->name;
		snprintf(name, sizeof(name), "rawtracepoint:%s", sp->name);
		break;
	default:
		/* interval, profile: the period comes from codegen */
		tmpl.kind = sp->type == PROBE_INTERVAL ? FATHOM_PROBE_INTERVAL
						       : FATHOM_PROBE_PROFILE;
		snprintf(name, sizeof(name), "%s:%s:%llu",
			 probe_type_name(sp->type),
			 sp->unit < 5 ? units[sp->unit] : "",
			 (unsigned long long)sp->value);
		break;
	}
	return add_target(c, rs, &tmpl, name) ? 0 : c->err;
}

int resolve_script(const struct fathom_script *s, struct diag_sink *d,
		   pid_t pid, struct resolution *r)
{
	struct rctx c = { .s = s, .d = d, .pid = pid };
	uint32_t i, j, n = 0;
	int ret = 0, first = 0;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < s->prog.nprobes; i++)
		n += s->prog.probes[i]->nspecs;
	r->specs = calloc(n + 1, sizeof(*r->specs));
	if (!r->specs)
		return -ENOMEM;
	r->n = n;
	n = 0;
	for (i = 0; i < s->prog.nprobes; i++) {
		const struct ast_probe *p = s->prog.probes[i];

		for (j = 0; j < p->nspecs; j++) {
			const struct probe_spec *sp = &p->specs[j];
			struct resolve_spec *rs = &r->specs[n++];

			switch (sp->type) {
			case PROBE_KPROBE:
			case PROBE_KRETPROBE:
				ret = resolve_kprobe(&c, sp, rs);
				break;
			case PROBE_TRACEPOINT:
				ret = resolve_tracepoint(&c, sp, rs);
				break;
			case PROBE_UPROBE:
			case PROBE_URETPROBE:
				ret = resolve_uprobe(&c, sp, rs);
				break;
			case PROBE_USDT:
				ret = resolve_usdt(&c, sp, rs);
				break;
			case PROBE_BEGIN:
			case PROBE_END:
			case PROBE_INTERVAL:
			case PROBE_PROFILE:
			case PROBE_RAWTRACEPOINT:
				ret = resolve_plain(&c, sp, rs);
				break;
			default:
				ret = diag_error(
					d, sp->loc,
					"the probe type '%s' is not supported yet",
					probe_type_name(sp->type));
				break;
			}
			if (ret == -ENOMEM)
				goto out;
			if (ret && !first)
				first = ret;
		}
	}
	ret = first;
out:
	if (c.kf_loaded)
		kfuncs_free(c.kf, c.nkf);
	ksyms_free(&c.ks);
	if (ret)
		resolution_free(r);
	return ret;
}

int resolve_apply(struct fathom_compiled *c, struct resolution *r)
{
	struct fathom_probe_spec *probes;
	uint32_t i, j, n = 0, k = 0;
	char **names;

	uint32_t base = 0, m;

	if (c->spec_nprobes ? r->n != c->nr_specs : r->n != c->nr_probes)
		return -EINVAL;
	for (i = 0; i < r->n; i++) {
		/* usdt: code generation made one probe per site already */
		m = c->spec_nprobes ? c->spec_nprobes[i] : 1;
		if (m != 1 && m != r->specs[i].n)
			return -EINVAL;
		n += r->specs[i].n;
		base += m;
	}
	if (base != c->nr_probes)
		return -EINVAL;
	base = 0;
	probes = calloc(n + 1, sizeof(*probes));
	names = calloc(n + 1, sizeof(*names));
	if (!probes || !names) {
		free(probes);
		free(names);
		return -ENOMEM;
	}
	for (i = 0; i < r->n; i++) {
		const struct fathom_probe_spec *old = &c->probes[base];

		m = c->spec_nprobes ? c->spec_nprobes[i] : 1;
		for (j = 0; j < r->specs[i].n; j++, k++) {
			struct resolve_target *t = &r->specs[i].t[j];

			probes[k] = t->spec;
			probes[k].prog = m == 1 ? old->prog : old[j].prog;
			probes[k].id = k;
			if (old->kind == FATHOM_PROBE_INTERVAL ||
			    old->kind == FATHOM_PROBE_PROFILE)
				probes[k].period_ns = old->period_ns;
			names[k] = t->name;
		}
		r->specs[i].n = 0; /* moved */
		base += m;
	}
	for (i = 0; i < c->nr_probes; i++) {
		free((char *)c->probes[i].symbol);
		free((char *)c->probes[i].tp_system);
		free((char *)c->probes[i].tp_name);
		free((char *)c->probes[i].upath);
	}
	for (i = 0; i < c->nr_probe_names; i++)
		free(c->probe_names[i]);
	free(c->probes);
	free(c->probe_names);
	free(c->spec_nprobes);
	c->spec_nprobes = NULL;
	c->nr_specs = 0;
	c->probes = probes;
	c->probe_names = names;
	c->nr_probes = n;
	c->nr_probe_names = n;
	return 0;
}
