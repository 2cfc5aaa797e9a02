/* settings: the machine settings a scenario or the command line chooses —
 * cores, scheduling policy, quantum, seed, context-switch costs, a
 * recorded schedule, the clients and remote services outside the
 * machine, and the coroutine runtime's worker threads. */
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

/* A #clients line: clients that connect to the program from outside
 * (see net.h).  Times are in ticks. */
#define CONFIG_MAX_CLIENT_GROUPS 8
#define CLIENT_SEND_MAX 256
#define CONFIG_MAX_CLIENTS 100000
/* parse.c's messages spell these out */
_Static_assert(CLIENT_SEND_MAX == 256 && CONFIG_MAX_CLIENT_GROUPS == 8 &&
	       CONFIG_MAX_CLIENTS == 100000, "the #clients messages name these limits");
struct client_group {
	int clients;            /* how many */
	int port;               /* they connect to */
	uint64_t at;            /* the first connects at this tick */
	uint64_t every;         /* ... the next ones this many ticks apart */
	uint64_t latency;       /* one way, each direction */
	uint64_t jitter;        /* up to this many ticks more, at random */
	int pieces;             /* a request arrives in this many pieces */
	int whole;              /* the explorer never splits a piece in two */
	int noreply;            /* send and close: no reply is waited for */
	uint64_t gap;           /* ... this many ticks apart */
	int requests;           /* requests per connection */
	uint64_t think;         /* ticks between a reply and the next request */
	char send[CLIENT_SEND_MAX];     /* the request */
	int send_len;
	int line;               /* of the #clients directive */
};

/* A #service line: a remote service outside the machine that the
 * program reaches with connect(port) and that answers each request
 * after a latency (see service.h). */
#define CONFIG_MAX_SERVICES 8
#define SERVICE_NAME_MAX 24
#define SERVICE_REPLY_MAX 256
_Static_assert(CONFIG_MAX_SERVICES == 8 && SERVICE_NAME_MAX == 24 && SERVICE_REPLY_MAX == 256,
	       "the #service messages name these limits");
struct service {
	char name[SERVICE_NAME_MAX];
	int port;               /* connect(port) reaches it */
	uint64_t latency;       /* ticks from a request written to its answer */
	char reply[SERVICE_REPLY_MAX];  /* what it answers to every request */
	int reply_len;
	int line;               /* of the #service directive */
};

/* #workers N: the worker threads of the coroutine runtime (runtime.h). */
#define CONFIG_MAX_WORKERS 64

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
	struct client_group groups[CONFIG_MAX_CLIENT_GROUPS];   /* the network's clients */
	int ngroups;
	struct service services[CONFIG_MAX_SERVICES];   /* the remote services */
	int nservices;
	int workers;            /* the runtime's worker threads (0: one per core) */
};

/* The settings a scenario gets when it says nothing. */
void config_default(struct machine_config *c);

#endif
