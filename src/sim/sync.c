/* sync: mutexes, semaphores, condition variables, atomics, sleeping and
 * yielding.  A sync object is 16 bytes of simulated memory:
 *
 *   mutex      word 0 the owner's thread id (0: free), word 1 waiters
 *   semaphore  word 0 the count,                       word 1 waiters
 *   cond       word 0 waiters
 *
 * Wait queues are first come, first served, and a release hands the
 * object straight to the thread that waited longest. */
#include "../lang/ast.h"
#include "core.h"
#include "race.h"

/* Emit an event of kind k about object addr with values a and b. */
static void note(struct machine *m, enum event_kind k, const struct thread *t,
		 uint64_t addr, int64_t a, int64_t b)
{
	if (!ev_on(m, k))
		return;
	struct event *e = ev_begin(m, k, t);
	e->addr = addr;
	e->a = a;
	e->b = b;
	ev_emit(m);
}

/* Add d to the waiter count (word 1) of the object at addr. */
static int waiters(struct machine *m, struct thread *t, uint64_t addr, int d)
{
	int64_t w;
	if (cpu_load(m, t, addr, &w) < 0)
		return -1;
	return cpu_store(m, t, addr, w + d);
}

/* Give the mutex at addr to w, which waited for it. */
static int hand_mutex(struct machine *m, struct thread *by, struct thread *w, uint64_t addr)
{
	if (cpu_store(m, by, addr, w->id) < 0 || waiters(m, by, addr + 8, -1) < 0)
		return -1;
	race_lock(m, w->id, addr);
	thread_wake(m, w, by->id, 0);
	note(m, EV_LOCK, w, addr, 0, 0);
	return 0;
}

/* Release the mutex at addr held by t. */
static int release(struct machine *m, struct thread *t, uint64_t addr)
{
	int64_t owner;
	if (cpu_load(m, t, addr, &owner) < 0)
		return -1;
	if (owner != t->id) {
		machine_fault(m, t, FAULT_NOTOWNER, addr);
		return -1;
	}
	race_unlock(m, t->id, addr);
	note(m, EV_UNLOCK, t, addr, 0, 0);
	struct thread *w = thread_first_waiter(m, t->pid, WAIT_MUTEX, addr);
	if (w)
		return hand_mutex(m, t, w, addr);
	return cpu_store(m, t, addr, 0);
}

/* t takes the mutex at addr, or waits for it. */
static void acquire(struct machine *m, struct thread *t, uint64_t addr)
{
	int64_t owner;
	if (cpu_load(m, t, addr, &owner) < 0)
		return;
	if (!owner) {
		if (cpu_store(m, t, addr, t->id) == 0) {
			race_lock(m, t->id, addr);
			note(m, EV_LOCK, t, addr, 0, 0);
		}
		return;
	}
	if (waiters(m, t, addr + 8, 1) == 0)
		thread_block(m, t, WAIT_MUTEX, addr, (int)owner);
}

/* A thread woken from a cond wants its mutex back: it takes it or waits. */
static void reacquire(struct machine *m, struct thread *by, struct thread *w)
{
	uint64_t mx = w->wait_mutex;
	int64_t owner;
	if (cpu_load(m, by, mx, &owner) < 0)
		return;
	if (!owner) {
		if (cpu_store(m, by, mx, w->id) < 0)
			return;
		race_lock(m, w->id, mx);
		thread_wake(m, w, by->id, 0);
		note(m, EV_LOCK, w, mx, 0, 0);
		return;
	}
	if (waiters(m, by, mx + 8, 1) == 0)
		thread_block(m, w, WAIT_MUTEX, mx, (int)owner);
}

/* Wake one (all: every) thread waiting on the cond at addr. */
static void signal_cond(struct machine *m, struct thread *t, uint64_t addr, int all)
{
	int n = 0;
	struct thread *w;
	while ((w = thread_first_waiter(m, t->pid, WAIT_COND, addr))) {
		if (waiters(m, t, addr, -1) < 0)
			return;
		race_handoff(m, t->id, w->id);  /* what t did before comes before w's wake */
		reacquire(m, t, w);
		if (m->state == RUN_ENDED)
			return;
		n++;
		if (!all)
			break;
	}
	note(m, EV_SIGNAL, t, addr, n, all);
}

