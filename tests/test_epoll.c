/* Tests of epoll's interest lists as eplist.h keeps them: the order
 * epoll_wait reports in (the interest-list order, a reported item moving
 * to the back), level-triggered items reported again while ready,
 * edge-triggered and one-shot items as epoll(7) says, items dropped when
 * their file closes and made anew when a number is reused, DEL then ADD,
 * two instances on the same files, a fork sharing an instance.  Every
 * program is run a tick at a time, and at each tick the structure is
 * checked against what it derives from: the list, the ready heap (every
 * item with something to report is in it: no lost wakeup) and the
 * files' watchers.  The expected outputs are what the plain pass over
 * the whole list gave before the structure came. */
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "sim/epoll.h"
#include "sim/eplist.h"
#include "sim/fd.h"
#include "sim/net.h"

/* The message of the first way instance ep of m breaks eplist.h's
 * invariants, or NULL. */
static const char *instance_broken(const struct machine *m, int ep)
{
	static char msg[160];
	const struct file *f = &m->net.files[ep];
	int n = 0, prev = -1, old_pending = 0;
	for (int s = eplist_first(f); s >= 0; prev = s, s = eplist_next(f, s)) {
		const struct epitem *it = &f->items[s];
		if (s >= f->nitems || ++n > f->nitems)
			return "the list runs past the items";
		if (it->prev - 1 != prev)
			return "an item's prev is not the one before it";
		if (prev >= 0 && f->items[prev].order >= it->order)
			return "the orders do not grow along the list";
		if (it->order > f->orders)
			return "an order beyond the last one given";
		uint32_t r = epoll_item_events(m, it);
		old_pending += r != 0;
		if (r && !it->heap) {
			snprintf(msg, sizeof msg, "fd %d has %#x to report and is not a candidate",
				 it->fd, (unsigned)r);
			return msg;
		}
		const struct file *g = &m->net.files[it->file];
		int w = 0;
		for (int i = 0; i < g->nwatch; i++)
			w += g->watch[i].ep == ep && g->watch[i].slot == s;
		if (w != 1)
			return "an item is not once among its file's watchers";
	}
	if (n != f->nitems)
		return "the list misses items";
	if (f->last - 1 != prev)
		return "last is not the list's end";
	for (int i = 0; i < f->nready; i++) {
		int s = f->ready[i];
		if (s < 0 || s >= f->nitems || f->items[s].heap != i + 1)
			return "a heap entry and its item disagree";
		if (i > 0 && f->items[f->ready[(i - 1) / 2]].order > f->items[s].order)
			return "the heap is out of order";
	}
	if (epoll_pending(m, ep) != old_pending)
		return "epoll_pending differs from a count over the list";
	return NULL;
}

/* The same for every instance of m and every file's watchers. */
static const char *machine_broken(const struct machine *m)
{
	int items = 0, watchers = 0;
	for (int fi = 0; fi < m->net.nfiles; fi++) {
		const struct file *f = &m->net.files[fi];
		watchers += f->nwatch;
		for (int i = 0; i < f->nwatch; i++) {
			const struct epref *w = &f->watch[i];
			if (w->ep < 0 || w->ep >= m->net.nfiles ||
			    m->net.files[w->ep].kind != FK_EPOLL || w->slot >= m->net.files[w->ep].nitems ||
			    m->net.files[w->ep].items[w->slot].file != fi)
				return "a watcher names no item of this file";
		}
		if (f->kind != FK_EPOLL) {
			if (f->nitems || f->first || f->nready)
				return "a file that is no instance has items";
			continue;
		}
		items += f->nitems;
		const char *why = instance_broken(m, fi);
		if (why)
			return why;
	}
	return items == watchers ? NULL : "more watchers than items";
}

/* Start src and run it a tick at a time, checking the structure at each. */
static struct sim *run_checked(const char *src)
{
	struct sim *s = sim_new(src);
	ck_assert_msg(sim_start(s) == 0, "machine_init: %s", s->err);
	int going = 1;
	for (long i = 0; going && i < SIM_MAX_STEPS; i++) {
		going = machine_step(s->m);
		const char *why = machine_broken(s->m);
		ck_assert_msg(why == NULL, "tick %llu: %s", (unsigned long long)s->m->tick, why);
	}
	ck_assert_msg(s->m->state == RUN_ENDED, "the run did not end");
	return s;
}

