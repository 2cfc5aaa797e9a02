/* epoll_layout: the layout in simulated memory of struct epoll_event,
 * which scenarios see predefined and which epoll_wait fills.  Every
 * field is a word here (int and pointers are 8 bytes), so the struct is
 * 16 bytes, not Linux's packed 12: events at 0, the data union at 8. */
#ifndef THREADLAB_EPOLL_LAYOUT_H
#define THREADLAB_EPOLL_LAYOUT_H

#define EPOLL_EVENT_EVENTS 0    /* offset of the int events */
#define EPOLL_EVENT_DATA   8    /* offset of union epoll_data (ptr, fd, u32, u64 all at it) */
#define EPOLL_EVENT_SIZE   16   /* sizeof(struct epoll_event) */

_Static_assert(EPOLL_EVENT_DATA + 8 == EPOLL_EVENT_SIZE, "the data union is the last word");

#endif
