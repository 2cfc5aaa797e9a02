/* test_sema: name resolution, types and the semantic rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "lang/codegen.h"
#include "lang/parse.h"
#include "lang/sema.h"
#include "sim/epoll_layout.h"

/* Each case: a program and the first diagnostic it must give. */
static const struct {
	const char *src, *want;
} errors[] = {
	{ "int main() { return x; }",
	  "t.scn:1:21: error: 'x' is not declared" },
	{ "int x; int x; int main() { return 0; }",
	  "t.scn:1:12: error: redefinition of 'x' (first defined at line 1)" },
	{ "int main() { int a; int a; return 0; }",
	  "t.scn:1:25: error: redefinition of 'a' (first defined at line 1)" },
	{ "void print() {} int main() { return 0; }",
	  "t.scn:1:6: error: 'print' is a builtin and cannot be redefined" },
	{ "int f(int a) { return a; } int main() { return f(1, 2); }",
	  "t.scn:1:48: error: 'f' takes 1 argument, but 2 were given" },
	{ "const int N = 3; int main() { N = 4; return 0; }",
	  "t.scn:1:31: error: cannot assign to 'N': it is const" },
	{ "int main() { 3 = 4; return 0; }",
	  "t.scn:1:14: error: assignment needs a variable, an element or '*pointer'; this expression is not assignable" },
	{ "int main() { int a[2]; int b[2]; a = b; return 0; }",
	  "t.scn:1:34: error: cannot assign to an array" },
	{ "int main() { break; }",
	  "t.scn:1:14: error: 'break' outside a loop" },
	{ "int main() { continue; }",
	  "t.scn:1:14: error: 'continue' outside a loop" },
	{ "void f() {} int main() { int x = f(); return x; }",
	  "t.scn:1:34: error: 'f' returns void; its result cannot be used" },
	{ "void f() { return 1; } int main() { return 0; }",
	  "t.scn:1:12: error: 'f' returns void; 'return' cannot give it a value" },
	{ "int f() { return; } int main() { return 0; }",
	  "t.scn:1:11: error: 'f' returns int; 'return' needs a value" },
	{ "int x; int main() { lock(x); return 0; }",
	  "t.scn:1:26: error: lock expects a mutex, but 'x' is of type int" },
	{ "semaphore s; int main() { lock(s); return 0; }",
	  "t.scn:1:32: error: lock expects a mutex, but 's' is a semaphore" },
	{ "mutex m; int main() { sem_post(m); return 0; }",
	  "t.scn:1:32: error: sem_post expects a semaphore, but 'm' is a mutex" },
	{ "mutex m; int main() { int x = m; return x; }",
	  "t.scn:1:31: error: a mutex has no value; pass it by name to its builtins" },
	{ "int main() { print(\"%d %d\\n\", 1); return 0; }",
	  "t.scn:1:20: error: the format has 2 conversions but 1 value follows" },
	{ "int main() { print(\"%q\\n\", 1); return 0; }",
	  "t.scn:1:20: error: unknown conversion '%q' in format (use %d, %x, %p, %c, %s or %%)" },
	{ "int x; int main() { print(x); return 0; }",
	  "t.scn:1:27: error: print's first argument must be a string literal" },
	{ "int main() { int p = \"s\"; return 0; }",
	  "t.scn:1:22: error: a string literal can only be print's format" },
	{ "int main() { socket(); return 0; }",
	  "t.scn:1:14: error: 'socket' is not yet supported in this version of threadlab" },
	{ "int main() { go_next(); return 0; }",
	  "t.scn:1:14: error: 'go_next' is reserved for the runtime" },
	{ "int main() { thread_exit(0); return 0; }",
	  "t.scn:1:14: error: 'thread_exit' is reserved for the runtime" },
	{ "void w(int a) {} int main() { spawn(w); return 0; }",
	  "t.scn:1:37: error: 'w' takes 1 argument, but spawn passes 0" },
	{ "int main() { join(); return 0; }",
	  "t.scn:1:14: error: join takes 1 argument, but 0 were given" },
	{ "int main() { int x = print; return 0; }",
	  "t.scn:1:22: error: builtin 'print' can only be called, not used as a value" },
	{ "int main() { int x; return *x; }",
	  "t.scn:1:28: error: cannot dereference int; only a pointer can be (declare it 'int *')" },
	{ "int main() { int x; return x[1]; }",
	  "t.scn:1:28: error: cannot index int; only an array or a pointer can be" },
	{ "int main() { return &3; }",
	  "t.scn:1:21: error: '&' needs a variable or an element; this expression has no address" },
	{ "int y; int x = y; int main() { return 0; }",
	  "t.scn:1:16: error: the initializer of global 'x' must be a constant" },
	{ "int n = 3; int a[n]; int main() { return 0; }",
	  "t.scn:1:18: error: the length of array 'a' must be a constant" },
	{ "int a[0]; int main() { return 0; }",
	  "t.scn:1:7: error: the length of array 'a' must be between 1 and 65536, not 0" },
	{ "int a[]; int main() { return 0; }",
	  "t.scn:1:5: error: array 'a' needs a length" },
	{ "int a[2] = {1, 2, 3}; int main() { return 0; }",
	  "t.scn:1:12: error: too many initializers for 'a' (3 for 2 elements)" },
	{ "int a[2] = 5; int main() { return 0; }",
	  "t.scn:1:12: error: array 'a' must be initialised with a '{...}' list" },
	{ "int x = {1}; int main() { return 0; }",
	  "t.scn:1:9: error: a '{...}' list can only initialise an array" },
	{ "void v; int main() { return 0; }",
	  "t.scn:1:6: error: variable 'v' cannot have type void" },
	{ "mutex *p; int main() { return 0; }",
	  "t.scn:1:8: error: there are no pointers to a mutex; use it by name" },
	{ "int main() { mutex m; return 0; }",
	  "t.scn:1:20: error: a mutex must be a global variable" },
	{ "const mutex m; int main() { return 0; }",
	  "t.scn:1:13: error: a mutex cannot be const" },
	{ "mutex m = 1; int main() { return 0; }",
	  "t.scn:1:11: error: a mutex cannot have an initializer" },
	{ "semaphore s = -1; int main() { return 0; }",
	  "t.scn:1:15: error: a semaphore starts at a count of 0 or more" },
	{ "int main() { thread_local int t; return 0; }",
	  "t.scn:1:31: error: thread_local is only for global variables" },
	{ "const int c; int main() { return 0; }",
	  "t.scn:1:11: error: const 'c' needs an initializer" },
	{ "const int A = B; const int B = A; int main() { return 0; }",
	  "t.scn:1:32: error: 'A' is defined in terms of itself" },
	{ "const int Z = 1 / 0; int main() { return 0; }",
	  "t.scn:1:17: error: division by zero in a constant expression" },
	{ "int x;",
	  "t.scn: error: no 'main' function: a scenario's program starts at main()" },
	{ "int main(int a) { return 0; }",
	  "t.scn:1:5: error: 'main' takes no parameters" },
	{ "int f(int a[2]) { return 0; } int main() { return 0; }",
	  "t.scn:1:11: error: parameter 'a' cannot be an array; pass a pointer ('int *a')" },
	{ "int main() { int *p; int *q; return p + q; }",
	  "t.scn:1:39: error: cannot add two pointers" },
	{ "int main() { int *p; return 1 - p; }",
	  "t.scn:1:31: error: cannot subtract a pointer from an int" },
	{ "#note line 9 \"x\"\nint main() { return 0; }",
	  "t.scn:1:1: error: '#note line 9': the file has only 2 lines" },
	{ "#expect nope == 1\nint main() { return 0; }",
	  "t.scn:1:9: error: 'nope' is not declared" },
	{ "int main() { int x; x(); return 0; }",
	  "" },
	{ "void _start() {} int main() { return 0; }",
	  "t.scn:1:6: error: '_start' is reserved for the runtime" },
	{ "const int A[2] = {1, 2}; int main() { A[0] = 5; return 0; }",
	  "t.scn:1:39: error: cannot assign to an element of 'A': it is const" },
	{ "void run(void (*cb)(int)) {} int main() { return 0; }",
	  "t.scn:1:15: error: there are no function pointer types: a function value is an int (declare 'int cb' and call it as cb(x))" },
	{ "int main() { return sizeof(void); }",
	  "t.scn:1:21: error: sizeof needs an object, not void" },
	{ "mutex m; void f(mutex m) {} int main() { return 0; }",
	  "t.scn:1:23: error: a mutex cannot be a parameter; use the global by name" },
	{ "semaphore ss[2] = {1, -1}; int main() { return 0; }",
	  "t.scn:1:23: error: a semaphore starts at a count of 0 or more" },
	{ "#expect calls == 3\nthread_local int calls;\nint main() { return 0; }",
	  "t.scn:1:9: error: 'calls' is thread_local: each thread has its own, so #expect cannot check it" },
	{ "int x; int *p = &(&x)[1]; int main() { return 0; }",
	  "t.scn:1:17: error: the initializer of global 'p' must be a constant" },
	{ "int a[4]; int *p = &(a + 1)[1]; int main() { return 0; }",
	  "t.scn:1:20: error: the initializer of global 'p' must be a constant" },
	{ "mutex forks[2]; int *p = forks; int main() { return 0; }",
	  "t.scn:1:26: error: an array of mutexes has no value; pass its elements by name, as in lock(forks[i])" },
	{ "mutex forks[2]; int main() { int *p = forks + 1; return 0; }",
	  "t.scn:1:39: error: an array of mutexes has no value; pass its elements by name, as in lock(forks[i])" },
	{ "mutex **f() { return 0; } int main() { return 0; }",
	  "t.scn:1:9: error: 'f' cannot return a pointer to a mutex" },
	{ "int long = 3; int main() { return 0; }",
	  "t.scn:1:5: error: 'long' is not part of the scenario language (types: int, char, void, struct, union, mutex, semaphore, cond; see threadlab-scenario(5))" },
	{ "int main() { return sizeof(short); }",
	  "t.scn:1:28: error: 'short' is not part of the scenario language (types: int, char, void, struct, union, mutex, semaphore, cond; see threadlab-scenario(5))" },
	{ "void f() {} int main() { return f() ? 1 : 2; }",
	  "t.scn:1:33: error: 'f' returns void; its result cannot be used" },
	/* closures */
	{ "int main() { int a[2]; int f() { return a[0]; } return 0; }",
	  "t.scn:1:41: error: 'f' cannot capture the array 'a' of 'main': a closure captures ints, chars and pointers (capture a pointer to it instead)" },
	{ "int main() { int g() { return g; } return 0; }",
	  "t.scn:1:31: error: 'g' cannot use its own name: a nested function cannot call itself or make a closure of itself" },
	{ "int main() { int g() { return 1; } return g(); }",
	  "t.scn:1:43: error: 'g' is a nested function: make its closure first ('int f = g;') and call that (f(...))" },
	{ "int main() { int a() { return 1; } int b() { return a; } return 0; }",
	  "t.scn:1:53: error: only 'main' can make a closure of 'a', the function nested in it" },
	{ "int o() { int g() { return 1; } return g; } int main() { return g(); }",
	  "t.scn:1:65: error: 'g' is not declared" },
	{ "int main() { int f() { return x; } int x = 1; return 0; }",
	  "t.scn:1:31: error: 'x' is not declared" },
	{ "int main() { const int k = 1; int f() { k = 2; return k; } return 0; }",
	  "t.scn:1:41: error: cannot assign to 'k': it is const" },
	{ "int main() { int f() { return 1; } int f = 2; return 0; }",
	  "t.scn:1:40: error: redefinition of 'f' (first defined at line 1)" },
	{ "int main() { int make_closure = 1; return 0; }",
	  "t.scn:1:18: error: 'make_closure' is a builtin and cannot be redefined" },
	{ "int main() { int a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8,i=9,j=10,k=11,l=12,m=13,n=14;\n"
	  " int z() { return a+b+c+d+e+f+g+h+i+j+k+l+m+n; } return 0; }",
	  "t.scn:2:45: error: 'z' would capture 'n', but a closure captures at most 13 variables" },
	/* chars, structs, unions */
	{ "struct p { int x; }; int main() { struct p a; return a.y; }",
	  "t.scn:1:55: error: 'struct p' has no field 'y'" },
	{ "int main() { int n = 0; return n.x; }",
	  "t.scn:1:33: error: '.' needs a struct on its left, but this is of type int" },
	{ "struct p { int x; }; int main() { struct p a; return a->x; }",
	  "t.scn:1:55: error: '->' needs a pointer to a struct on its left, but this is of type struct p (use '.')" },
	{ "int main() { struct q *p = 0; return p->x; }",
	  "t.scn:1:39: error: 'struct q' is incomplete: its fields are not known" },
	{ "int main() { struct q v; return 0; }",
	  "t.scn:1:23: error: unknown struct 'q': no such struct is defined" },
	{ "struct q; int main() { return sizeof(struct q); }",
	  "t.scn:1:31: error: sizeof of an incomplete type 'struct q': its fields are never given" },
	{ "struct p { int x; }; struct p { int y; }; int main() { return 0; }",
	  "t.scn:1:29: error: redefinition of 'struct p' (first defined at line 1)" },
	{ "int main() { char c = 128; return c; }",
	  "t.scn:1:23: error: 128 does not fit in a char (-128 to 127)" },
	{ "struct p { int x; }; int main() { struct p a, b; a = b; return 0; }",
	  "t.scn:1:50: error: cannot assign a whole struct p: assign its fields one by one" },
	{ "struct p { int x; }; int main() { struct p a; return a + 1; }",
	  "t.scn:1:54: error: a struct p has no value as a whole: use its fields, or its address with '&'" },
	{ "struct l { int v; struct l next; }; int main() { return 0; }",
	  "t.scn:1:28: error: field 'next' cannot hold the struct l it is in (a pointer to it can)" },
	{ "struct g { mutex m; }; int main() { return 0; }",
	  "t.scn:1:18: error: field 'm': a mutex must be a global variable of its own, not in a struct" },
	{ "struct p { int x; int x; }; int main() { return 0; }",
	  "t.scn:1:23: error: duplicate field 'x' (first at line 1)" },
	{ "char s[2] = \"abc\"; int main() { return 0; }",
	  "t.scn:1:13: error: the string is 3 bytes, too long for 's' (2 bytes)" },
	{ "int s[4] = \"abc\"; int main() { return 0; }",
	  "t.scn:1:12: error: only a char array can be initialised with a string" },
};

