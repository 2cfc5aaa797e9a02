/* sema: name resolution, types and semantic checks.  It annotates the
 * tree in place (what each identifier names, each expression's type,
 * pointer scaling, frame offsets of locals, folded constants of globals)
 * and reports every error it finds. */
#ifndef THREADLAB_SEMA_H
#define THREADLAB_SEMA_H

#include "ast.h"
#include "diag.h"

#define MAX_ARRAY 65536         /* most elements in one array */
#define MAX_FRAME 65536         /* most bytes of locals in one function */

/* Check prog; returns the number of errors. */
int sema_check(struct program *prog, struct diags *d, int nlines);

#endif
