// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of user-space symbolisation and the USDT and BTF readers:
 *
 *   elfsyms  the test ELF files (a PIE, a shared library, stripped
 *            copies) against what nm and readelf say about them
 *   usyms    a live child stopped in main -> lib_call -> a -> b -> c,
 *            its frames walked through /proc/PID/mem, each expected
 *            "name+off" computed from nm and /proc/PID/maps; then the
 *            same after the child exited; a synthetic /proc
 *   output   those frames through user/tool/output.c as bpftrace prints
 *            @[ustack] keys
 *   usdt     the notes of a <sys/sdt.h> program against readelf -n, and
 *            the argument parser on fixed strings
 *   btf      the host's /sys/kernel/btf/vmlinux (against pahole and
 *            stable facts) and synthetic blobs, whole and broken
 *
 * The ELF files are built by the Makefile into ELF_DIR.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/btf.h>

#include "kselftest_harness.h"

#include "btf.h"
#include "codegen.h"
#include "compiler.h"
#include "elfsyms.h"
#include "output.h"
#include "usdt.h"
#include "usyms.h"

#ifndef ELF_DIR
#error "ELF_DIR must name the directory of the test ELF files"
#endif

#define CHAIN ELF_DIR "/chain"
#define CHAIN_STRIPPED ELF_DIR "/chain-stripped"
#define LIB ELF_DIR "/libshared.so"
#define LIB_STRIPPED ELF_DIR "/libshared-stripped.so"
#define SDT ELF_DIR "/sdt"
#define SDT_GLOBAL ELF_DIR "/sdt-global"

#if defined(__SANITIZE_ADDRESS__)
#define SYMS_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SYMS_LSAN 1
#endif
#endif

#ifdef SYMS_LSAN
#include <sanitizer/lsan_interface.h>
#define LEAK_CHECK() ASSERT_EQ(0, __lsan_do_recoverable_leak_check())
#else
#define LEAK_CHECK() \
	do {         \
	} while (0)
#endif

/* ---- what nm and readelf say ----------------------------------------- */

struct nm_sym {
	char name[128];
	uint64_t value, size;
	char type; /* nm's letter */
};

/* Defined symbols with a size: "value size type name" lines. */
static int nm_read(const char *path, struct nm_sym *v, int max)
{
	char cmd[512], line[512];
	int n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "nm -S --defined-only %s 2>/dev/null", path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p) && n < max) {
		struct nm_sym *s = &v[n];

		if (sscanf(line, "%" SCNx64 " %" SCNx64 " %c %127s", &s->value,
			   &s->size, &s->type, s->name) == 4)
			n++;
	}
	pclose(p);
	return n;
}

static const struct nm_sym *nm_find(const struct nm_sym *v, int n,
				    const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

struct load_seg {
	uint64_t off, vaddr, filesz, memsz;
};

/* PT_LOAD segments as readelf -lW lists them. */
static int readelf_loads(const char *path, struct load_seg *v, int max)
{
	char cmd[512], line[512];
	int n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "readelf -lW %s", path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p) && n < max) {
		uint64_t pa;

		if (sscanf(line,
			   " LOAD 0x%" SCNx64 " 0x%" SCNx64 " 0x%" SCNx64
			   " 0x%" SCNx64 " 0x%" SCNx64,
			   &v[n].off, &v[n].vaddr, &pa, &v[n].filesz,
			   &v[n].memsz) == 5)
			n++;
	}
	pclose(p);
	return n;
}

static uint64_t seg_off(const struct load_seg *v, int n, uint64_t vaddr)
{
	int i;

	for (i = 0; i < n; i++)
		if (vaddr >= v[i].vaddr && vaddr < v[i].vaddr + v[i].memsz)
			return vaddr - v[i].vaddr + v[i].off;
	return UINT64_MAX;
}

static int is_func_letter(char c)
{
	return c == 'T' || c == 't' || c == 'W' || c == 'i';
}

/* ---- elfsyms --------------------------------------------------------- */

/*
 * Every function nm lists: found by name at the file offset readelf's
 * segments give, and every offset inside it resolves back to it.
 */
static void check_against_nm(struct __test_metadata *_metadata,
			     const char *path, int min_funcs)
{
	static struct nm_sym syms[4096];
	struct load_seg segs[16];
	const struct fathom_elf_sym *s;
	struct fathom_elf *e;
	int n, nseg, i, funcs = 0, err;

	n = nm_read(path, syms, 4096);
	nseg = readelf_loads(path, segs, 16);
	ASSERT_LT(0, n);
	ASSERT_LT(0, nseg);
	e = fathom_elf_open(path, &err);
	ASSERT_NE(NULL, e);
	ASSERT_EQ(0, err);
	for (i = 0; i < n; i++) {
		uint64_t off, k, so;

		if (!is_func_letter(syms[i].type) || !syms[i].size)
			continue;
		funcs++;
		off = seg_off(segs, nseg, syms[i].value);
		ASSERT_NE(UINT64_MAX, off);
		s = fathom_elf_find(e, syms[i].name);
		ASSERT_NE(NULL, s)
		TH_LOG("%s not found", syms[i].name);
		EXPECT_EQ(syms[i].value, s->value);
		EXPECT_EQ(syms[i].size, s->size);
		EXPECT_EQ(off, s->offset)
		TH_LOG("%s", syms[i].name);
		for (k = 0; k<syms[i].size; k += syms[i].size> 64 ? 7 : 1) {
			s = fathom_elf_lookup(e, off + k, &so);
			ASSERT_NE(NULL, s);
			EXPECT_STREQ(syms[i].name, s->name);
			EXPECT_EQ(k, so);
		}
	}
	EXPECT_LE(min_funcs, funcs);
	fathom_elf_free(e);
}

TEST(elf_pie_symbols_match_nm)
{
	struct fathom_elf *e = fathom_elf_open(CHAIN, NULL);

	ASSERT_NE(NULL, e);
	EXPECT_TRUE(fathom_elf_is_dyn(e));
	EXPECT_TRUE(fathom_elf_has_symtab(e));
	fathom_elf_free(e);
	check_against_nm(_metadata, CHAIN, 4); /* main a b c, at least */
	LEAK_CHECK();
}

TEST(elf_shared_library_symbols_match_nm)
{
	check_against_nm(_metadata, LIB, 4); /* lib_one two call hidden */
	LEAK_CHECK();
}

TEST(elf_build_id_matches_readelf)
{
	char line[512], want[2 * FATHOM_BUILD_ID_MAX + 1] = "", got[256];
	const uint8_t *id;
	struct fathom_elf *e;
	size_t len, i;
	FILE *p;

	p = popen("readelf -n " LIB, "r");
	ASSERT_NE(NULL, p);
	while (fgets(line, sizeof(line), p))
		sscanf(line, " Build ID: %128s", want);
	pclose(p);
	ASSERT_NE(0, strlen(want));
	e = fathom_elf_open(LIB, NULL);
	ASSERT_NE(NULL, e);
	id = fathom_elf_build_id(e, &len);
	ASSERT_NE(NULL, id);
	for (i = 0; i < len; i++)
		sprintf(got + 2 * i, "%02x", id[i]);
	EXPECT_STREQ(want, got);
	fathom_elf_free(e);
	LEAK_CHECK();
}

