// SPDX-License-Identifier: GPL-2.0-only
/*
 * In-module self-check of the relay channel, run at every load: a stream
 * channel drops exactly what it refuses and counts it, a flight-recorder
 * channel never refuses, and closing leaves nothing behind in debugfs.
 * Small channels (two 1 KiB sub-buffers), so it takes microseconds.
 */
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/preempt.h>
#include <linux/fathom_record.h>

#include "relay.h"

#define SUBBUF_SIZE	1024
#define N_SUBBUFS	2
#define PAYLOAD		64
/* Bounds every fill loop, whatever the channel does. */
#define MAX_EMITS	10000

/* FATHOM_REC_SUBBUF plus the record of PAYLOAD bytes, as emit lays them. */
#define SUBBUF_REC	(sizeof(struct fathom_record_hdr) + \
			 sizeof(struct fathom_subbuf_info))
#define REC		ALIGN(sizeof(struct fathom_record_hdr) + PAYLOAD, 8)

static const char stream_name[] = "selftest-stream";
static const char flight_name[] = "selftest-flight";

/*
 * Fill one CPU's buffer (preemption stays disabled across the loop, so all
 * records go to the same CPU), then keep emitting: every further record
 * and an oversized one must be refused and counted.
 */
static bool test_stream(void)
{
	const unsigned int fit = N_SUBBUFS * ((SUBBUF_SIZE - SUBBUF_REC) / REC);
	static const u8 payload[SUBBUF_SIZE];
	unsigned int accepted = 0, refused = 0, i;
	struct fathom_relay *relay;
	bool ok = true;
	int err;

	relay = fathom_relay_open(stream_name, SUBBUF_SIZE, N_SUBBUFS, false);
	if (IS_ERR(relay)) {
		pr_err("relay self-test: stream: open: %ld\n", PTR_ERR(relay));
		return false;
	}

	preempt_disable();
	for (i = 0; i < MAX_EMITS && refused < 10; i++) {
		err = fathom_relay_emit(relay, FATHOM_REC_EMIT, payload, PAYLOAD);
		if (!err && !refused)
			accepted++;
		else if (err == -ENOSPC)
			refused++;
		else
			break;
	}
	err = fathom_relay_emit(relay, FATHOM_REC_EMIT, payload,
				sizeof(payload));
	preempt_enable();

	if (accepted != fit || refused != 10) {
		pr_err("relay self-test: stream: %u accepted, %u refused; want %u, 10\n",
		       accepted, refused, fit);
		ok = false;
	}
	if (err != -E2BIG) {
		pr_err("relay self-test: stream: oversized record: %d\n", err);
		ok = false;
	}
	if (fathom_relay_lost(relay) != refused + 1) {
		pr_err("relay self-test: stream: lost %llu, want %u\n",
		       (unsigned long long)fathom_relay_lost(relay),
		       refused + 1);
		ok = false;
	}
	/* Publishes the lost count in a new sub-buffer if there is room. */
	fathom_relay_flush(relay);
	fathom_relay_close(relay);
	return ok;
}

/* Wrap the ring many times over: nothing is ever refused or lost. */
static bool test_flight(void)
{
	static const u8 payload[PAYLOAD];
	struct fathom_relay *relay;
	unsigned int i, failed = 0;
	bool ok = true;

	relay = fathom_relay_open(flight_name, SUBBUF_SIZE, N_SUBBUFS, true);
	if (IS_ERR(relay)) {
		pr_err("relay self-test: flight: open: %ld\n", PTR_ERR(relay));
		return false;
	}

	preempt_disable();
	for (i = 0; i < 10 * N_SUBBUFS * (SUBBUF_SIZE / REC); i++)
		if (fathom_relay_emit(relay, FATHOM_REC_EMIT, payload, PAYLOAD))
			failed++;
	preempt_enable();

	if (failed || fathom_relay_lost(relay)) {
		pr_err("relay self-test: flight: %u refused, %llu lost\n",
		       failed, (unsigned long long)fathom_relay_lost(relay));
		ok = false;
	}
	if (fathom_relay_snapshot(relay)) {
		pr_err("relay self-test: flight: snapshot failed\n");
		ok = false;
	}
	fathom_relay_close(relay);
	return ok;
}

/*
 * Closing removed the session directories: the same names can be opened
 * again (a directory left behind would make that -EEXIST). Bad names and
 * geometries are refused.
 */
static bool test_cleanup(void)
{
	static const char * const names[] = { stream_name, flight_name };
	struct fathom_relay *relay;
	unsigned int i;
	bool ok = true;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		relay = fathom_relay_open(names[i], SUBBUF_SIZE, N_SUBBUFS, false);
		if (IS_ERR(relay)) {
			pr_err("relay self-test: cleanup: %s left behind (%ld)\n",
			       names[i], PTR_ERR(relay));
			ok = false;
			continue;
		}
		fathom_relay_close(relay);
	}

	relay = fathom_relay_open("a/b", SUBBUF_SIZE, N_SUBBUFS, false);
	if (!IS_ERR(relay) || PTR_ERR(relay) != -EINVAL) {
		pr_err("relay self-test: cleanup: name with '/' accepted\n");
		ok = false;
		if (!IS_ERR(relay))
			fathom_relay_close(relay);
	}
	relay = fathom_relay_open(stream_name, SUBBUF_SIZE, 1, false);
	if (!IS_ERR(relay) || PTR_ERR(relay) != -EINVAL) {
		pr_err("relay self-test: cleanup: one sub-buffer accepted\n");
		ok = false;
		if (!IS_ERR(relay))
			fathom_relay_close(relay);
	}
	return ok;
}

/**
 * fathom_relay_selftest() - check the relay channel at load time
 *
 * Without debugfs there is no channel to test: the test is skipped.
 *
 * Return: 0 if every check passed (or there was nothing to test),
 * -ENOTRECOVERABLE if one failed.
 */
int fathom_relay_selftest(void)
{
	unsigned int passed = 0, failed = 0;
	struct fathom_relay *relay;

	relay = fathom_relay_open(stream_name, SUBBUF_SIZE, N_SUBBUFS, false);
	if (PTR_ERR(relay) == -ENODEV) {
		pr_info("relay self-test: skipped, no debugfs\n");
		return 0;
	}
	if (!IS_ERR(relay))
		fathom_relay_close(relay);

#define CHECK(expr) ((expr) ? passed++ : failed++)
	CHECK(test_stream());
	CHECK(test_flight());
	CHECK(test_cleanup());
#undef CHECK

	if (failed) {
		pr_err("relay self-test: %u of %u FAILED\n", failed,
		       passed + failed);
		return -ENOTRECOVERABLE;
	}
	pr_info("relay self-test: %u passed\n", passed);
	return 0;
}
