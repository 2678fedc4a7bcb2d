// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sessions: the table, the state machine and teardown (see session.h).
 *
 * One mutex, fathom_sessions_lock, serialises every operation on every
 * session, from netlink commands and from the owner socket's release
 * notifier alike. None of them is hot; the hit path never takes it.
 */
#include <linux/idr.h>
#include <linux/timekeeping.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <linux/fathom.h>

#include "guard.h"
#include "params.h"
#include "relay.h"
#include "session.h"

/* serialises all session operations and the table; see session.h */
DEFINE_MUTEX(fathom_sessions_lock);
static DEFINE_IDR(sessions);
static unsigned int nr_sessions;

/**
 * fathom_session_alloc() - an empty session, not yet in the table
 *
 * Return: the session or NULL. Free it with fathom_session_destroy().
 */
struct fathom_session *fathom_session_alloc(void)
{
	struct fathom_session *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	s->pcpu = alloc_percpu(struct fathom_session_pcpu);
	if (!s->pcpu) {
		kfree(s);
		return NULL;
	}
	s->state = FATHOM_STATE_CREATED;
	s->stop_reason = FATHOM_STOP_NONE;
	fathom_guard_defaults(s);
	return s;
}

/**
 * fathom_session_publish() - give a fully built session an id
 * @s: the session
 *
 * Caller holds fathom_sessions_lock.
 * Return: 0, -ENOSPC when max_sessions are alive, or -ENOMEM.
 */
int fathom_session_publish(struct fathom_session *s)
{
	int id;

	lockdep_assert_held(&fathom_sessions_lock);
	if (nr_sessions >= fathom_limits.max_sessions)
		return -ENOSPC;
	id = idr_alloc_cyclic(&sessions, s, 1, INT_MAX, GFP_KERNEL);
	if (id < 0)
		return id;
	s->id = id;
	nr_sessions++;
	return 0;
}

/**
 * fathom_session_find() - look a session up by id
 * @id: the id
 *
 * Caller holds fathom_sessions_lock, which keeps the session alive.
 * Return: the session or NULL.
 */
struct fathom_session *fathom_session_find(u32 id)
{
	lockdep_assert_held(&fathom_sessions_lock);
	if (!id || id > INT_MAX)
		return NULL;
	return idr_find(&sessions, id);
}

/**
 * fathom_session_start() - arm a created or stopped session
 * @s: the session
 *
 * Return: 0, or -EBUSY when it is running already.
 */
int fathom_session_start(struct fathom_session *s)
{
	lockdep_assert_held(&fathom_sessions_lock);
	if (s->state == FATHOM_STATE_RUNNING)
		return -EBUSY;
	s->start_ns = ktime_get_mono_fast_ns();
	/* BEGIN runs before any other probe can */
	fathom_probes_run_kind(s, FATHOM_PROBE_BEGIN);
	WRITE_ONCE(s->armed, true);
	fathom_probes_arm(s);
	s->last_heard = jiffies;
	s->state = FATHOM_STATE_RUNNING;
	s->stop_reason = FATHOM_STOP_NONE;
	return 0;
}

/**
 * fathom_session_stop() - disarm a session and wait for hits in flight
 * @s: the session
 * @reason: enum fathom_stop_reason, reported by SESSION_GET
 *
 * On return no program of the session runs anywhere, so its maps and
 * relay buffers hold still for dumps, clears and snapshots.
 */
void fathom_session_stop(struct fathom_session *s, u32 reason)
{
	lockdep_assert_held(&fathom_sessions_lock);
	if (s->state != FATHOM_STATE_RUNNING)
		return;
	fathom_probes_disarm(s);
	WRITE_ONCE(s->armed, false);
	/*
	 * Every handler runs the program with preemption disabled, so one
	 * grace period covers every hit that saw armed set.
	 */
	synchronize_rcu();
	/* END runs after every other probe is done */
	fathom_probes_run_kind(s, FATHOM_PROBE_END);
	if (s->relay)
		fathom_relay_flush(s->relay);
	s->state = FATHOM_STATE_STOPPED;
	s->stop_reason = reason;
}

