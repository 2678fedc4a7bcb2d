// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fathom interpreter.
 *
 * Design
 * ------
 * ___fathom_run() executes a program that fathom_verify() accepted, and
 * relies on everything the verifier proved instead of checking it again:
 * every opcode is valid, every register read was written, every stack
 * access is inside the caller's stack area and aligned, every jump goes
 * forward to a valid instruction, every helper exists, every buffer a
 * helper gets lies inside the stack, division by a zero immediate does not
 * occur, and the program ends in EXIT. Forward-only jumps make the number
 * of steps at most the program's length.
 *
 * Dispatch is a computed goto through a 256-entry table generated from
 * FATHOM_INSN_MAP (isa.h): every entry starts at default_label, and only
 * the valid opcodes are overridden (hence the -Woverride-init exception).
 * Reaching default_label means the verifier and this table disagree: warn
 * once and return 0. With FATHOM_VM_USE_SWITCH the same bodies are reached
 * through a switch instead, for sanitizers and debuggers.
 *
 * The only run-time checks are the ones the verifier cannot decide:
 * division or modulo by a register that holds 0 yields 0 (as in BPF) and
 * counts an error in prog->stats; shift amounts in registers are masked to
 * the operand width.
 *
 * The registers live in the caller's frame (88 bytes), the stack is the
 * caller's FATHOM_STACK_SIZE area: nothing here is big enough to matter for
 * -Wframe-larger-than. Run paths are notrace so that a probe on a traced
 * function cannot recurse through the interpreter.
 *
 * checkpatch: the label-generating macros below (ALU_OP, MEM_OP, COND_JMP,
 * CONT) and the indented labels are the shape of kernel/bpf/core.c's
 * interpreter; its macro heuristics (do-while, flow control, ':' spacing)
 * do not apply to code that defines goto targets, so those reports are
 * expected for this file only.
 */
#include "kshim.h"
#include "isa.h"
#include "vm.h"

#define DST	regs[insn->dst_reg]
#define SRC	regs[insn->src_reg]
#define IMM	insn->imm

/* 64-bit immediate: sign-extended; 32-bit: the low 32 bits. */
#define IMM64	((u64)(s64)insn->imm)
#define IMM32	((u32)insn->imm)

/* The fuzzer counts executed instructions; nothing else does. */
#ifndef FATHOM_VM_STEP
#define FATHOM_VM_STEP()	do { } while (0)
#endif

