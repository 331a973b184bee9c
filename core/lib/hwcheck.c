/* Reading, decoding and reporting of the hardware check (core/lib/hwcheck.h). Bits: SDM Vol. 3D
 * Appendix A (VMX capability MSRs, core/lib/vmx_caps.h) and Vol. 2A CPUID (core/lib/x86.h). */
#include "core/lib/hwcheck.h"
#include "core/lib/format.h"
#include "core/lib/msr.h"
#include "core/lib/string.h"
#include "core/lib/vmx_caps.h"
#include "core/lib/x86.h"

/* What tools/hwcheck says about a required feature that is missing. */
#define FIX_VMX_CONTROL                                                                            \
	"every Intel CPU with VT-x has it from Westmere (2010) on: this CPU is older, or Linux "   \
	"runs under a hypervisor that does not offer it; nothing to set in the firmware"

const struct hw_feature_desc hw_features[HW_FEATURE_COUNT] = {
    [HW_VMX] = {"vmx", true, "CPUID.1:ECX.VMX; enable VT-x, or use an emulator with VMX", -1, false,
		"the CPU offers no VT-x: Bulkhead needs an Intel CPU with VT-x (not AMD's SVM); "
		"under a hypervisor, it must offer nested VT-x (KVM: kvm_intel nested=1)"},
    [HW_FEATURE_CONTROL] =
	{"feature-control", true,
	 "IA32_FEATURE_CONTROL locked with VMX off; enable VT-x in firmware setup", HW_VMX, true,
	 "VT-x is disabled in the firmware: enable it in the firmware setup (\"Intel "
	 "Virtualization Technology\", \"VT-x\" or \"VMX\"), then power the machine off and on"},
    [HW_EPT] =
	{"ept", true, "secondary control 'enable EPT'", HW_VMX, true,
	 "Intel CPUs have EPT from Nehalem (2008) on: this CPU is older, or Linux runs under "
	 "a hypervisor that does not offer nested EPT (KVM: kvm_intel ept=1)"},
    [HW_EPT_4LEVEL] = {"ept-4level", true, "4-level EPT page walk", HW_EPT, true, FIX_VMX_CONTROL},
    [HW_EPT_WB] = {"ept-wb", true, "write-back EPT memory type", HW_EPT, true, FIX_VMX_CONTROL},
    [HW_EPT_2M] = {"ept-2m", false, "2 MiB EPT pages; 4 KiB used instead", HW_EPT, true, NULL},
    [HW_EPT_1G] = {"ept-1g", false, "1 GiB EPT pages; smaller pages used instead", HW_EPT, true,
		   NULL},
    [HW_EPT_AD] = {"ept-ad", false, "EPT accessed/dirty flags", HW_EPT, true, NULL},
    [HW_UNRESTRICTED] = {"unrestricted-guest", true, "needed to start guests in real mode", HW_VMX,
			 true,
			 "Intel CPUs have it from Westmere (2010) on: this CPU is older, or Linux "
			 "runs under a hypervisor that does not offer it (KVM: kvm_intel "
			 "unrestricted_guest=1)"},
    [HW_VPID] = {"vpid", false, "TLB flushed on every VM transition without it", HW_VMX, true,
		 NULL},
    [HW_PREEMPT_TIMER] = {"preemption-timer", false, "VMX preemption timer", HW_VMX, true, NULL},
    [HW_NMI_CONTROL] = {"virtual-nmis", true,
			"NMI exiting, virtual NMIs, NMI-window exiting: how a partition's CPUs are "
			"stopped",
			HW_VMX, true, FIX_VMX_CONTROL},
    [HW_BITMAPS] = {"io-msr-bitmaps", true, "I/O and MSR bitmaps: the ports and MSRs granted",
		    HW_VMX, true, FIX_VMX_CONTROL},
    [HW_WBINVD_EXIT] = {"wbinvd-exiting", true, "a partition may not flush the shared caches",
			HW_VMX, true, FIX_VMX_CONTROL},
    [HW_STATE_SWITCH] = {"state-switch", true,
			 "EFER, PAT and debug controls switched on entry/exit", HW_VMX, true,
			 FIX_VMX_CONTROL},
    [HW_INVEPT] = {"invept", true, "INVEPT single- or all-context", HW_EPT, true, FIX_VMX_CONTROL},
    [HW_WAIT_SIPI] = {"wait-for-sipi", true,
		      "activity state wait-for-SIPI: where a partition's other CPUs wait", HW_VMX,
		      true, FIX_VMX_CONTROL},
    [HW_CR3_NO_EXIT] = {"cr3-no-exit", true, "CR3 loads and stores without exits", HW_VMX, true,
			FIX_VMX_CONTROL},
    [HW_X2APIC] = {"x2apic", true, "x2APIC mode: partitions' IPIs go through the x2APIC ICR", -1,
		   false,
		   "the CPU has no x2APIC (Intel before Nehalem-EX and Westmere, 2010), or Linux "
		   "runs under a hypervisor that does not offer one (QEMU: -cpu ...,+x2apic)"},
    [HW_TSC_DEADLINE] = {"tsc-deadline", false, "APIC timer TSC-deadline mode", -1, false, NULL},
    [HW_INVARIANT_TSC] = {"invariant-tsc", false, "TSC rate constant across P/C-states", -1, false,
			  NULL},
    [HW_CAT] = {"cat", false, "Intel CAT (L3 cache allocation)", -1, false, NULL},
};

