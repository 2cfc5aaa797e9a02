/* export: the --export formats, each a watcher of the run that makes the
 * file's text at its end. */
#include "export.h"

#include <string.h>

#include "perfetto.h"

const struct export_info export_formats[EXPORT_COUNT] = {
#define X(id, name, explore, doc) { name, explore, doc },
	EXPORT_FORMATS(X)
#undef X
};

int export_lookup(const char *name)
{
	for (int i = 0; i < EXPORT_COUNT; i++)
		if (!strcmp(export_formats[i].name, name))
			return i;
	return -1;
}

struct exporter {
	enum export_format f;
	const struct scenario *sc;
	struct perfetto *pf;
	struct dot_wait *dw;
	int done;
	struct buf text;
};

/* The run's machine is loaded: start the format's builder. */
static void on_start(void *ctx, const struct machine *m)
{
	struct exporter *x = ctx;
	if (x->f == EXPORT_PERFETTO)
		x->pf = perfetto_new(x->sc, m);
	else
		x->dw = dot_wait_new(x->sc, m);
}

/* One event of the run. */
static void on_event(void *ctx, const struct event *e)
{
	struct exporter *x = ctx;
	if (x->pf)
		perfetto_event(x->pf, e);
	if (x->dw)
		dot_wait_event(x->dw, e);
}

/* The run ended: make the text. */
static void on_end(void *ctx, const struct machine *m)
{
	struct exporter *x = ctx;
	if (x->pf)
		perfetto_finish(x->pf, &x->text);
	if (x->dw)
		dot_wait_write(x->dw, m, &x->text);
	x->done = 1;
}

struct exporter *exporter_new(enum export_format f, const struct scenario *sc)
{
	struct exporter *x = xcalloc(1, sizeof *x);
	x->f = f;
	x->sc = sc;
	return x;
}

struct run_watcher exporter_watcher(struct exporter *x)
{
	return (struct run_watcher){ on_start, on_event, on_end,
				     x->f == EXPORT_PERFETTO ? PERFETTO_EVENTS : DOT_WAIT_EVENTS, x };
}

const struct buf *exporter_text(const struct exporter *x)
{
	return x->done ? &x->text : NULL;
}

void exporter_free(struct exporter *x)
{
	if (!x)
		return;
	perfetto_free(x->pf);
	dot_wait_free(x->dw);
	buf_free(&x->text);
	xfree(x);
}
