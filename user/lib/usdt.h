/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * USDT probes: the .note.stapsdt notes <sys/sdt.h> leaves in an ELF file
 * (SystemTap's format, also read by bcc, bpftrace and gdb).
 *
 * Each note (owner "stapsdt", type 3) describes one probe site:
 *
 *	u64 pc;		address of the probe's nop
 *	u64 base;	link-time address of .stapsdt.base
 *	u64 semaphore;	address of the probe's enable counter, or 0
 *	char provider[], name[], args[];	NUL-terminated
 *
 * When the file was prelinked, .stapsdt.base's actual address differs
 * from the note's base by the same amount as pc and semaphore moved; both
 * are corrected by it. A uprobe on the probe takes the pc's file offset;
 * the kernel increments the semaphore (uprobe ref_ctr_offset: its file
 * offset) while the uprobe is registered, which is what makes guarded
 * probes (FOO_ENABLED()) fire.
 *
 * Arguments are written in the assembler's syntax (x86-64 here):
 *
 *	[-]SIZE@OPERAND		SIZE in bytes, '-' for signed
 *	OPERAND = %reg | $imm | [disp](%base[,%index[,scale]]) |
 *		  [N+]sym[+-N](%rip)
 *
 * e.g. "-4@%edi 8@-16(%rbp) 8@$5 4@counter(%rip)". Each register is
 * named by its 64-bit register and the offset of that register in the
 * kernel's struct pt_regs, which is what code generation reads.
 *
 * sym(%rip) is a global (what gcc writes for one at -O2): the operand is
 * at the symbol's address, which the file's symbol table gives at link
 * time (sym_addr). In a position-independent file the process has it at
 * that address plus the load bias, which a probe learns from its own
 * site: the ip of the hit minus the note's pc.
 */
#ifndef _FATHOM_USER_USDT_H
#define _FATHOM_USER_USDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FATHOM_USDT_MAX_ARGS 12 /* <sys/sdt.h> allows up to 12 */

enum fathom_usdt_arg_kind {
	FATHOM_USDT_ARG_CONST = 1, /* $imm: value is @disp */
	FATHOM_USDT_ARG_REG,	   /* %reg: the register's value */
	FATHOM_USDT_ARG_MEM,	   /* load @size bytes from the address */
};

struct fathom_usdt_reg {
	char name[8];	/* as written, without '%': "edi", "r8d", "rip" */
	int ptregs_off; /* of the 64-bit register in struct pt_regs */
	uint8_t width;	/* bytes of the register as written: 1, 2, 4, 8 */
};

struct fathom_usdt_arg {
	enum fathom_usdt_arg_kind kind;
	uint8_t size; /* bytes read: 1, 2, 4 or 8 */
	bool is_signed;
	struct fathom_usdt_reg base; /* REG: the register; MEM: the base */
	bool has_base;		     /* MEM: a base register is given */
	bool has_index;		     /* MEM: (base,index,scale) */
	struct fathom_usdt_reg index;
	uint8_t scale;	   /* 1, 2, 4, 8 */
	int64_t disp;	   /* CONST: the value; MEM: the displacement */
	char sym[64];	   /* MEM: a symbolic displacement (foo(%rip)), or "" */
	uint64_t sym_addr; /* @sym's link-time address (st_value) */
};

struct fathom_usdt_probe {
	char *provider;
	char *name;
	uint64_t pc;	  /* link-time address (prelink-corrected) */
	uint64_t pc_off;  /* its file offset: the uprobe's offset */
	uint64_t sem;	  /* semaphore address, 0 for none */
	uint64_t sem_off; /* its file offset: the uprobe's ref_ctr_offset */
	uint64_t base;	  /* the note's .stapsdt.base value */
	char *args;	  /* the argument string as written */
	struct fathom_usdt_arg argv[FATHOM_USDT_MAX_ARGS];
	uint32_t argc;
	int args_err; /* 0, or why @argv is unusable (-EOPNOTSUPP, -E2BIG,
		       * -ENOENT: a symbol it names is not in the file) */
	bool pie;     /* the file is ET_DYN: loaded at a bias */
};

/**
 * fathom_usdt_read() - every USDT probe site of an ELF file
 * @path: the file
 * @out: set to a malloc'd array in note order (NULL when there is none)
 * @n: its length
 *
 * A probe defined once but expanded at several places (inlining,
 * unrolling) has one entry per site.
 *
 * Return: 0; -errno when @path cannot be opened; -ENOEXEC for a file that
 * is not ELF; -EBADMSG for a malformed note or argument string (the whole
 * file is refused: its notes cannot be trusted); -ENOMEM.
 */
int fathom_usdt_read(const char *path, struct fathom_usdt_probe **out,
		     size_t *n);

/** fathom_usdt_free() - free what fathom_usdt_read() returned */
void fathom_usdt_free(struct fathom_usdt_probe *v, size_t n);

/**
 * fathom_usdt_parse_args() - parse an argument string
 * @spec: e.g. "-4@%edi 8@-16(%rbp)"; "" has no arguments
 * @argv: filled, FATHOM_USDT_MAX_ARGS entries
 * @argc: set to the number of arguments
 *
 * Return: 0, -EBADMSG for a malformed string, -EOPNOTSUPP for an operand
 * that cannot be read from pt_regs (an unknown register, %ah..%dh), -E2BIG
 * for more than FATHOM_USDT_MAX_ARGS arguments.
 */
int fathom_usdt_parse_args(const char *spec, struct fathom_usdt_arg *argv,
			   uint32_t *argc);

/**
 * fathom_usdt_reg() - a register name's pt_regs slot
 * @name: without '%' ("eax", "r10w", "rip")
 * @reg: filled
 *
 * Return: 0 or -EOPNOTSUPP.
 */
int fathom_usdt_reg(const char *name, struct fathom_usdt_reg *reg);

#endif /* _FATHOM_USER_USDT_H */
