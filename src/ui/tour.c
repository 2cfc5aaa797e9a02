/* tour: the lessons of the chapter, in its order, and the headless tour. */
#include "config.h"

#include "tour.h"

#include <string.h>

#include "../lang/scenario.h"
#include "../out/run.h"
#include "i18n.h"

const struct lesson tour_lessons[] = {
	{ 0, N_("The whole chapter in small: a PC, a call, two threads, a lost update, a lock"),
	  "tour", N_("PC stepping +4, a frame on the stack, two racers losing an update, then a mutex") },
	{ 1, N_("The CPU only fetches the instruction at PC and runs it; jumps and calls change PC"),
	  "pc-basics", N_("PC going +4, jumping at if and loops, call and ret; the source line of each instruction") },
	{ 2, N_("One CPU, many programs: the OS saves a context and restores it later"),
	  "multitasking", N_("the timer interrupt, the saved PC, SP and registers, and the timeline of who ran when") },
	{ 3, N_("Processes are isolated, and costly to create and to talk between"),
	  "process-vs-thread", N_("the ticks, memory and switches of one process, two processes and two threads") },
	{ 3, N_("fork copies a process, page by page only when one writes"),
	  "fork", N_("the Memory panel of each process (p), the shared pages, and wait collecting the exit code") },
	{ 4, N_("A thread is another entry point run by the PC in the same address space"),
	  "threads-share", N_("two PCs in one code segment, one data segment, one heap") },
	{ 5, N_("Each thread has its own stack in the process's address space"),
	  "stacks", N_("a stack region per thread in the Memory panel, frames pushed and popped") },
	{ 6, N_("A thread per request, or a pool of workers sized for the work"),
	  "thread-pool", N_("a few workers taking connections from a queue; threadlab --compare shows the sizes") },
	{ 7, N_("A thread owns its context: PC, SP and registers"),
	  "thread-context", N_("the saved context of each suspended thread in the Threads panel") },
	{ 8, N_("The code segment is read-only and shared, so it is thread-safe"),
	  "code-readonly", N_("every thread running the same instructions, and a write into code faulting") },
	{ 9, N_("Thread-local storage: one copy of the variable per thread"),
	  "tls", N_("each thread's TLS block in the Memory panel with its own copy") },
	{ 10, N_("Thread safety: counter++ is three instructions, and an update gets lost"),
	  "race-counter", N_("the ld, add, st of two threads interleaved; x explores every schedule") },
	{ 10, N_("Fix 1: a mutex around the shared update"),
	  "race-mutex", N_("the second thread blocked on the mutex until the first unlocks it") },
	{ 10, N_("Fix 2: an atomic add, one indivisible instruction"),
	  "race-atomic", N_("the atomic read-modify-write that no switch can split") },
	{ 10, N_("Fix 3: count in thread-local storage, combine at join"),
	  "race-tls", N_("each thread counting in its own TLS block") },
	{ 10, N_("Fix 4: share only what nobody writes"),
	  "race-readonly", N_("read-only data read by every thread, and no race") },
	{ 11, N_("Coroutines: suspend with yield, resume where it stopped, values both ways"),
	  "coroutine-generator", N_("the coroutine's saved PC, and control passing back and forth") },
	{ 12, N_("A function is a coroutine that never yields; coroutine stacks live on the heap"),
	  "coroutine-stacks", N_("coroutine stacks as heap blocks beside the thread's own stack") },
	{ 13, N_("Callbacks: a function as a value, called back now or later"),
	  "callbacks", N_("a callback run before the caller returns, then one run later on another thread") },
	{ 14, N_("Sync and async, blocking and non-blocking, are different axes"),
	  "blocking", N_("a thread blocked in read, then a non-blocking read returning at once") },
	{ 15, N_("Servers: a process per connection"),
	  "server-fork", N_("a process and its memory per client, and the switches between address spaces") },
	{ 15, N_("Servers: a thread per connection"),
	  "server-threads", N_("a thread and a stack per client; threadlab --compare server-threads "
	  "event-loop-server --clients 1000 shows the cost growing with the connections") },
	{ 15, N_("C10K: a thousand connections open at once, a thread blocked on each"),
	  "c10k", N_("the Memory title counting the stacks, every thread blocked in read; "
	  "--clients 10000 stops at the 1,024-thread limit") },
	{ 16, N_("An event loop: one thread, epoll, many sockets"),
	  "event-loop", N_("epoll_wait returning the ready descriptors and the handlers run in turn (i: the I/O panel)") },
	{ 16, N_("An event-loop server: every connection on one thread"),
	  "event-loop-server", N_("one thread serving every client, never blocked in a read") },
	{ 17, N_("The reactor: an event loop that hands the slow work to worker threads"),
	  "reactor", N_("the loop staying free while workers do the slow part") },
	{ 18, N_("Async RPC with callbacks, and callback hell"),
	  "rpc-callbacks", N_("the request flow split into callbacks; worker threads never blocked") },
	{ 18, N_("Coroutines make async RPC read like synchronous code"),
	  "rpc-coroutines", N_("the same flow written straight, suspended at each call") },
	{ 19, N_("CPU, thread, coroutine: coroutines get CPU time second-hand (M:N)"),
	  "mn-runtime", N_("coroutines multiplexed onto a few worker threads onto the cores") },
	{ 20, N_("Closures: a function plus the environment it captured"),
	  "closures", N_("the captured environment as a heap block that outlives the call") },
	{ 21, N_("Containers and VMs: isolation by the one kernel, or a whole machine"),
	  "containers", N_("P2 (pid 1 in box1) in the Threads title, a container throttled, one OOM-killed") },
};

