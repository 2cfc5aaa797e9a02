/* Tests of the network's deliveries as choices: the 'c' tokens of a
 * schedule, a held network replaying them, and the explorer taking the
 * order and the splitting of deliveries as choices, with counts known
 * by hand and failing schedules that replay. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "sim/explore.h"

/* A judge: anything but main returning 0 fails; a limit is a limit. */
static enum verdict judge(void *ctx, const struct machine *m, const char *out, size_t len,
			  struct buf *why)
{
	(void)ctx, (void)out, (void)len;
	if (m->end == END_LIMIT)
		return VERDICT_LIMIT;
	if (m->end != END_OK || m->exit_status) {
		buf_puts(why, end_status_names[m->end]);
		return VERDICT_FAILED;
	}
	return VERDICT_OK;
}

/* Explore the sim's program, with reduction or not, and at most early
 * early deliveries (-1: no bound). */
static struct explore_result *search_bounded(struct sim *s, int reduction, int early)
{
	struct explore_options o = { .max_preemptions = -1, .no_reduction = !reduction,
				     .bound_early = early >= 0, .max_early = early,
				     .max_states = 100000, .judge = judge };
	struct explore_result *r = at_test_end(xcalloc(1, sizeof *r));
	char err[160];
	ck_assert_msg(explore(s->sc->image, &s->cfg, &s->lim, &o, r, err, sizeof err) == 0,
		      "explore: %s", err);
	return r;
}

/* Explore the sim's program, with reduction or not. */
static struct explore_result *search_sim(struct sim *s, int reduction)
{
	return search_bounded(s, reduction, -1);
}

/* Explore the program src. */
static struct explore_result *search(const char *src, int reduction)
{
	return search_sim(sim_new(src), reduction);
}

/* The outcome that printed text, or NULL. */
static const struct explore_outcome *printed(const struct explore_result *r, const char *text)
{
	for (size_t i = 0; i < r->noutcomes; i++)
		if (!strcmp(r->outcomes[i].out, text))
			return &r->outcomes[i];
	return NULL;
}

/* Run src with the script policy and schedule to its end. */
static struct sim *replay(const char *src, const char *schedule)
{
	struct sim *p = sim_new(src);
	p->cfg.policy = POLICY_SCRIPT;
	p->cfg.schedule = (char *)schedule;
	ck_assert_msg(sim_start(p) == 0, "%s: %s", schedule, p->err);
	sim_finish(p);
	p->cfg.schedule = NULL;
	return p;
}

