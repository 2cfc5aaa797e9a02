/* test_closure: closures — a nested function's value made into an
 * environment on the heap, called through the same syntax as a function
 * value, on this thread, on another, as a coroutine; the faults; and
 * what the trace, the sentences and the memory map say about them. */
#include <stdio.h>
#include <string.h>

#include "lang/ast.h"
#include "out/explain.h"
#include "out/trace.h"
#include "sim.h"
#include "sim/closure.h"
#include "sim/heap.h"
#include "ui/memmap.h"

/* The chapter's outerFunction/innerFunction, numbers for the strings. */
static const char *outer_prog =
	"int f;\n"
	"int outerFunction(int outerVariable) {\n"
	"    void innerFunction(int innerVariable) {\n"
	"        print(\"Outer: %d, Inner: %d\\n\", outerVariable, innerVariable);\n"
	"    }\n"
	"    return innerFunction;\n"
	"}\n"
	"int main() {\n"
	"    f = outerFunction(1);\n"
	"    f(2); // call\n"
	"    return 0;\n"
	"}\n";

/* A counter factory and two counters made by it. */
static const char *counter_prog =
	"int a; int b; int got[4];\n"
	"int make_counter(int start) {\n"
	"    int count = start;\n"
	"    int next() { count++; return count; }\n"
	"    return next;\n"
	"}\n"
	"int main() {\n"
	"    a = make_counter(0);\n"
	"    b = make_counter(100);\n"
	"    got[0] = a(); got[1] = a(); got[2] = b(); got[3] = a();\n"
	"    return 0;\n"
	"}\n";

/* The closure at addr in s's machine; the test fails when it is none. */
static struct closure read_closure(const struct sim *s, uint64_t addr)
{
	struct closure c;
	ck_assert_msg(closure_read(s->m, 1, addr, &c), "0x%llx is no closure", (unsigned long long)addr);
	return c;
}

/* Captured value i of the closure at addr. */
static int64_t captured(const struct sim *s, uint64_t addr, int i)
{
	return machine_peek(s->m, 1, addr + (uint64_t)(CLOSURE_W_VALUES + i) * WORD);
}

START_TEST(the_chapters_example_prints_outer_and_inner)
{
	struct sim *s = sim_run(outer_prog);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_str_eq(sim_output(s), "Outer: 1, Inner: 2\n");
	ck_assert_int_eq(sim_count(s, EV_CLOSURE), 1);
	uint64_t f = (uint64_t)sim_global(s, "f", 0);
	struct closure c = read_closure(s, f);
	ck_assert_uint_eq(c.code, sim_addr(s, "innerFunction"));
	ck_assert_int_eq(c.count, 1);
	ck_assert_int_eq(c.owner, 1);
	ck_assert_int_eq(captured(s, f, 0), 1);
	ck_assert_uint_eq(c.size, (CLOSURE_W_VALUES + 1) * WORD);
	/* the environment outlives outerFunction: still allocated at the end */
	ck_assert_int_eq(heap_check(machine_proc(s->m, 1), f), -1);
	const struct event *e = sim_nth(s, EV_CLOSURE, 0);
	ck_assert_uint_eq(e->addr, f);
	ck_assert_int_eq(e->a, 1);
	ck_assert_uint_eq((uint64_t)e->b, sim_addr(s, "innerFunction"));
}
END_TEST

START_TEST(a_closure_call_brings_its_environment_in_r7)
{
	struct sim *s = sim_run(outer_prog);
	uint64_t f = (uint64_t)sim_global(s, "f", 0);
	int line = sim_line_of(s, "// call"), found = 0;
	for (int i = 0; sim_nth(s, EV_EXEC, i); i++) {
		const struct event *e = sim_nth(s, EV_EXEC, i);
		if (e->insn->op != OP_CALLR)
			continue;
		ck_assert_int_eq(e->line, line);
		ck_assert_int_eq(e->reg, CLOSURE_ENV_REG);
		ck_assert_uint_eq((uint64_t)e->regval, f);
		const struct event *next = sim_nth(s, EV_EXEC, i + 1);
		ck_assert_uint_eq(next->pc, sim_addr(s, "innerFunction"));
		found++;
	}
	ck_assert_int_eq(found, 1);
	/* the prologue keeps the environment in the function's env local */
	const struct img_func *fn = image_func_at(s->sc->image, sim_addr(s, "innerFunction"));
	ck_assert_int_eq(fn->env_offset, -8);
	ck_assert_uint_eq(fn->ncaptures, 1);
	ck_assert_str_eq(fn->captures[0], "outerVariable");
	const struct insn *st = image_insn(s->sc->image, fn->addr + 3 * INSN_SIZE);
	ck_assert_int_eq(st->op, OP_ST);
	ck_assert_int_eq(st->rd, CLOSURE_ENV_REG);
	ck_assert_int_eq(st->rs, REG_FP);
	ck_assert_int_eq(st->imm, -8);
}
END_TEST

