/* test_race: the data-race detector — what races, what orders two
 * accesses so that they do not, how a race is reported and named, and
 * that snapshots and the screen see the same races. */
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "out/explain.h"
#include "out/run.h"
#include "out/trace.h"
#include "sim/race.h"
#include "ui/memmap.h"
#include "ui/session.h"

/* The lost update: two workers add to counter without a lock. */
static const char *counter_prog =
	"int counter = 0;\n"
	"void worker(int n) {\n"
	"    for (int i = 0; i < n; i++)\n"
	"        counter++;              /* inc */\n"
	"}\n"
	"int main() {\n"
	"    int a = spawn(worker, 3);\n"
	"    int b = spawn(worker, 3);\n"
	"    join(a);\n"
	"    join(b);\n"
	"    print(\"%d\\n\", counter);\n"
	"    return counter;\n"
	"}\n";

/* The schedules a race-free program is tried under. */
static const struct {
	enum sched_policy policy;
	int quantum, cores;
	uint64_t seed;
} schedules[] = {
	{ POLICY_RR, 12, 1, 0 }, { POLICY_RR, 1, 1, 0 }, { POLICY_RR, 3, 2, 0 },
	{ POLICY_FIFO, 1, 1, 0 }, { POLICY_RANDOM, 1, 1, 1 }, { POLICY_RANDOM, 1, 3, 7 },
	{ POLICY_RANDOM, 1, 2, 11 },
};

/* Run src under schedule i of schedules. */
static struct sim *run_schedule(const char *src, size_t i)
{
	struct sim *s = sim_new(src);
	s->cfg.policy = schedules[i].policy;
	s->cfg.quantum = schedules[i].quantum;
	s->cfg.cores = schedules[i].cores;
	s->cfg.seed = schedules[i].seed;
	ck_assert_msg(sim_start(s) == 0, "machine_init: %s", s->err);
	sim_finish(s);
	return s;
}

/* The races of s's run, one a line, for failure messages. */
static const char *races_of(const struct sim *s)
{
	struct buf b = { 0 };
	buf_puts(&b, "");
	for (size_t i = 0; i < race_count(s->m); i++) {
		const struct race_report *p = race_get(s->m, i);
		buf_printf(&b, "  0x%llx: T%d %s line %d, T%d %s line %d\n",
			   (unsigned long long)p->addr, p->tid, p->write ? "write" : "read",
			   image_line(s->sc->image, p->pc), p->other, p->write2 ? "write" : "read",
			   image_line(s->sc->image, p->pc2));
	}
	return at_test_end(buf_take(&b));
}

/* src ends well and has no race on any schedule tried. */
static void no_race_anywhere(const char *src)
{
	for (size_t i = 0; i < ARRAY_LEN(schedules); i++) {
		struct sim *s = run_schedule(src, i);
		ck_assert_msg(sim_end(s) == END_OK, "schedule %zu: ended %d", i, sim_end(s));
		ck_assert_msg(race_count(s->m) == 0 && sim_count(s, EV_RACE) == 0,
			      "schedule %zu: races found:\n%s", i, races_of(s));
		sim_free(s);
	}
}

/* src, run under fifo (one thread at a time, no interleaving at all),
 * has exactly one race, on global name; returns its sim. */
static struct sim *one_race_on(const char *src, const char *name)
{
	struct sim *s = sim_run_policy(src, POLICY_FIFO, 1);
	ck_assert_msg(race_count(s->m) == 1, "races:\n%s", races_of(s));
	ck_assert_uint_eq(race_get(s->m, 0)->addr, sim_addr(s, name));
	ck_assert_int_eq(sim_count(s, EV_RACE), 1);
	return s;
}

/* The sentence of the first race event of s (m is the machine at the end). */
static const char *race_sentence(const struct sim *s)
{
	const struct event *e = sim_nth(s, EV_RACE, 0);
	ck_assert_ptr_nonnull(e);
	struct buf b = { 0 };
	explain_event(s->sc, s->m, e, &b);
	return at_test_end(buf_take(&b));
}

START_TEST(race_check_finds_the_lost_update_even_under_fifo)
{
	/* fifo runs one worker to its end before the other starts: nothing
	 * is lost, yet nothing orders the two workers' increments */
	struct sim *s = one_race_on(counter_prog, "counter");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 6);
	int line = sim_line_of(s, "/* inc */");
	const struct event *e = sim_nth(s, EV_RACE, 0);
	ck_assert_uint_eq(e->addr, sim_addr(s, "counter"));
	ck_assert_int_eq(e->tid, 3);            /* the second worker's load */
	ck_assert_int_eq(e->a, 0);
	ck_assert_int_eq(e->line, line);
	ck_assert_int_eq(e->other, 2);          /* the first worker's last store */
	ck_assert_int_eq(e->b, 1);
	ck_assert_int_eq(e->line2, line);
	ck_assert_int_eq(e->nheld, 0);
	ck_assert_int_eq(e->nheld2, 0);
	ck_assert_int_eq(image_insn(s->sc->image, e->pc)->op, OP_LD);
	ck_assert_int_eq(image_insn(s->sc->image, e->pc2)->op, OP_ST);
	/* it comes right after the load that found it */
	ck_assert_int_eq((e - 1)->kind, EV_EXEC);
	ck_assert_uint_eq((e - 1)->pc, e->pc);
	ck_assert_int_eq((e - 1)->tid, 3);
	/* then the second worker's own store races with the first's too */
	ck_assert_uint_eq(race_get(s->m, 0)->more, 1);
	ck_assert_str_eq(race_sentence(s), "data race on counter: T3 reads it, T2 wrote it "
			 "at line 4 and no lock orders the two");
	sim_free(s);
}
END_TEST

