/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Typed calls of the fathom module's commands, one per FATHOM_CMD_*.
 */
#ifndef _FATHOM_USER_API_H
#define _FATHOM_USER_API_H

#include <stdint.h>

#include "nl.h"

struct fathom_limits_info {
	uint32_t max_insns;
	uint32_t stack_size;
	uint32_t max_sessions;
	uint32_t max_probes;
	uint32_t max_maps;
	uint32_t max_map_entries;
	uint32_t max_str_size;
	uint32_t max_stack_depth;
	uint32_t relay_subbuf_size;
	uint32_t relay_n_subbufs;
};

struct fathom_info {
	uint32_t abi_version;
	char module_version[64];
	char kernel_release[65];
	uint64_t kernel_features;
	struct fathom_limits_info limits;
};

/**
 * fathom_get_info() - FATHOM_CMD_GET_INFO
 * @nl: open handle
 * @info: filled on success
 *
 * Return: 0 or a negative errno (see @nl->errmsg); -EPROTO when the reply
 * lacks a mandatory attribute.
 */
int fathom_get_info(struct fathom_nl *nl, struct fathom_info *info);

/**
 * fathom_kfeat_name() - the name of one FATHOM_KFEAT_* bit
 * @bit: bit number
 *
 * Return: a short name, or NULL for a bit this tool does not know.
 */
const char *fathom_kfeat_name(unsigned int bit);

#endif /* _FATHOM_USER_API_H */
