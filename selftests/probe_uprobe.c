// SPDX-License-Identifier: GPL-2.0-only
/*
 * uprobes and uretprobes against the real module.
 *
 * The probed program is uprobe_target (built beside this test as PIE and
 * as a fixed-address executable): it calls target(i, 1000 + i), which
 * returns 3 * i + 1000, and lib_target(i) from libuprobe_test.so, for
 * i = 0 .. N-1. The test finds the functions' file offsets in the ELF
 * files itself, runs the program in child processes and checks the maps
 * exactly: counts and argument sums per process, return values one by
 * one. Whether a process has a breakpoint in its text is read from
 * /proc/PID/smaps: writing one copies the page, so the text mapping shows
 * anonymous memory exactly while a probe is installed there.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/fathom.h>

#include "kselftest_harness.h"
#include "api.h"
#include "common.h"
#include "prog.h"

#define TARGET "uprobe_target"
#define TARGET_NOPIE "uprobe_target_nopie"
#define LIB "libuprobe_test.so"

/* What target(i, 1000 + i) and lib_target(i) see and return, i < n. */
static uint64_t sum_i(uint64_t n)
{
	return n * (n - 1) / 2;
}

static uint64_t sum_b(uint64_t n)
{
	return 1000 * n + sum_i(n);
}

static uint64_t sum_ret(uint64_t n)
{
	return 1000 * n + 3 * sum_i(n);
}

/*
 * The file offset of symbol @sym (of @type, STT_FUNC or STT_OBJECT) in the
 * ELF file @path: its st_value (from .symtab or .dynsym) moved from the
 * PT_LOAD segment's addresses to the segment's file offset. 0 when not
 * found or not in the file.
 */
static uint64_t sym_offset(const char *path, const char *sym, int type)
{
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	const Elf64_Phdr *ph;
	uint64_t value = 0, off = 0;
	unsigned int i, j;
	struct stat st;
	void *base;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) || st.st_size < (off_t)sizeof(*eh)) {
		close(fd);
		return 0;
	}
	base = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (base == MAP_FAILED)
		return 0;
	eh = base;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64)
		goto out;
	sh = (const Elf64_Shdr *)((const char *)base + eh->e_shoff);
	for (i = 0; i < eh->e_shnum && !value; i++) {
		const Elf64_Sym *syms;
		const char *names;

		if (sh[i].sh_type != SHT_SYMTAB && sh[i].sh_type != SHT_DYNSYM)
			continue;
		syms = (const Elf64_Sym *)((const char *)base +
					   sh[i].sh_offset);
		names = (const char *)base + sh[sh[i].sh_link].sh_offset;
		for (j = 0; j < sh[i].sh_size / sizeof(*syms); j++)
			if (ELF64_ST_TYPE(syms[j].st_info) == type &&
			    syms[j].st_shndx != SHN_UNDEF &&
			    !strcmp(names + syms[j].st_name, sym))
				value = syms[j].st_value;
	}
	ph = (const Elf64_Phdr *)((const char *)base + eh->e_phoff);
	for (i = 0; i < eh->e_phnum && value; i++)
		if (ph[i].p_type == PT_LOAD && value >= ph[i].p_vaddr &&
		    value < ph[i].p_vaddr + ph[i].p_filesz)
			off = value - ph[i].p_vaddr + ph[i].p_offset;
out:
	munmap(base, st.st_size);
	return off;
}

/* A running uprobe_target; @in releases it when it waits. */
struct target {
	pid_t pid;
	int in;
};

/*
 * Start @exe with N = @n and up to two mode words. With "wait", return
 * once it is ready (its libraries mapped, blocked on standard input).
 */
