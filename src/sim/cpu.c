/* cpu: fetch the instruction at pc, execute it, advance pc — and the
 * builtins that are not about synchronisation. */
#include <limits.h>
#include <string.h>

#include "../lang/ast.h"
#include "closure.h"
#include "core.h"
#include "coro.h"
#include "fd.h"
#include "heap.h"
#include "race.h"

/* The fault an access to addr that mem refused with e is. */
static enum fault_kind mem_fault(const struct machine *m, uint64_t addr, enum mem_err e)
{
	switch (e) {
	case MEM_ALIGN: return FAULT_ALIGN;
	case MEM_GUARD: return FAULT_GUARD;
	case MEM_PROT: return FAULT_READONLY;
	default: break;
	}
	if (addr < PAGE_SIZE)
		return FAULT_NULL;
	if (addr >= STACK_TOP - (uint64_t)m->nthreads * THREAD_SLOT && addr < STACK_TOP) {
		/* below the stack of a thread's slot: its guard, or under it */
		uint64_t top = STACK_TOP - (STACK_TOP - 1 - addr) / THREAD_SLOT * THREAD_SLOT;
		uint64_t tls = (m->img->tls_size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
		if (addr < top - tls - STACK_SIZE)
			return FAULT_GUARD;
	}
	return FAULT_UNMAPPED;
}

/* A failed access: the process faults, or the memory limit is reached. */
static int access_failed(struct machine *m, struct thread *t, uint64_t addr, enum mem_err e)
{
	if (e == MEM_FULL)
		machine_limit(m, t, LIMIT_MEMORY);
	else
		machine_fault(m, t, mem_fault(m, addr, e), addr);
	return -1;
}

/* Whether addr is in process p's heap (where tags must be checked). */
static inline int in_heap(const struct process *p, uint64_t addr)
{
	return addr - p->heap.base < p->heap.brk - p->heap.base;
}

/* The program reads the word at addr into *v; -1 after a fault. */
static inline int load(struct machine *m, struct thread *t, uint64_t addr, int64_t *v)
{
	struct process *p = thread_proc(m, t);
	enum mem_err e = mem_read(&p->mem, addr, v);
	if (e != MEM_OK)
		return access_failed(m, t, addr, e);
	if (in_heap(p, addr)) {
		int f = heap_check(p, addr);
		if (f >= 0) {
			machine_fault(m, t, (enum fault_kind)f, addr);
			return -1;
		}
	}
	return 0;
}

/* The program writes v to the word at addr; -1 after a fault. */
static inline int store(struct machine *m, struct thread *t, uint64_t addr, int64_t v)
{
	struct process *p = thread_proc(m, t);
	if (in_heap(p, addr)) {
		int f = heap_check(p, addr);
		if (f >= 0) {
			machine_fault(m, t, (enum fault_kind)f, addr);
			return -1;
		}
	}
	enum mem_err e = mem_write(&p->mem, addr, v);
	return e == MEM_OK ? 0 : access_failed(m, t, addr, e);
}

/* The program reads the byte at addr, sign-extended as a char, into *v;
 * -1 after a fault.  Memory is read by words: the byte is taken out of
 * the word that holds it (little-endian). */
static int load_byte(struct machine *m, struct thread *t, uint64_t addr, int64_t *v)
{
	struct process *p = thread_proc(m, t);
	int64_t w;
	enum mem_err e = mem_read(&p->mem, addr & ~(uint64_t)7, &w);
	if (e != MEM_OK)
		return access_failed(m, t, addr, e);
	if (in_heap(p, addr)) {
		int f = heap_check(p, addr);
		if (f >= 0) {
			machine_fault(m, t, (enum fault_kind)f, addr);
			return -1;
		}
	}
	*v = (int64_t)(signed char)(uint8_t)((uint64_t)w >> (8 * (addr & 7)));
	return 0;
}

/* The program writes the low byte of v to addr: the word that holds it
 * is read, changed in that byte and written back; -1 after a fault. */
static int store_byte(struct machine *m, struct thread *t, uint64_t addr, int64_t v)
{
	struct process *p = thread_proc(m, t);
	uint64_t word = addr & ~(uint64_t)7;
	unsigned shift = 8 * (unsigned)(addr & 7);
	int prot = word < ADDR_LIMIT ? mem_prot(&p->mem, word) : 0;
	int64_t w = 0;
	if (prot & MP_R) {
		enum mem_err e = mem_read(&p->mem, word, &w);
		if (e != MEM_OK)
			return access_failed(m, t, addr, e);
	}
	uint64_t u = ((uint64_t)w & ~((uint64_t)0xff << shift)) | (uint64_t)(uint8_t)v << shift;
	if (in_heap(p, addr)) {
		int f = heap_check(p, addr);
		if (f >= 0) {
			machine_fault(m, t, (enum fault_kind)f, addr);
			return -1;
		}
	}
	enum mem_err e = mem_write(&p->mem, word, (int64_t)u);
	return e == MEM_OK ? 0 : access_failed(m, t, addr, e);
}

int cpu_load(struct machine *m, struct thread *t, uint64_t addr, int64_t *v)
{
	return load(m, t, addr, v);
}

int cpu_store(struct machine *m, struct thread *t, uint64_t addr, int64_t v)
{
	return store(m, t, addr, v);
}

/* Append v in decimal or hexadecimal (hex 2: with 0x) to out[*n], within cap. */
static void put_num(char *out, size_t *n, size_t cap, int64_t v, int hex)
{
	char tmp[24];
	int k = 0;
	uint64_t u = (uint64_t)v;
	if (!hex && v < 0)
		u = 0 - u;
	do {
		tmp[k++] = "0123456789abcdef"[hex ? u % 16 : u % 10];
		u = hex ? u / 16 : u / 10;
	} while (u);
	if (hex == 2) {
		tmp[k++] = 'x';
		tmp[k++] = '0';
	} else if (!hex && v < 0) {
		tmp[k++] = '-';
	}
	while (k && *n + 1 < cap)
		out[(*n)++] = tmp[--k];
}

/* print(format, values...): the text into m->text, emitted as EV_PRINT. */
static void do_print(struct machine *m, struct thread *t, const int64_t *a, int argc)
{
	char fmt[4097];
	size_t n = 0, cap = sizeof m->text;
	mem_peek_string(&thread_proc(m, t)->mem, (uint64_t)a[0], fmt, sizeof fmt);
	int v = 1;
	for (const char *p = fmt; *p && n + 1 < cap; p++) {
		if (*p != '%' || !p[1]) {
			m->text[n++] = *p;
			continue;
		}
		int64_t x = v < argc ? a[v] : 0;
		switch (*++p) {
		case 'd': put_num(m->text, &n, cap, x, 0); v++; break;
		case 'x': put_num(m->text, &n, cap, x, 1); v++; break;
		case 'p': put_num(m->text, &n, cap, x, 2); v++; break;
		case 'c': m->text[n++] = (char)x; v++; break;
		case 's':       /* a NUL-terminated string, cut at an unreadable page or the buffer's end */
			n += mem_peek_string(&thread_proc(m, t)->mem, (uint64_t)x, m->text + n, cap - n);
			v++;
			break;
		default: m->text[n++] = *p; break;
		}
	}
	m->text[n] = 0;
	if (ev_on(m, EV_PRINT)) {
		struct event *e = ev_begin(m, EV_PRINT, t);
		e->text = m->text;
		e->len = n;
		ev_emit(m);
	}
}

/* The builtin of a sys instruction, its arguments read from the stack.
 * Returns 1 when it switched the thread to another context (a
 * coroutine's), whose pc is then already set. */
static int sys(struct machine *m, struct thread *t, int bi, int argc)
{
	int64_t a[16] = { 0 };
	uint64_t sp = (uint64_t)t->r[REG_SP];
	for (int i = 0; i < argc && i < 16; i++)
		if (cpu_load(m, t, sp + 8 * (uint64_t)i, &a[i]) < 0)
			return 0;
	switch (bi) {
	case BI_PRINT:
		do_print(m, t, a, argc);
		break;
	case BI_ASSERT:
		if (a[0])
			break;
		mem_peek_string(&thread_proc(m, t)->mem, (uint64_t)a[1], m->text, sizeof m->text);
		if (ev_on(m, EV_ASSERT)) {
			struct event *e = ev_begin(m, EV_ASSERT, t);
			e->text = m->text;
			e->len = strlen(m->text);
			ev_emit(m);
		}
		machine_end(m, t, END_ASSERT, 0);
		break;
	case BI_SPAWN: {
		int id = t->id, fault;
		struct closure c;
		int cl = closure_resolve(m, t->pid, (uint64_t)a[0], &c, &fault);
		if (cl < 0) {
			machine_fault(m, t, (enum fault_kind)fault, (uint64_t)a[0]);
			break;
		}
		struct thread *n = thread_create(m, t->pid, t, cl ? c.code : (uint64_t)a[0], a + 1, argc - 1);
		if (n && cl)
			n->r[CLOSURE_ENV_REG] = (int64_t)c.addr;        /* as a call would */
		if (n)
			machine_thread(m, id)->r[R0] = n->id;
		break;
	}
	case BI_JOIN: {
		struct thread *w = machine_thread(m, (int)a[0]);
		if (!w || a[0] != (int)a[0] || w->pid != t->pid)        /* not of its process */
			machine_fault(m, t, FAULT_BADTHREAD, (uint64_t)a[0]);
		else if (w == t)
			machine_fault(m, t, FAULT_JOINSELF, (uint64_t)a[0]);
		else if (w->state == TS_DONE) {
			race_join(m, t->id, w->id);     /* it has ended: join returns at once */
			t->r[R0] = w->retval;
		} else {
			thread_block(m, t, WAIT_JOIN, (uint64_t)w->id, w->id);
		}
		break;
	}
	case BI_SELF:
		t->r[R0] = t->id;
		break;
	case BI_TICKS:
		t->r[R0] = (int64_t)m->tick;
		break;
	case BI_MALLOC: {
		uint64_t p = heap_alloc(thread_proc(m, t), a[0], t->id);
		if (!p && m->state == RUN_ENDED)
			break;
		t->r[R0] = (int64_t)p;
		if (ev_on(m, EV_MALLOC)) {
			struct event *e = ev_begin(m, EV_MALLOC, t);
			e->addr = p;
			e->a = a[0];
			ev_emit(m);
		}
		break;
	}
	case BI_FREE: {
		uint64_t size;
		if (!a[0])
			break;
		int f = heap_free(thread_proc(m, t), (uint64_t)a[0], &size);
		if (f >= 0) {
			machine_fault(m, t, (enum fault_kind)f, (uint64_t)a[0]);
			break;
		}
		race_forget(m, t->pid, (uint64_t)a[0], (uint64_t)a[0] + size);
		if (ev_on(m, EV_FREE)) {
			struct event *e = ev_begin(m, EV_FREE, t);
			e->addr = (uint64_t)a[0];
			e->a = (int64_t)size;
			ev_emit(m);
		}
		break;
	}
	case BI_THREAD_EXIT:
		thread_exit(m, t, a[0]);
		break;
	case BI_EXIT: case BI_FORK: case BI_GETPID: case BI_WAIT:
		proc_call(m, t, bi, a);
		break;
	case BI_CONTAINER: case BI_SETHOSTNAME: case BI_GETHOSTNAME:
		container_call(m, t, bi, a);
		break;
	case BI_LOCK: case BI_UNLOCK: case BI_TRYLOCK:
	case BI_SEM_WAIT: case BI_SEM_POST:
	case BI_COND_WAIT: case BI_COND_SIGNAL: case BI_COND_BROADCAST:
	case BI_ATOMIC_ADD: case BI_CAS: case BI_XCHG:
	case BI_SLEEP: case BI_SCHED_YIELD:
		sync_call(m, t, bi, a);
		break;
	case BI_SET_PRIORITY: {
		struct thread *w = machine_thread(m, (int)a[0]);
		if (!w || a[0] != (int)a[0] || w->pid != t->pid)
			machine_fault(m, t, FAULT_BADTHREAD, (uint64_t)a[0]);
		else
			w->prio = a[1] < -1000 ? -1000 : a[1] > 1000 ? 1000 : (int)a[1];
		break;
	}
	case BI_COROUTINE: case BI_GO: {
		/* a closure's coroutine starts with its environment in r7; go's
		 * is a coroutine handed to the runtime */
		int fault;
		struct closure c;
		int cl = closure_resolve(m, t->pid, (uint64_t)a[0], &c, &fault);
		if (cl < 0) {
			machine_fault(m, t, (enum fault_kind)fault, (uint64_t)a[0]);
			return 0;
		}
		if (cl)
			a[0] = (int64_t)c.code;
		int r = coro_call(m, t, BI_COROUTINE, a, argc);
		if (cl && m->state != RUN_ENDED)
			mem_poke(&thread_proc(m, t)->mem, (uint64_t)t->r[R0] +
				 8u * (CO_W_CTX + 3 + CLOSURE_ENV_REG), (int64_t)c.addr);
		if (bi == BI_GO && m->state != RUN_ENDED)
			runtime_go(m, t, (uint64_t)t->r[R0], argc > 1 ? a[1] : 0);
		return r;
	}
	case BI_RESUME: case BI_YIELD: case BI_CO_STATUS:
	case BI_CO_RETURN:
		return coro_call(m, t, bi, a, argc);
	case BI_GO_NEXT:
		return runtime_next(m, t);
	case BI_GO_WAIT:
		return runtime_wait(m, t);
	case BI_LISTEN: case BI_ACCEPT: case BI_CONNECT: case BI_READ: case BI_WRITE: case BI_CLOSE:
	case BI_SET_NONBLOCK: case BI_EPOLL_CREATE: case BI_EPOLL_CTL: case BI_EPOLL_WAIT:
		return io_call(m, t, bi, a);    /* 1: it blocked, to call again */
	case BI_MAKE_CLOSURE:
		closure_make(m, t, a, argc);
		break;
	default:
		machine_fault(m, t, FAULT_BADCALL, (uint64_t)bi);
		break;
	}
	return 0;
}

/* Wrapping arithmetic, and the shifts and divisions C leaves undefined
 * given a meaning: shift counts modulo 64, INT64_MIN / -1 wraps. */
static int64_t wrap_add(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static int64_t wrap_sub(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)b); }
static int64_t wrap_mul(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }

