/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Generic netlink across kernel versions.
 *
 * - 6.2 split do/dump operations: pre_doit/post_doit take a
 *   struct genl_split_ops instead of a struct genl_ops.
 * - 6.1 added resv_start_op; commands at or above it get their reserved
 *   header fields and attributes validated strictly. All of fathom's
 *   commands are new, so all of them are strict.
 * - 6.7 moved a dump request's attributes into a struct genl_info.
 * - 5.10 added per-operation policies. Without them the family policy
 *   would have to be the union of all commands' policies plus a per-command
 *   allow list in pre_doit; fathom does not implement that path yet, so
 *   such kernels are refused at build time rather than validated loosely.
 */
#ifndef _FATHOM_COMPAT_GENETLINK_H
#define _FATHOM_COMPAT_GENETLINK_H

#include <net/genetlink.h>

#ifdef FATHOM_HAVE_GENL_SPLIT_OPS
typedef struct genl_split_ops fathom_genl_ops_t;
#else
#define FATHOM_COMPAT_NO_GENL_SPLIT_OPS
typedef struct genl_ops fathom_genl_ops_t;
#endif

#ifndef FATHOM_HAVE_GENL_OP_POLICY
#error "fathom needs per-operation generic netlink policies (Linux 5.10+)"
#endif

#ifdef FATHOM_HAVE_GENL_RESV_START_OP
#define FATHOM_GENL_RESV_START_OP(cmd)	.resv_start_op = (cmd),
#else
#define FATHOM_COMPAT_NO_GENL_RESV_START_OP
#define FATHOM_GENL_RESV_START_OP(cmd)
#endif

/* The parsed attributes of a dump request (6.7 moved them). */
static inline struct nlattr **fathom_genl_dump_attrs(struct netlink_callback *cb)
{
#ifdef FATHOM_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif /* FATHOM_HAVE_GENL_INFO_DUMP */
}

#endif /* _FATHOM_COMPAT_GENETLINK_H */
