// SPDX-License-Identifier: GPL-2.0-only
/*
 * In-module self-check of the session maps, run at every load: exact
 * aggregation results, bucket boundaries, per-CPU dumps, HASH and STACK
 * semantics, full maps, dump resumption, clear and zero. Small maps only,
 * so it stays fast under emulation.
 */
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/fathom.h>

#include "maps.h"

#define MAX_DUMPED	16
#define MAX_KEY		64
#define MAX_WORDS	FATHOM_HIST_BUCKETS

struct dumped {
	u32 cpu;
	u32 key_size;
	u32 value_size;
	u8 key[MAX_KEY];
	u64 value[MAX_WORDS];
};

/**
 * struct dump_state - what a test dump collected
 * @n: entries in @e
 * @calls: calls of the emit callback
 * @refuse_odd: refuse every second call, to exercise resumption
 * @overflow: more entries than @e holds, or one too big
 * @e: the entries, in dump order
 */
struct dump_state {
	u32 n;
	u32 calls;
	bool refuse_odd;
	bool overflow;
	struct dumped e[MAX_DUMPED];
};

static int collect(void *arg, u32 cpu, const void *key, u32 key_size,
		   const void *value, u32 value_size)
{
	struct dump_state *st = arg;
	struct dumped *d;

	if (st->refuse_odd && st->calls++ % 2 == 0)
		return -EMSGSIZE;
	if (st->n == MAX_DUMPED || key_size > MAX_KEY ||
	    value_size > sizeof(d->value)) {
		st->overflow = true;
		return 0;
	}
	d = &st->e[st->n++];
	d->cpu = cpu;
	d->key_size = key_size;
	d->value_size = value_size;
	memcpy(d->key, key, key_size);
	memcpy(d->value, value, value_size);
	return 0;
}

/* Dump the whole map into @st (reset first); false if that failed. */
static bool dump_all(const char *name, struct fathom_map *map,
		     struct dump_state *st, bool refuse_odd)
{
	struct fathom_map_cursor cur = { 0, 0 };
	unsigned int rounds;
	int ret = -EMSGSIZE;

	memset(st, 0, sizeof(*st));
	st->refuse_odd = refuse_odd;
	/* Each round emits at least one entry, so this always suffices. */
	for (rounds = 0; ret && rounds <= 2 * MAX_DUMPED + 2; rounds++) {
		ret = fathom_map_dump(map, &cur, collect, st);
		if (ret && ret != -EMSGSIZE)
			break;
	}
	if (ret || st->overflow) {
		pr_err("maps self-test: %s: dump failed (%d, %u entries%s)\n",
		       name, ret, st->n, st->overflow ? ", overflow" : "");
		return false;
	}
	return true;
}

static const struct dumped *find(const struct dump_state *st, u32 cpu,
				 const void *key, u32 key_size)
{
	u32 i;

	for (i = 0; i < st->n; i++)
		if (st->e[i].cpu == cpu && st->e[i].key_size == key_size &&
		    !memcmp(st->e[i].key, key, key_size))
			return &st->e[i];
	return NULL;
}

/* Is there exactly one entry for @key on @cpu, with value @want? */
static bool expect(const char *name, const struct dump_state *st, u32 cpu,
		   u32 key, const u64 *want, u32 nr_words)
{
	const struct dumped *d = find(st, cpu, &key, sizeof(key));
	u32 i, n = 0;

	for (i = 0; i < st->n; i++)
		if (st->e[i].cpu == cpu && !memcmp(st->e[i].key, &key, 4))
			n++;
	if (!d || n != 1) {
		pr_err("maps self-test: %s: key %u on cpu %u dumped %u times\n",
		       name, key, cpu, n);
		return false;
	}
	if (d->value_size != nr_words * 8) {
		pr_err("maps self-test: %s: key %u: value size %u, want %u\n",
		       name, key, d->value_size, nr_words * 8);
		return false;
	}
	for (i = 0; i < nr_words; i++) {
		if (d->value[i] != want[i]) {
			pr_err("maps self-test: %s: key %u word %u: %lld, want %lld\n",
			       name, key, i, (long long)d->value[i],
			       (long long)want[i]);
			return false;
		}
	}
	return true;
}

