/* run: drive a machine to the end and say how it went. */
#include "run.h"

#include <string.h>

#include "../lang/ast.h"
#include "../sim/race.h"
#include "figures.h"
#include "trace.h"

struct runner {
	const struct scenario *sc;
	const struct run_options *o;
	struct machine *m;
	struct tracer *tr;
	char *note_done;        /* one flag per note */
	const struct scenario_expect *want_out;
	size_t out_len;         /* bytes printed so far */
	int out_differs;        /* the output left the expected text */
	struct buf out;         /* what was printed, kept for the report */
	const struct run_watcher *watchers;     /* the caller's and the figures' */
	size_t nwatchers;
};

/* Print note i when it has not been shown yet. */
static void narrate(struct runner *r, size_t i, uint64_t tick)
{
	if (!r->o->narration || r->note_done[i])
		return;
	r->note_done[i] = 1;
	fprintf(r->o->narration, "[tick %llu] %s\n", (unsigned long long)tick, r->sc->notes[i].text);
}

/* Keep what the program printed, comparing it with the expected output. */
static void printed(struct runner *r, const char *text, size_t len)
{
	if (r->o->out && len)
		fwrite(text, 1, len, r->o->out);
	if (!r->want_out || r->out_differs)
		return;
	const struct scenario_expect *w = r->want_out;
	if (r->out_len + len > w->text_len || memcmp(w->text + r->out_len, text, len) != 0) {
		r->out_differs = 1;
		if (r->out.len < 4096)
			buf_put(&r->out, text, len);
		return;
	}
	buf_put(&r->out, text, len);
	r->out_len += len;
}

int note_fires(const struct scenario_note *n, const struct event *e)
{
	/* a switch note waits for a switch from one thread to another, not
	 * for a core taking its first thread or going idle */
	if (n->trigger == NOTE_EVENT && e->kind == EV_SWITCH && (!e->tid || !e->other))
		return 0;
	return (n->trigger == NOTE_LINE && e->kind == EV_EXEC && e->line == n->at) ||
	       (n->trigger == NOTE_EVENT && event_kinds[e->kind].note == n->at);
}

/* The event sink of a run. */
static void on_event(void *ctx, const struct event *e)
{
	struct runner *r = ctx;
	if (r->tr)
		trace_event(r->tr, e);
	for (size_t i = 0; i < r->nwatchers; i++) {
		const struct run_watcher *w = &r->watchers[i];
		if (w->event && (w->mask & EV_BIT(e->kind)))
			w->event(w->ctx, e);
	}
	if (e->kind == EV_PRINT)
		printed(r, e->text, e->len);
	for (size_t i = 0; i < r->sc->nnotes; i++) {
		const struct scenario_note *n = &r->sc->notes[i];
		if ((n->trigger == NOTE_TICK && e->tick >= (uint64_t)n->at) || note_fires(n, e))
			narrate(r, i, e->tick);
	}
}

/* "file:line: " as a report starts. */
static void where(struct runner *r, int line)
{
	if (line)
		fprintf(r->o->err, "%s:%d: ", r->sc->name, line);
	else
		fprintf(r->o->err, "%s: ", r->sc->name);
}

/* The source line, indented, after a report. */
static void show_line(struct runner *r, int line)
{
	size_t len;
	const char *s = scenario_line(r->sc, line, &len);
	if (s)
		fprintf(r->o->err, "%5d | %.*s\n", line, (int)len, s);
}

