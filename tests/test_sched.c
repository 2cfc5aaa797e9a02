/* test_sched: the scheduling policies, schedules as text, recording and
 * replaying a schedule, switch costs and several cores. */
#include <stdio.h>
#include <string.h>

#include "out/run.h"
#include "sim.h"

/* Two workers that only compute, joined by main. */
static const char *workers =
	"int work(int n) { int t = 0; for (int i = 0; i < n; i++) t += i; return t; }\n"
	"int main() { int a = spawn(work, 40); int b = spawn(work, 40); return join(a) + join(b); }\n";

/* The same with a shared counter whose increments can be lost. */
static const char *racy =
	"int counter;\n"
	"void work(int n) { for (int i = 0; i < n; i++) counter++; }\n"
	"int main() { int a = spawn(work, 30); int b = spawn(work, 30); join(a); join(b);\n"
	"    print(\"%d\", counter); return counter; }\n";

/* The tick of the last switch to thread tid before event e, or -1. */
static int64_t switched_in(const struct sim *s, const struct event *e, int tid)
{
	int64_t tick = -1;
	for (const struct event *x = s->log.ev; x < e; x++)
		if (x->kind == EV_SWITCH && x->tid == tid)
			tick = (int64_t)x->tick;
	return tick;
}

/* The quanta round robin is tried with. */
static const int rr_quanta[] = { 1, 2, 3, 7 };

START_TEST(rr_preempts_every_quantum)
{
	int q = rr_quanta[_i];
	struct sim *s = sim_run_policy(workers, POLICY_RR, q);
	ck_assert_int_eq(s->m->exit_status, 2 * 780);
	int n = sim_count(s, EV_PREEMPT);
	ck_assert_int_gt(n, 80 / q / 2);
	ck_assert_uint_eq(s->m->preempts, (uint64_t)n);
	/* the first preemption takes the core from main, which ran alone
	 * until it had someone to share with; every later one comes a
	 * quantum after the thread got the core */
	for (int i = 1; i < n; i++) {
		const struct event *e = sim_nth(s, EV_PREEMPT, i);
		ck_assert_int_eq(e->a, q);
		ck_assert_int_eq((int64_t)e->tick - switched_in(s, e, e->tid), q);
		const struct event *sw = e + 1;         /* then the switch */
		ck_assert_int_eq(sw->kind, EV_SWITCH);
		ck_assert_int_eq(sw->other, e->tid);
		ck_assert_int_eq(sw->a, SW_PREEMPT);
		ck_assert_uint_eq(sw->tick, e->tick);
	}
	sim_free(s);
}
END_TEST

START_TEST(the_timer_fires_on_multiples_of_the_quantum)
{
	/* main runs alone a while; the workers become ready between two
	 * interrupts, and main is preempted at the next one, not at once */
	int q = rr_quanta[_i];
	struct sim *s = sim_run_policy(workers, POLICY_RR, q);
	for (int i = 0; i < sim_count(s, EV_PREEMPT); i++)
		ck_assert_int_eq(sim_nth(s, EV_PREEMPT, i)->a % q, 0);
	sim_free(s);
}
END_TEST

START_TEST(a_shorter_quantum_preempts_more_often)
{
	struct sim *a = sim_run_policy(workers, POLICY_RR, 1);
	struct sim *b = sim_run_policy(workers, POLICY_RR, 5);
	ck_assert_int_gt(sim_count(a, EV_PREEMPT), 3 * sim_count(b, EV_PREEMPT));
	ck_assert_uint_eq(a->m->insns, b->m->insns);
	sim_free(a);
	sim_free(b);
}
END_TEST

START_TEST(rr_does_not_preempt_a_thread_running_alone)
{
	struct sim *s = sim_run_policy("int main() { int t = 0; for (int i = 0; i < 100; i++) t += i; return t; }\n",
				       POLICY_RR, 1);
	ck_assert_int_eq(sim_count(s, EV_PREEMPT), 0);
	ck_assert_int_eq(sim_count(s, EV_SWITCH), 1);   /* the start */
	ck_assert_int_eq(sim_nth(s, EV_SWITCH, 0)->a, SW_START);
	sim_free(s);
}
END_TEST