/* ------------------------------------------------------------------------------------------ */
/* Decoding                                                                                   */

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
		return vmx && (c->fc_state == FC_LOCKED_ON || c->fc_state == FC_SET_BY_US ||
			       c->fc_state == FC_UNLOCKED);
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

/* ------------------------------------------------------------------------------------------ */
/* Reading                                                                                    */

bool hw_read_cpuid(struct hw_caps *c, const struct hw_reader *r)
{
	u32 leaf0[4], ext0[4], regs[4];

	if (!r->cpuid(r->ctx, 0, 0, leaf0) || !r->cpuid(r->ctx, 0x80000000, 0, ext0) ||
	    !r->cpuid(r->ctx, 1, 0, regs))
		return false;
	c->cpuid1_ecx = regs[2];
	c->cpuid1_edx = regs[3];
	if (leaf0[0] >= 7) {
		if (!r->cpuid(r->ctx, 7, 0, regs))
			return false;
		c->cpuid7_ebx = regs[1];
	}
	if (leaf0[0] >= 0x10 && (c->cpuid7_ebx & CPUID7_EBX_RDT_A)) {
		if (!r->cpuid(r->ctx, 0x10, 0, regs))
			return false;
		c->cpuid10_ebx = regs[1];
	}
	if (ext0[0] >= 0x80000007) {
		if (!r->cpuid(r->ctx, 0x80000007, 0, regs))
			return false;
		c->ext_80000007_edx = regs[3];
	}
	return true;
}

static bool read_msr(const struct hw_reader *r, u32 msr, u64 *value, u32 *failed)
{
	if (r->rdmsr(r->ctx, msr, value))
		return true;
	*failed = msr;
	return false;
}

bool hw_read_vmx_msrs(struct hw_caps *c, const struct hw_reader *r, u32 *failed)
{
	if (!read_msr(r, MSR_IA32_VMX_BASIC, &c->vmx_basic, failed) ||
	    !read_msr(r, vmx_control_msr(c->vmx_basic, VMX_PIN), &c->vmx_pinbased, failed) ||
	    !read_msr(r, vmx_control_msr(c->vmx_basic, VMX_PROC), &c->vmx_procbased, failed) ||
	    !read_msr(r, vmx_control_msr(c->vmx_basic, VMX_EXIT), &c->vmx_exit, failed) ||
	    !read_msr(r, vmx_control_msr(c->vmx_basic, VMX_ENTRY), &c->vmx_entry, failed) ||
	    !read_msr(r, MSR_IA32_VMX_MISC, &c->vmx_misc, failed))
		return false;
	if (!allowed1(c->vmx_procbased, PROC_SECONDARY))
		return true;
	if (!read_msr(r, MSR_IA32_VMX_PROCBASED2, &c->vmx_procbased2, failed))
		return false;
	if (allowed1(c->vmx_procbased2, PROC2_EPT | PROC2_VPID))
		return read_msr(r, MSR_IA32_VMX_EPT_VPID, &c->vmx_ept_vpid, failed);
	return true;
}

u8 hw_fc_state(u64 feature_control)
{
	if (!(feature_control & FEATURE_CONTROL_LOCK))
		return FC_UNLOCKED;
	return (feature_control & FEATURE_CONTROL_VMX_OUTSIDE_SMX) ? FC_LOCKED_ON : FC_LOCKED_OFF;
}

/* ------------------------------------------------------------------------------------------ */
/* The report                                                                                 */

enum state { STATE_YES, STATE_NO, STATE_MIXED, STATE_UNKNOWN };

static const char *const state_names[] = {"yes", "no", "mixed", "unknown"};

static const char *fc_text(u8 state)
{
	switch (state) {
	case FC_LOCKED_ON:
		return "locked by firmware, vmx on";
	case FC_SET_BY_US:
		return "was unlocked; vmx enabled and locked by bulkhead";
	case FC_LOCKED_OFF:
		return "locked by firmware, vmx off";
	case FC_UNLOCKED:
		return "unlocked; bulkhead will enable vmx and lock it";
	default:
		return "not read";
	}
}

