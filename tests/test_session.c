/* test_session: the screen's model — stepping, going back in time,
 * snapshots, and the history each tick shows. */
#include <string.h>

#include "sim.h"
#include "ui/session.h"

/* The lost update of the design's example, under rr with a short
 * quantum, with notes of every kind. */
static const char *race =
	"#policy rr\n"
	"#quantum 5\n"
	"#note start \"begin\"\n"
	"#note tick 20 \"twenty\"\n"
	"#note line 11 \"the increment\"\n"
	"#note event preempt \"a timer interrupt\"\n"
	"#note end \"the end\"\n"
	"int counter = 0;\n"
	"void worker(int n) {\n"
	"    for (int i = 0; i < n; i++)\n"
	"        counter++;\n"
	"}\n"
	"int main() {\n"
	"    int a = spawn(worker, 4);\n"
	"    int b = spawn(worker, 4);\n"
	"    join(a);\n"
	"    join(b);\n"
	"    print(\"counter = %d\\n\", counter);\n"
	"    return 0;\n"
	"}\n";

/* A session on the program src with its own settings; freed at test end. */
static struct session *start(const char *src)
{
	struct sim *s = sim_new(src);
	char err[256];
	int code = 0;
	struct session *ss = session_new(s->sc, &s->sc->config, &s->lim, err, sizeof err, &code);
	ck_assert_msg(ss != NULL, "%s", err);
	return ss;
}

/* Everything the screen reads from the session, as text: two screens
 * that differ in anything the session tells differ here. */
static char *model(const struct session *s)
{
	struct buf b = { 0 };
	const struct machine *m = &s->m;
	buf_printf(&b, "tick %llu ended %d threads %d\n", (unsigned long long)session_tick(s),
		   session_ended(s), m->nthreads);
	for (int i = 0; i < m->nthreads; i++) {
		const struct thread *t = &m->threads[i];
		buf_printf(&b, "T%d state %d pc %llx sp %llx r0 %lld\n", t->id, t->state,
			   (unsigned long long)t->pc, (unsigned long long)t->r[REG_SP],
			   (long long)t->r[0]);
	}
	uint64_t t = session_tick(s);
	for (uint64_t k = t > SS_WINDOW ? t - SS_WINDOW : 0; k < t; k++) {
		const struct ss_tick *r = session_timeline(s, k);
		if (!r) {
			buf_printf(&b, "tick %llu: none\n", (unsigned long long)k);
			continue;
		}
		buf_printf(&b, "tick %llu:", (unsigned long long)k);
		for (int i = 0; i < m->nthreads && i < SS_THREADS; i++)
			buf_printf(&b, " %02x", r->thread[i]);
		buf_printf(&b, " | %d\n", r->core[0]);
	}
	for (size_t i = 0; session_event(s, i); i++) {
		const struct ss_event *e = session_event(s, i);
		buf_printf(&b, "event %llu %d T%d: %s\n", (unsigned long long)e->tick, e->kind,
			   e->tid, e->text);
	}
	const struct ss_access *acc;
	size_t n = session_accesses(s, &acc);
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "access %llx %d T%d\n", (unsigned long long)acc[i].addr, acc[i].how,
			   acc[i].tid);
	const struct ss_core *c = session_core(s, 0);
	buf_printf(&b, "core0 T%d reg %d sp %d switched %d pc %llx\n", c->tid, c->reg,
		   c->sp_moved, c->switched, (unsigned long long)c->pc);
	for (size_t i = 0; session_note(s, i); i++)
		buf_printf(&b, "note %zu at %llu\n", session_note(s, i)->index,
			   (unsigned long long)session_note(s, i)->tick);
	buf_printf(&b, "output [%s]\n", s->out.s ? s->out.s : "");
	return at_test_end(buf_take(&b));
}

START_TEST(test_session_starts_at_tick_0)
{
	struct session *s = start(race);
	ck_assert_uint_eq(session_tick(s), 0);
	ck_assert(!session_ended(s));
	ck_assert_ptr_null(session_event(s, 0));
	ck_assert_ptr_null(session_timeline(s, 0));
	ck_assert_ptr_nonnull(session_note(s, 0));      /* the start note */
	ck_assert_uint_eq(session_note(s, 0)->index, 0);
	ck_assert_ptr_null(session_note(s, 1));
	session_free(s);
}
END_TEST

