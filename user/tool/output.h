/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Output of a running script, in bpftrace's text and JSON forms:
 * printf() records as they stream in, maps when printed (print(), exit,
 * Ctrl-C), and the tool's own messages ("Attaching N probes...", lost
 * events). Nothing here talks to the kernel: the caller dumps maps with
 * fathom_map_dump() and feeds the entries in; tests feed bytes directly.
 *
 *	o = fathom_out_new(stdout, FATHOM_OUT_TEXT, compiled);
 *	fathom_out_attached(o, n);
 *	... for each relay record: fathom_out_record(o, payload, len) ...
 *	md = fathom_mapdata_new(o, map_id);
 *	... for each dumped entry: fathom_mapdata_add(md, cpu, k, ks, v, vs) ...
 *	fathom_out_map(o, md);  fathom_mapdata_free(md);
 *	fathom_out_free(o);
 */
#ifndef _FATHOM_USER_TOOL_OUTPUT_H
#define _FATHOM_USER_TOOL_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

struct fathom_compiled;

enum fathom_out_format {
	FATHOM_OUT_TEXT = 1,
	FATHOM_OUT_JSON,
};

struct fathom_out;
struct fathom_mapdata;

/**
 * fathom_out_new() - an output for one compiled script
 * @f: where to write (stdout, or the -o file)
 * @fmt: text or JSON (one JSON object per line, bpftrace's shapes)
 * @c: the compiled script: formats, map descriptions, probe names
 *
 * Return: the output, or NULL when out of memory.
 */
struct fathom_out *fathom_out_new(FILE *f, enum fathom_out_format fmt,
				  const struct fathom_compiled *c);
void fathom_out_free(struct fathom_out *o);

/* "Attaching N probes..." (text) or {"type": "attached_probes", ...} */
void fathom_out_attached(struct fathom_out *o, unsigned int nr_probes);

/**
 * fathom_out_record() - format one printf()/time() record
 * @o: the output
 * @rec: record payload (after struct fathom_record_hdr): a u32 format id
 *	first, see user/compiler/codegen.h
 * @len: payload bytes
 *
 * Action records (first u32 >= FATHOM_ACTION_BASE) are not formatted here,
 * except FATHOM_ACTION_TIME, which is time()'s output (see fathom_out_time()).
 * Return: 0 for a formatted record, 1 for an action record (the caller
 * acts on it), -EBADMSG for a record that does not match its format.
 */
int fathom_out_record(struct fathom_out *o, const void *rec, size_t len);

/**
 * fathom_out_stack_add() - make one stack of a STACK map known
 * @o: the output
 * @stack_map: the STACK map's id (fathom_cmap.stack_map[] names it)
 * @id: the stack id (the STACK map's value)
 * @ips: addresses, innermost first
 * @nr: number of @ips
 *
 * Stack keys and values of other maps are shown through these. Return: 0
 * or -ENOMEM.
 */
int fathom_out_stack_add(struct fathom_out *o, uint32_t stack_map, uint64_t id,
			 const uint64_t *ips, uint32_t nr);

/**
 * fathom_out_ustack_add() - fathom_out_stack_add() for a user stack
 * @o: the output
 * @stack_map: the STACK map's id
 * @id: the stack id
 * @tgid: the process the stack belongs to (the STACK key's tgid)
 * @ips: addresses, innermost first
 * @nr: number of @ips
 *
 * The frames are symbolised in @tgid's address space when printed (see
 * fathom_out_set_usyms()); registering them also asks the resolver to
 * snapshot @tgid's mappings while the process may still live, so a tool
 * that dumps its STACK maps periodically can symbolise short-lived
 * processes. Return: 0 or -ENOMEM.
 */
int fathom_out_ustack_add(struct fathom_out *o, uint32_t stack_map, uint64_t id,
			  uint32_t tgid, const uint64_t *ips, uint32_t nr);

/** fathom_mapdata_new() - collect the entries of map @map_id (1-based) */
struct fathom_mapdata *fathom_mapdata_new(struct fathom_out *o,
					  uint32_t map_id);

/**
 * fathom_mapdata_add() - add one dumped entry, merging CPUs
 * @md: the collection
 * @cpu: the entry's CPU, UINT32_MAX for shared (HASH) maps
 * @key: key bytes (the map's key layout)
 * @key_size: bytes at @key
 * @value: value bytes, the kind's per-CPU layout (uapi/linux/fathom.h)
 * @value_size: bytes at @value
 *
 * Per-CPU aggregation values of the same key are merged the way DTrace
 * and bpftrace do (counts and sums add, min/max fold, histograms add).
 * Return: 0, -ENOMEM, or -EINVAL for sizes that do not fit the map.
 */
