// SPDX-License-Identifier: GPL-2.0-only
/*
 * Verifier rejection rules: for each rule a minimal program that breaks
 * it, checked for errno, instruction index and reason; plus join-point
 * merging, helper arguments and fail-closed behaviour.
 */
#include "kselftest_harness.h"
#include "vm_test.h"

#define FP FATHOM_REG_FP
#define MOV(d, i) FATHOM_MOV64_IMM(d, i)
#define EXIT FATHOM_EXIT_INSN()
#define ALU(op, d, i) FATHOM_ALU64_IMM(FATHOM_##op, d, i)
#define ALUX(op, d, s) FATHOM_ALU64_REG(FATHOM_##op, d, s)

/* Verify and expect a rejection with errno e at insn idx, reason sub. */
#define REJECT(e, idx, sub, ...)                                             \
	do {                                                                 \
		struct vm_test *t = calloc(1, sizeof(*t));                   \
		vm_test_init(t);                                             \
		ASSERT_EQ(e,                                                 \
			  vm_test_verify(t, P(__VA_ARGS__), N(__VA_ARGS__))) \
		TH_LOG("log: %s", t->logbuf);                                \
		EXPECT_EQ(idx, t->log.insn) TH_LOG("log: %s", t->logbuf);    \
		EXPECT_NE(NULL, strstr(t->logbuf, sub))                      \
		TH_LOG("log: %s", t->logbuf);                                \
		EXPECT_EQ(&fathom_run_reject, t->prog.run);                  \
		EXPECT_EQ(0, vm_test_run(t));                                \
		free(t);                                                     \
	} while (0)

#define ACCEPT(...)                                                          \
	do {                                                                 \
		struct vm_test *t = calloc(1, sizeof(*t));                   \
		vm_test_init(t);                                             \
		ASSERT_EQ(0,                                                 \
			  vm_test_verify(t, P(__VA_ARGS__), N(__VA_ARGS__))) \
		TH_LOG("log: %s", t->logbuf);                                \
		EXPECT_EQ(&fathom_run_interp, t->prog.run);                  \
		free(t);                                                     \
	} while (0)

/* r1 = r10 - 8 after an 8-byte store there */
#define BUF8                                                          \
	FATHOM_ST_MEM(FATHOM_DW, FP, -8, 7), FATHOM_MOV64_REG(1, FP), \
		ALU(ADD, 1, -8)

TEST(empty_program)
{
	struct vm_test *t = calloc(1, sizeof(*t));

	vm_test_init(t);
	ASSERT_EQ(-EINVAL, vm_test_verify(t, NULL, 0));
	EXPECT_EQ(-1, t->log.insn);
	EXPECT_NE(NULL, strstr(t->logbuf, "empty"));
	free(t);
}

TEST(too_long)
{
	static struct fathom_insn insns[FATHOM_MAX_INSNS + 1];
	struct vm_test *t = calloc(1, sizeof(*t));
	unsigned int i;

	for (i = 0; i < FATHOM_MAX_INSNS; i++)
		insns[i] = FATHOM_MOV64_IMM(0, i);
	insns[FATHOM_MAX_INSNS] = FATHOM_EXIT_INSN();
	vm_test_init(t);
	ASSERT_EQ(-E2BIG, vm_test_verify(t, insns, FATHOM_MAX_INSNS + 1));
	EXPECT_NE(NULL, strstr(t->logbuf, "limit is 4096"));
	/* Exactly at the limit is fine. */
	insns[FATHOM_MAX_INSNS - 1] = FATHOM_EXIT_INSN();
	ASSERT_EQ(0, vm_test_verify(t, insns, FATHOM_MAX_INSNS))
	TH_LOG("%s", t->logbuf);
	EXPECT_EQ(FATHOM_MAX_INSNS - 2, vm_test_run(t));
	free(t);
}

TEST(falls_off_end)
{
	REJECT(-EINVAL, 1, "last instruction must be exit", MOV(0, 0),
	       MOV(0, 1));
	REJECT(-EINVAL, 1, "last instruction", MOV(0, 0),
	       FATHOM_JMP_IMM(FATHOM_JEQ, 0, 0, 0));
}

