// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tracepoint and profile probes (in-kernel perf counters, one per CPU).
 *
 * Tracepoint programs read the event's record with READ_CTX at the offsets
 * the tracefs format file gives, which the tests parse: the openat file
 * names this process passes come back through the relay exactly and in
 * order, execs are counted per child with their file names, sched_switch
 * sees this process switch out, a module's tracepoint pins the module.
 * Profile samples every CPU with the interrupted context's stacks. Bad
 * input leaves no session; a killed owner leaves no session and no
 * counter; a CPU taken offline and back gets its counters again.
 *
 * Sessions are created while the machine is quiet and destroyed after any
 * load stops: registering a tracepoint patches kernel text (see
 * docs/testing.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fathom.h>

#include "kselftest_harness.h"
#include "api.h"
#include "common.h"
#include "relay.h"
#include "prog.h"

#define NAME_MAGIC 0xfa7f11e0ULL
#define CPU1_ONLINE "/sys/devices/system/cpu/cpu1/online"
#define P9_REFCNT "/sys/module/9pnet/refcnt"

/* ---- tracefs ---- */

/* The tracefs directory, mounted if nothing has it yet; NULL if none. */
static const char *tracefs(void)
{
	static const char *const dirs[] = { "/sys/kernel/tracing",
					    "/sys/kernel/debug/tracing" };
	static char events[64];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		snprintf(events, sizeof(events), "%s/events", dirs[i]);
		if (!access(events, F_OK))
			return dirs[i];
	}
	if (mount("nodev", dirs[0], "tracefs", 0, NULL))
		return NULL;
	return dirs[0];
}

static bool tp_exists(const char *system, const char *name)
{
	const char *root = tracefs();
	char path[256];

	if (!root)
		return false;
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", root, system,
		 name);
	return !access(path, R_OK);
}

/*
 * Offset and size of @field in the event's record, from lines like
 * "\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;".
 * Return: 0, or -1 when the event or the field is not there.
 */
static int tp_field(const char *system, const char *name, const char *field,
		    unsigned int *off, unsigned int *size)
{
	const char *root = tracefs();
	char path[256], line[512], decl[256], *semi, *last;
	int ret = -1;
	FILE *f;

	if (!root)
		return -1;
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", root, system,
		 name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (ret && fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, "field:");

		if (!p)
			continue;
		snprintf(decl, sizeof(decl), "%s", p + 6);
		semi = strchr(decl, ';');
		if (!semi)
			continue;
		*semi = '\0';
		last = strrchr(decl, ' ');
		last = last ? last + 1 : decl;
		if (strcmp(last, field))
			continue;
		p = strstr(line, "offset:");
		if (p && sscanf(p, "offset:%u;\tsize:%u;", off, size) == 2)
			ret = 0;
	}
	fclose(f);
	return ret;
}

/* ---- programs ---- */

/* READ_CTX(fp + @fp_off, @len, @ctx_off) */
static void read_ctx(struct prog *p, int16_t fp_off, int len, int ctx_off)
{
	prog_add(p, FATHOM_MOV64_REG(1, FATHOM_REG_FP));
	prog_add(p, FATHOM_ALU64_IMM(FATHOM_ADD, 1, fp_off));
	prog_add(p, FATHOM_MOV64_IMM(2, len));
	prog_add(p, FATHOM_MOV64_IMM(3, ctx_off));
	prog_add(p, FATHOM_CALL_HELPER(FATHOM_HELPER_READ_CTX));
}

/* count() into @map under key R0 */
static void count_by_r0(struct prog *p, int map)
{
	prog_store(p, -8, 0);
	prog_add(p, FATHOM_MOV64_IMM(6, 1));
	prog_aggregate(p, map, 6);
}

/* count() into @map under the CPU */
static void count_by_cpu(struct prog *p, int map)
{
	prog_add(p, FATHOM_CALL_HELPER(FATHOM_HELPER_GET_CPU));
	count_by_r0(p, map);
}

/*
 * sys_enter_openat, this process only: count into map 1, then emit
 * { NAME_MAGIC, __syscall_nr, filename[64] } with the name read from user
 * memory through the record's filename pointer.
 */
struct name_rec {
	uint64_t magic;
	uint64_t nr;
	char name[64];
};

