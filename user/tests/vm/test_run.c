// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interpreter semantics: every opcode in its 64- and 32-bit, register and
 * immediate forms, with edge values; loads and stores of every width;
 * every jump condition taken and not taken; helpers and the memory-read
 * helpers with readable and faulting addresses.
 */
#include "kselftest_harness.h"
#include "vm_test.h"

#define FP FATHOM_REG_FP
#define EXIT FATHOM_EXIT_INSN()

struct alu_case {
	u8 code;
	u64 a, b; /* dst, then src register or imm (as s32) */
	u64 want;
	bool div0; /* expect the division-by-zero counter to move */
};

#define A64(op, s) (FATHOM_ALU64 | FATHOM_##op | FATHOM_##s)
#define A32(op, s) (FATHOM_ALU32 | FATHOM_##op | FATHOM_##s)
#define M1 0xffffffffffffffffULL

static const struct alu_case alu_cases[] = {
	{ A64(ADD, X), 5, 7, 12, false },
	{ A64(ADD, X), M1, 2, 1, false },
	{ A64(ADD, K), 5, (u64)-8, (u64)-3, false },
	{ A64(SUB, X), 3, 5, (u64)-2, false },
	{ A64(SUB, K), 10, 3, 7, false },
	{ A64(MUL, X), 0x100000000ULL, 3, 0x300000000ULL, false },
	{ A64(MUL, K), 7, (u64)-1, (u64)-7, false },
	{ A64(DIV, X), 100, 7, 14, false },
	{ A64(DIV, X), M1, 2, 0x7fffffffffffffffULL, false },
	{ A64(DIV, X), 100, 0, 0, true },
	{ A64(DIV, K), 100, 7, 14, false },
	{ A64(DIV, K), 5, (u64)-1, 0, false }, /* imm -1 is 2^64 - 1 */
	{ A64(MOD, X), 100, 7, 2, false },
	{ A64(MOD, X), 100, 0, 0, true },
	{ A64(MOD, K), 100, 7, 2, false },
	{ A64(AND, X), 0xff00ff, 0x0ff0f0, 0x0f00f0, false },
	{ A64(AND, K), 0x123456789ULL, (u64)-1, 0x123456789ULL, false },
	{ A64(OR, X), 0xf0, 0x0f, 0xff, false },
	{ A64(OR, K), 0, (u64)-1, M1, false },
	{ A64(XOR, X), 0xff, 0x0f, 0xf0, false },
	{ A64(XOR, K), 0xff, 0x0f, 0xf0, false },
	{ A64(LSH, X), 1, 63, 0x8000000000000000ULL, false },
	{ A64(LSH, X), 1, 65, 2, false }, /* masked to & 63 */
	{ A64(LSH, K), 1, 4, 16, false },
	{ A64(RSH, X), 0x8000000000000000ULL, 63, 1, false },
	{ A64(RSH, X), 0x100, 72, 1, false },
	{ A64(RSH, K), 0xff00, 8, 0xff, false },
	{ A64(ARSH, X), (u64)-16, 2, (u64)-4, false },
	{ A64(ARSH, X), (u64)-16, 66, (u64)-4, false },
	{ A64(ARSH, K), 0x8000000000000000ULL, 63, M1, false },
	{ A64(ARSH, K), 0x4000000000000000ULL, 62, 1, false },
	{ A64(NEG, K), 5, 0, (u64)-5, false },
	{ A64(MOV, X), 1, 0x123456789abcdefULL, 0x123456789abcdefULL, false },
	{ A64(MOV, K), 1, (u64)-1, M1, false }, /* sign-extended */

	/* ALU32: high bits of dst are set to check zero-extension. */
	{ A32(ADD, X), 0xffffffff00000005ULL, 7, 12, false },
	{ A32(ADD, X), 0xffffffff, 1, 0, false },
	{ A32(ADD, K), 0x100000005ULL, (u64)-8, 0xfffffffd, false },
	{ A32(SUB, X), 3, 5, 0xfffffffe, false },
	{ A32(SUB, K), 0xabcd00000000000aULL, 3, 7, false },
	{ A32(MUL, X), 0x10000, 0x10000, 0, false },
	{ A32(MUL, K), 7, (u64)-1, 0xfffffff9, false },
	{ A32(DIV, X), 0xffffffff00000064ULL, 7, 14, false },
	{ A32(DIV, X), 100, 0x100000000ULL, 0, true }, /* low half 0 */
	{ A32(DIV, K), 100, 7, 14, false },
	{ A32(DIV, K), 0xffffffff, (u64)-1, 1, false },
	{ A32(MOD, X), 100, 7, 2, false },
	{ A32(MOD, X), 100, 0, 0, true },
	{ A32(MOD, K), 0xf00000064ULL, 7, 2, false },
	{ A32(AND, X), M1, 0xffff0000ffffULL, 0xffff, false },
	{ A32(AND, K), M1, (u64)-1, 0xffffffff, false },
	{ A32(OR, X), 0xf0, 0x0f, 0xff, false },
	{ A32(OR, K), 0xffff000000000000ULL, 1, 1, false },
	{ A32(XOR, X), 0xff000000ff, 0x0f, 0xf0, false },
	{ A32(XOR, K), 0, (u64)-1, 0xffffffff, false },
	{ A32(LSH, X), 1, 31, 0x80000000, false },
	{ A32(LSH, X), 1, 33, 2, false }, /* masked to & 31 */
	{ A32(LSH, K), 0xf0000001, 4, 0x10, false },
	{ A32(RSH, X), 0xffffffff80000000ULL, 31, 1, false },
	{ A32(RSH, X), 0x80, 35, 0x10, false },
	{ A32(RSH, K), 0xff00, 8, 0xff, false },
	{ A32(ARSH, X), 0xfffffff0, 2, 0xfffffffc, false },
	{ A32(ARSH, X), 0xfffffff0, 34, 0xfffffffc, false },
	{ A32(ARSH, K), 0x80000000, 31, 0xffffffff, false },
	{ A32(ARSH, K), 0x40000000, 30, 1, false },
	{ A32(NEG, K), 5, 0, 0xfffffffb, false },
	{ A32(NEG, K), 0xffffffff00000000ULL, 0, 0, false },
	{ A32(MOV, X), 1, 0xffffffff12345678ULL, 0x12345678, false },
	{ A32(MOV, K), 1, (u64)-1, 0xffffffff, false },
};

