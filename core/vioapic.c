/* A partition's virtual I/O APIC: see vioapic.h. Register interface: 82093AA data sheet §3. */
#include "core/vioapic.h"
#include "arch/x86/arch.h"
#include "core/denied.h"
#include "core/lib/format.h"
#include "core/lib/ioapic_regs.h"
#include "core/lib/string.h"
#include "core/msi_check.h"
#include "core/upcalls.h"

/* The version it shows: 0x11, an I/O APIC without the EOI register (a directed EOI clears
 * Remote IRR of every pin with that vector, another partition's too). */
#define VIOAPIC_VERSION 0x11u
/* Vectors 0-31 are the CPU's exceptions; 0-15 are illegal in an APIC message. */
#define VECTOR_MIN 0x20u

bool vioapic_owns(const struct vioapic *v, u32 pin)
{
	return pin < PT_MAX_GSI && (v->owned[pin / 64] >> (pin % 64)) & 1;
}

u64 vioapic_rte(const struct vioapic *v, u32 pin)
{
	if (pin >= PT_MAX_GSI)
		return RTE_MASKED;
	return vioapic_owns(v, pin) ? arch_ioapic_read(pin) : v->rte[pin];
}

void vioapic_init(struct vioapic *v, u32 partition, const struct partition_config *cfg)
{
	memset(v, 0, sizeof(*v));
	v->partition = partition;
	v->cfg = cfg;
	v->pins = arch_ioapic_pins();
	for (u32 pin = 0; pin < PT_MAX_GSI; pin++)
		v->rte[pin] = RTE_MASKED;
	for (u32 i = 0; i < cfg->devices.count && i < PT_MAX_DEVICES; i++) {
		u32 pin = cfg->devices.d[i].irq;

		if (pin && pin < v->pins) {
			v->owned[pin / 64] |= 1ull << (pin % 64);
		}
	}
}

/* What is wrong with an unmasked entry for one of its pins, or NULL. */
static const char *rte_problem(const struct vioapic *v, u64 rte)
{
	u64 mode = rte & RTE_DELMODE;

	if (mode != RTE_DELMODE_FIXED && mode != RTE_DELMODE_LOWEST)
		return "delivery mode other than fixed or lowest priority";
	if (rte & RTE_DEST_LOGICAL)
		return "logical destination mode";
	if (RTE_DEST(rte) == RTE_DEST_BROADCAST || !cfg_owns_cpu(v->cfg, RTE_DEST(rte)))
		return "destination is not one of its CPUs";
	if ((rte & RTE_VECTOR) < VECTOR_MIN)
		return "vector below 0x20";
	return NULL;
}

static void refuse_rte(const struct vioapic *v, u32 pin, u64 rte, const char *why)
{
	char what[112];

	format(what, sizeof(what), "ioapic pin %u entry 0x%016llx (%s)", pin,
	       (unsigned long long)rte, why);
	partition_refused(v->partition, DENIED_KEY(DENIED_IOAPIC, pin), false, what,
			  "the pin stays masked");
}

/* The entry the machine gets is built from the checked fields, everything else zero: no
 * reserved or extended-destination bit, and fixed delivery (to one physical destination,
 * lowest priority is the same). Trigger and polarity are the partition's: wrong, they can only
 * storm its own CPU. */
static u64 rte_build(u64 rte)
{
	return (rte & (RTE_VECTOR | RTE_ACTIVE_LOW | RTE_LEVEL | RTE_MASKED)) | RTE_DELMODE_FIXED |
	       (u64)RTE_DEST(rte) << RTE_DEST_SHIFT;
}

/* An entry for one of its pins: to the machine if masked or valid, else masked there. */
static void route_own_pin(struct vioapic *v, u32 pin, u64 rte)
{
	const char *why = (rte & RTE_MASKED) ? NULL : rte_problem(v, rte);

	arch_ioapic_write(pin, rte_build(why ? rte | RTE_MASKED : rte));
	if (why)
		refuse_rte(v, pin, rte, why);
}

static bool is_virtual(const struct vioapic *v, u32 pin)
{
	return pin < PT_MAX_GSI && (v->virt[pin / 64] >> (pin % 64)) & 1;
}

