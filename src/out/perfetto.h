/* perfetto: a whole run as a Chrome Trace Event Format JSON file, which
 * Perfetto (ui.perfetto.dev) and chrome://tracing open.  One process
 * track per simulated process and one thread track per thread; a slice
 * for each stretch a thread runs in one function, and for each stretch
 * it is blocked (named after what it waits for); instants for faults,
 * failed assertions, data races, deadlocks and limits; flows from an
 * unlock to the lock it hands over, from a waker to the thread it wakes
 * and from a spawn to the new thread's first run; counters of heap
 * bytes in use and ready threads per process.  With clients, a network
 * process track with a thread track per client: a slice while it waits
 * for its reply, flows from its bytes' arrival to the read that takes
 * them and from a write to the reply it becomes, and a counter of open
 * connections.  Timestamps are ticks,
 * read as microseconds.  Everything comes from the event stream and,
 * for the network, the read-only io_view.h. */
#ifndef THREADLAB_PERFETTO_H
#define THREADLAB_PERFETTO_H

#include "../lang/scenario.h"
#include "../sim/machine.h"

struct perfetto;

/* The events an exporter wants: all of them (instructions say which
 * function runs). */
#define PERFETTO_EVENTS EV_ALL

/* An exporter of the run of sc on m, m loaded and not yet stepped. */
struct perfetto *perfetto_new(const struct scenario *sc, const struct machine *m);
/* Take event e in, m as it is when e is sent. */
void perfetto_event(struct perfetto *p, const struct event *e);
/* Close what is still open and append the whole file to out. */
void perfetto_finish(struct perfetto *p, struct buf *out);
void perfetto_free(struct perfetto *p);

#endif
