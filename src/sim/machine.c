/* machine: loading, the tick loop, context switches (between threads
 * and between processes), the end of a run, snapshots. */
#include "machine.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../lang/ast.h"
#include "core.h"
#include "heap.h"
#include "pool.h"
#include "race.h"

const struct event_info event_kinds[EV_COUNT] = {
#define X(id, name, nev, doc) [EV_##id] = { name, nev, doc },
	EVENT_KINDS(X)
#undef X
};

const char *const fault_names[FAULT_COUNT] = {
#define X(id, doc) [FAULT_##id] = doc,
	FAULT_KINDS(X)
#undef X
};

const char *const wait_names[WAIT_COUNT] = {
#define X(id, name) [WAIT_##id] = name,
	WAIT_KINDS(X)
#undef X
};

const struct limit_info limit_kinds[LIMIT_COUNT] = {
#define X(id, opt, what) [LIMIT_##id] = { opt, what },
	LIMIT_KINDS(X)
#undef X
};

/* Runs recorded beyond this are dropped (the schedule is then partial). */
#define MAX_TAKEN_RUNS 4000000

struct event *ev_begin(struct machine *m, enum event_kind k, const struct thread *t)
{
	struct event *e = &m->ev;
	memset(e, 0, sizeof *e);
	e->kind = k;
	e->tick = m->tick;
	e->core = t ? t->core : -1;
	e->tid = t ? t->id : 0;
	e->pid = t ? t->pid : 0;
	e->reg = REG_NONE;
	if (t) {
		e->pc = t->pc;
		e->line = image_line(m->img, t->pc);
	}
	return e;
}

void ev_emit(struct machine *m)
{
	if (m->sink.fn && (m->sink.mask & EV_BIT(m->ev.kind)))
		m->sink.fn(m->sink.ctx, &m->ev);
}

/* The settings of a machine and its copies, and the schedule they
 * give: one block, counted (the copies of a search move between host
 * threads). */
struct config_block {
	struct machine_config c;        /* first: a machine points to it */
	struct schedule script;
	uint32_t refs;
};

/* A block of the settings from, with no schedule yet. */
static struct config_block *config_new(const struct machine_config *from)
{
	struct config_block *b = xcalloc(1, sizeof *b);
	b->c = *from;
	b->c.schedule = NULL;           /* parsed into script */
	b->refs = 1;
	return b;
}

static void config_get(const struct machine_config *c)
{
	__atomic_fetch_add(&((struct config_block *)c)->refs, 1, __ATOMIC_RELAXED);
}

static void config_put(const struct machine_config *c)
{
	struct config_block *b = (struct config_block *)c;
	if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		sched_free(&b->script);
		xfree(b);
	}
}

