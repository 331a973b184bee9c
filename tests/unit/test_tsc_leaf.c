/* CPUID leaf 0x15 for partitions: the TSC rate Bulkhead measured, exactly, at any speed. */
#include "arch/x86/tsc_leaf.h"
#include "tests/unit/check.h"

static u64 leaf_hz(u64 khz)
{
	u32 a, b, c;

	tsc_leaf15(khz, &a, &b, &c);
	CHECK(b != 0 && c != 0);
	CHECK_EQ(a, 1); /* a denominator: never 0 */
	return a ? (u64)c * b / a : 0;
}

static void below_4_29_ghz_ratio_one(void)
{
	u32 a, b, c;

	tsc_leaf15(2000000, &a, &b, &c); /* 2 GHz */
	CHECK_EQ(a, 1);
	CHECK_EQ(b, 1);
	CHECK_EQ(c, 2000000000u);
	tsc_leaf15(4294967, &a, &b, &c); /* the fastest that fits 32 bits */
	CHECK_EQ(b, 1);
	CHECK_EQ(c, 4294967000u);
}

/* A 32-bit ECX used to wrap above 4.29 GHz: a 5 GHz TSC read as 705 MHz. */
static void above_4_29_ghz_exact(void)
{
	u32 a, b, c;

	tsc_leaf15(5000000, &a, &b, &c);
	CHECK_EQ(b, 2);
	CHECK_EQ(c, 2500000000u);
	CHECK_EQ(leaf_hz(4294968), 4294968000ULL);
	CHECK_EQ(leaf_hz(5999999), 5999999000ULL);
	CHECK_EQ(leaf_hz(9000000), 9000000000ULL);
	CHECK_EQ(leaf_hz(40000000), 40000000000ULL);
}

static void every_rate_exact(void)
{
	for (u64 khz = 1000; khz < 20000000; khz += 7919)
		CHECK_EQ(leaf_hz(khz), khz * 1000);
}

int main(void)
{
	RUN(below_4_29_ghz_ratio_one);
	RUN(above_4_29_ghz_exact);
	RUN(every_rate_exact);
	CHECK_MAIN_END();
}
