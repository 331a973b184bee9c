/* Unit tests for core/guesttext.c: what of a partition's text reaches the shared console, as
 * kept (with whole escape sequences) and as shown with and without the input focus. Every
 * expectation is byte-exact. */
#include <stdio.h>
#include <string.h>

#include "core/guesttext.h"
#include "tests/unit/check.h"

#define MAX_OUT 8

static struct {
	u32 n;
	char line[MAX_OUT][GUEST_LINE + 1];
	u32 shown[MAX_OUT];
} out;

static void emit(void *ctx, const char *line, u32 shown)
{
	(void)ctx;
	if (out.n < MAX_OUT) {
		snprintf(out.line[out.n], sizeof(out.line[0]), "%s", line);
		out.shown[out.n] = shown;
	}
	out.n++;
}

static struct guest_line L;

static void put(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		guest_line_put(&L, (u8)text[i], emit, NULL);
}

/* Feed `len` bytes and flush, as the print hypercall does. */
static void feed(const char *text, size_t len)
{
	memset(&out, 0, sizeof(out));
	memset(&L, 0, sizeof(L));
	put(text, len);
	guest_line_flush(&L, emit, NULL);
}

#define FEED(s) feed(s, sizeof(s) - 1)

/* What the console writes of a line: focused or not, with prefix "rt0: " after a CR. */
static char shown[1024];
static size_t shown_len;

static void collect(void *ctx, const char *s, size_t len)
{
	(void)ctx;
	CHECK(shown_len + len < sizeof(shown));
	if (shown_len + len < sizeof(shown)) {
		memcpy(shown + shown_len, s, len);
		shown_len += len;
		shown[shown_len] = '\0';
	}
}

static bool render(const char *line, bool focused)
{
	shown_len = 0;
	shown[0] = '\0';
	return guest_text_render(line, strlen(line), focused, "rt0: ", collect, NULL);
}

static void test_bytes_kept_and_dropped(void)
{
	for (u32 c = 0; c < 256; c++) {
		bool want = c == '\t' || (c >= 0x20 && c <= 0x7e) || c >= 0xa0;

		if (guest_text_byte_ok((u8)c) != want)
			printf("  byte 0x%02x: %s\n", c, want ? "dropped" : "kept");
		CHECK(guest_text_byte_ok((u8)c) == want);
	}
}

/* Every byte alone: the ones kept, CR (waiting, then dropped at the line's end), ESC
 * (an unfinished sequence: text, so nothing) and BS (kept for the focused view). */
static void test_single_bytes(void)
{
	for (u32 c = 0; c < 256; c++) {
		char b[2] = {(char)c, 'x'};

		if (c == '\n')
			continue;
		feed(b, 2);
		CHECK_EQ(out.n, 1);
		if (guest_text_byte_ok((u8)c) || c == 0x08 || c == '\r')
			CHECK(out.line[0][0] == (char)c && !strcmp(out.line[0] + 1, "x"));
		else
			CHECK(!strcmp(out.line[0], "x"));
	}
}

/* A line end inside the text starts another line (which the console prefixes with the same
 * partition's name): it cannot begin a line of Bulkhead's or another partition's. Without
 * the focus, carriage returns, escape sequences in 7 and 8 bits, and DEL vanish. */
static void test_forged_lines(void)
{
	static const char text[] = "ok\npartition rt1: stopped\r\x1b[2K\x9b"
				   "2Kbulkhead: halted\x7f\x85 end";

	FEED(text);
	CHECK_EQ(out.n, 2);
	CHECK(strcmp(out.line[0], "ok") == 0);
	CHECK(!strcmp(out.line[1], "partition rt1: stopped\r\x1b[2K2Kbulkhead: halted end"));
	render(out.line[1], false);
	CHECK(!strcmp(shown, "partition rt1: stopped[2K2Kbulkhead: halted end"));
	/* focused: the CR goes back to the start of the line, where the name is written again */
	CHECK(render(out.line[1], true));
	CHECK(!strcmp(shown, "partition rt1: stopped\rrt0: \x1b[2K2Kbulkhead: halted end"));
}

