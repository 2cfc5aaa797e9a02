/* session: the machine on screen, its snapshots and its recent history. */
#include "session.h"

#include <stdio.h>
#include <string.h>

#include "../out/explain.h"
#include "../out/run.h"

/* A snapshot: the machine at a tick, and how much output and narration
 * there was by then. */
struct ss_snap {
	struct machine m;
	size_t out_len, nnotes;
};

/* A mark of the tick being run, never kept: the thread ran an instruction. */
enum { TL_RAN = 0x80 };

/* Show note i from tick on, unless it has been shown. */
static void fire(struct session *s, size_t i, uint64_t tick)
{
	if (s->note_done[i])
		return;
	s->note_done[i] = 1;
	s->notes = xgrow(s->notes, &s->cap_notes, s->nnotes + 1, sizeof *s->notes);
	s->notes[s->nnotes++] = (struct ss_note){ i, tick };
}

/* Keep e as a sentence in the ring of events. */
static void keep_event(struct session *s, const struct event *e)
{
	struct ss_event *k = &s->events[s->ev_head];
	s->ev_head = (s->ev_head + 1) % SS_EVENTS;
	if (s->nevents < SS_EVENTS)
		s->nevents++;
	k->tick = e->tick;
	k->kind = e->kind;
	k->tid = e->tid;
	k->core = e->core;
	struct buf b = { 0 };
	explain_event(s->sc, &s->m, e, &b);
	size_t n = b.len < sizeof k->text - 1 ? b.len : sizeof k->text - 1;
	while (n && n < b.len && (b.s[n] & 0xc0) == 0x80)
		n--;            /* do not cut a UTF-8 character */
	memcpy(k->text, b.s ? b.s : "", n);
	k->text[n] = 0;
	buf_free(&b);
}

/* Note that the tick being run touched addr of process pid. */
static void touched(struct session *s, uint64_t addr, int how, int tid, int pid)
{
	if (!addr)
		return;
	for (size_t i = 0; i < s->nacc; i++)
		if (s->acc[i].addr == addr && s->acc[i].pid == pid) {
			s->acc[i].how |= how;
			s->acc[i].tid = tid;
			return;
		}
	if (s->nacc < SS_ACCESSES)
		s->acc[s->nacc++] = (struct ss_access){ addr, how, tid, pid };
}

/* The sink: every event of the machine on screen. */
static void on_event(void *ctx, const struct event *e)
{
	struct session *s = ctx;
	const struct scenario *sc = s->sc;
	for (size_t i = 0; i < sc->nnotes; i++) {
		if (note_fires(&sc->notes[i], e))
			fire(s, i, e->tick);
	}
	if (e->kind == EV_PRINT && s->out.len < SS_OUTPUT) {
		size_t n = e->len < SS_OUTPUT - s->out.len ? e->len : SS_OUTPUT - s->out.len;
		buf_put(&s->out, e->text, n);
	}
	if (e->tick >= s->record_from)
		keep_event(s, e);
	struct ss_core *c = e->core >= 0 && e->core < SS_CORES ? &s->cores[e->core] : NULL;
	uint8_t *mark = e->tid >= 1 && e->tid <= SS_THREADS ? &s->tick_marks[e->tid - 1] : NULL;
	switch (e->kind) {
	case EV_EXEC:
		if (mark)
			*mark |= TL_RAN;
		if (c) {
			c->tid = e->tid;
			c->pc = e->pc;
			if (e->reg != REG_NONE)
				c->reg = e->reg;
			c->sp_moved |= e->sp_moved;
		}
		touched(s, e->raddr, 1, e->tid, e->pid);
		touched(s, e->waddr, 2, e->tid, e->pid);
		break;
	case EV_SWITCH:
		if (c && e->tid)
			c->switched = 1;
		if (mark)
			*mark |= TL_SWITCHED_IN;
		break;
	case EV_PREEMPT:
		if (mark)
			*mark |= TL_PREEMPTED;
		break;
	case EV_ATOMIC:
		touched(s, e->addr, 3, e->tid, e->pid);
		break;
	case EV_LOCK:
	case EV_UNLOCK:
	case EV_SEM:
		touched(s, e->addr, 2, e->tid, e->pid);
		break;
	default:
		break;
	}
}

/* The timeline's state of blocked thread t: waiting for I/O, idle on
 * the run queue, or blocked on something else. */
static uint8_t blocked_state(const struct thread *t)
{
	return wait_is_io(t->wait) ? TL_IOWAIT : t->wait == WAIT_RUNQ ? TL_IDLE : TL_BLOCKED;
}

/* The timeline's state of thread t during the tick just run on m. */
static uint8_t thread_state(const struct session *s, const struct thread *t)
{
	if (s->tick_marks[t->id - 1] & TL_RAN)
		return TL_RUNNING;
	switch (t->state) {
	case TS_READY:
		return TL_READY;
	case TS_RUNNING:
		return TL_SWITCHING;    /* it has a core but ran nothing: the switch */
	case TS_BLOCKED:
		return blocked_state(t);
	case TS_DONE:
		return TL_DONE;
	}
	return TL_NONE;
}

