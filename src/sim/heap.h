/* heap: malloc and free over the simulated heap.  Every block starts
 * with a 16-byte header in simulated memory:
 *
 *   word 0   size of the block in bytes (header included, a multiple
 *            of 16) | 1 when allocated | the allocating thread << 32
 *   word 1   size of the block just below (0 for the first)
 *
 * A free block keeps the next and previous free blocks (by address) in
 * the first two words of its payload.  Blocks tile the heap from its
 * base to its break; the break moves up a page at a time.  Allocation is
 * first fit, a freed block is merged with free neighbours and its
 * payload poisoned (0xdd bytes), and the tags of mem.h let an access be
 * told apart: live payload, a header (of any block: touching one is an
 * overflow), freed, never allocated.  Each process has its own heap, in
 * its own address space: every function works on one process. */
#ifndef THREADLAB_HEAP_H
#define THREADLAB_HEAP_H

#include <stdint.h>

#include "event.h"

struct process;

#define HEAP_HEADER 16
#define HEAP_MIN_BLOCK 32
#define HEAP_POISON 0xdd

struct heap_block {
	uint64_t addr;          /* the header */
	uint64_t size;          /* header included */
	int used;
	int owner;              /* the thread that allocated it */
};

/* Start an empty heap at base (page-aligned). */
void heap_init(struct process *pr, uint64_t base);
/* The payload address of a new block of at least n bytes for thread
 * tid, or 0 when the heap cannot grow that far. */
uint64_t heap_alloc(struct process *pr, int64_t n, int tid);
/* Free the block whose payload is at p.  Returns -1, or the enum
 * fault_kind the free is; *size gets the payload size freed. */
int heap_free(struct process *pr, uint64_t p, uint64_t *size);
/* Whether a program may touch addr: -1, or the enum fault_kind. */
int heap_check(const struct process *pr, uint64_t addr);
/* The block at addr (a header address; the heap base for the first).
 * Returns 0 past the last block. */
int heap_block(const struct process *pr, uint64_t addr, struct heap_block *b);

#endif
