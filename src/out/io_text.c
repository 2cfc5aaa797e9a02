/* io_text: the trace lines and sentences of the I/O events.  See io_text.h. */
#include "io_text.h"

#include "../sim/epoll.h"
#include "../sim/fd.h"

int io_event(const struct event *e)
{
	return (e->kind >= EV_LISTEN && e->kind <= EV_IOFAIL) || e->kind == EV_DIAL ||
	       e->kind == EV_ANSWER;
}

const char *io_errno_name(int64_t err)
{
	switch (err) {
#define X(id, num, doc) case num: return #id;
	ERRNO_VALUES(X)
#undef X
	}
	return NULL;
}

void io_put_events(struct buf *b, uint64_t events)
{
	static const struct { uint64_t bit; const char *name; } bits[] = {
		{ EPOLLIN, "EPOLLIN" }, { EPOLLOUT, "EPOLLOUT" }, { EPOLLERR, "EPOLLERR" },
		{ EPOLLHUP, "EPOLLHUP" }, { EPOLLONESHOT, "EPOLLONESHOT" }, { EPOLLET, "EPOLLET" },
	};
	size_t start = b->len;
	for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
		if (events & bits[i].bit) {
			buf_printf(b, "%s%s", b->len > start ? "|" : "", bits[i].name);
			events &= ~bits[i].bit;
		}
	if (events || b->len == start)
		buf_printf(b, "%s0x%llx", b->len > start ? "|" : "", (unsigned long long)events);
}

/* "byte" or "bytes", for a count of n. */
static const char *bytes(long long n)
{
	return n == 1 ? "byte" : "bytes";
}

/* Append e's bytes quoted, with C escapes, at most 32 of them. */
static void put_bytes(struct buf *b, const struct event *e)
{
	if (!e->text || !e->len)
		return;
	buf_puts(b, " \"");
	for (size_t i = 0; i < e->len && i < 32; i++) {
		unsigned char c = (unsigned char)e->text[i];
		if (c == '\n') buf_puts(b, "\\n");
		else if (c == '\r') buf_puts(b, "\\r");
		else if (c == '\t') buf_puts(b, "\\t");
		else if (c == '"' || c == '\\') buf_printf(b, "\\%c", c);
		else if (c < 32 || c >= 127) buf_printf(b, "\\x%02x", c);
		else buf_putc(b, (char)c);
	}
	buf_puts(b, e->len > 32 ? "\"..." : "\"");
}

static const char *const ctl_ops[] = { "?", "add", "del", "mod" };

/* The name of an epoll_ctl op. */
static const char *ctl_op(int64_t op)
{
	return op >= 1 && op <= 3 ? ctl_ops[op] : ctl_ops[0];
}

void io_trace(const struct event *e, struct buf *b)
{
	switch (e->kind) {
	case EV_LISTEN:
		buf_printf(b, "port %lld fd %lld", (long long)e->a, (long long)e->b);
		break;
	case EV_CONNECT:
		buf_printf(b, "client %lld port %d", (long long)e->a, e->other);
		break;
	case EV_ACCEPT:
		buf_printf(b, "client %lld fd %lld", (long long)e->a, (long long)e->b);
		break;
	case EV_ARRIVE:
		if (e->a)
			buf_printf(b, "client %d %lld bytes", e->other, (long long)e->a);
		else
			buf_printf(b, "client %d close", e->other);
		break;
	case EV_READ:
	case EV_WRITE:
		if (e->a || e->kind == EV_WRITE)
			buf_printf(b, "fd %lld %lld bytes", (long long)e->b, (long long)e->a);
		else
			buf_printf(b, "fd %lld end of file", (long long)e->b);
		put_bytes(b, e);
		break;
	case EV_CLOSE:
		buf_printf(b, "fd %lld", (long long)e->b);
		if (e->other)
			buf_printf(b, " client %d", e->other);
		break;
	case EV_REPLY:
		if (e->a) {
			buf_printf(b, "client %d %lld bytes", e->other, (long long)e->a);
			put_bytes(b, e);
		} else {
			buf_printf(b, "client %d closed by the program", e->other);
		}
		break;
	case EV_EPOLL_CTL:
		buf_printf(b, "ep %lld %s fd %d", (long long)e->b, ctl_op(e->a), e->other);
		if (e->a != EPOLL_CTL_DEL) {
			buf_putc(b, ' ');
			io_put_events(b, e->addr);
		}
		break;
	case EV_EPOLL:
		if (e->a)
			buf_printf(b, "ep %lld %lld ready", (long long)e->b, (long long)e->a);
		else
			buf_printf(b, "ep %lld none ready", (long long)e->b);
		break;
	case EV_DIAL:
		buf_printf(b, "service %d %.*s port %lld fd %lld", e->other, (int)e->len,
			   e->text ? e->text : "", (long long)e->a, (long long)e->b);
		break;
	case EV_ANSWER:
		buf_printf(b, "service %d %lld bytes", e->other, (long long)e->a);
		put_bytes(b, e);
		break;
	case EV_IOFAIL: {
		const char *name = io_errno_name(e->b);
		buf_printf(b, "%s", e->a >= 0 && e->a < BI_COUNT ? isa_builtins[e->a].name : "?");
		if (e->other >= 0)
			buf_printf(b, " fd %d", e->other);
		if (name)
			buf_printf(b, " %s", name);
		else
			buf_printf(b, " errno %lld", (long long)e->b);
		break;
	}
	default:
		break;
	}
}