START_TEST(fifo_never_preempts)
{
	struct sim *s = sim_run_policy(workers, POLICY_FIFO, 1);
	ck_assert_int_eq(s->m->exit_status, 2 * 780);
	ck_assert_int_eq(sim_count(s, EV_PREEMPT), 0);
	for (int i = 0; i < sim_count(s, EV_SWITCH); i++)
		ck_assert_int_ne(sim_nth(s, EV_SWITCH, i)->a, SW_PREEMPT);
	/* each worker runs to its end before the next starts */
	const struct event *x2 = sim_nth_of(s, EV_EXIT, 2, 0);
	const struct event *e3 = sim_nth_of(s, EV_EXEC, 3, 0);
	ck_assert(x2 < e3);
	/* main ran alone until it blocked in join */
	const struct event *b = sim_nth_of(s, EV_BLOCK, 1, 0);
	ck_assert(b < sim_nth_of(s, EV_EXEC, 2, 0));
	sim_free(s);
}
END_TEST

START_TEST(priority_runs_the_higher_priority_thread_first)
{
	struct sim *s = sim_run_policy("int order[3]; int n;\n"
				       "void w(int id) { for (int i = 0; i < 10; i++) {} order[n] = id; n++; }\n"
				       "int main() {\n"
				       "    set_priority(self(), 10);\n"
				       "    int a = spawn(w, 1); int b = spawn(w, 2); int c = spawn(w, 3);\n"
				       "    set_priority(a, 1); set_priority(b, 5); set_priority(c, 3);\n"
				       "    join(a); join(b); join(c);\n"
				       "    return 0;\n"
				       "}\n", POLICY_PRIORITY, 2);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "order", 0), 2);
	ck_assert_int_eq(sim_global(s, "order", 1), 3);
	ck_assert_int_eq(sim_global(s, "order", 2), 1);
	ck_assert_int_eq(machine_thread(s->m, 3)->prio, 5);
	ck_assert_int_eq(sim_count(s, EV_PREEMPT), 0);
	sim_free(s);
}
END_TEST

START_TEST(a_higher_priority_thread_preempts_at_once)
{
	struct sim *s = sim_run_policy("int done_first;\n"
				       "void urgent() { if (!done_first) done_first = self(); }\n"
				       "int main() {\n"
				       "    int u = spawn(urgent);\n"
				       "    set_priority(u, 7);\n"
				       "    if (!done_first) done_first = self();\n"
				       "    return join(u);\n"
				       "}\n", POLICY_PRIORITY, 1000);
	ck_assert_int_eq(sim_global(s, "done_first", 0), 2);
	const struct event *p = sim_nth(s, EV_PREEMPT, 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->tid, 1);
	ck_assert_int_eq(p[1].kind, EV_SWITCH);
	ck_assert_int_eq(p[1].tid, 2);
	sim_free(s);
}
END_TEST

START_TEST(priority_clamps_to_its_range)
{
	struct sim *s = sim_run("int main() { set_priority(1, 5000); int a = self(); set_priority(1, -99999); return a; }\n");
	ck_assert_int_eq(machine_thread(s->m, 1)->prio, -1000);
	sim_free(s);
	s = sim_run("int main() { set_priority(1, 5000); return 0; }\n");
	ck_assert_int_eq(machine_thread(s->m, 1)->prio, 1000);
	sim_free(s);
}
END_TEST

START_TEST(equal_priorities_share_by_quantum)
{
	struct sim *s = sim_run_policy(workers, POLICY_PRIORITY, 3);
	ck_assert_int_gt(sim_count(s, EV_PREEMPT), 10);
	for (int i = 1; i < sim_count(s, EV_PREEMPT); i++)
		ck_assert_int_eq(sim_nth(s, EV_PREEMPT, i)->a, 3);
	sim_free(s);
}
END_TEST

/* A run of racy under the random policy with seed, its events as text
 * (which lives until the end of the test). */
static char *random_run(uint64_t seed, int cores, int64_t *counter)
{
	struct sim *s = sim_new(racy);
	s->cfg.policy = POLICY_RANDOM;
	s->cfg.seed = seed;
	s->cfg.cores = cores;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	char *t = evlog_format(&s->log, 0);
	if (counter)
		*counter = sim_global(s, "counter", 0);
	sim_free(s);
	return t;
}

START_TEST(random_with_the_same_seed_repeats_the_schedule)
{
	char *a = random_run(12345, 1, NULL), *b = random_run(12345, 1, NULL);
	assert_same_lines(b, a, "the second run's events");
	a = random_run(99, 3, NULL);
	b = random_run(99, 3, NULL);
	assert_same_lines(b, a, "the second run's events");
}
END_TEST