START_TEST(race_check_reports_each_word_once)
{
	/* one load and store after another interleave: many racy accesses */
	struct sim *s = sim_run_policy(counter_prog, POLICY_RR, 1);
	ck_assert_msg(race_count(s->m) == 1, "races:\n%s", races_of(s));
	ck_assert_int_eq(sim_count(s, EV_RACE), 1);
	ck_assert_uint_ge(race_get(s->m, 0)->more, 4);
	sim_free(s);
	/* two words, two reports, in the order they were found */
	s = sim_run_policy("int x; int y;\n"
			   "void w() { x = 1; y = 1; x = 2; y = 2; }\n"
			   "int main() { int a = spawn(w); int b = spawn(w); join(a); join(b);\n"
			   "    return 0; }\n", POLICY_FIFO, 1);
	ck_assert_msg(race_count(s->m) == 2, "races:\n%s", races_of(s));
	ck_assert_int_eq(sim_count(s, EV_RACE), 2);
	ck_assert_uint_eq(race_get(s->m, 0)->addr, sim_addr(s, "x"));
	ck_assert_uint_eq(race_get(s->m, 1)->addr, sim_addr(s, "y"));
	ck_assert_uint_eq(race_get(s->m, 0)->more, 0);       /* then T3 overwrites its own */
	ck_assert_int_eq(race_get(s->m, 0)->write, 1);
	ck_assert_int_eq(race_get(s->m, 0)->write2, 1);
	ck_assert_ptr_null(race_get(s->m, 2));
	sim_free(s);
}
END_TEST

START_TEST(race_check_finds_nothing_with_a_mutex)
{
	no_race_anywhere("int counter; mutex m;\n"
			 "void worker(int n) {\n"
			 "    for (int i = 0; i < n; i++) { lock(m); counter++; unlock(m); }\n"
			 "}\n"
			 "int main() { int a = spawn(worker, 5); int b = spawn(worker, 5);\n"
			 "    lock(m); int mid = counter; unlock(m);\n"
			 "    join(a); join(b); assert(counter == 10); return 0; }\n");
}
END_TEST

START_TEST(race_check_finds_nothing_with_trylock)
{
	no_race_anywhere("int counter; mutex m;\n"
			 "void worker(int n) {\n"
			 "    for (int i = 0; i < n; i++) {\n"
			 "        while (!trylock(m)) sched_yield();\n"
			 "        counter++; unlock(m);\n"
			 "    }\n"
			 "}\n"
			 "int main() { int a = spawn(worker, 4); int b = spawn(worker, 4);\n"
			 "    join(a); join(b); assert(counter == 8); return 0; }\n");
}
END_TEST

START_TEST(race_check_finds_nothing_with_atomics)
{
	no_race_anywhere("int counter; int flag; int data;\n"
			 "void worker(int n) {\n"
			 "    for (int i = 0; i < n; i++) atomic_add(&counter, 1);\n"
			 "    int old = xchg(&flag, 1);\n"
			 "    while (!cas(&flag, 1, 1)) sched_yield();\n"
			 "}\n"
			 "int main() { int a = spawn(worker, 4); int b = spawn(worker, 4);\n"
			 "    join(a); join(b); assert(counter == 8); return 0; }\n");
	/* an atomic publishes what was written before it */
	no_race_anywhere("int data; int ready;\n"
			 "void producer() { data = 42; xchg(&ready, 1); }\n"
			 "int main() { int p = spawn(producer);\n"
			 "    while (!atomic_add(&ready, 0)) sched_yield();\n"
			 "    assert(data == 42); join(p); return 0; }\n");
}
END_TEST

START_TEST(race_check_finds_a_plain_read_of_an_atomic_word)
{
	/* atomics never race with atomics, but a plain access mixed in does */
	struct sim *s = one_race_on("int counter;\n"
				    "void worker() { atomic_add(&counter, 1); }\n"
				    "int main() { int a = spawn(worker);\n"
				    "    int seen = counter;  /* peek */\n"
				    "    join(a); return 0; }\n", "counter");
	const struct event *e = sim_nth(s, EV_RACE, 0);
	ck_assert_int_eq(e->tid, 2);            /* under fifo, main's read comes first */
	ck_assert_int_eq(e->a, 1);
	ck_assert_int_eq(e->other, 1);
	ck_assert_int_eq(e->b, 0);
	ck_assert_int_eq(e->line2, sim_line_of(s, "/* peek */"));
	sim_free(s);
}
END_TEST

START_TEST(race_check_finds_nothing_in_thread_local_storage)
{
	no_race_anywhere("thread_local int mine; int total; mutex m;\n"
			 "int worker(int n) { for (int i = 0; i < n; i++) mine++; return mine; }\n"
			 "int main() { int a = spawn(worker, 3); int b = spawn(worker, 3);\n"
			 "    mine = 100;\n"
			 "    total += join(a); total += join(b); assert(total == 6); return 0; }\n");
}
END_TEST

