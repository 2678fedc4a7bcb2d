// SPDX-License-Identifier: GPL-2.0-only
/*
 * Code generation: compile scripts, verify every program with the
 * kernel's verifier, then RUN them in the user-space VM against test
 * doubles of the helpers (a tiny map store with the kernel's aggregation
 * math, a record buffer for EMIT) and assert on what they computed.
 * Semantics, not bytecode.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "helpers.h"

#include <linux/fathom.h>

#include "vm/kshim.h"
#include "vm/isa.h"
#include "vm/vm.h"
#include "codegen.h"
#include "disasm.h"
#include <linux/btf.h>

#include "../lib/btf.h"

/* Instructions the VM executed in the last run() (FATHOM_VM_COUNT_STEPS). */
unsigned long fathom_vm_steps;

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
	uint64_t elapsed;
	uint64_t regs[21]; /* struct pt_regs, for GET_REG */
	uint8_t *task; /* GET_CURRENT_TASK; kernel reads inside it are real */
	size_t task_size;
	fathom_helper_fn uread_hook; /* PROBE_READ_USER instead, if set */
	uint8_t ctx[512];	     /* the hit's record READ_CTX reads */
	size_t ctx_len;		     /* 0: no record */
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
static bool in_task(u64 src, u64 len)
{
	return E->task && src >= (u64)(uintptr_t)E->task &&
	       src + len <= (u64)(uintptr_t)E->task + E->task_size;
}
static u64 h_kstr(u64 dst, u64 len, u64 src, u64 d, u64 e, void *x)
{
	E->kernel_reads++;
	if (in_task(src, len))
		return read_str(dst, len, src);
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
static u64 h_elapsed(u64 a, u64 b, u64 c, u64 d, u64 e, void *x)
{
	return E->elapsed;
}
/* As the kernel's: all or nothing, zeroes when outside the record. */
static u64 h_read_ctx(u64 dst, u64 len, u64 off, u64 d, u64 e, void *x)
{
	if (!E->ctx_len || off > E->ctx_len || len > E->ctx_len - off) {
		memset((void *)dst, 0, len);
		return (u64)-22;
	}
	memcpy((void *)dst, E->ctx + off, len);
	return 0;
}

static u64 h_get_reg(u64 off, u64 b, u64 c, u64 d, u64 e, void *x)
{
	return off % 8 == 0 && off / 8 < 21 ? E->regs[off / 8] : 0;
}
static u64 h_uread(u64 dst, u64 len, u64 src, u64 d, u64 e, void *x)
{
	if (E->uread_hook)
		return E->uread_hook(dst, len, src, d, e, x);
	E->user_reads++;
	memcpy((void *)dst, (const void *)src, len);
	return 0;
}
static u64 h_task(u64 a, u64 b, u64 c, u64 d, u64 e, void *x)
{
	return (u64)(uintptr_t)E->task;
}
static u64 h_kread(u64 dst, u64 len, u64 src, u64 d, u64 e, void *x)
{
	E->kernel_reads++;
	if (!in_task(src, len)) {
		memset((void *)dst, 0, len);
		return (u64)-14;
	}
	memcpy((void *)dst, (const void *)src, len);
	return 0;
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
	h[FATHOM_HELPER_ELAPSED_NS] = h_elapsed;
	h[FATHOM_HELPER_READ_CTX] = h_read_ctx;
	h[FATHOM_HELPER_GET_REG] = h_get_reg;
	h[FATHOM_HELPER_PROBE_READ_USER] = h_uread;
	h[FATHOM_HELPER_GET_CURRENT_TASK] = h_task;
	h[FATHOM_HELPER_PROBE_READ_KERNEL] = h_kread;
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

/* Compile @src with positional parameters @params. */
static int cg_compile_params(struct diag_sink *d, struct fathom_script **s,
			     struct fathom_compiled **c, struct env *env,
			     const char *src, const char *const *params,
			     unsigned int n)
{
	struct fathom_compile_opts o = { .params = params, .nparams = n };
	int err;

	free_store(env);
	fathom_compiled_free(*c);
	*c = NULL;
	err = fe_parse(d, s, src);
	if (err)
		return err;
	err = fathom_script_set_opts(*s, &o);
	if (err)
		return err;
	err = fathom_script_check(*s, d);
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
	fathom_vm_steps = 0;
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

/*
 * usym() values carry their process: { u64 addr; u64 tgid } as map keys,
 * map values, variables and printf arguments, so the tool can name the
 * symbol from that process's mappings.
 */
TEST_F(cg, usym_carries_the_pid)
{
	uint64_t key[2] = { 0x401000, 4321 }, w[2];
	const struct fathom_fmt *f;
	uint32_t id;

	CG_OK(self,
	      "kprobe:f { @[usym(arg0)] = count(); $u = usym(arg1); @v = $u;"
	      " @t = arg2 ? usym(arg0) : $u;"
	      " printf(\"%s|%s\\n\", usym(arg0), $u); @eq = $u == usym(arg1); }");
	id = map_id(self->c, "@");
	ASSERT_NE(0, id);
	EXPECT_EQ(16, self->c->maps[id - 1].key_size);
	EXPECT_EQ(TYPE_USYM, self->c->map_info[id - 1].keys[0].kind);
	EXPECT_EQ(16, self->c->map_info[id - 1].keys[0].size);
	id = map_id(self->c, "@v");
	ASSERT_NE(0, id);
	EXPECT_EQ(16, self->c->maps[id - 1].value_size);
	f = &self->c->fmts[0];
	ASSERT_EQ(2, f->nargs);
	EXPECT_EQ(8, f->arg_off[0]);
	EXPECT_EQ(24, f->arg_off[1]);
	EXPECT_EQ(40, f->size);

	self->env->pid = 4321;
	self->env->args[0] = 0x401000;
	self->env->args[1] = 0x402000;
	self->env->args[2] = 0;
	ASSERT_EQ(0, run(self->env, 0));
	self->env->args[2] = 1;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(2, mapv_key(self->env, "@", key, 0, ABSENT));
	EXPECT_EQ(0x402000, mapv_int(self->env, "@v", 0, 0));
	EXPECT_EQ(4321, mapv_int(self->env, "@v", 0, 1));
	/* the last run took the then branch: arg0's usym */
	EXPECT_EQ(0x401000, mapv_int(self->env, "@t", 0, 0));
	EXPECT_EQ(4321, mapv_int(self->env, "@t", 0, 1));
	EXPECT_EQ(1, V("@eq"));
	ASSERT_EQ(2, self->env->nrecs);
	memcpy(w, self->env->rec + 8, 16);
	EXPECT_EQ(0x401000, w[0]);
	EXPECT_EQ(4321, w[1]);
	memcpy(w, self->env->rec + 24, 16);
	EXPECT_EQ(0x402000, w[0]);
	EXPECT_EQ(4321, w[1]);
}

TEST_F(cg, unsupported_constructs)
{
	CG_FAILS(self, "kprobe:f { @a = hist(arg0, 2); }",
		 "hist() with a bits argument is not supported yet");
}

TEST_F(cg, unsupported_has_location)
{
	int err = cg_compile(&self->d, &self->s, &self->c, self->env,
			     "kprobe:f {\n  @x = hist(arg0, 3);\n}");

	ASSERT_NE(0, err);
	EXPECT_TRUE(fe_err(&self->d, 2, 8, "not supported yet"));
}

TEST_F(cg, too_many_instructions_rejected)
{
	CG_FAILS(
		self,
		"kprobe:f { @a = 0; unroll(100) { @a = @a + arg0 * 3 / (arg1 + 1);"
		" @b[arg2, arg3] = @b[arg3, arg2] - arg0 * 5 / (arg1 + 7); } }",
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

/* ---- scripts run in the VM, data-driven ------------------------------ */

struct expect {
	const char *map;
	uint64_t key; /* of an integer-keyed map; 0 for @x */
	int64_t val;  /* ABSENT: no such entry */
};

struct script_case {
	const char *src;
	uint64_t args[4];
	struct expect e[8];
};

static const struct script_case scripts[] = {
	/* precedence */
	{ "kprobe:f { @a = arg0 + arg1 * arg2; @b = (arg0 + arg1) * arg2;"
	  " @c = 1 << arg0 + 1; @d = arg2 * 10 - arg1 - arg0;"
	  " @e = arg2 | arg1 & arg0; @f = arg0 + 1 == arg1; }",
	  { 2, 3, 4 },
	  { { "@a", 0, 14 },
	    { "@b", 0, 20 },
	    { "@c", 0, 8 },
	    { "@d", 0, 35 },
	    { "@e", 0, 6 },
	    { "@f", 0, 1 } } },
	{ "kprobe:f { @a = arg0 ^ arg1 & arg2 | 1; @b = arg0 < arg1 == arg1 > arg0;"
	  " @c = -arg0 * arg1; @d = !arg0 + 1; @e = ~arg0 & 0xff;"
	  " @f = arg2 % arg1 * arg0; @g = arg2 - arg1 - arg0 * -1; }",
	  { 2, 3, 4 },
	  { { "@a", 0, 3 },
	    { "@b", 0, 1 },
	    { "@c", 0, -6 },
	    { "@d", 0, 1 },
	    { "@e", 0, 253 },
	    { "@f", 0, 2 },
	    { "@g", 0, 3 } } },
	{ "kprobe:f { @a = arg0 || arg1 && 0; @b = (arg0 || arg1) && 0;"
	  " @c = arg0 > 1 ? arg1 : arg2 + 100; @d = 0 ? 1 : arg0 ? 5 : 6;"
	  " @e = arg0 == 2 && arg1 == 3 || arg2 == 9; }",
	  { 2, 3, 4 },
	  { { "@a", 0, 1 },
	    { "@b", 0, 0 },
	    { "@c", 0, 3 },
	    { "@d", 0, 5 },
	    { "@e", 0, 1 } } },
	/* short-circuit: the right side's side effect does not happen */
	{ "kprobe:f { @a = arg0 == 2 || @side++; @b = arg0 == 3 && @side2++;"
	  " @c = arg0 == 3 || @side3++; @d = arg0 == 2 && @side4++; }",
	  { 2 },
	  { { "@a", 0, 1 },
	    { "@b", 0, 0 },
	    { "@side", 0, ABSENT },
	    { "@side2", 0, ABSENT },
	    { "@c", 0, 0 },
	    { "@side3", 0, 1 },
	    { "@d", 0, 0 },
	    { "@side4", 0, 1 } } },
	/* ternaries */
	{ "kprobe:f { $s = arg0 > 1 ? \"big\" : \"small\"; @b = $s == \"big\";"
	  " @t = arg1 ? arg0 * 10 : -1; @u = (int64)arg3 < 0 ? 1 : 2;"
	  " @v = arg3 ? 1 : 2; @w[arg0 > 5 ? comm : \"none\"] = count(); }",
	  { 2, 3, 4, 0 },
	  { { "@b", 0, 1 }, { "@t", 0, 20 }, { "@u", 0, 2 }, { "@v", 0, 2 } } },
	/* if / else if / else, nested */
	{ "kprobe:f { if (arg0 > 1) { if (arg1 > 5) { @r = 1; } else { @r = 2; } }"
	  " else { @r = 3; } if (arg2 == 1) { @s = 1; } else if (arg2 == 4) { @s = 4; }"
	  " else { @s = 9; } if (!arg3) { @z = 1; } }",
	  { 2, 3, 4, 0 },
	  { { "@r", 0, 2 }, { "@s", 0, 4 }, { "@z", 0, 1 } } },
	/* if on strings */
	{ "kprobe:f { if (comm == \"bash\") { @b = 1; } else { @b = 2; }"
	  " if (comm != \"zsh\") { @z = 1; } $c = comm; if ($c == \"ba\") { @ba = 1; } }",
	  { 0 },
	  { { "@b", 0, 1 }, { "@z", 0, 1 }, { "@ba", 0, ABSENT } } },
	/* unroll */
	{ "kprobe:f { $i = 1; unroll(10) { $i = $i * 2; } @i = $i;"
	  " $n = 0; unroll(3) { $n += arg0; } @n = $n; }",
	  { 7 },
	  { { "@i", 0, 1024 }, { "@n", 0, 21 } } },
	{ "kprobe:f { unroll(5) { @c++; if (@c == 2) { return; } } @after = 1; }",
	  { 0 },
	  { { "@c", 0, 2 }, { "@after", 0, ABSENT } } },
	/* compound assignment, every operator */
	{ "kprobe:f { $a = arg2; $a += 6; @add = $a; $b = arg2; $b -= 6; @sub = $b;"
	  " $c = arg2; $c *= 3; @mul = $c; $d = 17; $d /= arg2; @div = $d;"
	  " $e = 17; $e %= arg2; @mod = $e; }",
	  { 2, 3, 4 },
	  { { "@add", 0, 10 },
	    { "@sub", 0, -2 },
	    { "@mul", 0, 12 },
	    { "@div", 0, 4 },
	    { "@mod", 0, 1 } } },
	{ "kprobe:f { $a = 12; $a &= 10; @and = $a; $b = 12; $b |= 3; @or = $b;"
	  " $c = 12; $c ^= 5; @xor = $c; $d = 3; $d <<= arg0; @shl = $d;"
	  " $e = -64; $e >>= arg0; @shr = $e; }",
	  { 2 },
	  { { "@and", 0, 8 },
	    { "@or", 0, 15 },
	    { "@xor", 0, 9 },
	    { "@shl", 0, 12 },
	    { "@shr", 0, -16 } } },
	{ "kprobe:f { @m += arg0; @m *= arg1; @m -= 1; @k[arg0] += 5; @k[arg0] <<= 2;"
	  " @k[arg0] |= 1; @q[arg1] = 100; @q[arg1] /= 7; @q[arg1] %= 5; }",
	  { 2, 3 },
	  { { "@m", 0, 5 }, { "@k", 2, 21 }, { "@q", 3, 4 } } },
	/* ++ and -- */
	{ "kprobe:f { $x = 5; $y = $x++; $z = ++$x; @x = $x; @y = $y; @z = $z;"
	  " $w = $x--; @w = $w; @x2 = --$x; }",
	  { 0 },
	  { { "@x", 0, 7 },
	    { "@y", 0, 5 },
	    { "@z", 0, 7 },
	    { "@w", 0, 7 },
	    { "@x2", 0, 5 } } },
	{ "kprobe:f { @c[arg0]++; @c[arg0]++; @c[arg1]--; @d = @c[arg0]; @e = @c[arg1]--; }",
	  { 2, 3 },
	  { { "@c", 2, 2 }, { "@c", 3, -2 }, { "@d", 0, 2 }, { "@e", 0, -1 } } },
	/* string comparisons */
	{ "kprobe:f { @a = comm == \"bash\"; @b = comm == \"bas\"; @c = comm == \"bashx\";"
	  " @d = \"abc\" != \"abd\"; $s = comm; @e = $s == comm; @f = \"\" == \"\"; }",
	  { 0 },
	  { { "@a", 0, 1 },
	    { "@b", 0, 0 },
	    { "@c", 0, 0 },
	    { "@d", 0, 1 },
	    { "@e", 0, 1 },
	    { "@f", 0, 1 } } },
	{ "kprobe:f { @s[arg0] = comm; @t = @s[arg0] == \"bash\"; @u = @s[arg0 + 1] == \"\"; }",
	  { 1 },
	  { { "@t", 0, 1 }, { "@u", 0, 1 } } },
	/* aggregations in one run */
	{ "kprobe:f { @c = count(); @s = sum(arg0); @s2 = sum(-5); @mn = min((int64)arg3);"
	  " @mx = max(arg1); @a = avg(arg2); @k[arg0 % 2] = count(); }",
	  { 7, 3, 4, (uint64_t)-9 },
	  { { "@c", 0, 1 },
	    { "@s", 0, 7 },
	    { "@s2", 0, -5 },
	    { "@mn", 0, -9 },
	    { "@mx", 0, 3 },
	    { "@a", 0, 4 },
	    { "@k", 1, 1 },
	    { "@k", 0, ABSENT } } },
	/* delete() in both spellings */
	{ "kprobe:f { @m[1] = 5; @m[2] = 6; @m[3] = 7; delete(@m[1]); delete(@m, 2);"
	  " @n = 1; delete(@n); }",
	  { 0 },
	  { { "@m", 1, ABSENT },
	    { "@m", 2, ABSENT },
	    { "@m", 3, 7 },
	    { "@n", 0, ABSENT } } },
	/* casts, and integer widths */
	{ "kprobe:f { @a = (uint8)arg0; @b = (int8)arg0; @c = (int16)arg1;"
	  " @d = (uint32)-1; @e = (int32)arg1 * 2; }",
	  { 0x1ff, 0x8000 },
	  { { "@a", 0, 0xff },
	    { "@b", 0, -1 },
	    { "@c", 0, -32768 },
	    { "@d", 0, 0xffffffffLL },
	    { "@e", 0, 0x10000 } } },
	/* predicates and scratch variables that start at zero */
	{ "kprobe:f /arg0 > 1 && comm == \"bash\"/ { $x = 1; $x += arg0; @x = $x; }",
	  { 5 },
	  { { "@x", 0, 6 } } },
	{ "kprobe:f /arg0 > 100/ { @x = 1; }", { 5 }, { { "@x", 0, ABSENT } } },
	/* maps read in another statement, @ alone */
	{ "kprobe:f { @ = arg0; @b = @ * 2; @c[@, 1] = 3; @d = @c[arg0, 1]; }",
	  { 21 },
	  { { "@", 0, 21 }, { "@b", 0, 42 }, { "@d", 0, 3 } } },
	/* return and exit() */
	{ "kprobe:f { @a = 1; if (arg0) { exit(); } @b = 1; }",
	  { 1 },
	  { { "@a", 0, 1 }, { "@b", 0, ABSENT } } },
};

TEST_F(cg, scripts_run)
{
	size_t i, j;

	for (i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
		const struct script_case *sc = &scripts[i];
		int err = cg_compile(&self->d, &self->s, &self->c, self->env,
				     sc->src);

		if (err)
			TH_LOG("%s\n%s", sc->src, self->d.buf);
		ASSERT_EQ(0, err);
		memcpy(self->env->args, sc->args, sizeof(sc->args));
		ASSERT_EQ(0, run(self->env, 0));
		for (j = 0; j < 8 && sc->e[j].map; j++) {
			int64_t v = mapv_int(self->env, sc->e[j].map,
					     sc->e[j].key, 0);

			if (v != sc->e[j].val)
				TH_LOG("%s: %s[%llu] = %lld, expected %lld",
				       sc->src, sc->e[j].map,
				       (unsigned long long)sc->e[j].key,
				       (long long)v, (long long)sc->e[j].val);
			EXPECT_EQ(sc->e[j].val, v);
		}
	}
}

/* ---- tracepoint args over a synthetic record ------------------------- */

/* fathomtest:a (user/tests/compiler/tracefs): fixed fields, then the two
 * __data_loc strings back to back, the record ending where name2 ends. */
static void fathomtest_record(struct env *e, const char *name,
			      const char *name2)
{
	int8_t s8 = -5;
	uint8_t u8 = 250;
	int16_t s16 = -300;
	uint16_t u16 = 65000;
	int32_t s32 = -70000, pid = 4242;
	uint32_t u32 = 4000000000u, w;
	int64_t s64 = -5000000000LL;
	uint64_t u64 = 0xfedcba9876543210ULL, kptr = 0xffff888000001000ULL;
	size_t l1 = strlen(name) + 1, l2 = strlen(name2) + 1;

	memset(e->ctx, 0xee, sizeof(e->ctx));
	memcpy(e->ctx + 4, &pid, 4);
	memcpy(e->ctx + 8, &s8, 1);
	memcpy(e->ctx + 9, &u8, 1);
	memcpy(e->ctx + 10, &s16, 2);
	memcpy(e->ctx + 12, &u16, 2);
	memcpy(e->ctx + 16, &s32, 4);
	memcpy(e->ctx + 20, &u32, 4);
	memcpy(e->ctx + 24, &s64, 8);
	memcpy(e->ctx + 32, &u64, 8);
	memcpy(e->ctx + 40, &kptr, 8);
	memset(e->ctx + 48, 0, 16);
	strcpy((char *)e->ctx + 48, "kworker/0:1");
	w = (uint32_t)(l1 << 16 | 92);
	memcpy(e->ctx + 64, &w, 4);
	w = (uint32_t)(l2 << 16 | (92 + l1));
	memcpy(e->ctx + 68, &w, 4);
	memcpy(e->ctx + 92, name, l1);
	memcpy(e->ctx + 92 + l1, name2, l2);
	e->ctx_len = 92 + l1 + l2;
}

TEST_F(cg, tracepoint_integer_fields)
{
	CG_OK(self,
	      "tracepoint:fathomtest:a { @s8 = args.s8v; @u8 = args.u8v; @s16 = args->s16v;"
	      " @u16 = args.u16v; @s32 = args.s32v; @u32 = args.u32v; @s64 = args.s64v;"
	      " @u64 = args.u64v; @p = args.kptr; @pid = args.common_pid;"
	      " @sum = args.s8v + args.s16v; @big = args.u32v > 3000000000; }");
	EXPECT_EQ(FATHOM_PROBE_TRACEPOINT, self->c->probes[0].kind);
	EXPECT_STREQ("fathomtest", self->c->probes[0].tp_system);
	EXPECT_STREQ("a", self->c->probes[0].tp_name);
	EXPECT_EQ(1, fe_map(self->s, "@u8")->value.size);
	EXPECT_FALSE(fe_map(self->s, "@u8")->value.is_signed);
	EXPECT_EQ(2, fe_map(self->s, "@s16")->value.size);
	EXPECT_TRUE(fe_map(self->s, "@s16")->value.is_signed);
	fathomtest_record(self->env, "x", "y");
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(-5, V("@s8"));
	EXPECT_EQ(250, V("@u8"));
	EXPECT_EQ(-300, V("@s16"));
	EXPECT_EQ(65000, V("@u16"));
	EXPECT_EQ(-70000, V("@s32"));
	EXPECT_EQ(4000000000LL, V("@u32"));
	EXPECT_EQ(-5000000000LL, V("@s64"));
	EXPECT_EQ((int64_t)0xfedcba9876543210ULL, V("@u64"));
	EXPECT_EQ((int64_t)0xffff888000001000ULL, V("@p"));
	EXPECT_EQ(4242, V("@pid"));
	EXPECT_EQ(-305, V("@sum"));
	EXPECT_EQ(1, V("@big"));
	/* no record (or a short one): READ_CTX's zeroes */
	self->env->ctx_len = 20;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(0, V("@u64"));
	EXPECT_EQ(-70000, V("@s32"));
}

TEST_F(cg, tracepoint_string_fields)
{
	/* lengths around the 8-byte chunks, empty, and over 64 (cut) */
	static const char *const names[] = {
		"",
		"a",
		"hello",
		"1234567",
		"12345678",
		"123456789",
		"/usr/bin/some-longer-name",
		"0123456789012345678901234567890123456789012345678901234567890123456789",
	};
	char key[64], ckey[16] = "kworker/0:1", k5[8];
	size_t i;

	CG_OK(self,
	      "tracepoint:fathomtest:a { @c[args.comm] = count(); @n[str(args.name)] = count();"
	      " @m[args.name2] = count(); @s[str(args.name2, 5)] = count();"
	      " @k = str(args.kptr) == \"kernelstr\"; }");
	EXPECT_EQ(TYPE_STRING, fe_map(self->s, "@c")->keys[0].kind);
	EXPECT_EQ(16, fe_map(self->s, "@c")->keys[0].size);
	EXPECT_EQ(64, fe_map(self->s, "@m")->keys[0].size);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		fathomtest_record(self->env, names[i], names[i]);
		ASSERT_EQ(0, run(self->env, 0));
		memset(key, 0, sizeof(key));
		strncpy(key, names[i], 63);
		EXPECT_EQ(1, mapv_key(self->env, "@n", key, 0, ABSENT));
		EXPECT_EQ(1, mapv_key(self->env, "@m", key, 0, ABSENT));
		memset(k5, 0, sizeof(k5));
		strncpy(k5, names[i], 5);
		EXPECT_LE(1, mapv_key(self->env, "@s", k5, 0, ABSENT));
		if (mapv_key(self->env, "@n", key, 0, ABSENT) != 1)
			TH_LOG("name '%s' not read back", names[i]);
	}
	EXPECT_EQ((int)(sizeof(names) / sizeof(names[0])),
		  mapv_key(self->env, "@c", ckey, 0, ABSENT));
	EXPECT_EQ(1, V("@k"));
	EXPECT_EQ(0, self->env->user_reads);
	EXPECT_EQ(8, self->env->kernel_reads);
	/* a record padded past the string reads the same */
	fathomtest_record(self->env, "pad", "pad");
	self->env->ctx_len += 7;
	ASSERT_EQ(0, run(self->env, 0));
	memset(key, 0, sizeof(key));
	strcpy(key, "pad");
	EXPECT_EQ(1, mapv_key(self->env, "@n", key, 0, ABSENT));
}

TEST_F(cg, tracepoint_syscall_pointer_is_user_memory)
{
	static const char path[] = "/etc/passwd";
	uint64_t p = (uint64_t)(uintptr_t)path, dfd = (uint64_t)-100;
	char key[64] = "/etc/passwd";

	CG_OK(self,
	      "tracepoint:syscalls:sys_enter_openat { @[str(args.filename)] = count();"
	      " @dfd = args.dfd; printf(\"%d %s\\n\", args->dfd, str(args->filename)); }");
	memset(self->env->ctx, 0, sizeof(self->env->ctx));
	memcpy(self->env->ctx + 16, &dfd, 8);
	memcpy(self->env->ctx + 24, &p, 8);
	self->env->ctx_len = 48;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(2, self->env->user_reads);
	EXPECT_EQ(0, self->env->kernel_reads);
	EXPECT_EQ(1, mapv_key(self->env, "@", key, 0, ABSENT));
	EXPECT_EQ(-100, V("@dfd"));
	EXPECT_EQ(-100, *(int64_t *)(self->env->rec + 8));
	EXPECT_STREQ("/etc/passwd", (char *)self->env->rec + 16);
}

TEST_F(cg, tracepoint_blocks_with_several_tracepoints)
{
	CG_OK(self, "tracepoint:fathomtest:a, tracepoint:fathomtest:b"
		    " { @[args.s32v] = count(); }");
	ASSERT_EQ(2, self->c->nr_probes);
	fathomtest_record(self->env, "", "");
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(1, mapv_int(self->env, "@", (uint64_t)-70000, 0));
	/* c has s32v elsewhere: the wildcard is refused, s8v agrees */
	CG_OK(self, "tracepoint:fathomtest:* { @ = args.s8v; }");
	EXPECT_FALSE(cg_compile(&self->d, &self->s, &self->c, self->env,
				"tracepoint:fathomtest:* { @ = args.s32v; }") ==
		     0);
	EXPECT_TRUE(fe_err(
		&self->d, 1, 31,
		"args.s32v is 'int' at offset 16 in tracepoint:fathomtest:"));
	EXPECT_TRUE(
		fe_err(&self->d, 1, 31, "the probes of a block must agree"));
}

TEST_F(cg, tracepoint_field_errors)
{
	CG_FAILS(
		self, "tracepoint:fathomtest:a { @ = args.blob; }",
		"args.blob is 'struct foo' (16 bytes): fathom reads only integer, pointer and char string fields");
	CG_FAILS(self, "tracepoint:fathomtest:a { @ = args.addr; }",
		 "args.addr is 'u8[4]' (4 bytes)");
	CG_FAILS(self, "tracepoint:nosuch:tp { @ = args.x; }",
		 "cannot read the format of 'tracepoint:nosuch:tp' in ");
	CG_FAILS(self, "tracepoint:nosuch:* { @ = args.x; }",
		 "no tracepoint matches 'tracepoint:nosuch:*'");
	CG_FAILS(
		self, "rawtracepoint:sched_switch { @ = args.prev; }",
		"args in rawtracepoint:sched_switch needs the kernel's type information (BTF)");
	/* a tracepoint without args does not need its format */
	CG_OK(self, "tracepoint:nosuch:tp { @ = count(); }");
}

TEST_F(cg, rawtracepoint_args)
{
	uint64_t w[12];
	int i;

	CG_OK(self, "rawtracepoint:sched_switch { @a = arg0; @b = arg1 + arg9;"
		    " @k[arg2] = count(); }");
	ASSERT_EQ(1, self->c->nr_probes);
	EXPECT_EQ(FATHOM_PROBE_RAW_TRACEPOINT, self->c->probes[0].kind);
	EXPECT_STREQ("sched_switch", self->c->probes[0].tp_name);
	EXPECT_EQ(NULL, self->c->probes[0].symbol);
	for (i = 0; i < 12; i++)
		w[i] = 100 + (uint64_t)i;
	memcpy(self->env->ctx, w, sizeof(w));
	self->env->ctx_len = sizeof(w);
	self->env->args[0] = 999; /* GET_ARG is not what rawtracepoints read */
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(100, V("@a"));
	EXPECT_EQ(101 + 109, V("@b"));
	EXPECT_EQ(1, mapv_int(self->env, "@k", 102, 0));
	CG_FAILS(
		self, "rawtracepoint:sched_switch, kprobe:f { @ = arg0; }",
		"argN cannot be read in a block that has both rawtracepoint and other probes");
	CG_FAILS(
		self, "rawtracepoint:mymod:ev { @ = count(); }",
		"'rawtracepoint:mymod:ev': raw tracepoints of modules are not supported yet");
}

TEST_F(cg, elapsed_and_func)
{
	CG_OK(self, "interval:s:1 { @e = elapsed; @n = nsecs; }");
	self->env->elapsed = 12345;
	self->env->ns = 99999999;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(12345, V("@e"));
	EXPECT_EQ(99999999, V("@n"));

	CG_OK(self, "kprobe:vfs_read, kprobe:vfs_write { @[func] = count(); }");
	EXPECT_EQ(TYPE_FUNC,
		  self->c->map_info[map_id(self->c, "@") - 1].keys[0].kind);
	self->env->probe_id = 1;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(1, mapv_int(self->env, "@", 1, 0));
	EXPECT_STREQ("vfs_write", fathom_func_name(self->c->probe_names[1]));
	EXPECT_STREQ("malloc",
		     fathom_func_name("uprobe:/lib/libc.so.6:malloc"));
	EXPECT_STREQ("ext4_sync", fathom_func_name("kprobe:ext4:ext4_sync"));
}

TEST_F(cg, positional_parameters)
{
	static const char *const params[] = { "41", "hello", "0x10" };
	uint32_t id;

	ASSERT_EQ(
		0,
		cg_compile_params(
			&self->d, &self->s, &self->c, self->env,
			"BEGIN { @a = $1 + 1; @b = $#; @s = str($2) == \"hello\";"
			" @n = str($1) == \"41\"; @h = $3 * 2; @t[$2] = count();"
			" printf(\"%s %d\\n\", $2, $1); }",
			params, 3));
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(42, V("@a"));
	EXPECT_EQ(3, V("@b"));
	EXPECT_EQ(1, V("@s"));
	EXPECT_EQ(1, V("@n"));
	EXPECT_EQ(32, V("@h"));
	memcpy(&id, self->env->rec, 4);
	EXPECT_STREQ("hello", (char *)self->env->rec + 8);
	EXPECT_EQ(41, *(int64_t *)(self->env->rec + 16));
	/* none given: $# is 0 */
	ASSERT_EQ(0, cg_compile_params(&self->d, &self->s, &self->c, self->env,
				       "BEGIN { @b = $#; }", NULL, 0));
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(0, V("@b"));
}

TEST_F(cg, print_a_value)
{
	CG_OK(self,
	      "kprobe:f { print(arg0); print((int64)arg1); print(comm); }");
	ASSERT_EQ(3, self->c->nr_fmts);
	EXPECT_STREQ("%u\n", self->c->fmts[0].fmt);
	EXPECT_STREQ("%d\n", self->c->fmts[1].fmt);
	EXPECT_STREQ("%s\n", self->c->fmts[2].fmt);
	self->env->args[0] = 7;
	self->env->args[1] = (uint64_t)-7;
	ASSERT_EQ(0, run(self->env, 0));
	ASSERT_EQ(3, self->env->nrecs);
	EXPECT_EQ(7, *(int64_t *)(self->env->rec + 8));
	EXPECT_EQ(-7, *(int64_t *)(self->env->rec + 24));
	EXPECT_STREQ("bash", (char *)self->env->rec + 40);
}

TEST_F(cg, printf_arguments)
{
	const struct fathom_fmt *f;
	const uint8_t *r;

	CG_OK(self,
	      "kprobe:f { printf(\"%d %u %x %X %o %c %s %-8s|%5d|%lld %llu %p %s %s %%\\n\","
	      " (int64)arg0, arg1, arg1, arg1, arg1, arg2, comm, \"ab\", pid, (int64)arg0,"
	      " arg1, arg3, str(arg3), probe); }");
	ASSERT_EQ(1, self->c->nr_fmts);
	f = &self->c->fmts[0];
	ASSERT_EQ(14, f->nargs);
	EXPECT_EQ(TYPE_STRING, f->args[6].kind);
	EXPECT_EQ(TYPE_STRING, f->args[7].kind);
	EXPECT_EQ(3, f->args[7].size);
	EXPECT_EQ(TYPE_STRING, f->args[12].kind);
	EXPECT_EQ(TYPE_PROBE, f->args[13].kind);
	EXPECT_EQ(8 + 6 * 8, f->arg_off[6]);
	EXPECT_EQ(8 + 6 * 8 + 16, f->arg_off[7]);
	EXPECT_EQ(8 + 6 * 8 + 16 + 8, f->arg_off[8]);
	self->env->args[0] = (uint64_t)-42;
	self->env->args[1] = 255;
	self->env->args[2] = 'Z';
	self->env->args[3] = (uint64_t)(uintptr_t) "ustr";
	self->env->pid = 31;
	self->env->probe_id = 0;
	ASSERT_EQ(0, run(self->env, 0));
	ASSERT_EQ(1, self->env->nrecs);
	ASSERT_EQ(f->size, self->env->rec_len);
	r = self->env->rec;
	EXPECT_EQ(-42, *(int64_t *)(r + f->arg_off[0]));
	EXPECT_EQ(255, *(int64_t *)(r + f->arg_off[1]));
	EXPECT_EQ('Z', *(int64_t *)(r + f->arg_off[5]));
	EXPECT_STREQ("bash", (char *)r + f->arg_off[6]);
	EXPECT_STREQ("ab", (char *)r + f->arg_off[7]);
	EXPECT_EQ(31, *(int64_t *)(r + f->arg_off[8]));
	EXPECT_EQ(-42, *(int64_t *)(r + f->arg_off[9]));
	EXPECT_STREQ("ustr", (char *)r + f->arg_off[12]);
	EXPECT_EQ(0, *(int64_t *)(r + f->arg_off[13]));
}

TEST_F(cg, clear_and_zero_and_delete)
{
	uint32_t w[2];

	CG_OK(self,
	      "kprobe:f { @m[arg0] = 1; @c[arg0] = count(); clear(@m); zero(@c);"
	      " delete(@m[arg0]); }");
	self->env->args[0] = 4;
	ASSERT_EQ(0, run(self->env, 0));
	ASSERT_EQ(2, self->env->nrecs);
	memcpy(w, self->env->rec, 8);
	EXPECT_EQ(FATHOM_ACTION_CLEAR, w[0]);
	EXPECT_EQ(map_id(self->c, "@m"), w[1]);
	memcpy(w, self->env->rec + 8, 8);
	EXPECT_EQ(FATHOM_ACTION_ZERO, w[0]);
	EXPECT_EQ(map_id(self->c, "@c"), w[1]);
	EXPECT_EQ(ABSENT, mapv_int(self->env, "@m", 4, 0));
	EXPECT_EQ(1, mapv_int(self->env, "@c", 4, 0));
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

/* ---- instructions executed per hit ----------------------------------- */

/*
 * Under software emulation each executed VM instruction costs tens of
 * nanoseconds, so what a hit EXECUTES is the cost: these pin it for the
 * one-liners the benchmarks measure (bench/), counted by the VM itself.
 */

/* Run program @i; the number of instructions it executed, or -1. */
static long steps(struct env *env, uint32_t i)
{
	if (run(env, i) != 0)
		return -1;
	return (long)fathom_vm_steps;
}

TEST_F(cg, steps_rejecting_predicate)
{
	CG_OK(self, "kprobe:f /pid == 1/ { @ = count(); }");
	self->env->pid = 2;
	/* call get_pid; if r0 != 1 goto exit; ... exit: r0 = 0; exit */
	EXPECT_EQ(4, steps(self->env, 0));
	EXPECT_EQ(ABSENT, V("@"));
	self->env->pid = 1;
	EXPECT_EQ(10, steps(self->env, 0));
	EXPECT_EQ(1, V("@"));
}

TEST_F(cg, steps_one_liners)
{
	static const struct {
		const char *src;
		long steps;
	} cases[] = {
		{ "kprobe:f { @ = count(); }", 8 },
		{ "kprobe:f { @[comm] = count(); }", 11 },
		{ "kprobe:f { @ = hist(arg0); }", 10 },
		{ "kprobe:f { @start[tid] = nsecs; }", 12 },
		{ "kprobe:f { printf(\"%d %d\\n\", pid, tid); }", 11 },
		{ "kprobe:f { @[pid, cpu] = sum(arg1); }", 13 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long n;

		CG_OK(self, cases[i].src);
		n = steps(self->env, 0);
		if (n != cases[i].steps)
			TH_LOG("%s: %ld instructions", cases[i].src, n);
		EXPECT_EQ(cases[i].steps, n);
	}
}

TEST_F(cg, steps_latency_pair)
{
	uint8_t key[8];

	CG_OK(self, "kprobe:f { @start[tid] = nsecs; }\n"
		    "kretprobe:f /@start[tid]/ {\n"
		    "  @ = hist(nsecs - @start[tid]); delete(@start[tid]); }");
	self->env->tid = 77;
	/* a return without an entry: lookup, test, exit */
	EXPECT_EQ(12, steps(self->env, 1));
	self->env->ns = 1000;
	EXPECT_EQ(12, steps(self->env, 0));
	self->env->ns = 1300;
	/* the key @start[tid] is built once, in the predicate */
	EXPECT_EQ(32, steps(self->env, 1));
	/* 300 is in the [256, 512) bucket; @start[77] is gone */
	memset(key, 0, sizeof(key));
	EXPECT_EQ(1, mapv_key(self->env, "@", key, 2 + 8, ABSENT));
	EXPECT_EQ(ABSENT, mapv_int(self->env, "@start", 77, 0));
}

TEST_F(cg, steps_conditions_branch_directly)
{
	CG_OK(self, "kprobe:f /arg0 > 5 && arg1 == 3/ { @ = count(); }");
	self->env->args[0] = 1;
	self->env->args[1] = 3;
	EXPECT_EQ(5, steps(self->env, 0)); /* && stops at the first */
	self->env->args[0] = 9;
	self->env->args[1] = 4;
	EXPECT_EQ(8, steps(self->env, 0));
	EXPECT_EQ(ABSENT, V("@"));
	self->env->args[1] = 3;
	EXPECT_EQ(14, steps(self->env, 0));
	EXPECT_EQ(1, V("@"));

	CG_OK(self, "kprobe:f /arg0 == 1 || arg1 == 1/ { @ = count(); }");
	self->env->args[0] = 1;
	self->env->args[1] = 0;
	EXPECT_EQ(11, steps(self->env, 0)); /* || stops at the first */
	self->env->args[0] = 0;
	EXPECT_EQ(8, steps(self->env, 0));
	EXPECT_EQ(1, V("@"));

	CG_OK(self, "kprobe:f /!(pid == 1)/ { @ = count(); }");
	self->env->pid = 1;
	EXPECT_EQ(4, steps(self->env, 0));

	/* a string literal is compared as immediates, never stored */
	CG_OK(self, "kprobe:f /comm == \"bash\"/ { @ = count(); }");
	strcpy(self->env->comm, "zsh");
	EXPECT_EQ(8, steps(self->env, 0));
	strcpy(self->env->comm, "bash");
	EXPECT_EQ(16, steps(self->env, 0));
	EXPECT_EQ(1, V("@"));

	/* if/else on a comparison with a constant: one jump */
	CG_OK(self, "kprobe:f { if (arg0 < 10) { @a = 1; } else { @b = 1; } }");
	self->env->args[0] = 20;
	EXPECT_EQ(13, steps(self->env, 0));
	EXPECT_EQ(1, V("@b"));
	EXPECT_EQ(ABSENT, V("@a"));
}

/* ---- a handful of disassembly snapshots ------------------------------ */

static char *disasm(const struct fathom_compiled *c, uint32_t i)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fathom_disasm_prog(f, c->progs[i].insns, c->progs[i].len);
	fclose(f);
	return buf;
}

#define SNAPSHOT(self, i, text)                     \
	do {                                        \
		char *__d = disasm((self)->c, (i)); \
		ASSERT_NE(NULL, __d);               \
		if (strcmp(__d, (text)))            \
			TH_LOG("got:\n%s", __d);    \
		EXPECT_EQ(0, strcmp(__d, (text)));  \
		free(__d);                          \
	} while (0)

TEST_F(cg, snapshot_predicate_and_count)
{
	CG_OK(self, "kprobe:f /pid == 1/ { @ = count(); }");
	SNAPSHOT(self, 0,
		 "  0: call get_pid#1\n"
		 "  1: if r0 != 0x1 goto +6 <8>\n"
		 "  2: *(u64 *)(r10 -8) = 0\n"
		 "  3: r3 = 1\n"
		 "  4: r1 = 1\n"
		 "  5: r2 = r10\n"
		 "  6: r2 += -8\n"
		 "  7: call map_aggregate#19\n"
		 "  8: r0 = 0\n"
		 "  9: exit\n");
}

TEST_F(cg, snapshot_latency_return)
{
	CG_OK(self, "kprobe:f { @start[tid] = nsecs; }\n"
		    "kretprobe:f /@start[tid]/ {\n"
		    "  @ = hist(nsecs - @start[tid]); delete(@start[tid]); }");
	/* nsecs lives in R6 across the lookup; one key for three uses */
	SNAPSHOT(self, 1,
		 "  0: call get_tid#2\n"
		 "  1: *(u64 *)(r10 -16) = r0\n"
		 "  2: r1 = 1\n"
		 "  3: r2 = r10\n"
		 "  4: r2 += -16\n"
		 "  5: r3 = r10\n"
		 "  6: r3 += -24\n"
		 "  7: call map_lookup#16\n"
		 "  8: r0 = *(u64 *)(r10 -24)\n"
		 "  9: if r0 == 0x0 goto +20 <30>\n"
		 " 10: *(u64 *)(r10 -8) = 0\n"
		 " 11: call ktime_ns#8\n"
		 " 12: r6 = r0\n"
		 " 13: r1 = 1\n"
		 " 14: r2 = r10\n"
		 " 15: r2 += -16\n"
		 " 16: r3 = r10\n"
		 " 17: r3 += -24\n"
		 " 18: call map_lookup#16\n"
		 " 19: r0 = *(u64 *)(r10 -24)\n"
		 " 20: r6 -= r0\n"
		 " 21: r3 = r6\n"
		 " 22: r1 = 2\n"
		 " 23: r2 = r10\n"
		 " 24: r2 += -8\n"
		 " 25: call map_aggregate#19\n"
		 " 26: r1 = 1\n"
		 " 27: r2 = r10\n"
		 " 28: r2 += -16\n"
		 " 29: call map_delete#18\n"
		 " 30: r0 = 0\n"
		 " 31: exit\n");
}

TEST_F(cg, snapshot_string_predicate)
{
	CG_OK(self,
	      "kprobe:f /comm == \"bash\" && arg0 > 5/ { @[comm] = count(); }");
	/* the literal is two immediates; && is two jumps to the exit */
	SNAPSHOT(self, 0,
		 "  0: r1 = r10\n"
		 "  1: r1 += -16\n"
		 "  2: r2 = 16\n"
		 "  3: call get_comm#5\n"
		 "  4: r1 = *(u64 *)(r10 -16)\n"
		 "  5: if r1 != 0x68736162 goto +14 <20>\n"
		 "  6: r1 = *(u64 *)(r10 -8)\n"
		 "  7: if r1 != 0x0 goto +12 <20>\n"
		 "  8: r1 = 0\n"
		 "  9: call get_arg#10\n"
		 " 10: if r0 s<= 0x5 goto +9 <20>\n"
		 " 11: r1 = r10\n"
		 " 12: r1 += -16\n"
		 " 13: r2 = 16\n"
		 " 14: call get_comm#5\n"
		 " 15: r3 = 1\n"
		 " 16: r1 = 1\n"
		 " 17: r2 = r10\n"
		 " 18: r2 += -16\n"
		 " 19: call map_aggregate#19\n"
		 " 20: r0 = 0\n"
		 " 21: exit\n");
}

TEST_F(cg, snapshot_ternary_and_if)
{
	CG_OK(self,
	      "kprobe:f { @x = arg0 > 5 ? arg1 * 2 : arg2 - 1;"
	      " if (pid != 1 || !(tid < 3)) { printf(\"%d\\n\", arg3 + 100); } }");
	SNAPSHOT(self, 0,
		 "  0: *(u64 *)(r10 -8) = 0\n"
		 "  1: r1 = 0\n"
		 "  2: call get_arg#10\n"
		 "  3: if r0 s<= 0x5 goto +4 <8>\n"
		 "  4: r1 = 1\n"
		 "  5: call get_arg#10\n"
		 "  6: r0 *= 2\n"
		 "  7: goto +3 <11>\n"
		 "  8: r1 = 2\n"
		 "  9: call get_arg#10\n"
		 " 10: r0 -= 1\n"
		 " 11: *(u64 *)(r10 -16) = r0\n"
		 " 12: r1 = 1\n"
		 " 13: r2 = r10\n"
		 " 14: r2 += -8\n"
		 " 15: r3 = r10\n"
		 " 16: r3 += -16\n"
		 " 17: call map_update#17\n"
		 " 18: call get_pid#1\n"
		 " 19: if r0 != 0x1 goto +2 <22>\n"
		 " 20: call get_tid#2\n"
		 " 21: if r0 s< 0x3 goto +9 <31>\n"
		 " 22: *(u64 *)(r10 -24) = 0\n"
		 " 23: r1 = 3\n"
		 " 24: call get_arg#10\n"
		 " 25: r0 += 100\n"
		 " 26: *(u64 *)(r10 -16) = r0\n"
		 " 27: r1 = r10\n"
		 " 28: r1 += -24\n"
		 " 29: r2 = 16\n"
		 " 30: call emit#20\n"
		 " 31: r0 = 0\n"
		 " 32: exit\n");
}

TEST_F(cg, shared_keys_stay_right)
{
	/* a key built under a condition is not taken as built after it */
	CG_OK(self,
	      "kprobe:f { if (arg0) { @m[tid] = 5; } @n[tid] = @m[tid] + 1;"
	      " @m[tid]++; @p[pid] = 1; @p[tid] = 2; @a = @p[pid]; @b = @p[tid];"
	      " @q[arg1] = 10; @q[arg2] = 20; @c = @q[arg1] + @q[arg2]; }");
	self->env->pid = 10;
	self->env->tid = 11;
	self->env->args[1] = 3;
	self->env->args[2] = 4;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(1, mapv_int(self->env, "@n", 11, 0));
	EXPECT_EQ(1, mapv_int(self->env, "@m", 11, 0));
	EXPECT_EQ(1, V("@a"));
	EXPECT_EQ(2, V("@b"));
	EXPECT_EQ(30, V("@c"));
	self->env->args[0] = 1;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(6, mapv_int(self->env, "@n", 11, 0));
	EXPECT_EQ(6, mapv_int(self->env, "@m", 11, 0));
}

TEST_F(cg, registers_across_calls)
{
	/* left operands live in R6-R9 across the calls on their right, and
	 * on the stack once those four are taken */
	CG_OK(self,
	      "kprobe:f { @a = pid - (tid - (uid - (gid - (cpu - (arg0 - arg1)))));"
	      " @b = (pid * 2 + tid) * (uid + 1) - (gid < cpu) + (arg0 ? arg1 : arg2);"
	      " @c = -((arg0 + 1) / -(int64)arg1) % 3; @d = !arg0 + ~arg1;"
	      " $a = arg0; $b = 2; $c = 3; $d = 4; $e = 5; $f = 6; $g = 7; $h = 8;"
	      " $i = 9; $j = 10;"
	      " @e = $a - ($b - ($c - ($d - ($e - ($f - ($g - ($h - ($i - $j)))))))); }");
	self->env->pid = 100;
	self->env->tid = 50;
	self->env->uid = 20;
	self->env->gid = 7;
	self->env->cpu = 3;
	self->env->args[0] = 9;
	self->env->args[1] = 2;
	self->env->args[2] = 1000;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(100 - (50 - (20 - (7 - (3 - (9 - 2))))), V("@a"));
	EXPECT_EQ((100 * 2 + 50) * (20 + 1) - (7 < 3) + 2, V("@b"));
	EXPECT_EQ(-((9 + 1) / -2) % 3, V("@c"));
	EXPECT_EQ(0 + ~2LL, V("@d"));
	EXPECT_EQ(9 - (2 - (3 - (4 - (5 - (6 - (7 - (8 - (9 - 10)))))))),
		  V("@e"));
}

/* ---- USDT ------------------------------------------------------------ */

#define USDT_SPEC "usdt:" FE_USDT_BIN ":fathom:hit"

/* The fixture (selftests/e2e/usdt_prog.c at -O2) has two sites of
 * fathom:hit whose arguments differ: one program each, one uprobe per
 * site with the semaphore as its reference counter. */
TEST_F(cg, usdt_sites_and_programs)
{
	CG_OK(self, USDT_SPEC " { @ = count(); }");
	ASSERT_EQ(2, self->c->nr_probes);
	ASSERT_EQ(2, self->c->nr_progs);
	ASSERT_EQ(1, self->c->nr_specs);
	EXPECT_EQ(2, self->c->spec_nprobes[0]);
	EXPECT_EQ(FATHOM_PROBE_UPROBE, self->c->probes[0].kind);
	EXPECT_EQ(0, self->c->probes[0].prog);
	EXPECT_EQ(1, self->c->probes[1].prog);
	EXPECT_NE(0, self->c->probes[0].ref_ctr_offset);
	EXPECT_EQ(self->c->probes[0].ref_ctr_offset,
		  self->c->probes[1].ref_ctr_offset);
	EXPECT_NE(self->c->probes[0].offset, self->c->probes[1].offset);
	EXPECT_STREQ(FE_USDT_BIN, self->c->probes[0].upath);
	EXPECT_STREQ("usdt:" FE_USDT_BIN ":fathom:hit",
		     self->c->probe_names[1]);
	/* the name alone and a wildcard find the same sites */
	CG_OK(self, "usdt:" FE_USDT_BIN ":h?t { @ = count(); }");
	EXPECT_EQ(2, self->c->nr_probes);
}

/* Each operand kind, from synthetic argument strings put on the sites. */
TEST_F(cg, usdt_operand_kinds)
{
	static const char spec[] =
		"-1@%cl 2@$-7 -4@-8(%rbp) 8@16(%rax,%rdx,4) -2@%r9w 4@%eax";
	uint8_t mem[64] = { 0 };
	int32_t neg = -100000;
	uint64_t big = 0x1122334455667788ULL;
	struct probe_spec *sp;
	uint32_t j;
	int err;

	err = fe_parse(&self->d, &self->s,
		       USDT_SPEC " { @a = sum(arg0); @b = sum(arg1); "
				 "@c = sum(arg2); @d = sum(arg3); "
				 "@e = sum(arg4); @f = sum(arg5); }");
	ASSERT_EQ(0, err);
	/* the usdt pass runs in the check: replace the argument specs after
	 * it, before the semantic types argN (signedness of the first) */
	ASSERT_NE(0, fathom_script_check(self->s, &self->d)); /* 6 > 4 args */
	ASSERT_TRUE(
		fe_err(&self->d, 0, 0,
		       "'arg4': the USDT probe fathom:hit has 4 arguments"));
	fathom_script_free(self->s);
	self->s = NULL;
	diag_fini(&self->d);
	diag_init_capture(&self->d);

	CG_OK(self, USDT_SPEC " { @a = sum(arg0); @b = sum(arg1); "
			      "@c = sum(arg2); @d = sum(arg3); }");
	free_store(self->env); /* it reads the maps of self->c */
	fathom_compiled_free(self->c);
	self->c = NULL;
	sp = &self->s->prog.probes[0]->specs[0];
	for (j = 0; j < sp->nsites; j++) {
		ASSERT_EQ(0, fathom_usdt_parse_args(spec, sp->sites[j].argv,
						    &sp->sites[j].argc));
		sp->sites[j].args = spec;
	}
	/* two programs before, one now: all sites read the same */
	self->c = fathom_codegen(self->s, &self->d);
	ASSERT_NE(NULL, self->c);
	ASSERT_EQ(1, self->c->nr_progs);
	self->env->c = self->c;
	self->env->maps = calloc(self->c->nr_maps + 1, sizeof(struct store));
	self->env->regs[11] = 0xabcdef1234f0ULL; /* rcx: %cl = 0xf0 = -16 */
	memcpy(mem, &neg, 4);
	self->env->regs[4] = (uint64_t)(uintptr_t)(mem + 8); /* rbp */
	memcpy(mem + 40, &big, 8);
	self->env->regs[10] = (uint64_t)(uintptr_t)mem; /* rax */
	self->env->regs[12] = 6;			/* rdx */
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(-16, V("@a"));
	EXPECT_EQ(65529, V("@b")); /* 2 bytes of -7, unsigned */
	EXPECT_EQ(-100000, V("@c"));
	EXPECT_EQ((int64_t)big, V("@d"));
	EXPECT_EQ(2, self->env->user_reads);
}

/*
 * The file image the tests' PROBE_READ_USER reads: the fixture's globals
 * at their link-time addresses plus (uintptr_t)image, the "load bias".
 */
static uint8_t image[0x8000];

/* nm's value of @sym in @path, or 0 */
static uint64_t nm_value(const char *path, const char *sym)
{
	char cmd[512], line[256], name[128], type;
	uint64_t v, found = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "nm --defined-only %s", path);
	p = popen(cmd, "r");
	if (!p)
		return 0;
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, "%" SCNx64 " %c %127s", &v, &type, name) ==
			    3 &&
		    !strcmp(name, sym))
			found = v;
	pclose(p);
	return found;
}

/*
 * Globals as USDT arguments ("-8@counter(%rip) -4@8+table(%rip)
 * -2@level(%rip)"): read at the symbol's address plus the load bias the
 * program finds from the hit's ip and the site's pc (a PIE), or at the
 * symbol's address (a fixed-address executable).
 */
TEST_F(cg, usdt_rip_relative_globals)
{
	uint64_t counter, table, level, pc;
	int64_t c8 = -123456789012LL;
	int32_t t4 = -300;
	int16_t l2 = -9;

	CG_OK(self, "usdt:" FE_GLOBAL_BIN ":fathom:global { @c = sum(arg0);"
		    " @t = sum(arg1); @l = sum(arg2); }");
	ASSERT_EQ(1, self->c->nr_progs);
	pc = self->s->prog.probes[0]->specs[0].sites[0].pc;
	counter = nm_value(FE_GLOBAL_BIN, "counter");
	table = nm_value(FE_GLOBAL_BIN, "table");
	level = nm_value(FE_GLOBAL_BIN, "level");
	ASSERT_NE(0, counter);
	ASSERT_NE(0, table);
	ASSERT_NE(0, level);
	/* the image stands for the loaded file */
	ASSERT_LT(counter + 8, sizeof(image));
	ASSERT_LT(table + 12, sizeof(image));
	ASSERT_LT(level + 2, sizeof(image));
	memcpy(image + counter, &c8, 8);
	memcpy(image + table + 8, &t4, 4);
	memcpy(image + level, &l2, 2);
	self->env->regs[16] = pc + (uintptr_t)image; /* pt_regs.ip */
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(c8, V("@c"));
	EXPECT_EQ(t4, V("@t"));
	EXPECT_EQ(l2, V("@l"));
}

/* In a fixed-address file, the operand's address is a constant. */
static uint64_t last_uread;
static u64 h_uread_addr(u64 dst, u64 len, u64 src, u64 d, u64 e, void *x)
{
	last_uread = src;
	memset((void *)dst, 0, len);
	return 0;
}

TEST_F(cg, usdt_rip_relative_fixed_address)
{
	char src[256];

	snprintf(src, sizeof(src), "usdt:%s:fathom:global { @t = sum(arg1); }",
		 FE_GLOBAL_NOPIE);
	CG_OK(self, src);
	/* no ip needed: a garbage ip changes nothing */
	self->env->regs[16] = 0xdead;
	self->env->uread_hook = h_uread_addr;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(nm_value(FE_GLOBAL_NOPIE, "table") + 8, last_uread);
}

/*
 * uaddr("sym"): in a fixed-address executable the symbol's address, a
 * constant; in a PIE, its address plus the load bias (ip - the site's
 * link-time address: step() for a uprobe on step, the note's pc in a
 * usdt probe).
 */
TEST_F(cg, uaddr_fixed_and_pie)
{
	uint64_t counter, step, pc;
	char src[512];

	counter = nm_value(FE_GLOBAL_NOPIE, "counter");
	snprintf(
		src, sizeof(src),
		"uprobe:%s:step { @a = uaddr(\"counter\"); @b = uaddr(\"step\"); }",
		FE_GLOBAL_NOPIE);
	CG_OK(self, src);
	self->env->regs[16] = 0xdead;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(counter, V("@a"));
	EXPECT_EQ(nm_value(FE_GLOBAL_NOPIE, "step"), V("@b"));

	counter = nm_value(FE_GLOBAL_BIN, "counter");
	step = nm_value(FE_GLOBAL_BIN, "step");
	snprintf(src, sizeof(src),
		 "uprobe:%s:step { @a = uaddr(\"counter\"); }", FE_GLOBAL_BIN);
	CG_OK(self, src);
	self->env->regs[16] = step + 0x7f0000000000ULL;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(counter + 0x7f0000000000ULL, (uint64_t)V("@a"));

	snprintf(src, sizeof(src),
		 "usdt:%s:fathom:global { @a = uaddr(\"level\"); }",
		 FE_GLOBAL_BIN);
	CG_OK(self, src);
	pc = self->s->prog.probes[0]->specs[0].sites[0].pc;
	self->env->regs[16] = pc + 0x5555000000ULL;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(nm_value(FE_GLOBAL_BIN, "level") + 0x5555000000ULL,
		  (uint64_t)V("@a"));
}

TEST_F(cg, uaddr_errors)
{
	char src[512];

	snprintf(src, sizeof(src), "uprobe:%s:step { @a = uaddr(\"nosuch\"); }",
		 FE_GLOBAL_BIN);
	CG_FAILS(self, src,
		 "uaddr(\"nosuch\"): " FE_GLOBAL_BIN " has no symbol 'nosuch'");
	snprintf(src, sizeof(src),
		 "uretprobe:%s:step { @a = uaddr(\"counter\"); }",
		 FE_GLOBAL_BIN);
	CG_FAILS(
		self, src,
		"uaddr(\"counter\"): " FE_GLOBAL_BIN
		" is position-independent: the address is found from the probe's site, which needs a uprobe on one function (not a uretprobe, a wildcard or several probes)");
	snprintf(src, sizeof(src), "uprobe:%s:st* { @a = uaddr(\"counter\"); }",
		 FE_GLOBAL_BIN);
	CG_FAILS(self, src, "is position-independent");
	/* a fixed-address file: fine in a uretprobe and with a wildcard */
	snprintf(
		src, sizeof(src),
		"uretprobe:%s:step, uprobe:%s:ma* { @a = uaddr(\"counter\"); }",
		FE_GLOBAL_NOPIE, FE_GLOBAL_NOPIE);
	CG_OK(self, src);
	snprintf(src, sizeof(src),
		 "uprobe:%s:step, uprobe:%s:step { @a = uaddr(\"counter\"); }",
		 FE_GLOBAL_NOPIE, FE_GLOBAL_BIN);
	CG_FAILS(
		self, src,
		"uaddr(\"counter\"): the probes of this block are in different files, " FE_GLOBAL_NOPIE
		" and " FE_GLOBAL_BIN);
	CG_FAILS(
		self, "kprobe:f { @a = uaddr(\"x\"); }",
		"uaddr() is only valid in uprobe, uretprobe and usdt probes, not in kprobe:f");
}

/* kaddr("sym"): the first line of that name in kallsyms, any type */
TEST_F(cg, kaddr_from_kallsyms)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/fathom-test-kallsyms.%d",
		 (int)getpid());
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fputs("ffffffff81000000 T _stext\n"
	      "ffffffff82a05000 D jiffies\n"
	      "ffffffff82a05000 D jiffies_64\n"
	      "ffffffffc0a01000 t helper\t[mod]\n"
	      "ffffffff81001000 t helper\n",
	      f);
	fclose(f);
	setenv("FATHOM_KALLSYMS", path, 1); /* restored at the end */
	CG_OK(self,
	      "BEGIN { @j = kaddr(\"jiffies\"); @h = kaddr(\"helper\"); @s = kaddr(\"_stext\") + 16; }");
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(0xffffffff82a05000ULL, (uint64_t)V("@j"));
	EXPECT_EQ(0xffffffffc0a01000ULL, (uint64_t)V("@h"));
	EXPECT_EQ(0xffffffff81000010ULL, (uint64_t)V("@s"));
	CG_FAILS(self, "BEGIN { @j = kaddr(\"jiffie\"); }",
		 "kaddr(\"jiffie\"): the kernel has no symbol 'jiffie'");
	CG_FAILS(self, "BEGIN { @j = kaddr(arg0); }",
		 "kaddr() needs a string literal here");
	/* hidden addresses (kptr_restrict) read as zeroes */
	f = fopen(path, "w");
	ASSERT_NE(NULL, f);
	fputs("0000000000000000 D jiffies\n", f);
	fclose(f);
	CG_FAILS(self, "BEGIN { @j = kaddr(\"jiffies\"); }",
		 "hides the kernel's addresses (kptr_restrict)");
	setenv("FATHOM_KALLSYMS", FE_KALLSYMS, 1);
	unlink(path);
}

