// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <linux/fathom.h>

#include "api.h"
#include "verify.h"

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

/*
 * Names are labels for messages and the kernel refuses one longer than
 * FATHOM_NAME_LEN - 1. Program names come from probe specs, which can hold
 * long paths: keep their end, where the symbol is, behind "...".
 */
static int put_name(struct nl_msg *msg, int attr, const char *name)
{
	char buf[FATHOM_NAME_LEN];
	size_t len = strlen(name);

	if (len < sizeof(buf))
		return nla_put_string(msg, attr, name);
	snprintf(buf, sizeof(buf), "...%s", name + len - (sizeof(buf) - 4));
	return nla_put_string(msg, attr, buf);
}

static int put_progs(struct nl_msg *msg, const struct fathom_session_spec *sp)
{
	struct nlattr *list, *item;
	uint32_t i;

	list = nla_nest_start(msg, FATHOM_A_SESSION_PROGS);
	if (!list)
		return -ENOMEM;
	for (i = 0; i < sp->nr_progs; i++) {
		const struct fathom_prog_spec *p = &sp->progs[i];

		item = nla_nest_start(msg, FATHOM_A_PROG);
		if (!item ||
		    nla_put(msg, FATHOM_A_PROG_INSNS, (int)(p->len * 8),
			    p->insns) < 0 ||
		    (p->name && put_name(msg, FATHOM_A_PROG_NAME, p->name) < 0))
			return -ENOMEM;
		nla_nest_end(msg, item);
	}
	nla_nest_end(msg, list);
	return 0;
}

static int put_maps(struct nl_msg *msg, const struct fathom_session_spec *sp)
{
	struct nlattr *list, *item;
	uint32_t i;

	if (!sp->nr_maps)
		return 0;
	list = nla_nest_start(msg, FATHOM_A_SESSION_MAPS);
	if (!list)
		return -ENOMEM;
	for (i = 0; i < sp->nr_maps; i++) {
		const struct fathom_map_spec *m = &sp->maps[i];

		item = nla_nest_start(msg, FATHOM_A_MAP);
		if (!item || nla_put_u32(msg, FATHOM_A_MAP_KIND, m->kind) < 0 ||
		    nla_put_u32(msg, FATHOM_A_MAP_KEY_SIZE, m->key_size) < 0 ||
		    nla_put_u32(msg, FATHOM_A_MAP_MAX_ENTRIES, m->max_entries) <
			    0)
			return -ENOMEM;
		if (m->value_size && nla_put_u32(msg, FATHOM_A_MAP_VALUE_SIZE,
						 m->value_size) < 0)
			return -ENOMEM;
		if (m->kind == FATHOM_MAP_LHIST &&
		    (nla_put_s64(msg, FATHOM_A_MAP_LHIST_MIN, m->lhist_min) <
			     0 ||
		     nla_put_s64(msg, FATHOM_A_MAP_LHIST_MAX, m->lhist_max) <
			     0 ||
		     nla_put_s64(msg, FATHOM_A_MAP_LHIST_STEP, m->lhist_step) <
			     0))
			return -ENOMEM;
		if (m->name && put_name(msg, FATHOM_A_MAP_NAME, m->name) < 0)
			return -ENOMEM;
		nla_nest_end(msg, item);
	}
	nla_nest_end(msg, list);
	return 0;
}

