/* export: the formats --export writes and the run watchers that make
 * them.  A format is one table line: its name, what it holds, and
 * whether it goes with --explore.  The text is made in memory; the
 * caller writes it whole or not at all. */
#ifndef THREADLAB_EXPORT_H
#define THREADLAB_EXPORT_H

#include "../lang/scenario.h"
#include "dot.h"
#include "run.h"

/* X(NAME, "name", goes with --explore, "what it holds") */
#define EXPORT_FORMATS(X)                                                   \
	X(PERFETTO, "perfetto", 0, "Chrome Trace Event Format JSON of the run") \
	X(DOT,      "dot",      1, "Graphviz DOT: the wait-for graph, or the state graph") \

enum export_format {
#define X(id, name, explore, doc) EXPORT_##id,
	EXPORT_FORMATS(X)
#undef X
	EXPORT_COUNT
};

extern const struct export_info {
	const char *name;
	int explore;            /* it can export an exploration */
	const char *doc;
} export_formats[EXPORT_COUNT];

/* The format named name, or -1. */
int export_lookup(const char *name);

struct exporter;

/* An exporter of format f for a run of sc. */
struct exporter *exporter_new(enum export_format f, const struct scenario *sc);
/* The watcher that feeds it; valid while it lives. */
struct run_watcher exporter_watcher(struct exporter *x);
/* The file's text once the run ended (NULL when it did not). */
const struct buf *exporter_text(const struct exporter *x);
void exporter_free(struct exporter *x);

#endif
