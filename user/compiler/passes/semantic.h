/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The semantic pass: infers and checks the type of every expression, map
 * and scratch variable; checks builtins against probe kinds, function
 * arities and arguments, printf formats against their arguments, and
 * that aggregations only appear as map values.
 */
#ifndef _FATHOM_USER_PASSES_SEMANTIC_H
#define _FATHOM_USER_PASSES_SEMANTIC_H

#include "../ast.h"
#include "../diag.h"

/**
 * semantic_check() - type the whole program
 * @s: a script parsed without errors
 * @d: diagnostics
 *
 * Maps may be read in a probe that comes before the one assigning them,
 * so their value types are first inferred by silent rounds over the whole
 * program; the reporting round then walks it in source order, so "first
 * assigned here" notes point at the earliest assignment.
 *
 * Return: 0, or -EINVAL after reporting errors.
 */
int semantic_check(struct fathom_script *s, struct diag_sink *d);

/**
 * printf_check_format() - check a printf format against argument types
 * @d: diagnostics
 * @fmt: the AST_STR format node
 * @args: the arguments after the format (already typed)
 * @nargs: how many
 *
 * Return: 0, or -EINVAL after reporting.
 */
int printf_check_format(struct diag_sink *d, const struct ast_node *fmt,
			struct ast_node *const *args, uint32_t nargs);

#endif /* _FATHOM_USER_PASSES_SEMANTIC_H */