TEST_F(cg, usdt_errors)
{
	CG_FAILS(
		self, "usdt:" FE_USDT_BIN ":fathom:hti { @ = count(); }",
		"usdt:" FE_USDT_BIN
		":fathom:hti: no USDT probe matches 'fathom:hti' in " FE_USDT_BIN);
	CG_FAILS(self, "usdt:/nonexistent/bin:a:b { @ = count(); }",
		 "usdt:/nonexistent/bin:a:b: cannot find '/nonexistent/bin'");
	CG_FAILS(
		self, USDT_SPEC ", kprobe:f { @ = sum(arg0); }",
		"argN cannot be read in a block that has both usdt and other probes");
}

/* ---- kernel structs through BTF -------------------------------------- */

/*
 * A synthetic BTF blob:
 *   struct task_struct { int pid; struct task_struct *parent;
 *			  char comm[16]; int flags:3; unsigned short id; };
 */
static const char btf_strs[] =
	"\0int\0task_struct\0pid\0parent\0comm\0flags\0char\0id\0u16"
	"\0vec\0len\0vals\0refs";
enum {
	S_INT = 1,
	S_TASK = 5,
	S_PID = 17,
	S_PARENT = 21,
	S_COMM = 28,
	S_FLAGS = 33,
	S_CHAR = 39,
	S_ID = 44,
	S_U16 = 47,
	S_VEC = 51,
	S_LEN = 55,
	S_VALS = 59,
	S_REFS = 64
};

