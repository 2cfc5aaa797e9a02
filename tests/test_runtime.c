/* Tests of the M:N coroutine runtime (go, go_wait, the workers): every
 * coroutine run and its object freed, the pool's size, a read or an
 * accept that parks the coroutine and not its worker, readiness waking
 * it for any worker, coroutines moving between workers, a yield going
 * to the back of the queue, go_wait in a worker, snapshots, the
 * explorer, and the read-only queries the screen uses. */
#include <string.h>

#include "sim.h"
#include "sim/explore.h"
#include "sim/runtime.h"

/* Whether thread tid is a worker (its entry is go_worker). */
static int is_worker(const struct sim *s, int tid)
{
	const struct thread *t = machine_thread(s->m, tid);
	return t && t->entry == s->sc->image->go_worker;
}

START_TEST(go_runs_every_coroutine_on_the_workers_and_go_wait_counts_them)
{
	struct sim *s = sim_run(
		"#cores 2\n"
		"#workers 2\n"
		"int sum; int ran;\n"
		"void add(int x) { atomic_add(&sum, x); }\n"
		"int main() {\n"
		"    for (int i = 1; i <= 5; i++)\n"
		"        go(add, i);\n"
		"    ran = go_wait();\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "sum", 0), 15);
	ck_assert_int_eq(sim_global(s, "ran", 0), 5);
	ck_assert_int_eq(sim_count(s, EV_GO), 5);
	ck_assert_int_eq(sim_count(s, EV_PICK), 5);
	ck_assert_int_eq(sim_count(s, EV_CO_RETURN), 5);
	ck_assert_int_eq(sim_count(s, EV_SPAWN), 2);            /* the pool, started by the first go */
	for (int i = 0; i < 2; i++) {
		int w = sim_nth(s, EV_SPAWN, i)->other;
		ck_assert(is_worker(s, w));
		ck_assert_ptr_nonnull(sim_nth_of(s, EV_EXIT, w, 0));    /* ended by go_wait */
	}
	for (int i = 0; i < 5; i++) {
		const struct event *g = sim_nth(s, EV_GO, i);
		ck_assert_int_eq(g->tid, 1);
		ck_assert_int_eq(g->a, i + 1);
		ck_assert_uint_eq((uint64_t)g->b, sim_addr(s, "add"));
		ck_assert(is_worker(s, sim_nth(s, EV_PICK, i)->tid));
	}
	/* the runtime frees each finished coroutine's object */
	int freed = 0;
	for (int i = 0; i < sim_count(s, EV_FREE); i++) {
		const struct event *f = sim_nth(s, EV_FREE, i);
		ck_assert(is_worker(s, f->tid));
		freed++;
	}
	ck_assert_int_eq(freed, 5);
	int by[RCO_COUNT];
	ck_assert_int_eq(runtime_counts(s->m, by), 5);
	ck_assert_int_eq(by[RCO_DONE], 5);
	ck_assert_int_ge(runtime_peak(s->m), 1);
	ck_assert_int_le(runtime_peak(s->m), 5);
	/* main blocked in go_wait, the workers on the run queue */
	const struct event *b = sim_nth_of(s, EV_BLOCK, 1, 0);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(b->a, WAIT_GO);
}
END_TEST

START_TEST(the_pool_has_one_worker_per_core_unless_workers_says)
{
	const char *src = "void f(int x) { }\nint main() { go(f, 0); return 0; }\n";
	struct sim *s = sim_new(src);
	s->cfg.cores = 3;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(sim_count(s, EV_SPAWN), 3);
	s = sim_new(src);
	s->cfg.cores = 3;
	s->cfg.workers = 1;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(sim_count(s, EV_SPAWN), 1);
}
END_TEST

/* Two coroutines that each wait for a service: the first parks, the
 * worker runs the second meanwhile. */
static const char park_src[] =
	"#cores 1\n"
	"#workers 1\n"
	"#service slow port 9001 latency 60 reply \"late\"\n"
	"int order[4]; int k;\n"
	"void ask(int x) {\n"
	"    char req[2] = \"?\"; char got[8];\n"
	"    int fd = connect(9001);\n"
	"    write(fd, req, 1);\n"
	"    order[k++] = x;\n"
	"    read(fd, got, 8);\n"
	"    order[k++] = x + 10;\n"
	"    close(fd);\n"
	"}\n"
	"int main() {\n"
	"    go(ask, 1);\n"
	"    go(ask, 2);\n"
	"    go_wait();\n"
	"    return 0;\n"
	"}\n";

START_TEST(a_read_parks_the_coroutine_and_the_worker_runs_another)
{
	struct sim *s = sim_run(park_src);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "order", 0), 1);
	ck_assert_int_eq(sim_global(s, "order", 1), 2);         /* ran while 1 was parked */
	ck_assert_int_eq(sim_global(s, "order", 2), 11);
	ck_assert_int_eq(sim_global(s, "order", 3), 12);
	ck_assert_int_eq(sim_count(s, EV_PARK), 2);
	ck_assert_int_eq(sim_count(s, EV_UNPARK), 2);
	const struct event *p = sim_nth(s, EV_PARK, 0);
	ck_assert(is_worker(s, p->tid));
	ck_assert_int_eq(p->a, WAIT_READ);
	ck_assert_ptr_nonnull(p->from);
	/* the worker never blocks on the socket: only on the run queue */
	for (int i = 0; i < sim_count(s, EV_BLOCK); i++) {
		const struct event *b = sim_nth(s, EV_BLOCK, i);
		if (is_worker(s, b->tid))
			ck_assert_int_eq(b->a, WAIT_RUNQ);
	}
	/* the service's answer unparks it, and a pick goes on with it */
	const struct event *a = sim_nth(s, EV_ANSWER, 0), *u = sim_nth(s, EV_UNPARK, 0);
	ck_assert_uint_eq(u->tick, a->tick);
	ck_assert_int_eq(u->other, p->other);
	ck_assert_int_eq(u->b, p->b);
	ck_assert_int_eq(u->tid, 0);
	ck_assert_int_eq(sim_count(s, EV_PICK), 4);
	ck_assert_uint_ge(sim_nth(s, EV_PICK, 2)->tick, u->tick);
	/* the parked coroutine's read runs again and gets the answer */
	ck_assert_int_eq(sim_nth(s, EV_READ, 0)->a, 4);
}
END_TEST

