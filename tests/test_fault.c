/* test_fault: how a run ends badly — every kind of fault, with the
 * thread, pc, address and source line it reports; failed assertions;
 * the step, memory and thread limits; and programs that jump or write
 * anywhere, which must end cleanly whatever they do. */
#include <stdio.h>
#include <string.h>

#include "out/run.h"
#include "sim.h"

/* Where a fault's address is expected. */
enum where { AT_ABS, AT_SYM, AT_MALLOC, AT_GUARD };

/* A program that faults on the line marked "// here" (when it has one). */
static const struct fault_case {
	const char *name;
	const char *src;
	int fault;
	int tid;
	enum where where;
	const char *sym;        /* AT_SYM */
	int64_t addr;           /* AT_ABS: the address; AT_SYM, AT_MALLOC: an offset */
	int op;                 /* the instruction at the fault's pc (-1: any access) */
} fault_cases[] = {
	{ "write to code",
	  "int main() {\n    int *p = 0x400000;\n    *p = 0; // here\n    return 0;\n}\n",
	  FAULT_READONLY, 1, AT_ABS, NULL, 0x400000, OP_ST },
	{ "write to a function through its address",
	  "int f() { return 1; }\nint main() {\n    int a = f;\n    int *p = a - a % 8;\n"
	  "    p[1] = 0; // here\n    return 0;\n}\n",
	  FAULT_READONLY, 1, AT_SYM, "f", 4, OP_ST },     /* f is at 0x400014: p[1] is f + 4 */
	{ "write to rodata",
	  "const int K = 3;\nint main() {\n    int *p = &K;\n    *p = 4; // here\n    return K;\n}\n",
	  FAULT_READONLY, 1, AT_SYM, "K", 0, OP_ST },
	{ "NULL read",
	  "int main() {\n    int *p = 0;\n    return *p; // here\n}\n",
	  FAULT_NULL, 1, AT_ABS, NULL, 0, OP_LD },
	{ "NULL write",
	  "int main() {\n    int *p = 0;\n    *p = 1; // here\n    return 0;\n}\n",
	  FAULT_NULL, 1, AT_ABS, NULL, 0, OP_ST },
	{ "NULL plus an index",
	  "int main() {\n    int *p = 0;\n    return p[3]; // here\n}\n",
	  FAULT_NULL, 1, AT_ABS, NULL, 24, OP_LD },
	{ "wild address",
	  "int main() {\n    int *p = 0x30000000;\n    return *p; // here\n}\n",
	  FAULT_UNMAPPED, 1, AT_ABS, NULL, 0x30000000, OP_LD },
	{ "past the address space",
	  "int main() {\n    int *p = 0x100000000;\n    *p = 2; // here\n    return 0;\n}\n",
	  FAULT_UNMAPPED, 1, AT_ABS, NULL, 0x100000000, OP_ST },
	{ "negative address",
	  "int main() {\n    int *p = -8;\n    return *p; // here\n}\n",
	  FAULT_UNMAPPED, 1, AT_ABS, NULL, -8, OP_LD },
	{ "stack overflow by recursion",
	  "int r(int n) { return r(n + 1) + 1; } // here\nint main() { return r(0); }\n",
	  FAULT_GUARD, 1, AT_GUARD, NULL, 0, -1 },
	{ "stack overflow in a thread",
	  "int r(int n) { return r(n + 1) + 1; } // here\nint main() { return join(spawn(r, 0)); }\n",
	  FAULT_GUARD, 2, AT_GUARD, NULL, 0, -1 },
	{ "a frame bigger than what is left of the stack",
	  "int big(int d) {\n    int a[8000];\n    a[0] = d; // here\n    if (d) return big(d - 1);\n"
	  "    return a[0];\n}\nint main() { return big(1); }\n",
	  FAULT_GUARD, 1, AT_GUARD, NULL, 0, OP_ST },
	{ "misaligned read",
	  "int a[2];\nint main() {\n    int x = a;\n    int *q = x + 4;\n    return *q; // here\n}\n",
	  FAULT_ALIGN, 1, AT_SYM, "a", 4, OP_LD },
	{ "misaligned write",
	  "int a[2];\nint main() {\n    int x = a;\n    int *q = x + 3;\n    *q = 1; // here\n    return 0;\n}\n",
	  FAULT_ALIGN, 1, AT_SYM, "a", 3, OP_ST },
	{ "division by zero",
	  "int main() {\n    int z = 0;\n    return 5 / z; // here\n}\n",
	  FAULT_DIVZERO, 1, AT_ABS, NULL, 0, OP_DIV },
	{ "remainder by zero",
	  "int main() {\n    int z = 0;\n    return 5 % z; // here\n}\n",
	  FAULT_DIVZERO, 1, AT_ABS, NULL, 0, OP_MOD },
	{ "double free",
	  "int main() {\n    int *p = malloc(8);\n    free(p);\n    free(p); // here\n    return 0;\n}\n",
	  FAULT_DOUBLEFREE, 1, AT_MALLOC, NULL, 0, OP_SYS },
	{ "free of a global",
	  "int g;\nint main() {\n    free(&g); // here\n    return 0;\n}\n",
	  FAULT_BADFREE, 1, AT_SYM, "g", 0, OP_SYS },
	{ "free of an interior pointer",
	  "int main() {\n    int *p = malloc(32);\n    free(p + 2); // here\n    return 0;\n}\n",
	  FAULT_BADFREE, 1, AT_MALLOC, NULL, 16, OP_SYS },
	{ "read after free",
	  "int main() {\n    int *p = malloc(32);\n    p[1] = 5;\n    free(p);\n    return p[1]; // here\n}\n",
	  FAULT_UAF, 1, AT_MALLOC, NULL, 8, OP_LD },
	{ "write after free",
	  "int main() {\n    int *p = malloc(32);\n    free(p);\n    p[0] = 1; // here\n    return 0;\n}\n",
	  FAULT_UAF, 1, AT_MALLOC, NULL, 0, OP_ST },
	{ "use after free in another thread",
	  "int *shared;\nvoid w() { shared[0] = 1; } // here\n"
	  "int main() {\n    shared = malloc(16);\n    free(shared);\n    join(spawn(w));\n    return 0;\n}\n",
	  FAULT_UAF, 2, AT_MALLOC, NULL, 0, OP_ST },
	{ "overflow into the next block's header",
	  "int main() {\n    int *p = malloc(16);\n    int *q = malloc(16);\n    p[2] = 1; // here\n"
	  "    return q[0];\n}\n",
	  FAULT_HEAPOVER, 1, AT_MALLOC, NULL, 16, OP_ST },
	{ "underflow into the block's own header",
	  "int main() {\n    int *p = malloc(16);\n    return p[-1]; // here\n}\n",
	  FAULT_HEAPOVER, 1, AT_MALLOC, NULL, -8, OP_LD },
	{ "heap memory never allocated",
	  "int main() {\n    int *p = malloc(16);\n    return p[10]; // here\n}\n",
	  FAULT_HEAPWILD, 1, AT_MALLOC, NULL, 80, OP_LD },
	{ "join of no thread",
	  "int main() {\n    return join(77); // here\n}\n",
	  FAULT_BADTHREAD, 1, AT_ABS, NULL, 77, OP_SYS },
	{ "join of itself",
	  "int main() {\n    return join(self()); // here\n}\n",
	  FAULT_JOINSELF, 1, AT_ABS, NULL, 1, OP_SYS },
	{ "set_priority of no thread",
	  "int main() {\n    set_priority(9, 1); // here\n    return 0;\n}\n",
	  FAULT_BADTHREAD, 1, AT_ABS, NULL, 9, OP_SYS },
	{ "NULL write in a thread",
	  "void w() {\n    int *p = 0;\n    *p = 1; // here\n}\nint main() { join(spawn(w)); return 0; }\n",
	  FAULT_NULL, 2, AT_ABS, NULL, 0, OP_ST },
	{ "an atomic on a NULL-based address",
	  "int main() {\n    int *p = 0;\n    return atomic_add(p + 1, 1); // here\n}\n",
	  FAULT_NULL, 1, AT_ABS, NULL, 8, OP_SYS },
};

