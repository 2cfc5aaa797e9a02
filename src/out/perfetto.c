/* perfetto: the run as Chrome Trace Event Format JSON, built from the
 * event stream alone.  See perfetto.h. */
#include "perfetto.h"

#include <string.h>

#include "../sim/io_view.h"
#include "explain.h"
#include "trace.h"

/* The process track of the network: its threads are the clients. */
#define NET_PID (MAX_PROCESSES_LIMIT + 1)

enum pf_state { PF_NEW, PF_READY, PF_RUNNING, PF_BLOCKED, PF_DONE };

/* A flow waiting for its thread's next run to end in. */
struct pf_flow_in {
	uint64_t id;
	const char *name;
};

/* What the exporter knows of one thread. */
struct pf_thread {
	int pid;
	enum pf_state state;
	int running;            /* a running slice is open */
	int ran;                /* it had one: run_last is its last tick */
	int core;
	uint64_t run_from, run_last;    /* its first and last tick */
	const struct img_func *func;
	int blocked;            /* a blocked slice is open */
	uint64_t block_from;
	struct buf block_name;
	int holder;             /* the mutex's holder when it blocked (0: none) */
	int block_line;
	struct pf_flow_in *in;  /* flows to end in its next running slice */
	size_t nin, cap_in;
};

/* What the exporter knows of one process: its counters. */
struct pf_proc {
	int named;
	int64_t heap, heap_shown;
	int ready, ready_shown;
	int shown;              /* the counters were written once */
};

/* A write to a client whose bytes have not reached it yet. */
struct pf_write {
	int pid, tid;
	uint64_t tick;
};

/* What the exporter knows of one client of the network. */
struct pf_client {
	int named;
	int waiting;            /* a "waiting for its reply" slice is open */
	uint64_t wait_from;
	int requests;           /* requests it has sent */
	uint64_t *arrivals;     /* ticks its bytes arrived, not read yet: */
	size_t narr, cap_arr;   /* flows to the next read, written by it */
	struct pf_write *writes;        /* writes to it whose bytes are on */
	size_t nwrites, cap_writes;     /* the way: flows to the reply */
};

/* The last unlock of a mutex, which the next lock by another thread
 * follows. */
struct pf_unlock {
	int pid;
	uint64_t addr;
	int tid;                /* 0: none pending */
	uint64_t tick;
};

struct perfetto {
	const struct scenario *sc;
	const struct machine *m;
	struct buf ev;          /* the trace events written so far, comma-joined */
	size_t nev;
	struct pf_thread *th;   /* th[tid] */
	size_t cap_th;
	int nth;
	struct pf_proc *pr;     /* pr[pid] */
	size_t cap_pr;
	int npr;
	struct pf_unlock *unlocks;
	size_t nunlocks, cap_unlocks;
	int *ender;             /* ender[pid]: the thread that ended process pid */
	size_t cap_ender;
	struct pf_client *cl;   /* cl[client] (from 1) */
	size_t cap_cl;
	int ncl;
	int conns, conns_shown; /* open connections (-1: never shown) */
	uint64_t flows;         /* flow ids given */
	uint64_t tick;          /* the tick of the last event */
	int dirty;              /* a counter changed in that tick */
	int ended;
	struct buf end;         /* how the run ended */
	struct buf tmp;
};

/* Append s[0..n) as a JSON string. */
static void json_str(struct buf *b, const char *s, size_t n)
{
	buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c == '\n')
			buf_puts(b, "\\n");
		else if (c < 32 || c == 127)
			buf_printf(b, "\\u%04x", c);
		else
			buf_putc(b, (char)c);
	}
	buf_putc(b, '"');
}

/* Append a NUL-terminated string as a JSON string. */
static void json_cstr(struct buf *b, const char *s)
{
	json_str(b, s, strlen(s));
}

/* Start a new trace event: the separator and the opening brace. */
static struct buf *event_open(struct perfetto *p)
{
	if (p->nev++)
		buf_puts(&p->ev, ",\n");
	buf_putc(&p->ev, '{');
	return &p->ev;
}

