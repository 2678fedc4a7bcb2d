// SPDX-License-Identifier: GPL-2.0-only
/*
 * AST storage (an arena per script), symbol tables, names and the AST
 * printer used by "fathom -d".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "compiler.h"
#include "../lib/btf.h"

struct ast_arena_chunk {
	struct ast_arena_chunk *next;
	max_align_t data[];
};

#define ARENA_CHUNK 16384

void *ast_alloc(struct ast_arena *a, size_t size)
{
	size_t align = sizeof(max_align_t);
	void *p;

	size = (size + align - 1) & ~(align - 1);
	if (!a->head || a->used + size > a->cap) {
		size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;
		struct ast_arena_chunk *c = malloc(sizeof(*c) + cap);

		if (!c) {
			a->failed = true;
			return NULL;
		}
		c->next = a->head;
		a->head = c;
		a->used = 0;
		a->cap = cap;
	}
	p = (char *)a->head->data + a->used;
	a->used += size;
	memset(p, 0, size);
	return p;
}

char *ast_strndup(struct ast_arena *a, const char *s, size_t n)
{
	char *p = ast_alloc(a, n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void ast_arena_free(struct ast_arena *a)
{
	struct ast_arena_chunk *c = a->head, *next;

	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
	a->used = a->cap = 0;
}

struct ast_node *ast_new(struct fathom_script *s, enum ast_kind kind,
			 struct src_loc loc)
{
	struct ast_node *n = ast_alloc(&s->arena, sizeof(*n));

	if (!n)
		return NULL;
	n->kind = kind;
	n->loc = loc;
	return n;
}

/* Grow an arena array of pointers; the old block is simply abandoned. */
static int grow(struct fathom_script *s, void ***items, uint32_t *cap,
		uint32_t n)
{
	uint32_t ncap;
	void **nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 4;
	nv = ast_alloc(&s->arena, ncap * sizeof(void *));
	if (!nv)
		return -ENOMEM;
	if (n)
		memcpy(nv, *items, n * sizeof(void *));
	*items = nv;
	*cap = ncap;
	return 0;
}

int ast_list_push(struct fathom_script *s, struct ast_list *l,
		  struct ast_node *n)
{
	if (!n)
		return -ENOMEM;
	if (grow(s, (void ***)&l->items, &l->cap, l->n))
		return -ENOMEM;
	l->items[l->n++] = n;
	return 0;
}

struct map_sym *ast_map_get(struct fathom_script *s, const char *name)
{
	struct ast_program *p = &s->prog;
	struct map_sym *m;
	uint32_t i;

	for (i = 0; i < p->nmaps; i++)
		if (!strcmp(p->maps[i]->name, name))
			return p->maps[i];
	if (grow(s, (void ***)&p->maps, &p->maps_cap, p->nmaps))
		return NULL;
	m = ast_alloc(&s->arena, sizeof(*m));
	if (!m)
		return NULL;
	m->name = ast_strndup(&s->arena, name, strlen(name));
	if (!m->name)
		return NULL;
	m->id = p->nmaps;
	p->maps[p->nmaps++] = m;
	return m;
}

struct var_sym *ast_var_get(struct fathom_script *s, struct ast_probe *p,
			    const char *name)
{
	struct var_sym *v;
	uint32_t i;

	for (i = 0; i < p->nvars; i++)
		if (!strcmp(p->vars[i]->name, name))
			return p->vars[i];
	if (grow(s, (void ***)&p->vars, &p->vars_cap, p->nvars))
		return NULL;
	v = ast_alloc(&s->arena, sizeof(*v));
	if (!v)
		return NULL;
	v->name = ast_strndup(&s->arena, name, strlen(name));
	if (!v->name)
		return NULL;
	v->id = p->nvars;
	p->vars[p->nvars++] = v;
	return v;
}

void fathom_script_free(struct fathom_script *s)
{
	if (!s)
		return;
	fathom_btf_free(s->btf);
	ast_arena_free(&s->arena);
	free(s->name);
	free(s->text);
	free(s);
}

/* ---- names ----------------------------------------------------------- */

#define NAME(tab, i) \
	((size_t)(i) < sizeof(tab) / sizeof(tab[0]) && tab[i] ? tab[i] : "?")

const char *ast_kind_name(enum ast_kind k)
{
	static const char *const names[] = {
		[AST_INT] = "int",
		[AST_STR] = "string",
		[AST_BUILTIN] = "builtin",
		[AST_VAR] = "var",
		[AST_MAP] = "map",
		[AST_UNOP] = "unop",
		[AST_BINOP] = "binop",
		[AST_TERNARY] = "ternary",
		[AST_CALL] = "call",
		[AST_FIELD] = "field",
		[AST_CAST] = "cast",
		[AST_INCDEC] = "incdec",
		[AST_POSITIONAL] = "positional",
		[AST_INDEX] = "index",
		[AST_EXPR_STMT] = "expr",
		[AST_ASSIGN] = "assign",
		[AST_IF] = "if",
		[AST_UNROLL] = "unroll",
		[AST_RETURN] = "return",
	};
	return NAME(names, k);
}

