/* CPUID leaf 0x15 for partitions: the TSC rate Bulkhead measured, exactly, at any speed; and
 * the arithmetic of measuring it against the PIT (arch/x86/tsc_pit.h). */
#include "arch/x86/tsc_leaf.h"
#include "arch/x86/tsc_pit.h"
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

static void pit_rate(void)
{
	/* the first count: 2386 clocks at 1193182 Hz = 1.99970 ms; a 100 MHz TSC counts 199970 */
	CHECK_EQ(tsc_khz_over_clocks(199970, 2386), 100000);
	CHECK_EQ(tsc_khz_over_clocks(199969, 2386), 99999);
	/* the refinement: 0xffff clocks, 54.925 ms */
	CHECK_EQ(tsc_khz_over_clocks(5492457, 0xffff), 100000);
	CHECK_EQ(tsc_khz_over_clocks(5492456, 0xffff), 99999); /* a tick less: cut, not rounded */
	CHECK_EQ(tsc_khz_over_clocks(164773690, 0xffff), 3000000);
	CHECK_EQ(tsc_khz_over_clocks(9, 0), 0); /* no clock: no figure, no division */
	/* the refinement's wait: twice its 54.9 ms count at the first figure */
	CHECK_EQ(tsc_count_bound(100000, 0xffff), 10984912);
	CHECK_EQ(tsc_count_bound(3000000, 0xffff), 329547378);
}

static void leaf15_stated_rate(void)
{
	CHECK_EQ(tsc_leaf15_khz(2, 188, 24000000), 2256000); /* 24 MHz crystal x 94 */
	CHECK_EQ(tsc_leaf15_khz(0, 188, 24000000), 0);	     /* no ratio stated */
	CHECK_EQ(tsc_leaf15_khz(2, 188, 0), 0);		     /* no crystal stated */
	CHECK(tsc_rates_agree(100000, 100990, 100));
	CHECK(tsc_rates_agree(100000, 99500, 200)); /* the refinement's 0.5 % */
	CHECK(!tsc_rates_agree(100000, 99499, 200));
	CHECK(!tsc_rates_agree(100000, 101001, 100));
	CHECK(!tsc_rates_agree(100000, 1500000, 100)); /* Bochs's Ice Lake: 1.5 GHz stated */
	CHECK(!tsc_rates_agree(0, 0, 100));	       /* nothing measured: never "agrees" */
}

int main(void)
{
	RUN(pit_rate);
	RUN(leaf15_stated_rate);
	RUN(below_4_29_ghz_ratio_one);
	RUN(above_4_29_ghz_exact);
	RUN(every_rate_exact);
	CHECK_MAIN_END();
}
