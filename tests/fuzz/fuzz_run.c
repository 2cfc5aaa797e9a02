/* fuzz_run: a libFuzzer target for the simulator — compile any bytes and,
 * when they compile, run the program under small limits with every event
 * formatted as a trace line.  It also checks two promises: the machine
 * is a plain value (a copy taken halfway continues exactly as the
 * original did), and watching instructions changes nothing (a run that
 * does not, and so goes in bursts, gives the same other events). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lang/scenario.h"
#include "out/trace.h"
#include "sim/machine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct hasher {
	struct tracer *tr;
	struct buf line;
	uint64_t hash;          /* of every line but the instructions' */
	uint64_t events;
};

/* Fold the trace line of each event but an instruction into a hash
 * (FNV-1a); every line is formatted all the same. */
static void on_event(void *ctx, const struct event *e)
{
	struct hasher *h = ctx;
	h->line.len = 0;
	trace_format(h->tr, e, &h->line);
	if (e->kind == EV_EXEC)
		return;
	for (size_t i = 0; i < h->line.len; i++)
		h->hash = (h->hash ^ (uint8_t)h->line.s[i]) * 0x100000001b3ull;
	h->events++;
}

/* Settings small enough for a fuzzer: few cores, cheap switches. */
static void small_config(const struct scenario *sc, struct machine_config *cfg,
			 struct limits *lim)
{
	*cfg = sc->config;
	if (cfg->cores > 4)
		cfg->cores = 4;
	if (cfg->switch_cost > 8)
		cfg->switch_cost = 8;
	*lim = (struct limits){ .max_steps = 20000, .max_threads = 32, .max_memory = 4u << 20 };
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d;
	struct scenario *sc = scenario_compile("fuzz.scn", (const char *)data, size, &d);
	diags_free(&d);
	if (!sc)
		return 0;
	struct machine_config cfg;
	struct limits lim;
	small_config(sc, &cfg, &lim);
	struct machine *a = malloc(sizeof *a), *b = malloc(sizeof *b), *c = malloc(sizeof *c);
	char err[256];
	if (!a || !b || !c || machine_init(a, sc->image, &cfg, &lim, err, sizeof err) < 0) {
		free(a), free(b), free(c);
		scenario_free(sc);
		return 0;
	}

	/* the whole run, its trace hashed */
	struct hasher ha = { .tr = trace_new(sc, a, NULL), .hash = 14695981039346656037ull };
	machine_set_sink(a, (struct event_sink){ on_event, &ha, EV_ALL });
	machine_run(a, 0);
	for (size_t i = 0; i < sc->nexpects; i++) {
		int64_t v;
		if (sc->expects[i].kind == EXPECT_COND)
			machine_call(a, 1, sc->expects[i].func, 1000, &v, err, sizeof err);
	}

	/* again, unwatched and copied at half time: the same events */
	uint64_t unwatched = EV_ALL & ~EV_BIT(EV_EXEC);
	machine_init(b, sc->image, &cfg, &lim, err, sizeof err);
	struct hasher hb = { .tr = trace_new(sc, b, NULL), .hash = 14695981039346656037ull };
	machine_set_sink(b, (struct event_sink){ on_event, &hb, unwatched });
	machine_run(b, a->tick / 2);
	machine_copy(c, b);
	machine_done(b);
	trace_free(hb.tr);
	hb.tr = trace_new(sc, c, NULL);
	machine_set_sink(c, (struct event_sink){ on_event, &hb, unwatched });
	machine_run(c, 0);
	if (hb.hash != ha.hash || hb.events != ha.events || c->tick != a->tick ||
	    c->end != a->end || c->insns != a->insns)
		abort();

	trace_free(ha.tr);
	trace_free(hb.tr);
	buf_free(&ha.line);
	buf_free(&hb.line);
	machine_done(a);
	machine_done(c);
	free(a), free(b), free(c);
	scenario_free(sc);
	return 0;
}
