/* fuzz_screen: a libFuzzer target for what the screen reads — compile any
 * bytes and, when they compile, watch the program in a session under
 * small limits: step through it, say every event as a sentence, lay its
 * memory out every few ticks, and check the session's promise: steps
 * forward and as many back give back the same history. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lang/scenario.h"
#include "out/explain.h"
#include "ui/memmap.h"
#include "ui/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROWS 256

/* Fold n bytes at p into the FNV-1a hash h. */
static uint64_t fold(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* A hash of everything the screen reads from the session at its tick. */
static uint64_t model(const struct session *s)
{
	uint64_t h = 14695981039346656037ull, t = session_tick(s);
	h = fold(h, &t, sizeof t);
	for (uint64_t k = t > SS_WINDOW ? t - SS_WINDOW : 0; k < t; k++) {
		const struct ss_tick *r = session_timeline(s, k);
		if (r)
			h = fold(h, r, sizeof *r);
	}
	for (size_t i = 0; session_event(s, i); i++)
		h = fold(h, session_event(s, i)->text, strlen(session_event(s, i)->text));
	const struct ss_access *acc;
	size_t n = session_accesses(s, &acc);
	h = fold(h, acc, n * sizeof *acc);
	for (int c = 0; c < s->m.ncores; c++)
		h = fold(h, session_core(s, c), sizeof *session_core(s, c));
	for (size_t i = 0; session_note(s, i); i++)
		h = fold(h, session_note(s, i), sizeof *session_note(s, i));
	return fold(h, s->out.s ? s->out.s : "", s->out.len);
}

/* Lay the memory out and check every row is whole. */
static void lay_out(const struct session *s, struct mm_row *rows, int ascii)
{
	const struct ss_access *acc;
	size_t nacc = session_accesses(s, &acc);
	struct mm_access ma[SS_ACCESSES];
	for (size_t i = 0; i < nacc; i++)
		ma[i] = (struct mm_access){ acc[i].addr, acc[i].how, acc[i].tid, acc[i].pid };
	size_t n = memmap_build(s->sc, &s->m, 1, ma, nacc, ascii, rows, ROWS);
	if (n > ROWS)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!memchr(rows[i].text, 0, sizeof rows[i].text))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d;
	struct scenario *sc = scenario_compile("fuzz.scn", (const char *)data, size, &d);
	diags_free(&d);
	if (!sc)
		return 0;
	struct machine_config cfg = sc->config;
	if (cfg.cores > 4)
		cfg.cores = 4;
	if (cfg.switch_cost > 8)
		cfg.switch_cost = 8;
	struct limits lim = { .max_steps = 5000, .max_threads = 32, .max_memory = 4u << 20 };
	char err[256];
	int code;
	struct session *s = session_new(sc, &cfg, &lim, err, sizeof err, &code);
	struct mm_row *rows = malloc(ROWS * sizeof *rows);
	if (!s || !rows) {
		session_free(s);
		free(rows);
		scenario_free(sc);
		return 0;
	}
	for (uint64_t k = 1; k < 3000 && session_step(s); k++) {
		if (k % 29 == 0)
			lay_out(s, rows, (int)(k & 1));
		if (k % 97 == 0) {
			uint64_t before = model(s), at = session_tick(s);
			for (int i = 0; i < 7; i++)
				session_step(s);
			for (int i = 0; i < 7 && session_tick(s) > at; i++)
				session_back(s);
			if (session_tick(s) != at || model(s) != before)
				abort();
		}
	}
	lay_out(s, rows, 0);
	struct buf b = { 0 };
	explain_end(sc, &s->m, &b);
	buf_free(&b);
	session_free(s);
	free(rows);
	scenario_free(sc);
	return 0;
}