int machine_init(struct machine *m, const struct image *img,
		 const struct machine_config *cfg, const struct limits *lim,
		 char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	m->img = img;
	struct config_block *b = config_new(cfg);
	struct machine_config *c = &b->c;
	m->cfg = c;
	m->script = &b->script;
	m->lim = *lim;
	if (m->lim.max_threads <= 0 || m->lim.max_threads > MAX_THREADS_LIMIT)
		m->lim.max_threads = MAX_THREADS_LIMIT;
	if (m->lim.max_processes <= 0)
		m->lim.max_processes = DEFAULT_MAX_PROCESSES;
	if (m->lim.max_processes > MAX_PROCESSES_LIMIT)
		m->lim.max_processes = MAX_PROCESSES_LIMIT;
	if (c->process_switch_cost < 0)
		c->process_switch_cost = c->switch_cost > CONFIG_MAX_SWITCH_COST / 4 ?
					 CONFIG_MAX_SWITCH_COST : 4 * c->switch_cost;
	m->ncores = cfg->cores < 1 ? 1 : cfg->cores > CONFIG_MAX_CORES ? CONFIG_MAX_CORES : cfg->cores;
	if (c->quantum < 1)
		c->quantum = 1;
	m->rng = cfg->seed;
	m->next_wake = UINT64_MAX;
	m->end_tid = 0;
	int bad = cfg->schedule && sched_parse(cfg->schedule, &b->script, err, errlen) < 0;
	if (!bad && b->script.ncores > m->ncores) {
		snprintf(err, errlen, "schedule: it has %d cores ('|'-separated), the machine %d",
			 b->script.ncores, m->ncores);
		bad = 1;
	}
	if (bad) {
		config_put(c);
		m->cfg = NULL;
		m->script = NULL;
		return -1;
	}

	size_t max_pages = (size_t)((lim->max_memory + PAGE_SIZE - 1) / PAGE_SIZE);
	struct process *p = proc_add(m, 0);
	mem_init(&p->mem, 0);
	fd_init(m, p);
	net_init(m);
	if (sched_max_client(m->script) > m->net.nclients) {
		snprintf(err, errlen, "schedule: 'c%d' names a client the scenario does not have "
			 "(it declares %d)", sched_max_client(m->script), m->net.nclients);
		machine_done(m);
		return -1;
	}
	if (m->script->net && m->cfg->policy == POLICY_SCRIPT)
		net_hold(m);    /* the schedule says when the network delivers */
	uint64_t end = CODE_BASE + img->ncode * INSN_SIZE;
	mem_map(&p->mem, CODE_BASE, end - CODE_BASE, MP_R | MP_X);
	mem_poke_bytes(&p->mem, CODE_BASE, img->words, img->ncode * INSN_SIZE);
	if (img->rodata_size) {
		mem_map(&p->mem, RODATA_BASE, img->rodata_size, MP_R);
		mem_poke_bytes(&p->mem, RODATA_BASE, img->rodata, img->rodata_size);
	}
	uint64_t data_end = img->bss_addr + img->bss_size;
	if (data_end > DATA_BASE) {
		mem_map(&p->mem, DATA_BASE, data_end - DATA_BASE, MP_R | MP_W);
		mem_poke_bytes(&p->mem, DATA_BASE, img->data, img->data_size);
	}
	heap_init(p, (data_end + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1));
	if (max_pages && p->mem.pages > max_pages) {
		snprintf(err, errlen, "the program alone takes %zu bytes of memory, more than "
			 "--max-memory allows", p->mem.pages * PAGE_SIZE);
		machine_done(m);
		return -2;
	}
	p->mem.max_pages = max_pages;
	if (!cfg->no_race_detect)
		p->race = race_new();

	struct thread *main_thread = thread_create(m, 1, NULL, img->entry, NULL, 0);
	if (!main_thread) {
		snprintf(err, errlen, "not enough simulated memory (--max-memory) for the main thread");
		machine_done(m);
		return -2;
	}
	return 0;
}

/* The bytes of an array of cap elements of size bytes as a copy makes
 * it (room for one at least) and xrealloc grows it. */
static size_t array_bytes(int cap, size_t size)
{
	return (size_t)(cap ? cap : 1) * size;
}

/* Free what m holds, leaving m as it is. */
static void release(struct machine *m)
{
	for (int i = 0; i < m->nprocs; i++) {
		race_free(m->procs[i].race);
		mem_done(&m->procs[i].mem);
		fdtab_free(&m->procs[i].fds);
	}
	net_free(&m->net);
	runtime_free(&m->rt);
	pool_free(m->procs, array_bytes(m->cap_procs, sizeof *m->procs));
	pool_free(m->threads, array_bytes(m->cap_threads, sizeof *m->threads));
	xfree(m->ready_base);
	xfree(m->waitqs);
	xfree(m->timed);
	sched_free(&m->taken);
	config_put(m->cfg);
}

void machine_done(struct machine *m)
{
	release(m);
	memset(m, 0, sizeof *m);
}

