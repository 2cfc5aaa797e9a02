/* tests: shared helpers of the Check suites. */
#ifndef THREADLAB_TESTS_H
#define THREADLAB_TESTS_H

#include <check.h>

#include "lang/scenario.h"

Suite *lex_suite(void);
Suite *parse_suite(void);
Suite *sema_suite(void);
Suite *codegen_suite(void);
Suite *isa_suite(void);

/* Compile src as "t.scn"; NULL on errors.  *first (when given) receives
 * the first diagnostic line, which the caller frees. */
struct scenario *compile_str(const char *src, char **first);

/* The first diagnostic line src gives ("t.scn:1:2: error: ..."), or "" when
 * it compiles cleanly.  Freed by the caller. */
char *first_error(const char *src);

/* The number of errors src gives. */
int count_errors(const char *src);

/* The disassembly of src's function fn (instructions only, one a line,
 * without addresses or comments).  Freed by the caller. */
char *insns_of(const char *src, const char *fn);

#endif
