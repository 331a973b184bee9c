/* Unit tests for core/timeline.c: what the boot log says about each start of a partition. */
#include <stdio.h>
#include <string.h>

#include "core/timeline.h"
#include "tests/unit/check.h"

#define KHZ  100000ULL /* Bochs's TSC at ips 100M: 100 ticks a microsecond */
#define BOOT 5000000ULL

static char out[400];
static int cause;

static u32 say(struct start_times *t)
{
	return timeline_lines(t, "rt0", BOOT, KHZ, out, sizeof(out), &cause);
}

static void test_format_ms(void)
{
	char b[24];

	timeline_format_ms(0, KHZ, b, sizeof(b));
	CHECK(!strcmp(b, "0.000"));
	timeline_format_ms(123456, KHZ, b, sizeof(b)); /* 1234.56 us */
	CHECK(!strcmp(b, "1.234"));
	timeline_format_ms(987654321, KHZ, b, sizeof(b));
	CHECK(!strcmp(b, "9876.543"));
	timeline_format_ms(3000000, 3000000, b, sizeof(b)); /* 3 GHz: 1 ms */
	CHECK(!strcmp(b, "1.000"));
	timeline_format_ms(5, 0, b, sizeof(b)); /* not calibrated: no figure, no division */
	CHECK(!strcmp(b, "0.000"));
}

/* At boot: the entry and the first line, counted from the hand-off, each said once. */
static void test_boot(void)
{
	struct start_times t = {0};

	CHECK_EQ(say(&t), 0);
	CHECK_EQ(cause, -1);
	timeline_line(&t, BOOT + 1); /* a line before any entry is not said */
	CHECK_EQ(say(&t), 0);
	timeline_entered(&t, BOOT + 321000);
	CHECK_EQ(say(&t), 1);
	CHECK(cause >= 0);
	CHECK(!strcmp(out, "bulkhead: partition rt0 first entry at 3.210 ms\n"));
	CHECK_EQ(say(&t), 0);
	CHECK_EQ(cause, -1);
	timeline_line(&t, BOOT + 400000);
	timeline_line(&t, BOOT + 900000); /* only the first counts */
	CHECK_EQ(say(&t), 1);
	CHECK_EQ(cause, -1);
	CHECK(!strcmp(out, "bulkhead: partition rt0 first line at 4.000 ms\n"));
	CHECK_EQ(say(&t), 0);
}

/* Entry and line seen in the same pass: both lines, in that order. */
static void test_both_at_once(void)
{
	struct start_times t = {0};

	timeline_entered(&t, BOOT + 100);
	timeline_line(&t, BOOT + 250);
	CHECK_EQ(say(&t), 2);
	CHECK(!strcmp(out, "bulkhead: partition rt0 first entry at 0.001 ms\n"
			   "bulkhead: partition rt0 first line at 0.002 ms\n"));
}

/* A restart: counted from its fault, with the back-off named; the new first line again. */
static void test_restart(void)
{
	struct start_times t = {0};

	timeline_entered(&t, BOOT + 100);
	timeline_line(&t, BOOT + 200);
	say(&t);
	timeline_asked(&t, START_FAULT, 90000000, 200000);
	timeline_entered(&t, 90000000 + 234500);
	CHECK_EQ(say(&t), 1);
	CHECK(cause >= 0);
	CHECK(!strcmp(out, "bulkhead: partition rt0 entry 2.345 ms after its fault (2.000 ms "
			   "of it back-off)\n"));
	timeline_line(&t, 90000000 + 250000);
	CHECK_EQ(say(&t), 1);
	CHECK(!strcmp(out, "bulkhead: partition rt0 first line 2.500 ms after its fault\n"));
	timeline_asked(&t, START_SHELL, 120000000, 0);
	timeline_entered(&t, 120000000 + 50000);
	timeline_line(&t, 120000000 + 60000);
	CHECK_EQ(say(&t), 2);
	CHECK(!strcmp(out,
		      "bulkhead: partition rt0 entry 0.500 ms after the shell's start "
		      "(0.000 ms of it back-off)\n"
		      "bulkhead: partition rt0 first line 0.600 ms after the shell's start\n"));
	timeline_asked(&t, START_DEVICE, 130000000, 0);
	timeline_entered(&t, 130000000 + 100);
	CHECK_EQ(say(&t), 1);
	CHECK(strstr(out, "after its device's fault") != NULL);
}

