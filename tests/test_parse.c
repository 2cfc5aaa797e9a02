/* test_parse: the parser's trees, directives and error recovery. */
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "lang/lex.h"
#include "lang/parse.h"

static struct program prog;
static struct diags diags;
static char *src_keep;          /* a generated source, freed at teardown */

static void parse(const char *src)
{
	memset(&prog, 0, sizeof prog);
	diags_init(&diags, "t.scn", src, strlen(src));
	parse_program(&prog, src, strlen(src), &diags);
}

static void teardown(void)
{
	program_free(&prog);
	diags_free(&diags);
	free(src_keep);
	src_keep = NULL;
}

/* The expression of the first statement of the first function. */
static struct node *first_expr(void)
{
	ck_assert_uint_ge(prog.nfuncs, 1);
	struct node *s = prog.funcs[0]->body->body;
	ck_assert_ptr_nonnull(s);
	return s->kind == N_EXPR || s->kind == N_RETURN ? s->lhs : s;
}

START_TEST(test_parse_precedence)
{
	parse("int f() { return 1 + 2 * 3 - 4; }");
	ck_assert_int_eq(diags.errors, 0);
	struct node *n = first_expr();
	/* (1 + (2 * 3)) - 4 */
	ck_assert_int_eq(n->kind, N_BINARY);
	ck_assert_int_eq(n->op, '-');
	ck_assert_int_eq(n->lhs->op, '+');
	ck_assert_int_eq(n->lhs->rhs->op, '*');
	ck_assert_int_eq(n->rhs->val, 4);
}
END_TEST

START_TEST(test_parse_assignment_is_right_associative)
{
	parse("int a; int b; void f() { a = b = 3; }");
	struct node *n = first_expr();
	ck_assert_int_eq(n->kind, N_ASSIGN);
	ck_assert_int_eq(n->rhs->kind, N_ASSIGN);
	ck_assert_int_eq(n->rhs->rhs->val, 3);
}
END_TEST

START_TEST(test_parse_logical_and_ternary)
{
	parse("int f(int a, int b) { return a || b && !a ? a : b; }");
	ck_assert_int_eq(diags.errors, 0);
	struct node *n = first_expr();
	ck_assert_int_eq(n->kind, N_TERNARY);
	ck_assert_int_eq(n->cond->kind, N_LOGOR);
	ck_assert_int_eq(n->cond->rhs->kind, N_LOGAND);
	ck_assert_int_eq(n->cond->rhs->rhs->kind, N_UNARY);
}
END_TEST

START_TEST(test_parse_postfix_and_unary)
{
	parse("int a[3]; int *p; void f() { *p++ = -a[1]; }");
	ck_assert_int_eq(diags.errors, 0);
	struct node *n = first_expr();
	ck_assert_int_eq(n->kind, N_ASSIGN);
	ck_assert_int_eq(n->lhs->kind, N_DEREF);
	ck_assert_int_eq(n->lhs->lhs->kind, N_POSTINC);
	ck_assert_int_eq(n->rhs->kind, N_UNARY);
	ck_assert_int_eq(n->rhs->lhs->kind, N_INDEX);
}
END_TEST

START_TEST(test_parse_declarations)
{
	parse("const int N = 3; thread_local int t; int *p, a[4], b = 2; mutex m; semaphore s = 2;\n"
	      "int main() { return 0; }");
	ck_assert_int_eq(diags.errors, 0);
	ck_assert_uint_eq(prog.nglobals, 7);
	ck_assert(prog.globals[0]->is_const);
	ck_assert(prog.globals[1]->is_tls);
	ck_assert_int_eq(prog.globals[2]->ty->kind, TY_PTR);
	ck_assert_int_eq(prog.globals[3]->ty->kind, TY_ARRAY);
	ck_assert_int_eq(prog.globals[4]->init->val, 2);
	ck_assert_int_eq(prog.globals[5]->ty->kind, TY_MUTEX);
	ck_assert_int_eq(prog.globals[6]->ty->kind, TY_SEM);
	ck_assert_uint_eq(prog.nfuncs, 1);
}
END_TEST

