/* consts: the names every scenario has predefined, as <sys/epoll.h> and
 * <errno.h> define them in C: epoll's event bits and operations, and the
 * errno values the I/O builtins set.  The compiler reads each as an int
 * constant; a program's own declaration of the name hides it. */
#ifndef THREADLAB_CONSTS_H
#define THREADLAB_CONSTS_H

#include <stdint.h>
#include <string.h>

#include "../sim/epoll.h"
#include "../sim/fd.h"

/* X(NAME, value) */
#define PREDEFINED_CONSTS(X)                                               \
	X(EPOLLIN, EPOLLIN)                                                  \
	X(EPOLLOUT, EPOLLOUT)                                                \
	X(EPOLLERR, EPOLLERR)                                                \
	X(EPOLLHUP, EPOLLHUP)                                                \
	X(EPOLLONESHOT, EPOLLONESHOT)                                        \
	X(EPOLLET, EPOLLET)                                                  \
	X(EPOLL_CTL_ADD, EPOLL_CTL_ADD)                                      \
	X(EPOLL_CTL_DEL, EPOLL_CTL_DEL)                                      \
	X(EPOLL_CTL_MOD, EPOLL_CTL_MOD)                                      \
	X(EWOULDBLOCK, IO_EAGAIN)                                               \
	X(STDIN_FILENO, 0)                                                   \
	X(STDOUT_FILENO, 1)                                                  \
	X(STDERR_FILENO, 2)

/* Look a predefined constant up by name: 1 and its value in *v, or 0. */
static inline int const_lookup(const char *name, int64_t *v)
{
	static const struct { const char *name; int64_t v; } consts[] = {
#define X(name, val) { #name, (int64_t)(val) },
		PREDEFINED_CONSTS(X)
#undef X
#define X(name, num, doc) { #name, num },
		ERRNO_VALUES(X)
#undef X
	};
	for (size_t i = 0; i < sizeof consts / sizeof consts[0]; i++)
		if (strcmp(consts[i].name, name) == 0) {
			*v = consts[i].v;
			return 1;
		}
	return 0;
}

#endif
