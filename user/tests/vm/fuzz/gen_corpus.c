// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writes the fuzzer's seed corpus: valid programs and near-valid ones
 * (one rule broken each), as a flags byte plus raw instructions.
 * Usage: gen_corpus DIR
 */
#include <stdio.h>
#include <stdlib.h>

#include "vm/kshim.h"
#include "vm/isa.h"

#define FP FATHOM_REG_FP
#define P(...) ((const struct fathom_insn[]){ __VA_ARGS__ })
#define N(...) (sizeof(P(__VA_ARGS__)) / sizeof(struct fathom_insn))
/* flags: bit 0 = sanitize, bits 1.. = number of maps (0..3) */
#define SEED(name, flags, ...) \
	write_seed(dir, name, flags, P(__VA_ARGS__), N(__VA_ARGS__))

#define MOV(d, i) FATHOM_MOV64_IMM(d, i)
#define ADDI(d, i) FATHOM_ALU64_IMM(FATHOM_ADD, d, i)
#define EXIT FATHOM_EXIT_INSN()
#define CALL(h) FATHOM_CALL_HELPER(FATHOM_HELPER_##h)
#define STKPTR(r, o) FATHOM_MOV64_REG(r, FP), ADDI(r, o)
#define MAPS3 (3 << 1)

static void write_seed(const char *dir, const char *name, u8 flags,
		       const struct fathom_insn *insns, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputc(flags, f);
	fwrite(insns, sizeof(*insns), n, f);
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";

	/* valid */
	SEED("ok-ret", 0, MOV(0, 1), EXIT);
	SEED("ok-alu64", 0, MOV(0, 7), FATHOM_ALU64_IMM(FATHOM_MUL, 0, 3),
	     FATHOM_ALU64_IMM(FATHOM_LSH, 0, 5), MOV(1, 3),
	     FATHOM_ALU64_REG(FATHOM_DIV, 0, 1),
	     FATHOM_ALU64_REG(FATHOM_ARSH, 0, 1), EXIT);
	SEED("ok-alu32", 0, FATHOM_LD_IMM64(0, 0xffffffff12345678ULL),
	     FATHOM_ALU32_IMM(FATHOM_ADD, 0, -1), MOV(2, 0),
	     FATHOM_ALU32_REG(FATHOM_MOD, 0, 2),
	     FATHOM_ALU32_IMM(FATHOM_NEG, 0, 0), EXIT);
	SEED("ok-stack", 0, FATHOM_ST_MEM(FATHOM_DW, FP, -8, 5),
	     FATHOM_ST_MEM(FATHOM_W, FP, -12, 5),
	     FATHOM_LDX_MEM(FATHOM_W, 0, FP, -8),
	     FATHOM_LDX_MEM(FATHOM_B, 1, FP, -12),
	     FATHOM_STX_MEM(FATHOM_H, FP, 1, -512),
	     FATHOM_ALU64_REG(FATHOM_ADD, 0, 1), EXIT);
	SEED("ok-branch", 0, CALL(GET_PID),
	     FATHOM_JMP_IMM(FATHOM_JGT, 0, 100, 2), MOV(0, 1),
	     FATHOM_JA_INSN(1), MOV(0, 2), EXIT);
	SEED("ok-branch-stack", 0, CALL(GET_TID), MOV(6, 0),
	     FATHOM_JMP_IMM(FATHOM_JSLT, 6, 0, 2),
	     FATHOM_STX_MEM(FATHOM_DW, FP, 6, -8), FATHOM_JA_INSN(1),
	     FATHOM_ST_MEM(FATHOM_DW, FP, -8, 0),
	     FATHOM_LDX_MEM(FATHOM_DW, 0, FP, -8), EXIT);
	SEED("ok-read", 0, STKPTR(1, -64), MOV(2, 64),
	     FATHOM_LD_IMM64(3, 0xffff888000000000ULL), CALL(PROBE_READ_KERNEL),
	     FATHOM_LDX_MEM(FATHOM_DW, 0, FP, -64), EXIT);
	SEED("ok-read-str", 0, STKPTR(1, -32), MOV(2, 32), MOV(3, 0),
	     CALL(PROBE_READ_USER_STR), FATHOM_LDX_MEM(FATHOM_B, 0, FP, -1),
	     EXIT);
	SEED("ok-comm-emit", 0, STKPTR(1, -16), MOV(2, 16), CALL(GET_COMM),
	     STKPTR(1, -16), MOV(2, 16), CALL(EMIT), EXIT);
	SEED("ok-map-agg", MAPS3, CALL(GET_PID),
	     FATHOM_STX_MEM(FATHOM_DW, FP, 0, -8), MOV(1, 1), STKPTR(2, -8),
	     MOV(3, 1), CALL(MAP_AGGREGATE), MOV(0, 0), EXIT);
	SEED("ok-map-lookup", MAPS3, FATHOM_ST_MEM(FATHOM_DW, FP, -16, 1),
	     FATHOM_ST_MEM(FATHOM_DW, FP, -8, 2), MOV(1, 2), STKPTR(2, -16),
	     STKPTR(3, -40), CALL(MAP_LOOKUP),
	     FATHOM_LDX_MEM(FATHOM_DW, 0, FP, -24), EXIT);
	SEED("ok-map-update", MAPS3, FATHOM_ST_MEM(FATHOM_W, FP, -4, 1),
	     STKPTR(1, -512), MOV(2, 508), MOV(3, 0), CALL(PROBE_READ_KERNEL),
	     MOV(1, 3), STKPTR(2, -4), STKPTR(3, -512), CALL(MAP_UPDATE), EXIT);
	SEED("ok-map-delete", MAPS3, FATHOM_ST_MEM(FATHOM_DW, FP, -8, 1),
	     MOV(1, 1), STKPTR(2, -8), CALL(MAP_DELETE), EXIT);
	SEED("ok-stackid", MAPS3, MOV(1, 1), MOV(2, 0), CALL(GET_KSTACK_ID),
	     EXIT);
	SEED("ok-arg", 0, MOV(1, 2), CALL(GET_ARG), MOV(6, 0), CALL(KTIME_NS),
	     FATHOM_ALU64_REG(FATHOM_SUB, 0, 6), EXIT);
	SEED("ok-jumps", 0, MOV(1, 5), MOV(2, -5), MOV(0, 0),
	     FATHOM_JMP_REG(FATHOM_JSGT, 1, 2, 1), ADDI(0, 1),
	     FATHOM_JMP_REG(FATHOM_JGT, 1, 2, 1), ADDI(0, 2),
	     FATHOM_JMP_IMM(FATHOM_JSET, 1, 4, 1), ADDI(0, 4),
	     FATHOM_JMP_IMM(FATHOM_JLE, 2, 3, 1), ADDI(0, 8), EXIT);
	SEED("ok-div0", 0, MOV(0, 9), MOV(1, 0),
	     FATHOM_ALU64_REG(FATHOM_DIV, 0, 1), EXIT);
	SEED("ok-sanitized", 1, MOV(0, 1), ADDI(0, 2), MOV(3, 3), EXIT);
	SEED("ok-filter-agg", MAPS3 | 1, CALL(GET_PID),
	     FATHOM_JMP_IMM(FATHOM_JNE, 0, 42, 7),
	     FATHOM_STX_MEM(FATHOM_DW, FP, 0, -8), MOV(1, 1), STKPTR(2, -8),
	     MOV(3, 1), CALL(MAP_AGGREGATE), MOV(0, 0), MOV(0, 1), EXIT);

	/* near-valid: one rule broken */
	SEED("bad-backward", 0, MOV(0, 0), FATHOM_JA_INSN(-2), EXIT);
	SEED("bad-uninit-reg", 0, FATHOM_MOV64_REG(0, 5), EXIT);
	SEED("bad-uninit-stack", 0, FATHOM_LDX_MEM(FATHOM_DW, 0, FP, -8), EXIT);
	SEED("bad-oob", 0, FATHOM_ST_MEM(FATHOM_DW, FP, -516, 0), MOV(0, 0),
	     EXIT);
	SEED("bad-misaligned", 0, FATHOM_ST_MEM(FATHOM_DW, FP, -4, 0),
	     MOV(0, 0), EXIT);
	SEED("bad-r10", 0, ADDI(FP, -8), MOV(0, 0), EXIT);
	SEED("bad-ptr-arith", 0, FATHOM_MOV64_REG(1, FP),
	     FATHOM_ALU64_IMM(FATHOM_XOR, 1, 1), MOV(0, 0), EXIT);
	SEED("bad-ptr-store", 0, FATHOM_STX_MEM(FATHOM_DW, FP, FP, -8),
	     MOV(0, 0), EXIT);
	SEED("bad-fall-off", 0, MOV(0, 0));
	SEED("bad-helper", 0, FATHOM_CALL_HELPER(__FATHOM_HELPER_MAX), EXIT);
	SEED("bad-len", 0, STKPTR(1, -8), MOV(2, 9), MOV(3, 0),
	     CALL(PROBE_READ_KERNEL), EXIT);
	SEED("bad-map-id", MAPS3, FATHOM_ST_MEM(FATHOM_DW, FP, -8, 1),
	     MOV(1, 4), STKPTR(2, -8), CALL(MAP_DELETE), EXIT);
	SEED("bad-emit-uninit", 0, STKPTR(1, -16), MOV(2, 16), CALL(EMIT),
	     EXIT);
	SEED("bad-join", 0, CALL(GET_PID), FATHOM_JMP_IMM(FATHOM_JEQ, 0, 0, 1),
	     MOV(6, 1), FATHOM_MOV64_REG(0, 6), EXIT);
	SEED("bad-div-k0", 0, MOV(0, 1), FATHOM_ALU64_IMM(FATHOM_DIV, 0, 0),
	     EXIT);
	SEED("bad-ldimm-split", 0, FATHOM_JA_INSN(1), FATHOM_LD_IMM64(0, 1),
	     EXIT);
	SEED("bad-clobber", 0, MOV(1, 1), CALL(GET_CPU), FATHOM_MOV64_REG(0, 1),
	     EXIT);
	SEED("bad-unreachable", 0, MOV(0, 0), EXIT, MOV(0, 0), EXIT);
	SEED("bad-reserved", 0,
	     FATHOM_RAW_INSN(FATHOM_JMP | FATHOM_EXIT, 1, 0, 0, 0), EXIT);
	return 0;
}
