/* thread: creating and ending threads, their memory slots (in their
 * process's address space), waiting and waking, and the ready queue. */
#include <stdlib.h>
#include <string.h>

#include "../lang/ast.h"
#include "core.h"
#include "race.h"

/* The slot of thread id: from the top of the address space down, each
 * holds (high to low) the TLS block, the stack and a guard page. */
static uint64_t slot_top(int id)
{
	return STACK_TOP - (uint64_t)(id - 1) * THREAD_SLOT;
}

struct thread *thread_new(struct machine *m, struct thread *by)
{
	if (m->nthreads >= MAX_THREADS_LIMIT || m->nthreads >= m->lim.max_threads) {
		machine_limit(m, by, LIMIT_THREADS);
		return NULL;
	}
	if (m->nthreads == m->cap_threads) {
		m->cap_threads = m->cap_threads ? m->cap_threads * 2 : 8;
		m->threads = xrealloc(m->threads, (size_t)m->cap_threads * sizeof *m->threads);
	}
	struct thread *t = &m->threads[m->nthreads++];
	memset(t, 0, sizeof *t);
	t->id = m->nthreads;
	t->core = -1;
	t->created = m->tick;
	return t;
}

struct thread *thread_create(struct machine *m, int pid, struct thread *parent, uint64_t entry,
			     const int64_t *args, int nargs)
{
	if (m->nthreads >= MAX_THREADS_LIMIT || m->nthreads >= m->lim.max_threads) {
		machine_limit(m, parent, LIMIT_THREADS);
		return NULL;
	}
	struct process *p = machine_proc(m, pid);
	int id = m->nthreads + 1;
	uint64_t top = slot_top(id);
	uint64_t tls_bytes = (m->img->tls_size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	uint64_t stack_hi = top - tls_bytes, stack_lo = stack_hi - STACK_SIZE;
	mem_map(&p->mem, stack_lo - PAGE_SIZE, PAGE_SIZE, MP_GUARD);
	mem_map(&p->mem, stack_lo, STACK_SIZE + tls_bytes, MP_R | MP_W);
	if (m->img->tls_size &&
	    mem_poke_bytes(&p->mem, stack_hi, m->img->tls, m->img->tls_size) != MEM_OK) {
		machine_limit(m, parent, LIMIT_MEMORY);
		return NULL;
	}
	/* the arguments, right to left, then where the entry returns to */
	uint64_t sp = stack_hi;
	for (int i = nargs; i-- > 0;) {
		sp -= 8;
		if (mem_poke(&p->mem, sp, args[i]) != MEM_OK) {
			machine_limit(m, parent, LIMIT_MEMORY);
			return NULL;
		}
	}
	if (parent) {
		sp -= 8;
		if (mem_poke(&p->mem, sp, (int64_t)m->img->thread_exit) != MEM_OK) {
			machine_limit(m, parent, LIMIT_MEMORY);
			return NULL;
		}
	}
	p->threads++;

	/* the array may move: callers must look their threads up again */
	int parent_id = parent ? parent->id : 0;
	struct thread *t = thread_new(m, parent);
	parent = machine_thread(m, parent_id);
	t->pid = pid;
	t->state = TS_READY;
	t->pc = entry;
	t->entry = entry;
	t->arg = nargs ? args[0] : 0;
	t->slot_lo = top - THREAD_SLOT;
	t->stack_lo = stack_lo;
	t->stack_hi = stack_hi;
	t->tls = stack_hi;
	t->min_sp = sp;
	t->r[REG_SP] = (int64_t)sp;
	t->r[REG_TP] = (int64_t)stack_hi;
	race_thread_start(m, parent_id, id);
	ready_push(m, id);
	if (parent && ev_on(m, EV_SPAWN)) {
		struct event *e = ev_begin(m, EV_SPAWN, parent);
		e->other = id;
		e->addr = entry;
		e->a = t->arg;
		ev_emit(m);
	}
	return t;
}

void thread_exit(struct machine *m, struct thread *t, int64_t value)
{
	const struct img_func *f = image_func_at(m->img, t->entry);
	t->retval = f && !f->returns_value ? 0 : value;
	t->state = TS_DONE;
	t->ended = m->tick;
	if (ev_on(m, EV_EXIT)) {
		struct event *e = ev_begin(m, EV_EXIT, t);
		e->a = t->retval;
		ev_emit(m);
	}
	for (struct thread *w; (w = thread_first_waiter(m, t->pid, WAIT_JOIN, (uint64_t)t->id));) {
		race_join(m, w->id, t->id);
		thread_wake(m, w, t->id, t->retval);
	}
	/* once a program has forked, a process ends with its last thread */
	if (m->nprocs > 1 && !proc_threads_left(m, t->pid))
		proc_end(m, thread_proc(m, t), t, PE_LAST, 0, 0, 0);
}

/* Whether waits of kind are kept in queues. */
static int queued(enum wait_kind kind)
{
	return kind == WAIT_JOIN || kind == WAIT_MUTEX || kind == WAIT_SEM || kind == WAIT_COND ||
	       kind == WAIT_CHILD;
}

/* The slot of pid/kind/on in the wait queues' table (cap_waitqs > 0):
 * its own, or the free one where it would go. */
static uint32_t waitq_slot(const struct machine *m, int pid, int kind, uint64_t on)
{
	uint64_t h = (on * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)pid << 8 | (uint64_t)kind);
	uint32_t mask = m->cap_waitqs - 1, i = (uint32_t)((h * 0xbf58476d1ce4e5b9ull) >> 32) & mask;
	for (;; i = (i + 1) & mask) {
		const struct waitq *q = &m->waitqs[i];
		if (q->kind == WAIT_NONE || (q->on == on && q->pid == pid && q->kind == kind))
			return i;
	}
}