START_TEST(test_sema_error_table)
{
	char *got = first_error(errors[_i].src);
	ck_assert_msg(strcmp(got, errors[_i].want) == 0, "case %d: %s\n  want: %s\n  got:  %s", _i,
		      errors[_i].src, errors[_i].want, got);
	free(got);
}
END_TEST

/* Programs that must compile without a diagnostic. */
static const char *const valid[] = {
	/* the DESIGN.md example */
	"int counter = 0;\nconst int ROUNDS = 3;\nthread_local int calls;\nmutex m;\n"
	"void worker(int n) {\n for (int i = 0; i < n; i++) {\n counter++;\n calls++;\n }\n}\n"
	"int main() {\n int a = spawn(worker, ROUNDS);\n int b = spawn(worker, ROUNDS);\n"
	" join(a);\n join(b);\n print(\"counter = %d\\n\", counter);\n"
	" assert(counter == 2 * ROUNDS);\n return 0;\n}\n",
	/* function values, loose pointer/int conversion, code and rodata pointers */
	"const int LIMIT = 5;\nint twice(int x) { return 2 * x; }\n"
	"int apply(int f, int x) { return f(x); }\n"
	"int main() { int *p = main; int *q = &LIMIT; int f = twice; return apply(f, *q) + (p != 0); }",
	/* functions used before their definition, recursion */
	"int main() { return fact(5); }\nint fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }",
	/* arrays, pointers, sync arrays, semaphores, conds */
	"mutex forks[5]; semaphore slots = 2; cond ready; int buf[4] = {1, 2};\n"
	"int *p = buf; int *fp = &buf[1]; int *ep = buf + 3;\n"
	"int main() { lock(forks[2]); unlock(forks[2]); sem_wait(slots); sem_post(slots);\n"
	" cond_signal(ready); cond_broadcast(ready); int i = 1; lock(forks[i]);\n"
	" int local[3] = {7}; int *q = local; q[1] = *p + buf[1]; return q[0]; }",
	/* atomics and other builtins */
	"int x; int main() { int old = atomic_add(&x, 2); cas(&x, 2, 3); xchg(&x, 4);\n"
	" sleep(1); sched_yield(); int *h = malloc(16); free(h); return self() + old + trylock_ok(); }\n"
	"int trylock_ok() { return 0; }",
	/* shadowing in inner scopes and a for-scope */
	"int x; int main() { int x = 1; { int x = 2; } for (int x = 0; x < 2; x++) {} return x; }",
	/* sizeof, (*f)(x), a const array read, global address arithmetic */
	"int a[4]; int *end = a + 4; int *third = &a[2]; const int K[2] = {1, 2};\n"
	"int id(int x) { return x; }\n"
	"int main() { int f = id; int *h = malloc(3 * sizeof(int)); return (*f)(sizeof a) + sizeof h + K[1]; }",
	/* closures: captures of parameters and locals, a shadowing parameter,
	 * a counter's assignment, spawn and coroutine of a closure, &inner */
	"int make(int start, int step) {\n int count = start;\n"
	" int next(int step) { count += step; return count; }\n return next;\n}\n"
	"int main() { int c = make(1, 2); int t = spawn(c, 1); join(t);\n"
	" int base = 3; int add(int x) { return base + x; } int h = coroutine(add, 1);\n"
	" int g = &add; return c(1) + resume(h, 0) + g(1); }",
	/* void ternary and compound assignment on pointers */
	"int a[4]; void f() {} void g() {} int main() { int *p = a; p += 2; p -= 1; 1 ? f() : g(); return p - a; }",
};

