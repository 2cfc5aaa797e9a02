/* container: boxes of processes on the one kernel — their pid namespace,
 * hostname, memory limit and CPU share. */
#include <stdio.h>
#include <string.h>

#include "../lang/ast.h"
#include "container.h"
#include "core.h"
#include "fd.h"
#include "race.h"

/* The box table, with the host's box 0 filled in on first use. */
static void boxes_start(struct machine *m)
{
	if (m->nboxes)
		return;
	memset(&m->boxes[0], 0, sizeof m->boxes[0]);
	strcpy(m->boxes[0].hostname, "host");
	m->nboxes = 1;
}

const char *container_hostname(const struct machine *m, int b)
{
	return b > 0 && b < m->nboxes ? m->boxes[b].hostname : m->nboxes ? m->boxes[0].hostname
								       : "host";
}

int container_pid(const struct process *p)
{
	return p->box ? p->ns_pid : p->pid;
}

struct process *container_find(const struct machine *m, int box, int64_t pid)
{
	if (!box)
		return pid == (int)pid ? machine_proc(m, (int)pid) : NULL;
	for (int i = 0; i < m->nprocs; i++)
		if (m->procs[i].box == box && m->procs[i].ns_pid == pid)
			return &m->procs[i];
	return NULL;
}

void container_fork(struct machine *m, struct process *child, const struct process *parent)
{
	child->box = parent->box;
	child->ns_pid = parent->box ? m->boxes[parent->box].next_pid++ : 0;
	child->box_base = (int64_t)child->heap.in_use;  /* its copy is charged to the parent */
}

/* container(f, arg, memory, cpu): a new process in a new box, a copy of
 * the caller's address space whose one thread runs f(arg); the caller
 * gets its host pid, or -1 when the limits are out of range or no box
 * is left. */
static void start(struct machine *m, struct thread *t, const int64_t *a)
{
	const struct img_func *f = image_func_at(m->img, (uint64_t)a[0]);
	if (!f || f->addr != (uint64_t)a[0]) {
		machine_fault(m, t, FAULT_BADJUMP, (uint64_t)a[0]);
		return;
	}
	if (a[2] < 0 || a[2] > BOX_MEM_MAX || a[3] < 0 || a[3] > 100 ||
	    (m->nboxes && m->nboxes >= MAX_BOXES)) {
		t->r[R0] = -1;
		return;
	}
	if (m->nprocs >= m->lim.max_processes) {
		machine_limit(m, t, LIMIT_PROCESSES);
		return;
	}
	boxes_start(m);
	int tid = t->id, ppid = t->pid, b = m->nboxes++;
	struct box *x = &m->boxes[b];
	memset(x, 0, sizeof *x);
	snprintf(x->hostname, sizeof x->hostname, "box%d", b);
	x->next_pid = 2;
	x->mem_limit = a[2];
	x->cpu_share = a[3] == 100 ? 0 : (int)a[3];
	x->period_end = (m->tick / BOX_CPU_PERIOD + 1) * BOX_CPU_PERIOD;
	struct process *child = proc_add(m, ppid), *parent = machine_proc(m, ppid);
	mem_copy(&child->mem, &parent->mem);
	child->heap = parent->heap;
	fd_fork(m, child, parent);
	child->race = parent->race ? race_new() : NULL;
	child->box = b;
	child->ns_pid = 1;
	child->box_base = (int64_t)child->heap.in_use;
	parent->forks++;
	int64_t arg = a[1];
	struct thread *n = thread_create(m, child->pid, NULL, (uint64_t)a[0], &arg, 1);
	if (!n)
		return;
	/* f returns into thread_exit, as a spawned thread's entry does */
	uint64_t sp = (uint64_t)n->r[REG_SP] - 8;
	if (mem_poke(&machine_proc(m, n->pid)->mem, sp, (int64_t)m->img->thread_exit) != MEM_OK) {
		machine_limit(m, machine_thread(m, tid), LIMIT_MEMORY);
		return;
	}
	n->r[REG_SP] = (int64_t)sp;
	n->min_sp = sp;
	int nid = n->id, cpid = n->pid;
	t = machine_thread(m, tid);
	t->r[R0] = cpid;
	if (ev_on(m, EV_CONTAINER)) {
		struct event *e = ev_begin(m, EV_CONTAINER, t);
		e->other = nid;
		e->a = cpid;
		e->b = b;
		e->addr = (uint64_t)a[2];
		e->regval = a[3];
		ev_emit(m);
	}
}

/* sethostname("name"): the caller's box is called name from now on. */
static void set_name(struct machine *m, struct thread *t, const int64_t *a)
{
	boxes_start(m);
	int b = thread_proc(m, t)->box;
	char name[BOX_NAME];
	mem_peek_string(&thread_proc(m, t)->mem, (uint64_t)a[0], name, sizeof name);
	memcpy(m->boxes[b].hostname, name, sizeof name);
	if (ev_on(m, EV_HOSTNAME)) {
		struct event *e = ev_begin(m, EV_HOSTNAME, t);
		e->a = b;
		e->text = m->boxes[b].hostname;
		e->len = strlen(e->text);
		ev_emit(m);
	}
}

/* gethostname(buf, size): the caller's box's name into buf, NUL
 * included and cut to size; 0, or -1 when size is not positive.  A buf
 * the program may not write faults as a store there would. */