/* Start the EXEC event of instruction idx at pc, run by t on core. */
static struct event *exec_event(struct machine *m, int core, const struct thread *t,
				uint64_t pc, uint64_t idx)
{
	struct event *e = ev_begin(m, EV_EXEC, t);
	e->core = core;
	e->pc = pc;
	e->line = m->img->lines[idx];
	e->insn = &m->img->code[idx];
	return e;
}

/* Run the instruction at t's pc; returns 1 when it was a builtin call
 * or a fault, after which the thread or the run may have changed. */
static inline __attribute__((always_inline)) int exec(struct machine *m, int core,
						       struct thread *t)
{
	uint64_t pc = t->pc, idx = (pc - CODE_BASE) / INSN_SIZE;
	t->cpu_ticks++;         /* the tick is the thread's, even if it faults */
	if ((pc & 3) || pc < CODE_BASE || idx >= m->img->ncode) {
		machine_fault(m, t, FAULT_BADJUMP, pc);
		return 1;
	}
	const struct insn *in = &m->img->code[idx];
	int64_t *r = t->r, v, b = in->rt == REG_NONE ? in->imm : r[in->rt & 15];
	uint64_t next = pc + INSN_SIZE, addr, sp0 = (uint64_t)r[REG_SP];
	int emit = ev_exec_on(m);
	uint64_t raddr = 0, waddr = 0, env = 0;
	int64_t rval = 0, wval = 0;

