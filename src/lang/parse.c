/* parse: from tokens to the syntax tree. */
#include "parse.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/epoll_layout.h"
#include "../sim/sched.h"
#include "lex.h"
#include "sema.h"

#define STR(x) #x
#define XSTR(x) STR(x)
#define MAX_STRING_TEXT XSTR(MAX_STRING)

struct parser {
	struct lexer lx;
	struct token tok;       /* the current token */
	const char *prev_end;   /* end of the token before it */
	int prev_line, prev_col;        /* and where it ends */
	int prev_kind;                  /* and what it was */
	struct program *prog;
	struct diags *d;
	int panic;              /* an error was reported; skip to a safe point */
	int eof_reported;       /* an unexpected end of file was reported */
	int depth;              /* current nesting, against MAX_NESTING */
	struct func *fn;        /* the function being parsed */
};

/* Text of the current token for messages, e.g. "'}'" or "end of file". */
static void describe_tok(struct parser *p, char *out, size_t n)
{
	const struct token *t = &p->tok;
	char tmp[16];
	switch (t->kind) {
	case TK_EOF:
		snprintf(out, n, "end of file");
		break;
	case TK_EOL:
		snprintf(out, n, "end of line");
		break;
	case TK_IDENT:
		snprintf(out, n, "'%.*s'", (int)(t->str_len > 40 ? 40 : t->str_len), t->str);
		break;
	case TK_NUM:
		snprintf(out, n, t->start[0] == '\'' ? "%.*s" : "'%.*s'",
			 (int)(t->len > 40 ? 40 : t->len), t->start);
		break;
	case TK_STR:
		snprintf(out, n, "string literal");
		break;
	case TK_DIRECTIVE:
		snprintf(out, n, "'#%.*s'", (int)(t->str_len > 40 ? 40 : t->str_len), t->str);
		break;
	default:
		snprintf(out, n, "%s", token_name(t->kind, tmp));
	}
}

/* Report an error at the current token, unless already panicking. */
static void error_tok(struct parser *p, const char *fmt, const char *arg)
{
	/* at the end of the file, point just past the last token */
	int at_end = p->tok.kind == TK_EOF && p->prev_line;
	if (!p->panic)
		diag_add(p->d, DIAG_ERROR, at_end ? p->prev_line : p->tok.line,
			 at_end ? p->prev_col : p->tok.col, fmt, arg);
	p->panic = 1;
}

/* Report an error at a node's position. */
static void error_at(struct parser *p, int line, int col, const char *fmt, const char *arg)
{
	if (!p->panic)
		diag_add(p->d, DIAG_ERROR, line, col, fmt, arg);
	p->panic = 1;
}

/* Move to the next token, remembering where the current one ends. */
static void advance(struct parser *p)
{
	p->prev_end = p->tok.start + p->tok.len;
	p->prev_line = p->tok.line;
	p->prev_kind = p->tok.kind;
	p->prev_col = p->tok.col + (int)p->tok.len;
	lex_next(&p->lx, &p->tok);
}

/* Is the current token of this kind? */
static int check(struct parser *p, int kind)
{
	return p->tok.kind == kind;
}

/* Consume the current token if it is of this kind. */
static int accept(struct parser *p, int kind)
{
	if (!check(p, kind))
		return 0;
	advance(p);
	return 1;
}

/* Consume a token of this kind or report "expected X before Y". */
static int expect(struct parser *p, int kind)
{
	if (accept(p, kind))
		return 1;
	char want[16], found[64], msg[128];
	token_name(kind, want);
	describe_tok(p, found, sizeof found);
	if (kind == ';' && p->prev_line && p->prev_line != p->tok.line) {
		/* A missing ';' belongs at the end of the line that lacks it;
		 * carry on as if it were there. */
		if (!p->panic)
			diag_add(p->d, DIAG_ERROR, p->prev_line, p->prev_col,
				 "expected ';' at the end of the line");
		return 0;
	}
	if (check(p, TK_EOF))
		snprintf(msg, sizeof msg, "expected %s at end of file", want);
	else
		snprintf(msg, sizeof msg, "expected %s before %s", want, found);
	error_tok(p, "%s", msg);
	return 0;
}

/* Consume the bracket that closes open (seen at line), naming that line. */
static int expect_close(struct parser *p, int close, int open, int line)
{
	if (accept(p, close))
		return 1;
	char found[64], msg[160];
	describe_tok(p, found, sizeof found);
	if (line != p->tok.line)
		snprintf(msg, sizeof msg, "expected '%c' to close '%c' opened at line %d, found %s",
			 close, open, line, found);
	else
		snprintf(msg, sizeof msg, "expected '%c' before %s", close, found);
	error_tok(p, "%s", msg);
	return 0;
}

/* A new node at line:col whose source starts at the current token. */
static struct node *new_node(struct parser *p, enum node_kind kind, int line, int col)
{
	struct node *n = arena_alloc(&p->prog->arena, sizeof *n);
	n->kind = kind;
	n->line = line;
	n->col = col;
	n->src_start = p->tok.start;
	return n;
}

/* Copy the current token's text into the program's arena. */
static char *dup_tok_str(struct parser *p)
{
	return arena_strndup(&p->prog->arena, p->tok.str, p->tok.str_len);
}

/* Enter one level of nesting; 0 (and an error) when too deep. */
static int enter(struct parser *p)
{
	if (p->depth >= MAX_NESTING) {
		char lim[16];
		snprintf(lim, sizeof lim, "%d", MAX_NESTING);
		error_tok(p, "nesting too deep (at most %s levels)", lim);
		return 0;
	}
	p->depth++;
	return 1;
}

/* Leave one level of nesting. */
static void leave(struct parser *p)
{
	p->depth--;
}

/* C words that are not part of the scenario language: a clear message
 * beats "expected ';'". */
static const char *const c_only_words[] = {
	"short", "long", "float", "double", "signed", "unsigned",
	"enum", "typedef", "static", "extern", "register", "auto",
	"volatile", "inline", "restrict", "switch", "case", "default", "goto",
};

/* Report the current identifier if it is such a word; 1 when it was. */
static int c_only_word(struct parser *p)
{
	if (!check(p, TK_IDENT))
		return 0;
	for (size_t i = 0; i < ARRAY_LEN(c_only_words); i++)
		if (strcmp(p->tok.str, c_only_words[i]) == 0) {
			error_tok(p, "'%s' is not part of the scenario language "
				     "(types: int, char, void, struct, union, mutex, semaphore, cond; "
				     "see threadlab-scenario(5))",
				  p->tok.str);
			return 1;
		}
	return 0;
}

static struct node *expr(struct parser *p);
static struct node *assign(struct parser *p);
static struct node *stmt(struct parser *p);

