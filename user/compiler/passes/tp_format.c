// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tracepoint formats. See tp_format.h.
 *
 * A format file lists the event record's fields, one a line:
 *
 *	field:const char * filename;	offset:24;	size:8;	signed:0;
 *	field:__data_loc char[] name;	offset:8;	size:4;	signed:1;
 *	field:char comm[16];	offset:12;	size:16;	signed:0;
 *
 * and becomes struct field_info: integers (size 1, 2, 4, 8), pointers (a
 * u64; user memory in the syscalls category, whose pointer arguments come
 * from user space), char arrays and __data_loc char[] strings. Other
 * fields (structs, other arrays) are known, so that the error says what
 * the field is, but cannot be read.
 *
 * Signedness is the format's signed: flag, or the C type's: syscall
 * arguments are stored as unsigned longs (signed:0) but declared with
 * their C type, so 'int dfd' of size 8 reads as a signed 64-bit value,
 * as bpftrace reads it.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tp_format.h"

#define FORMAT_MAX (256 * 1024)

struct tp_field {
	const char *name;
	const char *type;	/* the declaration without the name */
	struct field_info info; /* kind FIELD_NONE: cannot be read */
};

struct tp_format {
	const char *cat;
	const char *name;
	struct tp_field *fields;
	uint32_t n;
	int err; /* loading failed: -errno */
	struct tp_format *next;
};

/* The tracepoints of one probe, wildcards expanded. */
struct tp_set {
	const struct ast_probe *probe;
	struct tp_format **fmts;
	uint32_t n;
	int err;
	bool reported;
	struct tp_set *next;
};

struct tp_cache {
	struct tp_format *formats;
	struct tp_set *sets;
};

static bool has_events(const char *dir)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/events", dir);
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

const char *tp_tracefs_dir(const struct fathom_script *s)
{
	const char *env = getenv("FATHOM_TRACEFS");

	if (s->tracefs)
		return s->tracefs;
	if (env && *env)
		return env;
	if (has_events("/sys/kernel/tracing"))
		return "/sys/kernel/tracing";
	if (has_events("/sys/kernel/debug/tracing"))
		return "/sys/kernel/debug/tracing";
	return "/sys/kernel/tracing";
}

/* ---- parsing a format file ------------------------------------------- */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

static bool is_ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static bool word_in(const char *type, const char *const *words)
{
	const char *last = type + strlen(type);

	while (last > type && is_ident_char(last[-1]))
		last--;
	for (; *words; words++)
		if (!strcmp(last, *words))
			return true;
	return false;
}

static void classify(struct tp_field *f, const char *cat, const char *arr,
		     bool is_signed)
{
	static const char *const signed_types[] = {
		"int",	 "long",  "short",   "s8",     "s16",
		"s32",	 "s64",	  "__s8",    "__s16",  "__s32",
		"__s64", "pid_t", "ssize_t", "loff_t", NULL,
	};
	const char *type = f->type;
	struct field_info *fi = &f->info;

	if (!strncmp(type, "__data_loc ", 11)) {
		if (!strcmp(trim((char *)type + 11), "char[]") && fi->size == 4)
			fi->kind = FIELD_DATA_LOC;
		return;
	}
	if (arr) {
		if ((!strncmp(type, "char[", 5) ||
		     !strncmp(type, "const char[", 11)) &&
		    fi->size > 0)
			fi->kind = FIELD_CHARS;
		return;
	}
	if (strchr(type, '*')) {
		if (fi->size == 8) {
			fi->kind = FIELD_PTR;
			fi->user = !strcmp(cat, "syscalls");
		}
		return;
	}
	if (strstr(type, "struct ") || strstr(type, "union "))
		return;
	if (fi->size == 1 || fi->size == 2 || fi->size == 4 || fi->size == 8) {
		fi->kind = FIELD_INT;
		fi->is_signed = is_signed || (!strstr(type, "unsigned") &&
					      word_in(type, signed_types));
	}
}

