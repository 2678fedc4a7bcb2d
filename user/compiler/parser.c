// SPDX-License-Identifier: GPL-2.0-only
/*
 * Recursive-descent parser for the bpftrace language.
 *
 *   program    := probe* EOF
 *   probe      := spec (',' spec)* ['/' expr '/'] block
 *   block      := '{' (stmt (';' | <after a block>))* '}'
 *   stmt       := 'if' '(' expr ')' block ['else' (if | block)]
 *               | 'unroll' '(' expr ')' block | 'return'
 *               | lvalue assign-op expr | expr
 *   expr       := C precedence from ?: down to unary, casts and postfix
 *
 * Inside a predicate a top-level '/' ends the predicate; division there
 * needs parentheses, as in bpftrace.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "lexer.h"
#include "parser.h"
#include "passes/probe_specs.h"

struct parser {
	struct fathom_script *s;
	struct diag_sink *d;
	struct lexer lx;
	struct token cur;
	uint32_t prev_end; /* offset just past the last consumed token */
	bool in_pred;	   /* a bare '/' ends the expression */
	int depth;
	bool oom;
};

/* ---- names ----------------------------------------------------------- */

struct name_id {
	const char *name;
	int id;
};

static const struct name_id builtins[] = {
	{ "pid", BI_PID },	   { "tid", BI_TID },
	{ "uid", BI_UID },	   { "gid", BI_GID },
	{ "cpu", BI_CPU },	   { "comm", BI_COMM },
	{ "nsecs", BI_NSECS },	   { "elapsed", BI_ELAPSED },
	{ "cgroup", BI_CGROUP },   { "cpid", BI_CPID },
	{ "probe", BI_PROBE },	   { "func", BI_FUNC },
	{ "retval", BI_RETVAL },   { "args", BI_ARGS },
	{ "curtask", BI_CURTASK }, { "kstack", BI_KSTACK },
	{ "ustack", BI_USTACK },
};

static const struct name_id funcs[] = {
	{ "count", FN_COUNT }, { "sum", FN_SUM },	{ "avg", FN_AVG },
	{ "min", FN_MIN },     { "max", FN_MAX },	{ "stats", FN_STATS },
	{ "hist", FN_HIST },   { "lhist", FN_LHIST },	{ "str", FN_STR },
	{ "ksym", FN_KSYM },   { "usym", FN_USYM },	{ "kaddr", FN_KADDR },
	{ "uaddr", FN_UADDR }, { "kstack", FN_KSTACK }, { "ustack", FN_USTACK },
	{ "print", FN_PRINT }, { "printf", FN_PRINTF }, { "clear", FN_CLEAR },
	{ "zero", FN_ZERO },   { "delete", FN_DELETE }, { "exit", FN_EXIT },
	{ "time", FN_TIME },
};

/* bpftrace functions and builtins fathom does not have (yet). */
static const char *const unsupported_funcs[] = {
	"cat",	    "system",	   "ntop",     "join",	    "buf",
	"reg",	    "signal",	   "override", "sizeof",    "offsetof",
	"strncmp",  "strcontains", "kptr",     "uptr",	    "macaddr",
	"cgroupid", "path",	   "strftime", "printv",    "errorf",
	"warnf",    "cgroup_path", "bswap",    "skboutput", "pton",
	"unwatch",  "debugf",	   "nsecs",    "len",	    "has_key",
};

static const char *const unsupported_builtins[] = {
	"rand",	    "username", "jiffies", "ctx",   "numaid", "pcomm",
	"usermode", "sarg0",	"sarg1",   "sarg2", "ncpus",  "__builtin_ncpus",
};

static int lookup(const struct name_id *tab, size_t n, const char *name,
		  size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(tab[i].name) == len &&
		    !memcmp(tab[i].name, name, len))
			return tab[i].id;
	return 0;
}

int builtin_lookup(const char *name, size_t len, uint32_t *arg_index)
{
	if (len == 4 && !memcmp(name, "arg", 3) && name[3] >= '0' &&
	    name[3] <= '9') {
		*arg_index = (uint32_t)(name[3] - '0');
		return BI_ARG;
	}
	return lookup(builtins, sizeof(builtins) / sizeof(builtins[0]), name,
		      len);
}

int func_lookup(const char *name, size_t len)
{
	return lookup(funcs, sizeof(funcs) / sizeof(funcs[0]), name, len);
}

static bool in_list(const char *const *l, size_t n, const char *name,
		    size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(l[i]) == len && !memcmp(l[i], name, len))
			return true;
	return false;
}

