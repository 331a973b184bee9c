/* TSC-based delays (internal to arch/x86). */
#ifndef BULKHEAD_ARCH_X86_TSC_H
#define BULKHEAD_ARCH_X86_TSC_H

#include "bulkhead/types.h"

u64 tsc_calibrate(void); /* a first figure, ~2 ms (tsc.c) */
u64 tsc_refine(void);	 /* the final one, 55 ms after the first began */
u64 tsc_khz(void);
void tsc_delay_us(u64 us);
/* True once `us` microseconds have passed since `start` (a TSC value). */
bool tsc_elapsed_us(u64 start, u64 us);

#endif
