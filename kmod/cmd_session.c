// SPDX-License-Identifier: GPL-2.0-only
/*
 * The session commands of the generic netlink family: SESSION_CREATE,
 * START, STOP, DESTROY, GET, LIST, MAP_DUMP, MAP_CLEAR and SNAPSHOT.
 *
 * Attributes arrive validated by the policies in netlink.c; what a policy
 * cannot express (counts against limits, cross references between
 * programs, maps and probes) is checked here, each with an extended-ACK
 * message naming the attribute. Everything a session needs is allocated
 * and registered here, in process context, and a failure at any step
 * destroys the half-built session, so nothing half-initialised is ever
 * armed.
 */
#include <linux/kernel.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <linux/fathom.h>
#include <linux/fathom_isa.h>

#include "compat/genetlink.h"
#include "params.h"
#include "maps.h"
#include "netlink.h"
#include "probe.h"
#include "relay.h"
#include "session.h"

#define VLOG_SIZE 256

static unsigned int count_nested(const struct nlattr *list)
{
	const struct nlattr *a;
	unsigned int n = 0;
	int rem;

	nla_for_each_nested(a, list, rem)
		n++;
	return n;
}

static int parse_progs(struct fathom_session *s, struct genl_info *info)
{
	struct nlattr *list = info->attrs[FATHOM_A_SESSION_PROGS];
	struct nlattr *tb[FATHOM_A_PROG_MAX + 1];
	struct nlattr *a;
	unsigned int i = 0;
	int rem, ret;

	s->nr_progs = count_nested(list);
	if (!s->nr_progs || s->nr_progs > fathom_limits.max_probes) {
		NL_SET_ERR_MSG_ATTR(info->extack, list,
				    "a session needs 1 to max_probes programs");
		return -EINVAL;
	}
	s->progs = kcalloc(s->nr_progs, sizeof(*s->progs), GFP_KERNEL);
	if (!s->progs)
		return -ENOMEM;

	nla_for_each_nested(a, list, rem) {
		struct fathom_sprog *sp = &s->progs[i++];
		struct nlattr *insns;
		u32 len;

		ret = nla_parse_nested(tb, FATHOM_A_PROG_MAX, a,
				       fathom_prog_policy, info->extack);
		if (ret)
			return ret;
		insns = tb[FATHOM_A_PROG_INSNS];
		if (!insns) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "program without instructions");
			return -EINVAL;
		}
		len = nla_len(insns) / sizeof(struct fathom_insn);
		if (nla_len(insns) % sizeof(struct fathom_insn) ||
		    len > FATHOM_MAX_INSNS) {
			NL_SET_ERR_MSG_ATTR(info->extack, insns,
					    "instructions must be 1 to FATHOM_MAX_INSNS whole 8-byte slots");
			return -EINVAL;
		}
		sp->insns = kvmalloc(nla_len(insns), GFP_KERNEL);
		if (!sp->insns)
			return -ENOMEM;
		memcpy(sp->insns, nla_data(insns), nla_len(insns));
		fathom_prog_init(&sp->vm, sp->insns, len);
	}
	return 0;
}

