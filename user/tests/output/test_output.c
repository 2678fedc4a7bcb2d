// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tool's output: real scripts compiled by the front end and the code
 * generator, then synthetic printf()/time() records and per-CPU map
 * entries (two CPUs) fed to user/tool/output.c; the text and JSON are
 * compared byte for byte. The expected hist/lhist blocks, map lines and
 * JSON objects are what Debian's bpftrace 0.17 printed for the same
 * values. Kernel symbols come from a synthetic kallsyms file.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include <linux/fathom.h>

#include "compiler.h"
#include "codegen.h"
#include "ksyms.h"
#include "output.h"
#include "usyms.h"

#if defined(__SANITIZE_ADDRESS__)
#define OUT_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OUT_LSAN 1
#endif
#endif

#ifdef OUT_LSAN
#include <sanitizer/lsan_interface.h>
/* The harness ends each test with _exit(): run LeakSanitizer by hand. */
#define OUT_LEAK_CHECK() ASSERT_EQ(0, __lsan_do_recoverable_leak_check())
#else
#define OUT_LEAK_CHECK() \
	do {             \
	} while (0)
#endif

static const char kallsyms_text[] = "0000000000000000 A fixed_percpu_data\n"
				    "ffffffff81000000 T _stext\n"
				    "ffffffff81001000 T func_a\n"
				    "ffffffff81001000 T func_a_alias\n"
				    "ffffffff81001100 t func_b\n"
				    "ffffffff81002000 W weak_fn\n"
				    "ffffffff81003000 D some_data\n"
				    "ffffffffc0001000 t mod_fn\t[mymod]\n";

#define FUNC_A 0xffffffff81001000ull
#define FUNC_B 0xffffffff81001100ull
#define MOD_FN 0xffffffffc0001000ull

static time_t fixed_clock(void)
{
	return 86400 + 3661; /* 1970-01-02 01:01:01 UTC */
}

FIXTURE(out)
{
	struct diag_sink d;
	struct fathom_script *s;
	struct fathom_compiled *c;
	struct fathom_out *o;
	FILE *f;
	char *buf;
	size_t len;
	char ksyms[64];
};

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

FIXTURE_SETUP(out)
{
	int fd;

	diag_init_capture(&self->d);
	strcpy(self->ksyms, "/tmp/fathom-ksyms-XXXXXX");
	fd = mkstemp(self->ksyms);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, write_file(self->ksyms, kallsyms_text));
	setenv("TZ", "UTC", 1);
	tzset();
}

static void out_close(struct __test_metadata *_metadata,
		      FIXTURE_DATA(out) * self)
{
	fathom_out_free(self->o);
	self->o = NULL;
	if (self->f)
		fclose(self->f);
	self->f = NULL;
	free(self->buf);
	self->buf = NULL;
}

FIXTURE_TEARDOWN(out)
{
	out_close(_metadata, self);
	fathom_compiled_free(self->c);
	fathom_script_free(self->s);
	diag_fini(&self->d);
	unlink(self->ksyms);
	OUT_LEAK_CHECK();
}

/* A fresh output (text or JSON) for the compiled script. */
static int out_open(struct __test_metadata *_metadata, FIXTURE_DATA(out) * self,
		    enum fathom_out_format fmt)
{
	out_close(_metadata, self);
	self->f = open_memstream(&self->buf, &self->len);
	if (!self->f)
		return -ENOMEM;
	self->o = fathom_out_new(self->f, fmt, self->c);
	if (!self->o)
		return -ENOMEM;
	fathom_out_set_kallsyms(self->o, self->ksyms);
	fathom_out_set_clock(self->o, fixed_clock);
	return 0;
}

static int compile(struct __test_metadata *_metadata, FIXTURE_DATA(out) * self,
		   const char *src)
{
	out_close(_metadata, self);
	fathom_compiled_free(self->c);
	self->c = NULL;
	fathom_script_free(self->s);
	diag_fini(&self->d);
	diag_init_capture(&self->d);
	self->s = fathom_script_parse("test.bt", src, strlen(src), &self->d);
	if (!self->s)
		return -ENOMEM;
	if (fathom_script_check(self->s, &self->d))
		return -EINVAL;
	self->c = fathom_codegen(self->s, &self->d);
	if (!self->c)
		return -EINVAL;
	return out_open(_metadata, self, FATHOM_OUT_TEXT);
}

#define COMPILE(src)                                                  \
	do {                                                          \
		int __e = compile(_metadata, self, (src));            \
		if (__e)                                              \
			TH_LOG("diagnostics:\n%s",                    \
			       self->d.buf ? self->d.buf : "(none)"); \
		ASSERT_EQ(0, __e);                                    \
	} while (0)

#define REOPEN(fmt) ASSERT_EQ(0, out_open(_metadata, self, (fmt)))

/* What the output wrote so far. */
static const char *text(FIXTURE_DATA(out) * self)
{
	fflush(self->f);
	return self->buf ? self->buf : "";
}

/* ---- records --------------------------------------------------------- */

struct rec {
	uint64_t b[128];
	const struct fathom_fmt *f;
};

/* A record of printf() number @id (0-based, in script order). */
static void rec_init(struct rec *r, const struct fathom_compiled *c,
		     uint32_t id)
{
	memset(r, 0, sizeof(*r));
	r->f = &c->fmts[id];
	memcpy(r->b, &id, 4);
}

static void rec_u64(struct rec *r, uint32_t i, uint64_t v)
{
	memcpy((uint8_t *)r->b + r->f->arg_off[i], &v, 8);
}

static void rec_str(struct rec *r, uint32_t i, const char *s)
{
	strcpy((char *)r->b + r->f->arg_off[i], s);
}

static int rec_out(FIXTURE_DATA(out) * self, struct rec *r)
{
	return fathom_out_record(self->o, r->b, r->f->size);
}

/* ---- map entries ----------------------------------------------------- */

struct key {
	uint64_t b[64];
	const struct fathom_cmap *info;
	uint32_t size;
};

static uint32_t map_id(const struct fathom_compiled *c, const char *name)
{
	uint32_t i;

	for (i = 0; i < c->nr_maps; i++)
		if (!strcmp(c->map_info[i].name, name))
			return i + 1;
	return 0;
}

static void key_init(struct key *k, const struct fathom_compiled *c,
		     uint32_t id)
{
	memset(k, 0, sizeof(*k));
	k->info = &c->map_info[id - 1];
	k->size = c->maps[id - 1].key_size;
}

static void key_u64(struct key *k, uint32_t i, uint64_t v)
{
	memcpy((uint8_t *)k->b + k->info->key_off[i], &v, 8);
}

static void key_str(struct key *k, uint32_t i, const char *s)
{
	strcpy((char *)k->b + k->info->key_off[i], s);
}

