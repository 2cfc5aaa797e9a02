/* test_memmap: the memory panel's rows — stacks and their frames, TLS,
 * heap blocks, globals, constants and code, in address order, with the
 * accesses marked, bounded, and safe on any machine state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "ui/memmap.h"

#define ROWS 4096

/* A program stopped with two threads spinning: main (a = 5) and a
 * worker (n = 3, i = 1), a live block, a freed one and every kind of
 * global. */
static const char *scene =
	"int counter = 7;\n"
	"int arr[6] = {1, 2, 3, 4, 5, 6};\n"
	"int zeroed;\n"
	"const int ROUNDS = 3;\n"
	"thread_local int calls;\n"
	"int stage;\n"
	"int *keep;\n"
	"mutex m;\n"
	"void worker(int n) {\n"
	"    calls = n * 10;\n"
	"    int i = 1;\n"
	"    stage = stage + 1;\n"
	"    while (1) { i = 1; }\n"
	"}\n"
	"int main() {\n"
	"    int a = 5;\n"
	"    calls = 42;\n"
	"    int *p = malloc(24);\n"
	"    int *q = malloc(40);\n"
	"    int *r = malloc(8);\n"
	"    p[0] = 11; p[1] = 22;\n"
	"    free(q);\n"
	"    keep = p;\n"
	"    print(\"hello\\n\");\n"
	"    spawn(worker, ROUNDS);\n"
	"    while (stage < 1) { a = 5; }\n"
	"    stage = 2;\n"
	"    while (1) { a = 5; }\n"
	"    return 0;\n"
	"}\n";

/* Start src and step it until global stage holds at least want; the
 * test fails if it never does. */
static struct sim *stop_at_stage(const char *src, int64_t want)
{
	struct sim *s = sim_new(src);
	ck_assert_msg(sim_start(s) == 0, "machine_init: %s", s->err);
	for (int i = 0; i < 200000 && sim_global(s, "stage", 0) < want; i++)
		ck_assert_msg(machine_step(s->m), "the run ended before stage %lld",
			      (long long)want);
	ck_assert_int_ge(sim_global(s, "stage", 0), want);
	return s;
}

/* The rows of s's machine, with accesses acc; their count in *n. */
static struct mm_row *build(const struct sim *s, const struct mm_access *acc, size_t nacc,
			    int ascii, size_t *n)
{
	struct mm_row *rows = at_test_end(xcalloc(ROWS, sizeof *rows));
	*n = memmap_build(s->sc, s->m, 1, acc, nacc, ascii, rows, ROWS);
	ck_assert_uint_lt(*n, ROWS);
	return rows;
}

/* The rows as text, one a line, for failure messages. */
static const char *dump(const struct mm_row *rows, size_t n)
{
	struct buf b = { 0 };
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%#llx+%llu k%d T%d s%d d%d a%d/%d %s\n",
			   (unsigned long long)rows[i].addr, (unsigned long long)rows[i].size,
			   rows[i].kind, rows[i].tid, rows[i].shared, rows[i].depth,
			   rows[i].access, rows[i].access_tid, rows[i].text);
	return at_test_end(buf_take(&b));
}

/* The first row of kind k (any kind when k < 0) whose text starts with
 * prefix, or NULL. */
static const struct mm_row *find(const struct mm_row *rows, size_t n, int k, const char *prefix)
{
	for (size_t i = 0; i < n; i++)
		if ((k < 0 || rows[i].kind == (enum mm_kind)k) &&
		    strncmp(rows[i].text, prefix, strlen(prefix)) == 0)
			return &rows[i];
	return NULL;
}

/* The same; the test fails when there is none. */
static const struct mm_row *need(const struct mm_row *rows, size_t n, int k, const char *prefix)
{
	const struct mm_row *r = find(rows, n, k, prefix);
	ck_assert_msg(r != NULL, "no row of kind %d starting '%s' in:\n%s", k, prefix,
		      dump(rows, n));
	return r;
}

/* Check the order: head rows descend without overlapping; the rows of a
 * region lie inside its head's span, strictly descending. */