static int parse_maps(struct fathom_session *s, struct genl_info *info)
{
	struct nlattr *list = info->attrs[FATHOM_A_SESSION_MAPS];
	struct nlattr *tb[FATHOM_A_MAP_MAX + 1];
	struct nlattr *a;
	unsigned int i = 0;
	u64 bytes = 0;
	int rem, ret;

	if (!list)
		return 0;
	s->nr_maps = count_nested(list);
	if (s->nr_maps > fathom_limits.max_maps) {
		NL_SET_ERR_MSG_ATTR(info->extack, list,
				    "more maps than the module's max_maps");
		return -E2BIG;
	}
	s->maps = kcalloc(s->nr_maps, sizeof(*s->maps), GFP_KERNEL);
	s->map_specs = kcalloc(s->nr_maps, sizeof(*s->map_specs), GFP_KERNEL);
	s->map_descs = kcalloc(s->nr_maps, sizeof(*s->map_descs), GFP_KERNEL);
	if (!s->maps || !s->map_specs || !s->map_descs)
		return -ENOMEM;

	nla_for_each_nested(a, list, rem) {
		struct fathom_map_spec *spec = &s->map_specs[i];

		ret = nla_parse_nested(tb, FATHOM_A_MAP_MAX, a,
				       fathom_map_policy, info->extack);
		if (ret)
			return ret;
		if (!tb[FATHOM_A_MAP_KIND] || !tb[FATHOM_A_MAP_KEY_SIZE] ||
		    !tb[FATHOM_A_MAP_MAX_ENTRIES]) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "a map needs a kind, a key size and max entries");
			return -EINVAL;
		}
		spec->kind = nla_get_u32(tb[FATHOM_A_MAP_KIND]);
		spec->key_size = nla_get_u32(tb[FATHOM_A_MAP_KEY_SIZE]);
		spec->max_entries = nla_get_u32(tb[FATHOM_A_MAP_MAX_ENTRIES]);
		if (tb[FATHOM_A_MAP_VALUE_SIZE])
			spec->value_size =
				nla_get_u32(tb[FATHOM_A_MAP_VALUE_SIZE]);
		if (tb[FATHOM_A_MAP_LHIST_MIN])
			spec->lhist_min = nla_get_s64(tb[FATHOM_A_MAP_LHIST_MIN]);
		if (tb[FATHOM_A_MAP_LHIST_MAX])
			spec->lhist_max = nla_get_s64(tb[FATHOM_A_MAP_LHIST_MAX]);
		if (tb[FATHOM_A_MAP_LHIST_STEP])
			spec->lhist_step =
				nla_get_s64(tb[FATHOM_A_MAP_LHIST_STEP]);

		ret = fathom_map_spec_check(spec, info->extack);
		if (ret) {
			/* keep the map's message, point at the map */
			info->extack->bad_attr = a;
			return ret;
		}
		bytes += fathom_map_mem_size(spec);
		if (bytes > fathom_limits.max_session_bytes) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "maps exceed the module's max_session_bytes");
			return -E2BIG;
		}
		/*
		 * Programs see values only of HASH maps (lookup/update);
		 * aggregations and stacks are written through their own
		 * helpers, and a lookup on them gets 8 zero bytes.
		 */
		s->map_descs[i].key_size = spec->key_size;
		s->map_descs[i].value_size = spec->kind == FATHOM_MAP_HASH ?
			fathom_map_value_size(spec) : 8;
		i++;
	}
	for (i = 0; i < s->nr_maps; i++) {
		s->maps[i] = fathom_map_create(&s->map_specs[i]);
		if (IS_ERR(s->maps[i])) {
			ret = PTR_ERR(s->maps[i]);
			s->maps[i] = NULL;
			return ret;
		}
	}
	return 0;
}

/*
 * A rejected program: tell user space which program, which instruction
 * and why, in a reply ahead of the error ACK (an extended-ACK message must
 * be a static string).
 */
static void reply_verifier_error(struct genl_info *info, u32 prog,
				 const struct fathom_vlog *log)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put_reply(msg, info, &fathom_genl_family, 0,
				FATHOM_CMD_SESSION_CREATE);
	if (!hdr ||
	    nla_put_u32(msg, FATHOM_A_VERIFIER_PROG, prog) ||
	    nla_put_u32(msg, FATHOM_A_VERIFIER_INSN, (u32)log->insn) ||
	    nla_put_string(msg, FATHOM_A_VERIFIER_LOG, log->buf)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_reply(msg, info);
}

static int verify_progs(struct fathom_session *s, struct genl_info *info)
{
	struct fathom_vlog log = { .size = VLOG_SIZE };
	unsigned int i;
	int ret = 0;

	log.buf = kzalloc(VLOG_SIZE, GFP_KERNEL);
	if (!log.buf)
		return -ENOMEM;
	for (i = 0; i < s->nr_progs; i++) {
		struct fathom_prog *p = &s->progs[i].vm;

		p->maps = s->map_descs;
		p->nr_maps = s->nr_maps;
		p->helpers = fathom_runtime_helpers;
		log.insn = -1;
		log.buf[0] = '\0';
		ret = fathom_verify(p, &log);
		if (ret) {
			reply_verifier_error(info, i, &log);
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[FATHOM_A_SESSION_PROGS],
					    "program rejected by the verifier");
			break;
		}
		fathom_prog_prefilter(&s->progs[i]);
	}
	kfree(log.buf);
	return ret;
}

