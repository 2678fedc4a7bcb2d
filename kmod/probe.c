// SPDX-License-Identifier: GPL-2.0-only
/*
 * The probe layer's dispatch: a session's probes are grouped by kind and
 * each group goes to its kind's fathom_probe_ops in one batch. The groups
 * are built in the session's preallocated probe_scratch array, so that
 * detaching never needs memory. Callers hold fathom_sessions_lock.
 */
#include <linux/kernel.h>
#include <linux/fathom.h>

#include "probe.h"
#include "session.h"

static const struct fathom_probe_ops *const probe_kinds[] = {
	&fathom_kprobe_ops,
	&fathom_kretprobe_ops,
	&fathom_tracepoint_ops,
	&fathom_profile_ops,
	&fathom_uprobe_ops,
	&fathom_uretprobe_ops,
	&fathom_begin_ops,
	&fathom_end_ops,
	&fathom_interval_ops,
	&fathom_rawtp_ops,
};

/**
 * fathom_probe_ops_get() - the implementation of a probe kind
 * @kind: enum fathom_probe_kind
 *
 * Return: the ops, or NULL for a kind this module does not have.
 */
const struct fathom_probe_ops *fathom_probe_ops_get(u32 kind)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(probe_kinds); i++)
		if (probe_kinds[i]->kind == kind)
			return probe_kinds[i];
	return NULL;
}

/* The session's attached (or, with @all, every) probes of @kind. */
static unsigned int gather(struct fathom_session *s, u32 kind, bool all,
			   struct fathom_probe **out)
{
	unsigned int i, n = 0;

	for (i = 0; i < s->nr_probes; i++)
		if (s->probes[i].kind == kind && (all || s->probes[i].attached))
			out[n++] = &s->probes[i];
	return n;
}

/**
 * fathom_probes_attach() - register all of a session's probes
 * @s: the session
 * @failed: on failure, the index of the probe to blame
 *
 * All or nothing: on failure no probe of the session stays registered.
 * Return: 0 or a negative errno.
 */
int fathom_probes_attach(struct fathom_session *s, unsigned int *failed)
{
	struct fathom_probe **group = s->probe_scratch;
	unsigned int i, n, bad = 0;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(probe_kinds); i++) {
		n = gather(s, probe_kinds[i]->kind, true, group);
		if (!n)
			continue;
		ret = probe_kinds[i]->attach(group, n, &bad);
		if (ret) {
			*failed = group[bad]->index;
			break;
		}
	}
	if (ret)
		fathom_probes_detach(s);
	return ret;
}

/**
 * fathom_probes_detach() - unregister every attached probe of a session
 * @s: the session
 *
 * Returns only once no handler of these probes is running anywhere.
 */
void fathom_probes_detach(struct fathom_session *s)
{
	struct fathom_probe **group = s->probe_scratch;
	unsigned int i, j, n;

	for (i = 0; i < ARRAY_SIZE(probe_kinds); i++) {
		n = gather(s, probe_kinds[i]->kind, false, group);
		if (n)
			probe_kinds[i]->detach(group, n);
	}
	for (j = 0; j < s->nr_probes; j++)
		WARN_ON_ONCE(s->probes[j].attached);
}

/**
 * fathom_probes_release() - free what the kinds' parse ops allocated
 * @s: the session, whose probes are all detached
 */
void fathom_probes_release(struct fathom_session *s)
{
	const struct fathom_probe_ops *ops;
	unsigned int i;

	for (i = 0; i < s->nr_probes; i++) {
		ops = fathom_probe_ops_get(s->probes[i].kind);
		if (ops && ops->release)
			ops->release(&s->probes[i]);
	}
}

/**
 * fathom_probes_arm() - start what runs only while a session runs
 * @s: the session, armed flag just set
 *
 * Timers start here; probes that wait for the kernel's events are live
 * from SESSION_CREATE on and need nothing.
 */
void fathom_probes_arm(struct fathom_session *s)
{
	struct fathom_probe **group = s->probe_scratch;
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(probe_kinds); i++) {
		if (!probe_kinds[i]->arm)
			continue;
		n = gather(s, probe_kinds[i]->kind, false, group);
		if (n)
			probe_kinds[i]->arm(group, n);
	}
}

/**
 * fathom_probes_disarm() - undo fathom_probes_arm() and wait
 * @s: the session, still armed
 */
void fathom_probes_disarm(struct fathom_session *s)
{
	struct fathom_probe **group = s->probe_scratch;
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(probe_kinds); i++) {
		if (!probe_kinds[i]->disarm)
			continue;
		n = gather(s, probe_kinds[i]->kind, false, group);
		if (n)
			probe_kinds[i]->disarm(group, n);
	}
}

/**
 * fathom_probes_run_kind() - run every probe of @kind once, now
 * @s: the session
 * @kind: FATHOM_PROBE_BEGIN or FATHOM_PROBE_END
 *
 * In the caller's (process) context, in the order the probes were given,
 * whether or not the session is armed.
 */
void fathom_probes_run_kind(struct fathom_session *s, u32 kind)
{
	unsigned int i;

	for (i = 0; i < s->nr_probes; i++)
		if (s->probes[i].kind == kind && s->probes[i].attached)
			fathom_probe_hit_ctx(&s->probes[i], NULL,
					     FATHOM_HIT_FORCE, NULL, 0);
}
