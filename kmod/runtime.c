// SPDX-License-Identifier: GPL-2.0-only
/*
 * The probe hit path and the helpers that need a hit's context.
 *
 * Every probe kind's handler ends in fathom_probe_hit(). It runs with
 * preemption disabled, refuses a hit inside a hit on the same CPU (a
 * per-CPU nesting count, so a program can never re-enter a map's bucket
 * lock or a relay write its CPU is in the middle of, even from an NMI),
 * then runs the program on this CPU's scratch stack. Nothing here
 * allocates, sleeps or loops without bound.
 */
#include <linux/cgroup.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/ptrace.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/fathom.h>
#include <linux/fathom_record.h>

#include "compat/stack.h"
#include "params.h"
#include "maps.h"
#include "probe.h"
#include "relay.h"
#include "session.h"

struct vm_stack {
	u8 bytes[FATHOM_STACK_SIZE];
} __aligned(8);

/* one program run in this many is timed for the overload guard */
#define RUNTIME_SAMPLE 16

static DEFINE_PER_CPU(struct vm_stack, vm_stack);
static DEFINE_PER_CPU(unsigned int, hit_nesting);

/* Scratch for stack traces: fathom_limits.max_stack_depth entries. */
static unsigned long __percpu *stack_ips;

/*
 * The value of a helper without arguments that a prefilter may call: the
 * same as the helper returns (h_get_pid ... below).
 */
static __always_inline u64 prefilter_value(u32 helper)
{
	switch (helper) {
	case FATHOM_HELPER_GET_PID:
		return current->tgid;
	case FATHOM_HELPER_GET_TID:
		return current->pid;
	case FATHOM_HELPER_GET_UID:
		return from_kuid(&init_user_ns, current_uid());
	case FATHOM_HELPER_GET_GID:
		return from_kgid(&init_user_ns, current_gid());
	default:
		return smp_processor_id();
	}
}

/* Would the program's leading jump to "r0 = 0; exit" be taken? */
static __always_inline bool prefilter_rejects(const struct fathom_sprog *sp)
{
	u64 v = prefilter_value(sp->pre_helper);
	u64 imm = (u64)(s64)sp->pre_imm;

	switch (sp->pre_op) {
	case FATHOM_JEQ:
		return v == imm;
	case FATHOM_JNE:
		return v != imm;
	case FATHOM_JGT:
		return v > imm;
	case FATHOM_JGE:
		return v >= imm;
	case FATHOM_JLT:
		return v < imm;
	case FATHOM_JLE:
		return v <= imm;
	case FATHOM_JSGT:
		return (s64)v > (s64)imm;
	case FATHOM_JSGE:
		return (s64)v >= (s64)imm;
	case FATHOM_JSLT:
		return (s64)v < (s64)imm;
	case FATHOM_JSLE:
		return (s64)v <= (s64)imm;
	default:
		return false;
	}
}

/**
 * fathom_prog_prefilter() - find a program's native prefilter
 * @sp: a verified program
 *
 * Programs compiled from "/pid == N/ { ... }" and the like start with a
 * call of an argument-less helper and a conditional jump on its result to
 * "r0 = 0; exit": nothing the program does before the exit has an effect.
 * The hit path then runs that test natively and only enters the
 * interpreter for hits that pass it (running the whole program, test
 * included, so the result is the same either way).
 */
void fathom_prog_prefilter(struct fathom_sprog *sp)
{
	const struct fathom_insn *in = sp->insns;
	u32 len = sp->vm.len, t;
	u8 op;

	sp->pre_helper = 0;
	if (len < 4 || in[0].code != (FATHOM_JMP | FATHOM_CALL))
		return;
	switch (in[0].imm) {
	case FATHOM_HELPER_GET_PID:
	case FATHOM_HELPER_GET_TID:
	case FATHOM_HELPER_GET_UID:
	case FATHOM_HELPER_GET_GID:
	case FATHOM_HELPER_GET_CPU:
		break;
	default:
		return;
	}
	op = in[1].code & 0xf0;
	if ((in[1].code & 0x0f) != (FATHOM_JMP | FATHOM_K) ||
	    in[1].dst_reg != 0 || op < FATHOM_JEQ || op > FATHOM_JSLE ||
	    in[1].off < 0)
		return;
	t = 2 + in[1].off;
	if (t + 1 >= len ||
	    in[t].code != (FATHOM_ALU64 | FATHOM_MOV | FATHOM_K) ||
	    in[t].dst_reg != 0 || in[t].imm != 0 ||
	    in[t + 1].code != (FATHOM_JMP | FATHOM_EXIT))
		return;
	sp->pre_op = op;
	sp->pre_imm = in[1].imm;
	sp->pre_helper = in[0].imm;
}

