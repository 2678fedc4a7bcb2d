// SPDX-License-Identifier: GPL-2.0-only
/*
 * Maps of a session: per-CPU aggregation tables and shared HASH and STACK
 * tables. docs/maps.md describes the layouts; the short version:
 *
 * Aggregations (COUNT .. LHIST) keep one open-addressing table per possible
 * CPU, written only by that CPU with preemption disabled, so an update
 * needs neither a lock nor an atomic. A table has a power of two number of
 * slots, at least one and a half times max_entries, and an insert probes
 * at most MAX_PROBES slots linearly from the key's hash; a key that finds
 * neither itself nor a free slot there, or arrives when the table already
 * holds max_entries keys, is dropped and counted. Slots are never freed one
 * by one (only fathom_map_clear() empties a table), so a lookup may stop at
 * the first empty slot and no tombstones are needed.
 *
 * A slot becomes visible to a dump only once it is complete: the owner
 * writes the hash, the key and the first value, then publishes the slot
 * with smp_store_release() of its state; the dump reads the state with
 * smp_load_acquire() before it reads the key. Later updates store each
 * 64-bit value word with WRITE_ONCE() and the dump reads it with
 * READ_ONCE(): a dump racing with updates sees every word whole, though
 * the words of one value (an AVG's sum and count) may come from two
 * different updates.
 *
 * HASH and STACK maps are one table shared by all CPUs: a power of two
 * number of buckets, each a raw spinlock and a chain of elements, and a
 * preallocated pool of max_entries elements on per-CPU free lists. A chain
 * never grows beyond MAX_PROBES elements, so every operation does bounded
 * work. The bucket lock is taken with interrupts off because probes fire in
 * interrupt context; a probe never re-enters on its own CPU (the session's
 * recursion guard), so it cannot deadlock on a lock its CPU holds. The
 * free-list locks nest inside bucket locks and nothing nests inside them.
 */
#include <linux/cpumask.h>
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/netlink.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/fathom.h>
#include <linux/fathom_isa.h>

#include "params.h"
#include "maps.h"

/* Slots an aggregation insert probes, elements a HASH/STACK chain holds. */
#define MAX_PROBES	32

/* The size of everything a map allocates: big, so never warn, and charged. */
#define MAP_GFP		(GFP_KERNEL_ACCOUNT | __GFP_NOWARN)

enum slot_state {
	SLOT_EMPTY = 0,
	SLOT_FULL,
};

/**
 * struct agg_slot - one key of a per-CPU aggregation table
 * @state: enum slot_state; SLOT_FULL is published with a release store
 * @hash: jhash of the key, compared before the key itself
 * @data: the key, zero-padded to a multiple of 8 bytes, then the value
 */
struct agg_slot {
	u32 state;
	u32 hash;
	u64 data[];
};

/**
 * struct agg_table - the table of one CPU
 * @used: keys inserted, at most max_entries; written by the owner only
 * @pad: keeps @dropped and the slots 8-byte aligned
 * @dropped: inserts refused; written by the owner only
 * @slots: nr_slots slots of slot_size bytes each
 */
struct agg_table {
	u32 used;
	u32 pad;
	u64 dropped;
	u64 slots[];
};

/* Bucket of an element that is on a free list. */
#define ELEM_FREE	U32_MAX

/**
 * struct shared_elem - one element of a HASH or STACK pool
 * @next: 1 + index of the next element in the chain or free list, 0 at
 *	the end
 * @bucket: index of the bucket whose chain holds the element, or
 *	ELEM_FREE; changed only under that bucket's lock
 * @hash: hash of the key
 * @pad: zero
 * @data: the key, zero-padded to a multiple of 8 bytes, then the value
 */
struct shared_elem {
	u32 next;
	u32 bucket;
	u32 hash;
	u32 pad;
	u64 data[];
};

/**
 * struct shared_bucket - a chain of a HASH or STACK table
 * @lock: protects the chain and its elements
 * @head: 1 + index of the first element, 0 when empty
 */
struct shared_bucket {
	raw_spinlock_t lock;
	u32 head;
};

/**
 * struct shared_freelist - the free elements one CPU hands out first
 * @lock: protects @head and the @next of the elements on the list
 * @head: 1 + index of the first free element, 0 when empty
 */
struct shared_freelist {
	raw_spinlock_t lock;
	u32 head;
} ____cacheline_aligned_in_smp;

/**
 * struct fathom_map - a map
 * @spec: what it was created from
 * @value_size: bytes of a value (fathom_map_value_size())
 * @key_words: 64-bit words holding the zero-padded key
 * @seed: random hash seed, so keys a user chooses cannot defeat the hash
 * @nr_slots: slots per CPU table, or buckets of a shared table; a power
 *	of two
 * @elem_size: bytes of an aggregation slot or a shared element
 * @tables: aggregations: the table of each possible CPU, by CPU number
 * @buckets: HASH and STACK: the buckets
 * @pool: HASH and STACK: max_entries elements
 * @freelists: HASH and STACK: a free list per CPU, by CPU number
 * @next_id: STACK: the last id handed out
 * @shared_dropped: HASH and STACK: inserts refused (on the error path
 *	only, so an atomic is fine)
 */
