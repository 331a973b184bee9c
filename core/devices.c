/* The devices a partition owns: see devices.h. */
#include "core/devices.h"
#include "core/conmux.h"
#include "core/conopts.h"
#include "core/dma_identity.h"
#include "core/iommu.h"
#include "core/error.h"
#include "core/guest_acpi.h"
#include "core/lib/format.h"
#include "core/lib/string.h"
#include "core/lib/ioapic_regs.h"
#include "core/lib/pci_regs.h"
#include "core/log.h"
#include "core/partition.h"
#include "core/partition_state.h"
#include "core/vmsix.h"

/* The tables a Linux partition will get, built once at boot to see that they can be. */
static u8 acpi_scratch[GUEST_ACPI_MAX_BYTES(PT_MAX_CPUS)];

static const char *device_name(const struct pt_device *d)
{
	return d->name ? d->name : "?";
}

/* "e1000 (00:02.0)" or "com2 (ports 0x2f8-0x2ff)" */
static void describe(const struct pt_device *d, char *buf, size_t size)
{
	if (d->kind == DEV_PCI)
		format(buf, size, "%s (%02x:%02x.%x)", device_name(d), PT_BDF_BUS(d->bdf),
		       PT_BDF_DEV(d->bdf), PT_BDF_FN(d->bdf));
	else if (d->ports.count)
		format(buf, size, "%s (ports 0x%x-0x%x)", device_name(d), d->ports.base,
		       d->ports.base + d->ports.count - 1);
	else
		format(buf, size, "%s (irq %u)", device_name(d), d->irq);
}

static int check_one(struct partition *p, const struct pt_device *d, char *why, size_t why_size)
{
	struct vpci_fn f;
	u32 pins = arch_ioapic_pins();

	if (d->irq && d->irq >= pins) {
		if (pins)
			format(why, why_size, "irq %u: the machine's I/O APIC has inputs 0-%u",
			       d->irq, pins - 1);
		else
			format(why, why_size, "irq %u: the machine has no I/O APIC at gsi 0",
			       d->irq);
		return ERR(E_RANGE);
	}
	if (d->kind == DEV_LEGACY) {
		/* an interrupt line alone (the HPET's) has no port to look at */
		if (d->ports.count && arch_ports_float(d->ports.base, d->ports.count)) {
			format(why, why_size, "absent: every port reads 0xff");
			return ERR(E_NOTFOUND);
		}
		return 0;
	}
	if (vpci_probe(&f, d, why, why_size))
		return ERR(E_NOTFOUND);
	/* Bulkhead reads and writes its MSI-X table itself: uncached (the probe's masking is
	 * done again through that mapping). */
	if (f.msix_table) {
		arch_mmio_uncached(f.msix_hole, f.msix_hole_end - f.msix_hole);
		vmsix_mask_all(&f);
	}
	vpci_add(&p->vpci, &f);
	return 0;
}

/* What of the machine Bulkhead keeps that a table cannot know of: the PCI MMCONFIG area
 * (it reaches every function's configuration space) and the IOMMU's registers (they decide
 * where every device may DMA). Neither may lie under a partition's region or BAR. Nor may
 * the console's UART, chosen on the command line, be among its ports or its interrupt be a
 * device's (COM1's, the default, tools/ptcheck refuses already). */
static const char *kept_at(u64 base, u64 size)
{
	if (arch_mmconfig_overlaps(base, size))
		return "the machine's PCI MMCONFIG area";
	if (arch_iommu_overlaps(base, size))
		return "the IOMMU's registers";
	return NULL;
}

