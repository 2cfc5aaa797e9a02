/* test_heap: malloc and free over simulated memory — alignment, headers,
 * first fit, splitting, coalescing, poisoning, growth and its limit. */
#include <string.h>

#include "sim.h"

/* A loaded machine (nothing run yet) to call the allocator on. */
static struct sim *fresh(void)
{
	struct sim *s = sim_new("int main() { return 0; }\n");
	ck_assert_int_eq(sim_start(s), 0);
	return s;
}

/* Allocate n bytes for thread 1; the test fails on 0. */
static uint64_t alloc(struct sim *s, int64_t n)
{
	uint64_t p = heap_alloc(machine_proc(s->m, 1), n, 1);
	ck_assert_msg(p != 0, "heap_alloc(%lld) failed", (long long)n);
	return p;
}

/* Free the block at p; the test fails when that is a fault. */
static void release(struct sim *s, uint64_t p)
{
	uint64_t size;
	ck_assert_int_eq(heap_free(machine_proc(s->m, 1), p, &size), -1);
}

/* The blocks of the heap, base to break, into b (at most max); how many. */
static int walk(const struct sim *s, struct heap_block *b, int max)
{
	int n = 0;
	uint64_t a = machine_proc(s->m, 1)->heap.base;
	while (n < max && heap_block(machine_proc(s->m, 1), a, &b[n])) {
		a += b[n].size;
		n++;
	}
	ck_assert_uint_eq(a, machine_proc(s->m, 1)->heap.brk);   /* the blocks tile the heap */
	return n;
}

START_TEST(payloads_are_16_byte_aligned)
{
	static const int64_t sizes[] = { 0, 1, 7, 8, 15, 16, 17, 24, 31, 100, 1000, 5000 };
	struct sim *s = fresh();
	for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
		uint64_t p = alloc(s, sizes[i]);
		ck_assert_msg(p % 16 == 0, "malloc(%lld) = %#llx", (long long)sizes[i],
			      (unsigned long long)p);
		ck_assert_uint_ge(p, machine_proc(s->m, 1)->heap.base + HEAP_HEADER);
		ck_assert_uint_le(p + (uint64_t)sizes[i], machine_proc(s->m, 1)->heap.brk);
	}
	sim_free(s);
}
END_TEST

START_TEST(headers_live_in_simulated_memory)
{
	struct sim *s = fresh();
	uint64_t a = heap_alloc(machine_proc(s->m, 1), 24, 3), b = heap_alloc(machine_proc(s->m, 1), 40, 5);
	ck_assert_uint_eq(a, machine_proc(s->m, 1)->heap.base + HEAP_HEADER);
	/* 24 bytes round to 32, plus the header: 48 */
	ck_assert_int_eq(machine_peek(s->m, 1, a - 16), (int64_t)(48 | 1 | (3ull << 32)));
	ck_assert_int_eq(machine_peek(s->m, 1, a - 8), 0);         /* the first block */
	ck_assert_uint_eq(b, a + 48);
	ck_assert_int_eq(machine_peek(s->m, 1, b - 16), (int64_t)(64 | 1 | (5ull << 32)));
	ck_assert_int_eq(machine_peek(s->m, 1, b - 8), 48);        /* the size below */
	struct heap_block blk;
	ck_assert_int_eq(heap_block(machine_proc(s->m, 1), b - 16, &blk), 1);
	ck_assert_uint_eq(blk.addr, b - 16);
	ck_assert_uint_eq(blk.size, 64);
	ck_assert_int_eq(blk.used, 1);
	ck_assert_int_eq(blk.owner, 5);
	ck_assert_int_eq(mem_tag(&machine_proc(s->m, 1)->mem, a - 16), TAG_HEADER);
	ck_assert_int_eq(mem_tag(&machine_proc(s->m, 1)->mem, a), TAG_USED);
	ck_assert_int_eq(mem_tag(&machine_proc(s->m, 1)->mem, a + 31), TAG_USED);
	sim_free(s);
}
END_TEST

