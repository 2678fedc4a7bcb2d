// SPDX-License-Identifier: GPL-2.0-only
/*
 * Compiler diagnostics: formatting, the error limit, capture for tests and
 * "did you mean" suggestions. See diag.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

#define COL_BOLD "\033[1m"
#define COL_RED "\033[1;31m"
#define COL_MAGENTA "\033[1;35m"
#define COL_CYAN "\033[1;36m"
#define COL_GREEN "\033[1;32m"
#define COL_RESET "\033[0m"

void diag_init(struct diag_sink *d, FILE *out)
{
	memset(d, 0, sizeof(*d));
	d->out = out;
	d->max_errors = DIAG_DEFAULT_MAX_ERRORS;
}

void diag_init_capture(struct diag_sink *d)
{
	diag_init(d, NULL);
	d->capture = true;
}

void diag_fini(struct diag_sink *d)
{
	size_t i;

	for (i = 0; i < d->nrecs; i++)
		free(d->recs[i].msg);
	free(d->recs);
	free(d->buf);
	free(d->src_name);
	free(d->src_text);
	memset(d, 0, sizeof(*d));
}

int diag_set_source(struct diag_sink *d, const char *name, const char *text,
		    size_t len)
{
	char *n = strdup(name ? name : "<expr>");
	char *t = malloc(len + 1);

	if (!n || !t) {
		free(n);
		free(t);
		return -ENOMEM;
	}
	memcpy(t, text, len);
	t[len] = '\0';
	free(d->src_name);
	free(d->src_text);
	d->src_name = n;
	d->src_text = t;
	d->src_len = len;
	return 0;
}

/* Append to the captured text; on allocation failure the capture stops. */
static void cap_write(struct diag_sink *d, const char *s, size_t n)
{
	if (d->out)
		fwrite(s, 1, n, d->out);
	if (!d->capture)
		return;
	if (d->buf_len + n + 1 > d->buf_cap) {
		size_t cap = d->buf_cap ? d->buf_cap : 256;
		char *nb;

		while (cap < d->buf_len + n + 1)
			cap *= 2;
		nb = realloc(d->buf, cap);
		if (!nb) {
			d->capture = false;
			return;
		}
		d->buf = nb;
		d->buf_cap = cap;
	}
	memcpy(d->buf + d->buf_len, s, n);
	d->buf_len += n;
	d->buf[d->buf_len] = '\0';
}

static void cap_puts(struct diag_sink *d, const char *s)
{
	cap_write(d, s, strlen(s));
}

static void cap_color(struct diag_sink *d, const char *c)
{
	if (d->color)
		cap_puts(d, c);
}

static void add_record(struct diag_sink *d, enum diag_level level,
		       struct src_loc loc, const char *msg)
{
	struct diag_record *r;

	if (d->nrecs == d->recs_cap) {
		size_t cap = d->recs_cap ? d->recs_cap * 2 : 8;

		r = realloc(d->recs, cap * sizeof(*r));
		if (!r)
			return;
		d->recs = r;
		d->recs_cap = cap;
	}
	r = &d->recs[d->nrecs];
	r->msg = strdup(msg);
	if (!r->msg)
		return;
	r->level = level;
	r->loc = loc;
	d->nrecs++;
}

/* Print the source line of @loc and a caret line under its range. */
static void show_source(struct diag_sink *d, struct src_loc loc)
{
	size_t start, end, i, from, to;

	if (!d->src_text || !loc.line || !loc.col || loc.off > d->src_len ||
	    loc.col - 1 > loc.off)
		return;
	start = loc.off - (loc.col - 1);
	for (end = loc.off; end < d->src_len && d->src_text[end] != '\n'; end++)
		;
	cap_write(d, d->src_text + start, end - start);
	cap_puts(d, "\n");
	from = loc.off;
	to = from + (loc.len ? loc.len : 1);
	if (to > end)
		to = end > from ? end : from + 1;
	/* Keep tabs so the caret lines up with the text above it. */
	for (i = start; i < from; i++)
		cap_write(d, d->src_text[i] == '\t' ? "\t" : " ", 1);
	cap_color(d, COL_GREEN);
	cap_puts(d, "^");
	for (i = from + 1; i < to; i++)
		cap_puts(d, "~");
	cap_color(d, COL_RESET);
	cap_puts(d, "\n");
}