START_TEST(a_counter_keeps_its_count_between_calls)
{
	struct sim *s = sim_run(counter_prog);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "got", 0), 1);
	ck_assert_int_eq(sim_global(s, "got", 1), 2);
	ck_assert_int_eq(sim_global(s, "got", 3), 3);
	uint64_t a = (uint64_t)sim_global(s, "a", 0);
	ck_assert_int_eq(captured(s, a, 0), 3);
}
END_TEST

START_TEST(two_counters_have_independent_state)
{
	struct sim *s = sim_run(counter_prog);
	uint64_t a = (uint64_t)sim_global(s, "a", 0), b = (uint64_t)sim_global(s, "b", 0);
	ck_assert_uint_ne(a, b);
	ck_assert_int_eq(sim_global(s, "got", 2), 101);
	ck_assert_int_eq(captured(s, a, 0), 3);
	ck_assert_int_eq(captured(s, b, 0), 101);
	ck_assert_int_eq(sim_count(s, EV_CLOSURE), 2);
	ck_assert_uint_eq(read_closure(s, a).code, read_closure(s, b).code);
}
END_TEST

START_TEST(a_closure_given_to_spawn_runs_on_the_new_thread)
{
	struct sim *s = sim_run("int c; int r; int who;\n"
				"int make(int start) {\n"
				"    int count = start;\n"
				"    int step(int by) { count += by; who = self(); return count; }\n"
				"    return step;\n"
				"}\n"
				"int main() {\n"
				"    c = make(10);\n"
				"    int t = spawn(c, 5);\n"
				"    r = join(t);\n"
				"    return c(1) == 16 ? 0 : 1;\n"
				"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 0);
	ck_assert_int_eq(sim_global(s, "r", 0), 15);
	ck_assert_int_eq(sim_global(s, "who", 0), 1);       /* the last call, main's */
	const struct event *sp = sim_nth(s, EV_SPAWN, 0);
	ck_assert_uint_eq(sp->addr, sim_addr(s, "step"));
	const struct event *first = sim_nth_of(s, EV_EXEC, 2, 0);
	ck_assert_uint_eq(first->pc, sim_addr(s, "step"));
}
END_TEST

START_TEST(a_closure_passed_as_a_callback_is_called_there)
{
	struct sim *s = sim_run("int total;\n"
				"void each(int cb, int n) { for (int i = 1; i <= n; i++) cb(i); }\n"
				"int job(int cb) { cb(100); return 0; }\n"
				"int main() {\n"
				"    int sum = 0;\n"
				"    void add(int x) { sum += x; total = sum; }\n"
				"    int f = add;\n"
				"    each(f, 4);\n"
				"    join(spawn(job, f));\n"
				"    return sum;\n"       /* main's own sum: the closure has a copy */
				"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 0);
	ck_assert_int_eq(sim_global(s, "total", 0), 110);
}
END_TEST

START_TEST(a_closure_can_be_a_coroutine)
{
	struct sim *s = sim_run("int got[2];\n"
				"int main() {\n"
				"    int base = 40;\n"
				"    int gen(int x) { yield(base + x); return base; }\n"
				"    int h = coroutine(gen, 2);\n"
				"    got[0] = resume(h, 0);\n"
				"    got[1] = resume(h, 0);\n"
				"    return 0;\n"
				"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "got", 0), 42);
	ck_assert_int_eq(sim_global(s, "got", 1), 40);
}
END_TEST

START_TEST(calling_a_freed_closure_is_a_use_after_free)
{
	struct sim *s = sim_run("int f;\n"
				"int make(int k) { int get() { return k; } return get; }\n"
				"int main() { f = make(7); free(f); return f(); }\n");
	ck_assert_int_eq(sim_end(s), END_FAULT);
	ck_assert_str_eq(fault_names[s->m->fault], "use after free");
	ck_assert_uint_eq(s->m->fault_addr, (uint64_t)sim_global(s, "f", 0));
	ck_assert_int_eq(image_insn(s->sc->image, s->m->end_pc)->op, OP_CALLR);
	s = sim_run("int f;\n"
		    "int make(int k) { int get() { return k; } return get; }\n"
		    "int job() { return 0; }\n"
		    "int main() { f = make(7); free(f); join(spawn(f)); return 0; }\n");
	ck_assert_int_eq(sim_end(s), END_FAULT);
	ck_assert_int_eq(s->m->fault, FAULT_UAF);
}
END_TEST

/* Values that are neither code nor a closure. */
static const char *const not_callable[] = {
	"int main() { int f = 12345; return f(); }\n",
	"int main() { int *p = malloc(32); p[0] = 1; int f = p; return f(); }\n",
	"int g; int main() { int f = &g; return f(); }\n",
};

START_TEST(calling_a_value_that_is_no_function_faults)
{
	struct sim *s = sim_run(not_callable[_i]);
	ck_assert_int_eq(sim_end(s), END_FAULT);
	ck_assert_int_eq(s->m->fault, FAULT_BADJUMP);
	ck_assert_int_eq(sim_count(s, EV_CLOSURE), 0);
}
END_TEST

START_TEST(a_plain_function_value_is_called_as_before)
{
	struct sim *s = sim_run("int twice(int x) { return 2 * x; }\n"
				"int main() { int f = twice; return f(21) == 42 ? 0 : 1; }\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 0);
	ck_assert_int_eq(sim_count(s, EV_CLOSURE), 0);
	ck_assert_int_eq(sim_count(s, EV_MALLOC), 0);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.in_use, 0);
	for (int i = 0; sim_nth(s, EV_EXEC, i); i++) {
		const struct event *e = sim_nth(s, EV_EXEC, i);
		if (e->insn->op == OP_CALLR)
			ck_assert_int_eq(e->reg, REG_NONE);
	}
}
END_TEST

START_TEST(making_closures_until_memory_runs_out_stops_at_the_limit)
{
	struct sim *s = sim_new("int make(int k) { int get() { return k; } return get; }\n"
				"int main() { while (1) make(1); return 0; }\n");
	s->lim.max_memory = 1 << 20;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(sim_end(s), END_LIMIT);
	ck_assert_int_eq(s->m->limit, LIMIT_MEMORY);
}
END_TEST

/* The line of the trace (when trace) or the sentence said for event e
 * of s, at the end of the run; lives until the end of the test. */
static const char *told(struct sim *s, const struct event *e, int trace)
{
	struct buf *b = at_test_end(xcalloc(1, sizeof *b));
	if (trace) {
		struct tracer *tr = trace_new(s->sc, s->m, stdout);
		trace_format(tr, e, b);
		trace_free(tr);
	} else {
		explain_event(s->sc, s->m, e, b);
	}
	at_test_end(b->s);
	return b->s;
}

START_TEST(the_trace_and_the_sentences_say_a_closure_is_made_and_called)
{
	struct sim *s = sim_run(outer_prog);
	unsigned long long f = (unsigned long long)sim_global(s, "f", 0);
	const struct event *e = sim_nth(s, EV_CLOSURE, 0);
	char want[256];
	snprintf(want, sizeof want, "%llu cpu0 T1 closure %#llx innerFunction env 32 bytes "
		 "outerVariable=1 (line 6)", (unsigned long long)e->tick, f);
	ck_assert_str_eq(told(s, e, 1), want);
	snprintf(want, sizeof want, "T1 makes a closure of innerFunction: its environment, a heap "
		 "block at %#llx, holds outerVariable = 1", f);
	ck_assert_str_eq(told(s, e, 0), want);
}
END_TEST

START_TEST(the_memory_map_names_the_environment_and_its_captures)
{
	struct sim *s = sim_run(counter_prog);
	struct mm_row rows[200];
	size_t n = memmap_build(s->sc, s->m, 1, NULL, 0, 0, rows, 200);
	int seen = 0;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(rows[i].text, "closure next (env) 32 B by T1  count = ", 39))
			continue;
		ck_assert_int_eq(rows[i].kind, MM_BLOCK);
		ck_assert_int_eq(rows[i].tid, 1);
		ck_assert_int_eq(rows[i].depth, 1);
		ck_assert_uint_eq(rows[i].size, 48);
		seen |= strcmp(rows[i].text + 39, "3") == 0 ? 1 :
			strcmp(rows[i].text + 39, "101") == 0 ? 2 : 4;
	}
	ck_assert_int_eq(seen, 3);
}
END_TEST

Suite *closure_suite(void)
{
	Suite *s = suite_create("closure");
	TCase *tc = sim_tcase("calls");
	tcase_add_test(tc, the_chapters_example_prints_outer_and_inner);
	tcase_add_test(tc, a_closure_call_brings_its_environment_in_r7);
	tcase_add_test(tc, a_counter_keeps_its_count_between_calls);
	tcase_add_test(tc, two_counters_have_independent_state);
	tcase_add_test(tc, a_closure_given_to_spawn_runs_on_the_new_thread);
	tcase_add_test(tc, a_closure_passed_as_a_callback_is_called_there);
	tcase_add_test(tc, a_closure_can_be_a_coroutine);
	tcase_add_test(tc, a_plain_function_value_is_called_as_before);
	suite_add_tcase(s, tc);

	tc = sim_tcase("faults");
	tcase_add_test(tc, calling_a_freed_closure_is_a_use_after_free);
	tcase_add_loop_test(tc, calling_a_value_that_is_no_function_faults, 0,
			    (int)ARRAY_LEN(not_callable));
	tcase_add_test(tc, making_closures_until_memory_runs_out_stops_at_the_limit);
	suite_add_tcase(s, tc);

	tc = sim_tcase("output");
	tcase_add_test(tc, the_trace_and_the_sentences_say_a_closure_is_made_and_called);
	tcase_add_test(tc, the_memory_map_names_the_environment_and_its_captures);
	suite_add_tcase(s, tc);
	return s;
}
