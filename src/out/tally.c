/* tally: the report of an exploration. */
#include "tally.h"

#include <stdlib.h>
#include <string.h>

#include "../lang/ast.h"
#include "trace.h"

/* Whether expectation x holds for the run that ended in m, having
 * printed out[0..len); what failed goes to why. */
static int holds(const struct scenario_expect *x, const struct machine *m, const char *out,
		 size_t len, struct buf *why)
{
	int64_t v;
	char err[128];
	switch (x->kind) {
	case EXPECT_STATUS:
		if (x->status != m->end || (x->status == END_OK && m->exit_status)) {
			buf_printf(why, "expected the run to end with '%s'", end_status_names[x->status]);
			return 0;
		}
		return 1;
	case EXPECT_OUTPUT:
		if (len != x->text_len || memcmp(out, x->text, len) != 0) {
			buf_puts(why, "not the expected output");
			return 0;
		}
		return 1;
	default:
		if (machine_call(m, 1, x->func, EXPECT_MAX_STEPS, &v, err, sizeof err) < 0 || !v) {
			buf_printf(why, "expectation failed: %.*s", (int)x->text_len, x->text);
			return 0;
		}
		return 1;
	}
}

enum verdict tally_judge(void *ctx, const struct machine *m, const char *out, size_t len,
			 struct buf *why)
{
	const struct scenario *sc = ctx;
	switch (m->end) {
	case END_OK:
		if (m->exit_status)
			buf_printf(why, "main returned %lld", (long long)m->exit_status);
		break;
	case END_ASSERT:
		buf_printf(why, "assertion failed: %s", m->text);
		break;
	case END_FAULT:
		buf_printf(why, "killed by a fault: %s", fault_names[m->fault]);
		break;
	case END_DEADLOCK:
		buf_puts(why, "deadlock");
		break;
	case END_LIMIT:
		buf_printf(why, "stopped: out of %s (--%s)", limit_kinds[m->limit].what,
			   limit_kinds[m->limit].option);
		return VERDICT_LIMIT;
	}
	int failed = 0, status_given = 0;
	for (size_t i = 0; i < sc->nexpects; i++) {
		const struct scenario_expect *x = &sc->expects[i];
		status_given |= x->kind == EXPECT_STATUS;
		struct buf b = { 0 };
		if (!holds(x, m, out, len, &b)) {
			buf_printf(why, "%s%s", why->len ? "; " : "", b.s);
			failed = 1;
		}
		buf_free(&b);
	}
	int ended_well = m->end == END_OK && m->exit_status == 0;
	return failed || (!status_given && !ended_well) ? VERDICT_FAILED : VERDICT_OK;
}

/* Outcomes in the order they are listed: the good ones first, then by
 * how many schedules end so. */
