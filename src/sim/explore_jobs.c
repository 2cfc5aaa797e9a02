/* explore_jobs: the search on several host threads (explore_options.jobs).
 *
 * The workers build the graph of states: each takes a state with its
 * machine, takes its choices exactly as the one-job search's loop does
 * (next_choice: the same choices in the same order, the same sleep
 * sets, the same bounds), and records each step: to a state, to the end
 * of a run, or past the limit on threads, with the choices cut by a
 * bound before it.  What a state's steps are is a function of its key
 * alone (without a bound on preemptions, who ran last is not kept, so it
 * does not order the choices either), so the graph is the same whoever
 * builds which part of it.
 *
 * The states a worker is the first to reach it keeps, machine and all,
 * on its own stack, in the order of the choices that reached them, and
 * a worker with none left takes the oldest of another's.  A state the
 * search over the graph (below) waits for is taken out of turn by the
 * worker that keeps it, so that the search is not left far behind.
 * The table of states is made once, for what the build keeps at three
 * quarters full, and a worker claims a slot in it with one
 * compare-and-swap: no lock, and no waiting for a table to grow.  Pages
 * are shared between machines copy-on-write with counts kept atomically,
 * so a machine may move between workers.
 *
 * The one-job search runs over the recorded graph without running a
 * machine, on the caller's thread, which is also the first worker: it
 * follows the build between two expansions as far as the states
 * expanded take it, and finishes when the build does.  It numbers the
 * states in the order it reaches them, and counts, cuts, cycles,
 * outcomes, steps told and the shortest failing schedule come out as
 * one job gives them, byte for byte.  Where it stops (--max-states),
 * the build stops too.
 *
 * Where the graph might not be what one job would see, or might not
 * hold what one job would reach, the one-job search does it all again
 * instead: a schedule that took half the instructions a schedule may
 * take (how far it got may depend on the path to a state), a program
 * that reads the clock (the ticks a state's hash leaves out), more
 * states than the build keeps (half as many again as max_states) unless
 * the search over the graph never needs the missing ones, a schedule
 * deeper than a search holds machines for, too many machines kept. */
#include "config.h"

#include "explore_int.h"

#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif
#include <pthread.h>
#include <string.h>

#include "../lang/ast.h"
#include "core.h"
#include "pool.h"

/* What a recorded step did. */
enum { GE_NODE, GE_END, GE_THREADS, GE_TAIL };

struct graph_edge {
	uint32_t to;            /* the node (GE_NODE) or the end (GE_END) */
	int32_t tid;            /* the choice */
	uint8_t kind;
	uint8_t cut_bound, cut_early;   /* choices cut before it (GE_TAIL: after
					 * the node's last step) */
};

#define CHUNK_BITS 14
#define CHUNK (1u << CHUNK_BITS)
#define ID_BITS 27                              /* a slot: a node's id + 1 */
#define MAX_SLOTS (1u << ID_BITS)               /* a table of 512 MB at most */
#define CHUNKS (MAX_SLOTS / CHUNK)              /* room for every id */
#define EDGE_BLOCK 65536
#define MAX_KEPT (16 * EXPLORE_MAX_HELD)        /* machines one worker keeps */
#define NODE_BATCH 256                          /* ids a worker takes at a time */

struct gnode {
	struct node_key key;
	const struct graph_edge *e;     /* its steps, once expanded */
	uint32_t ne;
	uint32_t at;                    /* where it waits to be expanded: its
					 * item's index << 8 | the worker (NONE:
					 * not known) */
};

/* A state to expand: its node, its machine, what was printed on the way. */
struct item {
	uint32_t id;
	struct machine *m;
	char *out;
	size_t outlen;
	uint64_t outhash;
	int cur, pre, early;
	struct sleep sleep;
};

