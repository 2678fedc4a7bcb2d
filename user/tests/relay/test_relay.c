// SPDX-License-Identifier: GPL-2.0-only
/*
 * The relay reader's parser, fed synthetic streams: records split across
 * reads, lost counts from sub-buffer headers, corrupt headers rejected,
 * timestamp order across CPUs; then the same through files in a temporary
 * directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "relay.h"

/* A byte stream under construction. */
struct sbuf {
	uint8_t b[1 << 16];
	size_t len;
};

static void put_hdr(struct sbuf *s, uint32_t len, uint16_t kind, uint16_t cpu,
		    uint64_t ts)
{
	struct fathom_record_hdr h = {
		.len = len, .kind = kind, .cpu = cpu, .ts = ts
	};

	memcpy(s->b + s->len, &h, sizeof(h));
	s->len += sizeof(h);
}

static void put_subbuf(struct sbuf *s, uint16_t cpu, uint64_t lost,
		       uint64_t seq)
{
	struct fathom_subbuf_info info = { .lost = lost, .seq = seq };

	put_hdr(s, sizeof(struct fathom_record_hdr) + sizeof(info),
		FATHOM_REC_SUBBUF, cpu, 0);
	memcpy(s->b + s->len, &info, sizeof(info));
	s->len += sizeof(info);
}

/* An EMIT record whose payload is @n bytes of @val, padded to 8. */
static void put_rec(struct sbuf *s, uint16_t cpu, uint64_t ts, uint8_t val,
		    size_t n)
{
	size_t len = (sizeof(struct fathom_record_hdr) + n + 7) & ~(size_t)7;

	put_hdr(s, len, FATHOM_REC_EMIT, cpu, ts);
	memset(s->b + s->len, 0, len - sizeof(struct fathom_record_hdr));
	memset(s->b + s->len, val, n);
	s->len += len - sizeof(struct fathom_record_hdr);
}

/* What the callback saw. */
struct seen {
	unsigned int n;
	unsigned int stop_after;
	uint64_t ts[256];
	uint16_t cpu[256];
	uint8_t first[256];
	size_t len[256];
	int bad_padding;
};

static int collect(const struct fathom_record_hdr *hdr, const void *payload,
		   size_t len, void *arg)
{
	struct seen *w = arg;
	const uint8_t *p = payload;

	if (w->n < 256) {
		w->ts[w->n] = hdr->ts;
		w->cpu[w->n] = hdr->cpu;
		w->first[w->n] = len ? p[0] : 0;
		w->len[w->n] = len;
	}
	if ((uintptr_t)hdr % 8 || len != hdr->len - sizeof(*hdr))
		w->bad_padding++;
	w->n++;
	if (w->stop_after && w->n == w->stop_after)
		return 42;
	return 0;
}

TEST(one_record)
{
	struct fathom_relay_reader *r = fathom_relay_reader_new(1);
	struct sbuf s = { .len = 0 };
	struct seen w = { .n = 0 };

	ASSERT_NE(NULL, r);
	put_subbuf(&s, 0, 0, 1);
	put_rec(&s, 0, 100, 0xab, 5);
	ASSERT_EQ(0, fathom_relay_reader_feed(r, 0, s.b, s.len));
	ASSERT_EQ(0, fathom_relay_reader_deliver(r, collect, &w));
	ASSERT_EQ(1, w.n);
	EXPECT_EQ(100, w.ts[0]);
	EXPECT_EQ(0xab, w.first[0]);
	EXPECT_EQ(8, w.len[0]);
	EXPECT_EQ(0, w.bad_padding);
	EXPECT_EQ(0, fathom_relay_reader_lost(r));
	EXPECT_STREQ("", fathom_relay_reader_error(r));
	fathom_relay_reader_close(r);
}

