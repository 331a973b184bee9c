/*
 * Unit tests for core/vpci.c and core/vmsix.c, a partition's PCI configuration space through
 * the ports of mechanism #1 and its MMCONFIG window, and its MSI-X tables, over a fake machine
 * defined here: a host bridge, a NIC with a 128 KiB memory BAR, an I/O BAR, a 64-bit BAR, a
 * ROM, a power-management capability, 64-bit MSI with per-vector masking and MSI-X (table and
 * pending bits on one page of its memory BAR, with another register of its own there); a
 * second function whose MSI-X is first in its list (table and pending bits on two pages) and
 * whose MSI is 32-bit; a function the partition does not own; a PCI-to-PCI bridge; an ISA
 * bridge. Each register keeps the bits hardware lets software write (BAR sizing: all-ones in,
 * the size mask out); the memory BARs of the NIC, the second function and the foreign one are
 * a fake memory space reached through arch_mmio_read/_write. The NIC and the second function
 * reset themselves (a function-level reset, which masks every MSI-X entry) when a
 * device-specific register is written, and reload defaults through another.
 * Register offsets and bits are spelled out here from PCI Local Bus 3.0 ch. 6 (MSI-X §6.8.2),
 * PCI Express Base 4.0 §7.2.2 (MMCONFIG) and the SDM's MSI format (Vol. 3A §11.11), not taken
 * from core/lib/pci_regs.h or core/vmsix.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/x86/arch.h"
#include "core/error.h"
#include "core/iommu.h"
#include "core/pmem.h"
#include "core/partition.h"
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
#define KEY_MSIX(bdf, e)  ((0x104ull << 32) | ((u32)(bdf) << 11 | (e)))

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
/* MSI-X (§6.8.2): an entry is 16 bytes, message address, upper address, data, vector
 * control (bit 0: masked). The capability's second dword is the table's offset | BIR, its
 * third the pending bits' (PBA). */
#define ENT_LO		   0
#define ENT_HI		   4
#define ENT_DATA	   8
#define ENT_CTL		   12
#define MSIX_FNMASK	   0x4000u
#define NIC_BAR0	   0xfebc0000ull
#define NIC_WHERE	   0x00003010u /* table at BAR0 + 0x3010, five entries: not page-aligned */
#define NIC_TABLE	   (NIC_BAR0 + 0x3010)
#define NIC_PBA		   (NIC_BAR0 + 0x3800)
#define NIC_DOOR	   (NIC_BAR0 + 0x3c00) /* a register of its own on the table's page */
#define NIC_ENTRIES	   5
#define SND_BAR0	   0xfebf0000ull
#define SND_WHERE	   0x00002000u /* table at BAR0 + 0x2000, one entry */
#define SND_TABLE	   (SND_BAR0 + 0x2000)
#define SND_PBA		   (SND_BAR0 + 0x3000)
#define OTHER_BAR0	   0xfeb00000ull
#define ENTRY(t, i)	   ((t) + 16ull * (i))
#define MMCFG		   0xe0000000ull /* the MMCONFIG window: bus b at MMCFG + (b << 20) */
#define MMCFG_AT(bdf, reg) (MMCFG + ((u64)(bdf) << 12) + (reg))

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

/* The memory BARs: what arch_mmio_read/_write reach. Every byte is plain memory but the
 * pending bits (read-only); vector control is writable whole, so reserved bits a partition
 * got through would show. */
struct fake_bar {
	u64 base;
	u32 size;
	u8 *mem;
	u64 ro, ro_end; /* the pending bits */
};

static u8 nic_mem[0x20000], snd_mem[0x4000], other_mem[0x20000];
static struct fake_bar bars[3] = {
    {NIC_BAR0, sizeof(nic_mem), nic_mem, NIC_PBA, NIC_PBA + 8},
    {SND_BAR0, sizeof(snd_mem), snd_mem, SND_PBA, SND_PBA + 8},
    {OTHER_BAR0, sizeof(other_mem), other_mem, 0, 0},
};
static u32 mmio_bad;	/* a width but 1, 2 or 4, or outside every BAR */
static u32 mmio_reads;	/* arch_mmio_read calls */
static u32 mmio_writes; /* arch_mmio_write calls */
static u64 mmio_last;	/* the address of the last write */

static struct fake_bar *bar_at(u64 phys, u32 size)
{
	for (u32 i = 0; i < 3; i++)
		if (phys >= bars[i].base && phys + size <= bars[i].base + bars[i].size)
			return &bars[i];
	return NULL;
}

/* The fake's memory, as the test looks at it (not counted). */
static u32 mem(u64 phys, u32 size)
{
	const struct fake_bar *b = bar_at(phys, size);
	u32 v = 0;

	for (u32 i = 0; b && i < size; i++)
		v |= (u32)b->mem[phys - b->base + i] << (8 * i);
	return v;
}

static void mem_set(u64 phys, u32 size, u32 v)
{
	struct fake_bar *b = bar_at(phys, size);

	for (u32 i = 0; b && i < size; i++)
		b->mem[phys - b->base + i] = (u8)(v >> (8 * i));
}

/* The test's own rule (SDM Vol. 3A §11.11): to CPU 2 or 3 (the partition's), physical, no
 * extended destination, fixed or lowest priority, edge, no reserved bit, vector >= 0x20. */
static bool msg_ok(u32 lo, u32 hi, u32 data)
{
	u32 dest = (lo >> 12) & 0xff;

	return hi == 0 && (lo & 0xfff00000u) == 0xfee00000u && !(lo & 0xff4u) &&
	       (dest == 2 || dest == 3) && ((data >> 8) & 7) <= 1 && !(data & 0xffff3800u) &&
	       (data & 0xff) >= 0x20;
}

/* After setup: a write after which an entry is unmasked with a message msg_ok refuses. */
static bool watch;
static u32 exposed;

static void check_exposed(void)
{
	for (u32 t = 0; watch && t < 2; t++)
		for (u32 i = 0; i < (t ? 1u : NIC_ENTRIES); i++) {
			u64 e = ENTRY(t ? SND_TABLE : NIC_TABLE, i);

			if (!(mem(e + ENT_CTL, 4) & 1) &&
			    !msg_ok(mem(e + ENT_LO, 4), mem(e + ENT_HI, 4), mem(e + ENT_DATA, 4)))
				exposed++;
		}
}

u32 arch_mmio_read(u64 phys, u32 size)
{
	mmio_reads++;
	if ((size != 1 && size != 2 && size != 4) || !bar_at(phys, size)) {
		mmio_bad++;
		return 0;
	}
	return mem(phys, size);
}

void arch_mmio_write(u64 phys, u32 size, u32 value)
{
	struct fake_bar *b = bar_at(phys, size);

	mmio_writes++;
	mmio_last = phys;
	if ((size != 1 && size != 2 && size != 4) || !b) {
		mmio_bad++;
		return;
	}
	for (u32 i = 0; i < size; i++)
		if (phys + i < b->ro || phys + i >= b->ro_end)
			b->mem[phys - b->base + i] = (u8)(value >> (8 * i));
	check_exposed();
}

