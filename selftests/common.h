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

#endif /* _FATHOM_SELFTESTS_COMMON_H */
