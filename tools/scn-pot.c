/* scn-pot: print the bundled scenarios' words (titles, descriptions and
 * notes) as a gettext template, for make update-po.  Each is compiled by
 * the same code the program runs, so a msgid is exactly the text the
 * screen and the narration look up.
 * Usage: scn-pot [SRCDIR FILE...]   (the arguments are ignored: the
 * scenarios are the ones bundled in the build) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "lang/scenario.h"
#include "util.h"

/* The texts printed so far: a msgid appears once. */
static char **seen;
static size_t nseen;

/* Print s as a PO string: quoted, with its newlines as \n and lines broken after them. */
static void po_string(const char *s)
{
	printf("\"");
	for (; *s; s++) {
		if (*s == '\n')
			printf("\\n\"\n\"");
		else if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if (*s == '\t')
			printf("\\t");
		else
			putchar(*s);
	}
	printf("\"\n");
}

/* Print one entry: where it comes from, then the msgid. */
static void entry(const char *name, int line, const char *what, const char *text)
{
	if (!text || !*text)
		return;
	for (size_t i = 0; i < nseen; i++)
		if (!strcmp(seen[i], text))
			return;
	seen = xrealloc(seen, (nseen + 1) * sizeof *seen);
	seen[nseen++] = xstrdup(text);
	printf("\n#. %s of the scenario %s\n", what, name);
	if (line)
		printf("#: scenarios/%s.scn:%d\n", name, line);
	else
		printf("#: scenarios/%s.scn\n", name);
	printf("msgid ");
	po_string(text);
	printf("msgstr \"\"\n");
}

/* Print the template's header, then every bundled scenario's words. */
int main(int argc, char **argv)
{
	printf("msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n");
	int status = 0;
	for (size_t i = 0; i < bundled_count; i++) {
		const struct bundled *b = &bundled_scenarios[i];
		struct diags d;
		struct scenario *sc = scenario_compile(b->name, b->text, b->len, &d);
		diags_free(&d);
		if (!sc) {
			fprintf(stderr, "scn-pot: %s does not compile\n", b->name);
			status = 1;
			continue;
		}
		entry(b->name, 0, "the title", sc->title);
		entry(b->name, 0, "the description", sc->description);
		for (size_t k = 0; k < sc->nnotes; k++)
			entry(b->name, sc->notes[k].line, "a note", sc->notes[k].text);
		scenario_free(sc);
	}
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	return status;
}
