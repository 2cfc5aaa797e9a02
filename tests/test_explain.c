/* test_explain: the events panel's sentences, from real runs. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "out/explain.h"
#include "sim.h"

/* A run whose every event is also said: the text starts with a newline
 * and each sentence ends with one. */
struct told {
	struct sim *s;
	struct event_sink log;  /* the sim's own log, which is fed too */
	struct buf text;
};

/* The sink of a told run: say e while the machine is as it sent it. */
static void tell(void *ctx, const struct event *e)
{
	struct told *t = ctx;
	t->log.fn(t->log.ctx, e);
	explain_event(t->s->sc, t->s->m, e, &t->text);
	buf_putc(&t->text, '\n');
}

/* Compile src into a told run, not started: its settings may change. */
static struct told *told_new(const char *src)
{
	struct told *t = at_test_end(xcalloc(1, sizeof *t));
	t->s = sim_new(src);
	buf_putc(&t->text, '\n');
	return t;
}

/* Start and run t to its end, saying every event. */
static void told_run(struct told *t)
{
	ck_assert_msg(sim_start(t->s) == 0, "machine_init: %s", t->s->err);
	t->log = evlog_sink(&t->s->log);
	machine_set_sink(t->s->m, (struct event_sink){ tell, t, EV_ALL });
	sim_finish(t->s);
	at_test_end(t->text.s);
}

/* Compile and run src with its own settings, saying every event. */
static struct told *told_run_src(const char *src)
{
	struct told *t = told_new(src);
	told_run(t);
	return t;
}

/* Whether t said the sentence made from fmt, as a whole line. */
static int said(const struct told *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int said(const struct told *t, const char *fmt, ...)
{
	struct buf want = { 0 };
	va_list ap;
	va_start(ap, fmt);
	buf_putc(&want, '\n');
	buf_vprintf(&want, fmt, ap);
	buf_putc(&want, '\n');
	va_end(ap);
	int found = strstr(t->text.s, want.s) != NULL;
	buf_free(&want);
	return found;
}

#define assert_said(t, ...)                                                 \
	ck_assert_msg(said(t, __VA_ARGS__), "never said: " __VA_ARGS__)

/* How t's run ended, in explain_end's words (lives until the test ends). */
static const char *end_of(const struct sim *s)
{
	struct buf b = { 0 };
	explain_end(s->sc, s->m, &b);
	return at_test_end(buf_take(&b));
}

/* The race of two workers on counter, preempted every 12 ticks. */
static const char *race_prog =
	"int counter = 0;\n"
	"const int ROUNDS = 3;\n"
	"thread_local int calls;\n"
	"void worker(int n) {\n"
	"    for (int i = 0; i < n; i++) {\n"
	"        counter++;\n"
	"        calls++;\n"
	"    }\n"
	"}\n"
	"int main() {\n"
	"    int a = spawn(worker, ROUNDS);\n"
	"    int b = spawn(worker, ROUNDS);\n"
	"    join(a);\n"
	"    join(b);\n"
	"    print(\"counter = %d\\n\", counter);\n"
	"    assert(counter == 2 * ROUNDS);\n"
	"    return 0;\n"
	"}\n";

/* The race program on one core, round robin with a quantum of 12. */
static struct told *race(void)
{
	struct told *t = told_new(race_prog);
	t->s->cfg.cores = 1;
	t->s->cfg.policy = POLICY_RR;
	t->s->cfg.quantum = 12;
	t->s->cfg.switch_cost = 0;
	told_run(t);
	return t;
}

START_TEST(a_global_is_loaded_changed_and_stored)
{
	struct told *t = told_run_src("int counter = 2;\n"
				      "int main() {\n"
				      "    counter++;\n"
				      "    return counter;\n"
				      "}\n");
	assert_said(t, "T1 calls main");
	assert_said(t, "T1 loads counter = 2 into r0");
	assert_said(t, "T1 adds 1: r0 = 3");
	assert_said(t, "T1 stores r0 = 3 into counter");
	assert_said(t, "T1 returns 3 from main");
	assert_said(t, "the run ends: main returned 3");
	ck_assert_str_eq(end_of(t->s), "main returned 3");
}
END_TEST

START_TEST(locals_and_parameters_go_by_name)
{
	struct told *t = told_run_src("int f(int n) {\n"
				      "    int k = n * 2;\n"
				      "    return k;\n"
				      "}\n"
				      "int main() {\n"
				      "    return f(4) - 8;\n"
				      "}\n");
	assert_said(t, "T1 sets r0 = 4");
	assert_said(t, "T1 calls f");
	assert_said(t, "T1 loads n = 4 into r0");
	assert_said(t, "T1 multiplies by 2: r0 = 8");
	assert_said(t, "T1 stores r0 = 8 into k");
	assert_said(t, "T1 returns 8 from f to main");
	ck_assert_str_eq(end_of(t->s), "main returned 0");
}
END_TEST

START_TEST(a_branch_says_whether_it_jumped)
{
	struct told *t = told_run_src("int main() {\n"
				      "    int s = 0;\n"
				      "    for (int i = 0; i < 2; i++)\n"
				      "        s += i;\n"
				      "    return s;\n"
				      "}\n");
	assert_said(t, "T1 compares r0 < 2: r0 = 1 (true)");
	assert_said(t, "T1 does not jump (r0 is 1, not 0)");
	assert_said(t, "T1 compares r0 < 2: r0 = 0 (false)");
	assert_said(t, "T1 jumps to line 5 (r0 is 0)");
	assert_said(t, "T1 jumps back to line 3");
	ck_assert_str_eq(end_of(t->s), "main returned 1");
}
END_TEST

START_TEST(a_call_through_a_pointer_names_the_function)
{
	struct told *t = told_run_src("int twice(int v) { return v * 2; }\n"
				      "int main() {\n"
				      "    int f = twice;\n"
				      "    return f(3);\n"
				      "}\n");
	unsigned long long twice = sim_addr(t->s, "twice");
	assert_said(t, "T1 stores r0 = 0x%llx (twice) into f", twice);
	assert_said(t, "T1 calls twice (its address in r0)");
	assert_said(t, "T1 returns 6 from twice to main");
}
END_TEST

START_TEST(a_thread_local_is_named_as_the_thread_sees_it)
{
	struct told *t = race();
	assert_said(t, "T2 loads calls = 0 into r0");
	assert_said(t, "T2 stores r0 = 1 into calls");
	assert_said(t, "T3 stores r0 = 1 into calls");
}
END_TEST

START_TEST(a_preemption_and_the_switch_it_makes)
{
	struct told *t = race();
	assert_said(t, "timer interrupt: T1 preempted after 12 ticks");
	assert_said(t, "CPU0: T1's context restored (pc 0x%llx)",
		    (unsigned long long)t->s->sc->image->entry);
	/* the first switch from T1 to T2 */
	const struct event *e = NULL;
	for (int i = 0; (e = sim_nth(t->s, EV_SWITCH, i)); i++)
		if (e->other == 1 && e->tid == 2)
			break;
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->a, SW_PREEMPT);
	assert_said(t, "CPU0: T1's context saved (pc 0x%llx at line %d, sp 0x%llx, r0 %lld); "
		    "T2's restored (pc 0x%llx at line %d)",
		    (unsigned long long)e->from->pc, sim_line_of(t->s, "int b = spawn"),
		    (unsigned long long)e->from->sp, (long long)e->from->r[R0],
		    (unsigned long long)e->to->pc, sim_line_of(t->s, "void worker"));
}
END_TEST

