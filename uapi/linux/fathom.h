/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * fathom: the control protocol between fathom.ko and user space.
 *
 * Transport
 * ---------
 * Generic netlink, family FATHOM_GENL_NAME, version FATHOM_GENL_VERSION.
 * The family is not namespace-aware: a tracer sees the whole host, so it is
 * reachable only from the initial network namespace.
 *
 * Every command requires CAP_SYS_ADMIN or CAP_PERFMON in the caller's
 * credentials (checked by the module for each message; CAP_NET_ADMIN alone,
 * what GENL_ADMIN_PERM would check, is not enough). A caller without them
 * gets -EPERM.
 *
 * Attributes are validated strictly: an attribute the command does not
 * accept, an attribute of the wrong size, a flag bit the module does not
 * know, or trailing garbage is rejected with -EINVAL (or -EOPNOTSUPP for
 * unknown flags), and the extended ACK carries a message naming the
 * offending attribute.
 *
 * All attributes of all commands live in one flat number space (enum
 * fathom_attr), so a kernel without per-command policies can validate with
 * the union of the per-command policies plus a per-command allow list, and
 * behave identically.
 *
 * Compatibility rules: numbers are never reused or changed; new commands,
 * attributes and flags are only ever appended. Integers are fixed-width,
 * host byte order. 64-bit attributes are padded with FATHOM_A_PAD.
 *
 * Commands
 * --------
 * FATHOM_CMD_GET_INFO (do)
 *   Request:  [FATHOM_A_INFO_ABI_VERSION]  u32, the caller's ABI version.
 *             A caller newer than the module is refused with
 *             -EPROTONOSUPPORT, so a stale module is reported clearly.
 *   Reply:    FATHOM_A_INFO_ABI_VERSION    u32, FATHOM_ABI_VERSION
 *             FATHOM_A_INFO_MODULE_VERSION string, the module's version
 *             FATHOM_A_INFO_KERNEL_RELEASE string, utsname()->release
 *             FATHOM_A_INFO_KERNEL_FEATURES u64, FATHOM_KFEAT_* offered by
 *                                          the running kernel
 *             FATHOM_A_INFO_LIMITS         nest of FATHOM_A_LIMIT_* (u32)
 *
 * Sessions (SESSION_CREATE ... SNAPSHOT): see docs/netlink.md and
 * docs/architecture.md. A session belongs to the socket that created it
 * and is destroyed when that socket closes.
 *
 * FATHOM_CMD_SESSION_STOPPED (notification, unicast to the owner)
 *             FATHOM_A_SESSION_ID, FATHOM_A_SESSION_STOP_REASON: the
 *             module stopped the session by itself (overload budget,
 *             deadman). Any command of the owner on the session counts as
 *             a heartbeat for the deadman.
 */
#ifndef _UAPI_LINUX_FATHOM_H
#define _UAPI_LINUX_FATHOM_H

#include <linux/const.h>
#include <linux/types.h>

#define FATHOM_GENL_NAME	"fathom"
#define FATHOM_GENL_VERSION	1

/*
 * The version of everything in this header and in fathom_isa.h and
 * fathom_record.h taken together. Bumped when something is added.
 */
#define FATHOM_ABI_VERSION	1

enum fathom_cmd {
	FATHOM_CMD_GET_INFO = 1,
	FATHOM_CMD_SESSION_CREATE,
	FATHOM_CMD_SESSION_START,
	FATHOM_CMD_SESSION_STOP,
	FATHOM_CMD_SESSION_DESTROY,
	FATHOM_CMD_SESSION_GET,
	FATHOM_CMD_SESSION_LIST,
	FATHOM_CMD_MAP_DUMP,
	FATHOM_CMD_MAP_CLEAR,
	FATHOM_CMD_SNAPSHOT,
	FATHOM_CMD_SESSION_STOPPED,	/* notification to the owner */

	__FATHOM_CMD_MAX
};

#define FATHOM_CMD_MAX (__FATHOM_CMD_MAX - 1)

enum fathom_attr {
	/* FATHOM_CMD_GET_INFO */
	FATHOM_A_INFO_ABI_VERSION = 1,	/* u32 */
	FATHOM_A_INFO_MODULE_VERSION,	/* NUL-terminated string */
	FATHOM_A_INFO_KERNEL_RELEASE,	/* NUL-terminated string */
	FATHOM_A_INFO_KERNEL_FEATURES,	/* u64, FATHOM_KFEAT_* */
	FATHOM_A_INFO_LIMITS,		/* nest, FATHOM_A_LIMIT_* */