static bool is_keyword(const struct token *t, const char *kw)
{
	size_t n = strlen(kw);

	return t->kind == TOK_IDENT && t->loc.len == n &&
	       !memcmp(t->text, kw, n);
}

/* ---- token handling -------------------------------------------------- */

static void report_lex_error(struct parser *p)
{
	diag_error(p->d, p->cur.eloc, "%s", p->cur.err);
}

static void next(struct parser *p)
{
	p->prev_end = p->cur.loc.off + p->cur.loc.len;
	lex_next(&p->lx, &p->cur);
	if (p->cur.kind == TOK_ERROR)
		report_lex_error(p);
}

static bool accept(struct parser *p, enum tok_kind k)
{
	if (p->cur.kind != k)
		return false;
	next(p);
	return true;
}

static char *tok_str(struct parser *p, const struct token *t)
{
	char *s = ast_strndup(&p->s->arena, t->text, t->loc.len);

	if (!s)
		p->oom = true;
	return s;
}

/* Report "expected X" at the current token, unless the lexer already
 * reported it as invalid. */
static void expected(struct parser *p, const char *what)
{
	if (p->cur.kind == TOK_ERROR)
		return;
	if (p->cur.kind == TOK_EOF)
		diag_error(p->d, p->cur.loc, "expected %s at end of input",
			   what);
	else
		diag_error(p->d, p->cur.loc, "expected %s, found '%.*s'", what,
			   (int)(p->cur.loc.len > 40 ? 40 : p->cur.loc.len),
			   p->cur.text);
}

static bool expect(struct parser *p, enum tok_kind k, const char *what)
{
	if (accept(p, k))
		return true;
	expected(p, what);
	return false;
}

static struct ast_node *node(struct parser *p, enum ast_kind k,
			     struct src_loc loc)
{
	struct ast_node *n = ast_new(p->s, k, loc);

	if (!n)
		p->oom = true;
	return n;
}

static bool push(struct parser *p, struct ast_list *l, struct ast_node *n)
{
	if (ast_list_push(p->s, l, n)) {
		p->oom = true;
		return false;
	}
	return true;
}

static struct src_loc span(struct src_loc a, struct ast_node *b)
{
	return diag_loc_span(a, b->loc);
}

static bool enter(struct parser *p)
{
	if (++p->depth > AST_MAX_DEPTH) {
		if (p->depth == AST_MAX_DEPTH + 1)
			diag_error(p->d, p->cur.loc,
				   "nesting is too deep (at most %d levels)",
				   AST_MAX_DEPTH);
		p->depth--;
		return false;
	}
	return true;
}

static void leave(struct parser *p)
{
	p->depth--;
}

/* ---- expressions ----------------------------------------------------- */

static struct ast_node *parse_expr(struct parser *p);
static struct ast_node *parse_unary(struct parser *p);

static bool parse_args(struct parser *p, struct ast_list *args,
		       enum tok_kind close, const char *what)
{
	bool saved = p->in_pred;

	p->in_pred = false;
	if (!accept(p, close)) {
		do {
			struct ast_node *e = parse_expr(p);

			if (!e || !push(p, args, e)) {
				p->in_pred = saved;
				return false;
			}
		} while (accept(p, TOK_COMMA));
		if (!expect(p, close, what)) {
			p->in_pred = saved;
			return false;
		}
	}
	p->in_pred = saved;
	return true;
}

static struct ast_node *parse_ident(struct parser *p)
{
	struct token t = p->cur;
	struct ast_node *n;
	uint32_t idx = 0;
	int id;

