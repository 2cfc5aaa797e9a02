/* event: what the machine reports as it runs.  Every observable change
 * is one event; the UI, the trace, the exports and the tests all read
 * this one stream. */
#ifndef THREADLAB_EVENT_H
#define THREADLAB_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "isa.h"

/* X(NAME, "name", note event it triggers or -1, meaning) */
#define EVENT_KINDS(X)                                                          \
	X(EXEC,     "exec",     -1,          "an instruction ran")                 \
	X(SWITCH,   "switch",   NEV_SWITCH,  "a core saved one context and restored another") \
	X(PREEMPT,  "preempt",  NEV_PREEMPT, "a timer interrupt took the core from a thread") \
	X(SPAWN,    "spawn",    NEV_SPAWN,   "a thread was created")               \
	X(EXIT,     "exit",     NEV_EXIT,    "a thread ended")                     \
	X(BLOCK,    "block",    NEV_BLOCK,   "a thread must wait")                 \
	X(WAKE,     "wake",     NEV_WAKE,    "a waiting thread can run again")     \
	X(LOCK,     "lock",     NEV_LOCK,    "a thread took a mutex")              \
	X(UNLOCK,   "unlock",   NEV_UNLOCK,  "a thread released a mutex")          \
	X(SEM,      "sem",      -1,          "a semaphore's count changed")        \
	X(SIGNAL,   "signal",   -1,          "a condition variable was signalled") \
	X(ATOMIC,   "atomic",   -1,          "an indivisible read-modify-write")   \
	X(YIELD,    "yield",    -1,          "a thread gave up the core")          \
	X(SLEEP,    "sleep",    -1,          "a thread went to sleep")             \
	X(MALLOC,   "malloc",   NEV_MALLOC,  "a heap block was allocated")         \
	X(FREE,     "free",     NEV_FREE,    "a heap block was freed")             \
	X(PRINT,    "print",    NEV_PRINT,   "the program printed")                \
	X(FAULT,    "fault",    NEV_FAULT,   "the process was killed by a fault")  \
	X(ASSERT,   "assert",   NEV_ASSERT,  "an assertion failed")                \
	X(DEADLOCK, "deadlock", NEV_DEADLOCK, "every thread left is blocked")      \
	X(LIMIT,    "limit",    -1,          "a resource limit stopped the run")   \
	X(END,      "end",      -1,          "the run ended")                      \
	X(CO_CREATE, "co-create", -1,        "a coroutine was created, suspended") \
	X(RESUME,   "resume",   -1,          "a thread switched to a coroutine (user level)") \
	X(CO_YIELD, "co-yield", -1,          "a coroutine suspended itself, back to its resumer") \
	X(CO_RETURN, "co-return", -1,        "a coroutine's function returned: it is finished") \
	X(RACE,     "race",     -1,          "two threads reached a word unordered, one writing") \
	X(CLOSURE,  "closure",  -1,          "a closure was made: its environment is a new heap block") \
	X(FORK,     "fork",     -1,          "a process was created as a copy of its parent") \
	X(PEXIT,    "proc-exit", -1,         "a process ended (the run goes on while others live)") \
	X(REAP,     "reap",     -1,          "a wait collected a child's exit code") \
	X(LISTEN,   "listen",   NEV_LISTEN,  "a listening socket was opened on a port") \
	X(CONNECT,  "connect",  NEV_CONNECT, "a client connected: its connection waits to be accepted") \
	X(ACCEPT,   "accept",   NEV_ACCEPT,  "the program took a connection: a new descriptor") \
	X(ARRIVE,   "arrive",   NEV_ARRIVE,  "bytes (or a close) from a client reached a connection") \
	X(READ,     "read",     NEV_READ,    "the program read bytes from a descriptor") \
	X(WRITE,    "write",    NEV_WRITE,   "the program wrote bytes to a descriptor") \
	X(CLOSE,    "close",    NEV_CLOSE,   "a descriptor was closed") \
	X(REPLY,    "reply",    NEV_REPLY,   "what the program wrote reached its client") \
	X(EPOLL_CTL, "epoll-ctl", -1,        "the interest list of an epoll instance changed") \
	X(EPOLL,    "epoll",    NEV_EPOLL,   "epoll_wait returned the ready descriptors") \
	X(IOFAIL,   "io-fail",  NEV_IOFAIL,  "an I/O call failed and set errno") \
	X(DIAL,     "dial",     NEV_DIAL,    "the program connected to a remote service") \
	X(ANSWER,   "answer",   NEV_ANSWER,  "a remote service's answer reached the program") \
	X(GO,       "go",       NEV_GO,      "a coroutine was handed to the runtime's run queue") \
	X(PICK,     "pick",     NEV_PICK,    "a worker thread took a ready coroutine and runs it") \
	X(PARK,     "park",     NEV_PARK,    "a coroutine waits for a descriptor: its worker runs another") \
	X(UNPARK,   "unpark",   NEV_UNPARK,  "a parked coroutine's descriptor is ready: it is ready again") \
	X(CONTAINER, "container", NEV_CONTAINER, "a process was started in a new container (pid namespace, hostname, limits)") \
	X(HOSTNAME, "hostname", -1,          "a container's hostname was set") \
	X(THROTTLE, "throttle", NEV_THROTTLE, "a container used its CPU share: its threads wait for the next period") \
	X(OOM,      "oom",      NEV_OOM,     "a container went over its memory limit: its processes were killed")

