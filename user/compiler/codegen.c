// SPDX-License-Identifier: GPL-2.0-only
/*
 * Code generation: AST (after the semantic and folding passes) to fathom
 * bytecode. See codegen.h for the frame, record and key layouts.
 *
 * Expressions leave their integer value in R0. A binary operator spills
 * its left operand to a stack temporary while the right one is computed
 * (helpers clobber R1-R5), then combines them in R1/R2. String values are
 * never in registers: gen_str() writes one into a stack buffer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <linux/fathom.h>

#include "vm/isa.h"
#include "codegen.h"
#include "../lib/verify.h"

#define R0 0
#define R1 1
#define R2 2
#define R3 3
#define R4 4
#define R5 5
#define FP FATHOM_REG_FP

#define ROUND8(x) (((x) + 7u) & ~7u)
#define USER_ADDR_END 0x0000800000000000ull

struct cg {
	struct fathom_compiled *c;
	struct diag_sink *d;
	const struct fathom_script *s;
	bool failed;
	bool oom;
	/* current program */
	struct fathom_insn *insns;
	struct src_loc *locs;
	uint32_t len, cap;
	struct src_loc loc; /* of what is being generated */
	uint32_t sp;	    /* bytes of the frame in use */
	bool stack_err;	    /* reported once per program */
	int32_t *var_off;   /* per scratch variable */
	uint32_t *ret_jumps;
	uint32_t nret, ret_cap;
	bool returned;	   /* the current block ended with return */
	uint32_t *map_ids; /* map id of each ast_program.maps entry */
	const struct ast_probe *probe; /* being generated */
};

static void cg_error(struct cg *g, struct src_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void cg_error(struct cg *g, struct src_loc loc, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	diag_error(g->d, loc, "%s", buf);
	g->failed = true;
}

static void unsupported(struct cg *g, struct src_loc loc, const char *what)
{
	cg_error(g, loc, "%s is not supported yet", what);
}

/* ---- emitting -------------------------------------------------------- */

static uint32_t emit(struct cg *g, struct fathom_insn in)
{
	if (g->len == g->cap) {
		uint32_t ncap = g->cap ? g->cap * 2 : 64;
		void *a = realloc(g->insns, ncap * sizeof(*g->insns));
		void *b;

		if (!a) {
			g->oom = true;
			return g->len;
		}
		g->insns = a;
		b = realloc(g->locs, ncap * sizeof(*g->locs));
		if (!b) {
			g->oom = true;
			return g->len;
		}
		g->locs = b;
		g->cap = ncap;
	}
	g->insns[g->len] = in;
	g->locs[g->len] = g->loc;
	return g->len++;
}

static void emit_imm64(struct cg *g, int reg, uint64_t v)
{
	if ((int64_t)v >= INT32_MIN && (int64_t)v <= INT32_MAX) {
		emit(g, FATHOM_MOV64_IMM(reg, (int32_t)v));
		return;
	}
	{
		struct fathom_insn two[] = { FATHOM_LD_IMM64(reg, v) };

		emit(g, two[0]);
		emit(g, two[1]);
	}
}

static void emit_stack_ptr(struct cg *g, int reg, int32_t off)
{
	emit(g, FATHOM_MOV64_REG(reg, FP));
	emit(g, FATHOM_ALU64_IMM(FATHOM_ADD, reg, off));
}

static uint32_t emit_jmp_imm(struct cg *g, int op, int reg, int32_t imm)
{
	return emit(g, FATHOM_JMP_IMM(op, reg, imm, 0));
}

static uint32_t emit_ja(struct cg *g)
{
	return emit(g, FATHOM_JA_INSN(0));
}

/* Point the jump at @j to the next instruction. */
static void patch(struct cg *g, uint32_t j)
{
	if (g->oom || j >= g->len)
		return;
	g->insns[j].off = (int16_t)(g->len - j - 1);
}

static void call(struct cg *g, int helper)
{
	emit(g, FATHOM_CALL_HELPER(helper));
}

/* ---- stack frame ----------------------------------------------------- */

/* Allocate @size bytes (rounded to 8); returns the offset from R10. */
static int32_t stack_alloc(struct cg *g, uint32_t size)
{
	g->sp += ROUND8(size ? size : 1);
	if (g->sp > FATHOM_STACK_SIZE) {
		if (!g->stack_err)
			cg_error(
				g, g->loc,
				"this needs more than the %d bytes of stack a probe has (%u)",
				FATHOM_STACK_SIZE, g->sp);
		g->stack_err = true;
		return -8; /* keep generating; the result is discarded */
	}
	return -(int32_t)g->sp;
}

static void zero_stack(struct cg *g, int32_t off, uint32_t size)
{
	uint32_t i;

	for (i = 0; i < ROUND8(size); i += 8)
		emit(g, FATHOM_ST_MEM(FATHOM_DW, FP, off + (int32_t)i, 0));
}

static void copy_stack(struct cg *g, int32_t dst, int32_t src, uint32_t size)
{
	uint32_t i;

	for (i = 0; i < ROUND8(size); i += 8) {
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, R1, FP, src + (int32_t)i));
		emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, R1, dst + (int32_t)i));
	}
}

/* ---- maps ------------------------------------------------------------ */

/* Bytes a value of type @t takes in a key, value or record. */
static uint32_t value_bytes(const struct type *t)
{
	if (t->kind == TYPE_STRING)
		return ROUND8(t->size);
	return 8;
}

static uint32_t add_map(struct cg *g, const struct fathom_map_spec *spec,
			const struct fathom_cmap *info)
{
	struct fathom_compiled *c = g->c;
	void *a = realloc(c->maps, (c->nr_maps + 1) * sizeof(*c->maps));
	void *b;

	if (!a) {
		g->oom = true;
		return 1;
	}
	c->maps = a;
	b = realloc(c->map_info, (c->nr_maps + 1) * sizeof(*c->map_info));
	if (!b) {
		g->oom = true;
		return 1;
	}
	c->map_info = b;
	c->maps[c->nr_maps] = *spec;
	c->map_info[c->nr_maps] = *info;
	c->nr_maps++;
	return c->nr_maps;
}

/* The STACK map for kernel/user stacks of @depth frames; created once. */
static uint32_t stack_map(struct cg *g, bool user, uint32_t depth)
{
	struct fathom_compiled *c = g->c;
	struct fathom_map_spec spec = { 0 };
	struct fathom_cmap info = { 0 };
	uint32_t i;

	if (!depth)
		depth = AST_STACK_DEFAULT;
	if (depth > FATHOM_CG_STACK_DEPTH_MAX)
		depth = FATHOM_CG_STACK_DEPTH_MAX;
	for (i = 0; i < c->nr_maps; i++)
		if (c->map_info[i].is_stack &&
		    c->map_info[i].user_stack == user &&
		    c->map_info[i].stack_depth == depth)
			return i + 1;
	info.name = strdup(user ? "ustack" : "kstack");
	if (!info.name)
		g->oom = true;
	info.is_stack = true;
	info.user_stack = user;
	info.stack_depth = depth;
	spec.kind = FATHOM_MAP_STACK;
	spec.key_size = 8 + 8 * depth;
	spec.max_entries = FATHOM_CG_MAX_ENTRIES;
	spec.name = info.name;
	return add_map(g, &spec, &info);
}

static uint32_t agg_map_kind(enum agg_kind a)
{
	switch (a) {
	case AGG_COUNT:
		return FATHOM_MAP_COUNT;
	case AGG_SUM:
		return FATHOM_MAP_SUM;
	case AGG_AVG:
		return FATHOM_MAP_AVG;
	case AGG_MIN:
		return FATHOM_MAP_MIN;
	case AGG_MAX:
		return FATHOM_MAP_MAX;
	case AGG_STATS:
		return FATHOM_MAP_STATS;
	case AGG_HIST:
		return FATHOM_MAP_HIST;
	case AGG_LHIST:
		return FATHOM_MAP_LHIST;
	default:
		return 0;
	}
}