TEST(reserved_fields)
{
	REJECT(-EINVAL, 0, "reserved field",
	       FATHOM_RAW_INSN(FATHOM_ALU64 | FATHOM_MOV | FATHOM_K, 0, 1, 0,
			       5),
	       EXIT);
	REJECT(-EINVAL, 0, "reserved field",
	       FATHOM_RAW_INSN(FATHOM_ALU64 | FATHOM_ADD | FATHOM_X, 0, 1, 0,
			       5),
	       EXIT);
	REJECT(-EINVAL, 1, "reserved field", MOV(0, 0),
	       FATHOM_RAW_INSN(FATHOM_JMP | FATHOM_EXIT, 0, 0, 1, 0));
	REJECT(-EINVAL, 0, "reserved field",
	       FATHOM_RAW_INSN(FATHOM_ALU64 | FATHOM_NEG, 0, 0, 0, 1), EXIT);
	REJECT(-EINVAL, 0, "reserved field",
	       FATHOM_RAW_INSN(FATHOM_JMP | FATHOM_CALL, 1, 0, 0, 1), EXIT);
	REJECT(-EINVAL, 0, "reserved field",
	       FATHOM_RAW_INSN(FATHOM_ST | FATHOM_DW, FP, 2, -8, 1), EXIT);
}

TEST(unknown_opcode)
{
	REJECT(-EINVAL, 0, "unknown opcode 0x00",
	       FATHOM_RAW_INSN(0, 0, 0, 0, 0), EXIT);
	REJECT(-EINVAL, 0, "unknown opcode 0xff",
	       FATHOM_RAW_INSN(0xff, 0, 0, 0, 0), EXIT);
	REJECT(-EINVAL, 0, "unknown opcode 0xd1",
	       FATHOM_RAW_INSN(FATHOM_ALU64 | 0xd0, 0, 0, 0, 0), EXIT);
	REJECT(-EINVAL, 0, "unknown opcode 0xba",
	       FATHOM_RAW_INSN(FATHOM_ALU32 | FATHOM_NEG | FATHOM_X, 0, 1, 0,
			       0),
	       EXIT);
	REJECT(-EINVAL, 0, "unknown opcode",
	       FATHOM_RAW_INSN(FATHOM_LDX | 0x20 | FATHOM_DW, 0, FP, -8, 0),
	       EXIT);
}

TEST(invalid_register)
{
	REJECT(-EINVAL, 0, "invalid register R11", MOV(11, 0), EXIT);
	REJECT(-EINVAL, 0, "invalid register R15", FATHOM_MOV64_REG(0, 15),
	       EXIT);
}

TEST(ld_imm64_structure)
{
	REJECT(-EINVAL, 1, "missing its second slot", MOV(0, 0),
	       FATHOM_RAW_INSN(FATHOM_LD_IMM64_CODE, 0, 0, 0, 1));
	REJECT(-EINVAL, 1, "malformed ld_imm64 second slot",
	       FATHOM_RAW_INSN(FATHOM_LD_IMM64_CODE, 0, 0, 0, 1),
	       FATHOM_RAW_INSN(0, 1, 0, 0, 0), EXIT);
	REJECT(-EINVAL, 1, "malformed ld_imm64 second slot",
	       FATHOM_RAW_INSN(FATHOM_LD_IMM64_CODE, 0, 0, 0, 1),
	       FATHOM_RAW_INSN(FATHOM_EXIT | FATHOM_JMP, 0, 0, 0, 0), EXIT);
	REJECT(-EINVAL, 0, "jump into the middle of ld_imm64",
	       FATHOM_JA_INSN(1), FATHOM_LD_IMM64(0, 5), EXIT);
	/* The second slot is not the last instruction's exit. */
	REJECT(-EINVAL, 1, "last instruction", FATHOM_LD_IMM64(0, 5));
}

