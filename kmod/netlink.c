// SPDX-License-Identifier: GPL-2.0-only
/*
 * The "fathom" generic netlink family: the only way user space drives the
 * module. The protocol is documented in uapi/linux/fathom.h.
 *
 * Validation is the policy tables': every command has its own, attributes
 * it does not list are rejected by the core (strict validation), and
 * pre_doit (for dumps, their start callback) refuses callers without
 * CAP_SYS_ADMIN or CAP_PERFMON before any command runs.
 */
#include <linux/kernel.h>
#include <linux/kallsyms.h>
#include <linux/limits.h>
#include <linux/module.h>
#include <linux/utsname.h>
#include <net/genetlink.h>
#include <linux/fathom.h>
#include <linux/fathom_isa.h>

#include "compat/capability.h"
#include "compat/genetlink.h"
#include "params.h"
#include "netlink.h"

const struct nla_policy fathom_prog_policy[FATHOM_A_PROG_MAX + 1] = {
	[FATHOM_A_PROG_INSNS]	= NLA_POLICY_MIN_LEN(sizeof(struct fathom_insn)),
	[FATHOM_A_PROG_NAME]	= { .type = NLA_NUL_STRING,
				    .len = FATHOM_NAME_LEN - 1 },
};

static const struct nla_policy prog_list_policy[FATHOM_A_PROG_MAX + 1] = {
	[FATHOM_A_PROG]		= NLA_POLICY_NESTED(fathom_prog_policy),
};

const struct nla_policy fathom_map_policy[FATHOM_A_MAP_MAX + 1] = {
	[FATHOM_A_MAP_KIND]	= NLA_POLICY_RANGE(NLA_U32, FATHOM_MAP_HASH,
						   __FATHOM_MAP_KIND_MAX - 1),
	[FATHOM_A_MAP_KEY_SIZE]	= { .type = NLA_U32 },
	[FATHOM_A_MAP_VALUE_SIZE] = { .type = NLA_U32 },
	[FATHOM_A_MAP_MAX_ENTRIES] = { .type = NLA_U32 },
	[FATHOM_A_MAP_LHIST_MIN] = { .type = NLA_S64 },
	[FATHOM_A_MAP_LHIST_MAX] = { .type = NLA_S64 },
	[FATHOM_A_MAP_LHIST_STEP] = { .type = NLA_S64 },
	[FATHOM_A_MAP_NAME]	= { .type = NLA_NUL_STRING,
				    .len = FATHOM_NAME_LEN - 1 },
};

static const struct nla_policy map_list_policy[FATHOM_A_MAP_MAX + 1] = {
	[FATHOM_A_MAP]		= NLA_POLICY_NESTED(fathom_map_policy),
};

