/* main: the command line — options, modes and exit codes. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "i18n.h"
#include "lang/parse.h"
#include "lang/scenario.h"
#include "out/compare.h"
#include "out/disasm.h"
#include "out/export.h"
#include "out/figures.h"
#include "out/quiz.h"
#include "out/run.h"
#include "out/tally.h"
#include "sim/sched.h"
#include "ui/tour.h"
#include "ui/ui.h"

/* Exit codes, as threadlab(1) documents them. */
enum {
	EXIT_OK = RUN_OK,               /* all held */
	EXIT_FAILED = RUN_FAILED,       /* the simulated program failed */
	EXIT_USAGE = RUN_BAD,           /* bad usage or a bad scenario file */
	EXIT_LIMIT = RUN_LIMIT,         /* a resource limit stopped the run */
};

enum mode { MODE_DEFAULT, MODE_CHECK, MODE_DISASM, MODE_LIST, MODE_RUN, MODE_EXPLORE,
	     MODE_COMPARE, MODE_QUIZ };

/* Keys of the options that have no short form. */
enum {
	OPT_CORES = 256, OPT_QUANTUM, OPT_POLICY, OPT_SEED, OPT_SCHEDULE, OPT_SWITCH_COST,
	OPT_MAX_STEPS, OPT_MAX_THREADS, OPT_MAX_MEMORY, OPT_MAX_PROCESSES,
	OPT_PROCESS_SWITCH_COST, OPT_STATS, OPT_PRINT_SCHEDULE,
	OPT_PLAY, OPT_SPEED, OPT_NO_COLOR, OPT_ASCII, OPT_EXPLORE, OPT_MAX_PREEMPTIONS,
	OPT_MAX_EARLY, OPT_NO_REDUCTION, OPT_MAX_STATES, OPT_NO_RACES, OPT_EXPORT, OPT_COMPARE, OPT_CLIENTS,
	OPT_QUIZ, OPT_ANSWERS, OPT_QUESTIONS, OPT_JOBS,
};

/* The options: one table drives getopt_long and --help. */
static const struct option_doc {
	const char *name;
	int key;
	int has_arg;            /* no_argument, required_argument, optional_argument */
	const char *arg;        /* the argument's name in --help */
	const char *help;
} options[] = {
	{ "run",     'r', no_argument, NULL,
	  N_("run the scenario to the end without the screen:\n"
	     "the program's output on stdout, reports on stderr") },
	{ "trace",   't', optional_argument, "FILE",
	  N_("run and write the event trace, one line per event,\n"
	     "to FILE (written whole or not at all) or, without\n"
	     "FILE, to stdout in place of the program's output") },
	{ "stats",   OPT_STATS, no_argument, NULL,
	  N_("run and print statistics (key: value) on stderr") },
	{ "print-schedule", OPT_PRINT_SCHEDULE, no_argument, NULL,
	  N_("run and print the schedule taken on stderr, in\n"
	     "the form --schedule replays") },
	{ "export",  OPT_EXPORT, required_argument, "FORMAT FILE",
	  N_("run and write FILE (written whole or not at\n"
	     "all): perfetto, a Chrome trace JSON for\n"
	     "Perfetto; dot, the wait-for graph at the end,\n"
	     "or with --explore the state graph (Graphviz)") },
	{ "explore", OPT_EXPLORE, no_argument, NULL,
	  N_("search the scenario's schedules: how many end\n"
	     "how, and the shortest failing one as a schedule\n"
	     "line; exit 1 when a schedule fails") },
	{ "max-preemptions", OPT_MAX_PREEMPTIONS, required_argument, "N",
	  N_("explore only schedules with at most N\n"
	     "preemptions (0 to 1000, or none: the default)") },
	{ "max-early-deliveries", OPT_MAX_EARLY, required_argument, "N",
	  N_("explore only schedules where at most N of\n"
	     "the clients' deliveries come while a thread\n"
	     "could go on (0 to 1000, or none; default 0)") },
	{ "no-reduction", OPT_NO_REDUCTION, no_argument, NULL,
	  N_("explore every interleaving, not one schedule\n"
	     "per class of equivalent ones") },
	{ "max-states", OPT_MAX_STATES, required_argument, "N",
	  N_("stop exploring after N states (default 1000000)") },
	{ "jobs", OPT_JOBS, required_argument, "N",
	  N_("explore on N host threads (1 to 256; default\n"
	     "the number of online cores): the same result,\n"
	     "byte for byte, as one") },
	{ "compare", OPT_COMPARE, no_argument, NULL,
	  N_("run each scenario given (one or more) without\n"
	     "the screen and print one table of their\n"
	     "figures, a row a scenario; exit with the\n"
	     "highest of their statuses") },
	{ "quiz",    OPT_QUIZ, no_argument, NULL,
	  N_("ask questions about the run: on the screen,\n"
	     "just before the tick that answers each;\n"
	     "without a terminal, print them for handing out") },
	{ "answers", OPT_ANSWERS, required_argument, "FILE",
	  N_("with --quiz: grade the answers in FILE, one\n"
	     "'N: ANSWER' a line; exit 0 when all are right") },
	{ "questions", OPT_QUESTIONS, required_argument, "N",
	  N_("with --quiz: ask at most N questions (1 to 100,\n"
	     "default 10)") },
	{ "check",   'c', no_argument, NULL,
	  N_("compile the scenario and report any errors;\n"
	     "exit 0 or 2") },
	{ "disasm",  'd', no_argument, NULL,
	  N_("print the compiled program: segments, symbols,\n"
	     "and every function's instructions interleaved\n"
	     "with its source lines") },
	{ "list",    'l', no_argument, NULL, N_("list the bundled scenarios with their titles") },
	{ "cores",   OPT_CORES, required_argument, "N", N_("simulate N cores (1 to 64)") },
	{ "clients", OPT_CLIENTS, required_argument, "N",
	  N_("every #clients line of the scenario declares\n"
	     "N clients (1 to 100000, at most 100000 in all)") },
	{ "quantum", OPT_QUANTUM, required_argument, "N",
	  N_("ticks between timer interrupts (1 to 1000000)") },
	{ "policy",  OPT_POLICY, required_argument, "NAME",
	  N_("scheduling policy: rr, fifo, priority, random\n"
	     "or script") },
	{ "seed",    OPT_SEED, required_argument, "N", N_("seed of the random policy") },
	{ "schedule", OPT_SCHEDULE, required_argument, "S",
	  N_("replay schedule S (or the one in file F, given\n"
	     "as @F); sets the policy to script") },
	{ "switch-cost", OPT_SWITCH_COST, required_argument, "N",
	  N_("ticks a context switch takes (0 to 1000000)") },
	{ "process-switch-cost", OPT_PROCESS_SWITCH_COST, required_argument, "N",
	  N_("ticks a switch between threads of two\n"
	     "processes takes (0 to 1000000; default four\n"
	     "times the switch cost)") },
	{ "no-races", OPT_NO_RACES, no_argument, NULL,
	  N_("run without the data-race detector (faster;\n"
	     "no race is reported)") },
	{ "max-steps", OPT_MAX_STEPS, required_argument, "N",
	  N_("stop after N instructions (default 1000000000;\n"
	     "for --explore, per schedule, default 1000000)") },
	{ "max-threads", OPT_MAX_THREADS, required_argument, "N",
	  N_("stop when a thread beyond N is created\n"
	     "(default 1024)") },
	{ "max-memory", OPT_MAX_MEMORY, required_argument, "BYTES",
	  N_("simulated memory of each process, suffix K, M\n"
	     "or G allowed (default 64M)") },
	{ "max-processes", OPT_MAX_PROCESSES, required_argument, "N",
	  N_("stop when a fork would make more than N\n"
	     "processes (1 to 1024, default 64)") },
	{ "play",    OPT_PLAY, no_argument, NULL, N_("start the screen running, not paused") },
	{ "speed",   OPT_SPEED, required_argument, "N",
	  N_("run the screen at N ticks per second (1 to\n"
	     "10000000, default 8)") },
	{ "no-color", OPT_NO_COLOR, no_argument, NULL,
	  N_("no colours on the screen (also when NO_COLOR\n"
	     "is set)") },
	{ "ascii",   OPT_ASCII, no_argument, NULL,
	  N_("draw the screen with ASCII only: no line\n"
	     "drawing, no UTF-8") },
	{ "help",    'h', no_argument, NULL, N_("show this help and exit") },
	{ "version", 'V', no_argument, NULL, N_("show the version and exit") },
};

