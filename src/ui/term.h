/* term: the one owner of the terminal.  It starts and ends curses,
 * restores the terminal on every way out (quit, the end, a signal, a
 * fatal error), holds the colour theme and the glyphs (UTF-8 or ASCII),
 * and measures and clips the text the panels draw.  Nothing else in
 * threadlab calls initscr() or endwin(). */
#ifndef THREADLAB_TERM_H
#define THREADLAB_TERM_H

#include <signal.h>
#include <stddef.h>

/* X(NAME, foreground, background, attribute in colour, attribute without) */
#define THEME(X)                                                                  \
	X(TEXT,      -1,            -1, A_NORMAL, A_NORMAL)                       \
	X(BORDER,    COLOR_BLUE,    -1, A_NORMAL, A_DIM)                          \
	X(FOCUS,     COLOR_CYAN,    -1, A_BOLD,   A_BOLD)                         \
	X(TITLE,     COLOR_WHITE,   -1, A_BOLD,   A_BOLD)                         \
	X(DIM,       COLOR_WHITE,   -1, A_DIM,    A_DIM)                          \
	X(LABEL,     COLOR_CYAN,    -1, A_NORMAL, A_NORMAL)                       \
	X(CHANGED,   COLOR_YELLOW,  -1, A_BOLD,   A_BOLD | A_UNDERLINE)           \
	X(CURRENT,   COLOR_BLACK,   COLOR_CYAN, A_NORMAL, A_REVERSE)              \
	X(RUNNING,   COLOR_GREEN,   -1, A_BOLD,   A_BOLD)                         \
	X(READY,     COLOR_WHITE,   -1, A_NORMAL, A_NORMAL)                       \
	X(BLOCKED,   COLOR_RED,     -1, A_NORMAL, A_DIM)                          \
	X(SWITCHING, COLOR_MAGENTA, -1, A_NORMAL, A_UNDERLINE)                    \
	X(INTERRUPT, COLOR_YELLOW,  -1, A_BOLD,   A_BOLD)                         \
	X(SHARED,    COLOR_BLUE,    -1, A_BOLD,   A_NORMAL)                       \
	X(PRIVATE,   COLOR_GREEN,   -1, A_NORMAL, A_ITALIC)                       \
	X(READ,      COLOR_BLACK,   COLOR_GREEN, A_NORMAL, A_UNDERLINE)           \
	X(WRITE,     COLOR_BLACK,   COLOR_YELLOW, A_NORMAL, A_REVERSE)            \
	X(BAD,       COLOR_WHITE,   COLOR_RED, A_BOLD, A_BOLD | A_REVERSE)        \
	X(NOTE,      COLOR_YELLOW,  -1, A_NORMAL, A_NORMAL)                       \
	X(KEY,       COLOR_BLACK,   COLOR_CYAN, A_NORMAL, A_REVERSE)              \
	X(T1,        COLOR_CYAN,    -1, A_BOLD,   A_BOLD)                         \
	X(T2,        COLOR_YELLOW,  -1, A_BOLD,   A_NORMAL)                       \
	X(T3,        COLOR_MAGENTA, -1, A_BOLD,   A_UNDERLINE)                    \
	X(T4,        COLOR_GREEN,   -1, A_BOLD,   A_BOLD | A_UNDERLINE)

enum theme {
#define X(id, fg, bg, attr, mono) TH_##id,
	THEME(X)
#undef X
	TH_COUNT
};

/* X(NAME, UTF-8, ASCII): every character that is not plain ASCII. */
#define GLYPHS(X)                      \
	X(H,        "─", "-")          \
	X(V,        "│", "|")          \
	X(TL,       "┌", "+")          \
	X(TR,       "┐", "+")          \
	X(BL,       "└", "+")          \
	X(BR,       "┘", "+")          \
	X(LT,       "├", "+")          \
	X(RT,       "┤", "+")          \
	X(TT,       "┬", "+")          \
	X(BT,       "┴", "+")          \
	X(CROSS,    "┼", "+")          \
	X(PC,       "▶", ">")          \
	X(OTHER_PC, "◆", "*")          \
	X(RUN,      "█", "#")          \
	X(BLOCK,    "▒", "=")          \
	X(IOWAIT,   "┄", ":")          \
	X(IDLE,     "▁", "_")          \
	X(READY,    "·", ".")          \
	X(SWITCH,   "░", "~")          \
	X(TIMER,    "│", "|")          \
	X(NOW,      "▼", "v")          \
	X(PAUSED,   "❚❚", "||")        \
	X(PLAYING,  "▶", ">")          \
	X(ARROW,    "→", "->")         \
	X(LARROW,   "◀", "<")          \
	X(MORE,     "⋮", ":")          \
	X(WARN,     "⚠", "!")

enum glyph {
#define X(id, u, a) G_##id,
	GLYPHS(X)
#undef X
	G_COUNT
};

struct term_options {
	int color;              /* 0: monochrome (NO_COLOR, --no-color) */
	int ascii;              /* no line drawing, no UTF-8 */
};

/* Start curses on the terminal.  Returns 0, or -1 with a message in err
 * (no terminal, an unknown TERM). */
int term_start(const struct term_options *o, char *err, size_t errlen);
/* End curses and give the terminal back as it was; safe to call twice. */
void term_end(void);

/* The signal that asked to stop (0: none): SIGINT, SIGTERM or SIGHUP. */
extern volatile sig_atomic_t term_signal;

/* Wait up to timeout_ms (-1: for ever) for a key; ERR when none came,
 * KEY_RESIZE after a resize, or when a signal arrived. */
int term_key(int timeout_ms);

/* The attribute of theme element t. */
int term_attr(enum theme t);
/* The theme element of thread tid's colour. */
enum theme term_thread_color(int tid);
/* The text of glyph g. */
const char *term_glyph(enum glyph g);
/* Whether the glyphs are ASCII. */
int term_ascii(void);

/* Draw s at (y, x) in at most width columns with attribute attr;
 * returns the columns used.  Control bytes show as '?', and a character
 * the width cannot hold is left out whole. */
int term_put(int y, int x, int width, int attr, const char *s);
/* The same for the first n bytes of s. */
int term_putn(int y, int x, int width, int attr, const char *s, size_t n);
/* The columns the first character of s[0..n) takes on screen (2 for a
 * Hangul syllable, 1 for '?' in place of a byte it cannot show), and its
 * bytes in *len. */
int term_char(const char *s, size_t n, size_t *len);
/* Columns s takes on screen. */
int term_width(const char *s);
/* Draw glyph g n times from (y, x). */
void term_hline(int y, int x, int n, enum glyph g, int attr);
/* A box with its corners at (y0, x0) and (y1, x1) and title in its top side. */
void term_box(int y0, int x0, int y1, int x1, const char *title, int attr);

#endif
