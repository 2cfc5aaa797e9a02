/* test_coro: coroutines — creating, resuming and yielding with values
 * both ways, their stacks on the heap, nesting, statuses, the faults,
 * threads and snapshots, and what the trace, the sentences and the
 * memory map say about them. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "out/explain.h"
#include "out/trace.h"
#include "sim.h"
#include "sim/coro.h"
#include "ui/memmap.h"

/* The chapter's generator, numbers in place of the yielded strings. */
static const char *gen_prog =
	"int got[3];\n"
	"int gen;\n"
	"int simple_coroutine() {\n"
	"    print(\"Coroutine started\\n\");\n"
	"    int x = yield(1); // first\n"
	"    print(\"Coroutine resumed with x = %d\\n\", x);\n"
	"    int y = yield(2);\n"
	"    print(\"Coroutine resumed with y = %d\\n\", y);\n"
	"    yield(3);\n"
	"    return 0;\n"
	"}\n"
	"int main() {\n"
	"    gen = coroutine(simple_coroutine);\n"
	"    got[0] = resume(gen, 0); // start\n"
	"    print(\"%d\\n\", got[0]);\n"
	"    got[1] = resume(gen, 10); // ten\n"
	"    print(\"%d\\n\", got[1]);\n"
	"    got[2] = resume(gen, 20);\n"
	"    print(\"%d\\n\", got[2]);\n"
	"    return 0;\n"
	"}\n";

/* Step s's machine until it has sent n events of kind k (the test fails
 * if the run ends first). */
static void step_until(struct sim *s, enum event_kind k, int n)
{
	while (sim_count(s, k) < n)
		ck_assert_msg(machine_step(s->m), "the run ended before %d %s events", n,
			      event_kinds[k].name);
}

/* The coroutine with handle h in s's machine; the test fails when h is
 * none. */
static struct coro read_coro(const struct sim *s, uint64_t h)
{
	struct coro c;
	ck_assert_msg(coro_read(s->m, 1, h, &c) < 0, "0x%llx is no coroutine", (unsigned long long)h);
	return c;
}

/* The heap block holding addr in s's machine; the test fails when none. */
static struct heap_block block_of(const struct sim *s, uint64_t addr)
{
	struct heap_block b;
	for (uint64_t a = machine_proc(s->m, 1)->heap.base; heap_block(machine_proc(s->m, 1), a, &b); a += b.size)
		if (addr >= a && addr < a + b.size)
			return b;
	ck_abort_msg("0x%llx is in no heap block", (unsigned long long)addr);
	return b;
}

START_TEST(the_generator_prints_the_chapters_transcript)
{
	struct sim *s = sim_run(gen_prog);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_str_eq(sim_output(s), "Coroutine started\n1\n"
			 "Coroutine resumed with x = 10\n2\n"
			 "Coroutine resumed with y = 20\n3\n");
	ck_assert_int_eq(sim_count(s, EV_CO_CREATE), 1);
	ck_assert_int_eq(sim_count(s, EV_RESUME), 3);
	ck_assert_int_eq(sim_count(s, EV_CO_YIELD), 3);
	ck_assert_int_eq(sim_count(s, EV_CO_RETURN), 0);
	ck_assert_int_eq(sim_count(s, EV_SWITCH), 1);  /* only the start: no kernel switch */
	uint64_t h = (uint64_t)sim_global(s, "gen", 0);
	static const int64_t sent[3] = { 0, 10, 20 };
	for (int i = 0; i < 3; i++) {
		const struct event *r = sim_nth(s, EV_RESUME, i), *y = sim_nth(s, EV_CO_YIELD, i);
		ck_assert_uint_eq(r->addr, h);
		ck_assert_int_eq(r->a, sent[i]);
		ck_assert_int_eq(r->b, i == 0);
		ck_assert_int_eq(r->other, 1);
		ck_assert_uint_eq(y->addr, h);
		ck_assert_int_eq(y->a, i + 1);
		ck_assert_int_eq(sim_global(s, "got", i), i + 1);
		/* the yield goes back right after the resume that ran it */
		ck_assert_uint_eq(y->to->pc, r->pc + INSN_SIZE);
		ck_assert_uint_eq(y->to->sp, r->from->sp);
	}
	ck_assert_int_eq(sim_nth(s, EV_RESUME, 0)->line, sim_line_of(s, "// start"));
	ck_assert_int_eq(sim_nth(s, EV_CO_YIELD, 0)->line, sim_line_of(s, "// first"));
	/* the second resume goes on where the first yield stopped */
	ck_assert_uint_eq(sim_nth(s, EV_RESUME, 1)->to->pc, sim_nth(s, EV_CO_YIELD, 0)->from->pc);
	ck_assert_int_eq(sim_nth(s, EV_RESUME, 1)->to->r[R0], 10);
	/* left suspended at its third yield */
	struct coro c = read_coro(s, h);
	ck_assert_int_eq(c.status, CO_SUSPENDED);
	ck_assert_int_eq(c.value, 3);
	ck_assert_uint_eq(c.ctx.pc, sim_nth(s, EV_CO_YIELD, 2)->from->pc);
	ck_assert_uint_lt(s->m->stack_peak, CO_STACK_SIZE);
}
END_TEST

