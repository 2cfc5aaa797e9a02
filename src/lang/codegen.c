/* codegen: instruction selection, frames, layout and the image tables.
 *
 * Expressions are evaluated into r0..r6 as a stack: an expression at
 * depth d leaves its value in r<d> and may use the registers above it.
 * Below depth 4 a node evaluates in place; deeper, the live registers
 * are pushed and the node is evaluated from r0, so nesting never runs out
 * of registers.  r7 is a scratch register for moving values across those
 * pushes and pops.  Calls pass arguments on the stack (pushed right to
 * left), return in r0, and save the caller's live registers around them.
 *
 * A frame, from higher addresses down:  arguments, return address,
 * saved fp (fp points here), locals.  So parameter i is at fp+16+8*i and
 * locals are at negative offsets from fp.
 *
 * Closures.  A nested function's name used as a value makes a closure:
 * the enclosing function pushes the values of the variables it captures
 * (right to left) and its code address, and `sys make_closure` copies
 * them into a new heap block, its environment (layout in ast.h), whose
 * address is the closure's value.  A call through a value that is a
 * closure (`call r0`) puts the environment's address in r7 and jumps to
 * the function, whose prologue keeps it in its first local, env
 * (`st [fp-8], r7`).  A captured variable is then a word of the
 * environment: `ld r1, [fp-8]` then `ld r1, [r1+24]` for the first. */
#include "codegen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"

#define MAX_DEPTH 3             /* deepest register evaluated in place */
#define SCRATCH R7
#define ENV_REG R7              /* a closure's environment, from the call to the prologue */

struct fixup {
	size_t insn;            /* the instruction whose imm is the address of */
	struct func *fn;
};

struct loop {
	size_t *breaks, nbreaks, cap_breaks;
	size_t *conts, nconts, cap_conts;
	struct loop *outer;
};

struct str_entry {
	const char *s;
	size_t len;
	uint64_t addr;
};

struct gen {
	struct program *prog;
	struct diags *d;
	struct image *img;
	size_t cap_code;
	struct buf rodata;
	struct str_entry *strs;
	size_t nstrs, cap_strs;
	struct fixup *fixups;
	size_t nfixups, cap_fixups;
	struct loop *loop;
	int line;
	struct func *fn;
	size_t tls_size;
	int uses_coroutines;    /* some call creates a coroutine */
	int uses_runtime;       /* some call is go's */
};

/* Address of the next instruction. */
static uint64_t here(const struct gen *g)
{
	return CODE_BASE + g->img->ncode * INSN_SIZE;
}

/* Emit one instruction at the current source line; returns its index. */
static size_t emit(struct gen *g, int op, int rd, int rs, int rt, int64_t imm)
{
	struct image *img = g->img;
	if (img->ncode == g->cap_code) {
		g->cap_code = g->cap_code ? 2 * g->cap_code : 256;
		img->code = xrealloc(img->code, g->cap_code * sizeof *img->code);
		img->lines = xrealloc(img->lines, g->cap_code * sizeof *img->lines);
	}
	img->code[img->ncode] = (struct insn){ (uint8_t)op, (uint8_t)rd, (uint8_t)rs,
					       (uint8_t)rt, imm };
	img->lines[img->ncode] = g->line;
	return img->ncode++;
}

/* Emit "op rd, rs"; returns the instruction's index. */
static size_t emit_rr(struct gen *g, int op, int rd, int rs)
{
	return emit(g, op, rd, rs, REG_NONE, 0);
}

/* Emit "op rd, rs, rt"; returns the instruction's index. */
static size_t emit_alu(struct gen *g, int op, int rd, int rs, int rt)
{
	return emit(g, op, rd, rs, rt, 0);
}

/* Emit "op rd, rs, imm"; returns the instruction's index. */
static size_t emit_alui(struct gen *g, int op, int rd, int rs, int64_t imm)
{
	return emit(g, op, rd, rs, REG_NONE, imm);
}

/* Emit "li rd, imm"; returns the instruction's index. */
static size_t emit_li(struct gen *g, int rd, int64_t imm)
{
	return emit(g, OP_LI, rd, REG_NONE, REG_NONE, imm);
}

/* Emit a jump "op rs" to be patched later; returns its index. */
static size_t emit_jump(struct gen *g, int op, int rs)
{
	return emit(g, op, REG_NONE, rs, REG_NONE, 0);
}

/* Point the jump at index i to the current address. */
static void patch_here(struct gen *g, size_t i)
{
	g->img->code[i].imm = (int64_t)here(g);
}

/* Emit "push r". */
static void push(struct gen *g, int r)
{
	emit(g, OP_PUSH, REG_NONE, r, REG_NONE, 0);
}

/* Emit "pop r". */
static void pop(struct gen *g, int r)
{
	emit(g, OP_POP, r, REG_NONE, REG_NONE, 0);
}

/* Emit op (li or call) with fn's address, fixed up once every function is placed. */
static void emit_func_addr(struct gen *g, int op, int rd, struct func *fn)
{
	size_t i = emit(g, op, rd, REG_NONE, REG_NONE, 0);
	g->fixups = xgrow(g->fixups, &g->cap_fixups, g->nfixups + 1, sizeof *g->fixups);
	g->fixups[g->nfixups++] = (struct fixup){ i, fn };
}

/* Place a string in rodata once; returns its address. */
static uint64_t intern(struct gen *g, const char *s, size_t len)
{
	for (size_t i = 0; i < g->nstrs; i++)
		if (g->strs[i].len == len && memcmp(g->strs[i].s, s, len) == 0)
			return g->strs[i].addr;
	uint64_t addr = RODATA_BASE + g->rodata.len;
	buf_put(&g->rodata, s, len);
	buf_putc(&g->rodata, '\0');
	g->strs = xgrow(g->strs, &g->cap_strs, g->nstrs + 1, sizeof *g->strs);
	g->strs[g->nstrs++] = (struct str_entry){ s, len, addr };
	return addr;
}

