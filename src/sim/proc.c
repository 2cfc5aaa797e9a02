/* proc: processes — fork (a copy-on-write copy of the caller's address
 * space with a copy of the caller as its one thread), getpid and wait (in
 * the caller's pid namespace, see container.h), exit,
 * and the end of a process: its threads end, its parent may collect its
 * exit code, and the run ends when the last process has ended, with the
 * status of process 1. */
#include <string.h>

#include "../lang/ast.h"
#include "core.h"
#include "race.h"

struct process *proc_add(struct machine *m, int ppid)
{
	if (m->nprocs == m->cap_procs) {
		m->cap_procs = m->cap_procs ? m->cap_procs * 2 : 4;
		m->procs = xrealloc(m->procs, (size_t)m->cap_procs * sizeof *m->procs);
	}
	struct process *p = &m->procs[m->nprocs++];
	memset(p, 0, sizeof *p);
	p->pid = m->nprocs;
	p->ppid = ppid;
	p->state = PS_LIVE;
	p->created = m->tick;
	return p;
}

int machine_live_procs(const struct machine *m)
{
	int n = 0;
	for (int i = 0; i < m->nprocs; i++)
		n += m->procs[i].state == PS_LIVE;
	return n;
}

int proc_threads_left(const struct machine *m, int pid)
{
	int n = 0;
	for (int i = 0; i < m->nthreads; i++)
		n += m->threads[i].pid == pid && m->threads[i].state != TS_DONE;
	return n;
}

int machine_page_shared(const struct machine *m, int pid, uint64_t addr)
{
	const struct process *p = machine_proc(m, pid);
	int prot;
	const struct page *pg = p && addr < ADDR_LIMIT ? mem_page(&p->mem, addr, &prot) : NULL;
	if (!pg)
		return 0;
	for (int i = 0; i < m->nprocs; i++) {
		const struct process *q = &m->procs[i];
		if (q != p && mem_page(&q->mem, addr, &prot) == pg)
			return 1;
	}
	return 0;
}

size_t machine_shared_pages(const struct machine *m, int pid)
{
	const struct process *p = machine_proc(m, pid);
	size_t n = 0;
	if (!p || m->nprocs < 2)
		return 0;
	for (size_t i = 0; i < NLEAVES; i++) {
		const struct leaf *l = mem_leaf(&p->mem, i);
		if (!l)
			continue;
		for (size_t j = 0; j < LEAF_PAGES; j++)
			if (l->pg[j])
				n += (size_t)machine_page_shared(m, pid,
								 (uint64_t)(i * LEAF_PAGES + j) * PAGE_SIZE);
	}
	return n;
}

/* Everything has ended: the run ends with process 1's status and exit
 * code; t ended the last process. */
static void run_over(struct machine *m, struct thread *t)
{
	const struct process *p1 = &m->procs[0];
	int faulted = p1->how == PE_FAULT;
	if (faulted) {
		m->fault = p1->fault;
		m->fault_addr = p1->fault_addr;
	}
	int tid = p1->end_tid;
	uint64_t pc = p1->end_pc;
	machine_end(m, t, faulted ? END_FAULT : END_OK, faulted ? 0 : p1->code);
	if (tid) {
		m->end_tid = tid;
		m->end_pc = pc;
	}
}

/* Child c has ended: the thread of its parent that waited longest for it
 * collects its exit code; any other waiting for it gets -1. */
static void notify_parent(struct machine *m, struct process *c)
{
	int first = 1;
	for (struct thread *w; (w = thread_first_waiter(m, c->ppid, WAIT_CHILD, (uint64_t)c->pid));) {
		int64_t code = first ? c->code : -1;
		if (first) {
			c->state = PS_REAPED;
			if (ev_on(m, EV_REAP)) {
				struct event *e = ev_begin(m, EV_REAP, w);
				e->a = c->pid;
				e->b = c->code;
				ev_emit(m);
			}
		}
		first = 0;
		thread_wake(m, w, 0, code);
	}
}

