/*
 * Text a partition sends to the shared COM1, by its emulated UART (core/vuart.c) or by the
 * print hypercall: cut into lines and filtered the same way on both paths, so that no
 * partition can forge or hide another's line or Bulkhead's. Each line leaves COM1 prefixed
 * with the partition's name; a line end inside the text only starts another such line.
 *
 * Two stages. Here, as the partition writes: printable ASCII, tab and bytes 0xa0-0xff (UTF-8
 * text) are kept; so are CR and BS, and escape sequences of ECMA-48's syntax whole (7-bit CSI
 * "ESC [ params intermediates final", SS3 "ESC O final", OSC "ESC ] text" ended by ESC \ or
 * BEL), at most GUEST_SEQ bytes each. An ESC that does not start such a sequence, or a
 * sequence that breaks the syntax or runs past GUEST_SEQ bytes, loses its ESC and the rest
 * is text like any other. Every other control byte (C0, DEL, C1 0x80-0x9f) is dropped. '\n'
 * ends a line (a CR just before it is dropped); a line longer than GUEST_LINE bytes goes out
 * in pieces, never splitting a sequence.
 *
 * Then, as COM1 writes it (guest_text_render): for the partition that has the input focus,
 * the line as kept, a CR followed by the partition's name again; for every other, and for
 * lines replayed from a buffer, only what guest_text_byte_ok() passes, as COM1 showed every
 * partition's text before escape sequences were passed (ESC[6n shows as "[6n").
 */
#ifndef BULKHEAD_CORE_GUESTTEXT_H
#define BULKHEAD_CORE_GUESTTEXT_H

#include "bulkhead/types.h"

#define GUEST_LINE 200 /* bytes of one line on COM1, after the partition's name */
#define GUEST_SEQ  64  /* bytes of the longest escape sequence passed whole, ESC included */

#define GUEST_ESC 0x1b
#define GUEST_BEL 0x07
#define GUEST_BS  0x08
#define GUEST_CR  '\r'

/* A line being collected. */
struct guest_line {
	u32 len;
	u32 shown;   /* bytes of buf already written to COM1 before the line's end */
	u32 seq_len; /* bytes of an escape sequence being collected in seq (0: none) */
	u8 seq_state;
	bool cr; /* a CR waits: dropped if the line ends next, else kept */
	char seq[GUEST_SEQ];
	char buf[GUEST_LINE + 1];
};

/* Called with each complete line (NUL-terminated, no line end) and how many of its bytes
 * were already shown (guest_line_take_partial). */
typedef void (*guest_line_fn)(void *ctx, const char *line, u32 shown);

/* Whether byte `c` may appear on COM1 inside a line of a partition without the focus. */
bool guest_text_byte_ok(u8 c);
/* One byte of the partition's text: '\n' emits the line, a kept byte or a completed sequence
 * is added (a full line is emitted first), anything else is dropped. */
void guest_line_put(struct guest_line *l, u8 c, guest_line_fn emit, void *ctx);
/* Emit what is collected, even if empty, and start a new line (an unfinished sequence is
 * text, a waiting CR is dropped). */
void guest_line_flush(struct guest_line *l, guest_line_fn emit, void *ctx);
/* The bytes of the line not yet shown, into out (NUL-terminated), counted as shown from now
 * on; a sequence being collected and a waiting CR stay. Returns how many. */
u32 guest_line_take_partial(struct guest_line *l, char *out, size_t size);
/* Bytes collected that guest_line_take_partial() would return. */
u32 guest_line_unshown(const struct guest_line *l);

/* COM1's view of a partition's line (as guest_line kept it): `focused` keeps it as it is,
 * but each CR is followed by `prefix` again; otherwise only guest_text_byte_ok() bytes.
 * Calls out(ctx, bytes, n) for each run. Returns whether an escape sequence went out. */
typedef void (*guest_text_out_fn)(void *ctx, const char *s, size_t len);
bool guest_text_render(const char *text, size_t len, bool focused, const char *prefix,
		       guest_text_out_fn out, void *ctx);
/* The unfocused view into buf (NUL-terminated, cut to size - 1): for replays. */
size_t guest_text_plain(const char *text, char *buf, size_t size);

#endif
