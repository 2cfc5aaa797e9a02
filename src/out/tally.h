/* tally: explore a scenario's schedules and say what they came to — a
 * line per outcome with how many schedules end so, the shortest failing
 * schedule as --schedule takes it, and that schedule's run replayed. */
#ifndef THREADLAB_TALLY_H
#define THREADLAB_TALLY_H

#include <stdio.h>

#include "../lang/scenario.h"
#include "../sim/explore.h"
#include "run.h"

struct tally_options {
	int max_preemptions;            /* -1: no bound */
	int max_early;                  /* deliveries while a thread could go on
					 * (-1: no bound; 0, the default, none) */
	int no_reduction;
	uint64_t max_states;
	FILE *out;                      /* the tally and the schedule line */
	FILE *err;                      /* the failing run's report */
	const volatile sig_atomic_t *interrupted;
	explore_step_fn on_step;        /* each step of the search (NULL: none) */
	void *step_ctx;
	int jobs;                       /* host threads (0 or 1: one) */
};

/* The judge of explore(): how a run of the scenario ctx that ended in m
 * went, by the rules of a headless run (its expectations included). */
enum verdict tally_judge(void *ctx, const struct machine *m, const char *out, size_t len,
			 struct buf *why);

/* Explore sc under cfg and lim (max_steps per schedule) and report;
 * returns the exit status: RUN_FAILED when a schedule fails, RUN_LIMIT
 * when the search could not finish, RUN_BAD when the scenario cannot
 * start, RUN_INTERRUPTED, or RUN_OK. */
int tally_scenario(const struct scenario *sc, const struct machine_config *cfg,
		   const struct limits *lim, const struct tally_options *o);

#endif
