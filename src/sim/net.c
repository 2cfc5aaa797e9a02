/* net: clients, sockets and the network between them.  See net.h. */
#include "net.h"

#include <string.h>

#include "../lang/ast.h"
#include "core.h"
#include "epoll.h"
#include "eplist.h"
#include "pool.h"
#include "race.h"
#include "runtime.h"
#include "service.h"

const char *const client_state_names[CL_COUNT] = {
#define X(id, name, doc) [CL_##id] = name,
	CLIENT_STATES(X)
#undef X
};

/* Whether action a comes before action b. */
static int before(const struct net_act *a, const struct net_act *b)
{
	return a->tick != b->tick ? a->tick < b->tick : a->seq < b->seq;
}

static void act(struct machine *m, const struct net_act *a);

/* Whether an action of kind k happens on the clients' side only. */
static int clients_side(enum net_act_kind k)
{
	return k == NA_SEND || k == NA_REPLY || k == NA_HUP;
}

/* Queue action a; the machine will not sleep past it.  A held network
 * runs what happens on the clients' side at once, and keeps the rest
 * for a delivery. */
static void push(struct machine *m, struct net_act a)
{
	struct net *n = &m->net;
	if (n->held && (clients_side(a.kind) || a.kind == NA_ANSWER)) {
		act(m, &a);     /* a service answers at once: only the order counts */
		return;
	}
	if (n->nq == n->cap_q) {
		n->cap_q = n->cap_q ? 2 * n->cap_q : 16;
		n->q = xrealloc(n->q, (size_t)n->cap_q * sizeof *n->q);
	}
	a.seq = ++n->seq;
	int i = n->nq++;
	while (i && before(&a, &n->q[(i - 1) / 2])) {
		n->q[i] = n->q[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	n->q[i] = a;
	if (a.tick < m->next_wake && !n->held)
		m->next_wake = a.tick;
}

/* Restore the heap order of the queue after changes anywhere in it. */
static void heapify(struct net *n)
{
	for (int s = n->nq / 2 - 1; s >= 0; s--) {
		struct net_act x = n->q[s];
		int i = s;
		for (;;) {
			int c = 2 * i + 1;
			if (c >= n->nq)
				break;
			if (c + 1 < n->nq && before(&n->q[c + 1], &n->q[c]))
				c++;
			if (!before(&n->q[c], &x))
				break;
			n->q[i] = n->q[c];
			i = c;
		}
		n->q[i] = x;
	}
}

/* Take action i off the queue, wherever it is. */
static void take(struct net *n, int i)
{
	n->q[i] = n->q[--n->nq];
	heapify(n);
}

/* Take the first action off the queue. */
static struct net_act pop(struct net *n)
{
	struct net_act top = n->q[0], last = n->q[--n->nq];
	int i = 0;
	for (;;) {
		int c = 2 * i + 1;
		if (c >= n->nq)
			break;
		if (c + 1 < n->nq && before(&n->q[c + 1], &n->q[c]))
			c++;
		if (!before(&n->q[c], &last))
			break;
		n->q[i] = n->q[c];
		i = c;
	}
	if (n->nq)
		n->q[i] = last;
	return top;
}

/* The group client c belongs to. */
static const struct client_group *group_of(const struct machine *m, int c)
{
	return &m->cfg->groups[m->net.clients[c].group];
}

/* A one-way trip of client c's group: its latency plus up to its jitter. */
static uint64_t trip(struct machine *m, int c)
{
	const struct client_group *g = group_of(m, c);
	uint64_t j = 0;
	if (m->net.held)
		return 0;               /* no clock: only the order counts */
	if (g->jitter) {
		uint64_t x = m->net.rng;        /* xorshift64 */
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		m->net.rng = x;
		j = x % (g->jitter + 1);
	}
	return g->latency + j;
}

/* An action of kind k for client c, d ticks from now. */
static void later(struct machine *m, enum net_act_kind k, int c, uint64_t d, int64_t n)
{
	push(m, (struct net_act){ .tick = m->tick + d, .kind = k, .client = c, .n = n });
}

/* Client c sends its request: its pieces reach the connection after a trip. */
static void send_request(struct machine *m, int c)
{
	const struct client_group *g = group_of(m, c);
	struct client *cl = &m->net.clients[c];
	cl->requests++;
	cl->sent = m->tick;
	cl->state = CL_WAITING;
	uint64_t d = trip(m, c);
	int pieces = g->pieces < 1 ? 1 : g->pieces > g->send_len ? g->send_len : g->pieces;
	for (int i = 0, done = 0; i < pieces; i++) {
		int n = (g->send_len - done) / (pieces - i);
		later(m, NA_DATA, c, d + (uint64_t)i * g->gap, n);
		done += n;
	}
	if (!g->noreply)
		return;
	/* it waits for no reply: the next request once this one is sent,
	 * or its close, which reaches the program after the last piece */
	uint64_t sending = (uint64_t)(pieces - 1) * g->gap;
	if (cl->requests < (g->requests < 1 ? 1 : g->requests)) {
		cl->state = CL_THINKING;
		later(m, NA_SEND, c, sending + g->think, 0);
	} else {
		cl->state = CL_DONE;
		cl->done = m->tick;
		later(m, NA_FIN, c, d + sending, 0);
	}
}

void net_init(struct machine *m)
{
	struct net *n = &m->net;
	n->rng = m->cfg->seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
	if (!n->rng)
		n->rng = 1;
	for (int g = 0; g < m->cfg->ngroups; g++)
		n->nclients += m->cfg->groups[g].clients;
	if (!n->nclients)
		return;
	n->clients = xmalloc((size_t)n->nclients * sizeof *n->clients);
	for (int g = 0, c = 0; g < m->cfg->ngroups; g++) {
		const struct client_group *gr = &m->cfg->groups[g];
		for (int i = 0; i < gr->clients; i++, c++) {
			n->clients[c] = (struct client){ .group = g, .conn = -1 };
			later(m, NA_CONNECT, c, gr->at + (uint64_t)i * gr->every, 0);
		}
	}
}

void net_copy(struct net *dst, const struct net *src)
{
	*dst = *src;
	freeset_copy(&dst->free, &src->free);
	dst->files = src->cap_files ? pool_alloc((size_t)src->cap_files * sizeof *dst->files) : NULL;
	for (int i = 0; i < src->nfiles; i++) {
		const struct file *f = &src->files[i];
		dst->files[i] = *f;
		eplist_copy(&dst->files[i], f);
	}
	dst->clients = src->nclients ? xmalloc((size_t)src->nclients * sizeof *dst->clients) : NULL;
	if (src->nclients)
		memcpy(dst->clients, src->clients, (size_t)src->nclients * sizeof *dst->clients);
	dst->q = src->cap_q ? xmalloc((size_t)src->cap_q * sizeof *dst->q) : NULL;
	if (src->nq)
		memcpy(dst->q, src->q, (size_t)src->nq * sizeof *dst->q);
}

void net_free(struct net *n)
{
	for (int i = 0; i < n->nfiles; i++)
		eplist_free(&n->files[i]);
	pool_free(n->files, (size_t)n->cap_files * sizeof *n->files);
	xfree(n->clients);
	xfree(n->q);
	freeset_free(&n->free);
	memset(n, 0, sizeof *n);
}

int net_active(const struct machine *m)
{
	return m->net.nclients || m->net.nfiles > 3 || runtime_used(m);
}

/* Mix n bytes at p into h (FNV-1a). */
static uint64_t mix_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

uint64_t net_hash(const struct machine *m)
{
	const struct net *n = &m->net;
	uint64_t h = 0xcbf29ce484222325ull;
	for (int i = 0; i < n->nfiles; i++) {
		const struct file *f = &n->files[i];
		int64_t w[] = { f->kind, f->refs, f->nonblock, f->edges, f->port, f->queued,
				f->client, f->listener, (int64_t)f->queued_seq,
				(int64_t)f->arrived, (int64_t)f->consumed, f->peer_closed };
		h = mix_bytes(h, w, sizeof w);
		if (f->kind == FK_REMOTE) {
			int64_t x[] = { f->service, (int64_t)f->serial, f->requests, f->answers };
			h = mix_bytes(h, x, sizeof x);
		}
		/* the interest list in its order; field by field: no padding
		 * (where eplist.h keeps the items is left out) */
		for (int k = eplist_first(f); k >= 0; k = eplist_next(f, k)) {
			const struct epitem *e = &f->items[k];
			int64_t x[] = { e->fd, e->file, e->events, e->data, e->seen, e->disarmed };
			h = mix_bytes(h, x, sizeof x);
		}
	}
	for (int c = 0; c < n->nclients; c++) {
		const struct client *cl = &n->clients[c];
		int64_t w[] = { cl->state, cl->conn, cl->requests, cl->replies };
		h = mix_bytes(h, w, sizeof w);
	}
	if (n->held) {
		/* what waits, client by client in order, without ticks: the
		 * same deliveries made in another order meet here */
		for (int c = 0; c < n->nclients; c++)
			for (uint64_t after = 0;;) {
				int at = -1;
				for (int i = 0; i < n->nq; i++)
					if (n->q[i].client == c && n->q[i].seq > after &&
					    (at < 0 || n->q[i].seq < n->q[at].seq))
						at = i;
				if (at < 0)
					break;
				const struct net_act *a = &n->q[at];
				int64_t w[] = { a->kind, a->client, a->n, a->split };
				h = mix_bytes(h, w, sizeof w);
				after = a->seq;
			}
		goto tables;
	}
	for (int i = 0; i < n->nq; i++) {
		const struct net_act *a = &n->q[i];
		int64_t w[] = { (int64_t)a->tick, a->kind, a->client, a->n };
		h = mix_bytes(h, w, sizeof w);
		if (a->kind == NA_ANSWER)
			h = mix_bytes(h, &a->serial, sizeof a->serial);
	}
	h = mix_bytes(h, &n->rng, sizeof n->rng);
tables:
	h = runtime_hash(m, h);
	for (int p = 0; p < m->nprocs; p++)
		h = mix_bytes(h, m->procs[p].fds.of, (size_t)m->procs[p].fds.n * sizeof(int));
	for (int i = 0; i < m->nthreads; i++) {
		int64_t w[] = { (int64_t)m->threads[i].wait_until, m->threads[i].io_again };
		h = mix_bytes(h, w, sizeof w);
	}
	return h;
}

uint64_t net_next(const struct machine *m)
{
	return m->net.nq && !m->net.held ? m->net.q[0].tick : UINT64_MAX;
}

int net_clients_waiting(const struct machine *m)
{
	for (int c = 0; c < m->net.nclients; c++)
		if (m->net.clients[c].state != CL_DONE && m->net.clients[c].state != CL_FAILED)
			return 1;
	return 0;
}

const struct client *net_client(const struct machine *m, int n)
{
	return n >= 1 && n <= m->net.nclients ? &m->net.clients[n - 1] : NULL;
}

int net_peak_connections(const struct machine *m)
{
	return m->net.peak_conns;
}

/* The listening socket on port, or -1. */
static int listener_on(const struct machine *m, int port)
{
	for (int i = 0; i < m->net.nfiles; i++)
		if (m->net.files[i].kind == FK_LISTEN && m->net.files[i].port == port)
			return i;
	return -1;
}

/* Emit an event about client c (no thread). */
static void note_client(struct machine *m, enum event_kind k, int c, int64_t a, int other,
			const char *text, size_t len)
{
	if (!ev_on(m, k))
		return;
	struct event *e = ev_begin(m, k, NULL);
	e->a = a;
	e->other = other;
	e->text = text;
	e->len = len;
	ev_emit(m);
	(void)c;
}

/* Client c connects: into the queue of the listener on its port, or it
 * waits for one. */
static void connect_client(struct machine *m, int c)
{
	const struct client_group *g = group_of(m, c);
	int l = listener_on(m, g->port);
	struct client *cl = &m->net.clients[c];
	if (l < 0) {
		cl->state = CL_CONNECTING;
		return;
	}
	int fi = file_new(m, FK_CONN);
	struct file *f = &m->net.files[fi];
	f->client = c;
	f->listener = l;
	f->queued_seq = ++m->net.qseq;
	struct file *lf = &m->net.files[l];
	if (lf->q_tail)
		m->net.files[lf->q_tail - 1].q_next = fi + 1;
	else
		lf->q_head = fi + 1;
	lf->q_tail = fi + 1;
	lf->queued++;
	lf->edges++;
	cl = &m->net.clients[c];
	cl->conn = fi;
	cl->start = m->tick;
	if (ev_on(m, EV_CONNECT)) {
		struct event *e = ev_begin(m, EV_CONNECT, NULL);
		e->a = c + 1;
		e->other = g->port;
		ev_emit(m);
	}
	send_request(m, c);
	net_ready(m, l);
}

/* Client c's connection, while the program has it open (else -1). */
static int conn_of(const struct machine *m, int c)
{
	int fi = m->net.clients[c].conn;
	return fi >= 0 && m->net.files[fi].kind == FK_CONN && m->net.files[fi].client == c ? fi : -1;
}

/* In a held network, drop what client c still has to deliver to a
 * connection the program no longer has. */
static void drop_pending(struct machine *m, int c)
{
	struct net *n = &m->net;
	if (!n->held)
		return;
	int k = 0;
	for (int i = 0; i < n->nq; i++)
		if (n->q[i].client != c || (n->q[i].kind != NA_DATA && n->q[i].kind != NA_FIN))
			n->q[k++] = n->q[i];
	n->nq = k;
	heapify(n);
}

/* Run one action. */
static void act(struct machine *m, const struct net_act *a)
{
	if (a->kind == NA_ANSWER) {
		service_arrive(m, a->client, a->serial, a->n);
		return;
	}
	int c = a->client, fi = conn_of(m, c);
	struct client *cl = &m->net.clients[c];
	const struct client_group *g = group_of(m, c);
	switch (a->kind) {
	case NA_CONNECT:
		connect_client(m, c);
		break;
	case NA_DATA:
	case NA_FIN:
		if (fi < 0)
			break;          /* the program closed it: dropped */
		if (a->kind == NA_DATA)
			m->net.files[fi].arrived += (uint64_t)a->n;
		else
			m->net.files[fi].peer_closed = 1;
		m->net.files[fi].edges++;
		note_client(m, EV_ARRIVE, c, a->kind == NA_DATA ? a->n : 0, c + 1, NULL, 0);
		net_ready(m, fi);
		break;
	case NA_SEND:
		send_request(m, c);
		break;
	case NA_REPLY:
		cl->reply_bytes += (uint64_t)a->n;
		memcpy(cl->reply, a->bytes, (size_t)a->nbytes);
		cl->reply_len = a->nbytes;
		note_client(m, EV_REPLY, c, a->n, c + 1, a->bytes, (size_t)a->nbytes);
		if (cl->state != CL_WAITING)
			break;
		cl->replies++;
		cl->wait_ticks += m->tick - cl->sent;
		if (m->tick - cl->sent > cl->worst)
			cl->worst = m->tick - cl->sent;
		if (cl->requests < (g->requests < 1 ? 1 : g->requests)) {
			cl->state = CL_THINKING;
			later(m, NA_SEND, c, g->think, 0);
		} else {
			cl->state = CL_DONE;
			cl->done = m->tick;
			later(m, NA_FIN, c, trip(m, c), 0);
		}
		break;
	case NA_HUP:
		note_client(m, EV_REPLY, c, 0, c + 1, NULL, 0);
		if (cl->state == CL_WAITING || cl->state == CL_THINKING) {
			cl->state = CL_FAILED;
			cl->done = m->tick;
		}
		break;
	case NA_ANSWER:
		break;
	}
}

void net_run(struct machine *m)
{
	while (!m->net.held && m->net.nq && m->net.q[0].tick <= m->tick && m->state != RUN_ENDED) {
		struct net_act a = pop(&m->net);
		act(m, &a);
	}
}

int net_listen(struct machine *m, struct thread *t, int64_t port)
{
	if (port < 1 || port > 65535)
		return io_fail(m, t, BI_LISTEN, -1, IO_EINVAL);
	if (listener_on(m, (int)port) >= 0)
		return io_fail(m, t, BI_LISTEN, -1, IO_EADDRINUSE);
	int fi = file_new(m, FK_LISTEN);
	m->net.files[fi].port = (int)port;
	int fd = fd_open(m, t->pid, fi);
	if (fd < 0) {
		file_free(m, fi);
		return io_fail(m, t, BI_LISTEN, -1, IO_EMFILE);
	}
	t->r[R0] = fd;
	if (ev_on(m, EV_LISTEN)) {
		struct event *e = ev_begin(m, EV_LISTEN, t);
		e->a = port;
		e->b = fd;
		ev_emit(m);
	}
	for (int c = 0; c < m->net.nclients; c++)
		if (m->net.clients[c].state == CL_CONNECTING && group_of(m, c)->port == port)
			connect_client(m, c);
	return 0;
}

int net_accept(struct machine *m, struct thread *t, int64_t fd)
{
	int l, best = -1;
	struct file *f = fd_file(m, t->pid, fd, &l);
	if (!f)
		return io_fail(m, t, BI_ACCEPT, fd, IO_EBADF);
	if (f->kind != FK_LISTEN)
		return io_fail(m, t, BI_ACCEPT, fd, f->kind == FK_CONN ? IO_EINVAL : IO_ENOTSOCK);
	if (f->queued)
		best = f->q_head - 1;   /* the connection that came first */
	if (best < 0) {
		if (f->nonblock)
			return io_fail(m, t, BI_ACCEPT, fd, IO_EAGAIN);
		if (runtime_runs(m, t))         /* a coroutine parks, not its worker */
			return runtime_park(m, t, WAIT_ACCEPT, fd, l);
		thread_block(m, t, WAIT_ACCEPT, (uint64_t)fd, 0);
		return 1;
	}
	int nfd = fd_open(m, t->pid, best);
	if (nfd < 0)
		return io_fail(m, t, BI_ACCEPT, fd, IO_EMFILE);
	struct file *g = &m->net.files[best], *lf = &m->net.files[l];
	g->queued_seq = 0;
	lf->q_head = g->q_next;
	if (!lf->q_head)
		lf->q_tail = 0;
	g->q_next = 0;
	lf->queued--;
	if (++m->net.open_conns > m->net.peak_conns)
		m->net.peak_conns = m->net.open_conns;
	t->r[R0] = nfd;
	if (ev_on(m, EV_ACCEPT)) {
		struct event *e = ev_begin(m, EV_ACCEPT, t);
		e->a = m->net.files[best].client + 1;
		e->b = nfd;
		ev_emit(m);
	}
	return 0;
}

/* Whether [buf, buf+len) of t's process is mapped with permission prot. */
static int user_range(struct machine *m, struct thread *t, uint64_t buf, int64_t len, int prot)
{
	const struct mem *mem = &thread_proc(m, t)->mem;
	if (buf + (uint64_t)len < buf)
		return 0;
	for (uint64_t a = buf & ~(uint64_t)(PAGE_SIZE - 1); a < buf + (uint64_t)len; a += PAGE_SIZE)
		if ((mem_prot(mem, a) & (prot | MP_GUARD)) != prot)
			return 0;
	return 1;
}

/* Store the n bytes of src at buf in t's process as the program would
 * (heap checks, the race detector); -1 after a fault. */
static int copy_out(struct machine *m, struct thread *t, uint64_t buf, const char *src, int64_t n)
{
	uint64_t end = buf + (uint64_t)n;
	for (uint64_t w = buf & ~(uint64_t)7; w < end; w += 8) {
		int64_t v;
		if (cpu_load(m, t, w, &v) < 0)
			return -1;
		for (uint64_t a = w < buf ? buf : w; a < w + 8 && a < end; a++) {
			int sh = (int)(8 * (a - w));
			v = (int64_t)(((uint64_t)v & ~(0xffull << sh)) |
				      ((uint64_t)(unsigned char)src[a - buf] << sh));
		}
		if (cpu_store(m, t, w, v) < 0)
			return -1;
		race_access(m, t, w, 1, t->pc);
		race_emit(m, t);        /* the sys instruction's event is out already */
	}
	return 0;
}

int64_t net_read(struct machine *m, struct thread *t, int fi, uint64_t buf, int64_t len)
{
	struct file *f = &m->net.files[fi];
	if (f->queued_seq)
		return -IO_ENOTCONN;
	uint64_t avail = f->arrived - f->consumed;
	if (!avail)
		return f->peer_closed ? 0 : -IO_EAGAIN;
	if (!len)
		return 0;
	int64_t n = (uint64_t)len < avail ? len : (int64_t)avail;
	if (!user_range(m, t, buf, n, MP_R | MP_W))
		return -IO_EFAULT;
	/* a client's stream repeats its request; a service's, its reply */
	const char *src;
	uint64_t srclen;
	if (f->kind == FK_REMOTE) {
		src = m->cfg->services[f->service].reply;
		srclen = (uint64_t)m->cfg->services[f->service].reply_len;
	} else {
		src = group_of(m, f->client)->send;
		srclen = (uint64_t)group_of(m, f->client)->send_len;
	}
	char chunk[512];
	for (int64_t done = 0; done < n;) {
		int64_t k = n - done < (int64_t)sizeof chunk ? n - done : (int64_t)sizeof chunk;
		for (int64_t i = 0; i < k; i++)
			chunk[i] = src[(f->consumed + (uint64_t)(done + i)) % srclen];
		if (copy_out(m, t, buf + (uint64_t)done, chunk, k) < 0)
			return 0;
		done += k;
	}
	m->net.files[fi].consumed += (uint64_t)n;
	return n;
}

int64_t net_write(struct machine *m, struct thread *t, int fi, uint64_t buf, int64_t len)
{
	struct file *f = &m->net.files[fi];
	if (f->queued_seq)
		return -IO_ENOTCONN;
	if (f->peer_closed)
		return -IO_EPIPE;
	if (!user_range(m, t, buf, len, MP_R))
		return -IO_EFAULT;
	if (f->kind == FK_REMOTE) {
		/* one request: the service answers it after its latency */
		const struct service *sv = &m->cfg->services[f->service];
		f->requests++;
		push(m, (struct net_act){ .tick = m->tick + sv->latency, .kind = NA_ANSWER,
					  .client = fi, .n = sv->reply_len, .serial = f->serial });
		return len;
	}
	struct net_act a = { .tick = m->tick + trip(m, f->client), .kind = NA_REPLY,
			     .client = f->client, .n = len };
	a.nbytes = len < CLIENT_REPLY_KEEP ? (int)len : CLIENT_REPLY_KEEP;
	for (int i = 0; i < a.nbytes; i++) {
		uint64_t p = buf + (uint64_t)i;
		a.bytes[i] = (char)(mem_peek(&thread_proc(m, t)->mem, p & ~(uint64_t)7) >> (8 * (p & 7)));
	}
	push(m, a);
	return len;
}

void net_closed(struct machine *m, int fi)
{
	struct file *f = &m->net.files[fi];
	if (f->kind == FK_LISTEN) {
		/* the connections still in its queue are refused, the first
		 * to come first */
		for (int next = f->q_head; next;) {
			int i = next - 1;
			struct file *g = &m->net.files[i];
			int c = g->client;
			next = g->q_next;
			memset(g, 0, sizeof *g);
			file_free(m, i);
			drop_pending(m, c);
			later(m, NA_HUP, c, trip(m, c), 0);
		}
		f = &m->net.files[fi];
		f->q_head = f->q_tail = 0;
		return;
	}
	int c = f->client;
	m->net.open_conns--;
	f->client = -1;
	drop_pending(m, c);
	struct client *cl = &m->net.clients[c];
	if (cl->state != CL_DONE && cl->state != CL_FAILED)
		later(m, NA_HUP, c, trip(m, c), 0);
}

/* Wake t, blocked in an I/O call, to make it again. */
static void retry(struct machine *m, struct thread *t)
{
	t->io_again = 1;
	t->wait_until = 0;
	thread_wake(m, t, 0, 0);
}

/* Whether t, blocked in an I/O call, waits for open file fi: an accept
 * or a read on it, or an epoll_wait on an instance that watches it. */
static int waits_for(const struct machine *m, const struct thread *t, int fi)
{
	int gi;
	if (t->state != TS_BLOCKED || !fd_file(m, t->pid, (int64_t)t->wait_on, &gi))
		return 0;
	if (t->wait == WAIT_ACCEPT || t->wait == WAIT_READ)
		return gi == fi;
	if (t->wait == WAIT_EPOLL)
		return m->net.files[gi].kind == FK_EPOLL && eplist_watches(m, gi, fi);
	return 0;
}

void net_ready(struct machine *m, int fi)
{
	/* accept wakes the thread that waited longest, read every reader,
	 * epoll_wait every waiter of an instance that watches fi */
	epoll_ready(m, fi);
	struct thread *first = NULL;
	for (int w = 0; w < (m->nthreads + 63) / 64; w++)
	for (uint64_t bits = m->io_waiting[w]; bits; bits &= bits - 1) {
		/* only the threads waiting in I/O, in the order of their ids */
		struct thread *t = &m->threads[w * 64 + __builtin_ctzll(bits)];
		if (t->state != TS_BLOCKED) {   /* its process died */
			m->io_waiting[w] &= ~(1ull << (t->id - 1) % 64);
			continue;
		}
		if (!waits_for(m, t, fi))
			continue;
		if (t->wait == WAIT_ACCEPT) {
			if (!first || t->wait_seq < first->wait_seq)
				first = t;
		} else {
			retry(m, t);
		}
	}
	if (first)
		retry(m, first);
	runtime_ready(m, fi);
}

int net_wakes(const struct machine *m, int fi)
{
	if (fi < 0)
		return 1;       /* it may reach anything */
	for (int w = 0; w < (m->nthreads + 63) / 64; w++)
		for (uint64_t bits = m->io_waiting[w]; bits; bits &= bits - 1)
			if (waits_for(m, &m->threads[w * 64 + __builtin_ctzll(bits)], fi))
				return 1;
	return 0;
}

void net_hold(struct machine *m)
{
	m->net.held = 1;
	m->next_wake = UINT64_MAX;      /* no thread sleeps yet, nothing is timed */
	m->taken.net = 1;               /* the schedule it takes says so */
}

void net_release(struct machine *m)
{
	struct net *n = &m->net;
	n->held = 0;
	for (int i = 0; i < n->nq; i++)
		n->q[i].tick = m->tick;         /* in the order they were sent */
	heapify(n);
	if (n->nq && m->tick < m->next_wake)
		m->next_wake = m->tick;
}

/* The queue index of client c's next delivery, or -1. */
static int head_of(const struct net *n, int c)
{
	int at = -1;
	for (int i = 0; i < n->nq; i++)
		if (n->q[i].client == c && (at < 0 || n->q[i].seq < n->q[at].seq))
			at = i;
	return at;
}

int net_can_deliver(const struct machine *m, int c)
{
	const struct net *n = &m->net;
	int i = c >= 0 && c < n->nclients ? head_of(n, c) : -1;
	if (!n->held || i < 0)
		return 0;
	const struct net_act *a = &n->q[i];
	switch (a->kind) {
	case NA_CONNECT:
		return listener_on(m, group_of(m, c)->port) >= 0 ? NET_WHOLE | NET_CONNECT : 0;
	case NA_DATA:
		if (conn_of(m, c) < 0)
			return 0;
		return a->n >= 2 && !a->split && !group_of(m, c)->whole ? NET_WHOLE | NET_SPLIT
									: NET_WHOLE;
	case NA_FIN:
		return conn_of(m, c) < 0 ? 0 : NET_WHOLE;
	default:
		return 0;
	}
}

int net_delivery_file(const struct machine *m, int c)
{
	int i = c >= 0 && c < m->net.nclients ? head_of(&m->net, c) : -1;
	if (i < 0)
		return -1;
	if (m->net.q[i].kind == NA_CONNECT)
		return listener_on(m, group_of(m, c)->port);
	return conn_of(m, c);
}

int net_deliver(struct machine *m, int c, int split)
{
	int can = net_can_deliver(m, c);
	if (!can)
		return -1;
	struct net *n = &m->net;
	int i = head_of(n, c);
	struct net_act a = n->q[i];
	split = split && (can & NET_SPLIT);
	if (split) {
		a.n = n->q[i].n / 2;
		n->q[i].n -= a.n;
		n->q[i].split = 1;
	} else {
		take(n, i);
	}
	if (m->record && !m->taken_partial) {   /* a schedule cut short ends there */
		sched_add_delivery(&m->taken, 0, c + 1, split);
		m->taken_runs++;
	}
	act(m, &a);
	return 0;
}
