/*
 * The machine's PCI configuration space, through mechanism #1 (PCI Local Bus 3.0
 * §3.2.2.3.2): select with CONFIG_ADDRESS, move with CONFIG_DATA. The two ports are one
 * shared register pair, so every access, Bulkhead's own and those it makes for partitions,
 * holds one lock from select to move.
 */
#include "arch/x86/arch.h"
#include "arch/x86/acpi.h"
#include "core/lib/cpu.h"
#include "core/lib/pci_regs.h"
#include "core/spinlock.h"

static struct spinlock pci_lock;

u32 arch_pci_read(u32 bdf, u32 reg, u32 size)
{
	u16 data = (u16)(PCI_CONFIG_DATA + (reg & 3));
	u32 v;

	spin_lock(&pci_lock);
	outl(PCI_CONFIG_ADDRESS, PCI_ADDR(bdf, reg));
	v = size == 1 ? inb(data) : size == 2 ? inw(data) : inl(PCI_CONFIG_DATA);
	spin_unlock(&pci_lock);
	return v;
}

void arch_pci_write(u32 bdf, u32 reg, u32 size, u32 value)
{
	u16 data = (u16)(PCI_CONFIG_DATA + (reg & 3));

	spin_lock(&pci_lock);
	outl(PCI_CONFIG_ADDRESS, PCI_ADDR(bdf, reg));
	if (size == 1)
		outb(data, (u8)value);
	else if (size == 2)
		outw(data, (u16)value);
	else
		outl(PCI_CONFIG_DATA, value);
	spin_unlock(&pci_lock);
}

bool arch_mmconfig(u64 *base, u32 *start_bus, u32 *end_bus)
{
	for (u32 bus = 0; bus < 256; bus++) {
		const struct acpi_mcfg *m = platform_mcfg(0, (u8)bus);

		if (m) {
			*base = m->base;
			*start_bus = m->start_bus;
			*end_bus = m->end_bus;
			return true;
		}
	}
	return false;
}

/* The machine's MMCONFIG area (segment 0, from ACPI's MCFG), bus by bus: 1 MiB each. */
bool arch_mmconfig_overlaps(u64 base, u64 size)
{
	for (u32 bus = 0; bus < 256; bus++) {
		const struct acpi_mcfg *m = platform_mcfg(0, (u8)bus);
		u64 at = m ? m->base + ((u64)bus << 20) : 0;

		if (m && base < at + (1ull << 20) && at < base + size)
			return true;
	}
	return false;
}

/* An ISA bus with nothing at a port reads all-ones (no device drives the data lines). */
bool arch_ports_float(u32 base, u32 count)
{
	for (u32 port = base; port < base + count && port < 0x10000; port++)
		if (inb((u16)port) != 0xff)
			return false;
	return true;
}