	next(p);
	if (p->cur.kind == TOK_LPAREN) {
		id = func_lookup(t.text, t.loc.len);
		if (!id) {
			const char *names[sizeof(funcs) / sizeof(funcs[0])];
			const char *best;
			char *name = tok_str(p, &t);
			size_t i;

			if (!name)
				return NULL;
			if (in_list(unsupported_funcs,
				    sizeof(unsupported_funcs) /
					    sizeof(unsupported_funcs[0]),
				    t.text, t.loc.len)) {
				diag_error(
					p->d, t.loc,
					"function '%s' is not supported by fathom yet",
					name);
				return NULL;
			}
			for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
				names[i] = funcs[i].name;
			best = diag_suggest(name, names, i);
			if (best)
				diag_error(
					p->d, t.loc,
					"unknown function '%s'; did you mean '%s'?",
					name, best);
			else
				diag_error(p->d, t.loc, "unknown function '%s'",
					   name);
			return NULL;
		}
		n = node(p, AST_CALL, t.loc);
		if (!n)
			return NULL;
		n->u.call.id = (enum func)id;
		n->u.call.name = ast_func_name((enum func)id);
		next(p);
		if ((id == FN_KSTACK || id == FN_USTACK) &&
		    (is_keyword(&p->cur, "perf") ||
		     is_keyword(&p->cur, "bpftrace") ||
		     is_keyword(&p->cur, "raw"))) {
			/* kstack(perf, 10): the mode is a bare word */
			struct ast_node *m = node(p, AST_STR, p->cur.loc);

			if (!m)
				return NULL;
			m->u.str.s = tok_str(p, &p->cur);
			m->u.str.len = p->cur.loc.len;
			if (!m->u.str.s || !push(p, &n->u.call.args, m))
				return NULL;
			next(p);
			if (!accept(p, TOK_COMMA)) {
				if (!expect(p, TOK_RPAREN,
					    "')' after the arguments"))
					return NULL;
				n->loc.len = p->prev_end - n->loc.off;
				return n;
			}
		}
		if (!parse_args(p, &n->u.call.args, TOK_RPAREN,
				"')' after the arguments"))
			return NULL;
		n->loc.len = p->prev_end - n->loc.off;
		return n;
	}
	id = builtin_lookup(t.text, t.loc.len, &idx);
	if (!id) {
		const char *names[sizeof(builtins) / sizeof(builtins[0]) + 1];
		const char *best;
		char *name = tok_str(p, &t);
		size_t i;

		if (!name)
			return NULL;
		if (in_list(unsupported_builtins,
			    sizeof(unsupported_builtins) /
				    sizeof(unsupported_builtins[0]),
			    t.text, t.loc.len)) {
			diag_error(
				p->d, t.loc,
				"builtin '%s' is not supported by fathom yet",
				name);
			return NULL;
		}
		for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
			names[i] = builtins[i].name;
		names[i++] = "arg0";
		best = diag_suggest(name, names, i);
		if (best)
			diag_error(
				p->d, t.loc,
				"unknown identifier '%s'; did you mean '%s'?",
				name, best);
		else
			diag_error(p->d, t.loc, "unknown identifier '%s'",
				   name);
		return NULL;
	}
	n = node(p, AST_BUILTIN, t.loc);
	if (!n)
		return NULL;
	n->u.builtin.id = (enum builtin)id;
	n->u.builtin.index = idx;
	return n;
}

static struct ast_node *parse_map(struct parser *p)
{
	struct ast_node *n = node(p, AST_MAP, p->cur.loc);

	if (!n)
		return NULL;
	n->u.map.name = tok_str(p, &p->cur);
	if (!n->u.map.name)
		return NULL;
	next(p);
	if (p->cur.kind == TOK_LBRACKET) {
		struct src_loc open = p->cur.loc;

		next(p);
		if (p->cur.kind == TOK_RBRACKET) {
			diag_error(p->d, p->cur.loc,
				   "expected a key between '[' and ']'");
			return NULL;
		}
		if (!parse_args(p, &n->u.map.keys, TOK_RBRACKET,
				"']' after the map key"))
			return NULL;
		if (n->u.map.keys.n > AST_MAX_KEYS) {
			diag_error(p->d, open, "too many map keys (at most %d)",
				   AST_MAX_KEYS);
			return NULL;
		}
		/* Up to and including the ']'. */
		n->loc.len = p->prev_end - n->loc.off;
	}
	return n;
}

static struct ast_node *parse_primary(struct parser *p)
{
	struct ast_node *n;

