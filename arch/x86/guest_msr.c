/* RDMSR and WRMSR of MSRs the partition was not granted (the MSR bitmap, vmcs.c): a few read
 * fixed values, the x2APIC's ICR and LVTs go to apic.c, the rest is refused. */
#include "arch/x86/guest.h"
#include "arch/x86/apic.h"
#include "arch/x86/percpu.h"
#include "core/lib/apic_regs.h"
#include "core/lib/cpu.h"
#include "core/lib/format.h"
#include "core/lib/msr.h"
#include "core/lib/x86.h"
#include "core/log.h"

/* MSRs whose writes are dropped rather than refused: Linux writes them while setting a CPU
 * up (MTRRs around a PAT change, MISC_ENABLE bits, the microcode revision before reading it)
 * and copes with the value staying as it was. They are shared with, or describe, the
 * hardware, so the partition may not change them; #GP would only add warnings. */
static bool msr_write_dropped(u32 msr)
{
	return (msr >= MSR_IA32_MTRR_PHYSBASE0 && msr <= MSR_IA32_MTRR_DEF_TYPE &&
		msr != MSR_IA32_PAT) ||
	       msr == MSR_IA32_MISC_ENABLE || msr == MSR_IA32_UCODE_REV ||
	       msr == MSR_IA32_TSC_ADJUST || msr == MSR_IA32_TSC;
}

/* An MSR write that is neither passed through nor emulated: #GP, or dropped
 * (msr_write_dropped); named once per partition and MSR. */
static void refuse_wrmsr(u32 msr)
{
	bool dropped = msr_write_dropped(msr);
	char what[40];

	format(what, sizeof(what), "wrmsr 0x%x", msr);
	guest_refuse(dropped ? 0 : VEC_GP, REFUSAL_KEY(EXIT_WRMSR, msr), what);
}

/* A read of such an MSR: #GP, named at debug level only, because Linux probes many MSRs
 * that are not there (rdmsr_safe) and copes with the #GP. */
static void refuse_rdmsr(u32 msr)
{
	log_debug("vmx: cpu %u: rdmsr of msr 0x%x refused (#GP)\n", this_cpu()->index, msr);
	guest_inject_exception(VEC_GP);
}

/* IA32_MISC_ENABLE as every partition reads it: fast strings on, branch trace and PEBS
 * unavailable (no performance monitoring is offered), XD not disabled. A constant, because
 * the real register is the platform's and not every CPU (or emulator) has it; Linux reads it
 * before it has an IDT, so a #GP there would be a triple fault. */
#define MISC_ENABLE_VALUE                                                                          \
	(MISC_ENABLE_FAST_STRINGS | MISC_ENABLE_BTS_UNAVAIL | MISC_ENABLE_PEBS_UNAVAIL)

/* Reads of the APIC identity registers give the real values, MISC_ENABLE and the microcode
 * revision fixed ones; every
 * other MSR the partition was not granted raises #GP in the guest. */
void guest_rdmsr_exit(struct guest_regs *r)
{
	u32 msr = (u32)r->rcx;
	u64 v;

	if (msr == MSR_IA32_MISC_ENABLE) {
		v = MISC_ENABLE_VALUE;
	} else if (msr == MSR_IA32_UCODE_REV) {
		v = 0; /* no microcode revision to report: loaders leave the partition's CPU alone
			*/
	} else if (msr == MSR_IA32_APIC_BASE || msr == MSR_X2APIC_ID || msr == MSR_X2APIC_VERSION) {
		v = rdmsr(msr);
	} else {
		refuse_rdmsr(msr);
		return;
	}
	r->rax = (u32)v;
	r->rdx = v >> 32;
	guest_skip_instruction();
}

/* The x2APIC ICR and the LVTs with a delivery mode are checked (apic.c); a few writes are
 * dropped (msr_write_dropped); any other MSR the partition was not granted raises #GP. */
void guest_wrmsr_exit(struct guest_regs *r)
{
	u32 msr = (u32)r->rcx;
	u64 v = ((u64)(u32)r->rdx << 32) | (u32)r->rax;

	if (lvt_has_delivery_mode(msr))
		apic_guest_lvt_write(msr, v);
	else if (msr == MSR_X2APIC_ICR)
		apic_guest_icr_write(v);
	else
		refuse_wrmsr(msr);
}
