/* test_codegen: instruction selection, frames, layout and the image
 * tables.  A small reference interpreter (single thread, no scheduler)
 * runs compiled programs so that the code is checked by what it computes,
 * not only by how it looks. */
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "tests.h"

#define STACK_TOP 0x7ff00000u
#define STACK_SIZE 0x10000u

struct vm {
	const struct image *img;
	uint8_t *data, stack[STACK_SIZE], *tls;
	int64_t r[16];
	uint64_t pc;
	struct buf out;
	int failed;             /* an assert failed or the vm could not go on */
	int64_t exit_code;
};

static uint8_t *vm_mem(struct vm *vm, uint64_t a, size_t n)
{
	const struct image *img = vm->img;
	if (a >= RODATA_BASE && a + n <= RODATA_BASE + img->rodata_size)
		return img->rodata + (a - RODATA_BASE);
	if (a >= DATA_BASE && a + n <= img->bss_addr + img->bss_size)
		return vm->data + (a - DATA_BASE);
	if (a >= STACK_TOP - STACK_SIZE && a + n <= STACK_TOP)
		return vm->stack + (a - (STACK_TOP - STACK_SIZE));
	if (a >= 0x10000000u && a + n <= 0x10000000u + img->tls_size)
		return vm->tls + (a - 0x10000000u);
	return NULL;
}

static int64_t vm_load(struct vm *vm, uint64_t a)
{
	uint8_t *p = vm_mem(vm, a, 8);
	int64_t v = 0;
	if (!p) {
		vm->failed = 1;
		return 0;
	}
	memcpy(&v, p, 8);
	return v;
}

static void vm_store(struct vm *vm, uint64_t a, int64_t v)
{
	uint8_t *p = vm_mem(vm, a, 8);
	if (!p || (a >= RODATA_BASE && a < DATA_BASE)) {
		vm->failed = 1;
		return;
	}
	memcpy(p, &v, 8);
}

static int64_t reg(struct vm *vm, int r)
{
	return r == REG_NONE ? 0 : vm->r[r];
}

