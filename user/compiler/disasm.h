/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Disassembler for fathom bytecode: one readable line per instruction,
 * operator names from FATHOM_INSN_MAP (kmod/vm/isa.h).
 */
#ifndef _FATHOM_USER_DISASM_H
#define _FATHOM_USER_DISASM_H

#include <stddef.h>
#include <stdio.h>
#include <linux/fathom_isa.h>

/**
 * fathom_disasm_insn() - format the instruction at @idx
 * @insns: program
 * @len: number of slots in @insns
 * @idx: index of the instruction to format
 * @buf: output, NUL-terminated, without index or newline
 * @size: size of @buf
 *
 * Return: slots consumed (2 for ld_imm64, else 1).
 */
int fathom_disasm_insn(const struct fathom_insn *insns, unsigned int len,
		       unsigned int idx, char *buf, size_t size);

/**
 * fathom_disasm_prog() - print a program, one "%3u: insn" line each
 * @f: stream
 * @insns: program
 * @len: number of slots
 */
void fathom_disasm_prog(FILE *f, const struct fathom_insn *insns,
			unsigned int len);

#endif /* _FATHOM_USER_DISASM_H */