enum event_kind {
#define X(id, name, nev, doc) EV_##id,
	EVENT_KINDS(X)
#undef X
	EV_COUNT
};

/* X(NAME, "what the program did") — why a process was killed. */
#define FAULT_KINDS(X)                                                    \
	X(NULL,       "NULL pointer access")                                \
	X(UNMAPPED,   "access to unmapped memory")                          \
	X(READONLY,   "write to read-only memory")                          \
	X(GUARD,      "stack overflow into the guard page")                 \
	X(ALIGN,      "misaligned access")                                  \
	X(BADJUMP,    "jump to an address that holds no instruction")       \
	X(DIVZERO,    "division by zero")                                   \
	X(DOUBLEFREE, "double free")                                        \
	X(BADFREE,    "free of a pointer that is not a heap block")         \
	X(UAF,        "use after free")                                     \
	X(HEAPOVER,   "heap buffer overflow (a block header was touched)")  \
	X(HEAPWILD,   "access to heap memory that was never allocated")     \
	X(NOTOWNER,   "unlock of a mutex the thread does not hold")         \
	X(BADTHREAD,  "no thread has this id")                              \
	X(JOINSELF,   "a thread joined itself")                             \
	X(BADCALL,    "a builtin not available in this version")            \
	X(NOTCORO,    "a handle that is not a coroutine")                   \
	X(CODONE,     "resume of a coroutine that has finished")            \
	X(CORUNNING,  "resume of a coroutine that is running")              \
	X(YIELDOUT,   "yield outside a coroutine")                          \
	X(COSTACK,    "coroutine stack overflow")                           \
	X(OOM,        "out of memory: its container went over its memory limit")

enum fault_kind {
#define X(id, doc) FAULT_##id,
	FAULT_KINDS(X)
#undef X
	FAULT_COUNT
};

/* What a thread waits for. */
#define WAIT_KINDS(X)                                                     \
	X(NONE,  "nothing")                                                  \
	X(JOIN,  "join")                                                     \
	X(MUTEX, "mutex")                                                    \
	X(SEM,   "semaphore")                                                \
	X(COND,  "cond")                                                     \
	X(SLEEP, "sleep")                                                    \
	X(CHILD, "child")                                                    \
	X(CPU,   "cpu share")      /* before the I/O waits: see thread.c */  \
	X(ACCEPT, "accept")                                                  \
	X(READ,  "read")                                                     \
	X(EPOLL, "epoll_wait")                                               \
	X(RUNQ,  "run queue")                                                \
	X(GO,    "go_wait")

enum wait_kind {
#define X(id, name) WAIT_##id,
	WAIT_KINDS(X)
#undef X
	WAIT_COUNT
};

/* Whether a thread waiting for w waits for the outside world (accept,
 * read, epoll_wait), not for another thread. */
static inline int wait_is_io(int w)
{
	return w == WAIT_ACCEPT || w == WAIT_READ || w == WAIT_EPOLL;
}

/* Why a core switched: it was idle (SW_START), or the thread it ran was
 * preempted (by the timer, or the random or scripted policy), blocked,
 * ended or yielded. */
