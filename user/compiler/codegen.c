// SPDX-License-Identifier: GPL-2.0-only
/*
 * Code generation: AST (after the semantic and folding passes) to fathom
 * bytecode. See codegen.h for the frame, record and key layouts.
 *
 * What counts is the number of instructions a hit EXECUTES (each one is a
 * dispatch in the interpreter), so:
 *
 *  - Conditions (predicates, if, ternary, &&, ||, !) compile to compare-
 *    and-branch (gen_cond()): a comparison is one conditional jump, with
 *    the immediate form against a constant; && and || jump straight to
 *    their target. A 0/1 value is built only when one is stored.
 *  - Integer expressions are operands (struct opnd): constants stay
 *    immediates until used (ALU and jump immediates, ST of an immediate,
 *    helper arguments set with one MOV), other values live in registers
 *    from a small allocator. A left operand is kept in R6-R9, which
 *    helper calls preserve, while a right operand that calls a helper is
 *    computed; only when those are taken does it go to the stack.
 *  - The key of a map without keys is 8 zero bytes written once per
 *    program; a key of stable components used more than once (@start[tid]
 *    in a predicate and the body) is built once (plan_keys()).
 *  - The predicate runs first, and it, return and exit() all jump to the
 *    program's one "r0 = 0; exit".
 *
 * String values are never in registers: gen_str() writes one into a stack
 * buffer.
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
#define R6 6
#define R9 9
#define FP FATHOM_REG_FP

#define ROUND8(x) (((x) + 7u) & ~7u)
#define USER_ADDR_END 0x0000800000000000ull

/* Forward jumps waiting for their target: patched together. */
struct jlist {
	uint32_t *v;
	uint32_t n, cap;
};

/* A map key built once per program (plan_keys()). */
#define KEY_CACHE_MAX 8
#define KEY_CACHE_BYTES 128
struct key_cache {
	const struct ast_node *m; /* the first access with this key */
	int32_t off;		  /* its slot */
	uint32_t uses;
	bool built; /* on every path to what is generated now */
};

struct cg {
	struct fathom_compiled *c;
	struct diag_sink *d;
	const struct fathom_script *s;
	uint32_t max_entries; /* of a keyed map */
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
	int32_t zkey;	    /* 8 zero bytes, the key of @x; 0: none */
	uint32_t busy;	    /* registers holding values (bit per reg) */
	struct jlist exits; /* jumps to the program's one exit */
	struct key_cache kc[KEY_CACHE_MAX]; /* see plan_keys() */
	uint32_t nkc;
	uint32_t cond_depth; /* > 0: code that runs only on some paths */
	bool returned;	     /* the current block ended with return */
	uint32_t *map_ids;   /* map id of each ast_program.maps entry */
	const struct ast_probe *probe; /* being generated */
	const struct usdt_site *usdt;  /* argN's operands, or NULL */
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

static void need_scratch(struct cg *g);

static void copy_stack(struct cg *g, int32_t dst, int32_t src, uint32_t size)
{
	uint32_t i;

	need_scratch(g);
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
	if (t->kind == TYPE_USYM && t->size > 8)
		return 16; /* { u64 addr; u64 tgid } */
	return 8;
}

/* A value of more than 8 bytes that is not a string: usym()'s. */
static bool is_wide(const struct type *t)
{
	return t->kind == TYPE_USYM && t->size > 8;
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
	spec.max_entries = g->max_entries;
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
		/* a keyless map (@ = count()) has its one entry */
		spec.max_entries = m->nkeys ? g->max_entries : 1;
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

/* ---- registers and operands ------------------------------------------ */

/*
 * An integer value is an operand: a constant (no code yet), a register the
 * holder owns, or (rarely) a stack slot it was spilled to. Registers are
 * allocated from g->busy: R0-R5 for values that live across no helper
 * call, R6-R9 (which calls preserve) for the left operand of a binary
 * operator whose right operand calls a helper. Only when those four are
 * taken does a value go to the stack.
 *
 * clobbers(n) tells whether generating @n may call a helper or use fixed
 * registers; while it is generated no value may be held in R0-R5 (call()
 * reports an internal error otherwise). Everything else is generated with
 * allocated registers only, and every expression starts with at least
 * MIN_FREE free registers (hold() spills to keep it so).
 */
enum opnd_kind { O_IMM, O_REG, O_STK };

struct opnd {
	enum opnd_kind kind;
	int reg;      /* O_REG */
	int32_t off;  /* O_STK */
	uint64_t imm; /* O_IMM */
};

#define MIN_FREE 3

static bool fits_imm(uint64_t v)
{
	return (int64_t)v >= INT32_MIN && (int64_t)v <= INT32_MAX;
}

static bool o_fits(const struct opnd *o)
{
	return o->kind == O_IMM && fits_imm(o->imm);
}

static struct opnd o_imm(uint64_t v)
{
	return (struct opnd){ .kind = O_IMM, .imm = v };
}

static struct opnd o_reg(int r)
{
	return (struct opnd){ .kind = O_REG, .reg = r };
}

static int nfree(struct cg *g)
{
	return FATHOM_REG_FP - __builtin_popcount(g->busy);
}

static void internal(struct cg *g, const char *what)
{
	if (!g->failed)
		cg_error(g, g->loc, "internal compiler error: %s", what);
	g->failed = true;
}

/* A free register: R0-R5 first unless @keep (survives calls: R6-R9). */
static int reg_alloc(struct cg *g, bool keep)
{
	int r;

	for (r = keep ? R6 : R0; r <= R9; r++)
		if (!(g->busy & (1u << r))) {
			g->busy |= 1u << r;
			return r;
		}
	if (!keep)
		internal(g, "out of registers");
	return keep ? -1 : R0;
}

static void reg_free(struct cg *g, int r)
{
	g->busy &= ~(1u << r);
}

/* The call's result: R0, now held. */
static struct opnd o_r0(struct cg *g)
{
	g->busy |= 1u << R0;
	return o_reg(R0);
}

static void opnd_free(struct cg *g, struct opnd *o)
{
	if (o->kind == O_REG)
		reg_free(g, o->reg);
	o->kind = O_IMM;
	o->imm = 0;
}

/* Make @o a register it owns; returns the register. */
static int to_reg(struct cg *g, struct opnd *o)
{
	int r;

	if (o->kind == O_REG)
		return o->reg;
	r = reg_alloc(g, false);
	if (o->kind == O_IMM)
		emit_imm64(g, r, o->imm);
	else
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, r, FP, o->off));
	*o = o_reg(r);
	return r;
}

/* Copy @o to the fixed register @dst (not held afterwards); frees @o. */
static void put_reg(struct cg *g, int dst, struct opnd *o)
{
	if (o->kind == O_IMM)
		emit_imm64(g, dst, o->imm);
	else if (o->kind == O_STK)
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, dst, FP, o->off));
	else if (o->reg != dst)
		emit(g, FATHOM_MOV64_REG(dst, o->reg));
	opnd_free(g, o);
}

/* Store @o as 8 bytes at R10 + @off; frees @o. */
static void store_opnd(struct cg *g, int32_t off, struct opnd *o)
{
	if (o_fits(o)) {
		emit(g, FATHOM_ST_MEM(FATHOM_DW, FP, off, (int32_t)o->imm));
		return;
	}
	emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, to_reg(g, o), off));
	opnd_free(g, o);
}

static void spill(struct cg *g, struct opnd *o)
{
	int32_t off;

	if (o->kind != O_REG)
		return;
	off = stack_alloc(g, 8);
	emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, o->reg, off));
	reg_free(g, o->reg);
	o->kind = O_STK;
	o->off = off;
}

static bool clobbers(const struct ast_node *n);

/* @o is held while @next is generated: keep it out of harm's way. */
static void hold(struct cg *g, struct opnd *o, const struct ast_node *next)
{
	int r;

	if (o->kind != O_REG)
		return;
	if (clobbers(next)) {
		if (o->reg >= R6)
			return;
		r = reg_alloc(g, true);
		if (r < 0) {
			spill(g, o);
			return;
		}
		emit(g, FATHOM_MOV64_REG(r, o->reg));
		reg_free(g, o->reg);
		o->reg = r;
		return;
	}
	if (nfree(g) < MIN_FREE)
		spill(g, o);
}

/* Fixed registers R0-R5 are about to be used: nothing may live there. */
static void need_scratch(struct cg *g)
{
	if (g->busy & ((1u << R6) - 1))
		internal(g, "a value is live in R0-R5 across a helper call");
}

static void call(struct cg *g, int helper)
{
	need_scratch(g);
	emit(g, FATHOM_CALL_HELPER(helper));
}

/* ---- jump lists ------------------------------------------------------ */

static void jl_add(struct cg *g, struct jlist *l, uint32_t j)
{
	if (l->n == l->cap) {
		void *a = realloc(l->v, (l->cap * 2 + 4) * sizeof(*l->v));

		if (!a) {
			g->oom = true;
			return;
		}
		l->v = a;
		l->cap = l->cap * 2 + 4;
	}
	l->v[l->n++] = j;
}

