/* A Linux partition's channels as PCI functions: see vchan.h. Header layout: PCI Local Bus 3.0
 * §6.2 (BARs §6.2.5.1, Interrupt Status and Disable §6.2.2-3, capabilities §6.7); registers and
 * their meaning as QEMU's ivshmem (docs/specs/ivshmem-spec.rst). */
#include "core/vchan.h"
#include "arch/x86/arch.h"
#include "bulkhead/channel_pci.h"
#include "core/channels.h"
#include "core/error.h"
#include "core/lib/format.h"
#include "core/lib/ioapic_regs.h"
#include "core/lib/pci_regs.h"
#include "core/lib/string.h"
#include "core/vioapic.h"
#include "core/vpci.h"

#define PCI_STATUS_INTERRUPT 0x0008u /* §6.2.3: INTx asserted */
/* No DMA: bus mastering stays 0, as on a function the table says DEV_NO_DMA of. */
#define CMD_WRITABLE	   (PCI_CMD_MEMORY | PCI_CMD_INTX_DISABLE)
#define BAR_MEM64_PREFETCH 0xcu /* memory, 64-bit (type 10b), prefetchable */
#define BAR_REGS_BIT	   (1u << CHANNEL_BAR_REGS)
#define BAR_MEM_BITS	   (3u << CHANNEL_BAR_MEM) /* BAR2 and its upper half, BAR3 */
#define PCI_MAX_DEV	   32u
#define REGS_PAGE	   0x1000ull /* each function's registers have a page */

static bool dev_taken(const struct partition_config *c, u32 dev)
{
	for (u32 i = 0; i < c->devices.count && i < PT_MAX_DEVICES; i++) {
		const struct pt_device *d = &c->devices.d[i];

		if (d->kind == DEV_PCI && PT_BDF_BUS(d->bdf) == 0 && PT_BDF_DEV(d->bdf) == dev)
			return true;
	}
	return false;
}

/* What keeps channel `ch` (its region r, the k-th of the partition) from being a function, or
 * NULL. The BAR rules are ptcheck's too: checked again, as what a BAR's sizing tells Linux
 * depends on them. */
static const char *no_function(const struct pt_channel *ch, const struct pt_region *r, u32 k,
			       u32 dev)
{
	if (k >= VCHAN_MAX)
		return "more channels than a partition may be on";
	if (!r)
		return "no region of the partition over its memory";
	if (!ch->size || (ch->size & (ch->size - 1)) || (r->guest & (ch->size - 1)))
		return "its size is not a power of two, or its region not aligned to it (a BAR's)";
	if (dev >= PCI_MAX_DEV)
		return "no device number left on bus 0";
	return NULL;
}

int vchan_init(struct vchan *v, u32 partition, const struct partition_config *c,
	       struct vioapic *ioapic, char *why, size_t why_size)
{
	u32 dev = CHANNEL_PCI_FIRST_DEV, channel, side;

	memset(v, 0, sizeof(*v));
	v->partition = partition;
	v->ioapic = ioapic;
	for (u32 k = 0; c->kind == PART_LINUX && channel_find(c->name, k, &channel, &side); k++) {
		const struct pt_channel *ch = &partition_table.channels.c[channel];
		const struct pt_region *r = channel_region(c, channel);
		const char *problem;
		int pin;

		while (dev < PCI_MAX_DEV && dev_taken(c, dev))
			dev++;
		problem = no_function(ch, r, k, dev);
		pin = problem ? -1 : vioapic_claim_pin(ioapic);
		if (!problem && pin < 0)
			problem =
			    "no I/O APIC input left for its interrupt (one from 16 to 119 that "
			    "none of its devices uses)";
		if (problem) {
			format(why, why_size, "channel %s: %s", ch->name, problem);
			return ERR(E_RANGE);
		}
		v->fn[k] = (struct vchan_fn){.channel = channel,
					     .side = side,
					     .bdf = PT_BDF(0, dev, 0),
					     .regs = CHANNEL_REGS_GPA(k),
					     .mem = r->guest,
					     .mem_size = ch->size,
					     .writable = (ch->end[side].access & MEM_W) != 0,
					     .pin = (u32)pin};
		v->count = k + 1;
		dev++;
	}
	return 0;
}

static struct vchan_fn *fn_at(const struct vchan *v, u32 bdf)
{
	for (u32 i = 0; i < v->count; i++)
		if (v->fn[i].bdf == bdf)
			return (struct vchan_fn *)&v->fn[i];
	return NULL;
}

