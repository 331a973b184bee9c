/*
 * The hypervisor's console: whole lines to the console UART (COM1 unless `console=` says
 * otherwise, core/conmux.c), one CPU at a time. Bulkhead's own lines (core/log.c calls
 * console_write) are also kept in a ring for the shell's `log bulkhead`; lines logged before
 * the console is chosen wait there and go out when console_begin() opens it. Partitions'
 * text comes through console_partition(): a line of the partition that has the keyboard may
 * be shown before its end (an open line); whoever writes next ends it first, so Bulkhead's
 * lines and other partitions' always start a line of their own.
 *
 * Whatever is written goes into a transmit FIFO first (CONSOLE_FIFO_BYTES), and the UART takes
 * from it only what it has room for, without waiting: the CPU that prints goes on at once, and
 * the boot CPU's console loop pushes the rest (core/conmux.c; a CPU that leaves bytes there
 * wakes it). A full FIFO makes the writer wait for the UART, as every write did before: no byte
 * is lost or reordered. Before the CPU stops for good or the machine resets, console_flush().
 */
#ifndef BULKHEAD_CORE_CONSOLE_H
#define BULKHEAD_CORE_CONSOLE_H

#include "bulkhead/types.h"

/* console_write() is declared in core/log.h. */

#define BULKHEAD_LOG_BYTES 16384 /* Bulkhead's own recent lines, for `log bulkhead` */
#define CONSOLE_LINE	   512	 /* longest line kept in that ring (log.c's limit) */
/* The transmit FIFO (a power of two): at 115200 baud, about 2.8 s of COM1. */
#define CONSOLE_FIFO_BYTES 32768

/* console_partition() flags. */
#define CON_ENDS    0x1u /* the line ends after this text */
#define CON_FOCUSED 0x2u /* the partition has the keyboard: its sequences pass (guesttext.h) */
#define CON_CONT                                                                                   \
	0x4u /* the text continues a line of which some was already shown: it                      \
	      * goes on that line if it is still open, else on a line of its own */

/* The console UART is programmed (arch_console_init): write what was logged so far, and
 * everything from now on. */
void console_begin(void);
/* Partition `who`'s text (as guest_line keeps it) under the prefix "<name>: ". */
void console_partition(u32 who, const char *name, const char *text, size_t len, u32 flags);
/* A line of Bulkhead's that is not kept in its ring (the shell's replays of rings). */
void console_write_unkept(const char *s, size_t len);
/* The keyboard's focus moved: the terminal's modes a focused partition set are reset, on a
 * line of their own, if it sent any escape sequence since the last move. */
void console_focus_moved(void);
/* Bulkhead's ring: the numbers of its oldest line and of the line after its newest, and line
 * `n` (false if it has fallen off). */
void console_log_range(u64 *first, u64 *end);
bool console_log_line(u64 n, char *out, size_t size);

/* Hand the UART what it takes now from the FIFO, without waiting (the boot CPU's loop). */
void console_push(void);
/* Write everything in the FIFO out, waiting for the UART: before a halt or a reset. */
void console_flush(void);
/* Bytes in the FIFO the UART has not taken yet (read without the lock: a hint). */
u32 console_pending(void);

/* Called on a fatal path (a trap in Bulkhead): if this CPU holds the console lock or waits for
 * it, give it up, so that the report can still be printed and no other CPU waits for ever.
 * A console not yet chosen becomes COM1. */
void console_trap_release(void);

#ifdef HOST_TEST
/* The unit test takes its "trap" here, while a CPU waits its turn (tests/unit/test_console.c). */
void console_test_waiting(void);
#endif

#endif