static int check_kept(const struct partition_config *c, char *why, size_t why_size)
{
	const char *what;

	/* The console UART, chosen at boot (console=): its ports and its interrupt. */
	if (console_port_conflict(c, conmux_port(), why, why_size))
		return ERR(E_RANGE);

	for (u32 i = 0; i < c->mem.count && i < PT_MAX_REGIONS; i++) {
		const struct pt_region *r = &c->mem.r[i];

		what = kept_at(r->phys, r->size);
		if (what) {
			format(why, why_size,
			       "mem[%u]: 0x%llx-0x%llx overlaps %s, which Bulkhead keeps", i,
			       (unsigned long long)r->phys, (unsigned long long)(r->phys + r->size),
			       what);
			return ERR(E_RANGE);
		}
	}
	for (u32 i = 0; i < c->devices.count && i < PT_MAX_DEVICES; i++)
		for (u32 b = 0; b < PT_MAX_BARS; b++) {
			const struct pt_bar *bar = &c->devices.d[i].bar[b];

			what = bar->kind == BAR_MEM ? kept_at(bar->base, bar->size) : NULL;
			if (what) {
				format(why, why_size, "device %s: bar%u overlaps %s",
				       device_name(&c->devices.d[i]), b, what);
				return ERR(E_RANGE);
			}
		}
	return 0;
}

/* Where its devices may DMA: with the IOMMU, only into its domain (which must have been
 * built); without, anywhere, so its memory must be where its driver thinks it is. */
int devices_check_dma(const struct partition_config *c, u32 index, char *why, size_t why_size)
{
	if (iommu_active()) {
		if (!iommu_problem(index))
			return 0;
		format(why, why_size, "iommu: %s", iommu_problem(index));
		return ERR(E_RANGE);
	}
	return dma_identity_problem(c, why, why_size) ? ERR(E_RANGE) : 0;
}

/* "partition linux: channel samples: pci 00:10.0, registers 0xfec80000, memory 0x8000000
 * (64 KiB, read-only), i/o apic input 24" */
static void report_channels(const struct partition *p)
{
	for (u32 i = 0; i < p->vchan.count; i++) {
		const struct vchan_fn *f = &p->vchan.fn[i];

		log_info("partition %s: channel %s: pci %02x:%02x.%x, registers 0x%llx, memory "
			 "0x%llx (%llu KiB, %s), i/o apic input %u\n",
			 p->cfg->name, partition_table.channels.c[f->channel].name,
			 PT_BDF_BUS(f->bdf), PT_BDF_DEV(f->bdf), PT_BDF_FN(f->bdf),
			 (unsigned long long)f->regs, (unsigned long long)f->mem,
			 (unsigned long long)(f->mem_size >> 10),
			 f->writable ? "read-write" : "read-only", f->pin);
	}
}

int devices_check(struct partition *p, u32 index, char *why, size_t why_size)
{
	const struct partition_config *c = p->cfg;
	char reason[128], name[48];
	u32 start_bus, end_bus;
	u64 base;

	if (check_kept(c, why, why_size) || devices_check_dma(c, index, why, why_size))
		return ERR(E_RANGE);
	vpci_init(&p->vpci, index, c);
	vioapic_init(&p->vioapic, index, c);
	if (vchan_init(&p->vchan, index, c, &p->vioapic, why, why_size))
		return ERR(E_RANGE);
	p->vpci.chan = &p->vchan;
	if (arch_mmconfig(&base, &start_bus, &end_bus))
		vpci_set_mmcfg(&p->vpci, base, start_bus, end_bus);
	for (u32 i = 0; i < c->devices.count && i < PT_MAX_DEVICES; i++) {
		const struct pt_device *d = &c->devices.d[i];

		if (check_one(p, d, reason, sizeof(reason))) {
			describe(d, name, sizeof(name));
			format(why, why_size, "device %s: %s", name, reason);
			return ERR(E_NOTFOUND);
		}
	}
	devices_acpi(p, &p->acpi);
	report_channels(p);
	if (c->kind == PART_LINUX &&
	    !guest_acpi_build(acpi_scratch, sizeof(acpi_scratch), 0, &p->acpi)) {
		format(why, why_size,
		       "devices: its ACPI tables cannot describe them (functions of one device "
		       "whose pin is wired to different inputs?)");
		return ERR(E_INVAL);
	}
	return 0;
}

/* A memory BAR at its own address, uncached, but for the pages of an MSI-X table in it, which
 * are emulated (core/vmsix.c). */