/* What thread tid waits for, in words. */
static void waits_for(struct runner *r, const struct thread *t, struct buf *b)
{
	const struct machine *m = r->m;
	trace_thread_name(r->sc, m, t->id, b);
	switch (t->wait) {
	case WAIT_JOIN:
		buf_puts(b, " waits in join for ");
		trace_thread_name(r->sc, m, (int)t->wait_on, b);
		break;
	case WAIT_MUTEX: {
		int owner = machine_mutex_owner(m, t->pid, t->wait_on);
		buf_puts(b, " waits for mutex ");
		trace_addr(r->sc, m, t->pid, t->wait_on, b);
		if (owner) {
			buf_puts(b, " held by ");
			trace_thread_name(r->sc, m, owner, b);
		}
		break;
	}
	case WAIT_SEM:
		buf_puts(b, " waits for semaphore ");
		trace_addr(r->sc, m, t->pid, t->wait_on, b);
		buf_puts(b, " (count 0)");
		break;
	case WAIT_COND:
		buf_puts(b, " waits on cond ");
		trace_addr(r->sc, m, t->pid, t->wait_on, b);
		break;
	case WAIT_CHILD:
		buf_printf(b, " waits for child process P%llu", (unsigned long long)t->wait_on);
		break;
	case WAIT_ACCEPT:
	case WAIT_READ:
	case WAIT_EPOLL:
		buf_printf(b, " waits in %s on fd %llu", wait_names[t->wait],
			   (unsigned long long)t->wait_on);
		break;
	case WAIT_RUNQ:
		buf_puts(b, " waits on the run queue: no coroutine is ready");
		break;
	case WAIT_GO:
		buf_puts(b, " waits in go_wait for every coroutine to finish");
		break;
	default:
		buf_puts(b, " waits");
	}
	int line = image_line(r->sc->image, t->wait_pc);
	if (line)
		buf_printf(b, ", at line %d", line);
}

/* The deadlock report: every blocked thread, then the cycle if there is one. */
static void report_deadlock(struct runner *r)
{
	const struct machine *m = r->m;
	where(r, 0);
	fprintf(r->o->err, "deadlock at tick %llu: every thread left is blocked\n",
		(unsigned long long)m->end_tick);
	struct buf b = { 0 };
	int chain[64], cycle = 0, n = 0;
	for (int i = 0; i < m->nthreads && !cycle; i++)
		if (m->threads[i].wait != WAIT_NONE)
			n = machine_wait_chain(m, m->threads[i].id, chain, 64, &cycle);
	for (int i = 0; i < m->nthreads; i++) {
		const struct thread *t = &m->threads[i];
		if (t->wait == WAIT_NONE)
			continue;
		b.len = 0;
		waits_for(r, t, &b);
		fprintf(r->o->err, "  %s\n", b.s);
	}
	/* the coroutines of the runtime that wait too, parked longest first */
	struct rco parked[4];
	size_t np = runtime_longest(m, RCO_PARKED, parked, 4);
	for (size_t i = 0; i < np && i < 4; i++) {
		const struct img_func *f = image_func_at(r->sc->image, parked[i].entry);
		fprintf(r->o->err, "  co%d (%s) is parked in %s on fd %lld\n", parked[i].id,
			f ? f->name : "?", wait_names[parked[i].wait], (long long)parked[i].fd);
	}
	if (np > 4)
		fprintf(r->o->err, "  and %zu more coroutines are parked\n", np - 4);
	if (cycle) {
		/* the chain ends where the cycle closes: print the loop only */
		int start = 0;
		const struct thread *last = machine_thread(m, chain[n - 1]);
		int back = last->wait == WAIT_MUTEX ? machine_mutex_owner(m, last->pid, last->wait_on)
						    : (int)last->wait_on;
		while (start < n && chain[start] != back)
			start++;
		b.len = 0;
		buf_puts(&b, "  cycle: ");
		for (int i = start; i < n; i++)
			buf_printf(&b, "T%d -> ", chain[i]);
		buf_printf(&b, "T%d", back);
		fprintf(r->o->err, "%s\n", b.s);
	}
	for (int c = 0; c < m->net.nclients; c++) {
		const struct client *cl = &m->net.clients[c];
		if (cl->state != CL_DONE && cl->state != CL_FAILED)
			fprintf(r->o->err, "  client %d is %s: %s\n", c + 1,
				client_state_names[cl->state],
				cl->state == CL_WAITING ? "no reply will come" : "nothing will serve it");
	}
	buf_free(&b);
}

