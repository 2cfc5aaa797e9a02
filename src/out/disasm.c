/* disasm: writing the program image as an annotated listing. */
#include "disasm.h"

#include <string.h>

#include "../lang/ast.h"

#define COMMENT_COL 28

/* Append s as a C string literal, cut short after max bytes. */
static void quote(struct buf *b, const char *s, size_t len, size_t max)
{
	buf_putc(b, '"');
	for (size_t i = 0; i < len && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			buf_puts(b, "\\n");
		else if (c == '\t')
			buf_puts(b, "\\t");
		else if (c == '"' || c == '\\')
			buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			buf_printf(b, "\\x%02x", c);
		else
			buf_putc(b, c);
	}
	buf_puts(b, len > max ? "\"..." : "\"");
}

/* Append a comment naming what addr is (a global, a string, a function). */
static int describe_value(struct buf *b, const struct image *img, uint64_t addr)
{
	const struct img_sym *s = image_sym_at(img, addr, 0);
	if (s && s->kind == SYM_STRING && addr == s->addr) {
		const char *str = (const char *)img->rodata + (addr - RODATA_BASE);
		quote(b, str, strlen(str), 24);
		return 1;
	}
	return image_describe(img, addr, 0, b);
}

/* The variable a closure's function reaches at [rs+imm] (pc's
 * instruction), when rs was loaded from its env local a few
 * instructions before: "count, captured".  0 when it is not one. */
static int captured_name(struct buf *b, const struct image *img, const struct insn *in,
			 uint64_t pc)
{
	const struct img_func *f = image_func_at(img, pc);
	if (!f || !f->env_offset || in->rs >= NGPR || in->imm < CLOSURE_W_VALUES * 8)
		return 0;
	for (uint64_t at = pc; at > f->addr && pc - at < 8 * INSN_SIZE;) {
		at -= INSN_SIZE;
		const struct insn *p = image_insn(img, at);
		enum insn_format fmt = p ? isa_ops[p->op].format : FMT_NONE;
		if (!p || fmt == FMT_JUMP || fmt == FMT_SYS || fmt == FMT_BRANCH || p->op == OP_CALLR)
			return 0;
		if (p->rd != in->rs || fmt == FMT_STORE || fmt == FMT_R || fmt == FMT_NONE)
			continue;
		uint64_t k = (uint64_t)(in->imm / 8 - CLOSURE_W_VALUES);
		if (p->op != OP_LD || p->rs != REG_FP || p->imm != f->env_offset ||
		    in->imm % 8 || k >= f->ncaptures)
			return 0;
		buf_printf(b, "%s, captured", f->captures[k]);
		return 1;
	}
	return 0;
}

/* Append "; name" for the memory an instruction touches or the address it loads. */
static void comment(struct buf *b, const struct image *img, const struct insn *in, uint64_t pc)
{
	struct buf c = { 0 };
	int found = 0;
	switch (isa_ops[in->op].format) {
	case FMT_LOAD: case FMT_STORE:
		if (in->rs == REG_NONE) {
			found = image_describe(img, (uint64_t)in->imm, 0, &c);
		} else if (in->rs == REG_TP) {
			found = image_describe(img, (uint64_t)in->imm, 1, &c);
		} else if (in->rs < NGPR) {
			found = captured_name(&c, img, in, pc);
		} else if (in->rs == REG_FP) {
			const struct img_func *f = image_func_at(img, pc);
			const struct img_var *v = f ? image_var_at(f, in->imm, pc) : NULL;
			if (v) {
				found = 1;
				image_name_part(&c, v->name, v->type, v->size,
						(uint64_t)(in->imm - v->offset));
			}
		}
		break;
	case FMT_RI:
		if (in->imm >= CODE_BASE)
			found = describe_value(&c, img, (uint64_t)in->imm);
		break;
	case FMT_JUMP: case FMT_BRANCH:
		found = image_describe(img, (uint64_t)in->imm, 0, &c);
		break;
	default:
		break;
	}
	if (found) {
		while (b->len < COMMENT_COL)
			buf_putc(b, ' ');
		buf_printf(b, "; %s", c.s);
	}
	buf_free(&c);
}

/* Append the instruction at pc and its comment. */
void disasm_insn(struct buf *b, const struct scenario *sc, uint64_t pc)
{
	const struct insn *in = image_insn(sc->image, pc);
	if (!in)
		return;
	size_t start = b->len;
	isa_format(b, in);
	/* the comment column counts from the instruction's start */
	struct buf line = { 0 };
	buf_put(&line, b->s + start, b->len - start);
	comment(&line, sc->image, in, pc);
	b->len = start;
	buf_put(b, line.s, line.len);
	buf_free(&line);
}

