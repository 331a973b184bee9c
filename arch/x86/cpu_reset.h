/* A partition CPU's state outside the VMCS, put back before each start (internal to
 * arch/x86; cpu_reset.c says what and why). */
#ifndef BULKHEAD_ARCH_X86_CPU_RESET_H
#define BULKHEAD_ARCH_X86_CPU_RESET_H

/* Local APIC, debug registers, x87/SSE/AVX state and XCR0, directly written MSRs: as INIT
 * leaves them. On the CPU about to enter the partition, interrupts off. */
void cpu_reset_for_partition(void);

#endif
