/*
 * Unit tests for core/vpci.c, a partition's PCI configuration space through the ports of
 * mechanism #1, over a fake machine defined here: a host bridge, a NIC with a 128 KiB memory
 * BAR, an I/O BAR, a 64-bit BAR, a ROM, a power-management capability, 64-bit MSI with
 * per-vector masking and MSI-X; a second function whose MSI-X is first in its list and whose
 * MSI is 32-bit; a function the partition does not own; a PCI-to-PCI bridge; an ISA bridge.
 * Each register keeps the bits hardware lets software write (BAR sizing: all-ones in, the size
 * mask out). The NIC and the second function reset themselves (a function-level reset) when
 * a device-specific register is written, and reload defaults through another.
 * Register offsets and bits are spelled out here from PCI Local Bus 3.0 ch. 6 and the SDM's
 * MSI format (Vol. 3A §11.11), not taken from core/lib/pci_regs.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/arch.h"
#include "core/error.h"
#include "core/upcalls.h"
#include "core/vpci.h"
#include "tests/unit/check.h"

#define CF8 0xcf8u
#define CFC 0xcfcu

#define R_VENDOR  0x00
#define R_COMMAND 0x04
#define R_STATUS  0x06
#define R_CLASS	  0x08
#define R_HEADER  0x0e
#define R_BAR(n)  (0x10 + 4 * (n))
#define R_SUBSYS  0x2c
#define R_ROM	  0x30
#define R_CAPS	  0x34
#define R_LINE	  0x3c
#define R_PIN	  0x3d
#define R_SCRATCH 0xa0 /* device-specific: plain read/write register in the fake */
/* Device-specific, bit 0 written as 1: a function-level reset (PCI Express Base 4.0 §6.6.2:
 * command, BARs, ROM, MSI and MSI-X enable to their reset values), as a vendor register or a
 * PCIe Device Control write would. */
#define R_FLR 0xb0
/* Device-specific, bit 0 written as 1: defaults reloaded from an EEPROM, which turn MSI-X on
 * and clear Interrupt Disable (registers a device may alias: what Bulkhead keeps must come
 * back after any such write). */
#define R_RELOAD  0xb4
#define CMD_INTX  0x0400u
#define CMD_IO	  0x0001u
#define CMD_MEM	  0x0002u
#define CMD_BM	  0x0004u
#define CMD_VALID 0x0557u /* IO, memory, bus master, MWI, parity, SERR, INTx disable */
#define ADDR_EN	  0x80000000u
#define MSI_EN	  0x0001u
#define MSIX_EN	  0x8000u

/* Keys partition_refused() gets (core/denied.h's layout: kind in bits 63:32). */
#define KEY_PCI(bdf, reg) ((0x101ull << 32) | ((u32)(bdf) << 8 | (reg)))
#define KEY_MSI(bdf)	  ((0x102ull << 32) | (u32)(bdf))

#define BRIDGE_BDF PT_BDF(0, 0, 0)
#define NIC_BDF	   PT_BDF(0, 2, 0)
#define SND_BDF	   PT_BDF(0, 3, 0)
#define OTHER_BDF  PT_BDF(0, 4, 0)
#define P2P_BDF	   PT_BDF(0, 0x1e, 0)
#define LPC_BDF	   PT_BDF(0, 0x1f, 0)

/* The NIC's capabilities: PM at 0x40 -> MSI at 0x50 -> MSI-X at 0x70 -> vendor at 0x80. */
#define NIC_MSI	 0x50u
#define NIC_MSIX 0x70u
/* The second function's: MSI-X at 0x60 (first) -> MSI (32-bit, masking) at 0x48. */
#define SND_MSI	 0x48u
#define SND_MSIX 0x60u

#define PART 1 /* the partition under test: CPUs with APIC IDs 2 and 3 */

/* ---- the fake machine ------------------------------------------------------------------ */

struct fake_fn {
	u32 bdf;
	u8 cfg[256];
	u8 wmask[256]; /* bits a write changes */
	u32 writes;    /* arch_pci_write calls that reached it */
	u32 bar_writes;
	bool resets;	     /* R_FLR and R_RELOAD work */
	u32 firmware_bar[6]; /* BAR0-5 as build_machine() left them */
};

#define NFN 6
static struct fake_fn hw[NFN];
static u32 bad_accesses;       /* misaligned or out of range arch_pci_* calls */
static u32 decoding_sized;     /* a BAR set to all-ones with decoding on */
static u32 decoding_misplaced; /* a write after which decoding is on with a BAR moved */

