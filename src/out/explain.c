/* explain: each event as a short sentence a student reads — what the
 * instruction did to which variable, who waits for whom, how it ended. */
#include "io_text.h"
#include "explain.h"

#include "../i18n.h"
#include "../lang/ast.h"
#include "../sim/closure.h"
#include "../sim/container.h"
#include "../sim/coro.h"
#include "../sim/service.h"
#include "trace.h"

/* Whether the sentences are said in the reader's language: the screen
 * asks for it; the exports, the quiz's grading and the tests never do. */
static int translated;

void explain_translate(int on)
{
	translated = on;
}

int explain_translating(void)
{
	return translated;
}


/* s in the reader's language when the screen asked for it, else s. */
#define T_(s) (translated ? gettext(s) : (s))
/* The same for a count: s when n is 1, p otherwise, in English. */
#define TN_(s, p, n) (translated ? ngettext(s, p, (unsigned long)(n)) : (n) == 1 ? (s) : (p))
/* An instruction's phrase: explain's own %s and %o in it, not printf's. */
#define NX_(s) (s)

/* What a sentence is about: the event, the machine that sent it (as it
 * is when it sends it) and the event's thread. */
struct say {
	const struct scenario *sc;
	const struct machine *m;
	const struct event *e;
	const struct thread *t;         /* the event's thread, or NULL */
	struct buf *b;
};

/* The process whose memory s's event is about. */
static int say_pid(const struct say *s)
{
	return s->e->pid ? s->e->pid : 1;
}

/* Take back what was appended to s's sentence since at, as a string the
 * caller frees: a piece to put in a translated sentence where its words
 * want it. */
static char *take_tail(const struct say *s, size_t at)
{
	char *t = xstrdup(s->b->s + at);
	s->b->len = at;
	s->b->s[at] = 0;
	return t;
}

/* Append "0x..." for an address. */
static void put_hex(struct buf *b, uint64_t v)
{
	buf_printf(b, "0x%llx", (unsigned long long)v);
}

/* Append "tick" or "ticks" after n. */
static void put_ticks(struct buf *b, int64_t n)
{
	buf_printf(b, TN_("%lld tick", "%lld ticks", n), (long long)n);
}

/* Start the sentence with its thread: "T2 " (nothing without one). */
static void subject(const struct say *s)
{
	if (s->e->tid)
		/* TRANSLATORS: the thread that does what the sentence says */
		buf_printf(s->b, T_("T%d "), s->e->tid);
}

/* Append " (line N)" when the line is known. */
static void put_line(struct buf *b, int line)
{
	if (line)
		buf_printf(b, T_(" (line %d)"), line);
}

/* Append a name for the word at addr that e's instruction reached: a
 * local ("i"), a global ("counter", "buf[2]"), the thread's own copy of
 * a thread_local ("calls"); else the address and what holds it
 * ("0x601010 (heap)"). */
static void put_place(const struct say *s, uint64_t addr)
{
	const struct img_var *v = trace_local(s->sc, s->m, s->e, addr);
	if (v) {
		buf_puts(s->b, v->name);
		return;
	}
	if (s->t && s->e->insn && s->e->insn->rs == REG_TP && addr >= s->t->tls &&
	    image_describe(s->sc->image, addr - s->t->tls, 1, s->b))
		return;
	if (image_describe(s->sc->image, addr, 0, s->b))
		return;
	trace_addr(s->sc, s->m, say_pid(s), addr, s->b);
}

/* Append a synchronisation object: "mutex m", "semaphore 0x601010 (heap)". */
static void put_object(const struct say *s, const char *kind, uint64_t addr)
{
	buf_printf(s->b, "%s ", kind);
	put_place(s, addr);
}

/* Append a value, with what it points to when it is the address of a
 * function or a global: "0x400014 (worker)". */
static void put_value(const struct say *s, int64_t v)
{
	trace_value(s->b, v);
	if (v < CODE_BASE)
		return;
	size_t at = s->b->len;
	buf_puts(s->b, " (");
	if (image_describe(s->sc->image, (uint64_t)v, 0, s->b)) {
		buf_putc(s->b, ')');
	} else {
		s->b->len = at;         /* nothing known: take " (" back */
		s->b->s[at] = 0;
	}
}

/* Append "r0 = 3": the register e wrote and its value. */
static void put_result(const struct say *s)
{
	buf_printf(s->b, "%s = ", isa_reg_name(s->e->reg));
	put_value(s, s->e->regval);
}

/* Append where code at addr is: "line 12", else "worker+8" or the address. */
static void put_code(const struct say *s, uint64_t addr)
{
	int line = image_line(s->sc->image, addr);
	if (line)
		buf_printf(s->b, T_("line %d"), line);
	else if (!image_describe(s->sc->image, addr, 0, s->b))
		put_hex(s->b, addr);
}

/* Append the function that starts at addr, or the address. */
static void put_func(const struct say *s, uint64_t addr)
{
	const struct img_func *f = image_func_at(s->sc->image, addr);
	if (f && f->addr == addr)
		buf_puts(s->b, f->name);
	else
		put_code(s, addr);
}

struct exec_phrase;

/* Say what an instruction did, after its subject. */
typedef void exec_say_fn(const struct say *s, const struct exec_phrase *p);

/* How to say what an opcode did.  For an ALU instruction, %s in text is
 * the source register and %o the operand (a register or the
 * immediate); for the others text is a printf format taking the
 * pieces its function says. */
struct exec_phrase {
	exec_say_fn *say;
	const char *text;
	const char *same;       /* text when the result goes back to the source register */
	int truth;              /* a comparison: say whether it held */
};

/* Append an ALU or register-to-register instruction: "adds 1: r0 = 3". */
static void say_alu(const struct say *s, const struct exec_phrase *p)
{
	const struct insn *in = s->e->insn;
	const char *t = T_(in->rs == in->rd && p->same ? p->same : p->text);
	for (; *t; t++) {
		if (*t != '%' || (t[1] != 's' && t[1] != 'o')) {
			buf_putc(s->b, *t);
			continue;
		}
		if (*++t == 's')
			buf_puts(s->b, isa_reg_name(in->rs));
		else if (in->rt == REG_NONE)
			trace_value(s->b, in->imm);
		else
			buf_puts(s->b, isa_reg_name(in->rt));
	}
	buf_puts(s->b, ": ");
	put_result(s);
	if (p->truth)
		buf_puts(s->b, s->e->regval ? T_(" (true)") : T_(" (false)"));
}

/* Append li: "sets r0 = 5". */
static void say_li(const struct say *s, const struct exec_phrase *p)
{
	size_t at = s->b->len;
	put_result(s);
	char *r = take_tail(s, at);
	buf_printf(s->b, T_(p->text), r);
	xfree(r);
}