/* The record of thread tid, made when new. */
static struct pf_thread *thread_of(struct perfetto *p, int tid)
{
	if (tid >= p->nth) {
		size_t old = p->cap_th;
		p->th = xgrow(p->th, &p->cap_th, (size_t)tid + 1, sizeof *p->th);
		memset(p->th + old, 0, (p->cap_th - old) * sizeof *p->th);
		p->nth = tid + 1;
	}
	return &p->th[tid];
}

/* The record of process pid, made when new. */
static struct pf_proc *proc_of(struct perfetto *p, int pid)
{
	if (pid >= p->npr) {
		size_t old = p->cap_pr;
		p->pr = xgrow(p->pr, &p->cap_pr, (size_t)pid + 1, sizeof *p->pr);
		memset(p->pr + old, 0, (p->cap_pr - old) * sizeof *p->pr);
		p->npr = pid + 1;
	}
	return &p->pr[pid];
}

/* Name process pid's track once: "P1 race-counter". */
static void name_proc(struct perfetto *p, int pid)
{
	struct pf_proc *pr = proc_of(p, pid);
	if (pr->named)
		return;
	pr->named = 1;
	struct buf *b = event_open(p);
	buf_printf(b, "\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%d,\"args\":{\"name\":", pid);
	p->tmp.len = 0;
	buf_printf(&p->tmp, "P%d %s", pid, p->sc->name);
	json_cstr(b, p->tmp.s);
	buf_puts(b, "}}");
	b = event_open(p);
	buf_printf(b, "\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":%d,"
		   "\"args\":{\"sort_index\":%d}}", pid, pid);
}

/* A new thread tid of process pid, ready: its track's name, "T2 (worker)". */
static void thread_born(struct perfetto *p, int tid, int pid)
{
	name_proc(p, pid);
	struct pf_thread *t = thread_of(p, tid);
	t->pid = pid;
	t->state = PF_READY;
	proc_of(p, pid)->ready++;
	p->dirty = 1;
	struct buf *b = event_open(p);
	buf_printf(b, "\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":",
		   pid, tid);
	p->tmp.len = 0;
	trace_thread_name(p->sc, p->m, tid, &p->tmp);
	json_cstr(b, p->tmp.s);
	buf_puts(b, "}}");
	b = event_open(p);
	buf_printf(b, "\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,"
		   "\"args\":{\"sort_index\":%d}}", pid, tid, tid);
}

/* Thread tid's state is now s; the ready counts follow. */
static void set_state(struct perfetto *p, int tid, enum pf_state s)
{
	struct pf_thread *t = thread_of(p, tid);
	if (t->state == s)
		return;
	struct pf_proc *pr = proc_of(p, t->pid);
	if (t->state == PF_READY)
		pr->ready--;
	if (s == PF_READY)
		pr->ready++;
	t->state = s;
	p->dirty = 1;
}

/* Write the counters that changed, stamped with the tick they changed in. */
static void flush_counters(struct perfetto *p)
{
	if (!p->dirty)
		return;
	p->dirty = 0;
	for (int pid = 1; pid < p->npr; pid++) {
		struct pf_proc *pr = &p->pr[pid];
		if (!pr->named)
			continue;
		if (!pr->shown || pr->heap != pr->heap_shown) {
			buf_printf(event_open(p), "\"name\":\"heap bytes in use\",\"ph\":\"C\","
				   "\"ts\":%llu,\"pid\":%d,\"args\":{\"bytes\":%lld}}",
				   (unsigned long long)p->tick, pid, (long long)pr->heap);
			pr->heap_shown = pr->heap;
		}
		if (!pr->shown || pr->ready != pr->ready_shown) {
			buf_printf(event_open(p), "\"name\":\"ready threads\",\"ph\":\"C\","
				   "\"ts\":%llu,\"pid\":%d,\"args\":{\"threads\":%d}}",
				   (unsigned long long)p->tick, pid, pr->ready);
			pr->ready_shown = pr->ready;
		}
		pr->shown = 1;
	}
	if (p->ncl && p->conns != p->conns_shown) {
		buf_printf(event_open(p), "\"name\":\"open connections\",\"ph\":\"C\","
			   "\"ts\":%llu,\"pid\":%d,\"args\":{\"connections\":%d}}",
			   (unsigned long long)p->tick, NET_PID, p->conns);
		p->conns_shown = p->conns;
	}
}