START_TEST(each_fault_is_reported_with_its_kind_thread_address_and_line)
{
	const struct fault_case *c = &fault_cases[_i];
	struct sim *s = sim_run(c->src);
	ck_assert_msg(sim_end(s) == END_FAULT, "%s: ended %d", c->name, sim_end(s));
	ck_assert_msg(s->m->fault == c->fault, "%s: %s", c->name, fault_names[s->m->fault]);
	ck_assert_int_eq(sim_count(s, EV_FAULT), 1);
	const struct event *f = sim_nth(s, EV_FAULT, 0);
	ck_assert_int_eq(f->a, c->fault);
	ck_assert_msg(f->tid == c->tid, "%s: T%d", c->name, f->tid);
	ck_assert_int_eq(s->m->end_tid, c->tid);
	uint64_t want = 0;
	switch (c->where) {
	case AT_ABS: want = (uint64_t)c->addr; break;
	case AT_SYM: want = sim_addr(s, c->sym) + (uint64_t)c->addr; break;
	case AT_MALLOC: want = sim_nth(s, EV_MALLOC, 0)->addr + (uint64_t)c->addr; break;
	case AT_GUARD: {
		const struct thread *t = machine_thread(s->m, c->tid);
		ck_assert_msg(f->addr >= t->slot_lo && f->addr < t->stack_lo, "%s: %#llx", c->name,
			      (unsigned long long)f->addr);
		want = f->addr;
		break;
	}
	}
	ck_assert_msg(f->addr == want, "%s: at %#llx, want %#llx", c->name,
		      (unsigned long long)f->addr, (unsigned long long)want);
	ck_assert_uint_eq(s->m->fault_addr, want);
	/* the pc of the faulting instruction, and its line */
	int line = sim_line_of(s, "// here");
	ck_assert_msg(f->line == line, "%s: line %d, want %d", c->name, f->line, line);
	ck_assert_int_eq(image_line(s->sc->image, f->pc), line);
	ck_assert_uint_eq(s->m->end_pc, f->pc);
	/* everybody ended, and the end is the last event */
	for (int tid = 1; tid <= s->m->nthreads; tid++)
		ck_assert_int_eq(machine_thread(s->m, tid)->state, TS_DONE);
	const struct event *e = &s->log.ev[s->log.n - 1];
	ck_assert_int_eq(e->kind, EV_END);
	ck_assert_int_eq(e->a, END_FAULT);
	ck_assert_int_eq(e->tid, c->tid);
	/* the pc is the faulting instruction's, a builtin's sys included */
	const struct insn *in = image_insn(s->sc->image, f->pc);
	ck_assert_ptr_nonnull(in);
	if (c->op >= 0)
		ck_assert_msg(in->op == c->op, "%s: the fault's pc %#llx holds a %s", c->name,
			      (unsigned long long)f->pc, isa_ops[in->op].mnemonic);
	sim_free(s);
}
END_TEST

