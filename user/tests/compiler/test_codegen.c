// SPDX-License-Identifier: GPL-2.0-only
/*
 * Code generation: compile scripts, verify every program with the
 * kernel's verifier, then RUN them in the user-space VM against test
 * doubles of the helpers (a tiny map store with the kernel's aggregation
 * math, a record buffer for EMIT) and assert on what they computed.
 * Semantics, not bytecode.
 */
#include <stdint.h>
#include <stdlib.h>

#include "helpers.h"

#include <linux/fathom.h>

#include "vm/kshim.h"
#include "vm/isa.h"
#include "vm/vm.h"
#include "codegen.h"

/* ---- the probe environment and the map store ------------------------- */

#define MAX_ENTRIES 64
#define MAX_VALUE (8 * (FATHOM_LHIST_MAX_BUCKETS + 2))

struct entry {
	uint8_t key[FATHOM_STACK_SIZE];
	uint8_t *value;
	bool used;
	bool fresh; /* created, no aggregation folded in yet */
};

struct store {
	struct entry e[MAX_ENTRIES];
};

struct env {
	uint64_t pid, tid, uid, gid, cpu, ns, cgroup, probe_id, retval;
	uint64_t args[10];
	char comm[16];
	const struct fathom_compiled *c;
	struct store *maps; /* per map id - 1 */
	uint8_t rec[8192];
	size_t rec_len;
	unsigned int nrecs;
	unsigned int kernel_reads, user_reads;
	uint64_t stack_id;
};

static struct env *E;

static const struct fathom_map_spec *spec_of(uint64_t id)
{
	return &E->c->maps[id - 1];
}

static uint32_t vsize_of(const struct fathom_map_spec *m)
{
	switch (m->kind) {
	case FATHOM_MAP_HASH:
		return m->value_size;
	case FATHOM_MAP_AVG:
		return 16;
	case FATHOM_MAP_STATS:
		return 32;
	case FATHOM_MAP_HIST:
		return 8 * FATHOM_HIST_BUCKETS;
	case FATHOM_MAP_LHIST:
		return 8 * (uint32_t)((m->lhist_max - m->lhist_min) /
					      m->lhist_step +
				      2);
	default:
		return 8;
	}
}

static struct entry *find(uint64_t id, const void *key, bool create)
{
	const struct fathom_map_spec *m = spec_of(id);
	struct store *s = &E->maps[id - 1];
	int i, free_i = -1;

	for (i = 0; i < MAX_ENTRIES; i++) {
		if (s->e[i].used && !memcmp(s->e[i].key, key, m->key_size))
			return &s->e[i];
		if (!s->e[i].used && free_i < 0)
			free_i = i;
	}
	if (!create || free_i < 0)
		return NULL;
	s->e[free_i].used = true;
	memcpy(s->e[free_i].key, key, m->key_size);
	s->e[free_i].value = calloc(1, vsize_of(m));
	s->e[free_i].fresh = true;
	return &s->e[free_i];
}

