/* check_sim: runs the simulator's Check suites; results as TAP on stdout.
 * Also the functions the suites share (see sim.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* What the running test has not freed: sims and texts. */
static struct sim *live[256];
static int nlive;
static void *later[4096];
static int nlater;

/* Free p when the running test ends. */
void *at_test_end(void *p)
{
	ck_assert_int_lt(nlater, (int)ARRAY_LEN(later));
	later[nlater++] = p;
	return p;
}

/* The teardown of every test: free what it left. */
static void cleanup(void)
{
	while (nlive)
		sim_free(live[nlive - 1]);
	while (nlater)
		xfree(later[--nlater]);
}

/* A test case that frees what each test left. */
TCase *sim_tcase(const char *name)
{
	TCase *tc = tcase_create(name);
	tcase_add_checked_fixture(tc, NULL, cleanup);
	return tc;
}

/* Copy the event e into the log ctx, its text and contexts included. */
static void log_event(void *ctx, const struct event *e)
{
	struct evlog *l = ctx;
	l->ev = xgrow(l->ev, &l->cap, l->n + 1, sizeof *l->ev);
	struct event *c = &l->ev[l->n++];
	*c = *e;
	if (e->text) {
		char *t = xmalloc(e->len + 1);
		memcpy(t, e->text, e->len);
		t[e->len] = 0;
		c->text = t;
	}
	if (e->from) {
		struct context *k = xmalloc(sizeof *k);
		*k = *e->from;
		c->from = k;
	}
	if (e->to) {
		struct context *k = xmalloc(sizeof *k);
		*k = *e->to;
		c->to = k;
	}
	c->held = e->nheld ? memcpy(xmalloc((size_t)e->nheld * sizeof *e->held), e->held,
				    (size_t)e->nheld * sizeof *e->held) : NULL;
	c->held2 = e->nheld2 ? memcpy(xmalloc((size_t)e->nheld2 * sizeof *e->held2), e->held2,
				      (size_t)e->nheld2 * sizeof *e->held2) : NULL;
	if (e->kind == EV_PRINT)
		buf_put(&l->out, e->text, e->len);
}

/* A sink for every kind of event, into l. */
struct event_sink evlog_sink(struct evlog *l)
{
	return (struct event_sink){ log_event, l, EV_ALL };
}

/* Free the log's events, their copies and its output. */
void evlog_free(struct evlog *l)
{
	for (size_t i = 0; i < l->n; i++) {
		xfree((void *)l->ev[i].text);
		xfree((void *)l->ev[i].from);
		xfree((void *)l->ev[i].to);
		xfree((void *)l->ev[i].held);
		xfree((void *)l->ev[i].held2);
	}
	xfree(l->ev);
	buf_free(&l->out);
	memset(l, 0, sizeof *l);
}

/* Append a context's registers to b. */
static void format_context(struct buf *b, const char *name, const struct context *c)
{
	if (!c)
		return;
	buf_printf(b, " %s=%llx/%llx/%llx", name, (unsigned long long)c->pc,
		   (unsigned long long)c->sp, (unsigned long long)c->fp);
	for (int i = 0; i < NGPR; i++)
		buf_printf(b, ",%lld", (long long)c->r[i]);
}

/* The events from index from, one line each. */
char *evlog_format(const struct evlog *l, size_t from)
{
	struct buf b = { 0 };
	for (size_t i = from; i < l->n; i++) {
		const struct event *e = &l->ev[i];
		buf_printf(&b, "%s t%llu c%d T%d o%d pc%llx l%d r%d=%lld sp%d:%llx "
			   "rd%llx=%lld wr%llx=%lld a%lld b%lld @%llx",
			   event_kinds[e->kind].name, (unsigned long long)e->tick, e->core,
			   e->tid, e->other, (unsigned long long)e->pc, e->line, e->reg,
			   (long long)e->regval, e->sp_moved, (unsigned long long)e->sp,
			   (unsigned long long)e->raddr, (long long)e->rval,
			   (unsigned long long)e->waddr, (long long)e->wval,
			   (long long)e->a, (long long)e->b, (unsigned long long)e->addr);
		format_context(&b, "from", e->from);
		format_context(&b, "to", e->to);
		if (e->kind == EV_RACE) {
			buf_printf(&b, " pc2%llx l2%d held", (unsigned long long)e->pc2, e->line2);
			for (int k = 0; k < e->nheld; k++)
				buf_printf(&b, " %llx", (unsigned long long)e->held[k]);
			buf_puts(&b, " held2");
			for (int k = 0; k < e->nheld2; k++)
				buf_printf(&b, " %llx", (unsigned long long)e->held2[k]);
		}
		if (e->text)
			buf_printf(&b, " \"%s\"", e->text);
		buf_putc(&b, '\n');
	}
	return at_test_end(buf_take(&b));
}

