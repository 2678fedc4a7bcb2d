// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tracepoint and profile probes: one in-kernel perf counter per online CPU.
 *
 * A tracepoint probe's counters are PERF_TYPE_TRACEPOINT, period 1, with
 * PERF_SAMPLE_RAW: perf builds the event's record, laid out as the tracefs
 * format file says, and the overflow handler gives it to the program to
 * read with READ_CTX. Syscall tracepoints work the same way (their record
 * holds the syscall number and arguments). The probe holds the trace event
 * (trace_get_event_file()) from SESSION_CREATE to the end, which also keeps
 * a module's tracepoints from going away. A profile probe's counters are
 * cpu-clock with the probe's period: the handler runs in the hrtimer
 * interrupt with the interrupted registers.
 *
 * CPU hotplug: the counters follow the online CPUs. A multi-instance cpuhp
 * state, one instance per attached probe, says when a CPU comes or goes;
 * but its callbacks must not create or release a tracepoint counter. perf
 * takes event_mutex for both, and the tracing code takes the CPU-hotplug
 * lock under event_mutex (registering a tracepoint flips a static key), so
 * doing it under the hotplug lock, held around the callbacks, can deadlock;
 * the kernel's hard-lockup detector defers releasing its counters for the
 * same kind of reason. So the callbacks only record which CPUs want a
 * counter and which have a dead one (perf detached it when the CPU went
 * down), and queue a work item that brings the counters in line, in
 * process context with no hotplug lock held. perf itself serialises
 * creating a counter against its CPU going away (the creation then fails
 * with -ENODEV). The initial attach runs the same sync itself and fails
 * when a counter cannot be created; later failures count as the probe's
 * misses. A CPU coming online never fails because of fathom.
 *
 * Lock order: fathom_sessions_lock -> st->lock -> (perf, event_mutex) ->
 * CPU-hotplug lock. The hotplug callbacks take none of them.
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpumask.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/perf_event.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/trace_events.h>
#include <linux/workqueue.h>
#include <net/netlink.h>
#include <linux/fathom.h>

#include "compat/perf.h"
#include "probe.h"

/**
 * struct fathom_perf_state - a tracepoint or profile probe's counters
 * @probe: the probe
 * @attr: what every counter of the probe is
 * @file: the trace event, held from parse to release (TRACEPOINT only)
 * @events: each CPU's counter, or NULL; changed under @lock only
 * @want: CPUs that should have a counter: online ones
 * @stale: CPUs that went offline since their counter was created
 * @node: the cpuhp instance, while attached
 * @sync_work: runs sync_counters() after a CPU came or went
 * @lock: serialises sync_counters()
 * @misses: counters that could not be created for a CPU; under @lock
 * @no_record: per-CPU count of tracepoint hits that came without a record
 */
struct fathom_perf_state {
	struct fathom_probe *probe;
	struct perf_event_attr attr;
	struct trace_event_file *file;
	struct perf_event * __percpu *events;
	cpumask_var_t want;
	cpumask_var_t stale;
	struct hlist_node node;
	struct work_struct sync_work;
	struct mutex lock;	/* serialises sync_counters() */
	u64 misses;
	u64 __percpu *no_record;
};

/* the multi-instance state from fathom_probe_perf_init() */
static int perf_cpuhp_state = -1;

static inline unsigned int hit_flags(struct pt_regs *regs)
{
	/* a syscall tracepoint, or a sample of user code */
	return regs && user_mode(regs) ? FATHOM_HIT_USER : 0;
}

static notrace void tp_overflow(struct perf_event *event,
				struct perf_sample_data *data,
				struct pt_regs *regs)
{
	struct fathom_probe *p = event->overflow_handler_context;
	const void *record;
	u32 size = 0;

	record = fathom_perf_raw(data, &size);
	if (unlikely(!record)) {
		this_cpu_inc(*p->perf.st->no_record);
		return;
	}
	fathom_probe_hit_ctx(p, regs, hit_flags(regs), record, size);
}

NOKPROBE_SYMBOL(tp_overflow);

static notrace void profile_overflow(struct perf_event *event,
				     struct perf_sample_data *data,
				     struct pt_regs *regs)
{
	struct fathom_probe *p = event->overflow_handler_context;

	fathom_probe_hit_ctx(p, regs, hit_flags(regs), NULL, 0);
}

NOKPROBE_SYMBOL(profile_overflow);

static void release_counter(struct perf_event **slot)
{
	struct perf_event *event = *slot;

	*slot = NULL;
	/* removes it from its CPU (an IPI), then frees it */
	if (event)
		perf_event_release_kernel(event);
}

/*
 * Bring the counters in line with the CPUs: release those of CPUs that
 * went offline (dead since perf detached them), create one for each CPU in
 * @want that has none. Process context, st->lock held, no CPU-hotplug lock
 * (see the top of this file). A CPU that goes away meanwhile makes the
 * creation fail with -ENODEV; its offline callback then queues another
 * sync, and one that comes online queues one too.
 *
 * Return: 0; with @strict, the first error other than -ENODEV, else that
 * error is counted as a miss.
 */
