// SPDX-License-Identifier: GPL-2.0-only
/*
 * libnl-3 does the socket, the family lookup and message building; what it
 * lacks (in the 3.7 Debian ships) is extended-ACK parsing, done here from
 * the error message's TLVs.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <linux/fathom.h>

#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int fathom_nl_open(struct fathom_nl *nl)
{
	int one = 1;
	int ret;

	memset(nl, 0, sizeof(*nl));
	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;
	ret = genl_connect(nl->sk);
	if (ret < 0) {
		ret = -EIO;
		goto out_free;
	}
	/* Ask for error messages, and for them without our request echoed. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one,
		   sizeof(one));
	/*
	 * Read each message whole whatever its size: a MAP_DUMP message holds
	 * at least one entry, and an LHIST entry alone is over 8 KiB.
	 */
	nl_socket_enable_msg_peek(nl->sk);

	nl->family = genl_ctrl_resolve(nl->sk, FATHOM_GENL_NAME);
	if (nl->family < 0) {
		ret = nl->family == -NLE_OBJ_NOTFOUND ? -ENOENT : -EIO;
		goto out_free;
	}
	return 0;

out_free:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return ret;
}

void fathom_nl_close(struct fathom_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

struct nl_msg *fathom_nl_msg(struct fathom_nl *nl, uint8_t cmd, int flags)
{
	return fathom_nl_msg_size(nl, cmd, flags, 0);
}

struct nl_msg *fathom_nl_msg_size(struct fathom_nl *nl, uint8_t cmd, int flags,
				  size_t size)
{
	struct nl_msg *msg = size ? nlmsg_alloc_size(size + 4096)
				  : nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 NLM_F_REQUEST | flags, cmd, FATHOM_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct request {
	struct fathom_nl *nl;
	uint32_t seq;
	fathom_nl_parse_fn parse;
	void *arg;
	int done;
	int err;
};

/* The extended ACK's TLVs follow struct nlmsgerr (and the echoed request,
 * unless the kernel capped it).
 */
static void parse_extack(struct fathom_nl *nl, const struct nlmsghdr *hdr,
			 const struct nlmsgerr *e)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);
	size_t len = hdr->nlmsg_len - NLMSG_HDRLEN;

	if (!(hdr->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(hdr->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	if (off >= len)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((const char *)e + off),
		      (int)(len - off), NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(nl->errmsg, tb[NLMSGERR_ATTR_MSG],
			    sizeof(nl->errmsg));
	if (tb[NLMSGERR_ATTR_OFFS])
		nl->err_attr_offset = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct request *r = arg;
	const struct nlmsghdr *hdr =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);

	(void)who;
	r->err = e->error;
	r->done = 1;
	parse_extack(r->nl, hdr, e);
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct request *r = arg;

	(void)msg;
	r->done = 1;
	return NL_STOP;
}

/*
 * NLMSG_DONE ends a dump; an error in the dump itself (no such session...)
 * arrives as a negative errno in its payload, followed by extended-ACK
 * TLVs when NLM_F_ACK_TLVS is set.
 */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct request *r = arg;
	struct nlmsghdr *hdr = nlmsg_hdr(msg);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	int len = (int)hdr->nlmsg_len - NLMSG_HDRLEN;
	int err;

	r->done = 1;
	if (len < (int)sizeof(int))
		return NL_STOP;
	memcpy(&err, nlmsg_data(hdr), sizeof(err));
	if (err >= 0)
		return NL_STOP;
	r->err = err;
	if ((hdr->nlmsg_flags & NLM_F_ACK_TLVS) && len > (int)sizeof(int) &&
	    nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlmsg_data(hdr) + sizeof(int)),
		      len - (int)sizeof(int), NULL) >= 0 &&
	    tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(r->nl->errmsg, tb[NLMSGERR_ATTR_MSG],
			    sizeof(r->nl->errmsg));
	return NL_STOP;
}

/* Notifications (sequence 0) may arrive between a request and its reply. */
static int on_seq_check(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct request *r = arg;
	int ret;

	if (nlmsg_hdr(msg)->nlmsg_seq != r->seq) {
		if (r->nl->notify)
			r->nl->notify(msg, r->nl->notify_arg);
		return NL_OK;
	}

	if (!r->parse || r->err)
		return NL_OK;
	ret = r->parse(msg, r->arg);
	if (ret < 0)
		r->err = ret;
	return NL_OK;
}

int fathom_nl_request(struct fathom_nl *nl, struct nl_msg *msg,
		      fathom_nl_parse_fn parse, void *arg)
{
	struct request r = { .nl = nl, .parse = parse, .arg = arg };
	struct nl_cb *cb;
	int ret;

	nl->err = 0;
	nl->errmsg[0] = '\0';
	nl->err_attr_offset = 0;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &r);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &r);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, on_seq_check, &r);

	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	ret = nl_send_auto(nl->sk, msg);
	r.seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (ret < 0) {
		ret = -EIO;
		goto out;
	}
	while (!r.done) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0 && !r.done) {
			ret = -EIO;
			goto out;
		}
	}
	ret = r.err;
out:
	nl->err = ret;
	nl_cb_put(cb);
	return ret;
}
