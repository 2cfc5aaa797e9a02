/* eplist: interest lists kept for cheap changes.  See eplist.h. */
#include "eplist.h"

#include <string.h>

#include "core.h"
#include "epoll.h"
#include "fd.h"

/* Grow array *p of *cap elements of size sz to hold n. */
static void *grow(void *p, int *cap, int n, size_t sz)
{
	if (n <= *cap)
		return p;
	while (*cap < n)
		*cap = *cap ? 2 * *cap : 8;
	return xrealloc(p, (size_t)*cap * sz);
}

/* --- the ready heap: slots by their items' order, the least first --- */

/* Whether heap entry i comes before entry j. */
static int before(const struct file *f, int i, int j)
{
	return f->items[f->ready[i]].order < f->items[f->ready[j]].order;
}

/* Put slot s at heap entry i. */
static void place(struct file *f, int i, int s)
{
	f->ready[i] = s;
	f->items[s].heap = i + 1;
}

static void sift_up(struct file *f, int i)
{
	int s = f->ready[i];
	while (i > 0) {
		int up = (i - 1) / 2;
		if (f->items[f->ready[up]].order < f->items[s].order)
			break;
		place(f, i, f->ready[up]);
		i = up;
	}
	place(f, i, s);
}

static void sift_down(struct file *f, int i)
{
	int s = f->ready[i];
	for (;;) {
		int c = 2 * i + 1;
		if (c >= f->nready)
			break;
		if (c + 1 < f->nready && before(f, c + 1, c))
			c++;
		if (f->items[s].order < f->items[f->ready[c]].order)
			break;
		place(f, i, f->ready[c]);
		i = c;
	}
	place(f, i, s);
}

void eplist_mark(struct file *f, int slot)
{
	if (f->items[slot].heap)
		return;
	f->ready = grow(f->ready, &f->cap_ready, f->nready + 1, sizeof *f->ready);
	f->ready[f->nready] = slot;
	sift_up(f, f->nready++);
}

int eplist_top(const struct file *f)
{
	return f->nready ? f->ready[0] : -1;
}

/* Take heap entry i out. */
static void unheap(struct file *f, int i)
{
	f->items[f->ready[i]].heap = 0;
	if (i == --f->nready)
		return;
	place(f, i, f->ready[f->nready]);
	if (i > 0 && before(f, i, (i - 1) / 2))
		sift_up(f, i);
	else
		sift_down(f, i);
}

void eplist_pop(struct file *f)
{
	if (f->nready)
		unheap(f, 0);
}

void eplist_unmark(struct file *f, int slot)
{
	if (f->items[slot].heap)
		unheap(f, f->items[slot].heap - 1);
}

/* --- watchers: which items watch a file --- */

static void watch_add(struct machine *m, int fi, int ep, int slot)
{
	struct file *g = &m->net.files[fi];
	g->watch = grow(g->watch, &g->cap_watch, g->nwatch + 1, sizeof *g->watch);
	g->watch[g->nwatch++] = (struct epref){ ep, slot };
}

/* Where file fi's watcher (ep, slot) is among its watchers. */
static int watch_at(const struct file *g, int ep, int slot)
{
	for (int i = 0; i < g->nwatch; i++)
		if (g->watch[i].ep == ep && g->watch[i].slot == slot)
			return i;
	return -1;      /* not reached: every item is its file's watcher */
}

static void watch_remove(struct machine *m, int fi, int ep, int slot)
{
	struct file *g = &m->net.files[fi];
	int i = watch_at(g, ep, slot);
	if (i >= 0)
		g->watch[i] = g->watch[--g->nwatch];
}

/* --- the interest list --- */

/* Link slot s at the back of f's list, with the next order. */
static void link_back(struct file *f, int s)
{
	struct epitem *it = &f->items[s];
	it->order = ++f->orders;
	it->prev = f->last;
	it->next = 0;
	if (f->last)
		f->items[f->last - 1].next = s + 1;
	else
		f->first = s + 1;
	f->last = s + 1;
}

static void unlink_item(struct file *f, int s)
{
	struct epitem *it = &f->items[s];
	if (it->prev)
		f->items[it->prev - 1].next = it->next;
	else
		f->first = it->next;
	if (it->next)
		f->items[it->next - 1].prev = it->prev;
	else
		f->last = it->prev;
}