TEST(elf_stripped_library_falls_back_to_dynsym)
{
	struct nm_sym syms[64];
	const struct fathom_elf_sym *s;
	struct fathom_elf *e, *full;
	const struct nm_sym *hidden;
	uint64_t off, so;
	int n;

	n = nm_read(LIB, syms, 64);
	hidden = nm_find(syms, n, "lib_hidden");
	ASSERT_NE(NULL, hidden);
	full = fathom_elf_open(LIB, NULL);
	e = fathom_elf_open(LIB_STRIPPED, NULL);
	ASSERT_NE(NULL, full);
	ASSERT_NE(NULL, e);
	EXPECT_FALSE(fathom_elf_has_symtab(e));
	/* exported: in .dynsym, same offset as the unstripped file */
	s = fathom_elf_find(e, "lib_one");
	ASSERT_NE(NULL, s);
	EXPECT_TRUE(s->dynsym);
	EXPECT_EQ(fathom_elf_find(full, "lib_one")->offset, s->offset);
	s = fathom_elf_lookup(e, s->offset + 2, &so);
	ASSERT_NE(NULL, s);
	EXPECT_STREQ("lib_one", s->name);
	EXPECT_EQ(2, so);
	/* static: gone with .symtab, and nothing else contains it */
	EXPECT_EQ(NULL, fathom_elf_find(e, "lib_hidden"));
	ASSERT_EQ(0, fathom_elf_vaddr_to_off(e, hidden->value, &off));
	EXPECT_EQ(NULL, fathom_elf_lookup(e, off + 1, NULL));
	s = fathom_elf_lookup(full, off + 1, &so);
	ASSERT_NE(NULL, s);
	EXPECT_STREQ("lib_hidden", s->name);
	EXPECT_FALSE(s->dynsym);
	fathom_elf_free(e);
	fathom_elf_free(full);
	LEAK_CHECK();
}

TEST(elf_stripped_pie_has_no_local_functions)
{
	struct fathom_elf *e = fathom_elf_open(CHAIN_STRIPPED, NULL);
	struct fathom_elf *full = fathom_elf_open(CHAIN, NULL);
	const struct fathom_elf_sym *c;

	ASSERT_NE(NULL, e);
	ASSERT_NE(NULL, full);
	c = fathom_elf_find(full, "c");
	ASSERT_NE(NULL, c);
	EXPECT_EQ(NULL, fathom_elf_find(e, "c"));
	EXPECT_EQ(NULL, fathom_elf_lookup(e, c->offset + 4, NULL));
	fathom_elf_free(e);
	fathom_elf_free(full);
	LEAK_CHECK();
}

struct glob_seen {
	char names[16][32];
	uint64_t last;
	int n;
	int unordered;
};

static int glob_cb(const struct fathom_elf_sym *s, void *arg)
{
	struct glob_seen *g = arg;

	if (g->n && s->value < g->last)
		g->unordered++;
	g->last = s->value;
	if (g->n < 16)
		snprintf(g->names[g->n], sizeof(g->names[0]), "%s", s->name);
	g->n++;
	return 0;
}

static int glob_stop(const struct fathom_elf_sym *s, void *arg)
{
	(void)s;
	(void)arg;
	return 42;
}

TEST(elf_glob_lists_matching_functions_once)
{
	struct fathom_elf *e = fathom_elf_open(LIB, NULL);
	struct nm_sym syms[64];
	struct glob_seen g = { 0 };
	int n, i, want = 0, j, found;

	ASSERT_NE(NULL, e);
	n = nm_read(LIB, syms, 64);
	for (i = 0; i < n; i++)
		if (is_func_letter(syms[i].type) &&
		    !strncmp(syms[i].name, "lib_", 4))
			want++;
	EXPECT_EQ(4, want);
	ASSERT_EQ(0, fathom_elf_glob(e, "lib_*", glob_cb, &g));
	EXPECT_EQ(want, g.n);
	EXPECT_EQ(0, g.unordered);
	for (i = 0; i < n; i++) {
		if (!is_func_letter(syms[i].type) ||
		    strncmp(syms[i].name, "lib_", 4))
			continue;
		for (found = 0, j = 0; j < g.n; j++)
			found += !strcmp(g.names[j], syms[i].name);
		EXPECT_EQ(1, found)
		TH_LOG("%s", syms[i].name);
	}
	g.n = 0;
	ASSERT_EQ(0, fathom_elf_glob(e, "lib_?w?", glob_cb, &g));
	ASSERT_EQ(1, g.n);
	EXPECT_STREQ("lib_two", g.names[0]);
	EXPECT_EQ(42, fathom_elf_glob(e, "*", glob_stop, NULL));
	EXPECT_TRUE(fathom_glob_match("a*b?c", "axxbyc"));
	EXPECT_FALSE(fathom_glob_match("a*b?c", "axxbc"));
	fathom_elf_free(e);
	LEAK_CHECK();
}

TEST(elf_errors)
{
	int err;

	EXPECT_EQ(NULL, fathom_elf_open(ELF_DIR "/no-such-file", &err));
	EXPECT_EQ(-ENOENT, err);
	EXPECT_EQ(NULL, fathom_elf_open(ELF_DIR "/notelf.txt", &err));
	EXPECT_EQ(-ENOEXEC, err);
	LEAK_CHECK();
}

TEST(elf_cache_reads_each_inode_once)
{
	struct fathom_elf_cache *c = fathom_elf_cache_new();
	const struct fathom_elf *a, *b;
	struct stat st;
	int err;

	ASSERT_NE(NULL, c);
	ASSERT_EQ(0, stat(LIB, &st));
	a = fathom_elf_cache_get(c, LIB, 0, 0, &err);
	ASSERT_NE(NULL, a);
	/* another name for the same inode */
	b = fathom_elf_cache_get(c, ELF_DIR "/libshared-link.so", 0, 0, &err);
	EXPECT_EQ(a, b);
	/* by (dev, inode) without touching the path */
	b = fathom_elf_cache_get(c, "/nonexistent", st.st_dev, st.st_ino, &err);
	EXPECT_EQ(a, b);
	/* the path is another file than the mapping said */
	b = fathom_elf_cache_get(c, CHAIN, st.st_dev, st.st_ino + 1000000,
				 &err);
	EXPECT_EQ(NULL, b);
	EXPECT_EQ(-ESTALE, err);
	EXPECT_EQ(NULL, fathom_elf_cache_get(c, "/nonexistent", 0, 0, &err));
	EXPECT_EQ(-ENOENT, err);
	/* a file that is not ELF: the failure is cached, and repeated */
	EXPECT_EQ(NULL,
		  fathom_elf_cache_get(c, ELF_DIR "/notelf.txt", 0, 0, &err));
	EXPECT_EQ(-ENOEXEC, err);
	err = 0;
	EXPECT_EQ(NULL,
		  fathom_elf_cache_get(c, ELF_DIR "/notelf.txt", 0, 0, &err));
	EXPECT_EQ(-ENOEXEC, err);
	fathom_elf_cache_free(c);
	LEAK_CHECK();
}

/* ---- usyms: a live child --------------------------------------------- */

#define MAX_FRAMES 5 /* c, b, a, lib_call, main */

struct child {
	pid_t pid;
	uint64_t ips[MAX_FRAMES];
	char want[MAX_FRAMES][64]; /* "name+off" from nm and maps */
};