/* Add one entry whose value is @n 64-bit words. */
static int add(struct fathom_mapdata *md, uint32_t cpu, const struct key *k,
	       const uint64_t *v, uint32_t n)
{
	return fathom_mapdata_add(md, cpu, k->b, k->size, v, n * 8);
}

/* Add a one-word value under a one-integer key (or no key). */
static int add1(struct fathom_mapdata *md, const struct fathom_compiled *c,
		uint32_t id, uint32_t cpu, uint64_t key, int64_t value)
{
	struct key k;
	uint64_t v = (uint64_t)value;

	key_init(&k, c, id);
	if (k.info->nkeys)
		key_u64(&k, 0, key);
	return add(md, cpu, &k, &v, 1);
}

/* Print map @name from the entries @fill adds, return the output. */
#define PRINT_MAP(name, fill)                            \
	({                                               \
		uint32_t __id = map_id(self->c, (name)); \
		struct fathom_mapdata *md;               \
		ASSERT_NE(0, __id);                      \
		md = fathom_mapdata_new(self->o, __id);  \
		ASSERT_NE(NULL, md);                     \
		fill;                                    \
		fathom_out_map(self->o, md);             \
		fathom_mapdata_free(md);                 \
		text(self);                              \
	})

/* ---- printf ---------------------------------------------------------- */

TEST_F(out, printf_int_conversions)
{
	static const uint64_t v[] = { -1ull, 42, -1ull, 255, 255, 8, 65 };
	struct rec r;
	uint32_t i;

	COMPILE("kprobe:f { printf(\"%d|%i|%u|%x|%X|%o|%c|%%\\n\","
		" arg0, arg1, arg2, arg3, arg4, arg5, arg6); }");
	rec_init(&r, self->c, 0);
	for (i = 0; i < 7; i++)
		rec_u64(&r, i, v[i]);
	EXPECT_EQ(0, rec_out(self, &r));
	EXPECT_STREQ("-1|42|4294967295|ff|FF|10|A|%\n", text(self));
}

TEST_F(out, printf_length_modifiers)
{
	struct rec r;
	uint32_t i;

	COMPILE("kprobe:f { printf(\"%ld|%lu|%lld|%llu|%lx|%zu|%jd\\n\","
		" arg0, arg1, arg2, arg3, arg4, arg5, arg6); }");
	rec_init(&r, self->c, 0);
	for (i = 0; i < 7; i++)
		rec_u64(&r, i, -1ull);
	EXPECT_EQ(0, rec_out(self, &r));
	EXPECT_STREQ("-1|18446744073709551615|-1|18446744073709551615|"
		     "ffffffffffffffff|18446744073709551615|-1\n",
		     text(self));
}

TEST_F(out, printf_short_and_char_lengths)
{
	struct rec r;

	COMPILE("kprobe:f { printf(\"%hhd|%hd|%hhu|%hu|%hx\\n\","
		" arg0, arg1, arg2, arg3, arg4); }");
	rec_init(&r, self->c, 0);
	rec_u64(&r, 0, 300);
	rec_u64(&r, 1, 70000);
	rec_u64(&r, 2, -1ull);
	rec_u64(&r, 3, -1ull);
	rec_u64(&r, 4, 0x12345);
	EXPECT_EQ(0, rec_out(self, &r));
	EXPECT_STREQ("44|4464|255|65535|2345\n", text(self));
}

TEST_F(out, printf_int_is_truncated_to_int)
{
	struct rec r;
	uint32_t i;

	/* bpftrace passes an int for a plain %d: the low 32 bits */
	COMPILE("kprobe:f { printf(\"%d %u %x %c\\n\", arg0, arg1, arg2,"
		" arg3); }");
	rec_init(&r, self->c, 0);
	for (i = 0; i < 3; i++)
		rec_u64(&r, i, 0x100000001ull);
	rec_u64(&r, 3, 0x141);
	EXPECT_EQ(0, rec_out(self, &r));
	EXPECT_STREQ("1 1 1 A\n", text(self));
}

TEST_F(out, printf_width_precision_flags)
{
	struct rec r;
	uint32_t i;

	COMPILE("kprobe:f { printf(\"[%5d][%-5d][%05d][%.3d][%8.3s][%-8s]\\n\","
		" arg0, arg1, arg2, arg3, \"abcdef\", \"ab\"); }");
	rec_init(&r, self->c, 0);
	for (i = 0; i < 3; i++)
		rec_u64(&r, i, 42);
	rec_u64(&r, 3, 7);
	rec_str(&r, 4, "abcdef");
	rec_str(&r, 5, "ab");
	EXPECT_EQ(0, rec_out(self, &r));
	EXPECT_STREQ("[   42][42   ][00042][007][     abc][ab      ]\n",
		     text(self));

	COMPILE("kprobe:f { printf(\"[%+d][% d][%#x][%#o][%-+6d][%+.2d]\\n\","
		" arg0, arg1, arg2, arg3, arg4, arg5); }");
	rec_init(&r, self->c, 0);
	rec_u64(&r, 0, 42);
	rec_u64(&r, 1, 42);
	rec_u64(&r, 2, 255);
	rec_u64(&r, 3, 8);
	rec_u64(&r, 4, 42);
	rec_u64(&r, 5, -3ull);
	EXPECT_EQ(0, rec_out(self, &r));
	EXPECT_STREQ("[+42][ 42][0xff][010][+42   ][-03]\n", text(self));
}

TEST_F(out, printf_pointer)
{
	struct rec r;

	COMPILE("kprobe:f { printf(\"%p %p %-8p|\\n\", arg0, arg1, arg2); }");
	rec_init(&r, self->c, 0);
	rec_u64(&r, 0, 0);
	rec_u64(&r, 1, 4096);
	rec_u64(&r, 2, 16);
	EXPECT_EQ(0, rec_out(self, &r));
	EXPECT_STREQ("(nil) 0x1000 0x10    |\n", text(self));
}

TEST_F(out, printf_strings_symbols_probe)
{
	struct rec r;

	COMPILE("kprobe:f { printf(\"%s|%s|%s|%s|%s|%5.2s|\\n\", comm,"
		" ksym(arg0), ksym(arg1), usym(arg2), probe, comm); }");
	rec_init(&r, self->c, 0);
	rec_str(&r, 0, "bash");
	rec_u64(&r, 1, FUNC_B + 0x10);
	rec_u64(&r, 2, 0x1000); /* below every symbol */
	rec_u64(&r, 3, 0x7f0012345678ull);
	rec_u64(&r, 4, 0);
	rec_str(&r, 5, "bash");
	EXPECT_EQ(0, rec_out(self, &r));
	EXPECT_STREQ("bash|func_b|0x1000|0x7f0012345678|kprobe:f|   ba|\n",
		     text(self));
}

