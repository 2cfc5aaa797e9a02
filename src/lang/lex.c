/* lex: turning scenario source into tokens. */
#include "lex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const token_names[] = {
#define X(k, s) [k - TK_FIRST] = s,
	TOKENS(X)
#undef X
};

static const struct { const char *word; int kind; } keywords[] = {
	{ "int", TK_INT }, { "void", TK_VOID }, { "const", TK_CONST },
	{ "char", TK_CHAR }, { "struct", TK_STRUCT }, { "union", TK_UNION },
	{ "thread_local", TK_THREAD_LOCAL }, { "mutex", TK_MUTEX },
	{ "semaphore", TK_SEMAPHORE }, { "cond", TK_COND },
	{ "if", TK_IF }, { "else", TK_ELSE }, { "while", TK_WHILE },
	{ "do", TK_DO }, { "for", TK_FOR }, { "break", TK_BREAK },
	{ "continue", TK_CONTINUE }, { "return", TK_RETURN }, { "sizeof", TK_SIZEOF },
};

/* Operators longest first, so that "<<=" wins over "<<" and "<". */
static const struct { const char *op; int kind; } operators[] = {
	{ "<<=", TK_SHL_EQ }, { ">>=", TK_SHR_EQ },
	{ "==", TK_EQ }, { "!=", TK_NE }, { "<=", TK_LE }, { ">=", TK_GE },
	{ "&&", TK_ANDAND }, { "||", TK_OROR }, { "<<", TK_SHL },
	{ ">>", TK_SHR }, { "++", TK_INC }, { "--", TK_DEC }, { "->", TK_ARROW },
	{ "+=", TK_ADD_EQ }, { "-=", TK_SUB_EQ }, { "*=", TK_MUL_EQ },
	{ "/=", TK_DIV_EQ }, { "%=", TK_MOD_EQ }, { "&=", TK_AND_EQ },
	{ "|=", TK_OR_EQ }, { "^=", TK_XOR_EQ },
};

static const char single_chars[] = "+-*/%&|^~!<>=?:;,.(){}[]";

/* Start lexing src. */
void lexer_init(struct lexer *lx, const char *src, size_t len, struct diags *d)
{
	*lx = (struct lexer){
		.src = src, .p = src, .end = src + len, .line = 1,
		.line_start = src, .diags = d,
	};
}

/* Free the lexer's buffers. */
void lexer_free(struct lexer *lx)
{
	buf_free(&lx->strbuf);
}

/* Name a token kind for messages. */
const char *token_name(int kind, char out[16])
{
	if (kind > TK_FIRST && kind < TK_LAST) {
		const char *s = token_names[kind - TK_FIRST];
		if (kind >= TK_INT) {
			snprintf(out, 16, "'%s'", s);
			return out;
		}
		return s;
	}
	snprintf(out, 16, "'%c'", kind);
	return out;
}

/* The column of p on the current line, counting from 1. */
static int col_of(const struct lexer *lx, const char *p)
{
	return (int)(p - lx->line_start) + 1;
}

/* Report an error at p on the current line; fmt takes one string. */
static void error_at(struct lexer *lx, const char *p, const char *fmt, const char *arg)
{
	diag_add(lx->diags, DIAG_ERROR, lx->line, col_of(lx, p), fmt, arg);
}

/* Start a new line whose first character is at after. */
static void newline(struct lexer *lx, const char *after)
{
	lx->line++;
	lx->line_start = after;
	lx->line_has_token = 0;
}

/* Can c start an identifier? */
static int is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Is c a decimal digit? */
static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}


/* Skip blanks and comments.  Returns 1 when it stopped at a newline that
 * ends a directive. */
static int skip_space(struct lexer *lx)
{
	for (;;) {
		const char *p = lx->p;
		if (p >= lx->end)
			return 0;
		if (*p == '\n') {
			if (lx->in_directive)
				return 1;
			lx->p++;
			newline(lx, lx->p);
		} else if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v') {
			lx->p++;
		} else if (*p == '\\' && lx->in_directive && p + 1 < lx->end &&
			   (p[1] == '\n' || (p[1] == '\r' && p + 2 < lx->end && p[2] == '\n'))) {
			lx->p += p[1] == '\n' ? 2 : 3;
			newline(lx, lx->p);
		} else if (*p == '/' && p + 1 < lx->end && p[1] == '/') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else if (*p == '/' && p + 1 < lx->end && p[1] == '*') {
			int line = lx->line, col = col_of(lx, p);
			lx->p += 2;
			for (;;) {
				if (lx->p + 1 >= lx->end) {
					lx->p = lx->end;
					diag_add(lx->diags, DIAG_ERROR, line, col,
						 "unterminated comment");
					return 0;
				}
				if (lx->p[0] == '*' && lx->p[1] == '/') {
					lx->p += 2;
					break;
				}
				if (*lx->p == '\n')
					newline(lx, lx->p + 1);
				lx->p++;
			}
		} else {
			return 0;
		}
	}
}

