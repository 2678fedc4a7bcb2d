// SPDX-License-Identifier: GPL-2.0-only
/*
 * Disassembler for fathom bytecode. The set of opcodes and their operator
 * symbols come from FATHOM_INSN_MAP, helper names from FATHOM_HELPER_MAP,
 * so this file cannot disagree with the verifier or the interpreter about
 * what exists.
 */
#include "disasm.h"

#include <inttypes.h>

#include "vm/kshim.h"
#include "vm/isa.h"

#define SYM_ENTRY(label, code, sym) [code] = sym,
static const char *const insn_sym[256] = { FATHOM_INSN_MAP(SYM_ENTRY) };
#undef SYM_ENTRY

#define HELPER_NAME(id, name, a1, a2, a3, a4, a5) [FATHOM_HELPER_##id] = #name,
static const char *const helper_name[__FATHOM_HELPER_MAX] = { FATHOM_HELPER_MAP(
	HELPER_NAME) };
#undef HELPER_NAME

static void fmt_jump(char *buf, size_t size, const struct fathom_insn *in,
		     unsigned int idx)
{
	const char *sym = insn_sym[in->code];
	unsigned int target = idx + 1 + in->off;

	if (FATHOM_OP(in->code) == FATHOM_JA)
		snprintf(buf, size, "goto %+d <%u>", in->off, target);
	else if (FATHOM_SRC(in->code) == FATHOM_X)
		snprintf(buf, size, "if r%u %s r%u goto %+d <%u>", in->dst_reg,
			 sym, in->src_reg, in->off, target);
	else if (in->imm < 0)
		snprintf(buf, size, "if r%u %s %d goto %+d <%u>", in->dst_reg,
			 sym, in->imm, in->off, target);
	else
		snprintf(buf, size, "if r%u %s 0x%x goto %+d <%u>", in->dst_reg,
			 sym, in->imm, in->off, target);
}

int fathom_disasm_insn(const struct fathom_insn *insns, unsigned int len,
		       unsigned int idx, char *buf, size_t size)
{
	const struct fathom_insn *in = &insns[idx];
	const char *sym = insn_sym[in->code];
	char r = 'r';
	uint64_t imm64;

	if (!sym) {
		snprintf(buf, size, "(invalid opcode 0x%02x)", in->code);
		return 1;
	}
	switch (FATHOM_CLASS(in->code)) {
	case FATHOM_ALU32:
		r = 'w';
		/* fall through */
	case FATHOM_ALU64:
		if (FATHOM_OP(in->code) == FATHOM_NEG)
			snprintf(buf, size, "%c%u = -%c%u", r, in->dst_reg, r,
				 in->dst_reg);
		else if (FATHOM_SRC(in->code) == FATHOM_X)
			snprintf(buf, size, "%c%u %s %c%u", r, in->dst_reg, sym,
				 r, in->src_reg);
		else
			snprintf(buf, size, "%c%u %s %d", r, in->dst_reg, sym,
				 in->imm);
		return 1;
	case FATHOM_LDX:
		snprintf(buf, size, "r%u = *(%s *)(r%u %+d)", in->dst_reg, sym,
			 in->src_reg, in->off);
		return 1;
	case FATHOM_ST:
		snprintf(buf, size, "*(%s *)(r%u %+d) = %d", sym, in->dst_reg,
			 in->off, in->imm);
		return 1;
	case FATHOM_STX:
		snprintf(buf, size, "*(%s *)(r%u %+d) = r%u", sym, in->dst_reg,
			 in->off, in->src_reg);
		return 1;
	case FATHOM_LD:
		if (idx + 1 >= len) {
			snprintf(buf, size, "r%u = (truncated ld_imm64)",
				 in->dst_reg);
			return 1;
		}
		imm64 = (uint32_t)in->imm |
			((uint64_t)(uint32_t)insns[idx + 1].imm << 32);
		snprintf(buf, size, "r%u = 0x%" PRIx64 " ll", in->dst_reg,
			 imm64);
		return 2;
	}
	/* FATHOM_JMP */
	switch (FATHOM_OP(in->code)) {
	case FATHOM_CALL:
		if (in->imm > 0 && in->imm <= FATHOM_HELPER_MAX &&
		    helper_name[in->imm])
			snprintf(buf, size, "call %s#%d", helper_name[in->imm],
				 in->imm);
		else
			snprintf(buf, size, "call unknown#%d", in->imm);
		return 1;
	case FATHOM_EXIT:
		snprintf(buf, size, "exit");
		return 1;
	}
	fmt_jump(buf, size, in, idx);
	return 1;
}

void fathom_disasm_prog(FILE *f, const struct fathom_insn *insns,
			unsigned int len)
{
	unsigned int i = 0;
	char buf[96];

	while (i < len) {
		int n = fathom_disasm_insn(insns, len, i, buf, sizeof(buf));

		fprintf(f, "%3u: %s\n", i, buf);
		i += n;
	}
}
