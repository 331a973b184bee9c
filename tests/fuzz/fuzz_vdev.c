/*
 * libFuzzer harness for what partitions do to their devices: core/vpci.c (PCI configuration
 * space through 0xcf8-0xcff and the MMCONFIG window), core/vmsix.c (MSI-X tables) and
 * core/vioapic.c (the I/O APIC window), for two partitions on one fake machine defined here.
 *
 *   partition a (index 0): CPUs 0, 1; the NIC at 00:02.0 (memory, I/O and 64-bit BARs, a ROM,
 *                          64-bit MSI with per-vector masking, MSI-X with five entries at
 *                          BAR0 + 0x3000, its pending bits and a register of its own on that
 *                          page, pin INTA), irq 16; COM2, irq 3
 *   partition b (index 1): CPUs 2, 3, 255; 00:03.0 (DEV_NO_DMA; MSI-X first, one entry at
 *                          BAR0 + 0x2000, pending bits on the next page; 32-bit MSI with
 *                          masking; no pin), irq 17; 00:05.0 (I/O BAR, 32-bit MSI, MSI-X whose
 *                          table is in the I/O BAR, so hidden; pin INTB), no irq; COM3, irq 18
 *   nobody:                the host bridge 00:00.0, 00:04.0 (a memory BAR), I/O APIC pins but
 *                          those four
 * Both partitions have an MMCONFIG window at 0xe0000000, buses 0-255.
 *
 * Its three functions reset themselves when 0xb0 is written with bit 0 set (a function-level
 * reset: command, BARs, ROM, MSI and MSI-X enable to their reset values, every MSI-X entry
 * masked) and reload defaults when 0xb4 is (MSI-X on, Interrupt Disable off), as
 * device-specific registers may. A previous owner left every MSI-X entry unmasked with an NMI.
 *
 * Input: 7-byte steps. Byte 0: bit 0 the partition, bits 3:1 the operation, bits 5:4 the size
 * (1, 2, 4, 4; 1, 2, 4, 8 for memory), bit 6 memory instead of ports; byte 1: a port,
 * register or offset; byte 2: a function (one of eight, see pick_bdf) or a pin; bytes 3-6: a
 * value.
 *   0 read a port of 0xcf8-0xcff        1 write one
 *   2 select a function's register      3 select, then write 0xcfc + (register & 3)
 *   4 select, then read it              5 I/O APIC: an access of any size at an offset
 *   6 I/O APIC: IOREGSEL, then IOWIN    7 byte 1 & 3: 0 start, 1 stop (devices_start/stop),
 *                                         2 the machine sets a pin's remote IRR and busy bits
 * With bit 6, an access where the partition's exits would take it (vpci_mmio_claims, within
 * a page), at a page (byte 2 & 3: the NIC's table page, the second function's, the page below
 * the NIC's, 00:04.0's) + byte 1 | (byte 2 bits 5:2) << 8, or in the MMCONFIG window:
 *   0 read on a page                    1 write on a page
 *   2 read MMCONFIG                     3 write MMCONFIG (function as pick_bdf, register
 *   4 write 0xfee00000 | (value & 0xfffff) on a page      byte 1 | (byte 2 bits 6:3) << 8)
 *   5 read MMCONFIG, then compare with the same read through the ports
 *   6, 7 as 0, 1
 *
 * After every step, from the fake hardware and the table alone (not from vpci.c/vioapic.c):
 *   - after boot, a BAR is written only with its firmware value (so never all-ones, not even
 *     while a partition sizes it) and the ROM never; after every write, a function with
 *     decoding on has every BAR at its firmware value (after a reset, they are put back before
 *     decoding is turned on, by a start too);
 *   - no function outside the partition's row and no pin outside its devices' is written;
 *     device memory is written only on the pages of its own functions' MSI-X tables;
 *   - MSI is enabled on a device only with a message valid for its owner: 0xfee00000-
 *     0xfeefffff, upper address 0, physical, one of its CPUs but 0xff, fixed or lowest
 *     priority, edge, every vector of the enabled messages 0x20 or more (layout from the
 *     device's own read-only bits); an MSI-X entry is unmasked only with such a message
 *     (whether MSI-X is enabled or not); hidden MSI-X is never enabled; bus mastering never
 *     on a DEV_NO_DMA function;
 *   - Interrupt Disable is never clear on a function whose pin its row does not route (no pin,
 *     or no .irq), and is set on each of a partition's functions after its stop and its start;
 *     every MSI-X entry is masked after them;
 *   - an unmasked pin has a valid entry for its owner (physical, one of its CPUs but 0xff,
 *     vector 0x20 or more); a pin a partition owns, masked or not, holds nothing but vector,
 *     polarity, trigger, mask and destination (fixed delivery, physical mode, bits 17-55
 *     zero), besides the machine's read-only bits;
 *   - a partition's emulated memory is its own tables' pages and its window, no more; a read
 *     through the window is what the ports read (0 above the first 256 bytes).
 * FUZZ_VERBOSE=1 prints each step.
 */
#include <string.h>