static struct fathom_map *make_map(const char *name,
				   const struct fathom_map_spec *spec)
{
	struct fathom_map *map;
	int err;

	err = fathom_map_spec_check(spec, NULL);
	if (err) {
		pr_err("maps self-test: %s: spec rejected (%d)\n", name, err);
		return NULL;
	}
	map = fathom_map_create(spec);
	if (IS_ERR(map)) {
		pr_err("maps self-test: %s: create failed (%ld)\n", name,
		       PTR_ERR(map));
		return NULL;
	}
	return map;
}

struct agg_input {
	u32 key;
	s64 v;
};

/* Fold @in into @map on this CPU, as a probe would; returns the CPU. */
static u32 aggregate(struct fathom_map *map, const struct agg_input *in,
		     u32 n, int *err)
{
	u32 cpu, i;

	*err = 0;
	preempt_disable();
	cpu = smp_processor_id();
	for (i = 0; i < n && !*err; i++)
		*err = fathom_map_aggregate(map, &in[i].key, in[i].v);
	preempt_enable();
	return cpu;
}

struct agg_case {
	const char *name;
	u32 kind;
	u64 want_a[4];
	u64 want_b[4];
	u32 nr_words;
};

static const struct agg_input agg_inputs[] = {
	{ 1, 5 }, { 2, 7 }, { 1, -3 }, { 1, 10 }, { 1, 0 },
};

static const struct agg_case agg_cases[] = {
	{ "count", FATHOM_MAP_COUNT, { 4 }, { 1 }, 1 },
	{ "sum", FATHOM_MAP_SUM, { 12 }, { 7 }, 1 },
	{ "min", FATHOM_MAP_MIN, { -3 }, { 7 }, 1 },
	{ "max", FATHOM_MAP_MAX, { 10 }, { 7 }, 1 },
	{ "avg", FATHOM_MAP_AVG, { 12, 4 }, { 7, 1 }, 2 },
	{ "stats", FATHOM_MAP_STATS, { 4, 12, -3, 10 }, { 1, 7, 7, 7 }, 4 },
};

static bool test_agg(const struct agg_case *c, struct dump_state *st)
{
	struct fathom_map_spec spec = {
		.kind = c->kind, .key_size = 4, .max_entries = 8,
	};
	struct fathom_map *map = make_map(c->name, &spec);
	bool ok = false;
	u32 cpu;
	int err;

	if (!map)
		return false;
	cpu = aggregate(map, agg_inputs, ARRAY_SIZE(agg_inputs), &err);
	if (err) {
		pr_err("maps self-test: %s: aggregate: %d\n", c->name, err);
		goto out;
	}
	if (!dump_all(c->name, map, st, false))
		goto out;
	if (st->n != 2) {
		pr_err("maps self-test: %s: %u entries, want 2\n", c->name,
		       st->n);
		goto out;
	}
	ok = expect(c->name, st, cpu, 1, c->want_a, c->nr_words) &&
	     expect(c->name, st, cpu, 2, c->want_b, c->nr_words);
out:
	fathom_map_destroy(map);
	return ok;
}

/*
 * HIST and LHIST: the bucket of each input is known; every other bucket
 * must stay 0.
 */
struct bucket_case {
	const char *name;
	struct fathom_map_spec spec;
	u32 nr_buckets;
	struct {
		s64 v;
		u32 bucket;
	} in[12];
	u32 n;
};

