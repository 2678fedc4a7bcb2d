/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel stacks that start at a probe's registers.
 *
 * stack_trace_save() walks from its caller, so a stack taken in a helper
 * begins with fathom's own frames (the interpreter, the hit path, the
 * probe mechanism's handler) that must be found and cut afterwards, and
 * each of them costs an unwinder step. stack_trace_save_regs() would start
 * at the probed code but is not exported. On x86 the unwinder itself is:
 * __unwind_start(), unwind_next_frame() and unwind_get_return_address()
 * are exported by each of the ORC, frame-pointer and guess unwinders (since
 * 4.14), and arch_stack_walk() is the same loop. Starting from regs, the
 * unwinder skips the regs frame itself, so regs->ip comes first, as in
 * arch_stack_walk().
 *
 * The regs must describe kernel code: ip, sp and bp are what the unwinder
 * reads (the partial regs of an ftrace_ops callback without SAVE_REGS have
 * those three: ftrace_caller stores the traced function's sp and bp). Other
 * architectures fall back to the caller's walk (FATHOM_COMPAT_NO_REGS_STACK).
 */
#ifndef _FATHOM_COMPAT_STACK_H
#define _FATHOM_COMPAT_STACK_H

#include <linux/ptrace.h>
#include <linux/sched.h>

#ifdef CONFIG_X86
#include <asm/unwind.h>

/**
 * fathom_stack_from_regs() - the kernel stack at @regs
 * @ips: room for @max return addresses
 * @max: at least 1
 * @regs: kernel-mode registers of the current task (ip, sp, bp valid)
 *
 * Probe context, NMI included: the unwinder reads the stack with bounds
 * checks and takes no lock. At most @max steps.
 *
 * Return: the number of entries stored, the first being @regs->ip.
 */
static __always_inline unsigned int
fathom_stack_from_regs(unsigned long *ips, unsigned int max,
		       struct pt_regs *regs)
{
	struct unwind_state state;
	unsigned int nr = 0;
	unsigned long addr;

	ips[nr++] = instruction_pointer(regs);
	for (unwind_start(&state, current, regs, NULL);
	     nr < max && !unwind_done(&state); unwind_next_frame(&state)) {
		addr = unwind_get_return_address(&state);
		if (!addr)
			break;
		ips[nr++] = addr;
	}
	return nr;
}
#else
#define FATHOM_COMPAT_NO_REGS_STACK
#endif /* CONFIG_X86 */

#endif /* _FATHOM_COMPAT_STACK_H */
