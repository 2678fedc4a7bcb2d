/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by fathom's kselftest-harness tests. They run in the
 * guest, as root, against the real module.
 */
#ifndef _FATHOM_SELFTESTS_COMMON_H
#define _FATHOM_SELFTESTS_COMMON_H

#include <stdbool.h>

/**
 * become_nobody() - drop to uid/gid 65534, keeping only @cap
 * @cap: a capability to keep effective, or -1 for none
 *
 * Return: 0 or -errno.
 */
int become_nobody(int cap);

/**
 * module_loaded() - is fathom.ko in /proc/modules?
 */
bool module_loaded(void);

/**
 * getppid_probed() - is anything (kprobe or ftrace_ops) on getppid?
 *
 * Return: 1 or 0; -1 when the lists cannot be read, so that a test
 * cannot pass by not looking.
 */
int getppid_probed(void);

#endif /* _FATHOM_SELFTESTS_COMMON_H */
