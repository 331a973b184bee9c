/* Unit tests for core/conmux.c's drain with the console's transmit FIFO (core/console.c): a
 * round of partitions' lines goes into the FIFO only when it has room, so that each partition's
 * share of COM1 is what it was when lines were written out at once, and half the FIFO stays
 * for Bulkhead's own lines. Partitions are stand-ins: queues of lines, drained a share of
 * DRAIN_SHARE bytes at a time as core/partition_requests.c does; COM1 is a buffer that takes
 * what the test allows. */
#include <stdio.h>
#include <string.h>

#include "arch/x86/arch.h"
#include "core/conmux.h"
#include "core/console.h"
#include "core/iommu.h"
#include "core/log.h"
#include "core/mb2.h"
#include "core/partition.h"
#include "core/shell.h"
#include "tests/unit/check.h"

#define PARTS	    2
#define LINES	    64
#define DRAIN_SHARE 256 /* core/partition_requests.c's DRAIN_SHARE_BYTES */

static char out[131072];
static size_t out_len;
static long uart_room = -1; /* what arch_console_try_write takes per call (-1: all) */

static const char *const names[PARTS] = {"rt0", "rt1"};
static char lines[PARTS][LINES][64];
static u32 queued[PARTS], taken[PARTS];

static void transmit(const char *s, size_t len)
{
	CHECK(out_len + len < sizeof(out));
	if (out_len + len >= sizeof(out))
		return;
	memcpy(out + out_len, s, len);
	out_len += len;
	out[out_len] = '\0';
}

void arch_console_write(const char *s, size_t len)
{
	transmit(s, len);
}

size_t arch_console_try_write(const char *s, size_t len)
{
	if (uart_room >= 0 && len > (size_t)uart_room)
		len = (size_t)uart_room;
	transmit(s, len);
	return len;
}

bool arch_console_init(u16 port, u32 baud, u8 irq)
{
	(void)port, (void)baud, (void)irq;
	return true;
}

int arch_console_poll(void)
{
	return -1;
}

bool arch_console_input_irq(void)
{
	return false;
}

u32 arch_this_cpu(void)
{
	return 0;
}

void console_test_waiting(void)
{
}

void arch_idle(void)
{
}

void arch_wake_boot_cpu(void)
{
}

u64 arch_tsc(void)
{
	return 0;
}

u64 arch_tsc_khz(void)
{
	return 1000;
}

u32 iommu_poll(struct arch_iommu_fault *last)
{
	(void)last;
	return 0;
}

const char *mb2_cmdline_arg(const char *cmdline, const char *key, char *val, size_t val_size)
{
	(void)cmdline, (void)key, (void)val, (void)val_size;
	return NULL;
}

void shell_input(u8 c)
{
	(void)c;
}

void shell_cancel_pending(void)
{
}

bool partition_type(u32 i, u8 byte)
{
	(void)i, (void)byte;
	return false;
}

const char *partition_name(u32 i)
{
	return names[i];
}

u32 partition_count(void)
{
	return PARTS;
}

void partitions_report_stats(void)
{
}

/* Declared here too: the loop calls it, and core/partition.h may not declare it yet. */
void partitions_report_timeline(void);
void partitions_report_timeline(void)
{
}

bool partition_output_pending(u32 i)
{
	return taken[i] < queued[i];
}

/* As partition_drain_locked: lines until the share is out, the line that crosses it included. */
void partition_drain_output(u32 i)
{
	u32 written = 0;

	while (written < DRAIN_SHARE && taken[i] < queued[i]) {
		const char *line = lines[i][taken[i]++];

		console_partition(i, names[i], line, strlen(line), CON_ENDS);
		written += (u32)(strlen(names[i]) + 2 + strlen(line) + 1);
	}
}

bool partition_partial_pending(u32 i)
{
	(void)i;
	return false;
}

bool partition_show_partial(u32 i, u32 idle_ms)
{
	(void)i, (void)idle_ms;
	return false;
}

/* Partition i queues n lines of 50 bytes: "<i>.<k> xxx...". */
static void queue(u32 i, u32 n)
{
	for (u32 k = 0; k < n && queued[i] < LINES; k++, queued[i]++) {
		char *l = lines[i][queued[i]];

		memset(l, 'x', 50);
		snprintf(l, 8, "%u.%02u", i, queued[i] % 100);
		l[strlen(l)] = ' ';
		l[50] = '\0';
	}
}

static u32 count(const char *what)
{
	u32 n = 0;

	for (const char *p = out; (p = strstr(p, what)) != NULL; p++)
		n++;
	return n;
}

/* With the FIFO so full of Bulkhead's text that a round might take partitions' lines past its
 * half (core/conmux.c), drain moves no partition's line (and says output remains); once the
 * UART has taken enough, one round goes in: each partition its share (five 58-byte lines cross
 * 256 bytes), in table order, and the next waits for room again. */
static void test_drain_waits_for_room(void)
{
	static char bulk[CONSOLE_FIFO_BYTES / 2 - 1024];

	console_begin();
	uart_room = 0;
	memset(bulk, 'b', sizeof(bulk));
	bulk[sizeof(bulk) - 1] = '\n';
	console_write_unkept(bulk, sizeof(bulk));
	queue(0, 20);
	queue(1, 20);
	CHECK(conmux_test_drain());
	CHECK_EQ(taken[0], 0);
	CHECK_EQ(taken[1], 0);
	uart_room = 1023; /* one push: still a byte short of room for two shares */
	console_push();
	uart_room = 0;
	CHECK(conmux_test_drain());
	CHECK_EQ(taken[0], 0);
	uart_room = 1; /* now there is room */
	console_push();
	uart_room = 0;
	CHECK(conmux_test_drain());
	CHECK_EQ(taken[0], 5);
	CHECK_EQ(taken[1], 5);
	/* the round is in the FIFO: the next has no room */
	CHECK(conmux_test_drain());
	CHECK_EQ(taken[0], 5);
	uart_room = -1;
	console_push();
	CHECK_EQ(console_pending(), 0);
	CHECK_EQ(count("rt0: "), 5);
	CHECK_EQ(count("rt1: "), 5);
	CHECK(strstr(out, "rt0: 0.04") < strstr(out, "rt1: 1.00"));
}

/* A partition printing alone gets no more per round than its share; both are drained to the
 * end with the UART taking everything, and every line comes out once, in its order. */
static void test_drain_to_the_end(void)
{
	char want[16];

	while (conmux_test_drain())
		console_push();
	CHECK_EQ(taken[0], 20);
	CHECK_EQ(taken[1], 20);
	for (u32 k = 0; k < 20; k++) {
		snprintf(want, sizeof(want), "rt1: 1.%02u ", k);
		CHECK_EQ(count(want), 1);
	}
	CHECK_EQ(count("rt0: "), 20);
}

int main(void)
{
	RUN(test_drain_waits_for_room);
	RUN(test_drain_to_the_end);
	CHECK_MAIN_END();
}
