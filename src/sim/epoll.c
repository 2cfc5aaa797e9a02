/* epoll: interest lists, readiness, and the three builtins.  See epoll.h. */
#include "epoll.h"

#include "../lang/ast.h"
#include "core.h"
#include "eplist.h"
#include "fd.h"
#include "net.h"

uint32_t epoll_readiness(const struct machine *m, int fi)
{
	const struct file *f = &m->net.files[fi];
	switch (f->kind) {
	case FK_STDIN: return EPOLLIN;          /* end of file, at once */
	case FK_STDOUT: case FK_STDERR: return EPOLLOUT;
	case FK_LISTEN: return f->queued ? EPOLLIN : 0;
	case FK_CONN: case FK_REMOTE:
		return EPOLLOUT | (f->arrived > f->consumed || f->peer_closed ? EPOLLIN : 0);
	case FK_EPOLL: return epoll_pending(m, fi) ? EPOLLIN : 0;
	default: return 0;
	}
}

uint32_t epoll_item_events(const struct machine *m, const struct epitem *it)
{
	if (it->disarmed)
		return 0;
	uint32_t r = epoll_readiness(m, it->file) & (it->events | EPOLLERR | EPOLLHUP);
	if (r && (it->events & EPOLLET) && it->seen == m->net.files[it->file].edges)
		return 0;       /* edge-triggered: nothing new since it was reported */
	return r;
}

int epoll_pending(const struct machine *m, int ep)
{
	/* an item with something to report is in the ready heap (eplist.h) */
	const struct file *f = &m->net.files[ep];
	int n = 0;
	for (int i = 0; i < f->nready; i++)
		if (f->items[f->ready[i]].file != ep)
			n += epoll_item_events(m, &f->items[f->ready[i]]) != 0;
	return n;
}

void epoll_forget(struct machine *m, int fi)
{
	eplist_forget(m, fi);
}

void epoll_ready(struct machine *m, int fi)
{
	eplist_touch(m, fi);
}

int epoll_create_call(struct machine *m, struct thread *t)
{
	int fi = file_new(m, FK_EPOLL);
	int fd = fd_open(m, t->pid, fi);
	if (fd < 0) {
		file_free(m, fi);
		return io_fail(m, t, BI_EPOLL_CREATE, -1, IO_EMFILE);
	}
	t->r[R0] = fd;
	return 0;
}

/* Set item slot of instance ep's events and data; an edge-triggered
 * item reports what is ready already once.  What it would report may
 * have changed: it is a candidate again. */
static void arm(struct machine *m, int ep, int slot, int64_t events, int64_t data)
{
	struct file *f = &m->net.files[ep];
	struct epitem *it = &f->items[slot];
	it->events = (uint32_t)events;
	it->data = data;
	it->disarmed = 0;
	uint32_t edges = m->net.files[it->file].edges;
	it->seen = epoll_readiness(m, it->file) & it->events ? edges - 1 : edges;
	if (epoll_item_events(m, it))
		eplist_mark(f, slot);
}

int epoll_ctl_call(struct machine *m, struct thread *t, const int64_t *a)
{
	int ep, fi;
	struct file *f = fd_file(m, t->pid, a[0], &ep);
	if (!f || !fd_file(m, t->pid, a[2], &fi))
		return io_fail(m, t, BI_EPOLL_CTL, !f ? a[0] : a[2], IO_EBADF);
	if (f->kind != FK_EPOLL || fi == ep || m->net.files[fi].kind == FK_EPOLL)
		return io_fail(m, t, BI_EPOLL_CTL, a[0], IO_EINVAL);
	int64_t events = 0, data = 0;
	const struct mem *mem = &thread_proc(m, t)->mem;
	if (a[1] != EPOLL_CTL_DEL &&
	    (mem_read(mem, (uint64_t)a[3] + EPOLL_EVENT_EVENTS, &events) != MEM_OK ||
	     mem_read(mem, (uint64_t)a[3] + EPOLL_EVENT_DATA, &data) != MEM_OK))
		return io_fail(m, t, BI_EPOLL_CTL, a[2], IO_EFAULT);
	int i = eplist_find(m, ep, (int)a[2], fi);
	switch (a[1]) {
	case EPOLL_CTL_ADD:
		if (i >= 0)
			return io_fail(m, t, BI_EPOLL_CTL, a[2], IO_EEXIST);
		arm(m, ep, eplist_add(m, ep, (int)a[2], fi), events, data);
		break;
	case EPOLL_CTL_MOD:
		if (i < 0)
			return io_fail(m, t, BI_EPOLL_CTL, a[2], IO_ENOENT);
		arm(m, ep, i, events, data);    /* it keeps its place */
		break;
	case EPOLL_CTL_DEL:
		if (i < 0)
			return io_fail(m, t, BI_EPOLL_CTL, a[2], IO_ENOENT);
		eplist_remove(m, ep, i);
		break;
	default:
		return io_fail(m, t, BI_EPOLL_CTL, a[2], IO_EINVAL);
	}
	t->r[R0] = 0;
	if (ev_on(m, EV_EPOLL_CTL)) {
		struct event *e = ev_begin(m, EV_EPOLL_CTL, t);
		e->a = a[1];
		e->b = a[0];
		e->other = (int)a[2];
		e->addr = (uint64_t)events;
		ev_emit(m);
	}
	return 0;
}

