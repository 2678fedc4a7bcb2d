// SPDX-License-Identifier: GPL-2.0-only
/* Tracepoint and profile probes: placeholder until implemented. */
#include <linux/kernel.h>
#include <net/netlink.h>
#include <linux/fathom.h>

#include "probe.h"

static int perf_parse(struct fathom_probe *p, struct nlattr **tb,
		      struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG(extack, "probe kind not supported yet");
	return -EOPNOTSUPP;
}

static int perf_attach(struct fathom_probe **probes, unsigned int n,
		       unsigned int *failed)
{
	return -EOPNOTSUPP;
}

static void perf_detach(struct fathom_probe **probes, unsigned int n)
{
}

const struct fathom_probe_ops fathom_tracepoint_ops = {
	.kind = FATHOM_PROBE_TRACEPOINT,
	.parse = perf_parse,
	.attach = perf_attach,
	.detach = perf_detach,
};

const struct fathom_probe_ops fathom_profile_ops = {
	.kind = FATHOM_PROBE_PROFILE,
	.parse = perf_parse,
	.attach = perf_attach,
	.detach = perf_detach,
};

int fathom_probe_perf_init(void)
{
	return 0;
}

void fathom_probe_perf_uninit(void)
{
}
