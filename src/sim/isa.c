/* isa: opcode and builtin tables, encoding, and assembly syntax. */
#include "isa.h"

#include <string.h>

const struct op_info isa_ops[OP_COUNT] = {
#define X(name, mn, fmt, doc) [OP_##name] = { mn, fmt, doc },
	ISA_OPS(X)
#undef X
};

const struct builtin_info isa_builtins[BI_COUNT] = {
#define X(id, name, args, ret, status) [BI_##id] = { name, args, ret, status },
	ISA_BUILTINS(X)
#undef X
};

/* Find a builtin by its source name. */
int isa_builtin_lookup(const char *name)
{
	for (int i = 0; i < BI_COUNT; i++)
		if (strcmp(isa_builtins[i].name, name) == 0)
			return i;
	return -1;
}

/* Name a register as the assembly listing writes it. */
const char *isa_reg_name(int reg)
{
	static const char *const names[16] = {
		"r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7",
		"sp", "fp", "tp", "r?", "r?", "r?", "r?", "-",
	};
	return names[reg & 15];
}

/* Flags kept in the top bits of the opcode byte. */
#define ENC_IMM  0x80   /* the 16-bit field is an immediate, not rt */
#define ENC_POOL 0x40   /* ... and it indexes the literal pool */

/* Does the instruction carry an immediate (rather than rt)? */
static int has_imm(const struct insn *in)
{
	switch (isa_ops[in->op].format) {
	case FMT_RI: case FMT_LOAD: case FMT_STORE: case FMT_JUMP:
	case FMT_BRANCH:
		return 1;
	case FMT_ALU:
		return in->rt == REG_NONE;
	default:
		return 0;
	}
}

/* Is the immediate PC-relative in the encoding? */
static int pc_relative(const struct insn *in)
{
	enum insn_format f = isa_ops[in->op].format;
	return f == FMT_JUMP || f == FMT_BRANCH;
}

/* Encode in (at pc) as a 32-bit word; see isa.h. */
uint32_t isa_encode(const struct insn *in, uint64_t pc,
		    uint32_t (*pool_index)(void *ctx, int64_t value), void *ctx)
{
	uint32_t op = in->op, field = 0;
	uint32_t regs = (uint32_t)(in->rd & 15) | (uint32_t)(in->rs & 15) << 4;

	if (in->op == OP_SYS) {
		regs = in->rt;
		field = (uint32_t)in->imm & 0xffff;
	} else if (has_imm(in)) {
		int64_t v = in->imm;
		if (pc_relative(in))
			v = (v - (int64_t)pc) / INSN_SIZE;
		op |= ENC_IMM;
		if (v >= INT16_MIN && v <= INT16_MAX) {
			field = (uint16_t)(int16_t)v;
		} else {
			op |= ENC_POOL;
			field = pool_index(ctx, v) & 0xffff;
		}
	} else {
		field = in->rt & 15;
	}
	return op | regs << 8 | field << 16;
}

/* Decode a word; see isa.h. */
int isa_decode(uint32_t word, uint64_t pc, const int64_t *pool, size_t npool,
	       struct insn *in)
{
	uint32_t op = word & 0x3f, flags = word & 0xc0;
	uint32_t regs = word >> 8 & 0xff, field = word >> 16;

	if (op >= OP_COUNT)
		return 0;
	memset(in, 0, sizeof *in);
	in->op = (uint8_t)op;
	if (op == OP_SYS) {
		in->rt = (uint8_t)regs;
		in->imm = field;
		return field < BI_COUNT;
	}
	in->rd = regs & 15;
	in->rs = regs >> 4;
	in->rt = REG_NONE;
	if (!(flags & ENC_IMM)) {
		in->rt = field & 15;
		return 1;
	}
	int64_t v = (int16_t)field;
	if (flags & ENC_POOL) {
		if (field >= npool)
			return 0;
		v = pool[field];
	}
	if (pc_relative(in))
		v = (int64_t)pc + v * INSN_SIZE;
	in->imm = v;
	return 1;
}

/* Write "[reg+off]", "[reg-off]" or "[0xaddr]". */
static void format_mem(struct buf *out, int base, int64_t off)
{
	if (base == REG_NONE)
		buf_printf(out, "[%#llx]", (unsigned long long)off);
	else if (off == 0)
		buf_printf(out, "[%s]", isa_reg_name(base));
	else if (off < 0)
		buf_printf(out, "[%s-%lld]", isa_reg_name(base), -(long long)off);
	else
		buf_printf(out, "[%s+%lld]", isa_reg_name(base), (long long)off);
}

/* Write a constant: small ones in decimal, addresses in hex. */
static void format_imm(struct buf *out, int64_t v)
{
	if (v >= 0x10000)
		buf_printf(out, "%#llx", (unsigned long long)v);
	else
		buf_printf(out, "%lld", (long long)v);
}

/* Write one instruction in assembly syntax. */
void isa_format(struct buf *out, const struct insn *in)
{
	const struct op_info *oi = &isa_ops[in->op];
	size_t start = out->len;

	buf_puts(out, oi->mnemonic);
	while (oi->format != FMT_NONE && out->len - start < 5)
		buf_putc(out, ' ');
	switch (oi->format) {
	case FMT_NONE:
		break;
	case FMT_RI:
		buf_printf(out, "%s, ", isa_reg_name(in->rd));
		format_imm(out, in->imm);
		break;
	case FMT_RR:
		buf_printf(out, "%s, %s", isa_reg_name(in->rd), isa_reg_name(in->rs));
		break;
	case FMT_ALU:
		buf_printf(out, "%s, %s, ", isa_reg_name(in->rd), isa_reg_name(in->rs));
		if (in->rt == REG_NONE)
			format_imm(out, in->imm);
		else
			buf_puts(out, isa_reg_name(in->rt));
		break;
	case FMT_LOAD:
		buf_printf(out, "%s, ", isa_reg_name(in->rd));
		format_mem(out, in->rs, in->imm);
		break;
	case FMT_STORE:
		format_mem(out, in->rs, in->imm);
		buf_printf(out, ", %s", isa_reg_name(in->rd));
		break;
	case FMT_JUMP:
		buf_printf(out, "%#llx", (unsigned long long)in->imm);
		break;
	case FMT_BRANCH:
		buf_printf(out, "%s, %#llx", isa_reg_name(in->rs),
			   (unsigned long long)in->imm);
		break;
	case FMT_R:
		buf_puts(out, isa_reg_name(in->rs));
		break;
	case FMT_RD:
		buf_puts(out, isa_reg_name(in->rd));
		break;
	case FMT_SYS:
		buf_printf(out, "%s, %d",
			   in->imm >= 0 && in->imm < BI_COUNT
				   ? isa_builtins[in->imm].name : "?",
			   in->rt);
		break;
	}
}
