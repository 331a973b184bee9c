/* Unit tests for core/console.c: lines are written whole, one CPU at a time, and a trap on a
 * CPU that holds COM1 or waits for it cannot leave the others waiting for ever. Host threads
 * stand in for CPUs; a "trap" is taken where the CPU would take it and, like the real one, never
 * returns to the code it interrupted (longjmp). A hang is a failure: the test stops by alarm.
 * Then what the console writes of partitions' text, byte for byte (core/guesttext.c renders
 * it): lines prefixed, the focused partition's escape sequences whole and its line open before
 * its end, the others' filtered; Bulkhead's own ring for `log bulkhead` and the rings'
 * arithmetic (core/textring.c); the console's options (test_conopts has the rest). Last, the
 * transmit FIFO between the console and the UART: the order kept, partial writes, a full FIFO
 * waiting for the UART, a flush. */
#define _POSIX_C_SOURCE 200809L /* pthreads */
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86/arch.h"
#include "core/conmux.h"
#include "core/conopts.h"
#include "core/console.h"
#include "core/log.h"
#include "core/textring.h"
#include "tests/unit/check.h"

static __thread u32 cpu;
static __thread jmp_buf halted; /* where a trapped CPU "halts" */
static __thread int trap_when_waiting, trap_in_write;

static char out[131072];
static size_t out_len;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int holding, release, trapped;
/* What arch_console_try_write takes per call (-1: all); what waited for the UART. */
static long uart_room = -1;
static size_t waited, kicks;

u32 arch_this_cpu(void)
{
	return cpu;
}

static void take_trap(void)
{
	char report[32];

	trapped = 1;
	console_trap_release();
	snprintf(report, sizeof(report), "report %u\n", cpu);
	console_write(report, strlen(report));
	console_flush(); /* as arch/x86/trap.c does before it halts */
	longjmp(halted, 1);
}

static u32 init_port, init_baud, init_irq;

bool arch_console_init(u16 port, u32 baud, u8 irq)
{
	init_port = port;
	init_baud = baud;
	init_irq = irq;
	return true;
}

/* COM1: appends; "held" stays in the transmitter until the test releases it. */
static void transmit(const char *s, size_t len)
{
	CHECK(out_len + len < sizeof(out));
	if (out_len + len >= sizeof(out))
		return;
	pthread_mutex_lock(&out_lock);
	memcpy(out + out_len, s, len);
	out_len += len;
	out[out_len] = '\0';
	pthread_mutex_unlock(&out_lock);
	if (len == 5 && !memcmp(s, "held\n", 5)) {
		holding = 1;
		while (!release)
			;
	}
}

/* The writes that wait for the transmitter: everything goes. */
void arch_console_write(const char *s, size_t len)
{
	waited += len;
	transmit(s, len);
}

/* The trap comes as the CPU hands the UART its bytes, before it takes any. */
size_t arch_console_try_write(const char *s, size_t len)
{
	if (trap_in_write) {
		trap_in_write = 0;
		take_trap();
	}
	if (uart_room >= 0 && len > (size_t)uart_room)
		len = (size_t)uart_room;
	transmit(s, len);
	return len;
}

void conmux_kick(void)
{
	kicks++;
}

void console_test_waiting(void)
{
	if (trap_when_waiting) {
		trap_when_waiting = 0;
		take_trap();
	}
}

static void reset(void)
{
	console_flush();
	uart_room = -1;
	waited = kicks = 0;
	out_len = 0;
	out[0] = '\0';
	holding = release = trapped = 0;
}

static void *holder(void *arg)
{
	cpu = 1;
	(void)arg;
	console_write("held\n", 5);
	return NULL;
}

static void *trapped_waiter(void *arg)
{
	cpu = 2;
	(void)arg;
	trap_when_waiting = 1;
	if (!setjmp(halted))
		console_write("queued\n", 7); /* traps while CPU 1 holds COM1 */
	return NULL;
}

/* CPU 2 traps while it waits behind CPU 1: its report comes after CPU 1's line, its own line
 * never, and CPU 3 still gets COM1 afterwards. */
