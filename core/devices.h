/*
 * The devices a partition owns (its row's `.devices`): checked against the machine at boot,
 * mapped into its address space, silenced when it stops (core/devices.c). Their configuration
 * space and interrupt routing are emulated by core/vpci.c and core/vioapic.c.
 */
#ifndef BULKHEAD_CORE_DEVICES_H
#define BULKHEAD_CORE_DEVICES_H

#include "bulkhead/types.h"

struct partition;
struct guest_acpi_platform;
struct partition_config;

/* Boot: every device is there and as the table says, and its interrupt is an input of the
 * machine's I/O APIC. 0, or a negative E_* code with the device and the reason in `why`. */
int devices_check(struct partition *p, u32 index, char *why, size_t why_size);
/* The part of it about DMA: with the IOMMU up its devices' domain must have been built;
 * without, its memory must be at guest = host (dma_identity.h). */
int devices_check_dma(const struct partition_config *c, u32 index, char *why, size_t why_size);
/* Its memory BARs mapped at their own addresses (uncached), its ports granted. */
int devices_map(struct partition *p, char *why, size_t why_size);
/* Before each start: devices as firmware left them, quiet; its pins masked. */
void devices_start(struct partition *p);
/* At a stop: no decoding, no DMA, no interrupt. */
void devices_stop(struct partition *p);
/* Does it see PCI configuration space (it owns a PCI function or is a Linux partition on a
 * channel)? An I/O APIC (it owns an interrupt, or a channel's)? */
bool devices_pci(const struct partition *p);
bool devices_ioapic(const struct partition *p);
/* What its ACPI tables say about its devices (a Linux partition). */
void devices_acpi(struct partition *p, struct guest_acpi_platform *plat);

#endif