START_TEST(the_faulting_instruction_did_not_complete)
{
	struct sim *s = sim_run("int g = 5;\nint main() {\n    int *p = 0;\n    g = *p;\n    return 0;\n}\n");
	ck_assert_int_eq(sim_end(s), END_FAULT);
	ck_assert_int_eq(sim_global(s, "g", 0), 5);
	/* no EXEC event for the load that faulted */
	const struct event *f = sim_nth(s, EV_FAULT, 0);
	for (int i = 0; i < sim_count(s, EV_EXEC); i++)
		ck_assert_uint_ne(sim_nth(s, EV_EXEC, i)->pc, f->pc);
	/* it is not counted as executed, but its tick was the thread's */
	ck_assert_uint_eq(s->m->insns, (uint64_t)sim_count(s, EV_EXEC));
	ck_assert_uint_eq(machine_thread(s->m, 1)->cpu_ticks, s->m->insns + 1);
	sim_free(s);
}
END_TEST

/* Jumps to where no instruction is, and the pc they fault at. */
static const struct bad_jump {
	const char *name;
	const char *src;
	uint64_t pc;            /* 0: the address of global g */
} bad_jumps[] = {
	{ "a number", "int g;\nint main() { int f = 12345; return f(); }\n", 12345 },
	{ "data", "int g;\nint main() { int f = &g; return f(); }\n", 0 },
	{ "past the code", "int g;\nint main() { int f = 0x4ffff0; return f(); }\n", 0x4ffff0 },
	{ "the middle of an instruction", "int g;\nint main() { int f = 0x400002; return f(); }\n", 0x400002 },
	{ "a smashed return address",
	  "int g;\nint smash() { int x; int *p = &x; for (int i = 0; i < 4; i++) p[i] = 4242; return 0; }\n"
	  "int main() { return smash(); }\n", 4242 },
};

