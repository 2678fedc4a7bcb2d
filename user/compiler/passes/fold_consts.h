/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Constant folding of integer expressions, with the VM's arithmetic:
 * 64-bit two's complement, wrapping. Division or modulo by a constant
 * zero and shifts by a constant outside 0..63 are compile errors.
 */
#ifndef _FATHOM_USER_PASSES_FOLD_CONSTS_H
#define _FATHOM_USER_PASSES_FOLD_CONSTS_H

#include <stdbool.h>
#include <stdint.h>

#include "../ast.h"
#include "../diag.h"

/**
 * fold_consts() - replace constant integer subtrees by AST_INT nodes
 * @s: a script that passed semantic_check()
 * @d: diagnostics
 *
 * Return: 0, or -EINVAL after reporting.
 */
int fold_consts(struct fathom_script *s, struct diag_sink *d);

/**
 * const_eval() - value of a constant integer expression, without
 * changing the tree or reporting anything
 * @n: expression
 * @out: its value (two's complement bits)
 *
 * Return: true when @n is constant (and not a division by zero).
 */
bool const_eval(const struct ast_node *n, uint64_t *out);

#endif /* _FATHOM_USER_PASSES_FOLD_CONSTS_H */