START_TEST(a_block_is_at_least_the_minimum)
{
	struct sim *s = fresh();
	uint64_t a = alloc(s, 0), b = alloc(s, 1);
	ck_assert_uint_eq(b - a, HEAP_MIN_BLOCK);
	struct heap_block blk;
	heap_block(machine_proc(s->m, 1), b - 16, &blk);
	ck_assert_uint_eq(blk.size, HEAP_MIN_BLOCK);
	ck_assert_int_eq(heap_alloc(machine_proc(s->m, 1), -1, 1), 0);
	sim_free(s);
}
END_TEST

START_TEST(the_heap_grows_a_page_at_a_time)
{
	struct sim *s = fresh();
	uint64_t base = machine_proc(s->m, 1)->heap.base;
	ck_assert_uint_eq(base % PAGE_SIZE, 0);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.brk, base);
	alloc(s, 8);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.brk, base + PAGE_SIZE);
	alloc(s, 5000);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.brk, base + 2 * PAGE_SIZE);
	ck_assert_int_eq(mem_prot(&machine_proc(s->m, 1)->mem, base + PAGE_SIZE), MP_R | MP_W);
	ck_assert_int_eq(mem_prot(&machine_proc(s->m, 1)->mem, base + 2 * PAGE_SIZE), 0);
	sim_free(s);
}
END_TEST

START_TEST(growing_extends_a_free_block_at_the_top)
{
	struct sim *s = fresh();
	uint64_t base = machine_proc(s->m, 1)->heap.base;
	uint64_t a = alloc(s, 16);
	/* 5000 bytes do not fit in the rest of the first page: the heap
	 * grows, and the block starts where that free rest started */
	uint64_t b = alloc(s, 5000);
	ck_assert_uint_eq(a, base + 16);
	ck_assert_uint_eq(b, base + 32 + 16);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.brk, base + 2 * PAGE_SIZE);
	struct heap_block blk[4];
	ck_assert_int_eq(walk(s, blk, 4), 3);
	ck_assert_uint_eq(blk[1].size, 5024);
	ck_assert_int_eq(blk[1].used, 1);
	ck_assert_uint_eq(blk[2].size, 2 * PAGE_SIZE - 32 - 5024);
	ck_assert_int_eq(blk[2].used, 0);
	ck_assert_int_eq(machine_peek(s->m, 1, blk[1].addr + 8), 32);
	ck_assert_int_eq(machine_peek(s->m, 1, blk[2].addr + 8), 5024);
	sim_free(s);
}
END_TEST

START_TEST(growing_after_a_used_last_block_starts_at_the_break)
{
	struct sim *s = fresh();
	uint64_t base = machine_proc(s->m, 1)->heap.base;
	uint64_t a = alloc(s, PAGE_SIZE - 16);  /* the whole first page */
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.free_head, 0);
	uint64_t b = alloc(s, 16);
	ck_assert_uint_eq(a, base + 16);
	ck_assert_uint_eq(b, base + PAGE_SIZE + 16);
	ck_assert_int_eq(machine_peek(s->m, 1, b - 8), PAGE_SIZE);    /* the size below */
	struct heap_block blk[4];
	ck_assert_int_eq(walk(s, blk, 4), 3);
	/* freeing both merges everything back into one block */
	release(s, b);
	release(s, a);
	ck_assert_int_eq(walk(s, blk, 4), 1);
	ck_assert_uint_eq(blk[0].size, 2 * PAGE_SIZE);
	sim_free(s);
}
END_TEST

START_TEST(first_fit_reuses_a_freed_block)
{
	struct sim *s = fresh();
	uint64_t a = alloc(s, 64), b = alloc(s, 64), c = alloc(s, 64);
	ck_assert_uint_eq(b, a + 80);
	release(s, b);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.free_head, b - 16);
	uint64_t big = alloc(s, 200);   /* does not fit in b's 80 bytes */
	ck_assert_uint_gt(big, c);
	uint64_t d = alloc(s, 48);      /* fits: the first free block is b */
	ck_assert_uint_eq(d, b);
	sim_free(s);
}
END_TEST

