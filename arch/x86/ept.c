/* EPT construction (the entry format is in ept.h). Tables come from the boot-time allocator
 * and are built before the partition first runs. */
#include "arch/x86/ept.h"
#include "core/lib/cpu.h"
#include "core/lib/msr.h"
#include "core/error.h"
#include "core/pmem.h"
#include "core/lib/string.h"

/* A 4-level walk translates 48 bits of guest-physical address: index_at() would wrap any
 * address above onto one 2^48 lower. */
#define EPT_GUEST_LIMIT (1ULL << 48)

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
	return (gpa >> (12 + 9 * level)) & (EPT_ENTRIES - 1);
}

/* A present entry of a PDPT (level 2) or PD (level 1) that maps a 1 GiB or 2 MiB page. */
static bool is_large(u64 e, unsigned level)
{
	return (e & EPT_RWX) && (level == 1 || level == 2) && (e & EPT_LARGE);
}

/*
 * Map one page of the size `level` gives: 0 = 4 KiB (PTE), 1 = 2 MiB (PDE), 2 = 1 GiB
 * (PDPTE). SDM Vol. 3C §29.3.2. A guest address is mapped once: a large page on the way down
 * (its host address is no table: descending would write entries into that memory) or a
 * present entry where the leaf goes (a page, or a table of smaller ones) is a second mapping
 * of the same address: E_INVAL, and no entry is overwritten.
 */
static int map_one(u64 pml4, u64 gpa, u64 hpa, u64 leaf, unsigned leaf_level)
{
	u64 *t = table(pml4);
	u64 *e;

	for (unsigned level = 3; level > leaf_level; level--) {
		e = &t[index_at(gpa, level)];
		if (is_large(*e, level))
			return ERR(E_INVAL);
		t = next_level(e);
		if (!t)
			return ERR(E_NOMEM);
	}
	e = &t[index_at(gpa, leaf_level)];
	if (*e & EPT_RWX)
		return ERR(E_INVAL);
	*e = hpa | leaf | (leaf_level ? EPT_LARGE : 0);
	return 0;
}

/* The largest page both addresses are aligned to and the rest of the range fills, among
 * the sizes this CPU's EPT offers (IA32_VMX_EPT_VPID_CAP bits 16 and 17). */
static unsigned best_level(u64 gpa, u64 hpa, u64 size)
{
	u64 caps = rdmsr(MSR_IA32_VMX_EPT_VPID);

	for (unsigned level = 2; level > 0; level--) {
		u64 page = PAGE_SIZE << (9 * level);

		if ((caps & (1ULL << (15 + level))) && !((gpa | hpa) & (page - 1)) && size >= page)
			return level;
	}
	return 0;
}

/* The CPU's physical-address width, MAXPHYADDR (CPUID 0x80000008 EAX[7:0]): an EPT entry
 * with an address bit at or above it is an EPT misconfiguration. 36 without that leaf, or
 * when it says something no x86-64 CPU has (EPT entries hold at most 52 bits). */
static unsigned phys_addr_bits(void)
{
	unsigned bits = 0;

	if (cpuid(0x80000000, 0).eax >= 0x80000008)
		bits = cpuid(0x80000008, 0).eax & 0xff;
	return bits >= 32 && bits <= 52 ? bits : 36;
}

int ept_map(u64 pml4, u64 gpa, u64 hpa, u64 size, u32 access, bool uncached)
{
	u64 leaf = (access & EPT_RWX) | (uncached ? EPT_MT_UC : EPT_MT_WB);
	u64 host_limit = 1ULL << phys_addr_bits();

	if ((gpa | hpa | size) & (PAGE_SIZE - 1))
		return ERR(E_INVAL);
	if (size > EPT_GUEST_LIMIT || gpa > EPT_GUEST_LIMIT - size)
		return ERR(E_RANGE);
	if (size > host_limit || hpa > host_limit - size)
		return ERR(E_RANGE);
	while (size) {
		unsigned level = best_level(gpa, hpa, size);
		u64 step = PAGE_SIZE << (9 * level);
		int err = map_one(pml4, gpa, hpa, leaf, level);

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
	return pml4 | EPTP_WALK_4 | EPTP_MT_WB;
}

/* The leaf entry that maps `gpa`, with the size of its page in *page; 0 if none. */
static u64 leaf_for(u64 pml4, u64 gpa, u64 *page)
{
	u64 *t = table(pml4);

	for (unsigned level = 3;; level--) {
		u64 e = t[index_at(gpa, level)];

		if (!(e & EPT_RWX))
			return 0;
		if (level == 0 || ((level == 1 || level == 2) && (e & EPT_LARGE))) {
			*page = PAGE_SIZE << (9 * level);
			return e;
		}
		t = table(e & EPT_ADDR_MASK);
	}
}

u64 ept_translate(u64 pml4, u64 gpa)
{
	u64 page = 0, e = leaf_for(pml4, gpa, &page);

	return e ? (e & EPT_ADDR_MASK & ~(page - 1)) | (gpa & (page - 1)) : ~0ULL;
}

u64 ept_translate_readable_ram(u64 pml4, u64 gpa)
{
	u64 page = 0, e = leaf_for(pml4, gpa, &page);

	if (!(e & EPT_R) || (e & EPT_MT_MASK) != EPT_MT_WB)
		return ~0ULL;
	return (e & EPT_ADDR_MASK & ~(page - 1)) | (gpa & (page - 1));
}
