/* Unit tests for core/pmem.c: the boot-time physical page allocator. */
#define _POSIX_C_SOURCE 200809L /* pthreads, for the concurrent allocations */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/pmem.h"
#include "tests/unit/check.h"

#define PG PAGE_SIZE
/* The tag of allocations whose accounting a test does not look at. */
#define T pmem_tag_hv(PMEM_STACKS)

/* --- helpers ------------------------------------------------------------------------------ */

struct mmap_entry {
	u64 start, len;
	u32 type; /* Multiboot2: 1 usable, 2 reserved, 3 ACPI reclaimable, 4 ACPI NVS */
};

/* What the boot code does with a Multiboot2 memory map: only type 1 is RAM. */
static void add_map(const struct mmap_entry *map, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (map[i].type == 1)
			CHECK_EQ(pmem_add_ram(map[i].start, map[i].len), 0);
}

static bool overlaps(u64 a, u64 a_end, u64 b, u64 b_end)
{
	return a < b_end && b < a_end;
}

/* [at, at + size) overlaps a reservation pmem keeps (page 0 included). */
static bool in_reservation(u64 at, u64 size)
{
	const struct pmem_reservation *r = pmem_reservations();

	for (u32 k = 0; k < pmem_reservation_count(); k++)
		if (overlaps(at, at + size, r[k].start, r[k].end))
			return true;
	return false;
}

static bool ranges_are(const struct pmem_range *want, u32 n)
{
	if (pmem_range_count() != n)
		return false;
	for (u32 i = 0; i < n; i++)
		if (pmem_ranges()[i].start != want[i].start || pmem_ranges()[i].end != want[i].end)
			return false;
	return true;
}

static void dump_ranges(void)
{
	for (u32 i = 0; i < pmem_range_count(); i++)
		printf("    free 0x%llx-0x%llx\n", (unsigned long long)pmem_ranges()[i].start,
		       (unsigned long long)pmem_ranges()[i].end);
}

#define CHECK_RANGES(...)                                                                          \
	do {                                                                                       \
		static const struct pmem_range want_[] = {__VA_ARGS__};                            \
		CHECK(ranges_are(want_, ARRAY_SIZE(want_)));                                       \
		if (!ranges_are(want_, ARRAY_SIZE(want_)))                                         \
			dump_ranges();                                                             \
	} while (0)

/* --- a page-state model, used by the UEFI map and the randomized test ----------------------- */

enum { M_NONE, M_FREE, M_RSV, M_ALLOC };

#define MODEL_MAX_PAGES (2 * GiB / PG)

static u8 model[MODEL_MAX_PAGES];
static bool sticky[MODEL_MAX_PAGES]; /* under a recorded reservation */
static u64 model_pages, model_limit;

static void model_reset(u64 pages)
{
	memset(model, M_NONE, sizeof(model));
	memset(sticky, 0, sizeof(sticky));
	model_pages = pages;
	model_limit = PMEM_DEFAULT_LIMIT;
	sticky[0] = true;
}

static void model_add(u64 start, u64 len)
{
	for (u64 p = align_up(start, PG) / PG; p < align_down(start + len, PG) / PG; p++)
		if (model[p] == M_NONE)
			model[p] = sticky[p] ? M_RSV : M_FREE;
}

static void model_reserve(u64 start, u64 len, bool recorded)
{
	if (!len)
		return;
	for (u64 p = align_down(start, PG) / PG; p < align_up(start + len, PG) / PG; p++) {
		if (model[p] == M_FREE)
			model[p] = M_RSV;
		if (recorded)
			sticky[p] = true;
	}
}

static u64 model_count(int state)
{
	u64 n = 0;

	for (u64 p = 0; p < model_pages; p++)
		n += model[p] == state;
	return n;
}

/* Where the allocator should put the block: the top of the highest free run that fits. */
static u64 model_expect(u64 pages, u64 align, u64 below)
{
	u64 top = align_down(below, PG) < model_limit ? align_down(below, PG) : model_limit;
	u64 p = top / PG < model_pages ? top / PG : model_pages;

	while (p > 0) {
		u64 end, start;

		while (p > 0 && model[p - 1] != M_FREE)
			p--;
		end = p;
		while (p > 0 && model[p - 1] == M_FREE)
			p--;
		start = p;
		if (end - start >= pages) {
			u64 at = align_down((end - pages) * PG, align);
			if (at >= start * PG)
				return at;
		}
	}
	return 0;
}

/* Bytes the model expects counted per owner and use. */
static u64 model_used[PMEM_OWNERS][PMEM_USES];

/* The allocator's free ranges and counters agree with the model, page for page. */
static bool model_matches(void)
{
	const struct pmem_range *r = pmem_ranges();
	u64 p = 0, below_limit = 0;
	u32 k = 0;

	while (p < model_pages) {
		u64 start;

		if (model[p] != M_FREE) {
			p++;
			continue;
		}
		start = p;
		while (p < model_pages && model[p] == M_FREE)
			p++;
		if (k >= pmem_range_count() || r[k].start != start * PG || r[k].end != p * PG)
			return false;
		k++;
	}
	for (p = 0; p < model_pages && p < model_limit / PG; p++)
		below_limit += model[p] == M_FREE;
	for (u32 o = 0; o < PMEM_OWNERS; o++)
		for (u32 u = 0; u < PMEM_USES; u++)
			if (pmem_used_bytes(o, (enum pmem_use)u) != model_used[o][u])
				return false;
	return k == pmem_range_count() && pmem_free_bytes() == below_limit * PG &&
	       pmem_reserved_bytes() == model_count(M_RSV) * PG &&
	       pmem_allocated_bytes() == model_count(M_ALLOC) * PG &&
	       pmem_total_ram() == (model_pages - model_count(M_NONE)) * PG;
}

/* --- a SeaBIOS-like machine: 256 MiB, hypervisor at 2 MiB, three modules -------------------- */

static const struct mmap_entry seabios_map[] = {
    {0x0, 0x9fc00, 1},	      {0x9fc00, 0x400, 2},    {0xf0000, 0x10000, 2},
    {0x100000, 0xfefe000, 1}, {0xfffe000, 0x2000, 2}, {0xfeffc000, 0x4000, 2},
    {0xfffc0000, 0x40000, 2},
};

#define HV_START   0x200000ULL
#define HV_LEN	   0x41000ULL
#define RT0_START  0x242000ULL /* a 10-byte module */
#define RT0_LEN	   10ULL
#define LNX_START  0x243000ULL
#define LNX_LEN	   0x5a3b17ULL
#define INI_START  0x7e8000ULL
#define INI_LEN	   0x200001ULL
#define INFO_START 0x9e9c48ULL /* the Multiboot2 info, mid-page */
#define INFO_LEN   0x2b8ULL

