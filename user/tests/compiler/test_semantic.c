// SPDX-License-Identifier: GPL-2.0-only
/*
 * Semantic pass: bpftrace's documented one-liners and classic tools type
 * check; inferred types of maps, variables and expressions; and every
 * kind of type error with its position.
 */
#include "helpers.h"

static const char *const one_liners[] = {
	/* bpftrace's one-liner tutorial */
	"BEGIN { printf(\"hello world\\n\"); }",
	"tracepoint:syscalls:sys_enter_openat { printf(\"%s %s\\n\", comm, str(args.filename)); }",
	"tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }",
	"tracepoint:syscalls:sys_exit_read /pid == 18644/ { @bytes = hist(args.ret); }",
	"kretprobe:vfs_read { @bytes = lhist(retval, 0, 2000, 200); }",
	"kprobe:vfs_read { @start[tid] = nsecs; } kretprobe:vfs_read /@start[tid]/ { @ns[comm] = hist(nsecs - @start[tid]); delete(@start[tid]); }",
	"tracepoint:sched:sched* { @[probe] = count(); } interval:s:5 { exit(); }",
	"profile:hz:99 { @[kstack] = count(); }",
	"tracepoint:sched:sched_switch { @[kstack] = count(); }",
	"tracepoint:block:block_rq_issue { @ = hist(args.bytes); }",
	"kprobe:do_nanosleep { @start[tid] = nsecs; } kretprobe:do_nanosleep /@start[tid]/ { @ns = hist(nsecs - @start[tid]); delete(@start[tid]); }",
	"kretprobe:vfs_read { @bytes = lhist(retval, 0, 10000, 1000); }",
	"uretprobe:/bin/bash:readline { printf(\"%s\\n\", str(retval)); }",
	"interval:s:1 { print(@); clear(@); } kprobe:vfs_read { @[comm] = count(); }",
	"kprobe:vfs_read, kprobe:vfs_write { @[probe] = count(); }",
	"tracepoint:syscalls:sys_enter_* { @[probe] = count(); }",
	"tracepoint:syscalls:sys_exit_read /args.ret > 0/ { @[comm] = sum(args.ret); }",
	"tracepoint:sched:sched_switch { @[args.prev_comm, args->next_pid] = count(); }",
	"tracepoint:block:block_rq_issue { @[args.rwbs, str(args.cmd)] = sum(args.bytes); }",
	"kprobe:vfs_* { @[func] = count(); }",
	"uprobe:/bin/bash:readline { @[ustack] = count(); }",
	"profile:hz:49 /pid == 1234/ { @[ustack(perf, 16)] = count(); }",
	"kprobe:tcp_sendmsg { @size = stats(arg2); @mn = min(arg2); @mx = max(arg2); @av = avg(arg2); }",
	"BEGIN { printf(\"Tracing... Hit Ctrl-C to end.\\n\"); } END { print(@); clear(@); } kprobe:f { @ = count(); }",
	"interval:ms:100 { @c++; if (@c >= 10) { exit(); } }",
	"kprobe:do_sys_openat2 { printf(\"%-6d %-16s %s\\n\", pid, comm, str(arg1)); }",
	"kretprobe:do_sys_openat2 /retval < 0/ { @errors[comm, retval] = count(); }",
	"tracepoint:sched:sched_process_exec { printf(\"%d %s\\n\", args->common_pid, comm); }",
	"kprobe:f { $x = arg0; $y = $x * 2 + 1; if ($y > 10 && $x != 0) { @big = $y; } else { @small = $y; } }",
	"kprobe:f { printf(\"%s %s %p %5d %-10s %lu %llx %%\\n\", ksym(arg0), usym(arg1), arg2, pid, comm, nsecs, cgroup); }",
	"BEGIN { @a = kaddr(\"jiffies\"); time(\"%H:%M:%S\\n\"); } usdt:" FE_GLOBAL_BIN
	":fathom:global { @u = uaddr(\"counter\"); printf(\"%s\\n\", str(arg1)); }",
	"rawtracepoint:sched_switch { @[arg0 & 0xff] = count(); }",
	"kprobe:f { unroll(4) { @n[cpu] += 1; } $s = str(arg0, 8); @s[$s] = count(); return; }",
	"END { printf(\"%d %d\\n\", elapsed, cpid); } kprobe:f { @t = curtask; @g[uid, gid] = count(); }",
};

