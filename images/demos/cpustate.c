/*
 * cpustate: checks that it starts with the CPU state INIT leaves (SDM Vol. 3A §10.1.1, table
 * 10-1) in what a payload can read and Bulkhead does not keep in the VMCS, then leaves all of
 * it dirty and exits, so that the next start of its partition (the shell's `start`, or a
 * restart) is checked against what this run left:
 *
 *   local APIC   TPR 0, LVT timer/LINT0/LINT1/error masked, timer count and TSC deadline 0,
 *                nothing in service (ISR) or pending (IRR)
 *   debug        DR0-DR3 0, DR6 0xffff0ff0, DR7 0x400
 *   x87/SSE/AVX  FCW 0x37f, MXCSR 0x1f80, XMM0 and the upper half of YMM0 zero, XCR0 1
 *   MSRs         STAR, LSTAR, SFMASK, KERNEL_GS_BASE, TSC_AUX (with RDTSCP) and SPEC_CTRL
 *                (where CPUID has it) 0
 *
 * It prints "cpustate: dirty <what> 0x<value>" for each one found otherwise, then
 * "cpustate: checked, <n> dirty". It leaves: a TPR of 0x20, the timer periodic and unmasked
 * (vector 0x40, a long period), an interrupt in service (0x50, its handler never returns)
 * and two pending below it (0x48, and 0x11: a vector a restart must not mistake for #AC), every
 * debug register set, odd FCW and MXCSR, ones in XMM0 and YMM0, XCR0 with AVX, and the MSRs
 * written, then exits (code 0) from inside the interrupt handler.
 */
#include <bulkhead/sdk.h>

#define X2APIC_TPR	 0x808
#define X2APIC_ISR	 0x810
#define X2APIC_IRR	 0x820
#define X2APIC_LVT_TIMER 0x832
#define X2APIC_LINT0	 0x835
#define X2APIC_LINT1	 0x836
#define X2APIC_LVT_ERR	 0x837
#define X2APIC_TIMER_CNT 0x838
#define MSR_TSC_DEADLINE 0x6e0
#define MSR_SPEC_CTRL	 0x48
#define MSR_STAR	 0xc0000081u
#define MSR_LSTAR	 0xc0000082u
#define MSR_SFMASK	 0xc0000084u
#define MSR_KERNEL_GS	 0xc0000102u
#define MSR_TSC_AUX	 0xc0000103u
#define LVT_MASKED	 (1u << 16)
#define CR4_OSFXSR	 (1ull << 9)
#define CR4_OSXSAVE	 (1ull << 18)
#define VEC_TIMER	 0x40
#define VEC_PENDING	 0x48
#define VEC_LOW		 0x11 /* legal (16 up), and an exception's number in Bulkhead's IDT */
#define VEC_IN_SERVICE	 0x50

static unsigned dirty;

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(0));
}

static void expect(const char *what, uint64_t value, uint64_t want)
{
	if (value == want)
		return;
	sdk_printf("cpustate: dirty %s 0x%llx", what, (unsigned long long)value);
	dirty++;
}

#define READ_DR(n)                                                                                 \
	({                                                                                         \
		uint64_t v_;                                                                       \
		__asm__ volatile("mov %%dr" #n ", %0" : "=r"(v_));                                 \
		v_;                                                                                \
	})
#define WRITE_DR(n, v) __asm__ volatile("mov %0, %%dr" #n ::"r"((uint64_t)(v)))

static bool has_xsave, has_avx, has_rdtscp, has_spec_ctrl;

static void features(void)
{
	uint32_t r[4];

	cpuid(1, r);
	has_xsave = r[2] & (1u << 26);
	has_avx = has_xsave && (r[2] & (1u << 28));
	cpuid(7, r);
	has_spec_ctrl = r[3] & ((1u << 26) | (1u << 27) | (1u << 31));
	cpuid(0x80000001u, r);
	has_rdtscp = r[3] & (1u << 27);
}

/* SSE and XSAVE instructions need CR4.OSFXSR and CR4.OSXSAVE, which INIT clears. */
static void enable_simd(void)
{
	uint64_t cr4;

	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= CR4_OSFXSR | (has_xsave ? CR4_OSXSAVE : 0);
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4));
}

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