#define SEABIOS_RAM	 (0x9f000ULL + 0xfefe000ULL)
#define SEABIOS_RESERVED (0x1000ULL + 0x41000 + 0x1000 + 0x5a4000 + 0x201000 + 0x1000)

static void setup_seabios(void)
{
	pmem_init();
	add_map(seabios_map, ARRAY_SIZE(seabios_map));
	CHECK_EQ(pmem_reserve(HV_START, HV_LEN, "hypervisor"), 0);
	CHECK_EQ(pmem_reserve(RT0_START, RT0_LEN, "module rt0"), 0);
	CHECK_EQ(pmem_reserve(LNX_START, LNX_LEN, "module linux"), 0);
	CHECK_EQ(pmem_reserve(INI_START, INI_LEN, "module initrd"), 0);
	CHECK_EQ(pmem_reserve(INFO_START, INFO_LEN, "multiboot2 info"), 0);
}

static void test_seabios_totals(void)
{
	setup_seabios();
	CHECK(pmem_check_invariants());
	CHECK_EQ(pmem_total_ram(), SEABIOS_RAM);
	CHECK_EQ(pmem_reserved_bytes(), SEABIOS_RESERVED);
	CHECK_EQ(pmem_allocated_bytes(), 0);
	CHECK_EQ(pmem_free_bytes(), SEABIOS_RAM - SEABIOS_RESERVED);
	/* Page 0, then the single pages left between the modules stay free. */
	CHECK_RANGES({0x1000, 0x9f000}, {0x100000, 0x200000}, {0x241000, 0x242000},
		     {0x7e7000, 0x7e8000}, {0x9ea000, 0xfffe000});
}

static void test_reservations_grow_to_pages(void)
{
	const struct pmem_reservation *r;

	setup_seabios();
	CHECK_EQ(pmem_reservation_count(), 6);
	r = pmem_reservations();
	CHECK(strcmp(r[0].name, "page 0") == 0);
	CHECK_EQ(r[0].start, 0);
	CHECK_EQ(r[0].end, 0x1000);
	/* 10 bytes still take their whole page. */
	CHECK(strcmp(r[2].name, "module rt0") == 0);
	CHECK_EQ(r[2].start, RT0_START);
	CHECK_EQ(r[2].end, RT0_START + PG);
	/* An unaligned end rounds up; one byte into a page takes the page. */
	CHECK_EQ(r[3].end, 0x7e7000);
	CHECK_EQ(r[4].end, 0x9e9000);
	/* A block in the middle of a page takes the page. */
	CHECK(strcmp(r[5].name, "multiboot2 info") == 0);
	CHECK_EQ(r[5].start, 0x9e9000);
	CHECK_EQ(r[5].end, 0x9ea000);
	for (u32 k = 0; k < pmem_reservation_count(); k++) {
		CHECK_EQ(r[k].start % PG, 0);
		CHECK_EQ(r[k].end % PG, 0);
	}
	/* A name longer than the slot is cut, not overrun. */
	pmem_reserve(0x5000, 1, "a module with a name much longer than thirty-one chars");
	CHECK_EQ(strlen(pmem_reservations()[6].name), PMEM_NAME_LEN - 1);
}

static void test_alloc_top_down(void)
{
	u64 prev = ~0ULL;

	setup_seabios();
	CHECK_EQ(pmem_alloc(1, T), 0xfffd000);
	CHECK_EQ(pmem_alloc(2, T), 0xfffb000);
	prev = 0xfffb000;
	/* Big blocks keep coming from the top, never from a module or the hypervisor. */
	for (int i = 0; i < 100; i++) {
		u64 pages = 1 + (u64)i * 37 % 300, at = pmem_alloc(pages, T);

		CHECK(at != 0);
		CHECK_EQ(at % PG, 0);
		CHECK(at + pages * PG <= prev);
		CHECK(at + pages * PG <= pmem_limit());
		CHECK(!in_reservation(at, pages * PG));
		prev = at;
	}
	CHECK(pmem_check_invariants());
}

static void test_exhaust_page_by_page(void)
{
	u64 pages, count = 0, prev = ~0ULL, at;
	bool ok = true;

	setup_seabios();
	pages = pmem_free_bytes() / PG;
	while ((at = pmem_alloc(1, T)) != 0) {
		count++;
		ok = ok && at % PG == 0 && at < prev && !in_reservation(at, PG) &&
		     pmem_check_invariants();
		prev = at;
	}
	CHECK(ok);
	CHECK_EQ(count, pages);
	CHECK_EQ(prev, 0x1000); /* the last page taken is the lowest one */
	CHECK_EQ(pmem_free_bytes(), 0);
	CHECK_EQ(pmem_range_count(), 0);
	CHECK_EQ(pmem_allocated_bytes(), pages * PG);
	CHECK(pmem_check_invariants());
	CHECK_LOG("pmem: cannot allocate 1 pages aligned 0x1000 below 0x100000000: 0 KiB free "
		  "there, largest block 0 KiB\n");
}

/* --- add_ram ---------------------------------------------------------------------------- */

static void test_add_unaligned_shrinks_inward(void)
{
	pmem_init();
	CHECK_EQ(pmem_add_ram(0x100800, 0x2000), 0); /* 0x100800-0x102800: one whole page */
	CHECK_EQ(pmem_add_ram(0x200001, 0x3fff), 0); /* ends on 0x204000 */
	CHECK_EQ(pmem_add_ram(0x300000, 0x2fff), 0); /* starts on a page, ends inside one */
	CHECK_RANGES({0x101000, 0x102000}, {0x201000, 0x204000}, {0x300000, 0x302000});
	CHECK_EQ(pmem_total_ram(), 0x6000);
	CHECK(pmem_check_invariants());
}

static void test_add_sub_page_ignored(void)
{
	pmem_init();
	CHECK_EQ(pmem_add_ram(0x300000, 0), 0);
	CHECK_EQ(pmem_add_ram(0x300000, 0xfff), 0);
	CHECK_EQ(pmem_add_ram(0x300800, 0x1000), 0); /* a page's worth, but no whole page */
	CHECK_EQ(pmem_add_ram(0xfffffffffffff800ULL, 0x100), 0);
	CHECK_EQ(pmem_range_count(), 0);
	CHECK_EQ(pmem_total_ram(), 0);
	CHECK(pmem_check_invariants());
}

