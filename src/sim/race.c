/* race: vector clocks, shadow words and the races they show. */
#include "race.h"

#include <string.h>

#include "core.h"
#include "heap.h"

#define WORD_BYTES 8u                   /* the unit a race is about */
/* Shadow is made by chunks of SH_BYTES bytes of memory, when a word of
 * one is first reached: a coroutine's stack, of which a few hundred
 * bytes at its top are used, costs a chunk or two, not a page's worth. */
#define SH_SHIFT 8
#define SH_BYTES (1u << SH_SHIFT)
#define SH_WORDS (SH_BYTES / WORD_BYTES)
#define LEAF_CHUNKS (1u << (LEAF_SHIFT - SH_SHIFT))

enum { RA_WRITE = 1 };

/* One access remembered: by whom, at which of its clocks, which
 * instruction, with which mutexes held. */
struct racc {
	uint32_t clock;
	uint16_t tid;           /* 0: none */
	uint16_t how;           /* RA_WRITE, or 0 for a read */
	uint32_t insn;          /* the instruction's index in the code */
	uint32_t locks;         /* its lock set */
};

/* What is known of one word. */
struct shadow {
	struct racc w;          /* the last write */
	struct racc r;          /* the read since, when one is enough */
	uint32_t rs;            /* 1 + index of the reads since, when several threads' are kept */
	uint32_t report;        /* 1 + index of the word's report (0: none yet) */
};

/* The shadow of one chunk, shared between copies until either changes it. */
struct shpage {
	uint32_t refs;
	struct shadow w[SH_WORDS];
};

/* The shadows of the bytes of one word that byte accesses (ldb, stb)
 * reached: a byte is checked against the others' accesses to that
 * byte and against the word accesses of its word, which are in the
 * word's own shadow. */
struct bword {
	uint64_t addr;          /* the word (0: an empty slot) */
	struct shadow b[WORD_BYTES];
};

/* The shadow chunks of one leaf of the address space (NULL: none made),
 * shared between copies of the detector until either changes it. */
struct shleaf {
	uint32_t refs;
	struct shpage *pg[LEAF_CHUNKS];
};

/* A vector clock: a trie of VC_LEVELS levels over thread id - 1, VC_FAN
 * ways at each, whose leaves hold VC_FAN threads' entries (a missing
 * node: all 0).  Nodes are shared between clocks and copied before a
 * change when shared, so a clock that learns what another knows mostly
 * points to that one's nodes: a join, a copy and the memory they take
 * grow with what differs, not with the number of threads. */
#define VC_FAN 16
#define VC_BITS 4
#define VC_LEVELS 3                     /* VC_FAN^3 = 4096 = MAX_THREADS_LIMIT */
struct vnode {
	uint32_t refs;                  /* the clocks and nodes pointing to it */
	union {
		struct vnode *kid[VC_FAN];      /* above the leaves */
		uint32_t v[VC_FAN];             /* a leaf */
	} u;
};

struct vc {
	struct vnode *root;
};

/* Reads of one word by several threads not ordered with each other:
 * the last of each thread. */
struct rset {
	struct racc *a;
	uint32_t n, cap;
};

/* A thread: its clock (its own entry also in epoch) and the lock set it
 * holds. */
struct rthread {
	struct vc vc;
	uint32_t epoch;
	uint32_t locks;
};

/* The clock of a sync object (addr 0: an empty slot). */
struct sclock {
	uint64_t addr;
	struct vc vc;
};

/* A lock set: n addresses from off in the pool, sorted. */
struct lset {
	uint32_t off, n;
};

struct race {
	struct race_front front;        /* first: race_access() reads it */
	struct shleaf *leaf[NLEAVES];
	struct rthread *th;             /* by thread id - 1 */
	uint32_t nth, capth;
	struct sclock *sync;            /* open addressing, linear probing */
	uint32_t nsync, capsync;        /* capsync: 0 or a power of two */
	struct rset *rsets;
	uint32_t nrsets, caprsets;
	uint32_t *rsfree;               /* rsets not in use */
	uint32_t nrsfree, caprsfree;
	uint64_t *pool;                 /* the lock sets' addresses */
	uint32_t npool, cappool;
	struct lset *sets;              /* set 0 is empty */
	uint32_t nsets, capsets;
	uint32_t *setidx;               /* 1 + set, by hash (0: empty slot) */
	uint32_t capidx;
	struct race_report *reports;
	uint32_t nreports, capreports;
	uint32_t *byaddr;               /* reports by address */
	int pending;                    /* the report to emit (-1: none) */
	struct bword *bytes;            /* open addressing, linear probing */
	uint32_t nbytes, capbytes;      /* capbytes: 0 or a power of two */
};

/* ---- vector clocks ---------------------------------------------------- */

/* The child of a node at level d (0: the root) that thread id - 1 = i
 * goes to. */
static inline unsigned vc_way(unsigned i, int d)
{
	return (i >> (VC_BITS * (VC_LEVELS - 1 - d))) & (VC_FAN - 1);
}

/* Thread tid's entry of v. */
static inline uint32_t vc_get(const struct vc *v, unsigned tid)
{
	unsigned i = tid - 1;
	const struct vnode *n = v->root;
	for (int d = 0; n && d < VC_LEVELS - 1; d++)
		n = n->u.kid[vc_way(i, d)];
	return n ? n->u.v[vc_way(i, VC_LEVELS - 1)] : 0;
}

/* Another reference to n. */
static struct vnode *vn_share(struct vnode *n)
{
	if (n)
		n->refs++;
	return n;
}