static void check_order(const struct mm_row *rows, size_t n)
{
	const struct mm_row *head = NULL, *last = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct mm_row *r = &rows[i];
		ck_assert_msg(r->text[0] != 0, "row %zu has no text:\n%s", i, dump(rows, n));
		if (r->kind == MM_GAP) {
			ck_assert_uint_eq(r->addr, 0);
			continue;
		}
		if (r->depth == 0) {
			ck_assert_msg(!head || r->addr + r->size <= head->addr,
				      "region %zu overlaps the one above:\n%s", i, dump(rows, n));
			head = r;
			last = NULL;
			continue;
		}
		ck_assert_msg(head && r->addr >= head->addr &&
			      r->addr + r->size <= head->addr + head->size,
			      "row %zu is outside its region:\n%s", i, dump(rows, n));
		ck_assert_msg(!last || r->addr + r->size <= last->addr,
			      "row %zu is not below the row before:\n%s", i, dump(rows, n));
		last = r;
	}
}

/* The next number of the xorshift sequence in *state. */
static uint64_t next_rand(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* The index of row r in rows. */
static size_t index_of(const struct mm_row *rows, const struct mm_row *r)
{
	return (size_t)(r - rows);
}

START_TEST(memmap_build_shows_the_main_stack_and_its_frame)
{
	struct sim *s = stop_at_stage(scene, 2);
	size_t n;
	struct mm_row *rows = build(s, NULL, 0, 0, &n);
	const struct thread *t = machine_thread(s->m, 1);
	const struct mm_row *stack = need(rows, n, MM_REGION, "stack T1 (main)  48 B of 64 KiB  private");
	ck_assert_uint_eq(stack->addr, t->stack_lo);
	ck_assert_uint_eq(stack->size, STACK_SIZE);
	ck_assert_int_eq(stack->tid, 1);
	ck_assert_int_eq(stack->shared, 0);
	const struct mm_row *f = need(rows, n, MM_FRAME, "main() ");
	ck_assert_int_eq(f->tid, 1);
	ck_assert_int_eq(f->depth, 1);
	ck_assert_ptr_nonnull(strstr(f->text, " a=5"));
	ck_assert_ptr_nonnull(strstr(f->text, "ret\xe2\x86\x92_start"));
	ck_assert_uint_le(f->addr, (uint64_t)t->r[REG_SP]);
	ck_assert_uint_eq(f->addr + f->size, t->stack_hi);
	ck_assert(index_of(rows, f) > index_of(rows, stack));
	ck_assert_int_eq(rows[0].kind, MM_TLS);         /* the main slot is on top */
	ck_assert_uint_eq(rows[0].addr, t->tls);
}
END_TEST

START_TEST(memmap_build_shows_a_worker_frame_with_its_argument)
{
	struct sim *s = stop_at_stage(scene, 2);
	size_t n;
	struct mm_row *rows = build(s, NULL, 0, 0, &n);
	const struct mm_row *stack = need(rows, n, MM_REGION, "stack T2 (worker)  32 B of 64 KiB  private");
	const struct mm_row *f = need(rows, n, MM_FRAME, "worker(n=3) i=1  ret\xe2\x86\x92thread_exit");
	ck_assert_int_eq(f->tid, 2);
	ck_assert_int_eq(stack->tid, 2);
	ck_assert(index_of(rows, f) > index_of(rows, stack));
	ck_assert(index_of(rows, stack) > index_of(rows, need(rows, n, MM_REGION, "stack T1")));
	ck_assert_uint_eq(f->addr + f->size, machine_thread(s->m, 2)->stack_hi);
}
END_TEST

START_TEST(memmap_build_shows_each_threads_tls)
{
	struct sim *s = stop_at_stage(scene, 2);
	size_t n;
	struct mm_row *rows = build(s, NULL, 0, 0, &n);
	const struct mm_row *h1 = need(rows, n, MM_TLS, "TLS T1 (main)  private");
	const struct mm_row *h2 = need(rows, n, MM_TLS, "TLS T2 (worker)  private");
	const struct mm_row *v1 = &rows[index_of(rows, h1) + 1];
	const struct mm_row *v2 = &rows[index_of(rows, h2) + 1];
	ck_assert_str_eq(v1->text, "calls = 42");
	ck_assert_str_eq(v2->text, "calls = 30");
	ck_assert_int_eq(v1->kind, MM_VAR);
	ck_assert_int_eq(v1->tid, 1);
	ck_assert_int_eq(v2->tid, 2);
	ck_assert_int_eq(v2->shared, 0);
	ck_assert_uint_eq(v1->addr, machine_thread(s->m, 1)->tls);
	ck_assert_uint_eq(v2->addr, machine_thread(s->m, 2)->tls);
	/* TLS sits above its thread's stack */
	ck_assert(index_of(rows, h1) < index_of(rows, need(rows, n, MM_REGION, "stack T1")));
}
END_TEST

START_TEST(memmap_build_shows_heap_blocks_live_and_freed)
{
	struct sim *s = stop_at_stage(scene, 2);
	size_t n;
	struct mm_row *rows = build(s, NULL, 0, 0, &n);
	uint64_t p = (uint64_t)sim_global(s, "keep", 0);
	const struct mm_row *heap = need(rows, n, MM_REGION, "heap  48 B in use of 4 KiB  shared");
	ck_assert_uint_eq(heap->addr, machine_proc(s->m, 1)->heap.base);
	ck_assert_uint_eq(heap->size, machine_proc(s->m, 1)->heap.brk - machine_proc(s->m, 1)->heap.base);
	const struct mm_row *live = need(rows, n, MM_BLOCK, "block 32 B by T1  {11, 22, 0, ");
	ck_assert_uint_eq(live->addr, p - HEAP_HEADER);
	ck_assert_uint_eq(live->size, 48);
	ck_assert_int_eq(live->tid, 1);
	ck_assert_int_eq(live->shared, 1);
	const struct mm_row *freed = need(rows, n, MM_FREE, "free 48 B  freed");
	ck_assert_uint_eq(freed->addr, p + 32);         /* right above p's block */
	ck_assert_int_eq(freed->tid, 0);
	need(rows, n, MM_BLOCK, "block 16 B by T1");    /* r */
	const struct mm_row *top = need(rows, n, MM_FREE, "free ");
	ck_assert_uint_eq(top->addr + top->size, machine_proc(s->m, 1)->heap.brk);
	/* from the break down */
	ck_assert(index_of(rows, top) < index_of(rows, freed));
	ck_assert(index_of(rows, freed) < index_of(rows, live));
}
END_TEST

START_TEST(memmap_build_shows_globals_constants_and_code)
{
	struct sim *s = stop_at_stage(scene, 2);
	size_t n;
	struct mm_row *rows = build(s, NULL, 0, 0, &n);
	const struct mm_row *data = need(rows, n, MM_REGION, "data  shared");
	const struct mm_row *bss = need(rows, n, MM_REGION, "bss  shared");
	const struct mm_row *ro = need(rows, n, MM_REGION, "rodata  shared");
	const struct mm_row *code = need(rows, n, MM_REGION, "code  r-x shared");
	ck_assert_uint_eq(code->addr, CODE_BASE);
	ck_assert_uint_eq(data->addr, DATA_BASE);
	ck_assert(index_of(rows, bss) < index_of(rows, data));
	ck_assert(index_of(rows, data) < index_of(rows, ro));
	ck_assert(index_of(rows, ro) < index_of(rows, code));
	const struct mm_row *c = need(rows, n, MM_VAR, "counter = 7");
	ck_assert_uint_eq(c->addr, sim_addr(s, "counter"));
	ck_assert_int_eq(c->shared, 1);
	ck_assert_int_eq(c->tid, 0);
	need(rows, n, MM_VAR, "arr[6] = {1, 2, 3, 4, \xe2\x80\xa6}");
	need(rows, n, MM_VAR, "stage = 2");
	need(rows, n, MM_VAR, "zeroed = 0");
	need(rows, n, MM_VAR, "m = free");
	char want[64];
	snprintf(want, sizeof want, "keep = 0x%llx", (unsigned long long)sim_global(s, "keep", 0));
	need(rows, n, MM_VAR, want);
	const struct mm_row *k = need(rows, n, MM_VAR, "ROUNDS = 3");
	ck_assert(index_of(rows, k) > index_of(rows, ro));
	ck_assert(index_of(rows, k) < index_of(rows, code));
	need(rows, n, MM_VAR, ".str1 = \"hello\\n\"");
	const struct mm_row *w = need(rows, n, MM_VAR, "worker");
	ck_assert_uint_eq(w->addr, sim_addr(s, "worker"));
	ck_assert(index_of(rows, w) > index_of(rows, code));
	need(rows, n, MM_VAR, "main");
	need(rows, n, MM_VAR, "_start");
	/* the gaps between the slots, the heap, rodata and code */
	int gaps = 0;
	for (size_t i = 0; i < n; i++)
		gaps += rows[i].kind == MM_GAP && strcmp(rows[i].text, "\xe2\x8b\xae") == 0;
	ck_assert_int_eq(gaps, 3);
}
END_TEST

START_TEST(memmap_build_keeps_address_order)
{
	struct sim *s = stop_at_stage(scene, 2);
	size_t n;
	struct mm_row *rows = build(s, NULL, 0, 0, &n);
	check_order(rows, n);
	/* and strictly descending over all rows but heads and gaps */
	uint64_t prev = UINT64_MAX;
	for (size_t i = 0; i < n; i++) {
		if (rows[i].kind == MM_GAP || rows[i].depth == 0)
			continue;
		ck_assert_msg(rows[i].addr < prev, "row %zu:\n%s", i, dump(rows, n));
		prev = rows[i].addr;
	}
}
END_TEST

START_TEST(memmap_build_marks_the_accesses)
{
	struct sim *s = stop_at_stage(scene, 2);
	const struct thread *t1 = machine_thread(s->m, 1), *t2 = machine_thread(s->m, 2);
	uint64_t p = (uint64_t)sim_global(s, "keep", 0);
	const struct mm_access acc[] = {
		{ sim_addr(s, "counter"), MM_WRITE, 2, 1 },
		{ sim_addr(s, "arr") + 16, MM_READ, 1, 1 },
		{ p + 8, MM_READ, 2, 1 },
		{ p + 8, MM_WRITE, 1, 1 },
		{ (uint64_t)t1->r[REG_FP] - 8, MM_READ | MM_WRITE, 1, 1 },      /* a */
		{ t2->tls, MM_READ, 2, 1 },
		{ sim_addr(s, "ROUNDS"), MM_READ, 1, 1 },
	};
	size_t n;
	struct mm_row *rows = build(s, acc, ARRAY_LEN(acc), 0, &n);
	static const struct { const char *prefix; int access, tid; } want[] = {
		{ "counter = ", MM_WRITE, 2 },
		{ "arr[6] = ", MM_READ, 1 },
		{ "block 32 B", MM_READ | MM_WRITE, 1 },
		{ "main() ", MM_READ | MM_WRITE, 1 },
		{ "calls = 30", MM_READ, 2 },
		{ "ROUNDS = ", MM_READ, 1 },
	};
	int marked = 0;
	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		const struct mm_row *r = need(rows, n, -1, want[i].prefix);
		ck_assert_msg(r->access == want[i].access && r->access_tid == want[i].tid,
			      "%s: access %d by T%d", want[i].prefix, r->access, r->access_tid);
	}
	for (size_t i = 0; i < n; i++)
		marked += rows[i].access != 0;
	ck_assert_int_eq(marked, (int)ARRAY_LEN(want));
}
END_TEST

