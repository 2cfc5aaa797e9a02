/* keys: what each key does.  The table is the one place keys are
 * bound; the bottom line's hints and the help overlay are drawn from it. */
#include "config.h"

#include <curses.h>
#include <string.h>

#include "../out/tally.h"
#include "../sim/explore.h"
#include "../sim/io_view.h"
#include "i18n.h"
#include "term.h"
#include "tour.h"
#include "view.h"

/* The longest run whose schedule w saves. */
#define SAVE_MAX_TICKS 50000000

const char *const panel_titles[P_COUNT] = {
#define X(id, title) title,
	PANELS(X)
#undef X
};

/* space: run or pause. */
static int play(struct ui *u)
{
	if (session_ended(u->s)) {
		u->playing = 0;
		snprintf(u->message, sizeof u->message,
			 "%s", _("The run has ended: b goes back, r restarts."));
		return K_REDRAW;
	}
	u->playing = !u->playing;
	u->owed = 0;
	return K_REDRAW;
}

/* n, Right: one tick forward; in quiz mode, a question's tick first
 * asks it. */
static int step(struct ui *u)
{
	u->playing = u->seeking = 0;
	if (ui_quiz_stop(u))
		return K_REDRAW;
	if (!session_step(u->s) && session_ended(u->s))
		snprintf(u->message, sizeof u->message, "%s", _("The run has ended."));
	ui_quiz_stop(u);
	return K_REDRAW;
}

/* b, Left: one tick back. */
static int back(struct ui *u)
{
	u->playing = u->seeking = 0;
	if (session_tick(u->s) == 0)
		snprintf(u->message, sizeof u->message, "%s", _("This is tick 0: the run starts here."));
	session_back(u->s);
	return K_REDRAW;
}

/* +: twice as fast. */
static int faster(struct ui *u)
{
	if (u->speed < UI_SPEED_MAX)
		u->speed = u->speed * 2 > UI_SPEED_MAX ? UI_SPEED_MAX : u->speed * 2;
	return K_REDRAW;
}

/* -: half as fast. */
static int slower(struct ui *u)
{
	if (u->speed > 1)
		u->speed /= 2;
	return K_REDRAW;
}

/* Tab: focus the next panel. */
static int next_panel(struct ui *u)
{
	do
		u->panel = (enum panel)((u->panel + 1) % P_COUNT);
	while (!view_panel_shown(u, u->panel));
	return K_REDRAW;
}

/* Shift-Tab: focus the previous panel. */
static int prev_panel(struct ui *u)
{
	do
		u->panel = (enum panel)((u->panel + P_COUNT - 1) % P_COUNT);
	while (!view_panel_shown(u, u->panel));
	return K_REDRAW;
}

/* t: follow the next thread in the code panel; after the last, the
 * running one again. */
static int next_thread(struct ui *u)
{
	int n = u->s->m.nthreads;
	if (!u->focus_tid)
		u->focus_tid = view_focus(u) % n + 1;
	else
		u->focus_tid = u->focus_tid < n ? u->focus_tid + 1 : 0;
	return K_REDRAW;
}

/* g: ask for a tick to go to. */
static int ask_tick(struct ui *u)
{
	u->playing = 0;
	u->prompt = 1;
	u->input[0] = 0;
	return K_REDRAW;
}

/* End: run to the end. */
static int to_end(struct ui *u)
{
	u->playing = 0;
	u->seeking = 1;
	u->seek = UINT64_MAX;
	return K_REDRAW;
}

/* r: back to tick 0, paused. */
static int restart(struct ui *u)
{
	u->playing = u->seeking = 0;
	session_goto(u->s, 0);
	memset(u->scroll, 0, sizeof u->scroll);
	u->focus_tid = 0;
	return K_REDRAW;
}

/* Put the run of schedule (owned, moved in) on the screen at tick 0;
 * returns 0, or -1 with a message (the screen is as it was). */
static int load_schedule(struct ui *u, char *schedule)
{
	struct machine_config cfg = u->cfg;
	cfg.schedule = schedule;
	cfg.policy = POLICY_SCRIPT;
	char err[160];
	int code;
	struct session *s = session_new(u->sc, &cfg, &u->lim, err, sizeof err, &code);
	if (!s) {
		snprintf(u->message, sizeof u->message, _("Cannot load the schedule: %.100s"), err);
		xfree(schedule);
		return -1;
	}
	session_free(u->s);
	u->s = s;
	xfree(u->schedule);
	u->schedule = schedule;
	u->cfg = cfg;
	memset(u->scroll, 0, sizeof u->scroll);
	u->focus_tid = 0;
	ui_quiz_reload(u);
	return 0;
}