START_TEST(race_check_finds_nothing_on_read_only_data)
{
	no_race_anywhere("const int STEP = 1; const int TABLE[3] = {1, 2, 3}; int shared = 5;\n"
			 "int worker(int n) {\n"
			 "    int sum = 0;\n"
			 "    for (int i = 0; i < n; i++) sum += STEP + TABLE[i] + shared;\n"
			 "    return sum;\n"
			 "}\n"
			 "int main() { int a = spawn(worker, 3); int b = spawn(worker, 3);\n"
			 "    int x = shared;\n"
			 "    assert(join(a) + join(b) == 48); return 0; }\n");
}
END_TEST

START_TEST(race_check_orders_what_the_parent_did_before_spawn)
{
	no_race_anywhere("int g; int h;\n"
			 "void child() { h = g + 1; }\n"
			 "int main() { g = 41; int c = spawn(child); join(c);\n"
			 "    assert(h == 42); return 0; }\n");
	/* but not what it does after */
	struct sim *s = one_race_on("int g;\n"
				    "int child() { return g; }\n"
				    "int main() { int c = spawn(child); g = 41; join(c); return 0; }\n",
				    "g");
	ck_assert_int_eq(sim_nth(s, EV_RACE, 0)->tid, 2);
	ck_assert_int_eq(sim_nth(s, EV_RACE, 0)->other, 1);
	sim_free(s);
}
END_TEST

START_TEST(race_check_orders_a_join_after_the_end)
{
	/* the parent waits in join, and is woken at the end */
	no_race_anywhere("int g;\n"
			 "void child() { g = 7; }\n"
			 "int main() { int c = spawn(child); join(c); g = g + 1;\n"
			 "    assert(g == 8); return 0; }\n");
	/* the child has ended before the join: it returns at once */
	const char *done_first = "int g;\n"
				 "void child() { g = 7; }\n"
				 "int main() { int c = spawn(child); sleep(100); join(c);\n"
				 "    g = g + 1; return g; }\n";
	for (size_t i = 0; i < ARRAY_LEN(schedules); i++) {
		struct sim *s = run_schedule(done_first, i);
		ck_assert_int_eq(s->m->exit_status, 8);
		for (int k = 0; sim_nth_of(s, EV_BLOCK, 1, k); k++)
			ck_assert_int_ne(sim_nth_of(s, EV_BLOCK, 1, k)->a, WAIT_JOIN);
		ck_assert_msg(race_count(s->m) == 0, "races:\n%s", races_of(s));
		sim_free(s);
	}
	/* a read before the join is not ordered */
	struct sim *s = one_race_on("int g;\n"
				    "void child() { g = 7; }\n"
				    "int main() { int c = spawn(child); sleep(100); int x = g; join(c);\n"
				    "    return 0; }\n", "g");
	ck_assert_int_eq(sim_nth(s, EV_RACE, 0)->tid, 1);
	ck_assert_int_eq(sim_nth(s, EV_RACE, 0)->other, 2);
	sim_free(s);
}
END_TEST

START_TEST(race_check_orders_a_mutex_handoff)
{
	/* main holds m while the worker waits for it; unlock hands it over */
	no_race_anywhere("int data; mutex m;\n"
			 "int worker() { lock(m); int v = data; unlock(m); return v; }\n"
			 "int main() { lock(m); int w = spawn(worker); sleep(20);\n"
			 "    data = 5; unlock(m); assert(join(w) == 5); return 0; }\n");
}
END_TEST

START_TEST(race_check_orders_semaphores)
{
	/* the post before the wait, and a wait that blocks until the post */
	const char *prog = "int data; semaphore s;\n"
			   "void producer(int nap) { sleep(nap); data = 9; sem_post(s); }\n"
			   "int main() { int p = spawn(producer, %d); sleep(%d);\n"
			   "    sem_wait(s); int v = data; assert(v == 9); join(p); return 0; }\n";
	char src[512];
	snprintf(src, sizeof src, prog, 0, 50);
	no_race_anywhere(src);
	snprintf(src, sizeof src, prog, 50, 0);
	no_race_anywhere(src);
	/* without the semaphore, nothing orders them */
	struct sim *s = one_race_on("int data;\n"
				    "void producer() { data = 9; }\n"
				    "int main() { int p = spawn(producer); sleep(50); int v = data;\n"
				    "    join(p); return 0; }\n", "data");
	sim_free(s);
}
END_TEST

START_TEST(race_check_orders_a_signal_and_the_waiter_it_wakes)
{
	/* the signaller holds no lock: only the signal orders its write */
	const char *prog = "int data; mutex m; cond c; int got[3];\n"
			   "void waiter(int k) { lock(m); cond_wait(c, m); unlock(m); got[k] = data; }\n"
			   "int main() { int a = spawn(waiter, 1); int b = spawn(waiter, 2);\n"
			   "    sleep(200);\n"
			   "    data = 3; %s;\n"
			   "    join(a); join(b); assert(got[1] == 3 && got[2] == 3); return 0; }\n";
	char src[512];
	snprintf(src, sizeof src, prog, "cond_broadcast(c)");
	no_race_anywhere(src);
	snprintf(src, sizeof src, prog, "cond_signal(c); cond_signal(c)");
	no_race_anywhere(src);
	/* the signaller holds m: the waiter takes it back by a hand-off */
	no_race_anywhere("int data; mutex m; cond c; int ready;\n"
			 "int waiter() { lock(m); while (!ready) cond_wait(c, m);\n"
			 "    int v = data; unlock(m); return v; }\n"
			 "int main() { int w = spawn(waiter); sleep(50);\n"
			 "    lock(m); ready = 1; cond_signal(c); data = 4; unlock(m);\n"
			 "    assert(join(w) == 4); return 0; }\n");
	/* the same write with no signal is a race */
	struct sim *s = one_race_on("int data; int got;\n"
				    "void waiter() { sleep(100); got = data; }\n"
				    "int main() { int a = spawn(waiter); sleep(50); data = 3;\n"
				    "    join(a); return 0; }\n", "data");
	sim_free(s);
}
END_TEST