/* Read one escape sequence after the backslash at *pp; returns the byte. */
static int read_escape(struct lexer *lx, const char **pp)
{
	const char *p = *pp;
	int c = (unsigned char)*p;      /* the caller checked p < end */
	*pp = p + 1;
	switch (c) {
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	case '0': return '\0';
	case 'a': return '\a';
	case 'b': return '\b';
	case 'f': return '\f';
	case 'v': return '\v';
	case 'e': return 27;
	case '\\': case '\'': case '"': case '?': return c;
	case 'x': {
		int v = 0, n = 0;
		while (*pp < lx->end && n < 2) {
			int h = (unsigned char)**pp;
			int d = is_digit(h) ? h - '0' : (h | 32) >= 'a' && (h | 32) <= 'f' ? (h | 32) - 'a' + 10 : -1;
			if (d < 0)
				break;
			v = v * 16 + d;
			(*pp)++;
			n++;
		}
		if (n == 0)
			error_at(lx, p - 1, "%s", "\\x used with no following hex digits");
		return v;
	}
	default:
		error_at(lx, p - 1, "unknown escape sequence '\\%s'",
			 (char[]){ (char)(c >= 0x20 && c < 0x7f ? c : '?'), 0 });
		return c;
	}
}

/* Lex a string literal starting at the quote. */
static void lex_string(struct lexer *lx, struct token *t)
{
	const char *p = lx->p + 1;
	int too_long = 0;
	lx->strbuf.len = 0;
	buf_put(&lx->strbuf, "", 0);
	for (;;) {
		if (p >= lx->end || *p == '\n') {
			error_at(lx, lx->p, "%s", "missing terminating '\"' character");
			break;
		}
		int c = (unsigned char)*p;
		if (c == '"') {
			p++;
			break;
		}
		if (c == '\\' && (p + 1 >= lx->end || p[1] == '\n' || p[1] == '\r')) {
			error_at(lx, lx->p, "%s", "missing terminating '\"' character");
			p++;
			break;
		}
		p++;
		if (c == '\\')
			c = read_escape(lx, &p);
		if (lx->strbuf.len < MAX_STRING)
			buf_putc(&lx->strbuf, c);
		else
			too_long = 1;
	}
	if (too_long) {
		char n[16];
		snprintf(n, sizeof n, "%d", MAX_STRING);
		error_at(lx, lx->p, "string literal too long (at most %s bytes)", n);
	}
	t->kind = TK_STR;
	t->str = lx->strbuf.s;
	t->str_len = lx->strbuf.len;
	lx->p = p;
}

/* Lex a character constant ('a', '\n') as a number. */
static void lex_char(struct lexer *lx, struct token *t)
{
	const char *p = lx->p + 1;
	int c = 0;
	t->kind = TK_NUM;
	if (p >= lx->end || *p == '\n' || *p == '\'') {
		error_at(lx, lx->p, "%s", "empty character constant");
	} else if (*p == '\\' && (p + 1 >= lx->end || p[1] == '\n')) {
		p++;    /* the error below says what is missing */
	} else {
		c = (unsigned char)*p++;
		if (c == '\\')
			c = read_escape(lx, &p);
	}
	if (p < lx->end && *p == '\'') {
		p++;
	} else {
		/* 'ab': look for the closing quote on the same line */
		const char *q = p;
		while (q < lx->end && *q != '\'' && *q != '\n')
			q++;
		if (q < lx->end && *q == '\'' && q - lx->p <= 40) {
			char *text = xstrndup(lx->p, (size_t)(q + 1 - lx->p));
			error_at(lx, lx->p, "character constant %s holds more than one character", text);
			xfree(text);
			p = q + 1;
		} else {
			error_at(lx, lx->p, "%s", "missing terminating ' character");
		}
	}
	t->num = c;
	lx->p = p;
}

