/*
 * A partition's MSI-X table (core/vmsix.c; PCI Local Bus 3.0 §6.8.2). The table lives in one
 * of the function's memory BARs: the pages that hold it are left out of the partition's
 * mapping, so each access to them exits and is emulated, and an entry the device would use
 * (unmasked) always holds a message core/msi_check.c allows. The rest of the BAR, the
 * pending-bit array and other registers on those pages pass through.
 */
#ifndef BULKHEAD_CORE_VMSIX_H
#define BULKHEAD_CORE_VMSIX_H

#include "bulkhead/ptable.h"
#include "bulkhead/types.h"

struct vpci_fn;

#define MSIX_ENTRY_SIZE	  16
#define MSIX_ADDR_LO	  0
#define MSIX_ADDR_HI	  4
#define MSIX_DATA	  8
#define MSIX_VECTOR_CTL	  12
#define MSIX_CTL_MASKED	  0x1u
#define MSIX_TABLE_OFFSET 4 /* capability: table offset and BIR */
#define MSIX_BIR_MASK	  0x7u
#define MSIX_CTL_SIZE	  0x07ffu /* capability control: table size - 1 */
#define MSIX_CTL_FN_MASK  0x4000u

/* Boot, once the BARs are known to be the table's: can the table be emulated (it lies in a
 * memory BAR of the row, below 4 GiB, where Bulkhead reaches it)? Fills f's MSI-X fields;
 * false leaves MSI-X hidden. */
bool vmsix_probe(struct vpci_fn *f);
/* Every entry masked (each start and stop). */
void vmsix_mask_all(const struct vpci_fn *f);
/* Is `gpa` on the pages left unmapped for its table? */
bool vmsix_claims(const struct vpci_fn *f, u64 gpa);
/* An access there (`size` 1, 2, 4 or 8). */
u64 vmsix_read(const struct vpci_fn *f, u64 gpa, u32 size);
/* At MSI-X enable: every unmasked entry checked (bad ones masked); false if unreadable. */
bool vmsix_check_all(u32 partition, const struct partition_config *c, const struct vpci_fn *f);
/* Are the table's place and size still what the probe found? */
bool vmsix_geometry_same(const struct vpci_fn *f);
void vmsix_write(u32 partition, const struct partition_config *c, struct vpci_fn *f, u64 gpa,
		 u32 size, u64 value);

#endif