	switch (in->op) {
	case OP_NOP: break;
	case OP_LI: r[in->rd] = in->imm; break;
	case OP_MOV: r[in->rd] = r[in->rs]; break;
	case OP_NEG: r[in->rd] = wrap_sub(0, r[in->rs]); break;
	case OP_NOT: r[in->rd] = ~r[in->rs]; break;
	case OP_ADD: r[in->rd] = wrap_add(r[in->rs], b); break;
	case OP_SUB: r[in->rd] = wrap_sub(r[in->rs], b); break;
	case OP_MUL: r[in->rd] = wrap_mul(r[in->rs], b); break;
	case OP_DIV:
	case OP_MOD:
		if (!b) {
			machine_fault(m, t, FAULT_DIVZERO, 0);
			return 1;
		}
		if (b == -1)
			r[in->rd] = in->op == OP_DIV ? wrap_sub(0, r[in->rs]) : 0;
		else
			r[in->rd] = in->op == OP_DIV ? r[in->rs] / b : r[in->rs] % b;
		break;
	case OP_AND: r[in->rd] = r[in->rs] & b; break;
	case OP_OR: r[in->rd] = r[in->rs] | b; break;
	case OP_XOR: r[in->rd] = r[in->rs] ^ b; break;
	case OP_SHL: r[in->rd] = (int64_t)((uint64_t)r[in->rs] << (b & 63)); break;
	case OP_SHR: r[in->rd] = r[in->rs] >> (b & 63); break;
	case OP_SEQ: r[in->rd] = r[in->rs] == b; break;
	case OP_SNE: r[in->rd] = r[in->rs] != b; break;
	case OP_SLT: r[in->rd] = r[in->rs] < b; break;
	case OP_SLE: r[in->rd] = r[in->rs] <= b; break;
	case OP_SGT: r[in->rd] = r[in->rs] > b; break;
	case OP_SGE: r[in->rd] = r[in->rs] >= b; break;
	case OP_LD:
		addr = (uint64_t)wrap_add(r[in->rs], in->imm);
		if (load(m, t, addr, &v) < 0)
			return 1;
		r[in->rd] = v;
		raddr = addr, rval = v;
		race_access(m, t, addr, 0, pc);
		break;
	case OP_ST:
		addr = (uint64_t)wrap_add(r[in->rs], in->imm);
		if (store(m, t, addr, r[in->rd]) < 0)
			return 1;
		waddr = addr, wval = r[in->rd];
		race_access(m, t, addr, 1, pc);
		break;
	case OP_LDB:
		addr = (uint64_t)wrap_add(r[in->rs], in->imm);
		if (load_byte(m, t, addr, &v) < 0)
			return 1;
		r[in->rd] = v;
		raddr = addr, rval = v;
		race_access_byte(m, t, addr, 0, pc);
		break;
	case OP_STB:
		addr = (uint64_t)wrap_add(r[in->rs], in->imm);
		if (store_byte(m, t, addr, r[in->rd]) < 0)
			return 1;
		waddr = addr, wval = (int64_t)(signed char)(uint8_t)r[in->rd];
		race_access_byte(m, t, addr, 1, pc);
		break;
	case OP_LEA: r[in->rd] = wrap_add(r[in->rs], in->imm); break;
	case OP_JMP: next = (uint64_t)in->imm; break;
	case OP_JZ: if (!r[in->rs]) next = (uint64_t)in->imm; break;
	case OP_JNZ: if (r[in->rs]) next = (uint64_t)in->imm; break;
	case OP_CALLR:
		if (in_heap(thread_proc(m, t), (uint64_t)r[in->rs])) {
			/* a value in the heap: a closure, its function called
			 * with its environment in r7 */
			int fault;
			struct closure c;
			int cl = closure_resolve(m, t->pid, (uint64_t)r[in->rs], &c, &fault);
			if (cl < 0) {
				machine_fault(m, t, (enum fault_kind)fault, (uint64_t)r[in->rs]);
				return 1;
			}
			env = cl ? c.addr : 0;
		}
		/* fall through */
	case OP_CALL:
	case OP_PUSH:
		addr = sp0 - 8;
		v = in->op == OP_PUSH ? r[in->rs] : (int64_t)next;
		if (store(m, t, addr, v) < 0)
			return 1;
		r[REG_SP] = (int64_t)addr;
		waddr = addr, wval = v;
		if (in->op == OP_CALL) {
			next = (uint64_t)in->imm;
		} else if (in->op == OP_CALLR && env) {
			next = (uint64_t)mem_peek(&thread_proc(m, t)->mem, env + CLOSURE_W_CODE * WORD);
			r[CLOSURE_ENV_REG] = (int64_t)env;
		} else if (in->op == OP_CALLR) {
			next = (uint64_t)r[in->rs];
		}
		break;
	case OP_RET:
	case OP_POP:
		if (load(m, t, sp0, &v) < 0)
			return 1;
		raddr = sp0, rval = v;
		r[REG_SP] = (int64_t)(sp0 + 8);
		if (in->op == OP_RET)
			next = (uint64_t)v;
		else
			r[in->rd] = v;
		break;
	case OP_SYS: {
		/* the instruction first, then what the builtin did, at its pc;
		 * then the pc moves on (a blocked thread resumes there) */
		int tid = t->id;
		m->insns++;
		if (emit) {
			exec_event(m, core, t, pc, idx);
			ev_emit(m);
		}
		if (!sys(m, t, (int)in->imm, in->rt))
			machine_thread(m, tid)->pc = next;
		return 1;
	}
	default:
		machine_fault(m, t, FAULT_BADJUMP, pc);
		return 1;
	}
	r[REG_NONE] = 0;
	if ((uint64_t)r[REG_SP] < t->min_sp && t->co && (uint64_t)r[REG_SP] < t->co_lo) {
		coro_overflow(m, t);    /* before anything is written there */
		return 1;
	}
	t->pc = next;
	m->insns++;             /* counted once it has run through */
	if ((uint64_t)r[REG_SP] < t->min_sp) {
		t->min_sp = (uint64_t)r[REG_SP];
		uint64_t hi = t->co ? t->co_hi : t->stack_hi;   /* a coroutine's, on the heap */
		if (hi - t->min_sp > m->stack_peak)
			m->stack_peak = hi - t->min_sp;
	}
	if (emit) {
		struct event *e = exec_event(m, core, t, pc, idx);
		if ((in->op <= OP_LEA && in->op != OP_NOP && in->op != OP_ST) || in->op == OP_LDB) {
			e->reg = in->rd;
			e->regval = r[in->rd];
		} else if (in->op == OP_POP) {
			e->reg = in->rd;
			e->regval = r[in->rd];
		} else if (env) {
			e->reg = CLOSURE_ENV_REG;       /* a closure's call */
			e->regval = (int64_t)env;
		}
		e->sp_moved = (uint64_t)r[REG_SP] != sp0;
		e->sp = (uint64_t)r[REG_SP];
		e->raddr = raddr, e->rval = rval;
		e->waddr = waddr, e->wval = wval;
		ev_emit(m);
		if (in->op == OP_LD || in->op == OP_ST || in->op == OP_LDB || in->op == OP_STB)
			race_emit(m, t);        /* a race it found comes after it */
	}
	return 0;
}

