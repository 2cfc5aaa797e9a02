/* eplist: the structure behind an epoll instance's interest list, so that
 * each operation costs what it touches, not the length of the list.
 *
 * An instance (an FK_EPOLL open file) keeps its items in a dense array
 * (items[0..nitems), in no particular order: a removed item's slot takes
 * the last one), and threads them in interest-list order on a doubly
 * linked list (first, last, prev, next).  The interest-list order is the
 * order epoll_wait visits items in: an added item goes to the back, and
 * so does an item epoll_wait reports; each item also carries `order`, a
 * number that grows along the list, so that two items' places compare
 * in O(1).
 *
 * The ready heap holds the candidates: the items that may report
 * something.  Its invariant: every item of the instance for which
 * epoll_item_events is not 0 is in the heap (an item in it may have
 * nothing to report: it is dropped when epoll_wait comes to it).  It is
 * a min-heap by `order`, so epoll_wait takes the candidates in the
 * order the interest list has them.
 *
 * Each open file keeps its watchers: the (instance, slot) of every item
 * that watches it, in no order, so that finding (instance, fd, file),
 * telling whether an instance watches a file, waking the watchers of a
 * file that became ready and dropping them when it closes cost the few
 * watchers of that file.
 *
 * Everything here but the items' own fields is derived from the items
 * and their list order: a machine's hash leaves it out. */
#ifndef THREADLAB_EPLIST_H
#define THREADLAB_EPLIST_H

#include <stdint.h>

struct machine;
struct file;

/* One watcher of a file: item slot of instance ep. */
struct epref {
	int ep, slot;
};

/* A new item for descriptor fd naming open file fi, at the back of
 * instance ep's interest list, fields zero; its slot. */
int eplist_add(struct machine *m, int ep, int fd, int fi);
/* Remove item slot of instance ep (the last slot moves into its place). */
void eplist_remove(struct machine *m, int ep, int slot);
/* Move item slot of instance ep to the back of its interest list. */
void eplist_to_back(struct file *f, int slot);
/* The slot of instance ep's item for descriptor fd naming file fi, or -1. */
int eplist_find(const struct machine *m, int ep, int fd, int fi);
/* Whether instance ep has an item watching open file fi. */
int eplist_watches(const struct machine *m, int ep, int fi);
/* Drop every item that watches open file fi; when fi is an instance,
 * drop its own items too (it is closing). */
void eplist_forget(struct machine *m, int fi);

/* The first item of instance f's interest list and the one after slot
 * (-1: none), to walk it in order. */
int eplist_first(const struct file *f);
int eplist_next(const struct file *f, int slot);

/* The ready heap of instance f: put slot in (nothing when it is there
 * already) or take it out (nothing when it is not), the candidate that
 * comes first (-1: none), take that one out. */
void eplist_mark(struct file *f, int slot);
void eplist_unmark(struct file *f, int slot);
int eplist_top(const struct file *f);
void eplist_pop(struct file *f);
/* Put every item that watches open file fi in its instance's heap. */
void eplist_touch(struct machine *m, int fi);

/* A file's structures, copied from src into dst (a copy of the struct
 * whose pointers are still src's) and freed. */
void eplist_copy(struct file *dst, const struct file *src);
void eplist_free(struct file *f);

#endif
