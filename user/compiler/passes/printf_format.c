// SPDX-License-Identifier: GPL-2.0-only
/*
 * printf() format checking: the conversions bpftrace supports, matched
 * against the arguments' types. A conversion is
 *
 *	%[flags][width][.precision][length]conv
 *
 * with flags from "-+ #0", a decimal width and precision, a length of
 * hh, h, l, ll, z, j or t (accepted and ignored: every integer argument
 * is 64-bit), and conv one of d i u x X o c p (integers) or s (strings,
 * symbols, stacks, the probe name). "%%" is a literal '%'.
 */
#include <errno.h>
#include <string.h>

#include "semantic.h"

static bool int_ok(const struct type *t)
{
	return t->kind == TYPE_INT || t->kind == TYPE_FIELD;
}

static bool str_ok(const struct type *t)
{
	switch (t->kind) {
	case TYPE_STRING:
	case TYPE_FIELD:
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

int printf_check_format(struct diag_sink *d, const struct ast_node *fmt,
			struct ast_node *const *args, uint32_t nargs)
{
	const char *s = fmt->u.str.s;
	uint32_t len = fmt->u.str.len, i, argi = 0;
	int ret = 0;

	for (i = 0; i < len; i++) {
		uint32_t start = i;
		char conv, tb[64];
		const struct type *t;

		if (s[i] != '%')
			continue;
		if (i + 1 < len && s[i + 1] == '%') {
			i++;
			continue;
		}
		i++;
		while (i < len && strchr("-+ #0", s[i]) && s[i])
			i++;
		if (i < len && s[i] == '*')
			return diag_error(
				d, fmt->loc,
				"printf: '*' widths are not supported (in conversion %d)",
				argi + 1);
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i < len && s[i] == '.') {
			i++;
			while (i < len && s[i] >= '0' && s[i] <= '9')
				i++;
		}
		if (i + 1 < len && ((s[i] == 'h' && s[i + 1] == 'h') ||
				    (s[i] == 'l' && s[i + 1] == 'l')))
			i += 2;
		else if (i < len && strchr("hlzjt", s[i]) && s[i])
			i++;
		if (i >= len)
			return diag_error(
				d, fmt->loc,
				"printf: incomplete conversion '%.*s' at the end of the format",
				(int)(len - start), s + start);
		conv = s[i];
		if (!strchr("diuxXocsp", conv) || !conv)
			return diag_error(d, fmt->loc,
					  "printf: unknown conversion '%.*s'",
					  (int)(i - start + 1), s + start);
		if (argi >= nargs) {
			ret = diag_error(
				d, fmt->loc,
				"printf: the format has more conversions than arguments: '%.*s' has no argument",
				(int)(i - start + 1), s + start);
			argi++;
			continue;
		}
		t = &args[argi]->type;
		if (conv == 's' && !str_ok(t))
			ret = diag_error(
				d, args[argi]->loc,
				"printf: '%.*s' expects a string, but argument %u is %s",
				(int)(i - start + 1), s + start, argi + 1,
				type_str(t, tb, sizeof(tb)));
		else if (conv == 'p' && !int_ok(t) && t->kind != TYPE_KSYM &&
			 t->kind != TYPE_USYM)
			ret = diag_error(
				d, args[argi]->loc,
				"printf: '%.*s' expects an address, but argument %u is %s",
				(int)(i - start + 1), s + start, argi + 1,
				type_str(t, tb, sizeof(tb)));
		else if (conv != 's' && conv != 'p' && !int_ok(t))
			ret = diag_error(
				d, args[argi]->loc,
				"printf: '%.*s' expects an integer, but argument %u is %s",
				(int)(i - start + 1), s + start, argi + 1,
				type_str(t, tb, sizeof(tb)));
		argi++;
	}
	if (argi < nargs)
		ret = diag_error(
			d, args[argi]->loc,
			"printf: too many arguments: the format has %u conversion%s",
			argi, argi == 1 ? "" : "s");
	return ret;
}