/* Drop a reference to n, a node of level d. */
static void vn_drop(struct vnode *n, int d)
{
	if (!n || --n->refs)
		return;
	if (d < VC_LEVELS - 1)
		for (int k = 0; k < VC_FAN; k++)
			vn_drop(n->u.kid[k], d + 1);
	xfree(n);
}

/* The node at *slot (level d) made this reference's own: new when
 * missing, a copy when shared. */
static struct vnode *vn_own(struct vnode **slot, int d)
{
	struct vnode *n = *slot;
	if (n && n->refs == 1)
		return n;
	struct vnode *c = xcalloc(1, sizeof *c);
	c->refs = 1;
	if (n) {
		c->u = n->u;
		if (d < VC_LEVELS - 1)
			for (int k = 0; k < VC_FAN; k++)
				vn_share(c->u.kid[k]);
		n->refs--;
	}
	return *slot = c;
}

/* Set thread tid's entry of v to x. */
static void vc_set(struct vc *v, unsigned tid, uint32_t x)
{
	unsigned i = tid - 1;
	struct vnode **slot = &v->root;
	for (int d = 0; d < VC_LEVELS - 1; d++)
		slot = &vn_own(slot, d)->u.kid[vc_way(i, d)];
	vn_own(slot, VC_LEVELS - 1)->u.v[vc_way(i, VC_LEVELS - 1)] = x;
}

/* The join of a and b, nodes of level d: a reference to a node whose
 * entries are the later of theirs.  Takes over the reference to a; b is
 * only read.  Where one side already holds the later entries, its node
 * is the result. */
static struct vnode *vn_join(struct vnode *a, struct vnode *b, int d)
{
	if (!b || a == b)
		return a;
	if (!a)
		return vn_share(b);
	int a_later = 1, b_later = 1;
	if (d == VC_LEVELS - 1) {
		for (int k = 0; k < VC_FAN; k++) {
			a_later &= a->u.v[k] >= b->u.v[k];
			b_later &= b->u.v[k] >= a->u.v[k];
		}
		if (a_later)
			return a;
		if (b_later) {
			vn_drop(a, d);
			return vn_share(b);
		}
		a = vn_own(&a, d);
		for (int k = 0; k < VC_FAN; k++)
			if (b->u.v[k] > a->u.v[k])
				a->u.v[k] = b->u.v[k];
		return a;
	}
	if (a->refs == 1) {     /* a's own: joined in place */
		for (int w = 0; w < VC_FAN; w++) {
			a->u.kid[w] = vn_join(a->u.kid[w], b->u.kid[w], d + 1);
			b_later &= a->u.kid[w] == b->u.kid[w];
		}
		if (!b_later)
			return a;
		vn_drop(a, d);  /* it came out the same as b: share b's */
		return vn_share(b);
	}
	struct vnode *k[VC_FAN];
	for (int w = 0; w < VC_FAN; w++) {
		k[w] = vn_join(vn_share(a->u.kid[w]), b->u.kid[w], d + 1);
		a_later &= k[w] == a->u.kid[w];
		b_later &= k[w] == b->u.kid[w];
	}
	if (a_later || b_later) {
		for (int w = 0; w < VC_FAN; w++)
			vn_drop(k[w], d + 1);
		if (a_later)
			return a;
		vn_drop(a, d);
		return vn_share(b);
	}
	a = vn_own(&a, d);
	for (int w = 0; w < VC_FAN; w++) {
		vn_drop(a->u.kid[w], d + 1);
		a->u.kid[w] = k[w];
	}
	return a;
}

/* dst takes the later of its and src's entries. */
static void vc_join(struct vc *dst, const struct vc *src)
{
	dst->root = vn_join(dst->root, src->root, 0);
}

/* A copy of src in dst (dst uninitialised): the same nodes. */
static void vc_clone(struct vc *dst, const struct vc *src)
{
	dst->root = vn_share(src->root);
}

/* Let v go. */
static void vc_free(struct vc *v)
{
	vn_drop(v->root, 0);
	v->root = NULL;
}

/* ---- threads ------------------------------------------------------------ */

/* Thread tid's state, made when it is new. */
static struct rthread *thread_of(struct race *r, int tid)
{
	if ((uint32_t)tid > r->nth) {
		if ((uint32_t)tid > r->capth) {
			size_t cap = r->capth;
			r->th = xgrow(r->th, &cap, (size_t)tid, sizeof *r->th);
			r->capth = (uint32_t)cap;
		}
		memset(r->th + r->nth, 0, ((uint32_t)tid - r->nth) * sizeof *r->th);
		r->nth = (uint32_t)tid;
	}
	return &r->th[tid - 1];
}

/* Thread tid moves on to its next clock: what it does from now on is not
 * known to those it synchronised with so far. */
static void tick(struct race *r, int tid)
{
	struct rthread *t = thread_of(r, tid);
	vc_set(&t->vc, (unsigned)tid, ++t->epoch);
	r->front.gen++;
}

/* ---- sync objects' clocks --------------------------------------------- */

/* The slot of addr in the sync table (capsync > 0). */
static inline uint32_t sync_slot(const struct race *r, uint64_t addr)
{
	return (uint32_t)(((addr >> 3) * 0x9e3779b97f4a7c15ull) >> 32) & (r->capsync - 1);
}

/* The slot holding the clock of the object at addr, or -1. */
static int64_t sync_index(const struct race *r, uint64_t addr)
{
	if (!r->capsync)
		return -1;
	for (uint32_t i = sync_slot(r, addr);; i = (i + 1) & (r->capsync - 1)) {
		if (r->sync[i].addr == addr)
			return i;
		if (!r->sync[i].addr)
			return -1;
	}
}