static size_t btf_blob(uint8_t *buf)
{
	uint32_t t[128], n = 0;
	struct btf_header h = { .magic = BTF_MAGIC,
				.version = BTF_VERSION,
				.hdr_len = sizeof(h) };

	/* 1: int */
	t[n++] = S_INT, t[n++] = BTF_KIND_INT << 24, t[n++] = 4;
	t[n++] = BTF_INT_SIGNED << 24 | 32;
	/* 2: struct task_struct, kind_flag: bitfield member offsets */
	t[n++] = S_TASK, t[n++] = 1u << 31 | BTF_KIND_STRUCT << 24 | 5;
	t[n++] = 40;
	t[n++] = S_PID, t[n++] = 1, t[n++] = 0;
	t[n++] = S_PARENT, t[n++] = 3, t[n++] = 64;
	t[n++] = S_COMM, t[n++] = 5, t[n++] = 128;
	t[n++] = S_FLAGS, t[n++] = 1, t[n++] = 3u << 24 | 256;
	t[n++] = S_ID, t[n++] = 6, t[n++] = 288;
	/* 3: struct task_struct * */
	t[n++] = 0, t[n++] = BTF_KIND_PTR << 24, t[n++] = 2;
	/* 4: char */
	t[n++] = S_CHAR, t[n++] = BTF_KIND_INT << 24, t[n++] = 1;
	t[n++] = BTF_INT_CHAR << 24 | 8;
	/* 5: char[16] */
	t[n++] = 0, t[n++] = BTF_KIND_ARRAY << 24, t[n++] = 0;
	t[n++] = 4, t[n++] = 1, t[n++] = 16;
	/* 6: u16 (a typedef of an unsigned 2-byte int, 7) */
	t[n++] = S_U16, t[n++] = BTF_KIND_TYPEDEF << 24, t[n++] = 7;
	t[n++] = 0, t[n++] = BTF_KIND_INT << 24, t[n++] = 2;
	t[n++] = 16;
	/* 8: int[3] */
	t[n++] = 0, t[n++] = BTF_KIND_ARRAY << 24, t[n++] = 0;
	t[n++] = 1, t[n++] = 1, t[n++] = 3;
	/* 9: struct vec { int len; int vals[3]; struct task_struct *refs[2]; } */
	t[n++] = S_VEC, t[n++] = BTF_KIND_STRUCT << 24 | 3, t[n++] = 32;
	t[n++] = S_LEN, t[n++] = 1, t[n++] = 0;
	t[n++] = S_VALS, t[n++] = 8, t[n++] = 32;
	t[n++] = S_REFS, t[n++] = 10, t[n++] = 128;
	/* 10: struct task_struct *[2] */
	t[n++] = 0, t[n++] = BTF_KIND_ARRAY << 24, t[n++] = 0;
	t[n++] = 3, t[n++] = 1, t[n++] = 2;
	h.type_off = 0;
	h.type_len = n * 4;
	h.str_off = h.type_len;
	h.str_len = sizeof(btf_strs);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), t, n * 4);
	memcpy(buf + sizeof(h) + n * 4, btf_strs, sizeof(btf_strs));
	return sizeof(h) + n * 4 + sizeof(btf_strs);
}

