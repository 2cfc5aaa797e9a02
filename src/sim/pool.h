/* pool: blocks of the machine's few big fixed sizes (a page, a leaf
 * table, a directory of them, a machine), kept on a free list of the host thread that let
 * them go, for the next copy to take.  Searching a program's states
 * makes and frees millions of them; a list is a pointer to follow, where
 * the C library's allocator, once there are host threads, takes a lock
 * for each block of that size. */
#ifndef THREADLAB_POOL_H
#define THREADLAB_POOL_H

#include <stddef.h>

enum pool_kind { POOL_PAGE, POOL_LEAF, POOL_DIR, POOL_MACHINE, POOL_KINDS };

/* A block of kind k, uninitialised (a kind's size is fixed: see pool.c). */
void *pool_get(enum pool_kind k);
/* Let p, a block of kind k (NULL: nothing), go. */
void pool_put(enum pool_kind k, void *p);
/* A block of n bytes, for an array a machine's copy makes: the arrays
 * over a kilobyte (the processes, the threads, the open files), which
 * the C library's per-thread cache does not keep.  The free blocks are
 * kept by their exact size, for the few sizes a search makes. */
void *pool_alloc(size_t n);
/* Let p, a block of exactly n bytes (NULL: nothing), go. */
void pool_free(void *p, size_t n);
/* Give the calling thread's free blocks back to the C library (a host
 * thread does before it ends). */
void pool_flush(void);

#endif
