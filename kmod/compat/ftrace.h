/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ftrace_ops callbacks across kernel versions: 5.11 replaced the callback's
 * struct pt_regs with a struct ftrace_regs, from which ftrace_get_regs()
 * gives full registers when the ops asked for FTRACE_OPS_FL_SAVE_REGS.
 *
 * Without SAVE_REGS, kernels with DYNAMIC_FTRACE_WITH_ARGS still save the
 * argument registers, the stack pointer and the instruction pointer in a
 * partial struct pt_regs inside the ftrace_regs (x86: the first member),
 * which is all an entry probe's program reads; fathom_ftrace_arg_regs()
 * returns it. FATHOM_FTRACE_OPS_FLAGS asks for full registers only where
 * that partial set does not exist.
 */
#ifndef _FATHOM_COMPAT_FTRACE_H
#define _FATHOM_COMPAT_FTRACE_H

#include <linux/ftrace.h>

#ifdef FATHOM_HAVE_FTRACE_REGS
typedef struct ftrace_regs fathom_ftrace_regs_t;

#if defined(CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS) && defined(CONFIG_X86_64)
#ifdef FATHOM_HAVE_ARCH_FTRACE_REGS
#include <linux/ftrace_regs.h>
#define fathom_ftrace_partial(fregs) (&arch_ftrace_regs(fregs)->regs)
#else
#define fathom_ftrace_partial(fregs) (&(fregs)->regs)
#endif
#define FATHOM_FTRACE_OPS_FLAGS	0

static __always_inline struct pt_regs *
fathom_ftrace_pt_regs(fathom_ftrace_regs_t *fregs)
{
	return fathom_ftrace_partial(fregs);
}
#else
#define FATHOM_FTRACE_OPS_FLAGS	FTRACE_OPS_FL_SAVE_REGS

static __always_inline struct pt_regs *
fathom_ftrace_pt_regs(fathom_ftrace_regs_t *fregs)
{
	return ftrace_get_regs(fregs);
}
#endif /* CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS && CONFIG_X86_64 */
#else
#define FATHOM_COMPAT_NO_FTRACE_REGS
typedef struct pt_regs fathom_ftrace_regs_t;
#define FATHOM_FTRACE_OPS_FLAGS	FTRACE_OPS_FL_SAVE_REGS

static __always_inline struct pt_regs *
fathom_ftrace_pt_regs(fathom_ftrace_regs_t *regs)
{
	return regs;
}
#endif /* FATHOM_HAVE_FTRACE_REGS */

#endif /* _FATHOM_COMPAT_FTRACE_H */