/* Write the synthetic blob to a file; returns its path (static). */
static const char *btf_file(void)
{
	static char path[64];
	uint8_t buf[2048];
	size_t len = btf_blob(buf);
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/fathom-test-btf.%d", (int)getpid());
	f = fopen(path, "w");
	if (!f)
		return NULL;
	fwrite(buf, 1, len, f);
	fclose(f);
	return path;
}

static int cg_compile_btf(struct diag_sink *d, struct fathom_script **s,
			  struct fathom_compiled **c, struct env *env,
			  const char *src, const char *btf)
{
	struct fathom_compile_opts o = { .btf = btf };
	int err;

	free_store(env);
	fathom_compiled_free(*c);
	*c = NULL;
	err = fe_parse(d, s, src);
	if (err)
		return err;
	err = fathom_script_set_opts(*s, &o);
	if (err)
		return err;
	err = fathom_script_check(*s, d);
	if (err)
		return err;
	*c = fathom_codegen(*s, d);
	if (!*c)
		return -22;
	env->c = *c;
	env->maps = calloc((*c)->nr_maps + 1, sizeof(struct store));
	return 0;
}

/* Members of the synthetic task_struct, read through curtask and casts,
 * pointers followed. */
TEST_F(cg, btf_members_synthetic)
{
	uint8_t task[40] = { 0 }, parent[40] = { 0 };
	uint8_t both[80];
	char comm[16] = "bash";
	const char *path = btf_file();
	int32_t pid = -42, ppid = 7;
	uint16_t id = 0xfffe;
	uint64_t pp;
	int err;

	ASSERT_NE(NULL, path);
	err = cg_compile_btf(
		&self->d, &self->s, &self->c, self->env,
		"kprobe:f { @a = curtask->pid; @b = curtask->parent->pid; "
		"@c[curtask->comm] = count(); @d = ((struct task_struct *)curtask)->id; "
		"@e = curtask->parent->parent->pid; }",
		path);
	if (err) {
		FE_LOG(&self->d);
	}
	ASSERT_EQ(0, err);
	/* task at both[0], its parent at both[40] (inside the fake task
	 * memory so the reads are real), the parent's parent NULL */
	memcpy(task, &pid, 4);
	memcpy(task + 16, "bash", 5);
	memcpy(task + 36, &id, 2);
	memcpy(parent, &ppid, 4);
	memcpy(both, task, 40);
	memcpy(both + 40, parent, 40);
	pp = (uint64_t)(uintptr_t)(both + 40);
	memcpy(both + 8, &pp, 8);
	self->env->task = both;
	self->env->task_size = sizeof(both);
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(-42, V("@a"));
	EXPECT_EQ(7, V("@b"));
	EXPECT_EQ(1, mapv_key(self->env, "@c", comm, 0, ABSENT));
	EXPECT_EQ(0xfffe, V("@d")); /* unsigned short, zero-extended */
	EXPECT_EQ(0, V("@e"));	    /* a NULL pointer reads 0 */
	unlink(path);
}

