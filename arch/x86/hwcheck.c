/* Decoding and reporting of the hardware check. Bits: SDM Vol. 3D Appendix A (VMX capability
 * MSRs, arch/x86/vmcs_fields.h) and Vol. 2A CPUID (core/lib/x86.h). */
#include "arch/x86/hwcheck.h"
#include "arch/x86/vmcs_fields.h"
#include "core/lib/x86.h"
#include "core/lib/format.h"
#include "core/log.h"
#include "core/lib/string.h"

const struct hw_feature_desc hw_features[HW_FEATURE_COUNT] = {
    [HW_VMX] = {"vmx", true, "CPUID.1:ECX.VMX; enable VT-x, or use an emulator with VMX", -1},
    [HW_FEATURE_CONTROL] =
	{"feature-control", true,
	 "IA32_FEATURE_CONTROL locked with VMX off; enable VT-x in firmware setup", HW_VMX},
    [HW_EPT] = {"ept", true, "secondary control 'enable EPT'", HW_VMX},
    [HW_EPT_4LEVEL] = {"ept-4level", true, "4-level EPT page walk", HW_EPT},
    [HW_EPT_WB] = {"ept-wb", true, "write-back EPT memory type", HW_EPT},
    [HW_EPT_2M] = {"ept-2m", false, "2 MiB EPT pages; 4 KiB used instead", HW_EPT},
    [HW_EPT_1G] = {"ept-1g", false, "1 GiB EPT pages; smaller pages used instead", HW_EPT},
    [HW_EPT_AD] = {"ept-ad", false, "EPT accessed/dirty flags", HW_EPT},
    [HW_UNRESTRICTED] = {"unrestricted-guest", true, "needed to start guests in real mode", HW_VMX},
    [HW_VPID] = {"vpid", false, "TLB flushed on every VM transition without it", HW_VMX},
    [HW_PREEMPT_TIMER] = {"preemption-timer", false, "VMX preemption timer", HW_VMX},
    [HW_NMI_CONTROL] = {"virtual-nmis", true,
			"NMI exiting, virtual NMIs, NMI-window exiting: how a partition's CPUs are "
			"stopped",
			HW_VMX},
    [HW_BITMAPS] = {"io-msr-bitmaps", true, "I/O and MSR bitmaps: the ports and MSRs granted",
		    HW_VMX},
    [HW_WBINVD_EXIT] = {"wbinvd-exiting", true, "a partition may not flush the shared caches",
			HW_VMX},
    [HW_STATE_SWITCH] = {"state-switch", true,
			 "EFER, PAT and debug controls switched on entry/exit", HW_VMX},
    [HW_INVEPT] = {"invept", true, "INVEPT single- or all-context", HW_EPT},
    [HW_WAIT_SIPI] = {"wait-for-sipi", true,
		      "activity state wait-for-SIPI: where a partition's other CPUs wait", HW_VMX},
    [HW_CR3_NO_EXIT] = {"cr3-no-exit", true, "CR3 loads and stores without exits", HW_VMX},
    [HW_X2APIC] = {"x2apic", true, "x2APIC mode: partitions' IPIs go through the x2APIC ICR", -1},
    [HW_TSC_DEADLINE] = {"tsc-deadline", false, "APIC timer TSC-deadline mode", -1},
    [HW_INVARIANT_TSC] = {"invariant-tsc", false, "TSC rate constant across P/C-states", -1},
    [HW_CAT] = {"cat", false, "Intel CAT (L3 cache allocation)", -1},
};

/* Allowed-1 settings are the high 32 bits of a VMX control capability MSR: may the control
 * bit `control` be 1? */
static bool allowed1(u64 msr, u32 control)
{
	return (msr >> 32) & control;
}

static bool has_secondary(const struct hw_caps *c, u32 control)
{
	return allowed1(c->vmx_procbased, PROC_SECONDARY) && allowed1(c->vmx_procbased2, control);
}

