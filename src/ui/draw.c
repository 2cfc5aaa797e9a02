/* draw: where each panel goes on the screen, and what it shows. */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "../out/disasm.h"
#include "../out/explain.h"
#include "../out/trace.h"
#include "../sim/coro.h"
#include "../sim/io_view.h"
#include "../sim/service.h"
#include "i18n.h"
#include "memmap.h"
#include "term.h"
#include "tour.h"
#include "view.h"

struct rect {
	int y, x, h, w;
};

/* Where everything goes, for a terminal of rows x cols. */
struct layout {
	int rows, cols;
	int cpu_y, cpu_h;
	struct rect p[P_COUNT];
	struct rect output;             /* w 0: no output panel */
	int split;                      /* the column between code and memory */
};

/* Coroutines listed in the threads panel, at most. */
#define CORO_ROWS 16

/* The coroutines the threads panel lists, into out (CORO_ROWS of them at
 * most): the unfinished first, each group by address; returns how many. */
static int list_coros(const struct machine *m, struct coro *out)
{
	struct coro all[CORO_ROWS * 2];
	int n = 0, k = 0;
	for (int pid = 1; pid <= m->nprocs && n < (int)ARRAY_LEN(all); pid++)
		n += (int)coro_list(m, pid, all + n, ARRAY_LEN(all) - (size_t)n);
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < n && k < CORO_ROWS; i++)
			if ((all[i].status == CO_FINISHED) == pass)
				out[k++] = all[i];
	return k;
}

/* Lay the panels out: the middle (code, threads | memory) gets what the
 * fixed rows leave. */
static void layout(const struct ui *u, int rows, int cols, struct layout *l)
{
	const struct machine *m = &u->s->m;
	memset(l, 0, sizeof *l);
	l->rows = rows;
	l->cols = cols;
	int cpus = rows >= 40 ? 4 : 2;
	l->cpu_h = m->ncores < cpus ? m->ncores : cpus;
	l->cpu_y = 1;
	int narr = rows >= 34 ? 3 : 2;
	int events = rows >= 40 ? 6 : rows >= 30 ? 4 : 2;
	int lanes = m->nthreads + (m->ncores > 1 ? m->ncores : 0);
	int cap = rows >= 40 ? 8 : rows >= 30 ? 5 : 3;
	int sched = 1 + (lanes < cap ? (lanes ? lanes : 1) : cap) + (rows >= 34 ? 1 : 0);
	int fixed = 1 + l->cpu_h + 1 + 1 + sched + 1 + events + 1 + narr + 1;
	int mid = rows - fixed;
	int y = l->cpu_y + l->cpu_h + 1;
	l->split = cols * 47 / 100;
	struct coro coros[CORO_ROWS];
	int listed = m->nthreads + (m->ncoros ? list_coros(m, coros) : 0);
	int threads = listed < mid / 3 ? listed : mid / 3;
	if (threads < 1)
		threads = 1;
	/* one column of margin inside each panel; the code panel's first
	 * column holds the PC's mark */
	l->p[P_CODE] = (struct rect){ y, 1, mid - threads - 1, l->split - 2 };
	l->p[P_THREADS] = (struct rect){ y + mid - threads, 2, threads, l->split - 3 };
	/* the I/O panel under the memory map: its rows, up to two fifths */
	int io = 0;
	if (view_panel_shown(u, P_IO) && mid >= 8) {
		io = u->nio > 2 ? (int)u->nio : 2;
		if (io > mid * 2 / 5)
			io = mid * 2 / 5;
	}
	l->p[P_MEMORY] = (struct rect){ y, l->split + 2, io ? mid - io - 1 : mid,
					cols - l->split - 4 };
	if (io)
		l->p[P_IO] = (struct rect){ y + mid - io, l->split + 2, io, cols - l->split - 4 };
	y += mid + 1;
	l->p[P_SCHEDULE] = (struct rect){ y, 2, sched, cols - 4 };
	y += sched + 1;
	l->p[P_EVENTS] = (struct rect){ y, 2, events, cols - 4 };
	y += events + 1;
	int nw = cols >= 100 ? (cols - 2) * 2 / 3 : cols - 2;
	l->p[P_NARRATION] = (struct rect){ y, 2, narr, nw - 2 };
	if (nw < cols - 2)
		l->output = (struct rect){ y, nw + 4, narr, cols - 6 - nw };
}

/* Text at (y, *x) no wider than the room left before xmax; moves *x. */
static void put(int y, int *x, int xmax, int attr, const char *s)
{
	if (*x < xmax)
		*x += term_put(y, *x, xmax - *x, attr, s);
}

/* The same with printf formatting. */
__attribute__((format(printf, 5, 6)))
static void putf(int y, int *x, int xmax, int attr, const char *fmt, ...)
{
	char b[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b, sizeof b, fmt, ap);
	va_end(ap);
	put(y, x, xmax, attr, b);
}

/* A separator across [x0, x1] at row y with a title at its left. */
static void separator(int y, int x0, int x1, enum glyph left, enum glyph right,
		      const char *title, int focus)
{
	int b = term_attr(TH_BORDER);
	term_put(y, x0, 1, b, term_glyph(left));
	term_hline(y, x0 + 1, x1 - x0 - 1, G_H, b);
	term_put(y, x1, 1, b, term_glyph(right));
	if (title && x1 - x0 > 6) {
		int x = x0 + 2;
		put(y, &x, x1 - 1, b, " ");
		put(y, &x, x1 - 1, term_attr(focus ? TH_FOCUS : TH_TITLE), title);
		put(y, &x, x1, b, " ");
	}
}

/* "T2 (worker)" into b. */
static void thread_name(const struct ui *u, int tid, struct buf *b)
{
	trace_thread_name(u->sc, &u->s->m, tid, b);
}

/* The short name of a thread's entry function: "main", "worker". */
static const char *entry_name(const struct ui *u, const struct thread *t)
{
	const struct img_func *f = image_func_at(u->sc->image, t->entry);
	return t->entry == u->sc->image->entry ? "main" : f ? f->name : "?";
}

int view_focus(const struct ui *u)
{
	const struct machine *m = &u->s->m;
	if (u->focus_tid >= 1 && u->focus_tid <= m->nthreads)
		return u->focus_tid;
	for (int c = 0; c < m->ncores; c++)
		if (m->cores[c].tid)
			return m->cores[c].tid;
	const struct ss_core *k = session_core(u->s, 0);
	if (k && k->tid)
		return k->tid;
	return m->nthreads ? 1 : 0;
}

int view_panel_shown(const struct ui *u, enum panel p)
{
	return p != P_IO || (io_active(&u->s->m) && !u->io_hidden);
}

int view_mem_pid(const struct ui *u)
{
	const struct machine *m = &u->s->m;
	if (u->mem_pid >= 1 && u->mem_pid <= m->nprocs)
		return u->mem_pid;
	const struct thread *t = machine_thread(m, view_focus(u));
	return t ? t->pid : 1;
}

/* How a run ended, in the header's few words (after END_OK's exit). */
static const char *const end_words[END_COUNT] = {
	[END_OK] = N_("exit"), [END_ASSERT] = N_("assertion failed"),
	[END_FAULT] = N_("killed by a fault"), [END_DEADLOCK] = N_("deadlock"),
	[END_LIMIT] = N_("stopped by a limit"),
};

/* The run's state for the header: "❚❚ paused", "▶ running", "■ ended". */
static void run_state(const struct ui *u, struct buf *b)
{
	if (u->seeking && u->seek == UINT64_MAX)
		buf_puts(b, _("running to the end"));
	else if (u->seeking)
		buf_printf(b, _("going to tick %llu"), (unsigned long long)u->seek);
	else if (session_ended(u->s) && u->s->m.end == END_OK)
		buf_printf(b, _("ended: exit %lld"), (long long)u->s->m.exit_status);
	else if (session_ended(u->s))      /* the events panel says the rest */
		buf_printf(b, _("ended: %s"), _(end_words[u->s->m.end]));
	else if (u->playing)
		buf_printf(b, _("%s running"), term_glyph(G_PLAYING));
	else
		buf_printf(b, _("%s paused"), term_glyph(G_PAUSED));
}

