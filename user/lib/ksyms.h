/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel symbols from /proc/kallsyms: name -> address for the ftrace_ops
 * probe path (the module checks every address it is given against the
 * symbol), and address -> "name+offset" for printing kernel stacks and
 * ksym() values.
 *
 * The address lookup works on a table read once (fathom_ksyms_load()) and
 * sorted by address: every text symbol (t, T, w, W; a module's symbols
 * by their name alone) that has a non-zero address. An address resolves
 * to the nearest symbol at or below it, as bcc's symbol cache (and so
 * bpftrace) does. When kptr_restrict hides the addresses, every address
 * reads 0 and the table is empty: nothing resolves.
 */
#ifndef _FATHOM_USER_KSYMS_H
#define _FATHOM_USER_KSYMS_H

#include <stddef.h>
#include <stdint.h>

#define FATHOM_KALLSYMS "/proc/kallsyms"

/**
 * fathom_ksym_addr() - the address of a kernel function
 * @name: symbol name
 * @addr: filled on success
 *
 * Reads /proc/kallsyms on every call (it is only asked once per probe).
 *
 * Return: 0; -ENOENT when there is no such text symbol; -EPERM when the
 * kernel hides addresses (kptr_restrict); -errno when /proc/kallsyms
 * cannot be read.
 */
int fathom_ksym_addr(const char *name, uint64_t *addr);

/**
 * fathom_ksym_lookup() - the address of any kernel symbol, for kaddr()
 * @path: a kallsyms file; NULL means FATHOM_KALLSYMS
 * @name: symbol name (functions, variables: any type, as bpftrace's
 *	kaddr() takes the first line of that name)
 * @addr: filled on success
 *
 * Return: 0; -ENOENT when there is no such symbol; -EPERM when the kernel
 * hides addresses (kptr_restrict); -errno when @path cannot be read.
 */
int fathom_ksym_lookup(const char *path, const char *name, uint64_t *addr);

struct fathom_ksyms;

/**
 * fathom_ksyms_load() - read and sort the text symbols of a kallsyms file
 * @path: the file; NULL means FATHOM_KALLSYMS
 * @err: set to 0 or a negative errno (-ENOMEM, or why @path could not be
 *	opened); may be NULL
 *
 * Return: the table (possibly empty), or NULL on error.
 */
struct fathom_ksyms *fathom_ksyms_load(const char *path, int *err);

/** fathom_ksyms_free() - free a table; NULL is fine */
void fathom_ksyms_free(struct fathom_ksyms *ks);

/** fathom_ksyms_count() - how many symbols the table holds */
size_t fathom_ksyms_count(const struct fathom_ksyms *ks);

/**
 * fathom_ksyms_find() - the symbol an address belongs to
 * @ks: the table (NULL: nothing resolves)
 * @addr: a kernel address
 * @off: set to @addr minus the symbol's address when found; may be NULL
 *
 * Return: the symbol's name (owned by @ks), or NULL when @addr lies below
 * every symbol.
 */
const char *fathom_ksyms_find(const struct fathom_ksyms *ks, uint64_t addr,
			      uint64_t *off);

/**
 * fathom_ksyms_snprint() - "name+0xoff" for an address, as %pS prints it
 * @ks: the table
 * @addr: a kernel address
 * @buf: where to write (always NUL-terminated when @size > 0)
 * @size: bytes at @buf
 *
 * An address that does not resolve is written as "0x<hex>".
 *
 * Return: the length of the full text, as snprintf().
 */
int fathom_ksyms_snprint(const struct fathom_ksyms *ks, uint64_t addr,
			 char *buf, size_t size);

#endif /* _FATHOM_USER_KSYMS_H */
