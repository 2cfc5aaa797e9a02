/* race: the data-race detector.  It owns what one machine knows about
 * the order of its threads' memory accesses:
 *
 *  - a vector clock per thread, and the set of mutexes it holds;
 *  - a clock per synchronisation object, by address: a mutex, a
 *    semaphore, the word of an atomic;
 *  - a shadow of each data word a thread reached with a plain load or
 *    store (ld, st): its last write and the reads since, each with its
 *    thread, that thread's clock, its instruction and the mutexes held;
 *  - the races found: a report per word, for the first race on it, that
 *    counts the racy accesses which followed.
 *
 * A byte access (ldb, stb: a char) is about its one byte: it races
 * with another thread's unordered access to that byte, or to the word
 * that holds it, never with one to another byte of the word; its
 * shadow is kept apart, by word, with one for each byte reached.
 *
 * A race is two accesses to one word by different threads, at least one
 * of them a write, that happens-before does not order.  Order comes
 * from: an unlock and a later lock of the same mutex (a hand-off to a
 * waiter and the lock a cond_wait takes back included); spawn (what the
 * parent did before comes before all the child does); the end of a
 * thread and a join of it, whether the join waits or not; a sem_post and
 * the sem_wait it lets through; a signal or broadcast and each waiter it
 * wakes; and atomic_add, cas and xchg, each an acquire and a release of
 * its word.  So atomics on one word are ordered among themselves and
 * never race with each other; mixed with plain accesses of the word they
 * can.
 *
 * Not checked: the runtime's own accesses (the words of sync objects,
 * heap headers, the arguments of builtins), push, pop, call and ret,
 * code and read-only data (no program can write there), and, for speed,
 * a thread's accesses to its own slot, its stack and TLS block: a race
 * through a pointer into a thread's stack is seen only between two other
 * threads.  Freeing a heap block makes its words forget their history,
 * so a block allocated there later starts afresh.
 *
 * Each process has a detector of its own (struct process's race), made
 * by machine_init for the first process unless the settings say
 * no_race_detect, made empty by fork for a child (whose address space is
 * its own: what its parent did before cannot race with it), and copied
 * by machine_copy (shadow pages are shared copy-on-write), so a snapshot
 * stepped on finds the races the original would.  Accesses of two
 * processes never race: they are not to the same memory.  It emits
 * EV_RACE (see event.h).  No I/O. */
#ifndef THREADLAB_RACE_H
#define THREADLAB_RACE_H

#include <stddef.h>
#include <stdint.h>

#include "machine.h"

/* The first race on one word. */
struct race_report {
	uint64_t addr;          /* the word */
	uint64_t tick;          /* when it was found */
	uint64_t pc, pc2;       /* the access that found it; the earlier one */
	int tid, other;         /* their threads */
	int write, write2;      /* 1: that access was a write */
	int locks, locks2;      /* the mutexes each side held: see race_locks() */
	uint64_t block;         /* a heap word: its block's payload address (0: not heap) */
	int pid;                /* the process whose word it is */
	uint64_t more;          /* racy accesses of the word after this one */
	int gone;               /* its heap block has been freed since */
};

/* A new, empty detector; free with race_free. */
struct race *race_new(void);
void race_free(struct race *r);
/* A copy of r that goes on exactly as r would. */
struct race *race_copy(const struct race *r);

/* The hooks the machine calls; each does nothing when the detector of
 * the thread's process is NULL.
 * Thread child starts, created by parent (0: none, the first thread). */
void race_thread_start(struct machine *m, int parent, int child);
/* Thread tid learns that thread ended has ended (a join). */
void race_join(struct machine *m, int tid, int ended);
/* Thread tid took the mutex at addr; released it. */
void race_lock(struct machine *m, int tid, uint64_t addr);
void race_unlock(struct machine *m, int tid, uint64_t addr);
/* Thread tid acquires the object at addr (a sem_wait that goes
 * through); releases it (a sem_post nobody waited for). */
void race_acquire(struct machine *m, int tid, uint64_t addr);
void race_release(struct machine *m, int tid, uint64_t addr);
/* Thread from hands what it did to thread to (a post or a signal that
 * wakes it). */
void race_handoff(struct machine *m, int from, int to);
/* Thread t's atomic builtin at pc on the word at addr; returns 1 when it
 * found the first race of that word (send it with race_emit). */
int race_atomic(struct machine *m, const struct thread *t, uint64_t addr, uint64_t pc);
/* The words of [lo, hi) of process pid were freed: they forget their
 * history. */
void race_forget(struct machine *m, int pid, uint64_t lo, uint64_t hi);

/* Check thread t's plain load (write 0) or store at pc of the word at
 * addr.  The first race of a word is sent as EV_RACE at once when nobody
 * listens to instructions; else race_emit sends it after the
 * instruction's own event. */
void race_check(struct machine *m, const struct thread *t, uint64_t addr, int write,
		uint64_t pc);

/* What the inline check below reads of the detector, at its start: the
 * last accesses that were checked and found nothing new, and a count
 * that moves on whenever anything the detector knows changes (a shadow
 * word, a thread's clock, a report).  An access that repeats one of them
 * (a read or write after a write, a read after a read, by the same
 * thread to the same word) while the count has not moved can have no
 * other outcome: it needs no check. */
#define RACE_MEMOS 8
struct race_memo {
	uint64_t addr, gen;
	int tid, wrote;
};
struct race_front {
	uint64_t gen;
	struct race_memo memo[RACE_MEMOS];
};

/* race_check, after the cheap tests that leave most accesses out: the
 * thread's own slot, code or read-only data, no detector, a repeat. */
static inline void race_access(struct machine *m, const struct thread *t, uint64_t addr,
			       int write, uint64_t pc)
{
	const struct race *r = thread_proc(m, t)->race;
	if (__builtin_expect(addr - t->slot_lo < THREAD_SLOT || addr < DATA_BASE || !r, 1))
		return;
	const struct race_front *f = (const struct race_front *)(const void *)r;
	const struct race_memo *k = &f->memo[(addr / 8) & (RACE_MEMOS - 1)];
	if (__builtin_expect(k->addr == addr && k->gen == f->gen && k->tid == t->id &&
			     k->wrote >= write, 1))
		return;
	race_check(m, t, addr, write, pc);
}
/* race_check for a byte access (ldb, stb) of the byte at addr. */
void race_check_byte(struct machine *m, const struct thread *t, uint64_t addr, int write,
		     uint64_t pc);

/* race_check_byte, after the same cheap tests as race_access. */
static inline void race_access_byte(struct machine *m, const struct thread *t, uint64_t addr,
				    int write, uint64_t pc)
{
	if (addr - t->slot_lo < THREAD_SLOT || addr < DATA_BASE || !thread_proc(m, t)->race)
		return;
	race_check_byte(m, t, addr, write, pc);
}

/* Send EV_RACE for the race thread t has just found, if there is one
 * not sent yet. */
void race_emit(struct machine *m, const struct thread *t);

/* How many words have raced so far, in every process (0 when the
 * detector is off). */
size_t race_count(const struct machine *m);
/* The i-th report: process 1's in the order they were found, then
 * process 2's, and so on; NULL past the last. */
const struct race_report *race_get(const struct machine *m, size_t i);
/* The mutexes of lock set id of process pid's detector, in address
 * order; their number in *n. */
const uint64_t *race_locks(const struct machine *m, int pid, int id, int *n);
/* How many words of [addr, addr+size) of process pid have raced and
 * still hold what raced (not freed since). */
size_t race_marked(const struct machine *m, int pid, uint64_t addr, uint64_t size);

#endif