/*
 * Array members: x->arr[i] with a constant or a computed index, arrays of
 * pointers followed, a char of a char array.
 */
TEST_F(cg, btf_array_members)
{
	uint8_t mem[96] = { 0 };
	const char *path = btf_file();
	int32_t len = 3, vals[3] = { -5, 70, 9000 }, pid = 321;
	uint64_t ref;
	int err;

	ASSERT_NE(NULL, path);
	err = cg_compile_btf(
		&self->d, &self->s, &self->c, self->env,
		"kprobe:f { $v = (struct vec *)curtask;"
		" @a = $v->vals[0]; @b = $v->vals[2]; @c = $v->vals[arg0];"
		" @d = $v->refs[1]->pid; @e = $v->refs[1]->comm[1];"
		" @f = sum($v->vals[arg1 + 1]); }",
		path);
	if (err)
		FE_LOG(&self->d);
	ASSERT_EQ(0, err);
	/* struct vec at mem[0], a task_struct at mem[40] */
	memcpy(mem, &len, 4);
	memcpy(mem + 4, vals, 12);
	ref = (uint64_t)(uintptr_t)(mem + 40);
	memcpy(mem + 24, &ref, 8);
	memcpy(mem + 40, &pid, 4);
	memcpy(mem + 56, "bash", 5);
	self->env->task = mem;
	self->env->task_size = sizeof(mem);
	self->env->args[0] = 1;
	self->env->args[1] = 1;
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(-5, V("@a"));
	EXPECT_EQ(9000, V("@b"));
	EXPECT_EQ(70, V("@c"));
	EXPECT_EQ(321, V("@d"));
	EXPECT_EQ('a', V("@e"));
	EXPECT_EQ(9000, V("@f"));
	unlink(path);
}