static noinline notrace u64 ___fathom_run(struct fathom_prog *prog, void *ctx,
					  u64 *regs)
{
	const struct fathom_insn *insn = prog->insns;
	const fathom_helper_fn *helpers = prog->helpers;
	fathom_helper_fn fn;
	u64 tmp;

#ifndef FATHOM_VM_USE_SWITCH
#define FATHOM_JT_ENTRY(label, code, sym)	\
	[(code)] = &&label,
	/*
	 * Overriding the default entries is the point of this table; Kbuild
	 * also passes -Wno-override-init, this keeps W=1 quiet without it.
	 */
	__diag_push();
	__diag_ignore_all("-Woverride-init", "jump table overrides defaults");
	static const void * const jumptable[256] __annotate_jump_table = {
		[0 ... 255] = &&default_label,
		FATHOM_INSN_MAP(FATHOM_JT_ENTRY)
	};
	__diag_pop();
#undef FATHOM_JT_ENTRY
#define CONT	({ FATHOM_VM_STEP(); insn++; goto select_insn; })

select_insn:
	goto *jumptable[insn->code];
#else
#define FATHOM_SWITCH_CASE(label, code, sym) case code: goto label;
#define CONT	({ FATHOM_VM_STEP(); insn++; goto select_insn; })

select_insn:
	switch (insn->code) {
	FATHOM_INSN_MAP(FATHOM_SWITCH_CASE)
	default:
		goto default_label;
	}
#undef FATHOM_SWITCH_CASE
#endif /* FATHOM_VM_USE_SWITCH */

	/*
	 * ALU: u32 arithmetic wraps at 32 bits and the assignment to the
	 * u64 register zero-extends, which is the ALU32 semantics.
	 */
#define ALU_OP(OPNAME, OP)						\
	ALU64_##OPNAME##_X:						\
		DST = DST OP SRC;					\
		CONT;							\
	ALU64_##OPNAME##_K:						\
		DST = DST OP IMM64;					\
		CONT;							\
	ALU32_##OPNAME##_X:						\
		DST = (u32)DST OP (u32)SRC;				\
		CONT;							\
	ALU32_##OPNAME##_K:						\
		DST = (u32)DST OP IMM32;				\
		CONT;
	ALU_OP(ADD, +)
	ALU_OP(SUB, -)
	ALU_OP(MUL, *)
	ALU_OP(AND, &)
	ALU_OP(OR, |)
	ALU_OP(XOR, ^)
#undef ALU_OP
	/*
	 * Shifts: amounts in registers are masked to the operand width; the
	 * verifier rejected out-of-range immediates, the mask is free.
	 */
ALU64_LSH_X:
		DST = DST << (SRC & 63);
		CONT;
ALU64_LSH_K:
		DST = DST << (IMM & 63);
		CONT;
ALU32_LSH_X:
		DST = (u32)((u32)DST << (SRC & 31));
		CONT;
ALU32_LSH_K:
		DST = (u32)((u32)DST << (IMM & 31));
		CONT;
ALU64_RSH_X:
		DST = DST >> (SRC & 63);
		CONT;
ALU64_RSH_K:
		DST = DST >> (IMM & 63);
		CONT;
ALU32_RSH_X:
		DST = (u32)DST >> (SRC & 31);
		CONT;
ALU32_RSH_K:
		DST = (u32)DST >> (IMM & 31);
		CONT;
ALU64_ARSH_X:
		DST = (u64)((s64)DST >> (SRC & 63));
		CONT;
ALU64_ARSH_K:
		DST = (u64)((s64)DST >> (IMM & 63));
		CONT;
ALU32_ARSH_X:
		DST = (u32)((s32)DST >> (SRC & 31));
		CONT;
ALU32_ARSH_K:
		DST = (u32)((s32)DST >> (IMM & 31));
		CONT;
ALU64_NEG:
		DST = -DST;
		CONT;
ALU32_NEG:
		DST = (u32)-(u32)DST;
		CONT;
ALU64_MOV_X:
		DST = SRC;
		CONT;
ALU64_MOV_K:
		DST = IMM64;
		CONT;
ALU32_MOV_X:
		DST = (u32)SRC;
		CONT;
ALU32_MOV_K:
		DST = IMM32;
		CONT;
	/* The verifier rejected a zero immediate divisor. */
ALU64_DIV_K:
		DST = DST / IMM64;
		CONT;
ALU64_MOD_K:
		DST = DST % IMM64;
		CONT;
ALU32_DIV_K:
		DST = (u32)DST / IMM32;
		CONT;
ALU32_MOD_K:
		DST = (u32)DST % IMM32;
		CONT;
ALU64_DIV_X:
		if (unlikely(!SRC))
			goto div_by_zero;
		DST = DST / SRC;
		CONT;
ALU64_MOD_X:
		if (unlikely(!SRC))
			goto div_by_zero;
		DST = DST % SRC;
		CONT;
ALU32_DIV_X:
		if (unlikely(!(u32)SRC))
			goto div_by_zero;
		DST = (u32)DST / (u32)SRC;
		CONT;
ALU32_MOD_X:
		if (unlikely(!(u32)SRC))
			goto div_by_zero;
		DST = (u32)DST % (u32)SRC;
		CONT;
div_by_zero:
	DST = 0;
	atomic64_inc(&prog->stats.div_by_zero);
	CONT;

	/* Stack loads and stores: the base register is R10 + constant. */
#define MEM_OP(SIZEOP, TYPE)						\
	LDX_MEM_##SIZEOP:						\
		DST = *(TYPE *)(unsigned long)(SRC + insn->off);	\
		CONT;							\
	ST_MEM_##SIZEOP:						\
		*(TYPE *)(unsigned long)(DST + insn->off) = (TYPE)IMM;	\
		CONT;							\
	STX_MEM_##SIZEOP:						\
		*(TYPE *)(unsigned long)(DST + insn->off) = (TYPE)SRC;	\
		CONT;
	MEM_OP(B, u8)
	MEM_OP(H, u16)
	MEM_OP(W, u32)
	MEM_OP(DW, u64)
#undef MEM_OP
LD_IMM64:
		DST = (u64)(u32)insn[0].imm | ((u64)(u32)insn[1].imm << 32);
		insn++;
		CONT;

	/* Jumps: the verifier proved off >= 0 and the target valid. */
JMP_JA:
		insn += insn->off;
		CONT;
#define COND_JMP(OPNAME, CMP_X, CMP_K)					\
	JMP_##OPNAME##_X:						\
		if (CMP_X)						\
			insn += insn->off;				\
		CONT;						\
	JMP_##OPNAME##_K:						\
		if (CMP_K)						\
			insn += insn->off;				\
		CONT;
	COND_JMP(JEQ, DST == SRC, DST == IMM64)
	COND_JMP(JNE, DST != SRC, DST != IMM64)
	COND_JMP(JGT, DST > SRC, DST > IMM64)
	COND_JMP(JGE, DST >= SRC, DST >= IMM64)
	COND_JMP(JLT, DST < SRC, DST < IMM64)
	COND_JMP(JLE, DST <= SRC, DST <= IMM64)
	COND_JMP(JSGT, (s64)DST > (s64)SRC, (s64)DST > (s64)IMM)
	COND_JMP(JSGE, (s64)DST >= (s64)SRC, (s64)DST >= (s64)IMM)
	COND_JMP(JSLT, (s64)DST < (s64)SRC, (s64)DST < (s64)IMM)
	COND_JMP(JSLE, (s64)DST <= (s64)SRC, (s64)DST <= (s64)IMM)
	COND_JMP(JSET, DST & SRC, DST & IMM64)
#undef COND_JMP
JMP_CALL:
		fn = helpers[insn->imm];
		tmp = fn(regs[1], regs[2], regs[3], regs[4], regs[5], ctx);
		regs[0] = tmp;
		CONT;
JMP_EXIT:
		FATHOM_VM_STEP();
		return regs[0];

default_label:
	/* The verifier let through an opcode the table does not know. */
	WARN_ON_ONCE(1);
	return 0;
#undef CONT
}