static const struct bucket_case bucket_cases[] = {
	{
		.name = "hist",
		.spec = { .kind = FATHOM_MAP_HIST },
		.nr_buckets = FATHOM_HIST_BUCKETS,
		.in = {
			{ -5, 0 }, { S64_MIN, 0 }, { 0, 1 }, { 1, 2 },
			{ 2, 3 }, { 3, 3 }, { 4, 4 }, { 7, 4 }, { 8, 5 },
			{ 1LL << 62, 64 }, { S64_MAX, 64 },
		},
		.n = 11,
	},
	{
		.name = "lhist",
		.spec = {
			.kind = FATHOM_MAP_LHIST,
			.lhist_min = 0, .lhist_max = 100, .lhist_step = 10,
		},
		.nr_buckets = 12,
		.in = {
			{ -1, 0 }, { S64_MIN, 0 }, { 0, 1 }, { 9, 1 },
			{ 10, 2 }, { 99, 10 }, { 100, 11 }, { 1000, 11 },
			{ S64_MAX, 11 },
		},
		.n = 9,
	},
	{
		/* 20 / 6: the partial step [8, 10) shares the last bucket. */
		.name = "lhist uneven",
		.spec = {
			.kind = FATHOM_MAP_LHIST,
			.lhist_min = -10, .lhist_max = 10, .lhist_step = 6,
		},
		.nr_buckets = 5,
		.in = {
			{ -11, 0 }, { -10, 1 }, { -5, 1 }, { -4, 2 },
			{ 7, 3 }, { 8, 4 }, { 10, 4 },
		},
		.n = 7,
	},
	{
		/* The whole s64 range: differences need u64 arithmetic. */
		.name = "lhist wide",
		.spec = {
			.kind = FATHOM_MAP_LHIST,
			.lhist_min = S64_MIN, .lhist_max = S64_MAX,
			.lhist_step = 1LL << 62,
		},
		.nr_buckets = 5,
		.in = {
			{ S64_MIN, 1 }, { -1, 2 }, { 0, 3 }, { S64_MAX, 4 },
		},
		.n = 4,
	},
};

static bool test_buckets(const struct bucket_case *c, struct dump_state *st)
{
	struct fathom_map_spec spec = c->spec;
	u64 want[MAX_WORDS] = { 0 };
	struct fathom_map *map;
	u32 cpu, i, key = 3;
	bool ok = false;
	int err = 0;

	spec.key_size = 4;
	spec.max_entries = 2;
	if (fathom_map_value_size(&spec) != c->nr_buckets * 8) {
		pr_err("maps self-test: %s: value size %u, want %u\n", c->name,
		       fathom_map_value_size(&spec), c->nr_buckets * 8);
		return false;
	}
	map = make_map(c->name, &spec);
	if (!map)
		return false;
	preempt_disable();
	cpu = smp_processor_id();
	for (i = 0; i < c->n && !err; i++) {
		err = fathom_map_aggregate(map, &key, c->in[i].v);
		want[c->in[i].bucket]++;
	}
	preempt_enable();
	if (err) {
		pr_err("maps self-test: %s: aggregate: %d\n", c->name, err);
		goto out;
	}
	if (!dump_all(c->name, map, st, false))
		goto out;
	ok = st->n == 1 && expect(c->name, st, cpu, 3, want, c->nr_buckets);
	if (!ok && st->n != 1)
		pr_err("maps self-test: %s: %u entries, want 1\n", c->name,
		       st->n);
out:
	fathom_map_destroy(map);
	return ok;
}

struct remote_arg {
	struct fathom_map *map;
	u32 cpu;
	int err;
};

/* Runs on another CPU, in interrupt context like a probe can. */
static void remote_aggregate(void *data)
{
	struct remote_arg *r = data;
	u32 key = 9;

	r->cpu = smp_processor_id();
	r->err = fathom_map_aggregate(r->map, &key, 1);
	if (!r->err)
		r->err = fathom_map_aggregate(r->map, &key, 1);
}

/*
 * Two CPUs aggregate into one map: each CPU's entries come back under its
 * own number, in CPU order. Needs a second online CPU (the guest has two);
 * with one, only this CPU is checked.
 */