/* Say how the run ended on err; returns 1 when it ended well. */
static int report_end(struct runner *r)
{
	const struct machine *m = r->m;
	const struct thread *t = machine_thread(m, m->end_tid);
	int line = t ? image_line(r->sc->image, m->end_pc) : 0;
	struct buf b = { 0 };
	int ok = 0;
	switch (m->end) {
	case END_OK:
		ok = m->exit_status == 0;
		if (!ok) {
			where(r, 0);
			fprintf(r->o->err, "main returned %lld\n", (long long)m->exit_status);
		}
		break;
	case END_FAULT:
		where(r, line);
		trace_thread_name(r->sc, m, m->end_tid, &b);
		buf_printf(&b, " was killed by a fault at tick %llu: ",
			   (unsigned long long)m->end_tick);
		trace_fault(r->sc, m, t ? t->pid : 1, m->fault, m->fault_addr, &b);
		fprintf(r->o->err, "%s\n", b.s);
		show_line(r, line);
		b.len = 0;
		if (image_insn(r->sc->image, m->end_pc)) {
			isa_format(&b, image_insn(r->sc->image, m->end_pc));
			fprintf(r->o->err, "        at 0x%llx: %s\n", (unsigned long long)m->end_pc, b.s);
		}
		break;
	case END_ASSERT: {
		where(r, line);
		trace_thread_name(r->sc, m, m->end_tid, &b);
		fprintf(r->o->err, "%s: assertion failed: %s\n", b.s, m->text);
		show_line(r, line);
		break;
	}
	case END_DEADLOCK:
		report_deadlock(r);
		break;
	case END_LIMIT:
		where(r, 0);
		if (m->limit == LIMIT_STEPS)
			fprintf(r->o->err, "stopped after %llu instructions (--max-steps) at tick %llu\n",
				(unsigned long long)m->insns, (unsigned long long)m->end_tick);
		else if (m->limit == LIMIT_THREADS)
			fprintf(r->o->err, "stopped: more than %d threads (--max-threads)\n",
				m->lim.max_threads);
		else if (m->limit == LIMIT_PROCESSES)
			fprintf(r->o->err, "stopped: more than %d processes (--max-processes)\n",
				m->lim.max_processes);
		else
			fprintf(r->o->err, "stopped: the simulated memory is full "
				"(--max-memory %llu bytes)\n", (unsigned long long)m->lim.max_memory);
		break;
	}
	buf_free(&b);
	return ok;
}

/* Check the scenario's expectations; returns how many failed, or -1
 * when none decides the end status (there is no #expect-status). */
static int check_expects(struct runner *r, int *status_given)
{
	const struct scenario *sc = r->sc;
	int failed = 0;
	*status_given = 0;
	for (size_t i = 0; i < sc->nexpects; i++) {
		const struct scenario_expect *x = &sc->expects[i];
		if (x->kind == EXPECT_STATUS) {
			*status_given = 1;
			if (x->status != r->m->end) {
				where(r, x->line);
				fprintf(r->o->err, "expected the run to end with '%s', it ended with '%s'\n",
					end_status_names[x->status], end_status_names[r->m->end]);
				failed++;
			} else if (x->status == END_OK && r->m->exit_status) {
				where(r, x->line);
				fprintf(r->o->err, "expected the run to end with 'ok', but main returned %lld\n",
					(long long)r->m->exit_status);
				failed++;
			}
		} else if (x->kind == EXPECT_OUTPUT) {
			if (r->out_differs || r->out_len != x->text_len) {
				struct buf b = { 0 };
				where(r, x->line);
				buf_puts(&b, "expected the output ");
				trace_quote(&b, x->text, x->text_len);
				buf_puts(&b, ", the program printed ");
				trace_quote(&b, r->out.s ? r->out.s : "", r->out.len);
				if (r->out_differs && r->out.len >= 4096)
					buf_puts(&b, "...");
				fprintf(r->o->err, "%s\n", b.s);
				buf_free(&b);
				failed++;
			}
		} else {
			int64_t v;
			char err[128];
			if (machine_call(r->m, 1, x->func, EXPECT_MAX_STEPS, &v, err, sizeof err) < 0) {
				where(r, x->line);
				fprintf(r->o->err, "expectation '%.*s' could not be checked: %s\n",
					(int)x->text_len, x->text, err);
				failed++;
			} else if (!v) {
				where(r, x->line);
				fprintf(r->o->err, "expectation failed: %.*s\n", (int)x->text_len, x->text);
				failed++;
			}
		}
	}
	return failed;
}

