/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Code generation: a checked script (fathom_script_check() returned 0)
 * becomes fathom bytecode, one program per probe block, plus the tables
 * a session needs (maps, probes) and the tables user space needs to
 * decode what the programs emit (printf formats, map key/value types).
 *
 *	c = fathom_codegen(s, &d);          NULL: errors reported to d
 *	spec.progs = c->progs_spec; spec.maps = c->maps; ...
 *	fathom_compiled_free(c);
 *
 * Every program is verified with fathom_verify_local() before
 * fathom_codegen() returns; a rejection is reported as an internal error
 * at the script location of the offending instruction.
 *
 * Stack frame of a program (512 bytes, R10 = one past the end): scratch
 * variables get fixed slots (8 bytes for integers, the string size rounded
 * up to 8 for strings), zeroed right after the predicate; below them the
 * zero key of maps without keys and the keys built once per program;
 * temporaries (map keys and values, string buffers, records, operands
 * spilled when R6-R9 are taken) are allocated below those per statement.
 * Strings on the stack always occupy
 * their size rounded up to 8 bytes, NUL-padded to the end.
 *
 * Records the programs EMIT (all little-endian host order):
 *   printf:  { u32 format_id; u32 pad; arg0; arg1; ... }  where an integer
 *            argument is 8 bytes and a string argument is its type's size
 *            rounded up to 8 (NUL-padded); see fathom_fmt.
 *   action:  { u32 action (FATHOM_ACTION_*); u32 arg }: print/clear/zero
 *            (arg = map id), exit (arg = status, low 32 bits), time
 *            (arg = format id of its strftime format).
 * Format ids are below FATHOM_ACTION_BASE, so the first u32 tells the two
 * apart.
 *
 * Map values and keys: integer key components are 8 bytes, strings their
 * size rounded up to 8, kstack/ustack components the 8-byte stack id that
 * GET_KSTACK_ID/GET_USTACK_ID returned in the stack map recorded in
 * fathom_cmap.stack_map (one STACK map per kernel/user and depth); a
 * usym() value (key, map value, printf argument or variable) is 16 bytes,
 * { u64 addr; u64 tgid }, the address and the process it is in. A map
 * with no key (@x, @) has the single 8-byte key 0.
 */
#ifndef _FATHOM_USER_CODEGEN_H
#define _FATHOM_USER_CODEGEN_H

#include <stdint.h>

#include "ast.h"
#include "diag.h"
#include "../lib/api.h"

struct fathom_insn;

#define FATHOM_ACTION_BASE 0xffff0000u
enum fathom_action {
	FATHOM_ACTION_PRINT = FATHOM_ACTION_BASE + 1, /* arg: map id */
	FATHOM_ACTION_CLEAR,			      /* arg: map id */
	FATHOM_ACTION_ZERO,			      /* arg: map id */
	FATHOM_ACTION_EXIT,			      /* arg: status */
	FATHOM_ACTION_TIME,			      /* arg: format id */
};

/* Stack maps cannot have a key over the 512-byte stack: 8 + 8 * 63. */
#define FATHOM_CG_STACK_DEPTH_MAX 63
#define FATHOM_CG_MAX_ENTRIES 4096

/* One program: a probe block. */
struct fathom_cprog {
	struct fathom_insn *insns;
	struct src_loc *locs; /* per instruction slot: where it came from */
	uint32_t len;
	char *name; /* the first probe spec as written */
};

/* What user space needs to print one map (entry i is map id i + 1). */
struct fathom_cmap {
	char *name;	/* "@x", "@"; "kstack"/"ustack" for stack maps */
	uint32_t nkeys; /* 0: the single key 0 */
	struct type keys[AST_MAX_KEYS];
	struct type value;		  /* TYPE_AGG for aggregations */
	uint32_t key_off[AST_MAX_KEYS];	  /* byte offset of each component */
	uint32_t stack_map[AST_MAX_KEYS]; /* stack map id of a stack key */
	uint32_t value_stack_map;	  /* stack map id of a stack value */
	bool is_stack;			  /* a STACK map (no script name) */
	bool user_stack;		  /* is_stack: ustack */
	uint32_t stack_depth;
};

/* One printf() (or time()) format. */
struct fathom_fmt {
	char *fmt; /* as written, escapes decoded */
	uint32_t nargs;
	struct type *args; /* nargs types */
	uint32_t *arg_off; /* byte offset of each argument in the record */
	uint32_t size;	   /* record bytes */
	bool is_time;	   /* time(): a strftime format, no arguments */
};

struct fathom_compiled {
	struct fathom_cprog *progs;
	struct fathom_prog_spec *prog_specs; /* nr_progs, for the session */
	uint32_t nr_progs;
	struct fathom_map_spec *maps; /* map id i = maps[i - 1] */
	struct fathom_cmap *map_info; /* parallel to maps */
	uint32_t nr_maps;
	struct fathom_probe_spec *probes;
	uint32_t nr_probes;
	/* Probes per spec as written, in source order: 1, or for a usdt
	 * spec one per site, already concrete (UPROBE at the site with its
	 * semaphore as ref_ctr_offset), each with the program made for its
	 * argument spec. */
	uint32_t *spec_nprobes;
	uint32_t nr_specs;
	char **probe_names; /* probe id i (what 'probe' yields) */
	uint32_t nr_probe_names;
	struct fathom_fmt *fmts;
	uint32_t nr_fmts;
};

/**
 * fathom_codegen() - generate bytecode for a checked script
 * @s: a script fathom_script_check() accepted
 * @d: diagnostics (the same sink); unsupported constructs are reported as
 *	"... not supported yet" at their location
 *
 * Return: the compiled session, or NULL when an error was reported (or
 * out of memory). @s may be freed afterwards: nothing points into it.
 */
struct fathom_compiled *fathom_codegen(const struct fathom_script *s,
				       struct diag_sink *d);

/**
 * fathom_func_name() - what the 'func' builtin shows for a probe
 * @probe_name: c->probe_names[id] ("kprobe:vfs_read", "uprobe:/bin/sh:main")
 *
 * A TYPE_FUNC value is a probe id, as TYPE_PROBE's; it is printed as the
 * function the probe is on: the part of its name after the last ':'.
 *
 * Return: a pointer into @probe_name (NULL for NULL).
 */
const char *fathom_func_name(const char *probe_name);

/** fathom_compiled_free() - free @c and everything it holds; NULL is fine */
void fathom_compiled_free(struct fathom_compiled *c);

#endif /* _FATHOM_USER_CODEGEN_H */
