/* explore: depth-first search of the schedules, with a table of the
 * states already settled, sleep sets, and path counting.  See explore.h. */
#include "explore_int.h"

#include <string.h>

#include "core.h"
#include "epoll.h"
#include "pool.h"

/* What the next instruction of a thread is to the others. */
enum op_kind {
	OPK_LOCAL,      /* nothing: not a step */
	OPK_WORD,       /* reads or writes one word (or a pseudo-word below) */
	OPK_BYTE,       /* reads or writes one byte (ldb, stb), at addr */
	OPK_YIELD,      /* a step that touches nothing: sched_yield */
	OPK_GLOBAL,     /* may touch anything: spawn, malloc, sleep, ... */
	OPK_IO,         /* an I/O call on known open files (files), and what
			 * else addr's IO_ bits say it touches */
	OPK_NET,        /* a delivery of the network (addr: the client;
			 * write: it is the client's connection) */
};

/* Pseudo-words for what is not memory: the output, and each thread's end. */
#define WORD_OUTPUT   1ull
#define WORD_THREAD   (1ull << 40)

struct op {
	enum op_kind kind;
	int write;
	uint64_t addr;
	uint64_t files;         /* the open files a thread's step may touch, or
				 * the file a delivery reaches: bit (index % 64)
				 * for each (0: none; ALL_FILES: any, or the
				 * network as a whole: a process's end, a file
				 * made or freed) */
};

#define ALL_FILES UINT64_MAX

/* What an I/O call touches beside its files (the addr of an OPK_IO). */
#define IO_MEM   1ull   /* memory outside its own stack: a buffer */
#define IO_TAKE  2ull   /* it takes the lowest free descriptor */
#define IO_GIVE  4ull   /* it frees a descriptor, and maybe a file a
			 * connection then takes (frees commute) */

/* The bit of open file fi in a set of files (ALL_FILES when fi < 0). */
static uint64_t file_bit(int fi)
{
	return fi < 0 ? ALL_FILES : 1ull << (fi % 64);
}

/* The bit of choice id in a sleep set, and which word it is in. */
static uint64_t *sleep_word(struct sleep *s, int id, uint64_t *bit)
{
	if (!is_delivery(id)) {
		*bit = 1ull << (id - 1);
		return &s->t;
	}
	*bit = 1ull << (2 * (sched_delivery_client(id) - 1) + sched_delivery_split(id));
	return &s->d;
}

/* Whether choice id is in sleep set s. */
static int asleep(struct sleep s, int id)
{
	uint64_t bit, *w = sleep_word(&s, id, &bit);
	return (*w & bit) != 0;
}

/* Put choice id into sleep set s. */
static void put_asleep(struct sleep *s, int id)
{
	uint64_t bit, *w = sleep_word(s, id, &bit);
	*w |= bit;
}

/* The event sink: keep what the program prints in the buffer ctx. */
static void on_print(void *ctx, const struct event *e)
{
	buf_put(ctx, e->text, e->len);
}

/* A 64-bit hash of n bytes, continuing from h. */
uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* The word the sys instruction at t's pc takes as argument i. */
static int64_t sys_arg(const struct machine *m, const struct thread *t, int i)
{
	return machine_peek(m, t->pid, (uint64_t)t->r[REG_SP] + 8 * (uint64_t)i);
}

/* Whether len bytes at addr lie in t's own stack (its thread slot). */
static int own_bytes(const struct thread *t, uint64_t addr, int64_t len)
{
	return len >= 0 && len <= THREAD_SLOT && addr - t->slot_lo < THREAD_SLOT &&
	       addr + (uint64_t)len - t->slot_lo <= THREAD_SLOT;
}

/* What t's call of I/O builtin bi on descriptor fd is to the others:
 * the open files it touches and, in a buffer outside its stack, the
 * memory; anything, when a descriptor names no file it can use. */
static struct op io_op(const struct machine *m, const struct thread *t, int bi, int64_t fd)
{
	static const struct op any = { OPK_GLOBAL, 1, 0, ALL_FILES };
	int fi, gi;
	const struct file *f = fd_file(m, t->pid, fd, &fi);
	if (!f)
		return any;
	struct op o = { OPK_IO, 1, 0, file_bit(fi) };
	uint64_t buf = (uint64_t)sys_arg(m, t, 1);
	switch (bi) {
	case BI_READ: case BI_WRITE:
		o.addr = own_bytes(t, buf, sys_arg(m, t, 2)) ? 0 : IO_MEM;
		break;
	case BI_ACCEPT:         /* takes a descriptor for the connection */
		o.addr = IO_TAKE;
		break;
	case BI_CLOSE:          /* a connection's: the client and its file */
		if (f->kind != FK_CONN)
			return any;
		o.addr = IO_GIVE;
		break;
	case BI_EPOLL_CTL:      /* the instance, and how it watches one file */
		if (f->kind != FK_EPOLL || !fd_file(m, t->pid, sys_arg(m, t, 2), &gi))
			return any;
		o.files |= file_bit(gi);
		o.addr = own_bytes(t, (uint64_t)sys_arg(m, t, 3), EPOLL_EVENT_SIZE) ? 0 : IO_MEM;
		break;
	case BI_EPOLL_WAIT:     /* the instance, how ready the files it watches are */
		if (f->kind != FK_EPOLL)
			return any;
		for (int i = 0; i < f->nitems; i++)
			o.files |= file_bit(f->items[i].file);
		o.addr = own_bytes(t, buf, sys_arg(m, t, 2) * EPOLL_EVENT_SIZE) ? 0 : IO_MEM;
		break;
	}
	return o;
}