static int parse_probes(struct fathom_session *s, struct genl_info *info)
{
	struct nlattr *list = info->attrs[FATHOM_A_SESSION_PROBES];
	struct nlattr *tb[FATHOM_A_PROBE_MAX + 1];
	struct nlattr *a;
	unsigned int i = 0;
	int rem, ret;

	s->nr_probes = count_nested(list);
	if (!s->nr_probes || s->nr_probes > fathom_limits.max_probes) {
		NL_SET_ERR_MSG_ATTR(info->extack, list,
				    "a session needs 1 to max_probes probes");
		return -E2BIG;
	}
	s->probes = kcalloc(s->nr_probes, sizeof(*s->probes), GFP_KERNEL);
	s->probe_scratch = kcalloc(s->nr_probes, sizeof(*s->probe_scratch),
				   GFP_KERNEL);
	if (!s->probes || !s->probe_scratch)
		return -ENOMEM;

	nla_for_each_nested(a, list, rem) {
		struct fathom_probe *p = &s->probes[i];
		u32 prog;

		ret = nla_parse_nested(tb, FATHOM_A_PROBE_MAX, a,
				       fathom_probe_policy, info->extack);
		if (ret)
			return ret;
		p->session = s;
		p->index = i++;
		p->hits = alloc_percpu(u64);
		p->drops = alloc_percpu(u64);
		if (!p->hits || !p->drops)
			return -ENOMEM;
		if (!tb[FATHOM_A_PROBE_KIND] || !tb[FATHOM_A_PROBE_PROG]) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "a probe needs a kind and a program");
			return -EINVAL;
		}
		p->kind = nla_get_u32(tb[FATHOM_A_PROBE_KIND]);
		prog = nla_get_u32(tb[FATHOM_A_PROBE_PROG]);
		if (prog >= s->nr_progs) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[FATHOM_A_PROBE_PROG],
					    "probe names a program that does not exist");
			return -EINVAL;
		}
		p->prog = &s->progs[prog];
		if (tb[FATHOM_A_PROBE_FLAGS])
			p->flags = nla_get_u32(tb[FATHOM_A_PROBE_FLAGS]);
		if (p->flags & ~__FATHOM_PROBE_F_ALL) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[FATHOM_A_PROBE_FLAGS],
					    "unknown probe flags");
			return -EOPNOTSUPP;
		}
		if (tb[FATHOM_A_PROBE_ID])
			p->id = nla_get_u32(tb[FATHOM_A_PROBE_ID]);
		if (p->kind != FATHOM_PROBE_KPROBE &&
		    p->kind != FATHOM_PROBE_KRETPROBE) {
			const struct fathom_probe_ops *ops =
				fathom_probe_ops_get(p->kind);

			ret = ops->parse(p, tb, info->extack);
			if (ret)
				return ret;
			continue;
		}
		if (tb[FATHOM_A_PROBE_OFFSET])
			p->offset = nla_get_u64(tb[FATHOM_A_PROBE_OFFSET]);
		if (tb[FATHOM_A_PROBE_ADDR])
			p->addr = nla_get_u64(tb[FATHOM_A_PROBE_ADDR]);
		if (tb[FATHOM_A_PROBE_MAXACTIVE])
			p->maxactive = nla_get_u32(tb[FATHOM_A_PROBE_MAXACTIVE]);
		if (tb[FATHOM_A_PROBE_SYMBOL]) {
			p->symbol = nla_strdup(tb[FATHOM_A_PROBE_SYMBOL],
					       GFP_KERNEL);
			if (!p->symbol)
				return -ENOMEM;
		}
		if (!p->symbol && !p->addr) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "a probe needs a symbol or an address");
			return -EINVAL;
		}
		/* both: the address is a hint for the ftrace path, checked */
		if (p->symbol && p->addr && !fathom_probe_addr_is_symbol(p)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[FATHOM_A_PROBE_ADDR],
					    "probe address is not the start of a function");
			return -EINVAL;
		}
		if (p->kind == FATHOM_PROBE_KRETPROBE && p->offset) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[FATHOM_A_PROBE_OFFSET],
					    "a kretprobe goes on a function's entry, without an offset");
			return -EINVAL;
		}
	}
	return 0;
}

static void uprobe_attach_error(struct netlink_ext_ack *extack, int err)
{
	switch (err) {
	case -EINVAL:
		NL_SET_ERR_MSG(extack,
			       "uprobe already registered at this offset with another semaphore offset");
		break;
	case -ENOTSUPP:
		NL_SET_ERR_MSG(extack,
			       "the instruction at this uprobe offset cannot be probed");
		break;
	case -EIO:
		NL_SET_ERR_MSG(extack,
			       "the uprobe's file cannot be read by the kernel's uprobe code on this file system");
		break;
	default:
		NL_SET_ERR_MSG(extack, "cannot register uprobe");
		break;
	}
}

