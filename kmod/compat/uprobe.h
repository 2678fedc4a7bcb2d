/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The uprobe API across kernel versions.
 *
 * Registering: uprobe_register_refctr() takes a USDT semaphore offset from
 * 4.20 to 6.10 (none before), 6.11 folds it into uprobe_register(), and
 * 6.12 makes uprobe_register() return the struct uprobe that unregistering
 * then takes. Unregistering waits for the consumer's running handlers
 * until 6.12, which splits it into uprobe_unregister_nosync() per consumer
 * and one uprobe_unregister_sync() for a whole batch.
 *
 * Consumer callbacks: filter() is told why it is asked until 6.12;
 * handler() and ret_handler() get a __u64 *data from 6.13. The user of
 * this header implements fathom_uprobe_handler(), fathom_uprobe_ret_handler()
 * and fathom_uprobe_filter() once, with the signatures below, and
 * fathom_uprobe_consumer_init() installs them through thunks of the
 * running kernel's signatures.
 */
#ifndef _FATHOM_COMPAT_UPROBE_H
#define _FATHOM_COMPAT_UPROBE_H

#include <linux/err.h>
#include <linux/string.h>
#include <linux/uprobes.h>

int fathom_uprobe_handler(struct uprobe_consumer *uc, struct pt_regs *regs);
int fathom_uprobe_ret_handler(struct uprobe_consumer *uc, unsigned long func,
			      struct pt_regs *regs);
bool fathom_uprobe_filter(struct uprobe_consumer *uc, struct mm_struct *mm);

#ifdef FATHOM_HAVE_UPROBE_HANDLER_DATA
static inline int fathom_uprobe_handler_thunk(struct uprobe_consumer *uc,
					      struct pt_regs *regs,
					      __u64 *data)
{
	return fathom_uprobe_handler(uc, regs);
}

static inline int fathom_uprobe_ret_handler_thunk(struct uprobe_consumer *uc,
						  unsigned long func,
						  struct pt_regs *regs,
						  __u64 *data)
{
	return fathom_uprobe_ret_handler(uc, func, regs);
}
#else
#define FATHOM_COMPAT_NO_UPROBE_HANDLER_DATA
#define fathom_uprobe_handler_thunk fathom_uprobe_handler
#define fathom_uprobe_ret_handler_thunk fathom_uprobe_ret_handler
#endif /* FATHOM_HAVE_UPROBE_HANDLER_DATA */

#ifdef FATHOM_HAVE_UPROBE_FILTER_CTX
static inline bool fathom_uprobe_filter_thunk(struct uprobe_consumer *uc,
					      enum uprobe_filter_ctx ctx,
					      struct mm_struct *mm)
{
	return fathom_uprobe_filter(uc, mm);
}
#else
#define fathom_uprobe_filter_thunk fathom_uprobe_filter
#endif /* FATHOM_HAVE_UPROBE_FILTER_CTX */

/**
 * fathom_uprobe_consumer_init() - a fresh consumer, ready to register
 * @uc: the consumer
 * @entry: call fathom_uprobe_handler() when the instruction is hit
 * @ret: call fathom_uprobe_ret_handler() when the function returns
 * @filter: ask fathom_uprobe_filter() which processes get breakpoints
 */
static inline void fathom_uprobe_consumer_init(struct uprobe_consumer *uc,
					       bool entry, bool ret,
					       bool filter)
{
	memset(uc, 0, sizeof(*uc));
	if (entry)
		uc->handler = fathom_uprobe_handler_thunk;
	if (ret)
		uc->ret_handler = fathom_uprobe_ret_handler_thunk;
	if (filter)
		uc->filter = fathom_uprobe_filter_thunk;
}

/*
 * fathom_uprobe_register() - register @uc at @offset in @inode
 *
 * The caller keeps @inode and its mount referenced until unregistering.
 * *@handle is what fathom_uprobe_unregister_nosync() needs (NULL before
 * 6.12). Return: 0 or a negative errno; -EOPNOTSUPP for a semaphore on a
 * kernel without them.
 */
#if defined(FATHOM_HAVE_UPROBE_REGISTER_HANDLE)
static inline int fathom_uprobe_register(struct inode *inode, loff_t offset,
					 loff_t ref_ctr_offset,
					 struct uprobe_consumer *uc,
					 struct uprobe **handle)
{
	struct uprobe *u = uprobe_register(inode, offset, ref_ctr_offset, uc);

	if (IS_ERR(u))
		return PTR_ERR(u);
	*handle = u;
	return 0;
}

static inline void fathom_uprobe_unregister_nosync(struct inode *inode,
						   loff_t offset,
						   struct uprobe_consumer *uc,
						   struct uprobe *handle)
{
	uprobe_unregister_nosync(handle, uc);
}

static inline void fathom_uprobe_unregister_sync(void)
{
	uprobe_unregister_sync();
}
#else
#define FATHOM_COMPAT_NO_UPROBE_REGISTER_HANDLE
static inline int fathom_uprobe_register(struct inode *inode, loff_t offset,
					 loff_t ref_ctr_offset,
					 struct uprobe_consumer *uc,
					 struct uprobe **handle)
{
	*handle = NULL;
#if defined(FATHOM_HAVE_UPROBE_REGISTER_REF_CTR_ARG)
	return uprobe_register(inode, offset, ref_ctr_offset, uc);
#elif defined(FATHOM_HAVE_UPROBE_REGISTER_REFCTR)
	return uprobe_register_refctr(inode, offset, ref_ctr_offset, uc);
#else
	if (ref_ctr_offset)
		return -EOPNOTSUPP;
	return uprobe_register(inode, offset, uc);
#endif
}

/*
 * Takes the consumer out under the uprobe's register_rwsem, which every
 * handler run holds: no handler of @uc runs once this returns.
 */
static inline void fathom_uprobe_unregister_nosync(struct inode *inode,
						   loff_t offset,
						   struct uprobe_consumer *uc,
						   struct uprobe *handle)
{
	uprobe_unregister(inode, offset, uc);
}

static inline void fathom_uprobe_unregister_sync(void)
{
}
#endif /* FATHOM_HAVE_UPROBE_REGISTER_HANDLE */

#endif /* _FATHOM_COMPAT_UPROBE_H */
