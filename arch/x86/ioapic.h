/* The I/O APIC's registers (internal to arch/x86; Intel 82093AA data sheet §3): irq.c routes
 * COM1's interrupt through it. Registers are reached through a window: write the register's
 * index to IOREGSEL, then read or write IOWIN. */
#ifndef BULKHEAD_ARCH_X86_IOAPIC_H
#define BULKHEAD_ARCH_X86_IOAPIC_H

#define IOAPIC_REGSEL 0x00 /* MMIO offsets */
#define IOAPIC_WINDOW 0x10

/* Redirection table entry `n`: its low 32 bits at this index (vector, delivery mode, polarity,
 * trigger, mask), its high ones at the next (destination APIC ID in bits 31:24). */
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))

#endif
