/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small reader of the kernel's BTF (/sys/kernel/btf/vmlinux), enough for
 * struct member access through casts: ((struct task_struct *)curtask)->pid
 * needs the offset and size of task_struct.pid, and a chain like
 * args.sk->__sk_common.skc_family needs nested members (by value, through
 * anonymous structs and unions) and the struct a pointer member points to.
 *
 * The blob is validated when it is loaded (header, section bounds, every
 * type record's length, name offsets inside the string section), so the
 * lookups never read outside it. Type ids index a table built then.
 * Bitfield members are refused: the VM reads whole bytes.
 *
 * Errors come with a message for the user (fathom_btf_errmsg() after a
 * lookup, the @msg buffer of a load), the "no BTF" case included.
 */
#ifndef _FATHOM_USER_BTF_H
#define _FATHOM_USER_BTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FATHOM_BTF_VMLINUX "/sys/kernel/btf/vmlinux"

struct fathom_btf;

/**
 * fathom_btf_load() - read and validate a BTF file
 * @path: the file; NULL means FATHOM_BTF_VMLINUX
 * @err: set to 0 or a negative errno: -ENOENT (no BTF: the kernel was
 *	built without CONFIG_DEBUG_INFO_BTF), -EACCES, -EBADMSG for a
 *	malformed blob, -EOPNOTSUPP for an unknown version or type kind,
 *	-ENOMEM; may be NULL
 * @msg: filled with a message on error; may be NULL
 * @msglen: bytes at @msg
 *
 * Return: the types, or NULL on error.
 */
struct fathom_btf *fathom_btf_load(const char *path, int *err, char *msg,
				   size_t msglen);

/**
 * fathom_btf_parse() - validate a BTF blob in memory (copied)
 * @data: the blob
 * @size: its bytes
 * @err, @msg, @msglen: as fathom_btf_load()
 *
 * Return: the types, or NULL on error.
 */
struct fathom_btf *fathom_btf_parse(const void *data, size_t size, int *err,
				    char *msg, size_t msglen);

void fathom_btf_free(struct fathom_btf *btf);

/** fathom_btf_nr_types() - number of type ids, void (0) included */
uint32_t fathom_btf_nr_types(const struct fathom_btf *btf);

/** fathom_btf_errmsg() - what the last failed lookup on @btf was about */
const char *fathom_btf_errmsg(const struct fathom_btf *btf);

/**
 * fathom_btf_find_struct() - a struct or union by name
 * @btf: the types
 * @name: without "struct "/"union "
 * @id: set to its type id (a full definition, never a forward one)
 *
 * Return: 0 or -ENOENT.
 */
int fathom_btf_find_struct(struct fathom_btf *btf, const char *name,
			   uint32_t *id);

/** fathom_btf_kind() - BTF_KIND_* of @id; -EINVAL for a bad id */
int fathom_btf_kind(const struct fathom_btf *btf, uint32_t id);

/** fathom_btf_name() - the name of @id ("" when anonymous or bad) */
const char *fathom_btf_name(const struct fathom_btf *btf, uint32_t id);

/**
 * fathom_btf_resolve() - @id with typedefs and qualifiers (const,
 * volatile, restrict, type tags) peeled off; 0 (void) for a bad id
 */
uint32_t fathom_btf_resolve(const struct fathom_btf *btf, uint32_t id);

/**
 * fathom_btf_size() - the size of a type in bytes
 * @btf: the types
 * @id: any type (resolved first)
 * @size: set on success
 *
 * Return: 0, or -EINVAL for a type without a size (void, function).
 */
int fathom_btf_size(const struct fathom_btf *btf, uint32_t id, uint64_t *size);

struct fathom_btf_member {
	uint32_t offset;   /* bytes from the start of the outer struct */
	uint32_t size;	   /* bytes */
	uint32_t type;	   /* the member's type id as declared */
	uint32_t resolved; /* fathom_btf_resolve(type) */
	int kind;	   /* BTF_KIND_* of @resolved */
	bool is_signed;	   /* for integers (and enums with the sign flag) */
};

/**
 * fathom_btf_member() - a member of a struct or union by name
 * @btf: the types
 * @id: the struct or union (typedefs resolved)
 * @path: "name" or a chain through members held by value, "a.b.c";
 *	members of anonymous structs and unions are found by their names
 * @out: filled on success
 *
 * Return: 0; -ENOENT when there is no such member; -EOPNOTSUPP for a
 * bitfield; -EINVAL when @id or a component before the last is not a
 * struct or union. fathom_btf_errmsg() says which.
 */
int fathom_btf_member(struct fathom_btf *btf, uint32_t id, const char *path,
		      struct fathom_btf_member *out);

/**
 * fathom_btf_members() - the names of the members of a struct or union
 * @btf: the types
 * @id: the struct or union (typedefs resolved)
 * @cb: called with each member's name, those of anonymous structs and
 *	unions inside it included (as fathom_btf_member() finds them); a
 *	non-zero return stops the walk and is returned
 * @arg: for @cb
 *
 * Return: 0, @cb's value, or -EINVAL when @id is not a struct or union.
 */
int fathom_btf_members(const struct fathom_btf *btf, uint32_t id,
		       int (*cb)(const char *name, void *arg), void *arg);

/**
 * fathom_btf_array() - the element type of an array type
 * @btf: the types
 * @id: an array type (typedefs and qualifiers resolved)
 * @elem: filled as fathom_btf_member() fills a member at offset 0: the
 *	element's type, size, kind and sign
 * @nelems: set to the number of elements
 *
 * Return: 0, or -EINVAL when @id is not an array.
 */
int fathom_btf_array(struct fathom_btf *btf, uint32_t id,
		     struct fathom_btf_member *elem, uint32_t *nelems);

/**
 * fathom_btf_ptr_struct() - the struct a pointer type points to
 * @btf: the types
 * @id: a pointer type (typedefs and qualifiers resolved on both sides)
 * @struct_id: set to the struct or union pointed to; a forward
 *	declaration is replaced by the full definition of that name
 *
 * Return: 0; -EINVAL when @id is not a pointer to a struct or union;
 * -ENOENT when only a forward declaration exists.
 */
int fathom_btf_ptr_struct(struct fathom_btf *btf, uint32_t id,
			  uint32_t *struct_id);

#endif /* _FATHOM_USER_BTF_H */