/* Append lea: "takes the address of counter: r0 = 0x600000". */
static void say_lea(const struct say *s, const struct exec_phrase *p)
{
	size_t at = s->b->len;
	put_place(s, (uint64_t)s->e->regval);
	char *place = take_tail(s, at);
	buf_printf(s->b, "%s = ", isa_reg_name(s->e->reg));
	trace_value(s->b, s->e->regval);
	char *r = take_tail(s, at);
	buf_printf(s->b, T_(p->text), place, r);
	xfree(place);
	xfree(r);
}

/* Append ld: "loads counter = 2 into r0". */
static void say_load(const struct say *s, const struct exec_phrase *p)
{
	size_t at = s->b->len;
	put_place(s, s->e->raddr);
	buf_puts(s->b, " = ");
	put_value(s, s->e->rval);
	char *what = take_tail(s, at);
	buf_printf(s->b, T_(p->text), what, isa_reg_name(s->e->reg));
	xfree(what);
}

/* Append st: "stores r0 = 3 into counter". */
static void say_store(const struct say *s, const struct exec_phrase *p)
{
	size_t at = s->b->len;
	buf_printf(s->b, "%s = ", isa_reg_name(s->e->insn->rd));
	put_value(s, s->e->wval);
	char *what = take_tail(s, at);
	put_place(s, s->e->waddr);
	char *where = take_tail(s, at);
	buf_printf(s->b, T_(p->text), what, where);
	xfree(what);
	xfree(where);
}

/* Append jmp: "jumps to line 12", "jumps back to line 9". */
static void say_jump(const struct say *s, const struct exec_phrase *p)
{
	uint64_t to = (uint64_t)s->e->insn->imm;
	size_t at = s->b->len;
	put_code(s, to);
	char *where = take_tail(s, at);
	buf_printf(s->b, to <= s->e->pc ? T_("jumps back to %s") : T_("jumps to %s"), where);
	xfree(where);
}

/* Append jz or jnz, taken or not: the thread's pc already says where it
 * went.  "jumps to line 14 (r0 is 0)", "does not jump (r0 is 3, not 0)". */
static void say_branch(const struct say *s, const struct exec_phrase *p)
{
	const struct insn *in = s->e->insn;
	uint64_t to = (uint64_t)in->imm;
	if (!s->t || to == s->e->pc + INSN_SIZE) {
		buf_printf(s->b, T_("tests %s (%s)"), isa_reg_name(in->rs), T_(p->text));
		return;
	}
	if (s->t->pc == to) {
		size_t at = s->b->len;
		put_code(s, to);
		char *where = take_tail(s, at);
		buf_printf(s->b, to <= s->e->pc ? T_("jumps back to %s") : T_("jumps to %s"), where);
		xfree(where);
	} else {
		buf_puts(s->b, T_("does not jump"));
	}
	int64_t v = s->t->r[in->rs & 15];
	buf_printf(s->b, T_(" (%s is %lld%s)"), isa_reg_name(in->rs), (long long)v,
		   v ? T_(", not 0") : "");
}

/* Append call: "calls worker". */
static void say_call(const struct say *s, const struct exec_phrase *p)
{
	const struct insn *in = s->e->insn;
	size_t at = s->b->len;
	if (in->op == OP_CALL) {
		put_func(s, (uint64_t)in->imm);
		char *f = take_tail(s, at);
		buf_printf(s->b, T_(p->text), f);
		xfree(f);
	} else if (s->t && s->e->reg == CLOSURE_ENV_REG) {
		put_func(s, s->t->pc);
		char *f = take_tail(s, at);
		buf_printf(s->b, T_("calls %s, the closure in %s: its environment 0x%llx goes in %s"),
			   f, isa_reg_name(in->rs), (unsigned long long)s->e->regval,
			   isa_reg_name(CLOSURE_ENV_REG));
		xfree(f);
	} else if (s->t) {
		put_func(s, s->t->pc);
		char *f = take_tail(s, at);
		buf_printf(s->b, T_("calls %s (its address in %s)"), f, isa_reg_name(in->rs));
		xfree(f);
	} else {
		buf_printf(s->b, T_("calls the function at %s"), isa_reg_name(in->rs));
	}
}

/* Append ret: "returns 0 from worker to main". */
static void say_ret(const struct say *s, const struct exec_phrase *p)
{
	const struct img_func *f = image_func_at(s->sc->image, s->e->pc);
	const struct img_func *to = s->t ? image_func_at(s->sc->image, s->t->pc) : NULL;
	buf_puts(s->b, T_(p->text));
	if (f && f->returns_value && s->t) {
		buf_putc(s->b, ' ');
		put_value(s, s->t->r[R0]);
	}
	if (f)
		buf_printf(s->b, T_(" from %s"), f->name);
	if (to && to->line)     /* not into the runtime's own code */
		buf_printf(s->b, T_(" to %s"), to->name);
}

/* Append push: "pushes r0 = 3 onto its stack". */
static void say_push(const struct say *s, const struct exec_phrase *p)
{
	size_t at = s->b->len;
	buf_printf(s->b, "%s = ", isa_reg_name(s->e->insn->rs));
	put_value(s, s->e->wval);
	char *what = take_tail(s, at);
	buf_printf(s->b, T_(p->text), what);
	xfree(what);
}

/* Append pop: "pops fp = 0x7fffeff0 off its stack". */
static void say_pop(const struct say *s, const struct exec_phrase *p)
{
	size_t at = s->b->len;
	put_result(s);
	char *what = take_tail(s, at);
	buf_printf(s->b, T_(p->text), what);
	xfree(what);
}

/* Append sys: "calls spawn" (what it did follows as its own events). */
static void say_sys(const struct say *s, const struct exec_phrase *p)
{
	int64_t bi = s->e->insn->imm;
	if (bi >= 0 && bi < BI_COUNT)
		buf_printf(s->b, T_(p->text), isa_builtins[bi].name);
	else
		buf_printf(s->b, T_("calls builtin %lld"), (long long)bi);
}

/* Append an instruction said in words alone: "does nothing (nop)". */
static void say_text(const struct say *s, const struct exec_phrase *p)
{
	buf_puts(s->b, T_(p->text));
}

