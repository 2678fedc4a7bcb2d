/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Recursive-descent parser for the bpftrace language: C operator
 * precedence, probe specs split by passes/probe_specs.c, names of
 * builtins and functions resolved to enum builtin / enum func here (with
 * "did you mean" for unknown ones). Syntax errors are reported and the
 * parser resynchronises at the next statement or probe, so one run
 * reports several.
 */
#ifndef _FATHOM_USER_PARSER_H
#define _FATHOM_USER_PARSER_H

#include "ast.h"
#include "diag.h"

/**
 * parse_program() - fill s->prog from s->text
 * Return: 0, -EINVAL after syntax errors, -ENOMEM.
 */
int parse_program(struct fathom_script *s, struct diag_sink *d);

/* Lookup tables shared with the semantic pass. */
int builtin_lookup(const char *name, size_t len, uint32_t *arg_index);
int func_lookup(const char *name, size_t len);

#endif /* _FATHOM_USER_PARSER_H */