static int sync_counters(struct fathom_perf_state *st, bool strict)
{
	perf_overflow_handler_t handler;
	struct perf_event **slot, *event;
	unsigned int cpu;

	lockdep_assert_held(&st->lock);
	handler = st->file ? tp_overflow : profile_overflow;
	for_each_possible_cpu(cpu) {
		slot = per_cpu_ptr(st->events, cpu);
		if (cpumask_test_and_clear_cpu(cpu, st->stale))
			release_counter(slot);
		if (*slot || !cpumask_test_cpu(cpu, st->want))
			continue;
		event = perf_event_create_kernel_counter(&st->attr, cpu, NULL,
							 handler, st->probe);
		if (!IS_ERR(event)) {
			*slot = event;
			continue;
		}
		if (PTR_ERR(event) == -ENODEV)
			continue;
		if (strict)
			return PTR_ERR(event);
		WRITE_ONCE(st->misses, st->misses + 1);
	}
	return 0;
}

static void sync_work_fn(struct work_struct *work)
{
	struct fathom_perf_state *st =
		container_of(work, struct fathom_perf_state, sync_work);

	mutex_lock(&st->lock);
	sync_counters(st, false);
	mutex_unlock(&st->lock);
}

/*
 * The cpuhp callbacks run on the CPU's hotplug thread under the hotplug
 * lock: record, queue the sync (unbound: the CPU may be on its way out),
 * never fail.
 */
static int perf_cpu_online(unsigned int cpu, struct hlist_node *node)
{
	struct fathom_perf_state *st =
		hlist_entry(node, struct fathom_perf_state, node);

	cpumask_set_cpu(cpu, st->want);
	queue_work(system_unbound_wq, &st->sync_work);
	return 0;
}

static int perf_cpu_offline(unsigned int cpu, struct hlist_node *node)
{
	struct fathom_perf_state *st =
		hlist_entry(node, struct fathom_perf_state, node);

	cpumask_clear_cpu(cpu, st->want);
	cpumask_set_cpu(cpu, st->stale);
	queue_work(system_unbound_wq, &st->sync_work);
	return 0;
}

/* Undo attach_one(); also after it failed half-way. */
static void detach_one(struct fathom_perf_state *st)
{
	unsigned int cpu;

	/* no callback runs for this probe after this... */
	cpuhp_state_remove_instance_nocalls(perf_cpuhp_state, &st->node);
	/* ...so nothing queues the sync again: wait for one in flight */
	cancel_work_sync(&st->sync_work);
	for_each_possible_cpu(cpu)
		release_counter(per_cpu_ptr(st->events, cpu));
	cpumask_clear(st->stale);
}

static int attach_one(struct fathom_perf_state *st)
{
	int ret;

	/* from here on the callbacks keep @want up to date... */
	ret = cpuhp_state_add_instance_nocalls(perf_cpuhp_state, &st->node);
	if (ret)
		return ret;
	mutex_lock(&st->lock);
	/* ...starting from the CPUs online now (none is half-way) */
	cpus_read_lock();
	cpumask_copy(st->want, cpu_online_mask);
	cpus_read_unlock();
	ret = sync_counters(st, true);
	mutex_unlock(&st->lock);
	if (ret)
		detach_one(st);
	return ret;
}

static void perf_detach(struct fathom_probe **probes, unsigned int n)
{
	unsigned int i;
	bool any = false;

	for (i = 0; i < n; i++) {
		if (!probes[i]->attached)
			continue;
		detach_one(probes[i]->perf.st);
		probes[i]->attached = false;
		any = true;
	}
	/*
	 * Releasing a counter takes it off its CPU with interrupts disabled
	 * there, and perf checks that a counter is still active before it
	 * calls the handler; a grace period also covers kernels where a
	 * tracepoint handler could still be between the two, since every
	 * hit runs with preemption disabled.
	 */
	if (any)
		synchronize_rcu();
}

static int perf_attach(struct fathom_probe **probes, unsigned int n,
		       unsigned int *failed)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = attach_one(probes[i]->perf.st);
		if (ret) {
			*failed = i;
			perf_detach(probes, i);
			return ret;
		}
		probes[i]->attached = true;
	}
	return 0;
}

static u64 perf_missed(struct fathom_probe *p)
{
	struct fathom_perf_state *st = p->perf.st;
	unsigned int cpu;
	u64 n = READ_ONCE(st->misses);

	for_each_possible_cpu(cpu)
		n += *per_cpu_ptr(st->no_record, cpu);
	return n;
}

/* Copes with a probe that parse left half-done, or never reached. */
static void perf_release(struct fathom_probe *p)
{
	struct fathom_perf_state *st = p->perf.st;

	if (!st)
		return;
	if (st->file)
		trace_put_event_file(st->file);
	free_percpu(st->no_record);
	free_percpu(st->events);
	free_cpumask_var(st->stale);
	free_cpumask_var(st->want);
	mutex_destroy(&st->lock);
	kfree(st);
	p->perf.st = NULL;
}