START_TEST(a_big_free_block_is_split)
{
	struct sim *s = fresh();
	uint64_t a = alloc(s, 256), fence = alloc(s, 16);
	release(s, a);
	uint64_t b = alloc(s, 32);
	ck_assert_uint_eq(b, a);
	struct heap_block blk[8];
	int n = walk(s, blk, 8);
	ck_assert_int_ge(n, 4);
	ck_assert_uint_eq(blk[0].size, 48);
	ck_assert_int_eq(blk[0].used, 1);
	ck_assert_uint_eq(blk[1].addr, a - 16 + 48);
	ck_assert_uint_eq(blk[1].size, 272 - 48);
	ck_assert_int_eq(blk[1].used, 0);
	ck_assert_uint_eq(blk[2].addr, fence - 16);
	/* the rest knows the size below it, and so does the fence */
	ck_assert_int_eq(machine_peek(s->m, 1, blk[1].addr + 8), 48);
	ck_assert_int_eq(machine_peek(s->m, 1, fence - 8), 272 - 48);
	sim_free(s);
}
END_TEST

START_TEST(a_remainder_too_small_is_not_split_off)
{
	struct sim *s = fresh();
	uint64_t a = alloc(s, 256);
	alloc(s, 16);
	release(s, a);
	/* 240 bytes need 256 of the 272: 16 left is below the minimum */
	uint64_t b = alloc(s, 240);
	ck_assert_uint_eq(b, a);
	struct heap_block blk;
	heap_block(machine_proc(s->m, 1), b - 16, &blk);
	ck_assert_uint_eq(blk.size, 272);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.in_use, 256 + 16);
	sim_free(s);
}
END_TEST

/* The orders in which three adjacent blocks are freed. */
static const int free_orders[][3] = {
	{ 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
};

START_TEST(freeing_neighbours_coalesces_them_into_one_block)
{
	const int *order = free_orders[_i];
	struct sim *s = fresh();
	uint64_t p[3];
	for (int i = 0; i < 3; i++)
		p[i] = alloc(s, 48);    /* 64-byte blocks */
	uint64_t fence = alloc(s, 16);
	for (int i = 0; i < 3; i++)
		release(s, p[order[i]]);
	struct heap_block blk[8];
	int n = walk(s, blk, 8);
	ck_assert_int_eq(n, 3);         /* the merged block, the fence, the rest */
	ck_assert_uint_eq(blk[0].addr, p[0] - 16);
	ck_assert_uint_eq(blk[0].size, 3 * 64);
	ck_assert_int_eq(blk[0].used, 0);
	ck_assert_uint_eq(blk[1].addr, fence - 16);
	ck_assert_int_eq(blk[1].used, 1);
	ck_assert_int_eq(machine_peek(s->m, 1, fence - 8), 3 * 64);
	/* the free list: the merged block, then the rest above the fence */
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.free_head, p[0] - 16);
	ck_assert_int_eq(machine_peek(s->m, 1, p[0]), (int64_t)blk[2].addr);
	ck_assert_int_eq(machine_peek(s->m, 1, p[0] + 8), 0);
	ck_assert_int_eq(machine_peek(s->m, 1, blk[2].addr + 16), 0);
	ck_assert_int_eq(machine_peek(s->m, 1, blk[2].addr + 24), (int64_t)(p[0] - 16));
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.blocks, 1);
	/* and the merged block serves one allocation of its whole size */
	ck_assert_uint_eq(alloc(s, 3 * 64 - 16), p[0]);
	sim_free(s);
}
END_TEST

START_TEST(freeing_everything_leaves_one_free_block)
{
	struct sim *s = fresh();
	uint64_t p[6];
	for (int i = 0; i < 6; i++)
		p[i] = alloc(s, 16 * (i + 1));
	static const int order[6] = { 3, 0, 5, 1, 4, 2 };
	for (int i = 0; i < 6; i++)
		release(s, p[order[i]]);
	struct heap_block blk[8];
	ck_assert_int_eq(walk(s, blk, 8), 1);
	ck_assert_int_eq(blk[0].used, 0);
	ck_assert_uint_eq(blk[0].size, machine_proc(s->m, 1)->heap.brk - machine_proc(s->m, 1)->heap.base);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.in_use, 0);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.blocks, 0);
	sim_free(s);
}
END_TEST