/**
 * fathom_probe_hit_ctx() - run a probe's program for one event
 * @probe: the probe that fired
 * @regs: registers at the probe site, or NULL
 * @flags: FATHOM_HIT_*
 * @data: the event's record for READ_CTX, or NULL
 * @size: bytes at @data
 */
notrace void fathom_probe_hit_ctx(struct fathom_probe *probe,
				  struct pt_regs *regs, unsigned int flags,
				  const void *data, u32 size)
{
	struct fathom_session *s = probe->session;
	struct fathom_hit hit;
	u64 t0;

	/*
	 * armed is read with preemption disabled, so the grace period that
	 * SESSION_STOP waits for covers every hit that saw it set.
	 */
	preempt_disable_notrace();
	if (!READ_ONCE(s->armed) && !(flags & FATHOM_HIT_FORCE))
		goto out;
	/*
	 * A leading "/pid == N/"-style test, run natively: a rejected hit
	 * is counted and touches nothing else, so it needs neither the
	 * nesting count nor the interpreter.
	 */
	if (probe->prog->pre_helper && prefilter_rejects(probe->prog)) {
		this_cpu_inc(*probe->hits);
		goto out;
	}
	/*
	 * NMI context is allowed: on x86 an int3-based kprobe (any probe
	 * not at a function's ftrace site) runs NMI-like, and a real NMI
	 * that reaches a probe while this CPU is inside a hit is refused by
	 * the nesting count below before it touches a lock or a buffer.
	 * Helpers are NMI-safe (ktime_get_mono_fast_ns, nofault copies).
	 */
	if (unlikely(in_nmi()))
		this_cpu_inc(s->pcpu->drop_nmi);
	if (unlikely(this_cpu_inc_return(hit_nesting) != 1)) {
		this_cpu_inc(s->pcpu->drop_recursion);
		this_cpu_inc(*probe->drops);
		goto out_dec;
	}

	hit.probe = probe;
	hit.regs = regs;
	hit.data = data;
	hit.size = size;
	hit.is_return = flags & FATHOM_HIT_RETURN;
	hit.user_regs = flags & FATHOM_HIT_USER;
	/*
	 * The overload guard (guard.c) needs the time programs take; timing
	 * one run in RUNTIME_SAMPLE keeps two clock reads off most hits.
	 */
	if (unlikely(!(this_cpu_inc_return(*probe->hits) &
		       (RUNTIME_SAMPLE - 1)))) {
		t0 = local_clock();
		fathom_vm_run(&probe->prog->vm, &hit,
			      this_cpu_ptr(&vm_stack)->bytes);
		this_cpu_add(s->pcpu->runtime_ns,
			     (local_clock() - t0) * RUNTIME_SAMPLE);
	} else {
		fathom_vm_run(&probe->prog->vm, &hit,
			      this_cpu_ptr(&vm_stack)->bytes);
	}
out_dec:
	this_cpu_dec(hit_nesting);
out:
	preempt_enable_notrace();
}

NOKPROBE_SYMBOL(fathom_probe_hit_ctx);

#define HIT(ctx) ((struct fathom_hit *)(ctx))

static notrace u64 h_get_pid(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, void *ctx)
{
	return current->tgid;
}

NOKPROBE_SYMBOL(h_get_pid);

static notrace u64 h_get_tid(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, void *ctx)
{
	return current->pid;
}

NOKPROBE_SYMBOL(h_get_tid);

static notrace u64 h_get_uid(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, void *ctx)
{
	return from_kuid(&init_user_ns, current_uid());
}

NOKPROBE_SYMBOL(h_get_uid);

static notrace u64 h_get_gid(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, void *ctx)
{
	return from_kgid(&init_user_ns, current_gid());
}

NOKPROBE_SYMBOL(h_get_gid);

static notrace u64 h_get_comm(u64 dst, u64 len, u64 r3, u64 r4, u64 r5,
			      void *ctx)
{
	char *buf = (char *)(unsigned long)dst;
	size_t n = min_t(size_t, len, TASK_COMM_LEN);

	/* comm may change under us; a torn name is acceptable, as in bpf */
	memcpy(buf, current->comm, n);
	buf[n - 1] = '\0';
	if (len > n)
		memset(buf + n, 0, len - n);
	return 0;
}

