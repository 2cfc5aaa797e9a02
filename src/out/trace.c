/* trace: events as text lines, fast enough for millions a second. */
#include "io_text.h"
#include "trace.h"

#include <string.h>

#include "../lang/ast.h"
#include "../sim/closure.h"
#include "../sim/coro.h"
#include "../sim/heap.h"
#include "../sim/race.h"
#include "disasm.h"

struct tracer {
	const struct scenario *sc;
	const struct machine *m;
	FILE *out;
	int failed;
	struct buf line;
	char **insn_text;       /* each instruction's text, made on first use */
	size_t *insn_len;
};

struct tracer *trace_new(const struct scenario *sc, const struct machine *m, FILE *out)
{
	struct tracer *tr = xcalloc(1, sizeof *tr);
	tr->sc = sc;
	tr->m = m;
	tr->out = out;
	size_t n = sc->image->ncode ? sc->image->ncode : 1;
	tr->insn_text = xcalloc(n, sizeof *tr->insn_text);
	tr->insn_len = xcalloc(n, sizeof *tr->insn_len);
	return tr;
}

void trace_free(struct tracer *tr)
{
	if (!tr)
		return;
	for (size_t i = 0; i < tr->sc->image->ncode; i++)
		xfree(tr->insn_text[i]);
	xfree(tr->insn_text);
	xfree(tr->insn_len);
	buf_free(&tr->line);
	xfree(tr);
}

/* Make room for n more bytes in b. */
static inline void room(struct buf *b, size_t n)
{
	if (b->len + n + 1 > b->cap)
		b->s = xgrow(b->s, &b->cap, b->len + n + 1, 1);
}

/* Append n bytes; the trace's own, faster than buf_put for short strings. */
static inline void putn(struct buf *b, const char *s, size_t n)
{
	room(b, n);
	char *d = b->s + b->len;
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
	b->len += n;
	b->s[b->len] = 0;
}

static inline void putch(struct buf *b, char c)
{
	room(b, 1);
	b->s[b->len++] = c;
	b->s[b->len] = 0;
}

/* Take b back to len bytes. */
static inline void cut(struct buf *b, size_t len)
{
	b->len = len;
	if (b->s)
		b->s[len] = 0;
}

#define PUTS(b, lit) putn((b), (lit), sizeof(lit) - 1)

static inline void putstr(struct buf *b, const char *s)
{
	putn(b, s, strlen(s));
}

/* Append an unsigned number in decimal. */
static void put_u(struct buf *b, uint64_t v)
{
	char tmp[24];
	int k = 0;
	do
		tmp[k++] = (char)('0' + v % 10);
	while (v /= 10);
	char out[24];
	for (int i = 0; i < k; i++)
		out[i] = tmp[k - 1 - i];
	putn(b, out, (size_t)k);
}

/* Append a number in hexadecimal with 0x. */
static void put_x(struct buf *b, uint64_t v)
{
	char tmp[20];
	int k = 0;
	do
		tmp[k++] = "0123456789abcdef"[v & 15];
	while (v >>= 4);
	char out[20] = "0x";
	for (int i = 0; i < k; i++)
		out[2 + i] = tmp[k - 1 - i];
	putn(b, out, (size_t)k + 2);
}

/* A value: decimal when small, hexadecimal when it looks like an address. */
static void put_val(struct buf *b, int64_t v)
{
	if (v > -1000000 && v < 1000000) {
		if (v < 0) {
			putch(b, '-');
			put_u(b, (uint64_t)-v);
		} else {
			put_u(b, (uint64_t)v);
		}
	} else if (v < 0) {
		putch(b, '-');
		put_x(b, 0 - (uint64_t)v);
	} else {
		put_x(b, (uint64_t)v);
	}
}

/* The process whose memory event e is about (1 when it names no thread). */
static int ev_pid(const struct event *e)
{
	return e->pid ? e->pid : 1;
}

void trace_value(struct buf *b, int64_t v)
{
	put_val(b, v);
}

void trace_quote(struct buf *b, const char *s, size_t len)
{
	putch(b, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '\n': PUTS(b, "\\n"); break;
		case '\t': PUTS(b, "\\t"); break;
		case '"': putstr(b, "\\\""); break;
		case '\\': putstr(b, "\\\\"); break;
		default:
			if (c < 32 || c == 127) {
				PUTS(b, "\\x");
				putch(b, "0123456789abcdef"[c >> 4]);
				putch(b, "0123456789abcdef"[c & 15]);
			} else {
				putch(b, (char)c);
			}
		}
	}
	putch(b, '"');
}

