/* Extended page tables (internal to arch/x86). SDM Vol. 3C §29.3. */
#ifndef BULKHEAD_ARCH_X86_EPT_H
#define BULKHEAD_ARCH_X86_EPT_H

#include "bulkhead/types.h"

/* An EPT paging-structure entry (SDM Vol. 3C §29.3.2, tables 29-1 to 29-6): 512 to a table. */
#define EPT_R	      0x1u
#define EPT_W	      0x2u
#define EPT_X	      0x4u
#define EPT_RWX	      0x7ULL
#define EPT_MT_UC     (0ULL << 3) /* a leaf's memory type */
#define EPT_MT_WB     (6ULL << 3)
#define EPT_MT_MASK   (7ULL << 3)
#define EPT_LARGE     (1ULL << 7) /* a PDPTE or PDE that maps a page */
#define EPT_ADDR_MASK 0x000ffffffffff000ULL
#define EPT_ENTRIES   512

/* The EPT pointer (SDM Vol. 3C §25.6.11): the paging structures' memory type, the page walk
 * length less one. */
#define EPTP_MT_WB  6ULL
#define EPTP_WALK_4 (3ULL << 3)

/* A new, empty EPT hierarchy of partition `owner` (its tables are counted against it);
 * returns the PML4's physical address or 0. */
u64 ept_create(u32 owner);
/* Map [gpa, gpa+size) to [hpa, ...) with the largest pages (1 GiB, 2 MiB, 4 KiB) that fit.
 * `uncached` selects UC (device memory) instead of WB. Returns 0 or E_*. */
int ept_map(u64 pml4, u64 gpa, u64 hpa, u64 size, u32 access, bool uncached, u32 owner);
/* The EPT pointer for the VMCS: WB paging structures, 4-level walk. */
u64 ept_pointer(u64 pml4);
/* Host-physical address that `gpa` maps to, or ~0 if unmapped (used to read guest memory). */
u64 ept_translate(u64 pml4, u64 gpa);
/* As ept_translate, only where the partition may read and the page is RAM (write-back), not
 * a device's MMIO (uncached): what Bulkhead reads for a partition (a print hypercall's text)
 * is what the partition itself could read, and no read of Bulkhead's reaches a device, where
 * reads can have effects. ~0 otherwise. */
u64 ept_translate_readable_ram(u64 pml4, u64 gpa);

#endif
