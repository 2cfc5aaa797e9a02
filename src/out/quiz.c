/* quiz: the moments of a run worth predicting, asked as questions and
 * graded.  A first run collects candidates (a few thousand of each kind
 * at most, thinned evenly as it goes); a handful is picked, the most
 * instructive kinds first and spread over the run; a second run, the
 * same tick for tick, words each one from the machine as it stands
 * before the step that answers it, and the answer and its why from
 * that step's events. */
#include "quiz.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../i18n.h"
#include "../sim/epoll_layout.h"
#include "disasm.h"
#include "explain.h"
#include "trace.h"

/* The words the screen shows (the question, the answer's why, the form
 * of an answer) in the reader's language when the screen asked for it,
 * as explain's sentences are; --questions and --answers stay English. */
#define Q_(s) (explain_translating() ? gettext(s) : (s))
#define QN_(s, p, n) (explain_translating() ? ngettext(s, p, (unsigned long)(n)) : \
		      (n) == 1 ? (s) : (p))

const struct quiz_kind_info quiz_kinds[QK_COUNT] = {
#define X(id, name, form) { name, form },
	QUIZ_KINDS(X)
#undef X
};

/* How instructive a candidate is: the lower, the sooner picked. */
enum rank {
	RANK_LOST,      /* a store that overwrites another thread's update */
	RANK_RACY,      /* a load of a word two threads race on */
	RANK_HANDOFF,   /* a mutex handed to one of several waiters; epoll */
	RANK_WAIT,      /* a call that blocks; a handoff to the one waiter */
	RANK_SWITCH,    /* a context switch; a call that does not block; a
			 * racy store that loses nothing */
	RANK_PLAIN,     /* a load or store of a shared global, not racy */
	RANK_COUNT
};

/* The share of the questions each rank gets, before the ranks that have
 * too few candidates hand theirs on. */
static const unsigned rank_weight[RANK_COUNT] = { 4, 3, 2, 2, 1, 1 };

#define POOL_CAP  4096          /* candidates kept of each kind */
#define STEP_CAP  64            /* candidates found in one step */

/* A moment that could be asked about, as the first run saw it. */
struct cand {
	uint64_t tick;          /* the step it happens in starts here */
	uint64_t addr;          /* LOAD, STORE: the word; HANDOFF: the mutex; EPOLL: ep */
	int kind, tid, core, pid;
	int flag;               /* STORE: lost an update; BLOCK: it blocked;
				 * HANDOFF: waiters; SWITCH: the reason */
	int ok;                 /* HANDOFF: a waiter took the mutex */
};

/* Candidates of one kind, in tick order: one of every stride found. */
struct pool {
	struct cand *c;
	size_t n;
	uint64_t stride, seen;
};

/* The last store to a shared word, and whether threads race on it. */
struct word {
	uint64_t addr;
	int pid;                /* 0: a free slot */
	int tid, line, racy;
	uint64_t tick;          /* of its last store (UINT64_MAX: none yet) */
	int64_t val;
};

/* A thread's last load of a shared word. */
struct last_load {
	uint64_t addr, tick;
	int pid;
	int64_t val;
};

/* What a run is watched with, in both passes. */
struct watch {
	const struct scenario *sc;
	struct machine *m;
	uint64_t step_tick;             /* the tick the step started at */
	struct word *words;             /* open addressing, by (pid, addr) */
	size_t nwords, cap_words;
	struct last_load *loads;        /* by thread id - 1 */
	size_t cap_loads;

	int collect;                    /* the first pass */
	struct pool pools[QK_COUNT];
	struct cand step[STEP_CAP];     /* found in this step */
	int nstep;

	struct quiz_question *ask;      /* the second pass: the question of this step */
	int answered;
	int handed;                     /* HANDOFF: the unlock was seen */
	int wait;                       /* BLOCK: what the call would wait in */
	struct buf first;               /* BLOCK: the first sentence about the thread */
};

/* The slot of (pid, addr), or NULL when there is none and add is 0. */
static struct word *word_get(struct watch *w, int pid, uint64_t addr, int add)
{
	if (add && (w->nwords + 1) * 2 > w->cap_words) {
		size_t cap = w->cap_words ? w->cap_words * 2 : 256;
		struct word *old = w->words;
		size_t oldcap = w->cap_words;
		w->words = xcalloc(cap, sizeof *w->words);
		w->cap_words = cap;
		w->nwords = 0;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i].pid) {
				struct word *n = word_get(w, old[i].pid, old[i].addr, 1);
				*n = old[i];
			}
		xfree(old);
	}
	if (!w->cap_words)
		return NULL;
	size_t mask = w->cap_words - 1;
	size_t i = (size_t)(((addr >> 3) ^ ((uint64_t)pid << 40)) * 0x9e3779b97f4a7c15ull >> 17) & mask;
	for (;; i = (i + 1) & mask) {
		struct word *s = &w->words[i];
		if (s->pid == pid && s->addr == addr)
			return s;
		if (!s->pid) {
			if (!add)
				return NULL;
			*s = (struct word){ .addr = addr, .pid = pid, .tick = UINT64_MAX };
			w->nwords++;
			return s;
		}
	}
}

/* The last load of thread tid (grown on demand). */
static struct last_load *load_of(struct watch *w, int tid)
{
	if ((size_t)tid > w->cap_loads) {
		size_t old = w->cap_loads;
		w->loads = xgrow(w->loads, &w->cap_loads, (size_t)tid, sizeof *w->loads);
		memset(w->loads + old, 0, (w->cap_loads - old) * sizeof *w->loads);
	}
	return &w->loads[tid - 1];
}

