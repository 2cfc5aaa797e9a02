/* ast: types and the tables of names the directives use. */
#include "ast.h"

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
	case TY_ARRAY:
		return t->len < 0 ? 0 : t->len * type_size(t->base);
	case TY_MUTEX: case TY_SEM: case TY_COND:
		return SYNC_SIZE;
	default:
		return 0;
	}
}

/* Is t a value that fits in a register? */
int type_is_scalar(const struct type *t)
{
	return t->kind == TY_INT || t->kind == TY_PTR;
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
