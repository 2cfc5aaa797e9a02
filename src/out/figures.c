/* figures: the measures of a run, gathered from its events. */
#include "figures.h"

#include <stdlib.h>
#include <string.h>

#include "../lang/ast.h"

struct figures_watch {
	const struct machine *m;
	struct figures f;
	uint64_t *lat;                  /* the latencies, in the order of the replies */
	size_t cap_lat;
	int threads, procs, coros;      /* alive now */
	uint64_t stack_each;            /* a thread's stack and TLS block */
	uint64_t image;                 /* a process's code, rodata and data */
	int core_tid[CONFIG_MAX_CORES]; /* the thread each core runs (0: idle) */
	uint64_t since[CONFIG_MAX_CORES];       /* ... since this tick */
};

/* Bytes rounded up to whole pages. */
static uint64_t pages_of(uint64_t bytes)
{
	return (bytes + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
}

struct figures_watch *figures_new(void)
{
	return xcalloc(1, sizeof(struct figures_watch));
}

void figures_free(struct figures_watch *w)
{
	if (!w)
		return;
	xfree(w->lat);
	xfree(w);
}

const struct figures *figures_get(const struct figures_watch *w)
{
	return &w->f;
}

/* The heap bytes in use in the processes that have not ended. */
static uint64_t heap_now(const struct machine *m)
{
	uint64_t n = 0;
	for (int pid = 1; pid <= m->nprocs; pid++) {
		const struct process *p = machine_proc(m, pid);
		if (p->state == PS_LIVE)
			n += p->heap.in_use;
	}
	return n;
}

/* Take the memory as it is now into the peaks. */
static void sample(struct figures_watch *w)
{
	struct figures *f = &w->f;
	uint64_t stacks = (uint64_t)w->threads * w->stack_each;
	uint64_t heap = heap_now(w->m);
	uint64_t total = stacks + heap + (uint64_t)w->procs * w->image;
	if (stacks > f->peak_stacks)
		f->peak_stacks = stacks;
	if (heap > f->peak_heap)
		f->peak_heap = heap;
	if (total > f->peak_memory)
		f->peak_memory = total;
	if (w->threads > f->peak_threads)
		f->peak_threads = w->threads;
	if (w->procs > f->peak_processes)
		f->peak_processes = w->procs;
	if (w->coros > f->peak_coroutines)
		f->peak_coroutines = w->coros;
}

/* The program is loaded: one process, one thread. */
static void on_start(void *ctx, const struct machine *m)
{
	struct figures_watch *w = ctx;
	const struct image *img = m->img;
	w->m = m;
	w->threads = 1;
	w->procs = 1;
	w->stack_each = STACK_SIZE + pages_of(img->tls_size);
	uint64_t data = img->bss_addr + img->bss_size > DATA_BASE ?
			img->bss_addr + img->bss_size - DATA_BASE : 0;
	w->image = pages_of(img->ncode * INSN_SIZE) + pages_of(img->rodata_size) + pages_of(data);
	w->f.ncores = m->ncores;
	sample(w);
	w->f.base_memory = w->f.peak_memory;
}

/* A reply reached a client that waited for it: one latency more. */
static void replied(struct figures_watch *w, const struct event *e)
{
	const struct client *cl = net_client(w->m, e->other);
	if (!e->a || !cl || cl->state != CL_WAITING)
		return;
	if (w->f.nlat == w->cap_lat)
		w->lat = xgrow(w->lat, &w->cap_lat, w->f.nlat + 1, sizeof *w->lat);
	w->lat[w->f.nlat++] = e->tick - cl->sent;
}

/* One event of the run. */
static void on_event(void *ctx, const struct event *e)
{
	struct figures_watch *w = ctx;
	switch (e->kind) {
	case EV_SWITCH:
		if (e->core >= 0 && e->core < CONFIG_MAX_CORES) {
			if (w->core_tid[e->core])
				w->f.busy[e->core] += e->tick - w->since[e->core];
			w->core_tid[e->core] = e->tid;
			w->since[e->core] = e->tick;
		}
		if (e->tid && e->other) {
			if (e->space)
				w->f.process_switches++;
			else
				w->f.thread_switches++;
		}
		return;
	case EV_REPLY:
		replied(w, e);
		return;
	case EV_SPAWN: w->threads++; break;
	case EV_EXIT: w->threads--; break;
	case EV_FORK: w->threads++, w->procs++; break;
	case EV_PEXIT: w->procs--; break;
	case EV_CO_CREATE: w->coros++; break;
	case EV_CO_RETURN: w->coros--; break;
	default: break;         /* MALLOC, FREE, CLOSURE: the heap changed */
	}
	sample(w);
}

/* Latencies in increasing order. */
static int by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* The run has ended: close the cores' busy spells, sort the latencies. */
static void on_end(void *ctx, const struct machine *m)
{
	struct figures_watch *w = ctx;
	struct figures *f = &w->f;
	f->ticks = m->tick;
	for (int c = 0; c < m->ncores && c < CONFIG_MAX_CORES; c++)
		if (w->core_tid[c]) {
			f->busy[c] += m->tick - w->since[c];
			w->core_tid[c] = 0;
		}
	f->served = 0;
	for (int i = 1; net_client(m, i); i++)
		f->served += (uint64_t)net_client(m, i)->replies;
	f->peak_connections = net_peak_connections(m);
	if (f->nlat)     /* no latencies: no array either */
		qsort(w->lat, f->nlat, sizeof *w->lat, by_value);
	f->lat_p50 = figures_percentile(w->lat, f->nlat, 50);
	f->lat_p99 = figures_percentile(w->lat, f->nlat, 99);
	f->lat_max = f->nlat ? w->lat[f->nlat - 1] : 0;
	f->end = m->end;
	f->limit = m->limit;
}

struct run_watcher figures_watcher(struct figures_watch *w)
{
	uint64_t mask = EV_BIT(EV_SWITCH) | EV_BIT(EV_REPLY) | EV_BIT(EV_SPAWN) |
			EV_BIT(EV_EXIT) | EV_BIT(EV_FORK) | EV_BIT(EV_PEXIT) |
			EV_BIT(EV_CO_CREATE) | EV_BIT(EV_CO_RETURN) | EV_BIT(EV_MALLOC) |
			EV_BIT(EV_FREE) | EV_BIT(EV_CLOSURE);
	return (struct run_watcher){ on_start, on_event, on_end, mask, w };
}

uint64_t figures_percentile(const uint64_t *sorted, uint64_t n, int p)
{
	if (!n || p <= 0)
		return 0;
	if (p > 100)
		p = 100;
	uint64_t rank = ((uint64_t)p * n + 99) / 100;  /* ceil(p/100 * n), from 1 */
	return sorted[(rank ? rank : 1) - 1];
}

uint64_t figures_throughput10(const struct figures *f)
{
	return f->ticks ? (f->served * 10000 + f->ticks / 2) / f->ticks : 0;
}

int64_t figures_memory_per_connection(const struct figures *f)
{
	if (f->peak_connections <= 0)
		return -1;
	return (int64_t)((f->peak_memory - f->base_memory) / (uint64_t)f->peak_connections);
}

uint64_t figures_utilisation10(const struct figures *f, int c)
{
	if (c < 0 || c >= f->ncores || !f->ticks)
		return 0;
	return (f->busy[c] * 1000 + f->ticks / 2) / f->ticks;
}

void figures_print_stats(const struct figures *f, FILE *out)
{
	uint64_t t = figures_throughput10(f);
	int64_t per = figures_memory_per_connection(f);
	fprintf(out, "requests_served: %llu\n", (unsigned long long)f->served);
	fprintf(out, "throughput_per_1000_ticks: %llu.%llu\n", (unsigned long long)(t / 10),
		(unsigned long long)(t % 10));
	fprintf(out, "latency_p50_ticks: %llu\n", (unsigned long long)f->lat_p50);
	fprintf(out, "latency_p99_ticks: %llu\n", (unsigned long long)f->lat_p99);
	fprintf(out, "latency_max_ticks: %llu\n", (unsigned long long)f->lat_max);
	fprintf(out, "thread_switches: %llu\n", (unsigned long long)f->thread_switches);
	fprintf(out, "peak_threads: %d\n", f->peak_threads);
	fprintf(out, "peak_processes: %d\n", f->peak_processes);
	fprintf(out, "peak_coroutines: %d\n", f->peak_coroutines);
	fprintf(out, "peak_connections: %d\n", f->peak_connections);
	fprintf(out, "peak_memory_bytes: %llu\n", (unsigned long long)f->peak_memory);
	fprintf(out, "peak_stacks_bytes: %llu\n", (unsigned long long)f->peak_stacks);
	fprintf(out, "peak_heap_bytes: %llu\n", (unsigned long long)f->peak_heap);
	if (per >= 0)
		fprintf(out, "memory_per_connection_bytes: %lld\n", (long long)per);
	else
		fprintf(out, "memory_per_connection_bytes: none\n");
	for (int c = 0; c < f->ncores; c++) {
		uint64_t u = figures_utilisation10(f, c);
		fprintf(out, "cpu_utilisation.core%d: %llu.%llu\n", c, (unsigned long long)(u / 10),
			(unsigned long long)(u % 10));
	}
}
