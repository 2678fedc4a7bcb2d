/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tracepoint formats: the fields of a tracepoint's event record, read
 * from tracefs' events/CAT/NAME/format, so that args.NAME and args->NAME
 * get a type and an offset. The semantic pass asks for each field it
 * meets; formats are loaded once per check, on first use, and only for
 * probes that read args.
 */
#ifndef _FATHOM_USER_PASSES_TP_FORMAT_H
#define _FATHOM_USER_PASSES_TP_FORMAT_H

#include "../ast.h"
#include "../diag.h"

struct tp_cache;

/**
 * tp_field_resolve() - find args.NAME in every tracepoint of a probe
 * @s: the script (its arena holds the loaded formats)
 * @cache: formats loaded so far in this check; starts NULL, lives in @s
 * @p: the probe whose tracepoint specs (wildcards expanded) give args
 * @n: the AST_FIELD node; n->u.field.info is set on success
 * @d: diagnostics
 * @silent: report nothing (an inference round of the semantic pass)
 *
 * Every tracepoint of @p must have the field, with the same offset and
 * type (bpftrace's rule for a block shared by several tracepoints).
 *
 * Return: 0, -EINVAL after reporting, or -ENOMEM.
 */
int tp_field_resolve(struct fathom_script *s, struct tp_cache **cache,
		     const struct ast_probe *p, struct ast_node *n,
		     struct diag_sink *d, bool silent);

/**
 * tp_tracefs_dir() - the tracefs directory used for @s
 *
 * Return: fathom_script_set_opts()'s tracefs, else $FATHOM_TRACEFS, else
 * the first of /sys/kernel/tracing and /sys/kernel/debug/tracing that has
 * an events/ directory (the former when neither has).
 */
const char *tp_tracefs_dir(const struct fathom_script *s);

#endif /* _FATHOM_USER_PASSES_TP_FORMAT_H */
