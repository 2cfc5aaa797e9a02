/* ast: types and the tables of names the directives use. */
#include "ast.h"

#include <string.h>

const char *const end_status_names[END_COUNT] = {
#define X(id, name, doc) [END_##id] = name,
	END_STATUSES(X)
#undef X
};

const char *const note_event_names[NEV_COUNT] = {
#define X(id, name) [NEV_##id] = name,
	NOTE_EVENTS(X)
#undef X
};

/* Make a type in the program's arena. */
struct type *type_new(struct program *prog, enum type_kind kind, struct type *base)
{
	struct type *t = arena_alloc(&prog->arena, sizeof *t);
	t->kind = kind;
	t->base = base;
	return t;
}

/* Bytes an object of type t occupies. */
int64_t type_size(const struct type *t)
{
	switch (t->kind) {
	case TY_INT: case TY_PTR:
		return WORD;
	case TY_CHAR:
		return 1;
	case TY_ARRAY:
		return t->len < 0 ? 0 : t->len * type_size(t->base);
	case TY_MUTEX: case TY_SEM: case TY_COND:
		return SYNC_SIZE;
	case TY_STRUCT:
		return t->sdef->laid_out ? t->sdef->size : 0;
	default:
		return 0;
	}
}

/* The alignment an object of type t needs, in bytes. */
int64_t type_align(const struct type *t)
{
	switch (t->kind) {
	case TY_CHAR:
		return 1;
	case TY_ARRAY:
		return type_align(t->base);
	case TY_STRUCT:
		return t->sdef->laid_out && t->sdef->align ? t->sdef->align : 1;
	default:
		return WORD;
	}
}

/* Is t a value that fits in a register? */
int type_is_scalar(const struct type *t)
{
	return t->kind == TY_INT || t->kind == TY_PTR || t->kind == TY_CHAR;
}

/* Does t contain a synchronisation object? */
int type_has_sync(const struct type *t)
{
	if (type_is_sync(t))
		return 1;
	if (t->kind == TY_ARRAY)
		return type_has_sync(t->base);
	if (t->kind == TY_STRUCT && t->sdef->laid_out)  /* (so it cannot hold itself) */
		for (const struct field *f = t->sdef->fields; f; f = f->next)
			if (type_has_sync(f->ty))
				return 1;
	return 0;
}

/* The bytes one step of pointer t moves: its element's size, or a word
 * for a void * (and anything without a size). */
int64_t type_stride(const struct type *t)
{
	int64_t n = t->base ? type_size(t->base) : 0;
	return n > 0 ? n : WORD;
}

/* Find a field by name. */
struct field *sdef_field(const struct sdef *s, const char *name)
{
	for (struct field *f = s->fields; f; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

/* Is t a synchronisation object? */
int type_is_sync(const struct type *t)
{
	return t->kind == TY_MUTEX || t->kind == TY_SEM || t->kind == TY_COND;
}

/* Write t as C would. */
void type_format(struct buf *out, const struct type *t)
{
	switch (t->kind) {
	case TY_VOID: buf_puts(out, "void"); break;
	case TY_INT: buf_puts(out, "int"); break;
	case TY_CHAR: buf_puts(out, "char"); break;
	case TY_STRUCT:
		buf_puts(out, t->sdef->is_union ? "union" : "struct");
		if (t->sdef->tag)
			buf_printf(out, " %s", t->sdef->tag);
		else
			buf_puts(out, " {...}");
		break;
	case TY_MUTEX: buf_puts(out, "mutex"); break;
	case TY_SEM: buf_puts(out, "semaphore"); break;
	case TY_COND: buf_puts(out, "cond"); break;
	case TY_ERROR: buf_puts(out, "<error>"); break;
	case TY_PTR:
		type_format(out, t->base);
		buf_puts(out, t->base->kind == TY_PTR ? "*" : " *");
		break;
	case TY_ARRAY:
		type_format(out, t->base);
		if (t->len >= 0)
			buf_printf(out, "[%lld]", (long long)t->len);
		else
			buf_puts(out, "[]");
		break;
	case TY_FUNC:
		type_format(out, t->base);
		buf_puts(out, " ()");
		break;
	}
}
