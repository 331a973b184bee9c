/*
 * Unit tests for core/vuart.c, the emulated COM1. Register numbers and bits are spelled out
 * here from the PC16550D data sheet and the probe in Linux's 8250 driver (autoconfig() in
 * drivers/tty/serial/8250/8250_port.c), not taken from core/vuart.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vuart.h"
#include "tests/unit/check.h"

enum { THR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
#define DLL 0 /* with LCR.DLAB */
#define DLM 1

#define LCR_DLAB 0x80
#define LCR_8N1	 0x03
#define MCR_LOOP 0x10

/* ---- the lines the UART emits --------------------------------------------------------- */

#define MAX_LINES 16

struct sink {
	int n;
	char line[MAX_LINES][VUART_LINE + 1];
	size_t len[MAX_LINES];
};

static struct sink S;
static struct vuart U;

/* Each line as the console shows a partition without the focus (guest_text_plain): the line
 * as kept, with its escape sequences, CRs and BSs, is test_guesttext's. */
static void emit(void *ctx, const char *line, u32 shown)
{
	struct sink *s = ctx;
	size_t len = strlen(line);

	CHECK(len <= VUART_LINE);
	CHECK_EQ(shown, 0);
	if (s->n < MAX_LINES && len <= VUART_LINE) {
		guest_text_plain(line, s->line[s->n], sizeof(s->line[0]));
		s->len[s->n] = len;
	}
	s->n++;
}

static void reset(void)
{
	memset(&S, 0, sizeof(S));
	vuart_reset(&U);
}

static void out(u32 reg, u8 val)
{
	vuart_write(&U, reg, val, emit, &S);
}

static u8 in(u32 reg)
{
	return vuart_read(&U, reg);
}

static void send(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		out(THR, (u8)s[i]);
}

static void puts_uart(const char *s)
{
	send(s, strlen(s));
}

/* ---- registers: what Linux's 8250 autoconfig probes ----------------------------------- */

static void test_reset_state(void)
{
	reset();
	CHECK_EQ(in(IER), 0);
	CHECK_EQ(in(IIR), 0x01); /* no interrupt pending, FIFOs off */
	CHECK_EQ(in(LCR), 0);
	CHECK_EQ(in(MCR), 0);
	CHECK_EQ(in(LSR), 0x60);
	CHECK_EQ(in(MSR), 0xb0); /* not in loopback: DCD, DSR, CTS */
	CHECK_EQ(in(SCR), 0);
	CHECK_EQ(in(THR), 0); /* receiver always empty */
	CHECK_EQ(S.n, 0);
}

static void test_ier_probe(void)
{
	reset();
	/* autoconfig(): write 0, read 0; write 0x0F, read 0x0F; then 0 again. */
	out(IER, 0);
	CHECK_EQ(in(IER), 0);
	out(IER, 0x0f);
	CHECK_EQ(in(IER), 0x0f);
	out(IER, 0);
	CHECK_EQ(in(IER), 0);
	/* The upper four bits do not exist on a 16550. */
	out(IER, 0xff);
	CHECK_EQ(in(IER), 0x0f);
	out(IER, 0xf2);
	CHECK_EQ(in(IER), 0x02);
	CHECK_EQ(S.n, 0);
}

static void test_loopback_msr(void)
{
	reset();
	/* autoconfig(): MCR = LOOP | 0x0A (RTS, OUT2) must read MSR & 0xF0 == 0x90 (CTS, DCD). */
	out(MCR, MCR_LOOP | 0x0a);
	CHECK_EQ(in(MSR)&0xf0, 0x90);
	CHECK_EQ(in(MCR), MCR_LOOP | 0x0a);
	/* Each modem output on its own: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD. */
	out(MCR, MCR_LOOP | 0x01);
	CHECK_EQ(in(MSR)&0xf0, 0x20);
	out(MCR, MCR_LOOP | 0x02);
	CHECK_EQ(in(MSR)&0xf0, 0x10);
	out(MCR, MCR_LOOP | 0x04);
	CHECK_EQ(in(MSR)&0xf0, 0x40);
	out(MCR, MCR_LOOP | 0x08);
	CHECK_EQ(in(MSR)&0xf0, 0x80);
	out(MCR, MCR_LOOP);
	CHECK_EQ(in(MSR)&0xf0, 0);
	/* Out of loopback the line looks connected again. */
	out(MCR, 0x0b); /* DTR | RTS | OUT2, as the driver leaves it */
	CHECK_EQ(in(MSR)&0xb0, 0xb0);
	/* MCR keeps only its five bits. */
	out(MCR, 0xff);
	CHECK_EQ(in(MCR), 0x1f);
}