/* What t's next instruction is to the other threads. */
static struct op next_op(const struct machine *m, const struct thread *t)
{
	const struct insn *in = image_insn(m->img, t->pc);
	if (!in)
		return (struct op){ OPK_GLOBAL, 1, 0, ALL_FILES };
	switch (in->op) {
	case OP_LD:
	case OP_ST:
	case OP_LDB:
	case OP_STB: {
		uint64_t addr = (uint64_t)t->r[in->rs] + (uint64_t)in->imm;
		if (addr - t->slot_lo < THREAD_SLOT || (t->co && addr - t->co_lo < t->co_hi - t->co_lo))
			return (struct op){ OPK_LOCAL, 0, 0, 0 };  /* its stack, or its coroutine's */
		int prot = addr < ADDR_LIMIT ? mem_prot(&thread_proc(m, t)->mem, addr) : 0;
		if (prot & MP_W && (in->op == OP_LDB || in->op == OP_STB))
			return (struct op){ OPK_BYTE, in->op == OP_STB, addr, 0 };
		if (prot & MP_W)
			return (struct op){ OPK_WORD, in->op == OP_ST, addr & ~7ull, 0 };
		if (prot & (MP_R | MP_GUARD))
			return (struct op){ OPK_LOCAL, 0, 0, 0 };  /* read-only, or a fault */
		return (struct op){ OPK_GLOBAL, 1, 0, ALL_FILES };      /* a malloc may map
									 * it, or it faults */
	}
	case OP_SYS:
		break;
	default:
		return (struct op){ OPK_LOCAL, 0, 0, 0 };
	}
	uint64_t a0 = (uint64_t)sys_arg(m, t, 0);
	switch (in->imm) {
	case BI_READ: case BI_WRITE: case BI_ACCEPT: case BI_SET_NONBLOCK:
	case BI_CLOSE: case BI_EPOLL_CTL: case BI_EPOLL_WAIT:
		if (runtime_runs(m, t))         /* a park or an unpark changes the run queue */
			return (struct op){ OPK_GLOBAL, 1, 0, ALL_FILES };
		return io_op(m, t, (int)in->imm, (int64_t)a0);
	case BI_SELF: case BI_ASSERT: case BI_SET_PRIORITY: case BI_GETPID:
		return (struct op){ OPK_LOCAL, 0, 0, 0 };
	case BI_PRINT:
		return (struct op){ OPK_WORD, 1, WORD_OUTPUT, 0 };
	case BI_THREAD_EXIT:    /* once forked, the last may end its process */
		if (m->nprocs > 1)
			return (struct op){ OPK_GLOBAL, 1, 0, ALL_FILES };
		return (struct op){ OPK_WORD, 1, WORD_THREAD + (uint64_t)t->id, 0 };
	case BI_JOIN:
		return (struct op){ OPK_WORD, 0, WORD_THREAD + (a0 & 0xffffffffu), 0 };
	case BI_LOCK: case BI_UNLOCK: case BI_TRYLOCK:
	case BI_SEM_WAIT: case BI_SEM_POST:
	case BI_ATOMIC_ADD: case BI_CAS: case BI_XCHG:
		return (struct op){ OPK_WORD, 1, a0 & ~7ull, 0 };
	case BI_SCHED_YIELD:
		return (struct op){ OPK_YIELD, 0, 0, 0 };
	case BI_RESUME:
		return (struct op){ OPK_WORD, 1, a0 & ~7ull, 0 };
	case BI_YIELD:
		return (struct op){ OPK_WORD, 1, t->co & ~7ull, 0 };
	case BI_CO_STATUS:
		return (struct op){ OPK_WORD, 0, a0 & ~7ull, 0 };
	case BI_SPAWN:          /* the next thread id is its own */
		return (struct op){ OPK_WORD, 1, WORD_THREAD + (uint64_t)m->nthreads + 1, 0 };
	case BI_MALLOC: case BI_FREE: case BI_SLEEP:
	case BI_COND_WAIT: case BI_COND_SIGNAL: case BI_COND_BROADCAST:
	case BI_COROUTINE: case BI_CO_RETURN: case BI_MAKE_CLOSURE: case BI_TICKS:
		/* memory and threads only: a held network has no clock */
		return (struct op){ OPK_GLOBAL, 1, 0, 0 };
	default:                /* exit, fork, wait, listen, close, epoll_create */
		return (struct op){ OPK_GLOBAL, 1, 0, ALL_FILES };
	}
}

/* Whether the order of a and b (of two threads, or the network) can matter. */
static int dependent(const struct op *a, const struct op *b)
{
	if (a->kind == OPK_NET && b->kind == OPK_NET)   /* connections queue in order */
		return a->addr == b->addr || (a->write && b->write);
	if (a->kind == OPK_NET || b->kind == OPK_NET) {
		/* a delivery touches no memory, only the file it reaches (and
		 * the epoll instances that watch it, which only an epoll_wait
		 * on them sees; a connection takes a file a close may free);
		 * a thread's end may end its process */
		const struct op *d = a->kind == OPK_NET ? a : b, *t = a->kind == OPK_NET ? b : a;
		return (a->files & b->files) != 0 ||
		       (t->kind == OPK_IO && d->write && (t->addr & IO_GIVE));
	}
	if (a->kind == OPK_IO || b->kind == OPK_IO) {
		const struct op *io = a->kind == OPK_IO ? a : b, *o = a->kind == OPK_IO ? b : a;
		if (o->kind == OPK_IO)
			return (a->files & b->files) != 0 || (a->addr & b->addr & IO_MEM) ||
			       ((a->addr | b->addr) & IO_TAKE && a->addr & (IO_TAKE | IO_GIVE) &&
				b->addr & (IO_TAKE | IO_GIVE));
		if (o->kind == OPK_WORD || o->kind == OPK_BYTE)
			return (io->addr & IO_MEM) && o->addr < WORD_THREAD && o->addr != WORD_OUTPUT;
		return o->kind == OPK_GLOBAL;
	}
	if (a->kind == OPK_GLOBAL || b->kind == OPK_GLOBAL)
		return 1;
	if ((a->kind != OPK_WORD && a->kind != OPK_BYTE) ||
	    (b->kind != OPK_WORD && b->kind != OPK_BYTE) || !(a->write || b->write))
		return 0;
	if (a->kind == b->kind)
		return a->addr == b->addr;
	/* a byte and a word: the byte in the word (two bytes apart commute) */
	return (a->kind == OPK_BYTE ? a->addr & ~7ull : a->addr) ==
	       (b->kind == OPK_BYTE ? b->addr & ~7ull : b->addr);
}

/* Whether t, ready at a step, can take it now: a lock of a held mutex,
 * a join of a live thread and a wait on an empty semaphore cannot. */
static int can_go(const struct machine *m, const struct thread *t)
{
	const struct insn *in = image_insn(m->img, t->pc);
	if (!in || in->op != OP_SYS)
		return 1;
	uint64_t a0 = (uint64_t)sys_arg(m, t, 0);
	switch (in->imm) {
	case BI_LOCK: {
		int64_t owner = machine_peek(m, t->pid, a0);
		return owner == 0 || owner == t->id;   /* its own: it blocks for good */
	}
	case BI_JOIN: {
		const struct thread *w = machine_thread(m, (int)a0);
		return !w || w == t || (int64_t)a0 != (int)a0 || w->pid != t->pid ||
		       w->state == TS_DONE;
	}
	case BI_SEM_WAIT:
		return machine_peek(m, t->pid, a0) > 0;
	case BI_WAIT: {
		const struct process *c = (int64_t)a0 == (int)a0 ? machine_proc(m, (int)a0) : NULL;
		return !c || c->ppid != t->pid || c->state != PS_LIVE;
	}
	default:
		return 1;
	}
}