START_TEST(values_pass_both_ways)
{
	struct sim *s = sim_run("int seen[3];\n"
				"int echo(int first) {\n"
				"    int v = first;\n"
				"    for (int i = 0; i < 3; i++) {\n"
				"        v = yield(v * 2);\n"
				"        seen[i] = v;\n"
				"    }\n"
				"    return v + 1000;\n"
				"}\n"
				"int main() {\n"
				"    int h = coroutine(echo, 5);\n"
				"    int a = resume(h, 99);\n"
				"    int b = resume(h, 7);\n"
				"    int c = resume(h, 8);\n"
				"    int d = resume(h, 9);\n"
				"    print(\"%d %d %d %d %d\\n\", a, b, c, d, co_status(h));\n"
				"    return 0;\n"
				"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	/* 99 starts it and is dropped; 7, 8 and 9 come out of its yields */
	ck_assert_str_eq(sim_output(s), "10 14 16 1009 2\n");
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(sim_global(s, "seen", i), 7 + i);
	ck_assert_int_eq(sim_count(s, EV_CO_RETURN), 1);
	const struct event *r = sim_nth(s, EV_CO_RETURN, 0);
	ck_assert_int_eq(r->a, 1009);
	ck_assert_ptr_null(r->from);
	ck_assert_int_eq(r->to->r[R0], 1009);
	ck_assert_int_eq(sim_nth(s, EV_CO_CREATE, 0)->a, 5);
}
END_TEST

START_TEST(a_void_function_returns_0)
{
	struct sim *s = sim_run("int out = 7;\n"
				"void f(int x) { int y = x * 3; out = y; }\n"
				"int main() { int h = coroutine(f, 4); return resume(h, 0) + out; }\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 12);
	ck_assert_int_eq(sim_nth(s, EV_CO_RETURN, 0)->a, 0);
}
END_TEST

START_TEST(co_status_goes_suspended_running_finished)
{
	struct sim *s = sim_run("int h; int st[4];\n"
				"int f() { st[1] = co_status(h); yield(0); return 1; }\n"
				"int main() {\n"
				"    h = coroutine(f);\n"
				"    st[0] = co_status(h);\n"
				"    resume(h, 0);\n"
				"    st[2] = co_status(h);\n"
				"    resume(h, 0);\n"
				"    st[3] = co_status(h);\n"
				"    return 0;\n"
				"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	static const int want[4] = { CO_SUSPENDED, CO_RUNNING, CO_SUSPENDED, CO_FINISHED };
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(sim_global(s, "st", i), want[i]);
	ck_assert_int_eq(CO_SUSPENDED, 0);
	ck_assert_int_eq(CO_RUNNING, 1);
	ck_assert_int_eq(CO_FINISHED, 2);
}
END_TEST

static const char *nested_prog =
	"int inner_h; int outer_h; int mid;\n"
	"int inner(int x) { int y = yield(x + 1); return y * 10; }\n"
	"int outer() {\n"
	"    inner_h = coroutine(inner, 4);\n"
	"    int a = resume(inner_h, 0);\n"
	"    mid = co_status(outer_h);\n"
	"    int b = yield(a);\n"
	"    int c = resume(inner_h, b);\n"
	"    return c + 1;\n"
	"}\n"
	"int main() {\n"
	"    outer_h = coroutine(outer);\n"
	"    int r1 = resume(outer_h, 0);\n"
	"    int r2 = resume(outer_h, 6);\n"
	"    print(\"%d %d\\n\", r1, r2);\n"
	"    return 0;\n"
	"}\n";

START_TEST(a_coroutine_resumes_another)
{
	struct sim *s = sim_new(nested_prog);
	ck_assert_int_eq(sim_start(s), 0);
	/* inner has yielded to outer: the chain is main <- outer <- inner */
	step_until(s, EV_CO_YIELD, 1);
	uint64_t in = (uint64_t)sim_global(s, "inner_h", 0), out = (uint64_t)sim_global(s, "outer_h", 0);
	struct coro ci = read_coro(s, in), co = read_coro(s, out);
	ck_assert_int_eq(ci.status, CO_SUSPENDED);
	ck_assert_int_eq(co.status, CO_RUNNING);
	ck_assert_uint_eq(ci.resumer, out);
	ck_assert_uint_eq(co.resumer, 0);
	const struct thread *t = machine_thread(s->m, 1);
	ck_assert_uint_eq(t->co, out);
	ck_assert_uint_ge((uint64_t)t->r[REG_SP], co.stack + CO_GUARD);
	ck_assert_uint_lt((uint64_t)t->r[REG_SP], co.stack_hi);
	/* the yield went back onto outer's stack, not main's */
	const struct event *y = sim_nth(s, EV_CO_YIELD, 0);
	ck_assert_uint_eq(y->addr, in);
	ck_assert_uint_ge(y->to->sp, co.stack);
	ck_assert_uint_lt(y->to->sp, co.stack_hi);
	struct context home;
	ck_assert(coro_home(s->m, t, &home));
	ck_assert_uint_ge(home.sp, t->stack_lo);
	ck_assert_uint_lt(home.sp, t->stack_hi);
	sim_finish(s);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_str_eq(sim_output(s), "5 61\n");
	ck_assert_int_eq(sim_global(s, "mid", 0), CO_RUNNING);
	ck_assert_int_eq(read_coro(s, in).status, CO_FINISHED);
	ck_assert_int_eq(read_coro(s, out).status, CO_FINISHED);
	ck_assert_int_eq(read_coro(s, in).value, 60);
	ck_assert_int_eq(read_coro(s, out).value, 61);
	ck_assert_uint_eq(machine_thread(s->m, 1)->co, 0);
}
END_TEST

START_TEST(a_finished_coroutine_frees_its_stack_and_keeps_its_object)
{
	struct sim *s = sim_new("int h;\n"
				"int f(int a, int b) { return a * b; }\n"
				"int main() { h = coroutine(f, 6, 7); return resume(h, 0); }\n");
	ck_assert_int_eq(sim_start(s), 0);
	step_until(s, EV_CO_CREATE, 1);
	uint64_t h = (uint64_t)sim_nth(s, EV_CO_CREATE, 0)->addr;
	struct coro c = read_coro(s, h);
	struct heap_block b = block_of(s, c.stack);
	ck_assert(b.used);
	ck_assert_int_eq(b.owner, 1);
	ck_assert_uint_eq(b.size, CO_STACK_SIZE + HEAP_HEADER);
	ck_assert_uint_eq(c.stack_hi, c.stack + CO_STACK_SIZE);
	ck_assert_uint_eq(block_of(s, h).owner, 1);
	/* its first frame as a call leaves one: the arguments, then co_return */
	ck_assert_uint_eq(c.ctx.pc, sim_addr(s, "f"));
	ck_assert_uint_eq(c.ctx.sp, c.stack_hi - 24);
	ck_assert_int_eq(machine_peek(s->m, 1, c.ctx.sp), (int64_t)s->sc->image->co_return);
	ck_assert_int_eq(machine_peek(s->m, 1, c.ctx.sp + 8), 6);
	ck_assert_int_eq(machine_peek(s->m, 1, c.ctx.sp + 16), 7);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.in_use, CO_OBJECT_SIZE + CO_STACK_SIZE);
	sim_finish(s);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 42);
	ck_assert(!block_of(s, c.stack).used);
	ck_assert_uint_eq(machine_proc(s->m, 1)->heap.in_use, CO_OBJECT_SIZE);
	c = read_coro(s, h);
	ck_assert_int_eq(c.status, CO_FINISHED);
	ck_assert_int_eq(c.value, 42);
	ck_assert_int_eq(sim_count(s, EV_FREE), 0);    /* the co-return says it */
}
END_TEST

/* A program that faults, the fault, the line it names, and where. */
static const struct fault_case {
	const char *what;
	const char *src;
	enum fault_kind fault;
	const char *addr_global;        /* the fault's address is in it (NULL: see addr) */
	uint64_t addr;
} fault_cases[] = {
	{ "resume of a finished coroutine",
	  "int h; int f() { return 1; }\n"
	  "int main() { h = coroutine(f); resume(h, 0);\n"
	  "    return resume(h, 0); // here\n}\n",
	  FAULT_CODONE, "h", 0 },
	{ "a coroutine resumes itself",
	  "int h; int f() {\n    return resume(h, 0); // here\n}\n"
	  "int main() { h = coroutine(f); return resume(h, 0); }\n",
	  FAULT_CORUNNING, "h", 0 },
	{ "a resume up the chain",
	  "int a; int b;\n"
	  "int fb() {\n    return resume(a, 0); // here\n}\n"
	  "int fa() { return resume(b, 0); }\n"
	  "int main() { a = coroutine(fa); b = coroutine(fb); return resume(a, 0); }\n",
	  FAULT_CORUNNING, "a", 0 },
	{ "yield outside a coroutine",
	  "int main() {\n    yield(1); // here\n    return 0;\n}\n",
	  FAULT_YIELDOUT, NULL, 0 },
	{ "yield in a thread's own function",
	  "void w() {\n    yield(1); // here\n}\n"
	  "int main() { join(spawn(w)); return 0; }\n",
	  FAULT_YIELDOUT, NULL, 0 },
	{ "a number as a handle",
	  "int main() {\n    return resume(12345, 0); // here\n}\n",
	  FAULT_NOTCORO, NULL, 12345 },
	{ "a heap block that is no coroutine",
	  "int *p;\nint main() {\n    p = malloc(400);\n    return co_status(p); // here\n}\n",
	  FAULT_NOTCORO, "p", 0 },
	{ "a handle freed",
	  "int h; int f() { return 1; }\n"
	  "int main() { h = coroutine(f); free(h);\n    return resume(h, 0); // here\n}\n",
	  FAULT_UAF, "h", 0 },
	{ "recursion too deep for its stack",
	  "int down(int n) {\n    return down(n + 1) + 1; // here\n}\n"
	  "int f() { return down(0); }\n"
	  "int main() { return resume(coroutine(f), 0); }\n",
	  FAULT_COSTACK, NULL, 0 },
	{ "a local array larger than its stack",
	  "int f() { // here\n    int big[600]; big[0] = 1; return big[0]; }\n"
	  "int main() { return resume(coroutine(f), 0); }\n",
	  FAULT_COSTACK, NULL, 0 },
};

START_TEST(each_coroutine_fault_kills_the_process)
{
	const struct fault_case *c = &fault_cases[_i];
	struct sim *s = sim_run(c->src);
	ck_assert_msg(sim_end(s) == END_FAULT, "%s: ended %d", c->what, sim_end(s));
	ck_assert_msg(s->m->fault == (int)c->fault, "%s: %s", c->what, fault_names[s->m->fault]);
	const struct event *f = sim_nth(s, EV_FAULT, 0);
	ck_assert_int_eq(f->a, c->fault);
	ck_assert_int_eq(f->line, sim_line_of(s, "// here"));
	if (c->addr_global)
		ck_assert_uint_eq(f->addr, (uint64_t)sim_global(s, c->addr_global, 0));
	else if (c->fault != FAULT_COSTACK)
		ck_assert_uint_eq(f->addr, c->addr);
	for (int i = 0; i < s->m->nthreads; i++)
		ck_assert_int_eq(s->m->threads[i].state, TS_DONE);
}
END_TEST

START_TEST(a_stack_overflow_touches_no_other_heap_block)
{
	/* the sentinel, the object and the stack lie in this order on the
	 * heap; the overflow is caught in the stack block's guard zone, or
	 * before a big frame is written at all */
	static const char *const bodies[] = {
		"int down(int n) { return down(n + 1) + 1; }\nint f() { return down(0); }\n",
		"int f() { int big[600]; for (int i = 0; i < 600; i++) big[i] = -1; return 0; }\n",
		"int f() { int big[530]; big[0] = -1; return big[0]; }\n",
	};
	const char *body = bodies[_i];
	char src[1024];
	snprintf(src, sizeof src,
		 "int *sentinel; int h;\n%s"
		 "int main() {\n"
		 "    sentinel = malloc(64);\n"
		 "    for (int i = 0; i < 8; i++) sentinel[i] = 77;\n"
		 "    h = coroutine(f);\n"
		 "    return resume(h, 0);\n"
		 "}\n", body);
	struct sim *s = sim_run(src);
	ck_assert_int_eq(sim_end(s), END_FAULT);
	ck_assert_str_eq(fault_names[s->m->fault], "coroutine stack overflow");
	uint64_t p = (uint64_t)sim_global(s, "sentinel", 0), h = (uint64_t)sim_global(s, "h", 0);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(machine_peek(s->m, 1, p + 8 * (uint64_t)i), 77);
	struct coro c = read_coro(s, h);        /* its object is whole */
	ck_assert_int_eq(c.status, CO_RUNNING);
	struct heap_block b = block_of(s, c.stack);
	ck_assert(b.used);
	ck_assert_uint_eq(b.addr, c.stack - HEAP_HEADER);
	ck_assert_uint_eq(b.size, CO_STACK_SIZE + HEAP_HEADER);
	ck_assert_uint_lt(s->m->fault_addr, c.stack + CO_GUARD);
	ck_assert_int_eq(sim_count(s, EV_FAULT), 1);
}
END_TEST

START_TEST(the_stack_pointer_lies_in_a_heap_block_while_it_runs)
{
	struct sim *s = sim_new(gen_prog);
	ck_assert_int_eq(sim_start(s), 0);
	step_until(s, EV_PRINT, 1);     /* "Coroutine started", inside it */
	const struct thread *t = machine_thread(s->m, 1);
	uint64_t h = (uint64_t)sim_nth(s, EV_CO_CREATE, 0)->addr, sp = (uint64_t)t->r[REG_SP];
	struct coro c = read_coro(s, h);
	ck_assert_int_eq(c.status, CO_RUNNING);
	ck_assert_uint_eq(t->co, h);
	ck_assert_uint_eq(t->co_lo, c.stack + CO_GUARD);
	ck_assert_uint_eq(t->co_hi, c.stack_hi);
	ck_assert_uint_ge(sp, t->co_lo);
	ck_assert_uint_lt(sp, t->co_hi);
	ck_assert_uint_ge(sp, machine_proc(s->m, 1)->heap.base);
	ck_assert_uint_lt(sp, machine_proc(s->m, 1)->heap.brk);
	struct heap_block b = block_of(s, sp);
	ck_assert(b.used);
	ck_assert_uint_eq(b.addr + HEAP_HEADER, c.stack);
	ck_assert_uint_ge((uint64_t)t->r[REG_FP], sp);
	ck_assert_uint_lt((uint64_t)t->r[REG_FP], c.stack_hi);
	struct context where;
	ck_assert(coro_where(s->m, &c, &where));
	ck_assert_uint_eq(where.sp, sp);
	/* back on the thread's own stack after the yield */
	step_until(s, EV_CO_YIELD, 1);
	t = machine_thread(s->m, 1);
	ck_assert_uint_eq(t->co, 0);
	ck_assert_uint_ge((uint64_t)t->r[REG_SP], t->stack_lo);
	ck_assert_uint_lt((uint64_t)t->r[REG_SP], t->stack_hi);
	ck_assert(!coro_home(s->m, t, &where));
	c = read_coro(s, h);
	ck_assert(coro_where(s->m, &c, &where));
	ck_assert_uint_eq(where.pc, c.ctx.pc);
	ck_assert_uint_ge(where.sp, c.stack + CO_GUARD);
}
END_TEST

static const char *pair_prog =
	"int total[2];\n"
	"int gen(int base) {\n"
	"    for (int i = 0; i < 20; i++)\n"
	"        yield(base + i);\n"
	"    return -1;\n"
	"}\n"
	"void worker(int k) {\n"
	"    int h = coroutine(gen, 1000 * (k + 1));\n"
	"    int sum = 0;\n"
	"    for (int i = 0; i < 20; i++) {\n"
	"        int v = resume(h, 0);\n"
	"        sum = sum + v;\n"
	"    }\n"
	"    total[k] = sum;\n"
	"}\n"
	"int main() {\n"
	"    int a = spawn(worker, 0);\n"
	"    int b = spawn(worker, 1);\n"
	"    join(a);\n"
	"    join(b);\n"
	"    return 0;\n"
	"}\n";

/* Cores and quanta for two threads each running its own coroutine. */
static const struct pair_case {
	int cores, quantum;
} pair_cases[] = { { 1, 1 }, { 1, 3 }, { 1, 7 }, { 2, 1 }, { 2, 5 } };

START_TEST(two_threads_each_in_a_coroutine_keep_their_values)
{
	const struct pair_case *pc = &pair_cases[_i];
	struct sim *s = sim_new(pair_prog);
	s->cfg.policy = POLICY_RR;
	s->cfg.quantum = pc->quantum;
	s->cfg.cores = pc->cores;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "total", 0), 20 * 1000 + 190);
	ck_assert_int_eq(sim_global(s, "total", 1), 20 * 2000 + 190);
	ck_assert_int_eq(sim_count(s, EV_RESUME), 40);
	/* the timer took the core from threads while they were on their
	 * coroutine's stack */
	int inside[3] = { 0 }, preempted_inside = 0;
	for (size_t i = 0; i < s->log.n; i++) {
		const struct event *e = &s->log.ev[i];
		if (e->tid < 1 || e->tid > 2)
			continue;
		if (e->kind == EV_RESUME)
			inside[e->tid] = 1;
		else if (e->kind == EV_CO_YIELD || e->kind == EV_CO_RETURN)
			inside[e->tid] = 0;
		else if (e->kind == EV_PREEMPT && inside[e->tid])
			preempted_inside++;
	}
	if (pc->cores == 1)
		ck_assert_int_gt(preempted_inside, 0);
}
END_TEST

