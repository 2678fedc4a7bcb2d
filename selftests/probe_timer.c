// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probes the kernel does not fire: BEGIN and END (run once, in the
 * process context of SESSION_START and SESSION_STOP) and interval timers.
 *
 * Every program emits { TAG_MAGIC | tag } to the relay and counts under
 * key 0 of its own COUNT map, so both the order (record timestamps) and
 * the number of runs are checked exactly.
 */
#include <errno.h>
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
#define TAG_MAGIC 0x7a90000ULL

enum { TAG_BEGIN = 1, TAG_HIT, TAG_END, TAG_TICK, NR_TAGS };

/* Emit { TAG_MAGIC | tag } and count into @map; @pid filters if set. */
static void build_tag(struct prog *p, unsigned int tag, int map, pid_t pid)
{
	memset(p, 0, sizeof(*p));
	if (pid)
		prog_filter_pid(p, pid);
	prog_ld64(p, 6, TAG_MAGIC | tag);
	prog_store(p, -16, 6);
	prog_add(p, FATHOM_MOV64_REG(1, FATHOM_REG_FP));
	prog_add(p, FATHOM_ALU64_IMM(FATHOM_ADD, 1, -16));
	prog_add(p, FATHOM_MOV64_IMM(2, 8));
	prog_add(p, FATHOM_CALL_HELPER(FATHOM_HELPER_EMIT));
	prog_count_key0(p, map);
	prog_finish(p);
}

struct tagged {
	unsigned int n[NR_TAGS];
	uint64_t first_ts[NR_TAGS], last_ts[NR_TAGS];
	unsigned int bad;
};

static int on_record(const struct fathom_record_hdr *hdr, const void *payload,
		     size_t len, void *arg)
{
	struct tagged *t = arg;
	uint64_t w;

	if (hdr->kind != FATHOM_REC_EMIT)
		return 0;
	memcpy(&w, payload, sizeof(w));
	if (len < 8 || (w & ~0xffULL) != TAG_MAGIC || !(w & 0xff) ||
	    (w & 0xff) >= NR_TAGS) {
		t->bad++;
		return 0;
	}
	w &= 0xff;
	if (!t->n[w]++)
		t->first_ts[w] = hdr->ts;
	t->last_ts[w] = hdr->ts;
	return 0;
}

static int read_tags(const char *rel, struct tagged *t)
{
	memset(t, 0, sizeof(*t));
	return relay_drain(rel, on_record, t, NULL);
}

static const struct fathom_map_spec count_maps[] = {
	{ .kind = FATHOM_MAP_COUNT, .key_size = 8, .max_entries = 4 },
	{ .kind = FATHOM_MAP_COUNT, .key_size = 8, .max_entries = 4 },
	{ .kind = FATHOM_MAP_COUNT, .key_size = 8, .max_entries = 4 },
};

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

FIXTURE(timer)
{
	struct fathom_nl nl;
	uint32_t sid;
	struct prog p[3];
	struct fathom_prog_spec ps[3];
	struct fathom_probe_spec pr[3];
	struct fathom_session_spec spec;
};

FIXTURE_SETUP(timer)
{
	ASSERT_EQ(0, fathom_nl_open(&self->nl)) TH_LOG("is fathom.ko loaded?");
	self->sid = 0;
	memset(&self->spec, 0, sizeof(self->spec));
	memset(self->pr, 0, sizeof(self->pr));
	self->spec.progs = self->ps;
	self->spec.maps = count_maps;
	self->spec.nr_maps = 3;
	self->spec.probes = self->pr;
}

FIXTURE_TEARDOWN(timer)
{
	if (self->sid)
		fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_DESTROY,
				   self->sid);
	EXPECT_EQ(0, sessions_of(&self->nl, getpid()));
	fathom_nl_close(&self->nl);
}

/* Probe i runs program i, which tags @tag and counts into map i + 1. */
static void add(FIXTURE_DATA(timer) * self, uint32_t kind, unsigned int tag,
		pid_t pid)
{
	unsigned int i = self->spec.nr_probes++;

	build_tag(&self->p[i], tag, i + 1, pid);
	self->ps[i] = (struct fathom_prog_spec){ .insns = self->p[i].insn,
						 .len = self->p[i].len };
	self->pr[i].kind = kind;
	self->pr[i].prog = i;
	self->pr[i].id = i;
	self->spec.nr_progs = self->spec.nr_probes;
}