static void test_trap_while_waiting(void)
{
	pthread_t h, w;

	reset();
	CHECK_EQ(pthread_create(&h, NULL, holder, NULL), 0);
	while (!holding)
		;
	CHECK_EQ(pthread_create(&w, NULL, trapped_waiter, NULL), 0);
	while (!trapped)
		; /* CPU 2 has taken its ticket and trapped */
	nanosleep(&(struct timespec){0, 20000000}, NULL); /* it waits for its turn */
	release = 1;
	pthread_join(h, NULL);
	pthread_join(w, NULL);
	cpu = 3;
	console_write("after\n", 6);
	CHECK(!strcmp(out, "held\nreport 2\nafter\n"));
}

/* CPU 4 traps in the middle of its line, holding COM1: its report follows, and CPU 5 still
 * gets COM1 afterwards. */
static void test_trap_while_holding(void)
{
	reset();
	cpu = 4;
	trap_in_write = 1;
	if (!setjmp(halted))
		console_write("cut", 3);
	cpu = 5;
	console_write("after\n", 6);
	CHECK(!strcmp(out, "cutreport 4\nafter\n"));
}

/* No trap: a CPU's line goes out whole, and the console is free again. */
static void test_plain(void)
{
	reset();
	cpu = 6;
	console_write("one\n", 4);
	console_write("two\n", 4);
	CHECK(!strcmp(out, "one\ntwo\n"));
}

/* Lines logged before the console is chosen wait; a trap then opens COM1 (115200 baud, IRQ 4)
 * and they go out first, after a line end (GRUB may have left its cursor mid-line). */
static void test_held_until_open(void)
{
	reset();
	cpu = 0;
	console_write("\nBulkhead 1.0\n", 14);
	console_write("mb2: warn\n", 10);
	CHECK(!strcmp(out, ""));
	console_trap_release();
	CHECK_EQ(init_port, 0x3f8);
	CHECK_EQ(init_baud, 115200);
	CHECK_EQ(init_irq, 4);
	CHECK(!strcmp(out, "\nBulkhead 1.0\nmb2: warn\n"));
	console_begin(); /* once only */
	console_write("next\n", 5);
	CHECK(!strcmp(out, "\nBulkhead 1.0\nmb2: warn\nnext\n"));
}

static void part(u32 who, const char *name, const char *text, u32 flags)
{
	console_partition(who, name, text, strlen(text), flags);
}

/* A partition's line is prefixed with its name; without the focus its control bytes go. */
static void test_partition_lines(void)
{
	reset();
	part(0, "rt0", "heartbeat 1", CON_ENDS);
	part(1, "rt1",
	     "a\x1b[6nb\r\x08"
	     "c",
	     CON_ENDS);
	part(1, "rt1", "", CON_ENDS); /* an empty line is a line */
	CHECK(!strcmp(out, "rt0: heartbeat 1\nrt1: a[6nbc\nrt1: \n"));
}

/* The focused partition's sequences pass whole; a CR writes its name again; the line ends
 * with the terminal's attributes reset, so they cannot hide or colour what follows. */
static void test_focused_sequences(void)
{
	reset();
	part(0, "linux", "\x1b[1;32m~ #\x1b[0m ls\x1b[6n", CON_ENDS | CON_FOCUSED);
	part(0, "linux", "x\ry", CON_ENDS | CON_FOCUSED);
	part(0, "linux", "plain", CON_ENDS | CON_FOCUSED);
	CHECK(!strcmp(out, "linux: \x1b[1;32m~ #\x1b[0m ls\x1b[6n\x1b[0m\n"
			   "linux: x\rlinux: y\n"
			   "linux: plain\n"));
}

/* The focused partition's line shows before its end (a prompt): it continues without a
 * second prefix while no one else writes; anyone else's line ends it first, and its rest
 * then starts a line of its own. A line shown whole whose end came after someone else's
 * needs nothing more. A line of the same partition that is no continuation (a print
 * hypercall's) does not go on its open line either. */