void proc_end(struct machine *m, struct process *p, struct thread *t, enum proc_end how,
	      int64_t code, int k, uint64_t addr)
{
	if (p->state != PS_LIVE)
		return;
	p->state = PS_ZOMBIE;
	p->how = how;
	p->code = how == PE_FAULT ? WAIT_KILLED : code;
	p->fault = k;
	p->fault_addr = addr;
	p->end_tid = t ? t->id : 0;
	p->end_pc = t ? t->pc : 0;
	p->ended = m->tick;
	int asked = how == PE_EXIT || how == PE_RETURN, last = !machine_live_procs(m);
	for (int i = 0; i < m->nthreads; i++) {
		struct thread *u = &m->threads[i];
		if (u->pid != p->pid || u->state == TS_DONE)
			continue;
		int was = u->state;
		u->state = TS_DONE;
		u->killed = !(u == t && asked);
		u->retval = u->killed ? 0 : code;
		u->ended = m->tick;
		if (ev_on(m, EV_EXIT)) {
			struct event *e = ev_begin(m, EV_EXIT, u);
			e->a = u->retval;
			e->b = u->killed;
			ev_emit(m);
		}
		if (last)
			continue;       /* the end of the run clears the cores and the queue */
		if (was == TS_READY)
			ready_remove(m, u->id);
		if (u->core >= 0) {     /* it was running: its core lets it go */
			struct core *c = &m->cores[u->core];
			if (c->tid == u->id) {
				c->tid = 0;
				c->left = u->id;
				c->left_reason = SW_EXIT;
			}
			u->core = -1;
		}
	}
	if (m->nprocs > 1 && ev_on(m, EV_PEXIT)) {
		struct event *e = ev_begin(m, EV_PEXIT, t);
		e->pid = p->pid;
		e->a = p->pid;
		e->b = how;
		e->addr = how == PE_FAULT ? (uint64_t)k : (uint64_t)code;
		ev_emit(m);
	}
	if (last) {
		run_over(m, t);
		return;
	}
	fd_close_all(m, p);     /* its connections close, as at exit(2) */
	notify_parent(m, p);
}

/* fork(): process p's copy, with a copy of t as its one thread. */
static void do_fork(struct machine *m, struct thread *t)
{
	if (m->nprocs >= m->lim.max_processes) {
		machine_limit(m, t, LIMIT_PROCESSES);
		return;
	}
	int tid = t->id, ppid = t->pid;
	struct thread *c = thread_new(m, t);
	if (!c)
		return;
	t = machine_thread(m, tid);     /* the arrays may have moved */
	struct process *child = proc_add(m, ppid), *parent = machine_proc(m, ppid);
	mem_copy(&child->mem, &parent->mem);
	child->heap = parent->heap;
	fd_fork(m, child, parent);
	child->race = parent->race ? race_new() : NULL;
	child->threads = 1;
	container_fork(m, child, parent);
	parent->forks++;
	int id = c->id;
	*c = *t;
	c->id = id;
	c->pid = child->pid;
	c->state = TS_READY;
	c->core = -1;
	c->pc = t->pc + INSN_SIZE;      /* it goes on after the fork, as its parent will */
	c->r[R0] = 0;
	c->cpu_ticks = 0;
	c->created = m->tick;
	c->ended = 0;
	c->retval = 0;
	c->killed = 0;
	c->wait = WAIT_NONE;
	c->wait_on = 0;
	t->r[R0] = container_pid(child);   /* as the parent's namespace sees it */
	race_thread_start(m, 0, id);
	ready_push(m, id);
	if (ev_on(m, EV_FORK)) {
		struct event *e = ev_begin(m, EV_FORK, t);
		e->other = id;
		e->a = child->pid;
		ev_emit(m);
	}
}

/* wait(pid): collect child pid's exit code, waiting for it to end. */
static void do_wait(struct machine *m, struct thread *t, int64_t pid)
{
	struct process *c = container_find(m, thread_proc(m, t)->box, pid);
	if (!c || c->ppid != t->pid || c->state == PS_REAPED) {
		t->r[R0] = -1;          /* not a child of its process, or collected already */
		return;
	}
	if (c->state == PS_LIVE) {
		thread_block(m, t, WAIT_CHILD, (uint64_t)c->pid, 0);
		return;
	}
	c->state = PS_REAPED;
	t->r[R0] = c->code;
	if (ev_on(m, EV_REAP)) {
		struct event *e = ev_begin(m, EV_REAP, t);
		e->a = c->pid;
		e->b = c->code;
		ev_emit(m);
	}
}

void proc_call(struct machine *m, struct thread *t, int bi, const int64_t *a)
{
	switch (bi) {
	case BI_FORK:
		do_fork(m, t);
		break;
	case BI_GETPID:
		t->r[R0] = container_pid(thread_proc(m, t));
		break;
	case BI_WAIT:
		do_wait(m, t, a[0]);
		break;
	case BI_EXIT: {
		/* main returning lands in _start, which calls exit */
		const struct img_func *f = image_func_at(m->img, t->pc);
		enum proc_end how = f && f->addr == m->img->entry ? PE_RETURN : PE_EXIT;
		proc_end(m, thread_proc(m, t), t, how, a[0], 0, 0);
		break;
	}
	}
}
