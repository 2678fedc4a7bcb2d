// SPDX-License-Identifier: GPL-2.0-only
/*
 * fathom: the command. Option names follow bpftrace's where they mean the
 * same thing.
 *
 * A script goes: parse and check (compiler.h), resolve its probes against
 * the running kernel and the binaries it names (resolve.c), fork the -c
 * command held before its exec (its pid is the 'cpid' constant), generate
 * and locally verify the bytecode (codegen.c), then run it (run.c). Every
 * error up to the code generation is reported at its place in the script
 * and nothing reaches the kernel.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fathom.h>

#include "codegen.h"
#include "compiler.h"
#include "disasm.h"
#include "output.h"
#include "resolve.h"
#include "run.h"
#include "tool.h"

const char *progname = "fathom";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [options] FILE\n"
		"       %s [options] -e 'PROGRAM'\n"
		"       %s -l [PATTERN]\n"
		"       %s --snapshot SESSION\n"
		"\n"
		"Trace with a bpftrace-language program, on kernels without eBPF.\n"
		"\n"
		"options:\n"
		"  -e PROGRAM    the program to run, instead of a FILE\n"
		"  -c 'CMD'      run CMD, trace with cpid set to its pid, stop\n"
		"                when it exits\n"
		"  -p PID        uprobes trace only process PID\n"
		"  -l [PATTERN]  list probes: kprobe:..., tracepoint:cat:...,\n"
		"                uprobe:/path/to/binary:...\n"
		"  -o FILE       write the output to FILE\n"
		"  -f FORMAT     output format: text (default) or json\n"
		"  -B MODE       output buffering: none, line or full\n"
		"  -q            do not print 'Attaching N probes...'\n"
		"  -d            print the syntax tree and the bytecode, load\n"
		"                nothing\n"
		"  -v            print the size of each program\n"
		"  --flight-recorder SIZE\n"
		"                keep the newest records in a ring of SIZE bytes\n"
		"                per CPU (K, M, G suffixes); print them when\n"
		"                'fathom --snapshot SESSION' asks, or at Ctrl-C\n"
		"  --snapshot SESSION\n"
		"                freeze a flight recorder: its fathom prints it\n"
		"  --no-deadman  never let the module stop the session for\n"
		"                silence\n"
		"  --overload PCT\n"
		"                let the programs use up to PCT%% of any CPU\n"
		"                before the module stops the session (default:\n"
		"                the module's overload_pct, 50)\n"
		"  --info        show the loaded module's version, the kernel's\n"
		"                tracing features and the module's limits\n"
		"  --version     show this tool's version and ABI\n"
		"  -h, --help    show this help\n",
		progname, progname, progname, progname);
}

int tool_open(struct fathom_nl *nl)
{
	int ret = fathom_nl_open(nl);

	if (ret == -ENOENT) {
		fprintf(stderr,
			"%s: the fathom kernel module is not loaded; load it with 'modprobe fathom' (DKMS install) or 'insmod kmod/fathom.ko' (source tree)\n",
			progname);
		return EXIT_SYSTEM;
	}
	if (ret < 0) {
		fprintf(stderr,
			"%s: cannot open a generic netlink socket: %s\n",
			progname, strerror(-ret));
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

int tool_kernel_error(const struct fathom_nl *nl, const char *what)
{
	int err = nl->err < 0 ? -nl->err : EIO;

	if (err == EPERM) {
		fprintf(stderr,
			"%s: permission denied: %s (run as root, or grant CAP_PERFMON)\n",
			progname,
			nl->errmsg[0]
				? nl->errmsg
				: "fathom needs CAP_SYS_ADMIN or CAP_PERFMON");
		return EXIT_USER;
	}
	fprintf(stderr, "%s: %s failed: %s%s%s\n", progname, what,
		strerror(err), nl->errmsg[0] ? ": " : "", nl->errmsg);
	return EXIT_SYSTEM;
}

/* ---- reading the script ----------------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	size_t cap = 4096, n = 0;
	char *buf = NULL, *nb;

	if (!f)
		return NULL;
	for (;;) {
		size_t got;

		nb = realloc(buf, cap + 1);
		if (!nb) {
			free(buf);
			buf = NULL;
			errno = ENOMEM;
			break;
		}
		buf = nb;
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap) {
			if (ferror(f)) {
				free(buf);
				buf = NULL;
				errno = EIO;
			}
			break;
		}
		cap *= 2;
	}
	if (f != stdin)
		fclose(f);
	if (buf) {
		buf[n] = 0;
		*len = n;
	}
	return buf;
}

/* ---- cpid ------------------------------------------------------------- */