/* --help: the usage, the options and the exit statuses, printed to out. */
static void usage(FILE *out)
{
	fputs(_("Usage: threadlab [OPTION]... [FILE|NAME]\n"
		"Show what happens inside a running program: CPUs, processes, threads,\n"
		"stacks, heap and scheduling, scripted by a scenario file.\n\n"
		"FILE is a scenario file; NAME is a bundled scenario (see --list).\n"
		"With neither, the tour: every idea of the chapter, lesson by lesson.\n\n"), out);
	for (size_t i = 0; i < ARRAY_LEN(options); i++) {
		const struct option_doc *o = &options[i];
		char head[40];
		const char *arg = o->arg ? o->arg : "";
		const char *eq = !o->arg ? "" : o->has_arg == optional_argument ? "[=" : "=";
		snprintf(head, sizeof head, "%s--%s%s%s%s", o->key < 256 ? "" : "    ",
			 o->name, eq, arg, o->has_arg == optional_argument ? "]" : "");
		if (o->key < 256)
			fprintf(out, "  -%c, %-22s ", o->key, head);
		else if (strlen(head) > 26)   /* too long: the help starts below */
			fprintf(out, "  %s\n%29s", head, "");
		else
			fprintf(out, "  %-26s ", head);
		const char *h = _(o->help);
		for (const char *nl; (nl = strchr(h, '\n')); h = nl + 1)
			fprintf(out, "%.*s\n%29s", (int)(nl - h), h, "");
		fprintf(out, "%s\n", h);
	}
	fputs(_("\nWithout a mode option, threadlab opens the scenario on the full screen,\n"
		"paused at tick 0 (press ? there for the keys; ] and [ go to the next and\n"
		"previous lesson of the tour, L lists them).  When standard input or\n"
		"output is not a terminal, it prints the title and description and runs\n"
		"the scenario with its narration instead; without a scenario (or with\n"
		"--run and none), it does so for every lesson of the tour in turn.\n\n"
		"Exit status: 0 success; 1 the simulated program failed (an assertion, a\n"
		"fault, a deadlock, a nonzero return from main or a failed expectation);\n"
		"2 bad usage or a bad scenario file; 3 a resource limit stopped the run.\n"
		"--compare exits with the highest of its runs' statuses.\n\n"
		"See threadlab(1) and threadlab-scenario(5).\n"), out);
}

/* A scenario's text and the name diagnostics call it by. */
struct source {
	char *text;
	size_t len;
	char *name;
	int owned;              /* text was read from a file */
};

/* Read a whole file (at most MAX_SOURCE bytes). */
static int read_file(const char *path, struct source *src)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, _("threadlab: cannot open '%s': %s\n"), path, strerror(errno));
		return -1;
	}
	struct buf b = { 0 };
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf_put(&b, chunk, n);
		if (b.len > MAX_SOURCE)
			break;
	}
	int err = ferror(f) ? errno : 0;
	fclose(f);
	if (err) {
		fprintf(stderr, _("threadlab: cannot read '%s': %s\n"), path, strerror(err));
		buf_free(&b);
		return -1;
	}
	if (b.len > MAX_SOURCE) {
		fprintf(stderr, "%s: error: file too large (more than %d bytes)\n", path, MAX_SOURCE);
		buf_free(&b);
		return -1;
	}
	src->len = b.len;
	src->text = buf_take(&b);
	src->name = xstrdup(path);
	src->owned = 1;
	return 0;
}

