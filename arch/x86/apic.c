/* Local APIC access (SDM Vol. 3A ch. 11 xAPIC, §11.12 x2APIC). */
#include "arch/x86/apic.h"
#include "core/lib/apic_regs.h"
#include "core/lib/cpu.h"
#include "core/lib/msr.h"
#include "arch/x86/percpu.h"
#include "arch/x86/tsc.h"
#include "arch/x86/guest.h"
#include "arch/x86/vcpu.h"
#include "arch/x86/vmcs_fields.h"
#include "arch/x86/vmx.h"
#include "core/lib/format.h"
#include "core/lib/x86.h"
#include "core/config.h"
#include "core/upcalls.h"

#define SPURIOUS_VECTOR 0xff

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

	x2apic = cpuid(1, 0).ecx & CPUID1_ECX_X2APIC;
	/* xAPIC -> x2APIC must pass through "enabled, xAPIC" (SDM §11.12.5). */
	base |= APIC_BASE_EN;
	wrmsr(MSR_IA32_APIC_BASE, base);
	if (x2apic) {
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
		wrmsr(MSR_X2APIC_SVR, APIC_SVR_ENABLE | SPURIOUS_VECTOR);
		/* Firmware often leaves LINT0 as an unmasked ExtINT: the 8259's vectors, which
		 * would reach Bulkhead's exception handlers on the boot CPU. */
		lapic_mask_all_lvts();
		return;
	}
	xapic = (volatile u32 *)(base & APIC_BASE_ADDR_LOW);
	xapic_write(APIC_SVR, APIC_SVR_ENABLE | SPURIOUS_VECTOR);
}

u32 lapic_id(void)
{
	if (x2apic)
		return (u32)rdmsr(MSR_X2APIC_ID);
	if (!xapic)
		return cpuid(1, 0).ebx >> 24; /* before lapic_init: the initial APIC ID */
	return xapic_read(APIC_ID) >> 24;
}

void lapic_eoi(void)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_EOI, 0);
	else if (xapic)
		xapic_write(APIC_EOI, 0);
}

bool lapic_send_ipi(u32 dest, u32 icr_low)
{
	u64 start;

	if (x2apic) {
		/* x2APIC ICR writes are a single MSR write; no delivery status (SDM §11.12.9). */
		cpu_mfence();
		wrmsr(MSR_X2APIC_ICR, ((u64)dest << 32) | icr_low);
		return true;
	}
	if (dest > 0xff)
		return false;
	xapic_write(APIC_ICR_HI, dest << 24);
	xapic_write(APIC_ICR_LO, icr_low);
	start = rdtsc();
	while (xapic_read(APIC_ICR_LO) & ICR_DELIVERY_STATUS) {
		if (tsc_elapsed_us(start, 1000))
			return false;
		cpu_relax();
	}
	return true;
}

/* Timer, LINT0, LINT1 and error always; performance counters, thermal and CMCI by the
 * version register's "max LVT entry" (SDM Vol. 3A §11.4.8, §11.5.1). */
bool lapic_has_lvt(u32 msr)
{
	u32 max_lvt = APIC_VERSION_MAX_LVT(rdmsr(MSR_X2APIC_VERSION));

	switch (msr) {
	case MSR_X2APIC_LVT_PERF:
		return max_lvt >= 4;
	case MSR_X2APIC_LVT_THERMAL:
		return max_lvt >= 5;
	case MSR_X2APIC_LVT_CMCI:
		return max_lvt >= 6;
	default:
		return true;
	}
}

void lapic_mask_all_lvts(void)
{
	static const u32 lvts[] = {MSR_X2APIC_LVT_TIMER, MSR_X2APIC_LVT_LINT0,
				   MSR_X2APIC_LVT_LINT1, MSR_X2APIC_LVT_ERROR,
				   MSR_X2APIC_LVT_PERF,	 MSR_X2APIC_LVT_THERMAL,
				   MSR_X2APIC_LVT_CMCI};

	if (!x2apic)
		return;
	for (u32 i = 0; i < sizeof(lvts) / sizeof(lvts[0]); i++)
		if (lapic_has_lvt(lvts[i]))
			wrmsr(lvts[i], LVT_MASKED);
}

void lapic_stop_timer(bool tsc_deadline)
{
	if (!x2apic)
		return;
	wrmsr(MSR_X2APIC_TIMER_INIT, 0);
	wrmsr(MSR_X2APIC_TIMER_DIV, 0);
	if (tsc_deadline)
		wrmsr(MSR_IA32_TSC_DEADLINE, 0);
}