/* x: explore every schedule and load the shortest failing one. */
static int explore_key(struct ui *u)
{
	u->playing = u->seeking = 0;
	snprintf(u->message, sizeof u->message, "%s", _("Exploring the schedules\xe2\x80\xa6"));
	view_draw(u);
	struct machine_config cfg = u->cfg;
	cfg.schedule = NULL;
	struct limits lim = u->lim;
	if (lim.max_steps > EXPLORE_DEFAULT_MAX_STEPS)
		lim.max_steps = EXPLORE_DEFAULT_MAX_STEPS;
	struct explore_options o = {
		.max_preemptions = -1, .max_states = EXPLORE_DEFAULT_MAX_STATES,
		.judge = tally_judge, .judge_ctx = (void *)u->sc, .interrupted = &term_signal,
	};
	struct explore_result r;
	char err[160];
	if (explore(u->sc->image, &cfg, &lim, &o, &r, err, sizeof err) < 0) {
		snprintf(u->message, sizeof u->message, _("Cannot explore: %.100s"), err);
		return K_REDRAW;
	}
	uint64_t failing = 0;
	for (size_t i = 0; i < r.noutcomes; i++)
		if (r.outcomes[i].verdict == VERDICT_FAILED)
			failing += r.outcomes[i].count;
	const char *all = r.stop == EXPLORE_COMPLETE ? "" : _(" (the search stopped early)");
	if (r.failed < 0) {
		snprintf(u->message, sizeof u->message, _("Explored %llu schedules%s: none fails."),
			 (unsigned long long)r.schedules, all);
	} else if (load_schedule(u, xstrdup(r.outcomes[r.failed].schedule)) == 0) {
		snprintf(u->message, sizeof u->message, _("%llu of %llu schedules fail%s. The shortest "
			 "is loaded at tick 0: step through it (w saves it)."),
			 (unsigned long long)failing, (unsigned long long)r.schedules, all);
	}
	explore_result_free(&r);
	return K_REDRAW;
}

/* w: write a copy of the scenario that replays this run's schedule. */
static int save_key(struct ui *u)
{
	u->playing = u->seeking = 0;
	char err[160];
	char *schedule = session_run_schedule(u->sc, &u->cfg, &u->lim, SAVE_MAX_TICKS, err,
					      sizeof err);
	if (!schedule) {
		snprintf(u->message, sizeof u->message, _("Cannot save: %.100s."), err);
		return K_REDRAW;
	}
	char *text = scenario_with_schedule(u->sc, &u->cfg, schedule);
	xfree(schedule);
	struct buf b = { 0 };
	/* NAME-schedule.scn in the current directory */
	const char *base = strrchr(u->sc->name, '/');
	base = base ? base + 1 : u->sc->name;
	size_t n = strlen(base);
	if (n > 4 && !strcmp(base + n - 4, ".scn"))
		n -= 4;
	buf_printf(&b, "%.*s-schedule.scn", (int)n, base);
	if (write_file_atomic(b.s, text, strlen(text), err, sizeof err) < 0)
		snprintf(u->message, sizeof u->message, _("Cannot save: %.100s"), err);
	else
		snprintf(u->message, sizeof u->message, _("Saved %.40s: it replays this run "
			 "(threadlab %.40s)."), b.s, b.s);
	xfree(text);
	buf_free(&b);
	return K_REDRAW;
}

/* ?: the help overlay. */
static int help(struct ui *u)
{
	u->help = !u->help;
	return K_REDRAW;
}

/* Escape: close the help, stop going to a tick. */
static int escape(struct ui *u)
{
	u->help = 0;
	u->seeking = 0;
	return K_REDRAW;
}

/* q: quit. */
static int quit(struct ui *u)
{
	return K_QUIT;
}

/* Scroll the panel in focus by d lines towards its end (the code's
 * last line, the memory's lowest address, the oldest event). */
static int scroll_by(struct ui *u, int d)
{
	if (u->panel == P_EVENTS || u->panel == P_NARRATION)
		d = -d;                 /* those list the latest first */
	u->scroll[u->panel] += d;
	if (u->scroll[u->panel] < 0 && u->panel != P_CODE)
		u->scroll[u->panel] = 0;
	return K_REDRAW;
}

/* Up: scroll the panel in focus up. */
static int scroll_up(struct ui *u)
{
	return scroll_by(u, -1);
}

/* Down: scroll the panel in focus down. */
static int scroll_down(struct ui *u)
{
	return scroll_by(u, 1);
}

/* A click: follow the thread under it. */
static int click(struct ui *u)
{
	MEVENT me;
	if (getmouse(&me) != OK || !(me.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)))
		return 0;
	for (int i = 0; i < u->nhits; i++) {
		const struct hit *h = &u->hits[i];
		if (me.y == h->y && me.x >= h->x0 && me.x < h->x1) {
			u->focus_tid = h->tid;
			return K_REDRAW;
		}
	}
	return 0;
}

