/*
 * A device's memory-mapped registers, read and written by Bulkhead for a partition whose
 * access it emulates (an MSI-X table: core/vmsix.c). Reached through Bulkhead's identity map
 * of the low 4 GiB, at the width the guest used: a device register may act on its width.
 */
#include "arch/x86/arch.h"
#include "core/lib/cpu.h"
#include "core/lib/x86.h"

/* Bulkhead's identity map of the low 4 GiB: 2048 2 MiB pages (boot/entry.asm). */
extern u64 boot_pd[2048];

#define PD_PAGE (2ull << 20)
#define PDE_UNCACHED                                                                               \
	0x18ull /* PWT | PCD: uncacheable whatever the MTRRs say (SDM Vol. 3A                      \
		 * §11.5.2.1, table 11-6, with the PAT as reset) */

/* Before Bulkhead reads or writes a BAR for a partition (core/vmsix.c), at boot: its pages in
 * the identity map become uncached, so a mask or a check reaches the device, not a cache
 * line (the boot map makes only 0xfec00000 and up uncached; firmware's MTRRs may leave a
 * BAR write-back or write-combining). No CPU has touched these addresses yet: the INVLPG on
 * this one is enough. */
void arch_mmio_uncached(u64 base, u64 size)
{
	for (u64 at = base & ~(PD_PAGE - 1); at < base + size && at < (4ull << 30); at += PD_PAGE) {
		boot_pd[at / PD_PAGE] |= PDE_UNCACHED;
		invlpg(at);
	}
}

u32 arch_mmio_read(u64 phys, u32 size)
{
	if (size == 1)
		return *(const volatile u8 *)phys;
	if (size == 2)
		return *(const volatile u16 *)phys;
	return *(const volatile u32 *)phys;
}

void arch_mmio_write(u64 phys, u32 size, u32 value)
{
	if (size == 1)
		*(volatile u8 *)phys = (u8)value;
	else if (size == 2)
		*(volatile u16 *)phys = (u16)value;
	else
		*(volatile u32 *)phys = value;
}
