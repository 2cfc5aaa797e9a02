/* heap: a first-fit allocator with boundary sizes and an address-ordered
 * free list, all in simulated memory. */
#include "heap.h"

#include "machine.h"

#define USED 1ull

static int64_t peek(const struct process *pr, uint64_t a) { return mem_peek(&pr->mem, a); }
static void poke(struct process *pr, uint64_t a, int64_t v) { mem_poke(&pr->mem, a, v); }

static uint64_t bsize(const struct process *pr, uint64_t b) { return (uint64_t)peek(pr, b) & 0xfffffff0u; }
static int bused(const struct process *pr, uint64_t b) { return (int)((uint64_t)peek(pr, b) & USED); }
static uint64_t nextf(const struct process *pr, uint64_t b) { return (uint64_t)peek(pr, b + 16); }
static uint64_t prevf(const struct process *pr, uint64_t b) { return (uint64_t)peek(pr, b + 24); }

/* Write block b's header: size, used flag, owner, and the size below. */
static void set_header(struct process *pr, uint64_t b, uint64_t size, int used, int owner,
		       uint64_t below)
{
	poke(pr, b, (int64_t)(size | (used ? USED : 0) | ((uint64_t)owner << 32)));
	poke(pr, b + 8, (int64_t)below);
}

/* Tell the block above b (if any) that b is now size bytes. */
static void set_below(struct process *pr, uint64_t b, uint64_t size)
{
	if (b + size < pr->heap.brk)
		poke(pr, b + size + 8, (int64_t)size);
}

void heap_init(struct process *pr, uint64_t base)
{
	pr->heap = (struct heap){ .base = base, .brk = base };
}

/* Take free block b out of the list. */
static void unlink_free(struct process *pr, uint64_t b)
{
	uint64_t n = nextf(pr, b), p = prevf(pr, b);
	if (p)
		poke(pr, p + 16, (int64_t)n);
	else
		pr->heap.free_head = n;
	if (n)
		poke(pr, n + 24, (int64_t)p);
}

/* Put free block b into the list, in address order. */
static void link_free(struct process *pr, uint64_t b)
{
	uint64_t p = 0, n = pr->heap.free_head;
	while (n && n < b) {
		p = n;
		n = nextf(pr, n);
	}
	poke(pr, b + 16, (int64_t)n);
	poke(pr, b + 24, (int64_t)p);
	if (p)
		poke(pr, p + 16, (int64_t)b);
	else
		pr->heap.free_head = b;
	if (n)
		poke(pr, n + 24, (int64_t)b);
}

/* Grow the heap so that a free block of at least size bytes ends at the
 * break; returns that block, or 0 when the heap cannot grow. */
