/* io_text: how the I/O events read — one trace line and one sentence for
 * each of listen, connect, accept, arrive, read, write, close, reply,
 * epoll-ctl, epoll, io-fail, dial and answer (see event.h for their
 * fields). */
#ifndef THREADLAB_IO_TEXT_H
#define THREADLAB_IO_TEXT_H

#include "../sim/event.h"
#include "../util.h"

/* Whether e is an I/O event. */
int io_event(const struct event *e);
/* Append the trace line's fields for I/O event e ("fd 4 5 bytes \"GET /\""). */
void io_trace(const struct event *e, struct buf *b);
/* Append the sentence for I/O event e ("T1 reads 5 bytes from fd 4: \"GET /\""). */
void io_sentence(const struct event *e, struct buf *b);
/* The name of errno value err ("EAGAIN"), or NULL. */
const char *io_errno_name(int64_t err);
/* Append an epoll event mask as C writes it ("EPOLLIN|EPOLLET"; "0"). */
void io_put_events(struct buf *b, uint64_t events);

#endif