/* The end of a flow, at ts in thread tid's slice that holds it. */
static void flow_end(struct perfetto *p, int tid, uint64_t id, const char *name, uint64_t ts)
{
	buf_printf(event_open(p), "\"name\":\"%s\",\"cat\":\"flow\",\"ph\":\"f\",\"bp\":\"e\","
		   "\"id\":%llu,\"ts\":%llu,\"pid\":%d,\"tid\":%d}", name, (unsigned long long)id,
		   (unsigned long long)ts, thread_of(p, tid)->pid, tid);
}

/* Whether thread tid ran in tick, so that a slice of it holds that
 * tick: a flow can start or end there. */
static int runs_at(struct perfetto *p, int tid, uint64_t tick)
{
	if (tid <= 0 || tid >= p->nth)
		return 0;
	const struct pf_thread *t = &p->th[tid];
	return t->ran && t->run_last == tick;
}

/* A flow named name from thread from's slice at tick to thread to: it
 * ends at once when to runs in that tick, else in to's next running
 * slice.  from ran in that tick. */
static void flow_from(struct perfetto *p, const char *name, int from, uint64_t tick, int to)
{
	if (to <= 0)
		return;
	uint64_t id = ++p->flows;
	buf_printf(event_open(p), "\"name\":\"%s\",\"cat\":\"flow\",\"ph\":\"s\",\"id\":%llu,"
		   "\"ts\":%llu,\"pid\":%d,\"tid\":%d}", name, (unsigned long long)id,
		   (unsigned long long)tick, thread_of(p, from)->pid, from);
	if (runs_at(p, to, tick)) {
		flow_end(p, to, id, name, tick);
		return;
	}
	struct pf_thread *t = thread_of(p, to);
	t->in = xgrow(t->in, &t->cap_in, t->nin + 1, sizeof *t->in);
	t->in[t->nin++] = (struct pf_flow_in){ id, name };
}

/* The same, when from runs in tick (no flow otherwise: it has no slice
 * to start in). */
static void flow(struct perfetto *p, const char *name, int from, uint64_t tick, int to)
{
	if (runs_at(p, from, tick))
		flow_from(p, name, from, tick, to);
}

/* Close thread tid's running slice, if open. */
static void run_close(struct perfetto *p, int tid)
{
	struct pf_thread *t = thread_of(p, tid);
	if (!t->running)
		return;
	t->running = 0;
	struct buf *b = event_open(p);
	buf_puts(b, "\"name\":");
	json_cstr(b, t->func ? t->func->name : "running");
	buf_printf(b, ",\"cat\":\"running\",\"ph\":\"X\",\"ts\":%llu,\"dur\":%llu,\"pid\":%d,"
		   "\"tid\":%d,\"args\":{\"core\":%d}}", (unsigned long long)t->run_from,
		   (unsigned long long)(t->run_last + 1 - t->run_from), t->pid, tid, t->core);
}

/* Thread tid ran an instruction at pc on core in tick: its running
 * slice goes on, or a new one starts (another core, another function). */
static void run_tick(struct perfetto *p, int tid, int core, uint64_t pc, uint64_t tick)
{
	struct pf_thread *t = thread_of(p, tid);
	const struct img_func *f = image_func_at(p->sc->image, pc);
	if (t->running && t->core == core && t->func == f && t->run_last + 1 >= tick) {
		t->run_last = tick;
		return;
	}
	run_close(p, tid);
	t->running = t->ran = 1;
	t->core = core;
	t->func = f;
	t->run_from = t->run_last = tick;
	for (size_t i = 0; i < t->nin; i++)
		flow_end(p, tid, t->in[i].id, t->in[i].name, tick);
	t->nin = 0;
}