static void attach_error(struct netlink_ext_ack *extack, u32 kind, int err)
{
	if (kind == FATHOM_PROBE_UPROBE || kind == FATHOM_PROBE_URETPROBE) {
		uprobe_attach_error(extack, err);
		return;
	}
	if (kind == FATHOM_PROBE_TRACEPOINT || kind == FATHOM_PROBE_PROFILE) {
		NL_SET_ERR_MSG(extack, "cannot create the probe's perf counters");
		return;
	}
	if (kind != FATHOM_PROBE_KPROBE && kind != FATHOM_PROBE_KRETPROBE) {
		NL_SET_ERR_MSG(extack, "cannot register probe");
		return;
	}
	switch (err) {
	case -ENOENT:
		NL_SET_ERR_MSG(extack,
			       "probe target not found: unknown symbol or address");
		break;
	case -EINVAL:
		NL_SET_ERR_MSG(extack,
			       "probe target cannot be probed: blacklisted, not an instruction boundary, or not a function entry");
		break;
	case -EEXIST:
		NL_SET_ERR_MSG(extack, "probe target already probed");
		break;
	case -EILSEQ:
		NL_SET_ERR_MSG(extack,
			       "probe address is not an instruction boundary");
		break;
	default:
		NL_SET_ERR_MSG(extack, "cannot register probe");
		break;
	}
}

static int open_relay(struct fathom_session *s, struct genl_info *info)
{
	u32 subbuf = fathom_limits.relay_subbuf_size;
	u32 n = fathom_limits.relay_n_subbufs;
	char name[32];
	struct nlattr *a;

	if (info->attrs[FATHOM_A_SESSION_OVERLOAD_PCT])
		s->overload_pct =
			nla_get_u32(info->attrs[FATHOM_A_SESSION_OVERLOAD_PCT]);
	if (info->attrs[FATHOM_A_SESSION_DEADMAN_MS])
		s->deadman_ms =
			nla_get_u32(info->attrs[FATHOM_A_SESSION_DEADMAN_MS]);
	s->mode = FATHOM_MODE_STREAM;
	if (info->attrs[FATHOM_A_SESSION_MODE])
		s->mode = nla_get_u32(info->attrs[FATHOM_A_SESSION_MODE]);
	if (info->attrs[FATHOM_A_SESSION_SUBBUF_SIZE])
		subbuf = nla_get_u32(info->attrs[FATHOM_A_SESSION_SUBBUF_SIZE]);
	if (info->attrs[FATHOM_A_SESSION_N_SUBBUFS])
		n = nla_get_u32(info->attrs[FATHOM_A_SESSION_N_SUBBUFS]);
	if (subbuf > (1 << 26) ||
	    (u64)subbuf * n > (u64)fathom_limits.max_session_bytes) {
		a = info->attrs[FATHOM_A_SESSION_SUBBUF_SIZE] ?:
		    info->attrs[FATHOM_A_SESSION_N_SUBBUFS];
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "relay buffers exceed max_session_bytes per CPU");
		return -E2BIG;
	}
	snprintf(name, sizeof(name), "session-%u", s->id);
	s->relay = fathom_relay_open(name, subbuf, n,
				     s->mode == FATHOM_MODE_FLIGHT);
	if (IS_ERR(s->relay)) {
		int ret = PTR_ERR(s->relay);

		s->relay = NULL;
		NL_SET_ERR_MSG(info->extack,
			       "cannot open the relay channel (is debugfs mounted and not locked down?)");
		return ret;
	}
	return 0;
}

