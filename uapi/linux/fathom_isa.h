/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * fathom bytecode: the instruction set shared by the compiler (user/), the
 * verifier and the interpreter (kmod/vm/).
 *
 * Machine model
 * -------------
 * A program is an array of 1..FATHOM_MAX_INSNS fixed 8-byte instructions
 * (struct fathom_insn). There are eleven 64-bit registers:
 *
 *   R0        return value of helpers and of the program (at exit)
 *   R1 - R5   helper arguments; every call leaves them uninitialised
 *   R6 - R9   preserved across calls
 *   R10       read-only frame pointer: the address one past the end of the
 *             program's FATHOM_STACK_SIZE-byte scratch stack
 *
 * At entry every register except R10 is uninitialised and every stack byte
 * is unwritten. The probe context is never held in a register: programs
 * reach it only through helpers. The only pointers a program can form are
 * R10 plus a constant (a "stack pointer"); it can use them only to address
 * its stack and as stack arguments to helpers.
 *
 * Control flow only goes forward: every jump target lies strictly after the
 * jump, so a program executes at most as many instructions as it has. Loops
 * must be unrolled by the compiler.
 *
 * Encoding
 * --------
 * code (8 bits) is split by class, in the low three bits:
 *
 *   ALU64, ALU32:  op (bits 4-7) | source (bit 3: K = imm, X = src_reg) | class
 *   JMP:           op (bits 4-7) | source (bit 3)                       | class
 *   LDX, ST, STX:  mode (bits 5-7, only MEM) | size (bits 3-4)          | class
 *   LD:            IMM mode | DW size | class: the two-slot 64-bit immediate
 *
 * Class 0 is invalid, so an all-zero instruction never verifies.
 *
 * ALU ops (dst op= src or imm): ADD SUB MUL DIV MOD AND OR XOR LSH RSH ARSH
 * NEG MOV. DIV and MOD are unsigned; division or modulo by a zero register
 * yields 0 and counts a run-time error; by a zero immediate is rejected.
 * Shift amounts are masked to the operand width (& 63, & 31); shifts by an
 * immediate must be in range. ALU32 operates on the low 32 bits and
 * zero-extends the result into the 64-bit register. In ALU64 the immediate
 * is sign-extended to 64 bits. NEG takes no source (K form, imm 0).
 *
 * Memory: LDX loads dst = *(size *)(src_reg + off), zero-extended. ST stores
 * imm and STX stores src_reg, truncated to size, at *(size *)(dst_reg + off).
 * The base register must be a stack pointer, the access must fall inside
 * [R10 - FATHOM_STACK_SIZE, R10) and be aligned to its size.
 *
 * Jumps: JA goes to pc + 1 + off. Conditional jumps compare dst_reg with
 * src_reg (X) or the sign-extended imm (K) and go to pc + 1 + off when the
 * condition holds: JEQ JNE JGT JGE JLT JLE (unsigned), JSGT JSGE JSLT JSLE
 * (signed), JSET (dst & src != 0). off must be >= 0.
 * CALL: R0 = helper imm (R1, ..., R5); see enum fathom_helper_id.
 * EXIT: the program returns R0, which must be initialised.
 *
 * LD_IMM64 occupies two slots: the first carries dst_reg and the low 32 bits
 * in imm; the second has code 0, no registers, off 0, and the high 32 bits in
 * imm. Nothing may jump to the second slot.
 *
 * Fields an instruction does not use (src_reg of a K form, imm of an X form,
 * off outside memory and jump instructions, ...) must be zero.
 *
 * Numbers in this file never change once assigned; new ones are only added.
 */
#ifndef _UAPI_LINUX_FATHOM_ISA_H
#define _UAPI_LINUX_FATHOM_ISA_H

#include <linux/types.h>

#define FATHOM_MAX_INSNS	4096
#define FATHOM_STACK_SIZE	512
#define FATHOM_NR_REGS		11	/* R0 .. R10 */
#define FATHOM_REG_FP		10	/* R10, read-only */
#define FATHOM_NR_HELPER_ARGS	5	/* R1 .. R5 */

/**
 * struct fathom_insn - one 8-byte instruction
 * @code: class | op | source, or class | size | mode
 * @dst_reg: destination (or base of a store) register, 0..10
 * @src_reg: source (or base of a load) register, 0..10
 * @off: signed offset: memory displacement or jump distance
 * @imm: signed immediate
 */
struct fathom_insn {
	__u8	code;
	__u8	dst_reg:4,
		src_reg:4;
	__s16	off;
	__s32	imm;
};