static void add_script_maps(struct cg *g)
{
	const struct ast_program *p = &g->s->prog;
	uint32_t i, k;

	g->map_ids = calloc(p->nmaps ? p->nmaps : 1, sizeof(uint32_t));
	if (!g->map_ids) {
		g->oom = true;
		return;
	}
	for (i = 0; i < p->nmaps; i++) {
		const struct map_sym *m = p->maps[i];
		struct fathom_map_spec spec = { 0 };
		struct fathom_cmap info = { 0 };
		uint32_t ksize = 0;

		info.name = strdup(m->name);
		if (!info.name)
			g->oom = true;
		info.nkeys = m->nkeys;
		info.value = m->value;
		for (k = 0; k < m->nkeys; k++) {
			info.keys[k] = m->keys[k];
			info.key_off[k] = ksize;
			ksize += value_bytes(&m->keys[k]);
			if (m->keys[k].kind == TYPE_KSTACK ||
			    m->keys[k].kind == TYPE_USTACK)
				info.stack_map[k] = stack_map(
					g, m->keys[k].kind == TYPE_USTACK,
					m->keys[k].stack_depth);
		}
		if (!m->nkeys)
			ksize = 8;
		if (ksize > FATHOM_STACK_SIZE)
			cg_error(
				g, m->key_loc,
				"the key of map '%s' is %u bytes, more than the %d bytes of stack",
				m->name, ksize, FATHOM_STACK_SIZE);
		if (m->value.kind == TYPE_KSTACK ||
		    m->value.kind == TYPE_USTACK)
			info.value_stack_map =
				stack_map(g, m->value.kind == TYPE_USTACK,
					  m->value.stack_depth);
		spec.key_size = ksize;
		spec.max_entries = FATHOM_CG_MAX_ENTRIES;
		spec.name = info.name;
		if (m->value.kind == TYPE_AGG) {
			spec.kind = agg_map_kind(m->value.agg);
			if (m->value.agg == AGG_HIST && m->value.agg_args[0])
				unsupported(g, m->value_loc,
					    "hist() with a bits argument");
			if (m->value.agg == AGG_LHIST) {
				int64_t mn = m->value.agg_args[0];
				int64_t mx = m->value.agg_args[1];
				int64_t st = m->value.agg_args[2];

				spec.lhist_min = mn;
				spec.lhist_max = mx;
				spec.lhist_step = st;
				if (st <= 0 || mx <= mn ||
				    (mx - mn) / st + 2 >
					    FATHOM_LHIST_MAX_BUCKETS)
					cg_error(
						g, m->value_loc,
						"lhist() needs min < max and at most %d buckets",
						FATHOM_LHIST_MAX_BUCKETS - 2);
			}
		} else {
			spec.kind = FATHOM_MAP_HASH;
			spec.value_size = value_bytes(&m->value);
		}
		g->map_ids[i] = add_map(g, &spec, &info);
	}
}

static uint32_t map_id_of(struct cg *g, const struct map_sym *m)
{
	return g->map_ids[m->id];
}

/* ---- expressions ----------------------------------------------------- */

static void gen_expr(struct cg *g, const struct ast_node *n);
static void gen_str(struct cg *g, const struct ast_node *n, int32_t off,
		    uint32_t size);

/* Build the key of map access @m on the stack; returns its offset. */
static int32_t gen_key(struct cg *g, const struct ast_node *m)
{
	const struct map_sym *sym = m->u.map.sym;
	uint32_t id = map_id_of(g, sym);
	const struct fathom_cmap *info = &g->c->map_info[id - 1];
	uint32_t ksize = g->c->maps[id - 1].key_size;
	int32_t off = stack_alloc(g, ksize);
	uint32_t i;

	if (!m->u.map.keys.n) {
		emit(g, FATHOM_ST_MEM(FATHOM_DW, FP, off, 0));
		return off;
	}
	for (i = 0; i < m->u.map.keys.n; i++) {
		const struct ast_node *k = m->u.map.keys.items[i];
		int32_t at = off + (int32_t)info->key_off[i];

		if (sym->keys[i].kind == TYPE_STRING) {
			gen_str(g, k, at, sym->keys[i].size);
		} else {
			gen_expr(g, k);
			emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, R0, at));
		}
	}
	return off;
}

/* MAP_LOOKUP of the map access @m into a new buffer; returns its offset. */
static int32_t gen_lookup(struct cg *g, const struct ast_node *m,
			  int32_t *key_off)
{
	uint32_t id = map_id_of(g, m->u.map.sym);
	const struct fathom_map_spec *spec = &g->c->maps[id - 1];
	int32_t key = gen_key(g, m);
	int32_t val = stack_alloc(g, spec->value_size);

	emit(g, FATHOM_MOV64_IMM(R1, (int32_t)id));
	emit_stack_ptr(g, R2, key);
	emit_stack_ptr(g, R3, val);
	call(g, FATHOM_HELPER_MAP_LOOKUP);
	if (key_off)
		*key_off = key;
	return val;
}

static void gen_update(struct cg *g, uint32_t id, int32_t key, int32_t val)
{
	emit(g, FATHOM_MOV64_IMM(R1, (int32_t)id));
	emit_stack_ptr(g, R2, key);
	emit_stack_ptr(g, R3, val);
	call(g, FATHOM_HELPER_MAP_UPDATE);
}

static bool map_is_hash(struct cg *g, const struct ast_node *m, bool report)
{
	uint32_t id = map_id_of(g, m->u.map.sym);

	if (g->c->maps[id - 1].kind == FATHOM_MAP_HASH)
		return true;
	if (report)
		unsupported(g, m->loc,
			    "reading an aggregation map inside a probe");
	return false;
}

static void gen_simple_call(struct cg *g, int helper)
{
	call(g, helper);
}

static void gen_stack_id(struct cg *g, const struct type *t)
{
	bool user = t->kind == TYPE_USTACK;
	uint32_t id = stack_map(g, user, t->stack_depth);

	emit(g, FATHOM_MOV64_IMM(R1, (int32_t)id));
	emit(g, FATHOM_MOV64_IMM(R2, 0));
	call(g,
	     user ? FATHOM_HELPER_GET_USTACK_ID : FATHOM_HELPER_GET_KSTACK_ID);
}

static int ldx_size(uint32_t bytes)
{
	switch (bytes) {
	case 1:
		return FATHOM_B;
	case 2:
		return FATHOM_H;
	case 4:
		return FATHOM_W;
	default:
		return FATHOM_DW;
	}
}

/* READ_CTX of @len bytes at the constant record offset @at to @dst. */
static void gen_read_ctx(struct cg *g, int32_t dst, uint32_t len, uint32_t at)
{
	emit_stack_ptr(g, R1, dst);
	emit(g, FATHOM_MOV64_IMM(R2, (int32_t)len));
	emit(g, FATHOM_MOV64_IMM(R3, (int32_t)at));
	call(g, FATHOM_HELPER_READ_CTX);
}

/* R0 = the integer of @size bytes at record offset @at, extended. */
static void gen_ctx_int(struct cg *g, uint32_t at, uint32_t size,
			bool is_signed)
{
	uint32_t save = g->sp;
	int32_t tmp = stack_alloc(g, 8);
	uint32_t bits = 64 - 8 * size;

	gen_read_ctx(g, tmp, size, at);
	emit(g, FATHOM_LDX_MEM(ldx_size(size), R0, FP, tmp));
	if (is_signed && bits) {
		emit(g, FATHOM_ALU64_IMM(FATHOM_LSH, R0, (int32_t)bits));
		emit(g, FATHOM_ALU64_IMM(FATHOM_ARSH, R0, (int32_t)bits));
	}
	g->sp = save;
}

/* Every spec of the block is a raw tracepoint: arguments are words of
 * the hit's record. (The semantic pass allows argN in kprobe, uprobe and
 * rawtracepoint probes; a block mixing them has no single way to read.) */
static bool raw_tp_args(struct cg *g, struct src_loc loc)
{
	uint32_t i, raw = 0;

	for (i = 0; i < g->probe->nspecs; i++)
		raw += g->probe->specs[i].type == PROBE_RAWTRACEPOINT;
	if (raw && raw != g->probe->nspecs)
		cg_error(
			g, loc,
			"argN cannot be read in a block that has both rawtracepoint and other probes");
	return raw != 0;
}

