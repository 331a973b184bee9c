/* Local APIC access (SDM Vol. 3A ch. 11 xAPIC, §11.12 x2APIC). */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/tsc.h"

#define APIC_BASE_ENABLE (1ULL << 11)
#define APIC_BASE_X2APIC (1ULL << 10)
#define XAPIC_ID	 0x020
#define XAPIC_EOI	 0x0b0
#define XAPIC_SVR	 0x0f0
#define XAPIC_ICR_LO	 0x300
#define XAPIC_ICR_HI	 0x310
#define X2APIC_MSR(off)	 (0x800 + ((off) >> 4))
#define SVR_ENABLE	 0x100
#define SPURIOUS_VECTOR	 0xff
#define ICR_PENDING	 (1u << 12)

static bool x2apic;
static volatile u32 *xapic;

static u32 xapic_read(u32 off)
{
	return xapic[off / 4];
}

static void xapic_write(u32 off, u32 v)
{
	xapic[off / 4] = v;
}

void lapic_init(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

	x2apic = cpuid(1, 0).ecx & (1u << 21);
	/* xAPIC -> x2APIC must pass through "enabled, xAPIC" (SDM §11.12.5). */
	base |= APIC_BASE_ENABLE;
	wrmsr(MSR_IA32_APIC_BASE, base);
	if (x2apic) {
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_X2APIC);
		wrmsr(X2APIC_MSR(XAPIC_SVR), SVR_ENABLE | SPURIOUS_VECTOR);
		return;
	}
	xapic = (volatile u32 *)(base & 0xfffff000ULL);
	xapic_write(XAPIC_SVR, SVR_ENABLE | SPURIOUS_VECTOR);
}

bool lapic_x2apic(void)
{
	return x2apic;
}

u32 lapic_id(void)
{
	if (x2apic)
		return (u32)rdmsr(X2APIC_MSR(XAPIC_ID));
	if (!xapic)
		return cpuid(1, 0).ebx >> 24; /* before lapic_init: the initial APIC ID */
	return xapic_read(XAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	if (x2apic)
		wrmsr(X2APIC_MSR(XAPIC_EOI), 0);
	else if (xapic)
		xapic_write(XAPIC_EOI, 0);
}

bool lapic_send_ipi(u32 dest, u32 icr_low)
{
	u64 start;

	if (x2apic) {
		/* x2APIC ICR writes are a single MSR write; no delivery status (SDM §11.12.9). */
		wrmsr(X2APIC_MSR(XAPIC_ICR_LO), ((u64)dest << 32) | icr_low);
		return true;
	}
	if (dest > 0xff)
		return false;
	xapic_write(XAPIC_ICR_HI, dest << 24);
	xapic_write(XAPIC_ICR_LO, icr_low);
	start = rdtsc();
	while (xapic_read(XAPIC_ICR_LO) & ICR_PENDING) {
		if (tsc_elapsed_us(start, 1000))
			return false;
		cpu_relax();
	}
	return true;
}
