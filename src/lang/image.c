/* image: freeing the program image and looking things up in it. */
#include "image.h"

#include <stdlib.h>
#include <string.h>

/* Free everything the image owns, and the image. */
void image_free(struct image *img)
{
	if (!img)
		return;
	xfree(img->code);
	xfree(img->words);
	xfree(img->lines);
	xfree(img->rodata);
	xfree(img->pool);
	xfree(img->data);
	xfree(img->tls);
	for (size_t i = 0; i < img->nsyms; i++) {
		xfree(img->syms[i].name);
		xfree(img->syms[i].type);
	}
	xfree(img->syms);
	for (size_t i = 0; i < img->nfuncs; i++) {
		struct img_func *f = &img->funcs[i];
		for (size_t j = 0; j < f->nvars; j++) {
			xfree(f->vars[j].name);
			xfree(f->vars[j].type);
		}
		xfree(f->vars);
		for (size_t j = 0; j < f->ncaptures; j++)
			xfree(f->captures[j]);
		xfree(f->captures);
		xfree(f->name);
	}
	xfree(img->funcs);
	for (size_t i = 0; i < img->nstructs; i++) {
		struct img_struct *st = &img->structs[i];
		for (size_t j = 0; j < st->nfields; j++) {
			xfree(st->fields[j].name);
			xfree(st->fields[j].type);
		}
		xfree(st->fields);
		xfree(st->type);
	}
	xfree(img->structs);
	xfree(img);
}

/* Find a struct or union by its type's text. */
const struct img_struct *image_struct_named(const struct image *img, const char *type)
{
	for (size_t i = 0; i < img->nstructs; i++)
		if (strcmp(img->structs[i].type, type) == 0)
			return &img->structs[i];
	return NULL;
}

/* Instruction index of addr, or -1. */
static long insn_index(const struct image *img, uint64_t addr)
{
	if (addr < CODE_BASE || (addr - CODE_BASE) % INSN_SIZE)
		return -1;
	uint64_t i = (addr - CODE_BASE) / INSN_SIZE;
	return i < img->ncode ? (long)i : -1;
}

/* The instruction at addr. */
const struct insn *image_insn(const struct image *img, uint64_t addr)
{
	long i = insn_index(img, addr);
	return i < 0 ? NULL : &img->code[i];
}

/* Source line at addr. */
int image_line(const struct image *img, uint64_t addr)
{
	long i = insn_index(img, addr);
	return i < 0 ? 0 : img->lines[i];
}

/* The function containing addr (binary search: funcs are sorted). */
const struct img_func *image_func_at(const struct image *img, uint64_t addr)
{
	size_t lo = 0, hi = img->nfuncs;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct img_func *f = &img->funcs[mid];
		if (addr < f->addr)
			hi = mid;
		else if (addr >= f->end)
			lo = mid + 1;
		else
			return f;
	}
	return NULL;
}

/* The data symbol holding addr.  The symbols are sorted by segment and
 * address, and the segments lie in address order with TLS last, so the
 * non-TLS symbols and the TLS ones each form a sorted run. */
const struct img_sym *image_sym_at(const struct image *img, uint64_t addr, int tls)
{
	size_t first_tls = 0, end = img->nsyms;
	while (first_tls < end) {
		size_t mid = first_tls + (end - first_tls) / 2;
		if (img->syms[mid].seg == SEG_TLS)
			end = mid;
		else
			first_tls = mid + 1;
	}
	size_t lo = tls ? first_tls : 0, hi = tls ? img->nsyms : first_tls;
	/* the last symbol starting at or below addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (img->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == (tls ? first_tls : 0))
		return NULL;
	const struct img_sym *s = &img->syms[lo - 1];
	if (s->kind == SYM_FUNC || addr >= s->addr + (s->size ? s->size : 1))
		return NULL;
	return s;
}

/* The symbol with this name. */
const struct img_sym *image_sym_named(const struct image *img, const char *name)
{
	for (size_t i = 0; i < img->nsyms; i++)
		if (strcmp(img->syms[i].name, name) == 0)
			return &img->syms[i];
	return NULL;
}

/* The variable of f stored at fp+off and in scope at pc. */
const struct img_var *image_var_at(const struct img_func *f, int64_t off, uint64_t pc)
{
	for (size_t i = 0; i < f->nvars; i++) {
		const struct img_var *v = &f->vars[i];
		if (off >= v->offset && off < v->offset + (int64_t)v->size &&
		    pc >= v->lo && pc < v->hi)
			return v;
	}
	return NULL;
}

/* Name the byte off bytes into the object name of type type (size bytes). */
void image_name_part(struct buf *out, const char *name, const char *type, uint64_t size,
		     uint64_t off)
{
	const char *br = type ? strrchr(type, '[') : NULL;
	if (off == 0) {
		buf_puts(out, name);
		return;
	}
	if (br && type[strlen(type) - 1] == ']') {
		/* the element's size: the array's, over the count in its "[N]" */
		unsigned long long count = strtoull(br + 1, NULL, 10);
		uint64_t es = count ? size / count : 0;
		if (es && off % es == 0) {
			buf_printf(out, "%s[%llu]", name, (unsigned long long)(off / es));
			return;
		}
	}
	buf_printf(out, "%s+%llu", name, (unsigned long long)off);
}

/* Name addr after the symbol holding it. */
int image_describe(const struct image *img, uint64_t addr, int tls, struct buf *out)
{
	if (!tls) {
		const struct img_func *f = image_func_at(img, addr);
		if (f) {
			if (addr == f->addr)
				buf_puts(out, f->name);
			else
				buf_printf(out, "%s+%llu", f->name, (unsigned long long)(addr - f->addr));
			return 1;
		}
	}
	const struct img_sym *s = image_sym_at(img, addr, tls);
	if (!s)
		return 0;
	if (s->kind == SYM_POOL || s->kind == SYM_STRING)
		buf_printf(out, addr == s->addr ? "%s" : "%s+%llu", s->name,
			   (unsigned long long)(addr - s->addr));
	else
		image_name_part(out, s->name, s->type, s->size, addr - s->addr);
	return 1;
}
