/* mem: sparse pages, access rights and copy-on-write sharing. */
#include "mem.h"

#include "../util.h"
#include "pool.h"

/* An empty address space that may hold at most max_pages pages. */
void mem_init(struct mem *m, size_t max_pages)
{
	memset(m, 0, sizeof *m);
	m->max_pages = max_pages;
}

/* References to pages and leaves are counted atomically: the copies of
 * a space may live on different host threads (explore --jobs). */
static void ref_get(uint32_t *refs)
{
	__atomic_fetch_add(refs, 1, __ATOMIC_RELAXED);
}

/* Drop one reference; whether it was the last. */
static int ref_put(uint32_t *refs)
{
	return __atomic_sub_fetch(refs, 1, __ATOMIC_ACQ_REL) == 0;
}

/* Drop one reference to p, freeing it with the last. */
static void page_put(struct page *p)
{
	if (p && ref_put(&p->refs))
		pool_put(POOL_PAGE, p);
}

/* A 64-bit finaliser: every bit of x reaches every bit of the result. */
static inline uint64_t fmix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* The hash is the XOR of a term per nonzero word, per nonzero heap tag
 * and per mapped page (two lanes): a change updates it term by term. */
enum { TERM_WORD, TERM_TAG, TERM_PROT };

/* Flip the terms of a value v of kind k at addr in and out of m's hash. */
static inline void term(struct mem *m, int k, uint64_t addr, uint64_t v)
{
	if (!v)
		return;
	uint64_t x = addr << 2 | (uint64_t)k;
	m->hash[0] ^= fmix(x ^ fmix(v));
	m->hash[1] ^= fmix(x * 0x9e3779b97f4a7c15ull + v + 0x632be59bd9b4e019ull);
}

/* The index of the next leaf of m at or after i, or NLEAVES. */
static size_t next_leaf(const struct mem *m, size_t i)
{
	while (i < NLEAVES) {
		size_t di = i / DIR_LEAVES;
		uint64_t dw = m->used[di / 64] >> (di % 64);
		if (!dw) {
			i = (di / 64 + 1) * 64 * DIR_LEAVES;
			continue;
		}
		di += (size_t)__builtin_ctzll(dw);
		if (i < di * DIR_LEAVES)
			i = di * DIR_LEAVES;
		uint64_t w = m->dir[di]->used >> (i % DIR_LEAVES);
		if (w)
			return i + (size_t)__builtin_ctzll(w);
		i = (di + 1) * DIR_LEAVES;
	}
	return NLEAVES;
}

/* Loop with i over the index of every directory m holds. */
#define FOR_EACH_DIR(m, i)                                              \
	for (size_t x_ = 0; x_ < NDIRS / 64; x_++)                      \
		for (uint64_t d_ = (m)->used[x_], i; d_ &&              \
		     (i = x_ * 64 + (size_t)__builtin_ctzll(d_), 1); d_ &= d_ - 1)

/* Loop with j over the index of every page leaf l holds. */
#define FOR_EACH_PAGE(l, j)                                                     \
	for (size_t w_ = 0; w_ < LEAF_PAGES / 64; w_++)                         \
		for (uint64_t b_ = (l)->present[w_], j; b_ &&                   \
		     (j = w_ * 64 + (size_t)__builtin_ctzll(b_), 1); b_ &= b_ - 1)

/* Drop one reference to leaf l, freeing it and its pages with the last. */
static void leaf_put(struct leaf *l)
{
	if (!ref_put(&l->refs))
		return;
	FOR_EACH_PAGE(l, j)
		page_put(l->pg[j]);
	pool_put(POOL_LEAF, l);
}

/* Drop one reference to directory d, freeing it and its leaves with the
 * last. */
static void dir_put(struct dir *d)
{
	if (!ref_put(&d->refs))
		return;
	for (uint64_t b = d->used; b; b &= b - 1)
		leaf_put(d->leaf[__builtin_ctzll(b)]);
	pool_put(POOL_DIR, d);
}

/* Release every page and table of m. */
void mem_done(struct mem *m)
{
	FOR_EACH_DIR(m, i) {
		dir_put(m->dir[i]);
		m->dir[i] = NULL;
	}
	memset(m->used, 0, sizeof m->used);
	m->pages = 0;
}