START_TEST(a_jump_where_no_instruction_is_faults)
{
	const struct bad_jump *c = &bad_jumps[_i];
	struct sim *s = sim_run(c->src);
	uint64_t pc = c->pc ? c->pc : sim_addr(s, "g");
	ck_assert_int_eq(sim_end(s), END_FAULT);
	ck_assert_msg(s->m->fault == FAULT_BADJUMP, "%s: %s", c->name, fault_names[s->m->fault]);
	const struct event *f = sim_nth(s, EV_FAULT, 0);
	ck_assert_uint_eq(f->addr, pc);
	ck_assert_uint_eq(f->pc, pc);
	ck_assert_int_eq(f->line, 0);
	ck_assert_int_eq(f->tid, 1);
	/* the tick of the jump that went nowhere was the thread's too */
	ck_assert_uint_eq(machine_thread(s->m, 1)->cpu_ticks, s->m->tick);
	sim_free(s);
}
END_TEST

START_TEST(a_fault_kills_every_thread)
{
	struct sim *s = sim_run("void spin() { while (1) {} }\n"
				"void crash() { sleep(10); int *p = 0; *p = 1; }\n"
				"int main() { spawn(spin); spawn(crash); spin(); return 0; }\n");
	ck_assert_int_eq(sim_end(s), END_FAULT);
	ck_assert_int_eq(sim_nth(s, EV_FAULT, 0)->tid, 3);
	for (int tid = 1; tid <= 3; tid++) {
		const struct thread *t = machine_thread(s->m, tid);
		ck_assert_int_eq(t->state, TS_DONE);
		ck_assert_int_eq(t->killed, 1);
		const struct event *x = sim_nth_of(s, EV_EXIT, tid, 0);
		ck_assert_ptr_nonnull(x);
		ck_assert_int_eq(x->b, 1);
		ck_assert(x > sim_nth(s, EV_FAULT, 0));
	}
	/* nothing runs after the end */
	uint64_t tick = s->m->tick;
	ck_assert_int_eq(machine_step(s->m), 0);
	ck_assert_int_eq(machine_run(s->m, 100), 0);
	ck_assert_uint_eq(s->m->tick, tick);
	sim_free(s);
}
END_TEST

START_TEST(a_failed_assertion_ends_the_run_with_its_text)
{
	struct sim *s = sim_run("int x = 1;\n"
				"void w() { assert(x == 1); }\n"
				"int main() {\n"
				"    join(spawn(w));\n"
				"    assert(x == 2);\n"
				"    print(\"not reached\");\n"
				"    return 0;\n"
				"}\n");
	ck_assert_int_eq(sim_end(s), END_ASSERT);
	ck_assert_int_eq(sim_count(s, EV_ASSERT), 1);
	const struct event *a = sim_nth(s, EV_ASSERT, 0);
	ck_assert_str_eq(a->text, "x == 2");
	ck_assert_uint_eq(a->len, 6);
	ck_assert_int_eq(a->tid, 1);
	ck_assert_int_eq(a->line, 5);
	ck_assert_int_eq(s->m->end_tid, 1);
	ck_assert_str_eq(s->m->text, "x == 2");
	ck_assert_str_eq(sim_output(s), "");
	ck_assert_int_eq(sim_nth(s, EV_END, 0)->a, END_ASSERT);
	sim_free(s);
}
END_TEST

START_TEST(an_endless_loop_stops_at_the_step_limit)
{
	struct sim *s = sim_new("int n;\nint main() {\n    while (1) { n++; }\n    return 0;\n}\n");
	s->lim.max_steps = 1000;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(sim_end(s), END_LIMIT);
	ck_assert_int_eq(s->m->limit, LIMIT_STEPS);
	ck_assert_uint_eq(s->m->insns, 1000);
	ck_assert_int_eq(sim_count(s, EV_EXEC), 1000);
	const struct event *l = sim_nth(s, EV_LIMIT, 0);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(l->a, LIMIT_STEPS);
	ck_assert_int_eq(l->tid, 1);
	ck_assert_int_eq(l->line, 3);
	ck_assert_int_gt(sim_global(s, "n", 0), 100);
	sim_free(s);
}
END_TEST

