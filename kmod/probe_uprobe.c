// SPDX-License-Identifier: GPL-2.0-only
/* uprobes and uretprobes: placeholder until implemented. */
#include <linux/kernel.h>
#include <net/netlink.h>
#include <linux/fathom.h>

#include "probe.h"

static int uprobe_parse(struct fathom_probe *p, struct nlattr **tb,
		      struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG(extack, "probe kind not supported yet");
	return -EOPNOTSUPP;
}

static int uprobe_attach(struct fathom_probe **probes, unsigned int n,
		       unsigned int *failed)
{
	return -EOPNOTSUPP;
}

static void uprobe_detach(struct fathom_probe **probes, unsigned int n)
{
}

const struct fathom_probe_ops fathom_uprobe_ops = {
	.kind = FATHOM_PROBE_UPROBE,
	.parse = uprobe_parse,
	.attach = uprobe_attach,
	.detach = uprobe_detach,
};

const struct fathom_probe_ops fathom_uretprobe_ops = {
	.kind = FATHOM_PROBE_URETPROBE,
	.parse = uprobe_parse,
	.attach = uprobe_attach,
	.detach = uprobe_detach,
};

