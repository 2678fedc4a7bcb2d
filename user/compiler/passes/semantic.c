// SPDX-License-Identifier: GPL-2.0-only
/*
 * The semantic pass. See semantic.h.
 *
 * Typing rules, in short (docs/language.md has the user's view):
 *  - integers are 64-bit in arithmetic; a result is unsigned only when
 *    both operands are; comparisons and logic give uint64 0 or 1;
 *  - strings compare with == and != against strings only, nothing else;
 *  - a map has one key tuple and one value type for the whole program, a
 *    scratch variable one type per probe; strings of different sizes
 *    agree and take the larger size;
 *  - aggregations (count() ... lhist()) are only the value of a map
 *    assignment, and such a map's value cannot be read back;
 *  - args.field takes its type from the tracepoint's format file
 *    (tp_format.c): integers keep their size and sign, pointers are
 *    uint64, char arrays and __data_loc strings are strings;
 *  - $1..$N are replaced by the parameter, an integer when it is one and
 *    a string otherwise; str($N) is always the string.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/btf.h>

#include "fold_consts.h"
#include "semantic.h"
#include "tp_format.h"
#include "../../lib/btf.h"
#include "../../lib/elfsyms.h"
#include "../../lib/ksyms.h"

struct sema {
	struct fathom_script *s;
	struct diag_sink *d;
	struct ast_probe *probe;
	bool silent;  /* an inference round: report nothing */
	bool changed; /* an inference round learnt a map type */
	int err;
	struct tp_cache *tp; /* tracepoint formats loaded so far */
};

#define TB 64

static void __attribute__((format(printf, 3, 4)))
error(struct sema *c, struct src_loc loc, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	c->err = -EINVAL;
	if (c->silent)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_error(c->d, loc, "%s", msg);
}

static void __attribute__((format(printf, 3, 4)))
note(struct sema *c, struct src_loc loc, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (c->silent || !loc.line)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_note(c->d, loc, "%s", msg);
}

static struct type none(void)
{
	struct type t = { .kind = TYPE_NONE };

	return t;
}

static struct type of_kind(enum type_kind k)
{
	struct type t = { .kind = k, .size = 8 };

	return t;
}

static struct type string_type(uint32_t size)
{
	struct type t = { .kind = TYPE_STRING, .size = size };

	return t;
}

static bool is_intlike(const struct type *t)
{
	return t->kind == TYPE_INT || t->kind == TYPE_FIELD;
}

static bool is_stringlike(const struct type *t)
{
	return t->kind == TYPE_STRING || t->kind == TYPE_FIELD;
}

/* Can be stored in a variable, a map key or a map value. */
static bool is_storable(const struct type *t)
{
	switch (t->kind) {
	case TYPE_INT:
	case TYPE_STRING:
	case TYPE_KSTACK:
	case TYPE_USTACK:
	case TYPE_KSYM:
	case TYPE_USYM:
	case TYPE_PROBE:
	case TYPE_FUNC:
	case TYPE_FIELD:
		return true;
	default:
		return false;
	}
}

/* Types that can be assigned to the same slot. */
static bool compatible(const struct type *a, const struct type *b)
{
	if (a->kind == TYPE_FIELD || b->kind == TYPE_FIELD)
		return a->kind != TYPE_AGG && b->kind != TYPE_AGG;
	return type_equal(a, b);
}

/* Merge @b into slot type @a (known compatible): larger strings, and a
 * concrete type replaces an unresolved field. */
static void merge(struct type *a, const struct type *b)
{
	if (a->kind == TYPE_FIELD && b->kind != TYPE_FIELD)
		*a = *b;
	else if (a->kind == TYPE_STRING && b->kind == TYPE_STRING &&
		 b->size > a->size)
		a->size = b->size;
	else if (a->kind == TYPE_INT && b->kind == TYPE_INT)
		*a = type_int(8, a->is_signed || b->is_signed);
}

static const char *tstr(const struct type *t, char *buf)
{
	return type_str(t, buf, TB);
}

/* ---- probe kinds ----------------------------------------------------- */

#define PK(t) (1u << (t))
#define PK_KFUNC (PK(PROBE_KPROBE) | PK(PROBE_KRETPROBE))
#define PK_UFUNC (PK(PROBE_UPROBE) | PK(PROBE_URETPROBE))
#define PK_RET (PK(PROBE_KRETPROBE) | PK(PROBE_URETPROBE))
#define PK_ARGN                                                 \
	(PK(PROBE_KPROBE) | PK(PROBE_UPROBE) | PK(PROBE_USDT) | \
	 PK(PROBE_RAWTRACEPOINT))
#define PK_ARGS \
	(PK(PROBE_TRACEPOINT) | PK(PROBE_RAWTRACEPOINT) | PK(PROBE_USDT))

/* Every spec of the current probe must be of a kind in @mask. */
static bool probe_allows(struct sema *c, unsigned int mask, struct src_loc at,
			 const char *what, const char *where)
{
	uint32_t i;

	for (i = 0; i < c->probe->nspecs; i++) {
		const struct probe_spec *sp = &c->probe->specs[i];

		if (!(mask & PK(sp->type))) {
			error(c, at, "%s is only valid in %s probes, not in %s",
			      what, where, sp->raw);
			return false;
		}
	}
	return true;
}

/* ---- expressions ----------------------------------------------------- */

static struct type check_expr(struct sema *c, struct ast_node *n);

/* A value that can be stored or printed: not void, not an aggregation,
 * not the bare 'args' record. */
static struct type check_value(struct sema *c, struct ast_node *n)
{
	struct type t = check_expr(c, n);

	if (t.kind == TYPE_VOID) {
		error(c, n->loc, "%s() does not return a value",
		      n->kind == AST_CALL ? n->u.call.name : "this");
		return none();
	}
	if (t.kind == TYPE_ARGS) {
		error(c, n->loc,
		      "'args' can only be used to read a field, as in args.name");
		return none();
	}
	if (t.btf == BTF_REF_ARRAY) {
		bool f = n->kind == AST_FIELD;
		const char *name = f ? n->u.field.name : "";

		error(c, n->loc,
		      "'%s' is an array of %u elements: read one, as in %s[0]",
		      name, f ? n->u.field.info.nelems : 0, name);
		return none();
	}
	return t;
}

static struct type check_int(struct sema *c, struct ast_node *n,
			     const char *what)
{
	char tb[TB];
	struct type t = check_value(c, n);

	if (t.kind == TYPE_NONE || is_intlike(&t))
		return t;
	error(c, n->loc, "%s must be an integer, not %s", what, tstr(&t, tb));
	return none();
}

/* ---- kernel structs through BTF -------------------------------------- */

/* The script's BTF, loaded on first use; NULL with s->btf_msg set. */
static struct fathom_btf *btf_get(struct sema *c)
{
	struct fathom_script *s = c->s;
	const char *path;

