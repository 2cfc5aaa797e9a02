/* explore: a stateful search of a program's schedules.
 *
 * One step is one operation another thread could observe: a load or
 * store of memory outside the thread's own stack and TLS (read-only
 * memory excepted), or a builtin that touches shared state (print,
 * malloc, free, spawn, join, a thread's end, the mutex, semaphore,
 * condition variable, atomic and coroutine builtins, sleep, sched_yield,
 * fork, wait and exit).  A thread runs everything else between two
 * steps without a switch.
 * Every state where several threads could take a step is a choice; the
 * search takes each one, runs the machine on a copy, and goes on.
 *
 * A lock of a mutex someone holds, a join of a thread that has not
 * ended and a sem_wait of an empty semaphore are not choices: the thread
 * waits until they would succeed.  When no thread can take a step and
 * the network has nothing to deliver, the waiting ones block for real
 * and the machine reports the deadlock.
 *
 * When the scenario declares clients, the network is one more actor and
 * its deliveries are choices beside the threads' steps: a client's
 * connection reaching the listening socket on its port (once there is
 * one), the bytes of its request (or of one of its pieces), its close.
 * Each client's come in the order it sends them, the clients' in any
 * order, and bytes may come whole or split in two: the first half
 * (rounded down), then the rest, which is not split again (unless the
 * client's group says whole).  The network is held (see net.h): the
 * search explores orders, not ticks.  With reduction on, a delivery is
 * tried only where it can matter: when a thread's next step depends on
 * it, when it would wake a thread blocked in I/O, or when no thread can
 * go on; elsewhere it waits, since it commutes with every step the
 * threads can take until one depends on it (a persistent set: every end
 * is still reached).  A delivery made while a thread could go on is
 * early, and their number may be bounded.
 * Latency, jitter, gaps and think times do not count, what a client
 * does on its own side happens at once, and a timeout fires only when
 * nothing is left to deliver.
 *
 * States reached are hashed (memory, threads, output so far, and the
 * network: its files, clients, and what waits to be delivered, client by
 * client, without ticks; the clock only while a thread sleeps or waits
 * with a timeout): two states that differ in when the same deliveries
 * were made are one.  A state already settled is not searched again, and the number of complete
 * schedules through it is added from what was counted the first time,
 * so the counts stay exact where schedules number in the millions.  A
 * schedule that comes back to a state it is already in (a thread
 * spinning in a loop that changes nothing) is cut there and not
 * counted.  With reduction on, sleep sets skip a step whose order with
 * the step just taken does not matter (different words, or both
 * reads; two I/O calls on different files with their buffers on their
 * own stacks, unless both take or free a descriptor and one takes; a
 * spawn and anything but what names the thread it makes; a delivery
 * and a load or store, or an I/O call on another file; two clients'
 * deliveries, unless both are connections):
 * each class of equivalent schedules is run once, and the count is of
 * those classes.  Preemptions (switching away from a thread
 * that could go on) may be bounded, as CHESS does, and so may early
 * deliveries.
 *
 * The search uses one core with the scenario's switch cost; a schedule
 * it reports has a lane for each of the scenario's cores, the first
 * running the threads and making the deliveries ("c2", "c2/2": see
 * sched.h), the others idle, and the script policy replays it exactly
 * on that machine, with the network held. */
#ifndef THREADLAB_EXPLORE_H
#define THREADLAB_EXPLORE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "machine.h"

/* What a complete schedule came to: a verdict of the judge. */
enum verdict { VERDICT_OK, VERDICT_FAILED, VERDICT_LIMIT };

/* The judge: how a run that ended in m went, having printed out[0..len);
 * what failed, if anything, appended to why in a few words. */
typedef enum verdict (*explore_judge)(void *ctx, const struct machine *m,
				      const char *out, size_t len, struct buf *why);