enum switch_reason { SW_START, SW_PREEMPT, SW_BLOCK, SW_EXIT, SW_YIELD };

/* A saved or restored context, as a switch shows it. */
struct context {
	uint64_t pc, sp, fp;
	int64_t r[NGPR];
};

/* One event.  Which fields mean something depends on kind:
 * EXEC     insn at pc; reg/regval the register it wrote (REG_NONE: none;
 *          a sys instruction's effects are the events that follow it),
 *          sp when it moved sp; raddr/rval a word it read, waddr/wval a
 *          word it wrote (0: none).
 * SWITCH   tid is the thread restored (0: the core goes idle), other the
 *          thread saved (0: none); from/to the contexts; a = reason,
 *          b = ticks the switch costs; space = 1 when the two threads
 *          are of different processes (the address space changed).
 * PREEMPT  tid preempted after a ticks.
 * SPAWN    tid created thread other, entry addr, first argument a.
 * EXIT     tid ended returning a.
 * BLOCK    tid waits: a = enum wait_kind, addr = object (or thread id,
 *          or wake tick), other = the holder when there is one.
 * WAKE     tid can run again; a = enum wait_kind it waited in, other = the
 *          thread that woke it (0: the clock).
 * LOCK     tid took the mutex at addr; UNLOCK released it.
 * SEM      the semaphore at addr now counts a (b: +1 or -1).
 * SIGNAL   the cond at addr woke a threads (b: 1 for broadcast).
 * ATOMIC   the word at addr was rval and is now wval (a: the builtin).
 * YIELD    tid gave up its core.  SLEEP: tid sleeps until tick addr.
 * MALLOC   block at addr of a bytes (payload); FREE the same.
 * PRINT    text/len: what was printed.
 * FAULT    a = enum fault_kind at address addr.
 * ASSERT   text: the condition's source.
 * DEADLOCK the threads blocked; see machine_wait_cycle().
 * LIMIT    a = enum limit_kind.
 * END      a = enum end_status, b = exit status for END_OK.
 * Coroutines (see coro.h): addr is always the coroutine (its handle).
 * CO_CREATE tid created it, suspended: function b, first argument a;
 *          to = the context its first resume restores (pc b, sp at the
 *          top of its stack, a heap block).  other = its id.
 * RESUME   tid switched to it with value a (b = 1: the first resume,
 *          which starts the function and drops a); from = the
 *          resumer's context, saved in the coroutine object; to = the
 *          coroutine's, restored.  other = the coroutine's id.
 * CO_YIELD it suspended itself, yielding a: from = its context, saved
 *          (the saved pc is where the next resume goes on), to = the
 *          resumer's, restored.  other = the coroutine's id.
 * CO_RETURN its function returned a: it is finished and its stack block
 *          freed; to = the resumer's context, restored (from: none).
 *          other = the coroutine's id.
 * RACE     the first data race on the word at addr (see race.h): tid,
 *          pc and line are the access that found it, a = 1 when that
 *          access is a write; other is the thread of the earlier access
 *          it is not ordered with, b = 1 when that one was a write, and
 *          pc2/line2 say where it was.  held[0..nheld) are the mutexes
 *          the thread held at its access, held2[0..nheld2) those other
 *          held at the earlier one (no mutex is in both); the arrays
 *          live only while the sink is called.
 * CLOSURE  tid made a closure of function b capturing a values: its
 *          environment is the heap block at addr (see closure.h).
 * Processes (pid, on every event about a thread, is its process):
 * FORK     tid forked: other is the child's one thread, a its pid.
 * PEXIT    process a ended (b = enum proc_end, addr = the exit code, or
 *          the fault for PE_FAULT), tid the thread that ended it.  Sent
 *          only once a program has forked.
 * REAP     tid's wait collected child process a, whose exit code is b.
 * BLOCK and WAKE with WAIT_CHILD: addr is the pid waited for; with
 *          WAIT_ACCEPT, WAIT_READ and WAIT_EPOLL, the descriptor.
 * I/O (see fd.h, net.h, epoll.h).  A client is numbered from 1; b is
 * a descriptor where one is named:
 * LISTEN   tid listens on port a with descriptor b.
 * CONNECT  client a connected to port other (tid 0); it waits in the
 *          listening socket's queue.
 * ACCEPT   tid accepted client a's connection as descriptor b.
 * ARRIVE   a bytes from client other reached its connection (a = 0:
 *          its close did: end of file follows what is left).
 * READ     tid read a bytes from descriptor b (0: end of file);
 *          text/len: the start of what it read.
 * WRITE    tid wrote a bytes to descriptor b; text/len as READ.
 * CLOSE    tid closed descriptor b (other: the client of the
 *          connection it closed, if the file is now closed).
 * REPLY    a bytes the program wrote reached client other (text/len:
 *          their start); with a = 0, the program's close did.
 * EPOLL_CTL tid changed epoll instance b: op a (1 add, 2 del, 3 mod) of
 *          descriptor other, events addr.
 * EPOLL    tid's epoll_wait on b returned a items (0: its timeout).
 * IOFAIL   tid's call of builtin a failed with errno b (on descriptor
 *          other).
 * DIAL     tid connected to remote service other (numbered from 1, as
 *          the #service lines) on port a: descriptor b; text/len: the
 *          service's name.
 * ANSWER   service other's answer of a bytes reached the program's
 *          connection to it (tid 0); text/len: their start.
 * The coroutine runtime (see runtime.h): addr is the coroutine's
 * handle and other its id.
 * GO       tid handed coroutine other to the run queue (function b,
 *          argument a).
 * PICK     worker tid took coroutine other off the run queue to run it;
 *          a = the worker that ran it last when another (0: none, or
 *          the same), b = coroutines still ready.
 * PARK     coroutine other, run by worker tid, waits in a (enum
 *          wait_kind: read or accept) on descriptor b; from = its
 *          context, saved at the call it makes again once woken, to =
 *          the worker's own, restored.
 * UNPARK   descriptor b is ready: coroutine other, parked in a on it,
 *          is ready again (tid 0: the runtime's poller did it).
 * BLOCK with WAIT_RUNQ: a worker with no ready coroutine waits for one;
 * with WAIT_GO: go_wait waits for every coroutine and worker to end.
 * Containers (see container.h); a box is numbered from 1:
 * CONTAINER tid started process a (its host pid) in new box b, pid 1
 *          there, with other its one thread; addr is the memory limit
 *          in bytes and regval the CPU share in percent (0: none).
 * HOSTNAME tid named its box a: text/len.
 * THROTTLE box a used its CPU share (regval percent): b ticks this
 *          period; its threads wait (BLOCK with WAIT_CPU, addr the box)
 *          until tick addr (tid 0).
 * OOM      box a holds b heap bytes, over its limit addr: its
 *          processes are killed (PEXIT with FAULT_OOM follow; tid 0).
 * BLOCK and WAKE with WAIT_CPU: addr is the box. */