/* Write the timeline's records of ticks [a, b): tick a is the one just
 * run, the others (a jump to a sleeper's wake) saw nothing run. */
static void write_ticks(struct session *s, uint64_t a, uint64_t b)
{
	if (b - a > SS_WINDOW)
		a = b - SS_WINDOW;
	const struct machine *m = &s->m;
	int n = m->nthreads < SS_THREADS ? m->nthreads : SS_THREADS;
	for (uint64_t t = a; t < b; t++) {
		struct ss_tick *r = &s->ticks[t % SS_WINDOW];
		memset(r, 0, sizeof *r);
		r->tick = t;
		for (int i = 0; i < n; i++) {
			const struct thread *th = &m->threads[i];
			if (th->created > t)
				r->thread[i] = TL_NONE;
			else if (t == a)
				r->thread[i] = thread_state(s, th) | (s->tick_marks[i] & ~TL_RAN);
			else    /* every thread left sleeps */
				r->thread[i] = th->state == TS_DONE ? TL_DONE : blocked_state(th);
		}
		for (int c = 0; c < m->ncores && c < SS_CORES; c++)
			r->core[c] = t != a ? 0 : s->cores[c].tid ? (int16_t)s->cores[c].tid :
				     m->cores[c].tid ? -1 : 0;
	}
}

/* Run one tick (or a jump to the next wake) with the history kept. */
static int step1(struct session *s)
{
	struct machine *m = &s->m;
	if (m->state == RUN_ENDED)
		return 0;
	uint64_t a = m->tick;
	s->nacc = 0;
	for (int c = 0; c < SS_CORES; c++)
		s->cores[c] = (struct ss_core){ .reg = REG_NONE };
	memset(s->tick_marks, 0, sizeof s->tick_marks);
	machine_step(m);
	uint64_t b = m->tick;
	s->prev_tick = a;
	write_ticks(s, a, b);
	for (size_t i = 0; i < s->sc->nnotes; i++) {
		const struct scenario_note *n = &s->sc->notes[i];
		if (n->trigger == NOTE_TICK && (uint64_t)n->at < b)
			fire(s, i, (uint64_t)n->at > a ? (uint64_t)n->at : a);
		if (n->trigger == NOTE_END && m->state == RUN_ENDED)
			fire(s, i, m->end_tick);
	}
	s->last_tick = a;
	s->last_nacc = s->nacc;
	memcpy(s->last_acc, s->acc, sizeof s->acc);
	memcpy(s->last_cores, s->cores, sizeof s->cores);
	if (b >= s->next_snap && b > s->snaps[s->nsnaps - 1].m.tick) {
		if (s->nsnaps == SS_SNAPS) {    /* keep every other one, further apart */
			size_t k = 1;
			for (size_t i = 1; i < s->nsnaps; i++) {
				if (i % 2 == 0)
					s->snaps[k++] = s->snaps[i];
				else
					machine_done(&s->snaps[i].m);
			}
			s->nsnaps = k;
			s->snap_every *= 2;
		}
		struct ss_snap *sn = &s->snaps[s->nsnaps++];
		machine_copy(&sn->m, m);
		sn->out_len = s->out.len;
		sn->nnotes = s->nnotes;
		s->next_snap = b + s->snap_every;
	}
	return m->state != RUN_ENDED;
}

/* Forget the history: nothing is kept of any tick. */
static void clear_history(struct session *s)
{
	for (size_t i = 0; i < SS_WINDOW; i++)
		s->ticks[i].tick = UINT64_MAX;
	s->nevents = s->ev_head = 0;
	s->last_nacc = 0;
	s->last_tick = UINT64_MAX;
	for (int c = 0; c < SS_CORES; c++)
		s->last_cores[c] = (struct ss_core){ .reg = REG_NONE };
}

/* Make the machine snapshot i again. */
static void restore(struct session *s, size_t i)
{
	const struct ss_snap *sn = &s->snaps[i];
	machine_done(&s->m);
	machine_copy(&s->m, &sn->m);
	machine_set_sink(&s->m, (struct event_sink){ on_event, s, EV_ALL });
	s->out.len = sn->out_len;
	if (s->out.s)
		s->out.s[s->out.len] = 0;
	while (s->nnotes > sn->nnotes)
		s->note_done[s->notes[--s->nnotes].index] = 0;
	clear_history(s);
	s->hist_from = sn->m.tick;
	s->prev_tick = sn->m.tick;
}

