/* ui: the full-screen view of a scenario — the machine's CPUs, code,
 * memory, threads and schedule, animated forwards and backwards. */
#ifndef THREADLAB_UI_H
#define THREADLAB_UI_H

#include <stddef.h>
#include <stdint.h>

#include "../lang/scenario.h"
#include "../sim/machine.h"

struct ui_options {
	int play;               /* start running */
	uint64_t speed;         /* ticks per second */
	int color;              /* 0: monochrome */
	int ascii;              /* no line drawing, no UTF-8 */
	int tour;               /* the scenario is the tour's first lesson */
	size_t quiz;            /* quiz mode on, asking this many questions (0: off) */
};

#define UI_SPEED_DEFAULT 8
#define UI_SPEED_MAX     10000000

/* Show sc until the user quits.  Returns the exit status; -1 with a
 * message in err when the screen cannot start (no terminal), before
 * anything was drawn. */
int ui_run(const struct scenario *sc, const struct machine_config *cfg,
	   const struct limits *lim, const struct ui_options *o, char *err, size_t errlen);

#endif
