/*
 * Hardware check: which VMX features Bulkhead needs, decoded from raw CPUID and
 * IA32_VMX_* values. Pure logic (host unit-tested); caps.c reads the raw values.
 */
#ifndef BULKHEAD_ARCH_X86_HWCHECK_H
#define BULKHEAD_ARCH_X86_HWCHECK_H

#include "bulkhead/types.h"

/* What happened to IA32_FEATURE_CONTROL on this CPU (SDM Vol. 3C §24.7). */
enum fc_state {
	FC_NOT_READ = 0, /* no VMX: the MSR was not read */
	FC_LOCKED_ON,	 /* firmware locked it with VMX outside SMX enabled */
	FC_SET_BY_US,	 /* it was unlocked: Bulkhead enabled VMX and locked it */
	FC_LOCKED_OFF,	 /* locked with VMX outside SMX disabled: VMX cannot be used */
};

/* Raw values read on one CPU. Zero where a value could not be read. */
struct hw_caps {
	u32 cpuid1_ecx, cpuid1_edx;
	u32 cpuid7_ebx;
	u32 cpuid10_ebx;      /* RDT allocation enumeration (leaf 0x10, subleaf 0) */
	u32 ext_80000007_edx; /* invariant TSC in bit 8 */
	u8 fc_state;	      /* enum fc_state */
	u64 feature_control;
	/* The control capabilities are the TRUE MSRs where IA32_VMX_BASIC bit 55 says so. */
	u64 vmx_basic, vmx_pinbased, vmx_procbased, vmx_procbased2, vmx_ept_vpid, vmx_misc;
	u64 vmx_exit, vmx_entry;
};

enum hw_feature {
	HW_VMX,
	HW_FEATURE_CONTROL,
	HW_EPT,
	HW_EPT_4LEVEL,
	HW_EPT_WB,
	HW_EPT_2M,
	HW_EPT_1G,
	HW_EPT_AD,
	HW_UNRESTRICTED,
	HW_VPID,
	HW_PREEMPT_TIMER,
	HW_NMI_CONTROL,
	HW_BITMAPS,
	HW_WBINVD_EXIT,
	HW_STATE_SWITCH,
	HW_INVEPT,
	HW_WAIT_SIPI,
	HW_CR3_NO_EXIT,
	HW_X2APIC,
	HW_TSC_DEADLINE,
	HW_INVARIANT_TSC,
	HW_CAT,
	HW_FEATURE_COUNT,
};

struct hw_feature_desc {
	const char *name; /* as printed, and as grepped by tests */
	bool required;	  /* Bulkhead refuses to go on without it */
	const char *hint; /* what a user can do about it, or why it matters */
	int parent;	  /* feature this one needs (reported as the root cause), or -1 */
};

extern const struct hw_feature_desc hw_features[HW_FEATURE_COUNT];

bool hw_has(const struct hw_caps *c, enum hw_feature f);

/* Read the calling CPU's capabilities (caps.c), turning VMX on in IA32_FEATURE_CONTROL if
 * firmware left it unlocked. */
void caps_read(struct hw_caps *c);

/* Print the hardware table for `n` CPUs (caps[i] read on the CPU whose APIC ID is
 * apic_ids[i]). Returns true when every required feature is present on every CPU;
 * otherwise writes one line "missing <feature>[ (<hint>)], ..." into `why`. */
bool hwcheck_report(const struct hw_caps *caps, const u32 *apic_ids, u32 n, char *why,
		    size_t why_size);

#endif