static int map_bar(struct partition *p, const struct pt_device *d, const struct pt_bar *bar)
{
	u64 start = bar->base, end = bar->base + bar->size, hole = end, hole_end = end;

	for (u32 i = 0; i < p->vpci.count; i++) {
		const struct vpci_fn *f = &p->vpci.fn[i];

		if (f->dev == d && f->msix_table && f->msix_hole >= start && f->msix_hole < end) {
			hole = f->msix_hole;
			hole_end = f->msix_hole_end;
		}
	}
	if (hole > start && arch_vm_map(&p->vm, start, start, hole - start, MEM_RW, true))
		return ERR(E_NOMEM);
	if (hole_end < end && arch_vm_map(&p->vm, hole_end, hole_end, end - hole_end, MEM_RW, true))
		return ERR(E_NOMEM);
	return 0;
}

int devices_map(struct partition *p, char *why, size_t why_size)
{
	const struct partition_config *c = p->cfg;

	for (u32 i = 0; i < c->devices.count && i < PT_MAX_DEVICES; i++) {
		const struct pt_device *d = &c->devices.d[i];

		if (d->kind == DEV_LEGACY)
			arch_vm_grant_ports(&p->vm, d->ports.base, d->ports.count);
		for (u32 b = 0; d->kind == DEV_PCI && b < PT_MAX_BARS; b++) {
			const struct pt_bar *bar = &d->bar[b];

			if (bar->kind == BAR_IO)
				arch_vm_grant_ports(&p->vm, (u32)bar->base, (u32)bar->size);
			if (bar->kind == BAR_MEM && map_bar(p, d, bar)) {
				format(why, why_size, "device %s: bar%u 0x%llx-0x%llx not mapped",
				       device_name(d), b, (unsigned long long)bar->base,
				       (unsigned long long)(bar->base + bar->size));
				return ERR(E_NOMEM);
			}
		}
	}
	return 0;
}

void devices_start(struct partition *p)
{
	spin_lock(&p->dev_lock);
	vioapic_reset(&p->vioapic);
	vchan_reset(&p->vchan);
	vpci_start(&p->vpci);
	spin_unlock(&p->dev_lock);
}

/* Called once the state says stopped or restarting: an access of its other CPUs that comes
 * later finds that and is dropped; one under way finishes first. */
void devices_stop(struct partition *p)
{
	spin_lock(&p->dev_lock);
	vioapic_reset(&p->vioapic);
	vchan_reset(&p->vchan);
	vpci_quiesce(&p->vpci);
	spin_unlock(&p->dev_lock);
}

bool devices_pci(const struct partition *p)
{
	if (p->vchan.count)
		return true;
	for (u32 i = 0; i < p->cfg->devices.count && i < PT_MAX_DEVICES; i++)
		if (p->cfg->devices.d[i].kind == DEV_PCI)
			return true;
	return false;
}

bool devices_ioapic(const struct partition *p)
{
	if (p->vchan.count)
		return true;
	for (u32 i = 0; i < p->cfg->devices.count && i < PT_MAX_DEVICES; i++)
		if (p->cfg->devices.d[i].irq)
			return true;
	return false;
}

/* A PCI pin's input is level-triggered and active-low (PCI Local Bus 3.0 §2.2.6) unless the
 * machine's MADT says how that input is wired. A partition owning PCI functions is told of its
 * MMCONFIG window (an MCFG, reserved in its e820 map), unless one of its own regions covers
 * part of it: that part is then mapped, not emulated. */