START_TEST(memmap_build_follows_calls_at_every_instruction)
{
	/* every tick, mid-prologue and mid-epilogue included, the youngest
	 * frame is the function the pc is in and main is the oldest */
	struct sim *s = sim_new("int depth;\n"
				"int leaf(int x) { int y = x * 2; return y; }\n"
				"int mid(int a, int b) { int z = leaf(a) + b; return z; }\n"
				"int main() {\n"
				"    int total = 0;\n"
				"    for (int i = 0; i < 3; i++) total = total + mid(i, 1);\n"
				"    return total;\n"
				"}\n");
	ck_assert_int_eq(sim_start(s), 0);
	struct mm_row *rows = at_test_end(xcalloc(ROWS, sizeof *rows));
	int deepest = 0, steps = 0;
	do {
		size_t n = memmap_build(s->sc, s->m, 1, NULL, 0, 0, rows, ROWS);
		check_order(rows, n);
		const struct thread *t = machine_thread(s->m, 1);
		const struct img_func *f = image_func_at(s->sc->image, t->pc);
		int frames = 0;
		const struct mm_row *youngest = NULL, *oldest = NULL;
		for (size_t i = 0; i < n; i++)
			if (rows[i].kind == MM_FRAME) {
				frames++;
				youngest = &rows[i];
				oldest = oldest ? oldest : &rows[i];
			}
		if (t->state != TS_DONE && f && f->line) {
			char want[64];
			snprintf(want, sizeof want, "%s(", f->name);
			ck_assert_msg(youngest && strncmp(youngest->text, want, strlen(want)) == 0,
				      "tick %llu pc %#llx:\n%s", (unsigned long long)s->m->tick,
				      (unsigned long long)t->pc, dump(rows, n));
			ck_assert_msg(strncmp(oldest->text, "main() ", 7) == 0, "tick %llu:\n%s",
				      (unsigned long long)s->m->tick, dump(rows, n));
			ck_assert_msg(strcmp(f->name, "leaf") != 0 || frames == 3, "%s", dump(rows, n));
			if (strcmp(f->name, "leaf") == 0 && t->pc > f->addr + 8)
				ck_assert_msg(strstr(rows[index_of(rows, youngest) - 1].text, "mid(a=") &&
					      strstr(youngest->text, "ret\xe2\x86\x92mid"), "%s",
					      dump(rows, n));
		}
		deepest = frames > deepest ? frames : deepest;
		steps++;
	} while (machine_step(s->m) && steps < 5000);
	ck_assert_int_eq(deepest, 3);
	ck_assert_int_eq(s->m->exit_status, 0 * 2 + 1 + 1 * 2 + 1 + 2 * 2 + 1);
}
END_TEST

