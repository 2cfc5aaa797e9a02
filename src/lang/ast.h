/* ast: the syntax tree of a scenario — types, variables, functions,
 * expression and statement nodes, and the scenario's directives.  All of
 * it lives in one arena owned by the compilation. */
#ifndef THREADLAB_AST_H
#define THREADLAB_AST_H

#include <stddef.h>
#include <stdint.h>

#include "../sim/settings.h"
#include "../util.h"

#define WORD 8                  /* bytes in an int or a pointer */
#define SYNC_SIZE 16            /* bytes in a mutex, semaphore or cond */

/* TY_ERROR is what a wrong expression has: it was reported once, and
 * every check on it stays quiet. */
enum type_kind { TY_VOID, TY_INT, TY_PTR, TY_ARRAY, TY_FUNC, TY_MUTEX, TY_SEM, TY_COND, TY_ERROR,
		 TY_CHAR, TY_STRUCT };

struct type {
	enum type_kind kind;
	struct type *base;      /* TY_PTR, TY_ARRAY: element; TY_FUNC: return type */
	int64_t len;            /* TY_ARRAY: element count (-1: from initializer) */
	struct sdef *sdef;      /* TY_STRUCT: the struct or union */
};

/* A field of a struct or union, at its byte offset. */
struct field {
	const char *name;
	struct type *ty;
	struct node *len_expr;  /* an array field's length as written */
	int64_t offset;
	int line, col;
	struct field *next;
};

/* A struct or union by its tag (NULL: an anonymous one).  It is
 * complete once its fields are known and laid out (by sema, in C's
 * way: each field at a multiple of its alignment, the size rounded up
 * to the largest); declared when `struct tag;` or its definition was
 * seen, not merely a mention. */
struct sdef {
	const char *tag;
	int is_union;
	struct field *fields;
	int nfields;
	int64_t size, align;
	int defined, declared, laid_out, laying_out;
	int predefined;         /* struct epoll_event, as <sys/epoll.h> has it */
	int line, col;          /* where it was defined (or first named) */
	struct sdef *next;      /* in the program's list */
};

#define CHAR_MIN_VALUE (-128)
#define CHAR_MAX_VALUE 127

int64_t type_size(const struct type *t);
int64_t type_align(const struct type *t);
int type_is_scalar(const struct type *t);       /* int, char or pointer */
int type_is_sync(const struct type *t);         /* mutex, semaphore, cond */
/* Does t hold (or is it) a synchronisation object anywhere inside? */
int type_has_sync(const struct type *t);
/* The bytes pointer arithmetic on a t (a pointer) moves by. */
int64_t type_stride(const struct type *t);
/* The field of s named name, or NULL. */
struct field *sdef_field(const struct sdef *s, const char *name);
/* Write a type as C would ("int *", "int[4]", "mutex", "struct point"). */
void type_format(struct buf *out, const struct type *t);

/* VAR_CAPTURE: a variable of the enclosing function, as a nested
 * function sees it: a word of its closure's environment (see codegen.c). */
enum var_where { VAR_GLOBAL, VAR_LOCAL, VAR_PARAM, VAR_CAPTURE };

/* A constant a global is initialised with: a number, or the address of a
 * global or a function plus a number of bytes. */
struct cval {
	int64_t num;
	struct var *var;
	struct func *fn;
};

/* A named object: a global, a local or a parameter. */
struct var {
	const char *name;
	struct type *ty;
	int line, col;
	enum var_where where;
	int is_const, is_tls;
	struct node *init;      /* initializer (an expression or N_INIT_LIST) */
	struct node *len_expr;  /* array length as written, or NULL */
	struct cval *cvals;     /* global: its folded initializer, ncvals words */
	int64_t ncvals;
	int folding;            /* global const: its initializer is being folded */
	int64_t offset;         /* local: fp-relative; TLS: in the block */
	uint64_t addr;          /* global: its address once laid out */
	int seg;                /* global: its segment (enum seg in image.h) */
	uint64_t scope_lo, scope_hi;    /* local: code range where it is visible */
	struct var *next;       /* in its function's list of locals */
	struct var *captured;   /* VAR_CAPTURE: the enclosing function's variable */
};

enum node_kind {
	/* expressions */
	N_NUM, N_STR, N_IDENT, N_BINARY, N_LOGAND, N_LOGOR, N_TERNARY,
	N_ASSIGN, N_UNARY, N_ADDR, N_DEREF, N_INDEX, N_PREINC, N_POSTINC,
	N_CALL, N_INIT_LIST, N_SIZEOF, N_MEMBER,
	/* statements */
	N_BLOCK, N_IF, N_WHILE, N_DO, N_FOR, N_BREAK, N_CONTINUE, N_RETURN,
	N_EXPR, N_DECL, N_EMPTY,
	N_FUNC,                 /* a nested function's definition (fn) */
};

/* What an identifier turned out to name (set by sema). */
enum ref_kind { REF_NONE, REF_VAR, REF_FUNC, REF_BUILTIN };