void machine_free(struct machine *m)
{
	if (m) {
		release(m);
		pool_put(POOL_MACHINE, m);
	}
}

/* Make dst a copy of src, with its race detector when race is set (none
 * otherwise). */
static void copy_machine(struct machine *dst, const struct machine *src, int race)
{
	/* all but the scratch, and of the cores only those there are */
	size_t cores = offsetof(struct machine, cores), past = offsetof(struct machine, threads);
	memcpy(dst, src, cores + (size_t)src->ncores * sizeof src->cores[0]);
	memcpy((char *)dst + past, (const char *)src + past, offsetof(struct machine, ev) - past);
	dst->procs = pool_alloc(array_bytes(src->cap_procs, sizeof *dst->procs));
	memcpy(dst->procs, src->procs, (size_t)src->nprocs * sizeof *dst->procs);
	for (int i = 0; i < src->nprocs; i++) {
		const struct process *p = &src->procs[i];
		dst->procs[i].race = race && p->race ? race_copy(p->race) : NULL;
		mem_share(&dst->procs[i].mem);
		fdtab_copy(&dst->procs[i].fds, &p->fds);
	}
	config_get(dst->cfg);
	net_copy(&dst->net, &src->net);
	runtime_copy(&dst->rt, &src->rt);
	dst->sink = (struct event_sink){ NULL, NULL, 0 };
	dst->threads = pool_alloc(array_bytes(src->cap_threads, sizeof *dst->threads));
	memcpy(dst->threads, src->threads, (size_t)src->nthreads * sizeof *dst->threads);
	dst->ready = dst->ready_base = xmalloc((size_t)(src->cap_ready ? src->cap_ready : 1) *
					       sizeof *dst->ready);
	memcpy(dst->ready, src->ready, (size_t)src->nready * sizeof *dst->ready);
	dst->timed = NULL;
	if (src->cap_timed) {
		dst->timed = xmalloc((size_t)src->cap_timed * sizeof *dst->timed);
		memcpy(dst->timed, src->timed, (size_t)src->ntimed * sizeof *dst->timed);
	}
	dst->waitqs = NULL;
	if (src->cap_waitqs) {
		dst->waitqs = xmalloc(src->cap_waitqs * sizeof *dst->waitqs);
		memcpy(dst->waitqs, src->waitqs, src->cap_waitqs * sizeof *dst->waitqs);
	}
	sched_own_runs(&dst->taken);    /* a byte copy already */
}

void machine_copy(struct machine *dst, const struct machine *src)
{
	copy_machine(dst, src, 1);
}

struct machine *machine_clone(const struct machine *src)
{
	struct machine *m = pool_get(POOL_MACHINE);
	copy_machine(m, src, 1);
	return m;
}

void machine_unshare(struct machine *m)
{
	for (int i = 0; i < m->nprocs; i++)
		mem_unshare(&m->procs[i].mem);
	/* and settings of its own: a count two host threads change at
	 * every copy and free would go back and forth between their caches */
	struct config_block *b = config_new(m->cfg);
	sched_copy(&b->script, m->script);
	config_put(m->cfg);
	m->cfg = &b->c;
	m->script = &b->script;
}

void machine_set_sink(struct machine *m, struct event_sink sink)
{
	m->sink = sink;
}

struct thread *machine_thread(const struct machine *m, int tid)
{
	return tid >= 1 && tid <= m->nthreads ? &m->threads[tid - 1] : NULL;
}

/* End the run: every thread still alive is killed (after a deadlock
 * they stay as they are, blocked, for all to see). */