static void test_fifo_probe(void)
{
	reset();
	/* autoconfig(): FCR = ENABLE_FIFO, then IIR >> 6 == 3 means a 16550A. */
	out(FCR, 0x01);
	CHECK_EQ(in(IIR) >> 6, 3);
	/* With FIFO resets and a trigger level, as the driver writes later. */
	out(FCR, 0xc7);
	CHECK_EQ(in(IIR) >> 6, 3);
	out(FCR, 0);
	CHECK_EQ(in(IIR) >> 6, 0);
	CHECK_EQ(in(IIR), 0x01);
}

static void test_lsr_always_empty(void)
{
	reset();
	CHECK_EQ(in(LSR), 0x60); /* THRE | TEMT, no data ready */
	puts_uart("abc");
	CHECK_EQ(in(LSR), 0x60);
	out(LCR, LCR_DLAB);
	CHECK_EQ(in(LSR), 0x60);
	/* LSR and MSR are read-only. */
	out(LCR, 0);
	out(LSR, 0x00);
	out(MSR, 0x00);
	CHECK_EQ(in(LSR), 0x60);
	CHECK_EQ(in(MSR), 0xb0);
}

static void test_scratch(void)
{
	reset();
	/* The 8250 probe writes 0xa5 and 0x5a to the scratch register and reads them back. */
	out(SCR, 0xa5);
	CHECK_EQ(in(SCR), 0xa5);
	out(SCR, 0x5a);
	CHECK_EQ(in(SCR), 0x5a);
	for (unsigned v = 0; v < 256; v++) {
		out(SCR, (u8)v);
		CHECK_EQ(in(SCR), v);
	}
	/* DLAB does not hide it. */
	out(LCR, LCR_DLAB);
	out(SCR, 0x33);
	CHECK_EQ(in(SCR), 0x33);
}

static void test_divisor_latch(void)
{
	reset();
	out(IER, 0x05);
	/* DLAB set: registers 0 and 1 are the divisor latch, 115200 / 1 = 115200 baud. */
	out(LCR, LCR_DLAB | LCR_8N1);
	CHECK_EQ(in(LCR), LCR_DLAB | LCR_8N1);
	out(DLL, 0x01);
	out(DLM, 0xf0); /* all eight bits are kept, unlike IER */
	CHECK_EQ(in(DLL), 0x01);
	CHECK_EQ(in(DLM), 0xf0);
	CHECK_EQ(S.n, 0); /* a DLL write is no character */
	/* DLAB clear: IER and the (empty) receiver again, both unchanged by the latch writes. */
	out(LCR, LCR_8N1);
	CHECK_EQ(in(IER), 0x05);
	CHECK_EQ(in(THR), 0);
	out(IER, 0x0a);
	/* And back: the latch kept its value. */
	out(LCR, LCR_DLAB | LCR_8N1);
	CHECK_EQ(in(DLL), 0x01);
	CHECK_EQ(in(DLM), 0xf0);
	out(LCR, LCR_8N1);
	CHECK_EQ(in(IER), 0x0a);
	puts_uart("x\n");
	CHECK_EQ(S.n, 1);
	CHECK(strcmp(S.line[0], "x") == 0);
}

/* The whole autoconfig() order: a 16550A is found, and nothing is emitted by it. */
static void test_autoconfig_sequence(void)
{
	u8 scratch, scratch2, scratch3, status;

	reset();
	scratch = in(IER);
	out(IER, 0);
	scratch2 = in(IER)&0x0f;
	out(IER, 0x0f);
	scratch3 = in(IER)&0x0f;
	out(IER, scratch);
	CHECK_EQ(scratch2, 0);
	CHECK_EQ(scratch3, 0x0f);

	out(MCR, MCR_LOOP | 0x0a);
	status = in(MSR)&0xf0;
	out(MCR, 0);
	CHECK_EQ(status, 0x90);

	out(LCR, 0xbf); /* configuration mode B */
	out(LCR, 0);
	out(FCR, 0x01);
	CHECK_EQ(in(IIR) >> 6, 3);
	out(FCR, 0);
	out(LCR, LCR_8N1);
	CHECK_EQ(S.n, 0);
}

