/* fd: file descriptors and the open files they name.  Each process has
 * a descriptor table (small integers, 0-2 standard input, output and
 * error, the rest from 3 up, the lowest free first); an entry names an
 * open file of the machine, which counts the descriptors naming it, so
 * that a fork shares open files as Linux does and a file is closed when
 * its last descriptor is.  The builtins read, write, close and
 * set_nonblocking live here; sockets are net.h's, connections to
 * remote services service.h's, epoll instances epoll.h's. */
#ifndef THREADLAB_FD_H
#define THREADLAB_FD_H

#include <stdint.h>

#include "freeset.h"

/* X(NAME, "what it is") */
#define FILE_KINDS(X)                                                      \
	X(FREE,   "nothing")                                                 \
	X(STDIN,  "standard input")                                          \
	X(STDOUT, "standard output")                                         \
	X(STDERR, "standard error")                                          \
	X(LISTEN, "listening socket")                                        \
	X(CONN,   "connection")                                              \
	X(EPOLL,  "epoll instance")                                          \
	X(REMOTE, "connection to a service")

enum file_kind {
#define X(id, doc) FK_##id,
	FILE_KINDS(X)
#undef X
	FK_COUNT
};

extern const char *const file_kind_names[FK_COUNT];

struct epitem;
struct epref;

/* An open file (a "file description"): what a descriptor names. */
struct file {
	enum file_kind kind;
	int refs;               /* descriptors naming it, in every process */
	int nonblock;           /* set_nonblocking: calls fail with EAGAIN
				 * instead of blocking */
	uint32_t edges;         /* times it became (more) ready: epoll's
				 * edge-triggered mode reports each once */
	/* FK_LISTEN */
	int port;
	int queued;             /* connections waiting for accept */
	int q_head, q_tail;     /* the first and the last of them, in the order
				 * they came (index + 1; 0: none) */
	/* FK_CONN: the connection to a client of the network (net.h) */
	int client;             /* its index */
	int listener;           /* the listening file it came in on */
	uint64_t queued_seq;    /* its place in the listener's queue (0: accepted) */
	int q_next;             /* the connection after it there (index + 1; 0: none) */
	uint64_t arrived;       /* bytes of the client's stream delivered */
	uint64_t consumed;      /* ... and read by the program */
	int peer_closed;        /* the client's close has arrived: end of file */
	/* FK_REMOTE: the program's connection to a remote service
	 * (service.h); arrived, consumed and peer_closed as FK_CONN's */
	int service;            /* its index in the config's services */
	uint64_t serial;        /* tells this connection from a later one in
				 * the same slot: answers carry it */
	int requests, answers;  /* requests written, answers arrived */
	/* coroutines of the runtime parked on it (runtime.h): the first's
	 * index + 1 (0: none) */
	int parked;
	/* FK_EPOLL: the interest list (epoll.h), kept as eplist.h says:
	 * the items in no order, their list order, the ready heap */
	struct epitem *items;
	int nitems, cap_items;
	int first, last;        /* the interest list's ends (slot + 1; 0: none) */
	uint64_t orders;        /* the last order an item was given */
	int *ready;             /* the ready heap: slots, by order */
	int nready, cap_ready;
	/* any file: the epoll items that watch it (eplist.h) */
	struct epref *watch;
	int nwatch, cap_watch;
};

/* A process's descriptor table: of[fd] is an open file's index + 1
 * (0: the descriptor is free).  The free descriptors below n are also
 * in a min-heap, so that the lowest free one is found without looking
 * through the table. */
struct fdtab {
	int *of;
	int n, cap;
	struct freeset free;    /* the fd < n with of[fd] == 0 */
};

/* Descriptors above this are refused (EMFILE), as RLIMIT_NOFILE would. */
#define FD_MAX 65536

/* The errno values the I/O builtins set, as Linux numbers them.
 * X(NAME, number, "what went wrong") */
#define ERRNO_VALUES(X)                                                    \
	X(ENOENT,     2,  "no such entry in the interest list")              \
	X(EBADF,      9,  "not an open file descriptor")                     \
	X(EAGAIN,     11, "non-blocking, and the call would block")          \
	X(EFAULT,     14, "the buffer is not writable memory")               \
	X(EEXIST,     17, "already in the interest list")                    \
	X(EINVAL,     22, "invalid argument")                                \
	X(EMFILE,     24, "too many open descriptors")                       \
	X(EPIPE,      32, "the other end has closed the connection")         \
	X(ENOTSOCK,   88, "not a socket")                                    \
	X(EADDRINUSE, 98, "the port already has a listening socket")         \
	X(ENOTCONN,   107, "the socket is not connected")                    \
	X(ECONNREFUSED, 111, "no service listens on that port")

enum io_errno {
#define X(id, num, doc) IO_##id = num,
	ERRNO_VALUES(X)
#undef X
};

struct machine;
struct thread;
struct process;

/* A new process's table: 0, 1 and 2 open on the machine's standard
 * files.  A fork's copy: the same files, each counted once more. */
void fd_init(struct machine *m, struct process *p);
void fd_fork(struct machine *m, struct process *child, const struct process *parent);
/* Close every descriptor of p (its process ended). */
void fd_close_all(struct machine *m, struct process *p);
void fdtab_copy(struct fdtab *dst, const struct fdtab *src);
void fdtab_free(struct fdtab *t);

/* The open file descriptor fd of process pid names (its index in *fi),
 * or NULL. */
struct file *fd_file(const struct machine *m, int pid, int64_t fd, int *fi);
/* A new descriptor of process pid for open file fi (counted), the
 * lowest free; -1 when the table is full. */
int fd_open(struct machine *m, int pid, int fi);
/* A new open file of kind k, with no descriptor yet; its index: the
 * lowest free one, or one past the last. */
int file_new(struct machine *m, enum file_kind k);
/* fi loses a descriptor; the last one closes it. */
void file_unref(struct machine *m, int fi);
/* Give open file fi back, to be the next file_new's when it is the
 * lowest free one (one just made and never opened, or one closed). */
void file_free(struct machine *m, int fi);

/* Thread t's call of builtin bi (on descriptor fd) fails with err:
 * r0 = -1 and errno (its thread_local, when the program has one) =
 * err, and an IOFAIL event says so.  Returns 0. */
int io_fail(struct machine *m, struct thread *t, int bi, int64_t fd, int err);
/* The I/O builtins (read, write, close, set_nonblocking, listen,
 * accept, epoll_*), called by thread t with args.  Returns 1 when t
 * blocked and must call again once woken (its pc stays at the call). */
int io_call(struct machine *m, struct thread *t, int builtin, const int64_t *args);

#endif