static void end_run(struct machine *m, struct thread *t, int status)
{
	for (int i = 0; i < m->nthreads && status != END_DEADLOCK; i++) {
		struct thread *u = &m->threads[i];
		if (u->state == TS_DONE)
			continue;
		u->state = TS_DONE;
		u->killed = !(u == t && status == END_OK);     /* t called exit */
		u->retval = u->killed ? 0 : m->exit_status;
		u->ended = m->tick;
		if (ev_on(m, EV_EXIT)) {
			struct event *e = ev_begin(m, EV_EXIT, u);
			e->a = u->retval;
			e->b = u->killed;
			ev_emit(m);
		}
	}
	for (int c = 0; c < m->ncores; c++)
		m->cores[c].tid = 0;
	m->nready = 0;
	m->state = RUN_ENDED;
	m->end = status;
	m->end_tick = m->tick;
	if (t) {
		m->end_tid = t->id;
		m->end_pc = t->pc;
	}
	if (ev_on(m, EV_END)) {
		struct event *e = ev_begin(m, EV_END, t);
		e->a = status;
		e->b = m->exit_status;
		ev_emit(m);
	}
}

void machine_end(struct machine *m, struct thread *t, int status, int64_t code)
{
	m->exit_status = code;
	end_run(m, t, status);
}

void machine_fault(struct machine *m, struct thread *t, enum fault_kind k, uint64_t addr)
{
	if (ev_on(m, EV_FAULT)) {
		struct event *e = ev_begin(m, EV_FAULT, t);
		e->a = k;
		e->addr = addr;
		ev_emit(m);
	}
	proc_end(m, thread_proc(m, t), t, PE_FAULT, 0, k, addr);
}

void machine_limit(struct machine *m, struct thread *t, enum limit_kind k)
{
	m->limit = k;
	if (ev_on(m, EV_LIMIT)) {
		struct event *e = ev_begin(m, EV_LIMIT, t);
		e->a = k;
		ev_emit(m);
	}
	end_run(m, t, END_LIMIT);
}

/* Fill a context from thread t's registers. */
static void save_context(const struct thread *t, struct context *c)
{
	c->pc = t->pc;
	c->sp = (uint64_t)t->r[REG_SP];
	c->fp = (uint64_t)t->r[REG_FP];
	memcpy(c->r, t->r, sizeof c->r);
}

/* Core c stops running its thread (preempted when it could go on) and
 * starts next (0: idles).  The switch costs cfg.switch_cost ticks, or
 * cfg.process_switch_cost between threads of two processes. */
static void switch_to(struct machine *m, int core, int next)
{
	struct core *c = &m->cores[core];
	int prev = c->tid ? c->tid : c->left;
	int reason = c->tid ? SW_PREEMPT : c->left ? c->left_reason : SW_START;
	struct thread *p = machine_thread(m, c->tid);
	if (p) {                        /* preempted */
		m->preempts++;
		if (ev_on(m, EV_PREEMPT)) {
			struct event *e = ev_begin(m, EV_PREEMPT, p);
			e->a = (int64_t)c->slice;
			ev_emit(m);
		}
		p->state = TS_READY;
		p->core = -1;
		ready_push(m, p->id);
	}
	c->tid = 0;
	c->left = 0;
	struct thread *n = machine_thread(m, next);
	if (n) {
		ready_remove(m, next);
		n->state = TS_RUNNING;
		n->core = core;
		c->tid = next;
		c->slice = 0;
		c->phase = 0;
	}
	if (next == prev && !p)
		return;                 /* the same thread again: nothing to switch */
	struct thread *pt = machine_thread(m, prev);
	int space = n && pt && pt->pid != n->pid;
	m->switches += n && prev ? 1 : 0;
	m->proc_switches += (uint64_t)space;
	int cost = space ? m->cfg->process_switch_cost : m->cfg->switch_cost;
	if (n && prev && cost)
		c->busy = (uint64_t)cost;
	if (ev_on(m, EV_SWITCH)) {
		struct context from, to;
		struct event *e = ev_begin(m, EV_SWITCH, n);
		e->space = space;
		e->core = core;
		e->other = prev;
		if (pt)
			save_context(pt, &from), e->from = &from;
		if (n)
			save_context(n, &to), e->to = &to;
		e->a = reason;
		e->b = (int64_t)c->busy;
		ev_emit(m);
	}
}

