// SPDX-License-Identifier: GPL-2.0-only
/*
 * Lexer: token kinds, locations, integer literals and their limits,
 * string escapes, comments, probe-spec scanning and lexical errors.
 */
#include "helpers.h"
#include "lexer.h"

struct lexfix {
	struct ast_arena arena;
	struct lexer lx;
	struct token t;
};

static void lex_start(struct lexfix *f, const char *src)
{
	memset(f, 0, sizeof(*f));
	lex_init(&f->lx, src, strlen(src), &f->arena);
}

static enum tok_kind lex1(struct lexfix *f)
{
	lex_next(&f->lx, &f->t);
	return f->t.kind;
}

TEST(punctuation_and_operators)
{
	static const enum tok_kind want[] = {
		TOK_LBRACE,	TOK_RBRACE,	TOK_LPAREN,	TOK_RPAREN,
		TOK_LBRACKET,	TOK_RBRACKET,	TOK_SEMI,	TOK_COMMA,
		TOK_DOT,	TOK_ARROW,	TOK_QUESTION,	TOK_COLON,
		TOK_PLUS,	TOK_MINUS,	TOK_STAR,	TOK_SLASH,
		TOK_PERCENT,	TOK_AMP,	TOK_PIPE,	TOK_CARET,
		TOK_TILDE,	TOK_BANG,	TOK_LT,		TOK_GT,
		TOK_LE,		TOK_GE,		TOK_EQ,		TOK_NE,
		TOK_LAND,	TOK_LOR,	TOK_SHL,	TOK_SHR,
		TOK_ASSIGN,	TOK_ADD_ASSIGN, TOK_SUB_ASSIGN, TOK_MUL_ASSIGN,
		TOK_DIV_ASSIGN, TOK_MOD_ASSIGN, TOK_AND_ASSIGN, TOK_OR_ASSIGN,
		TOK_XOR_ASSIGN, TOK_SHL_ASSIGN, TOK_SHR_ASSIGN, TOK_INC,
		TOK_DEC,	TOK_EOF,
	};
	struct lexfix f;
	size_t i;

	lex_start(&f,
		  "{ } ( ) [ ] ; , . -> ? : + - * / % & | ^ ~ ! < > <= >= "
		  "== != && || << >> = += -= *= /= %= &= |= ^= <<= >>= ++ --");
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ASSERT_EQ(want[i], lex1(&f)) TH_LOG("token %zu", i);
	ast_arena_free(&f.arena);
}

TEST(identifiers_variables_maps)
{
	struct lexfix f;

	lex_start(&f, "pid $x @start @ @_a1 arg0");
	ASSERT_EQ(TOK_IDENT, lex1(&f));
	ASSERT_EQ(3, f.t.loc.len);
	ASSERT_EQ(TOK_VAR, lex1(&f));
	ASSERT_EQ(0, strncmp(f.t.text, "$x", 2));
	ASSERT_EQ(TOK_MAP, lex1(&f));
	ASSERT_EQ(6, f.t.loc.len);
	ASSERT_EQ(TOK_MAP, lex1(&f));
	ASSERT_EQ(1, f.t.loc.len);
	ASSERT_EQ(TOK_MAP, lex1(&f));
	ASSERT_EQ(TOK_IDENT, lex1(&f));
	ASSERT_EQ(TOK_EOF, lex1(&f));
	ast_arena_free(&f.arena);
}

TEST(locations)
{
	struct lexfix f;

	lex_start(&f, "a\n  bb\n\tc");
	lex1(&f);
	ASSERT_EQ(1, f.t.loc.line);
	ASSERT_EQ(1, f.t.loc.col);
	lex1(&f);
	ASSERT_EQ(2, f.t.loc.line);
	ASSERT_EQ(3, f.t.loc.col);
	ASSERT_EQ(2, f.t.loc.len);
	ASSERT_EQ(4, f.t.loc.off);
	lex1(&f);
	ASSERT_EQ(3, f.t.loc.line);
	ASSERT_EQ(2, f.t.loc.col);
	ast_arena_free(&f.arena);
}

