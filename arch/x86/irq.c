/* The boot CPU's idle and what wakes it: an IPI from a partition CPU with console output to
 * drain, or COM1's receive interrupt routed through the I/O APIC. The handlers only
 * acknowledge; the idle loop in core/ looks at what there is to do. */
#include "arch/x86/irq.h"
#include "arch/x86/apic.h"
#include "arch/x86/arch.h"
#include "core/lib/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "core/log.h"

#define COM1_PORT     0x3f8
#define UART_IER      1
#define UART_MCR      4
#define IER_RX_READY  0x01
#define MCR_OUT2      0x08 /* on PCs, gates the UART's interrupt line */
#define COM1_GSI      4	   /* ISA IRQ 4; no override is looked for (none on PCs seen) */
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WINDOW 0x10
#define IOAPIC_REDIR  0x10 /* redirection entry n: registers 0x10 + 2n (low), + 1 (high) */
#define PIC1_DATA     0x21
#define PIC2_DATA     0xa1
#define ICR_FIXED     0x4000u /* fixed delivery, level assert */

void irq_handle(u32 vector)
{
	(void)vector;
	lapic_eoi();
}

static void ioapic_write(u64 base, u32 reg, u32 value)
{
	*(volatile u32 *)(base + IOAPIC_REGSEL) = reg;
	*(volatile u32 *)(base + IOAPIC_WINDOW) = value;
}

/* I/O APIC redirection entry (82093AA data sheet §3.2.4): fixed delivery, physical
 * destination, active high, edge triggered, unmasked. */
bool arch_console_input_irq(void)
{
	u64 base;
	u32 gsi_base;

	if (!platform_ioapic(&base, &gsi_base) || gsi_base > COM1_GSI)
		return false;
	/* No interrupt of the legacy PICs may reach anyone: mask every line. */
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
	ioapic_write(base, IOAPIC_REDIR + 2 * (COM1_GSI - gsi_base) + 1, arch_cpu_apic_id(0) << 24);
	ioapic_write(base, IOAPIC_REDIR + 2 * (COM1_GSI - gsi_base), IRQ_VECTOR_COM1);
	outb(COM1_PORT + UART_MCR, inb(COM1_PORT + UART_MCR) | MCR_OUT2);
	outb(COM1_PORT + UART_IER, IER_RX_READY);
	return true;
}

void arch_idle(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

void arch_wake_boot_cpu(void)
{
	lapic_send_ipi(arch_cpu_apic_id(0), ICR_FIXED | IRQ_VECTOR_WAKE);
}

/* The NMI that sent this CPU here may still block NMIs: an NMI VM exit leaves them blocked
 * until an IRET in the hypervisor (SDM Vol. 3C §27.1; Bochs holds to it), and an NMI is what
 * will wake this HLT. */
void arch_cpu_halt(void)
{
	nmi_unblock(GDT_CODE64, GDT_DATA);
	__asm__ volatile("cli; hlt" ::: "memory");
}
