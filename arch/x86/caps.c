/* Reads the raw capability values of the calling CPU for the hardware check, and turns
 * VMX on in IA32_FEATURE_CONTROL where firmware left the MSR unlocked (SDM Vol. 3C §24.7). */
#include "core/lib/cpu.h"
#include "core/lib/msr.h"
#include "core/lib/x86.h"
#include "arch/x86/hwcheck.h"
#include "arch/x86/vmcs_fields.h"
#include "arch/x86/vmx.h"

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
	return (fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX) ? FC_LOCKED_ON : FC_LOCKED_OFF;
}

/* Each VMX capability MSR is read only when the one before says it exists: reading an
 * absent MSR raises #GP (SDM Vol. 3D A.3.3, A.10). */
static void read_vmx_msrs(struct hw_caps *c)
{
	c->vmx_basic = rdmsr(MSR_IA32_VMX_BASIC);
	c->vmx_pinbased = rdmsr(vmx_control_msr(c->vmx_basic, VMX_PIN));
	c->vmx_procbased = rdmsr(vmx_control_msr(c->vmx_basic, VMX_PROC));
	c->vmx_exit = rdmsr(vmx_control_msr(c->vmx_basic, VMX_EXIT));
	c->vmx_entry = rdmsr(vmx_control_msr(c->vmx_basic, VMX_ENTRY));
	c->vmx_misc = rdmsr(MSR_IA32_VMX_MISC);
	if (!((c->vmx_procbased >> 32) & PROC_SECONDARY)) /* allowed-1 */
		return;
	c->vmx_procbased2 = rdmsr(MSR_IA32_VMX_PROCBASED2);
	if ((c->vmx_procbased2 >> 32) & (PROC2_EPT | PROC2_VPID))
		c->vmx_ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID);
}

void caps_read(struct hw_caps *c)
{
	struct cpuid_regs r = cpuid(0, 0);
	u32 max_leaf = r.eax;
	u32 max_ext = cpuid(0x80000000, 0).eax;

	*c = (struct hw_caps){0};
	r = cpuid(1, 0);
	c->cpuid1_ecx = r.ecx;
	c->cpuid1_edx = r.edx;
	if (max_leaf >= 7)
		c->cpuid7_ebx = cpuid(7, 0).ebx;
	if (max_leaf >= 0x10 && (c->cpuid7_ebx & CPUID7_EBX_RDT_A))
		c->cpuid10_ebx = cpuid(0x10, 0).ebx;
	if (max_ext >= 0x80000007)
		c->ext_80000007_edx = cpuid(0x80000007, 0).edx;
	if (!(c->cpuid1_ecx & CPUID1_ECX_VMX))
		return;
	c->fc_state = feature_control_enable(&c->feature_control);
	read_vmx_msrs(c);
}
