/* quiz_screen: quiz mode on the screen — when to stop and ask, the
 * answer typed, the reveal. */
#include "config.h"

#include "quiz_screen.h"

#include <curses.h>
#include <string.h>

#include "i18n.h"
#include "view.h"

/* Build the questions of the run on screen, all unanswered; -1 with a
 * message when the run gives none. */
static int build(struct ui *u)
{
	struct ui_quiz *z = u->quiz;
	quiz_free(&z->q);
	xfree(z->result);
	z->result = NULL;
	z->right = z->answered = 0;
	z->asking = z->shown = -1;
	char err[160];
	if (quiz_build(u->sc, &u->cfg, &u->lim, z->max, &z->q, err, sizeof err) != 0) {
		snprintf(u->message, sizeof u->message, _("No quiz: %.120s"), err);
		return -1;
	}
	z->result = xcalloc(z->q.n ? z->q.n : 1, 1);
	if (!z->q.n) {
		snprintf(u->message, sizeof u->message, "%s", _("This run gives no question to ask."));
		return -1;
	}
	return 0;
}

/* Turn quiz mode on: build, and say how it goes. */
static void turn_on(struct ui *u)
{
	struct ui_quiz *z = u->quiz;
	if (build(u) < 0) {
		z->on = 0;
		return;
	}
	z->on = 1;
	long next = quiz_next(&z->q, session_tick(u->s));
	snprintf(u->message, sizeof u->message, ngettext("Quiz mode: %zu question; the screen "
		 "stops before it%s.", "Quiz mode: %zu questions; the screen stops before each%s.",
		 (unsigned long)z->q.n), z->q.n, next < 0 ? _(" (none is ahead: r restarts)") : "");
	ui_quiz_stop(u);
}

int ui_quiz_toggle(struct ui *u)
{
	u->playing = u->seeking = 0;
	if (!u->quiz) {
		u->quiz = xcalloc(1, sizeof *u->quiz);
		u->quiz->max = QUIZ_DEFAULT_QUESTIONS;
	}
	if (u->quiz->on) {
		u->quiz->on = 0;
		u->quiz->asking = u->quiz->shown = -1;
		snprintf(u->message, sizeof u->message, _("Quiz mode off: %zu of %zu answered right."),
			 u->quiz->right, u->quiz->answered);
	} else {
		turn_on(u);
	}
	return K_REDRAW;
}

void ui_quiz_start(struct ui *u, size_t max)
{
	u->quiz = xcalloc(1, sizeof *u->quiz);
	u->quiz->max = max;
	turn_on(u);
}

void ui_quiz_free(struct ui *u)
{
	if (!u->quiz)
		return;
	quiz_free(&u->quiz->q);
	xfree(u->quiz->result);
	xfree(u->quiz);
	u->quiz = NULL;
}

void ui_quiz_reload(struct ui *u)
{
	if (u->quiz && u->quiz->on && build(u) < 0)
		u->quiz->on = 0;
}

int ui_quiz_stop(struct ui *u)
{
	struct ui_quiz *z = u->quiz;
	if (!z || !z->on || session_ended(u->s))
		return 0;
	long i = quiz_at(&z->q, session_tick(u->s));
	if (i < 0 || z->result[i])
		return 0;
	if (z->asking != i)
		z->input[0] = 0;
	z->asking = i;
	z->shown = -1;
	u->playing = u->seeking = 0;
	return 1;
}

uint64_t ui_quiz_room(const struct ui *u)
{
	const struct ui_quiz *z = u->quiz;
	if (!z || !z->on)
		return UINT64_MAX;
	uint64_t now = session_tick(u->s);
	long i = quiz_next(&z->q, now);
	while (i >= 0 && (size_t)i < z->q.n && z->result[i])
		i++;
	return i >= 0 && (size_t)i < z->q.n ? z->q.q[i].tick - now : UINT64_MAX;
}

const struct quiz_question *ui_quiz_asking(const struct ui *u)
{
	const struct ui_quiz *z = u->quiz;
	return z && z->on && z->asking >= 0 ? &z->q.q[z->asking] : NULL;
}

const struct quiz_question *ui_quiz_shown(const struct ui *u)
{
	const struct ui_quiz *z = u->quiz;
	if (!z || !z->on || z->shown < 0 || z->shown_tick != session_tick(u->s))
		return NULL;
	return &z->q.q[z->shown];
}

/* Enter: grade the answer typed, run the tick, reveal. */
static void give(struct ui *u)
{
	struct ui_quiz *z = u->quiz;
	const struct quiz_question *q = &z->q.q[z->asking];
	char *s = z->input;
	while (*s == ' ')
		s++;
	size_t n = strlen(s);
	while (n && s[n - 1] == ' ')
		s[--n] = 0;
	memmove(z->input, s, n + 1);
	int r = n ? quiz_check(q, z->input) : -1;
	if (r < 0) {
		struct buf f = { 0 };
		quiz_form_text(q, &f);
		snprintf(u->message, sizeof u->message, _("Answer with %.100s."), f.s);
		buf_free(&f);
		return;
	}
	z->result[z->asking] = r ? 1 : 2;
	z->right += (size_t)r;
	z->answered++;
	memcpy(z->given, z->input, sizeof z->given);
	z->shown = z->asking;
	z->asking = -1;
	session_step(u->s);
	z->shown_tick = session_tick(u->s);
}

void ui_quiz_key(struct ui *u, int c)
{
	struct ui_quiz *z = u->quiz;
	size_t n = strlen(z->input);
	if (c >= ' ' && c < 127 && n + 1 < sizeof z->input) {
		z->input[n] = (char)c;
		z->input[n + 1] = 0;
	} else if ((c == KEY_BACKSPACE || c == 127 || c == 8) && n) {
		z->input[n - 1] = 0;
	} else if (c == '\r' || c == '\n' || c == KEY_ENTER) {
		if (n)
			give(u);
	} else if (c == 27) {
		z->asking = -1;
		snprintf(u->message, sizeof u->message, "%s",
			 _("Put away: n asks it again, Q ends quiz mode."));

	}
}
