/* Unit tests for the payload SDK's ring (images/sdk/include/bulkhead/sdk_ring.h): geometry,
 * full and empty, what a reader refuses, and two host threads hammering each kind of ring --
 * every record arrives whole and in order, and an overwrite ring accounts for every record
 * it did not deliver. */
#define _POSIX_C_SOURCE 200809L /* pthreads */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "images/sdk/include/bulkhead/sdk_ring.h"
#include "tests/unit/check.h"

#define RECORDS 1000000u

/* A record that shows a torn copy: its words are all functions of seq. */
struct rec {
	uint64_t seq, inv, mix;
};

static struct rec make(uint64_t seq)
{
	return (struct rec){seq, ~seq, seq * 0x9e3779b97f4a7c15ull};
}

static bool whole(const struct rec *r)
{
	return r->inv == ~r->seq && r->mix == r->seq * 0x9e3779b97f4a7c15ull;
}

static uint64_t mem[(sizeof(struct sdk_ring) + 4096 * sizeof(struct rec)) / 8 + 1];

static void test_geometry(void)
{
	struct sdk_ring_writer w;

	CHECK_EQ(sdk_ring_capacity_for(sizeof(struct sdk_ring) + 24 * 1000, 24), 512);
	CHECK_EQ(sdk_ring_capacity_for(sizeof(struct sdk_ring) + 16 * 1024, 16), 1024);
	CHECK_EQ(sdk_ring_capacity_for(sizeof(struct sdk_ring) + 15, 16), 0);
	CHECK_EQ(sdk_ring_capacity_for(64 * 1024, 16), 2048);		/* the chan demo's */
	CHECK_EQ(sdk_ring_writer_init(&w, mem, sizeof(mem), 12, 0), 0); /* not whole words */
	CHECK_EQ(sdk_ring_writer_init(&w, (char *)mem + 4, 1024, 16, 0), 0);
	CHECK_EQ(sdk_ring_writer_init(&w, mem, sizeof(mem), 16, 0x80), 0);
	CHECK_EQ(sdk_ring_writer_init(&w, mem, sizeof(struct sdk_ring) + 16, 16, 0), 1);
}

/* A ring whose consumer publishes its tail: full refuses, empty says so, order is kept. */
static void test_acked_full_empty(void)
{
	struct sdk_ring_writer w;
	struct sdk_ring_reader rd;
	size_t bytes = sizeof(struct sdk_ring) + 8 * sizeof(struct rec);
	struct rec r;

	memset(mem, 0, sizeof(mem));
	CHECK_EQ(sdk_ring_reader_init(&rd, mem, bytes, sizeof(struct rec), true),
		 -1); /* not made yet */
	CHECK_EQ(sdk_ring_writer_init(&w, mem, bytes, sizeof(struct rec), 0), 8);
	CHECK_EQ(sdk_ring_reader_init(&rd, mem, bytes, sizeof(struct rec), false),
		 -3); /* it must write its tail */
	CHECK_EQ(sdk_ring_reader_init(&rd, mem, bytes - 1, sizeof(struct rec), true),
		 -2); /* does not fit */
	/* records longer (or shorter) than the consumer's buffer: a producer's say-so is not
	 * enough to copy past it */
	CHECK_EQ(sdk_ring_reader_init(&rd, mem, bytes, sizeof(struct rec) - 8, true), -4);
	CHECK_EQ(sdk_ring_reader_init(&rd, mem, bytes, sizeof(struct rec) + 8, true), -4);
	CHECK_EQ(sdk_ring_reader_init(&rd, mem, bytes, sizeof(struct rec), true), 0);
	CHECK(!sdk_ring_pop(&rd, &r));
	for (uint64_t i = 1; i <= 8; i++) {
		r = make(i);
		CHECK(sdk_ring_push(&w, &r));
	}
	r = make(9);
	CHECK(!sdk_ring_push(&w, &r)); /* full */
	CHECK_EQ(sdk_ring_pending(&rd), 8);
	CHECK(sdk_ring_pop(&rd, &r));
	CHECK_EQ(r.seq, 1);
	r = make(9);
	CHECK(sdk_ring_push(&w, &r)); /* room again */
	for (uint64_t i = 2; i <= 9; i++) {
		CHECK(sdk_ring_pop(&rd, &r));
		CHECK_EQ(r.seq, i);
		CHECK(whole(&r));
	}
	CHECK(!sdk_ring_pop(&rd, &r));
	CHECK_EQ(rd.lost, 0);
}

/* An overwrite ring never refuses; a reader that fell behind gets the newest capacity - 1
 * records (the oldest's slot is the next push's) and counts the rest as lost. A geometry no ring
 * has is refused. */
