/* Architectural constants of x86-64 (Intel SDM), each defined once, for the hypervisor and the
 * payload SDK alike: exception vectors, control, flag and debug register bits, the bits of
 * MSRs, segment attributes and gates, CPUID feature bits. The MSRs' numbers are in
 * core/lib/msr.h, the local APIC's registers in core/lib/apic_regs.h. */
#ifndef BULKHEAD_LIB_X86_H
#define BULKHEAD_LIB_X86_H

/* Exception and interrupt vectors (SDM Vol. 3A §6.3.1). */
#define VEC_DB	1
#define VEC_NMI 2
#define VEC_UD	6
#define VEC_DF	8
#define VEC_GP	13
#define VEC_PF	14
#define VEC_AC	17
#define VEC_MC	18

/* CR0 and CR4 (SDM Vol. 3A §2.5). */
#define CR0_PE	       (1ULL << 0)
#define CR0_MP	       (1ULL << 1)
#define CR0_EM	       (1ULL << 2)
#define CR0_TS	       (1ULL << 3)
#define CR0_ET	       (1ULL << 4)
#define CR0_NE	       (1ULL << 5)
#define CR0_WP	       (1ULL << 16)
#define CR0_NW	       (1ULL << 29)
#define CR0_CD	       (1ULL << 30)
#define CR0_PG	       (1ULL << 31)
#define CR4_PAE	       (1ULL << 5)
#define CR4_OSFXSR     (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define CR4_LA57       (1ULL << 12)
#define CR4_VMXE       (1ULL << 13)
#define CR4_PCIDE      (1ULL << 17)
#define CR4_OSXSAVE    (1ULL << 18)
#define CR4_PKE	       (1ULL << 22)
#define CR4_CET	       (1ULL << 23)

/* IA32_EFER (SDM Vol. 3A §2.2.1). */
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

/* IA32_FEATURE_CONTROL (SDM Vol. 3C §24.7). */
#define FEATURE_CONTROL_LOCK		(1ULL << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ULL << 2)

/* IA32_MISC_ENABLE (SDM Vol. 4 table 2-2). */
#define MISC_ENABLE_FAST_STRINGS (1ULL << 0)
#define MISC_ENABLE_BTS_UNAVAIL	 (1ULL << 11)
#define MISC_ENABLE_PEBS_UNAVAIL (1ULL << 12)

/* RFLAGS (SDM Vol. 1 §3.4.3). */
#define RFLAGS_FIXED (1ULL << 1) /* reads 1: RFLAGS after reset is this alone */
#define RFLAGS_TF    (1ULL << 8)
#define RFLAGS_IF    (1ULL << 9)
#define RFLAGS_RF    (1ULL << 16)

/* MXCSR at power-on: every SIMD exception masked (SDM Vol. 1 §10.2.3). */
#define MXCSR_POWER_ON 0x1f80u

/* DR6 and DR7 (SDM Vol. 3B §18.2). The bits that read 1 are also each register's value at
 * power-on and INIT (SDM Vol. 3A table 10-1). */
#define DR6_B0_B3 0xfULL
#define DR6_BD	  (1ULL << 13)
#define DR6_BS	  (1ULL << 14)
#define DR6_FIXED 0xffff0ff0ULL /* bits 4-11 and 16-31 read 1 (RTM: 1 outside RTM) */
#define DR7_FIXED (1ULL << 10)	/* bit 10 reads 1 */
#define DR7_GD	  (1ULL << 13)

/* Segment access rights as VMX keeps them (SDM Vol. 3C §25.4.1): type in bits 0-3. */
#define SEG_AR_TYPE	0xfu
#define SEG_AR_CODE	0x9b /* present, DPL 0, code, execute/read, accessed */
#define SEG_AR_DATA	0x93 /* present, DPL 0, data, read/write, accessed */
#define SEG_AR_LDT	0x82
#define SEG_AR_TSS_BUSY 0x8b
#define SEG_AR_L	(1u << 13) /* CS: 64-bit code */
#define SEG_AR_DB	(1u << 14) /* CS: 32-bit code */
#define SEG_AR_G	(1u << 15) /* limit in 4 KiB units */
#define SEG_AR_UNUSABLE (1u << 16)
#define TSS16_BUSY	3
#define TSS64_BUSY	11

/* IDT gates (SDM Vol. 3A §6.14.1): the type and attribute byte. */
#define GATE_INTERRUPT64 0x8e /* present, DPL 0, 64-bit interrupt gate: IF cleared on entry */

/* PAE paging's PDPTEs (SDM Vol. 3A §4.4.1). */
#define PDPTE_PRESENT  1ULL
#define PDPTE_RESERVED 0x1e6ULL /* bits 1-2, 5-8; and above MAXPHYADDR */

/* CPUID feature bits (SDM Vol. 2A CPUID): leaf 1, leaf 7 subleaf 0, leaf 0xD subleaf 1, leaf
 * 0x10 subleaf 0, leaves 0x80000001, 0x80000007 and 0x80000008. */
#define CPUID1_ECX_VMX		  (1u << 5)
#define CPUID1_ECX_PDCM		  (1u << 15)
#define CPUID1_ECX_X2APIC	  (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE	  (1u << 24)
#define CPUID1_ECX_XSAVE	  (1u << 26)
#define CPUID1_ECX_OSXSAVE	  (1u << 27)
#define CPUID1_ECX_AVX		  (1u << 28)
#define CPUID1_ECX_HYPERVISOR	  (1u << 31)
#define CPUID1_EDX_MCE		  (1u << 7)
#define CPUID1_EDX_MCA		  (1u << 14)
#define CPUID1_EDX_ACPI		  (1u << 22)
#define CPUID1_EDX_FXSR		  (1u << 24)
#define CPUID1_EDX_SSE		  (1u << 25)
#define CPUID1_EDX_SSE2		  (1u << 26)
#define CPUID1_EDX_TM		  (1u << 29)
#define CPUID7_EBX_INVPCID	  (1u << 10)
#define CPUID7_EBX_RDT_A	  (1u << 15) /* resource director technology allocation */
#define CPUID7_EBX_AVX512F	  (1u << 16)
#define CPUID7_ECX_PKU		  (1u << 3)
#define CPUID7_ECX_OSPKE	  (1u << 4)
#define CPUID7_ECX_WAITPKG	  (1u << 5)
#define CPUID7_ECX_RDPID	  (1u << 22)
#define CPUID7_EDX_IBRS		  (1u << 26) /* IBRS and IBPB */
#define CPUID7_EDX_STIBP	  (1u << 27)
#define CPUID7_EDX_SSBD		  (1u << 31)
#define CPUIDD1_EAX_XSAVEOPT	  (1u << 0)
#define CPUIDD1_EAX_XGETBV1	  (1u << 2)  /* XGETBV with ECX = 1 */
#define CPUID10_EBX_L3_CAT	  (1u << 1)  /* L3 cache allocation technology */
#define CPUIDX1_EDX_PAGE1GB	  (1u << 26) /* 1 GiB pages */
#define CPUIDX1_EDX_RDTSCP	  (1u << 27)
#define CPUIDX7_EDX_INVARIANT_TSC (1u << 8)
#define CPUIDX8_MAXPHYADDR(a)	  ((a)&0xff)
#define CPUID_HV_LEAF		  0x40000000u /* first of the leaves hypervisors answer */
#define CPUID_KVM_LEAF		  0x40000100u /* where a second, KVM-compatible, signature goes */

#endif