/* The top line: scenario, tick, state, settings. */
static void draw_header(const struct ui *u, const struct layout *l)
{
	const struct machine *m = &u->s->m;
	int b = term_attr(TH_BORDER);
	term_put(0, 0, 1, b, term_glyph(G_TL));
	term_hline(0, 1, l->cols - 2, G_H, b);
	term_put(0, l->cols - 1, 1, b, term_glyph(G_TR));
	struct buf r = { 0 }, st = { 0 };
	run_state(u, &st);
	buf_printf(&r, " %s %llu %s %s %s %s", _("tick"), (unsigned long long)m->tick,
		   term_glyph(G_H), st.s, term_glyph(G_H), sched_policies[m->cfg->policy].name);
	if (m->cfg->policy == POLICY_RR)
		buf_printf(&r, " q=%d", m->cfg->quantum);
	buf_printf(&r, " %s ", term_glyph(G_H));
	buf_printf(&r, ngettext("%d core", "%d cores", (unsigned long)m->ncores), m->ncores);
	buf_printf(&r, " %s %llu/s ", term_glyph(G_H), (unsigned long long)u->speed);
	int rw = term_width(r.s);
	int x = 2;
	int xmax = l->cols - 2 - rw - 1;
	put(0, &x, xmax, b, " ");
	put(0, &x, xmax, term_attr(TH_TITLE), "threadlab");
	if (xmax - x >= 3 + (term_width(u->sc->name) < 8 ? term_width(u->sc->name) : 8)) {
		putf(0, &x, xmax, b, " %s ", term_glyph(G_H));
		put(0, &x, xmax, term_attr(TH_TITLE), u->sc->name);
	}
	char where[64], tight[16];      /* in the tour: "lesson 4/30", or "4/30" when tight */
	snprintf(where, sizeof where, _("lesson %d/%zu"), u->lesson + 1, tour_count);
	snprintf(tight, sizeof tight, "%d/%zu", u->lesson + 1, tour_count);
	/* " ─ ", the words, and room for the space before the line goes on */
	const char *w = xmax - x >= 4 + term_width(where) ? where : tight;
	if (u->in_tour && u->lesson >= 0 && xmax - x >= 4 + term_width(w)) {
		putf(0, &x, xmax, b, " %s ", term_glyph(G_H));
		put(0, &x, xmax, term_attr(TH_FOCUS), w);
	}
	if (u->sc->title && xmax - x >= 16) {    /* a title cut to a stub says nothing */
		putf(0, &x, xmax, b, " %s ", term_glyph(G_H));
		put(0, &x, xmax - 1, term_attr(TH_TEXT), _(u->sc->title));   /* a space after it */
	}
	put(0, &x, xmax, b, " ");
	if (l->cols - 1 - rw > 0)
		term_put(0, l->cols - 1 - rw, rw, term_attr(TH_TITLE), r.s);
	buf_free(&r);
	buf_free(&st);
}

/* A register's value as the trace writes it: an address in hex, a
 * number in decimal. */
static void put_reg(int y, int *x, int xmax, int attr, int64_t v)
{
	struct buf b = { 0 };
	trace_value(&b, v);
	put(y, x, xmax, attr, b.s);
	buf_free(&b);
}

/* One core: the thread it runs and its registers; what the last tick
 * changed stands out. */
static void draw_cpu(const struct ui *u, int c, int y, int x0, int xmax)
{
	const struct machine *m = &u->s->m;
	const struct core *k = &m->cores[c];
	const struct ss_core *ch = session_core(u->s, c);
	int x = x0;
	putf(y, &x, xmax, term_attr(TH_LABEL), "CPU%d  ", c);
	const struct thread *t = machine_thread(m, k->tid);
	if (!t) {
		put(y, &x, xmax, term_attr(TH_DIM), _("idle"));
		return;
	}
	struct buf n = { 0 };
	thread_name(u, t->id, &n);
	put(y, &x, xmax, term_attr(term_thread_color(t->id)), n.s);
	buf_free(&n);
	if (k->busy) {
		putf(y, &x, xmax, term_attr(TH_SWITCHING),
		     ngettext("  context switch: %llu tick left", "  context switch: %llu ticks left",
			      (unsigned long)k->busy), (unsigned long long)k->busy);
		return;
	}
	int mine = ch && ch->tid == t->id;
	int all = ch && ch->switched;
	if (all)
		put(y, &x, xmax, term_attr(TH_SWITCHING), _(" context restored"));
	else
		putf(y, &x, xmax, term_attr(TH_DIM), _(" since tick %llu"),
		     (unsigned long long)(m->tick - k->slice));
	int val = term_attr(TH_TEXT), hot = term_attr(TH_CHANGED);
	const struct quiz_question *ask = ui_quiz_asking(u);
	int hide = ask && ask->tid == t->id && (ask->kind == QK_LOAD || ask->kind == QK_STORE);
	putf(y, &x, xmax, val, "  pc ");
	putf(y, &x, xmax, all ? hot : val, "0x%llx", (unsigned long long)t->pc);
	put(y, &x, xmax, val, "  sp ");
	putf(y, &x, xmax, all || (mine && ch->sp_moved) ? hot : val, "0x%llx",
	     (unsigned long long)t->r[REG_SP]);
	put(y, &x, xmax, val, "  fp ");
	putf(y, &x, xmax, all || (mine && ch->reg == REG_FP) ? hot : val, "0x%llx",
	     (unsigned long long)t->r[REG_FP]);
	if (t->r[REG_TP]) {             /* its TLS block, when the program has one */
		put(y, &x, xmax, val, "  tp ");
		putf(y, &x, xmax, all ? hot : val, "0x%llx", (unsigned long long)t->r[REG_TP]);
	}
	for (int r = 0; r < NGPR; r++) {
		putf(y, &x, xmax, val, "  r%d ", r);
		if (hide)       /* the quiz asks what they lead to */
			put(y, &x, xmax, term_attr(TH_DIM), "?");
		else
			put_reg(y, &x, xmax, all || (mine && ch->reg == r) ? hot : val, t->r[r]);
	}
}

/* The last source line of function f. */
static int last_line(const struct image *img, const struct img_func *f)
{
	int last = f->line;
	for (uint64_t a = f->addr; a < f->end; a += INSN_SIZE) {
		int n = image_line(img, a);
		if (n > last)
			last = n;
	}
	return last;
}

/* After the text of a line: the threads (other than the one followed)
 * whose next instruction is on source line n of f (n 0: at address pc). */
static void other_threads(const struct ui *u, int focus, const struct img_func *f, int line,
			  uint64_t pc, int y, int *x, int xmax)
{
	const struct machine *m = &u->s->m;
	for (int i = 0; i < m->nthreads; i++) {
		const struct thread *t = &m->threads[i];
		if (t->id == focus || t->state == TS_DONE || image_func_at(u->sc->image, t->pc) != f)
			continue;
		if (line ? image_line(u->sc->image, t->pc) != line : t->pc != pc)
			continue;
		putf(y, x, xmax, term_attr(term_thread_color(t->id)), " T%d%s", t->id,
		     term_glyph(t->state == TS_RUNNING ? G_PC : G_OTHER_PC));
	}
}

/* The code panel: the followed thread's function as source with the
 * current line marked, then the instructions around its PC. */
static void draw_code(struct ui *u, const struct rect *r)
{
	const struct machine *m = &u->s->m;
	const struct image *img = u->sc->image;
	int tid = view_focus(u);
	const struct thread *t = machine_thread(m, tid);
	if (!t || r->h < 1)
		return;
	const struct img_func *f = image_func_at(img, t->pc);
	int ninsn = r->h >= 6 ? r->h / 3 : r->h >= 3 ? 1 : 0;
	if (!f || !f->line)
		ninsn = r->h;
	int nsrc = r->h - ninsn;
	int xmax = r->x + r->w;
	int y = r->y;
	if (nsrc > 0) {
		int lo = f->line, hi = last_line(img, f);
		int cur = image_line(img, t->pc);
		if (u->code_at != m->tick || u->code_tid != tid)
			u->scroll[P_CODE] = 0;  /* a new tick or thread: the PC's line again */
		u->code_at = m->tick;
		u->code_tid = tid;
		int first = cur - nsrc / 2 + u->scroll[P_CODE];
		if (first > hi - nsrc + 1)
			first = hi - nsrc + 1;
		if (first < lo)
			first = lo;
		for (int n = first; n < first + nsrc && n <= hi; n++, y++) {
			int x = r->x, here = n == cur && t->state != TS_DONE;
			put(y, &x, xmax, term_attr(term_thread_color(tid)),
			    here ? term_glyph(G_PC) : " ");
			putf(y, &x, xmax, term_attr(TH_DIM), "%4d  ", n);
			size_t len;
			const char *s = scenario_line(u->sc, n, &len);
			char text[256];
			size_t k = 0;
			for (size_t i = 0; s && i < len && k + 4 < sizeof text; i++)
				if (s[i] == '\t')
					do text[k++] = ' '; while (k % 4);
				else
					text[k++] = s[i];
			text[k] = 0;
			put(y, &x, xmax, term_attr(here ? TH_CURRENT : TH_TEXT), text);
			other_threads(u, tid, f, n, 0, y, &x, xmax);
		}
	}
	y = r->y + nsrc;
	uint64_t lo = f ? f->addr : CODE_BASE, hi = f ? f->end : CODE_BASE + img->ncode * INSN_SIZE;
	int before = ninsn >= 3 ? 1 : 0;
	uint64_t a = t->pc >= lo + (uint64_t)before * INSN_SIZE ? t->pc - (uint64_t)before * INSN_SIZE
								 : lo;
	for (int i = 0; i < ninsn && a < hi; i++, y++, a += INSN_SIZE) {
		int x = r->x, here = a == t->pc && t->state != TS_DONE;
		put(y, &x, xmax, term_attr(term_thread_color(tid)), here ? term_glyph(G_PC) : " ");
		struct buf b = { 0 };
		buf_printf(&b, "   0x%llx  ", (unsigned long long)a);
		disasm_insn(&b, u->sc, a);
		put(y, &x, xmax, term_attr(here ? TH_CURRENT : TH_TEXT), b.s);
		buf_free(&b);
		other_threads(u, tid, f, 0, a, y, &x, xmax);
	}
}

/* What thread t waits for: "join T2", "mutex m held by T3", "read fd 5",
 * "epoll_wait ep 3 until tick 90". */