TEST(jumps)
{
	REJECT(-EINVAL, 1, "backward jump", MOV(0, 0), FATHOM_JA_INSN(-2),
	       EXIT);
	REJECT(-EINVAL, 1, "backward jump", MOV(0, 0),
	       FATHOM_JMP_IMM(FATHOM_JEQ, 0, 0, -1), EXIT);
	REJECT(-EINVAL, 1, "out of range", MOV(0, 0),
	       FATHOM_JMP_IMM(FATHOM_JEQ, 0, 0, 1), EXIT);
	REJECT(-EINVAL, 1, "out of range", MOV(0, 0), FATHOM_JA_INSN(5), EXIT);
	REJECT(-EINVAL, 1, "out of range", MOV(0, 0), FATHOM_JA_INSN(0x7fff),
	       EXIT);
	/* off 0 is a jump to the next instruction: fine. */
	ACCEPT(MOV(0, 0), FATHOM_JMP_IMM(FATHOM_JEQ, 0, 0, 0), EXIT);
	/* A ja as the last instruction always leaves the program. */
	REJECT(-EINVAL, 1, "out of range", MOV(0, 0), FATHOM_JA_INSN(0));
}

TEST(unreachable)
{
	REJECT(-EINVAL, 2, "unreachable", MOV(0, 0), EXIT, MOV(0, 1), EXIT);
	REJECT(-EINVAL, 2, "unreachable", MOV(0, 0), FATHOM_JA_INSN(1),
	       MOV(0, 1), EXIT);
}

TEST(uninit_register)
{
	REJECT(-EACCES, 0, "R0 is read before it is written", EXIT);
	REJECT(-EACCES, 1, "R3 is read before it is written", MOV(0, 0),
	       ALUX(ADD, 0, 3), EXIT);
	REJECT(-EACCES, 0, "R2 is read before it is written", ALU(ADD, 2, 1),
	       MOV(0, 0), EXIT);
	REJECT(-EACCES, 1, "R4 is read before it is written", MOV(0, 0),
	       FATHOM_JMP_IMM(FATHOM_JEQ, 4, 0, 0), EXIT);
	REJECT(-EACCES, 1, "R6 is read before it is written", MOV(0, 0),
	       FATHOM_STX_MEM(FATHOM_DW, FP, 6, -8), EXIT);
	REJECT(-EACCES, 0, "R1 is read before it is written",
	       FATHOM_ALU64_IMM(FATHOM_NEG, 1, 0), MOV(0, 0), EXIT);
	/* R1-R5 are clobbered by a call. */
	REJECT(-EACCES, 2, "R1 is read before it is written", MOV(1, 0),
	       FATHOM_CALL_HELPER(FATHOM_HELPER_GET_PID),
	       FATHOM_MOV64_REG(0, 1), EXIT);
	ACCEPT(MOV(6, 0), FATHOM_CALL_HELPER(FATHOM_HELPER_GET_PID),
	       FATHOM_MOV64_REG(0, 6), EXIT);
}

TEST(uninit_stack)
{
	REJECT(-EACCES, 0, "stack byte R10-8 is read before it is written",
	       FATHOM_LDX_MEM(FATHOM_DW, 0, FP, -8), EXIT);
	/* 4 of the 8 bytes written: the first missing one is reported. */
	REJECT(-EACCES, 1, "stack byte R10-4 is read",
	       FATHOM_ST_MEM(FATHOM_W, FP, -8, 1),
	       FATHOM_LDX_MEM(FATHOM_DW, 0, FP, -8), EXIT);
	ACCEPT(FATHOM_ST_MEM(FATHOM_W, FP, -8, 1),
	       FATHOM_ST_MEM(FATHOM_W, FP, -4, 1),
	       FATHOM_LDX_MEM(FATHOM_DW, 0, FP, -8), EXIT);
}