/* What each opcode did, in words. */
static const struct exec_phrase exec_phrases[OP_COUNT] = {
	[OP_NOP]   = { say_text, N_("does nothing (nop)"), NULL, 0 },
	[OP_LI]    = { say_li, N_("sets %s"), NULL, 0 },
	[OP_MOV]   = { say_alu, NX_("copies %s"), NULL, 0 },
	[OP_NEG]   = { say_alu, NX_("negates %s"), NULL, 0 },
	[OP_NOT]   = { say_alu, NX_("flips the bits of %s"), NULL, 0 },
	[OP_ADD]   = { say_alu, NX_("adds %o to %s"), NX_("adds %o"), 0 },
	[OP_SUB]   = { say_alu, NX_("subtracts %o from %s"), NX_("subtracts %o"), 0 },
	[OP_MUL]   = { say_alu, NX_("multiplies %s by %o"), NX_("multiplies by %o"), 0 },
	[OP_DIV]   = { say_alu, NX_("divides %s by %o"), NX_("divides by %o"), 0 },
	[OP_MOD]   = { say_alu, NX_("takes %s modulo %o"), NX_("takes modulo %o"), 0 },
	[OP_AND]   = { say_alu, NX_("ands %s with %o"), NX_("ands with %o"), 0 },
	[OP_OR]    = { say_alu, NX_("ors %s with %o"), NX_("ors with %o"), 0 },
	[OP_XOR]   = { say_alu, NX_("xors %s with %o"), NX_("xors with %o"), 0 },
	[OP_SHL]   = { say_alu, NX_("shifts %s left by %o"), NX_("shifts left by %o"), 0 },
	[OP_SHR]   = { say_alu, NX_("shifts %s right by %o"), NX_("shifts right by %o"), 0 },
	[OP_SEQ]   = { say_alu, NX_("compares %s == %o"), NULL, 1 },
	[OP_SNE]   = { say_alu, NX_("compares %s != %o"), NULL, 1 },
	[OP_SLT]   = { say_alu, NX_("compares %s < %o"), NULL, 1 },
	[OP_SLE]   = { say_alu, NX_("compares %s <= %o"), NULL, 1 },
	[OP_SGT]   = { say_alu, NX_("compares %s > %o"), NULL, 1 },
	[OP_SGE]   = { say_alu, NX_("compares %s >= %o"), NULL, 1 },
	[OP_LD]    = { say_load, N_("loads %s into %s"), NULL, 0 },
	[OP_ST]    = { say_store, N_("stores %s into %s"), NULL, 0 },
	[OP_LEA]   = { say_lea, N_("takes the address of %s: %s"), NULL, 0 },
	[OP_JMP]   = { say_jump, "jumps", NULL, 0 },
	[OP_JZ]    = { say_branch, N_("jumps if it is 0"), NULL, 0 },
	[OP_JNZ]   = { say_branch, N_("jumps if it is not 0"), NULL, 0 },
	[OP_CALL]  = { say_call, N_("calls %s"), NULL, 0 },
	[OP_CALLR] = { say_call, N_("calls %s"), NULL, 0 },
	[OP_RET]   = { say_ret, N_("returns"), NULL, 0 },
	[OP_PUSH]  = { say_push, N_("pushes %s onto its stack"), NULL, 0 },
	[OP_POP]   = { say_pop, N_("pops %s off its stack"), NULL, 0 },
	[OP_SYS]   = { say_sys, N_("calls %s"), NULL, 0 },
	[OP_LDB]   = { say_load, N_("loads the byte %s into %s"), NULL, 0 },
	[OP_STB]   = { say_store, N_("stores the low byte of %s into %s"), NULL, 0 },
};

/* An instruction ran. */
static void say_exec(const struct say *s)
{
	const struct insn *in = s->e->insn;
	subject(s);
	if (!in || in->op >= OP_COUNT || !exec_phrases[in->op].say) {
		buf_puts(s->b, T_("runs an instruction"));
		return;
	}
	exec_phrases[in->op].say(s, &exec_phrases[in->op]);
}

/* Append a context as a switch shows it: "(pc 0x400018 at line 26, sp
 * 0x7ffeffd0, r0 3)"; registers only for a saved one. */
static void put_context(const struct say *s, const struct context *c, int regs)
{
	int line = image_line(s->sc->image, c->pc);
	buf_puts(s->b, "(pc ");
	put_hex(s->b, c->pc);
	if (line)
		buf_printf(s->b, T_(" at line %d"), line);
	if (regs) {
		buf_puts(s->b, ", sp ");
		put_hex(s->b, c->sp);
		buf_puts(s->b, ", r0 ");
		trace_value(s->b, c->r[R0]);
	}
	buf_putc(s->b, ')');
}

/* A core saved one context and restored another:
 * "CPU0: T2's context saved (...); T3's restored (...)". */
static void say_switch(const struct say *s)
{
	const struct event *e = s->e;
	int saved = e->other && e->from && e->a != SW_EXIT;
	buf_printf(s->b, "CPU%d: ", e->core);
	if (saved) {
		buf_printf(s->b, T_("T%d's context saved "), e->other);
		put_context(s, e->from, 1);
	} else if (e->other) {
		buf_printf(s->b, T_("T%d has ended"), e->other);
	}
	if (e->tid && e->to) {
		if (e->other)
			buf_puts(s->b, "; ");
		buf_printf(s->b, saved ? T_("T%d's restored ") : T_("T%d's context restored "),
			   e->tid);
		put_context(s, e->to, 0);
	} else {
		buf_puts(s->b, e->other ? T_("; the core goes idle") : T_("the core is idle"));
	}
	if (e->space)
		buf_puts(s->b, e->b ? T_("; another process: the address space changes too") :
			 T_("; another process: the address space changes"));
	if (e->b) {
		size_t at = s->b->len;
		put_ticks(s->b, e->b);
		char *n = take_tail(s, at);
		buf_printf(s->b, T_(", the switch takes %s"), n);
		xfree(n);
	}
}

/* Who takes a core from a thread, by scheduling policy. */
static const char *const preempted_by[POLICY_COUNT] = {
	[POLICY_RR] = N_("timer interrupt"),
	[POLICY_FIFO] = N_("the scheduler"),
	[POLICY_PRIORITY] = N_("the scheduler"),
	[POLICY_RANDOM] = N_("the random scheduler"),
	[POLICY_SCRIPT] = N_("the schedule script"),
};

/* "timer interrupt: T2 preempted after 2 ticks" */
static void say_preempt(const struct say *s)
{
	int p = s->m->cfg->policy;
	size_t at = s->b->len;
	put_ticks(s->b, s->e->a);
	char *n = take_tail(s, at);
	buf_printf(s->b, T_("%s: T%d preempted after %s"),
		   T_(p >= 0 && p < POLICY_COUNT ? preempted_by[p] : "the scheduler"), s->e->tid, n);
	xfree(n);
}

/* "T1 creates T2 (worker, arg 3)" */
static void say_spawn(const struct say *s)
{
	const struct event *e = s->e;
	const struct img_func *f = image_func_at(s->sc->image, e->addr);
	subject(s);
	buf_printf(s->b, T_("creates T%d ("), e->other);
	put_func(s, e->addr);
	if (f && f->addr == e->addr && f->nparams) {
		buf_puts(s->b, f->nparams > 1 ? T_(", first arg ") : T_(", arg "));
		put_value(s, e->a);
	}
	buf_putc(s->b, ')');
}

