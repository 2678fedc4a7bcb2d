// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fathom verifier.
 *
 * Design
 * ------
 * fathom_verify() decides whether a program is safe to run in probe
 * context: it must terminate, touch no memory but its own stack (other
 * memory only through nofault helpers), never read a register or stack
 * byte it did not write, and call only helpers that exist, with arguments
 * of the kinds they declare. It runs a flat list of passes over one
 * struct verifier_env, each pass assuming what the earlier ones proved:
 *
 *  1. check_maps(): the map descriptors the program was loaded with are
 *     sane (key and value fit the stack).
 *  2. check_structure(): 1..FATHOM_MAX_INSNS slots; every opcode is in
 *     FATHOM_INSN_MAP; registers are R0..R10; fields an instruction does
 *     not use are zero; each LD_IMM64 has a well-formed second slot; the
 *     last instruction is EXIT or JA (nothing can fall off the end).
 *  3. check_cfg(): every jump target is in range, strictly forward, and
 *     not the second slot of an LD_IMM64. Because every edge goes
 *     forward, the instructions in index order are a topological order of
 *     the control-flow DAG, and a program runs at most len instructions.
 *     Targets get a slot to hold the state merged from their edges.
 *  4. do_check(): one walk in index order, abstractly executing each
 *     instruction once. Per register the state is UNINIT, SCALAR (with a
 *     value when it is a known constant), or FP + constant offset (a stack
 *     pointer); for the stack, a bitmap of written bytes. At a jump target
 *     the states of all incoming edges are merged before the target is
 *     checked: a register keeps its type only if all edges agree (else
 *     UNINIT, or unknown SCALAR for differing constants) and a stack byte
 *     is written only if written on every edge. An instruction no edge
 *     reaches is rejected as unreachable.
 *
 * The walk visits each instruction once and each jump adds one merge, so
 * the whole verification is linear in the program's length.
 *
 * Pointers never become scalars: the only arithmetic on a stack pointer is
 * adding or subtracting an immediate (keeping it inside the stack), it can
 * be copied, used as the base of a load or store, or passed as a stack
 * argument. It cannot be stored, compared, returned or mixed into scalar
 * arithmetic, so stack addresses (and through them kernel layout) never
 * leak into maps or records.
 *
 * Constants are tracked only through MOV and LD_IMM64, the forms the
 * compiler emits for lengths and map ids. Tracking no arithmetic keeps the
 * verifier's model of constants trivially equal to the interpreter's.
 *
 * The first error stops verification; it is reported as "insn N: reason"
 * in the caller's bounded log together with N. Only a program that passes
 * every pass gets the interpreter as prog->run; any failure leaves (and
 * sets) fathom_run_reject: fail closed.
 */
#include "kshim.h"
#include "isa.h"
#include "vm.h"

enum reg_type {
	REG_UNINIT = 0,
	REG_SCALAR,
	REG_FP,		/* R10 + off, off in [-FATHOM_STACK_SIZE, 0] */
};

struct reg_state {
	u8 type;
	u8 known;	/* SCALAR: val is a known constant */
	s64 val;	/* SCALAR: the constant; FP: the offset */
};

#define STACK_WORDS	(FATHOM_STACK_SIZE / 64)

struct vstate {
	struct reg_state regs[FATHOM_NR_REGS];
	u64 stack_init[STACK_WORDS];	/* bit i: byte R10 - 512 + i */
	bool valid;
};

/* aux[] flags per instruction slot */
#define AUX_IMM_HI	0x1	/* second slot of an LD_IMM64 */

struct verifier_env {
	struct fathom_prog *prog;
	const struct fathom_insn *insns;
	u32 len;
	struct fathom_vlog *log;
	u8 *aux;		/* len entries */
	u32 *slot;		/* len entries: 1 + index into states, or 0 */
	struct vstate *states;	/* merged state at each jump target */
	u32 nr_states;
	struct vstate cur;
};

static const bool opcode_valid[256] = {
#define FATHOM_VALID_ENTRY(label, code, sym)	\
	[(code)] = true,
	FATHOM_INSN_MAP(FATHOM_VALID_ENTRY)
#undef FATHOM_VALID_ENTRY
};

