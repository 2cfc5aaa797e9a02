/* freeset: numbers given back (descriptors, open files), to be used
 * again lowest first, as the kernel hands out the lowest free
 * descriptor: a binary min-heap, so that taking one and giving one back
 * cost the logarithm of how many are free, not a pass over them all. */
#ifndef THREADLAB_FREESET_H
#define THREADLAB_FREESET_H

struct freeset {
	int *v;                 /* the heap: v[0] is the lowest */
	int n, cap;
};

/* Give x back to s (it is not in s). */
void freeset_put(struct freeset *s, int x);
/* Take the lowest number out of s (s->n > 0). */
int freeset_take(struct freeset *s);
/* Make dst a copy of src. */
void freeset_copy(struct freeset *dst, const struct freeset *src);
/* Free what s holds and empty it. */
void freeset_free(struct freeset *s);

#endif
