/* test_export: the exports' builders, fed the events of real runs — the
 * Perfetto JSON, the wait-for graph, the state graph — and the words
 * that name a wait. */
#include <stdio.h>
#include <string.h>

#include "out/dot.h"
#include "out/explain.h"
#include "out/perfetto.h"
#include "sim.h"

/* A run whose events also go to the exporters. */
struct fed {
	struct sim *s;
	struct event_sink log;
	struct perfetto *pf;
	struct dot_wait *dw;
	struct buf json, dot;
};

/* The sink of a fed run: the log, then the exporters. */
static void feed(void *ctx, const struct event *e)
{
	struct fed *f = ctx;
	f->log.fn(f->log.ctx, e);
	perfetto_event(f->pf, e);
	if (DOT_WAIT_EVENTS & EV_BIT(e->kind))
		dot_wait_event(f->dw, e);
}

/* Run src on one core (rr, quantum q) with both exporters; their texts in
 * f->json and f->dot. */
static struct fed *fed_run(const char *src, int q)
{
	struct fed *f = at_test_end(xcalloc(1, sizeof *f));
	f->s = sim_new(src);
	f->s->cfg.cores = 1;
	f->s->cfg.policy = POLICY_RR;
	f->s->cfg.quantum = q;
	ck_assert_msg(sim_start(f->s) == 0, "machine_init: %s", f->s->err);
	f->pf = perfetto_new(f->s->sc, f->s->m);
	f->dw = dot_wait_new(f->s->sc, f->s->m);
	f->log = evlog_sink(&f->s->log);
	machine_set_sink(f->s->m, (struct event_sink){ feed, f, EV_ALL });
	sim_finish(f->s);
	perfetto_finish(f->pf, &f->json);
	dot_wait_write(f->dw, f->s->m, &f->dot);
	perfetto_free(f->pf);
	dot_wait_free(f->dw);
	at_test_end(f->json.s);
	at_test_end(f->dot.s);
	return f;
}

/* How many times needle is in hay. */
static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static const char contended[] =
	"mutex m;\n"
	"int counter;\n"
	"void worker(int n) {\n"
	"    for (int i = 0; i < n; i++) { lock(m); counter++; sched_yield(); unlock(m); }\n"
	"}\n"
	"int main() {\n"
	"    int a = spawn(worker, 2);\n"
	"    int b = spawn(worker, 2);\n"
	"    join(a);\n"
	"    join(b);\n"
	"    return 0;\n"
	"}\n";

static const char deadlock[] =
	"mutex a; mutex b;\n"
	"void left() { lock(a); sched_yield(); lock(b); }\n"
	"void right() { lock(b); sched_yield(); lock(a); }\n"
	"int main() {\n"
	"    int l = spawn(left);\n"
	"    int r = spawn(right);\n"
	"    join(l);\n"
	"    join(r);\n"
	"    return 0;\n"
	"}\n";

START_TEST(explain_wait_names_each_kind_of_wait)
{
	struct sim *s = sim_run("mutex m; semaphore items = 0;\nint main() { return 0; }\n");
	static const struct {
		int kind;
		const char *name;       /* a global, or NULL: on is a number */
		uint64_t on;
		const char *want;
	} cases[] = {
		{ WAIT_MUTEX, "m", 0, "mutex m" },
		{ WAIT_SEM, "items", 0, "semaphore items" },
		{ WAIT_JOIN, NULL, 2, "join T2" },
		{ WAIT_SLEEP, NULL, 40, "sleep until tick 40" },
		{ WAIT_CHILD, NULL, 3, "wait P3" },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct buf b = { 0 };
		uint64_t on = cases[i].name ? sim_addr(s, cases[i].name) : cases[i].on;
		explain_wait(s->sc, s->m, 1, cases[i].kind, on, &b);
		ck_assert_str_eq(b.s, cases[i].want);
		buf_free(&b);
	}
	for (int k = 0; k < WAIT_COUNT; k++) {   /* every kind has its words */
		struct buf b = { 0 };
		explain_wait(s->sc, s->m, 1, k, 0x600000, &b);
		ck_assert_msg(b.len > 0 && strcmp(b.s, "wait") != 0, "wait kind %d has no words", k);
		buf_free(&b);
	}
}
END_TEST