static __printf(3, 4) void verbose(struct verifier_env *env, u32 idx,
				   const char *fmt, ...)
{
	struct fathom_vlog *log = env->log;
	va_list args;
	int n;

	if (!log)
		return;
	log->insn = (s32)idx;
	if (!log->buf || !log->size)
		return;
	n = snprintf(log->buf, log->size, "insn %u: ", idx);
	if (n < 0 || (u32)n >= log->size)
		return;
	va_start(args, fmt);
	vsnprintf(log->buf + n, log->size - n, fmt, args);
	va_end(args);
}

static __printf(2, 3) void verbose_prog(struct verifier_env *env,
					const char *fmt, ...)
{
	struct fathom_vlog *log = env->log;
	va_list args;

	if (!log)
		return;
	log->insn = -1;
	if (!log->buf || !log->size)
		return;
	va_start(args, fmt);
	vsnprintf(log->buf, log->size, fmt, args);
	va_end(args);
}

static int check_maps(struct verifier_env *env)
{
	const struct fathom_prog *prog = env->prog;
	u32 i;

	if (prog->nr_maps && !prog->maps) {
		verbose_prog(env, "%u maps but no map descriptors",
			     prog->nr_maps);
		return -EINVAL;
	}
	for (i = 0; i < prog->nr_maps; i++) {
		const struct fathom_map_desc *m = &prog->maps[i];

		if (!m->key_size || m->key_size > FATHOM_STACK_SIZE ||
		    !m->value_size || m->value_size > FATHOM_STACK_SIZE) {
			verbose_prog(env,
				     "map %u: key size %u / value size %u not in 1..%u",
				     i + 1, m->key_size, m->value_size,
				     FATHOM_STACK_SIZE);
			return -EINVAL;
		}
	}
	return 0;
}

/* Which fields an opcode uses; everything else must be zero. */
#define USES_DST	0x1
#define USES_SRC	0x2
#define USES_OFF	0x4
#define USES_IMM	0x8

static u32 used_fields(u8 code)
{
	switch (FATHOM_CLASS(code)) {
	case FATHOM_ALU64:
	case FATHOM_ALU32:
		if (FATHOM_OP(code) == FATHOM_NEG)
			return USES_DST;
		if (FATHOM_SRC(code) == FATHOM_X)
			return USES_DST | USES_SRC;
		return USES_DST | USES_IMM;
	case FATHOM_JMP:
		switch (FATHOM_OP(code)) {
		case FATHOM_JA:
			return USES_OFF;
		case FATHOM_CALL:
			return USES_IMM;
		case FATHOM_EXIT:
			return 0;
		}
		if (FATHOM_SRC(code) == FATHOM_X)
			return USES_DST | USES_SRC | USES_OFF;
		return USES_DST | USES_OFF | USES_IMM;
	case FATHOM_LDX:
	case FATHOM_STX:
		return USES_DST | USES_SRC | USES_OFF;
	case FATHOM_ST:
		return USES_DST | USES_OFF | USES_IMM;
	case FATHOM_LD:
		return USES_DST | USES_IMM;
	}
	return 0;
}

static int check_structure(struct verifier_env *env)
{
	const struct fathom_insn *insns = env->insns;
	u32 len = env->len, i, used;
	u8 last;

	for (i = 0; i < len; i++) {
		const struct fathom_insn *insn = &insns[i];

		if (!opcode_valid[insn->code]) {
			verbose(env, i, "unknown opcode 0x%02x", insn->code);
			return -EINVAL;
		}
		if (insn->dst_reg >= FATHOM_NR_REGS ||
		    insn->src_reg >= FATHOM_NR_REGS) {
			verbose(env, i, "invalid register R%u",
				insn->dst_reg >= FATHOM_NR_REGS ?
				insn->dst_reg : insn->src_reg);
			return -EINVAL;
		}
		used = used_fields(insn->code);
		if ((!(used & USES_DST) && insn->dst_reg) ||
		    (!(used & USES_SRC) && insn->src_reg) ||
		    (!(used & USES_OFF) && insn->off) ||
		    (!(used & USES_IMM) && insn->imm)) {
			verbose(env, i, "reserved field is not zero");
			return -EINVAL;
		}
		if (insn->code != FATHOM_LD_IMM64_CODE)
			continue;
		if (i + 1 >= len) {
			verbose(env, i, "ld_imm64 is missing its second slot");
			return -EINVAL;
		}
		if (insns[i + 1].code || insns[i + 1].dst_reg ||
		    insns[i + 1].src_reg || insns[i + 1].off) {
			verbose(env, i + 1, "malformed ld_imm64 second slot");
			return -EINVAL;
		}
		env->aux[++i] = AUX_IMM_HI;
	}
	last = insns[len - 1].code;
	if (env->aux[len - 1] & AUX_IMM_HI ||
	    (last != (FATHOM_JMP | FATHOM_EXIT) &&
	     last != (FATHOM_JMP | FATHOM_JA))) {
		verbose(env, len - 1, "last instruction must be exit or ja");
		return -EINVAL;
	}
	return 0;
}