/* Record n ticks of tid (0: idle) on core in the schedule taken. */
static void record(struct machine *m, int core, int tid, uint64_t n)
{
	if (!m->record)
		return;
	struct sched_lane *l = &m->taken.lane[core];
	if (l->n && l->runs[l->n - 1].tid == tid) {
		l->runs[l->n - 1].n += n;
		return;
	}
	if (m->taken_runs >= MAX_TAKEN_RUNS) {
		m->taken_partial = 1;
		return;
	}
	m->taken_runs++;
	sched_add(&m->taken, core, tid, n);
}

/* Thread t, which has just run on core i, lets the core go when it
 * no longer runs (it ended, blocked or yielded); the switch comes at the
 * core's next tick. */
static void core_left(struct machine *m, int i, struct thread *t)
{
	struct core *c = &m->cores[i];
	if (t->state == TS_RUNNING || m->state == RUN_ENDED)
		return;
	c->left = t->id;
	c->left_reason = t->state == TS_DONE ? SW_EXIT :
			 t->state == TS_BLOCKED ? SW_BLOCK : SW_YIELD;
	c->tid = 0;
	t->core = -1;
}

/* Nothing ran and nothing can: wait for a sleeper, or it is a deadlock. */
static void stalled(struct machine *m)
{
	if (m->next_wake != UINT64_MAX) {
		uint64_t k = m->next_wake - m->tick;
		for (int c = 0; c < m->ncores; c++) {
			record(m, c, 0, k);
			sched_advance(m, c, 0, k);
		}
		m->tick = m->next_wake;
		return;
	}
	struct thread *t = NULL;
	int io = 0;
	for (int i = 0; i < m->nthreads; i++)
		if (m->threads[i].state == TS_BLOCKED) {
			t = t ? t : &m->threads[i];
			io |= wait_is_io(m->threads[i].wait) || m->threads[i].wait == WAIT_RUNQ;
		}
	m->tick--;              /* it is the tick in which nothing could run */
	if (t && io && m->net.nclients && !net_clients_waiting(m)) {
		/* a server with every client served: it would wait forever */
		m->idle = 1;
		m->exit_status = 0;
		end_run(m, NULL, END_OK);
		m->tick++;
		return;
	}
	if (t && ev_on(m, EV_DEADLOCK)) {
		ev_begin(m, EV_DEADLOCK, NULL);
		ev_emit(m);
	}
	end_run(m, t, t ? END_DEADLOCK : END_OK);
	m->tick++;
}

/* Core i's part of the tick: its context switch, or one instruction of
 * its thread, or an idle tick; *active is set when it did something. */
static void core_tick(struct machine *m, int i, int *active)
{
	struct core *c = &m->cores[i];
	if (c->busy) {
		c->busy--;
		*active = 1;
		return;
	}
	/* a thread switched in runs at least one instruction; under rr
	 * only a timer interrupt can take the core from it */
	int next = c->tid && (!c->slice || (c->phase && m->cfg->policy == POLICY_RR)) ?
		   c->tid : sched_next(m, i);
	if (next != c->tid || c->left) {
		switch_to(m, i, next);
		if (c->busy) {
			c->busy--;
			*active = 1;
			return;
		}
	}
	if (!c->tid) {
		record(m, i, 0, 1);
		sched_advance(m, i, 0, 1);
		return;
	}
	struct thread *t = &m->threads[c->tid - 1];
	*active = 1;
	if (m->lim.max_steps && m->insns >= m->lim.max_steps) {
		machine_limit(m, t, LIMIT_STEPS);
		return;
	}
	int tid = t->id;
	cpu_exec(m, i, t);
	t = &m->threads[tid - 1];       /* a spawn may have moved the threads */
	if (m->nboxes > 1)
		container_ran(m, t);
	c->slice++;
	if (++c->phase == (uint64_t)m->cfg->quantum)
		c->phase = 0;
	record(m, i, t->id, 1);
	sched_advance(m, i, t->id, 1);
	core_left(m, i, t);
}