struct event {
	enum event_kind kind;
	uint64_t tick;
	int core;               /* -1: not on a core */
	int tid;                /* 0: no thread */
	int pid;                /* tid's process (0: no thread) */
	int space;              /* SWITCH: it changed address space */
	int other;
	uint64_t pc;
	int line;
	const struct insn *insn;
	int reg;
	int64_t regval;
	int sp_moved;
	uint64_t sp;
	uint64_t raddr, waddr;
	int64_t rval, wval;
	int64_t a, b;
	uint64_t addr;
	const struct context *from, *to;
	const char *text;
	size_t len;
	uint64_t pc2;           /* RACE: the earlier access */
	int line2;
	int nheld, nheld2;
	const uint64_t *held, *held2;
};

struct event_info {
	const char *name;
	int note;               /* enum note_event, or -1 */
	const char *doc;
};

extern const struct event_info event_kinds[EV_COUNT];
extern const char *const fault_names[FAULT_COUNT];
extern const char *const wait_names[WAIT_COUNT];

/* Where events go: fn is called with each event whose kind is in mask,
 * in order. */
struct event_sink {
	void (*fn)(void *ctx, const struct event *ev);
	void *ctx;
	uint64_t mask;          /* EV_BIT(kind) for each kind wanted */
};

/* A sink's mask has a bit per kind. */
_Static_assert(EV_COUNT < 64, "event kinds must fit in a 64-bit mask");
#define EV_BIT(k) (1ull << (k))
#define EV_ALL (EV_BIT(EV_COUNT) - 1)

#endif