#include "arch/x86/arch.h"
#include "core/iommu.h"
#include "core/upcalls.h"
#include "core/vioapic.h"
#include "core/vpci.h"
#include "tests/fuzz/fuzz.h"

#define NPART 2
#define PINS  24

#define R_COMMAND  0x04
#define R_BAR0	   0x10
#define R_ROM	   0x30
#define R_PIN	   0x3d
#define R_FLR	   0xb0 /* device-specific, bit 0: a function-level reset */
#define R_RELOAD   0xb4 /* device-specific, bit 0: defaults reloaded */
#define CMD_DECODE 0x0003u
#define CMD_BM	   0x0004u
#define CMD_INTX   0x0400u

#define RTE_MASK_BIT (1ull << 16)
#define RTE_RO	     ((1ull << 12) | (1ull << 14)) /* delivery status, remote IRR */
/* What the machine may get: vector, polarity, trigger, mask, destination. */
#define RTE_BUILT (0xffull | (1ull << 13) | (1ull << 15) | (1ull << 16) | (0xffull << 56))

#define PAGE	 0x1000ull
#define MMCFG	 0xe0000000ull /* both partitions' MMCONFIG window, buses 0-255 */
#define NIC_BAR0 0xfebc0000ull
#define SND_BAR0 0xfebf0000ull
#define OTH_BAR0 0xfeb00000ull

/* ---- the fake machine ------------------------------------------------------------------ */

struct fake_fn {
	u32 bdf;
	int owner; /* partition index, -1: nobody's */
	u8 msi;	   /* MSI capability offset, 0 none */
	u8 msix;
	bool no_dma;
	bool resets;	  /* R_FLR and R_RELOAD work */
	bool intx_owned;  /* a pin, and .irq in its row */
	bool msix_hidden; /* its table where Bulkhead cannot reach it */
	u64 table;	  /* its MSI-X table in the fake's memory (0: none or hidden) */
	u32 entries;
	u8 cfg[256];
	u8 wmask[256];
	u32 firmware_bars[7]; /* BAR0-5, ROM */
};

#define NFN 6
static struct fake_fn hw[NFN];
static u64 pins[PINS];
static bool booted;
static int cur = -1; /* the partition whose access is being handled */
static bool verbose;

/* The memory BARs, plain memory: what arch_mmio_read/_write reach. */
struct fake_bar {
	u64 base;
	u32 size;
	u8 *mem;
};

static u8 nic_mem[0x20000], snd_mem[0x4000], oth_mem[0x20000];
static struct fake_bar bars[3] = {{NIC_BAR0, sizeof(nic_mem), nic_mem},
				  {SND_BAR0, sizeof(snd_mem), snd_mem},
				  {OTH_BAR0, sizeof(oth_mem), oth_mem}};

static struct fake_bar *bar_at(u64 phys, u32 size)
{
	for (u32 i = 0; i < 3; i++)
		if (phys >= bars[i].base && phys + size <= bars[i].base + bars[i].size)
			return &bars[i];
	return NULL;
}

static u32 mem(u64 phys)
{
	const struct fake_bar *b = bar_at(phys, 4);
	u32 v = 0;

	for (u32 i = 0; b && i < 4; i++)
		v |= (u32)b->mem[phys - b->base + i] << (8 * i);
	return v;
}

static void mem_set(u64 phys, u32 v)
{
	struct fake_bar *b = bar_at(phys, 4);

	for (u32 i = 0; b && i < 4; i++)
		b->mem[phys - b->base + i] = (u8)(v >> (8 * i));
}

static struct fake_fn *hw_fn(u32 bdf)
{
	for (u32 i = 0; i < NFN; i++)
		if (hw[i].bdf == bdf && hw[i].cfg[0] != 0xff)
			return &hw[i];
	return NULL;
}

static u32 hw_get(const struct fake_fn *f, u32 reg, u32 size)
{
	u32 v = 0;

	for (u32 i = 0; i < size; i++)
		v |= (u32)f->cfg[reg + i] << (8 * i);
	return v;
}

static void hw_set(struct fake_fn *f, u32 reg, u32 size, u32 v, u32 wmask)
{
	for (u32 i = 0; i < size; i++) {
		f->cfg[reg + i] = (u8)(v >> (8 * i));
		f->wmask[reg + i] = (u8)(wmask >> (8 * i));
	}
}

static bool is_bar(u32 reg, u32 size)
{
	return (reg < R_BAR0 + 24 && reg + size > R_BAR0) ||
	       (reg < R_ROM + 4 && reg + size > R_ROM);
}

static bool bars_in_place(const struct fake_fn *f)
{
	for (u32 b = 0; b < 6; b++)
		if (hw_get(f, R_BAR0 + 4 * b, 4) != f->firmware_bars[b])
			return false;
	return true;
}

/* Decoding on only with every BAR where firmware put it. */
static void check_decoding(const struct fake_fn *f)
{
	if (hw_get(f, R_COMMAND, 2) & CMD_DECODE)
		FUZZ_ASSERT(bars_in_place(f));
}

