/* sim: shared helpers of the simulator's Check suites.  A test compiles a
 * small program, runs it on a machine whose events are all recorded, and
 * then looks at the events, the globals, the output and how the run
 * ended. */
#ifndef THREADLAB_SIM_TESTS_H
#define THREADLAB_SIM_TESTS_H

#include <check.h>
#include <stdint.h>

#include "lang/ast.h"
#include "lang/scenario.h"
#include "sim/heap.h"
#include "sim/machine.h"

Suite *mem_suite(void);
Suite *heap_suite(void);
Suite *cpu_suite(void);
Suite *thread_suite(void);
Suite *sched_suite(void);
Suite *sync_suite(void);
Suite *fault_suite(void);
Suite *explain_suite(void);
Suite *memmap_suite(void);
Suite *session_suite(void);
Suite *explore_suite(void);
Suite *delivery_suite(void);
Suite *coro_suite(void);
Suite *race_suite(void);
Suite *closure_suite(void);
Suite *proc_suite(void);
Suite *io_suite(void);
Suite *epoll_suite(void);
Suite *iopanel_suite(void);
Suite *export_suite(void);
Suite *figures_suite(void);
Suite *compare_suite(void);
Suite *service_suite(void);
Suite *runtime_suite(void);
Suite *container_suite(void);
Suite *tour_suite(void);
Suite *quiz_suite(void);

/* Every event a machine sent, copied: a print's or an assert's text and
 * a switch's contexts are copies owned by the log. */
struct evlog {
	struct event *ev;
	size_t n, cap;
	struct buf out;         /* everything printed, in order */
};

/* The sink that appends to the log l, for every kind of event. */
struct event_sink evlog_sink(struct evlog *l);
/* Free what the log holds and empty it. */
void evlog_free(struct evlog *l);
/* The events from index from on, one line each, every field that can
 * tell two runs apart (ticks, cores, threads, pcs, values, texts).
 * The text lives until the end of the test. */
char *evlog_format(const struct evlog *l, size_t from);

/* A test case whose tests free, when they end (passed or failed), every
 * sim they left and every text the functions here returned. */
TCase *sim_tcase(const char *name);
/* Free p when the test ends; returns p. */
void *at_test_end(void *p);

/* NULL when got and want are equal, else a message naming the first
 * line where they differ (what says which texts they are). */
const char *lines_differ(const char *got, const char *want, const char *what);
#define assert_same_lines(got, want, what)                                  \
	do {                                                                \
		const char *diff_ = lines_differ(got, want, what);          \
		ck_assert_msg(diff_ == NULL, "%s", diff_);                  \
	} while (0)

/* A program, the machine that runs it and what the run did. */
struct sim {
	struct scenario *sc;
	struct machine_config cfg;      /* the scenario's settings: change before sim_start */
	struct limits lim;              /* small test limits: change before sim_start */
	struct machine *m;
	struct evlog log;
	char err[256];                  /* machine_init's message */
	int shares_sc;                  /* sc belongs to the sim copied */
};

/* The step limit of a test's machine (which may also make 64 threads
 * and use 64 MiB): an endless loop ends quickly. */
#define SIM_MAX_STEPS 1000000

/* Compile src (the test fails on a compile error); not started yet.
 * What a test does not free is freed when it ends. */
struct sim *sim_new(const char *src);
/* A snapshot of s's machine (machine_copy), logging its own events. */
struct sim *sim_copy(const struct sim *s);
/* Load the program into a new machine with s->cfg and s->lim and attach
 * the log.  Returns machine_init's result (the message in s->err). */
int sim_start(struct sim *s);
/* Run until the run has ended (the test fails if it does not). */
void sim_finish(struct sim *s);
/* Compile, start and run src to its end. */
struct sim *sim_run(const char *src);
/* The same with a schedule policy and a quantum instead of the scenario's. */
struct sim *sim_run_policy(const char *src, enum sched_policy policy, int quantum);
/* Free s with its machine, log and scenario (a copy leaves the scenario). */
void sim_free(struct sim *s);

/* How the run ended (enum end_status); the test fails while it runs. */
int sim_end(const struct sim *s);
/* How many events of kind k were sent. */
int sim_count(const struct sim *s, enum event_kind k);
/* The nth (from 0) event of kind k, or NULL. */
const struct event *sim_nth(const struct sim *s, enum event_kind k, int n);
/* The nth event of kind k about thread tid, or NULL. */
const struct event *sim_nth_of(const struct sim *s, enum event_kind k, int tid, int n);
/* The address of the global (or function) name; the test fails if none. */
uint64_t sim_addr(const struct sim *s, const char *name);
/* The word in global name, element i (0 for a plain variable). */
int64_t sim_global(const struct sim *s, const char *name, int i);
/* Everything the program printed. */
const char *sim_output(const struct sim *s);
/* The source line of the first line holding the text mark (1-based). */
int sim_line_of(const struct sim *s, const char *mark);
/* The schedule the run took (when s->m->record was set), as text that
 * lives until the end of the test. */
char *sim_taken(const struct sim *s);

#endif
