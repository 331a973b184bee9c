/* Lines of partition text for the shared COM1: see guesttext.h. */
#include "core/guesttext.h"

bool guest_text_byte_ok(u8 c)
{
	return c == '\t' || (c >= 0x20 && c < 0x7f) || c >= 0xa0;
}

void guest_line_flush(struct guest_line *l, guest_line_fn emit, void *ctx)
{
	l->buf[l->len] = '\0';
	emit(ctx, l->buf);
	l->len = 0;
}

void guest_line_put(struct guest_line *l, u8 c, guest_line_fn emit, void *ctx)
{
	if (c == '\n') {
		guest_line_flush(l, emit, ctx);
		return;
	}
	if (!guest_text_byte_ok(c))
		return;
	if (l->len == GUEST_LINE) /* full: out it goes, and this byte starts the next piece */
		guest_line_flush(l, emit, ctx);
	l->buf[l->len++] = (char)c;
}