/* The clock of the object at addr, or NULL when it has none. */
static struct vc *sync_find(struct race *r, uint64_t addr)
{
	int64_t i = sync_index(r, addr);
	return i < 0 ? NULL : &r->sync[i].vc;
}

/* Put e into the sync table, which has room. */
static void sync_put(struct race *r, struct sclock e)
{
	uint32_t i = sync_slot(r, e.addr);
	while (r->sync[i].addr)
		i = (i + 1) & (r->capsync - 1);
	r->sync[i] = e;
}

/* The clock of the object at addr, made when missing. */
static struct vc *sync_get(struct race *r, uint64_t addr)
{
	struct vc *v = sync_find(r, addr);
	if (v)
		return v;
	if (2 * (r->nsync + 1) > r->capsync) {
		struct sclock *old = r->sync;
		uint32_t oldcap = r->capsync;
		r->capsync = oldcap ? 2 * oldcap : 16;
		r->sync = xcalloc(r->capsync, sizeof *r->sync);
		for (uint32_t i = 0; i < oldcap; i++)
			if (old[i].addr)
				sync_put(r, old[i]);
		xfree(old);
	}
	r->nsync++;
	sync_put(r, (struct sclock){ addr, { NULL } });
	return sync_find(r, addr);
}

/* Take slot i out of the sync table, moving up the entries after it. */
static void sync_remove_slot(struct race *r, uint32_t i)
{
	uint32_t mask = r->capsync - 1;
	vc_free(&r->sync[i].vc);
	r->sync[i] = (struct sclock){ 0 };
	r->nsync--;
	for (uint32_t j = (i + 1) & mask; r->sync[j].addr; j = (j + 1) & mask) {
		struct sclock e = r->sync[j];
		r->sync[j] = (struct sclock){ 0 };
		sync_put(r, e);
	}
}

/* Forget the clocks of objects in [lo, hi). */
static void sync_forget(struct race *r, uint64_t lo, uint64_t hi)
{
	if (!r->nsync)
		return;
	if ((hi - lo) / WORD_BYTES < r->capsync) {
		for (uint64_t a = lo; a < hi; a += WORD_BYTES) {
			int64_t i = sync_index(r, a);
			if (i >= 0)
				sync_remove_slot(r, (uint32_t)i);
		}
		return;
	}
	for (uint32_t i = 0; i < r->capsync;) {
		if (r->sync[i].addr >= lo && r->sync[i].addr < hi)
			sync_remove_slot(r, i);         /* slot i gets another entry: look again */
		else
			i++;
	}
}

/* ---- lock sets ---------------------------------------------------------- */