/* The end of an epoll_wait that returned n items. */
static int waited(struct machine *m, struct thread *t, int64_t ep, int n)
{
	t->wait_until = 0;
	t->r[R0] = n;
	if (ev_on(m, EV_EPOLL)) {
		struct event *e = ev_begin(m, EV_EPOLL, t);
		e->a = n;
		e->b = ep;
		ev_emit(m);
	}
	return 0;
}

int epoll_wait_call(struct machine *m, struct thread *t, const int64_t *a, int again)
{
	int ep;
	struct file *f = fd_file(m, t->pid, a[0], &ep);
	if (!f)
		return io_fail(m, t, BI_EPOLL_WAIT, a[0], IO_EBADF);
	if (f->kind != FK_EPOLL || a[2] <= 0 || a[2] > INT32_MAX / EPOLL_EVENT_SIZE)
		return io_fail(m, t, BI_EPOLL_WAIT, a[0], IO_EINVAL);
	if (again == 2)
		return waited(m, t, a[0], 0);   /* its timeout ran out */
	uint64_t out = (uint64_t)a[1];
	/* Report in interest-list order; a reported item moves to the back,
	 * so that many ready descriptors take turns, as Linux's ready list
	 * makes them.  The ready heap (eplist.h) gives the candidates in
	 * that order, and every item with something to report is one of
	 * them, so the first a[2] that report are the ones a pass over the
	 * whole list would find: they are picked first (a candidate with
	 * nothing to report leaves the heap) and put back, so that the
	 * structure is whole while they are written out.  A bad events
	 * array faults the process part way, which may close the instance:
	 * then the items written before are marked reported, in their
	 * places, as the pass over the whole list left them.  Last, the
	 * reported go to the back in the order they were reported; the ones
	 * with nothing more to report (edge-triggered, one-shot, or no
	 * longer ready) leave the heap. */
	int local[16], *pick = local, n = 0, s;
	if (a[2] > 16 && f->nready > 16)
		pick = xmalloc((size_t)(a[2] < f->nready ? a[2] : f->nready) * sizeof *pick);
	while (n < a[2] && (s = eplist_top(f)) >= 0) {
		eplist_pop(f);
		if (f->items[s].file != ep && epoll_item_events(m, &f->items[s]))
			pick[n++] = s;
	}
	for (int k = 0; k < n; k++)
		eplist_mark(f, pick[k]);
	for (int k = 0; k < n; k++) {
		struct epitem *it = &f->items[pick[k]];
		int64_t old;
		uint64_t at = out + (uint64_t)k * EPOLL_EVENT_SIZE;
		if (cpu_load(m, t, at, &old) < 0 ||
		    cpu_store(m, t, at + EPOLL_EVENT_EVENTS, epoll_item_events(m, it)) < 0 ||
		    cpu_store(m, t, at + EPOLL_EVENT_DATA, it->data) < 0) {
			if (pick != local)
				xfree(pick);
			return 0;       /* a bad events array: the process faulted */
		}
		it->seen = m->net.files[it->file].edges;
		if (it->events & EPOLLONESHOT)
			it->disarmed = 1;
	}
	for (int k = 0; k < n; k++) {
		eplist_to_back(f, pick[k]);
		if (!epoll_item_events(m, &f->items[pick[k]]))
			eplist_unmark(f, pick[k]);
	}
	if (pick != local)
		xfree(pick);
	if (n || a[3] == 0)
		return waited(m, t, a[0], n);
	if (again != 1 || !t->wait_until)
		t->wait_until = a[3] > 0 ? m->tick + (uint64_t)a[3] : 0;
	thread_block(m, t, WAIT_EPOLL, (uint64_t)a[0], 0);
	return 1;
}