static void build_alu(const struct alu_case *c, struct fathom_insn *p)
{
	const struct fathom_insn head[] = {
		FATHOM_LD_IMM64(0, c->a),
		FATHOM_LD_IMM64(1, c->b),
	};

	memcpy(p, head, sizeof(head));
	if (FATHOM_OP(c->code) == FATHOM_NEG)
		p[4] = FATHOM_RAW_INSN(c->code, 0, 0, 0, 0);
	else if (FATHOM_SRC(c->code) == FATHOM_X)
		p[4] = FATHOM_RAW_INSN(c->code, 0, 1, 0, 0);
	else
		p[4] = FATHOM_RAW_INSN(c->code, 0, 0, 0, (s32)c->b);
	p[5] = FATHOM_EXIT_INSN();
}

TEST(alu)
{
	struct vm_test *t = calloc(1, sizeof(*t));
	struct fathom_insn p[6];
	unsigned int i;

	vm_test_init(t);
	for (i = 0; i < ARRAY_SIZE(alu_cases); i++) {
		const struct alu_case *c = &alu_cases[i];
		s64 div0;

		build_alu(c, p);
		ASSERT_EQ(0, vm_test_verify(t, p, 6))
		TH_LOG("case %u: %s", i, t->logbuf);
		EXPECT_EQ(c->want, vm_test_run(t))
		TH_LOG("case %u: code 0x%02x a 0x%llx b 0x%llx", i, c->code,
		       (unsigned long long)c->a, (unsigned long long)c->b);
		div0 = atomic64_read(&t->prog.stats.div_by_zero);
		EXPECT_EQ(c->div0 ? 1 : 0, div0) TH_LOG("case %u", i);
	}
	free(t);
}

struct jmp_case {
	u8 code;
	u64 a, b;
	bool taken;
};

#define J(op, s) (FATHOM_JMP | FATHOM_##op | FATHOM_##s)