/* Every split of the stream, down to one byte per read, parses the same. */
TEST(split_records)
{
	struct sbuf s = { .len = 0 };
	size_t chunk, off;
	unsigned int i;

	put_subbuf(&s, 0, 0, 1);
	for (i = 0; i < 20; i++)
		put_rec(&s, 0, 1000 + i, i, 1 + 13 * i);
	put_subbuf(&s, 0, 4, 2);
	put_rec(&s, 0, 2000, 99, 200);

	for (chunk = 1; chunk <= 64; chunk++) {
		struct fathom_relay_reader *r = fathom_relay_reader_new(1);
		struct seen w = { .n = 0 };

		ASSERT_NE(NULL, r);
		for (off = 0; off < s.len; off += chunk) {
			size_t n = s.len - off < chunk ? s.len - off : chunk;

			ASSERT_EQ(0,
				  fathom_relay_reader_feed(r, 0, s.b + off, n));
			/* Deliver as we go: partial records must wait. */
			ASSERT_EQ(0,
				  fathom_relay_reader_deliver(r, collect, &w));
		}
		ASSERT_EQ(21, w.n);
		for (i = 0; i < 20; i++) {
			EXPECT_EQ(1000 + i, w.ts[i]);
			EXPECT_EQ(i, w.first[i]);
		}
		EXPECT_EQ(2000, w.ts[20]);
		EXPECT_EQ(200, w.len[20]);
		EXPECT_EQ(0, w.bad_padding);
		EXPECT_EQ(4, fathom_relay_reader_lost(r));
		fathom_relay_reader_close(r);
	}
}

/* Lost counts: the latest sub-buffer header per CPU, summed over CPUs. */
TEST(lost_from_subbuf)
{
	struct fathom_relay_reader *r = fathom_relay_reader_new(2);
	struct sbuf a = { .len = 0 }, b = { .len = 0 };
	struct seen w = { .n = 0 };

	ASSERT_NE(NULL, r);
	put_subbuf(&a, 0, 0, 1);
	put_rec(&a, 0, 1, 1, 8);
	put_subbuf(&a, 0, 3, 2);
	put_subbuf(&a, 0, 7, 3);
	put_subbuf(&b, 1, 5, 1);
	put_rec(&b, 1, 2, 2, 8);

	ASSERT_EQ(0, fathom_relay_reader_feed(r, 0, a.b, a.len));
	EXPECT_EQ(7, fathom_relay_reader_lost(r));
	ASSERT_EQ(0, fathom_relay_reader_feed(r, 1, b.b, b.len));
	EXPECT_EQ(12, fathom_relay_reader_lost(r));
	EXPECT_EQ(0, fathom_relay_reader_gaps(r));
	/* Sub-buffer headers are not delivered. */
	ASSERT_EQ(0, fathom_relay_reader_deliver(r, collect, &w));
	EXPECT_EQ(2, w.n);
	fathom_relay_reader_close(r);
}

/* A flight recorder's overwritten sub-buffers show as sequence gaps. */
TEST(seq_gaps)
{
	struct fathom_relay_reader *r = fathom_relay_reader_new(1);
	struct sbuf s = { .len = 0 };

	ASSERT_NE(NULL, r);
	put_subbuf(&s, 0, 0, 9);
	put_subbuf(&s, 0, 0, 10);
	put_subbuf(&s, 0, 0, 14);
	ASSERT_EQ(0, fathom_relay_reader_feed(r, 0, s.b, s.len));
	EXPECT_EQ(3, fathom_relay_reader_gaps(r));
	fathom_relay_reader_close(r);
}