/* The start - offset of @path's mappings in @pid (its load bias). */
static uint64_t map_base(pid_t pid, const char *path)
{
	char fn[64], line[512], real[PATH_MAX];
	unsigned long long start, off;
	uint64_t base = UINT64_MAX;
	FILE *f;

	if (!realpath(path, real))
		return UINT64_MAX;
	snprintf(fn, sizeof(fn), "/proc/%d/maps", (int)pid);
	f = fopen(fn, "r");
	if (!f)
		return UINT64_MAX;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '/');

		if (!p)
			continue;
		p[strcspn(p, "\n")] = 0;
		if (strcmp(p, real) ||
		    sscanf(line, "%llx-%*x %*s %llx", &start, &off) != 2)
			continue;
		if (!off) {
			base = start;
			break;
		}
	}
	fclose(f);
	return base;
}

/* "name+off" for @ip: the nm symbol of @file containing it. */
static int expect_sym(const char *file, uint64_t base, uint64_t ip, char *buf,
		      size_t size)
{
	static struct nm_sym syms[512];
	int n = nm_read(file, syms, 512), i;

	for (i = 0; i < n; i++)
		if (is_func_letter(syms[i].type) &&
		    ip >= base + syms[i].value &&
		    ip < base + syms[i].value + syms[i].size) {
			snprintf(buf, size, "%s+%" PRIu64, syms[i].name,
				 ip - base - syms[i].value);
			return 0;
		}
	return -1;
}

