/* explain: events as plain sentences, for the events panel of the screen:
 * "T2 loads counter = 2 into r0". */
#ifndef THREADLAB_EXPLAIN_H
#define THREADLAB_EXPLAIN_H

#include "../lang/scenario.h"
#include "../sim/machine.h"

/* Say the sentences in the reader's language (on: the screen asks for
 * it, after setlocale) or in English (off, the default: the exports, the
 * quiz's grading and every test read English). */
void explain_translate(int on);
/* Whether they are (the quiz words its questions the same way). */
int explain_translating(void);


/* Append the sentence for event e to out (no newline, no tick).  m is the
 * machine that sent e, as it is when e is sent. */
void explain_event(const struct scenario *sc, const struct machine *m,
		   const struct event *e, struct buf *out);

/* Append what a thread of process pid waits for, in a few words: kind
 * is an enum wait_kind and on its object as a BLOCK event gives it
 * ("mutex m", "semaphore items", "join T2", "sleep until tick 40",
 * "wait P2").  Exports name blocked intervals with it. */
void explain_wait(const struct scenario *sc, const struct machine *m, int pid, int kind,
		  uint64_t on, struct buf *out);

/* Append one line saying how the run ended ("main returned 0",
 * "T1 (main): assertion failed: counter == 2 * ROUNDS (line 37)", "deadlock: T2 -> T3 -> T2",
 * "stopped: too many instructions (--max-steps)"), or "running" while it runs. */
void explain_end(const struct scenario *sc, const struct machine *m, struct buf *out);

#endif