/* The entry's vector control on the device: masked? */
static bool masked(u64 table, u32 i)
{
	return mem(ENTRY(table, i) + ENT_CTL, 4) & 1;
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
	for (u32 i = 0; i < (f->bdf == NIC_BDF ? NIC_ENTRIES : 1u); i++)
		mem_set(ENTRY(f->bdf == NIC_BDF ? NIC_TABLE : SND_TABLE, i) + ENT_CTL, 4, 1);
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

/* Where the NIC's and the second function's MSI-X tables are (offset | BIR): the defaults
 * put both in BAR0 below 4 GiB; test_msix_hidden moves them. */
static u32 nic_where = NIC_WHERE, snd_where = SND_WHERE;
static u32 nic_msix_ctl = NIC_ENTRIES - 1; /* its control word: the table size - 1 */

/* At least one refusal since the last call, all for this key, naming `has`. */
static bool refused_only(u64 key, const char *has)
{
	bool ok = nrefusals > 0 && nrefusals <= 64;

	for (u32 i = 0; ok && i < nrefusals; i++)
		ok = refusals[i].key == key && refusals[i].partition == PART &&
		     !refusals[i].fault && strstr(refusals[i].what, has);
	if (!ok)
		printf("  refusals: %u, first key 0x%llx\n", nrefusals,
		       nrefusals ? (unsigned long long)refusals[0].key : 0ull);
	nrefusals = 0;
	return ok;
}

/* The NIC's last capability is PCI Express (id 0x10) instead of a vendor-specific one. */
static bool nic_pcie;
#define R_DEVCTL 0x88 /* its Device Control (0x80 + 8) */
#define PHANTOM	 0x0200u

static void build_machine(void)
{
	struct fake_fn *f;

	memset(hw, 0, sizeof(hw));
	bad_accesses = decoding_sized = decoding_misplaced = nrefusals = 0;
	mmio_bad = mmio_reads = mmio_writes = exposed = 0;
	watch = false;
	/* the memory BARs: each MSI-X entry left unmasked by a previous owner, with an NMI to
	 * CPU 0; pending bits; other registers */
	memset(nic_mem, 0, sizeof(nic_mem));
	memset(snd_mem, 0, sizeof(snd_mem));
	memset(other_mem, 0x5a, sizeof(other_mem));
	for (u32 i = 0; i < NIC_ENTRIES; i++) {
		mem_set(ENTRY(NIC_TABLE, i) + ENT_LO, 4, 0xfee00000u);
		mem_set(ENTRY(NIC_TABLE, i) + ENT_DATA, 4, 0x0402);
	}
	mem_set(SND_TABLE + ENT_LO, 4, 0xfee00000u);
	mem_set(SND_TABLE + ENT_DATA, 4, 0x0402);
	mem_set(NIC_PBA, 4, 0x0000000au);
	mem_set(NIC_DOOR, 4, 0x11223344u);
	mem_set(SND_PBA, 4, 0x00000001u);

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
	/* 5 entries, next 0x80; the table size and where the table is latch any write: shows
	 * leaks */
	hw_set(f, NIC_MSIX, 4, nic_msix_ctl << 16 | 0x8011u, 0xffff0000u);
	hw_set(f, NIC_MSIX + 4, 4, nic_where, 0xffffffffu);
	hw_set(f, NIC_MSIX + 8, 4, 0x00003800u, 0xffffffffu); /* PBA: BAR0 + 0x3800 */
	/* vendor-specific, end of list; or (nic_pcie) PCI Express, its Device Control at
	 * +8 writable, Phantom Functions Enable off */
	hw_set(f, 0x80, 4, nic_pcie ? 0x00020010u : 0x00000009u, 0);
	hw_set(f, R_DEVCTL, 2, 0x2810, 0xffff);
	hw_set(f, R_DEVCTL + 2, 2, 0x0000, 0);
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
	hw_set(f, SND_MSIX, 4, 0x00004811u, 0xffff0000u); /* 1 entry, next 0x48 */
	hw_set(f, SND_MSIX + 4, 4, snd_where, 0xffffffffu);
	hw_set(f, SND_MSIX + 8, 4, 0x00003000u, 0xffffffffu); /* PBA: BAR0 + 0x3000 */
	hw_set(f, SND_MSI, 4, 0x01000005u, 0x00710000u);      /* 32-bit, masking, end of list */
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

/* ---- the IOMMU -------------------------------------------------------------------------- */

/* core/iommu.c is linked as it is, over a fake arch_iommu_*: main() sets it up once (active),
 * and interrupt remapping is on only while `ir_on` (the tests before the test_ir_* ones run
 * without it). Its iommu_msi() looks the partition up in this table: row PART is the test's
 * partition "net" (CPUs 2 and 3, the NIC in slot 0 and the second function in slot 1). */
const struct partition_table partition_table = {
    .layout = "vpci-unit",
    .parts =
	PT_PARTITIONS({.name = "other", .kind = PART_PAYLOAD, .cpus = PT_CPUS(0, 1)},
		      {.name = "net",
		       .kind = PART_PAYLOAD,
		       .cpus = PT_CPUS(2, 3),
		       .devices = PT_DEVICES({.kind = DEV_PCI, .name = "nic", .bdf = NIC_BDF},
					     {.kind = DEV_PCI, .name = "snd", .bdf = SND_BDF})}),
};

static bool ir_on;

/* The remapping table as written: an entry's last write and how many it got. */
#define IRT_SIZE 4096
static struct {
	u32 writes;
	bool present;
	struct arch_irte e;
} irt[IRT_SIZE];
static u32 irte_writes;

/* The remapping entry of vector `e` of the partition's device in slot `slot` (core/iommu.h:
 * 256 for the I/O APIC, then 32 per device, 8 devices per partition); past every device's,
 * the blocked one. */
#define IRTE(slot, e) ((u32)(256u + (PART * 8u + (slot)) * 32u + (e)))
#define IRTE_BLOCKED  (256u + 8u * 8u * 32u)
/* The remappable-format message (VT-d §5.1.2.2) of entry `i`: handle in bits 19:5 and 2,
 * format bit 4, subhandle-valid bit 3; data 0. */
#define REMAP_MSG(i, sh)                                                                           \
	(0xfee00010u | ((i)&0x7fffu) << 5 | ((i) >> 15 & 1u) << 2 | ((sh) ? 8u : 0))

bool arch_iommu_probe(char *why, size_t why_size)
{
	(void)why;
	(void)why_size;
	return true;
}

u32 arch_iommu_units(void)
{
	return 1;
}

int arch_iommu_map(u32 domain, u32 owner, u64 iova, u64 phys, u64 size, u32 access)
{
	(void)domain, (void)owner, (void)iova, (void)phys, (void)size, (void)access;
	return 0;
}

/* What core/iommu.c asks besides the IOMMU: no unit's registers under a region, and the
 * memory map's RAM (none here: every RMRR lies outside it). */
bool arch_iommu_overlaps(u64 base, u64 size)
{
	(void)base;
	(void)size;
	return false;
}

u32 pmem_range_count(void)
{
	return 0;
}

const struct pmem_range *pmem_ranges(void)
{
	return NULL;
}

bool arch_iommu_translates(u32 domain, u64 iova)
{
	(void)domain, (void)iova;
	return false;
}

int arch_iommu_attach(u32 bdf, u32 domain)
{
	(void)bdf, (void)domain;
	return 0;
}

int arch_iommu_enable(void)
{
	return 0;
}

bool arch_iommu_remaps_interrupts(void)
{
	return ir_on;
}

int arch_iommu_irte(u32 index, const struct arch_irte *e)
{
	irte_writes++;
	if (index >= IRT_SIZE)
		return E_RANGE;
	irt[index].writes++;
	irt[index].present = e != NULL;
	if (e)
		irt[index].e = *e;
	return 0;
}

void arch_iommu_msi_message(u32 index, bool subhandle, u32 *addr_lo, u32 *data)
{
	*addr_lo = REMAP_MSG(index, subhandle);
	*data = 0;
}

bool arch_iommu_fault(struct arch_iommu_fault *f)
{
	(void)f;
	return false;
}

u32 arch_iommu_rmrr_count(void)
{
	return 0;
}

void arch_iommu_rmrr(u32 i, u64 *base, u64 *end)
{
	(void)i;
	*base = *end = 0;
}

bool arch_iommu_rmrr_names(u32 i, u32 bdf)
{
	(void)i, (void)bdf;
	return false;
}

/* Channels' functions (core/vchan.c, tests/unit/test_vchan.c): none here. */
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

bool partition_refused_at_boot(u32 i)
{
	(void)i;
	return false;
}

void partition_device_fault(u32 i)
{
	(void)i;
}

/* Each remapping test in a child process: core/iommu.c names a blocked device once per boot,
 * and `ir_on` stays the child's. */
static void in_child(void (*body)(void))
{
	pid_t pid;
	int status = 0;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		ir_on = true;
		body();
		fflush(stdout);
		_exit(check_failed_in_test ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		check_failed_in_test = 1;
}

#define IR_TEST(name)                                                                              \
	static void name##_body(void);                                                             \
	static void name(void)                                                                     \
	{                                                                                          \
		in_child(name##_body);                                                             \
	}                                                                                          \
	static void name##_body(void)

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
	watch = true; /* every entry masked now */
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

/* The old rule, for a table Bulkhead cannot reach: MSI-X out of the list, reading 0, its
 * writes refused, its table never touched. */
static void expect_nic_msix_hidden(void)
{
	u32 caps[8];

	/* PM, MSI, vendor: MSI-X at 0x70 is not in the list */
	CHECK_EQ(walk_caps(NIC_BDF, caps, 8), 3);
	CHECK_EQ(caps[0], 0x4001);
	CHECK_EQ(caps[1], 0x5005);
	CHECK_EQ(caps[2], 0x8009);
	CHECK_EQ(rd(NIC_BDF, NIC_MSI, 4) & 0xff00, 0x8000); /* the dword shows it too */
	for (u32 r = NIC_MSIX; r < NIC_MSIX + 12; r += 4)
		CHECK_EQ(rd(NIC_BDF, r, 4), 0);
	/* its writes: refused, the device untouched */
	wr(NIC_BDF, NIC_MSIX + 2, 2, MSIX_EN);
	CHECK(refused_once(KEY_PCI(NIC_BDF, NIC_MSIX), "msi-x"));
	wr(NIC_BDF, NIC_MSIX, 4, 0xffffffffu);
	CHECK(refused_once(KEY_PCI(NIC_BDF, NIC_MSIX), "msi-x"));
	wr(NIC_BDF, NIC_MSIX + 3, 1, 0xc0);
	CHECK(refused_once(KEY_PCI(NIC_BDF, NIC_MSIX), "msi-x"));
	CHECK_EQ(hwr(NIC_BDF, NIC_MSIX, 4), 0x00048011u);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSIX + 4, 4), nic_where);
	/* the table: not emulated, never read or written (entries as the previous owner left
	 * them: MSI-X cannot be enabled) */
	for (u32 i = 0; i < NIC_ENTRIES; i++)
		CHECK(!masked(NIC_TABLE, i));
	CHECK(!vpci_mmio_claims(&V, NIC_TABLE));
	CHECK(!vpci_mmio_claims(&V, NIC_BAR0 + (nic_where & ~7u)));
	/* PM's registers are the device's own */
	wr(NIC_BDF, 0x44, 4, 0);
	CHECK_EQ(nrefusals, 0);
}

static void test_msix_hidden(void)
{
	/* the NIC's table: in its I/O BAR, past the end of BAR0 (five entries from 0x1fff0), in
	 * its 64-bit BAR above 4 GiB, in that BAR's upper half, in no BAR, a reserved BIR */
	static const u32 nic_wheres[] = {0x00000001u, 0x0001fff0u, 0x00000002u,
					 0x00000003u, 0x00000004u, 0x00000007u};
	u32 caps[8];

	/* one entry, which the 32 ports of its I/O BAR would hold */
	nic_where = 0x00000001u;
	nic_msix_ctl = 0;
	setup();
	CHECK_EQ(walk_caps(NIC_BDF, caps, 8), 3);
	CHECK_EQ(rd(NIC_BDF, NIC_MSIX, 4), 0);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSIX, 4), 0x00008011u);
	nic_msix_ctl = NIC_ENTRIES - 1;

	for (u32 i = 0; i < sizeof(nic_wheres) / sizeof(nic_wheres[0]); i++) {
		nic_where = nic_wheres[i];
		setup();
		expect_nic_msix_hidden();
		if (check_failed_in_test) {
			printf("  NIC table at 0x%x\n", nic_where);
			break;
		}
	}
	/* the second function's one entry from 0x3ff8 of its 16 KiB BAR: past its end */
	nic_where = NIC_WHERE;
	snd_where = 0x00003ff8u;
	setup();
	/* MSI-X first in the list: the capability pointer skips it */
	CHECK_EQ(rd(SND_BDF, R_CAPS, 1), SND_MSI);
	CHECK_EQ(rd(SND_BDF, R_CAPS, 4), SND_MSI);
	CHECK_EQ(walk_caps(SND_BDF, caps, 8), 1);
	CHECK_EQ(caps[0], SND_MSI << 8 | 5);
	wr(SND_BDF, SND_MSIX + 2, 2, MSIX_EN);
	CHECK(refused_once(KEY_PCI(SND_BDF, SND_MSIX), "msi-x"));
	CHECK_EQ(hwr(SND_BDF, SND_MSIX, 4), 0x00004811u);
	CHECK(!masked(SND_TABLE, 0));
	CHECK(!vpci_mmio_claims(&V, SND_TABLE));
	CHECK(!vpci_mmio_claims(&V, SND_BAR0 + 0x3000));
	/* the NIC's, with its five entries ending where BAR0 ends: emulated */
	snd_where = SND_WHERE;
	nic_where = 0x0001ffb0u;
	setup();
	CHECK_EQ(walk_caps(NIC_BDF, caps, 8), 4);
	CHECK(vpci_mmio_claims(&V, NIC_BAR0 + 0x1f000));
	CHECK(vpci_mmio_claims(&V, NIC_BAR0 + 0x1ffff));
	CHECK(!vpci_mmio_claims(&V, NIC_BAR0 + 0x1efff));
	nic_where = NIC_WHERE;
	CHECK_EQ(mmio_bad, 0);
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

/* Messages a partition's device may not be told to send (CPUs 2 and 3 are its): each differs
 * from 0xfee02000, 0, 0x0041 in one field. */
static const struct bad_msg {
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

static void test_msi_invalid(void)
{
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

/* ---- MSI-X: the table emulated ------------------------------------------------------------ */

static u64 mrd(u64 gpa, u32 size)
{
	return vpci_mmio_read(&V, gpa, size);
}

static void mwr(u64 gpa, u32 size, u64 value)
{
	vpci_mmio_write(&V, gpa, size, value);
}

/* What Linux's pci_write_msg_msix() does: the message into a (masked) entry, dword by dword. */
static void entry_msg(u64 table, u32 i, u32 lo, u32 hi, u32 data)
{
	mwr(ENTRY(table, i) + ENT_LO, 4, lo);
	mwr(ENTRY(table, i) + ENT_HI, 4, hi);
	mwr(ENTRY(table, i) + ENT_DATA, 4, data);
}

static void entry_mask(u64 table, u32 i, bool on)
{
	mwr(ENTRY(table, i) + ENT_CTL, 4, on ? 1 : 0);
}

/* Every unmasked entry of both tables holds a message the partition may send. */
static bool unmasked_entries_ok(void)
{
	for (u32 t = 0; t < 2; t++)
		for (u32 i = 0; i < (t ? 1u : NIC_ENTRIES); i++) {
			u64 e = ENTRY(t ? SND_TABLE : NIC_TABLE, i);

			if (!(mem(e + ENT_CTL, 4) & 1) &&
			    !msg_ok(mem(e + ENT_LO, 4), mem(e + ENT_HI, 4), mem(e + ENT_DATA, 4))) {
				printf("  %s entry %u unmasked with 0x%x:%08x data 0x%x\n",
				       t ? "snd" : "nic", i, mem(e + ENT_HI, 4), mem(e + ENT_LO, 4),
				       mem(e + ENT_DATA, 4));
				return false;
			}
		}
	return true;
}

static void test_msix_emulated_capability(void)
{
	u32 caps[8];

	setup();
	/* PM, MSI, MSI-X, vendor: in the list as the device has it */
	CHECK_EQ(walk_caps(NIC_BDF, caps, 8), 4);
	CHECK_EQ(caps[0], 0x4001);
	CHECK_EQ(caps[1], 0x5005);
	CHECK_EQ(caps[2], 0x7011);
	CHECK_EQ(caps[3], 0x8009);
	CHECK_EQ(rd(NIC_BDF, NIC_MSIX, 4), 0x00048011u); /* probe turned it off */
	CHECK_EQ(rd(NIC_BDF, NIC_MSIX + 4, 4), NIC_WHERE);
	CHECK_EQ(rd(NIC_BDF, NIC_MSIX + 8, 4), 0x00003800u);
	CHECK_EQ(rd(SND_BDF, R_CAPS, 1), SND_MSIX);
	CHECK_EQ(walk_caps(SND_BDF, caps, 8), 2);
	CHECK_EQ(caps[0], SND_MSIX << 8 | 0x11);
	CHECK_EQ(caps[1], SND_MSI << 8 | 5);
	/* enable and function mask are its own: as Linux's pci_msix_clear_and_set_ctrl() */
	wr(NIC_BDF, NIC_MSIX + 2, 2, rd(NIC_BDF, NIC_MSIX + 2, 2) | MSIX_EN | MSIX_FNMASK);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSIX + 2, 2), MSIX_EN | MSIX_FNMASK | 4);
	CHECK_EQ(rd(NIC_BDF, NIC_MSIX + 2, 2), MSIX_EN | MSIX_FNMASK | 4);
	wr(NIC_BDF, NIC_MSIX + 3, 1, MSIX_EN >> 8);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSIX + 2, 2), MSIX_EN | 4);
	wr(SND_BDF, SND_MSIX + 2, 2, MSIX_EN);
	CHECK_EQ(hwr(SND_BDF, SND_MSIX + 2, 2), MSIX_EN);
	CHECK_EQ(nrefusals, 0);
	/* the table size, id, next pointer, where the table and pending bits are: read-only (the
	 * fake would latch them) */
	wr(NIC_BDF, NIC_MSIX, 4, 0xffffffffu);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSIX, 4), 0xc0048011u);
	wr(NIC_BDF, NIC_MSIX + 2, 2, 0x07ff);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSIX, 4), 0x00048011u);
	wr(NIC_BDF, NIC_MSIX + 2, 1, 0xff);
	wr(NIC_BDF, NIC_MSIX + 3, 1, 0x3f);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSIX, 4), 0x00048011u);
	wr(NIC_BDF, NIC_MSIX + 4, 4, 0x00000001u); /* the table into the I/O BAR */
	wr(NIC_BDF, NIC_MSIX + 5, 1, 0x10);
	wr(NIC_BDF, NIC_MSIX + 8, 4, 0);
	wr(SND_BDF, SND_MSIX + 4, 2, 0);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSIX + 4, 4), NIC_WHERE);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSIX + 8, 4), 0x00003800u);
	CHECK_EQ(hwr(SND_BDF, SND_MSIX + 4, 4), SND_WHERE);
	CHECK_EQ(rd(NIC_BDF, NIC_MSIX + 4, 4), NIC_WHERE);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(mmio_bad, 0);
}