TEST_F(out, printf_narrow_int_types)
{
	struct rec r;

	/* a signed 32-bit value is sign-extended whatever the record holds */
	COMPILE("kprobe:f { printf(\"%ld %lu %d\\n\", (int32)arg0,"
		" (uint8)arg1, (int16)arg2); }");
	rec_init(&r, self->c, 0);
	rec_u64(&r, 0, 0xfffffffbull);
	rec_u64(&r, 1, 0x1ff);
	rec_u64(&r, 2, 0xffff);
	EXPECT_EQ(0, rec_out(self, &r));
	EXPECT_STREQ("-5 255 -1\n", text(self));
}

TEST_F(out, printf_json_escapes)
{
	struct rec r;

	COMPILE("kprobe:f { printf(\"a\\\"b\\\\c\\td\\n\"); printf(\"%s\\n\","
		" comm); }");
	REOPEN(FATHOM_OUT_JSON);
	rec_init(&r, self->c, 0);
	EXPECT_EQ(0, rec_out(self, &r));
	rec_init(&r, self->c, 1);
	rec_str(&r, 0, "x\x01y");
	EXPECT_EQ(0, rec_out(self, &r));
	EXPECT_STREQ(
		"{\"type\": \"printf\", \"data\": \"a\\\"b\\\\c\\td\\n\"}\n"
		"{\"type\": \"printf\", \"data\": \"x\\u0001y\\n\"}\n",
		text(self));
}

TEST_F(out, records_bad_and_actions)
{
	uint32_t act[2] = { FATHOM_ACTION_PRINT, 1 };
	uint32_t bad[2] = { 7, 0 };
	struct rec r;

	COMPILE("kprobe:f { printf(\"%d %s\\n\", arg0, comm); }");
	rec_init(&r, self->c, 0);
	/* shorter than the format's record */
	EXPECT_EQ(-EBADMSG, fathom_out_record(self->o, r.b, r.f->size - 1));
	EXPECT_EQ(-EBADMSG, fathom_out_record(self->o, r.b, 3));
	/* no such format */
	EXPECT_EQ(-EBADMSG, fathom_out_record(self->o, bad, sizeof(bad)));
	/* print/clear/zero/exit are the caller's */
	EXPECT_EQ(1, fathom_out_record(self->o, act, sizeof(act)));
	EXPECT_STREQ("", text(self));
}

TEST_F(out, time_records)
{
	uint32_t rec[2] = { FATHOM_ACTION_TIME, 0 };
	uint32_t i;

	COMPILE("BEGIN { time(\"%Y-%m-%d %H:%M:%S\\n\"); }");
	for (i = 0; i < self->c->nr_fmts; i++)
		if (self->c->fmts[i].is_time)
			rec[1] = i;
	ASSERT_TRUE(self->c->fmts[rec[1]].is_time);
	EXPECT_EQ(0, fathom_out_record(self->o, rec, sizeof(rec)));
	EXPECT_STREQ("1970-01-02 01:01:01\n", text(self));
	REOPEN(FATHOM_OUT_JSON);
	EXPECT_EQ(0, fathom_out_record(self->o, rec, sizeof(rec)));
	EXPECT_STREQ(
		"{\"type\": \"time\", \"data\": \"1970-01-02 01:01:01\\n\"}\n",
		text(self));
	EXPECT_EQ(-EBADMSG, fathom_out_time(self->o, 99));
}

/* ---- tool messages --------------------------------------------------- */

TEST_F(out, attached_and_lost)
{
	COMPILE("BEGIN { exit(); }");
	fathom_out_attached(self->o, 1);
	fathom_out_attached(self->o, 3);
	fathom_out_lost(self->o, 12);
	fathom_out_exit_banner(self->o);
	EXPECT_STREQ("Attaching 1 probe...\nAttaching 3 probes...\n"
		     "Lost 12 events\n\n\n",
		     text(self));
	REOPEN(FATHOM_OUT_JSON);
	fathom_out_attached(self->o, 1);
	fathom_out_lost(self->o, 12);
	EXPECT_STREQ(
		"{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n"
		"{\"type\": \"lost_events\", \"data\": {\"events\": 12}}\n",
		text(self));
}

/* ---- aggregations over two CPUs ---------------------------------------- */

TEST_F(out, count_sorted_by_value_ties_by_key)
{
	const char *s;
	uint32_t id;

	COMPILE("kprobe:f { @c[arg0] = count(); }");
	id = map_id(self->c, "@c");
	s = PRINT_MAP("@c", ({
			      EXPECT_EQ(0, add1(md, self->c, id, 0, 3, 1));
			      EXPECT_EQ(0, add1(md, self->c, id, 0, 2, 1));
			      EXPECT_EQ(0, add1(md, self->c, id, 1, 2, 1));
			      EXPECT_EQ(0, add1(md, self->c, id, 1, 1, 1));
			      EXPECT_EQ(0, add1(md, self->c, id, 1, 10, 7));
		      }));
	EXPECT_STREQ("@c[1]: 1\n@c[3]: 1\n@c[2]: 2\n@c[10]: 7\n", s);
	REOPEN(FATHOM_OUT_JSON);
	s = PRINT_MAP("@c", ({
			      add1(md, self->c, id, 0, 3, 1);
			      add1(md, self->c, id, 0, 2, 1);
			      add1(md, self->c, id, 1, 2, 1);
			      add1(md, self->c, id, 1, 1, 1);
		      }));
	EXPECT_STREQ("{\"type\": \"map\", \"data\": {\"@c\": "
		     "{\"1\": 1, \"3\": 1, \"2\": 2}}}\n",
		     s);
}

TEST_F(out, sum_string_keys_signed)
{
	const char *s;
	uint32_t id;
	struct key k;

	COMPILE("kprobe:f { @s[comm] = sum((int64)arg0); }");
	id = map_id(self->c, "@s");
	s = PRINT_MAP("@s", ({
			      uint64_t v;

			      key_init(&k, self->c, id);
			      key_str(&k, 0, "b");
			      v = 2;
			      add(md, 0, &k, &v, 1);
			      v = 3;
			      add(md, 1, &k, &v, 1);
			      key_str(&k, 0, "a");
			      v = 5;
			      add(md, 1, &k, &v, 1);
			      key_init(&k, self->c, id);
			      key_str(&k, 0, "c");
			      v = -1ull;
			      add(md, 0, &k, &v, 1);
			      v = -2ull;
			      add(md, 1, &k, &v, 1);
		      }));
	EXPECT_STREQ("@s[c]: -3\n@s[a]: 5\n@s[b]: 5\n", s);
}

