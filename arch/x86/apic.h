/* Local APIC (internal to arch/x86): xAPIC by MMIO or x2APIC by MSR. */
#ifndef BULKHEAD_ARCH_X86_APIC_H
#define BULKHEAD_ARCH_X86_APIC_H

#include "bulkhead/types.h"

#define ICR_INIT    0x00004500u /* delivery mode INIT, level assert */
#define ICR_STARTUP 0x00004600u /* delivery mode start-up, level assert; | vector */
#define ICR_NMI	    0x00004400u /* delivery mode NMI, level assert */

/* The ICR's fields (SDM Vol. 3A §11.6.1, §11.12.9). */
#define ICR_MODE(v)	 (((v) >> 8) & 7)
#define ICR_SHORTHAND(v) (((v) >> 18) & 3)
#define ICR_RESERVED	 0xfff33000ULL /* x2APIC: bits 12-13, 16-17, 20-31 */
#define ICR_MODE_FIXED	 0
#define ICR_MODE_NMI	 4
#define ICR_MODE_INIT	 5
#define ICR_MODE_SIPI	 6
#define ICR_LOGICAL	 (1u << 11)
#define ICR_ASSERT	 (1u << 14)
#define ICR_LEVEL	 (1u << 15)
#define ICR_SELF	 1
#define ICR_ALL		 2
#define ICR_ALL_BUT_SELF 3

/* x2APIC LVT registers with a delivery-mode field (SDM Vol. 3A §11.5.1, §11.12.1.2): CMCI,
 * thermal, performance counters, LINT0, LINT1. The timer and error LVTs have none. */
#define MSR_X2APIC_LVT_CMCI    0x82f
#define MSR_X2APIC_LVT_THERMAL 0x833
#define MSR_X2APIC_LVT_PERF    0x834
#define MSR_X2APIC_LVT_LINT0   0x835
#define MSR_X2APIC_LVT_LINT1   0x836
#define LVT_MODE(v)	       (((v) >> 8) & 7)
#define LVT_MODE_SMI	       2
#define LVT_MODE_INIT	       5
#define LVT_MODE_EXTINT	       7
#define LVT_MASKED	       (1u << 16)
#define LVT_DELIVERY_STATUS    (1u << 12) /* read-only */
#define LVT_REMOTE_IRR	       (1u << 14) /* read-only, LINT0/LINT1 only */
#define LVT_WRITABLE_LINT      0x1a7ffu	  /* vector, mode, polarity, trigger, mask */
#define LVT_WRITABLE_OTHER     0x107ffu	  /* vector, mode, mask: CMCI, thermal, performance */

/* One of those five LVTs: a write to it could make the local APIC raise an SMI, an INIT or
 * an ExtINT, so it is checked (apic_guest_lvt_write), as ICR writes are. */
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
bool lapic_x2apic(void);
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