START_TEST(test_parse_statements)
{
	parse("void f(int n) { for (int i = 0; i < n; i++) { if (i) continue; else break; }\n"
	      " while (n) n--; do { n++; } while (n < 3); ; }");
	ck_assert_int_eq(diags.errors, 0);
	struct node *s = prog.funcs[0]->body->body;
	ck_assert_int_eq(s->kind, N_FOR);
	ck_assert_int_eq(s->init->kind, N_DECL);
	ck_assert_int_eq(s->body->body->kind, N_IF);
	ck_assert_int_eq(s->next->kind, N_WHILE);
	ck_assert_int_eq(s->next->next->kind, N_DO);
	ck_assert_int_eq(s->next->next->next->kind, N_EMPTY);
}
END_TEST

START_TEST(test_parse_directives)
{
	parse("#title \"T\"\n#description \"a\"\n#description \"b\"\n#cores 4\n#quantum 3\n"
	      "#policy fifo\n#seed 7\n#switch-cost 2\n#schedule \"1*3 2\"\n#expect x == 1\n"
	      "#expect-output \"x\\n\"\n#expect-status deadlock\n#note tick 5 \"five\"\n"
	      "#note event fault \"boom\"\nint x;\nint main() { return 0; }\n");
	ck_assert_int_eq(diags.errors, 0);
	ck_assert_str_eq(prog.title, "T");
	ck_assert_str_eq(prog.description, "a\nb");
	ck_assert_int_eq(prog.config.cores, 4);
	ck_assert_int_eq(prog.config.quantum, 3);
	ck_assert_int_eq(prog.config.policy, POLICY_FIFO);
	ck_assert_int_eq(prog.config.seed, 7);
	ck_assert_int_eq(prog.config.switch_cost, 2);
	ck_assert_str_eq(prog.config.schedule, "1*3 2");
	struct expect *e = prog.expects;
	ck_assert_int_eq(e->kind, EXPECT_COND);
	ck_assert_str_eq(e->text, "x == 1");
	ck_assert_int_eq(e->next->kind, EXPECT_OUTPUT);
	ck_assert_str_eq(e->next->text, "x\n");
	ck_assert_int_eq(e->next->next->status, END_DEADLOCK);
	ck_assert_int_eq(prog.notes->trigger, NOTE_TICK);
	ck_assert_int_eq(prog.notes->at, 5);
	ck_assert_int_eq(prog.notes->next->at, NEV_FAULT);
}
END_TEST

START_TEST(test_parse_defaults)
{
	parse("int main() { return 0; }");
	ck_assert_ptr_null(prog.title);
	ck_assert_int_eq(prog.config.cores, 1);
	ck_assert_int_eq(prog.config.policy, POLICY_RR);
}
END_TEST

START_TEST(test_parse_recovers_to_report_several_errors)
{
	parse("int main() {\n  int x = 1\n  x = ;\n  return x\n}\nint y = ;\n");
	ck_assert_int_eq(diags.errors, 4);
	ck_assert_int_eq(diags.v[0].line, 2);
	ck_assert_int_eq(diags.v[1].line, 3);
	ck_assert_int_eq(diags.v[2].line, 4);
	ck_assert_int_eq(diags.v[3].line, 6);
}
END_TEST

START_TEST(test_parse_unclosed_bracket_names_its_line)
{
	/* the '}' on line 4 closes the if's block: main's is the open one */
	parse("int main() {\n  if (1) {\n    return 0;\n}\n");
	ck_assert_int_eq(diags.errors, 1);
	ck_assert_str_eq(diags.v[0].msg,
			 "expected '}' to close '{' opened at line 1, found end of file");
	teardown();
	parse("int main() {\n  return (1 +\n 2;\n}\n");
	ck_assert_int_ge(diags.errors, 1);
	ck_assert_str_eq(diags.v[0].msg, "expected ')' to close '(' opened at line 2, found ';'");
}
END_TEST

/* Parse "int main() { return ((...(1)...)); }" with n parentheses. */
static void parse_nested(size_t n)
{
	struct buf b = { 0 };
	buf_puts(&b, "int main() { return ");
	for (size_t i = 0; i < n; i++)
		buf_putc(&b, '(');
	buf_putc(&b, '1');
	for (size_t i = 0; i < n; i++)
		buf_putc(&b, ')');
	buf_puts(&b, "; }");
	parse(b.s);
	/* the diagnostics quote the source: keep it until teardown */
	src_keep = buf_take(&b);
}