static struct fake_fn *hw_fn(u32 bdf)
{
	for (u32 i = 0; i < NFN; i++)
		if (hw[i].bdf == bdf && (hw[i].cfg[0] | hw[i].cfg[1]))
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

u32 arch_pci_read(u32 bdf, u32 reg, u32 size)
{
	const struct fake_fn *f = hw_fn(bdf);

	if ((size != 1 && size != 2 && size != 4) || reg % size || reg + size > 256) {
		bad_accesses++;
		return 0;
	}
	if (!f)
		return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	return hw_get(f, reg, size);
}

/* Every register at its reset value: the bits software cannot write kept, the rest 0; MSI
 * and MSI-X off. */
static void function_reset(struct fake_fn *f)
{
	u32 msi = f->bdf == NIC_BDF ? NIC_MSI : SND_MSI,
	    msix = f->bdf == NIC_BDF ? NIC_MSIX : SND_MSIX;

	f->cfg[R_COMMAND] = f->cfg[R_COMMAND + 1] = 0;
	for (u32 reg = R_BAR(0); reg < R_ROM + 4; reg++)
		if (reg < R_BAR(6) || reg >= R_ROM)
			f->cfg[reg] &= (u8)~f->wmask[reg];
	f->cfg[msi + 2] &= (u8)~0x71u;
	f->cfg[msix + 3] &= (u8) ~(MSIX_EN >> 8);
}

static void reload_defaults(struct fake_fn *f)
{
	f->cfg[R_COMMAND + 1] &= (u8) ~(CMD_INTX >> 8);
	f->cfg[(f->bdf == NIC_BDF ? NIC_MSIX : SND_MSIX) + 3] |= MSIX_EN >> 8;
}

void arch_pci_write(u32 bdf, u32 reg, u32 size, u32 value)
{
	struct fake_fn *f = hw_fn(bdf);

	if ((size != 1 && size != 2 && size != 4) || reg % size || reg + size > 256) {
		bad_accesses++;
		return;
	}
	if (!f)
		return;
	f->writes++;
	if ((reg < R_BAR(6) && reg + size > R_BAR(0)) || (reg >= R_ROM && reg < R_ROM + 4)) {
		f->bar_writes++;
		if (value == 0xffffffffu && (hw_get(f, R_COMMAND, 2) & (CMD_IO | CMD_MEM)))
			decoding_sized++;
	}
	for (u32 i = 0; i < size; i++) {
		u8 b = (u8)(value >> (8 * i)), m = f->wmask[reg + i];

		f->cfg[reg + i] = (u8)((f->cfg[reg + i] & ~m) | (b & m));
	}
	if (f->resets && reg <= R_FLR && reg + size > R_FLR && (value >> (8 * (R_FLR - reg)) & 1))
		function_reset(f);
	if (f->resets && reg <= R_RELOAD && reg + size > R_RELOAD &&
	    (value >> (8 * (R_RELOAD - reg)) & 1))
		reload_defaults(f);
	if (hw_get(f, R_COMMAND, 2) & (CMD_IO | CMD_MEM))
		for (u32 i = 0; i < 6; i++)
			if (hw_get(f, R_BAR(i), 4) != f->firmware_bar[i])
				decoding_misplaced++;
}

/* Every refusal, in order. */
struct refusal {
	u32 partition;
	u64 key;
	bool fault;
	char what[160];
};

static struct refusal refusals[64];
static u32 nrefusals;

void partition_refused(u32 partition, u64 key, bool fault, const char *what, const char *outcome)
{
	(void)outcome;
	if (nrefusals < 64) {
		struct refusal *r = &refusals[nrefusals];

		r->partition = partition;
		r->key = key;
		r->fault = fault;
		snprintf(r->what, sizeof(r->what), "%s", what);
	}
	nrefusals++;
}

/* Exactly one refusal since the last call, for this key, naming `has`. */
static bool refused_once(u64 key, const char *has)
{
	bool ok = nrefusals == 1 && refusals[0].key == key && refusals[0].partition == PART &&
		  !refusals[0].fault && strstr(refusals[0].what, has);

	if (!ok)
		printf("  refusals: %u, first key 0x%llx \"%s\"\n", nrefusals,
		       nrefusals ? (unsigned long long)refusals[0].key : 0ull,
		       nrefusals ? refusals[0].what : "");
	nrefusals = 0;
	return ok;
}

static void build_machine(void)
{
	struct fake_fn *f;

	memset(hw, 0, sizeof(hw));
	bad_accesses = decoding_sized = decoding_misplaced = nrefusals = 0;

	/* 00:00.0 host bridge: multi-function bit, a BAR, a capability: none of it shown. */
	f = &hw[0];
	f->bdf = BRIDGE_BDF;
	hw_set(f, R_VENDOR, 4, 0x29c08086u, 0);
	hw_set(f, R_COMMAND, 4, 0x00100006u, 0xffff);
	hw_set(f, R_CLASS, 4, 0x06000002u, 0);
	hw_set(f, R_HEADER, 1, 0x80, 0);
	hw_set(f, R_BAR(0), 4, 0xfed10000u, 0xffffc000u);
	hw_set(f, R_SUBSYS, 4, 0x11001af4u, 0);
	hw_set(f, R_CAPS, 1, 0xe0, 0);
	hw_set(f, 0xe0, 4, 0x01000009u, 0xffffffffu);

	/* 00:02.0 the NIC */
	f = &hw[1];
	f->bdf = NIC_BDF;
	hw_set(f, R_VENDOR, 4, 0x10d38086u, 0);
	hw_set(f, R_COMMAND, 2, CMD_IO | CMD_MEM, 0xffff); /* latches any bit: shows leaks */
	hw_set(f, R_STATUS, 2, 0x0010, 0);
	hw_set(f, R_CLASS, 4, 0x02000000u, 0);
	hw_set(f, 0x0c, 2, 0x0010, 0xffff);		  /* cache line, latency */
	hw_set(f, R_BAR(0), 4, 0xfebc0000u, 0xfffe0000u); /* 128 KiB memory */
	hw_set(f, R_BAR(1), 4, 0x0000c001u, 0x0000ffe0u); /* 32 ports */
	hw_set(f, R_BAR(2), 4, 0x0000000cu, 0xfff00000u); /* 1 MiB 64-bit prefetchable */
	hw_set(f, R_BAR(3), 4, 0x00000008u, 0xffffffffu); /* at 0x8_0000_0000 */
	hw_set(f, R_SUBSYS, 4, 0x00018086u, 0);
	hw_set(f, R_ROM, 4, 0xfeb80000u, 0xfffc0001u);
	hw_set(f, R_CAPS, 1, 0x40, 0);
	hw_set(f, R_LINE, 2, 0x010b, 0x00ff);
	hw_set(f, 0x40, 4, 0x00035001u, 0);		 /* PM, next 0x50 */
	hw_set(f, 0x44, 4, 0x00000000u, 0x00000003u);	 /* PMCSR */
	hw_set(f, NIC_MSI, 4, 0x01847005u, 0x00710000u); /* 64-bit, masking, 4 msgs, next 0x70 */
	hw_set(f, NIC_MSI + 4, 4, 0, 0xfffffffcu);
	hw_set(f, NIC_MSI + 8, 4, 0, 0xffffffffu);
	hw_set(f, NIC_MSI + 12, 4, 0, 0x0000ffffu);
	hw_set(f, NIC_MSI + 16, 4, 0, 0x0000000fu);
	hw_set(f, NIC_MSI + 20, 4, 0, 0);
	hw_set(f, NIC_MSIX, 4, 0x00048011u, 0xc0000000u); /* 5 entries, next 0x80 */
	hw_set(f, NIC_MSIX + 4, 4, 0x00000003u, 0);	  /* table in BAR 3... */
	hw_set(f, NIC_MSIX + 8, 4, 0x00000803u, 0);
	hw_set(f, 0x80, 4, 0x00000009u, 0); /* vendor-specific, end of list */
	hw_set(f, R_SCRATCH, 4, 0x12345678u, 0xffffffffu);
	f->resets = true;

	/* 00:03.0: MSI-X first in its list, 32-bit MSI with masking, one BAR */
	f = &hw[2];
	f->bdf = SND_BDF;
	hw_set(f, R_VENDOR, 4, 0x293e8086u, 0);
	hw_set(f, R_COMMAND, 2, CMD_MEM, 0xffff);
	hw_set(f, R_STATUS, 2, 0x0010, 0);
	hw_set(f, R_CLASS, 4, 0x04030001u, 0);
	hw_set(f, R_BAR(0), 4, 0xfebf0000u, 0xffffc000u); /* 16 KiB */
	hw_set(f, R_CAPS, 1, SND_MSIX, 0);
	hw_set(f, SND_MSIX, 4, 0x00004811u, 0xc0000000u); /* next 0x48 */
	hw_set(f, SND_MSIX + 4, 4, 0x00002000u, 0);
	hw_set(f, SND_MSIX + 8, 4, 0x00003000u, 0);
	hw_set(f, SND_MSI, 4, 0x01000005u, 0x00710000u); /* 32-bit, masking, end of list */
	hw_set(f, SND_MSI + 4, 4, 0, 0xfffffffcu);
	hw_set(f, SND_MSI + 8, 4, 0, 0x0000ffffu);
	hw_set(f, SND_MSI + 12, 4, 0, 0x00000001u);
	hw_set(f, SND_MSI + 16, 4, 0, 0);
	f->resets = true;

	/* 00:04.0: somebody else's */
	f = &hw[3];
	f->bdf = OTHER_BDF;
	hw_set(f, R_VENDOR, 4, 0x100e8086u, 0);
	hw_set(f, R_COMMAND, 2, CMD_MEM, 0xffff);
	hw_set(f, R_CLASS, 4, 0x02000000u, 0);
	hw_set(f, R_BAR(0), 4, 0xfeb00000u, 0xfffe0000u);

	/* 00:1e.0: a PCI-to-PCI bridge (header type 1) */
	f = &hw[4];
	f->bdf = P2P_BDF;
	hw_set(f, R_VENDOR, 4, 0x244e8086u, 0);
	hw_set(f, R_CLASS, 4, 0x06040000u, 0);
	hw_set(f, R_HEADER, 1, 0x01, 0);

	/* 00:1f.0: an ISA (LPC) bridge, header type 0, with an I/O BAR */
	f = &hw[5];
	f->bdf = LPC_BDF;
	hw_set(f, R_VENDOR, 4, 0x29188086u, 0);
	hw_set(f, R_COMMAND, 2, 0x0007, 0xffff);
	hw_set(f, R_CLASS, 4, 0x06010002u, 0);
	hw_set(f, R_HEADER, 1, 0x80, 0);

	for (u32 i = 0; i < NFN; i++)
		for (u32 b = 0; b < 6; b++)
			hw[i].firmware_bar[b] = hw_get(&hw[i], R_BAR(b), 4);
}

/* ---- the partition ---------------------------------------------------------------------- */

static const struct pt_device nic_dev = {
    .kind = DEV_PCI,
    .name = "nic",
    .bdf = NIC_BDF,
    .bar = {{BAR_MEM, 0xfebc0000u, 0x20000},
	    {BAR_IO, 0xc000, 0x20},
	    {BAR_MEM, 0x800000000ull, 0x100000}},
    .irq = 11,
};

static const struct pt_device snd_dev = {
    .kind = DEV_PCI,
    .name = "snd",
    .bdf = SND_BDF,
    .bar = {{BAR_MEM, 0xfebf0000u, 0x4000}},
    .irq = 10,
    .flags = DEV_NO_DMA,
};

static struct partition_config cfg;
static struct vpci V;

/* The machine, the partition's row (these two functions), both probed and added. */
static void setup_with(const struct pt_device *nic, const struct pt_device *snd)
{
	struct vpci_fn fn;
	char why[160];

	build_machine();
	memset(&cfg, 0, sizeof(cfg));
	cfg.name = "net";
	cfg.cpus.apic_id[0] = 2;
	cfg.cpus.apic_id[1] = 3;
	cfg.cpus.count = 2;
	cfg.devices.d[0] = *nic;
	cfg.devices.d[1] = *snd;
	cfg.devices.count = 2;
	vpci_init(&V, PART, &cfg);
	for (u32 i = 0; i < cfg.devices.count; i++) {
		why[0] = 0;
		CHECK_EQ(vpci_probe(&fn, &cfg.devices.d[i], why, sizeof(why)), 0);
		if (why[0])
			printf("  probe: %s\n", why);
		vpci_add(&V, &fn);
	}
	vpci_start(&V);
	for (u32 i = 0; i < NFN; i++)
		hw[i].writes = hw[i].bar_writes = 0;
	nrefusals = 0;
}

/* The NIC (pin INTA, .irq 11) and the second function (no pin, .irq 10, DEV_NO_DMA). */
static void setup(void)
{
	setup_with(&nic_dev, &snd_dev);
}

static void sel(u32 bdf, u32 reg)
{
	vpci_port_write(&V, CF8, 4, ADDR_EN | bdf << 8 | (reg & 0xfc));
}

static u32 rd(u32 bdf, u32 reg, u32 size)
{
	sel(bdf, reg);
	return vpci_port_read(&V, CFC + (reg & 3), size);
}

static void wr(u32 bdf, u32 reg, u32 size, u32 value)
{
	sel(bdf, reg);
	vpci_port_write(&V, CFC + (reg & 3), size, value);
}

static u32 hwr(u32 bdf, u32 reg, u32 size)
{
	return hw_get(hw_fn(bdf), reg, size);
}

/* ---- the ports ------------------------------------------------------------------------- */

static void test_linux_type1_probe(void)
{
	u32 tmp;

	setup();
	/* arch/x86/pci/direct.c, pci_check_type1() */
	vpci_port_write(&V, 0xcfb, 1, 0x01);
	tmp = vpci_port_read(&V, CF8, 4);
	vpci_port_write(&V, CF8, 4, 0x80000000u);
	CHECK_EQ(vpci_port_read(&V, CF8, 4), 0x80000000u);
	/* pci_sanity_check(): class word of 00:00.0 is a host bridge */
	CHECK_EQ(vpci_port_read(&V, CFC + 2, 2), 0x29c0);
	sel(BRIDGE_BDF, 0x08);
	CHECK_EQ(vpci_port_read(&V, CFC + 2, 2), 0x0600);
	vpci_port_write(&V, CF8, 4, tmp);
	CHECK_EQ(vpci_port_read(&V, CF8, 4), tmp);
	/* CONFIG_ADDRESS keeps what was written but bits 1:0 */
	vpci_port_write(&V, CF8, 4, 0x8000103fu);
	CHECK_EQ(vpci_port_read(&V, CF8, 4), 0x8000103cu);
	/* byte and word accesses to 0xcf8-0xcfb: all-ones, and they change nothing */
	CHECK_EQ(vpci_port_read(&V, CF8, 1), 0xff);
	CHECK_EQ(vpci_port_read(&V, CF8, 2), 0xffff);
	CHECK_EQ(vpci_port_read(&V, 0xcf9, 1), 0xff);
	vpci_port_write(&V, 0xcf9, 1, 0x06);
	vpci_port_write(&V, CF8, 2, 0);
	vpci_port_write(&V, 0xcfa, 2, 0);
	CHECK_EQ(vpci_port_read(&V, CF8, 4), 0x8000103cu);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(bad_accesses, 0);
}

static void test_host_bridge_picture(void)
{
	setup();
	CHECK_EQ(rd(BRIDGE_BDF, R_VENDOR, 4), 0x29c08086u);
	CHECK_EQ(rd(BRIDGE_BDF, R_CLASS, 4), 0x06000002u);
	CHECK_EQ(rd(BRIDGE_BDF, R_COMMAND, 4), 0);
	CHECK_EQ(rd(BRIDGE_BDF, R_HEADER, 1), 0); /* one function, header type 0 */
	for (u32 reg = R_BAR(0); reg < 0x100; reg += 4)
		CHECK_EQ(rd(BRIDGE_BDF, reg, 4), 0);
	/* writes go nowhere, and are not news */
	wr(BRIDGE_BDF, R_COMMAND, 2, 0);
	wr(BRIDGE_BDF, R_BAR(0), 4, 0xffffffffu);
	wr(BRIDGE_BDF, 0xe0, 4, 0);
	CHECK_EQ(hw[0].writes, 0);
	CHECK_EQ(hwr(BRIDGE_BDF, R_COMMAND, 2), 0x0006);
	CHECK_EQ(rd(BRIDGE_BDF, R_BAR(0), 4), 0);
	CHECK_EQ(nrefusals, 0);
}

static void test_absent_functions_all_ones(void)
{
	static const u32 absent[] = {OTHER_BDF,	      P2P_BDF,	       PT_BDF(0, 2, 1),
				     PT_BDF(0, 5, 0), PT_BDF(1, 0, 0), PT_BDF(0xff, 0x1f, 7)};

	setup();
	for (u32 i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		CHECK_EQ(rd(absent[i], R_VENDOR, 4), 0xffffffffu);
		CHECK_EQ(rd(absent[i], R_VENDOR, 2), 0xffff);
		CHECK_EQ(rd(absent[i], R_CLASS + 3, 1), 0xff);
		CHECK_EQ(rd(absent[i], R_SCRATCH, 4), 0xffffffffu);
	}
	/* enable bit off, or reserved bits 30:24 set: nothing selected */
	vpci_port_write(&V, CF8, 4, NIC_BDF << 8);
	CHECK_EQ(vpci_port_read(&V, CFC, 4), 0xffffffffu);
	vpci_port_write(&V, CF8, 4, ADDR_EN | 0x01000000u | NIC_BDF << 8);
	CHECK_EQ(vpci_port_read(&V, CFC, 4), 0xffffffffu);
	/* its own function answers */
	CHECK_EQ(rd(NIC_BDF, R_VENDOR, 4), 0x10d38086u);
	CHECK_EQ(rd(SND_BDF, R_VENDOR, 4), 0x293e8086u);
}

/* Every size at every offset of 0xcfc-0xcff: aligned ones reach the register, the others
 * read all-ones and write nothing. */
static void test_every_offset_and_size(void)
{
	static const u32 sizes[] = {1, 2, 4};

	setup();
	for (u32 s = 0; s < 3; s++)
		for (u32 off = 0; off < 4; off++) {
			u32 size = sizes[s],
			    mask = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
			bool ok = off % size == 0 && off + size <= 4;
			u32 before = hwr(NIC_BDF, R_SCRATCH, 4),
			    pattern = 0xa5c3e1f0u ^ (off << 4 | s);

			/* read: the bytes of the dword at the offset */
			sel(NIC_BDF, R_SCRATCH);
			CHECK_EQ(vpci_port_read(&V, CFC + off, size),
				 ok ? (before >> (8 * off)) & mask : mask);
			CHECK_EQ(vpci_port_read(&V, CFC + off, size) == mask, !ok);
			/* write: those bytes change, no other */
			vpci_port_write(&V, CFC + off, size, pattern);
			CHECK_EQ(hwr(NIC_BDF, R_SCRATCH, 4),
				 ok ? (before & ~(mask << (8 * off))) |
					  ((pattern & mask) << (8 * off))
				    : before);
		}
	/* the same through the header: the interrupt line byte at 0xcfc, the pin at 0xcfd */
	wr(NIC_BDF, R_LINE, 1, 0x05);
	CHECK_EQ(rd(NIC_BDF, R_LINE, 1), 0x05);
	wr(NIC_BDF, R_PIN, 1, 0x04);
	CHECK_EQ(rd(NIC_BDF, R_PIN, 1), 0x01);
	CHECK_EQ(rd(NIC_BDF, R_LINE, 2), 0x0105);
	CHECK_EQ(rd(NIC_BDF, R_VENDOR + 2, 2), 0x10d3);
	CHECK_EQ(rd(NIC_BDF, R_VENDOR + 1, 1), 0x80);
	CHECK_EQ(rd(NIC_BDF, R_VENDOR + 3, 1), 0x10);
	CHECK_EQ(bad_accesses, 0);
}

/* ---- BARs -------------------------------------------------------------------------------- */

/* Linux's __pci_read_base(): decoding off, read, all-ones, read the mask, restore. */
static u32 size_bar(u32 reg)
{
	u32 orig = rd(NIC_BDF, reg, 4), mask;

	wr(NIC_BDF, reg, 4, 0xffffffffu);
	mask = rd(NIC_BDF, reg, 4);
	wr(NIC_BDF, reg, 4, orig);
	CHECK_EQ(rd(NIC_BDF, reg, 4), orig);
	return mask;
}

static void test_bar_sizing(void)
{
	u16 cmd;

	setup();
	cmd = (u16)rd(NIC_BDF, R_COMMAND, 2);
	wr(NIC_BDF, R_COMMAND, 2, cmd & ~(CMD_IO | CMD_MEM));
	CHECK_EQ(rd(NIC_BDF, R_BAR(0), 4), 0xfebc0000u);
	CHECK_EQ(rd(NIC_BDF, R_BAR(1), 4), 0x0000c001u);
	CHECK_EQ(rd(NIC_BDF, R_BAR(2), 4), 0x0000000cu);
	CHECK_EQ(rd(NIC_BDF, R_BAR(3), 4), 0x00000008u);
	CHECK_EQ(rd(NIC_BDF, R_BAR(4), 4), 0);
	CHECK_EQ(size_bar(R_BAR(0)), 0xfffe0000u); /* 128 KiB */
	CHECK_EQ(size_bar(R_BAR(1)), 0x0000ffe1u); /* 32 ports */
	CHECK_EQ(size_bar(R_BAR(2)), 0xfff0000cu); /* 1 MiB, 64-bit, prefetchable */
	CHECK_EQ(size_bar(R_BAR(3)), 0xffffffffu); /* the upper half */
	CHECK_EQ(size_bar(R_BAR(4)), 0);
	CHECK_EQ(size_bar(R_BAR(5)), 0);
	/* both halves at once, as Linux sizes a 64-bit BAR */
	wr(NIC_BDF, R_BAR(2), 4, 0xffffffffu);
	wr(NIC_BDF, R_BAR(3), 4, 0xffffffffu);
	CHECK_EQ(rd(NIC_BDF, R_BAR(2), 4), 0xfff0000cu);
	CHECK_EQ(rd(NIC_BDF, R_BAR(3), 4), 0xffffffffu);
	CHECK_EQ(rd(NIC_BDF, R_BAR(0), 4), 0xfebc0000u);
	wr(NIC_BDF, R_BAR(2), 4, 0x0000000cu);
	wr(NIC_BDF, R_BAR(3), 4, 0x00000008u);
	CHECK_EQ(rd(NIC_BDF, R_BAR(2), 4), 0x0000000cu);
	CHECK_EQ(rd(NIC_BDF, R_BAR(3), 4), 0x00000008u);
	/* restoring without the read-only low bits is a restore too */
	wr(NIC_BDF, R_BAR(1), 4, 0xffffffffu);
	wr(NIC_BDF, R_BAR(1), 4, 0x0000c000u);
	CHECK_EQ(rd(NIC_BDF, R_BAR(1), 4), 0x0000c001u);
	wr(NIC_BDF, R_COMMAND, 2, cmd);
	/* the hardware's BARs were never written: never all-ones, never anything */
	CHECK_EQ(hw[1].bar_writes, 0);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(0), 4), 0xfebc0000u);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(3), 4), 0x00000008u);
	CHECK_EQ(rd(NIC_BDF, R_COMMAND, 2), CMD_IO | CMD_MEM | CMD_INTX);
	CHECK_EQ(nrefusals, 0);
}

