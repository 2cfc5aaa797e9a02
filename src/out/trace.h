/* trace: the event stream as text, one line per event:
 *
 *   TICK CORE THREAD EVENT DETAILS [(line N)]
 *
 * threadlab(1) documents every event's line.  The same events give the
 * same bytes on every machine. */
#ifndef THREADLAB_TRACE_H
#define THREADLAB_TRACE_H

#include <stdio.h>

#include "../lang/scenario.h"
#include "../sim/machine.h"

struct tracer;

/* A tracer writing to out the events of machine m running sc. */
struct tracer *trace_new(const struct scenario *sc, const struct machine *m, FILE *out);
/* Write the line of event e. */
void trace_event(struct tracer *tr, const struct event *e);
/* Flush; -1 when writing failed. */
int trace_flush(struct tracer *tr);
void trace_free(struct tracer *tr);

/* Append the line of e (without its newline) to b. */
void trace_format(struct tracer *tr, const struct event *e, struct buf *b);

/* Append a thread's name, "T2 (worker)", to b. */
void trace_thread_name(const struct scenario *sc, const struct machine *m, int tid,
		       struct buf *b);
/* Append addr with the name of what it holds in process pid's address
 * space, "0x600000 (counter)", to b.  The functions below that take a
 * pid read that process's memory. */
void trace_addr(const struct scenario *sc, const struct machine *m, int pid, uint64_t addr,
		struct buf *b);
/* Append the name of the data word at addr, as a race report gives it:
 * a global ("counter", "buf[2]"), a heap word by its block's payload
 * address ("heap block 0x601010+8"; block: that address when known, 0
 * to find it in m's heap), else the address with what holds it. */
void trace_word(const struct scenario *sc, const struct machine *m, int pid, uint64_t addr,
		uint64_t block, struct buf *b);
/* Append the n mutexes at held by name: "m", "a and b", "a, b and c". */
void trace_locks(const struct scenario *sc, const struct machine *m, int pid,
		 const uint64_t *held, int n, struct buf *b);
/* Append a fault and where it happened, "division by zero" or "write to
 * read-only memory at 0x500000 (ROUNDS)", to b. */
void trace_fault(const struct scenario *sc, const struct machine *m, int pid, int kind,
		 uint64_t addr, struct buf *b);
/* Append a value as the trace writes it: decimal when small, hexadecimal
 * when it looks like an address. */
void trace_value(struct buf *b, int64_t v);
/* The parameter or local of the running function that e's instruction
 * reaches at addr through fp, or NULL.  m is as it is when e is sent. */
const struct img_var *trace_local(const struct scenario *sc, const struct machine *m,
				  const struct event *e, uint64_t addr);
/* Append text with C escapes for quotes, backslashes and control bytes. */
void trace_quote(struct buf *b, const char *text, size_t len);

#endif
