/* check_main: runs every Check suite; results as TAP on stdout. */
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "out/disasm.h"

struct scenario *compile_str(const char *src, char **first)
{
	struct diags d;
	struct scenario *sc = scenario_compile("t.scn", src, strlen(src), &d);
	if (first) {
		struct buf b = { 0 };
		if (d.n)
			diag_format_one(&d, 0, &b);
		*first = buf_take(&b);
	}
	diags_free(&d);
	return sc;
}

char *first_error(const char *src)
{
	char *first;
	scenario_free(compile_str(src, &first));
	return first;
}

int count_errors(const char *src)
{
	struct diags d;
	struct scenario *sc = scenario_compile("t.scn", src, strlen(src), &d);
	int n = d.errors;
	scenario_free(sc);
	diags_free(&d);
	return n;
}

char *insns_of(const char *src, const char *fn)
{
	struct scenario *sc = compile_str(src, NULL);
	struct buf b = { 0 };
	if (!sc)
		return buf_take(&b);
	const struct img_sym *s = image_sym_named(sc->image, fn);
	for (uint64_t pc = s ? s->addr : 0; s && pc < s->addr + s->size; pc += INSN_SIZE) {
		isa_format(&b, image_insn(sc->image, pc));
		buf_putc(&b, '\n');
	}
	scenario_free(sc);
	return buf_take(&b);
}

int main(void)
{
	SRunner *sr = srunner_create(lex_suite());
	srunner_add_suite(sr, parse_suite());
	srunner_add_suite(sr, sema_suite());
	srunner_add_suite(sr, codegen_suite());
	srunner_add_suite(sr, isa_suite());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
