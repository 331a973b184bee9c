/* A partition's MSI-X table: see vmsix.h. */
#include "core/vmsix.h"
#include "arch/x86/arch.h"
#include "core/denied.h"
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

static bool in_table(const struct vpci_fn *f, u64 gpa)
{
	return gpa >= f->msix_table && gpa < f->msix_table + (u64)f->msix_entries * MSIX_ENTRY_SIZE;
}

/* Outside the table, on its pages: the device's own registers (the pending bits among
 * them), passed through as accessed. */
static u64 pass_read(u64 gpa, u32 size)
{
	if (size == 8)
		return rd32(gpa) | (u64)rd32(gpa + 4) << 32;
	return arch_mmio_read(gpa, size);
}

u64 vmsix_read(const struct vpci_fn *f, u64 gpa, u32 size)
{
	if (in_table(f, gpa) && (gpa & (size - 1)))
		return ~0ull; /* the table takes aligned dwords and qwords only (§6.8.2) */
	return pass_read(gpa, size);
}

static void refuse(u32 partition, const struct vpci_fn *f, u32 entry, u32 lo, u32 data,
		   const char *why)
{
	char what[112];

	format(what, sizeof(what), "pci %02x:%02x.%x: msi-x entry %u 0x%x data 0x%x (%s)",
	       PT_BDF_BUS(f->bdf), PT_BDF_DEV(f->bdf), PT_BDF_FN(f->bdf), entry, lo, data, why);
	partition_refused(partition, DENIED_KEY(DENIED_MSI, f->bdf << 12 | entry), false, what,
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

void vmsix_write(u32 partition, const struct partition_config *c, const struct vpci_fn *f, u64 gpa,
		 u32 size, u64 value)
{
	if (!in_table(f, gpa)) {
		if (size == 8) {
			wr32(gpa, (u32)value);
			wr32(gpa + 4, (u32)(value >> 32));
		} else {
			arch_mmio_write(gpa, size, (u32)value);
		}
		return;
	}
	if ((size != 4 && size != 8) || (gpa & (size - 1)))
		return; /* the table takes aligned dwords and qwords only (§6.8.2) */
	write_dword(partition, c, f, gpa, (u32)value);
	if (size == 8)
		write_dword(partition, c, f, gpa + 4, (u32)(value >> 32));
}