START_TEST(test_session_step_runs_one_tick)
{
	struct session *s = start(race);
	ck_assert(session_step(s));
	ck_assert_uint_eq(session_tick(s), 1);
	const struct ss_event *e = session_event(s, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->tick, 0);
	const struct ss_tick *r = session_timeline(s, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->thread[0] & TL_STATE, TL_RUNNING);
	ck_assert_int_eq(r->core[0], 1);
	ck_assert_int_eq(session_core(s, 0)->tid, 1);
	session_free(s);
}
END_TEST

/* n steps then n steps back give the same model as before, for every
 * n, from several ticks: going back is real time travel. */
START_TEST(test_session_back_undoes_steps)
{
	struct session *s = start(race);
	for (uint64_t from = 0; from < 120; from += 17) {
		session_goto(s, from);
		char *before = model(s);
		for (int n = 1; n <= 9; n++) {
			for (int i = 0; i < n; i++)
				session_step(s);
			for (int i = 0; i < n; i++)
				session_back(s);
			assert_same_lines(model(s), before, "after steps and as many backs");
		}
	}
	session_free(s);
}
END_TEST

/* The model at tick t does not depend on how the session got there. */
START_TEST(test_session_goto_equals_stepping)
{
	struct session *a = start(race), *b = start(race);
	for (uint64_t t = 1; !session_ended(a); t++) {
		session_step(a);
		if (t % 7 == 0 || session_ended(a)) {
			session_goto(b, session_tick(a));
			assert_same_lines(model(b), model(a), "goto and stepping");
			session_goto(b, 0);
		}
	}
	session_free(a);
	session_free(b);
}
END_TEST

START_TEST(test_session_notes_come_and_go)
{
	struct session *s = start(race);
	while (session_step(s))
		;
	size_t n = 0;
	while (session_note(s, n))
		n++;
	ck_assert_uint_eq(n, 5);                /* every note, once */
	ck_assert_uint_eq(session_note(s, 0)->index, 4);       /* the end note last */
	ck_assert_str_eq(s->out.s, sim_output(sim_run(race)));   /* as a plain run */
	session_goto(s, 3);
	ck_assert_uint_eq(s->out.len, 0);
	for (size_t i = 0; session_note(s, i); i++)
		ck_assert_uint_lt(session_note(s, i)->tick, 3);
	ck_assert_ptr_nonnull(session_note(s, 0));
	session_goto(s, 21);
	int twenty = 0;
	for (size_t i = 0; session_note(s, i); i++)
		twenty |= session_note(s, i)->index == 1;
	ck_assert(twenty);
	session_free(s);
}
END_TEST

START_TEST(test_session_timeline_marks_preemption)
{
	struct session *s = start(race);
	session_goto(s, 200);
	int preempted = 0, switched = 0, blocked = 0;
	for (uint64_t t = 0; t < session_tick(s); t++) {
		const struct ss_tick *r = session_timeline(s, t);
		ck_assert_ptr_nonnull(r);
		for (int i = 0; i < 3; i++) {
			preempted |= r->thread[i] & TL_PREEMPTED;
			switched |= r->thread[i] & TL_SWITCHED_IN;
			blocked |= (r->thread[i] & TL_STATE) == TL_BLOCKED;
		}
		int running = 0;
		for (int i = 0; i < 3; i++)
			running += (r->thread[i] & TL_STATE) == TL_RUNNING;
		ck_assert_int_le(running, 1);   /* one core */
		if (r->core[0] > 0)
			ck_assert_int_eq(r->thread[r->core[0] - 1] & TL_STATE, TL_RUNNING);
	}
	ck_assert(preempted && switched && blocked);
	session_free(s);
}
END_TEST

