/* parse: the recursive-descent parser.  It reads tokens from the lexer
 * and builds the program (declarations, functions, directives), reporting
 * syntax errors to the diagnostics and recovering at statement ends. */
#ifndef THREADLAB_PARSE_H
#define THREADLAB_PARSE_H

#include "ast.h"
#include "diag.h"

#define MAX_NESTING 256         /* deepest nesting of expressions and statements */
#define MAX_SOURCE (1 << 20)    /* largest scenario file, in bytes */

/* Parse src into prog (which the caller zeroes and later frees with
 * program_free).  Errors go to d. */
void parse_program(struct program *prog, const char *src, size_t len, struct diags *d);

void program_free(struct program *prog);

#endif