/* Whether thread t can run at all. */
static int runnable(const struct thread *t)
{
	return t->state == TS_READY || t->state == TS_RUNNING;
}

/* Run one instruction of thread tid (after any switch it needs). */
static void run_one(struct machine *m, int tid)
{
	const struct thread *t = machine_thread(m, tid);
	uint64_t before = t->cpu_ticks;
	m->pinned = tid;
	while (m->state != RUN_ENDED && machine_step(m)) {
		t = machine_thread(m, tid);
		if (t->cpu_ticks != before || !runnable(t))
			break;
	}
	m->pinned = 0;
}

/* Whether the network of m, held, has a delivery to make. */
static int net_offers(const struct machine *m)
{
	if (!m->net.held)
		return 0;
	for (int c = 0; c < m->net.nclients && c < EXPLORE_MAX_CLIENTS; c++)
		if (net_can_deliver(m, c))
			return 1;
	return 0;
}

/* Bring every ready thread to its next step: what threads do between
 * steps touches nobody else, so when they do it does not matter.  Then,
 * when no thread can take a step and the network has nothing to
 * deliver, let the waiting ones block and the clock run until one can,
 * or the run ends. */
static void settle(struct machine *m)
{
	for (;;) {
		if (m->state == RUN_ENDED)
			return;
		int go = 0, waiting = 0, moved = 0;
		for (int i = 0; i < m->nthreads && m->state != RUN_ENDED; i++) {
			struct thread *t = &m->threads[i];
			if (!runnable(t))
				continue;
			if (next_op(m, t).kind == OPK_LOCAL) {
				run_one(m, t->id);
				moved = 1;
				break;
			}
			if (can_go(m, t))
				go = 1;
			else if (!waiting)
				waiting = t->id;
		}
		if (moved)
			continue;
		if (go || m->state == RUN_ENDED || net_offers(m))
			return;
		if (waiting) {
			run_one(m, waiting);    /* it blocks */
		} else {
			machine_step(m);        /* a sleeper's time, or the deadlock */
			if (m->next_wake <= m->tick)
				thread_wake_sleepers(m);
		}
	}
}

/* Choice tid is taken: a thread's step, then what it does before its
 * next one, or a delivery; then the others settle. */
static void take_step(struct machine *m, int tid)
{
	if (is_delivery(tid)) {
		net_deliver(m, sched_delivery_client(tid) - 1, sched_delivery_split(tid));
		settle(m);
		return;
	}
	run_one(m, tid);
	for (;;) {
		const struct thread *t = machine_thread(m, tid);
		if (m->state == RUN_ENDED || !runnable(t) || next_op(m, t).kind != OPK_LOCAL)
			break;
		run_one(m, tid);
	}
	settle(m);
}

/* Mix the word v into the two-lane hash h. */
static inline void mix(uint64_t h[2], uint64_t v)
{
	h[0] = (h[0] ^ v) * 0x9e3779b97f4a7c15ull;
	h[0] ^= h[0] >> 32;
	h[1] = (h[1] + v) * 0xc2b2ae3d27d4eb4full;
	h[1] ^= h[1] >> 29;
}

/* The state's hash: every process (memory, heap, state, exit code),
 * threads, the run's end, the output so far.  What only counts ticks
 * (the clock, cpu time, statistics, switch costs) is left out, unless a
 * sleeper makes the clock matter. */
static void state_hash(const struct machine *m, uint64_t outhash, uint64_t h[2])
{
	uint64_t k[2];
	const struct process *p1 = &m->procs[0];
	mem_hash(&p1->mem, k);
	h[0] = k[0];
	h[1] = k[1];
	for (int i = 1; i < m->nprocs; i++) {
		mem_hash(&m->procs[i].mem, k);
		mix(h, k[0]);
		mix(h, k[1]);
	}
	for (int i = 0; i < m->nprocs; i++) {
		const struct process *p = &m->procs[i];
		if (i) {        /* one process: the hash is what it was before processes */
			mix(h, (uint64_t)p->ppid | (uint64_t)p->state << 32 | (uint64_t)p->how << 40);
			mix(h, (uint64_t)p->code);
			mix(h, p->heap.brk);
			mix(h, p->heap.free_head);
			mix(h, p->heap.last);
			mix(h, p->heap.in_use);
			mix(h, p->heap.blocks);
		}
	}
	mix(h, outhash);
	mix(h, (uint64_t)m->nthreads);
	int clock = 0;
	for (int i = 0; i < m->nthreads; i++) {
		const struct thread *t = &m->threads[i];
		int rank = 0;   /* its place in the queue it waits in */
		if (t->state == TS_BLOCKED)
			for (int j = 0; j < m->nthreads; j++) {
				const struct thread *u = &m->threads[j];
				rank += u->state == TS_BLOCKED && u->wait == t->wait &&
					u->wait_on == t->wait_on && u->wait_seq < t->wait_seq;
			}
		clock |= t->state == TS_BLOCKED && (t->wait == WAIT_SLEEP || t->wait_until);
		int state = t->state == TS_RUNNING ? TS_READY : t->state;
		mix(h, t->pc);
		for (int r = 0; r < 16; r++)
			mix(h, (uint64_t)t->r[r]);
		mix(h, (uint64_t)state | (uint64_t)t->wait << 8 | (uint64_t)t->killed << 16 |
		       (uint64_t)rank << 24 | (uint64_t)(uint32_t)t->prio << 32);
		mix(h, t->wait_on);
		mix(h, t->wait_mutex);
		mix(h, (uint64_t)t->retval);
		mix(h, t->co);
		mix(h, t->co_lo);
		mix(h, t->co_hi);
		if (m->nprocs > 1)
			mix(h, (uint64_t)t->pid);
	}
	mix(h, (uint64_t)m->ncoros);
	mix(h, p1->heap.brk);
	mix(h, p1->heap.free_head);
	mix(h, p1->heap.last);
	mix(h, p1->heap.in_use);
	mix(h, p1->heap.blocks);
	if (m->nprocs > 1)
		mix(h, (uint64_t)p1->state | (uint64_t)p1->how << 8 | (uint64_t)p1->code << 16);
	if (net_active(m)) {    /* unless it is held, the network's actions are timed */
		mix(h, net_hash(m));
		clock |= !m->net.held;
	}
	for (int b = 1; b < m->nboxes; b++) {   /* containers: their limits count ticks */
		const struct box *x = &m->boxes[b];
		mix(h, x->used | (uint64_t)x->throttled << 32 | (uint64_t)x->oom << 33);
		mix(h, hash_bytes(0, x->hostname, sizeof x->hostname));
		clock |= x->cpu_share != 0;
	}
	mix(h, clock ? m->tick : 0);
	mix(h, (uint64_t)m->exit_status);
	mix(h, (uint64_t)m->state | (uint64_t)m->end << 8 | (uint64_t)m->fault << 16 |
	       (uint64_t)m->limit << 24);
}

