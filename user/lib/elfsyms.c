// SPDX-License-Identifier: GPL-2.0-only
/*
 * ELF symbol tables through libelf (see elfsyms.h for the rules).
 *
 * A file is read once: its PT_LOAD segments, its build id and every
 * usable symbol of .symtab and .dynsym are copied out, and the libelf
 * handle and descriptor are closed again, so a cache of many files holds
 * no descriptors. The symbols are sorted by address with a running
 * maximum of their end addresses, so the symbols containing an address
 * are found by a binary search and a short walk back.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfsyms.h"

struct seg {
	uint64_t vaddr, memsz, off, filesz;
	bool exec;
};

struct fathom_elf {
	char *path;
	bool has_symtab, is_dyn;
	uint8_t build_id[FATHOM_BUILD_ID_MAX];
	size_t build_id_len;
	struct seg *segs;
	size_t nsegs;
	struct fathom_elf_sym *syms; /* by address, then preference */
	uint64_t *max_end;	     /* max end of syms[0..i] */
	size_t nsyms;
	char *names; /* every name, NUL-separated */
};

/* ---- building ---- */

struct builder {
	struct fathom_elf *e;
	size_t cap;
	size_t *name_off; /* offsets into names until the pool is final */
	char *pool;
	size_t pool_len, pool_cap;
};

static int pool_add(struct builder *b, const char *s, size_t *off)
{
	size_t n = strlen(s) + 1;

	if (b->pool_len + n > b->pool_cap) {
		size_t cap = b->pool_cap ? b->pool_cap : 4096;
		char *p;

		while (cap < b->pool_len + n)
			cap *= 2;
		p = realloc(b->pool, cap);
		if (!p)
			return -ENOMEM;
		b->pool = p;
		b->pool_cap = cap;
	}
	memcpy(b->pool + b->pool_len, s, n);
	*off = b->pool_len;
	b->pool_len += n;
	return 0;
}

static int sym_push(struct builder *b, const struct fathom_elf_sym *s,
		    const char *name)
{
	struct fathom_elf *e = b->e;

	if (e->nsyms == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		void *p = realloc(e->syms, cap * sizeof(*e->syms));

		if (!p)
			return -ENOMEM;
		e->syms = p;
		p = realloc(b->name_off, cap * sizeof(*b->name_off));
		if (!p)
			return -ENOMEM;
		b->name_off = p;
		b->cap = cap;
	}
	e->syms[e->nsyms] = *s;
	if (pool_add(b, name, &b->name_off[e->nsyms]))
		return -ENOMEM;
	e->nsyms++;
	return 0;
}

static int read_segs(struct fathom_elf *e, Elf *elf)
{
	size_t n, i;

	if (elf_getphdrnum(elf, &n))
		return 0; /* no program headers: nothing maps */
	e->segs = calloc(n ? n : 1, sizeof(*e->segs));
	if (!e->segs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;
		struct seg *s;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		s = &e->segs[e->nsegs++];
		s->vaddr = ph.p_vaddr;
		s->memsz = ph.p_memsz;
		s->off = ph.p_offset;
		s->filesz = ph.p_filesz;
		s->exec = ph.p_flags & PF_X;
	}
	return 0;
}

static void read_build_id(struct fathom_elf *e, Elf *elf)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		GElf_Nhdr nh;
		Elf_Data *data;
		size_t pos = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		while ((pos = gelf_getnote(data, pos, &nh, &name_off,
					   &desc_off)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((char *)data->d_buf + name_off, "GNU", 4) ||
			    !nh.n_descsz || nh.n_descsz > FATHOM_BUILD_ID_MAX)
				continue;
			memcpy(e->build_id, (char *)data->d_buf + desc_off,
			       nh.n_descsz);
			e->build_id_len = nh.n_descsz;
			return;
		}
	}
}