START_TEST(test_parse_deep_nesting_is_an_error_not_a_crash)
{
	parse_nested(5000);
	ck_assert_int_eq(diags.errors, 1);
	ck_assert_str_eq(diags.v[0].msg, "nesting too deep (at most 256 levels)");
}
END_TEST

START_TEST(test_parse_nesting_at_the_limit_is_fine)
{
	/* main's body is one level; 254 more parentheses fit */
	parse_nested(MAX_NESTING - 3);
	ck_assert_int_eq(diags.errors, 0);
}
END_TEST

START_TEST(test_parse_too_many_errors_stops)
{
	struct buf b = { 0 };
	for (int i = 0; i < 50; i++)
		buf_puts(&b, "int = ;\n");
	parse(b.s);
	ck_assert_int_eq(diags.errors, DIAG_MAX_ERRORS);
	ck_assert(diags.stopped);
	buf_free(&b);
}
END_TEST

START_TEST(test_parse_recovers_from_stray_tokens)
{
	/* each stray token starts no statement: the parser must move past it */
	parse("int main() {\n  int x;\n  else x = 2;\n  );\n  ]\n  : , = 3;\n#cores 2\n  return x;\n}\n");
	ck_assert_int_ge(diags.errors, 4);
	ck_assert_str_eq(diags.v[0].msg, "expected an expression before 'else'");
	ck_assert_int_eq(diags.v[0].line, 3);
	int directive = 0;
	for (size_t i = 0; i < diags.n; i++)
		directive |= strcmp(diags.v[i].msg, "directives go outside functions") == 0 &&
			     diags.v[i].line == 7;
	ck_assert(directive);
}
END_TEST

START_TEST(test_parse_end_of_file_errors_point_at_the_last_token)
{
	parse("int main() {\n    return 0;\n");
	ck_assert_int_eq(diags.errors, 1);
	ck_assert_int_eq(diags.v[0].line, 2);
	ck_assert_int_eq(diags.v[0].col, 14);
}
END_TEST

START_TEST(test_parse_directive_errors)
{
	parse("#cores 0\n#policy fast\n#bogus 1\n#title \"a\"\n#title \"b\"\n#quantum 2 3\n");
	ck_assert_int_eq(diags.errors, 5);
	ck_assert_str_eq(diags.v[0].msg, "0 is out of range (1 to 64)");
	ck_assert_str_eq(diags.v[1].msg,
			 "unknown policy 'fast'; expected one of: rr fifo priority random script");
	ck_assert_str_eq(diags.v[2].msg, "unknown directive '#bogus'");
	ck_assert_str_eq(diags.v[3].msg, "'#title' given twice");
	ck_assert_str_eq(diags.v[4].msg, "unexpected '3' after '#quantum'");
}
END_TEST

START_TEST(test_parse_structs_and_members)
{
	parse("struct point { char tag; int x, y; struct point *next; union { int n; char b[8]; } u; };\n"
	      "int f(struct point *p) { struct epoll_event ev, events[10]; return p->next->u.b[1] + ev.data.fd; }");
	ck_assert_int_eq(diags.errors, 0);
	struct sdef *sd = NULL;
	for (struct sdef *t = prog.structs; t; t = t->next)
		if (t->tag && strcmp(t->tag, "point") == 0)
			sd = t;
	ck_assert_ptr_nonnull(sd);
	ck_assert_int_eq(sd->nfields, 5);
	ck_assert(sd->defined && !sd->is_union);
	struct field *u = sdef_field(sd, "u");
	ck_assert_ptr_nonnull(u);
	ck_assert_int_eq(u->ty->kind, TY_STRUCT);
	ck_assert(u->ty->sdef->is_union && !u->ty->sdef->tag);
	ck_assert_ptr_eq(sdef_field(sd, "next")->ty->base->sdef, sd);
	/* two declarators in one declaration: a block of two N_DECL */
	struct node *decl = prog.funcs[0]->body->body;
	ck_assert_int_eq(decl->kind, N_BLOCK);
	ck_assert_int_eq(decl->body->var->ty->kind, TY_STRUCT);
	ck_assert_int_eq(decl->body->next->var->ty->kind, TY_ARRAY);
	ck_assert_str_eq(decl->body->next->var->ty->base->sdef->tag, "epoll_event");
	/* p->next->u.b[1] + ev.data.fd */
	struct node *sum = decl->next->lhs;
	ck_assert_int_eq(sum->kind, N_BINARY);
	struct node *ix = sum->lhs;
	ck_assert_int_eq(ix->kind, N_INDEX);
	ck_assert_int_eq(ix->lhs->kind, N_MEMBER);
	ck_assert_int_eq(ix->lhs->op, '.');
	ck_assert_str_eq(ix->lhs->str, "b");
	ck_assert_int_eq(ix->lhs->lhs->lhs->op, TK_ARROW);
	ck_assert_str_eq(ix->lhs->lhs->lhs->str, "next");
	ck_assert_str_eq(sum->rhs->str, "fd");
	ck_assert_str_eq(sum->rhs->lhs->str, "data");
}
END_TEST

