/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The abstract syntax tree of a bpftrace-language script, its types and
 * its symbol tables. This is the contract between the front end (lexer,
 * parser, passes/) and the code generator.
 *
 * Shape:
 *
 *   struct fathom_script            one compilation; owns everything below
 *     struct ast_program prog
 *       probes[]: struct ast_probe  one per "specs /pred/ { body }"
 *         specs[]: struct probe_spec   "kprobe:vfs_read", parsed into fields
 *         pred: expression or NULL
 *         body: statements
 *         vars[]: struct var_sym     scratch variables ($x), per probe
 *       maps[]: struct map_sym       maps (@x), program-wide
 *
 * Every node has a source location and, after the semantic pass
 * (passes/semantic.c), a struct type; statements have TYPE_VOID. Map and
 * variable references point at their symbol. After the folding pass
 * (passes/fold_consts.c) constant integer subtrees are AST_INT nodes.
 *
 * All nodes, strings and symbols live in the script's arena and are freed
 * with it: nothing in the tree is freed on its own.
 */
#ifndef _FATHOM_USER_AST_H
#define _FATHOM_USER_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "../lib/usdt.h"

/* ---- limits ---------------------------------------------------------- */

#define AST_MAX_KEYS 8	      /* @m[k1, ..., k8] */
#define AST_MAX_CALL_ARGS 16  /* printf("...", a1, ..., a15) */
#define AST_STR_DEFAULT 64    /* str() size and string size limit */
#define AST_COMM_SIZE 16      /* comm, including the NUL */
#define AST_STACK_DEFAULT 127 /* default kstack/ustack depth */
#define AST_STACK_MAX 1024
#define AST_UNROLL_MAX 100
#define AST_MAX_DEPTH 200 /* nesting of expressions and blocks */

/* ---- types ----------------------------------------------------------- */

enum type_kind {
	TYPE_NONE = 0, /* not inferred (yet), or an error was reported */
	TYPE_VOID,     /* statements and printf()/exit()/...: no value */
	TYPE_INT,      /* integer: size 1, 2, 4 or 8 bytes, is_signed */
	TYPE_STRING,   /* NUL-terminated; size = buffer bytes with the NUL */
	TYPE_KSTACK,   /* kernel stack: stack_mode, stack_depth */
	TYPE_USTACK,   /* user stack: stack_mode, stack_depth */
	TYPE_KSYM,     /* 8-byte kernel address shown as a symbol (ksym()) */
	TYPE_USYM,     /* 8-byte user address shown as a symbol (usym()) */
	TYPE_PROBE,    /* the 'probe' builtin: probe index, shown as name */
	TYPE_FUNC,     /* the 'func' builtin: probe index, shown as the
			* probed function's name (fathom_func_name()) */
	TYPE_ARGS,     /* the 'args' record; only args.field is a value */
	TYPE_FIELD,    /* args.field before the tracepoint-format pass */
	TYPE_AGG,      /* aggregation: agg, and agg_args for lhist/hist */
};

enum agg_kind {
	AGG_NONE = 0,
	AGG_COUNT,
	AGG_SUM,
	AGG_AVG,
	AGG_MIN,
	AGG_MAX,
	AGG_STATS,
	AGG_HIST,  /* agg_args[0] = bits (0..5), log2 buckets */
	AGG_LHIST, /* agg_args[] = min, max, step */
};

enum stack_mode {
	STACK_MODE_BPFTRACE = 0,
	STACK_MODE_PERF,
	STACK_MODE_RAW,
};

/*
 * Kernel data through BTF: an 8-byte TYPE_INT that is also the address
 * of a struct (btf_id, its BTF type id), so member access can follow it.
 */
enum btf_ref {
	BTF_REF_NONE = 0,
	BTF_REF_PTR,   /* a pointer to the struct: x->member */
	BTF_REF_REC,   /* the struct held by value (its address): x.member */
	BTF_REF_ARRAY, /* an array member (its address): x->arr[i] only */
};

struct type {
	enum type_kind kind;
	uint32_t size;	/* bytes: INT 1/2/4/8, STRING buffer, others 8 */
	bool is_signed; /* TYPE_INT */
	enum btf_ref btf;
	uint32_t btf_id;
	enum agg_kind agg;
	int64_t agg_args[3];
	enum stack_mode stack_mode;
	uint32_t stack_depth;
};

/* ---- probes ---------------------------------------------------------- */

enum probe_type {
	PROBE_BEGIN = 1,
	PROBE_END,
	PROBE_KPROBE,
	PROBE_KRETPROBE,
	PROBE_UPROBE,
	PROBE_URETPROBE,
	PROBE_TRACEPOINT,
	PROBE_RAWTRACEPOINT,
	PROBE_USDT,
	PROBE_INTERVAL,
	PROBE_PROFILE,
};