static void build_openat_names(struct prog *p, unsigned int nr_off,
			       unsigned int name_off)
{
	memset(p, 0, sizeof(*p));
	prog_filter_pid(p, getpid());
	prog_count_key0(p, 1);
	/* nr: 4 bytes into a zeroed u64 */
	prog_add(p, FATHOM_ST_MEM(FATHOM_DW, FATHOM_REG_FP, -72, 0));
	read_ctx(p, -72, 4, nr_off);
	/* the user pointer, then the string it points to */
	read_ctx(p, -88, 8, name_off);
	prog_add(p, FATHOM_LDX_MEM(FATHOM_DW, 3, FATHOM_REG_FP, -88));
	prog_add(p, FATHOM_MOV64_REG(1, FATHOM_REG_FP));
	prog_add(p, FATHOM_ALU64_IMM(FATHOM_ADD, 1, -64));
	prog_add(p, FATHOM_MOV64_IMM(2, 64));
	prog_add(p, FATHOM_CALL_HELPER(FATHOM_HELPER_PROBE_READ_USER_STR));
	prog_ld64(p, 6, NAME_MAGIC);
	prog_store(p, -80, 6);
	prog_add(p, FATHOM_MOV64_REG(1, FATHOM_REG_FP));
	prog_add(p, FATHOM_ALU64_IMM(FATHOM_ADD, 1, -80));
	prog_add(p, FATHOM_MOV64_IMM(2, sizeof(struct name_rec)));
	prog_add(p, FATHOM_CALL_HELPER(FATHOM_HELPER_EMIT));
	prog_finish(p);
}

/* this process only: count into map 1 */
static void build_count_mine(struct prog *p)
{
	memset(p, 0, sizeof(*p));
	prog_filter_pid(p, getpid());
	prog_count_key0(p, 1);
	prog_finish(p);
}

/* everyone: count into map @map under key 0 */
static void build_count_all(struct prog *p, int map)
{
	memset(p, 0, sizeof(*p));
	prog_count_key0(p, map);
	prog_finish(p);
}

/* ---- maps and sessions ---- */

static const struct fathom_map_spec count_maps[] = {
	{ .kind = FATHOM_MAP_COUNT, .key_size = 8, .max_entries = 64 },
	{ .kind = FATHOM_MAP_COUNT, .key_size = 8, .max_entries = 64 },
	{ .kind = FATHOM_MAP_COUNT, .key_size = 8, .max_entries = 64 },
};

/* A map's values summed over CPUs, per key (keys < 64). */
struct keyed {
	uint64_t v[64];
	uint64_t other; /* keys >= 64 */
	unsigned int entries;
};

static void add_keyed(uint32_t cpu, const void *key, uint32_t key_size,
		      const void *value, uint32_t value_size, void *arg)
{
	struct keyed *k = arg;
	uint64_t kk = 0, v;

	memcpy(&kk, key, key_size < 8 ? key_size : 8);
	memcpy(&v, value, sizeof(v));
	if (kk < 64)
		k->v[kk] += v;
	else
		k->other += v;
	k->entries++;
}

static struct keyed dump_keyed(struct fathom_nl *nl, uint32_t sid, uint32_t map)
{
	struct keyed k;

	memset(&k, 0, sizeof(k));
	if (fathom_map_dump(nl, sid, map, add_keyed, &k))
		k.entries = ~0U;
	return k;
}

/* Sum of a map's values under @key (any size of key up to 8 bytes). */
struct one_key {
	uint64_t key, sum;
};

static void add_one_key(uint32_t cpu, const void *key, uint32_t key_size,
			const void *value, uint32_t value_size, void *arg)
{
	struct one_key *o = arg;
	uint64_t kk = 0, v;

	memcpy(&kk, key, key_size < 8 ? key_size : 8);
	memcpy(&v, value, sizeof(v));
	if (kk == o->key)
		o->sum += v;
}

static uint64_t count_at(struct fathom_nl *nl, uint32_t sid, uint32_t map,
			 uint64_t key)
{
	struct one_key o = { .key = key };

	if (fathom_map_dump(nl, sid, map, add_one_key, &o))
		return ~0ULL;
	return o.sum;
}

struct setup {
	struct prog prog[3];
	struct fathom_prog_spec ps[3];
	struct fathom_probe_spec pr[3];
	struct fathom_session_spec spec;
};

/* A session of @n probes, probe i running prog[i]; maps: count_maps. */
static void setup_init(struct setup *s, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		s->ps[i] = (struct fathom_prog_spec){ .insns = s->prog[i].insn,
						      .len = s->prog[i].len };
		s->pr[i].prog = i;
	}
	s->spec = (struct fathom_session_spec){
		.progs = s->ps,
		.nr_progs = n,
		.maps = count_maps,
		.nr_maps = 3,
		.probes = s->pr,
		.nr_probes = n,
	};
}