START_TEST(memmap_build_survives_a_smashed_frame)
{
	static const char *const smash[] = {
		"p[1] = 12345; p[2] = 77;",             /* saved fp and return address: garbage */
		"p[1] = p; p[2] = p;",                  /* fp points down into the frame */
		"p[1] = p + 2;",                        /* fp loops onto itself */
		"p[1] = 2147483640; p[2] = -8;",        /* near the top of the address space */
	};
	for (size_t k = 0; k < ARRAY_LEN(smash); k++) {
		char src[512];
		snprintf(src, sizeof src,
			 "int stage;\n"
			 "int main() {\n"
			 "    int x = 1;\n"
			 "    int *p = &x;\n"
			 "    %s\n"
			 "    stage = 1;\n"
			 "    while (1) { x = 1; }\n"
			 "    return 0;\n"
			 "}\n", smash[k]);
		struct sim *s = stop_at_stage(src, 1);
		size_t n;
		struct mm_row *rows = build(s, NULL, 0, 0, &n);
		check_order(rows, n);
		need(rows, n, MM_FRAME, "main() x=1 ");
		sim_free(s);
	}
}
END_TEST

START_TEST(memmap_build_survives_any_registers)
{
	/* fp, sp and pc set to anything: no crash, rows in order */
	struct sim *s = stop_at_stage(scene, 2);
	struct thread *t = machine_thread(s->m, 2);
	const int64_t values[] = {
		0, 1, 8, -8, INT64_MIN, INT64_MAX, (int64_t)ADDR_LIMIT - 8, (int64_t)ADDR_LIMIT,
		(int64_t)t->stack_lo, (int64_t)t->stack_lo - 8, (int64_t)t->stack_hi,
		(int64_t)t->stack_hi - 8, (int64_t)t->stack_hi - 16, (int64_t)t->stack_hi - 24,
		(int64_t)t->stack_hi + 8, (int64_t)CODE_BASE, (int64_t)DATA_BASE,
	};
	const struct image *img = s->sc->image;
	uint64_t seed = 7;
	for (int i = 0; i < 3000; i++) {
		t->r[REG_FP] = (int64_t)((uint64_t)values[next_rand(&seed) % ARRAY_LEN(values)] +
					 (next_rand(&seed) % 3) * 8);
		t->r[REG_SP] = (int64_t)((uint64_t)values[next_rand(&seed) % ARRAY_LEN(values)] -
					 (next_rand(&seed) % 3) * 8);
		t->pc = i % 2 ? CODE_BASE + INSN_SIZE * (next_rand(&seed) % img->ncode)
			      : (uint64_t)values[next_rand(&seed) % ARRAY_LEN(values)];
		/* and garbage in the stack itself */
		mem_poke(&machine_proc(s->m, 1)->mem, t->stack_hi - 8 * (uint64_t)(1 + next_rand(&seed) % 6),
			 values[next_rand(&seed) % ARRAY_LEN(values)]);
		size_t n;
		struct mm_row rows[300];
		n = memmap_build(s->sc, s->m, 1, NULL, 0, 0, rows, ARRAY_LEN(rows));
		check_order(rows, n);
	}
}
END_TEST