bool vchan_claims(const struct vchan *v, u32 bdf)
{
	return fn_at(v, bdf) != NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* INTA                                                                                       */

static bool asserted(const struct vchan_fn *f)
{
	return (__atomic_load_n(&f->status, __ATOMIC_SEQ_CST) & f->mask & 1u) != 0;
}

/* Where INTA goes now, or 0: an unmasked entry of its pin (checked by the I/O APIC when it was
 * written), Interrupt Disable clear, IntrMask bit 0 set. */
static u64 route(const struct vchan *v, const struct vchan_fn *f)
{
	u64 rte = vioapic_rte(v->ioapic, f->pin);

	if ((rte & RTE_MASKED) || (f->command & PCI_CMD_INTX_DISABLE) || !(f->mask & 1u))
		return 0;
	return VCHAN_DELIVER | (u64)RTE_DEST(rte) << 8 | (rte & RTE_VECTOR);
}

static void send(u64 deliver)
{
	arch_send_vector((u32)(deliver >> 8) & 0xffffffffu, (u8)deliver);
}

/* A change on its own side (mask, Interrupt Disable, the entry, a status it wrote): publish
 * the route, then look at the status. The other side does the opposite (status, then route),
 * and both are sequentially consistent: of a ring racing a change, at least one of them sees
 * the other's store, so an asserted INTA is never left undelivered. It may be sent twice: an
 * interrupt with nothing pending, which a driver checking Interrupt Status takes as not its own. */
static void update(const struct vchan *v, struct vchan_fn *f)
{
	u64 now = route(v, f), before = f->deliver;

	__atomic_store_n(&f->deliver, now, __ATOMIC_SEQ_CST);
	if (now && now != before && asserted(f))
		send(now);
}

void vchan_update(struct vchan *v)
{
	for (u32 i = 0; i < v->count; i++)
		update(v, &v->fn[i]);
}

static void raise_status(struct vchan_fn *f)
{
	u64 deliver;

	if (__atomic_fetch_or(&f->status, 1u, __ATOMIC_SEQ_CST) & 1u)
		return; /* already pending: INTA is asserted or will be when enabled */
	deliver = __atomic_load_n(&f->deliver, __ATOMIC_SEQ_CST);
	if (deliver)
		send(deliver);
}

void vchan_ring(struct vchan *v, u32 channel)
{
	for (u32 i = 0; i < v->count; i++)
		if (v->fn[i].channel == channel)
			raise_status(&v->fn[i]);
}

void vchan_reset(struct vchan *v)
{
	for (u32 i = 0; i < v->count; i++) {
		struct vchan_fn *f = &v->fn[i];

		__atomic_store_n(&f->deliver, 0, __ATOMIC_SEQ_CST);
		__atomic_store_n(&f->status, 0, __ATOMIC_SEQ_CST);
		f->mask = 0;
		f->command = 0;
		f->sizing = 0;
		f->line = 0;
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Configuration space                                                                        */

static u32 bar_dword(const struct vchan_fn *f, u32 i)
{
	bool sizing = (f->sizing >> i) & 1u;

	if (i == CHANNEL_BAR_REGS)
		return sizing ? ~(CHANNEL_REGS_SIZE - 1) : (u32)f->regs;
	if (i == CHANNEL_BAR_MEM)
		return (u32)((sizing ? ~(f->mem_size - 1) : f->mem) & PCI_BAR_MEM_MASK) |
		       BAR_MEM64_PREFETCH;
	if (i == CHANNEL_BAR_MEM + 1)
		return (u32)((sizing ? ~(f->mem_size - 1) : f->mem) >> 32);
	return 0;
}

/* Its vendor-specific capability (channel_pci.h), byte `at` of it. */
static u8 cap_byte(const struct vchan_fn *f, u32 at)
{
	const char *name = partition_table.channels.c[f->channel].name;

	if (at == PCI_CAP_ID)
		return CHANNEL_CAP_ID;
	if (at == 2)
		return CHANNEL_CAP_LEN;
	if (at == CHANNEL_CAP_VERSION)
		return 1;
	if (at == CHANNEL_CAP_FLAGS)
		return f->writable ? CHANNEL_CAP_FLAG_WRITABLE : 0;
	if (at == CHANNEL_CAP_POSITION)
		return (u8)f->side;
	if (at >= CHANNEL_CAP_NAME && at < CHANNEL_CAP_NAME + CHANNEL_CAP_NAME_SIZE - 1 && name &&
	    strlen(name) > at - CHANNEL_CAP_NAME)
		return (u8)name[at - CHANNEL_CAP_NAME];
	return 0; /* next pointer: the last capability; the name's NUL padding */
}

static u32 header_dword(const struct vchan_fn *f, u32 reg)
{
	u32 status = PCI_STATUS_CAP_LIST | (asserted(f) ? PCI_STATUS_INTERRUPT : 0);

	switch (reg) {
	case PCI_VENDOR_ID:
		return CHANNEL_PCI_DEVICE << 16 | CHANNEL_PCI_VENDOR;
	case PCI_COMMAND:
		return status << 16 | f->command;
	case PCI_CLASS_REV:
		return CHANNEL_PCI_CLASS << 8 | CHANNEL_PCI_REVISION;
	case PCI_SUBSYSTEM:
		return CHANNEL_PCI_SUBSYS << 16 | CHANNEL_PCI_SUBSYS_VENDOR;
	case PCI_CAP_PTR:
		return CHANNEL_CAP_OFFSET;
	case PCI_INTERRUPT_LINE:
		return 1u << 8 | f->line; /* pin 1: INTA */
	default:
		return reg >= PCI_BAR0 && reg < PCI_BAR_END ? bar_dword(f, (reg - PCI_BAR0) / 4)
							    : 0;
	}
}

u32 vchan_config_read(const struct vchan *v, u32 bdf, u32 reg)
{
	const struct vchan_fn *f = fn_at(v, bdf);
	u32 dword = 0;

	if (!f)
		return ~0u;
	if (reg < PCI_HEADER_END)
		return header_dword(f, reg);
	for (u32 b = 0; b < 4; b++)
		if (reg + b >= CHANNEL_CAP_OFFSET && reg + b < CHANNEL_CAP_OFFSET + CHANNEL_CAP_LEN)
			dword |= (u32)cap_byte(f, reg + b - CHANNEL_CAP_OFFSET) << (8 * b);
	return dword;
}

/* A BAR takes all-ones (sizing) or the value it has; anything else would move it. Its absent
 * BARs (1, 4, 5) read 0: all-ones (sizing) and 0 are what a driver writes there. */
static void write_bar(const struct vchan *v, struct vchan_fn *f, u32 reg, u32 size, u32 value)
{
	u32 i = (reg - PCI_BAR0) / 4, bit = 1u << i, keep = i == CHANNEL_BAR_MEM + 1 ? 0 : 0xfu;
	char said[80];

	if (!((BAR_REGS_BIT | BAR_MEM_BITS) & bit) && (value == 0 || value == PCI_BAR_SIZING))
		return;
	if (size == 4 && !(reg & 3) && value == PCI_BAR_SIZING) {
		f->sizing |= (u8)bit;
		return;
	}
	if (size == 4 && !(reg & 3)) {
		u8 was = f->sizing;

		f->sizing &= (u8)~bit;
		if ((value & ~keep) == (bar_dword(f, i) & ~keep))
			return;
		f->sizing = was;
	}
	format(said, sizeof(said), "bar%u write 0x%x (BARs stay where the table puts them)", i,
	       value);
	vpci_refuse(v->partition, f->bdf, reg & ~3u, said);
}

void vchan_config_write(struct vchan *v, u32 bdf, u32 reg, u32 size, u32 value)
{
	struct vchan_fn *f = fn_at(v, bdf);

	if (!f)
		return;
	if (reg >= PCI_BAR0 && reg < PCI_BAR_END) {
		write_bar(v, f, reg, size, value);
		return;
	}
	for (u32 b = 0; b < size; b++) {
		u32 r = reg + b, byte = (value >> (8 * b)) & 0xffu;

		if (r == PCI_COMMAND || r == PCI_COMMAND + 1) {
			u32 shift = 8 * (r - PCI_COMMAND);

			f->command = (u16)((f->command & ~(0xffu << shift)) |
					   ((byte << shift) & CMD_WRITABLE));
			update(v, f);
		} else if (r == PCI_INTERRUPT_LINE) {
			f->line = (u8)byte;
		}
		/* the rest is read-only: identity, status (nothing to clear), the capability */
	}
}

/* ------------------------------------------------------------------------------------------ */
/* BAR0: the registers                                                                        */

static struct vchan_fn *regs_at(const struct vchan *v, u64 gpa)
{
	for (u32 i = 0; i < v->count; i++)
		if ((gpa & ~(REGS_PAGE - 1)) == v->fn[i].regs)
			return (struct vchan_fn *)&v->fn[i];
	return NULL;
}

bool vchan_mmio_claims(const struct vchan *v, u64 gpa)
{
	return regs_at(v, gpa) != NULL;
}

u64 vchan_mmio_read(struct vchan *v, u64 gpa, u32 size)
{
	struct vchan_fn *f = regs_at(v, gpa);
	u32 offset = (u32)(gpa & (REGS_PAGE - 1));

	if (!f || size != 4)
		return 0;
	if (!(f->command & PCI_CMD_MEMORY))
		return ~0u; /* not decoding: nothing answers */
	switch (offset) {
	case CHANNEL_REG_INTR_MASK:
		return f->mask;
	case CHANNEL_REG_INTR_STATUS: /* reading clears it: INTA is no longer asserted */
		return __atomic_exchange_n(&f->status, 0, __ATOMIC_SEQ_CST);
	case CHANNEL_REG_IV_POSITION:
		return f->side;
	default:
		return 0;
	}
}

void vchan_mmio_write(struct vchan *v, u64 gpa, u32 size, u64 value)
{
	struct vchan_fn *f = regs_at(v, gpa);
	u32 offset = (u32)(gpa & (REGS_PAGE - 1));

	if (!f || size != 4 || !(f->command & PCI_CMD_MEMORY))
		return;
	if (offset == CHANNEL_REG_INTR_MASK) {
		f->mask = (u32)value;
		update(v, f);
	} else if (offset == CHANNEL_REG_INTR_STATUS && (value & 1u)) {
		raise_status(f); /* as QEMU's: a status written is a status */
	} else if (offset == CHANNEL_REG_INTR_STATUS) {
		__atomic_store_n(&f->status, 0, __ATOMIC_SEQ_CST);
	} else if (offset == CHANNEL_REG_DOORBELL) {
		channel_ring(v->partition, (u32)(f - v->fn)); /* its k-th channel, whatever value */
	}
}
