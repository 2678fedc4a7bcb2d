/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Maps of a session (see enum fathom_map_kind in uapi/linux/fathom.h).
 *
 * Created and destroyed in process context; everything they ever need is
 * allocated at creation. The update functions run in probe context with
 * preemption disabled and never allocate, sleep or spin unboundedly:
 * per-CPU aggregation tables are only ever written by their own CPU
 * (the session's per-CPU recursion guard keeps a CPU from re-entering),
 * HASH maps take a per-bucket raw spinlock with interrupts off.
 */
#ifndef _FATHOM_MAPS_H
#define _FATHOM_MAPS_H

#include <linux/types.h>

struct fathom_map;
struct netlink_ext_ack;
struct nlattr;

/**
 * struct fathom_map_spec - a map as SESSION_CREATE describes it
 * @kind: enum fathom_map_kind
 * @key_size: bytes of a key
 * @value_size: bytes of a HASH value (the other kinds imply theirs)
 * @max_entries: entries per table (per CPU for aggregations)
 * @lhist_min: LHIST range start
 * @lhist_max: LHIST range end
 * @lhist_step: LHIST bucket width, > 0
 */
struct fathom_map_spec {
	u32 kind;
	u32 key_size;
	u32 value_size;
	u32 max_entries;
	s64 lhist_min;
	s64 lhist_max;
	s64 lhist_step;
};

/**
 * fathom_map_value_size() - bytes of one value as a program and a dump see it
 * @spec: a spec fathom_map_spec_check() accepted
 */
u32 fathom_map_value_size(const struct fathom_map_spec *spec);

/**
 * fathom_map_spec_check() - validate a spec before allocating anything
 * @spec: the spec
 * @extack: where to say what is wrong
 *
 * Return: 0 or -EINVAL (with an extack message).
 */
int fathom_map_spec_check(const struct fathom_map_spec *spec,
			  struct netlink_ext_ack *extack);

/**
 * fathom_map_mem_size() - bytes fathom_map_create() will allocate
 * @spec: a checked spec
 *
 * For the per-session byte limit, checked before any allocation.
 */
u64 fathom_map_mem_size(const struct fathom_map_spec *spec);

struct fathom_map *fathom_map_create(const struct fathom_map_spec *spec);
void fathom_map_destroy(struct fathom_map *map);

/* Probe context, preemption disabled. Return 0 or a negative errno. */
int fathom_map_lookup(struct fathom_map *map, const void *key, void *value);
int fathom_map_update(struct fathom_map *map, const void *key,
		      const void *value);
int fathom_map_delete(struct fathom_map *map, const void *key);
int fathom_map_aggregate(struct fathom_map *map, const void *key, s64 v);
s64 fathom_map_stack_id(struct fathom_map *map, const unsigned long *ips,
			u32 nr, u32 tag);

/**
 * fathom_map_dropped() - inserts refused because the map was full
 * @map: the map
 */
u64 fathom_map_dropped(struct fathom_map *map);

/**
 * struct fathom_map_cursor - where a dump stopped, kept in cb->args
 * @cpu: CPU of the table being dumped (aggregations)
 * @slot: next slot in that table
 */
struct fathom_map_cursor {
	u32 cpu;
	u32 slot;
};

/*
 * fathom_map_dump() calls @emit for each entry from @cur on, until @emit
 * returns non-zero (no room in this dump message: @cur then names that
 * entry, to be retried in the next message) or the map is exhausted.
 * @cpu is U32_MAX for HASH and STACK maps. Process context.
 * Return: 0 when exhausted, else what @emit returned.
 */
typedef int (*fathom_map_emit_fn)(void *arg, u32 cpu, const void *key,
				  u32 key_size, const void *value,
				  u32 value_size);
int fathom_map_dump(struct fathom_map *map, struct fathom_map_cursor *cur,
		    fathom_map_emit_fn emit, void *arg);

/**
 * fathom_map_clear() - empty a map, or zero its values
 * @map: the map
 * @zero: keep the keys, zero the values
 *
 * Process context; the session must not be running (its probes are
 * disarmed and no hit is in flight).
 */
void fathom_map_clear(struct fathom_map *map, bool zero);

/**
 * fathom_maps_selftest() - check the maps at load time (kmod/selftest/maps.c)
 *
 * Return: 0, -ENOTRECOVERABLE if a check failed, -ENOMEM.
 */
int fathom_maps_selftest(void);

#endif /* _FATHOM_MAPS_H */
