/* diag: compiler diagnostics.  A compilation collects them here; they
 * are formatted like a C compiler's (file:line:col: error: message, the
 * source line, a caret) into a string that the caller prints. */
#ifndef THREADLAB_DIAG_H
#define THREADLAB_DIAG_H

#include <stddef.h>

#include "../util.h"

#define DIAG_MAX_ERRORS 20

enum diag_level { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE };

struct diag {
	enum diag_level level;
	int line, col;          /* 1-based; 0 when the file as a whole */
	char *msg;
};

struct diags {
	const char *file;       /* the name shown in messages (not owned) */
	const char *src;        /* the source text (not owned) */
	size_t src_len;
	struct diag *v;
	size_t n, cap;
	int errors, warnings;
	int stopped;            /* too many errors: the rest were dropped */
};

void diags_init(struct diags *d, const char *file, const char *src, size_t len);
void diags_free(struct diags *d);

/* Record a diagnostic at line:col. */
void diag_add(struct diags *d, enum diag_level level, int line, int col,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Append every diagnostic, with source line and caret, to out. */
void diags_format(const struct diags *d, struct buf *out);

/* Append the first line of the first diagnostic (no source excerpt). */
void diag_format_one(const struct diags *d, size_t i, struct buf *out);

#endif