/* Run to exit (or 100000 steps); returns the exit code. */
static int64_t vm_run(struct vm *vm, const struct image *img)
{
	memset(vm, 0, sizeof *vm);
	vm->img = img;
	vm->data = calloc(img->bss_addr + img->bss_size - DATA_BASE + 8, 1);
	memcpy(vm->data, img->data, img->data_size);
	vm->tls = calloc(img->tls_size + 8, 1);
	memcpy(vm->tls, img->tls, img->tls_size);
	vm->r[REG_SP] = STACK_TOP;
	vm->r[REG_TP] = 0x10000000u;
	vm->pc = img->entry;
	for (int steps = 0; steps < 100000 && !vm->failed; steps++) {
		const struct insn *in = image_insn(img, vm->pc);
		if (!in) {
			vm->failed = 1;
			break;
		}
		uint64_t next = vm->pc + INSN_SIZE;
		int64_t b = in->rt == REG_NONE ? in->imm : vm->r[in->rt], a = reg(vm, in->rs);
		int64_t *d = &vm->r[in->rd & 15];
		switch (in->op) {
		case OP_LI: *d = in->imm; break;
		case OP_MOV: *d = a; break;
		case OP_NEG: *d = -a; break;
		case OP_NOT: *d = ~a; break;
		case OP_ADD: *d = a + b; break;
		case OP_SUB: *d = a - b; break;
		case OP_MUL: *d = a * b; break;
		case OP_DIV: if (!b) { vm->failed = 1; break; } *d = a / b; break;
		case OP_MOD: if (!b) { vm->failed = 1; break; } *d = a % b; break;
		case OP_AND: *d = a & b; break;
		case OP_OR: *d = a | b; break;
		case OP_XOR: *d = a ^ b; break;
		case OP_SHL: *d = (int64_t)((uint64_t)a << (b & 63)); break;
		case OP_SHR: *d = a >> (b & 63); break;
		case OP_SEQ: *d = a == b; break;
		case OP_SNE: *d = a != b; break;
		case OP_SLT: *d = a < b; break;
		case OP_SLE: *d = a <= b; break;
		case OP_SGT: *d = a > b; break;
		case OP_SGE: *d = a >= b; break;
		case OP_LD: *d = vm_load(vm, (uint64_t)(a + in->imm)); break;
		case OP_ST: vm_store(vm, (uint64_t)(a + in->imm), vm->r[in->rd]); break;
		case OP_LDB: {
			uint8_t *m = vm_mem(vm, (uint64_t)(a + in->imm), 1);
			if (!m)
				vm->failed = 1;
			else
				*d = (signed char)*m;
			break;
		}
		case OP_STB: {
			uint64_t at = (uint64_t)(a + in->imm);
			uint8_t *m = vm_mem(vm, at, 1);
			if (!m || (at >= RODATA_BASE && at < DATA_BASE))
				vm->failed = 1;
			else
				*m = (uint8_t)vm->r[in->rd];
			break;
		}
		case OP_LEA: *d = a + in->imm; break;
		case OP_JMP: next = (uint64_t)in->imm; break;
		case OP_JZ: if (!a) next = (uint64_t)in->imm; break;
		case OP_JNZ: if (a) next = (uint64_t)in->imm; break;
		case OP_CALL: case OP_CALLR:
			vm->r[REG_SP] -= 8;
			vm_store(vm, (uint64_t)vm->r[REG_SP], (int64_t)next);
			next = in->op == OP_CALL ? (uint64_t)in->imm : (uint64_t)a;
			break;
		case OP_RET:
			next = (uint64_t)vm_load(vm, (uint64_t)vm->r[REG_SP]);
			vm->r[REG_SP] += 8;
			break;
		case OP_PUSH:
			vm->r[REG_SP] -= 8;
			vm_store(vm, (uint64_t)vm->r[REG_SP], a);
			break;
		case OP_POP:
			*d = vm_load(vm, (uint64_t)vm->r[REG_SP]);
			vm->r[REG_SP] += 8;
			break;
		case OP_SYS: {
			uint64_t sp = (uint64_t)vm->r[REG_SP];
			switch (in->imm) {
			case BI_EXIT:
				vm->exit_code = vm_load(vm, sp);
				free(vm->data);
				free(vm->tls);
				vm->data = vm->tls = NULL;
				return vm->exit_code;
			case BI_ASSERT:
				if (!vm_load(vm, sp))
					vm->failed = 1;
				break;
			case BI_PRINT: {
				const char *f = (const char *)vm_mem(vm, (uint64_t)vm_load(vm, sp), 1);
				int arg = 1;
				for (; f && *f; f++) {
					if (*f == '%' && f[1] == 'd')
						buf_printf(&vm->out, "%lld",
							   (long long)vm_load(vm, sp + 8 * (uint64_t)arg++)), f++;
					else if (*f == '%' && f[1] == '%')
						buf_putc(&vm->out, '%'), f++;
					else
						buf_putc(&vm->out, *f);
				}
				break;
			}
			default:
				vm->failed = 1;
			}
			break;
		}
		default:
			vm->failed = 1;
		}
		vm->r[REG_NONE] = 0;
		vm->pc = next;
	}
	vm->failed = 1;
	free(vm->data);
	free(vm->tls);
	vm->data = vm->tls = NULL;
	return -1;
}

/* Compile and run src; its print output in *out (freed by the caller). */
static int64_t run(const char *src, char **out)
{
	char *err;
	struct scenario *sc = compile_str(src, &err);
	ck_assert_msg(sc != NULL, "does not compile: %s", err);
	free(err);
	struct vm *vm = malloc(sizeof *vm);
	int64_t code = vm_run(vm, sc->image);
	ck_assert_msg(!vm->failed, "the program failed at pc %#llx", (unsigned long long)vm->pc);
	if (out)
		*out = buf_take(&vm->out);
	else
		buf_free(&vm->out);
	free(vm);
	scenario_free(sc);
	return code;
}

/* A closure: the enclosing function pushes the captured values and the
 * nested function's address for make_closure; the nested function keeps
 * r7 in env and reaches a capture through it. */
