/* 16550 UART driver (COM1 is the hypervisor's console). */
#ifndef BULKHEAD_ARCH_X86_UART_H
#define BULKHEAD_ARCH_X86_UART_H

#include "bulkhead/types.h"

/* Program 115200 8N1, FIFOs on, interrupts off. Returns false if no UART answers at `port`. */
bool uart_init(u16 port);
void uart_write(u16 port, const char *s, size_t len);
/* A received byte, or -1 when none is waiting. */
int uart_poll(u16 port);

#endif
