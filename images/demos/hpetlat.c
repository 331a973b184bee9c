/*
 * hpetlat: device-interrupt latency. The payload owns the HPET (IA-PC HPET specification 1.0a)
 * and one I/O APIC input: it routes one HPET timer to a GSI and that GSI to a vector on its own
 * CPU, then n times arms the timer's comparator a little ahead of the main counter, halts, and
 * in the handler reads the main counter. The latency of a sample is that reading minus the
 * comparator, in HPET ticks: the path comparator match -> I/O APIC -> local APIC -> handler.
 * Under Bulkhead the layout grants the HPET's page (partitions/hpet.c) and its GSI, so the
 * path takes no exit: the registers pass through, the interrupt goes straight to the
 * partition's CPU and the EOI is its own x2APIC's.
 *
 * The timer is one-shot and edge-triggered: a comparator match is one event, and the I/O
 * APIC latches the edge, so the handler owes the HPET nothing. Level-triggered, the timer
 * would hold its line until the handler cleared its bit in the General Interrupt Status
 * register, an MMIO write in every handler before the EOI. Legacy replacement stays off, so
 * the timer goes where Tn_INT_ROUTE_CNF says (one of the inputs its Tn_INT_ROUTE_CAP allows).
 *
 * Command line: timer=<n> (default 0), gsi=<n> (default 20), n=<samples> (default 1000, at
 * most MAX_SAMPLES), ahead_ns=<ns> (default 20000: how far ahead of the counter the comparator
 * is armed; a pseudo-random quarter of it is added, the same sequence every run), settle_ms=<ms>
 * (default 0: time spent spinning after the "measuring" and "measured" lines, for the line to
 * reach COM1 -- under Bulkhead the boot CPU writes it meanwhile, and in Bochs a busy CPU delays
 * the others -- and for a test to read the exit counters before and after).
 * Lines (docs/payloads.md, docs/performance.md):
 *	hpetlat: start, apic id <n>, tsc <khz> kHz, <bulkhead|bare>
 *	hpetlat: hpet vendor 0x<id> rev <n>, <n> timers, <32|64>-bit counter, period <fs> fs
 *	hpetlat: timer <n> route cap 0x<bits>, <32|64>-bit comparator
 *	hpetlat: ready, timer <n> -> gsi <n> (edge) -> vector 0x51 on apic id <n>
 *	hpetlat: measuring n=<n>
 *	hpetlat: measured
 *	hpetlat: result n=<n> min=<t> p50=<t> p99=<t> max=<t> late=<n> lost=<n> period_fs=<fs>
 *	hpetlat: done
 * (latencies in HPET ticks; late: arms the counter had already passed just after the
 * comparator was written, left out and retried; lost: arms whose interrupt did not come
 * within 100 times `ahead`, ended by a TSC-deadline watchdog, also retried). When it
 * cannot: "hpetlat: no hpet at 0xfed00000", "hpetlat: timer <n> cannot route to gsi <n>
 * (cap 0x<bits>)", "hpetlat: cannot route gsi <n> (<rc>)", and exit code 1.
 */
#include <bulkhead/sdk.h>

#include "core/lib/cpu.h"

#define VEC_HPET     0x51
#define VEC_WATCHDOG 0x52
#define MAX_SAMPLES  4096

/* The HPET's registers (HPET 1.0a §2.3): offsets from its base, each 64 bits wide. */
#define HPET_BASE     0xfed00000u
#define HPET_CAP      0x000 /* General Capabilities and ID */
#define HPET_CONFIG   0x010 /* General Configuration */
#define HPET_COUNTER  0x0f0 /* Main Counter Value */
#define HPET_TN_CFG   0x100 /* Timer N Configuration and Capability, + 0x20 * N */
#define HPET_TN_CMP   0x108 /* Timer N Comparator Value, + 0x20 * N */
#define HPET_TN_SPACE 0x20

