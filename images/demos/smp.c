/*
 * smp: IPI round trips between the partition's first two CPUs. CPU 0 starts CPU 1
 * (env->apic_ids[1]) with sdk_start_cpu(); then rounds=<n> times (default 1000) CPU 0 reads
 * the TSC, sends a fixed IPI (vector 0x42) to CPU 1, whose handler sends one back, and
 * takes the TSC again in its own handler. It prints
 *	smp: <n> round trips, min=<ticks> avg=<ticks> max=<ticks>
 *	smp: done
 * and exits with 0. With one CPU (bare, unless cmdline cpus=2) it prints
 * "smp: needs 2 cpus, have 1" and exits with 0.
 */
#include <bulkhead/sdk.h>

#define VEC_PING 0x42

static uint32_t cpu0_apic, cpu1_apic;
static volatile uint64_t pongs;
static volatile uint64_t pong_tsc;
static volatile bool cpu1_ready;

static void ping(unsigned vector)
{
	if (sdk_cpu_index() == 0) { /* the answer */
		pong_tsc = sdk_tsc();
		pongs++;
	} else {
		sdk_ipi(cpu0_apic, vector);
	}
}

static void second_cpu(unsigned index)
{
	sdk_printf("smp: cpu %u up, apic id %u", index, sdk_apic_id());
	cpu1_ready = true; /* its line is out: the timed rounds will not include it */
	sdk_idle();	   /* answer pings forever; CPU 0 ends the payload */
}

int main(const struct sdk_env *env)
{
	uint64_t rounds = sdk_cmdline_u64("rounds", 1000);
	uint64_t min = ~0ull, max = 0, sum = 0;
	int rc;

	sdk_printf("smp: start, apic id %u, tsc %llu kHz, %s", sdk_apic_id(),
		   (unsigned long long)env->tsc_khz, env->bulkhead ? "bulkhead" : "bare");
	if (env->cpu_count < 2) {
		sdk_printf("smp: needs 2 cpus, have %u", env->cpu_count);
		return 0;
	}
	if (rounds == 0)
		rounds = 1000;
	cpu0_apic = env->apic_ids[0];
	cpu1_apic = env->apic_ids[1];
	sdk_irq_register(VEC_PING, ping);
	rc = sdk_start_cpu(1, second_cpu);
	if (rc) {
		sdk_printf("smp: cpu 1 (apic id %u) did not start (%d)", cpu1_apic, rc);
		return 1;
	}

	while (!cpu1_ready)
		__asm__ volatile("pause");
	sdk_irq_disable();
	for (uint64_t r = 0; r < rounds; r++) {
		uint64_t t0 = sdk_tsc(), rt;

		sdk_ipi(cpu1_apic, VEC_PING);
		while (pongs == r)
			sdk_wait();
		rt = pong_tsc - t0;
		sum += rt;
		if (rt < min)
			min = rt;
		if (rt > max)
			max = rt;
	}
	sdk_printf("smp: %llu round trips, min=%llu avg=%llu max=%llu", (unsigned long long)rounds,
		   (unsigned long long)min, (unsigned long long)(sum / rounds),
		   (unsigned long long)max);
	sdk_printf("smp: done");
	return 0;
}
