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

/* A list of free blocks of one size. */
struct free_list {
	struct free_block *head;
	unsigned n;
};

/* A block off l, or NULL when it has none. */
static void *take(struct free_list *l)
{
	struct free_block *b = l->head;
	if (b) {
		l->head = b->next;
		l->n--;
	}
	return b;
}

/* Put p on l, or free it when l is full. */
static void give(struct free_list *l, void *p)
{
	if (l->n == KEEP) {
		xfree(p);
		return;
	}
	struct free_block *b = p;
	b->next = l->head;
	l->head = b;
	l->n++;
}

/* Free every block of l. */
static void drain(struct free_list *l)
{
	void *p;
	while ((p = take(l)))
		xfree(p);
}

static _Thread_local struct free_list list[POOL_KINDS];

void *pool_get(enum pool_kind k)
{
	void *p = take(&list[k]);
	return p ? p : xmalloc(size[k]);
}

void pool_put(enum pool_kind k, void *p)
{
	if (p)
		give(&list[k], p);
}

/* The lists of blocks by size: a list without blocks may take another
 * size. */
#define SIZES 8

static _Thread_local struct {
	size_t size;
	struct free_list l;
} sized[SIZES];

void *pool_alloc(size_t n)
{
	for (int i = 0; i < SIZES; i++)
		if (sized[i].size == n && sized[i].l.head)
			return take(&sized[i].l);
	return xmalloc(n);
}

void pool_free(void *p, size_t n)
{
	if (!p)
		return;
	int at = -1;
	for (int i = 0; i < SIZES && (at < 0 || sized[at].size != n); i++)
		if (sized[i].size == n || (at < 0 && !sized[i].l.head))
			at = i;
	if (n < sizeof(struct free_block) || at < 0) {
		xfree(p);
		return;
	}
	sized[at].size = n;
	give(&sized[at].l, p);
}

void pool_flush(void)
{
	for (int i = 0; i < SIZES; i++)
		drain(&sized[i].l);
	for (int k = 0; k < POOL_KINDS; k++)
		drain(&list[k]);
}