static int target_start(struct target *t, const char *exe, unsigned int n,
			const char *mode1, const char *mode2)
{
	int in[2], out[2];
	char num[16], c;

	snprintf(num, sizeof(num), "%u", n);
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -1;
	t->pid = fork();
	if (t->pid < 0)
		return -1;
	if (t->pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(126);
		execl(exe, exe, num, mode1, mode2, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	t->in = in[1];
	if ((mode1 && !strcmp(mode1, "wait")) && read(out[0], &c, 1) != 1) {
		close(out[0]);
		return -1;
	}
	close(out[0]);
	return 0;
}

/* Release it if it waits; its exit status, or -1 if it did not exit. */
static int target_finish(struct target *t)
{
	int status;

	if (t->in >= 0) {
		if (write(t->in, "g", 1) != 1)
			kill(t->pid, SIGKILL);
		close(t->in);
		t->in = -1;
	}
	if (waitpid(t->pid, &status, 0) != t->pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Run @exe (with @mode, or none) to its end; its exit status or -1. */
static int target_run(const char *exe, unsigned int n, const char *mode,
		      pid_t *pid)
{
	struct target t;

	if (target_start(&t, exe, n, mode, NULL))
		return -1;
	*pid = t.pid;
	return target_finish(&t);
}

/*
 * Anonymous kB in the executable mappings of @path in process @pid: the
 * pages a breakpoint was written to. -1 when smaps cannot be read.
 */
static long text_anon_kb(pid_t pid, const char *path)
{
	char name[64], line[PATH_MAX + 128], perms[8], file[PATH_MAX];
	bool in_text = false;
	long kb = 0, v;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%d/smaps", pid);
	f = fopen(name, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3) {
			file[0] = '\0';
			sscanf(line, "%*x-%*x %*s %*x %*x:%*x %*u %4095s",
			       file);
			in_text = strchr(perms, 'x') && !strcmp(file, path);
			continue;
		}
		if (in_text && sscanf(line, "Anonymous: %ld kB", &v) == 1)
			kb += v;
	}
	fclose(f);
	return kb;
}

/* Where @path of process @pid is mapped first, or 0. */
static unsigned long map_base(pid_t pid, const char *path)
{
	char name[64], line[PATH_MAX + 128], file[PATH_MAX];
	unsigned long start, base = 0;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%d/maps", pid);
	f = fopen(name, "re");
	if (!f)
		return 0;
	while (!base && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%*x %*s %*x %*x:%*x %*u %4095s", &start,
			   file) == 2 &&
		    !strcmp(file, path))
			base = start;
	fclose(f);
	return base;
}

/* Map contents merged over CPUs: key -> sum of the first u64 values. */
struct kvs {
	unsigned int n;
	bool overflow;
	struct {
		uint64_t key, val;
	} e[1024];
};

static void kv_add(uint32_t cpu, const void *key, uint32_t key_size,
		   const void *value, uint32_t value_size, void *arg)
{
	struct kvs *m = arg;
	uint64_t k = 0, v = 0;
	unsigned int i;

	memcpy(&k, key, key_size < 8 ? key_size : 8);
	memcpy(&v, value, value_size < 8 ? value_size : 8);
	for (i = 0; i < m->n; i++)
		if (m->e[i].key == k)
			break;
	if (i == m->n) {
		if (m->n == sizeof(m->e) / sizeof(m->e[0])) {
			m->overflow = true;
			return;
		}
		m->n++;
		m->e[i].key = k;
		m->e[i].val = 0;
	}
	m->e[i].val += v;
}

static int dump(struct fathom_nl *nl, uint32_t sid, uint32_t map, struct kvs *m)
{
	memset(m, 0, sizeof(*m));
	return fathom_map_dump(nl, sid, map, kv_add, m) ?: -m->overflow;
}

/* The value under @key, or ~0 when there is none. */
static uint64_t kv_get(const struct kvs *m, uint64_t key)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (m->e[i].key == key)
			return m->e[i].val;
	return ~0ULL;
}

static void count_owner(const struct fathom_session_info *info, void *arg)
{
	uint32_t *o = arg; /* { owner pid, sessions found, last id } */

	if (info->owner_pid == o[0]) {
		o[1]++;
		o[2] = info->id;
	}
}

/* Sessions owned by process @pid (~0 on error); the last one's id. */
static unsigned int owned_sessions(struct fathom_nl *nl, pid_t pid,
				   uint32_t *id)
{
	uint32_t o[3] = { (uint32_t)pid, 0, 0 };

	if (fathom_session_list(nl, count_owner, o))
		return ~0U;
	if (id)
		*id = o[2];
	return o[1];
}

/* *(u64 *)(fp - 8) = pid, the key of every per-process map */
static void prog_key_pid(struct prog *p)
{
	prog_add(p, FATHOM_CALL_HELPER(FATHOM_HELPER_GET_PID));
	prog_store(p, -8, 0);
}

/* map 1: count per pid; map 2: sum of arg0; map 3: sum of arg1 */
static void build_count_args(struct prog *p)
{
	memset(p, 0, sizeof(*p));
	prog_key_pid(p);
	prog_add(p, FATHOM_MOV64_IMM(6, 1));
	prog_aggregate(p, 1, 6);
	prog_add(p, FATHOM_MOV64_IMM(1, 0));
	prog_add(p, FATHOM_CALL_HELPER(FATHOM_HELPER_GET_ARG));
	prog_aggregate(p, 2, 0);
	prog_add(p, FATHOM_MOV64_IMM(1, 1));
	prog_add(p, FATHOM_CALL_HELPER(FATHOM_HELPER_GET_ARG));
	prog_aggregate(p, 3, 0);
	prog_finish(p);
}

/* map 1: count per return value; map 2: sum of them per pid; map 3: count per pid */
static void build_retvals(struct prog *p)
{
	memset(p, 0, sizeof(*p));
	prog_add(p, FATHOM_CALL_HELPER(FATHOM_HELPER_GET_RETVAL));
	prog_add(p, FATHOM_MOV64_REG(7, 0));
	prog_store(p, -8, 7);
	prog_add(p, FATHOM_MOV64_IMM(6, 1));
	prog_aggregate(p, 1, 6);
	prog_key_pid(p);
	prog_aggregate(p, 2, 7);
	prog_add(p, FATHOM_MOV64_IMM(6, 1));
	prog_aggregate(p, 3, 6);
	prog_finish(p);
}

/* count per pid into @map */
static void build_count(struct prog *p, int map)
{
	memset(p, 0, sizeof(*p));
	prog_key_pid(p);
	prog_add(p, FATHOM_MOV64_IMM(6, 1));
	prog_aggregate(p, map, 6);
	prog_finish(p);
}

/* build_count_args()'s maps, and a fourth for the pid filter's uretprobe */
static const struct fathom_map_spec arg_maps[] = {
	{ .kind = FATHOM_MAP_COUNT, .key_size = 8, .max_entries = 1024 },
	{ .kind = FATHOM_MAP_SUM, .key_size = 8, .max_entries = 64 },
	{ .kind = FATHOM_MAP_SUM, .key_size = 8, .max_entries = 64 },
	{ .kind = FATHOM_MAP_SUM, .key_size = 8, .max_entries = 64 },
};

static const struct fathom_map_spec retval_maps[] = {
	{ .kind = FATHOM_MAP_COUNT, .key_size = 8, .max_entries = 1024 },
	{ .kind = FATHOM_MAP_SUM, .key_size = 8, .max_entries = 64 },
	{ .kind = FATHOM_MAP_COUNT, .key_size = 8, .max_entries = 64 },
};

static const struct fathom_map_spec count_maps[] = {
	{ .kind = FATHOM_MAP_COUNT, .key_size = 8, .max_entries = 64 },
	{ .kind = FATHOM_MAP_COUNT, .key_size = 8, .max_entries = 64 },
};

FIXTURE(uprobe)
{
	struct fathom_nl nl;
	uint32_t sid;
	char exe[PATH_MAX], exe_nopie[PATH_MAX], lib[PATH_MAX];
	uint64_t off_target, off_target_nopie, off_lib, off_sem;
};

FIXTURE_SETUP(uprobe)
{
	char self_exe[PATH_MAX - 64], *slash;
	ssize_t n;

	ASSERT_EQ(0, fathom_nl_open(&self->nl)) TH_LOG("is fathom.ko loaded?");
	self->sid = 0;
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	ASSERT_LT(0, n);
	self_exe[n] = '\0';
	slash = strrchr(self_exe, '/');
	ASSERT_NE(NULL, slash);
	*slash = '\0';
	snprintf(self->exe, sizeof(self->exe), "%s/" TARGET, self_exe);
	snprintf(self->exe_nopie, sizeof(self->exe_nopie), "%s/" TARGET_NOPIE,
		 self_exe);
	snprintf(self->lib, sizeof(self->lib), "%s/" LIB, self_exe);
	self->off_target = sym_offset(self->exe, "target", STT_FUNC);
	self->off_target_nopie =
		sym_offset(self->exe_nopie, "target", STT_FUNC);
	self->off_lib = sym_offset(self->lib, "lib_target", STT_FUNC);
	self->off_sem = sym_offset(self->exe, "target_semaphore", STT_OBJECT);
	ASSERT_NE(0, self->off_target) TH_LOG("no target() in %s", self->exe);
	ASSERT_NE(0, self->off_target_nopie);
	ASSERT_NE(0, self->off_lib);
	ASSERT_NE(0, self->off_sem);
	ASSERT_EQ(0, owned_sessions(&self->nl, getpid(), NULL));
}

FIXTURE_TEARDOWN(uprobe)
{
	if (self->sid)
		EXPECT_EQ(0, fathom_session_cmd(&self->nl,
						FATHOM_CMD_SESSION_DESTROY,
						self->sid));
	EXPECT_EQ(0, owned_sessions(&self->nl, getpid(), NULL));
	fathom_nl_close(&self->nl);
}

/* One session: probe i runs program i (@progs[i]); returns the errno. */
static int create(FIXTURE_DATA(uprobe) * self, const struct prog *progs,
		  const struct fathom_probe_spec *probes, unsigned int n,
		  const struct fathom_map_spec *maps, unsigned int nr_maps)
{
	struct fathom_create_result res;
	struct fathom_prog_spec ps[4];
	struct fathom_session_spec spec = {
		.progs = ps,
		.nr_progs = n,
		.maps = maps,
		.nr_maps = nr_maps,
		.probes = probes,
		.nr_probes = n,
	};
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		ps[i].insns = progs[i].insn;
		ps[i].len = progs[i].len;
		ps[i].name = NULL;
	}
	ret = fathom_session_create(&self->nl, &spec, &res);
	if (!ret)
		self->sid = res.session_id;
	return ret;
}

