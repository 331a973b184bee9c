/* 16550 UART driver (the hypervisor's console: COM1 unless console= says otherwise). */
#ifndef BULKHEAD_ARCH_X86_UART_H
#define BULKHEAD_ARCH_X86_UART_H

#include "bulkhead/types.h"

#define UART_NO_IRQ  0xff
#define UART_TX_FIFO 16 /* the 16550's transmit FIFO, in bytes */

/* The console's UART once arch_console_init() found it: its base port and the ISA IRQ of its
 * receive interrupt (UART_NO_IRQ: polled). */
struct uart_console {
	u16 port;
	u8 irq;
	bool present;
	u32 tx_room; /* bytes the transmitter takes at once when THRE is set (uart_tx_room) */
};
extern struct uart_console uart_console;

/* Program `baud` (115200 divided by a whole number) 8N1, FIFOs on, interrupts off. Returns
 * false if no UART answers at `port`. */
bool uart_init(u16 port, u32 baud);
/* Each '\n' goes out as CR LF. uart_write waits (bounded) for the transmitter before each
 * byte; uart_try_write writes what the transmitter has room for now, at most `room` bytes
 * (uart_tx_room), and returns how many of s's bytes went (it waits only for a line end's LF on
 * a UART with no FIFO, one character). */
void uart_write(u16 port, const char *s, size_t len);
size_t uart_try_write(u16 port, u32 room, const char *s, size_t len);
/* How many bytes the transmitter takes when THRE is set: 16 with the FIFOs on, else 1. */
u32 uart_tx_room(u16 port);
/* Wait (bounded) until the transmitter has sent everything written. */
void uart_drain(u16 port);
/* A received byte, or -1 when none is waiting. */
int uart_poll(u16 port);

#endif