/* Point every jump of @l to the next instruction. */
static void jl_patch(struct cg *g, struct jlist *l)
{
	uint32_t i;

	for (i = 0; i < l->n; i++)
		patch(g, l->v[i]);
	l->n = 0;
}

static void jl_free(struct jlist *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* ---- expressions ----------------------------------------------------- */

static struct opnd gen_val(struct cg *g, const struct ast_node *n);
static void gen_cond(struct cg *g, const struct ast_node *n, bool jump_if,
		     struct jlist *to);
static void gen_str(struct cg *g, const struct ast_node *n, int32_t off,
		    uint32_t size);
static void gen_wide(struct cg *g, const struct ast_node *n, int32_t off);

/* May generating @n call a helper or use fixed registers? */
static bool clobbers(const struct ast_node *n)
{
	switch (n->kind) {
	case AST_INT:
		return false;
	case AST_VAR:
		return n->type.kind == TYPE_STRING;
	case AST_UNOP:
		return clobbers(n->u.unop.operand);
	case AST_CAST:
		return clobbers(n->u.cast.operand);
	case AST_BINOP:
		if (n->u.binop.lhs->type.kind == TYPE_STRING ||
		    n->u.binop.rhs->type.kind == TYPE_STRING)
			return true;
		return clobbers(n->u.binop.lhs) || clobbers(n->u.binop.rhs);
	case AST_TERNARY:
		if (n->type.kind == TYPE_STRING)
			return true;
		return clobbers(n->u.ternary.cond) ||
		       clobbers(n->u.ternary.then) ||
		       clobbers(n->u.ternary.els);
	case AST_INCDEC:
		return n->u.incdec.target->kind != AST_VAR;
	default:
		return true;
	}
}

static struct key_cache *find_key(struct cg *g, const struct ast_node *m);

/* Build the key of map access @m on the stack; returns its offset. */
static int32_t gen_key(struct cg *g, const struct ast_node *m)
{
	const struct map_sym *sym = m->u.map.sym;
	uint32_t id = map_id_of(g, sym);
	const struct fathom_cmap *info = &g->c->map_info[id - 1];
	uint32_t ksize = g->c->maps[id - 1].key_size;
	struct key_cache *kc = find_key(g, m);
	int32_t off;
	uint32_t i;

	if (!m->u.map.keys.n && g->zkey)
		return g->zkey; /* written once, at the program's start */
	if (kc && kc->built)
		return kc->off;
	off = kc ? kc->off : stack_alloc(g, ksize);
	if (!m->u.map.keys.n) {
		emit(g, FATHOM_ST_MEM(FATHOM_DW, FP, off, 0));
		return off;
	}
	for (i = 0; i < m->u.map.keys.n; i++) {
		const struct ast_node *k = m->u.map.keys.items[i];
		int32_t at = off + (int32_t)info->key_off[i];

		if (sym->keys[i].kind == TYPE_STRING) {
			gen_str(g, k, at, sym->keys[i].size);
		} else if (is_wide(&sym->keys[i])) {
			gen_wide(g, k, at);
		} else {
			struct opnd v = gen_val(g, k);

			store_opnd(g, at, &v);
		}
	}
	if (kc && !g->cond_depth)
		kc->built = true;
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

	need_scratch(g);
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
	need_scratch(g);
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

static struct opnd gen_simple_call(struct cg *g, int helper)
{
	call(g, helper);
	return o_r0(g);
}

static struct opnd gen_stack_id(struct cg *g, const struct type *t)
{
	bool user = t->kind == TYPE_USTACK;
	uint32_t id = stack_map(g, user, t->stack_depth);

	need_scratch(g);
	emit(g, FATHOM_MOV64_IMM(R1, (int32_t)id));
	emit(g, FATHOM_MOV64_IMM(R2, 0));
	return gen_simple_call(g, user ? FATHOM_HELPER_GET_USTACK_ID
				       : FATHOM_HELPER_GET_KSTACK_ID);
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
	need_scratch(g);
	emit_stack_ptr(g, R1, dst);
	emit(g, FATHOM_MOV64_IMM(R2, (int32_t)len));
	emit(g, FATHOM_MOV64_IMM(R3, (int32_t)at));
	call(g, FATHOM_HELPER_READ_CTX);
}

/* The integer of @size bytes at record offset @at, extended. */
static struct opnd gen_ctx_int(struct cg *g, uint32_t at, uint32_t size,
			       bool is_signed)
{
	uint32_t save = g->sp;
	int32_t tmp = stack_alloc(g, 8);
	uint32_t bits = 64 - 8 * size;
	int r;

	gen_read_ctx(g, tmp, size, at);
	r = reg_alloc(g, false);
	emit(g, FATHOM_LDX_MEM(ldx_size(size), r, FP, tmp));
	if (is_signed && bits) {
		emit(g, FATHOM_ALU64_IMM(FATHOM_LSH, r, (int32_t)bits));
		emit(g, FATHOM_ALU64_IMM(FATHOM_ARSH, r, (int32_t)bits));
	}
	g->sp = save;
	return o_reg(r);
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

static struct opnd gen_val(struct cg *g, const struct ast_node *n);

/* The kernel address of a BTF member: its base's value + its offset. */
static struct opnd gen_kmem_addr(struct cg *g, const struct ast_node *n)
{
	struct opnd b = gen_val(g, n->u.field.base);
	uint32_t off = n->u.field.info.offset;
	int r;

	g->loc = n->loc;
	if (!off)
		return b;
	if (b.kind == O_IMM) {
		b.imm += off;
		return b;
	}
	r = to_reg(g, &b);
	emit(g, FATHOM_ALU64_IMM(FATHOM_ADD, r, (int32_t)off));
	return b;
}

/*
 * A BTF member as a value: a struct held by value is its address; an
 * integer or a pointer is read from kernel memory (PROBE_READ_KERNEL of
 * its size), extended by its sign. A fault reads 0.
 */
static struct opnd gen_kmem_at(struct cg *g, struct opnd a,
			       const struct field_info *fi)
{
	uint32_t save = g->sp;
	int32_t tmp;
	int r;

	if (fi->kind == FIELD_KMEM_REC)
		return a;
	tmp = stack_alloc(g, 8);
	put_reg(g, R3, &a);
	need_scratch(g);
	emit(g, FATHOM_ST_MEM(FATHOM_DW, FP, tmp, 0));
	emit_stack_ptr(g, R1, tmp);
	emit(g, FATHOM_MOV64_IMM(R2, (int32_t)fi->size));
	call(g, FATHOM_HELPER_PROBE_READ_KERNEL);
	r = reg_alloc(g, false);
	emit(g, FATHOM_LDX_MEM(ldx_size(fi->size), r, FP, tmp));
	if (fi->is_signed && fi->size < 8) {
		uint32_t bits = 64 - 8 * fi->size;

		emit(g, FATHOM_ALU64_IMM(FATHOM_LSH, r, (int32_t)bits));
		emit(g, FATHOM_ALU64_IMM(FATHOM_ARSH, r, (int32_t)bits));
	}
	g->sp = save;
	return o_reg(r);
}

static struct opnd gen_kmem(struct cg *g, const struct ast_node *n)
{
	return gen_kmem_at(g, gen_kmem_addr(g, n), &n->u.field.info);
}

static struct opnd gen_arith(struct cg *g, enum ast_op op, bool is_signed,
			     struct opnd l, struct opnd r, struct src_loc loc);

/*
 * x->arr[i]: the array's address + i * the element's size, then read as
 * a member (or, for a struct element, that address). Out-of-bounds
 * indexes that are not constants are not checked: the read is
 * fault-tolerant, as every kernel read is.
 */
static struct opnd gen_index(struct cg *g, const struct ast_node *n)
{
	const struct field_info *fi = &n->u.subscript.info;
	const struct ast_node *idx = n->u.subscript.index;
	struct opnd a = gen_kmem_addr(g, n->u.subscript.base), i;
	int r;

	hold(g, &a, idx);
	i = gen_val(g, idx);
	g->loc = n->loc;
	if (i.kind == O_IMM && a.kind == O_IMM) {
		a.imm += i.imm * fi->size;
		return gen_kmem_at(g, a, fi);
	}
	if (i.kind == O_IMM) {
		i.imm *= fi->size;
	} else if (fi->size > 1) {
		r = to_reg(g, &i);
		emit(g, FATHOM_ALU64_IMM(FATHOM_MUL, r, (int32_t)fi->size));
	}
	a = gen_arith(g, OP_ADD, false, a, i, n->loc);
	to_reg(g, &a);
	return gen_kmem_at(g, a, fi);
}

/* A char array member as a string of @size bytes at @off. */
static void gen_kmem_chars(struct cg *g, const struct ast_node *n, int32_t off,
			   uint32_t size)
{
	struct opnd a = gen_kmem_addr(g, n);
	uint32_t len = n->u.field.info.size < size ? n->u.field.info.size
						   : size;

	zero_stack(g, off, size);
	put_reg(g, R3, &a);
	need_scratch(g);
	emit_stack_ptr(g, R1, off);
	emit(g, FATHOM_MOV64_IMM(R2, (int32_t)len));
	call(g, FATHOM_HELPER_PROBE_READ_KERNEL_STR);
}

/* Every spec of the block is a usdt probe: arguments per g->usdt. */
static bool usdt_args(struct cg *g, struct src_loc loc)
{
	uint32_t i, usdt = 0;

	for (i = 0; i < g->probe->nspecs; i++)
		usdt += g->probe->specs[i].type == PROBE_USDT;
	if (usdt && usdt != g->probe->nspecs)
		cg_error(
			g, loc,
			"argN cannot be read in a block that has both usdt and other probes");
	return usdt && g->usdt;
}

/* Truncate @r to its low @size bytes, sign- or zero-extended. */
static void extend(struct cg *g, int r, uint32_t size, bool is_signed)
{
	uint32_t bits = 64 - 8 * size;

	if (!bits || size > 8)
		return;
	emit(g, FATHOM_ALU64_IMM(FATHOM_LSH, r, (int32_t)bits));
	emit(g, FATHOM_ALU64_IMM(is_signed ? FATHOM_ARSH : FATHOM_RSH, r,
				 (int32_t)bits));
}

static uint64_t extend_imm(uint64_t v, uint32_t size, bool is_signed)
{
	uint32_t bits = 64 - 8 * size;

	if (!bits || size > 8)
		return v;
	return is_signed ? (uint64_t)((int64_t)(v << bits) >> bits)
			 : (v << bits) >> bits;
}

/*
 * The run-time address of the link-time address @vaddr of the probed
 * file: @vaddr itself in a fixed-address file; in a position-independent
 * one, @vaddr plus the load bias, which is the hit's ip (the probed
 * instruction's address: uprobes set it so before calling the handler)
 * minus @site, the probed instruction's link-time address.
 */
static struct opnd gen_runtime_addr(struct cg *g, uint64_t vaddr, uint64_t site,
				    bool pie)
{
	struct fathom_usdt_reg ip;
	uint64_t d = vaddr - site;

	if (!pie)
		return o_imm(vaddr);
	if (fathom_usdt_reg("rip", &ip)) {
		internal(g, "no pt_regs slot for the ip");
		return o_imm(0);
	}
	need_scratch(g);
	emit(g, FATHOM_MOV64_IMM(R1, ip.ptregs_off));
	call(g, FATHOM_HELPER_GET_REG);
	if (fits_imm(d)) {
		if (d)
			emit(g, FATHOM_ALU64_IMM(FATHOM_ADD, R0, (int32_t)d));
	} else {
		emit_imm64(g, R1, d);
		emit(g, FATHOM_ALU64_REG(FATHOM_ADD, R0, R1));
	}
	return o_r0(g);
}

/*
 * argN of a usdt probe, as its operand says (lib/usdt.h): a constant; a
 * register of the hit's pt_regs (GET_REG); or @size bytes of user memory
 * at base + index * scale + disp (PROBE_READ_USER). Then truncated to
 * the operand's size and extended by its sign.
 */
static struct opnd gen_usdt_arg(struct cg *g, const struct ast_node *n)
{
	const struct fathom_usdt_arg *a;
	uint32_t idx = n->u.builtin.index, save = g->sp;
	int32_t tmp;
	int r;

	if (idx >= g->usdt->argc) {
		cg_error(g, n->loc,
			 "'arg%u': the USDT probe %s:%s has %u arguments", idx,
			 g->usdt->provider, g->usdt->name, g->usdt->argc);
		return o_imm(0);
	}
	a = &g->usdt->argv[idx];
	switch (a->kind) {
	case FATHOM_USDT_ARG_CONST:
		return o_imm(
			extend_imm((uint64_t)a->disp, a->size, a->is_signed));
	case FATHOM_USDT_ARG_REG:
		need_scratch(g);
		emit(g, FATHOM_MOV64_IMM(R1, a->base.ptregs_off));
		call(g, FATHOM_HELPER_GET_REG);
		extend(g, R0, a->size, a->is_signed);
		return o_r0(g);
	default:
		break;
	}
	/* memory: the address goes to tmp, then the value over it */
	tmp = stack_alloc(g, 8);
	need_scratch(g);
	if (a->sym[0]) {
		/* sym(%rip): a global at its run-time address */
		struct opnd v = gen_runtime_addr(g, a->sym_addr, g->usdt->pc,
						 g->usdt->pie);

		store_opnd(g, tmp, &v);
	} else if (a->has_base) {
		emit(g, FATHOM_MOV64_IMM(R1, a->base.ptregs_off));
		call(g, FATHOM_HELPER_GET_REG);
		emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, R0, tmp));
	} else {
		emit(g, FATHOM_ST_MEM(FATHOM_DW, FP, tmp, 0));
	}
	if (a->has_index) {
		emit(g, FATHOM_MOV64_IMM(R1, a->index.ptregs_off));
		call(g, FATHOM_HELPER_GET_REG);
		if (a->scale > 1)
			emit(g, FATHOM_ALU64_IMM(FATHOM_MUL, R0, a->scale));
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, R1, FP, tmp));
		emit(g, FATHOM_ALU64_REG(FATHOM_ADD, R1, R0));
		emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, R1, tmp));
	}
	emit(g, FATHOM_LDX_MEM(FATHOM_DW, R3, FP, tmp));
	if (fits_imm((uint64_t)a->disp)) {
		if (a->disp)
			emit(g, FATHOM_ALU64_IMM(FATHOM_ADD, R3,
						 (int32_t)a->disp));
	} else {
		emit_imm64(g, R2, (uint64_t)a->disp);
		emit(g, FATHOM_ALU64_REG(FATHOM_ADD, R3, R2));
	}
	emit_stack_ptr(g, R1, tmp);
	emit(g, FATHOM_MOV64_IMM(R2, a->size));
	call(g, FATHOM_HELPER_PROBE_READ_USER);
	r = reg_alloc(g, false);
	emit(g, FATHOM_LDX_MEM(ldx_size(a->size), r, FP, tmp));
	extend(g, r, a->size, a->is_signed);
	g->sp = save;
	return o_reg(r);
}