/* Find the scenario: a file if one exists by that name, else a bundled one. */
static int load_source(const char *arg, struct source *src)
{
	memset(src, 0, sizeof *src);
	if (!arg) {
		const struct bundled *b = &bundled_scenarios[0];
		src->text = (char *)b->text;
		src->len = b->len;
		src->name = xstrdup(b->name);
		return 0;
	}
	FILE *f = fopen(arg, "rb");
	int open_errno = errno;
	if (f || strchr(arg, '/') || !bundle_find(arg)) {
		if (f)
			fclose(f);
		if (!f && !strchr(arg, '/') && open_errno == ENOENT) {
			fprintf(stderr, _("threadlab: '%s' is neither a file nor a bundled scenario (see --list)\n"), arg);
			return -1;
		}
		return read_file(arg, src);
	}
	const struct bundled *b = bundle_find(arg);
	src->text = (char *)b->text;
	src->len = b->len;
	src->name = xstrdup(b->name);
	return 0;
}

/* Free what load_source allocated. */
static void source_free(struct source *src)
{
	if (src->owned)
		free(src->text);
	free(src->name);
}

/* Compile, printing diagnostics; NULL on errors. */
static struct scenario *compile(const struct source *src)
{
	struct diags d;
	struct scenario *sc = scenario_compile(src->name, src->text, src->len, &d);
	if (d.n) {
		struct buf b = { 0 };
		diags_format(&d, &b);
		fputs(b.s, stderr);
		buf_free(&b);
	}
	diags_free(&d);
	return sc;
}

/* --list: every bundled scenario and its title. */
static int list_bundled(void)
{
	size_t width = 0;
	for (size_t i = 0; i < bundled_count; i++)
		if (strlen(bundled_scenarios[i].name) > width)
			width = strlen(bundled_scenarios[i].name);
	int status = EXIT_OK;
	for (size_t i = 0; i < bundled_count; i++) {
		const struct bundled *b = &bundled_scenarios[i];
		struct diags d;
		struct scenario *sc = scenario_compile(b->name, b->text, b->len, &d);
		printf("%-*s  %s\n", (int)width, b->name,
		       sc && sc->title ? _(sc->title) : _("(does not compile)"));
		if (!sc)
			status = EXIT_USAGE;
		scenario_free(sc);
		diags_free(&d);
	}
	return status;
}

/* Parse a number in [lo, hi] for option name; -1 with a message if it is not one. */
static int parse_num(const char *name, const char *arg, int64_t lo, int64_t hi, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(arg, &end, 10);
	if (!*arg || *end || errno || v < lo || v > hi || !strchr("0123456789", *arg)) {
		fprintf(stderr, _("threadlab: --%s wants a number from %lld to %lld, not '%s'\n"),
			name, (long long)lo, (long long)hi, arg);
		return -1;
	}
	*out = v;
	return 0;
}

/* --max-memory: bytes, with an optional K, M or G. */
static int parse_bytes(const char *arg, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(arg, &end, 10);
	unsigned long long mul = 1;
	if (*end == 'K' || *end == 'k') mul = 1ull << 10, end++;
	else if (*end == 'M' || *end == 'm') mul = 1ull << 20, end++;
	else if (*end == 'G' || *end == 'g') mul = 1ull << 30, end++;
	if (!strchr("0123456789", *arg) || !*arg || *end || errno || v > (4ull << 30) / mul ||
	    v * mul < (1ull << 20)) {
		fprintf(stderr, _("threadlab: --max-memory wants a size from 1M to 4G "
				"(bytes, or with K, M or G), not '%s'\n"), arg);
		return -1;
	}
	*out = v * mul;
	return 0;
}

/* Read a schedule given as @FILE. */
static char *read_schedule(const char *arg)
{
	if (arg[0] != '@')
		return xstrdup(arg);
	struct source src;
	if (read_file(arg + 1, &src) < 0)
		return NULL;
	free(src.name);
	return src.text;
}

/* The settings and switches the command line gives. */
struct cli {
	enum mode mode;
	int run_flags;          /* --trace, --stats, --print-schedule given */
	const char *trace_file; /* NULL: stdout */
	int trace, stats, print_schedule;
	struct ui_options ui;
	struct machine_config cfg;      /* only the fields set below count */
	int set_cores, set_quantum, set_policy, set_seed, set_switch_cost, set_max_steps;
	int set_process_switch_cost;
	int clients;                    /* --clients N (0: not given) */
	int no_races;                   /* --no-races */
	const char *export_file[EXPORT_COUNT];  /* --export=FORMAT FILE (NULL: not given) */
	int exports;                    /* one given */
	char *schedule;
	struct limits lim;
	struct tally_options explore;   /* --max-preemptions, --max-early-deliveries,
					 * --no-reduction, --max-states */
	int explore_flags;              /* one of those given */
	int jobs_given;                 /* --jobs */
	const char *answers;            /* --answers FILE (NULL: not given) */
	int questions;                  /* --questions N (0: not given) */
};

static volatile sig_atomic_t interrupted;

/* A signal asks the run to stop; it stops between two chunks of ticks. */
static void on_signal(int sig)
{
	interrupted = sig;
}

/* Write the trace to a temporary file next to path, renamed over path
 * once complete: the file is never seen half-written. */
