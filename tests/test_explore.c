/* Tests of the explorer: schedule counts known by hand, with and
 * without reduction, the preemption bound, outcomes and their
 * schedules replaying exactly, deadlocks, spinning, the limits. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"
#include "sim/explore.h"

/* A judge: anything but main returning 0 fails; a limit is a limit. */
static enum verdict judge(void *ctx, const struct machine *m, const char *out, size_t len,
			  struct buf *why)
{
	(void)ctx, (void)out, (void)len;
	if (m->end == END_LIMIT)
		return VERDICT_LIMIT;
	if (m->end != END_OK || m->exit_status) {
		buf_puts(why, end_status_names[m->end]);
		return VERDICT_FAILED;
	}
	return VERDICT_OK;
}

/* Explore the program src with options o (the judge above). */
static struct explore_result *explore_src(const char *src, struct explore_options o)
{
	struct sim *s = sim_new(src);
	struct explore_result *r = at_test_end(xcalloc(1, sizeof *r));
	char err[160];
	o.judge = judge;
	ck_assert_msg(explore(s->sc->image, &s->cfg, &s->lim, &o, r, err, sizeof err) == 0,
		      "explore: %s", err);
	return r;
}

/* Explore the program src with bound (-1: none) and reduction. */
static struct explore_result *search(const char *src, int bound, int reduction)
{
	return explore_src(src, (struct explore_options){ .max_preemptions = bound,
							  .no_reduction = !reduction,
							  .max_states = 100000 });
}

/* The outcome that printed text, or NULL. */
static const struct explore_outcome *printed(const struct explore_result *r, const char *text)
{
	for (size_t i = 0; i < r->noutcomes; i++)
		if (!strcmp(r->outcomes[i].out, text))
			return &r->outcomes[i];
	return NULL;
}

/* main's three stores and the worker's two and its end: six steps in
 * two threads, 3 + 3 choose 3 = 20 interleavings; all on different
 * words, so one class of equivalent ones. */
static const char independent[] =
	"int x; int y; int u; int v; int w;\n"
	"void b() { x = 1; y = 1; }\n"
	"int main() {\n"
	"    int t = spawn(b);\n"
	"    u = 1; v = 1; w = 1;\n"
	"    join(t);\n"
	"    return 0;\n"
	"}\n";

START_TEST(test_explore_twenty_interleavings)
{
	struct explore_result *r = search(independent, -1, 0);
	ck_assert_int_eq(r->stop, EXPLORE_COMPLETE);
	ck_assert_uint_eq(r->schedules, 20);
	ck_assert_uint_eq(r->noutcomes, 1);
	ck_assert_int_eq(r->failed, -1);
	explore_result_free(r);
	r = search(independent, -1, 1);
	ck_assert_uint_eq(r->schedules, 1);
	explore_result_free(r);
}
END_TEST

/* The same shape, every store to one word: the order of the five
 * stores matters (5 choose 2 = 10 classes), the worker's end does not. */
START_TEST(test_explore_dependent_steps)
{
	static const char src[] =
		"int x;\n"
		"void b() { x = 4; x = 5; }\n"
		"int main() {\n"
		"    int t = spawn(b);\n"
		"    x = 1; x = 2; x = 3;\n"
		"    join(t);\n"
		"    print(\"%d\", x);\n"
		"    return 0;\n"
		"}\n";
	struct explore_result *r = search(src, -1, 0);
	ck_assert_uint_eq(r->schedules, 20);
	explore_result_free(r);
	r = search(src, -1, 1);
	ck_assert_uint_eq(r->schedules, 10);
	/* the last store wins: 3 when main's x = 3 comes after the worker's
	 * x = 5 (4 choose 2 = 6 orders of the rest), else 5 (4) */
	ck_assert_uint_eq(printed(r, "3")->count, 6);
	ck_assert_uint_eq(printed(r, "5")->count, 4);
	explore_result_free(r);
}
END_TEST

/* Bytes: stores to two bytes of one word commute, like stores to two
 * words (one class); stores to one byte do not, and neither does a
 * byte and the whole word that holds it. */