/* "T2 ends, returning 0", or killed with its process. */
static void say_exit(const struct say *s)
{
	subject(s);
	if (s->e->b) {
		buf_puts(s->b, T_("is killed: its process ended"));
		return;
	}
	buf_puts(s->b, T_("ends, returning "));
	put_value(s, s->e->a);
}

/* "T3 waits for mutex m, held by T2", "T1 waits for T2 to end (join)". */
static void say_block(const struct say *s)
{
	const struct event *e = s->e;
	subject(s);
	switch (e->a) {
	case WAIT_JOIN:
		buf_printf(s->b, T_("waits for T%llu to end (join)"), (unsigned long long)e->addr);
		return;
	case WAIT_SLEEP:
		buf_printf(s->b, T_("waits until tick %llu"), (unsigned long long)e->addr);
		return;
	case WAIT_SEM: {
		size_t at = s->b->len;
		put_object(s, "semaphore", e->addr);
		char *o = take_tail(s, at);
		buf_printf(s->b, T_("waits for %s (its count is 0)"), o);
		xfree(o);
		return;
	}
	case WAIT_CHILD:
		buf_printf(s->b, T_("waits for child process P%llu to end (wait)"),
			   (unsigned long long)e->addr);
		return;
	case WAIT_ACCEPT:
		buf_printf(s->b, T_("blocks in accept on fd %llu: no client is waiting to be accepted"),
			   (unsigned long long)e->addr);
		return;
	case WAIT_READ:
		buf_printf(s->b, T_("blocks in read on fd %llu: no data has arrived yet"),
			   (unsigned long long)e->addr);
		return;
	case WAIT_EPOLL:
		buf_printf(s->b, T_("blocks in epoll_wait on fd %llu: none of the descriptors it "
				    "watches is ready"), (unsigned long long)e->addr);
		return;
	case WAIT_RUNQ:
		buf_puts(s->b, T_("waits on the run queue: a worker with no coroutine ready to run"));
		return;
	case WAIT_GO:
		buf_puts(s->b, T_("waits in go_wait until every coroutine has finished"));
		return;
	case WAIT_CPU:
		buf_printf(s->b, T_("is throttled: box%llu used its CPU share, so it waits for the "
				    "next period"), (unsigned long long)e->addr);
		return;
	default: {
		size_t at = s->b->len;
		put_object(s, e->a >= 0 && e->a < WAIT_COUNT ? wait_names[e->a] : "object", e->addr);
		char *o = take_tail(s, at);
		buf_printf(s->b, e->a == WAIT_COND ? T_("waits on %s") : T_("waits for %s"), o);
		xfree(o);
	}
	}
	if (e->other)
		buf_printf(s->b, T_(", held by T%d"), e->other);
}

/* How a wait names what it waits on. */
enum wait_object {
	WO_NONE,        /* nothing: the word alone */
	WO_OBJECT,      /* an object in memory, by its name or address */
	WO_THREAD,      /* a thread id: "T2" */
	WO_TICK,        /* a tick */
	WO_PROCESS,     /* a pid: "P2" */
	WO_FD,          /* a file descriptor: "fd 4" */
	WO_BOX,         /* a container: "box1" */
};

/* The words of each wait kind: what it is called and how its object
 * follows; said, the whole phrase as the screen says it in the
 * reader's language where the words are prose, not the call's name. */
static const struct wait_words {
	const char *word;
	enum wait_object object;
	const char *said;
} wait_words[WAIT_COUNT] = {
	[WAIT_NONE] = { "nothing", WO_NONE, N_("nothing") },
	[WAIT_JOIN] = { "join", WO_THREAD },
	[WAIT_MUTEX] = { "mutex", WO_OBJECT },
	[WAIT_SEM] = { "semaphore", WO_OBJECT },
	[WAIT_COND] = { "cond", WO_OBJECT },
	[WAIT_SLEEP] = { "sleep until tick", WO_TICK, N_("sleep until tick %llu") },
	[WAIT_CHILD] = { "wait", WO_PROCESS },
	[WAIT_ACCEPT] = { "accept fd", WO_FD },
	[WAIT_READ] = { "read fd", WO_FD },
	[WAIT_EPOLL] = { "epoll_wait ep", WO_FD },
	[WAIT_RUNQ] = { "run queue", WO_NONE, N_("run queue") },
	[WAIT_GO] = { "go_wait", WO_NONE },
	[WAIT_CPU] = { "cpu share of", WO_BOX, N_("cpu share of box%llu") },
};

void explain_wait(const struct scenario *sc, const struct machine *m, int pid, int kind,
		  uint64_t on, struct buf *out)
{
	if (kind < 0 || kind >= WAIT_COUNT || !wait_words[kind].word) {
		buf_puts(out, "wait");
		return;
	}
	const struct wait_words *w = &wait_words[kind];
	if (translated && w->said) {    /* the same words in English */
		buf_printf(out, gettext(w->said), (unsigned long long)on);
		return;
	}
	buf_puts(out, w->word);
	switch (w->object) {
	case WO_NONE:
		break;
	case WO_OBJECT:
		buf_putc(out, ' ');
		if (!image_describe(sc->image, on, 0, out))
			trace_addr(sc, m, pid ? pid : 1, on, out);
		break;
	case WO_THREAD:
		buf_printf(out, " T%llu", (unsigned long long)on);
		break;
	case WO_TICK:
	case WO_FD:
		buf_printf(out, " %llu", (unsigned long long)on);
		break;
	case WO_PROCESS:
		buf_printf(out, " P%llu", (unsigned long long)on);
		break;
	case WO_BOX:
		buf_printf(out, " box%llu", (unsigned long long)on);
		break;
	}
}

/* Why a thread woke, by what it waited in: %d is the thread that woke it. */
static const char *const woken_by[WAIT_COUNT] = {
	[WAIT_NONE] = N_("T%d woke it"),
	[WAIT_JOIN] = N_("T%d ended"),
	[WAIT_MUTEX] = N_("T%d released the mutex"),
	[WAIT_SEM] = N_("T%d posted the semaphore"),
	[WAIT_COND] = N_("T%d signalled the cond"),
	[WAIT_SLEEP] = N_("T%d woke it"),
	[WAIT_CHILD] = N_("T%d woke it"),
	[WAIT_ACCEPT] = N_("T%d woke it"),
	[WAIT_READ] = N_("T%d woke it"),
	[WAIT_EPOLL] = N_("T%d woke it"),
	[WAIT_RUNQ] = N_("T%d made a coroutine ready"),
	[WAIT_GO] = N_("the last worker, T%d, ended"),
	[WAIT_CPU] = N_("T%d woke it"),
};