/* A previous owner left every entry unmasked (an NMI to CPU 0): probe masks them, and so does
 * each start and stop, the message and the device's reserved bits left as they were. */
static void test_msix_masked_probe_start_quiesce(void)
{
	build_machine();
	CHECK(!masked(NIC_TABLE, 0) && !masked(SND_TABLE, 0));
	setup();
	for (u32 i = 0; i < NIC_ENTRIES; i++) {
		CHECK(masked(NIC_TABLE, i));
		CHECK_EQ(mem(ENTRY(NIC_TABLE, i) + ENT_LO, 4), 0xfee00000u);
		CHECK_EQ(mem(ENTRY(NIC_TABLE, i) + ENT_DATA, 4), 0x0402);
	}
	CHECK(masked(SND_TABLE, 0));
	/* the partition unmasks valid entries; it is stopped */
	for (u32 i = 0; i < NIC_ENTRIES; i++) {
		entry_msg(NIC_TABLE, i, 0xfee02000u, 0, 0x0041 + i);
		entry_mask(NIC_TABLE, i, false);
		CHECK(!masked(NIC_TABLE, i));
	}
	entry_msg(SND_TABLE, 0, 0xfee03000u, 0, 0x0050);
	entry_mask(SND_TABLE, 0, false);
	CHECK(!masked(SND_TABLE, 0));
	CHECK_EQ(nrefusals, 0);
	vpci_quiesce(&V);
	for (u32 i = 0; i < NIC_ENTRIES; i++)
		CHECK(masked(NIC_TABLE, i));
	CHECK(masked(SND_TABLE, 0));
	/* unmasked again (as a device's own reserved bits), then started */
	for (u32 i = 0; i < NIC_ENTRIES; i++)
		mem_set(ENTRY(NIC_TABLE, i) + ENT_CTL, 4, 0x80000000u);
	mem_set(SND_TABLE + ENT_CTL, 4, 0);
	vpci_start(&V);
	for (u32 i = 0; i < NIC_ENTRIES; i++) {
		CHECK_EQ(mem(ENTRY(NIC_TABLE, i) + ENT_CTL, 4), 0x80000001u);
		CHECK_EQ(mem(ENTRY(NIC_TABLE, i) + ENT_DATA, 4), 0x0041 + i);
	}
	CHECK(masked(SND_TABLE, 0));
	/* nothing else on the pages touched */
	CHECK_EQ(mem(NIC_DOOR, 4), 0x11223344u);
	CHECK_EQ(mem(ENTRY(NIC_TABLE, NIC_ENTRIES), 4), 0);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(mmio_bad, 0);
}