void trace_thread_name(const struct scenario *sc, const struct machine *m, int tid,
		       struct buf *b)
{
	const struct thread *t = machine_thread(m, tid);
	putch(b, 'T');
	put_u(b, (uint64_t)tid);
	const struct img_func *f = t ? image_func_at(sc->image, t->entry) : NULL;
	if (f) {
		PUTS(b, " (");
		putstr(b, t->entry == sc->image->entry ? "main" : f->name);  /* a fork copies main */
		putch(b, ')');
	}
}

/* Append the name of the function coroutine c runs: "gen". */
static void put_coro_func(const struct scenario *sc, const struct coro *c, struct buf *b)
{
	const struct img_func *f = image_func_at(sc->image, c->entry);
	if (f && f->addr == c->entry)
		putstr(b, f->name);
	else
		put_x(b, c->entry);
}

/* Append what the heap word at addr is to coroutines: "co1" (the
 * handle: its object), "co1 stack" (the stack of a coroutine a thread
 * runs), "co1 stack guard"; 0 when none. */
static int describe_coro(const struct machine *m, int pid, uint64_t addr, struct buf *b)
{
	struct coro c;
	if (coro_read(m, pid, addr, &c) < 0) {
		PUTS(b, "co");
		put_u(b, (uint64_t)c.id);
		return 1;
	}
	for (int i = 0; i < m->nthreads; i++) {
		const struct thread *t = &m->threads[i];
		if (t->pid != pid || !t->co || addr < t->co_lo - CO_GUARD || addr >= t->co_hi ||
		    coro_read(m, pid, t->co, &c) >= 0)
			continue;
		PUTS(b, "co");
		put_u(b, (uint64_t)c.id);
		putstr(b, addr < t->co_lo ? " stack guard" : " stack");
		return 1;
	}
	return 0;
}

/* Append what addr is in process pid, when something is known:
 * "counter", "T2 stack", "heap block 0x601010+8".  Returns 0 when
 * nothing is. */
static int describe(const struct scenario *sc, const struct machine *m, int pid, uint64_t addr,
		    struct buf *b)
{
	if (image_describe(sc->image, addr, 0, b))
		return 1;
	const struct process *p = machine_proc(m, pid);
	if (p && addr >= p->heap.base && addr < p->heap.brk) {
		if (m->ncoros && describe_coro(m, pid, addr, b))
			return 1;
		PUTS(b, "heap");
		return 1;
	}
	for (int i = 0; i < m->nthreads; i++) {
		const struct thread *t = &m->threads[i];
		if (t->pid != pid)
			continue;
		if (addr >= t->tls && addr < t->tls + sc->image->tls_size) {
			putch(b, 'T');
			put_u(b, (uint64_t)t->id);
			putch(b, ' ');
			if (!image_describe(sc->image, addr - t->tls, 1, b))
				PUTS(b, "tls");
			return 1;
		}
		if (addr >= t->slot_lo && addr < t->stack_hi) {
			putch(b, 'T');
			put_u(b, (uint64_t)t->id);
			putstr(b, addr < t->stack_lo ? " guard page" : " stack");
			return 1;
		}
	}
	return 0;
}

void trace_addr(const struct scenario *sc, const struct machine *m, int pid, uint64_t addr,
		struct buf *b)
{
	put_x(b, addr);
	size_t at = b->len;
	PUTS(b, " (");
	if (describe(sc, m, pid, addr, b))
		putch(b, ')');
	else
		cut(b, at);
}

/* The payload address of the heap block holding addr, found by walking
 * the blocks from the heap's base (0: none holds it). */
static uint64_t heap_block_of(const struct process *p, uint64_t addr)
{
	struct heap_block blk;
	for (uint64_t a = p->heap.base; a < p->heap.brk && heap_block(p, a, &blk); a += blk.size)
		if (addr >= a + HEAP_HEADER && addr < a + blk.size)
			return blk.used ? a + HEAP_HEADER : 0;
	return 0;
}