static struct opnd gen_builtin(struct cg *g, const struct ast_node *n)
{
	switch (n->u.builtin.id) {
	case BI_PID:
		return gen_simple_call(g, FATHOM_HELPER_GET_PID);
	case BI_TID:
		return gen_simple_call(g, FATHOM_HELPER_GET_TID);
	case BI_UID:
		return gen_simple_call(g, FATHOM_HELPER_GET_UID);
	case BI_GID:
		return gen_simple_call(g, FATHOM_HELPER_GET_GID);
	case BI_CPU:
		return gen_simple_call(g, FATHOM_HELPER_GET_CPU);
	case BI_NSECS:
		return gen_simple_call(g, FATHOM_HELPER_KTIME_NS);
	case BI_CGROUP:
		return gen_simple_call(g, FATHOM_HELPER_GET_CGROUP_ID);
	case BI_PROBE:
	case BI_FUNC: /* a probe id, shown as its function's name */
		return gen_simple_call(g, FATHOM_HELPER_GET_PROBE_ID);
	case BI_ELAPSED:
		return gen_simple_call(g, FATHOM_HELPER_ELAPSED_NS);
	case BI_CURTASK:
		return gen_simple_call(g, FATHOM_HELPER_GET_CURRENT_TASK);
	case BI_RETVAL:
		return gen_simple_call(g, FATHOM_HELPER_GET_RETVAL);
	case BI_ARG:
		if (usdt_args(g, n->loc))
			return gen_usdt_arg(g, n);
		if (raw_tp_args(g, n->loc)) {
			if (n->u.builtin.index >= FATHOM_RAW_TP_MAX_ARGS)
				cg_error(
					g, n->loc,
					"a raw tracepoint has at most %d arguments",
					FATHOM_RAW_TP_MAX_ARGS);
			return gen_ctx_int(g, 8 * n->u.builtin.index, 8, false);
		}
		need_scratch(g);
		emit(g, FATHOM_MOV64_IMM(R1, (int32_t)n->u.builtin.index));
		return gen_simple_call(g, FATHOM_HELPER_GET_ARG);
	case BI_KSTACK:
	case BI_USTACK:
		return gen_stack_id(g, &n->type);
	default:
		break;
	}
	{
		char what[64];

		snprintf(what, sizeof(what), "the builtin '%s'",
			 ast_builtin_name(n->u.builtin.id));
		unsupported(g, n->loc, what);
	}
	return o_imm(0);
}

/* Byte @at of the string literal @n as stored in a buffer of @size. */
static uint8_t lit_byte(const struct ast_node *n, uint32_t at, uint32_t size)
{
	return at < n->u.str.len && at + 1 < size ? (uint8_t)n->u.str.s[at] : 0;
}

/*
 * String ==/!= as a jump: to @to when (equal == @if_equal). Both sides are
 * compared as @size (rounded) NUL-padded bytes, 8 at a time; a literal
 * side is compared as immediates and never written to the stack.
 */
