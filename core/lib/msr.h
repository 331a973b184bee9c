/* Model-specific register numbers (SDM Vol. 4 ch. 2, table 2-2 "IA-32 Architectural MSRs"),
 * each defined once, for the hypervisor and the payload SDK alike. The local APIC's registers
 * in x2APIC mode are in core/lib/apic_regs.h; the bits of the MSRs in core/lib/x86.h. */
#ifndef BULKHEAD_LIB_MSR_H
#define BULKHEAD_LIB_MSR_H

/* Identity, time and control of the CPU. */
#define MSR_IA32_TSC		   0x10
#define MSR_IA32_PLATFORM_ID	   0x17
#define MSR_IA32_APIC_BASE	   0x1b
#define MSR_IA32_FEATURE_CONTROL   0x3a
#define MSR_IA32_TSC_ADJUST	   0x3b
#define MSR_IA32_SPEC_CTRL	   0x48
#define MSR_IA32_PRED_CMD	   0x49
#define MSR_IA32_UCODE_REV	   0x8b
#define MSR_PLATFORM_INFO	   0xce /* not architectural, read only (SDM Vol. 4 ch. 2) */
#define MSR_IA32_MTRRCAP	   0xfe
#define MSR_IA32_ARCH_CAPABILITIES 0x10a
#define MSR_IA32_FLUSH_CMD	   0x10b
#define MSR_IA32_SYSENTER_CS	   0x174
#define MSR_IA32_SYSENTER_ESP	   0x175
#define MSR_IA32_SYSENTER_EIP	   0x176
#define MSR_IA32_MISC_ENABLE	   0x1a0
#define MSR_IA32_TSC_DEADLINE	   0x6e0

/* Memory types: MTRRs and the PAT (SDM Vol. 3A §12.11, §12.12). */
#define MSR_IA32_MTRR_PHYSBASE0	   0x200 /* variable ranges: base and mask pairs from here */
#define MSR_IA32_MTRR_FIX64K_00000 0x250
#define MSR_IA32_MTRR_FIX16K_80000 0x258
#define MSR_IA32_MTRR_FIX16K_A0000 0x259
#define MSR_IA32_MTRR_FIX4K_C0000  0x268
#define MSR_IA32_MTRR_FIX4K_F8000  0x26f
#define MSR_IA32_PAT		   0x277
#define MSR_IA32_MTRR_DEF_TYPE	   0x2ff

/* VMX capabilities (SDM Vol. 3D Appendix A). */
#define MSR_IA32_VMX_BASIC	0x480
#define MSR_IA32_VMX_PINBASED	0x481
#define MSR_IA32_VMX_PROCBASED	0x482
#define MSR_IA32_VMX_EXIT	0x483
#define MSR_IA32_VMX_ENTRY	0x484
#define MSR_IA32_VMX_MISC	0x485
#define MSR_IA32_VMX_CR0_FIXED0 0x486
#define MSR_IA32_VMX_CR0_FIXED1 0x487
#define MSR_IA32_VMX_CR4_FIXED0 0x488
#define MSR_IA32_VMX_CR4_FIXED1 0x489
#define MSR_IA32_VMX_PROCBASED2 0x48b
#define MSR_IA32_VMX_EPT_VPID	0x48c
#define MSR_IA32_VMX_TRUE_PIN	0x48d
#define MSR_IA32_VMX_TRUE_PROC	0x48e
#define MSR_IA32_VMX_TRUE_EXIT	0x48f
#define MSR_IA32_VMX_TRUE_ENTRY 0x490

/* Long mode: EFER, SYSCALL's targets, the segment bases, RDTSCP's value (SDM Vol. 3A §2.2.1,
 * §5.8.8, Vol. 2B SYSCALL, RDTSCP). */
#define MSR_IA32_EFER		0xc0000080
#define MSR_IA32_STAR		0xc0000081
#define MSR_IA32_LSTAR		0xc0000082
#define MSR_IA32_CSTAR		0xc0000083
#define MSR_IA32_FMASK		0xc0000084
#define MSR_IA32_FS_BASE	0xc0000100
#define MSR_IA32_GS_BASE	0xc0000101
#define MSR_IA32_KERNEL_GS_BASE 0xc0000102
#define MSR_IA32_TSC_AUX	0xc0000103

#endif
