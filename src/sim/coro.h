/* coro: coroutines whose stacks live on the heap.
 *
 * coroutine(f, args...) allocates two blocks on the simulated heap, both
 * owned by the calling thread: the coroutine object, whose payload
 * address is the handle the program gets, and a CO_STACK_SIZE-byte
 * stack, on which f's arguments and the address of the runtime's
 * co_return are laid out as a thread's first frame would be.  Nothing
 * runs yet.  resume(h, v) is a user-level context switch: the calling
 * context (pc, sp, fp, r0-r7) is saved in the object and the
 * coroutine's restored, on the same thread, without the scheduler.
 * yield(v) switches back the other way; f's return, through co_return,
 * too, and finishes the coroutine and frees its stack block.  The
 * object stays until the program frees it.
 *
 * The object, word by word from the handle (CO_OBJECT_SIZE bytes):
 *
 *   0  CO_W_MAGIC    CO_MAGIC ^ handle: tells a coroutine from other data
 *   1  CO_W_ID       1, 2, ... in the order of creation
 *   2  CO_W_STATUS   enum co_status
 *   3  CO_W_STARTED  0 until the first resume
 *   4  CO_W_ENTRY    f
 *   5  CO_W_THREAD   the thread running it (or the last to run it)
 *   6  CO_W_RESUMER  the coroutine that resumed it; 0: the thread's own stack
 *   7  CO_W_STACK    the stack block (its payload address)
 *   8  CO_W_STACK_HI the end of the stack block: the top of the stack
 *   9  CO_W_MIN_SP   the deepest its sp went
 *  10  CO_W_VALUE    the last value it yielded or returned
 *  11  CO_W_CTX      its own context, 11 words (pc, sp, fp, r0-r7): where
 *                    it goes on when resumed
 *  22  CO_W_BACK     its resumer's context while it runs, 11 words
 *  33  CO_W_BACK_MIN_SP  the resumer's deepest sp
 *
 * The lowest CO_GUARD bytes of the stack block are a guard zone: sp may
 * not go below CO_W_STACK + CO_GUARD, so a push at the very bottom lands
 * in the coroutine's own block, and the instruction that takes sp below
 * faults as a coroutine stack overflow before any other block is
 * touched.
 *
 * A thread's struct thread holds the coroutine it runs (co, 0 for its
 * own stack) and that stack's bounds.  Switching threads needs nothing
 * more: a coroutine's sp is simply its thread's sp. */
#ifndef THREADLAB_CORO_H
#define THREADLAB_CORO_H

#include <stddef.h>
#include <stdint.h>

#include "machine.h"

#define CO_STACK_SIZE 4096u     /* bytes of a coroutine's stack block */
#define CO_GUARD 16u            /* its lowest bytes, never the stack's */
#define CO_MAGIC 0x636f726f7574696eull

/* What co_status() returns. */
enum co_status { CO_SUSPENDED, CO_RUNNING, CO_FINISHED };

#define CO_CTX_WORDS (3 + NGPR)

enum co_word {
	CO_W_MAGIC, CO_W_ID, CO_W_STATUS, CO_W_STARTED, CO_W_ENTRY, CO_W_THREAD,
	CO_W_RESUMER, CO_W_STACK, CO_W_STACK_HI, CO_W_MIN_SP, CO_W_VALUE,
	CO_W_CTX,
	CO_W_BACK = CO_W_CTX + CO_CTX_WORDS,
	CO_W_BACK_MIN_SP = CO_W_BACK + CO_CTX_WORDS,
	CO_WORDS
};

#define CO_OBJECT_SIZE (CO_WORDS * 8u)

/* A coroutine as its object says. */
struct coro {
	uint64_t addr;          /* the handle */
	int pid;                /* the process whose heap holds it */
	int id;
	enum co_status status;
	int started;
	uint64_t entry;
	int tid;
	uint64_t resumer;
	uint64_t stack, stack_hi;       /* the stack block's payload, its end */
	uint64_t min_sp;
	int64_t value;
	struct context ctx;             /* its own, saved */
	struct context back;            /* its resumer's, saved while it runs */
	uint64_t back_min_sp;
};

/* Names of enum co_status: "suspended", "running", "finished". */
extern const char *const co_status_names[3];

/* Read the coroutine whose handle is h in process pid into *c.  Returns
 * -1, or the enum fault_kind that using h as a handle is. */
int coro_read(const struct machine *m, int pid, uint64_t h, struct coro *c);
/* The coroutines in process pid's heap, lowest address first, at most
 * max of them into out; returns how many. */
size_t coro_list(const struct machine *m, int pid, struct coro *out, size_t max);
/* Where c is now: its saved context when suspended, or when it runs
 * below another coroutine it resumed; its thread's registers when it is
 * the one its thread runs.  0 once finished. */
int coro_where(const struct machine *m, const struct coro *c, struct context *ctx);
/* The context of thread t's own stack while t runs a coroutine: saved
 * by the first coroutine of its resume chain.  0 when t runs none. */
int coro_home(const struct machine *m, const struct thread *t, struct context *ctx);

/* The machine's side, for cpu.c: run coroutine builtin bi with the
 * arguments of the sys instruction.  Returns 1 when it switched t to
 * another context (t's pc is then where that context goes on), 0 when
 * t goes on after the instruction. */
int coro_call(struct machine *m, struct thread *t, int bi, const int64_t *args, int argc);
/* t's coroutine parks (runtime.h): suspended with its context saved at
 * the instruction t is at, which runs again when it is resumed, and t
 * back in its resumer's context; a PARK event says it waits in wait on
 * fd.  Returns 1 as coro_call does. */
int coro_park(struct machine *m, struct thread *t, int wait, int64_t fd);
/* t's sp went below its coroutine's stack: the process faults. */
void coro_overflow(struct machine *m, struct thread *t);

#endif