struct worker {
	_Alignas(64) struct graph *g;
	pthread_t thread;
	pthread_mutex_t lock;   /* items */
	struct item *items;     /* [head, n): the oldest first */
	size_t head, n, cap;
	struct buf out, why;
	struct graph_edge *edges;       /* the node being expanded */
	struct item *fresh;             /* and the states it is the first to reach */
	size_t nfresh, cap_fresh;
	size_t cap_edges;
	struct graph_edge *arena;       /* where the nodes' steps are kept */
	size_t arena_left;
	struct graph_edge **blocks;
	size_t nblocks, cap_blocks;
	uint32_t id, id_end;            /* its batch of ids: the next one, the end */
	struct replay *rp;              /* the search over the graph, which the
					 * first worker follows the build with */
};

struct graph {
	const struct search *s;
	uint32_t *slot;                 /* the table, open addressing: the key's tag
					 * above ID_BITS, its node's id + 1 below, 0
					 * empty; a slot once set stays */
	size_t size;
	struct gnode **chunk;           /* the nodes by id, CHUNK to a chunk; a
					 * node's key is written once, before its
					 * slot is set */
	pthread_mutex_t chunk_lock;     /* making a chunk */
	uint32_t cap;                   /* nodes the build keeps */
	int jobs;
	struct worker *w;
	pthread_mutex_t lock;           /* ends, done; idle workers wait on wake */
	pthread_cond_t wake;
	int done;                       /* every item expanded */
	struct explore_outcome *ends;   /* ends of runs, told apart as outcomes are */
	uint64_t *end_hash;
	size_t nends, cap_ends, cap_end_hash;
	/* atomics, each on a line of its own: read often, written seldom */
	_Alignas(64) int stop;          /* STOP_ below */
	_Alignas(64) int idle;          /* workers waiting */
	_Alignas(64) uint32_t next_id;  /* the first id no worker has taken */
	_Alignas(64) uint32_t want;     /* the node the search over the graph
					 * waits for, in another's items (NONE) */
};

/* Why the build stopped: the table is full, one job must search, the
 * user interrupted it, or the search over the graph needs no more. */
enum { STOP_NONE, STOP_FULL, STOP_ONE_JOB, STOP_INTERRUPTED, STOP_SEARCHED };

