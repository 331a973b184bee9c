/*
 * DMA and interrupt isolation with the machine's IOMMU (VT-d; arch/x86/vtd.c drives it).
 *
 * At boot, before VMX: every partition's RAM and shared regions become its domain (guest-
 * physical addresses as the device sees them, with the table's access rights), each PCI
 * function it owns is put in that domain, and every other requester is blocked. With
 * interrupt remapping, a device's MSIs and the I/O APIC's inputs go through remapping
 * entries that Bulkhead builds from checked messages: a partition programs its devices'
 * MSIs as it likes, and what it names that is not its own is blocked by the IOMMU.
 * A blocked DMA or interrupt is reported once per device; the owner's `.dma_fault` policy
 * says what happens to it.
 */
#ifndef BULKHEAD_CORE_IOMMU_H
#define BULKHEAD_CORE_IOMMU_H

#include "bulkhead/ptable.h"
#include "bulkhead/types.h"

/* Remapping entries of device MSIs: after the I/O APIC's (one per pin), 32 per device. */
#define IOMMU_IRTE_DEVICES    256u
#define IOMMU_IRTE_PER_DEVICE 32u

struct arch_iommu_fault;

/* Boot: find and set up the IOMMU for the table; prints which DMA policy the machine got. */
void iommu_setup(void);
bool iommu_active(void);
/* Device MSIs and I/O APIC inputs go through remapping entries. */
bool iommu_remaps_interrupts(void);
/* The partition owning PCI function `bdf` (a requester's source-id), and the device's index
 * in its row; false if none. */
bool iommu_owner(u32 bdf, u32 *partition, u32 *slot);
/* Does an address reach memory from partition `partition`'s devices? */
bool iommu_reaches(u32 partition, u64 iova);
/* A partition refused at boot: its devices are blocked. */
void iommu_detach(u32 partition);
/* Why partition `i` cannot have its devices with this machine's IOMMU (a function no unit
 * covers, or its regions not mappable), or NULL. */
const char *iommu_problem(u32 partition);

/* A message a partition wrote for vector `entry` of its device `slot` (MSI: `count` vectors
 * from `entry` 0; MSI-X: one). Builds the remapping entries (blocked ones when the message
 * is not allowed: named once) and gives the message the device gets instead. */
void iommu_msi(u32 partition, u32 slot, u32 bdf, u32 entry, u32 count, u32 addr_lo, u32 addr_hi,
	       u32 data, u32 *dev_lo, u32 *dev_hi, u32 *dev_data);

/* Boot CPU: report the faults the IOMMU recorded and apply each owner's policy. Returns how
 * many it handled (at most IOMMU_POLL_MAX, so a storm cannot hold the console); the last one
 * in *last if not NULL. */
#define IOMMU_POLL_MAX 64u
u32 iommu_poll(struct arch_iommu_fault *last);
/* The self-test's faults were on purpose: a device's first real one is named again. */
void iommu_forget_reports(void);

#endif