static u64 h_pid(u64 a, u64 b, u64 c, u64 d, u64 e, void *x)
{
	return E->pid;
}
static u64 h_tid(u64 a, u64 b, u64 c, u64 d, u64 e, void *x)
{
	return E->tid;
}
static u64 h_uid(u64 a, u64 b, u64 c, u64 d, u64 e, void *x)
{
	return E->uid;
}
static u64 h_gid(u64 a, u64 b, u64 c, u64 d, u64 e, void *x)
{
	return E->gid;
}
static u64 h_cpu(u64 a, u64 b, u64 c, u64 d, u64 e, void *x)
{
	return E->cpu;
}
static u64 h_ns(u64 a, u64 b, u64 c, u64 d, u64 e, void *x)
{
	return E->ns;
}
static u64 h_cg(u64 a, u64 b, u64 c, u64 d, u64 e, void *x)
{
	return E->cgroup;
}
static u64 h_probe(u64 a, u64 b, u64 c, u64 d, u64 e, void *x)
{
	return E->probe_id;
}
static u64 h_retval(u64 a, u64 b, u64 c, u64 d, u64 e, void *x)
{
	return E->retval;
}
static u64 h_arg(u64 n, u64 b, u64 c, u64 d, u64 e, void *x)
{
	return n < 10 ? E->args[n] : 0;
}
static u64 h_comm(u64 dst, u64 len, u64 c, u64 d, u64 e, void *x)
{
	memset((void *)dst, 0, len);
	memcpy((void *)dst, E->comm, len < 16 ? len : 16);
	((char *)dst)[len - 1] = 0;
	return 0;
}
static u64 read_str(u64 dst, u64 len, u64 src)
{
	memset((void *)dst, 0, len);
	if (!src)
		return (u64)-14; /* -EFAULT, zero-filled */
	strncpy((char *)dst, (const char *)src, len - 1);
	return strlen((char *)dst) + 1;
}
static u64 h_ustr(u64 dst, u64 len, u64 src, u64 d, u64 e, void *x)
{
	E->user_reads++;
	return read_str(dst, len, src);
}
static u64 h_kstr(u64 dst, u64 len, u64 src, u64 d, u64 e, void *x)
{
	E->kernel_reads++;
	/* "kernel" memory is not mapped here: a fixed string stands in */
	return read_str(dst, len, (u64) "kernelstr");
}
static u64 h_lookup(u64 id, u64 key, u64 val, u64 d, u64 e, void *x)
{
	struct entry *en = find(id, (void *)key, false);
	uint32_t vs = vsize_of(spec_of(id));

	if (!en) {
		memset((void *)val, 0, vs);
		return (u64)-2;
	}
	memcpy((void *)val, en->value, vs);
	return 0;
}
static u64 h_update(u64 id, u64 key, u64 val, u64 d, u64 e, void *x)
{
	struct entry *en = find(id, (void *)key, true);

	if (!en)
		return (u64)-7;
	memcpy(en->value, (void *)val, vsize_of(spec_of(id)));
	return 0;
}
static u64 h_delete(u64 id, u64 key, u64 c, u64 d, u64 e, void *x)
{
	struct entry *en = find(id, (void *)key, false);

	if (!en)
		return (u64)-2;
	free(en->value);
	en->value = NULL;
	en->used = false;
	return 0;
}
static u64 h_agg(u64 id, u64 key, u64 val, u64 d, u64 e, void *x)
{
	const struct fathom_map_spec *m = spec_of(id);
	struct entry *en = find(id, (void *)key, true);
	int64_t v = (int64_t)val, *p;
	bool fresh;

	if (!en)
		return (u64)-7;
	p = (int64_t *)en->value;
	fresh = en->fresh;
	en->fresh = false;
	switch (m->kind) {
	case FATHOM_MAP_COUNT:
		p[0]++;
		break;
	case FATHOM_MAP_SUM:
		p[0] += v;
		break;
	case FATHOM_MAP_MIN:
		if (fresh || v < p[0])
			p[0] = v;
		break;
	case FATHOM_MAP_MAX:
		if (fresh || v > p[0])
			p[0] = v;
		break;
	case FATHOM_MAP_AVG:
		p[0] += v;
		p[1]++;
		break;
	case FATHOM_MAP_STATS:
		if (fresh || v < p[2])
			p[2] = v;
		if (fresh || v > p[3])
			p[3] = v;
		p[0]++;
		p[1] += v;
		break;
	case FATHOM_MAP_HIST: {
		int k = 0;

		if (v == 0)
			k = 1;
		else if (v > 0)
			k = 2 + (63 - __builtin_clzll((uint64_t)v));
		p[k]++;
		break;
	}
	case FATHOM_MAP_LHIST: {
		int64_t nb = (m->lhist_max - m->lhist_min) / m->lhist_step + 2;
		int64_t k;

		if (v < m->lhist_min)
			k = 0;
		else if (v >= m->lhist_max)
			k = nb - 1;
		else
			k = 1 + (v - m->lhist_min) / m->lhist_step;
		p[k]++;
		break;
	}
	default:
		return (u64)-22;
	}
	return 0;
}
static u64 h_emit(u64 src, u64 len, u64 c, u64 d, u64 e, void *x)
{
	if (E->rec_len + len > sizeof(E->rec))
		return (u64)-28;
	memcpy(E->rec + E->rec_len, (void *)src, len);
	E->rec_len += len;
	E->nrecs++;
	return 0;
}
static u64 h_stack(u64 id, u64 skip, u64 c, u64 d, u64 e, void *x)
{
	return E->stack_id;
}

static void set_helpers(fathom_helper_fn *h)
{
	memset(h, 0, sizeof(*h) * __FATHOM_HELPER_MAX);
	h[FATHOM_HELPER_GET_PID] = h_pid;
	h[FATHOM_HELPER_GET_TID] = h_tid;
	h[FATHOM_HELPER_GET_UID] = h_uid;
	h[FATHOM_HELPER_GET_GID] = h_gid;
	h[FATHOM_HELPER_GET_CPU] = h_cpu;
	h[FATHOM_HELPER_KTIME_NS] = h_ns;
	h[FATHOM_HELPER_GET_CGROUP_ID] = h_cg;
	h[FATHOM_HELPER_GET_PROBE_ID] = h_probe;
	h[FATHOM_HELPER_GET_RETVAL] = h_retval;
	h[FATHOM_HELPER_GET_ARG] = h_arg;
	h[FATHOM_HELPER_GET_COMM] = h_comm;
	h[FATHOM_HELPER_PROBE_READ_USER_STR] = h_ustr;
	h[FATHOM_HELPER_PROBE_READ_KERNEL_STR] = h_kstr;
	h[FATHOM_HELPER_MAP_LOOKUP] = h_lookup;
	h[FATHOM_HELPER_MAP_UPDATE] = h_update;
	h[FATHOM_HELPER_MAP_DELETE] = h_delete;
	h[FATHOM_HELPER_MAP_AGGREGATE] = h_agg;
	h[FATHOM_HELPER_EMIT] = h_emit;
	h[FATHOM_HELPER_GET_KSTACK_ID] = h_stack;
	h[FATHOM_HELPER_GET_USTACK_ID] = h_stack;
}

/* ---- fixture --------------------------------------------------------- */

FIXTURE(cg)
{
	struct diag_sink d;
	struct fathom_script *s;
	struct fathom_compiled *c;
	struct env *env;
};