START_TEST(test_codegen_closure_made_and_entered)
{
	const char *src = "int make(int k) {\n int n = 5;\n"
			  " int get(int x) { n += x; return k; }\n return get;\n}\n"
			  "int main() { int f = make(2); return f(1); }";
	char *got = insns_of(src, "make");
	ck_assert_str_eq(got,
		"push fp\n"
		"mov  fp, sp\n"
		"sub  sp, sp, 8\n"
		"li   r0, 5\n"
		"st   [fp-8], r0\n"
		"ld   r0, [fp+16]\n"
		"push r0\n"
		"ld   r0, [fp-8]\n"
		"push r0\n"
		"li   r0, 0x400014\n"
		"push r0\n"
		"sys  make_closure, 3\n"
		"add  sp, sp, 24\n"
		"mov  sp, fp\n"
		"pop  fp\n"
		"ret\n");
	free(got);
	got = insns_of(src, "get");
	ck_assert_str_eq(got,
		"push fp\n"
		"mov  fp, sp\n"
		"sub  sp, sp, 8\n"
		"st   [fp-8], r7\n"
		"ld   r0, [fp-8]\n"
		"ld   r1, [r0+24]\n"
		"ld   r2, [fp+16]\n"
		"add  r1, r1, r2\n"
		"st   [r0+24], r1\n"
		"mov  r0, r1\n"
		"ld   r0, [fp-8]\n"
		"ld   r0, [r0+32]\n"
		"mov  sp, fp\n"
		"pop  fp\n"
		"ret\n");
	free(got);
	/* a plain function value is still its address, no closure */
	got = insns_of("int id(int x) { return x; }\nint main() { int f = id; return f(1); }", "main");
	ck_assert_ptr_null(strstr(got, "make_closure"));
	ck_assert_ptr_nonnull(strstr(got, "li   r0, 0x400014\n"));
	free(got);
}
END_TEST

START_TEST(test_codegen_counter_increment_is_load_add_store)
{
	char *got = insns_of("int counter = 0;\nvoid w() { counter++; }\nint main() { w(); return 0; }", "w");
	ck_assert_str_eq(got,
		"push fp\n"
		"mov  fp, sp\n"
		"ld   r0, [0x600000]\n"
		"add  r0, r0, 1\n"
		"st   [0x600000], r0\n"
		"mov  sp, fp\n"
		"pop  fp\n"
		"ret\n");
	free(got);
}
END_TEST

START_TEST(test_codegen_frame_params_locals_tls)
{
	char *got = insns_of("thread_local int t;\nint f(int a, int b) { int x = a - b; t = x; return x; }\n"
			     "int main() { return f(5, 3); }", "f");
	ck_assert_str_eq(got,
		"push fp\n"
		"mov  fp, sp\n"
		"sub  sp, sp, 8\n"
		"ld   r0, [fp+16]\n"
		"ld   r1, [fp+24]\n"
		"sub  r0, r0, r1\n"
		"st   [fp-8], r0\n"
		"ld   r0, [fp-8]\n"
		"st   [tp], r0\n"
		"ld   r0, [fp-8]\n"
		"mov  sp, fp\n"
		"pop  fp\n"
		"ret\n");
	free(got);
}
END_TEST

START_TEST(test_codegen_call_pushes_arguments_right_to_left)
{
	char *got = insns_of("int f(int a, int b) { return a; }\nint main() { return f(1, 2); }", "main");
	ck_assert_str_eq(got,
		"push fp\n"
		"mov  fp, sp\n"
		"li   r0, 2\n"
		"push r0\n"
		"li   r0, 1\n"
		"push r0\n"
		"call 0x400014\n"
		"add  sp, sp, 16\n"
		"mov  sp, fp\n"
		"pop  fp\n"
		"ret\n");
	free(got);
}
END_TEST