/* Whether e is a load or store of a word threads may share: a global of
 * the data segment (not a thread_local), or a word a race was found on. */
static int shared_access(struct watch *w, const struct event *e, uint64_t addr)
{
	if (!e->insn || (e->insn->op != OP_LD && e->insn->op != OP_ST) || !e->tid)
		return 0;
	if (e->insn->rs == REG_TP)
		return 0;
	if (addr >= DATA_BASE && addr < DATA_BASE + SEGMENT_MAX)
		return 1;
	struct word *s = word_get(w, e->pid, addr, 0);
	return s && s->racy;
}

/* Keep the last store to each shared word and each thread's last load. */
static void track(struct watch *w, const struct event *e)
{
	if (e->kind == EV_RACE && e->pid) {
		word_get(w, e->pid, e->addr, 1)->racy = 1;
		return;
	}
	if (e->kind != EV_EXEC || !e->insn)
		return;
	if (e->insn->op == OP_LD && shared_access(w, e, e->raddr)) {
		*load_of(w, e->tid) = (struct last_load){ e->raddr, e->tick, e->pid, e->rval };
	} else if (e->insn->op == OP_ST && shared_access(w, e, e->waddr)) {
		struct word *s = word_get(w, e->pid, e->waddr, 1);
		s->tid = e->tid;
		s->tick = e->tick;
		s->val = e->wval;
		s->line = e->line;
	}
}

/* Whether the store e overwrites another thread's store made since e's
 * thread last loaded the word. */
static int loses_update(struct watch *w, const struct event *e)
{
	struct word *s = word_get(w, e->pid, e->waddr, 0);
	const struct last_load *l = (size_t)e->tid <= w->cap_loads ? &w->loads[e->tid - 1] : NULL;
	return s && l && l->pid == e->pid && l->addr == e->waddr && s->tick != UINT64_MAX &&
	       s->tid != e->tid && s->tick >= l->tick;
}

/* The builtins a call of which may block, and what they wait in. */
static int blocking_wait(int64_t bi)
{
	switch (bi) {
	case BI_LOCK: return WAIT_MUTEX;
	case BI_SEM_WAIT: return WAIT_SEM;
	case BI_JOIN: return WAIT_JOIN;
	case BI_WAIT: return WAIT_CHILD;
	case BI_ACCEPT: return WAIT_ACCEPT;
	case BI_READ: return WAIT_READ;
	case BI_EPOLL_WAIT: return WAIT_EPOLL;
	default: return WAIT_NONE;
	}
}

/* The threads of process pid blocked on the mutex at addr, in the order
 * they started waiting; returns how many (at most max kept). */
static int mutex_waiters(const struct machine *m, int pid, uint64_t addr, int *ids, int max)
{
	int n = 0;
	for (int i = 0; i < m->nthreads; i++) {
		const struct thread *t = &m->threads[i];
		if (t->state != TS_BLOCKED || t->wait != WAIT_MUTEX || t->wait_on != addr ||
		    t->pid != pid)
			continue;
		if (n < max) {
			int k = n;
			while (k > 0 && m->threads[ids[k - 1] - 1].wait_seq > t->wait_seq) {
				ids[k] = ids[k - 1];
				k--;
			}
			ids[k] = t->id;
		}
		n++;
	}
	return n;
}

/* A candidate of this step, for the first pass (NULL: too many). */
static struct cand *step_add(struct watch *w, int kind, const struct event *e)
{
	if (w->nstep == STEP_CAP)
		return NULL;
	struct cand *c = &w->step[w->nstep++];
	*c = (struct cand){ .tick = w->step_tick, .kind = kind, .tid = e->tid, .core = e->core,
			    .pid = e->pid };
	return c;
}

/* The candidate of this step of kind about thread tid, or NULL. */
static struct cand *step_find(struct watch *w, int kind, int tid)
{
	for (int i = w->nstep - 1; i >= 0; i--)
		if (w->step[i].kind == kind && w->step[i].tid == tid)
			return &w->step[i];
	return NULL;
}

/* The first pass: note what e makes askable. */
static void collect_event(struct watch *w, const struct event *e)
{
	struct cand *c;
	switch (e->kind) {
	case EV_EXEC:
		if (!e->insn)
			return;
		if (e->insn->op == OP_LD && shared_access(w, e, e->raddr)) {
			if ((c = step_add(w, QK_LOAD, e)))
				c->addr = e->raddr;
		} else if (e->insn->op == OP_ST && shared_access(w, e, e->waddr)) {
			if ((c = step_add(w, QK_STORE, e))) {
				c->addr = e->waddr;
				c->flag = loses_update(w, e);
			}
		} else if (e->insn->op == OP_SYS && blocking_wait(e->insn->imm) != WAIT_NONE) {
			step_add(w, QK_BLOCK, e);
		}
		return;
	case EV_BLOCK:
		if ((c = step_find(w, QK_BLOCK, e->tid)))
			c->flag = 1;
		return;
	case EV_UNLOCK: {
		int ids[1];
		int n = mutex_waiters(w->m, e->pid, e->addr, ids, 1);
		if (n && (c = step_add(w, QK_HANDOFF, e))) {
			c->addr = e->addr;
			c->flag = n;
		}
		return;
	}
	case EV_WAKE:
		if (e->a == WAIT_MUTEX && (c = step_find(w, QK_HANDOFF, e->other)))
			c->ok = 1;
		return;
	case EV_SWITCH:
		if (e->tid && e->other && e->tid != e->other && (c = step_add(w, QK_SWITCH, e))) {
			c->tid = e->other;
			c->flag = (int)e->a;
		}
		return;
	case EV_EPOLL:
		if (e->a > 0 && (c = step_add(w, QK_EPOLL, e)))
			c->addr = (uint64_t)e->b;
		return;
	default:
		return;
	}
}