int fathom_elf_walk(Elf *elf, int (*cb)(struct fathom_elf_sym *sym, void *arg),
		    void *arg)
{
	int pass, ret = 0;

	/* .symtab first (every symbol), then .dynsym (the exported ones) */
	for (pass = 0; pass < 2 && !ret; pass++) {
		Elf_Scn *scn = NULL;

		while (!ret && (scn = elf_nextscn(elf, scn))) {
			Elf_Data *data;
			GElf_Shdr sh;
			size_t i, n;

			if (!gelf_getshdr(scn, &sh) ||
			    sh.sh_type != (pass ? SHT_DYNSYM : SHT_SYMTAB) ||
			    !sh.sh_entsize)
				continue;
			data = elf_getdata(scn, NULL);
			if (!data)
				continue;
			n = sh.sh_size / sh.sh_entsize;
			for (i = 0; i < n && !ret; i++) {
				struct fathom_elf_sym s = { 0 };
				GElf_Sym sym;

				if (!gelf_getsym(data, (int)i, &sym) ||
				    sym.st_shndx == SHN_UNDEF || !sym.st_value)
					continue;
				s.name = elf_strptr(elf, sh.sh_link,
						    sym.st_name);
				if (!s.name || !*s.name)
					continue;
				s.value = sym.st_value;
				s.size = sym.st_size;
				s.type = GELF_ST_TYPE(sym.st_info);
				s.bind = GELF_ST_BIND(sym.st_info);
				s.dynsym = pass;
				ret = cb(&s, arg);
			}
		}
	}
	return ret;
}

/* fathom_elf_walk()'s callback: keep @s when it lies in a PT_LOAD */
static int read_sym(struct fathom_elf_sym *s, void *arg)
{
	struct builder *b = arg;

	if (s->type == STT_SECTION || s->type == STT_FILE || s->type == STT_TLS)
		return 0;
	if (fathom_elf_vaddr_to_off(b->e, s->value, &s->offset))
		return 0;
	return sym_push(b, s, s->name);
}

static bool is_func(const struct fathom_elf_sym *s)
{
	return s->type == STT_FUNC || s->type == STT_GNU_IFUNC;
}

static int bind_rank(uint8_t bind)
{
	switch (bind) {
	case STB_GLOBAL:
		return 0;
	case STB_WEAK:
		return 1;
	case STB_LOCAL:
		return 2;
	default:
		return 3;
	}
}

static size_t underscores(const char *s)
{
	size_t n = 0;

	while (s[n] == '_')
		n++;
	return n;
}

/* < 0 when @a is the better name for an address than @b */
static int pref_cmp(const struct fathom_elf_sym *a,
		    const struct fathom_elf_sym *b)
{
	size_t ua, ub;

	if (is_func(a) != is_func(b))
		return is_func(a) ? -1 : 1;
	if (a->dynsym != b->dynsym)
		return a->dynsym ? 1 : -1;
	if (bind_rank(a->bind) != bind_rank(b->bind))
		return bind_rank(a->bind) - bind_rank(b->bind);
	ua = underscores(a->name);
	ub = underscores(b->name);
	if (ua != ub)
		return ua < ub ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int addr_cmp(const void *pa, const void *pb)
{
	const struct fathom_elf_sym *a = pa, *b = pb;

	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	return pref_cmp(a, b);
}

static uint64_t sym_end(const struct fathom_elf_sym *s)
{
	return s->value + (s->size ? s->size : 1);
}

static int finish(struct builder *b)
{
	struct fathom_elf *e = b->e;
	size_t i;

	e->names = b->pool;
	b->pool = NULL;
	for (i = 0; i < e->nsyms; i++)
		e->syms[i].name = e->names + b->name_off[i];
	if (e->nsyms)
		qsort(e->syms, e->nsyms, sizeof(*e->syms), addr_cmp);
	e->max_end = calloc(e->nsyms ? e->nsyms : 1, sizeof(*e->max_end));
	if (!e->max_end)
		return -ENOMEM;
	for (i = 0; i < e->nsyms; i++) {
		uint64_t end = sym_end(&e->syms[i]);

		e->max_end[i] = i && e->max_end[i - 1] > end ? e->max_end[i - 1]
							     : end;
	}
	return 0;
}

static int read_elf(struct fathom_elf *e, int fd)
{
	struct builder b = { .e = e };
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	Elf *elf;
	int ret;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		return -ENOEXEC;
	ret = -ENOEXEC;
	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh))
		goto out;
	e->is_dyn = eh.e_type == ET_DYN;
	ret = read_segs(e, elf);
	if (ret)
		goto out;
	read_build_id(e, elf);
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			e->has_symtab = true;
	}
	ret = fathom_elf_walk(elf, read_sym, &b);
	if (ret)
		goto out;
	ret = finish(&b);