/* Every register at its reset value: what software cannot write kept, the rest 0. */
static void function_reset(struct fake_fn *f)
{
	f->cfg[R_COMMAND] = f->cfg[R_COMMAND + 1] = 0;
	for (u32 reg = R_BAR0; reg < R_ROM + 4; reg++)
		if (is_bar(reg, 1))
			f->cfg[reg] &= (u8)~f->wmask[reg];
	if (f->msi)
		f->cfg[f->msi + 2] &= (u8)~0x71u;
	if (f->msix)
		f->cfg[f->msix + 3] &= (u8)~0x80u;
	for (u32 i = 0; i < f->entries; i++)
		mem_set(f->table + 16 * i + 12, mem(f->table + 16 * i + 12) | 1);
}

static void reload_defaults(struct fake_fn *f)
{
	f->cfg[R_COMMAND + 1] &= (u8) ~(CMD_INTX >> 8);
	if (f->msix)
		f->cfg[f->msix + 3] |= 0x80u;
}

static bool hits_bit0(u32 reg, u32 size, u32 value, u32 at)
{
	return reg <= at && reg + size > at && ((value >> (8 * (at - reg))) & 1);
}

u32 arch_pci_read(u32 bdf, u32 reg, u32 size)
{
	const struct fake_fn *f = hw_fn(bdf);

	FUZZ_ASSERT((size == 1 || size == 2 || size == 4) && reg % size == 0 && reg + size <= 256);
	if (!f)
		return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	return hw_get(f, reg, size);
}

void arch_pci_write(u32 bdf, u32 reg, u32 size, u32 value)
{
	struct fake_fn *f = hw_fn(bdf);

	FUZZ_ASSERT((size == 1 || size == 2 || size == 4) && reg % size == 0 && reg + size <= 256);
	if (booted) {
		/* only the partition's own functions; a BAR only put back, the ROM never */
		FUZZ_ASSERT(f && f->owner == cur);
		if (is_bar(reg, size))
			FUZZ_ASSERT(reg >= R_BAR0 && reg < R_BAR0 + 24 && size == 4 &&
				    value == f->firmware_bars[(reg - R_BAR0) / 4]);
	}
	if (!f)
		return;
	for (u32 i = 0; i < size; i++) {
		u8 b = (u8)(value >> (8 * i)), m = f->wmask[reg + i];

		f->cfg[reg + i] = (u8)((f->cfg[reg + i] & ~m) | (b & m));
	}
	if (f->resets && hits_bit0(reg, size, value, R_FLR))
		function_reset(f);
	if (f->resets && hits_bit0(reg, size, value, R_RELOAD))
		reload_defaults(f);
	if (booted)
		check_decoding(f);
}

/* The pages of a function's MSI-X table (from the harness's own layout). */
static bool on_table_pages(const struct fake_fn *f, u64 phys, u32 size)
{
	u64 first = f->table & ~(PAGE - 1),
	    end = (f->table + 16ull * f->entries + PAGE - 1) & ~(PAGE - 1);

	return f->table && phys >= first && phys + size <= end;
}

static bool entry_valid(const struct fake_fn *f, u32 e);

u32 arch_mmio_read(u64 phys, u32 size)
{
	const struct fake_bar *b = bar_at(phys, size);
	u32 v = 0;

	FUZZ_ASSERT((size == 1 || size == 2 || size == 4) && b);
	for (u32 i = 0; i < size; i++)
		v |= (u32)b->mem[phys - b->base + i] << (8 * i);
	return v;
}

void arch_mmio_write(u64 phys, u32 size, u32 value)
{
	struct fake_bar *b = bar_at(phys, size);
	bool own = false;

	FUZZ_ASSERT((size == 1 || size == 2 || size == 4) && b);
	/* only on the pages of the accessing partition's tables */
	for (u32 i = 0; i < NFN; i++)
		own |= hw[i].owner == cur && on_table_pages(&hw[i], phys, size);
	FUZZ_ASSERT(!booted || own);
	for (u32 i = 0; i < size; i++)
		b->mem[phys - b->base + i] = (u8)(value >> (8 * i));
	/* not even between two writes of one access is an entry unmasked with a bad message */
	for (u32 i = 0; booted && i < NFN; i++)
		for (u32 e = 0; e < hw[i].entries; e++)
			FUZZ_ASSERT(entry_valid(&hw[i], e));
}

u32 arch_ioapic_pins(void)
{
	return PINS;
}

u32 arch_ioapic_id(void)
{
	return 8;
}

u64 arch_ioapic_read(u32 pin)
{
	FUZZ_ASSERT(pin < PINS);
	return pins[pin];
}

/* b owns APIC ID 255, which as a destination is the broadcast all the same */
static const u32 cpus[NPART][3] = {{0, 1}, {2, 3, 0xff}};
static const u32 ncpus[NPART] = {2, 3};
static const u32 owned_pins[NPART][2] = {{16, 3}, {17, 18}};

static int pin_owner(u32 pin)
{
	for (int p = 0; p < NPART; p++)
		if (owned_pins[p][0] == pin || owned_pins[p][1] == pin)
			return p;
	return -1;
}

void arch_ioapic_write(u32 pin, u64 rte)
{
	FUZZ_ASSERT(pin < PINS);
	if (booted)
		FUZZ_ASSERT(pin_owner(pin) == cur);
	pins[pin] = (rte & ~RTE_RO) | (pins[pin] & RTE_RO);
}

