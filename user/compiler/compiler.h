/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The bpftrace-language front end, as the tool calls it:
 *
 *	struct diag_sink d;
 *	diag_init(&d, stderr);
 *	s = fathom_script_parse(name, text, len, &d);   lex, parse, probe specs
 *	if (s && fathom_script_check(s, &d) == 0)        types, constants
 *		... codegen walks s->prog (ast.h) ...
 *	fathom_script_free(s);
 *	diag_fini(&d);
 *
 * File names: a script file is shown by the path given on the command
 * line; a -e program is shown as "<expr>" (FATHOM_EXPR_NAME).
 */
#ifndef _FATHOM_USER_COMPILER_H
#define _FATHOM_USER_COMPILER_H

#include <stddef.h>
#include <stdio.h>

#include "ast.h"
#include "diag.h"

#define FATHOM_EXPR_NAME "<expr>"

/**
 * fathom_script_parse() - lex and parse a script, split its probe specs
 * @name: file name for messages; NULL means FATHOM_EXPR_NAME
 * @text: the script (need not be NUL-terminated; a NUL byte is an error)
 * @len: its length in bytes
 * @d: diagnostics; the source is attached to it (diag_set_source())
 *
 * Return: the script, or NULL when out of memory. Syntax errors are
 * reported to @d and leave a partial tree: check diag_failed(@d), or the
 * return value of fathom_script_check(), which refuses such a script.
 */
struct fathom_script *fathom_script_parse(const char *name, const char *text,
					  size_t len, struct diag_sink *d);

/*
 * What the command line gives the compiler, set between parsing and
 * checking:
 *
 * @tracefs: the directory that holds tracefs' events/ (whose
 *	events/CAT/NAME/format files give args' fields); NULL means
 *	$FATHOM_TRACEFS, else /sys/kernel/tracing, else
 *	/sys/kernel/debug/tracing
 * @params: the positional parameters $1..$nparams (the arguments after
 *	the script file); an integer when the whole text is a number, else
 *	a string, as in bpftrace; $# is nparams
 */
struct fathom_compile_opts {
	const char *tracefs;
	/* BTF file for struct members; NULL: $FATHOM_BTF, else
	 * /sys/kernel/btf/vmlinux */
	const char *btf;
	/* kaddr()'s symbols; NULL: $FATHOM_KALLSYMS, else /proc/kallsyms */
	const char *kallsyms;
	const char *const *params;
	unsigned int nparams;
	/* entries of a keyed map; 0: FATHOM_CG_MAX_ENTRIES */
	uint32_t map_keys_max;
};

/**
 * fathom_script_set_opts() - give a parsed script its options
 * @s: a parsed, not yet checked script
 * @o: copied into @s
 *
 * Return: 0 or -ENOMEM.
 */
int fathom_script_set_opts(struct fathom_script *s,
			   const struct fathom_compile_opts *o);

/**
 * fathom_script_check() - semantic pass (types, builtins per probe kind,
 * printf formats, aggregations) then constant folding
 * @s: a parsed script
 * @d: diagnostics (the same sink that parsed @s)
 *
 * Return: 0, or -EINVAL when any error was reported (or parsing had
 * failed), -ENOMEM when out of memory.
 */
int fathom_script_check(struct fathom_script *s, struct diag_sink *d);

/** fathom_script_dump() - print the AST, with types once checked */
void fathom_script_dump(const struct fathom_script *s, FILE *out);

/** fathom_script_free() - free @s and its whole tree; NULL is fine */
void fathom_script_free(struct fathom_script *s);

#endif /* _FATHOM_USER_COMPILER_H */
