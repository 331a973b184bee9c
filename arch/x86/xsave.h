/*
 * XCR0 for partitions (SDM Vol. 1 §13.3, Vol. 2C XSETBV): a partition's CPUs are its own, so
 * each may enable the user state components (x87, SSE, AVX, AVX-512, PKRU) the CPU has, and
 * the XSETBV exit writes the value on the guest's behalf after the checks the CPU would make
 * (a bad value there would fault in Bulkhead). XCR0 is 1 again when a CPU (re)starts its
 * partition or takes an INIT, as on a real INIT.
 */
#ifndef BULKHEAD_ARCH_X86_XSAVE_H
#define BULKHEAD_ARCH_X86_XSAVE_H

#include "core/lib/cpu.h"
#include "core/lib/x86.h"
#include "bulkhead/types.h"

#define XCR0_X87    (1ULL << 0)
#define XCR0_SSE    (1ULL << 1)
#define XCR0_AVX    (1ULL << 2)
#define XCR0_MPX    (3ULL << 3) /* BNDREGS, BNDCSR */
#define XCR0_AVX512 (7ULL << 5) /* opmask, ZMM_Hi256, Hi16_ZMM */
#define XCR0_PKRU   (1ULL << 9)
#define XCR0_AMX    (3ULL << 17) /* TILECFG, TILEDATA */
/* What a partition may enable where the CPU has it. Not MPX (gone from current CPUs and
 * Linux) and not AMX (its state is enabled per process through XFD, an MSR not offered). */
#define XCR0_PARTITION (XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_AVX512 | XCR0_PKRU)

/* The XSAVE area in the standard format (SDM Vol. 1 §13.4): the legacy region (x87 and SSE,
 * MXCSR at byte 24), the XSAVE header, then the components the CPU places (CPUID leaf 0xD). */
#define XSAVE_LEGACY_SIZE 512
#define XSAVE_HEADER_SIZE 64

/* XCR0 as after INIT: x87 only (SDM Vol. 3A Table 10-1). No-op where XSAVE is absent. */
static inline void xcr0_reset(void)
{
	if (read_cr4() & CR4_OSXSAVE)
		xsetbv(0, XCR0_X87);
}

/* The XCR0 bits a partition may set: XCR0_PARTITION where the CPU has them
 * (CPUID.(EAX=0DH,ECX=0):EDX:EAX) and describes them (a non-zero size in sub-leaf i: Bochs
 * 2.7 lists PKRU but describes it as size 0 at offset 0, which Linux calls misordered).
 * `query` reads the real CPUID. */
u64 xcr0_allowed(struct cpuid_regs (*query)(u32 leaf, u32 sub));

/* Would XSETBV of `value` to XCR `index` succeed, with `allowed` as the CPU's set? */
bool xcr0_valid(u32 index, u64 value, u64 allowed);

/* CPUID leaf 0xD as a partition sees it: only the `allowed` components, in the standard
 * format (no XSAVEC, no XSAVES, no XFD). `query` reads the real leaf (sub-leaves for the sizes). */
void xsave_filter_cpuid(u32 sub, struct cpuid_regs *c, u64 allowed,
			struct cpuid_regs (*query)(u32 leaf, u32 sub));

#endif
