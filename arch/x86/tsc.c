/* TSC frequency, measured against PIT channel 2 (Intel 8254 datasheet; port 0x61 gates it
 * and shows its output in bit 5). The PIT is there on every PC-compatible machine and in
 * every emulator; an emulator's PIT follows its virtual time, so delays stay right there. */
#include "arch/x86/tsc.h"
#include "core/lib/cpu.h"
#include "core/log.h"

#define PIT_HZ	      1193182u
#define PIT_CH2	      0x42
#define PIT_CMD	      0x43
#define PIT_GATE_PORT 0x61
#define CAL_MS	      10
#define FALLBACK_KHZ  1000000 /* 1 GHz: only if no PIT ticks at all */

static u64 khz = FALLBACK_KHZ;

u64 tsc_calibrate(void)
{
	u16 count = PIT_HZ / 1000 * CAL_MS;
	u8 gate = inb(PIT_GATE_PORT);
	u64 t0, t1;

	outb(PIT_GATE_PORT, (gate & ~0x02) | 0x01); /* gate on, speaker off */
	outb(PIT_CMD, 0xb0);			    /* ch 2, lo/hi byte, mode 0, binary */
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	t0 = rdtsc();
	/* Bounded: 2^34 ticks is many seconds even at 4 GHz; a missing PIT ends it. */
	do {
		t1 = rdtsc();
	} while (!(inb(PIT_GATE_PORT) & 0x20) && t1 - t0 < (1ULL << 34));
	outb(PIT_GATE_PORT, gate);
	if (!(inb(PIT_GATE_PORT) & 0x20) && t1 - t0 >= (1ULL << 34)) {
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