START_TEST(race_check_names_an_array_element)
{
	struct sim *s = sim_run_policy("int buf[4];\n"
				       "void w() { buf[2] = 1; }\n"
				       "int main() { int a = spawn(w); buf[1] = 5; int x = buf[2];\n"
				       "    join(a); return 0; }\n", POLICY_FIFO, 1);
	ck_assert_msg(race_count(s->m) == 1, "races:\n%s", races_of(s));
	ck_assert_uint_eq(race_get(s->m, 0)->addr, sim_addr(s, "buf") + 16);
	ck_assert_str_eq(race_sentence(s), "data race on buf[2]: T2 writes it, T1 read it at "
			 "line 3 and no lock orders the two");
	sim_free(s);
}
END_TEST

START_TEST(race_check_names_a_heap_word_by_its_block)
{
	struct sim *s = sim_run_policy("int *p;\n"
				       "void w() { p[1] = 5; }\n"
				       "int main() { p = malloc(24); int a = spawn(w); int x = p[1];\n"
				       "    join(a); return 0; }\n", POLICY_FIFO, 1);
	ck_assert_msg(race_count(s->m) == 1, "races:\n%s", races_of(s));
	const struct race_report *r = race_get(s->m, 0);
	const struct event *mal = sim_nth(s, EV_MALLOC, 0);
	ck_assert_uint_eq(r->addr, mal->addr + 8);
	ck_assert_uint_eq(r->block, mal->addr);
	ck_assert_int_eq(r->gone, 0);
	char want[160];
	snprintf(want, sizeof want, "data race on heap block 0x%llx+8: T2 writes it, T1 read it "
		 "at line 3 and no lock orders the two", (unsigned long long)mal->addr);
	ck_assert_str_eq(race_sentence(s), want);
	/* named the same from the report */
	struct buf b = { 0 };
	trace_word(s->sc, s->m, 1, r->addr, r->block, &b);
	snprintf(want, sizeof want, "heap block 0x%llx+8", (unsigned long long)mal->addr);
	ck_assert_str_eq(b.s, want);
	buf_free(&b);
	sim_free(s);
}
END_TEST

/* A byte access races only with accesses to its byte or to the word
 * that holds it. */
START_TEST(race_check_keeps_bytes_apart)
{
	/* two threads, two bytes of one word: no race, on any schedule */
	no_race_anywhere("char flag[8];\n"
			 "void w(int i) { flag[i] = 1; int x = flag[i]; }\n"
			 "int main() { int a = spawn(w, 1); int b = spawn(w, 2); join(a); join(b);\n"
			 "    return 0; }\n");
	/* the same byte: a race, named as the element it is */
	struct sim *s = sim_run_policy("char flag[8];\n"
				       "void w(int i) { flag[3] = i; }\n"
				       "int main() { int a = spawn(w, 1); int b = spawn(w, 2);\n"
				       "    join(a); join(b); return 0; }\n", POLICY_FIFO, 1);
	ck_assert_msg(race_count(s->m) == 1, "races:\n%s", races_of(s));
	ck_assert_uint_eq(race_get(s->m, 0)->addr, sim_addr(s, "flag") + 3);
	ck_assert_str_eq(race_sentence(s), "data race on flag[3]: T3 writes it, T2 wrote it at "
			 "line 2 and no lock orders the two");
	sim_free(s);
	/* a byte of a word another thread writes whole, either way round */
	s = sim_run_policy("int word;\n"
			   "void part() { char *p = &word; p[3] = 1; }\n"
			   "void whole() { word = 5; }\n"
			   "int main() { int a = spawn(whole); int b = spawn(part); join(a); join(b);\n"
			   "    return 0; }\n", POLICY_FIFO, 1);
	ck_assert_msg(race_count(s->m) == 1, "races:\n%s", races_of(s));
	ck_assert_uint_eq(race_get(s->m, 0)->addr, sim_addr(s, "word") + 3);
	sim_free(s);
	s = sim_run_policy("int word;\n"
			   "void part() { char *p = &word; int x = p[3]; }\n"
			   "void whole() { word = 5; }\n"
			   "int main() { int a = spawn(part); int b = spawn(whole); join(a); join(b);\n"
			   "    return 0; }\n", POLICY_FIFO, 1);
	ck_assert_msg(race_count(s->m) == 1, "races:\n%s", races_of(s));
	ck_assert_uint_eq(race_get(s->m, 0)->addr, sim_addr(s, "word"));
	sim_free(s);
	/* ordered by a mutex: none */
	no_race_anywhere("char flag[8];\nmutex m;\n"
			 "void w(int i) { lock(m); flag[3] = i; unlock(m); }\n"
			 "int main() { int a = spawn(w, 1); int b = spawn(w, 2); join(a); join(b);\n"
			 "    return 0; }\n");
}
END_TEST