START_TEST(random_with_other_seeds_gives_other_schedules)
{
	char *base = random_run(1, 1, NULL);
	int differ = 0, lost = 0;
	for (uint64_t seed = 2; seed <= 9; seed++) {
		int64_t counter;
		char *t = random_run(seed, 1, &counter);
		differ += strcmp(t, base) != 0;
		lost += counter < 60;
	}
	ck_assert_int_ge(differ, 7);
	ck_assert_int_gt(lost, 0);      /* and some lose an update of the race */
}
END_TEST

START_TEST(random_switches_at_any_tick)
{
	struct sim *s = sim_new(workers);
	s->cfg.policy = POLICY_RANDOM;
	s->cfg.seed = 3;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(s->m->exit_status, 2 * 780);
	/* slices of very different lengths, not a fixed quantum */
	int64_t lo = INT64_MAX, hi = 0;
	for (int i = 0; i < sim_count(s, EV_PREEMPT); i++) {
		int64_t a = sim_nth(s, EV_PREEMPT, i)->a;
		lo = a < lo ? a : lo;
		hi = a > hi ? a : hi;
	}
	ck_assert_int_gt(sim_count(s, EV_PREEMPT), 20);
	ck_assert_int_eq(lo, 1);
	ck_assert_int_ge(hi, 4);
	sim_free(s);
}
END_TEST

/* Run prog with policy (and cores, seed, switch cost), recording; the
 * schedule taken and the events, as texts, in *taken and *events. */
static void record_run(const char *prog, enum sched_policy policy, int cores, uint64_t seed,
		       int cost, const char *schedule, char **taken, char **events)
{
	struct sim *s = sim_new(prog);
	s->cfg.policy = policy;
	s->cfg.cores = cores;
	s->cfg.seed = seed;
	s->cfg.switch_cost = cost;
	s->cfg.schedule = (char *)schedule;
	ck_assert_msg(sim_start(s) == 0, "%s", s->err);
	s->m->record = 1;
	sim_finish(s);
	ck_assert_int_eq(s->m->taken_partial, 0);
	*taken = sim_taken(s);
	*events = evlog_format(&s->log, 0);
	sim_free(s);
}

/* Recorded runs to replay: policy, cores, seed, switch cost. */
static const struct replay_case {
	enum sched_policy policy;
	int cores;
	uint64_t seed;
	int cost;
} replay_cases[] = {
	{ POLICY_RANDOM, 1, 5, 0 },
	{ POLICY_RANDOM, 2, 8, 0 },
	{ POLICY_RR, 1, 1, 0 },
	{ POLICY_RR, 3, 1, 0 },
	{ POLICY_FIFO, 2, 1, 0 },
	{ POLICY_PRIORITY, 1, 1, 0 },
	{ POLICY_RR, 1, 1, 3 },
	{ POLICY_RANDOM, 1, 4, 1 },
	{ POLICY_RANDOM, 1, 2, 1 },
};

START_TEST(script_replays_a_recorded_schedule_exactly)
{
	const struct replay_case *c = &replay_cases[_i];
	static const char *prog =
		"int counter; mutex m; semaphore s;\n"
		"void work(int n) { for (int i = 0; i < n; i++) { counter++; lock(m); counter++; unlock(m); } sem_post(s); }\n"
		"void idle() { sleep(7); sched_yield(); }\n"
		"int main() { int a = spawn(work, 12); int b = spawn(work, 15); int c = spawn(idle);\n"
		"    sem_wait(s); sem_wait(s); join(a); join(b); join(c); return counter; }\n";
	char *taken, *events, *taken2, *events2;
	record_run(prog, c->policy, c->cores, c->seed, c->cost, NULL, &taken, &events);
	record_run(prog, POLICY_SCRIPT, c->cores, 0, c->cost, taken, &taken2, &events2);
	assert_same_lines(taken2, taken, "the replay's schedule");
	assert_same_lines(events2, events, "the replay's events");
}
END_TEST

START_TEST(the_schedule_taken_does_not_depend_on_watching_instructions)
{
	/* the run ends in the middle of a burst of main's instructions */
	static const char *prog =
		"int w(int n) { int t = 0; for (int i = 0; i < n; i++) t += i; return t; }\n"
		"int main() { int a = spawn(w, 30); return join(a) % 7; }\n";
	struct sim *s = sim_new(prog), *q = sim_new(prog);
	s->cfg.policy = q->cfg.policy = POLICY_FIFO;
	ck_assert_int_eq(sim_start(s), 0);
	ck_assert_int_eq(sim_start(q), 0);
	s->m->record = q->m->record = 1;
	struct event_sink sink = evlog_sink(&q->log);
	sink.mask &= ~EV_BIT(EV_EXEC);
	machine_set_sink(q->m, sink);
	sim_finish(s);
	sim_finish(q);
	ck_assert_int_eq(q->m->exit_status, s->m->exit_status);
	assert_same_lines(sim_taken(q), sim_taken(s), "the schedule taken unwatched");
	sim_free(s);
	sim_free(q);
}
END_TEST