/* Memory operand: the word at base+off. */
struct loc {
	int base;
	int64_t off;
};

static void gen_expr(struct gen *g, struct node *n, int d);
static void gen_closure(struct gen *g, struct func *fn, int d);

/* Where a variable lives. */
static struct loc var_loc(const struct var *v)
{
	if (v->where != VAR_GLOBAL)
		return (struct loc){ REG_FP, v->offset };
	if (v->is_tls)
		return (struct loc){ REG_TP, v->offset };
	return (struct loc){ REG_NONE, (int64_t)v->addr };
}

/* Put the address base+off in rd. */
static void gen_lea(struct gen *g, int rd, struct loc l)
{
	if (l.base == REG_NONE)
		emit_li(g, rd, l.off);
	else if (l.base == rd && l.off == 0)
		return;
	else
		emit(g, OP_LEA, rd, l.base, REG_NONE, l.off);
}

static void load(struct gen *g, int rd, struct loc l);

/* Compute where an lvalue lives, using rd (and above) if an address must
 * be computed. */
static struct loc gen_loc(struct gen *g, struct node *n, int d)
{
	switch (n->kind) {
	case N_IDENT:
		if (n->var->where == VAR_CAPTURE) {
			/* a word of the environment, whose address is in env */
			load(g, d, var_loc(g->fn->env));
			return (struct loc){ d, n->var->offset };
		}
		return var_loc(n->var);
	case N_DEREF:
		gen_expr(g, n->lhs, d);
		return (struct loc){ d, 0 };
	case N_MEMBER: {
		struct loc base;
		if (n->op == TK_ARROW) {
			gen_expr(g, n->lhs, d);
			base = (struct loc){ d, 0 };
		} else {
			base = gen_loc(g, n->lhs, d);
		}
		base.off = (int64_t)((uint64_t)base.off + (uint64_t)n->field->offset);
		return base;
	}
	case N_INDEX: {
		struct node *a = n->lhs, *ix = n->rhs;
		int64_t es = type_size(n->ty);
		struct loc base;
		if (a->kind == N_IDENT && a->ty->kind == TY_ARRAY && a->var->where != VAR_CAPTURE) {
			base = var_loc(a->var);
		} else if (a->ty->kind == TY_ARRAY && a->kind != N_IDENT) {
			base = gen_loc(g, a, d);        /* an array inside a struct, or an element */
		} else {
			gen_expr(g, a, d);
			base = (struct loc){ d, 0 };
		}
		if (ix->kind == N_NUM) {
			/* wraps like the machine's own arithmetic would */
			base.off = (int64_t)((uint64_t)base.off + (uint64_t)ix->val * (uint64_t)es);
			return base;
		}
		if (base.base != d)
			gen_lea(g, d, base);
		gen_expr(g, ix, d + 1);
		if (es != 1)
			emit_alui(g, OP_MUL, d + 1, d + 1, es);
		emit_alu(g, OP_ADD, d, d, d + 1);
		return (struct loc){ d, 0 };
	}
	default:
		return (struct loc){ REG_NONE, 0 };
	}
}

/* Load the word at l into rd. */
static void load(struct gen *g, int rd, struct loc l)
{
	emit(g, OP_LD, rd, l.base, REG_NONE, l.off);
}

/* Store rs into the word at l. */
static void store(struct gen *g, int rs, struct loc l)
{
	emit(g, OP_ST, rs, l.base, REG_NONE, l.off);
}

/* Load the object of type ty at l into rd: a byte for a char, else a word. */
static void load_as(struct gen *g, int rd, struct loc l, const struct type *ty)
{
	emit(g, ty && ty->kind == TY_CHAR ? OP_LDB : OP_LD, rd, l.base, REG_NONE, l.off);
}

/* Store rs into the object of type ty at l. */
static void store_as(struct gen *g, int rs, struct loc l, const struct type *ty)
{
	emit(g, ty && ty->kind == TY_CHAR ? OP_STB : OP_ST, rs, l.base, REG_NONE, l.off);
}

/* The instruction for an operator or op= token; OP_NOP if none. */
static int alu_op(int tok)
{
	switch (tok) {
	case '+': case TK_ADD_EQ: return OP_ADD;
	case '-': case TK_SUB_EQ: return OP_SUB;
	case '*': case TK_MUL_EQ: return OP_MUL;
	case '/': case TK_DIV_EQ: return OP_DIV;
	case '%': case TK_MOD_EQ: return OP_MOD;
	case '&': case TK_AND_EQ: return OP_AND;
	case '|': case TK_OR_EQ: return OP_OR;
	case '^': case TK_XOR_EQ: return OP_XOR;
	case TK_SHL: case TK_SHL_EQ: return OP_SHL;
	case TK_SHR: case TK_SHR_EQ: return OP_SHR;
	case TK_EQ: return OP_SEQ;
	case TK_NE: return OP_SNE;
	case '<': return OP_SLT;
	case '>': return OP_SGT;
	case TK_LE: return OP_SLE;
	case TK_GE: return OP_SGE;
	default: return OP_NOP;
	}
}

/* Is n a constant that fits in a 16-bit immediate? */
static int is_small(const struct node *n)
{
	return n->kind == N_NUM && n->val >= INT16_MIN && n->val <= INT16_MAX;
}

/* rd = rd op rhs, with rhs scaled by the stride (the bytes of a
 * pointer's element) when pointer arithmetic says so; 0 or 1: none. */
static void gen_apply(struct gen *g, int op, int rd, struct node *rhs, int64_t stride)
{
	if (stride <= 1)
		stride = 1;
	if (is_small(rhs) && rhs->val * stride >= INT16_MIN && rhs->val * stride <= INT16_MAX) {
		emit_alui(g, op, rd, rd, rhs->val * stride);
		return;
	}
	gen_expr(g, rhs, rd + 1);
	if (stride != 1)
		emit_alui(g, OP_MUL, rd + 1, rd + 1, stride);
	emit_alu(g, op, rd, rd, rd + 1);
}

