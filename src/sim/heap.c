/* heap: a first-fit allocator with boundary sizes and an address-ordered
 * free list, all in simulated memory. */
#include "heap.h"

#include "machine.h"

#define USED 1ull

static int64_t peek(const struct machine *m, uint64_t a) { return mem_peek(&m->mem, a); }
static void poke(struct machine *m, uint64_t a, int64_t v) { mem_poke(&m->mem, a, v); }

static uint64_t bsize(const struct machine *m, uint64_t b) { return (uint64_t)peek(m, b) & 0xfffffff0u; }
static int bused(const struct machine *m, uint64_t b) { return (int)((uint64_t)peek(m, b) & USED); }
static uint64_t nextf(const struct machine *m, uint64_t b) { return (uint64_t)peek(m, b + 16); }
static uint64_t prevf(const struct machine *m, uint64_t b) { return (uint64_t)peek(m, b + 24); }

/* Write block b's header: size, used flag, owner, and the size below. */
static void set_header(struct machine *m, uint64_t b, uint64_t size, int used, int owner,
		       uint64_t below)
{
	poke(m, b, (int64_t)(size | (used ? USED : 0) | ((uint64_t)owner << 32)));
	poke(m, b + 8, (int64_t)below);
}

/* Tell the block above b (if any) that b is now size bytes. */
static void set_below(struct machine *m, uint64_t b, uint64_t size)
{
	if (b + size < m->heap.brk)
		poke(m, b + size + 8, (int64_t)size);
}

void heap_init(struct machine *m, uint64_t base)
{
	m->heap = (struct heap){ .base = base, .brk = base };
}

/* Take free block b out of the list. */
static void unlink_free(struct machine *m, uint64_t b)
{
	uint64_t n = nextf(m, b), p = prevf(m, b);
	if (p)
		poke(m, p + 16, (int64_t)n);
	else
		m->heap.free_head = n;
	if (n)
		poke(m, n + 24, (int64_t)p);
}

/* Put free block b into the list, in address order. */
static void link_free(struct machine *m, uint64_t b)
{
	uint64_t p = 0, n = m->heap.free_head;
	while (n && n < b) {
		p = n;
		n = nextf(m, n);
	}
	poke(m, b + 16, (int64_t)n);
	poke(m, b + 24, (int64_t)p);
	if (p)
		poke(m, p + 16, (int64_t)b);
	else
		m->heap.free_head = b;
	if (n)
		poke(m, n + 24, (int64_t)b);
}

/* Grow the heap so that a free block of at least size bytes ends at the
 * break; returns that block, or 0 when the heap cannot grow. */