/* Instruction classes: code & 0x07 */
#define FATHOM_CLASS(code)	((code) & 0x07)
#define FATHOM_ALU64		0x01
#define FATHOM_ALU32		0x02
#define FATHOM_JMP		0x03
#define FATHOM_LDX		0x04
#define FATHOM_ST		0x05
#define FATHOM_STX		0x06
#define FATHOM_LD		0x07

/* Operand source for ALU and JMP: code & 0x08 */
#define FATHOM_SRC(code)	((code) & 0x08)
#define FATHOM_K		0x00	/* 32-bit immediate */
#define FATHOM_X		0x08	/* src_reg */

/* ALU and JMP operation: code & 0xf0 */
#define FATHOM_OP(code)		((code) & 0xf0)
#define FATHOM_ADD		0x00
#define FATHOM_SUB		0x10
#define FATHOM_MUL		0x20
#define FATHOM_DIV		0x30
#define FATHOM_MOD		0x40
#define FATHOM_AND		0x50
#define FATHOM_OR		0x60
#define FATHOM_XOR		0x70
#define FATHOM_LSH		0x80
#define FATHOM_RSH		0x90
#define FATHOM_ARSH		0xa0
#define FATHOM_NEG		0xb0
#define FATHOM_MOV		0xc0

#define FATHOM_JA		0x00
#define FATHOM_JEQ		0x10
#define FATHOM_JNE		0x20
#define FATHOM_JGT		0x30
#define FATHOM_JGE		0x40
#define FATHOM_JLT		0x50
#define FATHOM_JLE		0x60
#define FATHOM_JSGT		0x70
#define FATHOM_JSGE		0x80
#define FATHOM_JSLT		0x90
#define FATHOM_JSLE		0xa0
#define FATHOM_JSET		0xb0
#define FATHOM_CALL		0xc0
#define FATHOM_EXIT		0xd0

/* Access size for LDX, ST, STX and LD: code & 0x18 */
#define FATHOM_SIZE(code)	((code) & 0x18)
#define FATHOM_B		0x00	/* 1 byte */
#define FATHOM_H		0x08	/* 2 bytes */
#define FATHOM_W		0x10	/* 4 bytes */
#define FATHOM_DW		0x18	/* 8 bytes */

/* Addressing mode for LDX, ST, STX and LD: code & 0xe0 */
#define FATHOM_MODE(code)	((code) & 0xe0)
#define FATHOM_MEM		0x00	/* stack: base register + off */
#define FATHOM_IMM		0x00	/* LD only: 64-bit immediate */

#define FATHOM_LD_IMM64_CODE	(FATHOM_LD | FATHOM_DW | FATHOM_IMM)

/**
 * enum fathom_arg_kind - what a helper expects in one argument register
 * @FATHOM_ARG_NONE: unused; the register is not read
 * @FATHOM_ARG_SCALAR: any initialised scalar (never a stack pointer)
 * @FATHOM_ARG_STACK_IN: stack pointer to bytes the helper reads; the next
 *	argument is their FATHOM_ARG_LEN_CONST length, and every byte must
 *	have been written
 * @FATHOM_ARG_STACK_OUT: stack pointer to bytes the helper fills; the next
 *	argument is their FATHOM_ARG_LEN_CONST length; the bytes count as
 *	written after the call (the helper zero-fills on failure)
 * @FATHOM_ARG_LEN_CONST: length of the preceding STACK_IN/STACK_OUT
 *	buffer: a known constant, 1..FATHOM_STACK_SIZE, and the buffer must
 *	lie inside the stack
 * @FATHOM_ARG_MAP_ID_CONST: known constant map id, 1..number of maps of
 *	the program (map id i is the i-th map the program was loaded with)
 * @FATHOM_ARG_MAP_KEY: stack pointer to key_size written bytes of the
 *	map named by the preceding MAP_ID_CONST argument
 * @FATHOM_ARG_MAP_VALUE_IN: stack pointer to value_size written bytes of
 *	that map
 * @FATHOM_ARG_MAP_VALUE_OUT: stack pointer to value_size bytes the helper
 *	fills (zero-filled when there is nothing to copy)
 */
enum fathom_arg_kind {
	FATHOM_ARG_NONE		= 0,
	FATHOM_ARG_SCALAR	= 1,
	FATHOM_ARG_STACK_IN	= 2,
	FATHOM_ARG_STACK_OUT	= 3,
	FATHOM_ARG_LEN_CONST	= 4,
	FATHOM_ARG_MAP_ID_CONST	= 5,
	FATHOM_ARG_MAP_KEY	= 6,
	FATHOM_ARG_MAP_VALUE_IN	= 7,
	FATHOM_ARG_MAP_VALUE_OUT = 8,
};