/* Timestamp order across CPUs, ties broken by CPU. */
TEST(order_across_cpus)
{
	static const uint64_t ts0[] = { 1, 4, 6, 6, 9 };
	static const uint64_t ts1[] = { 2, 3, 5, 6, 10 };
	static const uint64_t ts2[] = { 7, 8 };
	struct fathom_relay_reader *r = fathom_relay_reader_new(3);
	struct sbuf s[3] = { { .len = 0 }, { .len = 0 }, { .len = 0 } };
	struct seen w = { .n = 0 };
	unsigned int i;

	ASSERT_NE(NULL, r);
	for (i = 0; i < 3; i++)
		put_subbuf(&s[i], i, 0, 1);
	for (i = 0; i < 5; i++) {
		put_rec(&s[0], 0, ts0[i], 0, 8);
		put_rec(&s[1], 1, ts1[i], 1, 8);
	}
	put_rec(&s[2], 2, ts2[0], 2, 8);
	/* A sub-buffer switch in the middle changes nothing. */
	put_subbuf(&s[2], 2, 0, 2);
	put_rec(&s[2], 2, ts2[1], 2, 8);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, fathom_relay_reader_feed(r, i, s[i].b, s[i].len));
	ASSERT_EQ(0, fathom_relay_reader_deliver(r, collect, &w));
	ASSERT_EQ(12, w.n);
	for (i = 1; i < w.n; i++)
		EXPECT_LE(w.ts[i - 1], w.ts[i]);
	/* The three records at ts 6: CPU 0, CPU 0, CPU 1. */
	EXPECT_EQ(6, w.ts[5]);
	EXPECT_EQ(0, w.cpu[5]);
	EXPECT_EQ(0, w.cpu[6]);
	EXPECT_EQ(1, w.cpu[7]);
	fathom_relay_reader_close(r);
}

/* A callback's non-zero return stops delivery; the rest comes next time. */
TEST(callback_stops)
{
	struct fathom_relay_reader *r = fathom_relay_reader_new(1);
	struct sbuf s = { .len = 0 };
	struct seen w = { .n = 0, .stop_after = 2 };
	unsigned int i;

	ASSERT_NE(NULL, r);
	put_subbuf(&s, 0, 0, 1);
	for (i = 0; i < 5; i++)
		put_rec(&s, 0, 10 + i, i, 4);
	ASSERT_EQ(0, fathom_relay_reader_feed(r, 0, s.b, s.len));
	ASSERT_EQ(42, fathom_relay_reader_deliver(r, collect, &w));
	ASSERT_EQ(2, w.n);
	w.stop_after = 0;
	ASSERT_EQ(0, fathom_relay_reader_deliver(r, collect, &w));
	ASSERT_EQ(5, w.n);
	EXPECT_EQ(14, w.ts[4]);
	fathom_relay_reader_close(r);
}

/* Largest record accepted; bigger is corrupt. */
TEST(record_max)
{
	struct fathom_relay_reader *r = fathom_relay_reader_new(1);
	static struct sbuf s;
	struct seen w = { .n = 0 };

	ASSERT_NE(NULL, r);
	s.len = 0;
	put_subbuf(&s, 0, 0, 1);
	put_rec(&s, 0, 1, 7,
		FATHOM_RELAY_READER_REC_MAX - sizeof(struct fathom_record_hdr) -
			64);
	ASSERT_EQ(0, fathom_relay_reader_feed(r, 0, s.b, s.len));
	ASSERT_EQ(0, fathom_relay_reader_deliver(r, collect, &w));
	EXPECT_EQ(1, w.n);
	s.len = 0;
	put_hdr(&s, FATHOM_RELAY_READER_REC_MAX + 8, FATHOM_REC_EMIT, 0, 2);
	/* Rejected from the header alone, before the body arrives. */
	EXPECT_EQ(-EBADMSG, fathom_relay_reader_feed(r, 0, s.b, s.len));
	fathom_relay_reader_close(r);
}

/* One corrupt stream per variant; each must be rejected, never overread. */
FIXTURE(corrupt)
{
	struct fathom_relay_reader *r;
	struct sbuf s;
};

FIXTURE_VARIANT(corrupt)
{
	int what;
};

enum {
	LEN_ZERO,
	LEN_SHORT,
	LEN_UNALIGNED,
	LEN_HUGE,
	KIND_ZERO,
	WRONG_CPU,
	NO_SUBBUF_FIRST,
	SUBBUF_SHORT,
	SEQ_BACKWARDS,
	LOST_BACKWARDS,
};