TEST(integers)
{
	static const struct {
		const char *src;
		uint64_t val;
	} ok[] = {
		{ "0", 0 },
		{ "42", 42 },
		{ "0x2a", 42 },
		{ "0X2A", 42 },
		{ "052", 42 },
		{ "1_000_000", 1000000 },
		{ "9223372036854775807", INT64_MAX },
		{ "0xffffffffffffffff", UINT64_MAX },
		{ "01777777777777777777777", UINT64_MAX },
	};
	struct lexfix f;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		lex_start(&f, ok[i].src);
		ASSERT_EQ(TOK_INT, lex1(&f))
		TH_LOG("%s: %s", ok[i].src, f.t.err);
		ASSERT_EQ(ok[i].val, f.t.ival) TH_LOG("%s", ok[i].src);
		ASSERT_EQ(strlen(ok[i].src), f.t.loc.len);
		ast_arena_free(&f.arena);
	}
}

TEST(integer_errors)
{
	static const struct {
		const char *src;
		const char *msg;
	} bad[] = {
		{ "9223372036854775808", "too large" },
		{ "18446744073709551616", "too large" },
		{ "0x10000000000000000", "too large" },
		{ "089", "octal" },
		{ "12abc", "suffix" },
		{ "0x", "digits" },
	};
	struct lexfix f;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lex_start(&f, bad[i].src);
		ASSERT_EQ(TOK_ERROR, lex1(&f)) TH_LOG("%s", bad[i].src);
		ASSERT_NE(NULL, strstr(f.t.err, bad[i].msg))
		TH_LOG("%s: %s", bad[i].src, f.t.err);
		ast_arena_free(&f.arena);
	}
}

TEST(string_escapes)
{
	struct lexfix f;

	lex_start(&f, "\"a\\n\\t\\\\\\\"\\x41\\101\\7b\\x4\" \"\"");
	ASSERT_EQ(TOK_STR, lex1(&f)) TH_LOG("%s", f.t.err);
	ASSERT_EQ(10, f.t.slen);
	ASSERT_EQ(0, memcmp(f.t.sval, "a\n\t\\\"AA\7b\4", 10));
	ASSERT_EQ(TOK_STR, lex1(&f));
	ASSERT_EQ(0, f.t.slen);
	ASSERT_EQ(TOK_EOF, lex1(&f));
	ast_arena_free(&f.arena);
}

TEST(string_errors)
{
	struct lexfix f;

	lex_start(&f, "  \"abc");
	ASSERT_EQ(TOK_ERROR, lex1(&f));
	ASSERT_NE(NULL, strstr(f.t.err, "unterminated string"));
	ASSERT_EQ(3, f.t.eloc.col);
	ast_arena_free(&f.arena);

	lex_start(&f, "\"ab\ncd\"");
	ASSERT_EQ(TOK_ERROR, lex1(&f));
	ASSERT_NE(NULL, strstr(f.t.err, "unterminated string"));
	ast_arena_free(&f.arena);

	lex_start(&f, "\"a\\qb\" x");
	ASSERT_EQ(TOK_ERROR, lex1(&f));
	ASSERT_NE(NULL, strstr(f.t.err, "unknown escape sequence '\\q'"));
	ASSERT_EQ(3, f.t.eloc.col);
	ASSERT_EQ(2, f.t.eloc.len);
	/* lexing resumes after the string */
	ASSERT_EQ(TOK_IDENT, lex1(&f));
	ast_arena_free(&f.arena);

	lex_start(&f, "\"\\xg\"");
	ASSERT_EQ(TOK_ERROR, lex1(&f));
	ASSERT_NE(NULL, strstr(f.t.err, "hex digits"));
	ast_arena_free(&f.arena);

	lex_start(&f, "\"a\\0b\"");
	ASSERT_EQ(TOK_ERROR, lex1(&f));
	ASSERT_NE(NULL, strstr(f.t.err, "NUL"));
	ast_arena_free(&f.arena);
}

