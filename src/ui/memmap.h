/* memmap: one process's memory as rows for the memory panel, high
 * addresses first: stacks with their frames, TLS blocks, heap blocks,
 * globals, constants and code.  Built from the machine and the image
 * only; no curses.
 *
 * Regions come in descending address order, each as a head row (depth
 * 0, its addr and size span the whole region) followed by the rows
 * inside it (depth 1, descending address, each within its head's span;
 * depth 2 for the frames inside a coroutine's stack block):
 *
 *   TLS T1 (main)  private          MM_TLS     then one MM_VAR per variable
 *   stack T1 (main)  private        MM_REGION  then one MM_FRAME per frame,
 *                                              oldest (highest) first
 *   stack T3 (worker)  done         MM_REGION  alone: a finished thread
 *   ⋮                               MM_GAP     unmapped space left out
 *   heap  shared                    MM_REGION  then MM_BLOCK / MM_FREE;
 *                                              a coroutine's stack block
 *                                              (MM_BLOCK, not shared) is
 *                                              followed by its frames
 *                                              (MM_FRAME, depth 2, inside
 *                                              the block's span)
 *   bss  shared, data  shared       MM_REGION  then one MM_VAR per global
 *   rodata  shared                  MM_REGION  then constants and strings
 *   code  r-x shared                MM_REGION  then one MM_VAR per function
 *
 * What is left out for room ("… 5 more frames") is an MM_GAP row too:
 * its addr is 0 and its text says what it stands for.  The work is
 * bounded per thread and for the heap, whatever the machine holds, and a
 * corrupted frame chain or heap header only ends the walk early. */
#ifndef THREADLAB_MEMMAP_H
#define THREADLAB_MEMMAP_H

#include <stddef.h>
#include <stdint.h>

#include "../lang/scenario.h"
#include "../sim/machine.h"

enum mm_kind { MM_REGION, MM_FRAME, MM_VAR, MM_TLS, MM_BLOCK, MM_FREE, MM_GAP };
enum { MM_READ = 1, MM_WRITE = 2 };

/* An access of the last tick: MM_READ|MM_WRITE at addr, by thread tid. */
struct mm_access {
	uint64_t addr;
	int how;
	int tid;
	int pid;                /* the address space it was in (0: any) */
};

struct mm_row {
	uint64_t addr;          /* where what the row shows starts (0 for a gap) */
	uint64_t size;          /* bytes it covers */
	enum mm_kind kind;
	int tid;                /* the thread it belongs to (stack, frame, TLS, block owner); 0: none */
	int shared;             /* every thread of the process can reach it by name: code, rodata, data, heap */
	int access;             /* MM_READ|MM_WRITE: touched in the last tick */
	int access_tid;         /* by whom (the last one) */
	int depth;              /* 0: a region's head line; 1: inside a region;
				 * 2: a frame inside a coroutine's stack block */
	int cow;                /* a region's head: its pages still shared copy-on-write
				 * with another process (the text then ends "  cow n/m pages") */
	int race;               /* a word it covers had a data race (see race.h); its
				 * text ends with "  ⚠ race" */
	char text[192];         /* "stack T2 (worker)  private", "worker(n=3) i=1  ret→thread_exit",
				 * "counter = 2", "block 32 B by T1", "⋮"; UTF-8 only for → … ⋮ ⚠ */
};

/* Fill rows (at most max) with the address space of process pid of
 * machine m running sc (its threads' slots, its heap, the globals and
 * the code), marking the accesses acc[0..nacc) made in it; returns how
 * many rows were filled (0 when there is no such process).  ascii: use "->",
 * "..." and "!" instead of UTF-8.  A variable, a heap block or a frame
 * holding a word that raced (and was not freed since) is marked "⚠ race".  An access marks the innermost row holding its
 * address (a head row when no row inside holds it). */
size_t memmap_build(const struct scenario *sc, const struct machine *m, int pid,
		    const struct mm_access *acc, size_t nacc, int ascii,
		    struct mm_row *rows, size_t max);

#endif