/* An atomic read-modify-write of the word at addr. */
static void atomic(struct machine *m, struct thread *t, int bi, const int64_t *a)
{
	uint64_t addr = (uint64_t)a[0];
	int64_t old, val;
	if (cpu_load(m, t, addr, &old) < 0)
		return;
	switch (bi) {
	case BI_ATOMIC_ADD:
		val = (int64_t)((uint64_t)old + (uint64_t)a[1]);
		t->r[R0] = old;
		break;
	case BI_CAS:
		val = old == a[1] ? a[2] : old;
		t->r[R0] = old == a[1];
		break;
	default:        /* BI_XCHG */
		val = a[1];
		t->r[R0] = old;
		break;
	}
	if (cpu_store(m, t, addr, val) < 0)
		return;
	int raced = race_atomic(m, t, addr, t->pc);
	if (ev_on(m, EV_ATOMIC)) {
		struct event *e = ev_begin(m, EV_ATOMIC, t);
		e->addr = addr;
		e->raddr = e->waddr = addr;
		e->rval = old;
		e->wval = val;
		e->a = bi;
		ev_emit(m);
	}
	if (raced)
		race_emit(m, t);
}

/* t gives up its core to the next ready thread, if there is one. */
static void yield(struct machine *m, struct thread *t)
{
	note(m, EV_YIELD, t, 0, 0, 0);
	if (m->nready) {
		t->state = TS_READY;
		ready_push(m, t->id);
	}
}

void sync_call(struct machine *m, struct thread *t, int bi, const int64_t *a)
{
	uint64_t addr = (uint64_t)a[0];
	int64_t v;
	switch (bi) {
	case BI_LOCK:
		acquire(m, t, addr);
		break;
	case BI_TRYLOCK:
		if (cpu_load(m, t, addr, &v) < 0)
			break;
		t->r[R0] = !v;
		if (!v && cpu_store(m, t, addr, t->id) == 0) {
			race_lock(m, t->id, addr);
			note(m, EV_LOCK, t, addr, 0, 0);
		}
		break;
	case BI_UNLOCK:
		release(m, t, addr);
		break;
	case BI_SEM_WAIT:
		if (cpu_load(m, t, addr, &v) < 0)
			break;
		if (v > 0) {
			if (cpu_store(m, t, addr, v - 1) == 0) {
				race_acquire(m, t->id, addr);
				note(m, EV_SEM, t, addr, v - 1, -1);
			}
		} else if (waiters(m, t, addr + 8, 1) == 0) {
			thread_block(m, t, WAIT_SEM, addr, 0);
		}
		break;
	case BI_SEM_POST: {
		struct thread *w = thread_first_waiter(m, t->pid, WAIT_SEM, addr);
		if (cpu_load(m, t, addr, &v) < 0)
			break;
		if (w) {                /* the unit goes straight to the waiter */
			if (waiters(m, t, addr + 8, -1) < 0)
				break;
			race_handoff(m, t->id, w->id);
			note(m, EV_SEM, t, addr, v, 0);
			thread_wake(m, w, t->id, 0);
		} else if (cpu_store(m, t, addr, (int64_t)((uint64_t)v + 1)) == 0) {
			race_release(m, t->id, addr);
			note(m, EV_SEM, t, addr, v + 1, 1);
		}
		break;
	}
	case BI_COND_WAIT: {
		uint64_t mx = (uint64_t)a[1];
		if (release(m, t, mx) < 0 || waiters(m, t, addr, 1) < 0)
			break;
		thread_block(m, t, WAIT_COND, addr, 0);
		t->wait_mutex = mx;
		break;
	}
	case BI_COND_SIGNAL:
	case BI_COND_BROADCAST:
		signal_cond(m, t, addr, bi == BI_COND_BROADCAST);
		break;
	case BI_ATOMIC_ADD:
	case BI_CAS:
	case BI_XCHG:
		atomic(m, t, bi, a);
		break;
	case BI_SLEEP:
		if (a[0] <= 0) {
			yield(m, t);
			break;
		}
	{
		/* it sleeps through the next n ticks */
		uint64_t n = (uint64_t)a[0], until = n > UINT64_MAX / 4 - m->tick ?
						   UINT64_MAX / 4 : m->tick + n + 1;
		note(m, EV_SLEEP, t, until, a[0], 0);
		thread_block(m, t, WAIT_SLEEP, until, 0);
		break;
	}
	case BI_SCHED_YIELD:
		yield(m, t);
		break;
	}
}
