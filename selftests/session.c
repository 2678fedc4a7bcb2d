// SPDX-License-Identifier: GPL-2.0-only
/*
 * Sessions against the real module: hand-assembled programs on kprobes and
 * kretprobes with exact counts, aggregation math, shared maps across
 * probes, bad input refused with nothing left registered, and lifetime
 * (a killed owner, rmmod with a live session, create/destroy cycles).
 *
 * The probed function is the getppid syscall entry: nothing else in the
 * guest calls it, and the tests call it exactly as often as they count.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fathom.h>

#include "kselftest_harness.h"
#include "api.h"
#include "common.h"
#include "ksyms.h"
#include "relay.h"
#include "prog.h"

#define SYSCALL_FN "__x64_sys_getppid"

/* Probe flags for create_one(); variants set them. */
static uint32_t g_probe_flags;

static void call_getppid(unsigned int n)
{
	while (n--)
		syscall(SYS_getppid);
}

/* Two processes calling getppid in a loop: both CPUs busy on the probe. */
static void busy_start(pid_t busy[2])
{
	int i;

	for (i = 0; i < 2; i++) {
		busy[i] = fork();
		if (busy[i] == 0)
			for (;;)
				call_getppid(1000);
	}
}

static void busy_stop(pid_t busy[2])
{
	int i;

	for (i = 0; i < 2; i++) {
		kill(busy[i], SIGKILL);
		waitpid(busy[i], NULL, 0);
	}
}

/* count into map 1, key 0, for this process only */
static void build_count(struct prog *p)
{
	memset(p, 0, sizeof(*p));
	prog_filter_pid(p, getpid());
	prog_count_key0(p, 1);
	prog_finish(p);
}

struct totals {
	uint64_t sum; /* of the first u64 of every value */
	unsigned int entries;
	uint64_t key; /* key of the last entry */
};

static void add_entry(uint32_t cpu, const void *key, uint32_t key_size,
		      const void *value, uint32_t value_size, void *arg)
{
	struct totals *t = arg;
	uint64_t v = 0, k = 0;

	memcpy(&v, value, value_size < 8 ? value_size : 8);
	memcpy(&k, key, key_size < 8 ? key_size : 8);
	t->sum += v;
	t->entries++;
	t->key = k;
}

static struct totals map_totals(struct fathom_nl *nl, uint32_t sid,
				uint32_t map)
{
	struct totals t = { 0 };

	if (fathom_map_dump(nl, sid, map, add_entry, &t))
		t.entries = ~0U;
	return t;
}

FIXTURE(session)
{
	struct fathom_nl nl;
	uint32_t sid;
};

FIXTURE_SETUP(session)
{
	ASSERT_EQ(0, fathom_nl_open(&self->nl)) TH_LOG("is fathom.ko loaded?");
	self->sid = 0;
	g_probe_flags = 0;
	ASSERT_EQ(0, getppid_probed()) TH_LOG("probe lists unreadable or busy");
}

FIXTURE_TEARDOWN(session)
{
	if (self->sid)
		fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_DESTROY,
				   self->sid);
	/* nothing of ours stays registered */
	EXPECT_EQ(0, getppid_probed());
	fathom_nl_close(&self->nl);
}

static const struct fathom_map_spec count_map = {
	.kind = FATHOM_MAP_COUNT,
	.key_size = 8,
	.max_entries = 64,
};

static int create_one(struct fathom_nl *nl, const struct prog *p, uint32_t kind,
		      const char *sym, const struct fathom_map_spec *maps,
		      uint32_t nr_maps, struct fathom_create_result *res)
{
	struct fathom_prog_spec ps = { .insns = p->insn, .len = p->len };
	struct fathom_probe_spec pr = { .kind = kind,
					.symbol = sym,
					.flags = g_probe_flags };
	struct fathom_session_spec spec = {
		.progs = &ps,
		.nr_progs = 1,
		.maps = maps,
		.nr_maps = nr_maps,
		.probes = &pr,
		.nr_probes = 1,
	};

	/* give the address too: entry probes then use the ftrace path */
	if (kind == FATHOM_PROBE_KPROBE && fathom_ksym_addr(sym, &pr.addr))
		pr.addr = 0;
	return fathom_session_create(nl, &spec, res);
}

static void counts_exactly(struct __test_metadata *_metadata,
			   FIXTURE_DATA(session) * self, uint32_t path)
{
	struct fathom_create_result res;
	struct fathom_session_info info;
	struct prog p;
	struct totals t;

	build_count(&p);
	ASSERT_EQ(0, create_one(&self->nl, &p, FATHOM_PROBE_KPROBE, SYSCALL_FN,
				&count_map, 1, &res))
	TH_LOG("%s", self->nl.errmsg);
	self->sid = res.session_id;
	EXPECT_NE(0, res.session_id);
	EXPECT_NE(0, strlen(res.relay_dir));
	EXPECT_EQ(1, getppid_probed());

	/* created, not started: nothing counts */
	call_getppid(100);
	t = map_totals(&self->nl, self->sid, 1);
	EXPECT_EQ(0, t.entries);

	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	call_getppid(1000);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	call_getppid(100); /* stopped: not counted */

	t = map_totals(&self->nl, self->sid, 1);
	EXPECT_EQ(1000, t.sum);
	EXPECT_LE(1, t.entries); /* one per CPU the test ran on */
	EXPECT_GE(2, t.entries);
	EXPECT_EQ(0, t.key);

	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	EXPECT_EQ(FATHOM_STATE_STOPPED, info.state);
	EXPECT_EQ(FATHOM_STOP_USER, info.stop_reason);
	EXPECT_LE(1000, info.stats.hits);
	EXPECT_EQ(1, info.nr_probes);
	EXPECT_LE(1000, info.probes[0].hits);
	EXPECT_EQ(path, info.probes[0].path);
	EXPECT_EQ(1, info.nr_progs);
	EXPECT_EQ(info.probes[0].hits, info.progs[0].runs);
	EXPECT_EQ(0, info.stats.drop_recursion);
	EXPECT_EQ(0, info.stats.prog_errors);
	fathom_session_info_free(&info);

	/* restart counts on top */
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	EXPECT_EQ(-EBUSY,
		  fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
				     self->sid));
	call_getppid(24);
	t = map_totals(&self->nl, self->sid, 1);
	EXPECT_EQ(1024, t.sum);
}

/* Entry probes given an address run on the ftrace_ops fast path... */
TEST_F(session, entry_probe_ftrace_counts_exactly)
{
	counts_exactly(_metadata, self, FATHOM_PROBE_PATH_FTRACE);
}

/* ...and on a kprobe when asked to, with the same results. */
TEST_F(session, entry_probe_kprobe_counts_exactly)
{
	g_probe_flags = FATHOM_PROBE_F_NO_FTRACE;
	counts_exactly(_metadata, self, FATHOM_PROBE_PATH_KPROBE);
}

/*
 * A program that starts "call get_pid; if r0 != PID goto exit" (what the
 * compiler makes of /pid == PID/) is filtered natively before the
 * interpreter: the count must stay exact with other processes hitting the
 * probe, and rejected hits still count as runs.
 */
TEST_F(session, native_prefilter_counts_exactly)
{
	struct fathom_create_result res;
	struct fathom_session_info info;
	struct prog p;
	pid_t busy[2];
	struct totals t;

	memset(&p, 0, sizeof(p));
	prog_add(&p, FATHOM_CALL_HELPER(FATHOM_HELPER_GET_PID));
	prog_exit_if(&p, FATHOM_JNE, 0, getpid());
	prog_count_key0(&p, 1);
	prog_finish(&p);
	ASSERT_EQ(0, create_one(&self->nl, &p, FATHOM_PROBE_KPROBE, SYSCALL_FN,
				&count_map, 1, &res))
	TH_LOG("%s", self->nl.errmsg);
	self->sid = res.session_id;
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	busy_start(busy);
	call_getppid(1234);
	busy_stop(busy);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	t = map_totals(&self->nl, self->sid, 1);
	EXPECT_EQ(1234, t.sum);
	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	EXPECT_LT(1234, info.probes[0].hits); /* the busy children's too */
	EXPECT_EQ(info.probes[0].hits, info.progs[0].runs);
	EXPECT_EQ(0, info.stats.prog_errors);
	fathom_session_info_free(&info);
}