static void report(struct diag_sink *d, enum diag_level level,
		   struct src_loc loc, const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warning", "note" };
	static const char *const colors[] = { COL_RED, COL_MAGENTA, COL_CYAN };
	char msg[512];
	char pos[64];

	if (level == DIAG_NOTE && d->suppress_notes)
		return;
	if (level == DIAG_ERROR) {
		d->nerrors++;
		if (d->nerrors > d->max_errors) {
			d->suppress_notes = true;
			if (d->limit_reported)
				return;
			d->limit_reported = true;
			cap_puts(d, d->src_name ? d->src_name : "<expr>");
			cap_puts(d, ": too many errors, stopping here\n");
			return;
		}
	} else if (level == DIAG_WARNING) {
		d->nwarnings++;
	}
	if (level != DIAG_NOTE)
		d->suppress_notes = false;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	add_record(d, level, loc, msg);

	cap_color(d, COL_BOLD);
	cap_puts(d, d->src_name ? d->src_name : "<expr>");
	if (loc.line) {
		snprintf(pos, sizeof(pos), ":%u:%u", loc.line, loc.col);
		cap_puts(d, pos);
	}
	cap_puts(d, ": ");
	cap_color(d, colors[level]);
	cap_puts(d, names[level]);
	cap_puts(d, ": ");
	cap_color(d, COL_RESET);
	cap_color(d, COL_BOLD);
	cap_puts(d, msg);
	cap_color(d, COL_RESET);
	cap_puts(d, "\n");
	if (loc.line)
		show_source(d, loc);
}

int diag_error(struct diag_sink *d, struct src_loc loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(d, DIAG_ERROR, loc, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void diag_warn(struct diag_sink *d, struct src_loc loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(d, DIAG_WARNING, loc, fmt, ap);
	va_end(ap);
}

void diag_note(struct diag_sink *d, struct src_loc loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(d, DIAG_NOTE, loc, fmt, ap);
	va_end(ap);
}

struct src_loc diag_loc_span(struct src_loc a, struct src_loc b)
{
	struct src_loc r = a;

	if (!a.line)
		return b;
	if (b.line && b.off + b.len > a.off)
		r.len = b.off + b.len - a.off;
	return r;
}

#define EDIT_MAX 64

unsigned int diag_edit_distance(const char *a, const char *b)
{
	/* Three rows of the optimal-string-alignment table. */
	unsigned int rows[3][EDIT_MAX + 1];
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned int *pp, *p, *c;

	if (la > EDIT_MAX || lb > EDIT_MAX)
		return la > lb ? (unsigned int)la : (unsigned int)lb;
	for (j = 0; j <= lb; j++)
		rows[0][j] = (unsigned int)j;
	for (i = 1; i <= la; i++) {
		/* Row i is rows[i % 3]; rows i-1 and i-2 precede it. */
		c = rows[i % 3];
		p = rows[(i + 2) % 3];
		pp = rows[(i + 1) % 3];
		c[0] = (unsigned int)i;
		for (j = 1; j <= lb; j++) {
			unsigned int cost = a[i - 1] != b[j - 1];
			unsigned int v = p[j] + 1;

			if (c[j - 1] + 1 < v)
				v = c[j - 1] + 1;
			if (p[j - 1] + cost < v)
				v = p[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			c[j] = v;
		}
	}
	return rows[la % 3][lb];
}

const char *diag_suggest(const char *name, const char *const *cands, size_t n)
{
	const char *best = NULL;
	unsigned int best_d = ~0u;
	size_t i;

	for (i = 0; i < n; i++) {
		size_t la = strlen(name), lb = strlen(cands[i]);
		size_t longer = la > lb ? la : lb;
		unsigned int limit = (unsigned int)((longer + 2) / 3);
		unsigned int dist = diag_edit_distance(name, cands[i]);

		if (dist && dist <= limit && dist < best_d) {
			best = cands[i];
			best_d = dist;
		}
	}
	return best;
}
