/* memmap: the process's address space as panel rows — each thread's
 * slot (its TLS block, and its stack's frames found by following the
 * saved fp chain), the heap's blocks (walked down from the break by the
 * boundary sizes in their headers), the globals, the constants and the
 * functions.  Everything is read from simulated memory with the runtime's
 * own peek, and every walk checks what it reads before following it. */
#include "memmap.h"

#include <stdlib.h>
#include <string.h>

#include "../i18n.h"
#include "../out/trace.h"
#include "../sim/closure.h"
#include "../sim/coro.h"
#include "../sim/heap.h"
#include "../sim/race.h"

#define MAX_FRAMES 8            /* frames shown per thread: the youngest */
#define MAX_VARS 6              /* variables shown per frame or TLS block */
#define MAX_BLOCKS 40           /* heap blocks shown: the highest */
#define MAX_COUNT 4096          /* heap blocks counted past those shown */
#define WALK_BUDGET 65536       /* frames followed over all threads in one build */
#define ARRAY_SHOWN 4           /* array elements shown in a row of its own */
#define ARRAY_INLINE 3          /* ... and in a frame's line */
#define BLOCK_WORDS 3           /* payload words shown per heap block */
#define STRING_SHOWN 40         /* bytes of a string shown */
#define MAX_COROS 64            /* coroutines whose blocks are named */

/* The glyphs a row may hold, in UTF-8 and in ASCII. */
static const struct glyphs {
	const char *arrow, *gap, *more, *warn;
} glyph_sets[2] = {
	{ "\xe2\x86\x92", "\xe2\x8b\xae", "\xe2\x80\xa6", "\xe2\x9a\xa0" },  /* → ⋮ … ⚠ */
	{ "->", "...", "...", "!" },
};

/* One build: where rows go and what the walks have left. */
struct mm {
	const struct scenario *sc;
	const struct machine *m;
	const struct process *p;        /* the process whose address space it shows */
	const struct image *img;
	const struct glyphs *g;
	struct mm_row *rows;
	size_t n, max;
	uint64_t low;           /* the bottom of the last region (0: none yet) */
	int in_slots;           /* the last region was part of a thread's slot */
	long budget;            /* frames left to follow */
	int frame_depth;        /* of frame rows: 1 in a thread's stack, 2 in a coroutine's */
	struct coro *coros;     /* the coroutines in the heap, by address */
	size_t ncoros;
	struct buf b;           /* the text of the row being built */
};

/* A stack frame as found by the walk. */
struct frame {
	const struct img_func *f;
	uint64_t fp;            /* where its fp points (or will, in the prologue) */
	uint64_t pc;            /* where scopes are looked up: where it is, or its call */
	uint64_t ret;           /* its return address */
	uint64_t lo, hi;        /* its bytes: from the frame below up to its arguments */
};

/* The word at addr as the runtime sees it (0 when unmapped). */
static int64_t peek(const struct mm *mm, uint64_t addr)
{
	return mem_peek(&mm->p->mem, addr);
}

/* Empty the text being built. */
static void text_reset(struct buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = 0;
}

