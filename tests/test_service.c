/* Tests of the remote services (#service, connect): the connection and
 * its descriptor, each request answered after the service's latency,
 * answers that pile up and are read in pieces, a non-blocking read
 * before the answer, a closed connection's answer dropped, epoll
 * reporting an answer, the errors of connect, and snapshots. */
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "sim/fd.h"
#include "sim/io_view.h"
#include "sim/service.h"

START_TEST(connect_reaches_the_service_and_its_answer_comes_after_the_latency)
{
	struct sim *s = sim_run(
		"#service user port 9001 latency 40 reply \"user=kim\"\n"
		"char req[4] = \"who\"; char got[16]; int fd; int n;\n"
		"int main() {\n"
		"    fd = connect(9001);\n"
		"    write(fd, req, 3);\n"
		"    n = read(fd, got, 16);\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "fd", 0), 3);
	ck_assert_int_eq(sim_global(s, "n", 0), 8);
	const struct event *d = sim_nth(s, EV_DIAL, 0);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->a, 9001);
	ck_assert_int_eq(d->b, 3);
	ck_assert_int_eq(d->other, 1);
	ck_assert_int_eq((int)d->len, 4);
	ck_assert(memcmp(d->text, "user", 4) == 0);
	const struct event *w = sim_nth(s, EV_WRITE, 0), *a = sim_nth(s, EV_ANSWER, 0);
	ck_assert_int_eq(sim_count(s, EV_ANSWER), 1);
	ck_assert_uint_eq(a->tick, w->tick + 40);               /* the latency, exactly */
	ck_assert_int_eq(a->a, 8);
	ck_assert_int_eq(a->other, 1);
	const struct event *r = sim_nth(s, EV_READ, 0);
	ck_assert_uint_ge(r->tick, a->tick);
	ck_assert(memcmp(r->text, "user=kim", 8) == 0);
	/* the read blocked until the answer came, as on any socket */
	const struct event *b = sim_nth_of(s, EV_BLOCK, 1, 0);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(b->a, WAIT_READ);
	ck_assert_int_eq((int)b->addr, 3);
}
END_TEST

START_TEST(each_request_is_answered_and_answers_wait_to_be_read)
{
	struct sim *s = sim_run(
		"#service q port 7 latency 5 reply \"abc\"\n"
		"char req[2] = \"x\"; char got[16]; int n1; int n2; int n3;\n"
		"int main() {\n"
		"    int fd = connect(7);\n"
		"    write(fd, req, 1);\n"
		"    write(fd, req, 1);\n"
		"    sleep(50);\n"
		"    n1 = read(fd, got, 4);\n"
		"    n2 = read(fd, got + 4, 16);\n"
		"    set_nonblocking(fd);\n"
		"    n3 = read(fd, got, 16);\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_count(s, EV_ANSWER), 2);
	ck_assert_int_eq(sim_global(s, "n1", 0), 4);            /* both answers, one stream */
	ck_assert_int_eq(sim_global(s, "n2", 0), 2);
	ck_assert_int_eq(sim_global(s, "n3", 0), -1);           /* nothing more: EAGAIN */
	const struct event *r = sim_nth(s, EV_READ, 0);
	ck_assert(memcmp(r->text, "abca", 4) == 0);
	r = sim_nth(s, EV_READ, 1);
	ck_assert(memcmp(r->text, "bc", 2) == 0);
	const struct event *f = sim_nth(s, EV_IOFAIL, 0);
	ck_assert_int_eq(f->a, BI_READ);
	ck_assert_int_eq(f->b, IO_EAGAIN);
}
END_TEST

/* connect's misuses: { program line, errno }. */
static const struct { const char *call; int err; } bad_connects[] = {
	{ "fd = connect(9002);", IO_ECONNREFUSED },     /* no service there */
	{ "fd = connect(0);", IO_EINVAL },
	{ "fd = connect(70000);", IO_EINVAL },
	{ "fd = connect(80);", IO_ECONNREFUSED },       /* the program's own port: not a service */
};

START_TEST(connect_fails_with_its_errno)
{
	char src[512];
	snprintf(src, sizeof src,
		 "#service a port 9001 latency 1 reply \"ok\"\n"
		 "thread_local int errno; int fd; int err;\n"
		 "int main() {\n"
		 "    listen(80);\n"
		 "    %s\n"
		 "    err = errno;\n"
		 "    return 0;\n"
		 "}\n", bad_connects[_i].call);
	struct sim *s = sim_run(src);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "fd", 0), -1);
	ck_assert_int_eq(sim_global(s, "err", 0), bad_connects[_i].err);
	ck_assert_int_eq(sim_count(s, EV_DIAL), 0);
	ck_assert_int_eq(sim_nth(s, EV_IOFAIL, 0)->a, BI_CONNECT);
}
END_TEST