/* Freeing a block makes its bytes forget their accesses too. */
START_TEST(race_check_forgets_the_bytes_of_a_freed_block)
{
	const char *src = "char *p; int same;\n"
			  "void w1() { p[0] = 1; p[9] = 2; free(p); }\n"
			  "void w2() { sleep(100); char *q = malloc(16); same = q == p;\n"
			  "    q[0] = 3; q[9] = q[0]; }\n"
			  "int main() { p = malloc(16); int a = spawn(w1); int b = spawn(w2);\n"
			  "    join(a); join(b); return same; }\n";
	for (size_t i = 0; i < ARRAY_LEN(schedules); i++) {
		struct sim *s = run_schedule(src, i);
		ck_assert_int_eq(s->m->exit_status, 1);
		ck_assert_msg(race_count(s->m) == 0, "schedule %zu: races:\n%s", i, races_of(s));
		sim_free(s);
	}
}
END_TEST

START_TEST(race_check_forgets_a_freed_block)
{
	/* w1 writes its block and frees it; w2, unordered with w1, gets the
	 * same block from malloc: a fresh block, no race */
	const char *prog = "int *p; int same;\n"
			   "void w1() { p[0] = 1; p[1] = 2; free(p); }\n"
			   "void w2() { sleep(100); int *q = malloc(16); same = q == p;\n"
			   "    q[0] = 3; q[1] = q[0]; %s }\n"
			   "int main() { p = malloc(16); int a = spawn(w1); int b = spawn(w2);\n"
			   "    join(a); join(b); return same; }\n";
	char src[512];
	snprintf(src, sizeof src, prog, "");
	for (size_t i = 0; i < ARRAY_LEN(schedules); i++) {
		struct sim *s = run_schedule(src, i);
		ck_assert_int_eq(s->m->exit_status, 1);
		ck_assert_msg(race_count(s->m) == 0, "schedule %zu: races:\n%s", i, races_of(s));
		sim_free(s);
	}
	/* the memory map marks a racy block, and forgets it when it is freed */
	struct sim *s = sim_new("int *p;\n"
				"void w() { p[0] = 1; sleep(100); }\n"
				"int main() { p = malloc(16); int a = spawn(w); p[0] = 2; sleep(50);\n"
				"    free(p); join(a); return 0; }\n");
	s->cfg.policy = POLICY_FIFO;
	ck_assert_int_eq(sim_start(s), 0);
	struct mm_row rows[512];
	int marked = 0;
	while (machine_step(s->m) && !sim_count(s, EV_FREE)) {
		size_t n = memmap_build(s->sc, s->m, 1, NULL, 0, 1, rows, ARRAY_LEN(rows));
		for (size_t i = 0; i < n; i++)
			if (rows[i].kind == MM_BLOCK && rows[i].race) {
				ck_assert_ptr_nonnull(strstr(rows[i].text, "  ! race"));
				marked = 1;
			}
	}
	ck_assert_int_eq(race_count(s->m), 1);
	ck_assert(marked);
	ck_assert_int_eq(race_get(s->m, 0)->gone, 1);
	ck_assert_uint_eq(race_marked(s->m, 1, race_get(s->m, 0)->addr, 8), 0);
	sim_free(s);
}
END_TEST

START_TEST(race_check_forgets_a_large_freed_block_reused_by_another_thread)
{
	/* a block of many shadow chunks, at an address no chunk starts at:
	 * w1 writes all of it and frees it; w2, unordered with w1, gets it
	 * back and writes and reads every word: a fresh block, no race; and
	 * the words just past it, which w1 wrote, still race with w2 */
	const char *src =
		"int *p; int *after; int same;\n"
		"void w1() { for (int i = 0; i < 200; i++) p[i] = i; after[0] = 1; free(p); }\n"
		"void w2() { sleep(3000); int *q = malloc(1600); same = q == p;\n"
		"    for (int i = 0; i < 200; i++) q[i] = q[i] + 1;\n"
		"    after[0] = 2; }\n"
		"int main() { int *pad = malloc(40); p = malloc(1600); after = malloc(8);\n"
		"    int a = spawn(w1); int b = spawn(w2);\n"
		"    join(a); join(b); return same; }\n";
	for (size_t i = 0; i < ARRAY_LEN(schedules); i++) {
		struct sim *s = run_schedule(src, i);
		ck_assert_int_eq(s->m->exit_status, 1);
		ck_assert_msg(race_count(s->m) == 1, "schedule %zu: races:\n%s", i, races_of(s));
		ck_assert_uint_eq(race_get(s->m, 0)->addr, (uint64_t)sim_global(s, "after", 0));
		sim_free(s);
	}
}
END_TEST

/* Coroutines of the runtime on two workers: each parks on a service's
 * answer and may be resumed by the other worker. */
#define CORO_PROG(BODY)                                                         \
	"#cores 2\n"                                                            \
	"#workers 2\n"                                                          \
	"#service a port 9001 latency 30 reply \"x\"\n"                         \
	"#service b port 9002 latency 47 reply \"y\"\n"                         \
	"int *shared;\n"                                                        \
	"void ask(int x) {\n"                                                   \
	"    char req[2] = \"?\"; char got[4]; int mine[8];\n"                  \
	"    for (int i = 0; i < 3; i++) {\n"                                   \
	"        mine[i] = x + i;\n"                                            \
	"        int fd = connect(9001 + (x + i) % 2);\n"                       \
	"        write(fd, req, 1);\n"                                          \
	"        read(fd, got, 4);\n"                                           \
	"        close(fd);\n"                                                  \
	"        mine[i + 1] = mine[i] + got[0];\n"                             \
	BODY                                                                    \
	"    }\n"                                                               \
	"}\n"                                                                   \
	"int main() {\n"                                                        \
	"    shared = malloc(64);\n"                                            \
	"    for (int i = 0; i < 4; i++)\n"                                     \
	"        go(ask, i);\n"                                                 \
	"    go_wait();\n"                                                      \
	"    return 0;\n"                                                       \
	"}\n"