static bool is_jump(u8 code)
{
	return FATHOM_CLASS(code) == FATHOM_JMP &&
	       FATHOM_OP(code) != FATHOM_CALL &&
	       FATHOM_OP(code) != FATHOM_EXIT;
}

static int check_cfg(struct verifier_env *env)
{
	u32 i, target;

	for (i = 0; i < env->len; i++) {
		const struct fathom_insn *insn = &env->insns[i];

		if (env->aux[i] & AUX_IMM_HI || !is_jump(insn->code))
			continue;
		if (insn->off < 0) {
			verbose(env, i, "backward jump (off %d) is not allowed",
				insn->off);
			return -EINVAL;
		}
		target = i + 1 + insn->off;
		if (target >= env->len) {
			verbose(env, i, "jump to %u is out of range", target);
			return -EINVAL;
		}
		if (env->aux[target] & AUX_IMM_HI) {
			verbose(env, i,
				"jump into the middle of ld_imm64 at %u",
				target - 1);
			return -EINVAL;
		}
		if (!env->slot[target])
			env->slot[target] = ++env->nr_states;
	}
	if (!env->nr_states)
		return 0;
	env->states = fathom_vm_zalloc(sizeof(*env->states) * env->nr_states);
	return env->states ? 0 : -ENOMEM;
}

/* --- do_check() --- */

static void mark_scalar(struct reg_state *r, bool known, s64 val)
{
	r->type = REG_SCALAR;
	r->known = known;
	r->val = known ? val : 0;
}

static void merge_state(struct vstate *dst, const struct vstate *src)
{
	u32 i;

	if (!dst->valid) {
		*dst = *src;
		return;
	}
	for (i = 0; i < FATHOM_NR_REGS; i++) {
		struct reg_state *d = &dst->regs[i];
		const struct reg_state *s = &src->regs[i];

		if (d->type != s->type) {
			d->type = REG_UNINIT;
			d->known = 0;
			d->val = 0;
		} else if (d->type == REG_SCALAR) {
			if (!d->known || !s->known || d->val != s->val)
				mark_scalar(d, false, 0);
		} else if (d->type == REG_FP && d->val != s->val) {
			d->type = REG_UNINIT;
			d->val = 0;
		}
	}
	for (i = 0; i < STACK_WORDS; i++)
		dst->stack_init[i] &= src->stack_init[i];
}

static int check_reg_read(struct verifier_env *env, u32 idx, u32 regno)
{
	if (env->cur.regs[regno].type == REG_UNINIT) {
		verbose(env, idx, "R%u is read before it is written", regno);
		return -EACCES;
	}
	return 0;
}

static int check_scalar(struct verifier_env *env, u32 idx, u32 regno)
{
	int err = check_reg_read(env, idx, regno);

	if (err)
		return err;
	if (env->cur.regs[regno].type != REG_SCALAR) {
		verbose(env, idx, "R%u is a stack pointer, expected a scalar",
			regno);
		return -EACCES;
	}
	return 0;
}

static int check_reg_write(struct verifier_env *env, u32 idx, u32 regno)
{
	if (regno == FATHOM_REG_FP) {
		verbose(env, idx, "R10 is read-only");
		return -EACCES;
	}
	return 0;
}

/* Byte index in the bitmap of stack offset off (relative to R10). */
static u32 stack_bit(s64 off)
{
	return (u32)(off + FATHOM_STACK_SIZE);
}

