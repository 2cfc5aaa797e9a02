/* tour: the chapter as a walk through its ideas — the table of lessons,
 * one or more for each row of the chapter's lesson plan, in the chapter's
 * order, each naming the bundled scenario that shows it and what to look
 * at; and the headless tour, which prints the lessons with their
 * narration.  A lesson's scenario is looked up by name in the bundle when
 * it is needed, so a scenario added to the bundle joins the tour without
 * a change here; until then the tour says it is not there yet.  No
 * curses. */
#ifndef THREADLAB_TOUR_H
#define THREADLAB_TOUR_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "../bundle.h"
#include "../sim/machine.h"

/* One stop of the tour. */
struct lesson {
	int row;                /* the idea's row in the lesson plan (0: the overview) */
	const char *idea;       /* the idea, in a sentence */
	const char *scenario;   /* the bundled scenario that shows it */
	const char *look;       /* what to look at on the screen */
};

extern const struct lesson tour_lessons[];
extern const size_t tour_count;

/* The bundled scenario of lesson i, or NULL when it is not there yet. */
const struct bundled *tour_scenario(size_t i);
/* The lesson whose scenario is called name (with or without .scn), or
 * -1 when none is. */
int tour_find(const char *name);
/* From lesson i, dir lessons on (1: the next, -1: the previous), past
 * the ones not there yet: the lesson reached, or -1 when there is none
 * that way.  *skipped (may be NULL) counts the lessons passed over. */
int tour_step(size_t i, int dir, int *skipped);

/* The headless tour: every lesson in order on out — its heading, its
 * scenario's title and description, and a run with its narration and
 * output (reports on err) — or a line saying it is not there yet.  The
 * first lesson runs with first (NULL: its own settings), the others
 * with their own; every one within lim.  Returns 0, 2 when a bundled
 * scenario does not compile, or -1 when interrupted. */
int tour_print(FILE *out, FILE *err, const struct machine_config *first,
	       const struct limits *lim, const volatile sig_atomic_t *interrupted);

#endif