START_TEST(perfetto_names_tracks_and_blocked_slices)
{
	struct fed *f = fed_run(contended, 6);
	const char *j = f->json.s;
	ck_assert_ptr_nonnull(strstr(j, "{\"traceEvents\":[\n"));
	ck_assert_ptr_nonnull(strstr(j, "\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1"));
	ck_assert_ptr_nonnull(strstr(j, "\"args\":{\"name\":\"T2 (worker)\"}"));
	ck_assert_ptr_nonnull(strstr(j, "\"args\":{\"name\":\"T3 (worker)\"}"));
	ck_assert_ptr_nonnull(strstr(j, "\"name\":\"worker\",\"cat\":\"running\",\"ph\":\"X\""));
	ck_assert_ptr_nonnull(strstr(j, "\"name\":\"mutex m\",\"cat\":\"blocked\",\"ph\":\"X\""));
	ck_assert_ptr_nonnull(strstr(j, "\"name\":\"join T2\",\"cat\":\"blocked\""));
	ck_assert_ptr_nonnull(strstr(j, "\"time\":\"one tick of the simulated machine is one "
					"microsecond"));
	ck_assert_ptr_nonnull(strstr(j, "\"end\":\"main returned 0\"}}\n"));
}
END_TEST

START_TEST(perfetto_links_unlocks_to_locks_and_spawns_to_first_runs)
{
	struct fed *f = fed_run(contended, 6);
	const char *j = f->json.s;
	int starts = count(j, "\"name\":\"unlock to lock\",\"cat\":\"flow\",\"ph\":\"s\"");
	int ends = count(j, "\"name\":\"unlock to lock\",\"cat\":\"flow\",\"ph\":\"f\",\"bp\":\"e\"");
	ck_assert_int_gt(starts, 0);
	ck_assert_int_eq(starts, ends);
	ck_assert_int_eq(count(j, "\"name\":\"spawn\",\"cat\":\"flow\",\"ph\":\"s\""), 2);
	ck_assert_int_eq(count(j, "\"name\":\"spawn\",\"cat\":\"flow\",\"ph\":\"f\""), 2);
	ck_assert_int_ge(count(j, "\"name\":\"exit to join\",\"cat\":\"flow\",\"ph\":\"s\""), 1);
	ck_assert_int_ge(count(j, "\"name\":\"ready threads\",\"ph\":\"C\""), 2);
}
END_TEST

START_TEST(perfetto_counts_the_heap_and_marks_failures)
{
	struct fed *f = fed_run("int main() {\n"
				"    int *p = malloc(32);\n"
				"    free(p);\n"
				"    assert(p == 0);\n"
				"    return 0;\n"
				"}\n", 100);
	const char *j = f->json.s;
	ck_assert_ptr_nonnull(strstr(j, "\"name\":\"heap bytes in use\",\"ph\":\"C\""));
	ck_assert_ptr_nonnull(strstr(j, "\"args\":{\"bytes\":32}"));
	ck_assert_int_eq(count(j, "\"args\":{\"bytes\":0}"), 2);       /* before and after */
	ck_assert_ptr_nonnull(strstr(j, "\"name\":\"assertion failed: p == 0\",\"cat\":\"assert\","
					"\"ph\":\"i\",\"s\":\"t\""));
}
END_TEST

START_TEST(perfetto_escapes_strings)
{
	struct fed *f = fed_run("int main() { assert('\"' == 1 && '\\\\' == 1); return 0; }\n", 100);
	ck_assert_ptr_nonnull(strstr(f->json.s, "\"assertion failed: '\\\"' == 1 && '\\\\\\\\' == 1\""));
}
END_TEST