static uint64_t grow(struct machine *m, uint64_t size)
{
	uint64_t last = m->heap.last, start = m->heap.brk, below = 0;
	if (last && !bused(m, last)) {
		start = last;
		unlink_free(m, last);
	} else if (last) {
		below = bsize(m, last);
	}
	if (start == last)
		below = (uint64_t)peek(m, last + 8);
	uint64_t brk = (start + size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	uint64_t pages = (brk - m->heap.brk) / PAGE_SIZE;
	if (brk > HEAP_LIMIT ||
	    (m->mem.max_pages && m->mem.pages + pages > m->mem.max_pages)) {
		if (start == last)
			link_free(m, last);
		return 0;
	}
	mem_map(&m->mem, m->heap.brk, brk - m->heap.brk, MP_R | MP_W);
	mem_set_tags(&m->mem, m->heap.brk, brk - m->heap.brk, TAG_TOP);
	m->heap.brk = brk;
	m->heap.last = start;
	set_header(m, start, brk - start, 0, 0, below);
	mem_set_tags(&m->mem, start, HEAP_HEADER, TAG_HEADER);
	link_free(m, start);
	return start;
}

uint64_t heap_alloc(struct machine *m, int64_t n, int tid)
{
	if (n < 0 || (uint64_t)n > HEAP_LIMIT)
		return 0;
	uint64_t size = ((uint64_t)n + 15) / 16 * 16 + HEAP_HEADER;
	if (size < HEAP_MIN_BLOCK)
		size = HEAP_MIN_BLOCK;
	uint64_t b = m->heap.free_head;
	while (b && bsize(m, b) < size)
		b = nextf(m, b);
	if (!b && !(b = grow(m, size)))
		return 0;
	uint64_t have = bsize(m, b), below = (uint64_t)peek(m, b + 8);
	unlink_free(m, b);
	if (have - size >= HEAP_MIN_BLOCK) {
		uint64_t rest = b + size;
		set_header(m, rest, have - size, 0, 0, size);
		if (m->heap.last == b)
			m->heap.last = rest;
		mem_set_tags(&m->mem, rest, HEAP_HEADER, TAG_HEADER);
		set_below(m, rest, have - size);
		link_free(m, rest);
	} else {
		size = have;
	}
	set_header(m, b, size, 1, tid, below);
	mem_set_tags(&m->mem, b, HEAP_HEADER, TAG_HEADER);
	mem_set_tags(&m->mem, b + HEAP_HEADER, size - HEAP_HEADER, TAG_USED);
	m->heap.in_use += size - HEAP_HEADER;
	m->heap.blocks++;
	if (m->heap.in_use > m->heap.peak)
		m->heap.peak = m->heap.in_use;
	return b + HEAP_HEADER;
}

int heap_free(struct machine *m, uint64_t p, uint64_t *freed)
{
	*freed = 0;
	if (p < m->heap.base + HEAP_HEADER || p >= m->heap.brk || (p & 15))
		return FAULT_BADFREE;
	uint64_t b = p - HEAP_HEADER;
	int hdr = mem_tag(&m->mem, b);
	if ((hdr == TAG_FREED || (hdr == TAG_HEADER && !bused(m, b))) &&
	    mem_tag(&m->mem, p) == TAG_FREED)
		return FAULT_DOUBLEFREE;
	if (mem_tag(&m->mem, b) != TAG_HEADER || !bused(m, b))
		return FAULT_BADFREE;

	uint64_t size = bsize(m, b), below = (uint64_t)peek(m, b + 8);
	*freed = size - HEAP_HEADER;
	m->heap.in_use -= size - HEAP_HEADER;
	m->heap.blocks--;
	/* poison the payload and mark the block freed */
	uint8_t poison[256];
	memset(poison, HEAP_POISON, sizeof poison);
	for (uint64_t a = p; a < b + size; a += sizeof poison) {
		uint64_t k = b + size - a < sizeof poison ? b + size - a : sizeof poison;
		mem_poke_bytes(&m->mem, a, poison, k);
	}
	mem_set_tags(&m->mem, b, size, TAG_FREED);

	uint64_t up = b + size;
	if (up < m->heap.brk && !bused(m, up)) {
		/* its header is now inside a free block: freed, or never handed out */
		mem_set_tags(&m->mem, up, HEAP_HEADER, mem_tag(&m->mem, up + HEAP_HEADER));
		unlink_free(m, up);
		size += bsize(m, up);
	}
	if (below && !bused(m, b - below)) {
		b -= below;
		unlink_free(m, b);
		size += bsize(m, b);
		below = (uint64_t)peek(m, b + 8);
	}
	set_header(m, b, size, 0, 0, below);
	mem_set_tags(&m->mem, b, HEAP_HEADER, TAG_HEADER);
	if (b + size == m->heap.brk)
		m->heap.last = b;
	set_below(m, b, size);
	link_free(m, b);
	return -1;
}

int heap_check(const struct machine *m, uint64_t addr)
{
	switch (mem_tag(&m->mem, addr)) {
	case TAG_USED: return -1;
	case TAG_HEADER: return FAULT_HEAPOVER;
	case TAG_FREED: return FAULT_UAF;
	default: return FAULT_HEAPWILD;
	}
}

int heap_block(const struct machine *m, uint64_t addr, struct heap_block *blk)
{
	if (addr < m->heap.base || addr >= m->heap.brk)
		return 0;
	uint64_t w = (uint64_t)peek(m, addr);
	*blk = (struct heap_block){ addr, w & 0xfffffff0u, (int)(w & USED), (int)(w >> 32) };
	return blk->size != 0;
}