static int start(FIXTURE_DATA(uprobe) * self)
{
	return fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_START,
				  self->sid);
}

static int stop(FIXTURE_DATA(uprobe) * self)
{
	return fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_STOP,
				  self->sid);
}

/*
 * Probe target() of @exe, armed before the program starts; run it twice
 * (two processes, each exits while the session runs): per process exactly
 * N hits, and the sums of both arguments.
 */
static void counts_args(struct __test_metadata *_metadata,
			FIXTURE_DATA(uprobe) * self, const char *exe,
			uint64_t off)
{
	const unsigned int n = 1000;
	struct fathom_probe_spec pr = { .kind = FATHOM_PROBE_UPROBE,
					.upath = exe,
					.offset = off };
	struct fathom_session_info info;
	struct prog p;
	struct kvs m;
	pid_t pid[2];
	int i;

	build_count_args(&p);
	ASSERT_EQ(0, create(self, &p, &pr, 1, arg_maps, 3))
	TH_LOG("%s", self->nl.errmsg);
	ASSERT_EQ(0, start(self));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, target_run(exe, n, NULL, &pid[i]));
	/* both exited: the session runs on and their counts are there */
	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	EXPECT_EQ(FATHOM_STATE_RUNNING, info.state);
	EXPECT_EQ(2 * n, info.probes[0].hits);
	fathom_session_info_free(&info);
	ASSERT_EQ(0, stop(self));

	ASSERT_EQ(0, dump(&self->nl, self->sid, 1, &m));
	EXPECT_EQ(2, m.n);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(n, kv_get(&m, pid[i]));
	ASSERT_EQ(0, dump(&self->nl, self->sid, 2, &m));
	EXPECT_EQ(2, m.n);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(sum_i(n), kv_get(&m, pid[i]));
	ASSERT_EQ(0, dump(&self->nl, self->sid, 3, &m));
	EXPECT_EQ(2, m.n);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(sum_b(n), kv_get(&m, pid[i]));

	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	ASSERT_EQ(1, info.nr_probes);
	EXPECT_EQ(2 * n, info.probes[0].hits);
	EXPECT_EQ(0, info.probes[0].drops);
	EXPECT_EQ(FATHOM_PROBE_PATH_UPROBE, info.probes[0].path);
	EXPECT_EQ(2 * n, info.progs[0].runs);
	EXPECT_EQ(0, info.stats.prog_errors);
	EXPECT_EQ(0, info.stats.drop_recursion);
	fathom_session_info_free(&info);
}