static void test_add_saturates_at_top(void)
{
	pmem_init();
	/* start + len wraps: keep what can be described, up to the last page boundary. */
	CHECK_EQ(pmem_add_ram(0xfffffffffff00000ULL, ~0ULL), 0);
	CHECK_RANGES({0xfffffffffff00000ULL, PMEM_ADDR_MAX});
	CHECK_EQ(pmem_total_ram(), 0xff000);
	CHECK_EQ(pmem_free_bytes(), 0); /* all above the limit */
	CHECK(pmem_check_invariants());
	pmem_report();
	CHECK_LOG("pmem: 1020 KiB above 0x100000000 not allocatable yet\n");
}

static void test_add_overlapping_merges(void)
{
	pmem_init();
	pmem_add_ram(0x100000, 0x100000);
	pmem_add_ram(0x180000, 0x100000); /* overlaps the end */
	CHECK_RANGES({0x100000, 0x280000});
	CHECK_EQ(pmem_total_ram(), 0x180000);
	pmem_add_ram(0x300000, 0x100000);
	CHECK_EQ(pmem_range_count(), 2);
	pmem_add_ram(0x280000, 0x80000); /* touches both neighbours */
	CHECK_RANGES({0x100000, 0x400000});
	pmem_add_ram(0x600000, 0x1000);
	pmem_add_ram(0x50000, 0x4b0000); /* swallows everything before 0x500000 */
	CHECK_RANGES({0x50000, 0x500000}, {0x600000, 0x601000});
	CHECK_EQ(pmem_total_ram(), 0x4b1000);
	pmem_add_ram(0x50000, 0x4b0000);  /* again: nothing new */
	pmem_add_ram(0x4ff000, 0x101000); /* bridges the gap */
	CHECK_RANGES({0x50000, 0x601000});
	CHECK_EQ(pmem_total_ram(), 0x5b1000);
	CHECK(pmem_check_invariants());
}

/* --- reserve ---------------------------------------------------------------------------- */

static void test_reserve_splits_range(void)
{
	pmem_init();
	pmem_add_ram(0x100000, 0x100000);
	CHECK_EQ(pmem_reserve(0x150010, 0x20, "mid"), 0);
	CHECK_RANGES({0x100000, 0x150000}, {0x151000, 0x200000});
	CHECK_EQ(pmem_reserved_bytes(), 0x1000);
	CHECK_EQ(pmem_reserve(0x100000, 0x1000, "edge"), 0);
	CHECK_RANGES({0x101000, 0x150000}, {0x151000, 0x200000});
	/* Overlapping an earlier reservation counts only what was still free. */
	CHECK_EQ(pmem_reserve(0x150000, 0x2000, "again"), 0);
	CHECK_EQ(pmem_reserved_bytes(), 0x3000);
	CHECK(pmem_check_invariants());
}

static void test_reserve_spans_ranges(void)
{
	pmem_init();
	pmem_add_ram(0x100000, 0x100000);
	pmem_add_ram(0x300000, 0x100000);
	pmem_add_ram(0x500000, 0x100000);
	CHECK_EQ(pmem_reserve(0x180000, 0x400000, "wide"), 0);
	CHECK_RANGES({0x100000, 0x180000}, {0x580000, 0x600000});
	CHECK_EQ(pmem_reserved_bytes(), 0x200000);
	CHECK_EQ(pmem_total_ram(), 0x300000);
	CHECK(pmem_check_invariants());
}

static void test_reserve_non_ram(void)
{
	pmem_init();
	pmem_add_ram(0x100000, 0x100000);
	CHECK_EQ(pmem_reserve(0xfee00000, 0x1000, "lapic"), 0);
	CHECK_EQ(pmem_reserved_bytes(), 0);
	CHECK_RANGES({0x100000, 0x200000});
	CHECK_EQ(pmem_reservation_count(), 2);
	/* Partly RAM: only the RAM part is counted. */
	CHECK_EQ(pmem_reserve(0x1ff800, 0x10000, "tail"), 0);
	CHECK_EQ(pmem_reserved_bytes(), 0x1000);
	/* Zero length reserves nothing and is not recorded. */
	CHECK_EQ(pmem_reserve(0x150000, 0, "nothing"), 0);
	CHECK_EQ(pmem_reservation_count(), 3);
	/* No name is still a reservation. */
	CHECK_EQ(pmem_reserve(0x1f0000, 1, NULL), 0);
	CHECK(strcmp(pmem_reservations()[3].name, "?") == 0);
	CHECK_EQ(pmem_reserved_bytes(), 0x2000);
	CHECK(pmem_check_invariants());
}

static void test_reserve_before_ram(void)
{
	pmem_init();
	CHECK_EQ(pmem_reserve(0x300800, 0x10000, "early"), 0);
	pmem_add_ram(0x0, 0x1000000);
	CHECK_RANGES({0x1000, 0x300000}, {0x311000, 0x1000000});
	CHECK_EQ(pmem_reserved_bytes(), 0x1000 + 0x11000); /* page 0 and the early one */
	CHECK_EQ(pmem_total_ram(), 0x1000000);
	CHECK(pmem_check_invariants());
}

static void test_reserve_everything(void)
{
	setup_seabios();
	CHECK_EQ(pmem_reserve(0, 4 * GiB, "everything"), 0);
	CHECK_EQ(pmem_free_bytes(), 0);
	CHECK_EQ(pmem_reserved_bytes(), pmem_total_ram());
	CHECK_EQ(pmem_alloc(1, T), 0);
	CHECK_LOG("pmem: cannot allocate 1 pages aligned 0x1000 below 0x100000000: 0 KiB free "
		  "there, largest block 0 KiB\n");
	CHECK_EQ(pmem_alloc_aligned(16, 2 * MiB, 16 * MiB, T), 0);
	CHECK_LOG("pmem: cannot allocate 16 pages aligned 0x200000 below 0x1000000:");
	CHECK(pmem_check_invariants());
}

/* --- alloc variants --------------------------------------------------------------------- */

static void test_alloc_below_1mib(void)
{
	setup_seabios();
	CHECK_EQ(pmem_alloc_below(1, 1 * MiB, T), 0x9e000);
	CHECK_EQ(pmem_alloc_below(0x9c, 0x9f800, T), 0x2000); /* the limit rounds down */
	CHECK_EQ(pmem_alloc_below(1, 1 * MiB, T), 0x1000);
	CHECK_EQ(pmem_alloc_below(1, 1 * MiB, T), 0);
	CHECK_LOG("pmem: cannot allocate 1 pages aligned 0x1000 below 0x100000: 0 KiB free there, "
		  "largest block 0 KiB\n");
	/* The rest of memory is untouched. */
	CHECK_EQ(pmem_alloc(1, T), 0xfffd000);
	CHECK(pmem_check_invariants());
}

