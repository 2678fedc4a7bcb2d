// SPDX-License-Identifier: GPL-2.0-only
/*
 * Parser: probe specs and their fields, operator precedence and
 * associativity, every statement form, and syntax errors with their
 * positions.
 */
#include "helpers.h"

/* The value of "$x = <expr>;" in a BEGIN probe. */
static struct ast_node *expr_of(struct __test_metadata *_metadata,
				FIXTURE_DATA(fe) * self, const char *e)
{
	char buf[512];
	struct ast_node *st;

	snprintf(buf, sizeof(buf), "BEGIN { $x = %s; }", e);
	if (fe_parse(&self->d, &self->s, buf)) {
		TH_LOG("%s\n%s", buf, self->d.buf);
		return NULL;
	}
	st = fe_stmt(self->s, 0, 0);
	return st && st->kind == AST_ASSIGN ? st->u.assign.value : NULL;
}

#define BIN(n, o) ((n)->kind == AST_BINOP && (n)->u.binop.op == (o))
#define L(n) ((n)->u.binop.lhs)
#define R(n) ((n)->u.binop.rhs)
#define IS_INT(n, v) ((n)->kind == AST_INT && (n)->u.int_val == (uint64_t)(v))

TEST_F(fe, precedence_arith)
{
	struct ast_node *n = expr_of(_metadata, self, "1 + 2 * 3 - 4");

	/* (1 + (2 * 3)) - 4 */
	ASSERT_NE(NULL, n);
	ASSERT_TRUE(BIN(n, OP_SUB));
	ASSERT_TRUE(IS_INT(R(n), 4));
	ASSERT_TRUE(BIN(L(n), OP_ADD));
	ASSERT_TRUE(IS_INT(L(L(n)), 1));
	ASSERT_TRUE(BIN(R(L(n)), OP_MUL));
	ASSERT_TRUE(IS_INT(L(R(L(n))), 2));
}

TEST_F(fe, left_associative)
{
	struct ast_node *n = expr_of(_metadata, self, "8 / 4 / 2");

	ASSERT_NE(NULL, n);
	ASSERT_TRUE(BIN(n, OP_DIV));
	ASSERT_TRUE(IS_INT(R(n), 2));
	ASSERT_TRUE(BIN(L(n), OP_DIV));
	n = expr_of(_metadata, self, "1 - 2 - 3");
	ASSERT_TRUE(BIN(n, OP_SUB) && BIN(L(n), OP_SUB) && IS_INT(R(n), 3));
}

TEST_F(fe, precedence_logic)
{
	struct ast_node *n = expr_of(_metadata, self, "pid || tid && cpu");

	/* pid || (tid && cpu) */
	ASSERT_NE(NULL, n);
	ASSERT_TRUE(BIN(n, OP_LOR));
	ASSERT_EQ(AST_BUILTIN, L(n)->kind);
	ASSERT_TRUE(BIN(R(n), OP_LAND));

	/* a | b ^ c & d == e < f << g + h */
	n = expr_of(_metadata, self, "1 | 2 ^ 3 & 4 == 5 < 6 << 7 + 8");
	ASSERT_TRUE(BIN(n, OP_BOR));
	n = R(n);
	ASSERT_TRUE(BIN(n, OP_BXOR));
	n = R(n);
	ASSERT_TRUE(BIN(n, OP_BAND));
	n = R(n);
	ASSERT_TRUE(BIN(n, OP_EQ));
	n = R(n);
	ASSERT_TRUE(BIN(n, OP_LT));
	n = R(n);
	ASSERT_TRUE(BIN(n, OP_SHL));
	ASSERT_TRUE(BIN(R(n), OP_ADD));

	n = expr_of(_metadata, self, "1 <= 2 != 3 >= 4");
	ASSERT_TRUE(BIN(n, OP_NE) && BIN(L(n), OP_LE) && BIN(R(n), OP_GE));
	n = expr_of(_metadata, self, "1 >> 2 > 3 % 4");
	ASSERT_TRUE(BIN(n, OP_GT) && BIN(L(n), OP_SHR) && BIN(R(n), OP_MOD));
}