/* Where got and want first differ, as a message; NULL when equal. */
const char *lines_differ(const char *got, const char *want, const char *what)
{
	static char msg[1024];
	int line = 1;
	const char *g = got, *w = want;
	while (*g && *g == *w) {
		if (*g == '\n') {
			line++;
			got = g + 1;
			want = w + 1;
		}
		g++, w++;
	}
	if (!*g && !*w)
		return NULL;
	/* show the lines from a little before the first difference */
	int col = (int)(g - got), from = col > 60 ? col - 60 : 0;
	int gl = (int)strcspn(got + from, "\n"), wl = (int)strcspn(want + from, "\n");
	snprintf(msg, sizeof msg, "%s: line %d, column %d differs:\n  got:  ...%.*s\n  want: ...%.*s",
		 what, line, col + 1, gl > 200 ? 200 : gl, got + from, wl > 200 ? 200 : wl, want + from);
	return msg;
}

/* Compile src into a new sim, with the scenario's settings and test limits. */
struct sim *sim_new(const char *src)
{
	struct diags d;
	struct sim *s = xcalloc(1, sizeof *s);
	ck_assert_int_lt(nlive, (int)ARRAY_LEN(live));
	live[nlive++] = s;
	s->sc = scenario_compile("t.scn", src, strlen(src), &d);
	if (!s->sc) {
		struct buf b = { 0 };
		if (d.n)
			diag_format_one(&d, 0, &b);
		diags_free(&d);
		ck_abort_msg("the test program does not compile: %s",
			     b.s ? (char *)at_test_end(b.s) : "?");
	}
	diags_free(&d);
	s->cfg = s->sc->config;
	s->cfg.schedule = NULL;
	s->lim = (struct limits){ SIM_MAX_STEPS, 64, DEFAULT_MAX_MEMORY, DEFAULT_MAX_PROCESSES };
	return s;
}

/* A sim whose machine is a snapshot of s's. */
struct sim *sim_copy(const struct sim *s)
{
	struct sim *c = xcalloc(1, sizeof *c);
	ck_assert_int_lt(nlive, (int)ARRAY_LEN(live));
	live[nlive++] = c;
	c->sc = s->sc;
	c->shares_sc = 1;
	c->cfg = s->cfg;
	c->lim = s->lim;
	c->m = xmalloc(sizeof *c->m);
	machine_copy(c->m, s->m);
	machine_set_sink(c->m, evlog_sink(&c->log));
	return c;
}

/* Load the program into a machine and attach the log. */
int sim_start(struct sim *s)
{
	if (!s->cfg.schedule && s->sc->config.schedule && s->cfg.policy == POLICY_SCRIPT)
		s->cfg.schedule = s->sc->config.schedule;
	s->m = xmalloc(sizeof *s->m);
	int rc = machine_init(s->m, s->sc->image, &s->cfg, &s->lim, s->err, sizeof s->err);
	if (rc < 0) {
		xfree(s->m);
		s->m = NULL;
		return rc;
	}
	machine_set_sink(s->m, evlog_sink(&s->log));
	return 0;
}

/* Run the machine until the run ends. */
void sim_finish(struct sim *s)
{
	ck_assert_ptr_nonnull(s->m);
	/* the step limit ends every busy run; only sleeping could go on */
	for (int i = 0; i < 1000 && machine_run(s->m, 1u << 20); i++)
		;
	ck_assert_msg(s->m->state == RUN_ENDED, "the run did not end");
}

/* Compile, load and run src to its end. */
struct sim *sim_run(const char *src)
{
	struct sim *s = sim_new(src);
	ck_assert_msg(sim_start(s) == 0, "machine_init: %s", s->err);
	sim_finish(s);
	return s;
}

/* sim_run with a policy and quantum of the test's choosing. */
struct sim *sim_run_policy(const char *src, enum sched_policy policy, int quantum)
{
	struct sim *s = sim_new(src);
	s->cfg.policy = policy;
	s->cfg.quantum = quantum;
	ck_assert_msg(sim_start(s) == 0, "machine_init: %s", s->err);
	sim_finish(s);
	return s;
}