static bool stack_range_init(const struct vstate *st, s64 off, u32 size,
			     s64 *bad)
{
	u32 b, i;

	for (i = 0; i < size; i++) {
		b = stack_bit(off + i);
		if (!(st->stack_init[b / 64] & (1ULL << (b % 64)))) {
			*bad = off + i;
			return false;
		}
	}
	return true;
}

static void stack_mark_init(struct vstate *st, s64 off, u32 size)
{
	u32 b, i;

	for (i = 0; i < size; i++) {
		b = stack_bit(off + i);
		st->stack_init[b / 64] |= 1ULL << (b % 64);
	}
}

/*
 * Check a size-byte access at base register + off; on success *at is the
 * offset from R10. Bounds: [-FATHOM_STACK_SIZE, 0). Aligned to the size.
 */
static int check_stack_access(struct verifier_env *env, u32 idx, u32 regno,
			      s32 off, u32 size, bool align, s64 *at)
{
	const struct reg_state *r = &env->cur.regs[regno];
	s64 o;
	int err;

	err = check_reg_read(env, idx, regno);
	if (err)
		return err;
	if (r->type != REG_FP) {
		verbose(env, idx, "R%u is not a stack pointer", regno);
		return -EACCES;
	}
	o = r->val + off;
	if (o < -FATHOM_STACK_SIZE || o + size > 0) {
		verbose(env, idx,
			"stack access at R10%+lld size %u is out of bounds",
			(long long)o, size);
		return -EACCES;
	}
	if (align && (o % size)) {
		verbose(env, idx, "misaligned stack access at R10%+lld size %u",
			(long long)o, size);
		return -EACCES;
	}
	*at = o;
	return 0;
}

static int check_alu(struct verifier_env *env, u32 idx,
		     const struct fathom_insn *insn)
{
	struct reg_state *dst = &env->cur.regs[insn->dst_reg];
	const struct reg_state *src = &env->cur.regs[insn->src_reg];
	bool is64 = FATHOM_CLASS(insn->code) == FATHOM_ALU64;
	bool is_x = FATHOM_SRC(insn->code) == FATHOM_X;
	u8 op = FATHOM_OP(insn->code);
	int err;

	err = check_reg_write(env, idx, insn->dst_reg);
	if (err)
		return err;

	if (op == FATHOM_MOV) {
		if (!is_x) {
			mark_scalar(dst, true, is64 ? (s64)insn->imm :
				    (s64)(u32)insn->imm);
			return 0;
		}
		err = check_reg_read(env, idx, insn->src_reg);
		if (err)
			return err;
		if (src->type == REG_FP) {
			if (!is64) {
				verbose(env, idx,
					"R%u: 32-bit move of a stack pointer",
					insn->src_reg);
				return -EACCES;
			}
			*dst = *src;
			return 0;
		}
		if (is64)
			mark_scalar(dst, src->known, src->val);
		else
			mark_scalar(dst, src->known, (s64)(u32)src->val);
		return 0;
	}

	err = check_reg_read(env, idx, insn->dst_reg);
	if (err)
		return err;
	if (is_x) {
		err = check_reg_read(env, idx, insn->src_reg);
		if (err)
			return err;
		if (src->type == REG_FP) {
			verbose(env, idx,
				"R%u: stack pointer used as a scalar operand",
				insn->src_reg);
			return -EACCES;
		}
	}

	if (dst->type == REG_FP) {
		s64 off = dst->val;

		if (!is64 || is_x || (op != FATHOM_ADD && op != FATHOM_SUB)) {
			verbose(env, idx,
				"R%u: only adding or subtracting a constant to a stack pointer is allowed",
				insn->dst_reg);
			return -EACCES;
		}
		off += op == FATHOM_ADD ? (s64)insn->imm : -(s64)insn->imm;
		if (off < -FATHOM_STACK_SIZE || off > 0) {
			verbose(env, idx,
				"R%u: stack pointer R10%+lld is out of the stack",
				insn->dst_reg, (long long)off);
			return -EACCES;
		}
		dst->val = off;
		return 0;
	}

	if (!is_x) {
		if ((op == FATHOM_DIV || op == FATHOM_MOD) && !insn->imm) {
			verbose(env, idx, "division by zero");
			return -EINVAL;
		}
		if ((op == FATHOM_LSH || op == FATHOM_RSH ||
		     op == FATHOM_ARSH) &&
		    (insn->imm < 0 || insn->imm >= (is64 ? 64 : 32))) {
			verbose(env, idx, "shift by %d is out of range",
				insn->imm);
			return -EINVAL;
		}
	}
	/* No constant folding: the result is an unknown scalar. */
	mark_scalar(dst, false, 0);
	return 0;
}