static void test_bar_move_refused(void)
{
	setup();
	wr(NIC_BDF, R_BAR(0), 4, 0xfe000000u);
	CHECK(refused_once(KEY_PCI(NIC_BDF, R_BAR(0)), "bar0"));
	CHECK_EQ(rd(NIC_BDF, R_BAR(0), 4), 0xfebc0000u);
	/* the upper half of the 64-bit BAR: to 0x10_0000_0000 */
	wr(NIC_BDF, R_BAR(3), 4, 0x10);
	CHECK(refused_once(KEY_PCI(NIC_BDF, R_BAR(3)), "bar3"));
	CHECK_EQ(rd(NIC_BDF, R_BAR(3), 4), 8);
	/* into the low 4 GiB: bits 3:0 of an upper half are taken for flag bits, so this one is
	 * dropped without a word (minor: nothing reaches the device either way) */
	wr(NIC_BDF, R_BAR(3), 4, 0);
	nrefusals = 0;
	CHECK_EQ(rd(NIC_BDF, R_BAR(3), 4), 8);
	/* the I/O BAR onto the PIC's ports */
	wr(NIC_BDF, R_BAR(1), 4, 0x00000021u);
	CHECK(refused_once(KEY_PCI(NIC_BDF, R_BAR(1)), "bar1"));
	/* a byte or a word at a time, even of the same value */
	wr(NIC_BDF, R_BAR(0) + 2, 1, 0xbc);
	CHECK(refused_once(KEY_PCI(NIC_BDF, R_BAR(0)), "bar0"));
	wr(NIC_BDF, R_BAR(0) + 2, 2, 0xfebc);
	CHECK(refused_once(KEY_PCI(NIC_BDF, R_BAR(0)), "bar0"));
	/* the same refusal again has the same key: named once */
	wr(NIC_BDF, R_BAR(0), 4, 0xfe000000u);
	CHECK(refused_once(KEY_PCI(NIC_BDF, R_BAR(0)), "bar0"));
	CHECK_EQ(hw[1].bar_writes, 0);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(0), 4), 0xfebc0000u);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(1), 4), 0x0000c001u);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(3), 4), 8);
	CHECK_EQ(rd(NIC_BDF, R_BAR(0), 4), 0xfebc0000u);
}