	if (s->btf_tried)
		return s->btf;
	s->btf_tried = true;
	path = s->btf_path ? s->btf_path : getenv("FATHOM_BTF");
	if (path && !*path)
		path = NULL;
	s->btf = fathom_btf_load(path, &s->btf_err, s->btf_msg,
				 sizeof(s->btf_msg));
	if (s->btf_err == -ENOMEM)
		c->err = -ENOMEM;
	return s->btf;
}

static void btf_missing(struct sema *c, struct src_loc loc, const char *what)
{
	error(c, loc, "%s needs the kernel's BTF type information: %s", what,
	      c->s->btf_msg);
}

/* "did you mean" among the struct and union names of @btf */
static void suggest_struct(struct sema *c, struct fathom_btf *btf,
			   struct src_loc loc, const char *name)
{
	uint32_t i, n = fathom_btf_nr_types(btf), k = 0;
	const char **v;
	const char *best;

	if (c->silent)
		return;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return;
	for (i = 1; i < n; i++) {
		int kind = fathom_btf_kind(btf, i);

		if ((kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION) &&
		    *fathom_btf_name(btf, i))
			v[k++] = fathom_btf_name(btf, i);
	}
	best = diag_suggest(name, v, k);
	if (best)
		note(c, loc, "did you mean 'struct %s'?", best);
	free(v);
}

static struct type btf_ptr_type(uint32_t id)
{
	struct type t = type_int(8, false);

	t.btf = BTF_REF_PTR;
	t.btf_id = id;
	return t;
}

/* (struct NAME *)e */
static struct type check_struct_cast(struct sema *c, struct ast_node *n)
{
	struct fathom_btf *btf = btf_get(c);
	const char *name = n->u.cast.struct_name;
	uint32_t id;

	if (!btf) {
		char what[160];

		snprintf(what, sizeof(what), "the cast to 'struct %s *'", name);
		btf_missing(c, n->u.cast.type_loc, what);
		return none();
	}
	if (fathom_btf_find_struct(btf, name, &id)) {
		error(c, n->u.cast.type_loc, "unknown struct '%s': %s", name,
		      fathom_btf_errmsg(btf));
		suggest_struct(c, btf, n->u.cast.type_loc, name);
		return none();
	}
	n->type = btf_ptr_type(id);
	return n->type;
}

struct names {
	const char **v;
	size_t n, cap;
};

static int collect_name(const char *name, void *arg)
{
	struct names *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		const char **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = name;
	return 0;
}

/* "did you mean" among the members of struct @id */
static void suggest_member(struct sema *c, struct fathom_btf *btf, uint32_t id,
			   struct src_loc loc, const char *name)
{
	struct names l = { 0 };
	const char *best;

	if (c->silent)
		return;
	if (!fathom_btf_members(btf, id, collect_name, &l)) {
		best = diag_suggest(name, l.v, l.n);
		if (best)
			note(c, loc, "did you mean '%s'?", best);
	}
	free(l.v);
}

/*
 * The type of kernel data that BTF describes as @m (a member, an array
 * element), and how to read it (@fi: kind, size, sign; the caller sets
 * the offset). @what names it in errors.
 */
static struct type kmem_type(struct sema *c, struct field_info *fi,
			     const struct fathom_btf_member *m,
			     struct src_loc at, const char *what)
{
	struct fathom_btf *btf = c->s->btf;
	struct fathom_btf_member elem;
	uint32_t sid, nelems;

	fi->size = m->size;
	switch (m->kind) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		if (m->size != 1 && m->size != 2 && m->size != 4 &&
		    m->size != 8)
			break;
		fi->kind = FIELD_KMEM_INT;
		fi->is_signed = m->is_signed;
		return type_int(8, m->is_signed);
	case BTF_KIND_PTR:
		fi->kind = FIELD_KMEM_INT;
		fi->size = 8;
		if (!fathom_btf_ptr_struct(btf, m->resolved, &sid))
			return btf_ptr_type(sid);
		return type_int(8, false);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		struct type t = type_int(8, false);

		fi->kind = FIELD_KMEM_REC;
		t.btf = BTF_REF_REC;
		t.btf_id = m->resolved;
		return t;
	}
	case BTF_KIND_ARRAY: {
		struct type t = type_int(8, false);

		if (fathom_btf_array(btf, m->resolved, &elem, &nelems))
			break;
		fi->array_id = m->resolved;
		fi->nelems = nelems;
		if (elem.kind == BTF_KIND_INT && elem.size == 1) {
			/* char arrays (comm[16]): a string of its bytes */
			fi->kind = FIELD_KMEM_CHARS;
			if (fi->size > AST_STR_DEFAULT)
				fi->size = AST_STR_DEFAULT;
			if (fi->size < 2)
				break;
			return string_type(fi->size);
		}
		/* other arrays: their elements, x->arr[i] */
		fi->kind = FIELD_KMEM_ARRAY;
		t.btf = BTF_REF_ARRAY;
		t.btf_id = m->resolved;
		return t;
	}
	default:
		break;
	}
	error(c, at,
	      "member '%s' cannot be read: it is not an integer, a pointer, a struct or an array",
	      what);
	return none();
}

/* base->name or base.name on a BTF struct reference */
static struct type check_btf_member(struct sema *c, struct ast_node *n,
				    const struct type *bt)
{
	struct fathom_btf *btf = c->s->btf;
	struct field_info *fi = &n->u.field.info;
	struct fathom_btf_member m;
	const char *op = n->u.field.arrow ? "->" : ".";
	struct src_loc at = n->loc;
	int err;

	/* point at the member name: the end of the span */
	at.off += at.len - (uint32_t)strlen(n->u.field.name);
	at.col += at.len - (uint32_t)strlen(n->u.field.name);
	at.len = (uint32_t)strlen(n->u.field.name);
	if (bt->btf == BTF_REF_NONE || !btf) {
		if (!btf && c->s->btf_tried && c->s->btf_err) {
			char what[160];

			snprintf(what, sizeof(what), "'%s%s'", op,
				 n->u.field.name);
			btf_missing(c, n->loc, what);
			return none();
		}
		error(c, n->loc,
		      "'%s%s' needs a pointer to a struct, as in ((struct task_struct *)curtask)->pid",
		      op, n->u.field.name);
		return none();
	}
	if (bt->btf == BTF_REF_ARRAY) {
		error(c, n->loc,
		      "'%s%s' on an array: index it first, as in [0]%s%s", op,
		      n->u.field.name, op, n->u.field.name);
		return none();
	}
	if (n->u.field.arrow && bt->btf != BTF_REF_PTR) {
		error(c, n->loc, "'->%s' on a struct held by value: use '.%s'",
		      n->u.field.name, n->u.field.name);
		return none();
	}
	if (!n->u.field.arrow && bt->btf != BTF_REF_REC) {
		error(c, n->loc, "'.%s' on a pointer: use '->%s'",
		      n->u.field.name, n->u.field.name);
		return none();
	}
	err = fathom_btf_member(btf, bt->btf_id, n->u.field.name, &m);
	if (err) {
		error(c, at, "%s", fathom_btf_errmsg(btf));
		if (err == -ENOENT)
			suggest_member(c, btf, bt->btf_id, at, n->u.field.name);
		return none();
	}
	memset(fi, 0, sizeof(*fi));
	fi->offset = m.offset;
	return kmem_type(c, fi, &m, at, n->u.field.name);
}

