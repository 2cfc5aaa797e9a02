/* Tests of the tour: its lessons cover every row of the chapter's lesson
 * plan in order, each names a bundled scenario or one still to come,
 * stepping passes over the missing ones, lessons are found by name, and
 * the headless tour prints every lesson with its narration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "ui/tour.h"

/* The rows of the lesson plan and the scenarios it names for each. */
static const struct { int row; const char *scenarios; } plan[] = {
	{ 1, "pc-basics" }, { 2, "multitasking" }, { 3, "process-vs-thread fork" },
	{ 4, "threads-share" }, { 5, "stacks" }, { 6, "thread-pool" },
	{ 7, "thread-context" }, { 8, "code-readonly" }, { 9, "tls" },
	{ 10, "race-counter race-mutex race-atomic race-tls race-readonly" },
	{ 11, "coroutine-generator" }, { 12, "coroutine-stacks" }, { 13, "callbacks" },
	{ 14, "blocking" }, { 15, "server-fork server-threads c10k" },
	{ 16, "event-loop event-loop-server" }, { 17, "reactor" },
	{ 18, "rpc-callbacks rpc-coroutines" }, { 19, "mn-runtime" }, { 20, "closures" },
	{ 21, "containers" },
};

/* Whether name is a word of the space-separated list. */
static int in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 1;
	return 0;
}

START_TEST(the_lessons_cover_every_row_in_the_chapters_order)
{
	ck_assert_str_eq(tour_lessons[0].scenario, "tour");
	ck_assert_int_eq(tour_lessons[0].row, 0);
	size_t k = 1;
	for (size_t r = 0; r < sizeof plan / sizeof plan[0]; r++) {
		int seen = 0;
		for (; k < tour_count && tour_lessons[k].row == plan[r].row; k++, seen++)
			ck_assert_msg(in_list(plan[r].scenarios, tour_lessons[k].scenario),
				      "lesson %zu (%s) is not one of row %d's", k + 1,
				      tour_lessons[k].scenario, plan[r].row);
		ck_assert_msg(seen > 0, "row %d has no lesson (or it is out of order)", plan[r].row);
	}
	ck_assert_uint_eq(k, tour_count);
	for (size_t i = 0; i < tour_count; i++) {
		ck_assert_ptr_nonnull(tour_lessons[i].idea);
		ck_assert_ptr_nonnull(tour_lessons[i].look);
	}
}
END_TEST

START_TEST(every_lesson_there_compiles_and_the_missing_are_the_ones_to_come)
{
	for (size_t i = 0; i < tour_count; i++) {
		const struct bundled *b = tour_scenario(i);
		if (!b) {
			ck_assert_msg(in_list("rpc-callbacks rpc-coroutines mn-runtime",
					      tour_lessons[i].scenario),
				      "%s is missing from the bundle", tour_lessons[i].scenario);
			continue;
		}
		struct diags d;
		struct scenario *sc = scenario_compile(b->name, b->text, b->len, &d);
		ck_assert_msg(sc != NULL, "%s does not compile", b->name);
		scenario_free(sc);
		diags_free(&d);
	}
}
END_TEST

START_TEST(tour_step_goes_on_past_the_lessons_not_there_yet)
{
	int skipped = -1;
	ck_assert_int_eq(tour_step(0, 1, &skipped), 1);
	ck_assert_int_eq(skipped, 0);
	ck_assert_int_eq(tour_step(1, -1, &skipped), 0);
	ck_assert_int_eq(tour_step(0, -1, &skipped), -1);
	ck_assert_int_eq(tour_step(tour_count - 1, 1, &skipped), -1);
	/* from the reactor on: each lesson there comes next, the rest are passed over */
	int r = tour_find("reactor");
	ck_assert_int_ge(r, 0);
	int to = tour_step((size_t)r, 1, &skipped);
	ck_assert_int_gt(to, r);
	ck_assert_ptr_nonnull(tour_scenario((size_t)to));
	ck_assert_int_eq(skipped, to - r - 1);
	for (int i = r + 1; i < to; i++)
		ck_assert_ptr_null(tour_scenario((size_t)i));
	ck_assert_int_eq(tour_step((size_t)to, -1, &skipped), r);
	ck_assert_int_eq(skipped, to - r - 1);
}
END_TEST

START_TEST(tour_find_knows_a_lesson_by_its_scenarios_name)
{
	ck_assert_int_eq(tour_find("tour"), 0);
	ck_assert_int_eq(tour_find("pc-basics.scn"), 1);
	ck_assert_int_eq(tour_find("scenarios/containers.scn"), (int)tour_count - 1);
	ck_assert_int_eq(tour_find("no-such-lesson"), -1);
	ck_assert_int_eq(tour_find("race"), -1);        /* a whole name, not a prefix */
}
END_TEST

START_TEST(the_headless_tour_prints_every_lesson_in_order)
{
	FILE *out = tmpfile(), *err = tmpfile();
	ck_assert(out && err);
	struct limits lim = { 2000000, 256, 64ull << 20, 64 };
	ck_assert_int_eq(tour_print(out, err, NULL, &lim, NULL), 0);
	long len = ftell(out);
	char *text = at_test_end(calloc(1, (size_t)len + 1));
	rewind(out);
	ck_assert_uint_eq(fread(text, 1, (size_t)len, out), (size_t)len);
	fclose(out);
	fclose(err);
	const char *at = text;
	for (size_t i = 0; i < tour_count; i++) {
		char head[64];
		snprintf(head, sizeof head, "== Lesson %zu of %zu", i + 1, tour_count);
		const char *h = strstr(at, head);
		ck_assert_msg(h != NULL, "no heading for lesson %zu after the one before", i + 1);
		char name[64];
		snprintf(name, sizeof name, "(%s) ==\n", tour_lessons[i].scenario);
		const char *eol = strchr(h, '\n');
		ck_assert_msg(eol && strstr(h, name) == eol + 1 - strlen(name),
			      "lesson %zu's heading names %s", i + 1, tour_lessons[i].scenario);
		if (!tour_scenario(i)) {
			char gap[96];
			snprintf(gap, sizeof gap, "\n%s is not there yet: the tour goes on.\n",
				 tour_lessons[i].scenario);
			ck_assert_msg(strncmp(eol, gap, strlen(gap)) == 0, "lesson %zu says it is "
				      "missing", i + 1);
		}
		at = eol;
	}
	ck_assert_ptr_nonnull(strstr(text, "[tick 0] The CPU knows one thing"));   /* narration */
	ck_assert_ptr_nonnull(strstr(text, "add(2, 3) = 5\n"));                   /* output */
	ck_assert_ptr_nonnull(strstr(text, "host: still host\n"));
}
END_TEST

Suite *tour_suite(void)
{
	Suite *s = suite_create("tour");
	TCase *tc = sim_tcase("lessons");
	tcase_add_test(tc, the_lessons_cover_every_row_in_the_chapters_order);
	tcase_add_test(tc, every_lesson_there_compiles_and_the_missing_are_the_ones_to_come);
	suite_add_tcase(s, tc);
	tc = sim_tcase("navigation");
	tcase_add_test(tc, tour_step_goes_on_past_the_lessons_not_there_yet);
	tcase_add_test(tc, tour_find_knows_a_lesson_by_its_scenarios_name);
	suite_add_tcase(s, tc);
	tc = sim_tcase("headless");
	tcase_add_test(tc, the_headless_tour_prints_every_lesson_in_order);
	suite_add_tcase(s, tc);
	return s;
}
