/*
 * Four-level paging structures whose entries hold access bits in bits 2:0, a "large page"
 * bit 7 and the address in bits 51:12: the shape both EPT (SDM Vol. 3C §29.3.2) and VT-d
 * second-level tables (VT-d spec §9.8, Table 9-11..) have. Internal to arch/x86: ept.c and
 * vtd.c build with it, each with its own format. Tables come from the boot-time
 * allocator and are identity mapped.
 */
#ifndef BULKHEAD_ARCH_X86_PAGING4_H
#define BULKHEAD_ARCH_X86_PAGING4_H

#include "core/pmem.h"
#include "bulkhead/types.h"

#define PAGING4_ENTRIES	  512
#define PAGING4_LARGE	  (1ULL << 7) /* a level-2 or level-1 entry that maps a page */
#define PAGING4_ADDR_MASK 0x000ffffffffff000ULL

struct paging4_format {
	u64 present;	  /* an entry with any of these bits set is present */
	u64 table_bits;	  /* a non-leaf entry: these bits besides the next table's address */
	u32 large_levels; /* bit 1: 2 MiB pages may be used, bit 2: 1 GiB pages */
};

/* A new, empty table, counted against `tag`; its physical address, or 0 when out of memory. */
u64 paging4_create(struct pmem_tag tag);
/* Map [va, va+size) to [pa, ...) with the largest pages the format allows and both addresses
 * fit; each leaf is `leaf` | the address. Addresses and size are page aligned and va+size at
 * most 2^48 (the caller checks). An address mapped already is E_INVAL, and no entry is
 * overwritten; E_NOMEM when a table cannot be allocated. Tables made are counted against
 * `tag` (the tree's owner). */
int paging4_map(u64 root, u64 va, u64 pa, u64 size, u64 leaf, const struct paging4_format *f,
		struct pmem_tag tag);
/* The leaf entry that maps `va`, the size of its page in *page; 0 if none. */
u64 paging4_leaf(u64 root, u64 va, u64 *page, const struct paging4_format *f);

#endif