struct fathom_map {
	struct fathom_map_spec spec;
	u32 value_size;
	u32 key_words;
	u32 seed;
	u32 nr_slots;
	u32 elem_size;
	struct agg_table **tables;
	struct shared_bucket *buckets;
	void *pool;
	struct shared_freelist *freelists;
	atomic64_t next_id;
	atomic64_t shared_dropped;
};

static __always_inline bool is_shared(u32 kind)
{
	return kind == FATHOM_MAP_HASH || kind == FATHOM_MAP_STACK;
}

static u64 lhist_buckets(const struct fathom_map_spec *spec)
{
	/* max > min was checked, so the u64 difference is exact. */
	return div64_u64((u64)spec->lhist_max - (u64)spec->lhist_min,
			 spec->lhist_step) + 2;
}

/**
 * fathom_map_value_size() - bytes of one value as a program and a dump see it
 * @spec: a spec fathom_map_spec_check() accepted
 *
 * Return: the size of the kind's value layout (uapi/linux/fathom.h).
 */
u32 fathom_map_value_size(const struct fathom_map_spec *spec)
{
	switch (spec->kind) {
	case FATHOM_MAP_HASH:
		return spec->value_size;
	case FATHOM_MAP_COUNT:
	case FATHOM_MAP_SUM:
	case FATHOM_MAP_MIN:
	case FATHOM_MAP_MAX:
	case FATHOM_MAP_STACK:
		return sizeof(u64);
	case FATHOM_MAP_AVG:
		return 2 * sizeof(u64);
	case FATHOM_MAP_STATS:
		return 4 * sizeof(u64);
	case FATHOM_MAP_HIST:
		return FATHOM_HIST_BUCKETS * sizeof(u64);
	case FATHOM_MAP_LHIST:
		return lhist_buckets(spec) * sizeof(u64);
	}
	return 0;
}

/**
 * fathom_map_spec_check() - validate a spec before allocating anything
 * @spec: the spec
 * @extack: where to say what is wrong
 *
 * Every kind: key_size 1..FATHOM_STACK_SIZE, max_entries
 * 1..fathom_limits.max_map_entries. HASH: value_size 1..FATHOM_STACK_SIZE;
 * the other kinds imply theirs and need value_size 0. LHIST: step > 0,
 * max > min, at most FATHOM_LHIST_MAX_BUCKETS buckets; the other kinds
 * need the three LHIST fields 0. STACK: key_size 8 + 8 * n for a depth n
 * of 1..fathom_limits.max_stack_depth.
 *
 * Return: 0 or -EINVAL (with an extack message).
 */
int fathom_map_spec_check(const struct fathom_map_spec *spec,
			  struct netlink_ext_ack *extack)
{
	u32 key_size = spec->key_size;

	if (spec->kind < FATHOM_MAP_HASH || spec->kind >= __FATHOM_MAP_KIND_MAX) {
		NL_SET_ERR_MSG(extack, "unknown map kind");
		return -EINVAL;
	}
	if (!key_size || key_size > FATHOM_STACK_SIZE) {
		NL_SET_ERR_MSG(extack, "map key size is not in 1..512");
		return -EINVAL;
	}
	if (!spec->max_entries ||
	    spec->max_entries > fathom_limits.max_map_entries) {
		NL_SET_ERR_MSG(extack,
			       "map max entries is 0 or above the max_map_entries limit");
		return -EINVAL;
	}
	if (spec->kind == FATHOM_MAP_HASH) {
		if (!spec->value_size || spec->value_size > FATHOM_STACK_SIZE) {
			NL_SET_ERR_MSG(extack,
				       "hash map value size is not in 1..512");
			return -EINVAL;
		}
	} else if (spec->value_size) {
		NL_SET_ERR_MSG(extack,
			       "map value size is implied by the kind and must be 0");
		return -EINVAL;
	}
	if (spec->kind == FATHOM_MAP_LHIST) {
		if (spec->lhist_step <= 0) {
			NL_SET_ERR_MSG(extack, "lhist step must be positive");
			return -EINVAL;
		}
		if (spec->lhist_max <= spec->lhist_min) {
			NL_SET_ERR_MSG(extack, "lhist max must be above min");
			return -EINVAL;
		}
		/* The quotient, as the count itself could wrap. */
		if (lhist_buckets(spec) - 2 > FATHOM_LHIST_MAX_BUCKETS - 2) {
			NL_SET_ERR_MSG(extack,
				       "lhist has more than 1024 buckets");
			return -EINVAL;
		}
	} else if (spec->lhist_min || spec->lhist_max || spec->lhist_step) {
		NL_SET_ERR_MSG(extack,
			       "lhist min, max and step are for lhist maps only");
		return -EINVAL;
	}
	if (spec->kind == FATHOM_MAP_STACK &&
	    (key_size < 16 || key_size % 8 ||
	     (key_size - 8) / 8 > fathom_limits.max_stack_depth)) {
		NL_SET_ERR_MSG(extack,
			       "stack map key size is not 8 + 8 * depth for a depth in 1..max_stack_depth");
		return -EINVAL;
	}
	return 0;
}

