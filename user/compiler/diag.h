/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Compiler diagnostics: "file:line:col: error: message", the source line,
 * and a caret with '~' under the rest of the range, like a C compiler.
 *
 * A struct diag_sink collects every diagnostic of one compilation. It
 * prints to a FILE * (colour off unless asked for), and can also keep the
 * text and a structured record of each diagnostic so tests can assert on
 * line, column and message. Errors accumulate up to max_errors; later ones
 * are counted but not shown. Every pass reports through it, including the
 * later ones (codegen, verifier rejections mapped back to the script), so
 * all messages look alike.
 *
 * The sink keeps its own copy of the source text (diag_set_source()), so
 * it never points into a script that has been freed.
 */
#ifndef _FATHOM_USER_DIAG_H
#define _FATHOM_USER_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * A range of the source: 1-based line and column (in bytes; a tab counts
 * as one column), length in bytes (at least 1 when printed), and the byte
 * offset of the first character. {0} means "no location".
 */
struct src_loc {
	uint32_t line;
	uint32_t col;
	uint32_t len;
	uint32_t off;
};

enum diag_level {
	DIAG_ERROR,
	DIAG_WARNING,
	DIAG_NOTE,
};

/* One reported diagnostic, as kept for tests and for tools. */
struct diag_record {
	enum diag_level level;
	struct src_loc loc;
	char *msg; /* the message alone, without position or source */
};

#define DIAG_DEFAULT_MAX_ERRORS 20

struct diag_sink {
	FILE *out;		 /* may be NULL: record only */
	bool color;		 /* ANSI colours; off by default */
	unsigned int max_errors; /* 0: DIAG_DEFAULT_MAX_ERRORS */

	/* Counts, including the suppressed ones. */
	unsigned int nerrors;
	unsigned int nwarnings;

	/* Private: the source being reported on. */
	char *src_name;
	char *src_text;
	size_t src_len;
	bool suppress_notes; /* the error they belong to was not shown */
	bool limit_reported;

	/* Captured text of everything printed (when capture is set). */
	bool capture;
	char *buf;
	size_t buf_len;
	size_t buf_cap;

	/* Structured records of everything shown. */
	struct diag_record *recs;
	size_t nrecs;
	size_t recs_cap;
};

/**
 * diag_init() - set up a sink that prints to @out
 * @d: sink
 * @out: stream (usually stderr), or NULL to only record
 */
void diag_init(struct diag_sink *d, FILE *out);

/**
 * diag_init_capture() - set up a sink that prints nothing and keeps the
 * text in d->buf (NUL-terminated) as well as the records
 * @d: sink
 */
void diag_init_capture(struct diag_sink *d);

/** diag_fini() - free what the sink holds */
void diag_fini(struct diag_sink *d);

/**
 * diag_set_source() - name and text that later locations refer to
 * @d: sink
 * @name: file name shown in messages ("-e" scripts use "<expr>")
 * @text: source text (copied)
 * @len: length of @text
 *
 * Return: 0 or -ENOMEM.
 */
int diag_set_source(struct diag_sink *d, const char *name, const char *text,
		    size_t len);

/**
 * diag_error() - report an error at @loc
 * Return: -EINVAL, so callers can write "return diag_error(...)".
 */
int diag_error(struct diag_sink *d, struct src_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** diag_warn() - report a warning at @loc */
void diag_warn(struct diag_sink *d, struct src_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * diag_note() - attach a note to the preceding error or warning; it is
 * dropped when that diagnostic was over the limit and not shown
 */
void diag_note(struct diag_sink *d, struct src_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** diag_failed() - whether any error was reported */
static inline bool diag_failed(const struct diag_sink *d)
{
	return d->nerrors > 0;
}

/**
 * diag_suggest() - the candidate closest to @name, for "did you mean"
 * @name: what the user wrote
 * @cands: candidates
 * @n: number of candidates
 *
 * Uses the Damerau-Levenshtein (optimal string alignment) distance. A
 * candidate qualifies when its distance is at most a third of the longer
 * name's length, rounded up; ties go to the first candidate.
 *
 * Return: the best candidate (one of @cands), or NULL.
 */
const char *diag_suggest(const char *name, const char *const *cands, size_t n);

/** diag_edit_distance() - optimal string alignment distance of @a, @b */
unsigned int diag_edit_distance(const char *a, const char *b);

/**
 * diag_loc_span() - the range from the start of @a to the end of @b
 * (both on the same source), for a diagnostic covering a whole expression
 */
struct src_loc diag_loc_span(struct src_loc a, struct src_loc b);

#endif /* _FATHOM_USER_DIAG_H */