static void waits_for(const struct ui *u, const struct thread *t, struct buf *b)
{
	const struct machine *m = &u->s->m;
	explain_wait(u->sc, m, t->pid, t->wait, t->wait_on, b);
	if (t->wait == WAIT_MUTEX) {
		int owner = machine_mutex_owner(m, t->pid, t->wait_on);
		if (owner)
			buf_printf(b, _(" held by T%d"), owner);
	}
	if ((wait_is_io(t->wait) || t->wait == WAIT_CPU) && t->wait_until)
		buf_printf(b, _(" until tick %llu"), (unsigned long long)t->wait_until);
}

/* Which threads a panel of room rows lists, into ids (at most room);
 * returns how many.  Scrolled by first, the threads from there on; not
 * scrolled and short of room, the followed and running threads first,
 * then the others alive, then the finished ones, listed by id. */
static int pick_threads(const struct ui *u, int first, int room, int *ids)
{
	const struct machine *m = &u->s->m;
	int n = 0;
	if (first > m->nthreads - room)
		first = m->nthreads - room > 0 ? m->nthreads - room : 0;
	if (first || m->nthreads <= room) {
		for (int i = first; i < m->nthreads && n < room; i++)
			ids[n++] = m->threads[i].id;
		return n;
	}
	char picked[MAX_THREADS_LIMIT + 1];
	memset(picked, 0, (size_t)m->nthreads + 1);
	int focus = view_focus(u);
	for (int pass = 0; pass < 3; pass++)
		for (int i = 0; i < m->nthreads && n < room; i++) {
			const struct thread *t = &m->threads[i];
			int want = pass == 0 ? t->state == TS_RUNNING || t->id == focus :
				   pass == 1 ? t->state != TS_DONE : 1;
			if (want && !picked[t->id])
				picked[t->id] = 1, n++;
		}
	n = 0;
	for (int id = 1; id <= m->nthreads; id++)
		if (picked[id])
			ids[n++] = id;
	return n;
}

/* Append "co1 (gen)" for the coroutine with handle h in process pid. */
static void coro_name(const struct ui *u, int pid, uint64_t h, struct buf *b)
{
	struct coro c;
	if (coro_read(&u->s->m, pid, h, &c) >= 0) {
		buf_printf(b, "0x%llx", (unsigned long long)h);
		return;
	}
	const struct img_func *f = image_func_at(u->sc->image, c.entry);
	buf_printf(b, "co%d (%s)", c.id, f ? f->name : "?");
}

/* A coroutine's row: its id and function, its state, and where a
 * suspended one goes on: its saved PC. */
static void draw_coro(const struct ui *u, const struct coro *c, int y, int x, int xmax)
{
	const struct img_func *f = image_func_at(u->sc->image, c->entry);
	char id[16];
	snprintf(id, sizeof id, "co%d", c->id);
	putf(y, &x, xmax, term_attr(term_thread_color(c->tid)), "%-4s %-10.10s", id,
	     f ? f->name : "?");
	struct buf b = { 0 };
	enum theme th = TH_READY;
	switch (c->status) {
	case CO_SUSPENDED: {
		int line = image_line(u->sc->image, c->ctx.pc);
		/* TRANSLATORS: the two words are padded to one width */
		buf_printf(&b, _(" %s saved: pc 0x%llx"), c->started ? _("suspended") : _("new      "),
			   (unsigned long long)c->ctx.pc);
		if (line)
			buf_printf(&b, _(" line %d"), line);
		buf_printf(&b, " sp 0x%llx", (unsigned long long)c->ctx.sp);
		break;
	}
	case CO_RUNNING:
		buf_printf(&b, _(" running   on T%d"), c->tid);
		if (c->resumer) {
			buf_puts(&b, _(", resumed by "));
			coro_name(u, c->pid, c->resumer, &b);
		}
		th = TH_RUNNING;
		break;
	default:
		buf_printf(&b, _(" finished  returned %lld"), (long long)c->value);
		th = TH_DIM;
		break;
	}
	put(y, &x, xmax, term_attr(th), b.s);
	buf_free(&b);
}

/* Rows the runtime's summary takes, at most: the counts, a row a worker
 * (RT_WORKERS at most), the longest parked and the longest ready. */
#define RT_WORKERS 4
#define RT_PARKED 3
#define RT_READY 2

/* How many rows draw_runtime would take with room enough. */
static int runtime_rows(const struct machine *m)
{
	int by[RCO_COUNT], w[CONFIG_MAX_WORKERS];
	runtime_counts(m, by);
	int nw = (int)runtime_workers(m, w, CONFIG_MAX_WORKERS);
	return 1 + (nw < RT_WORKERS ? nw : RT_WORKERS) +
	       (by[RCO_PARKED] > RT_PARKED ? RT_PARKED + 1 : by[RCO_PARKED]) +
	       (by[RCO_READY] > RT_READY ? RT_READY + 1 : by[RCO_READY]);
}

/* Append "co3 (handle)" for coroutine c of the runtime. */
static void rco_name(const struct ui *u, const struct rco *c, struct buf *b)
{
	const struct img_func *f = image_func_at(u->sc->image, c->entry);
	buf_printf(b, "co%d (%s)", c->id, f ? f->name : "?");
}

/* A runtime coroutine's state, as the screen says it. */
static const char *const rco_words[RCO_COUNT] = {
	[RCO_READY] = N_("ready"), [RCO_RUNNING] = N_("running"),
	[RCO_PARKED] = N_("parked"), [RCO_DONE] = N_("done"),
};

/* The M:N runtime, summarised so that its size does not matter: its
 * coroutines counted by state, each worker with the one it runs and
 * how many it ran last are parked or ready, then the coroutines parked
 * longest (on what) and ready longest.  From row y, at most rows rows;
 * returns how many it drew. */
static int draw_runtime(const struct ui *u, int y, int x0, int xmax, int rows)
{
	const struct machine *m = &u->s->m;
	int by[RCO_COUNT], n = 0;
	int total = runtime_counts(m, by);
	int workers[CONFIG_MAX_WORKERS];
	size_t nw = runtime_workers(m, workers, CONFIG_MAX_WORKERS);
	if (rows < 1)
		return 0;
	struct buf b = { 0 };
	buf_printf(&b, ngettext("go: %d coroutine", "go: %d coroutines", (unsigned long)total),
		   total);
	buf_printf(&b, ngettext(" on %zu worker:", " on %zu workers:", (unsigned long)nw), nw);
	for (int s = 0; s < RCO_COUNT; s++)
		if (by[s])
			buf_printf(&b, " %d %s", by[s], _(rco_words[s]));
	int x = x0;
	put(y + n++, &x, xmax, term_attr(TH_TITLE), b.s);
	for (size_t i = 0; i < nw && i < RT_WORKERS && n < rows; i++) {
		int w[RCO_COUNT], id = runtime_running_on(m, workers[i]);
		struct rco c;
		b.len = 0;
		buf_printf(&b, "  T%-3d ", workers[i]);
		x = x0;
		put(y + n, &x, xmax, term_attr(term_thread_color(workers[i])), b.s);
		b.len = 0;
		if (id && runtime_coroutine(m, id, &c)) {
			struct buf co = { 0 };
			rco_name(u, &c, &co);
			buf_printf(&b, _("runs %s"), co.s);
			buf_free(&co);
		} else {
			buf_puts(&b, _("runs none"));
		}
		runtime_worker_counts(m, workers[i], w);
		if (w[RCO_PARKED] || w[RCO_READY]) {
			/* TRANSLATORS: followed by " 1 ready, 2 parked" */
			buf_puts(&b, _("; of those it ran,"));
			if (w[RCO_READY])
				buf_printf(&b, _(" %d ready"), w[RCO_READY]);
			if (w[RCO_PARKED])
				buf_printf(&b, _("%s %d parked"), w[RCO_READY] ? "," : "", w[RCO_PARKED]);
		}
		put(y + n++, &x, xmax, term_attr(id ? TH_RUNNING : TH_READY), b.s);
	}
	static const struct { enum rco_state s; int max; enum theme th; } lists[] = {
		{ RCO_PARKED, RT_PARKED, TH_BLOCKED }, { RCO_READY, RT_READY, TH_READY },
	};
	for (size_t l = 0; l < ARRAY_LEN(lists); l++) {
		struct rco c[RT_PARKED];
		size_t k = runtime_longest(m, lists[l].s, c, (size_t)lists[l].max);
		for (size_t i = 0; i < k && i < (size_t)lists[l].max && n < rows; i++) {
			b.len = 0;
			buf_puts(&b, "  ");
			rco_name(u, &c[i], &b);
			if (lists[l].s == RCO_PARKED) {
				buf_printf(&b, _(" parked in %s fd %lld"), wait_names[c[i].wait],
					   (long long)c[i].fd);
				const struct service *sv = service_get(m, c[i].service);
				if (sv)
					buf_printf(&b, _(" (service %s)"), sv->name);
			} else {
				buf_puts(&b, _(" ready"));
			}
			unsigned long long since = (unsigned long long)(m->tick - c[i].since);
			buf_printf(&b, ngettext(" for %llu tick", " for %llu ticks", (unsigned long)since),
				   since);
			if (c[i].worker)
				buf_printf(&b, _(", last on T%d"), c[i].worker);
			x = x0;
			put(y + n++, &x, xmax, term_attr(lists[l].th), b.s);
		}
		if (k > (size_t)lists[l].max && n < rows) {
			b.len = 0;
			buf_printf(&b, _("  %s %zu more %s"), term_ascii() ? "..." : "…",
				   k - (size_t)lists[l].max, _(rco_words[lists[l].s]));

			x = x0;
			put(y + n++, &x, xmax, term_attr(TH_DIM), b.s);
		}
	}
	buf_free(&b);
	return n;
}

