/* util: allocation wrappers, byte buffers and arenas. */
#include "config.h"

#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef HAVE_SYS_MMAN_H
#include <sys/mman.h>
#endif
#include <unistd.h>

static struct alloc_scope *scope;       /* the open scope, if any */
static long fail_countdown;             /* testing: fail when it reaches 0 */

/* Slot of p in the scope's set: where it is, or the empty slot for it. */
static size_t slot_of(const struct alloc_scope *s, const void *p)
{
	size_t i = (size_t)((uintptr_t)p * 0x9e3779b97f4a7c15u >> 7) & (s->cap - 1);
	while (s->blocks[i] && s->blocks[i] != p)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static void scope_track(struct alloc_scope *s, void *p);

/* Make the scope's set twice as large (1024 slots at first). */
static void scope_grow(struct alloc_scope *s)
{
	void **old = s->blocks;
	size_t cap = s->cap;
	s->cap = cap ? 2 * cap : 1024;
	s->blocks = calloc(s->cap, sizeof *s->blocks);
	s->nblocks = 0;
	if (!s->blocks) {
		fprintf(stderr, "threadlab: out of memory\n");
		abort();
	}
	for (size_t i = 0; i < cap; i++)
		if (old[i])
			scope_track(s, old[i]);
	free(old);
}

/* Add p to the scope's set, so that a failure frees it. */
static void scope_track(struct alloc_scope *s, void *p)
{
	if (2 * (s->nblocks + 1) > s->cap)
		scope_grow(s);
	s->blocks[slot_of(s, p)] = p;
	s->nblocks++;
}

/* Drop p from the set, shifting back the entries that probed past it. */
static void scope_untrack(struct alloc_scope *s, void *p)
{
	size_t i = slot_of(s, p);
	if (!s->blocks[i])
		return;
	s->blocks[i] = NULL;
	s->nblocks--;
	for (size_t j = (i + 1) & (s->cap - 1); s->blocks[j]; j = (j + 1) & (s->cap - 1)) {
		void *q = s->blocks[j];
		s->blocks[j] = NULL;
		s->blocks[slot_of(s, q)] = q;
	}
}

/* Open a scope (after setjmp(s->on_failure) returned 0). */
void alloc_scope_enter(struct alloc_scope *s)
{
	s->blocks = NULL;
	s->nblocks = s->cap = 0;
	scope = s;
}

/* Close a scope, keeping its blocks. */
void alloc_scope_leave(struct alloc_scope *s)
{
	free(s->blocks);
	s->blocks = NULL;
	scope = NULL;
}

/* Testing: fail the nth allocation from now. */
long alloc_fail_at(long n)
{
	long left = fail_countdown;
	fail_countdown = n;
	return left;
}

void (*before_fatal)(void);

/* An allocation failed (or was made to): unwind the scope, or abort. */
static void out_of_memory(size_t n)
{
	struct alloc_scope *s = scope;
	if (s) {
		scope = NULL;
		for (size_t i = 0; i < s->cap; i++)
			free(s->blocks[i]);
		free(s->blocks);
		s->blocks = NULL;
		longjmp(s->on_failure, 1);
	}
	if (before_fatal)
		before_fatal();
	fprintf(stderr, "threadlab: out of memory (%zu bytes)\n", n);
	abort();
}

/* Should this allocation fail, for a test? */
static int injected_failure(void)
{
	return fail_countdown > 0 && --fail_countdown == 0;
}

/* Record a new block in the open scope. */
static void *track(void *p)
{
	if (scope)
		scope_track(scope, p);
	return p;
}

/* Allocate n bytes or abort. */
void *xmalloc(size_t n)
{
	void *p = injected_failure() ? NULL : malloc(n ? n : 1);
	if (!p)
		out_of_memory(n);
	return track(p);
}

/* Allocate n zeroed elements of size or abort. */
void *xcalloc(size_t n, size_t size)
{
	void *p = injected_failure() ? NULL : calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory(n * size);
	return track(p);
}

/* n zeroed bytes, written now and on the host's large pages where it
 * gives them (a table of many megabytes then takes a fault every 2 MiB,
 * not every 4 KiB); freed with xfree.  Below 2 MiB, or above 64 MiB
 * (where writing them all would cost more than it saves), calloc's,
 * written as used. */
void *xcalloc_large(size_t n)
{
	enum { LARGE = 2u << 20 };
	void *p = NULL;
	if (n < LARGE || n > 32 * LARGE)
		return xcalloc(1, n);
	if (injected_failure() || posix_memalign(&p, LARGE, n) != 0)
		out_of_memory(n);
#if defined(HAVE_MADVISE) && defined(MADV_HUGEPAGE)
	madvise(p, n, MADV_HUGEPAGE);  /* a hint: where refused, small pages */
#endif
	memset(p, 0, n);
	return track(p);
}

/* The old pointer is used after realloc only as a key of the scope's set,
 * never dereferenced; GCC cannot tell. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuse-after-free"
#endif

/* Resize p to n bytes or abort. */
void *xrealloc(void *p, size_t n)
{
	void *q = injected_failure() ? NULL : realloc(p, n ? n : 1);
	if (!q)
		out_of_memory(n);
	if (scope && q != p) {
		if (p)
			scope_untrack(scope, p);
		scope_track(scope, q);
	}
	return q;
}

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif

/* Free a block from the x-functions. */
void xfree(void *p)
{
	if (p && scope)
		scope_untrack(scope, p);
	free(p);
}

/* Copy a string or abort. */
char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* Copy the first n bytes of s as a string or abort. */
char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* Make room for need elements, doubling the capacity. */
void *xgrow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	size_t n = *cap ? *cap : 8;
	while (n < need)
		n *= 2;
	if (n > SIZE_MAX / size)
		out_of_memory(SIZE_MAX);
	*cap = n;
	return xrealloc(p, n * size);
}