START_TEST(freed_payload_is_poisoned)
{
	struct sim *s = fresh();
	uint64_t a = alloc(s, 64);
	alloc(s, 16);
	for (int i = 0; i < 8; i++)
		mem_poke(&machine_proc(s->m, 1)->mem, a + 8 * (uint64_t)i, i + 1);
	release(s, a);
	/* the first two words hold the free-list links */
	for (int i = 2; i < 8; i++)
		ck_assert_int_eq(machine_peek(s->m, 1, a + 8 * (uint64_t)i),
				 (int64_t)0xddddddddddddddddull);
	ck_assert_int_eq(mem_tag(&machine_proc(s->m, 1)->mem, a - 16), TAG_HEADER);
	for (uint64_t g = a; g < a + 64; g += 16)
		ck_assert_int_eq(mem_tag(&machine_proc(s->m, 1)->mem, g), TAG_FREED);
	sim_free(s);
}
END_TEST

/* Whether the heap's idea of its last block is the block that ends at
 * the break. */
static int last_is_right(const struct sim *s)
{
	struct heap_block b[64];
	int n = walk(s, b, 64);
	return n ? machine_proc(s->m, 1)->heap.last == b[n - 1].addr : machine_proc(s->m, 1)->heap.last == 0;
}

START_TEST(a_header_merged_away_is_freed_memory_whatever_the_order)
{
	/* free b then a, or a then b: b's old header lies inside one free
	 * block either way, and touching it is a use after free */
	for (int order = 0; order < 2; order++) {
		struct sim *s = fresh();
		uint64_t a = alloc(s, 16), b = alloc(s, 16);
		alloc(s, 16);
		release(s, order ? a : b);
		release(s, order ? b : a);
		ck_assert_int_eq(heap_check(machine_proc(s->m, 1), b - 16), FAULT_UAF);
		ck_assert_int_eq(heap_check(machine_proc(s->m, 1), a - 16), FAULT_HEAPOVER);
		sim_free(s);
	}
}
END_TEST

START_TEST(the_heap_knows_its_last_block)
{
	struct sim *s = fresh();
	uint64_t p[6];
	ck_assert(last_is_right(s));
	for (int i = 0; i < 6; i++) {
		p[i] = alloc(s, 1000 * (i + 1));
		ck_assert(last_is_right(s));
	}
	/* free the top, merge it with its neighbours, grow past it again */
	static const int order[] = { 5, 3, 4, 0, 2, 1 };
	for (size_t i = 0; i < ARRAY_LEN(order); i++) {
		release(s, p[order[i]]);
		ck_assert(last_is_right(s));
	}
	alloc(s, 100000);
	ck_assert(last_is_right(s));
	sim_free(s);
}
END_TEST

START_TEST(touching_a_free_neighbours_header_is_an_overflow)
{
	struct sim *s = fresh();
	uint64_t a = alloc(s, 32), b = alloc(s, 32);
	alloc(s, 16);
	release(s, b);
	/* one word past a's payload is b's header, free or not */
	ck_assert_int_eq(heap_check(machine_proc(s->m, 1), a + 32), FAULT_HEAPOVER);
	ck_assert_int_eq(heap_check(machine_proc(s->m, 1), b), FAULT_UAF);
	sim_free(s);
}
END_TEST

START_TEST(heap_check_tells_the_kinds_of_heap_memory_apart)
{
	struct sim *s = fresh();
	uint64_t a = alloc(s, 32), b = alloc(s, 32);
	release(s, a);
	ck_assert_int_eq(heap_check(machine_proc(s->m, 1), b), -1);
	ck_assert_int_eq(heap_check(machine_proc(s->m, 1), b + 24), -1);
	ck_assert_int_eq(heap_check(machine_proc(s->m, 1), b - 16), FAULT_HEAPOVER);
	ck_assert_int_eq(heap_check(machine_proc(s->m, 1), a), FAULT_UAF);
	ck_assert_int_eq(heap_check(machine_proc(s->m, 1), b + 64), FAULT_HEAPWILD);
	sim_free(s);
}
END_TEST

/* One bad free: what to pass (relative to a live block p) and the fault. */
static const struct bad_free {
	const char *what;
	int64_t off;            /* added to p; below -1000: the code segment instead */
	int fault;
} bad_frees[] = {
	{ "interior, 8 in", 8, FAULT_BADFREE },
	{ "interior, 16 in", 16, FAULT_BADFREE },
	{ "the header", -16, FAULT_BADFREE },
	{ "past the break", 1 << 20, FAULT_BADFREE },
	{ "code", -2000, FAULT_BADFREE },
};