/* kprobes by address, and at an offset inside the function. */
TEST_F(session, kprobe_by_address_and_offset)
{
	struct fathom_create_result res;
	struct fathom_prog_spec ps;
	struct fathom_probe_spec pr = { .kind = FATHOM_PROBE_KPROBE };
	struct fathom_session_spec spec = { 0 };
	struct fathom_session_info info;
	uint64_t addr;
	struct prog p;
	int off, ret = -1;

	build_count(&p);
	ASSERT_EQ(0, fathom_ksym_addr(SYSCALL_FN, &addr));
	ps = (struct fathom_prog_spec){ .insns = p.insn, .len = p.len };
	spec.progs = &ps;
	spec.nr_progs = 1;
	spec.maps = &count_map;
	spec.nr_maps = 1;
	spec.probes = &pr;
	spec.nr_probes = 1;

	/* an address alone: always a kprobe */
	pr.addr = addr;
	ASSERT_EQ(0, fathom_session_create(&self->nl, &spec, &res))
	TH_LOG("%s", self->nl.errmsg);
	self->sid = res.session_id;
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	call_getppid(300);
	EXPECT_EQ(300, map_totals(&self->nl, self->sid, 1).sum);
	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	EXPECT_EQ(FATHOM_PROBE_PATH_KPROBE, info.probes[0].path);
	fathom_session_info_free(&info);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_DESTROY,
					self->sid));
	self->sid = 0;

	/*
	 * symbol+offset: the first offset that is an instruction boundary
	 * (the module refuses the others); the short prologue runs on every
	 * call, so the count is exact there too
	 */
	pr.addr = 0;
	pr.symbol = SYSCALL_FN;
	for (off = 1; off < 16 && ret; off++) {
		pr.offset = off;
		ret = fathom_session_create(&self->nl, &spec, &res);
		if (ret)
			EXPECT_TRUE(ret == -EILSEQ || ret == -EINVAL)
		TH_LOG("offset %d: %d %s", off, ret, self->nl.errmsg);
	}
	ASSERT_EQ(0, ret);
	self->sid = res.session_id;
	TH_LOG("probing %s+%d", SYSCALL_FN, off - 1);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	call_getppid(300);
	EXPECT_EQ(300, map_totals(&self->nl, self->sid, 1).sum);
}

TEST_F(session, kretprobe_sees_return_values)
{
	struct fathom_create_result res;
	struct fathom_session_info info;
	struct prog p;
	struct totals t;

	memset(&p, 0, sizeof(p));
	prog_filter_pid(&p, getpid());
	prog_add(&p, FATHOM_CALL_HELPER(FATHOM_HELPER_GET_RETVAL));
	prog_store(&p, -8, 0);
	prog_add(&p, FATHOM_MOV64_IMM(6, 1));
	prog_aggregate(&p, 1, 6);
	prog_finish(&p);

	ASSERT_EQ(0, create_one(&self->nl, &p, FATHOM_PROBE_KRETPROBE,
				SYSCALL_FN, &count_map, 1, &res))
	TH_LOG("%s", self->nl.errmsg);
	self->sid = res.session_id;
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	call_getppid(500);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	t = map_totals(&self->nl, self->sid, 1);
	EXPECT_EQ(500, t.sum);
	EXPECT_EQ((uint64_t)getppid(), t.key);

	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	EXPECT_EQ(FATHOM_PROBE_PATH_KRETPROBE, info.probes[0].path);
	EXPECT_EQ(0, info.probes[0].misses);
	fathom_session_info_free(&info);
}

/*
 * Aggregations with known inputs: the program reads the value to
 * aggregate from this process's memory (probe_read_user of g_value) at
 * every getppid, and folds it into one map of each kind.
 */
static volatile int64_t g_value;

enum { M_COUNT = 1, M_SUM, M_MIN, M_MAX, M_AVG, M_STATS, M_HIST, M_LHIST };

static const struct fathom_map_spec agg_maps[] = {
	{ .kind = FATHOM_MAP_COUNT, .key_size = 8, .max_entries = 8 },
	{ .kind = FATHOM_MAP_SUM, .key_size = 8, .max_entries = 8 },
	{ .kind = FATHOM_MAP_MIN, .key_size = 8, .max_entries = 8 },
	{ .kind = FATHOM_MAP_MAX, .key_size = 8, .max_entries = 8 },
	{ .kind = FATHOM_MAP_AVG, .key_size = 8, .max_entries = 8 },
	{ .kind = FATHOM_MAP_STATS, .key_size = 8, .max_entries = 8 },
	{ .kind = FATHOM_MAP_HIST, .key_size = 8, .max_entries = 8 },
	{ .kind = FATHOM_MAP_LHIST,
	  .key_size = 8,
	  .max_entries = 8,
	  .lhist_min = 0,
	  .lhist_max = 100,
	  .lhist_step = 10 },
};

struct merged {
	int64_t v[1024];
	unsigned int n;
	uint32_t kind;
	bool seen;
};

static void merge_entry(uint32_t cpu, const void *key, uint32_t key_size,
			const void *value, uint32_t value_size, void *arg)
{
	struct merged *m = arg;
	const int64_t *v = value;
	unsigned int i, n = value_size / 8;

	if (!m->seen) {
		memcpy(m->v, v, value_size);
		m->n = n;
		m->seen = true;
		return;
	}
	switch (m->kind) {
	case FATHOM_MAP_MIN:
		if (v[0] < m->v[0])
			m->v[0] = v[0];
		break;
	case FATHOM_MAP_MAX:
		if (v[0] > m->v[0])
			m->v[0] = v[0];
		break;
	case FATHOM_MAP_STATS: /* count, sum, min, max */
		m->v[0] += v[0];
		m->v[1] += v[1];
		if (v[2] < m->v[2])
			m->v[2] = v[2];
		if (v[3] > m->v[3])
			m->v[3] = v[3];
		break;
	default: /* count, sum, avg {sum, count}, hist, lhist: add */
		for (i = 0; i < n; i++)
			m->v[i] += v[i];
	}
}

