/* compare: a table of runs, one row each. */
#include "compare.h"

#include <string.h>

#include "../lang/ast.h"

void compare_bytes(struct buf *b, uint64_t bytes)
{
	static const char units[] = "KMG";
	if (bytes < 1024) {
		buf_printf(b, "%lluB", (unsigned long long)bytes);
		return;
	}
	uint64_t scale = 1024;
	int u = 0;
	while (u < 2 && bytes >= scale * 1024)
		scale *= 1024, u++;
	/* tenths, rounded to nearest */
	uint64_t t = (bytes * 10 + scale / 2) / scale;
	if (t < 100)
		buf_printf(b, "%llu.%llu%c", (unsigned long long)(t / 10),
			   (unsigned long long)(t % 10), units[u]);
	else
		buf_printf(b, "%llu%c", (unsigned long long)((t + 5) / 10), units[u]);
}

/* The cells, one function a column. */
static void c_name(const struct compare_row *r, struct buf *b)
{
	buf_puts(b, r->name);
}

static void c_end(const struct compare_row *r, struct buf *b)
{
	if (r->f.end == END_LIMIT)
		buf_printf(b, "%s", limit_kinds[r->f.limit].option);
	else
		buf_puts(b, end_status_names[r->f.end]);
}

static void c_exit(const struct compare_row *r, struct buf *b)
{
	buf_printf(b, "%d", r->status);
}

static void c_served(const struct compare_row *r, struct buf *b)
{
	buf_printf(b, "%llu", (unsigned long long)r->f.served);
}

static void c_throughput(const struct compare_row *r, struct buf *b)
{
	uint64_t t = figures_throughput10(&r->f);
	buf_printf(b, "%llu.%llu", (unsigned long long)(t / 10), (unsigned long long)(t % 10));
}

static void c_p50(const struct compare_row *r, struct buf *b)
{
	buf_printf(b, "%llu", (unsigned long long)r->f.lat_p50);
}

static void c_p99(const struct compare_row *r, struct buf *b)
{
	buf_printf(b, "%llu", (unsigned long long)r->f.lat_p99);
}

static void c_max(const struct compare_row *r, struct buf *b)
{
	buf_printf(b, "%llu", (unsigned long long)r->f.lat_max);
}

static void c_tsw(const struct compare_row *r, struct buf *b)
{
	buf_printf(b, "%llu", (unsigned long long)r->f.thread_switches);
}

static void c_psw(const struct compare_row *r, struct buf *b)
{
	buf_printf(b, "%llu", (unsigned long long)r->f.process_switches);
}

static void c_threads(const struct compare_row *r, struct buf *b)
{
	buf_printf(b, "%d", r->f.peak_threads);
}

static void c_procs(const struct compare_row *r, struct buf *b)
{
	buf_printf(b, "%d", r->f.peak_processes);
}

static void c_coros(const struct compare_row *r, struct buf *b)
{
	buf_printf(b, "%d", r->f.peak_coroutines);
}

static void c_conns(const struct compare_row *r, struct buf *b)
{
	buf_printf(b, "%d", r->f.peak_connections);
}

static void c_memory(const struct compare_row *r, struct buf *b)
{
	compare_bytes(b, r->f.peak_memory);
}

static void c_stacks(const struct compare_row *r, struct buf *b)
{
	compare_bytes(b, r->f.peak_stacks);
}

static void c_heap(const struct compare_row *r, struct buf *b)
{
	compare_bytes(b, r->f.peak_heap);
}

static void c_per_conn(const struct compare_row *r, struct buf *b)
{
	int64_t n = figures_memory_per_connection(&r->f);
	if (n < 0)
		buf_puts(b, "-");
	else
		compare_bytes(b, (uint64_t)n);
}

static void c_cpu(const struct compare_row *r, struct buf *b)
{
	for (int c = 0; c < r->f.ncores; c++) {
		uint64_t u = figures_utilisation10(&r->f, c);
		buf_printf(b, "%s%llu", c ? "/" : "", (unsigned long long)((u + 5) / 10));
	}
}

const struct compare_column compare_columns[] = {
	{ "scenario", 1, c_name },
	{ "end", 1, c_end },
	{ "exit", 0, c_exit },
	{ "served", 0, c_served },
	{ "req/1k", 0, c_throughput },
	{ "p50", 0, c_p50 },
	{ "p99", 0, c_p99 },
	{ "max", 0, c_max },
	{ "t-sw", 0, c_tsw },
	{ "p-sw", 0, c_psw },
	{ "thr", 0, c_threads },
	{ "proc", 0, c_procs },
	{ "coro", 0, c_coros },
	{ "conn", 0, c_conns },
	{ "mem", 0, c_memory },
	{ "stacks", 0, c_stacks },
	{ "heap", 0, c_heap },
	{ "mem/conn", 0, c_per_conn },
	{ "cpu%", 1, c_cpu },
};
const size_t compare_ncolumns = ARRAY_LEN(compare_columns);

void compare_print(FILE *out, const struct compare_row *rows, size_t n)
{
	size_t nc = compare_ncolumns;
	struct buf *cells = xcalloc((n + 1) * nc, sizeof *cells);
	size_t *width = xcalloc(nc, sizeof *width);
	for (size_t c = 0; c < nc; c++) {
		buf_puts(&cells[c], compare_columns[c].head);
		for (size_t i = 0; i < n; i++)
			compare_columns[c].cell(&rows[i], &cells[(i + 1) * nc + c]);
		for (size_t i = 0; i <= n; i++)
			if (cells[i * nc + c].len > width[c])
				width[c] = cells[i * nc + c].len;
	}
	for (size_t i = 0; i <= n; i++) {
		struct buf line = { 0 };
		for (size_t c = 0; c < nc; c++) {
			const struct buf *s = &cells[i * nc + c];
			int w = (int)width[c];
			if (c)
				buf_puts(&line, "  ");
			if (compare_columns[c].left && c + 1 == nc)
				buf_puts(&line, s->s);  /* no trailing blanks */
			else
				buf_printf(&line, compare_columns[c].left ? "%-*s" : "%*s", w, s->s);
		}
		fprintf(out, "%s\n", line.s);
		buf_free(&line);
	}
	for (size_t i = 0; i < (n + 1) * nc; i++)
		buf_free(&cells[i]);
	xfree(cells);
	xfree(width);
}