static long field_num(const char *line, const char *key)
{
	const char *p = strstr(line, key);

	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* One "field:" line into @f; false when it is not one. */
static bool parse_field(struct ast_arena *a, char *line, const char *cat,
			struct tp_field *f)
{
	char *decl = strstr(line, "field:"), *end, *name, *arr = NULL;
	long off, size, sgn;

	if (!decl)
		return false;
	decl += 6;
	end = strchr(decl, ';');
	if (!end)
		return false;
	*end = '\0';
	off = field_num(end + 1, "offset:");
	size = field_num(end + 1, "size:");
	sgn = field_num(end + 1, "signed:");
	if (off < 0 || size < 0 || off > 0xffff || size > 0xffff)
		return false;
	decl = trim(decl);
	end = decl + strlen(decl);
	if (end > decl && end[-1] == ']') {
		char *open = strrchr(decl, '[');

		/* "char[] name" has the brackets in the type, not here */
		if (open) {
			end[-1] = '\0';
			arr = open + 1;
			*open = '\0';
			end = open;
		}
	}
	name = end;
	while (name > decl && is_ident_char(name[-1]))
		name--;
	if (name == end)
		return false;
	f->name = ast_strndup(a, name, strlen(name));
	*name = '\0';
	decl = trim(decl);
	if (arr) {
		char buf[512];

		snprintf(buf, sizeof(buf), "%s[%s]", decl, arr);
		f->type = ast_strndup(a, buf, strlen(buf));
	} else {
		f->type = ast_strndup(a, decl, strlen(decl));
	}
	if (!f->name || !f->type)
		return false;
	f->info.offset = (uint32_t)off;
	f->info.size = (uint32_t)size;
	classify(f, cat, arr, sgn == 1);
	return true;
}

static int parse_format(struct ast_arena *a, struct tp_format *fmt, char *text)
{
	uint32_t cap = 0;
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct tp_field f = { 0 };

		if (!parse_field(a, line, fmt->cat, &f)) {
			if (a->failed)
				return -ENOMEM;
			continue;
		}
		if (fmt->n == cap) {
			struct tp_field *nf;

			cap = cap ? cap * 2 : 16;
			nf = ast_alloc(a, cap * sizeof(*nf));
			if (!nf)
				return -ENOMEM;
			if (fmt->n)
				memcpy(nf, fmt->fields,
				       fmt->n * sizeof(*fmt->fields));
			fmt->fields = nf;
		}
		fmt->fields[fmt->n++] = f;
	}
	return 0;
}

static struct tp_format *load_format(struct fathom_script *s,
				     struct tp_cache *c, const char *cat,
				     const char *name)
{
	struct tp_format *f;
	char path[4096], *text;
	size_t len;
	FILE *fp;

	for (f = c->formats; f; f = f->next)
		if (!strcmp(f->cat, cat) && !strcmp(f->name, name))
			return f;
	f = ast_alloc(&s->arena, sizeof(*f));
	if (!f)
		return NULL;
	f->cat = ast_strndup(&s->arena, cat, strlen(cat));
	f->name = ast_strndup(&s->arena, name, strlen(name));
	if (!f->cat || !f->name)
		return NULL;
	f->next = c->formats;
	c->formats = f;
	snprintf(path, sizeof(path), "%s/events/%s/%s/format",
		 tp_tracefs_dir(s), cat, name);
	fp = fopen(path, "re");
	if (!fp) {
		f->err = -errno;
		return f;
	}
	text = malloc(FORMAT_MAX + 1);
	if (!text) {
		fclose(fp);
		return NULL;
	}
	len = fread(text, 1, FORMAT_MAX, fp);
	text[len] = '\0';
	if (ferror(fp))
		f->err = -EIO;
	fclose(fp);
	if (!f->err && parse_format(&s->arena, f, text))
		f = NULL;
	free(text);
	return f;
}

/* ---- the tracepoints of a probe -------------------------------------- */

