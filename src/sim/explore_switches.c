/* explore_switches: the failing schedule told with fewer switches.
 *
 * The search finds a shortest failing schedule, but among those of that
 * length that fail the same way it takes the first its order of choices
 * reaches, which may switch threads more often than it needs to: one
 * thread's run cut in two by another's that changes nothing it sees.  A
 * reader follows a schedule by its switches, so here a run is moved
 * next to another run of the same thread, and the move is kept when the
 * schedule has fewer runs and still ends the same way: the same end,
 * verdict, words and output, the outcome the report counts it in.  The
 * steps stay as many, so the schedule stays a shortest one.  Schedules
 * with deliveries of the network keep their order: where a delivery
 * comes is a choice of its own. */
#include "config.h"

#include "explore_int.h"

#include <string.h>

#include "core.h"

/* What a simplification may cost: runs of the program tried, and steps
 * taken by them in all. */
#define MAX_TRIES 4096
#define MAX_TRY_STEPS (1u << 22)

/* A run: steps [at, at + n) of one thread. */
struct run {
	size_t at, n;
	int tid;
};

/* The runs of path[0..n) into r (room for n); how many. */
static size_t runs_of(const int *path, size_t n, struct run *r)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k && r[k - 1].tid == path[i])
			r[k - 1].n++;
		else
			r[k++] = (struct run){ i, 1, path[i] };
	}
	return k;
}

/* Into out, path with the steps [a, b) and [b, c) swapped. */
static void swapped(const int *path, size_t n, size_t a, size_t b, size_t c, int *out)
{
	memcpy(out, path, n * sizeof *out);
	memcpy(out + a, path + b, (c - b) * sizeof *out);
	memcpy(out + a + (c - b), path + a, (b - a) * sizeof *out);
}

int fewer_switches(struct search *s, int *path, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (is_delivery(path[i]))
			return 0;
	uint64_t want[2];
	size_t best;
	if (n < 3 || !path_end(s, path, n, want, &best))
		return 0;
	struct run *r = xmalloc(n * sizeof *r);
	int *try = xmalloc(n * sizeof *try);
	size_t tries = 0, steps = 0;
	int changed = 0, again = 1;
	while (again) {
		again = 0;
		size_t k = runs_of(path, n, r);
		/* run j joins run i of its thread: j moved back after i, or i
		 * moved on before j */
		for (size_t i = 0; i < k && !again; i++)
			for (size_t j = i + 2; j < k && !again; j++) {
				if (r[i].tid != r[j].tid)
					continue;
				for (int side = 0; side < 2 && !again; side++) {
					if (tries == MAX_TRIES || steps + n > MAX_TRY_STEPS)
						goto out;
					tries++;
					steps += n;
					size_t mid = r[i].at + r[i].n, end = r[j].at + r[j].n;
					if (side == 0)
						swapped(path, n, mid, r[j].at, end, try);
					else
						swapped(path, n, r[i].at, mid, r[j].at, try);
					uint64_t h[2];
					size_t runs;
					if (path_end(s, try, n, h, &runs) && runs < best &&
					    h[0] == want[0] && h[1] == want[1]) {
						memcpy(path, try, n * sizeof *path);
						best = runs;
						changed = again = 1;
					}
				}
			}
	}
out:
	xfree(r);
	xfree(try);
	return changed;
}
