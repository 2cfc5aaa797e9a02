/* container: containers as one kernel makes them.  container(f, arg,
 * memory, cpu) starts a process in a box of its own: a pid namespace in
 * which it is pid 1 (the host still sees its real pid), a hostname of its
 * own, a memory limit that kills the box's processes when their heap goes
 * over it (as the OOM killer does), and a CPU share that throttles the
 * box's threads once they have used it up in a period.  Everything else is
 * shared: the cores, the scheduler, the clock, the one kernel.  Box 0 is
 * the host's.  What is simplified is said in threadlab-scenario(5). */
#ifndef THREADLAB_CONTAINER_H
#define THREADLAB_CONTAINER_H

#include <stdint.h>

#define MAX_BOXES        8      /* the host's included */
#define BOX_NAME         16     /* a hostname's bytes, NUL included */
#define BOX_CPU_PERIOD   20     /* ticks of a CPU period; a share is of one core's */
#define BOX_MEM_MAX      (1ll << 30)    /* the largest memory limit */

/* One box: a namespace and its limits.  Plain data, so the machine stays
 * one value. */
struct box {
	char hostname[BOX_NAME];
	int next_pid;           /* the pid its next process gets in it */
	int64_t mem_limit;      /* heap bytes its processes may hold (0: no limit) */
	int cpu_share;          /* percent of one core per period (0 or 100: no limit) */
	uint64_t period_end;    /* the tick the current CPU period ends at */
	uint64_t used;          /* ticks its threads ran in this period */
	int throttled;          /* it used its share: its threads wait for period_end */
	uint64_t throttles;     /* periods it was throttled in */
	int64_t mem_used, mem_peak;     /* heap bytes charged to it */
	int oom;                /* its memory limit killed it */
};

struct machine;
struct thread;
struct process;

/* The builtins container, sethostname and gethostname, called by t. */
void container_call(struct machine *m, struct thread *t, int builtin, const int64_t *args);
/* Thread t ran an instruction: charge its box. */
void container_ran(struct machine *m, const struct thread *t);
/* Before a tick: a box whose CPU period has ended gets its share back
 * and its threads run again. */
void container_tick_begin(struct machine *m);
/* After a tick: a box over its memory limit is killed, one that used
 * its CPU share is throttled. */
void container_tick_end(struct machine *m);

/* The pid process p has in its own namespace (the host's pid for a
 * process of the host). */
int container_pid(const struct process *p);
/* The process a thread of box sees as pid, or NULL. */
struct process *container_find(const struct machine *m, int box, int64_t pid);
/* A forked child joins its parent's box with the next pid there. */
void container_fork(struct machine *m, struct process *child, const struct process *parent);
/* Box b's hostname ("host" for the host's). */
const char *container_hostname(const struct machine *m, int b);

#endif