START_TEST(a_thread_may_resume_a_coroutine_another_made)
{
	struct sim *s = sim_run("int h; int seen;\n"
				"int f() { int a = yield(self()); return a + self(); }\n"
				"void w() { seen = resume(h, 0); }\n"
				"int main() {\n"
				"    h = coroutine(f);\n"
				"    join(spawn(w));\n"
				"    return seen * 100 + resume(h, 40);\n"
				"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 2 * 100 + 41);
	ck_assert_int_eq(sim_nth(s, EV_RESUME, 0)->tid, 2);
	ck_assert_int_eq(sim_nth(s, EV_RESUME, 1)->tid, 1);
	ck_assert_int_eq(read_coro(s, (uint64_t)sim_global(s, "h", 0)).tid, 1);
}
END_TEST

START_TEST(a_copy_inside_a_coroutine_goes_on_like_the_original)
{
	const char *src = _i == 0 ? gen_prog : _i == 1 ? nested_prog : pair_prog;
	struct sim *s = sim_new(src);
	s->cfg.quantum = 2;
	ck_assert_int_eq(sim_start(s), 0);
	step_until(s, EV_RESUME, 2);
	for (int i = 0; i < 3; i++)
		ck_assert(machine_step(s->m));
	int inside = 0;
	for (int i = 0; i < s->m->nthreads; i++)
		inside |= s->m->threads[i].co != 0;
	ck_assert(inside);
	size_t at = s->log.n;
	struct sim *c = sim_copy(s);
	sim_finish(s);
	sim_finish(c);
	ck_assert_uint_gt(c->log.n, 20);
	assert_same_lines(evlog_format(&c->log, 0), evlog_format(&s->log, at), "the copy's events");
	ck_assert_int_eq(c->m->end, s->m->end);
	ck_assert_uint_eq(c->m->tick, s->m->tick);
}
END_TEST

START_TEST(creating_coroutines_until_memory_runs_out_stops_at_the_limit)
{
	struct sim *s = sim_new("int f() { return 1; }\n"
				"int main() {\n"
				"    while (1) coroutine(f);\n"
				"    return 0;\n"
				"}\n");
	s->lim.max_memory = 1 << 20;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(sim_end(s), END_LIMIT);
	ck_assert_int_eq(s->m->limit, LIMIT_MEMORY);
	ck_assert_int_eq(sim_count(s, EV_FAULT), 0);
	ck_assert_int_gt(sim_count(s, EV_CO_CREATE), 100);
	ck_assert_int_eq(s->m->ncoros, sim_count(s, EV_CO_CREATE));
	ck_assert_uint_le(machine_proc(s->m, 1)->mem.pages * PAGE_SIZE, 1 << 20);
}
END_TEST

START_TEST(resuming_a_coroutine_forever_ends_at_the_step_limit)
{
	struct sim *s = sim_run("int f() { int n = 0; while (1) n = n + yield(n); return n; }\n"
				"int main() { int h = coroutine(f); while (1) resume(h, 1); return 0; }\n");
	ck_assert_int_eq(sim_end(s), END_LIMIT);
	ck_assert_int_eq(s->m->limit, LIMIT_STEPS);
	ck_assert_int_gt(sim_count(s, EV_RESUME), 1000);
	ck_assert_uint_lt(s->m->stack_peak, CO_STACK_SIZE);
}
END_TEST

START_TEST(the_co_return_stub_is_there_only_when_coroutines_are)
{
	struct sim *plain = sim_new("int f() { return 1; }\nint main() { return f(); }\n");
	const struct image *img = plain->sc->image;
	ck_assert_uint_eq(img->co_return, 0);
	for (size_t i = 0; i < img->nfuncs; i++)
		ck_assert_str_ne(img->funcs[i].name, "co_return");
	struct sim *s = sim_new("int f() { return 1; }\n"
				"int main() { return resume(coroutine(f), 0); }\n");
	img = s->sc->image;
	ck_assert_uint_ne(img->co_return, 0);
	const struct img_func *f = image_func_at(img, img->co_return);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->name, "co_return");
	ck_assert_int_eq(f->line, 0);
	/* after every function of the program's: no other address moved */
	ck_assert_uint_eq(f->end, CODE_BASE + img->ncode * INSN_SIZE);
	ck_assert_uint_eq(sim_addr(s, "f"), sim_addr(plain, "f"));
	ck_assert_int_eq(image_insn(img, img->co_return)->op, OP_PUSH);
	const struct insn *sys = image_insn(img, img->co_return + INSN_SIZE);
	ck_assert_int_eq(sys->op, OP_SYS);
	ck_assert_int_eq(sys->imm, BI_CO_RETURN);
	ck_assert_int_eq(isa_builtins[BI_CO_RETURN].status, INTERNAL);
	for (int b = BI_COROUTINE; b <= BI_CO_STATUS; b++)
		ck_assert_int_eq(isa_builtins[b].status, AVAIL);
}
END_TEST

