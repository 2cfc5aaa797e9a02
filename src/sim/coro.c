/* coro: creating, resuming, suspending and finishing coroutines, all
 * of whose state is in simulated memory (see coro.h). */
#include "coro.h"

#include <string.h>

#include "../lang/ast.h"
#include "core.h"
#include "heap.h"

const char *const co_status_names[3] = {
	[CO_SUSPENDED] = "suspended", [CO_RUNNING] = "running", [CO_FINISHED] = "finished",
};

/* Blocks looked at, at most, by one walk over the heap. */
#define WALK_LIMIT 65536
/* Coroutines followed, at most, down one resume chain. */
#define CHAIN_LIMIT 4096

/* Word w of the object at h. */
static int64_t word(const struct process *m, uint64_t h, int w)
{
	return mem_peek(&m->mem, h + 8u * (unsigned)w);
}

/* Read the context kept from word w of the object at h. */
static void read_ctx(const struct process *m, uint64_t h, int w, struct context *c)
{
	c->pc = (uint64_t)word(m, h, w);
	c->sp = (uint64_t)word(m, h, w + 1);
	c->fp = (uint64_t)word(m, h, w + 2);
	for (int i = 0; i < NGPR; i++)
		c->r[i] = word(m, h, w + 3 + i);
}

/* Read the coroutine with handle h, checking that it is one; see coro.h. */
int coro_read(const struct machine *mc, int pid, uint64_t h, struct coro *c)
{
	const struct process *m = machine_proc(mc, pid);
	if (!m)
		return FAULT_NOTCORO;
	const struct heap *hp = &m->heap;
	struct heap_block b;
	if ((h & 15) || h < hp->base + HEAP_HEADER || h >= hp->brk)
		return FAULT_NOTCORO;
	if (mem_tag(&m->mem, h) == TAG_FREED)
		return FAULT_UAF;
	if (mem_tag(&m->mem, h - HEAP_HEADER) != TAG_HEADER || mem_tag(&m->mem, h) != TAG_USED ||
	    !heap_block(m, h - HEAP_HEADER, &b) || !b.used ||
	    b.size < CO_OBJECT_SIZE + HEAP_HEADER ||
	    (uint64_t)word(m, h, CO_W_MAGIC) != (CO_MAGIC ^ h))
		return FAULT_NOTCORO;
	int64_t status = word(m, h, CO_W_STATUS);
	uint64_t stack = (uint64_t)word(m, h, CO_W_STACK);
	uint64_t hi = (uint64_t)word(m, h, CO_W_STACK_HI);
	if (status < CO_SUSPENDED || status > CO_FINISHED || (stack & 15) ||
	    stack < hp->base || stack > hp->brk || hi != stack + CO_STACK_SIZE || hi > hp->brk)
		return FAULT_NOTCORO;
	memset(c, 0, sizeof *c);
	c->addr = h;
	c->pid = pid;
	c->id = (int)word(m, h, CO_W_ID);
	c->status = (enum co_status)status;
	c->started = word(m, h, CO_W_STARTED) != 0;
	c->entry = (uint64_t)word(m, h, CO_W_ENTRY);
	c->tid = (int)word(m, h, CO_W_THREAD);
	c->resumer = (uint64_t)word(m, h, CO_W_RESUMER);
	c->stack = stack;
	c->stack_hi = hi;
	c->min_sp = (uint64_t)word(m, h, CO_W_MIN_SP);
	c->value = word(m, h, CO_W_VALUE);
	read_ctx(m, h, CO_W_CTX, &c->ctx);
	read_ctx(m, h, CO_W_BACK, &c->back);
	c->back_min_sp = (uint64_t)word(m, h, CO_W_BACK_MIN_SP);
	return -1;
}

/* Walk the heap from its base for coroutine objects; see coro.h. */
size_t coro_list(const struct machine *m, int pid, struct coro *out, size_t max)
{
	size_t n = 0;
	struct heap_block b;
	const struct process *p = machine_proc(m, pid);
	if (!m->ncoros || !p)
		return 0;
	uint64_t a = p->heap.base;
	for (long k = 0; n < max && k < WALK_LIMIT && heap_block(p, a, &b); k++) {
		if (b.used && b.size >= CO_OBJECT_SIZE + HEAP_HEADER &&
		    coro_read(m, pid, a + HEAP_HEADER, &out[n]) < 0)
			n++;
		if (b.size < HEAP_MIN_BLOCK)
			break;          /* a header overwritten: no walking further */
		a += b.size;
	}
	return n;
}