/* Copy text into a row's text, cut at a character boundary if too long. */
static void text_copy(char *dst, size_t cap, const char *text)
{
	size_t len = strlen(text);
	if (len >= cap) {
		len = cap - 1;
		while (len && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(dst, text, len);
	dst[len] = 0;
}

/* Mark the row being built when a word in [addr, addr+size) has raced:
 * "counter = 2  ⚠ race".  Returns whether it did. */
static int put_race(struct mm *mm, uint64_t addr, uint64_t size)
{
	if (!race_marked(mm->m, mm->p->pid, addr, size))
		return 0;
	buf_printf(&mm->b, _("  %s race"), mm->g->warn);
	return 1;
}

/* Add a row with text (NULL: the text built in mm->b); 0 when full. */
static int put_row(struct mm *mm, const char *text, enum mm_kind kind, uint64_t addr,
		   uint64_t size, int tid, int shared, int depth)
{
	int built = !text;
	if (built)
		text = mm->b.s ? mm->b.s : "";
	if (mm->n >= mm->max)
		return 0;
	struct mm_row *r = &mm->rows[mm->n++];
	*r = (struct mm_row){ .addr = addr, .size = size, .kind = kind, .tid = tid,
			      .shared = shared, .depth = depth };
	text_copy(r->text, sizeof r->text, text);
	if (built)
		text_reset(&mm->b);
	return 1;
}

/* Add a row inside a region with the text built in mm->b, marked when a
 * word it covers has raced; 0 when full. */
static int put_marked_row(struct mm *mm, enum mm_kind kind, uint64_t addr, uint64_t size,
			  int tid, int shared, int depth)
{
	int raced = put_race(mm, addr, size);
	if (!put_row(mm, NULL, kind, addr, size, tid, shared, depth))
		return 0;
	mm->rows[mm->n - 1].race = raced;
	return 1;
}

/* Add a row saying n more things were left out ("… 5 more frames"), a
 * gap row covering size bytes; at_least: n is only where counting
 * stopped.  0 when full. */
static int put_more(struct mm *mm, uint64_t n, const char *what, int at_least, uint64_t size,
		    int tid)
{
	char text[96];
	snprintf(text, sizeof text, _("%s %llu%s more %s"), mm->g->more, (unsigned long long)n,
		 at_least ? "+" : "", _(what));
	return put_row(mm, text, MM_GAP, 0, size, tid, 0, mm->frame_depth);
}

/* Add the head row of the region [addr, addr+size) with the text built
 * in mm->b, after a gap row when unmapped space lies between it and the
 * region above (thread slots follow each other without one); slot: the
 * region is part of a thread's slot.  0 when full. */
static int put_head(struct mm *mm, enum mm_kind kind, uint64_t addr, uint64_t size, int tid,
		    int shared, int slot)
{
	uint64_t top = addr + size;
	if (mm->low && top < mm->low && mm->low - top >= PAGE_SIZE && !(slot && mm->in_slots) &&
	    !put_row(mm, mm->g->gap, MM_GAP, 0, mm->low - top, 0, 0, 0))
		return 0;
	mm->low = addr;
	mm->in_slots = slot;
	int cow = 0, pages = 0;
	for (uint64_t a = addr & ~(uint64_t)(PAGE_SIZE - 1); mm->m->nprocs > 1 && a < top;
	     a += PAGE_SIZE, pages++)
		cow += machine_page_shared(mm->m, mm->p->pid, a);
	if (cow)
		buf_printf(&mm->b, ngettext("  cow %d/%d page", "  cow %d/%d pages",
					    (unsigned long)pages), cow, pages);
	if (!put_row(mm, NULL, kind, addr, size, tid, shared, 0))
		return 0;
	mm->rows[mm->n - 1].cow = cow;
	return 1;
}

/* Append a plain number; a huge one in hex, where a pattern such as
 * freed memory's 0xdddd... shows. */
static void put_int(struct mm *mm, uint64_t addr)
{
	int64_t v = peek(mm, addr);
	if (v > ((int64_t)1 << 40) || v < -((int64_t)1 << 40))
		buf_printf(&mm->b, "0x%llx", (unsigned long long)v);
	else
		buf_printf(&mm->b, "%lld", (long long)v);
}

/* Append a pointer. */
static void put_ptr(struct mm *mm, uint64_t addr)
{
	buf_printf(&mm->b, "0x%llx", (unsigned long long)peek(mm, addr));
}

/* Append a mutex's state: "free" or "held by T2" with its waiters. */
static void put_mutex(struct mm *mm, uint64_t addr)
{
	int64_t owner = peek(mm, addr), waiting = peek(mm, addr + WORD);
	if (owner)
		buf_printf(&mm->b, _("held by T%lld"), (long long)owner);
	else
		buf_puts(&mm->b, _("free"));
	if (waiting)
		buf_printf(&mm->b, _(", %lld waiting"), (long long)waiting);
}

/* Append a semaphore's count and its waiters. */
static void put_sem(struct mm *mm, uint64_t addr)
{
	int64_t waiting = peek(mm, addr + WORD);
	buf_printf(&mm->b, "%lld", (long long)peek(mm, addr));
	if (waiting)
		buf_printf(&mm->b, _(", %lld waiting"), (long long)waiting);
}

/* Append a condition variable's waiters. */
static void put_cond(struct mm *mm, uint64_t addr)
{
	buf_printf(&mm->b, _("%lld waiting"), (long long)peek(mm, addr));
}

/* How to show one element of a type, by how the type's text starts. */
static const struct elem_view {
	const char *prefix;
	uint64_t size;
	void (*put)(struct mm *mm, uint64_t addr);
} elem_views[] = {
	{ "mutex", SYNC_SIZE, put_mutex },
	{ "semaphore", SYNC_SIZE, put_sem },
	{ "cond", SYNC_SIZE, put_cond },
}, ptr_view = { "*", WORD, put_ptr }, int_view = { "", WORD, put_int };

/* How to show an element of an object of type type. */
static const struct elem_view *elem_of(const char *type)
{
	for (size_t i = 0; i < ARRAY_LEN(elem_views); i++)
		if (strncmp(type, elem_views[i].prefix, strlen(elem_views[i].prefix)) == 0)
			return &elem_views[i];
	return strchr(type, '*') ? &ptr_view : &int_view;
}

/* Whether type is an array's ("int[4]"). */
static int is_array(const char *type)
{
	size_t len = strlen(type);
	return len && type[len - 1] == ']';
}

#define CHARS_SHOWN 24          /* characters of a char array shown */

/* The byte at addr. */
static int peek_byte(const struct mm *mm, uint64_t addr)
{
	return (uint8_t)((uint64_t)peek(mm, addr & ~(uint64_t)7) >> (8 * (addr & 7)));
}

/* Append byte c as C writes it in a literal (q the quote around it). */
static void put_c_char(struct mm *mm, int c, char q)
{
	if (c == q || c == '\\')
		buf_printf(&mm->b, "\\%c", c);
	else if (c == '\n')
		buf_puts(&mm->b, "\\n");
	else if (c >= 0x20 && c < 0x7f)
		buf_putc(&mm->b, (char)c);
	else
		buf_printf(&mm->b, "\\x%02x", c);
}

/* Append a char: 'A', or its number when it is not printable. */
static void put_char(struct mm *mm, uint64_t addr)
{
	int c = peek_byte(mm, addr);
	if (c >= 0x20 && c < 0x7f) {
		buf_putc(&mm->b, '\'');
		put_c_char(mm, c, '\'');
		buf_putc(&mm->b, '\'');
	} else {
		buf_printf(&mm->b, "%d", (signed char)c);
	}
}

/* Append a char array as the string it holds, to its first zero byte:
 * "GET /index", cut after CHARS_SHOWN characters. */
static void put_chars(struct mm *mm, uint64_t addr, uint64_t size)
{
	uint64_t i = 0;
	buf_putc(&mm->b, '"');
	for (; i < size && i < CHARS_SHOWN; i++) {
		int c = peek_byte(mm, addr + i);
		if (!c)
			break;
		put_c_char(mm, c, '"');
	}
	buf_putc(&mm->b, '"');
	if (i == CHARS_SHOWN && i < size && peek_byte(mm, addr + i))
		buf_printf(&mm->b, "%s", mm->g->more);
}

/* Whether type is a char's or a char array's (not a pointer's). */
static int is_char(const char *type)
{
	return strncmp(type, "char", 4) == 0 && !strchr(type, '*');
}

/* Whether type is a struct's or a union's, or an array of them. */
static int is_struct(const char *type)
{
	return (strncmp(type, "struct ", 7) == 0 || strncmp(type, "union ", 6) == 0) &&
	       !strchr(type, '*');
}

#define STRUCT_DEPTH 2           /* structs inside structs shown, deeper ones by size */

/* Append the value of the object of type type, size bytes at addr: a
 * number, a character, a char array's string, an array as "{1, 2, …}"
 * with at most shown elements, a struct as "{events=1, data={fd=4}}"
 * (a union by its first field). */
static void put_value(struct mm *mm, const char *type, uint64_t addr, uint64_t size,
		      size_t shown, int depth)
{
	const char *br = is_array(type) ? strrchr(type, '[') : NULL;
	if (is_char(type)) {
		if (br)
			put_chars(mm, addr, size);
		else
			put_char(mm, addr);
		return;
	}
	if (is_struct(type) && br) {
		/* an array of structs: its first elements, each by its fields */
		char elem[128];
		uint64_t n = strtoull(br + 1, NULL, 10), es = n ? size / n : 0;
		shown = shown == ARRAY_INLINE ? 1 : 2;  /* a struct takes room */
		snprintf(elem, sizeof elem, "%.*s", (int)(br - type), type);
		buf_putc(&mm->b, '{');
		for (uint64_t i = 0; i < n && i < shown && es; i++) {
			if (i)
				buf_puts(&mm->b, ", ");
			put_value(mm, elem, addr + i * es, es, shown, depth);
		}
		if (n > shown)
			buf_printf(&mm->b, ", %s", mm->g->more);
		buf_putc(&mm->b, '}');
		return;
	}
	if (is_struct(type)) {
		const struct img_struct *st = image_struct_named(mm->img, type);
		if (!st || depth >= STRUCT_DEPTH) {
			buf_printf(&mm->b, "{%llu bytes}", (unsigned long long)size);
			return;
		}
		buf_putc(&mm->b, '{');
		for (size_t i = 0; i < st->nfields && (i == 0 || !st->is_union); i++) {
			const struct img_field *f = &st->fields[i];
			if (i)
				buf_puts(&mm->b, ", ");
			buf_printf(&mm->b, "%s=", f->name);
			put_value(mm, f->type, addr + f->offset, f->size, shown, depth + 1);
		}
		buf_putc(&mm->b, '}');
		return;
	}
	const struct elem_view *ev = elem_of(type);
	if (!br) {
		ev->put(mm, addr);
		return;
	}
	uint64_t n = size / ev->size;
	buf_putc(&mm->b, '{');
	for (uint64_t i = 0; i < n && i < shown; i++) {
		if (i)
			buf_puts(&mm->b, ", ");
		ev->put(mm, addr + i * ev->size);
	}
	if (n > shown)
		buf_printf(&mm->b, ", %s", mm->g->more);
	buf_putc(&mm->b, '}');
}

/* Append "name = value" (sep between them), an array as "buf[4] = {1, 2,
 * …}" with at most shown elements, of the object of type type, size
 * bytes at addr. */
static void put_named(struct mm *mm, const char *name, const char *type, uint64_t addr,
		      uint64_t size, const char *sep, size_t shown)
{
	const char *t = type ? type : "int";
	buf_puts(&mm->b, name);
	if (is_array(t))
		buf_puts(&mm->b, strrchr(t, '['));
	buf_puts(&mm->b, sep);
	put_value(mm, t, addr, size, shown, 0);
}

/* Append the name of a code address: its function's, or the number. */
static void put_code_name(struct mm *mm, uint64_t addr)
{
	const struct img_func *f = image_func_at(mm->img, addr);
	if (f)
		buf_puts(&mm->b, f->name);
	else
		buf_printf(&mm->b, "0x%llx", (unsigned long long)addr);
}

/* Whether the n bytes at addr lie in t's stack, addr word-aligned. */
static int on_stack(const struct thread *t, uint64_t addr, uint64_t n)
{
	return !(addr & 7) && addr >= t->stack_lo && addr <= t->stack_hi &&
	       n <= t->stack_hi - addr;
}

/* The top of frame fr: its last argument's end, within t's stack. */
static uint64_t frame_top(const struct thread *t, const struct frame *fr)
{
	uint64_t args = 2 * WORD + WORD * (uint64_t)(fr->f->nparams > 0 ? fr->f->nparams : 0);
	return on_stack(t, fr->fp, args) ? fr->fp + args : t->stack_hi;
}

/* Thread t's youngest frame, wherever its function got to: before `push
 * fp` or at its `ret` (the return address on top, fp still the
 * caller's), before `mov fp, sp` (the saved fp on top), or in its body.
 * *cfp gets the caller's fp.  0 when t is in no frame of the program's
 * (in the runtime, or anywhere unknown). */
static int top_frame(const struct mm *mm, const struct thread *t, struct frame *fr,
		     uint64_t *cfp)
{
	uint64_t pc = t->pc, sp = (uint64_t)t->r[REG_SP], fp = (uint64_t)t->r[REG_FP];
	const struct img_func *f = image_func_at(mm->img, pc);
	if (!f || !f->line)
		return 0;
	const struct insn *in = image_insn(mm->img, pc);
	*fr = (struct frame){ .f = f, .pc = pc, .fp = fp };
	*cfp = fp;
	if (pc == f->addr || (in && in->op == OP_RET))
		fr->fp = sp - WORD;
	else if (pc == f->addr + INSN_SIZE)
		fr->fp = sp;
	else
		*cfp = on_stack(t, fp, WORD) ? (uint64_t)peek(mm, fp) : 0;
	if (!on_stack(t, fr->fp + WORD, WORD))
		return 0;
	fr->ret = (uint64_t)peek(mm, fr->fp + WORD);
	fr->hi = frame_top(t, fr);
	fr->lo = sp >= t->stack_lo && sp < fr->hi ? sp : fr->hi - WORD;
	return 1;
}

/* The caller of frame fr, whose fp is cfp; *next_cfp gets its caller's
 * fp.  0 at the end of the chain, or where it cannot be right: a return
 * into no function of the program's, an fp outside the stack or not
 * above fr's. */
static int caller_frame(const struct mm *mm, const struct thread *t, const struct frame *fr,
			uint64_t cfp, struct frame *up, uint64_t *next_cfp)
{
	const struct img_func *f = image_func_at(mm->img, fr->ret);
	if (!f || !f->line || cfp <= fr->fp || !on_stack(t, cfp, 2 * WORD))
		return 0;
	*up = (struct frame){ .f = f, .fp = cfp, .pc = fr->ret - INSN_SIZE,
			      .ret = (uint64_t)peek(mm, cfp + WORD), .lo = fr->hi };
	up->hi = frame_top(t, up);
	if (up->hi <= up->lo)
		return 0;
	*next_cfp = (uint64_t)peek(mm, cfp);
	return 1;
}

/* Append a frame variable's "name=value" (or "name=?" off the stack). */
static void put_frame_var(struct mm *mm, const struct thread *t, const struct frame *fr,
			  const struct img_var *v)
{
	uint64_t addr = fr->fp + (uint64_t)v->offset;
	if (on_stack(t, addr, v->size ? v->size : WORD)) {
		put_named(mm, v->name, v->type, addr, v->size, "=", ARRAY_INLINE);
		return;
	}
	buf_puts(&mm->b, v->name);
	buf_puts(&mm->b, "=?");
}

/* Add frame fr's row: "worker(n=3) i=1  ret→thread_exit" with the
 * arguments and the locals in scope.  0 when full. */
static int put_frame(struct mm *mm, const struct thread *t, const struct frame *fr)
{
	const struct img_func *f = fr->f;
	int shown = 0, hidden = 0;
	buf_puts(&mm->b, f->name);
	buf_putc(&mm->b, '(');
	for (size_t i = 0; i < f->nvars; i++) {
		if (!f->vars[i].is_param)
			continue;
		if (shown == MAX_VARS) {
			hidden++;
			continue;
		}
		if (shown++)
			buf_puts(&mm->b, ", ");
		put_frame_var(mm, t, fr, &f->vars[i]);
	}
	buf_putc(&mm->b, ')');
	for (size_t i = 0; i < f->nvars; i++) {
		const struct img_var *v = &f->vars[i];
		if (v->is_param || fr->pc < v->lo || fr->pc >= v->hi)
			continue;
		if (shown == MAX_VARS) {
			hidden++;
			continue;
		}
		shown++;
		buf_putc(&mm->b, ' ');
		put_frame_var(mm, t, fr, v);
	}
	if (hidden)
		buf_printf(&mm->b, " %s", mm->g->more);
	buf_printf(&mm->b, "  ret%s", mm->g->arrow);
	put_code_name(mm, fr->ret);
	return put_marked_row(mm, MM_FRAME, fr->lo, fr->hi - fr->lo, t->id, 0, mm->frame_depth);
}

/* Add thread t's frames, the oldest (highest) first: the youngest
 * MAX_FRAMES, below a row counting the older ones.  0 when full. */
static int put_frames(struct mm *mm, const struct thread *t)
{
	struct frame fr[MAX_FRAMES], cur, up;
	uint64_t cfp, next_cfp, more = 0, more_hi = 0;
	size_t n = 0;
	int cut = 0;
	if (!top_frame(mm, t, &cur, &cfp))
		return 1;
	for (;;) {
		if (n < MAX_FRAMES) {
			fr[n++] = cur;
		} else {
			more++;
			more_hi = cur.hi;
		}
		if (mm->budget <= 0) {
			cut = 1;
			break;
		}
		mm->budget--;
		if (!caller_frame(mm, t, &cur, cfp, &up, &next_cfp))
			break;
		cur = up;
		cfp = next_cfp;
	}
	if (more && !put_more(mm, more, N_("frames"), cut, more_hi - fr[n - 1].hi, t->id))
		return 0;
	while (n)
		if (!put_frame(mm, t, &fr[--n]))
			return 0;
	return 1;
}

/* Add the rows of thread t's TLS variables, highest first.  0 when full. */
static int put_tls_vars(struct mm *mm, const struct thread *t)
{
	const struct image *img = mm->img;
	uint64_t shown = 0, hidden = 0;
	for (size_t i = img->nsyms; i-- > 0;) {
		const struct img_sym *s = &img->syms[i];
		if (s->kind != SYM_TLS)
			continue;
		if (shown == MAX_VARS) {
			hidden++;
			continue;
		}
		shown++;
		put_named(mm, s->name, s->type, t->tls + s->addr, s->size, " = ", ARRAY_SHOWN);
		if (!put_marked_row(mm, MM_VAR, t->tls + s->addr, s->size, t->id, 0, 1))
			return 0;
	}
	return !hidden || put_more(mm, hidden, N_("variables"), 0, 0, t->id);
}

/* The coroutine with handle h among those found, or NULL. */
static const struct coro *find_coro(const struct mm *mm, uint64_t h)
{
	for (size_t i = 0; i < mm->ncoros; i++)
		if (mm->coros[i].addr == h)
			return &mm->coros[i];
	return NULL;
}

/* Add thread t's slot: its TLS block and stack, or one row once it is
 * done.  0 when full. */
static int put_thread(struct mm *mm, const struct thread *t)
{
	if (t->state == TS_DONE) {
		buf_puts(&mm->b, "stack ");
		trace_thread_name(mm->sc, mm->m, t->id, &mm->b);
		buf_puts(&mm->b, _("  done"));
		return put_head(mm, MM_REGION, t->stack_lo, STACK_SIZE, t->id, 0, 1);
	}
	if (mm->img->tls_size) {
		buf_puts(&mm->b, "TLS ");
		trace_thread_name(mm->sc, mm->m, t->id, &mm->b);
		buf_puts(&mm->b, _("  private"));
		if (!put_head(mm, MM_TLS, t->tls, mm->img->tls_size, t->id, 0, 1) ||
		    !put_tls_vars(mm, t))
			return 0;
	}
	/* on a coroutine's stack, its own stack waits where its first resume
	 * left it: its frames are found from the context saved there */
	struct thread home;
	struct context ctx;
	const struct coro *c = t->co ? find_coro(mm, t->co) : NULL;
	if (t->co && coro_home(mm->m, t, &ctx)) {
		home = *t;
		home.pc = ctx.pc;
		home.r[REG_SP] = (int64_t)ctx.sp;
		home.r[REG_FP] = (int64_t)ctx.fp;
		t = &home;
	}
	buf_puts(&mm->b, _("stack "));
	trace_thread_name(mm->sc, mm->m, t->id, &mm->b);
	uint64_t sp = (uint64_t)t->r[REG_SP];   /* how much of it is in use, to scale */
	uint64_t used = sp >= t->stack_lo && sp <= t->stack_hi ? t->stack_hi - sp : 0;
	buf_printf(&mm->b, _("  %llu B of %u KiB  private"), (unsigned long long)used,
		   STACK_SIZE / 1024);
	if (c)
		buf_printf(&mm->b, _("  (T%d on co%d)"), t->id, c->id);
	return put_head(mm, MM_REGION, t->stack_lo, STACK_SIZE, t->id, 0, 1) &&
	       put_frames(mm, t);
}

/* Add every thread's slot, the main thread's (the highest) first. */
static int put_threads(struct mm *mm)
{
	for (int i = 0; i < mm->m->nthreads; i++)
		if (mm->m->threads[i].pid == mm->p->pid && !put_thread(mm, &mm->m->threads[i]))
			return 0;
	return 1;
}

/* Read the header of the heap block at b that should end at end into
 * blk; 0 when it cannot be one (overwritten, or b is no block start). */
static int read_block(const struct mm *mm, uint64_t b, uint64_t end, struct heap_block *blk)
{
	const struct heap *h = &mm->p->heap;
	if (b < h->base || b >= end || (b & 15))
		return 0;
	uint64_t w = (uint64_t)peek(mm, b);
	*blk = (struct heap_block){ b, w & 0xfffffff0u, (int)(w & 1), (int)(uint32_t)(w >> 32) };
	return !(w & 0xe) && blk->size >= HEAP_MIN_BLOCK && blk->size == end - b &&
	       (blk->used || !blk->owner);
}

/* Append a coroutine's name: "co1 (gen)". */
static void put_coro_name(struct mm *mm, const struct coro *c)
{
	buf_printf(&mm->b, "co%d (", c->id);
	put_code_name(mm, c->entry);
	buf_putc(&mm->b, ')');
}

/* Append where a context goes on: "pc 0x40003c (line 3)". */
static void put_resume_at(struct mm *mm, const struct context *ctx)
{
	int line = image_line(mm->img, ctx->pc);
	buf_printf(&mm->b, "pc 0x%llx", (unsigned long long)ctx->pc);
	if (line)
		buf_printf(&mm->b, _(" (line %d)"), line);
}

/* Coroutine c's state in a word, as its object's row says it. */
static const char *coro_state(const struct coro *c)
{
	switch (c->status) {
	case CO_SUSPENDED: return c->started ? _("suspended") : _("not started");
	case CO_RUNNING: return _("running");
	default: return _("finished");
	}
}

/* Add the row of coroutine c's object: "co1 object  suspended at pc
 * 0x40003c (line 3)".  0 when full. */
static int put_coro_object(struct mm *mm, const struct heap_block *blk, const struct coro *c)
{
	struct context ctx;
	buf_printf(&mm->b, _("co%d object  "), c->id);
	switch (c->status) {
	case CO_SUSPENDED:
		buf_puts(&mm->b, c->started ? _("suspended at ") : _("not started, at "));
		put_resume_at(mm, &c->ctx);
		break;
	case CO_RUNNING:
		buf_printf(&mm->b, _("running on T%d"), c->tid);
		if (coro_where(mm->m, c, &ctx)) {
			buf_puts(&mm->b, _(" at "));
			put_resume_at(mm, &ctx);
		}
		break;
	default:
		buf_puts(&mm->b, _("finished, returned "));
		buf_printf(&mm->b, "%lld", (long long)c->value);
		break;
	}
	return put_row(mm, NULL, MM_BLOCK, blk->addr, blk->size, blk->owner, 1, 1);
}

/* Add the row of coroutine c's stack block and the frames in it, found
 * from where it stands (saved, or live when it runs).  0 when full. */
static int put_coro_stack(struct mm *mm, const struct heap_block *blk, const struct coro *c)
{
	struct context ctx;
	int where = coro_where(mm->m, c, &ctx);
	uint64_t lo = c->stack + CO_GUARD;
	uint64_t used = where && ctx.sp >= lo && ctx.sp <= c->stack_hi ? c->stack_hi - ctx.sp : 0;
	buf_puts(&mm->b, _("stack of "));
	put_coro_name(mm, c);
	buf_printf(&mm->b, _("  %llu B of %u KiB  %s"), (unsigned long long)used,
		   CO_STACK_SIZE / 1024, coro_state(c));
	if (!put_row(mm, NULL, MM_BLOCK, blk->addr, blk->size, blk->owner, 0, 1))
		return 0;
	if (!where)
		return 1;
	const struct thread *t = machine_thread(mm->m, c->tid);
	struct thread v;
	if (t)
		v = *t;
	else
		memset(&v, 0, sizeof v);
	v.id = c->tid;
	v.pc = ctx.pc;
	v.r[REG_SP] = (int64_t)ctx.sp;
	v.r[REG_FP] = (int64_t)ctx.fp;
	v.stack_lo = lo;
	v.stack_hi = c->stack_hi;
	mm->frame_depth = 2;
	int ok = put_frames(mm, &v);
	mm->frame_depth = 1;
	return ok;
}

/* Add the row of closure c's environment: "closure next (env) 32 B by
 * T1  count = 2".  0 when full. */
static int put_closure(struct mm *mm, const struct heap_block *blk, const struct closure *c)
{
	const struct img_func *f = image_func_at(mm->img, c->code);
	buf_puts(&mm->b, "closure ");
	put_code_name(mm, c->code);
	buf_printf(&mm->b, _(" (env) %llu B by T%d "), (unsigned long long)c->size, blk->owner);
	if (!c->count)
		buf_puts(&mm->b, _(" captures nothing"));
	for (int i = 0; i < c->count; i++) {
		buf_puts(&mm->b, i ? ", " : " ");
		if (f && f->addr == c->code && (size_t)i < f->ncaptures)
			buf_printf(&mm->b, "%s = ", f->captures[i]);
		else
			buf_printf(&mm->b, "[%d] = ", i);
		put_int(mm, c->addr + (uint64_t)(CLOSURE_W_VALUES + i) * WORD);
	}
	return put_row(mm, NULL, MM_BLOCK, blk->addr, blk->size, blk->owner, 1, 1);
}

/* Add the row of heap block blk: "block 32 B by T1  {1, 2, …}" or "free
 * 48 B  freed"; a coroutine's object or stack says so.  0 when full. */
static int put_block(struct mm *mm, const struct heap_block *blk)
{
	uint64_t payload = blk->addr + HEAP_HEADER, bytes = blk->size - HEAP_HEADER;
	for (size_t i = 0; blk->used && i < mm->ncoros; i++) {
		if (mm->coros[i].addr == payload)
			return put_coro_object(mm, blk, &mm->coros[i]);
		if (mm->coros[i].stack == payload && mm->coros[i].status != CO_FINISHED)
			return put_coro_stack(mm, blk, &mm->coros[i]);
	}
	struct closure c;
	if (blk->used && closure_read(mm->m, mm->p->pid, payload, &c))
		return put_closure(mm, blk, &c);
	if (!blk->used) {
		buf_printf(&mm->b, _("free %llu B"), (unsigned long long)bytes);
		if (mem_tag(&mm->p->mem, payload) == TAG_FREED)
			buf_puts(&mm->b, _("  freed"));
		return put_row(mm, NULL, MM_FREE, blk->addr, blk->size, 0, 1, 1);
	}
	buf_printf(&mm->b, _("block %llu B by T%d  {"), (unsigned long long)bytes, blk->owner);
	uint64_t words = bytes / WORD;
	for (uint64_t i = 0; i < words && i < BLOCK_WORDS; i++) {
		if (i)
			buf_puts(&mm->b, ", ");
		put_int(mm, payload + i * WORD);
	}
	if (words > BLOCK_WORDS)
		buf_printf(&mm->b, ", %s", mm->g->more);
	buf_putc(&mm->b, '}');
	return put_marked_row(mm, MM_BLOCK, blk->addr, blk->size, blk->owner, 1, 1);
}

/* Add a row for the heap bytes [lo, end) whose header at hdr was
 * overwritten (hdr 0: not even known where they start).  0 when full. */
static int put_broken(struct mm *mm, uint64_t hdr, uint64_t end)
{
	uint64_t base = mm->p->heap.base;
	uint64_t lo = hdr >= base && hdr < end && !(hdr & 15) ? hdr : base;
	buf_printf(&mm->b, _("header overwritten (0x%llx): not walked further"),
		   (unsigned long long)(uint64_t)peek(mm, lo));
	return put_row(mm, NULL, MM_BLOCK, lo, end - lo, 0, 1, 1);
}

/* Add the heap: its head and its blocks from the break down, the first
 * MAX_BLOCKS of them and a count of the rest.  0 when full. */
static int put_heap(struct mm *mm)
{
	const struct heap *h = &mm->p->heap;
	if (!h->base || h->brk < h->base)
		return 1;
	if (h->brk == h->base)
		buf_puts(&mm->b, _("heap  (empty)"));
	else
		buf_printf(&mm->b, _("heap  %llu B in use of %llu KiB  shared"),
			   (unsigned long long)h->in_use, (unsigned long long)((h->brk - h->base) / 1024));
	if (!put_head(mm, MM_REGION, h->base, h->brk - h->base, 0, 1, 0))
		return 0;
	uint64_t b = h->last, end = h->brk, shown = 0, more = 0;
	while (end > h->base) {
		struct heap_block blk;
		if (!read_block(mm, b, end, &blk)) {
			if (shown < MAX_BLOCKS && !put_broken(mm, b, end))
				return 0;
			break;
		}
		if (shown < MAX_BLOCKS) {
			shown++;
			if (!put_block(mm, &blk))
				return 0;
		} else if (++more == MAX_COUNT) {
			break;
		}
		uint64_t below = (uint64_t)peek(mm, b + 8);
		end = b;
		b = below <= b - h->base ? b - below : 0;
	}
	return !more || put_more(mm, more, N_("blocks"), end > h->base, 0, 0);
}

/* Append a string constant's text, quoted and cut at STRING_SHOWN bytes. */
static void put_string(struct mm *mm, const struct img_sym *s)
{
	char text[STRING_SHOWN + 2];
	size_t n = mem_peek_string(&mm->p->mem, s->addr, text, sizeof text);
	buf_puts(&mm->b, s->name);
	buf_puts(&mm->b, " = ");
	trace_quote(&mm->b, text, n > STRING_SHOWN ? STRING_SHOWN : n);
	if (n > STRING_SHOWN)
		buf_puts(&mm->b, mm->g->more);
}

/* Append a global's "name = value". */
static void put_global(struct mm *mm, const struct img_sym *s)
{
	put_named(mm, s->name, s->type, s->addr, s->size, " = ", ARRAY_SHOWN);
}

/* Append the literal pool's name and size. */
static void put_pool(struct mm *mm, const struct img_sym *s)
{
	unsigned long long n = (unsigned long long)(s->size / WORD);
	buf_printf(&mm->b, ngettext("%s  %llu word", "%s  %llu words", (unsigned long)n), s->name, n);

}

/* How a symbol of each kind reads in its row (NULL: it has no row of
 * its own here). */
static void (*const sym_views[])(struct mm *mm, const struct img_sym *s) = {
	[SYM_VAR] = put_global, [SYM_CONST] = put_global,
	[SYM_MUTEX] = put_global, [SYM_SEM] = put_global, [SYM_COND] = put_global,
	[SYM_STRING] = put_string, [SYM_POOL] = put_pool,
};

/* The global segments, from the highest down: a head row each, then a
 * row per symbol. */
static const struct seg_view {
	enum seg seg;
	const char *head;
} seg_views[] = {
	{ SEG_BSS, N_("bss  shared") },
	{ SEG_DATA, N_("data  shared") },
	{ SEG_RODATA, N_("rodata  shared") },
};

/* Where segment seg of img lies: [*lo, *lo + *size). */
static void seg_span(const struct image *img, enum seg seg, uint64_t *lo, uint64_t *size)
{
	switch (seg) {
	case SEG_BSS: *lo = img->bss_addr, *size = img->bss_size; break;
	case SEG_DATA: *lo = DATA_BASE, *size = img->data_size; break;
	case SEG_RODATA: *lo = RODATA_BASE, *size = img->rodata_size; break;
	default: *lo = 0, *size = 0; break;
	}
}

/* Add one global segment, its symbols from the highest down; nothing
 * when it is empty.  0 when full. */
static int put_segment(struct mm *mm, const struct seg_view *sv)
{
	const struct image *img = mm->img;
	uint64_t lo, size;
	seg_span(img, sv->seg, &lo, &size);
	if (!size)
		return 1;
	buf_puts(&mm->b, _(sv->head));
	if (!put_head(mm, MM_REGION, lo, size, 0, 1, 0))
		return 0;
	for (size_t i = img->nsyms; i-- > 0;) {
		const struct img_sym *s = &img->syms[i];
		if (s->seg != sv->seg || (size_t)s->kind >= ARRAY_LEN(sym_views) ||
		    !sym_views[s->kind])
			continue;
		sym_views[s->kind](mm, s);
		if (!put_marked_row(mm, MM_VAR, s->addr, s->size, 0, 1, 1))
			return 0;
	}
	return 1;
}

/* Add bss, data and rodata.  0 when full. */
static int put_globals(struct mm *mm)
{
	for (size_t i = 0; i < ARRAY_LEN(seg_views); i++)
		if (!put_segment(mm, &seg_views[i]))
			return 0;
	return 1;
}

/* Add the code segment: a row per function, the highest first.  0 when
 * full. */
static int put_code(struct mm *mm)
{
	const struct image *img = mm->img;
	if (!img->ncode)
		return 1;
	buf_puts(&mm->b, _("code  r-x shared"));
	if (!put_head(mm, MM_REGION, CODE_BASE, img->ncode * INSN_SIZE, 0, 1, 0))
		return 0;
	for (size_t i = img->nfuncs; i-- > 0;) {
		const struct img_func *f = &img->funcs[i];
		buf_puts(&mm->b, f->name);
		if (!put_row(mm, NULL, MM_VAR, f->addr, f->end - f->addr, 0, 1, 1))
			return 0;
	}
	return 1;
}

/* The parts of the map, from the highest addresses down. */
static int (*const sections[])(struct mm *mm) = {
	put_threads, put_heap, put_globals, put_code,
};

/* Mark the innermost row holding a's address as touched by a. */
static void mark(struct mm_row *rows, size_t n, const struct mm_access *a)
{
	struct mm_row *best = NULL;
	for (size_t i = 0; i < n; i++) {
		struct mm_row *r = &rows[i];
		if (r->kind == MM_GAP || a->addr < r->addr || a->addr - r->addr >= r->size)
			continue;
		if (!best || r->depth > best->depth ||
		    (r->depth == best->depth && r->size < best->size))
			best = r;
	}
	if (best) {
		best->access |= a->how & (MM_READ | MM_WRITE);
		best->access_tid = a->tid;
	}
}

size_t memmap_build(const struct scenario *sc, const struct machine *m, int pid,
		    const struct mm_access *acc, size_t nacc, int ascii,
		    struct mm_row *rows, size_t max)
{
	const struct process *p = m ? machine_proc(m, pid) : NULL;
	if (!sc || !p || !rows || !max)
		return 0;
	struct mm mm = { .sc = sc, .m = m, .p = p, .img = m->img ? m->img : sc->image,
			 .g = &glyph_sets[ascii ? 1 : 0], .rows = rows, .max = max,
			 .budget = WALK_BUDGET, .frame_depth = 1 };
	if (m->ncoros) {
		mm.coros = xcalloc(MAX_COROS, sizeof *mm.coros);
		mm.ncoros = coro_list(m, pid, mm.coros, MAX_COROS);
	}
	for (size_t i = 0; i < ARRAY_LEN(sections) && sections[i](&mm); i++)
		;
	buf_free(&mm.b);
	xfree(mm.coros);
	for (size_t i = 0; acc && i < nacc; i++)
		if (!acc[i].pid || acc[i].pid == pid)
			mark(rows, mm.n, &acc[i]);
	return mm.n;
}
