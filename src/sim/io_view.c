/* io_view: the outside world, read only.  See io_view.h. */
#include "io_view.h"

#include <string.h>

#include "epoll.h"
#include "eplist.h"
#include "machine.h"

int io_active(const struct machine *m)
{
	return net_active(m);
}

/* The view of open file fi, named by descriptor fd. */
static struct io_fd fd_view(const struct machine *m, int fd, int fi)
{
	const struct file *f = &m->net.files[fi];
	struct io_fd v = { .fd = fd, .file = fi, .kind = f->kind, .refs = f->refs,
			   .nonblock = f->nonblock, .ready = epoll_readiness(m, fi) };
	for (int k = f->parked; k > 0 && k <= m->rt.nco; k = m->rt.co[k - 1].next)
		v.parked++;
	switch (f->kind) {
	case FK_LISTEN:
		v.port = f->port;
		v.queued = f->queued;
		break;
	case FK_CONN:
		v.client = f->client + 1;
		v.unread = f->arrived - f->consumed;
		v.received = f->arrived;
		v.peer_closed = f->peer_closed;
		break;
	case FK_REMOTE:
		v.service = f->service + 1;
		v.unread = f->arrived - f->consumed;
		v.received = f->arrived;
		v.requests = f->requests;
		v.answers = f->answers;
		break;
	case FK_EPOLL:
		v.watched = f->nitems;
		v.pending = epoll_pending(m, fi);
		break;
	default:
		break;
	}
	return v;
}

size_t io_fds(const struct machine *m, int pid, struct io_fd *out, size_t max)
{
	if (pid < 1 || pid > m->nprocs)
		return 0;
	const struct fdtab *t = &m->procs[pid - 1].fds;
	size_t n = 0;
	for (int fd = 3; fd < t->n; fd++) {
		if (!t->of[fd])
			continue;
		if (n < max)
			out[n] = fd_view(m, fd, t->of[fd] - 1);
		n++;
	}
	return n;
}

size_t io_unread(const struct machine *m, int file, char *out, size_t max)
{
	if (file < 0 || file >= m->net.nfiles)
		return 0;
	const struct file *f = &m->net.files[file];
	const char *src;
	uint64_t len;
	if (f->kind == FK_CONN) {
		const struct client_group *g = &m->cfg->groups[m->net.clients[f->client].group];
		src = g->send;
		len = (uint64_t)g->send_len;
	} else if (f->kind == FK_REMOTE) {
		src = m->cfg->services[f->service].reply;
		len = (uint64_t)m->cfg->services[f->service].reply_len;
	} else {
		return 0;
	}
	uint64_t n = f->arrived - f->consumed;
	if (n > max)
		n = max;
	for (uint64_t i = 0; i < n && len; i++)
		out[i] = src[(f->consumed + i) % len];
	return (size_t)n;
}

size_t io_watches(const struct machine *m, int file, struct io_watch *out, size_t max)
{
	if (file < 0 || file >= m->net.nfiles || m->net.files[file].kind != FK_EPOLL)
		return 0;
	const struct file *f = &m->net.files[file];
	size_t i = 0;     /* in interest-list order */
	for (int s = eplist_first(f); s >= 0 && i < max; s = eplist_next(f, s), i++) {
		const struct epitem *it = &f->items[s];
		out[i] = (struct io_watch){ it->fd, it->events, epoll_item_events(m, it),
					    it->disarmed };
	}
	return (size_t)f->nitems;
}

/* The view of client c (from 0). */
static struct io_client client_view(const struct machine *m, int c)
{
	const struct client *cl = &m->net.clients[c];
	return (struct io_client){ c + 1, cl->state, cl->requests, cl->replies, cl->sent,
				   cl->worst, m->cfg->groups[cl->group].latency };
}

int io_clients(const struct machine *m, int by_state[CL_COUNT])
{
	memset(by_state, 0, CL_COUNT * sizeof *by_state);
	for (int c = 0; c < m->net.nclients; c++)
		by_state[m->net.clients[c].state]++;
	return m->net.nclients;
}

int io_client(const struct machine *m, int id, struct io_client *out)
{
	if (id < 1 || id > m->net.nclients)
		return 0;
	*out = client_view(m, id - 1);
	return 1;
}

size_t io_longest_waiting(const struct machine *m, struct io_client *out, size_t max)
{
	size_t n = 0;
	for (int c = 0; c < m->net.nclients && max; c++) {
		if (m->net.clients[c].state != CL_WAITING)
			continue;
		struct io_client v = client_view(m, c);
		/* insert by the tick it sent, earliest first; ties by id */
		size_t i = n < max ? n : max;
		if (i == max && out[max - 1].since <= v.since)
			continue;
		while (i > 0 && out[i - 1].since > v.since) {
			if (i < max)
				out[i] = out[i - 1];
			i--;
		}
		out[i] = v;
		if (n < max)
			n++;
	}
	return n;
}

int io_file_client(const struct machine *m, int file)
{
	if (file < 0 || file >= m->net.nfiles || m->net.files[file].kind != FK_CONN)
		return 0;
	return m->net.files[file].client + 1;
}

int io_fd_client(const struct machine *m, int pid, int fd)
{
	int fi;
	return fd_file(m, pid, fd, &fi) ? io_file_client(m, fi) : 0;
}

int io_open_connections(const struct machine *m)
{
	return m->net.open_conns;
}

int io_peak_connections(const struct machine *m)
{
	return m->net.peak_conns;
}