static void gen_builtin(struct cg *g, const struct ast_node *n)
{
	switch (n->u.builtin.id) {
	case BI_PID:
		gen_simple_call(g, FATHOM_HELPER_GET_PID);
		return;
	case BI_TID:
		gen_simple_call(g, FATHOM_HELPER_GET_TID);
		return;
	case BI_UID:
		gen_simple_call(g, FATHOM_HELPER_GET_UID);
		return;
	case BI_GID:
		gen_simple_call(g, FATHOM_HELPER_GET_GID);
		return;
	case BI_CPU:
		gen_simple_call(g, FATHOM_HELPER_GET_CPU);
		return;
	case BI_NSECS:
		gen_simple_call(g, FATHOM_HELPER_KTIME_NS);
		return;
	case BI_CGROUP:
		gen_simple_call(g, FATHOM_HELPER_GET_CGROUP_ID);
		return;
	case BI_PROBE:
	case BI_FUNC: /* a probe id, shown as its function's name */
		gen_simple_call(g, FATHOM_HELPER_GET_PROBE_ID);
		return;
	case BI_ELAPSED:
		gen_simple_call(g, FATHOM_HELPER_ELAPSED_NS);
		return;
	case BI_RETVAL:
		gen_simple_call(g, FATHOM_HELPER_GET_RETVAL);
		return;
	case BI_ARG:
		if (raw_tp_args(g, n->loc)) {
			if (n->u.builtin.index >= FATHOM_RAW_TP_MAX_ARGS)
				cg_error(
					g, n->loc,
					"a raw tracepoint has at most %d arguments",
					FATHOM_RAW_TP_MAX_ARGS);
			gen_ctx_int(g, 8 * n->u.builtin.index, 8, false);
			return;
		}
		emit(g, FATHOM_MOV64_IMM(R1, (int32_t)n->u.builtin.index));
		call(g, FATHOM_HELPER_GET_ARG);
		return;
	case BI_KSTACK:
	case BI_USTACK:
		gen_stack_id(g, &n->type);
		return;
	default:
		break;
	}
	{
		char what[64];

		snprintf(what, sizeof(what), "the builtin '%s'",
			 ast_builtin_name(n->u.builtin.id));
		unsupported(g, n->loc, what);
	}
	emit(g, FATHOM_MOV64_IMM(R0, 0));
}

/* Compare two strings of @size (rounded) bytes at @a and @b: R0 = equal. */
static void gen_str_eq(struct cg *g, int32_t a, int32_t b, uint32_t size)
{
	uint32_t i, n = ROUND8(size) / 8;
	uint32_t *js = calloc(n, sizeof(*js));
	uint32_t done;

	if (!js) {
		g->oom = true;
		return;
	}
	for (i = 0; i < n; i++) {
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, R1, FP, a + 8 * (int32_t)i));
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, R2, FP, b + 8 * (int32_t)i));
		js[i] = emit(g, FATHOM_JMP_REG(FATHOM_JNE, R1, R2, 0));
	}
	emit(g, FATHOM_MOV64_IMM(R0, 1));
	done = emit_ja(g);
	for (i = 0; i < n; i++)
		patch(g, js[i]);
	emit(g, FATHOM_MOV64_IMM(R0, 0));
	patch(g, done);
	free(js);
}

/* R0 = (R0 != 0) */
static void gen_bool(struct cg *g)
{
	uint32_t j = emit_jmp_imm(g, FATHOM_JEQ, R0, 0);

	emit(g, FATHOM_MOV64_IMM(R0, 1));
	patch(g, j);
}

/* R1 = R1 op R2, signed division and modulo done on magnitudes. */
static void gen_sdivmod(struct cg *g, bool mod)
{
	uint32_t j;

	emit(g, FATHOM_MOV64_IMM(R3, 0));
	j = emit_jmp_imm(g, FATHOM_JSGE, R1, 0);
	emit(g, FATHOM_ALU64_IMM(FATHOM_NEG, R1, 0));
	emit(g, FATHOM_ALU64_IMM(FATHOM_XOR, R3, 1));
	patch(g, j);
	j = emit_jmp_imm(g, FATHOM_JSGE, R2, 0);
	emit(g, FATHOM_ALU64_IMM(FATHOM_NEG, R2, 0));
	if (!mod)
		emit(g, FATHOM_ALU64_IMM(FATHOM_XOR, R3, 1));
	patch(g, j);
	emit(g, FATHOM_ALU64_REG(mod ? FATHOM_MOD : FATHOM_DIV, R1, R2));
	j = emit_jmp_imm(g, FATHOM_JEQ, R3, 0);
	emit(g, FATHOM_ALU64_IMM(FATHOM_NEG, R1, 0));
	patch(g, j);
}

/*
 * R1 = R1 op R2 for an arithmetic or bitwise operator, 64-bit, signed or
 * not (>>, / and %); false, emitting nothing, for any other operator.
 */
static bool gen_arith(struct cg *g, enum ast_op op, bool is_signed)
{
	static const struct {
		enum ast_op op;
		uint8_t code;
	} plain[] = {
		{ OP_ADD, FATHOM_ADD }, { OP_SUB, FATHOM_SUB },
		{ OP_MUL, FATHOM_MUL }, { OP_BAND, FATHOM_AND },
		{ OP_BOR, FATHOM_OR },	{ OP_BXOR, FATHOM_XOR },
		{ OP_SHL, FATHOM_LSH },
	};
	size_t i;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (plain[i].op == op) {
			emit(g, FATHOM_ALU64_REG(plain[i].code, R1, R2));
			return true;
		}
	switch (op) {
	case OP_SHR:
		emit(g, FATHOM_ALU64_REG(is_signed ? FATHOM_ARSH : FATHOM_RSH,
					 R1, R2));
		return true;
	case OP_DIV:
	case OP_MOD:
		if (is_signed)
			gen_sdivmod(g, op == OP_MOD);
		else
			emit(g, FATHOM_ALU64_REG(op == OP_DIV ? FATHOM_DIV
							      : FATHOM_MOD,
						 R1, R2));
		return true;
	default:
		return false;
	}
}

/* R1 = R1 op R2 for a compound assignment; values are signed 64-bit. */
static void gen_compound(struct cg *g, enum ast_op op, struct src_loc loc)
{
	if (!gen_arith(g, op, true))
		unsupported(g, loc, "this compound assignment");
}

static void gen_binop(struct cg *g, const struct ast_node *n)
{
	const struct ast_node *l = n->u.binop.lhs, *r = n->u.binop.rhs;
	enum ast_op op = n->u.binop.op;
	bool sgn;
	uint32_t save = g->sp;
	int32_t tmp;
	int jop = -1;

	if (op == OP_LAND || op == OP_LOR) {
		uint32_t j1, j2, end;

		gen_expr(g, l);
		j1 = emit_jmp_imm(g, op == OP_LAND ? FATHOM_JEQ : FATHOM_JNE,
				  R0, 0);
		gen_expr(g, r);
		j2 = emit_jmp_imm(g, op == OP_LAND ? FATHOM_JEQ : FATHOM_JNE,
				  R0, 0);
		emit(g, FATHOM_MOV64_IMM(R0, op == OP_LAND ? 1 : 0));
		end = emit_ja(g);
		patch(g, j1);
		patch(g, j2);
		emit(g, FATHOM_MOV64_IMM(R0, op == OP_LAND ? 0 : 1));
		patch(g, end);
		return;
	}
	if ((op == OP_EQ || op == OP_NE) && l->type.kind == TYPE_STRING) {
		uint32_t size = l->type.size > r->type.size ? l->type.size
							    : r->type.size;
		int32_t a = stack_alloc(g, size), b = stack_alloc(g, size);

		gen_str(g, l, a, size);
		gen_str(g, r, b, size);
		gen_str_eq(g, a, b, size);
		if (op == OP_NE)
			emit(g, FATHOM_ALU64_IMM(FATHOM_XOR, R0, 1));
		g->sp = save;
		return;
	}
	sgn = (l->type.kind == TYPE_INT && l->type.is_signed) ||
	      (r->type.kind == TYPE_INT && r->type.is_signed);
	gen_expr(g, l);
	tmp = stack_alloc(g, 8);
	emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, R0, tmp));
	gen_expr(g, r);
	emit(g, FATHOM_MOV64_REG(R2, R0));
	emit(g, FATHOM_LDX_MEM(FATHOM_DW, R1, FP, tmp));
	g->sp = save;
	if (gen_arith(g, op, n->type.is_signed)) {
		emit(g, FATHOM_MOV64_REG(R0, R1));
		return;
	}
	switch (op) {
	case OP_EQ:
		jop = FATHOM_JEQ;
		break;
	case OP_NE:
		jop = FATHOM_JNE;
		break;
	case OP_LT:
		jop = sgn ? FATHOM_JSLT : FATHOM_JLT;
		break;
	case OP_LE:
		jop = sgn ? FATHOM_JSLE : FATHOM_JLE;
		break;
	case OP_GT:
		jop = sgn ? FATHOM_JSGT : FATHOM_JGT;
		break;
	case OP_GE:
		jop = sgn ? FATHOM_JSGE : FATHOM_JGE;
		break;
	default:
		unsupported(g, n->loc, "this operator");
		break;
	}
	if (jop >= 0) {
		emit(g, FATHOM_MOV64_IMM(R0, 1));
		emit(g, FATHOM_JMP_REG(jop, R1, R2, 1));
		emit(g, FATHOM_MOV64_IMM(R0, 0));
		return;
	}
	emit(g, FATHOM_MOV64_REG(R0, R1));
}