static void gen_str_cmp_jump(struct cg *g, const struct ast_node *n,
			     bool if_equal, struct jlist *to)
{
	const struct ast_node *l = n->u.binop.lhs, *r = n->u.binop.rhs;
	const struct ast_node *lit = NULL;
	uint32_t size = l->type.size > r->type.size ? l->type.size
						    : r->type.size;
	uint32_t save = g->sp, i, j;
	struct jlist differ = { 0 };
	struct jlist *dj = if_equal ? &differ : to;
	int32_t a, b = 0;

	if (r->kind == AST_STR)
		lit = r;
	else if (l->kind == AST_STR) {
		lit = l;
		l = r;
	}
	a = stack_alloc(g, size);
	gen_str(g, l, a, size);
	if (!lit) {
		b = stack_alloc(g, size);
		gen_str(g, r, b, size);
	}
	g->loc = n->loc;
	need_scratch(g);
	for (i = 0; i < ROUND8(size); i += 8) {
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, R1, FP, a + (int32_t)i));
		if (!lit) {
			emit(g,
			     FATHOM_LDX_MEM(FATHOM_DW, R2, FP, b + (int32_t)i));
			jl_add(g, dj,
			       emit(g, FATHOM_JMP_REG(FATHOM_JNE, R1, R2, 0)));
			continue;
		}
		{
			uint64_t w = 0;

			for (j = 0; j < 8; j++)
				w |= (uint64_t)lit_byte(lit, i + j, size)
				     << (8 * j); /* little endian */
			if (fits_imm(w)) {
				jl_add(g, dj,
				       emit_jmp_imm(g, FATHOM_JNE, R1,
						    (int32_t)w));
			} else {
				emit_imm64(g, R2, w);
				jl_add(g, dj,
				       emit(g, FATHOM_JMP_REG(FATHOM_JNE, R1,
							      R2, 0)));
			}
		}
	}
	if (if_equal) {
		jl_add(g, to, emit_ja(g));
		jl_patch(g, &differ);
	}
	jl_free(&differ);
	g->sp = save;
}

static int cmp_jop(enum ast_op op, bool sgn)
{
	switch (op) {
	case OP_EQ:
		return FATHOM_JEQ;
	case OP_NE:
		return FATHOM_JNE;
	case OP_LT:
		return sgn ? FATHOM_JSLT : FATHOM_JLT;
	case OP_LE:
		return sgn ? FATHOM_JSLE : FATHOM_JLE;
	case OP_GT:
		return sgn ? FATHOM_JSGT : FATHOM_JGT;
	case OP_GE:
		return sgn ? FATHOM_JSGE : FATHOM_JGE;
	default:
		return -1;
	}
}

/* The jump taken exactly when @jop is not. */
static int jop_negate(int jop)
{
	switch (jop) {
	case FATHOM_JEQ:
		return FATHOM_JNE;
	case FATHOM_JNE:
		return FATHOM_JEQ;
	case FATHOM_JGT:
		return FATHOM_JLE;
	case FATHOM_JLE:
		return FATHOM_JGT;
	case FATHOM_JGE:
		return FATHOM_JLT;
	case FATHOM_JLT:
		return FATHOM_JGE;
	case FATHOM_JSGT:
		return FATHOM_JSLE;
	case FATHOM_JSLE:
		return FATHOM_JSGT;
	case FATHOM_JSGE:
		return FATHOM_JSLT;
	default: /* FATHOM_JSLT */
		return FATHOM_JSGE;
	}
}

/* @jop with its operands swapped: a < b is b > a. */
static int jop_mirror(int jop)
{
	switch (jop) {
	case FATHOM_JGT:
		return FATHOM_JLT;
	case FATHOM_JLT:
		return FATHOM_JGT;
	case FATHOM_JGE:
		return FATHOM_JLE;
	case FATHOM_JLE:
		return FATHOM_JGE;
	case FATHOM_JSGT:
		return FATHOM_JSLT;
	case FATHOM_JSLT:
		return FATHOM_JSGT;
	case FATHOM_JSGE:
		return FATHOM_JSLE;
	case FATHOM_JSLE:
		return FATHOM_JSGE;
	default:
		return jop;
	}
}

static bool is_cmp(enum ast_op op)
{
	return cmp_jop(op, false) >= 0;
}

/* An integer comparison as a jump to @to when its truth is @jump_if. */
static void gen_cmp_jump(struct cg *g, const struct ast_node *n, bool jump_if,
			 struct jlist *to)
{
	const struct ast_node *ln = n->u.binop.lhs, *rn = n->u.binop.rhs;
	bool sgn = (ln->type.kind == TYPE_INT && ln->type.is_signed) ||
		   (rn->type.kind == TYPE_INT && rn->type.is_signed);
	int jop = cmp_jop(n->u.binop.op, sgn);
	uint32_t save = g->sp;
	struct opnd l, r;
	int a;

	l = gen_val(g, ln);
	if (o_fits(&l) && rn->kind != AST_INT) {
		/* constant on the left: compare the other way round */
		r = l;
		l = gen_val(g, rn);
		jop = jop_mirror(jop);
	} else {
		hold(g, &l, rn);
		r = gen_val(g, rn);
	}
	g->loc = n->loc;
	if (!jump_if)
		jop = jop_negate(jop);
	if (o_fits(&r)) {
		a = to_reg(g, &l);
		jl_add(g, to, emit_jmp_imm(g, jop, a, (int32_t)r.imm));
	} else {
		int b = to_reg(g, &r);

		a = to_reg(g, &l);
		jl_add(g, to, emit(g, FATHOM_JMP_REG(jop, a, b, 0)));
	}
	opnd_free(g, &l);
	opnd_free(g, &r);
	g->sp = save;
}

/*
 * Jump to @to when the truth of @n is @jump_if; fall through otherwise.
 * Comparisons become one conditional jump, && and || short-circuit by
 * jumping, ! swaps the sense: no 0/1 value is ever built.
 */
static void gen_cond(struct cg *g, const struct ast_node *n, bool jump_if,
		     struct jlist *to)
{
	struct src_loc saved = g->loc;

	g->loc = n->loc;
	if (n->kind == AST_UNOP && n->u.unop.op == OP_LNOT) {
		gen_cond(g, n->u.unop.operand, !jump_if, to);
	} else if (n->kind == AST_BINOP &&
		   (n->u.binop.op == OP_LAND || n->u.binop.op == OP_LOR)) {
		bool is_and = n->u.binop.op == OP_LAND;

		if (is_and != jump_if) {
			/* a && b false, a || b true: either one decides */
			gen_cond(g, n->u.binop.lhs, jump_if, to);
			g->cond_depth++;
			gen_cond(g, n->u.binop.rhs, jump_if, to);
			g->cond_depth--;
		} else {
			struct jlist skip = { 0 };

			gen_cond(g, n->u.binop.lhs, !jump_if, &skip);
			g->cond_depth++;
			gen_cond(g, n->u.binop.rhs, jump_if, to);
			g->cond_depth--;
			jl_patch(g, &skip);
			jl_free(&skip);
		}
	} else if (n->kind == AST_BINOP && is_cmp(n->u.binop.op) &&
		   n->u.binop.lhs->type.kind == TYPE_STRING) {
		/* the semantic pass allows only == and != on strings */
		if (n->u.binop.op != OP_EQ && n->u.binop.op != OP_NE)
			unsupported(g, n->loc, "this string comparison");
		gen_str_cmp_jump(g, n, (n->u.binop.op == OP_EQ) == jump_if, to);
	} else if (n->kind == AST_BINOP && is_cmp(n->u.binop.op)) {
		gen_cmp_jump(g, n, jump_if, to);
	} else {
		/* A constant is tested too: the verifier refuses code that
		 * an unconditional jump would leave unreachable. */
		struct opnd v = gen_val(g, n);
		int r = to_reg(g, &v);

		g->loc = n->loc;
		jl_add(g, to,
		       emit_jmp_imm(g, jump_if ? FATHOM_JNE : FATHOM_JEQ, r,
				    0));
		opnd_free(g, &v);
	}
	g->loc = saved;
}

/* The condition @n as a value: 1 or 0. */
static struct opnd gen_bool_val(struct cg *g, const struct ast_node *n)
{
	struct jlist l = { 0 };
	uint32_t end;
	int r;

	if (!clobbers(n) && nfree(g) > MIN_FREE) {
		r = reg_alloc(g, false);
		emit(g, FATHOM_MOV64_IMM(r, 1));
		gen_cond(g, n, true, &l);
		emit(g, FATHOM_MOV64_IMM(r, 0));
		jl_patch(g, &l);
	} else {
		gen_cond(g, n, false, &l);
		r = reg_alloc(g, false);
		emit(g, FATHOM_MOV64_IMM(r, 1));
		end = emit_ja(g);
		jl_patch(g, &l);
		emit(g, FATHOM_MOV64_IMM(r, 0));
		patch(g, end);
	}
	jl_free(&l);
	return o_reg(r);
}