/* The threads: id, entry function, state, and what a blocked one waits
 * for (an M:N worker on the empty run queue is idle, not blocked); then
 * the coroutines in the room left (the runtime's summarised). */
static void draw_threads(struct ui *u, const struct rect *r)
{
	const struct machine *m = &u->s->m;
	int focus = view_focus(u);
	int ids[64];
	struct coro coros[CORO_ROWS];
	int rt = runtime_used(m);
	int nco = rt ? runtime_rows(m) : m->ncoros ? list_coros(m, coros) : 0;
	int room = r->h - (nco < r->h - 1 ? nco : r->h - 1);
	if (rt && room < m->nthreads && room < r->h / 2)
		room = m->nthreads < r->h / 2 ? m->nthreads : r->h / 2;  /* the threads first */
	if (room > m->nthreads)
		room = m->nthreads;
	if (room < 1)
		room = 1;
	int n = pick_threads(u, u->scroll[P_THREADS], room < 64 ? room : 64, ids);
	if (rt)
		draw_runtime(u, r->y + n, r->x, r->x + r->w, r->h - n);
	for (int i = 0; i < nco && n + i < r->h && !rt; i++)
		draw_coro(u, &coros[i], r->y + n + i, r->x, r->x + r->w);
	for (int i = 0; i < n; i++) {
		const struct thread *t = machine_thread(m, ids[i]);
		int y = r->y + i, x = r->x, xmax = r->x + r->w;
		int name = term_attr(term_thread_color(t->id));
		if (t->id == focus)
			name |= A_REVERSE;
		if (m->nprocs > 1)      /* which process: P2 */
			putf(y, &x, xmax, name, "T%-3d P%-2d %-6.6s", t->id, t->pid, entry_name(u, t));
		else
			putf(y, &x, xmax, name, "T%-3d %-10.10s", t->id, entry_name(u, t));
		struct buf b = { 0 };
		enum theme th = TH_READY;
		switch (t->state) {
		case TS_RUNNING:
			buf_printf(&b, _(" running  CPU%d"), t->core);
			th = TH_RUNNING;
			if (t->co) {
				buf_puts(&b, _("  on "));
				coro_name(u, t->pid, t->co, &b);
			}
			break;
		case TS_READY:          /* its saved context: what it resumes with */
			buf_printf(&b, _(" ready    saved: pc 0x%llx"), (unsigned long long)t->pc);
			for (int k = 0; k < 4; k++) {
				buf_printf(&b, " r%d ", k);
				trace_value(&b, t->r[k]);
			}
			if (t->co) {
				buf_puts(&b, _("  on "));
				coro_name(u, t->pid, t->co, &b);
			}
			break;
		case TS_BLOCKED:
			if (t->wait == WAIT_RUNQ) {     /* an M:N worker with nothing to run */
				buf_puts(&b, _(" idle     no coroutine ready"));
				th = TH_DIM;
				break;
			}
			buf_puts(&b, _(" blocked  "));
			waits_for(u, t, &b);
			th = TH_BLOCKED;
			break;
		case TS_DONE:
			if (t->killed && m->procs[t->pid - 1].fault == FAULT_OOM &&
			    m->procs[t->pid - 1].how == PE_FAULT)
				buf_printf(&b, _(" OOM-killed: box%d went over its memory limit"),
					   m->procs[t->pid - 1].box);
			else if (t->killed && m->procs[t->pid - 1].how == PE_FAULT)
				buf_puts(&b, _(" killed by a fault in its process"));
			else if (t->killed)
				buf_puts(&b, _(" killed"));
			else
				buf_printf(&b, _(" done     returned %lld"), (long long)t->retval);
			th = TH_DIM;
			break;
		}
		put(y, &x, xmax, term_attr(th), b.s);
		buf_free(&b);
		if (u->nhits < (int)ARRAY_LEN(u->hits))
			u->hits[u->nhits++] = (struct hit){ y, r->x, xmax, t->id };
	}
}

/* "0x7fff_f000": an address in groups of four digits. */
static void format_addr(uint64_t a, char *out, size_t n)
{
	if (a >> 32)
		snprintf(out, n, "0x%llx_%04llx_%04llx", (unsigned long long)(a >> 32),
			 (unsigned long long)(a >> 16 & 0xffff), (unsigned long long)(a & 0xffff));
	else
		snprintf(out, n, "0x%04llx_%04llx", (unsigned long long)(a >> 16),
			 (unsigned long long)(a & 0xffff));
}

/* How much a row of the memory map tells, when not all fit. */
enum {
	RANK_OTHER = 1, RANK_GAP, RANK_CODE, RANK_TLS, RANK_BLOCK, RANK_FRAME, RANK_STACK,
	RANK_SHARED_HEAD, RANK_FOLLOWED, RANK_GLOBAL, RANK_GLOBALS_HEAD, RANK_TOUCHED_HEAD,
	RANK_TOUCHED,
};

/* How many frames of the thread the Code panel follows, the newest,
 * rank with its stack's head: the call the Code panel is in and the two
 * it returns to. */
#define FOLLOWED_FRAMES 3

/* The rank of row w of the memory of machine m's process pid. */
static int row_rank(const struct mm_row *w, const struct machine *m, int pid)
{
	if (w->access || w->race)
		return RANK_TOUCHED;
	switch (w->kind) {
	case MM_REGION:
		if (!w->shared)
			return RANK_STACK;
		return w->addr >= DATA_BASE && w->addr < machine_proc(m, pid)->heap.base ?
		       RANK_GLOBALS_HEAD : RANK_SHARED_HEAD;    /* data and bss first */
	case MM_TLS:            /* a thread's TLS block counts as much as its stack */
		return RANK_STACK;
	case MM_FRAME:
		return RANK_FRAME;
	case MM_BLOCK:
		return w->shared ? RANK_BLOCK : RANK_STACK;     /* a coroutine's stack */
	case MM_FREE:
		return RANK_BLOCK;
	case MM_VAR: {
		if (!w->shared)         /* a TLS variable: as much as its block, so
					 * that each thread's own copy shows */
			return RANK_STACK;
		if (w->addr < RODATA_BASE || w->text[strspn(w->text, " ")] == '.')
			return RANK_CODE;       /* functions, strings, the literal pool */
		const struct img_sym *sym = image_sym_at(m->img, w->addr, 0);
		return sym && (sym->kind == SYM_MUTEX || sym->kind == SYM_SEM || sym->kind == SYM_COND) ?
		       RANK_SHARED_HEAD : RANK_GLOBAL;      /* the values before the locks */
	}
	case MM_GAP:
		return RANK_GAP;
	}
	return RANK_OTHER;
}

/* Choose at most budget of the n rows of the map into keep (1: shown),
 * the most telling first (rank, by row_rank), and among rows of one
 * rank one region's at a time in turn, so that each thread's stack
 * shows its newest frames (the last of its rows) before another shows
 * its oldest.  A row is
 * shown only with the rows that say whose it is, up[i] and theirs (its
 * region's head; for a frame on a coroutine's stack, that stack's block
 * too; SIZE_MAX: none), taken with it when they fit, else the row is
 * left out. */
static size_t choose_rows(const char *rank, const size_t *head, const size_t *up, size_t n,
			  size_t budget, char *keep)
{
	size_t shown = 0;
	memset(keep, 0, n);
	for (int k = RANK_TOUCHED; k > 0 && shown < budget; k--)
		for (int took = 1; took && shown < budget;) {
			took = 0;
			size_t region = SIZE_MAX;       /* the region a row was taken from */
			int newest = k == RANK_FRAME || k == RANK_FOLLOWED;
			for (size_t j = 0; j < n && shown < budget; j++) {
				size_t i = newest ? n - 1 - j : j;
				if (head[i] == region || keep[i] || rank[i] != k)
					continue;
				size_t need = 1;        /* the row and its heads not shown yet */
				for (size_t a = up[i]; a != SIZE_MAX && !keep[a]; a = up[a])
					need++;
				if (shown + need > budget)
					continue;
				for (size_t a = i; a != SIZE_MAX && !keep[a]; a = up[a])
					keep[a] = 1;
				shown += need, took = 1;
				region = head[i];
			}
		}
	return shown;
}

/* The stack and TLS of the thread the Code panel follows, if they are in
 * process pid's map: their heads, TLS variables and newest frames rank
 * after the globals, above the other threads' and the shared regions'
 * heads. */