/* Slots per CPU table, or buckets of a shared table. */
static u32 nr_slots(const struct fathom_map_spec *spec)
{
	u32 n = spec->max_entries;

	if (is_shared(spec->kind))
		return roundup_pow_of_two(n);
	/* A load factor of at most 2/3 keeps probe sequences short. */
	return roundup_pow_of_two(n + DIV_ROUND_UP(n, 2));
}

static u32 elem_size(const struct fathom_map_spec *spec)
{
	u32 key = round_up(spec->key_size, 8);
	u32 value = round_up(fathom_map_value_size(spec), 8);

	if (is_shared(spec->kind))
		return sizeof(struct shared_elem) + key + value;
	return sizeof(struct agg_slot) + key + value;
}

static u64 agg_table_size(const struct fathom_map_spec *spec)
{
	return sizeof(struct agg_table) + (u64)nr_slots(spec) * elem_size(spec);
}

/**
 * fathom_map_mem_size() - bytes fathom_map_create() will allocate
 * @spec: a checked spec
 *
 * For the per-session byte limit, checked before any allocation. It is
 * the sum of the sizes fathom_map_create() asks the allocators for (which
 * round them up to their own granules). See docs/maps.md for the formula.
 *
 * Return: the number of bytes.
 */
u64 fathom_map_mem_size(const struct fathom_map_spec *spec)
{
	u64 size = sizeof(struct fathom_map);

	if (is_shared(spec->kind)) {
		size += (u64)nr_slots(spec) * sizeof(struct shared_bucket);
		size += (u64)spec->max_entries * elem_size(spec);
		size += (u64)nr_cpu_ids * sizeof(struct shared_freelist);
	} else {
		size += (u64)nr_cpu_ids * sizeof(struct agg_table *);
		size += (u64)num_possible_cpus() * agg_table_size(spec);
	}
	return size;
}

static __always_inline struct agg_slot *
agg_slot(const struct fathom_map *map, struct agg_table *t, u32 i)
{
	return (void *)t->slots + (size_t)i * map->elem_size;
}

static __always_inline struct shared_elem *
pool_elem(const struct fathom_map *map, u32 i)
{
	return map->pool + (size_t)i * map->elem_size;
}

/* 1 + the pool index of @e: how chains and free lists link elements. */
static __always_inline u32 elem_link(const struct fathom_map *map,
				     const struct shared_elem *e)
{
	return ((const void *)e - map->pool) / map->elem_size + 1;
}

/* Put every element on a free list, spread over the possible CPUs. */
static void pool_reset(struct fathom_map *map)
{
	unsigned int cpu;
	u32 i;

	for (i = 0; i < map->nr_slots; i++)
		map->buckets[i].head = 0;
	for_each_possible_cpu(cpu)
		map->freelists[cpu].head = 0;
	cpu = cpumask_first(cpu_possible_mask);
	for (i = 0; i < map->spec.max_entries; i++) {
		struct shared_elem *e = pool_elem(map, i);

		e->bucket = ELEM_FREE;
		e->next = map->freelists[cpu].head;
		map->freelists[cpu].head = i + 1;
		cpu = cpumask_next(cpu, cpu_possible_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_possible_mask);
	}
}

static int shared_create(struct fathom_map *map)
{
	unsigned int cpu;
	u32 i;

	map->buckets = kvcalloc(map->nr_slots, sizeof(*map->buckets), MAP_GFP);
	map->pool = kvzalloc((size_t)map->spec.max_entries * map->elem_size,
			     MAP_GFP);
	map->freelists = kvcalloc(nr_cpu_ids, sizeof(*map->freelists),
				  MAP_GFP);
	if (!map->buckets || !map->pool || !map->freelists)
		return -ENOMEM;
	for (i = 0; i < map->nr_slots; i++)
		raw_spin_lock_init(&map->buckets[i].lock);
	for_each_possible_cpu(cpu)
		raw_spin_lock_init(&map->freelists[cpu].lock);
	pool_reset(map);
	return 0;
}

static int agg_create(struct fathom_map *map)
{
	size_t size = agg_table_size(&map->spec);
	unsigned int cpu;

	map->tables = kcalloc(nr_cpu_ids, sizeof(*map->tables), MAP_GFP);
	if (!map->tables)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		map->tables[cpu] = kvzalloc_node(size, MAP_GFP,
						 cpu_to_node(cpu));
		if (!map->tables[cpu])
			return -ENOMEM;
	}
	return 0;
}

/**
 * fathom_map_create() - allocate a map and everything it will ever need
 * @spec: a spec fathom_map_spec_check() accepted
 *
 * Process context, may sleep. Allocates fathom_map_mem_size(@spec) bytes,
 * charged to the caller's memory cgroup.
 *
 * Return: the map, or ERR_PTR(-ENOMEM).
 */
struct fathom_map *fathom_map_create(const struct fathom_map_spec *spec)
{
	struct fathom_map *map;
	int err;