	FATHOM_A_PAD,			/* alignment padding for u64 */

	/* sessions */
	FATHOM_A_SESSION_ID,		/* u32 */
	FATHOM_A_SESSION_PROGS,		/* nest of FATHOM_A_PROG */
	FATHOM_A_SESSION_MAPS,		/* nest of FATHOM_A_MAP */
	FATHOM_A_SESSION_PROBES,	/* nest of FATHOM_A_PROBE */
	FATHOM_A_SESSION_MODE,		/* u32, enum fathom_session_mode */
	FATHOM_A_SESSION_SUBBUF_SIZE,	/* u32, relay sub-buffer bytes */
	FATHOM_A_SESSION_N_SUBBUFS,	/* u32, relay sub-buffers per CPU */
	FATHOM_A_SESSION_OVERLOAD_PCT,	/* u32, 1..100 */
	FATHOM_A_SESSION_DEADMAN_MS,	/* u32, 0 = no deadman */
	FATHOM_A_SESSION_STATE,		/* u32, enum fathom_session_state */
	FATHOM_A_SESSION_STOP_REASON,	/* u32, enum fathom_stop_reason */
	FATHOM_A_SESSION_STATS,		/* nest of FATHOM_A_STAT_* (u64) */
	FATHOM_A_SESSION_PROBE_STATS,	/* nest of FATHOM_A_PROBE (stats) */
	FATHOM_A_SESSION_PROG_STATS,	/* nest of FATHOM_A_PROG (stats) */
	FATHOM_A_SESSION_RELAY_DIR,	/* string, directory of cpuN files */
	FATHOM_A_SESSION_OWNER_PID,	/* u32 */
	FATHOM_A_SESSION_FLAGS,		/* u32, FATHOM_SESSION_F_* */

	/* verifier rejection, in a reply sent before the error ACK */
	FATHOM_A_VERIFIER_PROG,		/* u32, index in SESSION_PROGS */
	FATHOM_A_VERIFIER_INSN,		/* u32, index of the instruction */
	FATHOM_A_VERIFIER_LOG,		/* string */

	/* maps */
	FATHOM_A_MAP_ID,		/* u32, 1-based index in SESSION_MAPS */
	FATHOM_A_MAP_ENTRY,		/* nest of FATHOM_A_ENTRY_* */
	FATHOM_A_MAP_CLEAR_FLAGS,	/* u32, FATHOM_MAP_CLEAR_F_* */

	/* probe attach failure, in a reply sent before the error ACK */
	FATHOM_A_FAILED_PROBE,		/* u32, index in SESSION_PROBES */

	__FATHOM_A_MAX
};

#define FATHOM_A_MAX (__FATHOM_A_MAX - 1)

/* Nested in FATHOM_A_INFO_LIMITS: the module's limits, each a u32. */
enum fathom_limit_attr {
	FATHOM_A_LIMIT_MAX_INSNS = 1,	/* instructions per program */
	FATHOM_A_LIMIT_STACK_SIZE,	/* VM stack bytes per program run */
	FATHOM_A_LIMIT_MAX_SESSIONS,	/* sessions alive at once */
	FATHOM_A_LIMIT_MAX_PROBES,	/* probes per session */
	FATHOM_A_LIMIT_MAX_MAPS,	/* maps per session */
	FATHOM_A_LIMIT_MAX_MAP_ENTRIES,	/* entries per map */
	FATHOM_A_LIMIT_MAX_STR_SIZE,	/* bytes of one string value */
	FATHOM_A_LIMIT_MAX_STACK_DEPTH,	/* frames of one captured stack */
	FATHOM_A_LIMIT_RELAY_SUBBUF_SIZE, /* default relay sub-buffer bytes */
	FATHOM_A_LIMIT_RELAY_N_SUBBUFS,	/* default sub-buffers per CPU */
	FATHOM_A_LIMIT_MAX_SESSION_BYTES, /* map memory per session */

	__FATHOM_A_LIMIT_MAX
};

#define FATHOM_A_LIMIT_MAX (__FATHOM_A_LIMIT_MAX - 1)

/*
 * FATHOM_A_INFO_KERNEL_FEATURES: what the running kernel offers the
 * module (configuration options it was built with). Not a promise that
 * this module version uses each of them yet.
 */