static int check_mem(struct verifier_env *env, u32 idx,
		     const struct fathom_insn *insn)
{
	u32 size = FATHOM_SIZE_BYTES(insn->code);
	s64 at, bad;
	int err;

	switch (FATHOM_CLASS(insn->code)) {
	case FATHOM_LDX:
		err = check_reg_write(env, idx, insn->dst_reg);
		if (err)
			return err;
		err = check_stack_access(env, idx, insn->src_reg, insn->off,
					 size, true, &at);
		if (err)
			return err;
		if (!stack_range_init(&env->cur, at, size, &bad)) {
			verbose(env, idx,
				"stack byte R10%+lld is read before it is written",
				(long long)bad);
			return -EACCES;
		}
		mark_scalar(&env->cur.regs[insn->dst_reg], false, 0);
		return 0;
	case FATHOM_STX:
		err = check_reg_read(env, idx, insn->src_reg);
		if (err)
			return err;
		if (env->cur.regs[insn->src_reg].type == REG_FP) {
			verbose(env, idx,
				"R%u: storing a stack pointer is not allowed",
				insn->src_reg);
			return -EACCES;
		}
		fallthrough;
	case FATHOM_ST:
		err = check_stack_access(env, idx, insn->dst_reg, insn->off,
					 size, true, &at);
		if (err)
			return err;
		stack_mark_init(&env->cur, at, size);
		return 0;
	}
	return 0;
}

static int check_buf_arg(struct verifier_env *env, u32 idx, u32 regno,
			 u32 len, bool input, s64 *at)
{
	s64 bad;
	int err;

	err = check_reg_read(env, idx, regno);
	if (err)
		return err;
	if (env->cur.regs[regno].type != REG_FP) {
		verbose(env, idx, "R%u must be a stack pointer", regno);
		return -EACCES;
	}
	err = check_stack_access(env, idx, regno, 0, len, false, at);
	if (err)
		return err;
	if (input && !stack_range_init(&env->cur, *at, len, &bad)) {
		verbose(env, idx,
			"R%u: stack byte R10%+lld is read before it is written",
			regno, (long long)bad);
		return -EACCES;
	}
	return 0;
}

