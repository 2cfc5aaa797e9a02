/* test_lex: the lexer, token by token. */
#include <string.h>

#include "tests.h"
#include "lang/lex.h"

/* Lex src into kinds[] (up to n); returns how many tokens before EOF. */
static int lex_all(const char *src, size_t len, int *kinds, int64_t *nums, int n, int *errors)
{
	struct diags d;
	struct lexer lx;
	struct token t;
	int i = 0;
	diags_init(&d, "t", src, len);
	lexer_init(&lx, src, len, &d);
	for (;;) {
		lex_next(&lx, &t);
		if (t.kind == TK_EOF || i == n)
			break;
		kinds[i] = t.kind;
		if (nums)
			nums[i] = t.num;
		i++;
	}
	if (errors)
		*errors = d.errors;
	lexer_free(&lx);
	diags_free(&d);
	return i;
}

START_TEST(test_lex_keywords_and_identifiers)
{
	int k[8];
	const char *src = "int thread_local counter_2 while mutex x";
	ck_assert_int_eq(lex_all(src, strlen(src), k, NULL, 8, NULL), 6);
	ck_assert_int_eq(k[0], TK_INT);
	ck_assert_int_eq(k[1], TK_THREAD_LOCAL);
	ck_assert_int_eq(k[2], TK_IDENT);
	ck_assert_int_eq(k[3], TK_WHILE);
	ck_assert_int_eq(k[4], TK_MUTEX);
	ck_assert_int_eq(k[5], TK_IDENT);
}
END_TEST

START_TEST(test_lex_operators_longest_match)
{
	int k[16];
	const char *src = "<<= << <= < ++ + += -- -> && & || ==";
	int n = lex_all(src, strlen(src), k, NULL, 16, NULL);
	int want[] = { TK_SHL_EQ, TK_SHL, TK_LE, '<', TK_INC, '+', TK_ADD_EQ, TK_DEC,
		       TK_ARROW, TK_ANDAND, '&', TK_OROR, TK_EQ };
	ck_assert_int_eq(n, (int)(sizeof want / sizeof *want));
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(k[i], want[i]);
}
END_TEST

START_TEST(test_lex_char_struct_union_are_keywords)
{
	int k[8];
	const char *src = "char struct union chars p->x s.y";
	int n = lex_all(src, strlen(src), k, NULL, 8, NULL);
	int want[] = { TK_CHAR, TK_STRUCT, TK_UNION, TK_IDENT, TK_IDENT, TK_ARROW, TK_IDENT,
		       TK_IDENT };
	ck_assert_int_eq(n, 8);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(k[i], want[i]);
}
END_TEST

START_TEST(test_lex_numbers)
{
	int k[8], errors;
	int64_t v[8];
	const char *src = "42 0x2A 052 0b101010 'a' '\\n' 9223372036854775807";
	ck_assert_int_eq(lex_all(src, strlen(src), k, v, 8, &errors), 7);
	ck_assert_int_eq(errors, 0);
	ck_assert_int_eq(v[0], 42);
	ck_assert_int_eq(v[1], 42);
	ck_assert_int_eq(v[2], 42);
	ck_assert_int_eq(v[3], 42);
	ck_assert_int_eq(v[4], 'a');
	ck_assert_int_eq(v[5], '\n');
	ck_assert(v[6] == INT64_MAX);
}
END_TEST

/* Inputs the lexer must report exactly one error for. */
static const char *const one_error[] = {
	"9223372036854775808", "0x", "09", "12abc", "1.5",      /* numbers */
	"\"abc\nx", "/* abc", "'a", "'ab'",                     /* unterminated */
};

START_TEST(test_lex_one_error_each)
{
	int k[4], errors;
	lex_all(one_error[_i], strlen(one_error[_i]), k, NULL, 4, &errors);
	ck_assert_msg(errors == 1, "%s: %d errors", one_error[_i], errors);
}
END_TEST

START_TEST(test_lex_string_escapes)
{
	const char *src = "\"a\\tb\\x41\\n\\\"\"";
	struct diags d;
	struct lexer lx;
	struct token t;
	diags_init(&d, "t", src, strlen(src));
	lexer_init(&lx, src, strlen(src), &d);
	lex_next(&lx, &t);
	ck_assert_int_eq(t.kind, TK_STR);
	ck_assert_int_eq(t.str_len, 6);
	ck_assert_mem_eq(t.str, "a\tbA\n\"", 6);
	ck_assert_int_eq(d.errors, 0);
	lexer_free(&lx);
	diags_free(&d);
}
END_TEST