/* The hash of a sorted list of n addresses. */
static uint32_t lset_hash(const uint64_t *a, uint32_t n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ n;
	for (uint32_t i = 0; i < n; i++)
		h = (h ^ a[i]) * 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

/* Put set id into the index, which has room. */
static void lset_index(struct race *r, uint32_t id)
{
	const struct lset *s = &r->sets[id];
	uint32_t i = lset_hash(r->pool + s->off, s->n) & (r->capidx - 1);
	while (r->setidx[i])
		i = (i + 1) & (r->capidx - 1);
	r->setidx[i] = id + 1;
}

/* The id of the set of the n sorted addresses a, made when new. */
static uint32_t lset_intern(struct race *r, const uint64_t *a, uint32_t n)
{
	if (!n)
		return 0;
	uint32_t h = lset_hash(a, n);
	for (uint32_t i = h & (r->capidx - 1); r->setidx[i]; i = (i + 1) & (r->capidx - 1)) {
		const struct lset *s = &r->sets[r->setidx[i] - 1];
		if (s->n == n && memcmp(r->pool + s->off, a, n * sizeof *a) == 0)
			return r->setidx[i] - 1;
	}
	size_t cap = r->cappool;
	r->pool = xgrow(r->pool, &cap, (size_t)r->npool + n, sizeof *r->pool);
	r->cappool = (uint32_t)cap;
	memcpy(r->pool + r->npool, a, n * sizeof *a);
	cap = r->capsets;
	r->sets = xgrow(r->sets, &cap, (size_t)r->nsets + 1, sizeof *r->sets);
	r->capsets = (uint32_t)cap;
	uint32_t id = r->nsets++;
	r->sets[id] = (struct lset){ r->npool, n };
	r->npool += n;
	if (2 * r->nsets > r->capidx) {
		xfree(r->setidx);
		r->capidx *= 2;
		r->setidx = xcalloc(r->capidx, sizeof *r->setidx);
		for (uint32_t i = 1; i < r->nsets; i++)
			lset_index(r, i);
	} else {
		lset_index(r, id);
	}
	return id;
}

/* Set id with addr added (add) or taken out. */
static uint32_t lset_with(struct race *r, uint32_t id, uint64_t addr, int add)
{
	const struct lset s = r->sets[id];
	uint64_t small[16], *a = s.n + 1 <= 16 ? small : xmalloc((s.n + 1) * sizeof *a);
	uint32_t n = 0, done = 0;
	for (uint32_t i = 0; i < s.n; i++) {
		uint64_t x = r->pool[s.off + i];
		if (x == addr) {
			done = 1;
			if (!add)
				continue;
		} else if (add && !done && x > addr) {
			a[n++] = addr;
			done = 1;
		}
		a[n++] = x;
	}
	if (add && !done)
		a[n++] = addr;
	uint32_t out = lset_intern(r, a, n);
	if (a != small)
		xfree(a);
	return out;
}

/* ---- shadow pages ------------------------------------------------------- */

/* The shadow of the word at addr for reading, or NULL when none was made. */
static inline const struct shadow *shadow_peek(const struct race *r, uint64_t addr)
{
	const struct shleaf *l = r->leaf[addr >> LEAF_SHIFT];
	const struct shpage *p = l ? l->pg[(addr >> SH_SHIFT) & (LEAF_CHUNKS - 1)] : NULL;
	return p ? &p->w[(addr & (SH_BYTES - 1)) / WORD_BYTES] : NULL;
}

/* Drop a reference to leaf l and, with its last, to its chunks. */
static void leaf_drop(struct shleaf *l)
{
	if (!l || --l->refs)
		return;
	for (size_t j = 0; j < LEAF_CHUNKS; j++)
		if (l->pg[j] && --l->pg[j]->refs == 0)
			xfree(l->pg[j]);
	xfree(l);
}

/* The leaf of addr, made when missing, made this detector's own (a copy
 * sharing the same chunks) when shared. */
static struct shleaf *leaf_own(struct race *r, uint64_t addr)
{
	struct shleaf **l = &r->leaf[addr >> LEAF_SHIFT];
	if (!*l) {
		*l = xcalloc(1, sizeof **l);
		(*l)->refs = 1;
	} else if ((*l)->refs > 1) {
		struct shleaf *c = xmalloc(sizeof *c);
		memcpy(c, *l, sizeof *c);
		c->refs = 1;
		for (size_t j = 0; j < LEAF_CHUNKS; j++)
			if (c->pg[j])
				c->pg[j]->refs++;
		(*l)->refs--;
		*l = c;
	}
	return *l;
}

/* The shadow of the word at addr for writing: made when missing, made
 * this detector's own when shared with a copy. */
static struct shadow *shadow_get(struct race *r, uint64_t addr)
{
	struct shleaf *l = leaf_own(r, addr);
	struct shpage **p = &l->pg[(addr >> SH_SHIFT) & (LEAF_CHUNKS - 1)];
	if (!*p) {
		*p = xcalloc(1, sizeof **p);
		(*p)->refs = 1;
	} else if ((*p)->refs > 1) {
		struct shpage *c = xmalloc(sizeof *c);
		memcpy(c, *p, sizeof *c);
		c->refs = 1;
		(*p)->refs--;
		*p = c;
	}
	return &(*p)->w[(addr & (SH_BYTES - 1)) / WORD_BYTES];
}

/* A new empty set of reads; its index + 1. */
static uint32_t rset_new(struct race *r)
{
	if (r->nrsfree) {
		uint32_t i = r->rsfree[--r->nrsfree];
		r->rsets[i].n = 0;
		return i + 1;
	}
	size_t cap = r->caprsets;
	r->rsets = xgrow(r->rsets, &cap, (size_t)r->nrsets + 1, sizeof *r->rsets);
	r->caprsets = (uint32_t)cap;
	r->rsets[r->nrsets] = (struct rset){ NULL, 0, 0 };
	return ++r->nrsets;
}

/* Give set rs (1 + index) back. */
static void rset_drop(struct race *r, uint32_t rs)
{
	size_t cap = r->caprsfree;
	r->rsfree = xgrow(r->rsfree, &cap, (size_t)r->nrsfree + 1, sizeof *r->rsfree);
	r->caprsfree = (uint32_t)cap;
	r->rsfree[r->nrsfree++] = rs - 1;
}

/* Put a into set rs, in place of the same thread's read. */
static void rset_put(struct race *r, uint32_t rs, struct racc a)
{
	struct rset *s = &r->rsets[rs - 1];
	for (uint32_t i = 0; i < s->n; i++)
		if (s->a[i].tid == a.tid) {
			s->a[i] = a;
			return;
		}
	size_t cap = s->cap;
	s->a = xgrow(s->a, &cap, (size_t)s->n + 1, sizeof *s->a);
	s->cap = (uint32_t)cap;
	s->a[s->n++] = a;
}

/* ---- byte shadows --------------------------------------------------------- */

/* The slot of word addr in the byte table (capbytes > 0). */
static inline uint32_t bword_slot(const struct race *r, uint64_t addr)
{
	return (uint32_t)(((addr >> 3) * 0x9e3779b97f4a7c15ull) >> 32) & (r->capbytes - 1);
}

/* The byte shadows of word addr, or NULL when no byte of it was reached. */
static struct bword *bword_find(const struct race *r, uint64_t addr)
{
	if (!r->nbytes)
		return NULL;
	for (uint32_t i = bword_slot(r, addr);; i = (i + 1) & (r->capbytes - 1)) {
		if (r->bytes[i].addr == addr)
			return &r->bytes[i];
		if (!r->bytes[i].addr)
			return NULL;
	}
}

/* The byte shadows of word addr, made when missing. */
static struct bword *bword_get(struct race *r, uint64_t addr)
{
	struct bword *b = bword_find(r, addr);
	if (b)
		return b;
	if (2 * (r->nbytes + 1) > r->capbytes) {
		struct bword *old = r->bytes;
		uint32_t n = r->capbytes;
		r->capbytes = n ? 2 * n : 16;
		r->bytes = xcalloc(r->capbytes, sizeof *r->bytes);
		for (uint32_t i = 0; i < n; i++)
			if (old[i].addr) {
				uint32_t j = bword_slot(r, old[i].addr);
				while (r->bytes[j].addr)
					j = (j + 1) & (r->capbytes - 1);
				r->bytes[j] = old[i];
			}
		xfree(old);
	}
	uint32_t i = bword_slot(r, addr);
	while (r->bytes[i].addr)
		i = (i + 1) & (r->capbytes - 1);
	memset(&r->bytes[i], 0, sizeof r->bytes[i]);
	r->bytes[i].addr = addr;
	r->nbytes++;
	return &r->bytes[i];
}

/* ---- the detector ------------------------------------------------------- */

struct race *race_new(void)
{
	struct race *r = xcalloc(1, sizeof *r);
	r->capidx = 16;
	r->setidx = xcalloc(r->capidx, sizeof *r->setidx);
	r->capsets = 16;
	r->sets = xmalloc(r->capsets * sizeof *r->sets);
	r->sets[0] = (struct lset){ 0, 0 };
	r->nsets = 1;
	r->pending = -1;
	return r;
}

void race_free(struct race *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < NLEAVES; i++)
		leaf_drop(r->leaf[i]);
	for (uint32_t i = 0; i < r->nth; i++)
		vc_free(&r->th[i].vc);
	xfree(r->th);
	for (uint32_t i = 0; i < r->capsync; i++)
		vc_free(&r->sync[i].vc);
	xfree(r->sync);
	for (uint32_t i = 0; i < r->nrsets; i++)
		xfree(r->rsets[i].a);
	xfree(r->rsets);
	xfree(r->rsfree);
	xfree(r->pool);
	xfree(r->sets);
	xfree(r->setidx);
	xfree(r->reports);
	xfree(r->byaddr);
	xfree(r->bytes);
	xfree(r);
}

