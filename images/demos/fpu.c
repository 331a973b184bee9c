/*
 * fpu: floating point in main() and in a 1 kHz timer handler at once, and proof that an
 * interrupt in the middle of main's computation does not corrupt it when the SDK saves the
 * FP/SIMD state around handlers (sdk_fpu_enable with SDK_FPU_IRQ_SAVE, docs/payloads.md).
 * This file is built with SDK_FPU_CFLAGS (sdk.mk's DEMOS_FPU) and has SSE and AVX enabled
 * before main() (SDK_FPU_AT_START); its AVX loop carries target("avx") and runs only where
 * AVX was enabled.
 *
 * The handler (1 kHz: TSC-deadline timer if the CPU has it, else periodic) draws an integer
 * sample, adds it and its square to running sums in doubles (exact: they stay below 2^53)
 * and in integers, and then, as a careless handler could, leaves every XMM (and YMM) register
 * full of its own values, MXCSR and the x87 control word rounding upward.
 *
 * main() computes passes of n=<n> steps (default 20000): a sum of i/4 (exact, checked against
 * n(n+1)/8), a harmonic sum and a decaying recurrence (inexact: their bits depend on every
 * register and on the rounding mode), and where AVX is on a 4-wide vector loop of the same
 * kind. The first pass runs with interrupts off and is the reference; every later pass must
 * give the same bits. A pass during which the handler ran counts as interrupted.
 *
 * First a control of control_ms=<ms> (default 500) with FP enabled but no saving: the
 * handler's registers leak into main's, and the corrupted passes are counted (expected: not
 * 0, as a check that the comparison has teeth). Then seconds=<s> (default 3) with saving, a
 * line a second, and the verdict:
 *
 *	fpu: start, apic id 2, tsc 99989 kHz, bulkhead
 *	fpu: enabled sse avx, irq save xsave of 832 bytes
 *	fpu: control without saving: 25 of 30 passes corrupted (expected)
 *	fpu: irq entry 1000 x int 0x41: 108 ticks each without saving, 151 with
 *	fpu: second 1: 1000 ticks, mean 32767.412 var 357913941, sums exact; 45 passes, 44
 *interrupted, 0 corrupted
 *	...
 *	fpu: verdict ok: 3000 ticks, sums exact; 135 passes, 132 interrupted mid-computation, 0
 *corrupted
 *
 * The verdict is "fpu: verdict FAILED: ..." (exit code 1) if a pass under saving differed, a
 * running sum in doubles was not exact, or no pass was interrupted; a control that corrupted
 * nothing says "(unexpected)" but does not fail the run.
 */
#include <bulkhead/sdk.h>

/* SSE and AVX on before main(): the compiler may use XMM registers anywhere in this file. */
SDK_FPU_AT_START(SDK_FPU_SSE | SDK_FPU_AVX);

#define VEC_TIMER 0x40
#define VEC_SOFT  0x41 /* int 0x41: the entry's cost, with and without saving */

static uint64_t period, next_deadline;
static bool deadline_mode, have_avx;
static volatile uint64_t ticks;

/* The handler's running sums: in doubles, and the same in integers to check them. */
static volatile double h_sum, h_sumsq;
static volatile uint64_t h_isum, h_isumsq;
static uint32_t lcg = 12345;

static const double junk[4] __attribute__((aligned(32))) = {1.5e300, -2.25, 3.0e-300, 7.0};

/* What a careless handler leaves behind: its values in all XMM registers, MXCSR rounding
 * up (0x5f80), the x87 rounding up (0x0b7f). */