START_TEST(memmap_build_survives_overwritten_heap_headers)
{
	struct sim *s = stop_at_stage(scene, 2);
	uint64_t p = (uint64_t)sim_global(s, "keep", 0);
	static const int64_t junk[] = { 0, 1, 12345, -1, 0x30, 0x31 };
	for (size_t k = 0; k < ARRAY_LEN(junk); k++)
		for (int word = 0; word < 2; word++) {
			struct sim *c = sim_copy(s);
			/* the header of the freed block above p's */
			mem_poke(&machine_proc(c->m, 1)->mem, p + 32 + 8 * (uint64_t)word, junk[k]);
			size_t n;
			struct mm_row *rows = build(c, NULL, 0, 0, &n);
			check_order(rows, n);
			need(rows, n, MM_REGION, "heap  ");
			need(rows, n, MM_VAR, "counter = 7");
			sim_free(c);
		}
	/* the word below of the top block points nowhere */
	mem_poke(&machine_proc(s->m, 1)->mem, machine_proc(s->m, 1)->heap.last + 8, 999999);
	size_t n;
	struct mm_row *rows = build(s, NULL, 0, 0, &n);
	check_order(rows, n);
	need(rows, n, MM_BLOCK, "header overwritten");
}
END_TEST

START_TEST(memmap_build_keeps_to_max)
{
	struct sim *s = stop_at_stage(scene, 2);
	size_t n;
	struct mm_row *all = build(s, NULL, 0, 0, &n);
	ck_assert_uint_gt(n, 20);
	for (size_t max = 0; max < n; max += 7) {
		struct mm_row *rows = at_test_end(xcalloc(max + 1, sizeof *rows));
		rows[max].text[0] = 'X';        /* past max: never written */
		size_t got = memmap_build(s->sc, s->m, 1, NULL, 0, 0, rows, max);
		ck_assert_uint_eq(got, max);
		ck_assert_int_eq(rows[max].text[0], 'X');
		for (size_t i = 0; i < got; i++)
			ck_assert_str_eq(rows[i].text, all[i].text);
	}
}
END_TEST