/* p: show the next process's address space in the memory map. */
static int next_process(struct ui *u)
{
	const struct machine *m = &u->s->m;
	if (m->nprocs < 2) {
		snprintf(u->message, sizeof u->message,
			 "%s", _("There is one process: fork() makes more."));
		return K_REDRAW;
	}
	u->mem_pid = view_mem_pid(u) % m->nprocs + 1;
	u->scroll[P_MEMORY] = 0;
	return K_REDRAW;
}

/* i: show or hide the I/O panel. */
static int toggle_io(struct ui *u)
{
	if (!io_active(&u->s->m)) {
		snprintf(u->message, sizeof u->message,
			 "%s", _("No I/O here: the I/O panel shows up once the program opens a socket or the scenario declares clients."));
		return K_REDRAW;
	}
	u->io_hidden = !u->io_hidden;
	if (u->io_hidden && u->panel == P_IO)
		u->panel = P_MEMORY;
	return K_REDRAW;
}

/* Put lesson i of the tour on the screen at tick 0, paused, with its
 * own settings; returns 0, or -1 with a message (the screen is as it
 * was). */
static int open_lesson(struct ui *u, int i)
{
	const struct bundled *b = tour_scenario((size_t)i);
	if (!b) {
		snprintf(u->message, sizeof u->message, _("Lesson %d, %.40s, is not there yet."), i + 1,
			 tour_lessons[i].scenario);
		return -1;
	}
	struct diags d;
	struct scenario *sc = scenario_compile(b->name, b->text, b->len, &d);
	diags_free(&d);
	if (!sc) {
		snprintf(u->message, sizeof u->message, _("Lesson %d: %.40s does not compile."), i + 1,
			 b->name);
		return -1;
	}
	char err[160];
	int code;
	struct session *s = session_new(sc, &sc->config, &u->lim, err, sizeof err, &code);
	if (!s) {
		snprintf(u->message, sizeof u->message, _("Lesson %d cannot start: %.100s"), i + 1, err);
		scenario_free(sc);
		return -1;
	}
	session_free(u->s);
	scenario_free(u->own_sc);
	u->s = s;
	u->sc = u->own_sc = sc;
	xfree(u->schedule);
	u->cfg = sc->config;
	u->schedule = u->cfg.schedule ? xstrdup(u->cfg.schedule) : NULL;
	u->cfg.schedule = u->schedule;
	u->playing = u->seeking = 0;
	u->owed = 0;
	u->focus_tid = u->mem_pid = 0;
	u->panel = P_CODE;
	memset(u->scroll, 0, sizeof u->scroll);
	u->io_hidden = u->help = u->lessons = 0;
	u->lesson = i;
	u->in_tour = 1;
	ui_quiz_reload(u);              /* in quiz mode: the lesson's own questions */
	snprintf(u->message, sizeof u->message, _("Lesson %d of %zu: %.40s. ] next, [ previous, "
		 "L the list."), i + 1, tour_count, b->name);
	return 0;
}

/* ] or [: the next or previous lesson there is; the ones not there yet
 * are named and passed over. */
static int lesson_by(struct ui *u, int dir)
{
	int from = u->lesson >= 0 ? u->lesson : dir > 0 ? -1 : (int)tour_count;
	int skipped = 0;
	int to = from + dir >= 0 && from + dir < (int)tour_count ?
		 tour_step((size_t)(from < 0 ? 0 : from), dir, &skipped) : -1;
	if (from < 0 && tour_scenario(0))
		to = 0, skipped = 0;
	if (to >= 0 && (open_lesson(u, to) < 0 || !skipped))
		return K_REDRAW;
	/* say what was passed over: "rpc-callbacks, mn-runtime: not there yet" */
	struct buf b = { 0 };
	for (int k = 1; k <= skipped; k++)
		buf_printf(&b, "%s%s", k > 1 ? ", " : "", tour_lessons[from + dir * k].scenario);
	if (to >= 0)
		snprintf(u->message, sizeof u->message, _("%.80s: not there yet; on to %.30s."), b.s,
			 tour_lessons[to].scenario);
	else if (skipped)
		snprintf(u->message, sizeof u->message, dir > 0 ?
			 _("%.80s: not there yet; this is the last lesson there is.") :
			 _("%.80s: not there yet; this is the first lesson there is."), b.s);
	else
		snprintf(u->message, sizeof u->message, "%s", dir > 0 ?
			 _("This is the tour's last lesson: L lists them all.") :
			 _("This is the tour's first lesson: ] goes on."));

	buf_free(&b);
	return K_REDRAW;
}

/* ]: the tour's next lesson. */
static int next_lesson(struct ui *u)
{
	return lesson_by(u, 1);
}

