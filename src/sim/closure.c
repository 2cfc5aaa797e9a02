/* closure: making closures and telling them from other values (see
 * closure.h). */
#include "closure.h"

#include "../lang/ast.h"
#include "core.h"
#include "heap.h"

/* Read the closure at addr into *c; see closure.h. */
int closure_read(const struct machine *m, int pid, uint64_t addr, struct closure *c)
{
	const struct process *p = machine_proc(m, pid);
	if (!p)
		return 0;
	const struct heap *hp = &p->heap;
	struct heap_block b;
	if ((addr & 15) || addr < hp->base + HEAP_HEADER || addr >= hp->brk)
		return 0;
	if (mem_tag(&p->mem, addr - HEAP_HEADER) != TAG_HEADER || mem_tag(&p->mem, addr) != TAG_USED ||
	    !heap_block(p, addr - HEAP_HEADER, &b) || !b.used ||
	    b.size < HEAP_HEADER + CLOSURE_W_VALUES * WORD)
		return 0;
	if ((uint64_t)mem_peek(&p->mem, addr + CLOSURE_W_MAGIC * WORD) != (CLOSURE_MAGIC ^ addr))
		return 0;
	int64_t count = mem_peek(&p->mem, addr + CLOSURE_W_COUNT * WORD);
	uint64_t payload = b.size - HEAP_HEADER;
	if (count < 0 || count > MAX_CAPTURES ||
	    (uint64_t)(CLOSURE_W_VALUES + count) * WORD > payload)
		return 0;
	c->addr = addr;
	c->code = (uint64_t)mem_peek(&p->mem, addr + CLOSURE_W_CODE * WORD);
	c->count = (int)count;
	c->size = payload;
	c->owner = b.owner;
	return 1;
}

/* What calling v is; see closure.h. */
int closure_resolve(const struct machine *m, int pid, uint64_t v, struct closure *c, int *fault)
{
	const struct process *p = machine_proc(m, pid);
	if (!p || v - p->heap.base >= p->heap.brk - p->heap.base)
		return 0;       /* not in the heap: code, or a wild value */
	if (closure_read(m, pid, v, c))
		return 1;
	if (!(v & 15) && mem_tag(&p->mem, v) == TAG_FREED) {
		*fault = FAULT_UAF;
		return -1;
	}
	return 0;
}

/* make_closure(f, values...): a new environment holding f and the
 * values; its address in r0. */
void closure_make(struct machine *m, struct thread *t, const int64_t *a, int argc)
{
	int count = argc - 1;
	if (count < 0 || count > MAX_CAPTURES) {
		machine_fault(m, t, FAULT_BADCALL, BI_MAKE_CLOSURE);
		return;
	}
	struct process *p = thread_proc(m, t);
	uint64_t h = heap_alloc(p, (CLOSURE_W_VALUES + count) * WORD, t->id);
	if (!h) {
		if (m->state != RUN_ENDED)
			machine_limit(m, t, LIMIT_MEMORY);
		return;
	}
	int failed = mem_poke(&p->mem, h + CLOSURE_W_MAGIC * WORD, (int64_t)(CLOSURE_MAGIC ^ h)) != MEM_OK;
	failed |= mem_poke(&p->mem, h + CLOSURE_W_CODE * WORD, a[0]) != MEM_OK;
	failed |= mem_poke(&p->mem, h + CLOSURE_W_COUNT * WORD, count) != MEM_OK;
	for (int i = 0; i < count; i++)
		failed |= mem_poke(&p->mem, h + (uint64_t)(CLOSURE_W_VALUES + i) * WORD,
				   a[1 + i]) != MEM_OK;
	if (failed) {
		machine_limit(m, t, LIMIT_MEMORY);
		return;
	}
	t->r[R0] = (int64_t)h;
	if (ev_on(m, EV_CLOSURE)) {
		struct event *e = ev_begin(m, EV_CLOSURE, t);
		e->addr = h;
		e->a = count;
		e->b = a[0];
		ev_emit(m);
	}
}