static void clobber_sse(void)
{
	uint32_t mxcsr = 0x5f80;
	uint16_t fcw = 0x0b7f;

	__asm__ volatile("movupd %0, %%xmm0\n\tmovupd %0, %%xmm1\n\tmovupd %0, %%xmm2\n\t"
			 "movupd %0, %%xmm3\n\tmovupd %0, %%xmm4\n\tmovupd %0, %%xmm5\n\t"
			 "movupd %0, %%xmm6\n\tmovupd %0, %%xmm7\n\tmovupd %0, %%xmm8\n\t"
			 "movupd %0, %%xmm9\n\tmovupd %0, %%xmm10\n\tmovupd %0, %%xmm11\n\t"
			 "movupd %0, %%xmm12\n\tmovupd %0, %%xmm13\n\tmovupd %0, %%xmm14\n\t"
			 "movupd %0, %%xmm15\n\tldmxcsr %1\n\tfldcw %2" ::"m"(junk),
			 "m"(mxcsr), "m"(fcw)
			 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
			   "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "memory");
}

/* The same for the full YMM registers. */
__attribute__((target("avx"))) static void clobber_avx(void)
{
	__asm__ volatile("vmovupd %0, %%ymm0\n\tvmovupd %0, %%ymm1\n\tvmovupd %0, %%ymm2\n\t"
			 "vmovupd %0, %%ymm3\n\tvmovupd %0, %%ymm4\n\tvmovupd %0, %%ymm5\n\t"
			 "vmovupd %0, %%ymm6\n\tvmovupd %0, %%ymm7\n\tvmovupd %0, %%ymm8\n\t"
			 "vmovupd %0, %%ymm9\n\tvmovupd %0, %%ymm10\n\tvmovupd %0, %%ymm11\n\t"
			 "vmovupd %0, %%ymm12\n\tvmovupd %0, %%ymm13\n\tvmovupd %0, %%ymm14\n\t"
			 "vmovupd %0, %%ymm15" ::"m"(junk)
			 : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
			   "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "memory");
}

static void tick(unsigned vector)
{
	uint32_t x;
	double d;

	lcg = lcg * 1103515245u + 12345u;
	x = (lcg >> 8) & 0xffff;
	d = (double)x;
	h_sum += d;
	h_sumsq += d * d;
	h_isum += x;
	h_isumsq += (uint64_t)x * x;
	ticks++;
	if (deadline_mode) {
		uint64_t now = sdk_tsc();

		next_deadline += period;
		while (next_deadline <= now)
			next_deadline += period;
		sdk_timer_deadline(vector, next_deadline);
	}
	if (have_avx)
		clobber_avx();
	clobber_sse();
}

static void soft(unsigned vector)
{
	(void)vector;
}

/* ---- main's computation --------------------------------------------------------------- */

struct result {
	double quarter; /* sum of i/4, exact */
	double harmonic;
	double decay;
	double vec; /* the AVX loop's, 0 without AVX */
};

typedef double v4df __attribute__((vector_size(32)));

__attribute__((target("avx"), noipa)) static double work_avx(unsigned n)
{
	v4df acc = {0, 0, 0, 0}, x = {1, 2, 3, 4}, step = {4, 4, 4, 4};
	v4df scale = {0.1, 0.2, 0.3, 0.7};

	for (unsigned i = 0; i < n; i += 4) {
		acc = acc * 0.9995 + x * scale;
		x += step;
	}
	return acc[0] + acc[1] + acc[2] + acc[3];
}

/* noipa: the compiler must not find it pure and hoist it out of the loop of passes. */
__attribute__((noipa)) static struct result work(unsigned n)
{
	struct result r = {0, 0, 0, 0};

	for (unsigned i = 1; i <= n; i++) {
		double x = (double)i;

		r.quarter += x * 0.25;
		r.harmonic += 1.0 / x;
		r.decay = r.decay * 0.999 + x;
	}
	if (have_avx)
		r.vec = work_avx(n);
	return r;
}

static bool same(const struct result *a, const struct result *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Default x87 and MXCSR state: what main expects. */
static void fpu_defaults(void)
{
	uint32_t mxcsr = 0x1f80;

	__asm__ volatile("fninit\n\tldmxcsr %0" ::"m"(mxcsr) : "memory");
}

/* TSC ticks of one `int VEC_SOFT` through the SDK's entry, best of 1000 (interrupts off). */
static uint64_t entry_cost(void)
{
	uint64_t best = ~0ull;

	sdk_irq_disable();
	for (int i = 0; i < 1000; i++) {
		uint64_t t0 = sdk_tsc(), t;

		__asm__ volatile("int $0x41" ::: "memory");
		t = sdk_tsc() - t0;
		if (t < best)
			best = t;
	}
	sdk_irq_enable();
	return best;
}

static void timer_start(void)
{
	deadline_mode = sdk_has_tsc_deadline();
	sdk_irq_register(VEC_TIMER, tick);
	if (deadline_mode) {
		next_deadline = sdk_tsc() + period;
		sdk_timer_deadline(VEC_TIMER, next_deadline);
	} else {
		sdk_timer_periodic(VEC_TIMER, period);
	}
}

struct tally {
	uint64_t passes, interrupted, corrupted;
};

/* Passes until the TSC reaches `until`, each checked against the reference. */
static void run_passes(unsigned n, const struct result *ref, uint64_t until, struct tally *t)
{
	while (sdk_tsc() < until) {
		uint64_t t0 = ticks;
		struct result r = work(n);

		t->passes++;
		t->interrupted += ticks != t0;
		if (!same(&r, ref) || r.quarter * 8 != (double)n * (n + 1))
			t->corrupted++;
	}
}

static bool sums_exact(void)
{
	return h_sum == (double)h_isum && h_sumsq == (double)h_isumsq;
}

int main(const struct sdk_env *env)
{
	unsigned n = (unsigned)sdk_cmdline_u64("n", 20000);
	uint64_t control_ms = sdk_cmdline_u64("control_ms", 500);
	uint64_t seconds = sdk_cmdline_u64("seconds", 3), cost_plain, cost_saved, t_end;
	struct tally control = {0, 0, 0}, all = {0, 0, 0};
	struct result ref;
	unsigned got;
	bool ok;

	sdk_printf("fpu: start, apic id %u, tsc %llu kHz, %s", sdk_apic_id(),
		   (unsigned long long)env->tsc_khz, env->bulkhead ? "bulkhead" : "bare");
	if (n < 4)
		n = 4;
	n &= ~3u;	       /* the vector loop takes four at a time */
	period = env->tsc_khz; /* 1 ms */
	sdk_irq_register(VEC_SOFT, soft);

	/* The control: FP on (SDK_FPU_AT_START), no saving around handlers. */
	got = sdk_fpu_enabled();
	if (!(got & SDK_FPU_SSE)) {
		sdk_printf("fpu: no SSE on this CPU; verdict FAILED");
		return 1;
	}
	have_avx = got & SDK_FPU_AVX;
	ref = work(n); /* interrupts are off: the reference */
	cost_plain = entry_cost();
	if (control_ms) {
		timer_start();
		sdk_irq_enable();
		run_passes(n, &ref, sdk_tsc() + control_ms * env->tsc_khz, &control);
		sdk_irq_disable();
		sdk_timer_stop();
		fpu_defaults(); /* what the handlers left in MXCSR and the x87 */
	}

	/* The real thing: the SDK saves the state around every handler. */
	got = sdk_fpu_enable(SDK_FPU_SSE | SDK_FPU_AVX | SDK_FPU_IRQ_SAVE);
	sdk_printf("fpu: enabled sse%s, irq save %s of %u bytes", have_avx ? " avx" : "",
		   have_avx ? "xsave" : "fxsave", sdk_fpu_irq_save_bytes());
	if (control_ms)
		sdk_printf("fpu: control without saving: %llu of %llu passes corrupted (%s)",
			   (unsigned long long)control.corrupted,
			   (unsigned long long)control.passes,
			   control.corrupted ? "expected" : "unexpected");
	cost_saved = entry_cost();
	sdk_printf("fpu: irq entry 1000 x int 0x41: %llu ticks each without saving, %llu with",
		   (unsigned long long)cost_plain, (unsigned long long)cost_saved);

	ticks = 0;
	h_sum = h_sumsq = 0;
	h_isum = h_isumsq = 0;
	timer_start();
	sdk_irq_enable();
	t_end = sdk_tsc();
	for (uint64_t s = 1, before = 0; s <= seconds; s++) {
		struct tally t = {0, 0, 0};
		uint64_t nt, isum, isumsq, mean_k, var;
		bool exact;

		t_end += 1000 * env->tsc_khz;
		run_passes(n, &ref, t_end, &t);
		sdk_irq_disable(); /* a consistent snapshot of the handler's sums */
		nt = ticks;
		isum = h_isum;
		isumsq = h_isumsq;
		exact = sums_exact();
		sdk_irq_enable();
		/* mean to 1/1000, population variance, from the exact integer sums */
		mean_k = nt ? isum * 1000 / nt : 0;
		var = nt ? (isumsq - isum * isum / nt) / nt : 0;
		sdk_printf("fpu: second %llu: %llu ticks, mean %llu.%03llu var %llu, sums %s; "
			   "%llu passes, %llu interrupted, %llu corrupted",
			   (unsigned long long)s, (unsigned long long)(nt - before),
			   (unsigned long long)(mean_k / 1000), (unsigned long long)(mean_k % 1000),
			   (unsigned long long)var, exact ? "exact" : "NOT EXACT",
			   (unsigned long long)t.passes, (unsigned long long)t.interrupted,
			   (unsigned long long)t.corrupted);
		before = nt;
		all.passes += t.passes;
		all.interrupted += t.interrupted;
		all.corrupted += t.corrupted;
	}
	sdk_irq_disable();
	sdk_timer_stop();
	ok = all.corrupted == 0 && all.interrupted > 0 && sums_exact() && (got & SDK_FPU_IRQ_SAVE);
	sdk_printf("fpu: verdict %s: %llu ticks, sums %s; %llu passes, %llu interrupted "
		   "mid-computation, %llu corrupted",
		   ok ? "ok" : "FAILED", (unsigned long long)ticks,
		   sums_exact() ? "exact" : "NOT EXACT", (unsigned long long)all.passes,
		   (unsigned long long)all.interrupted, (unsigned long long)all.corrupted);
	return ok ? 0 : 1;
}
