/*
 * The I/O APIC's register interface (Intel 82093AA data sheet §3): registers are reached
 * through a window in one MMIO page, by writing a register's index to IOREGSEL and then
 * reading or writing IOWIN. Bulkhead programs the machine's (arch/x86/ioapic.c), emulates one
 * per partition (core/vioapic.c), and payloads program theirs (images/sdk).
 */
#ifndef BULKHEAD_CORE_LIB_IOAPIC_REGS_H
#define BULKHEAD_CORE_LIB_IOAPIC_REGS_H

/* MMIO offsets in the I/O APIC's page. */
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WINDOW 0x10
#define IOAPIC_EOI    0x40 /* version 0x20 and later only: not offered to partitions */
#define IOAPIC_PAGE   0x1000u

/* Register indexes. */
#define IOAPIC_REG_ID	   0x00 /* bits 27:24 */
#define IOAPIC_REG_VERSION 0x01 /* version bits 7:0, maximum redirection entry bits 23:16 */
#define IOAPIC_REG_ARB	   0x02
/* Redirection table entry `n`: its low 32 bits at this index (vector, delivery mode,
 * polarity, trigger, mask), its high ones at the next (destination in bits 31:24). */
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))

#define IOAPIC_VERSION_MAX_ENTRY(v) (((v) >> 16) & 0xffu)

/* Redirection table entry, as one 64-bit value (§3.2.4). */
#define RTE_VECTOR	   0xffull
#define RTE_DELMODE	   (7ull << 8)
#define RTE_DELMODE_FIXED  (0ull << 8)
#define RTE_DELMODE_LOWEST (1ull << 8)
#define RTE_DEST_LOGICAL   (1ull << 11)
#define RTE_DELIVERY_BUSY  (1ull << 12) /* read-only */
#define RTE_ACTIVE_LOW	   (1ull << 13)
#define RTE_REMOTE_IRR	   (1ull << 14) /* read-only */
#define RTE_LEVEL	   (1ull << 15)
#define RTE_MASKED	   (1ull << 16)
#define RTE_DEST_SHIFT	   56
#define RTE_DEST(rte)	   ((u32)((rte) >> RTE_DEST_SHIFT))
#define RTE_DEST_BROADCAST 0xffu /* physical destination 0xff: every CPU */

#endif