START_TEST(script_follows_a_written_schedule)
{
	static const char *prog =
		"int work(int n) { int t = 0; for (int i = 0; i < n; i++) t += i; return t; }\n"
		"int main() { int a = spawn(work, 10); int b = spawn(work, 10);\n"
		"    int t = 0; for (int i = 0; i < 20; i++) t += i; return join(a) + join(b) + t; }\n";
	struct sim *s = sim_new(prog);
	s->cfg.policy = POLICY_SCRIPT;
	s->cfg.schedule = (char *)"1*20 2*5 3*5 .*3 2*4 3";
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(s->m->exit_status, 45 + 45 + 190);
	/* who ran at each of the first 43 ticks */
	static const struct { int from, to, tid; } want[] = {
		{ 0, 20, 1 }, { 20, 25, 2 }, { 25, 30, 3 }, { 30, 33, 0 }, { 33, 37, 2 }, { 37, 38, 3 },
	};
	int ran[40];
	memset(ran, 0, sizeof ran);
	for (int i = 0; i < sim_count(s, EV_EXEC); i++) {
		const struct event *e = sim_nth(s, EV_EXEC, i);
		if (e->tick < 38)
			ran[e->tick] = e->tid;
	}
	for (size_t k = 0; k < ARRAY_LEN(want); k++)
		for (int t = want[k].from; t < want[k].to; t++)
			ck_assert_msg(ran[t] == want[k].tid, "tick %d: T%d ran, not T%d", t, ran[t],
				      want[k].tid);
	sim_free(s);
}
END_TEST

START_TEST(script_skips_a_run_whose_thread_cannot_run)
{
	/* thread 5 never exists and thread 2 is blocked: both are skipped */
	struct sim *s = sim_new("int g;\nvoid w() { sleep(50); g = 1; }\n"
				"int main() { int a = spawn(w); int t = 0; for (int i = 0; i < 30; i++) t += i; join(a); return g; }\n");
	s->cfg.policy = POLICY_SCRIPT;
	s->cfg.schedule = (char *)"1*12 5*10 2*3 1*100";
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 1);
	for (int i = 0; i < sim_count(s, EV_EXEC); i++)
		ck_assert_int_ne(sim_nth(s, EV_EXEC, i)->tid, 5);
	/* the 10 ticks of thread 5 went to thread 2 at once */
	ck_assert_uint_eq(sim_nth_of(s, EV_EXEC, 2, 0)->tick, 12);
	ck_assert_uint_eq(sim_nth_of(s, EV_EXEC, 1, 12)->tick, 15);
	sim_free(s);
}
END_TEST

/* A copy given settings of its own (as explore --jobs gives a machine
 * it moves to another host thread) follows the written schedule as the
 * machine it was copied from does, and outlives that machine. */
START_TEST(an_unshared_copy_follows_the_schedule_alone)
{
	struct sim *s = sim_new(workers);
	s->cfg.policy = POLICY_SCRIPT;
	s->cfg.schedule = (char *)"1*9 2*7 3*5 1*2 3*11 2*3";
	ck_assert_int_eq(sim_start(s), 0);
	ck_assert_int_eq(machine_run(s->m, 12), 1);
	struct machine *c = machine_clone(s->m);
	machine_unshare(c);
	ck_assert_ptr_ne(c->cfg, s->m->cfg);
	ck_assert_ptr_ne(c->script, s->m->script);
	/* who runs at each tick on the machine copied from, which is then
	 * freed with the settings it had */
	int ran[4000], n = 0;
	while (n < (int)ARRAY_LEN(ran) && machine_step(s->m))
		ran[n++] = s->m->cores[0].tid;
	ck_assert_int_eq(s->m->state, RUN_ENDED);
	int64_t status = s->m->exit_status;
	machine_done(s->m);
	xfree(s->m);
	s->m = NULL;
	for (int i = 0; i < n; i++) {
		ck_assert_int_eq(machine_step(c), 1);
		ck_assert_msg(c->cores[0].tid == ran[i], "step %d: T%d runs, not T%d", i,
			      c->cores[0].tid, ran[i]);
	}
	ck_assert_int_eq(machine_step(c), 0);
	ck_assert_int_eq(c->exit_status, status);
	machine_free(c);
	sim_free(s);
}
END_TEST

