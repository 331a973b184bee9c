/* The arithmetic of measuring the TSC against the PIT (internal to arch/x86; tsc.c). Pure:
 * unit-tested (tests/unit/test_tsc_leaf.c). */
#ifndef BULKHEAD_ARCH_X86_TSC_PIT_H
#define BULKHEAD_ARCH_X86_TSC_PIT_H

#include "bulkhead/types.h"
#include "core/lib/pit.h"

/* TSC kHz from `tsc` TSC ticks over `clocks` PIT input clocks; 0 if none. */
static inline u64 tsc_khz_over_clocks(u64 tsc, u64 clocks)
{
	return clocks ? tsc * PIT_HZ / (clocks * 1000) : 0;
}

/* TSC ticks `clocks` PIT clocks take at `khz`, twice over: how long to wait for a count that
 * the first figure says is that long before giving up on it. */
static inline u64 tsc_count_bound(u64 khz, u64 clocks)
{
	return 2 * clocks * khz * 1000 / PIT_HZ;
}

/* The TSC rate CPUID leaf 0x15 states (Hz = ECX * EBX / EAX, SDM Vol. 2A CPUID), in kHz; 0
 * when the leaf leaves a field 0 (no statement). */
static inline u64 tsc_leaf15_khz(u32 eax, u32 ebx, u32 ecx)
{
	return eax && ebx && ecx ? (u64)ecx * ebx / eax / 1000 : 0;
}

/* Two rates agree within 1/`parts` of the first. */
static inline bool tsc_rates_agree(u64 a, u64 b, u64 parts)
{
	u64 d = a > b ? a - b : b - a;

	return a && d * parts <= a;
}

#endif