out:
	free(b.name_off);
	free(b.pool);
	elf_end(elf);
	return ret;
}

struct fathom_elf *fathom_elf_open(const char *path, int *err)
{
	struct fathom_elf *e;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = -ENOMEM;
	e = calloc(1, sizeof(*e));
	if (!e)
		goto fail_close;
	e->path = strdup(path);
	if (!e->path)
		goto fail_free;
	ret = read_elf(e, fd);
	if (ret)
		goto fail_free;
	close(fd);
	if (err)
		*err = 0;
	return e;
fail_free:
	fathom_elf_free(e);
fail_close:
	close(fd);
fail:
	if (err)
		*err = ret;
	return NULL;
}

void fathom_elf_free(struct fathom_elf *e)
{
	if (!e)
		return;
	free(e->path);
	free(e->segs);
	free(e->syms);
	free(e->max_end);
	free(e->names);
	free(e);
}

const char *fathom_elf_path(const struct fathom_elf *e)
{
	return e->path;
}

bool fathom_elf_has_symtab(const struct fathom_elf *e)
{
	return e->has_symtab;
}

bool fathom_elf_is_dyn(const struct fathom_elf *e)
{
	return e->is_dyn;
}

const uint8_t *fathom_elf_build_id(const struct fathom_elf *e, size_t *len)
{
	*len = e->build_id_len;
	return e->build_id_len ? e->build_id : NULL;
}

/* ---- lookups ---- */

int fathom_elf_off_to_vaddr(const struct fathom_elf *e, uint64_t off,
			    uint64_t *vaddr)
{
	int pass;
	size_t i;

	/* executable segments first: code is what is looked up */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < e->nsegs; i++) {
			const struct seg *s = &e->segs[i];

			if (s->exec != !pass || off < s->off ||
			    off - s->off >= s->filesz)
				continue;
			*vaddr = off - s->off + s->vaddr;
			return 0;
		}
	return -ENOENT;
}

int fathom_elf_vaddr_to_off(const struct fathom_elf *e, uint64_t vaddr,
			    uint64_t *off)
{
	size_t i;

	for (i = 0; i < e->nsegs; i++) {
		const struct seg *s = &e->segs[i];

		if (vaddr >= s->vaddr && vaddr - s->vaddr < s->memsz) {
			*off = vaddr - s->vaddr + s->off;
			return 0;
		}
	}
	return -ENOENT;
}

const struct fathom_elf_sym *fathom_elf_lookup(const struct fathom_elf *e,
					       uint64_t off, uint64_t *sym_off)
{
	const struct fathom_elf_sym *best = NULL;
	size_t lo = 0, hi = e->nsyms, i;
	uint64_t va;

	if (fathom_elf_off_to_vaddr(e, off, &va))
		return NULL;
	/* lo = number of symbols starting at or below va */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e->syms[mid].value <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i-- > 0 && e->max_end[i] > va;) {
		const struct fathom_elf_sym *s = &e->syms[i];

		if (va >= sym_end(s))
			continue;
		if (!best || pref_cmp(s, best) < 0)
			best = s;
	}
	if (best && sym_off)
		*sym_off = va - best->value;
	return best;
}