/* Close thread tid's blocked slice at tick (it can run from then on). */
static void block_close(struct perfetto *p, int tid, uint64_t tick)
{
	struct pf_thread *t = thread_of(p, tid);
	if (!t->blocked)
		return;
	t->blocked = 0;
	if (tick < t->block_from)
		return;
	struct buf *b = event_open(p);
	buf_puts(b, "\"name\":");
	json_str(b, t->block_name.s, t->block_name.len);
	buf_printf(b, ",\"cat\":\"blocked\",\"ph\":\"X\",\"ts\":%llu,\"dur\":%llu,\"pid\":%d,"
		   "\"tid\":%d,\"args\":{", (unsigned long long)t->block_from,
		   (unsigned long long)(tick - t->block_from), t->pid, tid);
	if (t->holder)
		buf_printf(b, "\"held by\":\"T%d\",", t->holder);
	buf_printf(b, "\"line\":%d}}", t->block_line);
}

/* An instant on thread e->tid's track (or the whole trace's: global). */
static void instant(struct perfetto *p, const struct event *e, const char *name, size_t len,
		    int global)
{
	struct buf *b = event_open(p);
	buf_puts(b, "\"name\":");
	json_str(b, name, len);
	buf_printf(b, ",\"cat\":\"%s\",\"ph\":\"i\",\"s\":\"%s\",\"ts\":%llu",
		   event_kinds[e->kind].name, global || !e->tid ? "g" : "t",
		   (unsigned long long)e->tick);
	if (e->tid && !global)
		buf_printf(b, ",\"pid\":%d,\"tid\":%d", thread_of(p, e->tid)->pid, e->tid);
	else
		buf_puts(b, ",\"pid\":1,\"tid\":1");
	buf_printf(b, ",\"args\":{\"line\":%d}}", e->line);
}

/* Process pid's heap bytes in use are what the machine says now. */
static void heap_now(struct perfetto *p, int pid)
{
	const struct process *pr = machine_proc(p->m, pid);
	if (pr && (int64_t)pr->heap.in_use != proc_of(p, pid)->heap) {
		proc_of(p, pid)->heap = (int64_t)pr->heap.in_use;
		p->dirty = 1;
	}
}

/* The pending unlock of the mutex at addr of pid, made when new. */
static struct pf_unlock *unlock_of(struct perfetto *p, int pid, uint64_t addr)
{
	for (size_t i = 0; i < p->nunlocks; i++)
		if (p->unlocks[i].pid == pid && p->unlocks[i].addr == addr)
			return &p->unlocks[i];
	p->unlocks = xgrow(p->unlocks, &p->cap_unlocks, p->nunlocks + 1, sizeof *p->unlocks);
	p->unlocks[p->nunlocks] = (struct pf_unlock){ .pid = pid, .addr = addr };
	return &p->unlocks[p->nunlocks++];
}

/* The record of client c (from 1), its track named when new: the
 * network's process track first. */
static struct pf_client *client_of(struct perfetto *p, int c)
{
	if (c >= p->ncl) {
		size_t old = p->cap_cl;
		p->cl = xgrow(p->cl, &p->cap_cl, (size_t)c + 1, sizeof *p->cl);
		memset(p->cl + old, 0, (p->cap_cl - old) * sizeof *p->cl);
		if (!p->ncl) {
			buf_printf(event_open(p), "\"name\":\"process_name\",\"ph\":\"M\","
				   "\"pid\":%d,\"args\":{\"name\":\"network: the clients outside "
				   "the machine\"}}", NET_PID);
			buf_printf(event_open(p), "\"name\":\"process_sort_index\",\"ph\":\"M\","
				   "\"pid\":%d,\"args\":{\"sort_index\":%d}}", NET_PID, NET_PID);
			p->dirty = 1;
		}
		p->ncl = c + 1;
	}
	struct pf_client *k = &p->cl[c];
	if (!k->named) {
		k->named = 1;
		buf_printf(event_open(p), "\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%d,"
			   "\"tid\":%d,\"args\":{\"name\":\"client %d\"}}", NET_PID, c, c);
	}
	return k;
}