/* Copy src's tables into dst; the leaves are shared. */
void mem_copy(struct mem *dst, const struct mem *src)
{
	*dst = *src;
	mem_share(dst);
}

void mem_share(struct mem *m)
{
	FOR_EACH_DIR(m, i)
		ref_get(&m->dir[i]->refs);
}

/* A copy of leaf l with one reference, sharing l's pages (their counts
 * not changed yet).  Not l's own count: another space may be changing it. */
static struct leaf *leaf_clone(const struct leaf *l)
{
	struct leaf *c = pool_get(POOL_LEAF);
	memcpy(c->pg, l->pg, sizeof c->pg);
	memcpy(c->prot, l->prot, sizeof c->prot);
	memcpy(c->present, l->present, sizeof c->present);
	c->refs = 1;
	return c;
}

void mem_unshare(struct mem *m)
{
	FOR_EACH_DIR(m, i) {
		struct dir *d = m->dir[i], *cd = pool_get(POOL_DIR);
		*cd = (struct dir){ .used = d->used, .refs = 1 };
		for (uint64_t b = d->used; b; b &= b - 1) {
			int k = __builtin_ctzll(b);
			struct leaf *c = leaf_clone(d->leaf[k]);
			FOR_EACH_PAGE(c, j) {
				struct page *p = pool_get(POOL_PAGE);
				memcpy(p->data, c->pg[j]->data, PAGE_SIZE);
				memcpy(p->tag, c->pg[j]->tag, PAGE_TAGS);
				p->refs = 1;
				c->pg[j] = p;
			}
			cd->leaf[k] = c;
		}
		dir_put(d);
		m->dir[i] = cd;
	}
}

/* Directory i of m, made private to m (and made when missing).  A copy
 * shares the leaves, each counted once more. */
static struct dir *own_dir(struct mem *m, size_t i)
{
	struct dir *d = m->dir[i];
	if (!d) {
		d = memset(pool_get(POOL_DIR), 0, sizeof *d);
		d->refs = 1;
		m->used[i / 64] |= 1ull << (i % 64);
	} else if (mem_refs(&d->refs) > 1) {
		struct dir *c = pool_get(POOL_DIR);
		memcpy(c->leaf, d->leaf, sizeof c->leaf);
		c->used = d->used;
		c->refs = 1;
		for (uint64_t b = c->used; b; b &= b - 1)
			ref_get(&c->leaf[__builtin_ctzll(b)]->refs);
		dir_put(d);
		d = c;
	}
	m->dir[i] = d;
	return d;
}

/* Leaf i of m, made private to m (and made when missing). */
static struct leaf *own_leaf(struct mem *m, size_t i)
{
	struct dir *d = own_dir(m, i / DIR_LEAVES);
	size_t k = i % DIR_LEAVES;
	struct leaf *l = d->leaf[k];
	if (!l) {
		l = memset(pool_get(POOL_LEAF), 0, sizeof *l);
		l->refs = 1;
		d->used |= 1ull << k;
	} else if (mem_refs(&l->refs) > 1) {
		struct leaf *c = leaf_clone(l);
		FOR_EACH_PAGE(c, j)
			ref_get(&c->pg[j]->refs);
		leaf_put(l);
		l = c;
	}
	d->leaf[k] = l;
	return l;
}

/* The leaf table for addr, private to m and made when missing. */
static struct leaf *leaf_for(struct mem *m, uint64_t addr)
{
	return own_leaf(m, addr >> LEAF_SHIFT);
}

/* Set the rights of every page in [addr, addr+len). */
void mem_map(struct mem *m, uint64_t addr, uint64_t len, int prot)
{
	uint64_t end = addr + len;
	if (end > ADDR_LIMIT)
		end = ADDR_LIMIT;
	for (uint64_t a = addr & ~(uint64_t)(PAGE_SIZE - 1); a < end; a += PAGE_SIZE) {
		uint8_t *p = &leaf_for(m, a)->prot[(a >> PAGE_SHIFT) & (LEAF_PAGES - 1)];
		if (m->track) {
			term(m, TERM_PROT, a, *p);
			term(m, TERM_PROT, a, (uint64_t)prot);
		}
		*p = (uint8_t)prot;
	}
}

