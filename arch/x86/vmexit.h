/* The VM-exit path's entry points (internal to arch/x86), called from vmentry.asm and the
 * self-test. */
#ifndef BULKHEAD_ARCH_X86_VMEXIT_H
#define BULKHEAD_ARCH_X86_VMEXIT_H

#include "bulkhead/types.h"

struct guest_regs;

/* vmx_exit_entry: a VM exit on this CPU, the guest's registers saved in `r`. Returns when the
 * guest is to resume. */
void vmexit_dispatch(struct guest_regs *r);
/* VMLAUNCH (`resume` 0) or VMRESUME (1) failed: stop the partition, with one line. */
__attribute__((noreturn)) void vmentry_failed(u32 resume);
/* selftest=vmentry or vmwrite (arch_selftest_fault): arm the one failed VM entry or VMWRITE. */
void vmexit_selftest_arm(bool vmwrite);

#endif