/* Add c to its pool: when the pool is full, every other one goes and
 * from then on one in twice as many is kept, so the kept ones stay
 * spread over the whole run. */
static void pool_add(struct pool *p, const struct cand *c)
{
	if (!p->stride)
		p->stride = 1;
	uint64_t i = p->seen++;
	if (i % p->stride)
		return;
	if (p->n == POOL_CAP) {
		for (size_t k = 0; k < POOL_CAP / 2; k++)
			p->c[k] = p->c[2 * k];
		p->n = POOL_CAP / 2;
		p->stride *= 2;
		if (i % p->stride)
			return;
	}
	if (!p->c)
		p->c = xmalloc(POOL_CAP * sizeof *p->c);
	p->c[p->n++] = *c;
}

/* The first pass, at the end of a step: keep what it found. */
static void collect_step(struct watch *w)
{
	for (int i = 0; i < w->nstep; i++) {
		const struct cand *c = &w->step[i];
		if (c->kind == QK_HANDOFF && !c->ok)
			continue;
		pool_add(&w->pools[c->kind], c);
	}
	w->nstep = 0;
}

/* How instructive c is, now that the whole run is known. */
static enum rank cand_rank(struct watch *w, const struct cand *c)
{
	const struct word *s;
	switch (c->kind) {
	case QK_STORE:
		if (c->flag)
			return RANK_LOST;
		s = word_get(w, c->pid, c->addr, 0);
		return s && s->racy ? RANK_SWITCH : RANK_PLAIN;
	case QK_LOAD:
		s = word_get(w, c->pid, c->addr, 0);
		return s && s->racy ? RANK_RACY : RANK_PLAIN;
	case QK_HANDOFF:
		return c->flag > 1 ? RANK_HANDOFF : RANK_WAIT;
	case QK_EPOLL:
		return RANK_HANDOFF;
	case QK_BLOCK:
		return c->flag ? RANK_WAIT : RANK_SWITCH;
	default:
		return RANK_SWITCH;
	}
}

/* Order candidates by tick. */
static int by_tick(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	return x->tick < y->tick ? -1 : x->tick > y->tick;
}

/* Whether a chosen candidate is at tick t. */
static int taken(const struct cand *chosen, size_t n, uint64_t t)
{
	for (size_t i = 0; i < n; i++)
		if (chosen[i].tick == t)
			return 1;
	return 0;
}

/* Pick at most max candidates into chosen, in tick order; returns how
 * many.  Each rank gets its share, spread evenly over its candidates;
 * a rank with too few hands the rest on; one question a tick. */
static size_t choose(struct watch *w, size_t max, struct cand *chosen)
{
	struct cand *by_rank[RANK_COUNT] = { 0 };
	size_t count[RANK_COUNT] = { 0 }, cap[RANK_COUNT] = { 0 }, quota[RANK_COUNT] = { 0 };
	for (int k = 0; k < QK_COUNT; k++)
		for (size_t i = 0; i < w->pools[k].n; i++) {
			const struct cand *c = &w->pools[k].c[i];
			enum rank r = cand_rank(w, c);
			by_rank[r] = xgrow(by_rank[r], &cap[r], count[r] + 1, sizeof *by_rank[r]);
			by_rank[r][count[r]++] = *c;
		}
	size_t left = max;
	for (;;) {
		unsigned total = 0;
		for (int r = 0; r < RANK_COUNT; r++)
			if (quota[r] < count[r])
				total += rank_weight[r];
		if (!total || !left)
			break;
		size_t round = left;
		for (int r = 0; r < RANK_COUNT && left; r++) {
			if (quota[r] >= count[r])
				continue;
			size_t share = round * rank_weight[r] / total;
			if (!share)
				share = 1;
			if (share > count[r] - quota[r])
				share = count[r] - quota[r];
			if (share > left)
				share = left;
			quota[r] += share;
			left -= share;
		}
	}
	size_t n = 0;
	for (int r = 0; r < RANK_COUNT; r++) {
		if (!quota[r]) {
			xfree(by_rank[r]);
			continue;
		}
		qsort(by_rank[r], count[r], sizeof *by_rank[r], by_tick);
		for (size_t i = 0; i < quota[r]; i++) {
			size_t want = (2 * i + 1) * count[r] / (2 * quota[r]);
			/* the nearest free tick: after the ideal one, then before */
			size_t j;
			for (j = want; j < count[r] && taken(chosen, n, by_rank[r][j].tick); j++)
				;
			if (j == count[r])
				for (j = want; j-- > 0 && taken(chosen, n, by_rank[r][j].tick);)
					;
			if (j < count[r])
				chosen[n++] = by_rank[r][j];
		}
		xfree(by_rank[r]);
	}
	qsort(chosen, n, sizeof *chosen, by_tick);
	return n;
}

