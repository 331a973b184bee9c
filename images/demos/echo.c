/*
 * echo: owns a 16550 UART (COM2 by default) and its interrupt, and echoes every byte it
 * receives back out on the same UART, from the interrupt handler. The CPU halts otherwise:
 * nothing polls the UART. Under Bulkhead the layout grants the UART's ports and its I/O APIC
 * input (partitions/serial.c), so after set-up a received byte costs the partition no exit:
 * the port accesses pass through, the interrupt comes I/O APIC -> this CPU, the EOI is the
 * partition's own x2APIC's.
 *
 * Command line: port=<n> (default 0x2f8), gsi=<n> (default 3, COM2's ISA IRQ).
 * Lines (docs/payloads.md):
 *	echo: start, apic id <n>, tsc <khz> kHz, <bulkhead|bare>
 *	echo: ready, uart 0x2f8, gsi 3 -> vector 0x50 on apic id <n>
 *	echo: <n> bytes echoed          (each time a CR arrives; the CR is counted)
 * or, when it cannot: "echo: no 16550 at 0x2f8" / "echo: cannot route gsi 3 (<rc>)" and exit
 * code 1.
 */
#include <bulkhead/sdk.h>

#include "core/lib/cpu.h"
#include "core/lib/uart16550.h"

#define VEC_UART 0x50

/* IIR bits 3:1, the pending interrupt of highest priority (PC16550D data sheet, table IV
 * "Interrupt Control Functions"): each is cleared by the access named. */
#define IIR_ID_MASK	   0x0e
#define IIR_LINE_STATUS	   0x06 /* overrun, parity, framing, break: read LSR */
#define IIR_RX_DATA	   0x04 /* received data at the trigger level: read RBR */
#define IIR_RX_TIMEOUT	   0x0c /* characters in the FIFO, none lately: read RBR */
#define IIR_THR_EMPTY	   0x02 /* cleared by reading IIR itself */
#define IIR_MODEM_STATUS   0x00 /* read MSR */
#define UART_SCRATCH_PROBE 0x5a

static uint16_t port;
static volatile uint64_t echoed;  /* bytes received and sent back */
static volatile uint64_t reports; /* CRs received: a count line is owed for each */

/* Send back everything the receiver holds. THRE (LSR bit 5) is set when the transmitter
 * (FIFO mode: its FIFO) is empty and takes a byte. */
static void echo_received(void)
{
	while (inb((uint16_t)(port + UART_LSR)) & UART_LSR_DR) {
		uint8_t c = inb((uint16_t)(port + UART_RBR));

		while (!(inb((uint16_t)(port + UART_LSR)) & UART_LSR_THRE))
			cpu_relax();
		outb((uint16_t)(port + UART_THR), c);
		echoed++;
		if (c == '\r')
			reports++;
	}
}

/* The UART's interrupt. Serve every pending cause until IIR bit 0 says none is left, so its
 * interrupt line falls and the next byte raises a new edge. */
static void uart_irq(unsigned vector)
{
	(void)vector;
	for (;;) {
		uint8_t iir = inb((uint16_t)(port + UART_IIR));

		if (iir & UART_IIR_NO_INT)
			break;
		switch (iir & IIR_ID_MASK) {
		case IIR_RX_DATA:
		case IIR_RX_TIMEOUT:
			echo_received();
			break;
		case IIR_LINE_STATUS:
			inb((uint16_t)(port + UART_LSR));
			break;
		case IIR_MODEM_STATUS:
			inb((uint16_t)(port + UART_MSR));
			break;
		default: /* IIR_THR_EMPTY: reading IIR cleared it */
			break;
		}
	}
}

/* 115200 8N1, FIFOs on (receive trigger level 1 byte: FCR bits 7:6 = 0) and cleared, OUT2 set:
 * on a PC, OUT2 connects the UART's INTR pin to the interrupt line. Interrupts stay off (IER 0)
 * until the route is in place. */
static void uart_init(void)
{
	outb((uint16_t)(port + UART_IER), 0);
	outb((uint16_t)(port + UART_LCR), UART_LCR_DLAB);
	outb((uint16_t)(port + UART_DLL), UART_BAUD_BASE / 115200);
	outb((uint16_t)(port + UART_DLM), 0);
	outb((uint16_t)(port + UART_LCR), UART_LCR_8N1);
	outb((uint16_t)(port + UART_FCR), UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
	outb((uint16_t)(port + UART_MCR), UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	/* Clear whatever is pending: line status, a stale byte, THRE, modem status. */
	inb((uint16_t)(port + UART_LSR));
	inb((uint16_t)(port + UART_RBR));
	inb((uint16_t)(port + UART_IIR));
	inb((uint16_t)(port + UART_MSR));
}

int main(const struct sdk_env *env)
{
	unsigned gsi = (unsigned)sdk_cmdline_u64("gsi", 3);
	uint64_t shown = 0;
	int rc;

	port = (uint16_t)sdk_cmdline_u64("port", 0x2f8);
	sdk_printf("echo: start, apic id %u, tsc %llu kHz, %s", sdk_apic_id(),
		   (unsigned long long)env->tsc_khz, env->bulkhead ? "bulkhead" : "bare");
	/* The scratch register keeps what is written (data sheet: SCR); ports not granted read
	 * all-ones. */
	outb((uint16_t)(port + UART_SCR), UART_SCRATCH_PROBE);
	if (inb((uint16_t)(port + UART_SCR)) != UART_SCRATCH_PROBE) {
		sdk_printf("echo: no 16550 at 0x%x", port);
		return 1;
	}
	uart_init();
	sdk_irq_register(VEC_UART, uart_irq);
	rc = sdk_ioapic_route(gsi, VEC_UART, 0, SDK_GSI_EDGE | SDK_GSI_ACTIVE_HIGH);
	if (rc) {
		sdk_printf("echo: cannot route gsi %u (%d)", gsi, rc);
		return 1;
	}
	/* Received-data interrupts only: a byte already waiting raises one at once. */
	outb((uint16_t)(port + UART_IER), UART_IER_RDI);
	sdk_printf("echo: ready, uart 0x%x, gsi %u -> vector 0x%x on apic id %u", port, gsi,
		   VEC_UART, sdk_apic_id());

	/* Halt until the handler owes a count line; print outside the handler. */
	sdk_irq_disable();
	for (;;) {
		while (reports == shown)
			sdk_wait();
		shown = reports;
		sdk_printf("echo: %llu bytes echoed", (unsigned long long)echoed);
	}
}
