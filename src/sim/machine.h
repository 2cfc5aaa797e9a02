/* machine: the simulated computer as one plain value — cores, the
 * processes (each an address space with its heap and race detector), the
 * threads of all of them, the scheduler's queue, the open files and the
 * network outside, and the counters.  machine_step() advances it one tick and
 * reports what happened as events; machine_copy() makes a snapshot that
 * machine_step() on the copy continues exactly as the original would. */
#ifndef THREADLAB_MACHINE_H
#define THREADLAB_MACHINE_H

#include <stddef.h>
#include <stdint.h>

#include "../lang/image.h"
#include "container.h"
#include "event.h"
#include "mem.h"
#include "net.h"
#include "runtime.h"
#include "sched.h"
#include "settings.h"

/* The memory layout below the code and data the image brings. */
#define STACK_TOP      ADDR_LIMIT       /* the main thread's slot ends here */
#define THREAD_SLOT    0x40000u         /* address space per thread: TLS, stack, guard */
#define STACK_SIZE     0x10000u         /* 64 KiB of stack per thread */
#define MAX_THREADS_LIMIT 4096          /* slots from 0x40000000 up */
#define HEAP_LIMIT     0x40000000u      /* the heap may not grow past this */

/* X(NAME, "option", "what ran out") */
#define LIMIT_KINDS(X)                                                     \
	X(STEPS,   "max-steps",   "instructions")                            \
	X(THREADS, "max-threads", "threads")                                 \
	X(MEMORY,  "max-memory",  "simulated memory")                        \
	X(PROCESSES, "max-processes", "processes")

enum limit_kind {
#define X(id, opt, what) LIMIT_##id,
	LIMIT_KINDS(X)
#undef X
	LIMIT_COUNT
};

extern const struct limit_info {
	const char *option, *what;
} limit_kinds[LIMIT_COUNT];

struct limits {
	uint64_t max_steps;     /* instructions (0: none) */
	int max_threads;        /* threads created, main included */
	uint64_t max_memory;    /* bytes of simulated memory in pages, per process */
	int max_processes;      /* processes created, the first included */
};

#define DEFAULT_MAX_STEPS   1000000000ull
#define DEFAULT_MAX_THREADS 1024
#define DEFAULT_MAX_MEMORY  (64ull << 20)
#define DEFAULT_MAX_PROCESSES 64
#define MAX_PROCESSES_LIMIT 1024

enum thread_state { TS_READY, TS_RUNNING, TS_BLOCKED, TS_DONE };

struct thread {
	int id;                 /* machine-wide, from 1 */
	int pid;                /* the process it belongs to */
	enum thread_state state;
	int64_t r[16];          /* r0..r7, sp, fp, tp; r[REG_NONE] stays 0 */
	uint64_t pc;
	uint64_t entry;         /* the function it started in */
	int64_t arg;            /* its first argument */
	uint64_t slot_lo;       /* the guard page: the lowest address it owns */
	uint64_t stack_lo, stack_hi;
	uint64_t tls;           /* its TLS block */
	uint64_t min_sp;        /* the deepest its stack went (the coroutine's, in one) */
	enum wait_kind wait;
	uint64_t wait_on;       /* object address, thread id or wake tick */
	uint64_t wait_mutex;    /* cond_wait: the mutex to take back */
	uint64_t wait_seq;      /* when it started waiting: queues are FIFO */
	uint64_t wait_pc;       /* the instruction it waits in */
	uint64_t wait_until;    /* a timed I/O wait's deadline (0: none) */
	int io_again;           /* woken from an I/O wait: the call runs again
				 * (1), or its time ran out (2) */
	int64_t retval;
	int prio;
	int core;               /* the core it runs on, or -1 */
	int killed;             /* ended by the death of its process */
	uint64_t cpu_ticks;
	uint64_t created, ended;        /* ticks */
	uint64_t co;            /* the coroutine it runs (its handle; 0: its own stack) */
	uint64_t co_lo, co_hi;  /* that coroutine's stack, below which sp may not go */
	int wq_in;              /* in the wait queue of what it waits for */
	int wq_prev, wq_next;   /* its neighbours there (0: none) */
};

/* The threads of process pid waiting for kind/on (a join, a mutex, a
 * semaphore, a cond or a child), first come first served: a list
 * through their wq_prev and wq_next, from head to tail (0: empty). */
struct waitq {
	uint64_t on;
	int pid, kind;          /* kind WAIT_NONE: a free slot */
	int head, tail;
};

