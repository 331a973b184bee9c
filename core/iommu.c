/* DMA and interrupt isolation with the IOMMU: see iommu.h. */
#include "core/iommu.h"
#include "arch/x86/arch.h"
#include "core/lib/format.h"
#include "core/lib/msi.h"
#include "core/error.h"
#include "core/log.h"
#include "core/msi_check.h"
#include "core/partition.h"
#include "core/pmem.h"

/* A remapping entry never written: a message naming it is blocked (MSI-X entries past the
 * ones a device gets). */
#define IRTE_BLOCKED                                                                               \
	(IOMMU_IRTE_DEVICES + PT_MAX_PARTITIONS * PT_MAX_DEVICES * IOMMU_IRTE_PER_DEVICE)

enum report_kind { REPORT_DMA = 1, REPORT_INTERRUPT = 2 };

static bool active;
static const char *problem[PT_MAX_PARTITIONS];
static u8 reported[PT_MAX_PARTITIONS][PT_MAX_DEVICES]; /* enum report_kind bits */
static u32 faults[PT_MAX_PARTITIONS][PT_MAX_DEVICES];

/* Requesters that belong to no partition: reported once each, the first few. */
#define STRANGERS 8
static u16 strangers[STRANGERS];
static u32 stranger_count;

static const struct partition_config *cfg(u32 i)
{
	return &partition_table.parts.p[i];
}

static u32 parts(void)
{
	u32 n = partition_table.parts.count;

	return n < PT_MAX_PARTITIONS ? n : PT_MAX_PARTITIONS;
}

static u32 devices(const struct partition_config *c)
{
	return c->devices.count < PT_MAX_DEVICES ? c->devices.count : PT_MAX_DEVICES;
}

static u32 domain_of(u32 partition)
{
	return partition + 1;
}

bool iommu_active(void)
{
	return active;
}

bool iommu_remaps_interrupts(void)
{
	return active && arch_iommu_remaps_interrupts();
}

const char *iommu_problem(u32 partition)
{
	return partition < PT_MAX_PARTITIONS ? problem[partition] : NULL;
}

/* Its RAM and shared regions, at the addresses its devices are given (guest-physical). */
static void map_domain(u32 i)
{
	const struct partition_config *c = cfg(i);

	for (u32 r = 0; r < c->mem.count && r < PT_MAX_REGIONS; r++) {
		const struct pt_region *m = &c->mem.r[r];

		if (m->kind != REGION_RAM && m->kind != REGION_SHARED)
			continue;
		if (arch_iommu_overlaps(m->phys, m->size)) {
			problem[i] = "a memory region covers the IOMMU's registers";
			return;
		}
		if (arch_iommu_map(domain_of(i), i, m->guest, m->phys, m->size,
				   m->access & MEM_RW)) {
			problem[i] = "a memory region cannot be mapped for its devices";
			return;
		}
	}
}

static void attach_devices(u32 i)
{
	const struct partition_config *c = cfg(i);

	for (u32 k = 0; k < devices(c); k++) {
		const struct pt_device *d = &c->devices.d[k];

		if (d->kind != DEV_PCI)
			continue;
		int err = arch_iommu_attach(d->bdf, problem[i] ? 0 : domain_of(i));

		if (err && !problem[i])
			problem[i] = err == E_INVAL
					 ? "one of its functions has the source-id of the "
					   "I/O APIC or the HPET"
					 : "no IOMMU unit translates one of its functions";
	}
}

/* Where an RMRR may be mapped: a sane range outside all usable RAM (firmware keeps its
 * reserved memory out of the memory map's RAM; Bulkhead, its tables and every partition's
 * memory are in it). NULL, or why not. */
static const char *rmrr_problem(u64 base, u64 end)
{
	const struct pmem_range *ram = pmem_ranges();

	if (end <= base)
		return "malformed";
	for (u32 i = 0; i < pmem_range_count(); i++)
		if (base < ram[i].end && ram[i].start < end)
			return "it lies in usable RAM";
	return NULL;
}

