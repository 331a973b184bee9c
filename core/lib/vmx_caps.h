/* The bits of VMX's execution, exit and entry controls and of its capability MSRs (SDM Vol. 3C
 * ch. 25, Vol. 3D Appendix A; the MSRs' numbers are in core/lib/msr.h), with the controls
 * Bulkhead cannot do without: what the hypervisor programs (arch/x86/vmcs.c) and what the
 * hardware check decodes, in the hypervisor and in tools/hwcheck alike (core/lib/hwcheck.c). */
#ifndef BULKHEAD_LIB_VMX_CAPS_H
#define BULKHEAD_LIB_VMX_CAPS_H

#include "bulkhead/types.h"
#include "core/lib/msr.h"

/* VM-execution, exit and entry controls (SDM Vol. 3C §25.6-25.8). */
#define PIN_NMI_EXITING	     (1u << 3)
#define PIN_VIRTUAL_NMIS     (1u << 5)
#define PIN_PREEMPT_TIMER    (1u << 6)
#define PROC_CR3_LOAD_EXIT   (1u << 15)
#define PROC_CR3_STORE_EXIT  (1u << 16)
#define PROC_NMI_WINDOW	     (1u << 22)
#define PROC_USE_IO_BITMAPS  (1u << 25)
#define PROC_USE_MSR_BITMAPS (1u << 28)
#define PROC_SECONDARY	     (1u << 31)
#define PROC2_EPT	     (1u << 1)
#define PROC2_RDTSCP	     (1u << 3)
#define PROC2_VPID	     (1u << 5)
#define PROC2_WBINVD_EXIT    (1u << 6)
#define PROC2_UNRESTRICTED   (1u << 7)
#define PROC2_INVPCID	     (1u << 12)
#define EXIT_SAVE_DEBUG	     (1u << 2)
#define EXIT_HOST_64	     (1u << 9)
#define EXIT_ACK_INTR	     (1u << 15)
#define EXIT_SAVE_PAT	     (1u << 18)
#define EXIT_LOAD_PAT	     (1u << 19)
#define EXIT_SAVE_EFER	     (1u << 20)
#define EXIT_LOAD_EFER	     (1u << 21)
#define ENTRY_LOAD_DEBUG     (1u << 2)
#define ENTRY_IA32E	     (1u << 9)
#define ENTRY_LOAD_PAT	     (1u << 14)
#define ENTRY_LOAD_EFER	     (1u << 15)

/* The controls Bulkhead cannot isolate a partition without (vmcs.c sets them, the hardware
 * check refuses a CPU that cannot: "vmx unavailable: missing <control>"). Optional ones
 * (VPID, RDTSCP, INVPCID, acknowledge interrupt on exit) are set where offered. */
#define VMX_PIN_REQUIRED   (PIN_NMI_EXITING | PIN_VIRTUAL_NMIS)
#define VMX_PROC_REQUIRED  (PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_SECONDARY)
#define VMX_PROC2_REQUIRED (PROC2_EPT | PROC2_UNRESTRICTED | PROC2_WBINVD_EXIT)
#define VMX_EXIT_REQUIRED                                                                          \
	(EXIT_SAVE_DEBUG | EXIT_HOST_64 | EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER |         \
	 EXIT_LOAD_EFER)
#define VMX_ENTRY_REQUIRED (ENTRY_LOAD_DEBUG | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER)

/* VMX capability MSRs (SDM Vol. 3D Appendix A): IA32_VMX_BASIC (A.1), IA32_VMX_MISC (A.6),
 * IA32_VMX_EPT_VPID_CAP (A.10). A control's capability MSR has the allowed-0 settings in its
 * low half, the allowed-1 settings in its high half (A.3). */
#define VMX_BASIC_REVISION	0x7fffffffu  /* the VMCS revision identifier */
#define VMX_BASIC_TRUE_CTLS	(1ULL << 55) /* the IA32_VMX_TRUE_* control MSRs exist */
#define VMX_MISC_WAIT_SIPI	(1ULL << 8)  /* activity state wait-for-SIPI */
#define VMX_EPT_4LEVEL		(1ULL << 6)  /* page walk length 4 */
#define VMX_EPT_WB		(1ULL << 14) /* write-back paging structures */
#define VMX_EPT_2M		(1ULL << 16) /* 2 MiB pages */
#define VMX_EPT_1G		(1ULL << 17) /* 1 GiB pages */
#define VMX_EPT_INVEPT		(1ULL << 20)
#define VMX_EPT_AD		(1ULL << 21) /* accessed and dirty flags */
#define VMX_EPT_INVEPT_SINGLE	(1ULL << 25) /* single-context INVEPT */
#define VMX_EPT_INVEPT_ALL	(1ULL << 26) /* all-context INVEPT */
#define VMX_VPID_INVVPID_SINGLE (1ULL << 41) /* single-context INVVPID */

enum vmx_control { VMX_PIN, VMX_PROC, VMX_EXIT, VMX_ENTRY };

/* The capability MSR of a control field: the TRUE one only where IA32_VMX_BASIC bit 55 says
 * the CPU has it; reading an absent MSR raises #GP (SDM Vol. 3D A.2, A.3). */
static inline u32 vmx_control_msr(u64 vmx_basic, enum vmx_control c)
{
	static const u32 plain[] = {MSR_IA32_VMX_PINBASED, MSR_IA32_VMX_PROCBASED,
				    MSR_IA32_VMX_EXIT, MSR_IA32_VMX_ENTRY};
	static const u32 true_msr[] = {MSR_IA32_VMX_TRUE_PIN, MSR_IA32_VMX_TRUE_PROC,
				       MSR_IA32_VMX_TRUE_EXIT, MSR_IA32_VMX_TRUE_ENTRY};

	return (vmx_basic & VMX_BASIC_TRUE_CTLS) ? true_msr[c] : plain[c];
}

#endif
