// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lexer for the bpftrace language. See lexer.h.
 */
#include <stdio.h>
#include <string.h>

#include "lexer.h"

void lex_init(struct lexer *lx, const char *text, size_t len,
	      struct ast_arena *arena)
{
	memset(lx, 0, sizeof(*lx));
	lx->text = text;
	lx->len = len;
	lx->line = 1;
	lx->arena = arena;
	/* A "#!/usr/bin/env fathom" line is skipped, as a comment. */
	if (len >= 2 && text[0] == '#' && text[1] == '!')
		while (lx->pos < len && text[lx->pos] != '\n')
			lx->pos++;
}

static int peekc(const struct lexer *lx, size_t ahead)
{
	size_t p = lx->pos + ahead;

	return p < lx->len ? (unsigned char)lx->text[p] : -1;
}

static void advance(struct lexer *lx)
{
	if (lx->pos >= lx->len)
		return;
	if (lx->text[lx->pos] == '\n') {
		lx->line++;
		lx->line_start = lx->pos + 1;
	}
	lx->pos++;
}

static struct src_loc here(const struct lexer *lx)
{
	struct src_loc l = {
		.line = lx->line,
		.col = (uint32_t)(lx->pos - lx->line_start + 1),
		.len = 1,
		.off = (uint32_t)lx->pos,
	};
	return l;
}

static void set_error(struct token *t, struct src_loc at, const char *msg)
{
	t->kind = TOK_ERROR;
	t->err = msg;
	t->eloc = at;
}

static bool is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

/* Skip blanks and comments; returns false with @t set on a bad comment. */
static bool skip_blanks(struct lexer *lx, struct token *t)
{
	for (;;) {
		int c = peekc(lx, 0);

		if (is_space(c)) {
			advance(lx);
		} else if (c == '/' && peekc(lx, 1) == '/') {
			while (lx->pos < lx->len && lx->text[lx->pos] != '\n')
				advance(lx);
		} else if (c == '/' && peekc(lx, 1) == '*') {
			struct src_loc start = here(lx);

			start.len = 2;
			advance(lx);
			advance(lx);
			for (;;) {
				if (lx->pos >= lx->len) {
					t->loc = start;
					t->text = lx->text + start.off;
					set_error(t, start,
						  "unterminated comment");
					return false;
				}
				if (peekc(lx, 0) == '*' &&
				    peekc(lx, 1) == '/') {
					advance(lx);
					advance(lx);
					break;
				}
				advance(lx);
			}
		} else {
			return true;
		}
	}
}

