/* mem: a process's address space — sparse 4 KiB pages behind a
 * three-level page table, access rights per page, guard pages, and a tag
 * per 16 bytes that the heap uses to tell headers, live blocks and freed
 * blocks apart.  Directories, leaf tables and pages are shared
 * copy-on-write between copies of an address space, so a snapshot (or a
 * fork) costs only the top table, 128 pointers. */
#ifndef THREADLAB_MEM_H
#define THREADLAB_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE (1u << PAGE_SHIFT)
#define ADDR_LIMIT 0x80000000u          /* the top of the address space */
#define LEAF_SHIFT 18                   /* one leaf table maps 256 KiB */
#define LEAF_PAGES (1u << (LEAF_SHIFT - PAGE_SHIFT))
#define NLEAVES (ADDR_LIMIT >> LEAF_SHIFT)
#define DIR_SHIFT 24                    /* one directory maps 16 MiB */
#define DIR_LEAVES (1u << (DIR_SHIFT - LEAF_SHIFT))
#define NDIRS (ADDR_LIMIT >> DIR_SHIFT)
_Static_assert(DIR_LEAVES == 64 && NDIRS % 64 == 0 && LEAF_PAGES % 64 == 0,
	       "the bitmaps of leaves, directories and pages are of whole words");
#define GRANULE 16                      /* bytes per tag */
#define PAGE_TAGS (PAGE_SIZE / GRANULE)

/* Access rights of a page.  A page with none is unmapped. */
enum {
	MP_R = 1, MP_W = 2, MP_X = 4,
	MP_GUARD = 8,                   /* a stack's guard page: never accessible */
};

/* Tags of heap memory, one per 16 bytes (0 outside the heap). */
enum heap_tag {
	TAG_NONE,       /* not heap memory */
	TAG_TOP,        /* heap memory never handed out */
	TAG_HEADER,     /* a block header */
	TAG_USED,       /* the payload of an allocated block */
	TAG_FREED,      /* the payload (or header) of a freed block: poisoned */
};

/* Why an access failed. */
enum mem_err {
	MEM_OK,
	MEM_UNMAPPED,   /* no page there */
	MEM_PROT,       /* the page does not allow it */
	MEM_GUARD,      /* a guard page */
	MEM_ALIGN,      /* not a multiple of 8 */
	MEM_FULL,       /* the memory limit allows no new page */
};

struct page {
	uint8_t data[PAGE_SIZE];
	uint8_t tag[PAGE_TAGS];
	uint32_t refs;                  /* address spaces sharing it */
};

struct leaf {
	struct page *pg[LEAF_PAGES];    /* NULL: not touched yet, reads as 0 */
	uint8_t prot[LEAF_PAGES];
	uint64_t present[LEAF_PAGES / 64];      /* which pg[] are not NULL */
	uint32_t refs;                  /* address spaces sharing it */
};

struct dir {
	struct leaf *leaf[DIR_LEAVES];  /* NULL: not touched yet */
	uint64_t used;                  /* which leaf[] are not NULL */
	uint32_t refs;                  /* address spaces sharing it */
};

struct mem {
	struct dir *dir[NDIRS];
	uint64_t used[NDIRS / 64];      /* which dir[] are not NULL */
	size_t pages;                   /* pages this space holds */
	size_t max_pages;               /* the limit on new pages (0: none) */
	int track;                      /* keep hash up to date (see mem_track) */
	uint64_t hash[2];
};

void mem_init(struct mem *m, size_t max_pages);
void mem_done(struct mem *m);
/* Make dst a copy of src that shares its pages until either writes. */
void mem_copy(struct mem *dst, const struct mem *src);
/* m is a byte copy of another space: make it a copy of its own, sharing
 * the other's pages until either writes (mem_copy without the copy). */
void mem_share(struct mem *m);
/* Give m pages and leaf tables of its own, shared with no other space. */
void mem_unshare(struct mem *m);

/* Give [addr, addr+len) the access rights prot (page-aligned). */
void mem_map(struct mem *m, uint64_t addr, uint64_t len, int prot);
/* The access rights of the page holding addr (0 when unmapped). */
int mem_prot(const struct mem *m, uint64_t addr);

/* Read or write the 8-byte word at addr as the program does: rights
 * checked, alignment checked.  Slow paths of the inline versions below. */
enum mem_err mem_read_slow(const struct mem *m, uint64_t addr, int64_t *v);
enum mem_err mem_write_slow(struct mem *m, uint64_t addr, int64_t v);

