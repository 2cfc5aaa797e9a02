/* Tests of the outside world: descriptor tables, listening sockets and
 * the clients that connect to them, blocking and non-blocking reads,
 * errno per thread, the errors of misused descriptors, epoll in its
 * level-triggered, edge-triggered and one-shot modes, timeouts, requests
 * that arrive in pieces, fork sharing descriptors, an idle server's end,
 * snapshots and determinism. */
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "sim/explore.h"
#include "sim/epoll.h"
#include "sim/fd.h"

/* The echo server: one connection after the other, one read each. */
static const char serve3_src[] =
	"#clients 3 port 80 send \"GET /\" every 3\n"
	"int buf[16];\n"
	"int main() {\n"
	"    int l = listen(80);\n"
	"    for (int i = 0; i < 3; i++) {\n"
	"        int c = accept(l);\n"
	"        int n = read(c, buf, 100);\n"
	"        print(\"%d:%s \", n, buf);\n"
	"        write(c, buf, n);\n"
	"        close(c);\n"
	"    }\n"
	"    return 0;\n"
	"}\n";

START_TEST(a_server_accepts_reads_writes_and_closes_each_client)
{
	struct sim *s = sim_run(serve3_src);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_str_eq(sim_output(s), "5:GET / 5:GET / 5:GET / ");
	ck_assert_int_eq(sim_count(s, EV_LISTEN), 1);
	ck_assert_int_eq(sim_count(s, EV_CONNECT), 3);
	ck_assert_int_eq(sim_count(s, EV_ACCEPT), 3);
	ck_assert_int_eq(sim_count(s, EV_REPLY), 3);           /* then each client closes first */
	const struct event *l = sim_nth(s, EV_LISTEN, 0);
	ck_assert_int_eq(l->a, 80);
	ck_assert_int_eq(l->b, 3);                              /* the first free descriptor */
	for (int i = 0; i < 3; i++) {
		const struct event *a = sim_nth(s, EV_ACCEPT, i);
		ck_assert_int_eq(a->a, i + 1);                  /* clients in the order they came */
		ck_assert_int_eq(a->b, 4);                      /* 4 is free again after each close */
	}
	const struct event *r = sim_nth(s, EV_READ, 0);
	ck_assert_int_eq(r->a, 5);
	ck_assert_int_eq(r->len, 5);
	ck_assert(memcmp(r->text, "GET /", 5) == 0);
	/* A client connects only after its latency: nothing is there at tick 0. */
	ck_assert_uint_gt(sim_nth(s, EV_CONNECT, 0)->tick, 0);
}
END_TEST