START_TEST(test_session_accesses_of_last_tick)
{
	struct session *s = start(race);
	uint64_t counter = image_sym_named(s->sc->image, "counter")->addr;
	int read = 0, written = 0;
	while (session_step(s) && !(read && written)) {
		const struct ss_access *acc;
		size_t n = session_accesses(s, &acc);
		for (size_t i = 0; i < n; i++)
			if (acc[i].addr == counter) {
				read |= acc[i].how & 1;
				written |= acc[i].how & 2;
				ck_assert_int_ge(acc[i].tid, 2);        /* a worker */
			}
	}
	ck_assert(read && written);
	session_free(s);
}
END_TEST

/* Sleeping jumps the clock: back from the tick after the jump goes to
 * the tick before it, and forward again to the same tick. */
START_TEST(test_session_back_over_a_sleep)
{
	struct session *s = start("int main() { sleep(1000); print(\"up\\n\"); return 0; }\n");
	uint64_t prev = 0;
	while (session_tick(s) < 500 && session_step(s))
		prev = session_tick(s) < 500 ? session_tick(s) : prev;
	uint64_t after = session_tick(s);
	ck_assert_uint_gt(after, 1000);
	char *at = model(s);
	session_back(s);
	ck_assert_uint_lt(session_tick(s), 500);
	char *before = model(s);
	session_step(s);
	ck_assert_uint_eq(session_tick(s), after);
	assert_same_lines(model(s), at, "forward over the sleep again");
	session_back(s);
	assert_same_lines(model(s), before, "back over the sleep again");
	const struct ss_tick *r = session_timeline(s, session_tick(s) - 1);
	ck_assert_ptr_nonnull(r);
	session_free(s);
}
END_TEST

/* A long run keeps a bounded number of snapshots and still goes back
 * exactly. */
START_TEST(test_session_long_run_goes_back)
{
	struct session *s = start(
		"int main() { int x = 0; for (int i = 0; i < 400000; i++) x = x + i; "
		"print(\"%d\\n\", x); return 0; }\n");
	session_goto(s, 1500000);
	ck_assert_uint_le(s->nsnaps, SS_SNAPS);
	ck_assert_uint_gt(s->nsnaps, 10);
	uint64_t t = session_tick(s);
	char *here = model(s);
	session_back(s);
	ck_assert_uint_eq(session_tick(s), t - 1);
	session_step(s);
	assert_same_lines(model(s), here, "back and forward at tick 1,500,000");
	session_goto(s, 777777);
	char *mid = model(s);
	struct session *b = start(
		"int main() { int x = 0; for (int i = 0; i < 400000; i++) x = x + i; "
		"print(\"%d\\n\", x); return 0; }\n");
	while (session_tick(b) < 777777)
		session_advance(b, 777777 - session_tick(b) < 1000 ? 777777 - session_tick(b) : 1000);
	assert_same_lines(model(b), mid, "goto back vs forward in chunks");
	session_free(s);
	session_free(b);
}
END_TEST

START_TEST(test_session_end_is_sticky)
{
	struct session *s = start("int main() { return 3; }\n");
	while (session_step(s))
		;
	ck_assert(session_ended(s));
	uint64_t t = session_tick(s);
	ck_assert(!session_step(s));
	ck_assert(!session_advance(s, 100));
	session_goto(s, t + 50);
	ck_assert_uint_eq(session_tick(s), t);
	ck_assert_ptr_nonnull(session_event(s, 0));
	ck_assert_int_eq(session_event(s, 0)->kind, EV_END);
	session_free(s);
}
END_TEST

/* On more cores than the timeline has core rows, a thread that runs
 * still shows as running. */
START_TEST(test_session_many_cores)
{
	struct session *s = start(
		"#cores 12\n"
		"void spin(int n) { for (int i = 0; i < 1000; i++) n = n + 1; }\n"
		"int main() { int t[11]; for (int i = 0; i < 11; i++) t[i] = spawn(spin, i);\n"
		"for (int i = 0; i < 11; i++) join(t[i]); return 0; }\n");
	session_goto(s, 400);
	const struct ss_tick *r = session_timeline(s, 399);
	ck_assert_ptr_nonnull(r);
	int running = 0;
	for (int i = 1; i <= 11; i++) {
		ck_assert_int_ne(r->thread[i] & TL_STATE, TL_SWITCHING);
		running += (r->thread[i] & TL_STATE) == TL_RUNNING;
	}
	ck_assert_int_eq(running, 11);
	session_free(s);
}
END_TEST

