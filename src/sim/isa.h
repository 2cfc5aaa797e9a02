/* isa: the simulated CPU's instruction set — opcodes, registers, the
 * builtin (system call) numbers, and the 4-byte encoding of an
 * instruction.  The compiler emits these instructions and the CPU
 * executes them; both read this one table. */
#ifndef THREADLAB_ISA_H
#define THREADLAB_ISA_H

#include <stddef.h>
#include <stdint.h>

#include "../util.h"

/* Every instruction is 4 bytes, so the PC advances by 4. */
#define INSN_SIZE 4

/* Registers as numbered in an instruction. */
enum reg {
	R0, R1, R2, R3, R4, R5, R6, R7,
	REG_SP = 8,     /* stack pointer */
	REG_FP = 9,     /* frame pointer */
	REG_TP = 10,    /* thread pointer: base of the thread's TLS block */
	REG_NONE = 15,  /* no register: an absolute address or an immediate */
};
#define NGPR 8

/* Instruction formats: how the operands are written. */
enum insn_format {
	FMT_NONE,       /* nop, ret */
	FMT_RI,         /* li rd, imm */
	FMT_RR,         /* mov rd, rs */
	FMT_ALU,        /* add rd, rs, rt|imm */
	FMT_LOAD,       /* ld rd, [rs+imm]   lea rd, [rs+imm] */
	FMT_STORE,      /* st [rs+imm], rd */
	FMT_JUMP,       /* jmp target        call target */
	FMT_BRANCH,     /* jz rs, target */
	FMT_R,          /* push rs           call rs */
	FMT_RD,         /* pop rd */
	FMT_SYS,        /* sys name, argc */
};

/* X(NAME, mnemonic, format, what it does) */
#define ISA_OPS(X)                                                        \
	X(NOP,   "nop",  FMT_NONE,   "do nothing")                            \
	X(LI,    "li",   FMT_RI,     "rd = imm")                              \
	X(MOV,   "mov",  FMT_RR,     "rd = rs")                               \
	X(NEG,   "neg",  FMT_RR,     "rd = -rs")                              \
	X(NOT,   "not",  FMT_RR,     "rd = ~rs")                              \
	X(ADD,   "add",  FMT_ALU,    "rd = rs + rt")                          \
	X(SUB,   "sub",  FMT_ALU,    "rd = rs - rt")                          \
	X(MUL,   "mul",  FMT_ALU,    "rd = rs * rt")                          \
	X(DIV,   "div",  FMT_ALU,    "rd = rs / rt (faults on zero)")         \
	X(MOD,   "mod",  FMT_ALU,    "rd = rs % rt (faults on zero)")         \
	X(AND,   "and",  FMT_ALU,    "rd = rs & rt")                          \
	X(OR,    "or",   FMT_ALU,    "rd = rs | rt")                          \
	X(XOR,   "xor",  FMT_ALU,    "rd = rs ^ rt")                          \
	X(SHL,   "shl",  FMT_ALU,    "rd = rs << rt")                         \
	X(SHR,   "shr",  FMT_ALU,    "rd = rs >> rt (arithmetic)")            \
	X(SEQ,   "seq",  FMT_ALU,    "rd = rs == rt")                         \
	X(SNE,   "sne",  FMT_ALU,    "rd = rs != rt")                         \
	X(SLT,   "slt",  FMT_ALU,    "rd = rs < rt")                          \
	X(SLE,   "sle",  FMT_ALU,    "rd = rs <= rt")                         \
	X(SGT,   "sgt",  FMT_ALU,    "rd = rs > rt")                          \
	X(SGE,   "sge",  FMT_ALU,    "rd = rs >= rt")                         \
	X(LD,    "ld",   FMT_LOAD,   "rd = memory[rs + imm]")                 \
	X(ST,    "st",   FMT_STORE,  "memory[rs + imm] = rd")                 \
	X(LEA,   "lea",  FMT_LOAD,   "rd = rs + imm (an address)")            \
	X(JMP,   "jmp",  FMT_JUMP,   "pc = target")                           \
	X(JZ,    "jz",   FMT_BRANCH, "if rs == 0: pc = target")               \
	X(JNZ,   "jnz",  FMT_BRANCH, "if rs != 0: pc = target")               \
	X(CALL,  "call", FMT_JUMP,   "push pc + 4; pc = target")              \
	X(CALLR, "call", FMT_R,      "push pc + 4; pc = rs")                  \
	X(RET,   "ret",  FMT_NONE,   "pc = pop")                              \
	X(PUSH,  "push", FMT_R,      "sp -= 8; memory[sp] = rs")              \
	X(POP,   "pop",  FMT_RD,     "rd = memory[sp]; sp += 8")              \
	X(SYS,   "sys",  FMT_SYS,    "call builtin; arguments on the stack, result in r0") \
	X(LDB,   "ldb",  FMT_LOAD,   "rd = the byte at rs + imm, sign-extended (a char)") \
	X(STB,   "stb",  FMT_STORE,  "the byte at rs + imm = the low byte of rd")

enum opcode {
#define X(name, mn, fmt, doc) OP_##name,
	ISA_OPS(X)
#undef X
	OP_COUNT
};

/* Builtins reached through `sys`.  X(NAME, "name", args, returns, status)
 * args: one letter per argument — v value, f function, F format string,
 *       m mutex, s semaphore, c condition variable, a assert text;
 *       a trailing '.' takes any number of further values.
 * status: AVAIL, LATER (reserved: a later version implements it),
 *         INTERNAL (emitted by the compiler, not callable by name). */