static void follow_stack(const struct ui *u, const struct mm_row *rows, const size_t *head,
			 size_t n, char *rank)
{
	int tid = view_focus(u), frames = 0;
	for (size_t i = n; i-- > 0;) {
		const struct mm_row *h = &rows[head[i]];
		if ((h->kind != MM_REGION && h->kind != MM_TLS) || h->shared || h->tid != tid)
			continue;
		int frame = rows[i].kind == MM_FRAME && frames < FOLLOWED_FRAMES;
		frames += frame;
		if ((frame || i == head[i] || rows[i].kind == MM_VAR) && rank[i] < RANK_FOLLOWED)
			rank[i] = RANK_FOLLOWED;        /* its head, newest frames, TLS */
	}
}

/* More thread stacks than the map can show: the Memory title counts
 * the live ones of process pid and what they reserve ("1001 stacks,
 * 62.6 MiB"), the cost a thread per connection pays. */
#define STACKS_COUNTED 8
static void stacks_title(const struct machine *m, int pid, struct buf *t)
{
	int n = 0;
	for (int i = 0; i < m->nthreads; i++)
		n += m->threads[i].pid == pid && m->threads[i].state != TS_DONE;
	if (n <= STACKS_COUNTED)
		return;
	uint64_t kib = (uint64_t)n * (STACK_SIZE / 1024);
	buf_printf(t, " %s ", term_glyph(G_H));
	buf_printf(t, _("%d stacks, %llu.%llu MiB"), n, (unsigned long long)(kib / 1024),
		   (unsigned long long)(kib % 1024 * 10 / 1024));
}

/* The Memory panel's title into t. */
static void memory_title(const struct ui *u, struct buf *t)
{
	const struct machine *m = &u->s->m;
	buf_puts(t, _("Memory"));
	if (m->nprocs > 1)      /* whose address space: p cycles */
		buf_printf(t, _(" %s process P%d of %d (p: next)"), term_glyph(G_H), view_mem_pid(u),
			   m->nprocs);
	stacks_title(m, view_mem_pid(u), t);
}

/* How many regions rows[0..n) leaves out whole (their head not kept). */
static size_t dropped_regions(const struct mm_row *rows, const char *keep, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += rows[i].depth == 0 && rows[i].kind != MM_GAP && !keep[i];
	return k;
}

/* The memory map: regions from the highest address down.  When it does
 * not fit, the rows that tell most stay (what the last tick touched,
 * the shared regions and their globals, the stacks and their frames),
 * a region's head says how many of its rows are left out, and the
 * title's line how many regions are. */
static void draw_memory(struct ui *u, const struct rect *r)
{
	struct mm_row *rows = u->rows;
	char *keep = u->keep;
	const struct ss_access *acc;
	size_t nacc = session_accesses(u->s, &acc);
	struct mm_access ma[SS_ACCESSES];
	for (size_t i = 0; i < nacc; i++)
		ma[i] = (struct mm_access){ acc[i].addr, acc[i].how, acc[i].tid, acc[i].pid };
	int pid = view_mem_pid(u);
	size_t n = memmap_build(u->sc, &u->s->m, pid, ma, nacc, term_ascii(), rows, UI_MEM_ROWS);
	size_t first = (size_t)u->scroll[P_MEMORY];
	if (first >= n)
		first = n ? n - 1 : 0;
	u->scroll[P_MEMORY] = (int)first;
	memset(keep, 0, n);
	size_t dropped = 0;     /* regions left out whole */
	static char rank[UI_MEM_ROWS];
	static size_t head[UI_MEM_ROWS], up[UI_MEM_ROWS];
	size_t h = 0, in = SIZE_MAX;    /* the region's head, the row a frame is in */
	for (size_t i = 0; i < n; i++) {
		if (rows[i].depth == 0)
			h = in = i;
		head[i] = h;
		up[i] = rows[i].depth == 0 ? SIZE_MAX : rows[i].depth == 1 ? h : in;
		if (rows[i].depth == 1)
			in = i;
	}
	if (first || n <= (size_t)r->h) {
		/* scrolled: in order from first, under the heads that say
		 * whose the first row is */
		size_t room = (size_t)r->h;
		for (size_t a = first < n ? up[first] : SIZE_MAX; a != SIZE_MAX && room > 1; a = up[a])
			keep[a] = 1, room--;
		for (size_t i = first; i < n && room; i++)
			keep[i] = 1, room--;
	} else {
		for (size_t i = 0; i < n; i++) {
			rank[i] = (char)row_rank(&rows[i], &u->s->m, pid);
			if (rank[i] == RANK_SHARED_HEAD && rows[i].kind == MM_REGION &&
			    (i + 1 == n || rows[i + 1].depth == 0))
				rank[i] = RANK_GAP;     /* an empty heap tells little */
			if ((rows[i].access || rows[i].race) && rank[head[i]] < RANK_TOUCHED_HEAD)
				rank[head[i]] = RANK_TOUCHED_HEAD;
		}
		follow_stack(u, rows, head, n, rank);
		choose_rows(rank, head, up, n, (size_t)r->h, keep);
		dropped = dropped_regions(rows, keep, n);
	}
	int y = r->y, xmax = r->x + r->w;
	const struct quiz_question *ask = ui_quiz_asking(u);
	if (ask && (ask->kind == QK_LOAD || ask->kind == QK_STORE) && ask->pid == pid)
		for (size_t i = 0; i < n; i++) {
			struct mm_row *w = &rows[i];
			char *eq = strstr(w->text, " = ");
			/* the word the quiz asks about: its value is not shown */
			if (w->kind == MM_VAR && eq && ask->addr >= w->addr &&
			    ask->addr < w->addr + (w->size ? w->size : 8))
				snprintf(eq, sizeof w->text - (size_t)(eq - w->text), " = ?");
		}
	for (size_t i = 0; i < n && y < r->y + r->h; i++) {
		if (!keep[i])
			continue;
		const struct mm_row *w = &rows[i];
		int x = r->x;
		char a[32] = "";
		if (w->depth == 0 && w->kind != MM_GAP)
			format_addr(w->addr, a, sizeof a);
		putf(y, &x, xmax, term_attr(TH_DIM), "%-11s ", a);
		int attr = term_attr(w->depth == 0 ? (w->shared ? TH_SHARED : TH_PRIVATE) : TH_TEXT);
		if (w->kind == MM_FREE || w->kind == MM_GAP)
			attr = term_attr(TH_DIM);
		if (w->access)
			attr = term_attr(w->access & MM_WRITE ? TH_WRITE : TH_READ);
		for (int d = 0; d < w->depth; d++)
			put(y, &x, xmax, term_attr(TH_BORDER), "  ");
		char mark[32];
		snprintf(mark, sizeof mark, _("  %s race"), term_glyph(G_WARN));
		size_t len = strlen(w->text), mlen = strlen(mark);
		if (w->race && len >= mlen && strcmp(w->text + len - mlen, mark) == 0) {
			/* the text, then its race mark standing out */
			if (x < xmax)
				x += term_putn(y, x, xmax - x, attr, w->text, len - mlen);
			put(y, &x, xmax, term_attr(TH_BAD), mark);
		} else {
			put(y, &x, xmax, attr, w->text);
		}
		if (w->access) {
			putf(y, &x, xmax, term_attr(TH_CHANGED), " %s ", term_glyph(G_LARROW));
			putf(y, &x, xmax, term_attr(TH_CHANGED),
			     w->access & MM_WRITE ? _("written by T%d") : _("read by T%d"), w->access_tid);
		}
		size_t hidden = 0;              /* the region's rows left out */
		for (size_t j = i + 1; w->depth == 0 && j < n && rows[j].depth > 0; j++)
			hidden += !keep[j];
		if (hidden)
			putf(y, &x, xmax, term_attr(TH_DIM),
			     ngettext("  %s %zu more", "  %s %zu more", hidden),
			     term_glyph(G_MORE), hidden);
		y++;
	}
	if (dropped) {  /* on the title's line, at its right end, if there is room */
		struct buf t = { 0 }, d = { 0 };
		memory_title(u, &t);
		buf_printf(&d, ngettext(" %s %zu region left out ", " %s %zu regions left out ",
					dropped), term_glyph(G_MORE), dropped);
		int x = xmax - 1 - term_width(d.s);
		if (x > r->x + 3 + term_width(t.s))
			put(r->y - 1, &x, xmax, term_attr(TH_DIM), d.s);
		buf_free(&t);
		buf_free(&d);
	}
}

/* The I/O panel: the descriptors of the memory map's process, then the
 * clients outside the machine.  Short of room and not scrolled, the
 * heads and what is ready win, and stay in order. */
static void draw_io(struct ui *u, const struct rect *r)
{
	size_t n = u->nio, first = (size_t)u->scroll[P_IO];
	if (first + (size_t)r->h > n)
		first = n > (size_t)r->h ? n - (size_t)r->h : 0;
	u->scroll[P_IO] = (int)first;
	char keep[ARRAY_LEN(u->io)] = { 0 };
	size_t shown = 0;
	for (int rank = 3; rank > 0; rank--)
		for (size_t i = first; i < n && shown < (size_t)r->h; i++) {
			const struct io_row *w = &u->io[i];
			int my = first ? 1 : w->kind == IO_HEAD ? 3 : w->hot ? 2 : 1;
			if (!keep[i] && my == rank)
				keep[i] = 1, shown++;
		}
	int xmax = r->x + r->w, y = r->y;
	for (size_t i = first; i < n; i++) {
		if (!keep[i])
			continue;
		const struct io_row *w = &u->io[i];
		int x = r->x;
		enum theme th = w->kind == IO_HEAD ? TH_LABEL : w->kind == IO_MORE ? TH_DIM :
				w->hot ? TH_CHANGED : TH_TEXT;
		for (int d = 0; d < w->depth; d++)
			put(y, &x, xmax, term_attr(TH_BORDER), "  ");
		put(y++, &x, xmax, term_attr(th), w->text);
	}
}