static void test_alloc_aligned_2mib(void)
{
	u64 at;

	setup_seabios();
	CHECK_EQ(pmem_alloc_aligned(1, 2 * MiB, PMEM_ADDR_MAX, T), 0xfe00000);
	CHECK_RANGES({0x1000, 0x9f000}, {0x100000, 0x200000}, {0x241000, 0x242000},
		     {0x7e7000, 0x7e8000}, {0x9ea000, 0xfe00000}, {0xfe01000, 0xfffe000});
	/* 2 MiB no longer fits above 0xfe01000: the next range gives it. */
	CHECK_EQ(pmem_alloc_aligned(512, 2 * MiB, PMEM_ADDR_MAX, T), 0xfc00000);
	at = pmem_alloc_aligned(3, 64 * KiB, 0xabc123, T);
	CHECK_EQ(at, 0xab0000);
	CHECK_EQ(pmem_alloc_aligned(1, 0x800, PMEM_ADDR_MAX, T), 0);
	CHECK_LOG("pmem: bad allocation request: 1 pages aligned 0x800\n");
	CHECK_EQ(pmem_alloc_aligned(1, 0x3000, PMEM_ADDR_MAX, T), 0);
	CHECK_LOG("pmem: bad allocation request: 1 pages aligned 0x3000\n");
	CHECK_EQ(pmem_alloc(0, T), 0);
	CHECK_LOG("pmem: bad allocation request: 0 pages aligned 0x1000\n");
	/* More pages than the address space holds. */
	CHECK_EQ(pmem_alloc(~0ULL / 2, T), 0);
	CHECK_LOG("pmem: cannot allocate 9223372036854775807 pages");
	CHECK(pmem_check_invariants());
}

/* --- the limit --------------------------------------------------------------------------- */

static void test_limit_above_4g(void)
{
	u64 at, pages;

	pmem_init();
	pmem_add_ram(0x0, 0x9f000);
	pmem_add_ram(0x100000, 0x7ff00000);
	pmem_add_ram(0x100000000ULL, 4 * GiB);
	CHECK_EQ(pmem_total_ram(), 0x9f000 + 0x7ff00000 + 4 * GiB);
	CHECK_EQ(pmem_free_bytes(), 0x9e000 + 0x7ff00000);
	pmem_report();
	CHECK_LOG(
	    "pmem: 6143 MiB RAM in 3 ranges, 4 KiB reserved, 0 KiB allocated, 2047 MiB free\n");
	CHECK_LOG("pmem: 4096 MiB above 0x100000000 not allocatable yet\n");
	/* Take everything allocatable in shrinking blocks: none of it is above 4 GiB. */
	for (pages = 0x10000; pages; pages /= 2)
		while ((at = pmem_alloc(pages, T)) != 0)
			CHECK(at + pages * PG <= 4 * GiB);
	CHECK_EQ(pmem_allocated_bytes(), 0x9e000 + 0x7ff00000);
	CHECK_EQ(pmem_free_bytes(), 0);
	CHECK_RANGES({0x100000000ULL, 0x200000000ULL});
	CHECK(pmem_check_invariants());
	/* Once the hypervisor maps more, the rest becomes allocatable. */
	pmem_set_limit(8 * GiB);
	CHECK_EQ(pmem_alloc(1, T), 0x1fffff000ULL);
	capture_reset();
	pmem_report();
	CHECK(!capture_has("not allocatable"));
	CHECK(pmem_check_invariants());
}

static void test_limit_splits_straddling_range(void)
{
	pmem_init();
	pmem_add_ram(0xf0000000ULL, 0x20000000); /* 3.75 GiB - 4.25 GiB */
	CHECK_EQ(pmem_alloc(1, T), 0xfffff000ULL);
	CHECK_RANGES({0xf0000000ULL, 0xfffff000ULL}, {0x100000000ULL, 0x110000000ULL});
	CHECK_EQ(pmem_free_bytes(), 0xfffff000ULL - 0xf0000000ULL);
	pmem_set_limit(0xf0000800ULL); /* rounds down: nothing below it */
	CHECK_EQ(pmem_limit(), 0xf0000000ULL);
	CHECK_EQ(pmem_alloc(1, T), 0);
	pmem_set_limit(~0ULL);
	CHECK_EQ(pmem_alloc(1, T), 0x10ffff000ULL);
	CHECK(pmem_check_invariants());
}

/* --- full tables --------------------------------------------------------------------------- */

static void fill_table(void)
{
	pmem_init();
	/* MAX_PMEM_RANGES - 1 lone pages, then one large range on top. */
	for (u64 i = 0; i < MAX_PMEM_RANGES - 1; i++)
		CHECK_EQ(pmem_add_ram(0x100000 + i * 0x2000, PG), 0);
	CHECK_EQ(pmem_add_ram(0x1000000, 0x1000000), 0);
	CHECK_EQ(pmem_range_count(), MAX_PMEM_RANGES);
}

static void test_range_table_full(void)
{
	u64 total;

	fill_table();
	total = pmem_total_ram();
	CHECK_EQ(pmem_add_ram(0x4000000, 0x1800), E_NOMEM);
	CHECK_LOG("pmem: range table full, RAM 0x0000000004000000-0x0000000004001000 dropped\n");
	CHECK_EQ(pmem_total_ram(), total);
	CHECK_EQ(pmem_range_count(), MAX_PMEM_RANGES);
	CHECK(pmem_check_invariants());
	/* Merging needs no new slot and still works; so does growing a range. */
	CHECK_EQ(pmem_add_ram(0x101000, PG), 0);
	CHECK_EQ(pmem_range_count(), MAX_PMEM_RANGES - 1);
	CHECK_EQ(pmem_add_ram(0x4000000, PG), 0);
	CHECK_EQ(pmem_add_ram(0x2000000, 0x10000), 0);
	CHECK_EQ(pmem_range_count(), MAX_PMEM_RANGES);
	CHECK_EQ(pmem_total_ram(), total + 0x12000);
	CHECK(pmem_check_invariants());

	/* The RAM table is full even when every page has been handed out. */
	fill_table();
	while (pmem_alloc(1, T))
		;
	CHECK_EQ(pmem_range_count(), 0);
	total = pmem_allocated_bytes();
	capture_reset();
	CHECK_EQ(pmem_add_ram(0x8000000, 0x100000), E_NOMEM);
	CHECK_LOG("pmem: range table full, RAM 0x0000000008000000-0x0000000008100000 dropped\n");
	CHECK_EQ(pmem_range_count(), 0);
	CHECK_EQ(pmem_total_ram(), total);
	CHECK(pmem_check_invariants());
}