TEST_F(fe, unary)
{
	struct ast_node *n = expr_of(_metadata, self, "-pid * tid");

	/* (-pid) * tid */
	ASSERT_NE(NULL, n);
	ASSERT_TRUE(BIN(n, OP_MUL));
	ASSERT_EQ(AST_UNOP, L(n)->kind);
	ASSERT_EQ(OP_NEG, L(n)->u.unop.op);

	n = expr_of(_metadata, self, "!~-1");
	ASSERT_EQ(OP_LNOT, n->u.unop.op);
	ASSERT_EQ(OP_BNOT, n->u.unop.operand->u.unop.op);
	ASSERT_EQ(OP_NEG, n->u.unop.operand->u.unop.operand->u.unop.op);

	/* unary plus disappears */
	n = expr_of(_metadata, self, "+5");
	ASSERT_TRUE(IS_INT(n, 5));

	n = expr_of(_metadata, self, "(1 + 2) * 3");
	ASSERT_TRUE(BIN(n, OP_MUL) && BIN(L(n), OP_ADD));
}

TEST_F(fe, ternary)
{
	struct ast_node *n = expr_of(_metadata, self, "pid ? 1 : tid ? 2 : 3");

	/* right-associative: pid ? 1 : (tid ? 2 : 3) */
	ASSERT_NE(NULL, n);
	ASSERT_EQ(AST_TERNARY, n->kind);
	ASSERT_TRUE(IS_INT(n->u.ternary.then, 1));
	ASSERT_EQ(AST_TERNARY, n->u.ternary.els->kind);
	ASSERT_TRUE(IS_INT(n->u.ternary.els->u.ternary.els, 3));

	n = expr_of(_metadata, self, "pid || tid ? 1 + 2 : 3");
	ASSERT_EQ(AST_TERNARY, n->kind);
	ASSERT_TRUE(BIN(n->u.ternary.cond, OP_LOR));
	ASSERT_TRUE(BIN(n->u.ternary.then, OP_ADD));
}

TEST_F(fe, primaries)
{
	struct ast_node *n;

	n = expr_of(_metadata, self, "@m[pid, comm]");
	ASSERT_EQ(AST_MAP, n->kind);
	ASSERT_STREQ("@m", n->u.map.name);
	ASSERT_EQ(2, n->u.map.keys.n);
	ASSERT_EQ(13, n->loc.len);

	n = expr_of(_metadata, self, "@");
	ASSERT_EQ(AST_MAP, n->kind);
	ASSERT_STREQ("@", n->u.map.name);
	ASSERT_EQ(0, n->u.map.keys.n);

	n = expr_of(_metadata, self, "arg3");
	ASSERT_EQ(AST_BUILTIN, n->kind);
	ASSERT_EQ(BI_ARG, n->u.builtin.id);
	ASSERT_EQ(3, n->u.builtin.index);

	n = expr_of(_metadata, self, "args.filename");
	ASSERT_EQ(AST_FIELD, n->kind);
	ASSERT_STREQ("filename", n->u.field.name);
	ASSERT_FALSE(n->u.field.arrow);
	ASSERT_EQ(BI_ARGS, n->u.field.base->u.builtin.id);

	n = expr_of(_metadata, self, "args->count");
	ASSERT_EQ(AST_FIELD, n->kind);
	ASSERT_TRUE(n->u.field.arrow);

	n = expr_of(_metadata, self, "str(arg0, 16)");
	ASSERT_EQ(AST_CALL, n->kind);
	ASSERT_EQ(FN_STR, n->u.call.id);
	ASSERT_EQ(2, n->u.call.args.n);

	n = expr_of(_metadata, self, "(uint8)pid");
	ASSERT_EQ(AST_CAST, n->kind);
	ASSERT_EQ(1, n->type.size);
	ASSERT_FALSE(n->type.is_signed);
	n = expr_of(_metadata, self, "(int32)-1");
	ASSERT_EQ(AST_CAST, n->kind);
	ASSERT_EQ(4, n->type.size);
	ASSERT_TRUE(n->type.is_signed);

	n = expr_of(_metadata, self, "kstack(perf, 10)");
	ASSERT_EQ(FN_KSTACK, n->u.call.id);
	ASSERT_EQ(AST_STR, n->u.call.args.items[0]->kind);
	ASSERT_STREQ("perf", n->u.call.args.items[0]->u.str.s);

	n = expr_of(_metadata, self, "kstack");
	ASSERT_EQ(AST_BUILTIN, n->kind);
	ASSERT_EQ(BI_KSTACK, n->u.builtin.id);
}

