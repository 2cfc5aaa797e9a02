/* util: host memory helpers shared by every module — abort-on-failure
 * allocation, a growable byte buffer, and an arena for objects that die
 * together (a compilation's AST and types). */
#ifndef THREADLAB_UTIL_H
#define THREADLAB_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocate or die: the host being out of memory is not recoverable. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Grow *p (holding *cap elements of size) so that it holds at least need. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);

/* A growable, always NUL-terminated byte buffer. */
struct buf {
	char *s;
	size_t len, cap;
};

void buf_putc(struct buf *b, int c);
void buf_put(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Hand the string to the caller (who frees it) and empty the buffer. */
char *buf_take(struct buf *b);
void buf_free(struct buf *b);

/* An arena: many small allocations freed at once. */
struct arena {
	struct arena_chunk *head;
};

void *arena_alloc(struct arena *a, size_t n);     /* zeroed */
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_free(struct arena *a);

#endif
