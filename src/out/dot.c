/* dot: the wait-for graph of a run and the state graph of a search, in
 * the DOT language.  See dot.h. */
#include "dot.h"

#include <string.h>

#include "explain.h"
#include "trace.h"

/* A thread as the wait-for graph knows it. */
struct dw_thread {
	int pid;
	int seen, done;
	int wait;               /* enum wait_kind (WAIT_NONE: it does not wait) */
	uint64_t on;
	int line;
};

/* A mutex someone holds. */
struct dw_held {
	int pid;
	uint64_t addr;
	int tid;
};

struct dot_wait {
	const struct scenario *sc;
	struct dw_thread *th;   /* th[tid] */
	size_t cap_th;
	int nth;
	struct dw_held *held;
	size_t nheld, cap_held;
};

/* How a wait kind is drawn: an edge to the thread it waits for (join), or
 * to a node for the object it waits on.  Every kind not listed is an
 * object. */
static const int waits_for_thread[WAIT_COUNT] = {
	[WAIT_JOIN] = 1,
};

void dot_quote(struct buf *b, const char *s, size_t len)
{
	buf_putc(b, '"');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_putc(b, '\\');
		if (s[i] == '\n')
			buf_puts(b, "\\n");
		else
			buf_putc(b, s[i]);
	}
	buf_putc(b, '"');
}

/* Append a NUL-terminated string quoted. */
static void quote(struct buf *b, const char *s)
{
	dot_quote(b, s, strlen(s));
}

/* The record of thread tid, made when new. */
static struct dw_thread *dw_thread(struct dot_wait *d, int tid)
{
	if (tid >= d->nth) {
		size_t old = d->cap_th;
		d->th = xgrow(d->th, &d->cap_th, (size_t)tid + 1, sizeof *d->th);
		memset(d->th + old, 0, (d->cap_th - old) * sizeof *d->th);
		d->nth = tid + 1;
	}
	return &d->th[tid];
}

/* A thread of process pid came to be. */
static void dw_born(struct dot_wait *d, int tid, int pid)
{
	struct dw_thread *t = dw_thread(d, tid);
	t->pid = pid;
	t->seen = 1;
}

/* The holder slot of the mutex at addr of pid, made when new. */
static struct dw_held *dw_mutex(struct dot_wait *d, int pid, uint64_t addr)
{
	for (size_t i = 0; i < d->nheld; i++)
		if (d->held[i].pid == pid && d->held[i].addr == addr)
			return &d->held[i];
	d->held = xgrow(d->held, &d->cap_held, d->nheld + 1, sizeof *d->held);
	d->held[d->nheld] = (struct dw_held){ pid, addr, 0 };
	return &d->held[d->nheld++];
}

struct dot_wait *dot_wait_new(const struct scenario *sc, const struct machine *m)
{
	(void)m;
	struct dot_wait *d = xcalloc(1, sizeof *d);
	d->sc = sc;
	dw_born(d, 1, 1);
	return d;
}

void dot_wait_event(struct dot_wait *d, const struct event *e)
{
	struct dw_thread *t;
	switch (e->kind) {
	case EV_SPAWN:
		dw_born(d, e->other, e->pid);
		break;
	case EV_FORK:
	case EV_CONTAINER:
		dw_born(d, e->other, (int)e->a);
		break;
	case EV_BLOCK:
		t = dw_thread(d, e->tid);
		t->wait = (int)e->a;
		t->on = e->addr;
		t->line = e->line;
		break;
	case EV_WAKE:
		dw_thread(d, e->tid)->wait = WAIT_NONE;
		break;
	case EV_EXIT:
		t = dw_thread(d, e->tid);
		t->done = 1;
		t->wait = WAIT_NONE;
		break;
	case EV_LOCK:
		dw_mutex(d, e->pid, e->addr)->tid = e->tid;
		break;
	case EV_UNLOCK:
		dw_mutex(d, e->pid, e->addr)->tid = 0;
		break;
	default:
		break;
	}
}

/* The holder of the mutex at addr of pid (0: free). */
static int dw_holder(const struct dot_wait *d, int pid, uint64_t addr)
{
	for (size_t i = 0; i < d->nheld; i++)
		if (d->held[i].pid == pid && d->held[i].addr == addr)
			return d->held[i].tid;
	return 0;
}

/* The thread tid waits for, when it waits for a thread (0: none). */
static int dw_next(const struct dot_wait *d, int tid)
{
	const struct dw_thread *t = &d->th[tid];
	if (t->wait == WAIT_MUTEX)
		return dw_holder(d, t->pid, t->on);
	if (t->wait > 0 && t->wait < WAIT_COUNT && waits_for_thread[t->wait])
		return t->on < (uint64_t)d->nth ? (int)t->on : 0;
	return 0;
}

/* Mark in cyc the threads of a cycle of who waits for whom, if there is
 * one; returns whether there is. */
static int dw_cycle(const struct dot_wait *d, char *cyc)
{
	for (int start = 1; start < d->nth; start++) {
		int at = start, n = 0;
		while (at && n <= d->nth) {
			at = dw_next(d, at);
			n++;
			if (at == start) {
				do {
					cyc[at] = 1;
					at = dw_next(d, at);
				} while (at != start);
				return 1;
			}
		}
	}
	return 0;
}