static void test_rom_reads_zero(void)
{
	setup();
	CHECK_EQ(rd(NIC_BDF, R_ROM, 4), 0);
	wr(NIC_BDF, R_ROM, 4, 0xffffffffu);
	CHECK_EQ(rd(NIC_BDF, R_ROM, 4), 0);
	wr(NIC_BDF, R_ROM, 4, 0xfeb80001u); /* enable it */
	CHECK_EQ(rd(NIC_BDF, R_ROM, 4), 0);
	CHECK_EQ(hw[1].bar_writes, 0);
	CHECK_EQ(hwr(NIC_BDF, R_ROM, 4), 0xfeb80000u);
}

/* ---- command ---------------------------------------------------------------------------- */

static void test_command_bits(void)
{
	setup();
	wr(NIC_BDF, R_COMMAND, 2, 0xffff);
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), CMD_VALID);
	CHECK_EQ(rd(NIC_BDF, R_COMMAND, 2), CMD_VALID);
	CHECK_EQ(nrefusals, 0);
	/* byte writes: the high byte alone keeps the low one */
	wr(NIC_BDF, R_COMMAND + 1, 1, 0x00);
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), CMD_VALID & 0xff);
	wr(NIC_BDF, R_COMMAND, 1, 0xfb); /* all but bus mastering */
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), 0x53);
	wr(NIC_BDF, R_COMMAND + 1, 1, 0xff);
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), 0x553);
	/* a dword at 0x04 sets command; status is read-only here */
	wr(NIC_BDF, R_COMMAND, 4, 0xffff0007u);
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), 0x0007);
	CHECK_EQ(hwr(NIC_BDF, R_STATUS, 2), 0x0010);
	CHECK_EQ(nrefusals, 0);
}

static void test_bus_master_no_dma(void)
{
	setup();
	/* as Linux's pci_set_master(): read, bus mastering added, written back */
	wr(SND_BDF, R_COMMAND, 2, rd(SND_BDF, R_COMMAND, 2) | CMD_MEM | CMD_BM);
	CHECK(refused_once(KEY_PCI(SND_BDF, R_COMMAND), "bus master"));
	CHECK_EQ(hwr(SND_BDF, R_COMMAND, 2), CMD_INTX | CMD_MEM);
	wr(SND_BDF, R_COMMAND, 1, 0xff);
	CHECK(refused_once(KEY_PCI(SND_BDF, R_COMMAND), "bus master"));
	CHECK_EQ(hwr(SND_BDF, R_COMMAND, 2), CMD_INTX | (0xf3 & CMD_VALID));
	wr(SND_BDF, R_COMMAND, 4, 0x00000406u);
	CHECK(refused_once(KEY_PCI(SND_BDF, R_COMMAND), "bus master"));
	CHECK_EQ(hwr(SND_BDF, R_COMMAND, 2), 0x0402);
	/* the NIC may */
	wr(NIC_BDF, R_COMMAND, 2, CMD_MEM | CMD_BM);
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), CMD_MEM | CMD_BM);
	CHECK_EQ(nrefusals, 0);
}

