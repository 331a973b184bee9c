/*
 * The console's boot options (docs/console.md), parsed and checked without touching the
 * machine: `console=` (which UART, at what speed), `escape=` (the key that moves the
 * keyboard's focus) and what a partition's row may not have once the console is chosen.
 */
#ifndef BULKHEAD_CORE_CONOPTS_H
#define BULKHEAD_CORE_CONOPTS_H

#include "bulkhead/ptable.h"
#include "bulkhead/types.h"

#define CONSOLE_NO_IRQ 0xffu /* a UART whose interrupt line is not known: polled */
#define CONSOLE_PORTS  8u    /* a 16550 decodes 8 ports from its base */
#define CONSOLE_BAUD   115200u
#define ESCAPE_DEFAULT 0x01u /* Ctrl-A */

struct console_port {
	u16 port;     /* base of its 8 registers */
	u32 baud;     /* 115200 divided by a whole number */
	u8 irq;	      /* ISA IRQ of its receive interrupt, or CONSOLE_NO_IRQ */
	char name[8]; /* "com1" ... "com4", or the port as "0x2f8" */
};

/* COM1, 0x3f8, 115200 baud, IRQ 4: the console unless console= says otherwise. */
extern const struct console_port console_com1;

/* `com1|com2|com3|com4|0x<port>[,<baud>]` into *out. Nonzero with why (without "console=")
 * when the value is bad; *out is then untouched. COM1 and COM2 come with IRQ 4 and 3; COM3,
 * COM4 and a port by number are polled (their lines differ between machines). */
int console_opt_parse(const char *val, struct console_port *out, char *why, size_t why_size);
/* `^B` (or `^b`), or the byte as a number (`2`, `0x02`): a C0 control key other than NUL,
 * BS, TAB, LF, CR and ESC, which typing and terminals need, and BEL, which ends a terminal's
 * answers. Nonzero with why when bad. */
int escape_opt_parse(const char *val, u8 *key, char *why, size_t why_size);
/* focus-only's value: the bare word, "on" or "1" turn it on, "off" or "0" leave it off.
 * Nonzero with why when it is anything else. */
int focus_only_opt_parse(const char *val, bool *on, char *why, size_t why_size);
/* "Ctrl-A", ... for an escape key. */
void escape_key_name(u8 key, char *buf, size_t size);
/* Does partition row c reach the console: its ports (a row range, a legacy device's, a PCI
 * function's I/O BAR) overlap the console's 8, or a device of it has the console's
 * interrupt? Nonzero with why ("<field>: <what>") if so. */
int console_port_conflict(const struct partition_config *c, const struct console_port *con,
			  char *why, size_t why_size);

#endif