START_TEST(the_step_limit_holds_without_watchers_and_on_many_cores)
{
	static const char *prog = "void spin() { while (1) {} }\n"
				  "int main() { spawn(spin); spawn(spin); spin(); return 0; }\n";
	for (int cores = 1; cores <= 3; cores++) {
		struct sim *s = sim_new(prog);
		s->lim.max_steps = 5000;
		s->cfg.cores = cores;
		ck_assert_int_eq(sim_start(s), 0);
		machine_set_sink(s->m, (struct event_sink){ NULL, NULL, 0 });
		sim_finish(s);
		ck_assert_int_eq(sim_end(s), END_LIMIT);
		ck_assert_int_eq(s->m->limit, LIMIT_STEPS);
		ck_assert_uint_eq(s->m->insns, 5000);
		sim_free(s);
	}
}
END_TEST

START_TEST(touching_too_many_pages_stops_at_the_memory_limit)
{
	struct sim *s = sim_new("int big[65536];\n"
				"int main() {\n"
				"    for (int i = 0; i < 65536; i += 512)\n"
				"        big[i] = i; // here\n"
				"    return 0;\n"
				"}\n");
	s->lim.max_memory = 64 * 1024;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(sim_end(s), END_LIMIT);
	ck_assert_int_eq(s->m->limit, LIMIT_MEMORY);
	ck_assert_uint_eq(machine_proc(s->m, 1)->mem.pages, 16);
	const struct event *l = sim_nth(s, EV_LIMIT, 0);
	ck_assert_int_eq(l->a, LIMIT_MEMORY);
	ck_assert_int_eq(l->line, sim_line_of(s, "// here"));
	ck_assert_int_eq(sim_count(s, EV_FAULT), 0);
	sim_free(s);
}
END_TEST

START_TEST(a_deep_stack_stops_at_the_memory_limit_before_the_guard)
{
	struct sim *s = sim_new("int r(int n) { int pad[60]; pad[0] = n; return r(n + 1); }\n"
				"int main() { return r(0); }\n");
	s->lim.max_memory = 40 * 1024;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(sim_end(s), END_LIMIT);
	ck_assert_int_eq(s->m->limit, LIMIT_MEMORY);
	sim_free(s);
}
END_TEST

START_TEST(spawn_without_memory_for_the_stack_stops_the_run)
{
	struct sim *s = sim_new("int big[8192];\n"
				"int w(int a) { return a; }\n"
				"int main() { for (int i = 0; i < 8192; i += 512) big[i] = 1; return join(spawn(w, 1)); }\n");
	s->lim.max_memory = 20 * 1024;  /* code, data and main's stack fill it */
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(sim_end(s), END_LIMIT);
	ck_assert_int_eq(s->m->limit, LIMIT_MEMORY);
	ck_assert_int_eq(sim_count(s, EV_SPAWN), 0);
	sim_free(s);
}
END_TEST

/* Memory limits in pages, and how a program with two pages of TLS fares
 * (its code, literal pool and data take three more): machine_init's
 * result, then how the run ends. */
static const struct small_memory {
	int pages;
	int init;
	const char *err;
	int end;
} small_memories[] = {
	{ 2, -2, "the program alone", 0 },
	{ 3, -2, "main thread", 0 },    /* the program fits, its TLS does not */
	{ 4, -2, "main thread", 0 },
	{ 5, 0, NULL, END_LIMIT },      /* no page left for the stack */
	{ 6, 0, NULL, END_OK },
};

/* Run f(depth), a recursion of 24-byte frames (argument, return address,
 * saved fp); the sim, ended. */
static struct sim *recurse(int depth)
{
	char src[256];
	snprintf(src, sizeof src, "int f(int n) { if (n == 0) return 0; return f(n - 1) + 1; }\n"
		 "int main() { return f(%d); }\n", depth);
	struct sim *s = sim_run(src);
	sim_end(s);
	return s;
}

START_TEST(the_deepest_recursion_fits_the_stack_and_one_more_overflows)
{
	/* what the stack holds besides f's frames, from a shallow run */
	struct sim *s = recurse(1);
	uint64_t base = s->m->stack_peak - 24;
	sim_free(s);
	int deepest = (int)((STACK_SIZE - base) / 24);
	s = recurse(deepest);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, deepest);
	ck_assert_uint_le(s->m->stack_peak, STACK_SIZE);
	sim_free(s);
	s = recurse(deepest + 1);
	ck_assert_int_eq(sim_end(s), END_FAULT);
	ck_assert_int_eq(s->m->fault, FAULT_GUARD);
	/* the push that overflows writes the word just below the stack */
	ck_assert_uint_eq(s->m->fault_addr, machine_thread(s->m, 1)->stack_lo - 8);
	sim_free(s);
}
END_TEST