const char *ast_op_name(enum ast_op op)
{
	static const char *const names[] = {
		[OP_NONE] = "=", [OP_ADD] = "+",  [OP_SUB] = "-",
		[OP_MUL] = "*",	 [OP_DIV] = "/",  [OP_MOD] = "%",
		[OP_BAND] = "&", [OP_BOR] = "|",  [OP_BXOR] = "^",
		[OP_SHL] = "<<", [OP_SHR] = ">>", [OP_EQ] = "==",
		[OP_NE] = "!=",	 [OP_LT] = "<",	  [OP_LE] = "<=",
		[OP_GT] = ">",	 [OP_GE] = ">=",  [OP_LAND] = "&&",
		[OP_LOR] = "||", [OP_NEG] = "-",  [OP_LNOT] = "!",
		[OP_BNOT] = "~",
	};
	return NAME(names, op);
}

const char *ast_builtin_name(enum builtin b)
{
	static const char *const names[] = {
		[BI_PID] = "pid",	[BI_TID] = "tid",
		[BI_UID] = "uid",	[BI_GID] = "gid",
		[BI_CPU] = "cpu",	[BI_COMM] = "comm",
		[BI_NSECS] = "nsecs",	[BI_ELAPSED] = "elapsed",
		[BI_CGROUP] = "cgroup", [BI_CPID] = "cpid",
		[BI_PROBE] = "probe",	[BI_FUNC] = "func",
		[BI_ARG] = "arg",	[BI_RETVAL] = "retval",
		[BI_ARGS] = "args",	[BI_CURTASK] = "curtask",
		[BI_KSTACK] = "kstack", [BI_USTACK] = "ustack",
	};
	return NAME(names, b);
}

const char *ast_func_name(enum func f)
{
	static const char *const names[] = {
		[FN_COUNT] = "count",	[FN_SUM] = "sum",
		[FN_AVG] = "avg",	[FN_MIN] = "min",
		[FN_MAX] = "max",	[FN_STATS] = "stats",
		[FN_HIST] = "hist",	[FN_LHIST] = "lhist",
		[FN_STR] = "str",	[FN_KSYM] = "ksym",
		[FN_USYM] = "usym",	[FN_KADDR] = "kaddr",
		[FN_UADDR] = "uaddr",	[FN_KSTACK] = "kstack",
		[FN_USTACK] = "ustack", [FN_PRINT] = "print",
		[FN_PRINTF] = "printf", [FN_CLEAR] = "clear",
		[FN_ZERO] = "zero",	[FN_DELETE] = "delete",
		[FN_EXIT] = "exit",	[FN_TIME] = "time",
	};
	return NAME(names, f);
}

const char *probe_type_name(enum probe_type t)
{
	static const char *const names[] = {
		[PROBE_BEGIN] = "BEGIN",
		[PROBE_END] = "END",
		[PROBE_KPROBE] = "kprobe",
		[PROBE_KRETPROBE] = "kretprobe",
		[PROBE_UPROBE] = "uprobe",
		[PROBE_URETPROBE] = "uretprobe",
		[PROBE_TRACEPOINT] = "tracepoint",
		[PROBE_RAWTRACEPOINT] = "rawtracepoint",
		[PROBE_USDT] = "usdt",
		[PROBE_INTERVAL] = "interval",
		[PROBE_PROFILE] = "profile",
	};
	return NAME(names, t);
}

const char *agg_name(enum agg_kind k)
{
	static const char *const names[] = {
		[AGG_NONE] = "none",   [AGG_COUNT] = "count",
		[AGG_SUM] = "sum",     [AGG_AVG] = "avg",
		[AGG_MIN] = "min",     [AGG_MAX] = "max",
		[AGG_STATS] = "stats", [AGG_HIST] = "hist",
		[AGG_LHIST] = "lhist",
	};
	return NAME(names, k);
}

static const char *stack_mode_name(enum stack_mode m)
{
	static const char *const names[] = {
		[STACK_MODE_BPFTRACE] = "bpftrace",
		[STACK_MODE_PERF] = "perf",
		[STACK_MODE_RAW] = "raw",
	};
	return NAME(names, m);
}

