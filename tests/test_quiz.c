/* test_quiz: the questions a run gives, checked against the machine
 * itself, and the reading and grading of answers. */
#include <stdio.h>
#include <string.h>

#include "bundle.h"
#include "out/quiz.h"
#include "sim.h"

/* The bundled scenario name, compiled (freed with the test). */
static struct sim *bundled(const char *name)
{
	const struct bundled *b = bundle_find(name);
	ck_assert_msg(b != NULL, "no bundled scenario %s", name);
	return sim_new(b->text);
}

/* The quiz of s's scenario under its settings, at most max questions;
 * freed with the test. */
static struct quiz *quiz_of(struct sim *s, size_t max)
{
	struct quiz *q = at_test_end(xcalloc(1, sizeof *q));
	char err[256];
	ck_assert_msg(quiz_build(s->sc, &s->cfg, &s->lim, max, q, err, sizeof err) == 0, "%s",
		      err);
	return q;
}

/* Free a quiz built by quiz_of (its struct goes at the test's end). */
static void drop(struct quiz *q)
{
	quiz_free(q);
}

/* The first question of kind k, or NULL. */
static const struct quiz_question *first_of(const struct quiz *q, enum quiz_kind k)
{
	for (size_t i = 0; i < q->n; i++)
		if (q->q[i].kind == k)
			return &q->q[i];
	return NULL;
}

/* A machine of s's scenario stepped to tick t (before the step from it). */
static struct sim *at_tick(struct sim *s, uint64_t t)
{
	ck_assert_int_eq(sim_start(s), 0);
	while (s->m->tick < t && s->m->state != RUN_ENDED)
		machine_step(s->m);
	ck_assert_uint_eq(s->m->tick, t);
	return s;
}

/* Every answer of q, right, as an answers file. */
static char *right_answers(const struct quiz *q)
{
	struct buf b = { 0 };
	buf_puts(&b, "# the right answers\n\n");
	for (size_t i = 0; i < q->n; i++) {
		buf_printf(&b, "%zu: ", i + 1);
		quiz_answer_text(&q->q[i], &b);
		buf_puts(&b, i % 2 ? "   # a comment\n" : "\n");
	}
	return at_test_end(buf_take(&b));
}

START_TEST(test_quiz_build_race_counter)
{
	struct sim *s = bundled("race-counter");
	struct quiz *q = quiz_of(s, QUIZ_DEFAULT_QUESTIONS);
	ck_assert_uint_eq(q->n, QUIZ_DEFAULT_QUESTIONS);
	int kinds[QK_COUNT] = { 0 };
	for (size_t i = 0; i < q->n; i++) {
		const struct quiz_question *x = &q->q[i];
		if (i)
			ck_assert_uint_gt(x->tick, q->q[i - 1].tick);
		ck_assert(x->prompt && *x->prompt && x->why && *x->why && x->where);
		ck_assert_int_eq(quiz_at(q, x->tick), (long)i);
		kinds[x->kind]++;
	}
	ck_assert_int_gt(kinds[QK_LOAD], 0);
	ck_assert_int_gt(kinds[QK_STORE], 0);
	ck_assert_int_gt(kinds[QK_SWITCH], 0);
	ck_assert_int_gt(kinds[QK_BLOCK], 0);
	/* the lost update: T2's stale store of 2 over T3's at tick 58 */
	long i = quiz_at(q, 58);
	ck_assert_int_ge(i, 0);
	const struct quiz_question *x = &q->q[i];
	ck_assert_int_eq(x->kind, QK_STORE);
	ck_assert_int_eq(x->tid, 2);
	ck_assert_int_eq(x->answer, 2);
	ck_assert_int_eq(x->line, 26);
	ck_assert_ptr_nonnull(strstr(x->why, "T3's update is lost"));
	ck_assert_ptr_nonnull(strstr(x->prompt, "counter"));
	/* the questions spread over the run: some in each half */
	ck_assert_uint_lt(q->q[0].tick, 76);
	ck_assert_uint_gt(q->q[q->n - 1].tick, 76);
	drop(q);
}
END_TEST