/* Fill c with thread t's registers, going on at pc. */
static void regs_ctx(const struct thread *t, uint64_t pc, struct context *c)
{
	c->pc = pc;
	c->sp = (uint64_t)t->r[REG_SP];
	c->fp = (uint64_t)t->r[REG_FP];
	memcpy(c->r, t->r, sizeof c->r);
}

/* Load context c into thread t's registers. */
static void ctx_regs(struct thread *t, const struct context *c)
{
	t->pc = c->pc;
	t->r[REG_SP] = (int64_t)c->sp;
	t->r[REG_FP] = (int64_t)c->fp;
	memcpy(t->r, c->r, sizeof c->r);
}

/* Where coroutine c stands now; see coro.h. */
int coro_where(const struct machine *m, const struct coro *c, struct context *ctx)
{
	const struct thread *t = machine_thread(m, c->tid);
	switch (c->status) {
	case CO_SUSPENDED:
		*ctx = c->ctx;
		return 1;
	case CO_RUNNING:
		if (t && t->co == c->addr)
			regs_ctx(t, t->pc, ctx);
		else
			*ctx = c->ctx;  /* saved when it resumed the next one */
		return 1;
	default:
		return 0;
	}
}

/* Follow t's resume chain down to its own stack's context; see coro.h. */
int coro_home(const struct machine *m, const struct thread *t, struct context *ctx)
{
	uint64_t h = t->co;
	struct coro c;
	for (int k = 0; h && k < CHAIN_LIMIT; k++) {
		if (coro_read(m, t->pid, h, &c) >= 0)
			return 0;
		if (!c.resumer) {
			*ctx = c.back;
			return 1;
		}
		h = c.resumer;
	}
	return 0;
}

/* Writes into one coroutine object; failed once a word could not be
 * written (the memory limit). */
struct writer {
	struct process *p;
	uint64_t h;
	int failed;
};

/* Write v to word w of the object. */
static void put(struct writer *w, int at, int64_t v)
{
	if (mem_poke(&w->p->mem, w->h + 8u * (unsigned)at, v) != MEM_OK)
		w->failed = 1;
}

/* Write context c from word at of the object. */
static void put_ctx(struct writer *w, int at, const struct context *c)
{
	put(w, at, (int64_t)c->pc);
	put(w, at + 1, (int64_t)c->sp);
	put(w, at + 2, (int64_t)c->fp);
	for (int i = 0; i < NGPR; i++)
		put(w, at + 3 + i, c->r[i]);
}

/* Send an event of kind k about coroutine c, run by t. */
static void co_event(struct machine *m, enum event_kind k, const struct thread *t,
		     const struct coro *c, int64_t a, int64_t b, const struct context *from,
		     const struct context *to)
{
	if (!ev_on(m, k))
		return;
	struct event *e = ev_begin(m, k, t);
	e->addr = c->addr;
	e->other = c->id;
	e->a = a;
	e->b = b;
	e->from = from;
	e->to = to;
	ev_emit(m);
}

/* Make t run on the stack of coroutine c (NULL: its own stack), whose
 * deepest sp so far is min_sp. */
static void enter(struct thread *t, const struct coro *c, uint64_t min_sp)
{
	t->co = c ? c->addr : 0;
	t->co_lo = c ? c->stack + CO_GUARD : 0;
	t->co_hi = c ? c->stack_hi : 0;
	t->min_sp = min_sp;
}

