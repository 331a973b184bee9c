/* TSC frequency, measured against PIT channel 2 (core/lib/pit.h: port B gates it and shows its
 * output). The PIT is there on every PC-compatible machine and in every emulator; an
 * emulator's PIT follows its virtual time, so delays stay right there.
 *
 * Two steps, so that partitions need not wait for a long measurement (issue 19: payloads run
 * within 5 ms of the boot loader's hand-off):
 *   tsc_calibrate  a 2 ms count: good to ~0.05 %, for delays and for the payloads started
 *                  next; then it starts a 55 ms count, which runs on meanwhile,
 *   tsc_refine     which ends it: good to ~20 ppm, before Linux is loaded (Linux reads the rate
 *                  from its CPUID leaf 0x15 and keeps it). Partitions granted the PIT's ports
 *                  start after it; a count that does not end within twice its length, or
 *                  gives a rate 0.5 % off the first, is not taken.
 * Each count runs in mode 0 from the write of its count to the rise of the channel's output
 * at terminal count (82C54 data sheet), seen within a port read's time. Where CPUID leaf 0x15
 * states a rate that agrees with the first figure within 1 %, that rate is exact and used as
 * is (an emulator may state a wrong one: Bochs's Ice Lake says 1.5 GHz while its TSC counts at
 * its ips). */
#include "arch/x86/tsc.h"
#include "arch/x86/tsc_pit.h"
#include "core/lib/cpu.h"
#include "core/log.h"

#define QUICK_CLOCKS  (PIT_HZ / 500) /* 2 ms */
#define REFINE_CLOCKS 0xffffu	     /* 54.9 ms, the longest count */
#define WAIT_BOUND    (1ULL << 34)   /* TSC ticks: seconds even at 4 GHz; a missing PIT ends it */
#define FALLBACK_KHZ  1000000	     /* 1 GHz: only if no PIT ticks at all */

static u64 khz = FALLBACK_KHZ;
static u64 refine_tsc; /* when the long count was written; 0: nothing to refine */

static void ch2_count(u16 clocks)
{
	outb(PIT_CMD, PIT_CH2_MODE0); /* the output goes low */
	outb(PIT_CH2, clocks & 0xff);
	outb(PIT_CH2, clocks >> 8);
}

/* Wait for channel 2's output to rise, at most `bound` TSC ticks from `from`: the TSC then,
 * or 0 if it did not. */
static u64 ch2_wait(u64 from, u64 bound)
{
	u64 t;

	do
		t = rdtsc();
	while (!(inb(PORT_B) & PORT_B_CH2_OUT) && t - from < bound);
	return (inb(PORT_B) & PORT_B_CH2_OUT) ? t : 0;
}

static u64 leaf15_khz(void)
{
	struct cpuid_regs r = cpuid(0, 0);

	if (r.eax < 0x15)
		return 0;
	r = cpuid(0x15, 0);
	return tsc_leaf15_khz(r.eax, r.ebx, r.ecx);
}

u64 tsc_calibrate(void)
{
	u8 gate = inb(PORT_B);
	u64 t0, t1, stated;

	outb(PORT_B, (gate & ~PORT_B_SPEAKER) | PORT_B_CH2_GATE);
	t0 = rdtsc();
	ch2_count(QUICK_CLOCKS);
	t1 = ch2_wait(t0, WAIT_BOUND);
	if (!t1) {
		outb(PORT_B, gate);
		log_warn("tsc: PIT channel 2 did not count; assuming %u kHz\n", FALLBACK_KHZ);
		return khz;
	}
	khz = tsc_khz_over_clocks(t1 - t0, QUICK_CLOCKS);
	stated = leaf15_khz();
	if (tsc_rates_agree(khz, stated, 100)) {
		khz = stated;
		outb(PORT_B, gate);
		return khz;
	}
	if (khz == 0)
		khz = 1;
	refine_tsc = rdtsc();
	ch2_count(REFINE_CLOCKS);
	return khz;
}

u64 tsc_refine(void)
{
	u64 t, measured;

	if (!refine_tsc)
		return khz;
	/* Ended already (the boot took longer than the count): when is not known, so count again.
	 * Mode 0 holds the output high from the terminal count on (82C54 data sheet). */
	if (inb(PORT_B) & PORT_B_CH2_OUT) {
		refine_tsc = rdtsc();
		ch2_count(REFINE_CLOCKS);
	}
	t = ch2_wait(refine_tsc, tsc_count_bound(khz, REFINE_CLOCKS));
	outb(PORT_B, inb(PORT_B) & ~PORT_B_CH2_GATE);
	measured = t ? tsc_khz_over_clocks(t - refine_tsc, REFINE_CLOCKS) : 0;
	refine_tsc = 0;
	/* The first figure is good to ~0.1 %: a count that ended much earlier or later than it
	 * says was disturbed (no partition that may reach the PIT runs before this: core/
	 * partition_load.c), and the first figure stays. */
	if (tsc_rates_agree(khz, measured, 200))
		khz = measured;
	else
		log_warn("tsc: refined rate %llu kHz is far from the first, %llu kHz; kept that\n",
			 (unsigned long long)measured, (unsigned long long)khz);
	return khz;
}

u64 tsc_khz(void)
{
	return khz;
}

bool tsc_elapsed_us(u64 start, u64 us)
{
	return rdtsc() - start >= us * khz / 1000;
}

void tsc_delay_us(u64 us)
{
	u64 start = rdtsc();

	while (!tsc_elapsed_us(start, us))
		cpu_relax();
}
