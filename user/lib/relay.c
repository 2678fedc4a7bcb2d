// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reader of a session's relay files; relay.h has the contract.
 *
 * Each stream (one per CPU) keeps the bytes read from its file in one
 * buffer:
 *
 *   0          head           parsed               len
 *   | delivered | validated, complete | incomplete tail |
 *
 * Feeding bytes appends at len and validates forward from parsed; every
 * header is checked as soon as its 16 bytes are there, before the rest of
 * the record is waited for. Delivery merges the streams' [head, parsed)
 * ranges by timestamp, then moves each incomplete tail to the front.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relay.h"

/* Bytes asked of read() at once, and read from one file per round. */
#define READ_CHUNK 65536
#define READ_ROUND (16 * READ_CHUNK)

struct stream {
	int fd;
	unsigned int cpu;
	uint8_t *buf;
	size_t cap;
	size_t len;
	size_t parsed;
	size_t head;
	bool started;
	uint64_t lost;
	uint64_t seq;
	uint64_t gaps;
};

struct fathom_relay_reader {
	unsigned int n;
	int err;
	char errmsg[256];
	struct stream *s;
	struct pollfd *pfds;
};

static int fail(struct fathom_relay_reader *r, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct fathom_relay_reader *r, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->errmsg, sizeof(r->errmsg), fmt, ap);
	va_end(ap);
	r->err = err;
	return err;
}

static struct fathom_relay_reader *reader_alloc(unsigned int n)
{
	struct fathom_relay_reader *r;
	unsigned int i;

	if (!n) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->s = calloc(n, sizeof(*r->s));
	r->pfds = calloc(n, sizeof(*r->pfds));
	if (!r->s || !r->pfds) {
		free(r->s);
		free(r->pfds);
		free(r);
		errno = ENOMEM;
		return NULL;
	}
	r->n = n;
	for (i = 0; i < n; i++) {
		r->s[i].fd = -1;
		r->s[i].cpu = i;
	}
	return r;
}

struct fathom_relay_reader *fathom_relay_reader_new(unsigned int n_streams)
{
	return reader_alloc(n_streams);
}

/* "cpu" followed by decimal digits only, no leading zero. */
static bool parse_cpu_name(const char *name, unsigned int *cpu)
{
	unsigned long v;
	char *end;

	if (strncmp(name, "cpu", 3) || name[3] < '0' || name[3] > '9' ||
	    (name[3] == '0' && name[4]))
		return false;
	errno = 0;
	v = strtoul(name + 3, &end, 10);
	if (errno || *end || v > UINT16_MAX)
		return false;
	*cpu = v;
	return true;
}

static int cmp_stream(const void *a, const void *b)
{
	const struct stream *x = a, *y = b;

	return (x->cpu > y->cpu) - (x->cpu < y->cpu);
}

struct fathom_relay_reader *fathom_relay_reader_open(const char *dir)
{
	struct fathom_relay_reader *r = NULL;
	unsigned int n = 0, cpu, i;
	struct dirent *de;
	int dfd, err;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return NULL;
	while ((de = readdir(d)))
		if (parse_cpu_name(de->d_name, &cpu))
			n++;
	if (!n) {
		closedir(d);
		errno = ENOENT;
		return NULL;
	}
	r = reader_alloc(n);
	if (!r) {
		err = errno;
		goto out_closedir;
	}

	/* A file that appeared since the count is left for another time. */
	rewinddir(d);
	dfd = dirfd(d);
	i = 0;
	while (i < n && (de = readdir(d))) {
		struct stream *s = &r->s[i];

		if (!parse_cpu_name(de->d_name, &cpu))
			continue;
		s->fd = openat(dfd, de->d_name,
			       O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (s->fd < 0) {
			err = errno;
			goto out_close;
		}
		s->cpu = cpu;
		i++;
	}
	r->n = i;
	qsort(r->s, r->n, sizeof(*r->s), cmp_stream);
	for (i = 0; i < r->n; i++) {
		r->pfds[i].fd = r->s[i].fd;
		r->pfds[i].events = POLLIN;
	}
	closedir(d);
	return r;

out_close:
	fathom_relay_reader_close(r);
out_closedir:
	closedir(d);
	errno = err;
	return NULL;
}

void fathom_relay_reader_close(struct fathom_relay_reader *r)
{
	unsigned int i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		if (r->s[i].fd >= 0)
			close(r->s[i].fd);
		free(r->s[i].buf);
	}
	free(r->s);
	free(r->pfds);
	free(r);
}

