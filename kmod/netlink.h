/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _FATHOM_NETLINK_H
#define _FATHOM_NETLINK_H

#include <net/genetlink.h>

extern struct genl_family fathom_genl_family;

/* Policies of the nested items, for nla_parse_nested() in the commands. */
extern const struct nla_policy fathom_prog_policy[];
extern const struct nla_policy fathom_map_policy[];
extern const struct nla_policy fathom_probe_policy[];

int fathom_cmd_session_create(struct sk_buff *skb, struct genl_info *info);
int fathom_cmd_session_ctl(struct sk_buff *skb, struct genl_info *info);
int fathom_cmd_session_get(struct sk_buff *skb, struct genl_info *info);
int fathom_cmd_session_list(struct sk_buff *skb, struct netlink_callback *cb);
int fathom_cmd_map_dump(struct sk_buff *skb, struct netlink_callback *cb);
int fathom_cmd_map_clear(struct sk_buff *skb, struct genl_info *info);
int fathom_cmd_snapshot(struct sk_buff *skb, struct genl_info *info);

void fathom_nl_reply_probe_error(struct genl_info *info, u32 probe, int err);

int fathom_netlink_init(void);
void fathom_netlink_uninit(void);

#endif /* _FATHOM_NETLINK_H */
