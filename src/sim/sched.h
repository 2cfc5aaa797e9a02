/* sched: scheduling policy — which ready thread a core runs next, when
 * a running thread is preempted — and schedules as strings.
 *
 * A schedule says, for each core, which thread ran for how many ticks:
 * "1*8 2*3 .*2 3" is thread 1 for 8 instructions, thread 2 for 3, the
 * core idle for 2 ticks, then thread 3 for 1.  Cores are separated by
 * '|': "1*8 2*3 | 3*11".  A run prints the schedule it took in this
 * form, and the script policy replays one exactly.
 *
 * A schedule may also say when the network delivers: "c2" is client 2's
 * next piece reaching the machine whole (its connection, a request's
 * bytes, or its close), "c2/2" the first half of that piece only, the
 * rest staying next.  A schedule with a 'c' (a bare 'c' says so without
 * a delivery) holds the network: what the clients send reaches the
 * program only at those tokens, until the schedule ends. */
#ifndef THREADLAB_SCHED_H
#define THREADLAB_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "../util.h"
#include "settings.h"

struct sched_run {
	int tid;                /* 0: the core idles; below 0: a delivery,
				 * see sched_delivery */
	uint64_t n;             /* ticks (a delivery: 1) */
};

/* The run of a delivery of client c's next piece (c from 1), split in
 * two when split is set. */
static inline int sched_delivery(int c, int split)
{
	return -(2 * c + (split != 0));
}

/* The client (from 1) a delivery run tid is for, and whether it splits. */
static inline int sched_delivery_client(int tid) { return -tid / 2; }
static inline int sched_delivery_split(int tid) { return -tid % 2; }

struct sched_lane {
	struct sched_run *runs;
	size_t n, cap;
};

struct schedule {
	int ncores;             /* lanes given (0: an empty schedule) */
	int net;                /* it holds the network: it has a 'c' */
	struct sched_lane lane[CONFIG_MAX_CORES];
};

/* Where a core is in its lane of a script. */
struct sched_cursor {
	size_t i;               /* the run it is in */
	uint64_t used;          /* ticks of that run used */
};

#define SCHED_MAX_TID 1000000
#define SCHED_MAX_CLIENT 1000000

/* Parse text into s (emptied first).  Returns 0, or -1 with a message
 * in err naming the column. */
int sched_parse(const char *text, struct schedule *s, char *err, size_t errlen);
/* Append the schedule as text. */
void sched_format(const struct schedule *s, struct buf *out);
/* Add n ticks of tid (0: idle) at the end of core's lane. */
void sched_add(struct schedule *s, int core, int tid, uint64_t n);
/* Add a delivery of client c's (from 1) next piece, split in two when
 * split is set, at the end of core's lane; the schedule holds the
 * network then. */
void sched_add_delivery(struct schedule *s, int core, int c, int split);
/* The highest client a delivery of s names (0: none). */
int sched_max_client(const struct schedule *s);
/* Make dst a copy of src with runs of its own. */
void sched_copy(struct schedule *dst, const struct schedule *src);
/* Give s, a byte copy of another schedule, runs of its own. */
void sched_own_runs(struct schedule *s);
void sched_free(struct schedule *s);

struct machine;

/* The thread core runs this tick: the one it runs now, another taken
 * from the ready queue (the machine switches), or 0 to idle. */
int sched_next(struct machine *m, int core);
/* Whether every core has run through its lane of the script. */
int sched_script_over(const struct machine *m);
/* Count n ticks of core running tid (0: idle) against its script. */
void sched_advance(struct machine *m, int core, int tid, uint64_t n);

#endif
