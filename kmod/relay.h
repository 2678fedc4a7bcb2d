/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A session's relay channel (uapi/linux/fathom_record.h has the format).
 */
#ifndef _FATHOM_RELAY_H
#define _FATHOM_RELAY_H

#include <linux/types.h>

struct fathom_relay;

/*
 * The largest record fathom_relay_emit() accepts, header included; bigger
 * ones are refused with -E2BIG (a channel whose sub-buffers are smaller
 * than this refuses from a smaller size on).
 */
#define FATHOM_RELAY_RECORD_MAX	8192

/**
 * fathom_relay_init() - create the "fathom" debugfs directory
 *
 * Called once from module_init. A kernel without debugfs (or booted with
 * debugfs=off) does not fail the load: fathom_relay_open() then fails with
 * -ENODEV. Return: 0 or -ENOMEM.
 */
int fathom_relay_init(void);

/** fathom_relay_uninit() - remove the "fathom" debugfs directory */
void fathom_relay_uninit(void);

/**
 * fathom_relay_selftest() - check the relay channel at load time
 *
 * Return: 0, -ENOTRECOVERABLE if a check failed, or the errno that kept
 * the test from running.
 */
int fathom_relay_selftest(void);

/**
 * fathom_relay_open() - create the channel and its per-CPU files
 * @name: directory name, unique per session ("session-<id>")
 * @subbuf_size: bytes per sub-buffer
 * @n_subbufs: sub-buffers per CPU
 * @flight: overwrite the oldest records instead of dropping new ones
 *
 * Process context. Return: the channel or an ERR_PTR().
 */
struct fathom_relay *fathom_relay_open(const char *name, u32 subbuf_size,
				       u32 n_subbufs, bool flight);

/** fathom_relay_close() - remove the files and free; process context */
void fathom_relay_close(struct fathom_relay *relay);

/**
 * fathom_relay_emit() - write one record on this CPU
 * @relay: the channel
 * @kind: enum fathom_record_kind
 * @data: payload
 * @len: payload bytes
 *
 * Probe context, preemption disabled, never in NMI. Return: 0, or -ENOSPC
 * when the record was dropped (and counted).
 */
int fathom_relay_emit(struct fathom_relay *relay, u16 kind, const void *data,
		      u32 len);

/** fathom_relay_lost() - records dropped, all CPUs */
u64 fathom_relay_lost(struct fathom_relay *relay);

/** fathom_relay_dir() - the directory holding the cpuN files */
const char *fathom_relay_dir(struct fathom_relay *relay);

/**
 * fathom_relay_snapshot() - flight recorder: make the buffers readable
 * @relay: the channel
 *
 * Process context; the session is stopped first, so the buffers no longer
 * change while user space reads them.
 */
int fathom_relay_snapshot(struct fathom_relay *relay);

/** fathom_relay_flush() - push partially filled sub-buffers to readers */
void fathom_relay_flush(struct fathom_relay *relay);

#endif /* _FATHOM_RELAY_H */