/* What each program below shares: show(ep, max) prints the data of what
 * epoll_wait(ep, out, max, 0) reports, in order, then a bar. */
#define SHOW                                                                   \
	"int ev[2]; int out[20]; int buf[4];\n"                                \
	"void show(int ep, int max) {\n"                                       \
	"    int n = epoll_wait(ep, out, max, 0);\n"                           \
	"    for (int i = 0; i < n; i++) print(\"%d \", out[2 * i + 1]);\n"    \
	"    print(\"| \");\n"                                                 \
	"}\n"

/* A program and what it prints.  Descriptors: 3 the first instance,
 * then the listener, then the connections, in the order they came. */
static const struct {
	const char *name, *src, *out;
} orders[] = {
	/* data arriving 3, 1, 2 is reported in interest-list order, and a
	 * level-triggered item still readable is reported again, behind the
	 * others */
	{ "order",
	"#clients 1 port 80 send \"aaaa\" at 0 latency 100\n"
	"#clients 1 port 80 send \"bbbb\" at 20 latency 90\n"
	"#clients 1 port 80 send \"cccc\" at 40 latency 50\n"
	SHOW
	"int main() {\n"
	"    int ep = epoll_create();\n"
	"    int l = listen(80);\n"
	"    for (int i = 0; i < 3; i++) {\n"
	"        int c = accept(l);\n"
	"        ev[0] = EPOLLIN; ev[1] = c;\n"
	"        epoll_ctl(ep, EPOLL_CTL_ADD, c, ev);\n"
	"    }\n"
	"    sleep(1000);\n"
	"    show(ep, 10);\n"
	"    show(ep, 2);\n"
	"    show(ep, 2);\n"
	"    show(ep, 2);\n"
	"    return 0;\n"
	"}\n",
	  "5 6 7 | 5 6 | 7 5 | 6 7 | " },
	/* level-triggered still readable comes again; edge-triggered waits
	 * for its next edge, then comes first */
	{ "ltet",
	"#clients 1 port 80 send \"aaaa\"\n"
	"#clients 1 port 80 send \"bbbbbbbb\" at 5 pieces 2 gap 500\n"
	SHOW
	"int main() {\n"
	"    int ep = epoll_create();\n"
	"    int l = listen(80);\n"
	"    int a = accept(l);\n"
	"    ev[0] = EPOLLIN; ev[1] = a;\n"
	"    epoll_ctl(ep, EPOLL_CTL_ADD, a, ev);\n"
	"    int b = accept(l);\n"
	"    ev[0] = EPOLLIN | EPOLLET; ev[1] = b;\n"
	"    epoll_ctl(ep, EPOLL_CTL_ADD, b, ev);\n"
	"    sleep(100);\n"
	"    show(ep, 10);\n"
	"    show(ep, 10);\n"
	"    sleep(1000);\n"
	"    show(ep, 10);\n"
	"    show(ep, 10);\n"
	"    read(a, buf, 32);\n"
	"    show(ep, 10);\n"
	"    return 0;\n"
	"}\n",
	  "5 6 | 5 | 6 5 | 5 | | " },
	/* a closed descriptor leaves the list; its number reused by a new
	 * connection is a new item */
	{ "reuse",
	"#clients 1 port 80 send \"aaaa\"\n"
	"#clients 1 port 80 send \"bbbb\" at 300\n"
	SHOW
	"int main() {\n"
	"    int ep = epoll_create();\n"
	"    int l = listen(80);\n"
	"    ev[0] = EPOLLIN; ev[1] = 100;\n"
	"    epoll_ctl(ep, EPOLL_CTL_ADD, l, ev);\n"
	"    int a = accept(l);\n"
	"    ev[0] = EPOLLIN; ev[1] = 200;\n"
	"    epoll_ctl(ep, EPOLL_CTL_ADD, a, ev);\n"
	"    sleep(100);\n"
	"    show(ep, 10);\n"
	"    close(a);\n"
	"    show(ep, 10);\n"
	"    sleep(400);\n"
	"    show(ep, 10);\n"
	"    int b = accept(l);\n"
	"    print(\"fd %d \", b);\n"
	"    print(\"mod %d \", epoll_ctl(ep, EPOLL_CTL_MOD, b, ev));\n"
	"    ev[0] = EPOLLIN; ev[1] = 300;\n"
	"    print(\"add %d \", epoll_ctl(ep, EPOLL_CTL_ADD, b, ev));\n"
	"    sleep(100);\n"
	"    show(ep, 10);\n"
	"    return 0;\n"
	"}\n",
	  "200 | | 100 | fd 5 mod -1 add 0 300 | " },
	/* EPOLL_CTL_DEL then ADD puts the item at the back */
	{ "deladd",
	"#clients 3 port 80 send \"aaaa\"\n"
	SHOW
	"int main() {\n"
	"    int ep = epoll_create();\n"
	"    int l = listen(80);\n"
	"    for (int i = 0; i < 3; i++) {\n"
	"        int c = accept(l);\n"
	"        ev[0] = EPOLLIN; ev[1] = c;\n"
	"        epoll_ctl(ep, EPOLL_CTL_ADD, c, ev);\n"
	"    }\n"
	"    sleep(100);\n"
	"    epoll_ctl(ep, EPOLL_CTL_DEL, 5, ev);\n"
	"    print(\"del %d \", epoll_ctl(ep, EPOLL_CTL_DEL, 5, ev));\n"
	"    ev[1] = 5;\n"
	"    epoll_ctl(ep, EPOLL_CTL_ADD, 5, ev);\n"
	"    show(ep, 10);\n"
	"    epoll_ctl(ep, EPOLL_CTL_DEL, 6, ev);\n"
	"    show(ep, 1);\n"
	"    ev[1] = 6;\n"
	"    epoll_ctl(ep, EPOLL_CTL_ADD, 6, ev);\n"
	"    show(ep, 10);\n"
	"    return 0;\n"
	"}\n",
	  "del -1 6 7 5 | 7 | 5 7 6 | " },
	/* one-shot, rearmed with MOD, keeps its place in the list */
	{ "oneshot",
	"#clients 3 port 80 send \"aaaa\"\n"
	SHOW
	"int main() {\n"
	"    int ep = epoll_create();\n"
	"    int l = listen(80);\n"
	"    for (int i = 0; i < 3; i++) {\n"
	"        int c = accept(l);\n"
	"        ev[0] = EPOLLIN; ev[1] = c;\n"
	"        if (i == 0) ev[0] = EPOLLIN | EPOLLONESHOT;\n"
	"        epoll_ctl(ep, EPOLL_CTL_ADD, c, ev);\n"
	"    }\n"
	"    sleep(100);\n"
	"    show(ep, 10);\n"
	"    show(ep, 1);\n"
	"    show(ep, 10);\n"
	"    ev[0] = EPOLLIN | EPOLLONESHOT; ev[1] = 5;\n"
	"    epoll_ctl(ep, EPOLL_CTL_MOD, 5, ev);\n"
	"    show(ep, 10);\n"
	"    show(ep, 10);\n"
	"    return 0;\n"
	"}\n",
	  "5 6 7 | 6 | 7 6 | 5 7 6 | 7 6 | " },
	/* two instances watch the same files, each with its own order and edges */
	{ "twoeps",
	"#clients 1 port 80 send \"aaaa\" pieces 2 gap 300\n"
	"#clients 1 port 80 send \"bbbb\" at 10\n"
	SHOW
	"int main() {\n"
	"    int e1 = epoll_create();\n"
	"    int e2 = epoll_create();\n"
	"    int l = listen(80);\n"
	"    int a = accept(l);\n"
	"    int b = accept(l);\n"
	"    ev[0] = EPOLLIN | EPOLLET; ev[1] = a;\n"
	"    epoll_ctl(e1, EPOLL_CTL_ADD, a, ev);\n"
	"    ev[0] = EPOLLIN; ev[1] = b;\n"
	"    epoll_ctl(e1, EPOLL_CTL_ADD, b, ev);\n"
	"    ev[0] = EPOLLIN; ev[1] = b;\n"
	"    epoll_ctl(e2, EPOLL_CTL_ADD, b, ev);\n"
	"    ev[0] = EPOLLIN | EPOLLET; ev[1] = a;\n"
	"    epoll_ctl(e2, EPOLL_CTL_ADD, a, ev);\n"
	"    sleep(100);\n"
	"    show(e1, 10);\n"
	"    show(e1, 10);\n"
	"    show(e2, 10);\n"
	"    sleep(400);\n"
	"    show(e2, 10);\n"
	"    show(e1, 10);\n"
	"    close(b);\n"
	"    show(e1, 10);\n"
	"    show(e2, 10);\n"
	"    close(e1);\n"
	"    show(e2, 10);\n"
	"    return 0;\n"
	"}\n",
	  "6 7 | 7 | 7 6 | 7 | 6 7 | | | | " },
	/* a forked child shares the instance; an item goes when the last
	 * descriptor closes */
	{ "forked",
	"#clients 2 port 80 send \"aaaa\"\n"
	SHOW
	"int main() {\n"
	"    int ep = epoll_create();\n"
	"    int l = listen(80);\n"
	"    int a = accept(l);\n"
	"    int b = accept(l);\n"
	"    ev[0] = EPOLLIN; ev[1] = a;\n"
	"    epoll_ctl(ep, EPOLL_CTL_ADD, a, ev);\n"
	"    ev[0] = EPOLLIN; ev[1] = b;\n"
	"    epoll_ctl(ep, EPOLL_CTL_ADD, b, ev);\n"
	"    sleep(100);\n"
	"    int pid = fork();\n"
	"    if (pid == 0) {\n"
	"        close(a);\n"
	"        show(ep, 1);\n"
	"        exit(0);\n"
	"    }\n"
	"    wait(pid);\n"
	"    show(ep, 10);\n"
	"    close(a);\n"
	"    show(ep, 10);\n"
	"    return 0;\n"
	"}\n",
	  "5 | 6 5 | 6 | " },
	/* a fault part way through writing the events closes the child's own
	 * instance */
	{ "fault-closes",
	"#clients 2 port 80 send \"aaaa\"\n"
	SHOW
	"int main() {\n"
	"    int l = listen(80);\n"
	"    int a = accept(l);\n"
	"    int b = accept(l);\n"
	"    sleep(100);\n"
	"    int pid = fork();\n"
	"    if (pid == 0) {\n"
	"        int ep = epoll_create();\n"
	"        ev[0] = EPOLLIN; ev[1] = a;\n"
	"        epoll_ctl(ep, EPOLL_CTL_ADD, a, ev);\n"
	"        ev[0] = EPOLLIN; ev[1] = b;\n"
	"        epoll_ctl(ep, EPOLL_CTL_ADD, b, ev);\n"
	"        int *p = malloc(16);\n"
	"        int n = epoll_wait(ep, p, 2, 0);\n"
	"        print(\"child %d\\n\", n);\n"
	"        exit(0);\n"
	"    }\n"
	"    wait(pid);\n"
	"    print(\"parent\\n\");\n"
	"    return 0;\n"
	"}\n",
	  "parent\n" },
	/* ... and leaves a shared one with the item written marked, in its place */
	{ "fault-shared",
	"#clients 3 port 80 send \"aaaa\"\n"
	SHOW
	"int main() {\n"
	"    int ep = epoll_create();\n"
	"    int l = listen(80);\n"
	"    for (int i = 0; i < 3; i++) {\n"
	"        int c = accept(l);\n"
	"        ev[0] = EPOLLIN; ev[1] = c;\n"
	"        if (i == 0) ev[0] = EPOLLIN | EPOLLET;\n"
	"        epoll_ctl(ep, EPOLL_CTL_ADD, c, ev);\n"
	"    }\n"
	"    sleep(100);\n"
	"    int pid = fork();\n"
	"    if (pid == 0) {\n"
	"        int *p = malloc(16);\n"
	"        epoll_wait(ep, p, 3, 0);\n"
	"        exit(0);\n"
	"    }\n"
	"    wait(pid);\n"
	"    show(ep, 10);\n"
	"    show(ep, 10);\n"
	"    return 0;\n"
	"}\n",
	  "6 7 | 6 7 | " },
};

