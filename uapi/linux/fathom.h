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

#endif /* _UAPI_LINUX_FATHOM_H */