START_TEST(a_blocking_read_blocks_until_the_bytes_arrive)
{
	struct sim *s = sim_run(
		"#clients 1 port 80 send \"ping\" latency 40\n"
		"int buf[4]; int got;\n"
		"int main() {\n"
		"    int c = accept(listen(80));\n"
		"    got = read(c, buf, 32);\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "got", 0), 4);
	const struct event *b = NULL;
	for (int i = 0; (b = sim_nth(s, EV_BLOCK, i)); i++)
		if (b->a == WAIT_READ)
			break;
	ck_assert_msg(b != NULL, "the read never blocked");
	ck_assert_int_eq((int)b->addr, 4);                     /* the descriptor it waits on */
	const struct event *arr = sim_nth(s, EV_ARRIVE, 0);
	ck_assert_int_eq(arr->a, 4);
	ck_assert_uint_gt(arr->tick, b->tick);
	const struct event *r = sim_nth(s, EV_READ, 0);
	ck_assert_uint_ge(r->tick, arr->tick);                  /* read only once they came */
}
END_TEST

START_TEST(a_non_blocking_read_fails_with_eagain_and_errno_is_per_thread)
{
	struct sim *s = sim_run(
		"#clients 1 port 80 send \"x\" latency 300\n"
		"int buf[4]; int first; int err_main; int err_other; int polls;\n"
		"void other(int c) { err_other = errno; }\n"
		"int main() {\n"
		"    int c = accept(listen(80));\n"
		"    set_nonblocking(c);\n"
		"    first = read(c, buf, 8);\n"
		"    err_main = errno;\n"
		"    int t = spawn(other, c);\n"
		"    join(t);\n"
		"    while (read(c, buf, 8) < 0 && errno == EAGAIN)\n"
		"        polls++;\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "first", 0), -1);
	ck_assert_int_eq(sim_global(s, "err_main", 0), IO_EAGAIN);
	ck_assert_int_eq(sim_global(s, "err_other", 0), 0);     /* its own errno, still 0 */
	ck_assert_int_gt(sim_global(s, "polls", 0), 0);         /* it spun, never blocked */
	for (int i = 0; sim_nth(s, EV_BLOCK, i); i++)
		ck_assert_int_ne(sim_nth(s, EV_BLOCK, i)->a, WAIT_READ);
	const struct event *f = sim_nth(s, EV_IOFAIL, 0);
	ck_assert_int_eq(f->a, BI_READ);
	ck_assert_int_eq(f->b, IO_EAGAIN);
	ck_assert_int_eq(f->other, 4);
}
END_TEST

/* Each misuse and the errno it gets, one program per case. */
static const struct {
	const char *call;       /* run after l = listen(80), e = epoll_create() */
	int err;
} misuses[] = {
	{ "read(99, buf, 8)", IO_EBADF },
	{ "read(-1, buf, 8)", IO_EBADF },
	{ "write(42, buf, 8)", IO_EBADF },
	{ "close(77)", IO_EBADF },
	{ "read(l, buf, 8)", IO_ENOTCONN },
	{ "read(e, buf, 8)", IO_EINVAL },
	{ "accept(e)", IO_ENOTSOCK },
	{ "accept(1)", IO_ENOTSOCK },
	{ "listen(80)", IO_EADDRINUSE },
	{ "listen(-5)", IO_EINVAL },
	{ "epoll_ctl(e, EPOLL_CTL_ADD, 55, ev)", IO_EBADF },
	{ "epoll_ctl(l, EPOLL_CTL_ADD, l, ev)", IO_EINVAL },
	{ "epoll_ctl(e, EPOLL_CTL_ADD, e, ev)", IO_EINVAL },
	{ "epoll_ctl(e, EPOLL_CTL_DEL, l, ev)", IO_ENOENT },
	{ "epoll_ctl(e, EPOLL_CTL_MOD, l, ev)", IO_ENOENT },
	{ "epoll_ctl(e, 9, l, ev)", IO_EINVAL },
	{ "epoll_wait(e, buf, 0, 0)", IO_EINVAL },
	{ "epoll_wait(l, buf, 1, 0)", IO_EINVAL },
	{ "read(l + 9, 0, 8)", IO_EBADF },
	{ "set_nonblocking(31)", IO_EBADF },
};

START_TEST(a_misused_descriptor_fails_with_its_errno)
{
	char src[1024];
	snprintf(src, sizeof src,
		 "int buf[4]; int ev[2]; int r; int err;\n"
		 "int main() {\n"
		 "    int l = listen(80);\n"
		 "    int e = epoll_create();\n"
		 "    ev[0] = EPOLLIN; ev[1] = l;\n"
		 "    r = %s;\n"
		 "    err = errno;\n"
		 "    return 0;\n"
		 "}\n", misuses[_i].call);
	struct sim *s = sim_run(src);
	ck_assert_msg(sim_end(s) == END_OK, "%s: the run did not end well", misuses[_i].call);
	ck_assert_msg(sim_global(s, "r", 0) == -1, "%s returned %lld", misuses[_i].call,
		      (long long)sim_global(s, "r", 0));
	ck_assert_msg(sim_global(s, "err", 0) == misuses[_i].err, "%s: errno %lld, not %d",
		      misuses[_i].call, (long long)sim_global(s, "err", 0), misuses[_i].err);
	ck_assert_int_eq(sim_count(s, EV_IOFAIL), 1);
}
END_TEST

START_TEST(a_new_descriptor_is_the_lowest_free_one)
{
	/* descriptors closed out of order come back lowest first, and one
	 * past the highest only when none below is free; in a forked child
	 * and after a snapshot the same */
	struct sim *s = sim_run(
		"int got[12];\n"
		"int main() {\n"
		"    int e[8];\n"
		"    for (int i = 0; i < 8; i++) e[i] = epoll_create();\n"
		"    close(e[5]); close(e[1]); close(e[6]); close(e[2]);\n"
		"    got[0] = epoll_create(); got[1] = epoll_create();\n"
		"    close(e[0]);\n"
		"    got[2] = epoll_create(); got[3] = epoll_create();\n"
		"    got[4] = epoll_create(); got[5] = epoll_create();\n"
		"    close(1); got[6] = epoll_create();\n"
		"    close(got[3]); close(e[3]);\n"
		"    int pid = fork();\n"
		"    if (pid == 0) { got[7] = epoll_create(); got[8] = epoll_create(); exit(got[7] * 10 + got[8]); }\n"
		"    got[9] = wait(pid);\n"
		"    got[10] = epoll_create(); got[11] = epoll_create();\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	/* 0, 1, 2 are open; e[] = 3 .. 10; closed 8, 4, 9, 5: 4, 5 first;
	 * then 3, 8, 9 and 11; 1; closed 8 and 6: the child's 6 and 8, and
	 * the parent's own 6 and 8 after it */
	static const int want[] = { 4, 5, 3, 8, 9, 11, 1, 0, 0, 0, 6, 8 };
	for (int i = 0; i < 12; i++)
		if (i < 7 || i > 9)
			ck_assert_msg(sim_global(s, "got", i) == want[i], "got[%d] = %lld, want %d", i,
				      (long long)sim_global(s, "got", i), want[i]);
	ck_assert_int_eq(sim_global(s, "got", 9), 6 * 10 + 8);
	sim_free(s);
}
END_TEST

START_TEST(free_numbers_come_back_lowest_first)
{
	/* the heap behind both the free descriptors and the free open files */
	struct freeset a = { 0 }, b;
	static const int put[] = { 5, 1, 9, 3, 12, 7, 0, 30, 2, 8, 4 };
	for (size_t i = 0; i < sizeof put / sizeof *put; i++)
		freeset_put(&a, put[i]);
	ck_assert_int_eq(freeset_take(&a), 0);
	ck_assert_int_eq(freeset_take(&a), 1);
	freeset_copy(&b, &a);
	freeset_put(&a, 1);
	static const int want_a[] = { 1, 2, 3, 4, 5, 7, 8, 9, 12, 30 };
	for (size_t i = 0; i < sizeof want_a / sizeof *want_a; i++)
		ck_assert_int_eq(freeset_take(&a), want_a[i]);
	ck_assert_int_eq(a.n, 0);
	ck_assert_int_eq(b.n, 9);               /* the copy is its own */
	ck_assert_int_eq(freeset_take(&b), 2);
	freeset_free(&a);
	freeset_free(&b);
	ck_assert_ptr_null(b.v);
}
END_TEST

START_TEST(epoll_ctl_on_a_closed_descriptor_and_adding_twice_fail)
{
	struct sim *s = sim_run(
		"int ev[2]; int twice; int e2; int closed; int e3;\n"
		"int main() {\n"
		"    int e = epoll_create();\n"
		"    int l = listen(80);\n"
		"    ev[0] = EPOLLIN; ev[1] = l;\n"
		"    epoll_ctl(e, EPOLL_CTL_ADD, l, ev);\n"
		"    twice = epoll_ctl(e, EPOLL_CTL_ADD, l, ev); e2 = errno;\n"
		"    close(l);\n"
		"    closed = epoll_ctl(e, EPOLL_CTL_MOD, l, ev); e3 = errno;\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "twice", 0), -1);
	ck_assert_int_eq(sim_global(s, "e2", 0), IO_EEXIST);
	ck_assert_int_eq(sim_global(s, "closed", 0), -1);
	ck_assert_int_eq(sim_global(s, "e3", 0), IO_EBADF);
}
END_TEST

START_TEST(a_bad_buffer_is_efault_not_a_crash)
{
	struct sim *s = sim_run(
		"#clients 1 port 80 send \"abc\"\n"
		"int r; int err;\n"
		"int main() {\n"
		"    int c = accept(listen(80));\n"
		"    r = read(c, 16, 8);\n"
		"    err = errno;\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "r", 0), -1);
	ck_assert_int_eq(sim_global(s, "err", 0), IO_EFAULT);
}
END_TEST

/* The chapter's loop over int pairs: events, then the descriptor.  It
 * answers once it has a whole request: every request here is 10 bytes. */
#define LOOP_SRC(CLIENTS, MODE, READ_LEN)                                        \
	CLIENTS                                                                  \
	"int ev[2]; int events[20]; int reads; int closes; int bytes;\n"        \
	"int main() {\n"                                                         \
	"    int ep = epoll_create();\n"                                         \
	"    int l = listen(80);\n"                                              \
	"    ev[0] = EPOLLIN; ev[1] = l;\n"                                      \
	"    epoll_ctl(ep, EPOLL_CTL_ADD, l, ev);\n"                             \
	"    while (1) {\n"                                                      \
	"        int n = epoll_wait(ep, events, 10, -1);\n"                      \
	"        for (int i = 0; i < n; i++) {\n"                                \
	"            int fd = events[2 * i + 1];\n"                              \
	"            if (fd == l) {\n"                                           \
	"                int c = accept(l);\n"                                   \
	"                ev[0] = EPOLLIN" MODE "; ev[1] = c;\n"                  \
	"                epoll_ctl(ep, EPOLL_CTL_ADD, c, ev);\n"                 \
	"            } else if (events[2 * i] & EPOLLIN) {\n"                    \
	"                int buf[8];\n"                                          \
	"                int count = read(fd, buf, " READ_LEN ");\n"             \
	"                if (count > 0) {\n"                                       \
	"                    reads++; bytes += count;\n"                       \
	"                    if (bytes % 10 == 0) write(fd, buf, 1);\n"        \
	"                }\n" \
	"                else if (count == 0) { closes++; close(fd); }\n"        \
	"            }\n"                                                        \
	"        }\n"                                                            \
	"    }\n"                                                                \
	"    return 0;\n"                                                        \
	"}\n"

START_TEST(one_thread_serves_every_client_with_epoll_and_ends_idle)
{
	struct sim *s = sim_run(LOOP_SRC("#clients 4 port 80 send \"GET /index\" every 2\n", "", "64"));
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->idle, 1);                        /* no client left waiting */
	ck_assert_int_eq(s->m->nthreads, 1);
	ck_assert_int_eq(sim_global(s, "reads", 0), 4);
	ck_assert_int_eq(sim_global(s, "closes", 0), 4);
	ck_assert_int_eq(sim_global(s, "bytes", 0), 4 * 10);
	ck_assert_int_ge(sim_count(s, EV_EPOLL), 4);
	ck_assert_int_eq(sim_count(s, EV_EPOLL_CTL), 1 + 4);
	/* The loop blocked in epoll_wait, not in read or accept. */
	int epoll_blocks = 0;
	for (int i = 0; sim_nth(s, EV_BLOCK, i); i++) {
		ck_assert_int_eq(sim_nth(s, EV_BLOCK, i)->a, WAIT_EPOLL);
		epoll_blocks++;
	}
	ck_assert_int_gt(epoll_blocks, 0);
}
END_TEST

/* A loop that reads and never writes, like the chapter's. */
#define MUTE_SRC(CLIENTS)                                                        \
	CLIENTS                                                                  \
	"int ev[2]; int events[20]; int bytes; int closes;\n"                   \
	"int main() {\n"                                                         \
	"    int ep = epoll_create();\n"                                         \
	"    int l = listen(80);\n"                                              \
	"    ev[0] = EPOLLIN; ev[1] = l;\n"                                      \
	"    epoll_ctl(ep, EPOLL_CTL_ADD, l, ev);\n"                             \
	"    while (1) {\n"                                                      \
	"        int n = epoll_wait(ep, events, 10, -1);\n"                      \
	"        for (int i = 0; i < n; i++) {\n"                                \
	"            int fd = events[2 * i + 1];\n"                              \
	"            if (fd == l) {\n"                                           \
	"                int c = accept(l); ev[1] = c;\n"                        \
	"                epoll_ctl(ep, EPOLL_CTL_ADD, c, ev);\n"                 \
	"            } else {\n"                                                 \
	"                int buf[8];\n"                                          \
	"                int count = read(fd, buf, 64);\n"                       \
	"                if (count > 0) bytes += count;\n"                       \
	"                else { closes++; close(fd); }\n"                        \
	"            }\n"                                                        \
	"        }\n"                                                            \
	"    }\n"                                                                \
	"    return 0;\n"                                                        \
	"}\n"

START_TEST(clients_that_wait_for_no_reply_send_close_and_leave_the_loop_idle)
{
	/* Waiting for a reply the loop never writes: a deadlock. */
	struct sim *w = sim_run(MUTE_SRC("#clients 2 port 80 send \"hello\" every 50\n"));
	ck_assert_int_eq(sim_end(w), END_DEADLOCK);
	ck_assert_int_eq(sim_global(w, "closes", 0), 0);
	/* noreply: each sends, then closes; the loop reads both and ends idle. */
	struct sim *s = sim_run(MUTE_SRC("#clients 2 port 80 send \"hello\" every 50 noreply\n"));
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->idle, 1);
	ck_assert_int_eq(sim_global(s, "bytes", 0), 2 * 5);
	ck_assert_int_eq(sim_global(s, "closes", 0), 2);
	for (int c = 0; c < s->m->net.nclients; c++) {
		ck_assert_int_eq(s->m->net.clients[c].state, CL_DONE);
		ck_assert_int_eq(s->m->net.clients[c].replies, 0);
	}
	/* with requests 3, the three go one after the other, then the close */
	struct sim *r = sim_run(MUTE_SRC("#clients 1 port 80 send \"abcd\" requests 3 think 20 noreply\n"));
	ck_assert_int_eq(sim_end(r), END_OK);
	ck_assert_int_eq(sim_global(r, "bytes", 0), 3 * 4);
	ck_assert_int_eq(sim_global(r, "closes", 0), 1);
	ck_assert_int_eq(r->m->net.clients[0].requests, 3);
}
END_TEST

START_TEST(level_triggered_reports_a_socket_again_until_it_is_drained)
{
	/* 10 bytes read 4 at a time: three reads, the loop woken each time. */
	struct sim *s = sim_run(LOOP_SRC("#clients 1 port 80 send \"0123456789\"\n", "", "4"));
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "reads", 0), 3);
	ck_assert_int_eq(sim_global(s, "bytes", 0), 10);
	ck_assert_int_eq(sim_global(s, "closes", 0), 1);
}
END_TEST

START_TEST(edge_triggered_without_draining_waits_forever)
{
	/* The same reader with EPOLLET: one report for the 10 bytes, one read
	 * of 4, and no new edge: the loop sleeps with 6 bytes left and the
	 * client waits for its reply forever. */
	struct sim *s = sim_run(LOOP_SRC("#clients 1 port 80 send \"0123456789\"\n",
					 " | EPOLLET", "4"));
	ck_assert_int_eq(sim_end(s), END_DEADLOCK);
	ck_assert_int_eq(s->m->idle, 0);
	ck_assert_int_eq(sim_global(s, "reads", 0), 1);
	ck_assert_int_eq(sim_global(s, "bytes", 0), 4);
	ck_assert_int_eq(sim_global(s, "closes", 0), 0);
	const struct event *d = sim_nth(s, EV_DEADLOCK, 0);
	ck_assert_msg(d != NULL, "no deadlock event");
}
END_TEST

START_TEST(edge_triggered_reports_each_new_arrival_once)
{
	/* In two pieces: each arrival is an edge, read whole each time. */
	struct sim *s = sim_run(LOOP_SRC("#clients 1 port 80 send \"0123456789\" pieces 2 gap 200\n",
					 " | EPOLLET", "64"));
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "reads", 0), 2);
	ck_assert_int_eq(sim_global(s, "bytes", 0), 10);
	ck_assert_int_eq(sim_global(s, "closes", 0), 1);
}
END_TEST