static int put_probes(struct nl_msg *msg, const struct fathom_session_spec *sp)
{
	struct nlattr *list, *item;
	uint32_t i;

	list = nla_nest_start(msg, FATHOM_A_SESSION_PROBES);
	if (!list)
		return -ENOMEM;
	for (i = 0; i < sp->nr_probes; i++) {
		const struct fathom_probe_spec *p = &sp->probes[i];

		item = nla_nest_start(msg, FATHOM_A_PROBE);
		if (!item ||
		    nla_put_u32(msg, FATHOM_A_PROBE_KIND, p->kind) < 0 ||
		    nla_put_u32(msg, FATHOM_A_PROBE_PROG, p->prog) < 0 ||
		    nla_put_u32(msg, FATHOM_A_PROBE_ID, p->id) < 0)
			return -ENOMEM;
		if (p->symbol &&
		    nla_put_string(msg, FATHOM_A_PROBE_SYMBOL, p->symbol) < 0)
			return -ENOMEM;
		if (p->offset &&
		    nla_put_u64(msg, FATHOM_A_PROBE_OFFSET, p->offset) < 0)
			return -ENOMEM;
		if (p->addr &&
		    nla_put_u64(msg, FATHOM_A_PROBE_ADDR, p->addr) < 0)
			return -ENOMEM;
		if (p->maxactive && nla_put_u32(msg, FATHOM_A_PROBE_MAXACTIVE,
						p->maxactive) < 0)
			return -ENOMEM;
		if (p->flags &&
		    nla_put_u32(msg, FATHOM_A_PROBE_FLAGS, p->flags) < 0)
			return -ENOMEM;
		if ((p->tp_system &&
		     nla_put_string(msg, FATHOM_A_PROBE_TP_SYSTEM,
				    p->tp_system) < 0) ||
		    (p->tp_name && nla_put_string(msg, FATHOM_A_PROBE_TP_NAME,
						  p->tp_name) < 0) ||
		    (p->upath &&
		     nla_put_string(msg, FATHOM_A_PROBE_UPATH, p->upath) < 0) ||
		    (p->ref_ctr_offset &&
		     nla_put_u64(msg, FATHOM_A_PROBE_REF_CTR_OFFSET,
				 p->ref_ctr_offset) < 0) ||
		    (p->pid &&
		     nla_put_u32(msg, FATHOM_A_PROBE_PID, p->pid) < 0) ||
		    (p->period_ns && nla_put_u64(msg, FATHOM_A_PROBE_PERIOD_NS,
						 p->period_ns) < 0))
			return -ENOMEM;
		nla_nest_end(msg, item);
	}
	nla_nest_end(msg, list);
	return 0;
}

static int parse_created(struct nl_msg *msg, void *arg)
{
	struct fathom_create_result *res = arg;
	struct nlattr *tb[FATHOM_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, FATHOM_A_MAX, NULL) < 0)
		return -EPROTO;
	if (tb[FATHOM_A_SESSION_ID])
		res->session_id = nla_get_u32(tb[FATHOM_A_SESSION_ID]);
	if (tb[FATHOM_A_SESSION_RELAY_DIR])
		nla_strlcpy(res->relay_dir, tb[FATHOM_A_SESSION_RELAY_DIR],
			    sizeof(res->relay_dir));
	if (tb[FATHOM_A_VERIFIER_PROG])
		res->verifier_prog =
			(int)nla_get_u32(tb[FATHOM_A_VERIFIER_PROG]);
	if (tb[FATHOM_A_VERIFIER_INSN])
		res->verifier_insn =
			(int)nla_get_u32(tb[FATHOM_A_VERIFIER_INSN]);
	if (tb[FATHOM_A_VERIFIER_LOG])
		nla_strlcpy(res->verifier_log, tb[FATHOM_A_VERIFIER_LOG],
			    sizeof(res->verifier_log));
	if (tb[FATHOM_A_FAILED_PROBE])
		res->failed_probe = (int)nla_get_u32(tb[FATHOM_A_FAILED_PROBE]);
	return 0;
}

int fathom_session_create(struct fathom_nl *nl,
			  const struct fathom_session_spec *spec,
			  struct fathom_create_result *res)
{
	struct nl_msg *msg;
	size_t size;
	uint32_t i;