struct node {
	enum node_kind kind;
	int op;                 /* token kind of the operator; for ++/--, +1 or -1 */
	int line, col;
	const char *src_start, *src_end;        /* its source text */
	struct node *lhs, *rhs;
	struct node *cond, *then, *els, *init, *inc, *body;
	struct node *args;      /* N_CALL arguments, N_INIT_LIST elements */
	struct node *next;      /* next statement or argument */
	int nargs;
	int64_t val;            /* N_NUM */
	const char *str;        /* N_STR (decoded), N_IDENT (name) */
	size_t str_len;
	struct var *var;        /* N_DECL; N_IDENT naming a variable */
	struct func *fn;        /* N_IDENT naming a function */
	enum ref_kind ref;
	int builtin;            /* N_IDENT naming a builtin; N_CALL of one */
	struct type *ty;        /* set by sema */
	int scale;              /* N_BINARY/N_ASSIGN '+' '-': 1 scale rhs by stride,
				 * 2 scale lhs, 3 divide the difference by stride */
	int64_t stride;         /* the bytes a pointer's element takes (see scale) */
	struct field *field;    /* N_MEMBER ('.' or TK_ARROW in op): the field */
	uint64_t str_addr;      /* N_STR, assert text: address in rodata */
};

struct func {
	const char *name;
	struct type *ret;
	struct var **params;
	int nparams;
	struct node *body;
	int line, col, end_line;
	struct var *locals;     /* every local, in order of declaration */
	int64_t frame_size;     /* bytes of locals below fp */
	uint64_t addr, end;     /* code range once compiled */
	int is_expect;          /* compiled from an #expect condition */
	struct func *outer;     /* a nested function: the function it is defined in */
	struct var **captures;  /* nested: the captured variables (VAR_CAPTURE), */
	int ncaptures, cap_captures;    /* in the order of their first use */
	struct var *env;        /* nested: the hidden local holding its environment */
};

/* A closure's environment, word by word from its address (a heap
 * block's payload): CLOSURE_W_MAGIC holds CLOSURE_MAGIC ^ the address,
 * CLOSURE_W_CODE the function, CLOSURE_W_COUNT how many values follow,
 * then the captured values from CLOSURE_W_VALUES.  A builtin argument
 * list is at most 14 words, the function's and the values. */
enum closure_word { CLOSURE_W_MAGIC, CLOSURE_W_CODE, CLOSURE_W_COUNT, CLOSURE_W_VALUES };
#define CLOSURE_MAGIC 0x636c6f7375726521ull
#define MAX_CAPTURES 13

enum expect_kind { EXPECT_COND, EXPECT_OUTPUT, EXPECT_STATUS };

/* X(NAME, "name", meaning) — how a run may end, for #expect status. */
#define END_STATUSES(X)                                                   \
	X(OK,       "ok",       "main returned 0")                       \
	X(ASSERT,   "assert",   "an assertion failed")                   \
	X(FAULT,    "fault",    "the process was killed by a fault")      \
	X(DEADLOCK, "deadlock", "every thread left is blocked")           \
	X(LIMIT,    "limit",    "a resource limit stopped the run")

enum end_status {
#define X(id, name, doc) END_##id,
	END_STATUSES(X)
#undef X
	END_COUNT
};

extern const char *const end_status_names[END_COUNT];

struct expect {
	enum expect_kind kind;
	int line;
	const char *text;       /* condition source, or the expected output */
	size_t text_len;
	struct node *expr;      /* EXPECT_COND */
	int status;             /* EXPECT_STATUS: enum end_status */
	struct func *fn;        /* EXPECT_COND: compiled as a function */
	struct expect *next;
};

enum note_trigger { NOTE_START, NOTE_TICK, NOTE_LINE, NOTE_EVENT, NOTE_END };

/* X(NAME, "name") — events a narration note can wait for. */
#define NOTE_EVENTS(X)                                                    \
	X(SPAWN, "spawn") X(EXIT, "exit") X(SWITCH, "switch")              \
	X(PREEMPT, "preempt") X(BLOCK, "block") X(WAKE, "wake")            \
	X(LOCK, "lock") X(UNLOCK, "unlock") X(MALLOC, "malloc")            \
	X(FREE, "free") X(PRINT, "print") X(FAULT, "fault")                \
	X(ASSERT, "assert") X(DEADLOCK, "deadlock")                        \
	X(LISTEN, "listen") X(CONNECT, "connect") X(ACCEPT, "accept")      \
	X(ARRIVE, "arrive") X(READ, "read") X(WRITE, "write")              \
	X(CLOSE, "close") X(REPLY, "reply") X(EPOLL, "epoll")              \
	X(IOFAIL, "io-fail") X(DIAL, "dial") X(ANSWER, "answer")           \
	X(GO, "go") X(PICK, "pick") X(PARK, "park") X(UNPARK, "unpark")    \
	X(CONTAINER, "container")                                          \
	X(THROTTLE, "throttle") X(OOM, "oom")

enum note_event {
#define X(id, name) NEV_##id,
	NOTE_EVENTS(X)
#undef X
	NEV_COUNT
};

extern const char *const note_event_names[NEV_COUNT];

struct note {
	enum note_trigger trigger;
	int64_t at;             /* tick or line; the event for NOTE_EVENT */
	const char *text;
	int line;
	struct note *next;
};

/* Everything the parser produced. */
struct program {
	struct arena arena;
	struct var **globals;
	size_t nglobals, cap_globals;
	struct func **funcs;
	size_t nfuncs, cap_funcs;

	const char *title, *description;
	struct machine_config config;
	struct expect *expects, **expects_tail;
	struct note *notes, **notes_tail;
	struct sdef *structs;   /* every struct and union, named or not */
	int uses_errno;         /* the name errno appears (see sema's predeclare_errno) */
};

struct type *type_new(struct program *prog, enum type_kind kind, struct type *base);

#endif
