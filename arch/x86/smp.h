/* AP start-up (internal to arch/x86). */
#ifndef BULKHEAD_ARCH_X86_SMP_H
#define BULKHEAD_ARCH_X86_SMP_H

#include "bulkhead/types.h"

/* What the boot CPU leaves for an AP in the parameter block of boot/trampoline.asm, at
 * TRAMPOLINE_PARAMS in the page the AP starts in (asm_offsets.inc; the build checks). */
struct trampoline_params {
	u64 cr3;
	u64 stack;
	u64 entry;
	u64 arg;
};

/* The CPUs firmware lists, boot CPU first (filled by platform.c). */
extern u32 platform_cpu_count;
extern u32 platform_apic_ids[];
/* The first I/O APIC the MADT lists: its MMIO base and first GSI. False if there is none. */
bool platform_ioapic(u64 *base, u32 *gsi_base);
u32 platform_ioapic_acpi_id(void);

#endif
