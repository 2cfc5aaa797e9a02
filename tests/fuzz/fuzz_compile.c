/* fuzz_compile: a libFuzzer target for the language front end — lex,
 * parse, check, generate code and write the listing — on any bytes.
 * Built by ./configure --enable-fuzzing; replay.c runs it on stored inputs
 * in every build. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lang/scenario.h"
#include "out/disasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	if (!sink)
		sink = fopen("/dev/null", "w");
	struct diags d;
	struct scenario *sc = scenario_compile("fuzz.scn", (const char *)data, size, &d);
	struct buf b = { 0 };
	diags_format(&d, &b);
	buf_free(&b);
	if (sc && sink)
		disasm_write(sink, sc);
	scenario_free(sc);
	diags_free(&d);
	return 0;
}