START_TEST(test_explore_bytes)
{
	static const char apart[] =
		"char c[8];\n"
		"void b() { c[1] = 4; c[1] = 5; }\n"
		"int main() {\n"
		"    int t = spawn(b);\n"
		"    c[2] = 1; c[2] = 2; c[2] = 3;\n"
		"    join(t);\n"
		"    print(\"%d %d\", c[1], c[2]);\n"
		"    return 0;\n"
		"}\n";
	struct explore_result *r = search(apart, -1, 1);
	ck_assert_uint_eq(r->schedules, 1);
	ck_assert_ptr_nonnull(printed(r, "5 3"));
	explore_result_free(r);
	static const char same[] =
		"char c[8];\n"
		"void b() { c[1] = 4; c[1] = 5; }\n"
		"int main() {\n"
		"    int t = spawn(b);\n"
		"    c[1] = 1; c[1] = 2; c[1] = 3;\n"
		"    join(t);\n"
		"    print(\"%d\", c[1]);\n"
		"    return 0;\n"
		"}\n";
	r = search(same, -1, 1);
	ck_assert_uint_eq(r->schedules, 10);    /* as test_explore_dependent_steps */
	ck_assert_uint_eq(printed(r, "3")->count, 6);
	ck_assert_uint_eq(printed(r, "5")->count, 4);
	explore_result_free(r);
	static const char mixed[] =
		"int w;\n"
		"void b() { char *p = &w; p[1] = 1; }\n"
		"int main() {\n"
		"    int t = spawn(b);\n"
		"    w = 0;\n"
		"    join(t);\n"
		"    print(\"%d\", w);\n"
		"    return 0;\n"
		"}\n";
	r = search(mixed, -1, 1);
	ck_assert_ptr_nonnull(printed(r, "0"));
	ck_assert_ptr_nonnull(printed(r, "256"));
	explore_result_free(r);
}
END_TEST

/* The lost update with one round per worker.  With reduction, by hand:
 * a spawn touches only the id of the thread it makes, so what counts
 * is the order of the workers' loads and stores of c: one whole before
 * the other (2 classes), or both loads before both stores, either
 * store first (2 classes, each losing an update): 4, 2 lost. */
static const char lost_update[] =
	"int c;\n"
	"void w() { c++; }\n"
	"int main() {\n"
	"    int a = spawn(w);\n"
	"    int b = spawn(w);\n"
	"    join(a);\n"
	"    join(b);\n"
	"    print(\"c = %d\", c);\n"
	"    assert(c == 2);\n"
	"    return 0;\n"
	"}\n";

START_TEST(test_explore_lost_update)
{
	struct explore_result *r = search(lost_update, -1, 1);
	ck_assert_int_eq(r->stop, EXPLORE_COMPLETE);
	ck_assert_uint_eq(r->schedules, 4);
	ck_assert_uint_eq(r->noutcomes, 2);
	const struct explore_outcome *ok = printed(r, "c = 2"), *lost = printed(r, "c = 1");
	ck_assert_ptr_nonnull(ok);
	ck_assert_ptr_nonnull(lost);
	ck_assert_uint_eq(ok->count, 2);
	ck_assert_uint_eq(lost->count, 2);
	ck_assert_int_eq(ok->verdict, VERDICT_OK);
	ck_assert_int_eq(lost->verdict, VERDICT_FAILED);
	ck_assert_int_eq(lost->end, END_ASSERT);
	ck_assert_ptr_eq(&r->outcomes[r->failed], lost);
	explore_result_free(r);
}
END_TEST

/* Every outcome's schedule, replayed by the script policy on one core
 * or on four, ends the same way with the same output. */