const char *type_str(const struct type *t, char *buf, size_t size)
{
	switch (t->kind) {
	case TYPE_NONE:
		snprintf(buf, size, "none");
		break;
	case TYPE_VOID:
		snprintf(buf, size, "void");
		break;
	case TYPE_INT:
		snprintf(buf, size, "%sint%u", t->is_signed ? "" : "u",
			 t->size * 8);
		break;
	case TYPE_STRING:
		snprintf(buf, size, "string[%u]", t->size);
		break;
	case TYPE_KSTACK:
	case TYPE_USTACK:
		snprintf(buf, size, "%s(%s, %u)",
			 t->kind == TYPE_KSTACK ? "kstack" : "ustack",
			 stack_mode_name(t->stack_mode), t->stack_depth);
		break;
	case TYPE_KSYM:
		snprintf(buf, size, "ksym");
		break;
	case TYPE_USYM:
		snprintf(buf, size, "usym");
		break;
	case TYPE_PROBE:
		snprintf(buf, size, "probe");
		break;
	case TYPE_FUNC:
		snprintf(buf, size, "func");
		break;
	case TYPE_ARGS:
		snprintf(buf, size, "args");
		break;
	case TYPE_FIELD:
		snprintf(buf, size, "field (unresolved)");
		break;
	case TYPE_AGG:
		if (t->agg == AGG_LHIST)
			snprintf(buf, size,
				 "lhist(%" PRId64 ", %" PRId64 ", %" PRId64 ")",
				 t->agg_args[0], t->agg_args[1],
				 t->agg_args[2]);
		else
			snprintf(buf, size, "%s", agg_name(t->agg));
		break;
	default:
		snprintf(buf, size, "?");
	}
	return buf;
}

bool type_equal(const struct type *a, const struct type *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case TYPE_KSTACK:
	case TYPE_USTACK:
		return a->stack_mode == b->stack_mode &&
		       a->stack_depth == b->stack_depth;
	case TYPE_AGG:
		return a->agg == b->agg &&
		       !memcmp(a->agg_args, b->agg_args, sizeof(a->agg_args));
	default:
		/* Integers of any width, strings of any size. */
		return true;
	}
}

/* ---- the printer ----------------------------------------------------- */

static void indent(FILE *out, int depth)
{
	fprintf(out, "%*s", depth * 2, "");
}

static void dump_node(const struct ast_node *n, FILE *out, int depth,
		      bool types);

static void dump_list(const struct ast_list *l, FILE *out, int depth,
		      bool types)
{
	uint32_t i;

	for (i = 0; i < l->n; i++)
		dump_node(l->items[i], out, depth, types);
}