void trace_word(const struct scenario *sc, const struct machine *m, int pid, uint64_t addr,
		uint64_t block, struct buf *b)
{
	if (image_describe(sc->image, addr, 0, b))
		return;
	const struct process *p = machine_proc(m, pid);
	if (!block && p && addr >= p->heap.base && addr < p->heap.brk)
		block = heap_block_of(p, addr);
	if (block && addr >= block) {
		PUTS(b, "heap block ");
		put_x(b, block);
		if (addr > block) {
			putch(b, '+');
			put_u(b, addr - block);
		}
		return;
	}
	trace_addr(sc, m, pid, addr, b);
}

void trace_locks(const struct scenario *sc, const struct machine *m, int pid,
		 const uint64_t *held, int n, struct buf *b)
{
	for (int i = 0; i < n; i++) {
		if (i)
			putstr(b, i == n - 1 ? " and " : ", ");
		if (!image_describe(sc->image, held[i], 0, b))
			trace_addr(sc, m, pid, held[i], b);
	}
}

void trace_fault(const struct scenario *sc, const struct machine *m, int pid, int kind,
		 uint64_t addr, struct buf *b)
{
	putstr(b, fault_names[kind]);
	switch (kind) {
	case FAULT_DIVZERO:
		break;
	case FAULT_BADCALL:
		PUTS(b, ": ");
		putstr(b, addr < BI_COUNT ? isa_builtins[addr].name : "?");
		break;
	case FAULT_YIELDOUT:
		break;
	case FAULT_BADTHREAD:
	case FAULT_JOINSELF:
	case FAULT_NOTCORO:
		PUTS(b, ": ");
		put_val(b, (int64_t)addr);
		break;
	default:
		PUTS(b, " at ");
		trace_addr(sc, m, pid, addr, b);
	}
}

/* The text of instruction idx, cached. */
static void put_insn(struct tracer *tr, const struct event *e, struct buf *b)
{
	size_t idx = (e->pc - CODE_BASE) / INSN_SIZE;
	if (!tr->insn_text[idx]) {
		struct buf t = { 0 };
		isa_format(&t, e->insn);
		tr->insn_len[idx] = t.len;
		tr->insn_text[idx] = buf_take(&t);
	}
	putn(b, tr->insn_text[idx], tr->insn_len[idx]);
}

const struct img_var *trace_local(const struct scenario *sc, const struct machine *m,
				 const struct event *e, uint64_t addr)
{
	const struct thread *t = machine_thread(m, e->tid);
	if (!t || !e->insn || e->insn->rs != REG_FP)
		return NULL;
	const struct img_func *f = image_func_at(sc->image, e->pc);
	return f ? image_var_at(f, (int64_t)(addr - (uint64_t)t->r[REG_FP]), e->pc) : NULL;
}

/* A memory access: "counter@0x600000=3", "i@0x7ffbefe0=1". */
static void put_access(struct tracer *tr, const struct event *e, struct buf *b,
		       const char *what, size_t wlen, uint64_t addr, int64_t v)
{
	putn(b, what, wlen);
	size_t at = b->len;
	const struct img_var *var = NULL;
	if (e->insn->op == OP_LD || e->insn->op == OP_ST || e->insn->op == OP_LDB ||
	    e->insn->op == OP_STB)
		var = trace_local(tr->sc, tr->m, e, addr);
	if (var) {
		putstr(b, var->name);
		putch(b, '@');
	} else if (describe(tr->sc, tr->m, ev_pid(e), addr, b)) {
		putch(b, '@');
	} else {
		cut(b, at);
	}
	put_x(b, addr);
	putch(b, '=');
	put_val(b, v);
}

static const char *const switch_reasons[] = {
	[SW_START] = "idle", [SW_PREEMPT] = "preempt", [SW_BLOCK] = "block",
	[SW_EXIT] = "exit", [SW_YIELD] = "yield",
};

/* "pc=0x400018 sp=0x7ffefff0 fp=0x7ffefff8 r=[3 0 0 0 0 0 0 0]" */
static void put_context(struct buf *b, const struct context *c)
{
	PUTS(b, "pc=");
	put_x(b, c->pc);
	PUTS(b, " sp=");
	put_x(b, c->sp);
	PUTS(b, " fp=");
	put_x(b, c->fp);
	PUTS(b, " r=[");
	for (int i = 0; i < NGPR; i++) {
		if (i)
			putch(b, ' ');
		put_val(b, c->r[i]);
	}
	putch(b, ']');
}

