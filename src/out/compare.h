/* compare: the table --compare prints, a row a run and a column a
 * figure (see figures.h); the columns are one table, which threadlab(1)
 * documents entry by entry. */
#ifndef THREADLAB_COMPARE_H
#define THREADLAB_COMPARE_H

#include <stddef.h>
#include <stdio.h>

#include "../util.h"
#include "figures.h"

/* One run of the comparison. */
struct compare_row {
	const char *name;       /* the scenario */
	int status;             /* its exit status, as a run gets it */
	struct figures f;
};

/* A column: its heading, and how a row's cell reads. */
struct compare_column {
	const char *head;
	int left;               /* aligned left (else right) */
	void (*cell)(const struct compare_row *r, struct buf *b);
};

extern const struct compare_column compare_columns[];
extern const size_t compare_ncolumns;

/* Print the heading and the n rows, each column as wide as its widest
 * cell, to out. */
void compare_print(FILE *out, const struct compare_row *rows, size_t n);

/* bytes as the table shows them: B below 1 KiB, then K, M or G with one
 * decimal below 10 ("512B", "64K", "1.5M"). */
void compare_bytes(struct buf *b, uint64_t bytes);

#endif