/* Emit a call: save the live registers r0..r<d-1>, push the arguments
 * right to left, call, drop them, and bring the result to rd. */
static void gen_call(struct gen *g, struct node *n, int d)
{
	struct node **args = xmalloc(((size_t)n->nargs + 1) * sizeof *args);
	int nargs = 0;
	for (struct node *a = n->args; a; a = a->next)
		args[nargs++] = a;
	for (int r = 0; r < d; r++)
		push(g, r);

	if (n->builtin >= 0) {
		const char *spec = isa_builtins[n->builtin].args;
		struct node *vals[16];  /* sema allows builtins at most 14 arguments */
		char kinds[16];
		int nv = 0;
		for (int i = 0; i < nargs; i++) {
			char k = i < (int)strcspn(spec, ".") ? spec[i] : 'v';
			vals[nv] = args[i];
			kinds[nv++] = k;
		}
		if (n->builtin == BI_ASSERT) {
			vals[nv] = NULL;
			kinds[nv++] = 'a';
		}
		for (int i = nv; i-- > 0;) {
			struct node *v = vals[i];
			switch (kinds[i]) {
			case 'F':
				emit_li(g, R0, (int64_t)intern(g, v->str, v->str_len));
				break;
			case 'a': {
				struct node *c = args[0];
				emit_li(g, R0, (int64_t)intern(g, c->src_start,
							       (size_t)(c->src_end - c->src_start)));
				break;
			}
			case 'm': case 's': case 'c':
				gen_lea(g, R0, gen_loc(g, v, R0));
				break;
			default:
				gen_expr(g, v, R0);
			}
			push(g, R0);
		}
		emit(g, OP_SYS, REG_NONE, REG_NONE, nv, n->builtin);
		nargs = nv;
		if (n->builtin == BI_COROUTINE || n->builtin == BI_GO)
			g->uses_coroutines = 1;
		if (n->builtin == BI_GO)
			g->uses_runtime = 1;
	} else {
		for (int i = nargs; i-- > 0;) {
			gen_expr(g, args[i], R0);
			push(g, R0);
		}
		if (n->lhs->kind == N_IDENT && n->lhs->ref == REF_FUNC) {
			emit_func_addr(g, OP_CALL, REG_NONE, n->lhs->fn);
		} else {
			gen_expr(g, n->lhs, R0);
			emit(g, OP_CALLR, REG_NONE, R0, REG_NONE, 0);
		}
	}
	xfree(args);
	if (nargs)
		emit_alui(g, OP_ADD, REG_SP, REG_SP, nargs * WORD);
	if (d != 0)
		emit_rr(g, OP_MOV, d, R0);
	for (int r = d; r-- > 0;)
		pop(g, r);
}

/* Make a closure of the nested function fn into r<d>: save the live
 * registers, push the captured variables' values right to left and
 * fn's address, and let make_closure copy them into a heap block. */
static void gen_closure(struct gen *g, struct func *fn, int d)
{
	for (int r = 0; r < d; r++)
		push(g, r);
	for (int i = fn->ncaptures; i-- > 0;) {
		struct var *v = fn->captures[i]->captured;
		load_as(g, R0, var_loc(v), v->ty);
		push(g, R0);
	}
	emit_func_addr(g, OP_LI, R0, fn);
	push(g, R0);
	emit(g, OP_SYS, REG_NONE, REG_NONE, fn->ncaptures + 1, BI_MAKE_CLOSURE);
	emit_alui(g, OP_ADD, REG_SP, REG_SP, (fn->ncaptures + 1) * WORD);
	if (d != 0)
		emit_rr(g, OP_MOV, d, R0);
	for (int r = d; r-- > 0;)
		pop(g, r);
}

/* Make rd what it is as a char: its low byte, sign-extended. */
static void sign_extend_char(struct gen *g, int rd)
{
	emit_alui(g, OP_SHL, rd, rd, 56);
	emit_alui(g, OP_SHR, rd, rd, 56);
}

/* ++x, --x (post: x++, x--), leaving the expression's value in r<d>
 * (a char's, as the char holds it, only when used). */
static void gen_incdec(struct gen *g, struct node *n, int d, int post, int used)
{
	int64_t step = n->op * (n->ty->kind == TY_PTR ? type_stride(n->ty) : 1);
	const struct type *ty = n->lhs->ty;
	struct loc l = gen_loc(g, n->lhs, d);
	int v = l.base == d ? d + 1 : d;
	load_as(g, v, l, ty);
	emit_alui(g, OP_ADD, v, v, step);
	store_as(g, v, l, ty);
	if (post)
		emit_alui(g, OP_SUB, v, v, step);
	else if (ty->kind == TY_CHAR && used)
		sign_extend_char(g, v);         /* the value the char now holds */
	if (v != d)
		emit_rr(g, OP_MOV, d, v);
}

/* x = e and x op= e; used: the value is needed (for a char: as the
 * char holds it). */
static void gen_assign(struct gen *g, struct node *n, int d, int used)
{
	struct node *lhs = n->lhs;
	if (n->op == '=') {
		gen_expr(g, n->rhs, d);
		struct loc l = gen_loc(g, lhs, d + 1);
		store_as(g, d, l, lhs->ty);
		if (lhs->ty->kind == TY_CHAR && used)
			sign_extend_char(g, d);
		return;
	}
	struct loc l = gen_loc(g, lhs, d);
	int v = l.base == d ? d + 1 : d;
	load_as(g, v, l, lhs->ty);
	gen_apply(g, alu_op(n->op), v, n->rhs, n->scale == 1 ? n->stride : 1);
	store_as(g, v, l, lhs->ty);
	if (lhs->ty->kind == TY_CHAR && used)
		sign_extend_char(g, v);
	if (v != d)
		emit_rr(g, OP_MOV, d, v);
}