static bool test_percpu(struct dump_state *st)
{
	const struct agg_input in[] = { { 9, 1 }, { 8, 1 } };
	struct fathom_map_spec spec = {
		.kind = FATHOM_MAP_COUNT, .key_size = 4, .max_entries = 4,
	};
	struct fathom_map *map = make_map("per-cpu", &spec);
	struct remote_arg r = { .map = map, .cpu = U32_MAX };
	const u64 one = 1, two = 2;
	unsigned int other;
	bool ok = false;
	u32 cpu, i;
	int err;

	if (!map)
		return false;
	cpu = aggregate(map, in, ARRAY_SIZE(in), &err);
	if (err)
		goto out;
	other = cpumask_any_but(cpu_online_mask, cpu);
	if (other < nr_cpu_ids) {
		err = smp_call_function_single(other, remote_aggregate, &r, 1);
		if (err || r.err) {
			pr_err("maps self-test: per-cpu: remote: %d %d\n", err,
			       r.err);
			goto out;
		}
	}
	if (!dump_all("per-cpu", map, st, false))
		goto out;
	ok = expect("per-cpu", st, cpu, 9, &one, 1) &&
	     expect("per-cpu", st, cpu, 8, &one, 1);
	if (ok && r.cpu != U32_MAX)
		ok = st->n == 3 && expect("per-cpu", st, r.cpu, 9, &two, 1);
	else if (ok)
		ok = st->n == 2;
	/* CPU by CPU, in for_each_possible_cpu() (ascending) order. */
	for (i = 1; ok && i < st->n; i++)
		ok = st->e[i - 1].cpu <= st->e[i].cpu;
	if (!ok)
		pr_err("maps self-test: per-cpu: %u entries (cpus %u, %u)\n",
		       st->n, cpu, r.cpu);
out:
	fathom_map_destroy(map);
	return ok;
}

/* A full table refuses new keys, counts them, and still updates old ones. */
static bool test_agg_full(struct dump_state *st)
{
	const struct agg_input in[] = {
		{ 1, 0 }, { 2, 0 }, { 3, 0 }, { 4, 0 }, { 1, 0 },
	};
	const struct agg_input extra = { 5, 0 };
	struct fathom_map_spec spec = {
		.kind = FATHOM_MAP_COUNT, .key_size = 4, .max_entries = 4,
	};
	struct fathom_map *map = make_map("agg full", &spec);
	const u64 two = 2;
	bool ok = false;
	int err, err2;
	u32 cpu;

	if (!map)
		return false;
	cpu = aggregate(map, in, ARRAY_SIZE(in), &err);
	aggregate(map, &extra, 1, &err2);
	if (err || err2 != -ENOSPC || fathom_map_dropped(map) != 1) {
		pr_err("maps self-test: agg full: %d %d, dropped %llu\n", err,
		       err2, (unsigned long long)fathom_map_dropped(map));
		goto out;
	}
	if (!dump_all("agg full", map, st, false))
		goto out;
	ok = st->n == 4 && expect("agg full", st, cpu, 1, &two, 1);
	if (!ok)
		pr_err("maps self-test: agg full: %u entries\n", st->n);
out:
	fathom_map_destroy(map);
	return ok;
}

struct hval {
	u32 a, b, c;
};

/*
 * Insert, replace, look up, delete, fill the pool, reuse an element.
 * Leaves keys 10, 12, 13 and 14 with values { key, 2, 3 }, 10's { 4, 5, 6 }.
 * Returns NULL, or the step that failed.
 */
