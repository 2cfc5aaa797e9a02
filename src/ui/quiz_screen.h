/* quiz_screen: quiz mode on the screen — the questions of the run on
 * screen (from out/quiz), which were answered and how, the one being
 * asked and the answer being typed, and the one just revealed.  The
 * screen stops before each question's tick, asks, and after the answer
 * runs the tick and reveals what happened and why.  A question answered
 * is not asked again when the screen goes back over it; turning quiz
 * mode off and on starts afresh. */
#ifndef THREADLAB_QUIZ_SCREEN_H
#define THREADLAB_QUIZ_SCREEN_H

#include <stddef.h>
#include <stdint.h>

#include "../out/quiz.h"

struct ui;

struct ui_quiz {
	struct quiz q;
	size_t max;             /* questions asked for */
	int on;
	char *result;           /* a byte per question: 0 not answered, 1 right, 2 wrong */
	size_t right, answered;
	long asking;            /* the question asked now (-1: none) */
	char input[32];         /* the answer being typed */
	long shown;             /* the question revealed (-1: none) */
	uint64_t shown_tick;    /* the tick it is revealed at */
	char given[32];         /* the answer it was given */
};

/* Q: turn quiz mode on (the questions of the run on screen, from the
 * first) or off. */
int ui_quiz_toggle(struct ui *u);
/* --quiz: start the screen in quiz mode with at most max questions. */
void ui_quiz_start(struct ui *u, size_t max);
void ui_quiz_free(struct ui *u);
/* The run on screen is another one (a schedule was loaded): its own
 * questions, from the first. */
void ui_quiz_reload(struct ui *u);

/* Before the step from the tick on screen: when a question not yet
 * answered is asked at this tick, ask it and return 1. */
int ui_quiz_stop(struct ui *u);
/* How many ticks the screen may run before the next question stops it
 * (UINT64_MAX: none does). */
uint64_t ui_quiz_room(const struct ui *u);
/* The question being asked, or NULL. */
const struct quiz_question *ui_quiz_asking(const struct ui *u);
/* The question revealed at the tick on screen, or NULL. */
const struct quiz_question *ui_quiz_shown(const struct ui *u);
/* A key while a question is asked: the answer is typed, Enter gives it
 * (the tick runs and the answer is revealed), Escape puts the question
 * away unanswered. */
void ui_quiz_key(struct ui *u, int c);

#endif