/* Append n bytes of s. */
void buf_put(struct buf *b, const char *s, size_t n)
{
	b->s = xgrow(b->s, &b->cap, b->len + n + 1, 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Append one byte. */
void buf_putc(struct buf *b, int c)
{
	char ch = (char)c;
	buf_put(b, &ch, 1);
}

/* Append a string. */
void buf_puts(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

/* Append formatted text. */
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	b->s = xgrow(b->s, &b->cap, b->len + (size_t)n + 1, 1);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

/* Append formatted text. */
void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

/* Return the contents (never NULL) and reset the buffer. */
char *buf_take(struct buf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

/* Free the contents. */
void buf_free(struct buf *b)
{
	xfree(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, size;
	max_align_t data[];
};

#define ARENA_CHUNK 65536

/* Return n zeroed bytes that live until arena_free. */
void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	struct arena_chunk *c = a->head;
	if (!c || c->size - c->used < n) {
		size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		c = xmalloc(sizeof *c + size);
		c->used = 0;
		c->size = size;
		c->next = a->head;
		a->head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += n;
	memset(p, 0, n);
	return p;
}

/* Copy n bytes of s as a string into the arena. */
char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	return p;
}

/* Free everything the arena handed out. */
void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		xfree(c);
		c = next;
	}
	a->head = NULL;
}

int temp_file_next_to(const char *path, char **tmp)
{
	size_t n = strlen(path) + 16;
	*tmp = xmalloc(n);
	snprintf(*tmp, n, "%s.tmp.XXXXXX", path);
	int fd = mkstemp(*tmp);
	if (fd < 0) {
		xfree(*tmp);
		*tmp = NULL;
		return -1;
	}
	mode_t mask = umask(0);         /* the permissions a new file gets */
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	return fd;
}

int write_file_atomic(const char *path, const char *text, size_t len, char *err,
		      size_t errlen)
{
	char *tmp;
	int fd = temp_file_next_to(path, &tmp);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, text + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	int bad = done < len;
	if (bad)
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno ? errno : EIO));
	if (close(fd) != 0 && !bad) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		bad = 1;
	}
	if (!bad && rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
		bad = 1;
	}
	if (bad)
		unlink(tmp);
	xfree(tmp);
	return bad ? -1 : 0;
}
