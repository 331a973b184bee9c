/*
 * Text a partition sends to the shared COM1, by its emulated UART (core/vuart.c) or by the
 * print hypercall: cut into lines and filtered the same way on both paths, so that no
 * partition can forge or hide another's line or Bulkhead's. Each line leaves COM1 prefixed
 * with the partition's name; a line end inside the text only starts another such line.
 *
 * Kept: printable ASCII, tab, and bytes 0xa0-0xff (UTF-8 text). Dropped: C0 control bytes
 * (CR, ESC and the rest: a terminal would move the cursor or start an escape sequence),
 * DEL, and the C1 bytes 0x80-0x9f (CSI 0x9b starts an escape sequence on terminals that take
 * 8-bit controls). '\n' ends a line; a line longer than GUEST_LINE goes out in pieces.
 */
#ifndef BULKHEAD_CORE_GUESTTEXT_H
#define BULKHEAD_CORE_GUESTTEXT_H

#include "bulkhead/types.h"

#define GUEST_LINE 200 /* bytes of one line on COM1, after the partition's name */

/* A line being collected. */
struct guest_line {
	u32 len;
	char buf[GUEST_LINE + 1];
};

/* Called with each complete line (NUL-terminated, no line end). */
typedef void (*guest_line_fn)(void *ctx, const char *line);

/* Whether byte `c` may appear on COM1 inside a partition's line. */
bool guest_text_byte_ok(u8 c);
/* One byte of the partition's text: '\n' emits the line, a kept byte is added (a full line is
 * emitted first), anything else is dropped. */
void guest_line_put(struct guest_line *l, u8 c, guest_line_fn emit, void *ctx);
/* Emit what is collected, even if empty, and start a new line. */
void guest_line_flush(struct guest_line *l, guest_line_fn emit, void *ctx);

#endif
