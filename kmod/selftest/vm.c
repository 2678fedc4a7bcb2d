// SPDX-License-Identifier: GPL-2.0-only
/*
 * In-module self-check of the verifier and interpreter, run at every load.
 * It also builds in user space (through kshim.h) and runs in
 * "make -C user/tests/vm check", so every program here is exercised on the
 * host before it ever runs in a guest.
 */
#include "vm/kshim.h"
#include "vm/isa.h"
#include "vm/vm.h"

/* Something a probe_read_kernel can certainly read. */
static const u64 selftest_word = 0x0123456789abcdefULL;

struct selftest_ctx {
	struct fathom_prog prog;
	fathom_helper_fn helpers[__FATHOM_HELPER_MAX];
	char log[FATHOM_VLOG_MIN_SIZE];
	u8 *stack;
};

static int verify(struct selftest_ctx *t, const struct fathom_insn *insns,
		  u32 len, struct fathom_vlog *log)
{
	fathom_prog_init(&t->prog, insns, len);
	t->prog.helpers = t->helpers;
	log->buf = t->log;
	log->size = sizeof(t->log);
	return fathom_verify(&t->prog, log);
}

/* R0 = 40 + 2 through the stack, plus the word read by probe_read. */
static bool test_accept(struct selftest_ctx *t)
{
	const struct fathom_insn insns[] = {
		FATHOM_MOV64_IMM(6, 40),
		FATHOM_ALU64_IMM(FATHOM_ADD, 6, 2),
		FATHOM_STX_MEM(FATHOM_DW, FATHOM_REG_FP, 6, -8),
		FATHOM_MOV64_REG(1, FATHOM_REG_FP),
		FATHOM_ALU64_IMM(FATHOM_ADD, 1, -16),
		FATHOM_MOV64_IMM(2, 8),
		FATHOM_LD_IMM64(3, (unsigned long)&selftest_word),
		FATHOM_CALL_HELPER(FATHOM_HELPER_PROBE_READ_KERNEL),
		FATHOM_JMP_IMM(FATHOM_JNE, 0, 0, 4),
		FATHOM_LDX_MEM(FATHOM_DW, 0, FATHOM_REG_FP, -16),
		FATHOM_LDX_MEM(FATHOM_DW, 6, FATHOM_REG_FP, -8),
		FATHOM_ALU64_REG(FATHOM_ADD, 0, 6),
		FATHOM_EXIT_INSN(),
		FATHOM_MOV64_IMM(0, 0),
		FATHOM_EXIT_INSN(),
	};
	struct fathom_vlog log;
	u64 r0;
	int err;

	err = verify(t, insns, ARRAY_SIZE(insns), &log);
	if (err) {
		pr_err("vm self-test: accept: rejected (%d): %s\n", err,
		       t->log);
		return false;
	}
	r0 = fathom_vm_run(&t->prog, NULL, t->stack);
	if (r0 != selftest_word + 42) {
		pr_err("vm self-test: accept: got 0x%llx\n",
		       (unsigned long long)r0);
		return false;
	}
	return true;
}

/*
 * probe_read_kernel of a bad address: a negative return value and a
 * zero-filled destination, although the program wrote it first.
 */
static bool test_fault(struct selftest_ctx *t, u64 addr)
{
	const struct fathom_insn insns[] = {
		FATHOM_ST_MEM(FATHOM_DW, FATHOM_REG_FP, -8, -1),
		FATHOM_MOV64_REG(1, FATHOM_REG_FP),
		FATHOM_ALU64_IMM(FATHOM_ADD, 1, -8),
		FATHOM_MOV64_IMM(2, 8),
		FATHOM_LD_IMM64(3, addr),
		FATHOM_CALL_HELPER(FATHOM_HELPER_PROBE_READ_KERNEL),
		FATHOM_EXIT_INSN(),
	};
	struct fathom_vlog log;
	u64 r0, word;
	int err;

	err = verify(t, insns, ARRAY_SIZE(insns), &log);
	if (err) {
		pr_err("vm self-test: fault: rejected (%d): %s\n", err,
		       t->log);
		return false;
	}
	r0 = fathom_vm_run(&t->prog, NULL, t->stack);
	memcpy(&word, t->stack + FATHOM_STACK_SIZE - 8, sizeof(word));
	if ((s64)r0 >= 0 || word) {
		pr_err("vm self-test: fault at 0x%llx: r0 %lld, dst 0x%llx\n",
		       (unsigned long long)addr, (long long)r0,
		       (unsigned long long)word);
		return false;
	}
	return true;
}

