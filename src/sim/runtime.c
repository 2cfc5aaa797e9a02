/* runtime: go, the run queue, the workers' loop, parking and waking.
 * See runtime.h. */
#include "runtime.h"

#include <string.h>

#include "../lang/ast.h"
#include "core.h"
#include "coro.h"
#include "fd.h"
#include "heap.h"
#include "race.h"
#include "service.h"

const char *const rco_state_names[RCO_COUNT] = {
#define X(id, name) [RCO_##id] = name,
	RCO_STATES(X)
#undef X
};

void runtime_init(struct runtime *rt)
{
	memset(rt, 0, sizeof *rt);
}

void runtime_copy(struct runtime *dst, const struct runtime *src)
{
	*dst = *src;
	dst->co = src->cap_co ? xmalloc((size_t)src->cap_co * sizeof *dst->co) : NULL;
	if (src->nco)
		memcpy(dst->co, src->co, (size_t)src->nco * sizeof *dst->co);
	dst->runq = src->rq_cap ? xmalloc((size_t)src->rq_cap * sizeof *dst->runq) : NULL;
	if (src->rq_cap)
		memcpy(dst->runq, src->runq, (size_t)src->rq_cap * sizeof *dst->runq);
}

void runtime_free(struct runtime *rt)
{
	xfree(rt->co);
	xfree(rt->runq);
	memset(rt, 0, sizeof *rt);
}

int runtime_used(const struct machine *m)
{
	return m->rt.nco > 0;
}

/* Mix n bytes at p into h (FNV-1a). */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

uint64_t runtime_hash(const struct machine *m, uint64_t h)
{
	const struct runtime *rt = &m->rt;
	if (!rt->nco)
		return h;
	int64_t w[] = { rt->nworkers, rt->live, rt->alive, rt->waiters, rt->closing, rt->rq_n };
	h = mix(h, w, sizeof w);
	for (int i = 0; i < rt->nco; i++) {
		const struct rco *c = &rt->co[i];
		int64_t x[] = { c->state, c->worker, c->wait, c->fd, c->file, c->next };
		h = mix(h, x, sizeof x);
	}
	for (int i = 0; i < rt->rq_n; i++)
		h = mix(h, &rt->runq[(rt->rq_head + i) % rt->rq_cap], sizeof(int));
	for (int i = 0; i < rt->nworkers; i++)
		h = mix(h, &rt->cur[i], sizeof(int));
	return h;
}

/* Move coroutine c to state s. */
static void set_state(struct machine *m, struct rco *c, enum rco_state s)
{
	m->rt.by_state[c->state]--;
	m->rt.by_state[s]++;
	c->state = s;
	c->since = m->tick;
}

/* Put coroutine i at the back of the run queue. */
static void enqueue(struct runtime *rt, int i)
{
	if (rt->rq_n == rt->rq_cap) {
		int cap = rt->rq_cap ? 2 * rt->rq_cap : 16;
		int *q = xmalloc((size_t)cap * sizeof *q);
		for (int k = 0; k < rt->rq_n; k++)
			q[k] = rt->runq[(rt->rq_head + k) % rt->rq_cap];
		xfree(rt->runq);
		rt->runq = q;
		rt->rq_cap = cap;
		rt->rq_head = 0;
	}
	rt->runq[(rt->rq_head + rt->rq_n++) % rt->rq_cap] = i;
}

/* Take the coroutine at the front of the run queue (-1: none). */
static int dequeue(struct runtime *rt)
{
	if (!rt->rq_n)
		return -1;
	int i = rt->runq[rt->rq_head];
	rt->rq_head = (rt->rq_head + 1) % rt->rq_cap;
	rt->rq_n--;
	return i;
}

/* Worker tid's place in the pool, or -1. */
static int worker_index(const struct runtime *rt, int tid)
{
	for (int i = 0; i < rt->nworkers; i++)
		if (rt->workers[i] == tid)
			return i;
	return -1;
}

/* Wake the worker that has waited longest on the run queue, if one
 * does; by is who woke it. */