TEST_F(out, min_max_merge)
{
	const char *s;
	uint32_t mn, mx;

	COMPILE("kprobe:f { @mn = min((int64)arg0); @mx = max((int64)arg0); }");
	mn = map_id(self->c, "@mn");
	mx = map_id(self->c, "@mx");
	s = PRINT_MAP("@mn", ({
			      add1(md, self->c, mn, 0, 0, 3);
			      add1(md, self->c, mn, 1, 0, -4);
		      }));
	EXPECT_STREQ("@mn: -4\n", s);
	s = PRINT_MAP("@mx", ({
			      add1(md, self->c, mx, 0, 0, 9);
			      add1(md, self->c, mx, 1, 0, -2);
		      }));
	EXPECT_STREQ("@mn: -4\n@mx: 9\n", s);
	REOPEN(FATHOM_OUT_JSON);
	s = PRINT_MAP("@mn", ({
			      add1(md, self->c, mn, 1, 0, -4);
			      add1(md, self->c, mn, 0, 0, 3);
		      }));
	EXPECT_STREQ("{\"type\": \"map\", \"data\": {\"@mn\": -4}}\n", s);
}

TEST_F(out, avg_merge_and_sort)
{
	uint64_t v[2];
	const char *s;
	uint32_t a, a2;
	struct key k;

	COMPILE("kprobe:f { @a = avg(arg0); @a2[arg1] = avg(arg0); }");
	a = map_id(self->c, "@a");
	a2 = map_id(self->c, "@a2");
	s = PRINT_MAP("@a", ({
			      key_init(&k, self->c, a);
			      v[0] = 3; /* sum */
			      v[1] = 1; /* count */
			      add(md, 0, &k, v, 2);
			      v[0] = 4;
			      add(md, 1, &k, v, 2);
		      }));
	EXPECT_STREQ("@a: 3\n\n", s);
	REOPEN(FATHOM_OUT_TEXT);
	s = PRINT_MAP("@a2", ({
			      key_init(&k, self->c, a2);
			      key_u64(&k, 0, 1);
			      v[0] = 20;
			      v[1] = 1;
			      add(md, 0, &k, v, 2);
			      v[0] = 0;
			      add(md, 1, &k, v, 2);
			      key_u64(&k, 0, 2);
			      v[0] = 2;
			      add(md, 1, &k, v, 2);
		      }));
	EXPECT_STREQ("@a2[2]: 2\n@a2[1]: 10\n\n", s);
	REOPEN(FATHOM_OUT_JSON);
	s = PRINT_MAP("@a2", ({
			      key_init(&k, self->c, a2);
			      key_u64(&k, 0, 1);
			      v[0] = 20;
			      v[1] = 2;
			      add(md, 0, &k, v, 2);
			      key_u64(&k, 0, 2);
			      v[0] = 2;
			      v[1] = 1;
			      add(md, 1, &k, v, 2);
		      }));
	EXPECT_STREQ("{\"type\": \"stats\", \"data\": {\"@a2\": "
		     "{\"2\": 2, \"1\": 10}}}\n",
		     s);
}

TEST_F(out, stats_merge_multi_key)
{
	uint64_t v[4];
	const char *s;
	uint32_t st, st2;
	struct key k;

	COMPILE("kprobe:f { @st = stats(arg0); @st2[arg1, comm] = stats(arg0); }");
	st = map_id(self->c, "@st");
	st2 = map_id(self->c, "@st2");
	s = PRINT_MAP("@st", ({
			      key_init(&k, self->c, st);
			      v[0] = 1; /* count, sum, min, max */
			      v[1] = 3;
			      v[2] = 3;
			      v[3] = 3;
			      add(md, 0, &k, v, 4);
			      v[1] = 5;
			      v[2] = 5;
			      v[3] = 5;
			      add(md, 1, &k, v, 4);
		      }));
	EXPECT_STREQ("@st: count 2, average 4, total 8\n\n", s);
	REOPEN(FATHOM_OUT_TEXT);
	s = PRINT_MAP("@st2", ({
			      key_init(&k, self->c, st2);
			      key_u64(&k, 0, 7);
			      key_str(&k, 1, "x");
			      v[0] = 1;
			      v[1] = 1;
			      v[2] = 1;
			      v[3] = 1;
			      add(md, 1, &k, v, 4);
		      }));
	EXPECT_STREQ("@st2[7, x]: count 1, average 1, total 1\n\n", s);
	REOPEN(FATHOM_OUT_JSON);
	s = PRINT_MAP("@st2", ({
			      key_init(&k, self->c, st2);
			      key_u64(&k, 0, 7);
			      key_str(&k, 1, "x");
			      v[0] = 2;
			      v[1] = 6;
			      v[2] = 1;
			      v[3] = 5;
			      add(md, 0, &k, v, 4);
		      }));
	EXPECT_STREQ("{\"type\": \"stats\", \"data\": {\"@st2\": {\"7,x\": "
		     "{\"count\": 2, \"average\": 3, \"total\": 6}}}}\n",
		     s);
}

static const char hist_text[] =
	"@h: \n"
	"(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
	"[0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
	"[1]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
	"[2, 4)                 0 |                                                    |\n"
	"[4, 8)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
	"[8, 16)                0 |                                                    |\n"
	"[16, 32)               0 |                                                    |\n"
	"[32, 64)               0 |                                                    |\n"
	"[64, 128)              0 |                                                    |\n"
	"[128, 256)             0 |                                                    |\n"
	"[256, 512)             0 |                                                    |\n"
	"[512, 1K)              0 |                                                    |\n"
	"[1K, 2K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
	"[2K, 4K)               0 |                                                    |\n"
	"[4K, 8K)               0 |                                                    |\n"
	"[8K, 16K)              0 |                                                    |\n"
	"[16K, 32K)             0 |                                                    |\n"
	"[32K, 64K)             0 |                                                    |\n"
	"[64K, 128K)            0 |                                                    |\n"
	"[128K, 256K)           0 |                                                    |\n"
	"[256K, 512K)           0 |                                                    |\n"
	"[512K, 1M)             0 |                                                    |\n"
	"[1M, 2M)               0 |                                                    |\n"
	"[2M, 4M)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
	"\n";

