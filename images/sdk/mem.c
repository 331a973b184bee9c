/*
 * Bulkhead payload SDK: the payload's memory. Which RAM regions it has (under Bulkhead every
 * REGION_RAM of its row, from payload_info; bare the Multiboot2 memory map's available
 * ranges), where its own image lies, and the page-table entries for whatever of its regions
 * lies at or above 4 GiB: start.asm maps the low 4 GiB 1:1 with 2 MiB pages, sdk_mem_init()
 * adds the rest 1:1, with 1 GiB pages where the CPU has them (CPUID.80000001H:EDX[26]) and
 * 2 MiB pages from a pool of MEM_POOL_PAGES page-table pages otherwise.
 */
#include "sdk_internal.h"

extern char __image_start[], __image_end[]; /* payload.ld: the image, BSS included */

#define PTE_P	 0x1ull
#define PTE_W	 0x2ull
#define PTE_PS	 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull
#define SZ_2M	 (1ull << 21)
#define SZ_1G	 (1ull << 30)
#define SZ_4G	 (1ull << 32)

/* Page-table pages for addresses at or above 4 GiB: PDPTs past the first 512 GiB, and page
 * directories when there are no 1 GiB pages (each maps 1 GiB in 2 MiB pages). */
#define MEM_POOL_PAGES 4
static uint64_t pool[MEM_POOL_PAGES][512] __attribute__((aligned(4096)));
static unsigned pool_used;

static struct sdk_ram ram[SDK_MAX_RAM];
static unsigned ram_count;
static bool bare_listed; /* bare: the Multiboot2 memory map gave the list */

const struct sdk_ram *sdk_ram_regions(unsigned *count)
{
	if (count)
		*count = ram_count;
	return ram;
}

void sdk_image(uint64_t *start, uint64_t *end)
{
	if (start)
		*start = (uint64_t)(uintptr_t)__image_start;
	if (end)
		*end = (uint64_t)(uintptr_t)__image_end;
}

static void add(uint64_t start, uint64_t size)
{
	if (size && ram_count < SDK_MAX_RAM)
		ram[ram_count++] = (struct sdk_ram){start, size};
}

void sdk_mem_note_bare(uint64_t start, uint64_t size)
{
	bare_listed = true;
	add(start, size);
}

/* The table the entry points to, taken from the pool if the entry is empty; NULL when the
 * pool is used up. */
static uint64_t *table_below(uint64_t *entry)
{
	if (!(*entry & PTE_P)) {
		if (pool_used == MEM_POOL_PAGES)
			return NULL;
		*entry = (uint64_t)(uintptr_t)pool[pool_used++] | PTE_P | PTE_W;
	}
	return (uint64_t *)(uintptr_t)(*entry & PTE_ADDR);
}

/* Map [start, end) 1:1, start at or above 4 GiB; returns the end of what it mapped. Pages
 * mapped already (another region in the same 1 GiB or 2 MiB) are left as they are. */
static uint64_t map_high(uint64_t start, uint64_t end, bool gib_pages)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR), at = start;

	while (at < end) {
		uint64_t *pdpt = table_below(&pml4[(at >> 39) & 511]), *pdpte, *pd, *pde;

		if (!pdpt)
			break;
		pdpte = &pdpt[(at >> 30) & 511];
		if (gib_pages && !(*pdpte & PTE_P))
			*pdpte = (at & ~(SZ_1G - 1)) | PTE_P | PTE_W | PTE_PS;
		if (*pdpte & PTE_PS) {
			at = (at & ~(SZ_1G - 1)) + SZ_1G;
			continue;
		}
		pd = table_below(pdpte);
		if (!pd)
			break;
		pde = &pd[(at >> 21) & 511];
		if (!(*pde & PTE_P))
			*pde = (at & ~(SZ_2M - 1)) | PTE_P | PTE_W | PTE_PS;
		at = (at & ~(SZ_2M - 1)) + SZ_2M;
	}
	return at < end ? at : end;
}

static bool mapped_high; /* entries were added: CR3 is reloaded once at the end */

/* Map the part of [start, start + size) at or above 4 GiB; returns the end of what is mapped
 * (start + size when all is), after a line naming what is not. */
static uint64_t map_region(const char *what, uint64_t start, uint64_t size)
{
	static int gib_pages = -1; /* asked once, only when a region needs it */
	uint64_t end = start + size, done;

	if (end <= SZ_4G)
		return end;
	if (gib_pages < 0)
		gib_pages = cpuid(0x80000000, 0).eax >= 0x80000001 &&
			    (cpuid(0x80000001, 0).edx & CPUIDX1_EDX_PAGE1GB);
	done = map_high(start < SZ_4G ? SZ_4G : start, end, gib_pages);
	mapped_high = true;
	if (done < end)
		sdk_printf("sdk: %s 0x%llx-0x%llx: 0x%llx-0x%llx not mapped (out of page-table "
			   "pages)",
			   what, (unsigned long long)start, (unsigned long long)end,
			   (unsigned long long)done, (unsigned long long)end);
	return done;
}

void sdk_mem_init(void)
{
	const struct payload_info *pi = sdk_the_env.info;
	uint64_t mb = 1ull << 20;

	if (pi && pi->ram_count) {
		for (uint32_t i = 0; i < pi->ram_count && i < PAYLOAD_MAX_RAM; i++)
			add(pi->ram[i].gpa, pi->ram[i].size);
	} else if (pi) {
		add(0, pi->ram_size); /* a Bulkhead older than payload_info.ram[]: guest 0 */
	} else if (!bare_listed && sdk_the_env.ram_size > mb) {
		add(mb, sdk_the_env.ram_size - mb); /* bare, basic meminfo only: upper memory */
	}
	/* RAM that cannot be mapped is left out of the list: the payload never sees it. */
	for (unsigned i = 0; i < ram_count; i++)
		ram[i].size = map_region("RAM", ram[i].start, ram[i].size) - ram[i].start;
	for (uint32_t i = 0; pi && i < pi->shared_count && i < PAYLOAD_MAX_SHARED; i++)
		map_region("shared region", pi->shared[i].gpa, pi->shared[i].size);
	for (uint32_t i = 0; pi && i < pi->channel_count && i < PAYLOAD_MAX_CHANNELS; i++)
		map_region("channel", pi->channels[i].gpa, pi->channels[i].size);
	if (mapped_high)
		__asm__ volatile("mov %%cr3, %%rax\n\tmov %%rax, %%cr3" ::: "rax", "memory");
}