/* Add n to *to, stopping at UINT64_MAX. */
static void add_count(uint64_t *to, uint64_t n, int *saturated)
{
	if (*to > UINT64_MAX - n) {
		*to = UINT64_MAX;
		*saturated = 1;
	} else {
		*to += n;
	}
}

/* Add the counts v[0..n) to frame f's. */
static void merge(struct search *s, struct frame *f, const struct count *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < f->nacc && f->acc[j].id != v[i].id)
			j++;
		if (j == f->nacc) {
			f->acc = xgrow(f->acc, &f->cap_acc, f->nacc + 1, sizeof *f->acc);
			f->acc[f->nacc++] = (struct count){ v[i].id, 0 };
		}
		add_count(&f->acc[j].n, v[i].n, &s->res->outcomes[v[i].id].saturated);
	}
}

/* Where a table of size slots starts looking for key k. */
size_t key_slot(const struct node_key *k, size_t size)
{
	return (size_t)(k->h[0] ^ k->sleep.t ^ k->sleep.d * 0x9e3779b97f4a7c15ull ^
			(uint64_t)(uint32_t)k->cur << 32 ^ (uint32_t)k->pre) & (size - 1);
}

/* Whether keys a and b are one. */
int key_same(const struct node_key *a, const struct node_key *b)
{
	return a->h[0] == b->h[0] && a->h[1] == b->h[1] && a->sleep.t == b->sleep.t &&
	       a->sleep.d == b->sleep.d && a->cur == b->cur && a->pre == b->pre;
}

/* A new node of key k (NULL: none kept), in no table. */
uint32_t node_new(struct search *s, const struct node_key *k)
{
	s->nodes = xgrow(s->nodes, &s->cap_nodes, s->nnodes + 1, sizeof *s->nodes);
	s->nodes[s->nnodes] = (struct seen){ .fail_len = NONE, .fail_child = NONE };
	if (k) {
		s->keys = xgrow(s->keys, &s->cap_keys, s->nnodes + 1, sizeof *s->keys);
		s->keys[s->nnodes] = *k;
	}
	return (uint32_t)s->nnodes++;
}

/* The node of key k, made when missing (*fresh set then). */
static uint32_t node_get(struct search *s, const struct node_key *k, int *fresh)
{
	if (2 * (s->nnodes + 1) > s->table_size) {
		size_t n = s->table_size ? s->table_size * 2 : 1024;
		uint32_t *t = xcalloc(n, sizeof *t);
		for (size_t i = 0; i < s->nnodes; i++) {
			size_t j = key_slot(&s->keys[i], n);
			while (t[j])
				j = (j + 1) & (n - 1);
			t[j] = (uint32_t)i + 1;
		}
		xfree(s->table);
		s->table = t;
		s->table_size = n;
	}
	size_t j = key_slot(k, s->table_size);
	for (; s->table[j]; j = (j + 1) & (s->table_size - 1)) {
		if (key_same(&s->keys[s->table[j] - 1], k)) {
			*fresh = 0;
			return s->table[j] - 1;
		}
	}
	s->table[j] = (uint32_t)s->nnodes + 1;
	*fresh = 1;
	return node_new(s, k);
}

/* Whether outcomes x and y are one: the same end, verdict, words and
 * output. */
int outcome_same(const struct explore_outcome *x, const struct explore_outcome *y)
{
	return x->end == y->end && x->exit_status == y->exit_status && x->fault == y->fault &&
	       x->limit == y->limit && x->verdict == y->verdict && x->outlen == y->outlen &&
	       memcmp(x->out, y->out, y->outlen) == 0 && strcmp(x->why, y->why) == 0;
}

/* The outcome a run that ended in m is, made when new. */
static uint32_t outcome_of(struct search *s, const struct machine *m)
{
	struct explore_result *r = s->res;
	const char *out = s->out.s ? s->out.s : "";
	uint64_t oh = hash_bytes(0xcbf29ce484222325ull, out, s->out.len);
	s->why.len = 0;
	buf_puts(&s->why, "");
	enum verdict v = s->o->judge ? s->o->judge(s->o->judge_ctx, m, out, s->out.len, &s->why)
				     : VERDICT_OK;
	struct explore_outcome y = { .end = m->end, .exit_status = m->exit_status,
				     .fault = m->fault, .limit = m->limit, .verdict = v,
				     .why = s->why.s, .out = (char *)out, .outlen = s->out.len };
	for (size_t i = 0; i < r->noutcomes; i++)
		if (s->outcome_hash[i] == oh && outcome_same(&r->outcomes[i], &y))
			return (uint32_t)i;
	return outcome_add(s, &y, oh);
}

/* A new outcome like y (its words and output copied), of output hash oh. */
uint32_t outcome_add(struct search *s, const struct explore_outcome *y, uint64_t oh)
{
	struct explore_result *r = s->res;
	size_t cap = s->cap_outcomes, c2 = cap, c3 = cap;
	r->outcomes = xgrow(r->outcomes, &s->cap_outcomes, r->noutcomes + 1, sizeof *r->outcomes);
	s->outcome_hash = xgrow(s->outcome_hash, &cap, r->noutcomes + 1, sizeof *s->outcome_hash);
	s->opath = xgrow(s->opath, &c2, r->noutcomes + 1, sizeof *s->opath);
	s->oplen = xgrow(s->oplen, &c3, r->noutcomes + 1, sizeof *s->oplen);
	s->opath[r->noutcomes] = NULL;
	s->oplen[r->noutcomes] = 0;
	s->outcome_hash[r->noutcomes] = oh;
	struct explore_outcome *x = &r->outcomes[r->noutcomes];
	*x = *y;
	x->why = xstrdup(y->why);
	x->out = xmalloc(y->outlen + 1);
	if (y->outlen)
		memcpy(x->out, y->out, y->outlen);
	x->out[y->outlen] = 0;
	x->count = 0;
	x->saturated = 0;
	x->schedule = NULL;
	x->steps = NONE;
	return (uint32_t)r->noutcomes++;
}

