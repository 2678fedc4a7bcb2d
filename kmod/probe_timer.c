// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probes that the kernel does not fire: BEGIN and END, run once by the
 * session code (session.c) in the caller's process context, and interval
 * probes, an hrtimer on one CPU.
 *
 * An interval timer runs only while the session is armed: arm starts it,
 * disarm cancels it and waits for a callback in flight. Its callback runs
 * in hard interrupt context with the interrupted registers.
 */
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <net/netlink.h>
#include <linux/fathom.h>

#include <asm/irq_regs.h>

#include "probe.h"

/* BEGIN and END: nothing to register, nothing to read. */
static int once_parse(struct fathom_probe *p, struct nlattr **tb,
		      struct netlink_ext_ack *extack)
{
	p->path = FATHOM_PROBE_PATH_PROCESS;
	return 0;
}

static int once_attach(struct fathom_probe **probes, unsigned int n,
		       unsigned int *failed)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		probes[i]->attached = true;
	return 0;
}

static void once_detach(struct fathom_probe **probes, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		probes[i]->attached = false;
}

const struct fathom_probe_ops fathom_begin_ops = {
	.kind = FATHOM_PROBE_BEGIN,
	.parse = once_parse,
	.attach = once_attach,
	.detach = once_detach,
};

const struct fathom_probe_ops fathom_end_ops = {
	.kind = FATHOM_PROBE_END,
	.parse = once_parse,
	.attach = once_attach,
	.detach = once_detach,
};

static enum hrtimer_restart interval_fire(struct hrtimer *t)
{
	struct fathom_probe *p = container_of(t, struct fathom_probe, tm.timer);

	fathom_probe_hit(p, get_irq_regs(), false);
	/* forward from now: a late callback does not fire in a burst */
	hrtimer_forward_now(t, ns_to_ktime(p->tm.period_ns));
	return HRTIMER_RESTART;
}

NOKPROBE_SYMBOL(interval_fire);

static int interval_parse(struct fathom_probe *p, struct nlattr **tb,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *a = tb[FATHOM_A_PROBE_PERIOD_NS];

	if (!a || nla_get_u64(a) < FATHOM_PERIOD_MIN_NS ||
	    nla_get_u64(a) > 3600ULL * NSEC_PER_SEC) {
		NL_SET_ERR_MSG_ATTR(extack, a ?: tb[FATHOM_A_PROBE_KIND],
				    "a timer probe needs a period of 100 us to 1 hour");
		return -EINVAL;
	}
	p->tm.period_ns = nla_get_u64(a);
	p->path = FATHOM_PROBE_PATH_HRTIMER;
	return 0;
}

static int interval_attach(struct fathom_probe **probes, unsigned int n,
			   unsigned int *failed)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		hrtimer_init(&probes[i]->tm.timer, CLOCK_MONOTONIC,
			     HRTIMER_MODE_REL);
		probes[i]->tm.timer.function = interval_fire;
		probes[i]->attached = true;
	}
	return 0;
}

static void interval_arm(struct fathom_probe **probes, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		hrtimer_start(&probes[i]->tm.timer,
			      ns_to_ktime(probes[i]->tm.period_ns),
			      HRTIMER_MODE_REL);
}

/* Waits for a callback in flight; the timer cannot rearm itself after. */
static void interval_disarm(struct fathom_probe **probes, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		hrtimer_cancel(&probes[i]->tm.timer);
}

static void interval_detach(struct fathom_probe **probes, unsigned int n)
{
	interval_disarm(probes, n);
	once_detach(probes, n);
}

const struct fathom_probe_ops fathom_interval_ops = {
	.kind = FATHOM_PROBE_INTERVAL,
	.parse = interval_parse,
	.attach = interval_attach,
	.detach = interval_detach,
	.arm = interval_arm,
	.disarm = interval_disarm,
};