TEST_F(cg, btf_errors)
{
	const char *path = btf_file();

	ASSERT_NE(NULL, path);
	ASSERT_NE(0, cg_compile_btf(&self->d, &self->s, &self->c, self->env,
				    "kprobe:f { @ = curtask->pidd; }", path));
	EXPECT_TRUE(fe_err(&self->d, 1, 25,
			   "struct task_struct has no member 'pidd'"));
	EXPECT_TRUE(fe_has(&self->d, DIAG_NOTE, 1, 25, "did you mean 'pid'?"));
	ASSERT_NE(0, cg_compile_btf(&self->d, &self->s, &self->c, self->env,
				    "kprobe:f { @ = ((struct vec *)0)->vals; }",
				    path));
	EXPECT_TRUE(fe_err(
		&self->d, 1, 17,
		"'vals' is an array of 3 elements: read one, as in vals[0]"));
	ASSERT_NE(0,
		  cg_compile_btf(&self->d, &self->s, &self->c, self->env,
				 "kprobe:f { @ = ((struct vec *)0)->vals[3]; }",
				 path));
	EXPECT_TRUE(fe_err(&self->d, 1, 40,
			   "index 3 is outside 'vals', which has 3 elements"));
	ASSERT_NE(0,
		  cg_compile_btf(&self->d, &self->s, &self->c, self->env,
				 "kprobe:f { @ = ((struct vec *)0)->len[0]; }",
				 path));
	EXPECT_TRUE(fe_err(
		&self->d, 1, 17,
		"only maps and array members of kernel structs (BTF) can be indexed with '[]'"));
	ASSERT_NE(0, cg_compile_btf(&self->d, &self->s, &self->c, self->env,
				    "kprobe:f { @ = pid[0]; }", path));
	EXPECT_TRUE(
		fe_err(&self->d, 1, 19,
		       "only maps and array members can be indexed with '[]'"));
	ASSERT_NE(0, cg_compile_btf(&self->d, &self->s, &self->c, self->env,
				    "kprobe:f { @ = curtask->flags; }", path));
	EXPECT_TRUE(fe_err(
		&self->d, 1, 25,
		"member 'flags' of task_struct is a bitfield, which cannot be read"));
	ASSERT_NE(0, cg_compile_btf(
			     &self->d, &self->s, &self->c, self->env,
			     "kprobe:f { @ = ((struct task_strct *)0)->pid; }",
			     path));
	EXPECT_TRUE(fe_err(
		&self->d, 1, 25,
		"unknown struct 'task_strct': struct task_strct is not in BTF"));
	EXPECT_TRUE(fe_has(&self->d, DIAG_NOTE, 1, 25,
			   "did you mean 'struct task_struct'?"));
	ASSERT_NE(0, cg_compile_btf(&self->d, &self->s, &self->c, self->env,
				    "kprobe:f { @ = curtask.pid; }", path));
	EXPECT_TRUE(
		fe_err(&self->d, 1, 16, "'.pid' on a pointer: use '->pid'"));
	ASSERT_NE(0, cg_compile_btf(&self->d, &self->s, &self->c, self->env,
				    "kprobe:f { @ = pid->x; }", path));
	EXPECT_TRUE(fe_err(
		&self->d, 1, 16,
		"'->x' needs a pointer to a struct, as in ((struct task_struct *)curtask)->pid"));
	unlink(path);
	ASSERT_NE(0, cg_compile_btf(&self->d, &self->s, &self->c, self->env,
				    "kprobe:f { @ = curtask->pid; }",
				    "/nonexistent/btf"));
	EXPECT_TRUE(fe_err(
		&self->d, 1, 16,
		"'->pid' needs the kernel's BTF type information: no BTF: /nonexistent/btf does not exist (the kernel needs CONFIG_DEBUG_INFO_BTF for struct member access)"));
	/* curtask alone needs no BTF: an address */
	ASSERT_EQ(0, cg_compile_btf(&self->d, &self->s, &self->c, self->env,
				    "kprobe:f { @ = curtask; }",
				    "/nonexistent/btf"));
}

