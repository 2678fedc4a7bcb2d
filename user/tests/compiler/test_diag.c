// SPDX-License-Identifier: GPL-2.0-only
/*
 * Diagnostics: the printed form (position, source line, caret and
 * tildes), tabs, notes, the error limit, colour, and suggestions.
 */
#include "helpers.h"

TEST_F(fe, caret_and_range)
{
	const char *src = "kprobe:f {\n"
			  "  @start[tid] = nsecs;\n"
			  "    @start[tid] = comm;\n"
			  "}\n";

	ASSERT_NE(0, fe_check(&self->d, &self->s, src));
	ASSERT_NE(
		NULL,
		strstr(self->d.buf,
		       "test.bt:3:19: error: map '@start' was assigned uint64 before, but string[16] here\n"
		       "    @start[tid] = comm;\n"
		       "                  ^~~~\n"
		       "test.bt:2:17: note: first assigned here\n"
		       "  @start[tid] = nsecs;\n"
		       "                ^~~~~\n"))
	TH_LOG("%s", self->d.buf);
	ASSERT_EQ(1, self->d.nerrors);
	ASSERT_EQ(2, self->d.nrecs);
	ASSERT_EQ(DIAG_ERROR, self->d.recs[0].level);
	ASSERT_EQ(3, self->d.recs[0].loc.line);
	ASSERT_EQ(19, self->d.recs[0].loc.col);
	ASSERT_EQ(4, self->d.recs[0].loc.len);
	ASSERT_EQ(DIAG_NOTE, self->d.recs[1].level);
}

TEST_F(fe, tabs_are_kept_in_the_caret_line)
{
	ASSERT_NE(0, fe_check(&self->d, &self->s, "BEGIN {\n\t@x = bogus;\n}"));
	ASSERT_NE(NULL,
		  strstr(self->d.buf,
			 "test.bt:2:7: error: unknown identifier 'bogus'\n"
			 "\t@x = bogus;\n"
			 "\t     ^~~~~\n"))
	TH_LOG("%s", self->d.buf);
}

TEST_F(fe, expr_name_and_end_of_input)
{
	struct fathom_script *s;

	s = fathom_script_parse(NULL, "BEGIN {", 7, &self->d);
	ASSERT_NE(NULL, s);
	ASSERT_NE(NULL,
		  strstr(self->d.buf,
			 "<expr>:1:8: error: expected '}' at end of input\n"
			 "BEGIN {\n"
			 "       ^\n"))
	TH_LOG("%s", self->d.buf);
	ASSERT_NE(0, fathom_script_check(s, &self->d));
	fathom_script_free(s);
}

TEST_F(fe, error_limit)
{
	char src[4096];
	size_t n = 0, i;

	n += (size_t)snprintf(src, sizeof(src), "BEGIN {\n");
	for (i = 0; i < 30; i++)
		n += (size_t)snprintf(src + n, sizeof(src) - n,
				      "  @a%zu = retval;\n", i);
	snprintf(src + n, sizeof(src) - n, "}\n");
	ASSERT_NE(0, fe_check(&self->d, &self->s, src));
	ASSERT_LE(DIAG_DEFAULT_MAX_ERRORS + 1, self->d.nerrors);
	ASSERT_EQ(DIAG_DEFAULT_MAX_ERRORS, self->d.nrecs);
	ASSERT_NE(NULL, strstr(self->d.buf, "too many errors"));
}

