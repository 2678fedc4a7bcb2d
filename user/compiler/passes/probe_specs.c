// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probe spec splitting and validation. See probe_specs.h; the accepted
 * forms are listed at struct probe_spec in ast.h and in docs/language.md.
 */
#include <errno.h>
#include <string.h>

#include "probe_specs.h"

#define MAX_FIELDS 5

struct field {
	const char *s;
	size_t len;
	struct src_loc loc;
};

struct spec_ctx {
	struct fathom_script *s;
	struct diag_sink *d;
	struct probe_spec *out;
	struct field f[MAX_FIELDS];
	size_t n; /* fields after the type */
	struct field type;
	struct src_loc end; /* just past the spec, for "missing" errors */
};

static const struct {
	const char *name;
	const char *alias;
	enum probe_type type;
	const char *usage;
} types[] = {
	{ "BEGIN", NULL, PROBE_BEGIN, "BEGIN" },
	{ "END", NULL, PROBE_END, "END" },
	{ "kprobe", "k", PROBE_KPROBE, "kprobe:[module:]function[+offset]" },
	{ "kretprobe", "kr", PROBE_KRETPROBE, "kretprobe:[module:]function" },
	{ "uprobe", "u", PROBE_UPROBE, "uprobe:path:symbol[+offset]" },
	{ "uretprobe", "ur", PROBE_URETPROBE, "uretprobe:path:symbol" },
	{ "tracepoint", "t", PROBE_TRACEPOINT, "tracepoint:category:event" },
	{ "rawtracepoint", "rt", PROBE_RAWTRACEPOINT,
	  "rawtracepoint:[module:]event" },
	{ "usdt", "U", PROBE_USDT, "usdt:path:[provider:]probe" },
	{ "interval", "i", PROBE_INTERVAL, "interval:{s,ms,us,hz}:N" },
	{ "profile", "p", PROBE_PROFILE, "profile:{hz,s,ms,us}:N" },
};

#define NTYPES (sizeof(types) / sizeof(types[0]))

static struct src_loc sub_loc(struct src_loc base, size_t off, size_t len)
{
	struct src_loc l = base;

	l.col += (uint32_t)off;
	l.off += (uint32_t)off;
	l.len = len ? (uint32_t)len : 1;
	return l;
}

static bool has_wild(const struct field *f)
{
	return memchr(f->s, '*', f->len) || memchr(f->s, '?', f->len);
}

static const char *dup(struct spec_ctx *c, const struct field *f)
{
	return ast_strndup(&c->s->arena, f->s, f->len);
}

static int usage_error(struct spec_ctx *c, struct src_loc at, const char *what,
		       size_t t)
{
	diag_error(c->d, at, "%s in %s probe", what, types[t].name);
	diag_note(c->d, c->out->loc, "expected %s", types[t].usage);
	return -EINVAL;
}

/* Decimal or 0x hex, no sign; false when malformed or too large. */
static bool parse_u64(const char *s, size_t len, uint64_t *v)
{
	unsigned int base = 10;
	size_t i = 0;
	uint64_t r = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return false;
	for (; i < len; i++) {
		unsigned int dgt;
		char ch = s[i];

		if (ch >= '0' && ch <= '9')
			dgt = (unsigned int)(ch - '0');
		else if (base == 16 && ch >= 'a' && ch <= 'f')
			dgt = (unsigned int)(ch - 'a' + 10);
		else if (base == 16 && ch >= 'A' && ch <= 'F')
			dgt = (unsigned int)(ch - 'A' + 10);
		else
			return false;
		if (r > (UINT64_MAX - dgt) / base)
			return false;
		r = r * base + dgt;
	}
	*v = r;
	return true;
}

static bool name_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
	       ch == '*' || ch == '?';
}

/* A kernel function, tracepoint or module name. */
static int check_name(struct spec_ctx *c, const struct field *f,
		      const char *what, size_t t)
{
	size_t i;

	if (!f->len)
		return usage_error(c, f->loc, what, t);
	for (i = 0; i < f->len; i++) {
		if (!name_char_ok(f->s[i])) {
			diag_error(c->d, sub_loc(f->loc, i, 1),
				   "invalid character '%c' in %s probe name",
				   f->s[i], types[t].name);
			return -EINVAL;
		}
	}
	return 0;
}

