/*
 * The machine's PCI configuration space, through mechanism #1 (PCI Local Bus 3.0
 * §3.2.2.3.2): select with CONFIG_ADDRESS, move with CONFIG_DATA. The two ports are one
 * shared register pair, so every access, Bulkhead's own and those it makes for partitions,
 * holds one lock from select to move.
 */
#include "arch/x86/arch.h"
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

/* An ISA bus with nothing at a port reads all-ones (no device drives the data lines). */
bool arch_ports_float(u32 base, u32 count)
{
	for (u32 port = base; port < base + count && port < 0x10000; port++)
		if (inb((u16)port) != 0xff)
			return false;
	return true;
}
