// SPDX-License-Identifier: GPL-2.0-only
/*
 * Function-entry probes on an ftrace_ops callback: the fast path for the
 * most common probe, several times cheaper than a kprobe (which is itself
 * built on ftrace at function entry, plus the kprobe layer's work).
 *
 * One ftrace_ops per session covers all of its eligible entry probes. The
 * callback gets the address of the function's ftrace site and finds the
 * probes for it in a sorted table (binary search: bounded, no locks). The
 * site is at or a few bytes after the function's address (after an ENDBR
 * on IBT kernels), so a probe matches sites up to FENTRY_SLACK bytes past
 * its function.
 *
 * A probe is eligible when it is a plain entry probe (offset 0) and user
 * space gave both the symbol and its address (from /proc/kallsyms): the
 * module checks that the address starts a symbol, and ftrace that it is a
 * traceable function; the module never looks a name up itself
 * (kallsyms_lookup_name is not exported). Functions ftrace cannot trace
 * fall back to kprobes.
 *
 * The ops is registered when the session is created and unregistered when
 * it is destroyed; starting and stopping only flip the session's armed
 * flag. unregister_ftrace_function() returns only when no callback of the
 * ops can still be running, so the table can then be freed.
 */
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/fathom.h>

#include "compat/ftrace.h"
#include "probe.h"
#include "session.h"

#define FENTRY_SLACK 16

struct site {
	unsigned long addr;
	struct fathom_probe *probe;
};

/**
 * struct fathom_ftrace - a session's ftrace_ops and its probe table
 * @ops: the ops, with this session's sites in its filter
 * @nr: entries in @sites
 * @sites: probes sorted by function address
 */
struct fathom_ftrace {
	struct ftrace_ops ops;
	unsigned int nr;
	struct site sites[];
};

static notrace void ftrace_hit(unsigned long ip, unsigned long parent_ip,
			       struct ftrace_ops *op,
			       fathom_ftrace_regs_t *fregs)
{
	struct fathom_ftrace *ft = container_of(op, struct fathom_ftrace, ops);
	struct pt_regs *regs = fathom_ftrace_pt_regs(fregs);
	unsigned int lo = 0, hi = ft->nr;

	/* the last site at or below ip */
	while (hi - lo > 1) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (ft->sites[mid].addr <= ip)
			lo = mid;
		else
			hi = mid;
	}
	if (ft->sites[lo].addr > ip || ip - ft->sites[lo].addr >= FENTRY_SLACK)
		return;
	/* several probes may sit on one function: they are adjacent */
	while (lo > 0 && ft->sites[lo - 1].addr == ft->sites[lo].addr)
		lo--;
	for (hi = lo; hi < ft->nr && ft->sites[hi].addr == ft->sites[lo].addr;
	     hi++)
		fathom_probe_hit(ft->sites[hi].probe, regs, false);
}

static int cmp_site(const void *a, const void *b)
{
	const struct site *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->probe->index < y->probe->index ? -1 : 1;
}

/**
 * fathom_probe_addr_is_symbol() - is a probe's address a function's start?
 * @p: a probe with both a symbol and an address
 *
 * The kernel has several names for some addresses (__x64_sys_getppid and
 * __do_sys_getppid), and a module cannot look names up, so this checks
 * that the address starts a symbol; ftrace_set_filter_ip() then checks it
 * is a traceable function. The symbol is the probe's name for messages.
 */
bool fathom_probe_addr_is_symbol(const struct fathom_probe *p)
{
	char buf[KSYM_SYMBOL_LEN];

	sprint_symbol(buf, (unsigned long)p->addr);
	return strstr(buf, "+0x0/");
}

/**
 * fathom_ftrace_eligible() - may @p use the ftrace_ops path?
 * @p: an entry probe (FATHOM_PROBE_KPROBE)
 */
bool fathom_ftrace_eligible(const struct fathom_probe *p)
{
	return IS_ENABLED(CONFIG_DYNAMIC_FTRACE_WITH_REGS) &&
	       p->kind == FATHOM_PROBE_KPROBE && p->symbol && p->addr &&
	       !p->offset && !(p->flags & FATHOM_PROBE_F_NO_FTRACE);
}

/**
 * fathom_ftrace_attach() - put eligible probes on the session's ftrace_ops
 * @s: the session
 * @probes: candidate probes (fathom_ftrace_eligible())
 * @n: how many
 *
 * Probes that ftrace takes get path FATHOM_PROBE_PATH_FTRACE and
 * attached set; the others are left for kprobes.
 * Return: 0, or a negative errno when registration itself failed (then no
 * probe is on ftrace).
 */
int fathom_ftrace_attach(struct fathom_session *s, struct fathom_probe **probes,
			 unsigned int n)
{
	struct fathom_ftrace *ft;
	unsigned int i, nr = 0;
	int ret;

	if (!n)
		return 0;
	ft = kzalloc(struct_size(ft, sites, n), GFP_KERNEL);
	if (!ft)
		return -ENOMEM;
	ft->ops.func = ftrace_hit;
	ft->ops.flags = FATHOM_FTRACE_OPS_FLAGS;

	for (i = 0; i < n; i++) {
		struct fathom_probe *p = probes[i];

		if (ftrace_set_filter_ip(&ft->ops, (unsigned long)p->addr, 0,
					 0))
			continue;	/* not traceable: a kprobe will do */
		ft->sites[nr].addr = (unsigned long)p->addr;
		ft->sites[nr].probe = p;
		nr++;
	}
	if (!nr) {
		kfree(ft);
		return 0;
	}
	ft->nr = nr;
	sort(ft->sites, nr, sizeof(ft->sites[0]), cmp_site, NULL);

	ret = register_ftrace_function(&ft->ops);
	if (ret) {
		ftrace_free_filter(&ft->ops);
		kfree(ft);
		return ret;
	}
	for (i = 0; i < nr; i++) {
		ft->sites[i].probe->path = FATHOM_PROBE_PATH_FTRACE;
		ft->sites[i].probe->attached = true;
	}
	s->ftrace = ft;
	return 0;
}

/**
 * fathom_ftrace_detach() - unregister the session's ftrace_ops, if any
 * @s: the session
 *
 * Returns once no callback of the ops can run any more.
 */
void fathom_ftrace_detach(struct fathom_session *s)
{
	struct fathom_ftrace *ft = s->ftrace;
	unsigned int i;

	if (!ft)
		return;
	unregister_ftrace_function(&ft->ops);
	ftrace_free_filter(&ft->ops);
	for (i = 0; i < ft->nr; i++)
		ft->sites[i].probe->attached = false;
	kfree(ft);
	s->ftrace = NULL;
}
