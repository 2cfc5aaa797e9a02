/* closure: function values bound to the variables they captured.
 *
 * A closure is a heap block, its environment, allocated by the thread
 * that makes it (make_closure, emitted by the compiler where a nested
 * function's name is used as a value).  Its payload, word by word from
 * the closure's value (its address):
 *
 *   0  CLOSURE_W_MAGIC   CLOSURE_MAGIC ^ the address: tells a closure
 *                        from other data
 *   1  CLOSURE_W_CODE    the nested function's code address
 *   2  CLOSURE_W_COUNT   how many captured values follow
 *   3  CLOSURE_W_VALUES  the captured values, in the order the function
 *                        first uses them
 *
 * The layout constants are in lang/ast.h, which the compiler shares.
 * Calling a closure (`call rs` whose rs holds its address) puts the
 * address in r7 and jumps to the function; so do spawn and coroutine
 * when given one.  A closure lives until the program frees it: after
 * free, calling it is a use after free. */
#ifndef THREADLAB_CLOSURE_H
#define THREADLAB_CLOSURE_H

#include <stdint.h>

#include "machine.h"

#define CLOSURE_ENV_REG R7      /* where a call puts the environment */

/* A closure as its environment says. */
struct closure {
	uint64_t addr;          /* its value: the environment's payload */
	uint64_t code;          /* the function */
	int count;              /* captured values */
	uint64_t size;          /* the environment's bytes (payload) */
	int owner;              /* the thread that made it */
};

/* Read the closure at addr in process pid into *c; 1 when addr is a live
 * closure there. */
int closure_read(const struct machine *m, int pid, uint64_t addr, struct closure *c);

/* What calling v is: 1, a live closure (*c filled); 0, not a closure
 * (called as a code address, as before closures); -1, a fault, whose
 * enum fault_kind is put in *fault (a closure that was freed). */
int closure_resolve(const struct machine *m, int pid, uint64_t v, struct closure *c, int *fault);

/* The machine's side, for cpu.c: make_closure(f, values...) with the
 * arguments of the sys instruction; the closure's address in r0. */
void closure_make(struct machine *m, struct thread *t, const int64_t *args, int argc);

#endif
