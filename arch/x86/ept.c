/* EPT construction. Entry format: SDM Vol. 3C §29.3.2, tables 29-1 to 29-6. Tables come from
 * the boot-time allocator and are built before the partition first runs. */
#include "arch/x86/ept.h"
#include "core/error.h"
#include "core/pmem.h"
#include "core/string.h"

#define EPT_RWX	      0x7ULL
#define EPT_MT_WB     (6ULL << 3)
#define EPT_MT_UC     (0ULL << 3)
#define EPT_LARGE     (1ULL << 7)
#define EPT_ADDR_MASK 0x000ffffffffff000ULL
#define ENTRIES	      512

static u64 *table(u64 phys)
{
	return (u64 *)phys; /* identity mapped */
}

static u64 alloc_table(void)
{
	u64 t = pmem_alloc(1);

	if (t)
		memset(table(t), 0, PAGE_SIZE);
	return t;
}

u64 ept_create(void)
{
	return alloc_table();
}

/* The table one level down from entry `e`, created if absent. */
static u64 *next_level(u64 *e)
{
	if (!(*e & EPT_RWX)) {
		u64 t = alloc_table();

		if (!t)
			return NULL;
		*e = t | EPT_RWX;
	}
	return table(*e & EPT_ADDR_MASK);
}

static unsigned index_at(u64 gpa, unsigned level)
{
	return (gpa >> (12 + 9 * level)) & (ENTRIES - 1);
}

static int map_one(u64 pml4, u64 gpa, u64 hpa, u64 leaf, bool large)
{
	u64 *t = table(pml4);

	for (unsigned level = 3; level > (large ? 1u : 0u); level--) {
		t = next_level(&t[index_at(gpa, level)]);
		if (!t)
			return ERR(E_NOMEM);
	}
	t[index_at(gpa, large ? 1 : 0)] = hpa | leaf | (large ? EPT_LARGE : 0);
	return 0;
}

int ept_map(u64 pml4, u64 gpa, u64 hpa, u64 size, u32 access, bool uncached)
{
	u64 leaf = (access & EPT_RWX) | (uncached ? EPT_MT_UC : EPT_MT_WB);

	while (size) {
		bool large = !(gpa & (2 * MiB - 1)) && !(hpa & (2 * MiB - 1)) && size >= 2 * MiB;
		u64 step = large ? 2 * MiB : PAGE_SIZE;
		int err = map_one(pml4, gpa, hpa, leaf, large);

		if (err)
			return err;
		gpa += step;
		hpa += step;
		size -= step;
	}
	return 0;
}

u64 ept_pointer(u64 pml4)
{
	return pml4 | (3ULL << 3) | 6ULL; /* walk length 4 - 1; WB (SDM §25.6.11) */
}

u64 ept_translate(u64 pml4, u64 gpa)
{
	u64 *t = table(pml4);

	for (unsigned level = 3;; level--) {
		u64 e = t[index_at(gpa, level)];

		if (!(e & EPT_RWX))
			return ~0ULL;
		if (level == 0 || (level == 1 && (e & EPT_LARGE))) {
			u64 page = level ? 2 * MiB : PAGE_SIZE;
			return (e & EPT_ADDR_MASK & ~(page - 1)) | (gpa & (page - 1));
		}
		t = table(e & EPT_ADDR_MASK);
	}
}
