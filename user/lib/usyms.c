// SPDX-License-Identifier: GPL-2.0-only
/*
 * User-space symbols (see usyms.h): per-process snapshots of the
 * executable file mappings over a shared cache of ELF symbol tables.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "elfsyms.h"
#include "usyms.h"

#define RECAPTURE_NS 100000000ull /* at most every 100 ms per process */

struct umap {
	uint64_t start, end, pgoff;
	dev_t dev;
	ino_t ino;
	char *path;
};

struct pmaps {
	pid_t pid;
	struct umap *v;
	size_t n;
	uint64_t captured_ns;
};

struct fathom_usyms {
	char *procfs;
	struct pmaps *procs;
	size_t nprocs, cap;
	struct fathom_elf_cache *files;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct fathom_usyms *fathom_usyms_new(void)
{
	struct fathom_usyms *us = calloc(1, sizeof(*us));

	if (!us)
		return NULL;
	us->procfs = strdup("/proc");
	us->files = fathom_elf_cache_new();
	if (!us->procfs || !us->files) {
		fathom_usyms_free(us);
		return NULL;
	}
	return us;
}

static void maps_free(struct umap *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

void fathom_usyms_free(struct fathom_usyms *us)
{
	size_t i;

	if (!us)
		return;
	for (i = 0; i < us->nprocs; i++)
		maps_free(us->procs[i].v, us->procs[i].n);
	free(us->procs);
	free(us->procfs);
	fathom_elf_cache_free(us->files);
	free(us);
}

int fathom_usyms_set_procfs(struct fathom_usyms *us, const char *dir)
{
	char *s = strdup(dir);

	if (!s)
		return -ENOMEM;
	free(us->procfs);
	us->procfs = s;
	return 0;
}

struct fathom_elf_cache *fathom_usyms_elf_cache(struct fathom_usyms *us)
{
	return us->files;
}

static struct pmaps *proc_find(struct fathom_usyms *us, pid_t pid)
{
	size_t i;

	for (i = 0; i < us->nprocs; i++)
		if (us->procs[i].pid == pid)
			return &us->procs[i];
	return NULL;
}

/*
 * One line of /proc/PID/maps: "start-end perms offset major:minor inode
 * path". Keeps executable mappings of files (path starts with '/'; a
 * " (deleted)" suffix is dropped: the file is opened through map_files).
 * Return: 1 kept, 0 skipped, -ENOMEM.
 */
static int maps_line(char *line, struct umap *m)
{
	unsigned long long start, end, pgoff, ino;
	unsigned int major, minor;
	char perms[5];
	int pos = 0;
	char *path, *nl;

	if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &start, &end,
		   perms, &pgoff, &major, &minor, &ino, &pos) != 7 ||
	    !pos)
		return 0;
	path = line + pos;
	nl = strchr(path, '\n');
	if (nl)
		*nl = 0;
	if (perms[2] != 'x' || path[0] != '/')
		return 0;
	nl = strstr(path, " (deleted)");
	if (nl && !nl[10])
		*nl = 0;
	m->start = start;
	m->end = end;
	m->pgoff = pgoff;
	m->dev = makedev(major, minor);
	m->ino = (ino_t)ino;
	m->path = strdup(path);
	return m->path ? 1 : -ENOMEM;
}

static int maps_read(const char *procfs, pid_t pid, struct umap **out,
		     size_t *nout)
{
	struct umap *v = NULL, m;
	size_t n = 0, cap = 0, len = 0;
	char path[64], *line = NULL;
	int ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%.40s/%d/maps", procfs, (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -ESRCH;
	while (getline(&line, &len, f) > 0) {
		ret = maps_line(line, &m);
		if (ret < 0)
			break;
		if (!ret)
			continue;
		ret = 0;
		if (n == cap) {
			void *p;

			cap = cap ? cap * 2 : 16;
			p = realloc(v, cap * sizeof(*v));
			if (!p) {
				free(m.path);
				ret = -ENOMEM;
				break;
			}
			v = p;
		}
		v[n++] = m;
	}
	free(line);
	fclose(f);
	if (ret) {
		maps_free(v, n);
		return ret;
	}
	*out = v;
	*nout = n;
	return 0;
}

int fathom_usyms_capture(struct fathom_usyms *us, pid_t pid)
{
	struct pmaps *p = proc_find(us, pid);
	struct umap *v;
	size_t n;
	int ret;

	ret = maps_read(us->procfs, pid, &v, &n);
	if (ret)
		return ret;
	if (!p) {
		if (us->nprocs == us->cap) {
			size_t cap = us->cap ? us->cap * 2 : 16;
			void *q = realloc(us->procs, cap * sizeof(*us->procs));

			if (!q) {
				maps_free(v, n);
				return -ENOMEM;
			}
			us->procs = q;
			us->cap = cap;
		}
		p = &us->procs[us->nprocs++];
		p->pid = pid;
	} else {
		maps_free(p->v, p->n);
	}
	p->v = v;
	p->n = n;
	p->captured_ns = now_ns();
	return 0;
}