START_TEST(test_explore_schedules_replay)
{
	for (int cores = 1; cores <= 4; cores += 3) {
		struct sim *s = sim_new(lost_update);
		s->cfg.cores = cores;
		s->cfg.switch_cost = cores == 4 ? 2 : 0;
		struct explore_options o = { .max_preemptions = -1, .max_states = 100000,
					     .judge = judge };
		struct explore_result r;
		char err[160];
		ck_assert(explore(s->sc->image, &s->cfg, &s->lim, &o, &r, err, sizeof err) == 0);
		ck_assert_uint_eq(r.noutcomes, 2);
		for (size_t i = 0; i < r.noutcomes; i++) {
			const struct explore_outcome *x = &r.outcomes[i];
			struct sim *p = sim_new(lost_update);
			p->cfg = s->cfg;
			p->cfg.policy = POLICY_SCRIPT;
			p->cfg.schedule = x->schedule;
			ck_assert_msg(sim_start(p) == 0, "%s: %s", x->schedule, p->err);
			sim_finish(p);
			ck_assert_int_eq(sim_end(p), x->end);
			ck_assert_str_eq(sim_output(p), x->out);
			p->cfg.schedule = NULL;
		}
		explore_result_free(&r);
	}
}
END_TEST

/* No preemption: main runs until join can not go on, then the worker.
 * At most one: main takes k of its 3 stores (k = 0..3), the worker all
 * of its steps, then main the rest: 4.  (A switch away from a thread
 * that can not go on is no preemption.) */
START_TEST(test_explore_preemption_bound)
{
	struct explore_result *r = search(independent, 0, 0);
	ck_assert_uint_eq(r->schedules, 1);
	ck_assert_uint_gt(r->cut_by_bound, 0);
	ck_assert_int_eq(r->stop, EXPLORE_COMPLETE);
	explore_result_free(r);
	r = search(independent, 1, 0);
	ck_assert_uint_eq(r->schedules, 4);
	explore_result_free(r);
	/* strict alternation from the worker's first step, b1 m1 b2 m2 be
	 * m3, takes five preemptions: a bound of 4 leaves it out, 5 none */
	r = search(independent, 4, 0);
	ck_assert_uint_eq(r->schedules, 19);
	ck_assert_uint_gt(r->cut_by_bound, 0);
	explore_result_free(r);
	r = search(independent, 5, 0);
	ck_assert_uint_eq(r->schedules, 20);
	ck_assert_uint_eq(r->cut_by_bound, 0);
	explore_result_free(r);
}
END_TEST

/* Two mutexes in opposite orders: some schedules deadlock, the rest
 * end well; taken in one order, none deadlocks. */
START_TEST(test_explore_deadlock)
{
	static const char crossed[] =
		"mutex a; mutex b;\n"
		"void left() { lock(a); lock(b); unlock(b); unlock(a); }\n"
		"void right() { lock(b); lock(a); unlock(a); unlock(b); }\n"
		"int main() {\n"
		"    int l = spawn(left); int r = spawn(right);\n"
		"    join(l); join(r);\n"
		"    return 0;\n"
		"}\n";
	struct explore_result *r = search(crossed, -1, 1);
	ck_assert_int_ge(r->failed, 0);
	ck_assert_int_eq(r->outcomes[r->failed].end, END_DEADLOCK);
	ck_assert_uint_eq(r->noutcomes, 2);
	explore_result_free(r);

	char ordered[sizeof crossed];
	strcpy(ordered, crossed);
	memcpy(strstr(ordered, "lock(b); lock(a); unlock(a); unlock(b)"),
	       "lock(a); lock(b); unlock(b); unlock(a)", 38);
	r = search(ordered, -1, 1);
	ck_assert_int_eq(r->failed, -1);
	ck_assert_uint_eq(r->noutcomes, 1);
	ck_assert_int_eq(r->outcomes[0].end, END_OK);
	explore_result_free(r);
}
END_TEST

/* A thread spinning on a flag comes back to the same state: the
 * search cuts the loop and still finishes, counting a finite number. */
START_TEST(test_explore_spinning)
{
	static const char src[] =
		"int flag; int seen;\n"
		"void setter() { flag = 1; }\n"
		"int main() {\n"
		"    int t = spawn(setter);\n"
		"    while (!flag) { }\n"
		"    seen = 1;\n"
		"    join(t);\n"
		"    return 0;\n"
		"}\n";
	struct explore_result *r = search(src, -1, 0);
	ck_assert_int_eq(r->stop, EXPLORE_COMPLETE);
	ck_assert_uint_gt(r->cycles, 0);
	ck_assert_uint_gt(r->schedules, 0);
	ck_assert_int_eq(r->failed, -1);
	explore_result_free(r);
}
END_TEST

