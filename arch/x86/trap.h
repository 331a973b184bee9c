/* Exceptions Bulkhead itself takes (internal to arch/x86): reported on COM1, then the CPU
 * halts. */
#ifndef BULKHEAD_ARCH_X86_TRAP_H
#define BULKHEAD_ARCH_X86_TRAP_H

struct trap_frame;

/* Called from isr.asm with the frame its stub built. */
void trap_handler(struct trap_frame *f);
/* Take exception `kind` ("pf", "ud", "gp", "de") on purpose (debug option `selftest=`). */
void trap_selftest(const char *kind);

#endif
