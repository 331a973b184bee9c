/* Unit tests for core/console.c: lines are written whole, one CPU at a time, and a trap on a
 * CPU that holds COM1 or waits for it cannot leave the others waiting for ever. Host threads
 * stand in for CPUs; a "trap" is taken where the CPU would take it and, like the real one, never
 * returns to the code it interrupted (longjmp). A hang is a failure: the test stops by alarm. */
#define _POSIX_C_SOURCE 200809L /* pthreads */
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86/arch.h"
#include "core/console.h"
#include "core/log.h"
#include "tests/unit/check.h"

static __thread u32 cpu;
static __thread jmp_buf halted; /* where a trapped CPU "halts" */
static __thread int trap_when_waiting, trap_in_write;

static char out[1024];
static size_t out_len;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int holding, release, trapped;

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
	longjmp(halted, 1);
}

/* COM1: appends; "held" stays in the transmitter until the test releases it. */
void arch_console_write(const char *s, size_t len)
{
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
	if (trap_in_write) {
		trap_in_write = 0;
		take_trap();
	}
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

int main(void)
{
	alarm(20); /* a CPU left waiting for ever ends the test as a failure */
	RUN(test_plain);
	RUN(test_trap_while_holding);
	RUN(test_trap_while_waiting);
	CHECK_MAIN_END();
}
