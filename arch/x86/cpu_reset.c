/* What a partition's CPU gets back before each start and restart, and at each INIT a sibling
 * sends it: the state that lives in the physical CPU rather than in the VMCS, put back to its
 * power-on values (SDM Vol. 3A §10.1.1, table 10-1; INIT itself would keep the FPU and most
 * MSRs, which the CPU's next code sets up anyway), with its caches on, so that nothing of a
 * partition's last run (or of its neighbour's, had the CPU been another's) reaches its next one:
 * the local APIC (LVTs, timer, TPR, errors, interrupts in service or pending), the debug registers,
 * the x87/SSE/AVX state and XCR0, and the MSRs the partition may write directly (vmcs.c,
 * msr_pass_rules). The VMCS holds the rest (vmcs.c, write_guest_state). */
#include "arch/x86/cpu_reset.h"
#include "arch/x86/apic.h"
#include "core/lib/cpu.h"
#include "core/lib/msr.h"
#include "core/lib/x86.h"
#include "arch/x86/xsave.h"

/* The local APIC as INIT leaves it, where software can get there (SDM Vol. 3A §11.4.7.1). */
static void lapic_to_init_state(void)
{
	lapic_mask_all_lvts();
	lapic_stop_timer(cpuid(1, 0).ecx & CPUID1_ECX_TSC_DEADLINE);
	lapic_drain();
}

/* XSAVE-managed state in its initial configuration: XRSTOR of every component the partition
 * may enable, from an area whose header marks all of them "initial" (XSTATE_BV = 0; SDM Vol. 1
 * §13.8.1); MXCSR, which XRSTOR still loads from the legacy area, holds its power-on value. */
static void fpu_to_init_state(void)
{
	static const struct {
		u8 legacy[24];
		u32 mxcsr;
		u8 rest[XSAVE_LEGACY_SIZE - 28];
		u64 header[XSAVE_HEADER_SIZE / 8];
	} __attribute__((aligned(64))) initial = {.mxcsr = MXCSR_POWER_ON};
	u64 all;

	if (!(cpuid(1, 0).ecx & CPUID1_ECX_XSAVE)) {
		fpu_sse_init(MXCSR_POWER_ON);
		return;
	}
	all = xcr0_allowed(cpuid);
	xsetbv(0, all);
	xrstor(&initial, all);
	xcr0_reset();
}

/* The MSRs a partition writes without an exit, where the CPU has them. */
static void msrs_to_init_state(void)
{
	struct cpuid_regs leaf0 = cpuid(0, 0);
	u32 spec = leaf0.eax >= 7 ? cpuid(7, 0).edx : 0;

	if (spec & (CPUID7_EDX_IBRS | CPUID7_EDX_STIBP | CPUID7_EDX_SSBD))
		wrmsr(MSR_IA32_SPEC_CTRL, 0);
	for (u32 msr = MSR_IA32_STAR; msr <= MSR_IA32_FMASK; msr++) /* STAR, LSTAR, CSTAR, FMASK */
		wrmsr(msr, 0);
	wrmsr(MSR_IA32_KERNEL_GS_BASE, 0);
	if (cpuid(0x80000001, 0).edx & CPUIDX1_EDX_RDTSCP)
		wrmsr(MSR_IA32_TSC_AUX, 0);
}

/* CR0.CD and NW are the guest's to set without an exit, and neither VM exit nor VM entry
 * changes them (SDM Vol. 3C §28.5.1, §27.3.2.1): a partition that turned its caches off would
 * leave Bulkhead and its own next run uncached. */
static void caches_on(void)
{
	write_cr0(read_cr0() & ~(CR0_CD | CR0_NW));
}

void cpu_reset_for_partition(void)
{
	caches_on();
	lapic_to_init_state();
	for (unsigned n = 0; n < 4; n++)
		write_dr_address(n, 0);
	write_dr6(DR6_FIXED); /* its power-on value: the bits that read 1 */
	fpu_to_init_state();
	msrs_to_init_state();
}