const struct fathom_elf_sym *fathom_elf_find(const struct fathom_elf *e,
					     const char *name)
{
	int pass;
	size_t i;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < e->nsyms; i++) {
			const struct fathom_elf_sym *s = &e->syms[i];

			if (s->dynsym == !pass && is_func(s) &&
			    !strcmp(s->name, name))
				return s;
		}
	return NULL;
}

const struct fathom_elf_sym *fathom_elf_find_any(const struct fathom_elf *e,
						 const char *name)
{
	const struct fathom_elf_sym *best = NULL;
	size_t i;

	for (i = 0; i < e->nsyms; i++) {
		const struct fathom_elf_sym *s = &e->syms[i];

		if (strcmp(s->name, name))
			continue;
		if (!best || (best->dynsym && !s->dynsym))
			best = s;
	}
	return best;
}

/* ---- finding the file ---- */

/* Is @path a regular file that starts with the ELF magic? */
static bool is_elf_file(const char *path)
{
	char magic[4];
	struct stat st;
	bool ok;
	int fd;

	if (stat(path, &st) || !S_ISREG(st.st_mode))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = read(fd, magic, 4) == 4 && !memcmp(magic, ELFMAG, 4);
	close(fd);
	return ok;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The first (by name) ELF file in @dir called @base.so or @base.so.*:
 * "libc" finds libc.so.6 (libc.so, a linker script, is not ELF).
 */
static char *find_so(const char *dir, const char *base)
{
	size_t blen = strlen(base), n = 0, cap = 0, i;
	char **v = NULL, *found = NULL, buf[4096];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return NULL;
	while ((de = readdir(d))) {
		const char *rest = de->d_name + blen;
		char **nv;

		if (strncmp(de->d_name, base, blen) ||
		    strncmp(rest, ".so", 3) || (rest[3] && rest[3] != '.'))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		v[n] = strdup(de->d_name);
		if (!v[n])
			break;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), name_cmp);
	for (i = 0; i < n && !found; i++) {
		snprintf(buf, sizeof(buf), "%s/%s", dir, v[i]);
		if (is_elf_file(buf))
			found = realpath(buf, NULL);
	}
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return found;
}

char *fathom_elf_find_path(const char *target)
{
	static const char *const libdirs[] = {
		"/lib/x86_64-linux-gnu",
		"/usr/lib/x86_64-linux-gnu",
		"/lib64",
		"/usr/lib64",
		"/lib",
		"/usr/lib",
	};
	size_t i, n = sizeof(libdirs) / sizeof(libdirs[0]);
	char buf[4096], base[256];
	const char *path;
	char *found;

	if (strchr(target, '/'))
		return realpath(target, NULL);
	/* an executable in $PATH */
	path = getenv("PATH");
	while (path && *path) {
		size_t len = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, target);
		if (len && access(buf, X_OK) == 0)
			return realpath(buf, NULL);
		path += len + (path[len] == ':');
	}
	/* a library by its file name: "libc.so.6" */
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%s/%s", libdirs[i], target);
		if (access(buf, R_OK) == 0)
			return realpath(buf, NULL);
	}
	/* a library by its name, as bpftrace and bcc: "libc" or "c" */
	if (!strchr(target, '.') && strlen(target) < sizeof(base) - 3) {
		snprintf(base, sizeof(base), "%s%s",
			 strncmp(target, "lib", 3) ? "lib" : "", target);
		for (i = 0; i < n; i++) {
			found = find_so(libdirs[i], base);
			if (found)
				return found;
		}
	}
	errno = ENOENT;
	return NULL;
}

bool fathom_glob_match(const char *p, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*p == '*') {
			star = ++p;
			resume = s;
		} else if (*p == '?' || *p == *s) {
			p++;
			s++;
		} else if (star) {
			p = star;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return !*p;
}

