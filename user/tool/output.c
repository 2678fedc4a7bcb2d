// SPDX-License-Identifier: GPL-2.0-only
/*
 * Output of a running script in bpftrace's text and JSON forms (see
 * output.h for the contract and the format decisions).
 *
 * Everything is first built in a growable string buffer and then written
 * out: text as is, JSON escaped inside its object. printf() conversions
 * are parsed here again (the semantic pass checked the format when the
 * script was compiled, but the record comes from the kernel): each one is
 * rebuilt from the parsed flags, width, precision and a length modifier
 * chosen for the C type actually passed, so no byte of the script's format
 * ever reaches snprintf() unchecked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <linux/fathom.h>

#include "output.h"
#include "../compiler/codegen.h"
#include "../lib/ksyms.h"
#include "../lib/usyms.h"

/* ---- growable strings ------------------------------------------------ */

struct sb {
	char *s;
	size_t len, cap;
	bool oom;
};

static bool sb_reserve(struct sb *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1)
		cap *= 2;
	p = realloc(b->s, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->s = p;
	b->cap = cap;
	return true;
}

static void sb_putn(struct sb *b, const char *s, size_t n)
{
	if (!sb_reserve(b, n))
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = 0;
}

static void sb_puts(struct sb *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

static void sb_putc(struct sb *b, char c)
{
	sb_putn(b, &c, 1);
}

static void sb_vprintf(struct sb *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || !sb_reserve(b, (size_t)n))
		return;
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

/* Only ever called with a conversion spec built by spec_build(). */
static void sb_spec(struct sb *b, const char *spec, ...)
{
	va_list ap;

	va_start(ap, spec);
	sb_vprintf(b, spec, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void
sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(b, fmt, ap);
	va_end(ap);
}

static void sb_reset(struct sb *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = 0;
}

static void sb_free(struct sb *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

static const char *sb_str(const struct sb *b)
{
	return b->s ? b->s : "";
}

/* JSON string contents, escaped as bpftrace does. */
static void sb_json_str(struct sb *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			sb_puts(b, "\\\"");
			break;
		case '\\':
			sb_puts(b, "\\\\");
			break;
		case '\n':
			sb_puts(b, "\\n");
			break;
		case '\r':
			sb_puts(b, "\\r");
			break;
		case '\t':
			sb_puts(b, "\\t");
			break;
		default:
			if (c < 0x20)
				sb_printf(b, "\\u%04x", c);
			else
				sb_putc(b, (char)c);
		}
	}
}

static void sb_json_quoted(struct sb *b, const char *s)
{
	sb_putc(b, '"');
	sb_json_str(b, s, strlen(s));
	sb_putc(b, '"');
}

/* ---- the output ------------------------------------------------------ */

struct ostack {
	uint32_t map;
	uint32_t tgid; /* user stacks: the process; 0 unknown */
	uint64_t id;
	uint64_t *ips;
	uint32_t nr;
};

struct fathom_out {
	FILE *f;
	enum fathom_out_format fmt;
	const struct fathom_compiled *c;
	struct ostack *stacks;
	size_t nr_stacks, cap_stacks;
	size_t *stack_idx; /* open addressing: index + 1, 0 = free */
	size_t idx_cap;
	char *kallsyms;
	struct fathom_ksyms *ksyms;
	bool ksyms_tried;
	fathom_out_usym_fn usym_fn;
	void *usym_arg;
	time_t (*now)(void);
};

static time_t default_now(void)
{
	return time(NULL);
}

struct fathom_out *fathom_out_new(FILE *f, enum fathom_out_format fmt,
				  const struct fathom_compiled *c)
{
	struct fathom_out *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->f = f;
	o->fmt = fmt;
	o->c = c;
	o->now = default_now;
	return o;
}

void fathom_out_free(struct fathom_out *o)
{
	size_t i;

	if (!o)
		return;
	for (i = 0; i < o->nr_stacks; i++)
		free(o->stacks[i].ips);
	free(o->stacks);
	free(o->stack_idx);
	free(o->kallsyms);
	fathom_ksyms_free(o->ksyms);
	free(o);
}

void fathom_out_set_kallsyms(struct fathom_out *o, const char *path)
{
	free(o->kallsyms);
	o->kallsyms = path ? strdup(path) : NULL;
	fathom_ksyms_free(o->ksyms);
	o->ksyms = NULL;
	o->ksyms_tried = false;
}

void fathom_out_set_usyms(struct fathom_out *o, fathom_out_usym_fn fn,
			  void *arg)
{
	o->usym_fn = fn;
	o->usym_arg = arg;
}

void fathom_out_set_clock(struct fathom_out *o, time_t (*now)(void))
{
	o->now = now ? now : default_now;
}

static bool is_json(const struct fathom_out *o)
{
	return o->fmt == FATHOM_OUT_JSON;
}

static void out_write(struct fathom_out *o, const struct sb *b)
{
	if (b->len)
		fwrite(b->s, 1, b->len, o->f);
}

/* {"type": "@type", "data": "@s"} */
static void out_json_message(struct fathom_out *o, const char *type,
			     const char *s, size_t n)
{
	struct sb b = { 0 };

	sb_printf(&b, "{\"type\": \"%s\", \"data\": \"", type);
	sb_json_str(&b, s, n);
	sb_puts(&b, "\"}\n");
	out_write(o, &b);
	sb_free(&b);
}

void fathom_out_attached(struct fathom_out *o, unsigned int nr_probes)
{
	if (is_json(o))
		fprintf(o->f,
			"{\"type\": \"attached_probes\", \"data\": {\"probes\": %u}}\n",
			nr_probes);
	else
		fprintf(o->f, "Attaching %u probe%s...\n", nr_probes,
			nr_probes == 1 ? "" : "s");
}

void fathom_out_lost(struct fathom_out *o, uint64_t lost)
{
	if (is_json(o))
		fprintf(o->f,
			"{\"type\": \"lost_events\", \"data\": {\"events\": %" PRIu64
			"}}\n",
			lost);
	else
		fprintf(o->f, "Lost %" PRIu64 " events\n", lost);
}

void fathom_out_exit_banner(struct fathom_out *o)
{
	fputs("\n\n", o->f);
}

/* ---- symbols and stacks ---------------------------------------------- */

static const struct fathom_ksyms *out_ksyms(struct fathom_out *o)
{
	if (!o->ksyms_tried) {
		o->ksyms_tried = true;
		o->ksyms = fathom_ksyms_load(o->kallsyms, NULL);
	}
	return o->ksyms;
}

/* An address as C++ prints a void *: "0" for NULL, else "0x<hex>". */
static void sb_addr(struct sb *b, uint64_t addr)
{
	if (addr)
		sb_printf(b, "0x%" PRIx64, addr);
	else
		sb_putc(b, '0');
}

static void sb_ksym(struct fathom_out *o, struct sb *b, uint64_t addr,
		    bool offset)
{
	uint64_t off;
	const char *name = fathom_ksyms_find(out_ksyms(o), addr, &off);

	if (!name)
		sb_addr(b, addr);
	else if (offset)
		sb_printf(b, "%s+%" PRIu64, name, off);
	else
		sb_puts(b, name);
}

/* A user address of process @pid: resolved when a resolver is set. */
static void sb_usym(struct fathom_out *o, struct sb *b, uint32_t pid,
		    uint64_t addr, unsigned int flags)
{
	char buf[256];
	int n;

	if (!o->usym_fn || !pid) {
		sb_addr(b, addr);
		return;
	}
	n = o->usym_fn(o->usym_arg, pid, addr, flags, buf, sizeof(buf));
	if (n < 0) {
		sb_addr(b, addr);
	} else if ((size_t)n < sizeof(buf)) {
		sb_putn(b, buf, (size_t)n);
	} else if (sb_reserve(b, (size_t)n)) {
		/* a long (C++) name: format again into the buffer itself */
		o->usym_fn(o->usym_arg, pid, addr, flags, b->s + b->len,
			   (size_t)n + 1);
		b->len += (size_t)n;
	}
}

static size_t stack_hash(uint32_t map, uint64_t id, size_t cap)
{
	uint64_t h = (id ^ ((uint64_t)map << 32)) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & (cap - 1);
}

static struct ostack *stack_find(const struct fathom_out *o, uint32_t map,
				 uint64_t id)
{
	size_t i;

	if (!o->idx_cap)
		return NULL;
	for (i = stack_hash(map, id, o->idx_cap); o->stack_idx[i];
	     i = (i + 1) & (o->idx_cap - 1)) {
		struct ostack *s = &o->stacks[o->stack_idx[i] - 1];

		if (s->map == map && s->id == id)
			return s;
	}
	return NULL;
}

static int stack_index(struct fathom_out *o)
{
	size_t cap = o->idx_cap ? o->idx_cap : 64, i, j;
	size_t *idx;

	while (cap < 2 * (o->nr_stacks + 1))
		cap *= 2;
	if (cap == o->idx_cap)
		return 0;
	idx = calloc(cap, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (i = 0; i < o->nr_stacks; i++) {
		j = stack_hash(o->stacks[i].map, o->stacks[i].id, cap);
		while (idx[j])
			j = (j + 1) & (cap - 1);
		idx[j] = i + 1;
	}
	free(o->stack_idx);
	o->stack_idx = idx;
	o->idx_cap = cap;
	return 0;
}

int fathom_out_stack_add(struct fathom_out *o, uint32_t stack_map, uint64_t id,
			 const uint64_t *ips, uint32_t nr)
{
	return fathom_out_ustack_add(o, stack_map, id, 0, ips, nr);
}

int fathom_out_ustack_add(struct fathom_out *o, uint32_t stack_map, uint64_t id,
			  uint32_t tgid, const uint64_t *ips, uint32_t nr)
{
	struct ostack *s = stack_find(o, stack_map, id);
	uint64_t *copy = malloc((nr ? nr : 1) * sizeof(*copy));
	size_t j;

	if (!copy)
		return -ENOMEM;
	if (nr)
		memcpy(copy, ips, nr * sizeof(*copy));
	if (tgid && o->usym_fn)
		o->usym_fn(o->usym_arg, tgid, 0, FATHOM_USYM_CAPTURE, NULL, 0);
	if (s) {
		free(s->ips);
		s->ips = copy;
		s->nr = nr;
		s->tgid = tgid;
		return 0;
	}
	if (stack_index(o))
		goto nomem;
	if (o->nr_stacks == o->cap_stacks) {
		size_t cap = o->cap_stacks ? o->cap_stacks * 2 : 32;
		void *p = realloc(o->stacks, cap * sizeof(*o->stacks));

		if (!p)
			goto nomem;
		o->stacks = p;
		o->cap_stacks = cap;
	}
	s = &o->stacks[o->nr_stacks++];
	s->map = stack_map;
	s->id = id;
	s->tgid = tgid;
	s->ips = copy;
	s->nr = nr;
	j = stack_hash(stack_map, id, o->idx_cap);
	while (o->stack_idx[j])
		j = (j + 1) & (o->idx_cap - 1);
	o->stack_idx[j] = o->nr_stacks;
	return 0;
nomem:
	free(copy);
	return -ENOMEM;
}

/* The STACK map codegen uses for stacks of type @t (same choice). */
static uint32_t stack_map_for(const struct fathom_compiled *c,
			      const struct type *t)
{
	uint32_t depth = t->stack_depth ? t->stack_depth : AST_STACK_DEFAULT;
	uint32_t i;

	if (depth > FATHOM_CG_STACK_DEPTH_MAX)
		depth = FATHOM_CG_STACK_DEPTH_MAX;
	for (i = 0; i < c->nr_maps; i++)
		if (c->map_info[i].is_stack &&
		    c->map_info[i].user_stack == (t->kind == TYPE_USTACK) &&
		    c->map_info[i].stack_depth == depth)
			return i + 1;
	return 0;
}

/*
 * A stack as bpftrace prints it: a newline, then one frame per line
 * indented by @indent spaces (bpftrace mode), or "\t<hex> <sym>" (perf
 * mode), or the bare hex address (raw mode). An unknown stack is "".
 */
static void sb_stack(struct fathom_out *o, struct sb *b, const struct type *t,
		     uint32_t stack_map, uint64_t id, int indent)
{
	bool user = t->kind == TYPE_USTACK;
	const struct ostack *s;
	uint32_t i;

	if (!stack_map)
		stack_map = stack_map_for(o->c, t);
	s = stack_find(o, stack_map, id);
	if (!s)
		return;
	sb_putc(b, '\n');
	for (i = 0; i < s->nr && s->ips[i]; i++) {
		uint64_t ip = s->ips[i];

		switch (t->stack_mode) {
		case STACK_MODE_PERF:
			sb_printf(b, "\t%" PRIx64 " ", ip);
			break;
		case STACK_MODE_RAW:
			sb_printf(b, "%" PRIx64 "\n", ip);
			continue;
		default:
			sb_printf(b, "%*s", indent, "");
			break;
		}
		if (user)
			sb_usym(o, b, s->tgid, ip,
				FATHOM_USYM_OFFSET |
					(t->stack_mode == STACK_MODE_PERF
						 ? FATHOM_USYM_MODULE
						 : 0));
		else
			sb_ksym(o, b, ip, true);
		sb_putc(b, '\n');
	}
}

static const char *probe_name(const struct fathom_out *o, uint64_t idx)
{
	if (idx < o->c->nr_probe_names && o->c->probe_names[idx])
		return o->c->probe_names[idx];
	return NULL;
}

/* Integer of type @t stored in 8 bytes: sign- or zero-extended. */
static uint64_t int_norm(const struct type *t, uint64_t v)
{
	uint32_t bits = t->kind == TYPE_INT && t->size && t->size < 8
				? t->size * 8
				: 64;

	if (bits == 64)
		return v;
	v &= (1ull << bits) - 1;
	if (t->is_signed && (v >> (bits - 1)))
		v |= ~((1ull << bits) - 1);
	return v;
}

static bool int_signed(const struct type *t)
{
	return t->kind != TYPE_INT || t->is_signed;
}

static uint64_t rd64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * One value of type @t at @p (@size bytes available) as text. @indent is
 * the stack indentation (4 in keys, 8 in values, as bpftrace).
 */
static void sb_value(struct fathom_out *o, struct sb *b, const struct type *t,
		     const uint8_t *p, size_t size, uint32_t stack_map,
		     int indent)
{
	uint64_t v = size >= 8 ? rd64(p) : 0;
	const char *name;

	switch (t->kind) {
	case TYPE_STRING:
		sb_putn(b, (const char *)p,
			strnlen((const char *)p,
				t->size < size ? t->size : size));
		break;
	case TYPE_KSTACK:
	case TYPE_USTACK:
		sb_stack(o, b, t, stack_map, v, indent);
		break;
	case TYPE_KSYM:
		sb_ksym(o, b, v, false);
		break;
	case TYPE_USYM:
		/* { u64 addr; u64 tgid } when the value has its process */
		if (t->size >= 16 && size >= 16)
			sb_usym(o, b, (uint32_t)rd64(p + 8), v, 0);
		else
			sb_addr(b, v);
		break;
	case TYPE_PROBE:
	case TYPE_FUNC:
		name = probe_name(o, v);
		if (name && t->kind == TYPE_FUNC)
			name = fathom_func_name(name);
		if (name)
			sb_puts(b, name);
		else
			sb_printf(b, "%" PRIu64, v);
		break;
	default:
		v = int_norm(t, v);
		if (int_signed(t))
			sb_printf(b, "%" PRId64, (int64_t)v);
		else
			sb_printf(b, "%" PRIu64, v);
		break;
	}
}

/* ---- printf() and time() records ------------------------------------- */

struct conv {
	char flags[8];
	int width, prec; /* -1: absent */
	char len[3];	 /* "", "hh", "h", "l", "ll", "z", "j", "t" */
	char conv;
};

#define CONV_MAX_DIGITS 4 /* widths and precisions up to 9999 */

/* Parse the conversion after the '%' at @s; returns its length or -1. */
static int conv_parse(const char *s, struct conv *cv)
{
	const char *p = s;
	size_t nf = 0;
	int nd;

	memset(cv, 0, sizeof(*cv));
	cv->width = -1;
	cv->prec = -1;
	while (*p && strchr("-+ #0", *p)) {
		if (nf + 1 >= sizeof(cv->flags))
			return -1;
		cv->flags[nf++] = *p++;
	}
	for (nd = 0; *p >= '0' && *p <= '9'; nd++, p++) {
		if (nd == CONV_MAX_DIGITS)
			return -1;
		cv->width = (cv->width < 0 ? 0 : cv->width * 10) + (*p - '0');
	}
	if (*p == '.') {
		p++;
		cv->prec = 0;
		for (nd = 0; *p >= '0' && *p <= '9'; nd++, p++) {
			if (nd == CONV_MAX_DIGITS)
				return -1;
			cv->prec = cv->prec * 10 + (*p - '0');
		}
	}
	if ((p[0] == 'h' && p[1] == 'h') || (p[0] == 'l' && p[1] == 'l')) {
		memcpy(cv->len, p, 2);
		p += 2;
	} else if (*p && strchr("hlzjt", *p)) {
		cv->len[0] = *p++;
	}
	if (!*p || !strchr("diuxXocsp", *p))
		return -1;
	cv->conv = *p++;
	return (int)(p - s);
}

/* "%<flags><width>.<prec><len><conv>" with the length modifier given. */
static void spec_build(char *buf, size_t size, const struct conv *cv,
		       const char *len)
{
	int n = snprintf(buf, size, "%%%s", cv->flags);

	if (cv->width >= 0)
		n += snprintf(buf + n, size - n, "%d", cv->width);
	if (cv->prec >= 0)
		n += snprintf(buf + n, size - n, ".%d", cv->prec);
	snprintf(buf + n, size - n, "%s%c", len, cv->conv);
}

static bool is_str_type(const struct type *t)
{
	switch (t->kind) {
	case TYPE_STRING:
	case TYPE_KSYM:
	case TYPE_USYM:
	case TYPE_PROBE:
	case TYPE_FUNC:
	case TYPE_KSTACK:
	case TYPE_USTACK:
		return true;
	default:
		return false;
	}
}

static int format_conv(struct fathom_out *o, struct sb *b,
		       const struct conv *cv, const struct type *t,
		       const uint8_t *arg, size_t avail)
{
	char spec[48];
	uint64_t v = rd64(arg);
	bool wide = cv->len[0] == 'l' || cv->len[0] == 'z' ||
		    cv->len[0] == 'j' || cv->len[0] == 't';
	struct sb s = { 0 };

	switch (cv->conv) {
	case 's':
		if (!is_str_type(t))
			return -EBADMSG;
		sb_value(o, &s, t, arg, avail, 0, 8);
		if (s.oom) {
			sb_free(&s);
			return -ENOMEM;
		}
		spec_build(spec, sizeof(spec), cv, "");
		sb_spec(b, spec, sb_str(&s));
		sb_free(&s);
		return 0;
	case 'p':
		if (t->kind == TYPE_STRING)
			return -EBADMSG;
		spec_build(spec, sizeof(spec), cv, "");
		sb_spec(b, spec, (void *)(uintptr_t)int_norm(t, v));
		return 0;
	case 'c':
		if (is_str_type(t))
			return -EBADMSG;
		spec_build(spec, sizeof(spec), cv, "");
		sb_spec(b, spec, (int)int_norm(t, v));
		return 0;
	default:
		if (is_str_type(t))
			return -EBADMSG;
		v = int_norm(t, v);
		if (wide) {
			spec_build(spec, sizeof(spec), cv, "ll");
			if (cv->conv == 'd' || cv->conv == 'i')
				sb_spec(b, spec, (long long)v);
			else
				sb_spec(b, spec, (unsigned long long)v);
		} else {
			/* int, or char/short with hh/h: snprintf narrows */
			spec_build(spec, sizeof(spec), cv, cv->len);
			if (cv->conv == 'd' || cv->conv == 'i')
				sb_spec(b, spec, (int)v);
			else
				sb_spec(b, spec, (unsigned int)v);
		}
		return 0;
	}
}

static uint32_t arg_bytes(const struct type *t)
{
	if (t->kind == TYPE_STRING || (t->kind == TYPE_USYM && t->size > 8))
		return (t->size + 7) / 8 * 8;
	return 8;
}

static int format_printf(struct fathom_out *o, const struct fathom_fmt *f,
			 const uint8_t *rec, size_t len, struct sb *b)
{
	const char *s = f->fmt;
	uint32_t argi = 0;
	struct conv cv;
	int n, err;

	if (len < f->size)
		return -EBADMSG;
	while (*s) {
		const char *pct = strchr(s, '%');

		if (!pct) {
			sb_puts(b, s);
			break;
		}
		sb_putn(b, s, (size_t)(pct - s));
		if (pct[1] == '%') {
			sb_putc(b, '%');
			s = pct + 2;
			continue;
		}
		n = conv_parse(pct + 1, &cv);
		if (n < 0 || argi >= f->nargs)
			return -EBADMSG;
		if (f->arg_off[argi] + arg_bytes(&f->args[argi]) > len)
			return -EBADMSG;
		err = format_conv(o, b, &cv, &f->args[argi],
				  rec + f->arg_off[argi],
				  len - f->arg_off[argi]);
		if (err)
			return err;
		argi++;
		s = pct + 1 + n;
	}
	if (argi != f->nargs)
		return -EBADMSG;
	return b->oom ? -ENOMEM : 0;
}

static void out_text_or_json(struct fathom_out *o, const char *type,
			     const struct sb *b)
{
	if (is_json(o))
		out_json_message(o, type, sb_str(b), b->len);
	else
		out_write(o, b);
}

int fathom_out_time(struct fathom_out *o, uint32_t fmt_id)
{
	char buf[512];
	struct sb b = { 0 };
	struct tm tm;
	time_t t;
	size_t n;

	if (fmt_id >= o->c->nr_fmts || !o->c->fmts[fmt_id].is_time)
		return -EBADMSG;
	t = o->now();
	if (!localtime_r(&t, &tm))
		return 0;
	/* bpftrace prints nothing when strftime() gives nothing */
	n = strftime(buf, sizeof(buf), o->c->fmts[fmt_id].fmt, &tm);
	if (!n)
		return 0;
	sb_putn(&b, buf, n);
	out_text_or_json(o, "time", &b);
	sb_free(&b);
	return 0;
}

int fathom_out_record(struct fathom_out *o, const void *rec, size_t len)
{
	const struct fathom_fmt *f;
	uint32_t id, arg;
	struct sb b = { 0 };
	int err;

	if (len < 4)
		return -EBADMSG;
	memcpy(&id, rec, 4);
	if (id >= FATHOM_ACTION_BASE) {
		if (id != FATHOM_ACTION_TIME)
			return 1;
		if (len < 8)
			return -EBADMSG;
		memcpy(&arg, (const uint8_t *)rec + 4, 4);
		return fathom_out_time(o, arg);
	}
	if (id >= o->c->nr_fmts)
		return -EBADMSG;
	f = &o->c->fmts[id];
	if (f->is_time)
		return fathom_out_time(o, id);
	err = format_printf(o, f, rec, len, &b);
	if (!err)
		out_text_or_json(o, "printf", &b);
	sb_free(&b);
	return err;
}

/* ---- maps: collecting and merging ------------------------------------ */

struct mentry {
	uint8_t *key;
	uint64_t *v; /* nwords: the merged value */
};

struct fathom_mapdata {
	struct fathom_out *o;
	uint32_t id;
	const struct fathom_map_spec *spec;
	const struct fathom_cmap *info;
	uint32_t vsize;	 /* bytes per dumped value */
	uint32_t nwords; /* 64-bit words of the merged value */
	struct mentry *e;
	size_t n, cap;
	size_t *idx; /* open addressing: index + 1 */
	size_t idx_cap;
};

static uint32_t lhist_buckets(const struct fathom_map_spec *m)
{
	if (m->lhist_step <= 0 || m->lhist_max <= m->lhist_min)
		return 0;
	if ((m->lhist_max - m->lhist_min) / m->lhist_step + 2 >
	    FATHOM_LHIST_MAX_BUCKETS)
		return 0;
	return (uint32_t)((m->lhist_max - m->lhist_min) / m->lhist_step + 2);
}

static uint32_t value_size(const struct fathom_map_spec *m)
{
	switch (m->kind) {
	case FATHOM_MAP_HASH:
		return m->value_size;
	case FATHOM_MAP_COUNT:
	case FATHOM_MAP_SUM:
	case FATHOM_MAP_MIN:
	case FATHOM_MAP_MAX:
	case FATHOM_MAP_STACK:
		return 8;
	case FATHOM_MAP_AVG:
		return 16;
	case FATHOM_MAP_STATS:
		return 32;
	case FATHOM_MAP_HIST:
		return 8 * FATHOM_HIST_BUCKETS;
	case FATHOM_MAP_LHIST:
		return 8 * lhist_buckets(m);
	default:
		return 0;
	}
}

struct fathom_mapdata *fathom_mapdata_new(struct fathom_out *o, uint32_t map_id)
{
	struct fathom_mapdata *md;

	if (!map_id || map_id > o->c->nr_maps)
		return NULL;
	md = calloc(1, sizeof(*md));
	if (!md)
		return NULL;
	md->o = o;
	md->id = map_id;
	md->spec = &o->c->maps[map_id - 1];
	md->info = &o->c->map_info[map_id - 1];
	md->vsize = value_size(md->spec);
	md->nwords = (md->vsize + 7) / 8;
	return md;
}

void fathom_mapdata_free(struct fathom_mapdata *md)
{
	size_t i;

	if (!md)
		return;
	for (i = 0; i < md->n; i++) {
		free(md->e[i].key);
		free(md->e[i].v);
	}
	free(md->e);
	free(md->idx);
	free(md);
}

static size_t key_hash(const uint8_t *k, uint32_t n, size_t cap)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint32_t i;

	for (i = 0; i < n; i++)
		h = (h ^ k[i]) * 0x100000001b3ull;
	return (size_t)(h ^ (h >> 32)) & (cap - 1);
}

static struct mentry *md_find(struct fathom_mapdata *md, const uint8_t *key)
{
	uint32_t ks = md->spec->key_size;
	size_t i;

	if (!md->idx_cap)
		return NULL;
	for (i = key_hash(key, ks, md->idx_cap); md->idx[i];
	     i = (i + 1) & (md->idx_cap - 1))
		if (!memcmp(md->e[md->idx[i] - 1].key, key, ks))
			return &md->e[md->idx[i] - 1];
	return NULL;
}

static int md_reindex(struct fathom_mapdata *md)
{
	size_t cap = md->idx_cap ? md->idx_cap : 64, i, j;
	size_t *idx;

	while (cap < 2 * (md->n + 1))
		cap *= 2;
	if (cap == md->idx_cap)
		return 0;
	idx = calloc(cap, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (i = 0; i < md->n; i++) {
		j = key_hash(md->e[i].key, md->spec->key_size, cap);
		while (idx[j])
			j = (j + 1) & (cap - 1);
		idx[j] = i + 1;
	}
	free(md->idx);
	md->idx = idx;
	md->idx_cap = cap;
	return 0;
}

static struct mentry *md_insert(struct fathom_mapdata *md, const uint8_t *key)
{
	uint32_t ks = md->spec->key_size;
	struct mentry *e;
	size_t j;

	if (md_reindex(md))
		return NULL;
	if (md->n == md->cap) {
		size_t cap = md->cap ? md->cap * 2 : 64;
		void *p = realloc(md->e, cap * sizeof(*md->e));

		if (!p)
			return NULL;
		md->e = p;
		md->cap = cap;
	}
	e = &md->e[md->n];
	e->key = malloc(ks ? ks : 1);
	e->v = calloc(md->nwords ? md->nwords : 1, sizeof(uint64_t));
	if (!e->key || !e->v) {
		free(e->key);
		free(e->v);
		return NULL;
	}
	memcpy(e->key, key, ks);
	md->n++;
	j = key_hash(key, ks, md->idx_cap);
	while (md->idx[j])
		j = (j + 1) & (md->idx_cap - 1);
	md->idx[j] = md->n;
	return e;
}

static int64_t smin(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int64_t smax(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* Fold one CPU's value @in into @e; @fresh: @e has no value yet. */
static void merge(const struct fathom_mapdata *md, struct mentry *e,
		  const uint8_t *in, bool fresh)
{
	uint64_t w[4];
	uint32_t i;

	switch (md->spec->kind) {
	case FATHOM_MAP_MIN:
		w[0] = rd64(in);
		e->v[0] =
			fresh ? w[0]
			      : (uint64_t)smin((int64_t)e->v[0], (int64_t)w[0]);
		break;
	case FATHOM_MAP_MAX:
		w[0] = rd64(in);
		e->v[0] =
			fresh ? w[0]
			      : (uint64_t)smax((int64_t)e->v[0], (int64_t)w[0]);
		break;
	case FATHOM_MAP_STATS:
		for (i = 0; i < 4; i++)
			w[i] = rd64(in + 8 * i);
		e->v[0] += w[0];
		e->v[1] += w[1];
		e->v[2] =
			fresh ? w[2]
			      : (uint64_t)smin((int64_t)e->v[2], (int64_t)w[2]);
		e->v[3] =
			fresh ? w[3]
			      : (uint64_t)smax((int64_t)e->v[3], (int64_t)w[3]);
		break;
	case FATHOM_MAP_HASH:
	case FATHOM_MAP_STACK:
		/* one shared table: the last copy wins */
		memcpy(e->v, in, md->vsize);
		break;
	default:
		/* count, sum, avg's {sum, count}, histogram buckets: add */
		for (i = 0; i < md->nwords; i++)
			e->v[i] += rd64(in + 8 * i);
		break;
	}
}

/* A STACK map entry: key { u32 nr; u32 tgid; u64 ips[nr] }, value { id } */
static int stack_entry_add(struct fathom_mapdata *md, const uint8_t *key,
			   uint32_t key_size, const void *value)
{
	uint64_t *ips;
	uint32_t nr, tgid;
	int err;

	if (key_size < 8)
		return -EINVAL;
	memcpy(&nr, key, 4);
	memcpy(&tgid, key + 4, 4);
	if (nr > (key_size - 8) / 8)
		return -EINVAL;
	/* the key need not be aligned: copy the addresses out */
	ips = malloc((nr ? nr : 1) * sizeof(*ips));
	if (!ips)
		return -ENOMEM;
	memcpy(ips, key + 8, nr * sizeof(*ips));
	err = fathom_out_ustack_add(md->o, md->id, rd64(value), tgid, ips, nr);
	free(ips);
	return err;
}

int fathom_mapdata_add(struct fathom_mapdata *md, uint32_t cpu, const void *key,
		       uint32_t key_size, const void *value,
		       uint32_t value_size)
{
	struct mentry *e;
	bool fresh = false;

	(void)cpu;
	if (key_size != md->spec->key_size || value_size != md->vsize ||
	    !md->vsize)
		return -EINVAL;
	if (md->spec->kind == FATHOM_MAP_STACK)
		return stack_entry_add(md, key, key_size, value);
	e = md_find(md, key);
	if (!e) {
		e = md_insert(md, key);
		if (!e)
			return -ENOMEM;
		fresh = true;
	}
	merge(md, e, value, fresh);
	return 0;
}

/* ---- maps: sorting --------------------------------------------------- */

enum sort_by {
	SORT_KEY,
	SORT_SIGNED,
	SORT_UNSIGNED,
};

struct sorted {
	const struct mentry *e;
	uint64_t sv;
};

struct sort_ctx {
	const struct fathom_mapdata *md;
	enum sort_by by;
};

/* bpftrace's integer average: total / count, 0 without a count */
static int64_t avg_of(uint64_t count, int64_t total)
{
	return count ? total / (int64_t)count : 0;
}

static enum sort_by sort_value(const struct fathom_mapdata *md,
			       const struct mentry *e, uint64_t *sv)
{
	const struct type *vt = &md->info->value;
	uint32_t i;

	switch (md->spec->kind) {
	case FATHOM_MAP_COUNT:
		*sv = e->v[0];
		return SORT_UNSIGNED;
	case FATHOM_MAP_SUM:
	case FATHOM_MAP_MIN:
	case FATHOM_MAP_MAX:
		*sv = e->v[0];
		return SORT_SIGNED;
	case FATHOM_MAP_AVG:
		*sv = (uint64_t)avg_of(e->v[1], (int64_t)e->v[0]);
		return SORT_SIGNED;
	case FATHOM_MAP_STATS:
		*sv = (uint64_t)avg_of(e->v[0], (int64_t)e->v[1]);
		return SORT_SIGNED;
	case FATHOM_MAP_HIST:
	case FATHOM_MAP_LHIST:
		*sv = 0;
		for (i = 0; i < md->nwords; i++)
			*sv += e->v[i];
		return SORT_UNSIGNED;
	default:
		if (vt->kind != TYPE_INT || md->vsize < 8)
			return SORT_KEY;
		*sv = int_norm(vt, e->v[0]);
		return vt->is_signed ? SORT_SIGNED : SORT_UNSIGNED;
	}
}

/* Keys in bpftrace's order: component by component, first one first. */
static int key_cmp(const struct fathom_mapdata *md, const uint8_t *a,
		   const uint8_t *b)
{
	const struct fathom_cmap *info = md->info;
	uint32_t k;

	for (k = 0; k < info->nkeys; k++) {
		const struct type *t = &info->keys[k];
		const uint8_t *pa = a + info->key_off[k];
		const uint8_t *pb = b + info->key_off[k];
		uint64_t x, y;
		int r;

		if (t->kind == TYPE_STRING) {
			r = strncmp((const char *)pa, (const char *)pb,
				    t->size);
			if (r)
				return r;
			continue;
		}
		x = rd64(pa);
		y = rd64(pb);
		if (t->kind == TYPE_INT) {
			x = int_norm(t, x);
			y = int_norm(t, y);
			if (t->is_signed && (int64_t)x != (int64_t)y)
				return (int64_t)x < (int64_t)y ? -1 : 1;
		}
		if (x != y)
			return x < y ? -1 : 1;
	}
	return memcmp(a, b, md->spec->key_size);
}

static int sorted_cmp(const void *pa, const void *pb, void *arg)
{
	const struct sorted *a = pa, *b = pb;
	const struct sort_ctx *ctx = arg;

	if (ctx->by == SORT_SIGNED && a->sv != b->sv)
		return (int64_t)a->sv < (int64_t)b->sv ? -1 : 1;
	if (ctx->by == SORT_UNSIGNED && a->sv != b->sv)
		return a->sv < b->sv ? -1 : 1;
	return key_cmp(ctx->md, a->e->key, b->e->key);
}

static struct sorted *md_sorted(const struct fathom_mapdata *md)
{
	struct sorted *s = calloc(md->n ? md->n : 1, sizeof(*s));
	struct sort_ctx ctx = { .md = md, .by = SORT_KEY };
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < md->n; i++) {
		s[i].e = &md->e[i];
		ctx.by = sort_value(md, &md->e[i], &s[i].sv);
	}
	qsort_r(s, md->n, sizeof(*s), sorted_cmp, &ctx);
	return s;
}

/* ---- maps: printing -------------------------------------------------- */

/* "[k1, k2]" in text, "k1,k2" in JSON (escaped later); "" without keys */
static void sb_key(const struct fathom_mapdata *md, struct sb *b,
		   const uint8_t *key, bool json)
{
	const struct fathom_cmap *info = md->info;
	uint32_t k;

	if (!info->nkeys)
		return;
	if (!json)
		sb_putc(b, '[');
	for (k = 0; k < info->nkeys; k++) {
		uint32_t off = info->key_off[k];

		if (k)
			sb_puts(b, json ? "," : ", ");
		sb_value(md->o, b, &info->keys[k], key + off,
			 md->spec->key_size - off, info->stack_map[k], 4);
	}
	if (!json)
		sb_putc(b, ']');
}

static bool value_is_stack(const struct type *t)
{
	return t->kind == TYPE_KSTACK || t->kind == TYPE_USTACK;
}

static bool value_quoted(const struct type *t)
{
	return is_str_type(t);
}

/* A plain (non-histogram, non-stats) value as text. */
static void sb_plain_value(const struct fathom_mapdata *md, struct sb *b,
			   const struct mentry *e)
{
	switch (md->spec->kind) {
	case FATHOM_MAP_COUNT:
		sb_printf(b, "%" PRIu64, e->v[0]);
		break;
	case FATHOM_MAP_SUM:
	case FATHOM_MAP_MIN:
	case FATHOM_MAP_MAX:
		sb_printf(b, "%" PRId64, (int64_t)e->v[0]);
		break;
	default:
		sb_value(md->o, b, &md->info->value, (const uint8_t *)e->v,
			 md->vsize, md->info->value_stack_map, 8);
		break;
	}
}

/* bpftrace's power-of-two labels: 1, 2, ... 512, 1K ... 512K, 1M ... */
static void sb_pow2_label(struct sb *b, unsigned int power)
{
	static const char suffix[] = " KMGTPE";
	unsigned int s = power / 10;

	if (s > 6)
		s = 6;
	power -= s * 10;
	if (s)
		sb_printf(b, "%llu%c", 1ull << power, suffix[s]);
	else
		sb_printf(b, "%llu", 1ull << power);
}

static void sb_lhist_label(struct sb *b, int64_t n)
{
	if (n && n % (1024 * 1024) == 0)
		sb_printf(b, "%" PRId64 "M", n / (1024 * 1024));
	else if (n && n % 1024 == 0)
		sb_printf(b, "%" PRId64 "K", n / 1024);
	else
		sb_printf(b, "%" PRId64, n);
}

/* The range of buckets printed: first to last non-zero; false if none. */
static bool bucket_range(const uint64_t *v, uint32_t n, uint32_t *lo,
			 uint32_t *hi, uint64_t *max)
{
	uint32_t i;
	bool any = false;

	*max = 0;
	for (i = 0; i < n; i++) {
		if (!v[i])
			continue;
		if (!any)
			*lo = i;
		any = true;
		*hi = i;
		if (v[i] > *max)
			*max = v[i];
	}
	return any;
}

static void sb_bucket_line(struct sb *b, const struct sb *label, uint64_t n,
			   uint64_t max)
{
	/* bpftrace: count / (float)max * 52, truncated */
	int bar = (int)((float)n / (float)max * 52);

	sb_printf(b, "%-16s%8" PRIu64 " |", sb_str(label), n);
	sb_printf(b, "%-52.*s|\n", bar,
		  "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
}

static void sb_hist_text(struct sb *b, const uint64_t *v)
{
	struct sb label = { 0 };
	uint32_t lo, hi, i;
	uint64_t max;

	if (!bucket_range(v, FATHOM_HIST_BUCKETS, &lo, &hi, &max))
		return;
	for (i = lo; i <= hi; i++) {
		sb_reset(&label);
		if (i == 0) {
			sb_puts(&label, "(..., 0)");
		} else if (i == 1) {
			sb_puts(&label, "[0]");
		} else if (i == 2) {
			sb_puts(&label, "[1]");
		} else {
			sb_putc(&label, '[');
			sb_pow2_label(&label, i - 2);
			sb_puts(&label, ", ");
			sb_pow2_label(&label, i - 1);
			sb_putc(&label, ')');
		}
		sb_bucket_line(b, &label, v[i], max);
	}
	sb_free(&label);
}

static void sb_lhist_text(struct sb *b, const struct fathom_map_spec *m,
			  const uint64_t *v)
{
	uint32_t nb = lhist_buckets(m), lo, hi, i;
	struct sb label = { 0 };
	uint64_t max;

	if (!bucket_range(v, nb, &lo, &hi, &max))
		return;
	for (i = lo; i <= hi; i++) {
		sb_reset(&label);
		if (i == 0) {
			sb_puts(&label, "(..., ");
			sb_lhist_label(&label, m->lhist_min);
			sb_putc(&label, ')');
		} else if (i == nb - 1) {
			sb_putc(&label, '[');
			sb_lhist_label(&label, m->lhist_max);
			sb_puts(&label, ", ...)");
		} else {
			sb_putc(&label, '[');
			sb_lhist_label(&label,
				       m->lhist_min + (i - 1) * m->lhist_step);
			sb_puts(&label, ", ");
			sb_lhist_label(&label,
				       m->lhist_min + i * m->lhist_step);
			sb_putc(&label, ')');
		}
		sb_bucket_line(b, &label, v[i], max);
	}
	sb_free(&label);
}

static void sb_hist_json(struct sb *b, const uint64_t *v)
{
	uint32_t lo, hi, i;
	uint64_t max;

	sb_putc(b, '[');
	if (bucket_range(v, FATHOM_HIST_BUCKETS, &lo, &hi, &max)) {
		for (i = lo; i <= hi; i++) {
			if (i > lo)
				sb_puts(b, ", ");
			if (i == 0)
				sb_puts(b, "{\"max\": -1, ");
			else if (i == 1)
				sb_puts(b, "{\"min\": 0, \"max\": 0, ");
			else
				sb_printf(b, "{\"min\": %llu, \"max\": %llu, ",
					  1ull << (i - 2),
					  (1ull << (i - 2)) - 1 +
						  (1ull << (i - 2)));
			sb_printf(b, "\"count\": %" PRIu64 "}", v[i]);
		}
	}
	sb_putc(b, ']');
}

static void sb_lhist_json(struct sb *b, const struct fathom_map_spec *m,
			  const uint64_t *v)
{
	uint32_t nb = lhist_buckets(m), lo, hi, i;
	uint64_t max;

	sb_putc(b, '[');
	if (bucket_range(v, nb, &lo, &hi, &max)) {
		for (i = lo; i <= hi; i++) {
			if (i > lo)
				sb_puts(b, ", ");
			if (i == 0)
				sb_printf(b, "{\"max\": %" PRId64 ", ",
					  m->lhist_min - 1);
			else if (i == nb - 1)
				sb_printf(b, "{\"min\": %" PRId64 ", ",
					  m->lhist_max);
			else
				sb_printf(b,
					  "{\"min\": %" PRId64
					  ", \"max\": %" PRId64 ", ",
					  m->lhist_min +
						  (i - 1) * m->lhist_step,
					  m->lhist_min + i * m->lhist_step - 1);
			sb_printf(b, "\"count\": %" PRIu64 "}", v[i]);
		}
	}
	sb_putc(b, ']');
}

static void stats_of(const struct fathom_mapdata *md, const struct mentry *e,
		     uint64_t *count, int64_t *total, int64_t *avg)
{
	if (md->spec->kind == FATHOM_MAP_AVG) {
		*total = (int64_t)e->v[0];
		*count = e->v[1];
	} else {
		*count = e->v[0];
		*total = (int64_t)e->v[1];
	}
	*avg = avg_of(*count, *total);
}

static void map_text(const struct fathom_mapdata *md, const struct sorted *s,
		     struct sb *b)
{
	const char *name = md->info->name;
	uint32_t kind = md->spec->kind;
	bool stack_val = kind == FATHOM_MAP_HASH &&
			 value_is_stack(&md->info->value);
	uint64_t count;
	int64_t total, avg;
	size_t i;

	for (i = 0; i < md->n; i++) {
		const struct mentry *e = s[i].e;

		sb_puts(b, name);
		sb_key(md, b, e->key, false);
		sb_puts(b, ": ");
		switch (kind) {
		case FATHOM_MAP_HIST:
			sb_putc(b, '\n');
			sb_hist_text(b, e->v);
			sb_putc(b, '\n');
			break;
		case FATHOM_MAP_LHIST:
			sb_putc(b, '\n');
			sb_lhist_text(b, md->spec, e->v);
			sb_putc(b, '\n');
			break;
		case FATHOM_MAP_AVG:
			stats_of(md, e, &count, &total, &avg);
			sb_printf(b, "%" PRId64 "\n", avg);
			break;
		case FATHOM_MAP_STATS:
			stats_of(md, e, &count, &total, &avg);
			sb_printf(b,
				  "count %" PRIu64 ", average %" PRId64
				  ", total %" PRId64 "\n",
				  count, avg, total);
			break;
		default:
			sb_plain_value(md, b, e);
			/* a stack value ends with its own newline */
			if (!stack_val)
				sb_putc(b, '\n');
			break;
		}
	}
	/*
	 * bpftrace ends a map with one more newline except for plain maps,
	 * whose lines already end: hist/lhist have it after each key (above),
	 * avg/stats and stack-valued maps after the last line, and an empty
	 * map is one (plain, hist) or two (avg, stats) empty lines.
	 */
	if (kind == FATHOM_MAP_AVG || kind == FATHOM_MAP_STATS || stack_val ||
	    !md->n)
		sb_putc(b, '\n');
	if (!md->n && (kind == FATHOM_MAP_AVG || kind == FATHOM_MAP_STATS))
		sb_putc(b, '\n');
}

static void map_json_value(const struct fathom_mapdata *md,
			   const struct mentry *e, struct sb *b)
{
	struct sb v = { 0 };
	uint64_t count;
	int64_t total, avg;

	switch (md->spec->kind) {
	case FATHOM_MAP_HIST:
		sb_hist_json(b, e->v);
		break;
	case FATHOM_MAP_LHIST:
		sb_lhist_json(b, md->spec, e->v);
		break;
	case FATHOM_MAP_AVG:
		stats_of(md, e, &count, &total, &avg);
		sb_printf(b, "%" PRId64, avg);
		break;
	case FATHOM_MAP_STATS:
		stats_of(md, e, &count, &total, &avg);
		sb_printf(b,
			  "{\"count\": %" PRIu64 ", \"average\": %" PRId64
			  ", \"total\": %" PRId64 "}",
			  count, avg, total);
		break;
	default:
		sb_plain_value(md, &v, e);
		if (md->spec->kind == FATHOM_MAP_HASH &&
		    value_quoted(&md->info->value)) {
			sb_json_quoted(b, sb_str(&v));
		} else {
			sb_puts(b, sb_str(&v));
		}
		if (v.oom)
			b->oom = true;
		sb_free(&v);
		break;
	}
}

static void map_json(const struct fathom_mapdata *md, const struct sorted *s,
		     struct sb *b)
{
	const char *type = "map";
	struct sb key = { 0 };
	size_t i;

	if (!md->n)
		return;
	switch (md->spec->kind) {
	case FATHOM_MAP_HIST:
	case FATHOM_MAP_LHIST:
		type = "hist";
		break;
	case FATHOM_MAP_AVG:
	case FATHOM_MAP_STATS:
		type = "stats";
		break;
	}
	sb_printf(b, "{\"type\": \"%s\", \"data\": {", type);
	sb_json_quoted(b, md->info->name);
	sb_puts(b, ": ");
	if (md->info->nkeys)
		sb_putc(b, '{');
	for (i = 0; i < md->n; i++) {
		if (!md->info->nkeys) {
			/* the single key 0; anything else is not printed */
			map_json_value(md, s[i].e, b);
			break;
		}
		if (i)
			sb_puts(b, ", ");
		sb_reset(&key);
		sb_key(md, &key, s[i].e->key, true);
		sb_json_quoted(b, sb_str(&key));
		sb_puts(b, ": ");
		map_json_value(md, s[i].e, b);
	}
	if (md->info->nkeys)
		sb_putc(b, '}');
	sb_puts(b, "}}\n");
	if (key.oom)
		b->oom = true;
	sb_free(&key);
}

void fathom_out_map(struct fathom_out *o, const struct fathom_mapdata *md)
{
	struct sorted *s;
	struct sb b = { 0 };

	if (md->spec->kind == FATHOM_MAP_STACK || !md->vsize)
		return;
	s = md_sorted(md);
	if (!s)
		return;
	if (is_json(o))
		map_json(md, s, &b);
	else
		map_text(md, s, &b);
	out_write(o, &b);
	sb_free(&b);
	free(s);
}

static int name_cmp(const void *a, const void *b, void *arg)
{
	const struct fathom_compiled *c = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return strcmp(c->map_info[x - 1].name, c->map_info[y - 1].name);
}

uint32_t fathom_out_map_order(const struct fathom_compiled *c, uint32_t *ids)
{
	uint32_t i, n = 0;

	for (i = 0; i < c->nr_maps; i++)
		if (!c->map_info[i].is_stack)
			ids[n++] = i + 1;
	qsort_r(ids, n, sizeof(*ids), name_cmp, (void *)c);
	return n;
}