/* primary = NUM | STR { STR } | IDENT | "(" expr ")" */
static struct node *primary(struct parser *p)
{
	struct token *t = &p->tok;
	struct node *n;
	if (check(p, TK_NUM)) {
		n = new_node(p, N_NUM, t->line, t->col);
		n->val = t->num;
		advance(p);
	} else if (check(p, TK_STR)) {
		n = new_node(p, N_STR, t->line, t->col);
		struct buf b = { 0 };
		while (check(p, TK_STR)) {
			buf_put(&b, t->str, t->str_len);
			advance(p);
		}
		if (b.len > MAX_STRING)
			error_at(p, n->line, n->col, "string literal too long (at most %s bytes)", MAX_STRING_TEXT);
		n->str = arena_strndup(&p->prog->arena, b.s ? b.s : "", b.len);
		n->str_len = b.len;
		buf_free(&b);
	} else if (c_only_word(p)) {
		n = new_node(p, N_NUM, t->line, t->col);
	} else if (check(p, TK_IDENT)) {
		n = new_node(p, N_IDENT, t->line, t->col);
		n->str = dup_tok_str(p);
		p->prog->uses_errno |= strcmp(n->str, "errno") == 0;
		advance(p);
	} else if (check(p, '(')) {
		int line = t->line;
		advance(p);
		n = expr(p);
		expect_close(p, ')', '(', line);
	} else {
		char found[64];
		describe_tok(p, found, sizeof found);
		error_tok(p, "expected an expression before %s", found);
		n = new_node(p, N_NUM, t->line, t->col);
	}
	n->src_end = p->prev_end;
	return n;
}

/* postfix = primary { "[" expr "]" | "(" [ assign { "," assign } ] ")" | "++" | "--"
 *                   | "." IDENT | "->" IDENT } */
static struct node *postfix(struct parser *p)
{
	struct node *n = primary(p);
	int entered = 0;        /* each postfix operator nests the tree one level */
	for (;;) {
		struct token *t = &p->tok;
		int line = t->line, col = t->col;
		if (p->panic || !(check(p, '[') || check(p, '(') || check(p, TK_INC) ||
				  check(p, TK_DEC) || check(p, '.') || check(p, TK_ARROW)) || !enter(p))
			break;
		entered++;
		if (check(p, '.') || check(p, TK_ARROW)) {
			struct node *m = new_node(p, N_MEMBER, line, col);
			m->op = t->kind;
			m->lhs = n;
			m->src_start = n->src_start;
			advance(p);
			if (check(p, TK_IDENT)) {
				m->str = dup_tok_str(p);
				advance(p);
			} else {
				char found[64], msg[128];
				describe_tok(p, found, sizeof found);
				snprintf(msg, sizeof msg, "expected a field name after '%s' before %s",
					 m->op == '.' ? "." : "->", found);
				error_tok(p, "%s", msg);
				m->str = "";
			}
			n = m;
		} else if (accept(p, '[')) {
			struct node *ix = new_node(p, N_INDEX, n->line, n->col);
			ix->lhs = n;
			ix->rhs = expr(p);
			expect_close(p, ']', '[', line);
			ix->src_start = n->src_start;
			n = ix;
		} else if (accept(p, '(')) {
			/* errors about a call point at what it calls */
			struct node *call = new_node(p, N_CALL, n->line, n->col);
			call->lhs = n;
			call->src_start = n->src_start;
			struct node **tail = &call->args;
			if (!check(p, ')')) {
				do {
					*tail = assign(p);
					tail = &(*tail)->next;
					call->nargs++;
				} while (!p->panic && accept(p, ','));
			}
			expect_close(p, ')', '(', line);
			n = call;
		} else if (check(p, TK_INC) || check(p, TK_DEC)) {
			struct node *inc = new_node(p, N_POSTINC, line, col);
			inc->op = check(p, TK_INC) ? 1 : -1;
			inc->lhs = n;
			inc->src_start = n->src_start;
			advance(p);
			n = inc;
		}
		n->src_end = p->prev_end;
	}
	p->depth -= entered;
	return n;
}

static int is_type_start(struct parser *p);
static struct type *type_name(struct parser *p);

/* unary = ("+" | "-" | "!" | "~" | "&" | "*" | "++" | "--") unary
 *       | "sizeof" ( "(" type ")" | unary ) | postfix */
static struct node *unary(struct parser *p)
{
	struct token *t = &p->tok;
	int line = t->line, col = t->col;
	const char *start = t->start;
	struct node *n;
	if (!enter(p))
		return new_node(p, N_NUM, line, col);
	if (check(p, '+') || check(p, '-') || check(p, '!') || check(p, '~')) {
		n = new_node(p, N_UNARY, line, col);
		n->op = t->kind;
		advance(p);
		n->lhs = unary(p);
	} else if (check(p, '&') || check(p, '*')) {
		n = new_node(p, check(p, '&') ? N_ADDR : N_DEREF, line, col);
		advance(p);
		n->lhs = unary(p);
	} else if (accept(p, TK_SIZEOF)) {
		n = new_node(p, N_SIZEOF, line, col);
		if (check(p, '(')) {
			int l = p->tok.line;
			advance(p);
			if (is_type_start(p)) {
				n->ty = type_name(p);
			} else {
				n->lhs = expr(p);
			}
			expect_close(p, ')', '(', l);
		} else {
			n->lhs = unary(p);
		}
	} else if (check(p, TK_INC) || check(p, TK_DEC)) {
		n = new_node(p, N_PREINC, line, col);
		n->op = check(p, TK_INC) ? 1 : -1;
		advance(p);
		n->lhs = unary(p);
	} else {
		n = postfix(p);
	}
	leave(p);
	n->src_start = start;
	n->src_end = p->prev_end;
	return n;
}

/* Binary operators by precedence, loosest first. */
static int binary_prec(int kind)
{
	switch (kind) {
	case TK_OROR: return 1;
	case TK_ANDAND: return 2;
	case '|': return 3;
	case '^': return 4;
	case '&': return 5;
	case TK_EQ: case TK_NE: return 6;
	case '<': case '>': case TK_LE: case TK_GE: return 7;
	case TK_SHL: case TK_SHR: return 8;
	case '+': case '-': return 9;
	case '*': case '/': case '%': return 10;
	default: return 0;
	}
}

/* binary = unary { binop unary }, by precedence climbing */
static struct node *binary(struct parser *p, int min_prec)
{
	struct node *lhs = unary(p);
	int entered = 0;        /* a chain of operators nests the tree */
	for (;;) {
		int kind = p->tok.kind, prec = binary_prec(kind);
		if (prec < min_prec || prec == 0 || p->panic || !enter(p)) {
			p->depth -= entered;
			return lhs;
		}
		entered++;
		int line = p->tok.line, col = p->tok.col;
		advance(p);
		struct node *n = new_node(p, kind == TK_OROR ? N_LOGOR :
					     kind == TK_ANDAND ? N_LOGAND : N_BINARY, line, col);
		n->op = kind;
		n->lhs = lhs;
		n->rhs = binary(p, prec + 1);
		n->src_start = lhs->src_start;
		n->src_end = p->prev_end;
		lhs = n;
	}
}

/* ternary = binary [ "?" expr ":" ternary ] */
static struct node *ternary(struct parser *p)
{
	struct node *c = binary(p, 1);
	if (!check(p, '?'))
		return c;
	struct node *n = new_node(p, N_TERNARY, p->tok.line, p->tok.col);
	advance(p);
	if (!enter(p))
		return n;
	n->cond = c;
	n->then = expr(p);
	expect(p, ':');
	n->els = ternary(p);
	leave(p);
	n->src_start = c->src_start;
	n->src_end = p->prev_end;
	return n;
}

/* Is this token kind an assignment operator ("=" or "op=")? */
static int is_assign_op(int kind)
{
	switch (kind) {
	case '=': case TK_ADD_EQ: case TK_SUB_EQ: case TK_MUL_EQ: case TK_DIV_EQ:
	case TK_MOD_EQ: case TK_AND_EQ: case TK_OR_EQ: case TK_XOR_EQ:
	case TK_SHL_EQ: case TK_SHR_EQ:
		return 1;
	default:
		return 0;
	}
}

