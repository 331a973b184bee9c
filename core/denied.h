/*
 * What a partition tried and was not granted, named on COM1 once per partition and thing:
 * the first attempt is news for the user, a guest retrying in a loop must not flood the
 * console. (What core/ offers the exit handlers for this is partition_refused in
 * arch/x86/arch.h.)
 */
#ifndef BULKHEAD_CORE_DENIED_H
#define BULKHEAD_CORE_DENIED_H

#include "bulkhead/types.h"

/* Keys of partition_refused() for what core/ itself refuses, above every exit reason (the
 * keys arch/x86 uses are the exit reason in bits 63:32). */
#define DENIED_KEY(kind, detail) (((u64)(kind) << 32) | (u32)(detail))
#define DENIED_IOAPIC		 0x100u /* detail: the pin */
#define DENIED_PCI		 0x101u /* detail: bdf << 8 | register */
#define DENIED_MSI		 0x102u /* detail: bdf */
#define DENIED_MMIO		 0x103u /* detail: the page number */
#define DENIED_MSIX		 0x104u /* detail: bdf << 11 | entry */
#define DENIED_CHANNEL		 0x105u /* detail: the channel number it gave */

/* A port outside its row: a read gives all-ones, a write is dropped. */
void denied_port(u32 partition, u32 port, bool in);

#endif
