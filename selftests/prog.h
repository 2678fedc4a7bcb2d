/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny assembler for hand-written test programs: append instructions,
 * jump forward to the common exit, finish. Jumps to the exit are patched
 * when the program is finished.
 */
#ifndef _FATHOM_SELFTESTS_PROG_H
#define _FATHOM_SELFTESTS_PROG_H

#include <stdint.h>
#include <linux/fathom_isa.h>

#include "vm/isa.h"

#define PROG_MAX 4200

struct prog {
	struct fathom_insn insn[PROG_MAX];
	unsigned int len;
	unsigned int fixup[32];
	unsigned int nr_fixups;
};

static inline void prog_add(struct prog *p, struct fathom_insn insn)
{
	if (p->len < PROG_MAX)
		p->insn[p->len++] = insn;
}

static inline void prog_ld64(struct prog *p, int reg, uint64_t imm)
{
	struct fathom_insn two[] = { FATHOM_LD_IMM64(reg, imm) };

	prog_add(p, two[0]);
	prog_add(p, two[1]);
}

/* if (reg OP imm) goto exit */
static inline void prog_exit_if(struct prog *p, int op, int reg, int32_t imm)
{
	p->fixup[p->nr_fixups++] = p->len;
	prog_add(p, FATHOM_JMP_IMM(op, reg, imm, 0));
}

/* if (reg OP src) goto exit */
static inline void prog_exit_if_reg(struct prog *p, int op, int reg, int src)
{
	p->fixup[p->nr_fixups++] = p->len;
	prog_add(p, FATHOM_JMP_REG(op, reg, src, 0));
}

/* Return 0 from here on; every prog_exit_if() lands here. */
static inline void prog_finish(struct prog *p)
{
	unsigned int i;

	for (i = 0; i < p->nr_fixups; i++)
		p->insn[p->fixup[i]].off = (int16_t)(p->len - p->fixup[i] - 1);
	prog_add(p, FATHOM_MOV64_IMM(0, 0));
	prog_add(p, FATHOM_EXIT_INSN());
}

/* Run the rest only for thread group @pid. */
static inline void prog_filter_pid(struct prog *p, uint32_t pid)
{
	prog_add(p, FATHOM_CALL_HELPER(FATHOM_HELPER_GET_PID));
	prog_ld64(p, 1, pid);
	prog_exit_if_reg(p, FATHOM_JNE, 0, 1);
}

/* map_aggregate(map, key = *(u64 *)(fp - 8), value = reg) */
static inline void prog_aggregate(struct prog *p, int map, int value_reg)
{
	if (value_reg != 3)
		prog_add(p, FATHOM_MOV64_REG(3, value_reg));
	prog_add(p, FATHOM_MOV64_IMM(1, map));
	prog_add(p, FATHOM_MOV64_REG(2, FATHOM_REG_FP));
	prog_add(p, FATHOM_ALU64_IMM(FATHOM_ADD, 2, -8));
	prog_add(p, FATHOM_CALL_HELPER(FATHOM_HELPER_MAP_AGGREGATE));
}

/* count() into @map under the key 0 (at fp - 8) */
static inline void prog_count_key0(struct prog *p, int map)
{
	prog_add(p, FATHOM_ST_MEM(FATHOM_DW, FATHOM_REG_FP, -8, 0));
	prog_add(p, FATHOM_MOV64_IMM(6, 1));
	prog_aggregate(p, map, 6);
}

/* *(u64 *)(fp + off) = reg */
static inline void prog_store(struct prog *p, int16_t off, int reg)
{
	prog_add(p, FATHOM_STX_MEM(FATHOM_DW, FATHOM_REG_FP, reg, off));
}

#endif /* _FATHOM_SELFTESTS_PROG_H */
