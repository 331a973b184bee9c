/* VMXON on each CPU (SDM Vol. 3C §24.7, "Enabling and entering VMX operation"). */
#include "arch/x86/vmx.h"
#include "core/lib/cpu.h"
#include "core/lib/msr.h"
#include "core/lib/x86.h"
#include "arch/x86/percpu.h"
#include "arch/x86/xsave.h"
#include "core/error.h"
#include "core/log.h"
#include "core/pmem.h"
#include "core/lib/string.h"

static inline void write_cr4(u64 v)
{
	__asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory");
}

/* CR0 and CR4 must hold the bits IA32_VMX_CRx_FIXED0 sets and none that FIXED1 clears,
 * both to execute VMXON and for as long as VMX operation lasts (SDM §24.8). CR4.OSXSAVE
 * too where the CPU has XSAVE: Bulkhead executes the partitions' XSETBV (xsave.h). */
static void fix_control_registers(void)
{
	/* OSFXSR: a restart puts the partition's SSE state back to its power-on values
	 * (cpu_reset.c). */
	u64 cr0 = read_cr0(), cr4 = read_cr4() | CR4_VMXE | CR4_OSFXSR;

	if (cpuid(1, 0).ecx & CPUID1_ECX_XSAVE)
		cr4 |= CR4_OSXSAVE;

	cr0 = (cr0 | rdmsr(MSR_IA32_VMX_CR0_FIXED0)) & rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	cr4 = (cr4 | rdmsr(MSR_IA32_VMX_CR4_FIXED0)) & rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	write_cr0(cr0);
	write_cr4(cr4);
}

int vmx_cpu_on(void)
{
	struct x86_cpu *cpu = this_cpu();
	/* pmem.c locks: CPUs entering VMX together may ask at once */
	u64 region = pmem_alloc(1, pmem_tag_hv(PMEM_VMXON));
	u32 revision = (u32)rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_REVISION;

	if (!region)
		return ERR(E_NOMEM);
	/* The VMXON region starts with the VMCS revision identifier (SDM §25.11.5). */
	memset((void *)region, 0, PAGE_SIZE);
	*(volatile u32 *)region = revision;
	fix_control_registers();
	if (vmx_vmxon(region)) {
		log_err("vmx: cpu %u: VMXON failed (region 0x%llx, revision 0x%x)\n", cpu->index,
			(unsigned long long)region, revision);
		return ERR(E_NOTSUP);
	}
	cpu->vmxon_region = region;
	return 0;
}
