// SPDX-License-Identifier: GPL-2.0-only
/*
 * fathom --info: what the loaded module is, what the kernel offers, and
 * the module's limits.
 */
#include <stdio.h>
#include <linux/fathom.h>

#include "api.h"
#include "tool.h"

int cmd_info(void)
{
	struct fathom_info info;
	struct fathom_nl nl;
	unsigned int bit;
	int ret;

	ret = tool_open(&nl);
	if (ret)
		return ret;
	ret = fathom_get_info(&nl, &info);
	if (ret) {
		ret = tool_kernel_error(&nl, "GET_INFO");
		fathom_nl_close(&nl);
		return ret;
	}
	fathom_nl_close(&nl);

	printf("tool:     fathom %s (ABI %u)\n", FATHOM_VERSION,
	       FATHOM_ABI_VERSION);
	printf("module:   fathom %s (ABI %u)\n", info.module_version,
	       info.abi_version);
	printf("kernel:   %s\n", info.kernel_release);
	printf("features:");
	for (bit = 0; bit < 64; bit++) {
		const char *name;

		if (!(info.kernel_features & (1ULL << bit)))
			continue;
		name = fathom_kfeat_name(bit);
		if (name)
			printf(" %s", name);
		else
			printf(" bit%u", bit);
	}
	printf("\nlimits:\n");
	printf("  max_insns          %u\n", info.limits.max_insns);
	printf("  stack_size         %u\n", info.limits.stack_size);
	printf("  max_sessions       %u\n", info.limits.max_sessions);
	printf("  max_probes         %u\n", info.limits.max_probes);
	printf("  max_maps           %u\n", info.limits.max_maps);
	printf("  max_map_entries    %u\n", info.limits.max_map_entries);
	printf("  max_str_size       %u\n", info.limits.max_str_size);
	printf("  max_stack_depth    %u\n", info.limits.max_stack_depth);
	printf("  relay_subbuf_size  %u\n", info.limits.relay_subbuf_size);
	printf("  relay_n_subbufs    %u\n", info.limits.relay_n_subbufs);
	return EXIT_OK;
}
