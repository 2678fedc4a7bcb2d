// SPDX-License-Identifier: GPL-2.0-only
/*
 * fathom.ko: a dynamic tracer without eBPF. module_init brings the pieces
 * up in order and module_exit takes them down in exactly the reverse.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/fathom.h>

#include "guard.h"
#include "params.h"
#include "maps.h"
#include "netlink.h"
#include "probe.h"
#include "relay.h"
#include "session.h"
#include "vm/vm.h"

static int __init fathom_init(void)
{
	int ret;

	ret = fathom_limits_init();
	if (ret)
		return ret;

	ret = fathom_vm_selftest();
	if (ret)
		return ret;

	ret = fathom_maps_selftest();
	if (ret)
		return ret;

	ret = fathom_relay_init();
	if (ret)
		return ret;

	ret = fathom_relay_selftest();
	if (ret)
		goto out_relay;

	ret = fathom_runtime_init();
	if (ret)
		goto out_relay;

	ret = fathom_probe_perf_init();
	if (ret)
		goto out_runtime;

	ret = fathom_session_init();
	if (ret)
		goto out_perf;

	ret = fathom_netlink_init();
	if (ret)
		goto out_session;

	/* last: it stops sessions and notifies owners over netlink */
	ret = fathom_guard_init();
	if (ret)
		goto out_netlink;

	pr_info("version %s loaded (ABI %u)\n", FATHOM_VERSION,
		FATHOM_ABI_VERSION);
	return 0;

out_netlink:
	fathom_netlink_uninit();
out_session:
	fathom_session_uninit();
out_perf:
	fathom_probe_perf_uninit();
out_runtime:
	fathom_runtime_uninit();
out_relay:
	fathom_relay_uninit();
	return ret;
}

static void __exit fathom_exit(void)
{
	/* no guard, no new commands, no sessions, then what they used */
	fathom_guard_uninit();
	fathom_netlink_uninit();
	fathom_session_uninit();
	fathom_probe_perf_uninit();
	fathom_runtime_uninit();
	fathom_relay_uninit();
	pr_info("unloaded\n");
}

module_init(fathom_init);
module_exit(fathom_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The fathom developers");
MODULE_DESCRIPTION("fathom: dynamic tracing without eBPF");
MODULE_VERSION(FATHOM_VERSION);
