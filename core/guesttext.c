/* Lines of partition text for the shared COM1: see guesttext.h. */
#include "core/guesttext.h"
#include "core/lib/string.h"

/* Where an escape sequence being collected is (ECMA-48 §5.4: CSI; §5.6: OSC, a control
 * string ended by ST; §8.3.143: SS3; BEL ends an OSC too, as xterm takes it). */
enum {
	SEQ_ESC = 1,   /* ESC seen */
	SEQ_CSI_PARAM, /* ESC [ and parameter bytes 0x30-0x3f */
	SEQ_CSI_INTER, /* then intermediate bytes 0x20-0x2f */
	SEQ_SS3,       /* ESC O: one final byte follows */
	SEQ_OSC,       /* ESC ] and command string bytes 0x20-0x7e */
	SEQ_OSC_ESC,   /* and an ESC: '\' ends it (ST) */
};

bool guest_text_byte_ok(u8 c)
{
	return c == '\t' || (c >= 0x20 && c < 0x7f) || c >= 0xa0;
}

static bool in_range(u8 c, u8 lo, u8 hi)
{
	return c >= lo && c <= hi;
}

/* The line so far goes out (a piece, or the whole line), and a new one starts. */
static void emit_line(struct guest_line *l, guest_line_fn emit, void *ctx)
{
	u32 shown = l->shown;

	l->buf[l->len] = '\0';
	l->len = 0;
	l->shown = 0;
	emit(ctx, l->buf, shown);
}