static void test_reserve_with_table_full(void)
{
	fill_table();
	/* Splitting 0x1000000-0x2000000 needs a slot: the smaller side goes too. */
	CHECK_EQ(pmem_reserve(0x1100000, 0x1000, "squeezed"), E_NOMEM);
	CHECK_LOG("pmem: range table full, reserving squeezed drops free "
		  "0x0000000001000000-0x0000000001100000\n");
	CHECK_EQ(pmem_ranges()[MAX_PMEM_RANGES - 1].start, 0x1101000);
	CHECK_EQ(pmem_reserved_bytes(), 0x101000);
	CHECK_EQ(pmem_range_count(), MAX_PMEM_RANGES);
	CHECK(pmem_check_invariants());
	/* No allocation ever lands in it. */
	for (u64 at; (at = pmem_alloc(1, T)) != 0;)
		CHECK(!overlaps(at, at + PG, 0x1000000, 0x1101000));
	CHECK(pmem_check_invariants());
}

static void test_alloc_with_table_full(void)
{
	fill_table();
	/* Under 0x1800000 the block would split the top range: the lone pages below serve. */
	CHECK_EQ(pmem_alloc_below(1, 0x1800000, T), 0x100000 + (MAX_PMEM_RANGES - 2) * 0x2000);
	CHECK_EQ(pmem_range_count(), MAX_PMEM_RANGES - 1);
	/* Now there is a slot to split with. */
	CHECK_EQ(pmem_alloc_below(1, 0x1800000, T), 0x17ff000);
	fill_table();
	CHECK_EQ(pmem_alloc_aligned(0x200, 4 * MiB, 0x1800000, T), 0);
	CHECK_LOG("largest block 8 MiB (range table full)\n");
	CHECK(pmem_check_invariants());
}

static void test_reservation_table_full(void)
{
	char name[16];

	pmem_init();
	pmem_add_ram(0x100000, 0x1000000);
	for (u32 k = 1; k < PMEM_MAX_RESERVATIONS; k++) {
		snprintf(name, sizeof(name), "module %u", k);
		CHECK_EQ(pmem_reserve(0x200000 + k * 0x10000, 0x100, name), 0);
	}
	CHECK_EQ(pmem_reserve(0x800000, 0x2000, "extra"), E_NOMEM);
	CHECK_LOG("pmem: reservation table full, extra 0x0000000000800000-0x0000000000802000 not "
		  "recorded: RAM added later is not checked against it\n");
	/* Not recorded, but in force. */
	CHECK_EQ(pmem_reservation_count(), PMEM_MAX_RESERVATIONS);
	CHECK_EQ(pmem_reserved_bytes(), (PMEM_MAX_RESERVATIONS - 1) * PG + 0x2000);
	CHECK_RANGES(
	    {0x100000, 0x210000}, {0x211000, 0x220000}, {0x221000, 0x230000}, {0x231000, 0x240000},
	    {0x241000, 0x250000}, {0x251000, 0x260000}, {0x261000, 0x270000}, {0x271000, 0x280000},
	    {0x281000, 0x290000}, {0x291000, 0x2a0000}, {0x2a1000, 0x2b0000}, {0x2b1000, 0x2c0000},
	    {0x2c1000, 0x2d0000}, {0x2d1000, 0x2e0000}, {0x2e1000, 0x2f0000}, {0x2f1000, 0x300000},
	    {0x301000, 0x310000}, {0x311000, 0x320000}, {0x321000, 0x330000}, {0x331000, 0x340000},
	    {0x341000, 0x350000}, {0x351000, 0x360000}, {0x361000, 0x370000}, {0x371000, 0x800000},
	    {0x802000, 0x1100000});
	pmem_report();
	CHECK_LOG("pmem:   reserved 0x0000000000370000-0x0000000000371000 module 23\n"
		  "pmem:   1 more reservations not recorded\n");
	CHECK(pmem_check_invariants());
}

/* --- the report ------------------------------------------------------------------------- */

static void test_report_lines(void)
{
	static const char want[] =
	    "pmem: 255 MiB RAM in 2 ranges, 7 MiB reserved, 12 KiB allocated, 247 MiB free\n"
	    "pmem:   reserved 0x0000000000000000-0x0000000000001000 page 0\n"
	    "pmem:   reserved 0x0000000000200000-0x0000000000241000 hypervisor\n"
	    "pmem:   reserved 0x0000000000242000-0x0000000000243000 module rt0\n"
	    "pmem:   reserved 0x0000000000243000-0x00000000007e7000 module linux\n"
	    "pmem:   reserved 0x00000000007e8000-0x00000000009e9000 module initrd\n"
	    "pmem:   reserved 0x00000000009e9000-0x00000000009ea000 multiboot2 info\n";

	setup_seabios();
	CHECK_EQ(pmem_alloc(3, T), 0xfffb000);
	capture_reset();
	pmem_report();
	/* All of it and nothing else (no line about RAM above the limit). */
	CHECK_LOG(want);
	CHECK_EQ(strlen(capture_text()), strlen(want));
	/* One range; exactly 1 MiB is shown in MiB; small figures in KiB; nothing at all. */
	pmem_init();
	pmem_add_ram(0x100000, 0x100000);
	capture_reset();
	pmem_report();
	CHECK_LOG("pmem: 1 MiB RAM in 1 range, 0 KiB reserved, 0 KiB allocated, 1 MiB free\n");
	pmem_reserve(0x100000, 0x80000, "half");
	CHECK_EQ(pmem_alloc(1, T), 0x1ff000);
	capture_reset();
	pmem_report();
	CHECK_LOG("pmem: 1 MiB RAM in 1 range, 512 KiB reserved, 4 KiB allocated, 508 KiB free\n");
	pmem_init();
	capture_reset();
	pmem_report();
	CHECK_LOG("pmem: 0 KiB RAM in 0 ranges, 0 KiB reserved, 0 KiB allocated, 0 KiB free\n");
}

/* --- a fragmented UEFI-like map ----------------------------------------------------------- */

