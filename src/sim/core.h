/* core: what the machine's own modules (machine, proc, thread, cpu,
 * sync, heap, sched) share with each other and nobody else: emitting events,
 * ending the run, and moving threads between states. */
#ifndef THREADLAB_CORE_H
#define THREADLAB_CORE_H

#include "machine.h"

/* Start an event of kind k about thread t (NULL: none) at its pc. */
struct event *ev_begin(struct machine *m, enum event_kind k, const struct thread *t);
/* Send the event started by ev_begin to the sink. */
void ev_emit(struct machine *m);
/* Whether anyone listens to events of kind k: events are built only then. */
static inline int ev_on(const struct machine *m, enum event_kind k)
{
	return (m->sink.mask & EV_BIT(k)) != 0;
}
/* Whether anyone listens to instructions. */
static inline int ev_exec_on(const struct machine *m) { return (m->sink.mask & EV_BIT(EV_EXEC)) != 0; }

/* Thread t's process dies of a fault at address addr (the others go on). */
void machine_fault(struct machine *m, struct thread *t, enum fault_kind k, uint64_t addr);
/* The run stops at a limit. */
void machine_limit(struct machine *m, struct thread *t, enum limit_kind k);
/* The run is over, with status and exit code: every thread of every
 * process is done (t, when there is one, is taken to have asked for it). */
void machine_end(struct machine *m, struct thread *t, int status, int64_t code);

/* Processes (proc.c).  A new process with parent ppid (0: none), its
 * address space empty; the array may move. */
struct process *proc_add(struct machine *m, int ppid);
/* Process p ends, as how says, with code (for PE_FAULT: fault k at
 * addr), t the thread that ended it: its threads end; when no process
 * is left, the run ends with process 1's status. */
void proc_end(struct machine *m, struct process *p, struct thread *t, enum proc_end how,
	      int64_t code, int k, uint64_t addr);
/* How many threads of process pid have not ended. */
int proc_threads_left(const struct machine *m, int pid);
/* The builtins fork, getpid, wait and exit, called by thread t. */
void proc_call(struct machine *m, struct thread *t, int builtin, const int64_t *args);

/* Threads: create one in process pid (NULL when a limit stopped the
 * run), end, wait, wake.  Creating a thread may move the thread array:
 * pointers to threads taken before are stale after it. */
struct thread *thread_create(struct machine *m, int pid, struct thread *parent, uint64_t entry,
			     const int64_t *args, int nargs);
/* A new zeroed thread with the next id, not ready, in no process (NULL,
 * the run stopped, when the thread limit is reached; by is who asked). */
struct thread *thread_new(struct machine *m, struct thread *by);
void thread_exit(struct machine *m, struct thread *t, int64_t value);
/* t waits for kind/on; holder is the thread it waits for (0: none). */
void thread_block(struct machine *m, struct thread *t, enum wait_kind kind, uint64_t on,
		  int holder);
/* t can run again, with r0 = result; by is who woke it (0: the clock). */
void thread_wake(struct machine *m, struct thread *t, int by, int64_t result);
/* The thread of process pid that has waited longest for kind/on, or
 * NULL (kind/on is about its address space, or a thread or child; kind
 * is one of join, mutex, semaphore, cond and child, whose waits are
 * kept in queues). */
struct thread *thread_first_waiter(struct machine *m, int pid, enum wait_kind kind,
				   uint64_t on);
/* Put tid at the back of the ready queue; take it out. */
void ready_push(struct machine *m, int tid);
void ready_remove(struct machine *m, int tid);
/* Run the network's due actions and wake the sleepers (and timed I/O
 * waits) whose time has come. */
void thread_wake_sleepers(struct machine *m);

/* Run one instruction of t on core. */
void cpu_exec(struct machine *m, int core, struct thread *t);
/* Run up to n instructions of t, the only thread of a one-core machine
 * that nobody watches instruction by instruction, stopping after a fault
 * or a builtin call that changed what the scheduler decides on; returns
 * how many ran. */
uint64_t cpu_burst(struct machine *m, struct thread *t, uint64_t n);
/* Run up to ticks ticks of the n cores listed in cores (in order), each
 * running its thread and every other core idle, nobody watching
 * instruction by instruction: in each tick, one instruction of each, as
 * machine_step would.  Stops after a builtin call or a fault that
 * changed what the scheduler decides on or what a core runs: returns the
 * ticks that ran whole, and sets *stop to the index in cores of the core
 * whose instruction stopped the next one (-1: none did). */
uint64_t cpu_lockstep(struct machine *m, const int *cores, int n, uint64_t ticks, int *stop);
/* The program's own access to a word: on failure the process faults
 * (or the run hits the memory limit) and -1 is returned. */
int cpu_load(struct machine *m, struct thread *t, uint64_t addr, int64_t *v);
int cpu_store(struct machine *m, struct thread *t, uint64_t addr, int64_t v);

/* The builtins of sync.c; args as the sys instruction passed them. */
void sync_call(struct machine *m, struct thread *t, int builtin, const int64_t *args);

#endif