/* Every bit of `want` may be 1 in the control whose capability MSR is `msr`. */
static bool allows(u64 msr, u32 want)
{
	return ((u32)(msr >> 32) & want) == want;
}

static bool has_ept_cap(const struct hw_caps *c, u64 cap)
{
	return has_secondary(c, PROC2_EPT) && (c->vmx_ept_vpid & cap);
}

bool hw_has(const struct hw_caps *c, enum hw_feature f)
{
	bool vmx = c->cpuid1_ecx & CPUID1_ECX_VMX;

	switch (f) {
	case HW_VMX:
		return vmx;
	case HW_FEATURE_CONTROL:
		return vmx && (c->fc_state == FC_LOCKED_ON || c->fc_state == FC_SET_BY_US);
	case HW_EPT:
		return vmx && has_secondary(c, PROC2_EPT);
	case HW_EPT_4LEVEL:
		return vmx && has_ept_cap(c, VMX_EPT_4LEVEL);
	case HW_EPT_WB:
		return vmx && has_ept_cap(c, VMX_EPT_WB);
	case HW_EPT_2M:
		return vmx && has_ept_cap(c, VMX_EPT_2M);
	case HW_EPT_1G:
		return vmx && has_ept_cap(c, VMX_EPT_1G);
	case HW_EPT_AD:
		return vmx && has_ept_cap(c, VMX_EPT_AD);
	case HW_UNRESTRICTED:
		return vmx && has_secondary(c, PROC2_UNRESTRICTED);
	case HW_VPID:
		return vmx && has_secondary(c, PROC2_VPID);
	case HW_PREEMPT_TIMER:
		return vmx && allowed1(c->vmx_pinbased, PIN_PREEMPT_TIMER);
	case HW_NMI_CONTROL:
		return vmx && allows(c->vmx_pinbased, VMX_PIN_REQUIRED) &&
		       allows(c->vmx_procbased, PROC_NMI_WINDOW);
	case HW_BITMAPS:
		return vmx && allows(c->vmx_procbased, VMX_PROC_REQUIRED);
	case HW_WBINVD_EXIT:
		return vmx && has_secondary(c, PROC2_WBINVD_EXIT);
	case HW_STATE_SWITCH:
		return vmx && allows(c->vmx_exit, VMX_EXIT_REQUIRED) &&
		       allows(c->vmx_entry, VMX_ENTRY_REQUIRED);
	case HW_INVEPT:
		return vmx && has_ept_cap(c, VMX_EPT_INVEPT) &&
		       (has_ept_cap(c, VMX_EPT_INVEPT_SINGLE) ||
			has_ept_cap(c, VMX_EPT_INVEPT_ALL));
	case HW_WAIT_SIPI:
		return vmx && (c->vmx_misc & VMX_MISC_WAIT_SIPI);
	case HW_CR3_NO_EXIT: /* allowed-0 settings, the low half: CR3-load and -store exiting */
		return vmx && !((u32)c->vmx_procbased & (PROC_CR3_LOAD_EXIT | PROC_CR3_STORE_EXIT));
	case HW_X2APIC:
		return c->cpuid1_ecx & CPUID1_ECX_X2APIC;
	case HW_TSC_DEADLINE:
		return c->cpuid1_ecx & CPUID1_ECX_TSC_DEADLINE;
	case HW_INVARIANT_TSC:
		return c->ext_80000007_edx & CPUIDX7_EDX_INVARIANT_TSC;
	case HW_CAT:
		return (c->cpuid7_ebx & CPUID7_EBX_RDT_A) && (c->cpuid10_ebx & CPUID10_EBX_L3_CAT);
	default:
		return false;
	}
}

static const char *fc_text(u8 state)
{
	switch (state) {
	case FC_LOCKED_ON:
		return "locked by firmware, vmx on";
	case FC_SET_BY_US:
		return "was unlocked; vmx enabled and locked by bulkhead";
	case FC_LOCKED_OFF:
		return "locked by firmware, vmx off";
	default:
		return "not read";
	}
}

