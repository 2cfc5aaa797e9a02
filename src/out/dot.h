/* dot: graphs in Graphviz's DOT language.  The wait-for graph of a run
 * as it ended — each thread, what it waits for (a mutex, a semaphore, a
 * condition variable, another thread to end, a child process), and who
 * holds each mutex — with a deadlock's cycle in red, built from the
 * event stream.  And the state graph of an exploration — states as
 * nodes, steps as edges labelled with the thread that stepped, the ends
 * of schedules marked, failing ones in red — built from the steps the
 * explorer tells, up to DOT_MAX_STATES states. */
#ifndef THREADLAB_DOT_H
#define THREADLAB_DOT_H

#include "../lang/scenario.h"
#include "../sim/explore.h"
#include "../sim/machine.h"

/* The events the wait-for graph reads. */
#define DOT_WAIT_EVENTS                                                       \
	(EV_BIT(EV_SPAWN) | EV_BIT(EV_FORK) | EV_BIT(EV_BLOCK) | EV_BIT(EV_WAKE) | \
	 EV_BIT(EV_EXIT) | EV_BIT(EV_LOCK) | EV_BIT(EV_UNLOCK) | EV_BIT(EV_CONTAINER))

struct dot_wait;

/* A wait-for graph of the run of sc on m, m loaded and not yet stepped. */
struct dot_wait *dot_wait_new(const struct scenario *sc, const struct machine *m);
/* Take event e in. */
void dot_wait_event(struct dot_wait *d, const struct event *e);
/* Append the graph as it is now to out; m is the machine, as the run ended. */
void dot_wait_write(struct dot_wait *d, const struct machine *m, struct buf *out);
void dot_wait_free(struct dot_wait *d);

/* The most states a state graph draws. */
#define DOT_MAX_STATES 500

struct dot_states;

struct dot_states *dot_states_new(void);
/* The explore_step_fn that records a step into the graph ctx. */
void dot_states_step(void *ctx, const struct explore_step *st);
/* How many states the search has told so far. */
uint64_t dot_states_count(const struct dot_states *d);
/* Append the graph of the exploration of sc to out; -1 (and nothing
 * appended) when it has more than DOT_MAX_STATES states. */
int dot_states_write(const struct dot_states *d, const struct scenario *sc, struct buf *out);
void dot_states_free(struct dot_states *d);

/* Append s as a DOT quoted string. */
void dot_quote(struct buf *b, const char *s, size_t len);

#endif
