/* diag: collecting and formatting compiler diagnostics. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>

/* Start an empty list for file (whose text is src). */
void diags_init(struct diags *d, const char *file, const char *src, size_t len)
{
	*d = (struct diags){ .file = file, .src = src, .src_len = len };
}

/* Free the messages. */
void diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		xfree(d->v[i].msg);
	xfree(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

/* Record a diagnostic; after DIAG_MAX_ERRORS errors, stop recording. */
void diag_add(struct diags *d, enum diag_level level, int line, int col,
	      const char *fmt, ...)
{
	if (d->stopped)
		return;
	if (level == DIAG_ERROR && d->errors == DIAG_MAX_ERRORS) {
		d->stopped = 1;
		return;
	}
	struct buf b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	d->v = xgrow(d->v, &d->cap, d->n + 1, sizeof *d->v);
	d->v[d->n++] = (struct diag){ level, line, col, buf_take(&b) };
	if (level == DIAG_ERROR)
		d->errors++;
	else if (level == DIAG_WARNING)
		d->warnings++;
}

static const char *const level_names[] = {
	[DIAG_ERROR] = "error", [DIAG_WARNING] = "warning", [DIAG_NOTE] = "note",
};

/* Append "file:line:col: level: message". */
void diag_format_one(const struct diags *d, size_t i, struct buf *out)
{
	const struct diag *g = &d->v[i];
	if (g->line > 0)
		buf_printf(out, "%s:%d:%d: %s: %s", d->file, g->line, g->col,
			   level_names[g->level], g->msg);
	else
		buf_printf(out, "%s: %s: %s", d->file, level_names[g->level], g->msg);
}

/* Longest stretch of a source line shown under a diagnostic. */
#define EXCERPT 100

/* Append the source line of g (a window of it when long) and a caret. */
static void format_excerpt(const struct diags *d, const struct diag *g,
			   struct buf *out)
{
	const char *p = d->src, *end = d->src + d->src_len;
	for (int line = 1; line < g->line && p < end; p++)
		if (*p == '\n')
			line++;
	if (p >= end && g->col > 1)
		return;
	const char *eol = p;
	while (eol < end && *eol != '\n')
		eol++;
	if (eol > p && eol[-1] == '\r')
		eol--;  /* CRLF */

	size_t len = (size_t)(eol - p), col = g->col > 0 ? (size_t)g->col - 1 : 0;
	size_t from = 0;
	if (len > EXCERPT && col > EXCERPT / 2)
		from = col - EXCERPT / 2;
	size_t to = from + EXCERPT < len ? from + EXCERPT : len;

	buf_puts(out, "    ");
	if (from > 0)
		buf_puts(out, "...");
	for (size_t i = from; i < to; i++) {
		unsigned char c = (unsigned char)p[i];
		buf_putc(out, c == '\t' || (c >= 0x20 && c < 0x7f) ? c : '?');
	}
	if (to < len)
		buf_puts(out, "...");
	buf_puts(out, "\n    ");
	if (from > 0)
		buf_puts(out, "   ");
	for (size_t i = from; i < col && i < to + 1; i++)
		buf_putc(out, p[i] == '\t' ? '\t' : ' ');
	buf_puts(out, "^\n");
}

/* Append every diagnostic with its excerpt. */
void diags_format(const struct diags *d, struct buf *out)
{
	for (size_t i = 0; i < d->n; i++) {
		diag_format_one(d, i, out);
		buf_putc(out, '\n');
		if (d->v[i].line > 0 && d->v[i].level != DIAG_NOTE)
			format_excerpt(d, &d->v[i], out);
	}
	if (d->stopped)
		buf_printf(out, "%s: too many errors; stopping after %d\n",
			   d->file, DIAG_MAX_ERRORS);
}
