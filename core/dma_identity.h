/*
 * The identity rule for DMA without an IOMMU (core/dma_identity.c): a bus-master device
 * reaches host-physical addresses, and its driver hands it the guest-physical ones it knows,
 * so on a machine without VT-d they must be the same for all the memory a DMA buffer may lie
 * in. Checked at boot, only when the machine has no IOMMU (a build-time checker cannot know).
 */
#ifndef BULKHEAD_CORE_DMA_IDENTITY_H
#define BULKHEAD_CORE_DMA_IDENTITY_H

#include "bulkhead/ptable.h"
#include "bulkhead/types.h"

/*
 * True when the partition owns a PCI function that may master the bus (DEV_PCI without DEV_NO_DMA)
 * and one of its RAM or SHARED regions is not mapped guest = host; `why` (cut to fit
 * and NUL-terminated; 256 bytes hold it but for a long device name) then names the first such
 * region and the first such device:
 *   mem[<k>].guest: RAM at guest 0x0 is host 0x4000000, but devices[0] (device "nic") may do
 *   DMA, which reaches host-physical addresses: this machine has no IOMMU (VT-d): map
 *   guest = phys, or set DEV_NO_DMA
 * A PART_LINUX partition's regions wholly below guest 1 MiB are exempt: Linux 5.13 and later
 * reserve the first megabyte, so no DMA buffer of theirs lands there. False (why untouched)
 * when the partition breaks no rule.
 */
bool dma_identity_problem(const struct partition_config *c, char *why, size_t why_size);

#endif
