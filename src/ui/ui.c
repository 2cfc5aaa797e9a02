/* ui: the loop — wait for a key or the next frame, act, draw. */
#include "config.h"

#include "ui.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../out/explain.h"
#include "i18n.h"
#include "term.h"
#include "tour.h"
#include "view.h"

#define FRAME_MS   33           /* redraws while running: about 30 a second */
#define SEEK_CHUNK 200000       /* ticks run at most between two looks at the keys */

/* Milliseconds on a clock that only goes forward (the screen's, not the
 * machine's: the simulation never reads it). */
static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* A key while the g prompt is up. */
static void prompt_key(struct ui *u, int c)
{
	size_t n = strlen(u->input);
	if (c >= '0' && c <= '9' && n + 1 < sizeof u->input) {
		u->input[n] = (char)c;
		u->input[n + 1] = 0;
	} else if ((c == KEY_BACKSPACE || c == 127 || c == 8) && n) {
		u->input[n - 1] = 0;
	} else if (c == '\r' || c == '\n' || c == KEY_ENTER) {
		u->prompt = 0;
		if (!n)
			return;
		uint64_t t = strtoull(u->input, NULL, 10);
		if (t <= session_tick(u->s)) {
			session_goto(u->s, t);
		} else {
			u->seeking = 1;
			u->seek = t;
		}
	} else if (c == 27 || c == 'q' || c == 7) {
		u->prompt = 0;
	}
}

/* Run the ticks that are due: at the speed while running, a chunk at a
 * time while going to a tick. */
static void advance(struct ui *u, double elapsed_ms)
{
	uint64_t room = ui_quiz_room(u);        /* the next question stops it */
	if (u->seeking) {
		uint64_t t = session_tick(u->s);
		uint64_t n = u->seek - t < SEEK_CHUNK ? u->seek - t : SEEK_CHUNK;
		if (n > room)
			n = room;
		if (!session_advance(u->s, n) || session_tick(u->s) >= u->seek)
			u->seeking = 0;
		ui_quiz_stop(u);
		return;
	}
	if (!u->playing)
		return;
	/* what one frame runs is bounded, so keys are read in time; a speed
	 * the machine cannot keep up with does not pile up */
	u->owed += (double)u->speed * elapsed_ms / 1000.0;
	if (u->owed > (double)u->speed)
		u->owed = (double)u->speed;
	if (u->owed > SEEK_CHUNK)
		u->owed = SEEK_CHUNK;
	uint64_t n = (uint64_t)u->owed;
	if (n > room)
		n = room;
	if (n) {
		u->owed -= (double)n;
		if (!session_advance(u->s, n))
			u->playing = 0;
	}
	if (ui_quiz_stop(u))
		u->owed = 0;
}

/* How long to wait for a key before the next frame (-1: until one comes). */
static int wait_ms(const struct ui *u)
{
	if (u->seeking)
		return 0;
	if (!u->playing)
		return -1;
	if (u->speed >= 1000 / FRAME_MS)
		return FRAME_MS;
	double left = (1.0 - u->owed) * 1000.0 / (double)u->speed;
	return left < 1 ? 1 : left > 1000 ? 1000 : (int)left;
}

int ui_run(const struct scenario *sc, const struct machine_config *cfg,
	   const struct limits *lim, const struct ui_options *o, char *err, size_t errlen)
{
	int code;
	explain_translate(1);           /* the events in the reader's language */
	struct session *s = session_new(sc, cfg, lim, err, errlen, &code);
	if (!s)
		return code;
	struct term_options to = { .color = o->color, .ascii = o->ascii };
	if (term_start(&to, err, errlen) < 0) {
		session_free(s);
		return -1;
	}
	struct ui *u = xcalloc(1, sizeof *u);
	u->rows = xcalloc(UI_MEM_ROWS, sizeof *u->rows);
	u->keep = xcalloc(UI_MEM_ROWS, 1);
	u->sc = sc;
	u->s = s;
	u->cfg = *cfg;
	u->schedule = cfg->schedule ? xstrdup(cfg->schedule) : NULL;
	u->cfg.schedule = u->schedule;
	u->lim = *lim;
	u->speed = o->speed ? o->speed : UI_SPEED_DEFAULT;
	u->playing = o->play;
	u->panel = P_CODE;
	u->lesson = tour_find(sc->name);
	u->in_tour = o->tour && u->lesson >= 0;
	if (u->in_tour)
		snprintf(u->message, sizeof u->message, _("The tour: lesson %d of %zu. ] next lesson, "
			 "[ previous, L the list, ? the keys."), u->lesson + 1, tour_count);
	if (o->quiz)
		ui_quiz_start(u, o->quiz);
	double last = now_ms();
	while (!term_signal) {
		view_draw(u);
		int c = term_key(wait_ms(u));
		double t = now_ms();
		if (term_signal)
			break;
		advance(u, t - last);   /* what was due before the key changes anything */
		last = t;
		if (c == KEY_RESIZE) {
			clear();
		} else if (c != ERR) {
			u->message[0] = 0;
			if (ui_quiz_asking(u) && !u->help)
				ui_quiz_key(u, c);
			else if (u->prompt)
				prompt_key(u, c);
			else if (u->lessons)
				keys_lesson_list(u, c);
			else if (u->help && c != '?' && c != 27 && c != 'q')
				;               /* the help covers the view */
			else if (keys_dispatch(u, c) & K_QUIT)
				break;
		}
	}
	term_end();
	int sig = term_signal;
	xfree(u->rows);
	xfree(u->keep);
	xfree(u->schedule);
	ui_quiz_free(u);
	session_free(u->s);
	scenario_free(u->own_sc);
	xfree(u);
	if (sig) {
		fprintf(stderr, "threadlab: interrupted\n");
		signal(sig, SIG_DFL);
		raise(sig);
		return 128 + sig;
	}
	return 0;
}