	switch (p->cur.kind) {
	case TOK_INT:
		n = node(p, AST_INT, p->cur.loc);
		if (!n)
			return NULL;
		n->u.int_val = p->cur.ival;
		next(p);
		return n;
	case TOK_STR:
		n = node(p, AST_STR, p->cur.loc);
		if (!n)
			return NULL;
		n->u.str.s = p->cur.sval;
		n->u.str.len = p->cur.slen;
		next(p);
		return n;
	case TOK_VAR:
		n = node(p, AST_VAR, p->cur.loc);
		if (!n)
			return NULL;
		n->u.var.name = tok_str(p, &p->cur);
		if (!n->u.var.name)
			return NULL;
		next(p);
		return n;
	case TOK_MAP:
		return parse_map(p);
	case TOK_POSITIONAL:
		n = node(p, AST_POSITIONAL, p->cur.loc);
		if (!n)
			return NULL;
		n->u.positional.index = (uint32_t)p->cur.ival;
		n->u.positional.count = p->cur.count;
		next(p);
		return n;
	case TOK_IDENT:
		if (is_keyword(&p->cur, "if") || is_keyword(&p->cur, "else") ||
		    is_keyword(&p->cur, "unroll") ||
		    is_keyword(&p->cur, "return")) {
			diag_error(p->d, p->cur.loc,
				   "'%.*s' cannot be used in an expression",
				   (int)p->cur.loc.len, p->cur.text);
			return NULL;
		}
		return parse_ident(p);
	case TOK_LPAREN: {
		struct src_loc open = p->cur.loc;
		bool saved = p->in_pred;

		next(p);
		p->in_pred = false;
		n = parse_expr(p);
		p->in_pred = saved;
		if (!n)
			return NULL;
		if (p->cur.kind == TOK_COMMA) {
			diag_error(p->d, p->cur.loc,
				   "tuples are not supported by fathom yet");
			return NULL;
		}
		if (!expect(p, TOK_RPAREN, "')'")) {
			diag_note(p->d, open, "to match this '('");
			return NULL;
		}
		return n;
	}
	default:
		expected(p, "an expression");
		return NULL;
	}
}

static struct ast_node *parse_postfix(struct parser *p)
{
	struct ast_node *n = parse_primary(p);

	while (n) {
		if (p->cur.kind == TOK_DOT || p->cur.kind == TOK_ARROW) {
			struct ast_node *f;
			bool arrow = p->cur.kind == TOK_ARROW;

			next(p);
			if (p->cur.kind != TOK_IDENT) {
				expected(p, "a field name");
				return NULL;
			}
			f = node(p, AST_FIELD,
				 diag_loc_span(n->loc, p->cur.loc));
			if (!f)
				return NULL;
			f->u.field.base = n;
			f->u.field.arrow = arrow;
			f->u.field.name = tok_str(p, &p->cur);
			if (!f->u.field.name)
				return NULL;
			next(p);
			n = f;
		} else if (p->cur.kind == TOK_INC || p->cur.kind == TOK_DEC) {
			struct ast_node *u =
				node(p, AST_INCDEC,
				     diag_loc_span(n->loc, p->cur.loc));

			if (!u)
				return NULL;
			u->u.incdec.inc = p->cur.kind == TOK_INC;
			u->u.incdec.target = n;
			next(p);
			n = u;
		} else if (p->cur.kind == TOK_LBRACKET &&
			   n->kind == AST_FIELD) {
			/* an array member: x->arr[i] (the semantic pass
			 * checks that it is one) */
			struct ast_node *x = node(p, AST_INDEX, n->loc);

			if (!x)
				return NULL;
			next(p);
			x->u.subscript.base = n;
			x->u.subscript.index = parse_expr(p);
			if (!x->u.subscript.index ||
			    !expect(p, TOK_RBRACKET, "']' after the index"))
				return NULL;
			x->loc.len = p->prev_end - x->loc.off;
			n = x;
		} else if (p->cur.kind == TOK_LBRACKET) {
			diag_error(
				p->d, p->cur.loc,
				"only maps and array members can be indexed with '[]'");
			return NULL;
		} else {
			break;
		}
	}
	return n;
}

static const struct name_id cast_types[] = {
	{ "uint8", 1 }, { "uint16", 2 }, { "uint32", 4 }, { "uint64", 8 },
	{ "int8", -1 }, { "int16", -2 }, { "int32", -4 }, { "int64", -8 },
	{ "u8", 1 },	{ "u16", 2 },	 { "u32", 4 },	  { "u64", 8 },
	{ "s8", -1 },	{ "s16", -2 },	 { "s32", -4 },	  { "s64", -8 },
};

/* At '(' : is this "(type)"? Looks two tokens ahead without consuming. */
static int cast_ahead(struct parser *p, struct token *ty)
{
	struct lexer save = p->lx;
	struct token t2;
	int id = 0;

	lex_next(&p->lx, ty);
	if (ty->kind == TOK_IDENT && is_keyword(ty, "struct")) {
		id = 100;
	} else if (ty->kind == TOK_IDENT) {
		lex_next(&p->lx, &t2);
		if (t2.kind == TOK_RPAREN)
			id = lookup(cast_types,
				    sizeof(cast_types) / sizeof(cast_types[0]),
				    ty->text, ty->loc.len);
	}
	p->lx = save;
	return id;
}