/* Append the text of the instruction at pc, without its comment and
 * with single spaces: "ld r0, [0x600000]". */
static void put_insn(const struct scenario *sc, uint64_t pc, struct buf *b)
{
	struct buf d = { 0 };
	disasm_insn(&d, sc, pc);
	char *semi = d.s ? strchr(d.s, ';') : NULL;
	if (semi)
		*semi = 0;
	int space = 0;
	size_t start = b->len;
	for (const char *s = d.s ? d.s : ""; *s; s++) {
		if (*s == ' ' || *s == '\t') {
			space = 1;
			continue;
		}
		if (space && b->len > start)
			buf_putc(b, ' ');
		space = 0;
		buf_putc(b, *s);
	}
	buf_free(&d);
}

/* Who takes a core from a thread, by scheduling policy. */
static const char *const taken_by[POLICY_COUNT] = {
	[POLICY_RR] = N_("the timer interrupt"),
	[POLICY_FIFO] = N_("the scheduler"),
	[POLICY_PRIORITY] = N_("the scheduler"),
	[POLICY_RANDOM] = N_("the random scheduler"),
	[POLICY_SCRIPT] = N_("the schedule script"),
};

/* Why the scheduler picks the thread it picks, by policy (%d: that thread). */
static const char *const picked_by[POLICY_COUNT] = {
	[POLICY_RR] = N_("The ready queue is first come, first served: T%d had waited longest"),
	[POLICY_FIFO] = N_("The ready queue is first come, first served: T%d had waited longest"),
	[POLICY_PRIORITY] = N_("The scheduler runs the ready thread of the highest priority, "
			       "the longest waiting among equals: T%d"),
	[POLICY_RANDOM] = N_("The random scheduler drew T%d from the ready threads (the seed "
			     "decides every draw)"),
	[POLICY_SCRIPT] = N_("The schedule script gives the core to T%d now"),
};

/* Add tid to q's choices, in order, once. */
static void add_choice(struct quiz_question *q, int tid)
{
	int k = 0;
	while (k < q->nchoices && q->choices[k] < tid)
		k++;
	if ((k < q->nchoices && q->choices[k] == tid) || q->nchoices == QUIZ_CHOICES)
		return;
	memmove(q->choices + k + 1, q->choices + k, (size_t)(q->nchoices - k) * sizeof *q->choices);
	q->choices[k] = tid;
	q->nchoices++;
}

/* Append "T3", "T3 and T4", "T3, T4 and T5". */
static void put_threads(struct buf *b, const int *ids, int n)
{
	for (int i = 0; i < n; i++)
		buf_printf(b, "%sT%d", !i ? "" : i == n - 1 ? Q_(" and ") : ", ", ids[i]);
}

/* The second pass, before the step from c's tick: word the question
 * from the machine as it stands. */
