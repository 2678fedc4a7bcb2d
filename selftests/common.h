/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by fathom's kselftest-harness tests. They run in the
 * guest, as root, against the real module.
 */
#ifndef _FATHOM_SELFTESTS_COMMON_H
#define _FATHOM_SELFTESTS_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "api.h"
#include "relay.h"

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

/**
 * sessions_of() - how many live sessions process @pid owns
 * @nl: an open handle
 * @pid: the owner
 *
 * Return: the count, or ~0U when the list cannot be read.
 */
unsigned int sessions_of(struct fathom_nl *nl, pid_t pid);

/**
 * map_sum() - the sum over all entries (and CPUs) of a map's first u64
 * @nl: an open handle
 * @sid: session
 * @map: map id
 *
 * Return: the sum, or ~0ULL when the dump fails.
 */
uint64_t map_sum(struct fathom_nl *nl, uint32_t sid, uint32_t map);

/**
 * relay_drain() - deliver every record of a stopped session's relay
 * @rel: the relay directory SESSION_CREATE returned
 * @cb: called per record
 * @arg: its argument
 * @lost: if not NULL, records the reader saw lost
 *
 * Return: 0 or a negative errno.
 */
int relay_drain(const char *rel, fathom_relay_cb cb, void *arg, uint64_t *lost);

#endif /* _FATHOM_SELFTESTS_COMMON_H */