/* Make room for @more bytes after s->len. */
static int stream_reserve(struct stream *s, size_t more)
{
	size_t cap = s->cap ? s->cap : READ_CHUNK;
	uint8_t *buf;

	if (more > SIZE_MAX / 2 - s->len)
		return -ENOMEM;
	while (cap < s->len + more)
		cap *= 2;
	if (cap == s->cap)
		return 0;
	buf = realloc(s->buf, cap);
	if (!buf)
		return -ENOMEM;
	s->buf = buf;
	s->cap = cap;
	return 0;
}

/* Validate forward from s->parsed over whatever is complete. */
static int stream_parse(struct fathom_relay_reader *r, struct stream *s)
{
	struct fathom_record_hdr h;
	struct fathom_subbuf_info info;

	while (s->len - s->parsed >= sizeof(h)) {
		size_t off = s->parsed;

		memcpy(&h, s->buf + off, sizeof(h));
		if (h.len < sizeof(h) || h.len % 8 ||
		    h.len > FATHOM_RELAY_READER_REC_MAX)
			return fail(r, -EBADMSG,
				    "cpu%u: record at byte %zu: bad length %u",
				    s->cpu, off, h.len);
		if (!h.kind || h.cpu != s->cpu)
			return fail(
				r, -EBADMSG,
				"cpu%u: record at byte %zu: kind %u, cpu %u",
				s->cpu, off, h.kind, h.cpu);
		if (!s->started && h.kind != FATHOM_REC_SUBBUF)
			return fail(
				r, -EBADMSG,
				"cpu%u: stream does not start with a sub-buffer header",
				s->cpu);
		if (h.kind == FATHOM_REC_SUBBUF &&
		    h.len < sizeof(h) + sizeof(info))
			return fail(
				r, -EBADMSG,
				"cpu%u: sub-buffer header at byte %zu: length %u",
				s->cpu, off, h.len);
		if (s->len - off < h.len)
			break;

		if (h.kind == FATHOM_REC_SUBBUF) {
			memcpy(&info, s->buf + off + sizeof(h), sizeof(info));
			if (s->started &&
			    (info.seq <= s->seq || info.lost < s->lost))
				return fail(
					r, -EBADMSG,
					"cpu%u: sub-buffer %llu (lost %llu) after %llu (lost %llu)",
					s->cpu, (unsigned long long)info.seq,
					(unsigned long long)info.lost,
					(unsigned long long)s->seq,
					(unsigned long long)s->lost);
			if (s->started)
				s->gaps += info.seq - s->seq - 1;
			s->started = true;
			s->seq = info.seq;
			s->lost = info.lost;
		}
		s->parsed = off + h.len;
	}
	return 0;
}

int fathom_relay_reader_feed(struct fathom_relay_reader *r, unsigned int stream,
			     const void *buf, size_t len)
{
	struct stream *s;
	int err;

	if (r->err)
		return r->err;
	if (stream >= r->n)
		return -EINVAL;
	s = &r->s[stream];
	err = stream_reserve(s, len);
	if (err)
		return fail(r, err, "cpu%u: out of memory", s->cpu);
	memcpy(s->buf + s->len, buf, len);
	s->len += len;
	return stream_parse(r, s);
}

/* Skip sub-buffer headers; return the next record to deliver, or NULL. */
static const struct fathom_record_hdr *stream_peek(struct stream *s)
{
	const struct fathom_record_hdr *h;

	while (s->head < s->parsed) {
		/* Every offset is a multiple of 8 into a malloc()ed buffer. */
		h = (const struct fathom_record_hdr *)(s->buf + s->head);
		if (h->kind != FATHOM_REC_SUBBUF)
			return h;
		s->head += h->len;
	}
	return NULL;
}

static void stream_compact(struct stream *s)
{
	if (!s->head)
		return;
	memmove(s->buf, s->buf + s->head, s->len - s->head);
	s->len -= s->head;
	s->parsed -= s->head;
	s->head = 0;
}