TEST(direct_api_and_color)
{
	struct diag_sink d;
	struct src_loc at = { .line = 1, .col = 5, .len = 3, .off = 4 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ASSERT_NE(NULL, f);
	diag_init(&d, f);
	ASSERT_EQ(0, diag_set_source(&d, "x.bt", "abc def ghi", 11));
	ASSERT_EQ(-22, diag_error(&d, at, "bad %s", "thing"));
	diag_warn(&d, at, "careful");
	d.color = true;
	diag_error(&d, at, "colourful");
	fclose(f);
	ASSERT_NE(NULL,
		  strstr(buf,
			 "x.bt:1:5: error: bad thing\nabc def ghi\n    ^~~\n"));
	ASSERT_NE(NULL, strstr(buf, "x.bt:1:5: warning: careful\n"));
	ASSERT_NE(NULL, strstr(buf, "\033[1;31merror"));
	ASSERT_EQ(2, d.nerrors);
	ASSERT_EQ(1, d.nwarnings);
	ASSERT_TRUE(diag_failed(&d));
	/* no capture: nothing kept in buf, records still kept */
	ASSERT_EQ(NULL, d.buf);
	ASSERT_EQ(3, d.nrecs);
	diag_fini(&d);
	free(buf);
	FE_LEAK_CHECK();
}

TEST(out_of_range_location_prints_no_source)
{
	struct diag_sink d;
	struct src_loc at = { .line = 9, .col = 50, .len = 3, .off = 500 };

	diag_init_capture(&d);
	ASSERT_EQ(0, diag_set_source(&d, "x.bt", "abc", 3));
	diag_error(&d, at, "far away");
	ASSERT_STREQ("x.bt:9:50: error: far away\n", d.buf);
	diag_fini(&d);
}

TEST(edit_distance)
{
	ASSERT_EQ(0, diag_edit_distance("count", "count"));
	ASSERT_EQ(1, diag_edit_distance("cout", "count"));
	ASSERT_EQ(1, diag_edit_distance("tdi", "tid"));
	ASSERT_EQ(3, diag_edit_distance("", "abc"));
	ASSERT_EQ(2, diag_edit_distance("kprbe", "kprobe") + 1);
}

TEST(suggestions)
{
	static const char *const funcs[] = { "count", "sum",	"hist",
					     "lhist", "printf", "print" };
	static const char *const probes[] = { "vfs_read", "vfs_write",
					      "do_nanosleep" };

	ASSERT_STREQ("count", diag_suggest("cnt", funcs, 6));
	ASSERT_STREQ("printf", diag_suggest("pritnf", funcs, 6));
	ASSERT_STREQ("hist", diag_suggest("hsit", funcs, 6));
	ASSERT_EQ(NULL, diag_suggest("xyzzy", funcs, 6));
	ASSERT_EQ(NULL, diag_suggest("count", funcs, 6));
	ASSERT_STREQ("vfs_read", diag_suggest("vfs_raed", probes, 3));
	ASSERT_STREQ("do_nanosleep", diag_suggest("do_nanoslep", probes, 3));
}

TEST_F(fe, probe_type_suggestion)
{
	FE_FAILS(self, "tracepiont:a:b { }", 1, 1,
		 "unknown probe type 'tracepiont'; did you mean 'tracepoint'?");
	ASSERT_NE(NULL,
		  strstr(self->d.buf, "tracepiont:a:b { }\n^~~~~~~~~~\n"));
}

/* ---- the messages users meet most, exactly, with line:col ----------- */

#define DIAG_IS(self, text)                                     \
	do {                                                    \
		if (!strstr((self)->d.buf, (text)))             \
			TH_LOG("got:\n%s", (self)->d.buf);      \
		ASSERT_NE(NULL, strstr((self)->d.buf, (text))); \
	} while (0)

TEST_F(fe, diag_unknown_tracepoint_field)
{
	ASSERT_NE(0, fe_check(&self->d, &self->s,
			      "tracepoint:syscalls:sys_enter_openat {\n"
			      "  printf(\"%s\\n\", str(args.filenam));\n"
			      "}\n"));
	DIAG_IS(self,
		"test.bt:2:22: error: tracepoint:syscalls:sys_enter_openat has no field 'filenam'; did you mean 'filename'? Its fields are: __syscall_nr, dfd, filename, flags, mode\n"
		"  printf(\"%s\\n\", str(args.filenam));\n"
		"                     ^~~~~~~~~~~~\n");
	ASSERT_EQ(1, self->d.nerrors);
	ASSERT_NE(
		0,
		fe_check(
			&self->d, &self->s,
			"tracepoint:sched:sched_switch { @[args->zzz] = count(); }"));
	DIAG_IS(self,
		"test.bt:1:35: error: tracepoint:sched:sched_switch has no field 'zzz'; its fields are: prev_comm, prev_pid, prev_prio, prev_state, next_comm, next_pid, next_prio\n");
}

TEST_F(fe, diag_map_value_type_mismatch)
{
	ASSERT_NE(0, fe_check(&self->d, &self->s,
			      "kprobe:f { @x[pid] = 1; }\n"
			      "kprobe:g { @x[tid] = comm; }\n"));
	DIAG_IS(self,
		"test.bt:2:22: error: map '@x' was assigned int64 before, but string[16] here\n"
		"kprobe:g { @x[tid] = comm; }\n"
		"                     ^~~~\n"
		"test.bt:1:22: note: first assigned here\n");
	ASSERT_NE(0, fe_check(&self->d, &self->s,
			      "kprobe:f { @c = count(); @c = 1; }"));
	DIAG_IS(self,
		"test.bt:1:31: error: map '@c' was assigned count before, but int64 here\n");
}

TEST_F(fe, diag_unknown_builtin)
{
	ASSERT_NE(0, fe_check(&self->d, &self->s,
			      "kprobe:f {\n  @[pdi] = count();\n}"));
	DIAG_IS(self,
		"test.bt:2:5: error: unknown identifier 'pdi'; did you mean 'pid'?\n"
		"  @[pdi] = count();\n"
		"    ^~~\n");
	ASSERT_NE(0,
		  fe_check(&self->d, &self->s, "kprobe:f { @x = frob(1); }"));
	DIAG_IS(self, "test.bt:1:17: error: unknown function 'frob'\n");
}

TEST_F(fe, diag_bad_printf_format)
{
	ASSERT_NE(0, fe_check(&self->d, &self->s,
			      "kprobe:f { printf(\"%d\\n\", comm); }"));
	DIAG_IS(self,
		"test.bt:1:27: error: printf: '%d' expects an integer, but argument 1 is string[16]\n");
	ASSERT_NE(0, fe_check(&self->d, &self->s,
			      "kprobe:f { printf(\"%s %s\\n\", comm); }"));
	DIAG_IS(self,
		"test.bt:1:19: error: printf: the format has more conversions than arguments: '%s' has no argument\n");
	ASSERT_NE(0, fe_check(&self->d, &self->s,
			      "kprobe:f { printf(\"%q\\n\", 1); }"));
	DIAG_IS(self, "test.bt:1:19: error: printf: unknown conversion '%q'\n");
}

TEST_F(fe, diag_missing_positional_parameter)
{
	static const char *const params[] = { "1", "two" };
	struct fathom_compile_opts o = { .params = params, .nparams = 2 };

	ASSERT_EQ(0,
		  fe_parse(&self->d, &self->s,
			   "BEGIN { @a = $1; @b = $2; }\nBEGIN { @c = $3; }"));
	ASSERT_EQ(0, fathom_script_set_opts(self->s, &o));
	ASSERT_NE(0, fathom_script_check(self->s, &self->d));
	DIAG_IS(self,
		"test.bt:2:14: error: $3 is not given: the script has 2 positional parameters\n"
		"BEGIN { @c = $3; }\n"
		"             ^~\n");
	ASSERT_EQ(1, self->d.nerrors);
}

TEST_HARNESS_MAIN