START_TEST(test_codegen_runtime_stubs)
{
	struct scenario *sc = compile_str("int main() { return 7; }", NULL);
	const struct image *img = sc->image;
	ck_assert_uint_eq(img->entry, CODE_BASE);
	ck_assert_int_eq(img->code[0].op, OP_CALL);
	ck_assert_uint_eq((uint64_t)img->code[0].imm, img->main_addr);
	ck_assert_int_eq(img->code[2].op, OP_SYS);
	ck_assert_int_eq(img->code[2].imm, BI_EXIT);
	const struct insn *te = image_insn(img, img->thread_exit + INSN_SIZE);
	ck_assert_int_eq(te->op, OP_SYS);
	ck_assert_int_eq(te->imm, BI_THREAD_EXIT);
	scenario_free(sc);
}
END_TEST

START_TEST(test_codegen_layout_of_globals)
{
	struct scenario *sc = compile_str(
		"int a = 5; int b; const int C = 9; thread_local int t = 4; mutex m; semaphore s = 3;\n"
		"int arr[3] = {1, 2}; int *p = &a; int f = main;\nint main() { return 0; }", NULL);
	const struct image *img = sc->image;
	const struct img_sym *a = image_sym_named(img, "a"), *b = image_sym_named(img, "b"),
			     *c = image_sym_named(img, "C"), *t = image_sym_named(img, "t"),
			     *m = image_sym_named(img, "m"), *s = image_sym_named(img, "s"),
			     *arr = image_sym_named(img, "arr"), *p = image_sym_named(img, "p"),
			     *f = image_sym_named(img, "f");
	ck_assert_int_eq(a->seg, SEG_DATA);
	ck_assert_uint_eq(a->addr, DATA_BASE);
	ck_assert_int_eq(b->seg, SEG_BSS);
	ck_assert_uint_ge(b->addr, img->bss_addr);
	ck_assert_int_eq(c->seg, SEG_RODATA);
	ck_assert_int_eq(t->seg, SEG_TLS);
	ck_assert_int_eq(m->kind, SYM_MUTEX);
	ck_assert_uint_eq(m->size, 16);
	ck_assert_int_eq(s->seg, SEG_DATA);
	ck_assert_str_eq(arr->type, "int[3]");
	ck_assert_uint_eq(arr->size, 24);

	int64_t v;
	memcpy(&v, img->rodata + (c->addr - RODATA_BASE), 8);
	ck_assert_int_eq(v, 9);
	memcpy(&v, img->data + (s->addr - DATA_BASE), 8);
	ck_assert_int_eq(v, 3);
	memcpy(&v, img->data + (arr->addr - DATA_BASE) + 16, 8);
	ck_assert_int_eq(v, 0);
	memcpy(&v, img->data + (p->addr - DATA_BASE), 8);
	ck_assert_int_eq(v, (int64_t)a->addr);
	memcpy(&v, img->data + (f->addr - DATA_BASE), 8);
	ck_assert_int_eq(v, (int64_t)img->main_addr);
	memcpy(&v, img->tls + t->addr, 8);
	ck_assert_int_eq(v, 4);
	scenario_free(sc);
}
END_TEST

START_TEST(test_codegen_line_table_and_frames)
{
	struct scenario *sc = compile_str("int g;\nvoid w(int n) {\n  int i = n;\n  g = i;\n}\n"
					  "int main() { w(1); return 0; }", NULL);
	const struct image *img = sc->image;
	const struct img_sym *w = image_sym_named(img, "w");
	const struct img_func *f = image_func_at(img, w->addr + 8);
	ck_assert_str_eq(f->name, "w");
	ck_assert_int_eq(image_line(img, w->addr), 2);
	for (uint64_t pc = w->addr; pc < w->addr + w->size; pc += INSN_SIZE) {
		int line = image_line(img, pc);
		ck_assert_int_ge(line, 2);
		ck_assert_int_le(line, 5);
	}
	ck_assert_uint_eq(f->nvars, 2);
	ck_assert_str_eq(f->vars[0].name, "n");
	ck_assert_int_eq(f->vars[0].offset, 16);
	ck_assert(f->vars[0].is_param);
	ck_assert_str_eq(f->vars[1].name, "i");
	ck_assert_int_eq(f->vars[1].offset, -8);
	ck_assert_ptr_nonnull(image_var_at(f, -8, f->vars[1].lo));
	ck_assert_ptr_null(image_var_at(f, -8, w->addr));
	for (size_t i = 1; i < img->nfuncs; i++)
		ck_assert_uint_eq(img->funcs[i - 1].end, img->funcs[i].addr);
	scenario_free(sc);
}
END_TEST