/* "yes" on all CPUs, "no" on all, or "mixed". */
static const char *state_text(const struct hw_caps *caps, u32 n, enum hw_feature f)
{
	u32 yes = 0;

	for (u32 i = 0; i < n; i++)
		yes += hw_has(&caps[i], f);
	return yes == n ? "yes" : yes == 0 ? "no" : "mixed";
}

/* The raw values, for a report from a machine that lacks something. */
static void report_raw(const struct hw_caps *c)
{
	log_info("hwcheck: vmx basic 0x%016llx ept/vpid 0x%016llx misc 0x%08llx "
		 "(preemption timer rate tsc >> %llu)\n",
		 (unsigned long long)c->vmx_basic, (unsigned long long)c->vmx_ept_vpid,
		 (unsigned long long)c->vmx_misc, (unsigned long long)(c->vmx_misc & 0x1f));
	log_info("hwcheck: vmx pin 0x%016llx proc 0x%016llx proc2 0x%016llx exit 0x%016llx "
		 "entry 0x%016llx\n",
		 (unsigned long long)c->vmx_pinbased, (unsigned long long)c->vmx_procbased,
		 (unsigned long long)c->vmx_procbased2, (unsigned long long)c->vmx_exit,
		 (unsigned long long)c->vmx_entry);
}

static void report_differences(const struct hw_caps *caps, const u32 *apic_ids, u32 n)
{
	for (u32 i = 1; i < n; i++) {
		for (u32 f = 0; f < HW_FEATURE_COUNT; f++) {
			bool mine = hw_has(&caps[i], f), boot = hw_has(&caps[0], f);

			if (mine != boot)
				log_warn("hwcheck: cpu %u (apic id %u) differs from cpu 0: %s %s\n",
					 i, apic_ids[i], hw_features[f].name, mine ? "yes" : "no");
		}
	}
}

/* Appends ", name (hint)" for a missing required feature; notes the CPUs if not all. */
static void append_missing(char *why, size_t size, enum hw_feature f, const struct hw_caps *caps,
			   u32 n)
{
	size_t len = strlen(why);
	u32 missing_on = 0;

	for (u32 i = 0; i < n; i++)
		missing_on += !hw_has(&caps[i], f);
	format(why + len, size - len, "%s%s (%s)%s", len ? ", " : "missing ", hw_features[f].name,
	       hw_features[f].hint, missing_on == n ? "" : " on some cpus");
}

bool hwcheck_report(const struct hw_caps *caps, const u32 *apic_ids, u32 n, char *why,
		    size_t why_size)
{
	bool ok = true;

	why[0] = '\0';
	log_info("hwcheck: %-20s %-6s %s\n", "feature", "state", "need");
	for (u32 f = 0; f < HW_FEATURE_COUNT; f++) {
		const char *state = state_text(caps, n, f);

		if (f == HW_FEATURE_CONTROL && caps[0].fc_state != FC_NOT_READ)
			log_info("hwcheck: %-20s %-6s %-9s (%s)\n", hw_features[f].name, state,
				 hw_features[f].required ? "required" : "optional",
				 fc_text(caps[0].fc_state));
		else
			log_info("hwcheck: %-20s %-6s %s\n", hw_features[f].name, state,
				 hw_features[f].required ? "required" : "optional");
	}
	if (caps[0].cpuid1_ecx & CPUID1_ECX_VMX)
		report_raw(&caps[0]);
	report_differences(caps, apic_ids, n);
	for (u32 f = 0; f < HW_FEATURE_COUNT; f++) {
		if (!hw_features[f].required || !strcmp(state_text(caps, n, f), "yes"))
			continue;
		/* Without VMX every VMX feature is "missing" too: name the root cause only. */
		if (hw_features[f].parent >= 0 &&
		    !strcmp(state_text(caps, n, (enum hw_feature)hw_features[f].parent), "no"))
			continue;
		append_missing(why, why_size, f, caps, n);
		ok = false;
	}
	return ok;
}