static int check_call(struct verifier_env *env, u32 idx,
		      const struct fathom_insn *insn)
{
	const struct fathom_prog *prog = env->prog;
	const struct fathom_helper_proto *proto;
	const struct fathom_map_desc *map = NULL;
	struct {
		s64 at;
		u32 len;
	} outs[FATHOM_NR_HELPER_ARGS];
	u32 nr_outs = 0, i, regno;
	s32 id = insn->imm;
	s64 at;
	int err;

	if (id <= 0 || id > FATHOM_HELPER_MAX ||
	    !fathom_helper_protos[id].name) {
		verbose(env, idx, "unknown helper %d", id);
		return -EINVAL;
	}
	proto = &fathom_helper_protos[id];
	if (!prog->helpers || !prog->helpers[id]) {
		verbose(env, idx, "helper %s#%d is not available", proto->name,
			id);
		return -EOPNOTSUPP;
	}

	for (i = 0; i < FATHOM_NR_HELPER_ARGS; i++) {
		const struct reg_state *r;
		u8 kind = proto->args[i];
		u8 next = i + 1 < FATHOM_NR_HELPER_ARGS ? proto->args[i + 1] :
			  FATHOM_ARG_NONE;
		u32 len;

		regno = i + 1;
		r = &env->cur.regs[regno];
		switch (kind) {
		case FATHOM_ARG_NONE:
		case FATHOM_ARG_LEN_CONST:	/* checked with its buffer */
			break;
		case FATHOM_ARG_SCALAR:
			err = check_scalar(env, idx, regno);
			if (err)
				return err;
			break;
		case FATHOM_ARG_STACK_IN:
		case FATHOM_ARG_STACK_OUT:
			if (WARN_ON_ONCE(next != FATHOM_ARG_LEN_CONST))
				return -EFAULT;
			err = check_scalar(env, idx, regno + 1);
			if (err)
				return err;
			r = &env->cur.regs[regno + 1];
			if (!r->known || r->val < 1 ||
			    r->val > FATHOM_STACK_SIZE) {
				verbose(env, idx,
					"R%u: length must be a constant in 1..%u",
					regno + 1, FATHOM_STACK_SIZE);
				return -EACCES;
			}
			len = (u32)r->val;
			err = check_buf_arg(env, idx, regno, len,
					    kind == FATHOM_ARG_STACK_IN, &at);
			if (err)
				return err;
			if (kind == FATHOM_ARG_STACK_OUT) {
				outs[nr_outs].at = at;
				outs[nr_outs++].len = len;
			}
			break;
		case FATHOM_ARG_MAP_ID_CONST:
			err = check_scalar(env, idx, regno);
			if (err)
				return err;
			if (!r->known || r->val < 1 || r->val > prog->nr_maps) {
				verbose(env, idx,
					"R%u: not a constant map id in 1..%u",
					regno, prog->nr_maps);
				return -EACCES;
			}
			map = &prog->maps[r->val - 1];
			break;
		case FATHOM_ARG_MAP_KEY:
		case FATHOM_ARG_MAP_VALUE_IN:
		case FATHOM_ARG_MAP_VALUE_OUT:
			if (WARN_ON_ONCE(!map))
				return -EFAULT;
			len = kind == FATHOM_ARG_MAP_KEY ? map->key_size :
			      map->value_size;
			err = check_buf_arg(env, idx, regno, len,
					    kind != FATHOM_ARG_MAP_VALUE_OUT,
					    &at);
			if (err)
				return err;
			if (kind == FATHOM_ARG_MAP_VALUE_OUT) {
				outs[nr_outs].at = at;
				outs[nr_outs++].len = len;
			}
			break;
		default:
			WARN_ON_ONCE(1);
			return -EFAULT;
		}
	}

	/* The helper wrote its output buffers... */
	for (i = 0; i < nr_outs; i++)
		stack_mark_init(&env->cur, outs[i].at, outs[i].len);
	/* ...and the call clobbered R1-R5 and set R0. */
	for (regno = 1; regno <= FATHOM_NR_HELPER_ARGS; regno++)
		env->cur.regs[regno] = (struct reg_state){ .type = REG_UNINIT };
	mark_scalar(&env->cur.regs[0], false, 0);
	return 0;
}

static int check_jmp(struct verifier_env *env, u32 idx,
		     const struct fathom_insn *insn)
{
	struct vstate *target;
	int err;

	switch (FATHOM_OP(insn->code)) {
	case FATHOM_CALL:
		return check_call(env, idx, insn);
	case FATHOM_EXIT:
		err = check_reg_read(env, idx, 0);
		if (err)
			return err;
		if (env->cur.regs[0].type != REG_SCALAR) {
			verbose(env, idx, "R0 is a stack pointer at exit");
			return -EACCES;
		}
		env->cur.valid = false;
		return 0;
	case FATHOM_JA:
		break;
	default:
		err = check_scalar(env, idx, insn->dst_reg);
		if (!err && FATHOM_SRC(insn->code) == FATHOM_X)
			err = check_scalar(env, idx, insn->src_reg);
		if (err)
			return err;
	}
	target = &env->states[env->slot[idx + 1 + insn->off] - 1];
	merge_state(target, &env->cur);
	if (FATHOM_OP(insn->code) == FATHOM_JA)
		env->cur.valid = false;
	return 0;
}

