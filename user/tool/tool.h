/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _FATHOM_USER_TOOL_H
#define _FATHOM_USER_TOOL_H

#include "nl.h"

/* Exit codes, as bpftrace users expect them to mean. */
enum {
	EXIT_OK = 0,
	EXIT_USER = 1,	 /* bad script, bad option, not allowed */
	EXIT_SYSTEM = 2, /* module missing, kernel refused, I/O */
};

extern const char *progname;

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

#endif /* _FATHOM_USER_TOOL_H */
