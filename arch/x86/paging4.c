/* Four-level paging structures (paging4.h): EPT's and VT-d second-level tables' shared shape. */
#include "arch/x86/paging4.h"
#include "core/error.h"
#include "core/pmem.h"
#include "core/lib/string.h"

static u64 *table(u64 phys)
{
	return (u64 *)phys; /* identity mapped */
}

u64 paging4_create(struct pmem_tag tag)
{
	u64 t = pmem_alloc(1, tag);

	if (t)
		memset(table(t), 0, PAGE_SIZE);
	return t;
}

/* The table one level down from entry `e`, created if absent. */
static u64 *next_level(u64 *e, const struct paging4_format *f, struct pmem_tag tag)
{
	if (!(*e & f->present)) {
		u64 t = paging4_create(tag);

		if (!t)
			return NULL;
		*e = t | f->table_bits;
	}
	return table(*e & PAGING4_ADDR_MASK);
}

static unsigned index_at(u64 va, unsigned level)
{
	return (va >> (12 + 9 * level)) & (PAGING4_ENTRIES - 1);
}

/* A present entry of level 2 (1 GiB) or level 1 (2 MiB) that maps a page. */
static bool is_large(u64 e, unsigned level, const struct paging4_format *f)
{
	return (e & f->present) && (level == 1 || level == 2) && (e & PAGING4_LARGE);
}

/*
 * Map one page of the size `level` gives: 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB. An address is
 * mapped once: a large page on the way down (its address is no table: descending would write
 * entries into that memory) or a present entry where the leaf goes (a page, or a table of
 * smaller ones) is a second mapping of the same address: E_INVAL, and nothing is overwritten.
 */
static int map_one(u64 root, u64 va, u64 pa, u64 leaf, unsigned leaf_level,
		   const struct paging4_format *f, struct pmem_tag tag)
{
	u64 *t = table(root);
	u64 *e;

	for (unsigned level = 3; level > leaf_level; level--) {
		e = &t[index_at(va, level)];
		if (is_large(*e, level, f))
			return ERR(E_INVAL);
		t = next_level(e, f, tag);
		if (!t)
			return ERR(E_NOMEM);
	}
	e = &t[index_at(va, leaf_level)];
	if (*e & f->present)
		return ERR(E_INVAL);
	*e = pa | leaf | (leaf_level ? PAGING4_LARGE : 0);
	return 0;
}

/* The largest page both addresses are aligned to and the rest of the range fills. */
static unsigned best_level(u64 va, u64 pa, u64 size, const struct paging4_format *f)
{
	for (unsigned level = 2; level > 0; level--) {
		u64 page = PAGE_SIZE << (9 * level);

		if ((f->large_levels & (1u << level)) && !((va | pa) & (page - 1)) && size >= page)
			return level;
	}
	return 0;
}

int paging4_map(u64 root, u64 va, u64 pa, u64 size, u64 leaf, const struct paging4_format *f,
		struct pmem_tag tag)
{
	while (size) {
		unsigned level = best_level(va, pa, size, f);
		u64 step = PAGE_SIZE << (9 * level);
		int err = map_one(root, va, pa, leaf, level, f, tag);

		if (err)
			return err;
		va += step;
		pa += step;
		size -= step;
	}
	return 0;
}

u64 paging4_leaf(u64 root, u64 va, u64 *page, const struct paging4_format *f)
{
	u64 *t = table(root);

	for (unsigned level = 3;; level--) {
		u64 e = t[index_at(va, level)];

		if (!(e & f->present))
			return 0;
		if (level == 0 || is_large(e, level, f)) {
			*page = PAGE_SIZE << (9 * level);
			return e;
		}
		t = table(e & PAGING4_ADDR_MASK);
	}
}
