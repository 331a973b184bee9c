/*
 * The probe at boot (see probe.h): the machine described from what the boot found, then the
 * layout core/probe.c writes for it, on the console between two marker lines. Hardware is
 * reached only through arch/x86/arch.h: the CPU list and topology, the I/O APIC, the IOMMU and
 * PCI configuration space.
 */
#include "core/probe.h"
#include "arch/x86/arch.h"
#include "core/log.h"
#include "core/mb2.h"
#include "core/pmem.h"
#include "core/lib/format.h"
#include "core/lib/pci_regs.h"
#include "core/lib/string.h"

/* Size a BAR register as core/vpci.c does (PCI Local Bus 3.0 §6.2.5.1): all-ones in, the mask
 * out, the old value back. */
static u32 size_register(u32 bdf, u32 reg, u32 raw)
{
	u32 mask;

	arch_pci_write(bdf, reg, 4, PCI_BAR_SIZING);
	mask = arch_pci_read(bdf, reg, 4);
	arch_pci_write(bdf, reg, 4, raw);
	return mask;
}

/* BAR `i` as the hardware has it; returns how many registers it takes (1, or 2 for 64-bit). */
static u32 probe_bar(struct probe_pci_fn *f, u32 i)
{
	u32 reg = PCI_BAR0 + 4 * i, raw = arch_pci_read(f->bdf, reg, 4);
	u32 mask = size_register(f->bdf, reg, raw);
	struct pt_bar *out = &f->bar[i];

	*out = (struct pt_bar){BAR_NONE, 0, 0};
	if (raw & PCI_BAR_IO) {
		if (mask & PCI_BAR_IO_MASK)
			*out = (struct pt_bar){BAR_IO, raw & PCI_BAR_IO_MASK,
					       (u64)((~(mask & PCI_BAR_IO_MASK) + 1) & 0xffffu)};
		return 1;
	}
	if (raw & 0x8u)
		f->prefetch |= (u8)(1u << i);
	if ((raw & PCI_BAR_MEM_TYPE) == PCI_BAR_MEM_64 && i + 1 < PT_MAX_BARS) {
		u32 raw_hi = arch_pci_read(f->bdf, reg + 4, 4);
		u32 mask_hi = size_register(f->bdf, reg + 4, raw_hi);
		u64 m = (u64)mask_hi << 32 | (mask & PCI_BAR_MEM_MASK);

		f->bar64 |= (u8)(1u << i);
		if (m)
			*out = (struct pt_bar){
			    BAR_MEM, (u64)raw_hi << 32 | (raw & PCI_BAR_MEM_MASK), ~m + 1};
		return 2;
	}
	if (mask & PCI_BAR_MEM_MASK)
		*out = (struct pt_bar){BAR_MEM, raw & PCI_BAR_MEM_MASK,
				       (u64)(~(mask & PCI_BAR_MEM_MASK) + 1)};
	return 1;
}

/* Every BAR of a type 0 function, decoding off meanwhile (an all-ones BAR would decode at the
 * top of the address space), then the command register as it was. */
static void probe_bars(struct probe_pci_fn *f)
{
	u32 command = arch_pci_read(f->bdf, PCI_COMMAND, 2);

	arch_pci_write(f->bdf, PCI_COMMAND, 2, command & ~(PCI_CMD_IO | PCI_CMD_MEMORY));
	for (u32 i = 0; i < PT_MAX_BARS;)
		i += probe_bar(f, i);
	arch_pci_write(f->bdf, PCI_COMMAND, 2, command);
}

static void describe(struct probe_machine *m, u32 bdf, u32 id, u32 header)
{
	struct probe_pci_fn *f;

	if (m->pci_count == PROBE_MAX_PCI) {
		m->pci_dropped++;
		return;
	}
	f = &m->pci[m->pci_count++];
	memset(f, 0, sizeof(*f));
	f->bdf = bdf;
	f->vendor = (u16)id;
	f->device = (u16)(id >> 16);
	f->class_code = arch_pci_read(bdf, PCI_CLASS_REV, 4) >> 8;
	f->header_type = (u8)(header & PCI_HEADER_TYPE_MASK);
	f->multifunction = header & PCI_HEADER_MULTIFUNCTION;
	f->pin = (u8)arch_pci_read(bdf, PCI_INTERRUPT_PIN, 1);
	f->line = (u8)arch_pci_read(bdf, PCI_INTERRUPT_LINE, 1);
	/* Bridges stay Bulkhead's: their registers are not sized (nor touched). */
	if (f->header_type == 0 && (f->class_code >> 16) != PCI_CLASS_BRIDGE)
		probe_bars(f);
}