/* Check every question of scenario name on cores cores against the
 * machine stepped to its tick: what it asks is what the step does. */
static void check_against_machine(const char *name, int cores)
{
	struct sim *s = bundled(name);
	s->cfg.cores = cores;
	struct quiz *q = quiz_of(s, QUIZ_MAX_QUESTIONS);
	ck_assert_uint_gt(q->n, 10);
	for (size_t i = 0; i < q->n; i++) {
		const struct quiz_question *x = &q->q[i];
		struct sim *c = bundled(name);
		c->cfg.cores = cores;
		at_tick(c, x->tick);
		const struct thread *t = machine_thread(c->m, x->tid);
		ck_assert_ptr_nonnull(t);
		int pid = t->pid;
		switch (x->kind) {
		case QK_LOAD: { /* the load reads what memory holds into its register */
			const struct insn *in = image_insn(c->sc->image, t->pc);
			ck_assert_ptr_nonnull(in);
			ck_assert_int_eq(in->op, OP_LD);
			ck_assert_int_eq(machine_peek(c->m, pid, x->addr), x->answer);
			machine_step(c->m);
			ck_assert_int_eq(c->m->threads[x->tid - 1].r[in->rd], x->answer);
			break;
		}
		case QK_STORE:  /* the word holds it afterwards */
			machine_step(c->m);
			ck_assert_int_eq(machine_peek(c->m, pid, x->addr), x->answer);
			break;
		case QK_SWITCH: /* the core runs that thread afterwards */
			machine_step(c->m);
			ck_assert_int_eq(c->m->cores[x->core].tid, x->answer);
			ck_assert_int_gt(x->nchoices, 0);
			break;
		case QK_BLOCK:
			machine_step(c->m);
			ck_assert_int_eq(c->m->threads[x->tid - 1].state == TS_BLOCKED, x->answer);
			break;
		case QK_HANDOFF:
			machine_step(c->m);
			ck_assert_int_eq(machine_mutex_owner(c->m, pid, x->addr), x->answer);
			break;
		default:
			break;
		}
		sim_free(c);
	}
	drop(q);
}

START_TEST(test_quiz_answers_match_the_machine)
{
	check_against_machine("race-counter", 1);
	check_against_machine("race-counter", 2);
	check_against_machine("race-mutex", 1);
	check_against_machine("bounded-buffer", 2);
	check_against_machine("fork", 1);
}
END_TEST

START_TEST(test_quiz_build_is_deterministic)
{
	struct sim *s = bundled("race-counter");
	struct quiz *a = quiz_of(s, 7), *b = quiz_of(s, 7);
	struct buf x = { 0 }, y = { 0 };
	quiz_write(a, s->sc, &x);
	quiz_write(b, s->sc, &y);
	assert_same_lines(x.s, y.s, "two builds of one quiz");
	ck_assert_uint_eq(a->n, 7);
	buf_free(&x);
	buf_free(&y);
	drop(a);
	drop(b);
}
END_TEST

START_TEST(test_quiz_build_prefers_the_race)
{
	struct sim *s = bundled("race-counter");
	struct quiz *q = quiz_of(s, 1);
	ck_assert_uint_eq(q->n, 1);
	/* one question: a lost update */
	ck_assert_int_eq(q->q[0].kind, QK_STORE);
	ck_assert_ptr_nonnull(strstr(q->q[0].why, "update is lost"));
	drop(q);
	/* two: a lost update and a racy load */
	q = quiz_of(s, 2);
	ck_assert_uint_eq(q->n, 2);
	ck_assert_ptr_nonnull(first_of(q, QK_STORE));
	ck_assert_ptr_nonnull(strstr(first_of(q, QK_STORE)->why, "update is lost"));
	ck_assert_ptr_nonnull(first_of(q, QK_LOAD));
	drop(q);
}
END_TEST

