/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The usdt pass: every usdt:PATH:[PROVIDER:]NAME spec gets the probe
 * sites of PATH's .note.stapsdt notes that match (wildcards on the
 * provider and the name), in note order, with their argument specs
 * (struct probe_spec.sites). A spec matching nothing, a provider:name
 * pair that is ambiguous without the provider, or a site whose argument
 * string cannot be read from pt_regs is an error at the spec.
 */
#ifndef _FATHOM_USER_COMPILER_USDT_SITES_H
#define _FATHOM_USER_COMPILER_USDT_SITES_H

#include "../compiler.h"

int usdt_sites(struct fathom_script *s, struct diag_sink *d);

/**
 * usdt_find_path() - the file a usdt or uprobe PATH names: as written
 * when it contains a '/', else searched in $PATH
 * @target: as written
 * @buf: filled with the path
 * @size: bytes at @buf
 *
 * Return: 0, or -ENOENT.
 */
int usdt_find_path(const char *target, char *buf, size_t size);

#endif /* _FATHOM_USER_COMPILER_USDT_SITES_H */
