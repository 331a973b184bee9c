/* The hypervisor's own interrupts (internal to arch/x86): only the boot CPU takes any, to
 * wake from its idle halt. Partition CPUs run with interrupts going to their guests. */
#ifndef BULKHEAD_ARCH_X86_IRQ_H
#define BULKHEAD_ARCH_X86_IRQ_H

#include "bulkhead/types.h"

#define IRQ_VECTOR_WAKE	 0xf0 /* IPI: a partition queued console output */
#define IRQ_VECTOR_COM1	 0xf1 /* the console's UART received a byte (I/O APIC, its ISA IRQ) */
#define IRQ_VECTOR_IOMMU 0xf2 /* an IOMMU unit recorded a fault */

/* Called from trap_handler() for a vector >= 32. */
void irq_handle(u32 vector);

#endif
