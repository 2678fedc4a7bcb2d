// SPDX-License-Identifier: GPL-2.0-only
/*
 * Constant folding: folded values with 64-bit wrapping semantics,
 * signedness, short-circuit logic, casts, and the compile errors for
 * division by zero and bad shift counts.
 */
#include "helpers.h"

/* Fold "@x = <expr>" in a kprobe; return the folded value node. */
static struct ast_node *fold(struct __test_metadata *_metadata,
			     FIXTURE_DATA(fe) * self, const char *e)
{
	char buf[512];
	struct ast_node *st;

	snprintf(buf, sizeof(buf), "kprobe:f { @x = %s; }", e);
	if (fe_check(&self->d, &self->s, buf)) {
		TH_LOG("%s\n%s", buf, self->d.buf);
		return NULL;
	}
	st = fe_stmt(self->s, 0, 0);
	return st->u.assign.value;
}

static const struct {
	const char *expr;
	uint64_t val;
} folds[] = {
	{ "1 + 2 * 3 - 4", 3 },
	{ "(1 + 2) * 3", 9 },
	{ "-7 / 2", (uint64_t)-3 },
	{ "-7 % 2", (uint64_t)-1 },
	{ "7 % 3", 1 },
	{ "1 << 10", 1024 },
	{ "-16 >> 2", (uint64_t)-4 },
	{ "0xf0 | 0x0f", 0xff },
	{ "0xff & 0x0f", 0x0f },
	{ "0xff ^ 0x0f", 0xf0 },
	{ "~0", UINT64_MAX },
	{ "!5", 0 },
	{ "!0", 1 },
	{ "-(-3)", 3 },
	{ "1 < 2", 1 },
	{ "2 <= 1", 0 },
	{ "-1 < 0", 1 },
	{ "3 > 2 == 1", 1 },
	{ "1 != 1", 0 },
	{ "2 >= 2", 1 },
	{ "0 && pid", 0 },
	{ "1 || pid", 1 },
	{ "1 && 2", 1 },
	{ "0 || 0", 0 },
	{ "1 ? 10 : 20", 10 },
	{ "0 ? 10 : 1 ? 30 : 40", 30 },
	{ "9223372036854775807 + 1", (uint64_t)INT64_MIN },
	{ "(-9223372036854775807 - 1) / -1", (uint64_t)INT64_MIN },
	{ "0xffffffffffffffff", UINT64_MAX },
	{ "(uint8)300", 44 },
	{ "(int8)200", (uint64_t)-56 },
	{ "(uint16)-1", 0xffff },
	{ "(int32)0x80000000", (uint64_t)(int64_t)INT32_MIN },
	{ "(uint64)-1", UINT64_MAX },
	{ "1_000 * 1_000", 1000000 },
};

TEST_F(fe, folded_values)
{
	size_t i;

	for (i = 0; i < sizeof(folds) / sizeof(folds[0]); i++) {
		struct ast_node *n = fold(_metadata, self, folds[i].expr);

		ASSERT_NE(NULL, n) TH_LOG("%s", folds[i].expr);
		ASSERT_EQ(AST_INT, n->kind) TH_LOG("%s", folds[i].expr);
		ASSERT_EQ(folds[i].val, n->u.int_val)
		TH_LOG("%s", folds[i].expr);
	}
}

TEST_F(fe, unsigned_arithmetic)
{
	struct ast_node *n;

	/* Both operands unsigned: unsigned comparison and division. */
	n = fold(_metadata, self, "(uint64)-1 > (uint64)1");
	ASSERT_EQ(AST_INT, n->kind);
	ASSERT_EQ(1, n->u.int_val);
	n = fold(_metadata, self, "(uint64)-2 / (uint64)2");
	ASSERT_EQ(UINT64_MAX / 2, n->u.int_val);
	n = fold(_metadata, self, "(uint64)-16 >> (uint64)60");
	ASSERT_EQ(15, n->u.int_val);
}

TEST_F(fe, partial_folding)
{
	struct ast_node *n = fold(_metadata, self, "pid + (2 * 3)");

	ASSERT_EQ(AST_BINOP, n->kind);
	ASSERT_EQ(AST_BUILTIN, n->u.binop.lhs->kind);
	ASSERT_EQ(AST_INT, n->u.binop.rhs->kind);
	ASSERT_EQ(6, n->u.binop.rhs->u.int_val);
	/* the type survives */
	ASSERT_EQ(TYPE_INT, n->u.binop.rhs->type.kind);

	n = fold(_metadata, self, "1 && pid");
	ASSERT_EQ(AST_BINOP, n->kind);

	/* folding reaches keys, arguments, predicates and nested blocks */
	FE_OK(self, "kprobe:f /1 + 1 == 2/ { @m[2 * 2] = 1; "
		    "if (pid) { printf(\"%d\", 3 << 2); } }");
	ASSERT_EQ(AST_INT, fe_probe(self->s, 0)->pred->kind);
	ASSERT_EQ(1, fe_probe(self->s, 0)->pred->u.int_val);
	n = fe_stmt(self->s, 0, 0)->u.assign.target->u.map.keys.items[0];
	ASSERT_EQ(AST_INT, n->kind);
	ASSERT_EQ(4, n->u.int_val);
	n = fe_stmt(self->s, 0, 1)->u.if_.then.items[0];
	n = n->u.expr_stmt.expr->u.call.args.items[1];
	ASSERT_EQ(AST_INT, n->kind);
	ASSERT_EQ(12, n->u.int_val);
}

TEST_F(fe, division_by_zero)
{
	FE_FAILS(self, "kprobe:f { @x = 1 / 0; }", 1, 21, "division by zero");
	FE_FAILS(self, "kprobe:f { @x = arg0 / (2 - 2); }", 1, 25,
		 "division by zero");
	FE_FAILS(self, "kprobe:f { @x = arg0 % 0; }", 1, 24, "modulo by zero");
	FE_FAILS(self, "kprobe:f { $x = 1; $x /= 0; }", 1, 26,
		 "division by zero");
	/* Not evaluated: the left side decides. */
	FE_OK(self, "kprobe:f { @x = 0 && 1 / 0 == 0; }");
}

TEST_F(fe, shift_range)
{
	FE_FAILS(self, "kprobe:f { @x = arg0 << 64; }", 1, 25,
		 "shift count 64 is out of range");
	FE_FAILS(self, "kprobe:f { @x = 1 >> -1; }", 1, 22, "out of range");
	FE_OK(self, "kprobe:f { @x = 1 << 63; }");
}

TEST_F(fe, literal_limits)
{
	FE_FAILS(self, "BEGIN { @x = 9223372036854775808; }", 1, 14,
		 "too large for int64");
	FE_FAILS(self, "BEGIN { @x = 99999999999999999999999; }", 1, 14,
		 "too large");
	FE_FAILS(self, "BEGIN { @x = 0x1ffffffffffffffff; }", 1, 14,
		 "too large");
}

TEST_HARNESS_MAIN