/* How many times a coroutine of s was resumed by another worker than
 * the one it last ran on. */
static int moves(const struct sim *s)
{
	int n = 0;
	for (int i = 0; i < sim_count(s, EV_PICK); i++) {
		const struct event *p = sim_nth(s, EV_PICK, i);
		n += p->a && (int)p->a != p->tid;
	}
	return n;
}

START_TEST(race_check_a_coroutine_moving_between_workers_is_not_a_race)
{
	/* its stack, a heap block, is written on one worker and read and
	 * written on the next: the runtime's hand-off orders them */
	struct sim *s = sim_run(CORO_PROG(""));
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_gt(moves(s), 0);
	ck_assert_msg(race_count(s->m) == 0, "races:\n%s", races_of(s));
	ck_assert_int_eq(sim_count(s, EV_RACE), 0);
	sim_free(s);
}
END_TEST

START_TEST(race_check_finds_two_coroutines_on_two_workers_writing_a_heap_word)
{
	struct sim *s = sim_run(CORO_PROG("        shared[1] = shared[1] + 1;\n"));
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_gt(moves(s), 0);
	ck_assert_msg(race_count(s->m) == 1, "races:\n%s", races_of(s));
	const struct race_report *p = race_get(s->m, 0);
	ck_assert_uint_eq(p->block, (uint64_t)sim_global(s, "shared", 0));
	ck_assert_uint_eq(p->addr, p->block + 8);
	ck_assert_int_ne(p->tid, p->other);
	sim_free(s);
}
END_TEST

START_TEST(race_check_names_the_locks_held)
{
	struct sim *s = sim_run_policy("int x; mutex a; mutex b;\n"
				       "void w() { lock(b); x = 2; unlock(b); }\n"
				       "int main() { int t = spawn(w); lock(a); x = 1; unlock(a);\n"
				       "    join(t); return 0; }\n", POLICY_FIFO, 1);
	ck_assert_msg(race_count(s->m) == 1, "races:\n%s", races_of(s));
	const struct event *e = sim_nth(s, EV_RACE, 0);
	ck_assert_int_eq(e->nheld, 1);
	ck_assert_uint_eq(e->held[0], sim_addr(s, "b"));
	ck_assert_int_eq(e->nheld2, 1);
	ck_assert_uint_eq(e->held2[0], sim_addr(s, "a"));
	ck_assert_str_eq(race_sentence(s), "data race on x: T2 writes it holding b, T1 wrote it "
			 "at line 3 holding a, and no lock orders the two");
	int n;
	const uint64_t *held = race_locks(s->m, 1, race_get(s->m, 0)->locks2, &n);
	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(held[0], sim_addr(s, "a"));
	sim_free(s);
	/* both held together, in address order */
	s = sim_run_policy("int x; mutex a; mutex b;\n"
			   "void w() { x = 2; }\n"
			   "int main() { int t = spawn(w); lock(b); lock(a); x = 1; unlock(a); unlock(b);\n"
			   "    join(t); return 0; }\n", POLICY_FIFO, 1);
	e = sim_nth(s, EV_RACE, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->nheld, 0);
	ck_assert_int_eq(e->nheld2, 2);
	ck_assert_uint_eq(e->held2[0], sim_addr(s, "a"));
	ck_assert_uint_eq(e->held2[1], sim_addr(s, "b"));
	ck_assert_str_eq(race_sentence(s), "data race on x: T2 writes it, T1 wrote it at line 3 "
			 "holding a and b, and no lock orders the two");
	sim_free(s);
}
END_TEST

START_TEST(race_check_is_off_when_the_settings_say_so)
{
	struct sim *s = sim_new(counter_prog);
	s->cfg.policy = POLICY_RR;
	s->cfg.quantum = 1;
	s->cfg.no_race_detect = 1;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_ptr_null(machine_proc(s->m, 1)->race);
	ck_assert_int_eq(sim_count(s, EV_RACE), 0);
	ck_assert_uint_eq(race_count(s->m), 0);
	ck_assert_ptr_null(race_get(s->m, 0));
	ck_assert_uint_eq(race_marked(s->m, 1, sim_addr(s, "counter"), 8), 0);
	sim_free(s);
}
END_TEST

START_TEST(machine_copy_finds_the_same_races)
{
	/* copies at every point of the run, the race before and after them */
	struct sim *full = sim_run_policy(counter_prog, POLICY_RR, 2);
	ck_assert_int_eq(race_count(full->m), 1);
	uint64_t race_tick = sim_nth(full, EV_RACE, 0)->tick;
	uint64_t stops[] = { 0, 3, race_tick / 2, race_tick, race_tick + 1, race_tick + 9 };
	for (size_t k = 0; k < ARRAY_LEN(stops); k++) {
		struct sim *s = sim_new(counter_prog);
		s->cfg.policy = POLICY_RR;
		s->cfg.quantum = 2;
		ck_assert_int_eq(sim_start(s), 0);
		while (s->m->tick < stops[k] && machine_step(s->m))
			;
		size_t from = s->log.n;
		struct sim *c = sim_copy(s);
		sim_finish(s);
		sim_finish(c);
		assert_same_lines(evlog_format(&c->log, 0), evlog_format(&s->log, from), "events");
		ck_assert_str_eq(evlog_format(&s->log, 0), evlog_format(&full->log, 0));
		ck_assert_uint_eq(race_count(c->m), 1);
		ck_assert_uint_eq(race_get(c->m, 0)->more, race_get(s->m, 0)->more);
		ck_assert_uint_eq(race_get(c->m, 0)->tick, race_tick);
		ck_assert_int_eq(sim_count(c, EV_RACE), stops[k] <= race_tick);
		sim_free(c);
		sim_free(s);
	}
	sim_free(full);
}
END_TEST