/* "T1 wakes: T2 released the mutex", "T2 wakes: its sleep is over". */
static void say_wake(const struct say *s)
{
	const struct event *e = s->e;
	subject(s);
	buf_puts(s->b, T_("wakes"));
	if (e->other && e->a >= 0 && e->a < WAIT_COUNT) {
		buf_puts(s->b, ": ");
		buf_printf(s->b, T_(woken_by[e->a]), e->other);
	} else if (e->a == WAIT_SLEEP) {
		buf_puts(s->b, T_(": its sleep is over"));
	} else if (e->a == WAIT_RUNQ) {
		buf_puts(s->b, T_(": a coroutine is ready, or the runtime is closing"));
	} else if (e->a == WAIT_CPU) {
		buf_puts(s->b, T_(": a new CPU period, its box has its share again"));
	} else if (wait_is_io((int)e->a)) {
		buf_printf(s->b, T_(": it makes its %s call again"), wait_names[e->a]);
	}
}

/* "T1 takes mutex m" */
static void say_lock(const struct say *s)
{
	subject(s);
	size_t at = s->b->len;
	put_object(s, "mutex", s->e->addr);
	char *o = take_tail(s, at);
	buf_printf(s->b, T_("takes %s"), o);
	xfree(o);
}

/* "T1 releases mutex m" */
static void say_unlock(const struct say *s)
{
	subject(s);
	size_t at = s->b->len;
	put_object(s, "mutex", s->e->addr);
	char *o = take_tail(s, at);
	buf_printf(s->b, T_("releases %s"), o);
	xfree(o);
}

/* "T1 posts semaphore s: its count is now 1" and the like. */
static void say_sem(const struct say *s)
{
	const struct event *e = s->e;
	subject(s);
	size_t at = s->b->len;
	put_object(s, "semaphore", e->addr);
	char *o = take_tail(s, at);
	buf_printf(s->b, e->b < 0 ? T_("takes a unit of %s") : T_("posts %s"), o);
	xfree(o);
	if (e->b)
		buf_printf(s->b, T_(": its count is now %lld"), (long long)e->a);
	else
		buf_printf(s->b, T_(": the unit goes to a waiter, its count stays %lld"),
			   (long long)e->a);
}

/* "T1 signals cond c, waking 1 thread" */
static void say_signal(const struct say *s)
{
	const struct event *e = s->e;
	subject(s);
	size_t at = s->b->len;
	put_object(s, "cond", e->addr);
	char *o = take_tail(s, at);
	buf_printf(s->b, e->b ? T_("broadcasts on %s") : T_("signals %s"), o);
	xfree(o);
	if (e->a)
		buf_printf(s->b, TN_(", waking %lld thread", ", waking %lld threads", e->a),
			   (long long)e->a);
	else
		buf_puts(s->b, T_(", waking no thread"));
}

/* "T1's atomic_add changes counter from 3 to 4" */
static void say_atomic(const struct say *s)
{
	const struct event *e = s->e;
	const char *name = e->a >= 0 && e->a < BI_COUNT ? isa_builtins[e->a].name : "atomic";
	size_t at = s->b->len;
	put_place(s, e->addr);
	char *place = take_tail(s, at);
	put_value(s, e->rval);
	char *from = take_tail(s, at);
	if (e->rval == e->wval) {
		buf_printf(s->b, T_("T%d's %s leaves %s at %s"), e->tid, name, place, from);
	} else {
		put_value(s, e->wval);
		char *to = take_tail(s, at);
		buf_printf(s->b, T_("T%d's %s changes %s from %s to %s"), e->tid, name, place, from,
			   to);
		xfree(to);
	}
	xfree(place);
	xfree(from);
}

/* "T1 yields its core" */
static void say_yield(const struct say *s)
{
	subject(s);
	buf_puts(s->b, T_("yields its core"));
}

/* "T1 sleeps for 5 ticks, until tick 40" */
static void say_sleep(const struct say *s)
{
	subject(s);
	size_t at = s->b->len;
	put_ticks(s->b, s->e->a);
	char *n = take_tail(s, at);
	buf_printf(s->b, T_("sleeps for %s, until tick %llu"), n, (unsigned long long)s->e->addr);
	xfree(n);
}

/* "T1 allocates 32 bytes at 0x601010" */
static void say_malloc(const struct say *s)
{
	subject(s);
	if (!s->e->addr) {
		buf_printf(s->b, T_("asks for %lld bytes: the heap cannot grow, malloc returns 0"),
			   (long long)s->e->a);
		return;
	}
	buf_printf(s->b, T_("allocates %lld bytes at 0x%llx"), (long long)s->e->a,
		   (unsigned long long)s->e->addr);
}

/* "T1 frees the 32 bytes at 0x601010" */
static void say_free(const struct say *s)
{
	subject(s);
	buf_printf(s->b, T_("frees the %lld bytes at 0x%llx"), (long long)s->e->a,
		   (unsigned long long)s->e->addr);
}

/* "T1 prints \"counter = 4\"" (a final newline goes without saying). */
static void say_print(const struct say *s)
{
	size_t len = s->e->len;
	if (len && s->e->text[len - 1] == '\n')
		len--;
	subject(s);
	size_t at = s->b->len;
	trace_quote(s->b, s->e->text ? s->e->text : "", len);
	char *q = take_tail(s, at);
	buf_printf(s->b, T_("prints %s"), q);
	xfree(q);
}

/* "T1 faults, the process is killed: division by zero" */
static void say_fault(const struct say *s)
{
	if (s->e->tid)
		buf_printf(s->b, T_("T%d faults, "), s->e->tid);
	buf_puts(s->b, T_("the process is killed: "));
	trace_fault(s->sc, s->m, say_pid(s), (int)s->e->a, s->e->addr, s->b);
}

/* "T1: assertion failed: counter == 2 * ROUNDS" */
static void say_assert(const struct say *s)
{
	if (s->e->tid)
		buf_printf(s->b, "T%d: ", s->e->tid);
	buf_puts(s->b, T_("assertion failed: "));
	buf_put(s->b, s->e->text ? s->e->text : "", s->e->text ? s->e->len : 0);
}

/* "deadlock: every thread left is blocked" */
static void say_deadlock(const struct say *s)
{
	buf_puts(s->b, T_("deadlock: every thread left is blocked"));
}

/* What ran out, by limit. */
static const char *const limit_phrases[LIMIT_COUNT] = {
	[LIMIT_STEPS] = N_("too many instructions"),
	[LIMIT_THREADS] = N_("too many threads"),
	[LIMIT_MEMORY] = N_("the simulated memory is full"),
	[LIMIT_PROCESSES] = N_("too many processes"),
};