START_TEST(test_codegen_encoding_round_trips)
{
	struct scenario *sc = compile_str(
		"int big = 0; int arr[100];\nint main() { big = 123456789; arr[70] = -70000; int x = 0;\n"
		" while (x < 100000) x = x + 40000; return x; }", NULL);
	const struct image *img = sc->image;
	ck_assert_uint_gt(img->npool, 0);
	for (size_t i = 0; i < img->ncode; i++) {
		struct insn in;
		uint64_t pc = CODE_BASE + i * INSN_SIZE;
		ck_assert(isa_decode(img->words[i], pc, img->pool, img->npool, &in));
		ck_assert_int_eq(in.op, img->code[i].op);
		ck_assert_int_eq(in.imm, img->code[i].imm);
		if (in.op != OP_SYS) {
			ck_assert_int_eq(in.rd, img->code[i].rd);
			ck_assert_int_eq(in.rs, img->code[i].rs);
		}
	}
	/* the pool sits in rodata and holds the wide constants */
	int64_t v;
	memcpy(&v, img->rodata + (img->pool_addr - RODATA_BASE), 8);
	ck_assert_int_eq(v, img->pool[0]);
	scenario_free(sc);
}
END_TEST

START_TEST(test_codegen_runs_arithmetic_and_control_flow)
{
	char *out;
	int64_t code = run(
		"int fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }\n"
		"int main() {\n"
		"  int s = 0;\n"
		"  for (int i = 0; i < 10; i++) { if (i % 2) continue; if (i == 8) break; s += i; }\n"
		"  int j = 0; do { j++; } while (j < 5);\n"
		"  int k = 3; while (k) k--;\n"
		"  print(\"%d %d %d %d\\n\", s, fact(5), j, k);\n"
		"  print(\"%d %d %d %d\\n\", 7 / 2, -7 % 3, 1 << 4, -16 >> 2);\n"
		"  print(\"%d %d %d %d\\n\", 5 & 3, 5 | 3, 5 ^ 3, ~0);\n"
		"  print(\"%d %d %d\\n\", !5, 0 || 3, 2 && 0);\n"
		"  return 42;\n"
		"}\n", &out);
	ck_assert_int_eq(code, 42);
	ck_assert_str_eq(out, "12 120 5 0\n3 -1 16 -4\n1 7 6 -1\n0 1 0\n");
	free(out);
}
END_TEST

START_TEST(test_codegen_void_main_exits_with_zero)
{
	char *out;
	ck_assert_int_eq(run("int f() { return 99; }\nvoid main() { print(\"%d\\n\", f()); }", &out), 0);
	ck_assert_str_eq(out, "99\n");
	free(out);
}
END_TEST

START_TEST(test_codegen_runs_deep_expressions)
{
	/* Deep enough to run out of registers and spill. */
	char *out;
	run("int f(int x) { return x + 1; }\n"
	    "int main() {\n"
	    "  int a = 1, b = 2, c = 3;\n"
	    "  int r = a + (b + (c + (a + (b + (c + (a + (b + (c + f(a + (b * (c - f(a))))))))))));\n"
	    "  int s = ((((a * b) * (c * a)) * ((b * c) * (a * b))) * (((c * a) * (b * c)) * ((a * b) * (c * a))));\n"
	    "  print(\"%d %d\\n\", r, s);\n"
	    "  return 0;\n"
	    "}\n", &out);
	ck_assert_str_eq(out, "22 7776\n");
	free(out);
}
END_TEST