static void gen_cast(struct cg *g, const struct ast_node *n)
{
	uint32_t bits = 64 - 8 * n->type.size;

	gen_expr(g, n->u.cast.operand);
	if (n->type.kind != TYPE_INT || !bits || n->type.size > 8)
		return;
	emit(g, FATHOM_ALU64_IMM(FATHOM_LSH, R0, (int32_t)bits));
	emit(g, FATHOM_ALU64_IMM(n->type.is_signed ? FATHOM_ARSH : FATHOM_RSH,
				 R0, (int32_t)bits));
}

/* ++/-- and compound assignment on a map element: R0 = new or old. */
static void gen_map_rmw(struct cg *g, const struct ast_node *m, enum ast_op op,
			const struct ast_node *rhs, int64_t delta, bool post)
{
	uint32_t save = g->sp;
	int32_t key, val, tmp;

	if (!map_is_hash(g, m, true))
		return;
	val = gen_lookup(g, m, &key);
	if (rhs) {
		gen_expr(g, rhs);
		emit(g, FATHOM_MOV64_REG(R2, R0));
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, R1, FP, val));
		gen_compound(g, op, rhs->loc);
		emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, R1, val));
		tmp = val;
	} else {
		tmp = stack_alloc(g, 8);
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, R1, FP, val));
		emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, R1, tmp));
		emit(g, FATHOM_ALU64_IMM(FATHOM_ADD, R1, (int32_t)delta));
		emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, R1, val));
		if (!post)
			tmp = val;
	}
	uint32_t id = map_id_of(g, m->u.map.sym);

	gen_update(g, id, key, val);
	emit(g, FATHOM_LDX_MEM(FATHOM_DW, R0, FP, tmp));
	g->sp = save;
}

static void gen_incdec(struct cg *g, const struct ast_node *n)
{
	const struct ast_node *t = n->u.incdec.target;
	int64_t delta = n->u.incdec.inc ? 1 : -1;

	if (t->kind == AST_VAR) {
		int32_t off = g->var_off[t->u.var.sym->id];

		emit(g, FATHOM_LDX_MEM(FATHOM_DW, R0, FP, off));
		emit(g, FATHOM_MOV64_REG(R1, R0));
		emit(g, FATHOM_ALU64_IMM(FATHOM_ADD, R1, (int32_t)delta));
		emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, R1, off));
		if (n->u.incdec.prefix)
			emit(g, FATHOM_MOV64_REG(R0, R1));
		return;
	}
	gen_map_rmw(g, t, OP_NONE, NULL, delta, !n->u.incdec.prefix);
}

static void gen_expr(struct cg *g, const struct ast_node *n)
{
	struct src_loc saved = g->loc;

	g->loc = n->loc;
	if (n->type.kind == TYPE_STRING) {
		/* only reached through a misuse; strings go through gen_str */
		unsupported(g, n->loc, "a string in this position");
		emit(g, FATHOM_MOV64_IMM(R0, 0));
		g->loc = saved;
		return;
	}
	switch (n->kind) {
	case AST_INT:
		emit_imm64(g, R0, n->u.int_val);
		break;
	case AST_BUILTIN:
		gen_builtin(g, n);
		break;
	case AST_VAR:
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, R0, FP,
				       g->var_off[n->u.var.sym->id]));
		break;
	case AST_MAP: {
		uint32_t save = g->sp;

		if (!map_is_hash(g, n, true)) {
			emit(g, FATHOM_MOV64_IMM(R0, 0));
			break;
		}
		int32_t val = gen_lookup(g, n, NULL);

		emit(g, FATHOM_LDX_MEM(FATHOM_DW, R0, FP, val));
		g->sp = save;
		break;
	}
	case AST_UNOP:
		gen_expr(g, n->u.unop.operand);
		g->loc = n->loc;
		if (n->u.unop.op == OP_NEG) {
			emit(g, FATHOM_ALU64_IMM(FATHOM_NEG, R0, 0));
		} else if (n->u.unop.op == OP_BNOT) {
			emit(g, FATHOM_ALU64_IMM(FATHOM_XOR, R0, -1));
		} else {
			gen_bool(g);
			emit(g, FATHOM_ALU64_IMM(FATHOM_XOR, R0, 1));
		}
		break;
	case AST_BINOP:
		gen_binop(g, n);
		break;
	case AST_TERNARY: {
		uint32_t j, end;

		gen_expr(g, n->u.ternary.cond);
		g->loc = n->loc;
		j = emit_jmp_imm(g, FATHOM_JEQ, R0, 0);
		gen_expr(g, n->u.ternary.then);
		end = emit_ja(g);
		patch(g, j);
		gen_expr(g, n->u.ternary.els);
		patch(g, end);
		break;
	}
	case AST_CAST:
		gen_cast(g, n);
		break;
	case AST_INCDEC:
		gen_incdec(g, n);
		break;
	case AST_FIELD: {
		const struct field_info *fi = &n->u.field.info;

		if (fi->kind != FIELD_INT && fi->kind != FIELD_PTR) {
			unsupported(g, n->loc, "this field");
			emit(g, FATHOM_MOV64_IMM(R0, 0));
			break;
		}
		gen_ctx_int(g, fi->offset, fi->size,
			    fi->kind == FIELD_INT && fi->is_signed);
		break;
	}
	case AST_CALL:
		if (n->u.call.id == FN_KSYM || n->u.call.id == FN_USYM) {
			gen_expr(g, n->u.call.args.items[0]);
			break;
		}
		if (n->u.call.id == FN_KSTACK || n->u.call.id == FN_USTACK) {
			gen_stack_id(g, &n->type);
			break;
		}
		{
			char what[64];

			snprintf(what, sizeof(what), "%s() here",
				 n->u.call.name);
			unsupported(g, n->loc, what);
		}
		emit(g, FATHOM_MOV64_IMM(R0, 0));
		break;
	default:
		unsupported(g, n->loc, "this expression");
		emit(g, FATHOM_MOV64_IMM(R0, 0));
		break;
	}
	g->loc = saved;
}

/* Store a literal's bytes, NUL-padded to ROUND8(size). */
static void gen_str_lit(struct cg *g, const struct ast_node *n, int32_t off,
			uint32_t size)
{
	uint32_t i, j, total = ROUND8(size);

	for (i = 0; i < total; i += 4) {
		uint32_t w = 0;

		for (j = 0; j < 4; j++) {
			uint32_t at = i + j;
			uint8_t b = at < n->u.str.len && at + 1 < size
					    ? (uint8_t)n->u.str.s[at]
					    : 0;

			w |= (uint32_t)b << (8 * j); /* little endian */
		}
		emit(g,
		     FATHOM_ST_MEM(FATHOM_W, FP, off + (int32_t)i, (int32_t)w));
	}
}