/* "name+offset": split the offset off @f. */
static int split_offset(struct spec_ctx *c, struct field *f, bool allowed,
			size_t t)
{
	const char *plus = memchr(f->s, '+', f->len);
	size_t pos, olen;
	struct src_loc at;

	if (!plus)
		return 0;
	pos = (size_t)(plus - f->s);
	olen = f->len - pos - 1;
	at = sub_loc(f->loc, pos, olen + 1);
	if (!allowed) {
		diag_error(c->d, at, "%s probes do not take an offset",
			   types[t].name);
		return -EINVAL;
	}
	if (!parse_u64(plus + 1, olen, &c->out->offset)) {
		diag_error(
			c->d, sub_loc(f->loc, pos + 1, olen),
			"invalid offset '%.*s': expected a decimal or 0x hex number",
			(int)olen, plus + 1);
		return -EINVAL;
	}
	f->len = pos;
	f->loc.len = pos ? (uint32_t)pos : 1;
	if (has_wild(f)) {
		diag_error(c->d, at,
			   "an offset cannot be used with a wildcard");
		return -EINVAL;
	}
	c->out->has_offset = true;
	return 0;
}

static int timer_spec(struct spec_ctx *c, size_t t)
{
	static const struct {
		const char *s;
		enum probe_unit u;
	} units[] = {
		{ "s", PROBE_UNIT_S },
		{ "ms", PROBE_UNIT_MS },
		{ "us", PROBE_UNIT_US },
		{ "hz", PROBE_UNIT_HZ },
	};
	struct probe_spec *o = c->out;
	size_t i;

	if (c->n < 2)
		return usage_error(c, c->n ? c->f[0].loc : c->end,
				   c->n ? "missing the count"
					: "missing the unit and count",
				   t);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].s) == c->f[0].len &&
		    !memcmp(units[i].s, c->f[0].s, c->f[0].len))
			o->unit = units[i].u;
	if (!o->unit) {
		diag_error(c->d, c->f[0].loc,
			   "unknown %s unit '%.*s': expected s, ms, us or hz",
			   types[t].name, (int)c->f[0].len, c->f[0].s);
		return -EINVAL;
	}
	if (!parse_u64(c->f[1].s, c->f[1].len, &o->value) || !o->value) {
		diag_error(
			c->d, c->f[1].loc,
			"invalid %s count '%.*s': expected a positive integer",
			types[t].name, (int)c->f[1].len, c->f[1].s);
		return -EINVAL;
	}
	return 0;
}

/* What is missing when a spec of type @type has only @n fields. */
static const char *missing_what(enum probe_type type, size_t n)
{
	switch (type) {
	case PROBE_TRACEPOINT:
		return n ? "missing the event name"
			 : "missing the category and event name";
	case PROBE_UPROBE:
	case PROBE_URETPROBE:
		return n ? "missing the symbol" : "missing the path and symbol";
	case PROBE_USDT:
		return n ? "missing the probe name"
			 : "missing the path and probe name";
	case PROBE_INTERVAL:
	case PROBE_PROFILE:
		return n ? "missing the count" : "missing the unit and count";
	default:
		return "missing the name";
	}
}

static int split_fields(struct spec_ctx *c, const char *text, size_t len,
			struct src_loc loc)
{
	size_t start = 0, i;

	c->n = 0;
	c->type.s = text;
	for (i = 0; i <= len; i++) {
		struct field *f;

		if (i < len && text[i] != ':')
			continue;
		f = start ? &c->f[c->n] : &c->type;
		f->s = text + start;
		f->len = i - start;
		f->loc = sub_loc(loc, start, i - start);
		if (start) {
			if (c->n == MAX_FIELDS - 1 && i < len) {
				diag_error(c->d, sub_loc(loc, i, len - i),
					   "too many ':' fields in probe spec");
				return -EINVAL;
			}
			c->n++;
		}
		start = i + 1;
	}
	return 0;
}

int probe_spec_parse(struct fathom_script *s, struct diag_sink *d,
		     const char *text, size_t len, struct src_loc loc,
		     struct probe_spec *out)
{
	struct spec_ctx c = { .s = s, .d = d, .out = out };
	struct field *name = NULL, *target = NULL, *provider = NULL;
	size_t t, i, max_fields = 0, min_fields = 0;
	int err;

	memset(out, 0, sizeof(*out));
	out->loc = loc;
	out->raw = ast_strndup(&s->arena, text, len);
	if (!out->raw)
		return -ENOMEM;
	c.end = sub_loc(loc, len, 1);
	err = split_fields(&c, text, len, loc);
	if (err)
		return err;

