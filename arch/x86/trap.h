/* Exceptions Bulkhead itself takes (internal to arch/x86): reported on COM1, then the CPU
 * halts. */
#ifndef BULKHEAD_ARCH_X86_TRAP_H
#define BULKHEAD_ARCH_X86_TRAP_H

#include "bulkhead/types.h"

/* What an entry stub of arch/x86/isr.asm leaves on the stack, lowest address first: the
 * registers isr_common pushed (rax first), the vector and error code the stub pushed, the
 * CPU's own frame (SDM Vol. 3A §6.14.2). asm_offsets.inc names the offsets; keep them in
 * step (the build checks). */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* Called from isr.asm with the frame its stub built. */
void trap_handler(struct trap_frame *f);
/* Take exception `kind` ("pf", "ud", "gp", "de") on purpose (debug option `selftest=`). */
void trap_selftest(const char *kind);

#endif
