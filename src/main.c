/* main: the command line — options, modes and exit codes. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "lang/parse.h"
#include "lang/scenario.h"
#include "out/disasm.h"

/* Exit codes, as threadlab(1) documents them. */
enum {
	EXIT_OK = 0,            /* all held */
	EXIT_FAILED = 1,        /* the simulated program failed */
	EXIT_USAGE = 2,         /* bad usage or a bad scenario file */
	EXIT_LIMIT = 3,         /* a resource limit stopped the run */
};

enum mode { MODE_DEFAULT, MODE_CHECK, MODE_DISASM, MODE_LIST };

/* The options: one table drives getopt_long and --help. */
static const struct option_doc {
	const char *name;
	int key;
	const char *help;
} options[] = {
	{ "check",   'c', "compile the scenario and report any errors; exit 0 or 2" },
	{ "disasm",  'd', "print the compiled program: segments, symbols, and every\n"
			  "function's instructions interleaved with its source lines" },
	{ "list",    'l', "list the bundled scenarios with their titles" },
	{ "help",    'h', "show this help and exit" },
	{ "version", 'V', "show the version and exit" },
};

/* --help: the usage, the options and the exit statuses, printed to out. */
static void usage(FILE *out)
{
	fprintf(out,
		"Usage: threadlab [OPTION]... [FILE|NAME]\n"
		"Show what happens inside a running program: CPUs, processes, threads,\n"
		"stacks, heap and scheduling, scripted by a scenario file.\n\n"
		"FILE is a scenario file; NAME is a bundled scenario (see --list).\n"
		"With neither, the built-in tour is used.\n\n");
	for (size_t i = 0; i < ARRAY_LEN(options); i++) {
		const char *h = options[i].help;
		fprintf(out, "  -%c, --%-9s ", options[i].key, options[i].name);
		for (const char *nl; (nl = strchr(h, '\n')); h = nl + 1)
			fprintf(out, "%.*s\n%18s", (int)(nl - h), h, "");
		fprintf(out, "%s\n", h);
	}
	fprintf(out,
		"\nWithout a mode option, threadlab compiles the scenario and shows its\n"
		"title, description and compiled program; the simulator and the\n"
		"full-screen view are not part of this version yet.\n\n"
		"Exit status: 0 success; 1 the simulated program failed; 2 bad usage or\n"
		"a bad scenario file; 3 a resource limit stopped the run.\n\n"
		"See threadlab(1) and threadlab-scenario(5).\n");
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
		fprintf(stderr, "threadlab: cannot open '%s': %s\n", path, strerror(errno));
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
		fprintf(stderr, "threadlab: cannot read '%s': %s\n", path, strerror(err));
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
			fprintf(stderr, "threadlab: '%s' is neither a file nor a bundled scenario (see --list)\n", arg);
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
		       sc && sc->title ? sc->title : "(does not compile)");
		if (!sc)
			status = EXIT_USAGE;
		scenario_free(sc);
		diags_free(&d);
	}
	return status;
}

/* No mode: show what the scenario is and what it compiled to. */
static void show(const struct scenario *sc)
{
	if (sc->title)
		printf("%s\n", sc->title);
	if (sc->description)
		printf("\n%s\n", sc->description);
	printf("\n");
	disasm_write_body(stdout, sc);
	fprintf(stderr, "threadlab: the simulator is not part of this version yet; "
			"this is the compiled program (threadlab --help)\n");
}

/* Parse the options and run the chosen mode; returns the exit status. */
int main(int argc, char **argv)
{
	struct option longopts[ARRAY_LEN(options) + 1];
	char shortopts[2 * ARRAY_LEN(options) + 1] = "";
	for (size_t i = 0; i < ARRAY_LEN(options); i++) {
		longopts[i] = (struct option){ options[i].name, no_argument, NULL, options[i].key };
		shortopts[strlen(shortopts)] = (char)options[i].key;
	}
	longopts[ARRAY_LEN(options)] = (struct option){ 0 };

	enum mode mode = MODE_DEFAULT;
	int c;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		enum mode want;
		switch (c) {
		case 'c': want = MODE_CHECK; break;
		case 'd': want = MODE_DISASM; break;
		case 'l': want = MODE_LIST; break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("threadlab %s\n", PACKAGE_VERSION);
			return EXIT_OK;
		default:
			fprintf(stderr, "Try 'threadlab --help' for more information.\n");
			return EXIT_USAGE;
		}
		if (mode != MODE_DEFAULT && mode != want) {
			fprintf(stderr, "threadlab: choose one of --check, --disasm and --list\n");
			return EXIT_USAGE;
		}
		mode = want;
	}
	if (argc - optind > 1) {
		fprintf(stderr, "threadlab: one scenario at a time (got %d)\n", argc - optind);
		return EXIT_USAGE;
	}
	if (mode == MODE_LIST) {
		if (optind < argc) {
			fprintf(stderr, "threadlab: --list takes no scenario\n");
			return EXIT_USAGE;
		}
		return list_bundled();
	}

	struct source src;
	if (load_source(optind < argc ? argv[optind] : NULL, &src) < 0)
		return EXIT_USAGE;
	struct scenario *sc = compile(&src);
	int status = sc ? EXIT_OK : EXIT_USAGE;
	if (sc && mode == MODE_DISASM)
		disasm_write(stdout, sc);
	else if (sc && mode == MODE_DEFAULT)
		show(sc);
	scenario_free(sc);
	source_free(&src);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "threadlab: cannot write output: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	return status;
}
