/* settings: the machine settings a scenario or the command line chooses —
 * cores, scheduling policy, quantum, seed, context-switch costs and a
 * recorded schedule. */
#ifndef THREADLAB_SETTINGS_H
#define THREADLAB_SETTINGS_H

#include <stdint.h>

/* X(NAME, "name", what it does) */
#define SCHED_POLICIES(X)                                                  \
	X(RR,       "rr",       "round robin: a timer interrupt every quantum ticks") \
	X(FIFO,     "fifo",     "a thread runs until it blocks or ends")      \
	X(PRIORITY, "priority", "the highest-priority ready thread runs")    \
	X(RANDOM,   "random",   "a seeded random choice at every tick")      \
	X(SCRIPT,   "script",   "the recorded schedule decides")

enum sched_policy {
#define X(id, name, doc) POLICY_##id,
	SCHED_POLICIES(X)
#undef X
	POLICY_COUNT
};

struct policy_info {
	const char *name;
	const char *doc;
};

extern const struct policy_info sched_policies[POLICY_COUNT];

/* Look a policy up by name; -1 when there is none. */
int sched_policy_lookup(const char *name);

#define CONFIG_MAX_CORES 64
#define CONFIG_MAX_QUANTUM 1000000
#define CONFIG_MAX_SWITCH_COST 1000000

struct machine_config {
	int cores;              /* 1 .. CONFIG_MAX_CORES */
	int quantum;            /* ticks between timer interrupts (rr) */
	enum sched_policy policy;
	uint64_t seed;          /* for the random policy */
	int switch_cost;        /* ticks a context switch takes */
	int process_switch_cost; /* ticks a switch between two processes takes
				  * (-1: four times switch_cost) */
	char *schedule;         /* recorded schedule, or NULL (owned) */
	int no_race_detect;     /* 1: no data-race detector (0: it runs, see race.h) */
};

/* The settings a scenario gets when it says nothing. */
void config_default(struct machine_config *c);

#endif
