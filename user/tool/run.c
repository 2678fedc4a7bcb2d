// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running a script: see run.h.
 *
 * The loop polls the relay files (100 ms at most between reads) and, once
 * a second, asks the module for the session's state: that is the deadman
 * heartbeat, and how a stop by the module (overload, deadman, a
 * flight-recorder SNAPSHOT) is noticed even when its notification comes
 * while no request is waiting.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fathom.h>
#include <netlink/genl/genl.h>

#include "api.h"
#include "codegen.h"
#include "output.h"
#include "usyms.h"
#include "relay.h"
#include "run.h"

static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t got_child;

static void on_signal(int sig)
{
	got_signal = sig;
}

static void on_sigchld(int sig)
{
	(void)sig;
	got_child = 1;
}

/* ---- the -c child ----------------------------------------------------- */

static bool needs_shell(const char *cmd)
{
	/*
	 * Only what a shell must interpret: "dd if=a of=b" or "cmd #1" run
	 * directly, as bpftrace runs them (a shell, even one that execs,
	 * makes syscalls of its own as cpid before the command starts).
	 */
	return strpbrk(cmd, "|&;<>()$`\\\"'*?[\n") != NULL;
}

int child_spawn(const char *cmd, struct child *ch)
{
	int fds[2];
	pid_t pid;

	memset(ch, 0, sizeof(*ch));
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (!pid) {
		char *argv[64], *copy, *save = NULL, *w;
		char c;
		int n = 0;

		close(fds[1]);
		/* wait for the go: a byte, or EOF when fathom gave up */
		if (read(fds[0], &c, 1) != 1)
			_exit(127);
		close(fds[0]);
		if (needs_shell(cmd)) {
			/*
			 * "exec": the shell becomes the command, so cpid is
			 * the command's pid (a shell may fork it otherwise)
			 */
			char *line = NULL;

			if (asprintf(&line, "exec %s", cmd) < 0)
				_exit(127);
			execl("/bin/sh", "sh", "-c", line, (char *)NULL);
		} else {
			copy = strdup(cmd);
			for (w = copy ? strtok_r(copy, " \t", &save) : NULL;
			     w && n < 63; w = strtok_r(NULL, " \t", &save))
				argv[n++] = w;
			argv[n] = NULL;
			if (n)
				execvp(argv[0], argv);
		}
		fprintf(stderr, "%s: cannot run '%s': %s\n", progname, cmd,
			strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	ch->pid = pid;
	ch->go_fd = fds[1];
	return 0;
}

void child_go(struct child *ch)
{
	if (ch->go_fd > 0) {
		if (write(ch->go_fd, "g", 1) != 1)
			fprintf(stderr, "%s: cannot start the command: %s\n",
				progname, strerror(errno));
		close(ch->go_fd);
		ch->go_fd = -1;
	}
}

static bool child_reap(struct child *ch, bool block)
{
	pid_t r;

	if (!ch || !ch->pid || ch->exited)
		return ch && ch->exited;
	do
		r = waitpid(ch->pid, &ch->status, block ? 0 : WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == ch->pid || (r < 0 && errno == ECHILD))
		ch->exited = true;
	return ch->exited;
}

void child_kill(struct child *ch)
{
	if (!ch || !ch->pid)
		return;
	if (ch->go_fd > 0) {
		/* never started: EOF on the pipe makes it exit */
		close(ch->go_fd);
		ch->go_fd = -1;
	} else if (!child_reap(ch, false)) {
		kill(ch->pid, SIGTERM);
	}
	child_reap(ch, true);
}

/* ---- the session ------------------------------------------------------ */

struct run {
	const struct tool_opts *o;
	struct fathom_compiled *c;
	struct fathom_nl nl;
	uint32_t sid;
	struct fathom_out *out;
	struct fathom_usyms *usyms; /* user stacks' symbols */
	bool has_ustacks;	    /* a STACK map of user stacks exists */
	bool has_usyms;		    /* a map with usym() keys or values */
	struct fathom_relay_reader *rd;
	bool exit_req;	  /* exit() */
	int exit_code;	  /* exit(N) */
	bool kernel_stop; /* the module stopped the session */
	uint32_t stop_reason;
	int err; /* an exit code for a failure while running */
};

static void on_notify(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[FATHOM_A_MAX + 1];
	struct run *r = arg;

	if (gh->cmd != FATHOM_CMD_SESSION_STOPPED ||
	    genlmsg_parse(nlh, 0, tb, FATHOM_A_MAX, NULL) ||
	    !tb[FATHOM_A_SESSION_ID] ||
	    nla_get_u32(tb[FATHOM_A_SESSION_ID]) != r->sid)
		return;
	r->kernel_stop = true;
	if (tb[FATHOM_A_SESSION_STOP_REASON])
		r->stop_reason = nla_get_u32(tb[FATHOM_A_SESSION_STOP_REASON]);
}

struct dump_arg {
	struct run *r;
	struct fathom_mapdata *md;
	uint32_t map;
	int err;
};

static void dump_entry(uint32_t cpu, const void *key, uint32_t key_size,
		       const void *value, uint32_t value_size, void *arg)
{
	struct dump_arg *a = arg;
	int err;

	if (a->md) {
		err = fathom_mapdata_add(a->md, cpu, key, key_size, value,
					 value_size);
	} else {
		/* a STACK map: key { u32 nr; u32 tgid; u64 ips[] }, value id */
		uint32_t nr, tgid;
		uint64_t id;

		if (key_size < 8 || value_size < 8)
			return;
		memcpy(&nr, key, 4);
		memcpy(&tgid, (const uint8_t *)key + 4, 4);
		memcpy(&id, value, 8);
		if (nr > (key_size - 8) / 8)
			nr = (key_size - 8) / 8;
		if (a->r->c->map_info[a->map - 1].user_stack)
			err = fathom_out_ustack_add(a->r->out, a->map, id, tgid,
						    (const uint64_t *)key + 1,
						    nr);
		else
			err = fathom_out_stack_add(a->r->out, a->map, id,
						   (const uint64_t *)key + 1,
						   nr);
	}
	if (err && !a->err)
		a->err = err;
}

static int load_stacks(struct run *r)
{
	uint32_t i;

	for (i = 0; i < r->c->nr_maps; i++) {
		struct dump_arg a = { .r = r, .map = i + 1 };

		if (!r->c->map_info[i].is_stack)
			continue;
		if (fathom_map_dump(&r->nl, r->sid, i + 1, dump_entry, &a))
			return tool_kernel_error(&r->nl, "MAP_DUMP");
	}
	return 0;
}

/* A map entry's usym() components: learn their processes' mappings. */
static void usym_entry(uint32_t cpu, const void *key, uint32_t key_size,
		       const void *value, uint32_t value_size, void *arg)
{
	struct dump_arg *a = arg;
	const struct fathom_cmap *info = &a->r->c->map_info[a->map - 1];
	const uint8_t *k = key, *v = value;
	uint32_t i, tgid;

	(void)cpu;
	for (i = 0; i < info->nkeys; i++) {
		if (info->keys[i].kind != TYPE_USYM ||
		    info->key_off[i] + 16 > key_size)
			continue;
		memcpy(&tgid, k + info->key_off[i] + 8, 4);
		if (tgid)
			fathom_usyms_format(a->r->usyms, tgid, 0,
					    FATHOM_USYM_CAPTURE, NULL, 0);
	}
	if (info->value.kind == TYPE_USYM && value_size >= 16) {
		memcpy(&tgid, v + 8, 4);
		if (tgid)
			fathom_usyms_format(a->r->usyms, tgid, 0,
					    FATHOM_USYM_CAPTURE, NULL, 0);
	}
}

/*
 * usym() keys and values are printed at the end, when their processes
 * may be gone: snapshot the mappings of the processes they name while
 * they live (once per process).
 */
static int capture_usyms(struct run *r)
{
	uint32_t i, k;

	for (i = 0; i < r->c->nr_maps && r->usyms; i++) {
		const struct fathom_cmap *info = &r->c->map_info[i];
		struct dump_arg a = { .r = r, .map = i + 1 };
		bool has = info->value.kind == TYPE_USYM;

		for (k = 0; k < info->nkeys; k++)
			has |= info->keys[k].kind == TYPE_USYM;
		if (!has)
			continue;
		if (fathom_map_dump(&r->nl, r->sid, i + 1, usym_entry, &a))
			return tool_kernel_error(&r->nl, "MAP_DUMP");
	}
	return 0;
}

/* @stacks: load the stacks first (a map's stack keys and values are
 * shown through their ids) */
static int print_map(struct run *r, uint32_t id, bool stacks)
{
	struct dump_arg a = { .r = r, .map = id };
	int ret;

	if (id < 1 || id > r->c->nr_maps || r->c->map_info[id - 1].is_stack)
		return 0;
	if (stacks) {
		ret = load_stacks(r);
		if (ret)
			return ret;
	}
	a.md = fathom_mapdata_new(r->out, id);
	if (!a.md)
		return EXIT_SYSTEM;
	if (fathom_map_dump(&r->nl, r->sid, id, dump_entry, &a)) {
		fathom_mapdata_free(a.md);
		return tool_kernel_error(&r->nl, "MAP_DUMP");
	}
	if (a.err)
		fprintf(stderr, "%s: map %s: %s\n", progname,
			r->c->map_info[id - 1].name, strerror(-a.err));
	fathom_out_map(r->out, a.md);
	fathom_mapdata_free(a.md);
	return 0;
}

static int on_record(const struct fathom_record_hdr *hdr, const void *payload,
		     size_t len, void *arg)
{
	struct run *r = arg;
	uint32_t action, marg;
	int ret;

	if (hdr->kind != FATHOM_REC_EMIT)
		return 0;
	ret = fathom_out_record(r->out, payload, len);
	if (ret <= 0) {
		if (ret < 0)
			fprintf(stderr,
				"%s: a record does not match its format\n",
				progname);
		return 0;
	}
	if (len < 8)
		return 0;
	memcpy(&action, payload, 4);
	memcpy(&marg, (const char *)payload + 4, 4);
	switch (action) {
	case FATHOM_ACTION_PRINT:
		ret = print_map(r, marg, true);
		if (ret)
			r->err = ret;
		break;
	case FATHOM_ACTION_CLEAR:
	case FATHOM_ACTION_ZERO:
		if (fathom_map_clear(&r->nl, r->sid, marg,
				     action == FATHOM_ACTION_ZERO
					     ? FATHOM_MAP_CLEAR_F_ZERO
					     : 0))
			r->err = tool_kernel_error(&r->nl, "MAP_CLEAR");
		break;
	case FATHOM_ACTION_EXIT:
		if (!r->exit_req)
			r->exit_code = (int)(marg & 0xff);
		r->exit_req = true;
		break;
	default:
		break;
	}
	return 0;
}

static const char *stop_reason_msg(uint32_t reason)
{
	switch (reason) {
	case FATHOM_STOP_OVERLOAD:
		return "the probes used more CPU time than the module's overload budget (overload_pct); trace less, or filter with a predicate";
	case FATHOM_STOP_DEADMAN:
		return "this command did not answer the module in time (deadman_ms)";
	case FATHOM_STOP_SNAPSHOT:
		return NULL;
	default:
		return "stopped by the module";
	}
}

/* Is the session still running? Also the deadman heartbeat. */
static int check_session(struct run *r)
{
	struct fathom_session_info info;

	if (fathom_session_get(&r->nl, r->sid, &info))
		return tool_kernel_error(&r->nl, "SESSION_GET");
	if (info.state == FATHOM_STATE_STOPPED && !r->kernel_stop) {
		r->kernel_stop = true;
		r->stop_reason = info.stop_reason;
	}
	fathom_session_info_free(&info);
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct fathom_relay_reader *open_relay(const char *rel)
{
	struct fathom_relay_reader *rd;
	char dir[512];

	if (fathom_relay_debugfs_path(rel, dir, sizeof(dir))) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	rd = fathom_relay_reader_open(dir);
	if (!rd && errno == ENOENT &&
	    mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) == 0 &&
	    !fathom_relay_debugfs_path(rel, dir, sizeof(dir)))
		rd = fathom_relay_reader_open(dir);
	return rd;
}

static void set_signals(void)
{
	struct sigaction sa = { 0 };

	/* no SA_RESTART: poll() returns at once */
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_sigchld;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
}

static int create_error(struct run *r, struct diag_sink *d,
			const struct fathom_create_result *res)
{
	if (res->verifier_prog >= 0 &&
	    (uint32_t)res->verifier_prog < r->c->nr_progs) {
		const struct fathom_cprog *p = &r->c->progs[res->verifier_prog];
		struct src_loc loc = { 0 };

		if (res->verifier_insn >= 0 &&
		    (uint32_t)res->verifier_insn < p->len)
			loc = p->locs[res->verifier_insn];
		diag_error(
			d, loc,
			"the module's verifier rejects the program of '%s' at instruction %d: %s",
			p->name, res->verifier_insn,
			res->verifier_log[0] ? res->verifier_log
					     : r->nl.errmsg);
		return EXIT_USER;
	}
	if (res->failed_probe >= 0 &&
	    (uint32_t)res->failed_probe < r->c->nr_probe_names) {
		int err = r->nl.err < 0 ? -r->nl.err : EIO;

		fprintf(stderr, "%s: cannot attach %s: %s%s%s\n", progname,
			r->c->probe_names[res->failed_probe], strerror(err),
			r->nl.errmsg[0] ? ": " : "", r->nl.errmsg);
		return err == ENOMEM ? EXIT_SYSTEM : EXIT_USER;
	}
	return tool_kernel_error(&r->nl, "SESSION_CREATE");
}

static void spec_from(const struct tool_opts *o,
		      const struct fathom_compiled *c,
		      struct fathom_session_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->progs = c->prog_specs;
	spec->nr_progs = c->nr_progs;
	spec->maps = c->maps;
	spec->nr_maps = c->nr_maps;
	spec->probes = c->probes;
	spec->nr_probes = c->nr_probes;
	spec->mode = o->flight_size ? FATHOM_MODE_FLIGHT : FATHOM_MODE_STREAM;
	if (o->flight_size) {
		uint64_t sb = o->flight_size / 8 & ~4095ull;

		spec->n_subbufs = 8;
		spec->subbuf_size = sb < 4096 ? 4096 : (uint32_t)sb;
	}
	spec->deadman_ms = o->deadman_ms;
	spec->overload_pct = o->overload_pct;
	spec->no_deadman = o->no_deadman;
}

/* The end: STOP (END probes run), drain, maps, lost records, DESTROY. */
static int finish(struct run *r, bool running)
{
	struct fathom_session_info info;
	uint32_t i, n = 0, *order;
	int ret = 0, rc;

	if (running &&
	    fathom_session_cmd(&r->nl, FATHOM_CMD_SESSION_STOP, r->sid) &&
	    r->nl.err != -EALREADY)
		ret = tool_kernel_error(&r->nl, "SESSION_STOP");
	if (r->rd) {
		rc = fathom_relay_reader_drain(r->rd, on_record, r);
		if (rc < 0)
			fprintf(stderr, "%s: reading the records: %s\n",
				progname, fathom_relay_reader_error(r->rd));
	}
	fathom_out_exit_banner(r->out);
	/* as bpftrace: maps in the order of their names */
	order = calloc(r->c->nr_maps + 1, sizeof(*order));
	if (!order) {
		ret = EXIT_SYSTEM;
	} else {
		n = fathom_out_map_order(r->c, order);
		ret = load_stacks(r);
		if (!ret && r->has_usyms)
			ret = capture_usyms(r);
	}
	for (i = 0; i < n && !ret; i++)
		ret = print_map(r, order[i], false);
	free(order);
	if (!fathom_session_get(&r->nl, r->sid, &info)) {
		if (info.stats.drop_relay)
			fathom_out_lost(r->out, info.stats.drop_relay);
		fathom_session_info_free(&info);
	}
	if (fathom_session_cmd(&r->nl, FATHOM_CMD_SESSION_DESTROY, r->sid) &&
	    !ret)
		ret = tool_kernel_error(&r->nl, "SESSION_DESTROY");
	return ret;
}

int run_script(const struct tool_opts *o, struct fathom_compiled *c,
	       struct diag_sink *d, struct child *ch)
{
	struct fathom_create_result res;
	struct fathom_session_spec spec;
	struct run r = { .o = o, .c = c };
	bool flight = o->flight_size != 0;
	uint64_t last_check;
	uint32_t i;
	int ret;

	ret = tool_open(&r.nl);
	if (ret)
		return ret;
	r.nl.notify = on_notify;
	r.nl.notify_arg = &r;
	set_signals();
	spec_from(o, c, &spec);
	if (fathom_session_create(&r.nl, &spec, &res)) {
		ret = create_error(&r, d, &res);
		goto out_close;
	}
	r.sid = res.session_id;
	r.out = fathom_out_new(o->out, o->format, c);
	if (!r.out) {
		ret = EXIT_SYSTEM;
		goto out_destroy;
	}
	r.usyms = fathom_usyms_new();
	if (r.usyms)
		fathom_out_set_usyms(r.out, fathom_usyms_format, r.usyms);
	for (i = 0; i < c->nr_maps; i++) {
		const struct fathom_cmap *info = &c->map_info[i];
		uint32_t k;

		if (info->is_stack && info->user_stack)
			r.has_ustacks = true;
		if (info->value.kind == TYPE_USYM)
			r.has_usyms = true;
		for (k = 0; k < info->nkeys; k++)
			if (info->keys[k].kind == TYPE_USYM)
				r.has_usyms = true;
	}
	r.rd = open_relay(res.relay_dir);
	if (!r.rd) {
		fprintf(stderr,
			"%s: cannot open the relay files of session %u (%s): %s\n",
			progname, r.sid, res.relay_dir, strerror(errno));
		ret = EXIT_SYSTEM;
		goto out_destroy;
	}
	if (!o->quiet)
		fathom_out_attached(r.out, c->nr_probes);
	if (flight)
		fprintf(stderr,
			"%s: flight recorder: session %u; 'fathom --snapshot %u' prints what it holds\n",
			progname, r.sid, r.sid);
	fflush(o->out);
	if (fathom_session_cmd(&r.nl, FATHOM_CMD_SESSION_START, r.sid)) {
		ret = tool_kernel_error(&r.nl, "SESSION_START");
		goto out_destroy;
	}
	if (ch)
		child_go(ch);
	last_check = now_ms();
	while (!got_signal && !r.exit_req && !r.kernel_stop && !r.err) {
		if (ch && (got_child || !ch->exited) && child_reap(ch, false))
			break;
		if (flight) {
			usleep(100000);
		} else {
			ret = fathom_relay_reader_poll(r.rd, 100, on_record,
						       &r);
			if (ret < 0) {
				fprintf(stderr, "%s: reading the records: %s\n",
					progname,
					fathom_relay_reader_error(r.rd));
				r.err = EXIT_SYSTEM;
				break;
			}
		}
		if (now_ms() - last_check >= 1000) {
			last_check = now_ms();
			ret = check_session(&r);
			/*
			 * user stacks: learn their processes' mappings while
			 * the processes still live
			 */
			if (!ret && r.has_ustacks)
				ret = load_stacks(&r);
			if (!ret && r.has_usyms)
				ret = capture_usyms(&r);
			if (ret) {
				r.err = ret;
				break;
			}
		}
	}
	if (r.kernel_stop && stop_reason_msg(r.stop_reason))
		fprintf(stderr, "%s: session %u stopped: %s\n", progname, r.sid,
			stop_reason_msg(r.stop_reason));
	ret = finish(&r, !r.kernel_stop);
	if (!ret)
		ret = r.err ? r.err : r.exit_code;
	if (r.kernel_stop && r.stop_reason != FATHOM_STOP_SNAPSHOT && !ret)
		ret = EXIT_SYSTEM;
	r.sid = 0;
out_destroy:
	if (r.sid)
		fathom_session_cmd(&r.nl, FATHOM_CMD_SESSION_DESTROY, r.sid);
	fathom_relay_reader_close(r.rd);
	if (r.out) {
		fflush(o->out);
		fathom_out_free(r.out);
	}
	fathom_usyms_free(r.usyms);
out_close:
	fathom_nl_close(&r.nl);
	if (ch)
		child_kill(ch);
	return ret;
}

/* ---- fathom --snapshot ------------------------------------------------ */

struct find_arg {
	uint32_t id;
	bool found;
	uint32_t owner;
};

static void find_session(const struct fathom_session_info *info, void *arg)
{
	struct find_arg *a = arg;

	if (info->id == a->id) {
		a->found = true;
		a->owner = info->owner_pid;
	}
}

int cmd_snapshot(const char *session)
{
	struct find_arg a = { 0 };
	struct fathom_nl nl;
	char *end;
	unsigned long id;
	int ret, i;

	errno = 0;
	id = strtoul(session, &end, 10);
	if (errno || *end || !*session || !id || id > UINT32_MAX) {
		fprintf(stderr, "%s: --snapshot %s: not a session id\n",
			progname, session);
		return EXIT_USER;
	}
	ret = tool_open(&nl);
	if (ret)
		return ret;
	a.id = (uint32_t)id;
	if (fathom_session_cmd(&nl, FATHOM_CMD_SNAPSHOT, a.id)) {
		ret = nl.err == -ENOENT || nl.err == -EINVAL
			      ? (tool_kernel_error(&nl, "SNAPSHOT"), EXIT_USER)
			      : tool_kernel_error(&nl, "SNAPSHOT");
		goto out;
	}
	/* the owner prints the records (it has the formats), then exits */
	for (i = 0; i < 100; i++) {
		a.found = false;
		if (fathom_session_list(&nl, find_session, &a)) {
			ret = tool_kernel_error(&nl, "SESSION_LIST");
			goto out;
		}
		if (!a.found)
			break;
		usleep(100000);
	}
	if (a.found)
		fprintf(stderr,
			"%s: session %lu is frozen; its owner (pid %u) has not written it out yet\n",
			progname, id, a.owner);
	ret = EXIT_OK;
out:
	fathom_nl_close(&nl);
	return ret;
}