/* @a = @a / @b or @a % @b, signed: done on magnitudes. */
static void gen_sdivmod(struct cg *g, int a, int b, bool mod)
{
	int s = reg_alloc(g, false);
	uint32_t j;

	emit(g, FATHOM_MOV64_IMM(s, 0));
	j = emit_jmp_imm(g, FATHOM_JSGE, a, 0);
	emit(g, FATHOM_ALU64_IMM(FATHOM_NEG, a, 0));
	emit(g, FATHOM_ALU64_IMM(FATHOM_XOR, s, 1));
	patch(g, j);
	j = emit_jmp_imm(g, FATHOM_JSGE, b, 0);
	emit(g, FATHOM_ALU64_IMM(FATHOM_NEG, b, 0));
	if (!mod)
		emit(g, FATHOM_ALU64_IMM(FATHOM_XOR, s, 1));
	patch(g, j);
	emit(g, FATHOM_ALU64_REG(mod ? FATHOM_MOD : FATHOM_DIV, a, b));
	j = emit_jmp_imm(g, FATHOM_JEQ, s, 0);
	emit(g, FATHOM_ALU64_IMM(FATHOM_NEG, a, 0));
	patch(g, j);
	reg_free(g, s);
}

/* The ALU operation of an arithmetic or bitwise operator; -1 if none. */
static int alu_op(enum ast_op op, bool is_signed)
{
	switch (op) {
	case OP_ADD:
		return FATHOM_ADD;
	case OP_SUB:
		return FATHOM_SUB;
	case OP_MUL:
		return FATHOM_MUL;
	case OP_BAND:
		return FATHOM_AND;
	case OP_BOR:
		return FATHOM_OR;
	case OP_BXOR:
		return FATHOM_XOR;
	case OP_SHL:
		return FATHOM_LSH;
	case OP_SHR:
		return is_signed ? FATHOM_ARSH : FATHOM_RSH;
	case OP_DIV:
		return FATHOM_DIV;
	case OP_MOD:
		return FATHOM_MOD;
	default:
		return -1;
	}
}

static bool commutes(enum ast_op op)
{
	return op == OP_ADD || op == OP_MUL || op == OP_BAND || op == OP_BOR ||
	       op == OP_BXOR;
}

/*
 * @l op @r for an arithmetic or bitwise operator, 64-bit, signed or not
 * (>>, / and %); consumes both, returns the result (in @l's register when
 * it had one). The immediate form is used where the VM's semantics are
 * the same: not for a zero divisor or an out-of-range shift (which the
 * verifier refuses as immediates), nor for signed division.
 */
static struct opnd gen_arith(struct cg *g, enum ast_op op, bool is_signed,
			     struct opnd l, struct opnd r, struct src_loc loc)
{
	int code = alu_op(op, is_signed);
	bool sdiv = is_signed && (op == OP_DIV || op == OP_MOD);
	int a, b;

	if (code < 0) {
		unsupported(g, loc, "this operator");
		opnd_free(g, &r);
		return l;
	}
	if (o_fits(&r) && !sdiv) {
		int64_t v = (int64_t)r.imm;
		bool ok = true;

		if (code == FATHOM_DIV || code == FATHOM_MOD)
			ok = v != 0;
		else if (code == FATHOM_LSH || code == FATHOM_RSH ||
			 code == FATHOM_ARSH)
			ok = v >= 0 && v < 64;
		if (ok) {
			a = to_reg(g, &l);
			emit(g, FATHOM_ALU64_IMM(code, a, (int32_t)v));
			return l;
		}
	}
	b = to_reg(g, &r);
	a = to_reg(g, &l);
	if (sdiv)
		gen_sdivmod(g, a, b, op == OP_MOD);
	else
		emit(g, FATHOM_ALU64_REG(code, a, b));
	opnd_free(g, &r);
	return l;
}

static struct opnd gen_binop(struct cg *g, const struct ast_node *n)
{
	const struct ast_node *ln = n->u.binop.lhs, *rn = n->u.binop.rhs;
	enum ast_op op = n->u.binop.op;
	uint32_t save = g->sp;
	struct opnd l, r, res;

	if (op == OP_LAND || op == OP_LOR || is_cmp(op))
		return gen_bool_val(g, n);
	l = gen_val(g, ln);
	if (o_fits(&l) && commutes(op) && rn->kind != AST_INT) {
		r = l;
		l = gen_val(g, rn);
	} else {
		hold(g, &l, rn);
		r = gen_val(g, rn);
	}
	g->loc = n->loc;
	res = gen_arith(g, op, n->type.is_signed, l, r, n->loc);
	/* a spilled operand's slot is free again; the result is in a reg */
	to_reg(g, &res);
	g->sp = save;
	return res;
}

static struct opnd gen_cast(struct cg *g, const struct ast_node *n)
{
	uint32_t bits = 64 - 8 * n->type.size;
	struct opnd v = gen_val(g, n->u.cast.operand);
	int r;

	if (n->type.kind != TYPE_INT || !bits || n->type.size > 8)
		return v;
	if (v.kind == O_IMM) {
		uint64_t u = v.imm << bits;

		v.imm = n->type.is_signed ? (uint64_t)((int64_t)u >> bits)
					  : u >> bits;
		return v;
	}
	r = to_reg(g, &v);
	emit(g, FATHOM_ALU64_IMM(FATHOM_LSH, r, (int32_t)bits));
	emit(g, FATHOM_ALU64_IMM(n->type.is_signed ? FATHOM_ARSH : FATHOM_RSH,
				 r, (int32_t)bits));
	return v;
}

/*
 * ++/-- (@rhs NULL, by @delta) and compound assignment on a map element;
 * the value is the new one, or the old one for a postfix @post. Nothing
 * is returned (and nothing reloaded) unless @want.
 */
static struct opnd gen_map_rmw(struct cg *g, const struct ast_node *m,
			       enum ast_op op, const struct ast_node *rhs,
			       int64_t delta, bool post, bool want)
{
	uint32_t save = g->sp, id;
	int32_t key, val, res;
	struct opnd v, o;

	if (!map_is_hash(g, m, true))
		return o_imm(0);
	val = gen_lookup(g, m, &key);
	res = val;
	if (rhs) {
		o = gen_val(g, rhs);
		v = o_reg(reg_alloc(g, false));
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, v.reg, FP, val));
		v = gen_arith(g, op, true, v, o, rhs->loc);
		emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, to_reg(g, &v), val));
	} else {
		v = o_reg(reg_alloc(g, false));
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, v.reg, FP, val));
		if (post && want) {
			res = stack_alloc(g, 8);
			emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, v.reg, res));
		}
		emit(g, FATHOM_ALU64_IMM(FATHOM_ADD, v.reg, (int32_t)delta));
		emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, v.reg, val));
	}
	opnd_free(g, &v);
	id = map_id_of(g, m->u.map.sym);
	gen_update(g, id, key, val);
	if (want) {
		v = o_reg(reg_alloc(g, false));
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, v.reg, FP, res));
	}
	g->sp = save;
	return v;
}

static struct opnd gen_incdec(struct cg *g, const struct ast_node *n, bool want)
{
	const struct ast_node *t = n->u.incdec.target;
	int64_t delta = n->u.incdec.inc ? 1 : -1;
	bool post = !n->u.incdec.prefix;

	if (t->kind == AST_VAR) {
		int32_t off = g->var_off[t->u.var.sym->id];
		int a = reg_alloc(g, false), b = -1;

		emit(g, FATHOM_LDX_MEM(FATHOM_DW, a, FP, off));
		if (post && want) {
			b = reg_alloc(g, false);
			emit(g, FATHOM_MOV64_REG(b, a));
		}
		emit(g, FATHOM_ALU64_IMM(FATHOM_ADD, a, (int32_t)delta));
		emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, a, off));
		if (b >= 0) {
			reg_free(g, a);
			return o_reg(b);
		}
		if (!want) {
			reg_free(g, a);
			return o_imm(0);
		}
		return o_reg(a);
	}
	return gen_map_rmw(g, t, OP_NONE, NULL, delta, post, want);
}

static struct opnd gen_ternary(struct cg *g, const struct ast_node *n)
{
	struct jlist els = { 0 };
	struct opnd v;
	uint32_t end;
	int r;

	gen_cond(g, n->u.ternary.cond, false, &els);
	g->cond_depth++;
	v = gen_val(g, n->u.ternary.then);
	r = to_reg(g, &v);
	/* r is not live on the other branch until it is written there */
	reg_free(g, r);
	g->loc = n->loc;
	end = emit_ja(g);
	jl_patch(g, &els);
	jl_free(&els);
	v = gen_val(g, n->u.ternary.els);
	put_reg(g, r, &v);
	g->busy |= 1u << r;
	g->cond_depth--;
	patch(g, end);
	return o_reg(r);
}

/* An integer value: a constant (no code), or code leaving a register. */
static struct opnd gen_val(struct cg *g, const struct ast_node *n)
{
	struct src_loc saved = g->loc;
	struct opnd v = o_imm(0);