static int state_alloc(struct fathom_probe *p)
{
	struct fathom_perf_state *st = kzalloc(sizeof(*st), GFP_KERNEL);

	if (!st)
		return -ENOMEM;
	st->probe = p;
	mutex_init(&st->lock);
	INIT_WORK(&st->sync_work, sync_work_fn);
	p->perf.st = st;
	st->events = alloc_percpu(struct perf_event *);
	st->no_record = alloc_percpu(u64);
	if (!st->events || !st->no_record ||
	    !zalloc_cpumask_var(&st->want, GFP_KERNEL) ||
	    !zalloc_cpumask_var(&st->stale, GFP_KERNEL))
		return -ENOMEM;
	st->attr.size = sizeof(st->attr);
	p->path = FATHOM_PROBE_PATH_PERF;
	return 0;
}

static int tp_parse(struct fathom_probe *p, struct nlattr **tb,
		    struct netlink_ext_ack *extack)
{
	struct nlattr *system = tb[FATHOM_A_PROBE_TP_SYSTEM];
	struct nlattr *name = tb[FATHOM_A_PROBE_TP_NAME];
	struct trace_event_file *file;
	struct fathom_perf_state *st;
	int ret;

	if (!system || !name) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FATHOM_A_PROBE_KIND],
				    "a tracepoint probe needs TP_SYSTEM and TP_NAME");
		return -EINVAL;
	}
	ret = state_alloc(p);
	if (ret)
		return ret;
	st = p->perf.st;

	/* the policy made both NUL-terminated strings */
	file = trace_get_event_file(NULL, nla_data(system), nla_data(name));
	if (IS_ERR(file)) {
		ret = PTR_ERR(file);
		NL_SET_BAD_ATTR(extack, name);
		if (ret == -EBUSY) {
			NL_SET_ERR_MSG(extack,
				       "tracepoint's module is being unloaded");
			return ret;
		}
		fathom_nl_err_fmt(extack, "tracepoint not found",
				  "tracepoint not found: %s:%s",
				  (char *)nla_data(system),
				  (char *)nla_data(name));
		return -ENOENT;
	}
	st->file = file;
	st->attr.type = PERF_TYPE_TRACEPOINT;
	st->attr.config = file->event_call->event.type;
	st->attr.sample_period = 1;
	/* the record; 6.12 fills data->raw only when asked */
	st->attr.sample_type = PERF_SAMPLE_RAW;
	return 0;
}

static int profile_parse(struct fathom_probe *p, struct nlattr **tb,
			 struct netlink_ext_ack *extack)
{
	struct nlattr *a = tb[FATHOM_A_PROBE_PERIOD_NS];
	struct fathom_perf_state *st;
	int ret;

	if (!a || nla_get_u64(a) < FATHOM_PERIOD_MIN_NS ||
	    nla_get_u64(a) > 3600ULL * NSEC_PER_SEC) {
		NL_SET_ERR_MSG_ATTR(extack, a ?: tb[FATHOM_A_PROBE_KIND],
				    "a profile probe needs a period of 100 us to 1 hour");
		return -EINVAL;
	}
	ret = state_alloc(p);
	if (ret)
		return ret;
	st = p->perf.st;
	st->attr.type = PERF_TYPE_SOFTWARE;
	st->attr.config = PERF_COUNT_SW_CPU_CLOCK;
	st->attr.sample_period = nla_get_u64(a);
	return 0;
}

const struct fathom_probe_ops fathom_tracepoint_ops = {
	.kind = FATHOM_PROBE_TRACEPOINT,
	.parse = tp_parse,
	.release = perf_release,
	.attach = perf_attach,
	.detach = perf_detach,
	.missed = perf_missed,
};

const struct fathom_probe_ops fathom_profile_ops = {
	.kind = FATHOM_PROBE_PROFILE,
	.parse = profile_parse,
	.release = perf_release,
	.attach = perf_attach,
	.detach = perf_detach,
	.missed = perf_missed,
};

/**
 * fathom_probe_perf_init() - set up the CPU-hotplug state the probes use
 *
 * Return: 0 or a negative errno.
 */
int __init fathom_probe_perf_init(void)
{
	int ret;

	/* no instance yet: nothing to call */
	ret = cpuhp_setup_state_multi(CPUHP_AP_ONLINE_DYN, "fathom/perf:online",
				      perf_cpu_online, perf_cpu_offline);
	if (ret < 0)
		return ret;
	perf_cpuhp_state = ret;
	return 0;
}

/**
 * fathom_probe_perf_uninit() - undo fathom_probe_perf_init()
 *
 * Every probe is detached by then: the state has no instance left.
 */
void fathom_probe_perf_uninit(void)
{
	cpuhp_remove_multi_state(perf_cpuhp_state);
}
