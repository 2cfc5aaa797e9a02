/* timetravel: how fast the screen's session goes forward, goes back one
 * tick and jumps to a tick, on bench/counter.scn (or the scenario given).
 * Usage: bench/timetravel [FILE] [TICK]   (TICK default 1000000)
 * Prints, for each operation, the best and the worst of 20 tries in
 * milliseconds, the snapshots kept and the peak memory.  Not a test: it
 * asserts nothing; the figures go into issue notes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "lang/scenario.h"
#include "ui/session.h"

/* Milliseconds on the host's monotonic clock. */
static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Read the whole file at path. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(2);
	}
	struct buf b = { 0 };
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_put(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return buf_take(&b);
}

/* Report the best and worst of the times t[0..n). */
static void report(const char *what, const double *t, int n)
{
	double lo = t[0], hi = t[0];
	for (int i = 1; i < n; i++) {
		lo = t[i] < lo ? t[i] : lo;
		hi = t[i] > hi ? t[i] : hi;
	}
	printf("%-34s best %8.3f ms   worst %8.3f ms\n", what, lo, hi);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "bench/counter.scn";
	uint64_t at = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
	size_t len;
	char *src = slurp(path, &len);
	struct diags d;
	struct scenario *sc = scenario_compile(path, src, len, &d);
	if (!sc) {
		fprintf(stderr, "%s does not compile\n", path);
		return 2;
	}
	struct limits lim = { DEFAULT_MAX_STEPS, DEFAULT_MAX_THREADS, DEFAULT_MAX_MEMORY,
			      DEFAULT_MAX_PROCESSES };
	char err[256];
	int code;
	struct session *s = session_new(sc, &sc->config, &lim, err, sizeof err, &code);
	if (!s) {
		fprintf(stderr, "%s\n", err);
		return code;
	}
	double t0 = now_ms();
	session_goto(s, at);
	double fwd = now_ms() - t0;
	printf("forward to tick %llu: %.1f ms (%.1f million ticks/s), %zu snapshots, "
	       "every %llu ticks now\n", (unsigned long long)session_tick(s), fwd,
	       (double)session_tick(s) / fwd / 1e3, s->nsnaps, (unsigned long long)s->snap_every);

	enum { TRIES = 20 };
	double t[TRIES];
	for (int i = 0; i < TRIES; i++) {
		t0 = now_ms();
		session_back(s);
		t[i] = now_ms() - t0;
	}
	report("back one tick (b)", t, TRIES);
	for (int i = 0; i < TRIES; i++) {
		t0 = now_ms();
		session_step(s);
		t[i] = now_ms() - t0;
	}
	report("forward one tick (n)", t, TRIES);
	for (int i = 0; i < TRIES; i++) {
		uint64_t to = at / 2 + (uint64_t)i * 7919;
		t0 = now_ms();
		session_goto(s, to);
		t[i] = now_ms() - t0;
		session_goto(s, at);
	}
	report("go back to a tick far behind (g)", t, TRIES);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("peak memory: %ld KiB\n", ru.ru_maxrss);
	session_free(s);
	scenario_free(sc);
	diags_free(&d);
	free(src);
	return 0;
}