TEST_F(fe, one_liners_check)
{
	size_t i;

	for (i = 0; i < sizeof(one_liners) / sizeof(one_liners[0]); i++) {
		int err = fe_check(&self->d, &self->s, one_liners[i]);

		if (err)
			TH_LOG("%s\n%s", one_liners[i], self->d.buf);
		ASSERT_EQ(0, err);
	}
}

TEST_F(fe, map_types)
{
	struct map_sym *m;

	FE_OK(self, "kprobe:f { @start[tid] = nsecs; @c[comm, pid] = count(); "
		    "@l = lhist(arg0, 0, 100, 10); @s[kstack] = sum(arg1); "
		    "@name = comm; }");
	m = fe_map(self->s, "@start");
	ASSERT_NE(NULL, m);
	ASSERT_EQ(1, m->nkeys);
	ASSERT_EQ(TYPE_INT, m->keys[0].kind);
	ASSERT_EQ(TYPE_INT, m->value.kind);
	ASSERT_FALSE(m->value.is_signed);
	m = fe_map(self->s, "@c");
	ASSERT_EQ(2, m->nkeys);
	ASSERT_EQ(TYPE_STRING, m->keys[0].kind);
	ASSERT_EQ(16, m->keys[0].size);
	ASSERT_EQ(TYPE_AGG, m->value.kind);
	ASSERT_EQ(AGG_COUNT, m->value.agg);
	m = fe_map(self->s, "@l");
	ASSERT_EQ(0, m->nkeys);
	ASSERT_EQ(AGG_LHIST, m->value.agg);
	ASSERT_EQ(0, m->value.agg_args[0]);
	ASSERT_EQ(100, m->value.agg_args[1]);
	ASSERT_EQ(10, m->value.agg_args[2]);
	m = fe_map(self->s, "@s");
	ASSERT_EQ(TYPE_KSTACK, m->keys[0].kind);
	ASSERT_EQ(AGG_SUM, m->value.agg);
	m = fe_map(self->s, "@name");
	ASSERT_EQ(TYPE_STRING, m->value.kind);
	ASSERT_EQ(5, self->s->prog.nmaps);
}

TEST_F(fe, map_read_before_assignment_in_source)
{
	struct map_sym *m;

	/* @start is read in the first probe but assigned in the second. */
	FE_OK(self, "kretprobe:f /@start[tid]/ { @d = nsecs - @start[tid]; }\n"
		    "kprobe:f { @start[tid] = nsecs; }");
	m = fe_map(self->s, "@d");
	ASSERT_EQ(TYPE_INT, m->value.kind);
	ASSERT_TRUE(fe_map(self->s, "@start")->read);
}

TEST_F(fe, expression_types)
{
	struct ast_node *st;
	struct ast_probe *p;

	FE_OK(self, "kprobe:f { $a = comm; $b = str(arg0); $c = str(arg0, 8); "
		    "$d = pid; $e = -1; $f = ksym(arg0); $g = kstack(raw, 5); "
		    "$h = pid == 1; $i = (int16)arg0; $j = probe; $k = func; "
		    "$l = comm == \"bash\"; $m = 1 ? \"a\" : \"bcd\"; }");
	p = fe_probe(self->s, 0);
	ASSERT_EQ(13, p->nvars);
	ASSERT_EQ(TYPE_STRING, p->vars[0]->type.kind);
	ASSERT_EQ(16, p->vars[0]->type.size);
	ASSERT_EQ(64, p->vars[1]->type.size);
	ASSERT_EQ(9, p->vars[2]->type.size);
	ASSERT_EQ(TYPE_INT, p->vars[3]->type.kind);
	ASSERT_FALSE(p->vars[3]->type.is_signed);
	ASSERT_TRUE(p->vars[4]->type.is_signed);
	ASSERT_EQ(TYPE_KSYM, p->vars[5]->type.kind);
	ASSERT_EQ(TYPE_KSTACK, p->vars[6]->type.kind);
	ASSERT_EQ(STACK_MODE_RAW, p->vars[6]->type.stack_mode);
	ASSERT_EQ(5, p->vars[6]->type.stack_depth);
	ASSERT_EQ(TYPE_INT, p->vars[7]->type.kind);
	st = fe_stmt(self->s, 0, 8);
	ASSERT_EQ(2, st->u.assign.value->type.size);
	ASSERT_TRUE(st->u.assign.value->type.is_signed);
	ASSERT_EQ(TYPE_PROBE, p->vars[9]->type.kind);
	ASSERT_EQ(TYPE_FUNC, p->vars[10]->type.kind);
	ASSERT_EQ(TYPE_INT, p->vars[11]->type.kind);
	ASSERT_EQ(TYPE_STRING, p->vars[12]->type.kind);
	ASSERT_EQ(4, p->vars[12]->type.size);

	FE_OK(self, "uprobe:/bin/sh:main { @[func] = count(); }");
	ASSERT_EQ(TYPE_FUNC, fe_map(self->s, "@")->keys[0].kind);
	/* a kernel and a user probe: func is the probe's, either kind */
	FE_OK(self, "kprobe:f, uprobe:/bin/sh:g { @[func] = count(); }");
	FE_OK(self, "tracepoint:fathomtest:a { @x = args.u16v; }");
	ASSERT_EQ(TYPE_INT, fe_map(self->s, "@x")->value.kind);
	ASSERT_EQ(2, fe_map(self->s, "@x")->value.size);
	ASSERT_FALSE(fe_map(self->s, "@x")->value.is_signed);
}