static void test_msix_valid_entry(void)
{
	setup();
	/* lowest priority to its CPU 3, redirection hint: into the masked entry, then unmasked */
	entry_msg(NIC_TABLE, 2, 0xfee03008u, 0, 0x0141);
	CHECK(masked(NIC_TABLE, 2));
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 2) + ENT_LO, 4), 0xfee03008u);
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 2) + ENT_HI, 4), 0);
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 2) + ENT_DATA, 4), 0x0141);
	entry_mask(NIC_TABLE, 2, false);
	CHECK(!masked(NIC_TABLE, 2));
	CHECK_EQ(mrd(ENTRY(NIC_TABLE, 2) + ENT_CTL, 4), 0);
	CHECK_EQ(mrd(ENTRY(NIC_TABLE, 2) + ENT_LO, 4), 0xfee03008u);
	/* an unmasked entry changed to another valid message: it reaches the device, unmasked */
	mwr(ENTRY(NIC_TABLE, 2) + ENT_LO, 4, 0xfee02000u);
	mwr(ENTRY(NIC_TABLE, 2) + ENT_DATA, 4, 0x0020);
	CHECK(!masked(NIC_TABLE, 2));
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 2) + ENT_LO, 4), 0xfee02000u);
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 2) + ENT_DATA, 4), 0x0020);
	/* reserved bits of vector control are the device's */
	mwr(ENTRY(NIC_TABLE, 2) + ENT_CTL, 4, 0xfffffffeu);
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 2) + ENT_CTL, 4), 0);
	/* MSI-X on: the other entries still masked */
	wr(NIC_BDF, NIC_MSIX + 2, 2, MSIX_EN | 4);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSIX + 2, 2), MSIX_EN | 4);
	for (u32 i = 0; i < NIC_ENTRIES; i++)
		CHECK_EQ(masked(NIC_TABLE, i), i != 2);
	/* masking reaches the device */
	entry_mask(NIC_TABLE, 2, true);
	CHECK(masked(NIC_TABLE, 2));
	/* the second function's entry, to its CPU 2 */
	entry_msg(SND_TABLE, 0, 0xfee02000u, 0, 0x0050);
	entry_mask(SND_TABLE, 0, false);
	CHECK(!masked(SND_TABLE, 0));
	CHECK_EQ(nrefusals, 0);
	CHECK(unmasked_entries_ok());
	CHECK_EQ(mmio_bad, 0);
}

/* The changed field of `b`: written to an unmasked entry holding 0xfee02000, 0, 0x0041. */
static void write_bad_field(u64 e, const struct bad_msg *b)
{
	if (b->addr_lo != 0xfee02000u)
		mwr(e + ENT_LO, 4, b->addr_lo);
	else if (b->addr_hi)
		mwr(e + ENT_HI, 4, b->addr_hi);
	else
		mwr(e + ENT_DATA, 4, b->data);
}

/* MSI's list (but the multiple-message case: an entry is one message) and the data's upper
 * half, which MSI-X has: left masked on unmasking; an unmasked entry changed to it masked
 * first. Named once per function and entry. */
static void test_msix_invalid(void)
{
	static const struct bad_msg upper = {0xfee02000u, 0, 0x00010041u, 0, "delivery mode"};

	for (u32 i = 0; i <= sizeof(bad) / sizeof(bad[0]); i++) {
		const struct bad_msg *b = i < sizeof(bad) / sizeof(bad[0]) ? &bad[i] : &upper;
		u32 n = i % NIC_ENTRIES;
		u64 e = ENTRY(NIC_TABLE, n);

		if (b->mme)
			continue;
		setup();
		/* into a masked entry: the device holds it, masked; unmasking it is refused */
		entry_msg(NIC_TABLE, n, b->addr_lo, b->addr_hi, b->data);
		CHECK_EQ(nrefusals, 0);
		entry_mask(NIC_TABLE, n, false);
		if (!refused_once(KEY_MSIX(NIC_BDF, n), b->why)) {
			printf("  case %u: addr 0x%x:%08x data 0x%x\n", i, b->addr_hi, b->addr_lo,
			       b->data);
			check_failed_in_test = 1;
		}
		CHECK(masked(NIC_TABLE, n));
		/* again: the same key */
		mwr(e + ENT_CTL, 4, 0);
		CHECK(refused_once(KEY_MSIX(NIC_BDF, n), "msi-x entry"));
		CHECK(masked(NIC_TABLE, n));
		/* a valid message, unmasked, then the field changed: masked before it lands */
		entry_msg(NIC_TABLE, n, 0xfee02000u, 0, 0x0041);
		entry_mask(NIC_TABLE, n, false);
		CHECK(!masked(NIC_TABLE, n));
		CHECK_EQ(nrefusals, 0);
		write_bad_field(e, b);
		CHECK(refused_once(KEY_MSIX(NIC_BDF, n), b->why));
		CHECK(masked(NIC_TABLE, n));
		CHECK_EQ(mem(e + ENT_LO, 4), b->addr_lo); /* the device holds it, masked */
		CHECK_EQ(mem(e + ENT_DATA, 4), b->data);
		/* the second function's entry: its own key */
		entry_msg(SND_TABLE, 0, 0xfee02000u, 0, 0x0041);
		entry_mask(SND_TABLE, 0, false);
		write_bad_field(SND_TABLE, b);
		CHECK(refused_once(KEY_MSIX(SND_BDF, 0), b->why));
		CHECK(masked(SND_TABLE, 0));
		CHECK(unmasked_entries_ok());
		CHECK_EQ(exposed, 0); /* not even between two writes */
	}
	/* destination 0xff is a broadcast, even for a partition that owns APIC ID 255 */
	setup();
	cfg.cpus.apic_id[1] = 0xff;
	entry_msg(NIC_TABLE, 4, 0xfeeff000u, 0, 0x0041);
	entry_mask(NIC_TABLE, 4, false);
	CHECK(refused_once(KEY_MSIX(NIC_BDF, 4), "not one of its CPUs"));
	CHECK(masked(NIC_TABLE, 4));
	entry_msg(NIC_TABLE, 4, 0xfee02000u, 0, 0x0041);
	entry_mask(NIC_TABLE, 4, false);
	CHECK(!masked(NIC_TABLE, 4));
	mwr(ENTRY(NIC_TABLE, 4) + ENT_LO, 4, 0xfeeff008u);
	CHECK(refused_once(KEY_MSIX(NIC_BDF, 4), "not one of its CPUs"));
	CHECK(masked(NIC_TABLE, 4));
	CHECK_EQ(mmio_bad, 0);
}