static void ask(struct watch *w, const struct cand *c, struct quiz_question *q)
{
	const struct scenario *sc = w->sc;
	const struct machine *m = w->m;
	const struct thread *t = machine_thread(m, c->tid);
	memset(q, 0, sizeof *q);
	q->kind = (enum quiz_kind)c->kind;
	q->tick = c->tick;
	q->tid = c->tid;
	q->core = c->core;
	q->addr = c->addr;
	q->pid = t ? t->pid : c->pid;
	q->line = t && t->state != TS_DONE ? image_line(sc->image, t->pc) : 0;
	struct buf b = { 0 };
	buf_printf(&b, Q_("tick %llu"), (unsigned long long)c->tick);
	if (q->line)
		buf_printf(&b, Q_(", line %d"), q->line);

	buf_puts(&b, ", ");
	trace_thread_name(sc, m, c->tid, &b);
	q->where = buf_take(&b);
	size_t len;
	const char *s = q->line ? scenario_line(sc, q->line, &len) : NULL;
	if (s) {
		while (len && isspace((unsigned char)*s))
			s++, len--;
		while (len && isspace((unsigned char)s[len - 1]))
			len--;
		buf_put(&b, s, len);
		q->source = buf_take(&b);
	}
	uint64_t sp = t ? (uint64_t)t->r[REG_SP] : 0;
	switch (q->kind) {
	case QK_LOAD:
	case QK_STORE: {
		struct buf insn = { 0 }, word = { 0 };
		put_insn(sc, t ? t->pc : 0, &insn);
		trace_word(sc, m, q->pid, c->addr, 0, &word);
		if (q->kind == QK_LOAD)
			buf_printf(&b, Q_("T%d is about to run %s: it loads %s. What value will it "
					  "read?"), c->tid, insn.s ? insn.s : "", word.s);
		else
			buf_printf(&b, Q_("T%d is about to run %s: it stores into %s. What value will "
					  "%s hold after it?"), c->tid, insn.s ? insn.s : "", word.s,
				   word.s);
		buf_free(&insn);
		buf_free(&word);
		break;
	}
	case QK_SWITCH: {
		int p = m->cfg->policy >= 0 && m->cfg->policy < POLICY_COUNT ? m->cfg->policy : 0;
		switch (c->flag) {
		case SW_PREEMPT:
			buf_printf(&b, Q_("%s takes CPU%d from T%d."), Q_(taken_by[p]), c->core, c->tid);
			add_choice(q, c->tid);
			break;
		case SW_BLOCK:
			buf_printf(&b, Q_("T%d has just blocked, leaving CPU%d."), c->tid, c->core);
			break;
		case SW_EXIT:
			buf_printf(&b, Q_("T%d has just ended, leaving CPU%d."), c->tid, c->core);
			break;
		default:
			buf_printf(&b, Q_("T%d has just given up CPU%d."), c->tid, c->core);
		}
		buf_printf(&b, Q_(" Which thread does CPU%d run next?"), c->core);
		for (int i = 0; i < m->nthreads; i++)
			if (m->threads[i].state == TS_READY)
				add_choice(q, m->threads[i].id);
		break;
	}
	case QK_BLOCK: {
		const struct insn *in = t ? image_insn(sc->image, t->pc) : NULL;
		int64_t bi = in ? in->imm : -1;
		int64_t arg = machine_peek(m, q->pid, sp);
		const char *name = bi >= 0 && bi < BI_COUNT ? isa_builtins[bi].name : Q_("a builtin");
		w->wait = blocking_wait(bi);
		struct buf on = { 0 };
		switch (blocking_wait(bi)) {
		case WAIT_MUTEX:
		case WAIT_SEM:
			explain_wait(sc, m, q->pid, blocking_wait(bi), (uint64_t)arg, &on);
			break;
		case WAIT_JOIN:
			buf_printf(&on, "T%lld", (long long)arg);
			break;
		case WAIT_CHILD:
			buf_printf(&on, "P%lld", (long long)arg);
			break;
		case WAIT_EPOLL:
			buf_printf(&on, "ep %lld", (long long)arg);
			break;
		default:
			buf_printf(&on, "fd %lld", (long long)arg);
		}
		buf_printf(&b, blocking_wait(bi) == WAIT_CHILD ?
			   Q_("T%d is about to call %s for %s. Will it block?") :
			   Q_("T%d is about to call %s on %s. Will it block?"), c->tid, name,
			   on.s ? on.s : "");
		buf_free(&on);
		break;
	}
	case QK_HANDOFF: {
		int ids[QUIZ_CHOICES];
		int n = mutex_waiters(m, q->pid, c->addr, ids, QUIZ_CHOICES);
		if (n > QUIZ_CHOICES)
			n = QUIZ_CHOICES;
		struct buf mx = { 0 }, who = { 0 };
		explain_wait(sc, m, q->pid, WAIT_MUTEX, c->addr, &mx);
		for (int i = 0; i < n; i++)
			add_choice(q, ids[i]);
		put_threads(&who, q->choices, q->nchoices);
		buf_printf(&b, QN_("T%d is about to unlock %s while %s waits for it. Which thread "
				   "gets the mutex?", "T%d is about to unlock %s while %s wait for it. "
				   "Which thread gets the mutex?", n), c->tid, mx.s ? mx.s : "",
			   who.s ? who.s : "");
		buf_free(&mx);
		buf_free(&who);
		break;
	}
	case QK_EPOLL:
		buf_printf(&b, Q_("T%d's epoll_wait on ep %llu returns at the next tick with ready "
				  "descriptors. Which descriptor does it report first?"), c->tid,
			   (unsigned long long)c->addr);
		break;
	default:
		break;
	}
	if (b.len && islower((unsigned char)b.s[0]) && !(b.s[0] & 0x80))
		b.s[0] = (char)toupper((unsigned char)b.s[0]);
	q->prompt = buf_take(&b);
	w->ask = q;
	w->answered = w->handed = 0;
	if (q->kind != QK_BLOCK)
		w->wait = WAIT_NONE;
	buf_free(&w->first);
}

/* Set the question's answer and its why: the sentence of event e, then
 * more when there is more to say. */
static void answer(struct watch *w, const struct event *e, int64_t value, const char *more)
{
	struct buf b = { 0 };
	explain_event(w->sc, w->m, e, &b);
	if (more)
		buf_puts(&b, more);
	buf_putc(&b, '.');
	w->ask->answer = value;
	xfree(w->ask->why);
	w->ask->why = buf_take(&b);
	w->answered = 1;
}

/* The why of a load: where the value it reads came from. */
static void answer_load(struct watch *w, const struct event *e)
{
	const struct word *s = word_get(w, e->pid, e->raddr, 0);
	struct buf more = { 0 };
	if (s && s->tick != UINT64_MAX && s->val == e->rval) {
		if (s->tid == e->tid)
			buf_printf(&more, Q_(": it stored that value itself at tick %llu"),
				   (unsigned long long)s->tick);
		else
			buf_printf(&more, Q_(": T%d stored it at tick %llu"), s->tid,
				   (unsigned long long)s->tick);
		if (s->line)
			buf_printf(&more, Q_(" (line %d)"), s->line);
	} else if (!s || s->tick == UINT64_MAX) {
		buf_puts(&more, Q_(": no thread has stored to it yet, so it holds its first value"));
	}
	answer(w, e, e->rval, more.s);
	buf_free(&more);
}

/* The why of a store: the update it loses, if it loses one. */
static void answer_store(struct watch *w, const struct event *e)
{
	struct buf more = { 0 };
	if (loses_update(w, e)) {
		const struct word *s = word_get(w, e->pid, e->waddr, 0);
		const struct last_load *l = &w->loads[e->tid - 1];
		buf_printf(&more, Q_(". It loaded %lld at tick %llu; T%d stored %lld at tick %llu, in "
				     "between: this store writes over it, and T%d's update is lost"),
			   (long long)l->val, (unsigned long long)l->tick, s->tid, (long long)s->val,
			   (unsigned long long)s->tick, s->tid);
	} else {
		buf_puts(&more, Q_(": a store writes what its register holds"));
	}
	answer(w, e, e->wval, more.s);
	buf_free(&more);
}