TEST_F(fe, variables_are_per_probe)
{
	FE_OK(self, "kprobe:f { $x = 1; } kprobe:g { $x = \"s\"; }");
	ASSERT_EQ(TYPE_INT, fe_probe(self->s, 0)->vars[0]->type.kind);
	ASSERT_EQ(TYPE_STRING, fe_probe(self->s, 1)->vars[0]->type.kind);
	FE_FAILS(self, "kprobe:f { $x = 1; } kprobe:g { @y = $x; }", 1, 38,
		 "variable '$x' is used before it is assigned");
}

TEST_F(fe, type_mismatches)
{
	FE_FAILS(
		self,
		"kprobe:f {\n"
		"  @start[tid] = nsecs;\n"
		"  @start[tid] = comm;\n}",
		3, 17,
		"map '@start' was assigned uint64 before, but string[16] here");
	ASSERT_TRUE(fe_has(&self->d, DIAG_NOTE, 2, 17, "first assigned here"));

	FE_FAILS(self, "BEGIN { $x = 1;\n $x = \"a\"; }", 2, 7,
		 "variable '$x' was assigned int64 before, but string[2] here");
	ASSERT_TRUE(fe_has(&self->d, DIAG_NOTE, 1, 14, "first assigned here"));

	FE_FAILS(self, "BEGIN { @m[1] = 1; @m[\"a\"] = 2; }", 1, 23,
		 "map '@m' key 1 is string[2] here, but int64 first");
	FE_FAILS(self, "BEGIN { @m[1] = 1; @m[1, 2] = 2; }", 1, 20,
		 "used with 2 keys here, but with 1 first");
	FE_FAILS(self, "BEGIN { @m = count(); @m = sum(1); }", 1, 28,
		 "map '@m' was assigned count before, but sum here");
	FE_FAILS(self,
		 "BEGIN { @m = lhist(1, 0, 10, 1); @m = lhist(1, 0, 20, 1); }",
		 1, 39, "lhist(0, 10, 1) before, but lhist(0, 20, 1)");
	FE_FAILS(self, "BEGIN { if (comm == 1) { } }", 1, 13,
		 "cannot compare string[16] with int64");
	FE_FAILS(self, "BEGIN { @x = comm < \"a\"; }", 1, 14,
		 "operator '<' needs integers, not string[16]");
	FE_FAILS(self, "BEGIN { @x = 1 + comm; }", 1, 18,
		 "operator '+' needs integers");
	FE_FAILS(self, "BEGIN { @x = -comm; }", 1, 15,
		 "operator '-' needs an integer");
	FE_FAILS(self, "BEGIN { @x = pid ? 1 : comm; }", 1, 14,
		 "branches of '?:' have different types");
	FE_FAILS(self, "BEGIN { if (comm) { } }", 1, 13,
		 "the condition must be an integer");
	FE_FAILS(self, "BEGIN /comm/ { }", 1, 8,
		 "the predicate must be an integer");
	FE_FAILS(self, "BEGIN { $s = comm; $s++; }", 1, 20,
		 "'++' needs an integer");
	FE_FAILS(self, "BEGIN { @x = (uint8)comm; }", 1, 21,
		 "only integers can be cast");
	FE_FAILS(self, "BEGIN { @x = comm; @x += 1; }", 1, 20,
		 "'+=' needs integers");
}