/* assign = ternary [ assignop assign ] */
static struct node *assign(struct parser *p)
{
	struct node *lhs = ternary(p);
	if (!is_assign_op(p->tok.kind) || p->panic)
		return lhs;
	struct node *n = new_node(p, N_ASSIGN, p->tok.line, p->tok.col);
	n->op = p->tok.kind;
	advance(p);
	if (!enter(p))
		return n;
	n->lhs = lhs;
	n->rhs = assign(p);
	leave(p);
	n->src_start = lhs->src_start;
	n->src_end = p->prev_end;
	return n;
}

/* expr = assign */
static struct node *expr(struct parser *p)
{
	return assign(p);
}

/* Does the current token start a type? */
static int is_type_start(struct parser *p)
{
	switch (p->tok.kind) {
	case TK_INT: case TK_VOID: case TK_CONST: case TK_THREAD_LOCAL:
	case TK_MUTEX: case TK_SEMAPHORE: case TK_COND: case TK_CHAR:
	case TK_STRUCT: case TK_UNION:
		return 1;
	default:
		return 0;
	}
}

struct declspec {
	int is_const, is_tls;
	struct type *base;
	int line, col;
};

static int declspec(struct parser *p, struct declspec *ds);
static int declarator_head(struct parser *p, struct declspec *ds, struct type **t,
			   const char **name, int *line, int *col);

/* The struct or union of this tag, or NULL. */
static struct sdef *find_tag(struct parser *p, const char *tag)
{
	for (struct sdef *s = p->prog->structs; s; s = s->next)
		if (s->tag && strcmp(s->tag, tag) == 0)
			return s;
	return NULL;
}

/* A new struct or union (tag NULL: anonymous) in the program's list. */
static struct sdef *new_sdef(struct program *prog, const char *tag, int is_union,
			     int line, int col)
{
	struct sdef *s = arena_alloc(&prog->arena, sizeof *s);
	s->tag = tag;
	s->is_union = is_union;
	s->line = line;
	s->col = col;
	struct sdef **tail = &prog->structs;
	while (*tail)
		tail = &(*tail)->next;
	*tail = s;
	return s;
}

/* Add a field to s. */
static struct field *add_field(struct program *prog, struct sdef *s, const char *name,
			       struct type *ty, int line, int col)
{
	struct field *f = arena_alloc(&prog->arena, sizeof *f);
	f->name = name;
	f->ty = ty;
	f->line = line;
	f->col = col;
	struct field **tail = &s->fields;
	while (*tail)
		tail = &(*tail)->next;
	*tail = f;
	s->nfields++;
	return f;
}

/* struct epoll_event as <sys/epoll.h> has it, laid out as epoll_wait
 * writes it (epoll_layout.h): int events; union epoll_data { int fd;
 * void *ptr; int u32; int u64; } data. */
static void predefine_epoll_event(struct program *prog)
{
	struct sdef *data = new_sdef(prog, "epoll_data", 1, 0, 0);
	struct type *int_ty = type_new(prog, TY_INT, NULL);
	add_field(prog, data, "fd", int_ty, 0, 0);         /* first: the field a union shows */
	add_field(prog, data, "ptr", type_new(prog, TY_PTR, type_new(prog, TY_VOID, NULL)), 0, 0);
	add_field(prog, data, "u32", int_ty, 0, 0);
	add_field(prog, data, "u64", int_ty, 0, 0);
	data->size = data->align = WORD;
	struct sdef *ev = new_sdef(prog, "epoll_event", 0, 0, 0);
	struct type *data_ty = type_new(prog, TY_STRUCT, NULL);
	data_ty->sdef = data;
	add_field(prog, ev, "events", int_ty, 0, 0)->offset = EPOLL_EVENT_EVENTS;
	add_field(prog, ev, "data", data_ty, 0, 0)->offset = EPOLL_EVENT_DATA;
	ev->size = EPOLL_EVENT_SIZE;
	ev->align = WORD;
	for (struct sdef *s = data; s; s = s->next)
		s->defined = s->declared = s->laid_out = s->predefined = 1;
}

/* The fields of a struct or union, after its '{':
 * { declspec declarator { "," declarator } ";" } "}" */
static void struct_fields(struct parser *p, struct sdef *s, int open_line)
{
	while (!check(p, '}') && !check(p, TK_EOF) && !p->panic) {
		struct declspec ds;
		if (!declspec(p, &ds))
			return;
		if (ds.is_const || ds.is_tls) {
			error_at(p, ds.line, ds.col, "%s", ds.is_tls ? "a field cannot be thread_local"
								  : "a field cannot be const");
			return;
		}
		do {
			struct type *t;
			const char *name;
			int line, col;
			if (!declarator_head(p, &ds, &t, &name, &line, &col))
				return;
			struct field *f = add_field(p->prog, s, name, t, line, col);
			if (check(p, '[')) {
				int l = p->tok.line;
				advance(p);
				f->ty = type_new(p->prog, TY_ARRAY, t);
				f->ty->len = -1;
				if (!check(p, ']'))
					f->len_expr = expr(p);
				expect_close(p, ']', '[', l);
			}
		} while (!p->panic && accept(p, ','));
		if (!expect(p, ';'))
			return;
	}
	expect_close(p, '}', '{', open_line);
}

/* struct-spec = ("struct" | "union") ( IDENT [ "{" fields "}" ] | "{" fields "}" )
 * A definition belongs at file scope (or inside another struct). */
static struct type *struct_spec(struct parser *p)
{
	int is_union = check(p, TK_UNION);
	int line = p->tok.line, col = p->tok.col;
	const char *kw = is_union ? "union" : "struct";
	advance(p);
	struct sdef *s = NULL;
	const char *tag = NULL;
	int tline = line, tcol = col;
	if (check(p, TK_IDENT)) {
		tag = dup_tok_str(p);
		tline = p->tok.line;
		tcol = p->tok.col;
		advance(p);
		s = find_tag(p, tag);
		if (s && s->is_union != is_union) {
			char msg[160];
			snprintf(msg, sizeof msg, "'%%s' is %s, not %s", s->is_union ? "a union" : "a struct",
				 is_union ? "a union" : "a struct");
			error_at(p, tline, tcol, msg, tag);
			return NULL;
		}
	} else if (!check(p, '{')) {
		char found[64], msg[128];
		describe_tok(p, found, sizeof found);
		snprintf(msg, sizeof msg, "expected a name or '{' after '%s' before %s", kw, found);
		error_tok(p, "%s", msg);
		return NULL;
	}
	if (check(p, '{')) {
		if (p->fn) {
			error_tok(p, "%s", "a struct or union is defined at file scope, not inside a function");
			return NULL;
		}
		if (s && s->defined) {
			char msg[200];
			if (s->predefined)
				snprintf(msg, sizeof msg, "redefinition of '%s %%s': it is predefined, "
					 "as <sys/epoll.h> defines it", kw);
			else
				snprintf(msg, sizeof msg, "redefinition of '%s %%s' (first defined at line %d)",
					 kw, s->line);
			error_at(p, tline, tcol, msg, tag);
			return NULL;
		}
		if (!s)
			s = new_sdef(p->prog, tag, is_union, tline, tcol);
		s->line = tline;
		s->col = tcol;
		s->defined = s->declared = 1;
		int open_line = p->tok.line;
		advance(p);
		if (!enter(p))
			return NULL;
		struct_fields(p, s, open_line);
		leave(p);
	} else if (!s) {
		s = new_sdef(p->prog, tag, is_union, tline, tcol);
	}
	struct type *t = type_new(p->prog, TY_STRUCT, NULL);
	t->sdef = s;
	return t;
}