static int set_push(struct fathom_script *s, struct tp_set *set, uint32_t *cap,
		    struct tp_format *f)
{
	if (set->n == *cap) {
		struct tp_format **nf;

		*cap = *cap ? *cap * 2 : 8;
		nf = ast_alloc(&s->arena, *cap * sizeof(*nf));
		if (!nf)
			return -ENOMEM;
		if (set->n)
			memcpy(nf, set->fmts, set->n * sizeof(*nf));
		set->fmts = nf;
	}
	set->fmts[set->n++] = f;
	return 0;
}

/* The names in @dir matching @pat, each as a subdirectory. */
static int expand(struct fathom_script *s, struct tp_cache *c,
		  struct tp_set *set, uint32_t *cap,
		  const struct probe_spec *sp)
{
	char path[4096];
	struct dirent *ce, *ne;
	DIR *cd, *nd;
	int err = 0;

	snprintf(path, sizeof(path), "%s/events", tp_tracefs_dir(s));
	cd = opendir(path);
	if (!cd)
		return -errno;
	while (!err && (ce = readdir(cd))) {
		if (ce->d_name[0] == '.' || fnmatch(sp->target, ce->d_name, 0))
			continue;
		snprintf(path, sizeof(path), "%s/events/%s", tp_tracefs_dir(s),
			 ce->d_name);
		nd = opendir(path);
		if (!nd)
			continue;
		while (!err && (ne = readdir(nd))) {
			struct tp_format *f;

			if (ne->d_name[0] == '.' ||
			    fnmatch(sp->name, ne->d_name, 0))
				continue;
			f = load_format(s, c, ce->d_name, ne->d_name);
			if (!f)
				err = -ENOMEM;
			else if (!f->err)
				err = set_push(s, set, cap, f);
		}
		closedir(nd);
	}
	closedir(cd);
	return err;
}

static struct tp_set *probe_set(struct fathom_script *s, struct tp_cache *c,
				const struct ast_probe *p)
{
	struct tp_set *set;
	uint32_t i, cap = 0;

	for (set = c->sets; set; set = set->next)
		if (set->probe == p)
			return set;
	set = ast_alloc(&s->arena, sizeof(*set));
	if (!set)
		return NULL;
	set->probe = p;
	set->next = c->sets;
	c->sets = set;
	for (i = 0; i < p->nspecs && !set->err; i++) {
		const struct probe_spec *sp = &p->specs[i];
		struct tp_format *f;
		uint32_t before = set->n;

		if (sp->type != PROBE_TRACEPOINT)
			continue;
		if (sp->wildcard) {
			set->err = expand(s, c, set, &cap, sp);
			if (set->err == -ENOMEM)
				return NULL;
			if (!set->err && set->n == before)
				set->err = -ENOENT;
			continue;
		}
		f = load_format(s, c, sp->target, sp->name);
		if (!f)
			return NULL;
		set->err = f->err ? f->err : set_push(s, set, &cap, f);
		if (set->err == -ENOMEM)
			return NULL;
	}
	return set;
}

/* ---- resolving a field ----------------------------------------------- */