/* Schedules that do not parse, and the column the message names. */
static const struct bad_schedule {
	const char *text;
	const char *msg;
} bad_schedules[] = {
	{ "x", "column 1" },
	{ "1*0", "column 3" },
	{ "1*", "column 3" },
	{ "0*4", "column 1" },
	{ "1 2a", "column 4" },
	{ "1 2*3x", "column 6" },
	{ "1000001", "column 1" },
	{ "1*-3", "column 3" },
	{ "  *5", "column 3" },
	{ "1*99999999999999999999", "column 3" },
};

START_TEST(sched_parse_rejects_bad_text)
{
	const struct bad_schedule *c = &bad_schedules[_i];
	struct schedule sch = { 0 };
	char err[160] = "";
	ck_assert_int_eq(sched_parse(c->text, &sch, err, sizeof err), -1);
	ck_assert_msg(strstr(err, c->msg) != NULL, "'%s': %s", c->text, err);
	ck_assert_msg(strncmp(err, "column ", 7) == 0, "'%s': %s", c->text, err);
	ck_assert_int_eq(sch.ncores, 0);
	sched_free(&sch);
}
END_TEST

START_TEST(sched_parse_rejects_too_many_cores)
{
	char text[300] = "1";
	for (int i = 0; i < CONFIG_MAX_CORES; i++)
		strcat(text, "|1");
	struct schedule sch = { 0 };
	char err[160] = "";
	ck_assert_int_eq(sched_parse(text, &sch, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "cores"));
	sched_free(&sch);
}
END_TEST

START_TEST(sched_parse_reads_runs_per_core)
{
	struct schedule sch = { 0 };
	char err[160];
	ck_assert_int_eq(sched_parse("1*8 2*3 .*2 | 3*11", &sch, err, sizeof err), 0);
	ck_assert_int_eq(sch.ncores, 2);
	ck_assert_uint_eq(sch.lane[0].n, 3);
	ck_assert_int_eq(sch.lane[0].runs[0].tid, 1);
	ck_assert_uint_eq(sch.lane[0].runs[0].n, 8);
	ck_assert_int_eq(sch.lane[0].runs[1].tid, 2);
	ck_assert_uint_eq(sch.lane[0].runs[1].n, 3);
	ck_assert_int_eq(sch.lane[0].runs[2].tid, 0);
	ck_assert_uint_eq(sch.lane[0].runs[2].n, 2);
	ck_assert_uint_eq(sch.lane[1].n, 1);
	ck_assert_int_eq(sch.lane[1].runs[0].tid, 3);
	ck_assert_uint_eq(sch.lane[1].runs[0].n, 11);
	sched_free(&sch);
}
END_TEST

/* Texts that parse, and how they format. */
static const struct round_trip {
	const char *text, *formatted;
} round_trips[] = {
	{ "1*8 2*3 .*2 | 3*11", "1*8 2*3 .*2 | 3*11" },
	{ "1 1 1*2 2", "1*4 2" },
	{ "1*5,2*5\n.", "1*5 2*5 ." },
	{ "\t3*1", "3" },
	{ "", "" },
	{ "|", " | " },
	{ "1||2", "1 |  | 2" },
	{ ". . .*3", ".*5" },
};

START_TEST(sched_format_writes_what_sched_parse_reads)
{
	const struct round_trip *c = &round_trips[_i];
	struct schedule a = { 0 }, b = { 0 };
	char err[160];
	ck_assert_int_eq(sched_parse(c->text, &a, err, sizeof err), 0);
	struct buf out = { 0 };
	sched_format(&a, &out);
	ck_assert_str_eq(out.s ? out.s : "", c->formatted);
	/* and the text formatted parses back into the same schedule */
	ck_assert_int_eq(sched_parse(out.s ? out.s : "", &b, err, sizeof err), 0);
	ck_assert_int_eq(a.ncores, b.ncores);
	for (int k = 0; k < a.ncores; k++) {
		ck_assert_uint_eq(a.lane[k].n, b.lane[k].n);
		for (size_t i = 0; i < a.lane[k].n; i++) {
			ck_assert_int_eq(a.lane[k].runs[i].tid, b.lane[k].runs[i].tid);
			ck_assert_uint_eq(a.lane[k].runs[i].n, b.lane[k].runs[i].n);
		}
	}
	buf_free(&out);
	sched_free(&a);
	sched_free(&b);
}
END_TEST