struct spec_case {
	const char *src;
	enum probe_type type;
	const char *target;
	const char *provider;
	const char *name;
	bool has_offset;
	uint64_t offset;
	enum probe_unit unit;
	uint64_t value;
	bool wildcard;
};

static const struct spec_case specs[] = {
	{ "BEGIN", PROBE_BEGIN },
	{ "END", PROBE_END },
	{ "kprobe:vfs_read", PROBE_KPROBE, NULL, NULL, "vfs_read" },
	{ "k:vfs_read", PROBE_KPROBE, NULL, NULL, "vfs_read" },
	{ "kprobe:tcp_sendmsg+0x10", PROBE_KPROBE, NULL, NULL, "tcp_sendmsg",
	  true, 16 },
	{ "kprobe:f+8", PROBE_KPROBE, NULL, NULL, "f", true, 8 },
	{ "kprobe:ext4:ext4_sync_fs", PROBE_KPROBE, "ext4", NULL,
	  "ext4_sync_fs" },
	{ "kprobe:vfs_*", PROBE_KPROBE, NULL, NULL, "vfs_*", false, 0, 0, 0,
	  true },
	{ "kretprobe:vfs_read", PROBE_KRETPROBE, NULL, NULL, "vfs_read" },
	{ "kr:vfs_rea?", PROBE_KRETPROBE, NULL, NULL, "vfs_rea?", false, 0, 0,
	  0, true },
	{ "tracepoint:syscalls:sys_enter_openat", PROBE_TRACEPOINT, "syscalls",
	  NULL, "sys_enter_openat" },
	{ "t:sched:sched_switch", PROBE_TRACEPOINT, "sched", NULL,
	  "sched_switch" },
	{ "tracepoint:syscalls:sys_enter_*", PROBE_TRACEPOINT, "syscalls", NULL,
	  "sys_enter_*", false, 0, 0, 0, true },
	{ "rawtracepoint:sched_switch", PROBE_RAWTRACEPOINT, NULL, NULL,
	  "sched_switch" },
	{ "rt:sched_switch", PROBE_RAWTRACEPOINT, NULL, NULL, "sched_switch" },
	{ "uprobe:/bin/bash:readline", PROBE_UPROBE, "/bin/bash", NULL,
	  "readline" },
	{ "u:/lib/x86_64-linux-gnu/libc.so.6:malloc+0x4", PROBE_UPROBE,
	  "/lib/x86_64-linux-gnu/libc.so.6", NULL, "malloc", true, 4 },
	{ "uretprobe:/bin/bash:readline", PROBE_URETPROBE, "/bin/bash", NULL,
	  "readline" },
	{ "ur:/bin/bash:read*", PROBE_URETPROBE, "/bin/bash", NULL, "read*",
	  false, 0, 0, 0, true },
	{ "usdt:/usr/bin/python3:python:function__entry", PROBE_USDT,
	  "/usr/bin/python3", "python", "function__entry" },
	{ "usdt:/usr/bin/python3:function__entry", PROBE_USDT,
	  "/usr/bin/python3", NULL, "function__entry" },
	{ "U:/bin/x:p:n", PROBE_USDT, "/bin/x", "p", "n" },
	{ "interval:s:1", PROBE_INTERVAL, NULL, NULL, NULL, false, 0,
	  PROBE_UNIT_S, 1 },
	{ "interval:ms:100", PROBE_INTERVAL, NULL, NULL, NULL, false, 0,
	  PROBE_UNIT_MS, 100 },
	{ "i:us:250", PROBE_INTERVAL, NULL, NULL, NULL, false, 0, PROBE_UNIT_US,
	  250 },
	{ "profile:hz:99", PROBE_PROFILE, NULL, NULL, NULL, false, 0,
	  PROBE_UNIT_HZ, 99 },
	{ "p:s:5", PROBE_PROFILE, NULL, NULL, NULL, false, 0, PROBE_UNIT_S, 5 },
};

