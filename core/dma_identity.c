/* The identity rule for DMA without an IOMMU: see dma_identity.h. */
#include "core/dma_identity.h"
#include "core/lib/format.h"

#define LOW_MEGABYTE 0x100000ULL

/* The first PCI function of the row that may master the bus, or -1. */
static int dma_device(const struct partition_config *c)
{
	for (u32 k = 0; k < c->devices.count && k < PT_MAX_DEVICES; k++)
		if (c->devices.d[k].kind == DEV_PCI && !(c->devices.d[k].flags & DEV_NO_DMA))
			return (int)k;
	return -1;
}

/* True when start + size wraps past 2^64 (an end of exactly 2^64 counts: it has no u64). */
static bool wraps(u64 start, u64 size)
{
	return size != 0 && start + size <= start;
}

/* A region whose ranges can be compared at all (as ptcheck's region_comparable). */
static bool region_comparable(const struct pt_region *r)
{
	return r->size != 0 && !wraps(r->phys, r->size) && !wraps(r->guest, r->size);
}

/* Memory a DMA buffer may lie in: RAM and SHARED, not a device's registers. */
static bool needs_identity(const struct partition_config *c, const struct pt_region *r)
{
	if (r->kind != REGION_RAM && r->kind != REGION_SHARED)
		return false;
	if (r->guest == r->phys)
		return false;
	return !(c->kind == PART_LINUX && region_comparable(r) &&
		 r->guest + r->size <= LOW_MEGABYTE);
}

bool dma_identity_problem(const struct partition_config *c, char *why, size_t why_size)
{
	int k = dma_device(c);

	for (u32 i = 0; k >= 0 && i < c->mem.count && i < PT_MAX_REGIONS; i++) {
		const struct pt_region *r = &c->mem.r[i];
		const char *name = c->devices.d[k].name;

		if (!needs_identity(c, r))
			continue;
		format(why, why_size,
		       "mem[%u].guest: %s at guest 0x%llx is host 0x%llx, but devices[%d] "
		       "(device \"%s\") may do DMA, which reaches host-physical addresses: this "
		       "machine has no IOMMU (VT-d): map guest = phys, or set DEV_NO_DMA",
		       i, r->kind == REGION_RAM ? "RAM" : "SHARED", (unsigned long long)r->guest,
		       (unsigned long long)r->phys, k, name && name[0] ? name : "?");
		return true;
	}
	return false;
}