static int reply_created(struct fathom_session *s, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &fathom_genl_family, 0,
				FATHOM_CMD_SESSION_CREATE);
	if (!hdr || nla_put_u32(msg, FATHOM_A_SESSION_ID, s->id) ||
	    nla_put_string(msg, FATHOM_A_SESSION_RELAY_DIR,
			   fathom_relay_dir(s->relay))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/**
 * fathom_cmd_session_create() - FATHOM_CMD_SESSION_CREATE
 * @skb: request
 * @info: parsed request
 *
 * Return: 0 or a negative errno with an extended-ACK message.
 */
int fathom_cmd_session_create(struct sk_buff *skb, struct genl_info *info)
{
	struct fathom_session *s;
	unsigned int failed = 0;
	int ret;

	if (!info->attrs[FATHOM_A_SESSION_PROGS] ||
	    !info->attrs[FATHOM_A_SESSION_PROBES]) {
		NL_SET_ERR_MSG(info->extack,
			       "SESSION_CREATE needs programs and probes");
		return -EINVAL;
	}

	s = fathom_session_alloc();
	if (!s)
		return -ENOMEM;
	s->owner_portid = info->snd_portid;
	s->owner_pid = task_tgid_vnr(current);

	mutex_lock(&fathom_sessions_lock);
	ret = fathom_session_publish(s);
	if (ret) {
		NL_SET_ERR_MSG(info->extack,
			       "too many sessions (module parameter max_sessions)");
		goto out_destroy;
	}
	ret = parse_progs(s, info);
	if (ret)
		goto out_destroy;
	ret = parse_maps(s, info);
	if (ret)
		goto out_destroy;
	ret = verify_progs(s, info);
	if (ret)
		goto out_destroy;
	ret = parse_probes(s, info);
	if (ret)
		goto out_destroy;
	ret = open_relay(s, info);
	if (ret)
		goto out_destroy;
	ret = fathom_probes_attach(s, &failed);
	if (ret) {
		fathom_nl_reply_probe_error(info, failed, ret);
		attach_error(info->extack, s->probes[failed].kind, ret);
		goto out_destroy;
	}
	ret = reply_created(s, info);
	if (ret)
		goto out_destroy;
	mutex_unlock(&fathom_sessions_lock);
	return 0;

out_destroy:
	fathom_session_destroy(s);
	mutex_unlock(&fathom_sessions_lock);
	return ret;
}

/*
 * Find the request's session; with @owner, only the socket that created
 * it may act on it. Caller holds fathom_sessions_lock.
 */
static struct fathom_session *request_session(struct genl_info *info,
					      bool owner)
{
	struct nlattr *a = info->attrs[FATHOM_A_SESSION_ID];
	struct fathom_session *s;

	if (!a) {
		NL_SET_ERR_MSG(info->extack, "missing session id");
		return ERR_PTR(-EINVAL);
	}
	s = fathom_session_find(nla_get_u32(a));
	if (!s) {
		NL_SET_ERR_MSG_ATTR(info->extack, a, "no such session");
		return ERR_PTR(-ENOENT);
	}
	if (s->owner_portid == info->snd_portid) {
		s->last_heard = jiffies;	/* the deadman's heartbeat */
	} else if (owner) {
		NL_SET_ERR_MSG_ATTR(info->extack, a,
				    "session belongs to another socket");
		return ERR_PTR(-EPERM);
	}
	return s;
}

/**
 * fathom_cmd_session_ctl() - SESSION_START, SESSION_STOP, SESSION_DESTROY
 * @skb: request
 * @info: parsed request
 *
 * Return: 0 or a negative errno with an extended-ACK message.
 */
int fathom_cmd_session_ctl(struct sk_buff *skb, struct genl_info *info)
{
	struct fathom_session *s;
	int ret = 0;

	mutex_lock(&fathom_sessions_lock);
	s = request_session(info, true);
	if (IS_ERR(s)) {
		ret = PTR_ERR(s);
		goto out;
	}
	switch (info->genlhdr->cmd) {
	case FATHOM_CMD_SESSION_START:
		ret = fathom_session_start(s);
		if (ret)
			NL_SET_ERR_MSG(info->extack, "session is running already");
		break;
	case FATHOM_CMD_SESSION_STOP:
		fathom_session_stop(s, FATHOM_STOP_USER);
		break;
	case FATHOM_CMD_SESSION_DESTROY:
		fathom_session_destroy(s);
		break;
	}
out:
	mutex_unlock(&fathom_sessions_lock);
	return ret;
}

static u64 sum_pcpu(const u64 __percpu *p)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr(p, cpu);
	return sum;
}

