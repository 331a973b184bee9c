/*
 * heartbeat: one line "heartbeat <n> (+<ticks> ticks)" every period_ms milliseconds, <ticks>
 * being the TSC time since the previous beat's interrupt (command line
 * period_ms=<n>, default 100), from the local APIC timer -- TSC-deadline mode if the CPU has
 * it, else periodic mode -- with the CPU halted between beats. After count=<n> beats
 * (default 0: forever) it prints "heartbeat done" and exits with 0.
 */
#include <bulkhead/sdk.h>

#define VEC_TIMER 0x40

static uint64_t period; /* TSC ticks */
static uint64_t next_deadline;
static bool deadline_mode;
static volatile uint64_t beats;
/* TSC at each beat's interrupt, by beat number modulo 64: the printed interval. */
static volatile uint64_t beat_tsc[64];

static void tick(unsigned vector)
{
	beat_tsc[(beats + 1) % 64] = sdk_tsc();
	if (deadline_mode) {
		/* The next beat is a period after the last deadline, not after now: no drift.
		 * Beats that are already past are skipped, not queued. */
		uint64_t now = sdk_tsc();

		next_deadline += period;
		while (next_deadline <= now)
			next_deadline += period;
		sdk_timer_deadline(vector, next_deadline);
	}
	beats++;
}

int main(const struct sdk_env *env)
{
	uint64_t period_ms = sdk_cmdline_u64("period_ms", 100);
	uint64_t count = sdk_cmdline_u64("count", 0), shown = 0;

	sdk_printf("heartbeat: start, apic id %u, tsc %llu kHz, %s", sdk_apic_id(),
		   (unsigned long long)env->tsc_khz, env->bulkhead ? "bulkhead" : "bare");
	if (period_ms == 0)
		period_ms = 1;
	period = period_ms * env->tsc_khz;
	deadline_mode = sdk_has_tsc_deadline();
	beat_tsc[0] = sdk_tsc();
	sdk_irq_register(VEC_TIMER, tick);
	if (deadline_mode) {
		next_deadline = sdk_tsc() + period;
		sdk_timer_deadline(VEC_TIMER, next_deadline);
	} else {
		sdk_timer_periodic(VEC_TIMER, period);
	}

	sdk_irq_disable();
	while (count == 0 || shown < count) {
		while (beats == shown)
			sdk_wait();
		/* Print every beat we have not shown yet; interrupts stay on meanwhile. */
		sdk_irq_enable();
		while (shown < beats && (count == 0 || shown < count)) {
			++shown;
			sdk_printf("heartbeat %llu (+%llu ticks)", (unsigned long long)shown,
				   (unsigned long long)(beat_tsc[shown % 64] -
							beat_tsc[(shown - 1) % 64]));
		}
		sdk_irq_disable();
	}
	sdk_timer_stop();
	sdk_printf("heartbeat done");
	return 0;
}
