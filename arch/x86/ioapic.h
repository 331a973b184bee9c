/* The machine's I/O APIC, owned by Bulkhead (internal to arch/x86; core/ reaches it through
 * arch.h's arch_ioapic_*). */
#ifndef BULKHEAD_ARCH_X86_IOAPIC_H
#define BULKHEAD_ARCH_X86_IOAPIC_H

#include "core/lib/ioapic_regs.h"

#endif