static void xsetbv0(uint64_t v)
{
	__asm__ volatile("xsetbv" ::"c"(0), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static void check_apic(void)
{
	char name[16];

	expect("tpr", rdmsr(X2APIC_TPR), 0);
	expect("lvt-timer-mask", rdmsr(X2APIC_LVT_TIMER) & LVT_MASKED, LVT_MASKED);
	expect("lvt-lint0-mask", rdmsr(X2APIC_LINT0) & LVT_MASKED, LVT_MASKED);
	expect("lvt-lint1-mask", rdmsr(X2APIC_LINT1) & LVT_MASKED, LVT_MASKED);
	expect("lvt-error-mask", rdmsr(X2APIC_LVT_ERR) & LVT_MASKED, LVT_MASKED);
	expect("timer-count", rdmsr(X2APIC_TIMER_CNT), 0);
	if (sdk_has_tsc_deadline())
		expect("tsc-deadline", rdmsr(MSR_TSC_DEADLINE), 0);
	for (unsigned i = 0; i < 8; i++) {
		sdk_snprintf(name, sizeof(name), "isr%u", i);
		expect(name, rdmsr(X2APIC_ISR + i), 0);
		sdk_snprintf(name, sizeof(name), "irr%u", i);
		expect(name, rdmsr(X2APIC_IRR + i), 0);
	}
}

static void check_debug(void)
{
	expect("dr0", READ_DR(0), 0);
	expect("dr1", READ_DR(1), 0);
	expect("dr2", READ_DR(2), 0);
	expect("dr3", READ_DR(3), 0);
	expect("dr6", READ_DR(6), 0xffff0ff0u);
	expect("dr7", READ_DR(7), 0x400);
}

static void check_simd(void)
{
	uint16_t fcw;
	uint32_t mxcsr;
	uint64_t xmm0[2], hi[2] = {0, 0};

	__asm__ volatile("fnstcw %0" : "=m"(fcw));
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	__asm__ volatile("movdqu %%xmm0, %0" : "=m"(xmm0));
	expect("fcw", fcw, 0x37f);
	expect("mxcsr", mxcsr, 0x1f80);
	expect("xmm0", xmm0[0] | xmm0[1], 0);
	if (!has_xsave)
		return;
	expect("xcr0", xgetbv0(), 1);
	if (has_avx) {
		xsetbv0(7);
		__asm__ volatile("vextractf128 $1, %%ymm0, %%xmm1\n\tmovdqu %%xmm1, %0" : "=m"(hi));
		xsetbv0(1);
		expect("ymm0-high", hi[0] | hi[1], 0);
	}
}

static void check_msrs(void)
{
	expect("star", rdmsr(MSR_STAR), 0);
	expect("lstar", rdmsr(MSR_LSTAR), 0);
	expect("sfmask", rdmsr(MSR_SFMASK), 0);
	expect("kernel-gs-base", rdmsr(MSR_KERNEL_GS), 0);
	if (has_rdtscp)
		expect("tsc-aux", rdmsr(MSR_TSC_AUX), 0);
	if (has_spec_ctrl)
		expect("spec-ctrl", rdmsr(MSR_SPEC_CTRL), 0);
}

static void dirty_cpu(void)
{
	static const uint64_t ones[2] = {~0ull, ~0ull};
	uint16_t fcw = 0x27f;
	uint32_t mxcsr = 0x1f00;

	WRITE_DR(0, 0x1000);
	WRITE_DR(1, 0x2000);
	WRITE_DR(2, 0x3000);
	WRITE_DR(3, 0x4000);
	WRITE_DR(6, 0xffff4ff1u);
	WRITE_DR(7, 0x401); /* L0: an instruction breakpoint at 0x1000, never executed */
	__asm__ volatile("fldcw %0\n\tldmxcsr %1\n\tmovdqu %2, %%xmm0" ::"m"(fcw), "m"(mxcsr),
			 "m"(ones));
	if (has_avx) {
		xsetbv0(7);
		__asm__ volatile("vinsertf128 $1, %%xmm0, %%ymm0, %%ymm0" ::: "memory");
	}
	wrmsr(MSR_STAR, 0x0023001000000000ull);
	wrmsr(MSR_LSTAR, 0x100000);
	wrmsr(MSR_SFMASK, 0x700);
	wrmsr(MSR_KERNEL_GS, 0x1234000);
	if (has_rdtscp)
		wrmsr(MSR_TSC_AUX, 7);
	if (has_spec_ctrl)
		wrmsr(MSR_SPEC_CTRL, 1);
	sdk_timer_periodic(VEC_TIMER, 1ull << 40);
}

/* In service (its handler never returns) with one below it pending: exit from here. */
static void in_service(unsigned vector)
{
	(void)vector;
	sdk_ipi(sdk_apic_id(), VEC_PENDING);
	sdk_ipi(sdk_apic_id(), VEC_LOW);
	wrmsr(X2APIC_TPR, 0x20);
	sdk_exit(0);
}

int main(const struct sdk_env *env)
{
	(void)env;
	features();
	enable_simd();
	check_apic();
	check_debug();
	check_simd();
	check_msrs();
	sdk_printf("cpustate: checked, %u dirty", dirty);
	dirty_cpu();
	sdk_irq_register(VEC_IN_SERVICE, in_service);
	sdk_irq_register(VEC_PENDING, in_service);
	sdk_ipi(sdk_apic_id(), VEC_IN_SERVICE);
	sdk_irq_enable();
	for (;;)
		__asm__ volatile("hlt");
}