START_TEST(delivery_tokens_parse_and_format_back)
{
	static const struct {
		const char *text, *back;
		int net;
	} cases[] = {
		{ "1*3 c2 c1/2 2", "1*3 c2 c1/2 2", 1 },
		{ "c1,c1 1*4 | .*2", "c1 c1 1*4 | .*2", 1 },
		{ "c 1*5", "c 1*5", 1 },
		{ "c", "c", 1 },
		{ "1*5 2", "1*5 2", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct schedule s = { 0 };
		char err[160] = "";
		ck_assert_msg(sched_parse(cases[i].text, &s, err, sizeof err) == 0, "%s: %s",
			      cases[i].text, err);
		ck_assert_int_eq(s.net, cases[i].net);
		struct buf b = { 0 };
		sched_format(&s, &b);
		ck_assert_str_eq(b.s ? b.s : "", cases[i].back);
		buf_free(&b);
		sched_free(&s);
	}
	struct schedule s = { 0 };
	char err[160];
	ck_assert_int_eq(sched_parse("1 c3/2 c2", &s, err, sizeof err), 0);
	ck_assert_int_eq(sched_max_client(&s), 3);
	ck_assert_int_eq(sched_delivery_client(s.lane[0].runs[1].tid), 3);
	ck_assert_int_eq(sched_delivery_split(s.lane[0].runs[1].tid), 1);
	ck_assert_int_eq(sched_delivery_split(s.lane[0].runs[2].tid), 0);
	sched_free(&s);
}
END_TEST

/* Delivery tokens that do not parse, and the column the message names. */
static const struct {
	const char *text, *msg;
} bad_tokens[] = {
	{ "c0", "column 2: expected a client number" },
	{ "1 cx", "column 4: expected a client number" },
	{ "c-1", "column 2: expected a client number" },
	{ "c1/3", "column 3: expected '/2'" },
	{ "c1/", "column 3: expected '/2'" },
	{ "c1/22", "column 3: expected '/2'" },
	{ "c2*2", "column 3: a delivery takes no '*'" },
	{ "c1x", "column 3: unexpected 'x'" },
	{ "c1/2x", "column 5: unexpected 'x'" },
	{ "c1000001", "column 2: expected a client number" },
	{ "2c1", "column 2: unexpected 'c'" },
};

START_TEST(bad_delivery_tokens_are_refused_naming_the_column)
{
	struct schedule s = { 0 };
	char err[160] = "";
	ck_assert_int_eq(sched_parse(bad_tokens[_i].text, &s, err, sizeof err), -1);
	ck_assert_msg(strstr(err, bad_tokens[_i].msg) != NULL, "'%s': %s", bad_tokens[_i].text, err);
	ck_assert_int_eq(s.ncores, 0);
	ck_assert_int_eq(s.net, 0);
	sched_free(&s);
}
END_TEST

/* One client sends one byte; main accepts, stores to x, reads. */
static const char one_byte[] =
	"#clients 1 port 80 send \"a\"\n"
	"int x; int buf[2];\n"
	"int main() {\n"
	"    int l = listen(80);\n"
	"    int c = accept(l);\n"
	"    x = 1;\n"
	"    int n = read(c, buf, 8);\n"
	"    return n - 1;\n"
	"}\n";

START_TEST(a_schedule_naming_an_undeclared_client_is_refused)
{
	struct sim *s = sim_new(one_byte);
	s->cfg.policy = POLICY_SCRIPT;
	s->cfg.schedule = (char *)"1*5 c2";
	ck_assert_int_eq(sim_start(s), -1);
	ck_assert_msg(strstr(s->err, "'c2'") && strstr(s->err, "declares 1"), "%s", s->err);
	s->cfg.schedule = NULL;
}
END_TEST

/* After listen, main's accept and the connection are dependent (one
 * listener): main first blocks and is woken by it, or the connection
 * comes first; either way the byte may then come before the accept,
 * which is independent of it.  Every interleaving: from each of the two
 * states, accept then {x = 1, read, the byte} where the byte comes
 * before x = 1, between, or after the read blocks (3), or the byte
 * before accept (1): 2 x 4 = 8.  One per class: the byte before the
 * accept and before x = 1 are equivalent to after, so 2 x 2 = 4. */
START_TEST(counts_with_a_delivery_are_exact)
{
	struct explore_result *r = search(one_byte, 0);
	ck_assert_int_eq(r->stop, EXPLORE_COMPLETE);
	ck_assert_uint_eq(r->schedules, 8);
	ck_assert_uint_eq(r->noutcomes, 1);
	ck_assert_int_eq(r->failed, -1);
	explore_result_free(r);
	r = search(one_byte, 1);
	ck_assert_int_eq(r->stop, EXPLORE_COMPLETE);
	ck_assert_uint_eq(r->schedules, 4);
	explore_result_free(r);
}
END_TEST

/* Two clients: which one's connection comes first decides what main
 * reads from the first connection it accepts. */
static const char two_clients[] =
	"#clients 1 port 80 send \"a\"\n"
	"#clients 1 port 80 send \"b\"\n"
	"int buf[2];\n"
	"int main() {\n"
	"    int l = listen(80);\n"
	"    int c = accept(l);\n"
	"    int d = accept(l);\n"
	"    read(c, buf, 8);\n"
	"    print(\"%s\", buf);\n"
	"    return 0;\n"
	"}\n";

START_TEST(the_order_of_deliveries_between_connections_is_a_choice)
{
	for (int red = 0; red < 2; red++) {
		struct explore_result *r = search(two_clients, red);
		ck_assert_int_eq(r->stop, EXPLORE_COMPLETE);
		ck_assert_uint_eq(r->noutcomes, 2);
		const struct explore_outcome *a = printed(r, "a"), *b = printed(r, "b");
		ck_assert(a && b);
		ck_assert_uint_eq(a->count + b->count, r->schedules);
		ck_assert_uint_eq(a->count, b->count);          /* the two are symmetric */
		ck_assert_ptr_nonnull(strstr(b->schedule, "c2"));
		/* each outcome's schedule replays to it */
		for (size_t i = 0; i < r->noutcomes; i++) {
			struct sim *p = replay(two_clients, r->outcomes[i].schedule);
			ck_assert_int_eq(sim_end(p), END_OK);
			ck_assert_str_eq(sim_output(p), r->outcomes[i].out);
		}
		explore_result_free(r);
	}
}
END_TEST

/* A handler that takes one read for the whole request. */
static const char one_read[] =
	"#clients 1 port 80 send \"abcd\"\n"
	"int buf[2];\n"
	"int main() {\n"
	"    int l = listen(80);\n"
	"    int c = accept(l);\n"
	"    int n = read(c, buf, 8);\n"
	"    print(\"%d\", n);\n"
	"    assert(n == 4);\n"
	"    write(c, buf, n);\n"
	"    close(c);\n"
	"    return 0;\n"
	"}\n";

START_TEST(a_request_split_in_two_is_found_and_replays)
{
	struct sim *plain = sim_run(one_read);
	ck_assert_int_eq(sim_end(plain), END_OK);               /* on the clock it arrives whole */
	struct explore_result *r = search(one_read, 1);
	ck_assert_int_eq(r->stop, EXPLORE_COMPLETE);
	ck_assert_uint_eq(r->noutcomes, 2);
	ck_assert_ptr_nonnull(printed(r, "4"));
	const struct explore_outcome *two = printed(r, "2");    /* the first half, 2 of 4 */
	ck_assert_ptr_nonnull(two);
	ck_assert_int_eq(r->failed, (int)(two - r->outcomes));
	ck_assert_int_eq(two->end, END_ASSERT);
	ck_assert_msg(strstr(two->schedule, "c1/2") != NULL, "%s", two->schedule);
	/* the printed schedule replays: the same failure, the same events twice */
	struct sim *p = replay(one_read, two->schedule), *q = replay(one_read, two->schedule);
	ck_assert_int_eq(sim_end(p), END_ASSERT);
	ck_assert_str_eq(sim_output(p), "2");
	assert_same_lines(evlog_format(&q->log, 0), evlog_format(&p->log, 0), "two replays");
	const struct event *e = sim_nth(p, EV_ARRIVE, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->a, 2);
	explore_result_free(r);
}
END_TEST

START_TEST(a_delivery_schedule_replays_on_more_cores_with_switch_costs)
{
	/* the schedule's other lanes idle; the deliveries are the first's */
	struct sim *s = sim_new(one_read);
	s->cfg.cores = 3;
	s->cfg.switch_cost = 2;
	struct explore_result *r = search_sim(s, 1);
	ck_assert_int_ge(r->failed, 0);
	for (size_t i = 0; i < r->noutcomes; i++) {
		const struct explore_outcome *x = &r->outcomes[i];
		ck_assert_msg(strstr(x->schedule, " | .*") != NULL, "%s", x->schedule);
		struct sim *p = sim_new(one_read);
		p->cfg = s->cfg;
		p->cfg.policy = POLICY_SCRIPT;
		p->cfg.schedule = x->schedule;
		ck_assert_msg(sim_start(p) == 0, "%s: %s", x->schedule, p->err);
		sim_finish(p);
		p->cfg.schedule = NULL;
		ck_assert_int_eq(sim_end(p), x->end);
		ck_assert_str_eq(sim_output(p), x->out);
	}
	explore_result_free(r);
}
END_TEST

START_TEST(a_failing_schedule_before_any_delivery_still_holds_the_network)
{
	/* main fails before the client's connection is delivered: the
	 * schedule says 'c' so that its replay holds the network too */
	const char *src =
		"#clients 1 port 80 send \"a\"\n"
		"int x;\n"
		"void w() { x = 1; }\n"
		"int main() {\n"
		"    int l = listen(80);\n"
		"    int t = spawn(w);\n"
		"    assert(x == 0);\n"
		"    join(t);\n"
		"    int c = accept(l);\n"
		"    return 0;\n"
		"}\n";
	struct explore_result *r = search(src, 1);
	ck_assert_int_ge(r->failed, 0);
	const struct explore_outcome *x = &r->outcomes[r->failed];
	ck_assert_msg(strncmp(x->schedule, "c ", 2) == 0, "%s", x->schedule);
	struct sim *p = replay(src, x->schedule);
	ck_assert_int_eq(sim_end(p), END_ASSERT);
	ck_assert_int_eq(sim_count(p, EV_CONNECT), 0);
	explore_result_free(r);
}
END_TEST

START_TEST(a_schedule_without_deliveries_runs_the_network_on_its_clock)
{
	/* the schedule a plain run took replays it event for event: the
	 * network is not held */
	struct sim *s = sim_new(one_read);
	ck_assert_int_eq(sim_start(s), 0);
	s->m->record = 1;
	sim_finish(s);
	ck_assert_ptr_null(strchr(sim_taken(s), 'c'));
	struct sim *p = replay(one_read, sim_taken(s));
	ck_assert_int_eq(p->m->net.held, 0);
	assert_same_lines(evlog_format(&p->log, 0), evlog_format(&s->log, 0), "the replay");
}
END_TEST

START_TEST(past_the_schedule_the_held_network_runs_on_its_clock)
{
	/* 'c' alone holds the network for a schedule that is over at once:
	 * what waits is due then, and the run goes on as a plain one */
	struct sim *p = replay(one_read, "c");
	ck_assert_int_eq(sim_end(p), END_OK);
	ck_assert_str_eq(sim_output(p), "4");
	ck_assert_int_eq(p->m->net.held, 0);
	/* a delivery with nothing to deliver is skipped */
	p = replay(one_read, "c1 c1 c1");
	ck_assert_int_eq(sim_end(p), END_OK);
}
END_TEST

/* A held machine of src, stepped until main blocks. */
static struct sim *held_until_main_blocks(const char *src)
{
	struct sim *s = sim_new(src);
	ck_assert_int_eq(sim_start(s), 0);
	net_hold(s->m);
	while (machine_thread(s->m, 1)->state != TS_BLOCKED)
		ck_assert(machine_step(s->m));
	return s;
}

/* A copy of m with clients' next pieces delivered in order (-1 ends). */
static struct machine *delivered(const struct machine *m, const int *order)
{
	struct machine *c = at_test_end(xmalloc(sizeof *c));
	machine_copy(c, m);
	for (; *order >= 0; order++)
		ck_assert_int_eq(net_deliver(c, *order, 0), 0);
	return c;
}

START_TEST(states_reached_by_commuting_deliveries_are_one)
{
	struct sim *s = held_until_main_blocks(
		"#clients 1 port 80 send \"ab\"\n"
		"#clients 1 port 80 send \"cd\"\n"
		"int main() { int l = listen(80); int c = accept(l); return 0; }\n");
	ck_assert_int_eq(net_can_deliver(s->m, 0), NET_WHOLE | NET_CONNECT);
	/* two connections queue in the order they come: not the same state */
	struct machine *a = delivered(s->m, (const int[]){ 0, 1, -1 });
	struct machine *b = delivered(s->m, (const int[]){ 1, 0, -1 });
	ck_assert_uint_ne(net_hash(a), net_hash(b));
	/* the bytes of two connections, in either order: the same state */
	struct machine *x = delivered(a, (const int[]){ 0, 1, -1 });
	struct machine *y = delivered(a, (const int[]){ 1, 0, -1 });
	ck_assert_uint_eq(net_hash(x), net_hash(y));
	ck_assert_int_eq(net_can_deliver(x, 0), 0);     /* nothing left to send */
	ck_assert_int_eq(net_deliver(x, 0, 0), -1);
	/* half, then the rest, which is not split again, is not the whole:
	 * it arrived twice (an edge more for epoll) */
	ck_assert_int_eq(net_can_deliver(a, 0), NET_WHOLE | NET_SPLIT);
	struct machine *h = delivered(a, (const int[]){ -1 });
	ck_assert_int_eq(net_deliver(h, 0, 1), 0);
	ck_assert_int_eq(net_can_deliver(h, 0), NET_WHOLE);
	ck_assert_int_eq(net_deliver(h, 0, 1), 0);      /* whole: it cannot split */
	struct machine *w = delivered(a, (const int[]){ 0, -1 });
	ck_assert_uint_ne(net_hash(h), net_hash(w));
	struct machine *all[] = { a, b, x, y, h, w };
	for (size_t i = 0; i < sizeof all / sizeof *all; i++)
		machine_done(all[i]);
}
END_TEST

START_TEST(threads_and_deliveries_explore_together_and_replay)
{
	/* two workers, each serving one client, lose an update; every
	 * outcome's schedule, deliveries and all, replays to it */
	const char *src =
		"#clients 2 port 80 send \"q\"\n"
		"int served; int l;\n"
		"void worker(int x) {\n"
		"    int buf[2];\n"
		"    int c = accept(l);\n"
		"    read(c, buf, 8);\n"
		"    write(c, buf, 1);\n"
		"    close(c);\n"
		"    int v = served;\n"
		"    served = v + 1;\n"
		"}\n"
		"int main() {\n"
		"    l = listen(80);\n"
		"    int a = spawn(worker, 0);\n"
		"    int b = spawn(worker, 0);\n"
		"    join(a); join(b);\n"
		"    print(\"%d\", served);\n"
		"    return 0;\n"
		"}\n";
	struct explore_result *r = search(src, 1), *again = search(src, 1);
	ck_assert_int_eq(r->stop, EXPLORE_COMPLETE);
	ck_assert_ptr_nonnull(printed(r, "1"));
	ck_assert_ptr_nonnull(printed(r, "2"));
	ck_assert_uint_eq(again->schedules, r->schedules);      /* deterministic */
	ck_assert_uint_eq(again->states, r->states);
	uint64_t sum = 0;
	for (size_t i = 0; i < r->noutcomes; i++) {
		const struct explore_outcome *x = &r->outcomes[i];
		sum += x->count;
		ck_assert_str_eq(x->schedule, again->outcomes[i].schedule);
		struct sim *p = replay(src, x->schedule);
		ck_assert_int_eq(sim_end(p), x->end);
		ck_assert_str_eq(sim_output(p), x->out);
	}
	ck_assert_uint_eq(sum, r->schedules);
	explore_result_free(r);
	explore_result_free(again);
}
END_TEST

/* One thread serving two clients with epoll, counting what it read. */
static const char epoll_server[] =
	"#clients 2 port 80 send \"ab\"\n"
	"int served;\n"
	"int main() {\n"
	"    int ep = epoll_create();\n"
	"    int l = listen(80);\n"
	"    int ev[2]; int events[8];\n"
	"    ev[0] = EPOLLIN; ev[1] = l;\n"
	"    epoll_ctl(ep, EPOLL_CTL_ADD, l, ev);\n"
	"    while (served < 2) {\n"
	"        int n = epoll_wait(ep, events, 4, -1);\n"
	"        for (int i = 0; i < n; i++) {\n"
	"            int fd = events[2 * i + 1];\n"
	"            if (fd == l) {\n"
	"                int c = accept(l);\n"
	"                ev[0] = EPOLLIN; ev[1] = c;\n"
	"                epoll_ctl(ep, EPOLL_CTL_ADD, c, ev);\n"
	"            } else {\n"
	"                int buf[2];\n"
	"                int k = read(fd, buf, 8);\n"
	"                if (k > 0) { print(\"%d\", k); write(fd, buf, k); served++; }\n"
	"                else close(fd);\n"
	"            }\n"
	"        }\n"
	"    }\n"
	"    return 0;\n"
	"}\n";

/* A reader blocked in I/O while main stores: the delivery that wakes it
 * decides whether it sees the store, though main's step does not
 * touch the network. */
static const char blocked_reader[] =
	"#clients 1 port 80 send \"a\"\n"
	"int x; int l;\n"
	"void reader() {\n"
	"    int buf[2];\n"
	"    int c = accept(l);\n"
	"    read(c, buf, 8);\n"
	"    print(\"%d\", x);\n"
	"}\n"
	"int main() {\n"
	"    l = listen(80);\n"
	"    int t = spawn(reader);\n"
	"    x = 1;\n"
	"    x = 2;\n"
	"    join(t);\n"
	"    return 0;\n"
	"}\n";

/* main spins until a reader blocked in I/O has read its byte. */
static const char spin_on_reader[] =
	"#clients 1 port 80 send \"ab\"\n"
	"int flag; int l;\n"
	"void reader() {\n"
	"    int buf[2];\n"
	"    int c = accept(l);\n"
	"    flag = read(c, buf, 8);\n"
	"}\n"
	"int main() {\n"
	"    l = listen(80);\n"
	"    int t = spawn(reader);\n"
	"    while (!flag) sched_yield();\n"
	"    print(\"%d\", flag);\n"
	"    join(t);\n"
	"    return 0;\n"
	"}\n";

/* Two handler threads, each its own connection, with their buffers on
 * their stacks, counting into one word without a lock, and main
 * computing in memory before it joins. */
static const char two_handlers[] =
	"#clients 2 port 80 send \"ab\"\n"
	"int served; int l; int work;\n"
	"void handle(int c) {\n"
	"    int buf[2];\n"
	"    int n = read(c, buf, 8);\n"
	"    write(c, buf, n);\n"
	"    served = served + n;\n"
	"    close(c);\n"
	"}\n"
	"int main() {\n"
	"    l = listen(80);\n"
	"    int a = spawn(handle, accept(l));\n"
	"    int b = spawn(handle, accept(l));\n"
	"    for (int i = 0; i < 3; i++) work = work + i;\n"
	"    join(a); join(b);\n"
	"    print(\"%d\", served);\n"
	"    return 0;\n"
	"}\n";

/* The event loop of event-loop.scn, cut down: one thread, epoll over a
 * listener and its connections, a read per readiness, a close at the
 * end of file, the count of bytes in memory between the calls. */
static const char loop_until_closed[] =
	"#clients 2 port 80 send \"ab\"\n"
	"int got; int closed;\n"
	"int main() {\n"
	"    int ep = epoll_create();\n"
	"    int l = listen(80);\n"
	"    int ev[2]; int events[8];\n"
	"    ev[0] = EPOLLIN; ev[1] = l;\n"
	"    epoll_ctl(ep, EPOLL_CTL_ADD, l, ev);\n"
	"    while (closed < 2) {\n"
	"        int n = epoll_wait(ep, events, 4, -1);\n"
	"        for (int i = 0; i < n; i++) {\n"
	"            int fd = events[2 * i + 1];\n"
	"            if (fd == l) {\n"
	"                int c = accept(l);\n"
	"                ev[0] = EPOLLIN; ev[1] = c;\n"
	"                epoll_ctl(ep, EPOLL_CTL_ADD, c, ev);\n"
	"            } else {\n"
	"                int buf[2];\n"
	"                int k = read(fd, buf, 8);\n"
	"                if (k > 0) { print(\"%d\", k); got = got + k; write(fd, buf, k); }\n"
	"                else { close(fd); closed++; }\n"
	"            }\n"
	"        }\n"
	"    }\n"
	"    print(\" %d\", got);\n"
	"    return 0;\n"
	"}\n";

START_TEST(reduction_with_deliveries_keeps_every_outcome)
{
	/* sleep sets skip schedules, and deliveries wait until a step
	 * depends on them, never an outcome: each end reached without
	 * reduction is reached with it */
	const char *const srcs[] = { one_byte, two_clients, one_read, epoll_server,
				     blocked_reader, two_handlers, loop_until_closed, spin_on_reader };
	for (size_t i = 0; i < sizeof srcs / sizeof *srcs; i++) {
		struct explore_result *all = search(srcs[i], 0), *red = search(srcs[i], 1);
		ck_assert_int_eq(all->stop, EXPLORE_COMPLETE);
		ck_assert_int_eq(red->stop, EXPLORE_COMPLETE);
		ck_assert_uint_eq(red->noutcomes, all->noutcomes);
		ck_assert_uint_le(red->schedules, all->schedules);
		for (size_t k = 0; k < all->noutcomes; k++) {
			const struct explore_outcome *x = printed(red, all->outcomes[k].out);
			ck_assert_msg(x != NULL, "program %zu: \"%s\" lost", i, all->outcomes[k].out);
			ck_assert_int_eq(x->end, all->outcomes[k].end);
		}
		explore_result_free(all);
		explore_result_free(red);
	}
	/* the epoll server reads each request whole or in two */
	struct explore_result *r = search(epoll_server, 1);
	ck_assert_ptr_nonnull(printed(r, "22"));
	ck_assert_ptr_nonnull(printed(r, "112"));
	ck_assert_ptr_nonnull(printed(r, "11"));
	explore_result_free(r);
	/* the spinning main sees the byte whole or half of it */
	r = search(spin_on_reader, 1);
	ck_assert_int_eq(r->stop, EXPLORE_COMPLETE);
	ck_assert(printed(r, "1") && printed(r, "2"));
	explore_result_free(r);
	/* the woken reader sees main's stores or not, as it is woken */
	r = search(blocked_reader, 1);
	ck_assert_uint_eq(r->noutcomes, 3);
	ck_assert(printed(r, "0") && printed(r, "1") && printed(r, "2"));
	explore_result_free(r);
}
END_TEST

START_TEST(deliveries_wait_where_they_cannot_matter)
{
	/* one thread computing in memory with the bytes pending: they are
	 * tried before the read, not before each store (one_byte: x = 1
	 * between the accept and the read), and the classes are still 4;
	 * with the handlers, far fewer steps than every interleaving
	 * needs, the same ends */
	struct explore_result *one = search(one_byte, 1), *every = search(one_byte, 0);
	ck_assert_uint_eq(one->schedules, 4);
	ck_assert_uint_lt(one->steps, every->steps);
	explore_result_free(one);
	explore_result_free(every);
	struct explore_result *all = search(two_handlers, 0), *red = search(two_handlers, 1);
	ck_assert_int_eq(red->stop, EXPLORE_COMPLETE);
	ck_assert_uint_eq(red->noutcomes, all->noutcomes);
	ck_assert_uint_lt(red->steps * 2, all->steps);
	ck_assert_uint_lt(red->schedules * 1000, all->schedules);
	ck_assert_ptr_nonnull(printed(red, "4"));       /* both counted */
	ck_assert_ptr_nonnull(printed(red, "2"));       /* an update lost */
	for (size_t i = 0; i < red->noutcomes; i++) {
		struct sim *p = replay(two_handlers, red->outcomes[i].schedule);
		ck_assert_str_eq(sim_output(p), red->outcomes[i].out);
	}
	explore_result_free(all);
	explore_result_free(red);
	/* the same exploration twice: the same counts, the same schedules */
	struct explore_result *a = search(loop_until_closed, 1), *b = search(loop_until_closed, 1);
	ck_assert_uint_eq(a->schedules, b->schedules);
	ck_assert_uint_eq(a->states, b->states);
	ck_assert_ptr_nonnull(printed(a, "22 4"));
	ck_assert_ptr_nonnull(printed(a, "1111 4"));
	explore_result_free(a);
	explore_result_free(b);
}
END_TEST

/* one_read's classes, by hand: the accept blocks first or not (2);
 * whole, the bytes come before the read or wake it (2), and the
 * client's close comes before main's close or never (2): 8; split, both
 * halves come before the read, or the read blocks and both wake it
 * (2 x 2 x 2 = 8): 16 that read 4.  The half alone: 2 x 2 (before the
 * read or waking it), and the rest comes before the failing assertion
 * or never, which are two classes though the assertion looks like a
 * print: a step that ends the run depends on every delivery (2): 8. */
START_TEST(a_step_that_ends_the_run_depends_on_every_delivery)
{
	struct explore_result *r = search(one_read, 1);
	ck_assert_int_eq(r->stop, EXPLORE_COMPLETE);
	ck_assert_uint_eq(r->schedules, 24);
	ck_assert_uint_eq(printed(r, "4")->count, 16);
	ck_assert_uint_eq(printed(r, "2")->count, 8);
	explore_result_free(r);
}
END_TEST

START_TEST(the_early_bound_keeps_deliveries_for_when_threads_wait)
{
	/* with no early delivery, the reader is woken only once main waits
	 * in join: it sees the last store; the bound says what it cut */
	struct explore_result *r = search_bounded(sim_new(blocked_reader), 1, 0);
	ck_assert_int_eq(r->stop, EXPLORE_COMPLETE);
	ck_assert_uint_eq(r->noutcomes, 1);
	ck_assert_ptr_nonnull(printed(r, "2"));
	ck_assert_uint_gt(r->cut_by_early, 0);
	ck_assert_uint_eq(r->cut_by_bound, 0);
	explore_result_free(r);
	/* its connection and its bytes early, two deliveries: it may be
	 * woken before either store or between them; one is not enough */
	r = search_bounded(sim_new(blocked_reader), 1, 1);
	ck_assert_uint_eq(r->noutcomes, 1);
	explore_result_free(r);
	r = search_bounded(sim_new(blocked_reader), 1, 2);
	ck_assert_uint_eq(r->noutcomes, 3);
	ck_assert_uint_eq(r->cut_by_early, 0);
	explore_result_free(r);
	/* a bound no schedule reaches changes nothing */
	struct explore_result *wide = search_bounded(sim_new(one_byte), 1, 100);
	struct explore_result *none = search(one_byte, 1);
	ck_assert_uint_eq(wide->schedules, none->schedules);
	ck_assert_uint_eq(wide->cut_by_early, 0);
	explore_result_free(wide);
	explore_result_free(none);
	/* the split request is found with the bound at 0 too */
	r = search_bounded(sim_new(one_read), 1, 0);
	ck_assert_int_ge(r->failed, 0);
	ck_assert_ptr_nonnull(printed(r, "2"));
	explore_result_free(r);
}
END_TEST

/* one_read with its client's request whole. */
static const char one_read_whole[] =
	"#clients 1 port 80 send \"abcd\" whole\n"
	"int buf[2];\n"
	"int main() {\n"
	"    int l = listen(80);\n"
	"    int c = accept(l);\n"
	"    int n = read(c, buf, 8);\n"
	"    print(\"%d\", n);\n"
	"    assert(n == 4);\n"
	"    write(c, buf, n);\n"
	"    close(c);\n"
	"    return 0;\n"
	"}\n";

START_TEST(a_whole_client_is_never_split)
{
	struct sim *w = sim_new(one_read_whole);
	ck_assert_int_eq(w->cfg.ngroups, 1);
	ck_assert_int_eq(w->cfg.groups[0].whole, 1);
	ck_assert_int_eq(sim_new(one_read)->cfg.groups[0].whole, 0);
	/* in a run nothing changes: the same events */
	struct sim *a = sim_run(one_read), *b = sim_run(one_read_whole);
	assert_same_lines(evlog_format(&b->log, 0), evlog_format(&a->log, 0), "a whole client's run");
	/* the explorer never splits it: every read gets the 4 bytes */
	struct explore_result *r = search(one_read_whole, 1);
	ck_assert_int_eq(r->stop, EXPLORE_COMPLETE);
	ck_assert_uint_eq(r->noutcomes, 1);
	ck_assert_ptr_nonnull(printed(r, "4"));
	ck_assert_int_eq(r->failed, -1);
	ck_assert_ptr_null(strstr(r->outcomes[0].schedule, "/2"));
	explore_result_free(r);
	r = search(one_read_whole, 0);
	ck_assert_uint_eq(r->noutcomes, 1);
	explore_result_free(r);
	/* a held network delivers it whole even when asked for a half */
	struct sim *h = held_until_main_blocks(one_read_whole);
	ck_assert_int_eq(net_deliver(h->m, 0, 0), 0);   /* the connection */
	ck_assert_int_eq(net_can_deliver(h->m, 0), NET_WHOLE);
	ck_assert_int_eq(net_deliver(h->m, 0, 1), 0);
	ck_assert_int_eq(net_can_deliver(h->m, 0), 0);  /* nothing left: it came whole */
}
END_TEST

START_TEST(a_program_without_clients_explores_as_before)
{
	/* a listening socket and no clients: nothing is held, and the
	 * counts are those of the threads alone (3 + 1 choose 1 = 4
	 * interleavings of main's three stores and the worker's one) */
	const char *src =
		"int x; int y; int z; int w;\n"
		"void b() { w = 1; }\n"
		"int main() {\n"
		"    int l = listen(80);\n"
		"    int t = spawn(b);\n"
		"    x = 1; y = 1; z = 1;\n"
		"    join(t);\n"
		"    return 0;\n"
		"}\n";
	struct explore_result *r = search(src, 0);
	ck_assert_int_eq(r->stop, EXPLORE_COMPLETE);
	ck_assert_uint_eq(r->noutcomes, 1);
	ck_assert_ptr_null(strchr(r->outcomes[0].schedule, 'c'));
	uint64_t every = r->schedules;
	explore_result_free(r);
	r = search(src, 1);
	ck_assert_uint_eq(r->schedules, 1);
	ck_assert_uint_gt(every, 1);
	explore_result_free(r);
}
END_TEST

START_TEST(more_clients_than_a_search_follows_stop_it)
{
	char src[200];
	snprintf(src, sizeof src, "#clients %d port 80 send \"q\"\n"
		 "int main() { int l = listen(80); return 0; }\n", EXPLORE_MAX_CLIENTS + 1);
	struct explore_result *r = search(src, 1);
	ck_assert_int_eq(r->stop, EXPLORE_CLIENTS);
	ck_assert_uint_eq(r->noutcomes, 0);
	ck_assert_int_eq(r->failed, -1);
	explore_result_free(r);
}
END_TEST

Suite *delivery_suite(void)
{
	Suite *s = suite_create("delivery");
	TCase *tc = sim_tcase("delivery");
	tcase_add_test(tc, delivery_tokens_parse_and_format_back);
	tcase_add_loop_test(tc, bad_delivery_tokens_are_refused_naming_the_column, 0,
			    (int)(sizeof bad_tokens / sizeof *bad_tokens));
	tcase_add_test(tc, a_schedule_naming_an_undeclared_client_is_refused);
	tcase_add_test(tc, counts_with_a_delivery_are_exact);
	tcase_add_test(tc, the_order_of_deliveries_between_connections_is_a_choice);
	tcase_add_test(tc, a_request_split_in_two_is_found_and_replays);
	tcase_add_test(tc, a_delivery_schedule_replays_on_more_cores_with_switch_costs);
	tcase_add_test(tc, a_failing_schedule_before_any_delivery_still_holds_the_network);
	tcase_add_test(tc, a_schedule_without_deliveries_runs_the_network_on_its_clock);
	tcase_add_test(tc, past_the_schedule_the_held_network_runs_on_its_clock);
	tcase_add_test(tc, states_reached_by_commuting_deliveries_are_one);
	tcase_add_test(tc, threads_and_deliveries_explore_together_and_replay);
	tcase_add_test(tc, reduction_with_deliveries_keeps_every_outcome);
	tcase_add_test(tc, deliveries_wait_where_they_cannot_matter);
	tcase_add_test(tc, a_step_that_ends_the_run_depends_on_every_delivery);
	tcase_add_test(tc, the_early_bound_keeps_deliveries_for_when_threads_wait);
	tcase_add_test(tc, a_whole_client_is_never_split);
	tcase_add_test(tc, a_program_without_clients_explores_as_before);
	tcase_add_test(tc, more_clients_than_a_search_follows_stop_it);
	suite_add_tcase(s, tc);
	return s;
}
