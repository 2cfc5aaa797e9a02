/* sema: resolving names, typing expressions, checking the rules. */
#include "sema.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/isa.h"
#include "consts.h"
#include "lex.h"

/* Names in scope: a stack of entries (inner scopes on top), indexed by a
 * hash of the name whose chains run from the newest entry to the oldest. */
struct scope_entry {
	const char *name;
	struct var *var;
	struct func *fn;
	int depth;
	size_t older;           /* next entry in the same chain, plus one */
};

struct sema {
	struct program *prog;
	struct diags *d;
	int nlines;
	struct scope_entry *scope;
	size_t nscope, cap_scope;
	size_t *chains;         /* per hash: newest entry plus one, or 0 */
	size_t nchains;
	int depth;              /* 0: file scope */
	struct func *fn;        /* function being checked */
	struct var **locals_tail;
	int loops;              /* enclosing loops */
	int fn_depth;           /* the scope depth of a nested function's parameters */
	struct type *int_ty;
	struct type *err_ty;    /* for expressions already reported */
};

/* Report an error at line:col, with a printf format. */
static void error(struct sema *s, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void error(struct sema *s, int line, int col, const char *fmt, ...)
{
	struct buf b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	diag_add(s->d, DIAG_ERROR, line, col, "%s", b.s);
	buf_free(&b);
}

/* A type as text, for messages; valid until the next call. */
static const char *tyname(const struct type *t)
{
	static char out[64];
	struct buf b = { 0 };
	type_format(&b, t);
	snprintf(out, sizeof out, "%s", b.s);
	buf_free(&b);
	return out;
}

/* Hash a name to one of n chains (n a power of two). */
static size_t name_hash(const char *name, size_t n)
{
	uint64_t h = 1469598103934665603u;
	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 1099511628211u;
	return (size_t)h & (n - 1);
}

/* The innermost entry in scope for a name, or NULL. */
static struct scope_entry *lookup(struct sema *s, const char *name)
{
	if (!s->nchains)
		return NULL;
	for (size_t i = s->chains[name_hash(name, s->nchains)]; i; i = s->scope[i - 1].older)
		if (strcmp(s->scope[i - 1].name, name) == 0)
			return &s->scope[i - 1];
	return NULL;
}

/* Push an entry, growing the table so that chains stay short. */
static void scope_add(struct sema *s, struct scope_entry e)
{
	if (s->nscope + 1 > s->nchains / 2) {
		size_t n = s->nchains ? 2 * s->nchains : 64;
		xfree(s->chains);
		s->chains = xcalloc(n, sizeof *s->chains);
		s->nchains = n;
		for (size_t i = 0; i < s->nscope; i++) {
			size_t h = name_hash(s->scope[i].name, n);
			s->scope[i].older = s->chains[h];
			s->chains[h] = i + 1;
		}
	}
	size_t h = name_hash(e.name, s->nchains);
	e.older = s->chains[h];
	s->scope = xgrow(s->scope, &s->cap_scope, s->nscope + 1, sizeof *s->scope);
	s->scope[s->nscope++] = e;
	s->chains[h] = s->nscope;
}

/* Add a name to the current scope, refusing a second one in the same scope. */
static int declare(struct sema *s, const char *name, struct var *v, struct func *fn,
		   int line, int col)
{
	struct scope_entry *e = lookup(s, name);
	if (e && e->depth == s->depth) {
		int first = e->var ? e->var->line : e->fn->line;
		error(s, line, col, "redefinition of '%s' (first defined at line %d)", name, first);
		return 0;
	}
	/* a reserved name is reported, then declared all the same so that its
	 * uses do not each report it again */
	if (isa_builtin_lookup(name) >= 0)
		error(s, line, col, "'%s' is a builtin and cannot be redefined", name);
	else if (strcmp(name, "_start") == 0)
		error(s, line, col, "'_start' is reserved for the runtime");
	scope_add(s, (struct scope_entry){ name, v, fn, s->depth, 0 });
	return 1;
}

/* Open a nested scope. */
static void scope_push(struct sema *s)
{
	s->depth++;
}

/* Close the innermost scope, forgetting the names declared in it. */
static void scope_pop(struct sema *s)
{
	while (s->nscope > 0 && s->scope[s->nscope - 1].depth == s->depth) {
		struct scope_entry *e = &s->scope[--s->nscope];
		s->chains[name_hash(e->name, s->nchains)] = e->older;
	}
	s->depth--;
}

/* The type "pointer to base". */
static struct type *ptr_to(struct sema *s, struct type *base)
{
	return type_new(s->prog, TY_PTR, base);
}

static struct type *check_expr(struct sema *s, struct node *n);

/* Name of what a call calls, for messages ("'f'" or "the call"). */
static const char *callee_name(const struct node *n, char *out, size_t len)
{
	if (n->kind == N_CALL && n->lhs->kind == N_IDENT)
		snprintf(out, len, "'%s'", n->lhs->str);
	else
		snprintf(out, len, "the expression");
	return out;
}

/* The type n (of type t) has as a value: arrays decay to pointers and
 * functions to their address; void and synchronisation objects have no
 * value. */
static struct type *decay(struct sema *s, struct node *n, struct type *t)
{
	char who[80];
	switch (t->kind) {
	case TY_ERROR:
		return t;
	case TY_VOID:
		if (n->kind == N_CALL)
			error(s, n->line, n->col, "%s returns void; its result cannot be used",
			      callee_name(n, who, sizeof who));
		else
			error(s, n->line, n->col, "a void value cannot be used");
		return s->int_ty;
	case TY_MUTEX: case TY_SEM: case TY_COND:
		error(s, n->line, n->col, "a %s has no value; pass it by name to its builtins",
		      tyname(t));
		return s->int_ty;
	case TY_ARRAY:
		if (type_is_sync(t->base)) {
			error(s, n->line, n->col, "an array of %s has no value; pass its elements by name, "
						  "as in lock(forks[i])", t->base->kind == TY_SEM ? "semaphores" :
						  t->base->kind == TY_MUTEX ? "mutexes" : "conds");
			return s->err_ty;
		}
		return ptr_to(s, t->base);
	case TY_FUNC:
		return s->int_ty;
	case TY_CHAR:
		return s->int_ty;       /* a char is promoted to int, as in C */
	case TY_STRUCT:
		error(s, n->line, n->col, "a %s has no value as a whole: use its fields, or its "
		      "address with '&'", tyname(t));
		return s->err_ty;
	default:
		return t;
	}
}

/* Check n as a value. */
static struct type *value(struct sema *s, struct node *n)
{
	return decay(s, n, check_expr(s, n));
}

/* Does n designate an object: a variable, an element or '*pointer'? */
static int is_lvalue(const struct node *n)
{
	return (n->kind == N_IDENT && n->ref == REF_VAR) || n->kind == N_DEREF ||
	       n->kind == N_INDEX || (n->kind == N_MEMBER && (n->op == TK_ARROW || is_lvalue(n->lhs)));
}

/* The variable an element or a field of it is part of ('a' of a[i].x),
 * when the object is inside the variable itself; NULL otherwise. */
static const struct var *root_var(const struct node *n)
{
	while ((n->kind == N_MEMBER && n->op == '.') ||
	       (n->kind == N_INDEX && n->lhs->ty && n->lhs->ty->kind == TY_ARRAY))
		n = n->lhs;
	return n->kind == N_IDENT && n->ref == REF_VAR ? n->var : NULL;
}

/* Check that n (already typed) may be assigned to. */
static void check_assignable(struct sema *s, struct node *n, const char *what)
{
	if (n->ty->kind == TY_ERROR)
		return;
	if (!is_lvalue(n)) {
		error(s, n->line, n->col, "%s needs a variable, an element or '*pointer'; this expression is not assignable", what);
		return;
	}
	if (n->ty->kind == TY_ARRAY) {
		error(s, n->line, n->col, "cannot assign to an array");
		return;
	}
	if (type_is_sync(n->ty)) {
		error(s, n->line, n->col, "cannot assign to a %s", tyname(n->ty));
		return;
	}
	if (n->ty->kind == TY_STRUCT) {
		error(s, n->line, n->col, "cannot assign a whole %s: assign its fields one by one",
		      tyname(n->ty));
		return;
	}
	const struct var *root = n->kind == N_MEMBER ? root_var(n) : NULL;
	if (root && root->is_const)
		error(s, n->line, n->col, "cannot assign to a field of '%s': it is const", root->name);
	else if (n->kind == N_IDENT && n->var->is_const)
		error(s, n->line, n->col, "cannot assign to '%s': it is const", n->var->name);
	else if (n->kind == N_INDEX && n->lhs->kind == N_IDENT && n->lhs->ref == REF_VAR &&
		 n->lhs->var->is_const && n->lhs->ty->kind == TY_ARRAY)
		error(s, n->line, n->col, "cannot assign to an element of '%s': it is const",
		      n->lhs->var->name);
}

/* Types of + and -: pointer arithmetic scales by the element size. */
static struct type *additive(struct sema *s, struct node *n, struct type *l, struct type *r)
{
	int lp = l->kind == TY_PTR, rp = r->kind == TY_PTR;
	if (n->op == '+' || n->op == TK_ADD_EQ) {
		if (lp && rp) {
			error(s, n->line, n->col, "cannot add two pointers");
			return s->int_ty;
		}
		n->scale = lp ? 1 : rp ? 2 : 0;
		n->stride = lp ? type_stride(l) : rp ? type_stride(r) : 0;
		return lp ? l : rp ? r : s->int_ty;
	}
	if (lp && rp) {
		n->scale = 3;
		n->stride = type_stride(l);
		return s->int_ty;
	}
	if (rp) {
		error(s, n->line, n->col, "cannot subtract a pointer from an int");
		return s->int_ty;
	}
	n->scale = lp ? 1 : 0;
	n->stride = lp ? type_stride(l) : 0;
	return lp ? l : s->int_ty;
}

/* Count the conversions of a print format; -1 (and an error) when bad. */
static int format_args(struct sema *s, const struct node *fmt)
{
	int count = 0;
	for (size_t i = 0; i < fmt->str_len; i++) {
		if (fmt->str[i] != '%')
			continue;
		char c = i + 1 < fmt->str_len ? fmt->str[i + 1] : '\0';
		i++;
		if (c == '%')
			continue;
		if (c && strchr("dxpcs", c)) {
			count++;
			continue;
		}
		if (c >= 0x20 && c < 0x7f)
			error(s, fmt->line, fmt->col,
			      "unknown conversion '%%%c' in format (use %%d, %%x, %%p, %%c, %%s or %%%%)", c);
		else
			error(s, fmt->line, fmt->col,
			      "incomplete conversion '%%' in format (use %%d, %%x, %%p, %%c, %%s or %%%%)");
		return -1;
	}
	return count;
}

/* Check an argument that must name a synchronisation object. */
static void sync_arg(struct sema *s, const char *fname, struct node *a, enum type_kind want)
{
	static const char *const names[] = {
		[TY_MUTEX] = "a mutex", [TY_SEM] = "a semaphore", [TY_COND] = "a cond",
	};
	struct type *t = check_expr(s, a);
	if ((t->kind == want && is_lvalue(a)) || t->kind == TY_ERROR)
		return;
	if (a->kind == N_IDENT)
		error(s, a->line, a->col, "%s expects %s, but '%s' is %s%s", fname, names[want],
		      a->str, type_is_sync(t) ? "" : "of type ",
		      type_is_sync(t) ? names[t->kind] : tyname(t));
	else
		error(s, a->line, a->col, "%s expects %s, but this is of type %s", fname,
		      names[want], tyname(t));
}

/* Check a call of builtin b against its argument letters. */
static struct type *builtin_call(struct sema *s, struct node *n, int b)
{
	const struct builtin_info *bi = &isa_builtins[b];
	const char *spec = bi->args;
	size_t fixed = strcspn(spec, ".");
	int variadic = spec[fixed] == '.';
	if (strchr(spec, 'a'))
		fixed--;        /* the assert text is the compiler's, not the caller's */
	if (n->nargs < (int)fixed || (!variadic && n->nargs > (int)fixed)) {
		error(s, n->line, n->col, "%s takes %s%zu argument%s, but %d %s given", bi->name,
		      variadic ? "at least " : "", fixed, fixed == 1 ? "" : "s", n->nargs,
		      n->nargs == 1 ? "was" : "were");
		for (struct node *a = n->args; a; a = a->next)
			if (a->kind != N_STR)
				check_expr(s, a);
		return bi->returns ? s->int_ty : type_new(s->prog, TY_VOID, NULL);
	}
	if (n->nargs > 14) {
		error(s, n->line, n->col, "%s takes at most 14 arguments", bi->name);
		return s->int_ty;
	}
	struct node *a = n->args;
	for (const char *c = spec; *c && a; c++) {
		if (*c == '.') {
			for (; a; a = a->next)
				value(s, a);
			break;
		}
		switch (*c) {
		case 'F':
			if (a->kind != N_STR) {
				error(s, a->line, a->col, "%s's first argument must be a string literal", bi->name);
				value(s, a);
			} else {
				int want = format_args(s, a);
				if (want >= 0 && want != n->nargs - 1)
					error(s, a->line, a->col,
					      "the format has %d conversion%s but %d value%s follow%s", want,
					      want == 1 ? "" : "s", n->nargs - 1, n->nargs - 1 == 1 ? "" : "s",
					      n->nargs - 1 == 1 ? "s" : "");
				a->ty = s->int_ty;
			}
			break;
		case 'f': {
			struct type *t = check_expr(s, a);
			if (a->kind == N_IDENT && a->ref == REF_FUNC) {
				/* spawn(f, ...) passes f the rest; container(f, arg, ...) one */
				int given = variadic ? n->nargs - 1 : 1;
				if (a->fn->nparams != given)
					error(s, a->line, a->col, "'%s' takes %d argument%s, but %s passes %d",
					      a->fn->name, a->fn->nparams, a->fn->nparams == 1 ? "" : "s",
					      bi->name, given);
			} else if (t->kind != TY_FUNC) {
				value(s, a);
			}
			break;
		}
		case 'm': sync_arg(s, bi->name, a, TY_MUTEX); break;
		case 's': sync_arg(s, bi->name, a, TY_SEM); break;
		case 'c': sync_arg(s, bi->name, a, TY_COND); break;
		case 'a': continue;     /* no source argument */
		default: value(s, a); break;
		}
		a = a->next;
	}
	return bi->returns ? s->int_ty : type_new(s->prog, TY_VOID, NULL);
}

/* The type of *x, where x (n's operand) has the value type l. */
static struct type *deref(struct sema *s, struct node *n, struct type *l)
{
	if (l->kind == TY_ERROR)
		return l;
	if (l->kind != TY_PTR)
		error(s, n->line, n->col, "cannot dereference %s; only a pointer can be (declare it 'int *')", tyname(l));
	else if (l->base->kind == TY_VOID)
		error(s, n->line, n->col, "cannot dereference a 'void *'");
	else
		return l->base;
	return s->err_ty;
}

/* Check a call: of a builtin, of a function by name, or through a value. */
static struct type *call(struct sema *s, struct node *n)
{
	struct node *f = n->lhs;
	if (f->kind == N_IDENT) {
		int b = isa_builtin_lookup(f->str);
		if (b >= 0 && !lookup(s, f->str)) {
			const struct builtin_info *bi = &isa_builtins[b];
			if (bi->status == LATER) {
				error(s, f->line, f->col,
				      "'%s' is not yet supported in this version of threadlab", f->str);
				return s->int_ty;
			}
			if (bi->status == INTERNAL) {
				error(s, f->line, f->col, "'%s' is reserved for the runtime", f->str);
				return s->int_ty;
			}
			f->ref = REF_BUILTIN;
			f->builtin = n->builtin = b;
			f->ty = s->int_ty;
			return builtin_call(s, n, b);
		}
	}
	n->builtin = -1;
	struct type *t = NULL;
	if (f->kind == N_DEREF) {
		/* (*f)(x) calls the function value f, as in C */
		struct type *inner = check_expr(s, f->lhs);
		if (inner->kind == TY_FUNC || inner->kind == TY_INT || inner->kind == TY_ERROR) {
			n->lhs = f = f->lhs;
			t = inner;
		} else {
			t = f->ty = deref(s, f, decay(s, f->lhs, inner));
		}
	}
	if (!t)
		t = check_expr(s, f);
	for (struct node *a = n->args; a; a = a->next)
		value(s, a);
	if (f->kind == N_IDENT && f->ref == REF_FUNC && f->fn->outer) {
		if (t->kind != TY_ERROR)
			error(s, f->line, f->col, "'%s' is a nested function: make its closure first "
			      "('int f = %s;') and call that (f(...))", f->fn->name, f->fn->name);
		return s->int_ty;
	}
	if (f->kind == N_IDENT && f->ref == REF_FUNC) {
		if (f->fn->nparams != n->nargs)
			error(s, n->line, n->col, "'%s' takes %d argument%s, but %d %s given",
			      f->fn->name, f->fn->nparams, f->fn->nparams == 1 ? "" : "s", n->nargs,
			      n->nargs == 1 ? "was" : "were");
		return f->fn->ret;
	}
	if (!type_is_scalar(t) && t->kind != TY_FUNC && t->kind != TY_ERROR)
		error(s, f->line, f->col, "called object is of type %s, not a function", tyname(t));
	return s->int_ty;      /* through a value: it is taken to return an int */
}

/* Variable v of the enclosing function, used at n inside the nested
 * function being checked: its capture, made on first use (a word of the
 * closure's environment).  NULL (and an error) when it cannot be one. */
static struct var *capture(struct sema *s, struct node *n, struct var *v)
{
	struct func *fn = s->fn;
	for (int i = 0; i < fn->ncaptures; i++)
		if (fn->captures[i]->captured == v)
			return fn->captures[i];
	if (v->ty->kind == TY_ARRAY || v->ty->kind == TY_STRUCT) {
		error(s, n->line, n->col, "'%s' cannot capture the %s '%s' of '%s': a closure "
		      "captures ints, chars and pointers (capture a pointer to it instead)",
		      fn->name, v->ty->kind == TY_ARRAY ? "array" : v->ty->sdef->is_union ? "union" : "struct",
		      v->name, fn->outer->name);
		return NULL;
	}
	if (fn->ncaptures == MAX_CAPTURES) {
		error(s, n->line, n->col, "'%s' would capture '%s', but a closure captures at most %d "
		      "variables", fn->name, v->name, MAX_CAPTURES);
		return NULL;
	}
	struct var *c = arena_alloc(&s->prog->arena, sizeof *c);
	*c = *v;
	c->where = VAR_CAPTURE;
	c->init = NULL;
	c->len_expr = NULL;
	c->next = NULL;
	c->captured = v;
	c->offset = (CLOSURE_W_VALUES + fn->ncaptures) * WORD;
	if (fn->ncaptures == fn->cap_captures) {
		fn->cap_captures = fn->cap_captures ? 2 * fn->cap_captures : 4;
		struct var **list = arena_alloc(&s->prog->arena,
						(size_t)fn->cap_captures * sizeof *list);
		if (fn->ncaptures)
			memcpy(list, fn->captures, (size_t)fn->ncaptures * sizeof *list);
		fn->captures = list;
	}
	fn->captures[fn->ncaptures++] = c;
	return c;
}

/* The nested function inner named as a value at n: a closure, which
 * only the function it is defined in can make.  Its type, or the error
 * type (and an error). */
static struct type *nested_value(struct sema *s, struct node *n, struct func *inner)
{
	if (s->fn == inner) {
		error(s, n->line, n->col, "'%s' cannot use its own name: a nested function cannot "
		      "call itself or make a closure of itself", inner->name);
		return s->err_ty;
	}
	if (s->fn != inner->outer) {
		error(s, n->line, n->col, "only '%s' can make a closure of '%s', the function "
		      "nested in it", inner->outer->name, inner->name);
		return s->err_ty;
	}
	return type_new(s->prog, TY_FUNC, inner->ret);
}

/* Fold n to a plain number in *v (below); 0 when it is not one. */
static int fold_int(struct sema *s, struct node *n, int64_t *v);

/* Report a constant stored into a char that does not fit in one. */
static void char_fits(struct sema *s, struct node *e)
{
	int64_t v;
	if (!e || e->kind == N_INIT_LIST || e->kind == N_STR || !fold_int(s, e, &v))
		return;
	if (e->kind == N_NUM && e->src_start && e->src_start[0] == '\'')
		return;         /* '\xff' is the byte 0xff */
	if (v < CHAR_MIN_VALUE || v > CHAR_MAX_VALUE)
		error(s, e->line, e->col, "%lld does not fit in a char (%d to %d)", (long long)v,
		      CHAR_MIN_VALUE, CHAR_MAX_VALUE);
}

/* The type of s.f or p->f, and its field in n->field. */
static struct type *member(struct sema *s, struct node *n)
{
	int arrow = n->op == TK_ARROW;
	struct type *l = check_expr(s, n->lhs);
	if (l->kind == TY_ERROR)
		return l;
	if (arrow)
		l = decay(s, n->lhs, l->kind == TY_STRUCT ? s->err_ty : l);
	struct type *st = arrow ? (l->kind == TY_PTR ? l->base : NULL) : l;
	if (arrow && (!st || st->kind != TY_STRUCT)) {
		struct type *shown = n->lhs->ty ? n->lhs->ty : l;
		error(s, n->line, n->col, "'->' needs a pointer to a struct on its left, but this is "
		      "of type %s%s", tyname(shown), shown->kind == TY_STRUCT ? " (use '.')" : "");
		return s->err_ty;
	}
	if (!arrow && st->kind != TY_STRUCT) {
		int hint = st->kind == TY_PTR && st->base->kind == TY_STRUCT;
		error(s, n->line, n->col, "'.' needs a struct on its left, but this is of type %s%s",
		      tyname(st), hint ? " (use '->')" : "");
		return s->err_ty;
	}
	struct sdef *sd = st->sdef;
	if (!sd->laid_out) {
		error(s, n->line, n->col, "'%s' is incomplete: its fields are not known", tyname(st));
		return s->err_ty;
	}
	struct field *f = sdef_field(sd, n->str);
	if (!f) {
		error(s, n->line, n->col, "'%s' has no field '%s'", tyname(st), n->str);
		return s->err_ty;
	}
	n->field = f;
	return f->ty;
}

/* Type-check an expression and record its type. */
static struct type *check_expr(struct sema *s, struct node *n)
{
	struct type *t = s->int_ty;
	switch (n->kind) {
	case N_NUM:
		break;
	case N_STR:
		error(s, n->line, n->col, "a string literal can only be print's format");
		t = s->err_ty;
		break;
	case N_IDENT: {
		struct scope_entry *e = lookup(s, n->str);
		if (e && e->var) {
			n->ref = REF_VAR;
			n->var = e->var;
			if (s->fn && s->fn->outer && e->depth < s->fn_depth &&
			    e->var->where != VAR_GLOBAL)
				n->var = capture(s, n, e->var);
			t = n->var ? n->var->ty : s->err_ty;
			if (!n->var)
				n->ref = REF_NONE;
		} else if (e && e->fn) {
			n->ref = REF_FUNC;
			n->fn = e->fn;
			t = type_new(s->prog, TY_FUNC, e->fn->ret);
			if (e->fn->outer)
				t = nested_value(s, n, e->fn);
		} else if (const_lookup(n->str, &n->val)) {
			n->kind = N_NUM;        /* EPOLLIN, EAGAIN, ...: see consts.h */
		} else if (isa_builtin_lookup(n->str) >= 0) {
			error(s, n->line, n->col, "builtin '%s' can only be called, not used as a value", n->str);
			t = s->err_ty;
		} else {
			error(s, n->line, n->col, "'%s' is not declared", n->str);
			t = s->err_ty;
		}
		break;
	}
	case N_BINARY: {
		struct type *l = value(s, n->lhs), *r = value(s, n->rhs);
		if (n->op == '+' || n->op == '-')
			t = additive(s, n, l, r);
		break;
	}
	case N_LOGAND: case N_LOGOR:
		value(s, n->lhs);
		value(s, n->rhs);
		break;
	case N_TERNARY: {
		value(s, n->cond);
		struct type *a = check_expr(s, n->then), *b = check_expr(s, n->els);
		if (a->kind == TY_VOID || b->kind == TY_VOID) {
			if (a->kind != b->kind)
				error(s, n->line, n->col, "one branch of '?:' is void and the other is not");
			t = a->kind == TY_VOID ? a : b;
		} else {
			a = decay(s, n->then, a);
			b = decay(s, n->els, b);
			t = a->kind == TY_PTR ? a : b;
		}
		break;
	}
	case N_ASSIGN: {
		struct type *l = check_expr(s, n->lhs);
		check_assignable(s, n->lhs, "assignment");
		struct type *r = value(s, n->rhs);
		if (n->op == TK_ADD_EQ || n->op == TK_SUB_EQ) {
			if (r->kind == TY_PTR)
				error(s, n->line, n->col, "the right side of '%s' cannot be a pointer",
				      n->op == TK_ADD_EQ ? "+=" : "-=");
			else
				n->scale = l->kind == TY_PTR ? 1 : 0;
			n->stride = l->kind == TY_PTR ? type_stride(l) : 0;
		}
		if (n->op == '=' && l->kind == TY_CHAR)
			char_fits(s, n->rhs);
		t = l;
		break;
	}
	case N_UNARY:
		value(s, n->lhs);
		break;
	case N_ADDR: {
		struct type *l = check_expr(s, n->lhs);
		if (l->kind == TY_ERROR) {
			t = l;
		} else if (n->lhs->kind == N_IDENT && n->lhs->ref == REF_FUNC) {
			t = s->int_ty;
		} else if (!is_lvalue(n->lhs)) {
			error(s, n->line, n->col, "'&' needs a variable or an element; this expression has no address");
		} else if (type_is_sync(l)) {
			error(s, n->line, n->col, "a %s is passed to its builtins by name, not by address", tyname(l));
		} else {
			t = ptr_to(s, l->kind == TY_ARRAY ? l->base : l);
		}
		break;
	}
	case N_DEREF:
		t = deref(s, n, value(s, n->lhs));
		break;
	case N_INDEX: {
		struct type *l = check_expr(s, n->lhs);
		if (l->kind == TY_ARRAY) {
			t = l->base;
		} else {
			l = decay(s, n->lhs, l);
			if (l->kind == TY_ERROR)
				t = l;
			else if (l->kind == TY_PTR && l->base->kind == TY_VOID)
				error(s, n->line, n->col, "cannot index a 'void *'");
			else if (l->kind != TY_PTR)
				error(s, n->line, n->col, "cannot index %s; only an array or a pointer can be", tyname(l));
			else
				t = l->base;
		}
		value(s, n->rhs);
		break;
	}
	case N_PREINC: case N_POSTINC:
		t = check_expr(s, n->lhs);
		check_assignable(s, n->lhs, n->op > 0 ? "'++'" : "'--'");
		if (!type_is_scalar(t))
			t = s->int_ty;
		break;
	case N_CALL:
		t = call(s, n);
		break;
	case N_INIT_LIST:
		error(s, n->line, n->col, "a '{...}' list can only initialise an array");
		break;
	case N_MEMBER:
		t = member(s, n);
		break;
	case N_SIZEOF: {
		/* the size is known now: the node becomes that number */
		struct type *of = n->lhs ? check_expr(s, n->lhs) : n->ty;
		const struct type *elem = of;
		while (elem->kind == TY_ARRAY)
			elem = elem->base;
		if (of->kind == TY_VOID || of->kind == TY_FUNC)
			error(s, n->line, n->col, "sizeof needs an object, not %s",
			      of->kind == TY_VOID ? "void" : "a function");
		else if (elem->kind == TY_STRUCT && !elem->sdef->laid_out)
			error(s, n->line, n->col, "sizeof of an incomplete type '%s'%s", tyname(elem),
			      elem->sdef->declared ? ": its fields are never given" : " (no such struct is defined)");
		n->kind = N_NUM;
		n->val = type_size(of);
		n->lhs = NULL;
		break;
	}
	default:
		break;
	}
	n->ty = t;
	return t;
}

/* Fold a constant expression; 0 when it is not constant. */
static int fold(struct sema *s, struct node *n, struct cval *out);

/* Fold n to a plain number, not an address; 0 when it is not one. */
static int fold_int(struct sema *s, struct node *n, int64_t *v)
{
	struct cval c;
	if (!fold(s, n, &c) || c.var || c.fn)
		return 0;
	*v = c.num;
	return 1;
}

/* Fold a global const's initializer on first use. */
static int fold_global(struct sema *s, struct var *v, int line, int col);

/* Fold n into out: a number, an address plus an offset, or a function. */
static int fold(struct sema *s, struct node *n, struct cval *out)
{
	int64_t a, b;
	memset(out, 0, sizeof *out);
	switch (n->kind) {
	case N_NUM:
		out->num = n->val;
		return 1;
	case N_IDENT: {
		struct scope_entry *e = lookup(s, n->str);
		if (!e)
			return const_lookup(n->str, &out->num);
		if (e->fn) {
			out->fn = e->fn;
			return 1;
		}
		struct var *v = e->var;
		if (v->where != VAR_GLOBAL)
			return 0;
		if (v->ty->kind == TY_ARRAY && !v->is_tls && !type_is_sync(v->ty->base)) {
			out->var = v;
			return 1;
		}
		if (!v->is_const || v->ty->kind != TY_INT)
			return 0;
		if (!fold_global(s, v, n->line, n->col))
			return 0;
		*out = v->cvals[0];
		return 1;
	}
	case N_ADDR: {
		struct node *l = n->lhs;
		if (l->kind == N_INDEX && l->lhs->kind == N_IDENT && fold(s, l->lhs, out) && out->var &&
		    out->num == 0 && fold_int(s, l->rhs, &a)) {
			out->num = (int64_t)((uint64_t)a * (uint64_t)type_size(out->var->ty->base));
			return 1;
		}
		if (l->kind == N_IDENT) {
			struct scope_entry *e = lookup(s, l->str);
			if (e && e->fn) {
				out->fn = e->fn;
				return 1;
			}
			if (e && e->var && e->var->where == VAR_GLOBAL && !e->var->is_tls &&
			    !type_is_sync(e->var->ty)) {
				out->var = e->var;
				return 1;
			}
		}
		return 0;
	}
	case N_UNARY:
		if (!fold_int(s, n->lhs, &a))
			return 0;
		switch (n->op) {
		case '-': out->num = (int64_t)(0 - (uint64_t)a); break;
		case '!': out->num = !a; break;
		case '~': out->num = ~a; break;
		default: out->num = a; break;
		}
		return 1;
	case N_LOGAND: case N_LOGOR:
		if (!fold_int(s, n->lhs, &a))
			return 0;
		if (n->kind == N_LOGAND ? !a : a) {
			out->num = !!a;       /* decided by the left side alone */
			return 1;
		}
		if (!fold_int(s, n->rhs, &b))
			return 0;
		out->num = !!b;
		return 1;
	case N_TERNARY:
		if (!fold_int(s, n->cond, &a))
			return 0;
		return fold(s, a ? n->then : n->els, out);
	case N_BINARY: {
		if (!fold(s, n->lhs, out))
			return 0;
		if (out->fn)
			return 0;
		if (!out->var && n->op == '+') {
			/* k + address: the address may come second */
			struct cval r;
			int64_t k = out->num;
			if (fold(s, n->rhs, &r) && r.var) {
				*out = r;
				out->num = (int64_t)((uint64_t)r.num + (uint64_t)k *
						     (uint64_t)(n->stride ? n->stride : WORD));
				return 1;
			}
		}
		if (out->var) {
			/* an address plus or minus whole elements */
			if ((n->op != '+' && n->op != '-') || !fold_int(s, n->rhs, &b))
				return 0;
			int64_t bytes = (int64_t)((uint64_t)b * (uint64_t)(n->stride ? n->stride : WORD));
			out->num = (int64_t)(n->op == '+' ? (uint64_t)out->num + (uint64_t)bytes
							  : (uint64_t)out->num - (uint64_t)bytes);
			return 1;
		}
		a = out->num;
		if (!fold_int(s, n->rhs, &b))
			return 0;
		uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
		int64_t r;
		switch (n->op) {
		case '+': r = (int64_t)(ua + ub); break;
		case '-': r = (int64_t)(ua - ub); break;
		case '*': r = (int64_t)(ua * ub); break;
		case '/': case '%':
			if (b == 0) {
				error(s, n->line, n->col, "division by zero in a constant expression");
				return 0;
			}
			if (a == INT64_MIN && b == -1)
				r = n->op == '/' ? INT64_MIN : 0;
			else
				r = n->op == '/' ? a / b : a % b;
			break;
		case '&': r = a & b; break;
		case '|': r = a | b; break;
		case '^': r = a ^ b; break;
		case TK_SHL: r = (int64_t)(ua << (b & 63)); break;
		case TK_SHR: r = a >> (b & 63); break;
		case TK_EQ: r = a == b; break;
		case TK_NE: r = a != b; break;
		case '<': r = a < b; break;
		case '>': r = a > b; break;
		case TK_LE: r = a <= b; break;
		case TK_GE: r = a >= b; break;
		default: return 0;
		}
		out->num = r;
		return 1;
	}
	default:
		return 0;
	}
}

/* Work out an array's length from its brackets or its initializer. */
static void array_length(struct sema *s, struct var *v)
{
	struct type *t = v->ty;
	if (v->len_expr) {
		int64_t n;
		check_expr(s, v->len_expr);
		int errors = s->d->errors;
		if (!fold_int(s, v->len_expr, &n)) {
			if (s->d->errors == errors)
				error(s, v->len_expr->line, v->len_expr->col, "the length of array '%s' must be a constant", v->name);
			n = 1;
		} else if (n <= 0 || n > MAX_ARRAY) {
			error(s, v->len_expr->line, v->len_expr->col,
			      "the length of array '%s' must be between 1 and %d, not %lld", v->name, MAX_ARRAY,
			      (long long)n);
			n = 1;
		}
		t->len = n;
	} else if (v->init && v->init->kind == N_STR && t->base->kind == TY_CHAR) {
		t->len = (int64_t)v->init->str_len + 1;
	} else if (v->init && v->init->kind == N_INIT_LIST) {
		t->len = v->init->nargs > 0 ? v->init->nargs : 1;
		if (v->init->nargs == 0)
			error(s, v->line, v->col, "array '%s' needs a length or a non-empty initializer", v->name);
	} else {
		error(s, v->line, v->col, "array '%s' needs a length", v->name);
		t->len = 1;
	}
	if (t->len > 0 && v->init && v->init->kind == N_INIT_LIST && v->init->nargs > t->len)
		error(s, v->init->line, v->init->col, "too many initializers for '%s' (%d for %lld elements)",
		      v->name, v->init->nargs, (long long)t->len);
	if (v->init && v->init->kind == N_STR && t->base->kind == TY_CHAR &&
	    (int64_t)v->init->str_len > t->len)
		error(s, v->init->line, v->init->col, "the string is %zu bytes, too long for '%s' "
		      "(%lld bytes)", v->init->str_len, v->name, (long long)t->len);
}

/* Lay out a struct or union: each field at the next multiple of its
 * alignment (a union's all at 0), the size rounded up to the largest
 * alignment.  Reports a field that cannot be in one. */
static void layout_sdef(struct sema *s, struct sdef *sd)
{
	if (sd->laid_out || !sd->defined)
		return;
	if (sd->laying_out)
		return;         /* the field that holds it reports it */
	sd->laying_out = 1;
	const char *kw = sd->is_union ? "union" : "struct";
	int64_t off = 0, size = 0, align = 1;
	if (!sd->fields)
		error(s, sd->line, sd->col, "%s '%s' has no fields", kw, sd->tag ? sd->tag : "{...}");
	for (struct field *f = sd->fields; f; f = f->next) {
		for (struct field *g = sd->fields; g != f; g = g->next)
			if (strcmp(g->name, f->name) == 0) {
				error(s, f->line, f->col, "duplicate field '%s' (first at line %d)",
				      f->name, g->line);
				break;
			}
		struct type *ft = f->ty, *elem = ft->kind == TY_ARRAY ? ft->base : ft;
		if (ft->kind == TY_ARRAY) {
			int64_t n = 1;
			if (!f->len_expr) {
				error(s, f->line, f->col, "array field '%s' needs a length", f->name);
			} else {
				check_expr(s, f->len_expr);
				int errors = s->d->errors;
				if (!fold_int(s, f->len_expr, &n)) {
					if (s->d->errors == errors)
						error(s, f->len_expr->line, f->len_expr->col,
						      "the length of field '%s' must be a constant", f->name);
					n = 1;
				} else if (n <= 0 || n > MAX_ARRAY) {
					error(s, f->len_expr->line, f->len_expr->col,
					      "the length of field '%s' must be between 1 and %d, not %lld",
					      f->name, MAX_ARRAY, (long long)n);
					n = 1;
				}
			}
			ft->len = n;
		}
		if (elem->kind == TY_STRUCT)
			layout_sdef(s, elem->sdef);
		if (elem->kind == TY_VOID) {
			error(s, f->line, f->col, "field '%s' cannot have type void", f->name);
		} else if (type_has_sync(elem)) {
			error(s, f->line, f->col, "field '%s': a %s must be a global variable of its own, "
			      "not in a %s", f->name, type_is_sync(elem) ? tyname(elem) : "synchronisation object", kw);
		} else if (elem->kind == TY_STRUCT && !elem->sdef->laid_out) {
			if (elem->sdef == sd || elem->sdef->laying_out)
				error(s, f->line, f->col, "field '%s' cannot hold the %s it is in "
				      "(a pointer to it can)", f->name, tyname(elem));
			else
				error(s, f->line, f->col, "field '%s' has an incomplete type '%s'%s", f->name,
				      tyname(elem), elem->sdef->declared ? "" : " (no such struct is defined)");
		}
		int64_t fa = type_align(ft), fs = type_size(ft);
		if (fa > align)
			align = fa;
		if (sd->is_union) {
			f->offset = 0;
			if (fs > size)
				size = fs;
		} else {
			off = (off + fa - 1) / fa * fa;
			f->offset = off;
			off += fs;
			size = off;
		}
		if (size > MAX_FRAME) {
			error(s, f->line, f->col, "%s '%s' is larger than %d bytes", kw,
			      sd->tag ? sd->tag : "{...}", MAX_FRAME);
			size = MAX_FRAME;
		}
	}
	sd->align = align;
	sd->size = (size + align - 1) / align * align;
	if (sd->size == 0)
		sd->size = align;
	sd->laying_out = 0;
	sd->laid_out = 1;
}

/* Report an object of a struct type whose fields are not known; 0 then. */
static int complete_object(struct sema *s, const struct type *t, int line, int col,
			   const char *name)
{
	while (t->kind == TY_ARRAY || t->kind == TY_PTR) {
		if (t->kind == TY_PTR)
			return 1;       /* a pointer to anything is fine */
		t = t->base;
	}
	if (t->kind != TY_STRUCT || t->sdef->laid_out)
		return 1;
	if (!t->sdef->declared)
		error(s, line, col, "unknown %s '%s': no such %s is defined", t->sdef->is_union ? "union" : "struct",
		      t->sdef->tag, t->sdef->is_union ? "union" : "struct");
	else
		error(s, line, col, "variable '%s' has an incomplete type '%s': its fields are never given",
		      name, tyname(t));
	return 0;
}

/* Rules every variable's type follows, wherever it is declared. */
static int check_var_type(struct sema *s, struct var *v)
{
	struct type *t = v->ty, *elem = t->kind == TY_ARRAY ? t->base : t;
	if (elem->kind == TY_VOID) {
		error(s, v->line, v->col, "variable '%s' cannot have type void", v->name);
		return 0;
	}
	if (!complete_object(s, t, v->line, v->col, v->name))
		return 0;
	if (elem->kind == TY_STRUCT && v->init) {
		error(s, v->init->line, v->init->col, "a %s cannot have an initializer here: "
		      "set its fields one by one", tyname(elem));
		return 0;
	}
	if (elem->kind == TY_PTR) {
		struct type *b = elem;
		while (b->kind == TY_PTR)
			b = b->base;
		if (type_is_sync(b)) {
			error(s, v->line, v->col, "there are no pointers to a %s; use it by name", tyname(b));
			return 0;
		}
	}
	if (t->kind == TY_ARRAY)
		array_length(s, v);
	if (type_is_sync(elem)) {
		if (v->where != VAR_GLOBAL) {
			error(s, v->line, v->col, "a %s must be a global variable", tyname(elem));
			return 0;
		}
		if (v->is_const || v->is_tls) {
			error(s, v->line, v->col, "a %s cannot be %s", tyname(elem),
			      v->is_const ? "const" : "thread_local");
			return 0;
		}
		if (v->init && elem->kind != TY_SEM) {
			error(s, v->init->line, v->init->col, "a %s cannot have an initializer", tyname(elem));
			return 0;
		}
	}
	if (v->is_tls && v->where != VAR_GLOBAL) {
		error(s, v->line, v->col, "thread_local is only for global variables");
		return 0;
	}
	if (v->is_const && !v->init && v->where != VAR_PARAM) {
		error(s, v->line, v->col, "const '%s' needs an initializer", v->name);
		return 0;
	}
	if (t->kind != TY_ARRAY && v->init && v->init->kind == N_INIT_LIST) {
		error(s, v->init->line, v->init->col, "a '{...}' list can only initialise an array");
		return 0;
	}
	if (t->kind == TY_ARRAY && v->init && v->init->kind == N_STR && elem->kind != TY_CHAR) {
		error(s, v->init->line, v->init->col, "only a char array can be initialised with a string");
		return 0;
	}
	if (t->kind == TY_ARRAY && v->init && v->init->kind != N_INIT_LIST && v->init->kind != N_STR) {
		error(s, v->init->line, v->init->col, "array '%s' must be initialised with a '{...}' list",
		      v->name);
		return 0;
	}
	return 1;
}

/* Fold a global's initializer into v->cvals: one value per element
 * (a single object is one element), each written as a number of the
 * element's size, a word at most (a semaphore's count: its first word). */
static int fold_global(struct sema *s, struct var *v, int line, int col)
{
	if (v->cvals)
		return 1;
	if (v->folding) {
		error(s, line, col, "'%s' is defined in terms of itself", v->name);
		return 0;
	}
	v->folding = 1;
	int64_t n = v->ty->kind == TY_ARRAY ? v->ty->len : 1;
	struct type *elem = v->ty->kind == TY_ARRAY ? v->ty->base : v->ty;
	if (!v->init || n < 1)
		n = 0;
	struct cval *cv = arena_alloc(&s->prog->arena, (size_t)(n > 0 ? n : 1) * sizeof *cv);
	int ok = 1;
	if (v->init && v->init->kind == N_STR) {
		for (int64_t i = 0; i < n && i < (int64_t)v->init->str_len; i++)
			cv[i].num = (signed char)v->init->str[i];
		v->folding = 0;
		v->cvals = cv;
		v->ncvals = n;
		return 1;
	}
	struct node *one = v->init && v->init->kind != N_INIT_LIST ? v->init : NULL;
	struct node *list = v->init && v->init->kind == N_INIT_LIST ? v->init->args : one;
	int64_t i = 0;
	for (struct node *e = list; e && i < n; e = one ? NULL : e->next, i++) {
		struct cval *c = &cv[i];
		int errors = s->d->errors;
		value(s, e);
		if (!fold(s, e, c)) {
			if (s->d->errors == errors)
				error(s, e->line, e->col, "the initializer of global '%s' must be a constant",
				      v->name);
			ok = 0;
			break;
		}
		if (elem->kind == TY_SEM && (c->var || c->fn || c->num < 0)) {
			error(s, e->line, e->col, "a semaphore starts at a count of 0 or more");
			ok = 0;
			break;
		}
		if (elem->kind == TY_CHAR) {
			if (c->var || c->fn) {
				error(s, e->line, e->col, "an address does not fit in a char");
				ok = 0;
				break;
			}
			char_fits(s, e);
		}
	}
	v->folding = 0;
	v->cvals = cv;
	v->ncvals = n;
	return ok;
}

static void check_stmt(struct sema *s, struct node *n);
static void nested_func(struct sema *s, struct func *fn);

/* Declare a local and give it a slot in the frame. */
static void local_decl(struct sema *s, struct node *n)
{
	struct var *v = n->var;
	if (!check_var_type(s, v))
		return;
	struct type *elem = v->ty->kind == TY_ARRAY ? v->ty->base : v->ty;
	if (v->init) {
		if (v->init->kind == N_INIT_LIST) {
			for (struct node *e = v->init->args; e; e = e->next) {
				value(s, e);
				if (elem->kind == TY_CHAR)
					char_fits(s, e);
			}
		} else if (v->init->kind != N_STR || v->ty->kind != TY_ARRAY) {
			value(s, v->init);
			if (elem->kind == TY_CHAR)
				char_fits(s, v->init);
		}
	}
	/* every local starts at a word, so the frame stays aligned */
	int64_t size = (type_size(v->ty) + WORD - 1) / WORD * WORD;
	if (s->fn->frame_size + size > MAX_FRAME) {
		error(s, v->line, v->col, "the locals of '%s' take more than %d bytes", s->fn->name, MAX_FRAME);
		return;
	}
	s->fn->frame_size += size;
	v->offset = -s->fn->frame_size;
	*s->locals_tail = v;
	s->locals_tail = &v->next;
	declare(s, v->name, v, NULL, v->line, v->col);
}

/* Check a statement. */
static void check_stmt(struct sema *s, struct node *n)
{
	if (!n)
		return;
	switch (n->kind) {
	case N_BLOCK:
		if (!n->op)
			scope_push(s);
		for (struct node *c = n->body; c; c = c->next)
			check_stmt(s, c);
		if (!n->op)
			scope_pop(s);
		break;
	case N_DECL:
		local_decl(s, n);
		break;
	case N_FUNC:
		nested_func(s, n->fn);
		break;
	case N_IF:
		value(s, n->cond);
		check_stmt(s, n->then);
		check_stmt(s, n->els);
		break;
	case N_WHILE: case N_DO:
		value(s, n->cond);
		s->loops++;
		check_stmt(s, n->body);
		s->loops--;
		break;
	case N_FOR:
		scope_push(s);
		check_stmt(s, n->init);
		if (n->cond)
			value(s, n->cond);
		if (n->inc)
			check_expr(s, n->inc);
		s->loops++;
		check_stmt(s, n->body);
		s->loops--;
		scope_pop(s);
		break;
	case N_BREAK: case N_CONTINUE:
		if (!s->loops)
			error(s, n->line, n->col, "'%s' outside a loop", n->kind == N_BREAK ? "break" : "continue");
		break;
	case N_RETURN:
		if (n->lhs && s->fn->ret->kind == TY_VOID) {
			check_expr(s, n->lhs);
			error(s, n->line, n->col, "'%s' returns void; 'return' cannot give it a value", s->fn->name);
		} else if (n->lhs) {
			value(s, n->lhs);
		} else if (s->fn->ret->kind != TY_VOID) {
			error(s, n->line, n->col, "'%s' returns %s; 'return' needs a value", s->fn->name,
			      tyname(s->fn->ret));
		}
		break;
	case N_EXPR:
		check_expr(s, n->lhs);
		break;
	default:
		break;
	}
}

/* Check a function's parameters and body. */
static void check_func(struct sema *s, struct func *fn)
{
	struct func *outer_fn = s->fn;
	struct var **outer_tail = s->locals_tail;
	s->fn = fn;
	s->locals_tail = &fn->locals;
	if (fn->outer) {
		/* the hidden first local: where the prologue keeps the
		 * environment the call brought in r7 */
		struct var *env = arena_alloc(&s->prog->arena, sizeof *env);
		env->name = "env";
		env->ty = ptr_to(s, type_new(s->prog, TY_VOID, NULL));
		env->line = fn->line;
		env->col = fn->col;
		env->where = VAR_LOCAL;
		fn->frame_size += WORD;
		env->offset = -fn->frame_size;
		*s->locals_tail = env;
		s->locals_tail = &env->next;
		fn->env = env;
	}
	scope_push(s);
	for (int i = 0; i < fn->nparams; i++) {
		struct var *v = fn->params[i];
		if (v->ty->kind == TY_ARRAY) {
			error(s, v->line, v->col, "parameter '%s' cannot be an array; pass a pointer ('int *%s')",
			      v->name, v->name);
			continue;
		}
		if (type_is_sync(v->ty)) {
			error(s, v->line, v->col, "a %s cannot be a parameter; use the global by name",
			      tyname(v->ty));
			continue;
		}
		if (v->ty->kind == TY_STRUCT) {
			error(s, v->line, v->col, "a %s cannot be passed by value; pass a pointer ('%s *%s')",
			      tyname(v->ty), tyname(v->ty), v->name);
			continue;
		}
		if (!check_var_type(s, v))
			continue;
		v->offset = 2 * WORD + i * WORD;
		declare(s, v->name, v, NULL, v->line, v->col);
	}
	/* The body shares the parameters' scope, as in C. */
	for (struct node *c = fn->body ? fn->body->body : NULL; c; c = c->next)
		check_stmt(s, c);
	scope_pop(s);
	s->fn = outer_fn;
	s->locals_tail = outer_tail;
}

/* A nested function's definition, met in the body of the function it
 * is defined in: its name is declared in the enclosing block from here
 * on, and its body sees the enclosing function's variables in scope
 * here, which it captures as it uses them. */
static void nested_func(struct sema *s, struct func *fn)
{
	if (!s->fn || s->fn->outer || fn->outer != s->fn)
		return;         /* nested too deep: the parser said so */
	declare(s, fn->name, NULL, fn, fn->line, fn->col);
	int loops = s->loops, fn_depth = s->fn_depth;
	s->loops = 0;
	s->fn_depth = s->depth + 1;
	check_func(s, fn);
	s->loops = loops;
	s->fn_depth = fn_depth;
}

/* Report a thread_local read by an #expect: it has one copy per thread,
 * and at the end of a run there is no thread to read it for. */
static void no_tls_in_expect(struct sema *s, const struct node *n)
{
	if (!n)
		return;
	if (n->kind == N_IDENT && n->ref == REF_VAR && n->var->is_tls)
		error(s, n->line, n->col,
		      "'%s' is thread_local: each thread has its own, so #expect cannot check it",
		      n->var->name);
	no_tls_in_expect(s, n->lhs);
	no_tls_in_expect(s, n->rhs);
	no_tls_in_expect(s, n->cond);
	no_tls_in_expect(s, n->then);
	no_tls_in_expect(s, n->els);
	for (const struct node *a = n->args; a; a = a->next)
		no_tls_in_expect(s, a);
}

/* Wrap each #expect condition in a function returning its value. */
static void expect_funcs(struct sema *s)
{
	struct program *g = s->prog;
	for (struct expect *e = g->expects; e; e = e->next) {
		if (e->kind != EXPECT_COND)
			continue;
		struct func *fn = arena_alloc(&g->arena, sizeof *fn);
		char name[32];
		snprintf(name, sizeof name, "expect@%d", e->line);
		fn->name = arena_strndup(&g->arena, name, strlen(name));
		fn->ret = s->int_ty;
		fn->line = fn->end_line = e->line;
		fn->is_expect = 1;
		struct node *ret = arena_alloc(&g->arena, sizeof *ret);
		ret->kind = N_RETURN;
		ret->line = e->line;
		ret->lhs = e->expr;
		struct node *body = arena_alloc(&g->arena, sizeof *body);
		body->kind = N_BLOCK;
		body->line = e->line;
		body->body = ret;
		fn->body = body;
		e->fn = fn;
		check_func(s, fn);
		no_tls_in_expect(s, e->expr);
		g->funcs = xgrow(g->funcs, &g->cap_funcs, g->nfuncs + 1, sizeof *g->funcs);
		g->funcs[g->nfuncs++] = fn;
	}
}

/* A program that names errno and does not declare it gets it as C
 * does: a thread_local int, first of the globals (the I/O builtins set
 * it when they fail). */
static void predeclare_errno(struct program *prog)
{
	if (!prog->uses_errno)
		return;
	for (size_t i = 0; i < prog->nglobals; i++)
		if (strcmp(prog->globals[i]->name, "errno") == 0)
			return;
	struct var *v = arena_alloc(&prog->arena, sizeof *v);
	memset(v, 0, sizeof *v);
	v->name = "errno";
	v->ty = type_new(prog, TY_INT, NULL);
	v->where = VAR_GLOBAL;
	v->is_tls = 1;
	prog->globals = xgrow(prog->globals, &prog->cap_globals, prog->nglobals + 1,
			      sizeof *prog->globals);
	memmove(prog->globals + 1, prog->globals, prog->nglobals * sizeof *prog->globals);
	prog->globals[0] = v;
	prog->nglobals++;
}

/* Check the whole program. */
int sema_check(struct program *prog, struct diags *d, int nlines)
{
	struct sema s = { .prog = prog, .d = d, .nlines = nlines };
	s.int_ty = type_new(prog, TY_INT, NULL);
	s.err_ty = type_new(prog, TY_ERROR, NULL);
	int errors = d->errors;
	predeclare_errno(prog);

	/* Every function and global is visible in the whole file; declare
	 * them in the order they appear, so a second one is the redefinition. */
	for (size_t f = 0, g = 0; f < prog->nfuncs || g < prog->nglobals;) {
		struct func *fn = f < prog->nfuncs ? prog->funcs[f] : NULL;
		struct var *v = g < prog->nglobals ? prog->globals[g] : NULL;
		if (fn && fn->outer) {
			f++;    /* a nested function is declared where it is defined */
			continue;
		}
		if (fn && (!v || fn->line < v->line || (fn->line == v->line && fn->col < v->col))) {
			declare(&s, fn->name, NULL, fn, fn->line, fn->col);
			f++;
		} else {
			declare(&s, v->name, v, NULL, v->line, v->col);
			g++;
		}
	}
	/* the structs' array lengths may name the global consts */
	for (struct sdef *sd = prog->structs; sd; sd = sd->next)
		layout_sdef(&s, sd);
	for (size_t i = 0; i < prog->nglobals; i++) {
		struct var *v = prog->globals[i];
		if (check_var_type(&s, v))
			fold_global(&s, v, v->line, v->col);
	}

	struct func *main_fn = NULL;
	for (size_t i = 0; i < prog->nfuncs; i++) {
		struct func *fn = prog->funcs[i];
		if (fn->outer)
			continue;       /* checked with the function it is in */
		if (strcmp(fn->name, "main") == 0)
			main_fn = fn;
		struct type *pointee = fn->ret;
		while (pointee->kind == TY_PTR)
			pointee = pointee->base;
		if (fn->ret->kind == TY_PTR && type_is_sync(pointee))
			error(&s, fn->line, fn->col, "'%s' cannot return a pointer to a %s", fn->name,
			      tyname(pointee));
		else if (type_is_sync(fn->ret))
			error(&s, fn->line, fn->col, "'%s' cannot return a %s", fn->name, tyname(fn->ret));
		else if (fn->ret->kind == TY_STRUCT)
			error(&s, fn->line, fn->col, "'%s' cannot return a %s by value; return a pointer",
			      fn->name, tyname(fn->ret));
		check_func(&s, fn);
	}
	if (!main_fn)
		diag_add(d, DIAG_ERROR, 0, 0, "no 'main' function: a scenario's program starts at main()");
	else if (main_fn->nparams > 0)
		error(&s, main_fn->line, main_fn->col, "'main' takes no parameters");
	else if (main_fn->ret->kind != TY_INT && main_fn->ret->kind != TY_VOID)
		error(&s, main_fn->line, main_fn->col, "'main' must return int or void");

	expect_funcs(&s);
	for (struct note *n = prog->notes; n; n = n->next)
		if (n->trigger == NOTE_LINE && n->at > nlines)
			error(&s, n->line, 1, "'#note line %lld': the file has only %d lines",
			      (long long)n->at, nlines);

	xfree(s.scope);
	xfree(s.chains);
	return d->errors - errors;
}