START_TEST(test_sema_valid_programs)
{
	char *got = first_error(valid[_i]);
	ck_assert_msg(got[0] == '\0', "case %d: unexpected %s", _i, got);
	free(got);
}
END_TEST

/* The variables a nested function captures: only those it uses, in the
 * order of their first use, each once, as words of the environment. */
/* The layout of structs and unions: C's, with an int and a pointer 8
 * bytes; and struct epoll_event's, epoll_layout.h's. */
START_TEST(test_sema_struct_layout)
{
	const char *src =
		"struct a { char c; int n; char tail[3]; };\n"     /* 0, 8, 16..19 -> 24 */
		"struct b { char x; char y; };\n"                   /* 0, 1 -> 2 */
		"struct c { struct b in; char z; struct a *p; };\n" /* 0, 2, 8 -> 16 */
		"union d { char b[9]; int n; };\n"                  /* 16, align 8 */
		"int main() { return 0; }";
	struct program prog = { 0 };
	struct diags d;
	diags_init(&d, "t.scn", src, strlen(src));
	parse_program(&prog, src, strlen(src), &d);
	ck_assert_int_eq(sema_check(&prog, &d, 5), 0);
	static const struct { const char *tag, *field; int64_t off, size, align; } want[] = {
		{ "a", "tail", 16, 24, 8 }, { "b", "y", 1, 2, 1 }, { "c", "p", 8, 16, 8 },
		{ "c", "z", 2, 16, 8 }, { "d", "n", 0, 16, 8 },
		{ "epoll_event", "events", EPOLL_EVENT_EVENTS, EPOLL_EVENT_SIZE, 8 },
		{ "epoll_event", "data", EPOLL_EVENT_DATA, EPOLL_EVENT_SIZE, 8 },
	};
	for (size_t i = 0; i < ARRAY_LEN(want); i++) {
		struct sdef *sd = NULL;
		for (struct sdef *t = prog.structs; t; t = t->next)
			if (t->tag && strcmp(t->tag, want[i].tag) == 0)
				sd = t;
		ck_assert_ptr_nonnull(sd);
		ck_assert_int_eq(sdef_field(sd, want[i].field)->offset, want[i].off);
		ck_assert_int_eq(sd->size, want[i].size);
		ck_assert_int_eq(sd->align, want[i].align);
	}
	program_free(&prog);
	diags_free(&d);
}
END_TEST

