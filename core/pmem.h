/*
 * Boot-time physical page allocator.
 *
 * Boot code adds the usable RAM of the firmware memory map, reserves what must never be handed
 * out (the hypervisor image, the Multiboot2 info, every module), then takes pages. Nothing is
 * ever freed. pmem only does arithmetic on physical addresses: it never reads or writes the
 * memory it manages, so it needs no mapping and its unit tests run on the host.
 *
 * Ranges are [start, end) and page aligned. RAM is shrunk inward to whole pages, reservations
 * are grown outward. Reservations are remembered (PMEM_MAX_RESERVATIONS of them) and also
 * apply to RAM added later, so the order of the calls does not matter. Page 0 is reserved
 * from the start, so 0 is never an allocation and means "no memory".
 *
 * Allocations come from the top of the highest free range that fits below the limit, which
 * keeps low memory (below 1 MiB) for real-mode trampolines as long as possible.
 */
#ifndef BULKHEAD_CORE_PMEM_H
#define BULKHEAD_CORE_PMEM_H

#include "core/config.h"
#include "bulkhead/ptable.h"
#include "bulkhead/types.h"

/* Named reservations kept: every module plus the hypervisor, its info block and a few more. */
#define PMEM_MAX_RESERVATIONS (MAX_MODULES + 8)
#define PMEM_NAME_LEN	      32
/* The hypervisor identity-maps only the low 4 GiB for now. */
#define PMEM_DEFAULT_LIMIT (4 * GiB)
/* End of the highest page that can be described; the page above it is never RAM. */
#define PMEM_ADDR_MAX 0xfffffffffffff000ULL

struct pmem_range {
	u64 start, end; /* [start, end), page aligned */
};

struct pmem_reservation {
	u64 start, end; /* grown to whole pages; may cover memory that is not RAM */
	char name[PMEM_NAME_LEN];
};

/* Forget all RAM, reservations and allocations; reserve page 0; limit = PMEM_DEFAULT_LIMIT. */
void pmem_init(void);

/*
 * Add usable RAM [start, start + len), shrunk inward to whole pages. Overlapping and adjacent
 * RAM merges; a range with no whole page in it is ignored (returns 0). Parts covered by a
 * reservation count as RAM but never become free. A full range table drops the whole range:
 * a warning names it, nothing changes, and the result is E_NOMEM.
 */
int pmem_add_ram(u64 start, u64 len);

/*
 * Keep [start, start + len), grown outward to whole pages, from ever being handed out; `what`
 * names it in pmem_report(). Memory that is not RAM is fine (nothing to carve now, but RAM
 * added later is carved). A zero length reserves nothing. E_NOMEM, with a warning, when a
 * table was full: the reservation is still in force (a full range table costs the free
 * memory beside it; a full reservation table means RAM added later is not checked against it).
 */
int pmem_reserve(u64 start, u64 len, const char *what);

/* Allocations never return memory at or above `limit` (rounded down to a page). */
void pmem_set_limit(u64 limit);
u64 pmem_limit(void);

/*
 * What an allocation is for, so that the run-time footprint can be told by use (the shell's
 * `mem`, make bench). Every caller of pmem_alloc*() names one; the set is the callers'.
 */
enum pmem_use {
	PMEM_EPT,	 /* a partition's EPT paging structures */
	PMEM_VMCS,	 /* the VMCS of each CPU a partition runs on */
	PMEM_VMXON,	 /* each CPU's VMXON region */
	PMEM_BITMAPS,	 /* a partition's I/O (2 pages) and MSR (1 page) bitmaps */
	PMEM_STACKS,	 /* CPU stacks and IST stacks; the exit stack of a partition's CPU */
	PMEM_CPU,	 /* the per-CPU block (struct x86_cpu) of each application processor */
	PMEM_TRAMPOLINE, /* pages below 1 MiB that SIPIs start CPUs in */
	PMEM_IOMMU,	 /* VT-d root, context and interrupt-remapping tables, queues; a
			    partition's DMA page tables */
	PMEM_USES
};

/* Who an allocation is for: partition index 0..PT_MAX_PARTITIONS-1, or the hypervisor. */
#define PMEM_OWNER_HV PT_MAX_PARTITIONS
#define PMEM_OWNERS   (PT_MAX_PARTITIONS + 1)

struct pmem_tag {
	enum pmem_use use;
	u32 owner; /* a partition index or PMEM_OWNER_HV */
};

static inline struct pmem_tag pmem_tag(u32 owner, enum pmem_use use)
{
	return (struct pmem_tag){.use = use, .owner = owner};
}

static inline struct pmem_tag pmem_tag_hv(enum pmem_use use)
{
	return pmem_tag(PMEM_OWNER_HV, use);
}

/*
 * Take `pages` contiguous pages from the top of the highest free range below the limit that
 * fits, counted against `tag`. Returns the physical address, or 0 with an error message
 * naming the request (then nothing is counted). A tag of no known use or owner is a bad
 * request: an allocation nobody accounts for would make the footprint lie.
 */
u64 pmem_alloc(u64 pages, struct pmem_tag tag);
/* The same, also below `below` (e.g. 1 MiB for the AP trampoline). */
u64 pmem_alloc_below(u64 pages, u64 below, struct pmem_tag tag);
/* The same, at a multiple of `align` (a power of two >= PAGE_SIZE, e.g. 2 MiB). */
u64 pmem_alloc_aligned(u64 pages, u64 align, u64 below, struct pmem_tag tag);

/* Bytes handed out for `use` to `owner`; 0 for an unknown use or owner. Each allocation is
 * counted under exactly one pair: the pairs sum to pmem_allocated_bytes(). */
u64 pmem_used_bytes(u32 owner, enum pmem_use use);
/* All of `owner`'s uses together. */
u64 pmem_owner_bytes(u32 owner);
/* A use's short name, one lower-case word ("ept", "vmcs", ...); "?" if unknown. */
const char *pmem_use_name(enum pmem_use use);

u64 pmem_free_bytes(void);	/* still allocatable (below the limit) */
u64 pmem_total_ram(void);	/* all RAM pmem_add_ram accepted, above the limit too */
u64 pmem_reserved_bytes(void);	/* RAM taken out by reservations (page 0 included) */
u64 pmem_allocated_bytes(void); /* RAM handed out by pmem_alloc*() */

/* The free ranges, sorted; above the limit too. */
u32 pmem_range_count(void);
const struct pmem_range *pmem_ranges(void);

/* The reservations kept, in the order they were made (page 0 first). */
u32 pmem_reservation_count(void);
const struct pmem_reservation *pmem_reservations(void);

/*
 * Log the state (info level, stable format):
 *   pmem: 255 MiB RAM in 2 ranges, 6 MiB reserved, 0 KiB allocated, 249 MiB free
 *   pmem:   reserved 0x0000000000200000-0x0000000000241000 hypervisor     (one per reservation)
 *   pmem: 4096 MiB above 0x100000000 not allocatable yet                (if RAM lies there)
 * Figures under 1 MiB are given in KiB; MiB figures are rounded down.
 */
void pmem_report(void);

/*
 * Free and RAM ranges sorted, page aligned, non-empty, merged; free memory is RAM and outside
 * every reservation; free + allocated + reserved == total RAM. Logs the first broken rule.
 */
bool pmem_check_invariants(void);

#endif