static FILE *open_atomic(const char *path, char **tmp)
{
	int fd = temp_file_next_to(path, tmp);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		fprintf(stderr, _("threadlab: cannot write '%s': %s\n"), path, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(*tmp);
			xfree(*tmp);
			*tmp = NULL;
		}
	}
	return f;
}

/* The scenario's settings with the command line's on top, in *out;
 * -1 after a message when they do not go together. */
static int settings(const struct scenario *sc, const struct cli *cli, struct machine_config *out)
{
	struct machine_config cfg = sc->config;
	if (cli->clients) {
		if (!cfg.ngroups) {
			fprintf(stderr, _("threadlab: --clients: %s has no clients to count (no "
				"#clients line)\n"), sc->name);
			return -1;
		}
		if ((int64_t)cli->clients * cfg.ngroups > CONFIG_MAX_CLIENTS) {
			fprintf(stderr, _("threadlab: --clients %d: %s has %d #clients lines, so %lld "
				"clients in all, more than %d\n"), cli->clients, sc->name, cfg.ngroups,
				(long long)cli->clients * cfg.ngroups, CONFIG_MAX_CLIENTS);
			return -1;
		}
		for (int i = 0; i < cfg.ngroups; i++)
			cfg.groups[i].clients = cli->clients;
	}
	if (cli->set_cores) cfg.cores = cli->cfg.cores;
	if (cli->set_quantum) cfg.quantum = cli->cfg.quantum;
	if (cli->set_policy) cfg.policy = cli->cfg.policy;
	if (cli->set_seed) cfg.seed = cli->cfg.seed;
	if (cli->set_switch_cost) cfg.switch_cost = cli->cfg.switch_cost;
	if (cli->set_process_switch_cost)
		cfg.process_switch_cost = cli->cfg.process_switch_cost;
	if (cli->no_races)
		cfg.no_race_detect = 1;
	if (cli->schedule) {
		cfg.schedule = cli->schedule;
		if (!cli->set_policy)
			cfg.policy = POLICY_SCRIPT;
	}
	*out = cfg;
	return 0;
}

/* Write an export's text to path, whole or not at all; -1 after a message. */
static int export_write(const char *path, const struct buf *text)
{
	char err[512];
	if (write_file_atomic(path, text->s ? text->s : "", text->len, err, sizeof err) < 0) {
		fprintf(stderr, "threadlab: %s\n", err);
		return -1;
	}
	return 0;
}

/* Run the scenario headless; default mode narrates on stdout too. */
static int run(const struct scenario *sc, const struct cli *cli)
{
	struct machine_config cfg;
	if (settings(sc, cli, &cfg) < 0)
		return EXIT_USAGE;
	struct run_options o = { .out = stdout, .err = stderr, .stats = cli->stats,
				 .print_schedule = cli->print_schedule,
				 .interrupted = &interrupted };
	if (cli->mode == MODE_DEFAULT) {
		if (sc->title)
			printf("%s\n", sc->title);
		if (sc->description)
			printf("\n%s\n", sc->description);
		printf("\n");
		fflush(stdout);
		o.narration = stdout;
	}
	char *tmp = NULL;
	int direct = 0, started = 0;
	o.started = &started;
	struct stat st;
	if (cli->trace && !cli->trace_file) {
		o.trace = stdout;
		o.out = NULL;
	} else if (cli->trace && stat(cli->trace_file, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* a device or a pipe is written in place, never replaced (opening
		 * a pipe waits for a reader: a signal then just ends the program) */
		if (!(o.trace = fopen(cli->trace_file, "w"))) {
			fprintf(stderr, _("threadlab: cannot write '%s': %s\n"), cli->trace_file,
				strerror(errno));
			return EXIT_USAGE;
		}
		direct = 1;
	}
	/* from here on a signal stops the run cleanly, between two chunks */
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (cli->trace && cli->trace_file && !direct &&
	    !(o.trace = open_atomic(cli->trace_file, &tmp)))
		return EXIT_USAGE;

	struct exporter *ex[EXPORT_COUNT] = { 0 };
	struct run_watcher watch[EXPORT_COUNT];
	for (int f = 0; f < EXPORT_COUNT; f++)
		if (cli->export_file[f]) {
			ex[f] = exporter_new(f, sc);
			watch[o.nwatchers++] = exporter_watcher(ex[f]);
		}
	o.watchers = watch;

	int status = run_scenario(sc, &cfg, &cli->lim, &o);
	if (interrupted)
		status = RUN_INTERRUPTED;
	for (int f = 0; f < EXPORT_COUNT; f++) {
		const struct buf *text = ex[f] ? exporter_text(ex[f]) : NULL;
		if (text && status != RUN_INTERRUPTED && status != EXIT_USAGE &&
		    export_write(cli->export_file[f], text) < 0)
			status = EXIT_USAGE;
		exporter_free(ex[f]);
	}
	if (direct && fclose(o.trace) != 0 && status != RUN_INTERRUPTED) {
		fprintf(stderr, _("threadlab: cannot write '%s': %s\n"), cli->trace_file, strerror(errno));
		status = EXIT_USAGE;
	}
	if (tmp) {
		/* the trace replaces FILE only when it is whole */
		int bad = fclose(o.trace) != 0;
		int whole = started && status != RUN_INTERRUPTED && status != EXIT_USAGE;
		if (bad || !whole || rename(tmp, cli->trace_file) != 0) {
			if (bad || whole) {
				fprintf(stderr, _("threadlab: cannot write '%s': %s\n"), cli->trace_file,
					strerror(errno));
				status = EXIT_USAGE;
			}
			unlink(tmp);
		}
		free(tmp);
	}
	if (status == RUN_INTERRUPTED) {
		fflush(stdout);
		fprintf(stderr, _("threadlab: interrupted\n"));
		signal(interrupted, SIG_DFL);
		raise(interrupted);
		status = 128 + interrupted;
	}
	return status;
}

/* The host threads an exploration takes by default: the online cores. */
static int default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > EXPLORE_MAX_JOBS ? EXPLORE_MAX_JOBS : (int)n;
}

