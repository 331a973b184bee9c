/* Architectural constants of x86-64 (Intel SDM), each defined once, for the hypervisor and the
 * payload SDK alike: exception vectors, control, flag and debug register bits, segment
 * attributes, CPUID feature bits. */
#ifndef BULKHEAD_LIB_X86_H
#define BULKHEAD_LIB_X86_H

/* Exception and interrupt vectors (SDM Vol. 3A §6.3.1). */
#define VEC_DB	1
#define VEC_NMI 2
#define VEC_UD	6
#define VEC_GP	13
#define VEC_AC	17

/* CR0 and CR4 (SDM Vol. 3A §2.5). */
#define CR0_PE	  (1ULL << 0)
#define CR0_NE	  (1ULL << 5)
#define CR0_WP	  (1ULL << 16)
#define CR0_PG	  (1ULL << 31)
#define CR4_PAE	  (1ULL << 5)
#define CR4_LA57  (1ULL << 12)
#define CR4_PCIDE (1ULL << 17)
#define CR4_PKE	  (1ULL << 22)
#define CR4_CET	  (1ULL << 23)

/* IA32_EFER (SDM Vol. 3A §2.2.1). */
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

/* RFLAGS (SDM Vol. 1 §3.4.3). */
#define RFLAGS_TF (1ULL << 8)
#define RFLAGS_RF (1ULL << 16)

/* DR6 and DR7 (SDM Vol. 3B §18.2). */
#define DR6_B0_B3 0xfULL
#define DR6_BD	  (1ULL << 13)
#define DR6_BS	  (1ULL << 14)
#define DR6_FIXED 0xffff0ff0ULL /* bits 4-11 and 16-31 read 1 (RTM: 1 outside RTM) */
#define DR7_GD	  (1ULL << 13)

/* Segment access rights as VMX keeps them (SDM Vol. 3C §25.4.1): type in bits 0-3. */
#define SEG_AR_TYPE	0xfu
#define SEG_AR_CODE16	0x9b
#define SEG_AR_DATA16	0x93
#define SEG_AR_LDT	0x82
#define SEG_AR_TSS_BUSY 0x8b
#define SEG_AR_L	(1u << 13) /* CS: 64-bit code */
#define SEG_AR_DB	(1u << 14) /* CS: 32-bit code */
#define TSS16_BUSY	3
#define TSS64_BUSY	11

/* PAE paging's PDPTEs (SDM Vol. 3A §4.4.1). */
#define PDPTE_PRESENT  1ULL
#define PDPTE_RESERVED 0x1e6ULL /* bits 1-2, 5-8; and above MAXPHYADDR */

/* CPUID feature bits (SDM Vol. 2A CPUID): leaf 1, leaf 7 subleaf 0, leaf 0x80000001. */
#define CPUID1_ECX_VMX	      (1u << 5)
#define CPUID1_ECX_PDCM	      (1u << 15)
#define CPUID1_ECX_OSXSAVE    (1u << 27)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID1_EDX_MCE	      (1u << 7)
#define CPUID1_EDX_MCA	      (1u << 14)
#define CPUID1_EDX_ACPI	      (1u << 22)
#define CPUID1_EDX_TM	      (1u << 29)
#define CPUID7_EBX_INVPCID    (1u << 10)
#define CPUID7_ECX_PKU	      (1u << 3)
#define CPUID7_ECX_OSPKE      (1u << 4)
#define CPUID7_ECX_WAITPKG    (1u << 5)
#define CPUID7_ECX_RDPID      (1u << 22)
#define CPUIDX1_EDX_RDTSCP    (1u << 27)
#define CPUIDX8_MAXPHYADDR(a) ((a)&0xff)
#define CPUID_HV_LEAF	      0x40000000u /* first of the leaves hypervisors answer */

#endif