START_TEST(the_queries_say_where_each_coroutine_is)
{
	struct sim *s = sim_new(park_src);
	ck_assert_int_eq(sim_start(s), 0);
	while (sim_count(s, EV_PARK) < 2 && machine_step(s->m))
		;
	int by[RCO_COUNT];
	ck_assert_int_eq(runtime_counts(s->m, by), 2);
	ck_assert_int_eq(by[RCO_PARKED], 2);
	int w[4];
	ck_assert_uint_eq(runtime_workers(s->m, w, 4), 1);
	ck_assert(runtime_is_worker(s->m, w[0]));
	ck_assert(!runtime_is_worker(s->m, 1));
	ck_assert_int_eq(runtime_running_on(s->m, w[0]), 0);
	struct rco c[2];
	ck_assert_uint_eq(runtime_longest(s->m, RCO_PARKED, c, 2), 2);
	ck_assert_int_eq(c[0].id, sim_nth(s, EV_PARK, 0)->other);     /* longest first */
	ck_assert_int_eq(c[0].wait, WAIT_READ);
	ck_assert_int_eq(c[0].service, 1);
	ck_assert_int_eq(c[0].worker, w[0]);
	struct rco one;
	ck_assert(runtime_coroutine(s->m, c[1].id, &one));
	ck_assert_int_eq(one.state, RCO_PARKED);
	ck_assert(!runtime_coroutine(s->m, 99, &one));
	runtime_worker_counts(s->m, w[0], by);
	ck_assert_int_eq(by[RCO_PARKED], 2);
	sim_finish(s);
}
END_TEST