/* Every event of a run said and traced while the machine is as it sent
 * it, one line each, with the log fed too. */
struct told {
	struct sim *s;
	struct event_sink log;
	struct tracer *tr;
	struct buf said, traced;
};

/* The sink of a told run. */
static void tell(void *ctx, const struct event *e)
{
	struct told *t = ctx;
	t->log.fn(t->log.ctx, e);
	explain_event(t->s->sc, t->s->m, e, &t->said);
	buf_putc(&t->said, '\n');
	trace_format(t->tr, e, &t->traced);
	buf_putc(&t->traced, '\n');
}

/* Run src to its end, saying and tracing every event. */
static struct told *told_run(const char *src)
{
	struct told *t = at_test_end(xcalloc(1, sizeof *t));
	t->s = sim_new(src);
	ck_assert_int_eq(sim_start(t->s), 0);
	t->tr = trace_new(t->s->sc, t->s->m, stdout);
	t->log = evlog_sink(&t->s->log);
	buf_putc(&t->said, '\n');
	buf_putc(&t->traced, '\n');
	machine_set_sink(t->s->m, (struct event_sink){ tell, t, EV_ALL });
	sim_finish(t->s);
	trace_free(t->tr);
	at_test_end(t->said.s);
	at_test_end(t->traced.s);
	return t;
}