/* str(p): read a string at p from user or kernel memory. */
static void gen_str_read(struct cg *g, const struct ast_node *n, int32_t off,
			 uint32_t size)
{
	const struct ast_node *p = n->u.call.args.items[0];
	uint32_t len = n->type.size, jk, end;

	if (p->type.kind == TYPE_STRING) {
		gen_str(g, p, off, size);
		return;
	}
	gen_expr(g, p);
	g->loc = n->loc;
	zero_stack(g, off, size);
	emit(g, FATHOM_MOV64_REG(R3, R0));
	if (p->kind == AST_FIELD && p->u.field.info.kind == FIELD_PTR) {
		/* the format says whose memory: syscalls' come from user space */
		emit_stack_ptr(g, R1, off);
		emit(g, FATHOM_MOV64_IMM(R2, (int32_t)len));
		call(g, p->u.field.info.user
				? FATHOM_HELPER_PROBE_READ_USER_STR
				: FATHOM_HELPER_PROBE_READ_KERNEL_STR);
		return;
	}
	emit_imm64(g, R4, USER_ADDR_END);
	emit_stack_ptr(g, R1, off);
	emit(g, FATHOM_MOV64_IMM(R2, (int32_t)len));
	jk = emit(g, FATHOM_JMP_REG(FATHOM_JGE, R3, R4, 0));
	call(g, FATHOM_HELPER_PROBE_READ_USER_STR);
	end = emit_ja(g);
	patch(g, jk);
	call(g, FATHOM_HELPER_PROBE_READ_KERNEL_STR);
	patch(g, end);
}

/* Zero the bytes [@from, ROUND8(@size)) of the string at @off. */
static void nul_tail(struct cg *g, int32_t off, uint32_t from, uint32_t size)
{
	for (; from < ROUND8(size); from++)
		emit(g, FATHOM_ST_MEM(FATHOM_B, FP, off + (int32_t)from, 0));
}

/* char name[N] of the record: at most @size - 1 bytes and a NUL. */
static void gen_str_chars(struct cg *g, const struct ast_node *n, int32_t off,
			  uint32_t size)
{
	uint32_t len = n->u.field.info.size;

	if (len > size)
		len = size;
	zero_stack(g, off, size);
	gen_read_ctx(g, off, len, n->u.field.info.offset);
	nul_tail(g, off, len - 1, len);
}

/*
 * __data_loc char[] name: a u32 at the field's offset holds the string's
 * offset in the record (low 16 bits) and its length with the NUL (high 16
 * bits). READ_CTX copies a constant length and the string may end close
 * to the record's end, so the string is read in 8-byte chunks; the last,
 * partial chunk is read as the 8 bytes that end where the string ends,
 * shifted down to the bytes that belong to it (so nothing after the
 * string's NUL gets into the buffer).
 */
static void gen_str_data_loc(struct cg *g, const struct ast_node *n,
			     int32_t off, uint32_t size)
{
	uint32_t save = g->sp, i, nchunks, *done, ndone = 0, j, jpart, jnext;
	int32_t at = stack_alloc(g, 8), len = stack_alloc(g, 8);
	int32_t tmp = stack_alloc(g, 8);
	uint32_t slen = size < n->type.size ? size : n->type.size;

	nchunks = ROUND8(slen) / 8;
	done = calloc(3 * nchunks + 1, sizeof(*done));
	if (!done) {
		g->oom = true;
		return;
	}
	zero_stack(g, off, size);
	gen_ctx_int(g, n->u.field.info.offset, 4, false);
	emit(g, FATHOM_MOV64_REG(R1, R0));
	emit(g, FATHOM_ALU64_IMM(FATHOM_AND, R1, 0xffff));
	emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, R1, at));
	emit(g, FATHOM_ALU64_IMM(FATHOM_RSH, R0, 16));
	emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, R0, len));
	for (i = 0; i < nchunks; i++) {
		int32_t chunk = off + 8 * (int32_t)i;

		/* R2 = bytes of the string from this chunk on */
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, R2, FP, len));
		done[ndone++] = emit(g, FATHOM_JMP_IMM(FATHOM_JLE, R2,
						       (int32_t)(8 * i), 0));
		emit(g, FATHOM_ALU64_IMM(FATHOM_SUB, R2, (int32_t)(8 * i)));
		jpart = emit_jmp_imm(g, FATHOM_JLT, R2, 8);
		emit_stack_ptr(g, R1, chunk);
		emit(g, FATHOM_MOV64_IMM(R2, 8));
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, R3, FP, at));
		emit(g, FATHOM_ALU64_IMM(FATHOM_ADD, R3, (int32_t)(8 * i)));
		call(g, FATHOM_HELPER_READ_CTX);
		/* a whole chunk: on to the next one, unless it failed */
		jnext = emit_jmp_imm(g, FATHOM_JEQ, R0, 0);
		done[ndone++] = emit_ja(g);
		patch(g, jpart);
		/* the last 1..7 bytes: the 8 ending at the string's end */
		emit_stack_ptr(g, R1, tmp);
		emit(g, FATHOM_MOV64_IMM(R2, 8));
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, R3, FP, at));
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, R4, FP, len));
		emit(g, FATHOM_ALU64_REG(FATHOM_ADD, R3, R4));
		emit(g, FATHOM_ALU64_IMM(FATHOM_SUB, R3, 8));
		call(g, FATHOM_HELPER_READ_CTX);
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, R2, FP, len));
		emit(g, FATHOM_ALU64_IMM(FATHOM_SUB, R2, (int32_t)(8 * i)));
		emit(g, FATHOM_MOV64_IMM(R3, 8));
		emit(g, FATHOM_ALU64_REG(FATHOM_SUB, R3, R2));
		emit(g, FATHOM_ALU64_IMM(FATHOM_LSH, R3, 3));
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, R1, FP, tmp));
		emit(g, FATHOM_ALU64_REG(FATHOM_RSH, R1, R3));
		emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, R1, chunk));
		done[ndone++] = emit_ja(g);
		patch(g, jnext);
	}
	for (j = 0; j < ndone; j++)
		patch(g, done[j]);
	free(done);
	nul_tail(g, off, slen - 1, slen);
	g->sp = save;
}

/* Write the string value @n to the stack at @off, NUL-padded to @size. */
static void gen_str(struct cg *g, const struct ast_node *n, int32_t off,
		    uint32_t size)
{
	struct src_loc saved = g->loc;
	uint32_t own = n->type.size;

	g->loc = n->loc;
	if (own > size)
		own = size;
	switch (n->kind) {
	case AST_STR:
		gen_str_lit(g, n, off, size);
		break;
	case AST_BUILTIN:
		if (n->u.builtin.id != BI_COMM) {
			unsupported(g, n->loc, "this string builtin");
			zero_stack(g, off, size);
			break;
		}
		if (ROUND8(size) > AST_COMM_SIZE)
			zero_stack(g, off + AST_COMM_SIZE,
				   ROUND8(size) - AST_COMM_SIZE);
		emit_stack_ptr(g, R1, off);
		emit(g, FATHOM_MOV64_IMM(R2, AST_COMM_SIZE));
		call(g, FATHOM_HELPER_GET_COMM);
		break;
	case AST_VAR: {
		int32_t src = g->var_off[n->u.var.sym->id];
		uint32_t vs = n->u.var.sym->type.size;

		copy_stack(g, off, src, vs < size ? vs : size);
		if (ROUND8(size) > ROUND8(vs))
			zero_stack(g, off + (int32_t)ROUND8(vs),
				   ROUND8(size) - ROUND8(vs));
		break;
	}
	case AST_MAP: {
		uint32_t save = g->sp;
		int32_t val;
		uint32_t vs;

		if (!map_is_hash(g, n, true))
			break;
		vs = g->c->maps[map_id_of(g, n->u.map.sym) - 1].value_size;
		val = gen_lookup(g, n, NULL);
		copy_stack(g, off, val, vs < ROUND8(size) ? vs : ROUND8(size));
		if (ROUND8(size) > vs)
			zero_stack(g, off + (int32_t)vs, ROUND8(size) - vs);
		g->sp = save;
		break;
	}
	case AST_TERNARY: {
		uint32_t j, end;

		gen_expr(g, n->u.ternary.cond);
		g->loc = n->loc;
		j = emit_jmp_imm(g, FATHOM_JEQ, R0, 0);
		gen_str(g, n->u.ternary.then, off, size);
		end = emit_ja(g);
		patch(g, j);
		gen_str(g, n->u.ternary.els, off, size);
		patch(g, end);
		break;
	}
	case AST_FIELD:
		if (n->u.field.info.kind == FIELD_CHARS)
			gen_str_chars(g, n, off, size);
		else if (n->u.field.info.kind == FIELD_DATA_LOC)
			gen_str_data_loc(g, n, off, size);
		else
			unsupported(g, n->loc, "this field as a string");
		break;
	case AST_CALL:
		if (n->u.call.id == FN_STR) {
			gen_str_read(g, n, off, size);
			break;
		}
		/* fall through */
	default:
		unsupported(g, n->loc, "this string expression");
		zero_stack(g, off, size);
		break;
	}
	g->loc = saved;
}

