/* Model-specific register numbers (SDM Vol. 4), each defined once, for the hypervisor and the
 * payload SDK alike. */
#ifndef BULKHEAD_LIB_MSR_H
#define BULKHEAD_LIB_MSR_H

#define MSR_IA32_APIC_BASE	 0x1b
#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_UCODE_REV	 0x8b
#define MSR_IA32_MISC_ENABLE	 0x1a0
#define MSR_IA32_VMX_BASIC	 0x480
#define MSR_IA32_VMX_PINBASED	 0x481
#define MSR_IA32_VMX_PROCBASED	 0x482
#define MSR_IA32_VMX_EXIT	 0x483
#define MSR_IA32_VMX_ENTRY	 0x484
#define MSR_IA32_VMX_MISC	 0x485
#define MSR_IA32_VMX_PROCBASED2	 0x48b
#define MSR_IA32_VMX_EPT_VPID	 0x48c
#define MSR_IA32_VMX_TRUE_PIN	 0x48d
#define MSR_IA32_VMX_TRUE_PROC	 0x48e
#define MSR_IA32_VMX_TRUE_EXIT	 0x48f
#define MSR_IA32_VMX_TRUE_ENTRY	 0x490
#define MSR_IA32_EFER		 0xc0000080

/* The x2APIC's registers: MSR 0x800 + the xAPIC offset / 16 (SDM Vol. 3A §11.12.1.2). */
#define MSR_X2APIC_ID	   0x802
#define MSR_X2APIC_VERSION 0x803
#define MSR_X2APIC_ICR	   0x830

#endif