/* A copy of the n elements of size bytes at p (NULL when none). */
static void *dup_array(const void *p, size_t n, size_t size)
{
	if (!n)
		return NULL;
	void *c = xmalloc(n * size);
	memcpy(c, p, n * size);
	return c;
}

struct race *race_copy(const struct race *r)
{
	struct race *c = xmalloc(sizeof *c);
	*c = *r;
	for (size_t i = 0; i < NLEAVES; i++)
		if (r->leaf[i])
			r->leaf[i]->refs++;     /* shared: see leaf_own */
	c->th = dup_array(r->th, r->nth, sizeof *r->th);
	c->capth = r->nth;
	for (uint32_t i = 0; i < r->nth; i++)
		vc_clone(&c->th[i].vc, &r->th[i].vc);
	c->sync = dup_array(r->sync, r->capsync, sizeof *r->sync);
	for (uint32_t i = 0; i < r->capsync; i++)
		if (r->sync[i].addr)
			vc_clone(&c->sync[i].vc, &r->sync[i].vc);
	c->rsets = dup_array(r->rsets, r->nrsets, sizeof *r->rsets);
	c->caprsets = r->nrsets;
	for (uint32_t i = 0; i < r->nrsets; i++) {
		c->rsets[i].a = dup_array(r->rsets[i].a, r->rsets[i].n, sizeof *r->rsets[i].a);
		c->rsets[i].cap = r->rsets[i].n;
	}
	c->rsfree = dup_array(r->rsfree, r->nrsfree, sizeof *r->rsfree);
	c->caprsfree = r->nrsfree;
	c->pool = dup_array(r->pool, r->npool, sizeof *r->pool);
	c->cappool = r->npool;
	c->sets = dup_array(r->sets, r->nsets, sizeof *r->sets);
	c->capsets = r->nsets;
	c->setidx = dup_array(r->setidx, r->capidx, sizeof *r->setidx);
	c->reports = dup_array(r->reports, r->nreports, sizeof *r->reports);
	c->capreports = r->nreports;
	c->byaddr = dup_array(r->byaddr, r->nreports, sizeof *r->byaddr);
	c->bytes = dup_array(r->bytes, r->capbytes, sizeof *r->bytes);
	return c;
}

/* ---- happens-before ----------------------------------------------------- */

/* The detector of thread tid's process (NULL: off, or no such thread). */
static struct race *race_of(const struct machine *m, int tid)
{
	const struct thread *t = machine_thread(m, tid);
	return t ? thread_proc(m, t)->race : NULL;
}

void race_thread_start(struct machine *m, int parent, int child)
{
	struct race *r = race_of(m, child);
	if (!r)
		return;
	thread_of(r, child > parent ? child : parent);
	struct rthread *c = &r->th[child - 1];
	if (parent)
		vc_join(&c->vc, &r->th[parent - 1].vc);
	c->locks = 0;
	tick(r, child);
	if (parent)
		tick(r, parent);
}

void race_join(struct machine *m, int tid, int ended)
{
	struct race *r = race_of(m, tid);
	if (!r)
		return;
	thread_of(r, tid > ended ? tid : ended);
	vc_join(&r->th[tid - 1].vc, &r->th[ended - 1].vc);
	tick(r, tid);
}

void race_acquire(struct machine *m, int tid, uint64_t addr)
{
	struct race *r = race_of(m, tid);
	if (!r)
		return;
	const struct vc *v = sync_find(r, addr);
	if (v)
		vc_join(&thread_of(r, tid)->vc, v);
	tick(r, tid);
}

void race_release(struct machine *m, int tid, uint64_t addr)
{
	struct race *r = race_of(m, tid);
	if (!r)
		return;
	struct vc *v = sync_get(r, addr);
	vc_join(v, &thread_of(r, tid)->vc);
	tick(r, tid);
}

void race_lock(struct machine *m, int tid, uint64_t addr)
{
	struct race *r = race_of(m, tid);
	if (!r)
		return;
	race_acquire(m, tid, addr);
	struct rthread *t = thread_of(r, tid);
	t->locks = lset_with(r, t->locks, addr, 1);
}