TEST(stack_bounds)
{
	REJECT(-EACCES, 0, "out of bounds", FATHOM_ST_MEM(FATHOM_B, FP, 0, 1),
	       MOV(0, 0), EXIT);
	REJECT(-EACCES, 0, "out of bounds",
	       FATHOM_ST_MEM(FATHOM_DW, FP, -520, 1), MOV(0, 0), EXIT);
	REJECT(-EACCES, 0, "R10-4 size 8 is out of bounds",
	       FATHOM_ST_MEM(FATHOM_DW, FP, -4, 1), MOV(0, 0), EXIT);
	REJECT(-EACCES, 2, "out of bounds", FATHOM_MOV64_REG(1, FP),
	       ALU(ADD, 1, -512), FATHOM_ST_MEM(FATHOM_B, 1, -1, 0), MOV(0, 0),
	       EXIT);
	ACCEPT(FATHOM_ST_MEM(FATHOM_DW, FP, -512, 1),
	       FATHOM_ST_MEM(FATHOM_B, FP, -1, 1), MOV(0, 0), EXIT);
	/* Loads and stores only through stack pointers. */
	REJECT(-EACCES, 1, "R1 is not a stack pointer", MOV(1, 64),
	       FATHOM_LDX_MEM(FATHOM_DW, 0, 1, 0), EXIT);
}

TEST(stack_alignment)
{
	REJECT(-EACCES, 0, "misaligned", FATHOM_ST_MEM(FATHOM_DW, FP, -12, 1),
	       MOV(0, 0), EXIT);
	REJECT(-EACCES, 0, "misaligned", FATHOM_ST_MEM(FATHOM_H, FP, -3, 1),
	       MOV(0, 0), EXIT);
	REJECT(-EACCES, 2, "misaligned", FATHOM_MOV64_REG(1, FP),
	       ALU(ADD, 1, -6), FATHOM_ST_MEM(FATHOM_W, 1, 0, 1), MOV(0, 0),
	       EXIT);
	ACCEPT(FATHOM_ST_MEM(FATHOM_W, FP, -12, 1), MOV(0, 0), EXIT);
}

TEST(r10_read_only)
{
	REJECT(-EACCES, 0, "R10 is read-only", MOV(FP, 0), MOV(0, 0), EXIT);
	REJECT(-EACCES, 0, "R10 is read-only", ALU(ADD, FP, -8), MOV(0, 0),
	       EXIT);
	REJECT(-EACCES, 1, "R10 is read-only",
	       FATHOM_ST_MEM(FATHOM_DW, FP, -8, 1),
	       FATHOM_LDX_MEM(FATHOM_DW, FP, FP, -8), MOV(0, 0), EXIT);
	REJECT(-EACCES, 0, "R10 is read-only", FATHOM_LD_IMM64(FP, 1),
	       MOV(0, 0), EXIT);
	REJECT(-EACCES, 0, "R10 is read-only",
	       FATHOM_ALU32_IMM(FATHOM_MOV, FP, 1), MOV(0, 0), EXIT);
}

