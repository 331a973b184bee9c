/*
 * Bulkhead payload SDK: the local APIC (Intel SDM Vol. 3A ch. 11 "Advanced Programmable
 * Interrupt Controller", 11.12 x2APIC), its timer (11.5.4, 11.5.4.1 TSC-deadline mode),
 * IPIs (11.6) and starting the partition's other CPUs (9.4.4 INIT-SIPI).
 *
 * Under Bulkhead the APIC is in x2APIC mode already and its MSRs pass through (the ICR is
 * checked by the hypervisor). Bare, the SDK switches it to x2APIC mode if CPUID says the CPU
 * has it, and falls back to the xAPIC's MMIO page otherwise (old CPUs, QEMU TCG).
 */
#include "sdk_internal.h"
#include "core/lib/apic_regs.h"
#include "core/lib/msr.h"
#include "core/lib/x86.h"

static enum { APIC_UNSET, APIC_X2, APIC_X } mode;
static volatile uint32_t *xapic; /* xAPIC register page, identity-mapped */
static bool tsc_deadline;
static uint64_t timer_khz; /* APIC timer ticks per ms at divide 1 */

uint32_t sdk_apic_read(uint32_t reg)
{
	if (mode == APIC_X2)
		return (uint32_t)rdmsr(X2APIC_MSR(reg));
	if (mode == APIC_X)
		return xapic[reg / 4];
	return 0;
}

void sdk_apic_write(uint32_t reg, uint32_t val)
{
	if (mode == APIC_X2)
		wrmsr(X2APIC_MSR(reg), val);
	else if (mode == APIC_X)
		xapic[reg / 4] = val;
}

uint32_t sdk_apic_id(void)
{
	if (mode == APIC_X2)
		return (uint32_t)rdmsr(X2APIC_MSR(APIC_ID));
	if (mode == APIC_X)
		return xapic[APIC_ID / 4] >> 24;
	return cpuid(1, 0).ebx >> 24; /* before sdk_apic_init: the initial APIC ID */
}

unsigned sdk_cpu_index(void)
{
	const struct sdk_env *e = &sdk_the_env;
	uint32_t id = sdk_apic_id();

	for (unsigned i = 0; i < e->cpu_count; i++)
		if (e->apic_ids[i] == id)
			return i;
	return 0;
}

void sdk_apic_eoi(void)
{
	sdk_apic_write(APIC_EOI, 0);
}

bool sdk_has_tsc_deadline(void)
{
	return tsc_deadline;
}

void sdk_apic_init(void)
{
	struct cpuid_regs c = cpuid(1, 0);

	tsc_deadline = c.ecx & CPUID1_ECX_TSC_DEADLINE;
	if (sdk_the_env.bulkhead) {
		/* Already in x2APIC mode; IA32_APIC_BASE may be read but not written. */
		mode = APIC_X2;
	} else if (c.ecx & CPUID1_ECX_X2APIC) {
		uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

		/* xAPIC -> x2APIC needs EN set first (SDM 11.12.5: disabled -> x2APIC is
		 * not a valid transition). */
		if (!(base & APIC_BASE_EN))
			wrmsr(MSR_IA32_APIC_BASE, base |= APIC_BASE_EN);
		if (!(base & APIC_BASE_EXTD))
			wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
		mode = APIC_X2;
	} else {
		uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

		if (!(base & APIC_BASE_EN))
			wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN);
		xapic = (volatile uint32_t *)(uintptr_t)(base & APIC_BASE_ADDR_LOW);
		mode = APIC_X;
	}
	if (!sdk_the_env.bulkhead) {
		/* Bare: accept every priority, and no 8259 interrupts through LINT0 (the
		 * PICs are masked too). Bulkhead set these up already. */
		sdk_apic_write(APIC_TPR, 0);
		sdk_apic_write(APIC_LVT_LINT0, LVT_MASKED);
	}
	if (sdk_apic_read(APIC_SVR) != (APIC_SVR_ENABLE | SDK_VECTOR_SPURIOUS))
		sdk_apic_write(APIC_SVR, APIC_SVR_ENABLE | SDK_VECTOR_SPURIOUS);
}

/* ---- timer ------------------------------------------------------------------------- */

/* Divide configuration values for divide by 1, 2, 4, ..., 128 (SDM Figure 11-10). */
static const uint8_t divide_code[8] = {0xb, 0x0, 0x1, 0x2, 0x3, 0x8, 0x9, 0xa};

uint64_t sdk_apic_timer_khz(void)
{
	if (!timer_khz) {
		uint64_t flags = irq_save(), wait = sdk_tsc_khz() * 10, t0, t1;
		uint32_t left;

		sdk_apic_write(APIC_LVT_TIMER, LVT_MASKED | LVT_ONESHOT);
		sdk_apic_write(APIC_TIMER_DIV, divide_code[0]);
		sdk_apic_write(APIC_TIMER_INIT, 0xffffffffu);
		t0 = sdk_tsc();
		while ((t1 = sdk_tsc()) - t0 < wait)
			cpu_relax();
		left = sdk_apic_read(APIC_TIMER_CUR);
		sdk_apic_write(APIC_TIMER_INIT, 0);
		timer_khz = (uint64_t)(0xffffffffu - left) * sdk_tsc_khz() / (t1 - t0);
		if (!timer_khz)
			timer_khz = 1;
		irq_restore(flags);
	}
	return timer_khz;
}