/* An M:N worker waiting on the empty run queue is idle in the
 * timeline, never blocked; main waiting in go_wait is blocked. */
START_TEST(test_session_idle_worker)
{
	struct session *s = start(
		"#cores 2\n"
		"#workers 2\n"
		"int sum;\n"
		"void add(int x) { for (int i = 0; i < 20; i++) sum = sum + x; }\n"
		"int main() { go(add, 1); go_wait(); return 0; }\n");
	int idle = 0, main_blocked = 0;
	while (session_step(s)) {
		const struct ss_tick *r = session_timeline(s, session_tick(s) - 1);
		ck_assert_ptr_nonnull(r);
		for (int i = 0; i < s->m.nthreads; i++) {
			int st = r->thread[i] & TL_STATE;
			if (s->m.threads[i].entry == s->sc->image->go_worker) {
				ck_assert_int_ne(st, TL_BLOCKED);
				idle += st == TL_IDLE;
			} else {
				main_blocked += st == TL_BLOCKED;
			}
		}
	}
	ck_assert_int_gt(idle, 0);
	ck_assert_int_gt(main_blocked, 0);
	session_free(s);
}
END_TEST

START_TEST(test_session_bad_schedule)
{
	struct sim *s = sim_new("int main() { return 0; }\n");
	struct machine_config cfg = s->sc->config;
	cfg.policy = POLICY_SCRIPT;
	cfg.schedule = "1*2 | 2*3";             /* two cores' worth on one */
	char err[256] = "";
	int code = 0;
	ck_assert_ptr_null(session_new(s->sc, &cfg, &s->lim, err, sizeof err, &code));
	ck_assert_int_eq(code, 2);
	ck_assert(err[0]);
}
END_TEST

/* The schedule of a whole run (what w saves) replays, under the script
 * policy, to the same end and output, even on another policy's run; a
 * run longer than allowed gives none and says why. */
START_TEST(test_session_run_schedule)
{
	struct sim *s = sim_new(race);
	s->cfg.policy = POLICY_RANDOM;
	s->cfg.seed = 7;
	char err[160] = "";
	char *sched = at_test_end(session_run_schedule(s->sc, &s->cfg, &s->lim, 1000000, err,
							 sizeof err));
	ck_assert_msg(sched != NULL, "%s", err);
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	struct sim *r = sim_new(race);
	r->cfg.policy = POLICY_SCRIPT;
	r->cfg.schedule = sched;
	ck_assert_int_eq(sim_start(r), 0);
	sim_finish(r);
	r->cfg.schedule = NULL;
	ck_assert_int_eq(sim_end(r), sim_end(s));
	ck_assert_str_eq(sim_output(r), sim_output(s));
	ck_assert_uint_eq(r->m->tick, s->m->tick);
	ck_assert_ptr_null(session_run_schedule(s->sc, &s->cfg, &s->lim, 10, err, sizeof err));
	ck_assert_ptr_nonnull(strstr(err, "too long"));
}
END_TEST

Suite *session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc = sim_tcase("session");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_session_starts_at_tick_0);
	tcase_add_test(tc, test_session_step_runs_one_tick);
	tcase_add_test(tc, test_session_back_undoes_steps);
	tcase_add_test(tc, test_session_goto_equals_stepping);
	tcase_add_test(tc, test_session_notes_come_and_go);
	tcase_add_test(tc, test_session_timeline_marks_preemption);
	tcase_add_test(tc, test_session_accesses_of_last_tick);
	tcase_add_test(tc, test_session_back_over_a_sleep);
	tcase_add_test(tc, test_session_long_run_goes_back);
	tcase_add_test(tc, test_session_end_is_sticky);
	tcase_add_test(tc, test_session_many_cores);
	tcase_add_test(tc, test_session_idle_worker);
	tcase_add_test(tc, test_session_bad_schedule);
	tcase_add_test(tc, test_session_run_schedule);
	suite_add_tcase(s, tc);
	return s;
}
