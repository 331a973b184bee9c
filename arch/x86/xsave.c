/* XCR0 checks and the partition's view of CPUID leaf 0xD (see xsave.h). */
#include "arch/x86/xsave.h"

/* XSAVEOPT and XGETBV with ECX = 1. Not XSAVES (IA32_XSS is not offered), not XFD, and not
 * XSAVEC: the compacted size CPUs report in sub-leaf 1 cannot be trusted (Bochs 2.7 gives the
 * standard one, and Linux warns of an inconsistent XSAVE), and the standard format has none. */
#define CPUID_D1_KEEP (CPUIDD1_EAX_XSAVEOPT | CPUIDD1_EAX_XGETBV1)

u64 xcr0_allowed(struct cpuid_regs (*query)(u32 leaf, u32 sub))
{
	struct cpuid_regs d = query(0xd, 0);
	u64 allowed = (((u64)d.edx << 32) | d.eax) & XCR0_PARTITION;

	for (u32 i = 2; i < 64; i++)
		if ((allowed & (1ULL << i)) && query(0xd, i).eax == 0)
			allowed &= ~(1ULL << i);
	return allowed;
}

/* SDM Vol. 1 §13.3: x87 always on; AVX needs SSE; AVX-512's three components go together and
 * need AVX; MPX's two and AMX's two go together; nothing the CPU lacks. Only XCR0 exists. */
bool xcr0_valid(u32 index, u64 value, u64 allowed)
{
	u64 avx512 = value & XCR0_AVX512, mpx = value & XCR0_MPX, amx = value & XCR0_AMX;

	if (index != 0 || (value & ~allowed) || !(value & XCR0_X87))
		return false;
	if ((value & XCR0_AVX) && !(value & XCR0_SSE))
		return false;
	if (avx512 && (avx512 != XCR0_AVX512 || !(value & XCR0_AVX)))
		return false;
	return (!mpx || mpx == XCR0_MPX) && (!amx || amx == XCR0_AMX);
}

/* The size of an XSAVE area (standard format) holding every `allowed` component. */
static u32 xsave_max_size(u64 allowed, struct cpuid_regs (*query)(u32 leaf, u32 sub))
{
	u32 size = XSAVE_LEGACY_SIZE + XSAVE_HEADER_SIZE;

	for (u32 i = 2; i < 64; i++) {
		if (allowed & (1ULL << i)) {
			struct cpuid_regs c = query(0xd, i); /* EAX size, EBX offset */

			if (c.ebx + c.eax > size)
				size = c.ebx + c.eax;
		}
	}
	return size;
}

void xsave_filter_cpuid(u32 sub, struct cpuid_regs *c, u64 allowed,
			struct cpuid_regs (*query)(u32 leaf, u32 sub))
{
	if (!allowed) {
		*c = (struct cpuid_regs){0, 0, 0, 0};
	} else if (sub == 0) {
		/* EBX (the size for the XCR0 now set) is the CPU's: XCR0 is the guest's own. */
		c->eax = (u32)allowed;
		c->edx = (u32)(allowed >> 32);
		c->ecx = xsave_max_size(allowed, query);
	} else if (sub == 1) {
		c->eax &= CPUID_D1_KEEP;
		c->ebx = c->ecx = c->edx = 0; /* no compacted size, no supervisor components */
	} else if (sub >= 64 || !(allowed & (1ULL << sub))) {
		*c = (struct cpuid_regs){0, 0, 0, 0};
	}
}