/* ---- statements ------------------------------------------------------ */

static uint32_t add_fmt(struct cg *g, const struct ast_node *str,
			const struct ast_list *args, uint32_t first,
			bool is_time)
{
	struct fathom_compiled *c = g->c;
	struct fathom_fmt f = { 0 };
	uint32_t i, off = 8;
	void *a;

	f.fmt = strndup(str->u.str.s, str->u.str.len);
	f.is_time = is_time;
	f.nargs = args ? args->n - first : 0;
	f.args = calloc(f.nargs + 1, sizeof(*f.args));
	f.arg_off = calloc(f.nargs + 1, sizeof(*f.arg_off));
	if (!f.fmt || !f.args || !f.arg_off)
		g->oom = true;
	for (i = 0; i < f.nargs && !g->oom; i++) {
		f.args[i] = args->items[first + i]->type;
		f.arg_off[i] = off;
		off += value_bytes(&f.args[i]);
	}
	f.size = off;
	a = realloc(c->fmts, (c->nr_fmts + 1) * sizeof(*c->fmts));
	if (!a) {
		free(f.fmt);
		free(f.args);
		free(f.arg_off);
		g->oom = true;
		return 0;
	}
	c->fmts = a;
	c->fmts[c->nr_fmts] = f;
	return c->nr_fmts++;
}

static void gen_emit(struct cg *g, int32_t off, uint32_t size)
{
	emit_stack_ptr(g, R1, off);
	emit(g, FATHOM_MOV64_IMM(R2, (int32_t)size));
	call(g, FATHOM_HELPER_EMIT);
}

static void gen_action(struct cg *g, uint32_t action, uint32_t arg,
		       const struct ast_node *argexpr)
{
	uint32_t save = g->sp;
	int32_t rec;

	if (argexpr)
		gen_expr(g, argexpr);
	rec = stack_alloc(g, 8);
	emit(g, FATHOM_ST_MEM(FATHOM_W, FP, rec, (int32_t)action));
	if (argexpr)
		emit(g, FATHOM_STX_MEM(FATHOM_W, FP, R0, rec + 4));
	else
		emit(g, FATHOM_ST_MEM(FATHOM_W, FP, rec + 4, (int32_t)arg));
	gen_emit(g, rec, 8);
	g->sp = save;
}

static void gen_printf_args(struct cg *g, struct src_loc loc,
			    const struct ast_list *args);

static void gen_printf(struct cg *g, const struct ast_node *n)
{
	gen_printf_args(g, n->loc, &n->u.call.args);
}

/* print(value): as printf("%d\n", value), with the value's conversion. */
static void gen_print_value(struct cg *g, const struct ast_node *n)
{
	struct ast_node fmt = { .kind = AST_STR, .loc = n->loc };
	struct ast_node *items[2] = { &fmt, n->u.call.args.items[0] };
	struct ast_list l = { .items = items, .n = 2, .cap = 2 };
	const struct type *t = &items[1]->type;

	if (t->kind == TYPE_INT)
		fmt.u.str.s = (char *)(t->is_signed ? "%d\n" : "%u\n");
	else
		fmt.u.str.s = (char *)"%s\n";
	fmt.u.str.len = 3;
	gen_printf_args(g, n->loc, &l);
}

static void gen_printf_args(struct cg *g, struct src_loc loc,
			    const struct ast_list *args)
{
	uint32_t id = add_fmt(g, args->items[0], args, 1, false);
	const struct fathom_fmt *f;
	uint32_t save = g->sp, i;
	int32_t rec;

	if (g->oom)
		return;
	f = &g->c->fmts[id];
	if (f->size > FATHOM_STACK_SIZE) {
		cg_error(
			g, loc,
			"this printf() record is %u bytes, more than the %d bytes of stack",
			f->size, FATHOM_STACK_SIZE);
		return;
	}
	rec = stack_alloc(g, f->size);
	emit(g, FATHOM_ST_MEM(FATHOM_W, FP, rec, (int32_t)id));
	emit(g, FATHOM_ST_MEM(FATHOM_W, FP, rec + 4, 0));
	for (i = 0; i < f->nargs; i++) {
		const struct ast_node *a = args->items[1 + i];
		int32_t at = rec + (int32_t)f->arg_off[i];

		if (a->type.kind == TYPE_STRING) {
			gen_str(g, a, at, a->type.size);
		} else {
			gen_expr(g, a);
			emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, R0, at));
		}
	}
	g->loc = loc;
	gen_emit(g, rec, f->size);
	g->sp = save;
}

static uint32_t map_ref_id(struct cg *g, const struct ast_node *m)
{
	if (m->kind != AST_MAP || !m->u.map.sym) {
		unsupported(g, m->loc, "this argument");
		return 0;
	}
	return map_id_of(g, m->u.map.sym);
}

/* Jump to the exit; what follows in the block is left out. */
static void gen_return(struct cg *g)
{
	void *a;

	if (g->nret == g->ret_cap) {
		a = realloc(g->ret_jumps,
			    (g->ret_cap * 2 + 8) * sizeof(uint32_t));
		if (!a) {
			g->oom = true;
			return;
		}
		g->ret_jumps = a;
		g->ret_cap = g->ret_cap * 2 + 8;
	}
	g->ret_jumps[g->nret++] = emit_ja(g);
	g->returned = true;
}

static void gen_call_stmt(struct cg *g, const struct ast_node *n)
{
	const struct ast_list *args = &n->u.call.args;
	uint32_t id;

	switch (n->u.call.id) {
	case FN_PRINTF:
		gen_printf(g, n);
		return;
	case FN_PRINT:
	case FN_CLEAR:
	case FN_ZERO:
		if (n->u.call.id == FN_PRINT &&
		    (args->items[0]->kind != AST_MAP ||
		     args->items[0]->u.map.keys.n)) {
			gen_print_value(g, n);
			return;
		}
		id = map_ref_id(g, args->items[0]);
		if (!id)
			return;
		gen_action(g,
			   n->u.call.id == FN_PRINT   ? FATHOM_ACTION_PRINT
			   : n->u.call.id == FN_CLEAR ? FATHOM_ACTION_CLEAR
						      : FATHOM_ACTION_ZERO,
			   id, NULL);
		return;
	case FN_EXIT:
		gen_action(g, FATHOM_ACTION_EXIT, 0,
			   args->n ? args->items[0] : NULL);
		/* as in bpftrace, exit() also ends this probe's run */
		gen_return(g);
		return;
	case FN_TIME: {
		struct ast_node deflt = { .kind = AST_STR };

		deflt.u.str.s = (char *)"%H:%M:%S\n";
		deflt.u.str.len = 9;
		id = add_fmt(g, args->n ? args->items[0] : &deflt, NULL, 0,
			     true);
		gen_action(g, FATHOM_ACTION_TIME, id, NULL);
		return;
	}
	case FN_DELETE: {
		const struct ast_node *m = args->items[0];
		uint32_t save = g->sp;
		int32_t key;

		id = map_ref_id(g, m);
		if (!id)
			return;
		if (!map_is_hash(g, m, false)) {
			unsupported(g, n->loc,
				    "delete() of an aggregation map element");
			return;
		}
		key = gen_key(g, m);
		emit(g, FATHOM_MOV64_IMM(R1, (int32_t)id));
		emit_stack_ptr(g, R2, key);
		call(g, FATHOM_HELPER_MAP_DELETE);
		g->sp = save;
		return;
	}
	default:
		gen_expr(g, n);
		return;
	}
}

