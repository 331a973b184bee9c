/*
 * smp: IPI round trips between the partition's first two CPUs. CPU 0 starts CPU 1
 * (env->apic_ids[1]) with sdk_start_cpu(); then rounds=<n> times (default 1000) CPU 0 reads
 * the TSC, sends a fixed IPI (vector 0x42) to CPU 1, whose handler sends one back, and
 * takes the TSC again in its own handler. Then both CPUs count to lock_rounds=<n> (default
 * 10000) each at once: a counter under the SDK's spinlock (every fourth round taken by
 * sdk_spin_trylock), and one by sdk_atomic_add (bulkhead/sdk_sync.h). It prints
 *	smp: <n> round trips, min=<ticks> avg=<ticks> max=<ticks>
 *	smp: lock: 2 cpus x <n> rounds: <2n> under the lock, <2n> atomic, ok
 *	smp: done
 * and exits with 0 (a count short of 2n: "BAD" instead of "ok", exit code 1). With one CPU
 * (bare, unless cmdline cpus=2) it prints "smp: needs 2 cpus, have 1" and exits with 0.
 */
#include <bulkhead/sdk.h>

#define VEC_PING 0x42
#define VEC_GO	 0x43 /* wakes CPU 1 for the lock rounds */

static uint32_t cpu0_apic, cpu1_apic;
static volatile uint64_t pongs;
static volatile uint64_t pong_tsc;
static volatile bool cpu1_ready;

static struct sdk_spinlock lock;
static uint64_t locked_count; /* plain: only ever changed under the lock */
static uint64_t atomic_count;
static uint64_t lock_rounds;
static uint32_t go, cpu1_done;

static void count(void)
{
	for (uint64_t i = 0; i < lock_rounds; i++) {
		if (i % 4 == 3)
			while (!sdk_spin_trylock(&lock))
				sdk_cpu_relax();
		else
			sdk_spin_lock(&lock);
		locked_count++;
		sdk_spin_unlock(&lock);
		sdk_atomic_add(&atomic_count, 1);
	}
}

static void wake(unsigned vector)
{
	(void)vector;
}

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
	sdk_irq_disable();
	while (!sdk_atomic_load(&go)) /* answer pings meanwhile */
		sdk_wait();
	count();
	sdk_atomic_store(&cpu1_done, 1);
	sdk_idle(); /* CPU 0 ends the payload */
}

int main(const struct sdk_env *env)
{
	uint64_t rounds = sdk_cmdline_u64("rounds", 1000);
	uint64_t min = ~0ull, max = 0, sum = 0;
	bool bad;
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
	lock_rounds = sdk_cmdline_u64("lock_rounds", 10000);
	sdk_irq_register(VEC_PING, ping);
	sdk_irq_register(VEC_GO, wake);
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

	sdk_atomic_store(&go, 1);
	sdk_ipi(cpu1_apic, VEC_GO);
	count();
	while (!sdk_atomic_load(&cpu1_done))
		sdk_cpu_relax();
	sdk_spin_lock(&lock); /* acquire: CPU 1's last increment is visible */
	bad = locked_count != 2 * lock_rounds || sdk_atomic_load(&atomic_count) != 2 * lock_rounds;
	sdk_printf("smp: lock: 2 cpus x %llu rounds: %llu under the lock, %llu atomic, %s",
		   (unsigned long long)lock_rounds, (unsigned long long)locked_count,
		   (unsigned long long)sdk_atomic_load(&atomic_count), bad ? "BAD" : "ok");
	sdk_spin_unlock(&lock);
	sdk_printf("smp: done");
	return bad ? 1 : 0;
}
