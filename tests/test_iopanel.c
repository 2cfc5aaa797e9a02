/* test_iopanel: the I/O panel's rows and the read-only view of the
 * outside world under them — each descriptor named for what it is, a
 * connection's unread bytes, an epoll instance's interest and ready
 * lists, the clients by state with the longest waiting first, and the
 * bounds that keep the panel small with many connections. */
#include <stdio.h>
#include <string.h>

#include "sim.h"
#include "sim/io_view.h"
#include "ui/iopanel.h"

#define ROWS 80

/* Start src and step it to tick t (or its end); the test fails if the
 * machine will not start. */
static struct sim *run_to(const char *src, uint64_t t)
{
	struct sim *s = sim_new(src);
	ck_assert_msg(sim_start(s) == 0, "machine_init: %s", s->err);
	while (s->m->tick < t && machine_step(s->m))
		;
	return s;
}

/* The rows of process 1 of s's machine; their count in *n. */
static struct io_row *build(const struct sim *s, int ascii, size_t *n)
{
	struct io_row *rows = at_test_end(xcalloc(ROWS, sizeof *rows));
	*n = iopanel_build(s->m, 1, ascii, rows, ROWS);
	ck_assert_uint_le(*n, ROWS);
	return rows;
}

/* The first row whose text holds part, or NULL. */
static const struct io_row *find(const struct io_row *rows, size_t n, const char *part)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(rows[i].text, part))
			return &rows[i];
	return NULL;
}

/* How many rows of kind k. */
static int count(const struct io_row *rows, size_t n, enum io_row_kind k)
{
	int c = 0;
	for (size_t i = 0; i < n; i++)
		c += rows[i].kind == k;
	return c;
}