static const struct jmp_case jmp_cases[] = {
	{ J(JEQ, X), 5, 5, true },
	{ J(JEQ, X), 5, 6, false },
	{ J(JEQ, K), M1, (u64)-1, true }, /* imm sign-extended */
	{ J(JEQ, K), 0xffffffff, (u64)-1, false },
	{ J(JNE, X), 5, 6, true },
	{ J(JNE, X), 5, 5, false },
	{ J(JNE, K), 5, 6, true },
	{ J(JNE, K), 5, 5, false },
	{ J(JGT, X), M1, 1, true },
	{ J(JGT, X), 1, 2, false },
	{ J(JGT, K), M1, (u64)-2, true },
	{ J(JGT, K), 1, (u64)-1, false },
	{ J(JGE, X), 2, 2, true },
	{ J(JGE, X), 1, 2, false },
	{ J(JGE, K), 2, 2, true },
	{ J(JGE, K), 1, 2, false },
	{ J(JLT, X), 1, M1, true },
	{ J(JLT, X), 2, 1, false },
	{ J(JLT, K), 1, (u64)-1, true },
	{ J(JLT, K), 2, 1, false },
	{ J(JLE, X), 2, 2, true },
	{ J(JLE, X), 3, 2, false },
	{ J(JLE, K), 2, 2, true },
	{ J(JLE, K), M1, 2, false },
	{ J(JSGT, X), 1, M1, true },
	{ J(JSGT, X), M1, 1, false },
	{ J(JSGT, K), 1, (u64)-1, true },
	{ J(JSGT, K), M1, 1, false },
	{ J(JSGE, X), M1, M1, true },
	{ J(JSGE, X), (u64)-2, M1, false },
	{ J(JSGE, K), M1, (u64)-1, true },
	{ J(JSGE, K), (u64)-2, (u64)-1, false },
	{ J(JSLT, X), M1, 1, true },
	{ J(JSLT, X), 1, M1, false },
	{ J(JSLT, K), 0x8000000000000000ULL, 0, true },
	{ J(JSLT, K), 0, 0, false },
	{ J(JSLE, X), (u64)-5, (u64)-5, true },
	{ J(JSLE, X), 0, M1, false },
	{ J(JSLE, K), (u64)-5, (u64)-5, true },
	{ J(JSLE, K), 0, (u64)-1, false },
	{ J(JSET, X), 6, 2, true },
	{ J(JSET, X), 4, 3, false },
	{ J(JSET, X), 0x100000000ULL, 0x100000000ULL, true },
	{ J(JSET, K), 6, 2, true },
	{ J(JSET, K), 4, 3, false },
	{ J(JSET, K), 0x8000000000000000ULL, (u64)-1, true },
};

TEST(jumps)
{
	struct vm_test *t = calloc(1, sizeof(*t));
	unsigned int i;

	vm_test_init(t);
	for (i = 0; i < ARRAY_SIZE(jmp_cases); i++) {
		const struct jmp_case *c = &jmp_cases[i];
		struct fathom_insn p[] = {
			FATHOM_LD_IMM64(1, c->a),
			FATHOM_LD_IMM64(2, c->b),
			FATHOM_MOV64_IMM(0, 0),
			FATHOM_SRC(c->code) == FATHOM_X
				? FATHOM_RAW_INSN(c->code, 1, 2, 1, 0)
				: FATHOM_RAW_INSN(c->code, 1, 0, 1, (s32)c->b),
			EXIT,
			FATHOM_MOV64_IMM(0, 1),
			EXIT,
		};

		ASSERT_EQ(0, vm_test_verify(t, p, ARRAY_SIZE(p)))
		TH_LOG("case %u: %s", i, t->logbuf);
		EXPECT_EQ(c->taken, vm_test_run(t))
		TH_LOG("case %u: code 0x%02x a 0x%llx b 0x%llx", i, c->code,
		       (unsigned long long)c->a, (unsigned long long)c->b);
	}
	free(t);
}

TEST(ja_and_join)
{
	struct vm_test *t = calloc(1, sizeof(*t));
	/* r0 = (r1 == 3) ? 30 : 40, through a join at the exit. */
	struct fathom_insn p[] = {
		FATHOM_MOV64_IMM(1, 3),	 FATHOM_JMP_IMM(FATHOM_JEQ, 1, 3, 2),
		FATHOM_MOV64_IMM(0, 40), FATHOM_JA_INSN(1),
		FATHOM_MOV64_IMM(0, 30), EXIT,
	};

	vm_test_init(t);
	ASSERT_EQ(0, vm_test_verify(t, p, ARRAY_SIZE(p)));
	EXPECT_EQ(30, vm_test_run(t));
	p[0] = FATHOM_MOV64_IMM(1, 4);
	ASSERT_EQ(0, vm_test_verify(t, p, ARRAY_SIZE(p)));
	EXPECT_EQ(40, vm_test_run(t));
	free(t);
}

