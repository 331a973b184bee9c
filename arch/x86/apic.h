/* Local APIC (internal to arch/x86): xAPIC by MMIO or x2APIC by MSR. */
#ifndef BULKHEAD_ARCH_X86_APIC_H
#define BULKHEAD_ARCH_X86_APIC_H

#include "core/types.h"

#define ICR_INIT    0x00004500u /* delivery mode INIT, level assert */
#define ICR_STARTUP 0x00004600u /* delivery mode start-up, level assert; | vector */
#define ICR_NMI	    0x00004400u /* delivery mode NMI, level assert */

/* Enable this CPU's local APIC, in x2APIC mode when the CPU has it. */
void lapic_init(void);
bool lapic_x2apic(void);
u32 lapic_id(void);
/* End of interrupt, for the one being handled. */
void lapic_eoi(void);
/* Send an IPI; returns false if the APIC did not accept it in time or `dest` cannot be
 * addressed in xAPIC mode. */
bool lapic_send_ipi(u32 dest, u32 icr_low);

#endif