/* clang-format off */
FIXTURE_VARIANT_ADD(corrupt, len_zero)		{ .what = LEN_ZERO };
FIXTURE_VARIANT_ADD(corrupt, len_short)		{ .what = LEN_SHORT };
FIXTURE_VARIANT_ADD(corrupt, len_unaligned)	{ .what = LEN_UNALIGNED };
FIXTURE_VARIANT_ADD(corrupt, len_huge)		{ .what = LEN_HUGE };
FIXTURE_VARIANT_ADD(corrupt, kind_zero)		{ .what = KIND_ZERO };
FIXTURE_VARIANT_ADD(corrupt, wrong_cpu)		{ .what = WRONG_CPU };
FIXTURE_VARIANT_ADD(corrupt, no_subbuf_first)	{ .what = NO_SUBBUF_FIRST };
FIXTURE_VARIANT_ADD(corrupt, subbuf_short)	{ .what = SUBBUF_SHORT };
FIXTURE_VARIANT_ADD(corrupt, seq_backwards)	{ .what = SEQ_BACKWARDS };
FIXTURE_VARIANT_ADD(corrupt, lost_backwards)	{ .what = LOST_BACKWARDS };
/* clang-format on */

FIXTURE_SETUP(corrupt)
{
	self->r = fathom_relay_reader_new(2);
	ASSERT_NE(NULL, self->r);
	self->s.len = 0;
	if (variant->what != NO_SUBBUF_FIRST)
		put_subbuf(&self->s, 1, 5, 3);
	put_rec(&self->s, 1, 10, 1, 8);
}

FIXTURE_TEARDOWN(corrupt)
{
	fathom_relay_reader_close(self->r);
}

TEST_F(corrupt, rejected)
{
	struct sbuf *s = &self->s;
	struct seen w = { .n = 0 };
	size_t good = s->len;

	switch (variant->what) {
	case LEN_ZERO:
		put_hdr(s, 0, FATHOM_REC_EMIT, 1, 11);
		break;
	case LEN_SHORT:
		put_hdr(s, 8, FATHOM_REC_EMIT, 1, 11);
		break;
	case LEN_UNALIGNED:
		put_hdr(s, 20, FATHOM_REC_EMIT, 1, 11);
		break;
	case LEN_HUGE:
		put_hdr(s, 0xfffffff8, FATHOM_REC_EMIT, 1, 11);
		break;
	case KIND_ZERO:
		put_hdr(s, 16, 0, 1, 11);
		break;
	case WRONG_CPU:
		put_rec(s, 0, 11, 1, 8);
		break;
	case NO_SUBBUF_FIRST:
		break;
	case SUBBUF_SHORT:
		put_hdr(s, 24, FATHOM_REC_SUBBUF, 1, 11);
		memset(s->b + s->len, 0, 8);
		s->len += 8;
		break;
	case SEQ_BACKWARDS:
		put_subbuf(s, 1, 5, 3);
		break;
	case LOST_BACKWARDS:
		put_subbuf(s, 1, 4, 4);
		break;
	}
	/* Exactly the bytes of the stream: ASan catches any overread. */
	uint8_t *copy = malloc(s->len);

	ASSERT_NE(NULL, copy);
	memcpy(copy, s->b, s->len);
	EXPECT_EQ(-EBADMSG, fathom_relay_reader_feed(self->r, 1, copy, s->len));
	EXPECT_NE(0, strlen(fathom_relay_reader_error(self->r)));
	/* The error sticks. */
	EXPECT_EQ(-EBADMSG, fathom_relay_reader_deliver(self->r, collect, &w));
	EXPECT_EQ(-EBADMSG, fathom_relay_reader_feed(self->r, 0, copy, 0));
	EXPECT_EQ(0, w.n);
	free(copy);
	TH_LOG("%s (good prefix %zu bytes)", fathom_relay_reader_error(self->r),
	       good);
}

/* A bad stream index is refused without touching anything. */
TEST(bad_stream)
{
	struct fathom_relay_reader *r = fathom_relay_reader_new(1);

	ASSERT_NE(NULL, r);
	EXPECT_EQ(-EINVAL, fathom_relay_reader_feed(r, 1, "", 0));
	EXPECT_EQ(NULL, fathom_relay_reader_new(0));
	fathom_relay_reader_close(r);
}

/* --- through files --- */

FIXTURE(files)
{
	char dir[64];
};

FIXTURE_SETUP(files)
{
	strcpy(self->dir, "/tmp/fathom-relay-test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
}

FIXTURE_TEARDOWN(files)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	if (system(cmd))
		TH_LOG("could not remove %s", self->dir);
}