START_TEST(spawn_join_and_exit)
{
	struct told *t = race();
	assert_said(t, "T1 calls spawn");
	assert_said(t, "T1 creates T2 (worker, arg 3)");
	assert_said(t, "T1 creates T3 (worker, arg 3)");
	assert_said(t, "T1 waits for T2 to end (join)");
	assert_said(t, "T2 returns from worker");
	assert_said(t, "T2 ends, returning 0");
	assert_said(t, "T1 wakes: T2 ended");
	ck_assert_ptr_nonnull(strstr(t->text.s, "\nCPU0: T2 has ended; T3's context restored (pc 0x"));
}
END_TEST

START_TEST(print_and_a_failed_assertion)
{
	struct told *t = race();
	ck_assert_int_eq(sim_end(t->s), END_ASSERT);
	assert_said(t, "T1 prints \"counter = %lld\"", (long long)sim_global(t->s, "counter", 0));
	assert_said(t, "T1: assertion failed: counter == 2 * ROUNDS");
	assert_said(t, "T1 is killed: its process ended");
	char want[128];
	snprintf(want, sizeof want, "T1 (main): assertion failed: counter == 2 * ROUNDS (line %d)",
		 sim_line_of(t->s, "assert("));
	ck_assert_str_eq(end_of(t->s), want);
}
END_TEST

