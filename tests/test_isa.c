/* test_isa: the instruction table, assembly syntax and encoding. */
#include <stdlib.h>
#include <string.h>

#include "tests.h"

static char *fmt(struct insn in)
{
	struct buf b = { 0 };
	isa_format(&b, &in);
	return buf_take(&b);
}

START_TEST(test_isa_format)
{
	static const struct {
		struct insn in;
		const char *want;
	} cases[] = {
		{ { OP_LD, R0, REG_NONE, REG_NONE, 0x600000 }, "ld   r0, [0x600000]" },
		{ { OP_ST, R1, REG_FP, REG_NONE, -8 }, "st   [fp-8], r1" },
		{ { OP_LD, R2, REG_FP, REG_NONE, 16 }, "ld   r2, [fp+16]" },
		{ { OP_LEA, R3, REG_TP, REG_NONE, 0 }, "lea  r3, [tp]" },
		{ { OP_LDB, R1, REG_FP, REG_NONE, -1024 }, "ldb  r1, [fp-1024]" },
		{ { OP_STB, R0, R2, REG_NONE, 3 }, "stb  [r2+3], r0" },
		{ { OP_ADD, R0, R0, REG_NONE, 1 }, "add  r0, r0, 1" },
		{ { OP_SLT, R0, R1, R2, 0 }, "slt  r0, r1, r2" },
		{ { OP_LI, R4, REG_NONE, REG_NONE, -5 }, "li   r4, -5" },
		{ { OP_JZ, REG_NONE, R0, REG_NONE, 0x400020 }, "jz   r0, 0x400020" },
		{ { OP_CALLR, REG_NONE, R5, REG_NONE, 0 }, "call r5" },
		{ { OP_PUSH, REG_NONE, REG_FP, REG_NONE, 0 }, "push fp" },
		{ { OP_POP, R7, REG_NONE, REG_NONE, 0 }, "pop  r7" },
		{ { OP_RET, 0, 0, 0, 0 }, "ret" },
		{ { OP_SYS, REG_NONE, REG_NONE, 2, BI_SPAWN }, "sys  spawn, 2" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *got = fmt(cases[i].in);
		ck_assert_str_eq(got, cases[i].want);
		free(got);
	}
}
END_TEST

static uint32_t no_pool(void *ctx, int64_t v)
{
	(void)v;
	*(int *)ctx += 1;
	return 0;
}

START_TEST(test_isa_small_immediates_stay_in_the_word)
{
	int used = 0;
	struct insn in = { OP_ADD, R1, R2, REG_NONE, -32768 }, out;
	uint32_t w = isa_encode(&in, CODE_BASE, no_pool, &used);
	ck_assert_int_eq(used, 0);
	ck_assert(isa_decode(w, CODE_BASE, NULL, 0, &out));
	ck_assert_int_eq(out.op, OP_ADD);
	ck_assert_int_eq(out.rd, R1);
	ck_assert_int_eq(out.rs, R2);
	ck_assert_int_eq(out.rt, REG_NONE);
	ck_assert_int_eq(out.imm, -32768);
}
END_TEST

START_TEST(test_isa_wide_immediates_use_the_pool)
{
	int used = 0;
	struct insn in = { OP_LI, R0, REG_NONE, REG_NONE, 32768 };
	isa_encode(&in, CODE_BASE, no_pool, &used);
	ck_assert_int_eq(used, 1);
	int64_t pool[] = { 0x600000 };
	struct insn ld = { OP_LD, R0, REG_NONE, REG_NONE, 0x600000 }, out;
	uint32_t w = isa_encode(&ld, CODE_BASE, no_pool, &used);
	ck_assert(isa_decode(w, CODE_BASE, pool, 1, &out));
	ck_assert_int_eq(out.imm, 0x600000);
	ck_assert(!isa_decode(w, CODE_BASE, pool, 0, &out));
}
END_TEST

START_TEST(test_isa_jumps_are_pc_relative)
{
	int used = 0;
	struct insn j = { OP_JMP, REG_NONE, REG_NONE, REG_NONE, 0x400000 }, out;
	uint32_t w = isa_encode(&j, 0x400040, no_pool, &used);
	ck_assert_int_eq(used, 0);
	ck_assert_int_eq((int16_t)(w >> 16), -16);
	ck_assert(isa_decode(w, 0x400040, NULL, 0, &out));
	ck_assert_int_eq(out.imm, 0x400000);
}
END_TEST

START_TEST(test_isa_tables_are_complete)
{
	for (int op = 0; op < OP_COUNT; op++) {
		ck_assert_ptr_nonnull(isa_ops[op].mnemonic);
		ck_assert_ptr_nonnull(isa_ops[op].doc);
	}
	for (int b = 0; b < BI_COUNT; b++) {
		ck_assert_ptr_nonnull(isa_builtins[b].name);
		ck_assert_int_eq(isa_builtin_lookup(isa_builtins[b].name), b);
	}
	ck_assert_int_eq(isa_builtin_lookup("no_such_builtin"), -1);
	ck_assert_str_eq(isa_reg_name(REG_TP), "tp");
}
END_TEST

Suite *isa_suite(void)
{
	Suite *s = suite_create("isa");
	TCase *tc = tcase_create("isa");
	tcase_add_test(tc, test_isa_format);
	tcase_add_test(tc, test_isa_small_immediates_stay_in_the_word);
	tcase_add_test(tc, test_isa_wide_immediates_use_the_pool);
	tcase_add_test(tc, test_isa_jumps_are_pc_relative);
	tcase_add_test(tc, test_isa_tables_are_complete);
	suite_add_tcase(s, tc);
	return s;
}
