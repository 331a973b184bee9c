/* TSC frequency, measured against PIT channel 2 (core/lib/pit.h: port B gates it and shows its
 * output). The PIT is there on every PC-compatible machine and in every emulator; an
 * emulator's PIT follows its virtual time, so delays stay right there. */
#include "arch/x86/tsc.h"
#include "core/lib/cpu.h"
#include "core/lib/pit.h"
#include "core/log.h"

#define CAL_MS	     10
#define FALLBACK_KHZ 1000000 /* 1 GHz: only if no PIT ticks at all */

static u64 khz = FALLBACK_KHZ;

u64 tsc_calibrate(void)
{
	u16 count = PIT_HZ / 1000 * CAL_MS;
	u8 gate = inb(PORT_B);
	u64 t0, t1;

	outb(PORT_B, (gate & ~PORT_B_SPEAKER) | PORT_B_CH2_GATE);
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	t0 = rdtsc();
	/* Bounded: 2^34 ticks is many seconds even at 4 GHz; a missing PIT ends it. */
	do {
		t1 = rdtsc();
	} while (!(inb(PORT_B) & PORT_B_CH2_OUT) && t1 - t0 < (1ULL << 34));
	outb(PORT_B, gate);
	if (!(inb(PORT_B) & PORT_B_CH2_OUT) && t1 - t0 >= (1ULL << 34)) {
		log_warn("tsc: PIT channel 2 did not count; assuming %u kHz\n", FALLBACK_KHZ);
		return khz;
	}
	khz = (t1 - t0) / CAL_MS;
	if (khz == 0)
		khz = 1;
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