static void test_other_function_refused(void)
{
	setup();
	wr(OTHER_BDF, R_COMMAND, 2, CMD_MEM | CMD_BM);
	CHECK(refused_once(KEY_PCI(OTHER_BDF, 0), "not its device"));
	wr(OTHER_BDF, R_BAR(0), 4, 0xffffffffu);
	CHECK(refused_once(KEY_PCI(OTHER_BDF, 0), "00:04.0"));
	wr(P2P_BDF, 0x18, 4, 0x00010100u); /* bus numbers */
	CHECK(refused_once(KEY_PCI(P2P_BDF, 0), "00:1e.0"));
	wr(PT_BDF(0, 2, 1), R_COMMAND, 1, 7);
	CHECK(refused_once(KEY_PCI(PT_BDF(0, 2, 1), 0), "00:02.1"));
	CHECK_EQ(hw[3].writes, 0);
	CHECK_EQ(hw[4].writes, 0);
	CHECK_EQ(hwr(OTHER_BDF, R_COMMAND, 2), CMD_MEM);
	CHECK_EQ(hwr(OTHER_BDF, R_BAR(0), 4), 0xfeb00000u);
	CHECK_EQ(rd(OTHER_BDF, R_BAR(0), 4), 0xffffffffu);
}

/* ---- capabilities: MSI-X hidden ----------------------------------------------------------- */

static u32 walk_caps(u32 bdf, u32 *ids, u32 max)
{
	u32 n = 0;

	if (!(rd(bdf, R_STATUS, 2) & 0x10))
		return 0;
	for (u32 at = rd(bdf, R_CAPS, 1) & 0xfc; at && n < max; at = rd(bdf, at + 1, 1) & 0xfc)
		ids[n++] = at << 8 | rd(bdf, at, 1);
	return n;
}

static void test_msix_hidden(void)
{
	u32 caps[8];

	setup();
	/* PM, MSI, vendor: MSI-X at 0x70 is not in the list */
	CHECK_EQ(walk_caps(NIC_BDF, caps, 8), 3);
	CHECK_EQ(caps[0], 0x4001);
	CHECK_EQ(caps[1], 0x5005);
	CHECK_EQ(caps[2], 0x8009);
	CHECK_EQ(rd(NIC_BDF, NIC_MSI, 4) & 0xff00, 0x8000); /* the dword shows it too */
	for (u32 r = NIC_MSIX; r < NIC_MSIX + 12; r += 4)
		CHECK_EQ(rd(NIC_BDF, r, 4), 0);
	/* MSI-X first in the list: the capability pointer skips it */
	CHECK_EQ(rd(SND_BDF, R_CAPS, 1), SND_MSI);
	CHECK_EQ(rd(SND_BDF, R_CAPS, 4), SND_MSI);
	CHECK_EQ(walk_caps(SND_BDF, caps, 8), 1);
	CHECK_EQ(caps[0], SND_MSI << 8 | 5);
	/* its writes: refused, the device untouched */
	wr(NIC_BDF, NIC_MSIX + 2, 2, MSIX_EN);
	CHECK(refused_once(KEY_PCI(NIC_BDF, NIC_MSIX), "msi-x"));
	wr(NIC_BDF, NIC_MSIX, 4, 0xffffffffu);
	CHECK(refused_once(KEY_PCI(NIC_BDF, NIC_MSIX), "msi-x"));
	wr(NIC_BDF, NIC_MSIX + 3, 1, 0xc0);
	CHECK(refused_once(KEY_PCI(NIC_BDF, NIC_MSIX), "msi-x"));
	wr(SND_BDF, SND_MSIX + 2, 2, MSIX_EN);
	CHECK(refused_once(KEY_PCI(SND_BDF, SND_MSIX), "msi-x"));
	CHECK_EQ(hwr(NIC_BDF, NIC_MSIX, 4), 0x00048011u);
	CHECK_EQ(hwr(SND_BDF, SND_MSIX, 4), 0x00004811u);
	/* PM's registers are the device's own */
	wr(NIC_BDF, 0x44, 4, 0);
	CHECK_EQ(nrefusals, 0);
}

/* ---- MSI ---------------------------------------------------------------------------------- */

/* What Linux's __pci_write_msi_msg() then pci_msi_set_enable() do: the message with MSI off,
 * then the control word with enable and the number of messages. */
static void nic_msi(u32 addr_lo, u32 addr_hi, u32 data, u32 mme)
{
	wr(NIC_BDF, NIC_MSI + 4, 4, addr_lo);
	wr(NIC_BDF, NIC_MSI + 8, 4, addr_hi);
	wr(NIC_BDF, NIC_MSI + 12, 2, data);
	wr(NIC_BDF, NIC_MSI + 2, 2, (rd(NIC_BDF, NIC_MSI + 2, 2) & ~0x0071u) | MSI_EN | mme << 4);
}

/* pci_msi_set_enable(): the control word read, its enable bit changed, written back */
static void nic_msi_enable(bool on)
{
	u32 ctl = rd(NIC_BDF, NIC_MSI + 2, 2) & ~MSI_EN;

	wr(NIC_BDF, NIC_MSI + 2, 2, on ? ctl | MSI_EN : ctl);
}

static bool nic_msi_enabled(void)
{
	return hwr(NIC_BDF, NIC_MSI + 2, 2) & MSI_EN;
}

static void test_msi_valid(void)
{
	setup();
	CHECK(!nic_msi_enabled());
	nic_msi(0xfee02000u, 0, 0x0041, 0);
	CHECK_EQ(nrefusals, 0);
	CHECK(nic_msi_enabled());
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 4, 4), 0xfee02000u);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 8, 4), 0);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 12, 2), 0x0041);
	CHECK_EQ(rd(NIC_BDF, NIC_MSI + 2, 2), 0x0185);
	/* lowest priority, its other CPU, redirection hint, four messages from 0x40 */
	nic_msi(0xfee03008u, 0, 0x0141, 2);
	CHECK_EQ(nrefusals, 0);
	CHECK(nic_msi_enabled());
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 4, 4), 0xfee03008u);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 12, 2), 0x0141);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 2, 2), 0x01a5);
	/* eight messages from 0x20 (0x27 & ~7): the lowest is still 0x20 */
	nic_msi(0xfee02000u, 0, 0x0027, 3);
	CHECK_EQ(nrefusals, 0);
	CHECK(nic_msi_enabled());
	/* disabling reaches the device */
	nic_msi_enable(false);
	CHECK(!nic_msi_enabled());
	/* the masks are its own */
	wr(NIC_BDF, NIC_MSI + 16, 4, 0xf);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 16, 4), 0xf);
	/* 32-bit MSI of the second function */
	wr(SND_BDF, SND_MSI + 4, 4, 0xfee02000u);
	wr(SND_BDF, SND_MSI + 8, 2, 0x0050);
	wr(SND_BDF, SND_MSI + 2, 2, MSI_EN);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(hwr(SND_BDF, SND_MSI + 2, 2) & MSI_EN, MSI_EN);
	CHECK_EQ(hwr(SND_BDF, SND_MSI + 4, 4), 0xfee02000u);
	CHECK_EQ(hwr(SND_BDF, SND_MSI + 8, 2), 0x0050);
}