struct core {
	int tid;                /* running thread, 0 when idle */
	int left;               /* the thread that just left it, not yet switched out */
	int left_reason;        /* why: enum switch_reason */
	uint64_t slice;         /* ticks the thread has run since it got the core */
	uint64_t phase;         /* slice modulo the quantum: 0 at a timer interrupt */
	uint64_t busy;          /* ticks left of a context switch */
	struct sched_cursor script;
};

/* The heap: a first-fit allocator whose block headers live in
 * simulated memory; see heap.h. */
struct heap {
	uint64_t base, brk;     /* [base, brk) is mapped */
	uint64_t free_head;     /* first free block, by address (0: none) */
	uint64_t last;          /* the block that ends at the break (0: none) */
	uint64_t in_use, peak;  /* payload bytes allocated */
	uint64_t blocks;        /* allocated blocks */
};

enum run_state { RUN_ACTIVE, RUN_ENDED };

struct race;

/* A process: live, ended but not yet waited for, or reaped by wait(). */
enum proc_state { PS_LIVE, PS_ZOMBIE, PS_REAPED };

/* How a process ended. */
enum proc_end {
	PE_NONE,        /* it has not */
	PE_EXIT,        /* it called exit(code) */
	PE_RETURN,      /* main returned code */
	PE_LAST,        /* its last thread ended (not main): code 0 */
	PE_FAULT,       /* a fault killed it (fault, fault_addr) */
};

/* What wait() returns for a child a fault killed. */
#define WAIT_KILLED (-1)

/* One process: an address space of its own, its heap, its race
 * detector; its threads are the machine's threads whose pid is its. */
struct process {
	int pid;                /* from 1 */
	int ppid;               /* its parent (0: none, the first process) */
	enum proc_state state;
	enum proc_end how;
	int64_t code;           /* its exit code (PE_FAULT: WAIT_KILLED) */
	int fault;              /* enum fault_kind for PE_FAULT */
	uint64_t fault_addr;
	int end_tid;            /* the thread that ended it */
	uint64_t end_pc;
	uint64_t created, ended;        /* ticks */
	int threads;            /* threads created in it (a fork's copy included) */
	int forks;              /* children it created */
	struct mem mem;
	struct heap heap;
	struct race *race;      /* its data-race detector (NULL: off); see race.h */
	struct fdtab fds;       /* its file descriptors; see fd.h */
	int box;                /* its container (0: the host); see container.h */
	int ns_pid;             /* its pid in that container's namespace */
	int64_t box_base;       /* heap bytes it held when it joined the box */
};

/* A timed wait: thread tid, in the wait that began with wait_seq seq,
 * wakes at tick at (a sleep's end or a timed I/O wait's deadline). */
struct timed_wait {
	uint64_t at, seq;
	int tid;
};

struct machine {
	const struct image *img;
	const struct machine_config *cfg;       /* shared by the machine's copies, and
						 * never changed after machine_init
						 * (its schedule is NULL) */
	const struct schedule *script;  /* the schedule of the settings, parsed;
					 * shared like cfg */
	struct limits lim;

	uint64_t tick, insns, switches, preempts;
	uint64_t proc_switches;         /* switches between threads of two processes */
	int ncores;
	struct core cores[CONFIG_MAX_CORES];    /* a copy has the first ncores: the
						 * rest are not to be read */

	struct thread *threads;         /* threads[i] has id i + 1 */
	int nthreads, cap_threads;
	int *ready;                     /* the ready queue, thread ids */
	int nready, cap_ready;
	uint64_t seq;                   /* orders waits */
	uint64_t next_wake;             /* earliest sleeper's tick (UINT64_MAX: none) */
	uint64_t rng;
	int pinned;                     /* the explorer's choice: the only thread
					 * the cores may run (0: any) */

	struct process *procs;          /* procs[i] has pid i + 1; never shrinks */
	int nprocs, cap_procs;
	uint64_t stack_peak;            /* bytes, the deepest any stack went */
	int ncoros;                     /* coroutines created: the last one's id */
	struct net net;                 /* open files, clients, the network; see net.h */
	struct runtime rt;              /* the M:N coroutine runtime; see runtime.h */
	struct box boxes[MAX_BOXES];    /* the host's and the containers'; see container.h */
	int nboxes;                     /* 0 until the first container or hostname */

	int record;                     /* keep the schedule taken */
	struct schedule taken;          /* what ran on each core, as a schedule */
	uint64_t taken_runs;
	int taken_partial;              /* too long: the end was not kept */