#define EXPLORE_MAX_THREADS 64          /* a sleep set is a 64-bit mask */
#define EXPLORE_MAX_CLIENTS 32          /* ... and one for deliveries, two a client */
#define EXPLORE_DEFAULT_MAX_STATES 1000000
#define EXPLORE_DEFAULT_MAX_STEPS 1000000       /* instructions per schedule */
#define EXPLORE_MAX_DEPTH 100000        /* steps in one schedule */
#define EXPLORE_MAX_JOBS 256            /* host threads */
#define EXPLORE_MAX_HELD 2048           /* states on one schedule with choices left */

struct explore_outcome;

/* One step the search took, for a caller drawing the state graph:
 * thread tid (or the network, delivering client's next piece) took state
 * from (states are numbered from 0, the start) to
 * state to, or, when end is set, to the end of a schedule, whose
 * outcome (valid during the call only) is the result's outcome number
 * to. */
struct explore_step {
	uint32_t from, to;
	int tid;                        /* 0: the network delivered */
	int client, split;              /* what it delivered: client (from 1), split in two */
	int end;
	const struct explore_outcome *outcome;  /* when end */
};

/* Called with each step the search takes, in the order it takes them. */
typedef void (*explore_step_fn)(void *ctx, const struct explore_step *st);

struct explore_options {
	int max_preemptions;            /* -1: no bound */
	int bound_early;                /* set: at most max_early deliveries made
					 * while a thread could take a step instead */
	int max_early;
	int no_reduction;               /* every interleaving, not one per class */
	uint64_t max_states;            /* states kept before the search stops */
	explore_judge judge;
	void *judge_ctx;
	const volatile sig_atomic_t *interrupted;       /* checked now and then (may be NULL) */
	explore_step_fn on_step;        /* NULL: steps are not told */
	void *step_ctx;
	int jobs;                       /* host threads (0 or 1: the caller's alone);
					 * the result is the same whatever their number */
	uint64_t alone_first;           /* with jobs: the states one thread searches
					 * alone before the others start (0: 4000) */
};

/* One way a schedule can end: the end of the run, its exit status, its
 * fault, what it printed, and the judge's verdict. */
struct explore_outcome {
	int end;                        /* enum end_status */
	int64_t exit_status;
	int fault, limit;               /* enum fault_kind, enum limit_kind */
	enum verdict verdict;
	char *why;                      /* the judge's words (owned) */
	char *out;                      /* what was printed (owned) */
	size_t outlen;
	uint64_t count;                 /* complete schedules ending so */
	int saturated;                  /* count reached UINT64_MAX */
	char *schedule;                 /* the shortest schedule ending so (owned) */
	uint32_t steps;                 /* its length in steps */
};

enum explore_stop {
	EXPLORE_COMPLETE,               /* every schedule within the bounds */
	EXPLORE_STATES,                 /* max_states reached */
	EXPLORE_THREADS,                /* more than EXPLORE_MAX_THREADS threads */
	EXPLORE_CLIENTS,                /* more than EXPLORE_MAX_CLIENTS clients */
	EXPLORE_DEPTH,                  /* a schedule too long to follow (see above) */
	EXPLORE_INTERRUPTED,
};

struct explore_result {
	enum explore_stop stop;
	struct explore_outcome *outcomes;       /* in the order first reached */
	size_t noutcomes;
	uint64_t schedules;             /* complete schedules counted */
	int saturated;                  /* schedules reached UINT64_MAX */
	uint64_t states;                /* distinct states kept */
	uint64_t steps;                 /* steps run */
	uint64_t cut_by_bound;          /* choices the preemption bound left out */
	uint64_t cut_by_early;          /* deliveries the early bound left out */
	uint64_t cycles;                /* schedules cut where they came back to a state */
	int failed;                     /* index of the outcome with the shortest failing
					 * schedule, or -1 */
	int jobs;                       /* host threads whose search gave it: 1
					 * when one searched alone, or again */
};

/* Search the schedules of img under cfg (its cores, policy, quantum
 * and schedule are the search's own) and lim (max_steps bounds each
 * schedule).  Returns 0 with res filled, or -1 with a message in err
 * when the machine cannot start. */
int explore(const struct image *img, const struct machine_config *cfg,
	    const struct limits *lim, const struct explore_options *o,
	    struct explore_result *res, char *err, size_t errlen);
void explore_result_free(struct explore_result *res);

#endif
