/* service: connections to the remote services and their answers.  See
 * service.h. */
#include "service.h"

#include <string.h>

#include "../lang/ast.h"
#include "core.h"
#include "fd.h"
#include "net.h"

/* The index of the service on port, or -1. */
static int service_on(const struct machine *m, int64_t port)
{
	for (int i = 0; i < m->cfg->nservices; i++)
		if (m->cfg->services[i].port == port)
			return i;
	return -1;
}

int service_connect(struct machine *m, struct thread *t, int64_t port)
{
	if (port < 1 || port > 65535)
		return io_fail(m, t, BI_CONNECT, -1, IO_EINVAL);
	int s = service_on(m, port);
	if (s < 0)
		return io_fail(m, t, BI_CONNECT, -1, IO_ECONNREFUSED);
	int fi = file_new(m, FK_REMOTE);
	struct file *f = &m->net.files[fi];
	f->service = s;
	f->serial = ++m->net.dials;
	int fd = fd_open(m, t->pid, fi);
	if (fd < 0) {
		file_free(m, fi);
		return io_fail(m, t, BI_CONNECT, -1, IO_EMFILE);
	}
	t->r[R0] = fd;
	if (ev_on(m, EV_DIAL)) {
		struct event *e = ev_begin(m, EV_DIAL, t);
		e->a = port;
		e->b = fd;
		e->other = s + 1;
		e->text = m->cfg->services[s].name;
		e->len = strlen(m->cfg->services[s].name);
		ev_emit(m);
	}
	return 0;
}

void service_arrive(struct machine *m, int fi, uint64_t serial, int64_t n)
{
	if (fi < 0 || fi >= m->net.nfiles)
		return;
	struct file *f = &m->net.files[fi];
	if (f->kind != FK_REMOTE || f->serial != serial)
		return;         /* closed before its answer came: dropped */
	f->arrived += (uint64_t)n;
	f->answers++;
	f->edges++;
	const struct service *sv = &m->cfg->services[f->service];
	if (ev_on(m, EV_ANSWER)) {
		struct event *e = ev_begin(m, EV_ANSWER, NULL);
		e->a = n;
		e->other = f->service + 1;
		e->text = sv->reply;
		e->len = (size_t)sv->reply_len;
		ev_emit(m);
	}
	net_ready(m, fi);
}

const struct service *service_get(const struct machine *m, int n)
{
	return n >= 1 && n <= m->cfg->nservices ? &m->cfg->services[n - 1] : NULL;
}

int service_of_file(const struct machine *m, int fi)
{
	if (fi < 0 || fi >= m->net.nfiles || m->net.files[fi].kind != FK_REMOTE)
		return 0;
	return m->net.files[fi].service + 1;
}

int service_of_fd(const struct machine *m, int pid, int64_t fd)
{
	int fi;
	return fd_file(m, pid, fd, &fi) ? service_of_file(m, fi) : 0;
}
