/* Unit tests for core/lineq.c: a partition's console output queue. */
#include <stdio.h>
#include <string.h>

#include "core/lineq.h"
#include "tests/unit/check.h"

static struct lineq q;

static void test_empty(void)
{
	char out[16] = "x";

	lineq_reset(&q);
	CHECK(lineq_empty(&q));
	CHECK(!lineq_get(&q, out, sizeof(out)));
	CHECK_EQ(lineq_take_dropped(&q), 0);
}

static void test_fifo_order(void)
{
	char out[32];

	lineq_reset(&q);
	CHECK(lineq_put(&q, "first"));
	CHECK(lineq_put(&q, ""));
	CHECK(lineq_put(&q, "third line"));
	CHECK(!lineq_empty(&q));
	CHECK(lineq_get(&q, out, sizeof(out)) && !strcmp(out, "first"));
	CHECK(lineq_get(&q, out, sizeof(out)) && !strcmp(out, ""));
	CHECK(lineq_get(&q, out, sizeof(out)) && !strcmp(out, "third line"));
	CHECK(lineq_empty(&q));
}

/* A line that does not fit is dropped whole and counted; the ones queued stay intact. */
static void test_full_drops_whole_lines(void)
{
	char line[100], out[128];
	int put = 0, dropped = 0;

	lineq_reset(&q);
	memset(line, 'a', 99);
	line[99] = 0;
	for (int i = 0; i < 60; i++) {
		line[0] = (char)('A' + i % 26);
		if (lineq_put(&q, line))
			put++;
		else
			dropped++;
	}
	CHECK_EQ(put, LINEQ_BYTES / 100);
	CHECK_EQ(dropped, 60 - LINEQ_BYTES / 100);
	CHECK_EQ(lineq_take_dropped(&q), (unsigned)dropped);
	CHECK_EQ(lineq_take_dropped(&q), 0);
	for (int i = 0; i < put; i++) {
		CHECK(lineq_get(&q, out, sizeof(out)));
		CHECK_EQ(strlen(out), 99);
		CHECK_EQ(out[0], 'A' + i % 26);
	}
	CHECK(lineq_empty(&q));
}

/* The ring wraps: many rounds of put/get through the end of the buffer keep every byte. */
static void test_wraps(void)
{
	char line[64], out[64];

	lineq_reset(&q);
	for (int round = 0; round < 500; round++) {
		snprintf(line, sizeof(line), "line %d of the wrap test", round);
		CHECK(lineq_put(&q, line));
		CHECK(lineq_get(&q, out, sizeof(out)));
		CHECK(!strcmp(out, line));
	}
	CHECK(lineq_empty(&q));
}

/* A small output buffer cuts the line but still takes it whole off the queue. */
static void test_cut_on_get(void)
{
	char out[6];

	lineq_reset(&q);
	CHECK(lineq_put(&q, "0123456789"));
	CHECK(lineq_put(&q, "next"));
	CHECK(lineq_get(&q, out, sizeof(out)) && !strcmp(out, "01234"));
	CHECK(lineq_get(&q, out, sizeof(out)) && !strcmp(out, "next"));
}

int main(void)
{
	RUN(test_empty);
	RUN(test_fifo_order);
	RUN(test_full_drops_whole_lines);
	RUN(test_wraps);
	RUN(test_cut_on_get);
	CHECK_MAIN_END();
}