static const char *hash_ops(struct fathom_map *map)
{
	struct hval v1 = { 1, 2, 3 }, v2 = { 4, 5, 6 }, got;
	const struct hval zero = { 0 };
	u32 k = 1;

	if (fathom_map_update(map, &k, &v1))
		return "insert";
	if (fathom_map_lookup(map, &k, &got) || memcmp(&got, &v1, 12))
		return "lookup";
	if (fathom_map_update(map, &k, &v2))
		return "replace";
	if (fathom_map_lookup(map, &k, &got) || memcmp(&got, &v2, 12))
		return "lookup replaced";
	k = 2;
	memset(&got, 0xff, sizeof(got));
	if (fathom_map_lookup(map, &k, &got) != -ENOENT ||
	    memcmp(&got, &zero, 12))
		return "lookup absent";
	if (fathom_map_delete(map, &k) != -ENOENT)
		return "delete absent";
	k = 1;
	if (fathom_map_delete(map, &k))
		return "delete";
	if (fathom_map_lookup(map, &k, &got) != -ENOENT)
		return "lookup deleted";
	/* Fill the pool: all four elements, some from another CPU's list. */
	for (k = 10; k < 14; k++) {
		v1.a = k;
		if (fathom_map_update(map, &k, &v1))
			return "fill";
	}
	if (fathom_map_update(map, &k, &v1) != -ENOSPC ||
	    fathom_map_dropped(map) != 1)
		return "full pool";
	k = 10;
	if (fathom_map_update(map, &k, &v2))
		return "replace in full pool";
	k = 11;
	if (fathom_map_delete(map, &k))
		return "delete in full pool";
	k = 14;
	v1.a = 14;
	if (fathom_map_update(map, &k, &v1))
		return "reuse freed element";
	if (fathom_map_aggregate(map, &k, 1) != -EOPNOTSUPP)
		return "aggregate into hash";
	return NULL;
}

static bool test_hash(struct dump_state *st)
{
	static const u32 keys[] = { 10, 12, 13, 14 };
	struct fathom_map_spec spec = {
		.kind = FATHOM_MAP_HASH, .key_size = 4,
		.value_size = sizeof(struct hval), .max_entries = 4,
	};
	struct fathom_map *map = make_map("hash", &spec);
	const struct hval v10 = { 4, 5, 6 };
	const char *failed;
	bool ok;
	u32 i;

	if (!map)
		return false;
	preempt_disable();
	failed = hash_ops(map);
	preempt_enable();
	ok = !failed;
	if (failed)
		pr_err("maps self-test: hash: %s\n", failed);
	else if (!dump_all("hash", map, st, false))
		ok = false;
	for (i = 0; ok && i < ARRAY_SIZE(keys); i++) {
		const struct hval v = { keys[i], 2, 3 };
		const struct dumped *d = find(st, U32_MAX, &keys[i], 4);

		ok = d && d->value_size == 12 &&
		     !memcmp(d->value, i ? &v : &v10, 12);
	}
	if (!failed && (!ok || st->n != 4)) {
		pr_err("maps self-test: hash: dump (%u entries)\n", st->n);
		ok = false;
	}
	fathom_map_destroy(map);
	return ok;
}