/* The rest of the tick, from core first on; *active as core_tick sets
 * it.  Returns 0 once the run has ended. */
static int finish_tick(struct machine *m, int first, int active)
{
	for (int i = first; i < m->ncores && m->state != RUN_ENDED; i++)
		core_tick(m, i, &active);
	if (m->nboxes > 1 && m->state != RUN_ENDED)
		container_tick_end(m);
	if (m->state == RUN_ENDED) {
		m->tick++;
		return 0;
	}
	m->tick++;
	if (!active && !m->nready)
		stalled(m);
	return m->state != RUN_ENDED;
}

int machine_step(struct machine *m)
{
	if (m->state == RUN_ENDED)
		return 0;
	if (m->net.held && m->cfg->policy == POLICY_SCRIPT && sched_script_over(m))
		net_release(m);         /* past the schedule: the clock delivers again */
	if (m->nboxes > 1)
		container_tick_begin(m);
	if (m->next_wake <= m->tick)
		thread_wake_sleepers(m);
	return finish_tick(m, 0, 0);
}

/* Whether the next ticks can run as a burst: one core running a thread
 * that keeps it at least until it makes a builtin call, and nobody
 * watching instruction by instruction.  Returns how many ticks. */
static uint64_t burst_length(const struct machine *m, uint64_t stop)
{
	const struct core *c = &m->cores[0];
	if (m->ncores != 1 || !c->tid || c->busy || c->left || ev_exec_on(m) || m->nboxes > 1 ||
	    m->cfg->policy == POLICY_RANDOM || m->cfg->policy == POLICY_SCRIPT)
		return 0;
	uint64_t n = stop - m->tick;
	/* with nothing ready, nothing can preempt the thread before it calls
	 * a builtin (a sleeper wakes at next_wake, which bounds the burst) */
	if (m->cfg->policy == POLICY_PRIORITY)
		for (int i = 0; i < m->nready; i++)
			if (m->threads[m->ready[i] - 1].prio > m->threads[c->tid - 1].prio)
				return 0;
	if (m->cfg->policy != POLICY_FIFO && m->nready) {
		/* up to the next timer interrupt, where the policy decides */
		uint64_t q = (uint64_t)m->cfg->quantum, left = q - c->phase;
		if (c->slice && left == q)
			return 0;
		if (left < n)
			n = left;
	}
	if (m->next_wake != UINT64_MAX) {
		if (m->next_wake <= m->tick)
			return 0;
		if (m->next_wake - m->tick < n)
			n = m->next_wake - m->tick;
	}
	if (m->lim.max_steps) {
		if (m->insns >= m->lim.max_steps)
			return 0;
		if (m->lim.max_steps - m->insns < n)
			n = m->lim.max_steps - m->insns;
	}
	return n;
}

/* Run a burst of k ticks found by burst_length: the same as k steps. */
static void burst(struct machine *m, uint64_t k)
{
	struct core *c = &m->cores[0];
	int tid = c->tid;
	uint64_t start = m->tick;
	uint64_t ran = cpu_burst(m, &m->threads[tid - 1], k);
	struct thread *t = &m->threads[tid - 1];        /* a spawn may have moved it */
	c->slice += ran;
	c->phase = (c->phase + ran) % (uint64_t)m->cfg->quantum;
	record(m, 0, tid, ran);
	m->tick = start + ran;
	core_left(m, 0, t);
}

/* Whether the next ticks of a machine of several cores can run in
 * lockstep: every core either runs a thread that keeps it at least
 * until a builtin call, or idles with nothing ready to take, nothing
 * switching, and nobody watching instruction by instruction.  Fills
 * run with the running cores, in order, and *nrun with their number;
 * returns how many ticks. */