static void wake_worker(struct machine *m, int by)
{
	struct thread *best = NULL;
	for (int i = 0; i < m->rt.nworkers; i++) {
		struct thread *w = machine_thread(m, m->rt.workers[i]);
		if (w && w->state == TS_BLOCKED && w->wait == WAIT_RUNQ &&
		    (!best || w->wait_seq < best->wait_seq))
			best = w;
	}
	if (best)
		thread_wake(m, best, by, 0);
}

/* Start the pool of workers in t's process: #workers of them, or one
 * per core. */
static void start_workers(struct machine *m, int tid)
{
	struct runtime *rt = &m->rt;
	int n = m->cfg->workers ? m->cfg->workers : m->ncores;
	rt->nworkers = rt->live = 0;
	for (int i = 0; i < n && m->state != RUN_ENDED; i++) {
		struct thread *t = machine_thread(m, tid);
		struct thread *w = thread_create(m, t->pid, t, m->img->go_worker, NULL, 0);
		if (!w)
			return;
		rt->workers[rt->nworkers] = w->id;
		rt->cur[rt->nworkers++] = -1;
		rt->live++;
	}
}

void runtime_go(struct machine *m, struct thread *t, uint64_t h, int64_t arg)
{
	struct runtime *rt = &m->rt;
	struct coro c;
	int tid = t->id;
	if ((rt->pid && rt->pid != t->pid) || coro_read(m, t->pid, h, &c) >= 0) {
		machine_fault(m, t, FAULT_BADCALL, BI_GO);      /* one process has the runtime */
		return;
	}
	rt->pid = t->pid;
	if (rt->nco == rt->cap_co) {
		rt->cap_co = rt->cap_co ? 2 * rt->cap_co : 16;
		rt->co = xrealloc(rt->co, (size_t)rt->cap_co * sizeof *rt->co);
	}
	int i = rt->nco++;
	rt->co[i] = (struct rco){ .h = h, .id = c.id, .state = RCO_READY, .entry = c.entry,
				  .arg = arg, .since = m->tick };
	rt->by_state[RCO_READY]++;
	if (++rt->alive > rt->peak_alive)
		rt->peak_alive = rt->alive;
	rt->closing = 0;
	enqueue(rt, i);
	race_release(m, tid, h);
	t->r[R0] = c.id;
	if (ev_on(m, EV_GO)) {
		struct event *e = ev_begin(m, EV_GO, t);
		e->addr = h;
		e->other = c.id;
		e->a = arg;
		e->b = (int64_t)c.entry;
		ev_emit(m);
	}
	if (!rt->live)
		start_workers(m, tid);  /* the first go, or the pool ended since */
	else
		wake_worker(m, tid);
}

/* Free the object of finished coroutine c, as the program's free would;
 * worker t noticed it had finished. */
static void free_object(struct machine *m, struct thread *t, const struct rco *c)
{
	struct process *p = machine_proc(m, m->rt.pid);
	uint64_t size;
	if (!p || heap_free(p, c->h, &size) >= 0)
		return;
	race_forget(m, p->pid, c->h, c->h + size);
	if (ev_on(m, EV_FREE)) {
		struct event *e = ev_begin(m, EV_FREE, t);
		e->addr = c->h;
		e->a = (int64_t)size;
		ev_emit(m);
	}
}

/* Every coroutine is done and go_wait waits: the idle workers end. */
static void close_pool(struct machine *m)
{
	m->rt.closing = 1;
	for (int i = 0; i < m->rt.nworkers; i++) {
		struct thread *w = machine_thread(m, m->rt.workers[i]);
		if (w && w->state == TS_BLOCKED && w->wait == WAIT_RUNQ)
			thread_wake(m, w, 0, 0);
	}
}

/* What the coroutine worker k ran last did: it finished, or yielded
 * (back to the queue), or parked (already noted). */