static bool test_stack(struct dump_state *st)
{
	/* Depth 4: key { u32 nr; u32 pad; u64 ips[4] }. */
	struct fathom_map_spec spec = {
		.kind = FATHOM_MAP_STACK, .key_size = 8 + 4 * 8,
		.max_entries = 4,
	};
	static const unsigned long a[] = { 1, 2, 3 }, b[] = { 1, 2, 4 };
	static const unsigned long c[] = { 5, 6, 7, 8, 9 };
	static const unsigned long d[] = { 5, 6, 7, 8, 10 };
	struct fathom_map *map = make_map("stack", &spec);
	s64 ida, idb, idc, idd, ide, full;
	bool ok = false;
	const struct dumped *e;
	u64 key[5];

	if (!map)
		return false;
	preempt_disable();
	ida = fathom_map_stack_id(map, a, ARRAY_SIZE(a), 0);
	idb = fathom_map_stack_id(map, b, ARRAY_SIZE(b), 0);
	/* c and d differ only past the depth: one stack. */
	idc = fathom_map_stack_id(map, c, ARRAY_SIZE(c), 0);
	idd = fathom_map_stack_id(map, d, ARRAY_SIZE(d), 0);
	ide = fathom_map_stack_id(map, NULL, 0, 0);
	full = fathom_map_stack_id(map, b, 2, 0);
	preempt_enable();
	if (ida <= 0 || idb <= 0 || idc <= 0 || ide <= 0 || ida == idb ||
	    ida == idc || idb == idc || idc != idd || ide == ida ||
	    ide == idb || ide == idc || full != -ENOSPC ||
	    fathom_map_dropped(map) != 1 ||
	    fathom_map_stack_id(map, a, ARRAY_SIZE(a), 0) != ida) {
		pr_err("maps self-test: stack: ids %lld %lld %lld %lld %lld %lld\n",
		       ida, idb, idc, idd, ide, full);
		goto out;
	}
	if (!dump_all("stack", map, st, false))
		goto out;
	/* Keys are { nr, pad, ips, zeroes }, little or big endian alike. */
	memset(key, 0, sizeof(key));
	*(u32 *)key = 3;
	key[1] = 1;
	key[2] = 2;
	key[3] = 3;
	e = find(st, U32_MAX, key, sizeof(key));
	ok = st->n == 4 && e && e->value_size == 8 && e->value[0] == ida;
	memset(key, 0, sizeof(key));
	e = find(st, U32_MAX, key, sizeof(key));
	ok = ok && e && e->value[0] == ide;
	if (!ok) {
		pr_err("maps self-test: stack: dump (%u entries)\n", st->n);
		goto out;
	}
	/* Emptied, the map takes new stacks, with ids never seen before. */
	fathom_map_clear(map, false);
	preempt_disable();
	idb = fathom_map_stack_id(map, b, ARRAY_SIZE(b), 0);
	preempt_enable();
	ok = idb > ide && idb > idc;
	if (!ok)
		pr_err("maps self-test: stack: id %lld after clear\n", idb);
out:
	fathom_map_destroy(map);
	return ok;
}

/* An emit that refuses every second call still sees each entry once. */
static bool test_resume(struct dump_state *st, u32 kind)
{
	struct fathom_map_spec spec = {
		.kind = kind, .key_size = 4, .max_entries = 12,
		.value_size = kind == FATHOM_MAP_HASH ? 8 : 0,
	};
	struct fathom_map *map = make_map("resume", &spec);
	bool ok = false;
	u64 one = 1;
	u32 cpu = U32_MAX, k;
	int err = 0;

	if (!map)
		return false;
	preempt_disable();
	if (kind != FATHOM_MAP_HASH)
		cpu = smp_processor_id();
	for (k = 100; k < 110 && !err; k++)
		err = kind == FATHOM_MAP_HASH ?
		      fathom_map_update(map, &k, &one) :
		      fathom_map_aggregate(map, &k, 0);
	preempt_enable();
	if (err || !dump_all("resume", map, st, true))
		goto out;
	ok = st->n == 10;
	for (k = 100; ok && k < 110; k++)
		ok = expect("resume", st, cpu, k, &one, 1);
	if (!ok)
		pr_err("maps self-test: resume: kind %u: %u entries in %u calls\n",
		       kind, st->n, st->calls);
out:
	fathom_map_destroy(map);
	return ok;
}