	memset(res, 0, sizeof(*res));
	res->verifier_prog = -1;
	res->verifier_insn = -1;
	res->failed_probe = -1;
	for (i = 0; i < spec->nr_progs && !spec->no_local_verify; i++) {
		int insn, ret;

		ret = fathom_verify_local(spec->progs[i].insns,
					  spec->progs[i].len, spec->maps,
					  spec->nr_maps, res->verifier_log,
					  sizeof(res->verifier_log), &insn);
		if (ret) {
			res->verifier_prog = (int)i;
			res->verifier_insn = insn;
			nl->err = ret;
			snprintf(nl->errmsg, sizeof(nl->errmsg),
				 "program rejected by the verifier");
			return ret;
		}
	}
	size = 256;
	for (i = 0; i < spec->nr_progs; i++)
		size += 64 + (size_t)spec->progs[i].len * 8;
	size += (size_t)spec->nr_maps * 128;
	for (i = 0; i < spec->nr_probes; i++)
		size += 96 + (spec->probes[i].symbol
				      ? strlen(spec->probes[i].symbol)
				      : 0);
	msg = fathom_nl_msg_size(nl, FATHOM_CMD_SESSION_CREATE, 0, size);
	if (!msg)
		return -ENOMEM;
	if (put_progs(msg, spec) || put_maps(msg, spec) ||
	    put_probes(msg, spec) ||
	    (spec->mode &&
	     nla_put_u32(msg, FATHOM_A_SESSION_MODE, spec->mode) < 0) ||
	    (spec->subbuf_size && nla_put_u32(msg, FATHOM_A_SESSION_SUBBUF_SIZE,
					      spec->subbuf_size) < 0) ||
	    (spec->n_subbufs && nla_put_u32(msg, FATHOM_A_SESSION_N_SUBBUFS,
					    spec->n_subbufs) < 0) ||
	    (spec->overload_pct &&
	     nla_put_u32(msg, FATHOM_A_SESSION_OVERLOAD_PCT,
			 spec->overload_pct) < 0) ||
	    ((spec->deadman_ms || spec->no_deadman) &&
	     nla_put_u32(msg, FATHOM_A_SESSION_DEADMAN_MS,
			 spec->no_deadman ? 0 : spec->deadman_ms) < 0)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return fathom_nl_request(nl, msg, parse_created, res);
}

int fathom_session_cmd(struct fathom_nl *nl, uint8_t cmd, uint32_t id)
{
	struct nl_msg *msg = fathom_nl_msg(nl, cmd, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, FATHOM_A_SESSION_ID, id) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return fathom_nl_request(nl, msg, NULL, NULL);
}

static uint64_t get_u64(struct nlattr *a)
{
	return a ? nla_get_u64(a) : 0;
}

static int parse_session(struct nl_msg *msg, struct fathom_session_info *info,
			 int details)
{
	struct nlattr *tb[FATHOM_A_MAX + 1];
	struct nlattr *st[FATHOM_A_STAT_MAX + 1];
	struct nlattr *pt[FATHOM_A_PROBE_MAX + 1];
	struct nlattr *gt[FATHOM_A_PROG_MAX + 1];
	struct nlattr *a;
	int rem;

	memset(info, 0, sizeof(*info));
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, FATHOM_A_MAX, NULL) < 0 ||
	    !tb[FATHOM_A_SESSION_ID])
		return -EPROTO;
	info->id = nla_get_u32(tb[FATHOM_A_SESSION_ID]);
	info->state = get_u32(tb[FATHOM_A_SESSION_STATE]);
	info->stop_reason = get_u32(tb[FATHOM_A_SESSION_STOP_REASON]);
	info->mode = get_u32(tb[FATHOM_A_SESSION_MODE]);
	info->owner_pid = get_u32(tb[FATHOM_A_SESSION_OWNER_PID]);
	info->overload_pct = get_u32(tb[FATHOM_A_SESSION_OVERLOAD_PCT]);
	info->deadman_ms = get_u32(tb[FATHOM_A_SESSION_DEADMAN_MS]);
	if (tb[FATHOM_A_SESSION_RELAY_DIR])
		nla_strlcpy(info->relay_dir, tb[FATHOM_A_SESSION_RELAY_DIR],
			    sizeof(info->relay_dir));
	if (tb[FATHOM_A_SESSION_STATS] &&
	    nla_parse_nested(st, FATHOM_A_STAT_MAX, tb[FATHOM_A_SESSION_STATS],
			     NULL) >= 0) {
		info->stats.hits = get_u64(st[FATHOM_A_STAT_HITS]);
		info->stats.drop_recursion =
			get_u64(st[FATHOM_A_STAT_DROP_RECURSION]);
		info->stats.drop_nmi = get_u64(st[FATHOM_A_STAT_DROP_NMI]);
		info->stats.drop_map_full =
			get_u64(st[FATHOM_A_STAT_DROP_MAP_FULL]);
		info->stats.drop_relay = get_u64(st[FATHOM_A_STAT_DROP_RELAY]);
		info->stats.drop_stack = get_u64(st[FATHOM_A_STAT_DROP_STACK]);
		info->stats.prog_errors =
			get_u64(st[FATHOM_A_STAT_PROG_ERRORS]);
		info->stats.runtime_ns = get_u64(st[FATHOM_A_STAT_RUNTIME_NS]);
	}
	if (!details)
		return 0;
	if (tb[FATHOM_A_SESSION_PROBE_STATS]) {
		nla_for_each_nested (a, tb[FATHOM_A_SESSION_PROBE_STATS], rem)
			info->nr_probes++;
		info->probes = calloc(info->nr_probes ? info->nr_probes : 1,
				      sizeof(*info->probes));
		if (!info->probes)
			return -ENOMEM;
		nla_for_each_nested (a, tb[FATHOM_A_SESSION_PROBE_STATS], rem) {
			uint32_t i;

			if (nla_parse_nested(pt, FATHOM_A_PROBE_MAX, a, NULL) <
				    0 ||
			    !pt[FATHOM_A_PROBE_INDEX])
				return -EPROTO;
			i = nla_get_u32(pt[FATHOM_A_PROBE_INDEX]);
			if (i >= info->nr_probes)
				return -EPROTO;
			info->probes[i].hits = get_u64(pt[FATHOM_A_PROBE_HITS]);
			info->probes[i].misses =
				get_u64(pt[FATHOM_A_PROBE_MISSES]);
			info->probes[i].path = get_u32(pt[FATHOM_A_PROBE_PATH]);
			info->probes[i].drops =
				get_u64(pt[FATHOM_A_PROBE_DROPS]);
		}
	}
	if (tb[FATHOM_A_SESSION_PROG_STATS]) {
		nla_for_each_nested (a, tb[FATHOM_A_SESSION_PROG_STATS], rem)
			info->nr_progs++;
		info->progs = calloc(info->nr_progs ? info->nr_progs : 1,
				     sizeof(*info->progs));
		if (!info->progs)
			return -ENOMEM;
		nla_for_each_nested (a, tb[FATHOM_A_SESSION_PROG_STATS], rem) {
			uint32_t i;

			if (nla_parse_nested(gt, FATHOM_A_PROG_MAX, a, NULL) <
				    0 ||
			    !gt[FATHOM_A_PROG_INDEX])
				return -EPROTO;
			i = nla_get_u32(gt[FATHOM_A_PROG_INDEX]);
			if (i >= info->nr_progs)
				return -EPROTO;
			info->progs[i].runs = get_u64(gt[FATHOM_A_PROG_RUNS]);
			info->progs[i].errors =
				get_u64(gt[FATHOM_A_PROG_ERRORS]);
		}
	}
	return 0;
}