struct cpid_walk {
	struct diag_sink *d;
	bool have; /* -c given (or -d: shown as 0) */
	uint64_t value;
	int errors;
};

static void cpid_node(struct cpid_walk *w, struct ast_node *n);

static void cpid_list(struct cpid_walk *w, struct ast_list *l)
{
	uint32_t i;

	for (i = 0; i < l->n; i++)
		cpid_node(w, l->items[i]);
}

/* 'cpid' is a constant once the command is forked: make it one. */
static void cpid_node(struct cpid_walk *w, struct ast_node *n)
{
	if (!n)
		return;
	switch (n->kind) {
	case AST_BUILTIN:
		if (n->u.builtin.id != BI_CPID)
			return;
		if (!w->have) {
			diag_error(
				w->d, n->loc,
				"'cpid' is the pid of the -c command: run with -c CMD");
			w->errors++;
			return;
		}
		n->kind = AST_INT;
		n->u.int_val = w->value;
		return;
	case AST_MAP:
		cpid_list(w, &n->u.map.keys);
		return;
	case AST_UNOP:
		cpid_node(w, n->u.unop.operand);
		return;
	case AST_BINOP:
		cpid_node(w, n->u.binop.lhs);
		cpid_node(w, n->u.binop.rhs);
		return;
	case AST_TERNARY:
		cpid_node(w, n->u.ternary.cond);
		cpid_node(w, n->u.ternary.then);
		cpid_node(w, n->u.ternary.els);
		return;
	case AST_CALL:
		cpid_list(w, &n->u.call.args);
		return;
	case AST_FIELD:
		cpid_node(w, n->u.field.base);
		return;
	case AST_CAST:
		cpid_node(w, n->u.cast.operand);
		return;
	case AST_INCDEC:
		cpid_node(w, n->u.incdec.target);
		return;
	case AST_EXPR_STMT:
		cpid_node(w, n->u.expr_stmt.expr);
		return;
	case AST_ASSIGN:
		cpid_node(w, n->u.assign.target);
		cpid_node(w, n->u.assign.value);
		return;
	case AST_IF:
		cpid_node(w, n->u.if_.cond);
		cpid_list(w, &n->u.if_.then);
		cpid_list(w, &n->u.if_.els);
		return;
	case AST_UNROLL:
		cpid_node(w, n->u.unroll.count);
		cpid_list(w, &n->u.unroll.body);
		return;
	default:
		return;
	}
}

static int subst_cpid(struct fathom_script *s, struct diag_sink *d, bool have,
		      uint64_t value)
{
	struct cpid_walk w = { .d = d, .have = have, .value = value };
	uint32_t i;

	for (i = 0; i < s->prog.nprobes; i++) {
		cpid_node(&w, s->prog.probes[i]->pred);
		cpid_list(&w, &s->prog.probes[i]->body);
	}
	return w.errors ? -EINVAL : 0;
}

/* ---- options ---------------------------------------------------------- */

static int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	default:
		break;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || !v)
		return -EINVAL;
	*out = v;
	return 0;
}

static int user_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", progname);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return EXIT_USER;
}

/* ---- compiling and running --------------------------------------------- */

static void print_sizes(const struct fathom_compiled *c, FILE *f)
{
	uint32_t i;

	for (i = 0; i < c->nr_progs; i++)
		fprintf(f, "program %u '%s': %u instructions (%zu bytes)\n", i,
			c->progs[i].name, c->progs[i].len,
			(size_t)c->progs[i].len * sizeof(struct fathom_insn));
	fprintf(f, "%u program%s, %u map%s, %u probe%s\n", c->nr_progs,
		c->nr_progs == 1 ? "" : "s", c->nr_maps,
		c->nr_maps == 1 ? "" : "s", c->nr_probes,
		c->nr_probes == 1 ? "" : "s");
}

static void dump_compiled(const struct fathom_compiled *c)
{
	uint32_t i, j;

	for (i = 0; i < c->nr_maps; i++)
		printf("map %u %s: kind %u, key %u bytes, value %u bytes, %u entries\n",
		       i + 1, c->map_info[i].name, c->maps[i].kind,
		       c->maps[i].key_size, c->maps[i].value_size,
		       c->maps[i].max_entries);
	for (i = 0; i < c->nr_progs; i++) {
		printf("\nprogram %u: %s (%u instructions)\n", i,
		       c->progs[i].name, c->progs[i].len);
		for (j = 0; j < c->nr_probes; j++)
			if (c->probes[j].prog == i)
				printf("  probe %s\n", c->probe_names[j]);
		fathom_disasm_prog(stdout, c->progs[i].insns, c->progs[i].len);
	}
}