/* Whole CSI, SS3 and OSC sequences are kept with their ESC; without the focus they show as
 * before, less the ESC (ESC[6n shows as "[6n"). */
static void test_sequences_whole(void)
{
	FEED("a\x1b[6nb");
	CHECK(!strcmp(out.line[0], "a\x1b[6nb"));
	CHECK(render(out.line[0], true));
	CHECK(!strcmp(shown, "a\x1b[6nb"));
	CHECK(!render(out.line[0], false));
	CHECK(!strcmp(shown, "a[6nb"));
	/* parameters, the private modes a line editor sets */
	FEED("\x1b[1;32mgreen\x1b[0m \x1b[?2004h\x1b[?25;1049l\x1b[12;40H\x1b[K");
	CHECK(!strcmp(out.line[0],
		      "\x1b[1;32mgreen\x1b[0m \x1b[?2004h\x1b[?25;1049l\x1b[12;40H\x1b[K"));
	/* SS3 */
	FEED("\x1bOAk");
	CHECK(!strcmp(out.line[0], "\x1bOAk"));
	/* OSC ended by ST or by BEL: the BEL goes with it (and only there) */
	FEED("\x1b]0;title\x1b\\t\x1b]2;x y\x07z\x07");
	CHECK(!strcmp(out.line[0], "\x1b]0;title\x1b\\t\x1b]2;x y\x07z"));
	render(out.line[0], true);
	CHECK(!strcmp(shown, "\x1b]0;title\x1b\\t\x1b]2;x y\x07z"));
	render(out.line[0], false);
	CHECK(!strcmp(shown, "]0;title\\t]2;x yz"));
}

/* Well-formed, but not for the terminal: whatever changes how it reads the keyboard (the
 * kitty protocol, modifyOtherKeys, KAM: the escape key would stop reaching Bulkhead), makes it
 * report input (mouse, focus) or answer more than a cursor position, or outlives the focus
 * (the clipboard, colours, links) loses its ESC, as a malformed one does. */
static void test_sequences_refused(void)
{
	static const char *const refused[] = {
	    "\x1b[>1u",		      /* kitty keyboard protocol */
	    "\x1b[>4;2m",	      /* xterm modifyOtherKeys 2 */
	    "\x1b[2h",		      /* KAM: the keyboard locked */
	    "\x1b[?1000h",	      /* mouse reports */
	    "\x1b[?1004h",	      /* focus reports */
	    "\x1b[?1007h",	      /* the wheel as cursor keys */
	    "\x1b[?25;1000h",	      /* an allowed mode beside one that is not */
	    "\x1b[>q",		      /* XTVERSION: answered with a DCS string */
	    "\x1b[1$w",		      /* DECRQPSR */
	    "\x1b[5n",		      /* DSR: status */
	    "\x1b[c",		      /* DA */
	    "\x1b[2 q",		      /* cursor style: an intermediate byte */
	    "\x1b[21t",		      /* report the title */
	    "\x1bOP",		      /* SS3 P */
	    "\x1b]52;c;eWVzDQ==\x07", /* OSC 52: the clipboard */
	    "\x1b]11;#000000\x07",    /* OSC 11: the background colour */
	    "\x1b]8;;http://x\x1b\\", /* OSC 8: a link */
	};

	for (u32 i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		feed(refused[i], strlen(refused[i]));
		CHECK(strchr(out.line[0], 0x1b) == NULL);
		CHECK(!strcmp(out.line[0], refused[i] + 1) || strchr(refused[i], 0x07) ||
		      strchr(refused[i] + 1, 0x1b));
	}
}

/* Sequences that break ECMA-48's syntax lose their ESC; the byte that broke one starts
 * afresh: a line end still ends the line, an ESC starts another sequence. */