TEST_F(session, aggregations_exact)
{
	static const int64_t values[] = { 5,  -3,  0,	1,  1, 7,	64,
					  99, 100, 250, 10, 9, 1000000, -1000 };
	struct fathom_create_result res;
	struct fathom_prog_spec ps;
	struct fathom_probe_spec pr = { .kind = FATHOM_PROBE_KPROBE,
					.symbol = SYSCALL_FN };
	struct fathom_session_spec spec = { 0 };
	int64_t count = 0, sum = 0, min = INT64_MAX, max = INT64_MIN;
	uint64_t hist[FATHOM_HIST_BUCKETS] = { 0 }, lhist[12] = { 0 };
	struct merged m;
	struct totals t;
	struct prog p;
	unsigned int i, map;

	memset(&p, 0, sizeof(p));
	prog_filter_pid(&p, getpid());
	/* probe_read_user(fp - 16, 8, &g_value); r6 = *(fp - 16) */
	prog_add(&p, FATHOM_MOV64_REG(1, FATHOM_REG_FP));
	prog_add(&p, FATHOM_ALU64_IMM(FATHOM_ADD, 1, -16));
	prog_add(&p, FATHOM_MOV64_IMM(2, 8));
	prog_ld64(&p, 3, (uintptr_t)&g_value);
	prog_add(&p, FATHOM_CALL_HELPER(FATHOM_HELPER_PROBE_READ_USER));
	prog_exit_if(&p, FATHOM_JNE, 0, 0);
	prog_add(&p, FATHOM_LDX_MEM(FATHOM_DW, 6, FATHOM_REG_FP, -16));
	prog_add(&p, FATHOM_ST_MEM(FATHOM_DW, FATHOM_REG_FP, -8, 0));
	for (map = M_COUNT; map <= M_LHIST; map++)
		prog_aggregate(&p, map, 6);
	prog_finish(&p);

	ps.insns = p.insn;
	ps.len = p.len;
	ps.name = "agg";
	spec.progs = &ps;
	spec.nr_progs = 1;
	spec.maps = agg_maps;
	spec.nr_maps = sizeof(agg_maps) / sizeof(agg_maps[0]);
	spec.probes = &pr;
	spec.nr_probes = 1;
	ASSERT_EQ(0, fathom_session_create(&self->nl, &spec, &res))
	TH_LOG("%s (prog %d insn %d: %s)", self->nl.errmsg, res.verifier_prog,
	       res.verifier_insn, res.verifier_log);
	self->sid = res.session_id;
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		int64_t v = values[i];
		unsigned int b;

		g_value = v;
		call_getppid(1);
		count++;
		sum += v;
		min = v < min ? v : min;
		max = v > max ? v : max;
		if (v < 0)
			b = 0;
		else if (v == 0)
			b = 1;
		else
			b = 2 + (63 - __builtin_clzll((uint64_t)v));
		hist[b]++;
		lhist[v < 0 ? 0 : v >= 100 ? 11 : 1 + v / 10]++;
	}
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));

	for (map = M_COUNT; map <= M_LHIST; map++) {
		memset(&m, 0, sizeof(m));
		m.kind = agg_maps[map - 1].kind;
		ASSERT_EQ(0, fathom_map_dump(&self->nl, self->sid, map,
					     merge_entry, &m));
		ASSERT_TRUE(m.seen) TH_LOG("map %u has no entry", map);
		switch (m.kind) {
		case FATHOM_MAP_COUNT:
			EXPECT_EQ(count, m.v[0]);
			break;
		case FATHOM_MAP_SUM:
			EXPECT_EQ(sum, m.v[0]);
			break;
		case FATHOM_MAP_MIN:
			EXPECT_EQ(min, m.v[0]);
			break;
		case FATHOM_MAP_MAX:
			EXPECT_EQ(max, m.v[0]);
			break;
		case FATHOM_MAP_AVG:
			EXPECT_EQ(sum, m.v[0]);
			EXPECT_EQ(count, m.v[1]);
			break;
		case FATHOM_MAP_STATS:
			EXPECT_EQ(count, m.v[0]);
			EXPECT_EQ(sum, m.v[1]);
			EXPECT_EQ(min, m.v[2]);
			EXPECT_EQ(max, m.v[3]);
			break;
		case FATHOM_MAP_HIST:
			ASSERT_EQ(FATHOM_HIST_BUCKETS, m.n);
			for (i = 0; i < FATHOM_HIST_BUCKETS; i++)
				EXPECT_EQ(hist[i], (uint64_t)m.v[i])
			TH_LOG("hist bucket %u", i);
			break;
		case FATHOM_MAP_LHIST:
			ASSERT_EQ(12, m.n);
			for (i = 0; i < 12; i++)
				EXPECT_EQ(lhist[i], (uint64_t)m.v[i])
			TH_LOG("lhist bucket %u", i);
			break;
		}
	}

	/* zero keeps the key with zero values; clear empties */
	ASSERT_EQ(0, fathom_map_clear(&self->nl, self->sid, M_SUM,
				      FATHOM_MAP_CLEAR_F_ZERO));
	t = map_totals(&self->nl, self->sid, M_SUM);
	EXPECT_LE(1, t.entries);
	EXPECT_EQ(0, t.sum);
	ASSERT_EQ(0, fathom_map_clear(&self->nl, self->sid, M_SUM, 0));
	EXPECT_EQ(0, map_totals(&self->nl, self->sid, M_SUM).entries);
	EXPECT_EQ(-ENOENT, fathom_map_clear(&self->nl, self->sid, 99, 0));
}

/*
 * @start[tid] = nsecs at entry; at return, look it up, add the delta to a
 * SUM map and count: a shared map read in another probe.
 */
TEST_F(session, shared_map_across_probes)
{
	static const struct fathom_map_spec maps[] = {
		{ .kind = FATHOM_MAP_HASH,
		  .key_size = 8,
		  .value_size = 8,
		  .max_entries = 1024 },
		{ .kind = FATHOM_MAP_COUNT, .key_size = 8, .max_entries = 8 },
	};
	struct fathom_prog_spec ps[2];
	struct fathom_probe_spec pr[2] = {
		{ .kind = FATHOM_PROBE_KPROBE, .symbol = SYSCALL_FN, .prog = 0 },
		{ .kind = FATHOM_PROBE_KRETPROBE,
		  .symbol = SYSCALL_FN,
		  .prog = 1 },
	};
	struct fathom_session_spec spec = { 0 };
	struct fathom_create_result res;
	struct prog entry, ret;
	struct totals t;
	pid_t busy[2];

	/* entry: key = tid, value = ktime; map_update(1, fp-8, fp-16) */
	memset(&entry, 0, sizeof(entry));
	prog_filter_pid(&entry, getpid());
	prog_add(&entry, FATHOM_CALL_HELPER(FATHOM_HELPER_GET_TID));
	prog_store(&entry, -8, 0);
	prog_add(&entry, FATHOM_CALL_HELPER(FATHOM_HELPER_KTIME_NS));
	prog_store(&entry, -16, 0);
	prog_add(&entry, FATHOM_MOV64_IMM(1, 1));
	prog_add(&entry, FATHOM_MOV64_REG(2, FATHOM_REG_FP));
	prog_add(&entry, FATHOM_ALU64_IMM(FATHOM_ADD, 2, -8));
	prog_add(&entry, FATHOM_MOV64_REG(3, FATHOM_REG_FP));
	prog_add(&entry, FATHOM_ALU64_IMM(FATHOM_ADD, 3, -16));
	prog_add(&entry, FATHOM_CALL_HELPER(FATHOM_HELPER_MAP_UPDATE));
	prog_finish(&entry);

	/* return: lookup; if found and now >= start, count it; delete */
	memset(&ret, 0, sizeof(ret));
	prog_filter_pid(&ret, getpid());
	prog_add(&ret, FATHOM_CALL_HELPER(FATHOM_HELPER_GET_TID));
	prog_store(&ret, -8, 0);
	prog_add(&ret, FATHOM_MOV64_IMM(1, 1));
	prog_add(&ret, FATHOM_MOV64_REG(2, FATHOM_REG_FP));
	prog_add(&ret, FATHOM_ALU64_IMM(FATHOM_ADD, 2, -8));
	prog_add(&ret, FATHOM_MOV64_REG(3, FATHOM_REG_FP));
	prog_add(&ret, FATHOM_ALU64_IMM(FATHOM_ADD, 3, -16));
	prog_add(&ret, FATHOM_CALL_HELPER(FATHOM_HELPER_MAP_LOOKUP));
	prog_exit_if(&ret, FATHOM_JNE, 0, 0);
	prog_add(&ret, FATHOM_CALL_HELPER(FATHOM_HELPER_KTIME_NS));
	prog_add(&ret, FATHOM_LDX_MEM(FATHOM_DW, 1, FATHOM_REG_FP, -16));
	prog_exit_if_reg(&ret, FATHOM_JLT, 0, 1);
	prog_add(&ret, FATHOM_MOV64_IMM(1, 1));
	prog_add(&ret, FATHOM_MOV64_REG(2, FATHOM_REG_FP));
	prog_add(&ret, FATHOM_ALU64_IMM(FATHOM_ADD, 2, -8));
	prog_add(&ret, FATHOM_CALL_HELPER(FATHOM_HELPER_MAP_DELETE));
	prog_add(&ret, FATHOM_ST_MEM(FATHOM_DW, FATHOM_REG_FP, -8, 0));
	prog_add(&ret, FATHOM_MOV64_IMM(6, 1));
	prog_aggregate(&ret, 2, 6);
	prog_finish(&ret);

	ps[0] = (struct fathom_prog_spec){ .insns = entry.insn,
					   .len = entry.len };
	ps[1] = (struct fathom_prog_spec){ .insns = ret.insn, .len = ret.len };
	spec.progs = ps;
	spec.nr_progs = 2;
	spec.maps = maps;
	spec.nr_maps = 2;
	spec.probes = pr;
	spec.nr_probes = 2;
	/* entry on the ftrace path, return on a kretprobe */
	ASSERT_EQ(0, fathom_ksym_addr(SYSCALL_FN, &pr[0].addr));
	ASSERT_EQ(0, fathom_session_create(&self->nl, &spec, &res))
	TH_LOG("%s (prog %d insn %d: %s)", self->nl.errmsg, res.verifier_prog,
	       res.verifier_insn, res.verifier_log);
	self->sid = res.session_id;

	/* both CPUs busy while it runs */
	busy_start(busy);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	call_getppid(2000);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	busy_stop(busy);
	t = map_totals(&self->nl, self->sid, 2);
	EXPECT_EQ(2000, t.sum);
	/* every start was deleted at return */
	EXPECT_EQ(0, map_totals(&self->nl, self->sid, 1).entries);
}

