/* The local APIC's registers (SDM Vol. 3A ch. 11), each defined once, for the hypervisor and
 * the payload SDK alike: IA32_APIC_BASE's fields, the register offsets in the xAPIC page and
 * the x2APIC MSRs they map to, and the fields of the registers Bulkhead or the SDK program. */
#ifndef BULKHEAD_LIB_APIC_REGS_H
#define BULKHEAD_LIB_APIC_REGS_H

/* IA32_APIC_BASE (MSR_IA32_APIC_BASE; SDM Vol. 3A §11.4.4, §11.12.1). */
#define APIC_BASE_EXTD	   (1u << 10)  /* x2APIC mode */
#define APIC_BASE_EN	   (1u << 11)  /* xAPIC global enable */
#define APIC_BASE_ADDR_LOW 0xfffff000u /* the xAPIC page, where it lies below 4 GiB */
#define APIC_BASE_DEFAULT  0xfee00000u /* the xAPIC page after reset (§11.4.1) */

/* Register offsets in the xAPIC page (SDM Vol. 3A §11.4.1 table 11-1). */
#define APIC_ID		 0x020
#define APIC_VERSION	 0x030
#define APIC_TPR	 0x080
#define APIC_EOI	 0x0b0
#define APIC_SVR	 0x0f0
#define APIC_ISR	 0x100 /* 8 registers of 32 vectors each, 0x10 apart */
#define APIC_IRR	 0x200 /* the same */
#define APIC_ESR	 0x280
#define APIC_LVT_CMCI	 0x2f0
#define APIC_ICR_LO	 0x300
#define APIC_ICR_HI	 0x310
#define APIC_LVT_TIMER	 0x320
#define APIC_LVT_THERMAL 0x330
#define APIC_LVT_PERF	 0x340
#define APIC_LVT_LINT0	 0x350
#define APIC_LVT_LINT1	 0x360
#define APIC_LVT_ERROR	 0x370
#define APIC_TIMER_INIT	 0x380
#define APIC_TIMER_CUR	 0x390
#define APIC_TIMER_DIV	 0x3e0

/* In x2APIC mode, the register at xAPIC offset `off` is MSR 0x800 + off / 16; the ICR is one
 * 64-bit MSR (SDM Vol. 3A §11.12.1.2 table 11-6). */
#define X2APIC_MSR(off)	       (0x800u + ((off) >> 4))
#define MSR_X2APIC_FIRST       0x800u
#define MSR_X2APIC_LAST	       0x8ffu
#define MSR_X2APIC_ID	       X2APIC_MSR(APIC_ID)
#define MSR_X2APIC_VERSION     X2APIC_MSR(APIC_VERSION)
#define MSR_X2APIC_TPR	       X2APIC_MSR(APIC_TPR)
#define MSR_X2APIC_EOI	       X2APIC_MSR(APIC_EOI)
#define MSR_X2APIC_SVR	       X2APIC_MSR(APIC_SVR)
#define MSR_X2APIC_ISR	       X2APIC_MSR(APIC_ISR)
#define MSR_X2APIC_IRR	       X2APIC_MSR(APIC_IRR)
#define MSR_X2APIC_ESR	       X2APIC_MSR(APIC_ESR)
#define MSR_X2APIC_LVT_CMCI    X2APIC_MSR(APIC_LVT_CMCI)
#define MSR_X2APIC_ICR	       X2APIC_MSR(APIC_ICR_LO)
#define MSR_X2APIC_LVT_TIMER   X2APIC_MSR(APIC_LVT_TIMER)
#define MSR_X2APIC_LVT_THERMAL X2APIC_MSR(APIC_LVT_THERMAL)
#define MSR_X2APIC_LVT_PERF    X2APIC_MSR(APIC_LVT_PERF)
#define MSR_X2APIC_LVT_LINT0   X2APIC_MSR(APIC_LVT_LINT0)
#define MSR_X2APIC_LVT_LINT1   X2APIC_MSR(APIC_LVT_LINT1)
#define MSR_X2APIC_LVT_ERROR   X2APIC_MSR(APIC_LVT_ERROR)
#define MSR_X2APIC_TIMER_INIT  X2APIC_MSR(APIC_TIMER_INIT)
#define MSR_X2APIC_TIMER_DIV   X2APIC_MSR(APIC_TIMER_DIV)

/* Version register (SDM Vol. 3A §11.4.8): the number of LVT entries, less one. */
#define APIC_VERSION_MAX_LVT(v) (((v) >> 16) & 0xff)

/* Spurious-interrupt vector register (SDM Vol. 3A §11.9). */
#define APIC_SVR_ENABLE (1u << 8) /* APIC software enable */

/* Delivery modes, bits 10:8 of the ICR and of an LVT entry (SDM Vol. 3A §11.5.1, §11.6.1);
 * not every register takes every mode. */
#define APIC_DM_FIXED	0u
#define APIC_DM_SMI	2u
#define APIC_DM_NMI	4u
#define APIC_DM_INIT	5u
#define APIC_DM_STARTUP 6u
#define APIC_DM_EXTINT	7u

/* LVT entries (SDM Vol. 3A §11.5.1 figure 11-8, §11.5.4 timer modes). */
#define LVT_MODE(v)	    (((v) >> 8) & 7)
#define LVT_DELIVERY_STATUS (1u << 12) /* read-only */
#define LVT_REMOTE_IRR	    (1u << 14) /* read-only, LINT0/LINT1 only */
#define LVT_MASKED	    (1u << 16)
#define LVT_ONESHOT	    (0u << 17)
#define LVT_PERIODIC	    (1u << 17)
#define LVT_TSC_DEADLINE    (2u << 17)
#define LVT_WRITABLE_LINT   0x1a7ffu /* vector, mode, polarity, trigger, mask */
#define LVT_WRITABLE_OTHER  0x107ffu /* vector, mode, mask: CMCI, thermal, performance */

/* Interrupt command register, its low 32 bits (SDM Vol. 3A §11.6.1 figure 11-12, §11.12.9);
 * the destination is in ICR_HI bits 31:24 (xAPIC) or in bits 63:32 of the x2APIC MSR. */
#define ICR_MODE(v)	    (((v) >> 8) & 7)
#define ICR_FIXED	    (APIC_DM_FIXED << 8)
#define ICR_NMI		    (APIC_DM_NMI << 8)
#define ICR_INIT	    (APIC_DM_INIT << 8)
#define ICR_STARTUP	    (APIC_DM_STARTUP << 8) /* | the vector: the start page >> 12 */
#define ICR_LOGICAL	    (1u << 11)
#define ICR_DELIVERY_STATUS (1u << 12) /* xAPIC only: send pending */
#define ICR_ASSERT	    (1u << 14)
#define ICR_LEVEL	    (1u << 15)
#define ICR_SHORTHAND(v)    (((v) >> 18) & 3)
#define ICR_SHORTHAND_MASK  (3u << 18)
#define ICR_SELF	    1 /* shorthand values */
#define ICR_ALL		    2
#define ICR_ALL_BUT_SELF    3
#define ICR_RESERVED	    0xfff33000ULL /* x2APIC: bits 12-13, 16-17, 20-31 */

#endif