	enum run_state state;
	int end;                        /* enum end_status once ended */
	int idle;                       /* END_OK because every client was served
					 * and the program only waits for more */
	int64_t exit_status;
	uint64_t end_tick;              /* the tick the run ended in */
	int end_tid;                    /* the thread that ended the run */
	uint64_t end_pc;
	int limit;                      /* enum limit_kind for END_LIMIT */
	int fault;                      /* enum fault_kind for END_FAULT */
	uint64_t fault_addr;

	struct event_sink sink;

	/* where blocked threads wait, to be found without looking through
	 * every thread */
	struct waitq *waitqs;           /* open addressing, linear probing; never shrinks */
	uint32_t nwaitqs, cap_waitqs;   /* cap_waitqs: 0 or a power of two */
	struct timed_wait *timed;       /* a binary heap by (at, seq); entries of
					 * waits already over are dropped lazily */
	int ntimed, cap_timed;
	uint64_t io_waiting[MAX_THREADS_LIMIT / 64];    /* bit tid - 1: blocked in
							 * accept, read or epoll_wait */
	int *ready_base;                /* the ready queue's allocation: its front
					 * moves up in it, cap_ready ids long */

	/* Scratch, last: not the machine's state, and a copy leaves it out. */
	struct event ev;                /* the event being built */
	char text[4096];                /* print output and assert text */
};

/* Load img into m with settings cfg (copied) and limits lim.  The main
 * thread is ready at the image's entry.  Returns 0; or, with a message in
 * err, -1 when cfg's schedule does not parse or does not fit the cores,
 * -2 when the program does not fit in lim's memory. */
int machine_init(struct machine *m, const struct image *img,
		 const struct machine_config *cfg, const struct limits *lim,
		 char *err, size_t errlen);
void machine_done(struct machine *m);
/* machine_done for a machine from malloc, and free it (NULL: nothing). */
void machine_free(struct machine *m);
/* Make dst an exact copy of src (a snapshot); dst gets no event sink. */
void machine_copy(struct machine *dst, const struct machine *src);
/* A copy of src in memory of its own, freed with machine_free. */
struct machine *machine_clone(const struct machine *src);
/* Give m memory and settings of its own, shared with no other copy (so
 * that copies made on one host thread share nothing with those made on
 * another, not even a count of references). */
void machine_unshare(struct machine *m);

/* Events from now on go to sink (fn NULL: nowhere). */
void machine_set_sink(struct machine *m, struct event_sink sink);

/* Advance one tick: each core runs one instruction (or switches, or
 * idles); when every thread left sleeps, the clock jumps to the next
 * wake.  Returns 0 once the run has ended. */
int machine_step(struct machine *m);
/* Step until the run ends or max_ticks ticks have passed (0: no bound;
 * a jump to a sleeper's wake may go past it).  Returns 0 once the run
 * has ended. */
int machine_run(struct machine *m, uint64_t max_ticks);

/* The thread with id tid, or NULL. */
struct thread *machine_thread(const struct machine *m, int tid);

/* The process with pid, or NULL.  Creating a process (fork) may move
 * the array: pointers taken before are stale after it. */
static inline struct process *machine_proc(const struct machine *m, int pid)
{
	return pid >= 1 && pid <= m->nprocs ? &m->procs[pid - 1] : NULL;
}

/* The process thread t belongs to. */
static inline struct process *thread_proc(const struct machine *m, const struct thread *t)
{
	return &m->procs[t->pid - 1];
}

/* How many processes have not ended. */
int machine_live_procs(const struct machine *m);
/* Pages of process pid's address space that another process (ended
 * ones keep theirs) shares with it copy-on-write: the same host page. */
size_t machine_shared_pages(const struct machine *m, int pid);
/* Whether the page at addr of process pid is shared copy-on-write with
 * another process. */
int machine_page_shared(const struct machine *m, int pid, uint64_t addr);

/* Call the function at addr with no arguments on a copy of m whose
 * only live process is a copy of process pid as it is now, at most
 * max_steps instructions; its result in *result.  Returns 0, or -1 with
 * a reason in err. */
int machine_call(const struct machine *m, int pid, uint64_t addr, uint64_t max_steps,
		 int64_t *result, char *err, size_t errlen);

/* Read the word at addr of process pid as its program would see it (0 if
 * unmapped, or no such process). */
int64_t machine_peek(const struct machine *m, int pid, uint64_t addr);

/* Follow who waits for whom from thread tid: fills chain with the
 * threads on the path, returns how many; *cycle is set when the path
 * comes back to a thread already on it. */
int machine_wait_chain(const struct machine *m, int tid, int *chain, int max, int *cycle);

/* The thread holding the mutex at addr of process pid (0: free). */
int machine_mutex_owner(const struct machine *m, int pid, uint64_t addr);

#endif
