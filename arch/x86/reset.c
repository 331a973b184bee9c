/* Resetting the whole machine (the shell's `reboot`): see arch_machine_reset() in arch.h.
 * Which way worked cannot be said afterwards, so each is named before it is tried, and its
 * line has left the UART before the write that may reset. */
#include "arch/x86/acpi.h"
#include "arch/x86/arch.h"
#include "arch/x86/tsc.h"
#include "arch/x86/uart.h"
#include "core/console.h"
#include "core/lib/cpu.h"
#include "core/lib/format.h"

#define PORT_RESET_CONTROL 0xcf9 /* the chipset's reset control register (PIIX and later) */
#define RST_SYS		   0x02	 /* with RST_CPU: a hard reset, not only the CPU's */
#define RST_CPU		   0x04
#define PORT_KBC_STATUS	   0x64
#define KBC_INPUT_FULL	   0x02
#define KBC_PULSE_RESET	   0xfe
#define RESET_WAIT_US	   500000 /* how long a way is given to work */

static void tell(void (*say)(const char *how), const char *how)
{
	say(how);
	console_flush(); /* the line from the console's FIFO into the UART, then out of it */
	if (uart_console.present)
		uart_drain(uart_console.port);
}

static void acpi_register(const struct acpi_reset *r)
{
	if (r->space == ACPI_SPACE_IO)
		outb((u16)r->addr, r->value);
	else if (r->space == ACPI_SPACE_MEMORY && r->addr < 4 * GiB) /* identity mapped */
		*(volatile u8 *)r->addr = r->value;
	else if (r->space == ACPI_SPACE_PCI)
		arch_pci_write((u32)(((r->addr >> 32) & 0x1f) << 3 | ((r->addr >> 16) & 7)),
			       (u32)(r->addr & 0xff), 1, r->value);
}

void arch_machine_reset(void (*say)(const char *how))
{
	static const char *const spaces[] = {"memory", "port", "pci config"};
	struct acpi_reset r;
	char how[96];
	u8 cf9;

	if (platform_reset_register(&r)) {
		format(how, sizeof(how), "the ACPI reset register (FADT: %s 0x%llx, value 0x%x)",
		       spaces[r.space], (unsigned long long)r.addr, r.value);
		tell(say, how);
		acpi_register(&r);
		tsc_delay_us(RESET_WAIT_US);
	}
	tell(say, "the chipset's reset control (port 0xcf9)");
	cf9 = inb(PORT_RESET_CONTROL) & (u8) ~(RST_SYS | RST_CPU);
	outb(PORT_RESET_CONTROL, cf9 | RST_SYS);
	tsc_delay_us(50);
	outb(PORT_RESET_CONTROL, cf9 | RST_SYS | RST_CPU);
	tsc_delay_us(RESET_WAIT_US);
	tell(say, "the keyboard controller (command 0xfe on port 0x64)");
	for (u32 i = 0; i < 100000 && (inb(PORT_KBC_STATUS) & KBC_INPUT_FULL); i++)
		tsc_delay_us(1);
	outb(PORT_KBC_STATUS, KBC_PULSE_RESET);
	tsc_delay_us(RESET_WAIT_US);
	tell(say, "a triple fault");
	{
		const struct desc_ptr none = {0, 0};

		lidt(&none);
		__asm__ volatile("int3" ::: "memory");
	}
	arch_halt_forever();
}