#define FATHOM_KFEAT_KPROBES		_BITULL(0)
#define FATHOM_KFEAT_KRETPROBES		_BITULL(1)
#define FATHOM_KFEAT_UPROBES		_BITULL(2)
#define FATHOM_KFEAT_FTRACE_OPS		_BITULL(3)
#define FATHOM_KFEAT_FTRACE_ARGS	_BITULL(4)
#define FATHOM_KFEAT_TRACEPOINTS	_BITULL(5)
#define FATHOM_KFEAT_PERF_EVENTS	_BITULL(6)
#define FATHOM_KFEAT_RELAY		_BITULL(7)
#define FATHOM_KFEAT_DEBUGFS		_BITULL(8)
#define FATHOM_KFEAT_BTF		_BITULL(9)

/*
 * PROG_NAME and MAP_NAME are labels for messages: at most FATHOM_NAME_LEN
 * bytes with the NUL. A longer name is refused (EINVAL), so libraries shorten
 * names they build from probe specs, which can hold long paths.
 */
#define FATHOM_NAME_LEN			64

/* FATHOM_A_SESSION_PROGS holds one FATHOM_A_PROG nest per program. */
enum fathom_prog_attr {
	FATHOM_A_PROG = 1,		/* nest, in SESSION_PROGS / PROG_STATS */
	FATHOM_A_PROG_INSNS,		/* binary, struct fathom_insn[] */
	FATHOM_A_PROG_NAME,		/* string, for messages */
	FATHOM_A_PROG_INDEX,		/* u32, in PROG_STATS */
	FATHOM_A_PROG_RUNS,		/* u64, in PROG_STATS */
	FATHOM_A_PROG_ERRORS,		/* u64, run-time errors (div by 0) */
	FATHOM_A_PROG_PAD,

	__FATHOM_A_PROG_MAX
};

#define FATHOM_A_PROG_MAX (__FATHOM_A_PROG_MAX - 1)

/*
 * FATHOM_A_SESSION_MAPS holds one FATHOM_A_MAP nest per map; a program's
 * map id i (1-based) is the i-th of them.
 */
enum fathom_map_attr {
	FATHOM_A_MAP = 1,		/* nest, in SESSION_MAPS */
	FATHOM_A_MAP_KIND,		/* u32, enum fathom_map_kind */
	FATHOM_A_MAP_KEY_SIZE,		/* u32, 1..FATHOM_STACK_SIZE */
	FATHOM_A_MAP_VALUE_SIZE,	/* u32, HASH only; others implied */
	FATHOM_A_MAP_MAX_ENTRIES,	/* u32, <= module's max_map_entries */
	FATHOM_A_MAP_LHIST_MIN,		/* s64, LHIST only */
	FATHOM_A_MAP_LHIST_MAX,		/* s64, LHIST only */
	FATHOM_A_MAP_LHIST_STEP,	/* s64 > 0, LHIST only */
	FATHOM_A_MAP_NAME,		/* string, for messages */
	FATHOM_A_MAP_PAD,

	__FATHOM_A_MAP_MAX
};

#define FATHOM_A_MAP_MAX (__FATHOM_A_MAP_MAX - 1)

/*
 * Map kinds. HASH is one table shared by all CPUs (bucket locks): what a
 * program stores in one probe and reads in another, like @start[tid].
 * The aggregation kinds are per-CPU tables updated without locks by
 * FATHOM_HELPER_MAP_AGGREGATE; MAP_DUMP returns each CPU's entries and user
 * space merges them. STACK maps stack traces to ids.
 *
 * Aggregation values, as MAP_DUMP returns them per CPU (all __s64/__u64):
 *   COUNT  { u64 count }            SUM { s64 sum }
 *   MIN    { s64 min }              MAX { s64 max }  (unset entries absent)
 *   AVG    { s64 sum, u64 count }
 *   STATS  { u64 count, s64 sum, s64 min, s64 max }
 *   HIST   { u64 buckets[FATHOM_HIST_BUCKETS] }: bucket 0 counts values
 *          < 0, bucket 1 counts 0, bucket k >= 2 counts [2^(k-2), 2^(k-1))
 *   LHIST  { u64 buckets[(max - min) / step + 2] }: bucket 0 counts values
 *          < min, the last one values >= max, bucket 1 + i counts
 *          [min + i * step, min + (i + 1) * step)
 *   STACK  key { u32 nr; u32 tgid; u64 ips[nr] }, value { u64 id }: tgid
 *          is the process of a user stack (0 for kernel stacks); the
 *          same addresses in two processes are two stacks
 */
