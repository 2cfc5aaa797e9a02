/* disasm: the program image as text — its segments, its symbols, and
 * every function's instructions with their addresses, interleaved with
 * the source lines they come from (like objdump -S). */
#ifndef THREADLAB_DISASM_H
#define THREADLAB_DISASM_H

#include <stdio.h>

#include "../lang/scenario.h"

/* Write the listing of sc to out. */
void disasm_write(FILE *out, const struct scenario *sc);
/* The same without the first line, which names the scenario. */
void disasm_write_body(FILE *out, const struct scenario *sc);

/* Append one instruction at pc with its comment ("; counter") to b. */
void disasm_insn(struct buf *b, const struct scenario *sc, uint64_t pc);

#endif