/* declspec = { "const" | "thread_local" } ("int" | "char" | "void" | "mutex" | "semaphore"
 *                                          | "cond" | struct-spec) */
static int declspec(struct parser *p, struct declspec *ds)
{
	memset(ds, 0, sizeof *ds);
	ds->line = p->tok.line;
	ds->col = p->tok.col;
	for (;;) {
		if (accept(p, TK_CONST))
			ds->is_const = 1;
		else if (accept(p, TK_THREAD_LOCAL))
			ds->is_tls = 1;
		else
			break;
	}
	enum type_kind k;
	if (check(p, TK_STRUCT) || check(p, TK_UNION)) {
		ds->base = struct_spec(p);
		return ds->base != NULL;
	}
	switch (p->tok.kind) {
	case TK_INT: k = TY_INT; break;
	case TK_CHAR: k = TY_CHAR; break;
	case TK_VOID: k = TY_VOID; break;
	case TK_MUTEX: k = TY_MUTEX; break;
	case TK_SEMAPHORE: k = TY_SEM; break;
	case TK_COND: k = TY_COND; break;
	default: {
		char found[64];
		if (c_only_word(p))
			return 0;
		describe_tok(p, found, sizeof found);
		error_tok(p, "expected a type before %s", found);
		return 0;
	}
	}
	advance(p);
	ds->base = type_new(p->prog, k, NULL);
	return 1;
}

/* pointers = { "*" } */
static struct type *pointers(struct parser *p, struct type *t)
{
	while (accept(p, '*'))
		t = type_new(p->prog, TY_PTR, t);
	return t;
}

/* type = declspec pointers [ "[" NUM "]" ]   (as sizeof takes it) */
static struct type *type_name(struct parser *p)
{
	struct declspec ds;
	if (!declspec(p, &ds))
		return type_new(p->prog, TY_INT, NULL);
	struct type *t = pointers(p, ds.base);
	if (check(p, '[')) {
		int l = p->tok.line;
		advance(p);
		struct type *a = type_new(p->prog, TY_ARRAY, t);
		a->len = 1;
		if (check(p, TK_NUM) && p->tok.num > 0 && p->tok.num <= MAX_ARRAY) {
			a->len = p->tok.num;
			advance(p);
		} else {
			error_tok(p, "%s", "the length of an array type in sizeof is a number from 1 to 65536");
		}
		expect_close(p, ']', '[', l);
		t = a;
	}
	return t;
}

/* initializer = assign | "{" [ assign { "," assign } [","] ] "}" */
static struct node *initializer(struct parser *p)
{
	if (!check(p, '{'))
		return assign(p);
	struct node *n = new_node(p, N_INIT_LIST, p->tok.line, p->tok.col);
	int line = p->tok.line;
	advance(p);
	struct node **tail = &n->args;
	while (!check(p, '}') && !check(p, TK_EOF) && !p->panic) {
		*tail = assign(p);
		tail = &(*tail)->next;
		n->nargs++;
		if (!accept(p, ','))
			break;
	}
	expect_close(p, '}', '{', line);
	n->src_end = p->prev_end;
	return n;
}

/* The rest of a declarator once its type and name are read:
 * [ "[" [ expr ] "]" ] [ "=" initializer ] */
static struct var *declarator_rest(struct parser *p, struct declspec *ds, struct type *t,
				   enum var_where where, const char *name, int line, int col)
{
	struct var *v = arena_alloc(&p->prog->arena, sizeof *v);
	v->name = name;
	v->line = line;
	v->col = col;
	v->where = where;
	v->is_const = ds->is_const;
	v->is_tls = ds->is_tls;
	if (check(p, '[')) {
		int l = p->tok.line;
		advance(p);
		struct type *a = type_new(p->prog, TY_ARRAY, t);
		a->len = -1;
		if (!check(p, ']'))
			v->len_expr = expr(p);
		expect_close(p, ']', '[', l);
		t = a;
	}
	v->ty = t;
	if (accept(p, '='))
		v->init = initializer(p);
	return v;
}

/* The head of a declarator: pointers IDENT.  Sets *t, *name and its
 * position; 0 (and an error) when there is no name. */
static int declarator_head(struct parser *p, struct declspec *ds, struct type **t,
			   const char **name, int *line, int *col)
{
	*t = pointers(p, ds->base);
	if (check(p, '(')) {
		error_tok(p, "%s", "there are no function pointer types: a function value is an int "
				   "(declare 'int cb' and call it as cb(x))");
		return 0;
	}
	if (c_only_word(p))
		return 0;
	if (!check(p, TK_IDENT)) {
		char found[64];
		describe_tok(p, found, sizeof found);
		error_tok(p, "expected a name before %s", found);
		return 0;
	}
	*name = dup_tok_str(p);
	*line = p->tok.line;
	*col = p->tok.col;
	advance(p);
	return 1;
}

/* declarator = pointers IDENT declarator-rest */
static struct var *declarator(struct parser *p, struct declspec *ds, enum var_where where)
{
	struct type *t;
	const char *name;
	int line, col;
	if (!declarator_head(p, ds, &t, &name, &line, &col))
		return NULL;
	return declarator_rest(p, ds, t, where, name, line, col);
}

/* Recover from an error in a statement: skip to its ';', or past the
 * block it opened, or to the '}' that closes the enclosing block. */
static void skip_statement(struct parser *p)
{
	int depth = 0;
	while (!check(p, TK_EOF)) {
		if (check(p, '{')) {
			depth++;
		} else if (check(p, '}')) {
			if (depth == 0)
				break;
			if (--depth == 0) {
				advance(p);
				break;
			}
		} else if (check(p, ';') && depth == 0) {
			advance(p);
			break;
		}
		advance(p);
	}
	p->panic = 0;
}

/* block = "{" { stmt } "}" */
static struct node *block(struct parser *p)
{
	struct node *n = new_node(p, N_BLOCK, p->tok.line, p->tok.col);
	int line = p->tok.line;
	if (!expect(p, '{'))
		return n;
	struct node **tail = &n->body;
	while (!check(p, '}') && !check(p, TK_EOF)) {
		const char *start = p->tok.start;
		if (check(p, TK_DIRECTIVE)) {
			error_tok(p, "%s", "directives go outside functions");
			while (!check(p, TK_EOL) && !check(p, TK_EOF))
				advance(p);
			accept(p, TK_EOL);
			p->panic = 0;
			continue;
		}
		struct node *s = stmt(p);
		if (s) {
			*tail = s;
			tail = &s->next;
		}
		/* After an error, skip the rest of the statement unless it
		 * already ended; always move past a token that started nothing. */
		if (p->panic && p->tok.start == start && !check(p, '}') && !check(p, TK_EOF))
			advance(p);
		if (p->panic && p->prev_kind != ';' && p->prev_kind != '}')
			skip_statement(p);
		p->panic = 0;
	}
	if (check(p, TK_EOF)) {
		char msg[96];
		snprintf(msg, sizeof msg, "expected '}' to close '{' opened at line %d, found end of file", line);
		if (!p->eof_reported)
			error_tok(p, "%s", msg);
		p->eof_reported = 1;
	} else {
		advance(p);
	}
	n->src_end = p->prev_end;
	return n;
}

