/* 16550 UART, polled (registers: core/lib/uart16550.h). */
#include "arch/x86/uart.h"
#include "core/lib/cpu.h"
#include "core/lib/uart16550.h"

bool uart_init(u16 port, u32 baud)
{
	u32 divisor = baud ? UART_BAUD_BASE / baud : 1;

	/* The scratch register exists on every 16450/16550: if a pattern does not stick,
	 * nothing is there and we must not spin on its line status forever. */
	outb(port + UART_SCR, 0x5a);
	if (inb(port + UART_SCR) != 0x5a)
		return false;
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, UART_LCR_DLAB);
	outb(port + UART_DLL, (u8)divisor);
	outb(port + UART_DLM, (u8)(divisor >> 8));
	outb(port + UART_LCR, UART_LCR_8N1);
	outb(port + UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
	outb(port + UART_MCR, UART_MCR_DTR | UART_MCR_RTS);
	return true;
}

/* Set when a byte's wait ran out: the UART is wedged (or gone), and the next bytes do not wait
 * for it again, so a flush of the console's whole FIFO takes one wait, not one a byte. Cleared
 * as soon as the transmitter shows room again. */
static bool wedged;

static void uart_putc(u16 port, char c)
{
	/* Bounded wait: a wedged UART must not hang the hypervisor. */
	u32 limit = wedged ? 1 : 1000000, spins = 0;

	while (!(inb(port + UART_LSR) & UART_LSR_THRE) && ++spins < limit)
		cpu_relax();
	wedged = spins >= limit;
	outb(port + UART_THR, (u8)c);
}

void uart_write(u16 port, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc(port, '\r');
		uart_putc(port, s[i]);
	}
}

/* With the FIFOs on, THRE means the whole 16-byte transmit FIFO is empty, not one holding
 * register (PC16550D data sheet, Line Status Register bit 5: "In the FIFO mode this bit is
 * set when the XMIT FIFO is empty"); IIR bits 6-7 read 1 only while the FIFOs are enabled
 * (Interrupt Identification Register), which an 8250 or 16450 never does. */
u32 uart_tx_room(u16 port)
{
	return (inb(port + UART_IIR) & UART_IIR_FIFO_ON) == UART_IIR_FIFO_ON ? UART_TX_FIFO : 1;
}

/* Writes only while THRE promises room, so it never waits: a whole burst of `room` bytes
 * when THRE is set, none when it is clear. A line end takes two places (CR LF) and goes only
 * whole; a UART with no FIFO (room 1) takes its LF after a one-character wait. */
size_t uart_try_write(u16 port, u32 room, const char *s, size_t len)
{
	size_t i;

	if (!len || !(inb(port + UART_LSR) & UART_LSR_THRE))
		return 0;
	if (s[0] == '\n' && room < 2) {
		uart_write(port, s, 1);
		return 1;
	}
	for (i = 0; i < len && room; i++, room--) {
		if (s[i] == '\n') {
			if (room < 2)
				break;
			outb(port + UART_THR, '\r');
			room--;
		}
		outb(port + UART_THR, (u8)s[i]);
	}
	return i;
}

void uart_drain(u16 port)
{
	for (u32 spins = 0; spins < 1000000; spins++) {
		if (inb(port + UART_LSR) & UART_LSR_TEMT)
			return;
		cpu_relax();
	}
}

int uart_poll(u16 port)
{
	if (!(inb(port + UART_LSR) & UART_LSR_DR))
		return -1;
	return inb(port + UART_RBR);
}
