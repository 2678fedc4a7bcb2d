// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for fathom_verify() + the interpreter.
 *
 * Input: one flags byte, then 8-byte instructions. With flag bit 0 the
 * harness makes the input more likely to reach do_check(): registers are
 * reduced modulo 11 and the last instruction becomes EXIT; otherwise the
 * bytes are used as they are.
 *
 * Invariant: whatever the verifier accepts runs to completion within len
 * steps, touching nothing but its 512-byte stack (a heap block of exactly
 * that size, so ASan sees any overflow) and test-registered memory.
 * Helper stubs use their buffers to the full length the verifier allowed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vm/kshim.h"
#include "vm/isa.h"
#include "vm/vm.h"

unsigned long fathom_vm_steps;

static const struct fathom_map_desc maps[] = {
	{ .key_size = 8, .value_size = 8 },
	{ .key_size = 16, .value_size = 24 },
	{ .key_size = 4, .value_size = 512 },
};

static u8 readable[64];
static volatile u8 sink;

static void touch_in(u64 p, u32 len)
{
	const u8 *b = (const u8 *)(unsigned long)p;
	u32 i;

	for (i = 0; i < len; i++)
		sink ^= b[i];
}

static void touch_out(u64 p, u32 len)
{
	memset((void *)(unsigned long)p, 0xa5, len);
}

static u64 h_scalar(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, void *ctx)
{
	return r1 * 31 + 7;
}

static u64 h_comm(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, void *ctx)
{
	touch_out(r1, (u32)r2);
	return 0;
}

static u64 h_lookup(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, void *ctx)
{
	touch_in(r2, maps[r1 - 1].key_size);
	touch_out(r3, maps[r1 - 1].value_size);
	return 0;
}

static u64 h_update(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, void *ctx)
{
	touch_in(r2, maps[r1 - 1].key_size);
	touch_in(r3, maps[r1 - 1].value_size);
	return 0;
}

static u64 h_key(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, void *ctx)
{
	touch_in(r2, maps[r1 - 1].key_size);
	return (u64)-2;
}

static u64 h_emit(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, void *ctx)
{
	touch_in(r1, (u32)r2);
	return 0;
}

static u64 h_stack_id(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, void *ctx)
{
	return r1 <= ARRAY_SIZE(maps) ? r2 : (u64)-1;
}

static fathom_helper_fn helpers[__FATHOM_HELPER_MAX];

static void setup(void)
{
	unsigned int i;

	for (i = 1; i < __FATHOM_HELPER_MAX; i++)
		helpers[i] = h_scalar;
	helpers[FATHOM_HELPER_GET_COMM] = h_comm;
	helpers[FATHOM_HELPER_MAP_LOOKUP] = h_lookup;
	helpers[FATHOM_HELPER_MAP_UPDATE] = h_update;
	helpers[FATHOM_HELPER_MAP_DELETE] = h_key;
	helpers[FATHOM_HELPER_MAP_AGGREGATE] = h_key;
	helpers[FATHOM_HELPER_EMIT] = h_emit;
	helpers[FATHOM_HELPER_GET_KSTACK_ID] = h_stack_id;
	helpers[FATHOM_HELPER_GET_USTACK_ID] = h_stack_id;
	fathom_helpers_set_common(helpers);
	memcpy(readable, "a readable string\0 and more bytes", 34);
	fathom_shim_add_range(readable, sizeof(readable), FATHOM_SHIM_KERNEL);
	fathom_shim_add_range(readable, 20, FATHOM_SHIM_USER);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct fathom_prog prog;
	struct fathom_insn *insns;
	char logbuf[FATHOM_VLOG_MIN_SIZE];
	struct fathom_vlog log = { .buf = logbuf, .size = sizeof(logbuf) };
	u8 *stack;
	size_t len, i;
	u8 flags;

	if (!ready) {
		setup();
		ready = true;
	}
	if (size < 1)
		return 0;
	flags = data[0];
	len = (size - 1) / sizeof(struct fathom_insn);
	if (len > FATHOM_MAX_INSNS + 1)
		len = FATHOM_MAX_INSNS + 1;
	/* Exactly len instructions: ASan catches any read past them. */
	insns = malloc(len ? len * sizeof(*insns) : 1);
	memcpy(insns, data + 1, len * sizeof(*insns));
	if ((flags & 1) && len) {
		for (i = 0; i < len; i++) {
			insns[i].dst_reg %= FATHOM_NR_REGS;
			insns[i].src_reg %= FATHOM_NR_REGS;
		}
		insns[len - 1] = FATHOM_EXIT_INSN();
	}

	fathom_prog_init(&prog, insns, len);
	prog.helpers = helpers;
	prog.maps = maps;
	prog.nr_maps = (flags >> 1) % (ARRAY_SIZE(maps) + 1);
	if (fathom_verify(&prog, &log)) {
		if (prog.run != fathom_run_reject)
			abort(); /* rejected but armed */
		if (log.insn >= (s32)len || !logbuf[0])
			abort(); /* a rejection must say where and why */
		free(insns);
		return 0;
	}
	if (prog.run != fathom_run_interp)
		abort();

	stack = malloc(FATHOM_STACK_SIZE);
	fathom_vm_steps = 0;
	fathom_vm_run(&prog, NULL, stack);
	if (fathom_vm_steps > len || !fathom_vm_steps)
		abort(); /* forward-only: at most len steps */
	free(stack);
	free(insns);
	return 0;
}