static void settle(struct machine *m, struct thread *t, int k)
{
	struct runtime *rt = &m->rt;
	int i = rt->cur[k];
	rt->cur[k] = -1;
	if (i < 0 || rt->co[i].state != RCO_RUNNING)
		return;
	struct rco *c = &rt->co[i];
	struct coro co;
	if (coro_read(m, t->pid, c->h, &co) < 0 && co.status == CO_FINISHED) {
		set_state(m, c, RCO_DONE);
		free_object(m, t, c);
		if (!--rt->alive && rt->waiters)
			close_pool(m);
	} else {
		set_state(m, c, RCO_READY);     /* it yielded: the others go first */
		enqueue(rt, i);
		race_release(m, t->id, c->h);
	}
}

int runtime_next(struct machine *m, struct thread *t)
{
	struct runtime *rt = &m->rt;
	int k = worker_index(rt, t->id);
	if (k < 0) {
		machine_fault(m, t, FAULT_BADCALL, BI_GO_NEXT);
		return 0;
	}
	settle(m, t, k);
	if (m->state == RUN_ENDED)
		return 0;
	int i = dequeue(rt);
	if (i >= 0) {
		struct rco *c = &rt->co[i];
		int from = c->worker && c->worker != t->id ? c->worker : 0;
		if (from) {
			c->moves++;
			rt->moves++;
		}
		c->worker = t->id;
		c->picks++;
		set_state(m, c, RCO_RUNNING);
		rt->cur[k] = i;
		race_acquire(m, t->id, c->h);
		if (ev_on(m, EV_PICK)) {
			struct event *e = ev_begin(m, EV_PICK, t);
			e->addr = c->h;
			e->other = c->id;
			e->a = from;
			e->b = rt->rq_n;
			ev_emit(m);
		}
		int64_t a[2] = { (int64_t)c->h, 0 };
		return coro_call(m, t, BI_RESUME, a, 2);
	}
	if (rt->closing && !rt->alive) {
		/* the last worker to end lets go_wait return */
		if (!--rt->live) {
			for (int j = 0; j < m->nthreads; j++) {
				struct thread *w = &m->threads[j];
				if (w->state == TS_BLOCKED && w->wait == WAIT_GO && w->pid == t->pid)
					thread_wake(m, w, t->id, 0);
			}
			rt->waiters = 0;
		}
		thread_exit(m, t, 0);
		return 0;
	}
	thread_block(m, t, WAIT_RUNQ, 0, 0);
	return 1;
}

int runtime_wait(struct machine *m, struct thread *t)
{
	struct runtime *rt = &m->rt;
	if (!rt->alive && !rt->live) {
		/* nothing left: the next go starts a new pool */
		rt->nworkers = 0;
		rt->closing = 0;
		t->r[R0] = rt->by_state[RCO_DONE];
		return 0;
	}
	if (runtime_is_worker(m, t->id)) {
		machine_fault(m, t, FAULT_BADCALL, BI_GO_WAIT);      /* it would wait for itself */
		return 0;
	}
	rt->waiters++;
	thread_block(m, t, WAIT_GO, 0, 0);
	if (!rt->alive)
		close_pool(m);
	return 1;
}

int runtime_runs(const struct machine *m, const struct thread *t)
{
	const struct runtime *rt = &m->rt;
	if (!rt->nco || !t->co)
		return 0;
	int k = worker_index(rt, t->id);
	return k >= 0 && rt->cur[k] >= 0 && rt->co[rt->cur[k]].h == t->co;
}

int runtime_park(struct machine *m, struct thread *t, int wait, int64_t fd, int fi)
{
	struct runtime *rt = &m->rt;
	int k = worker_index(rt, t->id), i = rt->cur[k];
	struct rco *c = &rt->co[i];
	set_state(m, c, RCO_PARKED);
	c->wait = wait;
	c->fd = fd;
	c->file = fi;
	c->service = service_of_file(m, fi);
	c->seq = ++m->seq;
	/* at the end of the file's list: readiness wakes them in order */
	c->next = 0;
	int *link = &m->net.files[fi].parked;
	while (*link)
		link = &rt->co[*link - 1].next;
	*link = i + 1;
	rt->cur[k] = -1;
	rt->parks++;
	race_release(m, t->id, c->h);
	return coro_park(m, t, wait, fd);
}