static int put_stats(struct sk_buff *msg, struct fathom_session *s)
{
	u64 hits = 0, recursion = 0, nmi = 0, runtime = 0, map_full = 0;
	u64 errors = 0;
	struct nlattr *nest;
	unsigned int i;
	int cpu;

	for (i = 0; i < s->nr_probes; i++)
		hits += sum_pcpu(s->probes[i].hits);
	for_each_possible_cpu(cpu) {
		struct fathom_session_pcpu *pc = per_cpu_ptr(s->pcpu, cpu);

		recursion += pc->drop_recursion;
		nmi += pc->drop_nmi;
		runtime += pc->runtime_ns;
	}
	for (i = 0; i < s->nr_maps; i++)
		map_full += fathom_map_dropped(s->maps[i]);
	for (i = 0; i < s->nr_progs; i++)
		errors += atomic64_read(&s->progs[i].vm.stats.div_by_zero);

	nest = nla_nest_start(msg, FATHOM_A_SESSION_STATS);
	if (!nest ||
	    nla_put_u64_64bit(msg, FATHOM_A_STAT_HITS, hits,
			      FATHOM_A_STAT_PAD) ||
	    nla_put_u64_64bit(msg, FATHOM_A_STAT_DROP_RECURSION, recursion,
			      FATHOM_A_STAT_PAD) ||
	    nla_put_u64_64bit(msg, FATHOM_A_STAT_DROP_NMI, nmi,
			      FATHOM_A_STAT_PAD) ||
	    nla_put_u64_64bit(msg, FATHOM_A_STAT_DROP_MAP_FULL, map_full,
			      FATHOM_A_STAT_PAD) ||
	    nla_put_u64_64bit(msg, FATHOM_A_STAT_DROP_RELAY,
			      s->relay ? fathom_relay_lost(s->relay) : 0,
			      FATHOM_A_STAT_PAD) ||
	    nla_put_u64_64bit(msg, FATHOM_A_STAT_PROG_ERRORS, errors,
			      FATHOM_A_STAT_PAD) ||
	    nla_put_u64_64bit(msg, FATHOM_A_STAT_RUNTIME_NS, runtime,
			      FATHOM_A_STAT_PAD))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static int put_probe_stats(struct sk_buff *msg, struct fathom_session *s)
{
	struct nlattr *list, *nest;
	unsigned int i;

	list = nla_nest_start(msg, FATHOM_A_SESSION_PROBE_STATS);
	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < s->nr_probes; i++) {
		struct fathom_probe *p = &s->probes[i];
		const struct fathom_probe_ops *ops =
			fathom_probe_ops_get(p->kind);

		nest = nla_nest_start(msg, FATHOM_A_PROBE);
		if (!nest ||
		    nla_put_u32(msg, FATHOM_A_PROBE_INDEX, i) ||
		    nla_put_u32(msg, FATHOM_A_PROBE_PATH, p->path) ||
		    nla_put_u64_64bit(msg, FATHOM_A_PROBE_HITS,
				      sum_pcpu(p->hits), FATHOM_A_PROBE_PAD) ||
		    nla_put_u64_64bit(msg, FATHOM_A_PROBE_MISSES,
				      p->attached && ops->missed ?
				      ops->missed(p) : 0,
				      FATHOM_A_PROBE_PAD) ||
		    nla_put_u64_64bit(msg, FATHOM_A_PROBE_DROPS,
				      sum_pcpu(p->drops), FATHOM_A_PROBE_PAD))
			return -EMSGSIZE;
		nla_nest_end(msg, nest);
	}
	nla_nest_end(msg, list);

	list = nla_nest_start(msg, FATHOM_A_SESSION_PROG_STATS);
	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < s->nr_progs; i++) {
		struct fathom_sprog *sp = &s->progs[i];
		u64 runs = 0;
		unsigned int j;

		/* a program runs once per hit of each probe that uses it */
		for (j = 0; j < s->nr_probes; j++)
			if (s->probes[j].prog == sp)
				runs += sum_pcpu(s->probes[j].hits);
		nest = nla_nest_start(msg, FATHOM_A_PROG);
		if (!nest ||
		    nla_put_u32(msg, FATHOM_A_PROG_INDEX, i) ||
		    nla_put_u64_64bit(msg, FATHOM_A_PROG_RUNS,
				      runs, FATHOM_A_PROG_PAD) ||
		    nla_put_u64_64bit(msg, FATHOM_A_PROG_ERRORS,
				      atomic64_read(&sp->vm.stats.div_by_zero),
				      FATHOM_A_PROG_PAD))
			return -EMSGSIZE;
		nla_nest_end(msg, nest);
	}
	nla_nest_end(msg, list);
	return 0;
}

static int put_session(struct sk_buff *msg, struct fathom_session *s,
		       bool details)
{
	if (nla_put_u32(msg, FATHOM_A_SESSION_ID, s->id) ||
	    nla_put_u32(msg, FATHOM_A_SESSION_STATE, s->state) ||
	    nla_put_u32(msg, FATHOM_A_SESSION_STOP_REASON, s->stop_reason) ||
	    nla_put_u32(msg, FATHOM_A_SESSION_MODE, s->mode) ||
	    nla_put_u32(msg, FATHOM_A_SESSION_OWNER_PID, s->owner_pid) ||
	    nla_put_u32(msg, FATHOM_A_SESSION_OVERLOAD_PCT, s->overload_pct) ||
	    nla_put_u32(msg, FATHOM_A_SESSION_DEADMAN_MS, s->deadman_ms) ||
	    (s->relay && nla_put_string(msg, FATHOM_A_SESSION_RELAY_DIR,
					fathom_relay_dir(s->relay))))
		return -EMSGSIZE;
	if (put_stats(msg, s))
		return -EMSGSIZE;
	return details ? put_probe_stats(msg, s) : 0;
}