/* The probe is armed before the process starts; PIE, Debian's default. */
TEST_F(uprobe, pie_armed_before_start_counts_args_exactly)
{
	counts_args(_metadata, self, self->exe, self->off_target);
}

TEST_F(uprobe, not_pie_armed_before_start_counts_args_exactly)
{
	counts_args(_metadata, self, self->exe_nopie, self->off_target_nopie);
}

/* Every return value of target(), one by one, and nothing else. */
TEST_F(uprobe, uretprobe_sees_every_return_value)
{
	const unsigned int n = 500;
	struct fathom_probe_spec pr = { .kind = FATHOM_PROBE_URETPROBE,
					.upath = self->exe,
					.offset = self->off_target };
	struct fathom_session_info info;
	struct prog p;
	struct kvs m;
	unsigned int i;
	pid_t pid;

	build_retvals(&p);
	ASSERT_EQ(0, create(self, &p, &pr, 1, retval_maps, 3))
	TH_LOG("%s", self->nl.errmsg);
	ASSERT_EQ(0, start(self));
	ASSERT_EQ(0, target_run(self->exe, n, NULL, &pid));
	ASSERT_EQ(0, stop(self));

	ASSERT_EQ(0, dump(&self->nl, self->sid, 1, &m));
	EXPECT_EQ(n, m.n);
	for (i = 0; i < n; i++)
		EXPECT_EQ(1, kv_get(&m, 3 * i + 1000)) TH_LOG("i = %u", i);
	ASSERT_EQ(0, dump(&self->nl, self->sid, 2, &m));
	EXPECT_EQ(1, m.n);
	EXPECT_EQ(sum_ret(n), kv_get(&m, pid));
	ASSERT_EQ(0, dump(&self->nl, self->sid, 3, &m));
	EXPECT_EQ(1, m.n);
	EXPECT_EQ(n, kv_get(&m, pid));

	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	EXPECT_EQ(n, info.probes[0].hits);
	EXPECT_EQ(FATHOM_PROBE_PATH_URETPROBE, info.probes[0].path);
	EXPECT_EQ(0, info.stats.prog_errors);
	fathom_session_info_free(&info);
}

