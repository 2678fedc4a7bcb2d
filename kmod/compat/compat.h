/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Force-included into every fathom.ko object (see Kbuild). It declares the
 * range of kernels fathom supports and pulls in the per-API wrappers, so
 * that no .c file outside kmod/compat/ ever tests a kernel version.
 *
 * Feature tests live in Kbuild.include and arrive as FATHOM_HAVE_<X>; the
 * per-API headers beside this one (included as "compat/<api>.h" by the
 * files that use the API) turn a missing feature into FATHOM_COMPAT_NO_<X>
 * and a fathom_* wrapper with one meaning on every kernel.
 */
#ifndef _FATHOM_COMPAT_COMPAT_H
#define _FATHOM_COMPAT_COMPAT_H

#include <linux/version.h>

/*
 * The floor is RHEL 8 (4.18). Below it the kprobe, genetlink and relay
 * APIs differ too much to be worth wrapping.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(4, 18, 0)
#error "fathom needs Linux 4.18 or newer (see docs/compat.md)"
#endif

/*
 * RHEL kernels keep their base version number while backporting;
 * FATHOM_RHEL_RANGE() is for the rare check no header grep can answer.
 */
#ifdef RHEL_RELEASE_CODE
#define FATHOM_RHEL_RANGE(a_lo, b_lo, a_hi, b_hi)			\
	(RHEL_RELEASE_CODE >= RHEL_RELEASE_VERSION(a_lo, b_lo) &&	\
	 RHEL_RELEASE_CODE < RHEL_RELEASE_VERSION(a_hi, b_hi))
#else
#define FATHOM_RHEL_RANGE(a_lo, b_lo, a_hi, b_hi) 0
#endif

#endif /* _FATHOM_COMPAT_COMPAT_H */