/* The same search twice gives the same counts and schedules. */
START_TEST(test_explore_is_deterministic)
{
	struct explore_result *a = search(lost_update, -1, 1), *b = search(lost_update, -1, 1);
	ck_assert_uint_eq(a->noutcomes, b->noutcomes);
	ck_assert_uint_eq(a->states, b->states);
	ck_assert_uint_eq(a->steps, b->steps);
	for (size_t i = 0; i < a->noutcomes; i++) {
		ck_assert_uint_eq(a->outcomes[i].count, b->outcomes[i].count);
		ck_assert_str_eq(a->outcomes[i].schedule, b->outcomes[i].schedule);
	}
	explore_result_free(a);
	explore_result_free(b);
}
END_TEST

/* Explore src with jobs host threads, on them from the first state. */
static struct explore_result *search_jobs(const char *src, int bound, int max_states, int jobs)
{
	return explore_src(src, (struct explore_options){ .max_preemptions = bound,
							  .max_states = (uint64_t)max_states,
							  .jobs = jobs, .alone_first = 1 });
}

/* Three threads spinning on a flag lock that is no lock: cycles cut,
 * a failure, a few thousand states. */
static const char spinning[] =
	"int busy; int in;\n"
	"void w() { while (busy) { } busy = 1; in++; if (in != 1) exit(1); in--; busy = 0; }\n"
	"int main() {\n"
	"    int a = spawn(w); int b = spawn(w); int c = spawn(w);\n"
	"    join(a); join(b); join(c);\n"
	"    return 0;\n"
	"}\n";

/* Three threads adding twice to one counter. */
static const char three_adders[] =
	"int c;\n"
	"void w() { c++; c++; }\n"
	"int main() {\n"
	"    int a = spawn(w); int b = spawn(w); int d = spawn(w);\n"
	"    join(a); join(b); join(d);\n"
	"    return c == 6 ? 0 : 1;\n"
	"}\n";

/* Several host threads give what one gives: the counts, the outcomes in
 * their order, their schedules, the states and steps, the cuts and
 * cycles; complete, bounded, and stopped by max_states.  Where nothing
 * asks for one thread to search again (shared says so), the threads'
 * graph gave it. */
START_TEST(test_explore_jobs_same_as_one)
{
	static const struct { const char *src; int bound, max_states, shared; } c[] = {
		{ lost_update, -1, 100000, 1 },
		{ three_adders, -1, 100000, 1 },
		{ three_adders, 0, 100000, 1 },
		{ three_adders, 1, 100000, 1 },
		{ independent, 0, 100000, 1 },
		{ spinning, 0, 100000, 1 },
		{ three_adders, -1, 50, 0 },
		{ spinning, -1, 100000, 1 },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct explore_result *a = search_jobs(c[i].src, c[i].bound, c[i].max_states, 1);
		for (int jobs = 2; jobs <= 3; jobs++) {
			struct explore_result *b = search_jobs(c[i].src, c[i].bound, c[i].max_states,
							       jobs);
			ck_assert_int_eq(a->jobs, 1);
			if (c[i].shared)
				ck_assert_msg(b->jobs == jobs, "case %zu: %d jobs searched, not %d", i,
					      b->jobs, jobs);
			ck_assert_int_eq(a->stop, b->stop);
			ck_assert_uint_eq(a->schedules, b->schedules);
			ck_assert_uint_eq(a->states, b->states);
			ck_assert_uint_eq(a->steps, b->steps);
			ck_assert_uint_eq(a->cut_by_bound, b->cut_by_bound);
			ck_assert_uint_eq(a->cycles, b->cycles);
			ck_assert_int_eq(a->failed, b->failed);
			ck_assert_uint_eq(a->noutcomes, b->noutcomes);
			for (size_t j = 0; j < a->noutcomes; j++) {
				ck_assert_uint_eq(a->outcomes[j].count, b->outcomes[j].count);
				ck_assert_str_eq(a->outcomes[j].out, b->outcomes[j].out);
				ck_assert_str_eq(a->outcomes[j].schedule, b->outcomes[j].schedule);
			}
			explore_result_free(b);
		}
		explore_result_free(a);
	}
}
END_TEST