START_TEST(test_quiz_build_race_mutex)
{
	struct sim *s = bundled("race-mutex");
	struct quiz *q = quiz_of(s, QUIZ_DEFAULT_QUESTIONS);
	const struct quiz_question *h = first_of(q, QK_HANDOFF);
	ck_assert_ptr_nonnull(h);
	/* the mutex goes to a thread that waited for it, not back to the pool */
	int offered = 0;
	for (int i = 0; i < h->nchoices; i++)
		offered |= h->choices[i] == h->answer;
	ck_assert(offered);
	ck_assert_int_ne(h->answer, h->tid);
	ck_assert_ptr_nonnull(strstr(h->prompt, "mutex m"));
	ck_assert_ptr_nonnull(strstr(h->why, "waited longest"));
	struct sim *c = at_tick(bundled("race-mutex"), h->tick);
	machine_step(c->m);
	ck_assert_int_eq(machine_mutex_owner(c->m, 1, h->addr), h->answer);
	/* calls of lock that block and one that does not */
	int yes = 0, no = 0;
	for (size_t i = 0; i < q->n; i++)
		if (q->q[i].kind == QK_BLOCK) {
			yes += q->q[i].answer == 1;
			no += q->q[i].answer == 0;
		}
	ck_assert_int_gt(yes, 0);
	ck_assert_int_gt(no, 0);
	drop(q);
}
END_TEST

START_TEST(test_quiz_build_event_loop)
{
	struct sim *s = bundled("event-loop");
	struct quiz *q = quiz_of(s, QUIZ_DEFAULT_QUESTIONS);
	const struct quiz_question *e = first_of(q, QK_EPOLL);
	ck_assert_ptr_nonnull(e);
	/* a wake of the one epoll_wait: what it reports first is the
	 * listening socket (4) or one of the two connections open at once */
	ck_assert_int_eq(e->line, sim_line_of(s, "epoll_wait(epoll_fd, events"));
	ck_assert_int_ge(e->answer, 4);
	ck_assert_int_le(e->answer, 6);
	ck_assert_ptr_nonnull(strstr(e->prompt, "ep 3"));
	drop(q);
}
END_TEST

START_TEST(test_quiz_check_forms)
{
	struct quiz_question v = { .kind = QK_LOAD, .answer = 16 };
	ck_assert_int_eq(quiz_check(&v, "16"), 1);
	ck_assert_int_eq(quiz_check(&v, "0x10"), 1);
	ck_assert_int_eq(quiz_check(&v, "+16"), 1);
	ck_assert_int_eq(quiz_check(&v, "15"), 0);
	ck_assert_int_eq(quiz_check(&v, "sixteen"), -1);
	ck_assert_int_eq(quiz_check(&v, "16 or 17"), -1);
	ck_assert_int_eq(quiz_check(&v, "99999999999999999999999"), -1);
	struct quiz_question n = { .kind = QK_LOAD, .answer = -1 };
	ck_assert_int_eq(quiz_check(&n, "-1"), 1);
	struct quiz_question t = { .kind = QK_SWITCH, .answer = 3 };
	ck_assert_int_eq(quiz_check(&t, "T3"), 1);
	ck_assert_int_eq(quiz_check(&t, "t3"), 1);
	ck_assert_int_eq(quiz_check(&t, "3"), 1);
	ck_assert_int_eq(quiz_check(&t, "T2"), 0);
	ck_assert_int_eq(quiz_check(&t, "T"), -1);
	ck_assert_int_eq(quiz_check(&t, "worker"), -1);
	struct quiz_question y = { .kind = QK_BLOCK, .answer = 1 };
	ck_assert_int_eq(quiz_check(&y, "yes"), 1);
	ck_assert_int_eq(quiz_check(&y, "Y"), 1);
	ck_assert_int_eq(quiz_check(&y, "no"), 0);
	ck_assert_int_eq(quiz_check(&y, "maybe"), -1);
	struct quiz_question f = { .kind = QK_EPOLL, .answer = 5 };
	ck_assert_int_eq(quiz_check(&f, "5"), 1);
	ck_assert_int_eq(quiz_check(&f, "fd 5"), 1);
	ck_assert_int_eq(quiz_check(&f, "fd 4"), 0);
	ck_assert_int_eq(quiz_check(&f, "fd"), -1);
	struct buf b = { 0 };
	quiz_answer_text(&t, &b);
	quiz_answer_text(&y, &b);
	quiz_answer_text(&n, &b);
	ck_assert_str_eq(b.s, "T3yes-1");
	buf_free(&b);
}
END_TEST

