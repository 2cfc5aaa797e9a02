/* iopanel: the I/O panel's rows.  See iopanel.h. */
#include "iopanel.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../i18n.h"
#include "../sim/epoll.h"
#include "../sim/io_view.h"
#include "../sim/service.h"

/* What the panel calls a client in each state. */
static const char *const state_words[CL_COUNT] = {
	[CL_IDLE] = N_("to come"), [CL_CONNECTING] = N_("connecting"), [CL_WAITING] = N_("waiting"),
	[CL_THINKING] = N_("thinking"), [CL_DONE] = N_("done"), [CL_FAILED] = N_("failed"),
};

struct rows {
	struct io_row *r;
	size_t n, max;
	int ascii;
};

/* A new row, or NULL when there is no room. */
__attribute__((format(printf, 4, 5)))
static struct io_row *add(struct rows *o, enum io_row_kind k, int depth, const char *fmt, ...)
{
	if (o->n >= o->max)
		return NULL;
	struct io_row *r = &o->r[o->n++];
	memset(r, 0, sizeof *r);
	r->kind = k;
	r->depth = depth;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->text, sizeof r->text, fmt, ap);
	va_end(ap);
	return r;
}

/* Append fmt to row r's text. */
__attribute__((format(printf, 2, 3)))
static void more(struct io_row *r, const char *fmt, ...)
{
	size_t len = strlen(r->text);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->text + len, sizeof r->text - len, fmt, ap);
	va_end(ap);
}

/* "in", "in out et", "in oneshot": the events an item watches. */
static void events_text(uint32_t ev, char *out, size_t n)
{
	snprintf(out, n, "%s%s%s%s", ev & EPOLLIN ? "in" : "",
		 (ev & EPOLLOUT) ? (ev & EPOLLIN ? " out" : "out") : "",
		 ev & EPOLLET ? " et" : "", ev & EPOLLONESHOT ? " oneshot" : "");
}

/* The unread bytes of connection file as a quoted string, escapes for
 * what does not print, cut after a few. */
static void bytes_text(const struct machine *m, int file, uint64_t unread, int ascii,
		       char *out, size_t n)
{
	char b[24];
	size_t k = io_unread(m, file, b, sizeof b), w = 0;
	out[w++] = '"';
	for (size_t i = 0; i < k && w + 6 < n; i++) {
		unsigned char c = (unsigned char)b[i];
		if (c == '\n' || c == '\r' || c == '\t' || c == '"' || c == '\\')
			w += (size_t)snprintf(out + w, n - w, "\\%c",
					      c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : c);
		else if (c < 0x20 || c >= 0x7f)
			w += (size_t)snprintf(out + w, n - w, "\\x%02x", c);
		else
			out[w++] = (char)c;
	}
	out[w++] = '"';
	out[w] = 0;
	if (unread > k)
		snprintf(out + w, n - w, "%s", ascii ? "..." : "…");
}

