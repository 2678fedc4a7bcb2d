// SPDX-License-Identifier: GPL-2.0-only
/*
 * BTF reader (see btf.h). The format is the kernel's
 * Documentation/bpf/btf.rst: a header, then a type section of variable
 * length records (struct btf_type plus kind-specific data) whose position
 * is the type id (starting at 1), then a string section.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/btf.h>

#include "btf.h"

#define BTF_MAX_DEPTH 32 /* typedef chains, nesting of anonymous members */

struct fathom_btf {
	uint8_t *data;
	size_t size;
	const char *strs;
	uint32_t str_len;
	const struct btf_type **types; /* [0] is NULL (void) */
	uint32_t nr_types;
	char msg[256];
};

__attribute__((format(printf, 3, 4))) static void say(char *buf, size_t len,
						      const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* Bytes following struct btf_type for @t; -1 for an unknown kind. */
static long extra_len(const struct btf_type *t)
{
	uint32_t vlen = BTF_INFO_VLEN(t->info);

	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
		return 4;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return (long)vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return (long)vlen * sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return (long)vlen * sizeof(struct btf_param);
	case BTF_KIND_VAR:
		return sizeof(struct btf_var);
	case BTF_KIND_DATASEC:
		return (long)vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG:
		return sizeof(struct btf_decl_tag);
	case BTF_KIND_ENUM64:
		return (long)vlen * sizeof(struct btf_enum64);
	default:
		return -1;
	}
}

static int index_types(struct fathom_btf *btf, const uint8_t *p, uint32_t len,
		       char *msg, size_t msglen)
{
	uint32_t pos = 0, n = 1, cap = 1024;
	const struct btf_type **v;

	v = malloc(cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	v[0] = NULL;
	while (pos < len) {
		const struct btf_type *t = (const void *)(p + pos);
		long extra;

		if (len - pos < sizeof(*t)) {
			say(msg, msglen, "BTF: type %u truncated", n);
			goto bad;
		}
		extra = extra_len(t);
		if (extra < 0) {
			say(msg, msglen, "BTF: type %u has unknown kind %u", n,
			    BTF_INFO_KIND(t->info));
			free(v);
			return -EOPNOTSUPP;
		}
		if ((uint64_t)len - pos - sizeof(*t) < (uint64_t)extra) {
			say(msg, msglen, "BTF: type %u truncated", n);
			goto bad;
		}
		if (t->name_off >= btf->str_len) {
			say(msg, msglen,
			    "BTF: type %u name offset %u is past the strings",
			    n, t->name_off);
			goto bad;
		}
		if (n == cap) {
			const struct btf_type **q;

			cap *= 2;
			q = realloc(v, cap * sizeof(*v));
			if (!q) {
				free(v);
				return -ENOMEM;
			}
			v = q;
		}
		v[n++] = t;
		pos += sizeof(*t) + (uint32_t)extra;
	}
	btf->types = v;
	btf->nr_types = n;
	return 0;
bad:
	free(v);
	return -EBADMSG;
}

static int validate(struct fathom_btf *btf, char *msg, size_t msglen)
{
	struct btf_header h;
	uint64_t end;

	if (btf->size < sizeof(h)) {
		say(msg, msglen, "BTF: %zu bytes is too short for a header",
		    btf->size);
		return -EBADMSG;
	}
	memcpy(&h, btf->data, sizeof(h));
	if (h.magic != BTF_MAGIC) {
		say(msg, msglen, "BTF: bad magic 0x%04x%s", h.magic,
		    h.magic == 0x9feb ? " (other byte order)" : "");
		return -EBADMSG;
	}
	if (h.version != BTF_VERSION) {
		say(msg, msglen, "BTF: version %u is not supported", h.version);
		return -EOPNOTSUPP;
	}
	if (h.hdr_len < sizeof(h) || h.hdr_len > btf->size || (h.hdr_len & 3)) {
		say(msg, msglen, "BTF: bad header length %u", h.hdr_len);
		return -EBADMSG;
	}
	end = (uint64_t)h.hdr_len + h.type_off + h.type_len;
	if (end > btf->size || (h.type_off & 3)) {
		say(msg, msglen, "BTF: type section outside the blob");
		return -EBADMSG;
	}
	end = (uint64_t)h.hdr_len + h.str_off + h.str_len;
	if (end > btf->size || !h.str_len) {
		say(msg, msglen, "BTF: string section outside the blob");
		return -EBADMSG;
	}
	btf->strs = (const char *)btf->data + h.hdr_len + h.str_off;
	btf->str_len = h.str_len;
	if (btf->strs[0] || btf->strs[h.str_len - 1]) {
		say(msg, msglen, "BTF: string section not NUL-delimited");
		return -EBADMSG;
	}
	return index_types(btf, btf->data + h.hdr_len + h.type_off, h.type_len,
			   msg, msglen);
}

struct fathom_btf *fathom_btf_parse(const void *data, size_t size, int *err,
				    char *msg, size_t msglen)
{
	struct fathom_btf *btf = calloc(1, sizeof(*btf));
	int ret = -ENOMEM;

	if (!btf)
		goto fail;
	/* a malloc'd copy: aligned for struct btf_type */
	btf->data = malloc(size ? size : 1);
	if (!btf->data)
		goto fail;
	memcpy(btf->data, data, size);
	btf->size = size;
	ret = validate(btf, msg, msglen);
	if (ret)
		goto fail;
	if (err)
		*err = 0;
	return btf;
fail:
	if (ret == -ENOMEM)
		say(msg, msglen, "BTF: out of memory");
	fathom_btf_free(btf);
	if (err)
		*err = ret;
	return NULL;
}

struct fathom_btf *fathom_btf_load(const char *path, int *err, char *msg,
				   size_t msglen)
{
	struct fathom_btf *btf = NULL;
	size_t cap = 1 << 20, len = 0;
	uint8_t *buf = NULL;
	int fd, ret;
	ssize_t r;

	if (!path)
		path = FATHOM_BTF_VMLINUX;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ENOENT)
			say(msg, msglen,
			    "no BTF: %s does not exist (the kernel needs CONFIG_DEBUG_INFO_BTF for struct member access)",
			    path);
		else
			say(msg, msglen, "BTF: cannot open %s: %s", path,
			    strerror(-ret));
		goto out;
	}
	/* sysfs reports no useful size: read until EOF */
	for (;;) {
		if (len == cap || !buf) {
			uint8_t *p = realloc(buf, buf ? cap *= 2 : cap);

			if (!p) {
				ret = -ENOMEM;
				say(msg, msglen, "BTF: out of memory");
				goto out_close;
			}
			buf = p;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			say(msg, msglen, "BTF: cannot read %s: %s", path,
			    strerror(errno));
			goto out_close;
		}
		if (!r)
			break;
		len += (size_t)r;
	}
	btf = fathom_btf_parse(buf, len, &ret, msg, msglen);