/* a && b, a || b: evaluate b only when a does not decide. */
static void gen_logic(struct gen *g, struct node *n, int d)
{
	int is_and = n->kind == N_LOGAND;
	gen_expr(g, n->lhs, d);
	size_t short_cut = emit_jump(g, is_and ? OP_JZ : OP_JNZ, d);
	gen_expr(g, n->rhs, d);
	emit_alui(g, OP_SNE, d, d, 0);
	size_t end = emit_jump(g, OP_JMP, REG_NONE);
	patch_here(g, short_cut);
	emit_li(g, d, is_and ? 0 : 1);
	patch_here(g, end);
}

/* Does evaluating n need registers above its own? */
static int is_leaf(const struct node *n)
{
	return n->kind == N_NUM || (n->kind == N_IDENT && n->ref != REF_NONE);
}

/* Evaluate n into r<d>. */
static void gen_expr(struct gen *g, struct node *n, int d)
{
	if (d > MAX_DEPTH && !is_leaf(n)) {
		/* Out of registers: save the live ones, evaluate from r0. */
		for (int r = 0; r < d; r++)
			push(g, r);
		gen_expr(g, n, R0);
		emit_rr(g, OP_MOV, SCRATCH, R0);
		for (int r = d; r-- > 0;)
			pop(g, r);
		emit_rr(g, OP_MOV, d, SCRATCH);
		return;
	}
	switch (n->kind) {
	case N_NUM:
		emit_li(g, d, n->val);
		break;
	case N_IDENT:
		if (n->ref == REF_FUNC && n->fn->outer)
			gen_closure(g, n->fn, d);
		else if (n->ref == REF_FUNC)
			emit_func_addr(g, OP_LI, d, n->fn);
		else if (n->ty->kind == TY_ARRAY)
			gen_lea(g, d, var_loc(n->var));
		else
			load_as(g, d, gen_loc(g, n, d), n->ty);
		break;
	case N_DEREF: case N_INDEX: case N_MEMBER:
		if (n->ty->kind == TY_ARRAY)
			gen_lea(g, d, gen_loc(g, n, d));        /* an array field: its address */
		else
			load_as(g, d, gen_loc(g, n, d), n->ty);
		break;
	case N_ADDR:
		if (n->lhs->kind == N_IDENT && n->lhs->ref == REF_FUNC && n->lhs->fn->outer)
			gen_closure(g, n->lhs->fn, d);
		else if (n->lhs->kind == N_IDENT && n->lhs->ref == REF_FUNC)
			emit_func_addr(g, OP_LI, d, n->lhs->fn);
		else
			gen_lea(g, d, gen_loc(g, n->lhs, d));
		break;
	case N_UNARY:
		gen_expr(g, n->lhs, d);
		if (n->op == '-')
			emit_rr(g, OP_NEG, d, d);
		else if (n->op == '~')
			emit_rr(g, OP_NOT, d, d);
		else if (n->op == '!')
			emit_alui(g, OP_SEQ, d, d, 0);
		break;
	case N_BINARY:
		if (n->scale == 2) {
			/* int + pointer: scale the int on the left */
			gen_expr(g, n->lhs, d);
			if (n->stride != 1)
				emit_alui(g, OP_MUL, d, d, n->stride);
			gen_expr(g, n->rhs, d + 1);
			emit_alu(g, OP_ADD, d, d, d + 1);
			break;
		}
		gen_expr(g, n->lhs, d);
		gen_apply(g, alu_op(n->op), d, n->rhs, n->scale == 1 ? n->stride : 1);
		if (n->scale == 3 && n->stride != 1)
			emit_alui(g, OP_DIV, d, d, n->stride);
		break;
	case N_LOGAND: case N_LOGOR:
		gen_logic(g, n, d);
		break;
	case N_TERNARY: {
		gen_expr(g, n->cond, d);
		size_t to_else = emit_jump(g, OP_JZ, d);
		gen_expr(g, n->then, d);
		size_t to_end = emit_jump(g, OP_JMP, REG_NONE);
		patch_here(g, to_else);
		gen_expr(g, n->els, d);
		patch_here(g, to_end);
		break;
	}
	case N_ASSIGN:
		gen_assign(g, n, d, 1);
		break;
	case N_PREINC:
		gen_incdec(g, n, d, 0, 1);
		break;
	case N_POSTINC:
		gen_incdec(g, n, d, 1, 1);
		break;
	case N_CALL:
		gen_call(g, n, d);
		break;
	default:
		break;
	}
}

static void gen_stmt(struct gen *g, struct node *n);

/* Evaluate n for its effect alone, its value not needed (a statement). */
static void gen_discarded(struct gen *g, struct node *n)
{
	if (n->kind == N_ASSIGN)
		gen_assign(g, n, R0, 0);
	else if (n->kind == N_PREINC)
		gen_incdec(g, n, R0, 0, 0);
	else
		gen_expr(g, n, R0);
}

/* Close the scopes of the locals a block declared. */
static void end_scope(struct gen *g, struct node *first)
{
	for (struct node *s = first; s; s = s->next) {
		if (s->kind == N_DECL)
			s->var->scope_hi = here(g);
		else if (s->kind == N_BLOCK && s->op)
			end_scope(g, s->body);
	}
}