START_TEST(test_sema_captures_only_what_is_used)
{
	const char *src = "int g;\nint outer(int a, int b) {\n int c = 1, d = 2;\n"
			  " int inner(int a) { return d + a + b + d + g; }\n return inner;\n}\n"
			  "int main() { return outer(1, 2); }";
	struct scenario *sc = compile_str(src, NULL);
	ck_assert_ptr_nonnull(sc);
	const struct img_func *f = NULL;
	for (size_t i = 0; i < sc->image->nfuncs; i++)
		if (strcmp(sc->image->funcs[i].name, "inner") == 0)
			f = &sc->image->funcs[i];
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->ncaptures, 2);
	ck_assert_str_eq(f->captures[0], "d");
	ck_assert_str_eq(f->captures[1], "b");
	ck_assert_int_eq(f->env_offset, -8);
	ck_assert_int_eq(f->frame_size, 8);
	ck_assert_str_eq(f->vars[1].name, "env");      /* after its parameter */
	scenario_free(sc);
}
END_TEST

START_TEST(test_sema_reports_several_errors)
{
	ck_assert_int_eq(count_errors("int main() { a = 1; b = 2; break; return c; }"), 4);
}
END_TEST

START_TEST(test_sema_one_error_per_mistake)
{
	/* a wrong operand is reported once, not again by every check above it */
	ck_assert_int_eq(count_errors("int main() { nope = 1; *nope = 2; nope[1]++; lock(nope); return 0; }"), 4);
	ck_assert_int_eq(count_errors("int D = 7 / 0; int a[1 / 0]; int main() { return 0; }"), 2);
	ck_assert_int_eq(count_errors("int main() { return \"s\" + 1; }"), 1);
}
END_TEST