START_TEST(one_shot_reports_once_until_rearmed)
{
	struct sim *s = sim_run(
		"#clients 1 port 80 send \"abcdef\"\n"
		"int ev[2]; int out[2]; int first; int second; int third; int buf[2];\n"
		"int main() {\n"
		"    int ep = epoll_create();\n"
		"    int c = accept(listen(80));\n"
		"    ev[0] = EPOLLIN | EPOLLONESHOT; ev[1] = c;\n"
		"    epoll_ctl(ep, EPOLL_CTL_ADD, c, ev);\n"
		"    first = epoll_wait(ep, out, 1, -1);\n"
		"    second = epoll_wait(ep, out, 1, 0);\n"     /* still readable, but disarmed */
		"    epoll_ctl(ep, EPOLL_CTL_MOD, c, ev);\n"
		"    third = epoll_wait(ep, out, 1, 0);\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "first", 0), 1);
	ck_assert_int_eq(sim_global(s, "second", 0), 0);
	ck_assert_int_eq(sim_global(s, "third", 0), 1);
	ck_assert_int_eq(sim_global(s, "out", 0), EPOLLIN);
	ck_assert_int_eq(sim_global(s, "out", 1), 5);           /* ep 3, the listener 4, c 5 */
}
END_TEST

START_TEST(epoll_wait_times_out_after_its_ticks)
{
	struct sim *s = sim_run(
		"int out[2]; int n; int before; int after;\n"
		"int main() {\n"
		"    int ep = epoll_create();\n"
		"    before = ticks();\n"
		"    n = epoll_wait(ep, out, 1, 50);\n"
		"    after = ticks();\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "n", 0), 0);
	const struct event *b = sim_nth(s, EV_BLOCK, 0), *w = sim_nth(s, EV_WAKE, 0);
	ck_assert_int_eq(b->a, WAIT_EPOLL);
	ck_assert_uint_eq(w->tick - b->tick, 50);
	ck_assert_int_gt(sim_global(s, "after", 0) - sim_global(s, "before", 0), 50);
	const struct event *e = sim_nth(s, EV_EPOLL, 0);
	ck_assert_int_eq(e->a, 0);                              /* its timeout */
}
END_TEST

START_TEST(a_request_in_pieces_needs_several_reads)
{
	struct sim *s = sim_run(
		"#clients 1 port 80 send \"GET /index\" pieces 2 gap 30\n"
		"int buf[4]; int first; int second;\n"
		"int main() {\n"
		"    int c = accept(listen(80));\n"
		"    first = read(c, buf, 64);\n"
		"    second = read(c, buf, 64);\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "first", 0), 5);
	ck_assert_int_eq(sim_global(s, "second", 0), 5);
	ck_assert_int_eq(sim_count(s, EV_ARRIVE), 2);
	ck_assert_uint_ge(sim_nth(s, EV_ARRIVE, 1)->tick - sim_nth(s, EV_ARRIVE, 0)->tick, 30);
}
END_TEST

START_TEST(a_forked_child_shares_the_listening_socket)
{
	struct sim *s = sim_run(
		"#clients 2 port 80 send \"hi\" every 5\n"
		"int buf[2];\n"
		"int main() {\n"
		"    int l = listen(80);\n"
		"    int pid = fork();\n"
		"    int c = accept(l);\n"                       /* parent and child each take one */
		"    int n = read(c, buf, 8);\n"
		"    write(c, buf, n);\n"
		"    close(c);\n"
		"    if (pid != 0) wait(pid);\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_count(s, EV_ACCEPT), 2);
	int pids[2] = { sim_nth(s, EV_ACCEPT, 0)->pid, sim_nth(s, EV_ACCEPT, 1)->pid };
	ck_assert_int_ne(pids[0], pids[1]);
	ck_assert_int_eq(sim_nth(s, EV_ACCEPT, 0)->b, sim_nth(s, EV_ACCEPT, 1)->b);
	ck_assert_int_eq(sim_count(s, EV_REPLY), 2);
}
END_TEST

START_TEST(a_server_that_never_answers_is_a_deadlock_naming_the_clients)
{
	struct sim *s = sim_run(
		"#clients 2 port 80 send \"q\"\n"
		"int buf[2];\n"
		"int main() {\n"
		"    int l = listen(80);\n"
		"    int c = accept(l);\n"
		"    read(c, buf, 8);\n"
		"    accept(l);\n"
		"    read(c, buf, 8);\n"          /* the client waits for a reply: never comes */
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_DEADLOCK);
	ck_assert_int_eq(s->m->idle, 0);
}
END_TEST

/* Closing a listening socket refuses the connections still in its
 * queue: each client is hung up, in the order they came (not in the
 * order of their files: the last took the file the first left), and
 * their files are freed. */
START_TEST(closing_a_listener_refuses_its_queue_in_order)
{
	struct sim *s = sim_run(
		"#clients 4 port 80 send \"q\" every 40\n"
		"int main() {\n"
		"    int l = listen(80);\n"
		"    int c = accept(l);\n"
		"    sleep(85);\n"                /* clients 2 and 3 queue up */
		"    close(c);\n"                 /* 4 comes next, into 1's file */
		"    sleep(60);\n"
		"    close(l);\n"
		"    sleep(60);\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_count(s, EV_CONNECT), 4);
	ck_assert_int_eq(sim_count(s, EV_ACCEPT), 1);
	ck_assert_int_eq(s->m->net.clients[3].conn, s->m->net.clients[0].conn);
	/* hung up: 1 at its close, then 2, 3 and 4 at the listener's */
	ck_assert_int_eq(sim_count(s, EV_REPLY), 4);
	static const int order[] = { 1, 2, 3, 4 };
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(sim_nth(s, EV_REPLY, i)->other, order[i]);
	for (int c = 0; c < 4; c++)
		ck_assert_int_eq(s->m->net.clients[c].state, CL_FAILED);
	for (int i = 0; i < s->m->net.nfiles; i++)
		ck_assert_int_ne(s->m->net.files[i].kind, FK_CONN);
}
END_TEST

START_TEST(writing_to_a_closed_connection_is_epipe)
{
	struct sim *s = sim_run(
		"#clients 1 port 80 send \"q\"\n"
		"int buf[2]; int n; int w; int err;\n"
		"int main() {\n"
		"    int c = accept(listen(80));\n"
		"    read(c, buf, 8);\n"
		"    write(c, buf, 1);\n"
		"    n = read(c, buf, 8);\n"      /* the client got its reply and closed */
		"    w = write(c, buf, 1);\n"
		"    err = errno;\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "n", 0), 0);
	ck_assert_int_eq(sim_global(s, "w", 0), -1);
	ck_assert_int_eq(sim_global(s, "err", 0), IO_EPIPE);
}
END_TEST

START_TEST(a_snapshot_runs_on_to_the_same_end)
{
	struct sim *s = sim_new(LOOP_SRC("#clients 5 port 80 send \"abcdefghij\" every 3 jitter 4\n", "", "64"));
	ck_assert_int_eq(sim_start(s), 0);
	for (int i = 0; i < 200 && machine_step(s->m); i++)
		;
	ck_assert_int_gt(sim_count(s, EV_ACCEPT), 0);          /* mid-run: sockets open */
	struct sim *c = sim_copy(s);
	size_t from = s->log.n;
	sim_finish(s);
	sim_finish(c);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_end(c), END_OK);
	ck_assert_uint_eq(s->m->tick, c->m->tick);
	assert_same_lines(evlog_format(&c->log, 0), evlog_format(&s->log, from), "original vs copy");
}
END_TEST

START_TEST(jitter_is_seeded_the_same_run_twice_and_another_with_another_seed)
{
	const char *src = LOOP_SRC("#clients 6 port 80 send \"abcdefghij\" every 2 jitter 9\n", "", "64");
	struct sim *a = sim_run(src), *b = sim_run(src);
	assert_same_lines(evlog_format(&a->log, 0), evlog_format(&b->log, 0), "two runs");
	struct sim *c = sim_new(src);
	c->cfg.seed = a->cfg.seed + 1;
	ck_assert_int_eq(sim_start(c), 0);
	sim_finish(c);
	ck_assert_int_eq(sim_end(c), END_OK);
	ck_assert_str_ne(evlog_format(&a->log, 0), evlog_format(&c->log, 0));
}
END_TEST

START_TEST(read_from_standard_input_is_end_of_file_and_write_1_prints)
{
	struct sim *s = sim_run(
		"int buf[2]; int n; int w;\n"
		"int main() {\n"
		"    n = read(STDIN_FILENO, buf, 8);\n"
		"    buf[0] = 'h' + 'i' * 256;\n"
		"    w = write(1, buf, 2);\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "n", 0), 0);
	ck_assert_int_eq(sim_global(s, "w", 0), 2);
	ck_assert_str_eq(sim_output(s), "hi");
}
END_TEST

START_TEST(the_explorer_finds_the_lost_update_of_two_workers_serving_clients)
{
	struct sim *s = sim_new(
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
		"}\n");
	struct explore_options o = { .max_preemptions = -1, .max_states = 100000 };
	struct explore_result *r = at_test_end(xcalloc(1, sizeof *r));
	char err[160];
	ck_assert_msg(explore(s->sc->image, &s->cfg, &s->lim, &o, r, err, sizeof err) == 0,
		      "explore: %s", err);
	ck_assert_int_eq(r->stop, EXPLORE_COMPLETE);
	int two = 0, one = 0;
	for (size_t i = 0; i < r->noutcomes; i++) {
		ck_assert_int_eq(r->outcomes[i].end, END_OK);
		two += !strcmp(r->outcomes[i].out, "2");
		one += !strcmp(r->outcomes[i].out, "1");
	}
	ck_assert_int_eq(two, 1);
	ck_assert_int_eq(one, 1);                               /* the lost update is reached */
	ck_assert_uint_gt(r->schedules, 2);
	explore_result_free(r);
}
END_TEST

Suite *io_suite(void)
{
	Suite *s = suite_create("io");
	TCase *tc = sim_tcase("io");
	tcase_add_test(tc, a_server_accepts_reads_writes_and_closes_each_client);
	tcase_add_test(tc, a_blocking_read_blocks_until_the_bytes_arrive);
	tcase_add_test(tc, a_non_blocking_read_fails_with_eagain_and_errno_is_per_thread);
	tcase_add_loop_test(tc, a_misused_descriptor_fails_with_its_errno, 0, (int)(sizeof misuses / sizeof *misuses));
	tcase_add_test(tc, a_new_descriptor_is_the_lowest_free_one);
	tcase_add_test(tc, free_numbers_come_back_lowest_first);
	tcase_add_test(tc, epoll_ctl_on_a_closed_descriptor_and_adding_twice_fail);
	tcase_add_test(tc, a_bad_buffer_is_efault_not_a_crash);
	tcase_add_test(tc, one_thread_serves_every_client_with_epoll_and_ends_idle);
	tcase_add_test(tc, clients_that_wait_for_no_reply_send_close_and_leave_the_loop_idle);
	tcase_add_test(tc, level_triggered_reports_a_socket_again_until_it_is_drained);
	tcase_add_test(tc, edge_triggered_without_draining_waits_forever);
	tcase_add_test(tc, edge_triggered_reports_each_new_arrival_once);
	tcase_add_test(tc, one_shot_reports_once_until_rearmed);
	tcase_add_test(tc, epoll_wait_times_out_after_its_ticks);
	tcase_add_test(tc, a_request_in_pieces_needs_several_reads);
	tcase_add_test(tc, a_forked_child_shares_the_listening_socket);
	tcase_add_test(tc, a_server_that_never_answers_is_a_deadlock_naming_the_clients);
	tcase_add_test(tc, closing_a_listener_refuses_its_queue_in_order);
	tcase_add_test(tc, writing_to_a_closed_connection_is_epipe);
	tcase_add_test(tc, a_snapshot_runs_on_to_the_same_end);
	tcase_add_test(tc, jitter_is_seeded_the_same_run_twice_and_another_with_another_seed);
	tcase_add_test(tc, read_from_standard_input_is_end_of_file_and_write_1_prints);
	tcase_add_test(tc, the_explorer_finds_the_lost_update_of_two_workers_serving_clients);
	suite_add_tcase(s, tc);
	return s;
}
