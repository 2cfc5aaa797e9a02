/* runtime: the M:N coroutine runtime — coroutines multiplexed onto a
 * pool of worker threads, which the scheduler multiplexes onto the
 * cores.  go(f, arg) makes a coroutine (its stack a heap block, as
 * coroutine() does, coro.h) and puts it on the run queue; the first go
 * starts the workers (#workers N, else one per core), each of which
 * runs a loop in the image's go_worker: take the next ready coroutine
 * off the queue and resume it, until it returns, yields or parks.  A
 * read or an accept in a coroutine that would block does not block its
 * worker: the coroutine parks on the descriptor (its context saved at
 * the call, its stack left on the heap) and the worker takes the next
 * ready one; when the descriptor becomes ready (net_ready, the
 * runtime's poller), the coroutine is ready again and any worker may go
 * on with it, not necessarily the one that ran it before.  A worker
 * with nothing to run waits on the run queue (a thread BLOCK in
 * WAIT_RUNQ).  go_wait() waits until every coroutine has finished, then
 * the workers end and it returns how many coroutines ran.  A coroutine
 * that yields goes back to the end of the queue; other blocking calls
 * (lock, sem_wait, join, sleep, epoll_wait) block its worker, as they
 * would a real runtime's.  All of it is plain machine state: copied,
 * hashed and stepped like the rest. */
#ifndef THREADLAB_RUNTIME_H
#define THREADLAB_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "settings.h"

/* X(NAME, "name") — where a coroutine of the runtime is. */
#define RCO_STATES(X)                                                      \
	X(READY,   "ready")                                                  \
	X(RUNNING, "running")                                                \
	X(PARKED,  "parked")                                                 \
	X(DONE,    "done")

enum rco_state {
#define X(id, name) RCO_##id,
	RCO_STATES(X)
#undef X
	RCO_COUNT
};

extern const char *const rco_state_names[RCO_COUNT];

/* One coroutine started by go. */
struct rco {
	uint64_t h;             /* its handle (the coroutine object) */
	int id;                 /* the coroutine's id (coro.h) */
	enum rco_state state;
	uint64_t entry;         /* its function */
	int64_t arg;
	int worker;             /* the worker running it, or that ran it last (0: none) */
	int wait;               /* RCO_PARKED: WAIT_READ or WAIT_ACCEPT ... */
	int64_t fd;             /* ... on this descriptor ... */
	int file;               /* ... which names this open file, */
	int service;            /* ... a connection to this service (from 1; 0: none) */
	int next;               /* the next parked on that file (index + 1; 0: none) */
	uint64_t since;         /* the tick it entered its state */
	uint64_t seq;           /* when it parked: accept wakes the oldest */
	int picks;              /* times a worker took it */
	int moves;              /* times it went on on another worker */
};

struct runtime {
	int pid;                /* the process whose coroutines (0: none yet) */
	struct rco *co;         /* every coroutine go made, in order */
	int nco, cap_co;
	int *runq;              /* a ring of indices into co: the ready ones */
	int rq_head, rq_n, rq_cap;
	int workers[CONFIG_MAX_WORKERS];        /* their thread ids */
	int cur[CONFIG_MAX_WORKERS];    /* the coroutine each runs (index; -1: none) */
	int nworkers;           /* started, for the coroutines now alive */
	int live;               /* of those, not ended */
	int alive;              /* coroutines not done */
	int peak_alive;
	int by_state[RCO_COUNT];
	int waiters;            /* threads in go_wait */
	int closing;            /* every coroutine is done and go_wait waits:
				 * idle workers end */
	uint64_t parks, moves;  /* counters, in all */
};

struct machine;
struct thread;

void runtime_init(struct runtime *rt);
void runtime_copy(struct runtime *dst, const struct runtime *src);
void runtime_free(struct runtime *rt);
/* Whether the program has called go. */
int runtime_used(const struct machine *m);
/* Mix everything about the runtime that can change what happens next
 * into h. */
uint64_t runtime_hash(const struct machine *m, uint64_t h);

/* The machine's side.  go(f, arg) once coro.c has made coroutine h for
 * thread t: queue it (starting the workers the first time); r0 = its id. */
void runtime_go(struct machine *m, struct thread *t, uint64_t h, int64_t arg);
/* A worker's go_next: what its last coroutine did, then the next ready
 * one resumed (returns 1, t switched to it), or t waits on the run queue
 * (returns 1: it calls again once woken), or it ends (returns 0). */
int runtime_next(struct machine *m, struct thread *t);
/* go_wait() by thread t; returns 1 when t blocked (it calls again). */
int runtime_wait(struct machine *m, struct thread *t);
/* Whether t is a worker running one of the runtime's coroutines (its
 * own stack, not another coroutine it resumed). */
int runtime_runs(const struct machine *m, const struct thread *t);
/* t's coroutine waits in wait (WAIT_READ, WAIT_ACCEPT) on descriptor
 * fd, open file fi: it parks, t goes back to its worker loop.  Returns
 * 1 (t's pc is the loop's). */
int runtime_park(struct machine *m, struct thread *t, int wait, int64_t fd, int fi);
/* Open file fi became more ready: its parked coroutines are ready again
 * (every reader, the oldest in accept). */
void runtime_ready(struct machine *m, int fi);
/* Open file fi is closed: what was parked on it is ready again (its
 * call then fails). */
void runtime_closed(struct machine *m, int fi);

/* Read only, for the screen and the outputs. */
/* Whether tid is one of the runtime's workers. */
int runtime_is_worker(const struct machine *m, int tid);
/* How many coroutines go made; by_state[s] how many are in each state. */
int runtime_counts(const struct machine *m, int by_state[RCO_COUNT]);
/* The most coroutines of the runtime alive at once. */
int runtime_peak(const struct machine *m);
/* The worker threads (ids) into out (at most max); returns how many. */
size_t runtime_workers(const struct machine *m, int *out, size_t max);
/* How many coroutines worker tid runs or ran last, by state. */
void runtime_worker_counts(const struct machine *m, int tid, int by_state[RCO_COUNT]);
/* The coroutine worker tid runs now (its id; 0: none). */
int runtime_running_on(const struct machine *m, int tid);
/* Coroutine id of the runtime into *out; 0 when there is none. */
int runtime_coroutine(const struct machine *m, int id, struct rco *out);
/* The coroutines in state s, the longest in it first (ties: by id), at
 * most max of them into out; returns how many are in it in all. */
size_t runtime_longest(const struct machine *m, enum rco_state s, struct rco *out, size_t max);

#endif
