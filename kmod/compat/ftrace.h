/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ftrace_ops callbacks across kernel versions: 5.11 replaced the callback's
 * struct pt_regs with a struct ftrace_regs, from which ftrace_get_regs()
 * gives full registers when the ops asked for FTRACE_OPS_FL_SAVE_REGS.
 */
#ifndef _FATHOM_COMPAT_FTRACE_H
#define _FATHOM_COMPAT_FTRACE_H

#include <linux/ftrace.h>

#ifdef FATHOM_HAVE_FTRACE_REGS
typedef struct ftrace_regs fathom_ftrace_regs_t;

static __always_inline struct pt_regs *
fathom_ftrace_pt_regs(fathom_ftrace_regs_t *fregs)
{
	return ftrace_get_regs(fregs);
}
#else
#define FATHOM_COMPAT_NO_FTRACE_REGS
typedef struct pt_regs fathom_ftrace_regs_t;

static __always_inline struct pt_regs *
fathom_ftrace_pt_regs(fathom_ftrace_regs_t *regs)
{
	return regs;
}
#endif /* FATHOM_HAVE_FTRACE_REGS */

#endif /* _FATHOM_COMPAT_FTRACE_H */