/* General Capabilities and ID (§2.3.4). */
#define CAP_REV(c)	 ((unsigned)((c)&0xff))
#define CAP_TIMERS(c)	 ((unsigned)(((c) >> 8) & 0x1f) + 1) /* NUM_TIM_CAP: last timer */
#define CAP_COUNT_64	 (1ull << 13)			     /* COUNT_SIZE_CAP */
#define CAP_VENDOR(c)	 ((unsigned)(((c) >> 16) & 0xffff))
#define CAP_PERIOD_FS(c) ((uint32_t)((c) >> 32))
#define HPET_MAX_PERIOD	 100000000u /* fs: the specification's upper bound (100 ns) */
/* General Configuration (§2.3.5). */
#define CONFIG_ENABLE (1ull << 0) /* ENABLE_CNF: the main counter runs */
#define CONFIG_LEGACY (1ull << 1) /* LEG_RT_CNF: timers 0 and 1 to IRQ 0 and 8 */
/* Timer N Configuration and Capability (§2.3.8). */
#define TN_LEVEL	(1ull << 1) /* Tn_INT_TYPE_CNF: 1 level, 0 edge */
#define TN_INT_ENABLE	(1ull << 2) /* Tn_INT_ENB_CNF */
#define TN_PERIODIC	(1ull << 3) /* Tn_TYPE_CNF */
#define TN_SIZE_64	(1ull << 5) /* Tn_SIZE_CAP: a 64-bit comparator */
#define TN_32MODE	(1ull << 8) /* Tn_32MODE_CNF */
#define TN_ROUTE_SHIFT	9	    /* Tn_INT_ROUTE_CNF, bits 13:9 */
#define TN_ROUTE_MASK	(0x1full << TN_ROUTE_SHIFT)
#define TN_FSB_ENABLE	(1ull << 14)		/* Tn_FSB_EN_CNF */
#define TN_ROUTE_CAP(c) ((uint32_t)((c) >> 32)) /* Tn_INT_ROUTE_CAP: bit i = input i */
#define TN_SETTABLE_BITS                                                                           \
	(TN_LEVEL | TN_INT_ENABLE | TN_PERIODIC | TN_32MODE | TN_ROUTE_MASK | TN_FSB_ENABLE)

/* Paging-structure bits (SDM Vol. 3A §4.5), as in the SDK's I/O APIC helper: PWT and PCD
 * with PAT clear select PAT entry 3, UC after reset. */
#define PTE_PRESENT 0x1ull
#define PTE_PWT	    0x8ull
#define PTE_PCD	    0x10ull
#define PTE_PS	    0x80ull
#define PTE_ADDR    0x000ffffffffff000ull

static unsigned timer;
static uint64_t counter_mask; /* what the comparator compares: all 64 bits, or the low 32 */
static volatile uint64_t fired_at;
static volatile uint64_t fired; /* HPET interrupts taken */
static volatile uint64_t woken; /* watchdog interrupts taken */
static uint32_t samples[MAX_SAMPLES];

/* The SDK maps the low 4 GiB write-back with 2 MiB pages: make the one that holds the HPET
 * uncached (set PCD and PWT in its page-directory entry, drop the old translation). It is the
 * I/O APIC's page too (0xfec00000-0xfedfffff), which the SDK's I/O APIC helper marks the same
 * way; doing it here does not depend on which of the two comes first. */
static void map_uncached(uint64_t va)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[(va >> 39) & 511] & PTE_ADDR);
	uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[(va >> 30) & 511] & PTE_ADDR);
	uint64_t *pde = &pd[(va >> 21) & 511];

	if ((*pde & (PTE_PRESENT | PTE_PS)) == (PTE_PRESENT | PTE_PS))
		*pde |= PTE_PCD | PTE_PWT;
	__asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}

/* One 64-bit register access, one MOV (the specification allows 32- and 64-bit accesses;
 * a 64-bit read of the main counter is one coherent value). */
static uint64_t hpet_read(uint32_t offset)
{
	return *(volatile uint64_t *)(uintptr_t)(HPET_BASE + offset);
}