TEST(pointer_rules)
{
	REJECT(-EACCES, 1, "only adding or subtracting a constant",
	       FATHOM_MOV64_REG(1, FP), ALU(MUL, 1, 2), MOV(0, 0), EXIT);
	REJECT(-EACCES, 2, "only adding or subtracting a constant",
	       FATHOM_MOV64_REG(1, FP), MOV(2, -8), ALUX(ADD, 1, 2), MOV(0, 0),
	       EXIT);
	REJECT(-EACCES, 1, "only adding or subtracting a constant",
	       FATHOM_MOV64_REG(1, FP), FATHOM_ALU32_IMM(FATHOM_ADD, 1, -8),
	       MOV(0, 0), EXIT);
	REJECT(-EACCES, 1, "stack pointer used as a scalar operand", MOV(2, 0),
	       ALUX(ADD, 2, FP), MOV(0, 0), EXIT);
	REJECT(-EACCES, 0, "32-bit move of a stack pointer",
	       FATHOM_ALU32_REG(FATHOM_MOV, 1, FP), MOV(0, 0), EXIT);
	REJECT(-EACCES, 1, "out of the stack", FATHOM_MOV64_REG(1, FP),
	       ALU(ADD, 1, -520), MOV(0, 0), EXIT);
	REJECT(-EACCES, 1, "out of the stack", FATHOM_MOV64_REG(1, FP),
	       ALU(SUB, 1, -1), MOV(0, 0), EXIT);
	REJECT(-EACCES, 0, "storing a stack pointer",
	       FATHOM_STX_MEM(FATHOM_DW, FP, FP, -8), MOV(0, 0), EXIT);
	REJECT(-EACCES, 1, "R1 is a stack pointer, expected a scalar",
	       FATHOM_MOV64_REG(1, FP), FATHOM_JMP_IMM(FATHOM_JEQ, 1, 0, 0),
	       MOV(0, 0), EXIT);
	REJECT(-EACCES, 2, "R0 is a stack pointer at exit",
	       FATHOM_MOV64_REG(0, FP), ALU(SUB, 0, 8), EXIT);
	REJECT(-EACCES, 1, "R1 is a stack pointer", FATHOM_MOV64_REG(1, FP),
	       FATHOM_CALL_HELPER(FATHOM_HELPER_GET_ARG), EXIT);
	/* Copy, add, subtract: fine; overwriting a pointer: fine. */
	ACCEPT(FATHOM_MOV64_REG(1, FP), ALU(ADD, 1, -16), ALU(SUB, 1, -8),
	       FATHOM_ST_MEM(FATHOM_DW, 1, 0, 3),
	       FATHOM_LDX_MEM(FATHOM_DW, 0, FP, -8), MOV(1, 0), EXIT);
}

TEST(div_by_const_zero)
{
	REJECT(-EINVAL, 1, "division by zero", MOV(0, 1), ALU(DIV, 0, 0), EXIT);
	REJECT(-EINVAL, 1, "division by zero", MOV(0, 1), ALU(MOD, 0, 0), EXIT);
	REJECT(-EINVAL, 1, "division by zero", MOV(0, 1),
	       FATHOM_ALU32_IMM(FATHOM_DIV, 0, 0), EXIT);
	REJECT(-EINVAL, 1, "division by zero", MOV(0, 1),
	       FATHOM_ALU32_IMM(FATHOM_MOD, 0, 0), EXIT);
}

TEST(shift_by_immediate)
{
	REJECT(-EINVAL, 1, "shift by 64", MOV(0, 1), ALU(LSH, 0, 64), EXIT);
	REJECT(-EINVAL, 1, "shift by -1", MOV(0, 1), ALU(ARSH, 0, -1), EXIT);
	REJECT(-EINVAL, 1, "shift by 32", MOV(0, 1),
	       FATHOM_ALU32_IMM(FATHOM_RSH, 0, 32), EXIT);
	ACCEPT(MOV(0, 1), ALU(LSH, 0, 63), FATHOM_ALU32_IMM(FATHOM_RSH, 0, 31),
	       EXIT);
}

TEST(exit_r0)
{
	REJECT(-EACCES, 0, "R0 is read before it is written", EXIT);
	/* A helper's R0 is a scalar: fine to return. */
	ACCEPT(FATHOM_CALL_HELPER(FATHOM_HELPER_GET_PID), EXIT);
}

