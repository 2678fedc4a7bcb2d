// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guards against a tracer that hurts the machine, checked once a second
 * from a work item:
 *
 * - overload: a running session whose programs spent more than its budget
 *   (a share of one CPU's time, default overload_pct = 50%) on any CPU
 *   during the last window is stopped;
 * - deadman: a running session whose owner has not been heard from (no
 *   command on its socket) for its deadman time (default deadman_ms =
 *   30 s) is stopped, unless it is a flight recorder, which is meant to
 *   run unattended.
 *
 * The owner is told why with a FATHOM_CMD_SESSION_STOPPED message, and
 * SESSION_GET reports the reason. The hit path only adds its run time to
 * a per-CPU counter; the arithmetic happens here.
 */
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <linux/fathom.h>

#include "guard.h"
#include "netlink.h"
#include "session.h"

static unsigned int overload_pct = 50;
module_param(overload_pct, uint, 0444);
MODULE_PARM_DESC(overload_pct,
		 "default share of a CPU a session may use, 1..100 (default 50)");

static unsigned int deadman_ms = 30000;
module_param(deadman_ms, uint, 0444);
MODULE_PARM_DESC(deadman_ms,
		 "default silence before a session is stopped, 0 = never (default 30000)");

static void guard_work(struct work_struct *work);
static DECLARE_DELAYED_WORK(guard, guard_work);
static u64 last_check_ns;

/**
 * fathom_guard_defaults() - give a new session the module's guard settings
 * @s: the session
 */
void fathom_guard_defaults(struct fathom_session *s)
{
	s->overload_pct = overload_pct;
	s->deadman_ms = deadman_ms;
	s->last_heard = jiffies;
}

static void notify(struct fathom_session *s)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &fathom_genl_family, 0,
			  FATHOM_CMD_SESSION_STOPPED);
	if (!hdr || nla_put_u32(msg, FATHOM_A_SESSION_ID, s->id) ||
	    nla_put_u32(msg, FATHOM_A_SESSION_STOP_REASON, s->stop_reason)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	/* the owner may be gone or not reading: then it learns via GET */
	genlmsg_unicast(&init_net, msg, s->owner_portid);
}

static bool overloaded(struct fathom_session *s, u64 window_ns)
{
	bool over = false;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct fathom_session_pcpu *pc = per_cpu_ptr(s->pcpu, cpu);
		u64 now = READ_ONCE(pc->runtime_ns);
		u64 spent = now - pc->runtime_seen;

		pc->runtime_seen = now;
		if (spent * 100 > window_ns * s->overload_pct)
			over = true;
	}
	return over;
}

static int check_one(struct fathom_session *s, void *arg)
{
	u64 window_ns = *(u64 *)arg;
	u32 reason = 0;

	if (s->state != FATHOM_STATE_RUNNING)
		return 0;
	if (overloaded(s, window_ns))
		reason = FATHOM_STOP_OVERLOAD;
	else if (s->deadman_ms && s->mode != FATHOM_MODE_FLIGHT &&
		 time_after(jiffies, s->last_heard +
					     msecs_to_jiffies(s->deadman_ms)))
		reason = FATHOM_STOP_DEADMAN;
	if (!reason)
		return 0;
	fathom_session_stop(s, reason);
	pr_info_ratelimited("session %u (pid %d) stopped: %s\n", s->id,
			    s->owner_pid,
			    reason == FATHOM_STOP_OVERLOAD ?
			    "over its CPU budget" : "owner silent");
	notify(s);
	return 0;
}

static void guard_work(struct work_struct *work)
{
	u64 now = local_clock();
	u64 window_ns = now - last_check_ns;

	last_check_ns = now;
	mutex_lock(&fathom_sessions_lock);
	fathom_session_for_each(0, check_one, &window_ns);
	mutex_unlock(&fathom_sessions_lock);
	schedule_delayed_work(&guard, HZ);
}

/**
 * fathom_guard_init() - start the once-a-second check
 *
 * Return: 0, or -EINVAL when a module parameter is out of range.
 */
int __init fathom_guard_init(void)
{
	if (!overload_pct || overload_pct > 100) {
		pr_err("overload_pct=%u is out of range [1, 100]\n",
		       overload_pct);
		return -EINVAL;
	}
	last_check_ns = local_clock();
	schedule_delayed_work(&guard, HZ);
	return 0;
}

/** fathom_guard_uninit() - stop the check and wait for a running one */
void fathom_guard_uninit(void)
{
	cancel_delayed_work_sync(&guard);
}