/* Close client c's waiting slice, its last tick being last. */
static void client_wait_close(struct perfetto *p, int c, uint64_t last)
{
	struct pf_client *k = client_of(p, c);
	if (!k->waiting)
		return;
	k->waiting = 0;
	buf_printf(event_open(p), "\"name\":\"waiting for its reply\",\"cat\":\"network\","
		   "\"ph\":\"X\",\"ts\":%llu,\"dur\":%llu,\"pid\":%d,\"tid\":%d,"
		   "\"args\":{\"request\":%d}}", (unsigned long long)k->wait_from,
		   (unsigned long long)(last + 1 - k->wait_from), NET_PID, c, k->requests);
}

/* A flow named name from tick a on track (pa, ta) to tick b on track
 * (pb, tb), both inside slices of theirs. */
static void flow_between(struct perfetto *p, const char *name, int pa, int ta, uint64_t a,
			 int pb, int tb, uint64_t b)
{
	uint64_t id = ++p->flows;
	buf_printf(event_open(p), "\"name\":\"%s\",\"cat\":\"flow\",\"ph\":\"s\",\"id\":%llu,"
		   "\"ts\":%llu,\"pid\":%d,\"tid\":%d}", name, (unsigned long long)id,
		   (unsigned long long)a, pa, ta);
	buf_printf(event_open(p), "\"name\":\"%s\",\"cat\":\"flow\",\"ph\":\"f\",\"bp\":\"e\","
		   "\"id\":%llu,\"ts\":%llu,\"pid\":%d,\"tid\":%d}", name, (unsigned long long)id,
		   (unsigned long long)b, pb, tb);
}

/* What an I/O event shows of the network: a client's waiting slice,
 * the flows from its bytes to the read that takes them and from a
 * write to the reply it sends, and the open connections. */
static void net_event(struct perfetto *p, const struct event *e)
{
	int c;
	struct pf_client *k;
	switch (e->kind) {
	case EV_CONNECT:
		client_of(p, (int)e->a);
		break;
	case EV_ARRIVE:
		k = client_of(p, c = e->other);
		if (!e->a)
			break;          /* its close: the read of 0 bytes ends nothing */
		if (!k->waiting) {
			k->waiting = 1;
			k->wait_from = e->tick;
			k->requests++;
		}
		k->arrivals = xgrow(k->arrivals, &k->cap_arr, k->narr + 1, sizeof *k->arrivals);
		k->arrivals[k->narr++] = e->tick;
		break;
	case EV_READ:
		c = io_fd_client(p->m, e->pid, (int)e->b);
		if (c <= 0 || c >= p->ncl || e->a <= 0 || !runs_at(p, e->tid, e->tick))
			break;
		k = &p->cl[c];
		for (size_t i = 0; i < k->narr; i++)
			flow_between(p, "request to read", NET_PID, c, k->arrivals[i], e->pid, e->tid,
				     e->tick);
		k->narr = 0;
		break;
	case EV_WRITE:
		c = io_fd_client(p->m, e->pid, (int)e->b);
		if (c <= 0 || e->a <= 0 || !runs_at(p, e->tid, e->tick))
			break;
		k = client_of(p, c);
		k->writes = xgrow(k->writes, &k->cap_writes, k->nwrites + 1, sizeof *k->writes);
		k->writes[k->nwrites++] = (struct pf_write){ e->pid, e->tid, e->tick };
		break;
	case EV_REPLY:
		k = client_of(p, c = e->other);
		if (!e->a)
			break;
		if (!k->waiting && k->nwrites) {        /* a reply it did not ask for */
			k->waiting = 1;
			k->wait_from = e->tick;
		}
		for (size_t i = 0; i < k->nwrites; i++)
			flow_between(p, "write to reply", k->writes[i].pid, k->writes[i].tid,
				     k->writes[i].tick, NET_PID, c, e->tick);
		k->nwrites = 0;
		client_wait_close(p, c, e->tick);
		break;
	default:
		break;
	}
	int open = io_open_connections(p->m);
	if (open != p->conns) {
		p->conns = open;
		p->dirty = 1;
	}
}