NOKPROBE_SYMBOL(h_get_comm);

static notrace u64 h_get_cgroup_id(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5,
				   void *ctx)
{
	u64 id = 0;

#ifdef CONFIG_CGROUPS
	rcu_read_lock();
	id = cgroup_id(task_dfl_cgroup(current));
	rcu_read_unlock();
#endif /* CONFIG_CGROUPS */
	return id;
}

NOKPROBE_SYMBOL(h_get_cgroup_id);

static notrace u64 h_get_cpu_id(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5,
				void *ctx)
{
	return smp_processor_id();
}

NOKPROBE_SYMBOL(h_get_cpu_id);

static notrace u64 h_ktime_ns(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, void *ctx)
{
	/* NMI-safe, unlike ktime_get_ns(); the same clock */
	return ktime_get_mono_fast_ns();
}

NOKPROBE_SYMBOL(h_ktime_ns);

static notrace u64 h_get_probe_id(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5,
				  void *ctx)
{
	return HIT(ctx)->probe->id;
}

NOKPROBE_SYMBOL(h_get_probe_id);

/* The nth argument by the calling convention; only meaningful at entry. */
static notrace u64 h_get_arg(u64 n, u64 r2, u64 r3, u64 r4, u64 r5, void *ctx)
{
	struct fathom_hit *hit = HIT(ctx);

	if (hit->is_return || !hit->regs || n >= 10)
		return 0;
	/* a user function's 7th argument on is on the user stack */
	if (hit->user_regs && n >= 6) {
		const void __user *a = (const void __user *)
			(user_stack_pointer(hit->regs) + (n - 5) * sizeof(long));
		unsigned long v;

		return copy_from_user_nofault(&v, a, sizeof(v)) ? 0 : v;
	}
	return regs_get_kernel_argument(hit->regs, n);
}

NOKPROBE_SYMBOL(h_get_arg);

static notrace u64 h_get_retval(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5,
				void *ctx)
{
	struct fathom_hit *hit = HIT(ctx);

	return hit->is_return ? regs_return_value(hit->regs) : 0;
}

NOKPROBE_SYMBOL(h_get_retval);

static notrace struct fathom_map *map_of(void *ctx, u64 id)
{
	/* the verifier proved 1 <= id <= nr_maps */
	return HIT(ctx)->probe->session->maps[id - 1];
}

static notrace u64 h_map_lookup(u64 id, u64 key, u64 value, u64 r4, u64 r5,
				void *ctx)
{
	struct fathom_session *s = HIT(ctx)->probe->session;
	void *dst = (void *)(unsigned long)value;
	int ret;

	ret = fathom_map_lookup(map_of(ctx, id), (void *)(unsigned long)key,
				dst);
	/* not a HASH map: the verifier counted the bytes as written */
	if (ret == -EOPNOTSUPP)
		memset(dst, 0, s->map_descs[id - 1].value_size);
	return ret;
}

NOKPROBE_SYMBOL(h_map_lookup);

static notrace u64 h_map_update(u64 id, u64 key, u64 value, u64 r4, u64 r5,
				void *ctx)
{
	return fathom_map_update(map_of(ctx, id), (void *)(unsigned long)key,
				 (void *)(unsigned long)value);
}

NOKPROBE_SYMBOL(h_map_update);

static notrace u64 h_map_delete(u64 id, u64 key, u64 r3, u64 r4, u64 r5,
				void *ctx)
{
	return fathom_map_delete(map_of(ctx, id), (void *)(unsigned long)key);
}

NOKPROBE_SYMBOL(h_map_delete);

static notrace u64 h_map_aggregate(u64 id, u64 key, u64 v, u64 r4, u64 r5,
				   void *ctx)
{
	return fathom_map_aggregate(map_of(ctx, id),
				    (void *)(unsigned long)key, (s64)v);
}

NOKPROBE_SYMBOL(h_map_aggregate);

static notrace u64 h_emit(u64 data, u64 len, u64 r3, u64 r4, u64 r5, void *ctx)
{
	struct fathom_session *s = HIT(ctx)->probe->session;

	return fathom_relay_emit(s->relay, FATHOM_REC_EMIT,
				 (void *)(unsigned long)data, len);
}

NOKPROBE_SYMBOL(h_emit);