FIXTURE_SETUP(cg)
{
	diag_init_capture(&self->d);
	self->s = NULL;
	self->c = NULL;
	self->env = calloc(1, sizeof(*self->env));
	ASSERT_NE(NULL, self->env);
	strcpy(self->env->comm, "bash");
	E = self->env;
}

static void free_store(struct env *env)
{
	uint32_t i, j;

	if (!env->maps)
		return;
	for (i = 0; env->c && i < env->c->nr_maps; i++)
		for (j = 0; j < MAX_ENTRIES; j++)
			free(env->maps[i].e[j].value);
	free(env->maps);
	env->maps = NULL;
}

FIXTURE_TEARDOWN(cg)
{
	free_store(self->env);
	free(self->env);
	fathom_compiled_free(self->c);
	fathom_script_free(self->s);
	diag_fini(&self->d);
	FE_LEAK_CHECK();
}

/* Compile @src; 0 when the front end and the code generator accepted it. */
static int cg_compile(struct diag_sink *d, struct fathom_script **s,
		      struct fathom_compiled **c, struct env *env,
		      const char *src)
{
	int err;

	free_store(env);
	fathom_compiled_free(*c);
	*c = NULL;
	err = fe_check(d, s, src);
	if (err)
		return err;
	*c = fathom_codegen(*s, d);
	if (!*c)
		return -22;
	env->c = *c;
	env->maps = calloc((*c)->nr_maps + 1, sizeof(struct store));
	return 0;
}

#define CG_OK(self, src)                                                 \
	do {                                                             \
		int __e = cg_compile(&(self)->d, &(self)->s, &(self)->c, \
				     (self)->env, (src));                \
		if (__e)                                                 \
			FE_LOG(&(self)->d);                              \
		ASSERT_EQ(0, __e);                                       \
	} while (0)

#define CG_FAILS(self, src, sub)                                         \
	do {                                                             \
		int __e = cg_compile(&(self)->d, &(self)->s, &(self)->c, \
				     (self)->env, (src));                \
		ASSERT_NE(0, __e);                                       \
		if (!fe_err(&(self)->d, 0, 0, (sub)))                    \
			FE_LOG(&(self)->d);                              \
		ASSERT_TRUE(fe_err(&(self)->d, 0, 0, (sub)));            \
	} while (0)

/* Verify program @i with the test helpers and run it once; returns R0,
 * or -1000 - errno when the VM's verifier refused it. */
static int64_t run(struct env *env, uint32_t i)
{
	const struct fathom_compiled *c = env->c;
	fathom_helper_fn helpers[__FATHOM_HELPER_MAX];
	struct fathom_map_desc descs[64];
	struct fathom_prog prog;
	struct fathom_vlog log;
	char buf[256];
	uint64_t stack[FATHOM_STACK_SIZE / 8];
	uint32_t m;
	int err;

	E = env;
	set_helpers(helpers);
	for (m = 0; m < c->nr_maps && m < 64; m++) {
		descs[m].key_size = c->maps[m].key_size;
		descs[m].value_size = c->maps[m].kind == FATHOM_MAP_HASH
					      ? c->maps[m].value_size
					      : 8;
	}
	fathom_prog_init(&prog, c->progs[i].insns, c->progs[i].len);
	prog.maps = descs;
	prog.nr_maps = c->nr_maps;
	prog.helpers = helpers;
	log.buf = buf;
	log.size = sizeof(buf);
	log.insn = -1;
	err = fathom_verify(&prog, &log);
	if (err) {
		fprintf(stderr, "# verifier: %s (insn %d)\n", buf, log.insn);
		return -1000 + err;
	}
	memset(stack, 0xa5, sizeof(stack)); /* garbage, as in the kernel */
	return (int64_t)fathom_vm_run(&prog, env, (u8 *)stack);
}

static uint32_t map_id(const struct fathom_compiled *c, const char *name)
{
	uint32_t i;

	for (i = 0; i < c->nr_maps; i++)
		if (!strcmp(c->map_info[i].name, name))
			return i + 1;
	return 0;
}

/* The value (first 8 bytes; @word-th 8 bytes) of @name[key], or @dflt. */
static int64_t mapv_key(struct env *env, const char *name, const void *key,
			int word, int64_t dflt)
{
	uint32_t id = map_id(env->c, name);
	struct entry *en;

	if (!id)
		return dflt;
	E = env;
	en = find(id, key, false);
	if (!en)
		return dflt;
	return ((int64_t *)en->value)[word];
}

static int64_t mapv_int(struct env *env, const char *name, uint64_t k, int word)
{
	uint8_t key[FATHOM_STACK_SIZE] = { 0 };

	memcpy(key, &k, 8);
	return mapv_key(env, name, key, word, -999);
}

#define V(name) mapv_int(self->env, name, 0, 0)
#define ABSENT -999

static int count_entries(struct env *env, const char *name)
{
	uint32_t id = map_id(env->c, name);
	int i, n = 0;

	if (!id)
		return -1;
	for (i = 0; i < MAX_ENTRIES; i++)
		n += env->maps[id - 1].e[i].used;
	return n;
}

/* ---- tests ----------------------------------------------------------- */

