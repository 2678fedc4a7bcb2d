/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Running a compiled script against the module: create the session,
 * START, stream records to the output, act on print/clear/zero/exit, and
 * at the end (exit(), Ctrl-C, SIGTERM, the -c command exiting, the module
 * stopping the session) STOP, drain, print the maps, DESTROY.
 */
#ifndef _FATHOM_USER_TOOL_RUN_H
#define _FATHOM_USER_TOOL_RUN_H

#include <sys/types.h>

#include "diag.h"
#include "tool.h"

struct fathom_compiled;

/* The -c command: forked at once, held before exec until the go. */
struct child {
	pid_t pid;   /* 0: none */
	int go_fd;   /* write end of the pipe the child waits on */
	int status;  /* wait status once reaped */
	bool exited; /* reaped */
};

/**
 * child_spawn() - fork @cmd, held before its exec
 * @cmd: command line; split on blanks, or run by /bin/sh when it uses
 *	shell syntax
 * @ch: the child
 *
 * Return: 0 or a negative errno.
 */
int child_spawn(const char *cmd, struct child *ch);

/** child_go() - let the child exec */
void child_go(struct child *ch);

/** child_kill() - end a child that is still running, and reap it */
void child_kill(struct child *ch);

/**
 * run_script() - run @c until it ends, printing to @o->out
 * @o: options
 * @c: compiled, with resolved probes
 * @d: the script's diagnostics, for verifier rejections
 * @ch: the -c child, or NULL
 *
 * Return: the exit code.
 */
int run_script(const struct tool_opts *o, struct fathom_compiled *c,
	       struct diag_sink *d, struct child *ch);

/**
 * cmd_snapshot() - fathom --snapshot SESSION: freeze a flight recorder;
 * the fathom process that owns it prints what it held
 * @session: session id as written
 *
 * Return: the exit code.
 */
int cmd_snapshot(const char *session);

#endif /* _FATHOM_USER_TOOL_RUN_H */