/* Rights of the page at addr. */
int mem_prot(const struct mem *m, uint64_t addr)
{
	if (addr >= ADDR_LIMIT)
		return 0;
	int prot;
	mem_page(m, addr, &prot);
	return prot;
}

/* Why a program's access to addr fails, or MEM_OK. */
static enum mem_err check(const struct mem *m, uint64_t addr, int want)
{
	if (addr & 7)
		return MEM_ALIGN;
	int prot = mem_prot(m, addr);
	if (prot & MP_GUARD)
		return MEM_GUARD;
	if (!prot)
		return MEM_UNMAPPED;
	return (prot & want) ? MEM_OK : MEM_PROT;
}

/* The page at addr, private to m and present; NULL if impossible. */
struct page *mem_page_for_write(struct mem *m, uint64_t addr, enum mem_err *err)
{
	*err = MEM_OK;
	const struct leaf *l = addr < ADDR_LIMIT ? mem_leaf(m, addr >> LEAF_SHIFT) : NULL;
	if (!l) {
		*err = MEM_UNMAPPED;
		return NULL;
	}
	size_t i = (addr >> PAGE_SHIFT) & (LEAF_PAGES - 1);
	if (!l->prot[i] || (l->prot[i] & MP_GUARD)) {
		*err = MEM_UNMAPPED;
		return NULL;
	}
	struct page *p = l->pg[i];
	if (!p && m->max_pages && m->pages >= m->max_pages) {
		*err = MEM_FULL;
		return NULL;
	}
	struct leaf *w = own_leaf(m, addr >> LEAF_SHIFT);
	if (p && mem_refs(&p->refs) == 1)
		return p;
	struct page *np = pool_get(POOL_PAGE);
	if (p) {
		memcpy(np->data, p->data, PAGE_SIZE);
		memcpy(np->tag, p->tag, PAGE_TAGS);
		page_put(p);
	} else {
		memset(np->data, 0, PAGE_SIZE);
		memset(np->tag, 0, PAGE_TAGS);
		m->pages++;
	}
	np->refs = 1;
	w->pg[i] = np;
	w->present[i / 64] |= 1ull << (i % 64);
	return np;
}

enum mem_err mem_read_slow(const struct mem *m, uint64_t addr, int64_t *v)
{
	enum mem_err e = check(m, addr, MP_R);
	if (e == MEM_OK)
		*v = mem_peek(m, addr);
	return e;
}

enum mem_err mem_write_slow(struct mem *m, uint64_t addr, int64_t v)
{
	enum mem_err e = check(m, addr, MP_W);
	return e == MEM_OK ? mem_poke(m, addr, v) : e;
}

/* The word at addr (0 where nothing was written). */
int64_t mem_peek(const struct mem *m, uint64_t addr)
{
	int64_t v = 0;
	if (addr < ADDR_LIMIT && (addr & (PAGE_SIZE - 1)) <= PAGE_SIZE - 8) {
		int prot;       /* within one page: the usual case */
		const struct page *p = mem_page(m, addr, &prot);
		if (p)
			memcpy(&v, p->data + (addr & (PAGE_SIZE - 1)), 8);
		return v;
	}
	uint8_t b[8] = { 0 };
	for (int k = 0; k < 8; k++) {
		uint64_t a = addr + (uint64_t)k;
		int prot;
		if (a >= ADDR_LIMIT)
			break;
		const struct page *p = mem_page(m, a, &prot);
		if (p)
			b[k] = p->data[a & (PAGE_SIZE - 1)];
	}
	memcpy(&v, b, 8);
	return v;
}

/* Flip the terms of the words overlapping [addr, addr+len) in m's hash. */
static void flip_words(struct mem *m, uint64_t addr, size_t len)
{
	for (uint64_t a = addr & ~7ull; a < addr + len && a < ADDR_LIMIT; a += 8)
		term(m, TERM_WORD, a, (uint64_t)mem_peek(m, a));
}

/* Write len bytes at addr, page by page. */
enum mem_err mem_poke_bytes(struct mem *m, uint64_t addr, const void *src, size_t len)
{
	if (m->track) {         /* the words before, then after */
		flip_words(m, addr, len);
		m->track = 0;
		enum mem_err e = mem_poke_bytes(m, addr, src, len);
		m->track = 1;
		flip_words(m, addr, len);
		return e;
	}
	const uint8_t *s = src;
	while (len) {
		enum mem_err e;
		struct page *p = mem_page_for_write(m, addr, &e);
		if (!p)
			return e;
		size_t off = addr & (PAGE_SIZE - 1), n = PAGE_SIZE - off;
		if (n > len)
			n = len;
		memcpy(p->data + off, s, n);
		s += n, addr += n, len -= n;
	}
	return MEM_OK;
}