int fathom_mapdata_add(struct fathom_mapdata *md, uint32_t cpu, const void *key,
		       uint32_t key_size, const void *value,
		       uint32_t value_size);
void fathom_mapdata_free(struct fathom_mapdata *md);

/**
 * fathom_out_map() - print a map as bpftrace does
 * @o: the output
 * @md: its merged entries
 *
 * Text: "@name[k1, k2]: value" lines sorted by value (ascending), hist and
 * lhist with bpftrace's bucket labels and bars, avg/stats forms, an empty
 * line after each map. JSON: {"type": "map"|"hist"|"stats", "data": ...}.
 */
void fathom_out_map(struct fathom_out *o, const struct fathom_mapdata *md);

/* Tool messages on the output's stream: lost records, errors at exit. */
void fathom_out_lost(struct fathom_out *o, uint64_t lost);

/*
 * Additions (the functions above are the contract run.c codes against).
 *
 * Text and JSON follow bpftrace 0.17 (Debian's), checked against its
 * output: map lines "@name[k1, k2]: v" with no empty line after plain
 * maps; hist/lhist as "@name: " (bpftrace's trailing space), the bucket
 * lines, then an empty line per key; avg/stats lines then one empty line;
 * stack keys indented by 4 spaces, stack values by 8, kernel frames as
 * "name+offset" with a decimal offset (bpftrace's form, not %pS's hex),
 * user frames the same through fathom_out_set_usyms()'s resolver (perf
 * mode adds " (file)"), unresolved addresses as hex. usym() values are
 * "name" when the value carries its process (a 16-byte { u64 addr; u64
 * tgid } of TYPE_USYM, as code generation makes them), hex otherwise. Sort: by value ascending
 * (count/sum/min/max and integer values), by average (avg/stats), by total
 * count (hist/lhist), otherwise by key; ties by key (integer components
 * numerically, strings bytewise, first component first). In JSON an
 * empty map prints nothing, as in bpftrace.
 *
 * A STACK map's entries given to fathom_mapdata_add() are registered as
 * fathom_out_stack_add() does (so the caller may simply dump the STACK
 * maps first); fathom_out_map() prints nothing for a STACK map.
 */

/**
 * fathom_out_time() - print a time() record: strftime() of the current
 * local time with format @fmt_id (an is_time format)
 *
 * fathom_out_record() calls this for FATHOM_ACTION_TIME records (and
 * returns 0 for them: they are formatted, not left to the caller).
 * Return: 0 or -EBADMSG for an unknown format.
 */
int fathom_out_time(struct fathom_out *o, uint32_t fmt_id);

/* Where the kernel's symbols come from (default FATHOM_KALLSYMS), read on
 * the first kernel address to print; tests point it at a file. */
void fathom_out_set_kallsyms(struct fathom_out *o, const char *path);

/**
 * typedef fathom_out_usym_fn - how user addresses become text
 * @arg: the resolver (fathom_out_set_usyms()'s @arg)
 * @pid: the process of the address
 * @addr: the address
 * @flags: FATHOM_USYM_* of user/lib/usyms.h: OFFSET for stack frames
 *	("name+off"), MODULE in perf mode (" (path)"), CAPTURE alone (no
 *	text wanted, @buf NULL) to snapshot @pid's mappings if not yet done
 * @buf: where to write
 * @size: bytes at @buf
 *
 * fathom_usyms_format() with a struct fathom_usyms * is the one to use;
 * the output only calls through the pointer, so it needs no libelf.
 * Return: the length of the full text, as snprintf().
 */
typedef int (*fathom_out_usym_fn)(void *arg, uint32_t pid, uint64_t addr,
				  unsigned int flags, char *buf, size_t size);

/*
 * Symbolise user stack frames (and usym() values that carry their pid)
 * with @fn; without it (the default) they print as hex, as do frames of
 * stacks registered without a tgid.
 */
void fathom_out_set_usyms(struct fathom_out *o, fathom_out_usym_fn fn,
			  void *arg);

/* The clock time() records print (default time(NULL)); for tests. */
void fathom_out_set_clock(struct fathom_out *o, time_t (*now)(void));

/**
 * fathom_out_map_order() - the maps to print at exit, in bpftrace's order
 * @c: the compiled script
 * @ids: filled with map ids (1-based), at least @c->nr_maps slots
 *
 * bpftrace prints its maps sorted by name ("@" first, then "@a", "@b"
 * ...); STACK maps are not printed.
 * Return: how many ids were written.
 */
uint32_t fathom_out_map_order(const struct fathom_compiled *c, uint32_t *ids);

/* The text bpftrace writes when the trace stops, before printing maps:
 * two newlines (in JSON mode too). */
void fathom_out_exit_banner(struct fathom_out *o);

#endif /* _FATHOM_USER_TOOL_OUTPUT_H */