START_TEST(epoll_wait_reports_in_the_order_a_pass_over_the_list_gave)
{
	struct sim *s = run_checked(orders[_i].src);
	ck_assert_msg(sim_end(s) == END_OK, "%s: the run failed", orders[_i].name);
	ck_assert_msg(!strcmp(sim_output(s), orders[_i].out), "%s: got \"%s\", want \"%s\"",
		      orders[_i].name, sim_output(s), orders[_i].out);
}
END_TEST

/* The chapter's loop with a small events array, so that the ready take
 * turns: every request is 10 bytes, answered with one byte. */
#define TURNS_SRC(CLIENTS, MODE)                                                 \
	CLIENTS                                                                  \
	"int ev[2]; int events[6]; int got[64];\n"                              \
	"int main() {\n"                                                         \
	"    int ep = epoll_create();\n"                                         \
	"    int l = listen(80);\n"                                              \
	"    ev[0] = EPOLLIN; ev[1] = l;\n"                                      \
	"    epoll_ctl(ep, EPOLL_CTL_ADD, l, ev);\n"                             \
	"    while (1) {\n"                                                      \
	"        int n = epoll_wait(ep, events, 3, -1);\n"                       \
	"        for (int i = 0; i < n; i++) {\n"                                \
	"            int fd = events[2 * i + 1];\n"                              \
	"            if (fd == l) {\n"                                           \
	"                int c = accept(l);\n"                                   \
	"                ev[0] = EPOLLIN" MODE "; ev[1] = c;\n"                  \
	"                epoll_ctl(ep, EPOLL_CTL_ADD, c, ev);\n"                 \
	"            } else {\n"                                                 \
	"                int buf[2];\n"                                          \
	"                int count = read(fd, buf, 4);\n"                        \
	"                if (count > 0) {\n"                                     \
	"                    got[fd] += count;\n"                                \
	"                    if (got[fd] % 10 == 0) write(fd, buf, 1);\n"        \
	"                } else if (count == 0) {\n"                             \
	"                    got[fd] = 0; close(fd);\n"                          \
	"                } else {\n"                                             \
	"                    print(\"%d \", fd);\n"                              \
	"                }\n"                                                    \
	"            }\n"                                                        \
	"        }\n"                                                            \
	"    }\n"                                                                \
	"    return 0;\n"                                                        \
	"}\n"

