/*
 * A device's memory-mapped registers, read and written by Bulkhead for a partition whose
 * access it emulates (an MSI-X table: core/vmsix.c). Reached through Bulkhead's identity map
 * of the low 4 GiB, at the width the guest used: a device register may act on its width.
 */
#include "arch/x86/arch.h"

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
