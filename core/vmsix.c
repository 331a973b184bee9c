/* A partition's MSI-X table: see vmsix.h. */
#include "core/vmsix.h"
#include "arch/x86/arch.h"
#include "core/denied.h"
#include "core/iommu.h"
#include "core/lib/format.h"
#include "core/lib/pci_regs.h"
#include "core/msi_check.h"
#include "core/upcalls.h"
#include "core/vpci.h"

#define PAGE_4K	     0x1000ull
#define BULKHEAD_MAP (4ull << 30) /* what Bulkhead maps for itself: the low 4 GiB */

static u32 rd32(u64 phys)
{
	return arch_mmio_read(phys, 4);
}

static void wr32(u64 phys, u32 value)
{
	arch_mmio_write(phys, 4, value);
}

bool vmsix_probe(struct vpci_fn *f)
{
	u32 ctl = arch_pci_read(f->bdf, f->msix + PCI_MSIX_CONTROL, 2);
	u32 where = arch_pci_read(f->bdf, f->msix + MSIX_TABLE_OFFSET, 4);
	u32 bir = where & MSIX_BIR_MASK;
	const struct pt_bar *bar = bir < PT_MAX_BARS ? &f->dev->bar[bir] : NULL;
	u64 table, end;

	f->msix_entries = (u16)((ctl & MSIX_CTL_SIZE) + 1);
	f->msix_where = where;
	if (!bar || bar->kind != BAR_MEM)
		return false;
	table = bar->base + (where & ~MSIX_BIR_MASK);
	end = table + (u64)f->msix_entries * MSIX_ENTRY_SIZE;
	if (end > bar->base + bar->size || end > BULKHEAD_MAP)
		return false;
	f->msix_table = table;
	f->msix_hole = table & ~(PAGE_4K - 1);
	f->msix_hole_end = (end + PAGE_4K - 1) & ~(PAGE_4K - 1);
	return true;
}

void vmsix_mask_all(const struct vpci_fn *f)
{
	for (u32 i = 0; f->msix_table && i < f->msix_entries; i++) {
		u64 ctl = f->msix_table + i * MSIX_ENTRY_SIZE + MSIX_VECTOR_CTL;

		wr32(ctl, rd32(ctl) | MSIX_CTL_MASKED);
	}
}

bool vmsix_claims(const struct vpci_fn *f, u64 gpa)
{
	return f->msix_table && gpa >= f->msix_hole && gpa < f->msix_hole_end;
}

static u64 table_end(const struct vpci_fn *f)
{
	return f->msix_table + (u64)f->msix_entries * MSIX_ENTRY_SIZE;
}

/* Does [gpa, gpa + size) touch the table? Decided by overlap, not by where an access starts:
 * one that begins just before the table and runs into it is a table access too. */
static bool touches_table(const struct vpci_fn *f, u64 gpa, u32 size)
{
	return gpa < table_end(f) && gpa + size > f->msix_table;
}

/* The table takes aligned dwords and qwords within it (§6.8.2); anything else touching it is
 * dropped (writes) or reads all-ones. */
static bool table_access_ok(const struct vpci_fn *f, u64 gpa, u32 size)
{
	return (size == 4 || size == 8) && !(gpa & (size - 1)) && gpa >= f->msix_table &&
	       gpa + size <= table_end(f);
}

/* Outside the table, on its pages: the device's own registers (the pending bits among
 * them), passed through as accessed. */
static u64 pass_read(u64 gpa, u32 size)
{
	if (size == 8)
		return rd32(gpa) | (u64)rd32(gpa + 4) << 32;
	return arch_mmio_read(gpa, size);
}

/* With interrupt remapping the table holds Bulkhead's messages: an entry's address and data
 * read back as the partition wrote them (entries past the remapped ones as the table has
 * them: the blocked message). */
static u32 table_dword(const struct vpci_fn *f, u64 gpa)
{
	u32 entry = (u32)((gpa - f->msix_table) / MSIX_ENTRY_SIZE);
	u32 at = (u32)((gpa - f->msix_table) % MSIX_ENTRY_SIZE);

	if (iommu_remaps_interrupts() && at != MSIX_VECTOR_CTL && entry < IOMMU_IRTE_PER_DEVICE)
		return f->msix_msg[entry][at / 4];
	return rd32(gpa);
}

u64 vmsix_read(const struct vpci_fn *f, u64 gpa, u32 size)
{
	if (!touches_table(f, gpa, size))
		return pass_read(gpa, size);
	if (!table_access_ok(f, gpa, size))
		return ~0ull; /* all-ones, at the access's width once the caller takes its bytes */
	if (size == 8)
		return table_dword(f, gpa) | (u64)table_dword(f, gpa + 4) << 32;
	return table_dword(f, gpa);
}

static void refuse(u32 partition, const struct vpci_fn *f, u32 entry, u32 lo, u32 data,
		   const char *why)
{
	char what[112];

	format(what, sizeof(what), "pci %02x:%02x.%x: msi-x entry %u 0x%x data 0x%x (%s)",
	       PT_BDF_BUS(f->bdf), PT_BDF_DEV(f->bdf), PT_BDF_FN(f->bdf), entry, lo, data, why);
	partition_refused(partition, DENIED_KEY(DENIED_MSIX, f->bdf << 11 | entry), false, what,
			  "the entry stays masked");
}

/* One aligned dword of an entry. An entry the device may use (unmasked) never holds a
 * message that is not allowed: a change to an unmasked entry's message is checked, and so is
 * the message of an entry being unmasked; a bad one leaves (or puts) the entry masked. */