/* x->arr[i]: an element of an array member, read as a member would be */
static struct type check_index(struct sema *c, struct ast_node *n)
{
	struct ast_node *b = n->u.subscript.base;
	const struct field_info *bi = &b->u.field.info;
	struct field_info *fi = &n->u.subscript.info;
	struct fathom_btf_member elem;
	uint32_t nelems;
	uint64_t v;
	char name[80];

	if (check_expr(c, b).kind == TYPE_NONE)
		return none();
	if (check_int(c, n->u.subscript.index, "an array index").kind ==
	    TYPE_NONE)
		return none();
	if (b->kind != AST_FIELD ||
	    (bi->kind != FIELD_KMEM_ARRAY && bi->kind != FIELD_KMEM_CHARS)) {
		error(c, b->loc,
		      "only maps and array members of kernel structs (BTF) can be indexed with '[]'");
		return none();
	}
	snprintf(name, sizeof(name), "%s[]", b->u.field.name);
	if (fathom_btf_array(c->s->btf, bi->array_id, &elem, &nelems)) {
		error(c, n->loc, "%s", fathom_btf_errmsg(c->s->btf));
		return none();
	}
	if (const_eval(n->u.subscript.index, &v) && v >= nelems) {
		error(c, n->u.subscript.index->loc,
		      "index %lld is outside '%s', which has %u element%s",
		      (long long)v, b->u.field.name, nelems,
		      nelems == 1 ? "" : "s");
		return none();
	}
	if (elem.kind == BTF_KIND_ARRAY) {
		error(c, n->loc,
		      "'%s' is an array of arrays: that is not supported yet",
		      b->u.field.name);
		return none();
	}
	memset(fi, 0, sizeof(*fi));
	return kmem_type(c, fi, &elem, n->loc, name);
}

/*
 * argN of a usdt probe: every site must have it; it is signed when the
 * first site's operand is (bpftrace's int64 or uint64).
 */
static struct type usdt_arg_type(struct sema *c, struct ast_node *n,
				 struct type t)
{
	uint32_t idx = n->u.builtin.index, i, j;
	const struct fathom_usdt_arg *first = NULL;

	for (i = 0; c->probe && i < c->probe->nspecs; i++) {
		const struct probe_spec *sp = &c->probe->specs[i];

		if (sp->type != PROBE_USDT)
			continue;
		for (j = 0; j < sp->nsites; j++) {
			const struct usdt_site *u = &sp->sites[j];

			if (idx >= u->argc) {
				error(c, n->loc,
				      "'arg%u': the USDT probe %s:%s has %u argument%s",
				      idx, u->provider, u->name, u->argc,
				      u->argc == 1 ? "" : "s");
				return none();
			}
			if (u->argv[idx].kind == FATHOM_USDT_ARG_MEM &&
			    u->argv[idx].has_base && !u->argv[idx].sym[0] &&
			    !strcmp(u->argv[idx].base.name, "rip")) {
				error(c, n->loc,
				      "'arg%u' of the USDT probe %s:%s is %%rip-relative without a symbol ('%s'): its address cannot be known",
				      idx, u->provider, u->name, u->args);
				return none();
			}
			if (!first)
				first = &u->argv[idx];
		}
	}
	if (first)
		t.is_signed = first->is_signed;
	return t;
}

static struct type check_builtin(struct sema *c, struct ast_node *n)
{
	struct type t = type_int(8, false);

	switch (n->u.builtin.id) {
	case BI_PID:
	case BI_TID:
	case BI_UID:
	case BI_GID:
	case BI_CPU:
	case BI_CPID:
		return type_int(4, false);
	case BI_NSECS:
	case BI_ELAPSED:
	case BI_CGROUP:
		return t;
	case BI_CURTASK: {
		/* a pointer to struct task_struct where BTF exists, else a
		 * plain address (member access then says why it fails) */
		struct fathom_btf *btf = btf_get(c);
		uint32_t id;

		if (btf && !fathom_btf_find_struct(btf, "task_struct", &id))
			return btf_ptr_type(id);
		return t;
	}
	case BI_COMM:
		return string_type(AST_COMM_SIZE);
	case BI_PROBE:
		return of_kind(TYPE_PROBE);
	case BI_FUNC:
		/* the probe that fired, shown as the function it probes */
		if (!probe_allows(c, PK_KFUNC | PK_UFUNC, n->loc, "'func'",
				  "kprobe, kretprobe, uprobe and uretprobe"))
			return none();
		return of_kind(TYPE_FUNC);
	case BI_ARG: {
		char what[16];

		snprintf(what, sizeof(what), "'arg%u'", n->u.builtin.index);
		if (!probe_allows(c, PK_ARGN, n->loc, what,
				  "kprobe, uprobe, usdt and rawtracepoint"))
			return none();
		return usdt_arg_type(c, n, t);
	}
	case BI_RETVAL:
		if (!probe_allows(c, PK_RET, n->loc, "'retval'",
				  "kretprobe and uretprobe"))
			return none();
		return type_int(8, true);
	case BI_ARGS:
		if (!probe_allows(c, PK_ARGS, n->loc, "'args'",
				  "tracepoint, rawtracepoint and usdt"))
			return none();
		return of_kind(TYPE_ARGS);
	case BI_KSTACK:
	case BI_USTACK:
		t = of_kind(n->u.builtin.id == BI_KSTACK ? TYPE_KSTACK
							 : TYPE_USTACK);
		t.stack_mode = STACK_MODE_BPFTRACE;
		t.stack_depth = AST_STACK_DEFAULT;
		return t;
	}
	return none();
}

static int check_keys(struct sema *c, struct ast_node *m)
{
	struct map_sym *sym = m->u.map.sym;
	struct ast_list *keys = &m->u.map.keys;
	struct type kt[AST_MAX_KEYS];
	char tb[TB], tb2[TB];
	uint32_t i;
	bool bad = false;

	for (i = 0; i < keys->n; i++) {
		kt[i] = check_value(c, keys->items[i]);
		if (kt[i].kind == TYPE_NONE) {
			bad = true;
		} else if (!is_storable(&kt[i])) {
			error(c, keys->items[i]->loc,
			      "a map key cannot be of type %s",
			      tstr(&kt[i], tb));
			bad = true;
		}
	}
	if (bad)
		return -EINVAL;
	if (!sym->keys_known) {
		sym->keys_known = true;
		sym->nkeys = keys->n;
		/* Integer keys are stored as 64-bit values. */
		for (i = 0; i < keys->n; i++)
			sym->keys[i] = kt[i].kind == TYPE_INT
					       ? type_int(8, kt[i].is_signed)
					       : kt[i];
		sym->key_loc = m->loc;
		return 0;
	}
	if (sym->nkeys != keys->n) {
		error(c, m->loc,
		      "map '%s' is used with %u key%s here, but with %u first",
		      sym->name, keys->n, keys->n == 1 ? "" : "s", sym->nkeys);
		note(c, sym->key_loc, "first used here");
		return -EINVAL;
	}
	for (i = 0; i < keys->n; i++) {
		if (!compatible(&sym->keys[i], &kt[i])) {
			error(c, keys->items[i]->loc,
			      "map '%s' key %u is %s here, but %s first",
			      sym->name, i + 1, tstr(&kt[i], tb),
			      tstr(&sym->keys[i], tb2));
			note(c, sym->key_loc, "first used here");
			return -EINVAL;
		}
		merge(&sym->keys[i], &kt[i]);
	}
	return 0;
}

