/* bundle: the scenarios compiled into the binary, so that `threadlab`
 * and `threadlab NAME` work before (and without) installation.  The table
 * is generated at build time from the scenarios directory; the first is the tour. */
#ifndef THREADLAB_BUNDLE_H
#define THREADLAB_BUNDLE_H

#include <stddef.h>

struct bundled {
	const char *name;       /* file name without .scn */
	const char *text;
	size_t len;
};

extern const struct bundled bundled_scenarios[];
extern const size_t bundled_count;

/* The bundled scenario called name (with or without .scn), or NULL. */
const struct bundled *bundle_find(const char *name);

#endif