static const struct mmap_entry uefi_map[] = {
    {0x0, 0x9f000, 1}, /* page 0 is usable here */
    {0x9f000, 0x1000, 2},      {0xe0000, 0x20000, 2},
    {0x100000, 0x700000, 1}, /* conventional */
    {0x800000, 0x8000, 4},   /* ACPI NVS */
    {0x808000, 0x3000, 1},     {0x80b000, 0x1000, 4},
    {0x80c000, 0x4000, 1},     {0x810000, 0xf0000, 4},
    {0x900000, 0x100000, 1}, /* boot services data ... */
    {0xa00000, 0x1000, 1},   /* ... adjacent pieces that merge */
    {0xa01000, 0x5ff000, 1},   {0x1000000, 0x1c00000, 1},
    {0x2800000, 0x800000, 1}, /* overlaps the previous one and extends it */
    {0x3000000, 0x800, 1},    /* half a page, touching: nothing */
    {0x3100400, 0x2000, 1},   /* unaligned both ends: one page */
    {0x3200000, 0x1800, 1},   /* unaligned end */
    {0x3201800, 0x1800, 1},   /* starts where the last ended, mid-page */
    {0x3300000, 0x10000, 1},   {0x3310000, 0x10000, 1},
    {0x3320000, 0x10000, 1},   {0x3330000, 0x10000, 1},
    {0x3340000, 0x1000, 3}, /* ACPI reclaimable */
    {0x3341000, 0x30bf000, 1}, {0x6400000, 0x200000, 1},
    {0x6500000, 0x400000, 1}, /* overlaps and extends */
    {0x6600000, 0x100000, 1}, /* inside the last one */
    {0x6a00000, 0x1000, 2},    {0x6a01000, 0x1ff000, 1},
    {0x6c00000, 0xffc00, 1},   {0x6cffc00, 0x400, 1},
    {0x6d00000, 0x300000, 1},  {0x7000000, 0xef0000, 1},
    {0x7000000, 0x100000, 1}, /* a duplicate entry */
    {0x7ef0000, 0x10000, 1},   {0x7f00000, 0x80000, 4},
    {0x7f80000, 0x50000, 1},   {0x7fd0000, 0x30000, 2},
    {0xffc00000, 0x400000, 2}, {0x100000000ULL, 0x40000000, 1},
};

static void test_uefi_fragmented_map(void)
{
	bool ok = true;
	u64 prev = ~0ULL;

	pmem_init();
	model_reset(MODEL_MAX_PAGES);
	add_map(uefi_map, ARRAY_SIZE(uefi_map));
	/* The model covers 2 GiB; the GiB above 4 GiB is checked apart. */
	for (size_t i = 0; i < ARRAY_SIZE(uefi_map); i++)
		if (uefi_map[i].type == 1 && uefi_map[i].start < 2 * GiB)
			model_add(uefi_map[i].start, uefi_map[i].len);
	CHECK(pmem_check_invariants());
	/*
	 * Adjacent and overlapping entries merge; each entry is shrunk on its own, so the page
	 * where two unaligned entries meet (0x3201000, 0x6cff000) is not RAM.
	 */
	CHECK_RANGES({0x1000, 0x9f000}, {0x100000, 0x800000}, {0x808000, 0x80b000},
		     {0x80c000, 0x810000}, {0x900000, 0x3000000}, {0x3101000, 0x3102000},
		     {0x3200000, 0x3201000}, {0x3202000, 0x3203000}, {0x3300000, 0x3340000},
		     {0x3341000, 0x6900000}, {0x6a01000, 0x6cff000}, {0x6d00000, 0x7f00000},
		     {0x7f80000, 0x7fd0000}, {0x100000000ULL, 0x140000000ULL});

	/* The view below 2 GiB agrees with the model, once the GiB above is left out. */
	pmem_set_limit(2 * GiB);
	model_limit = 2 * GiB;
	CHECK_EQ(pmem_total_ram() - 1 * GiB, (model_pages - model_count(M_NONE)) * PG);
	CHECK_EQ(pmem_free_bytes(), model_count(M_FREE) * PG);

	/* Reserve the usual things and allocate; compare with the model all the way down. */
	pmem_reserve(HV_START, HV_LEN, "hypervisor");
	model_reserve(HV_START, HV_LEN, true);
	pmem_reserve(0x3100000, 0x3000, "module a");
	model_reserve(0x3100000, 0x3000, true);
	pmem_reserve(0x6c10000, 0x2345, "module b");
	model_reserve(0x6c10000, 0x2345, true);
	pmem_reserve(0x7ffff00, 0x10, "multiboot2 info");
	model_reserve(0x7ffff00, 0x10, true);
	CHECK(pmem_check_invariants());
	for (u64 pages = 0x800, at; pages; pages /= 2) {
		prev = ~0ULL; /* each size starts again from the top */
		while ((at = pmem_alloc(pages, T)) != 0) {
			ok = ok && at == model_expect(pages, PG, ~0ULL) && at < prev &&
			     !in_reservation(at, pages * PG);
			if (at / PG + pages > model_pages)
				break;
			for (u64 p = at / PG; p < at / PG + pages; p++)
				model[p] = M_ALLOC;
			prev = at;
		}
	}
	CHECK(ok);
	CHECK_EQ(pmem_free_bytes(), 0);
	CHECK_EQ(pmem_allocated_bytes(), model_count(M_ALLOC) * PG);
	CHECK_EQ(pmem_reserved_bytes(), model_count(M_RSV) * PG);
	CHECK(pmem_check_invariants());
}

/* --- randomized, against the page model ------------------------------------------------- */

static u64 rng_state = 0x2545f4914f6cdd1dULL;

static u64 rnd(u64 n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state % n;
}

#define RAND_PAGES 8192 /* a 32 MiB window */

/* A range inside the window, page aligned most of the time. */
static void rnd_range(u64 max_pages, u64 *start, u64 *len)
{
	u64 s = rnd(RAND_PAGES) * PG, l = (1 + rnd(max_pages)) * PG;

	if (rnd(4) == 0)
		s += rnd(PG);
	if (rnd(4) == 0)
		l -= rnd(PG);
	if (s + l > RAND_PAGES * PG)
		l = RAND_PAGES * PG - s;
	*start = s;
	*len = l;
}

/* After a reserve that hit a full range table, pages the allocator dropped become reserved. */
static void model_take_dropped(void)
{
	static bool is_free[RAND_PAGES];

	memset(is_free, 0, sizeof(is_free));
	for (u32 i = 0; i < pmem_range_count(); i++)
		for (u64 p = pmem_ranges()[i].start / PG; p < pmem_ranges()[i].end / PG; p++)
			is_free[p] = true;
	for (u64 p = 0; p < RAND_PAGES; p++)
		if (model[p] == M_FREE && !is_free[p])
			model[p] = M_RSV;
}

