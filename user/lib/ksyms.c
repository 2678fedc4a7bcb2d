// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"

/*
 * One line of a kallsyms file, "ADDR TYPE NAME [MODULE]", into @addr,
 * @type and @sym (256 bytes); false when the line is not one.
 */
static bool ksym_parse(const char *line, uint64_t *addr, char *type, char *sym)
{
	return sscanf(line, "%" SCNx64 " %c %255s", addr, type, sym) == 3;
}

/*
 * The address of the first symbol @name in the kallsyms file @path whose
 * type is one of @types (NULL: any type); the fathom_ksym_lookup() return
 * values.
 */
static int ksym_find(const char *path, const char *name, const char *types,
		     uint64_t *addr)
{
	char line[512], sym[256], type;
	uint64_t a;
	int ret = -ENOENT;
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!ksym_parse(line, &a, &type, sym) ||
		    (types && !strchr(types, type)) || strcmp(sym, name))
			continue;
		if (!a) {
			ret = -EPERM;
			break;
		}
		*addr = a;
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

int fathom_ksym_addr(const char *name, uint64_t *addr)
{
	return ksym_find(FATHOM_KALLSYMS, name, "tT", addr);
}

int fathom_ksym_lookup(const char *path, const char *name, uint64_t *addr)
{
	return ksym_find(path ? path : FATHOM_KALLSYMS, name, NULL, addr);
}

struct ksym_ent {
	uint64_t addr;
	uint32_t name; /* offset in names */
};

struct fathom_ksyms {
	struct ksym_ent *v;
	size_t n, cap;
	char *names;
	size_t names_len, names_cap;
};

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym_ent *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* same address: keep file order (aliases), first one wins */
	return x->name < y->name ? -1 : x->name > y->name;
}

static int ksyms_push(struct fathom_ksyms *ks, uint64_t addr, const char *name)
{
	size_t len = strlen(name) + 1;

	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 4096;
		void *p = realloc(ks->v, cap * sizeof(*ks->v));

		if (!p)
			return -ENOMEM;
		ks->v = p;
		ks->cap = cap;
	}
	if (ks->names_len + len > ks->names_cap) {
		size_t cap = ks->names_cap ? ks->names_cap * 2 : 65536;
		void *p;

		while (cap < ks->names_len + len)
			cap *= 2;
		if (cap > UINT32_MAX)
			return -ENOMEM;
		p = realloc(ks->names, cap);
		if (!p)
			return -ENOMEM;
		ks->names = p;
		ks->names_cap = cap;
	}
	memcpy(ks->names + ks->names_len, name, len);
	ks->v[ks->n].addr = addr;
	ks->v[ks->n].name = (uint32_t)ks->names_len;
	ks->n++;
	ks->names_len += len;
	return 0;
}

struct fathom_ksyms *fathom_ksyms_load(const char *path, int *err)
{
	struct fathom_ksyms *ks;
	char line[512], sym[256], type;
	uint64_t a;
	size_t i, j;
	int ret = 0;
	FILE *f;

	ks = calloc(1, sizeof(*ks));
	if (!ks) {
		ret = -ENOMEM;
		goto out;
	}
	f = fopen(path ? path : FATHOM_KALLSYMS, "re");
	if (!f) {
		ret = -errno;
		goto out_free;
	}
	while (fgets(line, sizeof(line), f)) {
		if (!ksym_parse(line, &a, &type, sym) ||
		    !strchr("tTwW", type) || !a)
			continue;
		ret = ksyms_push(ks, a, sym);
		if (ret)
			break;
	}
	fclose(f);
	if (ret)
		goto out_free;
	if (ks->n)
		qsort(ks->v, ks->n, sizeof(*ks->v), ksym_cmp);
	/* one entry per address: the lookup returns the first alias */
	for (i = 0, j = 0; i < ks->n; i++)
		if (!j || ks->v[j - 1].addr != ks->v[i].addr)
			ks->v[j++] = ks->v[i];
	ks->n = j;
	goto out;

out_free:
	fathom_ksyms_free(ks);
	ks = NULL;
out:
	if (err)
		*err = ret;
	return ks;
}

void fathom_ksyms_free(struct fathom_ksyms *ks)
{
	if (!ks)
		return;
	free(ks->v);
	free(ks->names);
	free(ks);
}

size_t fathom_ksyms_count(const struct fathom_ksyms *ks)
{
	return ks ? ks->n : 0;
}

const char *fathom_ksyms_find(const struct fathom_ksyms *ks, uint64_t addr,
			      uint64_t *off)
{
	size_t lo = 0, hi;

	if (!ks || !ks->n || addr < ks->v[0].addr)
		return NULL;
	/* the last entry with v[i].addr <= addr */
	hi = ks->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->v[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (off)
		*off = addr - ks->v[lo].addr;
	return ks->names + ks->v[lo].name;
}

int fathom_ksyms_snprint(const struct fathom_ksyms *ks, uint64_t addr,
			 char *buf, size_t size)
{
	uint64_t off;
	const char *name = fathom_ksyms_find(ks, addr, &off);

	if (!name)
		return snprintf(buf, size, "0x%" PRIx64, addr);
	return snprintf(buf, size, "%s+0x%" PRIx64, name, off);
}