/* Zeroing keeps keys with zero values; clearing empties; MIN forgets. */
static bool test_clear(struct dump_state *st)
{
	const struct agg_input in[] = { { 1, 4 }, { 2, 6 }, { 3, -8 } };
	const struct agg_input again = { 2, 5 };
	struct fathom_map_spec spec = {
		.kind = FATHOM_MAP_STATS, .key_size = 4, .max_entries = 4,
	};
	struct fathom_map *map = make_map("clear", &spec);
	const u64 zeroes[4] = { 0 }, fresh[4] = { 1, 5, 5, 5 };
	bool ok = false;
	u32 cpu;
	int err;

	if (!map)
		return false;
	aggregate(map, in, ARRAY_SIZE(in), &err);
	if (err)
		goto out;
	fathom_map_clear(map, true);
	cpu = aggregate(map, &again, 1, &err);
	if (err || !dump_all("clear", map, st, false))
		goto out;
	ok = st->n == 3 && expect("zero", st, cpu, 1, zeroes, 4) &&
	     expect("zero", st, cpu, 2, fresh, 4) &&
	     expect("zero", st, cpu, 3, zeroes, 4);
	if (!ok)
		goto out;
	fathom_map_clear(map, false);
	ok = dump_all("clear", map, st, false) && st->n == 0;
	if (!ok)
		pr_err("maps self-test: clear: %u entries left\n", st->n);
out:
	fathom_map_destroy(map);
	return ok;
}

static bool test_clear_min_hash(struct dump_state *st)
{
	struct fathom_map_spec mspec = {
		.kind = FATHOM_MAP_MIN, .key_size = 4, .max_entries = 4,
	};
	struct fathom_map_spec hspec = {
		.kind = FATHOM_MAP_HASH, .key_size = 4, .value_size = 8,
		.max_entries = 2,
	};
	const struct agg_input in = { 1, 4 };
	struct fathom_map *map = make_map("clear min", &mspec);
	u64 v = 7, got = 1;
	bool ok = false;
	u32 k = 1;
	int err;

	if (!map)
		return false;
	aggregate(map, &in, 1, &err);
	fathom_map_clear(map, true);
	ok = !err && dump_all("clear min", map, st, false) && st->n == 0;
	fathom_map_destroy(map);
	if (!ok) {
		pr_err("maps self-test: zeroed min map not empty\n");
		return false;
	}

	map = make_map("clear hash", &hspec);
	if (!map)
		return false;
	ok = !fathom_map_update(map, &k, &v);
	fathom_map_clear(map, true);
	ok = ok && !fathom_map_lookup(map, &k, &got) && !got;
	fathom_map_clear(map, false);
	ok = ok && fathom_map_lookup(map, &k, &got) == -ENOENT;
	/* The whole pool is free again. */
	for (k = 5; ok && k < 7; k++)
		ok = !fathom_map_update(map, &k, &v);
	if (!ok)
		pr_err("maps self-test: hash zero/clear\n");
	fathom_map_destroy(map);
	return ok;
}

struct spec_case {
	const char *name;
	struct fathom_map_spec spec;
	int err;
};