static int do_check(struct verifier_env *env)
{
	u32 i;
	int err;

	/* Entry: only R10 is set, no stack byte is written. */
	memset(&env->cur, 0, sizeof(env->cur));
	env->cur.regs[FATHOM_REG_FP].type = REG_FP;
	env->cur.valid = true;

	for (i = 0; i < env->len; i++) {
		const struct fathom_insn *insn = &env->insns[i];

		if (env->slot[i]) {
			struct vstate *st = &env->states[env->slot[i] - 1];

			/* Join: the edge from i - 1 meets the jumps to i. */
			if (env->cur.valid)
				merge_state(st, &env->cur);
			if (st->valid)
				env->cur = *st;
		}
		if (!env->cur.valid) {
			verbose(env, i, "unreachable instruction");
			return -EINVAL;
		}

		switch (FATHOM_CLASS(insn->code)) {
		case FATHOM_ALU64:
		case FATHOM_ALU32:
			err = check_alu(env, i, insn);
			break;
		case FATHOM_LDX:
		case FATHOM_ST:
		case FATHOM_STX:
			err = check_mem(env, i, insn);
			break;
		case FATHOM_JMP:
			err = check_jmp(env, i, insn);
			break;
		case FATHOM_LD:
			err = check_reg_write(env, i, insn->dst_reg);
			if (err)
				break;
			mark_scalar(&env->cur.regs[insn->dst_reg], true,
				    (s64)((u64)(u32)insn[0].imm |
					  ((u64)(u32)insn[1].imm << 32)));
			i++;	/* skip the second slot */
			break;
		default:
			WARN_ON_ONCE(1);
			err = -EFAULT;
		}
		if (err)
			return err;
	}
	return 0;
}

/**
 * fathom_prog_init() - prepare a program for verification
 * @prog: the program to initialise; every field is reset
 * @insns: its instructions, which must stay unchanged while it exists
 * @len: number of instruction slots
 *
 * The program runs nothing (fathom_run_reject) until fathom_verify()
 * accepts it. The caller sets maps, nr_maps and helpers before verifying.
 */
void fathom_prog_init(struct fathom_prog *prog,
		      const struct fathom_insn *insns, u32 len)
{
	memset(prog, 0, sizeof(*prog));
	prog->insns = insns;
	prog->len = len;
	prog->run = fathom_run_reject;
	atomic64_set(&prog->stats.div_by_zero, 0);
}

/**
 * fathom_verify() - check that a program is safe and arm it
 * @prog: program prepared with fathom_prog_init()
 * @log: where to report the failing instruction and reason; may be NULL
 *
 * Linear in the program's length; allocates (and frees) working memory, so
 * it must be called from process context.
 *
 * Return: 0 and prog->run set to the interpreter, or a negative errno
 * (-E2BIG: too long; -EINVAL: malformed; -EACCES: unsafe; -EOPNOTSUPP:
 * helper not provided; -ENOMEM) with prog->run set to fathom_run_reject.
 */
int fathom_verify(struct fathom_prog *prog, struct fathom_vlog *log)
{
	struct verifier_env *env;
	int err;

	prog->run = fathom_run_reject;
	if (log) {
		log->insn = -1;
		if (log->buf && log->size)
			log->buf[0] = '\0';
	}

	env = fathom_vm_zalloc(sizeof(*env));
	if (!env)
		return -ENOMEM;
	env->prog = prog;
	env->insns = prog->insns;
	env->len = prog->len;
	env->log = log;

	if (!prog->len || !prog->insns) {
		verbose_prog(env, "program is empty");
		err = -EINVAL;
		goto out_free_env;
	}
	if (prog->len > FATHOM_MAX_INSNS) {
		verbose_prog(env, "program has %u instructions, limit is %u",
			     prog->len, FATHOM_MAX_INSNS);
		err = -E2BIG;
		goto out_free_env;
	}

	env->aux = fathom_vm_zalloc(env->len);
	env->slot = fathom_vm_zalloc(sizeof(*env->slot) * env->len);
	if (!env->aux || !env->slot) {
		err = -ENOMEM;
		goto out_free_aux;
	}

	err = check_maps(env);
	if (!err)
		err = check_structure(env);
	if (!err)
		err = check_cfg(env);
	if (!err)
		err = do_check(env);
	if (!err)
		WRITE_ONCE(prog->run, fathom_run_interp);

	fathom_vm_free(env->states);
out_free_aux:
	fathom_vm_free(env->slot);
	fathom_vm_free(env->aux);
out_free_env:
	fathom_vm_free(env);
	return err;
}