START_TEST(sched_copy_is_deep)
{
	struct schedule a = { 0 }, b;
	char err[160];
	ck_assert_int_eq(sched_parse("1*3 2 | 4", &a, err, sizeof err), 0);
	sched_copy(&b, &a);
	sched_add(&b, 0, 7, 2);
	sched_add(&b, 1, 4, 5);
	ck_assert_uint_eq(a.lane[0].n, 2);
	ck_assert_uint_eq(a.lane[1].runs[0].n, 1);
	ck_assert_uint_eq(b.lane[0].n, 3);
	ck_assert_uint_eq(b.lane[1].runs[0].n, 6);
	sched_free(&a);
	sched_free(&b);
}
END_TEST

START_TEST(a_schedule_for_more_cores_than_the_machine_is_refused)
{
	struct sim *s = sim_new("int main() { return 0; }\n");
	s->cfg.policy = POLICY_SCRIPT;
	s->cfg.schedule = (char *)"1 | 1";
	ck_assert_int_eq(sim_start(s), -1);
	ck_assert_ptr_nonnull(strstr(s->err, "2 cores"));
	s->cfg.schedule = (char *)"1 2x";
	ck_assert_int_eq(sim_start(s), -1);
	ck_assert_ptr_nonnull(strstr(s->err, "column 4"));
	sim_free(s);
}
END_TEST

START_TEST(policies_are_looked_up_by_name)
{
	static const char *names[] = { "rr", "fifo", "priority", "random", "script" };
	for (int i = 0; i < (int)ARRAY_LEN(names); i++)
		ck_assert_int_eq(sched_policy_lookup(names[i]), i);
	ck_assert_int_eq(sched_policy_lookup("RR"), -1);
	ck_assert_int_eq(sched_policy_lookup(""), -1);
	struct machine_config c;
	config_default(&c);
	ck_assert_int_eq(c.cores, 1);
	ck_assert_int_eq(c.quantum, 2);
	ck_assert_int_eq(c.policy, POLICY_RR);
	ck_assert_int_eq(c.switch_cost, 0);
}
END_TEST

START_TEST(a_switch_costs_the_core_its_ticks)
{
	struct sim *s = sim_new(workers);
	s->cfg.switch_cost = 4;
	s->cfg.quantum = 3;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(s->m->exit_status, 2 * 780);
	ck_assert_uint_gt(s->m->switches, 10);
	ck_assert_uint_eq(s->m->tick, s->m->insns + 4 * s->m->switches);
	int checked = 0;
	for (int i = 0; i < sim_count(s, EV_SWITCH); i++) {
		const struct event *sw = sim_nth(s, EV_SWITCH, i);
		if (!sw->other) {               /* the start costs nothing */
			ck_assert_int_eq(sw->b, 0);
			continue;
		}
		ck_assert_int_eq(sw->b, 4);
		/* the thread restored runs its first instruction 4 ticks later */
		const struct event *e = sw + 1;
		while (e->kind != EV_EXEC)
			e++;
		ck_assert_int_eq(e->tid, sw->tid);
		ck_assert_uint_eq(e->tick, sw->tick + 4);
		checked++;
	}
	ck_assert_int_gt(checked, 10);
	sim_free(s);
}
END_TEST

START_TEST(switch_events_carry_both_contexts)
{
	struct sim *s = sim_run_policy(workers, POLICY_RR, 2);
	int checked = 0;
	for (int i = 0; i < sim_count(s, EV_SWITCH); i++) {
		const struct event *sw = sim_nth(s, EV_SWITCH, i);
		if (!sw->other || !sw->tid)
			continue;
		ck_assert_ptr_nonnull(sw->from);
		ck_assert_ptr_nonnull(sw->to);
		/* the next instruction of the restored thread is at to->pc */
		const struct event *e = sw + 1;
		while (e->kind != EV_EXEC)
			e++;
		ck_assert_uint_eq(e->pc, sw->to->pc);
		/* and the saved thread resumes where from says */
		for (const struct event *x = sw + 1; x < s->log.ev + s->log.n; x++)
			if (x->kind == EV_EXEC && x->tid == sw->other) {
				ck_assert_uint_eq(x->pc, sw->from->pc);
				break;
			}
		checked++;
	}
	ck_assert_int_gt(checked, 20);
	sim_free(s);
}
END_TEST

