/* Tests of the --compare table: the sizes it writes in binary units, its
 * heading and rows aligned column by column, and its cells for runs that
 * did not end well or had no connection. */
#include <stdio.h>
#include <string.h>

#include "out/compare.h"
#include "sim.h"

START_TEST(the_table_writes_sizes_in_binary_units)
{
	static const struct { uint64_t bytes; const char *text; } sizes[] = {
		{ 0, "0B" }, { 1023, "1023B" }, { 1024, "1.0K" }, { 1536, "1.5K" },
		{ 10240, "10K" }, { 65536, "64K" }, { 1048576, "1.0M" },
		{ 1572864, "1.5M" }, { 655360000, "625M" }, { 5ull << 30, "5.0G" },
	};
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		struct buf b = { 0 };
		compare_bytes(&b, sizes[i].bytes);
		ck_assert_str_eq(b.s, sizes[i].text);
		buf_free(&b);
	}
}
END_TEST

START_TEST(the_compare_table_has_a_heading_and_a_row_a_run)
{
	struct compare_row rows[2] = { { .name = "a", .status = 0 }, { .name = "longer", .status = 1 } };
	rows[0].f.ncores = 2;
	rows[0].f.served = 4;
	rows[0].f.ticks = 1000;
	rows[0].f.busy[0] = 500;
	rows[1].f.ncores = 1;
	rows[1].f.end = END_ASSERT;
	FILE *out = tmpfile();
	ck_assert(out != NULL);
	compare_print(out, rows, 2);
	char *text = at_test_end(xcalloc(1, 4096));
	rewind(out);
	ck_assert_uint_gt(fread(text, 1, 4095, out), 0);
	fclose(out);
	char *l1 = text, *l2 = strchr(l1, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
	ck_assert(strncmp(l1, "scenario  end     exit  served  req/1k", 38) == 0);
	ck_assert(strncmp(l2, "a         ok         0       4     4.0", 38) == 0);
	ck_assert(strncmp(l3, "longer    assert     1       0     0.0", 38) == 0);
	ck_assert_msg(strstr(l2, "  50/0\n") == l2 + strcspn(l2, "\n") - 6, "%s", l2);
	ck_assert(strstr(l3, "  -  ") != NULL);                 /* no connection: no memory per one */
	ck_assert_int_eq((int)(strchr(l1, '\n') - l1), (int)(strchr(l2, '\n') - l2));   /* aligned */
}
END_TEST

START_TEST(every_column_has_a_heading_and_a_cell)
{
	struct compare_row r = { .name = "x" };
	r.f.ncores = 1;
	for (size_t c = 0; c < compare_ncolumns; c++) {
		struct buf b = { 0 };
		ck_assert_msg(compare_columns[c].head && *compare_columns[c].head, "column %zu", c);
		ck_assert_msg(strchr(compare_columns[c].head, ' ') == NULL,
			      "'%s': a heading is one word", compare_columns[c].head);
		compare_columns[c].cell(&r, &b);
		ck_assert_msg(b.len > 0, "column %s: an empty cell", compare_columns[c].head);
		ck_assert_msg(strchr(b.s, ' ') == NULL, "column %s: a cell is one word",
			      compare_columns[c].head);
		buf_free(&b);
	}
	ck_assert_str_eq(compare_columns[0].head, "scenario");
}
END_TEST

Suite *compare_suite(void)
{
	Suite *s = suite_create("compare");
	TCase *tc = sim_tcase("compare");
	tcase_add_test(tc, the_table_writes_sizes_in_binary_units);
	tcase_add_test(tc, the_compare_table_has_a_heading_and_a_row_a_run);
	tcase_add_test(tc, every_column_has_a_heading_and_a_cell);
	suite_add_tcase(s, tc);
	return s;
}
