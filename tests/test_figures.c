/* Tests of a run's figures: percentiles by nearest rank on known lists,
 * throughput, utilisation and memory per connection from known counts,
 * and the figures of real runs checked against the machine's own
 * counters — switches, replies, the clients' worst waits, each core's
 * ticks — and against what the programs do: threads alive at once,
 * processes, coroutines, stacks and heap. */
#include <stdio.h>
#include <string.h>

#include "out/figures.h"
#include "sim.h"

START_TEST(percentiles_are_by_nearest_rank)
{
	static const uint64_t ten[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	ck_assert_uint_eq(figures_percentile(ten, 10, 50), 5);
	ck_assert_uint_eq(figures_percentile(ten, 10, 90), 9);
	ck_assert_uint_eq(figures_percentile(ten, 10, 99), 10);
	ck_assert_uint_eq(figures_percentile(ten, 10, 100), 10);
	ck_assert_uint_eq(figures_percentile(ten, 10, 1), 1);
	ck_assert_uint_eq(figures_percentile(ten, 10, 11), 2);
	static const uint64_t four[] = { 3, 3, 7, 20 };
	ck_assert_uint_eq(figures_percentile(four, 4, 50), 3);  /* rank 2 */
	ck_assert_uint_eq(figures_percentile(four, 4, 51), 7);  /* rank 3 */
	ck_assert_uint_eq(figures_percentile(four, 4, 75), 7);
	ck_assert_uint_eq(figures_percentile(four, 4, 99), 20); /* rank 4 */
	static const uint64_t one[] = { 42 };
	ck_assert_uint_eq(figures_percentile(one, 1, 50), 42);
	ck_assert_uint_eq(figures_percentile(one, 1, 99), 42);
	ck_assert_uint_eq(figures_percentile(NULL, 0, 50), 0);
	/* a hundred values: p99 is the 99th, not the largest */
	uint64_t hundred[100];
	for (int i = 0; i < 100; i++)
		hundred[i] = (uint64_t)i * 10;
	ck_assert_uint_eq(figures_percentile(hundred, 100, 99), 980);
	ck_assert_uint_eq(figures_percentile(hundred, 100, 50), 490);
}
END_TEST

START_TEST(throughput_utilisation_and_memory_per_connection_from_counts)
{
	struct figures f = { 0 };
	ck_assert_uint_eq(figures_throughput10(&f), 0);         /* no tick: no division */
	f.ticks = 706;
	f.served = 3;
	ck_assert_uint_eq(figures_throughput10(&f), 42);        /* 4.249... per 1,000 ticks */
	f.ticks = 1000;
	f.served = 25;
	ck_assert_uint_eq(figures_throughput10(&f), 250);
	f.ncores = 2;
	f.busy[0] = 1000;
	f.busy[1] = 333;
	ck_assert_uint_eq(figures_utilisation10(&f, 0), 1000);
	ck_assert_uint_eq(figures_utilisation10(&f, 1), 333);
	ck_assert_uint_eq(figures_utilisation10(&f, 2), 0);     /* no such core */
	ck_assert_int_eq(figures_memory_per_connection(&f), -1);        /* no connection */
	f.base_memory = 1000;
	f.peak_memory = 1000 + 3 * 65536;
	f.peak_connections = 3;
	ck_assert_int_eq(figures_memory_per_connection(&f), 65536);
}
END_TEST

/* A run of src with its figures gathered beside the log. */
struct measured {
	struct sim *s;
	struct event_sink log;
	struct figures_watch *w;
	struct run_watcher rw;
	struct figures f;
};

/* The sink of a measured run: the log, then the figures. */
static void feed(void *ctx, const struct event *e)
{
	struct measured *x = ctx;
	x->log.fn(x->log.ctx, e);
	if (x->rw.mask & EV_BIT(e->kind))
		x->rw.event(x->rw.ctx, e);
}

/* Run src on cores cores (rr, quantum 5, no switch cost) with its
 * figures gathered; they are complete when it returns. */
static const struct figures *measure(const char *src, int cores, struct measured **out)
{
	struct measured *x = at_test_end(xcalloc(1, sizeof *x));
	x->s = sim_new(src);
	x->s->cfg.cores = cores;
	x->s->cfg.policy = POLICY_RR;
	x->s->cfg.quantum = 5;
	x->s->cfg.switch_cost = 0;
	x->s->cfg.process_switch_cost = 0;
	ck_assert_msg(sim_start(x->s) == 0, "machine_init: %s", x->s->err);
	x->w = figures_new();
	x->rw = figures_watcher(x->w);
	x->rw.start(x->rw.ctx, x->s->m);
	x->log = evlog_sink(&x->s->log);
	machine_set_sink(x->s->m, (struct event_sink){ feed, x, EV_ALL });
	sim_finish(x->s);
	x->rw.end(x->rw.ctx, x->s->m);
	if (out)
		*out = x;
	x->f = *figures_get(x->w);
	figures_free(x->w);
	x->w = NULL;
	const struct figures *f = &x->f;
	/* the counts the machine keeps itself agree with the events' */
	const struct machine *m = x->s->m;
	ck_assert_uint_eq(f->thread_switches + f->process_switches, m->switches);
	ck_assert_uint_eq(f->process_switches, m->proc_switches);
	ck_assert_uint_eq(f->ticks, m->tick);
	uint64_t worst = 0, replies = 0;
	for (int i = 1; net_client(m, i); i++) {
		replies += (uint64_t)net_client(m, i)->replies;
		if (net_client(m, i)->worst > worst)
			worst = net_client(m, i)->worst;
	}
	ck_assert_uint_eq(f->served, replies);
	ck_assert_uint_eq(f->nlat, replies);
	ck_assert_uint_eq(f->lat_max, worst);
	/* with no switch cost a core is busy exactly while it runs instructions */
	uint64_t cpu = 0, busy = 0;
	for (int i = 0; i < m->nthreads; i++)
		cpu += m->threads[i].cpu_ticks;
	for (int c = 0; c < f->ncores; c++)
		busy += f->busy[c];
	ck_assert_uint_eq(busy, cpu);
	return f;
}

/* A thread per connection whose handlers sleep: all three at once. */
static const char threads_src[] =
	"#clients 3 port 80 send \"GET /\" latency 4\n"
	"int served = 0;\n"
	"void handle(int c) {\n"
	"    int buf[8];\n"
	"    int n = read(c, buf, 60);\n"
	"    sleep(50);\n"
	"    write(c, buf, n);\n"
	"    atomic_add(&served, 1);\n"
	"    close(c);\n"
	"}\n"
	"int main() {\n"
	"    int l = listen(80);\n"
	"    while (1)\n"
	"        spawn(handle, accept(l));\n"
	"    return 0;\n"
	"}\n";

START_TEST(a_thread_per_connection_counts_its_threads_and_stacks)
{
	const struct figures *f = measure(threads_src, 2, NULL);
	ck_assert_int_eq(f->end, END_OK);
	ck_assert_uint_eq(f->served, 3);
	ck_assert_int_eq(f->peak_threads, 4);                   /* main and three handlers */
	ck_assert_int_eq(f->peak_processes, 1);
	ck_assert_int_eq(f->peak_coroutines, 0);
	ck_assert_int_eq(f->peak_connections, 3);
	ck_assert_uint_eq(f->peak_stacks, 4 * STACK_SIZE);      /* no TLS: a stack each */
	ck_assert_uint_eq(f->peak_heap, 0);
	ck_assert_uint_eq(f->peak_memory - f->base_memory, 3 * STACK_SIZE);
	ck_assert_int_eq(figures_memory_per_connection(f), STACK_SIZE);
	ck_assert_uint_eq(f->process_switches, 0);
	/* each waited for two trips and the handler's sleep at least */
	ck_assert_uint_ge(f->lat_p50, 50 + 2 * 4);
	ck_assert_uint_le(f->lat_p50, f->lat_p99);
	ck_assert_uint_le(f->lat_p99, f->lat_max);
	ck_assert_int_eq(f->ncores, 2);
}
END_TEST

START_TEST(an_event_loop_adds_no_memory_per_connection)
{
	const struct figures *f = measure(
		"#clients 3 port 80 send \"GET /\" every 7 latency 3\n"
		"int main() {\n"
		"    int ep = epoll_create();\n"
		"    int l = listen(80);\n"
		"    int ev[2]; int out[8]; int buf[8];\n"
		"    ev[0] = EPOLLIN; ev[1] = l;\n"
		"    epoll_ctl(ep, EPOLL_CTL_ADD, l, ev);\n"
		"    while (1) {\n"
		"        int n = epoll_wait(ep, out, 4, -1);\n"
		"        for (int i = 0; i < n; i++) {\n"
		"            int fd = out[2 * i + 1];\n"
		"            if (fd == l) {\n"
		"                int c = accept(l); ev[0] = EPOLLIN; ev[1] = c;\n"
		"                epoll_ctl(ep, EPOLL_CTL_ADD, c, ev);\n"
		"            } else {\n"
		"                int k = read(fd, buf, 60);\n"
		"                if (k > 0) write(fd, buf, k);\n"
		"                close(fd);\n"
		"            }\n"
		"        }\n"
		"    }\n"
		"    return 0;\n"
		"}\n", 2, NULL);
	ck_assert_int_eq(f->end, END_OK);
	ck_assert_uint_eq(f->served, 3);
	ck_assert_int_eq(f->peak_threads, 1);
	ck_assert_uint_eq(f->thread_switches, 0);
	ck_assert_int_ge(f->peak_connections, 1);
	ck_assert_int_eq(figures_memory_per_connection(f), 0);
	/* one thread: the second core never ran anything */
	ck_assert_uint_eq(f->busy[1], 0);
	ck_assert_uint_eq(figures_utilisation10(f, 1), 0);
	ck_assert_uint_gt(f->busy[0], 0);
}
END_TEST

START_TEST(forked_children_count_as_processes_with_their_images)
{
	struct measured *x;
	const struct figures *f = measure(
		"#clients 2 port 80 send \"GET /\" latency 3\n"
		"int main() {\n"
		"    int l = listen(80);\n"
		"    int kids[2];\n"
		"    for (int i = 0; i < 2; i++) {\n"
		"        int c = accept(l);\n"
		"        kids[i] = fork();\n"
		"        if (kids[i] == 0) {\n"
		"            int buf[8];\n"
		"            int n = read(c, buf, 60);\n"
		"            sleep(40);\n"
		"            write(c, buf, n);\n"
		"            exit(0);\n"
		"        }\n"
		"        close(c);\n"
		"    }\n"
		"    wait(kids[0]);\n"
		"    wait(kids[1]);\n"
		"    return 0;\n"
		"}\n", 1, &x);
	ck_assert_int_eq(f->end, END_OK);
	ck_assert_uint_eq(f->served, 2);
	ck_assert_int_eq(f->peak_processes, 3);
	ck_assert_int_eq(f->peak_threads, 3);                   /* a thread in each */
	ck_assert_uint_gt(f->process_switches, 0);
	/* a child costs a stack and an image: more than a thread would */
	ck_assert_int_gt(figures_memory_per_connection(f), STACK_SIZE);
	ck_assert_uint_eq(f->peak_memory - f->base_memory, 2 * (uint64_t)(f->base_memory));
	(void)x;
}
END_TEST

START_TEST(coroutines_alive_and_their_stacks_in_the_heap)
{
	const struct figures *f = measure(
		"int gen() {\n"
		"    yield(1);\n"
		"    yield(2);\n"
		"    return -1;\n"
		"}\n"
		"int main() {\n"
		"    int a = coroutine(gen);\n"
		"    int b = coroutine(gen);\n"
		"    while (resume(a, 0) >= 0) {}\n"
		"    while (resume(b, 0) >= 0) {}\n"
		"    return 0;\n"
		"}\n", 1, NULL);
	ck_assert_int_eq(f->end, END_OK);
	ck_assert_int_eq(f->peak_coroutines, 2);
	ck_assert_uint_gt(f->peak_heap, 0);                     /* the coroutines' stacks */
	ck_assert_uint_eq(f->served, 0);
	ck_assert_uint_eq(f->nlat, 0);
	ck_assert_uint_eq(f->lat_p50, 0);
	ck_assert_int_eq(figures_memory_per_connection(f), -1);
}
END_TEST

START_TEST(containers_count_as_processes_as_forks_do)
{
	struct measured *x;
	const struct figures *f = measure(
		"int boxed(int n) { sleep(20); exit(n); }\n"
		"int main() {\n"
		"    int a = container(boxed, 1, 0, 100);\n"
		"    int b = container(boxed, 2, 4096, 50);\n"
		"    return wait(a) + wait(b) - 3;\n"
		"}\n", 1, &x);
	ck_assert_int_eq(f->end, END_OK);
	ck_assert_int_eq(f->peak_processes, 3);
	ck_assert_int_eq(f->peak_threads, 3);
	ck_assert_uint_ge(f->peak_memory, f->base_memory);     /* nothing counted below zero */
	ck_assert_uint_lt(f->peak_memory, 64ull << 20);
	(void)x;
}
END_TEST

Suite *figures_suite(void)
{
	Suite *s = suite_create("figures");
	TCase *tc = sim_tcase("figures");
	tcase_add_test(tc, percentiles_are_by_nearest_rank);
	tcase_add_test(tc, throughput_utilisation_and_memory_per_connection_from_counts);
	tcase_add_test(tc, a_thread_per_connection_counts_its_threads_and_stacks);
	tcase_add_test(tc, an_event_loop_adds_no_memory_per_connection);
	tcase_add_test(tc, forked_children_count_as_processes_with_their_images);
	tcase_add_test(tc, containers_count_as_processes_as_forks_do);
	tcase_add_test(tc, coroutines_alive_and_their_stacks_in_the_heap);
	suite_add_tcase(s, tc);
	return s;
}