START_TEST(two_cores_run_two_threads_at_once)
{
	struct sim *s = sim_new(workers);
	s->cfg.cores = 2;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(s->m->exit_status, 2 * 780);
	ck_assert_uint_lt(s->m->tick, s->m->insns);
	ck_assert_uint_lt(s->m->tick * 10, s->m->insns * 7);
	/* some tick saw two threads execute, one on each core */
	int both = 0;
	for (size_t i = 0; i + 1 < s->log.n; i++) {
		const struct event *a = &s->log.ev[i], *b = &s->log.ev[i + 1];
		if (a->kind == EV_EXEC && b->kind == EV_EXEC && a->tick == b->tick) {
			ck_assert_int_ne(a->core, b->core);
			ck_assert_int_ne(a->tid, b->tid);
			both++;
		}
	}
	ck_assert_int_gt(both, 50);
	sim_free(s);
}
END_TEST

START_TEST(one_thread_is_not_faster_on_more_cores)
{
	struct sim *s = sim_new("int main() { int t = 0; for (int i = 0; i < 50; i++) t += i; return t; }\n");
	s->cfg.cores = 4;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_uint_eq(s->m->tick, s->m->insns);
	for (int i = 0; i < sim_count(s, EV_EXEC); i++)
		ck_assert_int_eq(sim_nth(s, EV_EXEC, i)->core, 0);
	sim_free(s);
}
END_TEST

START_TEST(a_lost_update_needs_a_switch_inside_the_increment)
{
	/* rr with quantum 3 switches between a load and its store */
	struct sim *s = sim_run_policy(racy, POLICY_RR, 3);
	ck_assert_int_lt(sim_global(s, "counter", 0), 60);
	sim_free(s);
	s = sim_run_policy(racy, POLICY_FIFO, 1);
	ck_assert_int_eq(sim_global(s, "counter", 0), 60);
	ck_assert_str_eq(sim_output(s), "60");
	sim_free(s);
}
END_TEST

START_TEST(run_scenario_prints_a_schedule_that_replays)
{
	static const char *prog = "#policy random\n#seed 4\n"
				  "int counter;\nvoid w(int n) { for (int i = 0; i < n; i++) counter++; }\n"
				  "int main() { int a = spawn(w, 20); int b = spawn(w, 20); join(a); join(b);\n"
				  "    print(\"%d\\n\", counter); return 0; }\n";
	struct sim *s = sim_new(prog);
	FILE *out = tmpfile(), *err = tmpfile();
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(err);
	struct run_options o = { .out = out, .err = err, .print_schedule = 1 };
	ck_assert_int_eq(run_scenario(s->sc, &s->cfg, &s->lim, &o), RUN_OK);
	char text[8192] = "", printed[64] = "";
	rewind(err);
	size_t n = fread(text, 1, sizeof text - 1, err);
	text[n] = 0;
	rewind(out);
	n = fread(printed, 1, sizeof printed - 1, out);
	printed[n] = 0;
	fclose(out);
	fclose(err);
	char *sch = strstr(text, "schedule: ");
	ck_assert_msg(sch != NULL, "no schedule in: %s", text);
	sch += strlen("schedule: ");
	sch[strcspn(sch, "\n")] = 0;
	/* the same run again, by the script */
	struct sim *r = sim_new(prog);
	r->cfg.policy = POLICY_SCRIPT;
	r->cfg.schedule = sch;
	ck_assert_int_eq(sim_start(r), 0);
	r->m->record = 1;
	sim_finish(r);
	ck_assert_str_eq(sim_output(r), printed);
	char *again = sim_taken(r);
	assert_same_lines(again, sch, "the replay's schedule");
	sim_free(r);
	sim_free(s);
}
END_TEST

START_TEST(rr_takes_turns_in_queue_order_with_many_threads)
{
	/* 60 threads yield 5 times each: the cores take them in the order
	 * they joined the queue, round after round (the queue's front moves
	 * up its array and is moved back down as it fills) */
	struct sim *s = sim_new("int ids[60];\n"
				"void w() { for (int i = 0; i < 5; i++) sched_yield(); }\n"
				"int main() { for (int i = 0; i < 60; i++) ids[i] = spawn(w);\n"
				"    for (int i = 0; i < 60; i++) join(ids[i]); return 0; }\n");
	s->cfg.policy = POLICY_RR;
	s->cfg.quantum = 1000;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(sim_end(s), END_OK);
	/* after main blocks in its first join, the workers run 2..61, 2..61, ... */
	int first = -1, k = 0;
	for (int i = 0; i < sim_count(s, EV_SWITCH); i++) {
		const struct event *e = sim_nth(s, EV_SWITCH, i);
		if (first < 0 && e->other == 1 && e->a == SW_BLOCK)
			first = i;
		if (first < 0 || !e->tid || e->tid == 1)
			continue;
		ck_assert_int_eq(e->tid, 2 + k % 60);
		k++;
	}
	ck_assert_int_ge(k, 5 * 60);
	sim_free(s);
}
END_TEST

