/* run: a headless run of a scenario — the program's output, the trace,
 * narration, the end-of-run report, the scenario's expectations, the
 * statistics and the schedule taken — and the exit status it earns. */
#ifndef THREADLAB_RUN_H
#define THREADLAB_RUN_H

#include <signal.h>
#include <stdio.h>

#include "../lang/scenario.h"
#include "../sim/machine.h"

struct figures;

/* Another reader of a run's events, an export: told the machine once
 * the program is loaded (start), then each event whose kind is in mask
 * (event), then the machine as the run ended, unless a signal stopped
 * it (end).  Any of the functions may be NULL. */
struct run_watcher {
	void (*start)(void *ctx, const struct machine *m);
	void (*event)(void *ctx, const struct event *e);
	void (*end)(void *ctx, const struct machine *m);
	uint64_t mask;
	void *ctx;
};

struct run_options {
	FILE *out;              /* what the program prints (NULL: dropped) */
	FILE *trace;            /* the event trace (NULL: none) */
	FILE *err;              /* reports, statistics, the schedule */
	FILE *narration;        /* notes as they trigger (NULL: none) */
	int stats;              /* print statistics on err */
	int print_schedule;     /* print the schedule taken on err */
	const volatile sig_atomic_t *interrupted;       /* checked as it runs */
	int *started;           /* set to 1 once the program is loaded (NULL: not wanted) */
	const struct run_watcher *watchers;     /* nwatchers of them (may be NULL) */
	size_t nwatchers;
	struct figures *figures;        /* filled in with the run's figures, see
					 * figures.h (NULL: not wanted) */
};

/* Exit statuses, as threadlab(1) documents them. */
enum {
	RUN_OK = 0,             /* all held */
	RUN_FAILED = 1,         /* the program failed, or an expectation */
	RUN_BAD = 2,            /* bad usage or a bad scenario */
	RUN_LIMIT = 3,          /* a resource limit stopped the run */
	RUN_INTERRUPTED = -1,   /* a signal asked to stop */
};

/* Run sc on a machine with settings cfg and limits lim; returns the exit
 * status. */
int run_scenario(const struct scenario *sc, const struct machine_config *cfg,
		 const struct limits *lim, const struct run_options *o);

/* Whether event e triggers note n by its line or its event (a note on a
 * tick, at the start or at the end is for the caller to time); a switch
 * triggers only when it saves one thread and restores another. */
int note_fires(const struct scenario_note *n, const struct event *e);

/* How many instructions an #expect condition may take. */
#define EXPECT_MAX_STEPS 1000000

#endif
