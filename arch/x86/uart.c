/* 16550 UART, polled. Register layout per the National PC16550D datasheet. */
#include "arch/x86/uart.h"
#include "core/lib/cpu.h"

enum {
	UART_THR = 0, /* transmit holding (DLAB=0) */
	UART_DLL = 0, /* divisor low (DLAB=1) */
	UART_IER = 1,
	UART_DLM = 1,
	UART_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_SCR = 7,
};

#define LSR_THRE    0x20
#define LCR_8N1	    0x03
#define LCR_DLAB    0x80
#define BAUD_BASE   115200
#define CONSOLE_BPS 115200

bool uart_init(u16 port)
{
	/* The scratch register exists on every 16450/16550: if a pattern does not stick,
	 * nothing is there and we must not spin on its line status forever. */
	outb(port + UART_SCR, 0x5a);
	if (inb(port + UART_SCR) != 0x5a)
		return false;
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DLL, BAUD_BASE / CONSOLE_BPS);
	outb(port + UART_DLM, 0);
	outb(port + UART_LCR, LCR_8N1);
	outb(port + UART_FCR, 0x07); /* enable and clear FIFOs */
	outb(port + UART_MCR, 0x03); /* DTR, RTS */
	return true;
}

static void uart_putc(u16 port, char c)
{
	/* Bounded wait: a wedged UART must not hang the hypervisor. */
	for (u32 spins = 0; spins < 1000000; spins++) {
		if (inb(port + UART_LSR) & LSR_THRE)
			break;
		cpu_relax();
	}
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

int uart_poll(u16 port)
{
	if (!(inb(port + UART_LSR) & 0x01)) /* data ready */
		return -1;
	return inb(port + UART_THR); /* receive buffer, same offset */
}