/**
 * enum fathom_helper_id - helpers a program may CALL (imm of the call)
 *
 * Every helper returns a u64 in R0; where a helper can fail it returns a
 * negative errno (as a two's complement u64). Each helper's arguments are
 * listed in FATHOM_HELPER_MAP below. Helpers do bounded work and never
 * sleep, allocate or take a sleeping lock.
 *
 * @FATHOM_HELPER_GET_PID: thread group id of current
 * @FATHOM_HELPER_GET_TID: thread id of current
 * @FATHOM_HELPER_GET_UID: real uid of current
 * @FATHOM_HELPER_GET_GID: real gid of current
 * @FATHOM_HELPER_GET_COMM: copy current's comm, NUL-padded, to the stack
 * @FATHOM_HELPER_GET_CGROUP_ID: id of current's default-hierarchy cgroup
 * @FATHOM_HELPER_GET_CPU: processor the probe runs on
 * @FATHOM_HELPER_KTIME_NS: monotonic clock in nanoseconds
 * @FATHOM_HELPER_GET_PROBE_ID: id of the probe that fired
 * @FATHOM_HELPER_GET_ARG: nth (0-based) argument of the probed function
 *	(kernel or user); 0 when there is no such argument (a tracepoint's
 *	fields are read with READ_CTX)
 * @FATHOM_HELPER_GET_RETVAL: return value at a return probe, else 0
 * @FATHOM_HELPER_PROBE_READ_KERNEL: copy len bytes from a kernel address;
 *	0 or a negative errno with the destination zero-filled
 * @FATHOM_HELPER_PROBE_READ_USER: likewise from a user address
 * @FATHOM_HELPER_PROBE_READ_KERNEL_STR: copy a NUL-terminated string of at
 *	most len bytes (always NUL-terminated, tail zero-filled); returns
 *	the length including the NUL, or a negative errno (zero-filled)
 * @FATHOM_HELPER_PROBE_READ_USER_STR: likewise from user memory
 * @FATHOM_HELPER_MAP_LOOKUP: copy the value for key to the stack; 0 if
 *	found, -ENOENT (value zero-filled) if not
 * @FATHOM_HELPER_MAP_UPDATE: insert or replace key's value; 0 or -errno
 * @FATHOM_HELPER_MAP_DELETE: delete key; 0 or -ENOENT
 * @FATHOM_HELPER_MAP_AGGREGATE: fold a scalar into key's aggregation; the
 *	map's kind (count, sum, min, max, avg, stats, hist, lhist) decides how
 * @FATHOM_HELPER_EMIT: copy a record from the stack to the session's relay
 *	channel; 0, or a negative errno when the record was dropped
 * @FATHOM_HELPER_GET_KSTACK_ID: store the kernel stack (skipping the given
 *	number of frames) in a stack map; returns its id or a negative errno
 * @FATHOM_HELPER_GET_USTACK_ID: likewise for the user stack
 * @FATHOM_HELPER_READ_CTX: copy len bytes at offset (R3) of the hit's
 *	record (a tracepoint's event record) to the stack; 0, or -EINVAL
 *	and zeroes when the range is outside the record or there is none
 * @FATHOM_HELPER_ELAPSED_NS: nanoseconds since the session was last
 *	started (KTIME_NS's clock)
 * @FATHOM_HELPER_GET_REG: the u64 at byte offset R1 of the hit's struct
 *	pt_regs (a multiple of 8 below its size); 0 when there are no
 *	registers or the offset is out of range (USDT register operands)
 * @FATHOM_HELPER_GET_CURRENT_TASK: the address of the current task's
 *	struct task_struct (bpftrace's curtask), to read with
 *	PROBE_READ_KERNEL at offsets user space takes from BTF
 */
enum fathom_helper_id {
	FATHOM_HELPER_UNSPEC			= 0,
	FATHOM_HELPER_GET_PID			= 1,
	FATHOM_HELPER_GET_TID			= 2,
	FATHOM_HELPER_GET_UID			= 3,
	FATHOM_HELPER_GET_GID			= 4,
	FATHOM_HELPER_GET_COMM			= 5,
	FATHOM_HELPER_GET_CGROUP_ID		= 6,
	FATHOM_HELPER_GET_CPU			= 7,
	FATHOM_HELPER_KTIME_NS			= 8,
	FATHOM_HELPER_GET_PROBE_ID		= 9,
	FATHOM_HELPER_GET_ARG			= 10,
	FATHOM_HELPER_GET_RETVAL		= 11,
	FATHOM_HELPER_PROBE_READ_KERNEL		= 12,
	FATHOM_HELPER_PROBE_READ_USER		= 13,
	FATHOM_HELPER_PROBE_READ_KERNEL_STR	= 14,
	FATHOM_HELPER_PROBE_READ_USER_STR	= 15,
	FATHOM_HELPER_MAP_LOOKUP		= 16,
	FATHOM_HELPER_MAP_UPDATE		= 17,
	FATHOM_HELPER_MAP_DELETE		= 18,
	FATHOM_HELPER_MAP_AGGREGATE		= 19,
	FATHOM_HELPER_EMIT			= 20,
	FATHOM_HELPER_GET_KSTACK_ID		= 21,
	FATHOM_HELPER_GET_USTACK_ID		= 22,
	FATHOM_HELPER_READ_CTX			= 23,
	FATHOM_HELPER_ELAPSED_NS		= 24,
	FATHOM_HELPER_GET_REG			= 25,
	FATHOM_HELPER_GET_CURRENT_TASK		= 26,

