/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's verifier, run in user space before a program is sent, so a
 * rejected program is explained without a round trip and exactly as the
 * module would (the same source, kmod/vm/verify.c, is built in both).
 */
#ifndef _FATHOM_USER_VERIFY_H
#define _FATHOM_USER_VERIFY_H

#include <stddef.h>
#include <stdint.h>

struct fathom_insn;
struct fathom_map_spec;

/**
 * fathom_verify_local() - verify a program against a session's maps
 * @insns: the program
 * @len: instructions
 * @maps: the session's maps (map id i is @maps[i - 1])
 * @nr_maps: how many
 * @log: where the reason goes, NUL-terminated
 * @log_size: bytes at @log
 * @insn: the offending instruction, or -1
 *
 * Return: 0, or the negative errno the kernel would answer with.
 */
int fathom_verify_local(const struct fathom_insn *insns, uint32_t len,
			const struct fathom_map_spec *maps, uint32_t nr_maps,
			char *log, size_t log_size, int *insn);

#endif /* _FATHOM_USER_VERIFY_H */