/*
 * FATHOM_MAP_KEYS_MAX: the entries of each keyed map, as bpftrace's
 * BPFTRACE_MAP_KEYS_MAX (the module refuses more than its max_map_entries).
 * Return: 0 when unset, the number, or -1 after saying what is wrong.
 */
static long map_keys_max(void)
{
	const char *v = getenv("FATHOM_MAP_KEYS_MAX");
	unsigned long n;
	char *end;

	if (!v)
		return 0;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || !isdigit((unsigned char)*v) || !n ||
	    n > UINT32_MAX) {
		fprintf(stderr,
			"%s: FATHOM_MAP_KEYS_MAX='%s': want a number of map entries, 1 or more\n",
			progname, v);
		return -1;
	}
	return (long)n;
}

static int run(struct tool_opts *o, const char *name, const char *text,
	       size_t len)
{
	struct fathom_compiled *c = NULL;
	struct resolution res = { 0 };
	struct child ch = { 0 };
	struct fathom_script *s;
	struct diag_sink d;
	int ret = EXIT_USER;
	long keys_max;

	keys_max = map_keys_max();
	if (keys_max < 0)
		return EXIT_USER;
	diag_init(&d, stderr);
	s = fathom_script_parse(name, text, len, &d);
	if (!s) {
		fprintf(stderr, "%s: out of memory\n", progname);
		diag_fini(&d);
		return EXIT_SYSTEM;
	}
	{
		/* args' fields come from tracefs: mount it before the check */
		struct fathom_compile_opts co = {
			.tracefs = tracefs_dir(),
			.params = (const char *const *)o->params,
			.nparams = o->nparams,
			.map_keys_max = (uint32_t)keys_max,
		};

		if (fathom_script_set_opts(s, &co)) {
			ret = EXIT_SYSTEM;
			goto out;
		}
	}
	if (fathom_script_check(s, &d))
		goto out;
	if (o->dump) {
		fathom_script_dump(s, stdout);
		if (subst_cpid(s, &d, true, 0))
			goto out;
		c = fathom_codegen(s, &d);
		if (!c)
			goto out;
		dump_compiled(c);
		if (o->verbose)
			print_sizes(c, stdout);
		ret = EXIT_OK;
		goto out;
	}
	if (!o->cmd && subst_cpid(s, &d, false, 0))
		goto out;
	ret = resolve_script(s, &d, o->pid, &res);
	if (ret) {
		ret = ret == -ENOMEM ? EXIT_SYSTEM : EXIT_USER;
		goto out;
	}
	if (o->cmd) {
		ret = child_spawn(o->cmd, &ch);
		if (ret) {
			fprintf(stderr, "%s: cannot start '%s': %s\n", progname,
				o->cmd, strerror(-ret));
			ret = EXIT_SYSTEM;
			goto out;
		}
		/* the checks above passed with a placeholder: now the pid */
		subst_cpid(s, &d, true, (uint64_t)ch.pid);
	}
	ret = EXIT_USER;
	c = fathom_codegen(s, &d);
	if (!c)
		goto out;
	if (resolve_apply(c, &res)) {
		ret = EXIT_SYSTEM;
		goto out;
	}
	if (o->verbose)
		print_sizes(c, stderr);
	fathom_script_free(s);
	s = NULL;
	ret = run_script(o, c, &d, o->cmd ? &ch : NULL);
out:
	if (ch.pid)
		child_kill(&ch);
	resolution_free(&res);
	fathom_compiled_free(c);
	fathom_script_free(s);
	diag_fini(&d);
	return ret;
}