static uint64_t grow(struct process *pr, uint64_t size)
{
	uint64_t last = pr->heap.last, start = pr->heap.brk, below = 0;
	if (last && !bused(pr, last)) {
		start = last;
		unlink_free(pr, last);
	} else if (last) {
		below = bsize(pr, last);
	}
	if (start == last)
		below = (uint64_t)peek(pr, last + 8);
	uint64_t brk = (start + size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	uint64_t pages = (brk - pr->heap.brk) / PAGE_SIZE;
	if (brk > HEAP_LIMIT ||
	    (pr->mem.max_pages && pr->mem.pages + pages > pr->mem.max_pages)) {
		if (start == last)
			link_free(pr, last);
		return 0;
	}
	mem_map(&pr->mem, pr->heap.brk, brk - pr->heap.brk, MP_R | MP_W);
	mem_set_tags(&pr->mem, pr->heap.brk, brk - pr->heap.brk, TAG_TOP);
	pr->heap.brk = brk;
	pr->heap.last = start;
	set_header(pr, start, brk - start, 0, 0, below);
	mem_set_tags(&pr->mem, start, HEAP_HEADER, TAG_HEADER);
	link_free(pr, start);
	return start;
}

uint64_t heap_alloc(struct process *pr, int64_t n, int tid)
{
	if (n < 0 || (uint64_t)n > HEAP_LIMIT)
		return 0;
	uint64_t size = ((uint64_t)n + 15) / 16 * 16 + HEAP_HEADER;
	if (size < HEAP_MIN_BLOCK)
		size = HEAP_MIN_BLOCK;
	uint64_t b = pr->heap.free_head;
	while (b && bsize(pr, b) < size)
		b = nextf(pr, b);
	if (!b && !(b = grow(pr, size)))
		return 0;
	uint64_t have = bsize(pr, b), below = (uint64_t)peek(pr, b + 8);
	unlink_free(pr, b);
	if (have - size >= HEAP_MIN_BLOCK) {
		uint64_t rest = b + size;
		set_header(pr, rest, have - size, 0, 0, size);
		if (pr->heap.last == b)
			pr->heap.last = rest;
		mem_set_tags(&pr->mem, rest, HEAP_HEADER, TAG_HEADER);
		set_below(pr, rest, have - size);
		link_free(pr, rest);
	} else {
		size = have;
	}
	set_header(pr, b, size, 1, tid, below);
	mem_set_tags(&pr->mem, b, HEAP_HEADER, TAG_HEADER);
	mem_set_tags(&pr->mem, b + HEAP_HEADER, size - HEAP_HEADER, TAG_USED);
	pr->heap.in_use += size - HEAP_HEADER;
	pr->heap.blocks++;
	if (pr->heap.in_use > pr->heap.peak)
		pr->heap.peak = pr->heap.in_use;
	return b + HEAP_HEADER;
}

int heap_free(struct process *pr, uint64_t p, uint64_t *freed)
{
	*freed = 0;
	if (p < pr->heap.base + HEAP_HEADER || p >= pr->heap.brk || (p & 15))
		return FAULT_BADFREE;
	uint64_t b = p - HEAP_HEADER;
	int hdr = mem_tag(&pr->mem, b);
	if ((hdr == TAG_FREED || (hdr == TAG_HEADER && !bused(pr, b))) &&
	    mem_tag(&pr->mem, p) == TAG_FREED)
		return FAULT_DOUBLEFREE;
	if (mem_tag(&pr->mem, b) != TAG_HEADER || !bused(pr, b))
		return FAULT_BADFREE;

	uint64_t size = bsize(pr, b), below = (uint64_t)peek(pr, b + 8);
	*freed = size - HEAP_HEADER;
	pr->heap.in_use -= size - HEAP_HEADER;
	pr->heap.blocks--;
	/* poison the payload and mark the block freed */
	uint8_t poison[256];
	memset(poison, HEAP_POISON, sizeof poison);
	for (uint64_t a = p; a < b + size; a += sizeof poison) {
		uint64_t k = b + size - a < sizeof poison ? b + size - a : sizeof poison;
		mem_poke_bytes(&pr->mem, a, poison, k);
	}
	mem_set_tags(&pr->mem, b, size, TAG_FREED);

	uint64_t up = b + size;
	if (up < pr->heap.brk && !bused(pr, up)) {
		/* its header is now inside a free block: freed, or never handed out */
		mem_set_tags(&pr->mem, up, HEAP_HEADER, mem_tag(&pr->mem, up + HEAP_HEADER));
		unlink_free(pr, up);
		size += bsize(pr, up);
	}
	if (below && !bused(pr, b - below)) {
		b -= below;
		unlink_free(pr, b);
		size += bsize(pr, b);
		below = (uint64_t)peek(pr, b + 8);
	}
	set_header(pr, b, size, 0, 0, below);
	mem_set_tags(&pr->mem, b, HEAP_HEADER, TAG_HEADER);
	if (b + size == pr->heap.brk)
		pr->heap.last = b;
	set_below(pr, b, size);
	link_free(pr, b);
	return -1;
}

int heap_check(const struct process *pr, uint64_t addr)
{
	switch (mem_tag(&pr->mem, addr)) {
	case TAG_USED: return -1;
	case TAG_HEADER: return FAULT_HEAPOVER;
	case TAG_FREED: return FAULT_UAF;
	default: return FAULT_HEAPWILD;
	}
}

int heap_block(const struct process *pr, uint64_t addr, struct heap_block *blk)
{
	if (addr < pr->heap.base || addr >= pr->heap.brk)
		return 0;
	uint64_t w = (uint64_t)peek(pr, addr);
	*blk = (struct heap_block){ addr, w & 0xfffffff0u, (int)(w & USED), (int)(w >> 32) };
	return blk->size != 0;
}
