/* epoll: interest lists, readiness, and the three builtins.  See epoll.h. */
#include "epoll.h"

#include <string.h>

#include "../lang/ast.h"
#include "core.h"
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
	const struct file *f = &m->net.files[ep];
	int n = 0;
	for (int i = 0; i < f->nitems; i++)
		if (f->items[i].file != ep)
			n += epoll_item_events(m, &f->items[i]) != 0;
	return n;
}

void epoll_forget(struct machine *m, int fi)
{
	for (int j = 0; j < m->net.nepolls; j++) {
		struct file *f = &m->net.files[m->net.epolls[j]];
		if (f->kind != FK_EPOLL)
			continue;
		int k = 0;
		for (int i = 0; i < f->nitems; i++)
			if (f->items[i].file != fi)
				f->items[k++] = f->items[i];
		f->nitems = k;
	}
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

/* The item of instance f for descriptor fd naming file fi, or -1. */
static int find_item(const struct file *f, int fd, int fi)
{
	for (int i = 0; i < f->nitems; i++)
		if (f->items[i].fd == fd && f->items[i].file == fi)
			return i;
	return -1;
}

/* Set item it's events and data from the struct epoll_event at ev;
 * an edge-triggered item reports what is ready already once. */
static void arm(const struct machine *m, struct epitem *it, int64_t events, int64_t data)
{
	it->events = (uint32_t)events;
	it->data = data;
	it->disarmed = 0;
	uint32_t edges = m->net.files[it->file].edges;
	it->seen = epoll_readiness(m, it->file) & it->events ? edges - 1 : edges;
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
	int i = find_item(f, (int)a[2], fi);
	switch (a[1]) {
	case EPOLL_CTL_ADD:
		if (i >= 0)
			return io_fail(m, t, BI_EPOLL_CTL, a[2], IO_EEXIST);
		if (f->nitems == f->cap_items) {
			f->cap_items = f->cap_items ? 2 * f->cap_items : 8;
			f->items = xrealloc(f->items, (size_t)f->cap_items * sizeof *f->items);
		}
		i = f->nitems++;
		f->items[i] = (struct epitem){ .fd = (int)a[2], .file = fi };
		arm(m, &f->items[i], events, data);
		break;
	case EPOLL_CTL_MOD:
		if (i < 0)
			return io_fail(m, t, BI_EPOLL_CTL, a[2], IO_ENOENT);
		arm(m, &f->items[i], events, data);
		break;
	case EPOLL_CTL_DEL:
		if (i < 0)
			return io_fail(m, t, BI_EPOLL_CTL, a[2], IO_ENOENT);
		memmove(f->items + i, f->items + i + 1, (size_t)(f->nitems - i - 1) * sizeof *f->items);
		f->nitems--;
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
	int n = 0, nitems = f->nitems;
	/* report in interest-list order; a reported item moves to the back,
	 * so that many ready descriptors take turns, as Linux's ready list
	 * makes them */
	struct epitem *done = xmalloc((size_t)(nitems ? nitems : 1) * sizeof *done);
	int k = 0;
	for (int i = 0; i < nitems; i++) {
		struct epitem *it = &f->items[i];
		uint32_t r = n < a[2] ? epoll_item_events(m, it) : 0;
		if (!r) {
			f->items[k++] = *it;
			continue;
		}
		int64_t old;
		uint64_t at = out + (uint64_t)n * EPOLL_EVENT_SIZE;
		if (cpu_load(m, t, at, &old) < 0 || cpu_store(m, t, at + EPOLL_EVENT_EVENTS, r) < 0 ||
		    cpu_store(m, t, at + EPOLL_EVENT_DATA, it->data) < 0) {
			xfree(done);
			return 0;       /* a bad events array: the process faulted */
		}
		it->seen = m->net.files[it->file].edges;
		if (it->events & EPOLLONESHOT)
			it->disarmed = 1;
		done[n++] = *it;
	}
	if (n)         /* an empty interest list has no array to copy into */
		memcpy(f->items + k, done, (size_t)n * sizeof *done);
	xfree(done);
	if (n || a[3] == 0)
		return waited(m, t, a[0], n);
	if (again != 1 || !t->wait_until)
		t->wait_until = a[3] > 0 ? m->tick + (uint64_t)a[3] : 0;
	thread_block(m, t, WAIT_EPOLL, (uint64_t)a[0], 0);
	return 1;
}
