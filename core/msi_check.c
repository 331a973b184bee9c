/* The interrupt message a partition's device may send: see msi_check.h. */
#include "core/msi_check.h"
#include "core/lib/msi.h"

bool cfg_owns_cpu(const struct partition_config *c, u32 apic_id)
{
	for (u32 i = 0; i < c->cpus.count && i < PT_MAX_CPUS; i++)
		if (c->cpus.apic_id[i] == apic_id)
			return true;
	return false;
}

/* Only to one of the partition's CPUs (SDM Vol. 3A §11.11.1-2), physical mode, not the
 * broadcast ID 0xff, as a fixed or lowest-priority, edge-triggered interrupt. */
const char *msi_problem(const struct partition_config *c, u32 addr_lo, u32 addr_hi, u32 data,
			u32 count)
{
	u32 vector = MSI_DATA_VECTOR(data) & ~(count - 1);

	if (addr_hi || (addr_lo & MSI_ADDR_BASE_MASK) != MSI_ADDR_BASE)
		return "address outside the interrupt range";
	if (addr_lo & (MSI_ADDR_LOGICAL | MSI_ADDR_EXT_DEST))
		return "logical or extended destination";
	if (MSI_ADDR_DEST(addr_lo) == 0xff || !cfg_owns_cpu(c, MSI_ADDR_DEST(addr_lo)))
		return "destination is not one of its CPUs";
	if ((data & (MSI_DATA_RESERVED | MSI_DATA_LEVEL)) || MSI_DATA_DELMODE(data) > 1)
		return "delivery mode other than fixed or lowest priority";
	if (vector < MSI_VECTOR_MIN)
		return "vector below 0x20";
	return NULL;
}