enum probe_unit {
	PROBE_UNIT_NONE = 0,
	PROBE_UNIT_S,
	PROBE_UNIT_MS,
	PROBE_UNIT_US,
	PROBE_UNIT_HZ,
};

/*
 * One probe spec, split into fields (passes/probe_specs.c):
 *
 *   BEGIN, END                      no fields
 *   kprobe:[module:]func[+off]      target = module or NULL, name = func
 *   kretprobe:[module:]func         target = module or NULL, name = func
 *   uprobe:path:sym[+off]           target = path, name = sym
 *   uretprobe:path:sym              target = path, name = sym
 *   tracepoint:category:event       target = category, name = event
 *   rawtracepoint:[module:]event    target = module or NULL, name = event
 *   usdt:path:[provider:]probe      target = path, provider, name = probe
 *   interval:unit:N                 unit (s/ms/us/hz), value = N
 *   profile:unit:N                  unit (hz/s/ms/us), value = N
 *
 * Short aliases (k, kr, u, ur, t, rt, U, i, p) give the same type.
 * wildcard is set when target, provider or name contain '*' or '?': the
 * names are patterns for a later resolution pass.
 */
/*
 * A USDT probe site a usdt spec matched (passes/usdt_sites.c): where the
 * uprobe goes and how its arguments are read. Strings in the arena.
 */
struct usdt_site {
	const char *provider;
	const char *name;
	const char *args; /* the argument string as written */
	uint64_t pc;	  /* its link-time address */
	uint64_t pc_off;  /* the uprobe's file offset */
	uint64_t sem_off; /* the semaphore's file offset (ref_ctr_offset) */
	bool pie;	  /* the file is position-independent (ET_DYN) */
	uint32_t argc;
	struct fathom_usdt_arg argv[FATHOM_USDT_MAX_ARGS];
};

struct probe_spec {
	enum probe_type type;
	const char *raw; /* the spec as written */
	const char *target;
	const char *provider;
	const char *name;
	bool has_offset;
	uint64_t offset;
	enum probe_unit unit;
	uint64_t value;
	bool wildcard;
	struct src_loc loc;
	/* usdt, after the usdt pass: the file and the sites, in note order */
	const char *usdt_path;
	struct usdt_site *sites;
	uint32_t nsites;
};

/* ---- nodes ----------------------------------------------------------- */

enum ast_kind {
	/* expressions */
	AST_INT = 1,	/* u.int_val */
	AST_STR,	/* u.str: decoded bytes, no NUL inside */
	AST_BUILTIN,	/* u.builtin */
	AST_VAR,	/* $x: u.var */
	AST_MAP,	/* @x, @x[k...], @: u.map */
	AST_UNOP,	/* u.unop */
	AST_BINOP,	/* u.binop, including && and || (short-circuit) */
	AST_TERNARY,	/* u.ternary */
	AST_CALL,	/* u.call */
	AST_FIELD,	/* args.f, args->f: u.field */
	AST_CAST,	/* (int32)e: u.cast, target type in node->type */
	AST_INCDEC,	/* ++x, x--: u.incdec (value is the expression's) */
	AST_POSITIONAL, /* $1..$N, $#: u.positional; the semantic pass
			 * replaces it by an AST_INT or an AST_STR */
	AST_INDEX,	/* x->array[i]: u.subscript */
	/* statements */
	AST_EXPR_STMT, /* u.expr_stmt */
	AST_ASSIGN,    /* u.assign: $x = e, @m[k] op= e */
	AST_IF,	       /* u.if_ */
	AST_UNROLL,    /* u.unroll */
	AST_RETURN,    /* no fields */
};

enum ast_op {
	OP_NONE = 0, /* plain '=' in AST_ASSIGN */
	/* binary */
	OP_ADD,
	OP_SUB,
	OP_MUL,
	OP_DIV,
	OP_MOD,
	OP_BAND,
	OP_BOR,
	OP_BXOR,
	OP_SHL,
	OP_SHR,
	OP_EQ,
	OP_NE,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_LAND,
	OP_LOR,
	/* unary */
	OP_NEG,
	OP_LNOT,
	OP_BNOT,
};

enum builtin {
	BI_PID = 1,
	BI_TID,
	BI_UID,
	BI_GID,
	BI_CPU,
	BI_COMM,
	BI_NSECS,
	BI_ELAPSED,
	BI_CGROUP,
	BI_CPID,
	BI_PROBE,
	BI_FUNC,
	BI_ARG, /* arg0..arg9: u.builtin.index */
	BI_RETVAL,
	BI_ARGS,
	BI_CURTASK,
	BI_KSTACK, /* bare kstack: default mode and depth */
	BI_USTACK,
};