START_TEST(memmap_build_bounds_frames_blocks_and_threads)
{
	struct sim *s = stop_at_stage("int stage;\n"
				      "int down(int k) {\n"
				      "    if (k == 0) { stage = 1; while (1) {} }\n"
				      "    return down(k - 1) + 1;\n"
				      "}\n"
				      "void quick(int n) { n = n + 1; }\n"
				      "int main() {\n"
				      "    for (int i = 0; i < 100; i++) malloc(8);\n"
				      "    join(spawn(quick, 1));\n"
				      "    return down(20);\n"
				      "}\n", 1);
	size_t n;
	struct mm_row *rows = build(s, NULL, 0, 0, &n);
	check_order(rows, n);
	int frames = 0, blocks = 0;
	for (size_t i = 0; i < n; i++) {
		frames += rows[i].kind == MM_FRAME;
		blocks += rows[i].kind == MM_BLOCK || rows[i].kind == MM_FREE;
	}
	ck_assert_int_eq(frames, 8);
	ck_assert_int_eq(blocks, 40);
	/* main and 21 calls of down: 8 shown, 14 left out */
	const struct mm_row *more = need(rows, n, MM_GAP, "\xe2\x80\xa6 14 more frames");
	ck_assert_int_eq(more->tid, 1);
	need(rows, n, MM_FRAME, "down(k=0)  ret\xe2\x86\x92" "down");
	need(rows, n, MM_GAP, "\xe2\x80\xa6 61 more blocks");    /* 100 and the top, 40 shown */
	/* a finished thread keeps one row */
	const struct mm_row *done = need(rows, n, MM_REGION, "stack T2 (quick)  done");
	ck_assert_int_eq(done->tid, 2);
	ck_assert_int_ne(rows[index_of(rows, done) + 1].depth, 1);
}
END_TEST