/* ---- IIR: a THR-empty interrupt is pending exactly while it is enabled ---------------- */

static void test_iir_thri(void)
{
	reset();
	CHECK_EQ(in(IIR), 0x01);
	out(IER, 0x02); /* ETBEI */
	CHECK_EQ(in(IIR), 0x02);
	out(IER, 0x0d); /* every interrupt but THRI */
	CHECK_EQ(in(IIR), 0x01);
	out(IER, 0x0f);
	CHECK_EQ(in(IIR), 0x02);
	out(FCR, 0x01);
	CHECK_EQ(in(IIR), 0xc2);
	out(IER, 0x00);
	CHECK_EQ(in(IIR), 0xc1);
	out(IER, 0x02);
	puts_uart("still pending\n");
	CHECK_EQ(in(IIR), 0xc2); /* the transmitter never fills */
	out(FCR, 0x00);
	CHECK_EQ(in(IIR), 0x02);
}

/* ---- output --------------------------------------------------------------------------- */

static void test_line_assembly(void)
{
	reset();
	puts_uart("hello");
	CHECK_EQ(S.n, 0); /* nothing without '\n' */
	puts_uart(", world\n");
	CHECK_EQ(S.n, 1);
	CHECK(strcmp(S.line[0], "hello, world") == 0);
	puts_uart("two\nlines\n");
	CHECK_EQ(S.n, 3);
	CHECK(strcmp(S.line[1], "two") == 0);
	CHECK(strcmp(S.line[2], "lines") == 0);
	/* An empty line is a line. */
	puts_uart("\n");
	CHECK_EQ(S.n, 4);
	CHECK(strcmp(S.line[3], "") == 0);
	/* A partial line stays until its '\n', however long that takes. */
	puts_uart("part");
	for (int i = 0; i < 1000; i++)
		CHECK_EQ(in(LSR), 0x60);
	CHECK_EQ(S.n, 4);
	puts_uart("ial\n");
	CHECK_EQ(S.n, 5);
	CHECK(strcmp(S.line[4], "partial") == 0);
}

static void test_control_bytes_dropped(void)
{
	static const char crlf[] = "dmesg line\r\n";
	static const char ctl[] = "a\x1b[1mb\x07\x08"
				  "c\x7f"
				  "d\x00"
				  "e\x01\x1f"
				  "f\n";

	reset();
	puts_uart(crlf);
	CHECK_EQ(S.n, 1);
	CHECK(strcmp(S.line[0], "dmesg line") == 0);
	send(ctl, sizeof(ctl) - 1);
	CHECK_EQ(S.n, 2);
	CHECK(strcmp(S.line[1], "a[1mbcdef") == 0);
	/* Tabs are kept; bytes >= 0x80 (UTF-8) too. */
	puts_uart("col1\tcol2\t\xc3\xa9\n");
	CHECK_EQ(S.n, 3);
	CHECK(strcmp(S.line[2], "col1\tcol2\t\xc3\xa9") == 0);
	/* A bare '\r' does not end a line. */
	puts_uart("x\ry\r");
	CHECK_EQ(S.n, 3);
	puts_uart("\n");
	CHECK_EQ(S.n, 4);
	CHECK(strcmp(S.line[3], "xy") == 0);
}

static void test_long_line_split(void)
{
	char buf[2 * VUART_LINE + 50 + 1];

	reset();
	for (size_t i = 0; i < sizeof(buf) - 1; i++)
		buf[i] = (char)('a' + i % 26);
	buf[sizeof(buf) - 1] = 0;
	/* 2 * VUART_LINE + 50 bytes: two full pieces go out without waiting for '\n'. */
	puts_uart(buf);
	CHECK_EQ(S.n, 2);
	CHECK_EQ(S.len[0], VUART_LINE);
	CHECK_EQ(S.len[1], VUART_LINE);
	CHECK(memcmp(S.line[0], buf, VUART_LINE) == 0);
	CHECK(memcmp(S.line[1], buf + VUART_LINE, VUART_LINE) == 0);
	puts_uart("\n");
	CHECK_EQ(S.n, 3);
	CHECK_EQ(S.len[2], 50);
	CHECK(strcmp(S.line[2], buf + 2 * VUART_LINE) == 0);
	/* Exactly VUART_LINE bytes and '\n': one line, not that line and an empty one. */
	reset();
	send(buf, VUART_LINE);
	puts_uart("\n");
	CHECK_EQ(S.n, 1);
	CHECK_EQ(S.len[0], VUART_LINE);
	puts_uart("next\n");
	CHECK(strcmp(S.line[S.n - 1], "next") == 0);
	/* Dropped bytes do not count towards the piece. */
	reset();
	for (int i = 0; i < VUART_LINE - 1; i++) {
		out(THR, 'z');
		out(THR, 0x01);
	}
	CHECK_EQ(S.n, 0);
	puts_uart("\n");
	CHECK_EQ(S.n, 1);
	CHECK_EQ(S.len[0], VUART_LINE - 1);
}