/* A local's declaration: run its initializer. */
static void gen_decl(struct gen *g, struct var *v)
{
	struct loc l = var_loc(v);
	v->scope_lo = here(g);  /* as in C, a variable is in scope in its initializer */
	if (v->init && (v->init->kind == N_INIT_LIST || v->init->kind == N_STR)) {
		const struct type *elem = v->ty->base;
		int64_t i = 0, es = type_size(elem);
		if (v->init->kind == N_STR) {
			/* char s[] = "text": byte by byte, then the zeros */
			for (; i < (int64_t)v->init->str_len && i < v->ty->len; i++) {
				emit_li(g, R0, (signed char)v->init->str[i]);
				store_as(g, R0, (struct loc){ l.base, l.off + i }, elem);
			}
		} else {
			for (struct node *e = v->init->args; e; e = e->next, i++) {
				gen_expr(g, e, R0);
				store_as(g, R0, (struct loc){ l.base, l.off + i * es }, elem);
			}
		}
		if (i < v->ty->len)
			emit_li(g, R0, 0);
		for (; i < v->ty->len; i++)
			store_as(g, R0, (struct loc){ l.base, l.off + i * es }, elem);
	} else if (v->init) {
		gen_expr(g, v->init, R0);
		store_as(g, R0, l, v->ty);
	}
}

/* Add instruction i to a list of jumps to patch. */
static void add_patch(size_t **v, size_t *n, size_t *cap, size_t i)
{
	*v = xgrow(*v, cap, *n + 1, sizeof **v);
	(*v)[(*n)++] = i;
}

/* Open a loop: its break and continue jumps are patched when it closes. */
static void loop_enter(struct gen *g, struct loop *lp)
{
	memset(lp, 0, sizeof *lp);
	lp->outer = g->loop;
	g->loop = lp;
}

/* Point the loop's continues at the current address. */
static void loop_patch_conts(struct gen *g, struct loop *lp)
{
	for (size_t i = 0; i < lp->nconts; i++)
		patch_here(g, lp->conts[i]);
}

/* Point the loop's breaks at the current address and leave it. */
static void loop_leave(struct gen *g, struct loop *lp)
{
	for (size_t i = 0; i < lp->nbreaks; i++)
		patch_here(g, lp->breaks[i]);
	xfree(lp->breaks);
	xfree(lp->conts);
	g->loop = lp->outer;
}

/* The function's exit: pop the frame and return. */
static void gen_epilogue(struct gen *g)
{
	emit_rr(g, OP_MOV, REG_SP, REG_FP);
	pop(g, REG_FP);
	emit(g, OP_RET, REG_NONE, REG_NONE, REG_NONE, 0);
}

/* Emit a statement. */
static void gen_stmt(struct gen *g, struct node *n)
{
	if (!n)
		return;
	g->line = n->line;
	switch (n->kind) {
	case N_BLOCK:
		for (struct node *s = n->body; s; s = s->next)
			gen_stmt(g, s);
		if (!n->op)
			end_scope(g, n->body);
		break;
	case N_DECL:
		gen_decl(g, n->var);
		break;
	case N_EXPR:
		/* x++ as a statement: its old value is not needed */
		if (n->lhs->kind == N_POSTINC)
			n->lhs->kind = N_PREINC;
		gen_discarded(g, n->lhs);
		break;
	case N_IF: {
		gen_expr(g, n->cond, R0);
		size_t to_else = emit_jump(g, OP_JZ, R0);
		gen_stmt(g, n->then);
		if (n->els) {
			size_t to_end = emit_jump(g, OP_JMP, REG_NONE);
			patch_here(g, to_else);
			gen_stmt(g, n->els);
			patch_here(g, to_end);
		} else {
			patch_here(g, to_else);
		}
		break;
	}
	case N_WHILE: {
		struct loop lp;
		loop_enter(g, &lp);
		uint64_t top = here(g);
		gen_expr(g, n->cond, R0);
		add_patch(&lp.breaks, &lp.nbreaks, &lp.cap_breaks, emit_jump(g, OP_JZ, R0));
		gen_stmt(g, n->body);
		loop_patch_conts(g, &lp);
		g->line = n->line;
		emit(g, OP_JMP, REG_NONE, REG_NONE, REG_NONE, (int64_t)top);
		loop_leave(g, &lp);
		break;
	}
	case N_DO: {
		struct loop lp;
		loop_enter(g, &lp);
		uint64_t top = here(g);
		gen_stmt(g, n->body);
		loop_patch_conts(g, &lp);
		g->line = n->cond->line;
		gen_expr(g, n->cond, R0);
		emit(g, OP_JNZ, REG_NONE, R0, REG_NONE, (int64_t)top);
		loop_leave(g, &lp);
		break;
	}
	case N_FOR: {
		struct loop lp;
		gen_stmt(g, n->init);
		loop_enter(g, &lp);
		g->line = n->line;
		uint64_t top = here(g);
		if (n->cond) {
			gen_expr(g, n->cond, R0);
			add_patch(&lp.breaks, &lp.nbreaks, &lp.cap_breaks, emit_jump(g, OP_JZ, R0));
		}
		gen_stmt(g, n->body);
		loop_patch_conts(g, &lp);
		g->line = n->line;
		if (n->inc) {
			if (n->inc->kind == N_POSTINC)
				n->inc->kind = N_PREINC;
			gen_discarded(g, n->inc);
		}
		emit(g, OP_JMP, REG_NONE, REG_NONE, REG_NONE, (int64_t)top);
		loop_leave(g, &lp);
		if (n->init && n->init->kind == N_DECL)
			n->init->var->scope_hi = here(g);
		else if (n->init && n->init->kind == N_BLOCK)
			end_scope(g, n->init->body);
		break;
	}
	case N_BREAK:
		add_patch(&g->loop->breaks, &g->loop->nbreaks, &g->loop->cap_breaks,
			  emit_jump(g, OP_JMP, REG_NONE));
		break;
	case N_CONTINUE:
		add_patch(&g->loop->conts, &g->loop->nconts, &g->loop->cap_conts,
			  emit_jump(g, OP_JMP, REG_NONE));
		break;
	case N_RETURN:
		if (n->lhs)
			gen_expr(g, n->lhs, R0);
		if (n->lhs && g->fn->ret->kind == TY_CHAR)
			sign_extend_char(g, R0);        /* what a char function returns */
		gen_epilogue(g);
		break;
	default:
		break;
	}
}