static bool any_vector(u32 first_reg)
{
	for (u32 i = 0; i < 8; i++)
		if (rdmsr(first_reg + i))
			return true;
	return false;
}

/* The APIC software-enabled (a guest may have disabled it, which holds pending interrupts),
 * an EOI per interrupt in service; then, with TPR 0, interrupts let in for a moment, as many
 * times as there are vectors, through an IDT whose every gate only acknowledges (percpu.c):
 * pending ones end there rather than in the partition's next run, vectors 16-31 included,
 * which Bulkhead's own IDT would take for exceptions. Bounded: a sibling still sending to
 * this CPU cannot hold it here. The ESR is cleared by a write (SDM Vol. 3A §11.5.3). */
void lapic_drain(void)
{
	if (!x2apic)
		return;
	wrmsr(MSR_X2APIC_SVR, APIC_SVR_ENABLE | SPURIOUS_VECTOR);
	wrmsr(MSR_X2APIC_TPR, 0);
	for (u32 n = 0; n < 256 && any_vector(MSR_X2APIC_ISR); n++)
		wrmsr(MSR_X2APIC_EOI, 0);
	percpu_idt_ack_only(true);
	for (u32 n = 0; n < 256 && any_vector(MSR_X2APIC_IRR); n++) {
		irq_enable();
		cpu_relax();
		irq_disable();
	}
	percpu_idt_ack_only(false);
	wrmsr(MSR_X2APIC_ESR, 0);
}

/* ---- A partition's writes to its x2APIC (exit path, guest_msr.c) ---------------------------- */

static struct vcpu *vcpu_of_apic(u32 apic_id)
{
	for (u32 i = 0; i < MAX_CPUS; i++) {
		struct x86_cpu *cpu = cpu_by_index(i);

		if (cpu && cpu->apic_id == apic_id)
			return &cpu->vcpu;
	}
	return NULL;
}

/* A guest INIT to a sibling (checked by the caller): see struct vcpu for why it travels as
 * an NMI. */
static void send_init(u32 dest_apic)
{
	struct vcpu *target = vcpu_of_apic(dest_apic);

	if (!target || !target->started)
		return; /* still waiting for SIPI: INIT changes nothing */
	target->init_pending = 1;
	cpu_mfence();
	wrmsr(MSR_X2APIC_ICR, ((u64)dest_apic << 32) | ICR_ASSERT | ICR_NMI);
}

/* A guest NMI to a sibling: the NMI exits there (NMI exiting is Bulkhead's), so it is flagged
 * to be injected into the guest on that exit. */
static void send_nmi(u32 dest_apic)
{
	struct vcpu *target = vcpu_of_apic(dest_apic);

	if (!target)
		return;
	target->nmi_pending = 1;
	cpu_mfence();
	wrmsr(MSR_X2APIC_ICR, ((u64)dest_apic << 32) | ICR_ASSERT | ICR_NMI);
}

/* One IPI to one of the partition's own CPUs. */
static void send_ipi(u64 icr, u32 dest_apic)
{
	switch (ICR_MODE(icr)) {
	case APIC_DM_INIT:
		send_init(dest_apic);
		break;
	case APIC_DM_NMI:
		send_nmi(dest_apic);
		break;
	default:
		wrmsr(MSR_X2APIC_ICR, ((u64)dest_apic << 32) | (u32)(icr & ~ICR_SHORTHAND_MASK));
		break;
	}
}

/* A broadcast (shorthand "all" or "all but self") reaches the partition's own CPUs only:
 * it is sent to each of them in turn. */
static void broadcast_ipi(u64 icr, bool include_self)
{
	u32 me = this_cpu()->apic_id, partition = guest_vcpu()->partition;

	for (u32 i = 0; i < MAX_CPUS; i++) {
		struct x86_cpu *cpu = cpu_by_index(i);

		if (!cpu || !partition_owns_apic(partition, cpu->apic_id))
			continue;
		if (cpu->apic_id != me || include_self)
			send_ipi(icr, cpu->apic_id);
	}
}

/* Which ICR writes a partition may make: fixed, NMI, INIT or SIPI, in physical destination
 * mode, to one of its own CPUs, to itself, or to all of its own CPUs. */
