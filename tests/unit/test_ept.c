/* Unit tests for arch/x86/ept.c, built with tests/unit/fake/core/lib/cpu.h for its MSR and
 * CPUID. Page-table pages come from pmem_alloc (here: the host heap) and "host RAM" is a heap
 * buffer, so a table entry written into a mapped page shows as a changed byte in it. */
#include <stdlib.h>
#include <string.h>

#include "arch/x86/ept.h"
#include "core/error.h"
#include "core/pmem.h"
#include "tests/unit/check.h"

u64 fake_msr_value = (1ULL << 16) | (1ULL << 17); /* EPT 2 MiB and 1 GiB pages */
u32 fake_phys_addr_bits = 52;			  /* host heap addresses lie high */

#define OWNER 3 /* the partition the tables are for */

/* The tag the last table was allocated with. */
static struct pmem_tag last_tag = {.use = PMEM_USES};

/* Page-table pages: a static pool, zeroed, handed out in order (0 once it is used up). */
u64 pmem_alloc(u64 pages, struct pmem_tag tag)
{
	static u8 pool[64][4096] __attribute__((aligned(4096)));
	static u64 used;

	if (pages > ARRAY_SIZE(pool) - used)
		return 0;
	used += pages;
	last_tag = tag;
	return (u64)(uintptr_t)pool[used - pages];
}

static bool all_zero(const u8 *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* A 4 KiB page inside a 2 MiB one: refused, and nothing written into the 2 MiB the large page
 * maps (descending through it took its host address for a table). */
static void test_no_table_through_large_page(void)
{
	u8 *ram = aligned_alloc(2 * MiB, 2 * MiB);
	u64 pml4 = ept_create(OWNER), hpa = (u64)(uintptr_t)ram;

	CHECK(ram != NULL);
	if (!ram)
		return;
	memset(ram, 0, 2 * MiB);
	CHECK_EQ(ept_map(pml4, 0, hpa, 2 * MiB, EPT_R | EPT_W | EPT_X, false, OWNER), 0);
	CHECK_EQ(ept_translate(pml4, 0x1234), hpa + 0x1234);
	CHECK_EQ(ept_map(pml4, 0x1000, 0x40000000, 0x1000, EPT_R | EPT_W, true, OWNER), E_INVAL);
	CHECK(all_zero(ram, 2 * MiB));
	CHECK_EQ(ept_translate(pml4, 0x1000), hpa + 0x1000);
	free(ram);
}

/* One guest address, one mapping: a page mapped twice, or a large page over a table of small
 * ones, is refused and the first mapping stays. */
static void test_no_second_mapping(void)
{
	u64 pml4 = ept_create(OWNER);

	CHECK_EQ(ept_map(pml4, 0x400000, 0x1000000, 0x1000, EPT_R, false, OWNER), 0);
	/* The tables made are counted as the owner's EPT (core/pmem.h). */
	CHECK_EQ(last_tag.use, PMEM_EPT);
	CHECK_EQ(last_tag.owner, OWNER);
	CHECK_EQ(ept_map(pml4, 0x400000, 0x2000000, 0x1000, EPT_R, false, OWNER), E_INVAL);
	CHECK_EQ(ept_translate(pml4, 0x400000), 0x1000000);
	CHECK_EQ(ept_map(pml4, 0x400000, 0x2000000, 2 * MiB, EPT_R, false, OWNER), E_INVAL);
	CHECK_EQ(ept_translate(pml4, 0x400000), 0x1000000);
}

/* What a 4-level walk or the CPU cannot address is refused, not wrapped onto lower addresses;
 * so are unaligned ranges (an unaligned size never reached 0). */
static void test_limits(void)
{
	u64 pml4 = ept_create(OWNER);

	CHECK_EQ(ept_map(pml4, 1ULL << 48, 0x3000000, 0x1000, EPT_R, false, OWNER), E_RANGE);
	CHECK_EQ(ept_translate(pml4, 0), ~0ULL);
	CHECK_EQ(ept_map(pml4, (1ULL << 48) - 0x1000, 0x3000000, 0x1000, EPT_R, false, OWNER), 0);
	fake_phys_addr_bits = 39;
	CHECK_EQ(ept_map(pml4, 0x800000, (1ULL << 39) - 0x1000, 0x2000, EPT_R, true, OWNER),
		 E_RANGE);
	CHECK_EQ(ept_map(pml4, 0x800000, (1ULL << 39) - 0x1000, 0x1000, EPT_R, true, OWNER), 0);
	fake_phys_addr_bits = 52;
	CHECK_EQ(ept_map(pml4, 0xa00000, 0x3000000, 0x800, EPT_R, false, OWNER), E_INVAL);
	CHECK_EQ(ept_map(pml4, 0xa00800, 0x3000000, 0x1000, EPT_R, false, OWNER), E_INVAL);
}

/* What Bulkhead reads for a partition: only RAM it may read itself, never a device's MMIO
 * (uncached) nor a page it may only write or execute. */
static void test_readable_ram_only(void)
{
	u64 pml4 = ept_create(OWNER);

	CHECK_EQ(ept_map(pml4, 0x600000, 0x1000000, 0x1000, EPT_R | EPT_W, false, OWNER), 0);
	CHECK_EQ(ept_map(pml4, 0x601000, 0xfed00000, 0x1000, EPT_R | EPT_W, true, OWNER), 0);
	CHECK_EQ(ept_map(pml4, 0x602000, 0x1002000, 0x1000, EPT_X, false, OWNER), 0);
	CHECK_EQ(ept_map(pml4, 0x603000, 0x1003000, 0x1000, EPT_W, false, OWNER), 0);
	CHECK_EQ(ept_translate_readable_ram(pml4, 0x600123), 0x1000123);
	CHECK_EQ(ept_translate_readable_ram(pml4, 0x601000), ~0ULL);
	CHECK_EQ(ept_translate(pml4, 0x601000), 0xfed00000); /* mapped, but a device's */
	CHECK_EQ(ept_translate_readable_ram(pml4, 0x602000), ~0ULL);
	CHECK_EQ(ept_translate_readable_ram(pml4, 0x603000), ~0ULL);
	CHECK_EQ(ept_translate_readable_ram(pml4, 0x604000), ~0ULL);
}

int main(void)
{
	RUN(test_no_table_through_large_page);
	RUN(test_no_second_mapping);
	RUN(test_limits);
	RUN(test_readable_ram_only);
	CHECK_MAIN_END();
}