TEST(join_register)
{
	/* R0 set only on the fall-through path. */
	REJECT(-EACCES, 3, "R0 is read before it is written", MOV(1, 1),
	       FATHOM_JMP_IMM(FATHOM_JEQ, 1, 0, 1), MOV(0, 1), EXIT);
	/* Set on both paths: fine. */
	ACCEPT(MOV(1, 1), FATHOM_JMP_IMM(FATHOM_JEQ, 1, 0, 2), MOV(0, 1),
	       FATHOM_JA_INSN(1), MOV(0, 2), EXIT);
	/* Pointer on one path, scalar on the other: unusable. */
	REJECT(-EACCES, 5, "R2 is read before it is written", MOV(1, 1),
	       FATHOM_MOV64_REG(2, FP), FATHOM_JMP_IMM(FATHOM_JEQ, 1, 0, 1),
	       MOV(2, 0), MOV(0, 0), ALUX(ADD, 0, 2), EXIT);
	/* Different stack pointers: unusable as a pointer. */
	REJECT(-EACCES, 5, "R2 is read before it is written", MOV(1, 1),
	       FATHOM_MOV64_REG(2, FP), FATHOM_JMP_IMM(FATHOM_JEQ, 1, 0, 1),
	       ALU(ADD, 2, -8), FATHOM_ST_MEM(FATHOM_DW, FP, -16, 0),
	       FATHOM_ST_MEM(FATHOM_B, 2, -8, 0), MOV(0, 0), EXIT);
	/* Register set on the jump path only (three incoming edges). */
	REJECT(-EACCES, 5, "R3 is read before it is written", MOV(1, 1),
	       MOV(3, 0), FATHOM_JMP_IMM(FATHOM_JEQ, 1, 0, 2),
	       FATHOM_JMP_IMM(FATHOM_JEQ, 1, 1, 1),
	       FATHOM_CALL_HELPER(FATHOM_HELPER_GET_PID),
	       FATHOM_MOV64_REG(0, 3), EXIT);
}

TEST(join_stack)
{
	/* fp-8 written only when the jump is not taken. */
	REJECT(-EACCES, 3, "stack byte R10-8 is read", MOV(1, 1),
	       FATHOM_JMP_IMM(FATHOM_JEQ, 1, 0, 1),
	       FATHOM_ST_MEM(FATHOM_DW, FP, -8, 1),
	       FATHOM_LDX_MEM(FATHOM_DW, 0, FP, -8), EXIT);
	/* Written on both paths, with different widths. */
	ACCEPT(MOV(1, 1), FATHOM_JMP_IMM(FATHOM_JEQ, 1, 0, 3),
	       FATHOM_ST_MEM(FATHOM_W, FP, -8, 1),
	       FATHOM_ST_MEM(FATHOM_W, FP, -4, 1), FATHOM_JA_INSN(1),
	       FATHOM_ST_MEM(FATHOM_DW, FP, -8, 2),
	       FATHOM_LDX_MEM(FATHOM_DW, 0, FP, -8), EXIT);
	/* Constants that differ on two paths are not a constant length. */
	REJECT(-EACCES, 7, "length must be a constant",
	       FATHOM_ST_MEM(FATHOM_DW, FP, -8, 1), MOV(1, 1), MOV(2, 8),
	       FATHOM_JMP_IMM(FATHOM_JEQ, 1, 0, 1), MOV(2, 4),
	       FATHOM_MOV64_REG(1, FP), ALU(ADD, 1, -8),
	       FATHOM_CALL_HELPER(FATHOM_HELPER_EMIT), EXIT);
}

TEST(helper_ids)
{
	struct vm_test *t = calloc(1, sizeof(*t));

	REJECT(-EINVAL, 0, "unknown helper 0", FATHOM_CALL_HELPER(0), EXIT);
	REJECT(-EINVAL, 0, "unknown helper 27",
	       FATHOM_CALL_HELPER(__FATHOM_HELPER_MAX), EXIT);
	REJECT(-EINVAL, 0, "unknown helper -1", FATHOM_CALL_HELPER(-1), EXIT);
	/* A helper the environment does not provide. */
	vm_test_init(t);
	t->helpers[FATHOM_HELPER_GET_PID] = NULL;
	ASSERT_EQ(-EOPNOTSUPP,
		  vm_test_verify(
			  t, P(FATHOM_CALL_HELPER(FATHOM_HELPER_GET_PID), EXIT),
			  2));
	EXPECT_NE(NULL, strstr(t->logbuf, "helper get_pid#1 is not available"));
	free(t);
}

