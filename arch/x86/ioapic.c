/*
 * The machine's I/O APIC (the first the MADT lists; 82093AA data sheet §3). Bulkhead owns it:
 * at boot every input is masked, COM1's is routed to the boot CPU (irq.c), and a partition's
 * pins are programmed only through its virtual I/O APIC (core/vioapic.c), entry by entry as
 * that checks them. Its register window is one IOREGSEL/IOWIN pair for the whole machine,
 * so every access holds one lock from select to move.
 */
#include "core/lib/ioapic_regs.h"
#include "core/lib/cpu.h"
#include "core/lib/pic.h"
#include "arch/x86/arch.h"
#include "arch/x86/acpi.h"
#include "arch/x86/smp.h"
#include "arch/x86/vtd.h"
#include "bulkhead/ptable.h"
#include "core/log.h"
#include "core/spinlock.h"

static struct spinlock ioapic_lock;
static u64 ioapic_base;
static u32 ioapic_pins; /* 0: no I/O APIC, or its inputs do not start at GSI 0 */
static u32 ioapic_id;
/* Each entry as last written, in compatibility format: with interrupt remapping the I/O APIC
 * holds a remappable entry instead (vtd.c), and a reader wants what was written. */
static u64 written[PT_MAX_GSI];

static u32 reg_read(u32 reg)
{
	*(volatile u32 *)(ioapic_base + IOAPIC_REGSEL) = reg;
	return *(volatile u32 *)(ioapic_base + IOAPIC_WINDOW);
}

static void reg_write(u32 reg, u32 value)
{
	*(volatile u32 *)(ioapic_base + IOAPIC_REGSEL) = reg;
	*(volatile u32 *)(ioapic_base + IOAPIC_WINDOW) = value;
}

/* Pins are numbered as GSIs: only an I/O APIC whose inputs start at GSI 0 is used (every PC
 * firmware seen lists its first one so). */
void arch_ioapic_take(void)
{
	u32 gsi_base;

	/* No interrupt of the legacy PICs may reach anyone: firmware leaves the timer on IRQ 0,
	 * which the BIOS puts at vector 8, where a #DF would be taken. Every line masked. */
	outb(PIC1_DATA, PIC_MASK_ALL);
	outb(PIC2_DATA, PIC_MASK_ALL);
	if (!platform_ioapic(&ioapic_base, &gsi_base) || gsi_base != 0) {
		log_warn(
		    "ioapic: none at gsi 0: no device interrupt can be given to a partition\n");
		return;
	}
	ioapic_id = (reg_read(IOAPIC_REG_ID) >> 24) & 0xfu;
	ioapic_pins = IOAPIC_VERSION_MAX_ENTRY(reg_read(IOAPIC_REG_VERSION)) + 1;
	if (ioapic_pins > PT_MAX_GSI)
		ioapic_pins = PT_MAX_GSI;
	/* Firmware may leave inputs routed to some CPU: none reaches anyone until its owner
	 * (Bulkhead for COM1, a partition for its devices) routes it. */
	for (u32 pin = 0; pin < ioapic_pins; pin++) {
		reg_write(IOAPIC_REDTBL(pin) + 1, 0);
		reg_write(IOAPIC_REDTBL(pin), (u32)RTE_MASKED);
		written[pin] = RTE_MASKED;
	}
	log_info("ioapic: id %u at 0x%llx, %u inputs, all masked\n", ioapic_id,
		 (unsigned long long)ioapic_base, ioapic_pins);
}

u32 arch_ioapic_pins(void)
{
	return ioapic_pins;
}

u32 arch_ioapic_id(void)
{
	return ioapic_id;
}

u64 arch_ioapic_read(u32 pin)
{
	u64 rte;

	if (pin >= ioapic_pins)
		return RTE_MASKED;
	spin_lock(&ioapic_lock);
	rte = reg_read(IOAPIC_REDTBL(pin)) | (u64)reg_read(IOAPIC_REDTBL(pin) + 1) << 32;
	if (vtd_ioapic_remapped()) /* the live status bits, on what was written */
		rte = (written[pin] & ~(RTE_DELIVERY_BUSY | RTE_REMOTE_IRR)) |
		      (rte & (RTE_DELIVERY_BUSY | RTE_REMOTE_IRR));
	spin_unlock(&ioapic_lock);
	return rte;
}

/* The mask goes on first and comes off last, so the pin never fires with half an entry.
 * With interrupt remapping, the remapping entry is written first (vtd.c). */
void arch_ioapic_write(u32 pin, u64 rte)
{
	u64 hw = rte;

	if (pin >= ioapic_pins)
		return;
	if (vtd_ioapic_remapped())
		hw = vtd_ioapic_rte(pin, rte);
	spin_lock(&ioapic_lock);
	written[pin] = rte;
	reg_write(IOAPIC_REDTBL(pin), (u32)(hw | RTE_MASKED));
	reg_write(IOAPIC_REDTBL(pin) + 1, (u32)(hw >> 32));
	reg_write(IOAPIC_REDTBL(pin), (u32)hw);
	spin_unlock(&ioapic_lock);
}

bool arch_gsi_wiring(u32 gsi, bool *level, bool *active_low)
{
	return platform_gsi_wiring(gsi, level, active_low);
}