TEST_F(session, verifier_rejection_reported)
{
	struct fathom_create_result res;
	struct prog good, bad;
	struct fathom_prog_spec ps[2];
	struct fathom_probe_spec pr = { .kind = FATHOM_PROBE_KPROBE,
					.symbol = SYSCALL_FN };
	struct fathom_session_spec spec = { 0 };
	int ret;

	build_count(&good);
	memset(&bad, 0, sizeof(bad));
	prog_add(&bad, FATHOM_MOV64_IMM(0, 1));
	prog_add(&bad, FATHOM_ALU64_REG(FATHOM_ADD, 0, 4)); /* r4 unset */
	prog_add(&bad, FATHOM_EXIT_INSN());

	ps[0] = (struct fathom_prog_spec){ .insns = good.insn,
					   .len = good.len };
	ps[1] = (struct fathom_prog_spec){ .insns = bad.insn, .len = bad.len };
	spec.progs = ps;
	spec.nr_progs = 2;
	spec.maps = &count_map;
	spec.nr_maps = 1;
	spec.probes = &pr;
	spec.nr_probes = 1;
	spec.no_local_verify = 1; /* the module's answer is under test */
	ret = fathom_session_create(&self->nl, &spec, &res);
	EXPECT_GT(0, ret);
	EXPECT_NE(-EPERM, ret);
	EXPECT_EQ(1, res.verifier_prog);
	EXPECT_EQ(1, res.verifier_insn);
	EXPECT_NE(NULL, strstr(res.verifier_log, "R4"))
	TH_LOG("log: '%s'", res.verifier_log);
	EXPECT_NE(NULL, strstr(self->nl.errmsg, "verifier"));
	EXPECT_EQ(0, res.session_id);
}

TEST_F(session, unknown_symbol_refused)
{
	struct fathom_create_result res;
	struct prog p;
	struct fathom_prog_spec ps;
	struct fathom_probe_spec pr[2] = {
		{ .kind = FATHOM_PROBE_KPROBE, .symbol = SYSCALL_FN },
		{ .kind = FATHOM_PROBE_KPROBE,
		  .symbol = "fathom_no_such_function_xyz" },
	};
	struct fathom_session_spec spec = { 0 };

	build_count(&p);
	ps = (struct fathom_prog_spec){ .insns = p.insn, .len = p.len };
	spec.progs = &ps;
	spec.nr_progs = 1;
	spec.maps = &count_map;
	spec.nr_maps = 1;
	spec.probes = pr;
	spec.nr_probes = 2;
	EXPECT_EQ(-ENOENT, fathom_session_create(&self->nl, &spec, &res));
	EXPECT_EQ(1, res.failed_probe);
	EXPECT_NE(NULL, strstr(self->nl.errmsg, "not found"))
	TH_LOG("'%s'", self->nl.errmsg);
	EXPECT_EQ(0, getppid_probed());
}

TEST_F(session, blacklisted_symbol_refused)
{
	struct fathom_create_result res;
	char line[256], sym[128] = "";
	struct prog p;
	FILE *f = fopen("/sys/kernel/debug/kprobes/blacklist", "re");

	ASSERT_NE(NULL, f);
	/* "0xstart-0xend\tsymbol" lines */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %127s", sym) == 1 && !strchr(sym, '['))
			break;
	fclose(f);
	ASSERT_NE(0, strlen(sym));
	build_count(&p);
	EXPECT_EQ(-EINVAL, create_one(&self->nl, &p, FATHOM_PROBE_KPROBE, sym,
				      &count_map, 1, &res))
	TH_LOG("symbol %s", sym);
	EXPECT_EQ(0, res.failed_probe);
	EXPECT_NE(NULL, strstr(self->nl.errmsg, "cannot be probed"))
	TH_LOG("'%s'", self->nl.errmsg);
}

TEST_F(session, bad_specs_refused)
{
	struct fathom_create_result res;
	struct fathom_map_spec bad_map = count_map;
	struct fathom_prog_spec ps;
	struct fathom_probe_spec pr = { .kind = FATHOM_PROBE_KRETPROBE,
					.symbol = SYSCALL_FN,
					.offset = 4 };
	struct fathom_session_spec spec = {
		.progs = &ps,
		.nr_progs = 1,
		.maps = &count_map,
		.nr_maps = 1,
		.probes = &pr,
		.nr_probes = 1,
	};
	struct prog p;

	build_count(&p);
	ps = (struct fathom_prog_spec){ .insns = p.insn, .len = p.len };
	bad_map.key_size = 0;
	EXPECT_EQ(-EINVAL, create_one(&self->nl, &p, FATHOM_PROBE_KPROBE,
				      SYSCALL_FN, &bad_map, 1, &res));
	EXPECT_NE(0, strlen(self->nl.errmsg));

	bad_map = count_map;
	bad_map.max_entries = 1 << 30; /* over max_map_entries */
	EXPECT_EQ(-EINVAL, create_one(&self->nl, &p, FATHOM_PROBE_KPROBE,
				      SYSCALL_FN, &bad_map, 1, &res));

	bad_map = count_map;
	bad_map.kind = 200; /* not a kind: the policy's range refuses it */
	EXPECT_EQ(-ERANGE, create_one(&self->nl, &p, FATHOM_PROBE_KPROBE,
				      SYSCALL_FN, &bad_map, 1, &res));

	/* maps beyond the module's max_session_bytes (64 MiB by default) */
	{
		struct fathom_map_spec big[8];
		int m;

		for (m = 0; m < 8; m++)
			big[m] = (struct fathom_map_spec){
				.kind = FATHOM_MAP_HIST,
				.key_size = 8,
				.max_entries = 10240,
			};
		EXPECT_EQ(-E2BIG, create_one(&self->nl, &p, FATHOM_PROBE_KPROBE,
					     SYSCALL_FN, big, 8, &res));
		EXPECT_NE(NULL, strstr(self->nl.errmsg, "max_session_bytes"))
		TH_LOG("'%s'", self->nl.errmsg);
	}

	/* a program longer than FATHOM_MAX_INSNS, straight to the module */
	{
		static struct fathom_insn huge[FATHOM_MAX_INSNS + 1];
		struct fathom_prog_spec hs = { .insns = huge,
					       .len = FATHOM_MAX_INSNS + 1 };
		struct fathom_probe_spec hp = { .kind = FATHOM_PROBE_KPROBE,
						.symbol = SYSCALL_FN };
		struct fathom_session_spec hspec = {
			.progs = &hs,
			.nr_progs = 1,
			.probes = &hp,
			.nr_probes = 1,
			.no_local_verify = 1,
		};

		EXPECT_EQ(-EINVAL,
			  fathom_session_create(&self->nl, &hspec, &res));
		EXPECT_NE(NULL, strstr(self->nl.errmsg, "FATHOM_MAX_INSNS"))
		TH_LOG("'%s'", self->nl.errmsg);
	}

	/* the program uses map 1 but there is none */
	EXPECT_GT(0, create_one(&self->nl, &p, FATHOM_PROBE_KPROBE, SYSCALL_FN,
				NULL, 0, &res));
	EXPECT_EQ(0, res.verifier_prog);

	/* a kretprobe with an offset */
	EXPECT_EQ(-EINVAL, fathom_session_create(&self->nl, &spec, &res));
	EXPECT_NE(NULL, strstr(self->nl.errmsg, "offset"));

	/* a probe naming a program that does not exist */
	pr.offset = 0;
	pr.prog = 3;
	EXPECT_EQ(-EINVAL, fathom_session_create(&self->nl, &spec, &res));
	EXPECT_EQ(-ENOENT, fathom_session_cmd(&self->nl,
					      FATHOM_CMD_SESSION_START, 12345));
}

