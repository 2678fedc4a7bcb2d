/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Probe resolution: user space decides the targets, the kernel only
 * registers them. Every probe spec of a checked script becomes a list of
 * concrete probes:
 *
 *   kprobe/kretprobe  names and wildcards against the kernel's
 *                     available_filter_functions (tracefs) and
 *                     /proc/kallsyms; the address comes along so entry
 *                     probes can use the module's ftrace fast path
 *   tracepoint        category and name (wildcards) against tracefs events/
 *   uprobe/uretprobe  PATH (absolute, or found in $PATH and the library
 *                     directories) and SYMBOL (wildcards) through libelf:
 *                     the file offset of the symbol
 *   BEGIN, END, interval, profile   as code generation made them
 *
 * Unknown targets are reported at the spec's location with the closest
 * match. Then resolve_apply() replaces the compiled session's probe table
 * (one entry per spec as written, see codegen.c add_probe()) by the
 * concrete probes, renumbering probe ids and names.
 */
#ifndef _FATHOM_USER_TOOL_RESOLVE_H
#define _FATHOM_USER_TOOL_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "api.h"
#include "compiler.h"

struct fathom_compiled;

struct resolve_target {
	struct fathom_probe_spec spec; /* strings malloc'd, prog unset */
	char *name;		       /* what the 'probe' builtin shows */
};

struct resolve_spec {
	struct resolve_target *t;
	uint32_t n, cap;
};

struct resolution {
	struct resolve_spec *specs; /* one per spec, in source order */
	uint32_t n;
};

/**
 * resolve_script() - find every probe's targets
 * @s: a checked script
 * @d: diagnostics: unknown targets are errors at the spec
 * @pid: uprobes trace only this process; 0 for all
 * @r: result, release with resolution_free()
 *
 * Return: 0, -EINVAL when an error was reported, -ENOMEM.
 */
int resolve_script(const struct fathom_script *s, struct diag_sink *d,
		   pid_t pid, struct resolution *r);

/**
 * resolve_apply() - put the resolved probes into @c
 * @c: compiled from the same script (probe i = spec i)
 * @r: resolution; its targets move into @c
 *
 * Return: 0, -ENOMEM, or -EINVAL when @c does not match @r.
 */
int resolve_apply(struct fathom_compiled *c, struct resolution *r);

void resolution_free(struct resolution *r);

/* ---- sources, shared with fathom -l (list.c) ---- */

/**
 * tracefs_dir() - where tracefs is mounted, mounting it if need be
 *
 * Return: a path ("/sys/kernel/tracing"), or NULL.
 */
const char *tracefs_dir(void);

struct kfunc {
	char *name;
	char *mod; /* NULL for vmlinux */
};

/**
 * kfuncs_load() - the functions kprobes can attach to
 * @out: array, malloc'd
 * @n: its length
 *
 * available_filter_functions, or the text symbols of /proc/kallsyms when
 * tracefs is not there. Duplicate names appear once.
 *
 * Return: 0 or a negative errno.
 */
int kfuncs_load(struct kfunc **out, size_t *n);
void kfuncs_free(struct kfunc *f, size_t n);

/**
 * uprobe_path() - the file a uprobe PATH names
 * @target: as written: a path, a program in $PATH, a library ("libc.so.6",
 *	"libc"); see fathom_elf_find_path()
 *
 * Return: malloc'd absolute path, or NULL (errno set).
 */
char *uprobe_path(const char *target);

/**
 * elf_funcs() - function symbols of an ELF file, with file offsets
 * @path: the file
 * @cb: called for each defined function symbol (deduplicated by name)
 * @arg: for @cb; a non-zero return stops the walk and is returned
 *
 * Return: 0, the callback's value, or a negative errno.
 */
int elf_funcs(const char *path,
	      int (*cb)(const char *name, uint64_t off, void *arg), void *arg);

/** glob_match() - shell-style pattern match ('*' and '?') */
bool glob_match(const char *pattern, const char *s);

#endif /* _FATHOM_USER_TOOL_RESOLVE_H */