static int ptr_name_cmp(const void *pa, const void *pb)
{
	const struct fathom_elf_sym *a =
		*(const struct fathom_elf_sym *const *)pa;
	const struct fathom_elf_sym *b =
		*(const struct fathom_elf_sym *const *)pb;
	int r = strcmp(a->name, b->name);

	if (r)
		return r;
	/* .symtab first, then the lower address, as fathom_elf_find() */
	if (a->dynsym != b->dynsym)
		return a->dynsym ? 1 : -1;
	return a < b ? -1 : a > b;
}

static int ptr_addr_cmp(const void *pa, const void *pb)
{
	const struct fathom_elf_sym *a =
		*(const struct fathom_elf_sym *const *)pa;
	const struct fathom_elf_sym *b =
		*(const struct fathom_elf_sym *const *)pb;

	return a < b ? -1 : a > b;
}

int fathom_elf_glob(const struct fathom_elf *e, const char *pattern,
		    int (*cb)(const struct fathom_elf_sym *sym, void *arg),
		    void *arg)
{
	const struct fathom_elf_sym **v;
	size_t i, n = 0, m = 0;
	int ret = 0;

	v = malloc((e->nsyms ? e->nsyms : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < e->nsyms; i++)
		if (is_func(&e->syms[i]) &&
		    fathom_glob_match(pattern, e->syms[i].name))
			v[n++] = &e->syms[i];
	/* one per name, the one fathom_elf_find() would give */
	qsort(v, n, sizeof(*v), ptr_name_cmp);
	for (i = 0; i < n; i++)
		if (!m || strcmp(v[m - 1]->name, v[i]->name))
			v[m++] = v[i];
	qsort(v, m, sizeof(*v), ptr_addr_cmp);
	for (i = 0; i < m && !ret; i++)
		ret = cb(v[i], arg);
	free(v);
	return ret;
}

/* ---- the cache ---- */

struct centry {
	dev_t dev;
	ino_t ino;
	struct fathom_elf *e;
	int err;
};

struct fathom_elf_cache {
	struct centry *v;
	size_t n, cap;
};

struct fathom_elf_cache *fathom_elf_cache_new(void)
{
	return calloc(1, sizeof(struct fathom_elf_cache));
}

void fathom_elf_cache_free(struct fathom_elf_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++)
		fathom_elf_free(c->v[i].e);
	free(c->v);
	free(c);
}

static struct centry *cache_find(struct fathom_elf_cache *c, dev_t dev,
				 ino_t ino)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->v[i].dev == dev && c->v[i].ino == ino)
			return &c->v[i];
	return NULL;
}

const struct fathom_elf *fathom_elf_cache_get(struct fathom_elf_cache *c,
					      const char *path, dev_t dev,
					      ino_t ino, int *err)
{
	struct centry *ce;
	struct stat st;
	int ret;

	if (ino) {
		ce = cache_find(c, dev, ino);
		if (ce)
			goto found;
	}
	if (stat(path, &st)) {
		ret = -errno;
		goto fail;
	}
	if (ino && (st.st_dev != dev || st.st_ino != ino)) {
		ret = -ESTALE;
		goto fail;
	}
	ce = cache_find(c, st.st_dev, st.st_ino);
	if (ce)
		goto found;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		void *p = realloc(c->v, cap * sizeof(*c->v));

		if (!p) {
			ret = -ENOMEM;
			goto fail;
		}
		c->v = p;
		c->cap = cap;
	}
	ce = &c->v[c->n++];
	ce->dev = st.st_dev;
	ce->ino = st.st_ino;
	ce->e = fathom_elf_open(path, &ce->err);
found:
	if (err)
		*err = ce->err;
	return ce->e;
fail:
	if (err)
		*err = ret;
	return NULL;
}