/* The shortest failing schedule: here the lost update needs the two
 * loads before the two stores, and nothing shorter fails. */
START_TEST(test_explore_shortest_failure)
{
	struct explore_result *r = search(lost_update, -1, 0);
	ck_assert_int_ge(r->failed, 0);
	const struct explore_outcome *x = &r->outcomes[r->failed];
	for (size_t i = 0; i < r->noutcomes; i++)
		if (r->outcomes[i].verdict == VERDICT_FAILED)
			ck_assert_uint_le(x->steps, r->outcomes[i].steps);
	ck_assert_str_eq(x->out, "c = 1");
	explore_result_free(r);
}
END_TEST

/* With coroutines: each worker bumps the counter inside a coroutine of
 * its own; the lost update is still found, its schedule replays, and
 * the coroutine's stack (on the heap) is no step. */
START_TEST(test_explore_with_coroutines)
{
	static const char src[] =
		"int c;\n"
		"int bump(int n) { int mine = n; mine = mine * 2; c++; yield(mine); return mine; }\n"
		"void w() { int h = coroutine(bump, 1); resume(h, 0); resume(h, 0); }\n"
		"int main() {\n"
		"    int a = spawn(w); int b = spawn(w);\n"
		"    join(a); join(b);\n"
		"    print(\"c = %d\", c);\n"
		"    assert(c == 2);\n"
		"    return 0;\n"
		"}\n";
	struct explore_result *r = search(src, -1, 1);
	ck_assert_int_eq(r->stop, EXPLORE_COMPLETE);
	ck_assert_ptr_nonnull(printed(r, "c = 1"));
	ck_assert_ptr_nonnull(printed(r, "c = 2"));
	ck_assert_int_ge(r->failed, 0);
	const struct explore_outcome *x = &r->outcomes[r->failed];
	struct sim *p = sim_new(src);
	p->cfg.policy = POLICY_SCRIPT;
	p->cfg.schedule = x->schedule;
	ck_assert(sim_start(p) == 0);
	sim_finish(p);
	p->cfg.schedule = NULL;
	ck_assert_int_eq(sim_end(p), END_ASSERT);
	ck_assert_str_eq(sim_output(p), "c = 1");
	explore_result_free(r);
}
END_TEST

/* The limits: states, threads, and steps per schedule. */
START_TEST(test_explore_limits)
{
	struct sim *s = sim_new(lost_update);
	struct explore_options o = { .max_preemptions = -1, .max_states = 3, .judge = judge };
	struct explore_result r;
	char err[160];
	ck_assert(explore(s->sc->image, &s->cfg, &s->lim, &o, &r, err, sizeof err) == 0);
	ck_assert_int_eq(r.stop, EXPLORE_STATES);
	explore_result_free(&r);

	s = sim_new("void f() { }\n"
		    "int main() { for (int i = 0; i < 100; i++) spawn(f); return 0; }\n");
	s->lim.max_threads = 200;
	o.max_states = 100000;
	ck_assert(explore(s->sc->image, &s->cfg, &s->lim, &o, &r, err, sizeof err) == 0);
	ck_assert_int_eq(r.stop, EXPLORE_THREADS);
	explore_result_free(&r);

	s = sim_new("int x;\n"
		    "void f() { x = 1; }\n"
		    "int main() { spawn(f); int i = 0; while (1) { i++; } return 0; }\n");
	s->lim.max_steps = 5000;
	ck_assert(explore(s->sc->image, &s->cfg, &s->lim, &o, &r, err, sizeof err) == 0);
	ck_assert_int_eq(r.stop, EXPLORE_COMPLETE);
	ck_assert_uint_ge(r.noutcomes, 1);
	for (size_t i = 0; i < r.noutcomes; i++) {
		ck_assert_int_eq(r.outcomes[i].end, END_LIMIT);
		ck_assert_int_eq(r.outcomes[i].verdict, VERDICT_LIMIT);
	}
	explore_result_free(&r);
}
END_TEST