/* "pc=0x400018 sp=0x7ffefff0 fp=0x7ffefff8": where a context goes on. */
static void put_place(struct buf *b, const struct context *c)
{
	PUTS(b, "pc=");
	put_x(b, c->pc);
	PUTS(b, " sp=");
	put_x(b, c->sp);
	PUTS(b, " fp=");
	put_x(b, c->fp);
}

/* A coroutine switch: "0x602010 (gen) with 10 saved pc=... restored
 * pc=...", the value as the event kind says it. */
static void put_coro_switch(struct tracer *tr, const struct event *e, struct buf *b)
{
	struct coro c = { .entry = 0 };
	put_x(b, e->addr);
	if (coro_read(tr->m, ev_pid(e), e->addr, &c) < 0) {
		PUTS(b, " (");
		put_coro_func(tr->sc, &c, b);
		putch(b, ')');
	}
	switch (e->kind) {
	case EV_RESUME:
		if (e->b) {
			PUTS(b, " start");
		} else {
			PUTS(b, " with ");
			put_val(b, e->a);
		}
		break;
	case EV_CO_YIELD:
		PUTS(b, " yielded ");
		put_val(b, e->a);
		break;
	default:
		PUTS(b, " returned ");
		put_val(b, e->a);
		PUTS(b, ", stack freed");
		break;
	}
	if (e->from) {
		PUTS(b, " saved ");
		put_place(b, e->from);
	}
	if (e->to) {
		PUTS(b, " restored ");
		put_place(b, e->to);
	}
}

/* The object event e is about: "mutex a@0x600000". */
static void put_object(struct tracer *tr, const struct event *e, struct buf *b, const char *kind,
		       uint64_t addr)
{
	putstr(b, kind);
	putch(b, ' ');
	size_t at = b->len;
	if (describe(tr->sc, tr->m, ev_pid(e), addr, b))
		putch(b, '@');
	else
		cut(b, at);
	put_x(b, addr);
}

/* A runtime event: "co2 handle(5) 0x601140", then what the kind adds:
 * "from T3 1 ready" (pick), "read fd 6" (park, unpark). */
static void put_runtime(struct tracer *tr, const struct event *e, struct buf *b)
{
	PUTS(b, "co");
	put_u(b, (uint64_t)e->other);
	if (e->kind == EV_GO) {
		const struct img_func *f = image_func_at(tr->sc->image, (uint64_t)e->b);
		putch(b, ' ');
		if (f && f->addr == (uint64_t)e->b)
			putstr(b, f->name);
		else
			put_x(b, (uint64_t)e->b);
		putch(b, '(');
		put_val(b, e->a);
		PUTS(b, ") ");
		put_x(b, e->addr);
		return;
	}
	if (e->kind == EV_PICK) {
		if (e->a) {
			PUTS(b, " from T");
			put_u(b, (uint64_t)e->a);
		}
		putch(b, ' ');
		put_u(b, (uint64_t)e->b);
		PUTS(b, " ready");
		return;
	}
	putch(b, ' ');
	putstr(b, e->a >= 0 && e->a < WAIT_COUNT ? wait_names[e->a] : "?");
	PUTS(b, " fd ");
	put_u(b, (uint64_t)e->b);
}

/* The mutexes one side of a race held: " holding m@0x600010, n@0x600020". */
static void put_held(struct tracer *tr, const struct event *e, struct buf *b,
		     const uint64_t *held, int n)
{
	for (int i = 0; i < n; i++) {
		putstr(b, i ? ", " : " holding ");
		size_t at = b->len;
		if (describe(tr->sc, tr->m, ev_pid(e), held[i], b))
			putch(b, '@');
		else
			cut(b, at);
		put_x(b, held[i]);
	}
}

/* One side of a switch: "T2", or "idle". */
static void put_side(struct buf *b, int tid)
{
	if (tid) {
		putch(b, 'T');
		put_u(b, (uint64_t)tid);
	} else {
		PUTS(b, "idle");
	}
}