TEST_F(session, other_socket_cannot_control)
{
	struct fathom_create_result res;
	struct fathom_session_info info;
	struct fathom_nl other;
	struct prog p;

	build_count(&p);
	ASSERT_EQ(0, create_one(&self->nl, &p, FATHOM_PROBE_KPROBE, SYSCALL_FN,
				&count_map, 1, &res));
	self->sid = res.session_id;
	ASSERT_EQ(0, fathom_nl_open(&other));
	EXPECT_EQ(-EPERM, fathom_session_cmd(&other, FATHOM_CMD_SESSION_START,
					     self->sid));
	EXPECT_EQ(-EPERM, fathom_session_cmd(&other, FATHOM_CMD_SESSION_DESTROY,
					     self->sid));
	/* but may look */
	EXPECT_EQ(0, fathom_session_get(&other, self->sid, &info));
	EXPECT_EQ((uint32_t)getpid(), info.owner_pid);
	fathom_session_info_free(&info);
	fathom_nl_close(&other);
}

/*
 * Relay: the program emits { magic, g_value } at every getppid; the test
 * sets g_value to 0, 1, 2, ... and reads the records back.
 */
#define EMIT_MAGIC 0xfa7401ULL

static void build_emit(struct prog *p)
{
	memset(p, 0, sizeof(*p));
	prog_filter_pid(p, getpid());
	prog_add(p, FATHOM_MOV64_REG(1, FATHOM_REG_FP));
	prog_add(p, FATHOM_ALU64_IMM(FATHOM_ADD, 1, -8));
	prog_add(p, FATHOM_MOV64_IMM(2, 8));
	prog_ld64(p, 3, (uintptr_t)&g_value);
	prog_add(p, FATHOM_CALL_HELPER(FATHOM_HELPER_PROBE_READ_USER));
	prog_ld64(p, 6, EMIT_MAGIC);
	prog_store(p, -16, 6);
	prog_add(p, FATHOM_MOV64_REG(1, FATHOM_REG_FP));
	prog_add(p, FATHOM_ALU64_IMM(FATHOM_ADD, 1, -16));
	prog_add(p, FATHOM_MOV64_IMM(2, 16));
	prog_add(p, FATHOM_CALL_HELPER(FATHOM_HELPER_EMIT));
	prog_finish(p);
}

struct received {
	unsigned char *seen; /* seen[v] counts records carrying v */
	unsigned int n;	     /* records */
	unsigned int bad;    /* malformed or foreign */
	int64_t min, max;
	uint64_t last_ts;
	unsigned int unordered;
};

static int on_record(const struct fathom_record_hdr *hdr, const void *payload,
		     size_t len, void *arg)
{
	struct received *r = arg;
	const uint64_t *w = payload;

	if (hdr->kind != FATHOM_REC_EMIT)
		return 0;
	if (len < 16 || w[0] != EMIT_MAGIC || w[1] >= 100000) {
		r->bad++;
		return 0;
	}
	if (hdr->ts < r->last_ts)
		r->unordered++;
	r->last_ts = hdr->ts;
	r->seen[w[1]]++;
	r->n++;
	if ((int64_t)w[1] < r->min)
		r->min = (int64_t)w[1];
	if ((int64_t)w[1] > r->max)
		r->max = (int64_t)w[1];
	return 0;
}

static int emit_session(struct fathom_nl *nl, uint32_t mode, uint32_t subbuf,
			uint32_t nsub, struct fathom_create_result *res)
{
	struct prog p;
	struct fathom_prog_spec ps;
	struct fathom_probe_spec pr = { .kind = FATHOM_PROBE_KPROBE,
					.symbol = SYSCALL_FN };
	struct fathom_session_spec spec = { 0 };

	build_emit(&p);
	ps = (struct fathom_prog_spec){ .insns = p.insn, .len = p.len };
	fathom_ksym_addr(SYSCALL_FN, &pr.addr);
	spec.progs = &ps;
	spec.nr_progs = 1;
	spec.probes = &pr;
	spec.nr_probes = 1;
	spec.mode = mode;
	spec.subbuf_size = subbuf;
	spec.n_subbufs = nsub;
	return fathom_session_create(nl, &spec, res);
}

/* An emitting session, started, through which 0..4999 are emitted. */
static int emit_5000(struct fathom_nl *nl, uint32_t mode, uint32_t subbuf,
		     uint32_t nsub, struct fathom_create_result *res)
{
	unsigned int i;
	int ret = emit_session(nl, mode, subbuf, nsub, res);

	if (!ret)
		ret = fathom_session_cmd(nl, FATHOM_CMD_SESSION_START,
					 res->session_id);
	for (i = 0; !ret && i < 5000; i++) {
		g_value = i;
		call_getppid(1);
	}
	return ret;
}

static int read_all(const char *rel, struct received *r, uint64_t *lost)
{
	return relay_drain(rel, on_record, r, lost);
}

TEST_F(session, relay_stream_delivers_every_record)
{
	static unsigned char seen[5000];
	struct received r = { .seen = seen, .min = INT64_MAX };
	struct fathom_create_result res;
	struct fathom_session_info info;
	uint64_t lost = 0;
	unsigned int i;

	memset(seen, 0, sizeof(seen));
	ASSERT_EQ(0, emit_5000(&self->nl, FATHOM_MODE_STREAM, 0, 0, &res))
	TH_LOG("%s", self->nl.errmsg);
	self->sid = res.session_id;
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	ASSERT_EQ(0, read_all(res.relay_dir, &r, &lost));
	EXPECT_EQ(0, r.bad);
	EXPECT_EQ(0, lost);
	EXPECT_EQ(5000, r.n);
	for (i = 0; i < 5000; i++)
		if (seen[i] != 1)
			break;
	EXPECT_EQ(5000, i) TH_LOG("value %u seen %u times", i, seen[i]);
	EXPECT_EQ(0, r.unordered);
	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	EXPECT_EQ(0, info.stats.drop_relay);
	fathom_session_info_free(&info);
	/* only flight recorders are snapshotted */
	EXPECT_EQ(-EINVAL, fathom_session_cmd(&self->nl, FATHOM_CMD_SNAPSHOT,
					      self->sid));
}