static void tracepoint(struct fathom_probe_spec *pr, const char *system,
		       const char *name)
{
	*pr = (struct fathom_probe_spec){ .kind = FATHOM_PROBE_TRACEPOINT,
					  .tp_system = system,
					  .tp_name = name };
}

static void profile(struct fathom_probe_spec *pr, uint64_t period_ns)
{
	*pr = (struct fathom_probe_spec){ .kind = FATHOM_PROBE_PROFILE,
					  .period_ns = period_ns };
}

/* ---- load ---- */

static int pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static void unpin(void)
{
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	for (i = 0; i < CPU_SETSIZE; i++)
		CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* A child spinning in user space on @cpu until killed. */
static pid_t spinner(int cpu)
{
	pid_t pid = fork();

	if (pid == 0) {
		volatile unsigned long n = 0;

		if (pin_to(cpu))
			_exit(1);
		for (;;)
			n++;
	}
	return pid;
}

static void reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static void call_getppid(unsigned int n)
{
	while (n--)
		syscall(SYS_getppid);
}

static long read_long(const char *path)
{
	char buf[32];
	long v = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) > 0)
		v = strtol(buf, NULL, 10);
	close(fd);
	return v;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* ---- relay ---- */

#define NR_NAMES 24

struct names {
	char name[NR_NAMES + 8][64];
	uint64_t nr[NR_NAMES + 8];
	unsigned int n, bad;
};

static int on_name(const struct fathom_record_hdr *hdr, const void *payload,
		   size_t len, void *arg)
{
	struct names *r = arg;
	struct name_rec rec;

	if (hdr->kind != FATHOM_REC_EMIT)
		return 0;
	if (len < sizeof(rec)) {
		r->bad++;
		return 0;
	}
	memcpy(&rec, payload, sizeof(rec));
	if (rec.magic != NAME_MAGIC) {
		r->bad++;
		return 0;
	}
	if (r->n < NR_NAMES + 8) {
		memcpy(r->name[r->n], rec.name, sizeof(rec.name));
		r->name[r->n][63] = '\0';
		r->nr[r->n] = rec.nr;
	}
	r->n++;
	return 0;
}

static int read_names(const char *rel, struct names *r)
{
	return relay_drain(rel, on_name, r, NULL);
}

/* ---- the tests ---- */

FIXTURE(tp)
{
	struct fathom_nl nl;
	uint32_t sid;
	struct setup s;
};

FIXTURE_SETUP(tp)
{
	ASSERT_EQ(0, fathom_nl_open(&self->nl)) TH_LOG("is fathom.ko loaded?");
	self->sid = 0;
	memset(&self->s, 0, sizeof(self->s));
	ASSERT_NE(NULL, tracefs()) TH_LOG("no tracefs");
}

FIXTURE_TEARDOWN(tp)
{
	unpin();
	/* a hotplug test that failed half-way must not leave CPU 1 down */
	if (read_long(CPU1_ONLINE) == 0)
		write_str(CPU1_ONLINE, "1");
	if (self->sid)
		EXPECT_EQ(0, fathom_session_cmd(&self->nl,
						FATHOM_CMD_SESSION_DESTROY,
						self->sid));
	EXPECT_EQ(0, sessions_of(&self->nl, getpid()));
	fathom_nl_close(&self->nl);
}

static int create(FIXTURE_DATA(tp) * self, unsigned int n,
		  struct fathom_create_result *res)
{
	int ret;

	setup_init(&self->s, n);
	ret = fathom_session_create(&self->nl, &self->s.spec, res);
	if (!ret)
		self->sid = res->session_id;
	return ret;
}

/*
 * The record's filename pointer leads to exactly the names this process
 * opened, in order, one record each; the syscall number is openat's.
 */