static int child_start(struct child *ch)
{
	uint64_t info[2], fp, base_exe, base_lib;
	int pfd[2], mem, i;
	char fn[64];

	memset(ch, 0, sizeof(*ch));
	if (pipe(pfd))
		return -1;
	ch->pid = fork();
	if (ch->pid < 0)
		return -1;
	if (!ch->pid) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		execl(CHAIN, CHAIN, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	i = read(pfd[0], info, sizeof(info)) == sizeof(info) ? 0 : -1;
	close(pfd[0]);
	if (i)
		return -1;
	/* c's own pc, then the return addresses up the frame chain */
	snprintf(fn, sizeof(fn), "/proc/%d/mem", (int)ch->pid);
	mem = open(fn, O_RDONLY);
	if (mem < 0)
		return -1;
	ch->ips[0] = info[0];
	fp = info[1];
	for (i = 1; i < MAX_FRAMES; i++) {
		uint64_t frame[2]; /* saved fp, return address */

		if (pread(mem, frame, sizeof(frame), (off_t)fp) !=
		    sizeof(frame))
			break;
		ch->ips[i] = frame[1];
		fp = frame[0];
	}
	close(mem);
	if (i != MAX_FRAMES)
		return -1;
	base_exe = map_base(ch->pid, CHAIN);
	base_lib = map_base(ch->pid, LIB);
	if (base_exe == UINT64_MAX || base_lib == UINT64_MAX)
		return -1;
	for (i = 0; i < MAX_FRAMES; i++)
		if (expect_sym(CHAIN, base_exe, ch->ips[i], ch->want[i], 64) &&
		    expect_sym(LIB, base_lib, ch->ips[i], ch->want[i], 64))
			return -1;
	return 0;
}

static void child_stop(struct child *ch)
{
	if (ch->pid > 0) {
		kill(ch->pid, SIGKILL);
		waitpid(ch->pid, NULL, 0);
	}
	ch->pid = 0;
}

FIXTURE(live)
{
	struct child ch;
	struct fathom_usyms *us;
};

FIXTURE_SETUP(live)
{
	ASSERT_EQ(0, child_start(&self->ch));
	self->us = fathom_usyms_new();
	ASSERT_NE(NULL, self->us);
}

FIXTURE_TEARDOWN(live)
{
	child_stop(&self->ch);
	fathom_usyms_free(self->us);
	LEAK_CHECK();
}

TEST_F(live, stack_frames_by_name_and_offset)
{
	static const char *const names[MAX_FRAMES] = { "c", "b", "a",
						       "lib_call", "main" };
	char buf[128], want[128];
	struct fathom_usym u;
	int i;

	for (i = 0; i < MAX_FRAMES; i++) {
		/* the independent expectation names the right functions */
		snprintf(want, sizeof(want), "%s+", names[i]);
		ASSERT_EQ(0, strncmp(self->ch.want[i], want, strlen(want)))
		TH_LOG("frame %d: nm says %s", i, self->ch.want[i]);
		fathom_usyms_snprint(self->us, self->ch.pid, self->ch.ips[i],
				     FATHOM_USYM_OFFSET, buf, sizeof(buf));
		EXPECT_STREQ(self->ch.want[i], buf);
		ASSERT_EQ(0, fathom_usyms_resolve(self->us, self->ch.pid,
						  self->ch.ips[i], &u));
		EXPECT_STREQ(names[i], u.name);
		EXPECT_NE(NULL,
			  strstr(u.path, i == 3 ? "/libshared.so" : "/chain"));
	}
	/* usym(): the name alone; perf mode: the file too */
	fathom_usyms_snprint(self->us, self->ch.pid, self->ch.ips[0], 0, buf,
			     sizeof(buf));
	EXPECT_STREQ("c", buf);
	fathom_usyms_snprint(self->us, self->ch.pid, self->ch.ips[3],
			     FATHOM_USYM_OFFSET | FATHOM_USYM_MODULE, buf,
			     sizeof(buf));
	snprintf(want, sizeof(want), "%s (", self->ch.want[3]);
	EXPECT_EQ(0, strncmp(want, buf, strlen(want)));
	EXPECT_NE(NULL, strstr(buf, "/libshared.so)"));
	/* an address in no mapping */
	EXPECT_EQ(-EFAULT,
		  fathom_usyms_resolve(self->us, self->ch.pid, 16, &u));
	fathom_usyms_snprint(self->us, self->ch.pid, 16,
			     FATHOM_USYM_OFFSET | FATHOM_USYM_MODULE, buf,
			     sizeof(buf));
	EXPECT_STREQ("0x10 ([unknown])", buf);
}

TEST_F(live, exited_process_resolves_from_its_snapshot)
{
	struct fathom_usyms *late = fathom_usyms_new();
	pid_t pid = self->ch.pid;
	char buf[128], hex[32];
	int i;

	ASSERT_NE(NULL, late);
	ASSERT_EQ(0, fathom_usyms_capture(self->us, pid));
	child_stop(&self->ch);
	/* re-capturing a dead process keeps the snapshot */
	EXPECT_EQ(-ESRCH, fathom_usyms_capture(self->us, pid));
	for (i = 0; i < MAX_FRAMES; i++) {
		fathom_usyms_snprint(self->us, pid, self->ch.ips[i],
				     FATHOM_USYM_OFFSET, buf, sizeof(buf));
		EXPECT_STREQ(self->ch.want[i], buf);
		/* nothing captured in time: hex */
		snprintf(hex, sizeof(hex), "0x%" PRIx64, self->ch.ips[i]);
		fathom_usyms_snprint(late, pid, self->ch.ips[i],
				     FATHOM_USYM_OFFSET, buf, sizeof(buf));
		EXPECT_STREQ(hex, buf);
	}
	fathom_usyms_free(late);
}

/* ---- usyms: a synthetic /proc ---------------------------------------- */

TEST(usyms_fake_procfs_and_lookup_path)
{
	char dir[] = "/tmp/fathom-usyms-XXXXXX", path[128], buf[128];
	struct fathom_usyms *us = fathom_usyms_new();
	const struct fathom_elf_sym *one, *two;
	struct fathom_elf *e;
	struct fathom_usym u;
	struct stat st;
	FILE *f;

	ASSERT_NE(NULL, us);
	ASSERT_NE(NULL, mkdtemp(dir));
	e = fathom_elf_open(LIB, NULL);
	ASSERT_NE(NULL, e);
	one = fathom_elf_find(e, "lib_one");
	two = fathom_elf_find(e, "lib_two");
	ASSERT_NE(NULL, one);
	ASSERT_NE(NULL, two);
	ASSERT_EQ(0, stat(LIB, &st));
	snprintf(path, sizeof(path), "%s/77", dir);
	ASSERT_EQ(0, mkdir(path, 0700));
	snprintf(path, sizeof(path), "%s/77/maps", dir);
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	/* text mapped at 0x7f0000001000 from file offset 0x1000 */
	fprintf(f,
		"7f0000000000-7f0000001000 r--p 00000000 %02x:%02x %lu %s\n"
		"7f0000001000-7f0000002000 r-xp 00001000 %02x:%02x %lu %s (deleted)\n"
		"7f0000003000-7f0000004000 r-xp 00000000 00:00 0 \n"
		"7ffff0000000-7ffff0001000 r-xp 00000000 00:00 0 [vdso]\n",
		major(st.st_dev), minor(st.st_dev), (unsigned long)st.st_ino,
		LIB, major(st.st_dev), minor(st.st_dev),
		(unsigned long)st.st_ino, LIB);
	fclose(f);
	ASSERT_EQ(0, fathom_usyms_set_procfs(us, dir));
	ASSERT_EQ(0, fathom_usyms_capture(us, 77));
	ASSERT_LE(0x1000, one->offset);
	ASSERT_GT(0x2000, two->offset);
	ASSERT_EQ(0, fathom_usyms_resolve(
			     us, 77, 0x7f0000000000ull + one->offset + 5, &u));
	EXPECT_STREQ("lib_one", u.name);
	EXPECT_EQ(5, u.off);
	EXPECT_STREQ(LIB, u.path);
	EXPECT_EQ(one->offset + 5, u.file_off);
	fathom_usyms_snprint(us, 77, 0x7f0000000000ull + two->offset,
			     FATHOM_USYM_OFFSET, buf, sizeof(buf));
	EXPECT_STREQ("lib_two+0", buf);
	/* the read-only mapping is not executable: not a code address */
	EXPECT_EQ(-EFAULT, fathom_usyms_resolve(us, 77, 0x7f0000000010ull, &u));
	/* anonymous executable memory and the vdso: no file */
	EXPECT_EQ(-EFAULT, fathom_usyms_resolve(us, 77, 0x7f0000003010ull, &u));
	EXPECT_EQ(-EFAULT, fathom_usyms_resolve(us, 77, 0x7ffff0000010ull, &u));
	/* a pid with no maps at all */
	EXPECT_EQ(-ESRCH, fathom_usyms_resolve(us, 78, 0x7f0000001000ull, &u));
	/* a uprobe's func: by path and file offset */
	ASSERT_EQ(0, fathom_usyms_lookup_path(us, LIB, two->offset + 1, &u));
	EXPECT_STREQ("lib_two", u.name);
	EXPECT_EQ(1, u.off);
	EXPECT_EQ(-ENOENT, fathom_usyms_lookup_path(us, "/nonexistent", 0, &u));
	unlink(path);
	snprintf(path, sizeof(path), "%s/77", dir);
	rmdir(path);
	rmdir(dir);
	fathom_elf_free(e);
	fathom_usyms_free(us);
	LEAK_CHECK();
}

/* ---- output: @[ustack] through user/tool/output.c -------------------- */

static struct fathom_compiled *compile(const char *src, struct diag_sink *d,
				       struct fathom_script **s)
{
	*s = fathom_script_parse("test.bt", src, strlen(src), d);
	if (!*s || fathom_script_check(*s, d))
		return NULL;
	return fathom_codegen(*s, d);
}

static uint32_t map_id(const struct fathom_compiled *c, const char *name)
{
	uint32_t i;

	for (i = 0; i < c->nr_maps; i++)
		if (!strcmp(c->map_info[i].name, name))
			return i + 1;
	return 0;
}

/* @[ustack] (or ustack(perf)) = count() with one stack of the child */
static char *print_ustack(struct __test_metadata *_metadata,
			  const struct child *ch, const char *src,
			  uint32_t tgid, struct fathom_usyms *us)
{
	struct fathom_script *s = NULL;
	struct fathom_compiled *c;
	struct fathom_mapdata *md;
	struct fathom_out *o;
	struct diag_sink d;
	uint64_t key[1 + 128] = { 0 }, id = 3, one = 1, mkey[8] = { 0 };
	uint32_t m, sm, nr = MAX_FRAMES;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	diag_init_capture(&d);
	c = compile(src, &d, &s);
	if (!c)
		TH_LOG("%s", d.buf ? d.buf : "");
	EXPECT_NE(NULL, c);
	if (!c)
		goto out;
	m = map_id(c, "@");
	sm = c->map_info[m - 1].stack_map[0];
	f = open_memstream(&buf, &len);
	o = fathom_out_new(f, FATHOM_OUT_TEXT, c);
	if (us)
		fathom_out_set_usyms(o, fathom_usyms_format, us);
	/* the STACK map entry: { u32 nr; u32 tgid; u64 ips[] } -> id */
	memcpy(key, &nr, 4);
	memcpy((uint8_t *)key + 4, &tgid, 4);
	memcpy(key + 1, ch->ips, sizeof(ch->ips));
	md = fathom_mapdata_new(o, sm);
	EXPECT_EQ(0, fathom_mapdata_add(md, UINT32_MAX, key,
					c->maps[sm - 1].key_size, &id, 8));
	fathom_mapdata_free(md);
	md = fathom_mapdata_new(o, m);
	memcpy(mkey, &id, 8);
	EXPECT_EQ(0, fathom_mapdata_add(md, 0, mkey, c->maps[m - 1].key_size,
					&one, 8));
	fathom_out_map(o, md);
	fathom_mapdata_free(md);
	fathom_out_free(o);
	fclose(f);
out:
	fathom_compiled_free(c);
	fathom_script_free(s);
	diag_fini(&d);
	return buf;
}

TEST_F(live, output_prints_ustack_keys_by_name)
{
	char want[1024], *got;
	size_t n = 0;
	int i;

	n += snprintf(want + n, sizeof(want) - n, "@[\n");
	for (i = 0; i < MAX_FRAMES; i++)
		n += snprintf(want + n, sizeof(want) - n, "    %s\n",
			      self->ch.want[i]);
	snprintf(want + n, sizeof(want) - n, "]: 1\n");
	got = print_ustack(_metadata, &self->ch,
			   "uprobe:/bin/true:main { @[ustack(5)] = count(); }",
			   (uint32_t)self->ch.pid, self->us);
	ASSERT_NE(NULL, got);
	EXPECT_STREQ(want, got);
	free(got);

	/* perf mode: "\t<hex> name+off (file)" */
	got = print_ustack(
		_metadata, &self->ch,
		"uprobe:/bin/true:main { @[ustack(perf, 5)] = count(); }",
		(uint32_t)self->ch.pid, self->us);
	ASSERT_NE(NULL, got);
	snprintf(want, sizeof(want), "\t%" PRIx64 " %s (", self->ch.ips[0],
		 self->ch.want[0]);
	EXPECT_NE(NULL, strstr(got, want)) TH_LOG("%s", got);
	EXPECT_NE(NULL, strstr(got, "/chain)\n"));
	free(got);

	/* no resolver, or a kernel-style tgid of 0: hex as before */
	n = snprintf(want, sizeof(want), "@[\n");
	for (i = 0; i < MAX_FRAMES; i++)
		n += snprintf(want + n, sizeof(want) - n, "    0x%" PRIx64 "\n",
			      self->ch.ips[i]);
	snprintf(want + n, sizeof(want) - n, "]: 1\n");
	got = print_ustack(_metadata, &self->ch,
			   "uprobe:/bin/true:main { @[ustack(5)] = count(); }",
			   0, self->us);
	ASSERT_NE(NULL, got);
	EXPECT_STREQ(want, got);
	free(got);
	got = print_ustack(_metadata, &self->ch,
			   "uprobe:/bin/true:main { @[ustack(5)] = count(); }",
			   (uint32_t)self->ch.pid, NULL);
	ASSERT_NE(NULL, got);
	EXPECT_STREQ(want, got);
	free(got);
}

TEST_F(live, output_captures_maps_when_a_stack_is_registered)
{
	struct fathom_usyms *us2 = fathom_usyms_new();
	pid_t pid = self->ch.pid;
	struct fathom_out *o;
	char *buf = NULL, sym[128];
	size_t len = 0;
	FILE *f;
	int i;

	ASSERT_NE(NULL, us2);
	/* registering the stack snapshots the live process... */
	f = open_memstream(&buf, &len);
	ASSERT_NE(NULL, f);
	o = fathom_out_new(f, FATHOM_OUT_TEXT, NULL);
	ASSERT_NE(NULL, o);
	fathom_out_set_usyms(o, fathom_usyms_format, us2);
	ASSERT_EQ(0, fathom_out_ustack_add(o, 1, 1, (uint32_t)pid, self->ch.ips,
					   MAX_FRAMES));
	fathom_out_free(o);
	fclose(f);
	free(buf);
	/* ...so it still resolves after the process is gone */
	child_stop(&self->ch);
	for (i = 0; i < MAX_FRAMES; i++) {
		fathom_usyms_snprint(us2, pid, self->ch.ips[i],
				     FATHOM_USYM_OFFSET, sym, sizeof(sym));
		EXPECT_STREQ(self->ch.want[i], sym);
	}
	fathom_usyms_free(us2);
}

/* ---- usdt ------------------------------------------------------------ */

struct note_want {
	char provider[64], name[64], args[256];
	uint64_t pc, base, sem;
};

static int readelf_notes(const char *path, struct note_want *v, int max)
{
	char cmd[512], line[512];
	int n = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "readelf -n %s", path);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, " Provider: %63s",
			   v[n + 1 < max ? n + 1 : n].provider) == 1) {
			n++;
			v[n].args[0] = 0;
		} else if (n >= 0 &&
			   sscanf(line, " Name: %63s", v[n].name) == 1) {
			continue;
		} else if (n >= 0 &&
			   sscanf(line,
				  " Location: 0x%" SCNx64 ", Base: 0x%" SCNx64
				  ", Semaphore: 0x%" SCNx64,
				  &v[n].pc, &v[n].base, &v[n].sem) == 3) {
			continue;
		} else if (n >= 0 && strstr(line, "Arguments: ")) {
			snprintf(v[n].args, sizeof(v[n].args), "%s",
				 strstr(line, "Arguments: ") + 11);
		}
	}
	pclose(p);
	return n + 1;
}