START_TEST(test_quiz_grade_right_and_wrong)
{
	struct sim *s = bundled("race-counter");
	struct quiz *q = quiz_of(s, QUIZ_DEFAULT_QUESTIONS);
	char **ans = at_test_end(xcalloc(q->n, sizeof *ans));
	const char *right = right_answers(q);
	struct buf err = { 0 }, rep = { 0 };
	ck_assert_int_eq(quiz_read_answers(q, "a.txt", right, strlen(right), ans, &err), 0);
	ck_assert_uint_eq(quiz_grade(q, ans, &rep), q->n);
	ck_assert_ptr_nonnull(strstr(rep.s, "10 of 10 right"));
	ck_assert_ptr_null(strstr(rep.s, "wrong"));
	for (size_t i = 0; i < q->n; i++)
		xfree(ans[i]);
	buf_free(&rep);
	/* the lost update answered 3, as if nothing were lost; one left out */
	long lost = quiz_at(q, 58);
	struct buf w = { 0 };
	for (size_t i = 0; i < q->n; i++) {
		if ((long)i == lost) {
			buf_printf(&w, "%zu: 3\n", i + 1);
		} else if (i != q->n - 1) {
			buf_printf(&w, "%zu: ", i + 1);
			quiz_answer_text(&q->q[i], &w);
			buf_putc(&w, '\n');
		}
	}
	ck_assert_int_eq(quiz_read_answers(q, "w.txt", w.s, w.len, ans, &err), 0);
	ck_assert_uint_eq(quiz_grade(q, ans, &rep), q->n - 2);
	char want[128];
	snprintf(want, sizeof want, "%ld. tick 58, line 26, T2 (worker): wrong, you answered 3; "
		 "the answer is 2", lost + 1);
	ck_assert_msg(strstr(rep.s, want) != NULL, "no '%s' in:\n%s", want, rep.s);
	ck_assert_ptr_nonnull(strstr(rep.s, "no answer; the answer is"));
	ck_assert_ptr_nonnull(strstr(rep.s, "8 of 10 right"));
	ck_assert_uint_eq(err.len, 0);
	for (size_t i = 0; i < q->n; i++)
		xfree(ans[i]);
	buf_free(&w);
	buf_free(&rep);
	drop(q);
}
END_TEST

/* The message reading text as answers gives (empty: none). */
static const char *read_error(const struct quiz *q, const char *text)
{
	char **ans = at_test_end(xcalloc(q->n, sizeof *ans));
	struct buf err = { 0 };
	int rc = quiz_read_answers(q, "a.txt", text, strlen(text), ans, &err);
	for (size_t i = 0; i < q->n; i++) {
		ck_assert_ptr_null(rc ? ans[i] : NULL);
		xfree(ans[i]);
	}
	ck_assert_int_eq(rc != 0, err.len != 0);
	return err.s ? at_test_end(err.s) : "";
}

