/* explore_int: the search's own types and steps, shared by the one-job
 * search (explore.c) and the search on several host threads
 * (explore_jobs.c).  Not an interface: see explore.h for that. */
#ifndef THREADLAB_EXPLORE_INT_H
#define THREADLAB_EXPLORE_INT_H

#include "explore.h"

struct op;
struct graph_edge;

#define NONE UINT32_MAX

/* A choice is a thread id (from 1), or a delivery of the network: the
 * schedule's run for it, below 0 (see sched_delivery). */
static inline int is_delivery(int id) { return id < 0; }

/* A sleep set: threads (bit tid - 1), and deliveries (bit 2 * client +
 * split, clients from 0). */
struct sleep { uint64_t t, d; };

/* The key of a state in the table: the machine and the output so far,
 * the sleep set it was reached with, and the bounds' view (who runs,
 * preemptions used, and early deliveries made, times 2^20). */
struct node_key {
	uint64_t h[2];
	struct sleep sleep;
	int32_t cur, pre;
};

/* A state, with what was learnt below it (its key, when the search
 * keeps a table, is beside it: search.keys). */
struct seen {
	uint32_t vec, nvec;     /* outcome counts, in the pool (settled nodes) */
	uint32_t fail_len;      /* steps to the nearest failing end, or NONE */
	uint32_t fail_child;    /* the node that step leads to (NONE: an end) */
	int32_t fail_tid;       /* the thread taking that step */
	uint8_t settled;        /* 0 while its frame is on the stack */
};

struct count {
	uint32_t id;            /* outcome */
	uint64_t n;
};

/* A state being searched: the machine, its choices, what came back. */
struct frame {
	struct machine *m;      /* until its last choice takes it (NULL then) */
	uint32_t node;
	int cur, pre, early;    /* who ran last, preemptions and early deliveries so far */
	struct sleep sleep;
	int nthr;               /* threads that can take a step */
	int live;               /* processes alive */
	int nen, nexp, next;
	int *en;                /* the choices: threads that can take a step,
				 * deliveries the network can make; the first
				 * nexp are taken, the others wait (see
				 * defer_deliveries) and only keep their place
				 * in sleep sets */
	struct op *ops;         /* and what that step is */
	const struct graph_edge *ge;    /* replaying a graph (see explore_jobs.c):
					 * the node's steps, en and ops unused */
	struct count *acc;      /* outcome counts of the schedules below */
	size_t nacc, cap_acc;
	uint32_t fail_len, fail_child;
	int fail_tid;
	size_t outlen;          /* the output's length here */
	uint64_t outhash;
};

struct search {
	const struct image *img;
	const struct machine_config *cfg;
	const struct limits *lim;
	const struct explore_options *o;
	struct explore_result *res;
	int bounded;

	struct seen *nodes;
	size_t nnodes, cap_nodes;
	struct node_key *keys;  /* the nodes' keys, for the table */
	size_t cap_keys;
	uint32_t *table;        /* open addressing: node index + 1, 0 empty */
	size_t table_size;
	struct count *pool;
	size_t npool, cap_pool;

	struct frame *stack;
	size_t depth, cap_stack;
	size_t held;            /* frames holding a machine */

	struct buf out;         /* what the path printed so far */
	struct buf why;         /* scratch for the judge */
	uint64_t *outcome_hash; /* per outcome: its output's hash */
	int **opath;            /* per outcome: the first path to it */
	uint32_t *oplen;
	size_t cap_outcomes;
	int *path;              /* scratch: a path of thread ids */
	size_t cap_path;
};


/* Where a choice of a frame led (see next_choice). */
enum choice { CH_ASLEEP, CH_CUT_BOUND, CH_CUT_EARLY, CH_STEP };

struct child {
	struct machine *m;      /* the machine after the step */
	int tid;                /* the choice */
	int took;               /* m is the frame's own: its last choice */
	int cur, pre, early;    /* the frame's view below */
	struct sleep sleep;     /* the sleep set it is reached with */
	uint64_t outhash;       /* of the output so far */
};

/* What a step to a state tells the search (see arrive_node). */
enum arrival { ARRIVE_DONE, ARRIVE_PUSH, ARRIVE_STOP };

uint64_t hash_bytes(uint64_t h, const void *p, size_t n);
size_t key_slot(const struct node_key *k, size_t size);
int key_same(const struct node_key *a, const struct node_key *b);
void frame_init(const struct search *s, struct frame *f, struct machine *m, uint32_t node,
		int cur, int pre, int early, struct sleep sleep, size_t outlen, uint64_t outhash);
enum choice next_choice(const struct search *s, struct frame *f, struct buf *out,
			struct child *c);
void child_key(const struct search *s, const struct child *c, struct node_key *k);
uint32_t node_new(struct search *s, const struct node_key *k);
void arrive_end(struct search *s, struct frame *f, int tid, uint32_t id);
enum arrival arrive_node(struct search *s, struct frame *f, int tid, uint32_t node, int fresh);
struct frame *push_frame(struct search *s);
void pop(struct search *s);
int outcome_same(const struct explore_outcome *x, const struct explore_outcome *y);
uint32_t outcome_add(struct search *s, const struct explore_outcome *y, uint64_t oh);
void search_free(struct search *s);

/* Run the steps path[0..n) from the start: 1, with a hash of how it
 * ended in h (the end, the verdict and its words, the output: what
 * tells outcomes apart) and the runs of its schedule in *runs, when each
 * is a step of a thread that can take it and the run ends with the
 * last; 0 otherwise. */
int path_end(struct search *s, const int *path, size_t n, uint64_t h[2], size_t *runs);
/* Rewrite the failing path[0..n) with fewer switches between threads,
 * where runs of one thread moved together end the same way; 1 when it
 * did (see explore_switches.c). */
int fewer_switches(struct search *s, int *path, size_t n);

/* Search with o->jobs host threads from the start m (not taken), the
 * root node 0 of s: 0 with s as the one-job search would leave it, -1
 * when the one-job search must do it (s untouched then). */
int search_jobs(struct search *s, const struct machine *m, uint64_t outhash);
/* The choice of step i of a graph node's steps ge. */
int graph_edge_tid(const struct graph_edge *ge, uint32_t i);

#endif