static int parse_session_get(struct nl_msg *msg, void *arg)
{
	return parse_session(msg, arg, 1);
}

int fathom_session_get(struct fathom_nl *nl, uint32_t id,
		       struct fathom_session_info *info)
{
	struct nl_msg *msg = fathom_nl_msg(nl, FATHOM_CMD_SESSION_GET, 0);
	int ret;

	memset(info, 0, sizeof(*info));
	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, FATHOM_A_SESSION_ID, id) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = fathom_nl_request(nl, msg, parse_session_get, info);
	if (ret)
		fathom_session_info_free(info);
	return ret;
}

void fathom_session_info_free(struct fathom_session_info *info)
{
	free(info->probes);
	free(info->progs);
	info->probes = NULL;
	info->progs = NULL;
}

struct list_arg {
	void (*cb)(const struct fathom_session_info *info, void *arg);
	void *arg;
};

static int parse_session_list(struct nl_msg *msg, void *arg)
{
	struct list_arg *la = arg;
	struct fathom_session_info info;
	int ret = parse_session(msg, &info, 0);

	if (ret)
		return ret;
	la->cb(&info, la->arg);
	return 0;
}

int fathom_session_list(struct fathom_nl *nl,
			void (*cb)(const struct fathom_session_info *info,
				   void *arg),
			void *arg)
{
	struct nl_msg *msg =
		fathom_nl_msg(nl, FATHOM_CMD_SESSION_LIST, NLM_F_DUMP);
	struct list_arg la = { .cb = cb, .arg = arg };

	if (!msg)
		return -ENOMEM;
	return fathom_nl_request(nl, msg, parse_session_list, &la);
}