const size_t tour_count = sizeof tour_lessons / sizeof tour_lessons[0];

const struct bundled *tour_scenario(size_t i)
{
	return i < tour_count ? bundle_find(tour_lessons[i].scenario) : NULL;
}

int tour_find(const char *name)
{
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	size_t n = strlen(base);
	if (n > 4 && !strcmp(base + n - 4, ".scn"))
		n -= 4;
	for (size_t i = 0; i < tour_count; i++)
		if (strlen(tour_lessons[i].scenario) == n &&
		    !memcmp(tour_lessons[i].scenario, base, n))
			return (int)i;
	return -1;
}

int tour_step(size_t i, int dir, int *skipped)
{
	int n = 0;
	for (long j = (long)i + dir; j >= 0 && j < (long)tour_count; j += dir) {
		if (tour_scenario((size_t)j)) {
			if (skipped)
				*skipped = n;
			return (int)j;
		}
		n++;
	}
	if (skipped)
		*skipped = n;
	return -1;
}

/* "Lesson 4 of 30, row 3: the idea (scenario)" as a heading on out. */
static void heading(FILE *out, size_t i)
{
	const struct lesson *l = &tour_lessons[i];
	fprintf(out, "== Lesson %zu of %zu", i + 1, tour_count);
	if (l->row)
		fprintf(out, ", row %d", l->row);
	fprintf(out, ": %s (%s) ==\n", l->idea, l->scenario);
}

int tour_print(FILE *out, FILE *err, const struct machine_config *first,
	       const struct limits *lim, const volatile sig_atomic_t *interrupted)
{
	int status = 0;
	fprintf(out, "A tour of the chapter: %zu lessons, one idea each, in the chapter's order.\n"
		"threadlab alone on a terminal walks them on the screen (] and [ go from lesson\n"
		"to lesson, L lists them); threadlab NAME opens one.\n", tour_count);
	for (size_t i = 0; i < tour_count && !(interrupted && *interrupted); i++) {
		fprintf(out, "\n");
		heading(out, i);
		const struct bundled *b = tour_scenario(i);
		if (!b) {
			fprintf(out, "%s is not there yet: the tour goes on.\n",
				tour_lessons[i].scenario);
			continue;
		}
		struct diags d;
		struct scenario *sc = scenario_compile(b->name, b->text, b->len, &d);
		if (!sc) {
			struct buf msg = { 0 };
			diags_format(&d, &msg);
			fputs(msg.s ? msg.s : "", err);
			buf_free(&msg);
			diags_free(&d);
			status = RUN_BAD;
			continue;
		}
		diags_free(&d);
		if (sc->title)
			fprintf(out, "%s\n", sc->title);
		if (sc->description)
			fprintf(out, "\n%s\n", sc->description);
		fprintf(out, "Look at: %s.\n\n", tour_lessons[i].look);
		fflush(out);
		struct run_options o = { .out = out, .err = err, .narration = out,
					 .interrupted = interrupted };
		int rc = run_scenario(sc, i == 0 && first ? first : &sc->config, lim, &o);
		fflush(out);
		scenario_free(sc);
		if (rc == RUN_INTERRUPTED)
			return RUN_INTERRUPTED;
	}
	if (interrupted && *interrupted)
		return RUN_INTERRUPTED;
	return status;
}