/* Free s, its machine, log and (unless shared) scenario. */
void sim_free(struct sim *s)
{
	if (!s)
		return;
	for (int i = 0; i < nlive; i++)
		if (live[i] == s) {
			live[i] = live[--nlive];
			break;
		}
	if (s->m) {
		machine_done(s->m);
		xfree(s->m);
	}
	evlog_free(&s->log);
	if (!s->shares_sc)
		scenario_free(s->sc);
	xfree(s);
}

/* How the ended run ended. */
int sim_end(const struct sim *s)
{
	ck_assert_ptr_nonnull(s->m);
	ck_assert_msg(s->m->state == RUN_ENDED, "the run has not ended");
	return s->m->end;
}

/* The number of events of kind k. */
int sim_count(const struct sim *s, enum event_kind k)
{
	int n = 0;
	for (size_t i = 0; i < s->log.n; i++)
		n += s->log.ev[i].kind == k;
	return n;
}

/* The nth event of kind k, or NULL. */
const struct event *sim_nth(const struct sim *s, enum event_kind k, int n)
{
	for (size_t i = 0; i < s->log.n; i++)
		if (s->log.ev[i].kind == k && n-- == 0)
			return &s->log.ev[i];
	return NULL;
}

/* The nth event of kind k about thread tid, or NULL. */
const struct event *sim_nth_of(const struct sim *s, enum event_kind k, int tid, int n)
{
	for (size_t i = 0; i < s->log.n; i++)
		if (s->log.ev[i].kind == k && s->log.ev[i].tid == tid && n-- == 0)
			return &s->log.ev[i];
	return NULL;
}

/* The address of the symbol name. */
uint64_t sim_addr(const struct sim *s, const char *name)
{
	const struct img_sym *sym = image_sym_named(s->sc->image, name);
	ck_assert_msg(sym != NULL, "no symbol '%s'", name);
	return sym->addr;
}

/* Word i of the global name, as the program would read it. */
int64_t sim_global(const struct sim *s, const char *name, int i)
{
	return machine_peek(s->m, 1, sim_addr(s, name) + 8 * (uint64_t)i);
}

/* What the program printed. */
const char *sim_output(const struct sim *s)
{
	return s->log.out.s ? s->log.out.s : "";
}

/* The first source line holding mark. */
int sim_line_of(const struct sim *s, const char *mark)
{
	for (int n = 1; n <= s->sc->nlines; n++) {
		size_t len;
		const char *t = scenario_line(s->sc, n, &len);
		size_t k = strlen(mark);
		for (size_t i = 0; t && i + k <= len; i++)
			if (memcmp(t + i, mark, k) == 0)
				return n;
	}
	ck_abort_msg("no line holds '%s'", mark);
	return 0;
}

/* The schedule the run took, as text. */
char *sim_taken(const struct sim *s)
{
	struct buf b = { 0 };
	sched_format(&s->m->taken, &b);
	return at_test_end(buf_take(&b));
}

int main(void)
{
	SRunner *sr = srunner_create(mem_suite());
	srunner_add_suite(sr, heap_suite());
	srunner_add_suite(sr, cpu_suite());
	srunner_add_suite(sr, thread_suite());
	srunner_add_suite(sr, sched_suite());
	srunner_add_suite(sr, sync_suite());
	srunner_add_suite(sr, fault_suite());
	srunner_add_suite(sr, explain_suite());
	srunner_add_suite(sr, memmap_suite());
	srunner_add_suite(sr, session_suite());
	srunner_add_suite(sr, explore_suite());
	srunner_add_suite(sr, delivery_suite());
	srunner_add_suite(sr, coro_suite());
	srunner_add_suite(sr, race_suite());
	srunner_add_suite(sr, closure_suite());
	srunner_add_suite(sr, proc_suite());
	srunner_add_suite(sr, io_suite());
	srunner_add_suite(sr, epoll_suite());
	srunner_add_suite(sr, iopanel_suite());
	srunner_add_suite(sr, export_suite());
	srunner_add_suite(sr, figures_suite());
	srunner_add_suite(sr, compare_suite());
	srunner_add_suite(sr, service_suite());
	srunner_add_suite(sr, runtime_suite());
	srunner_add_suite(sr, container_suite());
	srunner_add_suite(sr, tour_suite());
	srunner_add_suite(sr, quiz_suite());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
