/* freeset: a min-heap of free numbers.  See freeset.h. */
#include "freeset.h"

#include <string.h>

#include "../util.h"

void freeset_put(struct freeset *s, int x)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 8;
		s->v = xrealloc(s->v, (size_t)s->cap * sizeof *s->v);
	}
	int i = s->n++;
	while (i > 0 && s->v[(i - 1) / 2] > x) {
		s->v[i] = s->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->v[i] = x;
}

int freeset_take(struct freeset *s)
{
	int low = s->v[0], last = s->v[--s->n], i = 0;
	for (;;) {
		int c = 2 * i + 1;
		if (c >= s->n)
			break;
		if (c + 1 < s->n && s->v[c + 1] < s->v[c])
			c++;
		if (s->v[c] >= last)
			break;
		s->v[i] = s->v[c];
		i = c;
	}
	if (s->n)
		s->v[i] = last;
	return low;
}

void freeset_copy(struct freeset *dst, const struct freeset *src)
{
	dst->n = dst->cap = src->n;
	dst->v = src->n ? xmalloc((size_t)src->n * sizeof *dst->v) : NULL;
	if (src->n)
		memcpy(dst->v, src->v, (size_t)src->n * sizeof *dst->v);
}

void freeset_free(struct freeset *s)
{
	xfree(s->v);
	memset(s, 0, sizeof *s);
}