/* The machine of this harness has no IOMMU: messages are checked as written (the remapped
 * path is host-tested in tests/unit/test_vpci.c and test_iommu.c). */
/* Channels' functions (core/vchan.c): none here. */
bool vchan_claims(const struct vchan *v, u32 bdf)
{
	(void)v;
	(void)bdf;
	return false;
}

u32 vchan_config_read(const struct vchan *v, u32 bdf, u32 reg)
{
	(void)v;
	(void)bdf;
	(void)reg;
	return ~0u;
}

void vchan_config_write(struct vchan *v, u32 bdf, u32 reg, u32 size, u32 value)
{
	(void)v;
	(void)bdf;
	(void)reg;
	(void)size;
	(void)value;
}

bool iommu_remaps_interrupts(void)
{
	return false;
}

void iommu_msi(u32 partition, u32 slot, u32 bdf, u32 entry, u32 count, u32 addr_lo, u32 addr_hi,
	       u32 data, u32 *dev_lo, u32 *dev_hi, u32 *dev_data)
{
	(void)partition, (void)slot, (void)bdf, (void)entry, (void)count, (void)addr_lo;
	(void)addr_hi, (void)data, (void)dev_lo, (void)dev_hi, (void)dev_data;
	FUZZ_ASSERT(0); /* never called without remapping */
}

void partition_refused(u32 partition, u64 key, bool fault, const char *what, const char *outcome)
{
	FUZZ_ASSERT(booted && (int)partition == cur && !fault && what && outcome);
	(void)key;
	if (verbose)
		printf("    refused (%u): %s: %s\n", partition, what, outcome);
}

/* ---- the machine as firmware left it ---------------------------------------------------- */