/*
 * A function of a shared library, probed in the library file: two
 * processes (PIE and not) load it at different random addresses and each
 * counts exactly, with its argument.
 */
TEST_F(uprobe, shared_library_at_random_addresses)
{
	const unsigned int n = 300;
	struct fathom_probe_spec pr = { .kind = FATHOM_PROBE_UPROBE,
					.upath = self->lib,
					.offset = self->off_lib };
	struct target t[2];
	unsigned long base[2];
	struct prog p;
	struct kvs m;
	int i;

	build_count_args(&p);
	ASSERT_EQ(0, create(self, &p, &pr, 1, arg_maps, 3))
	TH_LOG("%s", self->nl.errmsg);
	ASSERT_EQ(0, start(self));
	ASSERT_EQ(0, target_start(&t[0], self->exe, n, "wait", NULL));
	ASSERT_EQ(0, target_start(&t[1], self->exe_nopie, n, "wait", NULL));
	for (i = 0; i < 2; i++) {
		base[i] = map_base(t[i].pid, self->lib);
		EXPECT_NE(0, base[i]);
		/* the breakpoint went in as the library was mapped */
		EXPECT_LT(0, text_anon_kb(t[i].pid, self->lib));
	}
	EXPECT_NE(base[0], base[1]) TH_LOG("ASLR off?");
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, target_finish(&t[i]));
	ASSERT_EQ(0, stop(self));

	ASSERT_EQ(0, dump(&self->nl, self->sid, 1, &m));
	EXPECT_EQ(2, m.n);
	for (i = 0; i < 2; i++)
		EXPECT_EQ(n, kv_get(&m, t[i].pid));
	ASSERT_EQ(0, dump(&self->nl, self->sid, 2, &m));
	for (i = 0; i < 2; i++)
		EXPECT_EQ(sum_i(n), kv_get(&m, t[i].pid));
}

/*
 * Processes that run before the session exists get the breakpoints at
 * SESSION_CREATE, and lose them at SESSION_DESTROY while they still run.
 */