static bool streq0(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

TEST_F(fe, probe_specs)
{
	size_t i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		const struct spec_case *c = &specs[i];
		const struct probe_spec *sp;
		char buf[256];

		snprintf(buf, sizeof(buf), "%s { }", c->src);
		FE_PARSE_OK(self, buf);
		ASSERT_EQ(1, self->s->prog.nprobes);
		ASSERT_EQ(1, fe_probe(self->s, 0)->nspecs);
		sp = &fe_probe(self->s, 0)->specs[0];
		ASSERT_EQ(c->type, sp->type) TH_LOG("%s", c->src);
		ASSERT_TRUE(streq0(c->target, sp->target)) TH_LOG("%s", c->src);
		ASSERT_TRUE(streq0(c->provider, sp->provider))
		TH_LOG("%s", c->src);
		ASSERT_TRUE(streq0(c->name, sp->name)) TH_LOG("%s", c->src);
		ASSERT_EQ(c->has_offset, sp->has_offset) TH_LOG("%s", c->src);
		ASSERT_EQ(c->offset, sp->offset) TH_LOG("%s", c->src);
		ASSERT_EQ(c->unit, sp->unit) TH_LOG("%s", c->src);
		ASSERT_EQ(c->value, sp->value) TH_LOG("%s", c->src);
		ASSERT_EQ(c->wildcard, sp->wildcard) TH_LOG("%s", c->src);
		ASSERT_STREQ(c->src, sp->raw);
		ASSERT_EQ(1, sp->loc.col);
		ASSERT_EQ(strlen(c->src), sp->loc.len);
	}
}

TEST_F(fe, multiple_specs_and_predicate)
{
	struct ast_probe *p;

	FE_PARSE_OK(self,
		    "kprobe:vfs_read, kprobe:vfs_write,\n"
		    "  kretprobe:x /pid == 1 && tid/ { @[probe] = count(); }");
	p = fe_probe(self->s, 0);
	ASSERT_EQ(3, p->nspecs);
	ASSERT_STREQ("vfs_write", p->specs[1].name);
	ASSERT_EQ(2, p->specs[2].loc.line);
	ASSERT_EQ(3, p->specs[2].loc.col);
	ASSERT_NE(NULL, p->pred);
	ASSERT_TRUE(BIN(p->pred, OP_LAND));

	/* A division in a predicate needs parentheses. */
	FE_PARSE_OK(self, "BEGIN /(pid / 2) > 1/ { }");
	ASSERT_TRUE(BIN(fe_probe(self->s, 0)->pred, OP_GT));
	FE_PARSE_OK(self, "kprobe:f/pid/{}");
	ASSERT_EQ(AST_BUILTIN, fe_probe(self->s, 0)->pred->kind);
}