static void build_machine(void)
{
	struct fake_fn *f;

	memset(hw, 0, sizeof(hw));
	for (u32 i = 0; i < NFN; i++)
		memset(hw[i].cfg, 0xff, 4); /* absent until set */

	f = &hw[0]; /* 00:00.0 host bridge */
	f->bdf = PT_BDF(0, 0, 0);
	f->owner = -1;
	hw_set(f, 0x00, 4, 0x29c08086u, 0);
	hw_set(f, R_COMMAND, 2, 0x0006, 0xffff);
	hw_set(f, 0x08, 4, 0x06000002u, 0);
	hw_set(f, R_BAR0, 4, 0xfed10000u, 0xffffc000u);

	f = &hw[1]; /* 00:02.0 the NIC: everything on, as a previous owner might leave it */
	f->bdf = PT_BDF(0, 2, 0);
	f->owner = 0;
	f->msi = 0x50;
	f->msix = 0x70;
	hw_set(f, 0x00, 4, 0x10d38086u, 0);
	hw_set(f, R_COMMAND, 2, 0x0007, 0xffff);
	hw_set(f, 0x06, 2, 0x0010, 0);
	hw_set(f, 0x08, 4, 0x02000000u, 0);
	hw_set(f, 0x0c, 4, 0x00000010u, 0x0000ffffu);
	hw_set(f, R_BAR0, 4, 0xfebc0000u, 0xfffe0000u);
	hw_set(f, R_BAR0 + 4, 4, 0x0000c001u, 0x0000ffe0u);
	hw_set(f, R_BAR0 + 8, 4, 0x0000000cu, 0xfff00000u);
	hw_set(f, R_BAR0 + 12, 4, 0x00000008u, 0xffffffffu);
	hw_set(f, R_ROM, 4, 0xfeb80000u, 0xfffc0001u);
	f->resets = true;
	hw_set(f, 0x34, 1, 0x40, 0);
	hw_set(f, 0x3c, 2, 0x010b, 0x00ff); /* INTA */
	hw_set(f, 0x40, 4, 0x00035001u, 0);
	hw_set(f, 0x44, 4, 0, 0x00000003u);
	hw_set(f, 0x50, 4, 0x01857005u, 0x00710000u); /* enabled, with a stale message */
	hw_set(f, 0x54, 4, 0xfee00000u, 0xfffffffcu);
	hw_set(f, 0x58, 4, 0, 0xffffffffu);
	hw_set(f, 0x5c, 4, 0x0402, 0x0000ffffu);
	hw_set(f, 0x60, 4, 0, 0x0000000fu);
	hw_set(f, 0x70, 4, 0x80048011u, 0xc0000000u); /* MSI-X enabled */
	hw_set(f, 0x74, 4, 0x00003000u, 0);	      /* table: BAR0 + 0x3000 */
	hw_set(f, 0x78, 4, 0x00003800u, 0);	      /* pending bits: BAR0 + 0x3800 */
	f->table = NIC_BAR0 + 0x3000;
	f->entries = 5;
	hw_set(f, 0x80, 4, 0x00000009u, 0);
	hw_set(f, 0xa0, 4, 0, 0xffffffffu);

	f = &hw[2]; /* 00:03.0 */
	f->bdf = PT_BDF(0, 3, 0);
	f->owner = 1;
	f->msi = 0x48;
	f->msix = 0x60;
	f->no_dma = true;
	f->resets = true;
	hw_set(f, 0x00, 4, 0x293e8086u, 0);
	hw_set(f, R_COMMAND, 2, 0x0006, 0xffff);
	hw_set(f, 0x06, 2, 0x0010, 0);
	hw_set(f, 0x08, 4, 0x04030001u, 0);
	hw_set(f, R_BAR0, 4, 0xfebf0000u, 0xffffc000u);
	hw_set(f, 0x34, 1, 0x60, 0);
	hw_set(f, 0x60, 4, 0x00004811u, 0xc0000000u);
	hw_set(f, 0x64, 4, 0x00002000u, 0);
	hw_set(f, 0x68, 4, 0x00003000u, 0);
	f->table = SND_BAR0 + 0x2000;
	f->entries = 1;
	hw_set(f, 0x48, 4, 0x01000005u, 0x00710000u);
	hw_set(f, 0x4c, 4, 0, 0xfffffffcu);
	hw_set(f, 0x50, 4, 0, 0x0000ffffu);
	hw_set(f, 0x54, 4, 0, 0x00000001u);

	f = &hw[3]; /* 00:05.0: an I/O BAR, 32-bit MSI without masking */
	f->bdf = PT_BDF(0, 5, 0);
	f->owner = 1;
	f->msi = 0x40;
	f->msix = 0x50;
	f->msix_hidden = true;
	f->resets = true;
	hw_set(f, 0x00, 4, 0x00051415u, 0);
	hw_set(f, R_COMMAND, 2, 0x0001, 0xffff);
	hw_set(f, 0x06, 2, 0x0010, 0);
	hw_set(f, 0x08, 4, 0x07000200u, 0);
	hw_set(f, R_BAR0, 4, 0x0000e001u, 0xfffffff8u);
	hw_set(f, 0x34, 1, 0x40, 0);
	hw_set(f, 0x3c, 2, 0x0205, 0x00ff); /* INTB, which its row does not route */
	hw_set(f, 0x40, 4, 0x00005005u, 0x00710000u);
	hw_set(f, 0x44, 4, 0, 0xfffffffcu);
	hw_set(f, 0x48, 4, 0, 0x0000ffffu);
	hw_set(f, 0x4c, 4, 0x00000000u, 0xffffffffu); /* device-specific */
	hw_set(f, 0x50, 4, 0x00000011u, 0xc0000000u); /* MSI-X, its table in the I/O BAR */
	hw_set(f, 0x54, 4, 0, 0);
	hw_set(f, 0x58, 4, 0, 0);

	f = &hw[4]; /* 00:04.0: nobody's */
	f->bdf = PT_BDF(0, 4, 0);
	f->owner = -1;
	hw_set(f, 0x00, 4, 0x100e8086u, 0);
	hw_set(f, R_COMMAND, 2, 0x0002, 0xffff);
	hw_set(f, R_BAR0, 4, 0xfeb00000u, 0xfffe0000u);

	f = &hw[5]; /* 00:1e.0: a bridge, nobody's */
	f->bdf = PT_BDF(0, 0x1e, 0);
	f->owner = -1;
	hw_set(f, 0x00, 4, 0x244e8086u, 0);
	hw_set(f, 0x0e, 1, 0x01, 0);
	hw_set(f, 0x18, 4, 0x00010100u, 0x00ffffffu);

	for (u32 i = 0; i < NFN; i++)
		for (u32 b = 0; b < 7; b++)
			hw[i].firmware_bars[b] = hw_get(&hw[i], b < 6 ? R_BAR0 + 4 * b : R_ROM, 4);
	for (u32 pin = 0; pin < PINS; pin++)
		pins[pin] = RTE_MASK_BIT | (pin == 16 ? 0x0900 : 0); /* masked (one stale NMI) */

	/* the memory BARs: every MSI-X entry unmasked, an NMI to CPU 0; pending bits; a
	 * register of the NIC's own on its table's page */
	memset(nic_mem, 0, sizeof(nic_mem));
	memset(snd_mem, 0, sizeof(snd_mem));
	memset(oth_mem, 0x5a, sizeof(oth_mem));
	for (u32 i = 0; i < NFN; i++)
		for (u32 e = 0; e < hw[i].entries; e++) {
			mem_set(hw[i].table + 16 * e, 0xfee00000u);
			mem_set(hw[i].table + 16 * e + 8, 0x0402);
		}
	mem_set(NIC_BAR0 + 0x3800, 0x0000000au);
	mem_set(NIC_BAR0 + 0x3c00, 0x11223344u);
	mem_set(SND_BAR0 + 0x3000, 0x00000001u);
}

/* ---- the table ------------------------------------------------------------------------- */

static struct partition_config cfg[NPART];
static struct vpci vpci[NPART];
static struct vioapic vioapic[NPART];