static void test_msi_invalid(void)
{
	static const struct {
		u32 addr_lo, addr_hi, data, mme;
		const char *why;
	} bad[] = {
	    {0xfee00000u, 0, 0x0041, 0, "not one of its CPUs"}, /* CPU 0: another's */
	    {0xfee01000u, 0, 0x0041, 0, "not one of its CPUs"}, /* CPU 1 */
	    {0xfee04000u, 0, 0x0041, 0, "not one of its CPUs"}, /* none */
	    {0xfee02004u, 0, 0x0041, 0, "logical"},		/* logical mode */
	    {0xfee02010u, 0, 0x0041, 0, "extended"},		/* ext. dest bits */
	    {0xfee02000u, 0, 0x0241, 0, "delivery mode"},	/* SMI */
	    {0xfee02000u, 0, 0x0402, 0, "delivery mode"},	/* NMI */
	    {0xfee02000u, 0, 0x0500, 0, "delivery mode"},	/* INIT */
	    {0xfee02000u, 0, 0x0741, 0, "delivery mode"},	/* ExtINT */
	    {0xfee02000u, 0, 0x0341, 0, "delivery mode"},	/* reserved */
	    {0xfee02000u, 0, 0xc041, 0, "delivery mode"},	/* level trigger */
	    {0xfee02000u, 0, 0x0841, 0, "delivery mode"},	/* reserved bit 11 */
	    {0xfee02000u, 0, 0x001f, 0, "vector below 0x20"},	/* an exception's */
	    {0xfee02000u, 0, 0x0002, 0, "vector below 0x20"},	/* NMI's vector */
	    {0xfee02000u, 0, 0x0030, 6, "vector below 0x20"},	/* 64 msgs: 0x00-0x3f */
	    {0xfec02000u, 0, 0x0041, 0, "address outside"},	/* the I/O APIC */
	    {0x00002000u, 0, 0x0041, 0, "address outside"},	/* RAM */
	    {0xfef02000u, 0, 0x0041, 0, "address outside"},	/* just above */
	    {0xfee02000u, 1, 0x0041, 0, "address outside"},	/* above 4 GiB */
	    {0xfee02000u, 0x80000000u, 0x0041, 0, "address outside"},
	};

	for (u32 i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup();
		nic_msi(0xfee02000u, 0, 0x0041, 0); /* a valid one first */
		nic_msi_enable(false);		    /* then disabled */
		CHECK_EQ(nrefusals, 0);
		nic_msi(bad[i].addr_lo, bad[i].addr_hi, bad[i].data, bad[i].mme);
		if (!refused_once(KEY_MSI(NIC_BDF), bad[i].why)) {
			printf("  case %u: addr 0x%x:%08x data 0x%x mme %u\n", i, bad[i].addr_hi,
			       bad[i].addr_lo, bad[i].data, bad[i].mme);
			check_failed_in_test = 1;
		}
		CHECK(!nic_msi_enabled());
		/* the device still holds the valid message, not the refused one */
		CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 4, 4), 0xfee02000u);
		CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 8, 4), 0);
		CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 12, 2), 0x0041);
		/* named once: the next attempt has the same key */
		nic_msi_enable(true);
		CHECK(refused_once(KEY_MSI(NIC_BDF), "msi"));
		CHECK(!nic_msi_enabled());
	}
}

/* A valid message while enabled, then one field at a time made invalid: MSI goes off. */
static void test_msi_changed_while_enabled(void)
{
	setup();
	nic_msi(0xfee03000u, 0, 0x0045, 0);
	CHECK(nic_msi_enabled());
	wr(NIC_BDF, NIC_MSI + 4, 4, 0xfee00000u); /* to CPU 0 */
	CHECK(refused_once(KEY_MSI(NIC_BDF), "not one of its CPUs"));
	CHECK(!nic_msi_enabled());
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 4, 4), 0xfee03000u);
	wr(NIC_BDF, NIC_MSI + 4, 4, 0xfee02000u); /* back to its own: on again */
	CHECK_EQ(nrefusals, 0);
	CHECK(nic_msi_enabled());
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 4, 4), 0xfee02000u);
	wr(NIC_BDF, NIC_MSI + 12, 1, 0x10); /* vector byte alone */
	CHECK(refused_once(KEY_MSI(NIC_BDF), "vector"));
	CHECK(!nic_msi_enabled());
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 12, 2), 0x0045);
}

/* The control word's 64-bit and masking bits are read-only on the device: a partition that
 * writes them otherwise must not change where the message goes. */
static void test_msi_readonly_control_bits(void)
{
	setup();
	/* A driver that writes the control word whole, without reading it first (as it may on
	 * hardware): a valid message, enabled. */
	nic_msi(0xfee02000u, 0, 0x0041, 0);
	wr(NIC_BDF, NIC_MSI + 2, 2, 0);
	wr(NIC_BDF, NIC_MSI + 2, 2, MSI_EN);
	CHECK(nic_msi_enabled());
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 12, 2), 0x0041);
	nrefusals = 0;

	/* The NIC (64-bit), attacked: the control word without the 64-bit bit makes its data
	 * register (0x0c) a "mask" written straight through (NMI, vector 2), and the data checked
	 * is what goes into its upper address (0x08). */
	setup();
	wr(NIC_BDF, NIC_MSI + 2, 2, 0x0000);
	wr(NIC_BDF, NIC_MSI + 12, 2, 0x0402);
	wr(NIC_BDF, NIC_MSI + 4, 4, 0xfee02000u);
	wr(NIC_BDF, NIC_MSI + 8, 2, 0x0041);
	wr(NIC_BDF, NIC_MSI + 2, 2, MSI_EN);
	if (nic_msi_enabled()) {
		CHECK(hwr(NIC_BDF, NIC_MSI + 8, 4) == 0);
		CHECK((hwr(NIC_BDF, NIC_MSI + 12, 2) & 0x0700) == 0);
		CHECK(hwr(NIC_BDF, NIC_MSI + 12, 2) >= 0x20);
	}
	/* The second function (32-bit with masking), attacked: the control word with the 64-bit
	 * bit; the data checked is what goes into its mask bits (0x0c), its data register gets the
	 * "upper address" 0: vector 0. */
	wr(SND_BDF, SND_MSI + 2, 2, 0x0080);
	wr(SND_BDF, SND_MSI + 4, 4, 0xfee02000u);
	wr(SND_BDF, SND_MSI + 12, 2, 0x0041);
	wr(SND_BDF, SND_MSI + 8, 4, 0);
	wr(SND_BDF, SND_MSI + 2, 2, 0x0080 | MSI_EN);
	if (hwr(SND_BDF, SND_MSI + 2, 2) & MSI_EN)
		CHECK(hwr(SND_BDF, SND_MSI + 8, 2) >= 0x20);
	nrefusals = 0;
}

/* Destination 0xff is a broadcast: refused even to a partition that owns APIC ID 255. */
static void test_msi_broadcast_refused(void)
{
	setup();
	cfg.cpus.apic_id[1] = 0xff; /* its CPUs: 2 and 255 */
	nic_msi(0xfeeff000u, 0, 0x0041, 0);
	CHECK(refused_once(KEY_MSI(NIC_BDF), "not one of its CPUs"));
	CHECK(!nic_msi_enabled());
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 4, 4), 0);
	/* lowest priority with the redirection hint: the same */
	nic_msi_enable(false);
	nic_msi(0xfeeff008u, 0, 0x0141, 0);
	CHECK(refused_once(KEY_MSI(NIC_BDF), "not one of its CPUs"));
	CHECK(!nic_msi_enabled());
	/* its other CPU is fine */
	nic_msi_enable(false);
	nic_msi(0xfee02000u, 0, 0x0041, 0);
	CHECK_EQ(nrefusals, 0);
	CHECK(nic_msi_enabled());
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 4, 4), 0xfee02000u);
}

/* ---- INTx: Interrupt Disable is Bulkhead's ------------------------------------------------ */

/* A function whose pin is routed by its row (.irq) may use INTx: Interrupt Disable is its. */
static void test_intx_owned_may_clear(void)
{
	setup();
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2) & CMD_INTX, CMD_INTX); /* set at start */
	wr(NIC_BDF, R_COMMAND, 2, CMD_IO | CMD_MEM | CMD_BM);
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), CMD_IO | CMD_MEM | CMD_BM);
	wr(NIC_BDF, R_COMMAND + 1, 1, CMD_INTX >> 8);
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), CMD_INTX | CMD_IO | CMD_MEM | CMD_BM);
	wr(NIC_BDF, R_COMMAND + 1, 1, 0);
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), CMD_IO | CMD_MEM | CMD_BM);
	CHECK_EQ(rd(NIC_BDF, R_COMMAND, 2), CMD_IO | CMD_MEM | CMD_BM);
	/* a device-specific write does not take it back */
	wr(NIC_BDF, R_SCRATCH, 4, 0);
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), CMD_IO | CMD_MEM | CMD_BM);
	CHECK_EQ(nrefusals, 0);
}

