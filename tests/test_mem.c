/* test_mem: the address space — sparse pages, rights, copy-on-write,
 * the page limit and heap tags; and snapshots of a whole machine, which
 * rest on copying address spaces. */
#include <string.h>

#include "sim.h"
#include "sim/pool.h"

#define BASE 0x200000u          /* where the tests map their pages */

/* A fresh address space with four rw pages at BASE and a page limit. */
static void setup(struct mem *m, size_t max_pages)
{
	mem_init(m, max_pages);
	mem_map(m, BASE, 4 * PAGE_SIZE, MP_R | MP_W);
}

START_TEST(untouched_mapped_page_reads_zero_and_costs_no_page)
{
	struct mem m;
	setup(&m, 0);
	int64_t v = 99;
	ck_assert_int_eq(mem_read(&m, BASE + 8, &v), MEM_OK);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(mem_read(&m, BASE + 3 * PAGE_SIZE + 4088, &v), MEM_OK);
	ck_assert_uint_eq(m.pages, 0);
	int prot;
	ck_assert_ptr_null(mem_page(&m, BASE, &prot));
	ck_assert_int_eq(prot, MP_R | MP_W);
	mem_done(&m);
}
END_TEST

START_TEST(a_write_makes_one_page_per_page_touched)
{
	struct mem m;
	setup(&m, 0);
	ck_assert_int_eq(mem_write(&m, BASE + 16, 7), MEM_OK);
	ck_assert_uint_eq(m.pages, 1);
	ck_assert_int_eq(mem_write(&m, BASE + 24, 8), MEM_OK);
	ck_assert_uint_eq(m.pages, 1);
	ck_assert_int_eq(mem_write(&m, BASE + 2 * PAGE_SIZE, 9), MEM_OK);
	ck_assert_uint_eq(m.pages, 2);
	int64_t v;
	ck_assert_int_eq(mem_read(&m, BASE + 16, &v), MEM_OK);
	ck_assert_int_eq(v, 7);
	ck_assert_int_eq(mem_read(&m, BASE + 2 * PAGE_SIZE, &v), MEM_OK);
	ck_assert_int_eq(v, 9);
	/* the neighbouring word of a touched page is still 0 */
	ck_assert_int_eq(mem_read(&m, BASE + 8, &v), MEM_OK);
	ck_assert_int_eq(v, 0);
	mem_done(&m);
}
END_TEST

/* One access of the rights table: where, read or write, and the answer. */
static const struct access_case {
	const char *what;
	uint64_t addr;
	int write;
	enum mem_err want;
} access_cases[] = {
	{ "read r-x", BASE, 0, MEM_OK },
	{ "write r-x", BASE, 1, MEM_PROT },
	{ "read r--", BASE + PAGE_SIZE, 0, MEM_OK },
	{ "write r--", BASE + PAGE_SIZE, 1, MEM_PROT },
	{ "read rw-", BASE + 2 * PAGE_SIZE, 0, MEM_OK },
	{ "write rw-", BASE + 2 * PAGE_SIZE + 8, 1, MEM_OK },
	{ "read guard", BASE + 3 * PAGE_SIZE, 0, MEM_GUARD },
	{ "write guard", BASE + 3 * PAGE_SIZE + 4088, 1, MEM_GUARD },
	{ "read unmapped", BASE + 4 * PAGE_SIZE, 0, MEM_UNMAPPED },
	{ "write unmapped", BASE + 4 * PAGE_SIZE, 1, MEM_UNMAPPED },
	{ "read page 0", 0, 0, MEM_UNMAPPED },
	{ "read misaligned", BASE + 2 * PAGE_SIZE + 4, 0, MEM_ALIGN },
	{ "write misaligned", BASE + 2 * PAGE_SIZE + 1, 1, MEM_ALIGN },
	{ "write misaligned r-x", BASE + 2, 1, MEM_ALIGN },
	{ "read past the top", ADDR_LIMIT, 0, MEM_UNMAPPED },
	{ "write past the top", (uint64_t)ADDR_LIMIT + 4096, 1, MEM_UNMAPPED },
	{ "read far past the top", UINT64_MAX - 7, 0, MEM_UNMAPPED },
};