static struct map_sym *map_sym(struct sema *c, struct ast_node *m)
{
	if (!m->u.map.sym)
		m->u.map.sym = ast_map_get(c->s, m->u.map.name);
	if (!m->u.map.sym)
		c->err = -ENOMEM;
	return m->u.map.sym;
}

/* The value type of a map as known at this point of the program. */
static struct type map_value(struct sema *c, struct map_sym *sym)
{
	(void)c;
	return sym->value.kind != TYPE_NONE ? sym->value : sym->inferred;
}

static struct type check_map_read(struct sema *c, struct ast_node *m)
{
	struct map_sym *sym = map_sym(c, m);
	struct type v;
	char tb[TB];

	if (!sym || check_keys(c, m))
		return none();
	sym->read = true;
	v = map_value(c, sym);
	/*
	 * "@a = @a + 1" reads @a before anything assigned it: as in bpftrace
	 * it reads as 0. Let the silent rounds go on with an integer, so the
	 * assignment can infer the type; a map assigned nowhere still fails
	 * in the reporting round.
	 */
	if (v.kind == TYPE_NONE && c->silent)
		return type_int(8, true);
	if (v.kind == TYPE_NONE) {
		error(c, m->loc, "map '%s' is read but never assigned",
		      sym->name);
		return none();
	}
	if (v.kind == TYPE_AGG) {
		error(c, m->loc,
		      "map '%s' holds a %s aggregation: its value can only be printed, not read in an expression",
		      sym->name, tstr(&v, tb));
		note(c, sym->value_loc, "assigned here");
		return none();
	}
	return v;
}

/* A bare @map naming the whole map (print, clear, zero). */
static struct map_sym *check_map_ref(struct sema *c, struct ast_node *m,
				     const char *fn)
{
	struct map_sym *sym;

	if (m->kind != AST_MAP || m->u.map.keys.n) {
		error(c, m->loc, "%s() needs a map, as in %s(@name)", fn, fn);
		return NULL;
	}
	sym = map_sym(c, m);
	if (!sym)
		return NULL;
	if (map_value(c, sym).kind == TYPE_NONE) {
		error(c, m->loc, "map '%s' is never assigned", sym->name);
		return NULL;
	}
	m->type = map_value(c, sym);
	return sym;
}

static struct type check_var_read(struct sema *c, struct ast_node *n)
{
	struct var_sym *v = ast_var_get(c->s, c->probe, n->u.var.name);

	n->u.var.sym = v;
	if (!v) {
		c->err = -ENOMEM;
		return none();
	}
	if (v->type.kind == TYPE_NONE) {
		error(c, n->loc, "variable '%s' is used before it is assigned",
		      v->name);
		return none();
	}
	return v->type;
}

static struct type arith_result(const struct type *a, const struct type *b)
{
	bool sgn = true;

	if (a->kind == TYPE_INT && b->kind == TYPE_INT)
		sgn = a->is_signed || b->is_signed;
	return type_int(8, sgn);
}

static struct type check_binop(struct sema *c, struct ast_node *n)
{
	enum ast_op op = n->u.binop.op;
	struct type a = check_value(c, n->u.binop.lhs);
	struct type b = check_value(c, n->u.binop.rhs);
	char tb[TB], tb2[TB];

	if (a.kind == TYPE_NONE || b.kind == TYPE_NONE)
		return none();
	if (op == OP_EQ || op == OP_NE) {
		if (is_intlike(&a) && is_intlike(&b))
			return type_int(8, false);
		if (is_stringlike(&a) && is_stringlike(&b))
			return type_int(8, false);
		if (a.kind == b.kind &&
		    (a.kind == TYPE_KSYM || a.kind == TYPE_USYM ||
		     a.kind == TYPE_PROBE || a.kind == TYPE_FUNC))
			return type_int(8, false);
		error(c, n->loc,
		      "cannot compare %s with %s: strings compare only with strings",
		      tstr(&a, tb), tstr(&b, tb2));
		return none();
	}
	if (!is_intlike(&a) || !is_intlike(&b)) {
		const struct ast_node *bad = is_intlike(&a) ? n->u.binop.rhs
							    : n->u.binop.lhs;
		const struct type *bt = is_intlike(&a) ? &b : &a;

		error(c, bad->loc, "operator '%s' needs integers, not %s",
		      ast_op_name(op), tstr(bt, tb));
		return none();
	}
	switch (op) {
	case OP_LT:
	case OP_LE:
	case OP_GT:
	case OP_GE:
	case OP_LAND:
	case OP_LOR:
		return type_int(8, false);
	default:
		return arith_result(&a, &b);
	}
}

static bool is_agg_func(enum func f)
{
	return f >= FN_COUNT && f <= FN_LHIST;
}

static bool check_arity(struct sema *c, struct ast_node *n, uint32_t min,
			uint32_t max)
{
	uint32_t got = n->u.call.args.n;

	if (got >= min && got <= max)
		return true;
	if (min == max)
		error(c, n->loc, "%s() takes %u argument%s, but %u %s given",
		      n->u.call.name, min, min == 1 ? "" : "s", got,
		      got == 1 ? "was" : "were");
	else
		error(c, n->loc,
		      "%s() takes %u to %u arguments, but %u %s given",
		      n->u.call.name, min, max, got, got == 1 ? "was" : "were");
	return false;
}

static bool const_arg(struct sema *c, struct ast_node *a, const char *what,
		      int64_t lo, int64_t hi, int64_t *out)
{
	uint64_t v;

	if (check_int(c, a, what).kind == TYPE_NONE)
		return false;
	if (!const_eval(a, &v)) {
		error(c, a->loc, "%s must be a constant", what);
		return false;
	}
	if ((int64_t)v < lo || (int64_t)v > hi) {
		error(c, a->loc, "%s must be between %lld and %lld", what,
		      (long long)lo, (long long)hi);
		return false;
	}
	*out = (int64_t)v;
	return true;
}

static bool string_literal(struct sema *c, struct ast_node *a, const char *fn)
{
	if (a->kind == AST_STR) {
		a->type = string_type(a->u.str.len + 1);
		return true;
	}
	error(c, a->loc, "%s() needs a string literal here", fn);
	return false;
}