/* Every way of clearing Interrupt Disable on a function whose pin it does not own: refused,
 * named (key: command's high byte), the bit kept, the rest of the write done. */
static void expect_intx_refused(u32 bdf, u16 base)
{
	wr(bdf, R_COMMAND, 2, base);
	CHECK(refused_once(KEY_PCI(bdf, R_COMMAND + 1), "INTx"));
	CHECK_EQ(hwr(bdf, R_COMMAND, 2), CMD_INTX | base);
	wr(bdf, R_COMMAND + 1, 1, 0);
	CHECK(refused_once(KEY_PCI(bdf, R_COMMAND + 1), "INTx"));
	CHECK_EQ(hwr(bdf, R_COMMAND, 2), CMD_INTX | base);
	wr(bdf, R_COMMAND, 4, 0xffff0000u | base);
	CHECK(refused_once(KEY_PCI(bdf, R_COMMAND + 1), "INTx"));
	CHECK_EQ(hwr(bdf, R_COMMAND, 2), CMD_INTX | base);
	/* the low byte alone, or the bit kept: nothing to refuse */
	wr(bdf, R_COMMAND, 1, 0);
	wr(bdf, R_COMMAND, 2, CMD_INTX | base);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(hwr(bdf, R_COMMAND, 2), CMD_INTX | base);
	CHECK_EQ(rd(bdf, R_COMMAND, 2), CMD_INTX | base);
}

static void test_intx_not_owned_refused(void)
{
	struct pt_device nic = nic_dev, snd = snd_dev;

	/* .irq but no pin (the second function): nothing of its asserts a line it owns */
	setup();
	CHECK_EQ(hwr(SND_BDF, R_COMMAND, 2) & CMD_INTX, CMD_INTX);
	expect_intx_refused(SND_BDF, CMD_MEM);
	/* a pin (INTA) but no .irq: the line is another partition's or nobody's */
	nic.irq = 0;
	setup_with(&nic, &snd);
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2) & CMD_INTX, CMD_INTX);
	expect_intx_refused(NIC_BDF, CMD_IO | CMD_MEM | CMD_BM);
	/* a pin and .irq: its own (the control) */
	snd.irq = 0;
	setup_with(&nic_dev, &snd);
	wr(NIC_BDF, R_COMMAND, 2, CMD_IO | CMD_MEM);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), CMD_IO | CMD_MEM);
}

/* A function-level reset through a device-specific register: command and BARs cleared.
 * Interrupt Disable must be back at once where the pin is not owned, and each BAR back where
 * the table has it before decoding is turned on again. */
static void test_reset_through_device_register(void)
{
	/* the second function: decoding on, then reset */
	setup();
	CHECK_EQ(hwr(SND_BDF, R_COMMAND, 2), CMD_INTX | CMD_MEM);
	wr(SND_BDF, R_FLR, 1, 1);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(hwr(SND_BDF, R_COMMAND, 2), CMD_INTX); /* at once */
	CHECK_EQ(hwr(SND_BDF, R_BAR(0), 4), 0);		/* the reset's, decoding off */
	CHECK_EQ(rd(SND_BDF, R_BAR(0), 4), 0xfebf0000u);
	/* decoding on by a byte write, as a driver restoring its command register might */
	wr(SND_BDF, R_COMMAND, 1, CMD_MEM);
	CHECK_EQ(hwr(SND_BDF, R_BAR(0), 4), 0xfebf0000u);
	CHECK_EQ(hwr(SND_BDF, R_COMMAND, 2), CMD_INTX | CMD_MEM);
	CHECK_EQ(decoding_misplaced, 0);
	CHECK_EQ(nrefusals, 0);

	/* the NIC (its pin is owned: Interrupt Disable is its to leave clear): as Linux's
	 * pci_restore_state() after a reset, the saved BARs, then the command register */
	setup();
	wr(NIC_BDF, R_COMMAND, 2, CMD_IO | CMD_MEM | CMD_BM);
	wr(NIC_BDF, R_FLR, 4, 1);
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), 0);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(0), 4), 0);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(1), 4), 0x00000001u);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(3), 4), 0);
	for (u32 i = 0; i < 6; i++)
		wr(NIC_BDF, R_BAR(i), 4, rd(NIC_BDF, R_BAR(i), 4));
	wr(NIC_BDF, R_COMMAND, 2, CMD_IO | CMD_MEM | CMD_BM);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(0), 4), 0xfebc0000u);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(1), 4), 0x0000c001u);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(2), 4), 0x0000000cu);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(3), 4), 0x00000008u);
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), CMD_IO | CMD_MEM | CMD_BM);
	CHECK_EQ(decoding_misplaced, 0);
	CHECK_EQ(decoding_sized, 0);
	CHECK_EQ(nrefusals, 0);
	/* the NIC reset again, its pin not owned this time: Interrupt Disable back at once */
	{
		struct pt_device nic = nic_dev;

		nic.irq = 0;
		setup_with(&nic, &snd_dev);
	}
	wr(NIC_BDF, R_FLR, 2, 1);
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), CMD_INTX);
	wr(NIC_BDF, R_COMMAND, 2, CMD_INTX | CMD_MEM);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(0), 4), 0xfebc0000u);
	CHECK_EQ(decoding_misplaced, 0);
	CHECK_EQ(nrefusals, 0);
}

/* Defaults reloaded through a device-specific register turn MSI-X on and clear Interrupt
 * Disable: MSI-X goes off again at once, and Interrupt Disable comes back where the pin is
 * not owned. */
static void test_reload_puts_back(void)
{
	setup();
	wr(NIC_BDF, R_RELOAD, 4, 1);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSIX + 2, 2) & MSIX_EN, 0);
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), CMD_IO | CMD_MEM); /* its pin: owned */
	wr(SND_BDF, R_RELOAD, 1, 1);
	CHECK_EQ(hwr(SND_BDF, SND_MSIX + 2, 2) & MSIX_EN, 0);
	CHECK_EQ(hwr(SND_BDF, R_COMMAND, 2), CMD_INTX | CMD_MEM);
	CHECK_EQ(nrefusals, 0);
}

/* ---- probe, start, quiesce ------------------------------------------------------------------ */

static int probe(const struct pt_device *d, char *why)
{
	struct vpci_fn fn;

	why[0] = 0;
	return vpci_probe(&fn, d, why, 160);
}

static void test_probe_refusals(void)
{
	char why[160];
	struct pt_device d;

	build_machine();
	d = nic_dev;
	d.bdf = PT_BDF(0, 5, 0);
	CHECK_EQ(probe(&d, why), ERR(E_NOTFOUND));
	CHECK(strstr(why, "absent") != NULL);
	d.bdf = P2P_BDF;
	CHECK_EQ(probe(&d, why), ERR(E_INVAL));
	CHECK(strstr(why, "header type 1") != NULL);

	d = nic_dev; /* BAR1 kind */
	d.bar[1] = (struct pt_bar){BAR_MEM, 0xc000, 0x20};
	CHECK_EQ(probe(&d, why), ERR(E_INVAL));
	CHECK(strstr(why, "bar1 is io") != NULL);
	d = nic_dev; /* BAR0 base */
	d.bar[0].base = 0xfebe0000u;
	CHECK_EQ(probe(&d, why), ERR(E_INVAL));
	CHECK(strstr(why, "bar0") != NULL);
	d = nic_dev; /* BAR0 size */
	d.bar[0].size = 0x10000;
	CHECK_EQ(probe(&d, why), ERR(E_INVAL));
	CHECK(strstr(why, "bar0") != NULL);
	d = nic_dev; /* BAR1 ports */
	d.bar[1].size = 0x40;
	CHECK_EQ(probe(&d, why), ERR(E_INVAL));
	CHECK(strstr(why, "bar1") != NULL);
	d = nic_dev; /* the 64-bit BAR's base, above 4 GiB */
	d.bar[2].base = 0x900000000ull;
	CHECK_EQ(probe(&d, why), ERR(E_INVAL));
	CHECK(strstr(why, "bar2") != NULL);
	d = nic_dev; /* its upper half named as a BAR */
	d.bar[3] = (struct pt_bar){BAR_MEM, 0x8, 0x1000};
	CHECK_EQ(probe(&d, why), ERR(E_INVAL));
	d = nic_dev; /* a BAR the function does not have */
	d.bar[4] = (struct pt_bar){BAR_MEM, 0xfe000000u, 0x1000};
	CHECK_EQ(probe(&d, why), ERR(E_INVAL));
	CHECK(strstr(why, "bar4 is none") != NULL);
	d = nic_dev; /* a BAR missing from the table */
	d.bar[0] = (struct pt_bar){BAR_NONE, 0, 0};
	CHECK_EQ(probe(&d, why), ERR(E_INVAL));
	CHECK(strstr(why, "bar0 is mem") != NULL);

	d = nic_dev; /* as it is */
	CHECK_EQ(probe(&d, why), 0);
	/* every probe left the BARs as firmware placed them, decoding off while sizing */
	CHECK_EQ(hwr(NIC_BDF, R_BAR(0), 4), 0xfebc0000u);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(1), 4), 0x0000c001u);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(2), 4), 0x0000000cu);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(3), 4), 0x00000008u);
	CHECK_EQ(decoding_sized, 0);
	CHECK_EQ(bad_accesses, 0);
	CHECK_EQ(hw[4].writes, 0);
}