static void get_name(struct machine *m, struct thread *t, const int64_t *a)
{
	const char *name = container_hostname(m, thread_proc(m, t)->box);
	if (a[1] <= 0) {
		t->r[R0] = -1;
		return;
	}
	size_t n = strlen(name) + 1;
	if ((uint64_t)a[1] < n)
		n = (size_t)a[1];
	struct process *p = thread_proc(m, t);
	for (size_t i = 0; i < n; i++) {
		uint64_t at = (uint64_t)a[0] + i;
		if (at >= ADDR_LIMIT || !(mem_prot(&p->mem, at) & MP_W)) {
			machine_fault(m, t, at < PAGE_SIZE ? FAULT_NULL : mem_prot(&p->mem, at) ?
					 FAULT_READONLY : FAULT_UNMAPPED, at);
			return;
		}
		char c = i + 1 == n ? 0 : name[i];
		mem_poke_bytes(&p->mem, at, &c, 1);
	}
	t->r[R0] = 0;
}

void container_call(struct machine *m, struct thread *t, int bi, const int64_t *a)
{
	switch (bi) {
	case BI_CONTAINER:
		start(m, t, a);
		break;
	case BI_SETHOSTNAME:
		set_name(m, t, a);
		break;
	case BI_GETHOSTNAME:
		get_name(m, t, a);
		break;
	}
}

void container_ran(struct machine *m, const struct thread *t)
{
	int b = thread_proc(m, t)->box;
	if (b)
		m->boxes[b].used++;
}

/* Ticks of one core's time box x may use in a period. */
static uint64_t quota(const struct box *x)
{
	uint64_t q = (uint64_t)x->cpu_share * BOX_CPU_PERIOD / 100;
	return q ? q : 1;
}

void container_tick_begin(struct machine *m)
{
	for (int b = 1; b < m->nboxes; b++) {
		struct box *x = &m->boxes[b];
		if (m->tick < x->period_end)
			continue;
		x->period_end = (m->tick / BOX_CPU_PERIOD + 1) * BOX_CPU_PERIOD;
		x->used = 0;
		if (!x->throttled)
			continue;
		x->throttled = 0;
		/* its threads run again, in the order they were stopped */
		for (struct thread *w;;) {
			w = NULL;
			for (int i = 0; i < m->nthreads; i++) {
				struct thread *u = &m->threads[i];
				if (u->state == TS_BLOCKED && u->wait == WAIT_CPU &&
				    u->wait_on == (uint64_t)b && (!w || u->wait_seq < w->wait_seq))
					w = u;
			}
			if (!w)
				break;
			w->wait_until = 0;
			thread_wake(m, w, 0, w->r[R0]);
		}
	}
}

/* Take thread u off its core or out of the ready queue: it waits for
 * its box's next period. */
static void throttle_thread(struct machine *m, struct thread *u, const struct box *x, int b)
{
	if (u->state == TS_READY) {
		ready_remove(m, u->id);
	} else if (u->core >= 0) {
		struct core *c = &m->cores[u->core];
		if (c->tid == u->id) {
			c->tid = 0;
			c->left = u->id;
			c->left_reason = SW_PREEMPT;
		}
		u->core = -1;
	}
	u->wait_until = x->period_end;
	thread_block(m, u, WAIT_CPU, (uint64_t)b, 0);
}

/* Box b used its share: every thread of it that could run waits. */
static void throttle(struct machine *m, int b)
{
	struct box *x = &m->boxes[b];
	x->throttled = 1;
	x->throttles++;
	if (ev_on(m, EV_THROTTLE)) {
		struct event *e = ev_begin(m, EV_THROTTLE, NULL);
		e->a = b;
		e->b = (int64_t)x->used;
		e->addr = x->period_end;
		e->regval = x->cpu_share;
		ev_emit(m);
	}
	for (int i = 0; i < m->nthreads; i++) {
		struct thread *u = &m->threads[i];
		if ((u->state == TS_READY || u->state == TS_RUNNING) && thread_proc(m, u)->box == b)
			throttle_thread(m, u, x, b);
	}
}

/* Box b went over its memory limit: the kernel kills its processes. */
static void oom(struct machine *m, int b)
{
	struct box *x = &m->boxes[b];
	x->oom = 1;
	if (ev_on(m, EV_OOM)) {
		struct event *e = ev_begin(m, EV_OOM, NULL);
		e->a = b;
		e->b = x->mem_used;
		e->addr = (uint64_t)x->mem_limit;
		ev_emit(m);
	}
	for (int i = 0; i < m->nprocs && m->state != RUN_ENDED; i++)
		if (m->procs[i].box == b && m->procs[i].state == PS_LIVE)
			proc_end(m, &m->procs[i], NULL, PE_FAULT, 0, FAULT_OOM, 0);
}

void container_tick_end(struct machine *m)
{
	for (int b = 1; b < m->nboxes && m->state != RUN_ENDED; b++) {
		struct box *x = &m->boxes[b];
		int64_t used = 0;
		int live = 0;
		for (int i = 0; i < m->nprocs; i++) {
			const struct process *p = &m->procs[i];
			if (p->box != b || p->state != PS_LIVE)
				continue;
			live = 1;
			int64_t h = (int64_t)p->heap.in_use - p->box_base;
			used += h > 0 ? h : 0;
		}
		x->mem_used = used;
		if (used > x->mem_peak)
			x->mem_peak = used;
		if (!live)
			continue;
		if (x->mem_limit && used > x->mem_limit)
			oom(m, b);
		else if (x->cpu_share && !x->throttled && x->used >= quota(x))
			throttle(m, b);
	}
}