enum fathom_map_kind {
	FATHOM_MAP_HASH = 1,
	FATHOM_MAP_COUNT,
	FATHOM_MAP_SUM,
	FATHOM_MAP_MIN,
	FATHOM_MAP_MAX,
	FATHOM_MAP_AVG,
	FATHOM_MAP_STATS,
	FATHOM_MAP_HIST,
	FATHOM_MAP_LHIST,
	FATHOM_MAP_STACK,

	__FATHOM_MAP_KIND_MAX
};

#define FATHOM_HIST_BUCKETS	66
#define FATHOM_LHIST_MAX_BUCKETS 1024

/* In a MAP_DUMP reply: one FATHOM_A_MAP_ENTRY nest per entry per CPU. */
enum fathom_entry_attr {
	FATHOM_A_ENTRY_CPU = 1,		/* u32; absent for HASH and STACK */
	FATHOM_A_ENTRY_KEY,		/* binary, key_size bytes */
	FATHOM_A_ENTRY_VALUE,		/* binary, the kind's value layout */

	__FATHOM_A_ENTRY_MAX
};

#define FATHOM_A_ENTRY_MAX (__FATHOM_A_ENTRY_MAX - 1)

#define FATHOM_MAP_CLEAR_F_ZERO		_BITULL(0)	/* keep keys, zero values */
#define __FATHOM_MAP_CLEAR_F_ALL	FATHOM_MAP_CLEAR_F_ZERO

/* FATHOM_A_SESSION_PROBES holds one FATHOM_A_PROBE nest per probe. */
enum fathom_probe_attr {
	FATHOM_A_PROBE = 1,		/* nest */
	FATHOM_A_PROBE_KIND,		/* u32, enum fathom_probe_kind */
	FATHOM_A_PROBE_SYMBOL,		/* string, kernel symbol */
	FATHOM_A_PROBE_OFFSET,		/* u64, offset from SYMBOL */
	FATHOM_A_PROBE_ADDR,		/* u64, address when no SYMBOL */
	FATHOM_A_PROBE_PROG,		/* u32, index in SESSION_PROGS */
	FATHOM_A_PROBE_MAXACTIVE,	/* u32, kretprobe instances */
	FATHOM_A_PROBE_ID,		/* u32, what get_probe_id returns */
	FATHOM_A_PROBE_FLAGS,		/* u32, FATHOM_PROBE_F_* */
	FATHOM_A_PROBE_HITS,		/* u64, in PROBE_STATS */
	FATHOM_A_PROBE_MISSES,		/* u64, in PROBE_STATS */
	FATHOM_A_PROBE_INDEX,		/* u32, in PROBE_STATS */
	FATHOM_A_PROBE_PATH,		/* u32, enum fathom_probe_path used */
	FATHOM_A_PROBE_PAD,
	FATHOM_A_PROBE_TP_SYSTEM,	/* string, tracepoint category */
	FATHOM_A_PROBE_TP_NAME,		/* string, tracepoint name */
	FATHOM_A_PROBE_UPATH,		/* string, absolute path of a uprobe's file */
	FATHOM_A_PROBE_REF_CTR_OFFSET,	/* u64, uprobe semaphore (USDT) file offset */
	FATHOM_A_PROBE_PID,		/* u32, uprobes: only this process */
	FATHOM_A_PROBE_PERIOD_NS,	/* u64, INTERVAL and PROFILE period */
	FATHOM_A_PROBE_DROPS,		/* u64, in PROBE_STATS: hit inside a hit */

	__FATHOM_A_PROBE_MAX
};

#define FATHOM_A_PROBE_MAX (__FATHOM_A_PROBE_MAX - 1)

/*
 * Probe kinds and what each needs (besides KIND and PROG):
 *   KPROBE, KRETPROBE  SYMBOL [+ OFFSET] and/or ADDR; MAXACTIVE
 *   TRACEPOINT         TP_SYSTEM, TP_NAME; the program reads the event's
 *                      record (tracefs format file) with READ_CTX
 *   UPROBE, URETPROBE  UPATH, OFFSET (file offset of the instruction),
 *                      optional PID and REF_CTR_OFFSET
 *   BEGIN, END         nothing: run once, in process context, at
 *                      SESSION_START (before any other probe) and at the
 *                      stop of a running session (after every other probe)
 *   INTERVAL           PERIOD_NS (>= 100 us): one CPU, hrtimer
 *   PROFILE            PERIOD_NS (>= 100 us): every CPU, with the
 *                      interrupted registers
 *   RAW_TRACEPOINT     TP_NAME (a tracepoint of the kernel proper, not of a
 *                      module); the record READ_CTX reads is the array of
 *                      the tracepoint's TP_PROTO arguments, one u64 each
 *                      (FATHOM_RAW_TP_MAX_ARGS of them, those past the
 *                      tracepoint's own count are undefined)
 */
