/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Symbol tables of ELF files (executables, PIE, shared objects) through
 * libelf, for both directions user space needs:
 *
 *   file offset -> "function+offset"   user stacks and usym() (usyms.c
 *                                      turns a process address into a
 *                                      file offset first)
 *   name -> file offset                uprobes on PATH:SYMBOL
 *
 * A file offset and a symbol value (st_value, a link-time virtual
 * address) are related through the PT_LOAD segment that holds them:
 * off = st_value - p_vaddr + p_offset. That is what the kernel's uprobes
 * take and what /proc/PID/maps gives (address - start + map offset), so
 * one rule serves both directions and PIE and non-PIE alike.
 *
 * The address table holds the defined symbols of .symtab and .dynsym
 * with a non-zero value. An offset resolves to a symbol that contains it
 * (st_value <= x < st_value + st_size; a zero-sized symbol only its own
 * address), preferring function symbols, then .symtab over .dynsym, then
 * global over weak over local, then the name with fewer leading
 * underscores, then the name that sorts first.
 *
 * The cache keeps one parsed file per (device, inode), so a library mapped
 * by many processes is read once; a file replaced on disk (new inode) is a
 * new entry.
 */
#ifndef _FATHOM_USER_ELFSYMS_H
#define _FATHOM_USER_ELFSYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FATHOM_BUILD_ID_MAX 64

struct fathom_elf;
struct Elf; /* libelf's Elf */

struct fathom_elf_sym {
	const char *name; /* owned by the fathom_elf */
	uint64_t value;	  /* st_value */
	uint64_t size;	  /* st_size */
	uint64_t offset;  /* file offset of st_value (PT_LOAD rule) */
	uint8_t type;	  /* STT_* */
	uint8_t bind;	  /* STB_* */
	bool dynsym;	  /* from .dynsym rather than .symtab */
};

/**
 * fathom_elf_open() - read the symbols of an ELF file
 * @path: the file
 * @err: set to 0 or a negative errno: -ENOENT/-EACCES... from open(),
 *	-ENOEXEC for a file that is not ELF, -ENOMEM; may be NULL
 *
 * A file without any symbol table opens fine and resolves nothing.
 *
 * Return: the file's tables, or NULL on error.
 */
struct fathom_elf *fathom_elf_open(const char *path, int *err);

/** fathom_elf_free() - free what fathom_elf_open() returned; NULL is fine */
void fathom_elf_free(struct fathom_elf *e);

/** fathom_elf_path() - the path the file was opened by */
const char *fathom_elf_path(const struct fathom_elf *e);

/** fathom_elf_has_symtab() - whether the file has a .symtab (not stripped) */
bool fathom_elf_has_symtab(const struct fathom_elf *e);

/** fathom_elf_is_dyn() - ET_DYN (PIE or shared object) rather than ET_EXEC */
bool fathom_elf_is_dyn(const struct fathom_elf *e);

/**
 * fathom_elf_build_id() - the file's GNU build id (NT_GNU_BUILD_ID)
 * @e: the file
 * @len: set to its length in bytes (0 when the file has none)
 *
 * Return: the id's bytes (owned by @e), or NULL when there is none.
 */
const uint8_t *fathom_elf_build_id(const struct fathom_elf *e, size_t *len);

/**
 * fathom_elf_off_to_vaddr() - the link-time address of a file offset
 * @e: the file
 * @off: a file offset inside a PT_LOAD segment's file image
 * @vaddr: set on success
 *
 * Return: 0, or -ENOENT when no PT_LOAD segment holds @off.
 */
int fathom_elf_off_to_vaddr(const struct fathom_elf *e, uint64_t off,
			    uint64_t *vaddr);

/**
 * fathom_elf_vaddr_to_off() - the file offset of a link-time address
 * @e: the file
 * @vaddr: an address inside a PT_LOAD segment (p_vaddr .. + p_memsz)
 * @off: set on success
 *
 * Return: 0, or -ENOENT when no PT_LOAD segment holds @vaddr.
 */
int fathom_elf_vaddr_to_off(const struct fathom_elf *e, uint64_t vaddr,
			    uint64_t *off);

/**
 * fathom_elf_lookup() - the symbol a file offset belongs to
 * @e: the file
 * @off: a file offset (for a process address: address - map start + map
 *	offset)
 * @sym_off: set to the distance from the symbol's start; may be NULL
 *
 * Return: the symbol (owned by @e), or NULL when no symbol contains @off.
 */