/* Whether delivery i of frame f (ops[i], en[i]) must be tried at f's
 * state: a thread's next step depends on it, or it wakes a thread
 * blocked in I/O. */
static int delivery_matters(const struct frame *f, int nthreads, int i)
{
	for (int j = 0; j < nthreads; j++)
		if (dependent(&f->ops[j], &f->ops[i]))
			return 1;
	return net_wakes(f->m, net_delivery_file(f->m, (int)f->ops[i].addr));
}

/* How many processes of m are alive. */
static int live_procs(const struct machine *m)
{
	int n = 0;
	for (int i = 0; i < m->nprocs; i++)
		n += m->procs[i].state == PS_LIVE;
	return n;
}

/* Keep to the deliveries of frame f that can matter now: the others go
 * last in f->en, where the search does not take them.  A delivery no
 * thread's next step depends on, that wakes no one blocked, commutes
 * with every step the threads can take until one does depend on it (a
 * read, accept or epoll call on its file, a close, a process's end):
 * it is tried there, or once no thread can go.  The deliveries kept
 * are closed under dependence (two connections queue in order: one
 * kept keeps them all), so together with every thread's step they form
 * a persistent set and every end is still reached, each class of
 * equivalent schedules once. */
static void defer_deliveries(struct frame *f, int nthreads)
{
	int nd = f->nen - nthreads, keep[2 * EXPLORE_MAX_CLIENTS], conn = 0;
	if (!nthreads || !nd)
		return;
	for (int i = 0; i < nd; i++) {
		keep[i] = delivery_matters(f, nthreads, nthreads + i);
		conn |= keep[i] && f->ops[nthreads + i].write;
	}
	if (conn)
		for (int i = 0; i < nd; i++)
			keep[i] |= f->ops[nthreads + i].write;
	struct op ops[2 * EXPLORE_MAX_CLIENTS];
	int en[2 * EXPLORE_MAX_CLIENTS], n = 0;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < nd; i++)
			if (keep[i] == !pass) {
				ops[n] = f->ops[nthreads + i];
				en[n++] = f->en[nthreads + i];
			}
	memcpy(f->ops + nthreads, ops, (size_t)nd * sizeof *ops);
	memcpy(f->en + nthreads, en, (size_t)nd * sizeof *en);
	f->nexp = nthreads;
	for (int i = 0; i < nd; i++)
		f->nexp += keep[i];
}

/* Whether the deliveries frame f keeps waiting may still be taken
 * there, once a step is found to end a process: they are within the
 * bound on early deliveries. */
static int deferred_open(const struct search *s, const struct frame *f)
{
	return f->nexp < f->nen && (!s->o->bound_early || f->early < s->o->max_early);
}

/* Start frame f at the state in its machine: the threads that can take
 * a step (with a bound on preemptions the one that ran last first, else
 * by id), then the deliveries the network
 * can make, client by client, each whole and then split (with reduction,
 * only those that can matter are taken: see defer_deliveries). */
static void frame_choices(struct frame *f, int reduce)
{
	const struct machine *m = f->m;
	int n = 0, nc = m->net.held ? m->net.nclients : 0;
	f->nen = f->nexp = f->next = f->nthr = 0;
	for (int i = 0; i < m->nthreads && i < EXPLORE_MAX_THREADS; i++)
		n += runnable(&m->threads[i]);
	n += 2 * (nc < EXPLORE_MAX_CLIENTS ? nc : EXPLORE_MAX_CLIENTS);
	n = n ? n : 1;
	f->ops = xmalloc((size_t)n * (sizeof *f->ops + sizeof *f->en));
	f->en = (int *)(f->ops + n);
	if (m->state == RUN_ENDED)
		return;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < m->nthreads && i < EXPLORE_MAX_THREADS; i++) {
			const struct thread *t = &m->threads[i];
			if ((pass == 0) != (t->id == f->cur) || !runnable(t) || !can_go(m, t))
				continue;
			f->ops[f->nen] = next_op(m, t);
			f->en[f->nen++] = t->id;
		}
	int nthreads = f->nthr = f->nen;
	for (int c = 0; c < nc && c < EXPLORE_MAX_CLIENTS; c++) {
		int can = net_can_deliver(m, c);
		for (int split = 0; split < 2; split++) {
			if (!can || (split && !(can & NET_SPLIT)))
				continue;
			f->ops[f->nen] = (struct op){ OPK_NET, (can & NET_CONNECT) != 0, (uint64_t)c,
						      file_bit(net_delivery_file(m, c)) };
			f->en[f->nen++] = sched_delivery(c + 1, split);
		}
	}
	f->nexp = f->nen;
	f->live = live_procs(m);
	if (reduce)
		defer_deliveries(f, nthreads);
}

/* Whether thread tid taking the next step of f preempts the thread
 * that ran last (it could have gone on and did not give up the core). */
static int preempts(const struct frame *f, int tid)
{
	return f->cur && !is_delivery(tid) && tid != f->cur && f->nen && f->en[0] == f->cur;
}

/* Whether choice tid of f goes past a bound (1: the preemptions', 2:
 * the early deliveries'), the preemptions and early deliveries it
 * leaves used in *pre and *early.  A delivery is early when a thread
 * could take a step instead. */
static int past_bounds(const struct search *s, const struct frame *f, int tid, int *pre,
		       int *early)
{
	*pre = f->pre + preempts(f, tid);
	*early = f->early + (is_delivery(tid) && f->nthr > 0);
	if (s->bounded && *pre > s->o->max_preemptions)
		return 1;
	return s->o->bound_early && *early > s->o->max_early ? 2 : 0;
}

/* Start frame f at the state in m (taken over), node node. */
void frame_init(const struct search *s, struct frame *f, struct machine *m, uint32_t node,
		int cur, int pre, int early, struct sleep sleep, size_t outlen, uint64_t outhash)
{
	*f = (struct frame){ .m = m, .node = node, .cur = cur, .pre = pre, .early = early,
			     .sleep = sleep, .fail_len = NONE, .fail_child = NONE,
			     .outlen = outlen, .outhash = outhash };
	frame_choices(f, !s->o->no_reduction);
}

/* Room for one more frame on the stack, on top (not counted yet). */
struct frame *push_frame(struct search *s)
{
	s->stack = xgrow(s->stack, &s->cap_stack, s->depth + 1, sizeof *s->stack);
	return &s->stack[s->depth];
}

