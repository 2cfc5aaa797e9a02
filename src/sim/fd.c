/* fd: descriptor tables, open files, and the builtins that work on any
 * descriptor (read, write, close, set_nonblocking).  See fd.h. */
#include "fd.h"

#include <string.h>

#include "../lang/ast.h"
#include "core.h"
#include "epoll.h"
#include "eplist.h"
#include "net.h"
#include "runtime.h"
#include "service.h"

const char *const file_kind_names[FK_COUNT] = {
#define X(id, doc) [FK_##id] = doc,
	FILE_KINDS(X)
#undef X
};

/* The standard files are the machine's first three. */
enum { FILE_STDIN, FILE_STDOUT, FILE_STDERR };

int file_new(struct machine *m, enum file_kind k)
{
	struct net *n = &m->net;
	int fi = n->free.n ? freeset_take(&n->free) : -1;
	if (fi < 0) {
		if (n->nfiles == n->cap_files) {
			n->cap_files = n->cap_files ? 2 * n->cap_files : 8;
			n->files = xrealloc(n->files, (size_t)n->cap_files * sizeof *n->files);
		}
		fi = n->nfiles++;
	}
	memset(&n->files[fi], 0, sizeof n->files[fi]);
	n->files[fi].kind = k;
	n->files[fi].client = -1;
	n->files[fi].listener = -1;
	return fi;
}

void file_unref(struct machine *m, int fi)
{
	struct file *f = &m->net.files[fi];
	if (--f->refs > 0)
		return;
	epoll_forget(m, fi);
	runtime_closed(m, fi);
	if (f->kind == FK_CONN || f->kind == FK_LISTEN)
		net_closed(m, fi);
	f = &m->net.files[fi];
	if (f->kind <= FK_STDERR)
		return;         /* the standard files stay, closed or not */
	eplist_free(f);
	memset(f, 0, sizeof *f);
	file_free(m, fi);
}

void file_free(struct machine *m, int fi)
{
	m->net.files[fi].kind = FK_FREE;
	freeset_put(&m->net.free, fi);
}

int fd_open(struct machine *m, int pid, int fi)
{
	struct fdtab *t = &machine_proc(m, pid)->fds;
	int fd = t->free.n ? freeset_take(&t->free) : t->n;
	if (fd >= FD_MAX)
		return -1;
	if (fd == t->n) {
		if (t->n == t->cap) {
			t->cap = t->cap ? 2 * t->cap : 8;
			t->of = xrealloc(t->of, (size_t)t->cap * sizeof *t->of);
		}
		t->n++;
	}
	t->of[fd] = fi + 1;
	m->net.files[fi].refs++;
	return fd;
}

struct file *fd_file(const struct machine *m, int pid, int64_t fd, int *fi)
{
	const struct process *p = machine_proc(m, pid);
	if (!p || fd < 0 || fd >= p->fds.n || !p->fds.of[fd])
		return NULL;
	*fi = p->fds.of[fd] - 1;
	return &m->net.files[*fi];
}

void fd_init(struct machine *m, struct process *p)
{
	int pid = p->pid;
	if (!m->net.nfiles)
		for (int k = FK_STDIN; k <= FK_STDERR; k++)
			file_new(m, (enum file_kind)k);
	for (int fi = FILE_STDIN; fi <= FILE_STDERR; fi++)
		fd_open(m, pid, fi);
}

void fd_fork(struct machine *m, struct process *child, const struct process *parent)
{
	fdtab_copy(&child->fds, &parent->fds);
	for (int fd = 0; fd < child->fds.n; fd++)
		if (child->fds.of[fd])
			m->net.files[child->fds.of[fd] - 1].refs++;
}

void fd_close_all(struct machine *m, struct process *p)
{
	int pid = p->pid;
	for (int fd = 0; fd < machine_proc(m, pid)->fds.n; fd++) {
		struct fdtab *t = &machine_proc(m, pid)->fds;
		int fi = t->of[fd] - 1;
		if (fi < 0)
			continue;
		t->of[fd] = 0;
		file_unref(m, fi);
	}
	/* every descriptor is free now: 0 to n - 1 in order is a heap */
	struct fdtab *t = &machine_proc(m, pid)->fds;
	t->free.n = 0;
	for (int fd = 0; fd < t->n; fd++)
		freeset_put(&t->free, fd);
}

void fdtab_copy(struct fdtab *dst, const struct fdtab *src)
{
	dst->n = dst->cap = src->n;
	dst->of = src->n ? xmalloc((size_t)src->n * sizeof *dst->of) : NULL;
	if (src->n)
		memcpy(dst->of, src->of, (size_t)src->n * sizeof *dst->of);
	freeset_copy(&dst->free, &src->free);
}

void fdtab_free(struct fdtab *t)
{
	xfree(t->of);
	freeset_free(&t->free);
	memset(t, 0, sizeof *t);
}

int io_fail(struct machine *m, struct thread *t, int bi, int64_t fd, int err)
{
	t->r[R0] = -1;
	if (m->img->errno_off >= 0)
		mem_poke(&thread_proc(m, t)->mem, t->tls + (uint64_t)m->img->errno_off, err);
	if (ev_on(m, EV_IOFAIL)) {
		struct event *e = ev_begin(m, EV_IOFAIL, t);
		e->a = bi;
		e->b = err;
		e->other = (int)fd;
		ev_emit(m);
	}
	return 0;
}

/* Emit READ or WRITE: t moved n bytes through fd, starting with the
 * bytes at buf. */