enum fathom_probe_kind {
	FATHOM_PROBE_KPROBE = 1,
	FATHOM_PROBE_KRETPROBE,
	FATHOM_PROBE_TRACEPOINT,
	FATHOM_PROBE_UPROBE,
	FATHOM_PROBE_URETPROBE,
	FATHOM_PROBE_BEGIN,
	FATHOM_PROBE_END,
	FATHOM_PROBE_INTERVAL,
	FATHOM_PROBE_PROFILE,
	FATHOM_PROBE_RAW_TRACEPOINT,

	__FATHOM_PROBE_KIND_MAX
};

/* How a probe is attached, reported back in PROBE_STATS. */
enum fathom_probe_path {
	FATHOM_PROBE_PATH_KPROBE = 1,
	FATHOM_PROBE_PATH_FTRACE,
	FATHOM_PROBE_PATH_KRETPROBE,
	FATHOM_PROBE_PATH_PERF,		/* in-kernel perf counter per CPU */
	FATHOM_PROBE_PATH_UPROBE,
	FATHOM_PROBE_PATH_URETPROBE,
	FATHOM_PROBE_PATH_PROCESS,	/* BEGIN/END: run by the command */
	FATHOM_PROBE_PATH_HRTIMER,
	FATHOM_PROBE_PATH_TRACEPOINT,	/* tracepoint_probe_register */
};

#define FATHOM_RAW_TP_MAX_ARGS	12

#define FATHOM_PERIOD_MIN_NS	100000ULL

/* Never use the ftrace_ops fast path, always a kprobe. */
#define FATHOM_PROBE_F_NO_FTRACE	_BITULL(0)
/*
 * The probe is on a function's first instruction (a uprobe on a symbol):
 * the function's frame is not set up yet, its return address is at the
 * stack pointer, and user stacks include that caller.
 */
#define FATHOM_PROBE_F_FUNC_ENTRY	_BITULL(1)
#define __FATHOM_PROBE_F_ALL		(FATHOM_PROBE_F_NO_FTRACE | \
					 FATHOM_PROBE_F_FUNC_ENTRY)

enum fathom_session_mode {
	FATHOM_MODE_STREAM = 1,		/* never overwrite; count lost */
	FATHOM_MODE_FLIGHT,		/* overwrite oldest; SNAPSHOT reads */
};

enum fathom_session_state {
	FATHOM_STATE_CREATED = 1,
	FATHOM_STATE_RUNNING,
	FATHOM_STATE_STOPPED,
};

enum fathom_stop_reason {
	FATHOM_STOP_NONE = 1,
	FATHOM_STOP_USER,
	FATHOM_STOP_OVERLOAD,
	FATHOM_STOP_DEADMAN,
	FATHOM_STOP_SNAPSHOT,		/* frozen for a flight-recorder dump */
};

/* Counters in FATHOM_A_SESSION_STATS, each a u64. */
enum fathom_stat_attr {
	FATHOM_A_STAT_HITS = 1,		/* probe hits that ran a program */
	FATHOM_A_STAT_DROP_RECURSION,	/* hit inside a hit on one CPU */
	FATHOM_A_STAT_DROP_NMI,		/* hits in NMI context (run, not dropped) */
	FATHOM_A_STAT_DROP_MAP_FULL,	/* inserts into a full map */
	FATHOM_A_STAT_DROP_RELAY,	/* records the relay had no room for */
	FATHOM_A_STAT_DROP_STACK,	/* stacks the stack map had no room for */
	FATHOM_A_STAT_PROG_ERRORS,	/* run-time errors, all programs */
	FATHOM_A_STAT_RUNTIME_NS,	/* time in programs (one run in 16 timed) */
	FATHOM_A_STAT_PAD,

	__FATHOM_A_STAT_MAX
};

#define FATHOM_A_STAT_MAX (__FATHOM_A_STAT_MAX - 1)

#endif /* _UAPI_LINUX_FATHOM_H */