/**
 * fathom_cmd_session_get() - FATHOM_CMD_SESSION_GET: state and counters
 * @skb: request
 * @info: parsed request
 *
 * Return: 0 or a negative errno with an extended-ACK message.
 */
int fathom_cmd_session_get(struct sk_buff *skb, struct genl_info *info)
{
	struct fathom_session *s;
	struct sk_buff *msg;
	size_t size;
	void *hdr;
	int ret;

	mutex_lock(&fathom_sessions_lock);
	s = request_session(info, false);
	if (IS_ERR(s)) {
		ret = PTR_ERR(s);
		goto out;
	}
	/* a generous bound: ~60 bytes per probe, ~40 per program */
	size = NLMSG_GOODSIZE + 80 * (size_t)(s->nr_probes + s->nr_progs);
	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto out;
	}
	hdr = genlmsg_put_reply(msg, info, &fathom_genl_family, 0,
				FATHOM_CMD_SESSION_GET);
	if (!hdr || put_session(msg, s, true)) {
		nlmsg_free(msg);
		ret = -EMSGSIZE;
		goto out;
	}
	genlmsg_end(msg, hdr);
	ret = genlmsg_reply(msg, info);
out:
	mutex_unlock(&fathom_sessions_lock);
	return ret;
}

struct list_ctx {
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

static int list_one(struct fathom_session *s, void *arg)
{
	struct list_ctx *c = arg;
	void *hdr;

	hdr = genlmsg_put(c->skb, NETLINK_CB(c->cb->skb).portid,
			  c->cb->nlh->nlmsg_seq, &fathom_genl_family,
			  NLM_F_MULTI, FATHOM_CMD_SESSION_LIST);
	if (!hdr)
		return -EMSGSIZE;
	if (put_session(c->skb, s, false)) {
		genlmsg_cancel(c->skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(c->skb, hdr);
	c->cb->args[0] = s->id;
	return 0;
}

/**
 * fathom_cmd_session_list() - FATHOM_CMD_SESSION_LIST dump
 * @skb: the message to fill
 * @cb: dump state; args[0] is the last session id sent
 *
 * Return: bytes in @skb, 0 when done.
 */
int fathom_cmd_session_list(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct list_ctx c = { .skb = skb, .cb = cb };

	mutex_lock(&fathom_sessions_lock);
	fathom_session_for_each(cb->args[0] + 1, list_one, &c);
	mutex_unlock(&fathom_sessions_lock);
	return skb->len;
}

struct dump_ctx {
	struct sk_buff *skb;
	u32 entries;		/* put in this message */
};

static int dump_entry(void *arg, u32 cpu, const void *key, u32 key_size,
		      const void *value, u32 value_size)
{
	struct dump_ctx *c = arg;
	struct nlattr *nest;

	nest = nla_nest_start(c->skb, FATHOM_A_MAP_ENTRY);
	if (!nest)
		return -EMSGSIZE;
	if ((cpu != U32_MAX && nla_put_u32(c->skb, FATHOM_A_ENTRY_CPU, cpu)) ||
	    nla_put(c->skb, FATHOM_A_ENTRY_KEY, key_size, key) ||
	    nla_put(c->skb, FATHOM_A_ENTRY_VALUE, value_size, value)) {
		nla_nest_cancel(c->skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(c->skb, nest);
	c->entries++;
	return 0;
}

/**
 * fathom_cmd_map_dump() - FATHOM_CMD_MAP_DUMP dump
 * @skb: the message to fill
 * @cb: dump state; args[0] the CPU, args[1] the slot to resume at,
 *	args[2] set once the map is exhausted
 *
 * Each message carries as many FATHOM_A_MAP_ENTRY nests as fit.
 * Return: bytes in @skb, 0 when done, or a negative errno.
 */
int fathom_cmd_map_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = fathom_genl_dump_attrs(cb);
	struct nlattr *sid = attrs[FATHOM_A_SESSION_ID];
	struct nlattr *mid = attrs[FATHOM_A_MAP_ID];
	struct fathom_map_cursor cur = {
		.cpu = cb->args[0],
		.slot = cb->args[1],
	};
	struct dump_ctx c = { .skb = skb };
	struct fathom_session *s;
	void *hdr;
	u32 map;
	int ret;

	if (cb->args[2])
		return 0;	/* the map was exhausted in the last message */
	if (!sid || !mid) {
		NL_SET_ERR_MSG(cb->extack, "MAP_DUMP needs a session and a map id");
		return -EINVAL;
	}
	mutex_lock(&fathom_sessions_lock);
	s = fathom_session_find(nla_get_u32(sid));
	map = nla_get_u32(mid);
	if (!s) {
		NL_SET_ERR_MSG_ATTR(cb->extack, sid, "no such session");
		ret = -ENOENT;
		goto out;
	}
	if (!map || map > s->nr_maps) {
		NL_SET_ERR_MSG_ATTR(cb->extack, mid, "no such map");
		ret = -ENOENT;
		goto out;
	}
	if (s->owner_portid == NETLINK_CB(cb->skb).portid)
		s->last_heard = jiffies;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &fathom_genl_family, NLM_F_MULTI,
			  FATHOM_CMD_MAP_DUMP);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto out;
	}
	if (nla_put_u32(skb, FATHOM_A_SESSION_ID, s->id) ||
	    nla_put_u32(skb, FATHOM_A_MAP_ID, map)) {
		genlmsg_cancel(skb, hdr);
		ret = -EMSGSIZE;
		goto out;
	}
	ret = fathom_map_dump(s->maps[map - 1], &cur, dump_entry, &c);
	if (ret && !c.entries) {
		/* Never: the start callback sized messages for any entry. */
		genlmsg_cancel(skb, hdr);
		if (ret == -EMSGSIZE)
			NL_SET_ERR_MSG(cb->extack,
				       "map entry larger than a dump message");
		goto out;
	}
	cb->args[0] = cur.cpu;
	cb->args[1] = cur.slot;
	cb->args[2] = !ret;
	genlmsg_end(skb, hdr);
	ret = skb->len;
out:
	mutex_unlock(&fathom_sessions_lock);
	return ret;
}

/**
 * fathom_cmd_map_clear() - FATHOM_CMD_MAP_CLEAR: empty or zero one map
 * @skb: request
 * @info: parsed request
 *
 * A running session is paused for the clear: its probes skip their
 * programs for that moment, and no hit is in flight while the map changes.
 * Return: 0 or a negative errno with an extended-ACK message.
 */
int fathom_cmd_map_clear(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *mid = info->attrs[FATHOM_A_MAP_ID];
	struct nlattr *fa = info->attrs[FATHOM_A_MAP_CLEAR_FLAGS];
	struct fathom_session *s;
	u32 flags = fa ? nla_get_u32(fa) : 0;
	bool running;
	int ret = 0;
	u32 map;

	if (flags & ~__FATHOM_MAP_CLEAR_F_ALL) {
		NL_SET_ERR_MSG_ATTR(info->extack, fa, "unknown clear flags");
		return -EOPNOTSUPP;
	}
	mutex_lock(&fathom_sessions_lock);
	s = request_session(info, true);
	if (IS_ERR(s)) {
		ret = PTR_ERR(s);
		goto out;
	}
	map = mid ? nla_get_u32(mid) : 0;
	if (!map || map > s->nr_maps) {
		NL_SET_ERR_MSG_ATTR(info->extack, mid, "no such map");
		ret = -ENOENT;
		goto out;
	}
	running = s->state == FATHOM_STATE_RUNNING;
	if (running) {
		WRITE_ONCE(s->armed, false);
		synchronize_rcu();	/* hits run with preemption disabled */
	}
	fathom_map_clear(s->maps[map - 1], flags & FATHOM_MAP_CLEAR_F_ZERO);
	if (running)
		WRITE_ONCE(s->armed, true);
out:
	mutex_unlock(&fathom_sessions_lock);
	return ret;
}

/**
 * fathom_cmd_snapshot() - FATHOM_CMD_SNAPSHOT: freeze a flight recorder
 * @skb: request
 * @info: parsed request
 *
 * Any privileged caller may freeze any session (the flight recorder is
 * read by another process). The session stops with reason SNAPSHOT and its
 * relay buffers become readable.
 * Return: 0 or a negative errno with an extended-ACK message.
 */
int fathom_cmd_snapshot(struct sk_buff *skb, struct genl_info *info)
{
	struct fathom_session *s;
	int ret;

	mutex_lock(&fathom_sessions_lock);
	s = request_session(info, false);
	if (IS_ERR(s)) {
		ret = PTR_ERR(s);
		goto out;
	}
	if (s->mode != FATHOM_MODE_FLIGHT) {
		NL_SET_ERR_MSG(info->extack,
			       "SNAPSHOT is for flight-recorder sessions");
		ret = -EINVAL;
		goto out;
	}
	fathom_session_stop(s, FATHOM_STOP_SNAPSHOT);
	ret = fathom_relay_snapshot(s->relay);
out:
	mutex_unlock(&fathom_sessions_lock);
	return ret;
}