/* Two clients of an echo server: a request in two pieces, then one whole. */
static const char echo2[] =
	"#clients 1 port 80 send \"ping\" latency 2 pieces 2 gap 5\n"
	"#clients 1 port 80 send \"pong\" at 200 latency 2\n"
	"int buf[4];\n"
	"int main() {\n"
	"    int l = listen(80);\n"
	"    for (int i = 0; i < 2; i++) {\n"
	"        int c = accept(l);\n"
	"        sleep(20);\n"
	"        int n = read(c, buf, 32);\n"
	"        write(c, buf, n);\n"
	"        close(c);\n"
	"    }\n"
	"    return 0;\n"
	"}\n";

START_TEST(perfetto_draws_the_clients_and_links_requests_and_replies)
{
	struct fed *f = fed_run(echo2, 2);
	const char *j = f->json.s;
	ck_assert_ptr_nonnull(strstr(j, "\"args\":{\"name\":\"network: the clients outside the machine\"}"));
	ck_assert_ptr_nonnull(strstr(j, "\"args\":{\"name\":\"client 1\"}"));
	ck_assert_ptr_nonnull(strstr(j, "\"args\":{\"name\":\"client 2\"}"));
	ck_assert_int_eq(count(j, "\"name\":\"waiting for its reply\""), 2);
	/* the first request's two pieces both go to the one read that takes them */
	ck_assert_int_eq(count(j, "\"name\":\"request to read\",\"cat\":\"flow\",\"ph\":\"s\""), 3);
	ck_assert_int_eq(count(j, "\"name\":\"request to read\",\"cat\":\"flow\",\"ph\":\"f\""), 3);
	ck_assert_int_eq(count(j, "\"name\":\"write to reply\",\"cat\":\"flow\",\"ph\":\"s\""), 2);
	ck_assert_int_eq(count(j, "\"name\":\"write to reply\",\"cat\":\"flow\",\"ph\":\"f\""), 2);
	ck_assert_ptr_nonnull(strstr(j, "\"name\":\"open connections\",\"ph\":\"C\""));
	ck_assert_ptr_nonnull(strstr(j, "\"args\":{\"connections\":1}"));
	ck_assert_ptr_null(strstr(j, "\"args\":{\"connections\":2}"));    /* one at a time */
}
END_TEST

START_TEST(perfetto_has_no_network_without_clients)
{
	struct fed *f = fed_run(contended, 2);
	ck_assert_ptr_null(strstr(f->json.s, "network"));
	ck_assert_ptr_null(strstr(f->json.s, "open connections"));
}
END_TEST

START_TEST(dot_wait_draws_the_deadlock_cycle_in_red)
{
	struct fed *f = fed_run(deadlock, 20);
	const char *d = f->dot.s;
	ck_assert_int_eq(sim_end(f->s), END_DEADLOCK);
	ck_assert_ptr_nonnull(strstr(d, "digraph \"wait-for\" {\n"));
	ck_assert_ptr_nonnull(strstr(d, "(deadlock: T2 -> T3 -> T2)"));
	ck_assert_ptr_nonnull(strstr(d, "\tT2 [label=\"T2 (left)\\nblocked\", shape=ellipse, color=red"));
	ck_assert_ptr_nonnull(strstr(d, "\tT3 [label=\"T3 (right)\\nblocked\", shape=ellipse, color=red"));
	ck_assert_ptr_nonnull(strstr(d, "\tT1 [label=\"T1 (main)\\nblocked\", shape=ellipse];"));
	ck_assert_ptr_nonnull(strstr(d, "[label=\"mutex a\", shape=box, color=red"));
	ck_assert_ptr_nonnull(strstr(d, "\tT1 -> T2 [label=\"join (line 7)\"];"));
	ck_assert_int_eq(count(d, "[label=\"held by\", color=red"), 2);
	ck_assert_int_eq(count(d, "[label=\"waits (line "), 2);
}
END_TEST

START_TEST(dot_wait_of_a_good_run_has_no_cycle)
{
	struct fed *f = fed_run(contended, 6);
	ck_assert_ptr_null(strstr(f->dot.s, "red"));
	ck_assert_ptr_nonnull(strstr(f->dot.s, "\tT2 [label=\"T2 (worker)\\nended\", shape=ellipse, "
					       "style=dashed"));
}
END_TEST

