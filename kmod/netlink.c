// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "fathom" generic netlink family: the only way user space drives the
 * module. The protocol is documented in uapi/linux/fathom.h.
 *
 * Validation is the policy tables': every command has its own, attributes
 * it does not list are rejected by the core (strict validation), and
 * pre_doit refuses callers without CAP_SYS_ADMIN or CAP_PERFMON before any
 * command runs.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/utsname.h>
#include <net/genetlink.h>
#include <linux/fathom.h>
#include <linux/fathom_isa.h>

#include "compat/capability.h"
#include "compat/genetlink.h"
#include "limits.h"
#include "netlink.h"

static struct genl_family fathom_genl_family;

static const struct nla_policy get_info_policy[FATHOM_A_MAX + 1] = {
	[FATHOM_A_INFO_ABI_VERSION]	= { .type = NLA_U32 },
};

static u64 kernel_features(void)
{
	u64 f = 0;

	if (IS_ENABLED(CONFIG_KPROBES))
		f |= FATHOM_KFEAT_KPROBES;
	if (IS_ENABLED(CONFIG_KRETPROBES))
		f |= FATHOM_KFEAT_KRETPROBES;
	if (IS_ENABLED(CONFIG_UPROBES))
		f |= FATHOM_KFEAT_UPROBES;
	if (IS_ENABLED(CONFIG_DYNAMIC_FTRACE))
		f |= FATHOM_KFEAT_FTRACE_OPS;
	if (IS_ENABLED(CONFIG_DYNAMIC_FTRACE_WITH_ARGS))
		f |= FATHOM_KFEAT_FTRACE_ARGS;
	if (IS_ENABLED(CONFIG_TRACEPOINTS))
		f |= FATHOM_KFEAT_TRACEPOINTS;
	if (IS_ENABLED(CONFIG_PERF_EVENTS))
		f |= FATHOM_KFEAT_PERF_EVENTS;
	if (IS_ENABLED(CONFIG_RELAY))
		f |= FATHOM_KFEAT_RELAY;
	if (IS_ENABLED(CONFIG_DEBUG_FS))
		f |= FATHOM_KFEAT_DEBUGFS;
	if (IS_ENABLED(CONFIG_DEBUG_INFO_BTF))
		f |= FATHOM_KFEAT_BTF;
	return f;
}

static int put_limits(struct sk_buff *skb)
{
	const struct fathom_limits *l = &fathom_limits;
	struct nlattr *nest;

	nest = nla_nest_start(skb, FATHOM_A_INFO_LIMITS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, FATHOM_A_LIMIT_MAX_INSNS, FATHOM_MAX_INSNS) ||
	    nla_put_u32(skb, FATHOM_A_LIMIT_STACK_SIZE, FATHOM_STACK_SIZE) ||
	    nla_put_u32(skb, FATHOM_A_LIMIT_MAX_SESSIONS, l->max_sessions) ||
	    nla_put_u32(skb, FATHOM_A_LIMIT_MAX_PROBES, l->max_probes) ||
	    nla_put_u32(skb, FATHOM_A_LIMIT_MAX_MAPS, l->max_maps) ||
	    nla_put_u32(skb, FATHOM_A_LIMIT_MAX_MAP_ENTRIES,
			l->max_map_entries) ||
	    nla_put_u32(skb, FATHOM_A_LIMIT_MAX_STR_SIZE, l->max_str_size) ||
	    nla_put_u32(skb, FATHOM_A_LIMIT_MAX_STACK_DEPTH,
			l->max_stack_depth) ||
	    nla_put_u32(skb, FATHOM_A_LIMIT_RELAY_SUBBUF_SIZE,
			l->relay_subbuf_size) ||
	    nla_put_u32(skb, FATHOM_A_LIMIT_RELAY_N_SUBBUFS,
			l->relay_n_subbufs)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *abi = info->attrs[FATHOM_A_INFO_ABI_VERSION];
	struct sk_buff *msg;
	void *hdr;
	int ret;

	if (abi && nla_get_u32(abi) > FATHOM_ABI_VERSION) {
		NL_SET_ERR_MSG_ATTR(info->extack, abi,
				    "fathom tool is newer than the loaded module; load the matching fathom.ko");
		return -EPROTONOSUPPORT;
	}

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &fathom_genl_family, 0,
				FATHOM_CMD_GET_INFO);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto out_free;
	}

	if (nla_put_u32(msg, FATHOM_A_INFO_ABI_VERSION, FATHOM_ABI_VERSION) ||
	    nla_put_string(msg, FATHOM_A_INFO_MODULE_VERSION, FATHOM_VERSION) ||
	    nla_put_string(msg, FATHOM_A_INFO_KERNEL_RELEASE,
			   init_utsname()->release) ||
	    nla_put_u64_64bit(msg, FATHOM_A_INFO_KERNEL_FEATURES,
			      kernel_features(), FATHOM_A_PAD)) {
		ret = -EMSGSIZE;
		goto out_free;
	}
	ret = put_limits(msg);
	if (ret)
		goto out_free;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

out_free:
	nlmsg_free(msg);
	return ret;
}

static int pre_doit(const fathom_genl_ops_t *ops, struct sk_buff *skb,
		    struct genl_info *info)
{
	if (!fathom_netlink_capable(skb)) {
		NL_SET_ERR_MSG(info->extack,
			       "fathom needs CAP_SYS_ADMIN or CAP_PERFMON");
		return -EPERM;
	}
	return 0;
}

static const struct genl_ops fathom_genl_ops[] = {
	{
		.cmd		= FATHOM_CMD_GET_INFO,
		.doit		= get_info,
		.policy		= get_info_policy,
		.maxattr	= FATHOM_A_MAX,
	},
};

static struct genl_family fathom_genl_family __ro_after_init = {
	.name		= FATHOM_GENL_NAME,
	.version	= FATHOM_GENL_VERSION,
	.module		= THIS_MODULE,
	.netnsok	= false,
	.pre_doit	= pre_doit,
	.ops		= fathom_genl_ops,
	.n_ops		= ARRAY_SIZE(fathom_genl_ops),
	FATHOM_GENL_RESV_START_OP(FATHOM_CMD_GET_INFO)
};

/**
 * fathom_netlink_init() - register the "fathom" generic netlink family
 *
 * Return: 0 or the negative errno of genl_register_family().
 */
int __init fathom_netlink_init(void)
{
	return genl_register_family(&fathom_genl_family);
}

/**
 * fathom_netlink_uninit() - unregister the family
 *
 * genl_unregister_family() waits for commands in flight, so no doit runs
 * after it returns.
 */
void fathom_netlink_uninit(void)
{
	genl_unregister_family(&fathom_genl_family);
}