static bool icr_allowed(u64 v, u32 partition)
{
	u32 mode = ICR_MODE(v), shorthand = ICR_SHORTHAND(v);

	if (mode != APIC_DM_FIXED && mode != APIC_DM_NMI && mode != APIC_DM_INIT &&
	    mode != APIC_DM_STARTUP)
		return false;
	if (shorthand == ICR_SELF)
		return mode == APIC_DM_FIXED;
	if (v & ICR_LOGICAL) /* a logical destination is a cluster and mask, not an APIC ID */
		return false;
	if (shorthand != 0)
		return mode == APIC_DM_FIXED || mode == APIC_DM_NMI;
	return partition_owns_apic(partition, (u32)(v >> 32));
}

/* A partition's write of `v` to its x2APIC ICR (the MSR bitmap traps it): reserved bits get the
 * #GP a real x2APIC gives, in the guest, not in Bulkhead's own WRMSR (SDM Vol. 3A §11.12.9); an
 * IPI the partition may not send (icr_allowed) stops it; any other is sent, INIT and NMI to a
 * sibling as struct vcpu says. */
void apic_guest_icr_write(u64 v)
{
	struct vcpu *vc = guest_vcpu();

	if (v & ICR_RESERVED) {
		char what[48];

		format(what, sizeof(what), "x2apic icr 0x%llx (reserved bits)",
		       (unsigned long long)v);
		guest_refuse(VEC_GP, REFUSAL_KEY(EXIT_WRMSR, MSR_X2APIC_ICR), what);
		return;
	}
	if (!icr_allowed(v, vc->partition)) {
		struct vm_fault f = {"forbidden ipi", EXIT_WRMSR, vmread(GUEST_RIP), 0, v};

		partition_fault(vc->partition, this_cpu()->index, &f);
	}
	if (ICR_MODE(v) == APIC_DM_INIT && (v & ICR_LEVEL) && !(v & ICR_ASSERT)) {
		/* INIT level de-assert: no effect on a CPU with an x2APIC (SDM §11.6.1) */
		guest_skip_instruction();
		return;
	}
	switch (ICR_SHORTHAND(v)) {
	case ICR_SELF:
		wrmsr(MSR_X2APIC_ICR, v);
		break;
	case ICR_ALL:
	case ICR_ALL_BUT_SELF:
		broadcast_ipi(v, ICR_SHORTHAND(v) == ICR_ALL);
		break;
	default:
		send_ipi(v, (u32)(v >> 32));
		break;
	}
	guest_skip_instruction();
}

/* Why a write of `v` to that LVT gets the #GP a real x2APIC gives (in the guest, not in
 * Bulkhead's own WRMSR), or NULL: an LVT this APIC does not have, a reserved bit (which bits
 * are depends on the LVT), a reserved delivery mode. */
static const char *lvt_invalid(u32 msr, u64 v)
{
	if (!lapic_has_lvt(msr))
		return "absent";
	if (v & ~(u64)(lvt_writable(msr) | lvt_read_only(msr)))
		return "reserved bits";
	if (lvt_mode_reserved(LVT_MODE(v)))
		return "reserved delivery mode";
	return NULL;
}

/* A partition's write to an LVT with a delivery mode: checked as a real x2APIC would
 * (lvt_invalid); read-only bits are dropped; an SMI, INIT or ExtINT entry is written masked,
 * named once: a partition's interrupts are fixed or NMI. */
void apic_guest_lvt_write(u32 msr, u64 v)
{
	const char *why = lvt_invalid(msr, v);
	u32 mode = LVT_MODE(v);
	char what[64];

	if (why) {
		format(what, sizeof(what), "lvt 0x%x value 0x%llx (%s)", msr, (unsigned long long)v,
		       why);
		guest_refuse(VEC_GP, REFUSAL_KEY(EXIT_WRMSR, msr), what);
		return;
	}
	v &= lvt_writable(msr);
	if (mode == APIC_DM_SMI || mode == APIC_DM_INIT || mode == APIC_DM_EXTINT) {
		static const char *const names[8] = {
		    [APIC_DM_SMI] = "smi", [APIC_DM_INIT] = "init", [APIC_DM_EXTINT] = "extint"};

		format(what, sizeof(what), "lvt 0x%x delivery mode %s", msr, names[mode]);
		partition_refused(guest_vcpu()->partition,
				  REFUSAL_KEY(EXIT_WRMSR, mode << 24 | msr), false, what, "masked");
		v |= LVT_MASKED;
	}
	wrmsr(msr, v);
	guest_skip_instruction();
}