START_TEST(accept_parks_and_a_connection_wakes_the_oldest_acceptor)
{
	struct sim *s = sim_run(
		"#cores 1\n"
		"#workers 1\n"
		"#clients 2 port 80 send \"hi\" at 100 every 50\n"
		"int l; int who[2]; int k;\n"
		"void acceptor(int x) {\n"
		"    int c = accept(l);\n"
		"    who[k++] = x;\n"
		"    close(c);\n"
		"}\n"
		"int main() {\n"
		"    l = listen(80);\n"
		"    go(acceptor, 1);\n"
		"    go(acceptor, 2);\n"
		"    go_wait();\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "who", 0), 1);
	ck_assert_int_eq(sim_global(s, "who", 1), 2);
	ck_assert_int_eq(sim_count(s, EV_PARK), 2);
	ck_assert_int_eq(sim_nth(s, EV_PARK, 0)->a, WAIT_ACCEPT);
	/* the first connection wakes one acceptor only */
	const struct event *u0 = sim_nth(s, EV_UNPARK, 0), *u1 = sim_nth(s, EV_UNPARK, 1);
	ck_assert_int_eq(u0->other, sim_nth(s, EV_PARK, 0)->other);
	ck_assert_uint_ge(u1->tick, sim_nth(s, EV_CONNECT, 1)->tick);
}
END_TEST

START_TEST(a_yield_goes_to_the_back_of_the_run_queue)
{
	struct sim *s = sim_run(
		"#workers 1\n"
		"int trail[6]; int k;\n"
		"void hop(int x) {\n"
		"    for (int i = 0; i < 3; i++) {\n"
		"        trail[k++] = x;\n"
		"        yield(0);\n"
		"    }\n"
		"}\n"
		"int main() {\n"
		"    go(hop, 1);\n"
		"    go(hop, 2);\n"
		"    go_wait();\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(sim_global(s, "trail", i), 1 + i % 2);
	ck_assert_int_eq(sim_count(s, EV_PICK), 8);             /* 3 yields and the end, each */
}
END_TEST

START_TEST(coroutines_move_between_workers)
{
	struct sim *s = sim_run(
		"#cores 2\n"
		"#workers 2\n"
		"#service a port 9001 latency 30 reply \"x\"\n"
		"#service b port 9002 latency 47 reply \"y\"\n"
		"void ask(int x) {\n"
		"    char req[2] = \"?\"; char got[4];\n"
		"    for (int i = 0; i < 3; i++) {\n"
		"        int fd = connect(9001 + (x + i) % 2);\n"
		"        write(fd, req, 1);\n"
		"        read(fd, got, 4);\n"
		"        close(fd);\n"
		"    }\n"
		"}\n"
		"int main() {\n"
		"    for (int i = 0; i < 4; i++)\n"
		"        go(ask, i);\n"
		"    go_wait();\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	int moved = 0;
	for (int i = 0; i < sim_count(s, EV_PICK); i++) {
		const struct event *p = sim_nth(s, EV_PICK, i);
		if (p->a) {
			ck_assert(is_worker(s, (int)p->a));
			ck_assert_int_ne((int)p->a, p->tid);
			moved++;
		}
	}
	ck_assert_int_gt(moved, 0);
	ck_assert_int_eq(sim_count(s, EV_PARK), 12);
}
END_TEST

START_TEST(go_wait_in_a_coroutine_of_the_runtime_is_a_fault)
{
	struct sim *s = sim_run(
		"void w(int x) { go_wait(); }\n"
		"int main() { go(w, 0); go_wait(); return 0; }\n");
	ck_assert_int_eq(sim_end(s), END_FAULT);
	ck_assert_int_eq(sim_nth(s, EV_FAULT, 0)->a, FAULT_BADCALL);
}
END_TEST

START_TEST(go_wait_with_nothing_started_returns_at_once)
{
	struct sim *s = sim_run("int n = -1;\nint main() { n = go_wait(); return 0; }\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "n", 0), 0);
	ck_assert_int_eq(sim_count(s, EV_SPAWN), 0);
}
END_TEST

START_TEST(a_snapshot_of_the_runtime_runs_on_the_same)
{
	struct sim *s = sim_new(park_src);
	ck_assert_int_eq(sim_start(s), 0);
	while (sim_count(s, EV_PARK) < 1 && machine_step(s->m))
		;
	struct sim *c = sim_copy(s);
	size_t from = s->log.n;
	sim_finish(s);
	sim_finish(c);
	ck_assert_int_eq(sim_end(c), END_OK);
	ck_assert_int_eq(sim_global(c, "order", 3), 12);
	assert_same_lines(evlog_format(&c->log, 0), evlog_format(&s->log, from), "original vs copy");
}
END_TEST

START_TEST(the_explorer_runs_the_runtime_s_steps_as_steps)
{
	struct sim *s = sim_new(
		"#workers 2\n"
		"int hits;\n"
		"void add(int x) { atomic_add(&hits, 1); }\n"
		"int main() {\n"
		"    go(add, 0);\n"
		"    go(add, 0);\n"
		"    go_wait();\n"
		"    print(\"%d\", hits);\n"
		"    return 0;\n"
		"}\n");
	struct explore_options o = { .max_preemptions = 1, .max_states = 200000 };
	struct explore_result *r = at_test_end(xcalloc(1, sizeof *r));
	char err[160];
	ck_assert_msg(explore(s->sc->image, &s->cfg, &s->lim, &o, r, err, sizeof err) == 0,
		      "explore: %s", err);
	ck_assert_int_eq(r->failed, -1);
	ck_assert_uint_ge(r->noutcomes, 1);
	for (size_t i = 0; i < r->noutcomes; i++) {
		ck_assert_int_eq(r->outcomes[i].end, END_OK);
		ck_assert_str_eq(r->outcomes[i].out, "2");
	}
	ck_assert_uint_gt(r->schedules, 1);
	explore_result_free(r);
}
END_TEST

START_TEST(the_explorer_finds_both_orders_of_two_unparks)
{
	/* two coroutines parked in read on one worker: which request comes
	 * first decides which coroutine runs first */
	struct sim *s = sim_new(
		"#clients 2 port 80 send \"a\"\n"
		"#workers 1\n"
		"int first = 0;\n"
		"void h(int c) {\n"
		"    char b[4];\n"
		"    read(c, b, 4);\n"
		"    if (!first)\n"
		"        first = c;\n"
		"    write(c, b, 1);\n"
		"    close(c);\n"
		"}\n"
		"int main() {\n"
		"    int l = listen(80);\n"
		"    int c1 = accept(l);\n"
		"    go(h, c1);\n"
		"    int c2 = accept(l);\n"
		"    go(h, c2);\n"
		"    go_wait();\n"
		"    print(\"%d\", first);\n"
		"    return 0;\n"
		"}\n");
	struct explore_options o = { .max_preemptions = -1, .max_states = 100000 };
	struct explore_result *r = at_test_end(xcalloc(1, sizeof *r));
	char err[160];
	ck_assert_msg(explore(s->sc->image, &s->cfg, &s->lim, &o, r, err, sizeof err) == 0,
		      "explore: %s", err);
	ck_assert_int_eq(r->stop, EXPLORE_COMPLETE);
	int four = 0, five = 0;
	for (size_t i = 0; i < r->noutcomes; i++) {
		ck_assert_int_eq(r->outcomes[i].end, END_OK);
		four += !strcmp(r->outcomes[i].out, "4");
		five += !strcmp(r->outcomes[i].out, "5");
	}
	ck_assert_int_eq(four, 1);
	ck_assert_int_eq(five, 1);
	explore_result_free(r);
}
END_TEST

Suite *runtime_suite(void)
{
	Suite *s = suite_create("runtime");
	TCase *tc = sim_tcase("runtime");
	tcase_add_test(tc, go_runs_every_coroutine_on_the_workers_and_go_wait_counts_them);
	tcase_add_test(tc, the_pool_has_one_worker_per_core_unless_workers_says);
	tcase_add_test(tc, a_read_parks_the_coroutine_and_the_worker_runs_another);
	tcase_add_test(tc, the_queries_say_where_each_coroutine_is);
	tcase_add_test(tc, accept_parks_and_a_connection_wakes_the_oldest_acceptor);
	tcase_add_test(tc, a_yield_goes_to_the_back_of_the_run_queue);
	tcase_add_test(tc, coroutines_move_between_workers);
	tcase_add_test(tc, go_wait_in_a_coroutine_of_the_runtime_is_a_fault);
	tcase_add_test(tc, go_wait_with_nothing_started_returns_at_once);
	tcase_add_test(tc, a_snapshot_of_the_runtime_runs_on_the_same);
	tcase_add_test(tc, the_explorer_runs_the_runtime_s_steps_as_steps);
	tcase_add_test(tc, the_explorer_finds_both_orders_of_two_unparks);
	suite_add_tcase(s, tc);
	return s;
}