static void hpet_write(uint32_t offset, uint64_t v)
{
	*(volatile uint64_t *)(uintptr_t)(HPET_BASE + offset) = v;
}

/* The handler's first act is to read the main counter. */
static void hpet_irq(unsigned vector)
{
	(void)vector;
	fired_at = hpet_read(HPET_COUNTER);
	fired++;
}

static void watchdog(unsigned vector)
{
	(void)vector;
	woken++;
}

static uint32_t rng = 0x2545f491u;
static uint32_t next_random(void) /* xorshift32: the same sequence on every run */
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void spin_ms(uint64_t ms)
{
	uint64_t end = sdk_tsc() + ms * sdk_tsc_khz();

	while (sdk_tsc() < end)
		cpu_relax();
}

/* Insertion sort: n is at most MAX_SAMPLES and it runs once. */
static void sort(uint32_t *a, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		uint32_t v = a[i], j = i;

		for (; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

/* Nearest rank: the ceil(p/100 * n)-th smallest of sorted a. */
static uint32_t percentile(const uint32_t *a, uint32_t n, uint32_t p)
{
	uint64_t rank = ((uint64_t)n * p + 99) / 100;

	return n ? a[rank ? rank - 1 : 0] : 0;
}

/* Set up the HPET: counter stopped while the timer is configured, legacy replacement off,
 * the timer one-shot, edge, routed to gsi, its interrupt enabled, comparator far away. */
static int hpet_setup(unsigned gsi, uint64_t *cap_out)
{
	uint64_t cap = hpet_read(HPET_CAP), tcfg;
	uint32_t period = CAP_PERIOD_FS(cap);

	*cap_out = cap;
	if (cap == 0 || cap == ~0ull || period == 0 || period > HPET_MAX_PERIOD) {
		sdk_printf("hpetlat: no hpet at 0x%x", HPET_BASE);
		return -1;
	}
	sdk_printf("hpetlat: hpet vendor 0x%04x rev %u, %u timers, %s counter, period %u fs",
		   CAP_VENDOR(cap), CAP_REV(cap), CAP_TIMERS(cap),
		   (cap & CAP_COUNT_64) ? "64-bit" : "32-bit", period);
	if (timer >= CAP_TIMERS(cap)) {
		sdk_printf("hpetlat: no timer %u", timer);
		return -1;
	}
	tcfg = hpet_read(HPET_TN_CFG + timer * HPET_TN_SPACE);
	sdk_printf("hpetlat: timer %u route cap 0x%08x, %s comparator", timer, TN_ROUTE_CAP(tcfg),
		   (tcfg & TN_SIZE_64) ? "64-bit" : "32-bit");
	if (gsi > 31 || !(TN_ROUTE_CAP(tcfg) & (1u << gsi))) {
		sdk_printf("hpetlat: timer %u cannot route to gsi %u (cap 0x%08x)", timer, gsi,
			   TN_ROUTE_CAP(tcfg));
		return -1;
	}
	counter_mask = (tcfg & TN_SIZE_64) && (cap & CAP_COUNT_64) ? ~0ull : 0xffffffffull;

	hpet_write(HPET_CONFIG, hpet_read(HPET_CONFIG) & ~(CONFIG_ENABLE | CONFIG_LEGACY));
	tcfg &= ~TN_SETTABLE_BITS;
	tcfg |= (uint64_t)gsi << TN_ROUTE_SHIFT;
	if (counter_mask != ~0ull)
		tcfg |= TN_32MODE;
	hpet_write(HPET_TN_CFG + timer * HPET_TN_SPACE, tcfg);
	/* The comparator half a wrap behind the counter: no match until it is armed. */
	hpet_write(HPET_TN_CMP + timer * HPET_TN_SPACE,
		   (hpet_read(HPET_COUNTER) - (counter_mask >> 1)) & counter_mask);
	hpet_write(HPET_TN_CFG + timer * HPET_TN_SPACE, tcfg | TN_INT_ENABLE);
	hpet_write(HPET_CONFIG, (hpet_read(HPET_CONFIG) & ~CONFIG_LEGACY) | CONFIG_ENABLE);
	return 0;
}

int main(const struct sdk_env *env)
{
	unsigned gsi = (unsigned)sdk_cmdline_u64("gsi", 20);
	uint64_t n = sdk_cmdline_u64("n", 1000);
	uint64_t ahead_ns = sdk_cmdline_u64("ahead_ns", 20000);
	uint64_t settle_ms = sdk_cmdline_u64("settle_ms", 0);
	uint64_t cap, ahead, late = 0, lost = 0, tsc_per_tick;
	uint32_t period, stored = 0;
	int rc;

	timer = (unsigned)sdk_cmdline_u64("timer", 0);
	if (n == 0 || n > MAX_SAMPLES)
		n = 1000;
	sdk_printf("hpetlat: start, apic id %u, tsc %llu kHz, %s", sdk_apic_id(),
		   (unsigned long long)env->tsc_khz, env->bulkhead ? "bulkhead" : "bare");
	map_uncached(HPET_BASE);
	if (hpet_setup(gsi, &cap))
		return 1;
	period = CAP_PERIOD_FS(cap);
	ahead = ahead_ns * 1000000 / period;
	if (ahead < 4)
		ahead = 4;
	/* TSC ticks per HPET tick, rounded up (at least 1), for the watchdog. */
	tsc_per_tick = (sdk_tsc_khz() * period + 999999999999ull) / 1000000000000ull;
	if (!tsc_per_tick)
		tsc_per_tick = 1;

	sdk_irq_register(VEC_HPET, hpet_irq);
	sdk_irq_register(VEC_WATCHDOG, watchdog);
	rc = sdk_ioapic_route(gsi, VEC_HPET, 0, SDK_GSI_EDGE | SDK_GSI_ACTIVE_HIGH);
	if (rc) {
		sdk_printf("hpetlat: cannot route gsi %u (%d)", gsi, rc);
		return 1;
	}
	sdk_printf("hpetlat: ready, timer %u -> gsi %u (edge) -> vector 0x%x on apic id %u", timer,
		   gsi, VEC_HPET, sdk_apic_id());
	sdk_printf("hpetlat: measuring n=%llu", (unsigned long long)n);
	spin_ms(settle_ms);

	sdk_irq_disable();
	while (stored < n) {
		uint64_t before = fired, cmp, passed, lat;
		bool got;

		cmp = (hpet_read(HPET_COUNTER) + ahead + next_random() % (ahead / 4 + 1)) &
		      counter_mask;
		hpet_write(HPET_TN_CMP + timer * HPET_TN_SPACE, cmp);
		/* How far the counter is past the comparator just after the write: beyond it
		 * (not on it), the write may have come too late for a match. */
		passed = (hpet_read(HPET_COUNTER) - cmp) & counter_mask;
		sdk_timer_deadline(VEC_WATCHDOG, sdk_tsc() + 100 * ahead * tsc_per_tick);
		while (fired == before && !woken)
			sdk_wait();
		sdk_timer_stop();
		got = fired != before;
		woken = 0;
		if (passed && passed < (counter_mask >> 1)) {
			late++;
			continue;
		}
		if (!got) {
			lost++;
			continue;
		}
		lat = (fired_at - cmp) & counter_mask;
		if (lat > (counter_mask >> 1)) /* before the comparator: cannot be, count 0 */
			lat = 0;
		samples[stored++] = lat > 0xffffffffu ? 0xffffffffu : (uint32_t)lat;
	}
	sdk_printf("hpetlat: measured");
	spin_ms(settle_ms);

	sort(samples, stored);
	sdk_printf("hpetlat: result n=%u min=%u p50=%u p99=%u max=%u late=%llu lost=%llu "
		   "period_fs=%u",
		   stored, samples[0], percentile(samples, stored, 50),
		   percentile(samples, stored, 99), samples[stored - 1], (unsigned long long)late,
		   (unsigned long long)lost, period);
	sdk_printf("hpetlat: done");
	return 0;
}