TEST(ld_imm64)
{
	static const u64 vals[] = {
		0x123456789abcdef0ULL,
		0xffffffff00000000ULL,
		0x00000000ffffffffULL,
		0,
		M1,
		0x80000000ULL,
	};
	struct vm_test *t = calloc(1, sizeof(*t));
	unsigned int i;

	vm_test_init(t);
	for (i = 0; i < ARRAY_SIZE(vals); i++) {
		struct fathom_insn p[] = { FATHOM_LD_IMM64(0, vals[i]), EXIT };

		ASSERT_EQ(0, vm_test_verify(t, p, 3));
		EXPECT_EQ(vals[i], vm_test_run(t));
	}
	free(t);
}

/* Store all-ones at fp-16, load each width: zero-extended. */
TEST(load_widths)
{
	static const struct {
		u8 size;
		u64 want;
	} c[] = {
		{ FATHOM_B, 0xff },
		{ FATHOM_H, 0xffff },
		{ FATHOM_W, 0xffffffff },
		{ FATHOM_DW, M1 },
	};
	struct vm_test *t = calloc(1, sizeof(*t));
	unsigned int i;

	vm_test_init(t);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		struct fathom_insn p[] = {
			FATHOM_LD_IMM64(1, M1),
			FATHOM_STX_MEM(FATHOM_DW, FP, 1, -16),
			FATHOM_LDX_MEM(c[i].size, 0, FP, -16),
			EXIT,
		};

		ASSERT_EQ(0, vm_test_verify(t, p, ARRAY_SIZE(p)))
		TH_LOG("%s", t->logbuf);
		EXPECT_EQ(c[i].want, vm_test_run(t));
	}
	free(t);
}

/* Store each width into a zeroed slot; the DW load shows what landed. */
TEST(store_widths)
{
	static const struct {
		u8 size;
		u64 st, stx;
	} c[] = {
		{ FATHOM_B, 0xff, 0x88 },
		{ FATHOM_H, 0xffff, 0x7788 },
		{ FATHOM_W, 0xffffffff, 0x55667788 },
		{ FATHOM_DW, M1, 0x1122334455667788ULL }, /* imm sign-ext */
	};
	struct vm_test *t = calloc(1, sizeof(*t));
	unsigned int i;

	vm_test_init(t);
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		struct fathom_insn st[] = {
			FATHOM_ST_MEM(FATHOM_DW, FP, -512, 0),
			FATHOM_ST_MEM(c[i].size, FP, -512, -1),
			FATHOM_LDX_MEM(FATHOM_DW, 0, FP, -512),
			EXIT,
		};
		struct fathom_insn stx[] = {
			FATHOM_LD_IMM64(1, 0x1122334455667788ULL),
			FATHOM_ST_MEM(FATHOM_DW, FP, -8, 0),
			FATHOM_STX_MEM(c[i].size, FP, 1, -8),
			FATHOM_LDX_MEM(FATHOM_DW, 0, FP, -8),
			EXIT,
		};

		ASSERT_EQ(0, vm_test_verify(t, st, ARRAY_SIZE(st)));
		EXPECT_EQ(c[i].st, vm_test_run(t)) TH_LOG("st %u", i);
		ASSERT_EQ(0, vm_test_verify(t, stx, ARRAY_SIZE(stx)));
		EXPECT_EQ(c[i].stx, vm_test_run(t)) TH_LOG("stx %u", i);
	}
	free(t);
}

/* Every offset through a derived pointer lands in the caller's stack. */
TEST(stack_pointer_arith)
{
	struct vm_test *t = calloc(1, sizeof(*t));
	struct fathom_insn p[] = {
		FATHOM_MOV64_REG(2, FP),
		FATHOM_ALU64_IMM(FATHOM_SUB, 2, 256),
		FATHOM_ALU64_IMM(FATHOM_ADD, 2, 8),
		FATHOM_ST_MEM(FATHOM_DW, 2, -8, 0x5a5a),
		FATHOM_LDX_MEM(FATHOM_H, 0, FP, -256),
		EXIT,
	};

	vm_test_init(t);
	ASSERT_EQ(0, vm_test_verify(t, p, ARRAY_SIZE(p)));
	EXPECT_EQ(0x5a5a, vm_test_run(t));
	EXPECT_EQ(0x5a5a, t->stack[(FATHOM_STACK_SIZE - 256) / 8]);
	free(t);
}

static u64 add5(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, void *ctx)
{
	return r1 + r2 + r3 + r4 + r5 + (ctx ? 1000 : 0);
}

