/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Who may drive fathom: CAP_SYS_ADMIN, or CAP_PERFMON where the kernel has
 * it (5.8). Checked against the netlink socket's opener as well as the
 * sender (netlink_capable), so a privileged process cannot be tricked into
 * writing to a socket an unprivileged one opened.
 */
#ifndef _FATHOM_COMPAT_CAPABILITY_H
#define _FATHOM_COMPAT_CAPABILITY_H

#include <linux/capability.h>
#include <linux/netlink.h>

static inline bool fathom_netlink_capable(const struct sk_buff *skb)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return true;
#ifdef CAP_PERFMON
	if (netlink_capable(skb, CAP_PERFMON))
		return true;
#endif /* CAP_PERFMON */
	return false;
}

#endif /* _FATHOM_COMPAT_CAPABILITY_H */