int main(int argc, char **argv)
{
	enum {
		OPT_INFO = 256,
		OPT_VERSION,
		OPT_FLIGHT,
		OPT_SNAPSHOT,
		OPT_NO_DEADMAN,
		OPT_OVERLOAD,
	};
	static const struct option longopts[] = {
		{ "info", no_argument, NULL, OPT_INFO },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ "flight-recorder", required_argument, NULL, OPT_FLIGHT },
		{ "snapshot", required_argument, NULL, OPT_SNAPSHOT },
		{ "no-deadman", no_argument, NULL, OPT_NO_DEADMAN },
		{ "overload", required_argument, NULL, OPT_OVERLOAD },
		{ NULL, 0, NULL, 0 },
	};
	struct tool_opts o = { .format = FATHOM_OUT_TEXT, .buffering = -1 };
	const char *name = FATHOM_EXPR_NAME, *text;
	bool list = false;
	char *buf = NULL;
	size_t len;
	int c, ret;

	while ((c = getopt_long(argc, argv, "+e:c:p:o:f:B:ldvqh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'e':
			o.program = optarg;
			break;
		case 'c':
			o.cmd = optarg;
			break;
		case 'p': {
			char *end, proc[64];
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v <= 0 || v > INT32_MAX)
				return user_error("-p %s: not a process id",
						  optarg);
			snprintf(proc, sizeof(proc), "/proc/%ld", v);
			if (access(proc, F_OK))
				return user_error("-p %s: no such process",
						  optarg);
			o.pid = (pid_t)v;
			break;
		}
		case 'o':
			o.out_path = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "text"))
				o.format = FATHOM_OUT_TEXT;
			else if (!strcmp(optarg, "json"))
				o.format = FATHOM_OUT_JSON;
			else
				return user_error(
					"-f %s: the formats are text and json",
					optarg);
			break;
		case 'B':
			if (!strcmp(optarg, "none"))
				o.buffering = _IONBF;
			else if (!strcmp(optarg, "line"))
				o.buffering = _IOLBF;
			else if (!strcmp(optarg, "full"))
				o.buffering = _IOFBF;
			else
				return user_error(
					"-B %s: the modes are none, line and full",
					optarg);
			break;
		case 'l':
			list = true;
			break;
		case 'd':
			o.dump = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'q':
			o.quiet = true;
			break;
		case OPT_FLIGHT:
			if (parse_size(optarg, &o.flight_size))
				return user_error(
					"--flight-recorder %s: a size, as in 4M",
					optarg);
			break;
		case OPT_SNAPSHOT:
			return cmd_snapshot(optarg);
		case OPT_NO_DEADMAN:
			o.no_deadman = true;
			break;
		case OPT_OVERLOAD: {
			char *end;
			unsigned long pct = strtoul(optarg, &end, 10);

			if (*end || pct < 1 || pct > 100)
				return user_error(
					"--overload %s: a percentage, 1 to 100",
					optarg);
			o.overload_pct = (uint32_t)pct;
			break;
		}
		case OPT_INFO:
			return cmd_info();
		case OPT_VERSION:
			printf("fathom %s (ABI %u)\n", FATHOM_VERSION,
			       FATHOM_ABI_VERSION);
			return EXIT_OK;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USER;
		}
	}
	if (list) {
		if (argc - optind > 1)
			return user_error("-l takes one pattern, not %s",
					  argv[optind + 1]);
		return cmd_list(optind < argc ? argv[optind] : NULL);
	}
	if (o.program) {
		/* as bpftrace: with -e, the remaining arguments are $1... */
		text = o.program;
		len = strlen(text);
	} else if (optind < argc) {
		o.file = argv[optind++];
		buf = read_file(o.file, &len);
		if (!buf) {
			fprintf(stderr, "%s: cannot read %s: %s\n", progname,
				o.file, strerror(errno));
			return EXIT_USER;
		}
		name = o.file;
		text = buf;
	} else {
		usage(stderr);
		return EXIT_USER;
	}
	/* what follows the program or the script file: $1, $2, ... */
	o.params = argv + optind;
	o.nparams = (unsigned int)(argc - optind);
	o.out = stdout;
	if (o.out_path) {
		o.out = fopen(o.out_path, "we");
		if (!o.out) {
			fprintf(stderr, "%s: cannot write %s: %s\n", progname,
				o.out_path, strerror(errno));
			free(buf);
			return EXIT_USER;
		}
	}
	/* as bpftrace: the terminal or pipe sees each line as it comes */
	if (o.buffering < 0 && o.out == stdout)
		o.buffering = _IOLBF;
	if (o.buffering >= 0)
		setvbuf(o.out, NULL, o.buffering, 0);
	ret = run(&o, name, text, len);
	if (o.out != stdout && fclose(o.out) && !ret) {
		fprintf(stderr, "%s: writing %s: %s\n", progname, o.out_path,
			strerror(errno));
		ret = EXIT_SYSTEM;
	}
	free(buf);
	return ret;
}