static void write_dword(u32 partition, const struct partition_config *c, const struct vpci_fn *f,
			u64 gpa, u32 value)
{
	u32 entry = (u32)((gpa - f->msix_table) / MSIX_ENTRY_SIZE);
	u64 e = f->msix_table + (u64)entry * MSIX_ENTRY_SIZE, at = gpa - e;
	u32 lo = at == MSIX_ADDR_LO ? value : rd32(e + MSIX_ADDR_LO);
	u32 hi = at == MSIX_ADDR_HI ? value : rd32(e + MSIX_ADDR_HI);
	u32 data = at == MSIX_DATA ? value : rd32(e + MSIX_DATA);
	u32 ctl = rd32(e + MSIX_VECTOR_CTL);
	bool unmasked =
	    at == MSIX_VECTOR_CTL ? !(value & MSIX_CTL_MASKED) : !(ctl & MSIX_CTL_MASKED);
	const char *why = unmasked ? msi_problem(c, lo, hi, data, 1) : NULL;

	if (at == MSIX_VECTOR_CTL) {
		/* bits 31:1 are reserved: the device's stay */
		wr32(gpa,
		     (ctl & ~MSIX_CTL_MASKED) | (why ? MSIX_CTL_MASKED : value & MSIX_CTL_MASKED));
	} else {
		if (why)
			wr32(e + MSIX_VECTOR_CTL, ctl | MSIX_CTL_MASKED);
		wr32(gpa, value);
	}
	if (why)
		refuse(partition, f, entry, lo, data, why);
}

/* With interrupt remapping: the partition's message is kept; the device's entry holds the
 * message naming this entry's remapping entry, which is (re)built from the kept one whenever
 * the entry is or becomes unmasked (core/iommu.c). A masked entry may hold anything. */
static void write_dword_remapped(u32 partition, const struct partition_config *c, struct vpci_fn *f,
				 u64 gpa, u32 value)
{
	u32 entry = (u32)((gpa - f->msix_table) / MSIX_ENTRY_SIZE);
	u64 e = f->msix_table + (u64)entry * MSIX_ENTRY_SIZE, at = gpa - e;
	u32 *m = entry < IOMMU_IRTE_PER_DEVICE ? f->msix_msg[entry] : NULL;
	u32 ctl = rd32(e + MSIX_VECTOR_CTL), lo, hi, data;
	bool unmasked =
	    at == MSIX_VECTOR_CTL ? !(value & MSIX_CTL_MASKED) : !(ctl & MSIX_CTL_MASKED);

	if (at != MSIX_VECTOR_CTL && m)
		m[at / 4] = value;
	if (unmasked) {
		iommu_msi(partition, (u32)(f->dev - c->devices.d), f->bdf, entry, 1, m ? m[0] : 0,
			  m ? m[1] : 0, m ? m[2] : 0, &lo, &hi, &data);
		wr32(e + MSIX_ADDR_LO, lo);
		wr32(e + MSIX_ADDR_HI, hi);
		wr32(e + MSIX_DATA, data);
	}
	if (at == MSIX_VECTOR_CTL) /* bits 31:1 are reserved: the device's stay */
		wr32(gpa, (ctl & ~MSIX_CTL_MASKED) | (value & MSIX_CTL_MASKED));
}

void vmsix_write(u32 partition, const struct partition_config *c, struct vpci_fn *f, u64 gpa,
		 u32 size, u64 value)
{
	if (!touches_table(f, gpa, size)) {
		if (size == 8) {
			wr32(gpa, (u32)value);
			wr32(gpa + 4, (u32)(value >> 32));
		} else {
			arch_mmio_write(gpa, size, (u32)value);
		}
		return;
	}
	if (!table_access_ok(f, gpa, size))
		return;
	if (iommu_remaps_interrupts()) {
		write_dword_remapped(partition, c, f, gpa, (u32)value);
		if (size == 8)
			write_dword_remapped(partition, c, f, gpa + 4, (u32)(value >> 32));
		return;
	}
	write_dword(partition, c, f, gpa, (u32)value);
	if (size == 8)
		write_dword(partition, c, f, gpa + 4, (u32)(value >> 32));
}

/* Every unmasked entry holding a message the row does not allow is masked, named once.
 * False if the table cannot be read (decoding off: all-ones). */
bool vmsix_check_all(u32 partition, const struct partition_config *c, const struct vpci_fn *f)
{
	if (iommu_remaps_interrupts())
		return true; /* the entries hold Bulkhead's messages; the remapping entries decide
			      */
	for (u32 i = 0; f->msix_table && i < f->msix_entries; i++) {
		u64 e = f->msix_table + (u64)i * MSIX_ENTRY_SIZE;
		u32 ctl = rd32(e + MSIX_VECTOR_CTL), lo, data;
		const char *why;

		if (ctl == ~0u)
			return false;
		if (ctl & MSIX_CTL_MASKED)
			continue;
		lo = rd32(e + MSIX_ADDR_LO);
		data = rd32(e + MSIX_DATA);
		why = msi_problem(c, lo, rd32(e + MSIX_ADDR_HI), data, 1);
		if (why) {
			wr32(e + MSIX_VECTOR_CTL, ctl | MSIX_CTL_MASKED);
			refuse(partition, f, i, lo, data, why);
		}
	}
	return true;
}

bool vmsix_geometry_same(const struct vpci_fn *f)
{
	u32 ctl = arch_pci_read(f->bdf, f->msix + PCI_MSIX_CONTROL, 2);

	return arch_pci_read(f->bdf, f->msix + MSIX_TABLE_OFFSET, 4) == f->msix_where &&
	       (ctl & MSIX_CTL_SIZE) + 1 == f->msix_entries;
}