/* Whether text holds the line made from fmt, whole. */
static int has_line(const char *text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int has_line(const char *text, const char *fmt, ...)
{
	struct buf want = { 0 };
	va_list ap;
	va_start(ap, fmt);
	buf_putc(&want, '\n');
	buf_vprintf(&want, fmt, ap);
	va_end(ap);
	buf_putc(&want, '\n');
	int found = strstr(text, want.s) != NULL;
	if (!found)
		fprintf(stderr, "# not found:%s", want.s);
	buf_free(&want);
	return found;
}

START_TEST(the_events_are_said_as_user_level_switches)
{
	struct told *t = told_run(gen_prog);
	struct sim *s = t->s;
	ck_assert_int_eq(sim_end(s), END_OK);
	unsigned long long h = (unsigned long long)sim_global(s, "gen", 0);
	const struct event *r0 = sim_nth(s, EV_RESUME, 0), *r1 = sim_nth(s, EV_RESUME, 1);
	const struct event *y0 = sim_nth(s, EV_CO_YIELD, 0);
	struct coro c = read_coro(s, h);
	ck_assert_msg(has_line(t->said.s, "T1 creates coroutine %#llx (simple_coroutine), suspended: "
			       "its stack is a 4096-byte heap block at %#llx", h,
			       (unsigned long long)c.stack), "%s", t->said.s);
	ck_assert(has_line(t->said.s, "T1 starts coroutine %#llx (simple_coroutine): pc %#llx, "
			   "a user-level switch, no kernel involved", h, (unsigned long long)r0->to->pc));
	ck_assert_uint_eq(r0->to->pc, sim_addr(s, "simple_coroutine"));
	ck_assert(has_line(t->said.s, "T1 resumes coroutine %#llx (simple_coroutine) with 10: "
			   "pc %#llx, a user-level switch, no kernel involved", h,
			   (unsigned long long)r1->to->pc));
	ck_assert_int_eq(image_line(s->sc->image, r1->to->pc), sim_line_of(s, "// first"));
	ck_assert(has_line(t->said.s, "T1's coroutine %#llx (simple_coroutine) yields 1: pc %#llx "
			   "saved, back to pc %#llx (line 14)", h,
			   (unsigned long long)y0->from->pc, (unsigned long long)y0->to->pc));
	ck_assert(has_line(t->traced.s, "%llu cpu0 T1 resume %#llx (simple_coroutine) with 10 "
			   "saved pc=%#llx sp=%#llx fp=%#llx restored pc=%#llx sp=%#llx fp=%#llx "
			   "(line 16)", (unsigned long long)r1->tick, h,
			   (unsigned long long)r1->from->pc, (unsigned long long)r1->from->sp,
			   (unsigned long long)r1->from->fp, (unsigned long long)r1->to->pc,
			   (unsigned long long)r1->to->sp, (unsigned long long)r1->to->fp));
	ck_assert(has_line(t->traced.s, "%llu cpu0 T1 co-create %#llx simple_coroutine() "
			   "stack %#llx-%#llx (line 13)",
			   (unsigned long long)sim_nth(s, EV_CO_CREATE, 0)->tick, h,
			   (unsigned long long)c.stack, (unsigned long long)c.stack_hi));
	ck_assert(has_line(t->traced.s, "%llu cpu0 T1 co-yield %#llx (simple_coroutine) yielded 1 "
			   "saved pc=%#llx sp=%#llx fp=%#llx restored pc=%#llx sp=%#llx fp=%#llx "
			   "(line 5)", (unsigned long long)y0->tick, h,
			   (unsigned long long)y0->from->pc, (unsigned long long)y0->from->sp,
			   (unsigned long long)y0->from->fp, (unsigned long long)y0->to->pc,
			   (unsigned long long)y0->to->sp, (unsigned long long)y0->to->fp));
}
END_TEST

START_TEST(a_return_and_the_faults_are_said)
{
	struct told *t = told_run("int h;\n"
				  "int f(int n) { return n + 1; }\n"
				  "int main() { h = coroutine(f, 2); resume(h, 0); return resume(h, 0); }\n");
	unsigned long long h = (unsigned long long)sim_global(t->s, "h", 0);
	const struct event *r = sim_nth(t->s, EV_CO_RETURN, 0);
	ck_assert_msg(has_line(t->said.s, "T1's coroutine %#llx (f) returns 3: finished, stack "
			       "block freed, back to pc %#llx (line 3)", h,
			       (unsigned long long)r->to->pc), "%s", t->said.s);
	ck_assert(has_line(t->said.s, "T1 creates coroutine %#llx (f, arg 2), suspended: its stack "
			   "is a 4096-byte heap block at %#llx", h,
			   (unsigned long long)read_coro(t->s, h).stack));
	ck_assert(has_line(t->said.s, "T1 faults, the process is killed: resume of a coroutine that "
			   "has finished at %#llx (co1)", h));
	ck_assert(has_line(t->traced.s, "%llu cpu0 T1 co-return %#llx (f) returned 3, stack freed "
			   "restored pc=%#llx sp=%#llx fp=%#llx", (unsigned long long)r->tick, h,
			   (unsigned long long)r->to->pc, (unsigned long long)r->to->sp,
			   (unsigned long long)r->to->fp));
	t = told_run("int main() { return resume(77, 0); }\n");
	ck_assert(has_line(t->said.s, "T1 faults, the process is killed: a handle that is not a "
			   "coroutine: 77"));
	t = told_run("int main() { yield(1); return 0; }\n");
	ck_assert(has_line(t->said.s, "T1 faults, the process is killed: yield outside a coroutine"));
}
END_TEST

/* The rows of s's memory map; their count in *n. */
static struct mm_row *map_rows(const struct sim *s, size_t *n)
{
	struct mm_row *rows = at_test_end(xcalloc(400, sizeof *rows));
	*n = memmap_build(s->sc, s->m, 1, NULL, 0, 0, rows, 400);
	ck_assert_uint_lt(*n, 400);
	return rows;
}

/* The index of the first row starting with prefix; the test fails when
 * there is none. */
static size_t row_starting(const struct mm_row *rows, size_t n, const char *prefix)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(rows[i].text, prefix, strlen(prefix)) == 0)
			return i;
	struct buf b = { 0 };
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "d%d k%d %s\n", rows[i].depth, rows[i].kind, rows[i].text);
	ck_abort_msg("no row starts '%s':\n%s", prefix, (char *)at_test_end(buf_take(&b)));
	return 0;
}

