/* term: curses, the theme, the glyphs, and giving the terminal back. */
#include "config.h"

#include "term.h"

#include "../util.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

volatile sig_atomic_t term_signal;

static SCREEN *screen;          /* NULL when curses is not running */
static int use_color, use_ascii;

static const struct theme_entry {
	short fg, bg;
	int attr, mono;
} theme[TH_COUNT] = {
#define X(id, fg, bg, attr, mono) { fg, bg, attr, mono },
	THEME(X)
#undef X
};

static const char *const glyphs[G_COUNT][2] = {
#define X(id, u, a) { u, a },
	GLYPHS(X)
#undef X
};

/* SIGINT, SIGTERM, SIGHUP: ask the loop to stop; it ends curses. */
static void on_stop(int sig)
{
	term_signal = sig;
}

/* A fatal signal: give the terminal back, then die of it. */
static void on_fatal(int sig)
{
	if (screen)
		endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

int term_start(const struct term_options *o, char *err, size_t errlen)
{
	setlocale(LC_CTYPE, "");
	use_ascii = o->ascii || strcmp(nl_langinfo(CODESET), "UTF-8") != 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "the screen needs a terminal on standard input and output");
		return -1;
	}
	const char *t = getenv("TERM");
	if (!t || !*t) {
		snprintf(err, errlen, "TERM is not set: the screen does not know the terminal");
		return -1;
	}
	/* newterm, unlike initscr, reports an unknown terminal instead of exiting */
	screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		snprintf(err, errlen, "cannot use the terminal '%s'", t);
		return -1;
	}
	atexit(term_end);
	before_fatal = term_end;
	struct sigaction sa = { .sa_handler = on_stop };   /* no SA_RESTART: wake the wait */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_fatal;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED, NULL);
	mouseinterval(0);
	use_color = o->color && has_colors();
	if (use_color) {
		start_color();
		use_default_colors();
		for (int i = 0; i < TH_COUNT; i++)
			init_pair((short)(i + 1), theme[i].fg, theme[i].bg);
	}
	return 0;
}

void term_end(void)
{
	if (!screen)
		return;
	endwin();
	delscreen(screen);
	screen = NULL;
	before_fatal = NULL;
}

int term_key(int timeout_ms)
{
	int c = getch();
	if (c != ERR || term_signal)
		return c;
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	if (poll(&p, 1, timeout_ms) == 0)
		return ERR;
	return getch();         /* a key, KEY_RESIZE, or ERR after a signal */
}

int term_attr(enum theme t)
{
	return use_color ? (int)COLOR_PAIR(t + 1) | theme[t].attr : theme[t].mono;
}

enum theme term_thread_color(int tid)
{
	return (enum theme)(TH_T1 + (tid > 0 ? (tid - 1) % 4 : 0));
}

const char *term_glyph(enum glyph g)
{
	return glyphs[g][use_ascii];
}

int term_ascii(void)
{
	return use_ascii;
}

/* The next character of s[0..n): its bytes in *len and its columns
 * (-1: a control byte or an invalid sequence, shown as '?'). */
static int next_char(const char *s, size_t n, size_t *len)
{
	unsigned char c = (unsigned char)*s;
	if (c < 0x80) {
		*len = 1;
		return c < 0x20 || c == 0x7f ? -1 : 1;
	}
	mbstate_t st = { 0 };
	wchar_t wc;
	size_t k = mbrtowc(&wc, s, n, &st);
	if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
		*len = 1;
		return -1;
	}
	*len = k;
	int w = wcwidth(wc);
	return w < 0 ? -1 : w;
}

int term_char(const char *s, size_t n, size_t *len)
{
	int w = next_char(s, n, len);
	return w < 0 || (use_ascii && *len > 1) ? 1 : w;
}

int term_putn(int y, int x, int width, int attr, const char *s, size_t n)
{
	int cols = getmaxx(stdscr), rows = getmaxy(stdscr);
	if (y < 0 || y >= rows || x < 0 || x >= cols)
		return 0;
	if (width > cols - x)
		width = cols - x;
	attrset(attr);
	int used = 0;
	move(y, x);
	while (n && used < width) {
		size_t len;
		int w = next_char(s, n, &len);
		if (w < 0 || (use_ascii && len > 1)) {
			addch('?');
			used++;
		} else if (used + w <= width) {
			addnstr(s, (int)len);
			used += w;
		} else {
			break;
		}
		s += len;
		n -= len;
	}
	attrset(A_NORMAL);
	return used;
}

int term_put(int y, int x, int width, int attr, const char *s)
{
	return term_putn(y, x, width, attr, s, strlen(s));
}

int term_width(const char *s)
{
	int w = 0;
	for (size_t n = strlen(s); n;) {
		size_t len;
		int c = next_char(s, n, &len);
		w += c < 0 || (use_ascii && len > 1) ? 1 : c;
		s += len;
		n -= len;
	}
	return w;
}

void term_hline(int y, int x, int n, enum glyph g, int attr)
{
	for (int i = 0; i < n; i++)
		term_put(y, x + i, 1, attr, term_glyph(g));
}

void term_box(int y0, int x0, int y1, int x1, const char *title, int attr)
{
	term_put(y0, x0, 1, attr, term_glyph(G_TL));
	term_hline(y0, x0 + 1, x1 - x0 - 1, G_H, attr);
	term_put(y0, x1, 1, attr, term_glyph(G_TR));
	for (int y = y0 + 1; y < y1; y++) {
		term_put(y, x0, 1, attr, term_glyph(G_V));
		term_put(y, x1, 1, attr, term_glyph(G_V));
	}
	term_put(y1, x0, 1, attr, term_glyph(G_BL));
	term_hline(y1, x0 + 1, x1 - x0 - 1, G_H, attr);
	term_put(y1, x1, 1, attr, term_glyph(G_BR));
	if (title && x1 - x0 > 4) {
		term_put(y0, x0 + 1, 1, attr, " ");
		int w = term_put(y0, x0 + 2, x1 - x0 - 4, attr | A_BOLD, title);
		term_put(y0, x0 + 2 + w, 1, attr, " ");
	}
}