int eplist_add(struct machine *m, int ep, int fd, int fi)
{
	struct file *f = &m->net.files[ep];
	f->items = grow(f->items, &f->cap_items, f->nitems + 1, sizeof *f->items);
	int s = f->nitems++;
	f->items[s] = (struct epitem){ .fd = fd, .file = fi };
	link_back(f, s);
	watch_add(m, fi, ep, s);
	return s;
}

void eplist_remove(struct machine *m, int ep, int slot)
{
	struct file *f = &m->net.files[ep];
	struct epitem *it = &f->items[slot];
	unlink_item(f, slot);
	if (it->heap)
		unheap(f, it->heap - 1);
	watch_remove(m, it->file, ep, slot);
	int last = --f->nitems;
	if (slot == last)
		return;
	/* the last slot's item moves into the hole: whatever named it by
	 * its slot follows */
	struct epitem *mv = &f->items[last];
	*it = *mv;
	if (it->prev)
		f->items[it->prev - 1].next = slot + 1;
	else
		f->first = slot + 1;
	if (it->next)
		f->items[it->next - 1].prev = slot + 1;
	else
		f->last = slot + 1;
	if (it->heap)
		f->ready[it->heap - 1] = slot;
	struct file *g = &m->net.files[it->file];
	int w = watch_at(g, ep, last);
	if (w >= 0)
		g->watch[w].slot = slot;
}

void eplist_to_back(struct file *f, int slot)
{
	unlink_item(f, slot);
	link_back(f, slot);
	/* its order grew: in the heap, the greatest moves down */
	if (f->items[slot].heap)
		sift_down(f, f->items[slot].heap - 1);
}

int eplist_find(const struct machine *m, int ep, int fd, int fi)
{
	const struct file *g = &m->net.files[fi];
	for (int i = 0; i < g->nwatch; i++) {
		const struct epref *w = &g->watch[i];
		if (w->ep == ep && m->net.files[ep].items[w->slot].fd == fd)
			return w->slot;
	}
	return -1;
}

int eplist_watches(const struct machine *m, int ep, int fi)
{
	const struct file *g = &m->net.files[fi];
	for (int i = 0; i < g->nwatch; i++)
		if (g->watch[i].ep == ep)
			return 1;
	return 0;
}

void eplist_forget(struct machine *m, int fi)
{
	struct file *g = &m->net.files[fi];
	while (g->nwatch) {
		struct epref w = g->watch[g->nwatch - 1];
		eplist_remove(m, w.ep, w.slot);
	}
	if (g->kind != FK_EPOLL)
		return;
	while (g->nitems)
		eplist_remove(m, fi, g->nitems - 1);
}

int eplist_first(const struct file *f)
{
	return f->first - 1;
}

int eplist_next(const struct file *f, int slot)
{
	return f->items[slot].next - 1;
}

void eplist_touch(struct machine *m, int fi)
{
	const struct file *g = &m->net.files[fi];
	for (int i = 0; i < g->nwatch; i++)
		eplist_mark(&m->net.files[g->watch[i].ep], g->watch[i].slot);
}

/* A copy of the n elements of size sz at p, with room for cap. */
static void *dup_array(const void *p, int n, int cap, size_t sz)
{
	if (!p)
		return NULL;
	void *q = xmalloc((size_t)cap * sz);
	if (n)
		memcpy(q, p, (size_t)n * sz);
	return q;
}

void eplist_copy(struct file *dst, const struct file *src)
{
	dst->items = dup_array(src->items, src->nitems, src->cap_items, sizeof *src->items);
	dst->ready = dup_array(src->ready, src->nready, src->cap_ready, sizeof *src->ready);
	dst->watch = dup_array(src->watch, src->nwatch, src->cap_watch, sizeof *src->watch);
}

void eplist_free(struct file *f)
{
	xfree(f->items);
	xfree(f->ready);
	xfree(f->watch);
	f->items = NULL;
	f->ready = NULL;
	f->watch = NULL;
	f->nitems = f->cap_items = f->nready = f->cap_ready = f->nwatch = f->cap_watch = 0;
	f->first = f->last = 0;
}