static void dump_str(const char *s, uint32_t len, FILE *out)
{
	uint32_t i;

	fputc('"', out);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 32 || c >= 127)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void dump_node(const struct ast_node *n, FILE *out, int depth,
		      bool types)
{
	char tb[64];

	indent(out, depth);
	switch (n->kind) {
	case AST_INT:
		if (n->type.kind == TYPE_INT && !n->type.is_signed)
			fprintf(out, "int %" PRIu64, n->u.int_val);
		else
			fprintf(out, "int %" PRId64, (int64_t)n->u.int_val);
		break;
	case AST_STR:
		fputs("string ", out);
		dump_str(n->u.str.s, n->u.str.len, out);
		break;
	case AST_BUILTIN:
		if (n->u.builtin.id == BI_ARG)
			fprintf(out, "builtin arg%u", n->u.builtin.index);
		else
			fprintf(out, "builtin %s",
				ast_builtin_name(n->u.builtin.id));
		break;
	case AST_VAR:
		fprintf(out, "var %s", n->u.var.name);
		break;
	case AST_MAP:
		fprintf(out, "map %s", n->u.map.name);
		break;
	case AST_UNOP:
	case AST_BINOP:
		fprintf(out, "%s %s", ast_kind_name(n->kind),
			ast_op_name(n->kind == AST_UNOP ? n->u.unop.op
							: n->u.binop.op));
		break;
	case AST_CALL:
		fprintf(out, "call %s", n->u.call.name);
		break;
	case AST_FIELD:
		fprintf(out, "field %s%s", n->u.field.arrow ? "->" : ".",
			n->u.field.name);
		break;
	case AST_INCDEC:
		fprintf(out, "%s %s", n->u.incdec.prefix ? "prefix" : "postfix",
			n->u.incdec.inc ? "++" : "--");
		break;
	case AST_POSITIONAL:
		if (n->u.positional.count)
			fprintf(out, "positional $#");
		else
			fprintf(out, "positional $%u", n->u.positional.index);
		break;
	case AST_ASSIGN:
		fprintf(out, "assign %s%s",
			n->u.assign.op ? ast_op_name(n->u.assign.op) : "", "=");
		break;
	case AST_UNROLL:
		fprintf(out, "unroll");
		if (n->u.unroll.n)
			fprintf(out, " %u", n->u.unroll.n);
		break;
	default:
		fputs(ast_kind_name(n->kind), out);
	}
	if (types && n->kind < AST_EXPR_STMT && n->type.kind != TYPE_NONE)
		fprintf(out, " :: %s", type_str(&n->type, tb, sizeof(tb)));
	fputc('\n', out);

	depth++;
	switch (n->kind) {
	case AST_MAP:
		dump_list(&n->u.map.keys, out, depth, types);
		break;
	case AST_UNOP:
		dump_node(n->u.unop.operand, out, depth, types);
		break;
	case AST_BINOP:
		dump_node(n->u.binop.lhs, out, depth, types);
		dump_node(n->u.binop.rhs, out, depth, types);
		break;
	case AST_TERNARY:
		dump_node(n->u.ternary.cond, out, depth, types);
		dump_node(n->u.ternary.then, out, depth, types);
		dump_node(n->u.ternary.els, out, depth, types);
		break;
	case AST_CALL:
		dump_list(&n->u.call.args, out, depth, types);
		break;
	case AST_FIELD:
		dump_node(n->u.field.base, out, depth, types);
		break;
	case AST_CAST:
		dump_node(n->u.cast.operand, out, depth, types);
		break;
	case AST_INDEX:
		dump_node(n->u.subscript.base, out, depth, types);
		dump_node(n->u.subscript.index, out, depth, types);
		break;
	case AST_INCDEC:
		dump_node(n->u.incdec.target, out, depth, types);
		break;
	case AST_EXPR_STMT:
		dump_node(n->u.expr_stmt.expr, out, depth, types);
		break;
	case AST_ASSIGN:
		dump_node(n->u.assign.target, out, depth, types);
		dump_node(n->u.assign.value, out, depth, types);
		break;
	case AST_IF:
		dump_node(n->u.if_.cond, out, depth, types);
		indent(out, depth);
		fputs("then\n", out);
		dump_list(&n->u.if_.then, out, depth + 1, types);
		if (n->u.if_.has_else) {
			indent(out, depth);
			fputs("else\n", out);
			dump_list(&n->u.if_.els, out, depth + 1, types);
		}
		break;
	case AST_UNROLL:
		if (!n->u.unroll.n)
			dump_node(n->u.unroll.count, out, depth, types);
		dump_list(&n->u.unroll.body, out, depth, types);
		break;
	default:
		break;
	}
}

static void dump_spec(const struct probe_spec *sp, FILE *out)
{
	fprintf(out, "    spec %s", probe_type_name(sp->type));
	if (sp->target)
		fprintf(out, " target=%s", sp->target);
	if (sp->provider)
		fprintf(out, " provider=%s", sp->provider);
	if (sp->name)
		fprintf(out, " name=%s", sp->name);
	if (sp->has_offset)
		fprintf(out, " offset=%" PRIu64, sp->offset);
	if (sp->unit) {
		static const char *const units[] = { "", "s", "ms", "us",
						     "hz" };
		fprintf(out, " %s=%" PRIu64, units[sp->unit], sp->value);
	}
	if (sp->wildcard)
		fputs(" wildcard", out);
	fputc('\n', out);
}

void ast_dump(const struct fathom_script *s, FILE *out)
{
	const struct ast_program *p = &s->prog;
	bool types = s->checked_ok;
	char tb[64];
	uint32_t i, j;

	fputs("program\n", out);
	for (i = 0; i < p->nmaps && types; i++) {
		const struct map_sym *m = p->maps[i];

		fprintf(out, "  map %s [", m->name);
		for (j = 0; j < m->nkeys; j++)
			fprintf(out, "%s%s", j ? ", " : "",
				type_str(&m->keys[j], tb, sizeof(tb)));
		fprintf(out, "] -> %s\n", type_str(&m->value, tb, sizeof(tb)));
	}
	for (i = 0; i < p->nprobes; i++) {
		const struct ast_probe *pr = p->probes[i];

		fprintf(out, "  probe");
		for (j = 0; j < pr->nspecs; j++)
			fprintf(out, "%s%s", j ? ", " : " ", pr->specs[j].raw);
		fputc('\n', out);
		for (j = 0; j < pr->nspecs; j++)
			dump_spec(&pr->specs[j], out);
		for (j = 0; j < pr->nvars && types; j++)
			fprintf(out, "    var %s :: %s\n", pr->vars[j]->name,
				type_str(&pr->vars[j]->type, tb, sizeof(tb)));
		if (pr->pred) {
			fputs("    predicate\n", out);
			dump_node(pr->pred, out, 3, types);
		}
		fputs("    body\n", out);
		dump_list(&pr->body, out, 3, types);
	}
}

void fathom_script_dump(const struct fathom_script *s, FILE *out)
{
	ast_dump(s, out);
}
