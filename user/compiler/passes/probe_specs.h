/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Probe spec splitting and validation: "kr:vfs_read" becomes
 * { PROBE_KRETPROBE, name "vfs_read" }. Wildcards are kept as patterns
 * for the later resolution pass (against available_filter_functions,
 * tracefs events, ELF symbols), which reports unknown targets with
 * diag_suggest().
 */
#ifndef _FATHOM_USER_PASSES_PROBE_SPECS_H
#define _FATHOM_USER_PASSES_PROBE_SPECS_H

#include "../ast.h"
#include "../diag.h"

/**
 * probe_spec_parse() - split one spec into @out
 * @s: script (arena for the field strings)
 * @d: diagnostics
 * @text: the spec as written
 * @len: its length
 * @loc: where it is in the source
 * @out: result
 *
 * Return: 0, or -EINVAL after reporting what is wrong, pointing at the
 * offending field; -ENOMEM.
 */
int probe_spec_parse(struct fathom_script *s, struct diag_sink *d,
		     const char *text, size_t len, struct src_loc loc,
		     struct probe_spec *out);

#endif /* _FATHOM_USER_PASSES_PROBE_SPECS_H */