TEST(call_helper)
{
	struct vm_test *t = calloc(1, sizeof(*t));
	struct fathom_insn p[] = {
		FATHOM_MOV64_IMM(6, 7),
		FATHOM_MOV64_IMM(9, 9),
		FATHOM_MOV64_IMM(1, 1),
		FATHOM_MOV64_IMM(2, 2),
		FATHOM_MOV64_IMM(3, 3),
		FATHOM_MOV64_IMM(4, 4),
		FATHOM_MOV64_IMM(5, 5),
		/* get_gid's signature takes no args: the stub ignores them */
		FATHOM_CALL_HELPER(FATHOM_HELPER_GET_GID),
		FATHOM_ALU64_REG(FATHOM_ADD, 0, 6),
		FATHOM_ALU64_REG(FATHOM_ADD, 0, 9),
		EXIT,
	};
	int ctx;

	vm_test_init(t);
	ASSERT_EQ(0, vm_test_verify(t, p, ARRAY_SIZE(p)));
	EXPECT_EQ(FATHOM_HELPER_GET_GID + 16, vm_test_run(t));
	/* The helper sees R1..R5 and ctx. */
	t->helpers[FATHOM_HELPER_GET_GID] = add5;
	ASSERT_EQ(0, vm_test_verify(t, p, ARRAY_SIZE(p)));
	EXPECT_EQ(15 + 16, vm_test_run(t));
	EXPECT_EQ(1015 + 16, fathom_vm_run(&t->prog, &ctx, (u8 *)t->stack));
	free(t);
}

/* probe_read_*(stack - 16, len, addr) with the stack pre-filled. */
static u64 run_read(struct vm_test *t, int helper, u32 len, const void *src,
		    int *err)
{
	struct fathom_insn p[] = {
		FATHOM_ST_MEM(FATHOM_DW, FP, -16, -1),
		FATHOM_ST_MEM(FATHOM_DW, FP, -8, -1),
		FATHOM_MOV64_REG(1, FP),
		FATHOM_ALU64_IMM(FATHOM_ADD, 1, -16),
		FATHOM_MOV64_IMM(2, len),
		FATHOM_LD_IMM64(3, (unsigned long)src),
		FATHOM_CALL_HELPER(helper),
		EXIT,
	};

	*err = vm_test_verify(t, p, ARRAY_SIZE(p));
	if (*err)
		return 0;
	return vm_test_run(t);
}

#define DST(t) ((u8 *)(t)->stack + FATHOM_STACK_SIZE - 16)

TEST(probe_read)
{
	static const u8 zero[16];
	struct vm_test *t = calloc(1, sizeof(*t));
	u64 word = 0x0807060504030201ULL, ret;
	u8 *unreg = malloc(16);
	int err;

	vm_test_init(t);
	fathom_shim_clear_ranges();
	ASSERT_EQ(0, fathom_shim_add_range(&word, sizeof(word),
					   FATHOM_SHIM_KERNEL));
	ret = run_read(t, FATHOM_HELPER_PROBE_READ_KERNEL, 8, &word, &err);
	ASSERT_EQ(0, err) TH_LOG("%s", t->logbuf);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0, memcmp(DST(t), &word, 8));
	EXPECT_EQ(0xff, DST(t)[8]); /* untouched past len */

	/* One byte past the readable range: fault, zero-filled. */
	ret = run_read(t, FATHOM_HELPER_PROBE_READ_KERNEL, 9, &word, &err);
	EXPECT_EQ(-EFAULT, (s64)ret);
	EXPECT_EQ(0, memcmp(DST(t), zero, 9));
	EXPECT_EQ(0xff, DST(t)[9]);

	/* Unregistered, NULL, and the wrong address space. */
	ret = run_read(t, FATHOM_HELPER_PROBE_READ_KERNEL, 16, unreg, &err);
	EXPECT_EQ(-EFAULT, (s64)ret);
	EXPECT_EQ(0, memcmp(DST(t), zero, 16));
	ret = run_read(t, FATHOM_HELPER_PROBE_READ_KERNEL, 8, NULL, &err);
	EXPECT_EQ(-EFAULT, (s64)ret);
	ret = run_read(t, FATHOM_HELPER_PROBE_READ_USER, 8, &word, &err);
	EXPECT_EQ(-EFAULT, (s64)ret);
	EXPECT_EQ(0, memcmp(DST(t), zero, 8));

	ASSERT_EQ(0, fathom_shim_add_range(unreg, 16, FATHOM_SHIM_USER));
	memset(unreg, 0x42, 16);
	ret = run_read(t, FATHOM_HELPER_PROBE_READ_USER, 16, unreg, &err);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0, memcmp(DST(t), unreg, 16));
	fathom_shim_clear_ranges();
	free(unreg);
	free(t);
}