void devices_acpi(struct partition *p, struct guest_acpi_platform *plat)
{
	const struct vpci *v = &p->vpci;
	u64 lo = v->mmcfg_base + ((u64)v->mmcfg_start << 20);
	u64 hi = v->mmcfg_base + ((u64)(v->mmcfg_end + 1) << 20);
	bool window = v->mmcfg_base && (v->count || p->vchan.count);
	u32 n = 0;

	for (u32 i = 0; i < p->vpci.count; i++) {
		const struct vpci_fn *f = &p->vpci.fn[i];
		struct guest_acpi_pci *out = &p->acpi_pci[n++];

		*out = (struct guest_acpi_pci){
		    .bdf = f->bdf, .pin = f->dev->irq ? f->pin : 0, .gsi = f->dev->irq};
		if (!arch_gsi_wiring(out->gsi, &out->level, &out->active_low)) {
			out->level = true;
			out->active_low = true;
		}
	}
	/* A channel's INTA: a virtual input, edge-triggered and active-high as Bulkhead raises
	 * it (one interrupt each time INTA becomes asserted). */
	for (u32 i = 0; i < p->vchan.count; i++) {
		const struct vchan_fn *f = &p->vchan.fn[i];

		p->acpi_pci[n++] = (struct guest_acpi_pci){.bdf = f->bdf,
							   .pin = 1,
							   .gsi = f->pin,
							   .ram_bar = f->mem,
							   .ram_bar_size = f->mem_size};
	}
	plat->apic_ids = p->cfg->cpus.apic_id;
	plat->cpu_count = p->cfg->cpus.count;
	plat->ioapic = devices_ioapic(p);
	plat->ioapic_id = arch_ioapic_id();
	plat->ioapic_gsi_base = 0;
	plat->pci = p->acpi_pci;
	plat->pci_count = n;
	plat->iso = NULL;
	plat->iso_count = 0;
	for (u32 i = 0; i < p->cfg->mem.count && i < PT_MAX_REGIONS; i++) {
		const struct pt_region *r = &p->cfg->mem.r[i];

		if (r->guest < hi && lo < r->guest + r->size)
			window = false;
	}
	plat->mmcfg_base = window ? v->mmcfg_base : 0;
	plat->mmcfg_start = window ? v->mmcfg_start : 0;
	plat->mmcfg_end = window ? v->mmcfg_end : 0;
}

/* "irq 9 -> apic 1 vector 0x22 level" or "irq 3 masked": the machine's entry, as it is. */
static void describe_irq(u32 irq, char *buf, size_t size)
{
	u64 rte = arch_ioapic_read(irq);

	if (!irq)
		format(buf, size, "no irq");
	else if (rte & RTE_MASKED)
		format(buf, size, "irq %u masked", irq);
	else
		format(buf, size, "irq %u -> apic %u vector 0x%x %s", irq, RTE_DEST(rte),
		       (u32)(rte & RTE_VECTOR), (rte & RTE_LEVEL) ? "level" : "edge");
}

static void report_pci(const struct partition *p, const struct vpci_fn *f, const char *name,
		       const char *irq)
{
	u32 msi = f->msi ? arch_pci_read(f->bdf, f->msi + PCI_MSI_CONTROL, 2) : 0;
	u32 msix = f->msix ? arch_pci_read(f->bdf, f->msix + PCI_MSIX_CONTROL, 2) : 0;

	log_info("devices: %s: %s: command 0x%04x, msi %s, msi-x %s, %s\n", p->cfg->name, name,
		 arch_pci_read(f->bdf, PCI_COMMAND, 2),
		 !f->msi		      ? "none"
		 : (msi & PCI_MSI_CTL_ENABLE) ? "on"
					      : "off",
		 !f->msix			? "none"
		 : (msix & PCI_MSIX_CTL_ENABLE) ? "on"
						: "off",
		 irq);
}

void partitions_report_devices(void)
{
	u32 shown = 0;

	for (u32 i = 0; i < partition_count(); i++) {
		struct partition *p = &parts[i];

		for (u32 k = 0; k < p->cfg->devices.count && k < PT_MAX_DEVICES; k++) {
			const struct pt_device *d = &p->cfg->devices.d[k];
			const struct vpci_fn *f = NULL;
			char name[48], irq[48];

			describe(d, name, sizeof(name));
			describe_irq(d->irq, irq, sizeof(irq));
			for (u32 n = 0; n < p->vpci.count; n++)
				if (p->vpci.fn[n].dev == d)
					f = &p->vpci.fn[n];
			shown++;
			if (p->state == PART_REFUSED)
				log_info("devices: %s: %s: refused at boot\n", p->cfg->name, name);
			else if (f)
				report_pci(p, f, name, irq);
			else
				log_info("devices: %s: %s: %s\n", p->cfg->name, name, irq);
		}
	}
	if (!shown)
		log_info("devices: no partition owns a device\n");
}