/* What a call that did not block is said with, by what it would wait in. */
static const char *const not_blocked[WAIT_COUNT] = {
	[WAIT_MUTEX] = N_("The mutex was free: "),
	[WAIT_SEM] = N_("The count was above 0: "),
	[WAIT_JOIN] = N_("That thread had already ended: join returns at once"),
	[WAIT_CHILD] = N_("It does not wait: "),
	[WAIT_ACCEPT] = N_("A client was waiting: "),
	[WAIT_READ] = N_("It does not wait: "),
	[WAIT_EPOLL] = N_("It does not wait: "),
};

/* The second pass: what e says about the question of this step. */
static void answer_event(struct watch *w, const struct event *e)
{
	struct quiz_question *q = w->ask;
	if (w->answered)
		return;
	switch (q->kind) {
	case QK_LOAD:
		if (e->kind == EV_EXEC && e->tid == q->tid && e->insn && e->insn->op == OP_LD)
			answer_load(w, e);
		break;
	case QK_STORE:
		if (e->kind == EV_EXEC && e->tid == q->tid && e->insn && e->insn->op == OP_ST)
			answer_store(w, e);
		break;
	case QK_SWITCH:
		if (e->kind == EV_SWITCH && e->core == q->core && e->tid && e->other == q->tid) {
			int p = w->m->cfg->policy >= 0 && w->m->cfg->policy < POLICY_COUNT ?
				w->m->cfg->policy : 0;
			struct buf more = { 0 };
			buf_puts(&more, ". ");
			buf_printf(&more, Q_(picked_by[p]), e->tid);
			answer(w, e, e->tid, more.s);
			buf_free(&more);
			add_choice(q, e->tid);
		}
		break;
	case QK_BLOCK:
		if (e->kind == EV_BLOCK && e->tid == q->tid)
			answer(w, e, 1, NULL);
		else if (e->tid == q->tid && e->kind != EV_EXEC && !w->first.len)
			explain_event(w->sc, w->m, e, &w->first);
		break;
	case QK_HANDOFF:
		if (e->kind == EV_UNLOCK && e->tid == q->tid && e->addr == q->addr)
			w->handed = 1;
		else if (w->handed && e->kind == EV_LOCK && e->addr == q->addr) {
			answer(w, e, e->tid, Q_(": unlock hands the mutex straight to the thread that "
						"has waited longest (a wait queue is first come, first "
						"served), and the mutex is never free in between"));
			add_choice(q, e->tid);
		}
		break;
	case QK_EPOLL:
		if (e->kind == EV_EPOLL && e->tid == q->tid && e->a > 0) {
			const struct thread *t = machine_thread(w->m, e->tid);
			uint64_t sp = t ? (uint64_t)t->r[REG_SP] : 0;
			uint64_t out = (uint64_t)machine_peek(w->m, e->pid, sp + 8);
			int64_t fd = machine_peek(w->m, e->pid, out + EPOLL_EVENT_DATA);
			struct buf more = { 0 };
			for (int64_t i = 0; i < e->a && i < 8; i++)
				buf_printf(&more, "%s%lld", i ? ", " : Q_(" (the data of each: "),
					   (long long)machine_peek(w->m, e->pid, out + (uint64_t)i *
							     EPOLL_EVENT_SIZE + EPOLL_EVENT_DATA));
			buf_puts(&more, e->a > 8 ? ", ...)" : ")");
			buf_puts(&more, Q_(". It reports ready descriptors in the order of its "
					   "interest list, and one it reports moves to the back"));
			answer(w, e, fd, more.s);
			buf_free(&more);
		}
		break;
	default:
		break;
	}
}

/* The second pass, after the step: a call that did not block. */
static void answer_step(struct watch *w)
{
	struct quiz_question *q = w->ask;
	if (w->answered || q->kind != QK_BLOCK)
		return;
	int wk = w->wait;
	struct buf b = { 0 };
	const char *head = not_blocked[wk] ? not_blocked[wk] : N_("It does not wait: ");
	size_t n = strlen(head);
	if (head[n - 1] == ' ') {
		buf_puts(&b, Q_(head));
		buf_puts(&b, w->first.len ? w->first.s : Q_("the call returns at once"));
	} else {
		buf_puts(&b, Q_(head));
	}
	buf_putc(&b, '.');
	q->answer = 0;
	xfree(q->why);
	q->why = buf_take(&b);
	w->answered = 1;
}

/* Every event of both passes. */
static void on_event(void *ctx, const struct event *e)
{
	struct watch *w = ctx;
	if (w->ask)
		answer_event(w, e);
	if (w->collect)
		collect_event(w, e);
	track(w, e);
}

/* Free what watching a run took. */
static void watch_done(struct watch *w)
{
	xfree(w->words);
	xfree(w->loads);
	for (int k = 0; k < QK_COUNT; k++)
		xfree(w->pools[k].c);
	buf_free(&w->first);
	memset(w, 0, sizeof *w);
}

/* Free one question's texts. */
static void question_free(struct quiz_question *q)
{
	xfree(q->where);
	xfree(q->source);
	xfree(q->prompt);
	xfree(q->why);
}

