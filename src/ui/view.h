/* view: what the screen's parts share — the state of the view (the
 * session on screen, the thread followed, the panel in focus, running or
 * paused), the key table the keys and the help overlay both read, and
 * the drawing of each panel. */
#ifndef THREADLAB_VIEW_H
#define THREADLAB_VIEW_H

#include <stdint.h>

#include "iopanel.h"
#include "memmap.h"
#include "quiz_screen.h"
#include "session.h"
#include "ui.h"

/* X(NAME, "title"): the panels Tab moves the focus through. */
#define PANELS(X)                 \
	X(CODE,      "Code")      \
	X(MEMORY,    "Memory")    \
	X(IO,        "I/O")       \
	X(THREADS,   "Threads")   \
	X(SCHEDULE,  "Schedule")  \
	X(EVENTS,    "Events")    \
	X(NARRATION, "Narration")

enum panel {
#define X(id, title) P_##id,
	PANELS(X)
#undef X
	P_COUNT
};

extern const char *const panel_titles[P_COUNT];

/* The smallest terminal the view fits in. */
#define MIN_COLS 64
#define MIN_ROWS 20

/* Rows of the memory map looked at. */
#define UI_MEM_ROWS 4096

/* A place on screen a click on selects a thread. */
struct hit {
	int y, x0, x1;
	int tid;
};

struct ui {
	const struct scenario *sc;
	struct session *s;
	struct machine_config cfg;      /* the session's settings; its schedule is */
	char *schedule;                 /* this one (owned, NULL: none) */
	struct limits lim;
	int playing;
	uint64_t speed;                 /* ticks per second */
	double owed;                    /* ticks due, not run yet */
	uint64_t seek;                  /* going to this tick (0: not going) */
	int seeking;
	int focus_tid;                  /* thread the code panel follows (0: the running one) */
	int mem_pid;                    /* process the memory map shows (0: the followed thread's) */
	enum panel panel;               /* panel in focus */
	int scroll[P_COUNT];            /* lines scrolled towards each panel's end */
	uint64_t code_at;               /* the tick and thread the code panel */
	int code_tid;                   /* was scrolled at */
	int help;                       /* the help overlay is up */
	int prompt;                     /* reading a tick for g */
	char input[24];
	char message[160];              /* a line for the user, until the next key */
	struct mm_row *rows;            /* the memory map, UI_MEM_ROWS rows */
	char *keep;                     /* which of them fit */
	struct io_row io[64];           /* the I/O panel's rows, this frame */
	size_t nio;
	int io_hidden;                  /* i: the I/O panel is hidden */
	struct hit hits[128];
	int nhits;
	struct ui_quiz *quiz;           /* quiz mode (NULL: never turned on) */
	int quit;
	int in_tour;                    /* walking the tour: the header counts the lessons */
	int lesson;                     /* the tour's lesson on screen (-1: none) */
	struct scenario *own_sc;        /* a lesson's scenario, owned (NULL: sc is the caller's) */
	int lessons;                    /* the lesson list is up */
	int list_at;                    /* the lesson its cursor is on */
};

/* Whether panel p is on the screen now (the I/O panel only when the
 * machine has an outside world and i has not hidden it). */
int view_panel_shown(const struct ui *u, enum panel p);

/* What a key's action did. */
enum { K_REDRAW = 1, K_QUIT = 2 };

/* One key binding: the table drives the keys, the hints and the help. */
struct key_binding {
	int key, alt;                   /* curses key codes (alt: 0 none) */
	const char *name;               /* as the help names it: "space", "n  Right" */
	const char *hint;               /* in the bottom line ("space run"), or NULL */
	const char *help;               /* what it does */
	int (*action)(struct ui *u);
};

extern const struct key_binding key_bindings[];
extern const size_t key_count;

/* Do what key c is bound to; returns K_* flags (0: not bound). */
int keys_dispatch(struct ui *u, int c);
/* A key while the lesson list is up: move, jump, close. */
void keys_lesson_list(struct ui *u, int c);
/* The thread the code panel shows. */
int view_focus(const struct ui *u);
/* The process whose address space the memory map shows: the one chosen
 * with p, else the followed thread's. */
int view_mem_pid(const struct ui *u);

/* Draw the whole screen. */
void view_draw(struct ui *u);

#endif
