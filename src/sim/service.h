/* service: the remote services outside the machine that a scenario
 * declares (#service NAME port P latency L reply "TEXT").  connect(P)
 * gives the program a connection to one (an FK_REMOTE open file); each
 * write on it is one request, which the service answers with its TEXT
 * L ticks later, through the network's queue of actions (net.h); the
 * answer's bytes then wait in the connection for read, as a client's
 * request waits in its.  A service never closes first, never fails and
 * answers every request in the order written: what a slow RPC is,
 * without the rest of a network. */
#ifndef THREADLAB_SERVICE_H
#define THREADLAB_SERVICE_H

#include <stdint.h>

#include "settings.h"

struct machine;
struct thread;

/* The builtin connect(port), called by thread t: a new descriptor for a
 * connection to the service on port in r0, or -1 and errno
 * (ECONNREFUSED: no service there; EINVAL: not a port; EMFILE). */
int service_connect(struct machine *m, struct thread *t, int64_t port);
/* The answer queued for the request written on open file fi, whose
 * serial it was then, arrives: n bytes of the service's reply (a
 * connection closed since, or another in its slot, drops it). */
void service_arrive(struct machine *m, int fi, uint64_t serial, int64_t n);

/* Service number n (from 1, as the events number them), or NULL. */
const struct service *service_get(const struct machine *m, int n);
/* The service (from 1) that open file fi is a connection to, or 0. */
int service_of_file(const struct machine *m, int fi);
/* The service (from 1) that descriptor fd of process pid is connected
 * to, or 0. */
int service_of_fd(const struct machine *m, int pid, int64_t fd);

#endif
