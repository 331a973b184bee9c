/*
 * A channel as a Linux partition sees it (docs/channels.md): a PCI function in its
 * configuration space, modelled on QEMU's ivshmem-plain/ivshmem-doorbell ("Inter-VM shared
 * memory device", QEMU docs/specs/ivshmem-spec.rst), so that a stock kernel finds it and a user
 * program maps it through sysfs and waits on it through uio_pci_generic. Included by the
 * hypervisor (core/vchan.c) and by programs that run in Linux (images/linux/chanmon.c), so
 * both sides use one definition.
 *
 *   vendor:device 1af4:1110, subsystem 1af4:1100, class 0x0500 (RAM), revision 1
 *   BAR0  32-bit memory, CHANNEL_REGS_SIZE bytes: the registers below (each access exits)
 *   BAR2  64-bit prefetchable memory: the channel's memory, at the guest address of the
 *         partition's REGION_SHARED region for it (mapped: no exit), its size a power of two
 *   pin   INTA, routed by the partition's ACPI _PRT to an input of its virtual I/O APIC
 *   capability at CHANNEL_CAP_OFFSET: vendor-specific (ID 0x09), carrying the channel's name
 * Each channel of the partition, in table order, is one such function on bus 0, at the
 * device numbers from CHANNEL_PCI_FIRST_DEV up that none of its own PCI functions use.
 */
#ifndef BULKHEAD_CHANNEL_PCI_H
#define BULKHEAD_CHANNEL_PCI_H

#define CHANNEL_PCI_VENDOR	  0x1af4u
#define CHANNEL_PCI_DEVICE	  0x1110u
#define CHANNEL_PCI_SUBSYS_VENDOR 0x1af4u
#define CHANNEL_PCI_SUBSYS	  0x1100u
#define CHANNEL_PCI_CLASS	  0x050000u /* base class 5 (memory controller), 0 (RAM) */
#define CHANNEL_PCI_REVISION	  1u
#define CHANNEL_PCI_FIRST_DEV	  0x10u /* the first device number tried, on bus 0 */

#define CHANNEL_BAR_REGS 0 /* BAR numbers */
#define CHANNEL_BAR_MEM	 2

/* BAR0, 32-bit registers (4-byte accesses; anything else reads 0 and writes nothing). */
#define CHANNEL_REG_INTR_MASK	0x00 /* bit 0: a doorbell may assert INTA */
#define CHANNEL_REG_INTR_STATUS 0x04 /* bit 0: rung since last read; reading clears it */
#define CHANNEL_REG_IV_POSITION 0x08 /* read-only: this side's end in the table, 0 or 1 */
#define CHANNEL_REG_DOORBELL	0x0c /* write (any value): ring the other side */
#define CHANNEL_REGS_SIZE	0x100u
/* Where BAR0 of the partition's channel k is: in the I/O APIC range, which no table row may
 * map (tools/ptcheck.c), one page each. */
#define CHANNEL_REGS_GPA(k) (0xfec80000ull + 0x1000ull * (k))

/* The vendor-specific capability (PCI Local Bus 3.0 §6.7, ID 0x09): bytes from its start. */
#define CHANNEL_CAP_OFFSET	  0x40u
#define CHANNEL_CAP_ID		  0x09u
#define CHANNEL_CAP_LEN		  40u	/* its length byte (offset 2) says so too */
#define CHANNEL_CAP_VERSION	  3	/* u8: 1 */
#define CHANNEL_CAP_FLAGS	  4	/* u8: the bits below */
#define CHANNEL_CAP_FLAG_WRITABLE 0x01u /* this side may write the memory (MEM_RW) */
#define CHANNEL_CAP_POSITION	  5	/* u8: this side's end, as IV_POSITION */
#define CHANNEL_CAP_NAME	  8	/* char[32]: the channel's name, NUL-padded */
#define CHANNEL_CAP_NAME_SIZE	  32u

#endif