TEST_F(cg, predicate_and_count)
{
	uint64_t args[] = { 1, 1, 2 };
	int i;

	CG_OK(self, "kprobe:f /pid == 42/ { @[arg0] = count(); }");
	ASSERT_EQ(1, self->c->nr_progs);
	ASSERT_EQ(1, self->c->nr_maps);
	EXPECT_EQ(FATHOM_MAP_COUNT, self->c->maps[0].kind);
	EXPECT_EQ(8, self->c->maps[0].key_size);
	self->env->pid = 42;
	for (i = 0; i < 3; i++) {
		self->env->args[0] = args[i];
		ASSERT_EQ(0, run(self->env, 0));
	}
	self->env->pid = 7;
	self->env->args[0] = 3;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(2, mapv_int(self->env, "@", 1, 0));
	EXPECT_EQ(1, mapv_int(self->env, "@", 2, 0));
	EXPECT_EQ(ABSENT, mapv_int(self->env, "@", 3, 0));
	EXPECT_EQ(2, count_entries(self->env, "@"));
}

TEST_F(cg, predicate_evaluated_first)
{
	/* the body's map update must not happen when the predicate fails */
	CG_OK(self, "kprobe:f /arg0 > 10/ { @hits = count(); @last = arg0; }");
	self->env->args[0] = 5;
	run(self->env, 0);
	EXPECT_EQ(ABSENT, V("@hits"));
	EXPECT_EQ(ABSENT, V("@last"));
	self->env->args[0] = 11;
	run(self->env, 0);
	EXPECT_EQ(1, V("@hits"));
	EXPECT_EQ(11, V("@last"));
}

TEST_F(cg, arithmetic_and_precedence)
{
	CG_OK(self,
	      "kprobe:f { $a = (int64)arg0; $b = (int64)arg1;"
	      " @add = $a + $b * 3; @sub = $a - $b - 1; @mul = ($a + 1) * $b;"
	      " @div = $a / $b; @mod = $a % $b; @neg = -$a;"
	      " @sdiv = -$a / $b; @smod = -$a % $b; @sdiv2 = $a / -$b;"
	      " @and = $a & 6; @or = $a | 8; @xor = $a ^ 5; @shl = $a << 3;"
	      " @shr = $a >> 1; @sar = -$a >> 1; @bnot = ~$a; @lnot = !$a;"
	      " @big = 0x123456789a + $a; @trunc = (uint8)($a + 0x1f0);"
	      " @s32 = (int32)0xffffffff; @udiv = arg2 / arg1; @div0 = $a / arg3; }");
	self->env->args[0] = 7;
	self->env->args[1] = 2;
	self->env->args[2] = (uint64_t)-8; /* as unsigned: huge */
	self->env->args[3] = 0;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(13, V("@add"));
	EXPECT_EQ(4, V("@sub"));
	EXPECT_EQ(16, V("@mul"));
	EXPECT_EQ(3, V("@div"));
	EXPECT_EQ(1, V("@mod"));
	EXPECT_EQ(-7, V("@neg"));
	EXPECT_EQ(-3, V("@sdiv"));
	EXPECT_EQ(-1, V("@smod"));
	EXPECT_EQ(-3, V("@sdiv2"));
	EXPECT_EQ(6, V("@and"));
	EXPECT_EQ(15, V("@or"));
	EXPECT_EQ(2, V("@xor"));
	EXPECT_EQ(56, V("@shl"));
	EXPECT_EQ(3, V("@shr"));
	EXPECT_EQ(-4, V("@sar"));
	EXPECT_EQ(~7LL, V("@bnot"));
	EXPECT_EQ(0, V("@lnot"));
	EXPECT_EQ(0x123456789aLL + 7, V("@big"));
	EXPECT_EQ((0x1f0 + 7) & 0xff, V("@trunc"));
	EXPECT_EQ(-1, V("@s32"));
	EXPECT_EQ((int64_t)(((uint64_t)-8) / 2), V("@udiv"));
	EXPECT_EQ(0, V("@div0"));
}

TEST_F(cg, comparisons_signed_unsigned)
{
	CG_OK(self, "kprobe:f { @slt = (int64)arg0 < 0; @ult = arg0 < arg1;"
		    " @eq = arg1 == 5; @ne = arg1 != 5; @ge = arg1 >= 5;"
		    " @le = arg1 <= 4; @gt = arg1 > 4; }");
	self->env->args[0] = (uint64_t)-1;
	self->env->args[1] = 5;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(1, V("@slt"));
	EXPECT_EQ(0, V("@ult")); /* 0xfff...f < 5 is false unsigned */
	EXPECT_EQ(1, V("@eq"));
	EXPECT_EQ(0, V("@ne"));
	EXPECT_EQ(1, V("@ge"));
	EXPECT_EQ(0, V("@le"));
	EXPECT_EQ(1, V("@gt"));
}

TEST_F(cg, short_circuit)
{
	CG_OK(self, "kprobe:f { @and = arg0 && @a++; @or = arg1 || @o++;"
		    " @and2 = arg1 && arg1 + 1; @or2 = arg0 || 0; }");
	self->env->args[0] = 0;
	self->env->args[1] = 3;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(0, V("@and"));
	EXPECT_EQ(1, V("@or"));
	EXPECT_EQ(ABSENT, V("@a")); /* right side not evaluated */
	EXPECT_EQ(ABSENT, V("@o"));
	EXPECT_EQ(1, V("@and2"));
	EXPECT_EQ(0, V("@or2"));
	/* now the right sides run */
	self->env->args[0] = 1;
	self->env->args[1] = 0;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(0, V("@a") == ABSENT);
	EXPECT_EQ(1, V("@a"));
	EXPECT_EQ(1, V("@o"));
	EXPECT_EQ(0, V("@and")); /* @a++ was 0 */
	EXPECT_EQ(0, V("@or"));
}