START_TEST(iopanel_build_is_empty_without_an_outside_world)
{
	struct sim *s = run_to("int x; int main() { x = 1; return 0; }\n", 100);
	size_t n;
	build(s, 0, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(io_active(s->m), 0);
}
END_TEST

/* One server, one epoll instance watching a listening socket and the
 * connection accepted from it, asleep while a request waits unread. */
static const char watched_src[] =
	"#clients 1 port 80 send \"ping\" latency 2\n"
	"int ev[2]; int buf[4];\n"
	"int main() {\n"
	"    int ep = epoll_create();\n"
	"    int l = listen(80);\n"
	"    ev[0] = EPOLLIN; ev[1] = l;\n"
	"    epoll_ctl(ep, EPOLL_CTL_ADD, l, ev);\n"
	"    int c = accept(l);\n"
	"    ev[0] = EPOLLIN | EPOLLET; ev[1] = c;\n"
	"    epoll_ctl(ep, EPOLL_CTL_ADD, c, ev);\n"
	"    sleep(500);\n"
	"    return 0;\n"
	"}\n";

START_TEST(iopanel_build_names_each_descriptor_and_what_is_ready)
{
	struct sim *s = run_to(watched_src, 200);
	size_t n;
	struct io_row *rows = build(s, 0, &n);
	ck_assert_int_eq(rows[0].kind, IO_HEAD);
	ck_assert_str_eq(rows[0].text, "descriptors of P1");
	const struct io_row *ep = find(rows, n, "fd 3  epoll");
	ck_assert_msg(ep != NULL, "no row for the epoll instance");
	ck_assert_str_eq(ep->text, "fd 3  epoll  2 watched, 1 ready");
	ck_assert(ep->hot);
	const struct io_row *in = find(rows, n, "interest");
	ck_assert_msg(in != NULL && in->kind == IO_DETAIL, "no interest list");
	ck_assert_str_eq(in->text, "      interest 4 in, 5 in et  ready 5");
	const struct io_row *l = find(rows, n, "fd 4");
	ck_assert_str_eq(l->text, "fd 4  listening, port 80");
	ck_assert(!l->hot);                     /* nobody left to accept */
	const struct io_row *c = find(rows, n, "fd 5");
	ck_assert_str_eq(c->text, "fd 5  client 1  4 B \"ping\"");
	ck_assert(c->hot);
	ck_assert_msg(find(rows, n, "clients 1: 1 waiting") != NULL, "no clients' head");
	ck_assert_msg(find(rows, n, "client 1 waiting for its reply since tick") != NULL,
		      "the waiting client is not listed");
}
END_TEST

START_TEST(iopanel_build_escapes_the_bytes_and_cuts_a_long_request)
{
	struct sim *s = run_to("#clients 1 port 80 send \"GET /a/long/path HTTP/1.0\\r\\n\" latency 2\n"
			       "int main() { int c = accept(listen(80)); sleep(500); return c; }\n",
			       200);
	size_t n;
	struct io_row *rows = build(s, 0, &n);
	const struct io_row *c = find(rows, n, "fd 4");
	ck_assert_msg(c != NULL, "no connection row");
	ck_assert_str_eq(c->text, "fd 4  client 1  27 B \"GET /a/long/path HTTP/1.\"\xe2\x80\xa6");
	rows = build(s, 1, &n);
	c = find(rows, n, "fd 4");
	ck_assert_str_eq(c->text, "fd 4  client 1  27 B \"GET /a/long/path HTTP/1.\"...");
	struct sim *t = run_to("#clients 1 port 80 send \"a\\tb\\n\" latency 2\n"
			       "int main() { int c = accept(listen(80)); sleep(500); return c; }\n",
			       200);
	rows = build(t, 0, &n);
	ck_assert_str_eq(find(rows, n, "fd 4")->text, "fd 4  client 1  4 B \"a\\tb\\n\"");
}
END_TEST

/* Twelve clients connect one tick apart; the server accepts them all
 * and never answers. */
static const char silent_src[] =
	"#clients 12 port 80 send \"hi\" every 1 latency 2\n"
	"int main() {\n"
	"    int l = listen(80);\n"
	"    for (int i = 0; i < 12; i++) accept(l);\n"
	"    sleep(1000);\n"
	"    return 0;\n"
	"}\n";

START_TEST(iopanel_build_counts_the_clients_and_lists_the_longest_waiting)
{
	struct sim *s = run_to(silent_src, 400);
	size_t n;
	struct io_row *rows = build(s, 0, &n);
	ck_assert_msg(find(rows, n, "clients 12: 12 waiting") != NULL, "no count by state");
	ck_assert_int_eq(count(rows, n, IO_CLIENT), IOPANEL_CLIENTS);
	const struct io_row *first = NULL;
	for (size_t i = 0; i < n && !first; i++)
		if (rows[i].kind == IO_CLIENT)
			first = &rows[i];
	ck_assert_msg(strncmp(first->text, "client 1 waiting", 16) == 0,
		      "the longest waiting is not first: %s", first->text);
	ck_assert_msg(find(rows, n, "8 more waiting") != NULL, "the rest are not counted");
	struct io_client w[IOPANEL_CLIENTS];
	ck_assert_uint_eq(io_longest_waiting(s->m, w, IOPANEL_CLIENTS), IOPANEL_CLIENTS);
	for (int i = 1; i < IOPANEL_CLIENTS; i++)
		ck_assert_uint_le(w[i - 1].since, w[i].since);
	int by[CL_COUNT];
	ck_assert_int_eq(io_clients(s->m, by), 12);
	ck_assert_int_eq(by[CL_WAITING], 12);
}
END_TEST

START_TEST(iopanel_build_lists_a_bounded_number_of_descriptors)
{
	char src[512];
	snprintf(src, sizeof src,
		 "#clients %d port 80 send \"hi\" latency 2\n"
		 "int main() {\n"
		 "    int l = listen(80);\n"
		 "    for (int i = 0; i < %d; i++) accept(l);\n"
		 "    sleep(100000);\n"
		 "    return 0;\n"
		 "}\n", IOPANEL_FDS + 10, IOPANEL_FDS + 10);
	struct sim *s = run_to(src, 5000);
	struct io_fd fds[4];
	ck_assert_uint_eq(io_fds(s->m, 1, fds, 4), IOPANEL_FDS + 11);  /* the listener too */
	size_t n;
	struct io_row *rows = build(s, 1, &n);
	ck_assert_int_eq(count(rows, n, IO_FD), IOPANEL_FDS);
	char more[64];
	snprintf(more, sizeof more, "... %d more descriptors", 11);
	ck_assert_msg(find(rows, n, more) != NULL, "no row counting the rest");
}
END_TEST

START_TEST(io_fds_shows_a_socket_a_fork_shares)
{
	struct sim *s = run_to("#clients 1 port 80 send \"hi\" latency 2\n"
			       "int main() {\n"
			       "    int l = listen(80);\n"
			       "    if (fork() == 0) { sleep(500); return 0; }\n"
			       "    sleep(500);\n"
			       "    return 0;\n"
			       "}\n", 100);
	struct io_fd fds[4];
	ck_assert_uint_eq(io_fds(s->m, 1, fds, 4), 1);
	ck_assert_int_eq(fds[0].kind, FK_LISTEN);
	ck_assert_int_eq(fds[0].refs, 2);
	ck_assert_uint_eq(io_fds(s->m, 2, fds, 4), 1);
	ck_assert_int_eq(fds[0].refs, 2);
	size_t n;
	struct io_row *rows = build(s, 0, &n);
	ck_assert_msg(find(rows, n, "shared by 2") != NULL, "the sharing is not shown");
	ck_assert_uint_eq(io_fds(s->m, 3, fds, 4), 0);          /* no such process */
}
END_TEST

START_TEST(iopanel_build_shows_a_connection_to_a_service_and_what_is_parked_on_it)
{
	const char *src =
		"#workers 1\n"
		"#service user port 9001 latency 400 reply \"user=kim\"\n"
		"char req[2] = \"x\";\n"
		"void w(int x) { char b[16]; int fd = connect(9001); write(fd, req, 1); read(fd, b, 16); }\n"
		"int main() {\n"
		"    int fd = connect(9001);\n"
		"    write(fd, req, 1);\n"
		"    write(fd, req, 1);\n"
		"    go(w, 0);\n"
		"    sleep(450);\n"
		"    return 0;\n"
		"}\n";
	struct sim *s = run_to(src, 0);
	while (!sim_count(s, EV_PARK) && machine_step(s->m))
		;
	ck_assert_int_eq(sim_count(s, EV_ANSWER), 0);
	size_t n;
	const struct io_row *rows = build(s, 1, &n);
	const struct io_row *r = find(rows, n, "fd 3  service user, port 9001");
	ck_assert_msg(r != NULL, "no row for the connection");
	ck_assert_ptr_nonnull(strstr(r->text, "2 asked, 0 answered  waiting for its answer"));
	ck_assert(!r->hot);
	r = find(rows, n, "fd 4  service user");
	ck_assert_msg(r != NULL, "no row for the coroutine's connection");
	ck_assert_ptr_nonnull(strstr(r->text, "1 coroutine parked"));
	while (!sim_count(s, EV_ANSWER) && machine_step(s->m))
		;
	rows = build(s, 1, &n);
	r = find(rows, n, "fd 3  service user");
	ck_assert_ptr_nonnull(strstr(r->text, "1 answered  8 B \"user=kim\""));
	ck_assert(r->hot);
	sim_finish(s);
}
END_TEST

Suite *iopanel_suite(void)
{
	Suite *s = suite_create("iopanel");
	TCase *tc = sim_tcase("iopanel");
	tcase_add_test(tc, iopanel_build_is_empty_without_an_outside_world);
	tcase_add_test(tc, iopanel_build_names_each_descriptor_and_what_is_ready);
	tcase_add_test(tc, iopanel_build_escapes_the_bytes_and_cuts_a_long_request);
	tcase_add_test(tc, iopanel_build_counts_the_clients_and_lists_the_longest_waiting);
	tcase_add_test(tc, iopanel_build_lists_a_bounded_number_of_descriptors);
	tcase_add_test(tc, io_fds_shows_a_socket_a_fork_shares);
	tcase_add_test(tc, iopanel_build_shows_a_connection_to_a_service_and_what_is_parked_on_it);
	suite_add_tcase(s, tc);
	return s;
}
