/* The 16550 UART's registers (National Semiconductor PC16550D data sheet, "Register
 * Description"), each defined once, and where PCs put the first one, COM1: for the hypervisor's
 * console (arch/x86/uart.c, irq.c), the COM1 it emulates for partitions (core/vuart.c) and the
 * payload SDK's console when it runs bare. */
#ifndef BULKHEAD_LIB_UART16550_H
#define BULKHEAD_LIB_UART16550_H

/* COM1 on PC compatibles: I/O ports 0x3f8-0x3ff, ISA IRQ 4. */
#define COM1_PORT    0x3f8
#define COM1_ISA_IRQ 4

/* Register offsets from the base port. While LCR.DLAB is set, DLL and DLM take the places of
 * RBR/THR and IER. */
#define UART_RBR 0 /* receive buffer (read) */
#define UART_THR 0 /* transmit holding (write) */
#define UART_DLL 0 /* divisor latch, low byte */
#define UART_IER 1 /* interrupt enable */
#define UART_DLM 1 /* divisor latch, high byte */
#define UART_IIR 2 /* interrupt identification (read) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_MSR 6 /* modem status */
#define UART_SCR 7 /* scratch */

/* The divisor latch divides this (the PC's 1.8432 MHz clock / 16) down to the bit rate. */
#define UART_BAUD_BASE 115200

#define UART_IER_RDI	  0x01 /* received data available */
#define UART_IER_THRI	  0x02 /* transmit holding register empty */
#define UART_IIR_NO_INT	  0x01 /* no interrupt pending */
#define UART_IIR_THRI	  0x02
#define UART_IIR_RDI	  0x04
#define UART_IIR_FIFO_ON  0xc0 /* FIFOs enabled */
#define UART_FCR_ENABLE	  0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
#define UART_LCR_8N1	  0x03 /* 8 data bits, no parity, 1 stop bit */
#define UART_LCR_DLAB	  0x80 /* divisor latch access */
#define UART_MCR_DTR	  0x01
#define UART_MCR_RTS	  0x02
#define UART_MCR_OUT1	  0x04
#define UART_MCR_OUT2	  0x08 /* on PCs, gates the UART's interrupt line */
#define UART_MCR_LOOP	  0x10
#define UART_LSR_DR	  0x01 /* data ready */
#define UART_LSR_THRE	  0x20 /* transmit holding register empty */
#define UART_LSR_TEMT	  0x40 /* transmitter empty */
#define UART_MSR_CTS	  0x10
#define UART_MSR_DSR	  0x20
#define UART_MSR_RI	  0x40
#define UART_MSR_DCD	  0x80

#endif