static const char hist_json[] =
	"{\"type\": \"hist\", \"data\": {\"@h\": [{\"max\": -1, \"count\": 1}, "
	"{\"min\": 0, \"max\": 0, \"count\": 1}, "
	"{\"min\": 1, \"max\": 1, \"count\": 1}, "
	"{\"min\": 2, \"max\": 3, \"count\": 0}, "
	"{\"min\": 4, \"max\": 7, \"count\": 2}, "
	"{\"min\": 8, \"max\": 15, \"count\": 0}, "
	"{\"min\": 16, \"max\": 31, \"count\": 0}, "
	"{\"min\": 32, \"max\": 63, \"count\": 0}, "
	"{\"min\": 64, \"max\": 127, \"count\": 0}, "
	"{\"min\": 128, \"max\": 255, \"count\": 0}, "
	"{\"min\": 256, \"max\": 511, \"count\": 0}, "
	"{\"min\": 512, \"max\": 1023, \"count\": 0}, "
	"{\"min\": 1024, \"max\": 2047, \"count\": 1}, "
	"{\"min\": 2048, \"max\": 4095, \"count\": 0}, "
	"{\"min\": 4096, \"max\": 8191, \"count\": 0}, "
	"{\"min\": 8192, \"max\": 16383, \"count\": 0}, "
	"{\"min\": 16384, \"max\": 32767, \"count\": 0}, "
	"{\"min\": 32768, \"max\": 65535, \"count\": 0}, "
	"{\"min\": 65536, \"max\": 131071, \"count\": 0}, "
	"{\"min\": 131072, \"max\": 262143, \"count\": 0}, "
	"{\"min\": 262144, \"max\": 524287, \"count\": 0}, "
	"{\"min\": 524288, \"max\": 1048575, \"count\": 0}, "
	"{\"min\": 1048576, \"max\": 2097151, \"count\": 0}, "
	"{\"min\": 2097152, \"max\": 4194303, \"count\": 1}]}}\n";

/* -1, 0, 1, 5, 5, 1500, 3000000 over two CPUs */
static void hist_fill(struct fathom_mapdata *md,
		      const struct fathom_compiled *c, uint32_t id)
{
	uint64_t v[FATHOM_HIST_BUCKETS] = { 0 };
	struct key k;

	key_init(&k, c, id);
	v[0] = 1;
	v[4] = 1;
	v[12] = 1;
	add(md, 0, &k, v, FATHOM_HIST_BUCKETS);
	memset(v, 0, sizeof(v));
	v[1] = 1;
	v[2] = 1;
	v[4] = 1;
	v[23] = 1;
	add(md, 1, &k, v, FATHOM_HIST_BUCKETS);
}

TEST_F(out, hist_labels_bars_negative_zero)
{
	uint32_t id;

	COMPILE("kprobe:f { @h = hist((int64)arg0); }");
	id = map_id(self->c, "@h");
	EXPECT_STREQ(hist_text, PRINT_MAP("@h", hist_fill(md, self->c, id)));
	REOPEN(FATHOM_OUT_JSON);
	EXPECT_STREQ(hist_json, PRINT_MAP("@h", hist_fill(md, self->c, id)));
}

TEST_F(out, hist_keyed_sorted_by_total)
{
	uint64_t v[FATHOM_HIST_BUCKETS] = { 0 };
	const char *s;
	uint32_t id;
	struct key k;

	COMPILE("kprobe:f { @hk[arg1] = hist(arg0); }");
	id = map_id(self->c, "@hk");
	s = PRINT_MAP("@hk", ({
			      key_init(&k, self->c, id);
			      key_u64(&k, 0, 2);
			      v[3] = 1;
			      add(md, 0, &k, v, FATHOM_HIST_BUCKETS);
			      add(md, 1, &k, v, FATHOM_HIST_BUCKETS);
			      key_u64(&k, 0, 1);
			      add(md, 1, &k, v, FATHOM_HIST_BUCKETS);
		      }));
	EXPECT_STREQ(
		"@hk[1]: \n"
		"[2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n"
		"@hk[2]: \n"
		"[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n",
		s);
	REOPEN(FATHOM_OUT_JSON);
	s = PRINT_MAP("@hk", ({
			      key_init(&k, self->c, id);
			      key_u64(&k, 0, 2);
			      add(md, 0, &k, v, FATHOM_HIST_BUCKETS);
			      add(md, 1, &k, v, FATHOM_HIST_BUCKETS);
			      key_u64(&k, 0, 1);
			      add(md, 1, &k, v, FATHOM_HIST_BUCKETS);
		      }));
	EXPECT_STREQ("{\"type\": \"hist\", \"data\": {\"@hk\": "
		     "{\"1\": [{\"min\": 2, \"max\": 3, \"count\": 1}], "
		     "\"2\": [{\"min\": 2, \"max\": 3, \"count\": 2}]}}}\n",
		     s);
}

TEST_F(out, hist_large_suffixes_and_bars)
{
	uint64_t v[FATHOM_HIST_BUCKETS] = { 0 };
	uint32_t id;
	struct key k;

	COMPILE("kprobe:f { @h = hist(arg0); }");
	id = map_id(self->c, "@h");
	/* [1P, 2P) .. [8E, 16E): only the non-zero edges and what lies
	 * between; bars scale to the largest bucket (3 -> 52, 1 -> 17) */
	EXPECT_STREQ(
		"@h: \n"
		"[1P, 2P)               3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[2P, 4P)               0 |                                                    |\n"
		"[4P, 8P)               0 |                                                    |\n"
		"[8P, 16P)              0 |                                                    |\n"
		"[16P, 32P)             0 |                                                    |\n"
		"[32P, 64P)             0 |                                                    |\n"
		"[64P, 128P)            0 |                                                    |\n"
		"[128P, 256P)           0 |                                                    |\n"
		"[256P, 512P)           0 |                                                    |\n"
		"[512P, 1E)             0 |                                                    |\n"
		"[1E, 2E)               0 |                                                    |\n"
		"[2E, 4E)               0 |                                                    |\n"
		"[4E, 8E)               0 |                                                    |\n"
		"[8E, 16E)              1 |@@@@@@@@@@@@@@@@@                                   |\n"
		"\n",
		PRINT_MAP("@h", ({
				  key_init(&k, self->c, id);
				  v[52] = 2;
				  add(md, 0, &k, v, FATHOM_HIST_BUCKETS);
				  memset(v, 0, sizeof(v));
				  v[52] = 1;
				  v[65] = 1;
				  add(md, 1, &k, v, FATHOM_HIST_BUCKETS);
			  })));
	REOPEN(FATHOM_OUT_JSON);
	EXPECT_STREQ("{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": "
		     "9223372036854775808, \"max\": 18446744073709551615, "
		     "\"count\": 1}]}}\n",
		     PRINT_MAP("@h", ({
				       key_init(&k, self->c, id);
				       memset(v, 0, sizeof(v));
				       v[65] = 1;
				       add(md, 1, &k, v, FATHOM_HIST_BUCKETS);
			       })));
}

static const char lhist_text[] =
	"@l: \n"
	"(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
	"[0, 10)                0 |                                                    |\n"
	"[10, 20)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
	"[20, 30)               0 |                                                    |\n"
	"[30, 40)               0 |                                                    |\n"
	"[40, 50)               0 |                                                    |\n"
	"[50, 60)               0 |                                                    |\n"
	"[60, 70)               0 |                                                    |\n"
	"[70, 80)               0 |                                                    |\n"
	"[80, 90)               0 |                                                    |\n"
	"[90, 100)              0 |                                                    |\n"
	"[100, ...)             1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
	"\n";