TEST_F(timer, begin_end_run_once_in_order)
{
	struct fathom_create_result res;
	struct fathom_session_info info;
	struct tagged t;
	unsigned int i;

	add(self, FATHOM_PROBE_BEGIN, TAG_BEGIN, 0);
	add(self, FATHOM_PROBE_KPROBE, TAG_HIT, getpid());
	self->pr[1].symbol = SYSCALL_FN;
	add(self, FATHOM_PROBE_END, TAG_END, 0);
	ASSERT_EQ(0, fathom_session_create(&self->nl, &self->spec, &res))
	TH_LOG("%s", self->nl.errmsg);
	self->sid = res.session_id;

	/* created: BEGIN has not run */
	EXPECT_EQ(0, map_sum(&self->nl, self->sid, 1));
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	EXPECT_EQ(1, map_sum(&self->nl, self->sid, 1));
	EXPECT_EQ(0, map_sum(&self->nl, self->sid, 3));
	for (i = 0; i < 5; i++)
		syscall(SYS_getppid);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	/* stopping a stopped session runs nothing */
	fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP, self->sid);
	EXPECT_EQ(1, map_sum(&self->nl, self->sid, 1));
	EXPECT_EQ(5, map_sum(&self->nl, self->sid, 2));
	EXPECT_EQ(1, map_sum(&self->nl, self->sid, 3));

	ASSERT_EQ(0, read_tags(res.relay_dir, &t));
	EXPECT_EQ(0, t.bad);
	EXPECT_EQ(1, t.n[TAG_BEGIN]);
	EXPECT_EQ(5, t.n[TAG_HIT]);
	EXPECT_EQ(1, t.n[TAG_END]);
	/* BEGIN before every hit, END after every hit */
	EXPECT_LT(t.last_ts[TAG_BEGIN], t.first_ts[TAG_HIT]);
	EXPECT_LT(t.last_ts[TAG_HIT], t.first_ts[TAG_END]);

	/* each start runs BEGIN again, each stop END */
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	EXPECT_EQ(2, map_sum(&self->nl, self->sid, 1));
	EXPECT_EQ(2, map_sum(&self->nl, self->sid, 3));

	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	ASSERT_EQ(3, info.nr_probes);
	EXPECT_EQ(FATHOM_PROBE_PATH_PROCESS, info.probes[0].path);
	EXPECT_EQ(2, info.probes[0].hits);
	EXPECT_EQ(5, info.probes[1].hits);
	EXPECT_EQ(FATHOM_PROBE_PATH_PROCESS, info.probes[2].path);
	EXPECT_EQ(2, info.probes[2].hits);
	fathom_session_info_free(&info);
}

/* Destroying a session that was never started runs neither. */
TEST_F(timer, never_started_runs_nothing)
{
	struct fathom_create_result res;
	struct tagged t;

	add(self, FATHOM_PROBE_BEGIN, TAG_BEGIN, 0);
	add(self, FATHOM_PROBE_END, TAG_END, 0);
	ASSERT_EQ(0, fathom_session_create(&self->nl, &self->spec, &res))
	TH_LOG("%s", self->nl.errmsg);
	self->sid = res.session_id;
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	EXPECT_EQ(0, map_sum(&self->nl, self->sid, 1));
	EXPECT_EQ(0, map_sum(&self->nl, self->sid, 2));
	ASSERT_EQ(0, read_tags(res.relay_dir, &t));
	EXPECT_EQ(0, t.n[TAG_BEGIN] + t.n[TAG_END]);
}

TEST_F(timer, interval_fires_at_its_rate_only_while_running)
{
	struct fathom_create_result res;
	struct fathom_session_info info;
	uint64_t n, n2;
	struct tagged t;

	add(self, FATHOM_PROBE_INTERVAL, TAG_TICK, 0);
	self->pr[0].period_ns = 10 * 1000 * 1000; /* 100 Hz */
	ASSERT_EQ(0, fathom_session_create(&self->nl, &self->spec, &res))
	TH_LOG("%s", self->nl.errmsg);
	self->sid = res.session_id;

	sleep_ms(200); /* created: no ticks */
	EXPECT_EQ(0, map_sum(&self->nl, self->sid, 1));
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	sleep_ms(1000);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	n = map_sum(&self->nl, self->sid, 1);
	/* 100 expected; a software-emulated guest runs timers a bit late */
	EXPECT_LE(80, n);
	EXPECT_GE(102, n);
	sleep_ms(200); /* stopped: the timer is cancelled */
	n2 = map_sum(&self->nl, self->sid, 1);
	EXPECT_EQ(n, n2);

	ASSERT_EQ(0, read_tags(res.relay_dir, &t));
	EXPECT_EQ(n, t.n[TAG_TICK]);
	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	EXPECT_EQ(FATHOM_PROBE_PATH_HRTIMER, info.probes[0].path);
	EXPECT_EQ(n, info.probes[0].hits);
	EXPECT_EQ(0, info.probes[0].drops);
	fathom_session_info_free(&info);

	/* and restarts */
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	sleep_ms(300);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	n2 = map_sum(&self->nl, self->sid, 1) - n;
	EXPECT_LE(20, n2);
	EXPECT_GE(32, n2);
}

TEST_F(timer, bad_periods_refused)
{
	static const uint64_t bad[] = { 0, 1, 99999, 3601ULL * 1000000000ULL };
	struct fathom_create_result res;
	unsigned int i, k;
	uint32_t kinds[] = { FATHOM_PROBE_INTERVAL, FATHOM_PROBE_PROFILE };

	for (k = 0; k < 2; k++) {
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			self->spec.nr_probes = 0;
			add(self, kinds[k], TAG_TICK, 0);
			self->pr[0].period_ns = bad[i];
			EXPECT_EQ(-EINVAL,
				  fathom_session_create(&self->nl, &self->spec,
							&res))
			TH_LOG("kind %u period %llu", kinds[k],
			       (unsigned long long)bad[i]);
			EXPECT_NE(NULL, strstr(self->nl.errmsg, "period"))
			TH_LOG("message: %s", self->nl.errmsg);
		}
	}
	EXPECT_EQ(0, sessions_of(&self->nl, getpid()));
}

/* A killed owner with a running timer leaves nothing; rmmod follows. */
TEST_F(timer, killed_owner_with_a_running_timer)
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

		add(self, FATHOM_PROBE_INTERVAL, TAG_TICK, 0);
		self->pr[0].period_ns = 1000 * 1000;
		add(self, FATHOM_PROBE_END, TAG_END, 0);
		if (fathom_nl_open(&nl) ||
		    fathom_session_create(&nl, &self->spec, &res) ||
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
	EXPECT_EQ(1, sessions_of(&self->nl, child));
	sleep_ms(100);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	EXPECT_EQ(0, sessions_of(&self->nl, child));
	close(ready[0]);
}

TEST_HARNESS_MAIN