/* The judge of the state graph's tests: an assertion failure fails. */
static enum verdict judge(void *ctx, const struct machine *m, const char *out, size_t len,
			  struct buf *why)
{
	(void)ctx, (void)out, (void)len;
	if (m->end == END_OK)
		return VERDICT_OK;
	buf_puts(why, end_status_names[m->end]);
	return VERDICT_FAILED;
}

START_TEST(dot_states_draws_what_the_search_told)
{
	struct sim *s = sim_new("int counter;\n"
				"void w() { counter++; }\n"
				"int main() { int a = spawn(w); int b = spawn(w); join(a); join(b);\n"
				"    assert(counter == 2); return 0; }\n");
	struct dot_states *g = dot_states_new();
	struct explore_options o = { .max_preemptions = -1, .max_states = 100000, .judge = judge,
				     .on_step = dot_states_step, .step_ctx = g };
	struct explore_result r;
	char err[160];
	ck_assert(explore(s->sc->image, &s->cfg, &s->lim, &o, &r, err, sizeof err) == 0);
	ck_assert_int_eq(dot_states_count(g), r.states);
	struct buf b = { 0 };
	ck_assert_int_eq(dot_states_write(g, s->sc, &b), 0);
	ck_assert_ptr_nonnull(strstr(b.s, "\tS0 [label=\"start\", shape=doublecircle];"));
	ck_assert_ptr_nonnull(strstr(b.s, "[label=\"FAILED: assert\", shape=doubleoctagon, color=red"));
	ck_assert_ptr_nonnull(strstr(b.s, "[label=\"ok\", shape=box];"));
	ck_assert_ptr_nonnull(strstr(b.s, "\tS0 -> S1 [label=\"T1\"];"));
	ck_assert_int_ge(count(b.s, " -> E"), (int)r.noutcomes);
	buf_free(&b);
	explore_result_free(&r);
	dot_states_free(g);
}
END_TEST

START_TEST(dot_states_refuses_a_graph_too_big_to_draw)
{
	struct dot_states *g = dot_states_new();
	for (uint32_t i = 0; i < DOT_MAX_STATES; i++)
		dot_states_step(g, &(struct explore_step){ .from = i, .to = i + 1, .tid = 1 });
	ck_assert_int_eq(dot_states_count(g), DOT_MAX_STATES + 1);
	struct buf b = { 0 };
	ck_assert_int_eq(dot_states_write(g, NULL, &b), -1);
	ck_assert_uint_eq(b.len, 0);
	dot_states_free(g);
}
END_TEST

START_TEST(dot_quote_escapes_quotes_and_newlines)
{
	struct buf b = { 0 };
	dot_quote(&b, "a\"b\\c\nd", 7);
	ck_assert_str_eq(b.s, "\"a\\\"b\\\\c\\nd\"");
	buf_free(&b);
}
END_TEST

Suite *export_suite(void)
{
	Suite *s = suite_create("export");
	TCase *tc = sim_tcase("explain_wait");
	tcase_add_test(tc, explain_wait_names_each_kind_of_wait);
	suite_add_tcase(s, tc);

	tc = sim_tcase("perfetto");
	tcase_add_test(tc, perfetto_names_tracks_and_blocked_slices);
	tcase_add_test(tc, perfetto_links_unlocks_to_locks_and_spawns_to_first_runs);
	tcase_add_test(tc, perfetto_counts_the_heap_and_marks_failures);
	tcase_add_test(tc, perfetto_escapes_strings);
	tcase_add_test(tc, perfetto_draws_the_clients_and_links_requests_and_replies);
	tcase_add_test(tc, perfetto_has_no_network_without_clients);
	suite_add_tcase(s, tc);

	tc = sim_tcase("dot");
	tcase_add_test(tc, dot_wait_draws_the_deadlock_cycle_in_red);
	tcase_add_test(tc, dot_wait_of_a_good_run_has_no_cycle);
	tcase_add_test(tc, dot_states_draws_what_the_search_told);
	tcase_add_test(tc, dot_states_refuses_a_graph_too_big_to_draw);
	tcase_add_test(tc, dot_quote_escapes_quotes_and_newlines);
	suite_add_tcase(s, tc);
	return s;
}
