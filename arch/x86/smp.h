/* AP start-up (internal to arch/x86). */
#ifndef BULKHEAD_ARCH_X86_SMP_H
#define BULKHEAD_ARCH_X86_SMP_H

#include "bulkhead/types.h"

/* The CPUs firmware lists, boot CPU first (filled by platform.c). */
extern u32 platform_cpu_count;
extern u32 platform_apic_ids[];
/* The first I/O APIC the MADT lists: its MMIO base and first GSI. False if there is none. */
bool platform_ioapic(u64 *base, u32 *gsi_base);

#endif
