/* epoll: I/O multiplexing.  An epoll instance is an open file holding
 * an interest list: for each watched descriptor, the events wanted, the
 * data to give back, and the flags.  Readiness is asked of the watched
 * file when epoll_wait looks (level-triggered: reported while it lasts);
 * edge-triggered items report each new readiness once (an arrival, a
 * connection, the peer's close), one-shot items once until rearmed with
 * EPOLL_CTL_MOD, as epoll(7) says.  eplist.h keeps the list so that
 * epoll_wait looks only at the items whose file may have changed. */
#ifndef THREADLAB_EPOLL_H
#define THREADLAB_EPOLL_H

#include <stdint.h>

#include "epoll_layout.h"

/* The event bits and control operations, as Linux numbers them. */
#define EPOLLIN      0x001
#define EPOLLOUT     0x004
#define EPOLLERR     0x008
#define EPOLLHUP     0x010
#define EPOLLONESHOT (1u << 30)
#define EPOLLET      (1u << 31)
#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3

/* One watched descriptor. */
struct epitem {
	int fd;                 /* as the program named it */
	int file;               /* the open file it names */
	uint32_t events;        /* EPOLLIN|EPOLLOUT|EPOLLET|EPOLLONESHOT */
	int64_t data;           /* given back in epoll_event.data */
	uint32_t seen;          /* ET: the file's edge count when last reported */
	int disarmed;           /* ONESHOT: reported, until EPOLL_CTL_MOD */
	/* where it is kept (eplist.h), derived: */
	uint64_t order;         /* grows along the interest list */
	int prev, next;         /* its neighbours there (slot + 1; 0: none) */
	int heap;               /* its place in the ready heap (+ 1; 0: not in) */
};

struct machine;
struct thread;
struct file;

/* The events of mask file fi has now: EPOLLIN when there is something
 * to read or accept or its peer closed, EPOLLOUT when a write would not
 * block (always, for a connection: the model has no send buffer limit).
 * A peer's close is EPOLLIN (the read returns 0), as on Linux when the
 * peer has only shut its side. */
uint32_t epoll_readiness(const struct machine *m, int fi);
/* What item it of an instance would report now (0: nothing). */
uint32_t epoll_item_events(const struct machine *m, const struct epitem *it);
/* How many items epoll instance ep would report now. */
int epoll_pending(const struct machine *m, int ep);
/* Drop the items that watch open file fi, which has closed (and, when
 * it is an instance, its own). */
void epoll_forget(struct machine *m, int fi);
/* Open file fi may have become ready: the items watching it are
 * candidates again (see eplist.h). */
void epoll_ready(struct machine *m, int fi);

/* The builtins, called by thread t (see io_call). */
int epoll_create_call(struct machine *m, struct thread *t);
int epoll_ctl_call(struct machine *m, struct thread *t, const int64_t *a);
/* again: 1 when t was woken to call again, 2 when its timeout ran out. */
int epoll_wait_call(struct machine *m, struct thread *t, const int64_t *a, int again);

#endif