START_TEST(lock_contention_names_the_holder)
{
	struct told *t = told_run_src("mutex m;\n"
				      "void w() { lock(m); unlock(m); }\n"
				      "int main() {\n"
				      "    lock(m);\n"
				      "    int a = spawn(w);\n"
				      "    sleep(5);\n"
				      "    unlock(m);\n"
				      "    join(a);\n"
				      "    return 0;\n"
				      "}\n");
	const struct event *sl = sim_nth(t->s, EV_SLEEP, 0);
	ck_assert_ptr_nonnull(sl);
	assert_said(t, "T1 takes mutex m");
	assert_said(t, "T2 waits for mutex m, held by T1");
	assert_said(t, "T1 sleeps for 5 ticks, until tick %llu", (unsigned long long)sl->addr);
	assert_said(t, "T1 waits until tick %llu", (unsigned long long)sl->addr);
	assert_said(t, "T1 wakes: its sleep is over");
	assert_said(t, "T1 releases mutex m");
	assert_said(t, "T2 wakes: T1 released the mutex");
	assert_said(t, "T2 takes mutex m");
	assert_said(t, "T2 releases mutex m");
}
END_TEST

START_TEST(a_cond_wait_and_its_signal)
{
	struct told *t = told_run_src("mutex m; cond c; int ready;\n"
				      "void w() { lock(m); while (!ready) cond_wait(c, m); unlock(m); }\n"
				      "int main() {\n"
				      "    int a = spawn(w);\n"
				      "    sleep(20);\n"
				      "    lock(m); ready = 1; cond_signal(c); unlock(m);\n"
				      "    join(a);\n"
				      "    return 0;\n"
				      "}\n");
	ck_assert_int_eq(sim_end(t->s), END_OK);
	assert_said(t, "T2 waits on cond c");
	assert_said(t, "T1 signals cond c, waking 1 thread");
	assert_said(t, "T2 waits for mutex m, held by T1");
	assert_said(t, "T2 wakes: T1 released the mutex");
}
END_TEST

START_TEST(semaphores_and_atomics)
{
	struct told *t = told_run_src("semaphore s; int x = 6; cond c;\n"
				      "int main() {\n"
				      "    sem_post(s);\n"
				      "    sem_wait(s);\n"
				      "    atomic_add(&x, 5);\n"
				      "    cas(&x, 0, 1);\n"
				      "    xchg(&x, 9);\n"
				      "    cond_broadcast(c);\n"
				      "    sched_yield();\n"
				      "    return x;\n"
				      "}\n");
	assert_said(t, "T1 calls sem_post");
	assert_said(t, "T1 posts semaphore s: its count is now 1");
	assert_said(t, "T1 takes a unit of semaphore s: its count is now 0");
	assert_said(t, "T1's atomic_add changes x from 6 to 11");
	assert_said(t, "T1's cas leaves x at 11");
	assert_said(t, "T1's xchg changes x from 11 to 9");
	assert_said(t, "T1 broadcasts on cond c, waking no thread");
	assert_said(t, "T1 yields its core");
	ck_assert_str_eq(end_of(t->s), "main returned 9");
}
END_TEST