TEST(helper_stack_args)
{
	/* probe_read_kernel(dst STACK_OUT, len LEN_CONST, src SCALAR) */
#define READ(...)               \
	__VA_ARGS__, MOV(3, 0), \
		FATHOM_CALL_HELPER(FATHOM_HELPER_PROBE_READ_KERNEL), EXIT
	REJECT(-EACCES, 3, "R1 must be a stack pointer",
	       READ(MOV(1, 0), MOV(2, 8)));
	REJECT(-EACCES, 4, "R2: length must be a constant in 1..512",
	       READ(FATHOM_MOV64_REG(1, FP), ALU(ADD, 1, -8), MOV(2, 0)));
	REJECT(-EACCES, 4, "length must be a constant",
	       READ(FATHOM_MOV64_REG(1, FP), ALU(ADD, 1, -8), MOV(2, 513)));
	REJECT(-EACCES, 5, "length must be a constant",
	       READ(FATHOM_MOV64_REG(1, FP), ALU(ADD, 1, -8), MOV(2, 8),
		    ALU(ADD, 2, 0)));
	REJECT(-EACCES, 4, "R2 is a stack pointer",
	       READ(FATHOM_MOV64_REG(1, FP), ALU(ADD, 1, -8),
		    FATHOM_MOV64_REG(2, FP)));
	REJECT(-EACCES, 4, "R10-8 size 16 is out of bounds",
	       READ(FATHOM_MOV64_REG(1, FP), ALU(ADD, 1, -8), MOV(2, 16)));
	REJECT(-EACCES, 2, "R2 is read before it is written",
	       FATHOM_MOV64_REG(1, FP), ALU(ADD, 1, -8),
	       FATHOM_CALL_HELPER(FATHOM_HELPER_PROBE_READ_KERNEL), EXIT);
	REJECT(-EACCES, 5, "R3 is read before it is written",
	       FATHOM_MOV64_REG(1, FP), ALU(ADD, 1, -8), MOV(2, 8),
	       FATHOM_LD_IMM64(0, 0),
	       FATHOM_CALL_HELPER(FATHOM_HELPER_PROBE_READ_KERNEL), EXIT);
	/* Output buffer need not be written before, counts after. */
	ACCEPT(FATHOM_MOV64_REG(1, FP), ALU(ADD, 1, -512), MOV(2, 512),
	       MOV(3, 0), FATHOM_CALL_HELPER(FATHOM_HELPER_PROBE_READ_KERNEL),
	       FATHOM_LDX_MEM(FATHOM_DW, 0, FP, -512),
	       FATHOM_LDX_MEM(FATHOM_B, 0, FP, -1), EXIT);
	/* emit(STACK_IN, len): the input must be written. */
	REJECT(-EACCES, 4, "R1: stack byte R10-16 is read before",
	       FATHOM_ST_MEM(FATHOM_DW, FP, -8, 1), FATHOM_MOV64_REG(1, FP),
	       ALU(ADD, 1, -16), MOV(2, 16),
	       FATHOM_CALL_HELPER(FATHOM_HELPER_EMIT), EXIT);
	ACCEPT(FATHOM_ST_MEM(FATHOM_DW, FP, -16, 1),
	       FATHOM_ST_MEM(FATHOM_DW, FP, -8, 1), FATHOM_MOV64_REG(1, FP),
	       ALU(ADD, 1, -16), MOV(2, 16),
	       FATHOM_CALL_HELPER(FATHOM_HELPER_EMIT), EXIT);
#undef READ
}