/* One descriptor's row, and its interest list's for an epoll instance. */
static void fd_rows(struct rows *o, const struct machine *m, const struct io_fd *d)
{
	static const char *const short_names[FK_COUNT] = {
		[FK_STDIN] = "stdin", [FK_STDOUT] = "stdout", [FK_STDERR] = "stderr",
		[FK_LISTEN] = N_("listening"), [FK_CONN] = N_("client"), [FK_EPOLL] = "epoll",
		[FK_REMOTE] = N_("service"),
	};
	struct io_row *r = add(o, IO_FD, 1, "fd %-2d %s", d->fd,
			       short_names[d->kind] ? _(short_names[d->kind]) : "?");
	if (!r)
		return;
	char b[96];
	switch (d->kind) {
	case FK_LISTEN:
		more(r, _(", port %d"), d->port);
		if (d->queued)
			more(r, _("  %d to accept"), d->queued);
		r->hot = d->queued > 0;
		break;
	case FK_CONN:
		more(r, " %d", d->client);
		if (d->unread) {
			bytes_text(m, d->file, d->unread, o->ascii, b, sizeof b);
			more(r, "  %llu B %s", (unsigned long long)d->unread, b);
		} else {
			more(r, "%s", _("  empty"));
		}
		if (d->peer_closed)
			more(r, "%s", _(", client closed"));
		r->hot = d->unread > 0 || d->peer_closed;
		break;
	case FK_REMOTE: {
		const struct service *sv = service_get(m, d->service);
		more(r, _(" %s, port %d  %d asked, %d answered"), sv ? sv->name : "?",
		     sv ? sv->port : 0, d->requests, d->answers);
		if (d->unread) {
			bytes_text(m, d->file, d->unread, o->ascii, b, sizeof b);
			more(r, "  %llu B %s", (unsigned long long)d->unread, b);
		} else if (d->answers < d->requests) {
			more(r, "%s", _("  waiting for its answer"));

		}
		r->hot = d->unread > 0;
		break;
	}
	case FK_EPOLL:
		more(r, _("  %d watched, %d ready"), d->watched, d->pending);
		r->hot = d->pending > 0;
		break;
	default:
		break;
	}
	if (d->nonblock)
		more(r, "%s", _("  non-blocking"));
	if (d->refs > 1)
		more(r, _("  shared by %d"), d->refs);
	if (d->parked)
		more(r, d->parked == 1 ? _("  %d coroutine parked") : _("  %d coroutines parked"),
		     d->parked);
	if (d->kind != FK_EPOLL || !d->watched)
		return;
	struct io_watch w[8];
	size_t nw = io_watches(m, d->file, w, 8);
	struct io_row *i = add(o, IO_DETAIL, 1, "      %s", _("interest"));
	if (!i)
		return;
	for (size_t k = 0; k < nw && k < 8; k++) {
		events_text(w[k].events, b, sizeof b);
		more(i, " %d %s%s%s", w[k].fd, b, w[k].disarmed ? _(" (disarmed)") : "",
		     k + 1 < nw && k + 1 < 8 ? "," : "");
	}
	if (nw > 8)
		more(i, _(" %s %zu more"), o->ascii ? "..." : "…", nw - 8);
	if (d->pending) {
		more(i, "%s", _("  ready"));
		for (size_t k = 0; k < nw && k < 8; k++)
			if (w[k].ready)
				more(i, " %d", w[k].fd);
		i->hot = 1;
	}
}

size_t iopanel_build(const struct machine *m, int pid, int ascii, struct io_row *rows,
		     size_t max)
{
	if (!io_active(m))
		return 0;
	struct rows o = { rows, 0, max, ascii };
	struct io_fd fds[IOPANEL_FDS];
	size_t n = io_fds(m, pid, fds, IOPANEL_FDS);
	struct io_row *h = add(&o, IO_HEAD, 0, _("descriptors of P%d"), pid);
	if (h && !n)
		more(h, "%s", _(": none but 0, 1 and 2"));
	for (size_t i = 0; i < n && i < IOPANEL_FDS; i++)
		fd_rows(&o, m, &fds[i]);
	if (n > IOPANEL_FDS)
		add(&o, IO_MORE, 1, _("%s %zu more descriptors"), ascii ? "..." : "…",
		    n - IOPANEL_FDS);
	int by[CL_COUNT];
	int nc = io_clients(m, by);
	if (!nc)
		return o.n;
	h = add(&o, IO_HEAD, 0, _("clients %d:"), nc);
	const char *sep = " ";
	for (int s = 0; s < CL_COUNT && h; s++)
		if (by[s]) {
			more(h, "%s%d %s", sep, by[s], _(state_words[s]));
			sep = ", ";
		}
	struct io_client w[IOPANEL_CLIENTS];
	size_t nw = io_longest_waiting(m, w, IOPANEL_CLIENTS);
	for (size_t i = 0; i < nw; i++) {
		struct io_row *r = add(&o, IO_CLIENT, 1,
				       _("client %d waiting for its reply since tick %llu (%llu ticks)"),
				       w[i].id, (unsigned long long)w[i].since,
				       (unsigned long long)(m->tick - w[i].since));
		if (r && w[i].replies)
			more(r, _(", %d replies before"), w[i].replies);
	}
	if (by[CL_WAITING] > (int)nw)
		add(&o, IO_MORE, 1, _("%s %d more waiting"), ascii ? "..." : "…",
		    by[CL_WAITING] - (int)nw);
	return o.n;
}