int fathom_relay_reader_deliver(struct fathom_relay_reader *r,
				fathom_relay_cb cb, void *arg)
{
	const struct fathom_record_hdr *h, *best;
	struct stream *from;
	unsigned int i;
	int ret = 0;

	if (r->err)
		return r->err;
	for (;;) {
		best = NULL;
		from = NULL;
		for (i = 0; i < r->n; i++) {
			h = stream_peek(&r->s[i]);
			if (h && (!best || h->ts < best->ts)) {
				best = h;
				from = &r->s[i];
			}
		}
		if (!best)
			break;
		from->head += best->len;
		ret = cb(best, best + 1, best->len - sizeof(*best), arg);
		if (ret)
			break;
	}
	for (i = 0; i < r->n; i++)
		stream_compact(&r->s[i]);
	return ret;
}

/*
 * Read what @s's file has now, up to READ_ROUND bytes. Return: bytes read,
 * or a negative errno. relay's read() returns 0 when it has nothing.
 */
static ssize_t stream_read(struct fathom_relay_reader *r, struct stream *s)
{
	size_t total = 0;
	ssize_t n;
	int err;

	while (total < READ_ROUND) {
		err = stream_reserve(s, READ_CHUNK);
		if (err)
			return fail(r, err, "cpu%u: out of memory", s->cpu);
		n = read(s->fd, s->buf + s->len, READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return fail(r, -errno, "cpu%u: read: %s", s->cpu,
				    strerror(errno));
		if (!n)
			break;
		s->len += n;
		total += n;
		err = stream_parse(r, s);
		if (err)
			return err;
	}
	return total;
}

/* One pass over every file. Return: bytes read, or a negative errno. */
static ssize_t read_all(struct fathom_relay_reader *r)
{
	size_t total = 0;
	unsigned int i;
	ssize_t n;

	for (i = 0; i < r->n; i++) {
		if (r->s[i].fd < 0)
			continue;
		n = stream_read(r, &r->s[i]);
		if (n < 0)
			return n;
		total += n;
	}
	return total;
}

int fathom_relay_reader_poll(struct fathom_relay_reader *r, int timeout_ms,
			     fathom_relay_cb cb, void *arg)
{
	ssize_t n;

	if (r->err)
		return r->err;
	if (poll(r->pfds, r->n, timeout_ms) < 0 && errno != EINTR)
		return fail(r, -errno, "poll: %s", strerror(errno));
	n = read_all(r);
	if (n < 0)
		return n;
	return fathom_relay_reader_deliver(r, cb, arg);
}

int fathom_relay_reader_drain(struct fathom_relay_reader *r, fathom_relay_cb cb,
			      void *arg)
{
	unsigned int i;
	ssize_t n;
	int ret;

	if (r->err)
		return r->err;
	do {
		n = read_all(r);
		if (n < 0)
			return n;
	} while (n);
	ret = fathom_relay_reader_deliver(r, cb, arg);
	if (ret)
		return ret;
	for (i = 0; i < r->n; i++)
		if (r->s[i].len)
			return fail(r, -EBADMSG,
				    "cpu%u: %zu bytes of a record cut short",
				    r->s[i].cpu, r->s[i].len);
	return 0;
}

uint64_t fathom_relay_reader_lost(const struct fathom_relay_reader *r)
{
	uint64_t lost = 0;
	unsigned int i;

	for (i = 0; i < r->n; i++)
		lost += r->s[i].lost;
	return lost;
}

uint64_t fathom_relay_reader_gaps(const struct fathom_relay_reader *r)
{
	uint64_t gaps = 0;
	unsigned int i;

	for (i = 0; i < r->n; i++)
		gaps += r->s[i].gaps;
	return gaps;
}

const char *fathom_relay_reader_error(const struct fathom_relay_reader *r)
{
	return r->errmsg;
}

int fathom_relay_debugfs_path(const char *rel, char *buf, size_t size)
{
	const char *mnt = "/sys/kernel/debug";
	char found[PATH_MAX] = "";
	struct mntent *me;
	FILE *f;
	int n;

	f = setmntent("/proc/self/mounts", "re");
	if (f) {
		while ((me = getmntent(f)))
			if (!strcmp(me->mnt_type, "debugfs")) {
				snprintf(found, sizeof(found), "%s",
					 me->mnt_dir);
				break;
			}
		endmntent(f);
	}
	if (*found)
		mnt = found;
	n = snprintf(buf, size, "%s/%s", mnt, rel);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}