/* The value of an aggregation call: only valid as a map's value. */
static struct type check_agg(struct sema *c, struct ast_node *n)
{
	struct ast_node **a = n->u.call.args.items;
	struct type t = of_kind(TYPE_AGG);
	char what[32];
	int64_t v;

	snprintf(what, sizeof(what), "%s()'s argument", n->u.call.name);

	switch (n->u.call.id) {
	case FN_COUNT:
		if (!check_arity(c, n, 0, 0))
			return none();
		t.agg = AGG_COUNT;
		break;
	case FN_SUM:
	case FN_AVG:
	case FN_MIN:
	case FN_MAX:
	case FN_STATS:
		if (!check_arity(c, n, 1, 1) ||
		    check_int(c, a[0], what).kind == TYPE_NONE)
			return none();
		t.agg = n->u.call.id == FN_SUM	 ? AGG_SUM
			: n->u.call.id == FN_AVG ? AGG_AVG
			: n->u.call.id == FN_MIN ? AGG_MIN
			: n->u.call.id == FN_MAX ? AGG_MAX
						 : AGG_STATS;
		break;
	case FN_HIST:
		if (!check_arity(c, n, 1, 2) ||
		    check_int(c, a[0], what).kind == TYPE_NONE)
			return none();
		t.agg = AGG_HIST;
		if (n->u.call.args.n == 2) {
			if (!const_arg(c, a[1], "hist()'s bits argument", 0, 5,
				       &v))
				return none();
			t.agg_args[0] = v;
		}
		break;
	case FN_LHIST: {
		int64_t lo, hi, step;

		if (!check_arity(c, n, 4, 4) ||
		    check_int(c, a[0], what).kind == TYPE_NONE)
			return none();
		if (!const_arg(c, a[1], "lhist()'s min", 0, INT64_MAX, &lo) ||
		    !const_arg(c, a[2], "lhist()'s max", 0, INT64_MAX, &hi) ||
		    !const_arg(c, a[3], "lhist()'s step", 1, INT64_MAX, &step))
			return none();
		if (hi <= lo) {
			error(c, a[2]->loc,
			      "lhist()'s max must be greater than its min");
			return none();
		}
		if ((uint64_t)(hi - lo) / (uint64_t)step > 1000) {
			error(c, a[3]->loc,
			      "lhist() would have more than 1000 buckets");
			return none();
		}
		t.agg = AGG_LHIST;
		t.agg_args[0] = lo;
		t.agg_args[1] = hi;
		t.agg_args[2] = step;
		break;
	}
	default:
		return none();
	}
	n->type = t;
	return t;
}

static struct type check_stack_call(struct sema *c, struct ast_node *n)
{
	static const char *const modes[] = { "bpftrace", "perf", "raw" };
	struct ast_node **a = n->u.call.args.items;
	uint32_t i = 0, nargs = n->u.call.args.n;
	struct type t =
		of_kind(n->u.call.id == FN_KSTACK ? TYPE_KSTACK : TYPE_USTACK);
	int64_t depth;

	t.stack_depth = AST_STACK_DEFAULT;
	if (!check_arity(c, n, 0, 2))
		return none();
	if (nargs && a[0]->kind == AST_STR) {
		bool found = false;
		size_t m;

		for (m = 0; m < 3; m++) {
			if (!strcmp(a[0]->u.str.s, modes[m])) {
				t.stack_mode = (enum stack_mode)m;
				found = true;
			}
		}
		if (!found) {
			error(c, a[0]->loc,
			      "unknown stack mode: expected bpftrace, perf or raw");
			return none();
		}
		a[0]->type = string_type(a[0]->u.str.len + 1);
		i = 1;
	}
	if (i < nargs) {
		if (!const_arg(c, a[i], "the stack depth", 1, AST_STACK_MAX,
			       &depth))
			return none();
		t.stack_depth = (uint32_t)depth;
		i++;
	}
	if (i < nargs) {
		error(c, a[i]->loc, "unexpected argument to %s()",
		      n->u.call.name);
		return none();
	}
	return t;
}

/*
 * Replace $N (or $#) by its value: an AST_INT when the parameter is a
 * number (and @as_string is false), else an AST_STR.
 */
static struct type positional(struct sema *c, struct ast_node *n,
			      bool as_string)
{
	uint32_t i = n->u.positional.index;
	const char *v;
	char *end;
	long long iv;

	if (n->u.positional.count) {
		n->kind = AST_INT;
		n->u.int_val = c->s->nparams;
		return type_int(8, true);
	}
	if (i > c->s->nparams) {
		error(c, n->loc,
		      "$%u is not given: the script has %u positional parameter%s",
		      i, c->s->nparams, c->s->nparams == 1 ? "" : "s");
		return none();
	}
	v = c->s->params[i - 1];
	errno = 0;
	iv = strtoll(v, &end, 0);
	if (!as_string && *v && !*end && !errno) {
		n->kind = AST_INT;
		n->u.int_val = (uint64_t)iv;
		return type_int(8, true);
	}
	n->kind = AST_STR;
	n->u.str.s = (char *)v;
	n->u.str.len = (uint32_t)strlen(v);
	if (n->u.str.len + 1 > AST_STR_DEFAULT * 4) {
		error(c, n->loc, "$%u is longer than %d bytes", i,
		      AST_STR_DEFAULT * 4 - 1);
		return none();
	}
	return string_type(n->u.str.len + 1);
}

/* args.NAME: the field's type from the tracepoint's format. */
static struct type check_field(struct sema *c, struct ast_node *n)
{
	const struct field_info *fi = &n->u.field.info;
	uint32_t i;
	int err;

	for (i = 0; i < c->probe->nspecs; i++) {
		const struct probe_spec *sp = &c->probe->specs[i];

		if (sp->type != PROBE_TRACEPOINT) {
			error(c, n->loc,
			      "args in %s needs the kernel's type information (BTF), which fathom does not read: use arg0, arg1, ...",
			      sp->raw);
			return none();
		}
	}
	err = tp_field_resolve(c->s, &c->tp, c->probe, n, c->d, c->silent);
	if (err) {
		c->err = err;
		return none();
	}
	switch (fi->kind) {
	case FIELD_INT:
		return type_int(fi->size, fi->is_signed);
	case FIELD_PTR:
		return type_int(8, false);
	case FIELD_CHARS:
		return string_type(fi->size);
	case FIELD_DATA_LOC:
		return string_type(AST_STR_DEFAULT);
	default:
		return none();
	}
}