TEST_F(tp, openat_names_exact_and_in_order)
{
	struct fathom_create_result res;
	struct fathom_session_info info;
	unsigned int nr_off, name_off, size, i;
	static struct names got;
	char want[NR_NAMES][64];

	ASSERT_EQ(0, tp_field("syscalls", "sys_enter_openat", "__syscall_nr",
			      &nr_off, &size));
	ASSERT_EQ(4, size);
	ASSERT_EQ(0, tp_field("syscalls", "sys_enter_openat", "filename",
			      &name_off, &size));
	ASSERT_EQ(8, size);
	build_openat_names(&self->s.prog[0], nr_off, name_off);
	tracepoint(&self->s.pr[0], "syscalls", "sys_enter_openat");
	ASSERT_EQ(0, create(self, 1, &res)) TH_LOG("%s", self->nl.errmsg);

	for (i = 0; i < NR_NAMES; i++)
		snprintf(want[i], sizeof(want[i]),
			 "/nonexistent/fathom-tp-%u-%x", i,
			 (unsigned int)(i * 2654435761U));
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	for (i = 0; i < NR_NAMES; i++)
		EXPECT_EQ(-1, syscall(SYS_openat, AT_FDCWD, want[i], O_RDONLY));
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));

	memset(&got, 0, sizeof(got));
	ASSERT_EQ(0, read_names(res.relay_dir, &got));
	EXPECT_EQ(0, got.bad);
	ASSERT_EQ(NR_NAMES, got.n);
	for (i = 0; i < NR_NAMES; i++) {
		EXPECT_STREQ(want[i], got.name[i]);
		EXPECT_EQ(SYS_openat, got.nr[i]);
	}
	EXPECT_EQ(NR_NAMES, count_at(&self->nl, self->sid, 1, 0));

	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	EXPECT_EQ(FATHOM_PROBE_PATH_PERF, info.probes[0].path);
	EXPECT_LE(NR_NAMES, info.probes[0].hits);
	EXPECT_EQ(0, info.probes[0].misses);
	EXPECT_EQ(0, info.stats.prog_errors);
	EXPECT_EQ(0, info.stats.drop_relay);
	fathom_session_info_free(&info);
}

/* Counted only while started, exactly. */
TEST_F(tp, openat_counts_only_while_started)
{
	struct fathom_create_result res;
	struct fathom_session_info info;
	unsigned int i;

	build_count_mine(&self->s.prog[0]);
	tracepoint(&self->s.pr[0], "syscalls", "sys_enter_openat");
	ASSERT_EQ(0, create(self, 1, &res)) TH_LOG("%s", self->nl.errmsg);

	for (i = 0; i < 10; i++) /* created: not counted */
		syscall(SYS_openat, AT_FDCWD, "/nonexistent/a", O_RDONLY);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	for (i = 0; i < 321; i++)
		syscall(SYS_openat, AT_FDCWD, "/nonexistent/b", O_RDONLY);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	for (i = 0; i < 10; i++) /* stopped: not counted */
		syscall(SYS_openat, AT_FDCWD, "/nonexistent/c", O_RDONLY);
	EXPECT_EQ(321, count_at(&self->nl, self->sid, 1, 0));

	/* and again on top */
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	for (i = 0; i < 79; i++)
		syscall(SYS_openat, AT_FDCWD, "/nonexistent/d", O_RDONLY);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	EXPECT_EQ(400, count_at(&self->nl, self->sid, 1, 0));
	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	EXPECT_EQ(1, info.nr_probes);
	EXPECT_LE(400, info.probes[0].hits);
	EXPECT_EQ(0, info.probes[0].misses);
	EXPECT_EQ(0, info.probes[0].drops);
	EXPECT_EQ(info.probes[0].hits, info.progs[0].runs);
	fathom_session_info_free(&info);
}

/*
 * sched_process_exec: each child that execs /bin/true is counted once
 * under its pid (read from the record), and the record's __data_loc file
 * name ends in the name it exec'd.
 */
