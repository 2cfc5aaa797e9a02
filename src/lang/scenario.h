/* scenario: a compiled scenario file — its program image, machine
 * settings, expectations and narration.  scenario_compile() is the one
 * entry to the language front end: lex, parse, check, generate. */
#ifndef THREADLAB_SCENARIO_H
#define THREADLAB_SCENARIO_H

#include <stddef.h>

#include "../sim/settings.h"
#include "ast.h"
#include "diag.h"
#include "image.h"

struct scenario_expect {
	enum expect_kind kind;
	int line;
	char *text;             /* the condition's source, or the expected output */
	size_t text_len;
	int status;             /* EXPECT_STATUS: enum end_status */
	uint64_t func;          /* EXPECT_COND: code address of its function */
};

struct scenario_note {
	enum note_trigger trigger;
	int64_t at;             /* tick, line, or enum note_event */
	char *text;
	int line;
};

struct scenario {
	char *name;             /* as given: a path or a bundled name */
	char *src;              /* the source text, NUL-terminated */
	size_t src_len;
	int nlines;
	size_t *line_start;     /* offset of each line in src: [0] is line 1 */
	char *title, *description;      /* NULL when not given */
	struct machine_config config;
	struct scenario_expect *expects;
	size_t nexpects;
	struct scenario_note *notes;
	size_t nnotes;
	struct image *image;
};

/* Compile src (len bytes, copied) named name.  Returns the scenario, or
 * NULL when there were errors; d (initialised by the call, freed by the
 * caller) holds the diagnostics either way. */
struct scenario *scenario_compile(const char *name, const char *src, size_t len,
				  struct diags *d);

void scenario_free(struct scenario *sc);

/* The text of source line n (1-based) without its newline; its length
 * in *len.  NULL when there is no such line. */
const char *scenario_line(const struct scenario *sc, int n, size_t *len);

/* The scenario's source with the machine settings of cfg and the
 * schedule given (and the script policy, which replays it): the lines of
 * its own settings are left empty, so every other line keeps its number,
 * and the new ones are added at the end.  The caller frees the text. */
char *scenario_with_schedule(const struct scenario *sc, const struct machine_config *cfg,
			     const char *schedule);

#endif