static bool random_alloc(void)
{
	u64 pages = 1 + rnd(rnd(8) == 0 ? 256 : 16), align = PG, below = ~0ULL, want, at;
	struct pmem_tag tag = pmem_tag((u32)rnd(PMEM_OWNERS), (enum pmem_use)rnd(PMEM_USES));
	bool full = pmem_range_count() == MAX_PMEM_RANGES;

	if (rnd(3) == 0)
		below = rnd(RAND_PAGES + 64) * PG + rnd(PG);
	if (rnd(3) == 0)
		align = PG << rnd(10);
	want = model_expect(pages, align, below);
	at = pmem_alloc_aligned(pages, align, below, tag);
	/* With the table full a range can be passed over; otherwise the choice is exact. */
	if (at != want && !(full && (at == 0 || at < want)))
		return false;
	if (!at)
		return want == 0 || full;
	if (at / PG + pages > model_pages)
		return false;
	for (u64 p = at / PG; p < at / PG + pages; p++) {
		if (model[p] != M_FREE)
			return false;
		model[p] = M_ALLOC;
	}
	model_used[tag.owner][tag.use] += pages * PG;
	return at % align == 0 && at + pages * PG <= model_limit && at + pages * PG <= below;
}

/* Percent of operations that add RAM, reserve, allocate; the rest move the limit. */
struct op_mix {
	u64 add, reserve, alloc;
};

static const struct op_mix normal_mix = {25, 45, 95};
/* Many one-page reservations split the RAM: the range table fills up and overflows. */
static const struct op_mix fragmenting_mix = {45, 80, 95};

static bool random_step(const struct op_mix *mix)
{
	bool tiny = mix == &fragmenting_mix;
	u64 s, l, r = rnd(100);
	u32 before = pmem_reservation_count();
	int err;

	if (r < mix->add) {
		rnd_range(tiny ? 64 : rnd(20) == 0 ? 2048 : 256, &s, &l);
		err = pmem_add_ram(s, l);
		if (err && err != E_NOMEM)
			return false;
		if (!err)
			model_add(s, l);
	} else if (r < mix->reserve) {
		rnd_range(tiny ? 1 : rnd(10) == 0 ? 512 : 16, &s, &l);
		err = pmem_reserve(s, l, "random");
		model_reserve(s, l, pmem_reservation_count() > before);
		if (err == E_NOMEM)
			model_take_dropped();
		else if (err)
			return false;
	} else if (r < mix->alloc) {
		if (!random_alloc())
			return false;
	} else {
		u64 limit = rnd(4) == 0 ? PMEM_DEFAULT_LIMIT : rnd(RAND_PAGES + 64) * PG + rnd(PG);
		pmem_set_limit(limit);
		model_limit = align_down(limit, PG);
	}
	return pmem_check_invariants() && model_matches();
}

static void test_random_against_model(void)
{
	int step;

	for (step = 0; step < 10000; step++) {
		if (step % 1000 == 0) {
			pmem_init();
			model_reset(RAND_PAGES);
			memset(model_used, 0, sizeof(model_used));
		}
		capture_reset();
		if (!random_step(step / 1000 % 2 ? &fragmenting_mix : &normal_mix))
			break;
	}
	CHECK_EQ(step, 10000);
	if (step != 10000)
		printf("  diverged at step %d; log: %s\n", step, capture_text());
}

/* --- accounting by owner and use ------------------------------------------------------------- */

static u64 sum_of_pairs(void)
{
	u64 sum = 0;

	for (u32 o = 0; o < PMEM_OWNERS; o++) {
		u64 owner = 0;

		for (u32 u = 0; u < PMEM_USES; u++)
			owner += pmem_used_bytes(o, (enum pmem_use)u);
		CHECK_EQ(pmem_owner_bytes(o), owner);
		sum += owner;
	}
	return sum;
}

/* Each allocation lands under its own owner and use; the pairs sum to the total. */
static void test_accounting_by_owner_and_use(void)
{
	setup_seabios();
	CHECK_EQ(sum_of_pairs(), 0);
	CHECK(pmem_alloc(1, pmem_tag_hv(PMEM_VMXON)) != 0);
	CHECK(pmem_alloc(4, pmem_tag_hv(PMEM_STACKS)) != 0);
	CHECK(pmem_alloc_below(1, 1 * MiB, pmem_tag_hv(PMEM_TRAMPOLINE)) != 0);
	CHECK(pmem_alloc(3, pmem_tag(0, PMEM_EPT)) != 0);
	CHECK(pmem_alloc(2, pmem_tag(0, PMEM_BITMAPS)) != 0);
	CHECK(pmem_alloc(1, pmem_tag(0, PMEM_EPT)) != 0);
	CHECK(
	    pmem_alloc_aligned(16, 64 * KiB, 4 * GiB, pmem_tag(PT_MAX_PARTITIONS - 1, PMEM_IOMMU)));
	CHECK_EQ(pmem_used_bytes(PMEM_OWNER_HV, PMEM_VMXON), 1 * PG);
	CHECK_EQ(pmem_used_bytes(PMEM_OWNER_HV, PMEM_STACKS), 4 * PG);
	CHECK_EQ(pmem_used_bytes(PMEM_OWNER_HV, PMEM_TRAMPOLINE), 1 * PG);
	CHECK_EQ(pmem_used_bytes(PMEM_OWNER_HV, PMEM_EPT), 0);
	CHECK_EQ(pmem_owner_bytes(PMEM_OWNER_HV), 6 * PG);
	CHECK_EQ(pmem_used_bytes(0, PMEM_EPT), 4 * PG);
	CHECK_EQ(pmem_used_bytes(0, PMEM_BITMAPS), 2 * PG);
	CHECK_EQ(pmem_owner_bytes(0), 6 * PG);
	CHECK_EQ(pmem_owner_bytes(1), 0);
	CHECK_EQ(pmem_used_bytes(PT_MAX_PARTITIONS - 1, PMEM_IOMMU), 16 * PG);
	CHECK_EQ(sum_of_pairs(), pmem_allocated_bytes());
	CHECK_EQ(pmem_allocated_bytes(), 28 * PG);
	CHECK(pmem_check_invariants());
	/* Out of range: nothing, and no read beyond the table. */
	CHECK_EQ(pmem_used_bytes(PMEM_OWNERS, PMEM_EPT), 0);
	CHECK_EQ(pmem_used_bytes(0, PMEM_USES), 0);
	CHECK_EQ(pmem_owner_bytes(PMEM_OWNERS), 0);
	pmem_init();
	CHECK_EQ(sum_of_pairs(), 0);
	CHECK_EQ(pmem_used_bytes(0, PMEM_EPT), 0);
}

/* An allocation that fails, for want of memory or as a bad request (a tag of no use or
 * owner among them), counts nothing and takes nothing. */