START_TEST(free_of_a_pointer_that_is_no_block_is_refused)
{
	const struct bad_free *c = &bad_frees[_i];
	struct sim *s = fresh();
	uint64_t p = alloc(s, 64);
	uint64_t q = c->off < -1000 ? CODE_BASE : p + (uint64_t)c->off, size = 99;
	ck_assert_msg(heap_free(machine_proc(s->m, 1), q, &size) == c->fault, "%s", c->what);
	ck_assert_uint_eq(size, 0);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.blocks, 1);
	sim_free(s);
}
END_TEST

START_TEST(a_second_free_is_a_double_free)
{
	struct sim *s = fresh();
	uint64_t p = alloc(s, 64), size = 0;
	alloc(s, 16);
	ck_assert_int_eq(heap_free(machine_proc(s->m, 1), p, &size), -1);
	ck_assert_uint_eq(size, 64);
	ck_assert_int_eq(heap_free(machine_proc(s->m, 1), p, &size), FAULT_DOUBLEFREE);
	sim_free(s);
}
END_TEST

START_TEST(in_use_and_peak_count_payload_bytes)
{
	struct sim *s = fresh();
	uint64_t a = alloc(s, 32), b = alloc(s, 64);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.in_use, 96);
	release(s, a);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.in_use, 64);
	/* 10 bytes take all of a's block: 16 spare bytes cannot be a block */
	ck_assert_uint_eq(alloc(s, 10), a);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.in_use, 96);
	release(s, b);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.in_use, 32);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.peak, 96);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.blocks, 1);
	alloc(s, 100);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.peak, 32 + 112);
	sim_free(s);
}
END_TEST

START_TEST(malloc_returns_0_when_the_heap_cannot_grow)
{
	struct sim *s = sim_new("int r1; int r2; int r3;\n"
				"int main() {\n"
				"    int *p = malloc(1000000);\n"
				"    r1 = p == 0;\n"
				"    int *q = malloc(100);\n"
				"    r2 = q != 0;\n"
				"    q[0] = 5;\n"
				"    r3 = q[0];\n"
				"    return 0;\n"
				"}\n");
	s->lim.max_memory = 128 * 1024;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "r1", 0), 1);
	ck_assert_int_eq(sim_global(s, "r2", 0), 1);
	ck_assert_int_eq(sim_global(s, "r3", 0), 5);
	const struct event *e = sim_nth(s, EV_MALLOC, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->addr, 0);
	ck_assert_int_eq(e->a, 1000000);
	sim_free(s);
}
END_TEST

START_TEST(heap_alloc_beyond_the_heap_limit_fails)
{
	struct sim *s = fresh();
	ck_assert_int_eq(heap_alloc(machine_proc(s->m, 1), (int64_t)HEAP_LIMIT + 1, 1), 0);
	ck_assert_int_eq(heap_alloc(machine_proc(s->m, 1), (int64_t)HEAP_LIMIT, 1), 0);
	ck_assert_int_eq(heap_alloc(machine_proc(s->m, 1), INT64_MAX, 1), 0);
	/* nothing was taken: a small one still comes from the base */
	ck_assert_uint_eq(alloc(s, 8), machine_proc(s->m, 1)->heap.base + HEAP_HEADER);
	sim_free(s);
}
END_TEST

START_TEST(a_failed_growth_keeps_the_free_top_block)
{
	struct sim *s = sim_new("int main() { return 0; }\n");
	s->lim.max_memory = 64 * 1024;
	ck_assert_int_eq(sim_start(s), 0);
	uint64_t a = alloc(s, 16);
	ck_assert_int_eq(heap_alloc(machine_proc(s->m, 1), 1 << 20, 1), 0);
	uint64_t b = alloc(s, 16);
	ck_assert_uint_eq(b, a + 32);
	struct heap_block blk[4];
	ck_assert_int_eq(walk(s, blk, 4), 3);
	ck_assert_int_eq(blk[2].used, 0);
	sim_free(s);
}
END_TEST

