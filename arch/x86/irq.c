/* The boot CPU's idle and what wakes it: an IPI from a partition CPU with console output to
 * drain, or COM1's receive interrupt routed through the I/O APIC. The handlers only
 * acknowledge; the idle loop in core/ looks at what there is to do. */
#include "arch/x86/irq.h"
#include "arch/x86/apic.h"
#include "arch/x86/arch.h"
#include "core/lib/apic_regs.h"
#include "core/lib/cpu.h"
#include "core/lib/pic.h"
#include "core/lib/uart16550.h"
#include "core/lib/ioapic_regs.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/uart.h"
#include "core/log.h"

/* How many of each vector the boot CPU took (the IOMMU's self-test counts its MSIs). */
static volatile u32 irq_counts[256];

void irq_handle(u32 vector)
{
	irq_counts[vector & 0xffu]++;
	lapic_eoi();
}

u32 arch_irq_count(u32 vector)
{
	return irq_counts[vector & 0xffu];
}

void arch_irq_window(u32 ms)
{
	u64 start = arch_tsc(), ticks = arch_tsc_khz() * ms;

	__asm__ volatile("sti" ::: "memory");
	while (arch_tsc() - start < ticks)
		arch_cpu_relax();
	__asm__ volatile("cli" ::: "memory");
}

/* I/O APIC redirection entry (82093AA data sheet §3.2.4): fixed delivery, physical
 * destination, active high, edge triggered, unmasked. The console's ISA IRQ (COM1's 4,
 * COM2's 3) is taken to be the GSI of that number: no interrupt source override is looked
 * for (none on PCs seen). */
bool arch_console_input_irq(void)
{
	u16 port = uart_console.port;
	u8 irq = uart_console.irq;

	if (!uart_console.present || irq == UART_NO_IRQ || arch_ioapic_pins() <= irq)
		return false;
	arch_ioapic_write(irq, (u64)arch_cpu_apic_id(0) << RTE_DEST_SHIFT | IRQ_VECTOR_COM1);
	outb(port + UART_MCR, inb(port + UART_MCR) | UART_MCR_OUT2);
	outb(port + UART_IER, UART_IER_RDI);
	return true;
}

void arch_idle(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

void arch_wake_boot_cpu(void)
{
	lapic_send_ipi(arch_cpu_apic_id(0), ICR_ASSERT | ICR_FIXED | IRQ_VECTOR_WAKE);
}

/* The NMI that sent this CPU here may still block NMIs: an NMI VM exit leaves them blocked
 * until an IRET in the hypervisor (SDM Vol. 3C §27.1; Bochs holds to it), and an NMI is what
 * will wake this HLT. */
void arch_cpu_halt(void)
{
	nmi_unblock(GDT_CODE64, GDT_DATA);
	__asm__ volatile("cli; hlt" ::: "memory");
}