static const struct spec_case spec_cases[] = {
	{ "kind 0", { .kind = 0, .key_size = 4, .max_entries = 1 }, -EINVAL },
	{ "kind max", { .kind = __FATHOM_MAP_KIND_MAX, .key_size = 4,
			.max_entries = 1 }, -EINVAL },
	{ "key 0", { .kind = FATHOM_MAP_COUNT, .max_entries = 1 }, -EINVAL },
	{ "key 513", { .kind = FATHOM_MAP_COUNT, .key_size = 513,
		       .max_entries = 1 }, -EINVAL },
	{ "key 512", { .kind = FATHOM_MAP_COUNT, .key_size = 512,
		       .max_entries = 1 }, 0 },
	{ "entries 0", { .kind = FATHOM_MAP_COUNT, .key_size = 4 }, -EINVAL },
	{ "entries huge", { .kind = FATHOM_MAP_COUNT, .key_size = 4,
			    .max_entries = U32_MAX }, -EINVAL },
	{ "hash value 0", { .kind = FATHOM_MAP_HASH, .key_size = 4,
			    .max_entries = 1 }, -EINVAL },
	{ "hash value 513", { .kind = FATHOM_MAP_HASH, .key_size = 4,
			      .value_size = 513, .max_entries = 1 }, -EINVAL },
	{ "count value", { .kind = FATHOM_MAP_COUNT, .key_size = 4,
			   .value_size = 8, .max_entries = 1 }, -EINVAL },
	{ "count lhist", { .kind = FATHOM_MAP_COUNT, .key_size = 4,
			   .max_entries = 1, .lhist_step = 1 }, -EINVAL },
	{ "lhist step 0", { .kind = FATHOM_MAP_LHIST, .key_size = 4,
			    .max_entries = 1, .lhist_max = 10 }, -EINVAL },
	{ "lhist step < 0", { .kind = FATHOM_MAP_LHIST, .key_size = 4,
			      .max_entries = 1, .lhist_max = 10,
			      .lhist_step = -1 }, -EINVAL },
	{ "lhist max = min", { .kind = FATHOM_MAP_LHIST, .key_size = 4,
			       .max_entries = 1, .lhist_min = 5,
			       .lhist_max = 5, .lhist_step = 1 }, -EINVAL },
	{ "lhist 1025", { .kind = FATHOM_MAP_LHIST, .key_size = 4,
			  .max_entries = 1, .lhist_max = 1023,
			  .lhist_step = 1 }, -EINVAL },
	{ "lhist 1024", { .kind = FATHOM_MAP_LHIST, .key_size = 4,
			  .max_entries = 1, .lhist_max = 1022,
			  .lhist_step = 1 }, 0 },
	{ "lhist wraps", { .kind = FATHOM_MAP_LHIST, .key_size = 4,
			   .max_entries = 1, .lhist_min = S64_MIN,
			   .lhist_max = S64_MAX, .lhist_step = 1 }, -EINVAL },
	{ "stack 12", { .kind = FATHOM_MAP_STACK, .key_size = 12,
			.max_entries = 1 }, -EINVAL },
	{ "stack 8", { .kind = FATHOM_MAP_STACK, .key_size = 8,
		       .max_entries = 1 }, -EINVAL },
	{ "stack 16", { .kind = FATHOM_MAP_STACK, .key_size = 16,
			.max_entries = 1 }, 0 },
};

static bool test_spec(const struct spec_case *c)
{
	int err = fathom_map_spec_check(&c->spec, NULL);

	if (err != c->err) {
		pr_err("maps self-test: spec %s: %d, want %d\n", c->name, err,
		       c->err);
		return false;
	}
	if (!err && fathom_map_mem_size(&c->spec) <= 8) {
		pr_err("maps self-test: spec %s: mem size %llu\n", c->name,
		       (unsigned long long)fathom_map_mem_size(&c->spec));
		return false;
	}
	return true;
}

/**
 * fathom_maps_selftest() - check the session maps at load time
 *
 * Return: 0 if every check passed, -ENOTRECOVERABLE if one failed,
 * -ENOMEM if the test could not run.
 */
int fathom_maps_selftest(void)
{
	unsigned int passed = 0, failed = 0, i;
	struct dump_state *st;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;

#define CHECK(expr) ((expr) ? passed++ : failed++)
	for (i = 0; i < ARRAY_SIZE(spec_cases); i++)
		CHECK(test_spec(&spec_cases[i]));
	for (i = 0; i < ARRAY_SIZE(agg_cases); i++)
		CHECK(test_agg(&agg_cases[i], st));
	for (i = 0; i < ARRAY_SIZE(bucket_cases); i++)
		CHECK(test_buckets(&bucket_cases[i], st));
	CHECK(test_percpu(st));
	CHECK(test_agg_full(st));
	CHECK(test_hash(st));
	CHECK(test_stack(st));
	CHECK(test_resume(st, FATHOM_MAP_COUNT));
	CHECK(test_resume(st, FATHOM_MAP_HASH));
	CHECK(test_clear(st));
	CHECK(test_clear_min_hash(st));
#undef CHECK

	kfree(st);
	if (failed) {
		pr_err("maps self-test: %u of %u FAILED\n", failed,
		       passed + failed);
		return -ENOTRECOVERABLE;
	}
	pr_info("maps self-test: %u passed\n", passed);
	return 0;
}
