/* test_thread: creating, joining and ending threads — ids, return
 * values, stacks, thread-local storage, the end of the process and the
 * thread limit. */
#include <string.h>

#include "sim.h"

START_TEST(spawn_gives_ids_from_2_up)
{
	struct sim *s = sim_run("int ids[3]; int got[4];\n"
				"void w(int k) { got[k] = k * 10; }\n"
				"int main() {\n"
				"    for (int i = 0; i < 3; i++) ids[i] = spawn(w, i + 1);\n"
				"    for (int i = 0; i < 3; i++) join(ids[i]);\n"
				"    return 0;\n"
				"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->nthreads, 4);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(sim_global(s, "ids", i), i + 2);
		ck_assert_int_eq(sim_global(s, "got", i + 1), (i + 1) * 10);
		const struct event *e = sim_nth(s, EV_SPAWN, i);
		ck_assert_ptr_nonnull(e);
		ck_assert_int_eq(e->tid, 1);
		ck_assert_int_eq(e->other, i + 2);
		ck_assert_uint_eq(e->addr, sim_addr(s, "w"));
		ck_assert_int_eq(e->a, i + 1);
		ck_assert_int_eq(e->line, 4);
		const struct thread *t = machine_thread(s->m, i + 2);
		ck_assert_int_eq(t->id, i + 2);
		ck_assert_uint_eq(t->entry, sim_addr(s, "w"));
		ck_assert_int_eq(t->arg, i + 1);
		ck_assert_uint_eq(t->created, e->tick);
	}
	ck_assert_ptr_null(machine_thread(s->m, 5));
	ck_assert_ptr_null(machine_thread(s->m, 0));
	sim_free(s);
}
END_TEST

