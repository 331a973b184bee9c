/* Unit tests for arch/x86/xsave.c: which XCR0 values a partition may set, and its CPUID 0xD. */
#include <stdio.h>
#include <string.h>

#include "arch/x86/xsave.h"
#include "tests/unit/check.h"

/* An Ice Lake-like CPU: x87 SSE AVX, MPX, AVX-512, PKRU. */
#define CPU_HAS (XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_MPX | XCR0_AVX512 | XCR0_PKRU)

/* A fake CPU: sub-leaf 0 lists `fake_has`; component i >= 2 sits at offset 576 + 256 * (i - 2),
 * 256 bytes, unless it is in `fake_undescribed` (size 0, as Bochs 2.7 says of PKRU); sub-leaf
 * 1 has XSAVES, XFD and supervisor bits. */
static u64 fake_has = CPU_HAS, fake_undescribed;

static struct cpuid_regs fake_cpuid(u32 leaf, u32 sub)
{
	if (leaf != 0xd)
		return (struct cpuid_regs){0, 0, 0, 0};
	if (sub == 0)
		return (struct cpuid_regs){(u32)fake_has, 832, 11008, (u32)(fake_has >> 32)};
	if (sub == 1)
		return (struct cpuid_regs){0x1f, 0x999, 0x1900, 0};
	if (sub >= 64 || !(fake_has & (1ULL << sub)) || (fake_undescribed & (1ULL << sub)))
		return (struct cpuid_regs){0, 0, 0, 0};
	return (struct cpuid_regs){256, 576 + 256 * (sub - 2), 0, 0};
}

static u64 allowed_with(u64 has, u64 undescribed)
{
	fake_has = has;
	fake_undescribed = undescribed;
	return xcr0_allowed(fake_cpuid);
}

static void test_allowed(void)
{
	CHECK_EQ(allowed_with(CPU_HAS, 0),
		 XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_AVX512 | XCR0_PKRU);
	CHECK_EQ(allowed_with(CPU_HAS | XCR0_AMX, 0), allowed_with(CPU_HAS, 0)); /* no AMX */
	CHECK_EQ(allowed_with(XCR0_X87 | XCR0_SSE, 0), XCR0_X87 | XCR0_SSE);
	/* Listed but not described (Bochs 2.7's PKRU): not offered. */
	CHECK_EQ(allowed_with(CPU_HAS, XCR0_PKRU), XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_AVX512);
}

static void test_valid_values(void)
{
	u64 a = allowed_with(CPU_HAS, 0);

	CHECK(xcr0_valid(0, XCR0_X87, a));
	CHECK(xcr0_valid(0, XCR0_X87 | XCR0_SSE, a));
	CHECK(xcr0_valid(0, 0x7, a));
	CHECK(xcr0_valid(0, 0xe7, a));	/* what Linux sets with AVX-512 */
	CHECK(xcr0_valid(0, 0x2e7, a)); /* and PKRU */
}

/* Each rule the CPU checks, so that XSETBV in Bulkhead never faults. */
static void test_invalid_values(void)
{
	u64 a = allowed_with(CPU_HAS, 0);

	CHECK(!xcr0_valid(1, XCR0_X87, a));		      /* only XCR0 */
	CHECK(!xcr0_valid(0, 0, a));			      /* x87 clear */
	CHECK(!xcr0_valid(0, XCR0_SSE, a));		      /* x87 clear */
	CHECK(!xcr0_valid(0, XCR0_X87 | XCR0_AVX, a));	      /* AVX without SSE */
	CHECK(!xcr0_valid(0, 0x7 | (1ULL << 5), a));	      /* part of AVX-512 */
	CHECK(!xcr0_valid(0, XCR0_X87 | XCR0_SSE | 0xe0, a)); /* AVX-512 without AVX */
	CHECK(!xcr0_valid(0, 0x7 | XCR0_MPX, a));	      /* MPX: the CPU has it, not offered */
	CHECK(!xcr0_valid(0, 0x7 | XCR0_AMX, allowed_with(~0ULL, 0)));
	CHECK(!xcr0_valid(0, ~0ULL, a)); /* reserved bits */
	CHECK(!xcr0_valid(0, 0x7 | (1ULL << 63), a));
	CHECK(!xcr0_valid(0, 0x7, XCR0_X87 | XCR0_SSE)); /* a CPU without AVX */
	/* The pairing rules hold whatever the allowed set. */
	CHECK(!xcr0_valid(0, XCR0_X87 | (1ULL << 3), ~0ULL));
	CHECK(!xcr0_valid(0, XCR0_X87 | (1ULL << 17), ~0ULL));
	CHECK(xcr0_valid(0, XCR0_X87 | XCR0_MPX, ~0ULL));
}

static void test_cpuid_leaf_d(void)
{
	u64 a = allowed_with(CPU_HAS | XCR0_AMX, 0);
	struct cpuid_regs c = fake_cpuid(0xd, 0);

	xsave_filter_cpuid(0, &c, a, fake_cpuid);
	CHECK_EQ(c.eax, a);
	CHECK_EQ(c.edx, 0);
	CHECK_EQ(c.ebx, 832);		/* the size for the XCR0 set now: the CPU's */
	CHECK_EQ(c.ecx, 576 + 256 * 8); /* up to PKRU (component 9), not AMX */
	c = fake_cpuid(0xd, 1);
	xsave_filter_cpuid(1, &c, a, fake_cpuid);
	CHECK_EQ(c.eax, 0x5); /* XSAVEOPT, XGETBV1; no XSAVEC, no XSAVES, no XFD */
	CHECK_EQ(c.ebx | c.ecx | c.edx, 0);
	c = fake_cpuid(0xd, 2);
	xsave_filter_cpuid(2, &c, a, fake_cpuid);
	CHECK_EQ(c.eax, 256); /* AVX: offered, as the CPU says */
	c = fake_cpuid(0xd, 3);
	xsave_filter_cpuid(3, &c, a, fake_cpuid);
	CHECK_EQ(c.eax | c.ebx | c.ecx | c.edx, 0); /* MPX: not offered */
	c = fake_cpuid(0xd, 18);
	xsave_filter_cpuid(18, &c, a, fake_cpuid);
	CHECK_EQ(c.eax | c.ebx | c.ecx | c.edx, 0); /* AMX */
	c = fake_cpuid(0xd, 70);
	xsave_filter_cpuid(70, &c, a, fake_cpuid);
	CHECK_EQ(c.eax | c.ebx | c.ecx | c.edx, 0);
	/* A CPU without XSAVE: the leaf is empty. */
	c = fake_cpuid(0xd, 0);
	xsave_filter_cpuid(0, &c, 0, fake_cpuid);
	CHECK_EQ(c.eax | c.ebx | c.ecx | c.edx, 0);
}

int main(void)
{
	RUN(test_allowed);
	RUN(test_valid_values);
	RUN(test_invalid_values);
	RUN(test_cpuid_leaf_d);
	return check_total_failed ? 1 : 0;
}