static void map_rmrr(u32 i, const struct pt_device *d, u64 base, u64 end, const char *why)
{
	u64 from = base & ~0xfffull, to = (end + 0xfff) & ~0xfffull;

	if (!why && arch_iommu_map(domain_of(i), i, from, from, to - from, MEM_RW))
		why = "it overlaps the partition's own memory";
	if (why)
		log_warn("iommu: reserved region 0x%llx-0x%llx for %02x:%02x.%x: not mapped: %s\n",
			 (unsigned long long)base, (unsigned long long)end - 1, PT_BDF_BUS(d->bdf),
			 PT_BDF_DEV(d->bdf), PT_BDF_FN(d->bdf), why);
	else
		log_info("iommu: reserved region 0x%llx-0x%llx for %02x:%02x.%x: mapped 1:1 for "
			 "partition %s\n",
			 (unsigned long long)base, (unsigned long long)end - 1, PT_BDF_BUS(d->bdf),
			 PT_BDF_DEV(d->bdf), PT_BDF_FN(d->bdf), cfg(i)->name);
}

/* An RMRR is memory firmware's own code has a device use (USB legacy keyboards, graphics):
 * mapped 1:1 only in the domain of the partition owning a device it names, and said. */
static void honour_rmrrs(void)
{
	for (u32 n = 0; n < arch_iommu_rmrr_count(); n++) {
		u64 base, end;
		bool used = false;

		arch_iommu_rmrr(n, &base, &end);
		for (u32 i = 0; i < parts(); i++)
			for (u32 k = 0; k < devices(cfg(i)) && !partition_refused_at_boot(i); k++) {
				const struct pt_device *d = &cfg(i)->devices.d[k];

				if (d->kind != DEV_PCI || !arch_iommu_rmrr_names(n, d->bdf))
					continue;
				used = true;
				map_rmrr(i, d, base, end, rmrr_problem(base, end));
			}
		if (!used)
			log_info("iommu: reserved region 0x%llx-0x%llx: for no device of a "
				 "partition, not mapped\n",
				 (unsigned long long)base, (unsigned long long)end - 1);
	}
}

void iommu_setup(void)
{
	char why[128];

	if (!arch_iommu_probe(why, sizeof(why))) {
		log_info("bulkhead: dma: no iommu (%s): a partition with a bus-master device needs "
			 "its memory mapped guest = host and is trusted with DMA\n",
			 why);
		return;
	}
	for (u32 i = 0; i < parts(); i++)
		if (!partition_refused_at_boot(i)) /* a refused one's devices stay blocked */
			map_domain(i);
	for (u32 i = 0; i < parts(); i++)
		if (!partition_refused_at_boot(i))
			attach_devices(i);
	honour_rmrrs();
	if (arch_iommu_enable()) {
		log_err("bulkhead: dma: the iommu would not come up: as without one\n");
		for (u32 i = 0; i < parts(); i++)
			problem[i] = NULL;
		return;
	}
	active = true;
	log_info("bulkhead: dma: iommu (vt-d, %u unit%s), interrupt remapping %s: a device "
		 "reaches only its partition's memory%s\n",
		 arch_iommu_units(), arch_iommu_units() == 1 ? "" : "s",
		 arch_iommu_remaps_interrupts() ? "on" : "off",
		 arch_iommu_remaps_interrupts()
		     ? ""
		     : "; a bus-master device can still interrupt any CPU (a DMA write to "
		       "0xfee00000-0xfeefffff), so its partition is trusted with interrupts");
}

bool iommu_reaches(u32 partition, u64 iova)
{
	return active && arch_iommu_translates(domain_of(partition), iova);
}

void iommu_detach(u32 partition)
{
	const struct partition_config *c;

	if (!active || partition >= parts())
		return;
	c = cfg(partition);
	for (u32 k = 0; k < devices(c); k++)
		if (c->devices.d[k].kind == DEV_PCI)
			arch_iommu_attach(c->devices.d[k].bdf, 0);
}

/* ---- reports ------------------------------------------------------------------------------ */

static bool first_time(u32 i, u32 k, enum report_kind kind)
{
	bool first = !(reported[i][k] & kind);

	reported[i][k] |= (u8)kind;
	return first;
}

static void report(u32 bdf, const char *owner, const char *what)
{
	log_warn("iommu: %02x:%02x.%x of %s: %s blocked\n", PT_BDF_BUS(bdf), PT_BDF_DEV(bdf),
		 PT_BDF_FN(bdf), owner, what);
}

static void report_owned(u32 i, u32 k, enum report_kind kind, const char *what)
{
	char owner[48];

	if (!first_time(i, k, kind))
		return;
	format(owner, sizeof(owner), "partition %s", cfg(i)->name);
	report(cfg(i)->devices.d[k].bdf, owner, what);
}