TEST_F(session, relay_full_buffer_counts_losses)
{
	static unsigned char seen[5000];
	struct received r = { .seen = seen, .min = INT64_MAX };
	struct fathom_create_result res;
	struct fathom_session_info info;
	uint64_t lost = 0;

	memset(seen, 0, sizeof(seen));
	/* 2 x 4 KiB per CPU, 32-byte records: most of 5000 cannot fit */
	ASSERT_EQ(0, emit_5000(&self->nl, FATHOM_MODE_STREAM, 4096, 2, &res))
	TH_LOG("%s", self->nl.errmsg);
	self->sid = res.session_id;
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	ASSERT_EQ(0, read_all(res.relay_dir, &r, &lost));
	TH_LOG("received %u, lost %llu", r.n,
	       (unsigned long long)info.stats.drop_relay);
	EXPECT_LT(0, info.stats.drop_relay);
	EXPECT_EQ(5000, r.n + info.stats.drop_relay);
	/* stream mode keeps the oldest: what arrived is 0 .. n-1 */
	EXPECT_EQ(0, r.min);
	EXPECT_EQ((int64_t)r.n - 1, r.max);
	fathom_session_info_free(&info);
}

TEST_F(session, flight_recorder_keeps_the_newest)
{
	static unsigned char seen[5000];
	struct received r = { .seen = seen, .min = INT64_MAX };
	struct fathom_create_result res;
	struct fathom_session_info info;
	uint64_t lost = 0;
	int64_t v;

	memset(seen, 0, sizeof(seen));
	ASSERT_EQ(0, emit_5000(&self->nl, FATHOM_MODE_FLIGHT, 4096, 4, &res))
	TH_LOG("%s", self->nl.errmsg);
	self->sid = res.session_id;
	/* another socket freezes it, as fathom --snapshot would */
	{
		struct fathom_nl other;

		ASSERT_EQ(0, fathom_nl_open(&other));
		EXPECT_EQ(0, fathom_session_cmd(&other, FATHOM_CMD_SNAPSHOT,
						self->sid));
		fathom_nl_close(&other);
	}
	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	EXPECT_EQ(FATHOM_STATE_STOPPED, info.state);
	EXPECT_EQ(FATHOM_STOP_SNAPSHOT, info.stop_reason);
	EXPECT_EQ(0, info.stats.drop_relay); /* overwriting is not losing */
	fathom_session_info_free(&info);
	ASSERT_EQ(0, read_all(res.relay_dir, &r, &lost));
	TH_LOG("kept %u records, values %lld..%lld", r.n, (long long)r.min,
	       (long long)r.max);
	EXPECT_LT(0, r.n);
	EXPECT_GT(5000, r.n);
	EXPECT_EQ(4999, r.max);
	/* the newest are there without a hole */
	for (v = r.max; v > r.max - (int64_t)r.n / 2; v--)
		EXPECT_EQ(1, seen[v]) TH_LOG("value %lld", (long long)v);
	EXPECT_EQ(-ENOENT,
		  fathom_session_cmd(&self->nl, FATHOM_CMD_SNAPSHOT, 12345678));
}

/* The same bad program gets the same answer from both verifiers. */
TEST_F(session, local_verifier_agrees_with_the_module)
{
	struct fathom_create_result local, kernel;
	struct fathom_prog_spec ps;
	struct fathom_probe_spec pr = { .kind = FATHOM_PROBE_KPROBE,
					.symbol = SYSCALL_FN };
	struct fathom_session_spec spec = { 0 };
	struct prog bad;
	int lret, kret;

	memset(&bad, 0, sizeof(bad));
	prog_add(&bad, FATHOM_MOV64_REG(1, FATHOM_REG_FP));
	prog_add(&bad, FATHOM_LDX_MEM(FATHOM_DW, 0, 1, -600)); /* off stack */
	prog_add(&bad, FATHOM_EXIT_INSN());
	ps = (struct fathom_prog_spec){ .insns = bad.insn, .len = bad.len };
	spec.progs = &ps;
	spec.nr_progs = 1;
	spec.probes = &pr;
	spec.nr_probes = 1;

	lret = fathom_session_create(&self->nl, &spec, &local);
	spec.no_local_verify = 1;
	kret = fathom_session_create(&self->nl, &spec, &kernel);
	EXPECT_GT(0, lret);
	EXPECT_EQ(lret, kret);
	EXPECT_EQ(1, local.verifier_insn);
	EXPECT_EQ(local.verifier_insn, kernel.verifier_insn);
	EXPECT_STREQ(local.verifier_log, kernel.verifier_log);
	EXPECT_EQ(0, kernel.session_id);
}

static int session_state(uint32_t sid, uint32_t *reason)
{
	struct fathom_session_info info;
	struct fathom_nl other;
	int ret;

	/* from another socket: the owner's commands are heartbeats */
	ret = fathom_nl_open(&other);
	if (ret)
		return ret;
	ret = fathom_session_get(&other, sid, &info);
	fathom_nl_close(&other);
	if (ret)
		return ret;
	*reason = info.stop_reason;
	fathom_session_info_free(&info);
	return (int)info.state;
}

/* A program that is expensive on a hot path exceeds a 5% budget. */
TEST_F_TIMEOUT(session, overload_guard_stops_a_hog, 120)
{
	struct fathom_create_result res;
	struct fathom_prog_spec ps;
	struct fathom_probe_spec pr = { .kind = FATHOM_PROBE_KPROBE,
					.symbol = SYSCALL_FN };
	struct fathom_session_spec spec = { 0 };
	uint32_t reason = 0;
	pid_t busy[2];
	struct prog p;
	int i, state = 0;

	memset(&p, 0, sizeof(p));
	prog_add(&p, FATHOM_MOV64_IMM(0, 0));
	for (i = 0; i < 4000; i++)
		prog_add(&p, FATHOM_ALU64_IMM(FATHOM_ADD, 0, 1));
	prog_add(&p, FATHOM_EXIT_INSN());
	ps = (struct fathom_prog_spec){ .insns = p.insn, .len = p.len };
	fathom_ksym_addr(SYSCALL_FN, &pr.addr);
	spec.progs = &ps;
	spec.nr_progs = 1;
	spec.probes = &pr;
	spec.nr_probes = 1;
	spec.overload_pct = 5;
	ASSERT_EQ(0, fathom_session_create(&self->nl, &spec, &res))
	TH_LOG("%s", self->nl.errmsg);
	self->sid = res.session_id;
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	busy_start(busy);
	for (i = 0; i < 100; i++) {
		usleep(100000);
		state = session_state(self->sid, &reason);
		if (state != FATHOM_STATE_RUNNING)
			break;
	}
	busy_stop(busy);
	EXPECT_EQ(FATHOM_STATE_STOPPED, state);
	EXPECT_EQ(FATHOM_STOP_OVERLOAD, reason);
}

/* A silent owner's session is stopped; a talking owner's is not. */
TEST_F_TIMEOUT(session, deadman_stops_a_silent_owner, 60)
{
	struct fathom_create_result res, res2;
	struct fathom_prog_spec ps;
	struct fathom_probe_spec pr = { .kind = FATHOM_PROBE_KPROBE,
					.symbol = SYSCALL_FN };
	struct fathom_session_spec spec = { 0 };
	struct fathom_session_info info;
	uint32_t reason = 0;
	struct prog p;
	int i;

	build_count(&p);
	ps = (struct fathom_prog_spec){ .insns = p.insn, .len = p.len };
	spec.progs = &ps;
	spec.nr_progs = 1;
	spec.maps = &count_map;
	spec.nr_maps = 1;
	spec.probes = &pr;
	spec.nr_probes = 1;
	spec.deadman_ms = 1000;
	ASSERT_EQ(0, fathom_session_create(&self->nl, &spec, &res));
	self->sid = res.session_id;
	ASSERT_EQ(0, fathom_session_create(&self->nl, &spec, &res2));
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					res.session_id));
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					res2.session_id));
	/* 3 s: heartbeats for the second session only */
	for (i = 0; i < 10; i++) {
		usleep(300000);
		ASSERT_EQ(0, fathom_session_get(&self->nl, res2.session_id,
						&info));
		fathom_session_info_free(&info);
	}
	EXPECT_EQ(FATHOM_STATE_STOPPED, session_state(res.session_id, &reason));
	EXPECT_EQ(FATHOM_STOP_DEADMAN, reason);
	EXPECT_EQ(FATHOM_STATE_RUNNING,
		  session_state(res2.session_id, &reason));
	EXPECT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_DESTROY,
					res2.session_id));
}