/* The queue of the threads of pid waiting for kind/on; made when
 * missing if make is set (else NULL). */
static struct waitq *waitq_find(struct machine *m, int pid, int kind, uint64_t on, int make)
{
	if (m->cap_waitqs) {
		struct waitq *q = &m->waitqs[waitq_slot(m, pid, kind, on)];
		if (q->kind != WAIT_NONE || !make)
			return q->kind != WAIT_NONE ? q : NULL;
	} else if (!make) {
		return NULL;
	}
	if (2 * (m->nwaitqs + 1) > m->cap_waitqs) {
		struct waitq *old = m->waitqs;
		uint32_t oldcap = m->cap_waitqs;
		m->cap_waitqs = oldcap ? 2 * oldcap : 16;
		m->waitqs = xcalloc(m->cap_waitqs, sizeof *m->waitqs);
		for (uint32_t i = 0; i < oldcap; i++)
			if (old[i].kind != WAIT_NONE)
				m->waitqs[waitq_slot(m, old[i].pid, old[i].kind, old[i].on)] = old[i];
		xfree(old);
	}
	struct waitq *q = &m->waitqs[waitq_slot(m, pid, kind, on)];
	*q = (struct waitq){ on, pid, kind, 0, 0 };
	m->nwaitqs++;
	return q;
}

/* Take t out of the queue it waits in. */
static void waitq_unlink(struct machine *m, struct thread *t)
{
	struct waitq *q = waitq_find(m, t->pid, t->wait, t->wait_on, 0);
	if (t->wq_prev)
		m->threads[t->wq_prev - 1].wq_next = t->wq_next;
	else
		q->head = t->wq_next;
	if (t->wq_next)
		m->threads[t->wq_next - 1].wq_prev = t->wq_prev;
	else
		q->tail = t->wq_prev;
	t->wq_in = t->wq_prev = t->wq_next = 0;
}

/* Put t, which has just started to wait, at the back of its queue. */
static void waitq_link(struct machine *m, struct thread *t)
{
	struct waitq *q = waitq_find(m, t->pid, t->wait, t->wait_on, 1);
	t->wq_in = 1;
	t->wq_prev = q->tail;
	t->wq_next = 0;
	if (q->tail)
		m->threads[q->tail - 1].wq_next = t->id;
	else
		q->head = t->id;
	q->tail = t->id;
}

/* Whether timed wait a comes before b. */
static int timed_before(const struct timed_wait *a, const struct timed_wait *b)
{
	return a->at != b->at ? a->at < b->at : a->seq < b->seq;
}