static void test_msix_qwords(void)
{
	setup();
	/* the address as one qword, data and vector control (unmasked) as another */
	mwr(ENTRY(NIC_TABLE, 0) + ENT_LO, 8, 0xfee02000ull);
	mwr(ENTRY(NIC_TABLE, 0) + ENT_DATA, 8, 0x0045ull);
	CHECK_EQ(nrefusals, 0);
	CHECK(!masked(NIC_TABLE, 0));
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 0) + ENT_LO, 4), 0xfee02000u);
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 0) + ENT_DATA, 4), 0x0045);
	CHECK_EQ(mrd(ENTRY(NIC_TABLE, 0) + ENT_LO, 8), 0xfee02000ull);
	CHECK_EQ(mrd(ENTRY(NIC_TABLE, 0) + ENT_DATA, 8), 0x0045ull);
	/* an upper address in the qword's high half: masked */
	mwr(ENTRY(NIC_TABLE, 0) + ENT_LO, 8, 0x1fee02000ull);
	CHECK(refused_once(KEY_MSIX(NIC_BDF, 0), "address outside"));
	CHECK(masked(NIC_TABLE, 0));
	/* a bad message and "unmasked" in one qword: masked */
	mwr(ENTRY(NIC_TABLE, 1) + ENT_LO, 8, 0xfee03000ull);
	mwr(ENTRY(NIC_TABLE, 1) + ENT_DATA, 8, 0x0002ull);
	CHECK(refused_once(KEY_MSIX(NIC_BDF, 1), "vector below 0x20"));
	CHECK(masked(NIC_TABLE, 1));
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 1) + ENT_DATA, 4), 0x0002);
	/* a valid one, unmasked, then a qword that changes its data to NMI: masked */
	mwr(ENTRY(NIC_TABLE, 1) + ENT_DATA, 8, 0x0041ull);
	CHECK(!masked(NIC_TABLE, 1));
	mwr(ENTRY(NIC_TABLE, 1) + ENT_DATA, 8, 0x0402ull);
	CHECK(refused_only(KEY_MSIX(NIC_BDF, 1), "delivery mode")); /* twice: data, then unmask */
	CHECK(masked(NIC_TABLE, 1));
	/* a qword across two entries (vector control and the next address): misaligned,
	 * ignored */
	mwr(ENTRY(NIC_TABLE, 2) + ENT_LO, 8, 0xfee02000ull);
	mwr(ENTRY(NIC_TABLE, 2) + ENT_DATA, 4, 0x0041);
	mwr(ENTRY(NIC_TABLE, 1) + ENT_CTL, 8, 0xfee00000ull << 32);
	CHECK(masked(NIC_TABLE, 1));
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 2) + ENT_LO, 4), 0xfee02000u);
	CHECK_EQ(mrd(ENTRY(NIC_TABLE, 1) + ENT_CTL, 8), ~0ull);
	CHECK_EQ(nrefusals, 0);
	CHECK(unmasked_entries_ok());
	CHECK_EQ(exposed, 0);
	CHECK_EQ(mmio_bad, 0);
}

/* The NIC's table does not start its page (offset 0x3010): an access that begins just
 * before it and runs into it is a table access, not a pass-through to the device, or a
 * qword at table - 4 would rewrite entry 0's address unchecked. */
static void test_msix_straddle(void)
{
	setup();
	mwr(ENTRY(NIC_TABLE, 0) + ENT_LO, 4, 0xfee02000u);
	mwr(ENTRY(NIC_TABLE, 0) + ENT_DATA, 4, 0x0041);
	mwr(ENTRY(NIC_TABLE, 0) + ENT_CTL, 4, 0);
	CHECK(!masked(NIC_TABLE, 0));
	mwr(NIC_TABLE - 4, 8, 0xfee00000ull << 32);
	mwr(NIC_TABLE - 2, 4, 0);
	mwr(NIC_TABLE - 1, 2, 0);
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 0) + ENT_LO, 4), 0xfee02000u);
	CHECK(!masked(NIC_TABLE, 0));
	CHECK_EQ(mrd(NIC_TABLE - 4, 8), ~0ull);
	CHECK(unmasked_entries_ok());
	CHECK_EQ(mmio_bad, 0);
}

/* The table takes aligned dwords and qwords (§6.8.2): a byte or a word, or a misaligned
 * access, changes nothing (so no unmasking by a byte); misaligned reads are all-ones. */
static void test_msix_widths(void)
{
	u8 before[NIC_ENTRIES * 16];
	u32 writes, reads;

	setup();
	entry_msg(NIC_TABLE, 0, 0xfee00000u, 0, 0x0402); /* masked, with a bad message */
	entry_msg(NIC_TABLE, 1, 0xfee02000u, 0, 0x0041);
	entry_mask(NIC_TABLE, 1, false); /* unmasked, with a good one */
	memcpy(before, nic_mem + 0x3000, sizeof(before));
	writes = mmio_writes;
	reads = mmio_reads;
	for (u32 i = 0; i < 2; i++)
		for (u32 at = 0; at < 16; at++) {
			u64 gpa = ENTRY(NIC_TABLE, i) + at;

			mwr(gpa, 1, 0);
			if (!(at & 1))
				mwr(gpa, 2, at == ENT_LO + 2 ? 0xfee0 : 0);
			if (at & 3) {
				mwr(gpa, 4, 0);
				CHECK_EQ(mrd(gpa, 4), ~0ull);
			}
			if (at & 7) {
				mwr(gpa, 8, 0);
				CHECK_EQ(mrd(gpa, 8), ~0ull);
			}
		}
	CHECK_EQ(mmio_writes, writes);
	CHECK_EQ(mmio_reads, reads);
	CHECK(!memcmp(before, nic_mem + 0x3000, sizeof(before)));
	CHECK(masked(NIC_TABLE, 0));
	CHECK(!masked(NIC_TABLE, 1));
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(mmio_bad, 0);
}

/* The rest of the table's pages is the device's: pending bits and other registers, passed
 * through at the width used. */
static void test_msix_page_passes_through(void)
{
	setup();
	CHECK_EQ(mrd(NIC_PBA, 4), 0x0000000au);
	CHECK_EQ(mrd(NIC_PBA, 8), 0x0000000aull);
	CHECK_EQ(mrd(NIC_PBA, 1), 0x0a);
	mwr(NIC_PBA, 4, 0xffffffffu); /* reaches the device, which keeps its bits */
	CHECK_EQ(mmio_last, NIC_PBA);
	CHECK_EQ(mem(NIC_PBA, 4), 0x0000000au);
	CHECK_EQ(mrd(NIC_DOOR, 4), 0x11223344u);
	CHECK_EQ(mrd(NIC_DOOR + 1, 1), 0x33);
	CHECK_EQ(mrd(NIC_DOOR + 2, 2), 0x1122);
	CHECK_EQ(mrd(NIC_DOOR, 8), 0x11223344ull);
	mwr(NIC_DOOR, 1, 0xa5);
	CHECK_EQ(mem(NIC_DOOR, 4), 0x112233a5u);
	mwr(NIC_DOOR + 2, 2, 0xbeef);
	CHECK_EQ(mem(NIC_DOOR, 4), 0xbeef33a5u);
	mwr(NIC_DOOR, 4, 0xcafef00du);
	CHECK_EQ(mem(NIC_DOOR, 4), 0xcafef00du);
	mwr(NIC_DOOR, 8, 0x0102030405060708ull);
	CHECK_EQ(mem(NIC_DOOR, 4), 0x05060708u);
	CHECK_EQ(mem(NIC_DOOR + 4, 4), 0x01020304u);
	/* just past the table, on its page: the device's */
	mwr(ENTRY(NIC_TABLE, NIC_ENTRIES), 2, 0x1234);
	CHECK_EQ(mem(ENTRY(NIC_TABLE, NIC_ENTRIES), 4), 0x1234);
	/* the last byte of the page: claimed; the pages around it and the second function's
	 * pending bits (on a page of their own): mapped, not claimed */
	CHECK(vpci_mmio_claims(&V, NIC_BAR0 + 0x3fff));
	CHECK(!vpci_mmio_claims(&V, NIC_BAR0 + 0x4000));
	CHECK(!vpci_mmio_claims(&V, NIC_BAR0 + 0x2fff));
	CHECK(!vpci_mmio_claims(&V, SND_PBA));
	CHECK(!vpci_mmio_claims(&V, OTHER_BAR0 + 0x3000));
	CHECK(masked(NIC_TABLE, 0));
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(mmio_bad, 0);
}

/* Defaults reloaded through a device register turn MSI-X on: where the table is emulated the
 * entries stay masked (nothing is sent); where MSI-X is hidden it goes off at once. */
static void test_msix_reload(void)
{
	setup();
	wr(NIC_BDF, R_RELOAD, 4, 1);
	for (u32 i = 0; i < NIC_ENTRIES; i++)
		CHECK(masked(NIC_TABLE, i));
	nic_where = 0x00000001u; /* in the I/O BAR: hidden */
	setup();
	wr(NIC_BDF, R_RELOAD, 4, 1);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSIX + 2, 2) & MSIX_EN, 0);
	nic_where = NIC_WHERE;
	CHECK_EQ(nrefusals, 0);
}