/*
 * The walk from a helper starts in fathom's own frames (and the probe
 * mechanism's: ftrace trampoline, kprobe exception, perf, hrtimer). The
 * probed or interrupted code is the frame at (or, at a function's ftrace
 * site or a kprobe, a few bytes from) the hit's instruction pointer: keep
 * the stack from there. Return the number of frames to drop, 0 when no
 * frame is near it.
 */
static notrace unsigned int own_frames(const unsigned long *ips,
				       unsigned int nr, struct pt_regs *regs)
{
	unsigned long ip = instruction_pointer(regs);
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (ips[i] - ip + 16 <= 32)
			return i;
	return 0;
}

NOKPROBE_SYMBOL(own_frames);

static notrace u64 h_get_kstack_id(u64 id, u64 skip, u64 r3, u64 r4, u64 r5,
				   void *ctx)
{
	unsigned long *ips = this_cpu_ptr(stack_ips);
	struct fathom_hit *hit = HIT(ctx);
	struct pt_regs *regs = hit->regs;
	u32 kind = hit->probe->kind;
	unsigned int nr, drop = 0;

	if (skip > 64)
		skip = 64;
	/* a sample taken in user mode has no kernel stack */
	if ((kind == FATHOM_PROBE_PROFILE || kind == FATHOM_PROBE_INTERVAL) &&
	    regs && user_mode(regs))
		return fathom_map_stack_id(map_of(ctx, id), ips, 0, 0);
#ifndef FATHOM_COMPAT_NO_REGS_STACK
	/*
	 * Where the regs are the probed code's own (a kprobe or an ftrace
	 * site at entry, a sample of kernel code), unwind from them: none
	 * of fathom's frames is walked. A return probe's regs sit in the
	 * kretprobe trampoline's frame; tracepoints and the rest walk from
	 * here and cut fathom's frames.
	 */
	if (regs && !user_mode(regs) && !hit->is_return &&
	    (kind == FATHOM_PROBE_KPROBE || kind == FATHOM_PROBE_PROFILE)) {
		nr = fathom_stack_from_regs(ips, fathom_limits.max_stack_depth,
					    regs);
		drop = min_t(unsigned int, skip, nr);
		return fathom_map_stack_id(map_of(ctx, id), ips + drop,
					   nr - drop, 0);
	}
#endif /* FATHOM_COMPAT_NO_REGS_STACK */
	nr = stack_trace_save(ips, fathom_limits.max_stack_depth, skip);
	if (regs && !user_mode(regs))
		drop = own_frames(ips, nr, regs);
	return fathom_map_stack_id(map_of(ctx, id), ips + drop, nr - drop,
				   0);
}

NOKPROBE_SYMBOL(h_get_kstack_id);

/*
 * The user stack of current, by frame pointers: the user registers are the
 * probe's own for a user-space probe, else those saved at kernel entry.
 * Every frame is read with copy_from_user_nofault() (safe with preemption
 * off: it never sleeps), frames must move up the stack, and the walk stops
 * at max_stack_depth: bounded, and a bad frame pointer ends it quietly.
 * Code built without frame pointers gives a short stack, never a wrong
 * memory access.
 */
static notrace u64 h_get_ustack_id(u64 id, u64 skip, u64 r3, u64 r4, u64 r5,
				   void *ctx)
{
	unsigned long *ips = this_cpu_ptr(stack_ips);
	unsigned int nr = 0, max = fathom_limits.max_stack_depth;
	struct pt_regs *regs = HIT(ctx)->regs;
	unsigned long fp, frame[2];

	if (!current->mm || (current->flags & PF_KTHREAD))
		return -ENOENT;
	if (!regs || !user_mode(regs))
		regs = task_pt_regs(current);
	ips[nr++] = instruction_pointer(regs);
	/* at a function's entry its caller is only on the stack pointer */
	if (regs == HIT(ctx)->regs &&
	    (HIT(ctx)->probe->flags & FATHOM_PROBE_F_FUNC_ENTRY) &&
	    !copy_from_user_nofault(frame,
				    (const void __user *)user_stack_pointer(regs),
				    sizeof(frame[0])) && frame[0])
		ips[nr++] = frame[0];
	fp = frame_pointer(regs);
	while (nr < max && fp && !(fp & (sizeof(long) - 1))) {
		if (copy_from_user_nofault(frame, (const void __user *)fp,
					   sizeof(frame)) || !frame[1])
			break;
		ips[nr++] = frame[1];
		if (frame[0] <= fp)
			break;
		fp = frame[0];
	}
	if (skip >= nr)
		return -ENOENT;
	return fathom_map_stack_id(map_of(ctx, id), ips + skip, nr - skip,
				   current->tgid);
}