TEST(comments_and_shebang)
{
	struct lexfix f;

	lex_start(&f, "#!/usr/bin/env fathom\n// line\nx /* block\n"
		      "comment */ y /**/ z // end");
	ASSERT_EQ(TOK_IDENT, lex1(&f));
	ASSERT_EQ(3, f.t.loc.line);
	ASSERT_EQ(TOK_IDENT, lex1(&f));
	ASSERT_EQ(4, f.t.loc.line);
	ASSERT_EQ(12, f.t.loc.col);
	ASSERT_EQ(TOK_IDENT, lex1(&f));
	ASSERT_EQ(TOK_EOF, lex1(&f));
	ast_arena_free(&f.arena);

	lex_start(&f, "x /* never closed");
	ASSERT_EQ(TOK_IDENT, lex1(&f));
	ASSERT_EQ(TOK_ERROR, lex1(&f));
	ASSERT_NE(NULL, strstr(f.t.err, "unterminated comment"));
	ASSERT_EQ(3, f.t.eloc.col);
	ast_arena_free(&f.arena);
}

TEST(preprocessor_and_bad_chars)
{
	struct lexfix f;

	lex_start(&f, "#include <linux/sched.h>\nx");
	ASSERT_EQ(TOK_ERROR, lex1(&f));
	ASSERT_NE(NULL, strstr(f.t.err, "#include is not supported"));
	ASSERT_EQ(TOK_IDENT, lex1(&f));
	ast_arena_free(&f.arena);

	lex_start(&f, "a ` b");
	lex1(&f);
	ASSERT_EQ(TOK_ERROR, lex1(&f));
	ASSERT_NE(NULL, strstr(f.t.err, "unexpected character '`'"));
	ASSERT_EQ(TOK_IDENT, lex1(&f));
	ast_arena_free(&f.arena);

	lex_start(&f, "$1x");
	ASSERT_EQ(TOK_ERROR, lex1(&f));
	ASSERT_NE(NULL, strstr(f.t.err, "a positional parameter is $1, $2"));
	ast_arena_free(&f.arena);

	lex_start(&f, "$12 $# $0");
	ASSERT_EQ(TOK_POSITIONAL, lex1(&f));
	ASSERT_EQ(12, f.t.ival);
	ASSERT_FALSE(f.t.count);
	ASSERT_EQ(TOK_POSITIONAL, lex1(&f));
	ASSERT_TRUE(f.t.count);
	ASSERT_EQ(TOK_ERROR, lex1(&f));
	ast_arena_free(&f.arena);
}

TEST(probe_spec_tokens)
{
	static const struct {
		const char *src;
		const char *spec;
	} cases[] = {
		{ "kprobe:vfs_read{", "kprobe:vfs_read" },
		{ "uprobe:/bin/bash:readline /pid/",
		  "uprobe:/bin/bash:readline" },
		{ "uprobe:/bin/bash:readline/pid/",
		  "uprobe:/bin/bash:readline" },
		{ "tracepoint:syscalls:sys_enter_* {",
		  "tracepoint:syscalls:sys_enter_*" },
		{ "kprobe:f+0x10,kprobe:g", "kprobe:f+0x10" },
		{ "usdt:/usr/lib/libc.so.6:libc:setjmp\n{",
		  "usdt:/usr/lib/libc.so.6:libc:setjmp" },
		{ "BEGIN{}", "BEGIN" },
	};
	struct lexfix f;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lex_start(&f, cases[i].src);
		lex_probe_spec(&f.lx, &f.t);
		ASSERT_EQ(TOK_SPEC, f.t.kind) TH_LOG("%s", cases[i].src);
		ASSERT_EQ(strlen(cases[i].spec), f.t.loc.len)
		TH_LOG("%s", cases[i].src);
		ASSERT_EQ(0, strncmp(cases[i].spec, f.t.text, f.t.loc.len));
		ast_arena_free(&f.arena);
	}
}

TEST(rewind_then_probe_spec)
{
	struct lexfix f;
	struct token first;

	lex_start(&f, "\n  kprobe:f { }");
	lex1(&f);
	first = f.t;
	ASSERT_EQ(TOK_IDENT, first.kind);
	lex1(&f);
	lex_rewind(&f.lx, &first);
	lex_probe_spec(&f.lx, &f.t);
	ASSERT_EQ(TOK_SPEC, f.t.kind);
	ASSERT_EQ(2, f.t.loc.line);
	ASSERT_EQ(3, f.t.loc.col);
	ASSERT_EQ(8, f.t.loc.len);
	ast_arena_free(&f.arena);
}

TEST_HARNESS_MAIN