static int write_file(const char *dir, const char *name, const void *buf,
		      size_t len)
{
	char path[128];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	ok = write(fd, buf, len) == (ssize_t)len;
	close(fd);
	return ok ? 0 : -1;
}

TEST_F(files, drain_in_order)
{
	static struct sbuf s0, s1, s10;
	struct fathom_relay_reader *r;
	struct seen w = { .n = 0 };
	unsigned int i;

	s0.len = s1.len = s10.len = 0;
	put_subbuf(&s0, 0, 2, 1);
	put_subbuf(&s1, 1, 0, 1);
	put_subbuf(&s10, 10, 1, 1);
	for (i = 0; i < 60; i++) {
		put_rec(&s0, 0, 3 * i, 0, 100);
		put_rec(&s1, 1, 3 * i + 1, 1, 3);
		put_rec(&s10, 10, 3 * i + 2, 10, 30);
	}
	ASSERT_EQ(0, write_file(self->dir, "cpu0", s0.b, s0.len));
	ASSERT_EQ(0, write_file(self->dir, "cpu1", s1.b, s1.len));
	ASSERT_EQ(0, write_file(self->dir, "cpu10", s10.b, s10.len));
	/* Not cpuN files: ignored. */
	ASSERT_EQ(0, write_file(self->dir, "cpu", "x", 1));
	ASSERT_EQ(0, write_file(self->dir, "cpu01", "x", 1));
	ASSERT_EQ(0, write_file(self->dir, "cpu2x", "x", 1));

	r = fathom_relay_reader_open(self->dir);
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, fathom_relay_reader_drain(r, collect, &w));
	ASSERT_EQ(180, w.n);
	for (i = 0; i < 180; i++)
		if (w.ts[i] != i)
			break;
	EXPECT_EQ(180, i);
	EXPECT_EQ(10, w.cpu[2]);
	EXPECT_EQ(3, fathom_relay_reader_lost(r));
	/* Nothing more: a second drain delivers nothing. */
	ASSERT_EQ(0, fathom_relay_reader_drain(r, collect, &w));
	EXPECT_EQ(180, w.n);
	fathom_relay_reader_close(r);
}

TEST_F(files, poll_reads_everything)
{
	static struct sbuf s;
	struct fathom_relay_reader *r;
	struct seen w = { .n = 0 };

	s.len = 0;
	put_subbuf(&s, 3, 0, 1);
	put_rec(&s, 3, 5, 3, 8);
	ASSERT_EQ(0, write_file(self->dir, "cpu3", s.b, s.len));
	r = fathom_relay_reader_open(self->dir);
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, fathom_relay_reader_poll(r, 0, collect, &w));
	EXPECT_EQ(1, w.n);
	fathom_relay_reader_close(r);
}

TEST_F(files, truncated_record)
{
	static struct sbuf s;
	struct fathom_relay_reader *r;
	struct seen w = { .n = 0 };

	s.len = 0;
	put_subbuf(&s, 0, 0, 1);
	put_rec(&s, 0, 5, 3, 8);
	put_rec(&s, 0, 6, 3, 40);
	ASSERT_EQ(0, write_file(self->dir, "cpu0", s.b, s.len - 8));
	r = fathom_relay_reader_open(self->dir);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(-EBADMSG, fathom_relay_reader_drain(r, collect, &w));
	/* The complete record before the cut was delivered. */
	EXPECT_EQ(1, w.n);
	fathom_relay_reader_close(r);
}

TEST_F(files, no_cpu_files)
{
	ASSERT_EQ(0, write_file(self->dir, "other", "x", 1));
	EXPECT_EQ(NULL, fathom_relay_reader_open(self->dir));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(NULL, fathom_relay_reader_open("/nonexistent/fathom"));
}

TEST(debugfs_path)
{
	char buf[256];

	ASSERT_EQ(0, fathom_relay_debugfs_path("fathom/session-1", buf,
					       sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "/fathom/session-1"));
	EXPECT_EQ(-ENAMETOOLONG,
		  fathom_relay_debugfs_path("fathom/session-1", buf, 8));
}

TEST_HARNESS_MAIN