const struct fathom_elf_sym *fathom_elf_lookup(const struct fathom_elf *e,
					       uint64_t off, uint64_t *sym_off);

/**
 * fathom_elf_find() - a function symbol by name, for uprobes
 * @e: the file
 * @name: the symbol's name (no version suffix)
 *
 * Defined STT_FUNC/STT_GNU_IFUNC symbols with a non-zero value that lie
 * in a PT_LOAD segment; .symtab first, then .dynsym. The same rule as
 * the tool's resolve.c elf_funcs().
 *
 * Return: the symbol, or NULL when there is none.
 */
const struct fathom_elf_sym *fathom_elf_find(const struct fathom_elf *e,
					     const char *name);

/**
 * fathom_elf_find_any() - a symbol of any kind by name, for uaddr()
 * @e: the file
 * @name: the symbol's name
 *
 * Defined function, object and other symbols with a non-zero value that
 * lie in a PT_LOAD segment (variables in .bss too); .symtab before
 * .dynsym.
 *
 * Return: the symbol, or NULL when there is none.
 */
const struct fathom_elf_sym *fathom_elf_find_any(const struct fathom_elf *e,
						 const char *name);

/**
 * fathom_elf_walk() - every named, defined symbol of a file libelf has open
 * @elf: the file's libelf handle (Elf *)
 * @cb: called once per symbol of .symtab, then once per symbol of .dynsym,
 *	in each table's order, that is defined (not SHN_UNDEF) and has a
 *	non-zero value and a name; @sym is the caller's to change, its name
 *	is libelf's (valid until elf_end()) and its offset is not set (0).
 *	A non-zero return stops the walk and is returned.
 * @arg: for @cb
 *
 * The one walk of the symbol tables: fathom_elf_open() reads its table
 * with it, and callers that have the file open already use it directly.
 *
 * Return: 0 or @cb's non-zero value.
 */
int fathom_elf_walk(struct Elf *elf,
		    int (*cb)(struct fathom_elf_sym *sym, void *arg),
		    void *arg);

/**
 * fathom_elf_find_path() - the file a uprobe, usdt or uaddr() target names
 * @target: a path (containing '/'); or an executable found in $PATH; or a
 *	library in the system's library directories, by its file name
 *	("libc.so.6") or, as bpftrace, by its name ("libc", or "c"): the
 *	first ELF file called lib<name>.so or lib<name>.so.* there
 *
 * Return: the file's canonical path (malloc'd), or NULL with errno set
 * (ENOENT when nothing is found).
 */
char *fathom_elf_find_path(const char *target);

/**
 * fathom_elf_glob() - every function symbol whose name matches a pattern
 * @e: the file
 * @pattern: shell-style, '*' and '?'
 * @cb: called once per name, in address order; a non-zero return stops
 *	the walk and is returned
 * @arg: for @cb
 *
 * Return: 0 or @cb's non-zero value.
 */
int fathom_elf_glob(const struct fathom_elf *e, const char *pattern,
		    int (*cb)(const struct fathom_elf_sym *sym, void *arg),
		    void *arg);

/** fathom_glob_match() - shell-style match of @s against @pattern */
bool fathom_glob_match(const char *pattern, const char *s);

/* ---- the cache ---- */

struct fathom_elf_cache;

/** fathom_elf_cache_new() - an empty cache; NULL when out of memory */
struct fathom_elf_cache *fathom_elf_cache_new(void);

/** fathom_elf_cache_free() - free the cache and every file in it */
void fathom_elf_cache_free(struct fathom_elf_cache *c);

/**
 * fathom_elf_cache_get() - a file's tables, read once per (dev, inode)
 * @c: the cache
 * @path: the file to open when it is not cached
 * @dev: the device the caller expects (0 with @ino 0: stat @path)
 * @ino: the inode the caller expects
 * @err: set to 0 or a negative errno; may be NULL
 *
 * With @ino non-zero, a cached entry of that (@dev, @ino) is returned
 * without touching @path, and a freshly opened @path must be that inode
 * (-ESTALE otherwise: the file was replaced since it was mapped).
 * Failures are cached too, so a missing file is not retried on every
 * frame.
 *
 * Return: the tables (owned by @c), or NULL on error.
 */
const struct fathom_elf *fathom_elf_cache_get(struct fathom_elf_cache *c,
					      const char *path, dev_t dev,
					      ino_t ino, int *err);

#endif /* _FATHOM_USER_ELFSYMS_H */