START_TEST(memmap_build_writes_ascii_when_asked)
{
	struct sim *s = stop_at_stage(scene, 2);
	size_t n;
	struct mm_row *rows = build(s, NULL, 0, 1, &n);
	for (size_t i = 0; i < n; i++)
		for (const char *c = rows[i].text; *c; c++)
			ck_assert_msg((unsigned char)*c < 0x80, "row %zu: %s", i, rows[i].text);
	need(rows, n, MM_FRAME, "worker(n=3) i=1  ret->thread_exit");
	need(rows, n, MM_VAR, "arr[6] = {1, 2, 3, 4, ...}");
	need(rows, n, MM_GAP, "...");
}
END_TEST

START_TEST(memmap_build_shows_many_threads_fast_enough)
{
	/* 60 threads in recursion and 1000 heap blocks: bounded rows */
	struct sim *s = sim_new("int stage;\n"
				"int down(int k) {\n"
				"    if (k == 0) { stage = stage + 1; while (1) {} }\n"
				"    return down(k - 1);\n"
				"}\n"
				"int main() {\n"
				"    for (int i = 0; i < 1000; i++) malloc(8);\n"
				"    for (int i = 0; i < 60; i++) spawn(down, 50);\n"
				"    while (1) {}\n"
				"    return 0;\n"
				"}\n");
	ck_assert_int_eq(sim_start(s), 0);
	for (int i = 0; i < 600000 && sim_global(s, "stage", 0) < 60; i++)
		ck_assert(machine_step(s->m));
	ck_assert_int_eq(sim_global(s, "stage", 0), 60);
	size_t n;
	struct mm_row *rows = NULL;
	for (int i = 0; i < 30; i++)
		rows = build(s, NULL, 0, 0, &n);
	check_order(rows, n);
	need(rows, n, MM_GAP, "\xe2\x80\xa6 43 more frames");
	need(rows, n, MM_GAP, "\xe2\x80\xa6 961 more blocks");
}
END_TEST

/* A char shows as a character, a char array as the string it holds, a
 * struct by its fields (a union by its first): in a frame and among the
 * globals. */
START_TEST(memmap_build_shows_chars_and_structs)
{
	struct sim *s = stop_at_stage(
		"int stage;\nchar name[16] = \"T1 \\\"main\\\"\";\nstruct epoll_event evs[4];\n"
		"int main() {\n    char c = 'x';\n    struct epoll_event ev;\n    ev.events = 1;\n"
		"    stage = 1;\n    while (1) { c = 'x'; }\n    return 0;\n}\n", 1);
	size_t n;
	struct mm_row *rows = build(s, NULL, 0, 1, &n);
	const struct mm_row *f = need(rows, n, MM_FRAME, "main() ");
	ck_assert_msg(strstr(f->text, " c='x'") && strstr(f->text, " ev={events=1, data={fd=0}}"),
		      "%s", f->text);
	need(rows, n, -1, "name[16] = \"T1 \\\"main\\\"\"");
	need(rows, n, -1, "evs[4] = {{events=0, data={fd=0}}, {events=0, data={fd=0}}, ...}");
}
END_TEST

Suite *memmap_suite(void)
{
	Suite *s = suite_create("memmap");
	TCase *tc = sim_tcase("memmap_build");
	tcase_add_test(tc, memmap_build_shows_the_main_stack_and_its_frame);
	tcase_add_test(tc, memmap_build_shows_chars_and_structs);
	tcase_add_test(tc, memmap_build_shows_a_worker_frame_with_its_argument);
	tcase_add_test(tc, memmap_build_shows_each_threads_tls);
	tcase_add_test(tc, memmap_build_shows_heap_blocks_live_and_freed);
	tcase_add_test(tc, memmap_build_shows_globals_constants_and_code);
	tcase_add_test(tc, memmap_build_keeps_address_order);
	tcase_add_test(tc, memmap_build_marks_the_accesses);
	tcase_add_test(tc, memmap_build_follows_calls_at_every_instruction);
	tcase_add_test(tc, memmap_build_survives_a_smashed_frame);
	tcase_add_test(tc, memmap_build_survives_any_registers);
	tcase_add_test(tc, memmap_build_survives_overwritten_heap_headers);
	tcase_add_test(tc, memmap_build_keeps_to_max);
	tcase_add_test(tc, memmap_build_bounds_frames_blocks_and_threads);
	tcase_add_test(tc, memmap_build_writes_ascii_when_asked);
	tcase_add_test(tc, memmap_build_shows_many_threads_fast_enough);
	suite_add_tcase(s, tc);
	return s;
}
