/* test_cpu: instructions as the machine executes them — arithmetic and
 * its edge cases, memory access, calls and frames, the pc, and the
 * builtins that are not about synchronisation. */
#include <stdio.h>
#include <string.h>

#include "sim.h"

/* Statements over locals x and y that leave their result in r. */
static const struct arith_case {
	const char *code;
	int64_t want;
} arith_cases[] = {
	{ "x = 9223372036854775807; y = 1; r = x + y;", INT64_MIN },
	{ "x = -9223372036854775807 - 1; y = 1; r = x - y;", INT64_MAX },
	{ "x = 4611686018427387904; y = 4; r = x * y;", 0 },
	{ "x = 3037000500; y = 3037000500; r = x * y;", -9223372036709301616ll },
	{ "x = -9223372036854775807 - 1; r = -x;", INT64_MIN },
	{ "x = -9223372036854775807 - 1; y = -1; r = x / y;", INT64_MIN },
	{ "x = -9223372036854775807 - 1; y = -1; r = x % y;", 0 },
	{ "x = 7; y = -1; r = x / y;", -7 },
	{ "x = -7; y = 2; r = x / y;", -3 },
	{ "x = -7; y = 2; r = x % y;", -1 },
	{ "x = 7; y = -2; r = x % y;", 1 },
	{ "x = 1; y = 64; r = x << y;", 1 },
	{ "x = 1; y = 65; r = x << y;", 2 },
	{ "x = 1; y = 63; r = x << y;", INT64_MIN },
	{ "x = 3; y = -1; r = x << y;", INT64_MIN },
	{ "x = -16; y = 2; r = x >> y;", -4 },
	{ "x = -1; y = 63; r = x >> y;", -1 },
	{ "x = 256; y = 68; r = x >> y;", 16 },
	{ "x = 12; y = 10; r = x & y;", 8 },
	{ "x = 12; y = 10; r = x | y;", 14 },
	{ "x = 12; y = 10; r = x ^ y;", 6 },
	{ "x = 0; r = ~x;", -1 },
	{ "x = 5; r = !x + 2 * !(x - 5);", 2 },
	{ "x = -1; y = 1; r = x < y;", 1 },
	{ "x = -9223372036854775807 - 1; y = 9223372036854775807; r = x < y;", 1 },
	{ "x = 3; y = 3; r = (x <= y) + 2 * (x >= y) + 4 * (x == y) + 8 * (x != y)"
	  " + 16 * (x < y) + 32 * (x > y);", 7 },
	{ "x = 4; y = 3; r = (x <= y) + 2 * (x >= y) + 4 * (x == y) + 8 * (x != y)"
	  " + 16 * (x < y) + 32 * (x > y);", 2 + 8 + 32 },
	{ "x = 6; y = 0; r = x > 5 ? 100 : 200;", 100 },
	{ "x = 0; y = 0; r = x != 0 && 10 / x > 1;", 0 },
	{ "x = 0; y = 0; r = x == 0 || 10 / x;", 1 },
	{ "x = 5; x += 3; x *= 4; x -= 2; x /= 3; x %= 7; r = x;", 3 },
	{ "x = 1; x <<= 10; x >>= 3; x |= 3; x &= 126; x ^= 1; r = x;", 3 },
	{ "x = 5; y = x++; r = y * 10 + x;", 56 },
	{ "x = 5; y = --x; r = y * 10 + x;", 44 },
	{ "x = 0; y = 0; while (x < 10) { x++; if (x % 2) continue; y += x; } r = y;", 30 },
	{ "x = 0; y = 1; do { y *= 3; x++; } while (x < 5); r = y;", 243 },
	{ "r = 0; for (x = 0; ; x++) { if (x == 7) break; r += x; }", 21 },
	{ "x = 'A'; y = '\\n'; r = x * 100 + y;", 6510 },
};

/* The program running one arith_case in main. */
static struct sim *run_arith(const struct arith_case *c)
{
	char src[512];
	snprintf(src, sizeof src, "int r;\nint main() {\n    int x; int y;\n    %s\n    return 0;\n}\n",
		 c->code);
	return sim_run(src);
}