/* Class 0x06, a bridge of any kind: its registers are the machine's. */
static void test_probe_refuses_bridges(void)
{
	static const struct pt_device host = {.kind = DEV_PCI, .name = "host", .bdf = BRIDGE_BDF};
	static const struct pt_device lpc = {.kind = DEV_PCI, .name = "lpc", .bdf = LPC_BDF};
	static const u32 classes[] = {0x06000000u, 0x06010000u, 0x06040001u, 0x06800000u};
	char why[160];

	build_machine();
	CHECK_EQ(probe(&host, why), ERR(E_INVAL));
	CHECK(strstr(why, "bridge") != NULL);
	CHECK_EQ(probe(&lpc, why), ERR(E_INVAL));
	CHECK(strstr(why, "bridge") != NULL);
	CHECK_EQ(hw[0].writes, 0);
	CHECK_EQ(hw[5].writes, 0);
	CHECK_EQ(hwr(LPC_BDF, R_COMMAND, 2), 0x0007);
	/* the second function, as it is (a multimedia device) and as a bridge of each kind */
	CHECK_EQ(probe(&snd_dev, why), 0);
	for (u32 i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		build_machine();
		hw_set(&hw[2], R_CLASS, 4, classes[i], 0);
		CHECK_EQ(probe(&snd_dev, why), ERR(E_INVAL));
		CHECK(strstr(why, "bridge") != NULL);
	}
}

/* A pin, no .irq, and an Interrupt Disable bit that does not stick (before PCI 2.3): the
 * function would assert an input it does not own, and is refused. */
static void test_probe_pin_cannot_be_silenced(void)
{
	struct pt_device snd = snd_dev;
	char why[160];

	snd.irq = 0;
	build_machine();
	hw[2].cfg[R_PIN] = 3; /* INTC */
	hw[2].wmask[R_COMMAND + 1] &= (u8) ~(CMD_INTX >> 8);
	CHECK_EQ(probe(&snd, why), ERR(E_INVAL));
	CHECK(strstr(why, "INTC") != NULL);
	CHECK(strstr(why, "Interrupt Disable") != NULL);
	/* with .irq: its own line, accepted */
	CHECK_EQ(probe(&snd_dev, why), 0);
	/* no pin: nothing to silence, accepted */
	hw[2].cfg[R_PIN] = 0;
	CHECK_EQ(probe(&snd, why), 0);
	/* a pin whose Interrupt Disable sticks: accepted, and left set */
	build_machine();
	hw[2].cfg[R_PIN] = 1;
	CHECK_EQ(probe(&snd, why), 0);
	CHECK_EQ(hwr(SND_BDF, R_COMMAND, 2), CMD_INTX | CMD_MEM);
}

static void test_probe_leaves_quiet(void)
{
	char why[160];

	build_machine();
	/* firmware (or a previous owner) left everything on */
	hw[1].cfg[R_COMMAND] = CMD_IO | CMD_MEM | CMD_BM;
	hw[1].cfg[NIC_MSI + 2] |= MSI_EN;
	hw[1].cfg[NIC_MSIX + 3] |= MSIX_EN >> 8;
	hw[2].cfg[SND_MSIX + 3] |= MSIX_EN >> 8;
	CHECK_EQ(probe(&nic_dev, why), 0);
	CHECK_EQ(probe(&snd_dev, why), 0);
	/* decoding as firmware left it, Interrupt Disable set */
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), CMD_IO | CMD_MEM | CMD_INTX);
	CHECK_EQ(hwr(SND_BDF, R_COMMAND, 2), CMD_MEM | CMD_INTX);
	CHECK(!nic_msi_enabled());
	CHECK_EQ(hwr(NIC_BDF, NIC_MSIX + 2, 2) & MSIX_EN, 0);
	CHECK_EQ(hwr(SND_BDF, SND_MSIX + 2, 2) & MSIX_EN, 0);
	CHECK_EQ(decoding_sized, 0);
}

static void test_start_and_quiesce(void)
{
	setup();
	/* the partition ran: bus mastering, INTx, MSI, a BAR being sized, an address selected */
	wr(NIC_BDF, R_COMMAND, 2, CMD_IO | CMD_MEM | CMD_BM);
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2) & CMD_INTX, 0);
	nic_msi(0xfee02000u, 0, 0x0041, 0);
	wr(NIC_BDF, R_BAR(0), 4, 0xffffffffu);
	CHECK(nic_msi_enabled());
	hw[1].cfg[NIC_MSIX + 3] |= MSIX_EN >> 8; /* as if a stale owner had */

	vpci_quiesce(&V);
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), CMD_INTX);
	CHECK_EQ(hwr(SND_BDF, R_COMMAND, 2), CMD_INTX);
	CHECK(!nic_msi_enabled());
	CHECK_EQ(hwr(NIC_BDF, NIC_MSIX + 2, 2) & MSIX_EN, 0);
	CHECK_EQ(hw[1].bar_writes, 0);

	hw[1].cfg[R_COMMAND] |= CMD_BM;
	hw[1].cfg[R_COMMAND + 1] &= (u8) ~(CMD_INTX >> 8);
	hw[2].cfg[R_COMMAND + 1] &= (u8) ~(CMD_INTX >> 8);
	hw[1].cfg[NIC_MSI + 2] |= MSI_EN;
	vpci_start(&V);
	CHECK_EQ(vpci_port_read(&V, CF8, 4), 0);
	/* decoding as firmware left it, Interrupt Disable set again */
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), CMD_IO | CMD_MEM | CMD_INTX);
	CHECK_EQ(hwr(SND_BDF, R_COMMAND, 2), CMD_MEM | CMD_INTX);
	CHECK(!nic_msi_enabled());
	CHECK_EQ(rd(NIC_BDF, R_BAR(0), 4), 0xfebc0000u); /* sizing forgotten */
	/* the message the device held is what it sees; enabling it alone works */
	CHECK_EQ(rd(NIC_BDF, NIC_MSI + 4, 4), 0xfee02000u);
	nic_msi_enable(true);
	CHECK(nic_msi_enabled());
	CHECK_EQ(nrefusals, 0);
}

int main(void)
{
	RUN(test_linux_type1_probe);
	RUN(test_host_bridge_picture);
	RUN(test_absent_functions_all_ones);
	RUN(test_every_offset_and_size);
	RUN(test_bar_sizing);
	RUN(test_bar_move_refused);
	RUN(test_rom_reads_zero);
	RUN(test_command_bits);
	RUN(test_bus_master_no_dma);
	RUN(test_other_function_refused);
	RUN(test_msix_hidden);
	RUN(test_msi_valid);
	RUN(test_msi_invalid);
	RUN(test_msi_changed_while_enabled);
	RUN(test_msi_readonly_control_bits);
	RUN(test_msi_broadcast_refused);
	RUN(test_intx_owned_may_clear);
	RUN(test_intx_not_owned_refused);
	RUN(test_reset_through_device_register);
	RUN(test_reload_puts_back);
	RUN(test_probe_refusals);
	RUN(test_probe_refuses_bridges);
	RUN(test_probe_pin_cannot_be_silenced);
	RUN(test_probe_leaves_quiet);
	RUN(test_start_and_quiesce);
	CHECK_MAIN_END();
}