START_TEST(test_sema_warns_about_notes_on_lines_without_code)
{
	struct diags d;
	const char *src = "#note line 3 \"never\"\n#note line 4 \"shows\"\n\nint main() { return 0; }\n";
	struct scenario *sc = scenario_compile("t.scn", src, strlen(src), &d);
	ck_assert_ptr_nonnull(sc);
	ck_assert_int_eq(d.errors, 0);
	ck_assert_int_eq(d.warnings, 1);
	ck_assert_int_eq(d.v[0].line, 1);
	ck_assert_str_eq(d.v[0].msg, "'#note line 3': line 3 has no code, so the note would never show");
	scenario_free(sc);
	diags_free(&d);
}
END_TEST

START_TEST(test_sema_every_later_builtin_is_reserved)
{
	for (int b = 0; b < BI_COUNT; b++) {
		if (isa_builtins[b].status != LATER)
			continue;
		char src[128], want[160];
		snprintf(src, sizeof src, "int main() { %s(); return 0; }", isa_builtins[b].name);
		snprintf(want, sizeof want,
			 "t.scn:1:14: error: '%s' is not yet supported in this version of threadlab",
			 isa_builtins[b].name);
		char *got = first_error(src);
		ck_assert_str_eq(got, want);
		free(got);
	}
}
END_TEST