static const char lhist_json[] =
	"{\"type\": \"hist\", \"data\": {\"@l\": [{\"max\": -1, \"count\": 1}, "
	"{\"min\": 0, \"max\": 9, \"count\": 0}, "
	"{\"min\": 10, \"max\": 19, \"count\": 2}, "
	"{\"min\": 20, \"max\": 29, \"count\": 0}, "
	"{\"min\": 30, \"max\": 39, \"count\": 0}, "
	"{\"min\": 40, \"max\": 49, \"count\": 0}, "
	"{\"min\": 50, \"max\": 59, \"count\": 0}, "
	"{\"min\": 60, \"max\": 69, \"count\": 0}, "
	"{\"min\": 70, \"max\": 79, \"count\": 0}, "
	"{\"min\": 80, \"max\": 89, \"count\": 0}, "
	"{\"min\": 90, \"max\": 99, \"count\": 0}, "
	"{\"min\": 100, \"count\": 1}]}}\n";

/* -5, 15, 15, 150 over two CPUs into lhist(0, 100, 10): 12 buckets */
static void lhist_fill(struct fathom_mapdata *md,
		       const struct fathom_compiled *c, uint32_t id)
{
	uint64_t v[12] = { 0 };
	struct key k;

	key_init(&k, c, id);
	v[0] = 1;
	v[2] = 1;
	add(md, 0, &k, v, 12);
	memset(v, 0, sizeof(v));
	v[2] = 1;
	v[11] = 1;
	add(md, 1, &k, v, 12);
}

TEST_F(out, lhist_labels_and_json)
{
	uint64_t v[6] = { 0 };
	uint32_t id, lk;
	struct key k;

	COMPILE("kprobe:f { @l = lhist((int64)arg0, 0, 100, 10);"
		" @lk[arg1] = lhist(arg0, 0, 4096, 1024); }");
	id = map_id(self->c, "@l");
	lk = map_id(self->c, "@lk");
	EXPECT_STREQ(lhist_text, PRINT_MAP("@l", lhist_fill(md, self->c, id)));
	REOPEN(FATHOM_OUT_TEXT);
	EXPECT_STREQ(
		"@lk[2048]: \n"
		"[2K, 3K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n",
		PRINT_MAP("@lk", ({
				  key_init(&k, self->c, lk);
				  key_u64(&k, 0, 2048);
				  v[3] = 1;
				  add(md, 0, &k, v, 6);
			  })));
	REOPEN(FATHOM_OUT_JSON);
	EXPECT_STREQ(lhist_json, PRINT_MAP("@l", lhist_fill(md, self->c, id)));
}

TEST_F(out, lhist_kilo_and_mega_labels)
{
	uint64_t v[4] = { 0 };
	uint32_t id;
	struct key k;

	COMPILE("kprobe:f { @n = lhist(arg0, 1024, 3072, 1024);"
		" @m = lhist(arg0, 0, 3145728, 1048576); }");
	id = map_id(self->c, "@n");
	EXPECT_STREQ(
		"@n: \n"
		"(..., 1K)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[1K, 2K)               0 |                                                    |\n"
		"[2K, 3K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[3K, ...)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n",
		PRINT_MAP("@n", ({
				  key_init(&k, self->c, id);
				  v[0] = 1;
				  v[2] = 1;
				  v[3] = 1;
				  add(md, 0, &k, v, 4);
			  })));
	REOPEN(FATHOM_OUT_TEXT);
	id = map_id(self->c, "@m");
	EXPECT_STREQ(
		"@m: \n"
		"[1M, 2M)               4 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[2M, 3M)               1 |@@@@@@@@@@@@@                                       |\n"
		"\n",
		PRINT_MAP("@m", ({
				  uint64_t w[5] = { 0, 0, 4, 1, 0 };

				  key_init(&k, self->c, id);
				  add(md, 1, &k, w, 5);
			  })));
	REOPEN(FATHOM_OUT_JSON);
	EXPECT_STREQ("{\"type\": \"hist\", \"data\": {\"@m\": ["
		     "{\"min\": 1048576, \"max\": 2097151, \"count\": 4}, "
		     "{\"min\": 2097152, \"max\": 3145727, \"count\": 1}, "
		     "{\"min\": 3145728, \"count\": 2}]}}\n",
		     PRINT_MAP("@m", ({
				       uint64_t w[5] = { 0, 0, 4, 1, 2 };

				       key_init(&k, self->c, id);
				       add(md, 1, &k, w, 5);
			       })));
}

/* ---- plain values, keys, sorting ---------------------------------------- */

TEST_F(out, hash_values_multi_key_strings)
{
	const char *s;
	uint32_t id;
	struct key k;

	COMPILE("kprobe:f { @m[arg0, \"two\"] = 3; @str[arg0] = \"hello\";"
		" @ = 7; @neg = (int64)arg0; }");
	id = map_id(self->c, "@m");
	s = PRINT_MAP("@m", ({
			      uint64_t v = 3;

			      key_init(&k, self->c, id);
			      key_u64(&k, 0, 1);
			      key_str(&k, 1, "two");
			      EXPECT_EQ(0, add(md, UINT32_MAX, &k, &v, 1));
		      }));
	EXPECT_STREQ("@m[1, two]: 3\n", s);
	id = map_id(self->c, "@str");
	s = PRINT_MAP(
		"@str", ({
			char v[64] = "hello";

			key_init(&k, self->c, id);
			key_u64(&k, 0, 1);
			EXPECT_EQ(0, fathom_mapdata_add(
					     md, UINT32_MAX, k.b, k.size, v,
					     self->c->maps[id - 1].value_size));
		}));
	EXPECT_STREQ("@m[1, two]: 3\n@str[1]: hello\n", s);
	REOPEN(FATHOM_OUT_TEXT);
	s = PRINT_MAP("@", add1(md, self->c, map_id(self->c, "@"), UINT32_MAX,
				0, 7));
	s = PRINT_MAP("@neg", add1(md, self->c, map_id(self->c, "@neg"),
				   UINT32_MAX, 0, -5));
	EXPECT_STREQ("@: 7\n@neg: -5\n", s);
	REOPEN(FATHOM_OUT_JSON);
	s = PRINT_MAP("@str", ({
			      char v[64] = "hel\"lo";

			      key_init(&k, self->c, id);
			      key_u64(&k, 0, 1);
			      fathom_mapdata_add(
				      md, UINT32_MAX, k.b, k.size, v,
				      self->c->maps[id - 1].value_size);
		      }));
	s = PRINT_MAP("@m", ({
			      uint64_t v = 3;

			      key_init(&k, self->c, map_id(self->c, "@m"));
			      key_u64(&k, 0, 1);
			      key_str(&k, 1, "two");
			      add(md, UINT32_MAX, &k, &v, 1);
		      }));
	EXPECT_STREQ(
		"{\"type\": \"map\", \"data\": {\"@str\": {\"1\": "
		"\"hel\\\"lo\"}}}\n"
		"{\"type\": \"map\", \"data\": {\"@m\": {\"1,two\": 3}}}\n",
		s);
}