/* The symbol containing @ip, from /proc/kallsyms (test helper, slow). */
static void ksym_of(uint64_t ip, char *name, size_t size)
{
	char line[512], sym[256], type;
	uint64_t a, best = 0;
	FILE *f = fopen("/proc/kallsyms", "re");

	snprintf(name, size, "?");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx %c %255s", &a, &type, sym) == 3 &&
		    a <= ip && a > best && (type == 't' || type == 'T')) {
			best = a;
			snprintf(name, size, "%s", sym);
		}
	fclose(f);
}

/* Is @ip in an executable mapping of this program's own file? */
static bool ip_in_self(uint64_t ip)
{
	char line[512], exe[256], path[256];
	unsigned long lo, hi;
	bool found = false;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *f = fopen("/proc/self/maps", "re");

	if (n <= 0 || !f) {
		if (f)
			fclose(f);
		return false;
	}
	exe[n] = '\0';
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %*4s %*s %*s %*s %255s", &lo, &hi,
			   path) == 3 &&
		    strstr(line, " r-xp ") && !strcmp(path, exe))
			found = ip >= lo && ip < hi;
	fclose(f);
	return found;
}

struct stacks {
	unsigned int n;
	unsigned int with_syscall_entry;
	unsigned int with_self;
	unsigned int max_depth;
};

static void on_kstack(uint32_t cpu, const void *key, uint32_t key_size,
		      const void *value, uint32_t value_size, void *arg)
{
	const uint32_t *nr = key;
	const uint64_t *ips = (const uint64_t *)key + 1;
	struct stacks *st = arg;
	char name[256];
	uint32_t i;

	st->n++;
	if (*nr > st->max_depth)
		st->max_depth = *nr;
	for (i = 0; i < *nr && (i + 1) * 8 < key_size; i++) {
		ksym_of(ips[i], name, sizeof(name));
		if (!strcmp(name, "do_syscall_64")) {
			st->with_syscall_entry++;
			break;
		}
	}
}

static void on_ustack(uint32_t cpu, const void *key, uint32_t key_size,
		      const void *value, uint32_t value_size, void *arg)
{
	const uint32_t *nr = key;
	const uint64_t *ips = (const uint64_t *)key + 1;
	struct stacks *st = arg;
	uint32_t i;

	st->n++;
	if (*nr > st->max_depth)
		st->max_depth = *nr;
	for (i = 0; i < *nr && (i + 1) * 8 < key_size; i++)
		if (ip_in_self(ips[i])) {
			st->with_self++;
			break;
		}
}

/* @[kstack] = count() and @[ustack] = count() on the getppid entry. */
TEST_F(session, kernel_and_user_stacks)
{
	static const struct fathom_map_spec maps[] = {
		{ .kind = FATHOM_MAP_COUNT, .key_size = 8, .max_entries = 64 },
		{ .kind = FATHOM_MAP_STACK,
		  .key_size = 8 + 8 * 32,
		  .max_entries = 64 },
		{ .kind = FATHOM_MAP_STACK,
		  .key_size = 8 + 8 * 32,
		  .max_entries = 64 },
	};
	struct fathom_create_result res;
	struct fathom_prog_spec ps;
	struct fathom_probe_spec pr = { .kind = FATHOM_PROBE_KPROBE,
					.symbol = SYSCALL_FN };
	struct fathom_session_spec spec = { 0 };
	struct stacks ks = { 0 }, us = { 0 };
	struct totals t;
	struct prog p;

	memset(&p, 0, sizeof(p));
	prog_filter_pid(&p, getpid());
	prog_add(&p, FATHOM_MOV64_IMM(1, 2));
	prog_add(&p, FATHOM_MOV64_IMM(2, 0));
	prog_add(&p, FATHOM_CALL_HELPER(FATHOM_HELPER_GET_KSTACK_ID));
	prog_exit_if(&p, FATHOM_JSLT, 0, 0);
	prog_store(&p, -8, 0);
	prog_add(&p, FATHOM_MOV64_IMM(6, 1));
	prog_aggregate(&p, 1, 6);
	prog_add(&p, FATHOM_MOV64_IMM(1, 3));
	prog_add(&p, FATHOM_MOV64_IMM(2, 0));
	prog_add(&p, FATHOM_CALL_HELPER(FATHOM_HELPER_GET_USTACK_ID));
	prog_exit_if(&p, FATHOM_JSLT, 0, 0);
	prog_finish(&p);
	ps = (struct fathom_prog_spec){ .insns = p.insn, .len = p.len };
	fathom_ksym_addr(SYSCALL_FN, &pr.addr);
	spec.progs = &ps;
	spec.nr_progs = 1;
	spec.maps = maps;
	spec.nr_maps = 3;
	spec.probes = &pr;
	spec.nr_probes = 1;
	ASSERT_EQ(0, fathom_session_create(&self->nl, &spec, &res))
	TH_LOG("%s (insn %d: %s)", self->nl.errmsg, res.verifier_insn,
	       res.verifier_log);
	self->sid = res.session_id;
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	call_getppid(100);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	t = map_totals(&self->nl, self->sid, 1);
	EXPECT_EQ(100, t.sum); /* every hit got a kernel stack id */
	ASSERT_EQ(0, fathom_map_dump(&self->nl, self->sid, 2, on_kstack, &ks));
	ASSERT_EQ(0, fathom_map_dump(&self->nl, self->sid, 3, on_ustack, &us));
	TH_LOG("%u kernel stacks (depth <= %u), %u user stacks (depth <= %u)",
	       ks.n, ks.max_depth, us.n, us.max_depth);
	/* one call site: the same stacks, deduplicated */
	EXPECT_LE(1, ks.n);
	EXPECT_GE(4, ks.n);
	EXPECT_EQ(ks.n, ks.with_syscall_entry);
	EXPECT_LE(1, us.n);
	EXPECT_GE(4, us.n);
	EXPECT_LE(2, us.max_depth);
	EXPECT_EQ(us.n, us.with_self);
}

/*
 * Both CPUs hammer the probed function for 20 s while two sessions on it
 * (one on the ftrace path, one on a kprobe) are cleared, started, stopped
 * and read over and over: every cycle's count equals the program runs of
 * that cycle, and the kernel log stays clean (run-guest checks it).
 *
 * The sessions are created before the load and destroyed after it:
 * attaching and detaching patch kernel text, and under QEMU's software
 * emulation a vCPU can keep executing the stale breakpoint of a site that
 * another vCPU is patching (seen as soft lockups and NULL calls at the
 * probed function), so that is not something a test here can exercise.
 */
TEST_F_TIMEOUT(session, stress_start_stop_under_load, 180)
{
	struct fathom_create_result res[2];
	struct fathom_session_info info;
	struct timespec start, now;
	uint64_t runs[2] = { 0, 0 };
	unsigned int cycles = 0, k;
	pid_t busy[2];
	struct totals t;
	struct prog p;

	memset(&p, 0, sizeof(p));
	prog_count_key0(&p, 1);
	prog_finish(&p);
	for (k = 0; k < 2; k++) {
		g_probe_flags = k ? FATHOM_PROBE_F_NO_FTRACE : 0;
		ASSERT_EQ(0, create_one(&self->nl, &p, FATHOM_PROBE_KPROBE,
					SYSCALL_FN, &count_map, 1, &res[k]))
		TH_LOG("%s", self->nl.errmsg);
	}
	self->sid = res[0].session_id;
	busy_start(busy);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		k = cycles & 1;
		ASSERT_EQ(0,
			  fathom_map_clear(&self->nl, res[k].session_id, 1, 0));
		ASSERT_EQ(0, fathom_session_cmd(&self->nl,
						FATHOM_CMD_SESSION_START,
						res[k].session_id));
		usleep(20000);
		ASSERT_EQ(0,
			  fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					     res[k].session_id));
		ASSERT_EQ(0, fathom_session_get(&self->nl, res[k].session_id,
						&info));
		t = map_totals(&self->nl, res[k].session_id, 1);
		EXPECT_EQ(info.progs[0].runs - runs[k], t.sum)
		TH_LOG("cycle %u", cycles);
		EXPECT_EQ(0, info.stats.drop_map_full);
		runs[k] = info.progs[0].runs;
		fathom_session_info_free(&info);
		cycles++;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < 20);
	busy_stop(busy);
	TH_LOG("%u start/stop cycles in 20 s under load; runs %llu + %llu",
	       cycles, (unsigned long long)runs[0],
	       (unsigned long long)runs[1]);
	EXPECT_LT(10, cycles);
	EXPECT_LT(0, runs[0]);
	EXPECT_LT(0, runs[1]);
	EXPECT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_DESTROY,
					res[1].session_id));
}