START_TEST(arithmetic_wraps_and_follows_the_isa)
{
	const struct arith_case *c = &arith_cases[_i];
	struct sim *s = run_arith(c);
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_msg(sim_global(s, "r", 0) == c->want, "%s: r = %lld, want %lld", c->code,
		      (long long)sim_global(s, "r", 0), (long long)c->want);
	sim_free(s);
}
END_TEST

START_TEST(main_returning_gives_the_exit_status)
{
	struct sim *s = sim_run("int main() { return -42; }\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, -42);
	const struct event *e = sim_nth(s, EV_END, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->a, END_OK);
	ck_assert_int_eq(e->b, -42);
	ck_assert_int_eq(sim_count(s, EV_END), 1);
	ck_assert_ptr_eq(e, &s->log.ev[s->log.n - 1]);  /* the last event */
	sim_free(s);
}
END_TEST

START_TEST(a_void_main_exits_with_0)
{
	struct sim *s = sim_run("int g;\nvoid main() { g = 3; }\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(s->m->exit_status, 0);
	ck_assert_int_eq(sim_global(s, "g", 0), 3);
	sim_free(s);
}
END_TEST

START_TEST(loads_and_stores_show_in_exec_events)
{
	struct sim *s = sim_run("int g;\nint a[4] = {1, 2, 3, 4};\n"
				"int main() {\n"
				"    g = 42;\n"
				"    int *p = a;\n"
				"    p[2] = p[1] + g;\n"
				"    return g;\n"
				"}\n");
	uint64_t g = sim_addr(s, "g"), a = sim_addr(s, "a");
	int stores = 0, loads = 0;
	for (size_t i = 0; i < s->log.n; i++) {
		const struct event *e = &s->log.ev[i];
		if (e->kind != EV_EXEC)
			continue;
		if (e->insn->op == OP_ST && e->waddr == g) {
			ck_assert_int_eq(e->wval, 42);
			ck_assert_int_eq(e->line, 4);
			stores++;
		}
		if (e->insn->op == OP_LD && e->raddr == g) {
			ck_assert_int_eq(e->rval, 42);
			ck_assert_int_eq(e->regval, 42);
			loads++;
		}
		if (e->insn->op == OP_ST && e->waddr == a + 16) {
			ck_assert_int_eq(e->wval, 44);
			stores++;
		}
	}
	ck_assert_int_eq(stores, 2);
	ck_assert_int_eq(loads, 2);
	ck_assert_int_eq(sim_global(s, "a", 2), 44);
	ck_assert_int_eq(sim_global(s, "a", 3), 4);
	sim_free(s);
}
END_TEST

/* ldb sign-extends the byte it reads; stb writes one byte of its word
 * and leaves the other seven; both show the byte's own address. */
START_TEST(byte_loads_and_stores_touch_one_byte)
{
	struct sim *s = sim_run("int w = -1;\nchar c[8];\n"
				"int main() {\n"
				"    char *p = &w;\n"
				"    p[2] = 0;\n"
				"    int v = 144;\n    c[3] = v;\n"
				"    return c[3] + 100;\n"
				"}\n");
	uint64_t w = sim_addr(s, "w"), c = sim_addr(s, "c");
	ck_assert_int_eq(sim_global(s, "w", 0), (int64_t)~0xff0000ull);
	ck_assert_int_eq(sim_global(s, "c", 0), (int64_t)0x90000000ll);
	ck_assert_int_eq(s->m->exit_status, -112 + 100);
	int bytes = 0;
	for (size_t i = 0; i < s->log.n; i++) {
		const struct event *e = &s->log.ev[i];
		if (e->kind != EV_EXEC)
			continue;
		if (e->insn->op == OP_STB && e->waddr == w + 2) {
			ck_assert_int_eq(e->wval, 0);
			bytes++;
		}
		if (e->insn->op == OP_STB && e->waddr == c + 3) {
			ck_assert_int_eq(e->wval, -112);
			bytes++;
		}
		if (e->insn->op == OP_LDB && e->raddr == c + 3) {
			ck_assert_int_eq(e->rval, -112);
			ck_assert_int_eq(e->regval, -112);
			bytes++;
		}
	}
	ck_assert_int_eq(bytes, 3);
	sim_free(s);
}
END_TEST

/* A byte store to read-only data faults at the byte's address. */
START_TEST(a_byte_store_to_rodata_faults_at_its_byte)
{
	struct sim *s = sim_run("const char K[4] = { 1, 2, 3, 4 };\n"
				"int main() { char *p = K; p[3] = 9; return 0; }\n");
	ck_assert_int_eq(sim_end(s), END_FAULT);
	ck_assert_int_eq(s->m->fault, FAULT_READONLY);
	ck_assert_int_eq(sim_nth(s, EV_FAULT, 0)->addr, sim_addr(s, "K") + 3);
	sim_free(s);
}
END_TEST

START_TEST(exec_events_show_the_register_written)
{
	struct sim *s = sim_run("int main() {\n    int x = 1234;\n    return x;\n}\n");
	int seen = 0;
	for (size_t i = 0; i < s->log.n; i++) {
		const struct event *e = &s->log.ev[i];
		if (e->kind == EV_EXEC && e->insn->op == OP_LI && e->insn->imm == 1234) {
			ck_assert_int_eq(e->reg, e->insn->rd);
			ck_assert_int_eq(e->regval, 1234);
			ck_assert_int_eq(e->line, 2);
			seen++;
		}
		if (e->kind == EV_EXEC && e->insn->op == OP_PUSH) {
			ck_assert_int_eq(e->sp_moved, 1);
			ck_assert_uint_eq(e->waddr, e->sp);
		}
		if (e->kind == EV_EXEC && e->insn->op == OP_ST)
			ck_assert_int_eq(e->reg, REG_NONE);
	}
	ck_assert_int_eq(seen, 1);
	sim_free(s);
}
END_TEST

static const char *frame_prog =
	"int ret; int saved; int a_addr; int b_addr; int x_addr; int main_y;\n"
	"int f(int a, int b) {\n"
	"    int x = 5;\n"
	"    int *p = &a;\n"
	"    ret = p[-1];\n"
	"    saved = p[-2];\n"
	"    a_addr = &a; b_addr = &b; x_addr = &x;\n"
	"    return a * 100 + b * 10 + x;\n"
	"}\n"
	"int main() {\n"
	"    int y = 0;\n"
	"    main_y = &y;\n"
	"    return f(3, 4);\n"
	"}\n";

START_TEST(a_call_builds_a_frame)
{
	struct sim *s = sim_run(frame_prog);
	ck_assert_int_eq(s->m->exit_status, 345);
	uint64_t a = (uint64_t)sim_global(s, "a_addr", 0);
	/* arguments at fp+16 up, the local x at fp-8 */
	ck_assert_uint_eq((uint64_t)sim_global(s, "b_addr", 0), a + 8);
	ck_assert_uint_eq((uint64_t)sim_global(s, "x_addr", 0), a - 24);
	/* fp holds the caller's fp: main's y is at its fp-8 */
	ck_assert_uint_eq((uint64_t)sim_global(s, "saved", 0),
			  (uint64_t)sim_global(s, "main_y", 0) + 8);
	/* fp+8 holds the return address, just after main's call of f */
	uint64_t ret = (uint64_t)sim_global(s, "ret", 0);
	const struct insn *call = image_insn(s->sc->image, ret - INSN_SIZE);
	ck_assert_ptr_nonnull(call);
	ck_assert_int_eq(call->op, OP_CALL);
	ck_assert_uint_eq((uint64_t)call->imm, sim_addr(s, "f"));
	ck_assert_str_eq(image_func_at(s->sc->image, ret)->name, "main");
	/* the stack is the main thread's */
	const struct thread *t = machine_thread(s->m, 1);
	ck_assert_uint_gt(a, t->stack_lo);
	ck_assert_uint_lt(a, t->stack_hi);
	sim_free(s);
}
END_TEST

START_TEST(call_pushes_the_return_address_and_sets_fp)
{
	struct sim *s = sim_run(frame_prog);
	uint64_t f = sim_addr(s, "f");
	uint64_t a = (uint64_t)sim_global(s, "a_addr", 0);
	int calls = 0, fps = 0, rets = 0;
	for (size_t i = 0; i < s->log.n; i++) {
		const struct event *e = &s->log.ev[i];
		if (e->kind != EV_EXEC)
			continue;
		if (e->insn->op == OP_CALL && (uint64_t)e->insn->imm == f) {
			ck_assert_int_eq(e->wval, (int64_t)(e->pc + 4));
			ck_assert_uint_eq(e->waddr, a - 8);
			ck_assert_uint_eq(e->sp, a - 8);
			calls++;
		}
		if (e->pc == f + 4) {           /* mov fp, sp */
			ck_assert_int_eq(e->reg, REG_FP);
			ck_assert_int_eq(e->regval, (int64_t)(a - 16));
			fps++;
		}
		if (e->insn->op == OP_RET && e->raddr == a - 8) {
			ck_assert_int_eq(e->rval, sim_global(s, "ret", 0));
			ck_assert_uint_eq(s->log.ev[i + 1].pc, (uint64_t)e->rval);
			rets++;
		}
	}
	ck_assert_int_eq(calls, 1);
	ck_assert_int_eq(fps, 1);
	ck_assert_int_eq(rets, 1);
	sim_free(s);
}
END_TEST

START_TEST(the_pc_advances_by_4_unless_the_instruction_jumps)
{
	struct sim *s = sim_run("int sq(int v) { return v * v; }\n"
				"int main() {\n"
				"    int t = 0;\n"
				"    for (int i = 0; i < 5; i++) {\n"
				"        if (i % 2) t += sq(i); else t -= i;\n"
				"    }\n"
				"    return t;\n"
				"}\n");
	ck_assert_int_eq(s->m->exit_status, 1 + 9 - 0 - 2 - 4);
	const struct event *prev = NULL;
	int jumps = 0, n = 0;
	for (size_t i = 0; i < s->log.n; i++) {
		const struct event *e = &s->log.ev[i];
		if (e->kind != EV_EXEC)
			continue;
		ck_assert_int_eq(e->line, image_line(s->sc->image, e->pc));
		ck_assert_ptr_eq(e->insn, image_insn(s->sc->image, e->pc));
		n++;
		if (prev) {
			switch (prev->insn->op) {
			case OP_JMP: case OP_CALL:
				ck_assert_uint_eq(e->pc, (uint64_t)prev->insn->imm);
				jumps++;
				break;
			case OP_JZ: case OP_JNZ:
				ck_assert(e->pc == (uint64_t)prev->insn->imm || e->pc == prev->pc + 4);
				jumps += e->pc != prev->pc + 4;
				break;
			case OP_RET:
				ck_assert_uint_eq(e->pc, (uint64_t)prev->rval);
				break;
			default:
				ck_assert_msg(e->pc == prev->pc + 4, "after %#llx came %#llx",
					      (unsigned long long)prev->pc, (unsigned long long)e->pc);
			}
		}
		prev = e;
	}
	ck_assert_int_gt(jumps, 10);
	ck_assert_uint_eq((uint64_t)n, s->m->insns);
	ck_assert_uint_eq(s->m->tick, s->m->insns);
	sim_free(s);
}
END_TEST

START_TEST(recursion_computes_the_right_result)
{
	struct sim *s = sim_run("int fib(int n) { if (n < 2) return n; return fib(n - 1) + fib(n - 2); }\n"
				"int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }\n"
				"int f; int g;\n"
				"int main() { f = fib(15); g = fact(20); return 0; }\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "f", 0), 610);
	ck_assert_int_eq(sim_global(s, "g", 0), 2432902008176640000ll);
	/* the deepest the stack went: 20 frames of fact at least */
	ck_assert_uint_ge(s->m->stack_peak, 20 * 24);
	ck_assert_uint_lt(s->m->stack_peak, STACK_SIZE);
	sim_free(s);
}
END_TEST

START_TEST(function_pointers_call_through_an_int)
{
	struct sim *s = sim_run("int inc(int x) { return x + 1; }\n"
				"int dbl(int x) { return 2 * x; }\n"
				"int apply(int f, int v) { return f(v); }\n"
				"int ops[2]; int r1; int r2; int fv;\n"
				"int main() {\n"
				"    ops[0] = inc; ops[1] = &dbl;\n"
				"    fv = dbl;\n"
				"    r1 = apply(dbl, 21);\n"
				"    r2 = ops[1](ops[0](5)) + (*inc)(0);\n"
				"    return 0;\n"
				"}\n");
	ck_assert_int_eq(sim_end(s), END_OK);
	ck_assert_int_eq(sim_global(s, "r1", 0), 42);
	ck_assert_int_eq(sim_global(s, "r2", 0), 13);
	ck_assert_uint_eq((uint64_t)sim_global(s, "fv", 0), sim_addr(s, "dbl"));
	ck_assert_uint_eq((uint64_t)sim_global(s, "ops", 0), sim_addr(s, "inc"));
	sim_free(s);
}
END_TEST

START_TEST(pointers_and_arrays_on_the_stack)
{
	struct sim *s = sim_run("int fill() { int junk[6]; for (int i = 0; i < 6; i++) junk[i] = 77; return junk[5]; }\n"
				"int sum() { int a[6] = {1, 2}; int *p = a; int s = 0;\n"
				"    for (int i = 0; i < 6; i++) s += *(p + i);\n"
				"    return s; }\n"
				"int swap(int *x, int *y) { int t = *x; *x = *y; *y = t; return 0; }\n"
				"int r1; int r2;\n"
				"int main() { fill(); r1 = sum(); int u = 1; int v = 2; swap(&u, &v);\n"
				"    r2 = u * 10 + v; return 0; }\n");
	ck_assert_int_eq(sim_global(s, "r1", 0), 3);   /* the rest of a[] is zeroed */
	ck_assert_int_eq(sim_global(s, "r2", 0), 21);
	sim_free(s);
}
END_TEST

START_TEST(print_formats_its_conversions)
{
	struct sim *s = sim_run("int g;\n"
				"int main() {\n"
				"    print(\"%d %x %p %c %% %d\\n\", -5, 255, &g, 65, 0);\n"
				"    print(\"[%d]\", -9223372036854775807 - 1);\n"
				"    return 0;\n"
				"}\n");
	char want[128];
	snprintf(want, sizeof want, "-5 ff %#llx A %% 0\n[-9223372036854775808]",
		 (unsigned long long)sim_addr(s, "g"));
	ck_assert_str_eq(sim_output(s), want);
	ck_assert_int_eq(sim_count(s, EV_PRINT), 2);
	const struct event *e = sim_nth(s, EV_PRINT, 1);
	ck_assert_str_eq(e->text, "[-9223372036854775808]");
	ck_assert_uint_eq(e->len, 22);
	ck_assert_int_eq(e->line, 4);
	ck_assert_int_eq(e->tid, 1);
	sim_free(s);
}
END_TEST

START_TEST(print_s_copies_a_string_and_stops_at_an_unreadable_page)
{
	struct sim *s = sim_run("int g[2];\n"
				"int main() {\n"
				"    g[0] = 0x2f20544547;\n"
				"    print(\"<%s|%s|%d>\", g, 0, 7);\n"
				"    return 0;\n"
				"}\n");
	ck_assert_str_eq(sim_output(s), "<GET /||7>");
	ck_assert_int_eq(sim_count(s, EV_FAULT), 0);
	sim_free(s);
}
END_TEST

START_TEST(print_hex_of_a_negative_value_is_its_64_bit_pattern)
{
	struct sim *s = sim_run("int main() { print(\"%x %x\", -1, -256); return 0; }\n");
	ck_assert_str_eq(sim_output(s), "ffffffffffffffff ffffffffffffff00");
	sim_free(s);
}
END_TEST

START_TEST(globals_start_with_their_initialisers)
{
	struct sim *s = sim_run("int a = 5; int b; int c[3] = {7, 8}; const int K = 11; int *p = c + 1;\n"
				"int r;\n"
				"int main() { r = a * 1000 + b * 100 + c[0] + c[1] + c[2] + K + *p; return 0; }\n");
	ck_assert_int_eq(sim_global(s, "r", 0), 5000 + 7 + 8 + 11 + 8);
	sim_free(s);
}
END_TEST

START_TEST(a_single_thread_runs_one_instruction_per_tick)
{
	struct sim *s = sim_run("int main() { int t = 0; for (int i = 0; i < 100; i++) t += i; return t; }\n");
	ck_assert_int_eq(s->m->exit_status, 4950);
	ck_assert_uint_eq(s->m->tick, s->m->insns);
	ck_assert_uint_eq((uint64_t)sim_count(s, EV_EXEC), s->m->insns);
	ck_assert_uint_eq(machine_thread(s->m, 1)->cpu_ticks, s->m->insns);
	/* each EXEC at its own tick, in order */
	uint64_t tick = 0;
	for (int i = 0; i < sim_count(s, EV_EXEC); i++)
		ck_assert_uint_eq(sim_nth(s, EV_EXEC, i)->tick, tick++);
	sim_free(s);
}
END_TEST

/* Programs whose runs are compared with and without EXEC events. */
static const char *const burst_progs[] = {
	"int t;\nint w(int n) { for (int i = 0; i < n; i++) t += i; return t; }\n"
	"int main() { int a = spawn(w, 50); sleep(3); int b = spawn(w, 70); join(a); join(b);\n"
	"    print(\"%d\", t); return t % 1000; }\n",
	"int counter; mutex m; semaphore s; int *p;\n"
	"void w(int n) { for (int i = 0; i < n; i++) { lock(m); counter++; unlock(m); sched_yield(); }\n"
	"    p = malloc(n * 8); p[1] = n; free(p); sem_post(s); }\n"
	"void hi() { set_priority(self(), 3); sleep(9); for (int i = 0; i < 20; i++) counter += 2; }\n"
	"int main() { int a = spawn(w, 12); int b = spawn(w, 7); int c = spawn(hi); sem_wait(s); sem_wait(s);\n"
	"    join(a); join(b); join(c); print(\"%d\", counter); return counter; }\n",
};

/* Policies (and quanta) the burst comparison runs under. */
static const struct { enum sched_policy policy; int quantum; } burst_policies[] = {
	{ POLICY_RR, 1 }, { POLICY_RR, 3 }, { POLICY_RR, 50 }, { POLICY_FIFO, 1 },
	{ POLICY_PRIORITY, 2 }, { POLICY_PRIORITY, 9 },
};

/* The log l without its EXEC events, as text (freed by the caller). */
static char *without_exec(const struct evlog *l)
{
	struct evlog f = *l;
	f.ev = xmalloc((l->n + 1) * sizeof *f.ev);
	f.n = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->ev[i].kind != EV_EXEC)
			f.ev[f.n++] = l->ev[i];
	char *t = evlog_format(&f, 0);
	xfree(f.ev);
	return t;
}

START_TEST(an_unwatched_run_ends_the_same)
{
	/* without anyone watching instructions the machine runs in bursts */
	for (size_t k = 0; k < ARRAY_LEN(burst_progs); k++) {
		const char *prog = burst_progs[k];
		struct sim *s = sim_run_policy(prog, burst_policies[_i].policy, burst_policies[_i].quantum);
		struct sim *q = sim_new(prog);
		q->cfg.policy = burst_policies[_i].policy;
		q->cfg.quantum = burst_policies[_i].quantum;
		ck_assert_int_eq(sim_start(q), 0);
		struct event_sink sink = evlog_sink(&q->log);
		sink.mask &= ~EV_BIT(EV_EXEC);
		machine_set_sink(q->m, sink);
		sim_finish(q);
		ck_assert_int_eq(sim_count(q, EV_EXEC), 0);
		ck_assert_str_eq(sim_output(q), sim_output(s));
		ck_assert_int_eq(q->m->exit_status, s->m->exit_status);
		ck_assert_uint_eq(q->m->tick, s->m->tick);
		ck_assert_uint_eq(q->m->insns, s->m->insns);
		ck_assert_uint_eq(q->m->preempts, s->m->preempts);
		char *want = without_exec(&s->log), *got = evlog_format(&q->log, 0);
		assert_same_lines(got, want, "events without EXEC");
		sim_free(s);
		sim_free(q);
	}
}
END_TEST

/* Programs whose runs on several cores are compared with and without
 * EXEC events: threads spinning side by side, blocking, waking and
 * sleeping, a racy counter, a fork whose child faults while its
 * parent's threads run, a step limit reached mid-tick, and a server
 * whose clients' arrivals wake threads while others spin. */
static const char *const lockstep_progs[] = {
	"int t;\nint w(int n) { for (int i = 0; i < n; i++) t += i; return t; }\n"
	"int main() { int a = spawn(w, 500); int b = spawn(w, 700); int c = spawn(w, 90);\n"
	"    sleep(3); join(a); join(b); join(c); print(\"%d\", t); return t % 1000; }\n",
	"int counter; mutex m; semaphore s; int *p;\n"
	"void w(int n) { for (int i = 0; i < n; i++) { lock(m); counter++; unlock(m); }\n"
	"    for (int i = 0; i < n; i++) counter--; sleep(i_am(n));\n"
	"    p = malloc(n * 8); p[1] = n; free(p); sem_post(s); }\n"
	"int i_am(int n) { return n % 5; }\n"
	"void hi() { set_priority(self(), 3); sleep(9); for (int i = 0; i < 200; i++) counter += 2; }\n"
	"int main() { int a = spawn(w, 120); int b = spawn(w, 70); int c = spawn(hi); int d = spawn(w, 33);\n"
	"    sem_wait(s); sem_wait(s); sem_wait(s);\n"
	"    join(a); join(b); join(c); join(d); print(\"%d\", counter); return counter; }\n",
	"int x;\nvoid spin(int n) { for (int i = 0; i < n; i++) x++; }\n"
	"int main() { int a = spawn(spin, 300); int pid = fork();\n"
	"    if (pid == 0) { int b = spawn(spin, 50); for (int i = 0; i < 40; i++) x++;\n"
	"        int *q = 0; *q = 1; }\n"
	"    spin(200); wait(pid); join(a); print(\"%d\", x); return 0; }\n",
	"int x;\nvoid spin(int n) { for (;;) x++; }\n"
	"int main() { spawn(spin, 0); spawn(spin, 0); spawn(spin, 0); spin(0); return 0; }\n",
	"#clients 6 port 80 send \"hello\" every 40 latency 30\n"
	"int busy; int buf[4];\n"
	"void spin(int n) { for (int i = 0; i < n; i++) busy++; }\n"
	"void serve(int c) { read(c, buf, 5); write(c, buf, 5); close(c); }\n"
	"int main() { int l = listen(80); int a = spawn(spin, 900); int b = spawn(spin, 700);\n"
	"    for (int i = 0; i < 6; i++) join(spawn(serve, accept(l)));\n"
	"    join(a); join(b); return busy % 256; }\n",
};

/* Machines the lockstep comparison runs on: cores, policy, quantum. */
static const struct { int cores; enum sched_policy policy; int quantum; } lockstep_cfgs[] = {
	{ 2, POLICY_RR, 1 }, { 2, POLICY_RR, 7 }, { 3, POLICY_RR, 50 }, { 8, POLICY_RR, 100 },
	{ 2, POLICY_FIFO, 1 }, { 5, POLICY_FIFO, 4 }, { 2, POLICY_PRIORITY, 2 },
	{ 4, POLICY_PRIORITY, 9 },
};

START_TEST(an_unwatched_run_on_several_cores_ends_the_same)
{
	/* without anyone watching instructions, the cores run in lockstep */
	for (size_t k = 0; k < ARRAY_LEN(lockstep_progs); k++) {
		const char *prog = lockstep_progs[k];
		struct sim *s = sim_new(prog), *q = sim_new(prog);
		for (int j = 0; j < 2; j++) {
			struct sim *x = j ? q : s;
			x->cfg.cores = lockstep_cfgs[_i].cores;
			x->cfg.policy = lockstep_cfgs[_i].policy;
			x->cfg.quantum = lockstep_cfgs[_i].quantum;
			x->lim.max_steps = 20000;
			ck_assert_int_eq(sim_start(x), 0);
			x->m->record = 1;
		}
		struct event_sink sink = evlog_sink(&q->log);
		sink.mask &= ~EV_BIT(EV_EXEC);
		machine_set_sink(q->m, sink);
		sim_finish(s);
		sim_finish(q);
		ck_assert_int_eq(sim_count(q, EV_EXEC), 0);
		ck_assert_str_eq(sim_output(q), sim_output(s));
		ck_assert_int_eq(q->m->end, s->m->end);
		ck_assert_int_eq(q->m->exit_status, s->m->exit_status);
		ck_assert_uint_eq(q->m->tick, s->m->tick);
		ck_assert_uint_eq(q->m->insns, s->m->insns);
		ck_assert_uint_eq(q->m->preempts, s->m->preempts);
		ck_assert_uint_eq(q->m->switches, s->m->switches);
		for (int t = 1; t <= s->m->nthreads; t++)
			ck_assert_uint_eq(machine_thread(q->m, t)->cpu_ticks,
					  machine_thread(s->m, t)->cpu_ticks);
		ck_assert_str_eq(sim_taken(q), sim_taken(s));
		char *want = without_exec(&s->log), *got = evlog_format(&q->log, 0);
		assert_same_lines(got, want, "events without EXEC");
		sim_free(s);
		sim_free(q);
	}
}
END_TEST

Suite *cpu_suite(void)
{
	Suite *s = suite_create("cpu");
	TCase *tc = sim_tcase("alu");
	tcase_add_loop_test(tc, arithmetic_wraps_and_follows_the_isa, 0, (int)ARRAY_LEN(arith_cases));
	suite_add_tcase(s, tc);

	tc = sim_tcase("exec");
	tcase_add_test(tc, main_returning_gives_the_exit_status);
	tcase_add_test(tc, a_void_main_exits_with_0);
	tcase_add_test(tc, loads_and_stores_show_in_exec_events);
	tcase_add_test(tc, exec_events_show_the_register_written);
	tcase_add_test(tc, byte_loads_and_stores_touch_one_byte);
	tcase_add_test(tc, a_byte_store_to_rodata_faults_at_its_byte);
	tcase_add_test(tc, a_call_builds_a_frame);
	tcase_add_test(tc, call_pushes_the_return_address_and_sets_fp);
	tcase_add_test(tc, the_pc_advances_by_4_unless_the_instruction_jumps);
	tcase_add_test(tc, recursion_computes_the_right_result);
	tcase_add_test(tc, function_pointers_call_through_an_int);
	tcase_add_test(tc, pointers_and_arrays_on_the_stack);
	tcase_add_test(tc, print_formats_its_conversions);
	tcase_add_test(tc, print_hex_of_a_negative_value_is_its_64_bit_pattern);
	tcase_add_test(tc, print_s_copies_a_string_and_stops_at_an_unreadable_page);
	tcase_add_test(tc, globals_start_with_their_initialisers);
	tcase_add_test(tc, a_single_thread_runs_one_instruction_per_tick);
	tcase_add_loop_test(tc, an_unwatched_run_ends_the_same, 0, (int)ARRAY_LEN(burst_policies));
	tcase_add_loop_test(tc, an_unwatched_run_on_several_cores_ends_the_same, 0,
			    (int)ARRAY_LEN(lockstep_cfgs));
	suite_add_tcase(s, tc);
	return s;
}