TEST(probe_read_str)
{
	static const u8 zero[16];
	struct vm_test *t = calloc(1, sizeof(*t));
	char *s = malloc(6);
	u64 ret;
	int err;

	memcpy(s, "hello", 6);
	vm_test_init(t);
	fathom_shim_clear_ranges();
	ASSERT_EQ(0, fathom_shim_add_range(s, 6, FATHOM_SHIM_KERNEL));

	/* Whole string: length with NUL, tail zero-filled. */
	ret = run_read(t, FATHOM_HELPER_PROBE_READ_KERNEL_STR, 16, s, &err);
	ASSERT_EQ(0, err) TH_LOG("%s", t->logbuf);
	EXPECT_EQ(6, ret);
	EXPECT_STREQ("hello", (char *)DST(t));
	EXPECT_EQ(0, memcmp(DST(t) + 6, zero, 10));

	/* Truncated: NUL-terminated, returns the buffer size. */
	ret = run_read(t, FATHOM_HELPER_PROBE_READ_KERNEL_STR, 4, s, &err);
	EXPECT_EQ(4, ret);
	EXPECT_STREQ("hel", (char *)DST(t));
	EXPECT_EQ(0xff, DST(t)[4]);

	/* No NUL before the readable range ends: fault, zero-filled. */
	ret = run_read(t, FATHOM_HELPER_PROBE_READ_KERNEL_STR, 16, s + 6, &err);
	EXPECT_EQ(-EFAULT, (s64)ret);
	EXPECT_EQ(0, memcmp(DST(t), zero, 16));
	s[5] = 'x';
	ret = run_read(t, FATHOM_HELPER_PROBE_READ_KERNEL_STR, 16, s, &err);
	EXPECT_EQ(-EFAULT, (s64)ret);
	EXPECT_EQ(0, memcmp(DST(t), zero, 16));
	s[5] = '\0';

	/* User space: only user ranges count. */
	ret = run_read(t, FATHOM_HELPER_PROBE_READ_USER_STR, 16, s, &err);
	EXPECT_EQ(-EFAULT, (s64)ret);
	ASSERT_EQ(0, fathom_shim_add_range(s, 6, FATHOM_SHIM_USER));
	ret = run_read(t, FATHOM_HELPER_PROBE_READ_USER_STR, 16, s, &err);
	EXPECT_EQ(6, ret);
	EXPECT_STREQ("hello", (char *)DST(t));
	fathom_shim_clear_ranges();
	free(s);
	free(t);
}

/*
 * Every opcode in FATHOM_INSN_MAP is exercised by a test in this file:
 * ALU and conditional jumps by the tables, the rest by name below.
 */
TEST(every_opcode_covered)
{
	static const u8 by_hand[] = {
		FATHOM_JMP | FATHOM_JA,
		FATHOM_JMP | FATHOM_CALL,
		FATHOM_JMP | FATHOM_EXIT,
		FATHOM_LD_IMM64_CODE,
#define MEM(sz)                                            \
	FATHOM_LDX | FATHOM_##sz, FATHOM_ST | FATHOM_##sz, \
		FATHOM_STX | FATHOM_##sz
		MEM(B),
		MEM(H),
		MEM(W),
		MEM(DW),
#undef MEM
	};
#define CODE(label, code, sym) code,
	static const u8 all[] = { FATHOM_INSN_MAP(CODE) };
#undef CODE
	bool seen[256] = { false };
	unsigned int i, missing = 0;

	for (i = 0; i < ARRAY_SIZE(alu_cases); i++)
		seen[alu_cases[i].code] = true;
	for (i = 0; i < ARRAY_SIZE(jmp_cases); i++)
		seen[jmp_cases[i].code] = true;
	for (i = 0; i < ARRAY_SIZE(by_hand); i++)
		seen[by_hand[i]] = true;
	for (i = 0; i < ARRAY_SIZE(all); i++) {
		if (!seen[all[i]]) {
			missing++;
			TH_LOG("opcode 0x%02x untested", all[i]);
		}
	}
	EXPECT_EQ(0, missing);
	EXPECT_EQ(88, (int)ARRAY_SIZE(all));
}

TEST_HARNESS_MAIN