START_TEST(machine_copy_keeps_the_shadow_apart)
{
	/* the copy goes another way (its own schedule): the original's
	 * shadow must not see the copy's accesses */
	struct sim *s = sim_new("int x;\n"
				"void w() { sleep(30); x = 1; }\n"
				"int main() { int a = spawn(w); x = 2; sleep(10); join(a); return 0; }\n");
	s->cfg.policy = POLICY_FIFO;
	ck_assert_int_eq(sim_start(s), 0);
	while (!sim_nth_of(s, EV_SLEEP, 1, 0) && machine_step(s->m))
		;
	struct sim *c = sim_copy(s);
	/* in the copy the worker's write is ordered after main's by a
	 * forged join: the copy ends with no race, the original with one */
	race_join(c->m, 2, 1);
	sim_finish(c);
	sim_finish(s);
	ck_assert_uint_eq(race_count(c->m), 0);
	ck_assert_uint_eq(race_count(s->m), 1);
	sim_free(c);
	sim_free(s);
}
END_TEST

START_TEST(run_scenario_reports_one_line_per_racy_word)
{
	struct sim *s = sim_new("int counter = 0;\n"
				"void worker(int n) {\n"
				"    for (int i = 0; i < n; i++)\n"
				"        counter++;\n"
				"}\n"
				"int main() { int a = spawn(worker, 3); int b = spawn(worker, 3);\n"
				"    join(a); join(b); return 0; }\n");
	struct machine_config cfg = s->sc->config;
	cfg.policy = POLICY_RR;
	cfg.quantum = 1;
	FILE *err = tmpfile(), *out = tmpfile();
	ck_assert_ptr_nonnull(err);
	struct run_options o = { .out = out, .err = err };
	int rc = run_scenario(s->sc, &cfg, &s->lim, &o);
	char text[1024] = "";
	rewind(err);
	size_t n = fread(text, 1, sizeof text - 1, err);
	text[n] = 0;
	fclose(err);
	fclose(out);
	/* the race does not change the exit status */
	ck_assert_int_eq(rc, RUN_OK);
	const char *line = strstr(text, "t.scn:4: data race on counter: T3 ");
	ck_assert_msg(line != NULL, "no race line in:\n%s", text);
	ck_assert_ptr_nonnull(strstr(line, "it at line 4, T2 "));
	ck_assert_ptr_nonnull(strstr(line, " it at line 4; no lock held in common (and "));
	ck_assert_ptr_nonnull(strstr(line, " more racy accesses)\n"));
	ck_assert_ptr_null(strstr(strchr(line, '\n'), "data race"));
	sim_free(s);
}
END_TEST

START_TEST(session_marks_the_race_from_its_tick_on)
{
	struct sim *sim = sim_new(counter_prog);
	struct machine_config cfg = sim->sc->config;
	cfg.policy = POLICY_RR;
	cfg.quantum = 2;
	char err[256];
	int code = 0;
	struct session *ss = session_new(sim->sc, &cfg, &sim->lim, err, sizeof err, &code);
	ck_assert_msg(ss != NULL, "%s", err);
	while (!race_count(&ss->m) && session_step(ss))
		;
	ck_assert_uint_eq(race_count(&ss->m), 1);
	uint64_t after = session_tick(ss);
	/* the event panel has the sentence */
	const struct ss_event *e = NULL;
	for (size_t i = 0; session_event(ss, i); i++)
		if (session_event(ss, i)->kind == EV_RACE)
			e = session_event(ss, i);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->tick, after - 1);
	ck_assert_ptr_nonnull(strstr(e->text, "data race on counter: T"));
	ck_assert_ptr_nonnull(strstr(e->text, "and no lock orders the two"));
	/* the memory map marks counter */
	struct mm_row *rows = at_test_end(xcalloc(1024, sizeof *rows));
	size_t n = memmap_build(sim->sc, &ss->m, 1, NULL, 0, 0, rows, 1024);
	const struct mm_row *row = NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(rows[i].text, "counter = ", 10) == 0)
			row = &rows[i];
	ck_assert_ptr_nonnull(row);
	ck_assert_int_eq(row->race, 1);
	ck_assert_ptr_nonnull(strstr(row->text, "  \xe2\x9a\xa0 race"));
	/* one tick back, before the race: no mark, no sentence */
	session_back(ss);
	ck_assert_uint_eq(session_tick(ss), after - 1);
	ck_assert_uint_eq(race_count(&ss->m), 0);
	n = memmap_build(sim->sc, &ss->m, 1, NULL, 0, 0, rows, 1024);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(rows[i].race, 0);
		ck_assert_ptr_null(strstr(rows[i].text, "race"));
	}
	for (size_t i = 0; session_event(ss, i); i++)
		ck_assert_int_ne(session_event(ss, i)->kind, EV_RACE);
	/* and forward again, to the same race */
	session_step(ss);
	ck_assert_uint_eq(race_count(&ss->m), 1);
	ck_assert_int_eq(session_event(ss, 0)->kind == EV_RACE ||
			 session_event(ss, 1)->kind == EV_RACE, 1);
	session_free(ss);
}
END_TEST