/* kaddr("sym"): the address /proc/kallsyms gives, a constant */
static int resolve_kaddr(struct sema *c, struct ast_node *n)
{
	const char *name = n->u.call.args.items[0]->u.str.s;
	const char *path = c->s->kallsyms ? c->s->kallsyms
					  : getenv("FATHOM_KALLSYMS");
	uint64_t addr;
	int err;

	if (path && !*path)
		path = NULL;
	err = fathom_ksym_lookup(path, name, &addr);
	if (err == -ENOENT)
		error(c, n->loc, "kaddr(\"%s\"): the kernel has no symbol '%s'",
		      name, name);
	else if (err == -EPERM)
		error(c, n->loc,
		      "kaddr(\"%s\"): %s hides the kernel's addresses (kptr_restrict): run as root",
		      name, path ? path : FATHOM_KALLSYMS);
	else if (err)
		error(c, n->loc, "kaddr(\"%s\"): cannot read %s: %s", name,
		      path ? path : FATHOM_KALLSYMS, strerror(-err));
	if (err)
		return err;
	n->u.call.resolved = true;
	n->u.call.addr = addr;
	return 0;
}

/*
 * uaddr("sym"): the symbol's address in the file the probe is in, read
 * from its symbol table. In a fixed-address executable that is the
 * address. A position-independent file (PIE, shared library) is loaded
 * at a bias that bpftrace 0.17 ignores (its uaddr() "does not work with
 * ASLR"); fathom adds it at run time, learnt from the probe's own site
 * (ip - the site's link-time address), so it needs one known site: a
 * uprobe on one function (not a wildcard, not a uretprobe, whose ip is
 * the caller's), or usdt sites (codegen makes a program per site).
 */
static int resolve_uaddr(struct sema *c, struct ast_node *n)
{
	const char *name = n->u.call.args.items[0]->u.str.s;
	const struct fathom_elf_sym *sym, *fn;
	struct fathom_elf *e = NULL;
	char *path = NULL, *p;
	uint32_t i;
	int err = -EINVAL;

	for (i = 0; i < c->probe->nspecs; i++) {
		const struct probe_spec *sp = &c->probe->specs[i];

		if (sp->type == PROBE_USDT) {
			if (!sp->usdt_path)
				goto out; /* the usdt pass said why */
			p = strdup(sp->usdt_path);
		} else {
			p = fathom_elf_find_path(sp->target);
			if (!p && errno != ENOMEM) {
				error(c, n->loc,
				      "uaddr(\"%s\"): cannot find '%s'", name,
				      sp->target);
				goto out;
			}
		}
		if (!p) {
			err = -ENOMEM;
			goto out;
		}
		if (path && strcmp(path, p)) {
			error(c, n->loc,
			      "uaddr(\"%s\"): the probes of this block are in different files, %s and %s",
			      name, path, p);
			free(p);
			goto out;
		}
		free(path);
		path = p;
	}
	e = fathom_elf_open(path, &err);
	if (!e) {
		if (err != -ENOMEM)
			error(c, n->loc, "uaddr(\"%s\"): cannot read %s: %s",
			      name, path,
			      err == -ENOEXEC ? "not an ELF file"
					      : strerror(-err));
		goto out;
	}
	err = -EINVAL;
	sym = fathom_elf_find_any(e, name);
	if (!sym) {
		error(c, n->loc, "uaddr(\"%s\"): %s has no symbol '%s'%s", name,
		      path, name,
		      fathom_elf_has_symtab(e)
			      ? ""
			      : " (it is stripped: it has no .symtab)");
		goto out;
	}
	n->u.call.addr = sym->value;
	n->u.call.pie = fathom_elf_is_dyn(e);
	if (n->u.call.pie && c->probe->specs[0].type != PROBE_USDT) {
		const struct probe_spec *sp = &c->probe->specs[0];

		if (c->probe->nspecs > 1 || sp->type != PROBE_UPROBE ||
		    sp->wildcard) {
			error(c, n->loc,
			      "uaddr(\"%s\"): %s is position-independent: the address is found from the probe's site, which needs a uprobe on one function (not a uretprobe, a wildcard or several probes)",
			      name, path);
			goto out;
		}
		fn = fathom_elf_find(e, sp->name);
		if (!fn)
			goto out_ok; /* resolve.c reports the unknown function */
		n->u.call.site = fn->value + (sp->has_offset ? sp->offset : 0);
	}
out_ok:
	n->u.call.resolved = true;
	err = 0;
out:
	fathom_elf_free(e);
	free(path);
	return err;
}

static struct type check_call(struct sema *c, struct ast_node *n)
{
	struct ast_node **a = n->u.call.args.items;
	uint32_t nargs = n->u.call.args.n, i;
	struct type t;
	char tb[TB];

	if (is_agg_func(n->u.call.id)) {
		error(c, n->loc,
		      "%s() can only be used as the value of a map assignment, as in @x = %s(...)",
		      n->u.call.name, n->u.call.name);
		return none();
	}
	switch (n->u.call.id) {
	case FN_STR: {
		int64_t size = AST_STR_DEFAULT;

		if (!check_arity(c, n, 1, 2))
			return none();
		/* str($1) is the parameter's text, even when it is a number */
		if (a[0]->kind == AST_POSITIONAL && !a[0]->u.positional.count)
			positional(c, a[0], true);
		t = check_value(c, a[0]);
		if (t.kind == TYPE_NONE)
			return none();
		if (!is_intlike(&t) && t.kind != TYPE_STRING) {
			error(c, a[0]->loc,
			      "str() needs a pointer or a string, not %s",
			      tstr(&t, tb));
			return none();
		}
		if (nargs == 2) {
			uint64_t v;

			if (check_int(c, a[1], "str()'s length").kind ==
			    TYPE_NONE)
				return none();
			if (const_eval(a[1], &v)) {
				if ((int64_t)v < 1) {
					error(c, a[1]->loc,
					      "str()'s length must be positive");
					return none();
				}
				if ((int64_t)v < size)
					size = (int64_t)v + 1;
			}
		}
		return string_type((uint32_t)size);
	}
	case FN_KSYM:
	case FN_USYM:
		if (!check_arity(c, n, 1, 1) ||
		    check_int(c, a[0], "the address").kind == TYPE_NONE)
			return none();
		t = of_kind(n->u.call.id == FN_KSYM ? TYPE_KSYM : TYPE_USYM);
		/* usym() carries its process: { u64 addr; u64 tgid } */
		if (t.kind == TYPE_USYM)
			t.size = 16;
		return t;
	case FN_UADDR:
		if (!probe_allows(c, PK_UFUNC | PK(PROBE_USDT), n->loc,
				  "uaddr()", "uprobe, uretprobe and usdt"))
			return none();
		/* fall through */
	case FN_KADDR:
		if (!check_arity(c, n, 1, 1) ||
		    !string_literal(c, a[0], n->u.call.name))
			return none();
		if (!n->u.call.resolved &&
		    (n->u.call.id == FN_KADDR ? resolve_kaddr(c, n)
					      : resolve_uaddr(c, n)))
			return none();
		return type_int(8, false);
	case FN_KSTACK:
	case FN_USTACK:
		return check_stack_call(c, n);
	case FN_PRINT:
		if (!check_arity(c, n, 1, 1))
			return of_kind(TYPE_VOID);
		if (a[0]->kind == AST_MAP && !a[0]->u.map.keys.n) {
			check_map_ref(c, a[0], "print");
		} else {
			t = check_value(c, a[0]);
			if (t.kind == TYPE_AGG)
				error(c, a[0]->loc,
				      "print() cannot print an aggregation call");
		}
		return of_kind(TYPE_VOID);
	case FN_CLEAR:
	case FN_ZERO:
		if (check_arity(c, n, 1, 1))
			check_map_ref(c, a[0], n->u.call.name);
		return of_kind(TYPE_VOID);
	case FN_DELETE:
		if (!check_arity(c, n, 1, 2))
			return of_kind(TYPE_VOID);
		if (a[0]->kind != AST_MAP ||
		    (nargs == 2 && a[0]->u.map.keys.n)) {
			error(c, a[0]->loc,
			      "delete() needs a map element, as in delete(@m[key])");
			return of_kind(TYPE_VOID);
		}
		if (nargs == 2) {
			/* delete(@m, key): treat as @m[key] */
			a[0]->u.map.keys.items = &a[1];
			a[0]->u.map.keys.n = 1;
			a[0]->u.map.keys.cap = 1;
			n->u.call.args.n = 1;
		}
		if (map_sym(c, a[0]) && !check_keys(c, a[0]))
			a[0]->type = map_value(c, a[0]->u.map.sym);
		return of_kind(TYPE_VOID);
	case FN_EXIT:
		if (check_arity(c, n, 0, 1) && nargs)
			check_int(c, a[0], "exit()'s status");
		return of_kind(TYPE_VOID);
	case FN_TIME:
		if (check_arity(c, n, 0, 1) && nargs)
			string_literal(c, a[0], "time");
		return of_kind(TYPE_VOID);
	case FN_PRINTF:
		if (!nargs) {
			error(c, n->loc, "printf() needs a format string");
			return of_kind(TYPE_VOID);
		}
		if (!string_literal(c, a[0], "printf"))
			return of_kind(TYPE_VOID);
		if (nargs > AST_MAX_CALL_ARGS) {
			error(c, a[AST_MAX_CALL_ARGS]->loc,
			      "printf() takes at most %d arguments after the format",
			      AST_MAX_CALL_ARGS - 1);
			return of_kind(TYPE_VOID);
		}
		{
			bool ok = true;

			for (i = 1; i < nargs; i++)
				if (check_value(c, a[i]).kind == TYPE_NONE)
					ok = false;
			if (ok && !c->silent &&
			    printf_check_format(c->d, a[0], a + 1, nargs - 1))
				c->err = -EINVAL;
		}
		return of_kind(TYPE_VOID);
	default:
		return none();
	}
}