/* Each limit: a program right at it compiles, one past it does not. */
START_TEST(test_sema_limits)
{
	char src[256], *got;
	snprintf(src, sizeof src, "int a[%d]; int main() { return 0; }", MAX_ARRAY);
	got = first_error(src);
	ck_assert_str_eq(got, "");
	free(got);
	snprintf(src, sizeof src, "int a[%d]; int main() { return 0; }", MAX_ARRAY + 1);
	got = first_error(src);
	ck_assert_str_eq(got, "t.scn:1:7: error: the length of array 'a' must be between 1 and 65536, not 65537");
	free(got);

	snprintf(src, sizeof src, "int main() { int a[%d]; return 0; }", MAX_FRAME / 8);
	got = first_error(src);
	ck_assert_str_eq(got, "");
	free(got);
	snprintf(src, sizeof src, "int main() { int a[%d]; int b; return 0; }", MAX_FRAME / 8);
	got = first_error(src);
	ck_assert_str_eq(got, "t.scn:1:31: error: the locals of 'main' take more than 65536 bytes");
	free(got);

	snprintf(src, sizeof src, "thread_local int t[%d]; int main() { return 0; }", MAX_TLS / 8);
	got = first_error(src);
	ck_assert_str_eq(got, "");
	free(got);
	snprintf(src, sizeof src, "thread_local int t[%d]; thread_local int u; int main() { return 0; }",
		 MAX_TLS / 8);
	got = first_error(src);
	ck_assert_str_eq(got, "t.scn: error: program too large: more than 65536 bytes of thread_local variables");
	free(got);
}
END_TEST