/* ---- MMCONFIG ------------------------------------------------------------------------------ */

static void test_mmcfg_claims(void)
{
	setup();
	/* no window: the pages of the two tables only */
	CHECK(!vpci_mmio_claims(&V, MMCFG));
	CHECK(!vpci_mmio_claims(&V, 0));
	CHECK(vpci_mmio_claims(&V, NIC_TABLE));
	CHECK(vpci_mmio_claims(&V, SND_TABLE + 0xfff));
	CHECK(!vpci_mmio_claims(&V, SND_TABLE - 1));
	CHECK(!vpci_mmio_claims(&V, NIC_BAR0));
	vpci_set_mmcfg(&V, MMCFG, 0, 0x3f);
	CHECK(vpci_mmio_claims(&V, MMCFG));
	CHECK(vpci_mmio_claims(&V, MMCFG_AT(NIC_BDF, 0x100)));
	CHECK(vpci_mmio_claims(&V, MMCFG + (0x40ull << 20) - 1));
	CHECK(!vpci_mmio_claims(&V, MMCFG + (0x40ull << 20)));
	CHECK(!vpci_mmio_claims(&V, MMCFG - 1));
	CHECK(vpci_mmio_claims(&V, NIC_TABLE));
	CHECK(!vpci_mmio_claims(&V, NIC_BAR0));
	/* buses 2-3: the base is bus 0's address all the same */
	vpci_set_mmcfg(&V, MMCFG, 2, 3);
	CHECK(!vpci_mmio_claims(&V, MMCFG));
	CHECK(!vpci_mmio_claims(&V, MMCFG + (2ull << 20) - 1));
	CHECK(vpci_mmio_claims(&V, MMCFG + (2ull << 20)));
	CHECK(vpci_mmio_claims(&V, MMCFG + (4ull << 20) - 1));
	CHECK(!vpci_mmio_claims(&V, MMCFG + (4ull << 20)));
	/* through it, bus 2 is nobody's */
	CHECK_EQ(mrd(MMCFG_AT(PT_BDF(2, 0, 0), 0), 4), 0xffffffffu);
}

static const u32 mmcfg_bdfs[] = {BRIDGE_BDF,	  NIC_BDF,	   SND_BDF,
				 OTHER_BDF,	  P2P_BDF,	   LPC_BDF,
				 PT_BDF(0, 2, 1), PT_BDF(1, 0, 0), PT_BDF(0xff, 0x1f, 7)};

/* Every register of every function, at every width: what the ports read. */
static u32 mmcfg_read_mismatches(void)
{
	static const u32 sizes[] = {1, 2, 4};
	u32 bad_reads = 0;

	for (u32 f = 0; f < sizeof(mmcfg_bdfs) / sizeof(mmcfg_bdfs[0]); f++)
		for (u32 reg = 0; reg < 256; reg++)
			for (u32 s = 0; s < 3; s++) {
				u32 bdf = mmcfg_bdfs[f], size = sizes[s];
				u64 m;
				u32 p;

				if (reg % size)
					continue;
				m = mrd(MMCFG_AT(bdf, reg), size);
				p = rd(bdf, reg, size);
				if (m != p && !bad_reads++)
					printf("  %04x reg 0x%x size %u: mmconfig 0x%llx, ports "
					       "0x%x\n",
					       bdf, reg, size, (unsigned long long)m, p);
			}
	return bad_reads;
}

static void test_mmcfg_reads_as_ports(void)
{
	setup();
	vpci_set_mmcfg(&V, MMCFG, 0, 0xff);
	CHECK_EQ(mmcfg_read_mismatches(), 0);
	CHECK_EQ(mrd(MMCFG_AT(NIC_BDF, R_VENDOR), 4), 0x10d38086u);
	/* a BAR being sized, MSI-X on: the same again */
	wr(NIC_BDF, R_BAR(0), 4, 0xffffffffu);
	wr(NIC_BDF, NIC_MSIX + 2, 2, MSIX_EN | MSIX_FNMASK);
	CHECK_EQ(mrd(MMCFG_AT(NIC_BDF, R_BAR(0)), 4), 0xfffe0000u);
	CHECK_EQ(mmcfg_read_mismatches(), 0);
	/* the extended space: 0 */
	for (u32 reg = 0x100; reg < 0x1000; reg += 4) {
		CHECK_EQ(mrd(MMCFG_AT(NIC_BDF, reg), 4), 0);
		CHECK_EQ(mrd(MMCFG_AT(SND_BDF, reg), 4), 0);
	}
	/* misaligned: all-ones, as through the ports */
	CHECK_EQ(mrd(MMCFG_AT(NIC_BDF, 1), 2), 0xffff);
	CHECK_EQ(mrd(MMCFG_AT(NIC_BDF, 2), 4), 0xffffffffu);
	CHECK_EQ(mrd(MMCFG_AT(NIC_BDF, 3), 2), 0xffff);
	CHECK_EQ(bad_accesses, 0);
	CHECK_EQ(nrefusals, 0);
}

/* Configuration writes through the window do what the same writes through the ports do. */
static const struct cfg_write {
	u32 bdf, reg, size, value;
} cfg_writes[] = {
    {NIC_BDF, R_COMMAND, 2, CMD_IO | CMD_MEM | CMD_BM},
    {NIC_BDF, R_COMMAND + 1, 1, 0},
    {NIC_BDF, R_BAR(0), 4, 0xffffffffu},
    {NIC_BDF, R_BAR(0), 4, 0xfebc0000u},
    {NIC_BDF, R_BAR(0), 4, 0xfe000000u},
    {NIC_BDF, R_BAR(0) + 2, 2, 0xfebc},
    {NIC_BDF, R_BAR(3), 4, 0x10},
    {NIC_BDF, R_ROM, 4, 0xfeb80001u},
    {SND_BDF, R_COMMAND, 2, CMD_MEM | CMD_BM},
    {NIC_BDF, NIC_MSI + 4, 4, 0xfee02000u},
    {NIC_BDF, NIC_MSI + 8, 4, 0},
    {NIC_BDF, NIC_MSI + 12, 2, 0x0041},
    {NIC_BDF, NIC_MSI + 2, 2, 0x0185},
    {NIC_BDF, NIC_MSI + 4, 4, 0xfee00000u},
    {SND_BDF, SND_MSI + 4, 4, 0xfee03000u},
    {SND_BDF, SND_MSI + 8, 2, 0x0002},
    {SND_BDF, SND_MSI + 2, 2, MSI_EN},
    {NIC_BDF, NIC_MSIX + 2, 2, MSIX_EN | MSIX_FNMASK | 0x7ff},
    {NIC_BDF, NIC_MSIX + 4, 4, 1},
    {SND_BDF, SND_MSIX, 4, 0xffffffffu},
    {OTHER_BDF, R_COMMAND, 2, CMD_MEM | CMD_BM},
    {OTHER_BDF, R_BAR(0), 4, 0xffffffffu},
    {P2P_BDF, 0x18, 4, 0x00010100u},
    {PT_BDF(0, 2, 1), R_COMMAND, 1, 7},
    {BRIDGE_BDF, R_COMMAND, 2, 0},
    {NIC_BDF, R_LINE, 1, 5},
    {NIC_BDF, R_PIN, 1, 4},
    {NIC_BDF, R_SCRATCH, 4, 0xdeadbeefu},
    {NIC_BDF, R_FLR, 1, 1},
    {NIC_BDF, R_COMMAND, 2, CMD_MEM},
    {SND_BDF, R_RELOAD, 4, 1},
    {SND_BDF, R_COMMAND + 1, 1, 0},
};