TEST(helper_map_args)
{
	/* map_update(map, key, value): map 1 is 8/8, map 2 is 16/24. */
#define KEYVAL                                                                 \
	FATHOM_ST_MEM(FATHOM_DW, FP, -8, 1),                                   \
		FATHOM_ST_MEM(FATHOM_DW, FP, -16, 1), FATHOM_MOV64_REG(2, FP), \
		ALU(ADD, 2, -8), FATHOM_MOV64_REG(3, FP), ALU(ADD, 3, -16)
	ACCEPT(KEYVAL, MOV(1, 1), FATHOM_CALL_HELPER(FATHOM_HELPER_MAP_UPDATE),
	       EXIT);
	REJECT(-EACCES, 7, "R1: not a constant map id in 1..2", KEYVAL,
	       MOV(1, 0), FATHOM_CALL_HELPER(FATHOM_HELPER_MAP_UPDATE), EXIT);
	REJECT(-EACCES, 7, "not a constant map id", KEYVAL, MOV(1, 3),
	       FATHOM_CALL_HELPER(FATHOM_HELPER_MAP_UPDATE), EXIT);
	REJECT(-EACCES, 8, "not a constant map id",
	       FATHOM_CALL_HELPER(FATHOM_HELPER_GET_CPU),
	       FATHOM_MOV64_REG(1, 0), KEYVAL,
	       FATHOM_CALL_HELPER(FATHOM_HELPER_MAP_UPDATE), EXIT);
	/* Map 2 has a 16-byte key: fp-8 leaves the stack. */
	REJECT(-EACCES, 7, "out of bounds", KEYVAL, MOV(1, 2),
	       FATHOM_CALL_HELPER(FATHOM_HELPER_MAP_UPDATE), EXIT);
	/* Key not written. */
	REJECT(-EACCES, 3, "R2: stack byte R10-8 is read before", MOV(1, 1),
	       FATHOM_MOV64_REG(2, FP), ALU(ADD, 2, -8),
	       FATHOM_CALL_HELPER(FATHOM_HELPER_MAP_DELETE), EXIT);
	/* Lookup writes the value: readable after the call. */
	ACCEPT(FATHOM_ST_MEM(FATHOM_DW, FP, -8, 1), MOV(1, 1),
	       FATHOM_MOV64_REG(2, FP), ALU(ADD, 2, -8),
	       FATHOM_MOV64_REG(3, FP), ALU(ADD, 3, -16),
	       FATHOM_CALL_HELPER(FATHOM_HELPER_MAP_LOOKUP),
	       FATHOM_LDX_MEM(FATHOM_DW, 0, FP, -16), EXIT);
	/* Aggregate: scalar value, not a pointer. */
	REJECT(-EACCES, 7, "R3 is a stack pointer", KEYVAL, MOV(1, 1),
	       FATHOM_CALL_HELPER(FATHOM_HELPER_MAP_AGGREGATE), EXIT);
#undef KEYVAL
}

TEST(bad_map_desc)
{
	struct vm_test *t = calloc(1, sizeof(*t));

	vm_test_init(t);
	t->maps[1].key_size = 0;
	ASSERT_EQ(-EINVAL, vm_test_verify(t, P(MOV(0, 0), EXIT), 2));
	EXPECT_EQ(-1, t->log.insn);
	EXPECT_NE(NULL, strstr(t->logbuf, "map 2: key size 0"));
	t->maps[1].key_size = 8;
	t->maps[1].value_size = 513;
	ASSERT_EQ(-EINVAL, vm_test_verify(t, P(MOV(0, 0), EXIT), 2));
	free(t);
}

TEST(fail_closed)
{
	struct vm_test *t = calloc(1, sizeof(*t));
	struct fathom_insn good[] = { MOV(0, 42), EXIT };

	vm_test_init(t);
	/* Not yet verified: the reject runner. */
	fathom_prog_init(&t->prog, good, 2);
	EXPECT_EQ(&fathom_run_reject, t->prog.run);
	EXPECT_EQ(0, vm_test_run(t));
	ASSERT_EQ(0, vm_test_verify(t, good, 2));
	EXPECT_EQ(42, vm_test_run(t));
	/* Re-verifying a now-bad program disarms it. */
	good[1] = FATHOM_MOV64_IMM(0, 1);
	ASSERT_EQ(-EINVAL, fathom_verify(&t->prog, &t->log));
	EXPECT_EQ(&fathom_run_reject, t->prog.run);
	EXPECT_EQ(0, vm_test_run(t));
	/* A NULL log and a tiny log are fine. */
	good[1] = FATHOM_MOV64_IMM(FATHOM_REG_FP, 1);
	EXPECT_EQ(-EINVAL, fathom_verify(&t->prog, NULL));
	t->log.size = 4;
	EXPECT_EQ(-EINVAL, fathom_verify(&t->prog, &t->log));
	EXPECT_EQ(1, t->log.insn);
	EXPECT_EQ(3, strlen(t->logbuf));
	free(t);
}

TEST_HARNESS_MAIN