START_TEST(test_parse_struct_errors)
{
	parse("int main() { struct inner { int a; } x; return 0; }");
	ck_assert_int_eq(diags.errors, 1);
	ck_assert_ptr_nonnull(strstr(diags.v[0].msg, "defined at file scope"));
	teardown();
	parse("struct p { int a; }; int main() { struct p q; return q.; }");
	ck_assert_int_eq(diags.errors, 1);
	ck_assert_ptr_nonnull(strstr(diags.v[0].msg, "expected a field name after '.'"));
	teardown();
	parse("struct p { int a; }; union p u; int main() { return 0; }");
	ck_assert_int_eq(diags.errors, 1);
	ck_assert_ptr_nonnull(strstr(diags.v[0].msg, "'p' is a struct, not a union"));
}
END_TEST

START_TEST(test_parse_nested_function)
{
	parse("int outer(int x) {\n int y = 2;\n int inner(int z) { return x + y + z; }\n return inner;\n}");
	ck_assert_int_eq(diags.errors, 0);
	/* the nested function is in the program's list, before its enclosing one */
	ck_assert_uint_eq(prog.nfuncs, 2);
	struct func *inner = prog.funcs[0], *outer = prog.funcs[1];
	ck_assert_str_eq(inner->name, "inner");
	ck_assert_ptr_eq(inner->outer, outer);
	ck_assert_ptr_null(outer->outer);
	ck_assert_int_eq(inner->nparams, 1);
	ck_assert_int_eq(inner->line, 3);
	/* and a statement of the enclosing body, where it is defined */
	struct node *s = outer->body->body->next;
	ck_assert_int_eq(s->kind, N_FUNC);
	ck_assert_ptr_eq(s->fn, inner);
	ck_assert_int_eq(s->next->kind, N_RETURN);
}
END_TEST

START_TEST(test_parse_nesting_goes_one_level_deep)
{
	parse("int a() {\n int b() {\n  int c() { return 1; }\n  return 0;\n }\n return 0;\n}");
	ck_assert_int_eq(diags.errors, 1);
	ck_assert_int_eq(diags.v[0].line, 3);
	ck_assert_int_eq(diags.v[0].col, 7);
}
END_TEST

Suite *parse_suite(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_parse_precedence);
	tcase_add_test(tc, test_parse_assignment_is_right_associative);
	tcase_add_test(tc, test_parse_logical_and_ternary);
	tcase_add_test(tc, test_parse_postfix_and_unary);
	tcase_add_test(tc, test_parse_declarations);
	tcase_add_test(tc, test_parse_statements);
	tcase_add_test(tc, test_parse_directives);
	tcase_add_test(tc, test_parse_defaults);
	tcase_add_test(tc, test_parse_recovers_to_report_several_errors);
	tcase_add_test(tc, test_parse_unclosed_bracket_names_its_line);
	tcase_add_test(tc, test_parse_deep_nesting_is_an_error_not_a_crash);
	tcase_add_test(tc, test_parse_nesting_at_the_limit_is_fine);
	tcase_add_test(tc, test_parse_too_many_errors_stops);
	tcase_add_test(tc, test_parse_directive_errors);
	tcase_add_test(tc, test_parse_recovers_from_stray_tokens);
	tcase_add_test(tc, test_parse_end_of_file_errors_point_at_the_last_token);
	tcase_add_test(tc, test_parse_nested_function);
	tcase_add_test(tc, test_parse_structs_and_members);
	tcase_add_test(tc, test_parse_struct_errors);
	tcase_add_test(tc, test_parse_nesting_goes_one_level_deep);
	suite_add_tcase(s, tc);
	return s;
}