	for (t = 0; t < NTYPES; t++) {
		if ((strlen(types[t].name) == c.type.len &&
		     !memcmp(types[t].name, c.type.s, c.type.len)) ||
		    (types[t].alias && strlen(types[t].alias) == c.type.len &&
		     !memcmp(types[t].alias, c.type.s, c.type.len)))
			break;
	}
	if (t == NTYPES) {
		const char *names[NTYPES];
		char tn[64];
		const char *best;

		snprintf(tn, sizeof(tn), "%.*s", (int)c.type.len, c.type.s);
		for (i = 0; i < NTYPES; i++)
			names[i] = types[i].name;
		best = diag_suggest(tn, names, NTYPES);
		if (best)
			diag_error(
				d, c.type.loc,
				"unknown probe type '%s'; did you mean '%s'?",
				tn, best);
		else
			diag_error(d, c.type.loc, "unknown probe type '%s'",
				   tn);
		return -EINVAL;
	}
	out->type = types[t].type;

	switch (out->type) {
	case PROBE_BEGIN:
	case PROBE_END:
		max_fields = 0;
		break;
	case PROBE_KPROBE:
	case PROBE_KRETPROBE:
	case PROBE_RAWTRACEPOINT:
		min_fields = 1;
		max_fields = 2;
		break;
	case PROBE_UPROBE:
	case PROBE_URETPROBE:
	case PROBE_TRACEPOINT:
	case PROBE_INTERVAL:
	case PROBE_PROFILE:
		min_fields = 2;
		max_fields = 2;
		break;
	case PROBE_USDT:
		min_fields = 2;
		max_fields = 3;
		break;
	}
	if (c.n > max_fields) {
		struct src_loc at = c.f[max_fields].loc;

		at.col--;
		at.off--;
		at.len = (uint32_t)(loc.off + len - at.off);
		if (!max_fields)
			diag_error(d, at, "%s probes take no arguments",
				   types[t].name);
		else
			diag_error(d, at, "too many fields in %s probe",
				   types[t].name);
		diag_note(d, loc, "expected %s", types[t].usage);
		return -EINVAL;
	}
	if (c.n < min_fields) {
		struct src_loc at = c.n ? c.f[c.n - 1].loc : c.end;

		if (c.n)
			at = sub_loc(c.f[c.n - 1].loc, c.f[c.n - 1].len, 1);
		return usage_error(&c, at, missing_what(out->type, c.n), t);
	}

	switch (out->type) {
	case PROBE_BEGIN:
	case PROBE_END:
		return 0;
	case PROBE_INTERVAL:
	case PROBE_PROFILE:
		return timer_spec(&c, t);
	case PROBE_KPROBE:
	case PROBE_KRETPROBE:
	case PROBE_RAWTRACEPOINT:
		name = &c.f[c.n - 1];
		target = c.n == 2 ? &c.f[0] : NULL;
		break;
	case PROBE_UPROBE:
	case PROBE_URETPROBE:
	case PROBE_TRACEPOINT:
		target = &c.f[0];
		name = &c.f[1];
		break;
	case PROBE_USDT:
		target = &c.f[0];
		provider = c.n == 3 ? &c.f[1] : NULL;
		name = &c.f[c.n - 1];
		break;
	}
	if (out->type == PROBE_KPROBE || out->type == PROBE_KRETPROBE ||
	    out->type == PROBE_UPROBE || out->type == PROBE_URETPROBE) {
		err = split_offset(&c, name,
				   out->type == PROBE_KPROBE ||
					   out->type == PROBE_UPROBE,
				   t);
		if (err)
			return err;
	}
	if (target && !target->len)
		return usage_error(
			&c, target->loc,
			out->type == PROBE_TRACEPOINT ? "missing the category"
			: out->type == PROBE_UPROBE ||
					out->type == PROBE_URETPROBE ||
					out->type == PROBE_USDT
				? "missing the path"
				: "missing the module name",
			t);
	if (provider && !provider->len)
		return usage_error(&c, provider->loc, "missing the provider",
				   t);
	if (!name->len)
		return usage_error(
			&c, name->loc,
			out->type == PROBE_TRACEPOINT ? "missing the event name"
			: out->type == PROBE_UPROBE ||
					out->type == PROBE_URETPROBE
				? "missing the symbol"
			: out->type == PROBE_USDT ? "missing the probe name"
						  : "missing the function name",
			t);
	if (out->type != PROBE_UPROBE && out->type != PROBE_URETPROBE &&
	    out->type != PROBE_USDT) {
		err = check_name(&c, name, "missing the name", t);
		if (!err && target)
			err = check_name(&c, target, "missing the name", t);
		if (err)
			return err;
	}
	out->name = dup(&c, name);
	if (target)
		out->target = dup(&c, target);
	if (provider)
		out->provider = dup(&c, provider);
	if (!out->name || (target && !out->target) ||
	    (provider && !out->provider))
		return -ENOMEM;
	out->wildcard = has_wild(name) || (target && has_wild(target)) ||
			(provider && has_wild(provider));
	return 0;
}
