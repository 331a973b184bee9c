/* Unit tests for the payload SDK's spinlock and atomics (images/sdk/include/bulkhead/sdk_sync.h,
 * header-only): host threads stand in for a payload's CPUs. No increment under the lock is
 * lost, trylock never lets two in and fails only while the lock is taken, waiters get the lock
 * in the order they asked, and the atomics add up under contention. */
#define _POSIX_C_SOURCE 200809L /* pthreads */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "images/sdk/include/bulkhead/sdk_sync.h"
#include "tests/unit/check.h"

#define THREADS 4
#define ROUNDS	20000
#define WAITERS 8

static struct sdk_spinlock lock;
static volatile unsigned long counter; /* incremented non-atomically under the lock */
static volatile int inside;	       /* threads inside the critical section */
static volatile int overlap;	       /* times a thread found another inside */

static void critical(void)
{
	if (__atomic_add_fetch(&inside, 1, __ATOMIC_RELAXED) != 1)
		overlap = 1;
	unsigned long v = counter;

	counter = v + 1;
	__atomic_sub_fetch(&inside, 1, __ATOMIC_RELAXED);
}

static void *hammer(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		sdk_spin_lock(&lock);
		critical();
		sdk_spin_unlock(&lock);
	}
	return NULL;
}

static void run_threads(void *(*fn)(void *))
{
	pthread_t t[THREADS];

	for (long i = 0; i < THREADS; i++)
		CHECK_EQ(pthread_create(&t[i], NULL, fn, (void *)i), 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
}

static void test_mutual_exclusion(void)
{
	lock = (struct sdk_spinlock)SDK_SPINLOCK_INIT;
	counter = 0;
	overlap = 0;
	run_threads(hammer);
	CHECK_EQ(counter, (unsigned long)THREADS * ROUNDS);
	CHECK_EQ(overlap, 0);
	CHECK_EQ(lock.next, lock.serving); /* free again */
	CHECK_EQ(lock.next, (unsigned long)THREADS * ROUNDS);
}

static volatile unsigned long tries, wins;

/* Half the threads lock, half try: the tries that succeed are inside alone too. */
static void *mixed(void *arg)
{
	long id = (long)arg;

	for (int i = 0; i < ROUNDS; i++) {
		if (id % 2 == 0) {
			sdk_spin_lock(&lock);
			critical();
			sdk_spin_unlock(&lock);
			continue;
		}
		__atomic_add_fetch(&tries, 1, __ATOMIC_RELAXED);
		if (sdk_spin_trylock(&lock)) {
			critical();
			__atomic_add_fetch(&wins, 1, __ATOMIC_RELAXED);
			sdk_spin_unlock(&lock);
		}
	}
	return NULL;
}

static void test_trylock(void)
{
	lock = (struct sdk_spinlock)SDK_SPINLOCK_INIT;
	CHECK(sdk_spin_trylock(&lock));	 /* free: taken */
	CHECK(!sdk_spin_trylock(&lock)); /* held: refused at once, no ticket left behind */
	CHECK_EQ(lock.next, 1);
	sdk_spin_unlock(&lock);
	CHECK(sdk_spin_trylock(&lock));
	sdk_spin_unlock(&lock);
	CHECK_EQ(lock.next, lock.serving);

	/* On a loaded machine the threads that try can lose every time in one run (the ones
	 * that lock keep it): run again until some try wins, each run checked whole. */
	for (int run = 0; run < 50 && (run == 0 || wins == 0); run++) {
		counter = tries = wins = 0;
		overlap = 0;
		lock = (struct sdk_spinlock)SDK_SPINLOCK_INIT;
		run_threads(mixed);
		CHECK_EQ(overlap, 0);
		CHECK_EQ(tries, (unsigned long)THREADS / 2 * ROUNDS);
		CHECK_EQ(counter, (unsigned long)THREADS / 2 * ROUNDS + wins);
	}
	CHECK(wins > 0);
	CHECK_EQ(lock.next, lock.serving);
}

static volatile int order[WAITERS], got;

/* Wait until the lock has handed out a ticket past `before`, at most 200 ms. */
static void wait_ticket_taken(uint32_t before)
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
	sdk_spin_lock(&lock);
	order[got++] = (int)(long)arg;
	sdk_spin_unlock(&lock);
	return NULL;
}

/* Waiters that asked one after another while the lock was held get it in that order. */
static void test_fifo(void)
{
	pthread_t t[WAITERS];

	lock = (struct sdk_spinlock)SDK_SPINLOCK_INIT;
	got = 0;
	sdk_spin_lock(&lock);
	for (long i = 0; i < WAITERS; i++) {
		uint32_t before = __atomic_load_n(&lock.next, __ATOMIC_ACQUIRE);

		CHECK_EQ(pthread_create(&t[i], NULL, queue_up, (void *)i), 0);
		wait_ticket_taken(before);
	}
	sdk_spin_unlock(&lock);
	for (int i = 0; i < WAITERS; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ(got, WAITERS);
	for (int i = 0; i < WAITERS; i++)
		CHECK_EQ(order[i], i);
}

static uint64_t total64;
static uint32_t total32, bits;
static uint64_t cas_total;
static long xchg_sum;
static long token = -1;

static void *atomics(void *arg)
{
	long id = (long)arg;

	for (int i = 0; i < ROUNDS; i++) {
		uint64_t seen = sdk_atomic_load(&cas_total);

		sdk_atomic_add(&total64, 3);
		sdk_atomic_sub(&total32, 1);
		while (!sdk_atomic_cmpxchg(&cas_total, &seen, seen + 2))
			; /* seen was refreshed with the current value */
		/* Pass a token around: every value put in is taken out exactly once. */
		__atomic_add_fetch(&xchg_sum, sdk_atomic_xchg(&token, id * ROUNDS + i),
				   __ATOMIC_RELAXED);
	}
	sdk_atomic_or(&bits, 1u << id);
	return NULL;
}

static void test_atomics(void)
{
	long want = -1; /* the token's first value, taken by the first exchange */

	total32 = THREADS * ROUNDS;
	run_threads(atomics);
	CHECK_EQ(total64, 3ull * THREADS * ROUNDS);
	CHECK_EQ(total32, 0);
	CHECK_EQ(cas_total, 2ull * THREADS * ROUNDS);
	CHECK_EQ(bits, (1u << THREADS) - 1);
	CHECK_EQ(sdk_atomic_and(&bits, 0x5u), 0x5u);
	for (long id = 0; id < THREADS; id++)
		for (long i = 0; i < ROUNDS; i++)
			want += id * ROUNDS + i;
	CHECK_EQ(xchg_sum + sdk_atomic_load(&token), want);
	sdk_atomic_store(&token, 7);
	CHECK_EQ(token, 7);
	{
		long expected = 6;

		CHECK(!sdk_atomic_cmpxchg(&token, &expected, 9));
		CHECK_EQ(expected, 7); /* told the current value */
		CHECK(sdk_atomic_cmpxchg(&token, &expected, 9));
		CHECK_EQ(token, 9);
	}
}

int main(void)
{
	RUN(test_mutual_exclusion);
	RUN(test_trylock);
	RUN(test_fifo);
	RUN(test_atomics);
	CHECK_MAIN_END();
}
