/* CPUID leaf 0x15 as partitions see it (internal to arch/x86; guest_cpuid.c). Pure: unit-tested. */
#ifndef BULKHEAD_ARCH_X86_TSC_LEAF_H
#define BULKHEAD_ARCH_X86_TSC_LEAF_H

#include "bulkhead/types.h"

/* Leaf 0x15 says TSC Hz = ECX * EBX / EAX (SDM Vol. 2A CPUID), ECX being the crystal in Hz,
 * a 32-bit field. Bulkhead gives the TSC rate it measured, `khz`: as the crystal itself with
 * ratio 1/1 up to 4.29 GHz; above, a crystal of TSC/k with ratio k/1, the smallest k that
 * fits, among divisors of 1000 so that khz * 1000 / k stays exact. */
static inline void tsc_leaf15(u64 khz, u32 *eax, u32 *ebx, u32 *ecx)
{
	static const u32 ratios[] = {1,	 2,  4,	  5,   8,   10,	 20,  25,
				     40, 50, 100, 125, 200, 250, 500, 1000};
	u64 hz = khz * 1000;
	u32 i = 0;

	while (i + 1 < sizeof(ratios) / sizeof(ratios[0]) && hz / ratios[i] > 0xffffffffULL)
		i++;
	*eax = 1;
	*ebx = ratios[i];
	*ecx = (u32)(hz / ratios[i]);
}

#endif
