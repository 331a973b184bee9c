/* The VT-d driver's side for the rest of arch/x86 (its core/ side is in arch.h). */
#ifndef BULKHEAD_ARCH_X86_VTD_H
#define BULKHEAD_ARCH_X86_VTD_H

#include "bulkhead/types.h"

/* Interrupt remapping table entries: the I/O APIC's pins first, one entry per pin. */
#define VTD_IRTE_IOAPIC_FIRST 0u

/* Take the units a DMAR table (checksum checked, `len` bytes) lists. 0, or a negative E_*
 * code with the reason in `why`: then the machine is treated as having no IOMMU. */
int vtd_probe(const void *dmar_table, u32 len, char *why, size_t why_size);
/* I/O APIC entries go through interrupt remapping: vtd_ioapic_rte() writes the remapping
 * entry for `pin` from the compatibility-format `rte` and returns what the I/O APIC gets. */
bool vtd_ioapic_remapped(void);
u64 vtd_ioapic_rte(u32 pin, u64 rte);

#endif