/* Does the statement list end in a return? */
static int ends_in_return(const struct node *body)
{
	const struct node *last = NULL;
	for (const struct node *s = body; s; s = s->next)
		last = s;
	return last && last->kind == N_RETURN;
}

/* Emit a function: prologue, body, and a fall-through return. */
static void gen_func(struct gen *g, struct func *fn)
{
	g->fn = fn;
	fn->addr = here(g);
	g->line = fn->line;
	push(g, REG_FP);
	emit_rr(g, OP_MOV, REG_FP, REG_SP);
	if (fn->frame_size)
		emit_alui(g, OP_SUB, REG_SP, REG_SP, fn->frame_size);
	if (fn->env) {
		/* a closure's function: keep the environment the call brought */
		fn->env->scope_lo = here(g);
		store(g, ENV_REG, var_loc(fn->env));
	}
	for (struct node *s = fn->body->body; s; s = s->next)
		gen_stmt(g, s);
	end_scope(g, fn->body->body);
	if (!ends_in_return(fn->body->body)) {
		g->line = fn->end_line;
		if (fn->ret->kind != TY_VOID)
			emit_li(g, R0, 0);
		gen_epilogue(g);
	}
	fn->end = here(g);
	if (fn->env)
		fn->env->scope_hi = fn->end;
	g->fn = NULL;
}

/* Give every global its address (or TLS offset). */
static void layout_globals(struct gen *g)
{
	struct program *prog = g->prog;
	uint64_t data = 0, bss = 0;
	for (size_t i = 0; i < prog->nglobals; i++) {
		struct var *v = prog->globals[i];
		/* each global starts at a word, whatever its size */
		uint64_t size = ((uint64_t)type_size(v->ty) + WORD - 1) / WORD * WORD;
		if (v->is_tls) {
			v->seg = SEG_TLS;
			v->offset = (int64_t)g->tls_size;
			g->tls_size += size;
		} else if (v->is_const) {
			v->seg = SEG_RODATA;
			v->addr = RODATA_BASE + g->rodata.len;
			for (uint64_t j = 0; j < size; j++)
				buf_putc(&g->rodata, 0);
		} else if (v->init) {
			v->seg = SEG_DATA;
			v->addr = data;
			data += size;
		} else {
			v->seg = SEG_BSS;
			v->addr = bss;
			bss += size;
		}
	}
	g->img->data_size = data;
	g->img->bss_addr = DATA_BASE + data;
	g->img->bss_size = bss;
	for (size_t i = 0; i < prog->nglobals; i++) {
		struct var *v = prog->globals[i];
		if (v->seg == SEG_DATA)
			v->addr += DATA_BASE;
		else if (v->seg == SEG_BSS)
			v->addr += g->img->bss_addr;
	}
}

/* The value a folded constant stands for, now that addresses are known. */
static int64_t cval_value(const struct cval *c)
{
	int64_t v = c->num;
	if (c->var)
		v += (int64_t)c->var->addr;
	if (c->fn)
		v += (int64_t)c->fn->addr;
	return v;
}

/* Store v at p as n little-endian bytes. */
static void put_bytes(uint8_t *p, int64_t v, int n)
{
	uint64_t u = (uint64_t)v;
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(u >> (8 * i));
}

/* Store v at p as 8 little-endian bytes. */
static void put_word(uint8_t *p, int64_t v)
{
	put_bytes(p, v, WORD);
}

/* Write the initial values of the globals into rodata, data and TLS. */
static void fill_globals(struct gen *g)
{
	struct image *img = g->img;
	img->data = xcalloc(img->data_size ? img->data_size : 1, 1);
	img->tls = xcalloc(g->tls_size ? g->tls_size : 1, 1);
	img->tls_size = g->tls_size;
	for (size_t i = 0; i < g->prog->nglobals; i++) {
		struct var *v = g->prog->globals[i];
		uint8_t *base;
		switch (v->seg) {
		case SEG_RODATA: base = img->rodata + (v->addr - RODATA_BASE); break;
		case SEG_DATA: base = img->data + (v->addr - DATA_BASE); break;
		case SEG_TLS: base = img->tls + v->offset; break;
		default: continue;
		}
		const struct type *elem = v->ty->kind == TY_ARRAY ? v->ty->base : v->ty;
		int64_t es = type_size(elem);
		for (int64_t j = 0; j < v->ncvals; j++)
			put_bytes(base + j * es, cval_value(&v->cvals[j]), es < WORD ? (int)es : WORD);
	}
}

struct pool {
	struct gen *g;
	int64_t *v;
	size_t n, cap;
	size_t *slots;          /* hash of values to index + 1 */
	size_t nslots;
};

/* Index of value in the literal pool, adding it if new. */
static uint32_t pool_index(void *ctx, int64_t value)
{
	struct pool *p = ctx;
	if (p->n * 2 >= p->nslots) {
		size_t n = p->nslots ? p->nslots * 2 : 64;
		size_t *slots = xcalloc(n, sizeof *slots);
		for (size_t i = 0; i < p->n; i++) {
			size_t h = (size_t)((uint64_t)p->v[i] * 0x9e3779b97f4a7c15u) & (n - 1);
			while (slots[h])
				h = (h + 1) & (n - 1);
			slots[h] = i + 1;
		}
		xfree(p->slots);
		p->slots = slots;
		p->nslots = n;
	}
	size_t h = (size_t)((uint64_t)value * 0x9e3779b97f4a7c15u) & (p->nslots - 1);
	while (p->slots[h]) {
		if (p->v[p->slots[h] - 1] == value)
			return (uint32_t)(p->slots[h] - 1);
		h = (h + 1) & (p->nslots - 1);
	}
	p->v = xgrow(p->v, &p->cap, p->n + 1, sizeof *p->v);
	p->v[p->n] = value;
	p->slots[h] = ++p->n;
	return (uint32_t)(p->n - 1);
}

