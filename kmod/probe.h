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

#include <linux/kprobes.h>
#include <linux/types.h>

#include "vm/vm.h"

struct fathom_session;
struct fathom_sprog;
struct netlink_ext_ack;
struct pt_regs;

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
 * @attached: registered with the kernel
 * @kp: kprobe, for FATHOM_PROBE_KPROBE
 * @krp: kretprobe, for FATHOM_PROBE_KRETPROBE
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
	bool attached;
	union {
		struct kprobe kp;
		struct kretprobe krp;
	};
};

/**
 * struct fathom_probe_ops - what a probe kind implements
 * @kind: enum fathom_probe_kind
 * @attach: register @n probes, disarmed; all or nothing. On failure,
 *	*@failed is the index (into @probes) of the probe to blame.
 * @detach: unregister @n attached probes and wait for their handlers
 * @missed: events the kernel could not deliver (kretprobe maxactive)
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
};

extern const struct fathom_probe_ops fathom_kprobe_ops;
extern const struct fathom_probe_ops fathom_kretprobe_ops;

const struct fathom_probe_ops *fathom_probe_ops_get(u32 kind);

int fathom_probes_attach(struct fathom_session *s, unsigned int *failed);
void fathom_probes_detach(struct fathom_session *s);

bool fathom_probe_addr_is_symbol(const struct fathom_probe *p);
bool fathom_ftrace_eligible(const struct fathom_probe *p);
int fathom_ftrace_attach(struct fathom_session *s, struct fathom_probe **probes,
			 unsigned int n);
void fathom_ftrace_detach(struct fathom_session *s);

/**
 * struct fathom_hit - what a program's helpers see of the current hit
 * @probe: the probe that fired
 * @regs: registers at the probe
 * @is_return: a return probe: @regs hold the return value
 */
struct fathom_hit {
	struct fathom_probe *probe;
	struct pt_regs *regs;
	bool is_return;
};

void fathom_probe_hit(struct fathom_probe *probe, struct pt_regs *regs,
		      bool is_return);

extern const fathom_helper_fn fathom_runtime_helpers[];

int fathom_runtime_init(void);
void fathom_runtime_uninit(void);

#endif /* _FATHOM_PROBE_H */