START_TEST(a_closed_connection_drops_its_answer)
{
	struct sim *s = sim_run(
		"#service a port 9001 latency 30 reply \"late\"\n"
		"#service b port 9002 latency 60 reply \"second\"\n"
		"char req[2] = \"x\"; char got[16]; int n; int fd2;\n"
		"int main() {\n"
		"    int fd = connect(9001);\n"
		"    write(fd, req, 1);\n"
		"    close(fd);\n"
		"    fd2 = connect(9002);\n"        /* the same slot, another connection */
		"    write(fd2, req, 1);\n"
		"    n = read(fd2, got, 16);\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "fd2", 0), 3);
	ck_assert_int_eq(sim_count(s, EV_ANSWER), 1);           /* the first was dropped */
	ck_assert_int_eq(sim_nth(s, EV_ANSWER, 0)->other, 2);
	ck_assert_int_eq(sim_global(s, "n", 0), 6);
	ck_assert(memcmp(sim_nth(s, EV_READ, 0)->text, "second", 6) == 0);
}
END_TEST

START_TEST(epoll_reports_a_connection_whose_answer_came)
{
	struct sim *s = sim_run(
		"#service a port 9001 latency 25 reply \"ready\"\n"
		"char req[2] = \"x\"; int events[4]; int ev[2]; int n; int which; int at;\n"
		"int main() {\n"
		"    int ep = epoll_create();\n"
		"    int fd = connect(9001);\n"
		"    ev[0] = EPOLLIN; ev[1] = fd;\n"
		"    epoll_ctl(ep, EPOLL_CTL_ADD, fd, ev);\n"
		"    write(fd, req, 1);\n"
		"    n = epoll_wait(ep, events, 2, -1);\n"
		"    which = events[1];\n"
		"    at = ticks();\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "n", 0), 1);
	ck_assert_int_eq(sim_global(s, "which", 0), 4);
	ck_assert_uint_ge((uint64_t)sim_global(s, "at", 0), sim_nth(s, EV_ANSWER, 0)->tick);
}
END_TEST

START_TEST(the_io_view_shows_a_connection_to_a_service)
{
	struct sim *s = sim_new(
		"#service user port 9001 latency 40 reply \"user=kim\"\n"
		"char req[2] = \"x\";\n"
		"int main() {\n"
		"    int fd = connect(9001);\n"
		"    write(fd, req, 1);\n"
		"    write(fd, req, 1);\n"
		"    sleep(45);\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_start(s), 0);
	while (!sim_count(s, EV_ANSWER) && machine_step(s->m))
		;
	struct io_fd fds[4];
	ck_assert_uint_eq(io_fds(s->m, 1, fds, 4), 1);
	ck_assert_int_eq(fds[0].kind, FK_REMOTE);
	ck_assert_int_eq(fds[0].service, 1);
	ck_assert_str_eq(service_get(s->m, fds[0].service)->name, "user");
	ck_assert_int_eq(fds[0].requests, 2);
	ck_assert_int_eq(fds[0].answers, 1);
	ck_assert_uint_eq(fds[0].unread, 8);
	char b[8];
	ck_assert_uint_eq(io_unread(s->m, fds[0].file, b, sizeof b), 8);
	ck_assert(memcmp(b, "user=kim", 8) == 0);
	ck_assert_int_eq(service_of_fd(s->m, 1, fds[0].fd), 1);
	ck_assert_ptr_null(service_get(s->m, 2));
	sim_finish(s);
}
END_TEST

START_TEST(a_snapshot_with_answers_on_the_way_runs_on_the_same)
{
	struct sim *s = sim_new(
		"#service a port 9001 latency 30 reply \"one\"\n"
		"#service b port 9002 latency 10 reply \"two\"\n"
		"char req[2] = \"x\"; char got[8];\n"
		"int main() {\n"
		"    int f = connect(9001); int g = connect(9002);\n"
		"    write(f, req, 1); write(g, req, 1);\n"
		"    read(f, got, 8); read(g, got, 8);\n"
		"    return 0;\n"
		"}\n");
	ck_assert_int_eq(sim_start(s), 0);
	while (sim_count(s, EV_WRITE) < 2 && machine_step(s->m))
		;
	struct sim *c = sim_copy(s);
	size_t from = s->log.n;
	sim_finish(s);
	sim_finish(c);
	ck_assert_int_eq(sim_end(c), END_OK);
	ck_assert_int_eq(sim_count(c, EV_ANSWER), 2);
	assert_same_lines(evlog_format(&c->log, 0), evlog_format(&s->log, from), "original vs copy");
}
END_TEST

START_TEST(a_race_in_a_read_s_buffer_is_reported_at_that_read)
{
	/* found while the builtin copies the bytes in, the race comes right
	 * after the read's own instruction, by its thread */
	struct sim *s = sim_run(
		"#service a port 9001 latency 5 reply \"abcd\"\n"
		"char buf[8];\n"
		"void w(int x) {\n"
		"    char req[2] = \"?\";\n"
		"    int fd = connect(9001);\n"
		"    write(fd, req, 1);\n"
		"    read(fd, buf, 8);\n"
		"}\n"
		"int main() { int a = spawn(w, 0); int b = spawn(w, 0); join(a); join(b); return 0; }\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_ge(sim_count(s, EV_RACE), 1);
	const struct event *last_sys = NULL;
	for (size_t i = 0; i < s->log.n; i++) {
		const struct event *e = &s->log.ev[i];
		if (e->kind == EV_EXEC && e->insn && e->insn->op == OP_SYS)
			last_sys = e;
		if (e->kind != EV_RACE)
			continue;
		ck_assert_ptr_nonnull(last_sys);
		ck_assert_int_eq(last_sys->insn->imm, BI_READ);
		ck_assert_int_eq(e->tid, last_sys->tid);
		ck_assert_uint_eq(e->tick, last_sys->tick);
		ck_assert_int_ne(e->other, e->tid);
		break;
	}
}
END_TEST

Suite *service_suite(void)
{
	Suite *s = suite_create("service");
	TCase *tc = sim_tcase("service");
	tcase_add_test(tc, connect_reaches_the_service_and_its_answer_comes_after_the_latency);
	tcase_add_test(tc, each_request_is_answered_and_answers_wait_to_be_read);
	tcase_add_loop_test(tc, connect_fails_with_its_errno, 0,
			    (int)(sizeof bad_connects / sizeof *bad_connects));
	tcase_add_test(tc, a_closed_connection_drops_its_answer);
	tcase_add_test(tc, epoll_reports_a_connection_whose_answer_came);
	tcase_add_test(tc, the_io_view_shows_a_connection_to_a_service);
	tcase_add_test(tc, a_snapshot_with_answers_on_the_way_runs_on_the_same);
	tcase_add_test(tc, a_race_in_a_read_s_buffer_is_reported_at_that_read);
	suite_add_tcase(s, tc);
	return s;
}