/* Append "stopped: too many instructions (--max-steps)" for limit k. */
static void put_limit(struct buf *b, int64_t k)
{
	if (k < 0 || k >= LIMIT_COUNT) {
		buf_puts(b, T_("stopped: a limit was reached"));
		return;
	}
	buf_printf(b, T_("stopped: %s (--%s)"), T_(limit_phrases[k]), limit_kinds[k].option);
}

/* "stopped: too many instructions (--max-steps)" */
static void say_limit(const struct say *s)
{
	put_limit(s->b, s->e->a);
}

/* "the run ends: main returned 0" */
static void say_end(const struct say *s)
{
	buf_puts(s->b, T_("the run ends: "));
	explain_end(s->sc, s->m, s->b);
}

/* Append a coroutine: "coroutine 0x602010 (gen)". */
static void put_coro(const struct say *s, uint64_t h)
{
	struct coro c;
	buf_puts(s->b, T_("coroutine "));
	put_hex(s->b, h);
	if (coro_read(s->m, say_pid(s), h, &c) < 0) {
		buf_puts(s->b, " (");
		put_func(s, c.entry);
		buf_putc(s->b, ')');
	}
}

/* Append where a restored context goes on: "pc 0x4000a0 (line 7)". */
static void put_resume_point(const struct say *s, const struct context *c)
{
	int line = image_line(s->sc->image, c->pc);
	buf_puts(s->b, "pc ");
	put_hex(s->b, c->pc);
	if (line)
		buf_printf(s->b, T_(" (line %d)"), line);
}

/* "T1 creates coroutine 0x602010 (gen, arg 7), suspended: its stack is
 * a 4096-byte heap block at 0x602130" */
static void say_co_create(const struct say *s)
{
	const struct event *e = s->e;
	const struct img_func *f = image_func_at(s->sc->image, (uint64_t)e->b);
	struct coro c;
	subject(s);
	buf_puts(s->b, T_("creates coroutine "));
	put_hex(s->b, e->addr);
	buf_puts(s->b, " (");
	put_func(s, (uint64_t)e->b);
	if (f && f->addr == (uint64_t)e->b && f->nparams) {
		buf_puts(s->b, f->nparams > 1 ? T_(", first arg ") : T_(", arg "));
		put_value(s, e->a);
	}
	buf_puts(s->b, T_("), suspended"));
	if (coro_read(s->m, say_pid(s), e->addr, &c) < 0) {
		buf_printf(s->b, T_(": its stack is a %u-byte heap block at "), CO_STACK_SIZE);
		put_hex(s->b, c.stack);
	}
}

/* "T1 resumes coroutine 0x602010 (gen) with 10: pc 0x4000a0, a
 * user-level switch, no kernel involved" */
static void say_resume(const struct say *s)
{
	const struct event *e = s->e;
	subject(s);
	buf_puts(s->b, e->b ? T_("starts ") : T_("resumes "));
	put_coro(s, e->addr);
	if (!e->b) {
		buf_puts(s->b, T_(" with "));
		put_value(s, e->a);
	}
	if (e->to) {
		buf_puts(s->b, ": pc ");
		put_hex(s->b, e->to->pc);
	}
	buf_puts(s->b, T_(", a user-level switch, no kernel involved"));
}

/* "T1's coroutine 0x602010 (gen) yields 1: pc 0x4000c4 saved, back to
 * pc 0x400120 (line 14)"; a return says it is finished, its stack
 * block freed. */
static void say_co_leave(const struct say *s)
{
	const struct event *e = s->e;
	if (e->tid)
		buf_printf(s->b, T_("T%d's "), e->tid);
	put_coro(s, e->addr);
	buf_puts(s->b, e->kind == EV_CO_YIELD ? T_(" yields ") : T_(" returns "));
	put_value(s, e->a);
	if (e->kind == EV_CO_YIELD && e->from) {
		buf_puts(s->b, ": pc ");
		put_hex(s->b, e->from->pc);
		buf_puts(s->b, T_(" saved"));
	} else if (e->kind != EV_CO_YIELD) {
		buf_puts(s->b, T_(": finished, stack block freed"));
	}
	if (e->to) {
		buf_puts(s->b, T_(", back to "));
		put_resume_point(s, e->to);
	}
}

/* Append " holding m" for a side of a race that held mutexes. */
static void put_holding(const struct say *s, const uint64_t *held, int n)
{
	if (!n)
		return;
	buf_puts(s->b, T_(" holding "));
	trace_locks(s->sc, s->m, say_pid(s), held, n, s->b);
}

/* "data race on counter: T3 reads it, T2 wrote it at line 26 and no lock
 * orders the two" */
static void say_race(const struct say *s)
{
	const struct event *e = s->e;
	buf_puts(s->b, T_("data race on "));
	trace_word(s->sc, s->m, say_pid(s), e->addr, 0, s->b);
	buf_printf(s->b, e->a ? T_(": T%d writes it") : T_(": T%d reads it"), e->tid);
	put_holding(s, e->held, e->nheld);
	buf_printf(s->b, e->b ? T_(", T%d wrote it") : T_(", T%d read it"), e->other);
	if (e->line2)
		buf_printf(s->b, T_(" at line %d"), e->line2);
	put_holding(s, e->held2, e->nheld2);
	buf_puts(s->b, e->nheld || e->nheld2 ? T_(", and no lock orders the two")
					     : T_(" and no lock orders the two"));
}

/* "T1 makes a closure of innerFunction: its environment, a heap block
 * at 0x600040, holds outerVariable = 1" */
static void say_closure(const struct say *s)
{
	const struct event *e = s->e;
	const struct img_func *f = image_func_at(s->sc->image, (uint64_t)e->b);
	subject(s);
	buf_puts(s->b, T_("makes a closure of "));
	put_func(s, (uint64_t)e->b);
	buf_puts(s->b, T_(": its environment, a heap block at "));
	put_hex(s->b, e->addr);
	if (!e->a || !f || f->addr != (uint64_t)e->b || f->ncaptures != (size_t)e->a) {
		buf_puts(s->b, e->a ? "" : T_(", captures nothing"));
		return;
	}
	buf_puts(s->b, T_(", holds "));
	for (size_t i = 0; i < f->ncaptures; i++) {
		buf_printf(s->b, "%s%s = ", i ? ", " : "", f->captures[i]);
		put_value(s, machine_peek(s->m, say_pid(s), e->addr + (CLOSURE_W_VALUES + i) * WORD));
	}
}

/* The sentence of each kind of event. */
/* "T1 forks: process P2 is a copy-on-write copy of P1, with T3, a copy of T1" */
static void say_fork(const struct say *s)
{
	const struct event *e = s->e;
	subject(s);
	buf_printf(s->b, T_("forks: process P%lld is a copy-on-write copy of P%d (they share every "
			    "page until one writes it), with T%d, a copy of T%d, as its one thread"),
		   (long long)e->a, e->pid, e->other, e->tid);
}