/* The node id of the object thread t waits on: "o2_600008_2". */
static void object_id(struct buf *b, const struct dw_thread *t)
{
	buf_printf(b, "o%d_%llx_%d", t->pid, (unsigned long long)t->on, t->wait);
}

/* The attributes of an edge or node on the cycle (red), else none. */
static const char *red(int on_cycle)
{
	return on_cycle ? ", color=red, fontcolor=red, penwidth=2" : "";
}

void dot_wait_write(struct dot_wait *d, const struct machine *m, struct buf *out)
{
	const struct scenario *sc = d->sc;
	char *cyc = xcalloc((size_t)d->nth + 1, 1);
	dw_cycle(d, cyc);
	struct buf b = { 0 };
	explain_end(sc, m, &b);
	buf_puts(out, "digraph \"wait-for\" {\n");
	buf_puts(out, "\tlabel=");
	struct buf title = { 0 };
	buf_printf(&title, "%s: who waits for whom at tick %llu (%s)", sc->name,
		   (unsigned long long)(m->state == RUN_ENDED ? m->end_tick : m->tick),
		   b.s ? b.s : "");
	dot_quote(out, title.s, title.len);
	buf_puts(out, ";\n\tlabelloc=t;\n\trankdir=LR;\n"
		 "\tnode [fontname=\"monospace\"];\n\tedge [fontname=\"monospace\"];\n");
	for (int tid = 1; tid < d->nth; tid++) {
		const struct dw_thread *t = &d->th[tid];
		if (!t->seen)
			continue;
		b.len = 0;
		trace_thread_name(sc, m, tid, &b);
		buf_printf(&b, "\n%s", t->done ? "ended" : t->wait != WAIT_NONE ? "blocked" : "can run");
		buf_printf(out, "\tT%d [label=", tid);
		dot_quote(out, b.s, b.len);
		buf_printf(out, ", shape=ellipse%s%s];\n", t->done ? ", style=dashed, color=gray" : "",
			   red(cyc[tid]));
	}
	/* the objects threads wait on, each once, and who holds the mutexes */
	struct buf id = { 0 }, id2 = { 0 };
	for (int tid = 1; tid < d->nth; tid++) {
		const struct dw_thread *t = &d->th[tid];
		if (!t->seen || t->wait == WAIT_NONE || waits_for_thread[t->wait])
			continue;
		id.len = 0;
		object_id(&id, t);
		int first = 1;
		for (int j = 1; j < tid && first; j++) {
			const struct dw_thread *u = &d->th[j];
			if (u->seen && u->wait == t->wait && u->on == t->on && u->pid == t->pid)
				first = 0;
		}
		if (!first)
			continue;
		b.len = 0;
		explain_wait(sc, m, t->pid, t->wait, t->on, &b);
		int holder = t->wait == WAIT_MUTEX ? dw_holder(d, t->pid, t->on) : 0;
		buf_printf(out, "\t%s [label=", id.s);
		dot_quote(out, b.s, b.len);
		buf_printf(out, ", shape=box%s];\n", red(holder && cyc[holder] && cyc[tid]));
		if (holder)
			buf_printf(out, "\t%s -> T%d [label=\"held by\"%s];\n", id.s, holder,
				   red(cyc[holder] && cyc[tid]));
	}
	/* mutexes held that no one waits for */
	for (size_t i = 0; i < d->nheld; i++) {
		const struct dw_held *h = &d->held[i];
		if (!h->tid)
			continue;
		int waited = 0;
		for (int tid = 1; tid < d->nth && !waited; tid++)
			waited = d->th[tid].wait == WAIT_MUTEX && d->th[tid].on == h->addr &&
				 d->th[tid].pid == h->pid;
		if (waited)
			continue;
		struct dw_thread as = { .pid = h->pid, .wait = WAIT_MUTEX, .on = h->addr };
		id.len = 0;
		object_id(&id, &as);
		b.len = 0;
		explain_wait(sc, m, h->pid, WAIT_MUTEX, h->addr, &b);
		buf_printf(out, "\t%s [label=", id.s);
		dot_quote(out, b.s, b.len);
		buf_printf(out, ", shape=box];\n\t%s -> T%d [label=\"held by\"];\n", id.s, h->tid);
	}
	for (int tid = 1; tid < d->nth; tid++) {
		const struct dw_thread *t = &d->th[tid];
		if (!t->seen || t->wait == WAIT_NONE)
			continue;
		int next = dw_next(d, tid);
		id2.len = 0;
		if (waits_for_thread[t->wait])
			buf_printf(&id2, "T%llu", (unsigned long long)t->on);
		else
			object_id(&id2, t);
		b.len = 0;
		buf_puts(&b, waits_for_thread[t->wait] ? wait_names[t->wait] : "waits");
		if (t->line)
			buf_printf(&b, " (line %d)", t->line);
		buf_printf(out, "\tT%d -> %s [label=", tid, id2.s);
		dot_quote(out, b.s, b.len);
		buf_printf(out, "%s];\n", red(cyc[tid] && next && cyc[next]));
	}
	buf_puts(out, "}\n");
	buf_free(&b);
	buf_free(&id);
	buf_free(&id2);
	buf_free(&title);
	xfree(cyc);
}

