/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared scaffolding for the VM unit tests: verify a program against a
 * test helper table and maps, and run it on a private stack.
 */
#ifndef _FATHOM_TESTS_VM_TEST_H
#define _FATHOM_TESTS_VM_TEST_H

#include "vm/kshim.h"
#include "vm/isa.h"
#include "vm/vm.h"

#define P(...) ((const struct fathom_insn[]){ __VA_ARGS__ })
#define N(...) (sizeof(P(__VA_ARGS__)) / sizeof(struct fathom_insn))

struct vm_test {
	struct fathom_prog prog;
	fathom_helper_fn helpers[__FATHOM_HELPER_MAX];
	struct fathom_map_desc maps[2];
	struct fathom_vlog log;
	char logbuf[256];
	u64 stack[FATHOM_STACK_SIZE / 8];
	int err;
};

/* A stub for every helper the runtime provides later: returns its id. */
#define STUB(id, name, a1, a2, a3, a4, a5)                                    \
	static inline u64 stub_##name(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, \
				      void *ctx)                              \
	{                                                                     \
		(void)r1;                                                     \
		(void)r2;                                                     \
		(void)r3;                                                     \
		(void)r4;                                                     \
		(void)r5;                                                     \
		(void)ctx;                                                    \
		return FATHOM_HELPER_##id;                                    \
	}
FATHOM_HELPER_MAP(STUB)
#undef STUB

static inline void vm_test_init(struct vm_test *t)
{
	memset(t, 0, sizeof(*t));
#define STUB_SET(id, name, a1, a2, a3, a4, a5) \
	t->helpers[FATHOM_HELPER_##id] = stub_##name;
	FATHOM_HELPER_MAP(STUB_SET)
#undef STUB_SET
	fathom_helpers_set_common(t->helpers);
	t->maps[0] = (struct fathom_map_desc){ .key_size = 8, .value_size = 8 };
	t->maps[1] =
		(struct fathom_map_desc){ .key_size = 16, .value_size = 24 };
}

/* Verify; returns the errno, log in t->logbuf, index in t->log.insn. */
static inline int vm_test_verify(struct vm_test *t,
				 const struct fathom_insn *insns, u32 len)
{
	fathom_prog_init(&t->prog, insns, len);
	t->prog.helpers = t->helpers;
	t->prog.maps = t->maps;
	t->prog.nr_maps = 2;
	t->log.buf = t->logbuf;
	t->log.size = sizeof(t->logbuf);
	t->err = fathom_verify(&t->prog, &t->log);
	return t->err;
}

static inline u64 vm_test_run(struct vm_test *t)
{
	return fathom_vm_run(&t->prog, NULL, (u8 *)t->stack);
}

#endif /* _FATHOM_TESTS_VM_TEST_H */