/* Explore the scenario's schedules and print the tally. */
static int explore_mode(const struct scenario *sc, const struct cli *cli)
{
	struct machine_config cfg;
	if (settings(sc, cli, &cfg) < 0)
		return EXIT_USAGE;
	struct limits lim = cli->lim;
	if (!cli->set_max_steps)
		lim.max_steps = EXPLORE_DEFAULT_MAX_STEPS;
	struct tally_options o = cli->explore;
	if (!cli->jobs_given)
		o.jobs = default_jobs();
	o.out = stdout;
	o.err = stderr;
	o.interrupted = &interrupted;
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	struct dot_states *graph = cli->export_file[EXPORT_DOT] ? dot_states_new() : NULL;
	if (graph) {
		o.on_step = dot_states_step;
		o.step_ctx = graph;
	}
	int status = tally_scenario(sc, &cfg, &lim, &o);
	if (graph && !interrupted && status != RUN_INTERRUPTED && status != RUN_BAD) {
		struct buf b = { 0 };
		if (dot_states_write(graph, sc, &b) < 0) {
			fprintf(stderr, _("threadlab: the state graph has %llu states, more than the %d "
				"--export=dot draws; bound the search with --max-preemptions, or with "
				"--max-states %d to draw its beginning, or pick a smaller scenario\n"),
				(unsigned long long)dot_states_count(graph), DOT_MAX_STATES,
				DOT_MAX_STATES);
			status = EXIT_LIMIT;
		} else if (export_write(cli->export_file[EXPORT_DOT], &b) < 0) {
			status = EXIT_USAGE;
		}
		buf_free(&b);
	}
	dot_states_free(graph);
	if (interrupted || status == RUN_INTERRUPTED) {
		fflush(stdout);
		fprintf(stderr, _("threadlab: interrupted\n"));
		signal(interrupted ? interrupted : SIGINT, SIG_DFL);
		raise(interrupted ? interrupted : SIGINT);
		status = 128 + (interrupted ? interrupted : SIGINT);
	}
	return status;
}

/* --compare: compile every scenario, then run each headless (its output
 * dropped, its reports on stderr) and print the table of their figures;
 * returns the highest of the runs' exit statuses, or 2 when one does not
 * compile or its settings do not go with the command line's. */
static int compare_mode(char **names, int n, const struct cli *cli)
{
	struct source *src = xcalloc((size_t)n, sizeof *src);
	struct scenario **sc = xcalloc((size_t)n, sizeof *sc);
	struct machine_config *cfg = xcalloc((size_t)n, sizeof *cfg);
	struct compare_row *rows = xcalloc((size_t)n, sizeof *rows);
	int status = EXIT_OK, loaded = 0;
	for (; loaded < n && status == EXIT_OK; loaded++) {
		if (load_source(names[loaded], &src[loaded]) < 0) {
			status = EXIT_USAGE;
			break;
		}
		if (!(sc[loaded] = compile(&src[loaded])) ||
		    settings(sc[loaded], cli, &cfg[loaded]) < 0)
			status = EXIT_USAGE;
	}
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	for (int i = 0; i < n && status == EXIT_OK; i++) {
		struct run_options o = { .err = stderr, .interrupted = &interrupted,
					 .figures = &rows[i].f };
		rows[i].name = sc[i]->name;
		rows[i].status = run_scenario(sc[i], &cfg[i], &cli->lim, &o);
		if (interrupted || rows[i].status == RUN_INTERRUPTED)
			break;
	}
	if (status == EXIT_OK && !interrupted) {
		compare_print(stdout, rows, (size_t)n);
		for (int i = 0; i < n; i++)
			if (rows[i].status > status)
				status = rows[i].status;
	}
	for (int i = 0; i < loaded && i < n; i++) {
		scenario_free(sc[i]);
		if (src[i].name)
			source_free(&src[i]);
	}
	xfree(src);
	xfree(sc);
	xfree(cfg);
	xfree(rows);
	if (interrupted) {
		fflush(stdout);
		fprintf(stderr, _("threadlab: interrupted\n"));
		signal(interrupted, SIG_DFL);
		raise(interrupted);
		return 128 + interrupted;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, _("threadlab: cannot write output: %s\n"), strerror(errno));
		return EXIT_USAGE;
	}
	return status;
}

/* No scenario, without the screen: every lesson of the tour in order,
 * the first with the command line's settings. */
static int tour_mode(const struct cli *cli)
{
	struct source src;
	load_source(NULL, &src);
	struct scenario *sc = compile(&src);
	struct machine_config cfg;
	int status = EXIT_USAGE;
	if (sc && settings(sc, cli, &cfg) == 0) {
		struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		status = tour_print(stdout, stderr, &cfg, &cli->lim, &interrupted);
	}
	scenario_free(sc);
	source_free(&src);
	if (status == RUN_INTERRUPTED || interrupted) {
		int sig = interrupted ? interrupted : SIGINT;
		fflush(stdout);
		fprintf(stderr, "threadlab: interrupted\n");
		signal(sig, SIG_DFL);
		raise(sig);
		return 128 + sig;
	}
	return status;
}

/* --quiz: the questions on the screen, printed, or graded against
 * --answers FILE. */