TEST(usdt_notes_match_readelf)
{
	struct note_want want[8];
	struct load_seg segs[16];
	struct fathom_usdt_probe *v;
	size_t n, i;
	int nw, nseg;

	memset(want, 0, sizeof(want));
	nw = readelf_notes(SDT, want, 8);
	nseg = readelf_loads(SDT, segs, 16);
	ASSERT_EQ(2, nw);
	ASSERT_LT(0, nseg);
	ASSERT_EQ(0, fathom_usdt_read(SDT, &v, &n));
	ASSERT_EQ(2, n);
	for (i = 0; i < n; i++) {
		EXPECT_STREQ(want[i].provider, v[i].provider);
		EXPECT_STREQ(want[i].name, v[i].name);
		EXPECT_STREQ(want[i].args, v[i].args);
		EXPECT_EQ(want[i].pc, v[i].pc);
		EXPECT_EQ(want[i].base, v[i].base);
		EXPECT_EQ(want[i].sem, v[i].sem);
		EXPECT_NE(0, v[i].sem);
		EXPECT_EQ(seg_off(segs, nseg, want[i].pc), v[i].pc_off);
		EXPECT_EQ(seg_off(segs, nseg, want[i].sem), v[i].sem_off);
		EXPECT_EQ(0, v[i].args_err);
	}
	EXPECT_STREQ("fathom_test", v[0].provider);
	EXPECT_STREQ("tick", v[0].name);
	/* tick(int i, long counter + i) */
	ASSERT_EQ(2, v[0].argc);
	EXPECT_EQ(4, v[0].argv[0].size);
	EXPECT_TRUE(v[0].argv[0].is_signed);
	EXPECT_EQ(8, v[0].argv[1].size);
	EXPECT_TRUE(v[0].argv[1].is_signed);
	/* tock(signed char -5, unsigned short 600, int -i) */
	EXPECT_STREQ("tock", v[1].name);
	ASSERT_EQ(3, v[1].argc);
	EXPECT_EQ(1, v[1].argv[0].size);
	EXPECT_TRUE(v[1].argv[0].is_signed);
	EXPECT_EQ(2, v[1].argv[1].size);
	EXPECT_FALSE(v[1].argv[1].is_signed);
	EXPECT_EQ(4, v[1].argv[2].size);
	EXPECT_TRUE(v[1].argv[2].is_signed);
	/* constants are folded into the note by the compiler at -O2 */
	if (v[1].argv[0].kind == FATHOM_USDT_ARG_CONST)
		EXPECT_EQ(-5, v[1].argv[0].disp);
	if (v[1].argv[1].kind == FATHOM_USDT_ARG_CONST)
		EXPECT_EQ(600, v[1].argv[1].disp);
	fathom_usdt_free(v, n);
	LEAK_CHECK();
}

TEST(usdt_no_notes_and_errors)
{
	struct fathom_usdt_probe *v;
	size_t n;

	ASSERT_EQ(0, fathom_usdt_read(LIB, &v, &n));
	EXPECT_EQ(0, n);
	EXPECT_EQ(NULL, v);
	EXPECT_EQ(-ENOENT, fathom_usdt_read(ELF_DIR "/nope", &v, &n));
	EXPECT_EQ(-ENOEXEC, fathom_usdt_read(ELF_DIR "/notelf.txt", &v, &n));
	LEAK_CHECK();
}

/*
 * Globals as arguments (selftests/e2e/usdt_global.c at -O2, a PIE):
 * "-8@counter(%rip) -4@8+table(%rip) -2@level(%rip)", each symbol's
 * link-time address from the symbol table, as nm shows it.
 */
