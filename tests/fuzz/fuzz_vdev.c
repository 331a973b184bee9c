/*
 * libFuzzer harness for what partitions do to their devices: core/vpci.c (PCI configuration
 * space through 0xcf8-0xcff) and core/vioapic.c (the I/O APIC window), for two partitions on
 * one fake machine defined here.
 *
 *   partition a (index 0): CPUs 0, 1; the NIC at 00:02.0 (memory, I/O and 64-bit BARs, a ROM,
 *                          64-bit MSI with per-vector masking, MSI-X, pin INTA), irq 16; COM2,
 *                          irq 3
 *   partition b (index 1): CPUs 2, 3, 255; 00:03.0 (DEV_NO_DMA; MSI-X first, 32-bit MSI with
 *                          masking; no pin), irq 17; 00:05.0 (I/O BAR, 32-bit MSI, pin INTB),
 *                          no irq; COM3, irq 18
 *   nobody:                the host bridge 00:00.0, 00:04.0, I/O APIC pins but those four
 *
 * Its three functions reset themselves when 0xb0 is written with bit 0 set (a function-level
 * reset: command, BARs, ROM, MSI and MSI-X enable to their reset values) and reload defaults
 * when 0xb4 is (MSI-X on, Interrupt Disable off), as device-specific registers may.
 *
 * Input: 7-byte steps. Byte 0: bit 0 the partition, bits 3:1 the operation, bits 5:4 the size
 * (1, 2, 4, 4); byte 1: a port, register or offset; byte 2: a function (one of eight, see
 * pick_bdf) or a pin; bytes 3-6: a value.
 *   0 read a port of 0xcf8-0xcff        1 write one
 *   2 select a function's register      3 select, then write 0xcfc + (register & 3)
 *   4 select, then read it              5 I/O APIC: an access of any size at an offset
 *   6 I/O APIC: IOREGSEL, then IOWIN    7 byte 1 & 3: 0 start, 1 stop (devices_start/stop),
 *                                         2 the machine sets a pin's remote IRR and busy bits
 *
 * After every step, from the fake hardware and the table alone (not from vpci.c/vioapic.c):
 *   - after boot, a BAR is written only with its firmware value (so never all-ones, not even
 *     while a partition sizes it) and the ROM never; after every write, a function with
 *     decoding on has every BAR at its firmware value (after a reset, they are put back before
 *     decoding is turned on);
 *   - no function outside the partition's row and no pin outside its devices' is written;
 *   - MSI is enabled on a device only with a message valid for its owner: 0xfee00000-
 *     0xfeefffff, upper address 0, physical, one of its CPUs but 0xff, fixed or lowest
 *     priority, edge, every vector of the enabled messages 0x20 or more (layout from the
 *     device's own read-only bits); MSI-X is never enabled; bus mastering never on a
 *     DEV_NO_DMA function;
 *   - Interrupt Disable is never clear on a function whose pin its row does not route (no pin,
 *     or no .irq), and is set on each of a partition's functions after its stop and its start;
 *   - an unmasked pin has a valid entry for its owner (physical, one of its CPUs but 0xff,
 *     vector 0x20 or more); a pin a partition owns, masked or not, holds nothing but vector,
 *     polarity, trigger, mask and destination (fixed delivery, physical mode, bits 17-55
 *     zero), besides the machine's read-only bits.
 *
 * Known finding (tolerated unless FUZZ_STRICT=all or FUZZ_STRICT=1): vpci_start turns decoding
 * back on as firmware left it without putting the BARs back, so a function reset by its
 * partition and then restarted decodes at its reset BARs (0). While a partition's start found
 * a function's BARs moved, the decoding check is skipped for it until they are back.
 * FUZZ_VERBOSE=1 prints each step.
 */
#include <string.h>

#include "arch/x86/arch.h"
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

/* ---- the fake machine ------------------------------------------------------------------ */