static int quiz_mode(const struct scenario *sc, const struct cli *cli)
{
	struct machine_config cfg;
	if (settings(sc, cli, &cfg) < 0)
		return EXIT_USAGE;
	size_t max = cli->questions ? (size_t)cli->questions : QUIZ_DEFAULT_QUESTIONS;
	char err[256];
	if (!cli->answers && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		struct ui_options o = cli->ui;
		o.quiz = max;
		int status = ui_run(sc, &cfg, &cli->lim, &o, err, sizeof err);
		if (status == -1)
			fprintf(stderr, _("threadlab: %s; printing the questions instead\n"), err);
		else if (status == EXIT_USAGE || status == EXIT_LIMIT)
			fprintf(stderr, "threadlab: %s\n", err);
		if (status != -1)
			return status;
	}
	struct source ans = { 0 };
	if (cli->answers && read_file(cli->answers, &ans) < 0)
		return EXIT_USAGE;
	struct quiz q;
	int status = quiz_build(sc, &cfg, &cli->lim, max, &q, err, sizeof err);
	if (status) {
		fprintf(stderr, "threadlab: %s\n", err);
		source_free(&ans);
		return status;
	}
	struct buf b = { 0 };
	if (!cli->answers) {
		quiz_write(&q, sc, &b);
		fputs(b.s ? b.s : "", stdout);
	} else {
		char **answers = xcalloc(q.n ? q.n : 1, sizeof *answers);
		if (quiz_read_answers(&q, ans.name, ans.text, ans.len, answers, &b) < 0) {
			fputs(b.s, stderr);
			status = EXIT_USAGE;
		} else {
			status = quiz_grade(&q, answers, &b) == q.n ? EXIT_OK : EXIT_FAILED;
			fputs(b.s, stdout);
		}
		for (size_t i = 0; i < q.n; i++)
			free(answers[i]);
		free(answers);
	}
	buf_free(&b);
	quiz_free(&q);
	source_free(&ans);
	return status;
}

/* The full screen; without a usable terminal, the narrated run. */
static int screen(const struct scenario *sc, const struct cli *cli)
{
	struct machine_config cfg;
	if (settings(sc, cli, &cfg) < 0)
		return EXIT_USAGE;
	char err[256];
	int status = ui_run(sc, &cfg, &cli->lim, &cli->ui, err, sizeof err);
	if (status == -1) {
		fprintf(stderr, _("threadlab: %s; running without the screen\n"), err);
		return run(sc, cli);
	}
	if (status == EXIT_USAGE || status == EXIT_LIMIT)
		fprintf(stderr, "threadlab: %s\n", err);
	return status;
}

/* Parse the command line into cli; returns -1 (after a message), or the
 * exit status when an option (--help) ends the program, or -2 to go on. */