/* The flow from a waker to the thread it woke, by what that thread
 * waited in (NULL: none; a mutex's is the unlock-to-lock flow). */
static const char *const wake_flows[WAIT_COUNT] = {
	[WAIT_JOIN] = "exit to join",
	[WAIT_SEM] = "post to wait",
	[WAIT_COND] = "signal to wait",
	[WAIT_CHILD] = "exit to wait",
};

struct perfetto *perfetto_new(const struct scenario *sc, const struct machine *m)
{
	struct perfetto *p = xcalloc(1, sizeof *p);
	p->sc = sc;
	p->m = m;
	p->conns_shown = -1;
	thread_born(p, 1, 1);           /* main is ready before the first tick */
	return p;
}

void perfetto_event(struct perfetto *p, const struct event *e)
{
	if (e->tick != p->tick) {
		flush_counters(p);
		p->tick = e->tick;
	}
	int tid = e->tid;
	switch (e->kind) {
	case EV_EXEC:
		run_tick(p, tid, e->core, e->pc, e->tick);
		break;
	case EV_SWITCH:
		if (e->other) {
			run_close(p, e->other);
			if (thread_of(p, e->other)->state == PF_RUNNING)
				set_state(p, e->other, PF_READY);
		}
		if (tid)
			set_state(p, tid, PF_RUNNING);
		break;
	case EV_PREEMPT:
	case EV_YIELD:
		run_close(p, tid);
		break;
	case EV_SPAWN:
		thread_born(p, e->other, e->pid);
		flow(p, "spawn", tid, e->tick, e->other);
		break;
	case EV_FORK:
	case EV_CONTAINER:      /* a container's process is a copy, as a fork's */
		name_proc(p, (int)e->a);
		heap_now(p, (int)e->a);
		thread_born(p, e->other, (int)e->a);
		flow(p, e->kind == EV_FORK ? "fork" : "container", tid, e->tick, e->other);
		break;
	case EV_BLOCK: {
		struct pf_thread *t = thread_of(p, tid);
		run_close(p, tid);
		set_state(p, tid, PF_BLOCKED);
		t->blocked = 1;
		t->block_from = e->tick + 1;    /* it ran in this tick */
		t->block_name.len = 0;
		explain_wait(p->sc, p->m, e->pid, (int)e->a, e->addr, &t->block_name);
		t->holder = e->a == WAIT_MUTEX ? e->other : 0;
		t->block_line = e->line;
		break;
	}
	case EV_WAKE: {
		block_close(p, tid, e->tick);
		set_state(p, tid, PF_READY);
		if (e->other && e->a >= 0 && e->a < WAIT_COUNT && wake_flows[e->a])
			flow(p, wake_flows[e->a], e->other, e->tick, tid);
		break;
	}
	case EV_REAP:
		/* a wait that blocked is ended by the child's end */
		if (thread_of(p, tid)->state == PF_BLOCKED && e->a > 0 && (size_t)e->a < p->cap_ender &&
		    p->ender[e->a])
			flow(p, wake_flows[WAIT_CHILD], p->ender[e->a], e->tick, tid);
		break;
	case EV_PEXIT:
		if (e->a > 0) {
			size_t old = p->cap_ender;
			p->ender = xgrow(p->ender, &p->cap_ender, (size_t)e->a + 1, sizeof *p->ender);
			memset(p->ender + old, 0, (p->cap_ender - old) * sizeof *p->ender);
			p->ender[e->a] = tid;
		}
		break;
	case EV_EXIT:
		run_close(p, tid);
		block_close(p, tid, e->tick);
		set_state(p, tid, PF_DONE);
		break;
	case EV_UNLOCK: {
		struct pf_unlock *u = unlock_of(p, e->pid, e->addr);
		u->tid = runs_at(p, tid, e->tick) ? tid : 0;
		u->tick = e->tick;
		break;
	}
	case EV_LOCK: {
		struct pf_unlock *u = unlock_of(p, e->pid, e->addr);
		if (u->tid && u->tid != tid)
			flow_from(p, "unlock to lock", u->tid, u->tick, tid);
		u->tid = 0;
		break;
	}
	case EV_MALLOC:
	case EV_FREE:
	case EV_CO_CREATE:
	case EV_CO_RETURN:
	case EV_CLOSURE:
		heap_now(p, e->pid);
		break;
	case EV_FAULT:
		p->tmp.len = 0;
		buf_puts(&p->tmp, "fault: ");
		trace_fault(p->sc, p->m, e->pid ? e->pid : 1, (int)e->a, e->addr, &p->tmp);
		instant(p, e, p->tmp.s, p->tmp.len, 0);
		break;
	case EV_ASSERT:
		p->tmp.len = 0;
		buf_puts(&p->tmp, "assertion failed: ");
		buf_put(&p->tmp, e->text, e->len);
		instant(p, e, p->tmp.s, p->tmp.len, 0);
		break;
	case EV_RACE:
		p->tmp.len = 0;
		buf_puts(&p->tmp, "data race on ");
		trace_word(p->sc, p->m, e->pid ? e->pid : 1, e->addr, 0, &p->tmp);
		buf_printf(&p->tmp, " with T%d", e->other);
		instant(p, e, p->tmp.s, p->tmp.len, 0);
		break;
	case EV_DEADLOCK:
		instant(p, e, "deadlock", 8, 1);
		break;
	case EV_LIMIT:
		p->tmp.len = 0;
		buf_printf(&p->tmp, "limit: --%s", limit_kinds[e->a].option);
		instant(p, e, p->tmp.s, p->tmp.len, 1);
		break;
	case EV_END:
		p->ended = 1;
		break;
	case EV_CONNECT:
	case EV_ARRIVE:
	case EV_READ:
	case EV_WRITE:
	case EV_REPLY:
	case EV_ACCEPT:
	case EV_CLOSE:
		net_event(p, e);
		break;
	default:
		break;
	}
}