START_TEST(join_returns_the_threads_return_value)
{
	struct sim *s = sim_run("int r1; int r2; int r3;\n"
				"int sq(int x) { return x * x; }\n"
				"void nothing(int x) { x = x + 1; }\n"
				"int main() {\n"
				"    int a = spawn(sq, 7);\n"
				"    r1 = join(a);\n"
				"    int b = spawn(nothing, 3);\n"
				"    r2 = join(b);\n"
				"    r3 = join(a);\n"
				"    return 0;\n"
				"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "r1", 0), 49);
	ck_assert_int_eq(sim_global(s, "r2", 0), 0);    /* a void function returns 0 */
	ck_assert_int_eq(sim_global(s, "r3", 0), 49);   /* joined again: the same value */
	ck_assert_int_eq(machine_thread(s->m, 2)->retval, 49);
	ck_assert_int_eq(machine_thread(s->m, 3)->retval, 0);
	const struct event *e = sim_nth_of(s, EV_EXIT, 2, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->a, 49);
	ck_assert_int_eq(e->b, 0);
	ck_assert_int_eq(sim_nth_of(s, EV_EXIT, 3, 0)->a, 0);
	sim_free(s);
}
END_TEST

START_TEST(join_blocks_until_the_thread_ends)
{
	struct sim *s = sim_run("#policy fifo\n"
				"int slow() { int t = 0; for (int i = 0; i < 20; i++) t += i; return t; }\n"
				"int main() { return join(spawn(slow)); }\n");
	ck_assert_int_eq(s->m->exit_status, 190);
	const struct event *b = sim_nth_of(s, EV_BLOCK, 1, 0), *w = sim_nth_of(s, EV_WAKE, 1, 0);
	const struct event *x = sim_nth_of(s, EV_EXIT, 2, 0);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(b->a, WAIT_JOIN);
	ck_assert_uint_eq(b->addr, 2);
	ck_assert_int_eq(b->other, 2);
	ck_assert_int_eq(w->a, WAIT_JOIN);
	ck_assert_int_eq(w->other, 2);
	ck_assert(b < x && x < w);     /* in the log: block, exit, wake */
	ck_assert_uint_eq(w->tick, x->tick);
	sim_free(s);
}
END_TEST

START_TEST(join_of_a_finished_thread_does_not_block)
{
	struct sim *s = sim_run("int quick() { return 5; }\n"
				"int main() {\n"
				"    int a = spawn(quick);\n"
				"    int t = 0;\n"
				"    for (int i = 0; i < 50; i++) t += i;\n"
				"    return join(a) + t;\n"
				"}\n");
	ck_assert_int_eq(s->m->exit_status, 5 + 1225);
	ck_assert_ptr_null(sim_nth(s, EV_BLOCK, 0));
	sim_free(s);
}
END_TEST

START_TEST(several_threads_can_join_one)
{
	struct sim *s = sim_run("int slow() { sleep(30); return 77; }\n"
				"int waiter(int t) { return join(t) + 1; }\n"
				"int main() {\n"
				"    int s = spawn(slow);\n"
				"    int a = spawn(waiter, s);\n"
				"    int b = spawn(waiter, s);\n"
				"    return join(a) * 1000 + join(b);\n"
				"}\n");
	ck_assert_int_eq(s->m->exit_status, 78078);
	for (int tid = 3; tid <= 4; tid++) {
		const struct event *w = sim_nth_of(s, EV_WAKE, tid, 0);
		ck_assert_ptr_nonnull(w);
		ck_assert_int_eq(w->other, 2);
		ck_assert_int_eq(w->a, WAIT_JOIN);
	}
	sim_free(s);
}
END_TEST

START_TEST(spawn_passes_every_argument)
{
	struct sim *s = sim_run("int f(int a, int b, int c, int d) { return a * 1000 + b * 100 + c * 10 + d; }\n"
				"int main() { return join(spawn(f, 1, 2, 3, 4)); }\n");
	ck_assert_int_eq(s->m->exit_status, 1234);
	ck_assert_int_eq(sim_nth(s, EV_SPAWN, 0)->a, 1);
	sim_free(s);
}
END_TEST

START_TEST(self_is_the_callers_id)
{
	struct sim *s = sim_run("int me; int who() { return self(); }\n"
				"int main() { me = self(); int a = join(spawn(who)); int b = join(spawn(who));\n"
				"    return a * 10 + b; }\n");
	ck_assert_int_eq(sim_global(s, "me", 0), 1);
	ck_assert_int_eq(s->m->exit_status, 23);
	sim_free(s);
}
END_TEST

START_TEST(a_new_thread_starts_at_its_entry_with_its_arguments)
{
	struct sim *s = sim_run("int f(int a, int b) { return a - b; }\n"
				"int main() { return join(spawn(f, 50, 8)); }\n");
	ck_assert_int_eq(s->m->exit_status, 42);
	const struct event *sw = NULL;
	for (int i = 0; (sw = sim_nth(s, EV_SWITCH, i)); i++)
		if (sw->tid == 2)
			break;
	ck_assert_ptr_nonnull(sw);
	ck_assert_ptr_nonnull(sw->to);
	const struct thread *t = machine_thread(s->m, 2);
	ck_assert_uint_eq(sw->to->pc, sim_addr(s, "f"));
	/* the stack holds the arguments, and below them the return address */
	ck_assert_uint_eq(sw->to->sp, t->stack_hi - 24);
	ck_assert_int_eq(machine_peek(s->m, 1, sw->to->sp + 8), 50);
	ck_assert_int_eq(machine_peek(s->m, 1, sw->to->sp + 16), 8);
	/* f returns from there into the runtime's thread_exit */
	int rets = 0, through = 0;
	for (size_t i = 0; i < s->log.n; i++) {
		const struct event *e = &s->log.ev[i];
		if (e->kind != EV_EXEC || e->tid != 2)
			continue;
		if (e->insn->op == OP_RET && e->raddr == sw->to->sp) {
			ck_assert_int_eq(e->rval, (int64_t)s->sc->image->thread_exit);
			rets++;
		}
		through += e->pc == s->sc->image->thread_exit;
	}
	ck_assert_int_eq(rets, 1);
	ck_assert_int_eq(through, 1);
	sim_free(s);
}
END_TEST

START_TEST(each_thread_has_its_own_stack)
{
	struct sim *s = sim_run("int where[4]; int back[4];\n"
				"int w(int k) { int local = k * 11; where[k] = &local; sleep(5); return local; }\n"
				"int main() {\n"
				"    int local = 0; where[0] = &local;\n"
				"    int a = spawn(w, 1); int b = spawn(w, 2); int c = spawn(w, 3);\n"
				"    back[1] = join(a); back[2] = join(b); back[3] = join(c);\n"
				"    return 0;\n"
				"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	for (int k = 0; k < 4; k++) {
		const struct thread *t = machine_thread(s->m, k + 1);
		uint64_t a = (uint64_t)sim_global(s, "where", k);
		ck_assert_uint_ge(a, t->stack_lo);
		ck_assert_uint_lt(a, t->stack_hi);
		ck_assert_uint_eq(t->stack_hi - t->stack_lo, STACK_SIZE);
		ck_assert_uint_eq(t->slot_lo, STACK_TOP - (uint64_t)(k + 1) * THREAD_SLOT);
		ck_assert_int_eq(mem_prot(&machine_proc(s->m, 1)->mem, t->stack_lo - PAGE_SIZE), MP_GUARD);
		if (k)
			ck_assert_int_eq(sim_global(s, "back", k), k * 11);
		for (int j = 0; j < k; j++) {   /* no two slots overlap */
			const struct thread *u = machine_thread(s->m, j + 1);
			ck_assert(t->stack_hi <= u->slot_lo || u->stack_hi <= t->slot_lo);
		}
	}
	sim_free(s);
}
END_TEST

START_TEST(each_thread_has_its_own_tls_copy)
{
	struct sim *s = sim_run("thread_local int t = 5;\nthread_local int u;\n"
				"int vals[4]; int addrs[4];\n"
				"void w(int k) { t = t + k; u = k; sleep(3); vals[k] = t * 10 + u; addrs[k] = &t; }\n"
				"int main() {\n"
				"    int a = spawn(w, 1); int b = spawn(w, 2); int c = spawn(w, 3);\n"
				"    join(a); join(b); join(c);\n"
				"    vals[0] = t * 10 + u; addrs[0] = &t;\n"
				"    return 0;\n"
				"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	static const int64_t want[4] = { 50, 61, 72, 83 };
	uint64_t off = sim_addr(s, "t");        /* an offset in the block */
	for (int k = 0; k < 4; k++) {
		const struct thread *th = machine_thread(s->m, k + 1);
		ck_assert_int_eq(sim_global(s, "vals", k), want[k]);
		ck_assert_uint_eq((uint64_t)sim_global(s, "addrs", k), th->tls + off);
		ck_assert_uint_eq(th->tls, th->stack_hi);
		ck_assert_int_eq(machine_peek(s->m, 1, th->tls + off), want[k] / 10);
	}
	sim_free(s);
}
END_TEST

START_TEST(returning_from_main_ends_every_thread)
{
	struct sim *s = sim_run("int spins;\n"
				"void forever() { while (1) { spins++; } }\n"
				"int main() { spawn(forever); spawn(forever); sleep(20); return 3; }\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 3);
	ck_assert_int_gt(sim_global(s, "spins", 0), 0);
	ck_assert_int_eq(s->m->end_tid, 1);
	for (int tid = 2; tid <= 3; tid++) {
		const struct thread *t = machine_thread(s->m, tid);
		ck_assert_int_eq(t->state, TS_DONE);
		ck_assert_int_eq(t->killed, 1);
		const struct event *e = sim_nth_of(s, EV_EXIT, tid, 0);
		ck_assert_ptr_nonnull(e);
		ck_assert_int_eq(e->b, 1);
	}
	for (int c = 0; c < s->m->ncores; c++)
		ck_assert_int_eq(s->m->cores[c].tid, 0);
	ck_assert_int_eq(s->m->nready, 0);
	sim_free(s);
}
END_TEST

START_TEST(threads_beyond_the_limit_stop_the_run)
{
	struct sim *s = sim_new("int made;\n"
				"void w() { sleep(100); }\n"
				"int main() { for (int i = 0; i < 5; i++) { spawn(w); made++; } return 0; }\n");
	s->lim.max_threads = 3;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(sim_end(s), END_LIMIT);
	ck_assert_int_eq(s->m->limit, LIMIT_THREADS);
	ck_assert_int_eq(s->m->nthreads, 3);
	ck_assert_int_eq(sim_global(s, "made", 0), 2);
	const struct event *e = sim_nth(s, EV_LIMIT, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->a, LIMIT_THREADS);
	ck_assert_int_eq(e->tid, 1);
	ck_assert_int_eq(e->line, 3);
	ck_assert_int_eq(sim_nth(s, EV_END, 0)->a, END_LIMIT);
	sim_free(s);
}
END_TEST

START_TEST(cpu_ticks_add_up_to_the_instructions)
{
	struct sim *s = sim_run("int w(int n) { int t = 0; for (int i = 0; i < n; i++) t += i; return t; }\n"
				"int main() { int a = spawn(w, 30); int b = spawn(w, 60); return join(a) + join(b); }\n");
	ck_assert_int_eq(s->m->exit_status, 435 + 1770);
	uint64_t sum = 0;
	for (int tid = 1; tid <= s->m->nthreads; tid++) {
		const struct thread *t = machine_thread(s->m, tid);
		sum += t->cpu_ticks;
		ck_assert_int_eq(t->state, TS_DONE);
		if (tid > 1)
			ck_assert_uint_eq(t->ended, sim_nth_of(s, EV_EXIT, tid, 0)->tick);
	}
	ck_assert_uint_eq(sum, s->m->insns);
	ck_assert_uint_gt(machine_thread(s->m, 3)->cpu_ticks, machine_thread(s->m, 2)->cpu_ticks);
	sim_free(s);
}
END_TEST

START_TEST(many_threads_can_be_spawned_and_joined)
{
	/* more threads than the machine first makes room for */
	static const char *prog =
		"int ids[20];\n"
		"int w(int k) { return k * 2; }\n"
		"int main() {\n"
		"    for (int i = 0; i < 20; i++) ids[i] = spawn(w, i);\n"
		"    int s = 0;\n"
		"    for (int i = 0; i < 20; i++) s += join(ids[i]);\n"
		"    return s;\n"
		"}\n";
	for (int cores = 1; cores <= 2; cores++) {
		struct sim *s = sim_new(prog);
		s->cfg.cores = cores;
		ck_assert_int_eq(sim_start(s), 0);
		sim_finish(s);
		ck_assert_int_eq(sim_end(s), END_OK);
		ck_assert_int_eq(s->m->nthreads, 21);
		ck_assert_int_eq(s->m->exit_status, 380);
		ck_assert_int_eq(sim_global(s, "ids", 19), 21);
		sim_free(s);
	}
}
END_TEST

START_TEST(threads_share_the_address_space)
{
	struct sim *s = sim_run("int g;\n"
				"void w(int *p) { p[0] = 11; p[1] = 22; g = 33; }\n"
				"int main() { int local[2]; local[0] = 0; local[1] = 0; join(spawn(w, local));\n"
				"    return local[0] + local[1] + g; }\n");
	ck_assert_int_eq(s->m->exit_status, 66);
	sim_free(s);
}
END_TEST

START_TEST(a_thread_can_spawn_threads)
{
	struct sim *s = sim_run("int leaf(int x) { return x + 1; }\n"
				"int mid(int x) { return join(spawn(leaf, x)) * 2; }\n"
				"int main() { return join(spawn(mid, 20)); }\n");
	ck_assert_int_eq(s->m->exit_status, 42);
	const struct event *e = sim_nth(s, EV_SPAWN, 1);
	ck_assert_int_eq(e->tid, 2);
	ck_assert_int_eq(e->other, 3);
	sim_free(s);
}
END_TEST

/* 40 workers wait for one mutex, in an order the sleeps fix (each
 * worker n sleeps n ticks, so they block one after another, though not
 * in the order of their ids), and write down the order they get it in. */
static const char *queue_prog =
	"mutex m; int order[40]; int n;\n"
	"void w(int k) { sleep((k * 7) % 40 * 3 + 1); lock(m); order[n] = self(); n++; unlock(m); }\n"
	"int main() {\n"
	"    int ids[40];\n"
	"    lock(m);\n"
	"    for (int i = 0; i < 40; i++) ids[i] = spawn(w, i);\n"
	"    sleep(200);\n"
	"    unlock(m);\n"
	"    for (int i = 0; i < 40; i++) join(ids[i]);\n"
	"    return n;\n"
	"}\n";

START_TEST(a_mutex_goes_to_its_waiters_in_the_order_they_came)
{
	struct sim *s = sim_run(queue_prog);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 40);
	uint64_t m = sim_addr(s, "m");
	int k = 0;
	for (int i = 0; i < sim_count(s, EV_BLOCK); i++) {
		const struct event *b = sim_nth(s, EV_BLOCK, i);
		if (b->a != WAIT_MUTEX || b->addr != m)
			continue;
		ck_assert_int_eq(sim_global(s, "order", k), b->tid);
		k++;
	}
	ck_assert_int_eq(k, 40);
	sim_free(s);
}
END_TEST

START_TEST(a_woken_cond_waiter_queues_behind_the_mutexs_waiters)
{
	/* main holds m while w1, w2 wait on c and w3, w4 queue for m; the
	 * broadcast sends w1 and w2 to the back of m's queue */
	struct sim *s = sim_run("mutex m; cond c; int order[4]; int n; int ready;\n"
				"void waiter() { lock(m); ready++; cond_wait(c, m); order[n] = self(); n++; unlock(m); }\n"
				"void taker() { lock(m); order[n] = self(); n++; unlock(m); }\n"
				"int main() {\n"
				"    int a = spawn(waiter); int b = spawn(waiter);\n"
				"    while (ready < 2) sleep(1);\n"
				"    lock(m);\n"
				"    int c3 = spawn(taker); sleep(20); int c4 = spawn(taker); sleep(20);\n"
				"    cond_broadcast(c);\n"
				"    unlock(m);\n"
				"    join(a); join(b); join(c3); join(c4);\n"
				"    return order[0] * 1000 + order[1] * 100 + order[2] * 10 + order[3];\n"
				"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 4523);
	sim_free(s);
}
END_TEST

START_TEST(every_joiner_of_a_thread_wakes_in_the_order_it_came)
{
	struct sim *s = sim_run("int order[5]; int n; int t; mutex m;\n"
				"void slow() { sleep(300); }\n"
				"void joiner(int k) { sleep(200 - 40 * k); join(t); lock(m); order[n] = self(); n++; unlock(m); }\n"
				"int main() {\n"
				"    t = spawn(slow);\n"
				"    int ids[5];\n"
				"    for (int i = 0; i < 5; i++) ids[i] = spawn(joiner, i);\n"
				"    for (int i = 0; i < 5; i++) join(ids[i]);\n"
				"    return n;\n"
				"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 5);
	int k = 0;
	for (int i = 0; i < sim_count(s, EV_BLOCK); i++) {
		const struct event *b = sim_nth(s, EV_BLOCK, i);
		if (b->a == WAIT_JOIN && b->addr == 2) {
			ck_assert_int_eq(sim_global(s, "order", k), b->tid);
			k++;
		}
	}
	ck_assert_int_eq(k, 5);
	/* they blocked in the reverse order of their ids */
	ck_assert_int_eq(sim_global(s, "order", 0), 7);
	ck_assert_int_eq(sim_global(s, "order", 4), 3);
	sim_free(s);
}
END_TEST

START_TEST(a_copy_keeps_the_wait_queues)
{
	struct sim *s = sim_new(queue_prog);
	ck_assert_int_eq(sim_start(s), 0);
	int waiting = 0;
	while (waiting < 40 && machine_run(s->m, 10)) {      /* till every worker waits for m */
		waiting = 0;
		for (int i = 0; i < s->m->nthreads; i++)
			waiting += s->m->threads[i].state == TS_BLOCKED &&
				   s->m->threads[i].wait == WAIT_MUTEX;
	}
	ck_assert_int_eq(waiting, 40);
	size_t at = s->log.n;
	struct sim *c = sim_copy(s);
	sim_finish(s);
	sim_finish(c);
	assert_same_lines(evlog_format(&c->log, 0), evlog_format(&s->log, at), "the copy's events");
	ck_assert_int_eq(c->m->exit_status, 40);
	for (int i = 0; i < 40; i++)
		ck_assert_int_eq(sim_global(c, "order", i), sim_global(s, "order", i));
	sim_free(c);
	sim_free(s);
}
END_TEST

START_TEST(a_call_after_a_deadlock_passes_over_the_ended_waiters)
{
	/* the call runs with every other thread ended: the post it makes
	 * finds no waiter to hand the unit to, and its own wait goes through */
	struct sim *s = sim_run("semaphore s = 0;\n"
				"void w() { sem_wait(s); }\n"
				"int f() { sem_post(s); sem_wait(s); return 7; }\n"
				"int main() { spawn(w); spawn(w); sem_wait(s); return 0; }\n");
	ck_assert_int_eq(sim_end(s), END_DEADLOCK);
	int64_t v = 0;
	char err[128];
	ck_assert_int_eq(machine_call(s->m, 1, sim_addr(s, "f"), 1000, &v, err, sizeof err), 0);
	ck_assert_int_eq(v, 7);
	ck_assert_int_eq(machine_call(s->m, 1, sim_addr(s, "f"), 1000, &v, err, sizeof err), 0);
	sim_free(s);
}
END_TEST

START_TEST(sleepers_due_at_one_tick_wake_in_the_order_of_their_ids)
{
	/* T2..T7 block in the reverse order of their ids, all until tick 400 */
	struct sim *s = sim_run("int order[6]; int n; mutex m;\n"
				"void w(int k) { sleep(300 - 40 * k); int t = ticks(); sleep(400 - t - 1);\n"
				"    lock(m); order[n] = self(); n++; unlock(m); }\n"
				"int main() { int ids[6]; for (int i = 0; i < 6; i++) ids[i] = spawn(w, i);\n"
				"    for (int i = 0; i < 6; i++) join(ids[i]); return n; }\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 6);
	/* the last sleeps end together (the code's length sets the tick) */
	uint64_t last = 0;
	for (int i = 0; i < sim_count(s, EV_WAKE); i++)
		if (sim_nth(s, EV_WAKE, i)->a == WAIT_SLEEP)
			last = sim_nth(s, EV_WAKE, i)->tick;
	int k = 0;
	for (int i = 0; i < sim_count(s, EV_WAKE); i++) {
		const struct event *e = sim_nth(s, EV_WAKE, i);
		if (e->a == WAIT_SLEEP && e->tick == last)
			ck_assert_int_eq(e->tid, 2 + k++);
	}
	ck_assert_int_eq(k, 6);
	sim_free(s);
}
END_TEST

START_TEST(a_timed_wait_ended_early_does_not_wake_at_its_deadline)
{
	/* epoll_wait for at most 500 ticks gets a connection at tick 100;
	 * the thread then sleeps past the old deadline: one wake from the
	 * sleep, none from the deadline */
	struct sim *s = sim_run("#clients 1 port 80 send \"hi\" at 100 latency 40\n"
				"int ev[2]; int out[20]; int buf[4];\n"
				"int main() {\n"
				"    int ep = epoll_create(); int l = listen(80);\n"
				"    ev[0] = EPOLLIN; ev[1] = l; epoll_ctl(ep, EPOLL_CTL_ADD, l, ev);\n"
				"    int n = epoll_wait(ep, out, 10, 500);\n"
				"    int c = accept(l);\n"
				"    sleep(1000);\n"
				"    read(c, buf, 2); close(c);\n"
				"    return n;\n"
				"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 1);
	int wakes = 0;
	for (int i = 0; i < sim_count(s, EV_WAKE); i++)
		wakes += sim_nth(s, EV_WAKE, i)->tid == 1;
	ck_assert_int_eq(wakes, 2);     /* the arrival, then the sleep's end */
	ck_assert_int_eq(sim_nth_of(s, EV_WAKE, 1, 1)->a, WAIT_SLEEP);
	sim_free(s);
}
END_TEST

START_TEST(connections_are_accepted_in_the_order_they_came)
{
	/* the server keeps every other connection open, so the files of the
	 * ones it closes are reused by later connections at lower indices:
	 * the accept queue still goes by arrival */
	struct sim *s = sim_run("#clients 12 port 80 send \"x\" every 2 latency 3\n"
				"int keep[12];\n"
				"int main() {\n"
				"    int l = listen(80);\n"
				"    sleep(60);\n"
				"    for (int i = 0; i < 12; i++) {\n"
				"        int c = accept(l);\n"
				"        if (i % 2) close(c); else keep[i] = c;\n"
				"        if (i == 3) sleep(40);\n"
				"    }\n"
				"    return 0;\n"
				"}\n");
	ck_assert_int_eq(sim_count(s, EV_ACCEPT), 12);
	ck_assert_int_eq(sim_count(s, EV_CONNECT), 12);
	for (int i = 0; i < 12; i++)
		ck_assert_int_eq(sim_nth(s, EV_ACCEPT, i)->a, sim_nth(s, EV_CONNECT, i)->a);
	sim_free(s);
}
END_TEST

START_TEST(an_arrival_wakes_its_readers_in_the_order_of_their_ids)
{
	/* three threads read one shared connection; they block in the order
	 * 4, 3, 2 and are woken 2, 3, 4 when the bytes arrive */
	struct sim *s = sim_run("#clients 1 port 80 send \"abc\" latency 300\n"
				"int c; int buf[3];\n"
				"void r(int k) { sleep(100 - 30 * k); read(c, buf + k, 1); }\n"
				"int main() { int l = listen(80); c = accept(l);\n"
				"    int a = spawn(r, 0); int b = spawn(r, 1); int d = spawn(r, 2);\n"
				"    join(a); join(b); join(d); close(c); return 0; }\n");
	int k = 0, order[3] = { 0 };
	for (int i = 0; i < sim_count(s, EV_BLOCK); i++) {
		const struct event *b = sim_nth(s, EV_BLOCK, i);
		if (b->a == WAIT_READ)
			order[k++] = b->tid;
	}
	ck_assert_int_eq(k, 3);
	ck_assert_int_eq(order[0], 4);
	ck_assert_int_eq(order[2], 2);
	k = 0;
	for (int i = 0; i < sim_count(s, EV_WAKE); i++) {
		const struct event *w = sim_nth(s, EV_WAKE, i);
		if (w->a == WAIT_READ)
			ck_assert_int_eq(w->tid, 2 + k++);
	}
	ck_assert_int_ge(k, 3);
	sim_free(s);
}
END_TEST

START_TEST(a_closed_socket_leaves_every_epoll_instance_that_watched_it)
{
	/* two instances watch a connection, one is closed and another made
	 * in its place and set to watch it too; the connection is closed and
	 * the next one takes its file: neither instance reports it */
	struct sim *s = sim_run("#clients 2 port 80 send \"ab\" every 200 latency 5\n"
				"int ev[2]; int out[20]; int buf[4];\n"
				"int main() {\n"
				"    int l = listen(80);\n"
				"    int e1 = epoll_create(); int e2 = epoll_create();\n"
				"    int c = accept(l);\n"
				"    ev[0] = EPOLLIN; ev[1] = c;\n"
				"    epoll_ctl(e1, EPOLL_CTL_ADD, c, ev); epoll_ctl(e2, EPOLL_CTL_ADD, c, ev);\n"
				"    close(e1);\n"
				"    int e3 = epoll_create();\n"
				"    epoll_ctl(e3, EPOLL_CTL_ADD, c, ev);\n"
				"    close(c);\n"
				"    int c2 = accept(l);\n"
				"    sleep(100);\n"
				"    int n2 = epoll_wait(e2, out, 10, 0);\n"
				"    int n3 = epoll_wait(e3, out, 10, 0);\n"
				"    read(c2, buf, 2); close(c2);\n"
				"    return n2 * 10 + n3 + 100 * (c2 == c) + 1000 * (e3 == e1);\n"
				"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 1100);
	sim_free(s);
}
END_TEST

Suite *thread_suite(void)
{
	Suite *s = suite_create("thread");
	TCase *tc = sim_tcase("life");
	tcase_add_test(tc, spawn_gives_ids_from_2_up);
	tcase_add_test(tc, join_returns_the_threads_return_value);
	tcase_add_test(tc, join_blocks_until_the_thread_ends);
	tcase_add_test(tc, join_of_a_finished_thread_does_not_block);
	tcase_add_test(tc, several_threads_can_join_one);
	tcase_add_test(tc, spawn_passes_every_argument);
	tcase_add_test(tc, self_is_the_callers_id);
	tcase_add_test(tc, a_new_thread_starts_at_its_entry_with_its_arguments);
	tcase_add_test(tc, returning_from_main_ends_every_thread);
	tcase_add_test(tc, threads_beyond_the_limit_stop_the_run);
	tcase_add_test(tc, cpu_ticks_add_up_to_the_instructions);
	tcase_add_test(tc, a_thread_can_spawn_threads);
	tcase_add_test(tc, many_threads_can_be_spawned_and_joined);
	tcase_add_test(tc, threads_share_the_address_space);
	suite_add_tcase(s, tc);

	tc = sim_tcase("wait queues");
	tcase_add_test(tc, a_mutex_goes_to_its_waiters_in_the_order_they_came);
	tcase_add_test(tc, a_woken_cond_waiter_queues_behind_the_mutexs_waiters);
	tcase_add_test(tc, every_joiner_of_a_thread_wakes_in_the_order_it_came);
	tcase_add_test(tc, a_copy_keeps_the_wait_queues);
	tcase_add_test(tc, a_call_after_a_deadlock_passes_over_the_ended_waiters);
	tcase_add_test(tc, sleepers_due_at_one_tick_wake_in_the_order_of_their_ids);
	tcase_add_test(tc, a_timed_wait_ended_early_does_not_wake_at_its_deadline);
	tcase_add_test(tc, connections_are_accepted_in_the_order_they_came);
	tcase_add_test(tc, an_arrival_wakes_its_readers_in_the_order_of_their_ids);
	tcase_add_test(tc, a_closed_socket_leaves_every_epoll_instance_that_watched_it);
	suite_add_tcase(s, tc);

	tc = sim_tcase("memory");
	tcase_add_test(tc, each_thread_has_its_own_stack);
	tcase_add_test(tc, each_thread_has_its_own_tls_copy);
	suite_add_tcase(s, tc);
	return s;
}