START_TEST(test_lex_comments_and_positions)
{
	const char *src = "// one\n/* two\n three */ x\n  y";
	struct diags d;
	struct lexer lx;
	struct token t;
	diags_init(&d, "t", src, strlen(src));
	lexer_init(&lx, src, strlen(src), &d);
	lex_next(&lx, &t);
	ck_assert_int_eq(t.kind, TK_IDENT);
	ck_assert_int_eq(t.line, 3);
	ck_assert_int_eq(t.col, 11);
	lex_next(&lx, &t);
	ck_assert_int_eq(t.line, 4);
	ck_assert_int_eq(t.col, 3);
	lex_next(&lx, &t);
	ck_assert_int_eq(t.kind, TK_EOF);
	lexer_free(&lx);
	diags_free(&d);
}
END_TEST

START_TEST(test_lex_directive_ends_at_line)
{
	int k[16];
	const char *src = "#cores 2\nint x;\n#note line 3 \\\n \"a\"\n";
	int n = lex_all(src, strlen(src), k, NULL, 16, NULL);
	int want[] = { TK_DIRECTIVE, TK_NUM, TK_EOL, TK_INT, TK_IDENT, ';',
		       TK_DIRECTIVE, TK_IDENT, TK_NUM, TK_STR, TK_EOL };
	ck_assert_int_eq(n, (int)(sizeof want / sizeof *want));
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(k[i], want[i]);
}
END_TEST

START_TEST(test_lex_hash_inside_line_is_stray)
{
	int k[8], errors;
	const char *src = "int x; #cores 2";
	lex_all(src, strlen(src), k, NULL, 8, &errors);
	ck_assert_int_eq(errors, 1);
	/* blanks and comments before the '#' still make a directive */
	src = "  /* c */ #cores 2";
	ck_assert_int_eq(lex_all(src, strlen(src), k, NULL, 8, &errors), 3);
	ck_assert_int_eq(k[0], TK_DIRECTIVE);
	ck_assert_int_eq(errors, 0);
}
END_TEST

START_TEST(test_lex_stray_bytes_once_per_run)
{
	int k[8], errors;
	const char src[] = "x \x01\x02\x00\x7f\xff y";
	int n = lex_all(src, sizeof src - 1, k, NULL, 8, &errors);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(errors, 1);
}
END_TEST

START_TEST(test_lex_identifier_limit)
{
	char src[MAX_IDENT + 2];
	int k[2], errors;
	memset(src, 'a', sizeof src);
	lex_all(src, MAX_IDENT, k, NULL, 2, &errors);
	ck_assert_int_eq(errors, 0);
	lex_all(src, MAX_IDENT + 1, k, NULL, 2, &errors);
	ck_assert_int_eq(errors, 1);
}
END_TEST

START_TEST(test_lex_string_limit)
{
	char src[MAX_STRING + 8];
	int k[2], errors;
	src[0] = '"';
	memset(src + 1, 'a', MAX_STRING);
	src[MAX_STRING + 1] = '"';
	lex_all(src, MAX_STRING + 2, k, NULL, 2, &errors);
	ck_assert_int_eq(errors, 0);
	memset(src + 1, 'a', MAX_STRING + 1);
	src[MAX_STRING + 2] = '"';
	lex_all(src, MAX_STRING + 3, k, NULL, 2, &errors);
	ck_assert_int_eq(errors, 1);
}
END_TEST

Suite *lex_suite(void)
{
	Suite *s = suite_create("lex");
	TCase *tc = tcase_create("lex");
	tcase_add_test(tc, test_lex_keywords_and_identifiers);
	tcase_add_test(tc, test_lex_operators_longest_match);
	tcase_add_test(tc, test_lex_numbers);
	tcase_add_test(tc, test_lex_char_struct_union_are_keywords);
	tcase_add_loop_test(tc, test_lex_one_error_each, 0, (int)ARRAY_LEN(one_error));
	tcase_add_test(tc, test_lex_string_escapes);
	tcase_add_test(tc, test_lex_comments_and_positions);
	tcase_add_test(tc, test_lex_directive_ends_at_line);
	tcase_add_test(tc, test_lex_hash_inside_line_is_stray);
	tcase_add_test(tc, test_lex_stray_bytes_once_per_run);
	tcase_add_test(tc, test_lex_identifier_limit);
	tcase_add_test(tc, test_lex_string_limit);
	suite_add_tcase(s, tc);
	return s;
}