TEST_F(tp, sched_process_exec_per_child)
{
	static const char path[] = "/bin/true";
	struct fathom_create_result res;
	unsigned int pid_off, name_off, size, i;
	uint64_t tail = 0;
	pid_t kids[5];
	struct prog *p = &self->s.prog[0];

	ASSERT_EQ(0, access(path, X_OK));
	ASSERT_EQ(0, tp_field("sched", "sched_process_exec", "pid", &pid_off,
			      &size));
	ASSERT_EQ(4, size);
	ASSERT_EQ(0, tp_field("sched", "sched_process_exec", "filename",
			      &name_off, &size));
	ASSERT_EQ(4, size);
	/* the last 8 bytes of the name, its NUL included */
	memcpy(&tail, path + sizeof(path) - 8, 8);

	memset(p, 0, sizeof(*p));
	/* key: the pid field */
	prog_add(p, FATHOM_ST_MEM(FATHOM_DW, FATHOM_REG_FP, -8, 0));
	read_ctx(p, -8, 4, pid_off);
	prog_add(p, FATHOM_MOV64_IMM(6, 1));
	prog_aggregate(p, 1, 6);
	/* __data_loc: u32 (length << 16 | offset) */
	prog_add(p, FATHOM_ST_MEM(FATHOM_DW, FATHOM_REG_FP, -16, 0));
	read_ctx(p, -16, 4, name_off);
	prog_add(p, FATHOM_LDX_MEM(FATHOM_DW, 6, FATHOM_REG_FP, -16));
	prog_add(p, FATHOM_MOV64_REG(7, 6));
	prog_add(p, FATHOM_ALU64_IMM(FATHOM_AND, 6, 0xffff));
	prog_add(p, FATHOM_ALU64_IMM(FATHOM_RSH, 7, 16));
	prog_add(p, FATHOM_ALU64_REG(FATHOM_ADD, 6, 7));
	prog_add(p, FATHOM_ALU64_IMM(FATHOM_SUB, 6, 8));
	prog_add(p, FATHOM_MOV64_REG(1, FATHOM_REG_FP));
	prog_add(p, FATHOM_ALU64_IMM(FATHOM_ADD, 1, -24));
	prog_add(p, FATHOM_MOV64_IMM(2, 8));
	prog_add(p, FATHOM_MOV64_REG(3, 6));
	prog_add(p, FATHOM_CALL_HELPER(FATHOM_HELPER_READ_CTX));
	prog_exit_if(p, FATHOM_JNE, 0, 0);
	prog_add(p, FATHOM_LDX_MEM(FATHOM_DW, 6, FATHOM_REG_FP, -24));
	prog_ld64(p, 7, tail);
	prog_exit_if_reg(p, FATHOM_JNE, 6, 7);
	prog_add(p, FATHOM_MOV64_IMM(6, 1));
	prog_aggregate(p, 2, 6);
	prog_finish(p);
	tracepoint(&self->s.pr[0], "sched", "sched_process_exec");
	ASSERT_EQ(0, create(self, 1, &res))
	TH_LOG("%s (insn %d: %s)", self->nl.errmsg, res.verifier_insn,
	       res.verifier_log);

	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	for (i = 0; i < 5; i++) {
		kids[i] = fork();
		ASSERT_LE(0, kids[i]);
		if (kids[i] == 0) {
			execl(path, path, (char *)NULL);
			_exit(127);
		}
		waitpid(kids[i], NULL, 0);
	}
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(1, count_at(&self->nl, self->sid, 1, kids[i]))
		TH_LOG("child %d", kids[i]);
		EXPECT_EQ(1, count_at(&self->nl, self->sid, 2, kids[i]))
		TH_LOG("child %d: file name", kids[i]);
	}
}

/* A non-syscall tracepoint: this process switching out while it sleeps. */
TEST_F(tp, sched_switch_sees_this_process)
{
	struct fathom_create_result res;
	struct fathom_session_info info;
	unsigned int off, size, i;
	struct prog *p = &self->s.prog[0];
	uint64_t mine, all;

	ASSERT_EQ(0,
		  tp_field("sched", "sched_switch", "prev_pid", &off, &size));
	ASSERT_EQ(4, size);
	memset(p, 0, sizeof(*p));
	prog_count_key0(p, 2);
	prog_add(p, FATHOM_ST_MEM(FATHOM_DW, FATHOM_REG_FP, -16, 0));
	read_ctx(p, -16, 4, off);
	prog_add(p, FATHOM_LDX_MEM(FATHOM_DW, 6, FATHOM_REG_FP, -16));
	prog_ld64(p, 7, getpid());
	prog_exit_if_reg(p, FATHOM_JNE, 6, 7);
	prog_count_key0(p, 1);
	prog_finish(p);
	tracepoint(&self->s.pr[0], "sched", "sched_switch");
	ASSERT_EQ(0, create(self, 1, &res)) TH_LOG("%s", self->nl.errmsg);

	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	for (i = 0; i < 20; i++)
		sleep_ms(1);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	mine = count_at(&self->nl, self->sid, 1, 0);
	all = count_at(&self->nl, self->sid, 2, 0);
	TH_LOG("%llu switches, %llu of this process", (unsigned long long)all,
	       (unsigned long long)mine);
	EXPECT_LE(20, mine); /* every sleep switches out */
	EXPECT_GT(10000, mine);
	EXPECT_LE(mine, all);
	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	EXPECT_EQ(all, info.probes[0].hits);
	EXPECT_EQ(0, info.probes[0].misses);
	fathom_session_info_free(&info);
}

