/* i18n: the words people read, in their language.  _() looks a string up
 * in threadlab's message catalogue (gettext, from the C library); N_()
 * marks a string for extraction where it cannot be looked up yet (a
 * table's initialiser).  Only the layers people read include this: the
 * command line's help and messages, the screen, the events' sentences
 * and the narration.  src/sim and src/lang never do: the core knows no
 * locale, and the traces, listings and diagnostics stay English.
 *
 * Until main() calls setlocale(), the locale is "C" and _() gives the
 * English text back: the test suites, which never call it, always see
 * English. */
#ifndef THREADLAB_I18N_H
#define THREADLAB_I18N_H

#include <libintl.h>

/* The message catalogue's name: threadlab.mo under LOCALEDIR/LANG/LC_MESSAGES. */
#define I18N_DOMAIN "threadlab"

#define _(s) gettext(s)
#define N_(s) (s)

#endif