static int parse_args(int argc, char **argv, struct cli *cli)
{
	struct option longopts[ARRAY_LEN(options) + 1];
	char shortopts[3 * ARRAY_LEN(options) + 1] = "";
	for (size_t i = 0; i < ARRAY_LEN(options); i++) {
		longopts[i] = (struct option){ options[i].name, options[i].has_arg, NULL,
					       options[i].key };
		if (options[i].key < 256) {
			size_t n = strlen(shortopts);
			shortopts[n++] = (char)options[i].key;
			if (options[i].has_arg == required_argument)
				shortopts[n++] = ':';
			else if (options[i].has_arg == optional_argument)
				shortopts[n++] = ':', shortopts[n++] = ':';
			shortopts[n] = 0;
		}
	}
	longopts[ARRAY_LEN(options)] = (struct option){ 0 };

	memset(cli, 0, sizeof *cli);
	cli->lim = (struct limits){ DEFAULT_MAX_STEPS, DEFAULT_MAX_THREADS, DEFAULT_MAX_MEMORY,
				    DEFAULT_MAX_PROCESSES };
	cli->explore = (struct tally_options){ .max_preemptions = -1,
					       .max_states = EXPLORE_DEFAULT_MAX_STATES };
	const char *no_color = getenv("NO_COLOR");
	cli->ui = (struct ui_options){ .speed = UI_SPEED_DEFAULT,
				       .color = !(no_color && *no_color) };
	int c, idx;
	int64_t v;
	while ((c = getopt_long(argc, argv, shortopts, longopts, &idx)) != -1) {
		enum mode want = MODE_DEFAULT;
		const char *name = NULL;
		for (size_t i = 0; i < ARRAY_LEN(options); i++)
			if (options[i].key == c)
				name = options[i].name;
		switch (c) {
		case 'c': want = MODE_CHECK; break;
		case 'd': want = MODE_DISASM; break;
		case 'l': want = MODE_LIST; break;
		case 'r': want = MODE_RUN; break;
		case OPT_EXPLORE: want = MODE_EXPLORE; break;
		case OPT_COMPARE: want = MODE_COMPARE; break;
		case OPT_QUIZ: want = MODE_QUIZ; break;
		case OPT_ANSWERS:
			if (!*optarg) {
				fprintf(stderr, _("threadlab: --answers wants a file name\n"));
				return -1;
			}
			cli->answers = optarg;
			break;
		case OPT_QUESTIONS:
			if (parse_num(name, optarg, 1, QUIZ_MAX_QUESTIONS, &v) < 0)
				return -1;
			cli->questions = (int)v;
			break;
		case OPT_CLIENTS:
			if (parse_num(name, optarg, 1, CONFIG_MAX_CLIENTS, &v) < 0)
				return -1;
			cli->clients = (int)v;
			break;
		case OPT_MAX_PREEMPTIONS:
			if (!strcmp(optarg, "none")) {
				cli->explore.max_preemptions = -1;
			} else {
				if (parse_num(name, optarg, 0, 1000, &v) < 0)
					return -1;
				cli->explore.max_preemptions = (int)v;
			}
			cli->explore_flags = 1;
			break;
		case OPT_MAX_EARLY:
			if (!strcmp(optarg, "none")) {
				cli->explore.max_early = -1;
			} else {
				if (parse_num(name, optarg, 0, 1000, &v) < 0)
					return -1;
				cli->explore.max_early = (int)v;
			}
			cli->explore_flags = 1;
			break;
		case OPT_NO_RACES: cli->no_races = 1; break;
		case OPT_EXPORT: {
			int f = export_lookup(optarg);
			if (f < 0) {
				fprintf(stderr, _("threadlab: unknown export format '%s' (formats:"), optarg);
				for (int i = 0; i < EXPORT_COUNT; i++)
					fprintf(stderr, "%s %s", i ? "," : "", export_formats[i].name);
				fprintf(stderr, ")\n");
				return -1;
			}
			/* the file is the argument after the format */
			const char *file = optind < argc ? argv[optind] : NULL;
			if (!file || !*file || (file[0] == '-' && file[1])) {
				fprintf(stderr, _("threadlab: --export=%s wants a file name after it%s%s%s\n"),
					optarg, file ? ", not '" : "", file ? file : "", file ? "'" : "");
				return -1;
			}
			optind++;
			cli->export_file[f] = file;
			cli->exports = 1;
			break;
		}
		case OPT_NO_REDUCTION: cli->explore.no_reduction = cli->explore_flags = 1; break;
		case OPT_JOBS:
			if (parse_num(name, optarg, 1, EXPLORE_MAX_JOBS, &v) < 0)
				return -1;
			cli->explore.jobs = (int)v;
			cli->jobs_given = 1;
			break;
		case OPT_MAX_STATES:
			if (parse_num(name, optarg, 1, UINT32_MAX / 2, &v) < 0)
				return -1;
			cli->explore.max_states = (uint64_t)v;
			cli->explore_flags = 1;
			break;
		case 't':
			cli->trace = 1;
			cli->trace_file = optarg;
			if (optarg && !*optarg) {
				fprintf(stderr, _("threadlab: --trace=FILE wants a file name\n"));
				return -1;
			}
			cli->run_flags = 1;
			break;
		case OPT_STATS: cli->stats = cli->run_flags = 1; break;
		case OPT_PRINT_SCHEDULE: cli->print_schedule = cli->run_flags = 1; break;
		case OPT_CORES:
			if (parse_num(name, optarg, 1, CONFIG_MAX_CORES, &v) < 0)
				return -1;
			cli->cfg.cores = (int)v, cli->set_cores = 1;
			break;
		case OPT_QUANTUM:
			if (parse_num(name, optarg, 1, CONFIG_MAX_QUANTUM, &v) < 0)
				return -1;
			cli->cfg.quantum = (int)v, cli->set_quantum = 1;
			break;
		case OPT_POLICY: {
			int p = sched_policy_lookup(optarg);
			if (p < 0) {
				fprintf(stderr, _("threadlab: unknown policy '%s' (policies: rr, fifo, "
						"priority, random, script)\n"), optarg);
				return -1;
			}
			cli->cfg.policy = p, cli->set_policy = 1;
			break;
		}
		case OPT_SEED:
			if (parse_num(name, optarg, 0, INT64_MAX, &v) < 0)
				return -1;
			cli->cfg.seed = (uint64_t)v, cli->set_seed = 1;
			break;
		case OPT_SWITCH_COST:
			if (parse_num(name, optarg, 0, CONFIG_MAX_SWITCH_COST, &v) < 0)
				return -1;
			cli->cfg.switch_cost = (int)v, cli->set_switch_cost = 1;
			break;
		case OPT_PROCESS_SWITCH_COST:
			if (parse_num(name, optarg, 0, CONFIG_MAX_SWITCH_COST, &v) < 0)
				return -1;
			cli->cfg.process_switch_cost = (int)v, cli->set_process_switch_cost = 1;
			break;
		case OPT_SCHEDULE: {
			free(cli->schedule);
			if (!(cli->schedule = read_schedule(optarg)))
				return -1;
			struct schedule sch = { 0 };
			char err[160];
			if (sched_parse(cli->schedule, &sch, err, sizeof err) < 0) {
				fprintf(stderr, _("threadlab: --schedule: %s\n"), err);
				return -1;
			}
			sched_free(&sch);
			break;
		}
		case OPT_PLAY: cli->ui.play = 1; break;
		case OPT_SPEED:
			if (parse_num(name, optarg, 1, UI_SPEED_MAX, &v) < 0)
				return -1;
			cli->ui.speed = (uint64_t)v;
			break;
		case OPT_NO_COLOR: cli->ui.color = 0; break;
		case OPT_ASCII: cli->ui.ascii = 1; break;
		case OPT_MAX_STEPS:
			if (parse_num(name, optarg, 1, INT64_MAX, &v) < 0)
				return -1;
			cli->lim.max_steps = (uint64_t)v;
			cli->set_max_steps = 1;
			break;
		case OPT_MAX_THREADS:
			if (parse_num(name, optarg, 1, MAX_THREADS_LIMIT, &v) < 0)
				return -1;
			cli->lim.max_threads = (int)v;
			break;
		case OPT_MAX_MEMORY:
			if (parse_bytes(optarg, &cli->lim.max_memory) < 0)
				return -1;
			break;
		case OPT_MAX_PROCESSES:
			if (parse_num(name, optarg, 1, MAX_PROCESSES_LIMIT, &v) < 0)
				return -1;
			cli->lim.max_processes = (int)v;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("threadlab %s\n", PACKAGE_VERSION);
			return EXIT_OK;
		default:
			return -1;
		}
		if (want == MODE_DEFAULT)
			continue;
		if (cli->mode != MODE_DEFAULT && cli->mode != want) {
			fprintf(stderr, _("threadlab: choose one of --run, --explore, --compare, --quiz, "
					"--check, --disasm and --list\n"));
			return -1;
		}
		cli->mode = want;
	}
	if ((cli->run_flags || cli->exports) && cli->mode == MODE_DEFAULT)
		cli->mode = MODE_RUN;
	for (int f = 0; f < EXPORT_COUNT; f++) {
		if (!cli->export_file[f] || cli->mode == MODE_RUN ||
		    (cli->mode == MODE_EXPLORE && export_formats[f].explore))
			continue;
		fprintf(stderr, _("threadlab: --export=%s %s; it does not go with %s\n"),
			export_formats[f].name,
			export_formats[f].explore ? _("exports a run or an exploration")
						  : _("exports a run"),
			export_formats[f].explore ? _("--compare, --quiz, --check, --disasm or --list")
						  : _("--explore, --compare, --quiz, --check, --disasm or "
						      "--list"));
		return -1;
	}
	if (cli->run_flags && cli->mode != MODE_RUN) {
		fprintf(stderr, _("threadlab: --trace, --stats and --print-schedule run the scenario; "
				"they do not go with --explore, --compare, --quiz, --check, --disasm "
				"or --list\n"));
		return -1;
	}
	if (cli->explore_flags && cli->mode != MODE_EXPLORE) {
		fprintf(stderr, _("threadlab: --max-preemptions, --max-early-deliveries, "
				  "--no-reduction and --max-states go with --explore\n"));
		return -1;
	}
	if (cli->jobs_given && cli->mode != MODE_EXPLORE) {
		fprintf(stderr, _("threadlab: --jobs goes with --explore\n"));
		return -1;
	}
	if ((cli->answers || cli->questions) && cli->mode != MODE_QUIZ) {
		fprintf(stderr, _("threadlab: --answers and --questions go with --quiz\n"));
		return -1;
	}
	if (cli->mode == MODE_COMPARE && optind == argc) {
		fprintf(stderr, _("threadlab: --compare wants one or more scenarios\n"));
		return -1;
	}
	if (argc - optind > 1 && cli->mode != MODE_COMPARE) {
		fprintf(stderr, _("threadlab: one scenario at a time (got %d)\n"), argc - optind);
		return -1;
	}
	if (cli->mode == MODE_LIST && optind < argc) {
		fprintf(stderr, _("threadlab: --list takes no scenario\n"));
		return -1;
	}
	return -2;
}