#define ISA_BUILTINS(X)                                                   \
	X(PRINT,          "print",          "F.",  0, AVAIL)                \
	X(ASSERT,         "assert",         "va",  0, AVAIL)                \
	X(SPAWN,          "spawn",          "f.",  1, AVAIL)                \
	X(JOIN,           "join",           "v",   1, AVAIL)                \
	X(SELF,           "self",           "",    1, AVAIL)                \
	X(MALLOC,         "malloc",         "v",   1, AVAIL)                \
	X(FREE,           "free",           "v",   0, AVAIL)                \
	X(LOCK,           "lock",           "m",   0, AVAIL)                \
	X(UNLOCK,         "unlock",         "m",   0, AVAIL)                \
	X(TRYLOCK,        "trylock",        "m",   1, AVAIL)                \
	X(SEM_WAIT,       "sem_wait",       "s",   0, AVAIL)                \
	X(SEM_POST,       "sem_post",       "s",   0, AVAIL)                \
	X(COND_WAIT,      "cond_wait",      "cm",  0, AVAIL)                \
	X(COND_SIGNAL,    "cond_signal",    "c",   0, AVAIL)                \
	X(COND_BROADCAST, "cond_broadcast", "c",   0, AVAIL)                \
	X(ATOMIC_ADD,     "atomic_add",     "vv",  1, AVAIL)                \
	X(CAS,            "cas",            "vvv", 1, AVAIL)                \
	X(XCHG,           "xchg",           "vv",  1, AVAIL)                \
	X(SLEEP,          "sleep",          "v",   0, AVAIL)                \
	X(SCHED_YIELD,    "sched_yield",    "",    0, AVAIL)                \
	X(THREAD_EXIT,    "thread_exit",    "v",   0, INTERNAL)             \
	X(EXIT,           "exit",           "v",   0, AVAIL)                \
	X(COROUTINE,      "coroutine",      "f.",  1, AVAIL)                \
	X(RESUME,         "resume",         "vv",  1, AVAIL)                \
	X(YIELD,          "yield",          "v",   1, AVAIL)                \
	X(CO_STATUS,      "co_status",      "v",   1, AVAIL)                \
	X(FORK,           "fork",           "",    1, AVAIL)                \
	X(GETPID,         "getpid",         "",    1, AVAIL)                \
	X(WAIT,           "wait",           "v",   1, AVAIL)                \
	X(CONTAINER,      "container",      "fvvv", 1, AVAIL)               \
	X(SETHOSTNAME,    "sethostname",    "F",   0, AVAIL)                \
	X(GETHOSTNAME,    "gethostname",    "vv",  1, AVAIL)                \
	X(SOCKET,         "socket",         "",    1, LATER)                \
	X(LISTEN,         "listen",         "v",   1, AVAIL)                \
	X(ACCEPT,         "accept",         "v",   1, AVAIL)                \
	X(CONNECT,        "connect",        "v",   1, AVAIL)                \
	X(READ,           "read",           "vvv", 1, AVAIL)                \
	X(WRITE,          "write",          "vvv", 1, AVAIL)                \
	X(CLOSE,          "close",          "v",   1, AVAIL)                \
	X(SET_NONBLOCK,   "set_nonblocking", "v",  1, AVAIL)                \
	X(EPOLL_CREATE,   "epoll_create",   "",    1, AVAIL)                \
	X(EPOLL_CTL,      "epoll_ctl",      "vvvv", 1, AVAIL)               \
	X(EPOLL_WAIT,     "epoll_wait",     "vvvv", 1, AVAIL)               \
	X(SET_PRIORITY,   "set_priority",   "vv",  0, AVAIL)                \
	X(CO_RETURN,      "co_return",      "v",   0, INTERNAL)             \
	X(MAKE_CLOSURE,   "make_closure",   "f.",  1, INTERNAL) \
	X(TICKS,          "ticks",          "",    1, AVAIL)                \
	X(GO,             "go",             "f.",  1, AVAIL)                \
	X(GO_WAIT,        "go_wait",        "",    1, AVAIL)                \
	X(GO_NEXT,        "go_next",        "",    0, INTERNAL)

enum builtin_status { AVAIL, LATER, INTERNAL };

enum builtin {
#define X(id, name, args, ret, status) BI_##id,
	ISA_BUILTINS(X)
#undef X
	BI_COUNT
};

struct builtin_info {
	const char *name;
	const char *args;
	int returns;            /* 1 when the call yields a value */
	enum builtin_status status;
};

struct op_info {
	const char *mnemonic;
	enum insn_format format;
	const char *doc;
};

/* A decoded instruction.  rt is REG_NONE when the ALU operand is imm.
 * For jumps imm is the absolute target; for sys, imm is the builtin and
 * rt the argument count. */
struct insn {
	uint8_t op, rd, rs, rt;
	int64_t imm;
};

extern const struct op_info isa_ops[OP_COUNT];
extern const struct builtin_info isa_builtins[BI_COUNT];

/* Look a builtin up by name; -1 when there is none. */
int isa_builtin_lookup(const char *name);

/* Register name ("r0", "sp", ...). */
const char *isa_reg_name(int reg);

/* Encode an instruction at address pc as a 32-bit word.  An immediate
 * that does not fit in 16 bits goes to the literal pool: pool_index()
 * returns its index there, which the word holds instead. */
uint32_t isa_encode(const struct insn *in, uint64_t pc,
		    uint32_t (*pool_index)(void *ctx, int64_t value), void *ctx);

/* Decode a word at pc back into an instruction, reading wide
 * immediates from the literal pool; 0 when the word is not valid. */
int isa_decode(uint32_t word, uint64_t pc, const int64_t *pool, size_t npool,
	       struct insn *in);

/* Write the instruction at pc in assembly syntax ("ld r0, [0x600000]"). */
void isa_format(struct buf *out, const struct insn *in);

#endif
