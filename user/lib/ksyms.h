/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel symbol addresses from /proc/kallsyms, for the ftrace_ops probe
 * path (the module checks every address it is given against the symbol).
 */
#ifndef _FATHOM_USER_KSYMS_H
#define _FATHOM_USER_KSYMS_H

#include <stdint.h>

/**
 * fathom_ksym_addr() - the address of a kernel function
 * @name: symbol name
 * @addr: filled on success
 *
 * Return: 0; -ENOENT when there is no such text symbol; -EPERM when the
 * kernel hides addresses (kptr_restrict); -errno when /proc/kallsyms
 * cannot be read.
 */
int fathom_ksym_addr(const char *name, uint64_t *addr);

#endif /* _FATHOM_USER_KSYMS_H */