/* [: the tour's previous lesson. */
static int prev_lesson(struct ui *u)
{
	return lesson_by(u, -1);
}

/* L: the list of lessons, to jump from. */
static int lesson_list(struct ui *u)
{
	u->playing = u->seeking = 0;
	u->help = 0;
	u->lessons = 1;
	u->list_at = u->lesson >= 0 ? u->lesson : 0;
	return K_REDRAW;
}

void keys_lesson_list(struct ui *u, int c)
{
	int n = (int)tour_count;
	if (c == KEY_UP || c == 'k')
		u->list_at = u->list_at > 0 ? u->list_at - 1 : 0;
	else if (c == KEY_DOWN || c == 'j')
		u->list_at = u->list_at < n - 1 ? u->list_at + 1 : n - 1;
	else if (c == KEY_PPAGE)
		u->list_at = u->list_at > 10 ? u->list_at - 10 : 0;
	else if (c == KEY_NPAGE)
		u->list_at = u->list_at < n - 11 ? u->list_at + 10 : n - 1;
	else if (c == KEY_HOME || c == 'g')
		u->list_at = 0;
	else if (c == KEY_END || c == 'G')
		u->list_at = n - 1;
	else if (c == '\r' || c == '\n' || c == KEY_ENTER)
		open_lesson(u, u->list_at);
	else if (c == 27 || c == 'q' || c == 'L')
		u->lessons = 0;
}

const struct key_binding key_bindings[] = {
	{ ' ',       0,         "space",   N_("space run"),  N_("run or pause"), play },
	{ 'n',       KEY_RIGHT, "n Right", N_("n/\xe2\x86\x92 step"), N_("one tick forward"), step },
	{ 'b',       KEY_LEFT,  "b Left",  N_("b/\xe2\x86\x90 back"), N_("one tick back (the machine is restored, not undone)"), back },
	{ '+',       '=',       "+ -",     N_("+/- speed"),  N_("run twice as fast, half as fast (also = and _)"),
	  faster },
	{ '-',       '_',       NULL,      NULL,         NULL, slower },
	{ '\t',      0,         "Tab",     N_("tab panel"),  N_("focus the next panel (Shift-Tab: the one before)"), next_panel },
	{ KEY_BTAB,  0,         NULL,      NULL,         NULL, prev_panel },
	{ 't',       0,         "t",       N_("t thread"),   N_("follow the next thread (after the last, the running one)"),
	  next_thread },
	{ 'p',       0,         "p",       NULL,         N_("show the next process's address space in the memory map"),
	  next_process },
	{ 'i',       0,         "i",       NULL,         N_("show or hide the I/O panel: descriptors, sockets, clients"),
	  toggle_io },
	{ 'g',       0,         "g",       N_("g go to"),    N_("go to a tick (type it, then Enter)"), ask_tick },
	{ KEY_END,   'e',       "e End",   NULL,         N_("run to the end"), to_end },
	{ 'r',       0,         "r",       N_("r restart"),  N_("restart from tick 0, following the running thread"), restart },
	{ 'x',       0,         "x",       N_("x explore"),  N_("explore every schedule; load the shortest failing one"), explore_key },
	{ 'w',       0,         "w",       NULL,         N_("save a copy of the scenario that replays this run"), save_key },
	{ ']',       0,         "] [ L",   NULL,         N_("the tour: next lesson, previous, the list to jump from"),
	  next_lesson },
	{ '[',       0,         NULL,      NULL,         NULL, prev_lesson },
	{ 'L',       0,         NULL,      NULL,         NULL, lesson_list },
	{ 'Q',       0,         "Q",       NULL,         N_("quiz mode: stop before what a question asks, type the answer, see why"),
	  ui_quiz_toggle },
	{ KEY_UP,    'k',       "Up Down", NULL,         N_("scroll the panel in focus (also k and j)"), scroll_up },
	{ KEY_DOWN,  'j',       NULL,      NULL,         NULL, scroll_down },
	{ KEY_MOUSE, 0,         "click",   NULL,         N_("click a thread to follow it"), click },
	{ '?',       0,         "?",       N_("? help"),     N_("show or close this help"), help },
	{ 27,        0,         "Escape",  NULL,         N_("close the help; stop going to a tick"), escape },
	{ 'q',       0,         "q",       N_("q quit"),     N_("quit"), quit },
};

const size_t key_count = sizeof key_bindings / sizeof key_bindings[0];

int keys_dispatch(struct ui *u, int c)
{
	for (size_t i = 0; i < key_count; i++) {
		const struct key_binding *k = &key_bindings[i];
		if (c == k->key || (k->alt && c == k->alt))
			return k->action(u);
	}
	return 0;
}