int quiz_build(const struct scenario *sc, const struct machine_config *cfg,
	       const struct limits *lim, size_t max, struct quiz *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (max > QUIZ_MAX_QUESTIONS)
		max = QUIZ_MAX_QUESTIONS;
	struct machine m;
	struct watch w = { .sc = sc, .m = &m, .collect = 1 };
	int rc = machine_init(&m, sc->image, cfg, lim, err, errlen);
	if (rc < 0)
		return rc == -2 ? 3 : 2;
	machine_set_sink(&m, (struct event_sink){ on_event, &w, EV_ALL });
	while (m.state != RUN_ENDED) {
		w.step_tick = m.tick;
		machine_step(&m);
		collect_step(&w);
	}
	machine_done(&m);
	struct cand *chosen = xmalloc((max ? max : 1) * sizeof *chosen);
	size_t n = choose(&w, max, chosen);
	/* the second pass: the same run again, from the start */
	xfree(w.words);
	xfree(w.loads);
	w.words = NULL;
	w.loads = NULL;
	w.cap_loads = w.nwords = w.cap_words = 0;
	w.collect = 0;
	if (machine_init(&m, sc->image, cfg, lim, err, errlen) < 0) {
		xfree(chosen);
		watch_done(&w);
		return 2;       /* it started once: it starts again */
	}
	out->q = xcalloc(n ? n : 1, sizeof *out->q);
	machine_set_sink(&m, (struct event_sink){ on_event, &w, EV_ALL });
	size_t k = 0;
	while (k < n && m.state != RUN_ENDED) {
		while (k < n && chosen[k].tick < m.tick)
			k++;            /* not a tick a step starts at (never, the run being the same) */
		if (k == n)
			break;
		struct quiz_question *q = NULL;
		if (chosen[k].tick == m.tick) {
			q = &out->q[out->n];
			ask(&w, &chosen[k], q);
		}
		w.step_tick = m.tick;
		machine_step(&m);
		if (q) {
			answer_step(&w);
			if (w.answered)
				out->n++;
			else
				question_free(q);
			w.ask = NULL;
			k++;
		}
	}
	machine_done(&m);
	xfree(chosen);
	watch_done(&w);
	return 0;
}

void quiz_free(struct quiz *q)
{
	for (size_t i = 0; i < q->n; i++)
		question_free(&q->q[i]);
	xfree(q->q);
	memset(q, 0, sizeof *q);
}

long quiz_at(const struct quiz *q, uint64_t t)
{
	long i = quiz_next(q, t);
	return i >= 0 && q->q[i].tick == t ? i : -1;
}