static void test_overwrite_lapped(void)
{
	struct sdk_ring_writer w;
	struct sdk_ring_reader rd;
	size_t bytes = sizeof(struct sdk_ring) + 8 * sizeof(struct rec);
	struct rec r;

	memset(mem, 0, sizeof(mem));
	CHECK_EQ(sdk_ring_writer_init(&w, mem, bytes, sizeof(struct rec), SDK_RING_OVERWRITE), 8);
	CHECK_EQ(sdk_ring_reader_init(&rd, mem, bytes, sizeof(struct rec), false), 0);
	for (uint64_t i = 1; i <= 20; i++) {
		r = make(i);
		CHECK(sdk_ring_push(&w, &r));
	}
	CHECK_EQ(sdk_ring_pending(&rd), 7);
	for (uint64_t i = 14; i <= 20; i++) {
		CHECK(sdk_ring_pop(&rd, &r));
		CHECK_EQ(r.seq, i);
	}
	CHECK(!sdk_ring_pop(&rd, &r));
	CHECK_EQ(rd.lost, 13);
	((struct sdk_ring *)mem)->capacity = 6; /* not a power of two */
	CHECK_EQ(sdk_ring_reader_init(&rd, mem, bytes, sizeof(struct rec), false), -2);
	((struct sdk_ring *)mem)->capacity = 16; /* more than fits */
	CHECK_EQ(sdk_ring_reader_init(&rd, mem, bytes, sizeof(struct rec), false), -2);
}

struct run {
	struct sdk_ring_writer w;
	struct sdk_ring_reader rd;
	uint64_t popped, gaps, torn, disorder, refused;
};

static void *produce(void *arg)
{
	struct run *run = arg;

	for (uint64_t i = 1; i <= RECORDS; i++) {
		struct rec r = make(i);

		while (!sdk_ring_push(&run->w, &r)) {
			run->refused++;
			sched_yield(); /* a machine with one CPU: let the consumer run */
		}
	}
	return NULL;
}

static void *consume(void *arg)
{
	struct run *run = arg;
	uint64_t last = 0;

	while (last < RECORDS) {
		struct rec r;

		if (!sdk_ring_pop(&run->rd, &r)) {
			sched_yield();
			continue;
		}
		run->popped++;
		if (!whole(&r))
			run->torn++;
		if (r.seq <= last)
			run->disorder++;
		else
			run->gaps += r.seq - last - 1;
		last = r.seq;
	}
	return NULL;
}

static void hammer(struct run *run, uint32_t capacity, uint32_t flags)
{
	size_t bytes = sizeof(struct sdk_ring) + capacity * sizeof(struct rec);
	pthread_t p, c;

	memset(mem, 0, sizeof(mem));
	memset(run, 0, sizeof(*run));
	CHECK_EQ(sdk_ring_writer_init(&run->w, mem, bytes, sizeof(struct rec), flags), capacity);
	CHECK_EQ(sdk_ring_reader_init(&run->rd, mem, bytes, sizeof(struct rec), true), 0);
	CHECK_EQ(pthread_create(&c, NULL, consume, run), 0);
	CHECK_EQ(pthread_create(&p, NULL, produce, run), 0);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	CHECK_EQ(run->torn, 0);
	CHECK_EQ(run->disorder, 0);
}

/* Two threads, a ring that refuses when full: every record, whole, in order. */
static void test_threads_acked(void)
{
	struct run run;

	hammer(&run, 16, 0);
	CHECK_EQ(run.popped, RECORDS);
	CHECK_EQ(run.gaps, 0);
	CHECK_EQ(run.rd.lost, 0);
	printf("  acked ring of 16: %llu records, the producer found it full %llu times\n",
	       (unsigned long long)run.popped, (unsigned long long)run.refused);
}

/* Two threads, a small overwrite ring the producer laps: what arrives is whole and in order,
 * and what did not is exactly what the reader counted as lost. */
static void test_threads_overwrite(void)
{
	struct run run;

	hammer(&run, 8, SDK_RING_OVERWRITE);
	CHECK_EQ(run.refused, 0);
	CHECK_EQ(run.gaps, run.rd.lost);
	CHECK_EQ(run.popped + run.rd.lost, RECORDS);
	printf("  overwrite ring of 8: %llu records delivered, %llu lost\n",
	       (unsigned long long)run.popped, (unsigned long long)run.rd.lost);
}

int main(void)
{
	RUN(test_geometry);
	RUN(test_acked_full_empty);
	RUN(test_overwrite_lapped);
	RUN(test_threads_acked);
	RUN(test_threads_overwrite);
	CHECK_MAIN_END();
}