void dot_wait_free(struct dot_wait *d)
{
	if (!d)
		return;
	xfree(d->th);
	xfree(d->held);
	xfree(d);
}

/* One step of the state graph. */
struct ds_edge {
	uint32_t from, to;
	int tid;                /* 0: a delivery of client (from 1), split or not */
	int client, split;
	int end;
};

/* One end of schedules: how it was judged and what it printed. */
struct ds_end {
	int verdict;
	char *label;
};

struct dot_states {
	struct ds_edge *edges;
	size_t nedges, cap_edges;
	uint64_t states;        /* the highest state told, plus one */
	struct ds_end *ends;    /* by outcome number */
	size_t nends, cap_ends;
};

struct dot_states *dot_states_new(void)
{
	struct dot_states *d = xcalloc(1, sizeof *d);
	d->states = 1;          /* the start */
	return d;
}

/* The label of an end: "ok \"counter = 6\n\"", "FAILED assertion ...". */
static char *end_label(const struct explore_outcome *x)
{
	static const char *const verdicts[] = { "ok", "FAILED", "limit" };
	struct buf b = { 0 };
	buf_puts(&b, verdicts[x->verdict]);
	if (x->why && *x->why)
		buf_printf(&b, ": %s", x->why);
	if (x->outlen) {
		buf_putc(&b, '\n');
		trace_quote(&b, x->out, x->outlen < 60 ? x->outlen : 60);
	}
	return buf_take(&b);
}

void dot_states_step(void *ctx, const struct explore_step *st)
{
	struct dot_states *d = ctx;
	if (st->from + 1 > d->states)
		d->states = st->from + 1;
	if (!st->end && st->to + 1 > d->states)
		d->states = st->to + 1;
	if (st->end && st->to >= d->nends) {
		size_t old = d->cap_ends;
		d->ends = xgrow(d->ends, &d->cap_ends, st->to + 1, sizeof *d->ends);
		memset(d->ends + old, 0, (d->cap_ends - old) * sizeof *d->ends);
		d->nends = st->to + 1;
	}
	if (st->end && !d->ends[st->to].label) {
		d->ends[st->to].verdict = st->outcome->verdict;
		d->ends[st->to].label = end_label(st->outcome);
	}
	if (d->states > DOT_MAX_STATES)
		return;         /* too big to draw: only counted */
	d->edges = xgrow(d->edges, &d->cap_edges, d->nedges + 1, sizeof *d->edges);
	d->edges[d->nedges++] = (struct ds_edge){ st->from, st->to, st->tid, st->client,
						  st->split, st->end };
}

uint64_t dot_states_count(const struct dot_states *d)
{
	return d->states;
}

int dot_states_write(const struct dot_states *d, const struct scenario *sc, struct buf *out)
{
	if (d->states > DOT_MAX_STATES)
		return -1;
	struct buf b = { 0 };
	buf_puts(out, "digraph \"states\" {\n\tlabel=");
	buf_printf(&b, "%s: %llu states; edges are steps, labelled with the thread that took "
		   "them", sc->name, (unsigned long long)d->states);
	dot_quote(out, b.s, b.len);
	buf_puts(out, ";\n\tlabelloc=t;\n\tnode [fontname=\"monospace\", shape=circle];\n"
		 "\tedge [fontname=\"monospace\"];\n\tS0 [label=\"start\", shape=doublecircle];\n");
	for (uint64_t i = 1; i < d->states; i++)
		buf_printf(out, "\tS%llu [label=\"%llu\"];\n", (unsigned long long)i,
			   (unsigned long long)i);
	for (size_t i = 0; i < d->nends; i++) {
		const struct ds_end *x = &d->ends[i];
		if (!x->label)
			continue;
		buf_printf(out, "\tE%zu [label=", i);
		quote(out, x->label);
		buf_printf(out, ", shape=%s%s];\n", x->verdict == VERDICT_FAILED ? "doubleoctagon" : "box",
			   x->verdict == VERDICT_FAILED ? ", color=red, fontcolor=red, penwidth=2" : "");
	}
	for (size_t i = 0; i < d->nedges; i++) {
		const struct ds_edge *e = &d->edges[i];
		int failed = e->end && d->ends[e->to].verdict == VERDICT_FAILED;
		buf_printf(out, "\tS%u -> %c%u [label=\"", e->from, e->end ? 'E' : 'S', e->to);
		if (e->tid)
			buf_printf(out, "T%d", e->tid);
		else    /* as a schedule says it */
			buf_printf(out, "c%d%s", e->client, e->split ? "/2" : "");
		buf_printf(out, "\"%s];\n", failed ? ", color=red" : "");
	}
	buf_puts(out, "}\n");
	buf_free(&b);
	return 0;
}

void dot_states_free(struct dot_states *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nends; i++)
		xfree(d->ends[i].label);
	xfree(d->ends);
	xfree(d->edges);
	xfree(d);
}