/* Lex an integer literal: decimal, 0x hex, 0 octal or 0b binary. */
static void lex_number(struct lexer *lx, struct token *t)
{
	const char *p = lx->p;
	int base = 10;
	if (p[0] == '0' && p + 1 < lx->end && (p[1] | 32) == 'x') {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && p + 1 < lx->end && (p[1] | 32) == 'b') {
		base = 2;
		p += 2;
	} else if (p[0] == '0') {
		base = 8;
	}
	uint64_t v = 0;
	int overflow = 0, bad = 0, digits = 0;
	while (p < lx->end && (is_digit(*p) || is_ident_start(*p))) {
		int c = (unsigned char)*p, d;
		if (is_digit(c))
			d = c - '0';
		else if ((c | 32) >= 'a' && (c | 32) <= 'f')
			d = (c | 32) - 'a' + 10;
		else
			d = 99;
		if (d >= base)
			bad = 1;
		else if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			overflow = 1;
		else
			v = v * (uint64_t)base + (uint64_t)d;
		digits++;
		p++;
	}
	t->kind = TK_NUM;
	if (p + 1 < lx->end && *p == '.' && is_digit(p[1])) {
		/* 1.5: take the whole literal, to say what it is */
		for (p++; p < lx->end && (is_digit(*p) || is_ident_start(*p)); p++)
			;
		bad = 1;
	}
	if (bad || (base != 10 && base != 8 && digits == 0)) {
		char *text = xstrndup(lx->p, (size_t)(p - lx->p) > 40 ? 40 : (size_t)(p - lx->p));
		error_at(lx, lx->p, "invalid number '%s'", text);
		xfree(text);
	}
	if (overflow || v > INT64_MAX) {
		error_at(lx, lx->p, "%s", "integer constant is too large (the largest is 9223372036854775807)");
		v = 0;
	}
	t->num = (int64_t)v;
	lx->p = p;
}

/* Read the next token. */
void lex_next(struct lexer *lx, struct token *t)
{
	memset(t, 0, sizeof *t);
again:
	if (skip_space(lx)) {
		t->kind = TK_EOL;
		t->line = lx->line;
		t->col = col_of(lx, lx->p);
		t->start = lx->p;
		lx->in_directive = 0;
		return;
	}
	t->line = lx->line;
	t->col = col_of(lx, lx->p);
	t->start = lx->p;
	if (lx->p >= lx->end) {
		if (lx->in_directive) {
			lx->in_directive = 0;
			t->kind = TK_EOL;
			return;
		}
		t->kind = TK_EOF;
		return;
	}

	const char *p = lx->p;
	int c = (unsigned char)*p;
	int had_token = lx->line_has_token;
	lx->line_has_token = 1;
	if (c == '#' && !lx->in_directive && !had_token) {
		const char *q = p + 1;
		while (q < lx->end && (*q == ' ' || *q == '\t'))
			q++;
		const char *name = q;
		while (q < lx->end && (is_ident_start(*q) || is_digit(*q) || *q == '-'))
			q++;
		lx->in_directive = 1;
		lx->p = q;
		t->kind = TK_DIRECTIVE;
		lx->strbuf.len = 0;
		buf_put(&lx->strbuf, name, (size_t)(q - name));
		t->str = lx->strbuf.s;
		t->str_len = lx->strbuf.len;
	} else if (is_ident_start(c)) {
		const char *q = p;
		while (q < lx->end && (is_ident_start(*q) || is_digit(*q)))
			q++;
		size_t n = (size_t)(q - p);
		lx->p = q;
		t->kind = TK_IDENT;
		for (size_t i = 0; i < ARRAY_LEN(keywords); i++)
			if (strlen(keywords[i].word) == n && memcmp(keywords[i].word, p, n) == 0)
				t->kind = keywords[i].kind;
		if (t->kind == TK_IDENT && n > MAX_IDENT) {
			char lim[16];
			snprintf(lim, sizeof lim, "%d", MAX_IDENT);
			error_at(lx, p, "identifier too long (at most %s characters)", lim);
			n = MAX_IDENT;
		}
		lx->strbuf.len = 0;
		buf_put(&lx->strbuf, p, n);
		t->str = lx->strbuf.s;
		t->str_len = n;
	} else if (is_digit(c)) {
		lex_number(lx, t);
	} else if (c == '"') {
		lex_string(lx, t);
	} else if (c == '\'') {
		lex_char(lx, t);
	} else {
		for (size_t i = 0; i < ARRAY_LEN(operators); i++) {
			size_t n = strlen(operators[i].op);
			if ((size_t)(lx->end - p) >= n && memcmp(p, operators[i].op, n) == 0) {
				lx->p += n;
				t->kind = operators[i].kind;
				t->len = n;
				return;
			}
		}
		if (c != 0 && strchr(single_chars, c)) {
			lx->p++;
			t->kind = c;
		} else {
			char what[16];
			if (c >= 0x20 && c < 0x7f)
				snprintf(what, sizeof what, "'%c'", c);
			else
				snprintf(what, sizeof what, "'\\x%02x'", c);
			error_at(lx, p, "stray %s in program", what);
			/* Skip the run of stray bytes so binary garbage gives one error. */
			lx->p++;
			while (lx->p < lx->end && (*lx->p == 0 || !strchr(single_chars, *lx->p)) &&
			       !is_ident_start(*lx->p) && !is_digit(*lx->p) &&
			       *lx->p != '"' && *lx->p != '\'' && *lx->p != '\n' &&
			       *lx->p != ' ' && *lx->p != '#')
				lx->p++;
			goto again;
		}
	}
	t->len = (size_t)(lx->p - t->start);
}
