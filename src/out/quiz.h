/* quiz: predict-then-reveal questions about a run.  From a run of a
 * scenario (deterministic: the same image, settings and schedule give
 * the same questions) it picks a few moments worth predicting — the
 * value a racy load reads or a store writes, the thread a switch
 * restores, whether a call blocks, who gets a mutex handed over, which
 * descriptor epoll_wait reports — each with its right answer and a
 * sentence of why; and it reads and grades a file of answers.  No
 * curses, no I/O: the callers print. */
#ifndef THREADLAB_QUIZ_H
#define THREADLAB_QUIZ_H

#include <stddef.h>
#include <stdint.h>

#include "../lang/scenario.h"
#include "../sim/machine.h"

/* X(NAME, "name", form of the answer) — the kinds of question, the
 * ones most worth asking first. */
#define QUIZ_KINDS(X)                       \
	X(STORE,   "store",   QF_VALUE)     \
	X(LOAD,    "load",    QF_VALUE)     \
	X(HANDOFF, "handoff", QF_THREAD)    \
	X(BLOCK,   "block",   QF_YESNO)     \
	X(EPOLL,   "epoll",   QF_FD)        \
	X(SWITCH,  "switch",  QF_THREAD)

/* How an answer is written. */
enum quiz_form {
	QF_VALUE,       /* a number: 3, -1, 0x600000 */
	QF_THREAD,      /* a thread: T3 (or 3) */
	QF_YESNO,       /* yes or no (y, n) */
	QF_FD,          /* a descriptor: 5 (or fd 5) */
};

enum quiz_kind {
#define X(id, name, form) QK_##id,
	QUIZ_KINDS(X)
#undef X
	QK_COUNT
};

extern const struct quiz_kind_info {
	const char *name;
	enum quiz_form form;
} quiz_kinds[QK_COUNT];

#define QUIZ_DEFAULT_QUESTIONS 10
#define QUIZ_MAX_QUESTIONS     100
#define QUIZ_CHOICES           8        /* threads offered, at most */

/* One question.  It is asked when the run stands at tick (before the
 * step from it); that step shows the answer. */
struct quiz_question {
	enum quiz_kind kind;
	uint64_t tick;
	int tid;                /* the thread asked about (SWITCH: the one leaving) */
	int core;               /* SWITCH: the core */
	int line;               /* the source line it is at (0: none) */
	uint64_t addr;          /* LOAD, STORE: the word; HANDOFF: the mutex */
	int pid;                /* the process whose memory addr is in */
	int64_t answer;         /* the value, thread id, 1 yes / 0 no, or descriptor */
	int choices[QUIZ_CHOICES];      /* QF_THREAD: the threads to pick from */
	int nchoices;
	char *where;            /* "tick 54, line 26, T3 (worker)" */
	char *source;           /* that line's text, trimmed (NULL: none) */
	char *prompt;           /* the question, a sentence or two */
	char *why;              /* revealed with the answer */
};

struct quiz {
	struct quiz_question *q;        /* by tick, at most one a tick */
	size_t n;
};

/* Run sc under cfg and lim (twice: once to find the moments, once to
 * word them) and fill out with at most max questions spread over the
 * run.  Returns 0; or, with a message in err, the exit status the
 * machine's start gives (2 a bad schedule, 3 no room for the program). */
int quiz_build(const struct scenario *sc, const struct machine_config *cfg,
	       const struct limits *lim, size_t max, struct quiz *out, char *err, size_t errlen);
void quiz_free(struct quiz *q);

/* The index of the question asked at tick t, or -1. */
long quiz_at(const struct quiz *q, uint64_t t);
/* The index of the first question asked at tick t or later, or -1. */
long quiz_next(const struct quiz *q, uint64_t t);

/* Append the right answer as an answers file writes it: "2", "T3",
 * "yes", "5". */
void quiz_answer_text(const struct quiz_question *q, struct buf *b);
/* Append how the answer is written: "a number", "a thread: T1, T3",
 * "yes or no", "a descriptor number". */
void quiz_form_text(const struct quiz_question *q, struct buf *b);
/* Whether text answers q rightly (1) or wrongly (0); -1 when text is
 * not an answer of q's form (a word for a number). */
int quiz_check(const struct quiz_question *q, const char *text);

/* Append the questions for handing out: numbered, one block each, with
 * the tick, the thread, the source line and how to answer. */
void quiz_write(const struct quiz *q, const struct scenario *sc, struct buf *out);

/* Read an answers file (name for messages): one "N: ANSWER" a line,
 * blank lines and # comments skipped.  Fills answers[0..q->n) with
 * copies (NULL: not answered; the caller frees them).  Returns 0, or
 * -1 with "name:LINE: error: ..." in err. */
int quiz_read_answers(const struct quiz *q, const char *name, const char *text, size_t len,
		      char **answers, struct buf *err);
/* Append the report of answers (as quiz_read_answers gives them): a
 * line per question, right or wrong, with the right answer and why,
 * then the score.  Returns how many are right. */
size_t quiz_grade(const struct quiz *q, char *const *answers, struct buf *report);

#endif