enum func {
	FN_COUNT = 1,
	FN_SUM,
	FN_AVG,
	FN_MIN,
	FN_MAX,
	FN_STATS,
	FN_HIST,
	FN_LHIST,
	FN_STR,
	FN_KSYM,
	FN_USYM,
	FN_KADDR,
	FN_UADDR,
	FN_KSTACK,
	FN_USTACK,
	FN_PRINT,
	FN_PRINTF,
	FN_CLEAR,
	FN_ZERO,
	FN_DELETE,
	FN_EXIT,
	FN_TIME,
};

/*
 * A tracepoint field, as the tracepoint-format pass found it in tracefs
 * (passes/tp_format.c): where args.NAME is in the event record.
 */
enum field_kind {
	FIELD_NONE = 0,
	FIELD_INT,	/* integer of size 1, 2, 4 or 8 bytes */
	FIELD_PTR,	/* a pointer: 8-byte address; user memory when user */
	FIELD_CHARS,	/* char name[size]: a string */
	FIELD_DATA_LOC, /* __data_loc char[]: u32 (len << 16 | offset) */
	/* a struct member through BTF, at base + offset in kernel memory: */
	FIELD_KMEM_INT,	  /* an integer or pointer of size bytes, read */
	FIELD_KMEM_REC,	  /* a struct by value: its address, nothing read */
	FIELD_KMEM_CHARS, /* a char array: read as a string of size bytes */
	FIELD_KMEM_ARRAY, /* another array: only its elements are values */
};

struct field_info {
	enum field_kind kind;
	uint32_t offset;
	uint32_t size; /* bytes in the record */
	bool is_signed;
	bool user; /* FIELD_PTR: a user-space pointer (syscalls:*) */
	/* KMEM_CHARS, KMEM_ARRAY: the array's BTF type and length */
	uint32_t array_id;
	uint32_t nelems;
};

struct ast_node;

struct ast_list {
	struct ast_node **items;
	uint32_t n;
	uint32_t cap;
};

struct var_sym {
	const char *name; /* with the '$' */
	uint32_t id;	  /* index in ast_probe.vars */
	struct type type;
	struct src_loc first; /* first assignment */
};

/*
 * A map. nkeys is 0 for "@x" and "@"; keys[] are the key types. value is
 * TYPE_AGG for aggregations (agg says which), else TYPE_INT, TYPE_STRING,
 * a stack, a symbol or TYPE_PROBE. key_loc/value_loc point at the first
 * use that fixed them, for "first assigned here" notes.
 */
struct map_sym {
	const char *name; /* with the '@'; "@" for the anonymous map */
	uint32_t id;	  /* index in ast_program.maps */
	bool keys_known;
	uint32_t nkeys;
	struct type keys[AST_MAX_KEYS];
	struct type value;
	struct src_loc key_loc;
	struct src_loc value_loc;
	bool assigned; /* written somewhere */
	bool read;     /* its value read in an expression */
	/* Value type found by the silent inference rounds (semantic.c). */
	struct type inferred;
};

struct ast_node {
	enum ast_kind kind;
	struct src_loc loc;
	struct type type;
	union {
		uint64_t int_val; /* two's complement bits */
		struct {
			char *s;
			uint32_t len;
		} str;
		struct {
			enum builtin id;
			uint32_t index; /* BI_ARG */
		} builtin;
		struct {
			const char *name;
			struct var_sym *sym;
		} var;
		struct {
			const char *name;
			struct map_sym *sym;
			struct ast_list keys; /* n == 0: no [] */
		} map;
		struct {
			enum ast_op op;
			struct ast_node *operand;
		} unop;
		struct {
			enum ast_op op;
			struct ast_node *lhs;
			struct ast_node *rhs;
		} binop;
		struct {
			struct ast_node *cond;
			struct ast_node *then;
			struct ast_node *els;
		} ternary;
		struct {
			enum func id;
			const char *name;
			struct ast_list args;
			/*
			 * kaddr(), uaddr() after the semantic pass: the
			 * symbol's address; for uaddr() in a position-
			 * independent file (pie), its link-time address,
			 * and site the link-time address of the probe it
			 * is in (for a usdt probe, each site's pc): the
			 * program adds the load bias, ip - site.
			 */
			bool resolved;
			bool pie;
			uint64_t addr;
			uint64_t site;
		} call;
		struct {
			struct ast_node *base; /* 'args', or a BTF struct ref */
			const char *name;
			bool arrow;		/* written args->name */
			struct field_info info; /* after the semantic pass */
		} field;
		struct {
			uint32_t index; /* $1 is 1 */
			bool count;	/* $# */
		} positional;
		struct {
			struct ast_node *base; /* a KMEM_ARRAY or CHARS field */
			struct ast_node *index; /* an integer */
			struct field_info info; /* the element, read as a
						 * member at base + index *
						 * info.size */
		} subscript;
		struct {
			struct ast_node *operand;
			struct src_loc type_loc;
			const char *struct_name; /* (struct NAME *)e */
		} cast;
		struct {
			struct ast_node *target; /* AST_VAR or AST_MAP */
			bool inc;
			bool prefix;
		} incdec;
		struct {
			struct ast_node *expr;
		} expr_stmt;
		struct {
			enum ast_op op; /* OP_NONE for '=', else OP_ADD... */
			struct ast_node *target; /* AST_VAR or AST_MAP */
			struct ast_node *value;
		} assign;
		struct {
			struct ast_node *cond;
			struct ast_list then;
			struct ast_list els; /* else if: one AST_IF */
			bool has_else;
		} if_;
		struct {
			struct ast_node *count;
			uint32_t n; /* after the semantic pass: 1..100 */
			struct ast_list body;
		} unroll;
	} u;
};