/* coroutine(f, args...): a new suspended coroutine; its handle in r0. */
static int co_create(struct machine *m, struct thread *t, const int64_t *a, int argc)
{
	struct process *p = thread_proc(m, t);
	uint64_t h = heap_alloc(p, CO_OBJECT_SIZE, t->id);
	uint64_t stack = h ? heap_alloc(p, CO_STACK_SIZE, t->id) : 0;
	if (!stack) {
		if (m->state != RUN_ENDED)
			machine_limit(m, t, LIMIT_MEMORY);
		return 0;
	}
	/* f's first frame, as a call would leave it: the arguments right
	 * to left, then where f returns to */
	struct writer s = { p, 0, 0 };
	uint64_t hi = stack + CO_STACK_SIZE, sp = hi;
	for (int i = argc; i-- > 1;) {
		sp -= 8;
		s.h = sp;
		put(&s, 0, a[i]);
	}
	sp -= 8;
	s.h = sp;
	put(&s, 0, (int64_t)m->img->co_return);

	struct coro c = { .addr = h, .id = m->ncoros + 1, .entry = (uint64_t)a[0],
			  .tid = t->id, .stack = stack, .stack_hi = hi, .min_sp = sp };
	c.ctx.pc = c.entry;
	c.ctx.sp = sp;
	struct writer w = { p, h, s.failed };
	put(&w, CO_W_MAGIC, (int64_t)(CO_MAGIC ^ h));
	put(&w, CO_W_ID, c.id);
	put(&w, CO_W_STATUS, CO_SUSPENDED);
	put(&w, CO_W_STARTED, 0);
	put(&w, CO_W_ENTRY, (int64_t)c.entry);
	put(&w, CO_W_THREAD, c.tid);
	put(&w, CO_W_RESUMER, 0);
	put(&w, CO_W_STACK, (int64_t)stack);
	put(&w, CO_W_STACK_HI, (int64_t)hi);
	put(&w, CO_W_MIN_SP, (int64_t)sp);
	put(&w, CO_W_VALUE, 0);
	put_ctx(&w, CO_W_CTX, &c.ctx);
	put_ctx(&w, CO_W_BACK, &c.back);
	put(&w, CO_W_BACK_MIN_SP, 0);
	if (w.failed) {
		machine_limit(m, t, LIMIT_MEMORY);
		return 0;
	}
	m->ncoros++;
	t->r[R0] = (int64_t)h;
	co_event(m, EV_CO_CREATE, t, &c, argc > 1 ? a[1] : 0, (int64_t)c.entry, NULL, &c.ctx);
	return 0;
}

/* resume(h, v): switch t to coroutine h; v is what its yield returns. */
static int co_resume(struct machine *m, struct thread *t, uint64_t h, int64_t v)
{
	struct coro c;
	int f = coro_read(m, t->pid, h, &c);
	if (f < 0 && c.status != CO_SUSPENDED)
		f = c.status == CO_FINISHED ? FAULT_CODONE : FAULT_CORUNNING;
	if (f >= 0) {
		machine_fault(m, t, (enum fault_kind)f, h);
		return 0;
	}
	struct context from, to = c.ctx;
	regs_ctx(t, t->pc + INSN_SIZE, &from);
	int first = !c.started;
	if (!first)
		to.r[R0] = v;   /* what its yield evaluates to */
	struct writer w = { thread_proc(m, t), h, 0 };
	put(&w, CO_W_STATUS, CO_RUNNING);
	put(&w, CO_W_STARTED, 1);
	put(&w, CO_W_THREAD, t->id);
	put(&w, CO_W_RESUMER, (int64_t)t->co);
	put_ctx(&w, CO_W_BACK, &from);
	put(&w, CO_W_BACK_MIN_SP, (int64_t)t->min_sp);
	if (t->co) {
		/* a coroutine resumes another: where it stands is its own too */
		struct writer r = { thread_proc(m, t), t->co, 0 };
		put_ctx(&r, CO_W_CTX, &from);
		put(&r, CO_W_MIN_SP, (int64_t)t->min_sp);
		w.failed |= r.failed;
	}
	if (w.failed) {
		machine_limit(m, t, LIMIT_MEMORY);
		return 0;
	}
	co_event(m, EV_RESUME, t, &c, v, first, &from, &to);
	ctx_regs(t, &to);
	enter(t, &c, c.min_sp);
	return 1;
}

/* Free the stack block of coroutine c, if it still is one. */
static void free_stack(struct machine *m, const struct coro *c)
{
	struct heap_block b;
	uint64_t size;
	struct process *p = machine_proc(m, c->pid);
	if (heap_block(p, c->stack - HEAP_HEADER, &b) && b.used &&
	    b.size == CO_STACK_SIZE + HEAP_HEADER)
		heap_free(p, c->stack, &size);
}

