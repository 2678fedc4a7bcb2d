// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <linux/fathom.h>

#include "api.h"

static const struct nla_policy limits_policy[FATHOM_A_LIMIT_MAX + 1] = {
	[FATHOM_A_LIMIT_MAX_INSNS] = { .type = NLA_U32 },
	[FATHOM_A_LIMIT_STACK_SIZE] = { .type = NLA_U32 },
	[FATHOM_A_LIMIT_MAX_SESSIONS] = { .type = NLA_U32 },
	[FATHOM_A_LIMIT_MAX_PROBES] = { .type = NLA_U32 },
	[FATHOM_A_LIMIT_MAX_MAPS] = { .type = NLA_U32 },
	[FATHOM_A_LIMIT_MAX_MAP_ENTRIES] = { .type = NLA_U32 },
	[FATHOM_A_LIMIT_MAX_STR_SIZE] = { .type = NLA_U32 },
	[FATHOM_A_LIMIT_MAX_STACK_DEPTH] = { .type = NLA_U32 },
	[FATHOM_A_LIMIT_RELAY_SUBBUF_SIZE] = { .type = NLA_U32 },
	[FATHOM_A_LIMIT_RELAY_N_SUBBUFS] = { .type = NLA_U32 },
};

static uint32_t get_u32(struct nlattr *a)
{
	return a ? nla_get_u32(a) : 0;
}

static int parse_info(struct nl_msg *msg, void *arg)
{
	struct fathom_info *info = arg;
	struct nlattr *tb[FATHOM_A_MAX + 1];
	struct nlattr *lim[FATHOM_A_LIMIT_MAX + 1];
	struct fathom_limits_info *l = &info->limits;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, FATHOM_A_MAX, NULL) < 0)
		return -EPROTO;
	if (!tb[FATHOM_A_INFO_ABI_VERSION] ||
	    !tb[FATHOM_A_INFO_MODULE_VERSION] || !tb[FATHOM_A_INFO_LIMITS])
		return -EPROTO;

	info->abi_version = nla_get_u32(tb[FATHOM_A_INFO_ABI_VERSION]);
	nla_strlcpy(info->module_version, tb[FATHOM_A_INFO_MODULE_VERSION],
		    sizeof(info->module_version));
	if (tb[FATHOM_A_INFO_KERNEL_RELEASE])
		nla_strlcpy(info->kernel_release,
			    tb[FATHOM_A_INFO_KERNEL_RELEASE],
			    sizeof(info->kernel_release));
	if (tb[FATHOM_A_INFO_KERNEL_FEATURES])
		info->kernel_features =
			nla_get_u64(tb[FATHOM_A_INFO_KERNEL_FEATURES]);

	if (nla_parse_nested(lim, FATHOM_A_LIMIT_MAX, tb[FATHOM_A_INFO_LIMITS],
			     limits_policy) < 0)
		return -EPROTO;
	l->max_insns = get_u32(lim[FATHOM_A_LIMIT_MAX_INSNS]);
	l->stack_size = get_u32(lim[FATHOM_A_LIMIT_STACK_SIZE]);
	l->max_sessions = get_u32(lim[FATHOM_A_LIMIT_MAX_SESSIONS]);
	l->max_probes = get_u32(lim[FATHOM_A_LIMIT_MAX_PROBES]);
	l->max_maps = get_u32(lim[FATHOM_A_LIMIT_MAX_MAPS]);
	l->max_map_entries = get_u32(lim[FATHOM_A_LIMIT_MAX_MAP_ENTRIES]);
	l->max_str_size = get_u32(lim[FATHOM_A_LIMIT_MAX_STR_SIZE]);
	l->max_stack_depth = get_u32(lim[FATHOM_A_LIMIT_MAX_STACK_DEPTH]);
	l->relay_subbuf_size = get_u32(lim[FATHOM_A_LIMIT_RELAY_SUBBUF_SIZE]);
	l->relay_n_subbufs = get_u32(lim[FATHOM_A_LIMIT_RELAY_N_SUBBUFS]);
	return 0;
}

int fathom_get_info(struct fathom_nl *nl, struct fathom_info *info)
{
	struct nl_msg *msg;

	memset(info, 0, sizeof(*info));
	msg = fathom_nl_msg(nl, FATHOM_CMD_GET_INFO, 0);
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, FATHOM_A_INFO_ABI_VERSION, FATHOM_ABI_VERSION) <
	    0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return fathom_nl_request(nl, msg, parse_info, info);
}

static const char *const kfeat_names[] = {
	"kprobes",     "kretprobes", "uprobes", "ftrace-ops", "ftrace-args",
	"tracepoints", "perf",	     "relay",	"debugfs",    "btf",
};

const char *fathom_kfeat_name(unsigned int bit)
{
	if (bit >= sizeof(kfeat_names) / sizeof(kfeat_names[0]))
		return NULL;
	return kfeat_names[bit];
}