static uint64_t lockstep_length(const struct machine *m, uint64_t stop, int *run, int *nrun)
{
	*nrun = 0;
	if (m->ncores == 1 || m->pinned || ev_exec_on(m) || m->nboxes > 1 ||
	    m->cfg->policy == POLICY_RANDOM || m->cfg->policy == POLICY_SCRIPT)
		return 0;
	int idle = 0;
	for (int i = 0; i < m->ncores; i++) {
		const struct core *c = &m->cores[i];
		if (c->busy || c->left)
			return 0;
		if (c->tid)
			run[(*nrun)++] = i;
		else
			idle = 1;
	}
	if (!*nrun || (idle && m->nready))
		return 0;               /* an idle core would take a ready thread */
	uint64_t n = stop - m->tick;
	if (m->nready && m->cfg->policy != POLICY_FIFO) {
		/* nothing of higher priority waits: each core keeps its thread
		 * up to its next timer interrupt, where the policy decides */
		int best = INT_MIN;
		for (int i = 0; i < m->nready && m->cfg->policy == POLICY_PRIORITY; i++)
			if (m->threads[m->ready[i] - 1].prio > best)
				best = m->threads[m->ready[i] - 1].prio;
		for (int j = 0; j < *nrun; j++) {
			const struct core *c = &m->cores[run[j]];
			if (best > m->threads[c->tid - 1].prio)
				return 0;
			uint64_t q = (uint64_t)m->cfg->quantum, left = q - c->phase;
			if (c->slice && left == q)
				return 0;
			if (left < n)
				n = left;
		}
	}
	if (m->next_wake != UINT64_MAX) {
		if (m->next_wake <= m->tick)
			return 0;
		if (m->next_wake - m->tick < n)
			n = m->next_wake - m->tick;
	}
	if (m->lim.max_steps) {
		/* every instruction of the lockstep run passes the limit's test */
		uint64_t left = m->insns >= m->lim.max_steps ? 0 : m->lim.max_steps - m->insns;
		if (left / (uint64_t)*nrun < n)
			n = left / (uint64_t)*nrun;
	}
	return n;
}

/* Run k ticks found by lockstep_length, run its running cores: the same
 * as k steps.  Returns 0 once the run has ended. */
static int lockstep(struct machine *m, uint64_t k, const int *run, int nrun)
{
	int tids[CONFIG_MAX_CORES] = { 0 }, at;
	uint64_t start = m->tick;
	for (int j = 0; j < nrun; j++)
		tids[run[j]] = m->cores[run[j]].tid;
	uint64_t done = cpu_lockstep(m, run, nrun, k, &at);
	/* the cores up to the one that stopped it ran one tick more */
	int last = at < 0 ? -1 : run[at];
	for (int i = 0; i < m->ncores; i++) {
		struct core *c = &m->cores[i];
		uint64_t n = done + (i <= last);
		if (tids[i]) {
			c->slice += n;
			c->phase = (c->phase + n) % (uint64_t)m->cfg->quantum;
		}
		if (n)
			record(m, i, tids[i], n);
	}
	m->tick = start + done;
	if (at < 0)
		return 1;
	if (m->state == RUN_ENDED) {
		m->tick++;
		return 0;
	}
	core_left(m, last, &m->threads[tids[last] - 1]);
	return finish_tick(m, last + 1, 1);
}

int machine_run(struct machine *m, uint64_t max_ticks)
{
	uint64_t stop = max_ticks && max_ticks < UINT64_MAX - m->tick ? m->tick + max_ticks
								       : UINT64_MAX;
	while (m->tick < stop) {
		int run[CONFIG_MAX_CORES], nrun;
		uint64_t k = burst_length(m, stop);
		if (k)
			burst(m, k);
		else if ((k = lockstep_length(m, stop, run, &nrun)) > 0) {
			if (!lockstep(m, k, run, nrun))
				return 0;
		} else if (!machine_step(m))
			return 0;
		if (m->state == RUN_ENDED)
			return 0;
	}
	return m->state != RUN_ENDED;
}

