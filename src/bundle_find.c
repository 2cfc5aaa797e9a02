/* bundle: looking up a bundled scenario by name. */
#include "bundle.h"

#include <string.h>

/* Find a bundled scenario; "race-counter" and "race-counter.scn" both match. */
const struct bundled *bundle_find(const char *name)
{
	size_t n = strlen(name);
	if (n > 4 && strcmp(name + n - 4, ".scn") == 0)
		n -= 4;
	for (size_t i = 0; i < bundled_count; i++)
		if (strlen(bundled_scenarios[i].name) == n &&
		    memcmp(bundled_scenarios[i].name, name, n) == 0)
			return &bundled_scenarios[i];
	return NULL;
}
