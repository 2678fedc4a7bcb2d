/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Lexer for the bpftrace language. It never reports by itself: a bad
 * token comes back as TOK_ERROR with a message and the range to blame,
 * and the parser reports it when it reaches it, so no error is shown
 * twice when the parser rescans.
 *
 * Probe specs ("uprobe:/bin/bash:readline") do not follow the expression
 * grammar, so the parser asks for them explicitly with lex_probe_spec().
 */
#ifndef _FATHOM_USER_LEXER_H
#define _FATHOM_USER_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "diag.h"

enum tok_kind {
	TOK_EOF = 0,
	TOK_ERROR,	/* err holds the message */
	TOK_IDENT,	/* keywords and builtins too: the parser decides */
	TOK_VAR,	/* $name: text includes the '$' */
	TOK_MAP,	/* @name or @: text includes the '@' */
	TOK_POSITIONAL, /* $1..$N (ival = N) or $# (count) */
	TOK_INT,	/* ival */
	TOK_STR,	/* sval/slen: decoded, in the arena */
	TOK_SPEC,	/* a probe spec, from lex_probe_spec() only */
	TOK_LBRACE,
	TOK_RBRACE,
	TOK_LPAREN,
	TOK_RPAREN,
	TOK_LBRACKET,
	TOK_RBRACKET,
	TOK_SEMI,
	TOK_COMMA,
	TOK_DOT,
	TOK_ARROW,
	TOK_QUESTION,
	TOK_COLON,
	TOK_PLUS,
	TOK_MINUS,
	TOK_STAR,
	TOK_SLASH,
	TOK_PERCENT,
	TOK_AMP,
	TOK_PIPE,
	TOK_CARET,
	TOK_TILDE,
	TOK_BANG,
	TOK_LT,
	TOK_GT,
	TOK_LE,
	TOK_GE,
	TOK_EQ,
	TOK_NE,
	TOK_LAND,
	TOK_LOR,
	TOK_SHL,
	TOK_SHR,
	TOK_ASSIGN,
	TOK_ADD_ASSIGN,
	TOK_SUB_ASSIGN,
	TOK_MUL_ASSIGN,
	TOK_DIV_ASSIGN,
	TOK_MOD_ASSIGN,
	TOK_AND_ASSIGN,
	TOK_OR_ASSIGN,
	TOK_XOR_ASSIGN,
	TOK_SHL_ASSIGN,
	TOK_SHR_ASSIGN,
	TOK_INC,
	TOK_DEC,
};

struct token {
	enum tok_kind kind;
	struct src_loc loc;
	const char *text; /* into the source; loc.len bytes */
	uint64_t ival;
	char *sval;
	uint32_t slen;
	bool count;	     /* TOK_POSITIONAL: $# */
	const char *err;     /* TOK_ERROR */
	struct src_loc eloc; /* TOK_ERROR: the exact range to blame */
	char ebuf[80];	     /* storage for err, when formatted */
};

struct lexer {
	const char *text;
	size_t len;
	size_t pos;
	uint32_t line;
	size_t line_start;
	struct ast_arena *arena; /* for decoded strings */
};

void lex_init(struct lexer *lx, const char *text, size_t len,
	      struct ast_arena *arena);

/* Scan the next token into @t. */
void lex_next(struct lexer *lx, struct token *t);

/* Rewind to the start of @t (a token this lexer returned). */
void lex_rewind(struct lexer *lx, const struct token *t);

/*
 * Scan a probe spec: the longest run of characters other than blanks,
 * ',', '{', '}', ';' and '/', where '/' is allowed inside a field that
 * starts with '/' (a path). Returns TOK_SPEC, or another token (EOF,
 * error...) when no spec starts here.
 */
void lex_probe_spec(struct lexer *lx, struct token *t);

/* "'+='", "identifier", "end of input"... for messages. */
const char *tok_kind_name(enum tok_kind k);

#endif /* _FATHOM_USER_LEXER_H */