START_TEST(many_clients_taking_turns_lose_no_wakeup)
{
	/* 40 clients, arrivals shuffled by jitter, 3 events a wait, each
	 * request read 4 bytes at a time: every client gets its reply (a lost
	 * wakeup would leave one waiting: a deadlock) and no wait reports a
	 * socket with nothing to read (the loop would print its number). */
	struct sim *s = run_checked(TURNS_SRC("#clients 40 port 80 send \"0123456789\" every 3 jitter 40\n", ""));
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->idle, 1);
	ck_assert_str_eq(sim_output(s), "");
	for (int c = 0; c < s->m->net.nclients; c++)
		ck_assert_int_eq(s->m->net.clients[c].state, CL_DONE);
	/* each wait gave at most 3, and a full one was followed by more */
	for (int i = 0; sim_nth(s, EV_EPOLL, i); i++)
		ck_assert_int_le(sim_nth(s, EV_EPOLL, i)->a, 3);
}
END_TEST

START_TEST(a_snapshot_of_a_busy_loop_runs_on_to_the_same_end_and_hash)
{
	struct sim *s = sim_new(TURNS_SRC("#clients 12 port 80 send \"0123456789\" every 2 jitter 9\n", ""));
	ck_assert_int_eq(sim_start(s), 0);
	for (int i = 0; i < 400 && machine_step(s->m); i++)
		;
	ck_assert_int_gt(sim_count(s, EV_EPOLL_CTL), 3);       /* mid-run: items in the list */
	struct sim *c = sim_copy(s);
	ck_assert_uint_eq(net_hash(c->m), net_hash(s->m));
	ck_assert_ptr_null(machine_broken(c->m));
	size_t from = s->log.n;
	sim_finish(s);
	sim_finish(c);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_end(c), END_OK);
	assert_same_lines(evlog_format(&c->log, 0), evlog_format(&s->log, from), "original vs copy");
}
END_TEST