	g->loc = n->loc;
	if (nfree(g) < MIN_FREE)
		internal(g, "expression temporaries exhausted the registers");
	if (n->type.kind == TYPE_STRING) {
		/* only reached through a misuse; strings go through gen_str */
		unsupported(g, n->loc, "a string in this position");
		g->loc = saved;
		return v;
	}
	switch (n->kind) {
	case AST_INT:
		v = o_imm(n->u.int_val);
		break;
	case AST_BUILTIN:
		v = gen_builtin(g, n);
		break;
	case AST_VAR:
		v = o_reg(reg_alloc(g, false));
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, v.reg, FP,
				       g->var_off[n->u.var.sym->id]));
		break;
	case AST_MAP: {
		uint32_t save = g->sp;
		int32_t val;

		if (!map_is_hash(g, n, true))
			break;
		val = gen_lookup(g, n, NULL);
		v = o_reg(reg_alloc(g, false));
		emit(g, FATHOM_LDX_MEM(FATHOM_DW, v.reg, FP, val));
		g->sp = save;
		break;
	}
	case AST_UNOP:
		if (n->u.unop.op == OP_LNOT) {
			v = gen_bool_val(g, n);
			break;
		}
		v = gen_val(g, n->u.unop.operand);
		g->loc = n->loc;
		if (v.kind == O_IMM) {
			v.imm = n->u.unop.op == OP_NEG ? 0 - v.imm : ~v.imm;
		} else if (n->u.unop.op == OP_NEG) {
			emit(g, FATHOM_ALU64_IMM(FATHOM_NEG, to_reg(g, &v), 0));
		} else {
			emit(g,
			     FATHOM_ALU64_IMM(FATHOM_XOR, to_reg(g, &v), -1));
		}
		break;
	case AST_BINOP:
		v = gen_binop(g, n);
		break;
	case AST_TERNARY:
		v = gen_ternary(g, n);
		break;
	case AST_CAST:
		v = gen_cast(g, n);
		break;
	case AST_INCDEC:
		v = gen_incdec(g, n, true);
		break;
	case AST_INDEX:
		v = gen_index(g, n);
		break;
	case AST_FIELD: {
		const struct field_info *fi = &n->u.field.info;

		if (fi->kind == FIELD_KMEM_INT || fi->kind == FIELD_KMEM_REC) {
			v = gen_kmem(g, n);
			break;
		}
		if (fi->kind != FIELD_INT && fi->kind != FIELD_PTR) {
			unsupported(g, n->loc, "this field");
			break;
		}
		v = gen_ctx_int(g, fi->offset, fi->size,
				fi->kind == FIELD_INT && fi->is_signed);
		break;
	}
	case AST_CALL:
		if (n->u.call.id == FN_KSYM || n->u.call.id == FN_USYM) {
			v = gen_val(g, n->u.call.args.items[0]);
			break;
		}
		if (n->u.call.id == FN_KADDR && n->u.call.resolved) {
			v = o_imm(n->u.call.addr);
			break;
		}
		if (n->u.call.id == FN_UADDR && n->u.call.resolved) {
			v = gen_runtime_addr(g, n->u.call.addr,
					     g->usdt ? g->usdt->pc
						     : n->u.call.site,
					     n->u.call.pie);
			break;
		}
		if (n->u.call.id == FN_KSTACK || n->u.call.id == FN_USTACK) {
			v = gen_stack_id(g, &n->type);
			break;
		}
		{
			char what[64];

			snprintf(what, sizeof(what), "%s() here",
				 n->u.call.name);
			unsupported(g, n->loc, what);
		}
		break;
	default:
		unsupported(g, n->loc, "this expression");
		break;
	}
	g->loc = saved;
	return v;
}