static struct ast_node *parse_unary(struct parser *p)
{
	struct src_loc at = p->cur.loc;
	struct ast_node *n = NULL, *operand;
	enum ast_op op = OP_NONE;

	if (!enter(p))
		return NULL;
	switch (p->cur.kind) {
	case TOK_BANG:
		op = OP_LNOT;
		break;
	case TOK_TILDE:
		op = OP_BNOT;
		break;
	case TOK_MINUS:
		op = OP_NEG;
		break;
	case TOK_PLUS:
		next(p);
		n = parse_unary(p);
		goto out;
	case TOK_INC:
	case TOK_DEC: {
		bool inc = p->cur.kind == TOK_INC;

		next(p);
		operand = parse_unary(p);
		if (!operand)
			goto out;
		n = node(p, AST_INCDEC, span(at, operand));
		if (!n)
			goto out;
		n->u.incdec.inc = inc;
		n->u.incdec.prefix = true;
		n->u.incdec.target = operand;
		goto out;
	}
	case TOK_LPAREN: {
		struct token ty;
		int c = cast_ahead(p, &ty);

		if (c == 100) {
			/* (struct NAME *)e: a pointer to a kernel struct */
			struct src_loc name_loc;
			const char *name;

			next(p); /* ( */
			next(p); /* struct */
			if (p->cur.kind != TOK_IDENT) {
				expected(p, "a struct name");
				goto out;
			}
			name_loc = p->cur.loc;
			name = tok_str(p, &p->cur);
			if (!name)
				goto out;
			next(p);
			if (p->cur.kind != TOK_STAR) {
				expected(
					p,
					"'*': only pointers to structs can be cast to");
				goto out;
			}
			next(p);
			if (!expect(p, TOK_RPAREN, "')'"))
				goto out;
			operand = parse_unary(p);
			if (!operand)
				goto out;
			n = node(p, AST_CAST, span(at, operand));
			if (!n)
				goto out;
			n->type = type_int(8, false);
			n->u.cast.operand = operand;
			n->u.cast.type_loc = name_loc;
			n->u.cast.struct_name = name;
			goto out;
		}
		if (c) {
			next(p); /* ( */
			next(p); /* type */
			next(p); /* ) */
			operand = parse_unary(p);
			if (!operand)
				goto out;
			n = node(p, AST_CAST, span(at, operand));
			if (!n)
				goto out;
			n->type = type_int((uint32_t)(c < 0 ? -c : c), c < 0);
			n->u.cast.operand = operand;
			n->u.cast.type_loc = ty.loc;
			goto out;
		}
		n = parse_postfix(p);
		goto out;
	}
	default:
		n = parse_postfix(p);
		goto out;
	}
	next(p);
	operand = parse_unary(p);
	if (!operand)
		goto out;
	n = node(p, AST_UNOP, span(at, operand));
	if (!n)
		goto out;
	n->u.unop.op = op;
	n->u.unop.operand = operand;
out:
	leave(p);
	return n;
}

/* Binary levels, loosest first; level i's operands are level i + 1. */
struct binlevel {
	enum tok_kind tok[4];
	enum ast_op op[4];
};

static const struct binlevel levels[] = {
	{ { TOK_LOR }, { OP_LOR } },
	{ { TOK_LAND }, { OP_LAND } },
	{ { TOK_PIPE }, { OP_BOR } },
	{ { TOK_CARET }, { OP_BXOR } },
	{ { TOK_AMP }, { OP_BAND } },
	{ { TOK_EQ, TOK_NE }, { OP_EQ, OP_NE } },
	{ { TOK_LT, TOK_LE, TOK_GT, TOK_GE }, { OP_LT, OP_LE, OP_GT, OP_GE } },
	{ { TOK_SHL, TOK_SHR }, { OP_SHL, OP_SHR } },
	{ { TOK_PLUS, TOK_MINUS }, { OP_ADD, OP_SUB } },
	{ { TOK_STAR, TOK_SLASH, TOK_PERCENT }, { OP_MUL, OP_DIV, OP_MOD } },
};

#define NLEVELS (sizeof(levels) / sizeof(levels[0]))

static struct ast_node *parse_binary(struct parser *p, size_t level)
{
	struct ast_node *lhs, *rhs, *n;
	int chain = 0;