/* The statistics, as key: value lines, the run's figures among them. */
static void stats(struct runner *r, const struct figures *fig)
{
	const struct machine *m = r->m;
	FILE *f = r->o->err;
	uint64_t heap_peak = 0;
	size_t pages = 0;
	for (int i = 0; i < m->nprocs; i++) {
		heap_peak += m->procs[i].heap.peak;
		pages += m->procs[i].mem.pages;
	}
	fprintf(f, "instructions: %llu\n", (unsigned long long)m->insns);
	fprintf(f, "ticks: %llu\n", (unsigned long long)m->tick);
	fprintf(f, "context_switches: %llu\n", (unsigned long long)m->switches);
	fprintf(f, "preemptions: %llu\n", (unsigned long long)m->preempts);
	fprintf(f, "threads: %d\n", m->nthreads);
	for (int i = 0; i < m->nthreads; i++)
		fprintf(f, "cpu_ticks.T%d: %llu\n", m->threads[i].id,
			(unsigned long long)m->threads[i].cpu_ticks);
	fprintf(f, "heap_peak_bytes: %llu\n", (unsigned long long)heap_peak);
	fprintf(f, "stack_peak_bytes: %llu\n", (unsigned long long)m->stack_peak);
	fprintf(f, "memory_pages: %zu\n", pages);
	fprintf(f, "processes: %d\n", m->nprocs);
	fprintf(f, "process_switches: %llu\n", (unsigned long long)m->proc_switches);
	for (int i = 0; i < m->nprocs; i++) {
		fprintf(f, "memory_pages.P%d: %zu\n", m->procs[i].pid, m->procs[i].mem.pages);
		fprintf(f, "shared_pages.P%d: %zu\n", m->procs[i].pid,
			machine_shared_pages(m, m->procs[i].pid));
	}
	figures_print_stats(fig, f);
	fprintf(f, "end: %s\n", end_status_names[m->end]);
}

/* One line per word that raced, in the order the races were found:
 * "race-counter:26: data race on counter: T3 reads it at line 26, T2
 * wrote it at line 26; no lock held in common (and 4 more racy accesses)". */
static void report_races(struct runner *r)
{
	const struct machine *m = r->m;
	struct buf b = { 0 };
	for (size_t i = 0; i < race_count(m); i++) {
		const struct race_report *p = race_get(m, i);
		int line = image_line(r->sc->image, p->pc), line2 = image_line(r->sc->image, p->pc2);
		int n, n2;
		const uint64_t *held = race_locks(m, p->pid, p->locks, &n);
		const uint64_t *held2 = race_locks(m, p->pid, p->locks2, &n2);
		b.len = 0;
		buf_puts(&b, "data race on ");
		trace_word(r->sc, m, p->pid, p->addr, p->block, &b);
		buf_printf(&b, ": T%d %s it", p->tid, p->write ? "writes" : "reads");
		if (line)
			buf_printf(&b, " at line %d", line);
		if (n) {
			buf_puts(&b, " holding ");
			trace_locks(r->sc, m, p->pid, held, n, &b);
		}
		buf_printf(&b, ", T%d %s it", p->other, p->write2 ? "wrote" : "read");
		if (line2)
			buf_printf(&b, " at line %d", line2);
		if (n2) {
			buf_puts(&b, " holding ");
			trace_locks(r->sc, m, p->pid, held2, n2, &b);
		}
		buf_puts(&b, "; no lock held in common");
		if (p->more)
			buf_printf(&b, " (and %llu more racy access%s)", (unsigned long long)p->more,
				   p->more == 1 ? "" : "es");
		where(r, line);
		fprintf(r->o->err, "%s\n", b.s);
	}
	buf_free(&b);
}

