/* codegen: from the checked tree to the program image.  It lays out the
 * globals in rodata, data, bss and the TLS template, emits each function
 * as machine instructions with frames the way a C compiler would, and
 * builds the symbol, frame and line tables. */
#ifndef THREADLAB_CODEGEN_H
#define THREADLAB_CODEGEN_H

#include "ast.h"
#include "diag.h"
#include "image.h"

#define MAX_TLS 65536           /* bytes in one thread's TLS block */
#define MAX_POOL 65536          /* entries in the literal pool: a 16-bit index */

/* Compile a checked program; NULL (with an error in d) when it does not
 * fit the address space. */
struct image *codegen(struct program *prog, struct diags *d);

#endif
