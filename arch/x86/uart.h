/* 16550 UART driver (the hypervisor's console: COM1 unless console= says otherwise). */
#ifndef BULKHEAD_ARCH_X86_UART_H
#define BULKHEAD_ARCH_X86_UART_H

#include "bulkhead/types.h"

#define UART_NO_IRQ 0xff

/* The console's UART once arch_console_init() found it: its base port and the ISA IRQ of its
 * receive interrupt (UART_NO_IRQ: polled). */
struct uart_console {
	u16 port;
	u8 irq;
	bool present;
};
extern struct uart_console uart_console;

/* Program `baud` (115200 divided by a whole number) 8N1, FIFOs on, interrupts off. Returns
 * false if no UART answers at `port`. */
bool uart_init(u16 port, u32 baud);
void uart_write(u16 port, const char *s, size_t len);
/* Wait (bounded) until the transmitter has sent everything written. */
void uart_drain(u16 port);
/* A received byte, or -1 when none is waiting. */
int uart_poll(u16 port);

#endif