START_TEST(malloc_and_free_say_where_and_how_much)
{
	struct told *t = told_run_src("int main() {\n"
				      "    int *p = malloc(32);\n"
				      "    free(p);\n"
				      "    return 0;\n"
				      "}\n");
	const struct event *e = sim_nth(t->s, EV_MALLOC, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_ne(e->addr, 0);
	assert_said(t, "T1 calls malloc");
	assert_said(t, "T1 allocates 32 bytes at 0x%llx", (unsigned long long)e->addr);
	assert_said(t, "T1 stores r0 = 0x%llx into p", (unsigned long long)e->addr);
	assert_said(t, "T1 frees the 32 bytes at 0x%llx", (unsigned long long)e->addr);
}
END_TEST

START_TEST(a_fault_kills_the_process)
{
	struct told *t = told_run_src("const int K = 3;\n"
				      "int main() {\n"
				      "    int *p = &K;\n"
				      "    *p = 4;\n"
				      "    return K;\n"
				      "}\n");
	ck_assert_int_eq(sim_end(t->s), END_FAULT);
	unsigned long long k = sim_addr(t->s, "K");
	assert_said(t, "T1 faults, the process is killed: write to read-only memory at 0x%llx (K)", k);
	char want[160];
	snprintf(want, sizeof want, "T1 (main) was killed by a fault: write to read-only memory "
		 "at 0x%llx (K) (line 4)", k);
	ck_assert_str_eq(end_of(t->s), want);
}
END_TEST

START_TEST(a_deadlock_names_its_cycle)
{
	struct told *t = told_new("mutex a; mutex b;\n"
				  "void left() { lock(a); sched_yield(); lock(b); }\n"
				  "void right() { lock(b); sched_yield(); lock(a); }\n"
				  "int main() {\n"
				  "    int l = spawn(left);\n"
				  "    int r = spawn(right);\n"
				  "    join(l);\n"
				  "    join(r);\n"
				  "    return 0;\n"
				  "}\n");
	t->s->cfg.cores = 1;
	t->s->cfg.policy = POLICY_RR;
	t->s->cfg.quantum = 20;
	told_run(t);
	ck_assert_int_eq(sim_end(t->s), END_DEADLOCK);
	assert_said(t, "T2 waits for mutex b, held by T3");
	assert_said(t, "T3 waits for mutex a, held by T2");
	assert_said(t, "deadlock: every thread left is blocked");
	assert_said(t, "the run ends: deadlock: T2 -> T3 -> T2");
	ck_assert_str_eq(end_of(t->s), "deadlock: T2 -> T3 -> T2");
}
END_TEST

static const struct {
	const char *src, *end;
} stuck_cases[] = {
	{ "mutex m;\nint main() { lock(m); lock(m); return 0; }\n", "deadlock: T1 -> T1" },
	{ "semaphore s;\nint main() { sem_wait(s); return 0; }\n", "deadlock: T1 -> semaphore s" },
	{ "mutex m; cond c;\nint main() { lock(m); cond_wait(c, m); return 0; }\n",
	  "deadlock: T1 -> cond c" },
	{ "void w() { join(1); }\nint main() { join(spawn(w)); return 0; }\n",
	  "deadlock: T1 -> T2 -> T1" },
	{ "mutex m;\nvoid w() { lock(m); }\nint main() { join(spawn(w)); lock(m); return 0; }\n",
	  "deadlock: T1 -> T2 (ended)" },
};

START_TEST(a_deadlock_says_where_the_waiting_ends)
{
	struct told *t = told_run_src(stuck_cases[_i].src);
	ck_assert_int_eq(sim_end(t->s), END_DEADLOCK);
	ck_assert_str_eq(end_of(t->s), stuck_cases[_i].end);
}
END_TEST

START_TEST(a_limit_stops_the_run)
{
	struct told *t = told_new("int main() {\n    while (1) { }\n    return 0;\n}\n");
	t->s->lim.max_steps = 200;
	told_run(t);
	ck_assert_int_eq(sim_end(t->s), END_LIMIT);
	assert_said(t, "stopped: too many instructions (--max-steps)");
	assert_said(t, "the run ends: stopped: too many instructions (--max-steps)");
	ck_assert_str_eq(end_of(t->s), "stopped: too many instructions (--max-steps)");
}
END_TEST

START_TEST(explain_end_says_running_until_the_end)
{
	struct sim *s = sim_new("int main() { return 0; }\n");
	ck_assert_int_eq(sim_start(s), 0);
	ck_assert_str_eq(end_of(s), "running");
	machine_step(s->m);
	ck_assert_str_eq(end_of(s), "running");
	sim_finish(s);
	ck_assert_str_eq(end_of(s), "main returned 0");
}
END_TEST

START_TEST(every_event_and_opcode_has_a_sentence)
{
	struct sim *s = sim_new("int main() { return 0; }\n");
	ck_assert_int_eq(sim_start(s), 0);
	struct buf b = { 0 };
	/* the fields left empty: a sentence still comes, and no crash (a
	 * and b index tables for some kinds: 0 is a valid entry of each) */
	for (int k = 0; k < EV_COUNT; k++) {
		struct event e = { .kind = k, .tid = 1, .core = 0, .reg = REG_NONE };
		b.len = 0;
		explain_event(s->sc, s->m, &e, &b);
		ck_assert_msg(b.len > 0, "no sentence for %s", event_kinds[k].name);
	}
	for (int op = 0; op < OP_COUNT; op++) {
		struct insn in = { .op = (uint8_t)op, .rd = R0, .rs = R1, .rt = REG_NONE, .imm = 8 };
		struct event e = { .kind = EV_EXEC, .tid = 1, .pc = CODE_BASE, .insn = &in,
				   .reg = R0, .regval = 1 };
		b.len = 0;
		explain_event(s->sc, s->m, &e, &b);
		ck_assert_msg(b.len > 3 && strncmp(b.s, "T1 ", 3) == 0 &&
			      !strstr(b.s, "runs an instruction"),
			      "%s: '%s'", isa_ops[op].mnemonic, b.s);
	}
	buf_free(&b);
}
END_TEST

START_TEST(the_runtime_and_a_service_in_words)
{
	struct told *t = told_run_src(
		"#cores 1\n"
		"#workers 1\n"
		"#service slow port 9001 latency 60 reply \"late\"\n"
		"void ask(int x) {\n"
		"    char req[2] = \"?\"; char got[8];\n"
		"    int fd = connect(9001);\n"
		"    write(fd, req, 1);\n"
		"    read(fd, got, 8);\n"
		"    close(fd);\n"
		"}\n"
		"int main() {\n"
		"    go(ask, 1);\n"
		"    go(ask, 2);\n"
		"    go_wait();\n"
		"    return 0;\n"
		"}\n");
	assert_said(t, "T1 hands coroutine 1 (ask) to the runtime with argument 1: its stack is on "
		    "the heap, and it waits in the run queue for a worker thread");
	assert_said(t, "worker T2 takes coroutine 1 (ask) off the run queue and runs it (0 still ready)");
	assert_said(t, "T2 connects to service slow on port 9001: fd 3; each request written to it "
		    "is answered after the service's latency");
	assert_said(t, "coroutine 1 (ask) parks in read on fd 3 (its connection to service slow): "
		    "its stack stays on the heap and worker T2 does not block, it goes back to the "
		    "run queue for another coroutine");
	assert_said(t, "T2 waits on the run queue: a worker with no coroutine ready to run");
	assert_said(t, "service slow answers after 60 ticks: 4 bytes arrive in the program's "
		    "connection to it: \"late\"");
	assert_said(t, "fd 3 is ready: coroutine 1 (ask), parked in read, is ready again, for "
		    "whichever worker is free");
	assert_said(t, "T2 wakes: a coroutine is ready, or the runtime is closing");
	assert_said(t, "T1 waits in go_wait until every coroutine has finished");
	assert_said(t, "T1 wakes: the last worker, T2, ended");
}
END_TEST

START_TEST(a_coroutine_that_moves_says_where_it_ran)
{
	struct told *t = told_run_src(
		"#cores 2\n"
		"#workers 2\n"
		"#service a port 9001 latency 30 reply \"x\"\n"
		"#service b port 9002 latency 47 reply \"y\"\n"
		"void ask(int x) {\n"
		"    char req[2] = \"?\"; char got[4];\n"
		"    for (int i = 0; i < 3; i++) {\n"
		"        int fd = connect(9001 + (x + i) % 2);\n"
		"        write(fd, req, 1);\n"
		"        read(fd, got, 4);\n"
		"        close(fd);\n"
		"    }\n"
		"}\n"
		"int main() { for (int i = 0; i < 4; i++) go(ask, i); go_wait(); return 0; }\n");
	ck_assert_msg(strstr(t->text.s, "off the run queue and runs it; it ran on T") != NULL,
		      "no pick says where the coroutine ran before");
	ck_assert_msg(strstr(t->text.s, ": a coroutine may go on on any worker (") != NULL,
		      "the move is not explained");
}
END_TEST

Suite *explain_suite(void)
{
	Suite *s = suite_create("explain");
	TCase *tc = sim_tcase("explain_event");
	tcase_add_test(tc, a_global_is_loaded_changed_and_stored);
	tcase_add_test(tc, locals_and_parameters_go_by_name);
	tcase_add_test(tc, a_branch_says_whether_it_jumped);
	tcase_add_test(tc, a_call_through_a_pointer_names_the_function);
	tcase_add_test(tc, a_thread_local_is_named_as_the_thread_sees_it);
	tcase_add_test(tc, a_preemption_and_the_switch_it_makes);
	tcase_add_test(tc, spawn_join_and_exit);
	tcase_add_test(tc, print_and_a_failed_assertion);
	tcase_add_test(tc, lock_contention_names_the_holder);
	tcase_add_test(tc, a_cond_wait_and_its_signal);
	tcase_add_test(tc, semaphores_and_atomics);
	tcase_add_test(tc, malloc_and_free_say_where_and_how_much);
	tcase_add_test(tc, a_fault_kills_the_process);
	tcase_add_test(tc, every_event_and_opcode_has_a_sentence);
	suite_add_tcase(s, tc);

	tc = sim_tcase("explain_end");
	tcase_add_test(tc, a_deadlock_names_its_cycle);
	tcase_add_loop_test(tc, a_deadlock_says_where_the_waiting_ends, 0, (int)ARRAY_LEN(stuck_cases));
	tcase_add_test(tc, a_limit_stops_the_run);
	tcase_add_test(tc, explain_end_says_running_until_the_end);
	tcase_add_test(tc, the_runtime_and_a_service_in_words);
	tcase_add_test(tc, a_coroutine_that_moves_says_where_it_ran);
	suite_add_tcase(s, tc);
	return s;
}