static void gen_map_assign(struct cg *g, const struct ast_node *st)
{
	const struct ast_node *m = st->u.assign.target, *v = st->u.assign.value;
	const struct map_sym *sym = m->u.map.sym;
	uint32_t id = map_id_of(g, sym), save = g->sp;
	const struct fathom_map_spec *spec = &g->c->maps[id - 1];
	int32_t key, val;

	if (st->u.assign.op != OP_NONE) {
		gen_map_rmw(g, m, st->u.assign.op, v, 0, false);
		return;
	}
	if (sym->value.kind == TYPE_AGG) {
		key = gen_key(g, m);
		g->loc = v->loc;
		if (v->u.call.id == FN_COUNT)
			emit(g, FATHOM_MOV64_IMM(R0, 1));
		else
			gen_expr(g, v->u.call.args.items[0]);
		g->loc = st->loc;
		emit(g, FATHOM_MOV64_REG(R3, R0));
		emit(g, FATHOM_MOV64_IMM(R1, (int32_t)id));
		emit_stack_ptr(g, R2, key);
		call(g, FATHOM_HELPER_MAP_AGGREGATE);
		g->sp = save;
		return;
	}
	key = gen_key(g, m);
	val = stack_alloc(g, spec->value_size);
	if (v->type.kind == TYPE_STRING) {
		gen_str(g, v, val, spec->value_size);
	} else {
		gen_expr(g, v);
		emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, R0, val));
	}
	g->loc = st->loc;
	gen_update(g, id, key, val);
	g->sp = save;
}

static void gen_var_assign(struct cg *g, const struct ast_node *st)
{
	const struct ast_node *t = st->u.assign.target, *v = st->u.assign.value;
	const struct var_sym *sym = t->u.var.sym;
	int32_t off = g->var_off[sym->id];

	if (sym->type.kind == TYPE_STRING) {
		uint32_t save = g->sp;
		int32_t tmp = stack_alloc(g, sym->type.size);

		/* via a temporary: $s = $s == "a" ? "b" : $s stays right */
		gen_str(g, v, tmp, sym->type.size);
		copy_stack(g, off, tmp, sym->type.size);
		g->sp = save;
		return;
	}
	gen_expr(g, v);
	if (st->u.assign.op != OP_NONE) {
		emit(g, FATHOM_MOV64_REG(R2, R0));
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, R1, FP, off));
		gen_compound(g, st->u.assign.op, st->loc);
		emit(g, FATHOM_MOV64_REG(R0, R1));
	}
	emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, R0, off));
}

static void gen_stmts(struct cg *g, const struct ast_list *l);

static void gen_stmt(struct cg *g, const struct ast_node *st)
{
	g->loc = st->loc;
	switch (st->kind) {
	case AST_EXPR_STMT: {
		const struct ast_node *e = st->u.expr_stmt.expr;

		if (e->kind == AST_CALL)
			gen_call_stmt(g, e);
		else if (e->type.kind == TYPE_STRING)
			; /* a string with no effect */
		else
			gen_expr(g, e);
		break;
	}
	case AST_ASSIGN:
		if (st->u.assign.target->kind == AST_MAP)
			gen_map_assign(g, st);
		else
			gen_var_assign(g, st);
		break;
	case AST_IF: {
		uint32_t j, end;
		bool r1, r2;

		gen_expr(g, st->u.if_.cond);
		g->loc = st->loc;
		j = emit_jmp_imm(g, FATHOM_JEQ, R0, 0);
		gen_stmts(g, &st->u.if_.then);
		r1 = g->returned;
		g->returned = false;
		if (st->u.if_.has_else && st->u.if_.els.n) {
			/* after a return, a jump over the else is unreachable */
			end = r1 ? 0 : emit_ja(g);
			patch(g, j);
			gen_stmts(g, &st->u.if_.els);
			r2 = g->returned;
			if (!r1)
				patch(g, end);
			g->returned = r1 && r2;
		} else {
			patch(g, j);
			g->returned = false;
		}
		break;
	}
	case AST_UNROLL: {
		uint32_t i;

		for (i = 0; i < st->u.unroll.n && !g->returned; i++)
			gen_stmts(g, &st->u.unroll.body);
		break;
	}
	case AST_RETURN:
		gen_return(g);
		break;
	default:
		unsupported(g, st->loc, "this statement");
		break;
	}
}

static void gen_stmts(struct cg *g, const struct ast_list *l)
{
	uint32_t i;

	for (i = 0; i < l->n; i++) {
		/* Code after a return is unreachable: the verifier refuses
		 * unreachable instructions, so leave it out. */
		if (g->returned)
			break;
		gen_stmt(g, l->items[i]);
	}
}

/* ---- probes and programs --------------------------------------------- */

/* Nanoseconds between two hits of an interval or profile probe. */
static uint64_t probe_period_ns(const struct probe_spec *sp)
{
	switch (sp->unit) {
	case PROBE_UNIT_S:
		return sp->value * 1000000000ull;
	case PROBE_UNIT_MS:
		return sp->value * 1000000ull;
	case PROBE_UNIT_US:
		return sp->value * 1000ull;
	case PROBE_UNIT_HZ:
		return 1000000000ull / sp->value;
	default:
		return 0;
	}
}

/*
 * One fathom_probe_spec per probe spec as written: wildcards stay
 * patterns and uprobe symbols stay names (symbol, offset = "+off"). The
 * tool resolves them into concrete targets before the session is created
 * (user/tool/resolve.c); probe i of c->probes is spec i in source order.
 */
static int add_probe(struct cg *g, const struct probe_spec *sp, uint32_t prog)
{
	struct fathom_compiled *c = g->c;
	struct fathom_probe_spec p = { 0 };
	char *sym = NULL, *sys = NULL, *tpn = NULL, *path = NULL, *name;
	bool oom = false;
	void *a, *b;

	switch (sp->type) {
	case PROBE_BEGIN:
		p.kind = FATHOM_PROBE_BEGIN;
		break;
	case PROBE_END:
		p.kind = FATHOM_PROBE_END;
		break;
	case PROBE_KPROBE:
	case PROBE_KRETPROBE:
		p.kind = sp->type == PROBE_KPROBE ? FATHOM_PROBE_KPROBE
						  : FATHOM_PROBE_KRETPROBE;
		if (sp->target) {
			/* kprobes resolve "module:symbol" themselves */
			size_t n = strlen(sp->target) + strlen(sp->name) + 2;

			sym = malloc(n);
			if (sym)
				snprintf(sym, n, "%s:%s", sp->target, sp->name);
		} else {
			sym = strdup(sp->name);
		}
		oom = !sym;
		break;
	case PROBE_TRACEPOINT:
		p.kind = FATHOM_PROBE_TRACEPOINT;
		sys = strdup(sp->target);
		tpn = strdup(sp->name);
		oom = !sys || !tpn;
		break;
	case PROBE_RAWTRACEPOINT:
		if (sp->target) {
			cg_error(
				g, sp->loc,
				"'%s': raw tracepoints of modules are not supported yet",
				sp->raw);
			return -EINVAL;
		}
		p.kind = FATHOM_PROBE_RAW_TRACEPOINT;
		tpn = strdup(sp->name);
		oom = !tpn;
		break;
	case PROBE_UPROBE:
	case PROBE_URETPROBE:
		p.kind = sp->type == PROBE_UPROBE ? FATHOM_PROBE_UPROBE
						  : FATHOM_PROBE_URETPROBE;
		path = strdup(sp->target);
		sym = strdup(sp->name);
		oom = !path || !sym;
		break;
	case PROBE_INTERVAL:
	case PROBE_PROFILE:
		p.kind = sp->type == PROBE_INTERVAL ? FATHOM_PROBE_INTERVAL
						    : FATHOM_PROBE_PROFILE;
		p.period_ns = probe_period_ns(sp);
		if (p.period_ns < FATHOM_PERIOD_MIN_NS) {
			cg_error(
				g, sp->loc,
				"the period of '%s' is below the %llu us minimum",
				sp->raw, FATHOM_PERIOD_MIN_NS / 1000);
			return -EINVAL;
		}
		break;
	default: {
		char what[96];

		snprintf(what, sizeof(what), "the probe type '%s'",
			 probe_type_name(sp->type));
		unsupported(g, sp->loc, what);
		return -EINVAL;
	}
	}
	name = strdup(sp->raw);
	a = realloc(c->probes, (c->nr_probes + 1) * sizeof(*c->probes));
	if (a)
		c->probes = a;
	b = realloc(c->probe_names, (c->nr_probes + 1) * sizeof(char *));
	if (b)
		c->probe_names = b;
	if (oom || !name || !a || !b) {
		free(sym);
		free(sys);
		free(tpn);
		free(path);
		free(name);
		g->oom = true;
		return -ENOMEM;
	}
	p.symbol = sym;
	p.tp_system = sys;
	p.tp_name = tpn;
	p.upath = path;
	p.offset = sp->has_offset ? sp->offset : 0;
	p.prog = prog;
	p.id = c->nr_probes;
	c->probes[c->nr_probes] = p;
	c->probe_names[c->nr_probes] = name;
	c->nr_probes++;
	c->nr_probe_names = c->nr_probes;
	return 0;
}