/*
 * A module's tracepoint (9pnet's, which the guest's root file system
 * uses): it fires, and the session holds the module (once for the event,
 * once per CPU's counter) until it is destroyed.
 */
TEST_F(tp, module_tracepoint_fires_and_pins_module)
{
	struct fathom_create_result res;
	long before, during, ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct stat st;
	unsigned int i;

	if (!tp_exists("9p", "9p_client_req") || read_long(P9_REFCNT) < 0)
		SKIP(return, "no 9pnet module tracepoints in this guest");
	before = read_long(P9_REFCNT);
	build_count_all(&self->s.prog[0], 1);
	tracepoint(&self->s.pr[0], "9p", "9p_client_req");
	ASSERT_EQ(0, create(self, 1, &res)) TH_LOG("%s", self->nl.errmsg);
	during = read_long(P9_REFCNT);
	EXPECT_EQ(before + 1 + ncpu, during);

	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	for (i = 0; i < 20; i++)
		stat("/usr/bin", &st);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	EXPECT_LT(0, count_at(&self->nl, self->sid, 1, 0));

	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_DESTROY,
					self->sid));
	self->sid = 0;
	EXPECT_EQ(before, read_long(P9_REFCNT));
}

/*
 * Profile at 1 kHz with a spinner on each CPU for about a second: samples
 * on both CPUs at about the rate asked for, with kernel and user stacks.
 */
TEST_F_TIMEOUT(tp, profile_samples_every_cpu, 60)
{
	static const struct fathom_map_spec maps[] = {
		{ .kind = FATHOM_MAP_COUNT, .key_size = 8, .max_entries = 64 },
		{ .kind = FATHOM_MAP_STACK,
		  .key_size = 8 + 8 * 32,
		  .max_entries = 1024 },
		{ .kind = FATHOM_MAP_STACK,
		  .key_size = 8 + 8 * 32,
		  .max_entries = 1024 },
		{ .kind = FATHOM_MAP_COUNT, .key_size = 8, .max_entries = 4 },
		{ .kind = FATHOM_MAP_COUNT, .key_size = 8, .max_entries = 4 },
	};
	struct fathom_create_result res;
	struct fathom_session_info info;
	struct prog *p = &self->s.prog[0];
	uint64_t t0, ms, total, kstacks, ustacks;
	struct keyed k;
	pid_t spin[2];
	int cpu;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs 2 CPUs");
	memset(p, 0, sizeof(*p));
	count_by_cpu(p, 1);
	prog_add(p, FATHOM_MOV64_IMM(1, 2));
	prog_add(p, FATHOM_MOV64_IMM(2, 0));
	prog_add(p, FATHOM_CALL_HELPER(FATHOM_HELPER_GET_KSTACK_ID));
	prog_exit_if(p, FATHOM_JSLT, 0, 0);
	prog_count_key0(p, 4);
	prog_add(p, FATHOM_MOV64_IMM(1, 3));
	prog_add(p, FATHOM_MOV64_IMM(2, 0));
	prog_add(p, FATHOM_CALL_HELPER(FATHOM_HELPER_GET_USTACK_ID));
	prog_exit_if(p, FATHOM_JSLT, 0, 0);
	prog_count_key0(p, 5);
	prog_finish(p);
	profile(&self->s.pr[0], 1000000);
	setup_init(&self->s, 1);
	self->s.spec.maps = maps;
	self->s.spec.nr_maps = 5;
	ASSERT_EQ(0, fathom_session_create(&self->nl, &self->s.spec, &res))
	TH_LOG("%s (insn %d: %s)", self->nl.errmsg, res.verifier_insn,
	       res.verifier_log);
	self->sid = res.session_id;

	for (cpu = 0; cpu < 2; cpu++)
		spin[cpu] = spinner(cpu);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));
	t0 = now_ms();
	sleep_ms(1000);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	ms = now_ms() - t0;
	for (cpu = 0; cpu < 2; cpu++)
		reap(spin[cpu]);

	k = dump_keyed(&self->nl, self->sid, 1);
	total = k.v[0] + k.v[1];
	kstacks = count_at(&self->nl, self->sid, 4, 0);
	ustacks = count_at(&self->nl, self->sid, 5, 0);
	TH_LOG("%llu ms: %llu + %llu samples; %llu with a kernel stack, %llu with a user stack too",
	       (unsigned long long)ms, (unsigned long long)k.v[0],
	       (unsigned long long)k.v[1], (unsigned long long)kstacks,
	       (unsigned long long)ustacks);
	EXPECT_EQ(0, k.other);
	/* a sample every ms on each CPU, give or take emulation */
	EXPECT_LT(ms / 8, k.v[0]);
	EXPECT_LT(ms / 8, k.v[1]);
	EXPECT_GE(2 * ms + 20, total);
	EXPECT_EQ(total, kstacks);
	EXPECT_LT(0, ustacks);
	EXPECT_GE(kstacks, ustacks);

	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	EXPECT_EQ(FATHOM_PROBE_PATH_PERF, info.probes[0].path);
	EXPECT_EQ(total, info.probes[0].hits);
	EXPECT_EQ(0, info.probes[0].misses);
	EXPECT_EQ(0, info.stats.prog_errors);
	fathom_session_info_free(&info);
}