int run_scenario(const struct scenario *sc, const struct machine_config *cfg,
		 const struct limits *lim, const struct run_options *o)
{
	struct machine *m = xmalloc(sizeof *m);
	char err[256];
	int rc = machine_init(m, sc->image, cfg, lim, err, sizeof err);
	if (rc < 0) {
		fprintf(o->err, "threadlab: %s\n", err);
		xfree(m);
		return rc == -2 ? RUN_LIMIT : RUN_BAD;
	}
	if (o->started)
		*o->started = 1;
	struct runner r = { .sc = sc, .o = o, .m = m };
	/* the figures watch the run beside the caller's watchers */
	struct figures_watch *fw = o->stats || o->figures ? figures_new() : NULL;
	size_t nwatch = o->nwatchers;
	struct run_watcher *watch = xmalloc((nwatch + 1) * sizeof *watch);
	if (nwatch)
		memcpy(watch, o->watchers, nwatch * sizeof *watch);
	if (fw)
		watch[nwatch++] = figures_watcher(fw);
	r.note_done = xcalloc(sc->nnotes + 1, 1);
	for (size_t i = 0; i < sc->nexpects; i++)
		if (sc->expects[i].kind == EXPECT_OUTPUT)
			r.want_out = &sc->expects[i];
	if (o->trace)
		r.tr = trace_new(sc, m, o->trace);
	m->record = o->print_schedule;
	/* only what the trace, the narration or the output needs is watched:
	 * instructions cost the most */
	uint64_t mask = EV_BIT(EV_PRINT);
	int line_notes = 0;
	for (size_t i = 0; i < sc->nnotes; i++)
		line_notes |= sc->notes[i].trigger == NOTE_LINE || sc->notes[i].trigger == NOTE_TICK;
	if (o->narration)
		mask = EV_ALL & ~EV_BIT(EV_EXEC);
	if (o->trace || (o->narration && line_notes))
		mask = EV_ALL;
	r.watchers = watch;
	r.nwatchers = nwatch;
	for (size_t i = 0; i < nwatch; i++) {
		mask |= watch[i].mask;
		if (watch[i].start)
			watch[i].start(watch[i].ctx, m);
	}
	machine_set_sink(m, (struct event_sink){ on_event, &r, mask });
	for (size_t i = 0; i < sc->nnotes; i++)
		if (sc->notes[i].trigger == NOTE_START)
			narrate(&r, i, 0);

	int status = RUN_OK;
	while (machine_run(m, 1 << 16))
		if (o->interrupted && *o->interrupted)
			break;
	if (o->interrupted && *o->interrupted)
		status = RUN_INTERRUPTED;       /* in the last chunk too */
	if (o->out)
		fflush(o->out);
	if (status != RUN_INTERRUPTED) {
		for (size_t i = 0; i < sc->nnotes; i++)
			if (sc->notes[i].trigger == NOTE_END)
				narrate(&r, i, m->end_tick);
		int ended_well = report_end(&r), status_given;
		int failed = check_expects(&r, &status_given);
		if (m->end == END_LIMIT)
			status = RUN_LIMIT;
		else if (failed || (!status_given && !ended_well))
			status = RUN_FAILED;
		for (size_t i = 0; i < nwatch; i++)
			if (watch[i].end)
				watch[i].end(watch[i].ctx, m);
		if (o->stats)
			stats(&r, figures_get(fw));
		if (o->figures)
			*o->figures = *figures_get(fw);
		if (o->print_schedule) {
			struct buf b = { 0 };
			sched_format(&m->taken, &b);
			fprintf(o->err, "schedule: %s%s\n", b.s ? b.s : "",
				m->taken_partial ? " (too long: only its beginning was kept)" : "");
			buf_free(&b);
		}
	}
	if (status != RUN_INTERRUPTED)
		report_races(&r);
	if (r.tr && trace_flush(r.tr) < 0 && status != RUN_INTERRUPTED) {
		fprintf(o->err, "threadlab: cannot write the trace\n");
		status = RUN_BAD;
	}
	trace_free(r.tr);
	figures_free(fw);
	xfree(watch);
	buf_free(&r.out);
	xfree(r.note_done);
	machine_done(m);
	xfree(m);
	return status;
}