	map = kzalloc(sizeof(*map), MAP_GFP);
	if (!map)
		return ERR_PTR(-ENOMEM);
	map->spec = *spec;
	map->value_size = fathom_map_value_size(spec);
	map->key_words = DIV_ROUND_UP(spec->key_size, 8);
	map->seed = get_random_u32();
	map->nr_slots = nr_slots(spec);
	map->elem_size = elem_size(spec);
	atomic64_set(&map->next_id, 0);
	atomic64_set(&map->shared_dropped, 0);

	if (is_shared(spec->kind))
		err = shared_create(map);
	else
		err = agg_create(map);
	if (err) {
		fathom_map_destroy(map);
		return ERR_PTR(err);
	}
	return map;
}

/**
 * fathom_map_destroy() - free a map
 * @map: the map, or NULL; also a partly built one from fathom_map_create()
 *
 * Process context. No probe may still be using the map.
 */
void fathom_map_destroy(struct fathom_map *map)
{
	unsigned int cpu;

	if (!map)
		return;
	if (map->tables) {
		for_each_possible_cpu(cpu)
			kvfree(map->tables[cpu]);
		kfree(map->tables);
	}
	kvfree(map->freelists);
	kvfree(map->pool);
	kvfree(map->buckets);
	kfree(map);
}

/* ---- probe context ---------------------------------------------------- */

/*
 * Keys the compiler builds are whole 64-bit words (integers, a zero word
 * for "@", comm and str() padded to 8): hash and compare those a word at a
 * time, multiplying each into the seeded state and taking the product's
 * high half (its best-mixed bits; slots are picked by the low bits of the
 * result). Other sizes go through jhash() and memcmp().
 */
/* Word @i of a key on the program's stack, which need not be 8-aligned. */
static __always_inline u64 key_word(const void *key, u32 i)
{
	u64 w;

	memcpy(&w, key + i * sizeof(u64), sizeof(w));
	return w;
}

static __always_inline u32 key_hash(const struct fathom_map *map,
				    const void *key)
{
	u64 h = map->seed;
	u32 i;

	if (unlikely(map->spec.key_size & 7))
		return jhash(key, map->spec.key_size, map->seed);
	for (i = 0; i < map->key_words; i++)
		h = (h ^ key_word(key, i)) * GOLDEN_RATIO_64;
	return h >> 32;
}

static __always_inline bool key_equal(const struct fathom_map *map,
				      const u64 *stored, const void *key)
{
	u32 i;

	if (unlikely(map->spec.key_size & 7))
		return !memcmp(stored, key, map->spec.key_size);
	for (i = 0; i < map->key_words; i++)
		if (stored[i] != key_word(key, i))
			return false;
	return true;
}

/* The HIST bucket of @v: <0, 0, then [2^(k-2), 2^(k-1)) for bucket k. */
static __always_inline u32 hist_bucket(s64 v)
{
	if (v < 0)
		return 0;
	if (!v)
		return 1;
	return fls64(v) + 1;
}

/*
 * The LHIST bucket of @v: below min, then one per step, then max and above.
 * With n = (max - min) / step there are n + 2 buckets. When step divides
 * max - min, min <= v < max lands in 1..n; when it does not, the partial
 * step [min + n * step, max) lands in n + 1 and shares the last bucket with
 * the values >= max. Either way the index is at most n + 1.
 */
static notrace u32 lhist_bucket(const struct fathom_map *map, s64 v)
{
	const struct fathom_map_spec *spec = &map->spec;

	if (v < spec->lhist_min)
		return 0;
	if (v >= spec->lhist_max)
		return map->value_size / sizeof(u64) - 1;
	return div64_u64((u64)v - (u64)spec->lhist_min, spec->lhist_step) + 1;
}

NOKPROBE_SYMBOL(lhist_bucket);

static __always_inline void add(u64 *w, u64 v)
{
	WRITE_ONCE(*w, *w + v);
}

/*
 * Fold @v into the value @val of a slot its CPU owns. A new slot's value is
 * all zero (tables are zeroed at creation and by fathom_map_clear()).
 */
static __always_inline void agg_fold(const struct fathom_map *map, u64 *val,
				     s64 v, bool first)
{
	switch (map->spec.kind) {
	case FATHOM_MAP_COUNT:
		add(&val[0], 1);
		break;
	case FATHOM_MAP_SUM:
		add(&val[0], v);
		break;
	case FATHOM_MAP_MIN:
		if (first || v < (s64)val[0])
			WRITE_ONCE(val[0], v);
		break;
	case FATHOM_MAP_MAX:
		if (first || v > (s64)val[0])
			WRITE_ONCE(val[0], v);
		break;
	case FATHOM_MAP_AVG:
		add(&val[0], v);
		add(&val[1], 1);
		break;
	case FATHOM_MAP_STATS:
		/* count 0: new, or zeroed by fathom_map_clear() */
		if (!val[0] || v < (s64)val[2])
			WRITE_ONCE(val[2], v);
		if (!val[0] || v > (s64)val[3])
			WRITE_ONCE(val[3], v);
		add(&val[0], 1);
		add(&val[1], v);
		break;
	case FATHOM_MAP_HIST:
		add(&val[hist_bucket(v)], 1);
		break;
	case FATHOM_MAP_LHIST:
		add(&val[lhist_bucket(map, v)], 1);
		break;
	}
}

