/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The probe layer: one small interface that every probe kind (kprobe and
 * kretprobe here; tracepoints, uprobes and timers later) implements, so
 * the session code never knows how a probe is attached.
 *
 * A kind attaches a whole session's probes of that kind in one batch,
 * disarmed; arming and disarming are cheap and may be repeated; detach
 * waits until no handler of those probes is running. Every handler ends
 * in fathom_probe_hit(), which is the only way a program is run.
 */
#ifndef _FATHOM_PROBE_H
#define _FATHOM_PROBE_H

#include <linux/hrtimer.h>
#include <linux/kprobes.h>
#include <linux/list.h>
#include <linux/path.h>
#include <linux/types.h>
#include <linux/uprobes.h>

#include "vm/vm.h"

struct fathom_session;
struct fathom_sprog;
struct inode;
struct netlink_ext_ack;
struct nlattr;
struct pid;
struct pt_regs;
struct tracepoint;

/*
 * FATHOM_PROBE_TRACEPOINT and FATHOM_PROBE_PROFILE (probe_perf.c): the
 * counters, CPU-hotplug and tracepoint state live in probe_perf.c.
 */
struct fathom_perf_state;

struct fathom_probe_perf {
	struct fathom_perf_state *st;	/* from parse to release */
};

/* FATHOM_PROBE_UPROBE and FATHOM_PROBE_URETPROBE (probe_uprobe.c) */
struct fathom_probe_uprobe {
	struct path file;	/* held from parse to release: keeps @inode */
	struct inode *inode;	/* the file's (real) inode */
	u64 ref_ctr_offset;	/* 0: no USDT semaphore */
	struct pid *pid;	/* only this process, or NULL */
	struct uprobe_consumer uc;
	struct uprobe *uprobe;	/* what uprobe_register() returned (6.12+) */
};

/* FATHOM_PROBE_RAW_TRACEPOINT (probe_rawtp.c) */
struct fathom_probe_rawtp {
	char *name;
	struct tracepoint *tp;
};

/* FATHOM_PROBE_INTERVAL (probe_timer.c) */
struct fathom_probe_timer {
	u64 period_ns;
	struct hrtimer timer;
};

/**
 * struct fathom_probe - one probe of a session
 * @session: owner
 * @prog: the program it runs
 * @index: position in the session's probe list
 * @id: what get_probe_id returns (chosen by user space)
 * @kind: enum fathom_probe_kind
 * @path: enum fathom_probe_path, once attached
 * @flags: FATHOM_PROBE_F_*
 * @symbol: kernel symbol, or NULL when @addr is used
 * @offset: offset from @symbol
 * @addr: absolute address when there is no @symbol
 * @maxactive: kretprobe instances (0: the kernel's default)
 * @hits: per-CPU count of program runs from this probe
 * @drops: per-CPU count of hits refused because the CPU was inside a hit
 * @attached: registered with the kernel
 * @kp: kprobe, for FATHOM_PROBE_KPROBE
 * @krp: kretprobe, for FATHOM_PROBE_KRETPROBE
 * @perf: tracepoint and profile probes
 * @up: uprobes and uretprobes
 * @tm: interval probes
 * @rawtp: raw tracepoint probes
 */
struct fathom_probe {
	struct fathom_session *session;
	struct fathom_sprog *prog;
	u32 index;
	u32 id;
	u32 kind;
	u32 path;
	u32 flags;
	char *symbol;
	u64 offset;
	u64 addr;
	u32 maxactive;
	u64 __percpu *hits;
	u64 __percpu *drops;
	bool attached;
	union {
		struct kprobe kp;
		struct kretprobe krp;
		struct fathom_probe_perf perf;
		struct fathom_probe_uprobe up;
		struct fathom_probe_timer tm;
		struct fathom_probe_rawtp rawtp;
	};
};

