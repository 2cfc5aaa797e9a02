/* replay: run a fuzz target's entry point on stored inputs (the files or
 * directories named), one TAP line each.  It lets `make check` replay
 * every input a fuzzer ever found, without libFuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count;

/* Run the target on one file. */
static void replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b = { 0 };
	char chunk[65536];
	size_t n;
	count++;
	if (!f) {
		printf("not ok %d - %s (cannot open)\n", count, path);
		return;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_put(&b, chunk, n);
	fclose(f);
	LLVMFuzzerTestOneInput((const uint8_t *)(b.s ? b.s : ""), b.len);
	buf_free(&b);
	printf("ok %d - %s\n", count, path);
	fflush(stdout);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run the target on every regular file in dir, in name order. */
static void replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = xgrow(names, &cap, n + 1, sizeof *names);
		size_t len = strlen(dir) + strlen(e->d_name) + 2;
		names[n] = xmalloc(len);
		snprintf(names[n++], len, "%s/%s", dir, e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, by_name);
	for (size_t i = 0; i < n; i++) {
		replay_file(names[i]);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	if (argc == 1) {
		/* as a test: the stored regressions and the bundled scenarios */
		const char *top = getenv("srcdir");
		char dir[4096];
		snprintf(dir, sizeof dir, "%s/tests/fuzz/regressions", top ? top : ".");
		replay_dir(dir);
		snprintf(dir, sizeof dir, "%s/scenarios", top ? top : ".");
		replay_dir(dir);
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			replay_dir(argv[i]);
		else
			replay_file(argv[i]);
	}
	printf("1..%d\n", count);
	return 0;
}