static struct func *function(struct parser *p, struct declspec *ds, struct type *ret,
			     const char *name, int line, int col);

/* local declaration: declspec declarator { "," declarator } ";"
 *                  | declspec pointers IDENT "(" params ")" block   (a nested function)
 * several declarators become a block of N_DECL nodes */
static struct node *local_decl(struct parser *p)
{
	struct declspec ds;
	int line = p->tok.line, col = p->tok.col;
	if (!declspec(p, &ds))
		return NULL;
	struct type *t;
	const char *name;
	int vline, vcol;
	if (!declarator_head(p, &ds, &t, &name, &vline, &vcol))
		return NULL;
	if (check(p, '(')) {
		struct node *n = new_node(p, N_FUNC, vline, vcol);
		n->fn = function(p, &ds, t, name, vline, vcol);
		return n->fn ? n : NULL;
	}
	struct node *first = NULL, **tail = &first;
	struct var *v = declarator_rest(p, &ds, t, VAR_LOCAL, name, vline, vcol);
	for (;;) {
		struct node *n = new_node(p, N_DECL, v->line, v->col);
		n->var = v;
		*tail = n;
		tail = &n->next;
		if (!accept(p, ','))
			break;
		if (!(v = declarator(p, &ds, VAR_LOCAL)))
			return first;
	}
	expect(p, ';');
	if (first && first->next) {
		struct node *b = new_node(p, N_BLOCK, line, col);
		b->body = first;
		b->op = 1;      /* no scope of its own */
		return b;
	}
	return first;
}

/* stmt = block | "if" "(" expr ")" stmt [ "else" stmt ]
 *      | "while" "(" expr ")" stmt | "do" stmt "while" "(" expr ")" ";"
 *      | "for" "(" ( decl | [expr] ";" ) [expr] ";" [expr] ")" stmt
 *      | "break" ";" | "continue" ";" | "return" [expr] ";"
 *      | decl | [expr] ";" */
static struct node *stmt(struct parser *p)
{
	struct token *t = &p->tok;
	int line = t->line, col = t->col;
	struct node *n;
	if (!enter(p))
		return NULL;
	switch (t->kind) {
	case '{':
		n = block(p);
		break;
	case TK_IF: {
		n = new_node(p, N_IF, line, col);
		advance(p);
		int l = p->tok.line;
		expect(p, '(');
		n->cond = expr(p);
		expect_close(p, ')', '(', l);
		n->then = stmt(p);
		if (accept(p, TK_ELSE))
			n->els = stmt(p);
		break;
	}
	case TK_WHILE: {
		n = new_node(p, N_WHILE, line, col);
		advance(p);
		int l = p->tok.line;
		expect(p, '(');
		n->cond = expr(p);
		expect_close(p, ')', '(', l);
		n->body = stmt(p);
		break;
	}
	case TK_DO: {
		n = new_node(p, N_DO, line, col);
		advance(p);
		n->body = stmt(p);
		expect(p, TK_WHILE);
		int l = p->tok.line;
		expect(p, '(');
		n->cond = expr(p);
		expect_close(p, ')', '(', l);
		expect(p, ';');
		break;
	}
	case TK_FOR: {
		n = new_node(p, N_FOR, line, col);
		advance(p);
		int l = p->tok.line;
		expect(p, '(');
		if (is_type_start(p)) {
			n->init = local_decl(p);
		} else if (!accept(p, ';')) {
			struct node *e = new_node(p, N_EXPR, p->tok.line, p->tok.col);
			e->lhs = expr(p);
			n->init = e;
			expect(p, ';');
		}
		if (!check(p, ';'))
			n->cond = expr(p);
		expect(p, ';');
		if (!check(p, ')'))
			n->inc = expr(p);
		expect_close(p, ')', '(', l);
		n->body = stmt(p);
		break;
	}
	case TK_BREAK: case TK_CONTINUE:
		n = new_node(p, t->kind == TK_BREAK ? N_BREAK : N_CONTINUE, line, col);
		advance(p);
		expect(p, ';');
		break;
	case TK_RETURN:
		n = new_node(p, N_RETURN, line, col);
		advance(p);
		if (!check(p, ';'))
			n->lhs = expr(p);
		expect(p, ';');
		break;
	case ';':
		n = new_node(p, N_EMPTY, line, col);
		advance(p);
		break;
	default:
		if (is_type_start(p)) {
			n = local_decl(p);
		} else if (c_only_word(p)) {
			n = NULL;
		} else {
			n = new_node(p, N_EXPR, line, col);
			n->lhs = expr(p);
			if (n->lhs->kind == N_IDENT && check(p, TK_IDENT) && !p->panic) {
				/* "name name": a declaration with a type we do not know */
				error_at(p, n->lhs->line, n->lhs->col,
					 "unknown type '%s' (types: int, char, void, struct, union, mutex, semaphore, cond)",
					 n->lhs->str);
			}
			expect(p, ';');
		}
	}
	leave(p);
	if (n)
		n->src_end = p->prev_end;
	return n;
}

/* Add a global variable to the program. */
static void add_global(struct parser *p, struct var *v)
{
	struct program *g = p->prog;
	g->globals = xgrow(g->globals, &g->cap_globals, g->nglobals + 1, sizeof *g->globals);
	g->globals[g->nglobals++] = v;
}

/* params = "void" | [ param { "," param } ]   param = ["const"] "int" pointers IDENT */
static void params(struct parser *p, struct func *fn)
{
	struct var *list[256];
	int n = 0;
	while (!check(p, ')') && !p->panic) {
		struct declspec ds;
		if (!declspec(p, &ds))
			break;
		if (n == 0 && ds.base->kind == TY_VOID && !ds.is_const && check(p, ')'))
			break;  /* f(void): no parameters */
		struct var *v = declarator(p, &ds, VAR_PARAM);
		if (!v)
			break;
		if (n == (int)ARRAY_LEN(list)) {
			error_at(p, v->line, v->col, "%s", "too many parameters (at most 256)");
			break;
		}
		list[n++] = v;
		if (!accept(p, ','))
			break;
	}
	fn->nparams = n;
	fn->params = arena_alloc(&p->prog->arena, (size_t)n * sizeof *fn->params);
	memcpy(fn->params, list, (size_t)n * sizeof *list);
}

/* function = declspec pointers IDENT "(" params ")" block
 * Inside another function's body it is a nested function, whose name
 * used as a value makes a closure; nesting goes one level deep.
 * Returns the function, or NULL when it has no body. */
static struct func *function(struct parser *p, struct declspec *ds, struct type *ret,
			     const char *name, int line, int col)
{
	struct func *fn = arena_alloc(&p->prog->arena, sizeof *fn);
	struct func *outer = p->fn;
	fn->name = name;
	fn->ret = ret;
	fn->line = line;
	fn->col = col;
	fn->outer = outer;
	if (ds->is_tls || ds->is_const)
		error_at(p, ds->line, ds->col, "%s",
			 ds->is_tls ? "a function cannot be thread_local"
				    : "a function cannot be const");
	if (outer && outer->outer) {
		char msg[200];
		snprintf(msg, sizeof msg, "'%%s' is defined inside '%s', itself nested in '%s': "
			 "functions nest one level deep", outer->name, outer->outer->name);
		error_at(p, line, col, msg, name);
	}
	int l = p->tok.line;
	advance(p);     /* ( */
	params(p, fn);
	expect_close(p, ')', '(', l);
	if (p->panic)
		return NULL;
	if (check(p, ';')) {
		error_tok(p, "%s", "no prototype is needed: a function can be called before its definition");
		return NULL;
	}
	p->fn = fn;
	fn->body = block(p);
	fn->end_line = p->prev_line;
	p->fn = outer;
	struct program *g = p->prog;
	g->funcs = xgrow(g->funcs, &g->cap_funcs, g->nfuncs + 1, sizeof *g->funcs);
	g->funcs[g->nfuncs++] = fn;
	return fn;
}

