/* net: the world outside the machine — the clients a scenario declares
 * (#clients), the sockets they reach the program through, and the
 * network between them, which delivers what each side sends after a
 * latency in ticks.  Everything the network will do is an action on a
 * queue ordered by tick; the machine runs the due ones before each tick
 * and sleeps no further than the next.  The jitter comes from a
 * generator of its own, seeded from the machine's seed: the same
 * scenario and settings, the same deliveries.  The remote services'
 * answers (service.h) go through the same queue.
 *
 * A held network has no clock: what a client does on its own side (take
 * a reply, send its next request, see the program's close) happens at
 * once, and what reaches the program (a client's connection, the bytes
 * of a request, its close) waits, in order per client, until someone
 * delivers it: the explorer, which takes each delivery as a choice, or
 * a schedule's 'c' tokens (see sched.h).  A piece of a request may be
 * delivered whole, or its first half (rounded down) first and the rest
 * after; a piece so split is not split again. */
#ifndef THREADLAB_NET_H
#define THREADLAB_NET_H

#include <stddef.h>
#include <stdint.h>

#include "fd.h"
#include "settings.h"

/* X(NAME, "name", "what it is doing") */
#define CLIENT_STATES(X)                                                   \
	X(IDLE,       "idle",       "not started yet")                      \
	X(CONNECTING, "connecting", "waiting for a listening socket")       \
	X(WAITING,    "waiting",    "sent its request, waiting for the reply") \
	X(THINKING,   "thinking",   "got a reply, about to send the next")  \
	X(DONE,       "done",       "had every reply (or sent every request, noreply) and closed") \
	X(FAILED,     "failed",     "the server closed before replying")

enum client_state {
#define X(id, name, doc) CL_##id,
	CLIENT_STATES(X)
#undef X
	CL_COUNT
};

extern const char *const client_state_names[CL_COUNT];

#define CLIENT_REPLY_KEEP 32    /* bytes of its last reply a client keeps */

/* A client: one connection to the program, one or more requests. */
struct client {
	int group;              /* the #clients line it comes from */
	enum client_state state;
	int conn;               /* the connection's open file (-1: none yet) */
	int requests;           /* requests sent */
	int replies;            /* replies received */
	uint64_t start;         /* tick it connected */
	uint64_t sent;          /* tick it sent its current request */
	uint64_t wait_ticks;    /* ticks spent waiting for replies, in all */
	uint64_t worst;         /* the longest of those waits */
	uint64_t done;          /* tick it finished */
	uint64_t reply_bytes;
	char reply[CLIENT_REPLY_KEEP];  /* the start of its last reply */
	int reply_len;
};

/* What the network does at a tick. */
enum net_act_kind {
	NA_CONNECT,     /* the client connects (or waits for a listener) */
	NA_DATA,        /* n bytes of the client's stream reach its connection */
	NA_FIN,         /* the client's close reaches its connection */
	NA_SEND,        /* the client sends its next request */
	NA_REPLY,       /* n bytes the program wrote reach the client */
	NA_HUP,         /* the program's close reaches the client */
	NA_ANSWER,      /* a remote service's answer reaches connection
			 * client (an open file; see service.h) */
};

struct net_act {
	uint64_t tick, seq;     /* seq orders actions of one tick */
	enum net_act_kind kind;
	int client;
	int64_t n;
	int split;              /* NA_DATA: the rest of a piece split in two */
	char bytes[CLIENT_REPLY_KEEP];  /* NA_REPLY: the start of what was written */
	int nbytes;
	uint64_t serial;        /* NA_ANSWER: the connection's serial */
};

struct net {
	struct file *files;     /* open files: sockets, epoll instances, the
				 * standard ones (0, 1, 2) */
	int nfiles, cap_files;
	struct freeset free;    /* FK_FREE entries, reused lowest first */
	struct client *clients;
	int nclients;
	struct net_act *q;      /* a binary heap by (tick, seq) */
	int nq, cap_q;
	uint64_t seq, qseq;     /* action order; listener queue order */
	uint64_t rng;
	int open_conns;         /* connections open on the program's side */
	int peak_conns;
	uint64_t dials;         /* connections made to remote services */
	int held;               /* deliveries wait to be made (see above) */
};

/* What client c's next delivery can be, from net_can_deliver. */
#define NET_WHOLE   1           /* it can be delivered */
#define NET_SPLIT   2           /* ... or its first half only */
#define NET_CONNECT 4           /* it is the client's connection */

struct machine;
struct thread;

/* Set up the network of m from its config's client groups. */
void net_init(struct machine *m);
void net_copy(struct net *dst, const struct net *src);
void net_free(struct net *n);

/* The tick of the network's next action (UINT64_MAX: none). */
uint64_t net_next(const struct machine *m);
/* Run the actions due by now. */
void net_run(struct machine *m);
/* Hold the network of m, before its first tick. */
void net_hold(struct machine *m);
/* Let a held network run on its clock again: what waits is due now. */
void net_release(struct machine *m);
/* In a held network, what client c's next delivery can be now: 0 (none:
 * nothing waits, or its connection waits for a listener), or NET_WHOLE
 * with NET_SPLIT and NET_CONNECT as they apply. */
int net_can_deliver(const struct machine *m, int c);
/* The open file client c's next delivery reaches: its connection, or
 * the listener its connection queues on (-1: none). */
int net_delivery_file(const struct machine *m, int c);
/* Deliver client c's next piece, its first half only when split is set
 * and it can be split (whole otherwise); the schedule taken records it.
 * Returns 0, or -1 when nothing can be delivered. */
int net_deliver(struct machine *m, int c, int split);

/* Whether some client still expects something of the program. */
int net_clients_waiting(const struct machine *m);

/* Client n (numbered from 1, as the events number them), or NULL. */
const struct client *net_client(const struct machine *m, int n);
/* The most connections the program has had open at once. */
int net_peak_connections(const struct machine *m);

/* Whether the program has opened a file or a client is declared. */
int net_active(const struct machine *m);
/* A hash of everything about the files, clients, queued actions and
 * descriptor tables that can change what happens next. */
uint64_t net_hash(const struct machine *m);

/* The builtins listen and accept, called by thread t; see io_call. */
int net_listen(struct machine *m, struct thread *t, int64_t port);
int net_accept(struct machine *m, struct thread *t, int64_t fd);
/* The program reads up to len bytes from connection fi into buf, or
 * writes len bytes from buf to it; returns what read and write return
 * (0: end of file), or -errno; read returns -EAGAIN when it would wait. */
int64_t net_read(struct machine *m, struct thread *t, int fi, uint64_t buf, int64_t len);
int64_t net_write(struct machine *m, struct thread *t, int fi, uint64_t buf, int64_t len);
/* Connection fi's last descriptor was closed. */
void net_closed(struct machine *m, int fi);

/* Open file fi became more ready: its epoll watchers and the threads
 * waiting in accept or read on it may go on. */
void net_ready(struct machine *m, int fi);
/* Whether open file fi becoming more ready would wake a thread blocked
 * in an I/O call (1 as well when fi is -1: unknown). */
int net_wakes(const struct machine *m, int fi);

#endif