TEST_F(fe, aggregations_only_as_map_values)
{
	FE_FAILS(self, "BEGIN { $x = count(); }", 1, 14,
		 "count() can only be assigned to a map");
	FE_FAILS(self, "BEGIN { printf(\"%d\", sum(1)); }", 1, 22,
		 "sum() can only be used as the value of a map assignment");
	FE_FAILS(self, "BEGIN { @x = count() + 1; }", 1, 14,
		 "count() can only be used as the value of a map assignment");
	FE_FAILS(self, "BEGIN { hist(1); }", 1, 9,
		 "hist() can only be used as the value of a map assignment");
	FE_FAILS(self, "BEGIN { @x[count()] = 1; }", 1, 12,
		 "count() can only be used");
	FE_FAILS(self, "BEGIN { @c = count(); @y = @c; }", 1, 28,
		 "map '@c' holds a count aggregation");
	FE_FAILS(self, "BEGIN { @c += count(); }", 1, 9,
		 "compound assignment cannot be used with count()");
	FE_FAILS(self, "BEGIN { @c = count(1); }", 1, 14,
		 "count() takes 0 arguments, but 1 was given");
	FE_FAILS(self, "BEGIN { @c = sum(comm); }", 1, 18,
		 "sum()'s argument must be an integer");
	FE_FAILS(self, "BEGIN { @c = lhist(1, 0, 10); }", 1, 14,
		 "lhist() takes 4 arguments, but 3 were given");
	FE_FAILS(self, "BEGIN { @c = lhist(1, 0, 10, 0); }", 1, 30,
		 "lhist()'s step must be between 1");
	FE_FAILS(self, "BEGIN { @c = lhist(1, 10, 10, 1); }", 1, 27,
		 "max must be greater than its min");
	FE_FAILS(self, "kprobe:f { @c = lhist(1, 0, arg0, 1); }", 1, 29,
		 "lhist()'s max must be a constant");
	FE_FAILS(self, "BEGIN { @c = hist(1, 9); }", 1, 22,
		 "bits argument must be between 0 and 5");
}

TEST_F(fe, builtins_per_probe_kind)
{
	FE_FAILS(
		self, "kprobe:f { @x = retval; }", 1, 17,
		"'retval' is only valid in kretprobe and uretprobe probes, not in kprobe:f");
	FE_FAILS(
		self, "kprobe:f { @x = args.foo; }", 1, 17,
		"'args' is only valid in tracepoint, rawtracepoint and usdt probes");
	FE_FAILS(self, "tracepoint:a:b { @x = arg0; }", 1, 23,
		 "'arg0' is only valid in kprobe");
	FE_FAILS(self, "kretprobe:f { @x = arg1; }", 1, 20,
		 "'arg1' is only valid");
	FE_FAILS(self, "kprobe:f, kretprobe:g { @x = retval; }", 1, 30,
		 "not in kprobe:f");
	FE_FAILS(self, "BEGIN { @x = func; }", 1, 14, "'func' is only valid");
	FE_FAILS(self, "kprobe:f { @x = uaddr(\"x\"); }", 1, 17,
		 "uaddr() is only valid in uprobe");
	FE_FAILS(self, "tracepoint:a:b { print(args); }", 1, 24,
		 "'args' can only be used to read a field");
	/* a kernel without BTF (whatever the host has) */
	setenv("FATHOM_BTF", "/nonexistent/btf", 1);
	FE_FAILS(
		self, "kprobe:f { @x = curtask.pid; }", 1, 17,
		"'.pid' needs the kernel's BTF type information: no BTF: /nonexistent/btf does not exist");
	unsetenv("FATHOM_BTF");
}

TEST_F(fe, function_arguments)
{
	FE_FAILS(self, "BEGIN { @x = str(); }", 1, 14,
		 "str() takes 1 to 2 arguments, but 0 were given");
	FE_FAILS(self, "BEGIN { @x = str(kstack); }", 1, 18,
		 "str() needs a pointer or a string");
	FE_FAILS(self, "BEGIN { @x = str(1, 0); }", 1, 21,
		 "length must be positive");
	FE_FAILS(self, "BEGIN { @x = kaddr(comm); }", 1, 20,
		 "kaddr() needs a string literal");
	FE_FAILS(self, "BEGIN { @x = kstack(fast); }", 1, 21,
		 "unknown identifier 'fast'");
	FE_FAILS(self, "BEGIN { @x = kstack(\"fast\"); }", 1, 21,
		 "unknown stack mode");
	FE_FAILS(self, "BEGIN { @x = kstack(2000); }", 1, 21,
		 "stack depth must be between 1 and 1024");
	FE_FAILS(self, "BEGIN { clear(1); }", 1, 15, "clear() needs a map");
	FE_FAILS(self, "BEGIN { zero(@never); }", 1, 14,
		 "map '@never' is never assigned");
	FE_FAILS(self, "BEGIN { delete(1); }", 1, 16,
		 "delete() needs a map element");
	FE_FAILS(self, "BEGIN { @x = @y; }", 1, 14,
		 "map '@y' is read but never assigned");
	FE_FAILS(self, "BEGIN { @x = printf(\"a\"); }", 1, 14,
		 "printf() does not return a value");
	FE_FAILS(self, "BEGIN { printf(comm); }", 1, 16,
		 "printf() needs a string literal");
	FE_FAILS(self, "BEGIN { unroll(0) { } }", 1, 16,
		 "unroll count must be between 1 and 100");
	FE_FAILS(self, "BEGIN { unroll(101) { } }", 1, 16, "between 1 and 100");
	FE_FAILS(self, "kprobe:f { unroll(arg0) { } }", 1, 19,
		 "unroll count must be a constant");
	FE_OK(self, "BEGIN { unroll(2 * 50) { } @m[1] = 1; delete(@m, 1); }");
	ASSERT_EQ(100, fe_stmt(self->s, 0, 0)->u.unroll.n);
}