static void test_failed_allocation_counts_nothing(void)
{
	u64 free_before;

	setup_seabios();
	CHECK(pmem_alloc(2, pmem_tag(1, PMEM_VMCS)) != 0);
	free_before = pmem_free_bytes();
	capture_reset();
	CHECK_EQ(pmem_alloc(1ULL << 40, pmem_tag(1, PMEM_VMCS)), 0);	  /* too big */
	CHECK_EQ(pmem_alloc_below(1, 0x1000, pmem_tag(1, PMEM_VMCS)), 0); /* only page 0 there */
	CHECK_EQ(pmem_alloc(0, pmem_tag(1, PMEM_VMCS)), 0);
	CHECK_EQ(pmem_alloc_aligned(1, 0x3000, PMEM_ADDR_MAX, pmem_tag(1, PMEM_VMCS)), 0);
	CHECK_EQ(pmem_alloc(1, pmem_tag(1, PMEM_USES)), 0);
	CHECK_EQ(pmem_alloc(1, pmem_tag(PMEM_OWNERS, PMEM_EPT)), 0);
	CHECK_EQ(pmem_alloc(1, pmem_tag(~0u, (enum pmem_use) - 1)), 0);
	CHECK_LOG("pmem: bad allocation request: 1 pages for use 8 of owner 1\n");
	CHECK_EQ(pmem_used_bytes(1, PMEM_VMCS), 2 * PG);
	CHECK_EQ(pmem_allocated_bytes(), 2 * PG);
	CHECK_EQ(sum_of_pairs(), 2 * PG);
	CHECK_EQ(pmem_free_bytes(), free_before);
	CHECK(pmem_check_invariants());
}

/* Every use has its own one-word name for the shell's `mem` and make bench. */
static void test_use_names(void)
{
	for (u32 u = 0; u < PMEM_USES; u++) {
		const char *name = pmem_use_name((enum pmem_use)u);

		CHECK(name && *name && strcmp(name, "?") != 0);
		if (!name)
			continue;
		for (const char *c = name; *c; c++)
			CHECK(*c >= 'a' && *c <= 'z');
		for (u32 v = 0; v < u; v++)
			CHECK(strcmp(name, pmem_use_name((enum pmem_use)v)) != 0);
	}
	CHECK_EQ(strcmp(pmem_use_name(PMEM_USES), "?"), 0);
}

/* Partition CPUs allocate their VMCS and exit stack on their first start, at the same time:
 * pages handed out concurrently are all distinct and the free table stays sound (the
 * allocator's lock; issue 13 point 7). */
#define RACERS	    4
#define RACE_ALLOCS 400
static struct raced_block {
	u64 at, size;
} raced[RACERS * RACE_ALLOCS];
static volatile int race_go;

/* Called by pmem between choosing a block and taking it: a pause there while the racers
 * run makes two allocations without the lock choose the same block nearly every time. */
void pmem_test_window(void);
void pmem_test_window(void)
{
	if (__atomic_load_n(&race_go, __ATOMIC_ACQUIRE))
		sched_yield();
}

/* Racer i allocates for partition i: each one's count is exactly what it got. */
static void *racer(void *arg)
{
	struct raced_block *out = arg;
	u32 owner = (u32)((out - raced) / RACE_ALLOCS);

	while (!__atomic_load_n(&race_go, __ATOMIC_ACQUIRE))
		;
	for (int i = 0; i < RACE_ALLOCS; i++) {
		out[i].size = (1 + (u64)i % 2) * PG;
		out[i].at = pmem_alloc(out[i].size / PG, pmem_tag(owner, PMEM_VMCS));
	}
	return NULL;
}

static int by_address(const void *a, const void *b)
{
	u64 x = ((const struct raced_block *)a)->at, y = ((const struct raced_block *)b)->at;

	return x < y ? -1 : x > y;
}

static void test_concurrent_allocations_disjoint(void)
{
	pthread_t t[RACERS];
	u32 overlapping = 0, failed = 0;
	u64 before, want = 0, got[RACERS] = {0};

	setup_seabios();
	before = pmem_allocated_bytes();
	race_go = 0;
	for (int i = 0; i < RACERS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, racer, &raced[i * RACE_ALLOCS]), 0);
	__atomic_store_n(&race_go, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < RACERS; i++) {
		pthread_join(t[i], NULL);
		for (int k = 0; k < RACE_ALLOCS; k++) {
			const struct raced_block *b = &raced[i * RACE_ALLOCS + k];

			got[i] += b->at ? b->size : 0;
		}
	}
	qsort(raced, ARRAY_SIZE(raced), sizeof(raced[0]), by_address);
	for (size_t i = 0; i < ARRAY_SIZE(raced); i++) {
		failed += raced[i].at == 0;
		want += raced[i].at ? raced[i].size : 0;
		overlapping +=
		    i > 0 && raced[i - 1].at && raced[i - 1].at + raced[i - 1].size > raced[i].at;
	}
	CHECK_EQ(failed, 0);
	CHECK_EQ(overlapping, 0);
	CHECK_EQ(pmem_allocated_bytes() - before, want);
	for (int i = 0; i < RACERS; i++)
		CHECK_EQ(pmem_used_bytes((u32)i, PMEM_VMCS), got[i]);
	CHECK(pmem_check_invariants());
}

int main(void)
{
	RUN(test_seabios_totals);
	RUN(test_concurrent_allocations_disjoint);
	RUN(test_reservations_grow_to_pages);
	RUN(test_alloc_top_down);
	RUN(test_exhaust_page_by_page);
	RUN(test_add_unaligned_shrinks_inward);
	RUN(test_add_sub_page_ignored);
	RUN(test_add_saturates_at_top);
	RUN(test_add_overlapping_merges);
	RUN(test_reserve_splits_range);
	RUN(test_reserve_spans_ranges);
	RUN(test_reserve_non_ram);
	RUN(test_reserve_before_ram);
	RUN(test_reserve_everything);
	RUN(test_alloc_below_1mib);
	RUN(test_alloc_aligned_2mib);
	RUN(test_limit_above_4g);
	RUN(test_limit_splits_straddling_range);
	RUN(test_range_table_full);
	RUN(test_reserve_with_table_full);
	RUN(test_alloc_with_table_full);
	RUN(test_reservation_table_full);
	RUN(test_report_lines);
	RUN(test_uefi_fragmented_map);
	RUN(test_random_against_model);
	RUN(test_accounting_by_owner_and_use);
	RUN(test_failed_allocation_counts_nothing);
	RUN(test_use_names);
	CHECK_MAIN_END();
}