TEST_F(uprobe, running_process_gets_and_loses_breakpoints)
{
	const unsigned int n = 200;
	struct fathom_probe_spec pr[2] = {
		{ .kind = FATHOM_PROBE_UPROBE,
		  .upath = self->exe,
		  .offset = self->off_target },
		{ .kind = FATHOM_PROBE_UPROBE,
		  .upath = self->lib,
		  .offset = self->off_lib,
		  .prog = 1 },
	};
	struct target t, late;
	struct prog p[2];
	struct kvs m;

	build_count(&p[0], 1);
	build_count(&p[1], 2);
	ASSERT_EQ(0, target_start(&t, self->exe, n, "wait", NULL));
	EXPECT_EQ(0, text_anon_kb(t.pid, self->exe));
	EXPECT_EQ(0, text_anon_kb(t.pid, self->lib));
	ASSERT_EQ(0, create(self, p, pr, 2, count_maps, 2))
	TH_LOG("%s", self->nl.errmsg);
	EXPECT_LT(0, text_anon_kb(t.pid, self->exe));
	EXPECT_LT(0, text_anon_kb(t.pid, self->lib));
	ASSERT_EQ(0, start(self));
	ASSERT_EQ(0, target_finish(&t));
	ASSERT_EQ(0, stop(self));
	ASSERT_EQ(0, dump(&self->nl, self->sid, 1, &m));
	EXPECT_EQ(1, m.n);
	EXPECT_EQ(n, kv_get(&m, t.pid));
	ASSERT_EQ(0, dump(&self->nl, self->sid, 2, &m));
	EXPECT_EQ(1, m.n);
	EXPECT_EQ(n, kv_get(&m, t.pid));

	/* destroyed under a running process: its text is clean again */
	ASSERT_EQ(0, target_start(&late, self->exe, n, "wait", NULL));
	EXPECT_LT(0, text_anon_kb(late.pid, self->exe));
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_DESTROY,
					self->sid));
	self->sid = 0;
	EXPECT_EQ(0, text_anon_kb(late.pid, self->exe));
	EXPECT_EQ(0, text_anon_kb(late.pid, self->lib));
	/* a breakpoint left behind would kill it with SIGTRAP */
	EXPECT_EQ(0, target_finish(&late));
}

/*
 * PID: two processes run target(), and the first forks a child that runs
 * it too (inheriting the breakpoint). Probes with PID = the first count
 * exactly its calls; the other process never gets a breakpoint.
 */
TEST_F(uprobe, pid_filter_counts_one_process)
{
	const unsigned int n = 300;
	struct fathom_probe_spec pr[2] = {
		{ .kind = FATHOM_PROBE_UPROBE,
		  .upath = self->exe,
		  .offset = self->off_target },
		{ .kind = FATHOM_PROBE_URETPROBE,
		  .upath = self->exe,
		  .offset = self->off_target,
		  .prog = 1 },
	};
	struct fathom_session_info info;
	struct target a, b;
	struct prog p[2];
	struct kvs m;

	build_count_args(&p[0]);
	memset(&p[1], 0, sizeof(p[1]));
	/* probe 1: sum of return values per pid into map 4 */
	prog_key_pid(&p[1]);
	prog_add(&p[1], FATHOM_CALL_HELPER(FATHOM_HELPER_GET_RETVAL));
	prog_aggregate(&p[1], 4, 0);
	prog_finish(&p[1]);

	ASSERT_EQ(0, target_start(&a, self->exe, n, "wait", "fork"));
	ASSERT_EQ(0, target_start(&b, self->exe, n, "wait", NULL));
	pr[0].pid = pr[1].pid = a.pid;
	ASSERT_EQ(0, create(self, p, pr, 2, arg_maps, 4))
	TH_LOG("%s", self->nl.errmsg);
	EXPECT_LT(0, text_anon_kb(a.pid, self->exe));
	EXPECT_EQ(0, text_anon_kb(b.pid, self->exe));
	ASSERT_EQ(0, start(self));
	EXPECT_EQ(0, target_finish(&a));
	EXPECT_EQ(0, target_finish(&b));
	ASSERT_EQ(0, stop(self));

	ASSERT_EQ(0, dump(&self->nl, self->sid, 1, &m));
	EXPECT_EQ(1, m.n);
	EXPECT_EQ(n, kv_get(&m, a.pid));
	ASSERT_EQ(0, dump(&self->nl, self->sid, 2, &m));
	EXPECT_EQ(1, m.n);
	EXPECT_EQ(sum_i(n), kv_get(&m, a.pid));
	ASSERT_EQ(0, dump(&self->nl, self->sid, 3, &m));
	EXPECT_EQ(1, m.n);
	EXPECT_EQ(sum_b(n), kv_get(&m, a.pid));
	ASSERT_EQ(0, dump(&self->nl, self->sid, 4, &m));
	EXPECT_EQ(1, m.n);
	EXPECT_EQ(sum_ret(n), kv_get(&m, a.pid));
	ASSERT_EQ(0, fathom_session_get(&self->nl, self->sid, &info));
	EXPECT_EQ(n, info.probes[0].hits);
	EXPECT_EQ(n, info.probes[1].hits);
	fathom_session_info_free(&info);
}

/*
 * REF_CTR_OFFSET, a USDT semaphore: while the probe is registered, the
 * kernel keeps the count of such probes in the process's copy of it.
 */
