/* Unit tests for core/guesttext.c: what of a partition's text reaches the shared COM1. */
#include <stdio.h>
#include <string.h>

#include "core/guesttext.h"
#include "tests/unit/check.h"

static struct {
	u32 n;
	char line[8][GUEST_LINE + 1];
} out;

static void emit(void *ctx, const char *line)
{
	(void)ctx;
	if (out.n < 8)
		snprintf(out.line[out.n], sizeof(out.line[0]), "%s", line);
	out.n++;
}

/* Feed `len` bytes and flush, as the print hypercall does. */
static void feed(const char *text, size_t len)
{
	struct guest_line l = {0};

	memset(&out, 0, sizeof(out));
	for (size_t i = 0; i < len; i++)
		guest_line_put(&l, (u8)text[i], emit, NULL);
	guest_line_flush(&l, emit, NULL);
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

/* A line end inside the text starts another line (which COM1 prefixes with the same
 * partition's name): it cannot begin a line of Bulkhead's or another partition's. Carriage
 * returns, escape sequences in 7 and 8 bits, and DEL vanish. */
static void test_forged_lines(void)
{
	static const char text[] = "ok\npartition rt1: stopped\r\x1b[2K\x9b"
				   "2Kbulkhead: halted\x7f\x85 end";

	feed(text, sizeof(text) - 1);
	CHECK_EQ(out.n, 2);
	CHECK(strcmp(out.line[0], "ok") == 0);
	CHECK(strcmp(out.line[1], "partition rt1: stopped[2K2Kbulkhead: halted end") == 0);
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

int main(void)
{
	RUN(test_bytes_kept_and_dropped);
	RUN(test_forged_lines);
	RUN(test_utf8_and_long_lines);
	CHECK_MAIN_END();
}