/* A copy of a scenario carrying a schedule: its own settings' lines are
 * left empty, every other line keeps its number, and the copy compiles
 * to the script policy with that schedule and the settings given. */
START_TEST(test_scenario_with_schedule)
{
	static const char src[] =
		"#title \"t\"\n"
		"#policy rr\n"
		"  #quantum 5\n"
		"#note line 6 \"here\"\n"
		"int x;\n"
		"int main() { x = 1; return 0; }\n"
		"#cores 2\n";
	struct sim *s = sim_new(src);
	struct machine_config cfg = s->sc->config;
	cfg.cores = 3;
	cfg.switch_cost = 4;
	char *text = at_test_end(scenario_with_schedule(s->sc, &cfg, "1*4 . | .*9"));
	struct sim *t = sim_new(text);
	ck_assert_int_eq(t->sc->config.policy, POLICY_SCRIPT);
	ck_assert_str_eq(t->sc->config.schedule, "1*4 . | .*9");
	ck_assert_int_eq(t->sc->config.cores, 3);
	ck_assert_int_eq(t->sc->config.switch_cost, 4);
	ck_assert_int_eq(t->sc->config.quantum, 5);
	ck_assert_int_eq(t->sc->notes[0].at, 6);
	for (int n = 1; n <= s->sc->nlines; n++) {
		size_t a, b;
		const char *p = scenario_line(s->sc, n, &a), *q = scenario_line(t->sc, n, &b);
		if (n == 2 || n == 3 || n == 7)
			ck_assert_uint_eq(b, 0);
		else
			ck_assert(a == b && memcmp(p, q, a) == 0);
	}
}
END_TEST

/* Saving a copy: the file is replaced whole, and a write that cannot be
 * done leaves no file and says why. */
START_TEST(test_write_file_atomic)
{
	char dir[] = "/tmp/threadlab-save.XXXXXX", path[64], err[160];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/copy.scn", dir);
	ck_assert_int_eq(write_file_atomic(path, "old\n", 4, err, sizeof err), 0);
	ck_assert_int_eq(write_file_atomic(path, "new text\n", 9, err, sizeof err), 0);
	FILE *f = fopen(path, "r");
	char got[32] = "";
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(got, sizeof got, f));
	fclose(f);
	ck_assert_str_eq(got, "new text\n");
	snprintf(path, sizeof path, "%s/no/such/dir.scn", dir);
	ck_assert_int_eq(write_file_atomic(path, "x", 1, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot write"));
	snprintf(path, sizeof path, "%s/copy.scn", dir);
	ck_assert_int_eq(remove(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);        /* nothing else was left there */
}
END_TEST

Suite *explore_suite(void)
{
	Suite *s = suite_create("explore");
	TCase *tc = sim_tcase("explore");
	tcase_add_test(tc, test_explore_twenty_interleavings);
	tcase_add_test(tc, test_explore_dependent_steps);
	tcase_add_test(tc, test_explore_bytes);
	tcase_add_test(tc, test_explore_lost_update);
	tcase_add_test(tc, test_explore_schedules_replay);
	tcase_add_test(tc, test_explore_preemption_bound);
	tcase_add_test(tc, test_explore_deadlock);
	tcase_add_test(tc, test_explore_spinning);
	tcase_add_test(tc, test_explore_is_deterministic);
	tcase_add_test(tc, test_explore_shortest_failure);
	tcase_add_test(tc, test_explore_jobs_same_as_one);
	tcase_add_test(tc, test_explore_limits);
	tcase_add_test(tc, test_explore_with_coroutines);
	tcase_add_test(tc, test_scenario_with_schedule);
	tcase_add_test(tc, test_write_file_atomic);
	suite_add_tcase(s, tc);
	return s;
}