START_TEST(a_program_that_does_not_fit_in_memory_is_refused)
{
	const struct small_memory *c = &small_memories[_i];
	struct sim *s = sim_new("thread_local int t[600] = {5};\nint g = 1;\nint main() { return t[0] + g; }\n");
	s->lim.max_memory = (uint64_t)c->pages * PAGE_SIZE;
	ck_assert_int_eq(sim_start(s), c->init);
	if (c->err) {
		ck_assert_msg(strstr(s->err, c->err) != NULL, "%s", s->err);
		ck_assert_msg(strstr(s->err, "max-memory") != NULL, "%s", s->err);
	} else {
		sim_finish(s);
		ck_assert_int_eq(sim_end(s), c->end);
		if (c->end == END_LIMIT)
			ck_assert_int_eq(s->m->limit, LIMIT_MEMORY);
		else
			ck_assert_int_eq(s->m->exit_status, 6);
		ck_assert_uint_le(machine_proc(s->m, 1)->mem.pages, (size_t)c->pages);
	}
	sim_free(s);
}
END_TEST

/* A program that calls whatever address target holds. */
static const char *jump_anywhere =
	"int target; int g[4]; mutex m;\n"
	"int f(int a) { g[a & 3] = a; lock(m); return a * 2; }\n"
	"int h(int a, int b) { int x[3]; x[a & 1] = b; return join(a) + x[0]; }\n"
	"int main() { int t = target; print(\"%d\", t(1, 2, 3)); spawn(t, 1, 2); return 0; }\n";

/* How many targets are tried: the program's instructions, then some
 * addresses past its code. */
#define JUMP_TARGETS 96

START_TEST(jumping_into_any_instruction_ends_cleanly)
{
	struct sim *s = sim_new(jump_anywhere);
	uint64_t pc = CODE_BASE + (uint64_t)_i * INSN_SIZE;
	s->lim.max_steps = 20000;
	ck_assert_int_eq(sim_start(s), 0);
	ck_assert_uint_lt(s->sc->image->ncode, JUMP_TARGETS);  /* every instruction is tried */
	if (pc >= CODE_BASE + s->sc->image->ncode * INSN_SIZE)
		pc += 2;                        /* past the code, misaligned too */
	mem_poke(&machine_proc(s->m, 1)->mem, sim_addr(s, "target"), (int64_t)pc);
	sim_finish(s);
	int end = sim_end(s);
	ck_assert(end >= 0 && end < END_COUNT);
	ck_assert_int_eq(sim_count(s, EV_END), 1);
	if (end == END_FAULT) {
		ck_assert_int_eq(sim_count(s, EV_FAULT), 1);
		ck_assert_int_lt(s->m->fault, FAULT_COUNT);
	}
	for (int tid = 1; tid <= s->m->nthreads; tid++)
		ck_assert(end == END_DEADLOCK || machine_thread(s->m, tid)->state == TS_DONE);
	sim_free(s);
}
END_TEST

START_TEST(scribbling_over_the_stack_ends_cleanly)
{
	char src[512];
	snprintf(src, sizeof src,
		 "int main() {\n"
		 "    int x; int *p = &x;\n"
		 "    for (int i = -%d; i < %d; i++) p[i] = i * 7919 + 0x400000;\n"
		 "    return 0;\n"
		 "}\n", _i * 3, _i * 3);
	struct sim *s = sim_new(src);
	s->lim.max_steps = 20000;
	ck_assert_int_eq(sim_start(s), 0);
	sim_finish(s);
	ck_assert_int_eq(sim_count(s, EV_END), 1);
	ck_assert(sim_end(s) == END_FAULT || sim_end(s) == END_OK || sim_end(s) == END_LIMIT);
	sim_free(s);
}
END_TEST

START_TEST(run_scenario_reports_a_fault_at_an_address_without_a_name)
{
	struct sim *s = sim_new("int main() {\n    int f = 12345;\n    return f();\n}\n");
	FILE *err = tmpfile();
	ck_assert_ptr_nonnull(err);
	struct run_options o = { .err = err };
	ck_assert_int_eq(run_scenario(s->sc, &s->cfg, &s->lim, &o), RUN_FAILED);
	char text[2048] = "";
	rewind(err);
	size_t n = fread(text, 1, sizeof text - 1, err);
	text[n] = 0;
	fclose(err);
	ck_assert_msg(strstr(text, "jump to an address that holds no instruction at 0x3039\n") != NULL,
		      "report: %s", text);
	sim_free(s);
}
END_TEST