TEST_F(cg, ternary_and_if_else)
{
	CG_OK(self,
	      "kprobe:f { @t = arg0 > 5 ? 100 : 200;"
	      " if (arg0 == 1) { @w = 10; } else if (arg0 == 2) { @w = 20; }"
	      " else { @w = 30; } if (arg0) { @nz = 1; } }");
	self->env->args[0] = 1;
	run(self->env, 0);
	EXPECT_EQ(200, V("@t"));
	EXPECT_EQ(10, V("@w"));
	EXPECT_EQ(1, V("@nz"));
	self->env->args[0] = 2;
	run(self->env, 0);
	EXPECT_EQ(20, V("@w"));
	self->env->args[0] = 9;
	run(self->env, 0);
	EXPECT_EQ(100, V("@t"));
	EXPECT_EQ(30, V("@w"));
}

TEST_F(cg, unroll_and_scratch_variables)
{
	CG_OK(self,
	      "kprobe:f { $i = 0; $sum = 0; unroll(5) { $i++; $sum += $i * arg0; }"
	      " @i = $i; @sum = $sum; $x = 3; $x *= 4; $x -= 2; @x = $x; }");
	self->env->args[0] = 2;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(5, V("@i"));
	EXPECT_EQ(30, V("@sum"));
	EXPECT_EQ(10, V("@x"));
}

TEST_F(cg, return_skips_rest)
{
	CG_OK(self,
	      "kprobe:f { @a = 1; if (arg0 == 1) { return; } @b = 2;"
	      " if (arg0 == 2) { @c = 3; return; } else { @d = 4; return; } }");
	self->env->args[0] = 1;
	run(self->env, 0);
	EXPECT_EQ(1, V("@a"));
	EXPECT_EQ(ABSENT, V("@b"));
	self->env->args[0] = 2;
	run(self->env, 0);
	EXPECT_EQ(2, V("@b"));
	EXPECT_EQ(3, V("@c"));
	EXPECT_EQ(ABSENT, V("@d"));
	self->env->args[0] = 3;
	run(self->env, 0);
	EXPECT_EQ(4, V("@d"));
}

TEST_F(cg, builtins)
{
	CG_OK(self,
	      "kretprobe:f { @pid = pid; @tid = tid; @uid = uid; @gid = gid;"
	      " @cpu = cpu; @ns = nsecs; @cg = cgroup; @ret = retval; }");
	self->env->pid = 11;
	self->env->tid = 12;
	self->env->uid = 13;
	self->env->gid = 14;
	self->env->cpu = 3;
	self->env->ns = 123456789012ULL;
	self->env->cgroup = 99;
	self->env->retval = (uint64_t)-5;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(11, V("@pid"));
	EXPECT_EQ(12, V("@tid"));
	EXPECT_EQ(13, V("@uid"));
	EXPECT_EQ(14, V("@gid"));
	EXPECT_EQ(3, V("@cpu"));
	EXPECT_EQ(123456789012LL, V("@ns"));
	EXPECT_EQ(99, V("@cg"));
	EXPECT_EQ(-5, V("@ret"));
	EXPECT_EQ(FATHOM_PROBE_KRETPROBE, self->c->probes[0].kind);
}

TEST_F(cg, comm_as_key_and_string_vars)
{
	char key[16] = "bash";
	uint8_t k[24] = "bash";
	uint64_t nine = 9;

	CG_OK(self,
	      "kprobe:f { @[comm] = count(); $s = comm; @v[$s, arg0] = sum(arg1);"
	      " @eq = comm == \"bash\"; @ne = $s != \"bash\"; @lit = \"hi\" == \"hi\"; }");
	EXPECT_EQ(16, self->c->maps[map_id(self->c, "@") - 1].key_size);
	EXPECT_EQ(24, self->c->maps[map_id(self->c, "@v") - 1].key_size);
	self->env->args[0] = 9;
	self->env->args[1] = 5;
	ASSERT_EQ(0, run(self->env, 0));
	ASSERT_EQ(0, run(self->env, 0));
	strcpy(self->env->comm, "zsh");
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(2, mapv_key(self->env, "@", key, 0, ABSENT));
	strcpy(key, "zsh");
	EXPECT_EQ(1, mapv_key(self->env, "@", key, 0, ABSENT));
	memcpy(k + 16, &nine, 8);
	EXPECT_EQ(10, mapv_key(self->env, "@v", k, 0, ABSENT));
	EXPECT_EQ(0, V("@eq"));
	EXPECT_EQ(1, V("@ne"));
	EXPECT_EQ(1, V("@lit"));
}