void trace_format(struct tracer *tr, const struct event *e, struct buf *b)
{
	put_u(b, e->tick);
	if (e->core >= 0) {
		PUTS(b, " cpu");
		put_u(b, (uint64_t)e->core);
	} else {
		PUTS(b, " -");
	}
	if (e->tid) {
		PUTS(b, " T");
		put_u(b, (uint64_t)e->tid);
	} else {
		PUTS(b, " -");
	}
	putch(b, ' ');
	putstr(b, event_kinds[e->kind].name);
	putch(b, ' ');
	int line = e->line;
	switch (e->kind) {
	case EV_EXEC:
		put_x(b, e->pc);
		putch(b, ' ');
		put_insn(tr, e, b);
		if (e->reg != REG_NONE && e->reg != REG_SP) {
			PUTS(b, "  ");
			putstr(b, isa_reg_name(e->reg));
			putch(b, '=');
			put_val(b, e->regval);
		}
		if (e->sp_moved) {
			PUTS(b, "  sp=");
			put_x(b, e->sp);
		}
		if (e->raddr)
			put_access(tr, e, b, "  read ", 7, e->raddr, e->rval);
		if (e->waddr)
			put_access(tr, e, b, "  write ", 8, e->waddr, e->wval);
		break;
	case EV_SWITCH:
		put_side(b, e->other);
		PUTS(b, " -> ");
		put_side(b, e->tid);
		PUTS(b, " (");
		putstr(b, switch_reasons[e->a]);
		putch(b, ')');
		if (e->space) {
			const struct thread *o = machine_thread(tr->m, e->other);
			PUTS(b, " address space P");
			put_u(b, o ? (uint64_t)o->pid : 0);
			PUTS(b, " -> P");
			put_u(b, (uint64_t)e->pid);
		}
		if (e->b) {
			PUTS(b, " cost ");
			put_u(b, (uint64_t)e->b);
		}
		if (e->from) {
			PUTS(b, " saved ");
			put_context(b, e->from);
		}
		if (e->to) {
			PUTS(b, " restored ");
			put_context(b, e->to);
		}
		line = 0;
		break;
	case EV_PREEMPT:
		PUTS(b, "after ");
		put_u(b, (uint64_t)e->a);
		putstr(b, e->a == 1 ? " tick" : " ticks");
		line = 0;
		break;
	case EV_SPAWN: {
		const struct img_func *f = image_func_at(tr->sc->image, e->addr);
		putch(b, 'T');
		put_u(b, (uint64_t)e->other);
		putch(b, ' ');
		if (f && f->addr == e->addr) {
			putstr(b, f->name);
			putch(b, '(');
			if (f->nparams)
				put_val(b, e->a);
			if (f->nparams > 1)
				PUTS(b, ", ...");
			putch(b, ')');
		} else {
			put_x(b, e->addr);
		}
		break;
	}
	case EV_EXIT:
		if (e->b) {
			PUTS(b, "killed");
			line = 0;
		} else {
			PUTS(b, "returned ");
			put_val(b, e->a);
		}
		break;
	case EV_BLOCK:
		PUTS(b, "on ");
		switch (e->a) {
		case WAIT_JOIN:
			PUTS(b, "join T");
			put_u(b, e->addr);
			break;
		case WAIT_SLEEP:
			PUTS(b, "sleep until tick ");
			put_u(b, e->addr);
			break;
		case WAIT_CHILD:
			PUTS(b, "wait P");
			put_u(b, e->addr);
			break;
		case WAIT_RUNQ:
		case WAIT_GO:
			putstr(b, wait_names[e->a]);
			break;
		case WAIT_CPU:
			PUTS(b, "cpu share of box");
			put_u(b, e->addr);
			break;
		case WAIT_ACCEPT:
		case WAIT_READ:
		case WAIT_EPOLL:
			putstr(b, wait_names[e->a]);
			if (e->a == WAIT_EPOLL)
				PUTS(b, " ep ");
			else
				PUTS(b, " fd ");
			put_u(b, e->addr);
			break;
		default:
			put_object(tr, e, b, wait_names[e->a], e->addr);
		}
		if (e->other && e->a != WAIT_JOIN && e->a != WAIT_CHILD) {
			PUTS(b, " held by T");
			put_u(b, (uint64_t)e->other);
		}
		break;
	case EV_WAKE:
		PUTS(b, "from ");
		putstr(b, wait_names[e->a]);
		if (e->other) {
			PUTS(b, " by T");
			put_u(b, (uint64_t)e->other);
		}
		line = 0;
		break;
	case EV_LOCK:
	case EV_UNLOCK:
		put_object(tr, e, b, "mutex", e->addr);
		break;
	case EV_SEM:
		put_object(tr, e, b, "semaphore", e->addr);
		PUTS(b, " count=");
		put_val(b, e->a);
		putstr(b, e->b > 0 ? " (post)" : e->b < 0 ? " (wait)" : " (post to a waiter)");
		break;
	case EV_SIGNAL:
		put_object(tr, e, b, "cond", e->addr);
		putstr(b, e->b ? " broadcast woke " : " signal woke ");
		put_u(b, (uint64_t)e->a);
		break;
	case EV_ATOMIC:
		put_object(tr, e, b, isa_builtins[e->a].name, e->addr);
		putch(b, ' ');
		put_val(b, e->rval);
		PUTS(b, " -> ");
		put_val(b, e->wval);
		break;
	case EV_YIELD:
		cut(b, b->len - 1);
		break;
	case EV_SLEEP:
		PUTS(b, "until tick ");
		put_u(b, e->addr);
		break;
	case EV_MALLOC:
		put_val(b, e->a);
		PUTS(b, " bytes -> ");
		put_x(b, e->addr);
		if (!e->addr)
			PUTS(b, " (the heap cannot grow)");
		break;
	case EV_FREE:
		put_x(b, e->addr);
		putch(b, ' ');
		put_u(b, (uint64_t)e->a);
		PUTS(b, " bytes");
		break;
	case EV_PRINT:
		trace_quote(b, e->text, e->len);
		break;
	case EV_FAULT:
		trace_fault(tr->sc, tr->m, ev_pid(e), (int)e->a, e->addr, b);
		break;
	case EV_ASSERT:
		PUTS(b, "failed: ");
		putn(b, e->text, e->len);
		break;
	case EV_DEADLOCK:
		PUTS(b, "every thread left is blocked");
		break;
	case EV_LIMIT:
		putstr(b, limit_kinds[e->a].option);
		PUTS(b, " reached");
		break;
	case EV_CO_CREATE: {
		const struct img_func *f = image_func_at(tr->sc->image, (uint64_t)e->b);
		struct coro c;
		put_x(b, e->addr);
		putch(b, ' ');
		if (f && f->addr == (uint64_t)e->b) {
			putstr(b, f->name);
			putch(b, '(');
			if (f->nparams)
				put_val(b, e->a);
			if (f->nparams > 1)
				PUTS(b, ", ...");
			putch(b, ')');
		} else {
			put_x(b, (uint64_t)e->b);
		}
		if (coro_read(tr->m, ev_pid(e), e->addr, &c) < 0) {
			PUTS(b, " stack ");
			put_x(b, c.stack);
			putch(b, '-');
			put_x(b, c.stack_hi);
		}
		break;
	}
	case EV_RESUME:
	case EV_CO_YIELD:
	case EV_CO_RETURN:
		put_coro_switch(tr, e, b);
		break;
	case EV_CLOSURE: {
		const struct img_func *f = image_func_at(tr->sc->image, (uint64_t)e->b);
		struct closure c;
		put_x(b, e->addr);
		putch(b, ' ');
		if (f && f->addr == (uint64_t)e->b)
			putstr(b, f->name);
		else
			put_x(b, (uint64_t)e->b);
		if (!closure_read(tr->m, ev_pid(e), e->addr, &c))
			break;
		PUTS(b, " env ");
		put_u(b, c.size);
		PUTS(b, " bytes");
		for (int i = 0; i < c.count; i++) {
			putch(b, ' ');
			if (f && (size_t)i < f->ncaptures)
				putstr(b, f->captures[i]);
			else
				putch(b, '?');
			putch(b, '=');
			put_val(b, machine_peek(tr->m, ev_pid(e), e->addr + (uint64_t)(CLOSURE_W_VALUES + i) * WORD));
		}
		break;
	}
	case EV_END:
		putstr(b, end_status_names[e->a]);
		if (e->a == END_OK) {
			PUTS(b, " status ");
			put_val(b, e->b);
		}
		line = 0;
		break;
	case EV_FORK:
		PUTS(b, "P");
		put_u(b, (uint64_t)e->a);
		PUTS(b, " T");
		put_u(b, (uint64_t)e->other);
		PUTS(b, " (copy-on-write copy of P");
		put_u(b, (uint64_t)e->pid);
		putch(b, ')');
		break;
	case EV_PEXIT:
		PUTS(b, "P");
		put_u(b, (uint64_t)e->a);
		switch (e->b) {
		case PE_FAULT:
			PUTS(b, " killed: ");
			putstr(b, fault_names[e->addr < FAULT_COUNT ? e->addr : FAULT_BADCALL]);
			break;
		case PE_LAST:
			PUTS(b, " last thread ended, code 0");
			break;
		default:
			putstr(b, e->b == PE_RETURN ? " main returned " : " exit ");
			put_val(b, (int64_t)e->addr);
		}
		line = 0;
		break;
	case EV_REAP:
		PUTS(b, "P");
		put_u(b, (uint64_t)e->a);
		PUTS(b, " code ");
		put_val(b, e->b);
		break;
	case EV_CONTAINER:
		PUTS(b, "P");
		put_u(b, (uint64_t)e->a);
		PUTS(b, " T");
		put_u(b, (uint64_t)e->other);
		PUTS(b, " (pid 1 in box");
		put_u(b, (uint64_t)e->b);
		PUTS(b, ") memory ");
		put_u(b, e->addr);
		PUTS(b, " cpu ");
		put_val(b, e->regval);
		putch(b, '%');
		break;
	case EV_HOSTNAME:
		PUTS(b, "box");
		put_u(b, (uint64_t)e->a);
		putch(b, ' ');
		trace_quote(b, e->text, e->len);
		break;
	case EV_THROTTLE:
		PUTS(b, "box");
		put_u(b, (uint64_t)e->a);
		PUTS(b, " used ");
		put_val(b, e->b);
		PUTS(b, " ticks (");
		put_val(b, e->regval);
		PUTS(b, "%) until tick ");
		put_u(b, e->addr);
		line = 0;
		break;
	case EV_OOM:
		PUTS(b, "box");
		put_u(b, (uint64_t)e->a);
		PUTS(b, " heap ");
		put_val(b, e->b);
		PUTS(b, " over limit ");
		put_u(b, e->addr);
		line = 0;
		break;
	case EV_RACE:
		put_object(tr, e, b, "on", e->addr);
		putstr(b, e->a ? " write" : " read");
		put_held(tr, e, b, e->held, e->nheld);
		PUTS(b, "; T");
		put_u(b, (uint64_t)e->other);
		putstr(b, e->b ? " write" : " read");
		if (e->line2) {
			PUTS(b, " at line ");
			put_u(b, (uint64_t)e->line2);
		} else {
			PUTS(b, " at ");
			put_x(b, e->pc2);
		}
		put_held(tr, e, b, e->held2, e->nheld2);
		break;
	case EV_LISTEN: case EV_CONNECT: case EV_ACCEPT: case EV_ARRIVE: case EV_READ:
	case EV_WRITE: case EV_CLOSE: case EV_REPLY: case EV_EPOLL_CTL: case EV_EPOLL:
	case EV_IOFAIL: case EV_DIAL: case EV_ANSWER:
		io_trace(e, b);
		break;
	case EV_GO: case EV_PICK: case EV_PARK: case EV_UNPARK:
		put_runtime(tr, e, b);
		break;
	default:
		cut(b, b->len - 1);
		break;
	}
	if (line) {
		PUTS(b, " (line ");
		put_u(b, (uint64_t)line);
		putch(b, ')');
	}
}

/* Write out the lines gathered so far. */
static void drain(struct tracer *tr)
{
	if (tr->line.len && fwrite(tr->line.s, 1, tr->line.len, tr->out) != tr->line.len)
		tr->failed = 1;
	tr->line.len = 0;
}

void trace_event(struct tracer *tr, const struct event *e)
{
	trace_format(tr, e, &tr->line);
	putch(&tr->line, '\n');
	if (tr->line.len >= 1 << 16)
		drain(tr);
}

int trace_flush(struct tracer *tr)
{
	drain(tr);
	if (fflush(tr->out) != 0 || ferror(tr->out))
		tr->failed = 1;
	return tr->failed ? -1 : 0;
}