out_close:
	close(fd);
out:
	free(buf);
	if (err)
		*err = btf ? 0 : ret;
	return btf;
}

void fathom_btf_free(struct fathom_btf *btf)
{
	if (!btf)
		return;
	free(btf->types);
	free(btf->data);
	free(btf);
}

uint32_t fathom_btf_nr_types(const struct fathom_btf *btf)
{
	return btf->nr_types;
}

const char *fathom_btf_errmsg(const struct fathom_btf *btf)
{
	return btf->msg;
}

static const struct btf_type *type_of(const struct fathom_btf *btf, uint32_t id)
{
	return id && id < btf->nr_types ? btf->types[id] : NULL;
}

int fathom_btf_kind(const struct fathom_btf *btf, uint32_t id)
{
	const struct btf_type *t = type_of(btf, id);

	if (!id)
		return BTF_KIND_UNKN;
	return t ? (int)BTF_INFO_KIND(t->info) : -EINVAL;
}

const char *fathom_btf_name(const struct fathom_btf *btf, uint32_t id)
{
	const struct btf_type *t = type_of(btf, id);

	return t ? btf->strs + t->name_off : "";
}

uint32_t fathom_btf_resolve(const struct fathom_btf *btf, uint32_t id)
{
	int depth;

	for (depth = 0; depth < BTF_MAX_DEPTH; depth++) {
		const struct btf_type *t = type_of(btf, id);

		if (!t)
			return 0;
		switch (BTF_INFO_KIND(t->info)) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			break;
		default:
			return id;
		}
	}
	return 0;
}

static int size_depth(const struct fathom_btf *btf, uint32_t id, uint64_t *size,
		      int depth)
{
	const struct btf_type *t;
	const struct btf_array *a;
	uint64_t elem;

	id = fathom_btf_resolve(btf, id);
	t = type_of(btf, id);
	if (!t || depth > BTF_MAX_DEPTH)
		return -EINVAL;
	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FLOAT:
	case BTF_KIND_DATASEC:
		*size = t->size;
		return 0;
	case BTF_KIND_PTR:
		*size = sizeof(uint64_t); /* the kernel's (x86-64) pointers */
		return 0;
	case BTF_KIND_ARRAY:
		a = (const struct btf_array *)(t + 1);
		if (size_depth(btf, a->type, &elem, depth + 1))
			return -EINVAL;
		*size = elem * a->nelems;
		return 0;
	default:
		return -EINVAL;
	}
}