struct dump_arg {
	fathom_map_entry_fn cb;
	void *arg;
};

static int parse_map_dump(struct nl_msg *msg, void *arg)
{
	struct dump_arg *da = arg;
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *et[FATHOM_A_ENTRY_MAX + 1];
	struct nlattr *a;
	int rem;

	nla_for_each_attr (a, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
			   rem) {
		if (nla_type(a) != FATHOM_A_MAP_ENTRY)
			continue;
		if (nla_parse_nested(et, FATHOM_A_ENTRY_MAX, a, NULL) < 0 ||
		    !et[FATHOM_A_ENTRY_KEY] || !et[FATHOM_A_ENTRY_VALUE])
			return -EPROTO;
		da->cb(et[FATHOM_A_ENTRY_CPU]
			       ? nla_get_u32(et[FATHOM_A_ENTRY_CPU])
			       : UINT32_MAX,
		       nla_data(et[FATHOM_A_ENTRY_KEY]),
		       (uint32_t)nla_len(et[FATHOM_A_ENTRY_KEY]),
		       nla_data(et[FATHOM_A_ENTRY_VALUE]),
		       (uint32_t)nla_len(et[FATHOM_A_ENTRY_VALUE]), da->arg);
	}
	return 0;
}

int fathom_map_dump(struct fathom_nl *nl, uint32_t session, uint32_t map,
		    fathom_map_entry_fn cb, void *arg)
{
	struct nl_msg *msg = fathom_nl_msg(nl, FATHOM_CMD_MAP_DUMP, NLM_F_DUMP);
	struct dump_arg da = { .cb = cb, .arg = arg };

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, FATHOM_A_SESSION_ID, session) < 0 ||
	    nla_put_u32(msg, FATHOM_A_MAP_ID, map) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return fathom_nl_request(nl, msg, parse_map_dump, &da);
}

int fathom_map_clear(struct fathom_nl *nl, uint32_t session, uint32_t map,
		     uint32_t flags)
{
	struct nl_msg *msg = fathom_nl_msg(nl, FATHOM_CMD_MAP_CLEAR, 0);

	if (!msg)
		return -ENOMEM;
	if (nla_put_u32(msg, FATHOM_A_SESSION_ID, session) < 0 ||
	    nla_put_u32(msg, FATHOM_A_MAP_ID, map) < 0 ||
	    (flags && nla_put_u32(msg, FATHOM_A_MAP_CLEAR_FLAGS, flags) < 0)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return fathom_nl_request(nl, msg, NULL, NULL);
}