static const char *const seg_names[] = {
	[SEG_CODE] = "code", [SEG_RODATA] = "rodata", [SEG_DATA] = "data",
	[SEG_BSS] = "bss", [SEG_TLS] = "tls",
};

static const char *const kind_names[] = {
	[SYM_FUNC] = "function", [SYM_VAR] = "variable", [SYM_CONST] = "constant",
	[SYM_TLS] = "thread_local", [SYM_MUTEX] = "mutex", [SYM_SEM] = "semaphore",
	[SYM_COND] = "cond", [SYM_STRING] = "string", [SYM_POOL] = "literals",
};

/* Write the segments and the symbol table. */
static void write_header(FILE *out, const struct scenario *sc)
{
	const struct image *img = sc->image;
	fprintf(out, "segment  start     end       bytes  access\n");
	fprintf(out, "code     %#-8llx  %#-8llx  %5zu  r-x  %zu instructions\n",
		(unsigned long long)CODE_BASE,
		(unsigned long long)(CODE_BASE + img->ncode * INSN_SIZE), img->ncode * INSN_SIZE,
		img->ncode);
	fprintf(out, "rodata   %#-8llx  %#-8llx  %5zu  r--\n", (unsigned long long)RODATA_BASE,
		(unsigned long long)(RODATA_BASE + img->rodata_size), img->rodata_size);
	fprintf(out, "data     %#-8llx  %#-8llx  %5zu  rw-\n", (unsigned long long)DATA_BASE,
		(unsigned long long)(DATA_BASE + img->data_size), img->data_size);
	fprintf(out, "bss      %#-8llx  %#-8llx  %5zu  rw-\n", (unsigned long long)img->bss_addr,
		(unsigned long long)(img->bss_addr + img->bss_size), img->bss_size);
	fprintf(out, "tls      (one block per thread)  %5zu  rw-\n\n", img->tls_size);

	fprintf(out, "symbols:\n");
	for (size_t i = 0; i < img->nsyms; i++) {
		const struct img_sym *s = &img->syms[i];
		if (s->seg == SEG_TLS)
			fprintf(out, "  tp+%-6llu", (unsigned long long)s->addr);
		else
			fprintf(out, "  %#-9llx", (unsigned long long)s->addr);
		fprintf(out, " %-6s %-12s %5llu  %-14s %s", seg_names[s->seg], kind_names[s->kind],
			(unsigned long long)s->size, s->name, s->type);
		if (s->kind == SYM_STRING) {
			struct buf b = { 0 };
			const char *str = (const char *)img->rodata + (s->addr - RODATA_BASE);
			quote(&b, str, strlen(str), 40);
			fprintf(out, "  %s", b.s);
			buf_free(&b);
		}
		fputc('\n', out);
	}
}

/* Write the whole listing. */
void disasm_write(FILE *out, const struct scenario *sc)
{
	fprintf(out, "%s:  %s\n\n", sc->name, sc->title ? sc->title : "(untitled)");
	disasm_write_body(out, sc);
}

/* Write the listing without its first line (the name and title). */
void disasm_write_body(FILE *out, const struct scenario *sc)
{
	const struct image *img = sc->image;
	write_header(out, sc);
	struct buf b = { 0 };
	for (size_t f = 0; f < img->nfuncs; f++) {
		const struct img_func *fn = &img->funcs[f];
		fprintf(out, "\n%#llx <%s>:", (unsigned long long)fn->addr, fn->name);
		if (fn->frame_size || fn->nparams)
			fprintf(out, "    frame: %d argument%s, %lld bytes of locals", fn->nparams,
				fn->nparams == 1 ? "" : "s", (long long)fn->frame_size);
		if (!fn->line)
			fprintf(out, "    (runtime)");
		fputc('\n', out);
		int shown = 0;
		for (uint64_t pc = fn->addr; pc < fn->end; pc += INSN_SIZE) {
			int line = image_line(img, pc);
			size_t len;
			const char *text;
			if (line && line != shown && (text = scenario_line(sc, line, &len))) {
				fprintf(out, "%6d | %.*s\n", line, (int)len, text);
				shown = line;
			}
			b.len = 0;
			disasm_insn(&b, sc, pc);
			fprintf(out, "  %#llx:  %s\n", (unsigned long long)pc, b.s);
		}
	}
	buf_free(&b);
}