void cpu_exec(struct machine *m, int core, struct thread *t)
{
	exec(m, core, t);
}

/* Whether a builtin run by t on one of the running cores changed what
 * the scheduler decides on, or what the other cores run: then the
 * lockstep run must stop there. */
static int lockstep_broken(const struct machine *m, const struct thread *arr, int nready,
			   uint64_t wake, const struct thread *t, uint64_t pc,
			   const int *cores, const int *tids, int n)
{
	if (m->state == RUN_ENDED || m->threads != arr || m->nready != nready ||
	    m->next_wake != wake || t->state != TS_RUNNING ||
	    image_insn(m->img, pc)->imm == BI_SET_PRIORITY)
		return 1;
	for (int k = 0; k < n; k++)
		if (m->cores[cores[k]].tid != tids[k] || m->cores[cores[k]].left)
			return 1;       /* a thread of a dying process let its core go */
	return 0;
}

uint64_t cpu_lockstep(struct machine *m, const int *cores, int n, uint64_t ticks, int *stop)
{
	struct thread *th[CONFIG_MAX_CORES];
	int tids[CONFIG_MAX_CORES];
	uint64_t start = m->tick;
	for (int j = 0; j < n; j++) {
		tids[j] = m->cores[cores[j]].tid;
		th[j] = &m->threads[tids[j] - 1];
	}
	*stop = -1;
	for (uint64_t i = 0; i < ticks; i++) {
		m->tick = start + i;    /* events and sleeps need the right tick */
		for (int j = 0; j < n; j++) {
			struct thread *t = th[j], *arr = m->threads;
			int nready = m->nready;
			uint64_t wake = m->next_wake, pc = t->pc;
			if (__builtin_expect(!exec(m, cores[j], t), 1))
				continue;
			if (lockstep_broken(m, arr, nready, wake, t, pc, cores, tids, n)) {
				*stop = j;
				return i;
			}
		}
	}
	return ticks;
}

uint64_t cpu_burst(struct machine *m, struct thread *t, uint64_t n)
{
	uint64_t i = 0, start = m->tick;
	while (i < n) {
		int nready = m->nready;
		uint64_t wake = m->next_wake, pc = t->pc;
		m->tick = start + i++;  /* events and sleeps need the right tick */
		if (!exec(m, 0, t))
			continue;
		/* a builtin ran (or a fault): go on only if the scheduler would
		 * still keep this thread, that is if nothing it decides on changed */
		if (m->state == RUN_ENDED || m->nready != nready || m->next_wake != wake ||
		    t->state != TS_RUNNING || image_insn(m->img, pc)->imm == BI_SET_PRIORITY)
			break;
	}
	return i;
}