static struct type check_expr_inner(struct sema *c, struct ast_node *n)
{
	struct type a, b;
	char tb[TB], tb2[TB];

	switch (n->kind) {
	case AST_INT:
		return type_int(8, true);
	case AST_STR:
		return string_type(n->u.str.len + 1);
	case AST_BUILTIN:
		return check_builtin(c, n);
	case AST_VAR:
		return check_var_read(c, n);
	case AST_MAP:
		return check_map_read(c, n);
	case AST_UNOP:
		a = check_value(c, n->u.unop.operand);
		if (a.kind == TYPE_NONE)
			return none();
		if (!is_intlike(&a)) {
			error(c, n->u.unop.operand->loc,
			      "operator '%s' needs an integer, not %s",
			      ast_op_name(n->u.unop.op), tstr(&a, tb));
			return none();
		}
		if (n->u.unop.op == OP_LNOT)
			return type_int(8, false);
		return type_int(8, n->u.unop.op == OP_NEG ||
					   a.kind != TYPE_INT || a.is_signed);
	case AST_BINOP:
		return check_binop(c, n);
	case AST_TERNARY:
		a = check_int(c, n->u.ternary.cond, "the condition");
		a = check_value(c, n->u.ternary.then);
		b = check_value(c, n->u.ternary.els);
		if (a.kind == TYPE_NONE || b.kind == TYPE_NONE)
			return none();
		if (!compatible(&a, &b) || !is_storable(&a)) {
			error(c, n->loc,
			      "the branches of '?:' have different types: %s and %s",
			      tstr(&a, tb), tstr(&b, tb2));
			return none();
		}
		merge(&a, &b);
		if (a.kind == TYPE_INT)
			a = arith_result(&a, &b);
		return a;
	case AST_CALL:
		return check_call(c, n);
	case AST_FIELD: {
		struct ast_node *base = n->u.field.base;

		if (base->kind != AST_BUILTIN ||
		    base->u.builtin.id != BI_ARGS) {
			a = check_expr(c, base);
			if (a.kind == TYPE_NONE)
				return none();
			return check_btf_member(c, n, &a);
		}
		if (check_expr(c, base).kind == TYPE_NONE)
			return none();
		return check_field(c, n);
	}
	case AST_POSITIONAL:
		return positional(c, n, false);
	case AST_INDEX:
		return check_index(c, n);
	case AST_CAST:
		a = check_value(c, n->u.cast.operand);
		if (a.kind == TYPE_NONE)
			return none();
		if (n->u.cast.struct_name) {
			if (!is_intlike(&a)) {
				error(c, n->u.cast.operand->loc,
				      "only integers can be cast, not %s",
				      tstr(&a, tb));
				return none();
			}
			return check_struct_cast(c, n);
		}
		if (!is_intlike(&a)) {
			error(c, n->u.cast.operand->loc,
			      "only integers can be cast, not %s",
			      tstr(&a, tb));
			return none();
		}
		return n->type; /* set by the parser */
	case AST_INCDEC: {
		struct ast_node *t = n->u.incdec.target;

		if (t->kind == AST_VAR) {
			a = check_var_read(c, t);
		} else if (t->kind == AST_MAP) {
			struct map_sym *sym = map_sym(c, t);

			if (!sym || check_keys(c, t))
				return none();
			a = map_value(c, sym);
			if (a.kind == TYPE_NONE &&
			    sym->value.kind == TYPE_NONE) {
				/* @x++ on a new map starts it at 0 */
				sym->value = type_int(8, true);
				sym->value_loc = t->loc;
				a = sym->value;
			}
			sym->assigned = true;
			sym->read = true;
		} else {
			error(c, n->loc, "'%s' needs a $variable or a @map",
			      n->u.incdec.inc ? "++" : "--");
			return none();
		}
		if (a.kind == TYPE_NONE)
			return none();
		t->type = a;
		if (a.kind != TYPE_INT) {
			error(c, n->loc, "'%s' needs an integer, not %s",
			      n->u.incdec.inc ? "++" : "--", tstr(&a, tb));
			return none();
		}
		return type_int(8, a.is_signed);
	}
	default:
		return none();
	}
}

static struct type check_expr(struct sema *c, struct ast_node *n)
{
	n->type = check_expr_inner(c, n);
	return n->type;
}

/* ---- statements ------------------------------------------------------ */

static void check_stmts(struct sema *c, struct ast_list *l);

