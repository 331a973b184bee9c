/*
 * heartbeat: one line "heartbeat <n> (+<ticks> ticks)" every period_ms milliseconds, <ticks>
 * being the TSC time since the previous beat's interrupt (command line
 * period_ms=<n>, default 100), from the local APIC timer -- TSC-deadline mode if the CPU has
 * it, else periodic mode -- with the CPU halted between beats. After count=<n> beats
 * (default 0: forever) it prints "heartbeat done" and exits with 0.
 *
 * tty=1 writes each beat to its own COM1 (0x3f8: under Bulkhead its emulated UART) as a shell
 * writes its prompt: "heartbeat <n> ESC[6n> ", a cursor-position query and a prompt, the line
 * left open until the next beat ends it with "\r\n"; after count=<n> beats the last stays
 * open for good, a prompt waiting for input (the console's tests: the partition with the
 * keyboard shows its line before its end and its query whole, the others neither).
 */
#include <bulkhead/sdk.h>

#include "core/lib/cpu.h"
#include "core/lib/uart16550.h"

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

static void tty_write(const char *s)
{
	for (; *s; s++) {
		for (int spins = 0; spins < 100000; spins++)
			if (inb(COM1_PORT + UART_LSR) & UART_LSR_THRE)
				break;
		outb(COM1_PORT + UART_THR, (uint8_t)*s);
	}
}

int main(const struct sdk_env *env)
{
	uint64_t period_ms = sdk_cmdline_u64("period_ms", 100);
	uint64_t count = sdk_cmdline_u64("count", 0), shown = 0;
	bool tty = sdk_cmdline_u64("tty", 0) != 0;
	char line[64];

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
			if (tty) {
				sdk_snprintf(line, sizeof(line), "%sheartbeat %llu \x1b[6n> ",
					     shown > 1 ? "\r\n" : "", (unsigned long long)shown);
				tty_write(line);
				continue;
			}
			sdk_printf("heartbeat %llu (+%llu ticks)", (unsigned long long)shown,
				   (unsigned long long)(beat_tsc[shown % 64] -
							beat_tsc[(shown - 1) % 64]));
		}
		sdk_irq_disable();
	}
	sdk_timer_stop();
	while (tty)
		sdk_wait();
	sdk_printf("heartbeat done");
	return 0;
}
