/* sched: scheduling policy — which ready thread a core runs next, when
 * a running thread is preempted — and schedules as strings.
 *
 * A schedule says, for each core, which thread ran for how many ticks:
 * "1*8 2*3 .*2 3" is thread 1 for 8 instructions, thread 2 for 3, the
 * core idle for 2 ticks, then thread 3 for 1.  Cores are separated by
 * '|': "1*8 2*3 | 3*11".  A run prints the schedule it took in this
 * form, and the script policy replays one exactly. */
#ifndef THREADLAB_SCHED_H
#define THREADLAB_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "../util.h"
#include "settings.h"

struct sched_run {
	int tid;                /* 0: the core idles */
	uint64_t n;             /* ticks */
};

struct sched_lane {
	struct sched_run *runs;
	size_t n, cap;
};

struct schedule {
	int ncores;             /* lanes given (0: an empty schedule) */
	struct sched_lane lane[CONFIG_MAX_CORES];
};

/* Where a core is in its lane of a script. */
struct sched_cursor {
	size_t i;               /* the run it is in */
	uint64_t used;          /* ticks of that run used */
};

#define SCHED_MAX_TID 1000000

/* Parse text into s (emptied first).  Returns 0, or -1 with a message
 * in err naming the column. */
int sched_parse(const char *text, struct schedule *s, char *err, size_t errlen);
/* Append the schedule as text. */
void sched_format(const struct schedule *s, struct buf *out);
/* Add n ticks of tid (0: idle) at the end of core's lane. */
void sched_add(struct schedule *s, int core, int tid, uint64_t n);
void sched_copy(struct schedule *dst, const struct schedule *src);
void sched_free(struct schedule *s);

struct machine;

/* The thread core runs this tick: the one it runs now, another taken
 * from the ready queue (the machine switches), or 0 to idle. */
int sched_next(struct machine *m, int core);
/* Count n ticks of core running tid (0: idle) against its script. */
void sched_advance(struct machine *m, int core, int tid, uint64_t n);

#endif