/* Programs and the exit status run_scenario gives them. */
static const struct run_status {
	const char *src;
	int status;
} run_statuses[] = {
	{ "int main() { return 0; }\n", RUN_OK },
	{ "int main() { return 4; }\n", RUN_FAILED },
	{ "int main() { int *p = 0; return *p; }\n", RUN_FAILED },
	{ "int main() { assert(0); return 0; }\n", RUN_FAILED },
	{ "mutex m;\nint main() { lock(m); lock(m); return 0; }\n", RUN_FAILED },
	{ "int main() { while (1) {} return 0; }\n", RUN_LIMIT },
	{ "#expect g == 2\nint g;\nint main() { g = 2; return 0; }\n", RUN_OK },
	{ "#expect g == 3\nint g;\nint main() { g = 2; return 0; }\n", RUN_FAILED },
	{ "#expect-output \"hi\\n\"\nint main() { print(\"hi\\n\"); return 0; }\n", RUN_OK },
	{ "#expect-output \"hi\"\nint main() { print(\"ho\"); return 0; }\n", RUN_FAILED },
	{ "#expect-status fault\nint main() { int z = 0; return 1 / z; }\n", RUN_OK },
	{ "#expect-status deadlock\nint main() { return 0; }\n", RUN_FAILED },
};

START_TEST(run_scenario_gives_the_documented_exit_status)
{
	const struct run_status *c = &run_statuses[_i];
	struct sim *s = sim_new(c->src);
	s->lim.max_steps = 10000;
	FILE *err = tmpfile(), *out = tmpfile();
	struct run_options o = { .err = err, .out = out };
	int got = run_scenario(s->sc, &s->cfg, &s->lim, &o);
	fclose(err);
	fclose(out);
	ck_assert_msg(got == c->status, "%s: %d, want %d", c->src, got, c->status);
	sim_free(s);
}
END_TEST

Suite *fault_suite(void)
{
	Suite *s = suite_create("fault");
	TCase *tc = sim_tcase("fault");
	tcase_add_loop_test(tc, each_fault_is_reported_with_its_kind_thread_address_and_line, 0,
			    (int)ARRAY_LEN(fault_cases));
	tcase_add_test(tc, the_faulting_instruction_did_not_complete);
	tcase_add_loop_test(tc, a_jump_where_no_instruction_is_faults, 0, (int)ARRAY_LEN(bad_jumps));
	tcase_add_test(tc, a_fault_kills_every_thread);
	tcase_add_test(tc, a_failed_assertion_ends_the_run_with_its_text);
	suite_add_tcase(s, tc);

	tc = sim_tcase("limit");
	tcase_add_test(tc, an_endless_loop_stops_at_the_step_limit);
	tcase_add_test(tc, the_step_limit_holds_without_watchers_and_on_many_cores);
	tcase_add_test(tc, touching_too_many_pages_stops_at_the_memory_limit);
	tcase_add_test(tc, the_deepest_recursion_fits_the_stack_and_one_more_overflows);
	tcase_add_test(tc, a_deep_stack_stops_at_the_memory_limit_before_the_guard);
	tcase_add_test(tc, spawn_without_memory_for_the_stack_stops_the_run);
	tcase_add_loop_test(tc, a_program_that_does_not_fit_in_memory_is_refused, 0,
			    (int)ARRAY_LEN(small_memories));
	suite_add_tcase(s, tc);

	tc = sim_tcase("robust");
	tcase_add_loop_test(tc, jumping_into_any_instruction_ends_cleanly, 0, JUMP_TARGETS);
	tcase_add_loop_test(tc, scribbling_over_the_stack_ends_cleanly, 1, 8);
	suite_add_tcase(s, tc);

	tc = sim_tcase("run");
	tcase_add_test(tc, run_scenario_reports_a_fault_at_an_address_without_a_name);
	tcase_add_loop_test(tc, run_scenario_gives_the_documented_exit_status, 0,
			    (int)ARRAY_LEN(run_statuses));
	suite_add_tcase(s, tc);
	return s;
}
