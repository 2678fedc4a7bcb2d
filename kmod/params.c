// SPDX-License-Identifier: GPL-2.0-only
/*
 * Resource limits, as module parameters. They are read-only after load:
 * sessions size their preallocated tables from them, and changing a limit
 * under a live session would make its accounting lie.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "params.h"

struct fathom_limits fathom_limits = {
	.max_sessions		= 64,
	.max_probes		= 4096,
	.max_maps		= 64,
	.max_map_entries	= 10240,
	.max_str_size		= 64,
	.max_stack_depth	= 127,
	.relay_subbuf_size	= 256 * 1024,
	.relay_n_subbufs	= 8,
	.max_session_bytes	= 64 << 20,
};

module_param_named(max_sessions, fathom_limits.max_sessions, uint, 0444);
MODULE_PARM_DESC(max_sessions, "sessions alive at once (default 64)");
module_param_named(max_probes, fathom_limits.max_probes, uint, 0444);
MODULE_PARM_DESC(max_probes, "probes per session (default 4096)");
module_param_named(max_maps, fathom_limits.max_maps, uint, 0444);
MODULE_PARM_DESC(max_maps, "maps per session (default 64)");
module_param_named(max_map_entries, fathom_limits.max_map_entries, uint, 0444);
MODULE_PARM_DESC(max_map_entries, "entries per map (default 10240)");
module_param_named(max_str_size, fathom_limits.max_str_size, uint, 0444);
MODULE_PARM_DESC(max_str_size, "bytes of one string value (default 64)");
module_param_named(max_stack_depth, fathom_limits.max_stack_depth, uint, 0444);
MODULE_PARM_DESC(max_stack_depth, "frames of one captured stack (default 127)");
module_param_named(relay_subbuf_size, fathom_limits.relay_subbuf_size, uint,
		   0444);
MODULE_PARM_DESC(relay_subbuf_size,
		 "default relay sub-buffer bytes (default 262144)");
module_param_named(relay_n_subbufs, fathom_limits.relay_n_subbufs, uint, 0444);
MODULE_PARM_DESC(relay_n_subbufs, "default relay sub-buffers per CPU (default 8)");
module_param_named(max_session_bytes, fathom_limits.max_session_bytes, uint,
		   0444);
MODULE_PARM_DESC(max_session_bytes,
		 "map memory per session in bytes (default 64 MiB)");

struct limit_range {
	const char *name;
	const u32 *val;
	u32 min;
	u32 max;
};

/**
 * fathom_limits_init() - check the module parameters against their ranges
 *
 * Return: 0, or -EINVAL (with a message naming the parameter) when one is
 * out of range, which fails the load.
 */
int fathom_limits_init(void)
{
	const struct fathom_limits *l = &fathom_limits;
	const struct limit_range ranges[] = {
		{ "max_sessions",	&l->max_sessions,	1, 1024 },
		{ "max_probes",		&l->max_probes,		1, 1 << 20 },
		{ "max_maps",		&l->max_maps,		1, 1024 },
		{ "max_map_entries",	&l->max_map_entries,	1, 1 << 24 },
		{ "max_str_size",	&l->max_str_size,	8, 4096 },
		{ "max_stack_depth",	&l->max_stack_depth,	1, 1024 },
		{ "relay_subbuf_size",	&l->relay_subbuf_size,	4096, 1 << 26 },
		{ "relay_n_subbufs",	&l->relay_n_subbufs,	2, 1024 },
		{ "max_session_bytes",	&l->max_session_bytes,	1 << 16, 1U << 31 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		u32 v = *ranges[i].val;

		if (v < ranges[i].min || v > ranges[i].max) {
			pr_err("%s=%u is out of range [%u, %u]\n",
			       ranges[i].name, v, ranges[i].min,
			       ranges[i].max);
			return -EINVAL;
		}
	}
	return 0;
}