/**
 * fathom_map_aggregate() - fold a value into a key's aggregation
 * @map: an aggregation map (COUNT, SUM, MIN, MAX, AVG, STATS, HIST, LHIST)
 * @key: key_size bytes
 * @v: the value (ignored by COUNT)
 *
 * Probe context: preemption disabled, no re-entry on this CPU. Updates
 * this CPU's table only; bounded work, no lock, no atomic.
 *
 * Return: 0, -ENOSPC when the key is new and this CPU's table has no room
 * for it (counted in fathom_map_dropped()), -EOPNOTSUPP for other kinds.
 */
notrace int fathom_map_aggregate(struct fathom_map *map, const void *key,
				 s64 v)
{
	struct agg_table *t;
	struct agg_slot *s;
	u32 mask = map->nr_slots - 1;
	u32 probes = min_t(u32, map->nr_slots, MAX_PROBES);
	u32 hash, i, idx;

	if (is_shared(map->spec.kind))
		return -EOPNOTSUPP;
	t = map->tables[smp_processor_id()];
	hash = key_hash(map, key);
	for (i = 0, idx = hash & mask; i < probes; i++, idx = (idx + 1) & mask) {
		s = agg_slot(map, t, idx);
		/* Only this CPU writes the table: a plain read is enough. */
		if (s->state == SLOT_EMPTY)
			goto insert;
		if (s->hash == hash && key_equal(map, s->data, key)) {
			agg_fold(map, s->data + map->key_words, v, false);
			return 0;
		}
	}
	goto drop;

insert:
	if (t->used >= map->spec.max_entries)
		goto drop;
	s->hash = hash;
	memcpy(s->data, key, map->spec.key_size);
	agg_fold(map, s->data + map->key_words, v, true);
	/* Key and value before the state: pairs with dump's acquire. */
	smp_store_release(&s->state, SLOT_FULL);
	t->used++;
	return 0;

drop:
	WRITE_ONCE(t->dropped, t->dropped + 1);
	return -ENOSPC;
}

NOKPROBE_SYMBOL(fathom_map_aggregate);

static __always_inline void shared_drop(struct fathom_map *map)
{
	atomic64_inc(&map->shared_dropped);
}

/*
 * Find @key in bucket @b (whose lock the caller holds). Sets *@prevp to
 * where the element is linked from and *@len to the chain's length when
 * the key is absent.
 */
static notrace struct shared_elem *
chain_find(struct fathom_map *map, struct shared_bucket *b, u32 hash,
	   const void *key, u32 **prevp, u32 *len)
{
	u32 *prev = &b->head;
	u32 n = 0;

	while (*prev) {
		struct shared_elem *e = pool_elem(map, *prev - 1);

		if (e->hash == hash && key_equal(map, e->data, key)) {
			if (prevp)
				*prevp = prev;
			return e;
		}
		prev = &e->next;
		n++;
	}
	*len = n;
	return NULL;
}

NOKPROBE_SYMBOL(chain_find);

/*
 * Take a free element: this CPU's list first, then the others'. Interrupts
 * are off (a bucket lock is held). Bounded by the number of CPUs.
 */
static notrace struct shared_elem *pool_pop(struct fathom_map *map)
{
	unsigned int self = smp_processor_id(), cpu = self;
	struct shared_freelist *fl;
	struct shared_elem *e;

	for (;;) {
		fl = &map->freelists[cpu];
		/* Racy peek; the head is checked again under the lock. */
		if (READ_ONCE(fl->head)) {
			raw_spin_lock(&fl->lock);
			if (fl->head) {
				e = pool_elem(map, fl->head - 1);
				WRITE_ONCE(fl->head, e->next);
				raw_spin_unlock(&fl->lock);
				return e;
			}
			raw_spin_unlock(&fl->lock);
		}
		cpu = cpumask_next(cpu, cpu_possible_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_possible_mask);
		if (cpu == self)
			return NULL;
	}
}

NOKPROBE_SYMBOL(pool_pop);

static notrace void pool_push(struct fathom_map *map, struct shared_elem *e)
{
	struct shared_freelist *fl = &map->freelists[smp_processor_id()];

	raw_spin_lock(&fl->lock);
	e->next = fl->head;
	WRITE_ONCE(fl->head, elem_link(map, e));
	raw_spin_unlock(&fl->lock);
}

NOKPROBE_SYMBOL(pool_push);

/*
 * Link a fresh element into bucket @bi (locked) with @hash; the caller has
 * written its key and value.
 */
static notrace void chain_link(struct fathom_map *map, u32 bi,
			       struct shared_elem *e, u32 hash)
{
	struct shared_bucket *b = &map->buckets[bi];

	e->hash = hash;
	e->next = b->head;
	b->head = elem_link(map, e);
	/* Read without the lock by the dump, which then takes it. */
	WRITE_ONCE(e->bucket, bi);
}