int fathom_btf_size(const struct fathom_btf *btf, uint32_t id, uint64_t *size)
{
	return size_depth(btf, id, size, 0);
}

static bool is_composite(const struct btf_type *t)
{
	return t && (BTF_INFO_KIND(t->info) == BTF_KIND_STRUCT ||
		     BTF_INFO_KIND(t->info) == BTF_KIND_UNION);
}

int fathom_btf_find_struct(struct fathom_btf *btf, const char *name,
			   uint32_t *id)
{
	uint32_t i;

	for (i = 1; i < btf->nr_types; i++)
		if (is_composite(btf->types[i]) &&
		    !strcmp(btf->strs + btf->types[i]->name_off, name)) {
			*id = i;
			return 0;
		}
	say(btf->msg, sizeof(btf->msg), "struct %s is not in BTF", name);
	return -ENOENT;
}

/*
 * Member @name of composite @id, searching anonymous members too; @bits is
 * set to its bit offset from @id's start. Return: the member, or NULL.
 */
static const struct btf_member *find_member(const struct fathom_btf *btf,
					    uint32_t id, const char *name,
					    size_t nlen, uint64_t *bits,
					    bool *bitfield, int depth)
{
	const struct btf_type *t = type_of(btf, id);
	const struct btf_member *m;
	uint32_t i, vlen;
	bool kflag;

	if (!is_composite(t) || depth > BTF_MAX_DEPTH)
		return NULL;
	m = (const struct btf_member *)(t + 1);
	vlen = BTF_INFO_VLEN(t->info);
	kflag = BTF_INFO_KFLAG(t->info);
	for (i = 0; i < vlen; i++, m++) {
		uint32_t off = kflag ? BTF_MEMBER_BIT_OFFSET(m->offset)
				     : m->offset;
		const char *mname = m->name_off < btf->str_len
					    ? btf->strs + m->name_off
					    : "";

		if (*mname) {
			if (strlen(mname) == nlen &&
			    !memcmp(mname, name, nlen)) {
				*bits = off;
				*bitfield = kflag &&
					    BTF_MEMBER_BITFIELD_SIZE(m->offset);
				return m;
			}
		} else {
			const struct btf_member *inner;
			uint64_t ib;

			inner = find_member(btf,
					    fathom_btf_resolve(btf, m->type),
					    name, nlen, &ib, bitfield,
					    depth + 1);
			if (inner) {
				*bits = off + ib;
				return inner;
			}
		}
	}
	return NULL;
}

static bool is_bitfield(const struct fathom_btf *btf,
			const struct btf_member *m, uint64_t bits, bool sized)
{
	const struct btf_type *t;
	uint32_t enc;

	if (bits % 8 || sized)
		return true;
	t = type_of(btf, fathom_btf_resolve(btf, m->type));
	if (t && BTF_INFO_KIND(t->info) == BTF_KIND_INT) {
		enc = *(const uint32_t *)(t + 1);
		if (BTF_INT_OFFSET(enc) || BTF_INT_BITS(enc) != t->size * 8)
			return true;
	}
	return false;
}

/* @out for a value of type @type at offset 0 */
static void describe(const struct fathom_btf *btf, uint32_t type,
		     struct fathom_btf_member *out)
{
	const struct btf_type *t;
	uint64_t size;

	memset(out, 0, sizeof(*out));
	out->type = type;
	out->resolved = fathom_btf_resolve(btf, type);
	out->kind = fathom_btf_kind(btf, out->resolved);
	if (!fathom_btf_size(btf, out->resolved, &size))
		out->size = (uint32_t)size;
	t = type_of(btf, out->resolved);
	if (t && BTF_INFO_KIND(t->info) == BTF_KIND_INT)
		out->is_signed = BTF_INT_ENCODING(*(const uint32_t *)(t + 1)) &
				 BTF_INT_SIGNED;
	else if (t && (BTF_INFO_KIND(t->info) == BTF_KIND_ENUM ||
		       BTF_INFO_KIND(t->info) == BTF_KIND_ENUM64))
		out->is_signed = BTF_INFO_KFLAG(t->info);
}