/* Push a frame for the state in m (taken over). */
static void push(struct search *s, struct machine *m, uint32_t node, int cur, int pre,
		 int early, struct sleep sleep, uint64_t outhash)
{
	frame_init(s, push_frame(s), m, node, cur, pre, early, sleep, s->out.len, outhash);
	s->depth++;
	s->held++;
}

/* A better failing suffix for f: step tid, then len more steps. */
static void fail_via(struct frame *f, uint32_t len, uint32_t child, int tid)
{
	if (len != NONE && len + 1 < f->fail_len) {
		f->fail_len = len + 1;
		f->fail_child = child;
		f->fail_tid = tid;
	}
}

/* The choice frame f is taking (or took last). */
static int frame_tid(const struct frame *f)
{
	return f->ge ? graph_edge_tid(f->ge, f->next - 1) : f->en[f->next - 1];
}

/* Pop the top frame: its node keeps what was learnt, the parent adds it. */
void pop(struct search *s)
{
	struct frame *f = &s->stack[--s->depth];
	struct seen *d = &s->nodes[f->node];
	d->fail_len = f->fail_len;
	d->fail_child = f->fail_child;
	d->fail_tid = f->fail_tid;
	d->settled = 1;
	s->pool = xgrow(s->pool, &s->cap_pool, s->npool + f->nacc, sizeof *s->pool);
	if (f->nacc)
		memcpy(s->pool + s->npool, f->acc, f->nacc * sizeof *f->acc);
	d->vec = (uint32_t)s->npool;
	d->nvec = (uint32_t)f->nacc;
	s->npool += f->nacc;
	if (s->depth) {
		struct frame *p = &s->stack[s->depth - 1];
		merge(s, p, f->acc, f->nacc);
		fail_via(p, f->fail_len, f->node, frame_tid(p));
	}
	xfree(f->acc);
	xfree(f->ops);
	if (f->m) {
		machine_free(f->m);
		s->held--;
	}
}

/* The steps from the start to the step the top frame is taking, into
 * s->path; returns how many. */
static size_t stack_path(struct search *s)
{
	s->path = xgrow(s->path, &s->cap_path, s->depth + 1, sizeof *s->path);
	for (size_t i = 0; i < s->depth; i++)
		s->path[i] = frame_tid(&s->stack[i]);
	return s->depth;
}

/* A fresh machine at the start of the search, settled, recording the
 * schedule it takes if asked to; -1 with err. */
static int start(struct search *s, struct machine *m, int record, char *err, size_t errlen)
{
	struct machine_config cfg = *s->cfg;
	cfg.cores = 1;
	cfg.policy = POLICY_FIFO;
	cfg.schedule = NULL;
	cfg.no_race_detect = 1;         /* the replay of a failure reports races */
	s->out.len = 0;
	if (machine_init(m, s->img, &cfg, s->lim, err, errlen) < 0)
		return -1;
	machine_set_sink(m, (struct event_sink){ on_print, &s->out, EV_BIT(EV_PRINT) });
	mem_track(&m->procs[0].mem);   /* a fork's copy keeps tracking */
	m->record = record;
	if (m->net.nclients)
		net_hold(m);    /* deliveries are choices */
	settle(m);
	return 0;
}

/* Run the steps path[0..n) from the start with the schedule recorded,
 * and give it as --schedule takes it for a machine with cfg's cores. */
static char *schedule_of(struct search *s, const int *path, size_t n)
{
	struct machine m;
	char err[160];
	if (start(s, &m, 1, err, sizeof err) < 0)
		return NULL;
	for (size_t i = 0; i < n && m.state != RUN_ENDED; i++)
		take_step(&m, path[i]);
	struct buf b = { 0 };
	sched_format(&m.taken, &b);
	for (int c = 1; c < s->cfg->cores; c++)
		buf_printf(&b, " | .*%llu", (unsigned long long)m.tick + 1);
	machine_done(&m);
	return b.s ? b.s : xstrdup("");
}

/* Keep the path to the step being taken as outcome id's first schedule. */
static void first_path(struct search *s, uint32_t id)
{
	if (s->opath[id])
		return;
	size_t n = stack_path(s);
	s->opath[id] = xmalloc((n + 1) * sizeof *s->opath[id]);
	memcpy(s->opath[id], s->path, n * sizeof *s->path);
	s->oplen[id] = (uint32_t)n;
}

/* The key of the state child c reached: with a bound, who ran last and
 * the preemptions used count too, and the early deliveries made. */
void child_key(const struct search *s, const struct child *c, struct node_key *k)
{
	state_hash(c->m, c->outhash, k->h);
	k->sleep = c->sleep;
	k->cur = s->bounded ? c->cur : 0;
	k->pre = s->bounded ? c->pre : 0;
	if (s->o->bound_early)
		k->pre |= c->early << 20;
}

int path_end(struct search *s, const int *path, size_t n, uint64_t h[2], size_t *runs)
{
	struct machine m;
	char err[160];
	if (start(s, &m, 1, err, sizeof err) < 0)
		return 0;
	size_t i = 0;
	for (; i < n && m.state != RUN_ENDED; i++) {
		const struct thread *t = machine_thread(&m, path[i]);
		if (is_delivery(path[i]) || !t || !runnable(t))
			break;
		take_step(&m, path[i]);
	}
	int ended = i == n && m.state == RUN_ENDED;
	if (ended) {                    /* the outcome, as outcome_of tells them apart */
		const char *out = s->out.s ? s->out.s : "";
		s->why.len = 0;
		buf_puts(&s->why, "");
		enum verdict v = s->o->judge ? s->o->judge(s->o->judge_ctx, &m, out, s->out.len,
							   &s->why) : VERDICT_OK;
		int64_t w[] = { m.end, m.exit_status, m.fault, m.limit, v };
		for (int j = 0; j < 2; j++) {
			h[j] = hash_bytes(j ? 0x84222325cbf29ce4ull : 0xcbf29ce484222325ull, w, sizeof w);
			h[j] = hash_bytes(h[j], s->why.s, s->why.len + 1);
			h[j] = hash_bytes(h[j], out, s->out.len);
		}
		*runs = m.taken.lane[0].n;
	}
	machine_done(&m);
	return ended;
}

/* The shortest failing path, walked down the nodes from the root; 0
 * when the walk does not reach a failing end. */