/* Whether no row starts with prefix. */
static int find_no_row(const struct mm_row *rows, size_t n, const char *prefix)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(rows[i].text, prefix, strlen(prefix)) == 0)
			return 0;
	return 1;
}

/* Rows inside a region descend without overlapping; a frame of depth 2
 * lies inside the depth-1 row above it. */
static void check_nesting(const struct mm_row *rows, size_t n)
{
	const struct mm_row *head = NULL, *last = NULL, *outer = NULL, *inner = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct mm_row *r = &rows[i];
		if (r->kind == MM_GAP)
			continue;
		if (r->depth == 0) {
			head = r, last = NULL, outer = NULL;
			continue;
		}
		ck_assert(head && r->addr >= head->addr && r->addr + r->size <= head->addr + head->size);
		if (r->depth == 1) {
			ck_assert_msg(!last || r->addr + r->size <= last->addr, "row %zu: %s", i, r->text);
			last = outer = r;
			inner = NULL;
			continue;
		}
		ck_assert_int_eq(r->depth, 2);
		ck_assert_int_eq(r->kind, MM_FRAME);
		ck_assert_msg(outer && r->addr >= outer->addr &&
			      r->addr + r->size <= outer->addr + outer->size, "row %zu: %s", i, r->text);
		ck_assert(!inner || r->addr + r->size <= inner->addr);
		inner = r;
	}
}