/* Put a timed wait into the heap. */
static void timed_push(struct machine *m, struct timed_wait w)
{
	if (m->ntimed == m->cap_timed) {
		m->cap_timed = m->cap_timed ? 2 * m->cap_timed : 16;
		m->timed = xrealloc(m->timed, (size_t)m->cap_timed * sizeof *m->timed);
	}
	int i = m->ntimed++;
	while (i && timed_before(&w, &m->timed[(i - 1) / 2])) {
		m->timed[i] = m->timed[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	m->timed[i] = w;
}

/* Take the first timed wait off the heap. */
static void timed_pop(struct machine *m)
{
	struct timed_wait last = m->timed[--m->ntimed];
	int i = 0;
	for (;;) {
		int c = 2 * i + 1;
		if (c >= m->ntimed)
			break;
		if (c + 1 < m->ntimed && timed_before(&m->timed[c + 1], &m->timed[c]))
			c++;
		if (!timed_before(&m->timed[c], &last))
			break;
		m->timed[i] = m->timed[c];
		i = c;
	}
	if (m->ntimed)
		m->timed[i] = last;
}

/* The thread of timed wait w while that wait lasts, or NULL. */
static struct thread *timed_thread(struct machine *m, const struct timed_wait *w)
{
	struct thread *t = &m->threads[w->tid - 1];
	return t->state == TS_BLOCKED && t->wait_seq == w->seq ? t : NULL;
}

void thread_block(struct machine *m, struct thread *t, enum wait_kind kind, uint64_t on,
		  int holder)
{
	if (t->wq_in)
		waitq_unlink(m, t);     /* a cond's waiter now waits for the mutex */
	t->state = TS_BLOCKED;
	t->wait = kind;
	t->wait_on = on;
	t->wait_seq = ++m->seq;
	t->wait_pc = t->pc;
	if (queued(kind))
		waitq_link(m, t);
	if (kind == WAIT_SLEEP || t->wait_until)
		timed_push(m, (struct timed_wait){ kind == WAIT_SLEEP ? on : t->wait_until,
						   t->wait_seq, t->id });
	if (kind >= WAIT_ACCEPT)
		m->io_waiting[(t->id - 1) / 64] |= 1ull << ((t->id - 1) % 64);
	if (kind == WAIT_SLEEP && on < m->next_wake)
		m->next_wake = on;
	if (kind != WAIT_SLEEP && t->wait_until && t->wait_until < m->next_wake)
		m->next_wake = t->wait_until;
	if (ev_on(m, EV_BLOCK)) {
		struct event *e = ev_begin(m, EV_BLOCK, t);
		e->a = kind;
		e->addr = on;
		e->other = holder;
		ev_emit(m);
	}
}

void thread_wake(struct machine *m, struct thread *t, int by, int64_t result)
{
	enum wait_kind was = t->wait;
	if (t->wq_in)
		waitq_unlink(m, t);
	m->io_waiting[(t->id - 1) / 64] &= ~(1ull << ((t->id - 1) % 64));
	t->r[R0] = result;
	t->wait = WAIT_NONE;
	t->wait_on = 0;
	t->state = TS_READY;
	ready_push(m, t->id);
	if (ev_on(m, EV_WAKE)) {
		struct event *e = ev_begin(m, EV_WAKE, t);
		e->a = was;
		e->other = by;
		ev_emit(m);
	}
}

struct thread *thread_first_waiter(struct machine *m, int pid, enum wait_kind kind,
				   uint64_t on)
{
	struct waitq *q = waitq_find(m, pid, kind, on, 0);
	while (q && q->head) {
		struct thread *t = &m->threads[q->head - 1];
		if (t->state == TS_BLOCKED)
			return t;
		waitq_unlink(m, t);     /* its process died: it waits no more */
	}
	return NULL;
}

/* Order thread ids, for qsort. */
static int by_id(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

void thread_wake_sleepers(struct machine *m)
{
	net_run(m);
	/* the waits whose time has come, woken in the order of their ids */
	int *due = NULL;
	size_t ndue = 0, cap = 0;
	while (m->ntimed && (m->timed[0].at <= m->tick || !timed_thread(m, &m->timed[0]))) {
		if (timed_thread(m, &m->timed[0])) {
			due = xgrow(due, &cap, ndue + 1, sizeof *due);
			due[ndue++] = m->timed[0].tid;
		}
		timed_pop(m);
	}
	if (ndue > 1)
		qsort(due, ndue, sizeof *due, by_id);
	for (size_t i = 0; i < ndue; i++) {
		struct thread *t = &m->threads[due[i] - 1];
		if (t->wait == WAIT_CPU) {      /* its container's next CPU period: it goes on */
			t->wait_until = 0;
			thread_wake(m, t, 0, t->r[R0]);
			continue;
		}
		if (t->wait != WAIT_SLEEP)
			t->io_again = 2;        /* a timed I/O wait ran out */
		thread_wake(m, t, 0, 0);
	}
	xfree(due);
	uint64_t next = net_next(m);
	if (m->ntimed && m->timed[0].at < next)
		next = m->timed[0].at;
	m->next_wake = next;
}

void ready_push(struct machine *m, int tid)
{
	int off = (int)(m->ready - m->ready_base);
	if (off + m->nready == m->cap_ready) {
		if (off && off >= m->nready) {  /* room at the front: move down */
			memmove(m->ready_base, m->ready, (size_t)m->nready * sizeof *m->ready);
			off = 0;
		} else {
			m->cap_ready = m->cap_ready ? m->cap_ready * 2 : 8;
			m->ready_base = xrealloc(m->ready_base, (size_t)m->cap_ready * sizeof *m->ready);
		}
		m->ready = m->ready_base + off;
	}
	m->ready[m->nready++] = tid;
}

void ready_remove(struct machine *m, int tid)
{
	if (m->nready && m->ready[0] == tid) {  /* the front, the usual one */
		m->ready++;
		m->nready--;
		return;
	}
	for (int i = 1; i < m->nready; i++)
		if (m->ready[i] == tid) {
			memmove(m->ready + i, m->ready + i + 1,
				(size_t)(m->nready - i - 1) * sizeof *m->ready);
			m->nready--;
			return;
		}
}