TEST_F(tp, bad_input_refused_nothing_left)
{
	struct fathom_create_result res;
	char *msg = self->nl.errmsg;

	build_count_all(&self->s.prog[0], 1);
	build_count_all(&self->s.prog[1], 1);

	tracepoint(&self->s.pr[0], "syscalls", "sys_enter_fathom_nope");
	EXPECT_EQ(-ENOENT, create(self, 1, &res));
	/* with the names where the kernel can format the message */
	EXPECT_TRUE(
		!strcmp(msg, "tracepoint not found") ||
		!strcmp(msg,
			"tracepoint not found: syscalls:sys_enter_fathom_nope"))
	TH_LOG("'%s'", msg);

	tracepoint(&self->s.pr[0], "fathom_nope", "sched_switch");
	EXPECT_EQ(-ENOENT, create(self, 1, &res));
	EXPECT_EQ(0, strncmp(msg, "tracepoint not found", 20))
	TH_LOG("'%s'", msg);

	tracepoint(&self->s.pr[0], "sched", NULL);
	EXPECT_EQ(-EINVAL, create(self, 1, &res));
	EXPECT_STREQ("a tracepoint probe needs TP_SYSTEM and TP_NAME", msg);

	tracepoint(&self->s.pr[0], NULL, "sched_switch");
	EXPECT_EQ(-EINVAL, create(self, 1, &res));
	EXPECT_STREQ("a tracepoint probe needs TP_SYSTEM and TP_NAME", msg);

	/* a good probe before a bad one: all or nothing */
	tracepoint(&self->s.pr[0], "sched", "sched_switch");
	tracepoint(&self->s.pr[1], "sched", "sched_fathom_nope");
	EXPECT_EQ(-ENOENT, create(self, 2, &res));

	profile(&self->s.pr[0], 0);
	EXPECT_EQ(-EINVAL, create(self, 1, &res));
	EXPECT_STREQ("a profile probe needs a period of 100 us to 1 hour", msg);
	profile(&self->s.pr[0], FATHOM_PERIOD_MIN_NS - 1);
	EXPECT_EQ(-EINVAL, create(self, 1, &res));
	EXPECT_STREQ("a profile probe needs a period of 100 us to 1 hour", msg);
	profile(&self->s.pr[0], 3601ULL * 1000000000ULL);
	EXPECT_EQ(-EINVAL, create(self, 1, &res));
	EXPECT_STREQ("a profile probe needs a period of 100 us to 1 hour", msg);

	EXPECT_EQ(0, self->sid);
	EXPECT_EQ(0, sessions_of(&self->nl, getpid()));

	/* the shortest period is fine */
	profile(&self->s.pr[0], FATHOM_PERIOD_MIN_NS);
	EXPECT_EQ(0, create(self, 1, &res)) TH_LOG("%s", msg);
}

/*
 * The owner is killed with a tracepoint and a profile probe armed (and a
 * module's tracepoint where there is one): no session, no counter, no
 * module reference is left.
 */
TEST_F(tp, killed_owner_leaves_nothing)
{
	bool p9 = tp_exists("9p", "9p_client_req");
	long before = p9 ? read_long(P9_REFCNT) : 0;
	int ready[2];
	pid_t child;
	char c;

	ASSERT_EQ(0, pipe(ready));
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		struct fathom_create_result res;

		fathom_nl_close(&self->nl);
		if (fathom_nl_open(&self->nl))
			_exit(1);
		build_count_all(&self->s.prog[0], 1);
		build_count_all(&self->s.prog[1], 2);
		build_count_all(&self->s.prog[2], 3);
		tracepoint(&self->s.pr[0], "sched", "sched_switch");
		profile(&self->s.pr[1], 1000000);
		tracepoint(&self->s.pr[2], "9p", "9p_client_req");
		if (create(self, p9 ? 3 : 2, &res) ||
		    fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
				       res.session_id))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	EXPECT_EQ(1, sessions_of(&self->nl, child));
	if (p9)
		EXPECT_EQ(before + 1 + sysconf(_SC_NPROCESSORS_ONLN),
			  read_long(P9_REFCNT));

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	EXPECT_EQ(0, sessions_of(&self->nl, child));
	if (p9)
		EXPECT_EQ(before, read_long(P9_REFCNT));
}

