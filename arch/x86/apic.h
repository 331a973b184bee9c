/* Local APIC (internal to arch/x86): xAPIC by MMIO or x2APIC by MSR. The registers and their
 * fields are in core/lib/apic_regs.h. */
#ifndef BULKHEAD_ARCH_X86_APIC_H
#define BULKHEAD_ARCH_X86_APIC_H

#include "core/lib/apic_regs.h"
#include "bulkhead/types.h"

/* An x2APIC LVT with a delivery-mode field (SDM Vol. 3A §11.5.1): CMCI, thermal, performance
 * counters, LINT0, LINT1; the timer and error LVTs have none. A write to one could make the
 * local APIC raise an SMI, an INIT or an ExtINT, so it is checked (apic_guest_lvt_write), as
 * ICR writes are. */
static inline bool lvt_has_delivery_mode(u32 msr)
{
	return msr == MSR_X2APIC_LVT_CMCI ||
	       (msr >= MSR_X2APIC_LVT_THERMAL && msr <= MSR_X2APIC_LVT_LINT1);
}

/* For a partition CPU's (re)start (cpu_reset.c), x2APIC mode only (partition CPUs have it:
 * the hardware check): every LVT masked; the timer stopped in all its modes; the partition's
 * interrupts in service ended, pending ones taken and dropped, TPR 0, no error recorded. */
void lapic_mask_all_lvts(void);
void lapic_stop_timer(bool tsc_deadline);
void lapic_drain(void);

/* The bits of that LVT software may write, and those it reads but may not set; any other
 * set bit is reserved, and a real x2APIC answers it with #GP (SDM Vol. 3A §11.5.1 figure
 * 11-8, §11.12.1.3). */
static inline u32 lvt_writable(u32 msr)
{
	return (msr == MSR_X2APIC_LVT_LINT0 || msr == MSR_X2APIC_LVT_LINT1) ? LVT_WRITABLE_LINT
									    : LVT_WRITABLE_OTHER;
}

static inline u32 lvt_read_only(u32 msr)
{
	return LVT_DELIVERY_STATUS | (lvt_writable(msr) == LVT_WRITABLE_LINT ? LVT_REMOTE_IRR : 0);
}

/* Delivery modes 1, 3 and 6 are reserved (SDM Vol. 3A §11.5.1). */
static inline bool lvt_mode_reserved(u32 mode)
{
	return mode == 1 || mode == 3 || mode == 6;
}

/* This APIC has that LVT: CMCI, thermal and performance counters only up to its "max LVT
 * entry" (version register bits 23:16; SDM Vol. 3A §11.4.8); an absent one raises #GP in
 * x2APIC mode. */
bool lapic_has_lvt(u32 msr);

/* Enable this CPU's local APIC, in x2APIC mode when the CPU has it. */
void lapic_init(void);
u32 lapic_id(void);
/* End of interrupt, for the one being handled. */
void lapic_eoi(void);
/* Send an IPI; returns false if the APIC did not accept it in time or `dest` cannot be
 * addressed in xAPIC mode. */
bool lapic_send_ipi(u32 dest, u32 icr_low);

/* A partition's WRMSR to its x2APIC's ICR or to an LVT with a delivery mode (the MSR bitmap
 * traps both): checked as a real x2APIC would check them, then done within the partition's own
 * CPUs, or refused. Each completes or refuses the guest's instruction. */
void apic_guest_icr_write(u64 v);
void apic_guest_lvt_write(u32 msr, u64 v);

#endif