START_TEST(access_rights_are_checked)
{
	const struct access_case *c = &access_cases[_i];
	struct mem m;
	mem_init(&m, 0);
	mem_map(&m, BASE, PAGE_SIZE, MP_R | MP_X);
	mem_map(&m, BASE + PAGE_SIZE, PAGE_SIZE, MP_R);
	mem_map(&m, BASE + 2 * PAGE_SIZE, PAGE_SIZE, MP_R | MP_W);
	mem_map(&m, BASE + 3 * PAGE_SIZE, PAGE_SIZE, MP_GUARD);
	/* content in the read-only pages, put there by the runtime */
	ck_assert_int_eq(mem_poke(&m, BASE, 0x1234), MEM_OK);
	ck_assert_int_eq(mem_poke(&m, BASE + PAGE_SIZE, 0x5678), MEM_OK);
	int64_t v = 0;
	enum mem_err e = c->write ? mem_write(&m, c->addr, 42) : mem_read(&m, c->addr, &v);
	ck_assert_msg(e == c->want, "%s: got %d, want %d", c->what, e, c->want);
	if (!c->write && c->addr == BASE)
		ck_assert_int_eq(v, 0x1234);
	/* a refused write changes nothing */
	uint64_t w = c->addr & ~7ull;
	if (c->write && e != MEM_OK && c->addr < ADDR_LIMIT)
		ck_assert_int_eq(mem_peek(&m, w), w == BASE ? 0x1234 : w == BASE + PAGE_SIZE ? 0x5678 : 0);
	mem_done(&m);
}
END_TEST

START_TEST(mem_map_covers_partial_pages_and_mem_prot_reports_rights)
{
	struct mem m;
	mem_init(&m, 0);
	/* from the middle of one page to the middle of the next */
	mem_map(&m, BASE + 100, PAGE_SIZE, MP_R);
	ck_assert_int_eq(mem_prot(&m, BASE), MP_R);
	ck_assert_int_eq(mem_prot(&m, BASE + PAGE_SIZE + 50), MP_R);
	ck_assert_int_eq(mem_prot(&m, BASE + 2 * PAGE_SIZE), 0);
	ck_assert_int_eq(mem_prot(&m, BASE - 8), 0);
	ck_assert_int_eq(mem_prot(&m, ADDR_LIMIT), 0);
	/* mapping again changes the rights */
	mem_map(&m, BASE, PAGE_SIZE, MP_R | MP_W);
	ck_assert_int_eq(mem_prot(&m, BASE), MP_R | MP_W);
	ck_assert_int_eq(mem_prot(&m, BASE + PAGE_SIZE), MP_R);
	mem_done(&m);
}
END_TEST