void probe_scan_pci(struct probe_machine *m)
{
	m->pci_count = 0;
	m->pci_dropped = 0;
	for (u32 bus = 0; bus < 256; bus++)
		for (u32 dev = 0; dev < 32; dev++)
			for (u32 fn = 0, fns = 1; fn < fns; fn++) {
				u32 bdf = PT_BDF(bus, dev, fn);
				u32 id = arch_pci_read(bdf, PCI_VENDOR_ID, 4);
				u32 header;

				if ((id & 0xffffu) == PCI_VENDOR_NONE || (id & 0xffffu) == 0)
					continue; /* function 0 absent: the device is */
				header = arch_pci_read(bdf, PCI_HEADER_TYPE, 1);
				if (fn == 0 && (header & PCI_HEADER_MULTIFUNCTION))
					fns = 8;
				describe(m, bdf, id, header);
			}
}

void probe_gather(const struct mb2_info *mb, const char *layout, struct probe_machine *m)
{
	const struct pmem_reservation *r = pmem_reservations();
	char why[128];

	memset(m, 0, sizeof(*m));
	strlcpy(m->loader, mb->loader_name, sizeof(m->loader));
	m->uefi = mb->has_efi64 || mb->has_efi32;
	strlcpy(m->layout, layout, sizeof(m->layout));
	for (u32 i = 0; i < arch_cpu_count() && i < MAX_CPUS; i++)
		m->cpus[m->cpu_count++] =
		    (struct probe_cpu){arch_cpu_apic_id(i), arch_cpu_online(i)};
	m->smt_known = arch_cpu_smt_shift(&m->smt_shift);
	for (u32 i = 0; i < mb->mmap_count && m->ram_count < PROBE_MAX_RANGES; i++)
		if (mb->mmap[i].type == MB2_MMAP_AVAILABLE)
			m->ram[m->ram_count++] = (struct probe_range){
			    mb->mmap[i].addr, mb->mmap[i].addr + mb->mmap[i].len};
	for (u32 k = 0; k < pmem_reservation_count() && m->resv_count < PROBE_MAX_RESV; k++) {
		struct probe_reservation *p = &m->resv[m->resv_count++];

		p->start = r[k].start;
		p->end = r[k].end;
		strlcpy(p->name, r[k].name, sizeof(p->name));
	}
	for (u32 i = 0; i < mb->module_count && i < MAX_MODULES; i++) {
		m->modules[i].start = mb->modules[i].start;
		m->modules[i].end = mb->modules[i].end;
		strlcpy(m->modules[i].cmdline, mb->modules[i].cmdline,
			sizeof(m->modules[i].cmdline));
		m->module_count++;
	}
	m->ioapic_pins = arch_ioapic_pins();
	for (u32 irq = 0; irq < 16; irq++)
		m->isa_gsi[irq] = arch_isa_irq_gsi(irq);
	m->iommu = arch_iommu_probe(why, sizeof(why));
	probe_scan_pci(m);
}

/* ~11 KiB: kept off the boot CPU's stack. */
static struct probe_machine machine;

/* The probe's lines are what the user asked for: written whatever the log level. */
static void say(const char *line)
{
	console_write(line, strlen(line));
}

static void print_line(void *ctx, const char *line)
{
	char buf[256];

	(void)ctx;
	format(buf, sizeof(buf), "%s%s%s\n", PROBE_PREFIX, line[0] ? " " : "", line);
	say(buf);
}

void probe_run(const struct mb2_info *mb, const char *layout)
{
	char buf[320], summary[256];

	if (!probe_layout_name_ok(layout)) {
		format(
		    buf, sizeof(buf),
		    "bulkhead: probe: layout name \"%.31s\" is not 1-31 letters, digits, - or _: "
		    "\"%s\" instead\n",
		    layout, PROBE_LAYOUT_NAME);
		say(buf);
		layout = PROBE_LAYOUT_NAME;
	}
	probe_gather(mb, layout, &machine);
	probe_summary(&machine, summary, sizeof(summary));
	format(buf, sizeof(buf), "bulkhead: probe: %s\n", summary);
	say(buf);
	say(PROBE_BEGINS "\n");
	probe_write_layout(&machine, print_line, NULL);
	say(PROBE_ENDS "\n");
}