TEST_F(fe, statements)
{
	struct ast_node *st;
	static const enum ast_op cops[] = { OP_ADD, OP_SUB,  OP_MUL, OP_DIV,
					    OP_MOD, OP_BAND, OP_BOR, OP_BXOR,
					    OP_SHL, OP_SHR };
	size_t i;

	FE_PARSE_OK(self,
		    "BEGIN {\n"
		    "  $x = 1; @a = 2; @b[1, 2] = 3; @ = 4;\n"
		    "  $x += 1; $x -= 1; $x *= 1; $x /= 1; $x %= 1;\n"
		    "  $x &= 1; $x |= 1; $x ^= 1; $x <<= 1; $x >>= 1;\n"
		    "  $x++; $x--; ++$x; --@a;\n"
		    "  if (1) { } else if (2) { exit(); } else { return; }\n"
		    "  unroll(3) { @a++ }\n"
		    "  delete(@b[1, 2]); clear(@b); zero(@a); print(@a);\n"
		    "  print(1); printf(\"%d\\n\", 1); exit(); time(\"%H\");\n"
		    "  return\n"
		    "}");
	st = fe_stmt(self->s, 0, 0);
	ASSERT_EQ(AST_ASSIGN, st->kind);
	ASSERT_EQ(OP_NONE, st->u.assign.op);
	ASSERT_EQ(AST_VAR, st->u.assign.target->kind);
	ASSERT_STREQ("$x", st->u.assign.target->u.var.name);
	st = fe_stmt(self->s, 0, 2);
	ASSERT_EQ(AST_MAP, st->u.assign.target->kind);
	ASSERT_EQ(2, st->u.assign.target->u.map.keys.n);
	for (i = 0; i < 10; i++) {
		st = fe_stmt(self->s, 0, 4 + i);
		ASSERT_EQ(AST_ASSIGN, st->kind);
		ASSERT_EQ(cops[i], st->u.assign.op);
	}
	st = fe_stmt(self->s, 0, 14);
	ASSERT_EQ(AST_INCDEC, st->u.expr_stmt.expr->kind);
	ASSERT_TRUE(st->u.expr_stmt.expr->u.incdec.inc);
	ASSERT_FALSE(st->u.expr_stmt.expr->u.incdec.prefix);
	st = fe_stmt(self->s, 0, 17);
	ASSERT_FALSE(st->u.expr_stmt.expr->u.incdec.inc);
	ASSERT_TRUE(st->u.expr_stmt.expr->u.incdec.prefix);
	ASSERT_EQ(AST_MAP, st->u.expr_stmt.expr->u.incdec.target->kind);

	st = fe_stmt(self->s, 0, 18);
	ASSERT_EQ(AST_IF, st->kind);
	ASSERT_TRUE(st->u.if_.has_else);
	ASSERT_EQ(1, st->u.if_.els.n);
	ASSERT_EQ(AST_IF, st->u.if_.els.items[0]->kind);
	ASSERT_EQ(AST_RETURN, st->u.if_.els.items[0]->u.if_.els.items[0]->kind);

	st = fe_stmt(self->s, 0, 19);
	ASSERT_EQ(AST_UNROLL, st->kind);
	ASSERT_TRUE(IS_INT(st->u.unroll.count, 3));
	ASSERT_EQ(1, st->u.unroll.body.n);

	st = fe_stmt(self->s, 0, 20);
	ASSERT_EQ(FN_DELETE, st->u.expr_stmt.expr->u.call.id);
	ASSERT_EQ(FN_CLEAR,
		  fe_stmt(self->s, 0, 21)->u.expr_stmt.expr->u.call.id);
	ASSERT_EQ(FN_ZERO,
		  fe_stmt(self->s, 0, 22)->u.expr_stmt.expr->u.call.id);
	ASSERT_EQ(FN_PRINT,
		  fe_stmt(self->s, 0, 23)->u.expr_stmt.expr->u.call.id);
	ASSERT_EQ(FN_PRINTF,
		  fe_stmt(self->s, 0, 25)->u.expr_stmt.expr->u.call.id);
	ASSERT_EQ(FN_EXIT,
		  fe_stmt(self->s, 0, 26)->u.expr_stmt.expr->u.call.id);
	ASSERT_EQ(FN_TIME,
		  fe_stmt(self->s, 0, 27)->u.expr_stmt.expr->u.call.id);
	ASSERT_EQ(AST_RETURN, fe_stmt(self->s, 0, 28)->kind);
	ASSERT_EQ(29, fe_probe(self->s, 0)->body.n);
}