START_TEST(the_memory_map_shows_coroutine_stacks_on_the_heap)
{
	struct sim *s = sim_new("int h;\n"
				"int leaf(int d) { return yield(d * 2); }\n"
				"int gen(int n) { int k = n + 1; return leaf(k) + leaf(k + 1); }\n"
				"int main() { h = coroutine(gen, 3); int a = resume(h, 0);\n"
				"    int b = resume(h, 5); int c = resume(h, 7); return a + b + c; }\n");
	ck_assert_int_eq(sim_start(s), 0);
	/* not started: its first frame with its argument */
	step_until(s, EV_CO_CREATE, 1);
	ck_assert(machine_step(s->m));
	size_t n;
	struct mm_row *rows = map_rows(s, &n);
	check_nesting(rows, n);
	size_t st = row_starting(rows, n, "stack of co1 (gen)  16 B of 4 KiB  not started");
	ck_assert_int_eq(rows[st].kind, MM_BLOCK);
	ck_assert_int_eq(rows[st].depth, 1);
	ck_assert_int_eq(rows[st].shared, 0);
	ck_assert_int_eq(rows[st + 1].depth, 2);
	ck_assert_str_eq(rows[st + 1].text, "gen(n=3)  ret\xe2\x86\x92" "co_return");
	row_starting(rows, n, "co1 object  not started, at pc ");

	/* suspended in leaf: both frames wait on its heap stack */
	step_until(s, EV_CO_YIELD, 1);
	rows = map_rows(s, &n);
	check_nesting(rows, n);
	st = row_starting(rows, n, "stack of co1 (gen)  ");
	ck_assert_str_eq(rows[st + 1].text, "gen(n=3) k=4  ret\xe2\x86\x92" "co_return");
	ck_assert_str_eq(rows[st + 2].text, "leaf(d=4)  ret\xe2\x86\x92gen");
	ck_assert_int_eq(rows[st + 2].depth, 2);
	struct coro c = read_coro(s, (uint64_t)sim_global(s, "h", 0));
	char want[96];
	snprintf(want, sizeof want, "co1 object  suspended at pc %#llx (line 2)",
		 (unsigned long long)c.ctx.pc);
	row_starting(rows, n, want);
	size_t main_stack = row_starting(rows, n, "stack T1 (main)");
	ck_assert(strstr(rows[main_stack].text, "co1") == NULL);

	/* running again: the live frames, and main's below its resume */
	step_until(s, EV_RESUME, 2);
	ck_assert(machine_step(s->m));
	rows = map_rows(s, &n);
	check_nesting(rows, n);
	main_stack = row_starting(rows, n, "stack T1 (main)");
	ck_assert_msg(strstr(rows[main_stack].text, "(T1 on co1)") != NULL, "%s", rows[main_stack].text);
	ck_assert(strncmp(rows[main_stack + 1].text, "main() ", 7) == 0);
	st = row_starting(rows, n, "stack of co1 (gen)  ");
	ck_assert(strstr(rows[st].text, "running") != NULL);
	ck_assert_str_eq(rows[st + 2].text, "leaf(d=4)  ret\xe2\x86\x92gen");
	row_starting(rows, n, "co1 object  running on T1 at pc ");
	sim_finish(s);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 8 + 10 + 12);
	rows = map_rows(s, &n);
	row_starting(rows, n, "co1 object  finished, returned 12");
	ck_assert(find_no_row(rows, n, "stack of co1"));
}
END_TEST

