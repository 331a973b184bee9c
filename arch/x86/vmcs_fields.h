/* VMX's constants (internal to arch/x86): VMCS field encodings used by Bulkhead (SDM Vol. 3D
 * Appendix B), the bits of the event fields it sets or reads (SDM Vol. 3C ch. 25) and the exit
 * reasons (Vol. 3D Appendix C). The bits of the controls and of the VMX capability MSRs are in
 * core/lib/vmx_caps.h, which tools/hwcheck shares (the MSRs' numbers are in core/lib/msr.h). */
#ifndef BULKHEAD_ARCH_X86_VMCS_FIELDS_H
#define BULKHEAD_ARCH_X86_VMCS_FIELDS_H

#include "core/lib/vmx_caps.h"

enum vmcs_field {
	VPID = 0x0000,
	GUEST_ES_SEL = 0x0800,
	GUEST_CS_SEL = 0x0802,
	GUEST_SS_SEL = 0x0804,
	GUEST_DS_SEL = 0x0806,
	GUEST_FS_SEL = 0x0808,
	GUEST_GS_SEL = 0x080a,
	GUEST_LDTR_SEL = 0x080c,
	GUEST_TR_SEL = 0x080e,
	HOST_ES_SEL = 0x0c00,
	HOST_CS_SEL = 0x0c02,
	HOST_SS_SEL = 0x0c04,
	HOST_DS_SEL = 0x0c06,
	HOST_FS_SEL = 0x0c08,
	HOST_GS_SEL = 0x0c0a,
	HOST_TR_SEL = 0x0c0c,
	IO_BITMAP_A = 0x2000,
	IO_BITMAP_B = 0x2002,
	MSR_BITMAP = 0x2004,
	EPT_POINTER = 0x201a,
	GUEST_PHYS_ADDR = 0x2400,
	VMCS_LINK_PTR = 0x2800,
	GUEST_IA32_DEBUGCTL = 0x2802,
	GUEST_IA32_PAT = 0x2804,
	GUEST_IA32_EFER = 0x2806,
	GUEST_PDPTE0 = 0x280a, /* to 0x2810: PDPTE0-3, 2 apart */
	HOST_IA32_PAT = 0x2c00,
	HOST_IA32_EFER = 0x2c02,
	PIN_CONTROLS = 0x4000,
	PROC_CONTROLS = 0x4002,
	EXCEPTION_BITMAP = 0x4004,
	CR3_TARGET_COUNT = 0x400a,
	EXIT_CONTROLS = 0x400c,
	EXIT_MSR_STORE_COUNT = 0x400e,
	EXIT_MSR_LOAD_COUNT = 0x4010,
	ENTRY_CONTROLS = 0x4012,
	ENTRY_MSR_LOAD_COUNT = 0x4014,
	ENTRY_INTR_INFO = 0x4016,
	ENTRY_EXCEPTION_ERROR = 0x4018,
	ENTRY_INSTRUCTION_LEN = 0x401a,
	PROC_CONTROLS2 = 0x401e,
	VM_INSTRUCTION_ERROR = 0x4400,
	EXIT_REASON = 0x4402,
	EXIT_INTR_INFO = 0x4404,
	EXIT_INTR_ERROR = 0x4406,
	IDT_VECTORING_INFO = 0x4408,
	IDT_VECTORING_ERROR = 0x440a,
	EXIT_INSTRUCTION_LEN = 0x440c,
	GUEST_ES_LIMIT = 0x4800,
	GUEST_GDTR_LIMIT = 0x4810,
	GUEST_IDTR_LIMIT = 0x4812,
	GUEST_ES_AR = 0x4814,
	GUEST_INTERRUPTIBILITY = 0x4824,
	GUEST_ACTIVITY = 0x4826,
	GUEST_SYSENTER_CS = 0x482a,
	HOST_SYSENTER_CS = 0x4c00,
	CR0_MASK = 0x6000,
	CR4_MASK = 0x6002,
	CR0_SHADOW = 0x6004,
	CR4_SHADOW = 0x6006,
	EXIT_QUALIFICATION = 0x6400,
	GUEST_CR0 = 0x6800,
	GUEST_CR3 = 0x6802,
	GUEST_CR4 = 0x6804,
	GUEST_ES_BASE = 0x6806,
	GUEST_GDTR_BASE = 0x6816,
	GUEST_IDTR_BASE = 0x6818,
	GUEST_DR7 = 0x681a,
	GUEST_RSP = 0x681c,
	GUEST_RIP = 0x681e,
	GUEST_RFLAGS = 0x6820,
	GUEST_PENDING_DBG = 0x6822,
	GUEST_SYSENTER_ESP = 0x6824,
	GUEST_SYSENTER_EIP = 0x6826,
	HOST_CR0 = 0x6c00,
	HOST_CR3 = 0x6c02,
	HOST_CR4 = 0x6c04,
	HOST_FS_BASE = 0x6c06,
	HOST_GS_BASE = 0x6c08,
	HOST_TR_BASE = 0x6c0a,
	HOST_GDTR_BASE = 0x6c0c,
	HOST_IDTR_BASE = 0x6c0e,
	HOST_SYSENTER_ESP = 0x6c10,
	HOST_SYSENTER_EIP = 0x6c12,
	HOST_RSP = 0x6c14,
	HOST_RIP = 0x6c16,
};

