/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * In-kernel perf counters across kernel versions.
 *
 * A tracepoint counter's overflow handler finds the event's record in
 * perf_sample_data.raw. 6.1 added perf_sample_data.sample_flags, which says
 * which fields are valid: from then on raw is valid only with
 * PERF_SAMPLE_RAW in it (6.1 sets it for every tracepoint hit; 6.12 only
 * for counters that asked for PERF_SAMPLE_RAW, as ours do). Before 6.1,
 * perf_tp_event() always set raw.
 *
 * Also here, for the tracepoint kinds' messages: NL_SET_ERR_MSG_FMT()
 * (6.2) formats an extended-ACK message into the extack; before it, only a
 * static string can be given.
 */
#ifndef _FATHOM_COMPAT_PERF_H
#define _FATHOM_COMPAT_PERF_H

#include <linux/netlink.h>
#include <linux/perf_event.h>

/**
 * fathom_perf_raw() - the raw record of a sample, if it has one
 * @data: what the overflow handler got
 * @size: set to the record's size
 *
 * Return: the record (one fragment: tracepoints never have more), or NULL.
 */
static __always_inline const void *
fathom_perf_raw(const struct perf_sample_data *data, u32 *size)
{
	const struct perf_raw_record *raw;

#ifdef FATHOM_HAVE_PERF_SAMPLE_FLAGS
	if (!(data->sample_flags & PERF_SAMPLE_RAW))
		return NULL;
#endif /* FATHOM_HAVE_PERF_SAMPLE_FLAGS */
	raw = data->raw;
	if (!raw || !perf_raw_frag_last(&raw->frag))
		return NULL;
	*size = raw->frag.size;
	return raw->frag.data;
}

#ifndef FATHOM_HAVE_PERF_SAMPLE_FLAGS
#define FATHOM_COMPAT_NO_PERF_SAMPLE_FLAGS
#endif

/*
 * fathom_nl_err_fmt() - an extended-ACK message with arguments where the
 * kernel can format one, else the static @fallback
 */
#ifdef FATHOM_HAVE_NL_SET_ERR_MSG_FMT
#define fathom_nl_err_fmt(extack, fallback, fmt, ...) \
	NL_SET_ERR_MSG_FMT(extack, fmt, ##__VA_ARGS__)
#else
#define FATHOM_COMPAT_NO_NL_SET_ERR_MSG_FMT
#define fathom_nl_err_fmt(extack, fallback, fmt, ...) \
	NL_SET_ERR_MSG(extack, fallback)
#endif /* FATHOM_HAVE_NL_SET_ERR_MSG_FMT */

#endif /* _FATHOM_COMPAT_PERF_H */
