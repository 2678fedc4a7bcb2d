// SPDX-License-Identifier: GPL-2.0-only
/*
 * Raw tracepoint probes: a function of ours registered on a tracepoint
 * with tracepoint_probe_register(), called with the tracepoint's TP_PROTO
 * arguments. The program sees them as an array of u64 through READ_CTX,
 * argument i at offset 8 * i.
 *
 * A tracepoint calls its probes with exactly its own arguments, and the
 * module cannot know how many that is. The handler takes
 * FATHOM_RAW_TP_MAX_ARGS (the most any tracepoint has) and stores them
 * all: on x86-64 the ones past the tracepoint's count are registers or
 * caller stack slots that hold leftovers. Reading them is harmless (the
 * handler only copies words, never dereferences them); what they mean is
 * undefined, and user space only names the tracepoint's own arguments.
 * This relies on the calling convention tolerating extra callee
 * parameters, true of every C ABI we build for, and it would break
 * under a control-flow-integrity scheme that checks prototypes
 * (CONFIG_CFI_CLANG): the kind refuses to load there.
 *
 * Only the kernel's own tracepoints are found (for_each_kernel_tracepoint);
 * those of modules need for_each_module_tracepoint, which 6.1 does not
 * export. Tracepoints with a record in tracefs are better served by
 * FATHOM_PROBE_TRACEPOINT.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <net/netlink.h>
#include <linux/fathom.h>

#include "probe.h"

struct find_tp {
	const char *name;
	struct tracepoint *tp;
};

static void match_tp(struct tracepoint *tp, void *priv)
{
	struct find_tp *f = priv;

	if (!f->tp && !strcmp(tp->name, f->name))
		f->tp = tp;
}

static int rawtp_parse(struct fathom_probe *p, struct nlattr **tb,
		       struct netlink_ext_ack *extack)
{
	struct find_tp f = { 0 };

	if (IS_ENABLED(CONFIG_CFI_CLANG)) {
		NL_SET_ERR_MSG(extack,
			       "raw tracepoints are not available on kernels with CONFIG_CFI_CLANG; use a tracepoint");
		return -EOPNOTSUPP;
	}
	if (!tb[FATHOM_A_PROBE_TP_NAME]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FATHOM_A_PROBE_KIND],
				    "a raw tracepoint needs a tracepoint name");
		return -EINVAL;
	}
	p->rawtp.name = nla_strdup(tb[FATHOM_A_PROBE_TP_NAME], GFP_KERNEL);
	if (!p->rawtp.name)
		return -ENOMEM;
	f.name = p->rawtp.name;
	for_each_kernel_tracepoint(match_tp, &f);
	if (!f.tp) {
		NL_SET_ERR_MSG_ATTR(extack, tb[FATHOM_A_PROBE_TP_NAME],
				    "raw tracepoint not found (only the kernel's own, not a module's)");
		return -ENOENT;
	}
	p->rawtp.tp = f.tp;
	p->path = FATHOM_PROBE_PATH_TRACEPOINT;
	return 0;
}

static void rawtp_release(struct fathom_probe *p)
{
	kfree(p->rawtp.name);
	p->rawtp.name = NULL;
}

static notrace void rawtp_handler(void *data, u64 a0, u64 a1, u64 a2, u64 a3,
				  u64 a4, u64 a5, u64 a6, u64 a7, u64 a8,
				  u64 a9, u64 a10, u64 a11)
{
	u64 args[FATHOM_RAW_TP_MAX_ARGS] = { a0, a1, a2, a3, a4, a5,
					     a6, a7, a8, a9, a10, a11 };

	fathom_probe_hit_ctx(data, NULL, 0, args, sizeof(args));
}

NOKPROBE_SYMBOL(rawtp_handler);

static void rawtp_detach(struct fathom_probe **probes, unsigned int n)
{
	unsigned int i;
	bool any = false;

	for (i = 0; i < n; i++) {
		if (!probes[i]->attached)
			continue;
		tracepoint_probe_unregister(probes[i]->rawtp.tp, rawtp_handler,
					    probes[i]);
		probes[i]->attached = false;
		any = true;
	}
	/* no handler of these probes runs after this */
	if (any)
		tracepoint_synchronize_unregister();
}

static int rawtp_attach(struct fathom_probe **probes, unsigned int n,
			unsigned int *failed)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = tracepoint_probe_register(probes[i]->rawtp.tp,
						rawtp_handler, probes[i]);
		if (ret) {
			*failed = i;
			rawtp_detach(probes, i);
			return ret;
		}
		probes[i]->attached = true;
	}
	return 0;
}

const struct fathom_probe_ops fathom_rawtp_ops = {
	.kind = FATHOM_PROBE_RAW_TRACEPOINT,
	.parse = rawtp_parse,
	.release = rawtp_release,
	.attach = rawtp_attach,
	.detach = rawtp_detach,
};