Suite *coro_suite(void)
{
	Suite *s = suite_create("coro");
	TCase *tc = sim_tcase("resume-yield");
	tcase_add_test(tc, the_generator_prints_the_chapters_transcript);
	tcase_add_test(tc, values_pass_both_ways);
	tcase_add_test(tc, a_void_function_returns_0);
	tcase_add_test(tc, co_status_goes_suspended_running_finished);
	tcase_add_test(tc, a_coroutine_resumes_another);
	tcase_add_test(tc, a_finished_coroutine_frees_its_stack_and_keeps_its_object);
	tcase_add_test(tc, a_thread_may_resume_a_coroutine_another_made);
	tcase_add_test(tc, the_co_return_stub_is_there_only_when_coroutines_are);
	suite_add_tcase(s, tc);

	tc = sim_tcase("faults");
	tcase_add_loop_test(tc, each_coroutine_fault_kills_the_process, 0, (int)ARRAY_LEN(fault_cases));
	tcase_add_loop_test(tc, a_stack_overflow_touches_no_other_heap_block, 0, 3);
	tcase_add_test(tc, creating_coroutines_until_memory_runs_out_stops_at_the_limit);
	tcase_add_test(tc, resuming_a_coroutine_forever_ends_at_the_step_limit);
	suite_add_tcase(s, tc);

	tc = sim_tcase("machine");
	tcase_add_test(tc, the_stack_pointer_lies_in_a_heap_block_while_it_runs);
	tcase_add_loop_test(tc, two_threads_each_in_a_coroutine_keep_their_values, 0,
			    (int)ARRAY_LEN(pair_cases));
	tcase_add_loop_test(tc, a_copy_inside_a_coroutine_goes_on_like_the_original, 0, 3);
	suite_add_tcase(s, tc);

	tc = sim_tcase("output");
	tcase_add_test(tc, the_events_are_said_as_user_level_switches);
	tcase_add_test(tc, a_return_and_the_faults_are_said);
	tcase_add_test(tc, the_memory_map_shows_coroutine_stacks_on_the_heap);
	suite_add_tcase(s, tc);
	return s;
}