static void test_sequences_malformed(void)
{
	FEED("\x1b"
	     "c reset"); /* not CSI, SS3 or OSC: ESC c (RIS) is text "c" */
	CHECK(!strcmp(out.line[0], "c reset"));
	FEED("\x1b[1;2\x01m"); /* a C0 byte inside */
	CHECK(!strcmp(out.line[0], "[1;2m"));
	FEED("\x1b[ 1m"); /* a parameter after an intermediate */
	CHECK(!strcmp(out.line[0], "[ 1m"));
	FEED("\x1bO\x7f"); /* SS3 without a final byte */
	CHECK(!strcmp(out.line[0], "O"));
	FEED("\x1b]0;a\x1bx"); /* ESC in an OSC not followed by '\' */
	CHECK(!strcmp(out.line[0], "]0;ax"));
	FEED("\x1b]0;\x9b"); /* C1 inside an OSC */
	CHECK(!strcmp(out.line[0], "]0;"));
	FEED("\x1b[\x1b[6n"); /* ESC inside CSI: the first is text, the second whole */
	CHECK(!strcmp(out.line[0], "[\x1b[6n"));
	FEED("\x1b[12\ncut"); /* a line end inside: text, and the line ends */
	CHECK_EQ(out.n, 2);
	CHECK(!strcmp(out.line[0], "[12"));
	CHECK(!strcmp(out.line[1], "cut"));
	FEED("end\x1b[3"); /* unfinished at the end of a print: text */
	CHECK(!strcmp(out.line[0], "end[3"));
}

/* A sequence is at most GUEST_SEQ bytes: an OSC held open (or a CSI of endless parameters)
 * turns into text there, so it can neither grow without bound nor hold the line back. */
static void test_sequences_bounded(void)
{
	char text[GUEST_SEQ + 8], want[GUEST_SEQ + 8];

	memset(&out, 0, sizeof(out));
	memset(&L, 0, sizeof(L));
	text[0] = 0x1b;
	text[1] = '[';
	memset(text + 2, '1', GUEST_SEQ - 3);
	text[GUEST_SEQ - 1] = 'm'; /* exactly GUEST_SEQ bytes: whole */
	put(text, GUEST_SEQ);
	guest_line_flush(&L, emit, NULL);
	CHECK_EQ(strlen(out.line[0]), GUEST_SEQ);
	CHECK(!memcmp(out.line[0], text, GUEST_SEQ));
	/* one parameter more: text */
	memset(&out, 0, sizeof(out));
	memset(text + 2, '1', GUEST_SEQ - 2);
	text[GUEST_SEQ] = 'm';
	put(text, GUEST_SEQ + 1);
	guest_line_flush(&L, emit, NULL);
	want[0] = '[';
	memset(want + 1, '1', GUEST_SEQ - 2);
	want[GUEST_SEQ - 1] = 'm';
	want[GUEST_SEQ] = '\0';
	CHECK(!strcmp(out.line[0], want));
	/* an OSC never ended: text after GUEST_SEQ bytes, and what follows is kept */
	memset(&out, 0, sizeof(out));
	put("\x1b]0;", 4);
	for (int i = 0; i < 1000; i++)
		put("t", 1);
	CHECK_EQ(out.n, 5); /* 1003 bytes of text: five pieces of GUEST_LINE, and 3 */
	CHECK_EQ(guest_line_unshown(&L), 3);
	CHECK(!strncmp(out.line[0], "]0;ttt", 6));
}

/* A CR right before the line end is dropped ("\r\n" from a tty); elsewhere it is kept once
 * for each run of CRs. BS is kept; the focused view passes both. */
static void test_cr_and_bs(void)
{
	FEED("dmesg line\r\n");
	CHECK_EQ(out.n, 2);
	CHECK(!strcmp(out.line[0], "dmesg line"));
	CHECK(!strcmp(out.line[1], ""));
	FEED("~ # lx\x08\x1b[Js\r\r\rok");
	CHECK(!strcmp(out.line[0], "~ # lx\x08\x1b[Js\rok"));
	render(out.line[0], true);
	CHECK(!strcmp(shown, "~ # lx\x08\x1b[Js\rrt0: ok"));
	render(out.line[0], false);
	CHECK(!strcmp(shown, "~ # lx[Jsok"));
}