int64_t machine_peek(const struct machine *m, int pid, uint64_t addr)
{
	const struct process *p = machine_proc(m, pid);
	return p ? mem_peek(&p->mem, addr) : 0;
}

int machine_mutex_owner(const struct machine *m, int pid, uint64_t addr)
{
	return (int)machine_peek(m, pid, addr);
}

int machine_wait_chain(const struct machine *m, int tid, int *chain, int max, int *cycle)
{
	int n = 0;
	*cycle = 0;
	while (n < max) {
		const struct thread *t = machine_thread(m, tid);
		if (!t)
			break;
		for (int i = 0; i < n; i++)
			if (chain[i] == tid) {
				*cycle = 1;
				return n;
			}
		chain[n++] = tid;
		if (t->state != TS_BLOCKED)
			break;
		if (t->wait == WAIT_MUTEX)
			tid = machine_mutex_owner(m, t->pid, t->wait_on);
		else if (t->wait == WAIT_JOIN)
			tid = (int)t->wait_on;
		else
			break;
	}
	return n;
}

int machine_call(const struct machine *m, int pid, uint64_t addr, uint64_t max_steps,
		 int64_t *result, char *err, size_t errlen)
{
	struct machine c;
	if (!machine_proc(m, pid)) {
		snprintf(err, errlen, "no process %d", pid);
		return -1;
	}
	copy_machine(&c, m, 0);         /* a check of the end state: nothing to race with */
	for (int i = 0; i < c.nprocs; i++)     /* process pid alone goes on */
		c.procs[i].state = i == pid - 1 ? PS_LIVE : PS_REAPED;
	c.procs[pid - 1].how = PE_NONE;
	for (int i = 0; i < c.nthreads; i++)
		c.threads[i].state = TS_DONE;
	for (int i = 0; i < c.ncores; i++)
		memset(&c.cores[i], 0, sizeof c.cores[i]);
	c.nready = 0;
	c.ncores = 1;
	struct config_block *k = config_new(c.cfg);
	k->c.policy = POLICY_FIFO;
	k->c.switch_cost = 0;
	config_put(c.cfg);
	c.cfg = &k->c;
	c.script = &k->script;
	c.state = RUN_ACTIVE;
	c.record = 0;
	c.insns = 0;
	c.next_wake = UINT64_MAX;
	c.lim.max_steps = max_steps;
	c.lim.max_threads = MAX_THREADS_LIMIT;
	c.procs[pid - 1].mem.max_pages = 0;
	int rc = -1;
	struct thread *t = thread_create(&c, pid, NULL, addr, NULL, 0);
	if (!t) {
		snprintf(err, errlen, "no room for another thread");
		goto out;
	}
	int id = t->id;
	/* the call returns into thread_exit, which ends the thread */
	t->r[REG_SP] -= 8;
	mem_poke(&c.procs[pid - 1].mem, (uint64_t)t->r[REG_SP], (int64_t)c.img->thread_exit);
	while (machine_step(&c) && c.threads[id - 1].state != TS_DONE)
		;
	t = &c.threads[id - 1];
	if (t->state == TS_DONE && !t->killed) {
		*result = t->retval;
		rc = 0;
	} else if (c.end == END_FAULT) {
		snprintf(err, errlen, "%s at 0x%llx", fault_names[c.fault],
			 (unsigned long long)c.fault_addr);
	} else if (c.end == END_LIMIT) {
		snprintf(err, errlen, "did not finish within %llu instructions",
			 (unsigned long long)max_steps);
	} else if (c.end == END_ASSERT) {
		snprintf(err, errlen, "an assertion failed");
	} else {
		snprintf(err, errlen, "it blocked and could not go on");
	}
out:
	machine_done(&c);
	return rc;
}