/* toplevel = declspec pointers IDENT ( function | declarator-rest { "," declarator } ";" )
 *          | struct-spec ";" */
static void toplevel(struct parser *p)
{
	struct declspec ds;
	if (!declspec(p, &ds))
		return;
	if (ds.base->kind == TY_STRUCT && accept(p, ';')) {
		ds.base->sdef->declared = 1;    /* struct tag; or a definition alone */
		return;
	}
	/* Peek past the pointers and the name for "(": a function. */
	struct type *t = pointers(p, ds.base);
	if (check(p, '(')) {
		error_tok(p, "%s", "there are no function pointer types: a function value is an int "
				   "(declare 'int cb' and call it as cb(x))");
		return;
	}
	if (c_only_word(p))
		return;
	if (!check(p, TK_IDENT)) {
		char found[64];
		describe_tok(p, found, sizeof found);
		error_tok(p, "expected a name before %s", found);
		return;
	}
	int line = p->tok.line, col = p->tok.col;
	const char *name = dup_tok_str(p);
	advance(p);
	if (check(p, '(')) {
		function(p, &ds, t, name, line, col);
		return;
	}
	struct var *v = declarator_rest(p, &ds, t, VAR_GLOBAL, name, line, col);
	add_global(p, v);
	while (accept(p, ',')) {
		v = declarator(p, &ds, VAR_GLOBAL);
		if (!v)
			return;
		add_global(p, v);
	}
	expect(p, ';');
}

/* Read a directive's string argument: STR { STR }. */
static const char *dir_string(struct parser *p, size_t *len)
{
	if (!check(p, TK_STR)) {
		char found[64];
		describe_tok(p, found, sizeof found);
		error_tok(p, "expected a string before %s", found);
		return NULL;
	}
	struct buf b = { 0 };
	int line = p->tok.line, col = p->tok.col;
	while (check(p, TK_STR)) {
		buf_put(&b, p->tok.str, p->tok.str_len);
		advance(p);
	}
	if (b.len > MAX_STRING)
		error_at(p, line, col, "string literal too long (at most %s bytes)", MAX_STRING_TEXT);
	const char *s = arena_strndup(&p->prog->arena, b.s ? b.s : "", b.len);
	if (len)
		*len = b.len;
	buf_free(&b);
	return s;
}

/* Read a directive's number argument within [lo, hi]. */
static int dir_number(struct parser *p, int64_t lo, int64_t hi, int64_t *out)
{
	int line = p->tok.line, col = p->tok.col;
	int neg = accept(p, '-');
	if (!check(p, TK_NUM)) {
		char found[64];
		describe_tok(p, found, sizeof found);
		error_tok(p, "expected a number before %s", found);
		return 0;
	}
	int64_t v = neg ? -p->tok.num : p->tok.num;
	if (v < lo || v > hi) {
		char msg[96];
		snprintf(msg, sizeof msg, "%lld is out of range (%lld to %lld)",
			 (long long)v, (long long)lo, (long long)hi);
		error_at(p, line, col, "%s", msg);
		return 0;
	}
	advance(p);
	*out = v;
	return 1;
}

/* A name such as io-fail is three tokens written together: while the
 * identifier now is followed, with no space, by '-' and a letter, take
 * them too, joined into word; the last part is then the current token. */
static void hyphenated(struct parser *p, char *word, size_t size)
{
	size_t len = strlen(word);
	const char *end = p->tok.start + p->tok.len;
	while (end + 1 < p->lx.end && end[0] == '-' && isalpha((unsigned char)end[1])) {
		advance(p);     /* the '-' */
		advance(p);     /* the identifier after it */
		if (!check(p, TK_IDENT) || len + 1 + strlen(p->tok.str) >= size)
			return;
		len += (size_t)snprintf(word + len, size - len, "-%s", p->tok.str);
		end = p->tok.start + p->tok.len;
	}
}

/* Read an identifier argument that must be one of names[0..n). */
static int dir_choice(struct parser *p, const char *what, const char *const *names,
		      int n, int *out)
{
	if (check(p, TK_IDENT)) {
		char word[64];
		snprintf(word, sizeof word, "%s", p->tok.str);
		hyphenated(p, word, sizeof word);
		for (int i = 0; i < n; i++)
			if (names[i] && strcmp(names[i], word) == 0) {
				advance(p);
				*out = i;
				return 1;
			}
	}
	struct buf b = { 0 };
	char found[64];
	describe_tok(p, found, sizeof found);
	if (check(p, TK_IDENT))
		buf_printf(&b, "unknown %s %s; expected one of:", what, found);
	else
		buf_printf(&b, "expected a %s before %s; one of:", what, found);
	for (int i = 0; i < n; i++)
		if (names[i])
			buf_printf(&b, " %s", names[i]);
	error_tok(p, "%s", b.s);
	buf_free(&b);
	return 0;
}

/* #title "text": the scenario's title. */
static void dir_title(struct parser *p)
{
	p->prog->title = dir_string(p, NULL);
}

/* #description "text": one more line of the scenario's description. */
static void dir_description(struct parser *p)
{
	const char *s = dir_string(p, NULL);
	if (!s)
		return;
	if (p->prog->description) {
		struct buf b = { 0 };
		buf_printf(&b, "%s\n%s", p->prog->description, s);
		p->prog->description = arena_strndup(&p->prog->arena, b.s, b.len);
		buf_free(&b);
	} else {
		p->prog->description = s;
	}
}

/* #cores N: the number of cores. */
static void dir_cores(struct parser *p)
{
	int64_t v;
	if (dir_number(p, 1, CONFIG_MAX_CORES, &v))
		p->prog->config.cores = (int)v;
}

/* #quantum N: the ticks between timer interrupts under rr. */
static void dir_quantum(struct parser *p)
{
	int64_t v;
	if (dir_number(p, 1, CONFIG_MAX_QUANTUM, &v))
		p->prog->config.quantum = (int)v;
}

/* #switch-cost N: the ticks a context switch takes. */
static void dir_switch_cost(struct parser *p)
{
	int64_t v;
	if (dir_number(p, 0, CONFIG_MAX_SWITCH_COST, &v))
		p->prog->config.switch_cost = (int)v;
}

/* #process-switch-cost N: the ticks a switch between threads of two
 * processes takes. */
static void dir_process_switch_cost(struct parser *p)
{
	int64_t v;
	if (dir_number(p, 0, CONFIG_MAX_SWITCH_COST, &v))
		p->prog->config.process_switch_cost = (int)v;
}

/* #seed N: the seed of the random policy. */
static void dir_seed(struct parser *p)
{
	int64_t v;
	if (dir_number(p, 0, INT64_MAX, &v))
		p->prog->config.seed = (uint64_t)v;
}