void perfetto_finish(struct perfetto *p, struct buf *out)
{
	flush_counters(p);
	uint64_t end = p->tick + 1;
	for (int tid = 1; tid < p->nth; tid++) {
		run_close(p, tid);
		block_close(p, tid, end);
	}
	for (int c = 1; c < p->ncl; c++)
		client_wait_close(p, c, p->tick);
	p->end.len = 0;
	explain_end(p->sc, p->m, &p->end);
	buf_puts(out, "{\"traceEvents\":[\n");
	if (p->ev.len)
		buf_put(out, p->ev.s, p->ev.len);
	buf_puts(out, "\n],\n\"displayTimeUnit\":\"ms\",\n\"otherData\":{\"generator\":");
	json_cstr(out, "threadlab");
	buf_puts(out, ",\"scenario\":");
	json_cstr(out, p->sc->name);
	buf_puts(out, ",\"time\":\"one tick of the simulated machine is one microsecond: "
		 "ts and dur are ticks\",\"ticks\":");
	buf_printf(out, "%llu,\"end\":", (unsigned long long)end);
	json_str(out, p->end.s ? p->end.s : "", p->end.len);
	buf_puts(out, "}}\n");
}

void perfetto_free(struct perfetto *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->nth; i++) {
		buf_free(&p->th[i].block_name);
		xfree(p->th[i].in);
	}
	xfree(p->th);
	xfree(p->pr);
	xfree(p->unlocks);
	xfree(p->ender);
	for (int c = 0; c < p->ncl; c++) {
		xfree(p->cl[c].arrivals);
		xfree(p->cl[c].writes);
	}
	xfree(p->cl);
	buf_free(&p->ev);
	buf_free(&p->end);
	buf_free(&p->tmp);
	xfree(p);
}
