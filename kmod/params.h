/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _FATHOM_PARAMS_H
#define _FATHOM_PARAMS_H

#include <linux/types.h>

/**
 * struct fathom_limits - the module's resource limits
 *
 * Each has a default, a module parameter of the same name (read-only once
 * loaded) and a ceiling checked at load; GET_INFO reports them so user
 * space can refuse an oversized script before asking the kernel.
 */
struct fathom_limits {
	u32 max_sessions;
	u32 max_probes;
	u32 max_maps;
	u32 max_map_entries;
	u32 max_str_size;
	u32 max_stack_depth;
	u32 relay_subbuf_size;
	u32 relay_n_subbufs;
	u32 max_session_bytes;
};

extern struct fathom_limits fathom_limits;

int fathom_limits_init(void);

#endif /* _FATHOM_PARAMS_H */