/* Interruption-information fields: VM-entry, VM-exit, IDT-vectoring (SDM §25.8.3, §25.9.2). */
#define INTR_VECTOR(info)	   ((info)&0xffu)
#define INTR_TYPE(info)		   (((info) >> 8) & 7)
#define INTR_TYPE_EXT_INTR	   0
#define INTR_TYPE_NMI		   2
#define INTR_TYPE_HW_EXCEPTION	   3
#define INTR_TYPE_SOFT_INTR	   4
#define INTR_TYPE_PRIV_SOFT_EXC	   5
#define INTR_TYPE_SOFT_EXC	   6
#define INTR_DELIVER_ERROR	   (1u << 11)
#define INTR_NMI_UNBLOCKED_BY_IRET (1u << 12) /* exit info only */
#define INTR_VALID		   (1u << 31)

/* Guest interruptibility state (SDM §25.4.2). */
#define INTR_BLOCK_STI	 (1u << 0)
#define INTR_BLOCK_MOVSS (1u << 1)
#define INTR_BLOCK_SMI	 (1u << 2)
#define INTR_BLOCK_NMI	 (1u << 3) /* with virtual NMIs: virtual-NMI blocking */

/* Guest pending debug exceptions (SDM §25.4.2): BS, a single-step trap. */
#define PENDING_DBG_BS (1ULL << 14)

/* Guest activity states (SDM §25.4.2). */
#define GUEST_ACTIVE	    0
#define GUEST_WAIT_FOR_SIPI 3

/* Segment registers are laid out ES, CS, SS, DS, FS, GS, LDTR, TR, 2 apart in each group. */
#define SEG_ES	 0
#define SEG_CS	 1
#define SEG_SS	 2
#define SEG_DS	 3
#define SEG_FS	 4
#define SEG_GS	 5
#define SEG_LDTR 6
#define SEG_TR	 7

/* The basic exit reason: bits 15:0 of the exit reason field (SDM Vol. 3C §28.2.1). */
#define EXIT_REASON_BASIC 0xffffu

/* Basic exit reasons (SDM Vol. 3D Appendix C): those Bulkhead handles or names. */
enum exit_reason {
	EXIT_EXCEPTION = 0,
	EXIT_EXTERNAL_INTR = 1,
	EXIT_TRIPLE_FAULT = 2,
	EXIT_INIT = 3,
	EXIT_SIPI = 4,
	EXIT_NMI_WINDOW = 8,
	EXIT_CPUID = 10,
	EXIT_HLT = 12,
	EXIT_INVD = 13,
	EXIT_VMCALL = 18,
	EXIT_VMCLEAR = 19,
	EXIT_VMLAUNCH = 20,
	EXIT_VMPTRLD = 21,
	EXIT_VMPTRST = 22,
	EXIT_VMREAD = 23,
	EXIT_VMRESUME = 24,
	EXIT_VMWRITE = 25,
	EXIT_VMXOFF = 26,
	EXIT_VMXON = 27,
	EXIT_CR_ACCESS = 28,
	EXIT_IO = 30,
	EXIT_RDMSR = 31,
	EXIT_WRMSR = 32,
	EXIT_BAD_GUEST_STATE = 33,
	EXIT_EPT_VIOLATION = 48,
	EXIT_EPT_MISCONFIG = 49,
	EXIT_INVEPT = 50,
	EXIT_INVVPID = 53,
	EXIT_WBINVD = 54,
	EXIT_XSETBV = 55,
	EXIT_INVPCID = 58,
	EXIT_VMFUNC = 59,
	VMX_EXIT_REASONS = 70, /* counted per reason below this (struct vcpu) */
};

#endif