/* #policy NAME: the scheduling policy. */
static void dir_policy(struct parser *p)
{
	const char *names[POLICY_COUNT];
	for (int i = 0; i < POLICY_COUNT; i++)
		names[i] = sched_policies[i].name;
	int v;
	if (dir_choice(p, "policy", names, POLICY_COUNT, &v))
		p->prog->config.policy = v;
}

/* #schedule "text": the recorded schedule for the script policy. */
static void dir_schedule(struct parser *p)
{
	int line = p->tok.line, col = p->tok.col;
	const char *s = dir_string(p, NULL);
	struct schedule sch = { 0 };
	char err[160];
	if (!s)
		return;
	if (sched_parse(s, &sch, err, sizeof err) < 0)
		error_at(p, line, col, "bad schedule: %s", err);
	sched_free(&sch);
	p->prog->config.schedule = (char *)s;
}

/* Add an expectation of this kind, given at line, to the program. */
static struct expect *new_expect(struct parser *p, enum expect_kind kind, int line)
{
	struct expect *e = arena_alloc(&p->prog->arena, sizeof *e);
	e->kind = kind;
	e->line = line;
	*p->prog->expects_tail = e;
	p->prog->expects_tail = &e->next;
	return e;
}

/* #expect EXPR: a condition that should hold at the end, and its text. */
static void dir_expect(struct parser *p)
{
	struct expect *e = new_expect(p, EXPECT_COND, p->tok.line);
	const char *start = p->tok.start;
	e->expr = expr(p);
	size_t len = p->prev_end > start ? (size_t)(p->prev_end - start) : 0;
	e->text = arena_strndup(&p->prog->arena, start, len);
	e->text_len = strlen(e->text);
}

/* #expect-output "text": the exact output the program should print. */
static void dir_expect_output(struct parser *p)
{
	struct expect *e = new_expect(p, EXPECT_OUTPUT, p->tok.line);
	e->text = dir_string(p, &e->text_len);
}

/* #expect-status NAME: how the run should end. */
static void dir_expect_status(struct parser *p)
{
	struct expect *e = new_expect(p, EXPECT_STATUS, p->tok.line);
	dir_choice(p, "status", end_status_names, END_COUNT, &e->status);
}

/* #note TRIGGER [N|EVENT] "text": a note shown when the trigger happens. */
static void dir_note(struct parser *p)
{
	static const char *const triggers[] = {
		[NOTE_START] = "start", [NOTE_TICK] = "tick", [NOTE_LINE] = "line",
		[NOTE_EVENT] = "event", [NOTE_END] = "end",
	};
	struct note *n = arena_alloc(&p->prog->arena, sizeof *n);
	n->line = p->tok.line;
	int trig;
	if (!dir_choice(p, "note trigger", triggers, (int)ARRAY_LEN(triggers), &trig))
		return;
	n->trigger = trig;
	if (trig == NOTE_TICK && !dir_number(p, 0, INT64_MAX, &n->at))
		return;
	if (trig == NOTE_LINE && !dir_number(p, 1, INT32_MAX, &n->at))
		return;
	if (trig == NOTE_EVENT) {
		int ev;
		if (!dir_choice(p, "event", note_event_names, NEV_COUNT, &ev))
			return;
		n->at = ev;
	}
	n->text = dir_string(p, NULL);
	if (!n->text)
		return;
	*p->prog->notes_tail = n;
	p->prog->notes_tail = &n->next;
}

/* The optional words of #clients, each followed by a number unless it
 * is a flag: { word, least, most, offset of the field in struct
 * client_group, its type }. */
#define CLIENT_TICKS 100000000
enum client_field { CF_TICKS, CF_INT, CF_FLAG };
static const struct client_word {
	const char *word;
	int64_t lo, hi;
	size_t off;
	enum client_field type;
} client_words[] = {
	{ "at", 0, CLIENT_TICKS, offsetof(struct client_group, at), CF_TICKS },
	{ "every", 0, CLIENT_TICKS, offsetof(struct client_group, every), CF_TICKS },
	{ "latency", 0, CLIENT_TICKS, offsetof(struct client_group, latency), CF_TICKS },
	{ "jitter", 0, CLIENT_TICKS, offsetof(struct client_group, jitter), CF_TICKS },
	{ "pieces", 1, CLIENT_SEND_MAX, offsetof(struct client_group, pieces), CF_INT },
	{ "gap", 0, CLIENT_TICKS, offsetof(struct client_group, gap), CF_TICKS },
	{ "requests", 1, 1000000, offsetof(struct client_group, requests), CF_INT },
	{ "think", 0, CLIENT_TICKS, offsetof(struct client_group, think), CF_TICKS },
	{ "whole", 0, 0, offsetof(struct client_group, whole), CF_FLAG },
	{ "noreply", 0, 0, offsetof(struct client_group, noreply), CF_FLAG },
};

/* Expect the word w; 0 (reported) when it is not next. */
static int dir_word(struct parser *p, const char *w)
{
	if (check(p, TK_IDENT) && strcmp(p->tok.str, w) == 0) {
		advance(p);
		return 1;
	}
	char found[64], msg[128];
	describe_tok(p, found, sizeof found);
	snprintf(msg, sizeof msg, "expected '%s' before %s", w, found);
	error_tok(p, "%s", msg);
	return 0;
}

/* #clients N port P send "TEXT" [WORD N]...: N clients that connect to
 * port P, each send TEXT, read one reply (none with noreply) and close
 * (see net.h). */
static void dir_clients(struct parser *p)
{
	struct machine_config *c = &p->prog->config;
	int line = p->tok.line, col = p->tok.col;
	struct client_group g = { .latency = 2, .pieces = 1, .gap = 10, .requests = 1, .line = line };
	int64_t v;
	size_t len;
	if (!dir_number(p, 1, CONFIG_MAX_CLIENTS, &v))
		return;
	g.clients = (int)v;
	if (!dir_word(p, "port") || !dir_number(p, 1, 65535, &v))
		return;
	g.port = (int)v;
	if (!dir_word(p, "send"))
		return;
	const char *text = dir_string(p, &len);
	if (!text)
		return;
	if (len == 0 || len >= CLIENT_SEND_MAX) {
		error_at(p, line, col, "%s", "'#clients': the request must be 1 to 255 bytes");
		return;
	}
	memcpy(g.send, text, len);
	g.send_len = (int)len;
	while (check(p, TK_IDENT)) {
		const struct client_word *w = NULL;
		for (size_t i = 0; i < ARRAY_LEN(client_words); i++)
			if (strcmp(client_words[i].word, p->tok.str) == 0)
				w = &client_words[i];
		if (!w) {
			struct buf b = { 0 };
			buf_printf(&b, "unknown '#clients' word '%s'; expected one of:", p->tok.str);
			for (size_t i = 0; i < ARRAY_LEN(client_words); i++)
				buf_printf(&b, " %s", client_words[i].word);
			error_tok(p, "%s", b.s);
			buf_free(&b);
			return;
		}
		advance(p);  /* the word */
		if (w->type == CF_FLAG) {
			if (check(p, TK_NUM)) {
				error_tok(p, "'#clients': '%s' takes no number", w->word);
				return;
			}
			*(int *)(void *)((char *)&g + w->off) = 1;
			continue;
		}
		if (!dir_number(p, w->lo, w->hi, &v))
			return;
		if (w->type == CF_INT)
			*(int *)(void *)((char *)&g + w->off) = (int)v;
		else
			*(uint64_t *)(void *)((char *)&g + w->off) = (uint64_t)v;
	}
	int total = g.clients;
	for (int i = 0; i < c->ngroups; i++)
		total += c->groups[i].clients;
	if (c->ngroups == CONFIG_MAX_CLIENT_GROUPS)
		error_at(p, line, col, "%s", "at most 8 '#clients' lines");
	else if (total > CONFIG_MAX_CLIENTS)
		error_at(p, line, col, "%s", "more than 100000 clients in all");
	else
		c->groups[c->ngroups++] = g;
}