	if (level == NLEVELS)
		return parse_unary(p);
	lhs = parse_binary(p, level + 1);
	/*
	 * Each operator in a chain deepens the (left-leaning) tree that
	 * later passes walk recursively, so it counts as a nesting level.
	 */
	while (lhs) {
		enum ast_op op = OP_NONE;
		size_t i;

		for (i = 0; i < 4 && levels[level].tok[i]; i++)
			if (p->cur.kind == levels[level].tok[i])
				op = levels[level].op[i];
		if (op == OP_NONE || (op == OP_DIV && p->in_pred))
			break;
		next(p);
		if (!enter(p)) {
			lhs = NULL;
			break;
		}
		chain++;
		rhs = parse_binary(p, level + 1);
		if (!rhs) {
			lhs = NULL;
			break;
		}
		n = node(p, AST_BINOP, span(lhs->loc, rhs));
		if (!n) {
			lhs = NULL;
			break;
		}
		n->u.binop.op = op;
		n->u.binop.lhs = lhs;
		n->u.binop.rhs = rhs;
		lhs = n;
	}
	p->depth -= chain;
	return lhs;
}

static struct ast_node *parse_expr(struct parser *p)
{
	struct ast_node *cond, *a, *b, *n = NULL;

	if (!enter(p))
		return NULL;
	cond = parse_binary(p, 0);
	if (!cond || p->cur.kind != TOK_QUESTION) {
		n = cond;
		goto out;
	}
	next(p);
	a = parse_expr(p);
	if (!a)
		goto out;
	if (!expect(p, TOK_COLON, "':' in the conditional expression"))
		goto out;
	b = parse_expr(p);
	if (!b)
		goto out;
	n = node(p, AST_TERNARY, span(cond->loc, b));
	if (!n)
		goto out;
	n->u.ternary.cond = cond;
	n->u.ternary.then = a;
	n->u.ternary.els = b;
out:
	leave(p);
	return n;
}

/* ---- statements ------------------------------------------------------ */

static bool parse_block(struct parser *p, struct ast_list *out);

/* Skip to the end of the current statement: a ';' or the '}' closing
 * the enclosing block (not consumed), keeping nested braces balanced. */
static void sync_stmt(struct parser *p)
{
	int depth = 0;

	for (;;) {
		switch (p->cur.kind) {
		case TOK_EOF:
			return;
		case TOK_SEMI:
			if (!depth)
				return;
			break;
		case TOK_LBRACE:
			depth++;
			break;
		case TOK_RBRACE:
			if (!depth)
				return;
			depth--;
			break;
		default:
			break;
		}
		next(p);
	}
}

static enum ast_op assign_op(enum tok_kind k, bool *is_assign)
{
	*is_assign = true;
	switch (k) {
	case TOK_ASSIGN:
		return OP_NONE;
	case TOK_ADD_ASSIGN:
		return OP_ADD;
	case TOK_SUB_ASSIGN:
		return OP_SUB;
	case TOK_MUL_ASSIGN:
		return OP_MUL;
	case TOK_DIV_ASSIGN:
		return OP_DIV;
	case TOK_MOD_ASSIGN:
		return OP_MOD;
	case TOK_AND_ASSIGN:
		return OP_BAND;
	case TOK_OR_ASSIGN:
		return OP_BOR;
	case TOK_XOR_ASSIGN:
		return OP_BXOR;
	case TOK_SHL_ASSIGN:
		return OP_SHL;
	case TOK_SHR_ASSIGN:
		return OP_SHR;
	default:
		*is_assign = false;
		return OP_NONE;
	}
}

static struct ast_node *parse_if(struct parser *p)
{
	struct ast_node *n = node(p, AST_IF, p->cur.loc);

	if (!n)
		return NULL;
	next(p);
	if (!expect(p, TOK_LPAREN, "'(' after 'if'"))
		return NULL;
	n->u.if_.cond = parse_expr(p);
	if (!n->u.if_.cond)
		return NULL;
	if (!expect(p, TOK_RPAREN, "')' after the condition"))
		return NULL;
	if (!parse_block(p, &n->u.if_.then))
		return NULL;
	if (is_keyword(&p->cur, "else")) {
		n->u.if_.has_else = true;
		next(p);
		if (is_keyword(&p->cur, "if")) {
			struct ast_node *e;

			if (!enter(p))
				return NULL;
			e = parse_if(p);
			leave(p);
			if (!e || !push(p, &n->u.if_.els, e))
				return NULL;
		} else if (!parse_block(p, &n->u.if_.els)) {
			return NULL;
		}
	}
	return n;
}

