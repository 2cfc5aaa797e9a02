/* session: one scenario being watched — the machine at the tick on
 * screen, the snapshots that let it go back in time, and the recent
 * history the screen draws: who ran where in each of the last ticks, the
 * last events as sentences, what the last tick touched, the narration
 * and the output so far.
 *
 * What a session holds at tick t depends only on t, never on the way it
 * got there: going back restores the latest snapshot before t and runs
 * forward again.  The session only ever advances the machine with
 * machine_step(), so the ticks it can stop at are the same on every
 * path.  No curses, no I/O. */
#ifndef THREADLAB_SESSION_H
#define THREADLAB_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "../lang/scenario.h"
#include "../sim/machine.h"

#define SS_WINDOW     512       /* ticks of history: timeline and events */
#define SS_THREADS    64        /* threads the timeline follows */
#define SS_CORES      8         /* cores the timeline follows */
#define SS_EVENTS     256       /* events kept */
#define SS_ACCESSES   32        /* memory accesses kept of the last tick */
#define SS_SNAP_EVERY 4096      /* ticks between snapshots, at first */
#define SS_SNAPS      256       /* snapshots kept; beyond, every other goes */
#define SS_OUTPUT     (1u << 20)        /* bytes of output kept */

/* A thread during one tick.  TL_IDLE: an M:N worker waiting on the
 * runtime's empty run queue for a coroutine to run, not blocked on
 * anything. */
enum tl_state { TL_NONE, TL_READY, TL_RUNNING, TL_SWITCHING, TL_BLOCKED, TL_IOWAIT, TL_DONE,
		TL_IDLE };
/* What happened to it in that tick, or'ed into the state's byte. */
enum { TL_STATE = 0x0f, TL_PREEMPTED = 0x10, TL_SWITCHED_IN = 0x20 };

/* One tick of the timeline. */
struct ss_tick {
	uint64_t tick;                  /* UINT64_MAX: no record */
	uint8_t thread[SS_THREADS];     /* enum tl_state | marks, by thread id - 1 */
	int16_t core[SS_CORES];         /* the thread it ran (0: idle, -1: switching) */
};

/* One event, as a sentence. */
struct ss_event {
	uint64_t tick;
	enum event_kind kind;
	int tid;
	int core;
	char text[176];
};

/* A memory word the last tick read or wrote. */
struct ss_access {
	uint64_t addr;
	int how;                        /* 1 read, 2 written */
	int tid;
	int pid;                        /* the process whose memory it is */
};

/* What the last tick changed on a core, for the CPU panel. */
struct ss_core {
	int tid;                        /* the thread it ran */
	int reg;                        /* the register an instruction wrote (REG_NONE: none) */
	int sp_moved;
	int switched;                   /* a context was restored on it */
	uint64_t pc;                    /* the instruction it ran (0: none) */
};

/* A narration note, shown from its tick on. */
struct ss_note {
	size_t index;                   /* in the scenario's notes */
	uint64_t tick;
};

struct ss_snap;

struct session {
	const struct scenario *sc;
	struct machine m;               /* at the tick on screen */
	uint64_t prev_tick;             /* the tick the last step started in */

	struct ss_snap *snaps;          /* by tick */
	size_t nsnaps;
	uint64_t snap_every, next_snap;

	uint64_t record_from;           /* events are kept from this tick on */
	uint64_t hist_from;             /* the history is whole from this tick on */
	uint8_t tick_marks[SS_THREADS]; /* marks of the tick being run */
	struct ss_tick ticks[SS_WINDOW];        /* by tick % SS_WINDOW */
	struct ss_event events[SS_EVENTS];      /* a ring */
	size_t nevents, ev_head;
	struct ss_access acc[SS_ACCESSES];      /* of the tick being run */
	size_t nacc;
	struct ss_core cores[SS_CORES];
	uint64_t last_tick;             /* the tick acc and cores describe */
	struct ss_access last_acc[SS_ACCESSES];
	size_t last_nacc;
	struct ss_core last_cores[SS_CORES];

	char *note_done;                /* a flag per note */
	struct ss_note *notes;          /* in the order they came */
	size_t nnotes, cap_notes;
	struct buf out;                 /* what the program printed */
};

/* Start watching sc with settings cfg and limits lim, at tick 0.
 * Returns NULL with a message in err when the machine cannot start (a
 * bad schedule: *code 2; the program does not fit in memory: *code 3). */
struct session *session_new(const struct scenario *sc, const struct machine_config *cfg,
			    const struct limits *lim, char *err, size_t errlen, int *code);
void session_free(struct session *s);

/* The tick on screen: how many ticks have run. */
uint64_t session_tick(const struct session *s);
/* Whether the run has ended. */
int session_ended(const struct session *s);

/* One tick forward (or to the next tick anything happens in, when
 * every thread sleeps).  Returns 0 at the end. */
int session_step(struct session *s);
/* Up to n ticks forward.  Returns 0 once at the end. */
int session_advance(struct session *s, uint64_t n);
/* Back to the last tick before this one that stepping stops at. */
void session_back(struct session *s);
/* To tick t: the first tick stepping stops at from t on (or the end). */
void session_goto(struct session *s, uint64_t t);

/* The timeline's record of tick t, or NULL when it is not kept. */
const struct ss_tick *session_timeline(const struct session *s, uint64_t t);
/* The i-th of the last events (0: the latest), within the window; NULL
 * past the oldest kept. */
const struct ss_event *session_event(const struct session *s, size_t i);
/* Accesses of the last tick, into *acc; returns how many. */
size_t session_accesses(const struct session *s, const struct ss_access **acc);
/* What the last tick did on core c (NULL: c is not followed). */
const struct ss_core *session_core(const struct session *s, int c);
/* The i-th of the notes shown so far, latest first; NULL past the first. */
const struct ss_note *session_note(const struct session *s, size_t i);

/* The schedule a whole run of sc under cfg and lim takes, as --schedule
 * replays it (the caller frees it); NULL with a message in err when the
 * run does not start, or does not end within max_ticks. */
char *session_run_schedule(const struct scenario *sc, const struct machine_config *cfg,
			   const struct limits *lim, uint64_t max_ticks, char *err, size_t errlen);

#endif
