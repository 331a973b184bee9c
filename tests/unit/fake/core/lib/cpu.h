/* Host stand-in for core/lib/cpu.h in unit tests of arch/x86 code that reads MSRs or CPUID
 * (tests/unit/test_ept.c): the values come from variables the test sets. Only what those
 * files use is here. */
#ifndef BULKHEAD_LIB_CPU_H
#define BULKHEAD_LIB_CPU_H

#include "bulkhead/types.h"

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

extern u64 fake_msr_value;	/* what every rdmsr() reads */
extern u32 fake_phys_addr_bits; /* CPUID 0x80000008 EAX[7:0] */

static inline struct cpuid_regs cpuid(u32 leaf, u32 subleaf)
{
	(void)subleaf;
	if (leaf == 0x80000000)
		return (struct cpuid_regs){0x80000008, 0, 0, 0};
	return (struct cpuid_regs){leaf == 0x80000008 ? fake_phys_addr_bits : 0, 0, 0, 0};
}

static inline u64 rdmsr(u32 msr)
{
	(void)msr;
	return fake_msr_value;
}

#endif