/* The glyph and theme of a thread's state in one tick of the timeline. */
static void cell(uint8_t v, int tid, const char **g, int *attr)
{
	switch (v & TL_STATE) {
	case TL_RUNNING:
		*g = term_glyph(G_RUN);
		*attr = term_attr(term_thread_color(tid));
		break;
	case TL_SWITCHING:
		*g = term_glyph(G_SWITCH);
		*attr = term_attr(TH_SWITCHING);
		break;
	case TL_READY:
		*g = term_glyph(v & TL_PREEMPTED ? G_TIMER : G_READY);
		*attr = term_attr(v & TL_PREEMPTED ? TH_INTERRUPT : TH_READY);
		break;
	case TL_BLOCKED:
		*g = term_glyph(G_BLOCK);
		*attr = term_attr(TH_BLOCKED);
		break;
	case TL_IOWAIT:
		*g = term_glyph(G_IOWAIT);
		*attr = term_attr(TH_BLOCKED);
		break;
	case TL_IDLE:
		*g = term_glyph(G_IDLE);
		*attr = term_attr(TH_DIM);
		break;
	default:
		*g = " ";
		*attr = 0;
	}
}

/* The schedule: a row per thread (and per core when there are several),
 * a column per tick, the latest tick at the right. */
static void draw_schedule(struct ui *u, const struct rect *r)
{
	const struct machine *m = &u->s->m;
	const int label = 9;
	int ncols = r->w - label;
	if (ncols < 1)
		return;
	uint64_t end = m->tick;
	uint64_t start = end > (uint64_t)ncols ? end - (uint64_t)ncols : 0;
	int xmax = r->x + r->w;
	int x = r->x;
	put(r->y, &x, xmax, term_attr(TH_DIM), _("tick"));
	for (uint64_t t = start; t < start + (uint64_t)ncols; t++) {
		int cx = r->x + label + (int)(t - start);
		if (t % 10 == 0 && cx + 6 < xmax) {
			char b[24];
			snprintf(b, sizeof b, "%llu", (unsigned long long)t);
			term_put(r->y, cx, (int)strlen(b), term_attr(TH_DIM), b);
		}
	}
	if (end)
		term_put(r->y, r->x + label + (int)(end - 1 - start), 1, term_attr(TH_CHANGED),
			 term_glyph(G_NOW));
	int legend = r->h >= 3 && r->h > 1 + m->nthreads + (m->ncores > 1 ? m->ncores : 0);
	int lanes = r->h - 1 - legend;
	/* the threads first; the cores' rows in the room they leave */
	int cores = m->ncores > 1 && lanes > m->nthreads ? lanes - m->nthreads : 0;
	if (cores > m->ncores)
		cores = m->ncores;
	int ids[64];
	int nthr = pick_threads(u, u->scroll[P_SCHEDULE], lanes - cores < 64 ? lanes - cores : 64, ids);
	int y = r->y + 1;
	for (int i = 0; i < nthr; i++, y++) {
		const struct thread *t = machine_thread(m, ids[i]);
		x = r->x;
		putf(y, &x, xmax, term_attr(term_thread_color(t->id)), "T%-3d%-4.4s ", t->id,
		     entry_name(u, t));
		if (u->nhits < (int)ARRAY_LEN(u->hits))
			u->hits[u->nhits++] = (struct hit){ y, r->x, r->x + label, t->id };
		if (t->id > SS_THREADS)
			continue;
		for (uint64_t tk = start; tk < end; tk++) {
			const struct ss_tick *rec = session_timeline(u->s, tk);
			if (!rec)
				continue;
			const char *g;
			int attr;
			cell(rec->thread[t->id - 1], t->id, &g, &attr);
			term_put(y, r->x + label + (int)(tk - start), 1, attr, g);
		}
	}
	for (int c = 0; c < cores && c < SS_CORES; c++, y++) {
		x = r->x;
		putf(y, &x, xmax, term_attr(TH_LABEL), "CPU%-4d ", c);
		for (uint64_t tk = start; tk < end; tk++) {
			const struct ss_tick *rec = session_timeline(u->s, tk);
			if (!rec)
				continue;
			int tid = rec->core[c];
			char d[2] = { (char)('0' + (tid > 0 ? tid % 10 : 0)), 0 };
			const char *g = tid > 0 ? d : tid < 0 ? term_glyph(G_SWITCH) : term_glyph(G_READY);
			int attr = term_attr(tid > 0 ? term_thread_color(tid) : tid < 0 ? TH_SWITCHING : TH_DIM);
			term_put(y, r->x + label + (int)(tk - start), 1, attr, g);
		}
	}
	if (legend) {
		x = r->x + label;
		y = r->y + r->h - 1;
		putf(y, &x, xmax, term_attr(TH_DIM), _("%s running  %s blocked  %s ready  %s switching  "),
		     term_glyph(G_RUN), term_glyph(G_BLOCK), term_glyph(G_READY), term_glyph(G_SWITCH));
		put(y, &x, xmax, term_attr(TH_INTERRUPT), term_glyph(G_TIMER));
		put(y, &x, xmax, term_attr(TH_DIM), _(" preempted"));
		if (io_active(m))
			putf(y, &x, xmax, term_attr(TH_DIM), _("  %s waiting for I/O"),
			     term_glyph(G_IOWAIT));
		if (runtime_used(m))
			putf(y, &x, xmax, term_attr(TH_DIM), _("  %s idle: no coroutine ready"),
			     term_glyph(G_IDLE));
	}
}

/* The last events as sentences, the latest at the bottom. */
static void draw_events(struct ui *u, const struct rect *r)
{
	int skip = u->scroll[P_EVENTS];
	while (skip && !session_event(u->s, (size_t)skip + (size_t)r->h - 1))
		skip--;
	u->scroll[P_EVENTS] = skip;
	for (int i = 0; i < r->h; i++) {
		const struct ss_event *e = session_event(u->s, (size_t)(skip + r->h - 1 - i));
		if (!e)
			continue;
		int y = r->y + i, x = r->x, xmax = r->x + r->w;
		enum theme th = TH_TEXT;
		switch (e->kind) {
		case EV_FAULT: case EV_ASSERT: case EV_DEADLOCK: case EV_LIMIT: case EV_RACE:
			th = TH_BAD;
			break;
		case EV_PREEMPT: case EV_SWITCH:
			th = TH_INTERRUPT;
			break;
		case EV_RESUME: case EV_CO_YIELD: case EV_CO_RETURN:
			th = TH_LABEL;  /* a switch too, but the program's own */
			break;
		case EV_PRINT:
			th = TH_NOTE;
			break;
		default:
			break;
		}
		putf(y, &x, xmax, term_attr(TH_DIM), "%6llu  ", (unsigned long long)e->tick);
		put(y, &x, xmax, term_attr(th), e->text);
	}
}

/* Break text into lines of at most width columns at spaces; the start
 * and length of each in starts/lens; returns how many (at most max). */
static int wrap(const char *text, int width, const char **starts, int *lens, int max)
{
	int n = 0;
	const char *s = text;
	while (*s && n < max) {
		while (*s == ' ')
			s++;
		const char *brk = NULL, *p = s;
		int cols = 0, full = 0;
		while (*p && *p != '\n') {
			size_t len;
			int w = term_char(p, strlen(p), &len);
			if (cols + w > width) {         /* a wide character never straddles the edge */
				full = 1;
				break;
			}
			if (*p == ' ')
				brk = p;
			cols += w;
			p += len;
		}
		const char *e = full && brk ? brk : p;
		starts[n] = s;
		lens[n++] = (int)(e - s);
		s = *e == '\n' ? e + 1 : e;
	}
	return n;
}

/* The narration: the latest note first, the ones before it below,
 * dimmed; before the first note, the scenario's description. */
static void draw_narration(struct ui *u, const struct rect *r)
{
	int y = r->y;
	size_t skip = (size_t)u->scroll[P_NARRATION], row = 0;     /* rows scrolled past */
	struct buf lesson = { 0 };      /* in the tour, at tick 0: the lesson first */
	if (u->in_tour && u->lesson >= 0 && session_tick(u->s) == 0) {
		const struct lesson *l = &tour_lessons[u->lesson];
		buf_printf(&lesson, _("Lesson %d/%zu"), u->lesson + 1, tour_count);
		if (l->row)
			buf_printf(&lesson, _(" (row %d)"), l->row);
		buf_printf(&lesson, _(": %s. Look at %s."), _(l->idea), _(l->look));
	}
	int top = 1;                    /* the first text shown stands out */
	for (size_t i = 0; y < r->y + r->h; i++) {
		size_t k0 = lesson.s ? 1 : 0;   /* the lesson takes the first place */
		const struct ss_note *n = i >= k0 ? session_note(u->s, i - k0) : NULL;
		const char *text = n ? _(u->sc->notes[n->index].text) :
				   lesson.s && i == 0 ? lesson.s :
				   i == k0 && !session_note(u->s, 0) && u->sc->description ?
				   _(u->sc->description) : NULL;
		if (!text)
			break;
		const char *starts[16];
		int lens[16];
		int k = wrap(text, r->w, starts, lens, 16);
		int attr = term_attr(top && (n || text == lesson.s) ? TH_NOTE : TH_DIM);
		for (int j = 0; j < k && y < r->y + r->h; j++, row++)
			if (row >= skip) {
				term_putn(y++, r->x, r->w, attr, starts[j], (size_t)lens[j]);
				top = 0;
			}
	}
	buf_free(&lesson);
	if (skip && skip >= row) {      /* scrolled past the oldest: back to it */
		u->scroll[P_NARRATION] = row ? (int)row - 1 : 0;
		draw_narration(u, r);
	}
}