START_TEST(runtime_access_ignores_rights_but_not_unmapped_pages)
{
	struct mem m;
	mem_init(&m, 0);
	mem_map(&m, BASE, PAGE_SIZE, MP_R | MP_X);
	mem_map(&m, BASE + PAGE_SIZE, PAGE_SIZE, MP_GUARD);
	ck_assert_int_eq(mem_poke(&m, BASE + 8, -5), MEM_OK);
	ck_assert_int_eq(mem_peek(&m, BASE + 8), -5);
	ck_assert_int_eq(mem_poke(&m, BASE + 2 * PAGE_SIZE, 1), MEM_UNMAPPED);
	ck_assert_int_eq(mem_poke(&m, BASE + PAGE_SIZE, 1), MEM_UNMAPPED);
	ck_assert_int_eq(mem_peek(&m, BASE + 2 * PAGE_SIZE), 0);
	/* bytes across a page boundary: the unmapped half reads as 0 */
	mem_map(&m, BASE + PAGE_SIZE, PAGE_SIZE, MP_R | MP_W);
	uint8_t bytes[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	ck_assert_int_eq(mem_poke_bytes(&m, BASE + PAGE_SIZE - 4, bytes, 8), MEM_OK);
	ck_assert_int_eq(mem_peek(&m, BASE + PAGE_SIZE - 4), 0x0807060504030201ll);
	ck_assert_int_eq(mem_peek(&m, BASE + PAGE_SIZE), 0x08070605);
	mem_done(&m);
}
END_TEST

START_TEST(peek_string_stops_at_nul_unreadable_memory_or_length)
{
	struct mem m;
	mem_init(&m, 0);
	mem_map(&m, BASE, PAGE_SIZE, MP_R);
	mem_poke_bytes(&m, BASE, "hello", 6);
	mem_poke_bytes(&m, BASE + PAGE_SIZE - 3, "abc", 3);     /* runs off the page */
	char s[16];
	ck_assert_uint_eq(mem_peek_string(&m, BASE, s, sizeof s), 5);
	ck_assert_str_eq(s, "hello");
	ck_assert_uint_eq(mem_peek_string(&m, BASE, s, 3), 2);
	ck_assert_str_eq(s, "he");
	ck_assert_uint_eq(mem_peek_string(&m, BASE + PAGE_SIZE - 3, s, sizeof s), 3);
	ck_assert_str_eq(s, "abc");
	ck_assert_uint_eq(mem_peek_string(&m, BASE + 5 * PAGE_SIZE, s, sizeof s), 0);
	ck_assert_str_eq(s, "");
	mem_done(&m);
}
END_TEST

START_TEST(mem_copy_shares_pages)
{
	struct mem a, b;
	setup(&a, 0);
	mem_write(&a, BASE, 1);
	mem_write(&a, BASE + PAGE_SIZE, 2);
	mem_copy(&b, &a);
	ck_assert_uint_eq(b.pages, 2);
	int pa, pb;
	const struct page *p = mem_page(&a, BASE, &pa), *q = mem_page(&b, BASE, &pb);
	ck_assert_ptr_eq(p, q);                 /* one page, seen by both */
	ck_assert_int_eq(pb, MP_R | MP_W);
	ck_assert_int_eq(mem_write(&b, BASE, 5), MEM_OK);
	q = mem_page(&b, BASE, &pb);
	ck_assert_ptr_ne(p, q);                 /* written: b has its own now */
	ck_assert_uint_eq(p->refs, 1);
	ck_assert_ptr_eq(mem_page(&a, BASE + PAGE_SIZE, &pa),  /* the other is still shared */
			 mem_page(&b, BASE + PAGE_SIZE, &pb));
	mem_done(&b);
	ck_assert_int_eq(mem_peek(&a, BASE), 1);
	ck_assert_int_eq(mem_peek(&a, BASE + PAGE_SIZE), 2);
	mem_done(&a);
}
END_TEST

/* The hash m keeps, and the one read afresh from its pages. */
static int hash_agrees(const struct mem *m)
{
	uint64_t kept[2], fresh[2];
	struct mem c = *m;
	mem_hash(m, kept);
	c.track = 0;
	mem_hash(&c, fresh);
	return kept[0] == fresh[0] && kept[1] == fresh[1];
}

START_TEST(mem_track_agrees_with_a_fresh_hash)
{
	struct mem a, b;
	setup(&a, 0);
	mem_track(&a);
	ck_assert(hash_agrees(&a));
	uint64_t seed = 12345;
	for (int i = 0; i < 2000; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t r = seed >> 16, addr = BASE + (r % (4 * PAGE_SIZE));
		switch (r % 5) {
		case 0: case 1:
			mem_write(&a, addr & ~7ull, (int64_t)(r % 3));  /* zeros too */
			break;
		case 2: {
			char bytes[11] = "unaligned!";
			mem_poke_bytes(&a, addr, bytes, addr + 10 < BASE + 4 * PAGE_SIZE ? 10 : 1);
			break;
		}
		case 3:
			mem_set_tags(&a, addr & ~15ull, 48, (int)(r % 4));
			break;
		default:
			mem_map(&a, BASE + 5 * PAGE_SIZE, PAGE_SIZE, (r & 64) ? MP_R : MP_R | MP_W);
			break;
		}
		ck_assert_msg(hash_agrees(&a), "after operation %d", i);
	}
	mem_copy(&b, &a);               /* a copy keeps tracking, each on its own */
	mem_write(&b, BASE, 99);
	mem_write(&a, BASE + 8, 98);
	ck_assert(hash_agrees(&a) && hash_agrees(&b));
	mem_done(&b);
	mem_done(&a);
}
END_TEST

START_TEST(mem_hash_follows_the_contents)
{
	struct mem a, b;
	uint64_t ha[2], hb[2], h0[2];
	setup(&a, 0);
	mem_write(&a, BASE, 1);
	mem_hash(&a, h0);
	mem_copy(&b, &a);
	mem_hash(&b, hb);
	ck_assert(hb[0] == h0[0] && hb[1] == h0[1]);    /* a copy hashes the same */
	mem_write(&b, BASE + 8, 7);
	mem_hash(&b, hb);
	ck_assert(hb[0] != h0[0] || hb[1] != h0[1]);    /* a write changes it */
	mem_hash(&a, ha);
	ck_assert(ha[0] == h0[0] && ha[1] == h0[1]);    /* the original kept its own */
	mem_write(&b, BASE + 8, 0);
	mem_hash(&b, hb);
	ck_assert(hb[0] == h0[0] && hb[1] == h0[1]);    /* the same contents again */
	mem_set_tags(&b, BASE, 16, TAG_USED);
	mem_hash(&b, hb);
	ck_assert(hb[0] != h0[0] || hb[1] != h0[1]);    /* tags count too */
	mem_map(&b, BASE + 4 * PAGE_SIZE, PAGE_SIZE, MP_R | MP_W);
	mem_hash(&a, ha);
	ck_assert(ha[0] == h0[0] && ha[1] == h0[1]);
	mem_done(&b);
	mem_done(&a);
}
END_TEST

START_TEST(copy_on_write_keeps_the_copies_independent)
{
	struct mem a, b;
	setup(&a, 0);
	mem_write(&a, BASE, 1);
	mem_write(&a, BASE + 8, 10);
	mem_copy(&b, &a);
	ck_assert_int_eq(mem_write(&b, BASE, 2), MEM_OK);       /* the copy writes */
	ck_assert_int_eq(mem_write(&a, BASE + 8, 11), MEM_OK);  /* the original writes */
	int64_t v;
	mem_read(&a, BASE, &v);
	ck_assert_int_eq(v, 1);
	mem_read(&b, BASE, &v);
	ck_assert_int_eq(v, 2);
	mem_read(&a, BASE + 8, &v);
	ck_assert_int_eq(v, 11);
	mem_read(&b, BASE + 8, &v);
	ck_assert_int_eq(v, 10);
	int prot;
	ck_assert_ptr_ne(mem_page(&a, BASE, &prot), mem_page(&b, BASE, &prot));
	ck_assert_uint_eq(mem_page(&a, BASE, &prot)->refs, 1);
	ck_assert_uint_eq(mem_page(&b, BASE, &prot)->refs, 1);
	/* a private copy is not a new page of the space */
	ck_assert_uint_eq(a.pages, 1);
	ck_assert_uint_eq(b.pages, 1);
	mem_done(&a);
	mem_done(&b);
}
END_TEST

START_TEST(a_page_first_touched_after_the_copy_is_private)
{
	struct mem a, b;
	setup(&a, 0);
	mem_copy(&b, &a);
	mem_write(&b, BASE + 3 * PAGE_SIZE, 5);
	ck_assert_int_eq(mem_peek(&a, BASE + 3 * PAGE_SIZE), 0);
	ck_assert_int_eq(mem_peek(&b, BASE + 3 * PAGE_SIZE), 5);
	ck_assert_uint_eq(a.pages, 0);
	ck_assert_uint_eq(b.pages, 1);
	/* and mapping in the copy does not map in the original */
	mem_map(&b, BASE + 8 * PAGE_SIZE, PAGE_SIZE, MP_R);
	ck_assert_int_eq(mem_prot(&a, BASE + 8 * PAGE_SIZE), 0);
	mem_done(&a);
	mem_done(&b);
}
END_TEST

START_TEST(page_limit_refuses_new_pages_only)
{
	struct mem m;
	setup(&m, 2);
	ck_assert_int_eq(mem_write(&m, BASE, 1), MEM_OK);
	ck_assert_int_eq(mem_write(&m, BASE + PAGE_SIZE, 2), MEM_OK);
	ck_assert_int_eq(mem_write(&m, BASE + 2 * PAGE_SIZE, 3), MEM_FULL);
	ck_assert_int_eq(mem_poke(&m, BASE + 2 * PAGE_SIZE, 3), MEM_FULL);
	ck_assert_int_eq(mem_set_tags(&m, BASE + 3 * PAGE_SIZE, 16, TAG_USED), MEM_FULL);
	ck_assert_uint_eq(m.pages, 2);
	/* pages it has can still be written, new ones still read as 0 */
	ck_assert_int_eq(mem_write(&m, BASE + 8, 4), MEM_OK);
	int64_t v = 1;
	ck_assert_int_eq(mem_read(&m, BASE + 2 * PAGE_SIZE, &v), MEM_OK);
	ck_assert_int_eq(v, 0);
	mem_done(&m);
}
END_TEST

START_TEST(a_full_copy_can_still_write_its_shared_pages)
{
	struct mem a, b;
	setup(&a, 1);
	ck_assert_int_eq(mem_write(&a, BASE, 1), MEM_OK);
	mem_copy(&b, &a);
	ck_assert_int_eq(mem_write(&b, BASE, 2), MEM_OK);
	ck_assert_int_eq(mem_write(&b, BASE + PAGE_SIZE, 2), MEM_FULL);
	ck_assert_int_eq(mem_peek(&a, BASE), 1);
	mem_done(&a);
	mem_done(&b);
}
END_TEST

START_TEST(tags_are_per_granule_and_copied_on_write)
{
	struct mem a, b;
	setup(&a, 0);
	ck_assert_int_eq(mem_tag(&a, BASE), TAG_NONE);
	/* 40 bytes from BASE+8: granules 0, 1 and 2 */
	ck_assert_int_eq(mem_set_tags(&a, BASE + 8, 40, TAG_USED), MEM_OK);
	ck_assert_int_eq(mem_tag(&a, BASE), TAG_USED);
	ck_assert_int_eq(mem_tag(&a, BASE + 47), TAG_USED);
	ck_assert_int_eq(mem_tag(&a, BASE + 48), TAG_NONE);
	/* across a page boundary */
	ck_assert_int_eq(mem_set_tags(&a, BASE + PAGE_SIZE - 16, 32, TAG_HEADER), MEM_OK);
	ck_assert_int_eq(mem_tag(&a, BASE + PAGE_SIZE - 1), TAG_HEADER);
	ck_assert_int_eq(mem_tag(&a, BASE + PAGE_SIZE + 15), TAG_HEADER);
	ck_assert_int_eq(mem_tag(&a, BASE + PAGE_SIZE + 16), TAG_NONE);
	/* tags do not change the data */
	ck_assert_int_eq(mem_peek(&a, BASE + 8), 0);
	mem_copy(&b, &a);
	ck_assert_int_eq(mem_set_tags(&b, BASE, 16, TAG_FREED), MEM_OK);
	ck_assert_int_eq(mem_tag(&a, BASE), TAG_USED);
	ck_assert_int_eq(mem_tag(&b, BASE), TAG_FREED);
	ck_assert_int_eq(mem_tag(&b, BASE + 16), TAG_USED);
	ck_assert_int_eq(mem_set_tags(&b, BASE + 9 * PAGE_SIZE, 16, TAG_USED), MEM_UNMAPPED);
	ck_assert_int_eq(mem_tag(&b, ADDR_LIMIT + 16ull), TAG_NONE);
	mem_done(&a);
	mem_done(&b);
}
END_TEST

START_TEST(a_loaded_program_has_the_segments_rights)
{
	struct sim *s = sim_new("const int K = 1;\nint g = 2;\nint main() { return g + K; }\n");
	ck_assert_int_eq(sim_start(s), 0);
	const struct mem *m = &machine_proc(s->m, 1)->mem;
	const struct thread *t = machine_thread(s->m, 1);
	ck_assert_int_eq(mem_prot(m, CODE_BASE), MP_R | MP_X);
	ck_assert_int_eq(mem_prot(m, RODATA_BASE), MP_R);
	ck_assert_int_eq(mem_prot(m, DATA_BASE), MP_R | MP_W);
	ck_assert_int_eq(mem_prot(m, 0), 0);
	ck_assert_int_eq(mem_prot(m, t->stack_lo), MP_R | MP_W);
	ck_assert_int_eq(mem_prot(m, t->stack_hi - 8), MP_R | MP_W);
	ck_assert_int_eq(mem_prot(m, t->stack_lo - PAGE_SIZE), MP_GUARD);
	ck_assert_int_eq(machine_peek(s->m, 1, sim_addr(s, "K")), 1);
	ck_assert_int_eq(machine_peek(s->m, 1, sim_addr(s, "g")), 2);
	/* the code segment holds the encoded instructions */
	ck_assert_int_eq((uint32_t)machine_peek(s->m, 1, CODE_BASE), s->sc->image->words[0]);
	sim_finish(s);
	ck_assert_int_eq(s->m->exit_status, 3);
	sim_free(s);
}
END_TEST

START_TEST(a_big_array_touched_once_costs_one_page)
{
	struct sim *s = sim_run("int big[65536];\n"
				"int main() { big[40000] = 1; return big[40000] + big[100]; }\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 1);
	/* 512 KiB of bss, but only code, data, a stack page and that page */
	ck_assert_uint_lt(machine_proc(s->m, 1)->mem.pages, 10);
	ck_assert_int_eq(sim_global(s, "big", 40000), 1);
	sim_free(s);
}
END_TEST

/* Snapshots: a machine copied mid-run goes on exactly as the original. */

static const char *snapshot_prog =
	"#policy random\n#seed 7\n#cores 2\n"
	"int counter;\nmutex m;\nint *heap;\n"
	"void worker(int n) {\n"
	"    for (int i = 0; i < n; i++) { lock(m); counter++; unlock(m); }\n"
	"    int *p = malloc(32); p[1] = n; free(p);\n"
	"}\n"
	"int main() {\n"
	"    heap = malloc(64);\n"
	"    int a = spawn(worker, 20); int b = spawn(worker, 30);\n"
	"    join(a); join(b);\n"
	"    print(\"%d\\n\", counter);\n"
	"    return counter;\n"
	"}\n";

START_TEST(a_copy_mid_run_continues_exactly_as_the_original)
{
	struct sim *s = sim_new(snapshot_prog);
	ck_assert_int_eq(sim_start(s), 0);
	ck_assert_int_eq(machine_run(s->m, 60), 1);
	size_t at = s->log.n;
	struct sim *c = sim_copy(s);
	sim_finish(s);
	sim_finish(c);
	ck_assert_uint_gt(c->log.n, 100);
	assert_same_lines(evlog_format(&c->log, 0), evlog_format(&s->log, at), "the copy's events");
	ck_assert_int_eq(c->m->exit_status, 50);
	ck_assert_int_eq(s->m->exit_status, 50);
	ck_assert_uint_eq(c->m->tick, s->m->tick);
	ck_assert_uint_eq(machine_proc(c->m, 1)->heap.peak, machine_proc(s->m, 1)->heap.peak);
	sim_free(c);
	sim_free(s);
}
END_TEST

START_TEST(a_copy_does_not_change_the_original)
{
	struct sim *s = sim_new(snapshot_prog);
	ck_assert_int_eq(sim_start(s), 0);
	machine_run(s->m, 200);
	uint64_t addr = sim_addr(s, "counter");
	int64_t before = machine_peek(s->m, 1, addr);
	uint64_t tick = s->m->tick;
	struct machine *m = xmalloc(sizeof *m);
	machine_copy(m, s->m);
	void (*sink)(void *, const struct event *) = m->sink.fn;
	machine_done(m);
	xfree(m);
	ck_assert_ptr_eq(sink, NULL);           /* a copy gets no sink */
	size_t events = s->log.n;
	struct sim *c = sim_copy(s);
	sim_finish(c);
	ck_assert_uint_eq(s->log.n, events);    /* the copy's events are its own */
	ck_assert_int_eq(machine_peek(c->m, 1, addr), 50);
	ck_assert_int_eq(machine_peek(s->m, 1, addr), before);
	ck_assert_uint_eq(s->m->tick, tick);
	ck_assert_int_eq(s->m->state, RUN_ACTIVE);
	sim_free(c);
	sim_finish(s);
	ck_assert_int_eq(sim_global(s, "counter", 0), 50);
	sim_free(s);
}
END_TEST

START_TEST(two_runs_of_one_program_send_the_same_events)
{
	struct sim *a = sim_run(snapshot_prog), *b = sim_run(snapshot_prog);
	assert_same_lines(evlog_format(&b->log, 0), evlog_format(&a->log, 0), "the second run's events");
	sim_free(a);
	sim_free(b);
}
END_TEST

static const char *call_prog =
	"int counter;\nint *p;\n"
	"int get() { return counter * 2; }\n"
	"int bump() { counter = 100; return counter + 1; }\n"
	"int crash() { return *p; }\n"
	"int spin() { while (1) {} return 0; }\n"
	"int fact(int n) { return n < 2 ? 1 : n * fact(n - 1); }\n"
	"int f10() { return fact(10); }\n"
	"int heap() { int *q = malloc(16); q[0] = 5; return q[0]; }\n"
	"int main() { counter = 21; return 0; }\n";

START_TEST(machine_call_evaluates_a_function_on_the_final_state)
{
	struct sim *s = sim_run(call_prog);
	int64_t v = 0;
	char err[128];
	ck_assert_int_eq(machine_call(s->m, 1, sim_addr(s, "get"), 1000, &v, err, sizeof err), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(machine_call(s->m, 1, sim_addr(s, "f10"), 10000, &v, err, sizeof err), 0);
	ck_assert_int_eq(v, 3628800);
	ck_assert_int_eq(machine_call(s->m, 1, sim_addr(s, "heap"), 1000, &v, err, sizeof err), 0);
	ck_assert_int_eq(v, 5);
	sim_free(s);
}
END_TEST

START_TEST(machine_call_leaves_the_machine_as_it_was)
{
	struct sim *s = sim_run(call_prog);
	size_t events = s->log.n;
	uint64_t tick = s->m->tick, pages = machine_proc(s->m, 1)->mem.pages, brk = machine_proc(s->m, 1)->heap.brk;
	int64_t v = 0;
	char err[128];
	ck_assert_int_eq(machine_call(s->m, 1, sim_addr(s, "bump"), 1000, &v, err, sizeof err), 0);
	ck_assert_int_eq(v, 101);
	ck_assert_int_eq(sim_global(s, "counter", 0), 21);
	ck_assert_int_eq(machine_call(s->m, 1, sim_addr(s, "heap"), 1000, &v, err, sizeof err), 0);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.brk, brk);
	ck_assert_uint_eq(s->m->tick, tick);
	ck_assert_uint_eq(machine_proc(s->m, 1)->mem.pages, pages);
	ck_assert_int_eq(s->m->end, END_OK);
	ck_assert_uint_eq(s->log.n, events);            /* and sends no events */
	ck_assert_int_eq(machine_call(s->m, 1, sim_addr(s, "get"), 1000, &v, err, sizeof err), 0);
	ck_assert_int_eq(v, 42);
	sim_free(s);
}
END_TEST

START_TEST(machine_call_reports_faults_and_endless_loops)
{
	struct sim *s = sim_run(call_prog);
	int64_t v = 77;
	char err[128] = "";
	ck_assert_int_eq(machine_call(s->m, 1, sim_addr(s, "crash"), 1000, &v, err, sizeof err), -1);
	ck_assert_msg(strstr(err, fault_names[FAULT_NULL]) != NULL, "err: %s", err);
	ck_assert_int_eq(machine_call(s->m, 1, sim_addr(s, "spin"), 500, &v, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "500") != NULL, "err: %s", err);
	ck_assert_int_eq(v, 77);
	/* the machine is still usable afterwards */
	ck_assert_int_eq(machine_call(s->m, 1, sim_addr(s, "get"), 1000, &v, err, sizeof err), 0);
	ck_assert_int_eq(v, 42);
	sim_free(s);
}
END_TEST

START_TEST(expect_conditions_compile_to_functions_machine_call_runs)
{
	struct sim *s = sim_run("#expect total == 6\n#expect total == 7\n"
				"int total;\nint main() { total = 1 + 2 + 3; return 0; }\n");
	ck_assert_uint_eq(s->sc->nexpects, 2);
	int64_t v = -1;
	char err[64];
	ck_assert_int_eq(machine_call(s->m, 1, s->sc->expects[0].func, 1000, &v, err, sizeof err), 0);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(machine_call(s->m, 1, s->sc->expects[1].func, 1000, &v, err, sizeof err), 0);
	ck_assert_int_eq(v, 0);
	sim_free(s);
}
END_TEST

START_TEST(pool_keeps_a_freed_block_for_its_own_size)
{
	char *p = pool_alloc(1500), *q = pool_alloc(1500);
	pool_free(p, 1500);
	ck_assert_ptr_eq(pool_alloc(1500), p);  /* the freed one, taken again */
	pool_free(q, 1500);
	char *r = pool_alloc(2000);             /* another size: not q */
	ck_assert_ptr_ne(r, q);
	ck_assert_ptr_eq(pool_alloc(1500), q);
	memset(r, 1, 2000);                     /* a whole block of its size */
	pool_free(p, 1500);
	pool_free(q, 1500);
	pool_free(r, 2000);
	pool_flush();                           /* valgrind: none left behind */
}
END_TEST

/* A large table's bytes (explore --jobs): zeroed whatever the size and
 * however the block was used before, aligned for 2 MiB pages between 2
 * and 64 MiB. */
START_TEST(xcalloc_large_gives_zeroed_bytes_of_every_size)
{
	static const size_t sizes[] = { 100, 2u << 20, (8u << 20) + 5, 65u << 20 };
	for (int round = 0; round < 2; round++)         /* the second reuses */
		for (size_t k = 0; k < ARRAY_LEN(sizes); k++) {
			size_t n = sizes[k];
			unsigned char *p = xcalloc_large(n);
			for (size_t i = 0; i < n; i += 4093)
				ck_assert_msg(p[i] == 0, "%zu bytes: byte %zu is %d", n, i, p[i]);
			ck_assert_int_eq(p[n - 1], 0);
			if (n >= (2u << 20) && n <= (64u << 20))
				ck_assert_uint_eq((uintptr_t)p % (2u << 20), 0);
			memset(p, 0xa5, n);
			xfree(p);
		}
}
END_TEST

Suite *mem_suite(void)
{
	Suite *s = suite_create("mem");
	TCase *tc = sim_tcase("pages");
	tcase_add_test(tc, untouched_mapped_page_reads_zero_and_costs_no_page);
	tcase_add_test(tc, a_write_makes_one_page_per_page_touched);
	tcase_add_loop_test(tc, access_rights_are_checked, 0, (int)ARRAY_LEN(access_cases));
	tcase_add_test(tc, mem_map_covers_partial_pages_and_mem_prot_reports_rights);
	tcase_add_test(tc, runtime_access_ignores_rights_but_not_unmapped_pages);
	tcase_add_test(tc, peek_string_stops_at_nul_unreadable_memory_or_length);
	tcase_add_test(tc, mem_copy_shares_pages);
	tcase_add_test(tc, mem_hash_follows_the_contents);
	tcase_add_test(tc, mem_track_agrees_with_a_fresh_hash);
	tcase_add_test(tc, copy_on_write_keeps_the_copies_independent);
	tcase_add_test(tc, a_page_first_touched_after_the_copy_is_private);
	tcase_add_test(tc, page_limit_refuses_new_pages_only);
	tcase_add_test(tc, a_full_copy_can_still_write_its_shared_pages);
	tcase_add_test(tc, tags_are_per_granule_and_copied_on_write);
	tcase_add_test(tc, a_loaded_program_has_the_segments_rights);
	tcase_add_test(tc, a_big_array_touched_once_costs_one_page);
	tcase_add_test(tc, pool_keeps_a_freed_block_for_its_own_size);
	tcase_add_test(tc, xcalloc_large_gives_zeroed_bytes_of_every_size);
	suite_add_tcase(s, tc);

	tc = sim_tcase("snapshot");
	tcase_add_test(tc, a_copy_mid_run_continues_exactly_as_the_original);
	tcase_add_test(tc, a_copy_does_not_change_the_original);
	tcase_add_test(tc, two_runs_of_one_program_send_the_same_events);
	tcase_add_test(tc, machine_call_evaluates_a_function_on_the_final_state);
	tcase_add_test(tc, machine_call_leaves_the_machine_as_it_was);
	tcase_add_test(tc, machine_call_reports_faults_and_endless_loops);
	tcase_add_test(tc, expect_conditions_compile_to_functions_machine_call_runs);
	suite_add_tcase(s, tc);
	return s;
}