TEST(usdt_rip_relative_globals)
{
	static struct nm_sym syms[512];
	const char *names[3] = { "counter", "table", "level" };
	struct fathom_usdt_probe *v;
	const struct nm_sym *ns;
	size_t n;
	int nn, i;

	nn = nm_read(SDT_GLOBAL, syms, 512);
	ASSERT_LT(0, nn);
	ASSERT_EQ(0, fathom_usdt_read(SDT_GLOBAL, &v, &n));
	ASSERT_EQ(1, n);
	EXPECT_STREQ("global", v[0].name);
	EXPECT_EQ(0, v[0].args_err);
	EXPECT_TRUE(v[0].pie);
	ASSERT_EQ(3, v[0].argc);
	for (i = 0; i < 3; i++) {
		const struct fathom_usdt_arg *a = &v[0].argv[i];

		ns = nm_find(syms, nn, names[i]);
		ASSERT_NE(NULL, ns);
		EXPECT_EQ(FATHOM_USDT_ARG_MEM, a->kind);
		EXPECT_STREQ(names[i], a->sym);
		EXPECT_STREQ("rip", a->base.name);
		EXPECT_EQ(ns->value, a->sym_addr);
		EXPECT_TRUE(a->is_signed);
	}
	EXPECT_EQ(8, v[0].argv[0].size);
	EXPECT_EQ(0, v[0].argv[0].disp);
	EXPECT_EQ(4, v[0].argv[1].size);
	EXPECT_EQ(8, v[0].argv[1].disp); /* table[2] */
	EXPECT_EQ(2, v[0].argv[2].size);
	fathom_usdt_free(v, n);
	/* the other USDT fixture is a PIE too */
	ASSERT_EQ(0, fathom_usdt_read(SDT, &v, &n));
	EXPECT_TRUE(v[0].pie);
	fathom_usdt_free(v, n);
	LEAK_CHECK();
}

TEST(usdt_argument_strings)
{
	struct fathom_usdt_arg a[FATHOM_USDT_MAX_ARGS];
	uint32_t n;

	ASSERT_EQ(0, fathom_usdt_parse_args("-4@%edi 8@%rsi 2@%r8w -1@%al", a,
					    &n));
	ASSERT_EQ(4, n);
	EXPECT_EQ(FATHOM_USDT_ARG_REG, a[0].kind);
	EXPECT_EQ(4, a[0].size);
	EXPECT_TRUE(a[0].is_signed);
	EXPECT_STREQ("edi", a[0].base.name);
	EXPECT_EQ(112, a[0].base.ptregs_off); /* pt_regs.di */
	EXPECT_EQ(4, a[0].base.width);
	EXPECT_EQ(104, a[1].base.ptregs_off); /* si */
	EXPECT_FALSE(a[1].is_signed);
	EXPECT_EQ(72, a[2].base.ptregs_off); /* r8 */
	EXPECT_EQ(2, a[2].base.width);
	EXPECT_EQ(80, a[3].base.ptregs_off); /* ax */
	EXPECT_EQ(1, a[3].base.width);

	ASSERT_EQ(0, fathom_usdt_parse_args(
			     " -4@-20(%rbp)  8@8(%rax,%rbx,4) 4@$-7 8@$0x10 "
			     "4@counter+4(%rip) 8@(%rdx) 1@%r12b",
			     a, &n));
	ASSERT_EQ(7, n);
	EXPECT_EQ(FATHOM_USDT_ARG_MEM, a[0].kind);
	EXPECT_EQ(-20, a[0].disp);
	EXPECT_TRUE(a[0].has_base);
	EXPECT_EQ(32, a[0].base.ptregs_off); /* bp */
	EXPECT_FALSE(a[0].has_index);
	EXPECT_EQ(FATHOM_USDT_ARG_MEM, a[1].kind);
	EXPECT_EQ(8, a[1].disp);
	EXPECT_EQ(80, a[1].base.ptregs_off);
	EXPECT_TRUE(a[1].has_index);
	EXPECT_EQ(40, a[1].index.ptregs_off); /* bx */
	EXPECT_EQ(4, a[1].scale);
	EXPECT_EQ(FATHOM_USDT_ARG_CONST, a[2].kind);
	EXPECT_EQ(-7, a[2].disp);
	EXPECT_EQ(16, a[3].disp);
	EXPECT_EQ(FATHOM_USDT_ARG_MEM, a[4].kind);
	EXPECT_STREQ("counter", a[4].sym);
	EXPECT_EQ(4, a[4].disp);
	EXPECT_EQ(128, a[4].base.ptregs_off); /* ip */
	EXPECT_EQ(0, a[5].disp);
	EXPECT_EQ(96, a[5].base.ptregs_off); /* dx */
	EXPECT_EQ(24, a[6].base.ptregs_off); /* r12 */
	EXPECT_EQ(1, a[6].base.width);

	ASSERT_EQ(0, fathom_usdt_parse_args("", a, &n));
	EXPECT_EQ(0, n);
	/* old notes without a size: 8 bytes */
	ASSERT_EQ(0, fathom_usdt_parse_args("%rdi", a, &n));
	EXPECT_EQ(1, n);
	EXPECT_EQ(8, a[0].size);

	/* gcc writes a constant offset before the symbol */
	ASSERT_EQ(0, fathom_usdt_parse_args("-4@8+table(%rip) 2@-2+x.1-4(%rip)",
					    a, &n));
	ASSERT_EQ(2, n);
	EXPECT_STREQ("table", a[0].sym);
	EXPECT_EQ(8, a[0].disp);
	EXPECT_EQ(128, a[0].base.ptregs_off);
	EXPECT_STREQ("x.1", a[1].sym);
	EXPECT_EQ(-6, a[1].disp);

	EXPECT_EQ(-EBADMSG, fathom_usdt_parse_args("3@%eax", a, &n));
	EXPECT_EQ(-EBADMSG, fathom_usdt_parse_args("4@", a, &n));
	EXPECT_EQ(-EBADMSG, fathom_usdt_parse_args("4@8(%rax", a, &n));
	EXPECT_EQ(-EBADMSG, fathom_usdt_parse_args("4@8(%rax,%rbx,3)", a, &n));
	EXPECT_EQ(-EBADMSG, fathom_usdt_parse_args("4@%eax,", a, &n));
	EXPECT_EQ(-EOPNOTSUPP, fathom_usdt_parse_args("1@%ah", a, &n));
	EXPECT_EQ(-EOPNOTSUPP, fathom_usdt_parse_args("8@%xmm0", a, &n));
	EXPECT_EQ(-EOPNOTSUPP, fathom_usdt_parse_args("8@sym(%rax)", a, &n));
	EXPECT_EQ(-E2BIG,
		  fathom_usdt_parse_args("1@$1 1@$2 1@$3 1@$4 1@$5 1@$6 1@$7 "
					 "1@$8 1@$9 1@$10 1@$11 1@$12 1@$13",
					 a, &n));
}

/* ---- btf: the host's vmlinux ----------------------------------------- */

/* pahole's offset and size of @member of struct @s, or -1 */
static int pahole_member(const char *s, const char *member, int *size)
{
	char cmd[256], line[512], pat[80];
	int off = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "pahole -C %s " FATHOM_BTF_VMLINUX " 2>/dev/null", s);
	snprintf(pat, sizeof(pat), " %s;", member);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char *c = strstr(line, pat);

		/* "	pid_t   pid;   / *  1264     4 * /", first match */
		if (c && off < 0 && strstr(c, "/*"))
			sscanf(strstr(c, "/*") + 2, "%d %d", &off, size);
	}
	pclose(p);
	return off;
}