/* Coroutine i, parked on open file fi, is ready again; taken off the
 * file's list by the caller. */
static void unpark(struct machine *m, int i)
{
	struct rco *c = &m->rt.co[i];
	int wait = c->wait;
	set_state(m, c, RCO_READY);
	c->wait = WAIT_NONE;
	c->next = 0;
	enqueue(&m->rt, i);
	if (ev_on(m, EV_UNPARK)) {
		struct event *e = ev_begin(m, EV_UNPARK, NULL);
		e->pid = m->rt.pid;
		e->addr = c->h;
		e->other = c->id;
		e->a = wait;
		e->b = c->fd;
		ev_emit(m);
	}
	wake_worker(m, 0);
}

/* Wake what is parked on fi: everything (all 1), or every reader and
 * the one that has waited longest in accept. */
static void wake_file(struct machine *m, int fi, int all)
{
	struct runtime *rt = &m->rt;
	int *link = &m->net.files[fi].parked, accepted = 0;
	while (*link) {
		int i = *link - 1;
		struct rco *c = &rt->co[i];
		if (all || c->wait != WAIT_ACCEPT || !accepted) {
			accepted |= c->wait == WAIT_ACCEPT;
			*link = c->next;        /* off the list, which is in the order they parked */
			unpark(m, i);
		} else {
			link = &c->next;
		}
	}
}

void runtime_ready(struct machine *m, int fi)
{
	if (m->rt.nco && m->net.files[fi].parked)
		wake_file(m, fi, 0);
}

void runtime_closed(struct machine *m, int fi)
{
	if (m->rt.nco && m->net.files[fi].parked)
		wake_file(m, fi, 1);
}

int runtime_is_worker(const struct machine *m, int tid)
{
	return m->rt.nco && worker_index(&m->rt, tid) >= 0;
}

int runtime_counts(const struct machine *m, int by_state[RCO_COUNT])
{
	memcpy(by_state, m->rt.by_state, sizeof m->rt.by_state);
	return m->rt.nco;
}

int runtime_peak(const struct machine *m)
{
	return m->rt.peak_alive;
}

size_t runtime_workers(const struct machine *m, int *out, size_t max)
{
	size_t n = 0;
	for (int i = 0; i < m->rt.nworkers && n < max; i++)
		out[n++] = m->rt.workers[i];
	return n;
}

void runtime_worker_counts(const struct machine *m, int tid, int by_state[RCO_COUNT])
{
	memset(by_state, 0, RCO_COUNT * sizeof *by_state);
	for (int i = 0; i < m->rt.nco; i++)
		if (m->rt.co[i].worker == tid)
			by_state[m->rt.co[i].state]++;
}

int runtime_running_on(const struct machine *m, int tid)
{
	int k = m->rt.nco ? worker_index(&m->rt, tid) : -1;
	return k >= 0 && m->rt.cur[k] >= 0 ? m->rt.co[m->rt.cur[k]].id : 0;
}

int runtime_coroutine(const struct machine *m, int id, struct rco *out)
{
	/* ids are the coroutines' own, increasing in the order go made them */
	int lo = 0, hi = m->rt.nco - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		if (m->rt.co[mid].id == id) {
			*out = m->rt.co[mid];
			return 1;
		}
		if (m->rt.co[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return 0;
}

size_t runtime_longest(const struct machine *m, enum rco_state s, struct rco *out, size_t max)
{
	size_t n = 0;
	for (int i = 0; i < m->rt.nco && max; i++) {
		const struct rco *c = &m->rt.co[i];
		if (c->state != s)
			continue;
		/* by the tick it entered the state, earliest first; the list is
		 * in id order, so ties stay by id */
		size_t k = n < max ? n : max;
		if (k == max && out[max - 1].since <= c->since)
			continue;
		while (k > 0 && out[k - 1].since > c->since) {
			if (k < max)
				out[k] = out[k - 1];
			k--;
		}
		out[k] = *c;
		if (n < max)
			n++;
	}
	return (size_t)m->rt.by_state[s];
}