TEST_F(fe, printf_formats)
{
	FE_OK(self, "kprobe:f { printf(\"%d %i %u %x %X %o %c %s %p %ld %lu "
		    "%%\\n\", 1, 2, 3, 4, 5, 6, 7, comm, arg0, 8, 9); "
		    "printf(\"%lld %llu %lx %llx %-10s %5d %hhd %zu %08x %.3s "
		    "%s %s %s %s\\n\", 1, 2, 3, 4, comm, 5, 6, 7, 8, comm, "
		    "ksym(arg0), probe, kstack, func); }");
	FE_FAILS(self,
		 "BEGIN { printf(\"%d%d%d%d%d%d%d%d%d%d%d%d%d%d%d%d\", "
		 "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16); }",
		 1, 103, "printf() takes at most 15 arguments");
	FE_FAILS(self, "BEGIN { printf(\"%d %d\\n\", 1); }", 1, 16,
		 "more conversions than arguments: '%d' has no argument");
	FE_FAILS(self, "BEGIN { printf(\"%d\\n\", 1, 2); }", 1, 27,
		 "too many arguments: the format has 1 conversion");
	FE_FAILS(self, "BEGIN { printf(\"%d %s\\n\", 1, 2); }", 1, 30,
		 "'%s' expects a string, but argument 2 is int64");
	FE_FAILS(self, "BEGIN { printf(\"%lu\\n\", comm); }", 1, 25,
		 "'%lu' expects an integer, but argument 1 is string[16]");
	FE_FAILS(self, "BEGIN { printf(\"%y\\n\", 1); }", 1, 16,
		 "unknown conversion '%y'");
	FE_FAILS(self, "BEGIN { printf(\"abc %\"); }", 1, 16,
		 "incomplete conversion");
	FE_FAILS(self, "BEGIN { printf(\"%*d\", 1, 2); }", 1, 16,
		 "'*' widths are not supported");
}

TEST_F(fe, errors_accumulate)
{
	ASSERT_NE(0, fe_check(&self->d, &self->s,
			      "kprobe:f {\n @a = retval;\n @b = comm + 1;\n"
			      " $x = count();\n}\n"
			      "tracepoint:a:b { @c = arg0; }"));
	ASSERT_EQ(4, self->d.nerrors);
	ASSERT_TRUE(fe_err(&self->d, 2, 7, "retval"));
	ASSERT_TRUE(fe_err(&self->d, 3, 7, "operator '+'"));
	ASSERT_TRUE(fe_err(&self->d, 4, 7, "count()"));
	ASSERT_TRUE(fe_err(&self->d, 6, 23, "arg0"));
}

TEST_F(fe, dump_shows_types)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	FE_OK(self, "kprobe:f /pid > 10/ { @start[tid] = nsecs; "
		    "if (1) { $s = comm; } else { unroll(2) { @x = 1; } } }");
	f = open_memstream(&buf, &len);
	ASSERT_NE(NULL, f);
	fathom_script_dump(self->s, f);
	fclose(f);
	ASSERT_NE(NULL, strstr(buf, "  map @start [uint64] -> uint64\n"));
	ASSERT_NE(NULL, strstr(buf, "    spec kprobe name=f\n"));
	ASSERT_NE(NULL, strstr(buf, "    var $s :: string[16]\n"));
	ASSERT_NE(NULL, strstr(buf, "        builtin nsecs :: uint64\n"));
	ASSERT_NE(NULL, strstr(buf, "unroll 2\n"));
	ASSERT_NE(NULL, strstr(buf, "then\n"));
	free(buf);
}

TEST_HARNESS_MAIN