TEST_F(out, sort_keys_when_values_do_not_sort)
{
	const char *s;
	uint32_t id;
	struct key k;

	/* string values sort by key: first component first, ints signed */
	COMPILE("kprobe:f { @v[(int64)arg0, comm] = comm; }");
	id = map_id(self->c, "@v");
	s = PRINT_MAP("@v", ({
			      static const struct {
				      int64_t a;
				      const char *b;
			      } keys[] = { { 2, "a" },
					   { -1, "z" },
					   { 2, "B" },
					   { 10, "a" } };
			      char v[64] = "x";
			      uint32_t i;

			      for (i = 0; i < 4; i++) {
				      key_init(&k, self->c, id);
				      key_u64(&k, 0, (uint64_t)keys[i].a);
				      key_str(&k, 1, keys[i].b);
				      fathom_mapdata_add(
					      md, UINT32_MAX, k.b, k.size, v,
					      self->c->maps[id - 1].value_size);
			      }
		      }));
	EXPECT_STREQ("@v[-1, z]: x\n@v[2, B]: x\n@v[2, a]: x\n@v[10, a]: x\n",
		     s);
}

TEST_F(out, empty_maps)
{
	COMPILE("kprobe:f { @c = count(); @a = avg(arg0); @h = hist(arg0); }");
	EXPECT_STREQ("\n", PRINT_MAP("@c", (void)0));
	EXPECT_STREQ("\n\n\n", PRINT_MAP("@a", (void)0));
	EXPECT_STREQ("\n\n\n\n", PRINT_MAP("@h", (void)0));
	REOPEN(FATHOM_OUT_JSON);
	EXPECT_STREQ("", PRINT_MAP("@c", (void)0));
	EXPECT_STREQ("", PRINT_MAP("@h", (void)0));
}

TEST_F(out, entry_size_errors)
{
	struct fathom_mapdata *md;
	uint64_t v[2] = { 0 };
	struct key k;
	uint32_t id;

	COMPILE("kprobe:f { @c[arg0] = count(); @a = avg(arg0); }");
	id = map_id(self->c, "@c");
	EXPECT_EQ(NULL, fathom_mapdata_new(self->o, 0));
	EXPECT_EQ(NULL, fathom_mapdata_new(self->o, self->c->nr_maps + 1));
	md = fathom_mapdata_new(self->o, id);
	ASSERT_NE(NULL, md);
	key_init(&k, self->c, id);
	EXPECT_EQ(-EINVAL, fathom_mapdata_add(md, 0, k.b, k.size - 1, v, 8));
	EXPECT_EQ(-EINVAL, fathom_mapdata_add(md, 0, k.b, k.size, v, 16));
	EXPECT_EQ(0, fathom_mapdata_add(md, 0, k.b, k.size, v, 8));
	fathom_mapdata_free(md);
	md = fathom_mapdata_new(self->o, map_id(self->c, "@a"));
	ASSERT_NE(NULL, md);
	key_init(&k, self->c, map_id(self->c, "@a"));
	EXPECT_EQ(-EINVAL, fathom_mapdata_add(md, 0, k.b, k.size, v, 8));
	fathom_mapdata_free(md);
}

/* ---- stacks and symbols ------------------------------------------------ */

/* Feed STACK map @sm one entry: stack 5 = four frames. */
static int stack_map_fill(struct fathom_out *o, const struct fathom_compiled *c,
			  uint32_t sm)
{
	uint64_t key[64] = { 0 }, id = 5;
	struct fathom_mapdata *md = fathom_mapdata_new(o, sm);
	int err;

	if (!md)
		return -ENOMEM;
	key[0] = 4; /* nr */
	key[1] = FUNC_A + 5;
	key[2] = FUNC_B + 16;
	key[3] = MOD_FN;
	key[4] = 0x1000;
	err = fathom_mapdata_add(md, UINT32_MAX, key, c->maps[sm - 1].key_size,
				 &id, 8);
	fathom_out_map(o, md); /* prints nothing */
	fathom_mapdata_free(md);
	return err;
}

TEST_F(out, kstack_keys_from_stack_map)
{
	uint64_t v = 3;
	const char *s;
	uint32_t a, sm;
	struct key k;

	COMPILE("kprobe:f { @a[kstack] = count(); }");
	a = map_id(self->c, "@a");
	sm = self->c->map_info[a - 1].stack_map[0];
	ASSERT_NE(0, sm);
	ASSERT_TRUE(self->c->map_info[sm - 1].is_stack);
	ASSERT_EQ(0, stack_map_fill(self->o, self->c, sm));
	EXPECT_STREQ("", text(self));
	s = PRINT_MAP("@a", ({
			      key_init(&k, self->c, a);
			      key_u64(&k, 0, 5);
			      add(md, 0, &k, &v, 1);
			      add(md, 1, &k, &v, 1);
		      }));
	EXPECT_STREQ("@a[\n    func_a+5\n    func_b+16\n    mod_fn+0\n"
		     "    0x1000\n]: 6\n",
		     s);
	REOPEN(FATHOM_OUT_JSON);
	ASSERT_EQ(0, stack_map_fill(self->o, self->c, sm));
	s = PRINT_MAP("@a", ({
			      key_init(&k, self->c, a);
			      key_u64(&k, 0, 5);
			      add(md, 0, &k, &v, 1);
		      }));
	EXPECT_STREQ(
		"{\"type\": \"map\", \"data\": {\"@a\": {\"\\n    "
		"func_a+5\\n    func_b+16\\n    mod_fn+0\\n    0x1000\\n\":"
		" 3}}}\n",
		s);
}

TEST_F(out, ustack_key_and_kstack_value)
{
	uint64_t ips[2] = { 0x7f0000001000ull, 0x400123 };
	uint64_t kips[1] = { FUNC_A + 1 };
	const char *s;
	uint32_t u, x;
	struct key k;

	COMPILE("kprobe:f { @u[ustack, pid] = count(); @x[arg0] = kstack; }");
	u = map_id(self->c, "@u");
	x = map_id(self->c, "@x");
	ASSERT_EQ(0, fathom_out_stack_add(self->o,
					  self->c->map_info[u - 1].stack_map[0],
					  9, ips, 2));
	s = PRINT_MAP("@u", ({
			      uint64_t v = 1;

			      key_init(&k, self->c, u);
			      key_u64(&k, 0, 9);
			      key_u64(&k, 1, 42);
			      add(md, 0, &k, &v, 1);
		      }));
	EXPECT_STREQ("@u[\n    0x7f0000001000\n    0x400123\n, 42]: 1\n", s);
	REOPEN(FATHOM_OUT_TEXT);
	ASSERT_EQ(0, fathom_out_stack_add(
			     self->o, self->c->map_info[x - 1].value_stack_map,
			     4, kips, 1));
	s = PRINT_MAP("@x", ({
			      uint64_t v = 4;

			      key_init(&k, self->c, x);
			      key_u64(&k, 0, 1);
			      add(md, UINT32_MAX, &k, &v, 1);
			      key_u64(&k, 0, 2);
			      add(md, UINT32_MAX, &k, &v, 1);
		      }));
	EXPECT_STREQ("@x[1]: \n        func_a+1\n@x[2]: \n        func_a+1\n\n",
		     s);
}