static void build_table(void)
{
	memset(cfg, 0, sizeof(cfg));
	for (u32 p = 0; p < NPART; p++) {
		for (u32 c = 0; c < ncpus[p]; c++)
			cfg[p].cpus.apic_id[c] = cpus[p][c];
		cfg[p].cpus.count = ncpus[p];
	}
	cfg[0].devices.d[0] = (struct pt_device){.kind = DEV_PCI,
						 .name = "nic",
						 .bdf = PT_BDF(0, 2, 0),
						 .bar = {{BAR_MEM, 0xfebc0000u, 0x20000},
							 {BAR_IO, 0xc000, 0x20},
							 {BAR_MEM, 0x800000000ull, 0x100000}},
						 .irq = 16};
	cfg[0].devices.d[1] =
	    (struct pt_device){.kind = DEV_LEGACY, .name = "com2", .ports = {0x2f8, 8}, .irq = 3};
	cfg[0].devices.count = 2;
	cfg[1].devices.d[0] = (struct pt_device){.kind = DEV_PCI,
						 .name = "snd",
						 .bdf = PT_BDF(0, 3, 0),
						 .bar = {{BAR_MEM, 0xfebf0000u, 0x4000}},
						 .irq = 17,
						 .flags = DEV_NO_DMA};
	cfg[1].devices.d[1] = (struct pt_device){
	    .kind = DEV_PCI, .name = "uart", .bdf = PT_BDF(0, 5, 0), .bar = {{BAR_IO, 0xe000, 8}}};
	cfg[1].devices.d[2] =
	    (struct pt_device){.kind = DEV_LEGACY, .name = "com3", .ports = {0x3e8, 8}, .irq = 18};
	cfg[1].devices.count = 3;
	/* INTx is a function's own with a pin and .irq (read here from the fake and the rows) */
	for (u32 i = 0; i < NFN; i++)
		for (u32 p = 0; p < NPART; p++)
			for (u32 d = 0; d < cfg[p].devices.count; d++)
				if (cfg[p].devices.d[d].kind == DEV_PCI &&
				    cfg[p].devices.d[d].bdf == hw[i].bdf)
					hw[i].intx_owned =
					    hw[i].cfg[R_PIN] && cfg[p].devices.d[d].irq;
}

/* devices_check() and devices_start() for every partition, as at boot. */
static void boot(void)
{
	booted = false;
	cur = -1;
	build_machine();
	build_table();
	for (u32 p = 0; p < NPART; p++) {
		vpci_init(&vpci[p], p, &cfg[p]);
		vioapic_init(&vioapic[p], p, &cfg[p]);
		vpci_set_mmcfg(&vpci[p], MMCFG, 0, 255);
		for (u32 i = 0; i < cfg[p].devices.count; i++) {
			struct vpci_fn f;
			char why[160];

			if (cfg[p].devices.d[i].kind != DEV_PCI)
				continue;
			if (vpci_probe(&f, &cfg[p].devices.d[i], why, sizeof(why))) {
				fprintf(stderr, "fuzz: harness machine refused: %s\n", why);
				abort();
			}
			vpci_add(&vpci[p], &f);
		}
	}
	/* vpci_probe's promise: each function left quiet */
	for (u32 i = 0; i < NFN; i++) {
		const struct fake_fn *f = &hw[i];

		if (f->owner < 0)
			continue;
		FUZZ_ASSERT(!(hw_get(f, R_COMMAND, 2) & CMD_BM));
		FUZZ_ASSERT(hw_get(f, R_COMMAND, 2) & CMD_INTX);
		FUZZ_ASSERT(!f->msi || !(hw_get(f, f->msi + 2, 2) & 1));
		FUZZ_ASSERT(!f->msix || !(hw_get(f, f->msix + 2, 2) & 0x8000));
		for (u32 e = 0; e < f->entries; e++)
			FUZZ_ASSERT(mem(f->table + 16 * e + 12) & 1);
	}
	booted = true;
	for (u32 p = 0; p < NPART; p++) {
		cur = (int)p;
		vioapic_reset(&vioapic[p]);
		vpci_start(&vpci[p]);
	}
}

/* ---- the oracles ------------------------------------------------------------------------- */

static bool owns_cpu(int p, u32 apic)
{
	for (u32 c = 0; p >= 0 && c < ncpus[p]; c++)
		if (cpus[p][c] == apic)
			return true;
	return false;
}

static bool msi_valid(const struct fake_fn *f)
{
	u32 ctl = hw_get(f, f->msi + 2, 2), wide = ctl & 0x80;
	u32 lo = hw_get(f, f->msi + 4, 4), hi = wide ? hw_get(f, f->msi + 8, 4) : 0;
	u32 data = hw_get(f, f->msi + (wide ? 12 : 8), 2), count = 1u << ((ctl >> 4) & 7);

	return (lo & 0xfff00000u) == 0xfee00000u && hi == 0 && !(lo & 0x4) && !(lo & 0xff0) &&
	       ((lo >> 12) & 0xff) != 0xff && owns_cpu(f->owner, (lo >> 12) & 0xff) &&
	       ((data >> 8) & 7) <= 1 && !(data & 0xb800) && ((data & 0xff) & ~(count - 1)) >= 0x20;
}

/* An unmasked entry: only the built fields (so fixed, physical), to one of the owner's CPUs
 * but the broadcast 0xff, a vector of 0x20 or more. */
