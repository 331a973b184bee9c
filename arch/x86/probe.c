/*
 * What the probe (core/probe_scan.c) reads of the machine beyond the rest of arch.h: which
 * CPUs are threads of one core (CPUID leaf 0x1f, else 0xb: SDM Vol. 2A, CPUID, "V2 Extended
 * Topology Enumeration Leaf" and "Extended Topology Enumeration Leaf"), and on which I/O APIC
 * input each ISA interrupt arrives (the MADT's interrupt source overrides, ACPI 6.5 §5.2.12.5).
 */
#include "arch/x86/acpi.h"
#include "arch/x86/arch.h"
#include "core/lib/cpu.h"

#define TOPO_LEVEL_TYPE(ecx) (((ecx) >> 8) & 0xffu)
#define TOPO_LEVEL_SMT	     1u
#define TOPO_SHIFT(eax)	     ((eax)&0x1fu)

bool arch_cpu_smt_shift(u32 *shift)
{
	u32 max = cpuid(0, 0).eax, leaf = 0;
	struct cpuid_regs r;

	/* A leaf that exists but enumerates nothing reads EBX 0. */
	if (max >= 0x1f && cpuid(0x1f, 0).ebx)
		leaf = 0x1f;
	else if (max >= 0xb && cpuid(0xb, 0).ebx)
		leaf = 0xb;
	if (!leaf)
		return false;
	/* Subleaf 0 is the SMT level: the x2APIC ID shifted right by its shift is the core's. */
	r = cpuid(leaf, 0);
	*shift = TOPO_LEVEL_TYPE(r.ecx) == TOPO_LEVEL_SMT ? TOPO_SHIFT(r.eax) : 0;
	return true;
}

u32 arch_isa_irq_gsi(u32 irq)
{
	const struct acpi_iso *isos;
	u32 n = platform_isos(&isos);

	for (u32 i = 0; i < n; i++)
		if (isos[i].bus == 0 && isos[i].source == irq)
			return isos[i].gsi;
	return irq;
}