NOKPROBE_SYMBOL(___fathom_run);

/**
 * fathom_run_interp() - run a verified program
 * @prog: a program fathom_verify() accepted
 * @ctx: opaque context for the helpers
 * @stack: FATHOM_STACK_SIZE bytes, 8-byte aligned
 *
 * Only fathom_verify() installs this as prog->run; callers use
 * fathom_vm_run().
 *
 * Return: R0 at EXIT.
 */
notrace u64 fathom_run_interp(struct fathom_prog *prog, void *ctx, u8 *stack)
{
	u64 regs[FATHOM_NR_REGS];

	/*
	 * The verifier proved that no register is read before it is
	 * written, so only the frame pointer needs a value.
	 */
	regs[FATHOM_REG_FP] = (u64)(unsigned long)(stack + FATHOM_STACK_SIZE);
	return ___fathom_run(prog, ctx, regs);
}

NOKPROBE_SYMBOL(fathom_run_interp);

/**
 * fathom_run_reject() - the runner of a program that is not verified
 * @prog: unused
 * @ctx: unused
 * @stack: unused
 *
 * Fail closed: a program that failed (or has not been through)
 * verification executes nothing.
 *
 * Return: 0.
 */
notrace u64 fathom_run_reject(struct fathom_prog *prog, void *ctx, u8 *stack)
{
	return 0;
}

NOKPROBE_SYMBOL(fathom_run_reject);