static void free_session(struct fathom_session *s)
{
	unsigned int i;

	if (s->probes) {
		for (i = 0; i < s->nr_probes; i++) {
			kfree(s->probes[i].symbol);
			free_percpu(s->probes[i].hits);
			free_percpu(s->probes[i].drops);
		}
		kfree(s->probes);
	}
	kfree(s->probe_scratch);
	if (s->relay)
		fathom_relay_close(s->relay);
	if (s->maps) {
		for (i = 0; i < s->nr_maps; i++)
			if (s->maps[i])
				fathom_map_destroy(s->maps[i]);
		kfree(s->maps);
	}
	kfree(s->map_specs);
	kfree(s->map_descs);
	if (s->progs) {
		for (i = 0; i < s->nr_progs; i++)
			kvfree(s->progs[i].insns);
		kfree(s->progs);
	}
	free_percpu(s->pcpu);
	kfree(s);
}

/**
 * fathom_session_destroy() - tear a session down and free it
 * @s: the session, published or not
 *
 * Disarms, unregisters every probe (which waits for running handlers),
 * and only then frees what the handlers used. Caller holds
 * fathom_sessions_lock.
 */
void fathom_session_destroy(struct fathom_session *s)
{
	lockdep_assert_held(&fathom_sessions_lock);
	if (s->state == FATHOM_STATE_RUNNING)
		fathom_probes_disarm(s);
	WRITE_ONCE(s->armed, false);
	fathom_probes_detach(s);
	fathom_probes_release(s);
	if (s->id) {
		idr_remove(&sessions, s->id);
		nr_sessions--;
	}
	free_session(s);
}

/**
 * fathom_session_destroy_owned() - destroy every session of a socket
 * @portid: the netlink port that went away
 */
void fathom_session_destroy_owned(u32 portid)
{
	struct fathom_session *s;
	int id;

	mutex_lock(&fathom_sessions_lock);
	idr_for_each_entry(&sessions, s, id)
		if (s->owner_portid == portid)
			fathom_session_destroy(s);
	mutex_unlock(&fathom_sessions_lock);
}

/** fathom_session_count() - live sessions; caller holds the lock */
unsigned int fathom_session_count(void)
{
	return nr_sessions;
}

int fathom_session_for_each(u32 from,
			    int (*fn)(struct fathom_session *s, void *arg),
			    void *arg)
{
	struct fathom_session *s;
	int id = from, ret;

	lockdep_assert_held(&fathom_sessions_lock);
	idr_for_each_entry_continue(&sessions, s, id) {
		ret = fn(s, arg);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * A session dies with the socket that created it: the tool exited, was
 * killed or crashed. NETLINK_URELEASE comes from the socket's release, in
 * process context, for every netlink socket: filter cheaply.
 */
static int urelease(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !net_eq(n->net, &init_net) || !n->portid)
		return NOTIFY_DONE;
	fathom_session_destroy_owned(n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block urelease_nb = {
	.notifier_call = urelease,
};

/**
 * fathom_session_init() - start following netlink socket releases
 *
 * Return: 0 or a negative errno.
 */
int __init fathom_session_init(void)
{
	return netlink_register_notifier(&urelease_nb);
}

/**
 * fathom_session_uninit() - destroy every session; module unload
 *
 * Called after the netlink family is gone, so no command can race.
 */
void fathom_session_uninit(void)
{
	struct fathom_session *s;
	int id;

	netlink_unregister_notifier(&urelease_nb);
	mutex_lock(&fathom_sessions_lock);
	idr_for_each_entry(&sessions, s, id)
		fathom_session_destroy(s);
	mutex_unlock(&fathom_sessions_lock);
	idr_destroy(&sessions);
}
