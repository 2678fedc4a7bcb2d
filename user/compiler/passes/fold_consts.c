// SPDX-License-Identifier: GPL-2.0-only
/*
 * Constant folding. See fold_consts.h.
 *
 * Arithmetic is done on uint64_t so that wrapping is defined; signedness
 * (from the semantic pass's types) only matters for division, modulo,
 * right shifts and comparisons. && and || fold when the left side decides
 * the result (the right side is then never evaluated, as at run time).
 */
#include <errno.h>

#include "fold_consts.h"

static bool is_unsigned(const struct ast_node *n)
{
	return n->type.kind == TYPE_INT && !n->type.is_signed;
}

/* 0, -EDOM for a division by zero, -ERANGE for a bad shift count. */
static int eval_binop(enum ast_op op, uint64_t a, uint64_t b, bool uns,
		      uint64_t *r)
{
	int64_t sa = (int64_t)a, sb = (int64_t)b;

	switch (op) {
	case OP_ADD:
		*r = a + b;
		return 0;
	case OP_SUB:
		*r = a - b;
		return 0;
	case OP_MUL:
		*r = a * b;
		return 0;
	case OP_DIV:
	case OP_MOD:
		if (!b)
			return -EDOM;
		if (uns)
			*r = op == OP_DIV ? a / b : a % b;
		else if (sa == INT64_MIN && sb == -1)
			*r = op == OP_DIV ? a : 0;
		else
			*r = (uint64_t)(op == OP_DIV ? sa / sb : sa % sb);
		return 0;
	case OP_BAND:
		*r = a & b;
		return 0;
	case OP_BOR:
		*r = a | b;
		return 0;
	case OP_BXOR:
		*r = a ^ b;
		return 0;
	case OP_SHL:
	case OP_SHR:
		if (b > 63)
			return -ERANGE;
		if (op == OP_SHL)
			*r = a << b;
		else if (uns || sa >= 0)
			*r = a >> b;
		else
			*r = ~(~a >> b); /* arithmetic shift */
		return 0;
	case OP_EQ:
		*r = a == b;
		return 0;
	case OP_NE:
		*r = a != b;
		return 0;
	case OP_LT:
		*r = uns ? a < b : sa < sb;
		return 0;
	case OP_LE:
		*r = uns ? a <= b : sa <= sb;
		return 0;
	case OP_GT:
		*r = uns ? a > b : sa > sb;
		return 0;
	case OP_GE:
		*r = uns ? a >= b : sa >= sb;
		return 0;
	case OP_LAND:
		*r = a && b;
		return 0;
	case OP_LOR:
		*r = a || b;
		return 0;
	default:
		return -EINVAL;
	}
}

static uint64_t eval_unop(enum ast_op op, uint64_t a)
{
	switch (op) {
	case OP_NEG:
		return 0 - a;
	case OP_BNOT:
		return ~a;
	case OP_LNOT:
		return !a;
	default:
		return a;
	}
}

static uint64_t eval_cast(const struct type *t, uint64_t v)
{
	unsigned int bits = t->size * 8;
	uint64_t mask;

	if (bits >= 64 || !bits)
		return v;
	mask = (1ull << bits) - 1;
	v &= mask;
	if (t->is_signed && (v >> (bits - 1)))
		v |= ~mask;
	return v;
}

static bool bin_unsigned(const struct ast_node *n)
{
	return is_unsigned(n->u.binop.lhs) && is_unsigned(n->u.binop.rhs);
}

bool const_eval(const struct ast_node *n, uint64_t *out)
{
	uint64_t a, b;

	switch (n->kind) {
	case AST_INT:
		*out = n->u.int_val;
		return true;
	case AST_UNOP:
		if (!const_eval(n->u.unop.operand, &a))
			return false;
		*out = eval_unop(n->u.unop.op, a);
		return true;
	case AST_BINOP:
		if (!const_eval(n->u.binop.lhs, &a))
			return false;
		if (n->u.binop.op == OP_LAND && !a) {
			*out = 0;
			return true;
		}
		if (n->u.binop.op == OP_LOR && a) {
			*out = 1;
			return true;
		}
		if (!const_eval(n->u.binop.rhs, &b))
			return false;
		return !eval_binop(n->u.binop.op, a, b, bin_unsigned(n), out);
	case AST_TERNARY:
		if (!const_eval(n->u.ternary.cond, &a))
			return false;
		return const_eval(a ? n->u.ternary.then : n->u.ternary.els,
				  out);
	case AST_CAST:
		if (n->type.btf || !const_eval(n->u.cast.operand, &a))
			return false;
		*out = eval_cast(&n->type, a);
		return true;
	default:
		return false;
	}
}