TEST_F(cg, string_map_values)
{
	char key[8] = { 0 };
	char k[16] = "bash";
	struct entry *en;
	uint32_t id;

	CG_OK(self,
	      "kprobe:f { @name = comm; @c[@name] = count(); @tag = arg0 ? \"yes\" : \"no\"; }");
	id = map_id(self->c, "@name");
	EXPECT_EQ(FATHOM_MAP_HASH, self->c->maps[id - 1].kind);
	EXPECT_EQ(16, self->c->maps[id - 1].value_size);
	self->env->args[0] = 0;
	ASSERT_EQ(0, run(self->env, 0));
	E = self->env;
	en = find(id, key, false);
	ASSERT_NE(NULL, en);
	EXPECT_STREQ("bash", (char *)en->value);
	en = find(map_id(self->c, "@tag"), key, false);
	ASSERT_NE(NULL, en);
	EXPECT_STREQ("no", (char *)en->value);
	EXPECT_EQ(1, mapv_key(self->env, "@c", k, 0, ABSENT));
}

TEST_F(cg, str_reads_user_or_kernel)
{
	static const char name[] = "/etc/passwd";
	char k[64] = "/etc/passwd";
	char k2[64] = "kernelstr";
	char s[8] = "/etc";

	CG_OK(self,
	      "kprobe:f { @[str(arg0)] = count(); @short[str(arg0, 4)] = count(); }");
	EXPECT_EQ(64, self->c->maps[map_id(self->c, "@") - 1].key_size);
	EXPECT_EQ(8, self->c->maps[map_id(self->c, "@short") - 1].key_size);
	self->env->args[0] = (uint64_t)(uintptr_t)name;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(2, self->env->user_reads);
	EXPECT_EQ(0, self->env->kernel_reads);
	EXPECT_EQ(1, mapv_key(self->env, "@", k, 0, ABSENT));
	EXPECT_EQ(1, mapv_key(self->env, "@short", s, 0, ABSENT));
	self->env->args[0] = 0xffff888000001000ULL;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(2, self->env->kernel_reads);
	EXPECT_EQ(1, mapv_key(self->env, "@", k2, 0, ABSENT));
}

TEST_F(cg, aggregations)
{
	int64_t vals[] = { 0, 1, 5, -3, 100, 7 };
	unsigned int i;
	uint32_t id;

	CG_OK(self,
	      "kprobe:f { $v = (int64)arg0; @sum = sum($v); @avg = avg($v); @mn = min($v);"
	      " @mx = max($v); @st = stats($v); @h = hist($v); @l = lhist($v, 0, 50, 10);"
	      " @cnt[cpu] = count(); }");
	id = map_id(self->c, "@l");
	EXPECT_EQ(FATHOM_MAP_LHIST, self->c->maps[id - 1].kind);
	EXPECT_EQ(0, self->c->maps[id - 1].lhist_min);
	EXPECT_EQ(50, self->c->maps[id - 1].lhist_max);
	EXPECT_EQ(10, self->c->maps[id - 1].lhist_step);
	EXPECT_EQ(FATHOM_MAP_HIST,
		  self->c->maps[map_id(self->c, "@h") - 1].kind);
	EXPECT_EQ(FATHOM_MAP_STATS,
		  self->c->maps[map_id(self->c, "@st") - 1].kind);
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		self->env->args[0] = (uint64_t)vals[i];
		ASSERT_EQ(0, run(self->env, 0));
	}
	EXPECT_EQ(110, V("@sum"));
	EXPECT_EQ(110, mapv_int(self->env, "@avg", 0, 0));
	EXPECT_EQ(6, mapv_int(self->env, "@avg", 0, 1));
	EXPECT_EQ(-3, V("@mn"));
	EXPECT_EQ(100, V("@mx"));
	EXPECT_EQ(6, mapv_int(self->env, "@st", 0, 0));
	EXPECT_EQ(110, mapv_int(self->env, "@st", 0, 1));
	EXPECT_EQ(-3, mapv_int(self->env, "@st", 0, 2));
	EXPECT_EQ(100, mapv_int(self->env, "@st", 0, 3));
	/* hist: <0, 0, [1,2), [4,8) x2, [64,128) */
	EXPECT_EQ(1, mapv_int(self->env, "@h", 0, 0));
	EXPECT_EQ(1, mapv_int(self->env, "@h", 0, 1));
	EXPECT_EQ(1, mapv_int(self->env, "@h", 0, 2));
	EXPECT_EQ(2, mapv_int(self->env, "@h", 0, 4));
	EXPECT_EQ(1, mapv_int(self->env, "@h", 0, 8));
	/* lhist 0..50 step 10: <0, [0,10) x4, >=50 */
	EXPECT_EQ(1, mapv_int(self->env, "@l", 0, 0));
	EXPECT_EQ(4, mapv_int(self->env, "@l", 0, 1));
	EXPECT_EQ(1, mapv_int(self->env, "@l", 0, 6));
	EXPECT_EQ(6, mapv_int(self->env, "@cnt", 0, 0));
}

