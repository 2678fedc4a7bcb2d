/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * fathom: records streamed from the module to user space.
 *
 * Each session has one relay channel with one buffer per CPU, exposed as
 * files cpu0, cpu1, ... in the directory FATHOM_A_SESSION_RELAY_DIR names.
 * Reading a file yields a stream of records, each starting with struct
 * fathom_record_hdr and padded to a multiple of 8 bytes. Every relay
 * sub-buffer begins with a FATHOM_REC_SUBBUF record whose payload is
 * struct fathom_subbuf_info, so a reader always knows how many records
 * this CPU has lost so far, even though relay drops the unused tail of each
 * sub-buffer from the stream.
 *
 * Timestamps are CLOCK_MONOTONIC nanoseconds (ktime_get_ns()), comparable
 * across CPUs, so a reader merges the per-CPU streams by ts.
 */
#ifndef _UAPI_LINUX_FATHOM_RECORD_H
#define _UAPI_LINUX_FATHOM_RECORD_H

#include <linux/types.h>

/**
 * struct fathom_record_hdr - header of every record
 * @len: bytes of the whole record, header included, a multiple of 8
 * @kind: enum fathom_record_kind
 * @cpu: CPU the record was written on
 * @ts: CLOCK_MONOTONIC nanoseconds when it was written
 */
struct fathom_record_hdr {
	__u32 len;
	__u16 kind;
	__u16 cpu;
	__u64 ts;
};

enum fathom_record_kind {
	FATHOM_REC_SUBBUF = 1,	/* struct fathom_subbuf_info */
	FATHOM_REC_EMIT,	/* the bytes a program passed to EMIT */
};

/**
 * struct fathom_subbuf_info - payload of FATHOM_REC_SUBBUF
 * @lost: records this CPU's buffer had no room for since the session
 *	started (cumulative)
 * @seq: sub-buffers this CPU has started so far, counting this one
 */
struct fathom_subbuf_info {
	__u64 lost;
	__u64 seq;
};

#endif /* _UAPI_LINUX_FATHOM_RECORD_H */