static struct ast_node *parse_stmt(struct parser *p, bool *block_like)
{
	struct src_loc at = p->cur.loc;
	struct ast_node *n, *e;
	bool is_assign;
	enum ast_op op;

	*block_like = false;
	if (is_keyword(&p->cur, "if")) {
		*block_like = true;
		return parse_if(p);
	}
	if (is_keyword(&p->cur, "unroll")) {
		*block_like = true;
		n = node(p, AST_UNROLL, at);
		if (!n)
			return NULL;
		next(p);
		if (!expect(p, TOK_LPAREN, "'(' after 'unroll'"))
			return NULL;
		n->u.unroll.count = parse_expr(p);
		if (!n->u.unroll.count)
			return NULL;
		if (!expect(p, TOK_RPAREN, "')' after the unroll count"))
			return NULL;
		if (!parse_block(p, &n->u.unroll.body))
			return NULL;
		return n;
	}
	if (is_keyword(&p->cur, "return")) {
		n = node(p, AST_RETURN, at);
		next(p);
		return n;
	}
	if (is_keyword(&p->cur, "while") || is_keyword(&p->cur, "for")) {
		diag_error(
			p->d, at,
			"'%.*s' loops are not supported: fathom programs only jump forward; use unroll(N)",
			(int)at.len, p->cur.text);
		return NULL;
	}
	if (is_keyword(&p->cur, "let")) {
		diag_error(p->d, at,
			   "'let' declarations are not supported yet");
		return NULL;
	}
	e = parse_expr(p);
	if (!e)
		return NULL;
	op = assign_op(p->cur.kind, &is_assign);
	if (is_assign) {
		struct src_loc op_loc = p->cur.loc;

		if (e->kind != AST_VAR && e->kind != AST_MAP) {
			diag_error(
				p->d, op_loc,
				"the left side of '%.*s' must be a $variable or a @map",
				(int)op_loc.len, p->cur.text);
			return NULL;
		}
		next(p);
		n = node(p, AST_ASSIGN, op_loc);
		if (!n)
			return NULL;
		n->u.assign.op = op;
		n->u.assign.target = e;
		n->u.assign.value = parse_expr(p);
		if (!n->u.assign.value)
			return NULL;
		n->loc = span(e->loc, n->u.assign.value);
		return n;
	}
	n = node(p, AST_EXPR_STMT, e->loc);
	if (!n)
		return NULL;
	n->u.expr_stmt.expr = e;
	return n;
}

static bool parse_block(struct parser *p, struct ast_list *out)
{
	struct src_loc open = p->cur.loc;
	bool ok = true;

	if (!expect(p, TOK_LBRACE, "'{'"))
		return false;
	if (!enter(p))
		return false;
	for (;;) {
		struct ast_node *st;
		bool block_like;

		while (accept(p, TOK_SEMI))
			;
		if (p->cur.kind == TOK_RBRACE)
			break;
		if (p->cur.kind == TOK_EOF) {
			expected(p, "'}'");
			diag_note(p->d, open, "to match this '{'");
			ok = false;
			break;
		}
		st = parse_stmt(p, &block_like);
		if (p->oom)
			break;
		if (!st) {
			ok = false;
			sync_stmt(p);
			continue;
		}
		push(p, out, st);
		if (p->cur.kind == TOK_SEMI || p->cur.kind == TOK_RBRACE ||
		    block_like)
			continue;
		expected(p, "';' or '}' after the statement");
		ok = false;
		sync_stmt(p);
	}
	leave(p);
	if (p->cur.kind == TOK_RBRACE)
		next(p);
	return ok;
}

/* ---- probes ---------------------------------------------------------- */

/* After a bad probe header: skip to the next '{ ... }' and past it. */
static void sync_probe(struct parser *p)
{
	int depth = 0;

	while (p->cur.kind != TOK_EOF) {
		if (p->cur.kind == TOK_LBRACE) {
			depth++;
		} else if (p->cur.kind == TOK_RBRACE) {
			if (--depth <= 0) {
				next(p);
				return;
			}
		}
		next(p);
	}
}

static int add_spec(struct parser *p, struct ast_probe *pr, uint32_t *cap)
{
	struct probe_spec *ns;
	int err;

	if (pr->nspecs == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 2;

		ns = ast_alloc(&p->s->arena, ncap * sizeof(*ns));
		if (!ns) {
			p->oom = true;
			return -ENOMEM;
		}
		if (pr->nspecs)
			memcpy(ns, pr->specs, pr->nspecs * sizeof(*ns));
		pr->specs = ns;
		*cap = ncap;
	}
	err = probe_spec_parse(p->s, p->d, p->cur.text, p->cur.loc.len,
			       p->cur.loc, &pr->specs[pr->nspecs]);
	if (err == -ENOMEM)
		p->oom = true;
	if (!err)
		pr->nspecs++;
	return err;
}