static void test_mmcfg_writes_as_ports(void)
{
	static struct fake_fn hw_ports[NFN];
	static u8 nic_ports[sizeof(nic_mem)];
	u64 keys[64] = {0};
	u32 nkeys;

	setup();
	for (u32 i = 0; i < sizeof(cfg_writes) / sizeof(cfg_writes[0]); i++)
		wr(cfg_writes[i].bdf, cfg_writes[i].reg, cfg_writes[i].size, cfg_writes[i].value);
	memcpy(hw_ports, hw, sizeof(hw));
	memcpy(nic_ports, nic_mem, sizeof(nic_mem));
	nkeys = nrefusals;
	for (u32 i = 0; i < nrefusals && i < 64; i++)
		keys[i] = refusals[i].key;
	CHECK(nkeys >= 8 && nkeys <= 64); /* the list does get refused */
	CHECK(hw_ports[1].writes > 10);

	setup();
	vpci_set_mmcfg(&V, MMCFG, 0, 0xff);
	for (u32 i = 0; i < sizeof(cfg_writes) / sizeof(cfg_writes[0]); i++)
		mwr(MMCFG_AT(cfg_writes[i].bdf, cfg_writes[i].reg), cfg_writes[i].size,
		    cfg_writes[i].value);
	CHECK(!memcmp(hw_ports, hw, sizeof(hw)));
	CHECK(!memcmp(nic_ports, nic_mem, sizeof(nic_mem)));
	CHECK_EQ(nrefusals, nkeys);
	for (u32 i = 0; i < nkeys && i < nrefusals; i++)
		CHECK_EQ(refusals[i].key, keys[i]);
	CHECK_EQ(decoding_misplaced, 0);
	CHECK_EQ(decoding_sized, 0);
	nrefusals = 0;

	/* the extended space, and misaligned or qword accesses: nowhere, and not news */
	for (u32 i = 0; i < NFN; i++)
		hw[i].writes = 0;
	for (u32 reg = 0x100; reg < 0x1000; reg += 4) {
		mwr(MMCFG_AT(NIC_BDF, reg), 4, 0xffffffffu);
		mwr(MMCFG_AT(OTHER_BDF, reg), 4, 0xffffffffu);
	}
	mwr(MMCFG_AT(NIC_BDF, R_SCRATCH + 1), 4, 0);
	mwr(MMCFG_AT(NIC_BDF, R_SCRATCH + 1), 2, 0);
	mwr(MMCFG_AT(NIC_BDF, R_SCRATCH), 8, 0);
	mwr(MMCFG_AT(OTHER_BDF, R_COMMAND + 1), 2, 0);
	for (u32 i = 0; i < NFN; i++)
		CHECK_EQ(hw[i].writes, 0);
	CHECK_EQ(hwr(NIC_BDF, R_SCRATCH, 4), 0xdeadbeefu);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(bad_accesses, 0);
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
 * Disable: Interrupt Disable comes back where the pin is not owned (MSI-X: see
 * test_msix_reload). */
static void test_reload_puts_back(void)
{
	setup();
	wr(NIC_BDF, R_RELOAD, 4, 1);
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), CMD_IO | CMD_MEM); /* its pin: owned */
	wr(SND_BDF, R_RELOAD, 1, 1);
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

/* A function reset by its partition (BARs at 0, decoding off), then the partition restarted:
 * its BARs are put back before decoding is, and its entries are masked. */
static void test_start_restores_bars(void)
{
	setup();
	entry_msg(NIC_TABLE, 0, 0xfee02000u, 0, 0x0041);
	entry_mask(NIC_TABLE, 0, false);
	wr(NIC_BDF, R_FLR, 1, 1);
	wr(SND_BDF, R_FLR, 1, 1);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(0), 4), 0);
	CHECK_EQ(hwr(SND_BDF, R_BAR(0), 4), 0);
	vpci_quiesce(&V);
	vpci_start(&V);
	CHECK_EQ(hwr(NIC_BDF, R_COMMAND, 2), CMD_IO | CMD_MEM | CMD_INTX);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(0), 4), 0xfebc0000u);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(1), 4), 0x0000c001u);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(2), 4), 0x0000000cu);
	CHECK_EQ(hwr(NIC_BDF, R_BAR(3), 4), 0x00000008u);
	CHECK_EQ(hwr(SND_BDF, R_COMMAND, 2), CMD_MEM | CMD_INTX);
	CHECK_EQ(hwr(SND_BDF, R_BAR(0), 4), 0xfebf0000u);
	CHECK_EQ(decoding_misplaced, 0);
	CHECK_EQ(decoding_sized, 0);
	CHECK(masked(NIC_TABLE, 0));
	CHECK_EQ(nrefusals, 0);
}

/* ---- with interrupt remapping ------------------------------------------------------------ */

/* MSI: the device gets the message naming the function's remapping entries, never the
 * partition's; the entries hold what the partition wrote. */
IR_TEST(test_ir_msi)
{
	setup();
	watch = false; /* remapped messages are no compatibility-format ones */
	nic_msi(0xfee02000u, 0, 0x0041, 0);
	CHECK_EQ(nrefusals, 0);
	CHECK(nic_msi_enabled());
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 4, 4), REMAP_MSG(IRTE(0, 0), false));
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 8, 4), 0);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 12, 2), 0);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 2, 2), 0x0185);
	CHECK(irt[IRTE(0, 0)].present);
	CHECK_EQ(irt[IRTE(0, 0)].e.vector, 0x41);
	CHECK_EQ(irt[IRTE(0, 0)].e.apic_id, 2);
	CHECK_EQ(irt[IRTE(0, 0)].e.sid, NIC_BDF);
	CHECK(!irt[IRTE(0, 0)].e.lowest);
	/* four messages from 0x40, lowest priority, its other CPU: four entries, subhandles */
	nic_msi(0xfee03008u, 0, 0x0141, 2);
	CHECK_EQ(nrefusals, 0);
	CHECK(nic_msi_enabled());
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 4, 4), REMAP_MSG(IRTE(0, 0), true));
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 12, 2), 0);
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 2, 2), 0x01a5);
	for (u32 n = 0; n < 4; n++) {
		CHECK(irt[IRTE(0, n)].present);
		CHECK_EQ(irt[IRTE(0, n)].e.vector, 0x40 + n);
		CHECK_EQ(irt[IRTE(0, n)].e.apic_id, 3);
		CHECK(irt[IRTE(0, n)].e.lowest);
	}
	/* the second function's 32-bit MSI: its own entries (slot 1) */
	wr(SND_BDF, SND_MSI + 4, 4, 0xfee02000u);
	wr(SND_BDF, SND_MSI + 8, 2, 0x0050);
	wr(SND_BDF, SND_MSI + 2, 2, MSI_EN);
	CHECK_EQ(hwr(SND_BDF, SND_MSI + 2, 2) & MSI_EN, MSI_EN);
	CHECK_EQ(hwr(SND_BDF, SND_MSI + 4, 4), REMAP_MSG(IRTE(1, 0), false));
	CHECK_EQ(hwr(SND_BDF, SND_MSI + 8, 2), 0);
	CHECK(irt[IRTE(1, 0)].present);
	CHECK_EQ(irt[IRTE(1, 0)].e.sid, SND_BDF);
	CHECK_EQ(irt[IRTE(1, 0)].e.vector, 0x50);
	/* disabling reaches the device */
	nic_msi_enable(false);
	CHECK(!nic_msi_enabled());
	CHECK_EQ(nrefusals, 0);
}

/* A message the partition may not send: MSI stays enabled, the device names its entry, and
 * the entry is not present (the IOMMU blocks it); said once by core/iommu.c, no refusal. */
IR_TEST(test_ir_msi_foreign)
{
	setup();
	watch = false;
	nic_msi(0xfee02000u, 0, 0x0041, 0);
	CHECK(irt[IRTE(0, 0)].present);
	capture_reset();
	nic_msi(0xfee01000u, 0, 0x0041, 0);
	CHECK_EQ(nrefusals, 0);
	CHECK(nic_msi_enabled());
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 4, 4), REMAP_MSG(IRTE(0, 0), false));
	CHECK_EQ(hwr(NIC_BDF, NIC_MSI + 12, 2), 0);
	CHECK(irt[IRTE(0, 0)].writes > 1); /* once per register written while enabled */
	CHECK(!irt[IRTE(0, 0)].present);
	CHECK_LOG("iommu: 00:02.0 of partition net: msi data 0x41 (destination is not one of its "
		  "CPUs) at 0xfee01000 blocked\n");
	CHECK_EQ(capture_lines(), 1);
	/* an NMI: blocked too, not said again */
	nic_msi(0xfee02000u, 0, 0x0402, 0);
	CHECK_EQ(nrefusals, 0);
	CHECK(nic_msi_enabled());
	CHECK(!irt[IRTE(0, 0)].present);
	CHECK_EQ(capture_lines(), 1);
}

/* With remapping, the MSI registers read back what the partition wrote, not the remapped
 * message the device holds (as MSI-X entries do). */
IR_TEST(test_ir_msi_reads_as_written)
{
	setup();
	nic_msi(0xfee02000u, 0, 0x0041, 0);
	CHECK_EQ(rd(NIC_BDF, NIC_MSI + 4, 4), 0xfee02000u);
	CHECK_EQ(rd(NIC_BDF, NIC_MSI + 12, 2), 0x0041);
}

/* MSI-X: a masked entry takes any message, kept (it reads back as written) and not yet a
 * remapping entry; unmasking builds the entry and gives the device the remapped message. */