FIXTURE(vmlinux)
{
	struct fathom_btf *btf;
};

FIXTURE_SETUP(vmlinux)
{
	char msg[256];
	int err;

	if (access(FATHOM_BTF_VMLINUX, R_OK))
		SKIP(return, "no " FATHOM_BTF_VMLINUX);
	self->btf = fathom_btf_load(NULL, &err, msg, sizeof(msg));
	ASSERT_NE(NULL, self->btf) TH_LOG("%s", msg);
	ASSERT_EQ(0, err);
}

FIXTURE_TEARDOWN(vmlinux)
{
	fathom_btf_free(self->btf);
	LEAK_CHECK();
}

TEST_F(vmlinux, list_head_and_task_struct)
{
	struct fathom_btf_member m;
	uint32_t lh, ts, tgt;
	int off, size = 0;

	ASSERT_EQ(0, fathom_btf_find_struct(self->btf, "list_head", &lh));
	ASSERT_EQ(0, fathom_btf_member(self->btf, lh, "next", &m));
	EXPECT_EQ(0, m.offset);
	EXPECT_EQ(8, m.size);
	EXPECT_EQ(BTF_KIND_PTR, m.kind);
	ASSERT_EQ(0, fathom_btf_ptr_struct(self->btf, m.type, &tgt));
	EXPECT_EQ(lh, tgt);
	ASSERT_EQ(0, fathom_btf_member(self->btf, lh, "prev", &m));
	EXPECT_EQ(8, m.offset);
	EXPECT_EQ(8, m.size);

	ASSERT_EQ(0, fathom_btf_find_struct(self->btf, "task_struct", &ts));
	ASSERT_EQ(0, fathom_btf_member(self->btf, ts, "pid", &m));
	EXPECT_EQ(4, m.size);
	EXPECT_EQ(BTF_KIND_INT, m.kind);
	EXPECT_TRUE(m.is_signed);
	EXPECT_STREQ("pid_t", fathom_btf_name(self->btf, m.type));
	off = pahole_member("task_struct", "pid", &size);
	if (off >= 0) {
		EXPECT_EQ(off, m.offset);
		EXPECT_EQ(size, m.size);
	} else {
		TH_LOG("pahole not available: offset %u unchecked", m.offset);
	}
	/* task_struct.parent points back to a task_struct */
	ASSERT_EQ(0, fathom_btf_member(self->btf, ts, "real_parent", &m));
	ASSERT_EQ(0, fathom_btf_ptr_struct(self->btf, m.type, &tgt));
	EXPECT_EQ(ts, tgt);
	/* a nested member by value: tasks.next */
	ASSERT_EQ(0, fathom_btf_member(self->btf, ts, "tasks", &m));
	off = m.offset;
	ASSERT_EQ(0, fathom_btf_member(self->btf, ts, "tasks.prev", &m));
	EXPECT_EQ(off + 8, m.offset);

	EXPECT_EQ(-ENOENT, fathom_btf_member(self->btf, ts, "no_such", &m));
	EXPECT_STREQ("struct task_struct has no member 'no_such'",
		     fathom_btf_errmsg(self->btf));
	EXPECT_EQ(-EINVAL, fathom_btf_member(self->btf, ts, "pid.x", &m));
	EXPECT_EQ(-ENOENT,
		  fathom_btf_find_struct(self->btf, "no_such_st", &tgt));
	/* a one-bit flag of task_struct */
	EXPECT_EQ(-EOPNOTSUPP,
		  fathom_btf_member(self->btf, ts, "sched_reset_on_fork", &m));
}

TEST_F(vmlinux, sock_common_through_sock)
{
	struct fathom_btf_member m, direct;
	uint32_t sk, skc;
	int off, size = 0;

	ASSERT_EQ(0, fathom_btf_find_struct(self->btf, "sock", &sk));
	ASSERT_EQ(0, fathom_btf_find_struct(self->btf, "sock_common", &skc));
	ASSERT_EQ(0, fathom_btf_member(self->btf, sk, "__sk_common.skc_family",
				       &m));
	ASSERT_EQ(0, fathom_btf_member(self->btf, skc, "skc_family", &direct));
	EXPECT_EQ(direct.offset, m.offset); /* __sk_common is at 0 */
	EXPECT_EQ(2, m.size);
	off = pahole_member("sock_common", "skc_family", &size);
	if (off >= 0)
		EXPECT_EQ(off, direct.offset);
	/* skc_daddr lives in an anonymous union/struct of sock_common */
	ASSERT_EQ(0, fathom_btf_member(self->btf, skc, "skc_daddr", &m));
	EXPECT_EQ(4, m.size);
	off = pahole_member("sock_common", "skc_daddr", &size);
	if (off >= 0)
		EXPECT_EQ(off, m.offset);
}

/* ---- btf: synthetic blobs -------------------------------------------- */

struct blob {
	uint8_t b[1024];
	uint32_t len;	/* type bytes so far */
	uint8_t *types; /* = b + sizeof(header) */
	char strs[256];
	uint32_t slen;
};

static uint32_t str_add(struct blob *bl, const char *s)
{
	uint32_t off = bl->slen;

	memcpy(bl->strs + off, s, strlen(s) + 1);
	bl->slen += strlen(s) + 1;
	return off;
}

static void put32(struct blob *bl, uint32_t v)
{
	memcpy(bl->types + bl->len, &v, 4);
	bl->len += 4;
}

static void type_add(struct blob *bl, const char *name, uint32_t kind,
		     uint32_t vlen, bool kflag, uint32_t size_or_type)
{
	put32(bl, name ? str_add(bl, name) : 0);
	put32(bl, (kind << 24) | vlen | ((uint32_t)kflag << 31));
	put32(bl, size_or_type);
}

static void member_add(struct blob *bl, const char *name, uint32_t type,
		       uint32_t offset)
{
	put32(bl, name ? str_add(bl, name) : 0);
	put32(bl, type);
	put32(bl, offset);
}

/* Finish: header in front, strings after the types. Returns the size. */
static size_t blob_finish(struct blob *bl)
{
	struct btf_header h = {
		.magic = BTF_MAGIC,
		.version = BTF_VERSION,
		.hdr_len = sizeof(h),
		.type_off = 0,
		.type_len = bl->len,
		.str_off = bl->len,
		.str_len = bl->slen,
	};

	memcpy(bl->b, &h, sizeof(h));
	memcpy(bl->types + bl->len, bl->strs, bl->slen);
	return sizeof(h) + bl->len + bl->slen;
}

/*
 *  1 int "int" (4, signed)      2 struct inner { int x; int y; }
 *  3 union (anon) { struct inner in; int z; }
 *  4 struct outer (kflag) { int a; union { ... }; int bf:3; outer_t *p; }
 *  5 ptr -> 6                   6 typedef outer_t -> 4
 *  7 fwd outer                  8 ptr -> 7
 *  9 const -> 8                 10 unsigned int "u32" (4)
 */