long quiz_next(const struct quiz *q, uint64_t t)
{
	size_t lo = 0, hi = q->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (q->q[mid].tick < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < q->n ? (long)lo : -1;
}

void quiz_answer_text(const struct quiz_question *q, struct buf *b)
{
	switch (quiz_kinds[q->kind].form) {
	case QF_THREAD:
		buf_printf(b, "T%lld", (long long)q->answer);
		break;
	case QF_YESNO:
		buf_puts(b, q->answer ? "yes" : "no");
		break;
	default:
		buf_printf(b, "%lld", (long long)q->answer);
	}
}

void quiz_form_text(const struct quiz_question *q, struct buf *b)
{
	switch (quiz_kinds[q->kind].form) {
	case QF_VALUE:
		buf_puts(b, Q_("a number"));
		break;
	case QF_THREAD:
		buf_puts(b, Q_("a thread"));
		for (int i = 0; i < q->nchoices; i++)
			buf_printf(b, "%sT%d", i ? ", " : ": ", q->choices[i]);
		break;
	case QF_YESNO:
		buf_puts(b, Q_("yes or no"));
		break;
	case QF_FD:
		buf_puts(b, Q_("a descriptor number"));

		break;
	}
}

/* Parse a whole integer, decimal or 0x hexadecimal, signed; -1 if s is
 * not one. */
static int parse_int(const char *s, int64_t *v)
{
	int neg = 0;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!isdigit((unsigned char)*s))
		return -1;
	int base = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
	if (base == 16)
		s += 2;
	uint64_t x = 0;
	int digits = 0;
	for (; *s; s++, digits++) {
		int d = isdigit((unsigned char)*s) ? *s - '0' :
			base == 16 && isxdigit((unsigned char)*s) ? tolower((unsigned char)*s) - 'a' + 10
								 : -1;
		if (d < 0 || x > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -1;
		x = x * (uint64_t)base + (uint64_t)d;
	}
	if (!digits)
		return -1;
	*v = neg ? (int64_t)(0 - x) : (int64_t)x;
	return 0;
}

int quiz_check(const struct quiz_question *q, const char *text)
{
	int64_t v;
	switch (quiz_kinds[q->kind].form) {
	case QF_VALUE:
		if (parse_int(text, &v) < 0)
			return -1;
		return v == q->answer;
	case QF_THREAD:
		if (*text == 'T' || *text == 't')
			text++;
		if (!isdigit((unsigned char)*text) || parse_int(text, &v) < 0)
			return -1;
		return v == q->answer;
	case QF_YESNO:
		if (!strcasecmp(text, "yes") || !strcasecmp(text, "y"))
			return q->answer == 1;
		if (!strcasecmp(text, "no") || !strcasecmp(text, "n"))
			return q->answer == 0;
		return -1;
	case QF_FD:
		if (!strncasecmp(text, "fd", 2)) {
			text += 2;
			while (*text == ' ')
				text++;
		}
		if (!isdigit((unsigned char)*text) || parse_int(text, &v) < 0)
			return -1;
		return v == q->answer;
	}
	return -1;
}

/* Append text wrapped to lines of at most width columns, each after indent. */
static void put_wrapped(struct buf *out, const char *text, const char *indent, size_t width)
{
	const char *s = text;
	while (*s) {
		size_t n = strlen(s);
		if (n > width) {
			n = width;
			while (n && s[n] != ' ')
				n--;
			if (!n)         /* one long word: let it stick out */
				for (n = width; s[n] && s[n] != ' '; n++)
					;
		}
		buf_printf(out, "%s%.*s\n", indent, (int)n, s);
		s += n;
		while (*s == ' ')
			s++;
	}
}

void quiz_write(const struct quiz *q, const struct scenario *sc, struct buf *out)
{
	buf_printf(out, "Quiz on %s: %zu question%s.\n", sc->name, q->n, q->n == 1 ? "" : "s");
	buf_puts(out, "Each is asked just before the tick that answers it.  Answer on a line\n"
		      "of its own as N: ANSWER (a number, a thread as T2, yes or no, a\n"
		      "descriptor number); a # starts a comment.\n");
	for (size_t i = 0; i < q->n; i++) {
		const struct quiz_question *x = &q->q[i];
		buf_printf(out, "\n%zu. %s\n", i + 1, x->where);
		if (x->source)
			buf_printf(out, "   | %s\n", x->source);
		put_wrapped(out, x->prompt, "   ", 72);
		buf_puts(out, "   answer: ");
		quiz_form_text(x, out);
		buf_putc(out, '\n');
	}
}

/* Append an error "name:line: error: ..." to err. */
__attribute__((format(printf, 4, 5)))
static void answers_error(struct buf *err, const char *name, size_t line, const char *fmt, ...)
{
	va_list ap;
	buf_printf(err, "%s:%zu: error: ", name, line);
	va_start(ap, fmt);
	buf_vprintf(err, fmt, ap);
	va_end(ap);
	buf_putc(err, '\n');
}

int quiz_read_answers(const struct quiz *q, const char *name, const char *text, size_t len,
		      char **answers, struct buf *err)
{
	size_t *at = xcalloc(q->n ? q->n : 1, sizeof *at);
	for (size_t i = 0; i < q->n; i++)
		answers[i] = NULL;
	size_t lineno = 0;
	int rc = 0;
	for (size_t pos = 0; pos < len && !rc;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		lineno++;
		struct buf l = { 0 };
		buf_put(&l, text + pos, end - pos);
		pos = end + 1;
		char *s = l.s ? l.s : "";
		char *hash = strchr(s, '#');
		if (hash)
			*hash = 0;
		while (isspace((unsigned char)*s))
			s++;
		size_t n = strlen(s);
		while (n && isspace((unsigned char)s[n - 1]))
			s[--n] = 0;
		if (!n) {
			buf_free(&l);
			continue;
		}
		char *p = s;
		unsigned long long num = 0;
		int digits = 0;
		while (isdigit((unsigned char)*p) && digits < 19)
			num = num * 10 + (unsigned long long)(*p++ - '0'), digits++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!digits || *p != ':') {
			answers_error(err, name, lineno, "expected 'N: ANSWER', the question's number, "
				      "a colon and the answer");
			rc = -1;
		} else if (num < 1 || num > q->n) {
			answers_error(err, name, lineno, "there is no question %llu: the quiz has %zu",
				      num, q->n);
			rc = -1;
		} else if (at[num - 1]) {
			answers_error(err, name, lineno, "question %llu is answered twice (first on "
				      "line %zu)", num, at[num - 1]);
			rc = -1;
		} else {
			p++;
			while (isspace((unsigned char)*p))
				p++;
			const struct quiz_question *x = &q->q[num - 1];
			if (!*p) {
				answers_error(err, name, lineno, "question %llu has no answer after ':'",
					      num);
				rc = -1;
			} else if (quiz_check(x, p) < 0) {
				struct buf f = { 0 };
				quiz_form_text(x, &f);
				answers_error(err, name, lineno, "question %llu wants %s, not '%s'", num,
					      f.s, p);
				buf_free(&f);
				rc = -1;
			} else {
				answers[num - 1] = xstrdup(p);
				at[num - 1] = lineno;
			}
		}
		buf_free(&l);
	}
	xfree(at);
	if (rc)
		for (size_t i = 0; i < q->n; i++) {
			xfree(answers[i]);
			answers[i] = NULL;
		}
	return rc;
}

size_t quiz_grade(const struct quiz *q, char *const *answers, struct buf *report)
{
	size_t right = 0;
	for (size_t i = 0; i < q->n; i++) {
		const struct quiz_question *x = &q->q[i];
		int ok = answers[i] ? quiz_check(x, answers[i]) == 1 : 0;
		right += (size_t)ok;
		buf_printf(report, "%zu. %s: ", i + 1, x->where);
		if (ok) {
			buf_puts(report, "right, ");
			quiz_answer_text(x, report);
		} else {
			if (answers[i])
				buf_printf(report, "wrong, you answered %s; the answer is ", answers[i]);
			else
				buf_puts(report, "no answer; the answer is ");
			quiz_answer_text(x, report);
		}
		buf_putc(report, '\n');
		put_wrapped(report, x->why, "   ", 72);
	}
	buf_printf(report, "%zu of %zu right\n", right, q->n);
	return right;
}
