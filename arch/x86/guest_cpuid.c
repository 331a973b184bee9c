/* CPUID and XSETBV: what a partition's CPU says it has, and the XCR0 it may set (xsave.h). */
#include "arch/x86/guest.h"
#include "arch/x86/vcpu.h"
#include "arch/x86/arch.h"
#include "core/upcalls.h"
#include "arch/x86/tsc_leaf.h"
#include "arch/x86/vmcs_fields.h"
#include "arch/x86/vmx.h"
#include "arch/x86/xsave.h"
#include "core/lib/cpu.h"
#include "core/lib/format.h"
#include "core/lib/x86.h"

/* The XCR0 bits a partition may set (xsave.h); 0 without XSAVE. Read once: it takes up to
 * ten CPUIDs, and Linux asks for leaves 7 and 0xD many times while it boots. All CPUs agree
 * (the hardware check compares them), so CPUs racing here store the same value. */
static u64 guest_xcr0_allowed(void)
{
	static u64 allowed = ~0ULL; /* not yet read: no XCR0 value has bit 63 */

	if (allowed == ~0ULL)
		allowed = (cpuid(1, 0).ecx & CPUID1_ECX_XSAVE) ? xcr0_allowed(cpuid) : 0;
	return allowed;
}

/* CPUID executes in Bulkhead, so the bits that mirror CR4 must come from the guest's. */
static u32 guest_cr4_bit(u64 cr4_bit, u32 cpuid_bit)
{
	return (vmread(GUEST_CR4) & cr4_bit) ? cpuid_bit : 0;
}

/* What a partition's CPUID may not promise (SDM Vol. 2A CPUID): VMX (no nesting); XSAVE
 * components other than xsave.h's, XSAVES and XFD (and PKU without PKRU state); machine-check
 * banks, thermal and power management, performance counters (package- or machine-wide MSRs the
 * partition cannot have); WAITPKG, and RDTSCP/RDPID or INVPCID when their VM-execution control is
 * off (the instruction would raise #UD). OSXSAVE and OSPKE follow the guest's CR4. The hypervisor
 * bit is set, leaf 0x40000000 names Bulkhead, and leaf 0x15 gives the TSC frequency Bulkhead
 * measured. */
static void filter_cpuid(u32 leaf, u32 sub, struct cpuid_regs *c)
{
	u64 proc2 = vmread(PROC_CONTROLS2);

	switch (leaf) {
	case 1:
		c->ecx &= ~(CPUID1_ECX_VMX | CPUID1_ECX_OSXSAVE | CPUID1_ECX_PDCM);
		c->ecx |= CPUID1_ECX_HYPERVISOR | guest_cr4_bit(CR4_OSXSAVE, CPUID1_ECX_OSXSAVE);
		c->edx &= ~(CPUID1_EDX_MCE | CPUID1_EDX_MCA | CPUID1_EDX_ACPI | CPUID1_EDX_TM);
		break;
	case 6:	  /* thermal and power management */
	case 0xa: /* architectural performance monitoring */
		*c = (struct cpuid_regs){0, 0, 0, 0};
		break;
	case 0xd: /* XSAVE state */
		xsave_filter_cpuid(sub, c, guest_xcr0_allowed(), cpuid);
		break;
	case 7:
		c->ecx &= ~(CPUID7_ECX_WAITPKG | CPUID7_ECX_OSPKE);
		c->ecx |= guest_cr4_bit(CR4_PKE, CPUID7_ECX_OSPKE);
		if (!(guest_xcr0_allowed() &
		      XCR0_PKRU)) /* protection keys whose state XSAVE keeps */
			c->ecx &= ~CPUID7_ECX_PKU;
		if (!(proc2 & PROC2_INVPCID))
			c->ebx &= ~CPUID7_EBX_INVPCID;
		if (!(proc2 & PROC2_RDTSCP))
			c->ecx &= ~CPUID7_ECX_RDPID;
		break;
	case 0x15:
		/* The TSC rate Bulkhead measured, the one this partition's load gave it (a
		 * payload's information page has it too), so what it reads here and there agrees
		 * for the whole of its run (some CPUs and emulators report a nominal figure here
		 * that is not what the TSC really counts at); tsc_leaf.h fits it to 32 bits. */
		*c = (struct cpuid_regs){0, 0, 0, 0};
		tsc_leaf15(guest_vcpu()->vm->tsc_khz ? guest_vcpu()->vm->tsc_khz : arch_tsc_khz(),
			   &c->eax, &c->ebx, &c->ecx);
		break;
	case 0x80000001:
		if (!(proc2 & PROC2_RDTSCP))
			c->edx &= ~CPUIDX1_EDX_RDTSCP;
		break;
	default:
		break;
	}
}

/*
 * Leaves 0x40000000-0x400001ff: Bulkhead's name, and for a partition that routes device
 * interrupts through its I/O APIC a second signature, KVM's, at 0x40000100 with no feature
 * (leaf 0x40000101 all zero). Linux keeps x2APIC mode without interrupt remapping only under
 * a hypervisor it knows (it may then address only APIC IDs below 256 from an I/O APIC, in
 * physical mode, which is what a partition's I/O APIC accepts); a guest looks for each
 * signature at every 0x100 step of this range, so Bulkhead's own stays first. Nothing of
 * KVM's paravirtual interface is offered or emulated.
 */
static struct cpuid_regs hypervisor_leaf(u32 leaf, u32 partition)
{
	bool kvm = partition_owns_interrupts(partition);

	/* "Bulkhead"; "KVMKVMKVM\0\0\0" (EBX, ECX, EDX as little-endian text) */
	if (leaf == CPUID_HV_LEAF)
		return (struct cpuid_regs){CPUID_HV_LEAF, 0x6b6c7542, 0x64616568, 0};
	if (leaf == CPUID_KVM_LEAF && kvm)
		return (struct cpuid_regs){CPUID_KVM_LEAF + 1, 0x4b4d564b, 0x564b4d56, 0x4d};
	return (struct cpuid_regs){0, 0, 0, 0};
}

void guest_cpuid_exit(struct guest_regs *r)
{
	u32 leaf = (u32)r->rax, sub = (u32)r->rcx;
	struct cpuid_regs c;

	if (leaf >= CPUID_HV_LEAF && leaf < CPUID_HV_LEAF + 0x200u) {
		c = hypervisor_leaf(leaf, guest_vcpu()->partition);
	} else {
		c = cpuid(leaf, sub);
		filter_cpuid(leaf, sub, &c);
	}
	r->rax = c.eax;
	r->rbx = c.ebx;
	r->rcx = c.ecx;
	r->rdx = c.edx;
	guest_skip_instruction();
}

/* XSETBV (SDM Vol. 2C): the CPU raised #UD itself if CR4.OSXSAVE is clear; the privilege
 * level and the value are checked here, as the CPU would, and the value goes into this CPU's
 * XCR0, which only the partition uses. */
void guest_xsetbv_exit(struct guest_regs *r)
{
	u32 index = (u32)r->rcx, cpl = guest_cpl();
	u64 v = ((u64)(u32)r->rdx << 32) | (u32)r->rax;
	char what[56];

	if (cpl == 0 && xcr0_valid(index, v, guest_xcr0_allowed())) {
		xsetbv(index, v);
		guest_skip_instruction();
		return;
	}
	format(what, sizeof(what), "xsetbv xcr%u 0x%llx at cpl %u", index, (unsigned long long)v,
	       cpl);
	guest_refuse(VEC_GP, REFUSAL_KEY(EXIT_XSETBV, 0), what);
}