/* "process P2 ends: exit(3)", "process P2 is killed: division by zero" */
static void say_pexit(const struct say *s)
{
	const struct event *e = s->e;
	buf_printf(s->b, T_("process P%lld "), (long long)e->a);
	switch (e->b) {
	case PE_FAULT:
		buf_printf(s->b, T_("is killed: %s; the other processes go on"),
			   e->addr < FAULT_COUNT ? fault_names[e->addr] : "a fault");
		break;
	case PE_LAST:
		buf_puts(s->b, T_("ends: its last thread ended (code 0)"));
		break;
	default:
		buf_printf(s->b, e->b == PE_RETURN ? T_("ends: main returned %lld") : T_("ends: exit %lld"),
			   (long long)e->addr);
	}
	buf_puts(s->b, T_("; its threads and address space are gone"));
}

/* "T1's wait collects P2's exit code 3" */
static void say_reap(const struct say *s)
{
	const struct event *e = s->e;
	buf_printf(s->b, T_("T%d's wait collects process P%lld's exit code %lld"), e->tid,
		   (long long)e->a, (long long)e->b);
}

/* "T1 starts process P2 in container box1: pid 1 there, ..." */
static void say_container(const struct say *s)
{
	const struct event *e = s->e;
	subject(s);
	buf_printf(s->b, "starts process P%lld in a new container, box%lld: it is pid 1 in its own "
		   "pid namespace (the host calls it P%lld), with T%d as its one thread, on the same "
		   "kernel", (long long)e->a, (long long)e->b, (long long)e->a, e->other);
	if (e->addr)
		buf_printf(s->b, "; its heap may hold %llu bytes", (unsigned long long)e->addr);
	if (e->regval && e->regval < 100)
		buf_printf(s->b, "; it gets %lld%% of a core", (long long)e->regval);
}

/* "T3 names its container web" */
static void say_hostname(const struct say *s)
{
	const struct event *e = s->e;
	subject(s);
	buf_printf(s->b, "sets the hostname of %s%lld to '%.*s': only its own namespace sees it",
		   e->a ? "box" : "the host, box ", (long long)e->a, (int)e->len, e->text);
}

/* "box1 used its 50% of a core ..." */
static void say_throttle(const struct say *s)
{
	const struct event *e = s->e;
	buf_printf(s->b, "box%lld used its CPU share (%lld%% of a core: %lld ticks of %d): its "
		   "threads are throttled until tick %llu, while the others run", (long long)e->a,
		   (long long)e->regval, (long long)e->b, BOX_CPU_PERIOD,
		   (unsigned long long)e->addr);
}

/* "box1's heap is 8192 bytes, over its limit ..." */
static void say_oom(const struct say *s)
{
	const struct event *e = s->e;
	buf_printf(s->b, "box%lld holds %lld bytes of heap, over its limit of %llu: the kernel's "
		   "OOM killer kills its processes; the host goes on", (long long)e->a,
		   (long long)e->b, (unsigned long long)e->addr);
}

/* The I/O events: see io_text.c; an answer names its service. */
static void say_io(const struct say *s)
{
	const struct service *sv = service_get(s->m, s->e->other);
	if (s->e->kind == EV_ANSWER && sv) {
		buf_printf(s->b, "service %s answers after %llu ticks: %lld %s in the program's "
			   "connection to it:", sv->name, (unsigned long long)sv->latency,
			   (long long)s->e->a, s->e->a == 1 ? "byte arrives" : "bytes arrive");
		if (s->e->text && s->e->len)
			buf_printf(s->b, " \"%.*s\"", (int)(s->e->len < 32 ? s->e->len : 32), s->e->text);
		return;
	}
	io_sentence(s->e, s->b);
}

/* Append "coroutine 3 (handle)" for runtime event e. */
static void put_rco(const struct say *s)
{
	struct rco c;
	buf_printf(s->b, "coroutine %d", s->e->other);
	if (runtime_coroutine(s->m, s->e->other, &c)) {
		buf_puts(s->b, " (");
		put_func(s, c.entry);
		buf_putc(s->b, ')');
	}
}

/* Append " on fd 6 (service user)" for what a coroutine parks on. */
static void put_park_fd(const struct say *s)
{
	buf_printf(s->b, " on fd %lld", (long long)s->e->b);
	const struct service *sv = service_get(s->m, service_of_fd(s->m, say_pid(s), s->e->b));
	if (sv)
		buf_printf(s->b, " (its connection to service %s)", sv->name);
}

/* "T1 hands coroutine 3 (handle) to the runtime: it waits in the run
 * queue for a worker thread" */
static void say_go(const struct say *s)
{
	subject(s);
	buf_puts(s->b, "hands ");
	put_rco(s);
	buf_printf(s->b, " to the runtime with argument %lld: its stack is on the heap, and it "
		   "waits in the run queue for a worker thread", (long long)s->e->a);
}

/* "worker T2 takes coroutine 3 (handle) off the run queue and runs it;
 * it ran on T3 before" */
static void say_pick(const struct say *s)
{
	buf_printf(s->b, "worker T%d takes ", s->e->tid);
	put_rco(s);
	buf_puts(s->b, " off the run queue and runs it");
	if (s->e->a)
		buf_printf(s->b, "; it ran on T%lld before: a coroutine may go on on any worker",
			   (long long)s->e->a);
	buf_printf(s->b, " (%lld still ready)", (long long)s->e->b);
}

/* "coroutine 3 (handle) parks in read on fd 6: worker T2 does not
 * block, it goes back to the run queue for another" */
static void say_park(const struct say *s)
{
	put_rco(s);
	buf_printf(s->b, " parks in %s", s->e->a >= 0 && s->e->a < WAIT_COUNT ?
		   wait_names[s->e->a] : "a call");
	put_park_fd(s);
	buf_printf(s->b, ": its stack stays on the heap and worker T%d does not block, it "
		   "goes back to the run queue for another coroutine", s->e->tid);
}

/* "fd 6 is ready: coroutine 3 (handle), parked in read, is ready again" */
static void say_unpark(const struct say *s)
{
	buf_printf(s->b, "fd %lld is ready: ", (long long)s->e->b);
	put_rco(s);
	buf_printf(s->b, ", parked in %s, is ready again, for whichever worker is free",
		   s->e->a >= 0 && s->e->a < WAIT_COUNT ? wait_names[s->e->a] : "a call");
}

