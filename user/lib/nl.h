/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libnl-3 plumbing for the "fathom" generic netlink family: open a socket,
 * resolve the family, send a request and collect the reply, the kernel's
 * errno and its extended-ACK message.
 */
#ifndef _FATHOM_USER_NL_H
#define _FATHOM_USER_NL_H

#include <stdint.h>
#include <netlink/genl/genl.h>

struct fathom_nl {
	struct nl_sock *sk;
	int family;
	/* from the last request: the kernel's errno (negative) and extack */
	int err;
	char errmsg[256];
	uint32_t err_attr_offset; /* 0 when the kernel named no attribute */
	/* called for notifications (SESSION_STOPPED) met while waiting */
	void (*notify)(struct nl_msg *msg, void *arg);
	void *notify_arg;
};

typedef int (*fathom_nl_parse_fn)(struct nl_msg *msg, void *arg);

/**
 * fathom_nl_open() - connect to the fathom family
 * @nl: handle to fill
 *
 * Return: 0; -ENOENT when the family is not registered (the module is not
 * loaded); another negative errno when netlink itself fails.
 */
int fathom_nl_open(struct fathom_nl *nl);

/** fathom_nl_close() - close the socket; safe on a handle never opened */
void fathom_nl_close(struct fathom_nl *nl);

/**
 * fathom_nl_msg() - a new request with the genl header filled in
 * @nl: open handle
 * @cmd: FATHOM_CMD_*
 * @flags: extra netlink flags (NLM_F_DUMP ...)
 *
 * Return: the message, or NULL when out of memory.
 */
struct nl_msg *fathom_nl_msg(struct fathom_nl *nl, uint8_t cmd, int flags);

/**
 * fathom_nl_msg_size() - fathom_nl_msg() with room for @size bytes
 * @nl: open handle
 * @cmd: FATHOM_CMD_*
 * @flags: extra netlink flags
 * @size: payload bytes to make room for (large SESSION_CREATEs)
 *
 * Return: the message, or NULL when out of memory.
 */
struct nl_msg *fathom_nl_msg_size(struct fathom_nl *nl, uint8_t cmd, int flags,
				  size_t size);

/**
 * fathom_nl_request() - send @msg, wait for its replies and ACK
 * @nl: open handle
 * @msg: request, consumed
 * @parse: called for each reply message, may be NULL
 * @arg: passed to @parse
 *
 * Return: 0, or the negative errno the kernel (or @parse) answered with;
 * the kernel's extended-ACK message is then in @nl->errmsg.
 */
int fathom_nl_request(struct fathom_nl *nl, struct nl_msg *msg,
		      fathom_nl_parse_fn parse, void *arg);

#endif /* _FATHOM_USER_NL_H */