/* Constant folding and '?:' checking visit each node once: long chains
 * compile at once instead of taking exponential time. */
START_TEST(test_sema_long_constant_chains)
{
	struct buf b = { 0 };
	buf_puts(&b, "const int K = 1; int g = 0 && 1 / 0; int s = 1");
	for (int i = 0; i < 60; i++)
		buf_puts(&b, " + K - 1 + 1");
	buf_puts(&b, ";\nint main() { int x = 1; return x");
	for (int i = 0; i < 60; i++)
		buf_printf(&b, " ? %d : x", i);
	buf_puts(&b, "; }");
	struct scenario *sc = compile_str(b.s, NULL);
	ck_assert_ptr_nonnull(sc);
	int64_t v;
	const struct img_sym *s = image_sym_named(sc->image, "s");
	memcpy(&v, sc->image->data + (s->addr - DATA_BASE), 8);
	ck_assert_int_eq(v, 61);
	scenario_free(sc);
	buf_free(&b);
}
END_TEST

/* More distinct wide constants than the literal pool can index. */
START_TEST(test_sema_literal_pool_limit)
{
	struct buf b = { 0 };
	buf_puts(&b, "int main() { int x;\n");
	for (int i = 0; i <= MAX_POOL; i++)
		buf_printf(&b, "x=%d;\n", 100000 + i);
	buf_puts(&b, "return x; }\n");
	char *got = first_error(b.s);
	ck_assert_str_eq(got, "t.scn: error: program too large: more than 65536 distinct constants that do not fit in an instruction");
	free(got);
	buf_free(&b);
}
END_TEST

Suite *sema_suite(void)
{
	Suite *s = suite_create("sema");
	TCase *tc = tcase_create("sema");
	tcase_add_loop_test(tc, test_sema_error_table, 0, (int)(sizeof errors / sizeof *errors));
	tcase_add_loop_test(tc, test_sema_valid_programs, 0, (int)(sizeof valid / sizeof *valid));
	tcase_add_test(tc, test_sema_reports_several_errors);
	tcase_add_test(tc, test_sema_captures_only_what_is_used);
	tcase_add_test(tc, test_sema_struct_layout);
	tcase_add_test(tc, test_sema_one_error_per_mistake);
	tcase_add_test(tc, test_sema_limits);
	tcase_add_test(tc, test_sema_long_constant_chains);
	tcase_add_test(tc, test_sema_literal_pool_limit);
	tcase_add_test(tc, test_sema_warns_about_notes_on_lines_without_code);
	tcase_add_test(tc, test_sema_every_later_builtin_is_reserved);
	suite_add_tcase(s, tc);
	return s;
}