/* #service NAME port P latency L reply "TEXT": a remote service that
 * connect(P) reaches and that answers each request written to it with
 * TEXT, L ticks later (see service.h). */
static void dir_service(struct parser *p)
{
	struct machine_config *c = &p->prog->config;
	int line = p->tok.line, col = p->tok.col;
	struct service sv = { .line = line };
	int64_t v;
	size_t len;
	if (!check(p, TK_IDENT) || strcmp(p->tok.str, "port") == 0) {
		char found[64];
		describe_tok(p, found, sizeof found);
		error_tok(p, "expected the service's name before %s", found);
		return;
	}
	char name[64];
	snprintf(name, sizeof name, "%s", p->tok.str);
	hyphenated(p, name, sizeof name);
	if (strlen(name) >= SERVICE_NAME_MAX) {
		error_tok(p, "%s", "'#service': the name must be at most 23 characters");
		return;
	}
	advance(p);
	snprintf(sv.name, sizeof sv.name, "%s", name);
	if (!dir_word(p, "port") || !dir_number(p, 1, 65535, &v))
		return;
	sv.port = (int)v;
	if (!dir_word(p, "latency") || !dir_number(p, 0, CLIENT_TICKS, &v))
		return;
	sv.latency = (uint64_t)v;
	if (!dir_word(p, "reply"))
		return;
	const char *text = dir_string(p, &len);
	if (!text)
		return;
	if (len == 0 || len >= SERVICE_REPLY_MAX) {
		error_at(p, line, col, "%s", "'#service': the reply must be 1 to 255 bytes");
		return;
	}
	memcpy(sv.reply, text, len);
	sv.reply_len = (int)len;
	for (int i = 0; i < c->nservices; i++)
		if (strcmp(c->services[i].name, sv.name) == 0 || c->services[i].port == sv.port) {
			char msg[128];
			snprintf(msg, sizeof msg, "'#service': %s already declared on line %d",
				 c->services[i].port == sv.port ? "a service on this port is" : "this name is",
				 c->services[i].line);
			error_at(p, line, col, "%s", msg);
			return;
		}
	for (int i = 0; i < c->ngroups; i++)
		if (c->groups[i].port == sv.port) {
			error_at(p, line, col, "%s", "'#service': the port is the one a '#clients' line connects to");
			return;
		}
	if (c->nservices == CONFIG_MAX_SERVICES)
		error_at(p, line, col, "%s", "at most 8 '#service' lines");
	else
		c->services[c->nservices++] = sv;
}

/* #workers N: the coroutine runtime runs go()'s coroutines on N worker
 * threads (see runtime.h). */
static void dir_workers(struct parser *p)
{
	int64_t v;
	if (dir_number(p, 1, CONFIG_MAX_WORKERS, &v))
		p->prog->config.workers = (int)v;
}

/* The scenario directives: "#name arguments" on a line of their own. */
static const struct directive {
	const char *name;
	void (*parse)(struct parser *p);
	int once;               /* may appear at most once */
} directives[] = {
	{ "title", dir_title, 1 },
	{ "description", dir_description, 0 },
	{ "cores", dir_cores, 1 },
	{ "quantum", dir_quantum, 1 },
	{ "policy", dir_policy, 1 },
	{ "seed", dir_seed, 1 },
	{ "switch-cost", dir_switch_cost, 1 },
	{ "process-switch-cost", dir_process_switch_cost, 1 },
	{ "schedule", dir_schedule, 1 },
	{ "expect", dir_expect, 0 },
	{ "expect-output", dir_expect_output, 1 },
	{ "expect-status", dir_expect_status, 1 },
	{ "note", dir_note, 0 },
	{ "clients", dir_clients, 0 },
	{ "service", dir_service, 0 },
	{ "workers", dir_workers, 1 },
};

/* directive = "#" NAME arguments EOL */
static void directive(struct parser *p, int *seen)
{
	const struct directive *dir = NULL;
	for (size_t i = 0; i < ARRAY_LEN(directives); i++)
		if (strcmp(directives[i].name, p->tok.str) == 0)
			dir = &directives[i];
	if (!dir) {
		char found[64];
		describe_tok(p, found, sizeof found);
		error_tok(p, "unknown directive %s", found);
	} else if (dir->once && seen[dir - directives]++) {
		error_tok(p, "'#%s' given twice", dir->name);
	} else {
		advance(p);
		dir->parse(p);
		if (!p->panic && !check(p, TK_EOL)) {
			char found[64], msg[128];
			describe_tok(p, found, sizeof found);
			snprintf(msg, sizeof msg, "unexpected %s after '#%s'", found, dir->name);
			error_tok(p, "%s", msg);
		}
	}
	while (!check(p, TK_EOL) && !check(p, TK_EOF))
		advance(p);
	advance(p);
	p->panic = 0;
}

/* program = { directive | toplevel } */
void parse_program(struct program *prog, const char *src, size_t len, struct diags *d)
{
	struct parser p = { .prog = prog, .d = d };
	int seen[ARRAY_LEN(directives)] = { 0 };

	config_default(&prog->config);
	predefine_epoll_event(prog);
	prog->expects_tail = &prog->expects;
	prog->notes_tail = &prog->notes;
	if (len > MAX_SOURCE) {
		diag_add(d, DIAG_ERROR, 0, 0, "file too large (%zu bytes; at most %d)",
			 len, MAX_SOURCE);
		return;
	}
	lexer_init(&p.lx, src, len, d);
	lex_next(&p.lx, &p.tok);
	while (!check(&p, TK_EOF) && !d->stopped) {
		if (check(&p, TK_DIRECTIVE)) {
			directive(&p, seen);
			continue;
		}
		toplevel(&p);
		if (p.panic) {
			/* Recover: skip to the next ';' or '}' at the outer level,
			 * or to a directive. */
			int depth = 0;
			while (!check(&p, TK_EOF) && !check(&p, TK_DIRECTIVE)) {
				if (check(&p, '{')) {
					depth++;
				} else if (check(&p, '}')) {
					if (--depth <= 0) {
						advance(&p);
						break;
					}
				} else if (check(&p, ';') && depth == 0) {
					advance(&p);
					break;
				}
				advance(&p);
			}
			p.panic = 0;
		}
	}
	/* a recorded schedule is replayed unless a policy is named */
	for (size_t i = 0; i < ARRAY_LEN(directives); i++)
		if (strcmp(directives[i].name, "policy") == 0 && !seen[i] && prog->config.schedule)
			prog->config.policy = POLICY_SCRIPT;
	lexer_free(&p.lx);
}

/* Free what the parser built. */
void program_free(struct program *prog)
{
	xfree(prog->globals);
	xfree(prog->funcs);
	arena_free(&prog->arena);
	memset(prog, 0, sizeof *prog);
}