/* The latest snapshot at or before tick t. */
static size_t snap_before(const struct session *s, uint64_t t)
{
	size_t lo = 0, hi = s->nsnaps;  /* snaps[0] is tick 0 */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (s->snaps[mid].m.tick <= t)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* The first tick whose history the screen at tick t shows. */
static uint64_t window_start(uint64_t t)
{
	return t > SS_WINDOW ? t - SS_WINDOW : 0;
}

/* Run forward to tick t (or the end) so that the history of the
 * window before it is whole. */
static void forward(struct session *s, uint64_t t)
{
	uint64_t from = window_start(t);
	size_t i = snap_before(s, from);
	if (s->snaps[i].m.tick > s->m.tick)
		restore(s, i);          /* been there: skip ahead */
	if (from > s->m.tick) {
		s->record_from = from;
		s->hist_from = from;
	} else {
		s->record_from = s->m.tick;
	}
	while (s->m.tick < t && step1(s))
		;
	uint64_t end = s->m.tick;
	if (end < t && s->hist_from > window_start(end)) {
		/* it ended early: the window ends earlier too */
		restore(s, snap_before(s, window_start(end)));
		s->record_from = window_start(end);
		while (step1(s))
			;
	}
}

struct session *session_new(const struct scenario *sc, const struct machine_config *cfg,
			    const struct limits *lim, char *err, size_t errlen, int *code)
{
	struct session *s = xcalloc(1, sizeof *s);
	s->sc = sc;
	int rc = machine_init(&s->m, sc->image, cfg, lim, err, errlen);
	if (rc < 0) {
		*code = rc == -2 ? 3 : 2;
		xfree(s);
		return NULL;
	}
	machine_set_sink(&s->m, (struct event_sink){ on_event, s, EV_ALL });
	s->note_done = xcalloc(sc->nnotes + 1, 1);
	s->snaps = xcalloc(SS_SNAPS, sizeof *s->snaps);
	machine_copy(&s->snaps[0].m, &s->m);
	s->nsnaps = 1;
	s->snap_every = SS_SNAP_EVERY;
	s->next_snap = SS_SNAP_EVERY;
	for (size_t i = 0; i < sc->nnotes; i++)
		if (sc->notes[i].trigger == NOTE_START)
			fire(s, i, 0);
	s->snaps[0].nnotes = s->nnotes;
	clear_history(s);
	return s;
}

void session_free(struct session *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nsnaps; i++)
		machine_done(&s->snaps[i].m);
	xfree(s->snaps);
	machine_done(&s->m);
	xfree(s->note_done);
	xfree(s->notes);
	buf_free(&s->out);
	xfree(s);
}

uint64_t session_tick(const struct session *s)
{
	return s->m.tick;
}

int session_ended(const struct session *s)
{
	return s->m.state == RUN_ENDED;
}

int session_step(struct session *s)
{
	return session_advance(s, 1);
}

int session_advance(struct session *s, uint64_t n)
{
	if (session_ended(s))
		return 0;
	uint64_t t = n < UINT64_MAX - s->m.tick ? s->m.tick + n : UINT64_MAX;
	forward(s, t);
	return !session_ended(s);
}

void session_goto(struct session *s, uint64_t t)
{
	if (t >= s->m.tick) {
		if (!session_ended(s))
			forward(s, t);
		return;
	}
	restore(s, snap_before(s, window_start(t)));
	forward(s, t);
}

void session_back(struct session *s)
{
	uint64_t now = s->m.tick;
	if (now == 0)
		return;
	session_goto(s, now - 1);
	if (s->m.tick >= now) {
		/* the step before now jumped over now - 1: stop where it began */
		uint64_t p = s->prev_tick;
		restore(s, snap_before(s, window_start(p)));
		forward(s, p);
	}
}

const struct ss_tick *session_timeline(const struct session *s, uint64_t t)
{
	const struct ss_tick *r = &s->ticks[t % SS_WINDOW];
	return r->tick == t && t < s->m.tick && t >= window_start(s->m.tick) ? r : NULL;
}

const struct ss_event *session_event(const struct session *s, size_t i)
{
	if (i >= s->nevents)
		return NULL;
	const struct ss_event *e = &s->events[(s->ev_head + SS_EVENTS - 1 - i) % SS_EVENTS];
	return e->tick >= window_start(s->m.tick) ? e : NULL;
}

size_t session_accesses(const struct session *s, const struct ss_access **acc)
{
	*acc = s->last_acc;
	return s->m.tick && s->last_tick == s->m.tick - 1 ? s->last_nacc : 0;
}

const struct ss_core *session_core(const struct session *s, int c)
{
	static const struct ss_core none = { .reg = REG_NONE };
	if (c < 0 || c >= SS_CORES)
		return NULL;
	return s->m.tick && s->last_tick == s->m.tick - 1 ? &s->last_cores[c] : &none;
}

const struct ss_note *session_note(const struct session *s, size_t i)
{
	return i < s->nnotes ? &s->notes[s->nnotes - 1 - i] : NULL;
}

char *session_run_schedule(const struct scenario *sc, const struct machine_config *cfg,
			   const struct limits *lim, uint64_t max_ticks, char *err, size_t errlen)
{
	struct machine m;
	if (machine_init(&m, sc->image, cfg, lim, err, errlen) < 0)
		return NULL;
	m.record = 1;
	machine_run(&m, max_ticks);
	char *text = NULL;
	if (m.state != RUN_ENDED || m.taken_partial) {
		snprintf(err, errlen, "the run is too long to save its schedule");
	} else {
		struct buf b = { 0 };
		sched_format(&m.taken, &b);
		text = b.s ? b.s : xstrdup("");
	}
	machine_done(&m);
	return text;
}