struct ast_probe {
	uint32_t index;
	struct src_loc loc;
	struct probe_spec *specs;
	uint32_t nspecs;
	struct ast_node *pred; /* or NULL */
	struct ast_list body;
	struct var_sym **vars;
	uint32_t nvars;
	uint32_t vars_cap;
};

struct ast_program {
	struct ast_probe **probes;
	uint32_t nprobes;
	uint32_t probes_cap;
	struct map_sym **maps;
	uint32_t nmaps;
	uint32_t maps_cap;
};

/* ---- the script ------------------------------------------------------ */

struct ast_arena_chunk;

struct ast_arena {
	struct ast_arena_chunk *head;
	size_t used; /* in head */
	size_t cap;  /* of head */
	bool failed; /* an allocation failed: the tree is incomplete */
};

struct fathom_btf;

struct fathom_script {
	char *name; /* file name for messages */
	char *text; /* NUL-terminated copy of the source */
	size_t len;
	struct ast_arena arena;
	struct ast_program prog;
	bool parsed_ok;
	bool checked_ok;
	/* fathom_script_set_opts(); strings in the arena */
	const char *tracefs;	/* NULL: the default (compiler.h) */
	const char *btf_path;	/* NULL: $FATHOM_BTF, else the kernel's */
	const char *kallsyms;	/* kaddr()'s symbols; NULL: the default */
	struct fathom_btf *btf; /* loaded when the script needs it */
	bool btf_tried;
	int btf_err;
	char btf_msg[256];
	uint32_t nparams;
	const char **params;   /* $1 is params[0] */
	uint32_t map_keys_max; /* 0: FATHOM_CG_MAX_ENTRIES */
};

/* ---- helpers for passes ---------------------------------------------- */

void *ast_alloc(struct ast_arena *a, size_t size);
char *ast_strndup(struct ast_arena *a, const char *s, size_t n);
void ast_arena_free(struct ast_arena *a);

struct ast_node *ast_new(struct fathom_script *s, enum ast_kind kind,
			 struct src_loc loc);
int ast_list_push(struct fathom_script *s, struct ast_list *l,
		  struct ast_node *n);

/* Find or create the map or variable called @name. NULL: out of memory. */
struct map_sym *ast_map_get(struct fathom_script *s, const char *name);
struct var_sym *ast_var_get(struct fathom_script *s, struct ast_probe *p,
			    const char *name);

const char *ast_kind_name(enum ast_kind k);
const char *ast_op_name(enum ast_op op);
const char *ast_builtin_name(enum builtin b);
const char *ast_func_name(enum func f);
const char *probe_type_name(enum probe_type t);
const char *agg_name(enum agg_kind k);

/* "int64", "string[16]", "count", "kstack(perf, 10)", ... into @buf. */
const char *type_str(const struct type *t, char *buf, size_t size);
bool type_equal(const struct type *a, const struct type *b);
static inline struct type type_int(uint32_t size, bool is_signed)
{
	struct type t = { .kind = TYPE_INT,
			  .size = size,
			  .is_signed = is_signed };
	return t;
}

/* The AST printer: one node per line, two spaces per level, types shown
 * once the semantic pass has run. */
void ast_dump(const struct fathom_script *s, FILE *out);

#endif /* _FATHOM_USER_AST_H */