NOKPROBE_SYMBOL(h_get_ustack_id);

static notrace u64 h_read_ctx(u64 dst, u64 len, u64 off, u64 r4, u64 r5,
			      void *ctx)
{
	struct fathom_hit *hit = HIT(ctx);
	void *buf = (void *)(unsigned long)dst;

	if (!hit->data || off > hit->size || len > hit->size - off) {
		memset(buf, 0, len);
		return (u64)-EINVAL;
	}
	memcpy(buf, hit->data + off, len);
	return 0;
}

NOKPROBE_SYMBOL(h_read_ctx);

static notrace u64 h_elapsed_ns(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5,
				void *ctx)
{
	return ktime_get_mono_fast_ns() - HIT(ctx)->probe->session->start_ns;
}

NOKPROBE_SYMBOL(h_elapsed_ns);

static notrace u64 h_get_reg(u64 off, u64 r2, u64 r3, u64 r4, u64 r5,
			     void *ctx)
{
	struct pt_regs *regs = HIT(ctx)->regs;

	if (!regs || off >= sizeof(*regs) || (off & 7))
		return 0;
	return *(u64 *)((u8 *)regs + off);
}

NOKPROBE_SYMBOL(h_get_reg);

static notrace u64 h_get_current_task(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5,
				      void *ctx)
{
	return (u64)(unsigned long)current;
}

NOKPROBE_SYMBOL(h_get_current_task);

const fathom_helper_fn fathom_runtime_helpers[__FATHOM_HELPER_MAX] = {
	[FATHOM_HELPER_GET_PID]			= h_get_pid,
	[FATHOM_HELPER_GET_TID]			= h_get_tid,
	[FATHOM_HELPER_GET_UID]			= h_get_uid,
	[FATHOM_HELPER_GET_GID]			= h_get_gid,
	[FATHOM_HELPER_GET_COMM]		= h_get_comm,
	[FATHOM_HELPER_GET_CGROUP_ID]		= h_get_cgroup_id,
	[FATHOM_HELPER_GET_CPU]			= h_get_cpu_id,
	[FATHOM_HELPER_KTIME_NS]		= h_ktime_ns,
	[FATHOM_HELPER_GET_PROBE_ID]		= h_get_probe_id,
	[FATHOM_HELPER_GET_ARG]			= h_get_arg,
	[FATHOM_HELPER_GET_RETVAL]		= h_get_retval,
	[FATHOM_HELPER_PROBE_READ_KERNEL]	= fathom_helper_probe_read_kernel,
	[FATHOM_HELPER_PROBE_READ_USER]		= fathom_helper_probe_read_user,
	[FATHOM_HELPER_PROBE_READ_KERNEL_STR]	= fathom_helper_probe_read_kernel_str,
	[FATHOM_HELPER_PROBE_READ_USER_STR]	= fathom_helper_probe_read_user_str,
	[FATHOM_HELPER_MAP_LOOKUP]		= h_map_lookup,
	[FATHOM_HELPER_MAP_UPDATE]		= h_map_update,
	[FATHOM_HELPER_MAP_DELETE]		= h_map_delete,
	[FATHOM_HELPER_MAP_AGGREGATE]		= h_map_aggregate,
	[FATHOM_HELPER_EMIT]			= h_emit,
	[FATHOM_HELPER_GET_KSTACK_ID]		= h_get_kstack_id,
	[FATHOM_HELPER_GET_USTACK_ID]		= h_get_ustack_id,
	[FATHOM_HELPER_READ_CTX]		= h_read_ctx,
	[FATHOM_HELPER_ELAPSED_NS]		= h_elapsed_ns,
	[FATHOM_HELPER_GET_REG]			= h_get_reg,
	[FATHOM_HELPER_GET_CURRENT_TASK]	= h_get_current_task,
};

/**
 * fathom_runtime_init() - allocate the per-CPU stack-trace scratch
 *
 * Return: 0 or -ENOMEM.
 */
int __init fathom_runtime_init(void)
{
	stack_ips = __alloc_percpu(sizeof(unsigned long) *
				   fathom_limits.max_stack_depth,
				   sizeof(unsigned long));
	return stack_ips ? 0 : -ENOMEM;
}

/** fathom_runtime_uninit() - free what fathom_runtime_init() allocated */
void fathom_runtime_uninit(void)
{
	free_percpu(stack_ips);
}
