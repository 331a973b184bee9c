/*
 * Bulkhead payload SDK: floating point and SIMD for the payload's own code (docs/payloads.md,
 * "Floating point and SIMD"). The SDK itself is built without them (-mno-sse ...): nothing
 * here or anywhere else in the SDK touches an x87, XMM, YMM or ZMM register, so a payload
 * that enables them owns that state alone.
 *
 * sdk_fpu_enable() sets the control bits on the calling CPU (SDM Vol. 3A §2.5, §13.1; Vol. 1
 * §13.3): CR0.MP on, CR0.EM and CR0.TS off, CR4.OSFXSR and CR4.OSXMMEXCPT for SSE; then
 * CR4.OSXSAVE and XCR0 for AVX (and AVX-512). Under Bulkhead the CR0 and CR4 writes stay in
 * the guest (only CR0.NE and CR4.VMXE are Bulkhead's) and the XSETBV exits once, checked as
 * the CPU would check it. CPUs started afterwards by sdk_start_cpu() get the same. A payload
 * that says SDK_FPU_AT_START(features) has them enabled before main() (sdk_fpu_start).
 *
 * With SDK_FPU_IRQ_SAVE the interrupt entry in start.asm saves the state on the interrupted
 * stack before the handler and restores it after: FXSAVE64 (512 bytes) on a CPU with only
 * CR4.OSFXSR, XSAVE64 of the components enabled here on one with CR4.OSXSAVE, into an area
 * of sdk_fpu_area bytes, 64-byte aligned, whose header the entry zeroes first.
 */
#include "sdk_internal.h"

#define XCR0_X87    0x1ull
#define XCR0_SSE    0x2ull
#define XCR0_AVX    0x4ull
#define XCR0_AVX512 0xe0ull /* opmask, ZMM_Hi256, Hi16_ZMM */
#define FXSAVE_SIZE 512u

/* Read by the interrupt entry (start.asm): the bytes to reserve for the saved state, 0 for
 * no saving, and the XSAVE mask (EDX:EAX). */
uint32_t sdk_fpu_area;
uint64_t sdk_fpu_mask;

static unsigned enabled_features; /* what CPUs started later enable (sdk_fpu_cpu_init) */

static void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory");
}

/* Enable on this CPU what `want` asks and the CPU has; returns what it enabled and, in
 * *xcr0, the XCR0 it set (0 without XSAVE). */
static unsigned enable_here(unsigned want, uint64_t *xcr0)
{
	struct cpuid_regs c1 = cpuid(1, 0);
	const uint32_t sse = CPUID1_EDX_FXSR | CPUID1_EDX_SSE | CPUID1_EDX_SSE2;
	unsigned got = 0;
	uint32_t mxcsr = MXCSR_POWER_ON;

	*xcr0 = 0;
	if (want & (SDK_FPU_AVX | SDK_FPU_AVX512))
		want |= SDK_FPU_SSE; /* each needs the one before */
	if (want & SDK_FPU_AVX512)
		want |= SDK_FPU_AVX;
	if (!(want & SDK_FPU_SSE) || (c1.edx & sse) != sse)
		return 0;
	if (!(read_cr4() & CR4_OSFXSR)) { /* the first time: x87 and MXCSR at their defaults */
		write_cr0((read_cr0() | CR0_MP) & ~(CR0_EM | CR0_TS));
		write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
		__asm__ volatile("fninit\n\tldmxcsr %0" ::"m"(mxcsr) : "memory");
	}
	got = SDK_FPU_SSE;

	if ((want & SDK_FPU_AVX) && (c1.ecx & CPUID1_ECX_XSAVE) && (c1.ecx & CPUID1_ECX_AVX)) {
		struct cpuid_regs d = cpuid(0xd, 0);
		uint64_t offered = ((uint64_t)d.edx << 32) | d.eax;
		uint64_t v = XCR0_X87 | XCR0_SSE | XCR0_AVX;

		if ((offered & v) == v) {
			if ((want & SDK_FPU_AVX512) && (cpuid(7, 0).ebx & CPUID7_EBX_AVX512F) &&
			    (offered & XCR0_AVX512) == XCR0_AVX512)
				v |= XCR0_AVX512;
			write_cr4(read_cr4() | CR4_OSXSAVE);
			xsetbv(0, v);
			*xcr0 = v;
			got |= SDK_FPU_AVX | ((v & XCR0_AVX512) ? SDK_FPU_AVX512 : 0);
		}
	}
	return got;
}

unsigned sdk_fpu_enable(unsigned features)
{
	uint64_t flags = irq_save(), xcr0;
	unsigned got = enable_here(features, &xcr0);

	__atomic_or_fetch(&enabled_features, got, __ATOMIC_RELAXED);
	if (got && (features & SDK_FPU_IRQ_SAVE)) {
		/* The XSAVE area for the XCR0 just set: CPUID.(EAX=0DH,ECX=0):EBX. The area
		 * only grows, so a CPU that enabled more than another is covered too. */
		uint32_t size = xcr0 ? cpuid(0xd, 0).ebx : FXSAVE_SIZE;

		size = (size + 63) & ~63u;
		__atomic_or_fetch(&sdk_fpu_mask, xcr0, __ATOMIC_RELAXED);
		if (size > __atomic_load_n(&sdk_fpu_area, __ATOMIC_RELAXED))
			__atomic_store_n(&sdk_fpu_area, size, __ATOMIC_RELEASE);
		got |= SDK_FPU_IRQ_SAVE;
	}
	irq_restore(flags);
	return got;
}

unsigned sdk_fpu_enabled(void)
{
	return __atomic_load_n(&enabled_features, __ATOMIC_RELAXED) |
	       (sdk_fpu_irq_save_bytes() ? SDK_FPU_IRQ_SAVE : 0);
}

/* What SDK_FPU_AT_START(features) asks for, if the payload says it: a weak reference, whose
 * address is 0 when nothing defines it. (Not a weak definition of 0: GCC would fold it.) */
extern const unsigned sdk_fpu_at_start __attribute__((weak));

void sdk_fpu_start(void)
{
	const unsigned *want = &sdk_fpu_at_start;

	if (want && *want)
		sdk_fpu_enable(*want);
}

unsigned sdk_fpu_irq_save_bytes(void)
{
	return __atomic_load_n(&sdk_fpu_area, __ATOMIC_ACQUIRE);
}

void sdk_fpu_cpu_init(void)
{
	unsigned want = __atomic_load_n(&enabled_features, __ATOMIC_RELAXED);
	uint64_t xcr0;

	if (want)
		enable_here(want, &xcr0);
}