/* Draw text wrapped in rows y..ymax-1 of columns [x, x + w); returns
 * the row after it. */
static int put_wrapped(int y, int ymax, int x, int w, int attr, const char *text)
{
	const char *starts[24];
	int lens[24];
	int k = wrap(text, w, starts, lens, 24);
	for (int j = 0; j < k && y < ymax; j++)
		term_putn(y++, x, w, attr, starts[j], (size_t)lens[j]);
	return y;
}

/* Quiz mode, while it asks or reveals: the question, or the answer and
 * why, over the events and the narration. */
static void draw_quiz(struct ui *u, const struct layout *l)
{
	const struct quiz_question *ask = ui_quiz_asking(u), *shown = ui_quiz_shown(u);
	const struct quiz_question *q = ask ? ask : shown;
	if (!q)
		return;
	const struct ui_quiz *z = u->quiz;
	const struct rect *e = &l->p[P_EVENTS], *n = &l->p[P_NARRATION];
	int top = e->y, bottom = n->y + n->h, x = e->x, w = e->w;
	for (int y = top; y < bottom; y++)
	{
		mvhline(y, 1, ' ', l->cols - 2);
		term_put(y, 0, 1, term_attr(TH_BORDER), term_glyph(G_V));
		term_put(y, l->cols - 1, 1, term_attr(TH_BORDER), term_glyph(G_V));
	}
	size_t idx = (size_t)(q - z->q.q) + 1;
	struct buf t = { 0 };
	buf_printf(&t, _("Quiz %s question %zu of %zu %s %zu of %zu right"), term_glyph(G_H), idx,
		   z->q.n, term_glyph(G_H), z->right, z->answered);
	separator(top - 1, 0, l->cols - 1, G_LT, G_RT, t.s, 1);
	t.len = 0;
	int y = top;
	if (ask) {
		buf_printf(&t, "%s: %s", q->where, q->prompt);
		y = put_wrapped(y, bottom, x, w, term_attr(TH_NOTE), t.s);
		if (y < bottom && q->source) {
			int xx = x;
			putf(y++, &xx, x + w, term_attr(TH_DIM), _("line %d: %s"), q->line, q->source);
		}
	} else {
		int right = z->result[shown - z->q.q] == 1;
		if (right) {
			struct buf a = { 0 };
			quiz_answer_text(q, &a);
			buf_printf(&t, _("Right: %s"), a.s);
			buf_free(&a);
		} else {
			struct buf a = { 0 };
			quiz_answer_text(q, &a);
			buf_printf(&t, _("Wrong: you answered %s; the answer is %s"), z->given, a.s);
			buf_free(&a);
		}
		int xx = x;
		put(y++, &xx, x + w, term_attr(right ? TH_RUNNING : TH_BAD), t.s);
		put_wrapped(y, bottom, x, w, term_attr(TH_TEXT), q->why);
	}
	buf_free(&t);
}

/* The program's output, its last lines, a long one wrapped. */
static void draw_output(struct ui *u, const struct rect *r)
{
	const struct buf *o = &u->s->out;
	size_t end = o->len;
	if (end && o->s[end - 1] == '\n')
		end--;
	for (int y = r->y + r->h - 1; y >= r->y && end > 0;) {
		size_t b = end;
		while (b && o->s[b - 1] != '\n')
			b--;
		char line[512];
		size_t n = end - b < sizeof line - 1 ? end - b : sizeof line - 1;
		memcpy(line, o->s + b, n);
		line[n] = 0;
		const char *starts[8] = { line };
		int lens[8] = { (int)n }, k = 1;
		if (term_width(line) > r->w)    /* a long line wraps, its end last */
			k = wrap(line, r->w, starts, lens, 8);
		for (int j = k - 1; j >= 0 && y >= r->y; j--)
			term_putn(y--, r->x, r->w, term_attr(TH_TEXT), starts[j], (size_t)lens[j]);
		if (!b)
			break;
		end = b - 1;
	}
}

/* The processes for the Threads panel's title, appended to t: each
 * with its own view in a container ("P2 (pid 1 in box1)") and how it is;
 * short: "P2 1@box1", with only the ends said. */
static void threads_title(const struct machine *m, int shrt, struct buf *t)
{
	for (int i = 0; i < m->nprocs && m->nprocs > 1; i++) {
		const struct process *p = &m->procs[i];
		buf_printf(t, " %s P%d", i ? (term_ascii() ? "," : "\xc2\xb7") : term_glyph(G_H),
			   p->pid);
		if (p->box)             /* its own view: pid 1 in box1 (live goes without saying) */
			buf_printf(t, shrt ? _(" %d@box%d") : _(" (pid %d in box%d)"), p->ns_pid, p->box);
		if (p->state == PS_LIVE && (p->box || shrt))
			;
		else if (p->state == PS_LIVE)
			buf_puts(t, _(" live"));
		else if (p->how == PE_FAULT && p->fault == FAULT_OOM)
			buf_puts(t, shrt ? _(" OOM") : _(" OOM-killed"));
		else if (p->how == PE_FAULT)
			buf_puts(t, _(" killed"));
		else if (shrt)
			buf_puts(t, _(" done"));
		else
			buf_printf(t, p->state == PS_REAPED ? _(" reaped %lld") : _(" exited %lld"),
				   (long long)p->code);
	}
}

/* The frame: the outer border and the lines between the panels. */
static void draw_frame(const struct ui *u, const struct layout *l)
{
	int b = term_attr(TH_BORDER);
	for (int y = 1; y < l->rows - 1; y++) {
		term_put(y, 0, 1, b, term_glyph(G_V));
		term_put(y, l->cols - 1, 1, b, term_glyph(G_V));
	}
	const struct rect *code = &l->p[P_CODE], *mem = &l->p[P_MEMORY];
	struct buf t = { 0 };
	buf_printf(&t, "%s %s ", _("Code"), term_glyph(G_H));
	thread_name(u, view_focus(u), &t);
	separator(code->y - 1, 0, l->split, G_LT, G_TT, t.s, u->panel == P_CODE);
	const struct machine *m = &u->s->m;
	t.len = 0;
	memory_title(u, &t);
	separator(mem->y - 1, l->split, l->cols - 1, G_TT, G_RT, t.s, u->panel == P_MEMORY);
	const struct rect *th = &l->p[P_THREADS];
	t.len = 0;
	buf_puts(&t, _("Threads"));
	threads_title(m, 0, &t);
	if (m->nboxes > 1 && term_width(t.s) > l->split - 6) {   /* short of room: the short form */
		t.len = 0;
		buf_puts(&t, _("Threads"));
		threads_title(m, 1, &t);
	}
	separator(th->y - 1, 0, l->split, G_LT, G_RT, t.s, u->panel == P_THREADS);
	const struct rect *io = &l->p[P_IO];
	int bottom = mem->y + mem->h;
	if (io->h) {
		separator(io->y - 1, l->split, l->cols - 1, G_LT, G_RT, _("I/O"), u->panel == P_IO);
		bottom = io->y + io->h;
	}
	buf_free(&t);
	for (int y = mem->y; y < bottom; y++)
		if (y != th->y - 1 && !(io->h && y == io->y - 1))
			term_put(y, l->split, 1, b, term_glyph(G_V));
	if (io->h && io->y - 1 == th->y - 1)
		term_put(io->y - 1, l->split, 1, b, term_glyph(G_CROSS));
	const struct rect *s = &l->p[P_SCHEDULE];
	separator(s->y - 1, 0, l->cols - 1, G_LT, G_RT, _("Schedule"), u->panel == P_SCHEDULE);
	term_put(s->y - 1, l->split, 1, b, term_glyph(G_BT));
	const struct rect *e = &l->p[P_EVENTS];
	separator(e->y - 1, 0, l->cols - 1, G_LT, G_RT, _("Events"), u->panel == P_EVENTS);
	const struct rect *n = &l->p[P_NARRATION];
	separator(n->y - 1, 0, l->cols - 1, G_LT, G_RT, _("Narration"), u->panel == P_NARRATION);
	if (l->output.w) {
		int x = l->output.x - 2;
		separator(n->y - 1, x, l->cols - 1, G_TT, G_RT, _("Output"), 0);
		for (int y = n->y; y < n->y + n->h; y++)
			term_put(y, x, 1, b, term_glyph(G_V));
	}
}

