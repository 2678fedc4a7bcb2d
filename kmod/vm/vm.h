/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal API of the bytecode VM, shared by the kernel runtime and user/.
 *
 * Life of a program:
 *
 *	fathom_prog_init(&prog, insns, len);	  run = reject runner
 *	prog.maps, prog.nr_maps, prog.helpers = ...;
 *	err = fathom_verify(&prog, &log);	  run = interpreter iff err == 0
 *	...
 *	r0 = fathom_vm_run(&prog, ctx, stack);	  on every probe hit
 *
 * The instructions, map descriptors and helper table must not change after
 * fathom_verify() and must outlive every run. @stack is FATHOM_STACK_SIZE
 * bytes, 8-byte aligned, owned by the caller for the duration of the run
 * (a per-CPU scratch area in the kernel, with preemption disabled).
 */
#ifndef _FATHOM_VM_VM_H
#define _FATHOM_VM_VM_H

#include "kshim.h"
#include <linux/fathom_isa.h>

struct fathom_prog;

/*
 * A helper: R0 = fn(R1, ..., R5, ctx). Stack-pointer arguments arrive as
 * the address of the byte in the caller's stack area. ctx is the opaque
 * pointer given to fathom_vm_run(). Helpers must do bounded work and never
 * sleep, allocate or take a sleeping lock; they are notrace and
 * NOKPROBE_SYMBOL in the kernel.
 */
typedef u64 (*fathom_helper_fn)(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5,
				void *ctx);

typedef u64 (*fathom_run_fn)(struct fathom_prog *prog, void *ctx, u8 *stack);

/**
 * struct fathom_helper_proto - a helper's signature, for the verifier
 * @name: lower-case name, as the disassembler prints it
 * @args: enum fathom_arg_kind of R1..R5
 */
struct fathom_helper_proto {
	const char *name;
	u8 args[FATHOM_NR_HELPER_ARGS];
};

/* Indexed by enum fathom_helper_id; .name == NULL for unassigned ids. */
extern const struct fathom_helper_proto fathom_helper_protos[__FATHOM_HELPER_MAX];

/**
 * struct fathom_map_desc - what the verifier needs to know about one map
 * @key_size: key bytes, 1..FATHOM_STACK_SIZE
 * @value_size: value bytes, 1..FATHOM_STACK_SIZE
 */
struct fathom_map_desc {
	u32 key_size;
	u32 value_size;
};

/**
 * struct fathom_vm_stats - run-time error counters of one program
 * @div_by_zero: divisions or modulos by a zero register (result 0)
 *
 * A single shared counter for now; the kernel runtime may move it to
 * per-CPU storage. It is only touched on the error path.
 */
struct fathom_vm_stats {
	atomic64_t div_by_zero;
};

/**
 * struct fathom_prog - a program and what it was verified against
 * @insns: the instructions
 * @len: number of instruction slots, 1..FATHOM_MAX_INSNS
 * @nr_maps: number of entries in @maps; map id i names @maps[i - 1]
 * @maps: key and value sizes of the program's maps
 * @helpers: implementations indexed by enum fathom_helper_id, with
 *	__FATHOM_HELPER_MAX entries; a NULL entry (or a NULL table) makes
 *	calls to that helper fail verification
 * @run: fathom_run_reject until fathom_verify() succeeds; never call it
 *	directly, use fathom_vm_run()
 * @stats: run-time error counters
 */
struct fathom_prog {
	const struct fathom_insn *insns;
	u32 len;
	u32 nr_maps;
	const struct fathom_map_desc *maps;
	const fathom_helper_fn *helpers;
	fathom_run_fn run;
	struct fathom_vm_stats stats;
};

/* Size of the buffer a verifier message needs at most. */
#define FATHOM_VLOG_MIN_SIZE	128

/**
 * struct fathom_vlog - where fathom_verify() reports why it rejected
 * @buf: NUL-terminated reason, e.g. "insn 7: R3 is read before it is
 *	written"; may be NULL to only get @insn
 * @size: size of @buf in bytes; the message is truncated to fit
 * @insn: index of the offending instruction, or -1 when the error is not
 *	about one instruction (e.g. bad map descriptors); 0-based
 */
struct fathom_vlog {
	char *buf;
	u32 size;
	s32 insn;
};

void fathom_prog_init(struct fathom_prog *prog,
		      const struct fathom_insn *insns, u32 len);
int fathom_verify(struct fathom_prog *prog, struct fathom_vlog *log);

u64 fathom_run_reject(struct fathom_prog *prog, void *ctx, u8 *stack);
u64 fathom_run_interp(struct fathom_prog *prog, void *ctx, u8 *stack);

/**
 * fathom_vm_run() - run a program (fail closed)
 * @prog: the program; runs only if fathom_verify() accepted it
 * @ctx: opaque probe context handed to every helper
 * @stack: FATHOM_STACK_SIZE bytes of 8-byte-aligned scratch memory
 *
 * Return: the program's R0, or 0 if the program was not verified.
 */
static inline notrace u64 fathom_vm_run(struct fathom_prog *prog, void *ctx,
					u8 *stack)
{
	fathom_run_fn run = READ_ONCE(prog->run);

	/* a direct call for the common case: indirect calls cost more */
	if (likely(run == fathom_run_interp))
		return fathom_run_interp(prog, ctx, stack);
	if (unlikely(!run))
		return 0;
	return run(prog, ctx, stack);
}

/* Memory-read helpers, built on the nofault copies (helpers.c). */
u64 fathom_helper_probe_read_kernel(u64 dst, u64 len, u64 src, u64 r4,
				    u64 r5, void *ctx);
u64 fathom_helper_probe_read_user(u64 dst, u64 len, u64 src, u64 r4,
				  u64 r5, void *ctx);
u64 fathom_helper_probe_read_kernel_str(u64 dst, u64 len, u64 src, u64 r4,
					u64 r5, void *ctx);
u64 fathom_helper_probe_read_user_str(u64 dst, u64 len, u64 src, u64 r4,
				      u64 r5, void *ctx);
void fathom_helpers_set_common(fathom_helper_fn *table);

int fathom_vm_selftest(void);

#endif /* _FATHOM_VM_VM_H */