const struct nla_policy fathom_probe_policy[FATHOM_A_PROBE_MAX + 1] = {
	[FATHOM_A_PROBE_KIND]	= NLA_POLICY_RANGE(NLA_U32, FATHOM_PROBE_KPROBE,
						   __FATHOM_PROBE_KIND_MAX - 1),
	[FATHOM_A_PROBE_SYMBOL]	= { .type = NLA_NUL_STRING,
				    .len = KSYM_NAME_LEN - 1 },
	[FATHOM_A_PROBE_OFFSET]	= { .type = NLA_U64 },
	[FATHOM_A_PROBE_ADDR]	= { .type = NLA_U64 },
	[FATHOM_A_PROBE_PROG]	= { .type = NLA_U32 },
	[FATHOM_A_PROBE_MAXACTIVE] = NLA_POLICY_MAX(NLA_U32, 4096),
	[FATHOM_A_PROBE_ID]	= { .type = NLA_U32 },
	[FATHOM_A_PROBE_FLAGS]	= { .type = NLA_U32 },
	[FATHOM_A_PROBE_TP_SYSTEM] = { .type = NLA_NUL_STRING, .len = 63 },
	[FATHOM_A_PROBE_TP_NAME] = { .type = NLA_NUL_STRING, .len = 127 },
	[FATHOM_A_PROBE_UPATH]	= { .type = NLA_NUL_STRING, .len = PATH_MAX - 1 },
	[FATHOM_A_PROBE_REF_CTR_OFFSET] = { .type = NLA_U64 },
	[FATHOM_A_PROBE_PID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[FATHOM_A_PROBE_PERIOD_NS] = { .type = NLA_U64 },
};

static const struct nla_policy probe_list_policy[FATHOM_A_PROBE_MAX + 1] = {
	[FATHOM_A_PROBE]	= NLA_POLICY_NESTED(fathom_probe_policy),
};

static const struct nla_policy get_info_policy[FATHOM_A_MAX + 1] = {
	[FATHOM_A_INFO_ABI_VERSION]	= { .type = NLA_U32 },
};

static const struct nla_policy session_create_policy[FATHOM_A_MAX + 1] = {
	[FATHOM_A_SESSION_PROGS]	= NLA_POLICY_NESTED(prog_list_policy),
	[FATHOM_A_SESSION_MAPS]		= NLA_POLICY_NESTED(map_list_policy),
	[FATHOM_A_SESSION_PROBES]	= NLA_POLICY_NESTED(probe_list_policy),
	[FATHOM_A_SESSION_MODE]		= NLA_POLICY_RANGE(NLA_U32,
							   FATHOM_MODE_STREAM,
							   FATHOM_MODE_FLIGHT),
	/* at most 64 MiB, checked with the per-session budget */
	[FATHOM_A_SESSION_SUBBUF_SIZE]	= NLA_POLICY_MIN(NLA_U32, 4096),
	[FATHOM_A_SESSION_N_SUBBUFS]	= NLA_POLICY_RANGE(NLA_U32, 2, 1024),
	[FATHOM_A_SESSION_OVERLOAD_PCT]	= NLA_POLICY_RANGE(NLA_U32, 1, 100),
	[FATHOM_A_SESSION_DEADMAN_MS]	= { .type = NLA_U32 },
};

static const struct nla_policy session_id_policy[FATHOM_A_MAX + 1] = {
	[FATHOM_A_SESSION_ID]		= { .type = NLA_U32 },
};

static const struct nla_policy map_policy[FATHOM_A_MAX + 1] = {
	[FATHOM_A_SESSION_ID]		= { .type = NLA_U32 },
	[FATHOM_A_MAP_ID]		= { .type = NLA_U32 },
	[FATHOM_A_MAP_CLEAR_FLAGS]	= { .type = NLA_U32 },
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
			l->relay_n_subbufs) ||
	    nla_put_u32(skb, FATHOM_A_LIMIT_MAX_SESSION_BYTES,
			l->max_session_bytes)) {
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

/* Dumps do not pass through pre_doit: check the caller when one starts. */
static int dump_start(struct netlink_callback *cb)
{
	if (!fathom_netlink_capable(cb->skb)) {
		NL_SET_ERR_MSG(cb->extack,
			       "fathom needs CAP_SYS_ADMIN or CAP_PERFMON");
		return -EPERM;
	}
	return 0;
}

/*
 * A MAP_DUMP message must hold at least one entry, or the dump could make no
 * progress: the largest is an LHIST value of FATHOM_LHIST_MAX_BUCKETS words
 * (8 KiB, twice NLMSG_GOODSIZE) under the longest key. netlink_dump() takes
 * min_dump_alloc as the least size of each message it allocates.
 */
static int map_dump_start(struct netlink_callback *cb)
{
	size_t value = max_t(size_t, FATHOM_LHIST_MAX_BUCKETS * sizeof(u64),
			     FATHOM_STACK_SIZE);
	size_t entry = nla_total_size(nla_total_size(sizeof(u32)) +
				      nla_total_size(FATHOM_STACK_SIZE) +
				      nla_total_size(value));

	cb->min_dump_alloc = NLMSG_HDRLEN + GENL_HDRLEN +
			     2 * nla_total_size(sizeof(u32)) + entry;
	return dump_start(cb);
}

/**
 * fathom_nl_reply_probe_error() - say which probe could not be attached
 * @info: the SESSION_CREATE request
 * @probe: index of the probe in SESSION_PROBES
 * @err: the negative errno the kernel gave
 *
 * Sent ahead of the error ACK, whose message must be a static string.
 */
void fathom_nl_reply_probe_error(struct genl_info *info, u32 probe, int err)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put_reply(msg, info, &fathom_genl_family, 0,
				FATHOM_CMD_SESSION_CREATE);
	if (!hdr || nla_put_u32(msg, FATHOM_A_FAILED_PROBE, probe)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_reply(msg, info);
}

static const struct genl_ops fathom_genl_ops[] = {
	{
		.cmd		= FATHOM_CMD_GET_INFO,
		.doit		= get_info,
		.policy		= get_info_policy,
		.maxattr	= FATHOM_A_MAX,
	},
	{
		.cmd		= FATHOM_CMD_SESSION_CREATE,
		.doit		= fathom_cmd_session_create,
		.policy		= session_create_policy,
		.maxattr	= FATHOM_A_MAX,
	},
	{
		.cmd		= FATHOM_CMD_SESSION_START,
		.doit		= fathom_cmd_session_ctl,
		.policy		= session_id_policy,
		.maxattr	= FATHOM_A_MAX,
	},
	{
		.cmd		= FATHOM_CMD_SESSION_STOP,
		.doit		= fathom_cmd_session_ctl,
		.policy		= session_id_policy,
		.maxattr	= FATHOM_A_MAX,
	},
	{
		.cmd		= FATHOM_CMD_SESSION_DESTROY,
		.doit		= fathom_cmd_session_ctl,
		.policy		= session_id_policy,
		.maxattr	= FATHOM_A_MAX,
	},
	{
		.cmd		= FATHOM_CMD_SESSION_GET,
		.doit		= fathom_cmd_session_get,
		.policy		= session_id_policy,
		.maxattr	= FATHOM_A_MAX,
	},
	{
		.cmd		= FATHOM_CMD_SESSION_LIST,
		.start		= dump_start,
		.dumpit		= fathom_cmd_session_list,
		.policy		= session_id_policy,
		.maxattr	= FATHOM_A_MAX,
	},
	{
		.cmd		= FATHOM_CMD_MAP_DUMP,
		.start		= map_dump_start,
		.dumpit		= fathom_cmd_map_dump,
		.policy		= map_policy,
		.maxattr	= FATHOM_A_MAX,
	},
	{
		.cmd		= FATHOM_CMD_MAP_CLEAR,
		.doit		= fathom_cmd_map_clear,
		.policy		= map_policy,
		.maxattr	= FATHOM_A_MAX,
	},
	{
		.cmd		= FATHOM_CMD_SNAPSHOT,
		.doit		= fathom_cmd_snapshot,
		.policy		= session_id_policy,
		.maxattr	= FATHOM_A_MAX,
	},
};

struct genl_family fathom_genl_family __ro_after_init = {
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