/* Append n bytes that belong together; a line without room for them goes out first. */
static void add(struct guest_line *l, const char *s, u32 n, guest_line_fn emit, void *ctx)
{
	if (l->len + n > GUEST_LINE)
		emit_line(l, emit, ctx);
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

/* A sequence that broke the syntax or ran too long: its ESC goes, the rest is text. */
static void abandon(struct guest_line *l, guest_line_fn emit, void *ctx)
{
	u32 n = l->seq_len;

	l->seq_len = 0;
	for (u32 i = 1; i < n; i++)
		if (guest_text_byte_ok((u8)l->seq[i]))
			add(l, &l->seq[i], 1, emit, ctx);
}

/* One more byte of the sequence being collected: true if it is still one. */
static bool seq_next(struct guest_line *l, u8 c, bool *done)
{
	*done = false;
	switch (l->seq_state) {
	case SEQ_ESC:
		if (c == '[')
			l->seq_state = SEQ_CSI_PARAM;
		else if (c == ']')
			l->seq_state = SEQ_OSC;
		else if (c == 'O')
			l->seq_state = SEQ_SS3;
		else
			return false;
		return true;
	case SEQ_CSI_PARAM:
	case SEQ_CSI_INTER:
		if (l->seq_state == SEQ_CSI_PARAM && in_range(c, 0x30, 0x3f))
			return true;
		if (in_range(c, 0x20, 0x2f)) {
			l->seq_state = SEQ_CSI_INTER;
			return true;
		}
		*done = in_range(c, 0x40, 0x7e);
		return *done;
	case SEQ_SS3:
		*done = in_range(c, 0x40, 0x7e);
		return *done;
	case SEQ_OSC:
		if (c == GUEST_ESC)
			l->seq_state = SEQ_OSC_ESC;
		else
			*done = c == GUEST_BEL;
		return *done || c == GUEST_ESC || in_range(c, 0x20, 0x7e);
	default: /* SEQ_OSC_ESC */
		*done = c == '\\';
		return *done;
	}
}

static bool one_of(const char *set, char c)
{
	for (; *set; set++)
		if (*set == c)
			return true;
	return false;
}

/* Parameters s[0..n) are numbers and ';' only. */
static bool numeric(const char *s, u32 n)
{
	for (u32 i = 0; i < n; i++)
		if (!in_range((u8)s[i], '0', '9') && s[i] != ';')
			return false;
	return true;
}

/* "?25", "?1049", "?2004", alone or several: a private mode a line editor or a full-screen
 * program sets, which the console resets when the focus leaves the partition. */
static bool private_mode_ok(const char *s, u32 n)
{
	static const char *const ok[] = {"25", "1049", "2004"};
	u32 at = 1;

	while (at < n) {
		u32 end = at, k = 0;

		while (end < n && s[end] != ';')
			end++;
		while (k < sizeof(ok) / sizeof(ok[0]) &&
		       !(strlen(ok[k]) == end - at && !memcmp(ok[k], s + at, end - at)))
			k++;
		if (k == sizeof(ok) / sizeof(ok[0]))
			return false;
		at = end + 1;
	}
	return n > 1;
}

/* What the focused partition may send the terminal (a sequence s of n bytes, ESC first,
 * well-formed): what line editing and a full-screen program need, and nothing that changes
 * how the terminal reads the keyboard (the kitty keyboard protocol, modifyOtherKeys, KAM: the
 * escape key would stop reaching Bulkhead), reports input (mouse, focus), answers with more
 * than a cursor position, or outlives the focus (OSC 52's clipboard, colours, links). */
static bool seq_allowed(const char *s, u32 n)
{
	char final = s[n - 1];

	if (s[1] == 'O') /* SS3: cursor keys and home/end as some programs echo them */
		return one_of("ABCDFH", final);
	if (s[1] == ']') /* OSC: a window title only */
		return n > 4 && in_range((u8)s[2], '0', '2') && s[3] == ';';
	if (s[2] == '?') /* CSI ? Pm h/l */
		return (final == 'h' || final == 'l') && private_mode_ok(s + 2, n - 3);
	if (!numeric(s + 2, n - 3))
		return false; /* a private marker, an intermediate byte */
	if (final == 'n')
		return n == 4 && s[2] == '6'; /* where is the cursor (DSR 6) */
	return one_of("@ABCDEFGHJKLMPXdfm", final);
}

static void seq_put(struct guest_line *l, u8 c, guest_line_fn emit, void *ctx)
{
	bool done;

	if (l->seq_len == GUEST_SEQ || !seq_next(l, c, &done)) {
		abandon(l, emit, ctx);
		guest_line_put(l, c, emit, ctx); /* the byte that broke it starts afresh */
		return;
	}
	l->seq[l->seq_len++] = (char)c;
	if (done && !seq_allowed(l->seq, l->seq_len)) {
		abandon(l, emit, ctx); /* well-formed, but not one the terminal may get */
	} else if (done) {
		add(l, l->seq, l->seq_len, emit, ctx);
		l->seq_len = 0;
	}
}

void guest_line_flush(struct guest_line *l, guest_line_fn emit, void *ctx)
{
	if (l->seq_len)
		abandon(l, emit, ctx);
	l->cr = false;
	emit_line(l, emit, ctx);
}

void guest_line_put(struct guest_line *l, u8 c, guest_line_fn emit, void *ctx)
{
	char byte = (char)c;

	if (l->seq_len) {
		seq_put(l, c, emit, ctx);
		return;
	}
	if (c == '\n') {
		guest_line_flush(l, emit, ctx);
		return;
	}
	if (c == GUEST_CR) { /* "\r\n" is a line end; a CR before anything else is kept */
		l->cr = true;
		return;
	}
	if (l->cr) {
		l->cr = false;
		add(l, "\r", 1, emit, ctx);
	}
	if (c == GUEST_ESC) {
		l->seq[0] = (char)c;
		l->seq_len = 1;
		l->seq_state = SEQ_ESC;
	} else if (c == GUEST_BS || guest_text_byte_ok(c)) {
		add(l, &byte, 1, emit, ctx);
	}
}

u32 guest_line_unshown(const struct guest_line *l)
{
	return l->len - l->shown;
}

u32 guest_line_take_partial(struct guest_line *l, char *out, size_t size)
{
	u32 n = guest_line_unshown(l);

	if (!size)
		return 0;
	if (n > size - 1)
		n = (u32)(size - 1);
	memcpy(out, l->buf + l->shown, n);
	out[n] = '\0';
	l->shown += n;
	return n;
}

static bool passes(u8 c, bool focused)
{
	if (guest_text_byte_ok(c))
		return true;
	return focused && (c == GUEST_ESC || c == GUEST_BEL || c == GUEST_BS || c == GUEST_CR);
}

bool guest_text_render(const char *text, size_t len, bool focused, const char *prefix,
		       guest_text_out_fn out, void *ctx)
{
	size_t start = 0;
	bool seq = false;

	for (size_t i = 0; i < len; i++) {
		u8 c = (u8)text[i];

		seq |= focused && c == GUEST_ESC;
		if (passes(c, focused) && !(focused && c == GUEST_CR))
			continue;
		if (passes(c, focused)) { /* a CR: back to the line's start, and its name again */
			out(ctx, text + start, i + 1 - start);
			out(ctx, prefix, strlen(prefix));
		} else if (i > start) {
			out(ctx, text + start, i - start);
		}
		start = i + 1;
	}
	if (len > start)
		out(ctx, text + start, len - start);
	return seq;
}

size_t guest_text_plain(const char *text, char *buf, size_t size)
{
	size_t n = 0;

	if (!size)
		return 0;
	for (; *text && n + 1 < size; text++)
		if (guest_text_byte_ok((u8)*text))
			buf[n++] = *text;
	buf[n] = '\0';
	return n;
}
