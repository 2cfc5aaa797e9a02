/* image: the compiled program as the machine loads it — code (decoded
 * instructions and their 4-byte encodings), rodata, data, bss, the TLS
 * template, the symbol table, per-function frame layouts and the line
 * table.  The compiler builds it; the simulator, the disassembler and
 * the UI read it. */
#ifndef THREADLAB_IMAGE_H
#define THREADLAB_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "../sim/isa.h"

/* Where the segments start: Linux-like, non-PIE. */
#define CODE_BASE   0x400000u
#define RODATA_BASE 0x500000u
#define DATA_BASE   0x600000u
#define SEGMENT_MAX 0x100000u   /* each of code, rodata, data+bss */

enum seg { SEG_CODE, SEG_RODATA, SEG_DATA, SEG_BSS, SEG_TLS };

enum sym_kind {
	SYM_FUNC,       /* a function */
	SYM_VAR,        /* a global variable */
	SYM_CONST,      /* a const global */
	SYM_TLS,        /* a thread_local variable (addr: offset in the block) */
	SYM_MUTEX, SYM_SEM, SYM_COND,
	SYM_STRING,     /* a string literal */
	SYM_POOL,       /* the literal pool */
};

struct img_sym {
	char *name;
	enum sym_kind kind;
	enum seg seg;
	uint64_t addr, size;
	char *type;             /* as C writes it: "int", "int[4]", "mutex" */
	int line;               /* where it is declared; 0 for the runtime's */
};

/* A parameter or local variable: where it lives in the frame. */
struct img_var {
	char *name;
	char *type;
	int64_t offset;         /* from fp: parameters above, locals below */
	uint64_t size;
	uint64_t lo, hi;        /* code addresses where it is in scope */
	int is_param;
};

struct img_func {
	char *name;
	uint64_t addr, end;     /* [addr, end) */
	int nparams;
	int64_t frame_size;     /* bytes of locals below fp */
	int returns_value;
	int line;               /* 0 for the runtime's own code */
	struct img_var *vars;
	size_t nvars;
	int64_t env_offset;     /* a nested function's: where its env local is (0: none) */
	char **captures;        /* ... and the names of the variables it captures, */
	size_t ncaptures;       /* in the order of the environment's values */
};

/* A field of a struct or union, as the memory panel shows it. */
struct img_field {
	char *name;
	char *type;             /* "int", "char[5]", "union epoll_data" */
	uint64_t offset, size;
};

/* A named struct or union: its type as C writes it and its fields. */
struct img_struct {
	char *type;             /* "struct epoll_event" */
	struct img_field *fields;
	size_t nfields;
	int is_union;
};

struct image {
	/* code: instruction i is at CODE_BASE + 4*i */
	struct insn *code;
	uint32_t *words;        /* the encoding the code segment holds */
	int *lines;             /* source line of each instruction (0: none) */
	size_t ncode;

	uint8_t *rodata;        /* constants, strings, then the literal pool */
	size_t rodata_size;
	uint64_t pool_addr;
	int64_t *pool;
	size_t npool;

	uint8_t *data;          /* initialised globals, from DATA_BASE */
	size_t data_size;
	uint64_t bss_addr;      /* zeroed globals follow the data */
	size_t bss_size;

	uint8_t *tls;           /* template of one thread's TLS block */
	size_t tls_size;

	struct img_sym *syms;   /* sorted by segment, then address */
	size_t nsyms;
	struct img_func *funcs; /* sorted by address */
	size_t nfuncs;
	struct img_struct *structs;     /* the named structs and unions */
	size_t nstructs;

	uint64_t entry;         /* _start: calls main, then exit */
	uint64_t thread_exit;   /* where a spawned thread's entry returns */
	uint64_t co_return;     /* where a coroutine's function returns (0: the
				 * program creates no coroutine) */
	uint64_t go_worker;     /* the runtime's worker loop (0: the program
				 * never calls go; see runtime.h) */
	uint64_t main_addr;
	int64_t errno_off;      /* the thread_local errno's offset in the TLS
				 * block (-1: the program has none) */
};

void image_free(struct image *img);

/* The instruction at addr, or NULL when addr holds none. */
const struct insn *image_insn(const struct image *img, uint64_t addr);
/* Source line of the instruction at addr (0 when none). */
int image_line(const struct image *img, uint64_t addr);
/* The function whose code holds addr, or NULL. */
const struct img_func *image_func_at(const struct image *img, uint64_t addr);
/* The symbol (not a function's local) whose storage holds addr, or NULL.
 * tls: look among thread_local offsets instead of addresses. */
const struct img_sym *image_sym_at(const struct image *img, uint64_t addr, int tls);
/* The symbol named name, or NULL. */
const struct img_sym *image_sym_named(const struct image *img, const char *name);
/* The struct or union of this type ("struct epoll_event"), or NULL. */
const struct img_struct *image_struct_named(const struct image *img, const char *type);
/* Name the byte off bytes into the object name of type type (size
 * bytes): "buf", "buf[3]" for an array's element, "ev+8" otherwise. */
void image_name_part(struct buf *out, const char *name, const char *type, uint64_t size,
		     uint64_t off);
/* Append a name for addr ("counter", "buf[2]", "main+8", ".str1");
 * 0 (and nothing appended) when no symbol holds it. */
int image_describe(const struct image *img, uint64_t addr, int tls, struct buf *out);
/* The frame variable of f at fp offset off, in scope at pc, or NULL. */
const struct img_var *image_var_at(const struct img_func *f, int64_t off, uint64_t pc);

#endif