static bool rte_valid(u64 rte, int owner)
{
	return owner >= 0 && !(rte & ~(RTE_BUILT | RTE_RO)) && (u32)(rte >> 56) != 0xff &&
	       owns_cpu(owner, (u32)(rte >> 56)) && (rte & 0xff) >= 0x20;
}

/* An MSI-X entry unmasked only with a message valid for the function's owner. */
static bool entry_valid(const struct fake_fn *f, u32 e)
{
	u64 at = f->table + 16ull * e;
	u32 lo = mem(at), hi = mem(at + 4), data = mem(at + 8);

	return (mem(at + 12) & 1) ||
	       ((lo & 0xfff00000u) == 0xfee00000u && hi == 0 && !(lo & 0xff4u) &&
		((lo >> 12) & 0xff) != 0xff && owns_cpu(f->owner, (lo >> 12) & 0xff) &&
		((data >> 8) & 7) <= 1 && !(data & 0xffff3800u) && (data & 0xff) >= 0x20);
}

/* Interrupt Disable set, every MSI-X entry masked, on each function of partition `p` (after
 * its stop or start). */
static void check_quiet(u32 p)
{
	for (u32 i = 0; i < NFN; i++) {
		if (hw[i].owner != (int)p)
			continue;
		FUZZ_ASSERT(hw_get(&hw[i], R_COMMAND, 2) & CMD_INTX);
		for (u32 e = 0; e < hw[i].entries; e++)
			FUZZ_ASSERT(mem(hw[i].table + 16 * e + 12) & 1);
	}
}

static void check_invariants(void)
{
	for (u32 i = 0; i < NFN; i++) {
		struct fake_fn *f = &hw[i];

		if (f->owner < 0)
			for (u32 b = 0; b < 7; b++)
				FUZZ_ASSERT(hw_get(f, b < 6 ? R_BAR0 + 4 * b : R_ROM, 4) ==
					    f->firmware_bars[b]);
		else
			check_decoding(f);
		if (f->owner >= 0 && !f->intx_owned)
			FUZZ_ASSERT(hw_get(f, R_COMMAND, 2) & CMD_INTX);
		if (f->no_dma)
			FUZZ_ASSERT(!(hw_get(f, R_COMMAND, 2) & CMD_BM));
		if (f->msix_hidden)
			FUZZ_ASSERT(!(hw_get(f, f->msix + 2, 2) & 0x8000));
		for (u32 e = 0; e < f->entries; e++)
			FUZZ_ASSERT(entry_valid(f, e));
		if (f->msi) {
			if (hw_get(f, f->msi + 2, 2) & 1)
				FUZZ_ASSERT(msi_valid(f));
		}
		/* nobody's functions as firmware left them */
		if (f->owner < 0)
			FUZZ_ASSERT(hw_get(f, R_COMMAND, 2) == (i == 0	 ? 0x0006
								: i == 4 ? 0x0002
									 : 0));
	}
	for (u32 a = 0; a < PINS; a++) {
		if (pin_owner(a) >= 0)
			FUZZ_ASSERT(!(pins[a] & ~(RTE_BUILT | RTE_RO)));
		if (!(pins[a] & RTE_MASK_BIT))
			FUZZ_ASSERT(rte_valid(pins[a], pin_owner(a)));
	}
}

/* ---- the steps --------------------------------------------------------------------------- */

static u32 pick_bdf(u8 b, u32 value)
{
	static const u32 bdfs[] = {PT_BDF(0, 0, 0), PT_BDF(0, 2, 0), PT_BDF(0, 3, 0),
				   PT_BDF(0, 5, 0), PT_BDF(0, 4, 0), PT_BDF(0, 0x1e, 0),
				   PT_BDF(0, 2, 1)};

	return (b & 7) < 7 ? bdfs[b & 7] : (value >> 8) & 0xffff;
}

static void select_reg(struct vpci *v, u8 reg, u8 which, u32 value)
{
	vpci_port_write(v, 0xcf8, 4, 0x80000000u | pick_bdf(which, value) << 8 | (reg & 0xfcu));
}

/* What partition p's exits may bring to vpci (the harness's own layout): the pages of its
 * functions' MSI-X tables, its MMCONFIG window. */
static bool p_claims(u32 p, u64 gpa)
{
	for (u32 i = 0; i < NFN; i++)
		if (hw[i].owner == (int)p && on_table_pages(&hw[i], gpa, 1))
			return true;
	return gpa >= MMCFG && gpa < MMCFG + (256ull << 20);
}

/* A read through the window equals the same read through the ports (which leaves
 * CONFIG_ADDRESS as it was); above the first 256 bytes, 0 for a function the partition owns
 * and all-ones for any other, at every width. */
static void compare_with_ports(struct vpci *v, u32 bdf, u32 reg, u32 size, u64 got)
{
	u32 saved = vpci_port_read(v, 0xcf8, 4), want;

	if (reg >= 256) {
		bool owned = false;

		for (u32 i = 0; i < NFN; i++)
			owned |= hw[i].bdf == bdf && hw[i].owner == (int)(v - vpci);
		if (size <= 4 && !(reg % size))
			FUZZ_ASSERT(
			    got ==
			    (owned ? 0 : (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1)));
		return;
	}
	if (size > 4 || reg % size)
		return;
	vpci_port_write(v, 0xcf8, 4, 0x80000000u | bdf << 8 | (reg & 0xfcu));
	want = vpci_port_read(v, 0xcfc + (reg & 3), size);
	vpci_port_write(v, 0xcf8, 4, saved);
	FUZZ_ASSERT(got == want);
}