void iommu_forget_reports(void)
{
	for (u32 i = 0; i < PT_MAX_PARTITIONS; i++)
		for (u32 k = 0; k < PT_MAX_DEVICES; k++)
			reported[i][k] = 0;
}

/* ---- interrupts --------------------------------------------------------------------------- */

static u32 irte_index(u32 partition, u32 slot, u32 entry)
{
	return IOMMU_IRTE_DEVICES + (partition * PT_MAX_DEVICES + slot) * IOMMU_IRTE_PER_DEVICE +
	       entry;
}

void iommu_msi(u32 partition, u32 slot, u32 bdf, u32 entry, u32 count, u32 addr_lo, u32 addr_hi,
	       u32 data, u32 *dev_lo, u32 *dev_hi, u32 *dev_data)
{
	const struct partition_config *c = cfg(partition);
	const char *why = entry + count > IOMMU_IRTE_PER_DEVICE
			      ? "beyond the 32 vectors a device may use"
			      : msi_problem(c, addr_lo, addr_hi, data, count);
	u32 vector = MSI_DATA_VECTOR(data) & ~(count - 1);
	struct arch_irte e = {
	    .sid = (u16)bdf,
	    .apic_id = MSI_ADDR_DEST(addr_lo),
	    .lowest = MSI_DATA_DELMODE(data) == 1,
	};
	char what[112];

	*dev_hi = 0;
	if (entry + count > IOMMU_IRTE_PER_DEVICE) {
		arch_iommu_msi_message(IRTE_BLOCKED, false, dev_lo, dev_data);
		count = 0;
	} else {
		arch_iommu_msi_message(irte_index(partition, slot, entry), count > 1, dev_lo,
				       dev_data);
	}
	for (u32 n = 0; n < count; n++) {
		e.vector = (u8)(vector + n);
		if (why || arch_iommu_irte(irte_index(partition, slot, entry + n), &e))
			arch_iommu_irte(irte_index(partition, slot, entry + n), NULL);
	}
	if (why) {
		format(what, sizeof(what), "msi data 0x%x (%s) at 0x%x", data, why, addr_lo);
		report_owned(partition, slot, REPORT_INTERRUPT, what);
	}
}

/* ---- faults ------------------------------------------------------------------------------- */

bool iommu_owner(u32 sid, u32 *partition, u32 *slot)
{
	for (u32 i = 0; i < parts(); i++)
		for (u32 k = 0; k < devices(cfg(i)); k++)
			if (cfg(i)->devices.d[k].kind == DEV_PCI &&
			    cfg(i)->devices.d[k].bdf == sid) {
				*partition = i;
				*slot = k;
				return true;
			}
	return false;
}

static void describe_fault(const struct arch_iommu_fault *f, char *buf, size_t size)
{
	if (f->interrupt)
		format(buf, size, "interrupt (remapping entry %llu, reason 0x%x) at 0xfee00000",
		       (unsigned long long)f->addr, f->reason);
	else
		format(buf, size, "dma %s (reason 0x%x) at 0x%llx", f->read ? "read" : "write",
		       f->reason, (unsigned long long)f->addr);
}

static void stranger(const struct arch_iommu_fault *f, const char *what)
{
	u32 known = stranger_count < STRANGERS ? stranger_count : STRANGERS;

	for (u32 n = 0; n < known; n++)
		if (strangers[n] == f->sid)
			return;
	if (stranger_count < STRANGERS) {
		strangers[stranger_count++] = f->sid;
		report(f->sid, "no partition", what);
	} else if (stranger_count == STRANGERS) {
		stranger_count++; /* said once, then silent */
		log_warn("iommu: more requesters of no partition are blocked; not named\n");
	}
}

static void handle(const struct arch_iommu_fault *f)
{
	char what[96];
	u32 i, k;

	describe_fault(f, what, sizeof(what));
	if (!iommu_owner(f->sid, &i, &k)) {
		stranger(f, what);
		return;
	}
	faults[i][k]++;
	report_owned(i, k, f->interrupt ? REPORT_INTERRUPT : REPORT_DMA, what);
	if (cfg(i)->dma_fault != DMA_FAULT_REPORT)
		partition_device_fault(i);
}

u32 iommu_poll(struct arch_iommu_fault *last)
{
	struct arch_iommu_fault f;
	u32 n = 0;

	if (!active)
		return 0;
	while (n < IOMMU_POLL_MAX && arch_iommu_fault(&f)) {
		handle(&f);
		if (last)
			*last = f;
		n++;
	}
	return n;
}
