/* Unit tests for core/spinlock.h: mutual exclusion, and fairness (CPUs get the lock in the
 * order they asked for it), with host threads standing in for CPUs. */
#define _POSIX_C_SOURCE 200809L /* pthreads */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/spinlock.h"
#include "tests/unit/check.h"

#define THREADS 4
#define ROUNDS	20000
#define WAITERS 8

static struct spinlock lock;
static volatile unsigned long counter; /* incremented non-atomically under the lock */

static void *hammer(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		spin_lock(&lock);
		unsigned long v = counter;

		counter = v + 1;
		spin_unlock(&lock);
	}
	return NULL;
}

/* No increment is lost: only one thread at a time is inside. */
static void test_mutual_exclusion(void)
{
	pthread_t t[THREADS];

	memset(&lock, 0, sizeof(lock));
	counter = 0;
	for (int i = 0; i < THREADS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, hammer, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(counter, (unsigned long)THREADS * ROUNDS);
	CHECK_EQ(lock.next, lock.serving); /* free again */
}

static volatile int order[WAITERS], got;

/* Wait until the lock has handed out a ticket past `before`, at most 200 ms. */
static void wait_ticket_taken(u32 before)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do
		clock_gettime(CLOCK_MONOTONIC, &now);
	while (__atomic_load_n(&lock.next, __ATOMIC_ACQUIRE) == before &&
	       (now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) <
		   200000000L);
}

static void *queue_up(void *arg)
{
	int id = (int)(long)arg;

	spin_lock(&lock);
	order[got++] = id;
	spin_unlock(&lock);
	return NULL;
}

/* While the lock is held, waiters arrive one after another (each has taken its ticket before
 * the next starts); when it is released they get it in that order, whatever the scheduler
 * does. A test-and-set lock gives it to whichever CPU wins the race. */
static void test_fifo(void)
{
	pthread_t t[WAITERS];

	memset(&lock, 0, sizeof(lock));
	got = 0;
	spin_lock(&lock);
	for (int i = 0; i < WAITERS; i++) {
		u32 before = __atomic_load_n(&lock.next, __ATOMIC_ACQUIRE);

		CHECK_EQ(pthread_create(&t[i], NULL, queue_up, (void *)(long)i), 0);
		wait_ticket_taken(before); /* thread i has its ticket */
	}
	spin_unlock(&lock);
	for (int i = 0; i < WAITERS; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(got, WAITERS);
	for (int i = 0; i < WAITERS; i++)
		CHECK_EQ(order[i], i);
}

int main(void)
{
	RUN(test_mutual_exclusion);
	RUN(test_fifo);
	CHECK_MAIN_END();
}
