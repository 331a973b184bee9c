/*
 * tsc: prints the time-stamp counter (RDTSC) as a decimal number and a newline, for the
 * Linux test image (/bin/tsc). The init times its work with it (images/linux/init: `work`)
 * and places its marker on the machine's timeline (`bulkhead-linux: tsc <ticks>`): under
 * Bulkhead the partition's TSC is the host's, with no offset, and under Bochs it counts
 * guest time at ips (100 ticks = 1 us at ips=100000000).
 * A hosted program, glibc, static.
 */
#include <stdint.h>
#include <stdio.h>

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

int main(void)
{
	printf("%llu\n", (unsigned long long)rdtsc());
	return 0;
}