/* Take the language from the environment (LANG, LC_ALL, LC_MESSAGES,
 * LANGUAGE) for the words people read.  Numbers stay in the C locale's
 * form.  The catalogues are the installed ones, except for the program
 * run from the build tree, which reads the build tree's: what a change to
 * po/ gives is seen without installing. */
static void i18n_start(void)
{
	setlocale(LC_ALL, "");
	setlocale(LC_NUMERIC, "C");
	const char *dir = LOCALEDIR;
	char self[PATH_MAX], build[PATH_MAX];
	if (realpath("/proc/self/exe", self) && realpath(BUILD_PROGRAM, build) &&
	    !strcmp(self, build))
		dir = BUILD_LOCALEDIR;
	bindtextdomain(I18N_DOMAIN, dir);
	bind_textdomain_codeset(I18N_DOMAIN, "UTF-8");
	textdomain(I18N_DOMAIN);
}

/* Give the scenario's title, description and notes in the reader's
 * language, for the screen and the narrated run; a text the catalogue
 * does not hold stays as written. */
static void translate_scenario(struct scenario *sc)
{
	char **texts[] = { &sc->title, &sc->description };
	for (size_t i = 0; i < ARRAY_LEN(texts); i++)
		if (*texts[i] && _(*texts[i]) != *texts[i]) {
			char *t = xstrdup(_(*texts[i]));
			xfree(*texts[i]);
			*texts[i] = t;
		}
	for (size_t i = 0; i < sc->nnotes; i++) {
		char *text = sc->notes[i].text;
		if (text && _(text) != text) {
			sc->notes[i].text = xstrdup(_(text));
			xfree(text);
		}
	}
}

/* Parse the options and run the chosen mode; returns the exit status. */
int main(int argc, char **argv)
{
	i18n_start();
	struct cli cli;
	int rc = parse_args(argc, argv, &cli);
	if (rc != -2) {
		free(cli.schedule);
		if (rc == -1)
			fprintf(stderr, _("Try 'threadlab --help' for more information.\n"));
		return rc == -1 ? EXIT_USAGE : rc;
	}
	if (cli.mode == MODE_LIST)
		return list_bundled();
	if (cli.mode == MODE_COMPARE) {
		int status = compare_mode(argv + optind, argc - optind, &cli);
		free(cli.schedule);
		return status;
	}

	int tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	if (optind == argc && !cli.run_flags && !cli.exports &&
	    (cli.mode == MODE_RUN || (cli.mode == MODE_DEFAULT && !tty))) {
		int status = tour_mode(&cli);
		free(cli.schedule);
		return status;
	}
	cli.ui.tour = optind == argc;

	struct source src;
	if (load_source(optind < argc ? argv[optind] : NULL, &src) < 0) {
		free(cli.schedule);
		return EXIT_USAGE;
	}
	struct scenario *sc = compile(&src);
	int status = sc ? EXIT_OK : EXIT_USAGE;
	if (sc && cli.mode == MODE_DEFAULT)
		translate_scenario(sc);
	if (sc && cli.mode == MODE_DISASM)
		disasm_write(stdout, sc);
	else if (sc && cli.mode == MODE_EXPLORE)
		status = explore_mode(sc, &cli);
	else if (sc && cli.mode == MODE_QUIZ)
		status = quiz_mode(sc, &cli);
	else if (sc && cli.mode == MODE_DEFAULT && tty)
		status = screen(sc, &cli);
	else if (sc && (cli.mode == MODE_DEFAULT || cli.mode == MODE_RUN))
		status = run(sc, &cli);
	scenario_free(sc);
	source_free(&src);
	free(cli.schedule);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, _("threadlab: cannot write output: %s\n"), strerror(errno));
		return EXIT_USAGE;
	}
	return status;
}
