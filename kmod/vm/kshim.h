/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The environment of kmod/vm/: the kernel headers in the module build, and
 * small user-space stand-ins otherwise, so that vm.c, verify.c, helpers.c
 * and the self-test build unchanged in user/ for unit tests and fuzzing.
 *
 * The user-space nofault copies never dereference an address the test did
 * not register with fathom_shim_add_range(): every other read fails, as a
 * read of an unmapped address fails in the kernel. (The kernel does not
 * export strncpy_from_{kernel,user}_nofault() to modules, so helpers.c
 * builds string reads on the two copies and needs no stand-in for them.)
 */
#ifndef _FATHOM_VM_KSHIM_H
#define _FATHOM_VM_KSHIM_H

#ifdef __KERNEL__

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/uaccess.h>

/* Kernels without objtool support define nothing to annotate with. */
#ifndef __annotate_jump_table
#define __annotate_jump_table
#endif

#ifndef __diag_ignore_all
#define __diag_ignore_all(option, comment)
#endif

static inline void *fathom_vm_zalloc(size_t size)
{
	return kvzalloc(size, GFP_KERNEL);
}

static inline void fathom_vm_free(void *p)
{
	kvfree(p);
}

#else /* !__KERNEL__: user-space build */

/*
 * This half stands in for kernel headers, so it necessarily defines the
 * kernel's types, attributes and READ_ONCE() with libc and compiler
 * primitives; checkpatch's typedef/attribute/volatile reports on it are
 * expected (it is never compiled into the module).
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define fallthrough		__attribute__((__fallthrough__))
#define notrace
#ifndef noinline
#define noinline		__attribute__((__noinline__))
#endif
#define __user
#define __annotate_jump_table
#define __diag_str(s)		#s
#define __diag(s)		_Pragma(__diag_str(GCC diagnostic s))
#define __diag_push()		__diag(push)
#define __diag_pop()		__diag(pop)
#define __diag_ignore_all(option, comment) __diag(ignored option)
#ifndef PAGE_SIZE
#define PAGE_SIZE		4096UL
#endif
#define NOKPROBE_SYMBOL(fn)	_Static_assert(1, #fn)
#define BUILD_BUG_ON(c)		_Static_assert(!(c), #c)
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)	(*(volatile __typeof__(x) *)&(x) = (val))
#define __printf(a, b)		__attribute__((__format__(printf, a, b)))

#define WARN_ON_ONCE(cond) ({						\
	static bool __warned;						\
	int __c = !!(cond);						\
	if (__c && !__warned) {						\
		__warned = true;					\
		fprintf(stderr, "WARNING: %s:%d: %s\n",			\
			__FILE__, __LINE__, #cond);			\
	}								\
	__c;								\
})

#define pr_info(fmt, ...)	fprintf(stderr, "fathom: " fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...)	fprintf(stderr, "fathom: " fmt, ##__VA_ARGS__)

typedef struct {
	s64 counter;
} atomic64_t;

static inline void atomic64_inc(atomic64_t *v)
{
	__atomic_add_fetch(&v->counter, 1, __ATOMIC_RELAXED);
}

static inline s64 atomic64_read(const atomic64_t *v)
{
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);
}

static inline void atomic64_set(atomic64_t *v, s64 i)
{
	__atomic_store_n(&v->counter, i, __ATOMIC_RELAXED);
}

static inline void *fathom_vm_zalloc(size_t size)
{
	return calloc(1, size);
}

#ifdef FATHOM_VM_COUNT_STEPS
/* Instructions executed by the interpreter (fuzzing only). */
extern unsigned long fathom_vm_steps;
#define FATHOM_VM_STEP()	(fathom_vm_steps++)
#endif

static inline void fathom_vm_free(void *p)
{
	free(p);
}

/*
 * Readable-memory model for the nofault stand-ins (defined in helpers.c):
 * a test registers the ranges a "kernel" or "user" read may touch.
 */
#define FATHOM_SHIM_KERNEL	1
#define FATHOM_SHIM_USER	2

int fathom_shim_add_range(const void *start, size_t len, int space);
void fathom_shim_clear_ranges(void);

long copy_from_kernel_nofault(void *dst, const void *src, size_t size);
long copy_from_user_nofault(void *dst, const void __user *src, size_t size);

#endif /* !__KERNEL__ */

#endif /* _FATHOM_VM_KSHIM_H */
