/* fuzz_explore: a libFuzzer target for the explorer — compile any bytes
 * and, when they compile, explore the program under small limits, with
 * reduction and without.  It checks what the search promises: the
 * outcomes' counts add up to the schedules, every outcome's schedule
 * replays to that outcome, and reduction loses no outcome. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lang/ast.h"
#include "lang/scenario.h"
#include "out/tally.h"
#include "sim/explore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The tally's judge, on a scenario. */
static struct explore_result search(const struct scenario *sc, const struct machine_config *cfg,
				    const struct limits *lim, int reduction)
{
	struct explore_options o = { .max_preemptions = 2, .no_reduction = !reduction,
				     .max_states = 3000, .judge = tally_judge,
				     .judge_ctx = (void *)sc };
	struct explore_result r;
	char err[256];
	if (explore(sc->image, cfg, lim, &o, &r, err, sizeof err) < 0)
		memset(&r, 0, sizeof r), r.stop = EXPLORE_STATES;
	return r;
}

/* Whether the outcome x is among r's (same end, status and output). */
static int has(const struct explore_result *r, const struct explore_outcome *x)
{
	for (size_t i = 0; i < r->noutcomes; i++) {
		const struct explore_outcome *y = &r->outcomes[i];
		if (y->end == x->end && y->exit_status == x->exit_status &&
		    y->outlen == x->outlen && memcmp(y->out, x->out, x->outlen) == 0)
			return 1;
	}
	return 0;
}

/* The sink of a replay: keep what is printed. */
static void on_print(void *ctx, const struct event *e)
{
	buf_put(ctx, e->text, e->len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d;
	struct scenario *sc = scenario_compile("fuzz.scn", (const char *)data, size, &d);
	diags_free(&d);
	if (!sc)
		return 0;
	struct machine_config cfg = sc->config;
	cfg.schedule = NULL;
	if (cfg.cores > 4)
		cfg.cores = 4;
	if (cfg.switch_cost > 8)
		cfg.switch_cost = 8;
	struct limits lim = { .max_steps = 3000, .max_threads = 8, .max_memory = 4u << 20 };
	struct explore_result a = search(sc, &cfg, &lim, 1);

	uint64_t sum = 0;
	for (size_t i = 0; i < a.noutcomes; i++)
		sum += a.outcomes[i].count;
	if (a.stop == EXPLORE_COMPLETE && !a.saturated && sum != a.schedules)
		abort();

	/* each outcome's schedule replays to it */
	for (size_t i = 0; i < a.noutcomes && i < 8; i++) {
		const struct explore_outcome *x = &a.outcomes[i];
		struct machine_config c = cfg;
		c.schedule = x->schedule;
		c.policy = POLICY_SCRIPT;
		struct machine *m = malloc(sizeof *m);
		struct buf out = { 0 };
		char err[256];
		if (!m || machine_init(m, sc->image, &c, &lim, err, sizeof err) < 0)
			abort();
		machine_set_sink(m, (struct event_sink){ on_print, &out, EV_BIT(EV_PRINT) });
		machine_run(m, 0);
		if (m->end != x->end || m->exit_status != x->exit_status || out.len != x->outlen ||
		    (out.len && memcmp(out.s, x->out, out.len) != 0))
			abort();
		buf_free(&out);
		machine_done(m);
		free(m);
	}

	/* reduction keeps every outcome when both searches are whole */
	struct explore_result b = search(sc, &cfg, &lim, 0);
	if (a.stop == EXPLORE_COMPLETE && b.stop == EXPLORE_COMPLETE && !a.cycles && !b.cycles &&
	    !a.cut_by_bound && !b.cut_by_bound)
		for (size_t i = 0; i < b.noutcomes; i++)
			if (!has(&a, &b.outcomes[i]) || (i < a.noutcomes && !has(&b, &a.outcomes[i])))
				abort();
	explore_result_free(&a);
	explore_result_free(&b);
	scenario_free(sc);
	return 0;
}