START_TEST(test_codegen_runs_pointers_arrays_and_assignments)
{
	char *out;
	run("int g[5] = {10, 20, 30};\n"
	    "int *gp = &g[1];\n"
	    "thread_local int t = 5;\n"
	    "int main() {\n"
	    "  int a[4] = {1, 2};\n"
	    "  int *p = a;\n"
	    "  *(p + 2) = 7;\n"
	    "  p[3] = a[0] + a[1];\n"
	    "  p++; p += 1;\n"
	    "  int i = 3;\n"
	    "  g[i] = *p * 2;\n"
	    "  g[i + 1] = a[3];\n"
	    "  int x = 4; x *= 3; x -= 2; x /= 5; x <<= 3; x %= 7; x |= 8; x &= 12; x ^= 1; x >>= 1;\n"
	    "  int y = x++; int z = --x;\n"
	    "  int *q = &t; *q += 1;\n"
	    "  print(\"%d %d %d %d %d\\n\", a[2], a[3], p - a, g[3], g[4]);\n"
	    "  print(\"%d %d %d %d %d\\n\", x, y, z, *gp, t);\n"
	    "  return 0;\n"
	    "}\n", &out);
	ck_assert_str_eq(out, "7 3 2 14 3\n4 4 4 20 6\n");
	free(out);
}
END_TEST

START_TEST(test_codegen_runs_calls_through_values)
{
	char *out;
	run("int twice(int x) { return 2 * x; }\n"
	    "int apply(int f, int x) { return f(x); }\n"
	    "int table[2];\n"
	    "int main() {\n"
	    "  table[1] = twice;\n"
	    "  int h = table[1];\n"
	    "  print(\"%d %d\\n\", apply(twice, 21), h(5) + apply(h, 1));\n"
	    "  return 0;\n"
	    "}\n", &out);
	ck_assert_str_eq(out, "42 12\n");
	free(out);
}
END_TEST

START_TEST(test_codegen_semaphore_arrays_start_at_their_counts)
{
	struct scenario *sc = compile_str("semaphore ss[3] = {3, 4}; int main() { return 0; }", NULL);
	const struct image *img = sc->image;
	const struct img_sym *ss = image_sym_named(img, "ss");
	int64_t w[6];
	ck_assert_uint_eq(ss->size, 48);
	memcpy(w, img->data + (ss->addr - DATA_BASE), sizeof w);
	ck_assert_int_eq(w[0], 3);      /* ss[0]: count 3 */
	ck_assert_int_eq(w[1], 0);
	ck_assert_int_eq(w[2], 4);      /* ss[1]: count 4 */
	ck_assert_int_eq(w[3], 0);
	ck_assert_int_eq(w[4], 0);      /* ss[2]: count 0 */
	scenario_free(sc);
}
END_TEST

START_TEST(test_codegen_a_char_is_a_byte_load_and_store)
{
	/* as a statement: its value is not needed */
	char *got = insns_of("char c;\nvoid w() { c = c + 1; }\nint main() { w(); return 0; }", "w");
	ck_assert_str_eq(got,
		"push fp\n"
		"mov  fp, sp\n"
		"ldb  r0, [0x600000]\n"
		"add  r0, r0, 1\n"
		"stb  [0x600000], r0\n"
		"mov  sp, fp\n"
		"pop  fp\n"
		"ret\n");
	free(got);
	/* as a value: what the char holds, its low byte sign-extended */
	got = insns_of("char c;\nint w(int v) { return c = v; }\nint main() { return 0; }", "w");
	ck_assert_str_eq(got,
		"push fp\n"
		"mov  fp, sp\n"
		"ld   r0, [fp+16]\n"
		"stb  [0x600000], r0\n"
		"shl  r0, r0, 56\n"
		"shr  r0, r0, 56\n"
		"mov  sp, fp\n"
		"pop  fp\n"
		"ret\n");
	free(got);
}
END_TEST

START_TEST(test_codegen_a_field_is_an_offset)
{
	char *got = insns_of("struct pair { char tag; int n; };\nstruct pair g;\n"
			     "void w(struct pair *p) { p->n = g.tag; }\nint main() { return 0; }", "w");
	ck_assert_str_eq(got,
		"push fp\n"
		"mov  fp, sp\n"
		"ldb  r0, [0x600000]\n"
		"ld   r1, [fp+16]\n"
		"st   [r1+8], r0\n"
		"mov  sp, fp\n"
		"pop  fp\n"
		"ret\n");
	free(got);
}
END_TEST