/* The owner is killed mid-trace: its session and probes go with it. */
TEST_F(session, killed_owner_leaves_nothing)
{
	int ready[2];
	pid_t child;
	char c;

	ASSERT_EQ(0, pipe(ready));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		struct fathom_create_result res;
		struct fathom_nl nl;
		struct prog p;

		build_count(&p);
		if (fathom_nl_open(&nl) ||
		    create_one(&nl, &p, FATHOM_PROBE_KPROBE, SYSCALL_FN,
			       &count_map, 1, &res) ||
		    fathom_session_cmd(&nl, FATHOM_CMD_SESSION_START,
				       res.session_id))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	EXPECT_EQ(1, getppid_probed());
	EXPECT_EQ(1, sessions_of(&self->nl, child));

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	EXPECT_EQ(0, getppid_probed());
	EXPECT_EQ(0, sessions_of(&self->nl, child));
	close(ready[0]);
}

static long meminfo_kb(const char *field)
{
	char line[256];
	long v = -1;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

static long kernel_mem_kb(void)
{
	return meminfo_kb("Slab") + meminfo_kb("Percpu") +
	       meminfo_kb("VmallocUsed");
}

TEST_F_TIMEOUT(session, create_destroy_cycles_do_not_leak, 300)
{
	struct fathom_create_result res;
	struct prog p;
	long before = 0, after;
	int i;

	build_count(&p);
	for (i = 0; i < 120; i++) {
		if (i == 20)
			before = kernel_mem_kb();
		ASSERT_EQ(0, create_one(&self->nl, &p, FATHOM_PROBE_KPROBE,
					SYSCALL_FN, agg_maps, 8, &res))
		TH_LOG("cycle %d: %s", i, self->nl.errmsg);
		ASSERT_EQ(0, fathom_session_cmd(&self->nl,
						FATHOM_CMD_SESSION_START,
						res.session_id));
		call_getppid(10);
		ASSERT_EQ(0, fathom_session_cmd(&self->nl,
						FATHOM_CMD_SESSION_DESTROY,
						res.session_id));
	}
	after = kernel_mem_kb();
	TH_LOG("kernel memory: %ld kB before 100 cycles, %ld kB after", before,
	       after);
	/* 100 sessions of ~100 kB each would be 10 MB */
	EXPECT_GT(1024, after - before);
}

FIXTURE(batch)
{
	struct fathom_nl nl;
};

FIXTURE_VARIANT(batch)
{
	uint32_t flags;
};

FIXTURE_VARIANT_ADD (batch, ftrace) {
	.flags = 0,
};

FIXTURE_VARIANT_ADD (batch, kprobe) {
	.flags = FATHOM_PROBE_F_NO_FTRACE,
};

FIXTURE_SETUP(batch)
{
	ASSERT_EQ(0, fathom_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(batch)
{
	EXPECT_EQ(0, getppid_probed());
	fathom_nl_close(&self->nl);
}

/*
 * Up to 500 entry probes on the ftrace-able vfs_ and syscall functions,
 * on one ftrace_ops or (variant kprobe) as a batch of kprobes.
 */
TEST_F_TIMEOUT(batch, of_500_probes, 300)
{
	static char names[600][64];
	struct fathom_probe_spec *pr;
	struct fathom_create_result res;
	struct fathom_prog_spec ps;
	struct fathom_session_spec spec = { 0 };
	struct timespec t0, t1, t2;
	char line[256];
	unsigned int n = 0, i;
	struct prog p;
	FILE *f;
	int ret;

	f = fopen("/sys/kernel/tracing/available_filter_functions", "re");
	ASSERT_NE(NULL, f);
	while (n < 500 && fgets(line, sizeof(line), f)) {
		char *sp = strpbrk(line, " \n\t");

		if (sp)
			*sp = '\0';
		if (strncmp(line, "vfs_", 4) && strncmp(line, "__x64_sys_", 10))
			continue;
		for (i = 0; i < n && strcmp(names[i], line); i++)
			;
		if (i == n && strlen(line) < sizeof(names[0]))
			strcpy(names[n++], line);
	}
	fclose(f);
	TH_LOG("%u candidate functions", n);
	ASSERT_LT(300, n);

	pr = calloc(n, sizeof(*pr));
	ASSERT_NE(NULL, pr);
	for (i = 0; i < n; i++) {
		pr[i].kind = FATHOM_PROBE_KPROBE;
		pr[i].symbol = names[i];
		pr[i].id = i;
		pr[i].flags = variant->flags;
		if (!variant->flags)
			fathom_ksym_addr(names[i], &pr[i].addr);
	}
	build_count(&p);
	ps = (struct fathom_prog_spec){ .insns = p.insn, .len = p.len };
	spec.progs = &ps;
	spec.nr_progs = 1;
	spec.maps = &count_map;
	spec.nr_maps = 1;
	spec.probes = pr;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* drop any function kprobes refuse and try again */
	for (;;) {
		spec.nr_probes = n;
		ret = fathom_session_create(&self->nl, &spec, &res);
		if (ret != -EINVAL || res.failed_probe < 0)
			break;
		TH_LOG("dropping %s", pr[res.failed_probe].symbol);
		pr[res.failed_probe] = pr[--n];
	}
	ASSERT_EQ(0, ret) TH_LOG("%s", self->nl.errmsg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					res.session_id));
	call_getppid(10);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_DESTROY,
					res.session_id));
	clock_gettime(CLOCK_MONOTONIC, &t2);
	TH_LOG("%u probes: attach %.3f s, start+destroy %.3f s (emulated)", n,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (t2.tv_sec - t1.tv_sec) + (t2.tv_nsec - t1.tv_nsec) / 1e9);
	EXPECT_LT(300, n);
	free(pr);
}

/* Run @fn as nobody without capabilities; return its result. */
static int as_nobody(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		if (become_nobody(-1))
			_exit(255);
		_exit(-fn());
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? -WEXITSTATUS(status) : -ECHILD;
}

static int try_create(void)
{
	struct fathom_create_result res;
	struct fathom_nl nl;
	struct prog p;
	int ret;

	build_count(&p);
	ret = fathom_nl_open(&nl);
	if (!ret)
		ret = create_one(&nl, &p, FATHOM_PROBE_KPROBE, SYSCALL_FN,
				 &count_map, 1, &res);
	return ret;
}

static void ignore(const struct fathom_session_info *info, void *arg)
{
}

static int try_list(void)
{
	struct fathom_nl nl;
	int ret = fathom_nl_open(&nl);

	if (!ret)
		ret = fathom_session_list(&nl, ignore, NULL);
	return ret;
}

TEST(unprivileged_cannot_create_or_list)
{
	EXPECT_EQ(-EPERM, as_nobody(try_create));
	EXPECT_EQ(-EPERM, as_nobody(try_list));
	EXPECT_EQ(0, getppid_probed());
}

TEST_HARNESS_MAIN
