/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _FATHOM_USER_TOOL_H
#define _FATHOM_USER_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "nl.h"

/* Exit codes, as bpftrace users expect them to mean. */
enum {
	EXIT_OK = 0,
	EXIT_USER = 1,	 /* bad script, bad option, not allowed */
	EXIT_SYSTEM = 2, /* module missing, kernel refused, I/O */
};

extern const char *progname;

/* What the command line asked for (main.c). */
struct tool_opts {
	const char *program;   /* -e */
	const char *file;      /* script file */
	const char *cmd;       /* -c */
	const char *out_path;  /* -o */
	pid_t pid;	       /* -p, 0: none */
	int format;	       /* enum fathom_out_format */
	int buffering;	       /* -B: _IONBF, _IOLBF, _IOFBF, -1: default */
	uint64_t flight_size;  /* --flight-recorder bytes, 0: stream */
	bool dump;	       /* -d */
	bool verbose;	       /* -v */
	bool quiet;	       /* -q */
	bool no_deadman;       /* --no-deadman */
	uint32_t deadman_ms;   /* --deadman MS, 0: module default */
	uint32_t overload_pct; /* --overload PCT, 0: module default */
	FILE *out;	       /* stdout or the -o file */
	char **params;	       /* $1.. : the arguments after the script */
	unsigned int nparams;
};

/**
 * tool_open() - connect to the module, explaining any failure on stderr
 * @nl: handle to open
 *
 * Return: EXIT_OK, or the exit code the tool should end with.
 */
int tool_open(struct fathom_nl *nl);

/**
 * tool_kernel_error() - report a failed request on stderr
 * @nl: handle holding the kernel's errno and extended-ACK message
 * @what: what was being done ("GET_INFO")
 *
 * Return: the exit code the tool should end with.
 */
int tool_kernel_error(const struct fathom_nl *nl, const char *what);

int cmd_info(void);

/**
 * cmd_list() - fathom -l [PATTERN]: print matching probes, one a line
 * @pattern: "kprobe:vfs_*", "tracepoint:sched:*", "uprobe:/bin/bash:*",
 *	a bare pattern (kprobes and tracepoints), or NULL for everything
 *
 * Return: an exit code.
 */
int cmd_list(const char *pattern);

#endif /* _FATHOM_USER_TOOL_H */
