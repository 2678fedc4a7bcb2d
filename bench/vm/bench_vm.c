// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host micro-benchmark of the fathom interpreter.
 *
 *  alu:    a straight-line ALU program of 4000 instructions: ns/insn
 *  filter: the shape of a typical probe program: read a context field
 *          through a helper, compare and jump, build a key on the stack,
 *          call an aggregation helper stub: ns/program run
 *
 * Prints one markdown table row per figure: the median of RUNS timed
 * batches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vm/kshim.h"
#include "vm/isa.h"
#include "vm/vm.h"

#define FP FATHOM_REG_FP
#define RUNS 9
#define ALU_LEN 4000

static u64 counts[64];

static u64 h_pid(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, void *ctx)
{
	return *(const u64 *)ctx;
}

static u64 h_agg(u64 r1, u64 r2, u64 r3, u64 r4, u64 r5, void *ctx)
{
	u64 key;

	memcpy(&key, (const void *)(unsigned long)r2, sizeof(key));
	counts[key & 63] += r3;
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median over RUNS batches of iters runs, in ns per run. */
static double time_prog(struct fathom_prog *prog, void *ctx, u8 *stack,
			long iters, u64 *sink)
{
	double t[RUNS];
	long i;
	int r;

	for (r = 0; r < RUNS; r++) {
		double t0 = now_ns();

		for (i = 0; i < iters; i++)
			*sink += fathom_vm_run(prog, ctx, stack);
		t[r] = (now_ns() - t0) / iters;
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	return t[RUNS / 2];
}

int main(void)
{
	static struct fathom_insn alu[ALU_LEN + 3];
	static const u8 ops[] = { FATHOM_ADD, FATHOM_XOR, FATHOM_MUL,
				  FATHOM_OR,  FATHOM_SUB, FATHOM_AND };
	struct fathom_insn filter[] = {
		FATHOM_CALL_HELPER(FATHOM_HELPER_GET_PID),
		FATHOM_JMP_IMM(FATHOM_JNE, 0, 42, 9),
		FATHOM_CALL_HELPER(FATHOM_HELPER_GET_CPU),
		FATHOM_ALU64_IMM(FATHOM_AND, 0, 7),
		FATHOM_STX_MEM(FATHOM_DW, FP, 0, -8),
		FATHOM_MOV64_IMM(1, 1),
		FATHOM_MOV64_REG(2, FP),
		FATHOM_ALU64_IMM(FATHOM_ADD, 2, -8),
		FATHOM_MOV64_IMM(3, 1),
		FATHOM_CALL_HELPER(FATHOM_HELPER_MAP_AGGREGATE),
		FATHOM_MOV64_IMM(0, 1),
		FATHOM_EXIT_INSN(),
	};
	static const struct fathom_map_desc maps[] = {
		{ .key_size = 8, .value_size = 8 },
	};
	fathom_helper_fn helpers[__FATHOM_HELPER_MAX] = { NULL };
	struct fathom_prog prog;
	struct fathom_vlog log;
	char logbuf[FATHOM_VLOG_MIN_SIZE];
	u8 *stack = aligned_alloc(64, FATHOM_STACK_SIZE);
	u64 pid = 42, sink = 0;
	double ns;
	int i, err;

	helpers[FATHOM_HELPER_GET_PID] = h_pid;
	helpers[FATHOM_HELPER_GET_CPU] = h_pid;
	helpers[FATHOM_HELPER_MAP_AGGREGATE] = h_agg;
	log.buf = logbuf;
	log.size = sizeof(logbuf);

	alu[0] = FATHOM_MOV64_IMM(0, 1);
	alu[1] = FATHOM_MOV64_IMM(1, 3);
	for (i = 0; i < ALU_LEN; i++)
		alu[2 + i] = FATHOM_ALU64_IMM(ops[i % sizeof(ops)], i & 1,
					      (i % 13) + 1);
	alu[ALU_LEN + 2] = FATHOM_EXIT_INSN();
	fathom_prog_init(&prog, alu, ALU_LEN + 3);
	err = fathom_verify(&prog, &log);
	if (err) {
		fprintf(stderr, "alu: %s\n", logbuf);
		return 1;
	}
	ns = time_prog(&prog, NULL, stack, 2000, &sink);
	printf("| alu, %d-insn straight line | %.2f ns/insn | %.0f ns/run |\n",
	       ALU_LEN + 3, ns / (ALU_LEN + 3), ns);

	fathom_prog_init(&prog, filter, ARRAY_SIZE(filter));
	prog.helpers = helpers;
	prog.maps = maps;
	prog.nr_maps = 1;
	err = fathom_verify(&prog, &log);
	if (err) {
		fprintf(stderr, "filter: %s\n", logbuf);
		return 1;
	}
	ns = time_prog(&prog, &pid, stack, 2000000, &sink);
	printf("| filter + aggregate, 12 insns, match | %.2f ns/insn | %.1f ns/run |\n",
	       ns / 12, ns);
	pid = 7;
	ns = time_prog(&prog, &pid, stack, 2000000, &sink);
	printf("| filter + aggregate, no match (3 insns) | %.2f ns/insn | %.1f ns/run |\n",
	       ns / 3, ns);
	free(stack);
	return sink == 0xdeadbeef;
}