/* A key hint as the glyphs allow: "n/→ step", or "n/-> step" in ASCII. */
static const char *hint_text(const char *h)
{
	static char b[64];
	if (!term_ascii())
		return h;
	size_t k = 0;
	for (const char *p = h; *p && k + 3 < sizeof b; p++) {
		if (!strncmp(p, "\xe2\x86\x92", 3) || !strncmp(p, "\xe2\x86\x90", 3)) {
			b[k++] = p[2] == '\x92' ? '-' : '<';
			b[k++] = p[2] == '\x92' ? '>' : '-';
			p += 2;
		} else {
			b[k++] = *p;
		}
	}
	b[k] = 0;
	return b;
}

/* The bottom line: a message, the g prompt, or the keys. */
static void draw_footer(const struct ui *u, const struct layout *l)
{
	int y = l->rows - 1, b = term_attr(TH_BORDER);
	term_put(y, 0, 1, b, term_glyph(G_BL));
	term_hline(y, 1, l->cols - 2, G_H, b);
	term_put(y, l->cols - 1, 1, b, term_glyph(G_BR));
	int x = 2, xmax = l->cols - 2;
	put(y, &x, xmax, b, " ");
	const struct quiz_question *ask = ui_quiz_asking(u);
	if (ask && !u->message[0]) {
		struct buf f = { 0 };
		quiz_form_text(ask, &f);
		putf(y, &x, xmax, term_attr(TH_KEY), _("your answer: %s_"), u->quiz->input);
		putf(y, &x, xmax, term_attr(TH_DIM), _("  (%s; Enter answers, Escape puts it away) "),
		     f.s);
		buf_free(&f);
		return;
	}
	if (u->prompt) {
		putf(y, &x, xmax, term_attr(TH_KEY), _("go to tick: %s_"), u->input);
		put(y, &x, xmax, term_attr(TH_DIM), _("  (Enter goes, Escape cancels) "));
		return;
	}
	if (u->message[0]) {
		putf(y, &x, xmax, term_attr(TH_NOTE), "%s ", u->message);
		return;
	}
	/* the hints in the table's order; when they do not all fit, the
	 * ones before "? help" go first, from the last */
	size_t shown[32], n = 0;
	int width = 0, keep = 0;
	for (size_t i = 0; i < key_count && n < ARRAY_LEN(shown); i++)
		if (key_bindings[i].hint) {
			shown[n++] = i;
			width += term_width(hint_text(_(key_bindings[i].hint))) + 2;
			if (key_bindings[i].key == '?')
				keep = (int)n - 1;
		}
	while (width > xmax - x && keep > 0) {
		width -= term_width(hint_text(_(key_bindings[shown[keep - 1]].hint))) + 2;
		memmove(&shown[keep - 1], &shown[keep], (n - (size_t)keep) * sizeof *shown);
		n--, keep--;
	}
	for (size_t i = 0; i < n; i++) {
		const char *h = hint_text(_(key_bindings[shown[i]].hint));
		const char *sp = strchr(h, ' ');
		if (x + term_width(h) + 2 > xmax)
			break;
		term_putn(y, x, xmax - x, term_attr(TH_KEY), h, (size_t)(sp - h));
		x += term_width(h) - term_width(sp);
		putf(y, &x, xmax, term_attr(TH_TEXT), "%s  ", sp);
	}
}

/* The help: every key from the table, in a box over the view. */
static void draw_help(const struct layout *l)
{
	int lines = 0;
	for (size_t i = 0; i < key_count; i++)
		lines += key_bindings[i].help != NULL;
	int w = l->cols - 4 < 72 ? l->cols - 4 : 72;
	int h = lines + 5;
	if (h > l->rows - 2)
		h = l->rows - 2;
	int y0 = (l->rows - h) / 2, x0 = (l->cols - w) / 2;
	for (int y = y0; y < y0 + h; y++) {
		move(y, x0);
		for (int x = 0; x < w; x++)
			addch(' ');
	}
	term_box(y0, x0, y0 + h - 1, x0 + w - 1, _("Keys"), term_attr(TH_FOCUS));
	int y = y0 + 1;
	for (size_t i = 0; i < key_count && y < y0 + h - 3; i++) {
		const struct key_binding *k = &key_bindings[i];
		if (!k->help)
			continue;
		int x = x0 + 2;
		putf(y, &x, x0 + w - 1, term_attr(TH_LABEL), "%-9s", k->name);
		put(y++, &x, x0 + w - 1, term_attr(TH_TEXT), _(k->help));
	}
	int x = x0 + 2;
	y = y0 + h - 3;
	putf(y, &x, x0 + w - 1, term_attr(TH_DIM),
	     _("Schedule: %s running  %s blocked  %s ready  %s switching  %s preempted"),
	     term_glyph(G_RUN), term_glyph(G_BLOCK), term_glyph(G_READY), term_glyph(G_SWITCH),
	     term_glyph(G_TIMER));
	x = x0 + 2;
	put(y + 1, &x, x0 + w - 1, term_attr(TH_DIM), _("? or Escape closes this help."));
}

/* The lesson list: every lesson of the tour, the cursor's in reverse,
 * the one on screen marked, the ones not there yet dimmed; in a box
 * over the view, scrolled to keep the cursor in sight. */
static void draw_lessons(const struct ui *u, const struct layout *l)
{
	int w = l->cols - 4 < 96 ? l->cols - 4 : 96;
	int h = (int)tour_count + 4;
	if (h > l->rows - 2)
		h = l->rows - 2;
	int y0 = (l->rows - h) / 2, x0 = (l->cols - w) / 2;
	for (int y = y0; y < y0 + h; y++) {
		move(y, x0);
		for (int x = 0; x < w; x++)
			addch(' ');
	}
	term_box(y0, x0, y0 + h - 1, x0 + w - 1, _("Lessons of the tour"), term_attr(TH_FOCUS));
	int room = h - 3, top = 0;
	if (u->list_at >= room)
		top = u->list_at - room + 1;
	for (int i = top; i < (int)tour_count && i - top < room; i++) {
		const struct lesson *ls = &tour_lessons[i];
		int here = tour_scenario((size_t)i) != NULL;
		int attr = term_attr(here ? TH_TEXT : TH_DIM);
		if (i == u->list_at)
			attr |= A_REVERSE;
		int x = x0 + 2, y = y0 + 1 + i - top;
		char row[8] = "";
		if (ls->row)
			snprintf(row, sizeof row, "%d", ls->row);
		putf(y, &x, x0 + w - 1, attr, "%s%2d %3s  %-20.20s %s%s",
		     i == u->lesson ? ">" : " ", i + 1, row, ls->scenario,
		     here ? "" : _("(not there yet) "), _(ls->idea));
		while (i == u->list_at && x < x0 + w - 2)
			put(y, &x, x0 + w - 2, attr, " ");
	}
	int x = x0 + 2;
	put(y0 + h - 2, &x, x0 + w - 1, term_attr(TH_DIM),
	    _("Up, Down: choose   Enter: open it   Escape: close"));

}

/* Below the smallest size: say so, in what room there is. */
static void draw_too_small(int rows, int cols)
{
	char a[128], b[128];
	snprintf(a, sizeof a, _("terminal too small: %dx%d"), cols, rows);
	snprintf(b, sizeof b, _("threadlab needs %dx%d; q quits"), MIN_COLS, MIN_ROWS);
	const char *lines[] = { a, b };
	for (int i = 0; i < 2 && i < rows; i++) {
		int w = term_width(lines[i]);
		int x = w < cols ? (cols - w) / 2 : 0;
		term_put(rows / 2 - 1 + i < 0 ? 0 : (rows < 2 ? i : rows / 2 - 1 + i), x, cols,
			 term_attr(TH_TEXT), lines[i]);
	}
}

void view_draw(struct ui *u)
{
	int rows, cols;
	getmaxyx(stdscr, rows, cols);
	erase();
	u->nhits = 0;
	if (rows < MIN_ROWS || cols < MIN_COLS) {
		draw_too_small(rows, cols);
		refresh();
		return;
	}
	u->nio = view_panel_shown(u, P_IO) ?
		iopanel_build(&u->s->m, view_mem_pid(u), term_ascii(), u->io, ARRAY_LEN(u->io)) : 0;
	struct layout l;
	layout(u, rows, cols, &l);
	draw_frame(u, &l);
	draw_header(u, &l);
	for (int c = 0; c < l.cpu_h; c++) {
		int y = l.cpu_y + c;
		if (c == l.cpu_h - 1 && u->s->m.ncores > l.cpu_h && c > 0) {
			int x = 2;
			putf(y, &x, cols - 1, term_attr(TH_DIM), _("%d more cores: see the schedule"),
			     u->s->m.ncores - c);
			break;
		}
		draw_cpu(u, c, y, 2, cols - 2);
	}
	draw_code(u, &l.p[P_CODE]);
	draw_threads(u, &l.p[P_THREADS]);
	draw_memory(u, &l.p[P_MEMORY]);
	if (l.p[P_IO].h)
		draw_io(u, &l.p[P_IO]);
	draw_schedule(u, &l.p[P_SCHEDULE]);
	draw_events(u, &l.p[P_EVENTS]);
	draw_narration(u, &l.p[P_NARRATION]);
	if (l.output.w)
		draw_output(u, &l.output);
	draw_quiz(u, &l);
	draw_footer(u, &l);
	if (u->help)
		draw_help(&l);
	if (u->lessons)
		draw_lessons(u, &l);
	refresh();
}
