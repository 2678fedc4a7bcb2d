/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The relay API as kmod/relay.c uses it, on every supported kernel.
 *
 * The one difference that matters is the callback table: relay_open() takes
 * a const struct rchan_callbacks since 5.11. Before that, relay filled the
 * optional callbacks it was not given (buf_mapped, buf_unmapped) into the
 * caller's table, so the table has to stay writable there.
 * Kbuild.include defines FATHOM_HAVE_RELAY_CONST_CALLBACKS when the target's
 * <linux/relay.h> declares the const parameter; without it the table is
 * simply not const, which is correct on every kernel.
 *
 * Everything else kmod/relay.c calls (relay_open, relay_close,
 * relay_switch_subbuf, relay_buf_full, __relay_write,
 * subbuf_start_reserve, relay_file_operations) has had the same shape since
 * well before the 4.18 floor. Returning NULL instead of an ERR_PTR from
 * create_buf_file is what every version of relay understands.
 */
#ifndef _FATHOM_COMPAT_RELAY_H
#define _FATHOM_COMPAT_RELAY_H

#include <linux/relay.h>

#ifdef FATHOM_HAVE_RELAY_CONST_CALLBACKS
#define __fathom_relay_cb const
#else
#define FATHOM_COMPAT_NO_RELAY_CONST_CALLBACKS
#define __fathom_relay_cb
#endif /* FATHOM_HAVE_RELAY_CONST_CALLBACKS */

#endif /* _FATHOM_COMPAT_RELAY_H */