START_TEST(test_quiz_read_answers_malformed)
{
	struct sim *s = bundled("race-counter");
	struct quiz *q = quiz_of(s, 3);
	ck_assert_str_eq(read_error(q, "# none\n\n   \n"), "");
	ck_assert_str_eq(read_error(q, "1 : 5\n 2:5 # x\n"), "");
	ck_assert_str_eq(read_error(q, "1 5\n"),
			 "a.txt:1: error: expected 'N: ANSWER', the question's number, a colon "
			 "and the answer\n");
	ck_assert_str_eq(read_error(q, "# hello\nfirst: 5\n"),
			 "a.txt:2: error: expected 'N: ANSWER', the question's number, a colon "
			 "and the answer\n");
	ck_assert_str_eq(read_error(q, "4: 5\n"),
			 "a.txt:1: error: there is no question 4: the quiz has 3\n");
	ck_assert_str_eq(read_error(q, "0: 5\n"),
			 "a.txt:1: error: there is no question 0: the quiz has 3\n");
	ck_assert_str_eq(read_error(q, "1: 5\n\n1: 6\n"),
			 "a.txt:3: error: question 1 is answered twice (first on line 1)\n");
	ck_assert_str_eq(read_error(q, "1:   # nothing\n"),
			 "a.txt:1: error: question 1 has no answer after ':'\n");
	size_t v = 0;
	while (v < q->n && quiz_kinds[q->q[v].kind].form != QF_VALUE)
		v++;
	ck_assert_uint_lt(v, q->n);
	char text[32], want[80];
	snprintf(text, sizeof text, "%zu: T2\n", v + 1);
	snprintf(want, sizeof want, "a.txt:1: error: question %zu wants a number, not 'T2'\n", v + 1);
	ck_assert_str_eq(read_error(q, text), want);
	drop(q);
}
END_TEST

START_TEST(test_quiz_write_hands_out)
{
	struct sim *s = bundled("race-counter");
	struct quiz *q = quiz_of(s, 3);
	struct buf b = { 0 };
	quiz_write(q, s->sc, &b);
	ck_assert_ptr_nonnull(strstr(b.s, "3 questions."));
	ck_assert_ptr_nonnull(strstr(b.s, "\n1. tick "));
	ck_assert_ptr_nonnull(strstr(b.s, "\n3. tick "));
	ck_assert_ptr_nonnull(strstr(b.s, "   | counter++;"));
	ck_assert_ptr_nonnull(strstr(b.s, "   answer: a number\n"));
	/* never the answer itself */
	ck_assert_ptr_null(strstr(b.s, "lost"));
	for (const char *l = b.s; *l; l = strchr(l, '\n') + 1)
		ck_assert_int_le((int)(strchr(l, '\n') - l), 80);
	buf_free(&b);
	drop(q);
}
END_TEST

START_TEST(test_quiz_build_bad_schedule)
{
	struct sim *s = bundled("race-counter");
	s->cfg.policy = POLICY_SCRIPT;
	s->cfg.schedule = "1*2 | 2*3";          /* two cores' worth on one */
	struct quiz q;
	char err[256];
	ck_assert_int_eq(quiz_build(s->sc, &s->cfg, &s->lim, 10, &q, err, sizeof err), 2);
	ck_assert_uint_eq(q.n, 0);
	ck_assert(*err);
	quiz_free(&q);
}
END_TEST

START_TEST(test_quiz_next)
{
	struct sim *s = bundled("race-counter");
	struct quiz *q = quiz_of(s, 4);
	ck_assert_int_eq(quiz_next(q, 0), 0);
	ck_assert_int_eq(quiz_next(q, q->q[1].tick), 1);
	ck_assert_int_eq(quiz_next(q, q->q[1].tick + 1), 2);
	ck_assert_int_eq(quiz_next(q, q->q[3].tick + 1), -1);
	ck_assert_int_eq(quiz_at(q, q->q[2].tick + 1), -1);
	drop(q);
}
END_TEST

Suite *quiz_suite(void)
{
	Suite *s = suite_create("quiz");
	TCase *tc = sim_tcase("quiz");
	tcase_add_test(tc, test_quiz_build_race_counter);
	tcase_add_test(tc, test_quiz_answers_match_the_machine);
	tcase_add_test(tc, test_quiz_build_is_deterministic);
	tcase_add_test(tc, test_quiz_build_prefers_the_race);
	tcase_add_test(tc, test_quiz_build_race_mutex);
	tcase_add_test(tc, test_quiz_build_event_loop);
	tcase_add_test(tc, test_quiz_check_forms);
	tcase_add_test(tc, test_quiz_grade_right_and_wrong);
	tcase_add_test(tc, test_quiz_read_answers_malformed);
	tcase_add_test(tc, test_quiz_write_hands_out);
	tcase_add_test(tc, test_quiz_build_bad_schedule);
	tcase_add_test(tc, test_quiz_next);
	suite_add_tcase(s, tc);
	return s;
}
