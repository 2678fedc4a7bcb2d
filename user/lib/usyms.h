/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * User-space symbols: a process address -> "function+offset".
 *
 * A process's executable file mappings come from /proc/PID/maps (a
 * snapshot per process, kept after the process exits); an address inside
 * one becomes a file offset (address - start + map offset) and that a
 * symbol of the file through elfsyms.c, whose cache reads each file once
 * per (device, inode), so libc is parsed once for every process.
 *
 * Short-lived processes are gone by the time their stacks are printed
 * (maps are dumped at exit): the tool should call fathom_usyms_capture()
 * for a process as soon as it learns of it (each printf record, each
 * periodic STACK map dump). Without any snapshot an address prints as hex.
 *
 * A snapshot is re-read when an address misses it while the process is
 * alive (a library loaded later with dlopen()), at most every 100 ms per
 * process. A pid reused by a new process after the old one exited
 * replaces the old snapshot on the next capture.
 *
 * The text follows bpftrace's ustack: "name+offset" (decimal offset),
 * unresolved addresses as "0x<hex>"; in perf mode the module is appended:
 * " (/path/of/file)" or " ([unknown])" for an address in no file mapping.
 */
#ifndef _FATHOM_USER_USYMS_H
#define _FATHOM_USER_USYMS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct fathom_elf_cache;

/* fathom_usyms_snprint() flags */
#define FATHOM_USYM_OFFSET 0x1	/* "name+off" rather than "name" */
#define FATHOM_USYM_MODULE 0x2	/* append " (path)", perf mode */
#define FATHOM_USYM_CAPTURE 0x4 /* fathom_usyms_format(): only snapshot */

struct fathom_usyms;

struct fathom_usym {
	const char *name; /* NULL when the file has no symbol there */
	uint64_t off;	  /* from the symbol's start */
	const char *path; /* the mapped file */
	uint64_t file_off;
};

/** fathom_usyms_new() - an empty resolver; NULL when out of memory */
struct fathom_usyms *fathom_usyms_new(void);

/** fathom_usyms_free() - free the resolver, its snapshots and its files */
void fathom_usyms_free(struct fathom_usyms *us);

/**
 * fathom_usyms_set_procfs() - where /proc is (default "/proc"), for tests
 * @us: the resolver
 * @dir: a directory laid out as /proc (PID/maps, PID/map_files/)
 *
 * Return: 0 or -ENOMEM.
 */
int fathom_usyms_set_procfs(struct fathom_usyms *us, const char *dir);

/**
 * fathom_usyms_capture() - snapshot the executable mappings of a process
 * @us: the resolver
 * @pid: the process (thread group id)
 *
 * Replaces the previous snapshot of @pid. When the process has exited,
 * the previous snapshot (if any) stays.
 *
 * Return: 0, -ESRCH when /proc/PID/maps cannot be read, -ENOMEM.
 */
int fathom_usyms_capture(struct fathom_usyms *us, pid_t pid);

/**
 * fathom_usyms_resolve() - the symbol of an address in a process
 * @us: the resolver
 * @pid: the process; its maps are captured on first use
 * @addr: the address
 * @out: filled (strings owned by @us, valid until @pid is captured again
 *	or @us is freed)
 *
 * Return: 0 with @out->name set; -ENOENT when @addr is in a file mapping
 * but no symbol of the file contains it, or the file cannot be read
 * (@out->path and @out->file_off set, @out->name NULL); -EFAULT when
 * @addr is in no executable file mapping; -ESRCH when nothing is known of
 * @pid's mappings.
 */
int fathom_usyms_resolve(struct fathom_usyms *us, pid_t pid, uint64_t addr,
			 struct fathom_usym *out);

/**
 * fathom_usyms_lookup_path() - the symbol at a file offset of a file
 * @us: the resolver (its file cache is used)
 * @path: the ELF file
 * @file_off: an offset in it (what a uprobe's probe is given)
 * @out: filled as fathom_usyms_resolve() does
 *
 * Return: 0, -ENOENT when no symbol contains @file_off, or -errno when
 * the file cannot be read.
 */
int fathom_usyms_lookup_path(struct fathom_usyms *us, const char *path,
			     uint64_t file_off, struct fathom_usym *out);

/**
 * fathom_usyms_snprint() - a user address as bpftrace's ustack shows it
 * @us: the resolver
 * @pid: the process
 * @addr: the address
 * @flags: FATHOM_USYM_*
 * @buf: where to write (always NUL-terminated when @size > 0)
 * @size: bytes at @buf
 *
 * Return: the length of the full text, as snprintf().
 */
int fathom_usyms_snprint(struct fathom_usyms *us, pid_t pid, uint64_t addr,
			 unsigned int flags, char *buf, size_t size);

/**
 * fathom_usyms_format() - fathom_usyms_snprint() as output.h's callback
 * @us: a struct fathom_usyms *
 *
 * For fathom_out_set_usyms(o, fathom_usyms_format, us). With
 * FATHOM_USYM_CAPTURE in @flags it writes nothing and snapshots @pid's
 * mappings unless that was done already, returning 0.
 */
int fathom_usyms_format(void *us, uint32_t pid, uint64_t addr,
			unsigned int flags, char *buf, size_t size);

/** fathom_usyms_elf_cache() - the resolver's file cache, to share it */
struct fathom_elf_cache *fathom_usyms_elf_cache(struct fathom_usyms *us);

#endif /* _FATHOM_USER_USYMS_H */