static u32 pick_bdf(u8 b, u32 value);

/* Bit 6 of byte 0: memory, where the partition's exits would take it. */
static u64 mmio_step(const u8 *s, u32 p, u32 value)
{
	static const u32 sizes[] = {1, 2, 4, 8};
	static const u64 pages[] = {NIC_BAR0 + 0x3000, SND_BAR0 + 0x2000, NIC_BAR0 + 0x2000,
				    OTH_BAR0 + 0x3000};
	u32 op = (s[0] >> 1) & 7, size = sizes[(s[0] >> 4) & 3];
	u32 bdf = pick_bdf(s[2], value), reg = s[1] | ((s[2] >> 3) & 0xfu) << 8;
	bool cfg_space = op == 2 || op == 3 || op == 5;
	u64 gpa = cfg_space ? MMCFG + ((u64)bdf << 12) + reg
			    : pages[s[2] & 3] + (s[1] | ((s[2] >> 2) & 0xfu) << 8);
	u64 wide = (u64)value | (u64)~value << 32, r = 0; /* a qword: value, ~value */
	struct vpci *v = &vpci[p];

	/* its own tables' pages and its window, nothing else */
	FUZZ_ASSERT(vpci_mmio_claims(v, gpa) == p_claims(p, gpa));
	if (!vpci_mmio_claims(v, gpa) || ((gpa ^ (gpa + size - 1)) & ~(PAGE - 1)))
		return 0; /* mapped, or a fault: not emulated */
	if (op == 4)
		wide = 0xfee00000u | (value & 0xfffffu);
	else if (size < 8)
		wide = value;
	if (op == 1 || op == 3 || op == 4 || op == 7)
		vpci_mmio_write(v, gpa, size, wide);
	else
		r = vpci_mmio_read(v, gpa, size);
	if (op == 5)
		compare_with_ports(v, bdf, reg, size, r);
	if (verbose)
		printf("  %c mmio op %u size %u at 0x%llx value 0x%llx -> 0x%llx\n", 'a' + p, op,
		       size, (unsigned long long)gpa, (unsigned long long)wide,
		       (unsigned long long)r);
	return r;
}

static void step(const u8 *s)
{
	static const u32 sizes[] = {1, 2, 4, 4};
	u32 p = s[0] & 1, op = (s[0] >> 1) & 7, size = sizes[(s[0] >> 4) & 3];
	u32 value = (u32)s[3] | (u32)s[4] << 8 | (u32)s[5] << 16 | (u32)s[6] << 24;
	struct vpci *v = &vpci[p];
	struct vioapic *io = &vioapic[p];
	u32 r = 0;

	cur = (int)p;
	if (s[0] & 0x40) {
		mmio_step(s, p, value);
		return;
	}
	switch (op) {
	case 0:
		r = vpci_port_read(v, 0xcf8 + (s[1] & 7), size);
		break;
	case 1:
		vpci_port_write(v, 0xcf8 + (s[1] & 7), size, value);
		break;
	case 2:
		select_reg(v, s[1], s[2], value);
		break;
	case 3:
		select_reg(v, s[1], s[2], value);
		vpci_port_write(v, 0xcfc + (s[1] & 3), size, value);
		break;
	case 4:
		select_reg(v, s[1], s[2], value);
		r = vpci_port_read(v, 0xcfc + (s[1] & 3), size);
		break;
	case 5:
		if (s[2] & 1)
			vioapic_write(io, s[1], size, value);
		else
			r = vioapic_read(io, s[1], size);
		break;
	case 6:
		vioapic_write(io, 0x00, 4, s[1]);
		if (s[2] & 1)
			r = vioapic_read(io, 0x10, 4);
		else
			vioapic_write(io, 0x10, 4, value);
		break;
	default:
		if ((s[1] & 3) == 0) {
			vioapic_reset(io);
			vpci_start(v);
			check_quiet(p);
		} else if ((s[1] & 3) == 1) {
			vioapic_reset(io);
			vpci_quiesce(v);
			check_quiet(p);
		} else {
			pins[s[2] % PINS] |= RTE_RO; /* the machine's doing */
		}
		break;
	}
	if (verbose)
		printf("  %c op %u size %u [%02x %02x] value 0x%08x -> 0x%x\n", 'a' + p, op, size,
		       s[1], s[2], value, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool once;

	if (!once) {
		verbose = getenv("FUZZ_VERBOSE") != NULL;
		if (verbose)
			setvbuf(stdout, NULL, _IONBF, 0);
		once = true;
	}
	fuzz_begin();
	boot();
	check_invariants();
	for (size_t at = 0; at + 7 <= size && at < 7 * 256; at += 7) {
		step(data + at);
		check_invariants();
		capture_reset();
	}
	return 0;
}
