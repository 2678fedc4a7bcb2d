/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared helpers for the front-end tests: a fixture holding a capturing
 * diagnostic sink and a script, freed (and leak-checked under ASan) in
 * the teardown, and accessors for the AST.
 */
#ifndef _FATHOM_TESTS_COMPILER_HELPERS_H
#define _FATHOM_TESTS_COMPILER_HELPERS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "compiler.h"

#if defined(__SANITIZE_ADDRESS__)
#define FE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FE_LSAN 1
#endif
#endif

#ifdef FE_LSAN
#include <sanitizer/lsan_interface.h>
/* The harness ends each test with _exit(), which skips LeakSanitizer's
 * exit-time check: run it by hand. */
#define FE_LEAK_CHECK() ASSERT_EQ(0, __lsan_do_recoverable_leak_check())
#else
#define FE_LEAK_CHECK() \
	do {            \
	} while (0)
#endif

/*
 * args.field types come from tracefs format files: the tests read the
 * synthetic tracefs under user/tests/compiler/tracefs (copies of real
 * formats, and fathomtest:* events made for the tests), never the host's.
 */
#ifdef FE_TRACEFS
static void __attribute__((constructor)) fe_set_tracefs(void)
{
	setenv("FATHOM_TRACEFS", FE_TRACEFS, 1);
}
#endif

/* kaddr() reads a synthetic kallsyms (user/tests/compiler/kallsyms) */
#ifdef FE_KALLSYMS
static void __attribute__((constructor)) fe_set_kallsyms(void)
{
	setenv("FATHOM_KALLSYMS", FE_KALLSYMS, 1);
}
#endif

FIXTURE(fe)
{
	struct diag_sink d;
	struct fathom_script *s;
};

FIXTURE_SETUP(fe)
{
	diag_init_capture(&self->d);
	self->s = NULL;
}

FIXTURE_TEARDOWN(fe)
{
	fathom_script_free(self->s);
	diag_fini(&self->d);
	FE_LEAK_CHECK();
}

/* Parse only. Returns 0 when there were no errors. */
static inline int fe_parse(struct diag_sink *d, struct fathom_script **s,
			   const char *src)
{
	fathom_script_free(*s);
	diag_fini(d);
	diag_init_capture(d);
	*s = fathom_script_parse("test.bt", src, strlen(src), d);
	if (!*s)
		return -12;
	return diag_failed(d) ? -22 : 0;
}

/* Parse and check. Returns 0 when there were no errors. */
static inline int fe_check(struct diag_sink *d, struct fathom_script **s,
			   const char *src)
{
	int err = fe_parse(d, s, src);

	if (err)
		return err;
	return fathom_script_check(*s, d);
}

/* Is there a diagnostic at @line:@col (0: anywhere) whose message
 * contains @sub? */
static inline bool fe_has(const struct diag_sink *d, enum diag_level lvl,
			  unsigned int line, unsigned int col, const char *sub)
{
	size_t i;

	for (i = 0; i < d->nrecs; i++) {
		const struct diag_record *r = &d->recs[i];

		if (r->level != lvl || !strstr(r->msg, sub))
			continue;
		if (line && (r->loc.line != line || r->loc.col != col))
			continue;
		return true;
	}
	return false;
}

#define fe_err(d, line, col, sub) fe_has(d, DIAG_ERROR, line, col, sub)

static inline struct ast_probe *fe_probe(struct fathom_script *s,
					 unsigned int i)
{
	return i < s->prog.nprobes ? s->prog.probes[i] : NULL;
}

static inline struct ast_node *fe_stmt(struct fathom_script *s, unsigned int p,
				       unsigned int i)
{
	struct ast_probe *pr = fe_probe(s, p);

	return pr && i < pr->body.n ? pr->body.items[i] : NULL;
}

static inline struct map_sym *fe_map(struct fathom_script *s, const char *name)
{
	uint32_t i;

	for (i = 0; i < s->prog.nmaps; i++)
		if (!strcmp(s->prog.maps[i]->name, name))
			return s->prog.maps[i];
	return NULL;
}

/* Show what the compiler said when an assertion fails. */
#define FE_LOG(d) TH_LOG("diagnostics:\n%s", (d)->buf ? (d)->buf : "(none)")

#define FE_OK(self, src)                                           \
	do {                                                       \
		int __e = fe_check(&(self)->d, &(self)->s, (src)); \
		if (__e)                                           \
			FE_LOG(&(self)->d);                        \
		ASSERT_EQ(0, __e);                                 \
	} while (0)

#define FE_PARSE_OK(self, src)                                     \
	do {                                                       \
		int __e = fe_parse(&(self)->d, &(self)->s, (src)); \
		if (__e)                                           \
			FE_LOG(&(self)->d);                        \
		ASSERT_EQ(0, __e);                                 \
	} while (0)

/* Expect failure and an error at line:col containing sub. */
#define FE_FAILS(self, src, line, col, sub)                            \
	do {                                                           \
		int __e = fe_check(&(self)->d, &(self)->s, (src));     \
		ASSERT_NE(0, __e);                                     \
		if (!fe_err(&(self)->d, (line), (col), (sub)))         \
			FE_LOG(&(self)->d);                            \
		ASSERT_TRUE(fe_err(&(self)->d, (line), (col), (sub))); \
	} while (0)

#endif /* _FATHOM_TESTS_COMPILER_HELPERS_H */
