/*
 * A partition's PCI configuration space (core/vpci.c), through the ports of mechanism #1
 * (0xcf8-0xcff, trapped: configuration accesses are rare). It sees a host bridge at 00:00.0
 * and, at their own addresses, only the functions its row names; nothing else answers.
 * Reads of its functions come from the device, except what Bulkhead keeps:
 *   BARs      read as firmware placed them (the table's); sizing them works as on hardware;
 *             any other value written is refused, so a BAR never moves;
 *   ROM BAR   reads 0 (no option ROM);
 *   command   bus mastering only without DEV_NO_DMA; reserved bits dropped;
 *   MSI       a message is written to the device only if it targets one of the partition's
 *             CPUs (fixed or lowest-priority delivery, physical destination, edge, a vector
 *             of 0x20 or more); otherwise MSI stays disabled;
 *   MSI-X     enable and function mask are its own; its table (core/vmsix.c) is emulated,
 *             every entry the device may use checked like an MSI message. A table
 *             Bulkhead cannot reach (not in one of the row's memory BARs, or above
 *             4 GiB) makes MSI-X hidden instead: out of the capability list, reading 0,
 *             writes refused, so the device uses MSI or its pin.
 * Through its MMCONFIG window (where the machine has one), the same 256 bytes of each
 * function; the extended space above reads 0 (no extended capability is offered).
 * Writes to another function's space are refused and named once.
 */
#ifndef BULKHEAD_CORE_VPCI_H
#define BULKHEAD_CORE_VPCI_H

#include "bulkhead/ptable.h"
#include "bulkhead/types.h"
#include "core/iommu.h"
#include "core/vchan.h"

#define VPCI_MSI_MAX 24 /* bytes of the largest MSI capability (64-bit, per-vector masking) */

struct vpci_fn {
	const struct pt_device *dev;
	u32 bdf;
	u16 boot_command;	      /* as firmware left it */
	u8 pin;			      /* interrupt pin register: 1-4 = INTA#-INTD#, 0 none */
	u32 bar_raw[PT_MAX_BARS];     /* each BAR register as firmware left it */
	u32 bar_sizing[PT_MAX_BARS];  /* what it reads back after all-ones is written */
	u8 sizing;		      /* bit per BAR register: all-ones written */
	u8 bar_upper;		      /* bit per BAR register: the upper half of a 64-bit BAR */
	u8 msi, msi_len;	      /* MSI capability offset and length, 0 = none */
	u16 msi_control;	      /* its control register as probed: the read-only bits */
	u8 msix, msix_prev;	      /* MSI-X capability, and where the pointer to it is */
	u8 pcie;		      /* PCI Express capability (phantom functions stay off) */
	u16 msix_entries;	      /* its table's size */
	u32 msix_where;		      /* its table offset and BIR register, as probed */
	u64 msix_table;		      /* where its table is (0: MSI-X hidden, not emulated) */
	u64 msix_hole, msix_hole_end; /* the pages of the table: not mapped, emulated */
	u8 msi_shadow[VPCI_MSI_MAX];  /* the MSI registers as the partition wrote them */
	/* with interrupt remapping: each MSI-X entry's address and data as it wrote them */
	u32 msix_msg[IOMMU_IRTE_PER_DEVICE][3];
};

struct vpci {
	u32 partition;
	u32 address; /* CONFIG_ADDRESS as it wrote it */
	u32 count;
	struct vpci_fn fn[PT_MAX_DEVICES];
	const struct partition_config *cfg;
	struct vchan *chan; /* its channels' functions (core/vchan.c), or NULL */
	u64 mmcfg_base;	    /* its MMCONFIG window (the machine's; 0: none), buses: */
	u32 mmcfg_start, mmcfg_end;
};

/* Name a refused write to function `bdf` once ("pci bb:dd.f: <said>"); `detail` keys it. */
void vpci_refuse(u32 partition, u32 bdf, u32 detail, const char *said);
/* Boot: look at the function row `d` names. 0 if it is there as the table says; else a
 * negative E_* code with the reason in `why`. Leaves it quiet: bus mastering, MSI and MSI-X
 * off. */
int vpci_probe(struct vpci_fn *f, const struct pt_device *d, char *why, size_t why_size);
void vpci_init(struct vpci *v, u32 partition, const struct partition_config *cfg);
/* A probed function joins the partition's view. */
void vpci_add(struct vpci *v, const struct vpci_fn *f);
/* An access to 0xcf8-0xcff (`size` 1, 2 or 4). */
u32 vpci_port_read(struct vpci *v, u32 port, u32 size);
void vpci_port_write(struct vpci *v, u32 port, u32 size, u32 value);
/* Emulated memory: the pages of its MSI-X tables and its MMCONFIG window. */
bool vpci_mmio_claims(const struct vpci *v, u64 gpa);
u64 vpci_mmio_read(struct vpci *v, u64 gpa, u32 size);
void vpci_mmio_write(struct vpci *v, u64 gpa, u32 size, u64 value);
/* Its MMCONFIG window, at the machine's address (not mapped: every access is emulated). */
void vpci_set_mmcfg(struct vpci *v, u64 base, u32 start_bus, u32 end_bus);
/* Before each start: every function as firmware left it, but bus mastering, MSI and MSI-X
 * off. */
void vpci_start(struct vpci *v);
/* A stop: every function silenced (no decoding, no bus mastering, no MSI). */
void vpci_quiesce(struct vpci *v);

#endif