static void test_open_line(void)
{
	reset();
	part(0, "linux", "~ # ", CON_FOCUSED);
	part(0, "linux", "l", CON_FOCUSED | CON_CONT);
	part(0, "linux", "s", CON_ENDS | CON_FOCUSED | CON_CONT);
	CHECK(!strcmp(out, "linux: ~ # ls\n"));
	reset();
	part(0, "rt0", "prompt> ", CON_FOCUSED);
	part(0, "rt0", "printed", CON_ENDS | CON_FOCUSED);
	part(0, "rt0", "typed", CON_ENDS | CON_FOCUSED | CON_CONT);
	CHECK(!strcmp(out, "rt0: prompt> \nrt0: printed\nrt0: typed\n"));
	reset();
	part(0, "linux", "~ # \x1b[7m", CON_FOCUSED);
	part(1, "rt0", "heartbeat 2", CON_ENDS);
	part(0, "linux", "ls", CON_ENDS | CON_FOCUSED | CON_CONT);
	CHECK(!strcmp(out, "linux: ~ # \x1b[7m\x1b[0m\nrt0: heartbeat 2\nlinux: ls\n"));
	reset();
	part(0, "linux", "~ # ", CON_FOCUSED);
	console_write("console: input to the shell (type help)\n", 40);
	part(0, "linux", "", CON_ENDS | CON_CONT);
	CHECK(!strcmp(out, "linux: ~ # \nconsole: input to the shell (type help)\n"));
	/* a line that was not open and not shown at all is still a line, even empty */
	reset();
	part(0, "linux", "", CON_ENDS);
	CHECK(!strcmp(out, "linux: \n"));
}

/* Bulkhead's lines are kept (each line of a write, empty ones not); a replay is not. */
static void test_bulkhead_ring(void)
{
	char line[CONSOLE_LINE];
	u64 first, end, before;

	console_log_range(&first, &before);
	console_write("bulkhead: one\nbulkhead: two\n\n", 29);
	console_write_unkept("log: replayed\n", 14);
	console_log_range(&first, &end);
	CHECK_EQ(end - before, 2);
	CHECK(console_log_line(end - 2, line, sizeof(line)) && !strcmp(line, "bulkhead: one"));
	CHECK(console_log_line(end - 1, line, sizeof(line)) && !strcmp(line, "bulkhead: two"));
	CHECK(!console_log_line(end, line, sizeof(line)));
	/* partitions' lines are not Bulkhead's */
	part(0, "rt0", "not kept", CON_ENDS);
	console_log_range(&first, &end);
	CHECK_EQ(end - before, 2);
	/* 16 KiB of 100-byte lines: the oldest fall off, counted */
	reset();
	for (int i = 0; i < 400; i++) {
		char l[128];

		memset(l, 'x', 100);
		l[0] = (char)('0' + i / 100);
		l[1] = (char)('0' + i / 10 % 10);
		l[2] = (char)('0' + i % 10);
		l[3] = ' ';
		l[99] = '\n';
		console_write(l, 100);
	}
	console_log_range(&first, &end);
	CHECK_EQ(end - first, BULKHEAD_LOG_BYTES / 100);
	CHECK(console_log_line(end - 1, line, sizeof(line)) && !strncmp(line, "399 ", 4));
	CHECK(!console_log_line(first - 1, line, sizeof(line)));
}

/* The ring alone: whole lines, the oldest out first and counted, a long line cut. */
static void test_textring(void)
{
	char buf[16], line[32];
	struct textring r;

	textring_init(&r, buf, sizeof(buf));
	textring_put(&r, "abcd", 4); /* 5 bytes with its NUL */
	textring_put(&r, "efgh", 4);
	textring_put(&r, "ij", 2);
	CHECK_EQ(r.lines, 3);
	CHECK_EQ(r.first, 0);
	textring_put(&r, "klmn", 4); /* needs 5, has 1: "abcd" goes */
	CHECK_EQ(r.first, 1);
	CHECK_EQ(r.lines, 3);
	CHECK_EQ(textring_end(&r), 4);
	CHECK(!textring_get(&r, 0, line, sizeof(line)));
	CHECK(textring_get(&r, 1, line, sizeof(line)) && !strcmp(line, "efgh"));
	CHECK(textring_get(&r, 3, line, sizeof(line)) && !strcmp(line, "klmn")); /* wraps */
	CHECK(textring_get(&r, 2, line, 2) && !strcmp(line, "i"));		 /* cut */
	textring_put(&r, "0123456789abcdefghij", 20); /* longer than the ring: cut to 15 */
	CHECK_EQ(r.lines, 1);
	CHECK_EQ(r.first, 4);
	CHECK(textring_get(&r, 4, line, sizeof(line)) && !strcmp(line, "0123456789abcde"));
	textring_put(&r, "", 0);
	CHECK_EQ(r.first, 5);
	CHECK(textring_get(&r, 5, line, sizeof(line)) && !strcmp(line, ""));
}