NOKPROBE_SYMBOL(chain_link);

/**
 * fathom_map_lookup() - copy a HASH map value
 * @map: a HASH map
 * @key: key_size bytes
 * @value: value_size bytes to fill
 *
 * Probe context (or any context: the bucket lock is taken with interrupts
 * off). Bounded work.
 *
 * Return: 0, -ENOENT (@value zero-filled) when @key is absent, -EOPNOTSUPP
 * for other kinds (@value untouched: its size is only known for HASH).
 */
notrace int fathom_map_lookup(struct fathom_map *map, const void *key,
			      void *value)
{
	struct shared_bucket *b;
	struct shared_elem *e;
	unsigned long flags;
	u32 hash, len;

	if (map->spec.kind != FATHOM_MAP_HASH)
		return -EOPNOTSUPP;
	hash = key_hash(map, key);
	b = &map->buckets[hash & (map->nr_slots - 1)];
	raw_spin_lock_irqsave(&b->lock, flags);
	e = chain_find(map, b, hash, key, NULL, &len);
	if (e)
		memcpy(value, e->data + map->key_words, map->value_size);
	raw_spin_unlock_irqrestore(&b->lock, flags);
	if (!e) {
		memset(value, 0, map->value_size);
		return -ENOENT;
	}
	return 0;
}

NOKPROBE_SYMBOL(fathom_map_lookup);

/**
 * fathom_map_update() - insert or replace a HASH map value
 * @map: a HASH map
 * @key: key_size bytes
 * @value: value_size bytes
 *
 * Probe context (or any context). Bounded work; never allocates.
 *
 * Return: 0, -ENOSPC when @key is new and the pool is empty or its chain
 * full (counted in fathom_map_dropped()), -EOPNOTSUPP for other kinds.
 */
notrace int fathom_map_update(struct fathom_map *map, const void *key,
			      const void *value)
{
	struct shared_bucket *b;
	struct shared_elem *e;
	unsigned long flags;
	u32 hash, bi, len;

	if (map->spec.kind != FATHOM_MAP_HASH)
		return -EOPNOTSUPP;
	hash = key_hash(map, key);
	bi = hash & (map->nr_slots - 1);
	b = &map->buckets[bi];
	raw_spin_lock_irqsave(&b->lock, flags);
	e = chain_find(map, b, hash, key, NULL, &len);
	if (!e) {
		if (len >= MAX_PROBES)
			goto full;
		e = pool_pop(map);
		if (!e)
			goto full;
		memcpy(e->data, key, map->spec.key_size);
		chain_link(map, bi, e, hash);
	}
	memcpy(e->data + map->key_words, value, map->value_size);
	raw_spin_unlock_irqrestore(&b->lock, flags);
	return 0;

full:
	raw_spin_unlock_irqrestore(&b->lock, flags);
	shared_drop(map);
	return -ENOSPC;
}

NOKPROBE_SYMBOL(fathom_map_update);

/**
 * fathom_map_delete() - delete a HASH map key
 * @map: a HASH map
 * @key: key_size bytes
 *
 * Probe context (or any context). Bounded work.
 *
 * Return: 0, -ENOENT when @key is absent, -EOPNOTSUPP for other kinds.
 */
notrace int fathom_map_delete(struct fathom_map *map, const void *key)
{
	struct shared_bucket *b;
	struct shared_elem *e;
	unsigned long flags;
	u32 hash, len, *prev;

	if (map->spec.kind != FATHOM_MAP_HASH)
		return -EOPNOTSUPP;
	hash = key_hash(map, key);
	b = &map->buckets[hash & (map->nr_slots - 1)];
	raw_spin_lock_irqsave(&b->lock, flags);
	e = chain_find(map, b, hash, key, &prev, &len);
	if (e) {
		*prev = e->next;
		WRITE_ONCE(e->bucket, ELEM_FREE);
		/*
		 * The next insert rewrites the key's key_size bytes and the
		 * whole value; the key's padding was never written.
		 */
		pool_push(map, e);
	}
	raw_spin_unlock_irqrestore(&b->lock, flags);
	return e ? 0 : -ENOENT;
}

NOKPROBE_SYMBOL(fathom_map_delete);

static notrace u32 stack_hash(const struct fathom_map *map,
			      const unsigned long *ips, u32 nr, u32 tag)
{
	u32 hash = jhash_2words(nr, tag, map->seed);
	u32 i;

	for (i = 0; i < nr; i++)
		hash = jhash_2words(lower_32_bits((u64)ips[i]),
				    upper_32_bits((u64)ips[i]), hash);
	return hash;
}

NOKPROBE_SYMBOL(stack_hash);

static notrace bool stack_equal(const struct shared_elem *e,
				const unsigned long *ips, u32 nr, u32 tag)
{
	const u32 *hdr = (const u32 *)e->data;
	u32 i;

	if (hdr[0] != nr || hdr[1] != tag)
		return false;
	for (i = 0; i < nr; i++)
		if (e->data[1 + i] != (u64)ips[i])
			return false;
	return true;
}