START_TEST(a_copy_keeps_the_ready_queue_in_order)
{
	struct sim *s = sim_new("int ids[40];\n"
				"void w() { for (int i = 0; i < 4; i++) sched_yield(); }\n"
				"int main() { for (int i = 0; i < 40; i++) ids[i] = spawn(w);\n"
				"    for (int i = 0; i < 40; i++) join(ids[i]); return 0; }\n");
	s->cfg.policy = POLICY_RR;
	s->cfg.quantum = 1000;
	ck_assert_int_eq(sim_start(s), 0);
	while (s->m->nready < 20 && machine_step(s->m))
		;
	for (int i = 0; i < 200; i++)
		ck_assert(machine_step(s->m));
	ck_assert_int_gt(s->m->nready, 10);
	size_t at = s->log.n;
	struct sim *c = sim_copy(s);
	sim_finish(s);
	sim_finish(c);
	assert_same_lines(evlog_format(&c->log, 0), evlog_format(&s->log, at), "the copy's events");
	sim_free(c);
	sim_free(s);
}
END_TEST

Suite *sched_suite(void)
{
	Suite *s = suite_create("sched");
	TCase *tc = sim_tcase("policy");
	tcase_add_loop_test(tc, rr_preempts_every_quantum, 0, (int)ARRAY_LEN(rr_quanta));
	tcase_add_loop_test(tc, the_timer_fires_on_multiples_of_the_quantum, 0,
			    (int)ARRAY_LEN(rr_quanta));
	tcase_add_test(tc, a_shorter_quantum_preempts_more_often);
	tcase_add_test(tc, rr_does_not_preempt_a_thread_running_alone);
	tcase_add_test(tc, fifo_never_preempts);
	tcase_add_test(tc, priority_runs_the_higher_priority_thread_first);
	tcase_add_test(tc, a_higher_priority_thread_preempts_at_once);
	tcase_add_test(tc, priority_clamps_to_its_range);
	tcase_add_test(tc, equal_priorities_share_by_quantum);
	tcase_add_test(tc, random_with_the_same_seed_repeats_the_schedule);
	tcase_add_test(tc, random_with_other_seeds_gives_other_schedules);
	tcase_add_test(tc, random_switches_at_any_tick);
	tcase_add_test(tc, a_lost_update_needs_a_switch_inside_the_increment);
	tcase_add_test(tc, rr_takes_turns_in_queue_order_with_many_threads);
	tcase_add_test(tc, a_copy_keeps_the_ready_queue_in_order);
	suite_add_tcase(s, tc);

	tc = sim_tcase("script");
	tcase_add_loop_test(tc, script_replays_a_recorded_schedule_exactly, 0,
			    (int)ARRAY_LEN(replay_cases));
	tcase_add_test(tc, the_schedule_taken_does_not_depend_on_watching_instructions);
	tcase_add_test(tc, script_follows_a_written_schedule);
	tcase_add_test(tc, script_skips_a_run_whose_thread_cannot_run);
	tcase_add_test(tc, an_unshared_copy_follows_the_schedule_alone);
	tcase_add_loop_test(tc, sched_parse_rejects_bad_text, 0, (int)ARRAY_LEN(bad_schedules));
	tcase_add_test(tc, sched_parse_rejects_too_many_cores);
	tcase_add_test(tc, sched_parse_reads_runs_per_core);
	tcase_add_loop_test(tc, sched_format_writes_what_sched_parse_reads, 0,
			    (int)ARRAY_LEN(round_trips));
	tcase_add_test(tc, sched_copy_is_deep);
	tcase_add_test(tc, a_schedule_for_more_cores_than_the_machine_is_refused);
	tcase_add_test(tc, policies_are_looked_up_by_name);
	tcase_add_test(tc, run_scenario_prints_a_schedule_that_replays);
	suite_add_tcase(s, tc);

	tc = sim_tcase("cores");
	tcase_add_test(tc, a_switch_costs_the_core_its_ticks);
	tcase_add_test(tc, switch_events_carry_both_contexts);
	tcase_add_test(tc, two_cores_run_two_threads_at_once);
	tcase_add_test(tc, one_thread_is_not_faster_on_more_cores);
	suite_add_tcase(s, tc);
	return s;
}
