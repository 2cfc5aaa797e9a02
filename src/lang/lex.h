/* lex: the scenario lexer.  It turns source text into tokens on demand.
 * One-character tokens are their own code; longer ones have codes above
 * the byte range.  A '#' that starts a line begins a directive, whose
 * tokens run to the end of the line (a trailing backslash continues it)
 * and are followed by TK_EOL. */
#ifndef THREADLAB_LEX_H
#define THREADLAB_LEX_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define MAX_IDENT 63            /* longest identifier */
#define MAX_STRING 4096         /* longest string literal, decoded */

#define TOKENS(X)                                                     \
	X(TK_EOF, "end of file") X(TK_EOL, "end of line")              \
	X(TK_IDENT, "identifier") X(TK_NUM, "number")                  \
	X(TK_STR, "string") X(TK_DIRECTIVE, "directive")               \
	X(TK_INT, "int") X(TK_VOID, "void") X(TK_CONST, "const")        \
	X(TK_CHAR, "char") X(TK_STRUCT, "struct") X(TK_UNION, "union")  \
	X(TK_THREAD_LOCAL, "thread_local") X(TK_MUTEX, "mutex")         \
	X(TK_SEMAPHORE, "semaphore") X(TK_COND, "cond")                 \
	X(TK_IF, "if") X(TK_ELSE, "else") X(TK_WHILE, "while")          \
	X(TK_DO, "do") X(TK_FOR, "for") X(TK_BREAK, "break")            \
	X(TK_CONTINUE, "continue") X(TK_RETURN, "return")               \
	X(TK_SIZEOF, "sizeof")                                          \
	X(TK_EQ, "==") X(TK_NE, "!=") X(TK_LE, "<=") X(TK_GE, ">=")     \
	X(TK_ANDAND, "&&") X(TK_OROR, "||") X(TK_SHL, "<<")             \
	X(TK_SHR, ">>") X(TK_INC, "++") X(TK_DEC, "--")                 \
	X(TK_ADD_EQ, "+=") X(TK_SUB_EQ, "-=") X(TK_MUL_EQ, "*=")        \
	X(TK_DIV_EQ, "/=") X(TK_MOD_EQ, "%=") X(TK_AND_EQ, "&=")        \
	X(TK_OR_EQ, "|=") X(TK_XOR_EQ, "^=") X(TK_SHL_EQ, "<<=")        \
	X(TK_SHR_EQ, ">>=") X(TK_ARROW, "->")

enum token_kind {
	TK_FIRST = 256,
#define X(k, s) k,
	TOKENS(X)
#undef X
	TK_LAST
};

struct token {
	int kind;
	int line, col;
	const char *start;      /* in the source */
	size_t len;
	int64_t num;            /* TK_NUM */
	char *str;              /* TK_STR, TK_IDENT, TK_DIRECTIVE: decoded, owned by the lexer */
	size_t str_len;
};

struct lexer {
	const char *src, *p, *end;
	int line;
	const char *line_start;
	int in_directive;
	int line_has_token;     /* a token started on this line already */
	struct diags *diags;
	struct buf strbuf;
};

void lexer_init(struct lexer *lx, const char *src, size_t len, struct diags *d);
void lexer_free(struct lexer *lx);

/* Read the next token into *t.  Its str stays valid until the next call. */
void lex_next(struct lexer *lx, struct token *t);

/* How a token kind is written ("'=='", "identifier", "'('"). */
const char *token_name(int kind, char out[16]);

#endif