struct fake_fn {
	u32 bdf;
	int owner; /* partition index, -1: nobody's */
	u8 msi;	   /* MSI capability offset, 0 none */
	u8 msix;
	bool no_dma;
	bool resets;	 /* R_FLR and R_RELOAD work */
	bool intx_owned; /* a pin, and .irq in its row */
	bool stale;	 /* the known finding: started with its BARs moved */
	u8 cfg[256];
	u8 wmask[256];
	u32 firmware_bars[7]; /* BAR0-5, ROM */
};

#define NFN 6
static struct fake_fn hw[NFN];
static u64 pins[PINS];
static bool booted;
static int cur = -1; /* the partition whose access is being handled */
static bool verbose, strict;

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

/* Decoding on only with every BAR where firmware put it (but the known finding). */
static void check_decoding(struct fake_fn *f)
{
	if (f->stale && bars_in_place(f))
		f->stale = false;
	if (hw_get(f, R_COMMAND, 2) & CMD_DECODE)
		FUZZ_ASSERT(bars_in_place(f) || f->stale);
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
	hw_set(f, 0x74, 4, 0x00000003u, 0);
	hw_set(f, 0x78, 4, 0x00000803u, 0);
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
	hw_set(f, 0x48, 4, 0x01000005u, 0x00710000u);
	hw_set(f, 0x4c, 4, 0, 0xfffffffcu);
	hw_set(f, 0x50, 4, 0, 0x0000ffffu);
	hw_set(f, 0x54, 4, 0, 0x00000001u);

	f = &hw[3]; /* 00:05.0: an I/O BAR, 32-bit MSI without masking */
	f->bdf = PT_BDF(0, 5, 0);
	f->owner = 1;
	f->msi = 0x40;
	f->resets = true;
	hw_set(f, 0x00, 4, 0x00051415u, 0);
	hw_set(f, R_COMMAND, 2, 0x0001, 0xffff);
	hw_set(f, 0x06, 2, 0x0010, 0);
	hw_set(f, 0x08, 4, 0x07000200u, 0);
	hw_set(f, R_BAR0, 4, 0x0000e001u, 0xfffffff8u);
	hw_set(f, 0x34, 1, 0x40, 0);
	hw_set(f, 0x3c, 2, 0x0205, 0x00ff); /* INTB, which its row does not route */
	hw_set(f, 0x40, 4, 0x00000005u, 0x00710000u);
	hw_set(f, 0x44, 4, 0, 0xfffffffcu);
	hw_set(f, 0x48, 4, 0, 0x0000ffffu);
	hw_set(f, 0x4c, 4, 0x00000000u, 0xffffffffu); /* device-specific */

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

/* Interrupt Disable set on each function of partition `p` (after its stop or start). */
static void check_intx_disabled(u32 p)
{
	for (u32 i = 0; i < NFN; i++)
		if (hw[i].owner == (int)p)
			FUZZ_ASSERT(hw_get(&hw[i], R_COMMAND, 2) & CMD_INTX);
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
		if (f->msix)
			FUZZ_ASSERT(!(hw_get(f, f->msix + 2, 2) & 0x8000));
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

/* Before a start: the known finding, unless strict. */
static void mark_stale(u32 p)
{
	for (u32 i = 0; i < NFN; i++)
		if (hw[i].owner == (int)p && !bars_in_place(&hw[i]) && !strict)
			hw[i].stale = true;
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

static void step(const u8 *s)
{
	static const u32 sizes[] = {1, 2, 4, 4};
	u32 p = s[0] & 1, op = (s[0] >> 1) & 7, size = sizes[(s[0] >> 4) & 3];
	u32 value = (u32)s[3] | (u32)s[4] << 8 | (u32)s[5] << 16 | (u32)s[6] << 24;
	struct vpci *v = &vpci[p];
	struct vioapic *io = &vioapic[p];
	u32 r = 0;

	cur = (int)p;
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
			mark_stale(p);
			vpci_start(v);
			check_intx_disabled(p);
		} else if ((s[1] & 3) == 1) {
			vioapic_reset(io);
			vpci_quiesce(v);
			check_intx_disabled(p);
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
		const char *st = getenv("FUZZ_STRICT");

		verbose = getenv("FUZZ_VERBOSE") != NULL;
		strict = st && (!strcmp(st, "all") || !strcmp(st, "1"));
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