static int by_listing(const void *a, const void *b)
{
	const struct explore_outcome *x = *(const struct explore_outcome *const *)a;
	const struct explore_outcome *y = *(const struct explore_outcome *const *)b;
	if (x->verdict != y->verdict)
		return x->verdict < y->verdict ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* What the search covered, in words. */
static void coverage(const struct explore_result *r, const struct tally_options *o,
		     struct buf *b)
{
	switch (r->stop) {
	case EXPLORE_COMPLETE:
		if (r->cut_by_bound && r->cut_by_early)
			buf_printf(b, "every schedule with at most %d preemption%s and %d early "
				   "deliver%s explored", o->max_preemptions,
				   o->max_preemptions == 1 ? "" : "s", o->max_early,
				   o->max_early == 1 ? "y" : "ies");
		else if (r->cut_by_bound)
			buf_printf(b, "every schedule with at most %d preemption%s explored",
				   o->max_preemptions, o->max_preemptions == 1 ? "" : "s");
		else if (r->cut_by_early)
			buf_printf(b, "every schedule with at most %d early deliver%s explored "
				   "(--max-early-deliveries)", o->max_early,
				   o->max_early == 1 ? "y" : "ies");
		else
			buf_puts(b, "every schedule explored");
		break;
	case EXPLORE_STATES:
		buf_printf(b, "stopped after %llu states (--max-states): not every schedule "
			   "was explored", (unsigned long long)o->max_states);
		break;
	case EXPLORE_THREADS:
		buf_printf(b, "stopped: more than %d threads, the most a search follows",
			   EXPLORE_MAX_THREADS);
		break;
	case EXPLORE_CLIENTS:
		buf_printf(b, "stopped: more than %d clients, the most a search follows",
			   EXPLORE_MAX_CLIENTS);
		break;
	case EXPLORE_DEPTH:
		buf_printf(b, "stopped: a schedule was too long to follow (over %d steps, or "
			   "over %d of them with choices left)", EXPLORE_MAX_DEPTH, EXPLORE_MAX_HELD);
		break;
	case EXPLORE_INTERRUPTED:
		buf_puts(b, "interrupted");
		break;
	}
}

/* Replay the failing schedule as a headless run would, its report on
 * err; returns the run's status. */
static int replay(const struct scenario *sc, const struct machine_config *cfg,
		  const struct limits *lim, const char *schedule, const struct tally_options *o)
{
	struct machine_config c = *cfg;
	c.schedule = (char *)schedule;
	c.policy = POLICY_SCRIPT;
	struct run_options ro = { .err = o->err, .interrupted = o->interrupted };
	return run_scenario(sc, &c, lim, &ro);
}

int tally_scenario(const struct scenario *sc, const struct machine_config *cfg,
		   const struct limits *lim, const struct tally_options *o)
{
	struct explore_options eo = {
		.max_preemptions = o->max_preemptions, .no_reduction = o->no_reduction,
		.bound_early = o->max_early >= 0, .max_early = o->max_early,
		.max_states = o->max_states, .judge = tally_judge, .judge_ctx = (void *)sc,
		.interrupted = o->interrupted, .on_step = o->on_step, .step_ctx = o->step_ctx,
		.jobs = o->jobs,
	};
	struct explore_result r;
	char err[256];
	if (explore(sc->image, cfg, lim, &eo, &r, err, sizeof err) < 0) {
		fprintf(o->err, "threadlab: %s\n", err);
		return RUN_BAD;
	}
	if (r.stop == EXPLORE_INTERRUPTED) {
		explore_result_free(&r);
		return RUN_INTERRUPTED;
	}
	struct buf b = { 0 };
	coverage(&r, o, &b);
	fprintf(o->out, "%s: %llu%s schedule%s; %s (%llu states, %llu steps run",
		sc->name, (unsigned long long)r.schedules, r.saturated ? " or more" : "",
		r.schedules == 1 ? "" : "s", b.s, (unsigned long long)r.states,
		(unsigned long long)r.steps);
	if (!o->no_reduction)
		fprintf(o->out, ", one schedule per class of equivalent ones");
	if (r.cycles)
		fprintf(o->out, ", %llu cut where a schedule came back to a state it had been in",
			(unsigned long long)r.cycles);
	fprintf(o->out, ")\n");

	const struct explore_outcome **list = xmalloc((r.noutcomes + 1) * sizeof *list);
	int limited = 0;
	for (size_t i = 0; i < r.noutcomes; i++) {
		list[i] = &r.outcomes[i];
		limited |= r.outcomes[i].verdict == VERDICT_LIMIT;
	}
	qsort(list, r.noutcomes, sizeof *list, by_listing);
	static const char *const verdicts[] = { "ok", "FAILED", "limit" };
	for (size_t i = 0; i < r.noutcomes; i++) {
		const struct explore_outcome *x = list[i];
		b.len = 0;
		trace_quote(&b, x->out, x->outlen);
		fprintf(o->out, "  %-6s %12llu%s  %s%s%s\n", verdicts[x->verdict],
			(unsigned long long)x->count, x->saturated ? "+" : "", b.s,
			*x->why ? "  " : "", x->why);
	}
	xfree(list);

	int status = RUN_OK;
	if (r.failed >= 0) {
		const struct explore_outcome *x = &r.outcomes[r.failed];
		fprintf(o->out, "schedule: %s\n", x->schedule);
		fflush(o->out);
		status = RUN_FAILED;
		int again = replay(sc, cfg, lim, x->schedule, o);
		if (again == RUN_INTERRUPTED) {
			status = RUN_INTERRUPTED;
		} else if (again != RUN_FAILED) {
			fprintf(o->err, "threadlab: internal error: the failing schedule did not "
				"fail when replayed\n");
			status = RUN_BAD;
		}
	} else if (r.stop != EXPLORE_COMPLETE || limited) {
		status = RUN_LIMIT;
	}
	buf_free(&b);
	explore_result_free(&r);
	return status;
}