/* Switch t from its coroutine back to the resumer, v what the resume
 * evaluates to: finished (finish 1), or suspended going on after the
 * instruction (yield), or parked (park 1: going on at the instruction
 * itself, which runs again; the PARK event says it waits in
 * wait_fd[0] on descriptor wait_fd[1]). */
static int co_switch_back(struct machine *m, struct thread *t, int64_t v, int finish, int park,
			  int64_t wait_fd[2])
{
	struct coro c, r;
	uint64_t h = t->co;
	int f = h ? coro_read(m, t->pid, h, &c) : FAULT_YIELDOUT;
	if (f < 0 && c.status != CO_RUNNING)
		f = FAULT_NOTCORO;      /* its object was overwritten */
	if (f < 0 && c.resumer && (f = coro_read(m, t->pid, c.resumer, &r)) >= 0)
		h = c.resumer;
	if (f >= 0) {
		machine_fault(m, t, (enum fault_kind)f, h);
		return 0;
	}
	if (finish) {
		const struct img_func *fn = image_func_at(m->img, c.entry);
		if (fn && fn->addr == c.entry && !fn->returns_value)
			v = 0;
	}
	struct context from, to = c.back;
	regs_ctx(t, park ? t->pc : t->pc + INSN_SIZE, &from);
	to.r[R0] = v;
	struct writer w = { thread_proc(m, t), h, 0 };
	put(&w, CO_W_STATUS, finish ? CO_FINISHED : CO_SUSPENDED);
	put(&w, CO_W_VALUE, v);
	put_ctx(&w, CO_W_CTX, &from);
	put(&w, CO_W_MIN_SP, (int64_t)t->min_sp);
	if (w.failed) {
		machine_limit(m, t, LIMIT_MEMORY);
		return 0;
	}
	if (finish)
		free_stack(m, &c);
	if (park)
		co_event(m, EV_PARK, t, &c, wait_fd[0], wait_fd[1], &from, &to);
	else
		co_event(m, finish ? EV_CO_RETURN : EV_CO_YIELD, t, &c, v, 0,
			 finish ? NULL : &from, &to);
	ctx_regs(t, &to);
	enter(t, c.resumer ? &r : NULL, c.back_min_sp);
	return 1;
}

/* yield(v) (finish 0) or the return of the coroutine's function into
 * co_return (finish 1): switch t back to the coroutine's resumer, with
 * v as what its resume evaluates to. */
static int co_leave(struct machine *m, struct thread *t, int64_t v, int finish)
{
	return co_switch_back(m, t, v, finish, 0, NULL);
}

int coro_park(struct machine *m, struct thread *t, int wait, int64_t fd)
{
	int64_t wf[2] = { wait, fd };
	return co_switch_back(m, t, 0, 0, 1, wf);
}

/* co_status(h): 0 suspended, 1 running, 2 finished, in r0. */
static int co_status(struct machine *m, struct thread *t, uint64_t h)
{
	struct coro c;
	int f = coro_read(m, t->pid, h, &c);
	if (f >= 0)
		machine_fault(m, t, (enum fault_kind)f, h);
	else
		t->r[R0] = c.status;
	return 0;
}

/* Run one coroutine builtin; see coro.h. */
int coro_call(struct machine *m, struct thread *t, int bi, const int64_t *a, int argc)
{
	switch (bi) {
	case BI_COROUTINE:
		return co_create(m, t, a, argc);
	case BI_RESUME:
		return co_resume(m, t, (uint64_t)a[0], a[1]);
	case BI_YIELD:
		return co_leave(m, t, a[0], 0);
	case BI_CO_RETURN:
		return co_leave(m, t, a[0], 1);
	case BI_CO_STATUS:
		return co_status(m, t, (uint64_t)a[0]);
	default:
		machine_fault(m, t, FAULT_BADCALL, (uint64_t)bi);
		return 0;
	}
}

/* The process faults: t's sp left its coroutine's stack. */
void coro_overflow(struct machine *m, struct thread *t)
{
	machine_fault(m, t, FAULT_COSTACK, (uint64_t)t->r[REG_SP]);
}
