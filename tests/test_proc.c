/* Tests of processes: fork's values, getpid, copy-on-write address
 * spaces, wait and exit codes, faults that kill one process, how the run
 * ends, deadlock across processes, process switches and their cost, the
 * process limit, snapshots, the race detector and the explorer. */
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "sim/explore.h"
#include "sim/race.h"

/* The process with pid of s's machine; the test fails when there is none. */
static const struct process *proc(const struct sim *s, int pid)
{
	const struct process *p = machine_proc(s->m, pid);
	ck_assert_msg(p != NULL, "no process %d", pid);
	return p;
}

/* The word at global name in process pid. */
static int64_t global_in(const struct sim *s, int pid, const char *name)
{
	return machine_peek(s->m, pid, sim_addr(s, name));
}

START_TEST(fork_returns_the_child_pid_to_the_parent_and_0_to_the_child)
{
	struct sim *s = sim_run(
		"int in_parent; int in_child;\n"
		"int main() {\n"
		"    int pid = fork();\n"
		"    if (pid == 0) { in_child = getpid(); return 0; }\n"
		"    in_parent = pid;\n"
		"    wait(pid);\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->nprocs, 2);
	ck_assert_int_eq(global_in(s, 1, "in_parent"), 2);
	ck_assert_int_eq(global_in(s, 1, "in_child"), 0);      /* the child wrote its own copy */
	ck_assert_int_eq(global_in(s, 2, "in_child"), 2);
	ck_assert_int_eq(global_in(s, 2, "in_parent"), 0);
	ck_assert_int_eq(proc(s, 2)->ppid, 1);
	ck_assert_int_eq(sim_count(s, EV_FORK), 1);
	const struct event *e = sim_nth(s, EV_FORK, 0);
	ck_assert_int_eq(e->tid, 1);
	ck_assert_int_eq(e->a, 2);
	ck_assert_int_eq(e->other, 2);
	ck_assert_int_eq(machine_thread(s->m, 2)->pid, 2);
}
END_TEST

START_TEST(getpid_is_1_without_fork)
{
	struct sim *s = sim_run("int main() { print(\"%d\", getpid()); return 0; }\n");
	ck_assert_str_eq(sim_output(s), "1");
	ck_assert_int_eq(s->m->nprocs, 1);
	ck_assert_int_eq(sim_count(s, EV_PEXIT), 0);   /* never forked: no process events */
}
END_TEST

/* The child stops at a sleep right after fork: nothing written yet. */
static const char cow_src[] =
	"int g = 5;\n"
	"int main() {\n"
	"    int pid = fork();\n"
	"    if (pid == 0) { sleep(50); g = 7; sleep(50); return 0; }\n"
	"    sleep(20);\n"
	"    sleep(200);\n"
	"    print(\"%d\", g);\n"
	"    wait(pid);\n"
	"    return 0;\n"
	"}\n";

START_TEST(fork_shares_pages_until_one_side_writes)
{
	struct sim *s = sim_new(cow_src);
	ck_assert_int_eq(sim_start(s), 0);
	while (s->m->nprocs < 2 && machine_step(s->m))
		;
	uint64_t g = sim_addr(s, "g");
	int prot;
	ck_assert_ptr_eq(mem_page(&proc(s, 1)->mem, g, &prot), mem_page(&proc(s, 2)->mem, g, &prot));
	ck_assert_int_eq(machine_page_shared(s->m, 1, g), 1);
	ck_assert_uint_gt(machine_shared_pages(s->m, 2), 2);
	/* run until the child has written g */
	while (machine_peek(s->m, 2, g) != 7 && machine_step(s->m))
		;
	ck_assert_int_eq(machine_peek(s->m, 2, g), 7);
	ck_assert_int_eq(machine_peek(s->m, 1, g), 5);
	ck_assert_int_eq(machine_page_shared(s->m, 1, g), 0);
	ck_assert_ptr_ne(mem_page(&proc(s, 1)->mem, g, &prot), mem_page(&proc(s, 2)->mem, g, &prot));
	ck_assert_int_eq(machine_page_shared(s->m, 1, CODE_BASE), 1);   /* code stays shared */
	sim_finish(s);
	ck_assert_str_eq(sim_output(s), "5");
}
END_TEST

START_TEST(wait_returns_exit_codes_and_reaps)
{
	struct sim *s = sim_run(
		"int main() {\n"
		"    int a = fork();\n"
		"    if (a == 0) exit(3);\n"
		"    int b = fork();\n"
		"    if (b == 0) { sleep(30); return 4; }\n"
		"    sleep(10);\n"
		"    print(\"%d %d \", wait(a), wait(b));\n"      /* a has ended, b not yet */
		"    print(\"%d %d %d\", wait(a), wait(99), wait(1));\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_str_eq(sim_output(s), "3 4 -1 -1 -1");
	ck_assert_int_eq(proc(s, 2)->state, PS_REAPED);
	ck_assert_int_eq(proc(s, 2)->how, PE_EXIT);
	ck_assert_int_eq(proc(s, 3)->how, PE_RETURN);  /* main returned in the child */
	ck_assert_int_eq(proc(s, 3)->code, 4);
	ck_assert_int_eq(sim_count(s, EV_REAP), 2);
	int waited = 0;         /* wait(b) blocked: b was alive */
	for (int i = 0; sim_nth(s, EV_BLOCK, i); i++)
		waited += sim_nth(s, EV_BLOCK, i)->a == WAIT_CHILD;
	ck_assert_int_eq(waited, 1);
}
END_TEST

START_TEST(a_child_cannot_wait_for_its_sibling)
{
	struct sim *s = sim_run(
		"int main() {\n"
		"    int a = fork();\n"
		"    if (a == 0) { sleep(20); return 1; }\n"
		"    int b = fork();\n"
		"    if (b == 0) return wait(a);\n"
		"    print(\"%d %d\", wait(b), wait(a));\n"
		"    return 0;\n"
		"}\n");
	ck_assert_str_eq(sim_output(s), "-1 1");
}
END_TEST

START_TEST(a_fault_in_a_child_leaves_the_parent_running)
{
	struct sim *s = sim_run(
		"int main() {\n"
		"    int pid = fork();\n"
		"    if (pid == 0) { int *p = 0; *p = 1; print(\"never\"); }\n"
		"    print(\"%d\", wait(pid));\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 0);
	ck_assert_str_eq(sim_output(s), "-1");
	ck_assert_int_eq(WAIT_KILLED, -1);
	ck_assert_int_eq(proc(s, 2)->how, PE_FAULT);
	ck_assert_int_eq(proc(s, 2)->fault, FAULT_NULL);
	ck_assert_int_eq(sim_count(s, EV_FAULT), 1);
	const struct event *x = sim_nth_of(s, EV_EXIT, 2, 0);
	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(x->b, 1);                      /* killed */
	const struct event *e = sim_nth(s, EV_PEXIT, 0);
	ck_assert_int_eq(e->a, 2);
	ck_assert_int_eq(e->b, PE_FAULT);
}
END_TEST

START_TEST(the_run_ends_with_process_1s_status)
{
	/* process 1 ends first, with 5; the child goes on and exits 0 */
	struct sim *s = sim_run(
		"int main() {\n"
		"    if (fork() == 0) { sleep(40); print(\"child\"); exit(0); }\n"
		"    return 5;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 5);
	ck_assert_str_eq(sim_output(s), "child");
	ck_assert_int_eq(s->m->end_tid, 1);
	/* process 1 faults; the child ends well later: the run ended in a fault */
	struct sim *f = sim_run(
		"int main() {\n"
		"    if (fork() == 0) { sleep(40); exit(0); }\n"
		"    return 1 / (getpid() - 1);\n"
		"}\n");
	ck_assert_int_eq(sim_end(f), END_FAULT);
	ck_assert_int_eq(f->m->fault, FAULT_DIVZERO);
	ck_assert_int_eq(f->m->end_tid, 1);
	ck_assert_int_eq(proc(f, 2)->how, PE_EXIT);
}
END_TEST

START_TEST(an_assertion_in_a_child_ends_the_whole_run)
{
	struct sim *s = sim_run(
		"int main() {\n"
		"    if (fork() == 0) assert(0);\n"
		"    sleep(100);\n"
		"    print(\"never\");\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_ASSERT);
	ck_assert_str_eq(sim_output(s), "");
	ck_assert_int_eq(machine_thread(s->m, 1)->state, TS_DONE);
}
END_TEST

START_TEST(a_forked_worker_thread_ends_its_process_with_its_last_thread)
{
	struct sim *s = sim_run(
		"int pid;\n"
		"void w() { pid = fork(); }\n"
		"int main() {\n"
		"    join(spawn(w));\n"
		"    print(\"%d\", wait(pid));\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_str_eq(sim_output(s), "0");
	ck_assert_int_eq(proc(s, 2)->how, PE_LAST);
	ck_assert_int_eq(s->m->nthreads, 3);            /* only the caller was copied */
}
END_TEST

START_TEST(deadlock_needs_every_thread_of_every_process_blocked)
{
	/* the child blocks for ever on its own mutex; the parent waits for it */
	struct sim *s = sim_run(
		"mutex m;\n"
		"int main() {\n"
		"    lock(m);\n"
		"    int pid = fork();\n"
		"    if (pid == 0) { lock(m); return 0; }\n"   /* the copy says it is held */
		"    unlock(m);\n"
		"    return wait(pid);\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_DEADLOCK);
	ck_assert_int_eq(sim_count(s, EV_DEADLOCK), 1);
	ck_assert_int_eq(machine_thread(s->m, 1)->wait, WAIT_CHILD);
	ck_assert_int_eq(machine_thread(s->m, 2)->wait, WAIT_MUTEX);
	/* the parent's unlock did not reach the child's copy of m */
	ck_assert_int_eq(machine_mutex_owner(s->m, 2, sim_addr(s, "m")), 1);
	ck_assert_int_eq(machine_mutex_owner(s->m, 1, sim_addr(s, "m")), 0);
}
END_TEST

static const char pingpong[] =
	"int main() {\n"
	"    int pid = fork();\n"
	"    for (int i = 0; i < 3; i++) sched_yield();\n"
	"    if (pid) wait(pid);\n"
	"    return 0;\n"
	"}\n";

START_TEST(a_process_switch_costs_process_switch_cost_ticks)
{
	struct sim *s = sim_new(pingpong);
	s->cfg.switch_cost = 1;
	s->cfg.process_switch_cost = 9;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_uint_gt(s->m->proc_switches, 2);
	int seen = 0;
	for (int i = 0; sim_nth(s, EV_SWITCH, i); i++) {
		const struct event *e = sim_nth(s, EV_SWITCH, i);
		if (!e->other || !e->tid)
			continue;
		ck_assert_int_eq(e->b, e->space ? 9 : 1);
		seen += e->space;
	}
	ck_assert_uint_eq((uint64_t)seen, s->m->proc_switches);
	/* the same run with free process switches is 9 ticks shorter each */
	struct sim *f = sim_new(pingpong);
	f->cfg.switch_cost = 1;
	f->cfg.process_switch_cost = 0;
	ck_assert_int_eq(sim_start(f), 0);
	sim_finish(f);
	ck_assert_uint_eq(f->m->proc_switches, s->m->proc_switches);
	ck_assert_uint_eq(s->m->tick - f->m->tick, 9 * s->m->proc_switches);
	ck_assert_uint_eq(s->m->insns, f->m->insns);
}
END_TEST

START_TEST(the_process_switch_cost_defaults_to_four_thread_switches)
{
	struct sim *s = sim_new(pingpong);
	s->cfg.switch_cost = 3;
	ck_assert_int_eq(s->cfg.process_switch_cost, -1);
	ck_assert_int_eq(sim_start(s), 0);
	ck_assert_int_eq(s->m->cfg->process_switch_cost, 12);
}
END_TEST

/* Every process forks once; run with a limit of n processes. */
static struct sim *fork_bomb(int n)
{
	struct sim *s = sim_new("int main() { while (1) fork(); return 0; }\n");
	s->lim.max_processes = n;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	return s;
}

START_TEST(a_fork_bomb_stops_at_max_processes)
{
	struct sim *s = fork_bomb(8);
	ck_assert_int_eq(sim_end(s), END_LIMIT);
	ck_assert_int_eq(s->m->limit, LIMIT_PROCESSES);
	ck_assert_int_eq(s->m->nprocs, 8);
	ck_assert_int_eq(sim_count(s, EV_FORK), 7);
	struct sim *d = fork_bomb(0);                  /* 0: the default */
	ck_assert_int_eq(d->m->nprocs, DEFAULT_MAX_PROCESSES);
	ck_assert_int_eq(d->m->limit, LIMIT_PROCESSES);
}
END_TEST

/* Fork n - 1 children, each ending at once: n processes in all. */
static struct sim *fork_n(int n, int limit)
{
	char src[256];
	snprintf(src, sizeof src,
		 "int main() {\n"
		 "    for (int i = 1; i < %d; i++) if (fork() == 0) return i;\n"
		 "    return 0;\n"
		 "}\n", n);
	struct sim *s = sim_new(src);
	s->lim.max_processes = limit;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	return s;
}

START_TEST(max_processes_allows_exactly_n)
{
	struct sim *at = fork_n(5, 5), *past = fork_n(6, 5);
	ck_assert_int_eq(sim_end(at), END_OK);
	ck_assert_int_eq(at->m->nprocs, 5);
	ck_assert_int_eq(sim_end(past), END_LIMIT);
	ck_assert_int_eq(past->m->limit, LIMIT_PROCESSES);
	ck_assert_int_eq(past->m->nprocs, 5);
}
END_TEST

START_TEST(machine_copy_with_processes_steps_the_same)
{
	struct sim *s = sim_new(cow_src);
	s->cfg.process_switch_cost = 2;
	ck_assert_int_eq(sim_start(s), 0);
	while (s->m->nprocs < 2 && machine_step(s->m))
		;
	for (int i = 0; i < 5; i++)
		machine_step(s->m);
	struct sim *c = sim_copy(s);
	size_t from = s->log.n;
	sim_finish(s);
	sim_finish(c);
	assert_same_lines(evlog_format(&c->log, 0), evlog_format(&s->log, from), "copy vs original");
	ck_assert_str_eq(sim_output(c), "5");
	ck_assert_int_eq(machine_peek(c->m, 2, sim_addr(c, "g")), 7);
}
END_TEST

START_TEST(accesses_of_two_processes_never_race)
{
	/* both processes write counter with no lock: the same address, not
	 * the same memory; a real race inside the child is still found */
	struct sim *s = sim_run_policy(
		"int counter; int other;\n"
		"void bump() { other++; }\n"
		"int main() {\n"
		"    int pid = fork();\n"
		"    for (int i = 0; i < 5; i++) counter++;\n"
		"    if (pid == 0) {\n"
		"        int t = spawn(bump); other++; join(t);\n"
		"        return 0;\n"
		"    }\n"
		"    wait(pid);\n"
		"    return 0;\n"
		"}\n", POLICY_RR, 1);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_uint_eq(race_count(s->m), 1);
	const struct race_report *r = race_get(s->m, 0);
	ck_assert_int_eq(r->pid, 2);
	ck_assert_uint_eq(r->addr, sim_addr(s, "other"));
	ck_assert_uint_eq(race_marked(s->m, 1, sim_addr(s, "other"), 8), 0);
	ck_assert_uint_eq(race_marked(s->m, 2, sim_addr(s, "other"), 8), 1);
}
END_TEST

/* A judge: main returning 0 is the only good end. */
static enum verdict judge(void *ctx, const struct machine *m, const char *out, size_t len,
			  struct buf *why)
{
	(void)ctx, (void)out, (void)len, (void)why;
	if (m->end == END_LIMIT)
		return VERDICT_LIMIT;
	return m->end == END_OK && !m->exit_status ? VERDICT_OK : VERDICT_FAILED;
}

START_TEST(explore_searches_programs_that_fork)
{
	/* parent and child each print; the order depends on the schedule,
	 * and a child's exit code comes back through wait */
	struct sim *s = sim_new(
		"int main() {\n"
		"    int pid = fork();\n"
		"    if (pid == 0) { print(\"c\"); exit(2); }\n"
		"    print(\"p\");\n"
		"    return wait(pid) - 2;\n"
		"}\n");
	struct explore_options o = { .max_preemptions = -1, .max_states = 100000, .judge = judge };
	struct explore_result *r = at_test_end(xcalloc(1, sizeof *r));
	char err[160];
	ck_assert_msg(explore(s->sc->image, &s->cfg, &s->lim, &o, r, err, sizeof err) == 0,
		      "explore: %s", err);
	ck_assert_int_eq(r->stop, EXPLORE_COMPLETE);
	ck_assert_int_eq(r->failed, -1);
	int cp = 0, pc = 0;
	for (size_t i = 0; i < r->noutcomes; i++) {
		cp |= !strcmp(r->outcomes[i].out, "cp");
		pc |= !strcmp(r->outcomes[i].out, "pc");
	}
	ck_assert_msg(cp && pc, "both orders of the two prints");
	explore_result_free(r);
}
END_TEST

Suite *proc_suite(void)
{
	Suite *s = suite_create("proc");
	TCase *tc = sim_tcase("fork");
	tcase_add_test(tc, fork_returns_the_child_pid_to_the_parent_and_0_to_the_child);
	tcase_add_test(tc, getpid_is_1_without_fork);
	tcase_add_test(tc, fork_shares_pages_until_one_side_writes);
	tcase_add_test(tc, a_forked_worker_thread_ends_its_process_with_its_last_thread);
	suite_add_tcase(s, tc);
	tc = sim_tcase("wait_exit");
	tcase_add_test(tc, wait_returns_exit_codes_and_reaps);
	tcase_add_test(tc, a_child_cannot_wait_for_its_sibling);
	tcase_add_test(tc, a_fault_in_a_child_leaves_the_parent_running);
	tcase_add_test(tc, the_run_ends_with_process_1s_status);
	tcase_add_test(tc, an_assertion_in_a_child_ends_the_whole_run);
	tcase_add_test(tc, deadlock_needs_every_thread_of_every_process_blocked);
	suite_add_tcase(s, tc);
	tc = sim_tcase("switch");
	tcase_add_test(tc, a_process_switch_costs_process_switch_cost_ticks);
	tcase_add_test(tc, the_process_switch_cost_defaults_to_four_thread_switches);
	suite_add_tcase(s, tc);
	tc = sim_tcase("limit");
	tcase_add_test(tc, a_fork_bomb_stops_at_max_processes);
	tcase_add_test(tc, max_processes_allows_exactly_n);
	suite_add_tcase(s, tc);
	tc = sim_tcase("copy_race_explore");
	tcase_add_test(tc, machine_copy_with_processes_steps_the_same);
	tcase_add_test(tc, accesses_of_two_processes_never_race);
	tcase_add_test(tc, explore_searches_programs_that_fork);
	suite_add_tcase(s, tc);
	return s;
}
