/* scenario: running the front end and keeping what the run needs. */
#include "scenario.h"

#include <stdlib.h>
#include <string.h>

#include "codegen.h"
#include "parse.h"
#include "sema.h"

/* Index where each line starts; returns the number of lines. */
static int index_lines(struct scenario *sc)
{
	const char *s = sc->src;
	size_t len = sc->src_len, n = 0, cap = 0;
	for (size_t i = 0; i < len; i++) {
		if (i == 0 || s[i - 1] == '\n') {
			sc->line_start = xgrow(sc->line_start, &cap, n + 1, sizeof *sc->line_start);
			sc->line_start[n++] = i;
		}
	}
	return (int)n;
}

/* Copy a string, or NULL for NULL. */
static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* Copy what the parser found in the directives out of its arena. */
static void keep_directives(struct scenario *sc, struct program *prog)
{
	sc->title = dup_or_null(prog->title);
	sc->description = dup_or_null(prog->description);
	sc->config = prog->config;
	sc->config.schedule = dup_or_null(prog->config.schedule);

	for (struct expect *e = prog->expects; e; e = e->next)
		sc->nexpects++;
	sc->expects = xcalloc(sc->nexpects ? sc->nexpects : 1, sizeof *sc->expects);
	size_t i = 0;
	for (struct expect *e = prog->expects; e; e = e->next, i++) {
		struct scenario_expect *x = &sc->expects[i];
		x->kind = e->kind;
		x->line = e->line;
		x->text = e->text ? xstrndup(e->text, e->text_len) : xstrdup("");
		x->text_len = e->text ? e->text_len : 0;
		x->status = e->status;
		x->func = e->fn ? e->fn->addr : 0;
	}

	for (struct note *n = prog->notes; n; n = n->next)
		sc->nnotes++;
	sc->notes = xcalloc(sc->nnotes ? sc->nnotes : 1, sizeof *sc->notes);
	i = 0;
	for (struct note *n = prog->notes; n; n = n->next, i++)
		sc->notes[i] = (struct scenario_note){ n->trigger, n->at, xstrdup(n->text), n->line };
}

/* A note waiting for a line that has no code would never show. */
static void warn_idle_notes(const struct scenario *sc, struct diags *d)
{
	const struct image *img = sc->image;
	for (size_t i = 0; i < sc->nnotes; i++) {
		const struct scenario_note *n = &sc->notes[i];
		if (n->trigger != NOTE_LINE)
			continue;
		size_t j = 0;
		while (j < img->ncode && img->lines[j] != n->at)
			j++;
		if (j == img->ncode)
			diag_add(d, DIAG_WARNING, n->line, 1,
				 "'#note line %lld': line %lld has no code, so the note would never show",
				 (long long)n->at, (long long)n->at);
	}
}

static struct scenario *compile(const char *name, const char *src, size_t len,
				struct diags *d);

/* Lex, parse, check and compile; an allocation failure is an error. */
struct scenario *scenario_compile(const char *name, const char *src, size_t len,
				  struct diags *d)
{
	struct alloc_scope scope;
	diags_init(d, name, src, len);
	if (setjmp(scope.on_failure)) {
		/* out of memory: everything the compilation allocated, the
		 * diagnostics too, is freed already */
		diags_init(d, name, src, len);
		diag_add(d, DIAG_ERROR, 0, 0, "out of memory");
		return NULL;
	}
	alloc_scope_enter(&scope);
	struct scenario *sc = compile(name, src, len, d);
	alloc_scope_leave(&scope);
	return sc;
}

/* Lex, parse, check and compile, inside an allocation scope. */
static struct scenario *compile(const char *name, const char *src, size_t len,
				struct diags *d)
{
	struct scenario *sc = xcalloc(1, sizeof *sc);
	sc->name = xstrdup(name);
	sc->src = xstrndup(src, len);
	sc->src_len = len;
	sc->nlines = index_lines(sc);
	diags_init(d, sc->name, sc->src, len);

	struct program prog = { 0 };
	parse_program(&prog, sc->src, len, d);
	if (d->errors == 0)
		sema_check(&prog, d, sc->nlines);
	if (d->errors == 0)
		sc->image = codegen(&prog, d);
	if (d->errors == 0) {
		keep_directives(sc, &prog);
		warn_idle_notes(sc, d);
	}
	program_free(&prog);
	if (d->errors) {
		/* the diagnostics point into the name and source: keep them */
		d->file = name;
		d->src = src;
		scenario_free(sc);
		return NULL;
	}
	return sc;
}

/* Free the scenario and everything it owns. */
void scenario_free(struct scenario *sc)
{
	if (!sc)
		return;
	xfree(sc->name);
	xfree(sc->src);
	xfree(sc->line_start);
	xfree(sc->title);
	xfree(sc->description);
	xfree(sc->config.schedule);
	for (size_t i = 0; i < sc->nexpects; i++)
		xfree(sc->expects[i].text);
	xfree(sc->expects);
	for (size_t i = 0; i < sc->nnotes; i++)
		xfree(sc->notes[i].text);
	xfree(sc->notes);
	image_free(sc->image);
	xfree(sc);
}

/* Find source line n. */
const char *scenario_line(const struct scenario *sc, int n, size_t *len)
{
	if (n < 1 || n > sc->nlines)
		return NULL;
	const char *p = sc->src + sc->line_start[n - 1], *end = sc->src + sc->src_len;
	const char *eol = memchr(p, '\n', (size_t)(end - p));
	*len = (size_t)((eol ? eol : end) - p);
	if (*len && p[*len - 1] == '\r')
		(*len)--;
	return p;
}

/* Whether the line p[0..len) is the directive #name. */
static int is_directive(const char *p, size_t len, const char *name)
{
	size_t i = 0, n = strlen(name);
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i >= len || p[i] != '#' || len - i - 1 < n || memcmp(p + i + 1, name, n) != 0)
		return 0;
	i += 1 + n;
	return i == len || p[i] == ' ' || p[i] == '\t';
}

char *scenario_with_schedule(const struct scenario *sc, const struct machine_config *cfg,
			     const char *schedule)
{
	static const char *const settings[] = {
		"cores", "quantum", "policy", "seed", "switch-cost", "process-switch-cost",
		"schedule",
	};
	struct buf b = { 0 };
	for (int n = 1; n <= sc->nlines; n++) {
		size_t len;
		const char *p = scenario_line(sc, n, &len);
		int setting = 0;
		for (size_t i = 0; i < sizeof settings / sizeof *settings; i++)
			setting |= is_directive(p, len, settings[i]);
		if (!setting)
			buf_put(&b, p, len);
		buf_putc(&b, '\n');
	}
	buf_printf(&b, "#cores %d\n#quantum %d\n#seed %llu\n#switch-cost %d\n", cfg->cores,
		   cfg->quantum, (unsigned long long)cfg->seed, cfg->switch_cost);
	if (cfg->process_switch_cost >= 0)
		buf_printf(&b, "#process-switch-cost %d\n", cfg->process_switch_cost);
	buf_printf(&b, "#policy script\n#schedule \"%s\"\n", schedule);
	return b.s;
}