START_TEST(clocks_of_many_threads_through_one_mutex_keep_their_order)
{
	/* 300 workers (ids past 256, the clocks' second level) pass one
	 * mutex on: each learns what all the ones before it did */
	const char *src = "int counter; mutex m; int ids[300];\n"
			  "void w() { lock(m); counter++; unlock(m); }\n"
			  "int main() {\n"
			  "    for (int i = 0; i < 300; i++) ids[i] = spawn(w);\n"
			  "    for (int i = 0; i < 300; i++) join(ids[i]);\n"
			  "    return counter == 300 ? 0 : 1;\n"
			  "}\n";
	for (size_t i = 0; i < ARRAY_LEN(schedules); i++) {
		struct sim *s = sim_new(src);
		s->cfg.policy = schedules[i].policy;
		s->cfg.quantum = schedules[i].quantum;
		s->cfg.cores = schedules[i].cores;
		s->cfg.seed = schedules[i].seed;
		s->lim.max_threads = 400;
		ck_assert_int_eq(sim_start(s), 0);
		sim_finish(s);
		ck_assert_msg(sim_end(s) == END_OK, "schedule %zu: ended %d", i, sim_end(s));
		ck_assert_int_eq(s->m->exit_status, 0);
		ck_assert_msg(race_count(s->m) == 0, "schedule %zu: races found:\n%s", i, races_of(s));
		sim_free(s);
	}
}
END_TEST

START_TEST(what_a_thread_does_after_it_took_a_clock_stays_its_own)
{
	/* T3 takes the mutex's clock, the one T2 left, then writes x after
	 * its unlock; T4 takes the mutex after that: it knows T3 up to the
	 * unlock, not the write, which races with its read */
	struct sim *s = one_race_on("int x; int y; mutex m;\n"
				    "void a() { lock(m); y = 1; unlock(m); }\n"
				    "void b() { lock(m); unlock(m); x = 1; }\n"
				    "void c() { lock(m); int v = y; unlock(m); v = x; }\n"
				    "int main() { int ta = spawn(a); int tb = spawn(b); int tc = spawn(c);\n"
				    "    join(ta); join(tb); join(tc); return 0; }\n", "x");
	const struct race_report *p = race_get(s->m, 0);
	ck_assert_int_eq(p->tid, 4);
	ck_assert_int_eq(p->other, 3);
	ck_assert_int_eq(p->write2, 1);
	sim_free(s);
}
END_TEST

Suite *race_suite(void)
{
	Suite *s = suite_create("race");
	TCase *tc = sim_tcase("race_check");
	tcase_add_test(tc, race_check_finds_the_lost_update_even_under_fifo);
	tcase_add_test(tc, race_check_reports_each_word_once);
	tcase_add_test(tc, race_check_finds_nothing_with_a_mutex);
	tcase_add_test(tc, race_check_finds_nothing_with_trylock);
	tcase_add_test(tc, race_check_finds_nothing_with_atomics);
	tcase_add_test(tc, race_check_finds_a_plain_read_of_an_atomic_word);
	tcase_add_test(tc, race_check_finds_nothing_in_thread_local_storage);
	tcase_add_test(tc, race_check_finds_nothing_on_read_only_data);
	tcase_add_test(tc, race_check_orders_what_the_parent_did_before_spawn);
	tcase_add_test(tc, race_check_orders_a_join_after_the_end);
	tcase_add_test(tc, race_check_orders_a_mutex_handoff);
	tcase_add_test(tc, race_check_orders_semaphores);
	tcase_add_test(tc, race_check_orders_a_signal_and_the_waiter_it_wakes);
	tcase_add_test(tc, race_check_names_an_array_element);
	tcase_add_test(tc, race_check_names_a_heap_word_by_its_block);
	tcase_add_test(tc, race_check_forgets_a_freed_block);
	tcase_add_test(tc, race_check_keeps_bytes_apart);
	tcase_add_test(tc, race_check_forgets_the_bytes_of_a_freed_block);
	tcase_add_test(tc, race_check_forgets_a_large_freed_block_reused_by_another_thread);
	tcase_add_test(tc, race_check_a_coroutine_moving_between_workers_is_not_a_race);
	tcase_add_test(tc, race_check_finds_two_coroutines_on_two_workers_writing_a_heap_word);
	tcase_add_test(tc, race_check_names_the_locks_held);
	tcase_add_test(tc, race_check_is_off_when_the_settings_say_so);
	suite_add_tcase(s, tc);
	tc = sim_tcase("clocks");
	tcase_add_test(tc, clocks_of_many_threads_through_one_mutex_keep_their_order);
	tcase_add_test(tc, what_a_thread_does_after_it_took_a_clock_stays_its_own);
	suite_add_tcase(s, tc);
	tc = sim_tcase("machine_copy");
	tcase_add_test(tc, machine_copy_finds_the_same_races);
	tcase_add_test(tc, machine_copy_keeps_the_shadow_apart);
	suite_add_tcase(s, tc);
	tc = sim_tcase("reports");
	tcase_add_test(tc, run_scenario_reports_one_line_per_racy_word);
	tcase_add_test(tc, session_marks_the_race_from_its_tick_on);
	suite_add_tcase(s, tc);
	return s;
}