NOKPROBE_SYMBOL(stack_equal);

/**
 * fathom_map_stack_id() - the id of a stack, inserting it if new
 * @map: a STACK map
 * @ips: return addresses, innermost first
 * @nr: number of @ips; only the first (key_size - 8) / 8 are kept
 * @tag: stored with the stack and part of its identity: the process of a
 *	user stack (whose addresses mean something only in that process), 0
 *	for kernel stacks
 *
 * Probe context (or any context). Bounded work: one chain of at most
 * MAX_PROBES stacks and one copy of the stack. Ids start at 1 and are
 * never reused, not even after fathom_map_clear().
 *
 * Return: the id (> 0), -ENOSPC when the stack is new and the map full
 * (counted in fathom_map_dropped()), -EOPNOTSUPP for other kinds.
 */
notrace s64 fathom_map_stack_id(struct fathom_map *map,
				const unsigned long *ips, u32 nr, u32 tag)
{
	struct shared_bucket *b;
	struct shared_elem *e;
	unsigned long flags;
	u32 hash, bi, len = 0, i, *hdr;
	u32 *prev;
	s64 id;

	if (map->spec.kind != FATHOM_MAP_STACK)
		return -EOPNOTSUPP;
	nr = min(nr, map->key_words - 1);
	hash = stack_hash(map, ips, nr, tag);
	bi = hash & (map->nr_slots - 1);
	b = &map->buckets[bi];
	raw_spin_lock_irqsave(&b->lock, flags);
	for (prev = &b->head; *prev; prev = &e->next, len++) {
		e = pool_elem(map, *prev - 1);
		if (e->hash == hash && stack_equal(e, ips, nr, tag)) {
			id = e->data[map->key_words];
			raw_spin_unlock_irqrestore(&b->lock, flags);
			return id;
		}
	}
	e = len < MAX_PROBES ? pool_pop(map) : NULL;
	if (!e) {
		raw_spin_unlock_irqrestore(&b->lock, flags);
		shared_drop(map);
		return -ENOSPC;
	}
	/*
	 * STACK elements are only freed by fathom_map_clear(), which zeroes
	 * them: the words past nr are zero already.
	 */
	hdr = (u32 *)e->data;
	hdr[0] = nr;
	hdr[1] = tag;
	for (i = 0; i < nr; i++)
		e->data[1 + i] = ips[i];
	id = atomic64_inc_return(&map->next_id);
	e->data[map->key_words] = id;
	chain_link(map, bi, e, hash);
	raw_spin_unlock_irqrestore(&b->lock, flags);
	return id;
}

NOKPROBE_SYMBOL(fathom_map_stack_id);

/**
 * fathom_map_dropped() - inserts refused because the map was full
 * @map: the map
 *
 * Any context. Racy against concurrent updates (a snapshot), but every
 * drop that happened before the call is counted.
 *
 * Return: the number of refused inserts since creation (fathom_map_clear()
 * does not reset it).
 */
u64 fathom_map_dropped(struct fathom_map *map)
{
	unsigned int cpu;
	u64 n = 0;

	if (is_shared(map->spec.kind))
		return atomic64_read(&map->shared_dropped);
	for_each_possible_cpu(cpu)
		n += READ_ONCE(map->tables[cpu]->dropped);
	return n;
}

/* ---- process context -------------------------------------------------- */

/* Give the CPU away now and then while scanning big, sparse tables. */
#define RESCHED_EVERY	1024

static int agg_dump(struct fathom_map *map, struct fathom_map_cursor *cur,
		    fathom_map_emit_fn emit, void *arg, u64 *buf)
{
	u64 *value = buf + map->key_words;
	u32 nr_words = map->value_size / sizeof(u64);
	unsigned int cpu = cur->cpu;
	u32 slot = cur->slot, w;
	int ret;

	if (cpu < nr_cpu_ids && !cpu_possible(cpu)) {
		cpu = cpumask_next(cpu, cpu_possible_mask);
		slot = 0;
	}
	for (; cpu < nr_cpu_ids;
	     cpu = cpumask_next(cpu, cpu_possible_mask), slot = 0) {
		struct agg_table *t = map->tables[cpu];

		for (; slot < map->nr_slots; slot++) {
			struct agg_slot *s = agg_slot(map, t, slot);

			if (!(slot % RESCHED_EVERY))
				cond_resched();
			/* Pairs with the release in fathom_map_aggregate(). */
			if (smp_load_acquire(&s->state) != SLOT_FULL)
				continue;
			/* The key never changes once published. */
			memcpy(buf, s->data, map->spec.key_size);
			for (w = 0; w < nr_words; w++)
				value[w] = READ_ONCE(s->data[map->key_words + w]);
			ret = emit(arg, cpu, buf, map->spec.key_size, value,
				   map->value_size);
			if (ret) {
				cur->cpu = cpu;
				cur->slot = slot;
				return ret;
			}
		}
	}
	cur->cpu = nr_cpu_ids;
	cur->slot = 0;
	return 0;
}

