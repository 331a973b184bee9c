/* Reads the raw capability values of the calling CPU for the hardware check, and turns
 * VMX on in IA32_FEATURE_CONTROL where firmware left the MSR unlocked (SDM Vol. 3C §24.7).
 * What is read, and in which order, is core/lib/hwcheck.c's (tools/hwcheck reads the same). */
#include "core/lib/cpu.h"
#include "core/lib/msr.h"
#include "core/lib/x86.h"
#include "arch/x86/hwcheck.h"

static u8 feature_control_enable(u64 *value)
{
	u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	if (!(fc & FEATURE_CONTROL_LOCK)) {
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_VMX_OUTSIDE_SMX | FEATURE_CONTROL_LOCK);
		*value = rdmsr(MSR_IA32_FEATURE_CONTROL);
		return (*value & FEATURE_CONTROL_VMX_OUTSIDE_SMX) ? FC_SET_BY_US : FC_LOCKED_OFF;
	}
	*value = fc;
	return hw_fc_state(fc);
}

static bool read_cpuid(void *ctx, u32 leaf, u32 subleaf, u32 regs[4])
{
	struct cpuid_regs r = cpuid(leaf, subleaf);

	(void)ctx;
	regs[0] = r.eax;
	regs[1] = r.ebx;
	regs[2] = r.ecx;
	regs[3] = r.edx;
	return true;
}

/* hw_read_vmx_msrs() reads only MSRs that exist, so RDMSR does not fault here. */
static bool read_msr(void *ctx, u32 msr, u64 *value)
{
	(void)ctx;
	*value = rdmsr(msr);
	return true;
}

void caps_read(struct hw_caps *c)
{
	static const struct hw_reader this_cpu_reader = {read_cpuid, read_msr, NULL};
	u32 failed;

	*c = (struct hw_caps){0};
	hw_read_cpuid(c, &this_cpu_reader);
	if (!(c->cpuid1_ecx & CPUID1_ECX_VMX))
		return;
	c->fc_state = feature_control_enable(&c->feature_control);
	hw_read_vmx_msrs(c, &this_cpu_reader, &failed);
}
