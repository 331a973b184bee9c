/*
 * The hardware check: which VMX features Bulkhead needs, read from raw CPUID and IA32_VMX_*
 * values and reported in the lines of the boot report. Pure logic, shared by the hypervisor
 * (arch/x86/caps.c reads the values at boot, arch/x86/hwcheck.c prints to its log) and by
 * tools/hwcheck, which reads the same values under Linux before a reboot: one definition of
 * what is read, how it is decoded and what is said about it.
 */
#ifndef BULKHEAD_LIB_HWCHECK_H
#define BULKHEAD_LIB_HWCHECK_H

#include "bulkhead/types.h"

/* What happened to IA32_FEATURE_CONTROL on this CPU (SDM Vol. 3C §24.7). */
enum fc_state {
	FC_NOT_READ = 0, /* no VMX: the MSR was not read */
	FC_LOCKED_ON,	 /* firmware locked it with VMX outside SMX enabled */
	FC_SET_BY_US,	 /* it was unlocked: Bulkhead enabled VMX and locked it */
	FC_LOCKED_OFF,	 /* locked with VMX outside SMX disabled: VMX cannot be used */
	FC_UNLOCKED,	 /* read unlocked by tools/hwcheck: Bulkhead will enable VMX and lock it */
};

/* Raw values read on one CPU. Zero where a value could not be read. */
struct hw_caps {
	u32 cpuid1_ecx, cpuid1_edx;
	u32 cpuid7_ebx;
	u32 cpuid10_ebx;      /* RDT allocation enumeration (leaf 0x10, subleaf 0) */
	u32 ext_80000007_edx; /* invariant TSC in bit 8 */
	u8 fc_state;	      /* enum fc_state */
	u8 msrs_unread;	      /* tools/hwcheck could not read the MSRs: VMX features unknown */
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
	const char *hint; /* what it is or why it matters: the boot report's "(...)" */
	int parent;	  /* feature this one needs (reported as the root cause), or -1 */
	bool from_msrs;	  /* decided by the VMX capability MSRs, not by CPUID alone */
	const char *fix;  /* what a user can do about it missing (tools/hwcheck says it) */
};

extern const struct hw_feature_desc hw_features[HW_FEATURE_COUNT];

bool hw_has(const struct hw_caps *c, enum hw_feature f);

/* Where the raw values come from: the instructions at boot, /dev/cpu and recordings in
 * tools/hwcheck. Each returns false when the value could not be read. */
struct hw_reader {
	bool (*cpuid)(void *ctx, u32 leaf, u32 subleaf, u32 regs[4]); /* eax, ebx, ecx, edx */
	bool (*rdmsr)(void *ctx, u32 msr, u64 *value);
	void *ctx;
};

/* The CPUID leaves of the check, each only where the maximum leaf says it exists. */
bool hw_read_cpuid(struct hw_caps *c, const struct hw_reader *r);
/* The VMX capability MSRs, each only when the one before says it exists: reading an absent
 * MSR raises #GP (SDM Vol. 3D A.3.3, A.10). Stops at the first that cannot be read and
 * returns false with *failed set to it. */
bool hw_read_vmx_msrs(struct hw_caps *c, const struct hw_reader *r, u32 *failed);
/* The state of IA32_FEATURE_CONTROL as read, without writing it. */
u8 hw_fc_state(u64 feature_control);

/* The report goes out one line at a time ("hwcheck: ...\n"); `warning` marks the lines the
 * hypervisor logs as warnings (CPUs that differ). */
#define HW_LINE_MAX 256
struct hw_printer {
	void (*line)(void *ctx, bool warning, const char *text);
	void *ctx;
};

enum hw_verdict {
	HW_RUNS,	 /* every required feature present on every CPU */
	HW_WILL_NOT_RUN, /* one is missing: named in `why` */
	HW_CANNOT_TELL,	 /* none is known missing, but some are unknown (msrs_unread) */
};

/* Print the hardware table for `n` CPUs (caps[i] read on the CPU whose APIC ID is
 * apic_ids[i]) and judge it. Unless every required feature is present, writes into `why`
 * "missing <feature> (<hint>)[, ...]" (only the root causes), and marks those features in
 * missing[] (HW_FEATURE_COUNT entries; NULL if not wanted). */
enum hw_verdict hw_report(const struct hw_caps *caps, const u32 *apic_ids, u32 n,
			  const struct hw_printer *out, char *why, size_t why_size, bool *missing);

/* The verdict lines of the boot report (core/main.c), and tools/hwcheck's. */
#define HW_VERDICT_OK	       "bulkhead: vmx ok"
#define HW_VERDICT_UNAVAILABLE "bulkhead: vmx unavailable: "

#endif