/* Encode the code; wide immediates go to the literal pool after rodata. */
static void encode(struct gen *g)
{
	struct image *img = g->img;
	struct pool pool = { .g = g };
	img->words = xmalloc(img->ncode * sizeof *img->words + 1);
	for (size_t i = 0; i < img->ncode; i++)
		img->words[i] = isa_encode(&img->code[i], CODE_BASE + i * INSN_SIZE,
					   pool_index, &pool);
	while (g->rodata.len % WORD)
		buf_putc(&g->rodata, 0);
	img->pool_addr = RODATA_BASE + g->rodata.len;
	for (size_t i = 0; i < pool.n; i++) {
		uint8_t w[8];
		put_word(w, pool.v[i]);
		buf_put(&g->rodata, (const char *)w, 8);
	}
	img->pool = pool.v;
	img->npool = pool.n;
	xfree(pool.slots);
}

/* A type as C writes it, as a new string: "int *". */
static char *type_string(const struct type *t)
{
	struct buf b = { 0 };
	type_format(&b, t);
	return buf_take(&b);
}

/* A function's type as C writes it: "void (int, int *)". */
static char *func_type(const struct func *fn)
{
	struct buf b = { 0 };
	if (fn->ret)
		type_format(&b, fn->ret);
	else
		buf_puts(&b, "void");
	buf_puts(&b, " (");
	for (int i = 0; i < fn->nparams; i++) {
		if (i)
			buf_puts(&b, ", ");
		type_format(&b, fn->params[i]->ty);
	}
	buf_puts(&b, ")");
	return buf_take(&b);
}

/* Append a symbol to the image's table, which keeps type (not a copy). */
static void add_sym(struct image *img, size_t *cap, const char *name, enum sym_kind kind,
		    enum seg seg, uint64_t addr, uint64_t size, char *type, int line)
{
	img->syms = xgrow(img->syms, cap, img->nsyms + 1, sizeof *img->syms);
	img->syms[img->nsyms++] = (struct img_sym){ xstrdup(name), kind, seg, addr, size,
						    type, line };
}