START_TEST(malloc_and_free_events_from_a_program)
{
	struct sim *s = sim_run("int *keep;\n"
				"void w(int n) { keep = malloc(n); }\n"
				"int main() {\n"
				"    int *p = malloc(40);\n"
				"    p[4] = 7;\n"
				"    join(spawn(w, 24));\n"
				"    free(p);\n"
				"    free(0);\n"
				"    return p == keep;\n"
				"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_count(s, EV_MALLOC), 2);
	ck_assert_int_eq(sim_count(s, EV_FREE), 1);         /* free(0) does nothing */
	const struct event *m0 = sim_nth(s, EV_MALLOC, 0), *m1 = sim_nth(s, EV_MALLOC, 1);
	const struct event *f = sim_nth(s, EV_FREE, 0);
	ck_assert_int_eq(m0->tid, 1);
	ck_assert_int_eq(m0->a, 40);
	ck_assert_int_eq(m1->tid, 2);
	ck_assert_int_eq(m1->a, 24);
	ck_assert_uint_eq(f->addr, m0->addr);
	ck_assert_int_eq(f->a, 48);     /* the payload freed, rounded up */
	ck_assert_int_eq(m1->line, 2);
	ck_assert_int_eq(f->line, 7);
	struct heap_block blk;
	ck_assert_int_eq(heap_block(machine_proc(s->m, 1), m1->addr - 16, &blk), 1);
	ck_assert_int_eq(blk.owner, 2);
	ck_assert_int_eq(blk.used, 1);
	ck_assert_uint_eq((uint64_t)sim_global(s, "keep", 0), m1->addr);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.peak, 48 + 32);
	sim_free(s);
}
END_TEST

START_TEST(a_program_can_use_what_it_allocates)
{
	struct sim *s = sim_run("int main() {\n"
				"    int n = 300;\n"
				"    int *a = malloc(n * 8);\n"
				"    for (int i = 0; i < n; i++) a[i] = i * i;\n"
				"    int *b = malloc(8);\n"
				"    b[0] = 0;\n"
				"    for (int i = 0; i < n; i++) b[0] += a[i];\n"
				"    free(a);\n"
				"    return b[0] % 1000;\n"
				"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 8955050 % 1000);
	sim_free(s);
}
END_TEST

Suite *heap_suite(void)
{
	Suite *s = suite_create("heap");
	TCase *tc = sim_tcase("alloc");
	tcase_add_test(tc, payloads_are_16_byte_aligned);
	tcase_add_test(tc, headers_live_in_simulated_memory);
	tcase_add_test(tc, a_block_is_at_least_the_minimum);
	tcase_add_test(tc, the_heap_grows_a_page_at_a_time);
	tcase_add_test(tc, growing_extends_a_free_block_at_the_top);
	tcase_add_test(tc, growing_after_a_used_last_block_starts_at_the_break);
	tcase_add_test(tc, first_fit_reuses_a_freed_block);
	tcase_add_test(tc, a_big_free_block_is_split);
	tcase_add_test(tc, a_remainder_too_small_is_not_split_off);
	tcase_add_test(tc, in_use_and_peak_count_payload_bytes);
	tcase_add_test(tc, malloc_returns_0_when_the_heap_cannot_grow);
	tcase_add_test(tc, heap_alloc_beyond_the_heap_limit_fails);
	tcase_add_test(tc, a_failed_growth_keeps_the_free_top_block);
	tcase_add_test(tc, malloc_and_free_events_from_a_program);
	tcase_add_test(tc, a_program_can_use_what_it_allocates);
	suite_add_tcase(s, tc);

	tc = sim_tcase("free");
	tcase_add_loop_test(tc, freeing_neighbours_coalesces_them_into_one_block, 0,
			    (int)ARRAY_LEN(free_orders));
	tcase_add_test(tc, freeing_everything_leaves_one_free_block);
	tcase_add_test(tc, freed_payload_is_poisoned);
	tcase_add_test(tc, touching_a_free_neighbours_header_is_an_overflow);
	tcase_add_test(tc, the_heap_knows_its_last_block);
	tcase_add_test(tc, a_header_merged_away_is_freed_memory_whatever_the_order);
	tcase_add_test(tc, heap_check_tells_the_kinds_of_heap_memory_apart);
	tcase_add_loop_test(tc, free_of_a_pointer_that_is_no_block_is_refused, 0,
			    (int)ARRAY_LEN(bad_frees));
	tcase_add_test(tc, a_second_free_is_a_double_free);
	suite_add_tcase(s, tc);
	return s;
}
