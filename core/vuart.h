/*
 * The 16550 UART every partition sees at COM1's ports (0x3f8-0x3ff), emulated: Bulkhead owns
 * the real COM1 and its log, so a partition's writes are collected into lines and leave COM1
 * whole, prefixed with the partition's name, never mixed with another partition's line.
 *
 * It models what a polling driver looks at (Linux's 8250 driver probes all of it): the
 * divisor latch, IER (4 bits), IIR/FCR (16550A FIFOs, a THR-empty interrupt is "pending" while
 * enabled), LCR, MCR and loopback in MSR, LSR (the transmitter is always empty) and the
 * scratch register, and a receive FIFO that COM1's input fills while the partition has the
 * console's focus (core/conmux.c). No interrupt is ever delivered; drivers poll.
 */
#ifndef BULKHEAD_CORE_VUART_H
#define BULKHEAD_CORE_VUART_H

#include "core/guesttext.h"
#include "core/lib/uart16550.h"
#include "bulkhead/types.h"

#define VUART_BASE  COM1_PORT
#define VUART_PORTS 8
#define VUART_LINE  GUEST_LINE /* a longer line is sent in pieces of this many bytes */
#define VUART_RX    64	       /* bytes typed and not yet read; more are dropped */

struct vuart {
	u8 ier, lcr, mcr, scr, dll, dlm, fcr;
	struct guest_line line; /* what the partition wrote since its last line end */
	u8 rx[VUART_RX];
	u32 rx_head, rx_count;
};

/* Called with each complete line (NUL-terminated, no line end). */
typedef guest_line_fn vuart_line_fn;

void vuart_reset(struct vuart *u);
/* A guest OUT to port VUART_BASE + `reg` (0..7). */
void vuart_write(struct vuart *u, u32 reg, u8 val, vuart_line_fn emit, void *ctx);
/* A guest IN from port VUART_BASE + `reg` (0..7). Reading the receive buffer takes a byte. */
u8 vuart_read(struct vuart *u, u32 reg);
/* A byte typed for the partition: false if its receive FIFO is full (the byte is dropped). */
bool vuart_receive(struct vuart *u, u8 byte);

#endif