START_TEST(test_codegen_pointers_step_by_their_element)
{
	char *got = insns_of("struct big { int a[3]; };\n"
			     "int w(char *c, struct big *b, int i) { return (c + i - c) + (b + i - b); }\n"
			     "int main() { return 0; }", "w");
	ck_assert_ptr_nonnull(strstr(got, "mul  r2, r2, 24\n"));
	ck_assert_ptr_nonnull(strstr(got, "div  r1, r1, 24\n"));
	ck_assert_ptr_null(strstr(got, "mul  r1, r1, 1\n"));
	free(got);
}
END_TEST

START_TEST(test_codegen_runs_chars_and_structs)
{
	char *out;
	int64_t code = run(
		"struct point { char tag; int x; char name[5]; };\n"
		"struct point pts[3];\n"
		"char hello[] = \"hello\";\n"
		"char bytes[4] = { 'a', -1, 127 };\n"
		"int main() {\n"
		"  char buf[6] = \"abc\";\n"
		"  struct point p;\n"
		"  struct point *q = pts + 1;\n"
		"  p.x = 300; p.tag = 300 - 200;\n"
		"  q->name[0] = 'z'; q->name[1] = 0;\n"
		"  char c = 127; c++;\n"
		"  char *s = hello + 1;\n"
		"  print(\"%d %d %d %d %d %d %d %d %d\\n\", p.x, p.tag, pts[1].name[0], buf[0], buf[1], buf[2], buf[5], c, *s);\n"
		"  print(\"%d %d %d %d %d\\n\", bytes[0], bytes[1], bytes[2], bytes[3], sizeof pts);\n"
		"  return sizeof(struct point);\n"
		"}\n", &out);
	ck_assert_int_eq(code, 24);
	ck_assert_str_eq(out, "300 100 122 97 98 99 0 -128 101\n97 -1 127 0 72\n");
	free(out);
}
END_TEST

START_TEST(test_codegen_runs_sizeof_and_address_constants)
{
	char *out;
	run("int a[4] = {5, 6, 7, 8}; int *third = 2 + &a[0]; int *end = a + 4; mutex m;\n"
	    "int id(int x) { return x; }\n"
	    "int main() { int f = id;\n"
	    "  print(\"%d %d %d %d %d\\n\", sizeof(int), sizeof a, sizeof(m), *third, end - a);\n"
	    "  print(\"%d\\n\", (*f)(9));\n"
	    "  return 0; }\n", &out);
	ck_assert_str_eq(out, "8 32 16 7 4\n9\n");
	free(out);
}
END_TEST

START_TEST(test_codegen_symbol_lookup_by_address)
{
	struct scenario *sc = compile_str(
		"int a = 1; int arr[4]; thread_local int t1; thread_local int t2[2]; const int K = 3;\n"
		"mutex locks[2];\nint main() { return 0; }", NULL);
	const struct image *img = sc->image;
	struct buf b = { 0 };
	const uint64_t arr = image_sym_named(img, "arr")->addr;
	ck_assert(image_describe(img, arr + 16, 0, &b));
	ck_assert_str_eq(b.s, "arr[2]");
	b.len = 0;
	ck_assert(image_describe(img, image_sym_named(img, "locks")->addr + 16, 0, &b));
	ck_assert_str_eq(b.s, "locks[1]");
	b.len = 0;
	ck_assert(image_describe(img, image_sym_named(img, "t2")->addr + 8, 1, &b));
	ck_assert_str_eq(b.s, "t2[1]");
	b.len = 0;
	ck_assert(image_describe(img, img->main_addr + 4, 0, &b));
	ck_assert_str_eq(b.s, "main+4");
	ck_assert_str_eq(image_sym_at(img, RODATA_BASE, 0)->name, "K");
	ck_assert_str_eq(image_sym_at(img, 0, 1)->name, "t1");
	ck_assert_ptr_null(image_sym_at(img, arr + 32 + 4096, 0));
	ck_assert_ptr_null(image_sym_at(img, DATA_BASE - 8, 0));
	ck_assert_ptr_null(image_sym_at(img, 24, 1));
	buf_free(&b);
	size_t len;
	const char *line = scenario_line(sc, 2, &len);
	ck_assert_int_eq(len, 15);
	ck_assert_mem_eq(line, "mutex locks[2];", 15);
	ck_assert_ptr_null(scenario_line(sc, 4, &len));
	scenario_free(sc);
}
END_TEST