/* Symbols in memory order: by segment, then address. */
static int sym_order(const void *a, const void *b)
{
	const struct img_sym *x = a, *y = b;
	if (x->seg != y->seg)
		return x->seg < y->seg ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Build the symbol table and the functions' frame descriptions. */
static void tables(struct gen *g, struct func **funcs, size_t nfuncs)
{
	struct image *img = g->img;
	size_t cap = 0;
	img->funcs = xcalloc(nfuncs, sizeof *img->funcs);
	img->nfuncs = nfuncs;
	for (size_t i = 0; i < nfuncs; i++) {
		struct func *fn = funcs[i];
		struct img_func *f = &img->funcs[i];
		f->name = xstrdup(fn->name);
		f->addr = fn->addr;
		f->end = fn->end;
		f->nparams = fn->nparams;
		f->frame_size = fn->frame_size;
		f->returns_value = fn->ret && fn->ret->kind != TY_VOID;
		f->line = fn->line;
		size_t n = (size_t)fn->nparams;
		for (struct var *v = fn->locals; v; v = v->next)
			n++;
		f->vars = xcalloc(n ? n : 1, sizeof *f->vars);
		for (int j = 0; j < fn->nparams; j++) {
			struct var *v = fn->params[j];
			f->vars[f->nvars++] = (struct img_var){ xstrdup(v->name), type_string(v->ty),
								v->offset, WORD, fn->addr, fn->end, 1 };
		}
		for (struct var *v = fn->locals; v; v = v->next)
			f->vars[f->nvars++] = (struct img_var){ xstrdup(v->name), type_string(v->ty),
								v->offset, (uint64_t)type_size(v->ty),
								v->scope_lo, v->scope_hi, 0 };
		if (fn->env) {
			f->env_offset = fn->env->offset;
			f->captures = xcalloc((size_t)fn->ncaptures + 1, sizeof *f->captures);
			for (int j = 0; j < fn->ncaptures; j++)
				f->captures[j] = xstrdup(fn->captures[j]->name);
			f->ncaptures = (size_t)fn->ncaptures;
		}
		add_sym(img, &cap, fn->name, SYM_FUNC, SEG_CODE, fn->addr, fn->end - fn->addr,
			func_type(fn), fn->line);
	}
	for (size_t i = 0; i < g->prog->nglobals; i++) {
		struct var *v = g->prog->globals[i];
		struct type *elem = v->ty->kind == TY_ARRAY ? v->ty->base : v->ty;
		enum sym_kind kind = v->is_tls ? SYM_TLS : v->is_const ? SYM_CONST :
				     elem->kind == TY_MUTEX ? SYM_MUTEX :
				     elem->kind == TY_SEM ? SYM_SEM :
				     elem->kind == TY_COND ? SYM_COND : SYM_VAR;
		uint64_t addr = v->is_tls ? (uint64_t)v->offset : v->addr;
		add_sym(img, &cap, v->name, kind, v->seg, addr, (uint64_t)type_size(v->ty),
			type_string(v->ty), v->line);
	}
	for (size_t i = 0; i < g->nstrs; i++) {
		char name[32];
		snprintf(name, sizeof name, ".str%zu", i + 1);
		add_sym(img, &cap, name, SYM_STRING, SEG_RODATA, g->strs[i].addr,
			g->strs[i].len + 1, xstrdup("string"), 0);
	}
	if (img->npool)
		add_sym(img, &cap, ".literals", SYM_POOL, SEG_RODATA, img->pool_addr,
			img->npool * WORD, xstrdup("int[]"), 0);
	qsort(img->syms, img->nsyms, sizeof *img->syms, sym_order);
}

/* The image's table of the named structs and unions that are laid out. */
static void struct_table(struct gen *g)
{
	struct image *img = g->img;
	size_t n = 0;
	for (struct sdef *sd = g->prog->structs; sd; sd = sd->next)
		n += sd->tag && sd->laid_out;
	img->structs = xcalloc(n ? n : 1, sizeof *img->structs);
	for (struct sdef *sd = g->prog->structs; sd; sd = sd->next) {
		if (!sd->tag || !sd->laid_out)
			continue;
		struct img_struct *st = &img->structs[img->nstructs++];
		struct type t = { .kind = TY_STRUCT, .sdef = sd };
		st->type = type_string(&t);
		st->is_union = sd->is_union;
		st->fields = xcalloc((size_t)sd->nfields + 1, sizeof *st->fields);
		for (struct field *f = sd->fields; f; f = f->next)
			st->fields[st->nfields++] = (struct img_field){ xstrdup(f->name),
				type_string(f->ty), (uint64_t)f->offset, (uint64_t)type_size(f->ty) };
	}
}

/* Functions in address order. */
static int by_addr(const void *a, const void *b)
{
	const struct func *x = *(struct func *const *)a, *y = *(struct func *const *)b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Compile the checked program into an image. */
struct image *codegen(struct program *prog, struct diags *d)
{
	struct gen g = { .prog = prog, .d = d };
	struct image *img = g.img = xcalloc(1, sizeof *img);
	layout_globals(&g);

	/* The runtime: _start calls main and exits with what it returns;
	 * a spawned thread's entry function returns into thread_exit (and a
	 * coroutine's into co_return, below). */
	struct func start = { .name = "_start" }, texit = { .name = "thread_exit" };
	struct func *main_fn = NULL;
	for (size_t i = 0; i < prog->nfuncs; i++)
		if (!prog->funcs[i]->outer && strcmp(prog->funcs[i]->name, "main") == 0)
			main_fn = prog->funcs[i];
	start.addr = here(&g);
	emit_func_addr(&g, OP_CALL, REG_NONE, main_fn);
	if (main_fn->ret->kind == TY_VOID)
		emit_li(&g, R0, 0);     /* void main() exits with 0 */
	push(&g, R0);
	emit(&g, OP_SYS, REG_NONE, REG_NONE, 1, BI_EXIT);
	start.end = here(&g);
	texit.addr = here(&g);
	push(&g, R0);
	emit(&g, OP_SYS, REG_NONE, REG_NONE, 1, BI_THREAD_EXIT);
	texit.end = here(&g);

	for (size_t i = 0; i < prog->nfuncs; i++)
		gen_func(&g, prog->funcs[i]);

	/* A coroutine's function returns into co_return, which finishes the
	 * coroutine.  Only a program that creates coroutines has it, after
	 * its own functions, so that no other address moves. */
	struct func coret = { .name = "co_return" };
	if (g.uses_coroutines) {
		g.line = 0;
		coret.addr = here(&g);
		push(&g, R0);
		emit(&g, OP_SYS, REG_NONE, REG_NONE, 1, BI_CO_RETURN);
		coret.end = here(&g);
	}
	/* A worker of the coroutine runtime loops in go_worker: go_next
	 * resumes the next ready coroutine, which comes back here when it
	 * returns, yields or parks. */
	struct func gow = { .name = "go_worker" };
	if (g.uses_runtime) {
		gow.addr = here(&g);
		emit(&g, OP_SYS, REG_NONE, REG_NONE, 0, BI_GO_NEXT);
		emit(&g, OP_JMP, REG_NONE, REG_NONE, REG_NONE, (int64_t)gow.addr);
		gow.end = here(&g);
	}

	for (size_t i = 0; i < g.nfixups; i++)
		img->code[g.fixups[i].insn].imm = (int64_t)g.fixups[i].fn->addr;
	xfree(g.fixups);

	img->entry = start.addr;
	img->thread_exit = texit.addr;
	img->co_return = coret.addr;
	img->go_worker = gow.addr;
	img->main_addr = main_fn->addr;
	img->errno_off = -1;
	for (size_t i = 0; i < prog->nglobals; i++)
		if (prog->globals[i]->is_tls && strcmp(prog->globals[i]->name, "errno") == 0)
			img->errno_off = prog->globals[i]->offset;

	size_t nfuncs = prog->nfuncs + 2 + (g.uses_coroutines ? 1 : 0) + (g.uses_runtime ? 1 : 0);
	struct func **all = xmalloc(nfuncs * sizeof *all);
	all[0] = &start;
	all[1] = &texit;
	memcpy(all + 2, prog->funcs, prog->nfuncs * sizeof *all);
	if (g.uses_coroutines)
		all[nfuncs - 1 - (g.uses_runtime ? 1 : 0)] = &coret;
	if (g.uses_runtime)
		all[nfuncs - 1] = &gow;
	qsort(all, nfuncs, sizeof *all, by_addr);

	encode(&g);
	img->rodata_size = g.rodata.len;
	img->rodata = (uint8_t *)buf_take(&g.rodata);
	fill_globals(&g);
	tables(&g, all, nfuncs);
	struct_table(&g);
	xfree(all);
	xfree(g.strs);

	const char *too_big = NULL;
	unsigned limit = SEGMENT_MAX;
	if (img->npool > MAX_POOL) {
		diag_add(d, DIAG_ERROR, 0, 0, "program too large: more than %d distinct constants "
					     "that do not fit in an instruction", MAX_POOL);
		image_free(img);
		return NULL;
	}
	if (img->ncode * INSN_SIZE > SEGMENT_MAX)
		too_big = "code";
	else if (img->rodata_size > SEGMENT_MAX)
		too_big = "read-only data";
	else if (img->data_size + img->bss_size > SEGMENT_MAX)
		too_big = "global variables";
	else if (img->tls_size > MAX_TLS)
		too_big = "thread_local variables", limit = MAX_TLS;
	if (too_big) {
		diag_add(d, DIAG_ERROR, 0, 0, "program too large: more than %u bytes of %s",
			 limit, too_big);
		image_free(img);
		return NULL;
	}
	return img;
}