/*
 * Walk the pool in index order. An element's bucket is read without a lock
 * and then confirmed under that bucket's lock: an element only joins or
 * leaves a bucket's chain under its lock, so if it still names the bucket
 * once the lock is held, it is in that chain until the lock is dropped.
 */
static int shared_dump(struct fathom_map *map, struct fathom_map_cursor *cur,
		       fathom_map_emit_fn emit, void *arg, u64 *buf)
{
	u64 *value = buf + map->key_words;
	u32 i;
	int ret;

	for (i = cur->slot; i < map->spec.max_entries; i++) {
		struct shared_elem *e = pool_elem(map, i);
		struct shared_bucket *b;
		unsigned long flags;
		bool live;
		u32 bi;

		if (!(i % RESCHED_EVERY))
			cond_resched();
		bi = READ_ONCE(e->bucket);
		if (bi == ELEM_FREE)
			continue;
		b = &map->buckets[bi];
		raw_spin_lock_irqsave(&b->lock, flags);
		live = READ_ONCE(e->bucket) == bi;
		if (live)
			memcpy(buf, e->data,
			       map->key_words * 8 + map->value_size);
		raw_spin_unlock_irqrestore(&b->lock, flags);
		if (!live)
			continue;
		/* Never call out with a raw spinlock held. */
		ret = emit(arg, U32_MAX, buf, map->spec.key_size, value,
			   map->value_size);
		if (ret) {
			cur->slot = i;
			return ret;
		}
	}
	cur->slot = map->spec.max_entries;
	return 0;
}

/**
 * fathom_map_dump() - emit a map's entries from a cursor on
 * @map: the map
 * @cur: where to start; updated to where the dump stopped
 * @emit: called for each entry, with a copy of it
 * @arg: passed to @emit
 *
 * Aggregations: CPU by CPU in for_each_possible_cpu() order, slot by slot;
 * @cur->cpu is the CPU and @cur->slot the slot. HASH and STACK: element by
 * element in pool order; @cur->slot is the element and @cur->cpu unused
 * (@emit gets U32_MAX as the CPU). A zeroed cursor starts at the first
 * entry. When @emit returns non-zero, @cur names the entry it refused, so
 * the next call emits it first (if it still exists).
 *
 * Safe against concurrent probe updates (an entry inserted meanwhile may
 * or may not be emitted); the caller serialises it against
 * fathom_map_clear() and fathom_map_destroy(). Process context, may sleep:
 * it allocates a bounce buffer of one entry with GFP_KERNEL and calls
 * @emit with no lock held.
 *
 * Return: 0 when exhausted, what @emit returned when it refused an entry,
 * or -ENOMEM.
 */
int fathom_map_dump(struct fathom_map *map, struct fathom_map_cursor *cur,
		    fathom_map_emit_fn emit, void *arg)
{
	u64 *buf;
	int ret;

	buf = kmalloc(map->key_words * 8 + round_up(map->value_size, 8),
		      GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (is_shared(map->spec.kind))
		ret = shared_dump(map, cur, emit, arg, buf);
	else
		ret = agg_dump(map, cur, emit, arg, buf);
	kfree(buf);
	return ret;
}

/**
 * fathom_map_clear() - empty a map, or zero its values
 * @map: the map
 * @zero: keep the keys, zero the values
 *
 * Process context, may sleep; the session must not be running (its probes
 * are disarmed and no hit is in flight), and the caller serialises this
 * against fathom_map_dump(). So no lock is taken.
 *
 * With @zero, MIN and MAX maps are emptied: an entry with no value is
 * absent from a dump anyway, and the next value sets it afresh. STACK maps
 * are left alone (ids are not counts). Without @zero, every kind is
 * emptied; STACK ids keep counting from where they were. The drop count
 * is kept either way.
 */
void fathom_map_clear(struct fathom_map *map, bool zero)
{
	u32 kind = map->spec.kind;
	unsigned int cpu;
	u32 i;

	if (is_shared(kind)) {
		if (!zero) {
			memset(map->pool, 0,
			       (size_t)map->spec.max_entries * map->elem_size);
			pool_reset(map);
			return;
		}
		if (kind == FATHOM_MAP_STACK)
			return;
		for (i = 0; i < map->spec.max_entries; i++) {
			struct shared_elem *e = pool_elem(map, i);

			if (e->bucket != ELEM_FREE)
				memset(e->data + map->key_words, 0,
				       map->value_size);
		}
		return;
	}

	if (kind == FATHOM_MAP_MIN || kind == FATHOM_MAP_MAX)
		zero = false;
	for_each_possible_cpu(cpu) {
		struct agg_table *t = map->tables[cpu];

		if (!zero) {
			t->used = 0;
			memset(t->slots, 0, (size_t)map->nr_slots * map->elem_size);
			continue;
		}
		for (i = 0; i < map->nr_slots; i++) {
			struct agg_slot *s = agg_slot(map, t, i);

			if (!(i % RESCHED_EVERY))
				cond_resched();
			if (s->state == SLOT_FULL)
				memset(s->data + map->key_words, 0,
				       map->value_size);
		}
	}
}