void race_unlock(struct machine *m, int tid, uint64_t addr)
{
	struct race *r = race_of(m, tid);
	if (!r)
		return;
	race_release(m, tid, addr);
	struct rthread *t = thread_of(r, tid);
	t->locks = lset_with(r, t->locks, addr, 0);
}

void race_handoff(struct machine *m, int from, int to)
{
	struct race *r = race_of(m, to);
	if (!r)
		return;
	thread_of(r, from > to ? from : to);
	vc_join(&r->th[to - 1].vc, &r->th[from - 1].vc);
	tick(r, to);
	tick(r, from);
}

/* ---- checking accesses -------------------------------------------------- */

/* Whether access a, by another thread than the one whose clock is v,
 * is not ordered before it. */
static inline int unordered(const struct racc *a, const struct vc *v)
{
	return a->clock > vc_get(v, a->tid);
}

/* The heap block holding addr: its payload's address (0: not the heap). */
static uint64_t block_of(const struct process *m, uint64_t addr)
{
	if (addr < m->heap.base || addr >= m->heap.brk)
		return 0;
	uint64_t a = addr & ~(uint64_t)(GRANULE - 1);
	while (a > m->heap.base && mem_tag(&m->mem, a) == TAG_USED)
		a -= GRANULE;
	return mem_tag(&m->mem, a) == TAG_HEADER ? a + HEAP_HEADER : 0;
}

/* Word s at addr raced: access now against the earlier access was.
 * Returns 1 when this is the word's first race. */