/* Whether f is known on this CPU: a feature of the MSRs is not when they could not be read. */
static bool known(const struct hw_caps *c, enum hw_feature f)
{
	return !(c->msrs_unread && hw_features[f].from_msrs && (c->cpuid1_ecx & CPUID1_ECX_VMX));
}

/* "yes" on all CPUs, "no" on all, "mixed", or "unknown" where a CPU could not tell. */
static enum state state_of(const struct hw_caps *caps, u32 n, enum hw_feature f)
{
	u32 yes = 0;

	for (u32 i = 0; i < n; i++) {
		if (!known(&caps[i], f))
			return STATE_UNKNOWN;
		yes += hw_has(&caps[i], f);
	}
	return yes == n ? STATE_YES : yes == 0 ? STATE_NO : STATE_MIXED;
}

static void say(const struct hw_printer *out, bool warning, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(const struct hw_printer *out, bool warning, const char *fmt, ...)
{
	char line[HW_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vformat(line, sizeof(line), fmt, ap);
	va_end(ap);
	out->line(out->ctx, warning, line);
}

/* The raw values, for a report from a machine that lacks something. */
static void report_raw(const struct hw_printer *out, const struct hw_caps *c)
{
	say(out, false,
	    "hwcheck: vmx basic 0x%016llx ept/vpid 0x%016llx misc 0x%08llx "
	    "(preemption timer rate tsc >> %llu)\n",
	    (unsigned long long)c->vmx_basic, (unsigned long long)c->vmx_ept_vpid,
	    (unsigned long long)c->vmx_misc, (unsigned long long)(c->vmx_misc & 0x1f));
	say(out, false,
	    "hwcheck: vmx pin 0x%016llx proc 0x%016llx proc2 0x%016llx exit 0x%016llx "
	    "entry 0x%016llx\n",
	    (unsigned long long)c->vmx_pinbased, (unsigned long long)c->vmx_procbased,
	    (unsigned long long)c->vmx_procbased2, (unsigned long long)c->vmx_exit,
	    (unsigned long long)c->vmx_entry);
}

static void report_differences(const struct hw_printer *out, const struct hw_caps *caps,
			       const u32 *apic_ids, u32 n)
{
	for (u32 i = 1; i < n; i++) {
		for (u32 f = 0; f < HW_FEATURE_COUNT; f++) {
			bool mine = hw_has(&caps[i], f), boot = hw_has(&caps[0], f);

			if (mine != boot && known(&caps[i], f) && known(&caps[0], f))
				say(out, true,
				    "hwcheck: cpu %u (apic id %u) differs from cpu 0: %s %s\n", i,
				    apic_ids[i], hw_features[f].name, mine ? "yes" : "no");
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

enum hw_verdict hw_report(const struct hw_caps *caps, const u32 *apic_ids, u32 n,
			  const struct hw_printer *out, char *why, size_t why_size, bool *missing)
{
	bool any_missing = false, any_unknown = false;

	why[0] = '\0';
	say(out, false, "hwcheck: %-20s %-6s %s\n", "feature", "state", "need");
	for (u32 f = 0; f < HW_FEATURE_COUNT; f++) {
		const char *state = state_names[state_of(caps, n, f)];
		const char *need = hw_features[f].required ? "required" : "optional";

		if (missing)
			missing[f] = false;
		if (f == HW_FEATURE_CONTROL && caps[0].fc_state != FC_NOT_READ)
			say(out, false, "hwcheck: %-20s %-6s %-9s (%s)\n", hw_features[f].name,
			    state, need, fc_text(caps[0].fc_state));
		else
			say(out, false, "hwcheck: %-20s %-6s %s\n", hw_features[f].name, state,
			    need);
	}
	if ((caps[0].cpuid1_ecx & CPUID1_ECX_VMX) && !caps[0].msrs_unread)
		report_raw(out, &caps[0]);
	report_differences(out, caps, apic_ids, n);
	for (u32 f = 0; f < HW_FEATURE_COUNT; f++) {
		enum state state = state_of(caps, n, f);
		int parent = hw_features[f].parent;

		if (!hw_features[f].required || state == STATE_YES)
			continue;
		if (state == STATE_UNKNOWN) {
			any_unknown = true;
			continue;
		}
		/* Without VMX every VMX feature is "missing" too: name the root cause only. */
		if (parent >= 0 && state_of(caps, n, (enum hw_feature)parent) == STATE_NO)
			continue;
		append_missing(why, why_size, f, caps, n);
		if (missing)
			missing[f] = true;
		any_missing = true;
	}
	return any_missing ? HW_WILL_NOT_RUN : any_unknown ? HW_CANNOT_TELL : HW_RUNS;
}