static void verify_prog(struct cg *g, struct fathom_cprog *p)
{
	char log[256];
	int insn = -1, err;

	err = fathom_verify_local(p->insns, p->len, g->c->maps, g->c->nr_maps,
				  log, sizeof(log), &insn);
	if (!err)
		return;
	if (insn >= 0 && (uint32_t)insn < p->len)
		cg_error(
			g, p->locs[insn],
			"internal compiler error: the verifier rejects the generated code: %s",
			log);
	else
		cg_error(
			g, (struct src_loc){ 0 },
			"internal compiler error: the verifier rejects the program of '%s': %s",
			p->name, log);
}

static void gen_probe(struct cg *g, const struct ast_probe *pr)
{
	struct fathom_compiled *c = g->c;
	struct fathom_cprog *p;
	uint32_t i, prog = c->nr_progs, pred_jump = 0;
	bool has_pred = pr->pred != NULL;
	void *a;

	for (i = 0; i < pr->nspecs; i++)
		if (add_probe(g, &pr->specs[i], prog))
			return;
	a = realloc(c->progs, (c->nr_progs + 1) * sizeof(*c->progs));
	if (!a) {
		g->oom = true;
		return;
	}
	c->progs = a;
	p = &c->progs[c->nr_progs++];
	memset(p, 0, sizeof(*p));
	p->name = strdup(pr->nspecs ? pr->specs[0].raw : "?");

	g->insns = NULL;
	g->locs = NULL;
	g->len = g->cap = 0;
	g->sp = 0;
	g->stack_err = false;
	g->nret = 0;
	g->returned = false;
	g->loc = pr->loc;
	g->probe = pr;
	g->var_off = calloc(pr->nvars + 1, sizeof(*g->var_off));
	if (!g->var_off) {
		g->oom = true;
		return;
	}
	for (i = 0; i < pr->nvars; i++) {
		const struct type *t = &pr->vars[i]->type;

		g->var_off[i] =
			stack_alloc(g, t->kind == TYPE_STRING ? t->size : 8);
	}
	if (has_pred) {
		g->loc = pr->pred->loc;
		gen_expr(g, pr->pred);
		pred_jump = emit_jmp_imm(g, FATHOM_JEQ, R0, 0);
	}
	g->loc = pr->loc;
	/* Scratch variables start at zero (and count as written on every
	 * path for the verifier). */
	for (i = 0; i < pr->nvars; i++) {
		const struct type *t = &pr->vars[i]->type;

		zero_stack(g, g->var_off[i],
			   t->kind == TYPE_STRING ? t->size : 8);
	}
	gen_stmts(g, &pr->body);
	g->loc = pr->loc;
	for (i = 0; i < g->nret; i++)
		patch(g, g->ret_jumps[i]);
	if (has_pred)
		patch(g, pred_jump);
	emit(g, FATHOM_MOV64_IMM(R0, 0));
	emit(g, FATHOM_EXIT_INSN());
	free(g->var_off);
	g->var_off = NULL;
	p->insns = g->insns;
	p->locs = g->locs;
	p->len = g->len;
	if (g->len > FATHOM_MAX_INSNS)
		cg_error(
			g, pr->loc,
			"this probe needs %u instructions, more than the %d a program may have",
			g->len, FATHOM_MAX_INSNS);
}

const char *fathom_func_name(const char *probe_name)
{
	const char *p = probe_name, *colon;

	if (!p)
		return NULL;
	/* "kprobe:[module:]func[+off]", "uprobe:/path:sym" */
	colon = strrchr(p, ':');
	return colon ? colon + 1 : p;
}

void fathom_compiled_free(struct fathom_compiled *c)
{
	uint32_t i;

	if (!c)
		return;
	for (i = 0; i < c->nr_progs; i++) {
		free(c->progs[i].insns);
		free(c->progs[i].locs);
		free(c->progs[i].name);
	}
	free(c->progs);
	free(c->prog_specs);
	for (i = 0; i < c->nr_maps; i++)
		free(c->map_info[i].name);
	free(c->maps);
	free(c->map_info);
	for (i = 0; i < c->nr_probes; i++) {
		free((char *)c->probes[i].symbol);
		free((char *)c->probes[i].tp_system);
		free((char *)c->probes[i].tp_name);
		free((char *)c->probes[i].upath);
	}
	free(c->probes);
	for (i = 0; i < c->nr_probe_names; i++)
		free(c->probe_names[i]);
	free(c->probe_names);
	for (i = 0; i < c->nr_fmts; i++) {
		free(c->fmts[i].fmt);
		free(c->fmts[i].args);
		free(c->fmts[i].arg_off);
	}
	free(c->fmts);
	free(c);
}

struct fathom_compiled *fathom_codegen(const struct fathom_script *s,
				       struct diag_sink *d)
{
	struct cg g = { 0 };
	uint32_t i;

	if (!s || !s->checked_ok || diag_failed(d)) {
		diag_error(
			d, (struct src_loc){ 0 },
			"internal compiler error: code generation needs a checked script");
		return NULL;
	}
	g.c = calloc(1, sizeof(*g.c));
	if (!g.c)
		return NULL;
	g.d = d;
	g.s = s;
	add_script_maps(&g);
	for (i = 0; i < s->prog.nprobes && !g.oom; i++)
		gen_probe(&g, s->prog.probes[i]);
	if (!g.failed && !g.oom) {
		for (i = 0; i < g.c->nr_progs; i++)
			verify_prog(&g, &g.c->progs[i]);
	}
	if (!g.failed && !g.oom) {
		g.c->prog_specs =
			calloc(g.c->nr_progs + 1, sizeof(*g.c->prog_specs));
		if (!g.c->prog_specs)
			g.oom = true;
		for (i = 0; g.c->prog_specs && i < g.c->nr_progs; i++) {
			g.c->prog_specs[i].insns = g.c->progs[i].insns;
			g.c->prog_specs[i].len = g.c->progs[i].len;
			g.c->prog_specs[i].name = g.c->progs[i].name;
		}
	}
	free(g.ret_jumps);
	free(g.var_off);
	free(g.map_ids);
	if (g.oom && !g.failed)
		diag_error(d, (struct src_loc){ 0 }, "out of memory");
	if (g.failed || g.oom) {
		fathom_compiled_free(g.c);
		return NULL;
	}
	return g.c;
}