/* Program the APIC timer's divide and initial count for `tsc_ticks` from now. */
static void timer_count(uint32_t lvt, uint64_t tsc_ticks)
{
	uint64_t count = tsc_ticks * sdk_apic_timer_khz() / sdk_tsc_khz();
	unsigned shift = 0;

	while (shift < 7 && (count >> shift) > 0xffffffffu)
		shift++;
	count >>= shift;
	if (count > 0xffffffffu)
		count = 0xffffffffu;
	if (count == 0)
		count = 1;
	sdk_apic_write(APIC_TIMER_DIV, divide_code[shift]);
	sdk_apic_write(APIC_LVT_TIMER, lvt);
	sdk_apic_write(APIC_TIMER_INIT, (uint32_t)count);
}

void sdk_timer_periodic(unsigned vector, uint64_t period)
{
	sdk_apic_timer_khz(); /* measure first: it uses the timer */
	timer_count(LVT_PERIODIC | (vector & 0xff), period);
}

void sdk_timer_deadline(unsigned vector, uint64_t deadline)
{
	if (tsc_deadline) {
		/* The LVT write must be ordered before the deadline write (SDM 11.5.4.1). */
		sdk_apic_write(APIC_LVT_TIMER, LVT_TSC_DEADLINE | (vector & 0xff));
		__asm__ volatile("mfence" ::: "memory");
		wrmsr(MSR_IA32_TSC_DEADLINE, deadline ? deadline : 1); /* 0 would disarm */
	} else {
		uint64_t now;

		sdk_apic_timer_khz();
		now = sdk_tsc();
		timer_count(LVT_ONESHOT | (vector & 0xff), deadline > now ? deadline - now : 0);
	}
}

void sdk_timer_stop(void)
{
	sdk_apic_write(APIC_LVT_TIMER, LVT_MASKED);
	sdk_apic_write(APIC_TIMER_INIT, 0);
	if (tsc_deadline)
		wrmsr(MSR_IA32_TSC_DEADLINE, 0);
}

/* ---- IPIs -------------------------------------------------------------------------- */

static void icr_send(uint32_t apic_id, uint32_t low)
{
	if (mode == APIC_X2) {
		wrmsr(X2APIC_MSR(APIC_ICR_LO), ((uint64_t)apic_id << 32) | low);
	} else if (mode == APIC_X) {
		uint64_t flags = irq_save();

		while (xapic[APIC_ICR_LO / 4] & ICR_DELIVERY_STATUS)
			cpu_relax();
		xapic[APIC_ICR_HI / 4] = apic_id << 24;
		xapic[APIC_ICR_LO / 4] = low;
		while (xapic[APIC_ICR_LO / 4] & ICR_DELIVERY_STATUS)
			cpu_relax();
		irq_restore(flags);
	}
}

void sdk_ipi(uint32_t apic_id, unsigned vector)
{
	icr_send(apic_id, ICR_ASSERT | ICR_FIXED | (vector & 0xff));
}

/* ---- other CPUs -------------------------------------------------------------------- */

static void (*volatile ap_fn[PAYLOAD_MAX_CPUS])(unsigned);
static volatile uint32_t ap_running[PAYLOAD_MAX_CPUS];
static volatile uint32_t start_lock;

/* Called by start.asm on the new CPU, in long mode on its own stack. */
_Noreturn void sdk_ap_start(uint32_t index);
_Noreturn void sdk_ap_start(uint32_t index)
{
	void (*fn)(unsigned);

	sdk_irq_load_idt();
	sdk_apic_init();
	sdk_fpu_cpu_init();
	fn = ap_fn[index];
	__atomic_store_n(&ap_running[index], 1, __ATOMIC_RELEASE);
	fn(index);
	sdk_halt();
}

static bool wait_running(unsigned index, uint64_t us)
{
	uint64_t t0 = sdk_tsc(), ticks = us * sdk_tsc_khz() / 1000;

	while (!__atomic_load_n(&ap_running[index], __ATOMIC_ACQUIRE))
		if (sdk_tsc() - t0 >= ticks)
			return false;
		else
			cpu_relax();
	return true;
}

int sdk_start_cpu(unsigned index, void (*fn)(unsigned index))
{
	const struct sdk_env *e = &sdk_the_env;
	uint32_t apic_id;
	int rc = 0;

	if (index == 0 || index >= e->cpu_count || index >= PAYLOAD_MAX_CPUS || !fn)
		return -1;
	while (__atomic_exchange_n(&start_lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	if (ap_fn[index]) {
		__atomic_store_n(&start_lock, 0, __ATOMIC_RELEASE);
		return -1;
	}
	ap_fn[index] = fn;
	apic_id = e->apic_ids[index];
	memcpy((void *)(uintptr_t)SDK_AP_PAGE, sdk_ap_tramp, sdk_ap_tramp_size);
	sdk_ap_stack = (uint64_t)(uintptr_t)&sdk_stacks[index][SDK_STACK_SIZE];
	sdk_ap_index = index;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	/* INIT, wait 10 ms, SIPI; a second SIPI only if the first did not take (SDM 9.4.4.1
	 * sends two unconditionally; a CPU already running ignores a SIPI anyway). */
	icr_send(apic_id, ICR_ASSERT | ICR_INIT);
	sdk_delay_us(10000);
	icr_send(apic_id, ICR_ASSERT | ICR_STARTUP | (SDK_AP_PAGE >> 12));
	if (!wait_running(index, 10000)) {
		icr_send(apic_id, ICR_ASSERT | ICR_STARTUP | (SDK_AP_PAGE >> 12));
		if (!wait_running(index, 1000000))
			rc = -2;
	}
	__atomic_store_n(&start_lock, 0, __ATOMIC_RELEASE);
	return rc;
}
