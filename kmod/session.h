/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A session: the programs, maps, probes and relay channel of one running
 * script, owned by the generic netlink socket that created it.
 *
 * Life cycle (all in process context, under fathom_sessions_lock):
 *
 *   SESSION_CREATE  verify programs, allocate maps and relay, register
 *                   probes (not armed: they skip)        -> CREATED
 *   SESSION_START   set armed                            -> RUNNING
 *   SESSION_STOP    clear armed, wait for hits in flight -> STOPPED
 *   SESSION_DESTROY / owner socket closed / module unload:
 *                   disarm, unregister probes, wait, free
 *
 * Probe handlers only ever see a session whose probes are registered, and
 * every probe is unregistered (which waits for running handlers) before
 * anything the handlers use is freed.
 */
#ifndef _FATHOM_SESSION_H
#define _FATHOM_SESSION_H

#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/types.h>

#include "maps.h"
#include "probe.h"
#include "vm/vm.h"

struct fathom_ftrace;
struct fathom_relay;

/*
 * Per-CPU counters of a session; summed for SESSION_GET. Hits are counted
 * per probe only (one increment per hit): the session's and each
 * program's totals are sums over the probes.
 */
struct fathom_session_pcpu {
	u64 drop_recursion;
	u64 drop_nmi;
	u64 runtime_ns;
	u64 runtime_seen;	/* by the overload guard, at its last check */
};

/**
 * struct fathom_sprog - one program of a session
 * @vm: the verified program (its run pointer rejects if it was not)
 * @insns: the instructions, owned
 * @pre_helper: a prefilter (fathom_prog_prefilter()), 0 for none: the
 *	program starts "call @pre_helper; if r0 @pre_op @pre_imm goto out"
 *	where out is "r0 = 0; exit", so the hit path may run that test
 *	natively and skip the program when the jump would be taken
 * @pre_op: the jump's FATHOM_J* operation
 * @pre_imm: its immediate
 */
struct fathom_sprog {
	struct fathom_prog vm;
	struct fathom_insn *insns;
	u32 pre_helper;
	u8 pre_op;
	s32 pre_imm;
};

/**
 * struct fathom_session - see the top of this file
 * @id: session id, > 0
 * @owner_portid: netlink port of the creating socket
 * @owner_pid: thread group of the creator, for SESSION_GET/LIST
 * @state: enum fathom_session_state
 * @stop_reason: enum fathom_stop_reason
 * @armed: probes run programs only while set (READ_ONCE in the hit path)
 * @mode: enum fathom_session_mode
 * @nr_progs: number of @progs
 * @progs: programs
 * @nr_maps: number of @maps
 * @maps: maps, map id i is @maps[i - 1]
 * @map_specs: what each map was created from
 * @map_descs: key/value sizes for the verifier
 * @nr_probes: number of @probes
 * @probes: probes
 * @probe_scratch: @nr_probes pointers for the probe layer's batches
 * @ftrace: the ftrace_ops of the entry probes on the ftrace path
 * @relay: the relay channel
 * @pcpu: per-CPU counters
 * @overload_pct: CPU share the programs may use on any CPU (guard.c)
 * @deadman_ms: owner silence before the session is stopped, 0 = never
 * @last_heard: jiffies of the owner's last command
 * @start_ns: ktime_get_mono_fast_ns() at the last SESSION_START
 */
struct fathom_session {
	u32 id;
	u32 owner_portid;
	pid_t owner_pid;
	u32 state;
	u32 stop_reason;
	bool armed;
	u32 mode;

	u32 nr_progs;
	struct fathom_sprog *progs;

	u32 nr_maps;
	struct fathom_map **maps;
	struct fathom_map_spec *map_specs;
	struct fathom_map_desc *map_descs;

	u32 nr_probes;
	struct fathom_probe *probes;
	struct fathom_probe **probe_scratch;
	struct fathom_ftrace *ftrace;

	struct fathom_relay *relay;
	struct fathom_session_pcpu __percpu *pcpu;
	u32 overload_pct;
	u32 deadman_ms;
	unsigned long last_heard;
	u64 start_ns;
};

/* Serialises every session operation and the session table. */
extern struct mutex fathom_sessions_lock;

struct fathom_session *fathom_session_alloc(void);
int fathom_session_publish(struct fathom_session *s);
struct fathom_session *fathom_session_find(u32 id);
int fathom_session_start(struct fathom_session *s);
void fathom_session_stop(struct fathom_session *s, u32 reason);
void fathom_session_destroy(struct fathom_session *s);
void fathom_session_destroy_owned(u32 portid);
unsigned int fathom_session_count(void);

/**
 * fathom_session_for_each() - call @fn for each live session from @from on
 * @from: first id to visit
 * @fn: callback; a non-zero return stops the walk, returned to the caller
 * @arg: passed to @fn
 *
 * Caller holds fathom_sessions_lock.
 */
int fathom_session_for_each(u32 from,
			    int (*fn)(struct fathom_session *s, void *arg),
			    void *arg);

int fathom_session_init(void);
void fathom_session_uninit(void);

#endif /* _FATHOM_SESSION_H */