/* Three idle connections added in the order given by `first`, then
 * `again`: the list 5 6 7 reached with other orders inside. */
#define SAME_LIST_SRC(STEPS)                                                     \
	"#clients 3 port 80 send \"x\" latency 100000\n"                        \
	"int ev[2]; int done;\n"                                                \
	"int main() {\n"                                                         \
	"    int ep = epoll_create();\n"                                         \
	"    int l = listen(80);\n"                                              \
	"    int a = accept(l); int b = accept(l); int c = accept(l);\n"        \
	"    ev[0] = EPOLLIN;\n"                                                 \
	STEPS                                                                    \
	"    done = 1;\n"                                                        \
	"    sleep(10);\n"                                                       \
	"    return 0;\n"                                                        \
	"}\n"

/* Run src until its global done is set; the machine's net hash then. */
static uint64_t hash_when_done(const char *src)
{
	struct sim *s = sim_new(src);
	ck_assert_int_eq(sim_start(s), 0);
	for (int i = 0; i < 100000 && !sim_global(s, "done", 0); i++)
		ck_assert(machine_step(s->m));
	ck_assert_int_eq(sim_global(s, "done", 0), 1);
	return net_hash(s->m);
}

START_TEST(the_hash_sees_the_list_order_not_how_it_is_kept)
{
	uint64_t plain = hash_when_done(SAME_LIST_SRC(
		"    ev[1] = a; epoll_ctl(ep, EPOLL_CTL_ADD, a, ev);\n"
		"    ev[1] = b; epoll_ctl(ep, EPOLL_CTL_ADD, b, ev);\n"
		"    ev[1] = c; epoll_ctl(ep, EPOLL_CTL_ADD, c, ev);\n"));
	/* the same list, its items in other slots with other orders */
	uint64_t churned = hash_when_done(SAME_LIST_SRC(
		"    ev[1] = c; epoll_ctl(ep, EPOLL_CTL_ADD, c, ev);\n"
		"    ev[1] = a; epoll_ctl(ep, EPOLL_CTL_ADD, a, ev);\n"
		"    ev[1] = b; epoll_ctl(ep, EPOLL_CTL_ADD, b, ev);\n"
		"    epoll_ctl(ep, EPOLL_CTL_DEL, c, ev);\n"
		"    ev[1] = c; epoll_ctl(ep, EPOLL_CTL_ADD, c, ev);\n"));
	ck_assert_uint_eq(plain, churned);
	/* another order is another state */
	uint64_t other = hash_when_done(SAME_LIST_SRC(
		"    ev[1] = b; epoll_ctl(ep, EPOLL_CTL_ADD, b, ev);\n"
		"    ev[1] = a; epoll_ctl(ep, EPOLL_CTL_ADD, a, ev);\n"
		"    ev[1] = c; epoll_ctl(ep, EPOLL_CTL_ADD, c, ev);\n"));
	ck_assert_uint_ne(plain, other);
}
END_TEST

Suite *epoll_suite(void)
{
	Suite *s = suite_create("epoll");
	TCase *tc = sim_tcase("epoll");
	tcase_add_loop_test(tc, epoll_wait_reports_in_the_order_a_pass_over_the_list_gave, 0,
			    (int)(sizeof orders / sizeof *orders));
	tcase_add_test(tc, many_clients_taking_turns_lose_no_wakeup);
	tcase_add_test(tc, a_snapshot_of_a_busy_loop_runs_on_to_the_same_end_and_hash);
	tcase_add_test(tc, the_hash_sees_the_list_order_not_how_it_is_kept);
	suite_add_tcase(s, tc);
	return s;
}
