/* util: host memory helpers shared by every module — abort-on-failure
 * allocation, a growable byte buffer, and an arena for objects that die
 * together (a compilation's AST and types). */
#ifndef THREADLAB_UTIL_H
#define THREADLAB_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocate or die: the host being out of memory is not recoverable ...
 * except inside an allocation scope (below). */
/* Called before a fatal error is printed (the screen gives the
 * terminal back there); NULL: nothing to do. */
extern void (*before_fatal)(void);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xcalloc_large(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Free what the x-functions allocated (plain free() outside a scope). */
void xfree(void *p);

/* An allocation scope makes running out of memory an error instead of an
 * abort: the scope records every block allocated while it is open and
 * not yet freed, and a failed allocation frees them all and longjmps to
 * on_failure.  Used around compiling a scenario.  Scopes do not nest.
 *
 *	struct alloc_scope s;
 *	if (setjmp(s.on_failure)) { ...out of memory: everything is freed... }
 *	alloc_scope_enter(&s);
 *	...
 *	alloc_scope_leave(&s);          // the blocks live on, owned as usual
 */
struct alloc_scope {
	jmp_buf on_failure;
	void **blocks;          /* open-addressed set of live blocks */
	size_t nblocks, cap;
};

void alloc_scope_enter(struct alloc_scope *s);
void alloc_scope_leave(struct alloc_scope *s);

/* Testing: make the nth allocation from now on fail (0: none again).
 * Returns how many allocations the previous setting still had to go
 * (0 when it fired or there was none). */
long alloc_fail_at(long n);

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

/* A new empty file next to path (path.tmp.XXXXXX) with the permissions
 * a new file gets: its descriptor, its name in *tmp (freed with xfree);
 * -1 with errno set. */
int temp_file_next_to(const char *path, char **tmp);
/* Write len bytes of text to a new file next to path, then rename it
 * over path: path is either as it was or whole.  Returns 0, or -1 with
 * the reason in err. */
int write_file_atomic(const char *path, const char *text, size_t len, char *err,
		      size_t errlen);

#endif