static void test_loopback_writes_silent(void)
{
	reset();
	puts_uart("before ");
	out(MCR, MCR_LOOP);
	puts_uart("hidden\n");
	CHECK_EQ(S.n, 0);
	out(MCR, 0x0b);
	puts_uart("after\n");
	CHECK_EQ(S.n, 1);
	CHECK(strcmp(S.line[0], "before after") == 0);
}

static void test_reset_drops_partial_line(void)
{
	reset();
	puts_uart("lost");
	out(IER, 0x0f);
	out(SCR, 0x77);
	vuart_reset(&U);
	CHECK_EQ(in(IER), 0);
	CHECK_EQ(in(SCR), 0);
	puts_uart("kept\n");
	CHECK_EQ(S.n, 1);
	CHECK(strcmp(S.line[0], "kept") == 0);
}

/* Reads and writes of every register with every value: no out-of-range access (ASan,
 * UBSan), and every emitted line fits. */
static void test_all_registers(void)
{
	reset();
	for (u32 lcr = 0; lcr < 2; lcr++) {
		out(LCR, lcr ? LCR_DLAB : 0);
		for (u32 reg = 0; reg < VUART_PORTS; reg++) {
			if (reg == LCR)
				continue;
			for (unsigned v = 0; v < 256; v++) {
				out(reg, (u8)v);
				(void)in(reg);
			}
		}
	}
	out(LCR, 0);
	out(MCR, 0);
	puts_uart("\n");
	CHECK(S.n >= 1);
}

/* Typed bytes: LSR bit 0 (data ready) while the FIFO holds any, RBR gives them in order,
 * IIR reports received data (0x04) ahead of THR empty when IER enables both; a full FIFO
 * refuses more. */
static void test_receive(void)
{
	vuart_reset(&U);
	CHECK_EQ(vuart_read(&U, 5) & 0x01, 0);
	CHECK(vuart_receive(&U, 'o'));
	CHECK(vuart_receive(&U, 'k'));
	CHECK_EQ(vuart_read(&U, 5), 0x61);
	vuart_write(&U, 1, 0x03, emit, NULL);
	CHECK_EQ(vuart_read(&U, 2) & 0x0f, 0x04);
	CHECK_EQ(vuart_read(&U, 0), 'o');
	CHECK_EQ(vuart_read(&U, 0), 'k');
	CHECK_EQ(vuart_read(&U, 5), 0x60);
	CHECK_EQ(vuart_read(&U, 2) & 0x0f, 0x02);
	CHECK_EQ(vuart_read(&U, 0), 0); /* empty: reads 0, takes nothing */
	for (int i = 0; i < VUART_RX; i++)
		CHECK(vuart_receive(&U, (u8)i));
	CHECK(!vuart_receive(&U, 0xff));
	for (int i = 0; i < VUART_RX; i++)
		CHECK_EQ(vuart_read(&U, 0), (u8)i);
	CHECK_EQ(vuart_read(&U, 5) & 0x01, 0);
}

int main(void)
{
	RUN(test_receive);
	RUN(test_reset_state);
	RUN(test_ier_probe);
	RUN(test_loopback_msr);
	RUN(test_fifo_probe);
	RUN(test_lsr_always_empty);
	RUN(test_scratch);
	RUN(test_divisor_latch);
	RUN(test_autoconfig_sequence);
	RUN(test_iir_thri);
	RUN(test_line_assembly);
	RUN(test_control_bytes_dropped);
	RUN(test_long_line_split);
	RUN(test_loopback_writes_silent);
	RUN(test_reset_drops_partial_line);
	RUN(test_all_registers);
	CHECK_MAIN_END();
}