/* What went wrong, for errno value err. */
static const char *errno_doc(int64_t err)
{
	switch (err) {
#define X(id, num, doc) case num: return doc;
	ERRNO_VALUES(X)
#undef X
	}
	return "it failed";
}

void io_sentence(const struct event *e, struct buf *b)
{
	if (e->tid)
		buf_printf(b, "T%d ", e->tid);
	switch (e->kind) {
	case EV_LISTEN:
		buf_printf(b, "listens on port %lld: fd %lld is a listening socket",
			   (long long)e->a, (long long)e->b);
		break;
	case EV_CONNECT:
		buf_printf(b, "client %lld connects to port %d and sends its request; "
			   "the connection waits to be accepted", (long long)e->a, e->other);
		break;
	case EV_ACCEPT:
		buf_printf(b, "accepts client %lld: its connection is fd %lld",
			   (long long)e->a, (long long)e->b);
		break;
	case EV_ARRIVE:
		if (e->a)
			buf_printf(b, "%lld %s from client %d %s in its socket's buffer",
				   (long long)e->a, bytes(e->a), e->other, e->a == 1 ? "arrives" : "arrive");
		else
			buf_printf(b, "client %d has closed its end: a read will return 0", e->other);
		break;
	case EV_READ:
		if (e->a) {
			buf_printf(b, "reads %lld %s from fd %lld:", (long long)e->a, bytes(e->a),
				   (long long)e->b);
			put_bytes(b, e);
		} else {
			buf_printf(b, "reads 0 bytes from fd %lld: end of file, the client closed",
				   (long long)e->b);
		}
		break;
	case EV_WRITE:
		buf_printf(b, "writes %lld %s to fd %lld:", (long long)e->a, bytes(e->a), (long long)e->b);
		put_bytes(b, e);
		break;
	case EV_CLOSE:
		buf_printf(b, "closes fd %lld", (long long)e->b);
		if (e->other)
			buf_printf(b, ": the connection to client %d is closed", e->other);
		break;
	case EV_REPLY:
		if (e->a) {
			buf_printf(b, "client %d receives %lld %s:", e->other, (long long)e->a, bytes(e->a));
			put_bytes(b, e);
		} else {
			buf_printf(b, "client %d sees the program close the connection", e->other);
		}
		break;
	case EV_EPOLL_CTL:
		buf_printf(b, "%s fd %d %s the interest list of epoll fd %lld",
			   e->a == EPOLL_CTL_ADD ? "adds" : e->a == EPOLL_CTL_DEL ? "removes" : "changes",
			   e->other, e->a == EPOLL_CTL_ADD ? "to" : e->a == EPOLL_CTL_DEL ? "from" : "in",
			   (long long)e->b);
		if (e->a != EPOLL_CTL_DEL) {
			buf_puts(b, ", watching ");
			io_put_events(b, e->addr);
		}
		break;
	case EV_EPOLL:
		if (e->a)
			buf_printf(b, "epoll_wait on fd %lld returns %lld ready descriptor%s",
				   (long long)e->b, (long long)e->a, e->a == 1 ? "" : "s");
		else
			buf_printf(b, "epoll_wait on fd %lld returns 0: nothing is ready", (long long)e->b);
		break;
	case EV_DIAL:
		buf_printf(b, "connects to service %.*s on port %lld: fd %lld; each request "
			   "written to it is answered after the service's latency",
			   (int)e->len, e->text ? e->text : "", (long long)e->a, (long long)e->b);
		break;
	case EV_ANSWER:
		buf_printf(b, "service %d answers: %lld %s arrive in the program's connection to it:",
			   e->other, (long long)e->a, bytes(e->a));
		put_bytes(b, e);
		break;
	case EV_IOFAIL: {
		const char *name = io_errno_name(e->b);
		buf_printf(b, "%s", e->a >= 0 && e->a < BI_COUNT ? isa_builtins[e->a].name : "a call");
		if (e->other >= 0)
			buf_printf(b, "(%d)", e->other);
		buf_printf(b, " fails: returns -1, errno = %s (%s)", name ? name : "?", errno_doc(e->b));
		break;
	}
	default:
		break;
	}
}