TEST_F(out, ksym_and_probe_keys)
{
	const char *s;
	uint32_t id;

	COMPILE("kprobe:f, kprobe:g { @k[ksym(arg0)] = count();"
		" @p[probe] = count(); }");
	id = map_id(self->c, "@k");
	s = PRINT_MAP("@k", ({
			      add1(md, self->c, id, 0, FUNC_A + 0x20, 2);
			      add1(md, self->c, id, 0, 0xffffffff81001200ull,
				   1);
			      add1(md, self->c, id, 1, 0, 3);
		      }));
	EXPECT_STREQ("@k[func_b]: 1\n@k[func_a]: 2\n@k[0]: 3\n", s);
	REOPEN(FATHOM_OUT_TEXT);
	id = map_id(self->c, "@p");
	s = PRINT_MAP("@p", ({
			      add1(md, self->c, id, 0, 1, 4);
			      add1(md, self->c, id, 1, 0, 1);
		      }));
	EXPECT_STREQ("@p[kprobe:f]: 1\n@p[kprobe:g]: 4\n", s);
}

/* A resolver of process 42's addresses, as fathom_usyms_format() would. */
static int fake_usym(void *arg, uint32_t pid, uint64_t addr, unsigned int flags,
		     char *buf, size_t size)
{
	if (flags & FATHOM_USYM_CAPTURE)
		return 0;
	if (pid != 42)
		return -1;
	return snprintf(buf, size, "fn_%llx", (unsigned long long)addr);
}

/* usym() values carry their process: named through the resolver */
TEST_F(out, usym_keys_and_printf_with_pid)
{
	const char *s;
	struct rec r;
	struct key k;
	uint32_t id;

	COMPILE("kprobe:f { @u[usym(arg0)] = count();"
		" printf(\"%s|%s\\n\", usym(arg0), usym(arg1)); }");
	fathom_out_set_usyms(self->o, fake_usym, NULL);
	id = map_id(self->c, "@u");
	ASSERT_EQ(16, self->c->maps[id - 1].key_size);
	s = PRINT_MAP("@u", ({
			      uint64_t v = 3;

			      key_init(&k, self->c, id);
			      key_u64(&k, 0, 0x1139);
			      k.b[1] = 42; /* the tgid after the address */
			      add(md, 0, &k, &v, 1);
			      v = 1;
			      key_u64(&k, 0, 0x7f00);
			      k.b[1] = 7; /* unknown process: hex */
			      add(md, 1, &k, &v, 1);
		      }));
	EXPECT_STREQ("@u[0x7f00]: 1\n@u[fn_1139]: 3\n", s);
	REOPEN(FATHOM_OUT_TEXT);
	fathom_out_set_usyms(self->o, fake_usym, NULL);
	rec_init(&r, self->c, 0);
	rec_u64(&r, 0, 0xabc);
	memcpy((uint8_t *)r.b + r.f->arg_off[0] + 8, &(uint64_t){ 42 }, 8);
	rec_u64(&r, 1, 0xdef);
	EXPECT_EQ(0, rec_out(self, &r));
	EXPECT_STREQ("fn_abc|0xdef\n", text(self));
}

TEST_F(out, map_order)
{
	uint32_t ids[8], n, i;

	COMPILE("kprobe:f { @b = count(); @[kstack] = count(); @a = sum(1); }");
	n = fathom_out_map_order(self->c, ids);
	ASSERT_EQ(3, n);
	for (i = 0; i < n; i++)
		EXPECT_FALSE(self->c->map_info[ids[i] - 1].is_stack);
	EXPECT_STREQ("@", self->c->map_info[ids[0] - 1].name);
	EXPECT_STREQ("@a", self->c->map_info[ids[1] - 1].name);
	EXPECT_STREQ("@b", self->c->map_info[ids[2] - 1].name);
}

/* ---- the symbol table on its own ---------------------------------------- */

TEST_F(out, ksyms_table)
{
	struct fathom_ksyms *ks;
	uint64_t off = 99;
	char buf[64];
	int err;

	ks = fathom_ksyms_load(self->ksyms, &err);
	ASSERT_NE(NULL, ks);
	EXPECT_EQ(0, err);
	/* _stext, func_a (alias dropped), func_b, weak_fn, mod_fn */
	EXPECT_EQ(5, fathom_ksyms_count(ks));
	EXPECT_STREQ("func_a", fathom_ksyms_find(ks, FUNC_A, &off));
	EXPECT_EQ(0, off);
	EXPECT_STREQ("func_b", fathom_ksyms_find(ks, FUNC_B + 0xff, &off));
	EXPECT_EQ(0xff, off);
	EXPECT_STREQ("weak_fn",
		     fathom_ksyms_find(ks, 0xffffffff81003010ull, &off));
	EXPECT_EQ(0x1010, off);
	EXPECT_STREQ("mod_fn", fathom_ksyms_find(ks, MOD_FN + 1, NULL));
	EXPECT_EQ(NULL, fathom_ksyms_find(ks, 0xffffffff80ffffffull, &off));
	EXPECT_EQ(11,
		  fathom_ksyms_snprint(ks, FUNC_B + 0x10, buf, sizeof(buf)));
	EXPECT_STREQ("func_b+0x10", buf);
	fathom_ksyms_snprint(ks, 0x1234, buf, sizeof(buf));
	EXPECT_STREQ("0x1234", buf);
	fathom_ksyms_free(ks);

	/* kptr_restrict: every address 0, nothing resolves */
	ASSERT_EQ(0, write_file(self->ksyms, "0000000000000000 T func_a\n"
					     "0000000000000000 t func_b\n"));
	ks = fathom_ksyms_load(self->ksyms, &err);
	ASSERT_NE(NULL, ks);
	EXPECT_EQ(0, fathom_ksyms_count(ks));
	EXPECT_EQ(NULL, fathom_ksyms_find(ks, FUNC_A, NULL));
	fathom_ksyms_free(ks);

	EXPECT_EQ(NULL, fathom_ksyms_load("/nonexistent/kallsyms", &err));
	EXPECT_EQ(-ENOENT, err);
}

TEST_HARNESS_MAIN