static int parse_probe(struct parser *p)
{
	struct ast_program *prog = &p->s->prog;
	struct ast_probe *pr, **np;
	uint32_t cap = 0;
	bool bad = false;

	pr = ast_alloc(&p->s->arena, sizeof(*pr));
	if (!pr)
		return -ENOMEM;
	pr->loc = p->cur.loc;
	lex_rewind(&p->lx, &p->cur);
	lex_probe_spec(&p->lx, &p->cur);
	for (;;) {
		if (p->cur.kind != TOK_SPEC) {
			if (p->cur.kind == TOK_ERROR)
				report_lex_error(p);
			expected(p, "a probe");
			sync_probe(p);
			return -EINVAL;
		}
		if (add_spec(p, pr, &cap))
			bad = true;
		if (p->oom)
			return -ENOMEM;
		next(p);
		if (p->cur.kind != TOK_COMMA)
			break;
		lex_probe_spec(&p->lx, &p->cur);
	}
	if (p->cur.kind == TOK_SLASH) {
		struct src_loc open = p->cur.loc;

		next(p);
		p->in_pred = true;
		pr->pred = parse_expr(p);
		p->in_pred = false;
		if (!pr->pred) {
			sync_probe(p);
			return -EINVAL;
		}
		if (!expect(p, TOK_SLASH, "'/' to end the predicate")) {
			diag_note(p->d, open, "the predicate starts here");
			sync_probe(p);
			return -EINVAL;
		}
	}
	if (p->cur.kind != TOK_LBRACE) {
		expected(p, "'{' or ',' after the probe");
		sync_probe(p);
		return -EINVAL;
	}
	if (!parse_block(p, &pr->body))
		bad = true;
	if (p->oom)
		return -ENOMEM;
	if (bad)
		return -EINVAL;
	if (prog->nprobes == prog->probes_cap) {
		uint32_t ncap = prog->probes_cap ? prog->probes_cap * 2 : 4;

		np = ast_alloc(&p->s->arena, ncap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		if (prog->nprobes)
			memcpy(np, prog->probes, prog->nprobes * sizeof(*np));
		prog->probes = np;
		prog->probes_cap = ncap;
	}
	pr->index = prog->nprobes;
	prog->probes[prog->nprobes++] = pr;
	return 0;
}

int parse_program(struct fathom_script *s, struct diag_sink *d)
{
	struct parser p = { .s = s, .d = d };
	int ret = 0;

	lex_init(&p.lx, s->text, s->len, &s->arena);
	next(&p);
	while (p.cur.kind != TOK_EOF) {
		int err;

		if (p.cur.kind == TOK_ERROR) {
			/* Reported by next(); skip the bad token. */
			ret = -EINVAL;
			next(&p);
			continue;
		}
		if (p.cur.kind == TOK_RBRACE) {
			diag_error(d, p.cur.loc,
				   "unexpected '}' with no matching '{'");
			ret = -EINVAL;
			next(&p);
			continue;
		}
		err = parse_probe(&p);
		if (err == -ENOMEM || p.oom || s->arena.failed)
			return -ENOMEM;
		if (err)
			ret = err;
		if (d->nerrors > d->max_errors)
			break;
	}
	if (!ret && !s->prog.nprobes)
		ret = diag_error(d, p.cur.loc, "the script has no probes");
	if (diag_failed(d))
		ret = -EINVAL;
	return ret;
}

struct fathom_script *fathom_script_parse(const char *name, const char *text,
					  size_t len, struct diag_sink *d)
{
	struct fathom_script *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->name = strdup(name ? name : FATHOM_EXPR_NAME);
	s->text = malloc(len + 1);
	if (!s->name || !s->text || len > UINT32_MAX / 2)
		goto fail;
	memcpy(s->text, text, len);
	s->text[len] = '\0';
	s->len = len;
	if (diag_set_source(d, s->name, s->text, len))
		goto fail;
	switch (parse_program(s, d)) {
	case 0:
		s->parsed_ok = true;
		break;
	case -ENOMEM:
		goto fail;
	default:
		break;
	}
	return s;
fail:
	fathom_script_free(s);
	return NULL;
}