/* From the top: the pins a partition's devices name are usually low (ISA's, then PCI's from
 * 16), and the legacy ones are never taken. IOREGSEL has 8 bits: pins above 119 cannot be
 * reached through the window (82093AA §3.2.4). */
int vioapic_claim_pin(struct vioapic *v)
{
	u32 top = v->pins < VIOAPIC_ADDRESSABLE ? v->pins : VIOAPIC_ADDRESSABLE;

	for (u32 pin = top; pin-- > VIOAPIC_FIRST_FREE;)
		if (!vioapic_owns(v, pin) && !is_virtual(v, pin)) {
			v->virt[pin / 64] |= 1ull << (pin % 64);
			return (int)pin;
		}
	return -1;
}

/* An entry for one of its virtual pins: kept, masked if it is not valid; Bulkhead sends what
 * it says (core/vchan.c), as an edge: a level-triggered entry would wait for an EOI that never
 * comes to this I/O APIC. */
static void route_virtual_pin(struct vioapic *v, u32 pin, u64 rte)
{
	const char *why = (rte & RTE_MASKED) ? NULL : rte_problem(v, rte);

	if (!why && !(rte & RTE_MASKED) && (rte & RTE_LEVEL))
		why = "level-triggered (this input is edge-triggered)";

	v->rte[pin] = why ? rte | RTE_MASKED : rte;
	if (why)
		refuse_rte(v, pin, rte, why);
}

static void write_pin(struct vioapic *v, u32 pin, bool high, u32 value)
{
	u64 old, rte;

	if (pin >= PT_MAX_GSI)
		return;
	old = vioapic_rte(v, pin);
	rte = high ? (old & 0xffffffffull) | (u64)value << 32 : (old & ~0xffffffffull) | value;
	rte &= ~(RTE_DELIVERY_BUSY | RTE_REMOTE_IRR);

	if (vioapic_owns(v, pin)) {
		route_own_pin(v, pin, rte);
		return;
	}
	if (is_virtual(v, pin)) {
		route_virtual_pin(v, pin, rte);
		return;
	}
	v->rte[pin] = rte;
	if (!(rte & RTE_MASKED))
		refuse_rte(v, pin, rte, "not an input of its devices");
}

static u32 read_reg(const struct vioapic *v, u32 reg)
{
	u32 pin = (reg - IOAPIC_REDTBL(0)) / 2;
	u64 rte;

	if (reg == IOAPIC_REG_ID)
		return arch_ioapic_id() << 24;
	if (reg == IOAPIC_REG_VERSION)
		return VIOAPIC_VERSION | (v->pins ? v->pins - 1 : 0) << 16;
	if (reg < IOAPIC_REDTBL(0) || pin >= v->pins)
		return 0;
	rte = vioapic_rte(v, pin);
	return (reg & 1) ? (u32)(rte >> 32) : (u32)rte;
}

u32 vioapic_read(struct vioapic *v, u32 offset, u32 size)
{
	if (size != 4)
		return 0;
	if (offset == IOAPIC_REGSEL)
		return v->regsel;
	if (offset == IOAPIC_WINDOW)
		return read_reg(v, v->regsel);
	return 0;
}

void vioapic_write(struct vioapic *v, u32 offset, u32 size, u32 value)
{
	u32 reg = v->regsel, pin = (reg - IOAPIC_REDTBL(0)) / 2;

	if (size != 4)
		return;
	if (offset == IOAPIC_REGSEL)
		v->regsel = value & 0xffu;
	else if (offset == IOAPIC_WINDOW && reg >= IOAPIC_REDTBL(0) && pin < v->pins)
		write_pin(v, pin, reg & 1, value);
	/* ID and arbitration writes change nothing a partition could use: dropped. */
}

void vioapic_reset(struct vioapic *v)
{
	v->regsel = 0;
	for (u32 pin = 0; pin < PT_MAX_GSI; pin++) {
		v->rte[pin] = RTE_MASKED;
		if (vioapic_owns(v, pin))
			arch_ioapic_write(pin, RTE_MASKED);
	}
}