struct fold {
	struct diag_sink *d;
	int err;
};

static void make_int(struct ast_node *n, uint64_t v)
{
	n->kind = AST_INT;
	n->u.int_val = v;
}

static void fold_expr(struct fold *f, struct ast_node *n);

static void fold_list(struct fold *f, struct ast_list *l)
{
	uint32_t i;

	for (i = 0; i < l->n; i++)
		fold_expr(f, l->items[i]);
}

static void fold_binop(struct fold *f, struct ast_node *n)
{
	struct ast_node *l = n->u.binop.lhs, *r = n->u.binop.rhs;
	enum ast_op op = n->u.binop.op;
	uint64_t v;
	int err;

	fold_expr(f, l);
	if (l->kind == AST_INT && ((op == OP_LAND && !l->u.int_val) ||
				   (op == OP_LOR && l->u.int_val))) {
		make_int(n, op == OP_LOR);
		return;
	}
	fold_expr(f, r);
	if (r->kind == AST_INT && !r->u.int_val &&
	    (op == OP_DIV || op == OP_MOD)) {
		f->err = diag_error(f->d, r->loc, "%s by zero",
				    op == OP_DIV ? "division" : "modulo");
		return;
	}
	if (r->kind == AST_INT && (op == OP_SHL || op == OP_SHR) &&
	    r->u.int_val > 63) {
		f->err =
			diag_error(f->d, r->loc,
				   "shift count %lld is out of range (0 to 63)",
				   (long long)r->u.int_val);
		return;
	}
	if (l->kind != AST_INT || r->kind != AST_INT)
		return;
	err = eval_binop(op, l->u.int_val, r->u.int_val, bin_unsigned(n), &v);
	if (!err)
		make_int(n, v);
}

static void fold_expr(struct fold *f, struct ast_node *n)
{
	struct type t;

	if (!n)
		return;
	switch (n->kind) {
	case AST_MAP:
		fold_list(f, &n->u.map.keys);
		break;
	case AST_UNOP:
		fold_expr(f, n->u.unop.operand);
		if (n->u.unop.operand->kind == AST_INT)
			make_int(n, eval_unop(n->u.unop.op,
					      n->u.unop.operand->u.int_val));
		break;
	case AST_BINOP:
		fold_binop(f, n);
		break;
	case AST_TERNARY:
		fold_expr(f, n->u.ternary.cond);
		fold_expr(f, n->u.ternary.then);
		fold_expr(f, n->u.ternary.els);
		if (n->u.ternary.cond->kind == AST_INT) {
			t = n->type;
			*n = *(n->u.ternary.cond->u.int_val ? n->u.ternary.then
							    : n->u.ternary.els);
			n->type = t;
		}
		break;
	case AST_CALL:
		fold_list(f, &n->u.call.args);
		break;
	case AST_CAST:
		fold_expr(f, n->u.cast.operand);
		if (n->u.cast.operand->kind == AST_INT && !n->type.btf)
			make_int(n, eval_cast(&n->type,
					      n->u.cast.operand->u.int_val));
		break;
	case AST_INCDEC:
		fold_expr(f, n->u.incdec.target);
		break;
	case AST_INDEX:
		fold_expr(f, n->u.subscript.index);
		break;
	case AST_EXPR_STMT:
		fold_expr(f, n->u.expr_stmt.expr);
		break;
	case AST_ASSIGN:
		fold_expr(f, n->u.assign.target);
		fold_expr(f, n->u.assign.value);
		if (n->u.assign.value->kind == AST_INT &&
		    !n->u.assign.value->u.int_val &&
		    (n->u.assign.op == OP_DIV || n->u.assign.op == OP_MOD))
			f->err = diag_error(f->d, n->u.assign.value->loc,
					    "%s by zero",
					    n->u.assign.op == OP_DIV
						    ? "division"
						    : "modulo");
		break;
	case AST_IF:
		fold_expr(f, n->u.if_.cond);
		fold_list(f, &n->u.if_.then);
		fold_list(f, &n->u.if_.els);
		break;
	case AST_UNROLL:
		fold_expr(f, n->u.unroll.count);
		fold_list(f, &n->u.unroll.body);
		break;
	default:
		break;
	}
}

int fold_consts(struct fathom_script *s, struct diag_sink *d)
{
	struct fold f = { .d = d };
	uint32_t i;

	for (i = 0; i < s->prog.nprobes; i++) {
		struct ast_probe *p = s->prog.probes[i];

		fold_expr(&f, p->pred);
		fold_list(&f, &p->body);
	}
	return f.err;
}