	__FATHOM_HELPER_MAX,
	FATHOM_HELPER_MAX = __FATHOM_HELPER_MAX - 1,
};

/*
 * FATHOM_HELPER_MAP(X) - every helper's signature, as data for both sides:
 * X(ID, name, arg1, arg2, arg3, arg4, arg5), where ID is the suffix of a
 * FATHOM_HELPER_* id, name is its lower-case name and argN is the suffix of
 * the FATHOM_ARG_* kind expected in register RN. (An X-macro list cannot
 * be parenthesised: checkpatch's "complex values" report on it is expected.)
 */
#define FATHOM_HELPER_MAP(X)						\
	X(GET_PID, get_pid, NONE, NONE, NONE, NONE, NONE)		\
	X(GET_TID, get_tid, NONE, NONE, NONE, NONE, NONE)		\
	X(GET_UID, get_uid, NONE, NONE, NONE, NONE, NONE)		\
	X(GET_GID, get_gid, NONE, NONE, NONE, NONE, NONE)		\
	X(GET_COMM, get_comm, STACK_OUT, LEN_CONST, NONE, NONE, NONE)	\
	X(GET_CGROUP_ID, get_cgroup_id, NONE, NONE, NONE, NONE, NONE)	\
	X(GET_CPU, get_cpu, NONE, NONE, NONE, NONE, NONE)		\
	X(KTIME_NS, ktime_ns, NONE, NONE, NONE, NONE, NONE)		\
	X(GET_PROBE_ID, get_probe_id, NONE, NONE, NONE, NONE, NONE)	\
	X(GET_ARG, get_arg, SCALAR, NONE, NONE, NONE, NONE)		\
	X(GET_RETVAL, get_retval, NONE, NONE, NONE, NONE, NONE)		\
	X(PROBE_READ_KERNEL, probe_read_kernel,				\
	  STACK_OUT, LEN_CONST, SCALAR, NONE, NONE)			\
	X(PROBE_READ_USER, probe_read_user,				\
	  STACK_OUT, LEN_CONST, SCALAR, NONE, NONE)			\
	X(PROBE_READ_KERNEL_STR, probe_read_kernel_str,			\
	  STACK_OUT, LEN_CONST, SCALAR, NONE, NONE)			\
	X(PROBE_READ_USER_STR, probe_read_user_str,			\
	  STACK_OUT, LEN_CONST, SCALAR, NONE, NONE)			\
	X(MAP_LOOKUP, map_lookup,					\
	  MAP_ID_CONST, MAP_KEY, MAP_VALUE_OUT, NONE, NONE)		\
	X(MAP_UPDATE, map_update,					\
	  MAP_ID_CONST, MAP_KEY, MAP_VALUE_IN, NONE, NONE)		\
	X(MAP_DELETE, map_delete, MAP_ID_CONST, MAP_KEY, NONE, NONE, NONE) \
	X(MAP_AGGREGATE, map_aggregate,					\
	  MAP_ID_CONST, MAP_KEY, SCALAR, NONE, NONE)			\
	X(EMIT, emit, STACK_IN, LEN_CONST, NONE, NONE, NONE)		\
	X(GET_KSTACK_ID, get_kstack_id,					\
	  MAP_ID_CONST, SCALAR, NONE, NONE, NONE)			\
	X(GET_USTACK_ID, get_ustack_id,					\
	  MAP_ID_CONST, SCALAR, NONE, NONE, NONE)			\
	X(READ_CTX, read_ctx, STACK_OUT, LEN_CONST, SCALAR, NONE, NONE)	\
	X(ELAPSED_NS, elapsed_ns, NONE, NONE, NONE, NONE, NONE)		\
	X(GET_REG, get_reg, SCALAR, NONE, NONE, NONE, NONE)		\
	X(GET_CURRENT_TASK, get_current_task, NONE, NONE, NONE, NONE, NONE)

#endif /* _UAPI_LINUX_FATHOM_ISA_H */