static void (*const event_says[EV_COUNT])(const struct say *s) = {
	[EV_EXEC] = say_exec,
	[EV_SWITCH] = say_switch,
	[EV_PREEMPT] = say_preempt,
	[EV_SPAWN] = say_spawn,
	[EV_EXIT] = say_exit,
	[EV_BLOCK] = say_block,
	[EV_WAKE] = say_wake,
	[EV_LOCK] = say_lock,
	[EV_UNLOCK] = say_unlock,
	[EV_SEM] = say_sem,
	[EV_SIGNAL] = say_signal,
	[EV_ATOMIC] = say_atomic,
	[EV_YIELD] = say_yield,
	[EV_SLEEP] = say_sleep,
	[EV_MALLOC] = say_malloc,
	[EV_FREE] = say_free,
	[EV_PRINT] = say_print,
	[EV_FAULT] = say_fault,
	[EV_ASSERT] = say_assert,
	[EV_DEADLOCK] = say_deadlock,
	[EV_LIMIT] = say_limit,
	[EV_END] = say_end,
	[EV_CO_CREATE] = say_co_create,
	[EV_RESUME] = say_resume,
	[EV_CO_YIELD] = say_co_leave,
	[EV_CO_RETURN] = say_co_leave,
	[EV_RACE] = say_race,
	[EV_CLOSURE] = say_closure,
	[EV_FORK] = say_fork,
	[EV_PEXIT] = say_pexit,
	[EV_REAP] = say_reap,
	[EV_LISTEN] = say_io, [EV_CONNECT] = say_io, [EV_ACCEPT] = say_io,
	[EV_ARRIVE] = say_io, [EV_READ] = say_io, [EV_WRITE] = say_io,
	[EV_CLOSE] = say_io, [EV_REPLY] = say_io, [EV_EPOLL_CTL] = say_io,
	[EV_EPOLL] = say_io, [EV_IOFAIL] = say_io,
	[EV_DIAL] = say_io, [EV_ANSWER] = say_io,
	[EV_GO] = say_go, [EV_PICK] = say_pick, [EV_PARK] = say_park, [EV_UNPARK] = say_unpark,
	[EV_CONTAINER] = say_container, [EV_HOSTNAME] = say_hostname,
	[EV_THROTTLE] = say_throttle, [EV_OOM] = say_oom,
};

void explain_event(const struct scenario *sc, const struct machine *m,
		   const struct event *e, struct buf *out)
{
	struct say s = { sc, m, e, machine_thread(m, e->tid), out };
	if (e->kind < EV_COUNT && event_says[e->kind])
		event_says[e->kind](&s);
	else
		buf_puts(out, T_("something happened"));
}

/* The line the run ended at, when a thread ended it. */
static int end_line(const struct scenario *sc, const struct machine *m)
{
	return machine_thread(m, m->end_tid) ? image_line(sc->image, m->end_pc) : 0;
}

/* "main returned 0" */
static void end_ok(const struct scenario *sc, const struct machine *m, struct buf *b)
{
	if (m->idle)
		buf_printf(b, T_("idle: all %d clients were served and the program only waits for more"),
			   m->net.nclients);
	else
		buf_printf(b, T_("main returned %lld"), (long long)m->exit_status);
}

/* "T1 (main): assertion failed: counter == 2 * ROUNDS (line 37)" */
static void end_assert(const struct scenario *sc, const struct machine *m, struct buf *b)
{
	trace_thread_name(sc, m, m->end_tid, b);
	buf_printf(b, T_(": assertion failed: %s"), m->text);
	put_line(b, end_line(sc, m));
}

/* "T2 (worker) was killed by a fault: division by zero (line 12)" */
static void end_fault(const struct scenario *sc, const struct machine *m, struct buf *b)
{
	trace_thread_name(sc, m, m->end_tid, b);
	buf_puts(b, T_(" was killed by a fault: "));
	const struct thread *t = machine_thread(m, m->end_tid);
	trace_fault(sc, m, t ? t->pid : 1, m->fault, m->fault_addr, b);
	put_line(b, end_line(sc, m));
}

/* The thread t waits for, when it waits for a thread (0: it does not). */
static int waits_for(const struct machine *m, const struct thread *t)
{
	if (t->wait == WAIT_MUTEX)
		return machine_mutex_owner(m, t->pid, t->wait_on);
	return t->wait == WAIT_JOIN ? (int)t->wait_on : 0;
}

/* "deadlock: T2 -> T3 -> T2", or where the waiting ends:
 * "deadlock: T1 -> T2 -> semaphore items". */
static void end_deadlock(const struct scenario *sc, const struct machine *m, struct buf *b)
{
	int chain[64], n = 0, cycle = 0;
	for (int i = 0; i < m->nthreads && !cycle; i++)
		if (m->threads[i].wait != WAIT_NONE)
			n = machine_wait_chain(m, m->threads[i].id, chain, 64, &cycle);
	for (int i = 0; i < m->nthreads && !cycle && n; i++)
		if (m->threads[i].wait != WAIT_NONE) {  /* no cycle: from the first */
			n = machine_wait_chain(m, m->threads[i].id, chain, 64, &cycle);
			break;
		}
	buf_puts(b, T_("deadlock: "));
	if (!n) {
		buf_puts(b, T_("every thread left is blocked"));
		return;
	}
	const struct thread *last = machine_thread(m, chain[n - 1]);
	int back = waits_for(m, last), start = 0;
	while (cycle && start < n && chain[start] != back)
		start++;
	if (start == n)
		start = 0;
	for (int i = start; i < n; i++)
		buf_printf(b, "%sT%d", i > start ? " -> " : "", chain[i]);
	if (cycle) {
		buf_printf(b, " -> T%d", back);
	} else if (last->state == TS_DONE) {
		buf_puts(b, T_(" (ended)"));
	} else if (last->wait == WAIT_SEM || last->wait == WAIT_COND) {
		buf_printf(b, " -> %s ", wait_names[last->wait]);
		if (!image_describe(sc->image, last->wait_on, 0, b))
			trace_addr(sc, m, last->pid, last->wait_on, b);
	}
}

/* "stopped: too many instructions (--max-steps)" */
static void end_limit(const struct scenario *sc, const struct machine *m, struct buf *b)
{
	put_limit(b, m->limit);
}

/* The line of each way a run ends. */
static void (*const end_says[END_COUNT])(const struct scenario *sc, const struct machine *m,
					  struct buf *b) = {
	[END_OK] = end_ok,
	[END_ASSERT] = end_assert,
	[END_FAULT] = end_fault,
	[END_DEADLOCK] = end_deadlock,
	[END_LIMIT] = end_limit,
};

void explain_end(const struct scenario *sc, const struct machine *m, struct buf *out)
{
	if (m->state != RUN_ENDED)
		buf_puts(out, T_("running"));
	else if (m->end >= 0 && m->end < END_COUNT)
		end_says[m->end](sc, m, out);
	else
		buf_puts(out, T_("ended"));
}