IR_TEST(test_ir_msix)
{
	setup();
	watch = false;
	wr(NIC_BDF, NIC_MSIX + 2, 2, MSIX_EN);
	entry_msg(NIC_TABLE, 1, 0xfee03000u, 0, 0x0042);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(irte_writes, 0);
	CHECK(masked(NIC_TABLE, 1));
	CHECK_EQ(mrd(ENTRY(NIC_TABLE, 1) + ENT_LO, 4), 0xfee03000u);
	CHECK_EQ(mrd(ENTRY(NIC_TABLE, 1) + ENT_HI, 4), 0);
	CHECK_EQ(mrd(ENTRY(NIC_TABLE, 1) + ENT_DATA, 4), 0x0042);
	CHECK_EQ(mrd(ENTRY(NIC_TABLE, 1) + ENT_LO, 8), 0xfee03000u);
	/* the device's entry: as the previous owner left it, masked */
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 1) + ENT_LO, 4), 0xfee00000u);
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 1) + ENT_DATA, 4), 0x0402);
	/* a masked entry may hold anything: kept, not refused */
	entry_msg(NIC_TABLE, 2, 0xfee00000u, 0, 0x0402);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(irte_writes, 0);
	CHECK_EQ(mrd(ENTRY(NIC_TABLE, 2) + ENT_DATA, 4), 0x0402);

	entry_mask(NIC_TABLE, 1, false);
	CHECK(!masked(NIC_TABLE, 1));
	CHECK(irt[IRTE(0, 1)].present);
	CHECK_EQ(irt[IRTE(0, 1)].e.vector, 0x42);
	CHECK_EQ(irt[IRTE(0, 1)].e.apic_id, 3);
	CHECK_EQ(irt[IRTE(0, 1)].e.sid, NIC_BDF);
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 1) + ENT_LO, 4), REMAP_MSG(IRTE(0, 1), false));
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 1) + ENT_HI, 4), 0);
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 1) + ENT_DATA, 4), 0);
	CHECK_EQ(mrd(ENTRY(NIC_TABLE, 1) + ENT_LO, 4), 0xfee03000u);
	CHECK_EQ(mrd(ENTRY(NIC_TABLE, 1) + ENT_DATA, 4), 0x0042);
	CHECK_EQ(irt[IRTE(0, 0)].writes, 0);
	CHECK_EQ(irt[IRTE(0, 2)].writes, 0);

	/* a change to an unmasked entry rebuilds its remapping entry */
	mwr(ENTRY(NIC_TABLE, 1) + ENT_DATA, 4, 0x0051);
	CHECK(irt[IRTE(0, 1)].present);
	CHECK_EQ(irt[IRTE(0, 1)].e.vector, 0x51);
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 1) + ENT_DATA, 4), 0);
	/* another CPU's: the entry stays unmasked, the remapping entry is not present */
	capture_reset();
	mwr(ENTRY(NIC_TABLE, 1) + ENT_LO, 4, 0xfee01000u);
	CHECK_EQ(nrefusals, 0);
	CHECK(!masked(NIC_TABLE, 1));
	CHECK(!irt[IRTE(0, 1)].present);
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 1) + ENT_LO, 4), REMAP_MSG(IRTE(0, 1), false));
	CHECK_LOG("iommu: 00:02.0 of partition net: msi data 0x51 (destination is not one of its "
		  "CPUs) at 0xfee01000 blocked\n");
	/* a qword write of address and upper address, then unmasking entry 2 with its NMI */
	mwr(ENTRY(NIC_TABLE, 1) + ENT_LO, 8, 0xfee02000u);
	CHECK(irt[IRTE(0, 1)].present);
	CHECK_EQ(irt[IRTE(0, 1)].e.apic_id, 2);
	entry_mask(NIC_TABLE, 2, false);
	CHECK(!masked(NIC_TABLE, 2));
	CHECK_EQ(irt[IRTE(0, 2)].writes, 1);
	CHECK(!irt[IRTE(0, 2)].present);
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 2) + ENT_LO, 4), REMAP_MSG(IRTE(0, 2), false));
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 2) + ENT_DATA, 4), 0);
	/* masking again: no entry rebuilt, the device's message stays */
	irte_writes = 0;
	entry_mask(NIC_TABLE, 1, true);
	CHECK(masked(NIC_TABLE, 1));
	CHECK_EQ(irte_writes, 0);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(mmio_bad, 0);
}

/* MSI-X entries past the 32 a device gets remapping entries for: unmasked, they hold the
 * blocked message; no remapping entry is written for them. */
IR_TEST(test_ir_msix_beyond_32)
{
	nic_msix_ctl = 39; /* 40 entries: 0x3010-0x328f, below the pending bits */
	setup();
	watch = false;
	wr(NIC_BDF, NIC_MSIX + 2, 2, MSIX_EN);
	entry_msg(NIC_TABLE, 31, 0xfee02000u, 0, 0x0041);
	entry_mask(NIC_TABLE, 31, false);
	CHECK(irt[IRTE(0, 31)].present);
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 31) + ENT_LO, 4), REMAP_MSG(IRTE(0, 31), false));
	irte_writes = 0;
	entry_msg(NIC_TABLE, 32, 0xfee02000u, 0, 0x0041);
	entry_mask(NIC_TABLE, 32, false);
	CHECK(!masked(NIC_TABLE, 32));
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 32) + ENT_LO, 4), REMAP_MSG(IRTE_BLOCKED, false));
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 32) + ENT_DATA, 4), 0);
	entry_msg(NIC_TABLE, 39, 0xfee02000u, 0, 0x0041);
	entry_mask(NIC_TABLE, 39, false);
	CHECK_EQ(mem(ENTRY(NIC_TABLE, 39) + ENT_LO, 4), REMAP_MSG(IRTE_BLOCKED, false));
	CHECK_EQ(irte_writes, 0);
	CHECK_EQ(irt[IRTE(1, 0)].writes, 0); /* the next device's, where entry 32 would be */
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(mmio_bad, 0);
}

/* ---- PCI Express ------------------------------------------------------------------------ */

/* Phantom Functions Enable (Device Control bit 9) would let the device use requester IDs
 * of functions it does not have: whatever a write of the partition's sets, it is off after
 * it; the other bits of Device Control are the partition's. */
static void test_pcie_phantom_functions_off(void)
{
	nic_pcie = true;
	setup();
	CHECK_EQ(hwr(NIC_BDF, R_DEVCTL, 2), 0x2810);
	wr(NIC_BDF, R_DEVCTL, 2, 0x5c1f | PHANTOM);
	CHECK_EQ(hwr(NIC_BDF, R_DEVCTL, 2), 0x5c1f);
	CHECK_EQ(rd(NIC_BDF, R_DEVCTL, 2), 0x5c1f);
	/* its byte alone */
	wr(NIC_BDF, R_DEVCTL + 1, 1, PHANTOM >> 8);
	CHECK_EQ(hwr(NIC_BDF, R_DEVCTL, 2), 0x001f);
	/* a dword with Device Status */
	wr(NIC_BDF, R_DEVCTL, 4, 0xffff0000u | PHANTOM | 0x0010);
	CHECK_EQ(hwr(NIC_BDF, R_DEVCTL, 2), 0x0010);
	/* without it: written as it is */
	wr(NIC_BDF, R_DEVCTL, 2, 0x2820);
	CHECK_EQ(hwr(NIC_BDF, R_DEVCTL, 2), 0x2820);
	/* set some other way (the device's own register, a reset): off after the next write */
	hw[1].cfg[R_DEVCTL + 1] |= PHANTOM >> 8;
	wr(NIC_BDF, R_SCRATCH, 4, 0x1);
	CHECK_EQ(hwr(NIC_BDF, R_DEVCTL, 2), 0x2820);
	CHECK_EQ(hwr(NIC_BDF, R_SCRATCH, 4), 0x1);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(bad_accesses, 0);
	nic_pcie = false;
}

/* A function without the capability: the same register, as device-specific, is its own. */
static void test_no_pcie_unaffected(void)
{
	nic_pcie = false;
	setup();
	wr(NIC_BDF, R_DEVCTL, 2, 0x5c1f | PHANTOM);
	CHECK_EQ(hwr(NIC_BDF, R_DEVCTL, 2), 0x5c1f | PHANTOM);
	wr(NIC_BDF, R_SCRATCH, 4, 0x1);
	CHECK_EQ(hwr(NIC_BDF, R_DEVCTL, 2), 0x5c1f | PHANTOM);
	CHECK_EQ(nrefusals, 0);
}

int main(void)
{
	/* the IOMMU is active from here on; interrupt remapping only in the test_ir_* ones */
	iommu_setup();
	if (!iommu_active())
		printf("  iommu_setup() left the IOMMU off\n");
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
	RUN(test_msix_emulated_capability);
	RUN(test_msix_masked_probe_start_quiesce);
	RUN(test_msix_valid_entry);
	RUN(test_msix_invalid);
	RUN(test_msix_qwords);
	RUN(test_msix_straddle);
	RUN(test_msix_widths);
	RUN(test_msix_page_passes_through);
	RUN(test_msix_reload);
	RUN(test_mmcfg_claims);
	RUN(test_mmcfg_reads_as_ports);
	RUN(test_mmcfg_writes_as_ports);
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
	RUN(test_start_restores_bars);
	RUN(test_pcie_phantom_functions_off);
	RUN(test_no_pcie_unaffected);
	RUN(test_ir_msi);
	RUN(test_ir_msi_foreign);
	RUN(test_ir_msi_reads_as_written);
	RUN(test_ir_msix);
	RUN(test_ir_msix_beyond_32);
	CHECK_MAIN_END();
}