TEST_F(cg, hash_maps_rmw_delete_read)
{
	CG_OK(self,
	      "kprobe:f { @start[tid] = nsecs; @n++; @n += 10; @m--; --@m; @p = ++@q; @r = @q++; }"
	      " kretprobe:f /@start[tid]/ { @lat = nsecs - @start[tid]; delete(@start[tid]); }");
	ASSERT_EQ(2, self->c->nr_progs);
	ASSERT_EQ(2, self->c->nr_probes);
	EXPECT_EQ(1, self->c->probes[1].prog);
	self->env->tid = 5;
	self->env->ns = 1000;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(11, V("@n"));
	EXPECT_EQ(-2, V("@m"));
	EXPECT_EQ(1, V("@p"));
	EXPECT_EQ(1, V("@r"));
	EXPECT_EQ(2, V("@q"));
	EXPECT_EQ(1000, mapv_int(self->env, "@start", 5, 0));
	self->env->ns = 1750;
	ASSERT_EQ(0, run(self->env, 1));
	EXPECT_EQ(750, V("@lat"));
	EXPECT_EQ(ABSENT, mapv_int(self->env, "@start", 5, 0));
	/* no start: the predicate (a lookup of an absent key) is 0 */
	self->env->ns = 5000;
	ASSERT_EQ(0, run(self->env, 1));
	EXPECT_EQ(750, V("@lat"));
}

TEST_F(cg, printf_record_layout)
{
	const struct fathom_fmt *f;
	uint32_t id;

	CG_OK(self,
	      "kprobe:f { printf(\"%d %s %u\\n\", (int64)arg0, comm, pid);"
	      " printf(\"hello\\n\"); }");
	ASSERT_EQ(2, self->c->nr_fmts);
	f = &self->c->fmts[0];
	EXPECT_STREQ("%d %s %u\n", f->fmt);
	ASSERT_EQ(3, f->nargs);
	EXPECT_EQ(TYPE_INT, f->args[0].kind);
	EXPECT_EQ(TYPE_STRING, f->args[1].kind);
	EXPECT_EQ(8, f->arg_off[0]);
	EXPECT_EQ(16, f->arg_off[1]);
	EXPECT_EQ(32, f->arg_off[2]);
	EXPECT_EQ(40, f->size);
	EXPECT_EQ(8, self->c->fmts[1].size);
	self->env->args[0] = (uint64_t)-3;
	self->env->pid = 77;
	ASSERT_EQ(0, run(self->env, 0));
	ASSERT_EQ(2, self->env->nrecs);
	ASSERT_EQ(48, self->env->rec_len);
	memcpy(&id, self->env->rec, 4);
	EXPECT_EQ(0, id);
	EXPECT_EQ(-3, *(int64_t *)(self->env->rec + 8));
	EXPECT_STREQ("bash", (char *)self->env->rec + 16);
	EXPECT_EQ(77, *(int64_t *)(self->env->rec + 32));
	memcpy(&id, self->env->rec + 40, 4);
	EXPECT_EQ(1, id);
}

TEST_F(cg, actions)
{
	uint32_t w[2];

	CG_OK(self,
	      "kprobe:f { @c = count(); print(@c); clear(@c); zero(@c); time(); exit(); @after = 1; }");
	ASSERT_EQ(0, run(self->env, 0));
	ASSERT_EQ(5, self->env->nrecs);
	memcpy(w, self->env->rec, 8);
	EXPECT_EQ(FATHOM_ACTION_PRINT, w[0]);
	EXPECT_EQ(map_id(self->c, "@c"), w[1]);
	memcpy(w, self->env->rec + 8, 8);
	EXPECT_EQ(FATHOM_ACTION_CLEAR, w[0]);
	memcpy(w, self->env->rec + 16, 8);
	EXPECT_EQ(FATHOM_ACTION_ZERO, w[0]);
	memcpy(w, self->env->rec + 24, 8);
	EXPECT_EQ(FATHOM_ACTION_TIME, w[0]);
	ASSERT_LT(w[1], self->c->nr_fmts);
	EXPECT_TRUE(self->c->fmts[w[1]].is_time);
	memcpy(w, self->env->rec + 32, 8);
	EXPECT_EQ(FATHOM_ACTION_EXIT, w[0]);
	EXPECT_EQ(ABSENT, V("@after")); /* exit() ends the probe's run */
}

TEST_F(cg, probes_and_probe_builtin)
{
	CG_OK(self,
	      "kprobe:vfs_read+4, kretprobe:vfs_write { @[probe] = count(); }");
	ASSERT_EQ(1, self->c->nr_progs);
	ASSERT_EQ(2, self->c->nr_probes);
	EXPECT_STREQ("vfs_read", self->c->probes[0].symbol);
	EXPECT_EQ(4, self->c->probes[0].offset);
	EXPECT_EQ(FATHOM_PROBE_KPROBE, self->c->probes[0].kind);
	EXPECT_STREQ("vfs_write", self->c->probes[1].symbol);
	EXPECT_EQ(1, self->c->probes[1].id);
	EXPECT_STREQ("kretprobe:vfs_write", self->c->probe_names[1]);
	self->env->probe_id = 1;
	run(self->env, 0);
	run(self->env, 0);
	EXPECT_EQ(2, mapv_int(self->env, "@", 1, 0));
}

