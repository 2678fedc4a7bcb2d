/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reader of a session's relay files (fathom/<session>/cpuN in debugfs).
 *
 * Each cpuN file is a stream of records (uapi/linux/fathom_record.h). The
 * reader reads every file without blocking, reassembles records that a
 * read() split, validates every header, keeps each CPU's cumulative lost
 * count from the FATHOM_REC_SUBBUF records, and hands the other records to
 * a callback, merged across CPUs by timestamp.
 *
 * Ordering: within one call of fathom_relay_reader_poll(), _drain() or
 * _deliver(), records are delivered in timestamp order across all CPUs
 * (ties by CPU), each CPU's records in the order it wrote them. The merge
 * covers what has been read so far: a record read by a later call can be
 * older than one an earlier call delivered (another CPU's buffer was read
 * a little later). A single _drain() after the session stopped delivers
 * the whole trace in order.
 *
 * Payload length: a record's length is padded to 8 bytes, so the callback
 * gets the payload with its padding (zero bytes); the record's kind tells
 * the consumer its layout.
 *
 * A corrupt stream (a header whose length is below the header size, not a
 * multiple of 8, above FATHOM_RELAY_READER_REC_MAX, with a kind of 0 or a
 * CPU other than the file's, a stream not starting with a sub-buffer
 * header, sub-buffer sequence numbers or lost counts going backwards) is
 * an error: -EBADMSG from then on, with a message from
 * fathom_relay_reader_error(). Nothing is ever read outside the bytes
 * received.
 *
 * The parser can be fed bytes directly (fathom_relay_reader_new(),
 * _feed(), _deliver()), without any file: that is how the unit tests drive
 * it.
 */
#ifndef _FATHOM_USER_RELAY_H
#define _FATHOM_USER_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include <linux/fathom_record.h>

/* Largest record accepted, header included (the module writes <= 8 KiB). */
#define FATHOM_RELAY_READER_REC_MAX 65536

struct fathom_relay_reader;

/**
 * typedef fathom_relay_cb - called for each record, in delivery order
 * @hdr: the record's header (8-byte aligned)
 * @payload: the bytes after the header
 * @len: payload bytes, padding included (hdr->len - sizeof(*hdr))
 * @arg: the caller's argument
 *
 * The pointers are valid during the call only. Return: 0 to go on;
 * anything else stops delivery (the record counts as delivered) and is
 * what the reader call returns.
 */
typedef int (*fathom_relay_cb)(const struct fathom_record_hdr *hdr,
			       const void *payload, size_t len, void *arg);

/**
 * fathom_relay_reader_open() - open every cpuN file in a directory
 * @dir: the directory, e.g. from fathom_relay_debugfs_path()
 *
 * Return: the reader, or NULL with errno set (ENOENT if @dir holds no cpuN
 * file).
 */
struct fathom_relay_reader *fathom_relay_reader_open(const char *dir);

/**
 * fathom_relay_reader_new() - a reader without files, fed by the caller
 * @n_streams: number of streams; stream i holds the records of CPU i
 *
 * Return: the reader, or NULL with errno set.
 */
struct fathom_relay_reader *fathom_relay_reader_new(unsigned int n_streams);

/**
 * fathom_relay_reader_feed() - append bytes to one stream and parse them
 * @r: the reader
 * @stream: stream index
 * @buf: bytes, any split of the stream
 * @len: number of bytes
 *
 * Return: 0, -EINVAL for a bad stream index, -ENOMEM, or -EBADMSG when the
 * stream is corrupt.
 */
int fathom_relay_reader_feed(struct fathom_relay_reader *r, unsigned int stream,
			     const void *buf, size_t len);

/**
 * fathom_relay_reader_deliver() - deliver every complete record parsed
 * @r: the reader
 * @cb: the callback
 * @arg: its argument
 *
 * Return: 0, a negative errno, or the callback's non-zero return value.
 */
int fathom_relay_reader_deliver(struct fathom_relay_reader *r,
				fathom_relay_cb cb, void *arg);

/**
 * fathom_relay_reader_poll() - wait for data, read it, deliver it
 * @r: the reader
 * @timeout_ms: poll() timeout; -1 waits
 * @cb: the callback
 * @arg: its argument
 *
 * relay reports a file readable only once a sub-buffer is complete, but
 * read() also returns a partly filled one, so every file is read whether
 * poll() reported it or timed out.
 *
 * Return: 0, a negative errno, or the callback's non-zero return value.
 */
int fathom_relay_reader_poll(struct fathom_relay_reader *r, int timeout_ms,
			     fathom_relay_cb cb, void *arg);

/**
 * fathom_relay_reader_drain() - read everything left and deliver it
 * @r: the reader
 * @cb: the callback
 * @arg: its argument
 *
 * For a stopped session (and for a flight recorder after SNAPSHOT): reads
 * every file until it has nothing more, then delivers all of it in order.
 * A record cut short at the end of a file is an error.
 *
 * Return: 0, a negative errno, or the callback's non-zero return value.
 */
int fathom_relay_reader_drain(struct fathom_relay_reader *r, fathom_relay_cb cb,
			      void *arg);

/**
 * fathom_relay_reader_lost() - records lost, all CPUs
 * @r: the reader
 *
 * Return: the sum of each CPU's lost count in the latest sub-buffer header
 * read. Losses after the last sub-buffer started show up only in the next
 * one (or the session's FATHOM_A_STAT_DROP_RELAY, which is exact).
 */
uint64_t fathom_relay_reader_lost(const struct fathom_relay_reader *r);

/**
 * fathom_relay_reader_gaps() - sub-buffers never seen, all CPUs
 * @r: the reader
 *
 * Return: how many sub-buffers the sequence numbers skipped: those a
 * flight recorder overwrote before it was read.
 */
uint64_t fathom_relay_reader_gaps(const struct fathom_relay_reader *r);

/**
 * fathom_relay_reader_error() - what went wrong
 * @r: the reader
 *
 * Return: a message about the last error, or "" if there was none.
 */
const char *fathom_relay_reader_error(const struct fathom_relay_reader *r);

/**
 * fathom_relay_reader_close() - close the files and free the reader
 * @r: the reader, or NULL
 */
void fathom_relay_reader_close(struct fathom_relay_reader *r);

/**
 * fathom_relay_debugfs_path() - where a session's relay files are
 * @rel: FATHOM_A_SESSION_RELAY_DIR, relative to the debugfs mount
 * @buf: result
 * @size: size of @buf
 *
 * Looks up where debugfs is mounted (/proc/self/mounts), falling back to
 * /sys/kernel/debug.
 *
 * Return: 0, or -ENAMETOOLONG.
 */
int fathom_relay_debugfs_path(const char *rel, char *buf, size_t size);

#endif /* _FATHOM_USER_RELAY_H */