struct reject_case {
	const char *name;
	struct fathom_insn insns[4];
	u32 len;
	int err;
	s32 insn;
};

static const struct reject_case reject_cases[] = {
	{
		.name = "backward jump",
		.insns = {
			FATHOM_MOV64_IMM(0, 0),
			FATHOM_JA_INSN(-2),
			FATHOM_EXIT_INSN(),
		},
		.len = 3, .err = -EINVAL, .insn = 1,
	},
	{
		.name = "uninitialised register",
		.insns = {
			FATHOM_MOV64_REG(0, 3),
			FATHOM_EXIT_INSN(),
		},
		.len = 2, .err = -EACCES, .insn = 0,
	},
	{
		.name = "write to R10",
		.insns = {
			FATHOM_MOV64_IMM(FATHOM_REG_FP, 0),
			FATHOM_MOV64_IMM(0, 0),
			FATHOM_EXIT_INSN(),
		},
		.len = 3, .err = -EACCES, .insn = 0,
	},
	{
		.name = "stack out of bounds",
		.insns = {
			FATHOM_ST_MEM(FATHOM_DW, FATHOM_REG_FP, 0, 1),
			FATHOM_MOV64_IMM(0, 0),
			FATHOM_EXIT_INSN(),
		},
		.len = 3, .err = -EACCES, .insn = 0,
	},
	{
		.name = "uninitialised stack",
		.insns = {
			FATHOM_LDX_MEM(FATHOM_W, 0, FATHOM_REG_FP, -4),
			FATHOM_EXIT_INSN(),
		},
		.len = 2, .err = -EACCES, .insn = 0,
	},
	{
		.name = "falls off the end",
		.insns = {
			FATHOM_MOV64_IMM(0, 0),
		},
		.len = 1, .err = -EINVAL, .insn = 0,
	},
	{
		.name = "unknown helper",
		.insns = {
			FATHOM_CALL_HELPER(0x7fff),
			FATHOM_EXIT_INSN(),
		},
		.len = 2, .err = -EINVAL, .insn = 0,
	},
};

static bool test_reject(struct selftest_ctx *t, const struct reject_case *c)
{
	struct fathom_vlog log;
	int err;

	err = verify(t, c->insns, c->len, &log);
	if (err != c->err || log.insn != c->insn) {
		pr_err("vm self-test: reject %s: err %d insn %d, want %d at %d: %s\n",
		       c->name, err, log.insn, c->err, c->insn, t->log);
		return false;
	}
	/* Fail closed: the rejected program runs nothing. */
	if (t->prog.run != fathom_run_reject ||
	    fathom_vm_run(&t->prog, NULL, t->stack)) {
		pr_err("vm self-test: reject %s: program is armed\n", c->name);
		return false;
	}
	return true;
}

/**
 * fathom_vm_selftest() - check the verifier and interpreter at load time
 *
 * Return: 0 if every check passed, -ENOTRECOVERABLE if one failed,
 * -ENOMEM if the test could not run.
 */
int fathom_vm_selftest(void)
{
	struct selftest_ctx *t;
	unsigned int passed = 0, failed = 0, i;

	t = fathom_vm_zalloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->stack = fathom_vm_zalloc(FATHOM_STACK_SIZE);
	if (!t->stack) {
		fathom_vm_free(t);
		return -ENOMEM;
	}
	fathom_helpers_set_common(t->helpers);
#ifndef __KERNEL__
	fathom_shim_add_range(&selftest_word, sizeof(selftest_word),
			      FATHOM_SHIM_KERNEL);
#endif

#define CHECK(expr) ((expr) ? passed++ : failed++)
	CHECK(test_accept(t));
	CHECK(test_fault(t, 0));
	/* Non-canonical on x86-64 with 4- or 5-level paging. */
	CHECK(test_fault(t, 0xdead000000000000ULL));
	for (i = 0; i < ARRAY_SIZE(reject_cases); i++)
		CHECK(test_reject(t, &reject_cases[i]));
#undef CHECK

#ifndef __KERNEL__
	fathom_shim_clear_ranges();
#endif
	fathom_vm_free(t->stack);
	fathom_vm_free(t);
	if (failed) {
		pr_err("vm self-test: %u of %u FAILED\n", failed,
		       passed + failed);
		return -ENOTRECOVERABLE;
	}
	pr_info("vm self-test: %u passed\n", passed);
	return 0;
}