static int found(struct machine *m, const struct process *p, struct shadow *s, uint64_t addr,
		 const struct racc *now, const struct racc *was)
{
	struct race *r = p->race;
	if (s->report) {
		r->reports[s->report - 1].more++;
		return 0;
	}
	size_t cap = r->capreports, cap2 = r->capreports;
	r->reports = xgrow(r->reports, &cap, (size_t)r->nreports + 1, sizeof *r->reports);
	r->byaddr = xgrow(r->byaddr, &cap2, (size_t)r->nreports + 1, sizeof *r->byaddr);
	r->capreports = (uint32_t)cap;
	uint32_t id = r->nreports++;
	r->reports[id] = (struct race_report){
		.addr = addr, .tick = m->tick,
		.pc = CODE_BASE + (uint64_t)now->insn * INSN_SIZE,
		.pc2 = CODE_BASE + (uint64_t)was->insn * INSN_SIZE,
		.tid = now->tid, .other = was->tid,
		.write = now->how & RA_WRITE ? 1 : 0, .write2 = was->how & RA_WRITE ? 1 : 0,
		.locks = (int)now->locks, .locks2 = (int)was->locks,
		.block = block_of(p, addr), .pid = p->pid,
	};
	/* keep byaddr sorted: the new one goes after every lower address */
	uint32_t lo = 0, hi = id;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (r->reports[r->byaddr[mid]].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(r->byaddr + lo + 1, r->byaddr + lo, (id - lo) * sizeof *r->byaddr);
	r->byaddr[lo] = id;
	s->report = id + 1;
	r->pending = (int)id;
	return 1;
}

/* The earlier access that access now races with, of those shadow s
 * remembers; NULL when none does.  Nothing is remembered. */
static const struct racc *conflict(const struct race *r, const struct shadow *s,
				   const struct racc *now)
{
	const struct vc *v = &r->th[now->tid - 1].vc;
	if (!s)
		return NULL;
	if (s->w.tid && s->w.tid != now->tid && unordered(&s->w, v))
		return &s->w;
	if (!(now->how & RA_WRITE))
		return NULL;
	if (s->r.tid && s->r.tid != now->tid && unordered(&s->r, v))
		return &s->r;
	if (s->rs) {
		const struct rset *rs = &r->rsets[s->rs - 1];
		for (uint32_t i = 0; i < rs->n; i++)
			if (rs->a[i].tid != now->tid && unordered(&rs->a[i], v))
				return &rs->a[i];
	}
	return NULL;
}

static int check_shadow(struct machine *m, const struct process *p, struct shadow *s,
			uint64_t addr, struct racc now);

/* Check access now of the word at addr against what its shadow
 * remembers, and remember it; and against the accesses to its bytes,
 * if any.  Returns 1 on the word's first race. */
static int check(struct machine *m, const struct process *p, uint64_t addr, struct racc now)
{
	struct race *r = p->race;
	struct shadow *s = shadow_get(r, addr);
	const struct bword *bw = bword_find(r, addr);
	const struct racc *byte_was = NULL;
	for (unsigned i = 0; bw && i < WORD_BYTES && !byte_was; i++)
		byte_was = conflict(r, &bw->b[i], &now);
	struct racc earlier = byte_was ? *byte_was : (struct racc){ 0 };
	uint32_t rep0 = s->report;
	uint64_t more0 = rep0 ? r->reports[rep0 - 1].more : 0;
	int raced = check_shadow(m, p, s, addr, now);
	if (byte_was && !s->report)
		raced = found(m, p, s, addr, &now, &earlier);
	else if (byte_was && s->report == rep0 && r->reports[rep0 - 1].more == more0)
		r->reports[rep0 - 1].more++;    /* racy, and not counted yet */
	return raced;
}

/* Check access now of the byte at addr against the other accesses to
 * that byte and the word accesses of its word, and remember it with
 * the byte.  Returns 1 on the byte's first race. */
static int check_byte(struct machine *m, const struct process *p, uint64_t addr,
		      struct racc now)
{
	struct race *r = p->race;
	uint64_t word = addr & ~(uint64_t)(WORD_BYTES - 1);
	const struct racc *word_was = conflict(r, shadow_peek(r, word), &now);
	struct racc earlier = word_was ? *word_was : (struct racc){ 0 };
	struct shadow *b = &bword_get(r, word)->b[addr - word];
	uint32_t rep0 = b->report;
	uint64_t more0 = rep0 ? r->reports[rep0 - 1].more : 0;
	int raced = check_shadow(m, p, b, addr, now);
	if (word_was && !b->report)
		raced = found(m, p, b, addr, &now, &earlier);
	else if (word_was && b->report == rep0 && r->reports[rep0 - 1].more == more0)
		r->reports[rep0 - 1].more++;    /* racy, and not counted yet */
	return raced;
}

/* Check access now against shadow s (of the word or byte at addr), and
 * remember it there.  Returns 1 on the first race of what s is for. */
static int check_shadow(struct machine *m, const struct process *p, struct shadow *s,
			uint64_t addr, struct racc now)
{
	struct race *r = p->race;
	const struct vc *v = &r->th[now.tid - 1].vc;
	const struct racc *was = NULL;
	if (s->w.tid && s->w.tid != now.tid && unordered(&s->w, v))
		was = &s->w;
	if (!(now.how & RA_WRITE)) {
		int raced = was ? found(m, p, s, addr, &now, was) : 0;
		if (s->rs)
			rset_put(r, s->rs, now);
		else if (!s->r.tid || s->r.tid == now.tid || !unordered(&s->r, v))
			s->r = now;
		else {
			s->rs = rset_new(r);
			rset_put(r, s->rs, s->r);
			rset_put(r, s->rs, now);
			s->r.tid = 0;
		}
		return raced;
	}
	if (!was && s->r.tid && s->r.tid != now.tid && unordered(&s->r, v))
		was = &s->r;
	if (!was && s->rs) {
		const struct rset *rs = &r->rsets[s->rs - 1];
		for (uint32_t i = 0; i < rs->n && !was; i++)
			if (rs->a[i].tid != now.tid && unordered(&rs->a[i], v))
				was = &rs->a[i];
	}
	struct racc earlier = was ? *was : (struct racc){ 0 };
	int raced = was ? found(m, p, s, addr, &now, &earlier) : 0;
	if (s->rs) {
		rset_drop(r, s->rs);
		s->rs = 0;
	}
	s->w = now;
	s->r.tid = 0;
	return raced;
}

/* The access of thread tid at pc, as the shadow keeps it. */
static inline struct racc access_of(const struct race *r, int tid, uint64_t pc, int how)
{
	const struct rthread *t = &r->th[tid - 1];
	return (struct racc){ .clock = t->epoch, .tid = (uint16_t)tid, .how = (uint16_t)how,
			      .insn = (uint32_t)((pc - CODE_BASE) / INSN_SIZE), .locks = t->locks };
}

/* Remember that thread tid's access of addr (a write when wrote) was
 * checked and found nothing new. */
static inline void memo(struct race *r, uint64_t addr, unsigned tid, int wrote)
{
	r->front.memo[(addr / 8) & (RACE_MEMOS - 1)] =
		(struct race_memo){ addr, r->front.gen, (int)tid, wrote };
}

void race_check(struct machine *m, const struct thread *t, uint64_t addr, int write,
		uint64_t pc)
{
	const struct process *pr = thread_proc(m, t);
	struct race *r = pr->race;
	unsigned tid = (unsigned)t->id;
	uint32_t clock = r->th[tid - 1].epoch;
	const struct shadow *p = shadow_peek(r, addr);
	/* the same thread again in the same epoch, nothing of others' since:
	 * nothing new to check or to remember (a read after its own write
	 * is covered by the write); what the word's bytes saw is not here */
	if (p && !p->rs && (!p->r.tid || p->r.tid == tid) && !bword_find(r, addr)) {
		if (p->w.tid == tid && p->w.clock == clock) {
			memo(r, addr, tid, 1);
			return;
		}
		if (!write && p->r.tid == tid && p->r.clock == clock) {
			if (p->report && p->w.tid && unordered(&p->w, &r->th[tid - 1].vc)) {
				r->reports[p->report - 1].more++;
				r->front.gen++;
			} else {
				memo(r, addr, tid, 0);
			}
			return;
		}
	}
	uint32_t reports = r->nreports;
	uint64_t more = p && p->report ? r->reports[p->report - 1].more : 0;
	int raced = check(m, pr, addr, access_of(r, (int)tid, pc, write ? RA_WRITE : 0));
	r->front.gen++;
	const struct shadow *s = shadow_peek(r, addr);
	if (r->nreports == reports && (!s->report || r->reports[s->report - 1].more == more))
		memo(r, addr, tid, write);
	if (raced && !ev_exec_on(m))
		race_emit(m, t);        /* no instruction event to wait for */
}

void race_check_byte(struct machine *m, const struct thread *t, uint64_t addr, int write,
		     uint64_t pc)
{
	const struct process *pr = thread_proc(m, t);
	struct race *r = pr->race;
	int raced = check_byte(m, pr, addr, access_of(r, t->id, pc, write ? RA_WRITE : 0));
	r->front.gen++;
	if (raced && !ev_exec_on(m))
		race_emit(m, t);        /* no instruction event to wait for */
}

int race_atomic(struct machine *m, const struct thread *t, uint64_t addr, uint64_t pc)
{
	const struct process *p = thread_proc(m, t);
	struct race *r = p->race;
	if (!r)
		return 0;
	race_acquire(m, t->id, addr);
	int raced = 0;
	if (addr >= DATA_BASE && addr - t->slot_lo >= THREAD_SLOT)
		raced = check(m, p, addr, access_of(r, t->id, pc, RA_WRITE));
	race_release(m, t->id, addr);
	return raced;
}

/* The bytes of [lo, hi) of byte shadow b (NULL: none) forget their
 * history. */
static void bword_forget(struct race *r, struct bword *b, uint64_t lo, uint64_t hi)
{
	if (!b || b->addr + WORD_BYTES <= lo || b->addr >= hi)
		return;
	for (unsigned k = 0; k < WORD_BYTES; k++) {
		if (b->addr + k < lo || b->addr + k >= hi)
			continue;
		if (b->b[k].rs)
			rset_drop(r, b->b[k].rs);
		memset(&b->b[k], 0, sizeof b->b[k]);
	}
}

void race_forget(struct machine *m, int pid, uint64_t lo, uint64_t hi)
{
	const struct process *pr = machine_proc(m, pid);
	struct race *r = pr ? pr->race : NULL;
	if (!r || hi <= lo)
		return;
	r->front.gen++;
	for (uint64_t a = lo; a < hi;) {
		uint64_t end = (a | (SH_BYTES - 1)) + 1;        /* the end of a's chunk */
		const struct shleaf *l = r->leaf[a >> LEAF_SHIFT];
		const struct shpage *c = l ? l->pg[(a >> SH_SHIFT) & (LEAF_CHUNKS - 1)] : NULL;
		if (!c) {               /* nothing known of this chunk: skip it */
			a = end;
			continue;
		}
		if (a == (end - SH_BYTES) && end <= hi) {
			/* the whole chunk goes: let its shadow go with it */
			for (unsigned k = 0; k < SH_WORDS; k++)
				if (c->w[k].rs)
					rset_drop(r, c->w[k].rs);
			struct shpage **slot = &leaf_own(r, a)->pg[(a >> SH_SHIFT) & (LEAF_CHUNKS - 1)];
			if (--(*slot)->refs == 0)
				xfree(*slot);
			*slot = NULL;
			a = end;
			continue;
		}
		for (; a < hi && a < end; a += WORD_BYTES) {
			const struct shadow *p = shadow_peek(r, a);
			if (!p->w.tid && !p->r.tid && !p->rs && !p->report)
				continue;
			struct shadow *s = shadow_get(r, a);
			if (s->rs)
				rset_drop(r, s->rs);
			memset(s, 0, sizeof *s);
		}
	}
	sync_forget(r, lo, hi);
	if (r->nbytes) {
		/* the byte shadows in [lo, hi): word by word when that is fewer
		 * looks than going through the table */
		uint64_t w0 = lo & ~(uint64_t)(WORD_BYTES - 1);
		if ((hi - w0) / WORD_BYTES < r->capbytes) {
			for (uint64_t a = w0; a < hi; a += WORD_BYTES)
				bword_forget(r, bword_find(r, a), lo, hi);
		} else {
			for (uint32_t i = 0; i < r->capbytes; i++)
				if (r->bytes[i].addr)
					bword_forget(r, &r->bytes[i], lo, hi);
		}
	}
	uint32_t i = 0, n = r->nreports;
	while (i < n && r->reports[r->byaddr[i]].addr < lo)
		i++;
	for (; i < n && r->reports[r->byaddr[i]].addr < hi; i++)
		r->reports[r->byaddr[i]].gone = 1;
}

void race_emit(struct machine *m, const struct thread *t)
{
	struct race *r = thread_proc(m, t)->race;
	if (!r || r->pending < 0)
		return;
	const struct race_report *p = &r->reports[r->pending];
	r->pending = -1;
	if (!ev_on(m, EV_RACE))
		return;
	struct event *e = ev_begin(m, EV_RACE, t);
	e->pc = p->pc;
	e->line = image_line(m->img, p->pc);
	e->addr = p->addr;
	e->a = p->write;
	e->other = p->other;
	e->b = p->write2;
	e->pc2 = p->pc2;
	e->line2 = image_line(m->img, p->pc2);
	e->held = race_locks(m, p->pid, p->locks, &e->nheld);
	e->held2 = race_locks(m, p->pid, p->locks2, &e->nheld2);
	ev_emit(m);
}

/* ---- what was found ----------------------------------------------------- */

size_t race_count(const struct machine *m)
{
	size_t n = 0;
	for (int i = 0; i < m->nprocs; i++)
		n += m->procs[i].race ? m->procs[i].race->nreports : 0;
	return n;
}

const struct race_report *race_get(const struct machine *m, size_t i)
{
	for (int k = 0; k < m->nprocs; k++) {
		const struct race *r = m->procs[k].race;
		if (!r)
			continue;
		if (i < r->nreports)
			return &r->reports[i];
		i -= r->nreports;
	}
	return NULL;
}

const uint64_t *race_locks(const struct machine *m, int pid, int id, int *n)
{
	const struct process *p = machine_proc(m, pid);
	const struct race *r = p ? p->race : NULL;
	if (!r || id <= 0 || (uint32_t)id >= r->nsets) {
		*n = 0;
		return NULL;
	}
	*n = (int)r->sets[id].n;
	return r->pool + r->sets[id].off;
}

size_t race_marked(const struct machine *m, int pid, uint64_t addr, uint64_t size)
{
	const struct process *pr = machine_proc(m, pid);
	const struct race *r = pr ? pr->race : NULL;
	if (!r || !r->nreports)
		return 0;
	uint32_t lo = 0, hi = r->nreports;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (r->reports[r->byaddr[mid]].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t n = 0;
	for (uint32_t i = lo; i < r->nreports; i++) {
		const struct race_report *p = &r->reports[r->byaddr[i]];
		if (p->addr - addr >= size)
			break;
		n += !p->gone;
	}
	return n;
}
