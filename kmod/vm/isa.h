/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one list of valid opcodes. FATHOM_INSN_MAP(X) calls
 * X(LABEL, CODE, SYM) once per opcode; it generates the interpreter's jump
 * table (vm.c), the verifier's opcode whitelist (verify.c) and the
 * disassembler's operator names (user/compiler/disasm.c), so the three
 * cannot drift: an opcode listed here without an interpreter label does
 * not compile, and a label not listed here is an unused-label error.
 *
 * SYM is the operator as the disassembler prints it: the C operator of an
 * ALU op or jump condition, the access type of a load or store.
 *
 * This header also has the instruction-building macros used by the
 * self-tests and the compiler.
 *
 * checkpatch: an X-macro list and the two-slot FATHOM_LD_IMM64 initialiser
 * cannot be wrapped in parentheses, and X is meant to be expanded many
 * times; its "complex values" and "argument reuse" reports on these
 * macros are expected.
 */
#ifndef _FATHOM_VM_ISA_H
#define _FATHOM_VM_ISA_H

#include <linux/fathom_isa.h>

/* clang-format off */
#define FATHOM_ALU_MAP(X, C)						\
	X(C##_ADD_X,  FATHOM_##C | FATHOM_ADD  | FATHOM_X, "+=")	\
	X(C##_ADD_K,  FATHOM_##C | FATHOM_ADD  | FATHOM_K, "+=")	\
	X(C##_SUB_X,  FATHOM_##C | FATHOM_SUB  | FATHOM_X, "-=")	\
	X(C##_SUB_K,  FATHOM_##C | FATHOM_SUB  | FATHOM_K, "-=")	\
	X(C##_MUL_X,  FATHOM_##C | FATHOM_MUL  | FATHOM_X, "*=")	\
	X(C##_MUL_K,  FATHOM_##C | FATHOM_MUL  | FATHOM_K, "*=")	\
	X(C##_DIV_X,  FATHOM_##C | FATHOM_DIV  | FATHOM_X, "/=")	\
	X(C##_DIV_K,  FATHOM_##C | FATHOM_DIV  | FATHOM_K, "/=")	\
	X(C##_MOD_X,  FATHOM_##C | FATHOM_MOD  | FATHOM_X, "%=")	\
	X(C##_MOD_K,  FATHOM_##C | FATHOM_MOD  | FATHOM_K, "%=")	\
	X(C##_AND_X,  FATHOM_##C | FATHOM_AND  | FATHOM_X, "&=")	\
	X(C##_AND_K,  FATHOM_##C | FATHOM_AND  | FATHOM_K, "&=")	\
	X(C##_OR_X,   FATHOM_##C | FATHOM_OR   | FATHOM_X, "|=")	\
	X(C##_OR_K,   FATHOM_##C | FATHOM_OR   | FATHOM_K, "|=")	\
	X(C##_XOR_X,  FATHOM_##C | FATHOM_XOR  | FATHOM_X, "^=")	\
	X(C##_XOR_K,  FATHOM_##C | FATHOM_XOR  | FATHOM_K, "^=")	\
	X(C##_LSH_X,  FATHOM_##C | FATHOM_LSH  | FATHOM_X, "<<=")	\
	X(C##_LSH_K,  FATHOM_##C | FATHOM_LSH  | FATHOM_K, "<<=")	\
	X(C##_RSH_X,  FATHOM_##C | FATHOM_RSH  | FATHOM_X, ">>=")	\
	X(C##_RSH_K,  FATHOM_##C | FATHOM_RSH  | FATHOM_K, ">>=")	\
	X(C##_ARSH_X, FATHOM_##C | FATHOM_ARSH | FATHOM_X, "s>>=")	\
	X(C##_ARSH_K, FATHOM_##C | FATHOM_ARSH | FATHOM_K, "s>>=")	\
	X(C##_NEG,    FATHOM_##C | FATHOM_NEG  | FATHOM_K, "-")		\
	X(C##_MOV_X,  FATHOM_##C | FATHOM_MOV  | FATHOM_X, "=")		\
	X(C##_MOV_K,  FATHOM_##C | FATHOM_MOV  | FATHOM_K, "=")

#define FATHOM_JMP_MAP(X)						\
	X(JMP_JA,     FATHOM_JMP | FATHOM_JA   | FATHOM_K, "goto")	\
	X(JMP_JEQ_X,  FATHOM_JMP | FATHOM_JEQ  | FATHOM_X, "==")	\
	X(JMP_JEQ_K,  FATHOM_JMP | FATHOM_JEQ  | FATHOM_K, "==")	\
	X(JMP_JNE_X,  FATHOM_JMP | FATHOM_JNE  | FATHOM_X, "!=")	\
	X(JMP_JNE_K,  FATHOM_JMP | FATHOM_JNE  | FATHOM_K, "!=")	\
	X(JMP_JGT_X,  FATHOM_JMP | FATHOM_JGT  | FATHOM_X, ">")		\
	X(JMP_JGT_K,  FATHOM_JMP | FATHOM_JGT  | FATHOM_K, ">")		\
	X(JMP_JGE_X,  FATHOM_JMP | FATHOM_JGE  | FATHOM_X, ">=")	\
	X(JMP_JGE_K,  FATHOM_JMP | FATHOM_JGE  | FATHOM_K, ">=")	\
	X(JMP_JLT_X,  FATHOM_JMP | FATHOM_JLT  | FATHOM_X, "<")		\
	X(JMP_JLT_K,  FATHOM_JMP | FATHOM_JLT  | FATHOM_K, "<")		\
	X(JMP_JLE_X,  FATHOM_JMP | FATHOM_JLE  | FATHOM_X, "<=")	\
	X(JMP_JLE_K,  FATHOM_JMP | FATHOM_JLE  | FATHOM_K, "<=")	\
	X(JMP_JSGT_X, FATHOM_JMP | FATHOM_JSGT | FATHOM_X, "s>")	\
	X(JMP_JSGT_K, FATHOM_JMP | FATHOM_JSGT | FATHOM_K, "s>")	\
	X(JMP_JSGE_X, FATHOM_JMP | FATHOM_JSGE | FATHOM_X, "s>=")	\
	X(JMP_JSGE_K, FATHOM_JMP | FATHOM_JSGE | FATHOM_K, "s>=")	\
	X(JMP_JSLT_X, FATHOM_JMP | FATHOM_JSLT | FATHOM_X, "s<")	\
	X(JMP_JSLT_K, FATHOM_JMP | FATHOM_JSLT | FATHOM_K, "s<")	\
	X(JMP_JSLE_X, FATHOM_JMP | FATHOM_JSLE | FATHOM_X, "s<=")	\
	X(JMP_JSLE_K, FATHOM_JMP | FATHOM_JSLE | FATHOM_K, "s<=")	\
	X(JMP_JSET_X, FATHOM_JMP | FATHOM_JSET | FATHOM_X, "&")		\
	X(JMP_JSET_K, FATHOM_JMP | FATHOM_JSET | FATHOM_K, "&")		\
	X(JMP_CALL,   FATHOM_JMP | FATHOM_CALL | FATHOM_K, "call")	\
	X(JMP_EXIT,   FATHOM_JMP | FATHOM_EXIT | FATHOM_K, "exit")

#define FATHOM_MEM_MAP(X)						\
	X(LDX_MEM_B,  FATHOM_LDX | FATHOM_MEM | FATHOM_B,  "u8")	\
	X(LDX_MEM_H,  FATHOM_LDX | FATHOM_MEM | FATHOM_H,  "u16")	\
	X(LDX_MEM_W,  FATHOM_LDX | FATHOM_MEM | FATHOM_W,  "u32")	\
	X(LDX_MEM_DW, FATHOM_LDX | FATHOM_MEM | FATHOM_DW, "u64")	\
	X(ST_MEM_B,   FATHOM_ST  | FATHOM_MEM | FATHOM_B,  "u8")	\
	X(ST_MEM_H,   FATHOM_ST  | FATHOM_MEM | FATHOM_H,  "u16")	\
	X(ST_MEM_W,   FATHOM_ST  | FATHOM_MEM | FATHOM_W,  "u32")	\
	X(ST_MEM_DW,  FATHOM_ST  | FATHOM_MEM | FATHOM_DW, "u64")	\
	X(STX_MEM_B,  FATHOM_STX | FATHOM_MEM | FATHOM_B,  "u8")	\
	X(STX_MEM_H,  FATHOM_STX | FATHOM_MEM | FATHOM_H,  "u16")	\
	X(STX_MEM_W,  FATHOM_STX | FATHOM_MEM | FATHOM_W,  "u32")	\
	X(STX_MEM_DW, FATHOM_STX | FATHOM_MEM | FATHOM_DW, "u64")	\
	X(LD_IMM64,   FATHOM_LD_IMM64_CODE, "ll")

#define FATHOM_INSN_MAP(X)						\
	FATHOM_ALU_MAP(X, ALU64)					\
	FATHOM_ALU_MAP(X, ALU32)					\
	FATHOM_JMP_MAP(X)						\
	FATHOM_MEM_MAP(X)
/* clang-format on */

/* Size in bytes of a LDX/ST/STX access. */
#define FATHOM_SIZE_BYTES(code)	(1U << (FATHOM_SIZE(code) >> 3))

/* Instruction builders, in the style of the kernel's filter.h. */
#define FATHOM_RAW_INSN(CODE, DST, SRC, OFF, IMM)			\
	((struct fathom_insn) {						\
		.code = (CODE), .dst_reg = (DST), .src_reg = (SRC),	\
		.off = (OFF), .imm = (IMM) })

#define FATHOM_ALU64_REG(OP, DST, SRC)					\
	FATHOM_RAW_INSN(FATHOM_ALU64 | (OP) | FATHOM_X, DST, SRC, 0, 0)
#define FATHOM_ALU64_IMM(OP, DST, IMM)					\
	FATHOM_RAW_INSN(FATHOM_ALU64 | (OP) | FATHOM_K, DST, 0, 0, IMM)
#define FATHOM_ALU32_REG(OP, DST, SRC)					\
	FATHOM_RAW_INSN(FATHOM_ALU32 | (OP) | FATHOM_X, DST, SRC, 0, 0)
#define FATHOM_ALU32_IMM(OP, DST, IMM)					\
	FATHOM_RAW_INSN(FATHOM_ALU32 | (OP) | FATHOM_K, DST, 0, 0, IMM)
#define FATHOM_MOV64_REG(DST, SRC)	FATHOM_ALU64_REG(FATHOM_MOV, DST, SRC)
#define FATHOM_MOV64_IMM(DST, IMM)	FATHOM_ALU64_IMM(FATHOM_MOV, DST, IMM)

/* Two slots: use inside an array initialiser. */
#define FATHOM_LD_IMM64(DST, IMM)					\
	FATHOM_RAW_INSN(FATHOM_LD_IMM64_CODE, DST, 0, 0,		\
			(__s32)(__u32)(__u64)(IMM)),			\
	FATHOM_RAW_INSN(0, 0, 0, 0, (__s32)(__u32)((__u64)(IMM) >> 32))

#define FATHOM_LDX_MEM(SIZE, DST, SRC, OFF)				\
	FATHOM_RAW_INSN(FATHOM_LDX | FATHOM_MEM | (SIZE), DST, SRC, OFF, 0)
#define FATHOM_STX_MEM(SIZE, DST, SRC, OFF)				\
	FATHOM_RAW_INSN(FATHOM_STX | FATHOM_MEM | (SIZE), DST, SRC, OFF, 0)
#define FATHOM_ST_MEM(SIZE, DST, OFF, IMM)				\
	FATHOM_RAW_INSN(FATHOM_ST | FATHOM_MEM | (SIZE), DST, 0, OFF, IMM)

#define FATHOM_JMP_REG(OP, DST, SRC, OFF)				\
	FATHOM_RAW_INSN(FATHOM_JMP | (OP) | FATHOM_X, DST, SRC, OFF, 0)
#define FATHOM_JMP_IMM(OP, DST, IMM, OFF)				\
	FATHOM_RAW_INSN(FATHOM_JMP | (OP) | FATHOM_K, DST, 0, OFF, IMM)
#define FATHOM_JA_INSN(OFF)							\
	FATHOM_RAW_INSN(FATHOM_JMP | FATHOM_JA, 0, 0, OFF, 0)
#define FATHOM_CALL_HELPER(ID)						\
	FATHOM_RAW_INSN(FATHOM_JMP | FATHOM_CALL, 0, 0, 0, ID)
#define FATHOM_EXIT_INSN()						\
	FATHOM_RAW_INSN(FATHOM_JMP | FATHOM_EXIT, 0, 0, 0, 0)

#endif /* _FATHOM_VM_ISA_H */