static unsigned int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned int row[64], prev, tmp;

	if (lb >= 64 || la >= 64)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (unsigned int)i;
		for (j = 1; j <= lb; j++) {
			unsigned int best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

static void unknown_field(struct diag_sink *d, const struct ast_node *n,
			  const struct tp_format *f)
{
	const char *best = NULL;
	unsigned int best_d = 3, i, dist;
	char list[512];
	size_t used = 0;

	list[0] = '\0';
	for (i = 0; i < f->n; i++) {
		const char *fn = f->fields[i].name;

		dist = edit_distance(n->u.field.name, fn);
		if (dist < best_d && dist * 3 <= strlen(fn)) {
			best = fn;
			best_d = dist;
		}
		if (!strncmp(fn, "common_", 7) || used + 1 >= sizeof(list))
			continue;
		used += (size_t)snprintf(list + used, sizeof(list) - used,
					 "%s%s", used ? ", " : "", fn);
	}
	if (used >= sizeof(list))
		used = sizeof(list) - 1;
	if (best)
		diag_error(
			d, n->loc,
			"tracepoint:%s:%s has no field '%s'; did you mean '%s'? Its fields are: %s",
			f->cat, f->name, n->u.field.name, best,
			used ? list : "(none)");
	else
		diag_error(
			d, n->loc,
			"tracepoint:%s:%s has no field '%s'; its fields are: %s",
			f->cat, f->name, n->u.field.name,
			used ? list : "(none)");
}

static const struct tp_field *find_field(const struct tp_format *f,
					 const char *name)
{
	uint32_t i;

	for (i = 0; i < f->n; i++)
		if (!strcmp(f->fields[i].name, name))
			return &f->fields[i];
	return NULL;
}

static bool same_field(const struct tp_field *a, const struct tp_field *b)
{
	return a->info.kind == b->info.kind &&
	       a->info.offset == b->info.offset &&
	       a->info.size == b->info.size &&
	       a->info.is_signed == b->info.is_signed &&
	       a->info.user == b->info.user;
}

static void load_error(struct fathom_script *s, struct diag_sink *d,
		       const struct ast_probe *p, const struct ast_node *n,
		       int err)
{
	uint32_t i;

	for (i = 0; i < p->nspecs; i++) {
		const struct probe_spec *sp = &p->specs[i];

		if (sp->type != PROBE_TRACEPOINT)
			continue;
		if (sp->wildcard && err == -ENOENT)
			diag_error(
				d, n->loc,
				"no tracepoint matches '%s' in %s/events: cannot type args",
				sp->raw, tp_tracefs_dir(s));
		else
			diag_error(
				d, n->loc,
				"cannot read the format of '%s' in %s/events: %s",
				sp->raw, tp_tracefs_dir(s), strerror(-err));
		return;
	}
}

int tp_field_resolve(struct fathom_script *s, struct tp_cache **cache,
		     const struct ast_probe *p, struct ast_node *n,
		     struct diag_sink *d, bool silent)
{
	const struct tp_field *first = NULL, *f;
	const struct tp_format *first_fmt = NULL;
	struct tp_set *set;
	uint32_t i;

	if (!*cache) {
		*cache = ast_alloc(&s->arena, sizeof(**cache));
		if (!*cache)
			return -ENOMEM;
	}
	set = probe_set(s, *cache, p);
	if (!set)
		return -ENOMEM;
	if (set->err) {
		/* once per probe, not once per field */
		if (!silent && !set->reported)
			load_error(s, d, p, n, set->err);
		if (!silent)
			set->reported = true;
		return -EINVAL;
	}
	for (i = 0; i < set->n; i++) {
		const struct tp_format *fmt = set->fmts[i];

		f = find_field(fmt, n->u.field.name);
		if (!f) {
			if (!silent)
				unknown_field(d, n, fmt);
			return -EINVAL;
		}
		if (!first) {
			first = f;
			first_fmt = fmt;
			continue;
		}
		if (!same_field(first, f)) {
			if (!silent)
				diag_error(
					d, n->loc,
					"args.%s is '%s' at offset %u in tracepoint:%s:%s but '%s' at offset %u in tracepoint:%s:%s: the probes of a block must agree",
					n->u.field.name, first->type,
					first->info.offset, first_fmt->cat,
					first_fmt->name, f->type,
					f->info.offset, fmt->cat, fmt->name);
			return -EINVAL;
		}
	}
	if (!first)
		return -EINVAL; /* no tracepoint spec: reported by the caller */
	if (first->info.kind == FIELD_NONE) {
		if (!silent)
			diag_error(
				d, n->loc,
				"args.%s is '%s' (%u bytes): fathom reads only integer, pointer and char string fields",
				n->u.field.name, first->type, first->info.size);
		return -EINVAL;
	}
	n->u.field.info = first->info;
	return 0;
}