/* Starts faster than the boot CPU looks: each is said, in order, with its own cause and
 * back-off (a payload restarting while the boot CPU was still loading Linux lost them). */
static void test_starts_queue_up(void)
{
	struct start_times t = {0};

	timeline_entered(&t, BOOT + 100); /* boot */
	for (u64 k = 1; k <= 3; k++) {
		timeline_asked(&t, START_FAULT, k * 10000000, k * 200000);
		timeline_entered(&t, k * 10000000 + k * 200000 + 50000);
	}
	timeline_line(&t, 30000000 + 600000 + 70000); /* the last start's */
	CHECK_EQ(say(&t), 1);
	CHECK_EQ(cause, START_BOOT);
	CHECK(!strcmp(out, "bulkhead: partition rt0 first entry at 0.001 ms\n"));
	for (u64 k = 1; k <= 2; k++) {
		char want[120];

		CHECK_EQ(say(&t), 1);
		CHECK_EQ(cause, START_FAULT);
		snprintf(
		    want, sizeof(want),
		    "bulkhead: partition rt0 entry %llu.500 ms after its fault (%llu.000 ms of it "
		    "back-off)\n",
		    (unsigned long long)(2 * k), (unsigned long long)(2 * k));
		CHECK(!strcmp(out, want));
	}
	CHECK_EQ(say(&t), 2);
	CHECK(!strcmp(out, "bulkhead: partition rt0 entry 6.500 ms after its fault (6.000 ms of "
			   "it back-off)\n"
			   "bulkhead: partition rt0 first line 6.700 ms after its fault\n"));
	CHECK_EQ(say(&t), 0);
}

/* More starts than the ring holds before the boot CPU looks: the lost ones are counted, the
 * rest said; a stamp older than what asked counts as 0. */
static void test_overflow_and_stale(void)
{
	struct start_times t = {0};
	u32 entries = 0;

	for (u32 k = 0; k < TIMELINE_STARTS + 3; k++) {
		timeline_asked(&t, START_FAULT, 80000000, 0);
		timeline_entered(&t, 70000000);
	}
	CHECK_EQ(say(&t), 1);
	CHECK(!strcmp(out, "bulkhead: partition rt0: 3 starts not timed\n"));
	while (say(&t)) {
		CHECK(!strcmp(out,
			      "bulkhead: partition rt0 entry 0.000 ms after its fault (0.000 ms "
			      "of it back-off)\n"));
		entries++;
	}
	CHECK_EQ(entries, TIMELINE_STARTS);
}

/* A buffer too small for two lines: the second is left for the next call, not cut. */
static void test_small_buffer(void)
{
	struct start_times t = {0};
	char small[60];

	timeline_entered(&t, BOOT + 100);
	timeline_line(&t, BOOT + 200);
	CHECK_EQ(timeline_lines(&t, "rt0", BOOT, KHZ, small, sizeof(small), &cause), 1);
	CHECK(!strcmp(small, "bulkhead: partition rt0 first entry at 0.001 ms\n"));
	CHECK_EQ(timeline_lines(&t, "rt0", BOOT, KHZ, small, sizeof(small), &cause), 1);
	CHECK(!strcmp(small, "bulkhead: partition rt0 first line at 0.002 ms\n"));
	CHECK_EQ(cause, -1);
}

int main(void)
{
	RUN(test_format_ms);
	RUN(test_boot);
	RUN(test_both_at_once);
	RUN(test_restart);
	RUN(test_starts_queue_up);
	RUN(test_overflow_and_stale);
	RUN(test_small_buffer);
	CHECK_MAIN_END();
}
