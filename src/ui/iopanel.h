/* iopanel: the I/O panel's rows — a process's descriptor table (what
 * each descriptor is, a connection's unread bytes, an epoll instance's
 * interest and ready lists) and the clients outside the machine,
 * counted by state with the few waiting longest.  Built from io_view.h
 * only; no curses.  The work is bounded (IOPANEL_FDS descriptors, a few
 * clients) however many connections the machine holds:
 *
 *   descriptors of P1                           IO_HEAD
 *     fd 3  epoll  2 watched, 1 ready           IO_FD
 *           interest 4 in, 5 in et  ready 5     IO_DETAIL
 *     fd 4  listening, port 8080  1 to accept   IO_FD
 *     fd 5  client 1  10 B "GET /index"         IO_FD (a connection)
 *     … 40 more descriptors                     IO_MORE
 *   clients 3: 1 waiting, 2 done                IO_HEAD
 *     client 2 waiting for its reply since ...  IO_CLIENT
 */
#ifndef THREADLAB_IOPANEL_H
#define THREADLAB_IOPANEL_H

#include <stddef.h>

#include "../sim/machine.h"

enum io_row_kind { IO_HEAD, IO_FD, IO_DETAIL, IO_CLIENT, IO_MORE };

struct io_row {
	enum io_row_kind kind;
	int depth;              /* 0: a head; 1: inside it */
	int hot;                /* something is ready: bytes to read, a
				 * connection to accept, events to report */
	char text[160];         /* UTF-8 only for … and · (ASCII: ... and ,) */
};

/* Descriptors listed at most; the rest are counted on one row. */
#define IOPANEL_FDS 48
/* Clients waiting listed at most. */
#define IOPANEL_CLIENTS 4

/* Fill rows (at most max) with the descriptors of process pid of m and
 * the network's clients; returns how many rows were filled (0 when m
 * has no outside world to show). */
size_t iopanel_build(const struct machine *m, int pid, int ascii, struct io_row *rows,
		     size_t max);

#endif
