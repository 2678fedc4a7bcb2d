// SPDX-License-Identifier: GPL-2.0-only
/*
 * Helper signatures, and the helpers that read memory.
 *
 * fathom_helper_protos[] is generated from FATHOM_HELPER_MAP in the uapi,
 * so the verifier checks exactly the signatures the compiler emits for.
 *
 * The memory-read helpers never touch memory except through the nofault
 * copies: a bad address gives a negative errno and a zero-filled
 * destination, never a fault. The destination is always a stack buffer
 * that the verifier proved lies inside the program's stack. Every
 * function here is notrace and NOKPROBE_SYMBOL: a probe on them would
 * recurse into the tracer.
 */
#include "kshim.h"
#include "isa.h"
#include "vm.h"

#define FATHOM_PROTO(id, nm, a1, a2, a3, a4, a5)			\
	[FATHOM_HELPER_##id] = {					\
		.name = #nm,						\
		.args = { FATHOM_ARG_##a1, FATHOM_ARG_##a2,		\
			  FATHOM_ARG_##a3, FATHOM_ARG_##a4,		\
			  FATHOM_ARG_##a5 },				\
	},

const struct fathom_helper_proto fathom_helper_protos[__FATHOM_HELPER_MAX] = {
	FATHOM_HELPER_MAP(FATHOM_PROTO)
};

#undef FATHOM_PROTO

static notrace long copy_nofault(void *dst, u64 src, u32 size, bool user)
{
	if (user)
		return copy_from_user_nofault(dst,
					      (const void __user *)(unsigned long)src,
					      size);
	return copy_from_kernel_nofault(dst, (const void *)(unsigned long)src,
					size);
}

NOKPROBE_SYMBOL(copy_nofault);

static notrace u64 read_result(void *dst, u32 len, long err)
{
	if (unlikely(err < 0)) {
		memset(dst, 0, len);
		return (u64)(s64)err;
	}
	return 0;
}

NOKPROBE_SYMBOL(read_result);

/**
 * fathom_helper_probe_read_kernel() - copy bytes from a kernel address
 * @dst: stack buffer (verified)
 * @len: bytes to copy, 1..FATHOM_STACK_SIZE (verified constant)
 * @src: kernel address, untrusted
 * @r4: unused
 * @r5: unused
 * @ctx: unused
 *
 * Return: 0, or a negative errno with @dst zero-filled.
 */
notrace u64 fathom_helper_probe_read_kernel(u64 dst, u64 len, u64 src,
					    u64 r4, u64 r5, void *ctx)
{
	void *d = (void *)(unsigned long)dst;

	return read_result(d, len, copy_nofault(d, src, len, false));
}

NOKPROBE_SYMBOL(fathom_helper_probe_read_kernel);

/**
 * fathom_helper_probe_read_user() - copy bytes from a user address
 * @dst: stack buffer (verified)
 * @len: bytes to copy, 1..FATHOM_STACK_SIZE (verified constant)
 * @src: user address of the current task, untrusted
 * @r4: unused
 * @r5: unused
 * @ctx: unused
 *
 * Return: 0, or a negative errno with @dst zero-filled.
 */
notrace u64 fathom_helper_probe_read_user(u64 dst, u64 len, u64 src,
					  u64 r4, u64 r5, void *ctx)
{
	void *d = (void *)(unsigned long)dst;

	return read_result(d, len, copy_nofault(d, src, len, true));
}

NOKPROBE_SYMBOL(fathom_helper_probe_read_user);

/*
 * Copy a NUL-terminated string of at most len bytes (len >= 1) into dst.
 * The kernel does not export strncpy_from_*_nofault() to modules, so this
 * reads with the two exported copies: in chunks that never cross a page
 * (a chunk is mapped entirely or faults), and byte by byte inside a chunk
 * that faults, so that a string ending just before unreadable memory is
 * still found. At most len + 2 copies: bounded.
 *
 * Return: the length including the NUL (len if the string was cut and
 * NUL-terminated at dst[len - 1]), or -EFAULT.
 */
static notrace long fetch_str(char *dst, u64 src, u32 len, bool user)
{
	u32 done = 0, chunk, i;

	while (done < len) {
		chunk = PAGE_SIZE - ((src + done) & (PAGE_SIZE - 1));
		if (chunk > len - done)
			chunk = len - done;
		if (copy_nofault(dst + done, src + done, chunk, user)) {
			for (i = 0; i < chunk; i++) {
				if (copy_nofault(dst + done + i,
						 src + done + i, 1, user))
					return -EFAULT;
				if (!dst[done + i])
					return done + i + 1;
			}
			return -EFAULT;	/* the chunk faulted, a byte did not */
		}
		for (i = 0; i < chunk; i++)
			if (!dst[done + i])
				return done + i + 1;
		done += chunk;
	}
	dst[len - 1] = '\0';
	return len;
}

NOKPROBE_SYMBOL(fetch_str);

static notrace u64 read_str(u64 dst, u64 len, u64 src, bool user)
{
	char *d = (char *)(unsigned long)dst;
	long ret = fetch_str(d, src, len, user);

	if (unlikely(ret < 0)) {
		memset(d, 0, len);
		return (u64)(s64)ret;
	}
	/*
	 * The verifier counts the whole buffer as written: clear what the
	 * string did not cover, including bytes a chunk read past the NUL.
	 */
	memset(d + ret, 0, len - ret);
	return (u64)ret;
}

NOKPROBE_SYMBOL(read_str);

/**
 * fathom_helper_probe_read_kernel_str() - copy a string from kernel memory
 * @dst: stack buffer (verified)
 * @len: buffer size, 1..FATHOM_STACK_SIZE (verified constant)
 * @src: kernel address, untrusted
 * @r4: unused
 * @r5: unused
 * @ctx: unused
 *
 * The copy is always NUL-terminated (truncated if needed) and the rest of
 * @dst is zero-filled.
 *
 * Return: length including the NUL, or a negative errno with @dst
 * zero-filled.
 */
notrace u64 fathom_helper_probe_read_kernel_str(u64 dst, u64 len, u64 src,
						u64 r4, u64 r5, void *ctx)
{
	return read_str(dst, len, src, false);
}

NOKPROBE_SYMBOL(fathom_helper_probe_read_kernel_str);

/**
 * fathom_helper_probe_read_user_str() - copy a string from user memory
 * @dst: stack buffer (verified)
 * @len: buffer size, 1..FATHOM_STACK_SIZE (verified constant)
 * @src: user address of the current task, untrusted
 * @r4: unused
 * @r5: unused
 * @ctx: unused
 *
 * Return: as fathom_helper_probe_read_kernel_str().
 */
notrace u64 fathom_helper_probe_read_user_str(u64 dst, u64 len, u64 src,
					      u64 r4, u64 r5, void *ctx)
{
	return read_str(dst, len, src, true);
}

NOKPROBE_SYMBOL(fathom_helper_probe_read_user_str);

/**
 * fathom_helpers_set_common() - fill in the helpers this file implements
 * @table: helper table with __FATHOM_HELPER_MAX entries
 *
 * The runtime fills in the others (pid, maps, emit, ...) itself.
 */
void fathom_helpers_set_common(fathom_helper_fn *table)
{
	table[FATHOM_HELPER_PROBE_READ_KERNEL] =
		fathom_helper_probe_read_kernel;
	table[FATHOM_HELPER_PROBE_READ_USER] = fathom_helper_probe_read_user;
	table[FATHOM_HELPER_PROBE_READ_KERNEL_STR] =
		fathom_helper_probe_read_kernel_str;
	table[FATHOM_HELPER_PROBE_READ_USER_STR] =
		fathom_helper_probe_read_user_str;
}

#ifndef __KERNEL__
/*
 * User-space stand-ins for the kernel's nofault copies: a read succeeds
 * only if every byte lies in a range the test registered for that address
 * space; nothing else is ever dereferenced.
 */
struct shim_range {
	unsigned long start;
	size_t len;
	int space;
};

static struct shim_range shim_ranges[16];
static unsigned int shim_nr_ranges;

int fathom_shim_add_range(const void *start, size_t len, int space)
{
	if (shim_nr_ranges == ARRAY_SIZE(shim_ranges))
		return -ENOSPC;
	shim_ranges[shim_nr_ranges].start = (unsigned long)start;
	shim_ranges[shim_nr_ranges].len = len;
	shim_ranges[shim_nr_ranges].space = space;
	shim_nr_ranges++;
	return 0;
}

void fathom_shim_clear_ranges(void)
{
	shim_nr_ranges = 0;
}

static bool shim_readable(unsigned long addr, size_t size, int space)
{
	unsigned int i;

	for (i = 0; i < shim_nr_ranges; i++) {
		const struct shim_range *r = &shim_ranges[i];

		if (r->space == space && addr >= r->start &&
		    size <= r->len && addr - r->start <= r->len - size)
			return true;
	}
	return false;
}

static long shim_copy(void *dst, const void *src, size_t size, int space)
{
	if (!shim_readable((unsigned long)src, size, space))
		return -EFAULT;
	memcpy(dst, src, size);
	return 0;
}

long copy_from_kernel_nofault(void *dst, const void *src, size_t size)
{
	return shim_copy(dst, src, size, FATHOM_SHIM_KERNEL);
}

long copy_from_user_nofault(void *dst, const void __user *src, size_t size)
{
	return shim_copy(dst, src, size, FATHOM_SHIM_USER);
}
#endif /* !__KERNEL__ */