/* @cb on every named member of composite @id, anonymous ones' included */
static int walk_members(const struct fathom_btf *btf, uint32_t id,
			int (*cb)(const char *name, void *arg), void *arg,
			int depth)
{
	const struct btf_type *t = type_of(btf, id);
	const struct btf_member *m;
	uint32_t i, vlen;
	int ret;

	if (!is_composite(t))
		return -EINVAL;
	if (depth > BTF_MAX_DEPTH)
		return 0;
	m = (const struct btf_member *)(t + 1);
	vlen = BTF_INFO_VLEN(t->info);
	for (i = 0; i < vlen; i++, m++) {
		const char *mname = m->name_off < btf->str_len
					    ? btf->strs + m->name_off
					    : "";

		uint32_t inner = fathom_btf_resolve(btf, m->type);

		if (*mname)
			ret = cb(mname, arg);
		else if (is_composite(type_of(btf, inner)))
			ret = walk_members(btf, inner, cb, arg, depth + 1);
		else
			ret = 0;
		if (ret)
			return ret;
	}
	return 0;
}

int fathom_btf_member(struct fathom_btf *btf, uint32_t id, const char *path,
		      struct fathom_btf_member *out)
{
	const char *p = path, *dot;
	uint64_t total = 0;
	uint32_t cur = fathom_btf_resolve(btf, id);
	const struct btf_member *m = NULL;

	if (!is_composite(type_of(btf, cur))) {
		say(btf->msg, sizeof(btf->msg),
		    "type %u is not a struct or union", id);
		return -EINVAL;
	}
	for (;;) {
		size_t nlen;
		uint64_t bits;
		bool sized = false;

		dot = strchr(p, '.');
		nlen = dot ? (size_t)(dot - p) : strlen(p);
		m = find_member(btf, cur, p, nlen, &bits, &sized, 0);
		if (!m) {
			say(btf->msg, sizeof(btf->msg),
			    "%s %s has no member '%.*s'",
			    BTF_INFO_KIND(type_of(btf, cur)->info) ==
					    BTF_KIND_UNION
				    ? "union"
				    : "struct",
			    fathom_btf_name(btf, cur), (int)nlen, p);
			return -ENOENT;
		}
		if (is_bitfield(btf, m, bits, sized)) {
			say(btf->msg, sizeof(btf->msg),
			    "member '%.*s' of %s is a bitfield, which cannot be read",
			    (int)nlen, p, fathom_btf_name(btf, cur));
			return -EOPNOTSUPP;
		}
		total += bits / 8;
		if (!dot)
			break;
		cur = fathom_btf_resolve(btf, m->type);
		if (!is_composite(type_of(btf, cur))) {
			say(btf->msg, sizeof(btf->msg),
			    "member '%.*s' is not a struct or union", (int)nlen,
			    p);
			return -EINVAL;
		}
		p = dot + 1;
	}
	describe(btf, m->type, out);
	out->offset = (uint32_t)total;
	return 0;
}

int fathom_btf_members(const struct fathom_btf *btf, uint32_t id,
		       int (*cb)(const char *name, void *arg), void *arg)
{
	return walk_members(btf, fathom_btf_resolve(btf, id), cb, arg, 0);
}

int fathom_btf_array(struct fathom_btf *btf, uint32_t id,
		     struct fathom_btf_member *elem, uint32_t *nelems)
{
	const struct btf_type *t = type_of(btf, fathom_btf_resolve(btf, id));
	const struct btf_array *a;

	if (!t || BTF_INFO_KIND(t->info) != BTF_KIND_ARRAY) {
		say(btf->msg, sizeof(btf->msg), "type %u is not an array", id);
		return -EINVAL;
	}
	a = (const struct btf_array *)(t + 1);
	describe(btf, a->type, elem);
	*nelems = a->nelems;
	return 0;
}

int fathom_btf_ptr_struct(struct fathom_btf *btf, uint32_t id,
			  uint32_t *struct_id)
{
	const struct btf_type *t = type_of(btf, fathom_btf_resolve(btf, id));
	uint32_t target;

	if (!t || BTF_INFO_KIND(t->info) != BTF_KIND_PTR) {
		say(btf->msg, sizeof(btf->msg), "type %u is not a pointer", id);
		return -EINVAL;
	}
	target = fathom_btf_resolve(btf, t->type);
	t = type_of(btf, target);
	if (is_composite(t)) {
		*struct_id = target;
		return 0;
	}
	if (t && BTF_INFO_KIND(t->info) == BTF_KIND_FWD)
		return fathom_btf_find_struct(btf, btf->strs + t->name_off,
					      struct_id);
	say(btf->msg, sizeof(btf->msg),
	    "type %u does not point to a struct or union", id);
	return -EINVAL;
}