/* Fail the 1st, 2nd, ... allocation of a compilation in turn: each time
 * the result is a clean "out of memory" error.  That nothing leaks is for
 * the leak checkers to say: .ci/run runs this suite under valgrind, and
 * the sanitizer build under LeakSanitizer. */
static void fail_every_allocation(const char *src)
{
	struct diags d;
	for (long n = 1;; n++) {
		alloc_fail_at(n);
		struct scenario *sc = scenario_compile("t.scn", src, strlen(src), &d);
		if (alloc_fail_at(0) > 0) {
			/* the compilation needed fewer than n allocations */
			ck_assert_int_gt(n, 1);
			scenario_free(sc);
			diags_free(&d);
			return;
		}
		ck_assert_ptr_null(sc);
		ck_assert_uint_eq(d.n, 1);
		ck_assert_str_eq(d.v[0].msg, "out of memory");
		diags_free(&d);
	}
}

START_TEST(test_codegen_every_allocation_may_fail)
{
	fail_every_allocation(bundled_scenarios[0].text);
	/* and a scenario with errors and a warning */
	fail_every_allocation("#note line 1 \"w\"\nint main() { x = 1; return y; }\n");
	fail_every_allocation("int main() { int = ; }\n");
}
END_TEST

START_TEST(test_codegen_expect_conditions_are_functions)
{
	struct scenario *sc = compile_str("#expect x == 2\nint x = 2;\nint main() { return 0; }", NULL);
	ck_assert_uint_eq(sc->nexpects, 1);
	ck_assert_str_eq(sc->expects[0].text, "x == 2");
	const struct img_func *f = image_func_at(sc->image, sc->expects[0].func);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->name, "expect@1");
	ck_assert_uint_eq(f->addr, sc->expects[0].func);
	scenario_free(sc);
}
END_TEST

Suite *codegen_suite(void)
{
	Suite *s = suite_create("codegen");
	TCase *tc = tcase_create("codegen");
	tcase_add_test(tc, test_codegen_counter_increment_is_load_add_store);
	tcase_add_test(tc, test_codegen_closure_made_and_entered);
	tcase_add_test(tc, test_codegen_frame_params_locals_tls);
	tcase_add_test(tc, test_codegen_call_pushes_arguments_right_to_left);
	tcase_add_test(tc, test_codegen_runtime_stubs);
	tcase_add_test(tc, test_codegen_layout_of_globals);
	tcase_add_test(tc, test_codegen_line_table_and_frames);
	tcase_add_test(tc, test_codegen_encoding_round_trips);
	tcase_add_test(tc, test_codegen_runs_arithmetic_and_control_flow);
	tcase_add_test(tc, test_codegen_runs_deep_expressions);
	tcase_add_test(tc, test_codegen_void_main_exits_with_zero);
	tcase_add_test(tc, test_codegen_runs_pointers_arrays_and_assignments);
	tcase_add_test(tc, test_codegen_runs_calls_through_values);
	tcase_add_test(tc, test_codegen_expect_conditions_are_functions);
	tcase_add_test(tc, test_codegen_symbol_lookup_by_address);
	tcase_add_test(tc, test_codegen_every_allocation_may_fail);
	tcase_add_test(tc, test_codegen_semaphore_arrays_start_at_their_counts);
	tcase_add_test(tc, test_codegen_runs_sizeof_and_address_constants);
	tcase_add_test(tc, test_codegen_a_char_is_a_byte_load_and_store);
	tcase_add_test(tc, test_codegen_a_field_is_an_offset);
	tcase_add_test(tc, test_codegen_pointers_step_by_their_element);
	tcase_add_test(tc, test_codegen_runs_chars_and_structs);
	suite_add_tcase(s, tc);
	return s;
}