/* A sequence never straddles two pieces: a line without room for it goes out first. */
static void test_pieces_keep_sequences(void)
{
	char text[GUEST_LINE + 8];

	memset(text, 'x', GUEST_LINE - 2);
	memcpy(text + GUEST_LINE - 2, "\x1b[6n", 4);
	feed(text, GUEST_LINE + 2);
	CHECK_EQ(out.n, 2);
	CHECK_EQ(strlen(out.line[0]), GUEST_LINE - 2);
	CHECK(!strcmp(out.line[1], "\x1b[6n"));
}

/* UTF-8 text above 0x9f and tabs pass; a line longer than GUEST_LINE is cut in pieces. */
static void test_utf8_and_long_lines(void)
{
	char text[GUEST_LINE + 5];

	feed("col\t\xc3\xa9", 6);
	CHECK_EQ(out.n, 1);
	CHECK(strcmp(out.line[0], "col\t\xc3\xa9") == 0);
	memset(text, 'x', sizeof(text));
	feed(text, sizeof(text));
	CHECK_EQ(out.n, 2);
	CHECK_EQ(strlen(out.line[0]), GUEST_LINE);
	CHECK(strcmp(out.line[1], "xxxxx") == 0);
	feed("", 0);
	CHECK_EQ(out.n, 1);
	CHECK_EQ(out.line[0][0], 0);
}

/* The line so far is taken once (a sequence being collected and a waiting CR stay back), and
 * the line's end then says how much of it was shown. */
static void test_partial(void)
{
	char piece[GUEST_LINE + 1];

	memset(&out, 0, sizeof(out));
	memset(&L, 0, sizeof(L));
	put("~ # \x1b[6", 7);
	CHECK_EQ(guest_line_unshown(&L), 4);
	CHECK_EQ(guest_line_take_partial(&L, piece, sizeof(piece)), 4);
	CHECK(!strcmp(piece, "~ # "));
	CHECK_EQ(guest_line_take_partial(&L, piece, sizeof(piece)), 0);
	put("nls\r", 4);
	CHECK_EQ(guest_line_take_partial(&L, piece, sizeof(piece)), 6);
	CHECK(!strcmp(piece, "\x1b[6nls"));
	put("\n", 1);
	CHECK_EQ(out.n, 1);
	CHECK(!strcmp(out.line[0], "~ # \x1b[6nls"));
	CHECK_EQ(out.shown[0], 10);
	/* the next line starts with nothing shown */
	put("x\n", 2);
	CHECK_EQ(out.shown[1], 0);
	/* a piece cut at GUEST_LINE carries what was shown of it */
	memset(&out, 0, sizeof(out));
	put("abc", 3);
	guest_line_take_partial(&L, piece, sizeof(piece));
	for (int i = 0; i < GUEST_LINE; i++)
		put("y", 1);
	CHECK_EQ(out.n, 1);
	CHECK_EQ(out.shown[0], 3);
	CHECK_EQ(guest_line_unshown(&L), 3);
	/* a small buffer takes what fits, the rest later */
	memset(&L, 0, sizeof(L));
	put("12345", 5);
	CHECK_EQ(guest_line_take_partial(&L, piece, 3), 2);
	CHECK(!strcmp(piece, "12"));
	CHECK_EQ(guest_line_take_partial(&L, piece, sizeof(piece)), 3);
	CHECK(!strcmp(piece, "345"));
}

/* Replays show a line as a partition without the focus. */
static void test_plain(void)
{
	char buf[8];

	CHECK_EQ(guest_text_plain("a\x1b[6n\r\x08\x07z", buf, sizeof(buf)), 5);
	CHECK(!strcmp(buf, "a[6nz"));
	CHECK_EQ(guest_text_plain("0123456789", buf, sizeof(buf)), 7);
	CHECK(!strcmp(buf, "0123456"));
}

int main(void)
{
	RUN(test_bytes_kept_and_dropped);
	RUN(test_single_bytes);
	RUN(test_forged_lines);
	RUN(test_sequences_whole);
	RUN(test_sequences_refused);
	RUN(test_sequences_malformed);
	RUN(test_sequences_bounded);
	RUN(test_cr_and_bs);
	RUN(test_pieces_keep_sequences);
	RUN(test_utf8_and_long_lines);
	RUN(test_partial);
	RUN(test_plain);
	CHECK_MAIN_END();
}
