/* pool: per-thread free lists of the machine's big fixed-size blocks. */
#include "pool.h"

#include "../util.h"
#include "machine.h"
#include "mem.h"

static const size_t size[POOL_KINDS] = {
	[POOL_PAGE] = sizeof(struct page),
	[POOL_LEAF] = sizeof(struct leaf),
	[POOL_DIR] = sizeof(struct dir),
	[POOL_MACHINE] = sizeof(struct machine),
};

/* A thread keeps at most this many free blocks of a kind: about a
 * megabyte of pages, of leaves and of machines each. */
#define KEEP 64

/* A free block, linked through its first bytes. */
struct free_block { struct free_block *next; };

static _Thread_local struct {
	struct free_block *head;
	unsigned n;
} list[POOL_KINDS];

void *pool_get(enum pool_kind k)
{
	struct free_block *b = list[k].head;
	if (!b)
		return xmalloc(size[k]);
	list[k].head = b->next;
	list[k].n--;
	return b;
}

void pool_put(enum pool_kind k, void *p)
{
	if (!p)
		return;
	if (list[k].n == KEEP) {
		xfree(p);
		return;
	}
	struct free_block *b = p;
	b->next = list[k].head;
	list[k].head = b;
	list[k].n++;
}

/* The lists of blocks by size: a list without blocks may take another
 * size. */
#define SIZES 8

static _Thread_local struct {
	size_t size;
	struct free_block *head;
	unsigned n;
} sized[SIZES];

void *pool_alloc(size_t n)
{
	for (int i = 0; i < SIZES; i++)
		if (sized[i].size == n && sized[i].head) {
			struct free_block *b = sized[i].head;
			sized[i].head = b->next;
			sized[i].n--;
			return b;
		}
	return xmalloc(n);
}

void pool_free(void *p, size_t n)
{
	if (!p)
		return;
	int at = -1;
	for (int i = 0; i < SIZES && (at < 0 || sized[at].size != n); i++)
		if (sized[i].size == n || (at < 0 && !sized[i].head))
			at = i;
	if (n < sizeof(struct free_block) || at < 0 || sized[at].n == KEEP) {
		xfree(p);
		return;
	}
	struct free_block *b = p;
	sized[at].size = n;
	b->next = sized[at].head;
	sized[at].head = b;
	sized[at].n++;
}

void pool_flush(void)
{
	for (int i = 0; i < SIZES; i++) {
		while (sized[i].head) {
			struct free_block *b = sized[i].head;
			sized[i].head = b->next;
			xfree(b);
		}
		sized[i].n = 0;
	}
	for (int k = 0; k < POOL_KINDS; k++) {
		while (list[k].head) {
			struct free_block *b = list[k].head;
			list[k].head = b->next;
			xfree(b);
		}
		list[k].n = 0;
	}
}