/**
 * struct fathom_probe_ops - what a probe kind implements
 * @kind: enum fathom_probe_kind
 * @attach: register @n probes, disarmed; all or nothing. On failure,
 *	*@failed is the index (into @probes) of the probe to blame.
 * @detach: unregister @n attached probes and wait for their handlers
 * @missed: events the kernel could not deliver (kretprobe maxactive)
 * @parse: optional; read the kind's attributes (@tb, FATHOM_A_PROBE_*)
 *	into @p at SESSION_CREATE, with an extended-ACK message on error
 * @release: optional; free what @parse allocated (never attached then)
 * @arm: optional; called after the session's armed flag is set
 * @disarm: optional; called before the armed flag is cleared, undoes @arm
 *	and waits for its handlers
 *
 * All ops run in process context under fathom_sessions_lock.
 *
 * Probes are registered live: a session's armed flag, read by
 * fathom_probe_hit(), is what starts and stops them. Toggling probes
 * instead would patch kernel text at every start and stop, and disarming a
 * kprobe that shares its address with another (an aggregated kprobe)
 * while the function is hot crashes the 6.1 and 6.12 kernels we test
 * (under QEMU TCG; the kernel's own trace kprobes do the same).
 */
struct fathom_probe_ops {
	u32 kind;
	int (*attach)(struct fathom_probe **probes, unsigned int n,
		      unsigned int *failed);
	void (*detach)(struct fathom_probe **probes, unsigned int n);
	u64 (*missed)(struct fathom_probe *probe);
	int (*parse)(struct fathom_probe *p, struct nlattr **tb,
		     struct netlink_ext_ack *extack);
	void (*release)(struct fathom_probe *p);
	void (*arm)(struct fathom_probe **probes, unsigned int n);
	void (*disarm)(struct fathom_probe **probes, unsigned int n);
};

extern const struct fathom_probe_ops fathom_kprobe_ops;
extern const struct fathom_probe_ops fathom_kretprobe_ops;
extern const struct fathom_probe_ops fathom_tracepoint_ops;
extern const struct fathom_probe_ops fathom_profile_ops;
extern const struct fathom_probe_ops fathom_uprobe_ops;
extern const struct fathom_probe_ops fathom_uretprobe_ops;
extern const struct fathom_probe_ops fathom_begin_ops;
extern const struct fathom_probe_ops fathom_end_ops;
extern const struct fathom_probe_ops fathom_interval_ops;
extern const struct fathom_probe_ops fathom_rawtp_ops;

const struct fathom_probe_ops *fathom_probe_ops_get(u32 kind);

int fathom_probes_attach(struct fathom_session *s, unsigned int *failed);
void fathom_probes_detach(struct fathom_session *s);
void fathom_probes_release(struct fathom_session *s);
void fathom_probes_arm(struct fathom_session *s);
void fathom_probes_disarm(struct fathom_session *s);
void fathom_probes_run_kind(struct fathom_session *s, u32 kind);

int fathom_probe_perf_init(void);
void fathom_probe_perf_uninit(void);

bool fathom_probe_addr_is_symbol(const struct fathom_probe *p);
bool fathom_ftrace_eligible(const struct fathom_probe *p);
int fathom_ftrace_attach(struct fathom_session *s, struct fathom_probe **probes,
			 unsigned int n);
void fathom_ftrace_detach(struct fathom_session *s);

/**
 * struct fathom_hit - what a program's helpers see of the current hit
 * @probe: the probe that fired
 * @regs: registers at the probe (NULL for BEGIN/END)
 * @data: the hit's record (a tracepoint's event record), or NULL
 * @size: bytes at @data
 * @is_return: a return probe: @regs hold the return value
 * @user_regs: @regs are user-mode registers (uprobes)
 */
struct fathom_hit {
	struct fathom_probe *probe;
	struct pt_regs *regs;
	const void *data;
	u32 size;
	bool is_return;
	bool user_regs;
};

/* fathom_probe_hit_ctx() flags */
#define FATHOM_HIT_RETURN	BIT(0)	/* at a function's return */
#define FATHOM_HIT_FORCE	BIT(1)	/* run even when disarmed (BEGIN/END) */
#define FATHOM_HIT_USER		BIT(2)	/* @regs are user registers */

void fathom_probe_hit_ctx(struct fathom_probe *probe, struct pt_regs *regs,
			  unsigned int flags, const void *data, u32 size);

static inline void fathom_probe_hit(struct fathom_probe *probe,
				    struct pt_regs *regs, bool is_return)
{
	fathom_probe_hit_ctx(probe, regs, is_return ? FATHOM_HIT_RETURN : 0,
			     NULL, 0);
}

extern const fathom_helper_fn fathom_runtime_helpers[];

void fathom_prog_prefilter(struct fathom_sprog *sp);

int fathom_runtime_init(void);
void fathom_runtime_uninit(void);

#endif /* _FATHOM_PROBE_H */