/* Write the word v at addr. */
enum mem_err mem_poke(struct mem *m, uint64_t addr, int64_t v)
{
	return mem_poke_bytes(m, addr, &v, 8);
}

/* A NUL-terminated string at addr, at most len - 1 bytes of it. */
size_t mem_peek_string(const struct mem *m, uint64_t addr, char *dst, size_t len)
{
	size_t n = 0;
	while (n + 1 < len) {
		uint64_t a = addr + n;
		int prot;
		if (a >= ADDR_LIMIT)
			break;
		const struct page *p = mem_page(m, a, &prot);
		if (!(prot & MP_R))
			break;
		char c = p ? (char)p->data[a & (PAGE_SIZE - 1)] : 0;
		if (!c)
			break;
		dst[n++] = c;
	}
	if (len)
		dst[n] = 0;
	return n;
}

int mem_tag(const struct mem *m, uint64_t addr)
{
	int prot;
	if (addr >= ADDR_LIMIT)
		return TAG_NONE;
	const struct page *p = mem_page(m, addr, &prot);
	return p ? p->tag[(addr & (PAGE_SIZE - 1)) / GRANULE] : TAG_NONE;
}

enum mem_err mem_set_tags(struct mem *m, uint64_t addr, uint64_t len, int tag)
{
	uint64_t end = addr + len;
	while (addr < end) {
		enum mem_err e;
		struct page *p = mem_page_for_write(m, addr, &e);
		if (!p)
			return e;
		uint64_t page_end = (addr | (PAGE_SIZE - 1)) + 1;
		uint64_t stop = end < page_end ? end : page_end;
		size_t from = (addr & (PAGE_SIZE - 1)) / GRANULE;
		size_t to = ((stop - 1) & (PAGE_SIZE - 1)) / GRANULE + 1;
		uint64_t page = addr & ~(uint64_t)(PAGE_SIZE - 1);
		for (size_t k = from; m->track && k < to; k++) {
			term(m, TERM_TAG, page + k * GRANULE, p->tag[k]);
			term(m, TERM_TAG, page + k * GRANULE, (uint64_t)tag);
		}
		memset(p->tag + from, tag, to - from);
		addr = stop;
	}
	return MEM_OK;
}

void mem_track_word(struct mem *m, uint64_t addr, int64_t old, int64_t v)
{
	term(m, TERM_WORD, addr, (uint64_t)old);
	term(m, TERM_WORD, addr, (uint64_t)v);
}

/* The terms of every word, tag and right of m, flipped. */
static void flip_all(struct mem *m)
{
	for (size_t i = next_leaf(m, 0); i < NLEAVES; i = next_leaf(m, i + 1)) {
		const struct leaf *l = mem_leaf(m, i);
		for (size_t j = 0; j < LEAF_PAGES; j++) {
			uint64_t base = ((uint64_t)i << LEAF_SHIFT) | (uint64_t)j << PAGE_SHIFT;
			term(m, TERM_PROT, base, l->prot[j]);
			const struct page *p = l->pg[j];
			if (!p)
				continue;
			for (size_t k = 0; k < PAGE_SIZE; k += 8) {
				uint64_t w;
				memcpy(&w, p->data + k, 8);
				term(m, TERM_WORD, base + k, w);
			}
			for (size_t k = 0; k < PAGE_TAGS; k++)
				term(m, TERM_TAG, base + k * GRANULE, p->tag[k]);
		}
	}
}

void mem_track(struct mem *m)
{
	m->hash[0] = m->hash[1] = 0;
	flip_all(m);
	m->track = 1;
}

void mem_hash(const struct mem *m, uint64_t h[2])
{
	if (m->track) {
		h[0] = m->hash[0];
		h[1] = m->hash[1];
		return;
	}
	struct mem c = *m;      /* only its hash changes */
	c.hash[0] = c.hash[1] = 0;
	flip_all(&c);
	h[0] = c.hash[0];
	h[1] = c.hash[1];
}