static void note_rw(struct machine *m, struct thread *t, enum event_kind k, int64_t fd,
		    uint64_t buf, int64_t n)
{
	if (!ev_on(m, k))
		return;
	char text[64];   /* the event is told before this returns */
	size_t len = n < (int64_t)sizeof text ? (size_t)(n > 0 ? n : 0) : sizeof text;
	for (size_t i = 0; i < len; i++) {
		int64_t w = mem_peek(&thread_proc(m, t)->mem, (buf + i) & ~(uint64_t)7);
		text[i] = (char)(w >> (8 * ((buf + i) & 7)));
	}
	struct event *e = ev_begin(m, k, t);
	e->a = n;
	e->b = fd;
	e->text = text;
	e->len = len;
	ev_emit(m);
}

/* write(fd, buf, n) to standard output or error: the bytes are printed. */
static int64_t write_tty(struct machine *m, struct thread *t, uint64_t buf, int64_t n)
{
	size_t len = n < (int64_t)sizeof m->text - 1 ? (size_t)n : sizeof m->text - 1;
	for (size_t i = 0; i < len; i++) {
		int64_t w;
		if (mem_read(&thread_proc(m, t)->mem, (buf + i) & ~(uint64_t)7, &w) != MEM_OK)
			return -IO_EFAULT;
		m->text[i] = (char)(w >> (8 * ((buf + i) & 7)));
	}
	m->text[len] = 0;
	if (ev_on(m, EV_PRINT)) {
		struct event *e = ev_begin(m, EV_PRINT, t);
		e->text = m->text;
		e->len = len;
		ev_emit(m);
	}
	return n;
}

/* read(fd, buf, n), write(fd, buf, n): returns 1 when t blocked. */
static int read_write(struct machine *m, struct thread *t, int bi, const int64_t *a)
{
	int fi;
	struct file *f = fd_file(m, t->pid, a[0], &fi);
	int64_t r;
	if (!f)
		return io_fail(m, t, bi, a[0], IO_EBADF);
	if (a[2] < 0)
		return io_fail(m, t, bi, a[0], IO_EINVAL);
	if (bi == BI_READ) {
		switch (f->kind) {
		case FK_STDIN: r = 0; break;    /* nothing is typed: end of file */
		case FK_CONN: case FK_REMOTE: r = net_read(m, t, fi, (uint64_t)a[1], a[2]); break;
		case FK_LISTEN: r = -IO_ENOTCONN; break;
		case FK_EPOLL: r = -IO_EINVAL; break;
		default: r = -IO_EBADF; break;
		}
		if (r == -IO_EAGAIN && !m->net.files[fi].nonblock) {
			if (runtime_runs(m, t))         /* a coroutine parks, not its worker */
				return runtime_park(m, t, WAIT_READ, a[0], fi);
			thread_block(m, t, WAIT_READ, (uint64_t)a[0], 0);
			return 1;
		}
	} else {
		switch (f->kind) {
		case FK_STDOUT: case FK_STDERR: r = write_tty(m, t, (uint64_t)a[1], a[2]); break;
		case FK_CONN: case FK_REMOTE: r = net_write(m, t, fi, (uint64_t)a[1], a[2]); break;
		case FK_LISTEN: r = -IO_ENOTCONN; break;
		case FK_EPOLL: r = -IO_EINVAL; break;
		default: r = -IO_EBADF; break;
		}
	}
	if (m->state == RUN_ENDED || t->state == TS_DONE)
		return 0;       /* a bad buffer: the process faulted */
	if (r < 0)
		return io_fail(m, t, bi, a[0], (int)-r);
	t->r[R0] = r;
	note_rw(m, t, bi == BI_READ ? EV_READ : EV_WRITE, a[0], (uint64_t)a[1], r);
	return 0;
}

/* close(fd) */
static int do_close(struct machine *m, struct thread *t, const int64_t *a)
{
	int fi;
	struct file *f = fd_file(m, t->pid, a[0], &fi);
	if (!f)
		return io_fail(m, t, BI_CLOSE, a[0], IO_EBADF);
	int client = f->kind == FK_CONN && f->refs == 1 ? f->client + 1 : 0;
	thread_proc(m, t)->fds.of[a[0]] = 0;
	freeset_put(&thread_proc(m, t)->fds.free, (int)a[0]);
	file_unref(m, fi);
	t->r[R0] = 0;
	if (ev_on(m, EV_CLOSE)) {
		struct event *e = ev_begin(m, EV_CLOSE, t);
		e->b = a[0];
		e->other = client;
		ev_emit(m);
	}
	return 0;
}

int io_call(struct machine *m, struct thread *t, int bi, const int64_t *a)
{
	int fi, again = t->io_again;
	t->io_again = 0;
	switch (bi) {
	case BI_READ: case BI_WRITE:
		return read_write(m, t, bi, a);
	case BI_CLOSE:
		return do_close(m, t, a);
	case BI_SET_NONBLOCK: {
		struct file *f = fd_file(m, t->pid, a[0], &fi);
		if (!f)
			return io_fail(m, t, bi, a[0], IO_EBADF);
		f->nonblock = 1;
		t->r[R0] = 0;
		return 0;
	}
	case BI_LISTEN:
		return net_listen(m, t, a[0]);
	case BI_ACCEPT:
		return net_accept(m, t, a[0]);
	case BI_CONNECT:
		return service_connect(m, t, a[0]);
	case BI_EPOLL_CREATE:
		return epoll_create_call(m, t);
	case BI_EPOLL_CTL:
		return epoll_ctl_call(m, t, a);
	case BI_EPOLL_WAIT:
		return epoll_wait_call(m, t, a, again);
	}
	return 0;
}