TEST_F(fe, shebang_and_comments)
{
	FE_PARSE_OK(self, "#!/usr/local/bin/fathom\n"
			  "/* header */\n"
			  "BEGIN // start\n"
			  "{ printf(\"hi\\n\"); /* x */ }\n");
	ASSERT_EQ(1, self->s->prog.nprobes);
	ASSERT_EQ(4, fe_stmt(self->s, 0, 0)->loc.line);
}

/* ---- syntax errors --------------------------------------------------- */

TEST_F(fe, unterminated_string)
{
	FE_FAILS(self, "BEGIN {\n  printf(\"abc);\n}", 2, 10,
		 "unterminated string");
}

TEST_F(fe, unbalanced_braces)
{
	FE_FAILS(self, "BEGIN {\n  @x = 1;\n", 3, 1, "expected '}'");
	ASSERT_TRUE(fe_has(&self->d, DIAG_NOTE, 1, 7, "to match this '{'"));
	FE_FAILS(self, "BEGIN { } }", 1, 11, "no matching '{'");
	FE_FAILS(self, "BEGIN { if (1) { @x = 1; }", 1, 27, "expected '}'");
}

TEST_F(fe, bad_probe_specs)
{
	static const struct {
		const char *src;
		unsigned int col;
		const char *msg;
	} bad[] = {
		{ "kprbe:f { }", 1,
		  "unknown probe type 'kprbe'; did you mean 'kprobe'?" },
		{ "foo { }", 1, "unknown probe type 'foo'" },
		{ "kprobe { }", 7, "missing the name in kprobe" },
		{ "kprobe: { }", 8, "missing the function name" },
		{ "kretprobe:f+4 { }", 12, "do not take an offset" },
		{ "kprobe:f+zz { }", 10, "invalid offset 'zz'" },
		{ "kprobe:f*+4 { }", 10,
		  "offset cannot be used with a wildcard" },
		{ "kprobe:f(x) { }", 9, "invalid character '('" },
		{ "tracepoint:sched { }", 17, "missing the event name" },
		{ "tracepoint:a:b:c { }", 15, "too many fields" },
		{ "uprobe:/bin/sh { }", 15, "missing the symbol" },
		{ "uprobe::readline { }", 8, "missing the path" },
		{ "interval:s { }", 11, "missing the count" },
		{ "interval:m:1 { }", 10, "unknown interval unit 'm'" },
		{ "interval:s:0 { }", 12, "invalid interval count '0'" },
		{ "interval:s:1x { }", 12, "invalid interval count '1x'" },
		{ "profile:hz:99999999999999999999 { }", 12,
		  "invalid profile count" },
		{ "BEGIN:x { }", 6, "BEGIN probes take no arguments" },
		{ "usdt:/bin/x { }", 12, "missing the probe name" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_NE(0, fe_parse(&self->d, &self->s, bad[i].src));
		if (!fe_err(&self->d, 1, bad[i].col, bad[i].msg))
			TH_LOG("%s:\n%s", bad[i].src, self->d.buf);
		ASSERT_TRUE(fe_err(&self->d, 1, bad[i].col, bad[i].msg));
	}
}

TEST_F(fe, syntax_errors)
{
	FE_FAILS(self, "BEGIN { @x = ; }", 1, 14, "expected an expression");
	FE_FAILS(self, "BEGIN { @x = 1 @y = 2 }", 1, 16, "expected ';' or '}'");
	FE_FAILS(self, "BEGIN { 1 = 2; }", 1, 11,
		 "must be a $variable or a @map");
	FE_FAILS(self, "BEGIN { @x = (1 + 2; }", 1, 20, "expected ')'");
	ASSERT_TRUE(fe_has(&self->d, DIAG_NOTE, 1, 14, "to match this '('"));
	FE_FAILS(self, "BEGIN { @x[] = 1; }", 1, 12, "expected a key");
	FE_FAILS(self, "BEGIN { @x = 1 ? 2; }", 1, 19, "expected ':'");
	FE_FAILS(self, "BEGIN { while (1) { } }", 1, 9, "not supported");
	FE_FAILS(self, "BEGIN { $x = (struct task_struct)curtask; }", 1, 33,
		 "expected '*': only pointers to structs can be cast to");
	FE_FAILS(self, "BEGIN { @x = (1, 2); }", 1, 16, "tuples");
	FE_FAILS(self, "kprobe:f /pid { }", 1, 15, "expected '/'");
	FE_FAILS(self, "kprobe:f pid { }", 1, 10, "expected '{' or ','");
	FE_FAILS(self, "", 1, 1, "no probes");
	FE_FAILS(self, "#include <linux/fs.h>\nBEGIN { }", 1, 1,
		 "#include is not supported");
}

TEST_F(fe, unknown_names)
{
	FE_FAILS(self, "BEGIN { @x = cnt(); }", 1, 14,
		 "unknown function 'cnt'; did you mean 'count'?");
	FE_FAILS(self, "BEGIN { printf(\"%d\", tdi); }", 1, 22,
		 "unknown identifier 'tdi'; did you mean 'tid'?");
	FE_FAILS(self, "BEGIN { @x = frobnicate(1); }", 1, 14,
		 "unknown function 'frobnicate'");
	FE_FAILS(self, "BEGIN { cat(\"/etc/passwd\"); }", 1, 9,
		 "function 'cat' is not supported");
	FE_FAILS(self, "BEGIN { system(\"ls\"); }", 1, 9,
		 "function 'system' is not supported");
	FE_FAILS(self, "BEGIN { @x = ntop(1); }", 1, 14,
		 "function 'ntop' is not supported");
	FE_FAILS(self, "BEGIN { @x = rand; }", 1, 14,
		 "builtin 'rand' is not supported");
}

TEST_F(fe, errors_accumulate)
{
	/* One error per statement, parsing resumes after each. */
	ASSERT_NE(0, fe_parse(&self->d, &self->s,
			      "BEGIN {\n @a = ;\n @b = );\n @c = 1;\n}\n"
			      "kprobe:f { @d = ; }\n"
			      "bogus:x { }\n"
			      "kprobe:g { @e = 1 }"));
	ASSERT_EQ(4, self->d.nerrors);
	ASSERT_TRUE(fe_err(&self->d, 2, 7, "expected an expression"));
	ASSERT_TRUE(fe_err(&self->d, 3, 7, "expected an expression"));
	ASSERT_TRUE(fe_err(&self->d, 6, 17, "expected an expression"));
	ASSERT_TRUE(fe_err(&self->d, 7, 1, "unknown probe type 'bogus'"));
}

TEST_F(fe, deep_nesting_is_an_error)
{
	char buf[4096];
	size_t i, n = 0;

	n += (size_t)snprintf(buf, sizeof(buf), "BEGIN { @x = ");
	for (i = 0; i < 1000; i++)
		buf[n++] = '(';
	buf[n++] = '1';
	for (i = 0; i < 1000; i++)
		buf[n++] = ')';
	snprintf(buf + n, sizeof(buf) - n, "; }");
	ASSERT_NE(0, fe_parse(&self->d, &self->s, buf));
	ASSERT_TRUE(fe_err(&self->d, 0, 0, "nesting is too deep"));

	/* A long operator chain is a deep tree too. */
	n = (size_t)snprintf(buf, sizeof(buf), "BEGIN { @x = 1");
	for (i = 0; i < 1000; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "+1");
	snprintf(buf + n, sizeof(buf) - n, "; }");
	ASSERT_NE(0, fe_parse(&self->d, &self->s, buf));
	ASSERT_TRUE(fe_err(&self->d, 0, 0, "nesting is too deep"));

	/* ...but a realistic one is fine. */
	n = (size_t)snprintf(buf, sizeof(buf), "BEGIN { @x = 1");
	for (i = 0; i < 100; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " + 1");
	snprintf(buf + n, sizeof(buf) - n, "; }");
	ASSERT_EQ(0, fe_check(&self->d, &self->s, buf)) FE_LOG(&self->d);
	ASSERT_EQ(101, fe_stmt(self->s, 0, 0)->u.assign.value->u.int_val);
}

TEST_HARNESS_MAIN
