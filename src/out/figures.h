/* figures: the measures of one run that compare servers — requests
 * served, throughput, latency percentiles as the clients saw them,
 * context switches, the most threads, processes and coroutines alive at
 * once, simulated memory (stacks, heap, program images) at its peak and
 * per connection, and how busy each core was.  A run watcher gathers
 * them from the event stream and the machine's read-only queries;
 * --stats prints them as key: value lines and --compare as a table. */
#ifndef THREADLAB_FIGURES_H
#define THREADLAB_FIGURES_H

#include <stdint.h>
#include <stdio.h>

#include "../sim/machine.h"
#include "run.h"

struct figures {
	uint64_t ticks;                 /* the run's length */
	uint64_t served;                /* replies the clients received */
	uint64_t nlat;                  /* latencies measured (one a reply) */
	uint64_t lat_p50, lat_p99, lat_max;     /* ticks from sent to reply */
	uint64_t thread_switches;       /* between threads of one process */
	uint64_t process_switches;      /* between threads of two processes */
	int peak_threads, peak_processes, peak_coroutines;
	int peak_connections;           /* connections open at once */
	uint64_t peak_memory;           /* bytes: stacks + heap + images */
	uint64_t peak_stacks;           /* bytes of the live threads' stacks */
	uint64_t peak_heap;             /* bytes in use in the live heaps */
	uint64_t base_memory;           /* memory as the program was loaded */
	int ncores;
	uint64_t busy[CONFIG_MAX_CORES];        /* ticks each core ran a thread */
	int end;                        /* enum end_status */
	int limit;                      /* enum limit_kind, for END_LIMIT */
};

struct figures_watch;

/* A new gatherer, to be handed to a run through figures_watcher. */
struct figures_watch *figures_new(void);
void figures_free(struct figures_watch *w);
/* The watcher that feeds w; its figures are complete once the run ends. */
struct run_watcher figures_watcher(struct figures_watch *w);
/* The figures gathered (complete once the run has ended). */
const struct figures *figures_get(const struct figures_watch *w);

/* The p-th percentile (0 < p <= 100) of the n values in sorted, by
 * nearest rank: the smallest value with at least p% of the values at or
 * below it (0 when n is 0). */
uint64_t figures_percentile(const uint64_t *sorted, uint64_t n, int p);

/* Requests served per 1,000 ticks, in tenths (0 for a run of no tick). */
uint64_t figures_throughput10(const struct figures *f);
/* Memory added per connection open at the peak, in bytes: (peak memory
 * - memory at load) / peak connections; -1 when no connection was open. */
int64_t figures_memory_per_connection(const struct figures *f);
/* Core c's utilisation in tenths of a percent of the run's ticks. */
uint64_t figures_utilisation10(const struct figures *f, int c);

/* The figures as --stats prints them, key: value lines, to out. */
void figures_print_stats(const struct figures *f, FILE *out);

#endif
