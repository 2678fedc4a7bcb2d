// SPDX-License-Identifier: GPL-2.0-only
/*
 * kprobe and kretprobe probes.
 *
 * Entry probes that can go on the session's ftrace_ops do (probe_ftrace.c);
 * the rest of a session's probes of one kind are registered in one
 * register_kprobes() (or register_kretprobes()) batch, live: the session's
 * armed flag gates them (see probe.h). The kernel rejects unknown symbols,
 * blacklisted functions and offsets that are not instruction boundaries;
 * when a batch fails, the probes are retried one by one to name the
 * culprit. The struct kprobe is filled afresh before every registration:
 * registration writes into it.
 */
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/slab.h>
#include <linux/fathom.h>

#include "probe.h"
#include "session.h"

static int kprobe_pre(struct kprobe *kp, struct pt_regs *regs)
{
	fathom_probe_hit(container_of(kp, struct fathom_probe, kp), regs,
			 false);
	return 0;
}

NOKPROBE_SYMBOL(kprobe_pre);

static int kretprobe_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kretprobe *rp = get_kretprobe(ri);

	/* NULL once the kretprobe is being unregistered */
	if (rp)
		fathom_probe_hit(container_of(rp, struct fathom_probe, krp),
				 regs, true);
	return 0;
}

NOKPROBE_SYMBOL(kretprobe_ret);

static void fill_kprobe(struct kprobe *kp, struct fathom_probe *p)
{
	memset(kp, 0, sizeof(*kp));
	if (p->symbol) {
		kp->symbol_name = p->symbol;
		kp->offset = p->offset;
	} else {
		kp->addr = (kprobe_opcode_t *)(unsigned long)p->addr;
	}
}

static void fill(struct fathom_probe *p)
{
	if (p->kind == FATHOM_PROBE_KRETPROBE) {
		memset(&p->krp, 0, sizeof(p->krp));
		fill_kprobe(&p->krp.kp, p);
		p->krp.handler = kretprobe_ret;
		p->krp.maxactive = p->maxactive;
		p->path = FATHOM_PROBE_PATH_KRETPROBE;
	} else {
		fill_kprobe(&p->kp, p);
		p->kp.pre_handler = kprobe_pre;
		p->path = FATHOM_PROBE_PATH_KPROBE;
	}
}

static int register_one(struct fathom_probe *p)
{
	fill(p);
	if (p->kind == FATHOM_PROBE_KRETPROBE)
		return register_kretprobe(&p->krp);
	return register_kprobe(&p->kp);
}

static void unregister_one(struct fathom_probe *p)
{
	if (p->kind == FATHOM_PROBE_KRETPROBE)
		unregister_kretprobe(&p->krp);
	else
		unregister_kprobe(&p->kp);
}

/* After a failed batch: find the first probe that does not register. */
static unsigned int find_culprit(struct fathom_probe **probes, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++)
		if (register_one(probes[i]))
			break;
	for (j = 0; j < i && j < n; j++)
		unregister_one(probes[j]);
	return i < n ? i : 0;
}

static int attach(struct fathom_probe **probes, unsigned int n,
		  unsigned int *failed)
{
	struct fathom_session *s = probes[0]->session;
	bool ret_probes = probes[0]->kind == FATHOM_PROBE_KRETPROBE;
	u32 kind = probes[0]->kind;
	unsigned int i, m = 0;
	void **batch;
	int ret;

	/* entry probes first try the ftrace_ops path */
	for (i = 0; i < n; i++)
		if (fathom_ftrace_eligible(probes[i]))
			probes[m++] = probes[i];
	ret = fathom_ftrace_attach(s, probes, m);
	if (ret)
		return ret;
	/* what is left is for kprobes */
	for (i = 0, m = 0; i < s->nr_probes; i++)
		if (s->probes[i].kind == kind && !s->probes[i].attached)
			probes[m++] = &s->probes[i];
	n = m;
	if (!n)
		return 0;

	batch = kmalloc_array(n, sizeof(*batch), GFP_KERNEL);
	if (!batch) {
		ret = -ENOMEM;
		goto out_ftrace;
	}
	for (i = 0; i < n; i++) {
		fill(probes[i]);
		batch[i] = ret_probes ? (void *)&probes[i]->krp :
					(void *)&probes[i]->kp;
	}
	if (ret_probes)
		ret = register_kretprobes((struct kretprobe **)batch, n);
	else
		ret = register_kprobes((struct kprobe **)batch, n);
	kfree(batch);
	if (ret) {
		*failed = find_culprit(probes, n);
		goto out_ftrace;
	}
	for (i = 0; i < n; i++)
		probes[i]->attached = true;
	return 0;

out_ftrace:
	if (!ret_probes)
		fathom_ftrace_detach(s);
	return ret;
}

static void detach(struct fathom_probe **probes, unsigned int n)
{
	bool ret_probes = probes[0]->kind == FATHOM_PROBE_KRETPROBE;
	unsigned int i, m = 0;
	void **batch;

	if (!ret_probes)
		fathom_ftrace_detach(probes[0]->session);
	for (i = 0; i < n; i++)
		if (probes[i]->attached)
			probes[m++] = probes[i];
	n = m;
	if (!n)
		return;
	batch = kmalloc_array(n, sizeof(*batch), GFP_KERNEL);
	if (!batch) {
		/* no memory for the batch: slower, but still correct */
		for (i = 0; i < n; i++)
			unregister_one(probes[i]);
		goto out;
	}
	for (i = 0; i < n; i++)
		batch[i] = ret_probes ? (void *)&probes[i]->krp :
					(void *)&probes[i]->kp;
	/* Both wait for running handlers (synchronize_rcu) before returning. */
	if (ret_probes)
		unregister_kretprobes((struct kretprobe **)batch, n);
	else
		unregister_kprobes((struct kprobe **)batch, n);
	kfree(batch);
out:
	for (i = 0; i < n; i++)
		probes[i]->attached = false;
}

static u64 missed(struct fathom_probe *p)
{
	if (p->kind == FATHOM_PROBE_KRETPROBE)
		return p->krp.nmissed + p->krp.kp.nmissed;
	return p->kp.nmissed;
}

const struct fathom_probe_ops fathom_kprobe_ops = {
	.kind	= FATHOM_PROBE_KPROBE,
	.attach	= attach,
	.detach	= detach,
	.missed	= missed,
};

const struct fathom_probe_ops fathom_kretprobe_ops = {
	.kind	= FATHOM_PROBE_KRETPROBE,
	.attach	= attach,
	.detach	= detach,
	.missed	= missed,
};