static size_t blob_build(struct blob *bl)
{
	memset(bl, 0, sizeof(*bl));
	bl->types = bl->b + sizeof(struct btf_header);
	bl->slen = 1; /* "" at 0 */
	type_add(bl, "int", BTF_KIND_INT, 0, false, 4);
	put32(bl, (BTF_INT_SIGNED << 24) | 32);
	type_add(bl, "inner", BTF_KIND_STRUCT, 2, false, 8);
	member_add(bl, "x", 1, 0);
	member_add(bl, "y", 1, 32);
	type_add(bl, NULL, BTF_KIND_UNION, 2, false, 8);
	member_add(bl, "in", 2, 0);
	member_add(bl, "z", 1, 0);
	type_add(bl, "outer", BTF_KIND_STRUCT, 4, true, 32);
	member_add(bl, "a", 1, 0);
	member_add(bl, NULL, 3, 64);
	member_add(bl, "bf", 1, (3u << 24) | 128);
	member_add(bl, "p", 5, 192);
	type_add(bl, NULL, BTF_KIND_PTR, 0, false, 6);
	type_add(bl, "outer_t", BTF_KIND_TYPEDEF, 0, false, 4);
	type_add(bl, "outer", BTF_KIND_FWD, 0, false, 0);
	type_add(bl, NULL, BTF_KIND_PTR, 0, false, 7);
	type_add(bl, NULL, BTF_KIND_CONST, 0, false, 8);
	type_add(bl, "u32", BTF_KIND_INT, 0, false, 4);
	put32(bl, 32);
	return blob_finish(bl);
}

TEST(btf_synthetic_members)
{
	struct fathom_btf_member m;
	struct fathom_btf *btf;
	struct blob bl;
	uint32_t outer, tgt;
	uint64_t size;
	char msg[256] = "";
	size_t len = blob_build(&bl);
	int err;

	btf = fathom_btf_parse(bl.b, len, &err, msg, sizeof(msg));
	ASSERT_NE(NULL, btf) TH_LOG("%s", msg);
	EXPECT_EQ(11, fathom_btf_nr_types(btf));
	ASSERT_EQ(0, fathom_btf_find_struct(btf, "outer", &outer));
	EXPECT_EQ(4, outer); /* the definition, not the forward (7) */
	ASSERT_EQ(0, fathom_btf_member(btf, outer, "a", &m));
	EXPECT_EQ(0, m.offset);
	EXPECT_EQ(4, m.size);
	EXPECT_TRUE(m.is_signed);
	/* through the anonymous union */
	ASSERT_EQ(0, fathom_btf_member(btf, outer, "z", &m));
	EXPECT_EQ(8, m.offset);
	ASSERT_EQ(0, fathom_btf_member(btf, outer, "in.y", &m));
	EXPECT_EQ(12, m.offset);
	EXPECT_EQ(4, m.size);
	ASSERT_EQ(0, fathom_btf_member(btf, outer, "in", &m));
	EXPECT_EQ(BTF_KIND_STRUCT, m.kind);
	EXPECT_EQ(8, m.size);
	/* a pointer through a typedef to the struct */
	ASSERT_EQ(0, fathom_btf_member(btf, outer, "p", &m));
	EXPECT_EQ(24, m.offset);
	EXPECT_EQ(8, m.size);
	ASSERT_EQ(0, fathom_btf_ptr_struct(btf, m.type, &tgt));
	EXPECT_EQ(outer, tgt);
	/* const pointer to a forward declaration: the definition */
	ASSERT_EQ(0, fathom_btf_ptr_struct(btf, 9, &tgt));
	EXPECT_EQ(outer, tgt);
	EXPECT_EQ(-EINVAL, fathom_btf_ptr_struct(btf, 1, &tgt));
	/* member lookups through the typedef of the struct */
	ASSERT_EQ(0, fathom_btf_member(btf, 6, "in.x", &m));
	EXPECT_EQ(8, m.offset);
	EXPECT_EQ(-EOPNOTSUPP, fathom_btf_member(btf, outer, "bf", &m));
	EXPECT_STREQ("member 'bf' of outer is a bitfield, which cannot be read",
		     fathom_btf_errmsg(btf));
	EXPECT_EQ(-ENOENT, fathom_btf_member(btf, outer, "in.w", &m));
	EXPECT_STREQ("struct inner has no member 'w'", fathom_btf_errmsg(btf));
	EXPECT_EQ(-EINVAL, fathom_btf_member(btf, outer, "a.b", &m));
	EXPECT_EQ(-EINVAL, fathom_btf_member(btf, 1, "a", &m));
	EXPECT_EQ(-EINVAL, fathom_btf_member(btf, 999, "a", &m));
	EXPECT_EQ(0, fathom_btf_size(btf, 6, &size));
	EXPECT_EQ(32, size);
	EXPECT_EQ(-EINVAL, fathom_btf_size(btf, 0, &size));
	EXPECT_EQ(0, fathom_btf_member(btf, outer, "a", &m));
	fathom_btf_free(btf);
	LEAK_CHECK();
}

TEST(btf_malformed_blobs)
{
	struct btf_header *h;
	struct fathom_btf *btf;
	struct blob bl;
	char msg[256];
	size_t len = blob_build(&bl), i;
	uint8_t copy[1024];
	int err;

	/* every truncation is refused (and read within bounds: ASan) */
	for (i = 0; i < len; i++) {
		btf = fathom_btf_parse(bl.b, i, &err, msg, sizeof(msg));
		EXPECT_EQ(NULL, btf);
		EXPECT_EQ(-EBADMSG, err);
		fathom_btf_free(btf);
	}
	h = (struct btf_header *)copy;
#define MUTATE(stmt, want_err, want_msg)                                   \
	do {                                                               \
		memcpy(copy, bl.b, len);                                   \
		stmt;                                                      \
		msg[0] = 0;                                                \
		btf = fathom_btf_parse(copy, len, &err, msg, sizeof(msg)); \
		EXPECT_EQ(NULL, btf);                                      \
		EXPECT_EQ(want_err, err);                                  \
		EXPECT_NE(NULL, strstr(msg, want_msg)) TH_LOG("%s", msg);  \
		fathom_btf_free(btf);                                      \
	} while (0)
	MUTATE(h->magic = 0x9feb, -EBADMSG, "other byte order");
	MUTATE(h->version = 2, -EOPNOTSUPP, "version 2");
	MUTATE(h->hdr_len = 2000, -EBADMSG, "header length");
	MUTATE(h->type_len = 4096, -EBADMSG, "type section");
	MUTATE(h->type_len += 4, -EBADMSG, "type 11 truncated");
	MUTATE(h->str_len += 1, -EBADMSG, "string section");
	MUTATE(h->type_len -= 4, -EBADMSG, "truncated");
	/* type 1's name offset past the strings */
	MUTATE(memcpy(copy + sizeof(*h), &(uint32_t){ 999 }, 4), -EBADMSG,
	       "name offset");
	/* type 1 of kind 31 */
	MUTATE(copy[sizeof(*h) + 7] = 31, -EOPNOTSUPP, "unknown kind 31");
#undef MUTATE
	LEAK_CHECK();
}

TEST(btf_missing_file_says_no_btf)
{
	char msg[256];
	int err;

	EXPECT_EQ(NULL, fathom_btf_load("/nonexistent/vmlinux", &err, msg,
					sizeof(msg)));
	EXPECT_EQ(-ENOENT, err);
	EXPECT_EQ(0, strncmp("no BTF: /nonexistent/vmlinux does not exist", msg,
			     43))
	TH_LOG("%s", msg);
	LEAK_CHECK();
}

TEST_HARNESS_MAIN