/* The runtime's own access (loader, heap, sync objects): no rights
 * checked.  poke fails only with MEM_FULL or on an unmapped page. */
int64_t mem_peek(const struct mem *m, uint64_t addr);
enum mem_err mem_poke(struct mem *m, uint64_t addr, int64_t v);
enum mem_err mem_poke_bytes(struct mem *m, uint64_t addr, const void *src, size_t len);
/* Copy up to len bytes from addr into dst, stopping after a 0 byte or
 * at unreadable memory; returns the bytes copied (the 0 not counted). */
size_t mem_peek_string(const struct mem *m, uint64_t addr, char *dst, size_t len);

/* The heap tag of the granule holding addr. */
int mem_tag(const struct mem *m, uint64_t addr);
/* Tag every granule of [addr, addr+len); the pages must be mapped. */
enum mem_err mem_set_tags(struct mem *m, uint64_t addr, uint64_t len, int tag);

/* The page holding addr, made private to m for writing; NULL when it
 * cannot be had (unmapped, or MEM_FULL in *err).  The caller is taken to
 * change it. */
struct page *mem_page_for_write(struct mem *m, uint64_t addr, enum mem_err *err);

/* How many spaces share a page, leaf or directory (see refs above): one means
 * only the reader, who may then write it in place. */
static inline uint32_t mem_refs(const uint32_t *refs)
{
	return __atomic_load_n(refs, __ATOMIC_ACQUIRE);
}

/* Leaf table i of m (the one mapping i << LEAF_SHIFT), or NULL. */
static inline const struct leaf *mem_leaf(const struct mem *m, size_t i)
{
	const struct dir *d = m->dir[i / DIR_LEAVES];
	return d ? d->leaf[i % DIR_LEAVES] : NULL;
}

static inline const struct page *mem_page(const struct mem *m, uint64_t addr, int *prot)
{
	const struct leaf *l = mem_leaf(m, addr >> LEAF_SHIFT);
	size_t i = (addr >> PAGE_SHIFT) & (LEAF_PAGES - 1);
	*prot = l ? l->prot[i] : 0;
	return l ? l->pg[i] : NULL;
}

/* A 128-bit hash of the address space (every word, heap tag and page's
 * rights) into h[0], h[1]: equal spaces hash equally, and a word written
 * back to what it was gives back the same hash.  Without mem_track, it
 * reads the whole space. */
void mem_hash(const struct mem *m, uint64_t h[2]);
/* From now on keep the hash up to date as m changes (copies of m too):
 * each write then costs a little more, mem_hash nothing. */
void mem_track(struct mem *m);
/* Account for the word at addr changing from old to v in m's hash. */
void mem_track_word(struct mem *m, uint64_t addr, int64_t old, int64_t v);

/* Read the word at addr into *v. */
static inline enum mem_err mem_read(const struct mem *m, uint64_t addr, int64_t *v)
{
	int prot;
	if (addr >= ADDR_LIMIT || (addr & 7))
		return mem_read_slow(m, addr, v);
	const struct page *p = mem_page(m, addr, &prot);
	if (!(prot & MP_R) || !p)
		return mem_read_slow(m, addr, v);
	memcpy(v, p->data + (addr & (PAGE_SIZE - 1)), 8);
	return MEM_OK;
}

/* Write v to the word at addr. */
static inline enum mem_err mem_write(struct mem *m, uint64_t addr, int64_t v)
{
	if (addr < ADDR_LIMIT && !(addr & 7)) {
		const struct dir *d = m->dir[addr >> DIR_SHIFT];
		struct leaf *l = d ? d->leaf[(addr >> LEAF_SHIFT) & (DIR_LEAVES - 1)] : NULL;
		size_t i = (addr >> PAGE_SHIFT) & (LEAF_PAGES - 1);
		if (l && mem_refs(&d->refs) == 1 && mem_refs(&l->refs) == 1 &&
		    (l->prot[i] & MP_W) && l->pg[i] && mem_refs(&l->pg[i]->refs) == 1) {
			uint8_t *at = l->pg[i]->data + (addr & (PAGE_SIZE - 1));
			if (m->track) {
				int64_t old;
				memcpy(&old, at, 8);
				mem_track_word(m, addr, old, v);
			}
			memcpy(at, &v, 8);
			return MEM_OK;
		}
	}
	return mem_write_slow(m, addr, v);
}

#endif