static int load(const int *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static int add(int *p, int v) { return __atomic_add_fetch(p, v, __ATOMIC_SEQ_CST); }

/* Stop the build for reason why (the first reason given stays). */
static void stop_build(struct graph *g, int why)
{
	int none = STOP_NONE;
	__atomic_compare_exchange_n(&g->stop, &none, why, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	pthread_mutex_lock(&g->lock);
	pthread_cond_broadcast(&g->wake);
	pthread_mutex_unlock(&g->lock);
}

static struct gnode *gnode(const struct graph *g, uint32_t id)
{
	return &g->chunk[id >> CHUNK_BITS][id & (CHUNK - 1)];
}

/* The id w gives its next new node; NONE when the build keeps no more.
 * Ids are taken NODE_BATCH at a time, and the chunk they fall in is
 * made by the first worker to need it. */
static uint32_t next_id(struct worker *w)
{
	struct graph *g = w->g;
	if (w->id == w->id_end) {
		uint32_t id = __atomic_fetch_add(&g->next_id, NODE_BATCH, __ATOMIC_RELAXED);
		if (id >= g->cap)
			return NONE;
		struct gnode **c = &g->chunk[id >> CHUNK_BITS];
		if (!__atomic_load_n(c, __ATOMIC_ACQUIRE)) {
			pthread_mutex_lock(&g->chunk_lock);
			if (!*c)
				__atomic_store_n(c, xmalloc(CHUNK * sizeof **c), __ATOMIC_RELEASE);
			pthread_mutex_unlock(&g->chunk_lock);
		}
		w->id = id;
		w->id_end = id + NODE_BATCH;
	}
	return w->id;
}

/* The node of key k, made by w when missing (*fresh set then); NONE
 * when the build keeps no more.  No lock: a new node's key is written
 * first, then its slot is claimed, and a worker that loses a slot to
 * another looks at what the other put there. */
static uint32_t graph_node(struct worker *w, const struct node_key *k, int *fresh)
{
	struct graph *g = w->g;
	uint32_t tag = (uint32_t)(k->h[1] >> (64 - (32 - ID_BITS))) << ID_BITS;
	uint32_t ids = (1u << ID_BITS) - 1;
	*fresh = 0;
	for (size_t j = key_slot(k, g->size);; j = (j + 1) & (g->size - 1)) {
		uint32_t v = __atomic_load_n(&g->slot[j], __ATOMIC_ACQUIRE);
		if (!v) {
			uint32_t id = next_id(w);
			if (id == NONE)
				return NONE;
			gnode(g, id)->key = *k;
			gnode(g, id)->e = NULL;
			gnode(g, id)->at = NONE;
			if (__atomic_compare_exchange_n(&g->slot[j], &v, tag | (id + 1), 0,
							__ATOMIC_RELEASE, __ATOMIC_ACQUIRE)) {
				w->id++;
				*fresh = 1;
				return id;
			}
		}
		/* v: what another worker put there */
		if ((v & ~ids) == tag && key_same(&gnode(g, (v & ids) - 1)->key, k))
			return (v & ids) - 1;
	}
}

/* The end a run that ended in m is, having printed w->out. */
static uint32_t graph_end(struct worker *w, const struct machine *m)
{
	struct graph *g = w->g;
	const struct explore_options *o = g->s->o;
	const char *out = w->out.s ? w->out.s : "";
	uint64_t oh = hash_bytes(0xcbf29ce484222325ull, out, w->out.len);
	w->why.len = 0;
	buf_puts(&w->why, "");
	enum verdict v = o->judge ? o->judge(o->judge_ctx, m, out, w->out.len, &w->why)
				  : VERDICT_OK;
	struct explore_outcome y = { .end = m->end, .exit_status = m->exit_status,
				     .fault = m->fault, .limit = m->limit, .verdict = v,
				     .why = w->why.s, .out = (char *)out, .outlen = w->out.len };
	pthread_mutex_lock(&g->lock);
	size_t i = 0;
	while (i < g->nends && !(g->end_hash[i] == oh && outcome_same(&g->ends[i], &y)))
		i++;
	if (i == g->nends) {
		g->ends = xgrow(g->ends, &g->cap_ends, i + 1, sizeof *g->ends);
		g->end_hash = xgrow(g->end_hash, &g->cap_end_hash, i + 1, sizeof *g->end_hash);
		g->ends[i] = y;
		g->ends[i].why = xstrdup(y.why);
		g->ends[i].out = xmalloc(y.outlen + 1);
		memcpy(g->ends[i].out, out, y.outlen);
		g->ends[i].out[y.outlen] = 0;
		g->end_hash[i] = oh;
		g->nends++;
	}
	pthread_mutex_unlock(&g->lock);
	return (uint32_t)i;
}

/* Child c of node id, with what w->out holds, as an item to expand. */
static struct item item_of(const struct worker *w, uint32_t id, const struct child *c)
{
	struct item it = { .id = id, .m = c->m, .outlen = w->out.len, .outhash = c->outhash,
			   .cur = c->cur, .pre = c->pre, .early = c->early, .sleep = c->sleep };
	if (w->out.len) {               /* most states have printed nothing */
		it.out = xmalloc(w->out.len);
		memcpy(it.out, w->out.s, w->out.len);
	}
	return it;
}

/* Put the n items its on w's stack, the last lowest: w takes them in
 * the order of the choices that made them, the order the search over
 * the graph reaches them in. */
static void keep(struct worker *w, const struct item *its, size_t n)
{
	struct graph *g = w->g;
	if (!n)
		return;
	uint32_t me = (uint32_t)(w - g->w);
	pthread_mutex_lock(&w->lock);
	w->items = xgrow(w->items, &w->cap, w->n + n, sizeof *w->items);
	for (size_t i = n; i-- > 0;) {
		uint32_t at = w->n < (1u << 24) ? (uint32_t)w->n << 8 | me : NONE;
		__atomic_store_n(&gnode(g, its[i].id)->at, at, __ATOMIC_RELAXED);
		w->items[w->n++] = its[i];
	}
	size_t kept = w->n - w->head;
	pthread_mutex_unlock(&w->lock);
	if (kept > MAX_KEPT)
		stop_build(g, STOP_ONE_JOB);
	if (load(&g->idle)) {
		pthread_mutex_lock(&g->lock);
		pthread_cond_signal(&g->wake);
		pthread_mutex_unlock(&g->lock);
	}
}

/* The newest item of w (mine set) or its oldest (for another worker)
 * into *it; 0 when it has none.  A machine taken from another worker
 * is given memory of its own, so that the pages' counts the two touch
 * as they copy and free machines are not the same. */
static int take(struct worker *w, int mine, struct item *it)
{
	int got = 0;
	pthread_mutex_lock(&w->lock);
	while (!got && w->head < w->n) {
		*it = mine ? w->items[--w->n] : w->items[w->head++];
		got = it->m != NULL;            /* not one taken out of turn */
	}
	if (w->head == w->n)
		w->head = w->n = 0;
	pthread_mutex_unlock(&w->lock);
	if (got && !mine)
		machine_unshare(it->m);
	return got;
}

/* Where node id waits among w's items (its index), or SIZE_MAX when w
 * did not keep it. */
static size_t kept_at(const struct worker *w, uint32_t id)
{
	uint32_t at = __atomic_load_n(&gnode(w->g, id)->at, __ATOMIC_RELAXED);
	return at != NONE && (at & 0xff) == (uint32_t)(w - w->g->w) ? at >> 8 : SIZE_MAX;
}

/* The item of node id into *it, out of turn, if it still waits among
 * w's own: the search over the graph waits for it.  Its place is left
 * a hole, which take passes over. */
static int take_node(struct worker *w, uint32_t id, struct item *it)
{
	size_t i = kept_at(w, id);
	if (i == SIZE_MAX)
		return 0;
	int got = 0;
	pthread_mutex_lock(&w->lock);
	if (i >= w->head && i < w->n && w->items[i].m && w->items[i].id == id) {
		*it = w->items[i];
		w->items[i] = (struct item){ .m = NULL };
		got = 1;
		while (w->n > w->head && !w->items[w->n - 1].m)
			w->n--;
		while (w->head < w->n && !w->items[w->head].m)
			w->head++;
		if (w->head == w->n)
			w->head = w->n = 0;
	}
	pthread_mutex_unlock(&w->lock);
	return got;
}

/* Whether some worker has an item waiting (g->lock held). */
static int any_waiting(struct graph *g)
{
	int any = 0;
	for (int i = 0; i < g->jobs && !any; i++) {
		pthread_mutex_lock(&g->w[i].lock);
		any = g->w[i].head < g->w[i].n;
		pthread_mutex_unlock(&g->w[i].lock);
	}
	return any;
}

/* Room for n steps that stay, in w's arena. */
static struct graph_edge *arena_take(struct worker *w, size_t n)
{
	if (n > w->arena_left) {
		size_t size = n > EDGE_BLOCK ? n : EDGE_BLOCK;
		w->blocks = xgrow(w->blocks, &w->cap_blocks, w->nblocks + 1, sizeof *w->blocks);
		w->arena = w->blocks[w->nblocks++] = xmalloc(size * sizeof *w->arena);
		w->arena_left = size;
	}
	struct graph_edge *e = w->arena;
	w->arena += n;
	w->arena_left -= n;
	return e;
}

/* Expand item it: take every choice of its state, record the steps. */
static void expand(struct worker *w, struct item *it)
{
	struct graph *g = w->g;
	const struct search *s = g->s;
	struct frame f;
	frame_init(s, &f, it->m, it->id, it->cur, it->pre, it->early, it->sleep, it->outlen,
		   it->outhash);
	w->out.len = 0;
	if (it->outlen)
		buf_put(&w->out, it->out, it->outlen);
	xfree(it->out);
	size_t ne = 0;
	int cut_bound = 0, cut_early = 0, whole = 1;
	while (f.next < f.nexp) {
		if (load(&g->stop)) {
			whole = 0;
			break;
		}
		struct child c;
		enum choice ch = next_choice(s, &f, &w->out, &c);
		if (ch != CH_STEP) {
			cut_bound += ch == CH_CUT_BOUND;
			cut_early += ch == CH_CUT_EARLY;
			continue;
		}
		w->edges = xgrow(w->edges, &w->cap_edges, ne + 2, sizeof *w->edges);
		struct graph_edge *e = &w->edges[ne++];
		*e = (struct graph_edge){ .tid = c.tid, .cut_bound = (uint8_t)cut_bound,
					  .cut_early = (uint8_t)cut_early };
		cut_bound = cut_early = 0;
		if (c.m->nthreads > EXPLORE_MAX_THREADS) {
			e->kind = GE_THREADS;   /* the search stops there */
			machine_free(c.m);
			break;
		}
		/* how many instructions a state took depends on the path to
		 * it: near the limit, another path might reach it */
		if ((c.m->lim.max_steps && c.m->insns > c.m->lim.max_steps / 2) ||
		    (c.m->state == RUN_ENDED && c.m->end == END_LIMIT))
			stop_build(g, STOP_ONE_JOB);
		if (c.m->state == RUN_ENDED) {
			e->kind = GE_END;
			e->to = graph_end(w, c.m);
			machine_free(c.m);
			continue;
		}
		struct node_key k;
		int fresh;
		child_key(s, &c, &k);
		e->kind = GE_NODE;
		e->to = graph_node(w, &k, &fresh);
		if (e->to == NONE) {
			stop_build(g, STOP_FULL);
			machine_free(c.m);
			whole = 0;
			break;
		}
		if (!fresh) {
			machine_free(c.m);
			continue;
		}
		w->fresh = xgrow(w->fresh, &w->cap_fresh, w->nfresh + 1, sizeof *w->fresh);
		w->fresh[w->nfresh++] = item_of(w, e->to, &c);
	}
	if (f.m)
		machine_free(f.m);
	xfree(f.ops);
	keep(w, w->fresh, w->nfresh);
	w->nfresh = 0;
	if (!whole)
		return;
	if (cut_bound || cut_early) {   /* even with no step taken */
		w->edges = xgrow(w->edges, &w->cap_edges, ne + 1, sizeof *w->edges);
		w->edges[ne++] = (struct graph_edge){ .kind = GE_TAIL, .cut_bound = (uint8_t)cut_bound,
						      .cut_early = (uint8_t)cut_early };
	}
	struct gnode *n = gnode(g, it->id);
	struct graph_edge *e = arena_take(w, ne ? ne : 1);
	if (ne)
		memcpy(e, w->edges, ne * sizeof *e);
	n->ne = (uint32_t)ne;
	__atomic_store_n(&n->e, e, __ATOMIC_RELEASE);   /* the search may follow it now */
}

/* The search's numbers for the graph's nodes (NONE: not reached), laid
 * out as the nodes are but a tenth of their size, so that the search's
 * look-ups stay in the cache more often; chunks made as needed. */
struct seqmap {
	uint32_t *chunk[CHUNKS];
};

static uint32_t *seq_of(struct seqmap *q, uint32_t id)
{
	uint32_t **c = &q->chunk[id >> CHUNK_BITS];
	if (!*c) {
		*c = xmalloc(CHUNK * sizeof **c);
		memset(*c, 0xff, CHUNK * sizeof **c);
	}
	return &(*c)[id & (CHUNK - 1)];
}

/* The one-job search over the graph, as far as the graph is built. */
struct replay {
	struct search t;        /* the search; its node 0 is the root */
	struct explore_result res;
	struct seqmap *q;
	uint32_t *endmap;       /* the outcome of each end (NONE: none yet) */
	size_t cap_endmap;
	uint32_t at, seq;       /* a graph node to push as the search's state
				 * seq, once expanded (NONE: none) */
	int state;
};

enum { REPLAY_ON, REPLAY_DONE, REPLAY_ONE_JOB };

static void replay_init(struct replay *rp, struct search *s, uint32_t root)
{
	*rp = (struct replay){ .res = { .failed = -1 }, .at = root, .seq = 0 };
	rp->t = (struct search){ .img = s->img, .cfg = s->cfg, .lim = s->lim, .o = s->o,
				 .res = &rp->res, .bounded = s->bounded };
	rp->q = xcalloc(1, sizeof *rp->q);
	rp->t.out = s->out;             /* the search takes them, and gives them back */
	rp->t.why = s->why;
	s->out = s->why = (struct buf){ 0 };
	node_new(&rp->t, NULL);         /* the graph's table is the one */
	*seq_of(rp->q, root) = 0;
}

static void replay_free(struct replay *rp)
{
	for (uint32_t c = 0; c < CHUNKS; c++)
		xfree(rp->q->chunk[c]);
	xfree(rp->q);
	xfree(rp->endmap);
}

/* The search's outcome for end i of the graph. */
static uint32_t replay_end(struct replay *rp, struct graph *g, uint32_t i)
{
	if (i >= rp->cap_endmap) {
		size_t had = rp->cap_endmap;
		rp->endmap = xgrow(rp->endmap, &rp->cap_endmap, i + 1, sizeof *rp->endmap);
		memset(rp->endmap + had, 0xff, (rp->cap_endmap - had) * sizeof *rp->endmap);
	}
	if (rp->endmap[i] == NONE) {
		pthread_mutex_lock(&g->lock);   /* the ends may be growing */
		rp->endmap[i] = outcome_add(&rp->t, &g->ends[i], g->end_hash[i]);
		pthread_mutex_unlock(&g->lock);
	}
	return rp->endmap[i];
}

/* Go on with the search over the graph g from where it stopped, as far
 * as the nodes expanded take it.  It waits at a node not expanded yet
 * (REPLAY_ON), or finds it will never be when the build is over (built
 * set): one job must search then. */
static int replay_run(struct replay *rp, struct graph *g, int built)
{
	struct search *t = &rp->t;
	struct explore_result *r = t->res;
	for (;;) {
		if (rp->at != NONE) {           /* push node at as state seq */
			const struct gnode *n = gnode(g, rp->at);
			const struct graph_edge *ge = __atomic_load_n(&n->e, __ATOMIC_ACQUIRE);
			if (!ge)
				return rp->state = built ? REPLAY_ONE_JOB : REPLAY_ON;
			struct frame *f = push_frame(t);
			*f = (struct frame){ .node = rp->seq, .ge = ge, .nexp = (int)n->ne,
					     .fail_len = NONE, .fail_child = NONE };
			t->depth++;
			rp->at = NONE;
		}
		if (!t->depth)
			break;
		struct frame *f = &t->stack[t->depth - 1];
		if (f->next == f->nexp) {
			pop(t);
			continue;
		}
		if (t->o->interrupted && *t->o->interrupted) {
			r->stop = EXPLORE_INTERRUPTED;
			break;
		}
		const struct graph_edge *e = &f->ge[f->next++];
		r->cut_by_bound += e->cut_bound;
		r->cut_by_early += e->cut_early;
		if (e->kind == GE_TAIL)
			continue;
		r->steps++;
		if (e->kind == GE_THREADS) {
			r->stop = EXPLORE_THREADS;
			break;
		}
		if (e->kind == GE_END) {
			arrive_end(t, f, e->tid, replay_end(rp, g, e->to));
			continue;
		}
		uint32_t *sq = seq_of(rp->q, e->to);
		int fresh = *sq == NONE;
		if (fresh)
			*sq = node_new(t, NULL);
		enum arrival a = arrive_node(t, f, e->tid, *sq, fresh);
		if (a == ARRIVE_STOP)
			break;
		if (a == ARRIVE_PUSH) {
			if (t->depth >= EXPLORE_MAX_HELD)       /* one job might hold too many */
				return rp->state = REPLAY_ONE_JOB;
			rp->at = e->to;
			rp->seq = *sq;
		}
	}
	return rp->state = REPLAY_DONE;
}

/* A worker: expand its own items, newest first, then another's oldest,
 * until every item is done or the build stops. */
static void *work(void *arg)
{
	struct worker *w = arg;
	struct graph *g = w->g;
	const volatile sig_atomic_t *intr = g->s->o->interrupted;
	int me = (int)(w - g->w);
	for (;;) {
		if (intr && *intr)
			stop_build(g, STOP_INTERRUPTED);
		if (load(&g->stop))
			break;
		struct item it;
		int got = 0;
		if (w->rp && w->rp->state == REPLAY_ON) {
			int st = replay_run(w->rp, g, 0);
			if (st != REPLAY_ON)
				stop_build(g, st == REPLAY_DONE ? STOP_SEARCHED : STOP_ONE_JOB);
			else if (!(got = take_node(w, w->rp->at, &it)) &&
				 __atomic_load_n(&g->want, __ATOMIC_RELAXED) != w->rp->at)
				__atomic_store_n(&g->want, w->rp->at, __ATOMIC_RELEASE);
		} else {
			/* the node the search waits for, if it is one of mine */
			uint32_t want = __atomic_load_n(&g->want, __ATOMIC_ACQUIRE);
			if (want != NONE && kept_at(w, want) != SIZE_MAX) {
				got = take_node(w, want, &it);
				__atomic_compare_exchange_n(&g->want, &want, NONE, 0, __ATOMIC_RELAXED,
							    __ATOMIC_RELAXED);
			}
		}
		if (!got)
			got = take(w, 1, &it);
		for (int i = 1; i < g->jobs && !got; i++)
			got = take(&g->w[(me + i) % g->jobs], 0, &it);
		if (got) {
			expand(w, &it);
			continue;
		}
		/* nothing to take: wait for an item, or be the last to stop */
		pthread_mutex_lock(&g->lock);
		add(&g->idle, 1);
		while (!g->done && !load(&g->stop) && !any_waiting(g)) {
			if (load(&g->idle) == g->jobs) {
				g->done = 1;
				pthread_cond_broadcast(&g->wake);
				break;
			}
			pthread_cond_wait(&g->wake, &g->lock);
		}
		add(&g->idle, -1);
		int done = g->done;
		pthread_mutex_unlock(&g->lock);
		if (done)
			break;
	}
	pool_flush();
	return NULL;
}

/* Whether the program reads the clock. */
static int reads_clock(const struct image *img)
{
	for (size_t i = 0; i < img->ncode; i++)
		if (img->code[i].op == OP_SYS && img->code[i].imm == BI_TICKS)
			return 1;
	return 0;
}

int graph_edge_tid(const struct graph_edge *ge, uint32_t i)
{
	return ge[i].tid;
}

/* Free what the build made. */
static void graph_free(struct graph *g)
{
	for (int i = 0; i < g->jobs; i++) {
		struct worker *w = &g->w[i];
		for (size_t j = w->head; j < w->n; j++) {
			machine_free(w->items[j].m);
			xfree(w->items[j].out);
		}
		xfree(w->items);
		for (size_t j = 0; j < w->nblocks; j++)
			xfree(w->blocks[j]);
		xfree(w->blocks);
		xfree(w->edges);
		xfree(w->fresh);
		buf_free(&w->out);
		buf_free(&w->why);
		pthread_mutex_destroy(&w->lock);
	}
	xfree(g->w);
	for (uint32_t c = 0; c < CHUNKS; c++)
		xfree(g->chunk[c]);
	xfree(g->chunk);
	xfree(g->slot);
	pthread_mutex_destroy(&g->chunk_lock);
	for (size_t i = 0; i < g->nends; i++) {
		xfree(g->ends[i].why);
		xfree(g->ends[i].out);
	}
	xfree(g->ends);
	xfree(g->end_hash);
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->wake);
}

int search_jobs(struct search *s, const struct machine *m, uint64_t outhash)
{
	if (reads_clock(s->img))
		return -1;
#if defined(HAVE_MALLOPT) && defined(M_TRIM_THRESHOLD)
	/* the workers free as much as they take: giving it back to the
	 * system each time costs the other cores a flush of their TLB */
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
	/* the table is made once, for all the nodes the build keeps at
	 * three quarters full, so that no worker ever waits for another to
	 * grow it; most searches end well below that, and a small table is
	 * one the caches hold more of */
	uint64_t cap = s->o->max_states + s->o->max_states / 2 + 1;
	size_t size = 1024;
	while (3 * size < 4 * (cap + NODE_BATCH) && size < MAX_SLOTS)
		size *= 2;
	if (4 * (cap + NODE_BATCH) > 3 * size)
		cap = size / 4 * 3 - NODE_BATCH;
	struct graph *g = xcalloc(1, sizeof *g);
	g->s = s;
	g->cap = (uint32_t)cap;
	g->size = size;
	g->want = NONE;
	/* the table's pages are written before there are threads (a page
	 * first mapped as the kernel's zero page, read by a look-up, costs a
	 * flush of the other workers' TLBs when a worker first writes to it),
	 * on large pages where the host gives them: a fault every 2 MiB */
	g->slot = xcalloc_large(size * sizeof *g->slot);
	g->chunk = xcalloc(CHUNKS, sizeof *g->chunk);
	pthread_mutex_init(&g->chunk_lock, NULL);
	g->jobs = s->o->jobs < EXPLORE_MAX_JOBS ? s->o->jobs : EXPLORE_MAX_JOBS;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->wake, NULL);
	g->w = xcalloc((size_t)g->jobs, sizeof *g->w);
	for (int i = 0; i < g->jobs; i++) {
		g->w[i].g = g;
		pthread_mutex_init(&g->w[i].lock, NULL);
	}
	/* the root, as the search made it: node 0 */
	struct node_key rk = s->keys[0];
	struct worker *w0 = &g->w[0];
	int fresh, started = 0;
	uint32_t root = graph_node(w0, &rk, &fresh);
	struct machine *rm = machine_clone(m);
	machine_unshare(rm);
	buf_put(&w0->out, s->out.s ? s->out.s : "", s->out.len);
	struct item it = item_of(w0, root, &(struct child){ .m = rm, .outhash = outhash });
	keep(w0, &it, 1);
	/* this thread is the first worker, and follows the build with the
	 * search over the graph */
	struct replay rp;
	replay_init(&rp, s, root);
	w0->rp = &rp;
	for (int i = 1; i < g->jobs; i++) {
		if (pthread_create(&g->w[i].thread, NULL, work, &g->w[i]) != 0) {
			stop_build(g, STOP_ONE_JOB);
			break;
		}
		started++;
	}
	work(w0);
	for (int i = 1; i <= started; i++)
		pthread_join(g->w[i].thread, NULL);
	int why = load(&g->stop), rc = -1;
	if (why == STOP_INTERRUPTED) {
		s->res->stop = EXPLORE_INTERRUPTED;
		rc = 0;
	} else if (why != STOP_ONE_JOB) {
		if (rp.state == REPLAY_ON)
			replay_run(&rp, g, 1);
		rc = rp.state == REPLAY_DONE ? 0 : -1;
	}
	struct search *t = &rp.t;
	if (rc == 0 && why != STOP_INTERRUPTED) {       /* the search is the graph's */
		while (t->depth)
			pop(t);
		xfree(s->nodes);
		xfree(s->keys);
		xfree(s->table);
		t->res = s->res;
		*s = *t;
		*s->res = rp.res;
	} else {
		s->out = t->out;
		s->why = t->why;
		t->out = t->why = (struct buf){ 0 };
		search_free(t);
		explore_result_free(&rp.res);
	}
	replay_free(&rp);
	graph_free(g);
	xfree(g);
	return rc;
}