/* Store a literal's bytes, NUL-padded to ROUND8(size). */
static void gen_str_lit(struct cg *g, const struct ast_node *n, int32_t off,
			uint32_t size)
{
	uint32_t i, j, total = ROUND8(size);

	for (i = 0; i < total; i += 4) {
		uint32_t w = 0;

		for (j = 0; j < 4; j++)
			w |= (uint32_t)lit_byte(n, i + j, size)
			     << (8 * j); /* little endian */
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
	struct opnd v;

	if (p->type.kind == TYPE_STRING) {
		gen_str(g, p, off, size);
		return;
	}
	v = gen_val(g, p);
	g->loc = n->loc;
	zero_stack(g, off, size);
	put_reg(g, R3, &v);
	need_scratch(g);
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
	struct opnd v;

	nchunks = ROUND8(slen) / 8;
	done = calloc(3 * nchunks + 1, sizeof(*done));
	if (!done) {
		g->oom = true;
		return;
	}
	zero_stack(g, off, size);
	v = gen_ctx_int(g, n->u.field.info.offset, 4, false);
	put_reg(g, R0, &v);
	need_scratch(g);
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

/*
 * Copy the value the hash-map read @n finds to the stack at @off, @size
 * bytes: as much of the value as fits, then zeros after a shorter one.
 * false, with nothing generated but the diagnostic, when the map is not a
 * hash.
 */
static bool gen_map_copy(struct cg *g, const struct ast_node *n, int32_t off,
			 uint32_t size)
{
	uint32_t save = g->sp, vs;
	int32_t val;

	if (!map_is_hash(g, n, true))
		return false;
	vs = g->c->maps[map_id_of(g, n->u.map.sym) - 1].value_size;
	val = gen_lookup(g, n, NULL);
	copy_stack(g, off, val, vs < size ? vs : size);
	if (size > vs)
		zero_stack(g, off + (int32_t)vs, size - vs);
	g->sp = save;
	return true;
}

/*
 * The ?: @n of a value that lives on the stack: each arm writes it at
 * @off, usym()'s 16 bytes when @wide (gen_wide()), else a string of
 * @size bytes (gen_str()).
 */
static void gen_ternary_mem(struct cg *g, const struct ast_node *n, int32_t off,
			    uint32_t size, bool wide)
{
	struct jlist els = { 0 };
	uint32_t end;

	gen_cond(g, n->u.ternary.cond, false, &els);
	g->cond_depth++;
	if (wide)
		gen_wide(g, n->u.ternary.then, off);
	else
		gen_str(g, n->u.ternary.then, off, size);
	g->loc = n->loc;
	end = emit_ja(g);
	jl_patch(g, &els);
	jl_free(&els);
	if (wide)
		gen_wide(g, n->u.ternary.els, off);
	else
		gen_str(g, n->u.ternary.els, off, size);
	g->cond_depth--;
	patch(g, end);
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
		need_scratch(g);
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
	case AST_MAP:
		gen_map_copy(g, n, off, ROUND8(size));
		break;
	case AST_TERNARY:
		gen_ternary_mem(g, n, off, size, false);
		break;
	case AST_FIELD:
		if (n->u.field.info.kind == FIELD_KMEM_CHARS)
			gen_kmem_chars(g, n, off, size);
		else if (n->u.field.info.kind == FIELD_CHARS)
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

/*
 * Write the 16-byte value of usym() @n to the stack at @off: the address
 * and the process it belongs to, { u64 addr; u64 tgid }, so the tool can
 * name the symbol from that process's mappings (bpftrace's usym layout).
 */
static void gen_wide(struct cg *g, const struct ast_node *n, int32_t off)
{
	struct src_loc saved = g->loc;

	g->loc = n->loc;
	switch (n->kind) {
	case AST_CALL: {
		struct opnd v;

		if (n->u.call.id != FN_USYM)
			break;
		v = gen_val(g, n->u.call.args.items[0]);
		store_opnd(g, off, &v);
		g->loc = n->loc;
		call(g, FATHOM_HELPER_GET_PID);
		emit(g, FATHOM_STX_MEM(FATHOM_DW, FP, R0, off + 8));
		g->loc = saved;
		return;
	}
	case AST_VAR:
		copy_stack(g, off, g->var_off[n->u.var.sym->id], 16);
		g->loc = saved;
		return;
	case AST_MAP:
		if (!gen_map_copy(g, n, off, 16))
			break;
		g->loc = saved;
		return;
	case AST_TERNARY:
		gen_ternary_mem(g, n, off, 16, true);
		g->loc = saved;
		return;
	default:
		break;
	}
	unsupported(g, n->loc, "this usym() expression");
	zero_stack(g, off, 16);
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
	need_scratch(g);
	emit_stack_ptr(g, R1, off);
	emit(g, FATHOM_MOV64_IMM(R2, (int32_t)size));
	call(g, FATHOM_HELPER_EMIT);
}

static void gen_action(struct cg *g, uint32_t action, uint32_t arg,
		       const struct ast_node *argexpr)
{
	uint32_t save = g->sp;
	struct opnd v = o_imm(arg);
	int32_t rec;

	if (argexpr)
		v = gen_val(g, argexpr);
	rec = stack_alloc(g, 8);
	emit(g, FATHOM_ST_MEM(FATHOM_W, FP, rec, (int32_t)action));
	if (v.kind == O_IMM)
		emit(g, FATHOM_ST_MEM(FATHOM_W, FP, rec + 4,
				      (int32_t)(uint32_t)v.imm));
	else
		emit(g, FATHOM_STX_MEM(FATHOM_W, FP, to_reg(g, &v), rec + 4));
	opnd_free(g, &v);
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
	/* format id and pad in one store (ids are far below 2^31) */
	emit(g, FATHOM_ST_MEM(FATHOM_DW, FP, rec, (int32_t)id));
	for (i = 0; i < f->nargs; i++) {
		const struct ast_node *a = args->items[1 + i];
		int32_t at = rec + (int32_t)f->arg_off[i];

		if (a->type.kind == TYPE_STRING) {
			gen_str(g, a, at, a->type.size);
		} else if (is_wide(&a->type)) {
			gen_wide(g, a, at);
		} else {
			struct opnd v = gen_val(g, a);

			store_opnd(g, at, &v);
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
	jl_add(g, &g->exits, emit_ja(g));
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
		need_scratch(g);
		emit(g, FATHOM_MOV64_IMM(R1, (int32_t)id));
		emit_stack_ptr(g, R2, key);
		call(g, FATHOM_HELPER_MAP_DELETE);
		g->sp = save;
		return;
	}
	default: {
		struct opnd v = gen_val(g, n);

		opnd_free(g, &v);
		return;
	}
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
		gen_map_rmw(g, m, st->u.assign.op, v, 0, false, false);
		return;
	}
	if (sym->value.kind == TYPE_AGG) {
		struct opnd x = o_imm(1); /* count() adds 1 */

		key = gen_key(g, m);
		g->loc = v->loc;
		if (v->u.call.id != FN_COUNT)
			x = gen_val(g, v->u.call.args.items[0]);
		g->loc = st->loc;
		/* the value first: it may be in R1 or R2 */
		put_reg(g, R3, &x);
		need_scratch(g);
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
	} else if (is_wide(&sym->value)) {
		gen_wide(g, v, val);
	} else {
		struct opnd x = gen_val(g, v);

		store_opnd(g, val, &x);
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
	struct opnd x;

	if (sym->type.kind == TYPE_STRING) {
		uint32_t save = g->sp;
		int32_t tmp = stack_alloc(g, sym->type.size);

		/* via a temporary: $s = $s == "a" ? "b" : $s stays right */
		gen_str(g, v, tmp, sym->type.size);
		copy_stack(g, off, tmp, sym->type.size);
		g->sp = save;
		return;
	}
	if (is_wide(&sym->type)) {
		gen_wide(g, v, off);
		return;
	}
	x = gen_val(g, v);
	if (st->u.assign.op != OP_NONE) {
		struct opnd cur = o_reg(reg_alloc(g, false));

		emit(g, FATHOM_LDX_MEM(FATHOM_DW, cur.reg, FP, off));
		g->loc = st->loc;
		x = gen_arith(g, st->u.assign.op, true, cur, x, st->loc);
	}
	store_opnd(g, off, &x);
}

static void gen_stmts(struct cg *g, const struct ast_list *l);

static void gen_stmt(struct cg *g, const struct ast_node *st)
{
	g->loc = st->loc;
	switch (st->kind) {
	case AST_EXPR_STMT: {
		const struct ast_node *e = st->u.expr_stmt.expr;

		struct opnd v;

		if (e->kind == AST_CALL) {
			gen_call_stmt(g, e);
		} else if (e->type.kind == TYPE_STRING) {
			; /* a string with no effect */
		} else {
			/* x++ as a statement: its value is not needed */
			v = e->kind == AST_INCDEC ? gen_incdec(g, e, false)
						  : gen_val(g, e);
			opnd_free(g, &v);
		}
		break;
	}
	case AST_ASSIGN:
		if (st->u.assign.target->kind == AST_MAP)
			gen_map_assign(g, st);
		else
			gen_var_assign(g, st);
		break;
	case AST_IF: {
		struct jlist els = { 0 };
		uint32_t end;
		bool r1, r2;

		gen_cond(g, st->u.if_.cond, false, &els);
		g->loc = st->loc;
		g->cond_depth++;
		gen_stmts(g, &st->u.if_.then);
		r1 = g->returned;
		g->returned = false;
		if (st->u.if_.has_else && st->u.if_.els.n) {
			/* after a return, a jump over the else is unreachable */
			end = r1 ? 0 : emit_ja(g);
			jl_patch(g, &els);
			gen_stmts(g, &st->u.if_.els);
			r2 = g->returned;
			if (!r1)
				patch(g, end);
			g->returned = r1 && r2;
		} else {
			jl_patch(g, &els);
			g->returned = false;
		}
		g->cond_depth--;
		jl_free(&els);
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
		if (g->busy)
			internal(g,
				 "a register is still held after a statement");
	}
}

/* ---- map keys built once -------------------------------------------- */

typedef void (*visit_fn)(struct cg *g, const struct ast_node *n, void *arg);

static void walk_list(struct cg *g, const struct ast_list *l, visit_fn fn,
		      void *arg);

/* Call @fn on @n and everything under it. The map print(@x), clear(@x)
 * and zero(@x) name is left out: it builds no key. */
static void walk(struct cg *g, const struct ast_node *n, visit_fn fn, void *arg)
{
	uint32_t i;

	if (!n)
		return;
	fn(g, n, arg);
	switch (n->kind) {
	case AST_MAP:
		walk_list(g, &n->u.map.keys, fn, arg);
		break;
	case AST_UNOP:
		walk(g, n->u.unop.operand, fn, arg);
		break;
	case AST_BINOP:
		walk(g, n->u.binop.lhs, fn, arg);
		walk(g, n->u.binop.rhs, fn, arg);
		break;
	case AST_TERNARY:
		walk(g, n->u.ternary.cond, fn, arg);
		walk(g, n->u.ternary.then, fn, arg);
		walk(g, n->u.ternary.els, fn, arg);
		break;
	case AST_CAST:
		walk(g, n->u.cast.operand, fn, arg);
		break;
	case AST_FIELD:
		walk(g, n->u.field.base, fn, arg);
		break;
	case AST_INDEX:
		walk(g, n->u.subscript.base, fn, arg);
		walk(g, n->u.subscript.index, fn, arg);
		break;
	case AST_INCDEC:
		walk(g, n->u.incdec.target, fn, arg);
		break;
	case AST_CALL:
		for (i = 0; i < n->u.call.args.n; i++) {
			const struct ast_node *a = n->u.call.args.items[i];

			if (a->kind == AST_MAP && !a->u.map.keys.n &&
			    (n->u.call.id == FN_PRINT ||
			     n->u.call.id == FN_CLEAR ||
			     n->u.call.id == FN_ZERO))
				continue;
			walk(g, a, fn, arg);
		}
		break;
	case AST_EXPR_STMT:
		walk(g, n->u.expr_stmt.expr, fn, arg);
		break;
	case AST_ASSIGN:
		walk(g, n->u.assign.target, fn, arg);
		walk(g, n->u.assign.value, fn, arg);
		break;
	case AST_IF:
		walk(g, n->u.if_.cond, fn, arg);
		walk_list(g, &n->u.if_.then, fn, arg);
		walk_list(g, &n->u.if_.els, fn, arg);
		break;
	case AST_UNROLL:
		walk_list(g, &n->u.unroll.body, fn, arg);
		break;
	default:
		break;
	}
}

static void walk_list(struct cg *g, const struct ast_list *l, visit_fn fn,
		      void *arg)
{
	uint32_t i;

	for (i = 0; i < l->n; i++)
		walk(g, l->items[i], fn, arg);
}

static void visit_zkey(struct cg *g, const struct ast_node *n, void *arg)
{
	(void)g;
	if (n->kind == AST_MAP && !n->u.map.keys.n)
		*(bool *)arg = true;
}

/* Does @n access a map without keys (@x, @)? */
static bool uses_zkey(struct cg *g, const struct ast_node *n)
{
	bool found = false;

	walk(g, n, visit_zkey, &found);
	return found;
}

/*
 * A key component that has one value for the whole hit: a constant or a
 * builtin of the task, CPU or probe context. Two accesses with such keys
 * (@start[tid] in a predicate and in the body) can share one key.
 */
static bool stable(const struct ast_node *n)
{
	if (n->kind == AST_INT || n->kind == AST_STR)
		return true;
	if (n->kind != AST_BUILTIN)
		return false;
	switch (n->u.builtin.id) {
	case BI_PID:
	case BI_TID:
	case BI_UID:
	case BI_GID:
	case BI_CPU:
	case BI_COMM:
	case BI_CGROUP:
	case BI_PROBE:
	case BI_FUNC:
	case BI_ARG:
	case BI_RETVAL:
		return true;
	default:
		return false;
	}
}

static bool same_stable(const struct ast_node *a, const struct ast_node *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case AST_INT:
		return a->u.int_val == b->u.int_val;
	case AST_STR:
		return a->u.str.len == b->u.str.len &&
		       !memcmp(a->u.str.s, b->u.str.s, a->u.str.len);
	default:
		return a->u.builtin.id == b->u.builtin.id &&
		       a->u.builtin.index == b->u.builtin.index;
	}
}

static bool cacheable_key(const struct ast_node *m)
{
	uint32_t i;

	if (!m->u.map.keys.n || !m->u.map.sym)
		return false;
	for (i = 0; i < m->u.map.keys.n; i++)
		if (!stable(m->u.map.keys.items[i]))
			return false;
	return true;
}

static bool same_key(const struct ast_node *a, const struct ast_node *b)
{
	uint32_t i;

	if (a->u.map.sym != b->u.map.sym || a->u.map.keys.n != b->u.map.keys.n)
		return false;
	for (i = 0; i < a->u.map.keys.n; i++)
		if (!same_stable(a->u.map.keys.items[i],
				 b->u.map.keys.items[i]))
			return false;
	return true;
}

static struct key_cache *find_key(struct cg *g, const struct ast_node *m)
{
	uint32_t i;

	if (!cacheable_key(m))
		return NULL;
	for (i = 0; i < g->nkc; i++)
		if (same_key(g->kc[i].m, m))
			return &g->kc[i];
	return NULL;
}

static void visit_key(struct cg *g, const struct ast_node *n, void *arg)
{
	struct key_cache *k;

	(void)arg;
	if (n->kind != AST_MAP || !cacheable_key(n))
		return;
	k = find_key(g, n);
	if (k) {
		k->uses++;
		return;
	}
	if (g->nkc == KEY_CACHE_MAX)
		return;
	k = &g->kc[g->nkc++];
	memset(k, 0, sizeof(*k));
	k->m = n;
	k->uses = 1;
}

/*
 * Keys used more than once get a slot of their own for the whole
 * program: the first access at the top level (not under a condition)
 * builds it, later ones find it built. At most KEY_CACHE_BYTES of stack.
 */
static void plan_keys(struct cg *g, const struct ast_probe *pr)
{
	uint32_t i, n = 0, bytes = 0;

	g->nkc = 0;
	walk(g, pr->pred, visit_key, NULL);
	walk_list(g, &pr->body, visit_key, NULL);
	for (i = 0; i < g->nkc; i++) {
		struct key_cache k = g->kc[i];
		uint32_t id = map_id_of(g, k.m->u.map.sym);
		uint32_t size = ROUND8(g->c->maps[id - 1].key_size);

		if (k.uses < 2 || bytes + size > KEY_CACHE_BYTES)
			continue;
		bytes += size;
		k.off = stack_alloc(g, size);
		g->kc[n++] = k;
	}
	g->nkc = n;
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

/* One concrete uprobe per usdt site, running program @prog. */
static int add_usdt_probe(struct cg *g, const struct probe_spec *sp,
			  const struct usdt_site *u, uint32_t prog)
{
	struct fathom_compiled *c = g->c;
	struct fathom_probe_spec p = { 0 };
	char *path = strdup(sp->usdt_path), *name;
	size_t len = strlen(sp->usdt_path) + strlen(u->provider) +
		     strlen(u->name) + 8;
	void *a, *b;

	name = malloc(len);
	if (name)
		snprintf(name, len, "usdt:%s:%s:%s", sp->usdt_path, u->provider,
			 u->name);
	a = realloc(c->probes, (c->nr_probes + 1) * sizeof(*c->probes));
	if (a)
		c->probes = a;
	b = realloc(c->probe_names, (c->nr_probes + 1) * sizeof(char *));
	if (b)
		c->probe_names = b;
	if (!path || !name || !a || !b) {
		free(path);
		free(name);
		g->oom = true;
		return -ENOMEM;
	}
	p.kind = FATHOM_PROBE_UPROBE;
	p.upath = path;
	p.offset = u->pc_off;
	p.ref_ctr_offset = u->sem_off;
	p.prog = prog;
	p.id = c->nr_probes;
	c->probes[c->nr_probes] = p;
	c->probe_names[c->nr_probes] = name;
	c->nr_probes++;
	c->nr_probe_names = c->nr_probes;
	return 0;
}

static void gen_prog(struct cg *g, const struct ast_probe *pr);

static void visit_site(struct cg *g, const struct ast_node *n, void *arg)
{
	(void)g;
	if (n->kind == AST_CALL && n->u.call.id == FN_UADDR && n->u.call.pie)
		*(bool *)arg = true;
}

/*
 * Do the usdt sites of @pr need a program each? When the program adds a
 * position-independent file's load bias, which it finds from its site's
 * pc: for uaddr() and for sym(%rip) arguments it reads.
 */
static bool needs_site(struct cg *g, const struct ast_probe *pr)
{
	bool found = false;
	uint32_t i, j, k;

	walk(g, pr->pred, visit_site, &found);
	walk_list(g, &pr->body, visit_site, &found);
	for (i = 0; i < pr->nspecs && !found; i++)
		for (j = 0; j < pr->specs[i].nsites && !found; j++) {
			const struct usdt_site *u = &pr->specs[i].sites[j];

			for (k = 0; k < u->argc; k++)
				found |= u->pie && u->argv[k].sym[0];
		}
	return found;
}

/*
 * A probe block: one program, or for usdt sites whose arguments are
 * written differently, one program per distinct argument string (each
 * reads argN its way), sites of the same string sharing one; or one per
 * site when the program needs its site's address (needs_site()).
 */
static void gen_probe(struct cg *g, const struct ast_probe *pr)
{
	struct fathom_compiled *c = g->c;
	const struct usdt_site **grp = NULL;
	uint32_t i, j, k, ng = 0, cap = 0, base = c->nr_progs;
	bool by_site = needs_site(g, pr);
	void *a;

	for (i = 0; i < pr->nspecs; i++)
		cap += pr->specs[i].nsites;
	grp = calloc(cap + 1, sizeof(*grp));
	a = realloc(c->spec_nprobes,
		    (c->nr_specs + pr->nspecs + 1) * sizeof(*c->spec_nprobes));
	if (!grp || !a) {
		free(grp);
		if (a)
			c->spec_nprobes = a;
		g->oom = true;
		return;
	}
	c->spec_nprobes = a;
	for (i = 0; i < pr->nspecs; i++) {
		const struct probe_spec *sp = &pr->specs[i];
		uint32_t before = c->nr_probes;

		if (sp->type != PROBE_USDT) {
			if (add_probe(g, sp, base))
				goto out;
			c->spec_nprobes[c->nr_specs++] = 1;
			continue;
		}
		for (j = 0; j < sp->nsites; j++) {
			for (k = 0; k < ng; k++)
				if (!strcmp(grp[k]->args, sp->sites[j].args) &&
				    (!by_site || grp[k]->pc == sp->sites[j].pc))
					break;
			if (k == ng)
				grp[ng++] = &sp->sites[j];
			if (add_usdt_probe(g, sp, &sp->sites[j], base + k))
				goto out;
		}
		c->spec_nprobes[c->nr_specs++] = c->nr_probes - before;
	}
	for (k = 0; k < (ng ? ng : 1); k++) {
		g->usdt = ng ? grp[k] : NULL;
		gen_prog(g, pr);
		if (g->oom)
			break;
	}
out:
	g->usdt = NULL;
	free(grp);
}

static void gen_prog(struct cg *g, const struct ast_probe *pr)
{
	struct fathom_compiled *c = g->c;
	struct fathom_cprog *p;
	uint32_t i;
	int32_t zkey = 0;
	bool has_pred = pr->pred != NULL;
	void *a;

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
	g->exits.n = 0;
	g->busy = 0;
	g->zkey = 0;
	g->cond_depth = 0;
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

		g->var_off[i] = stack_alloc(g, value_bytes(t));
	}
	for (i = 0; i < pr->body.n; i++)
		if (uses_zkey(g, pr->body.items[i]))
			break;
	if (uses_zkey(g, pr->pred) || i < pr->body.n)
		zkey = stack_alloc(g, 8);
	plan_keys(g, pr);
	/* The predicate comes first: a rejected hit runs nothing else. */
	if (has_pred) {
		g->loc = pr->pred->loc;
		if (zkey && uses_zkey(g, pr->pred)) {
			emit(g, FATHOM_ST_MEM(FATHOM_DW, FP, zkey, 0));
			g->zkey = zkey;
		}
		gen_cond(g, pr->pred, false, &g->exits);
	}
	g->loc = pr->loc;
	if (zkey && !g->zkey) {
		emit(g, FATHOM_ST_MEM(FATHOM_DW, FP, zkey, 0));
		g->zkey = zkey;
	}
	/* Scratch variables start at zero (and count as written on every
	 * path for the verifier). */
	for (i = 0; i < pr->nvars; i++) {
		const struct type *t = &pr->vars[i]->type;

		zero_stack(g, g->var_off[i], value_bytes(t));
	}
	gen_stmts(g, &pr->body);
	g->loc = pr->loc;
	/* the one exit: predicate, return and exit() jump here */
	jl_patch(g, &g->exits);
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
	free(c->spec_nprobes);
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
	g.max_entries = s->map_keys_max ? s->map_keys_max
					: FATHOM_CG_MAX_ENTRIES;
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
	jl_free(&g.exits);
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
