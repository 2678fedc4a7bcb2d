// SPDX-License-Identifier: GPL-2.0-only
/*
 * A few disassembly snapshots for the encoder (the only golden text in
 * the VM tests, kept small on purpose).
 */
#include <stdlib.h>

#include "kselftest_harness.h"
#include "vm_test.h"
#include "disasm.h"

#define FP FATHOM_REG_FP

TEST(snapshots)
{
	static const struct fathom_insn p[] = {
		FATHOM_MOV64_REG(1, FP),			     /* 0 */
		FATHOM_ALU64_IMM(FATHOM_ADD, 1, -8),		     /* 1 */
		FATHOM_STX_MEM(FATHOM_DW, FP, 2, -8),		     /* 2 */
		FATHOM_JMP_IMM(FATHOM_JGT, 1, 0x10, 3),		     /* 3 */
		FATHOM_CALL_HELPER(FATHOM_HELPER_PROBE_READ_KERNEL), /* 4 */
		FATHOM_LD_IMM64(3, 0x1122334455667788ULL),	     /* 5 */
		FATHOM_ALU32_REG(FATHOM_ARSH, 4, 5),		     /* 7 */
		FATHOM_LDX_MEM(FATHOM_B, 0, FP, -1),		     /* 8 */
		FATHOM_ST_MEM(FATHOM_H, FP, -4, -2),		     /* 9 */
		FATHOM_JMP_REG(FATHOM_JSLE, 1, 2, 0),		     /* 10 */
		FATHOM_ALU64_IMM(FATHOM_NEG, 6, 0),		     /* 11 */
		FATHOM_JA_INSN(1),				     /* 12 */
		FATHOM_RAW_INSN(0xff, 0, 0, 0, 0),		     /* 13 */
		FATHOM_EXIT_INSN(),				     /* 14 */
	};
	static const char want[] = "  0: r1 = r10\n"
				   "  1: r1 += -8\n"
				   "  2: *(u64 *)(r10 -8) = r2\n"
				   "  3: if r1 > 0x10 goto +3 <7>\n"
				   "  4: call probe_read_kernel#12\n"
				   "  5: r3 = 0x1122334455667788 ll\n"
				   "  7: w4 s>>= w5\n"
				   "  8: r0 = *(u8 *)(r10 -1)\n"
				   "  9: *(u16 *)(r10 -4) = -2\n"
				   " 10: if r1 s<= r2 goto +0 <11>\n"
				   " 11: r6 = -r6\n"
				   " 12: goto +1 <14>\n"
				   " 13: (invalid opcode 0xff)\n"
				   " 14: exit\n";
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	ASSERT_NE(NULL, f);
	fathom_disasm_prog(f, p, ARRAY_SIZE(p));
	fclose(f);
	EXPECT_STREQ(want, out);
	free(out);
}

TEST_HARNESS_MAIN