TEST_F(uprobe, semaphore_counts_the_probe)
{
	const unsigned int n = 100;
	struct fathom_probe_spec pr = { .kind = FATHOM_PROBE_UPROBE,
					.upath = self->exe,
					.offset = self->off_target,
					.ref_ctr_offset = self->off_sem };
	struct prog p;
	struct kvs m;
	pid_t pid;

	build_count(&p, 1);
	/* the exit status is the semaphore's value at the end */
	ASSERT_EQ(0, target_run(self->exe, n, "sem", &pid));
	ASSERT_EQ(0, create(self, &p, &pr, 1, count_maps, 1))
	TH_LOG("%s", self->nl.errmsg);
	ASSERT_EQ(0, start(self));
	EXPECT_EQ(1, target_run(self->exe, n, "sem", &pid));
	ASSERT_EQ(0, stop(self));
	ASSERT_EQ(0, dump(&self->nl, self->sid, 1, &m));
	EXPECT_EQ(1, m.n);
	EXPECT_EQ(n, kv_get(&m, pid));
	ASSERT_EQ(0, fathom_session_cmd(&self->nl, FATHOM_CMD_SESSION_DESTROY,
					self->sid));
	self->sid = 0;
	EXPECT_EQ(0, target_run(self->exe, n, "sem", &pid));
}

/* A thread that waits on a pipe: its id names a thread, not a process. */
struct live_thread {
	pthread_t th;
	pid_t tid;
	int go[2];
};