TEST_F(cg, stack_keys)
{
	uint32_t id;
	uint8_t key[16] = { 0 };

	CG_OK(self,
	      "kprobe:f { @[kstack] = count(); @u[ustack(5), pid] = count(); }");
	id = map_id(self->c, "kstack");
	ASSERT_NE(0, id);
	EXPECT_EQ(FATHOM_MAP_STACK, self->c->maps[id - 1].kind);
	EXPECT_EQ(8 + 8 * FATHOM_CG_STACK_DEPTH_MAX,
		  self->c->maps[id - 1].key_size);
	id = map_id(self->c, "ustack");
	ASSERT_NE(0, id);
	EXPECT_EQ(8 + 8 * 5, self->c->maps[id - 1].key_size);
	EXPECT_EQ(id,
		  self->c->map_info[map_id(self->c, "@u") - 1].stack_map[0]);
	self->env->stack_id = 1234;
	self->env->pid = 3;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(1, mapv_int(self->env, "@", 1234, 0));
	memcpy(key, &self->env->stack_id, 8);
	memcpy(key + 8, &self->env->pid, 8);
	EXPECT_EQ(1, mapv_key(self->env, "@u", key, 0, ABSENT));
}

TEST_F(cg, unsupported_constructs)
{
	CG_FAILS(self, "kprobe:f { @x = elapsed; }", "not supported yet");
	CG_FAILS(self, "kprobe:f { @t = curtask; }", "not supported yet");
	CG_FAILS(self, "kprobe:f { @a = kaddr(\"jiffies\"); }",
		 "not supported yet");
}

TEST_F(cg, unsupported_has_location)
{
	int err = cg_compile(&self->d, &self->s, &self->c, self->env,
			     "kprobe:f {\n  @x = elapsed;\n}");

	ASSERT_NE(0, err);
	EXPECT_TRUE(fe_err(&self->d, 2, 8, "not supported yet"));
}

TEST_F(cg, too_many_instructions_rejected)
{
	CG_FAILS(
		self,
		"kprobe:f { @a = 0; unroll(100) { @a = @a + arg0 * 3 / (arg1 + 1); } }",
		"more than the 4096");
}

TEST_F(cg, stack_overflow_rejected)
{
	CG_FAILS(
		self,
		"kprobe:f { printf(\"%s %s %s %s %s %s %s %s\\n\", str(arg0), str(arg1),"
		" str(arg2), str(arg3), str(arg4), str(arg5), str(arg6), str(arg7)); }",
		"bytes of stack");
	CG_FAILS(
		self,
		"kprobe:f { $x = 1; @[str(arg0), str(arg1), str(arg2), str(arg3), str(arg4),"
		" str(arg5), str(arg6), str(arg7)] = count(); }",
		"bytes of stack");
}

/* Everything that compiles also verifies (fathom_codegen checks it). */
static const char *const corpus[] = {
	"kprobe:vfs_read { @bytes = hist(arg2); }",
	"kretprobe:vfs_read { @bytes = lhist(retval, 0, 2000, 200); }",
	"kprobe:do_nanosleep { @start[tid] = nsecs; } kretprobe:do_nanosleep /@start[tid]/ { @ns = hist(nsecs - @start[tid]); delete(@start[tid]); }",
	"kprobe:vfs_read, kprobe:vfs_write { @[probe] = count(); }",
	"kprobe:tcp_sendmsg { @size = stats(arg2); @mn = min(arg2); @mx = max(arg2); @av = avg(arg2); }",
	"kprobe:do_sys_openat2 { printf(\"%-6d %-16s %s\\n\", pid, comm, str(arg1)); }",
	"kretprobe:do_sys_openat2 /(int64)retval < 0/ { @errors[comm, retval] = count(); }",
	"kprobe:f { $x = arg0; $y = $x * 2 + 1; if ($y > 10 && $x != 0) { @big = $y; } else { @small = $y; } }",
	"kprobe:f { printf(\"%s %s %p %5d %-10s %lu %llx %%\\n\", ksym(arg0), usym(arg1), arg2, pid, comm, nsecs, cgroup); }",
	"kprobe:f { unroll(4) { @n[cpu] += 1; } $s = str(arg0, 8); @s[$s] = count(); return; }",
	"kprobe:f { @t = uid == 0 ? comm : \"user\"; $a = @t; @x[$a] = count(); }",
	"kprobe:f { $s = str(arg0); if ($s == \"x\") { @m[$s] = 1; } }",
	"kprobe:f { if (arg0) { return; } else { return; } }",
	"kprobe:f { @a = 0; unroll(50) { @a = @a + arg0 * 3 / (arg1 + 1); } }",
	"kprobe:f { @k[kstack(perf, 10)] = count(); @v = kstack; }",
};

TEST_F(cg, corpus_compiles_and_verifies)
{
	size_t i;
	uint32_t p;

	for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		int err = cg_compile(&self->d, &self->s, &self->c, self->env,
				     corpus[i]);

		if (err)
			TH_LOG("%s\n%s", corpus[i], self->d.buf);
		ASSERT_EQ(0, err);
		for (p = 0; p < self->c->nr_progs; p++) {
			ASSERT_GT(self->c->progs[p].len, 0);
			ASSERT_GT(run(self->env, p), -1000 + 1);
		}
	}
}

TEST_F(cg, insn_locations_point_into_script)
{
	uint32_t i, nlines = 0;

	CG_OK(self, "kprobe:f\n{\n  @a = pid;\n  @b = arg0 + 1;\n}");
	for (i = 0; i < self->c->progs[0].len; i++)
		if (self->c->progs[0].locs[i].line == 4)
			nlines++;
	EXPECT_GT(nlines, 0);
}

TEST_HARNESS_MAIN
