/* io_view: what the screen and the exports may ask of the machine's
 * outside world, read only — each process's descriptors and what they
 * name, a connection's unread bytes, an epoll instance's interest and
 * ready lists, the connections to remote services, and the clients by
 * state.  Answers are copies in small
 * structs of their own, so no caller reaches into fd.h's or net.h's. */
#ifndef THREADLAB_IO_VIEW_H
#define THREADLAB_IO_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "fd.h"
#include "net.h"

struct machine;

/* Whether there is anything to show: an open socket or epoll instance,
 * or a declared client. */
int io_active(const struct machine *m);

/* One descriptor of a process and the open file it names. */
struct io_fd {
	int fd;
	int file;               /* the open file's number, shared by the
				 * descriptors that name it (a fork's) */
	enum file_kind kind;
	int refs;               /* descriptors naming that file, in all */
	int nonblock;
	uint32_t ready;         /* EPOLLIN / EPOLLOUT it has now */
	int port;               /* FK_LISTEN: its port */
	int queued;             /* ... connections waiting for accept */
	int client;             /* FK_CONN: the client, from 1 */
	uint64_t unread;        /* ... bytes arrived and not read yet */
	uint64_t received;      /* ... bytes arrived in all */
	int peer_closed;        /* ... the client has closed its end */
	int service;            /* FK_REMOTE: the service, from 1 (see
				 * service_get), unread and received as FK_CONN's */
	int requests, answers;  /* ... requests written, answers arrived */
	int parked;             /* coroutines of the runtime parked on it */
	int watched;            /* FK_EPOLL: descriptors in its interest list */
	int pending;            /* ... how many of them it would report now */
};

/* Process pid's descriptors from 3 up, in order, into out (max of them);
 * returns how many it has in all. */
size_t io_fds(const struct machine *m, int pid, struct io_fd *out, size_t max);

/* The first bytes (at most max) open file file has received and not
 * read yet, into out; returns how many it wrote. */
size_t io_unread(const struct machine *m, int file, char *out, size_t max);

/* One item of an epoll instance's interest list. */
struct io_watch {
	int fd;                 /* as the program named it */
	uint32_t events;        /* EPOLLIN|EPOLLOUT|EPOLLET|EPOLLONESHOT */
	uint32_t ready;         /* what epoll_wait would report of it now */
	int disarmed;           /* a one-shot item already reported */
};

/* The interest list of epoll instance file, into out (max items);
 * returns how many it has. */
size_t io_watches(const struct machine *m, int file, struct io_watch *out, size_t max);

/* A client of the network, as its user sees it. */
struct io_client {
	int id;                 /* from 1 */
	enum client_state state;
	int requests, replies;
	uint64_t since;         /* tick it sent the request it waits for */
	uint64_t worst;         /* the longest it waited for a reply */
	uint64_t latency;       /* one way, before the jitter */
};

/* How many clients are declared, and how many are in each state. */
int io_clients(const struct machine *m, int by_state[CL_COUNT]);
/* Client id (from 1) into *out; 0 when there is none. */
int io_client(const struct machine *m, int id, struct io_client *out);
/* The clients waiting longest for a reply, longest first, into out (at
 * most max); returns how many. */
size_t io_longest_waiting(const struct machine *m, struct io_client *out, size_t max);
/* The client (from 1) whose connection open file file is, or 0. */
int io_file_client(const struct machine *m, int file);
/* The client (from 1) whose connection descriptor fd of process pid
 * names, or 0. */
int io_fd_client(const struct machine *m, int pid, int fd);
/* Connections open on the program's side, and the most there were. */
int io_open_connections(const struct machine *m);
int io_peak_connections(const struct machine *m);

#endif