static const struct umap *map_find(const struct pmaps *p, uint64_t addr)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (addr >= p->v[i].start && addr < p->v[i].end)
			return &p->v[i];
	return NULL;
}

/* The file of a mapping: by (dev, inode) from the cache, else its path,
 * else (replaced or deleted since) through /proc/PID/map_files. */
static const struct fathom_elf *map_elf(struct fathom_usyms *us, pid_t pid,
					const struct umap *m)
{
	const struct fathom_elf *e;
	char mf[128];

	e = fathom_elf_cache_get(us->files, m->path, m->dev, m->ino, NULL);
	if (e)
		return e;
	snprintf(mf, sizeof(mf), "%.40s/%d/map_files/%" PRIx64 "-%" PRIx64,
		 us->procfs, (int)pid, m->start, m->end);
	e = fathom_elf_cache_get(us->files, mf, m->dev, m->ino, NULL);
	if (e)
		return e;
	/*
	 * Overlay and similar filesystems show another (dev, inode) in maps
	 * than stat() gives for the path: trust the path as a last resort.
	 */
	return fathom_elf_cache_get(us->files, m->path, 0, 0, NULL);
}

static int elf_resolve(const struct fathom_elf *e, uint64_t file_off,
		       struct fathom_usym *out)
{
	const struct fathom_elf_sym *s;

	if (!e)
		return -ENOENT;
	s = fathom_elf_lookup(e, file_off, &out->off);
	if (!s)
		return -ENOENT;
	out->name = s->name;
	return 0;
}

int fathom_usyms_resolve(struct fathom_usyms *us, pid_t pid, uint64_t addr,
			 struct fathom_usym *out)
{
	struct pmaps *p = proc_find(us, pid);
	const struct umap *m;

	memset(out, 0, sizeof(*out));
	if (!p) {
		if (fathom_usyms_capture(us, pid))
			return -ESRCH;
		p = proc_find(us, pid);
	}
	m = map_find(p, addr);
	if (!m && now_ns() - p->captured_ns >= RECAPTURE_NS &&
	    !fathom_usyms_capture(us, pid)) {
		p = proc_find(us, pid);
		m = map_find(p, addr);
	}
	if (!m)
		return -EFAULT;
	out->path = m->path;
	out->file_off = addr - m->start + m->pgoff;
	return elf_resolve(map_elf(us, pid, m), out->file_off, out);
}

int fathom_usyms_lookup_path(struct fathom_usyms *us, const char *path,
			     uint64_t file_off, struct fathom_usym *out)
{
	const struct fathom_elf *e;
	int err;

	memset(out, 0, sizeof(*out));
	e = fathom_elf_cache_get(us->files, path, 0, 0, &err);
	if (!e)
		return err;
	out->path = fathom_elf_path(e);
	out->file_off = file_off;
	return elf_resolve(e, file_off, out);
}

int fathom_usyms_snprint(struct fathom_usyms *us, pid_t pid, uint64_t addr,
			 unsigned int flags, char *buf, size_t size)
{
	struct fathom_usym u;
	int ret = fathom_usyms_resolve(us, pid, addr, &u);
	const char *mod = u.path ? u.path : "[unknown]";

	if (!(flags & FATHOM_USYM_MODULE))
		mod = NULL;
	if (!ret && (flags & FATHOM_USYM_OFFSET))
		return snprintf(buf, size, "%s+%" PRIu64 "%s%s%s", u.name,
				u.off, mod ? " (" : "", mod ? mod : "",
				mod ? ")" : "");
	if (!ret)
		return snprintf(buf, size, "%s%s%s%s", u.name, mod ? " (" : "",
				mod ? mod : "", mod ? ")" : "");
	return snprintf(buf, size, "0x%" PRIx64 "%s%s%s", addr, mod ? " (" : "",
			mod ? mod : "", mod ? ")" : "");
}

int fathom_usyms_format(void *us, uint32_t pid, uint64_t addr,
			unsigned int flags, char *buf, size_t size)
{
	if (flags & FATHOM_USYM_CAPTURE) {
		if (!proc_find(us, (pid_t)pid))
			fathom_usyms_capture(us, (pid_t)pid);
		return 0;
	}
	return fathom_usyms_snprint(us, (pid_t)pid, addr, flags, buf, size);
}