/* The host kernel's BTF, when it has one: the offsets lib/btf finds are
 * the ones the code reads. */
TEST_F(cg, btf_vmlinux_task_struct)
{
	struct fathom_btf *btf;
	struct fathom_btf_member pidm, tgidm, commm, parm;
	uint64_t tsize, pp;
	uint32_t id;
	uint8_t *mem;
	int32_t pid = 1234, tgid = 1200, ppid = 1;
	int err;

	if (access(FATHOM_BTF_VMLINUX, R_OK))
		SKIP(return, "no %s", FATHOM_BTF_VMLINUX);
	btf = fathom_btf_load(NULL, &err, NULL, 0);
	ASSERT_NE(NULL, btf);
	ASSERT_EQ(0, fathom_btf_find_struct(btf, "task_struct", &id));
	ASSERT_EQ(0, fathom_btf_size(btf, id, &tsize));
	ASSERT_EQ(0, fathom_btf_member(btf, id, "pid", &pidm));
	ASSERT_EQ(0, fathom_btf_member(btf, id, "tgid", &tgidm));
	ASSERT_EQ(0, fathom_btf_member(btf, id, "comm", &commm));
	ASSERT_EQ(0, fathom_btf_member(btf, id, "real_parent", &parm));
	fathom_btf_free(btf);
	ASSERT_EQ(4, pidm.size);
	mem = calloc(2, tsize);
	ASSERT_NE(NULL, mem);
	memcpy(mem + pidm.offset, &pid, 4);
	memcpy(mem + tgidm.offset, &tgid, 4);
	memcpy(mem + commm.offset, "worker", 7);
	pp = (uint64_t)(uintptr_t)(mem + tsize);
	memcpy(mem + parm.offset, &pp, 8);
	memcpy(mem + tsize + tgidm.offset, &ppid, 4);
	self->env->task = mem;
	self->env->task_size = 2 * tsize;
	err = cg_compile_btf(
		&self->d, &self->s, &self->c, self->env,
		"kprobe:f { @[curtask->pid, ((struct task_struct *)curtask)->tgid, "
		"curtask->real_parent->tgid, curtask->comm] = count(); "
		"@p = curtask->pid; @t = curtask->tgid; @pp = curtask->real_parent->tgid; }",
		NULL);
	if (err) {
		FE_LOG(&self->d);
	}
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, run(self->env, 0));
	EXPECT_EQ(1234, V("@p"));
	EXPECT_EQ(1200, V("@t"));
	EXPECT_EQ(1, V("@pp"));
	free(mem);
}

TEST_HARNESS_MAIN