static void check_map_assign(struct sema *c, struct ast_node *st)
{
	struct ast_node *m = st->u.assign.target, *v = st->u.assign.value;
	struct map_sym *sym = map_sym(c, m);
	enum ast_op op = st->u.assign.op;
	struct type vt, cur;
	char tb[TB], tb2[TB];

	if (!sym)
		return;
	check_keys(c, m);
	if (v->kind == AST_CALL && is_agg_func(v->u.call.id)) {
		if (op != OP_NONE) {
			error(c, st->loc,
			      "compound assignment cannot be used with %s()",
			      v->u.call.name);
			return;
		}
		vt = check_agg(c, v);
	} else {
		vt = check_value(c, v);
	}
	if (vt.kind == TYPE_NONE)
		return;
	if (!is_storable(&vt) && vt.kind != TYPE_AGG) {
		error(c, v->loc, "a map cannot hold a value of type %s",
		      tstr(&vt, tb));
		return;
	}
	sym->assigned = true;
	if (op != OP_NONE) {
		cur = map_value(c, sym);
		if (!is_intlike(&vt) ||
		    (cur.kind != TYPE_NONE && !is_intlike(&cur))) {
			error(c, st->loc, "'%s=' needs integers, not %s",
			      ast_op_name(op),
			      tstr(cur.kind != TYPE_NONE && !is_intlike(&cur)
					   ? &cur
					   : &vt,
				   tb));
			return;
		}
		vt = type_int(8, true);
	}
	if (c->silent && sym->inferred.kind == TYPE_NONE) {
		sym->inferred = vt;
		c->changed = true;
	}
	m->type = vt;
	if (sym->value.kind == TYPE_NONE) {
		sym->value = vt;
		sym->value_loc = v->loc;
		return;
	}
	if (!compatible(&sym->value, &vt)) {
		error(c, v->loc, "map '%s' was assigned %s before, but %s here",
		      sym->name, tstr(&sym->value, tb2), tstr(&vt, tb));
		note(c, sym->value_loc, "first assigned here");
		return;
	}
	merge(&sym->value, &vt);
}

static void check_var_assign(struct sema *c, struct ast_node *st)
{
	struct ast_node *t = st->u.assign.target, *v = st->u.assign.value;
	struct var_sym *sym = ast_var_get(c->s, c->probe, t->u.var.name);
	struct type vt;
	char tb[TB], tb2[TB];

	t->u.var.sym = sym;
	if (!sym) {
		c->err = -ENOMEM;
		return;
	}
	if (v->kind == AST_CALL && is_agg_func(v->u.call.id)) {
		error(c, v->loc,
		      "%s() can only be assigned to a map, as in @x = %s(...)",
		      v->u.call.name, v->u.call.name);
		return;
	}
	vt = check_value(c, v);
	if (vt.kind == TYPE_NONE)
		return;
	if (!is_storable(&vt)) {
		error(c, v->loc, "a variable cannot hold a value of type %s",
		      tstr(&vt, tb));
		return;
	}
	if (st->u.assign.op != OP_NONE) {
		if (sym->type.kind == TYPE_NONE) {
			error(c, t->loc,
			      "variable '%s' is used before it is assigned",
			      sym->name);
			return;
		}
		if (!is_intlike(&sym->type) || !is_intlike(&vt)) {
			error(c, st->loc, "'%s=' needs integers",
			      ast_op_name(st->u.assign.op));
			return;
		}
		vt = type_int(8, true);
	}
	if (sym->type.kind == TYPE_NONE) {
		sym->type = vt;
		sym->first = v->loc;
	} else if (!compatible(&sym->type, &vt)) {
		error(c, v->loc,
		      "variable '%s' was assigned %s before, but %s here",
		      sym->name, tstr(&sym->type, tb2), tstr(&vt, tb));
		note(c, sym->first, "first assigned here");
		return;
	} else {
		merge(&sym->type, &vt);
	}
	t->type = sym->type;
}

static void check_stmt(struct sema *c, struct ast_node *st)
{
	uint64_t n;

	st->type = of_kind(TYPE_VOID);
	switch (st->kind) {
	case AST_EXPR_STMT: {
		struct ast_node *e = st->u.expr_stmt.expr;

		if (e->kind == AST_CALL && is_agg_func(e->u.call.id)) {
			check_expr(c, e);
			return;
		}
		if (check_expr(c, e).kind == TYPE_ARGS)
			error(c, e->loc,
			      "'args' can only be used to read a field, as in args.name");
		return;
	}
	case AST_ASSIGN:
		if (st->u.assign.target->kind == AST_MAP)
			check_map_assign(c, st);
		else
			check_var_assign(c, st);
		return;
	case AST_IF:
		check_int(c, st->u.if_.cond, "the condition");
		check_stmts(c, &st->u.if_.then);
		check_stmts(c, &st->u.if_.els);
		return;
	case AST_UNROLL:
		if (check_int(c, st->u.unroll.count, "the unroll count").kind !=
		    TYPE_NONE) {
			if (!const_eval(st->u.unroll.count, &n))
				error(c, st->u.unroll.count->loc,
				      "the unroll count must be a constant");
			else if ((int64_t)n < 1 || (int64_t)n > AST_UNROLL_MAX)
				error(c, st->u.unroll.count->loc,
				      "the unroll count must be between 1 and %d",
				      AST_UNROLL_MAX);
			else
				st->u.unroll.n = (uint32_t)n;
		}
		check_stmts(c, &st->u.unroll.body);
		return;
	case AST_RETURN:
		return;
	default:
		return;
	}
}

static void check_stmts(struct sema *c, struct ast_list *l)
{
	uint32_t i;

	for (i = 0; i < l->n; i++) {
		check_stmt(c, l->items[i]);
		if (c->d->nerrors > c->d->max_errors)
			return;
	}
}

static void check_round(struct sema *c)
{
	struct ast_program *prog = &c->s->prog;
	uint32_t i, j;

	for (i = 0; i < prog->nmaps; i++) {
		struct map_sym *m = prog->maps[i];

		m->keys_known = false;
		m->nkeys = 0;
		m->value = none();
		m->key_loc = m->value_loc = (struct src_loc){ 0 };
		m->assigned = m->read = false;
	}
	for (i = 0; i < prog->nprobes; i++) {
		c->probe = prog->probes[i];
		for (j = 0; j < c->probe->nvars; j++)
			c->probe->vars[j]->type = none();
		if (c->probe->pred)
			check_int(c, c->probe->pred, "the predicate");
		check_stmts(c, &c->probe->body);
	}
}

int semantic_check(struct fathom_script *s, struct diag_sink *d)
{
	struct sema c = { .s = s, .d = d };
	int round;

	/* Learn map value types in any order... */
	for (round = 0; round < 8; round++) {
		c.silent = true;
		c.changed = false;
		c.err = 0;
		check_round(&c);
		if (c.err == -ENOMEM)
			return -ENOMEM;
		if (!c.changed)
			break;
	}
	/* ...then report, walking the program in source order. */
	c.silent = false;
	c.err = 0;
	check_round(&c);
	return c.err;
}