static void finish(struct lexer *lx, struct token *t)
{
	t->loc.len = (uint32_t)(lx->pos - t->loc.off);
	if (!t->loc.len)
		t->loc.len = 1;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void lex_number(struct lexer *lx, struct token *t)
{
	unsigned int base = 10;
	uint64_t v = 0;
	bool overflow = false, any = false;
	int c;

	t->kind = TOK_INT;
	if (peekc(lx, 0) == '0' &&
	    (peekc(lx, 1) == 'x' || peekc(lx, 1) == 'X')) {
		base = 16;
		advance(lx);
		advance(lx);
	} else if (peekc(lx, 0) == '0' && peekc(lx, 1) >= 0 &&
		   (is_ident(peekc(lx, 1)))) {
		base = 8;
		advance(lx);
		any = true;
	}
	for (;;) {
		int d;

		c = peekc(lx, 0);
		if (c == '_' && any) {
			advance(lx);
			continue;
		}
		d = hexval(c);
		if (d < 0 || (unsigned int)d >= base) {
			if (c >= 0 && is_ident(c)) {
				struct src_loc at = here(lx);

				while (peekc(lx, 0) >= 0 &&
				       is_ident(peekc(lx, 0)))
					advance(lx);
				finish(lx, t);
				if (base == 8 && c >= '0' && c <= '9')
					set_error(
						t, at,
						"invalid digit in octal number");
				else
					set_error(
						t, at,
						"invalid suffix on integer literal");
				return;
			}
			break;
		}
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			overflow = true;
		v = v * base + (uint64_t)d;
		any = true;
		advance(lx);
	}
	finish(lx, t);
	if (!any) {
		set_error(t, t->loc, "missing digits after '0x'");
		return;
	}
	/*
	 * Literals are int64. Hex and octal may spell any 64-bit pattern
	 * (0xffffffffffffffff is -1); a decimal literal must fit in int64.
	 */
	if (overflow || (base == 10 && v > INT64_MAX)) {
		set_error(t, t->loc, "integer literal is too large for int64");
		return;
	}
	t->ival = v;
}

static void lex_string(struct lexer *lx, struct token *t)
{
	size_t start = lx->pos + 1, cap = 0, n = 0, i;
	char *buf;

	advance(lx); /* the opening quote */
	/* The decoded string is never longer than the source. */
	for (i = start; i < lx->len && lx->text[i] != '\n'; i++)
		cap++;
	buf = ast_alloc(lx->arena, cap + 1);
	if (!buf) {
		set_error(t, t->loc, "out of memory");
		return;
	}
	for (;;) {
		int c = peekc(lx, 0);
		struct src_loc at = here(lx);

		if (c < 0 || c == '\n') {
			finish(lx, t);
			set_error(t, t->loc, "unterminated string literal");
			return;
		}
		if (c == '"') {
			advance(lx);
			break;
		}
		if (c != '\\') {
			buf[n++] = (char)c;
			advance(lx);
			continue;
		}
		advance(lx);
		c = peekc(lx, 0);
		at.len = 2;
		switch (c) {
		case 'n':
			buf[n++] = '\n';
			advance(lx);
			break;
		case 't':
			buf[n++] = '\t';
			advance(lx);
			break;
		case 'r':
			buf[n++] = '\r';
			advance(lx);
			break;
		case '\\':
		case '"':
		case '\'':
			buf[n++] = (char)c;
			advance(lx);
			break;
		case 'x': {
			int h1, h2;
			unsigned int v;

			advance(lx);
			h1 = hexval(peekc(lx, 0));
			if (h1 < 0) {
				while (lx->pos < lx->len &&
				       peekc(lx, 0) != '"' &&
				       peekc(lx, 0) != '\n')
					advance(lx);
				if (peekc(lx, 0) == '"')
					advance(lx);
				finish(lx, t);
				set_error(
					t, at,
					"\\x used with no following hex digits");
				return;
			}
			advance(lx);
			v = (unsigned int)h1;
			h2 = hexval(peekc(lx, 0));
			if (h2 >= 0) {
				v = v * 16 + (unsigned int)h2;
				advance(lx);
			}
			buf[n++] = (char)v;
			break;
		}
		default:
			if (c >= '0' && c <= '7') {
				unsigned int v = 0, k;

				for (k = 0; k < 3 && peekc(lx, 0) >= '0' &&
					    peekc(lx, 0) <= '7';
				     k++) {
					v = v * 8 +
					    (unsigned int)(peekc(lx, 0) - '0');
					advance(lx);
				}
				if (v > 255) {
					finish(lx, t);
					set_error(t, at,
						  "octal escape out of range");
					return;
				}
				buf[n++] = (char)v;
				break;
			}
			if (c < 0 || c == '\n') {
				finish(lx, t);
				set_error(t, t->loc,
					  "unterminated string literal");
				return;
			}
			/* Skip to the end so parsing resumes after it. */
			advance(lx);
			while (lx->pos < lx->len && peekc(lx, 0) != '"' &&
			       peekc(lx, 0) != '\n')
				advance(lx);
			if (peekc(lx, 0) == '"')
				advance(lx);
			finish(lx, t);
			snprintf(t->ebuf, sizeof(t->ebuf),
				 "unknown escape sequence '\\%c'",
				 c >= 32 && c < 127 ? c : '?');
			set_error(t, at, t->ebuf);
			return;
		}
		if (n && buf[n - 1] == '\0') {
			while (lx->pos < lx->len && peekc(lx, 0) != '"' &&
			       peekc(lx, 0) != '\n')
				advance(lx);
			if (peekc(lx, 0) == '"')
				advance(lx);
			finish(lx, t);
			at.len = (uint32_t)(lx->pos - at.off);
			set_error(t, at,
				  "NUL bytes in strings are not supported");
			return;
		}
	}
	buf[n] = '\0';
	finish(lx, t);
	t->kind = TOK_STR;
	t->sval = buf;
	t->slen = (uint32_t)n;
}

struct punct {
	const char *s;
	enum tok_kind k;
};

/* Longest first within each leading character. */
static const struct punct puncts[] = {
	{ "<<=", TOK_SHL_ASSIGN }, { ">>=", TOK_SHR_ASSIGN },
	{ "->", TOK_ARROW },	   { "++", TOK_INC },
	{ "--", TOK_DEC },	   { "+=", TOK_ADD_ASSIGN },
	{ "-=", TOK_SUB_ASSIGN },  { "*=", TOK_MUL_ASSIGN },
	{ "/=", TOK_DIV_ASSIGN },  { "%=", TOK_MOD_ASSIGN },
	{ "&=", TOK_AND_ASSIGN },  { "|=", TOK_OR_ASSIGN },
	{ "^=", TOK_XOR_ASSIGN },  { "<<", TOK_SHL },
	{ ">>", TOK_SHR },	   { "<=", TOK_LE },
	{ ">=", TOK_GE },	   { "==", TOK_EQ },
	{ "!=", TOK_NE },	   { "&&", TOK_LAND },
	{ "||", TOK_LOR },	   { "{", TOK_LBRACE },
	{ "}", TOK_RBRACE },	   { "(", TOK_LPAREN },
	{ ")", TOK_RPAREN },	   { "[", TOK_LBRACKET },
	{ "]", TOK_RBRACKET },	   { ";", TOK_SEMI },
	{ ",", TOK_COMMA },	   { ".", TOK_DOT },
	{ "?", TOK_QUESTION },	   { ":", TOK_COLON },
	{ "+", TOK_PLUS },	   { "-", TOK_MINUS },
	{ "*", TOK_STAR },	   { "/", TOK_SLASH },
	{ "%", TOK_PERCENT },	   { "&", TOK_AMP },
	{ "|", TOK_PIPE },	   { "^", TOK_CARET },
	{ "~", TOK_TILDE },	   { "!", TOK_BANG },
	{ "<", TOK_LT },	   { ">", TOK_GT },
	{ "=", TOK_ASSIGN },
};

static bool begin_token(struct lexer *lx, struct token *t)
{
	memset(t, 0, sizeof(*t) - sizeof(t->ebuf));
	t->ebuf[0] = '\0';
	if (!skip_blanks(lx, t))
		return false;
	t->loc = here(lx);
	t->text = lx->text + lx->pos;
	return true;
}

void lex_next(struct lexer *lx, struct token *t)
{
	size_t i;
	int c;

	if (!begin_token(lx, t))
		return;
	c = peekc(lx, 0);
	if (c < 0) {
		t->kind = TOK_EOF;
		t->loc.len = 1;
		return;
	}
	if (is_ident_start(c)) {
		while (peekc(lx, 0) >= 0 && is_ident(peekc(lx, 0)))
			advance(lx);
		t->kind = TOK_IDENT;
		finish(lx, t);
		return;
	}
	if (c >= '0' && c <= '9') {
		lex_number(lx, t);
		return;
	}
	if (c == '"') {
		lex_string(lx, t);
		return;
	}
	if (c == '$' || c == '@') {
		advance(lx);
		if (c == '$' && peekc(lx, 0) == '#') {
			advance(lx);
			t->kind = TOK_POSITIONAL;
			t->ival = 0;
			t->count = true;
			finish(lx, t);
			return;
		}
		if (c == '$' && peekc(lx, 0) >= '0' && peekc(lx, 0) <= '9') {
			uint64_t v = 0;
			bool bad = false;

			while (peekc(lx, 0) >= 0 && is_ident(peekc(lx, 0))) {
				int d = peekc(lx, 0);

				if (d < '0' || d > '9')
					bad = true;
				else if (v < 100000)
					v = v * 10 + (uint64_t)(d - '0');
				advance(lx);
			}
			finish(lx, t);
			if (bad || v == 0 || v >= 100000) {
				set_error(
					t, t->loc,
					"a positional parameter is $1, $2, ... or $#");
				return;
			}
			t->kind = TOK_POSITIONAL;
			t->ival = v;
			t->count = false;
			return;
		}
		if (c == '$' && !is_ident_start(peekc(lx, 0))) {
			finish(lx, t);
			set_error(t, t->loc,
				  "expected a variable name after '$'");
			return;
		}
		while (peekc(lx, 0) >= 0 && is_ident(peekc(lx, 0)))
			advance(lx);
		t->kind = c == '$' ? TOK_VAR : TOK_MAP;
		finish(lx, t);
		return;
	}
	if (c == '#') {
		while (lx->pos < lx->len && peekc(lx, 0) != '\n')
			advance(lx);
		finish(lx, t);
		if (t->loc.len >= 8 && !strncmp(t->text, "#include", 8))
			set_error(
				t, t->loc,
				"#include is not supported: fathom has no C preprocessor or C type information");
		else
			set_error(t, t->loc,
				  "preprocessor directives are not supported");
		return;
	}
	for (i = 0; i < sizeof(puncts) / sizeof(puncts[0]); i++) {
		size_t n = strlen(puncts[i].s);

		if (lx->pos + n <= lx->len &&
		    !memcmp(lx->text + lx->pos, puncts[i].s, n)) {
			while (n--)
				advance(lx);
			t->kind = puncts[i].k;
			finish(lx, t);
			return;
		}
	}
	advance(lx);
	finish(lx, t);
	if (c >= 32 && c < 127)
		snprintf(t->ebuf, sizeof(t->ebuf), "unexpected character '%c'",
			 c);
	else
		snprintf(t->ebuf, sizeof(t->ebuf),
			 "unexpected byte 0x%02x in source", c);
	set_error(t, t->loc, t->ebuf);
}

void lex_rewind(struct lexer *lx, const struct token *t)
{
	lx->pos = t->loc.off;
	lx->line = t->loc.line;
	lx->line_start = t->loc.off - (t->loc.col - 1);
}

void lex_probe_spec(struct lexer *lx, struct token *t)
{
	bool path = false;
	int c;

	if (!begin_token(lx, t))
		return;
	for (;;) {
		c = peekc(lx, 0);
		if (c < 0 || is_space(c) || c == ',' || c == '{' || c == '}' ||
		    c == ';')
			break;
		if (c == ':') {
			path = peekc(lx, 1) == '/';
		} else if (c == '/' && !path) {
			break;
		} else if (c < 32 || c >= 127) {
			break;
		}
		advance(lx);
	}
	if (lx->pos == t->loc.off) {
		lex_next(lx, t);
		return;
	}
	t->kind = TOK_SPEC;
	finish(lx, t);
}

const char *tok_kind_name(enum tok_kind k)
{
	static const char *const names[] = {
		[TOK_EOF] = "end of input",
		[TOK_ERROR] = "invalid token",
		[TOK_IDENT] = "identifier",
		[TOK_VAR] = "variable",
		[TOK_POSITIONAL] = "positional parameter",
		[TOK_MAP] = "map",
		[TOK_INT] = "integer",
		[TOK_STR] = "string",
		[TOK_SPEC] = "probe",
		[TOK_LBRACE] = "'{'",
		[TOK_RBRACE] = "'}'",
		[TOK_LPAREN] = "'('",
		[TOK_RPAREN] = "')'",
		[TOK_LBRACKET] = "'['",
		[TOK_RBRACKET] = "']'",
		[TOK_SEMI] = "';'",
		[TOK_COMMA] = "','",
		[TOK_DOT] = "'.'",
		[TOK_ARROW] = "'->'",
		[TOK_QUESTION] = "'?'",
		[TOK_COLON] = "':'",
		[TOK_PLUS] = "'+'",
		[TOK_MINUS] = "'-'",
		[TOK_STAR] = "'*'",
		[TOK_SLASH] = "'/'",
		[TOK_PERCENT] = "'%'",
		[TOK_AMP] = "'&'",
		[TOK_PIPE] = "'|'",
		[TOK_CARET] = "'^'",
		[TOK_TILDE] = "'~'",
		[TOK_BANG] = "'!'",
		[TOK_LT] = "'<'",
		[TOK_GT] = "'>'",
		[TOK_LE] = "'<='",
		[TOK_GE] = "'>='",
		[TOK_EQ] = "'=='",
		[TOK_NE] = "'!='",
		[TOK_LAND] = "'&&'",
		[TOK_LOR] = "'||'",
		[TOK_SHL] = "'<<'",
		[TOK_SHR] = "'>>'",
		[TOK_ASSIGN] = "'='",
		[TOK_ADD_ASSIGN] = "'+='",
		[TOK_SUB_ASSIGN] = "'-='",
		[TOK_MUL_ASSIGN] = "'*='",
		[TOK_DIV_ASSIGN] = "'/='",
		[TOK_MOD_ASSIGN] = "'%='",
		[TOK_AND_ASSIGN] = "'&='",
		[TOK_OR_ASSIGN] = "'|='",
		[TOK_XOR_ASSIGN] = "'^='",
		[TOK_SHL_ASSIGN] = "'<<='",
		[TOK_SHR_ASSIGN] = "'>>='",
		[TOK_INC] = "'++'",
		[TOK_DEC] = "'--'",
	};
	return (size_t)k < sizeof(names) / sizeof(names[0]) && names[k]
		       ? names[k]
		       : "token";
}