static size_t shortest_failing(struct search *s, uint32_t root)
{
	size_t n = 0;
	uint32_t at = root;
	while (at != NONE && s->nodes[at].fail_len != NONE && s->nodes[at].fail_len != 0) {
		const struct seen *d = &s->nodes[at];
		s->path = xgrow(s->path, &s->cap_path, n + 1, sizeof *s->path);
		s->path[n++] = d->fail_tid;
		if (d->fail_child == NONE)
			return n;
		if (n > s->nnodes)
			break;
		at = d->fail_child;
	}
	return 0;
}

/* Tell the caller of a step from state from by tid to state (or end
 * outcome) to. */
static void tell_step(struct search *s, uint32_t from, int tid, uint32_t to, int end)
{
	if (!s->o->on_step)
		return;
	struct explore_step st = { .from = from, .to = to, .tid = is_delivery(tid) ? 0 : tid,
				   .end = end, .outcome = end ? &s->res->outcomes[to] : NULL };
	if (is_delivery(tid)) {
		st.client = sched_delivery_client(tid);
		st.split = sched_delivery_split(tid);
	}
	s->o->on_step(s->o->step_ctx, &st);
}

/* Take frame f's next choice, the output going to out (f->outlen long
 * at f's state): whether it is asleep or past a bound, or else the step
 * taken, in c (the others' sleep sets and bounds as the search keeps
 * them).  The last choice the frame can take takes its machine; the
 * others a copy.  What it does is a function of f's node alone. */
enum choice next_choice(const struct search *s, struct frame *f, struct buf *out,
			struct child *c)
{
	int k = f->next++, tid = f->en[k];
	if (asleep(f->sleep, tid))
		return CH_ASLEEP;
	int pre, early, past = past_bounds(s, f, tid, &pre, &early);
	if (past)
		return past == 1 ? CH_CUT_BOUND : CH_CUT_EARLY;
	struct sleep sleep = { 0, 0 };
	if (!s->o->no_reduction) {
		for (int j = 0; j < f->nen; j++)
			if (asleep(f->sleep, f->en[j]) && !dependent(&f->ops[j], &f->ops[k]))
				put_asleep(&sleep, f->en[j]);
		put_asleep(&f->sleep, tid);
	}
	out->len = f->outlen;
	int last = 1;
	for (int j = k + 1, p, e; j < f->nexp && last; j++)
		last = asleep(f->sleep, f->en[j]) || past_bounds(s, f, f->en[j], &p, &e);
	last = last && !deferred_open(s, f);    /* they may be needed yet */
	struct machine *m = f->m;
	if (last) {
		f->m = NULL;
	} else {
		m = machine_clone(f->m);
	}
	machine_set_sink(m, (struct event_sink){ on_print, out, EV_BIT(EV_PRINT) });
	take_step(m, tid);
	/* a step that ends the run or a process (an assertion, a fault)
	 * disables what the network had to deliver, whatever the step
	 * looked like: the deliveries kept waiting are tried here too */
	if (f->nen > f->nthr && (m->state == RUN_ENDED || live_procs(m) != f->live)) {
		f->nexp = f->nen;
		f->ops[k].files = ALL_FILES;    /* so no delivery sleeps on it */
	}
	*c = (struct child){ .m = m, .tid = tid, .took = last, .pre = pre, .early = early,
			     .sleep = sleep };
	c->outhash = out->len == f->outlen ? f->outhash :
		     hash_bytes(f->outhash, out->s + f->outlen, out->len - f->outlen);
	/* who ran last: a delivery leaves it so, a yield gives the core up;
	 * without a bound it is not kept, so that what a state's frame does
	 * is the same however the search came to it */
	c->cur = !s->bounded ? 0 : is_delivery(tid) ? f->cur :
		 f->ops[k].kind == OPK_YIELD ? 0 : tid;
	return CH_STEP;
}

/* Frame f's step tid ended the run, as outcome id. */
void arrive_end(struct search *s, struct frame *f, int tid, uint32_t id)
{
	tell_step(s, f->node, tid, id, 1);
	struct count one = { id, 1 };
	merge(s, f, &one, 1);
	first_path(s, id);
	if (s->res->outcomes[id].verdict == VERDICT_FAILED)
		fail_via(f, 0, NONE, tid);
}

/* Frame f's step tid reached node (made for it when fresh): what the
 * search does next (a state to push, or a stop, in s->res->stop). */
enum arrival arrive_node(struct search *s, struct frame *f, int tid, uint32_t node, int fresh)
{
	struct explore_result *r = s->res;
	const struct seen *d = &s->nodes[node];
	if (!fresh || s->nnodes <= s->o->max_states)    /* not the state that stops it */
		tell_step(s, f->node, tid, node, 0);
	if (!fresh && d->settled) {
		if (d->nvec)
			merge(s, f, s->pool + d->vec, d->nvec);
		fail_via(f, d->fail_len, node, tid);
		return ARRIVE_DONE;
	}
	if (!fresh) {                   /* back to a state on this schedule */
		r->cycles++;
		return ARRIVE_DONE;
	}
	if (s->nnodes > s->o->max_states) {
		r->stop = EXPLORE_STATES;
		return ARRIVE_STOP;
	}
	if (s->depth >= EXPLORE_MAX_DEPTH || s->held >= EXPLORE_MAX_HELD) {
		r->stop = EXPLORE_DEPTH;
		return ARRIVE_STOP;
	}
	return ARRIVE_PUSH;
}

/* The search proper: depth first from the frame on the stack. */
static void search(struct search *s)
{
	struct explore_result *r = s->res;
	while (s->depth) {
		struct frame *f = &s->stack[s->depth - 1];
		if (f->next == f->nexp) {
			pop(s);
			continue;
		}
		if (s->o->interrupted && *s->o->interrupted && (r->steps & 1023) == 0) {
			r->stop = EXPLORE_INTERRUPTED;
			return;
		}
		struct child c;
		enum choice ch = next_choice(s, f, &s->out, &c);
		if (ch != CH_STEP) {
			r->cut_by_bound += ch == CH_CUT_BOUND;
			r->cut_by_early += ch == CH_CUT_EARLY;
			continue;
		}
		s->held -= c.took;
		r->steps++;
		if (c.m->nthreads > EXPLORE_MAX_THREADS) {
			machine_free(c.m);
			r->stop = EXPLORE_THREADS;
			return;
		}
		if (c.m->state == RUN_ENDED) {
			arrive_end(s, f, c.tid, outcome_of(s, c.m));
			machine_free(c.m);
			continue;
		}
		struct node_key k;
		int fresh;
		child_key(s, &c, &k);
		uint32_t node = node_get(s, &k, &fresh);
		enum arrival a = arrive_node(s, f, c.tid, node, fresh);
		if (a == ARRIVE_PUSH) {
			push(s, c.m, node, c.cur, c.pre, c.early, c.sleep, c.outhash);
			continue;
		}
		machine_free(c.m);
		if (a == ARRIVE_STOP)
			return;
	}
}

