/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _FATHOM_NETLINK_H
#define _FATHOM_NETLINK_H

int fathom_netlink_init(void);
void fathom_netlink_uninit(void);

#endif /* _FATHOM_NETLINK_H */
