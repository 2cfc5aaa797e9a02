/* test_sync: mutexes, semaphores, condition variables, atomics,
 * sleeping, yielding and deadlocks. */
#include <stdio.h>
#include <string.h>

#include "sim.h"

START_TEST(a_mutex_word_holds_its_owner)
{
	struct sim *s = sim_run("mutex m; mutex n; mutex k;\n"
				"void take() { lock(n); }\n"
				"int main() { lock(m); lock(k); unlock(k); join(spawn(take)); return 0; }\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	uint64_t m = sim_addr(s, "m"), n = sim_addr(s, "n"), k = sim_addr(s, "k");
	ck_assert_int_eq(machine_peek(s->m, 1, m), 1);
	ck_assert_int_eq(machine_mutex_owner(s->m, 1, m), 1);
	ck_assert_int_eq(machine_mutex_owner(s->m, 1, n), 2);
	ck_assert_int_eq(machine_mutex_owner(s->m, 1, k), 0);
	ck_assert_int_eq(sim_count(s, EV_LOCK), 3);
	ck_assert_int_eq(sim_count(s, EV_UNLOCK), 1);
	const struct event *e = sim_nth(s, EV_LOCK, 2);
	ck_assert_int_eq(e->tid, 2);
	ck_assert_uint_eq(e->addr, n);
	ck_assert_int_eq(e->line, 2);
	ck_assert_uint_eq(sim_nth(s, EV_UNLOCK, 0)->addr, k);
	sim_free(s);
}
END_TEST

START_TEST(the_second_mutex_word_counts_waiters)
{
	struct sim *s = sim_run("mutex m;\n"
				"void w() { lock(m); }\n"
				"int main() { lock(m); int a = spawn(w); spawn(w); join(a); return 0; }\n");
	ck_assert_int_eq(sim_end(s), END_DEADLOCK);
	uint64_t m = sim_addr(s, "m");
	ck_assert_int_eq(machine_peek(s->m, 1, m), 1);
	ck_assert_int_eq(machine_peek(s->m, 1, m + 8), 2);
	for (int tid = 2; tid <= 3; tid++) {
		const struct event *b = sim_nth_of(s, EV_BLOCK, tid, 0);
		ck_assert_int_eq(b->a, WAIT_MUTEX);
		ck_assert_uint_eq(b->addr, m);
		ck_assert_int_eq(b->other, 1);
		ck_assert_int_eq(machine_thread(s->m, tid)->state, TS_BLOCKED);
	}
	sim_free(s);
}
END_TEST

static const char *handoff_prog =
	"mutex m; int order[4]; int n;\n"
	"void w() { lock(m); order[n] = self(); n++; unlock(m); }\n"
	"int main() {\n"
	"    lock(m);\n"
	"    int a = spawn(w); sleep(5);\n"
	"    int b = spawn(w); sleep(5);\n"
	"    int c = spawn(w); sleep(5);\n"
	"    unlock(m);\n"
	"    lock(m); order[n] = self(); n++; unlock(m);\n"
	"    join(a); join(b); join(c);\n"
	"    return 0;\n"
	"}\n";

START_TEST(unlock_hands_the_mutex_to_the_longest_waiter)
{
	struct sim *s = sim_run(handoff_prog);
	ck_assert_int_eq(sim_end(s), END_OK);
	/* main wanted it back at once, but it went to the waiters in turn */
	static const int want[4] = { 2, 3, 4, 1 };
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(sim_global(s, "order", i), want[i]);
	ck_assert_int_eq(machine_mutex_owner(s->m, 1, sim_addr(s, "m")), 0);
	ck_assert_int_eq(machine_peek(s->m, 1, sim_addr(s, "m") + 8), 0);
	sim_free(s);
}
END_TEST

START_TEST(a_handoff_wakes_the_waiter_holding_the_mutex)
{
	struct sim *s = sim_run(handoff_prog);
	const struct event *u = sim_nth_of(s, EV_UNLOCK, 1, 0);
	ck_assert_ptr_nonnull(u);
	ck_assert_int_eq(u->line, 8);
	/* then at the same tick: T2 wakes, owning the mutex */
	const struct event *w = u + 1, *l = u + 2;
	ck_assert_int_eq(w->kind, EV_WAKE);
	ck_assert_int_eq(w->tid, 2);
	ck_assert_int_eq(w->other, 1);
	ck_assert_int_eq(w->a, WAIT_MUTEX);
	ck_assert_int_eq(l->kind, EV_LOCK);
	ck_assert_int_eq(l->tid, 2);
	ck_assert_uint_eq(l->addr, u->addr);
	ck_assert_uint_eq(l->tick, u->tick);
	/* and main, locking again, has to wait behind T3 and T4 */
	const struct event *b = sim_nth_of(s, EV_BLOCK, 1, 3);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(b->a, WAIT_MUTEX);
	ck_assert_int_eq(b->other, 2);
	sim_free(s);
}
END_TEST

START_TEST(unlock_by_a_thread_that_does_not_hold_it_faults)
{
	struct sim *s = sim_run("mutex m;\n"
				"void bad() { unlock(m); }\n"
				"int main() { lock(m); join(spawn(bad)); return 0; }\n");
	ck_assert_int_eq(sim_end(s), END_FAULT);
	ck_assert_int_eq(s->m->fault, FAULT_NOTOWNER);
	ck_assert_uint_eq(s->m->fault_addr, sim_addr(s, "m"));
	const struct event *f = sim_nth(s, EV_FAULT, 0);
	ck_assert_int_eq(f->tid, 2);
	ck_assert_int_eq(f->line, 2);
	ck_assert_int_eq(f->a, FAULT_NOTOWNER);
	ck_assert_int_eq(machine_mutex_owner(s->m, 1, sim_addr(s, "m")), 1);
	sim_free(s);
}
END_TEST

START_TEST(unlock_of_a_free_mutex_faults)
{
	struct sim *s = sim_run("mutex m;\nint main() {\n    unlock(m);\n    return 0;\n}\n");
	ck_assert_int_eq(sim_end(s), END_FAULT);
	ck_assert_int_eq(s->m->fault, FAULT_NOTOWNER);
	ck_assert_int_eq(sim_nth(s, EV_FAULT, 0)->line, 3);
	ck_assert_int_eq(sim_count(s, EV_UNLOCK), 0);
	sim_free(s);
}
END_TEST

START_TEST(trylock_takes_a_free_mutex_and_never_waits)
{
	struct sim *s = sim_run("mutex m; int r[4];\n"
				"int other() { return trylock(m); }\n"
				"int main() {\n"
				"    r[0] = trylock(m);\n"
				"    r[1] = trylock(m);\n"
				"    r[2] = join(spawn(other));\n"
				"    unlock(m);\n"
				"    r[3] = join(spawn(other));\n"
				"    return 0;\n"
				"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	static const int want[4] = { 1, 0, 0, 1 };
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(sim_global(s, "r", i), want[i]);
	ck_assert_int_eq(machine_mutex_owner(s->m, 1, sim_addr(s, "m")), 3);
	ck_assert_int_eq(sim_count(s, EV_LOCK), 2);
	ck_assert_int_eq(sim_count(s, EV_BLOCK), 2);    /* the two joins only */
	sim_free(s);
}
END_TEST

START_TEST(a_mutex_keeps_a_shared_counter_exact)
{
	struct sim *s = sim_run_policy("int counter; mutex m;\n"
				       "void work(int n) { for (int i = 0; i < n; i++) { lock(m); counter++; unlock(m); } }\n"
				       "int main() { int a = spawn(work, 30); int b = spawn(work, 30); join(a); join(b);\n"
				       "    return counter; }\n", POLICY_RR, 5);
	ck_assert_int_eq(s->m->exit_status, 60);
	int waits = 0;                                  /* and they did contend */
	for (int i = 0; i < sim_count(s, EV_BLOCK); i++)
		waits += sim_nth(s, EV_BLOCK, i)->a == WAIT_MUTEX;
	ck_assert_int_gt(waits, 3);
	ck_assert_int_eq(sim_count(s, EV_LOCK), 60);
	ck_assert_int_eq(sim_count(s, EV_UNLOCK), 60);
	sim_free(s);
}
END_TEST

START_TEST(a_semaphore_counts_down_and_up)
{
	struct sim *s = sim_run("semaphore s = 2;\n"
				"int main() { sem_wait(s); sem_wait(s); sem_post(s); return 0; }\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	uint64_t a = sim_addr(s, "s");
	static const int64_t counts[3] = { 1, 0, 1 }, steps[3] = { -1, -1, 1 };
	ck_assert_int_eq(sim_count(s, EV_SEM), 3);
	for (int i = 0; i < 3; i++) {
		const struct event *e = sim_nth(s, EV_SEM, i);
		ck_assert_uint_eq(e->addr, a);
		ck_assert_int_eq(e->a, counts[i]);
		ck_assert_int_eq(e->b, steps[i]);
	}
	ck_assert_int_eq(machine_peek(s->m, 1, a), 1);
	ck_assert_int_eq(sim_count(s, EV_BLOCK), 0);
	sim_free(s);
}
END_TEST

START_TEST(sem_wait_at_zero_blocks_until_a_post)
{
	struct sim *s = sim_run("semaphore s; int got;\n"
				"void taker() { sem_wait(s); got = 1; }\n"
				"int main() { int t = spawn(taker); sleep(10); int before = got;\n"
				"    sem_post(s); join(t); return before * 10 + got; }\n");
	ck_assert_int_eq(s->m->exit_status, 1);
	uint64_t a = sim_addr(s, "s");
	const struct event *b = sim_nth_of(s, EV_BLOCK, 2, 0), *w = sim_nth_of(s, EV_WAKE, 2, 0);
	ck_assert_int_eq(b->a, WAIT_SEM);
	ck_assert_uint_eq(b->addr, a);
	ck_assert_int_eq(w->a, WAIT_SEM);
	ck_assert_int_eq(w->other, 1);
	/* the unit went straight to the waiter: the count stayed 0 */
	const struct event *e = sim_nth(s, EV_SEM, 0);
	ck_assert_int_eq(e->a, 0);
	ck_assert_int_eq(e->b, 0);
	ck_assert_int_eq(machine_peek(s->m, 1, a), 0);
	ck_assert_int_eq(machine_peek(s->m, 1, a + 8), 0);
	sim_free(s);
}
END_TEST

START_TEST(semaphore_arrays_start_with_their_counts)
{
	struct sim *s = sim_new("semaphore s[3] = {1, 2};\nint main() { sem_wait(s[1]); return 0; }\n");
	ck_assert_int_eq(sim_start(s), 0);
	uint64_t a = sim_addr(s, "s");
	ck_assert_int_eq(machine_peek(s->m, 1, a), 1);
	ck_assert_int_eq(machine_peek(s->m, 1, a + 16), 2);
	ck_assert_int_eq(machine_peek(s->m, 1, a + 32), 0);
	sim_finish(s);
	ck_assert_int_eq(machine_peek(s->m, 1, a + 16), 1);
	sim_free(s);
}
END_TEST

static const char *bounded_buffer =
	"mutex m; cond not_empty; cond not_full;\n"
	"int buf[2]; int count; int head; int tail; int total;\n"
	"void producer(int n) {\n"
	"    for (int i = 1; i <= n; i++) {\n"
	"        lock(m);\n"
	"        while (count == 2) cond_wait(not_full, m);\n"
	"        buf[tail] = i; tail = (tail + 1) % 2; count++;\n"
	"        cond_signal(not_empty);\n"
	"        unlock(m);\n"
	"    }\n"
	"}\n"
	"void consumer(int n) {\n"
	"    for (int i = 0; i < n; i++) {\n"
	"        lock(m);\n"
	"        while (count == 0) cond_wait(not_empty, m);\n"
	"        total += buf[head]; head = (head + 1) % 2; count--;\n"
	"        cond_signal(not_full);\n"
	"        unlock(m);\n"
	"    }\n"
	"}\n"
	"int main() {\n"
	"    int c = spawn(consumer, 20); int p = spawn(producer, 20);\n"
	"    join(p); join(c);\n"
	"    return total;\n"
	"}\n";

/* Machines the bounded buffer runs on: policy, quantum, seed, cores. */
static const struct pc_case {
	enum sched_policy policy;
	int quantum;
	uint64_t seed;
	int cores;
} pc_cases[] = {
	{ POLICY_RR, 1, 1, 1 }, { POLICY_RR, 2, 1, 1 }, { POLICY_RR, 7, 1, 1 },
	{ POLICY_FIFO, 1, 1, 1 }, { POLICY_RANDOM, 1, 1, 1 }, { POLICY_RANDOM, 1, 2, 1 },
	{ POLICY_RANDOM, 1, 3, 2 }, { POLICY_RR, 3, 1, 2 }, { POLICY_PRIORITY, 2, 1, 1 },
};

START_TEST(producer_and_consumer_meet_through_conds)
{
	const struct pc_case *c = &pc_cases[_i];
	struct sim *s = sim_new(bounded_buffer);
	s->cfg.policy = c->policy;
	s->cfg.quantum = c->quantum;
	s->cfg.seed = c->seed;
	s->cfg.cores = c->cores;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 210);
	ck_assert_int_eq(sim_count(s, EV_SIGNAL), 40);
	ck_assert_int_eq(sim_global(s, "count", 0), 0);
	/* the consumer starts first and must wait for the first item */
	int cond_waits = 0;
	for (int i = 0; i < sim_count(s, EV_BLOCK); i++)
		cond_waits += sim_nth(s, EV_BLOCK, i)->a == WAIT_COND;
	ck_assert_int_gt(cond_waits, 0);
	sim_free(s);
}
END_TEST

static const char *waiters_prog =
	"mutex m; cond c; int ready; int woke; int order[3]; int after_signal;\n"
	"void waiter() { lock(m); while (!ready) cond_wait(c, m); order[woke] = self(); woke++; unlock(m); }\n"
	"int main() {\n"
	"    int a = spawn(waiter); sleep(20); int b = spawn(waiter); sleep(20); int d = spawn(waiter);\n"
	"    sleep(20);\n"
	"    lock(m); ready = 1; %s(c); unlock(m);\n"
	"    sleep(500); after_signal = woke;\n"
	"    lock(m); cond_broadcast(c); unlock(m);\n"
	"    join(a); join(b); join(d);\n"
	"    return woke;\n"
	"}\n";

/* waiters_prog with the first wake-up done by builtin. */
static struct sim *run_waiters(const char *builtin)
{
	char src[1024];
	snprintf(src, sizeof src, waiters_prog, builtin);
	return sim_run(src);
}

START_TEST(cond_signal_wakes_the_longest_waiter_only)
{
	struct sim *s = run_waiters("cond_signal");
	ck_assert_int_eq(s->m->exit_status, 3);
	ck_assert_int_eq(sim_global(s, "after_signal", 0), 1);
	ck_assert_int_eq(sim_global(s, "order", 0), 2);
	const struct event *e = sim_nth(s, EV_SIGNAL, 0);
	ck_assert_uint_eq(e->addr, sim_addr(s, "c"));
	ck_assert_int_eq(e->a, 1);
	ck_assert_int_eq(e->b, 0);
	ck_assert_int_eq(sim_nth(s, EV_SIGNAL, 1)->a, 2);
	ck_assert_int_eq(sim_nth(s, EV_SIGNAL, 1)->b, 1);
	ck_assert_int_eq(machine_peek(s->m, 1, sim_addr(s, "c")), 0);
	sim_free(s);
}
END_TEST

START_TEST(cond_broadcast_wakes_every_waiter)
{
	struct sim *s = run_waiters("cond_broadcast");
	ck_assert_int_eq(s->m->exit_status, 3);
	ck_assert_int_eq(sim_global(s, "after_signal", 0), 3);
	const struct event *e = sim_nth(s, EV_SIGNAL, 0);
	ck_assert_int_eq(e->a, 3);
	ck_assert_int_eq(e->b, 1);
	ck_assert_int_eq(sim_nth(s, EV_SIGNAL, 1)->a, 0);       /* nobody left */
	/* they wake in the order they waited */
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(sim_global(s, "order", i), i + 2);
	sim_free(s);
}
END_TEST

START_TEST(cond_wait_releases_the_mutex_and_takes_it_back)
{
	struct sim *s = run_waiters("cond_broadcast");
	uint64_t m = sim_addr(s, "m"), c = sim_addr(s, "c");
	/* main locks m while all three wait: it never blocks on it */
	for (int i = 0; i < 6; i++) {
		const struct event *b = sim_nth_of(s, EV_BLOCK, 1, i);
		if (b)
			ck_assert_int_ne(b->a, WAIT_MUTEX);
	}
	for (int tid = 2; tid <= 4; tid++) {
		/* each waits on the cond, then (main holding m) on the mutex */
		const struct event *b0 = sim_nth_of(s, EV_BLOCK, tid, 0);
		const struct event *b1 = sim_nth_of(s, EV_BLOCK, tid, 1);
		ck_assert_int_eq(b0->a, WAIT_COND);
		ck_assert_uint_eq(b0->addr, c);
		ck_assert_int_eq(b1->a, WAIT_MUTEX);
		ck_assert_uint_eq(b1->addr, m);
		ck_assert_int_eq(b1->other, 1);
		/* released when it started waiting, taken back after */
		const struct event *u = sim_nth_of(s, EV_UNLOCK, tid, 0);
		ck_assert(u < b0);
		ck_assert_uint_eq(sim_nth_of(s, EV_LOCK, tid, 1)->addr, m);
	}
	sim_free(s);
}
END_TEST

START_TEST(a_signal_nobody_waits_for_is_lost)
{
	struct sim *s = sim_run("cond c;\nint main() { cond_signal(c); cond_broadcast(c); return 0; }\n");
	ck_assert_int_eq(sim_count(s, EV_SIGNAL), 2);
	ck_assert_int_eq(sim_nth(s, EV_SIGNAL, 0)->a, 0);
	ck_assert_int_eq(sim_nth(s, EV_SIGNAL, 1)->a, 0);
	sim_free(s);
}
END_TEST

START_TEST(cond_wait_without_the_mutex_faults)
{
	struct sim *s = sim_run("mutex m; cond c;\nint main() {\n    cond_wait(c, m);\n    return 0;\n}\n");
	ck_assert_int_eq(sim_end(s), END_FAULT);
	ck_assert_int_eq(s->m->fault, FAULT_NOTOWNER);
	ck_assert_int_eq(sim_nth(s, EV_FAULT, 0)->line, 3);
	sim_free(s);
}
END_TEST

START_TEST(atomics_return_what_they_promise)
{
	struct sim *s = sim_run("int x = 5; int r[4];\n"
				"int main() { r[0] = atomic_add(&x, 3); r[1] = cas(&x, 8, 1);\n"
				"    r[2] = cas(&x, 8, 2); r[3] = xchg(&x, 9); return x; }\n");
	ck_assert_int_eq(s->m->exit_status, 9);
	static const int64_t want[4] = { 5, 1, 0, 1 };
	static const struct { int bi; int64_t before, after; } ev[4] = {
		{ BI_ATOMIC_ADD, 5, 8 }, { BI_CAS, 8, 1 }, { BI_CAS, 1, 1 }, { BI_XCHG, 1, 9 },
	};
	uint64_t x = sim_addr(s, "x");
	ck_assert_int_eq(sim_count(s, EV_ATOMIC), 4);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(sim_global(s, "r", i), want[i]);
		const struct event *e = sim_nth(s, EV_ATOMIC, i);
		ck_assert_int_eq(e->a, ev[i].bi);
		ck_assert_uint_eq(e->addr, x);
		ck_assert_int_eq(e->rval, ev[i].before);
		ck_assert_int_eq(e->wval, ev[i].after);
	}
	sim_free(s);
}
END_TEST

/* Increments of a shared counter that must not lose updates. */
static const char *const atomic_counters[] = {
	"void work(int n) { for (int i = 0; i < n; i++) atomic_add(&counter, 1); }\n",
	"void work(int n) { for (int i = 0; i < n; i++) { int old; do { old = counter; }"
	" while (!cas(&counter, old, old + 1)); } }\n",
	"void work(int n) { for (int i = 0; i < n; i++) { while (xchg(&lk, 1)) {} counter++; lk = 0; } }\n",
	"void work(int n) { for (int i = 0; i < n; i++) { while (!cas(&lk, 0, 1)) sched_yield();"
	" counter++; xchg(&lk, 0); } }\n",
};

START_TEST(atomic_increments_lose_no_update)
{
	char src[1024];
	snprintf(src, sizeof src, "int counter; int lk;\n%s"
		 "int main() { int a = spawn(work, 30); int b = spawn(work, 30); join(a); join(b);\n"
		 "    return counter; }\n", atomic_counters[_i]);
	for (int q = 1; q <= 4; q++) {
		struct sim *s = sim_run_policy(src, POLICY_RR, q);
		ck_assert_msg(s->m->exit_status == 60, "quantum %d: %lld", q,
			      (long long)s->m->exit_status);
		sim_free(s);
	}
}
END_TEST

START_TEST(atomic_add_wraps)
{
	struct sim *s = sim_run("int x = 9223372036854775807;\n"
				"int main() { int old = atomic_add(&x, 1); return old == 9223372036854775807; }\n");
	ck_assert_int_eq(s->m->exit_status, 1);
	ck_assert_int_eq(sim_global(s, "x", 0), INT64_MIN);
	sim_free(s);
}
END_TEST

START_TEST(sleep_wakes_after_n_ticks)
{
	struct sim *s = sim_run("int main() {\n    sleep(10);\n    return 0;\n}\n");
	const struct event *z = sim_nth(s, EV_SLEEP, 0), *w = sim_nth(s, EV_WAKE, 0);
	ck_assert_ptr_nonnull(z);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(z->a, 10);
	ck_assert_int_eq(z->line, 2);
	/* asleep through the next 10 ticks, running again at the 11th */
	ck_assert_uint_eq(z->addr, z->tick + 11);
	ck_assert_uint_eq(w->tick, z->addr);
	ck_assert_int_eq(w->other, 0);
	ck_assert_int_eq(w->a, WAIT_SLEEP);
	const struct event *b = sim_nth(s, EV_BLOCK, 0);
	ck_assert_int_eq(b->a, WAIT_SLEEP);
	ck_assert_uint_eq(b->addr, z->addr);
	/* the next instruction runs at the tick it woke */
	const struct event *e = w + 1;
	while (e->kind != EV_EXEC)
		e++;
	ck_assert_uint_eq(e->tick, w->tick);
	ck_assert_uint_eq(s->m->tick, s->m->insns + 10);
	sim_free(s);
}
END_TEST

START_TEST(a_sleep_ends_at_the_same_tick_whether_or_not_instructions_are_watched)
{
	/* main, of higher priority, takes the core back when it wakes */
	static const char *prog =
		"#policy priority\n#quantum 1000\n"
		"int counter;\n"
		"void w() { while (1) counter++; }\n"
		"int main() {\n"
		"    set_priority(self(), 5);\n"
		"    spawn(w);\n"
		"    int x = 1; x = x + 1; x = x + 1;\n"
		"    sleep(10);\n"
		"    return counter;\n"
		"}\n";
	struct sim *s = sim_run(prog), *q = sim_new(prog);
	ck_assert_int_eq(sim_start(q), 0);
	struct event_sink sink = evlog_sink(&q->log);
	sink.mask &= ~EV_BIT(EV_EXEC);
	machine_set_sink(q->m, sink);
	sim_finish(q);
	const struct event *a = sim_nth(s, EV_SLEEP, 0), *b = sim_nth(q, EV_SLEEP, 0);
	ck_assert_uint_eq(b->tick, a->tick);
	ck_assert_uint_eq(b->addr, a->addr);
	ck_assert_uint_eq(sim_nth(q, EV_WAKE, 0)->tick, sim_nth(s, EV_WAKE, 0)->tick);
	ck_assert_int_eq(q->m->exit_status, s->m->exit_status);
	ck_assert_int_gt(s->m->exit_status, 0);
	sim_free(s);
	sim_free(q);
}
END_TEST

START_TEST(a_long_sleep_skips_the_idle_ticks)
{
	struct sim *s = sim_run("int main() { sleep(1000000); sleep(1000000); return 0; }\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_uint_ge(s->m->tick, 2000000);
	ck_assert_uint_lt(s->m->insns, 100);
	sim_free(s);
}
END_TEST

START_TEST(the_shorter_sleep_wakes_first)
{
	struct sim *s = sim_run("int order[2]; int n;\n"
				"void w(int t) { sleep(t); order[n] = self(); n++; }\n"
				"int main() { int a = spawn(w, 40); int b = spawn(w, 10); join(a); join(b); return 0; }\n");
	ck_assert_int_eq(sim_global(s, "order", 0), 3);
	ck_assert_int_eq(sim_global(s, "order", 1), 2);
	sim_free(s);
}
END_TEST

START_TEST(sleep_0_only_yields)
{
	struct sim *s = sim_run("int main() { sleep(0); sleep(-5); return 0; }\n");
	ck_assert_int_eq(sim_count(s, EV_SLEEP), 0);
	ck_assert_int_eq(sim_count(s, EV_YIELD), 2);
	ck_assert_int_eq(sim_count(s, EV_BLOCK), 0);
	sim_free(s);
}
END_TEST

/* Whether main yields first, and the order the two threads then log. */
static const struct yield_case {
	const char *yield;
	int first, second;
} yield_cases[] = {
	{ "sched_yield();", 2, 1 },
	{ "sleep(0);", 2, 1 },
	{ "", 1, 2 },
};

START_TEST(sched_yield_lets_a_ready_thread_run)
{
	const struct yield_case *c = &yield_cases[_i];
	char src[512];
	snprintf(src, sizeof src, "int order[2]; int n;\n"
		 "void w() { order[n] = self(); n++; }\n"
		 "int main() { int a = spawn(w); %s order[n] = self(); n++; join(a); return 0; }\n",
		 c->yield);
	struct sim *s = sim_run_policy(src, POLICY_FIFO, 1);
	ck_assert_int_eq(sim_global(s, "order", 0), c->first);
	ck_assert_int_eq(sim_global(s, "order", 1), c->second);
	const struct event *y = sim_nth(s, EV_YIELD, 0);
	if (*c->yield) {
		ck_assert_ptr_nonnull(y);
		ck_assert_int_eq(y->tid, 1);
		const struct event *sw = y + 1;
		while (sw->kind != EV_SWITCH)
			sw++;
		ck_assert_int_eq(sw->a, SW_YIELD);
		ck_assert_int_eq(sw->other, 1);
		ck_assert_int_eq(sw->tid, 2);
	} else {
		ck_assert_ptr_null(y);
	}
	sim_free(s);
}
END_TEST

START_TEST(sched_yield_alone_keeps_the_core)
{
	struct sim *s = sim_run_policy("int main() { sched_yield(); sched_yield(); return 7; }\n",
				       POLICY_FIFO, 1);
	ck_assert_int_eq(s->m->exit_status, 7);
	ck_assert_int_eq(sim_count(s, EV_YIELD), 2);
	ck_assert_int_eq(sim_count(s, EV_SWITCH), 1);
	sim_free(s);
}
END_TEST

static const char *lock_order_prog =
	"mutex a; mutex b;\n"
	"void one() { lock(a); sleep(5); lock(b); unlock(b); unlock(a); }\n"
	"void two() { lock(b); sleep(5); lock(a); unlock(a); unlock(b); }\n"
	"int main() { int x = spawn(one); int y = spawn(two); join(x); join(y); return 0; }\n";

START_TEST(a_lock_order_deadlock_ends_the_run)
{
	struct sim *s = sim_run(lock_order_prog);
	ck_assert_int_eq(sim_end(s), END_DEADLOCK);
	ck_assert_int_eq(sim_count(s, EV_DEADLOCK), 1);
	ck_assert_int_eq(sim_nth(s, EV_END, 0)->a, END_DEADLOCK);
	/* the threads stay as they were, blocked */
	for (int tid = 1; tid <= 3; tid++) {
		const struct thread *t = machine_thread(s->m, tid);
		ck_assert_int_eq(t->state, TS_BLOCKED);
		ck_assert_int_eq(t->killed, 0);
	}
	ck_assert_int_eq(sim_count(s, EV_EXIT), 0);
	const struct event *b = sim_nth_of(s, EV_BLOCK, 2, 1);
	ck_assert_int_eq(b->a, WAIT_MUTEX);
	ck_assert_uint_eq(b->addr, sim_addr(s, "b"));
	ck_assert_int_eq(b->other, 3);
	ck_assert_int_eq(b->line, 2);
	sim_free(s);
}
END_TEST

START_TEST(machine_wait_chain_reports_the_cycle)
{
	struct sim *s = sim_run(lock_order_prog);
	int chain[8], cycle = -1;
	ck_assert_int_eq(machine_wait_chain(s->m, 2, chain, 8, &cycle), 2);
	ck_assert_int_eq(cycle, 1);
	ck_assert_int_eq(chain[0], 2);
	ck_assert_int_eq(chain[1], 3);
	/* main waits (in join) for a thread of the cycle */
	ck_assert_int_eq(machine_wait_chain(s->m, 1, chain, 8, &cycle), 3);
	ck_assert_int_eq(cycle, 1);
	ck_assert_int_eq(chain[0], 1);
	ck_assert_int_eq(chain[1], 2);
	ck_assert_int_eq(chain[2], 3);
	/* a chain cut short by max */
	ck_assert_int_eq(machine_wait_chain(s->m, 1, chain, 1, &cycle), 1);
	ck_assert_int_eq(cycle, 0);
	sim_free(s);
}
END_TEST

/* Programs that deadlock, and the chain from main: its length and cycle. */
static const struct deadlock_case {
	const char *src;
	int n, cycle;
} deadlock_cases[] = {
	{ "mutex m;\nint main() { lock(m); lock(m); return 0; }\n", 1, 1 },
	{ "semaphore s;\nint main() { sem_wait(s); return 0; }\n", 1, 0 },
	{ "mutex m; cond c;\nint main() { lock(m); cond_wait(c, m); return 0; }\n", 1, 0 },
	{ "void w() { join(1); }\nint main() { join(spawn(w)); return 0; }\n", 2, 1 },
	{ "mutex m;\nvoid w() { lock(m); }\nint main() { join(spawn(w)); lock(m); return 0; }\n", 2, 0 },
};

START_TEST(deadlocks_of_every_kind_are_found)
{
	const struct deadlock_case *c = &deadlock_cases[_i];
	struct sim *s = sim_run(c->src);
	ck_assert_int_eq(sim_end(s), END_DEADLOCK);
	int chain[8], cycle = -1;
	ck_assert_int_eq(machine_wait_chain(s->m, 1, chain, 8, &cycle), c->n);
	ck_assert_int_eq(cycle, c->cycle);
	ck_assert_int_eq(s->m->end_tid, 1);
	sim_free(s);
}
END_TEST

START_TEST(a_run_with_a_sleeper_left_is_no_deadlock)
{
	struct sim *s = sim_run("mutex m;\n"
				"void w() { sleep(100); unlock(m); }\n"
				"int main() { lock(m); spawn(w); lock(m); return 1; }\n");
	/* T2 is asleep when main blocks: the run waits for it, then T2
	 * faults by unlocking a mutex it does not hold */
	ck_assert_int_eq(sim_end(s), END_FAULT);
	ck_assert_int_eq(s->m->fault, FAULT_NOTOWNER);
	ck_assert_int_eq(sim_count(s, EV_DEADLOCK), 0);
	sim_free(s);
}
END_TEST

Suite *sync_suite(void)
{
	Suite *s = suite_create("sync");
	TCase *tc = sim_tcase("mutex");
	tcase_add_test(tc, a_mutex_word_holds_its_owner);
	tcase_add_test(tc, the_second_mutex_word_counts_waiters);
	tcase_add_test(tc, unlock_hands_the_mutex_to_the_longest_waiter);
	tcase_add_test(tc, a_handoff_wakes_the_waiter_holding_the_mutex);
	tcase_add_test(tc, unlock_by_a_thread_that_does_not_hold_it_faults);
	tcase_add_test(tc, unlock_of_a_free_mutex_faults);
	tcase_add_test(tc, trylock_takes_a_free_mutex_and_never_waits);
	tcase_add_test(tc, a_mutex_keeps_a_shared_counter_exact);
	suite_add_tcase(s, tc);

	tc = sim_tcase("semaphore");
	tcase_add_test(tc, a_semaphore_counts_down_and_up);
	tcase_add_test(tc, sem_wait_at_zero_blocks_until_a_post);
	tcase_add_test(tc, semaphore_arrays_start_with_their_counts);
	suite_add_tcase(s, tc);

	tc = sim_tcase("cond");
	tcase_add_loop_test(tc, producer_and_consumer_meet_through_conds, 0, (int)ARRAY_LEN(pc_cases));
	tcase_add_test(tc, cond_signal_wakes_the_longest_waiter_only);
	tcase_add_test(tc, cond_broadcast_wakes_every_waiter);
	tcase_add_test(tc, cond_wait_releases_the_mutex_and_takes_it_back);
	tcase_add_test(tc, a_signal_nobody_waits_for_is_lost);
	tcase_add_test(tc, cond_wait_without_the_mutex_faults);
	suite_add_tcase(s, tc);

	tc = sim_tcase("atomic");
	tcase_add_test(tc, atomics_return_what_they_promise);
	tcase_add_loop_test(tc, atomic_increments_lose_no_update, 0, (int)ARRAY_LEN(atomic_counters));
	tcase_add_test(tc, atomic_add_wraps);
	suite_add_tcase(s, tc);

	tc = sim_tcase("time");
	tcase_add_test(tc, sleep_wakes_after_n_ticks);
	tcase_add_test(tc, a_sleep_ends_at_the_same_tick_whether_or_not_instructions_are_watched);
	tcase_add_test(tc, a_long_sleep_skips_the_idle_ticks);
	tcase_add_test(tc, the_shorter_sleep_wakes_first);
	tcase_add_test(tc, sleep_0_only_yields);
	tcase_add_loop_test(tc, sched_yield_lets_a_ready_thread_run, 0, (int)ARRAY_LEN(yield_cases));
	tcase_add_test(tc, sched_yield_alone_keeps_the_core);
	suite_add_tcase(s, tc);

	tc = sim_tcase("deadlock");
	tcase_add_test(tc, a_lock_order_deadlock_ends_the_run);
	tcase_add_test(tc, machine_wait_chain_reports_the_cycle);
	tcase_add_loop_test(tc, deadlocks_of_every_kind_are_found, 0, (int)ARRAY_LEN(deadlock_cases));
	tcase_add_test(tc, a_run_with_a_sleeper_left_is_no_deadlock);
	suite_add_tcase(s, tc);
	return s;
}