/* The search, on o->jobs host threads. */
static int explore_on(const struct image *img, const struct machine_config *cfg,
		      const struct limits *lim, const struct explore_options *o,
		      struct explore_result *res, char *err, size_t errlen)
{
	struct search s = { .img = img, .cfg = cfg, .lim = lim, .o = o, .res = res,
			    .bounded = o->max_preemptions >= 0 };
	memset(res, 0, sizeof *res);
	res->jobs = 1;
	res->failed = -1;
	struct machine *m = xmalloc(sizeof *m);
	if (start(&s, m, 0, err, errlen) < 0) {
		xfree(m);
		return -1;
	}
	if (m->net.nclients > EXPLORE_MAX_CLIENTS) {
		machine_free(m);
		res->stop = EXPLORE_CLIENTS;
		search_free(&s);
		return 0;
	}
	uint32_t root = NONE;
	if (m->state == RUN_ENDED) {
		uint32_t id = outcome_of(&s, m);
		res->outcomes[id].count = 1;
		s.opath[id] = xmalloc(sizeof *s.opath[id]);
		machine_free(m);
	} else {
		int fresh;
		uint64_t outhash = hash_bytes(0xcbf29ce484222325ull, s.out.s ? s.out.s : "", s.out.len);
		struct node_key k;
		child_key(&s, &(struct child){ .m = m, .outhash = outhash }, &k);
		root = node_get(&s, &k, &fresh);
		/* the steps told as they are taken (a state graph drawn) come
		 * from one job: a search over the graph might have to start over */
		if (o->jobs > 1 && !o->on_step && search_jobs(&s, m, outhash) == 0) {
			res->jobs = o->jobs < EXPLORE_MAX_JOBS ? o->jobs : EXPLORE_MAX_JOBS;
			machine_free(m);
		} else {
			push(&s, m, root, 0, 0, 0, (struct sleep){ 0, 0 }, outhash);
			search(&s);
		}
		while (s.depth)                 /* after a stop: the counts so far */
			pop(&s);
		const struct seen *d = &s.nodes[root];
		for (uint32_t i = 0; i < d->nvec; i++)
			res->outcomes[s.pool[d->vec + i].id].count = s.pool[d->vec + i].n;
	}
	res->states = s.nnodes;
	/* the counts, the schedules, and the shortest failing one */
	uint32_t best = NONE;
	for (size_t i = 0; i < res->noutcomes; i++) {
		struct explore_outcome *x = &res->outcomes[i];
		add_count(&res->schedules, x->count, &res->saturated);
		res->saturated |= x->saturated;
		x->schedule = schedule_of(&s, s.opath[i], s.oplen[i]);
		x->steps = s.oplen[i];
		if (x->verdict == VERDICT_FAILED && (best == NONE || s.oplen[i] < res->outcomes[best].steps))
			best = (uint32_t)i;
	}
	if (best != NONE) {
		res->failed = (int)best;
		size_t n = root == NONE ? 0 : shortest_failing(&s, root);
		const int *fail = s.opath[best];
		size_t nfail = s.oplen[best];
		if (n && n < res->outcomes[best].steps) {
			/* the walk ends in a failing outcome: which one, the run says */
			struct machine w;
			if (start(&s, &w, 0, err, errlen) == 0) {
				for (size_t i = 0; i < n && w.state != RUN_ENDED; i++)
					take_step(&w, s.path[i]);
				if (w.state == RUN_ENDED) {
					uint32_t id = outcome_of(&s, &w);
					struct explore_outcome *x = &res->outcomes[id];
					if (x->verdict == VERDICT_FAILED) {
						xfree(x->schedule);
						x->schedule = schedule_of(&s, s.path, n);
						x->steps = (uint32_t)n;
						res->failed = (int)id;
						fail = s.path;
						nfail = n;
					}
				}
				machine_done(&w);
			}
		}
		/* told with as few switches as runs ending the same way allow */
		int *p = xmalloc((nfail ? nfail : 1) * sizeof *p);
		memcpy(p, fail, nfail * sizeof *p);
		if (fewer_switches(&s, p, nfail)) {
			struct explore_outcome *x = &res->outcomes[res->failed];
			xfree(x->schedule);
			x->schedule = schedule_of(&s, p, nfail);
		}
		xfree(p);
	}
	search_free(&s);
	return 0;
}

/* A search on several host threads starts with one, to a few thousand
 * states: most searches end there, before the threads would pay. */
#define EXPLORE_ALONE_FIRST 4000

int explore(const struct image *img, const struct machine_config *cfg,
	    const struct limits *lim, const struct explore_options *o,
	    struct explore_result *res, char *err, size_t errlen)
{
	if (o->jobs <= 1 || o->on_step)
		return explore_on(img, cfg, lim, o, res, err, errlen);
	struct explore_options one = *o;
	uint64_t first = o->alone_first ? o->alone_first : EXPLORE_ALONE_FIRST;
	one.jobs = 1;
	if (one.max_states > first)
		one.max_states = first;
	int rc = explore_on(img, cfg, lim, &one, res, err, errlen);
	if (rc < 0 || res->stop != EXPLORE_STATES || o->max_states <= first)
		return rc;
	explore_result_free(res);
	return explore_on(img, cfg, lim, o, res, err, errlen);
}

/* Free what s holds beside the result. */
void search_free(struct search *s)
{
	for (size_t i = 0; i < s->res->noutcomes; i++)
		xfree(s->opath[i]);
	xfree(s->opath);
	xfree(s->oplen);
	xfree(s->outcome_hash);
	xfree(s->path);
	xfree(s->stack);
	xfree(s->nodes);
	xfree(s->keys);
	xfree(s->table);
	xfree(s->pool);
	buf_free(&s->out);
	buf_free(&s->why);
	pool_flush();   /* the search's machines are gone */
}

void explore_result_free(struct explore_result *res)
{
	for (size_t i = 0; i < res->noutcomes; i++) {
		xfree(res->outcomes[i].out);
		xfree(res->outcomes[i].why);
		xfree(res->outcomes[i].schedule);
	}
	xfree(res->outcomes);
	memset(res, 0, sizeof *res);
}