static void *live_thread_fn(void *arg)
{
	struct live_thread *lt = arg;
	char c;

	__atomic_store_n(&lt->tid, gettid(), __ATOMIC_RELEASE);
	if (read(lt->go[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

static pid_t live_thread_start(struct live_thread *lt)
{
	lt->tid = 0;
	if (pipe2(lt->go, O_CLOEXEC) ||
	    pthread_create(&lt->th, NULL, live_thread_fn, lt))
		return 0;
	while (!__atomic_load_n(&lt->tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	return lt->tid;
}

static void live_thread_stop(struct live_thread *lt)
{
	if (write(lt->go[1], "g", 1) == 1)
		pthread_join(lt->th, NULL);
	close(lt->go[0]);
	close(lt->go[1]);
}

/* A pid that existed a moment ago: a reaped child's. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

TEST_F(uprobe, bad_input_refused_nothing_registered)
{
	static const char not_elf[] = "/tmp/fathom-uprobe-not-elf";
	const char *text = "#!/bin/sh\necho this file is not an ELF file\n";
	struct {
		const char *what;
		const char *path;
		uint64_t off, ref;
		uint32_t pid;
		const char *symbol;
		int err;
		const char *msg;
	} cases[16];
	struct fathom_probe_spec pr;
	struct live_thread lt;
	struct target t;
	struct prog p;
	unsigned int i, nc = 0;
	pid_t dead, tid;
	struct stat st;
	int fd, ret;

	fd = open(not_elf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	ASSERT_LE(0, fd);
	ASSERT_EQ(strlen(text), write(fd, text, strlen(text)));
	close(fd);
	ASSERT_EQ(0, stat(self->exe, &st));
	dead = dead_pid();
	tid = live_thread_start(&lt);
	ASSERT_NE(0, tid);
	ASSERT_NE(getpid(), tid);

#define CASE(w, pa, o, r, pi, sy, e, m) \
	cases[nc++] = (typeof(cases[0])){ w, pa, o, r, pi, sy, e, m }
	CASE("missing file", "/nonexistent/uprobe_target", 16, 0, 0, NULL,
	     -ENOENT, "not found");
	CASE("relative path", TARGET, self->off_target, 0, 0, NULL, -EINVAL,
	     "absolute path");
	CASE("no path", NULL, self->off_target, 0, 0, NULL, -EINVAL,
	     "absolute path");
	CASE("directory", "/tmp", 16, 0, 0, NULL, -EINVAL,
	     "not a regular file");
	CASE("not ELF", not_elf, 4, 0, 0, NULL, -ENOEXEC, "not an ELF file");
	CASE("offset beyond the file", self->exe, st.st_size + 16, 0, 0, NULL,
	     -EINVAL, "beyond the end");
	CASE("offset at the end", self->exe, st.st_size, 0, 0, NULL, -EINVAL,
	     "beyond the end");
	CASE("offset not in text", self->exe, 4, 0, 0, NULL, -EINVAL,
	     "not in an executable segment");
	CASE("dead pid", self->exe, self->off_target, 0, dead, NULL, -ESRCH,
	     "no such process");
	CASE("thread id", self->exe, self->off_target, 0, tid, NULL, -ESRCH,
	     "no such process");
	CASE("odd semaphore", self->exe, self->off_target, 1, 0, NULL, -EINVAL,
	     "semaphore");
	CASE("semaphore beyond the file", self->exe, self->off_target,
	     st.st_size + 2, 0, NULL, -EINVAL, "semaphore");
	CASE("kernel symbol", self->exe, self->off_target, 0, 0, "target",
	     -EINVAL, "takes UPATH");
#undef CASE

	/* a process that maps the file: nothing may be written into it */
	ASSERT_EQ(0, target_start(&t, self->exe, 10, "wait", NULL));
	build_count(&p, 1);
	for (i = 0; i < nc; i++) {
		memset(&pr, 0, sizeof(pr));
		pr.kind = i % 2 ? FATHOM_PROBE_URETPROBE : FATHOM_PROBE_UPROBE;
		pr.upath = cases[i].path;
		pr.offset = cases[i].off;
		pr.ref_ctr_offset = cases[i].ref;
		pr.pid = cases[i].pid;
		pr.symbol = cases[i].symbol;
		ret = create(self, &p, &pr, 1, count_maps, 1);
		EXPECT_EQ(cases[i].err, ret) TH_LOG("%s", cases[i].what);
		EXPECT_NE(NULL, strstr(self->nl.errmsg, cases[i].msg))
		TH_LOG("%s: '%s'", cases[i].what, self->nl.errmsg);
		if (!ret) {
			fathom_session_cmd(&self->nl,
					   FATHOM_CMD_SESSION_DESTROY,
					   self->sid);
			self->sid = 0;
		}
		EXPECT_EQ(0, owned_sessions(&self->nl, getpid(), NULL));
	}
	live_thread_stop(&lt);
	EXPECT_EQ(0, text_anon_kb(t.pid, self->exe));
	EXPECT_EQ(0, target_finish(&t));
	unlink(not_elf);
}

/*
 * The owner is killed with -9 while its uprobe is armed: the session goes,
 * the breakpoints leave a process that still runs, and probing the same
 * function again works.
 */
TEST_F(uprobe, killed_owner_leaves_nothing)
{
	const unsigned int n = 100;
	struct fathom_probe_spec pr = { .kind = FATHOM_PROBE_UPROBE,
					.upath = self->exe,
					.offset = self->off_target };
	struct target w;
	struct prog p;
	int ready[2];
	pid_t owner, r;
	uint32_t sid;
	struct kvs m;
	char c;

	build_count(&p, 1);
	ASSERT_EQ(0, target_start(&w, self->exe, n, "wait", NULL));
	ASSERT_EQ(0, pipe(ready));
	owner = fork();
	ASSERT_LE(0, owner);
	if (owner == 0) {
		FIXTURE_DATA(uprobe) mine = { 0 };

		close(ready[0]);
		if (fathom_nl_open(&mine.nl) ||
		    create(&mine, &p, &pr, 1, count_maps, 1) || start(&mine) ||
		    write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	ASSERT_EQ(1, owned_sessions(&self->nl, owner, &sid));
	EXPECT_LT(0, text_anon_kb(w.pid, self->exe));

	/* it counts: anyone privileged may dump its maps */
	ASSERT_EQ(0, target_run(self->exe, n, NULL, &r));
	ASSERT_EQ(0, dump(&self->nl, sid, 1, &m));
	EXPECT_EQ(n, kv_get(&m, r));

	kill(owner, SIGKILL);
	ASSERT_EQ(owner, waitpid(owner, NULL, 0));
	EXPECT_EQ(0, owned_sessions(&self->nl, owner, NULL));
	EXPECT_EQ(0, text_anon_kb(w.pid, self->exe));
	EXPECT_EQ(0, target_finish(&w));

	/* the same function again, in a new session */
	ASSERT_EQ(0, create(self, &p, &pr, 1, count_maps, 1))
	TH_LOG("%s", self->nl.errmsg);
	ASSERT_EQ(0, start(self));
	ASSERT_EQ(0, target_run(self->exe, n, NULL, &r));
	ASSERT_EQ(0, stop(self));
	ASSERT_EQ(0, dump(&self->nl, self->sid, 1, &m));
	EXPECT_EQ(1, m.n);
	EXPECT_EQ(n, kv_get(&m, r));
}

TEST_HARNESS_MAIN