/*
 * CPU 1 goes offline and comes back while a session with a syscall
 * tracepoint (getppid, this process, keyed by CPU) and a profile probe
 * (keyed by CPU) exists: counts stay exact on the CPUs that have a
 * counter, and CPU 1 gets its counters back.
 */
TEST_F_TIMEOUT(tp, cpu_offline_and_back, 120)
{
	struct fathom_create_result res;
	struct fathom_session_info info;
	uint64_t c1, s1;
	uint64_t t0;
	pid_t spin;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || read_long(CPU1_ONLINE) != 1 ||
	    access(CPU1_ONLINE, W_OK))
		SKIP(return, "CPU 1 cannot be taken offline here");

	memset(&self->s.prog[0], 0, sizeof(self->s.prog[0]));
	prog_filter_pid(&self->s.prog[0], getpid());
	count_by_cpu(&self->s.prog[0], 1);
	prog_finish(&self->s.prog[0]);
	memset(&self->s.prog[1], 0, sizeof(self->s.prog[1]));
	count_by_cpu(&self->s.prog[1], 2);
	prog_finish(&self->s.prog[1]);
	tracepoint(&self->s.pr[0], "syscalls", "sys_enter_getppid");
	profile(&self->s.pr[1], 1000000);
	ASSERT_EQ(0, create(self, 2, &res)) TH_LOG("%s", self->nl.errmsg);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
					self->sid));

	ASSERT_EQ(0, pin_to(1));
	call_getppid(100);
	ASSERT_EQ(0, pin_to(0));
	call_getppid(50);
	EXPECT_EQ(100, count_at(&self->nl, self->sid, 1, 1));
	EXPECT_EQ(50, count_at(&self->nl, self->sid, 1, 0));

	ASSERT_EQ(0, write_str(CPU1_ONLINE, "0"));
	ASSERT_EQ(0, read_long(CPU1_ONLINE));
	EXPECT_NE(0, pin_to(1)); /* offline */
	call_getppid(50);
	EXPECT_EQ(100, count_at(&self->nl, self->sid, 1, 1));
	EXPECT_EQ(100, count_at(&self->nl, self->sid, 1, 0));
	/* no samples on an offline CPU */
	s1 = count_at(&self->nl, self->sid, 2, 1);
	sleep_ms(100);
	EXPECT_EQ(s1, count_at(&self->nl, self->sid, 2, 1));

	ASSERT_EQ(0, write_str(CPU1_ONLINE, "1"));
	ASSERT_EQ(1, read_long(CPU1_ONLINE));
	ASSERT_EQ(0, pin_to(1));
	/* the counters come back shortly after the CPU (a work item) */
	t0 = now_ms();
	do {
		call_getppid(1);
		c1 = count_at(&self->nl, self->sid, 1, 1);
		if (c1 > 100)
			break;
		sleep_ms(10);
	} while (now_ms() - t0 < 10000);
	TH_LOG("tracepoint counter back on CPU 1 after %llu ms",
	       (unsigned long long)(now_ms() - t0));
	ASSERT_LT(100, c1);
	call_getppid(200);
	EXPECT_EQ(c1 + 200, count_at(&self->nl, self->sid, 1, 1));
	ASSERT_EQ(0, pin_to(0));
	EXPECT_EQ(100, count_at(&self->nl, self->sid, 1, 0));

	/* busy on CPU 1: the profile samples it again */
	spin = spinner(1);
	t0 = now_ms();
	while (count_at(&self->nl, self->sid, 2, 1) <= s1 &&
	       now_ms() - t0 < 10000)
		sleep_ms(10);
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
					self->sid));
	reap(spin);
	EXPECT_LT(s1, count_at(&self->nl, self->sid, 2, 1));

	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	EXPECT_EQ(0, info.probes[0].misses);
	EXPECT_EQ(0, info.probes[1].misses);
	fathom_session_info_free(&info);
}

TEST_HARNESS_MAIN