/* The UART takes nothing: lines wait in the FIFO, in order, and the boot CPU is woken to push
 * them; then it takes 3 bytes at a time: each push hands it one piece, the rest waits. */
static void test_fifo_order(void)
{
	reset();
	uart_room = 0;
	console_write("one\n", 4);
	part(0, "rt0", "two", CON_ENDS);
	console_write("three\n", 6);
	CHECK(!strcmp(out, ""));
	CHECK_EQ(console_pending(), 4 + 9 + 6);
	CHECK(kicks >= 3);
	uart_room = 3;
	console_push();
	CHECK(!strcmp(out, "one"));
	CHECK_EQ(console_pending(), 16);
	while (console_pending())
		console_push();
	CHECK(!strcmp(out, "one\nrt0: two\nthree\n"));
	CHECK_EQ(waited, 0);
	console_push(); /* nothing left: nothing happens */
	CHECK_EQ(out_len, 19);
}

/* A full FIFO: the writer waits for the UART for just the room its line needs (oldest bytes
 * first), so nothing is lost or reordered, and the FIFO never holds more than its size. */
static void test_fifo_full(void)
{
	char line[128], want[CONSOLE_FIFO_BYTES * 2];
	size_t want_len = 0;
	u32 most = 0;

	reset();
	uart_room = 0;
	for (int i = 0; i < 600; i++) {
		memset(line, 'x', 100);
		line[0] = (char)('0' + i / 100);
		line[1] = (char)('0' + i / 10 % 10);
		line[2] = (char)('0' + i % 10);
		line[99] = '\n';
		console_write_unkept(line, 100);
		memcpy(want + want_len, line, 100);
		want_len += 100;
		if (console_pending() > most)
			most = console_pending();
	}
	CHECK(most <= CONSOLE_FIFO_BYTES && most > CONSOLE_FIFO_BYTES - 100);
	CHECK_EQ(waited, 60000 - console_pending());
	CHECK_EQ(out_len, waited);
	console_flush();
	CHECK_EQ(console_pending(), 0);
	CHECK_EQ(out_len, want_len);
	CHECK(!memcmp(out, want, want_len));
}

/* A flush writes out everything, waiting for the UART; a trap's report follows what waited. */
static void test_fifo_flush(void)
{
	reset();
	uart_room = 0;
	console_write("waiting\n", 8);
	console_flush();
	CHECK(!strcmp(out, "waiting\n"));
	CHECK_EQ(console_pending(), 0);
	console_write("before\n", 7);
	cpu = 7;
	trap_in_write = 1;
	if (!setjmp(halted))
		console_write("cut", 3);
	CHECK(!strcmp(out, "waiting\nbefore\ncutreport 7\n"));
	CHECK_EQ(console_pending(), 0);
}

int main(void)
{
	alarm(20); /* a CPU left waiting for ever ends the test as a failure */
	RUN(test_held_until_open);
	RUN(test_plain);
	RUN(test_trap_while_holding);
	RUN(test_trap_while_waiting);
	RUN(test_partition_lines);
	RUN(test_focused_sequences);
	RUN(test_open_line);
	RUN(test_bulkhead_ring);
	RUN(test_textring);
	RUN(test_fifo_order);
	RUN(test_fifo_full);
	RUN(test_fifo_flush);
	CHECK_MAIN_END();
}
