/* Tests of containers: the pid namespace (pid 1 inside, the real pid
 * outside, fork and wait by the namespace's pids), hostnames, the memory
 * limit that kills a container, the CPU share that throttles one, the
 * limits out of range, and snapshots of a machine with containers. */
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "sim/explore.h"

START_TEST(a_contained_process_is_pid_1_inside_and_its_real_pid_outside)
{
	struct sim *s = sim_run(
		"int inside; int seen;\n"
		"int boxed(int x) { inside = getpid(); exit(inside); }\n"
		"int main() {\n"
		"    seen = container(boxed, 0, 0, 100);\n"
		"    print(\"%d %d\", seen, wait(seen));\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_str_eq(sim_output(s), "2 1");        /* the host's pid; the exit code 1 it saw */
	const struct process *p = machine_proc(s->m, 2);
	ck_assert_int_eq(p->box, 1);
	ck_assert_int_eq(p->ns_pid, 1);
	ck_assert_int_eq(p->ppid, 1);
	ck_assert_int_eq(machine_peek(s->m, 2, sim_addr(s, "inside")), 1);
	ck_assert_int_eq(sim_count(s, EV_CONTAINER), 1);
	const struct event *e = sim_nth(s, EV_CONTAINER, 0);
	ck_assert_int_eq(e->tid, 1);
	ck_assert_int_eq(e->a, 2);
	ck_assert_int_eq(e->b, 1);
	ck_assert_int_eq(machine_thread(s->m, e->other)->pid, 2);
}
END_TEST

START_TEST(fork_and_wait_inside_use_the_namespace_pids)
{
	struct sim *s = sim_run(
		"int boxed(int x) {\n"
		"    int c = fork();\n"
		"    if (c == 0) exit(getpid() + 40);\n"
		"    int host = wait(1);\n"        /* pid 1 here is the box's own first process */
		"    print(\"child %d code %d; wait(1) %d\\n\", c, wait(c), host);\n"
		"    return 0;\n"
		"}\n"
		"int main() {\n"
		"    int b = container(boxed, 0, 0, 100);\n"
		"    wait(b);\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_str_eq(sim_output(s), "child 2 code 42; wait(1) -1\n");
	ck_assert_int_eq(s->m->nprocs, 3);
	ck_assert_int_eq(machine_proc(s->m, 3)->box, 1);
	ck_assert_int_eq(machine_proc(s->m, 3)->ns_pid, 2);
	const struct event *f = sim_nth(s, EV_FORK, 0);
	ck_assert_int_eq(f->a, 3);                      /* the trace names the real pid */
}
END_TEST

START_TEST(the_host_cannot_reach_a_contained_process_by_its_inside_pid)
{
	struct sim *s = sim_run(
		"int boxed(int x) { exit(5); }\n"
		"int main() {\n"
		"    int b = container(boxed, 0, 0, 100);\n"
		"    print(\"%d %d\", wait(1), wait(b));\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_str_eq(sim_output(s), "-1 5");
}
END_TEST

START_TEST(a_hostname_is_its_containers_own)
{
	struct sim *s = sim_run(
		"char host[16]; char inside[16];\n"
		"int boxed(int x) { sethostname(\"web\"); gethostname(inside, 16);\n"
		"    print(\"in %s\\n\", inside); return 0; }\n"
		"int main() {\n"
		"    wait(container(boxed, 0, 0, 100));\n"
		"    gethostname(host, 16);\n"
		"    print(\"out %s\\n\", host);\n"
		"    char two[2];\n"
		"    gethostname(two, 2);\n"       /* cut to the room, NUL included */
		"    print(\"cut %s %d\\n\", two, gethostname(two, 0));\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_str_eq(sim_output(s), "in web\nout host\ncut h -1\n");
	ck_assert_str_eq(s->m->boxes[1].hostname, "web");
	ck_assert_int_eq(sim_count(s, EV_HOSTNAME), 1);
	ck_assert_int_eq(sim_nth(s, EV_HOSTNAME, 0)->a, 1);
}
END_TEST

START_TEST(gethostname_into_memory_it_may_not_write_faults)
{
	struct sim *s = sim_run(
		"int main() { gethostname(0, 16); return 0; }\n");
	ck_assert_int_eq(sim_end(s), END_FAULT);
	ck_assert_int_eq(s->m->fault, FAULT_NULL);
}
END_TEST

START_TEST(the_memory_limit_kills_every_process_of_the_container)
{
	struct sim *s = sim_run(
		"int boxed(int x) {\n"
		"    int c = fork();\n"
		"    if (c == 0) { sleep(1000); exit(0); }\n"
		"    for (int i = 0; i < 10; i++) malloc(512);\n"
		"    exit(0);\n"
		"}\n"
		"int main() {\n"
		"    int b = container(boxed, 0, 2048, 100);\n"
		"    print(\"%d\\n\", wait(b));\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);           /* the host goes on */
	ck_assert_str_eq(sim_output(s), "-1\n");
	ck_assert_int_eq(sim_count(s, EV_OOM), 1);
	const struct event *e = sim_nth(s, EV_OOM, 0);
	ck_assert_int_eq(e->a, 1);
	ck_assert_int_eq(e->addr, 2048);
	ck_assert_int_gt(e->b, 2048);
	ck_assert_int_le(e->b, 2048 + 512);             /* killed at the first malloc over it */
	ck_assert(s->m->boxes[1].oom);
	for (int pid = 2; pid <= 3; pid++) {
		const struct process *p = machine_proc(s->m, pid);
		ck_assert_int_eq(p->how, PE_FAULT);
		ck_assert_int_eq(p->fault, FAULT_OOM);
		ck_assert_uint_le(p->ended, e->tick);
	}
	ck_assert_int_eq(machine_proc(s->m, 1)->how, PE_RETURN);
}
END_TEST

START_TEST(the_heap_a_process_held_before_it_joined_is_not_charged)
{
	struct sim *s = sim_run(
		"int boxed(int x) { malloc(256); exit(3); }\n"
		"int main() {\n"
		"    malloc(4096);\n"
		"    print(\"%d\", wait(container(boxed, 0, 1024, 100)));\n"
		"    return 0;\n"
		"}\n");
	ck_assert_str_eq(sim_output(s), "3");
	ck_assert_int_eq(sim_count(s, EV_OOM), 0);
	ck_assert_int_eq(s->m->boxes[1].mem_peak, 256);
}
END_TEST

/* Ticks thread tid ran in [from, to), from its exec events. */
static int ran_between(const struct sim *s, int tid, uint64_t from, uint64_t to)
{
	int n = 0;
	for (size_t i = 0; i < s->log.n; i++) {
		const struct event *e = &s->log.ev[i];
		n += e->kind == EV_EXEC && e->tid == tid && e->tick >= from && e->tick < to;
	}
	return n;
}

START_TEST(the_cpu_share_throttles_the_container_in_every_period)
{
	struct sim *s = sim_new(
		"int spin;\n"
		"int hog(int n) { for (int i = 0; i < n; i++) spin++; return 0; }\n"
		"int main() {\n"
		"    int b = container(hog, 60, 0, 25);\n"
		"    int mine = 0;\n"
		"    for (int i = 0; i < 80; i++) mine++;\n"
		"    wait(b);\n"
		"    return 0;\n"
		"}\n");
	s->cfg.cores = 1;
	s->cfg.policy = POLICY_RR;
	s->cfg.quantum = 50;
	s->cfg.switch_cost = 0;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_gt(sim_count(s, EV_THROTTLE), 3);
	const struct event *t = sim_nth(s, EV_THROTTLE, 0);
	ck_assert_int_eq(t->a, 1);
	ck_assert_int_eq(t->b, BOX_CPU_PERIOD / 4);
	ck_assert_int_eq(t->addr % BOX_CPU_PERIOD, 0);
	/* in no period does the container's thread get more than its share */
	int hog = sim_nth(s, EV_CONTAINER, 0)->other;
	for (uint64_t p = 0; p < s->m->tick; p += BOX_CPU_PERIOD)
		ck_assert_int_le(ran_between(s, hog, p, p + BOX_CPU_PERIOD), BOX_CPU_PERIOD / 4);
	/* throttled, it waits for the period's end and uses no CPU */
	const struct event *b = sim_nth_of(s, EV_BLOCK, hog, 0);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(b->a, WAIT_CPU);
	ck_assert_int_eq(b->addr, 1);
	const struct event *w = sim_nth_of(s, EV_WAKE, hog, 0);
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(w->tick, t->addr);
	ck_assert_int_eq(ran_between(s, hog, b->tick + 1, w->tick), 0);
	ck_assert_int_eq(ran_between(s, 1, b->tick + 1, w->tick), (int)(w->tick - b->tick - 1));
}
END_TEST

START_TEST(a_throttled_container_alone_lets_the_clock_jump)
{
	struct sim *s = sim_run(
		"int hog(int n) { int k = 0; for (int i = 0; i < n; i++) k++; return 0; }\n"
		"int main() { wait(container(hog, 50, 0, 10)); return 0; }\n");
	ck_assert_int_eq(sim_end(s), END_OK);           /* not a deadlock */
	ck_assert_int_gt(sim_count(s, EV_THROTTLE), 5);
	ck_assert_int_eq(sim_count(s, EV_DEADLOCK), 0);
}
END_TEST

START_TEST(limits_out_of_range_make_no_container)
{
	struct sim *s = sim_run(
		"int f(int x) { return 0; }\n"
		"int main() {\n"
		"    print(\"%d %d %d\\n\", container(f, 0, -1, 100), container(f, 0, 0, 101),\n"
		"          container(f, 0, 0, -5));\n"
		"    int n = 0;\n"
		"    for (int i = 0; i < 10; i++) n += container(f, 0, 0, 100) > 0;\n"
		"    print(\"%d\\n\", n);\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_str_eq(sim_output(s), "-1 -1 -1\n7\n");      /* the host's box and 7 more */
	ck_assert_int_eq(s->m->nboxes, MAX_BOXES);
}
END_TEST

START_TEST(machine_copy_with_containers_steps_the_same)
{
	const char *src =
		"int spin;\n"
		"int hog(int n) { for (int i = 0; i < n; i++) spin++; return 0; }\n"
		"int leaky(int n) { for (int i = 0; i < n; i++) malloc(100); return 0; }\n"
		"int main() {\n"
		"    int a = container(hog, 30, 0, 30);\n"
		"    int b = container(leaky, 30, 500, 100);\n"
		"    wait(a); wait(b);\n"
		"    return 0;\n"
		"}\n";
	struct sim *whole = sim_run(src);
	struct sim *s = sim_new(src);
	ck_assert_int_eq(sim_start(s), 0);
	for (int i = 0; i < 60; i++)
		machine_step(s->m);
	struct sim *c = sim_copy(s);
	size_t at = s->log.n;
	sim_finish(s);
	sim_finish(c);
	assert_same_lines(evlog_format(&c->log, 0), evlog_format(&s->log, at), "copy vs original");
	ck_assert_uint_eq(c->m->tick, whole->m->tick);
	ck_assert_int_eq(sim_count(c, EV_OOM), 1);
}
END_TEST

/* The explorer's judge: a run that ends well with exit status 0 is ok. */
static enum verdict judge(void *ctx, const struct machine *m, const char *out, size_t len,
			  struct buf *why)
{
	(void)ctx, (void)out, (void)len, (void)why;
	if (m->end == END_LIMIT)
		return VERDICT_LIMIT;
	return m->end == END_OK && !m->exit_status ? VERDICT_OK : VERDICT_FAILED;
}

START_TEST(a_throttled_thread_goes_on_with_its_registers_on_every_schedule)
{
	/* the explorer wakes a throttled thread the way the clock does: its
	 * registers must come back as they were, whichever schedule runs */
	struct sim *s = sim_new(
		"int hog(int n) { int k = 0; for (int i = 0; i < n; i++) k++; exit(k); }\n"
		"int main() {\n"
		"    int b = container(hog, 12, 0, 20);\n"
		"    int mine = 0;\n"
		"    for (int i = 0; i < 5; i++) mine++;\n"
		"    return wait(b) - 12;\n"
		"}\n");
	struct explore_options o = { .max_preemptions = 2, .max_states = 200000, .judge = judge };
	struct explore_result *r = at_test_end(xcalloc(1, sizeof *r));
	char err[160];
	ck_assert_msg(explore(s->sc->image, &s->cfg, &s->lim, &o, r, err, sizeof err) == 0,
		      "explore: %s", err);
	ck_assert_int_eq(r->failed, -1);
	uint64_t sum = 0;
	for (size_t i = 0; i < r->noutcomes; i++)
		sum += r->outcomes[i].count;
	ck_assert_uint_eq(sum, r->schedules);
	explore_result_free(r);
}
END_TEST

Suite *container_suite(void)
{
	Suite *s = suite_create("container");
	TCase *tc = sim_tcase("pid_namespace");
	tcase_add_test(tc, a_contained_process_is_pid_1_inside_and_its_real_pid_outside);
	tcase_add_test(tc, fork_and_wait_inside_use_the_namespace_pids);
	tcase_add_test(tc, the_host_cannot_reach_a_contained_process_by_its_inside_pid);
	suite_add_tcase(s, tc);
	tc = sim_tcase("hostname");
	tcase_add_test(tc, a_hostname_is_its_containers_own);
	tcase_add_test(tc, gethostname_into_memory_it_may_not_write_faults);
	suite_add_tcase(s, tc);
	tc = sim_tcase("memory_limit");
	tcase_add_test(tc, the_memory_limit_kills_every_process_of_the_container);
	tcase_add_test(tc, the_heap_a_process_held_before_it_joined_is_not_charged);
	suite_add_tcase(s, tc);
	tc = sim_tcase("cpu_share");
	tcase_add_test(tc, the_cpu_share_throttles_the_container_in_every_period);
	tcase_add_test(tc, a_throttled_container_alone_lets_the_clock_jump);
	tcase_add_test(tc, a_throttled_thread_goes_on_with_its_registers_on_every_schedule);
	suite_add_tcase(s, tc);
	tc = sim_tcase("limits_copy");
	tcase_add_test(tc, limits_out_of_range_make_no_container);
	tcase_add_test(tc, machine_copy_with_containers_steps_the_same);
	suite_add_tcase(s, tc);
	return s;
}
