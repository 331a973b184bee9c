/*
 * libFuzzer harness for what partitions do to their devices: core/vpci.c (PCI configuration
 * space through 0xcf8-0xcff and the MMCONFIG window), core/vmsix.c (MSI-X tables),
 * core/vioapic.c (the I/O APIC window) and core/vchan.c (their channels as PCI functions,
 * with core/channels.c's doorbells), for two partitions on one fake machine defined here.
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
 * Both partitions have an MMCONFIG window at 0xe0000000, buses 0-255. Both are Linux
 * partitions, with a payload "rt" (CPU 4) beside them, on three channels (table order):
 *   "ab"    a (end 0, read-write) - b (end 1, read-only)
 *   "a-rt"  rt (end 0) - a (end 1, read-only)
 *   "rt-b"  b (end 0, read-write) - rt (end 1)
 * so each of a and b has two channel functions, at 00:10.0 and 00:11.0, INTA on inputs 24
 * and 25 of its I/O APIC (after the machine's 24), BAR0 at 0xfec80000 and 0xfec81000.
 *
 * Its three functions reset themselves when 0xb0 is written with bit 0 set (a function-level
 * reset: command, BARs, ROM, MSI and MSI-X enable to their reset values, every MSI-X entry
 * masked) and reload defaults when 0xb4 is (MSI-X on, Interrupt Disable off), as
 * device-specific registers may. A previous owner left every MSI-X entry unmasked with an NMI.
 *
 * Input: 7-byte steps. Byte 0: bit 0 the partition, bits 3:1 the operation, bits 5:4 the size
 * (1, 2, 4, 4; 1, 2, 4, 8 for memory), bit 6 memory instead of ports; byte 1: a port,
 * register or offset; byte 2: a function (one of eight, see pick_bdf; with bit 7, near the
 * channels' functions) or a pin; bytes 3-6: a value.
 *   0 read a port of 0xcf8-0xcff        1 write one
 *   2 select a function's register      3 select, then write 0xcfc + (register & 3)
 *   4 select, then read it              5 I/O APIC: an access of any size at an offset
 *   6 I/O APIC: IOREGSEL, then IOWIN    7 byte 1 & 3: 0 start, 1 stop (devices_start/stop),
 *                                         2 the machine sets a pin's remote IRR and busy bits,
 *                                         3 rt rings its channel number byte 2 & 3
 * (each I/O APIC write is followed by vchan_update, as core/partition_requests.c does).
 * With bit 6, an access where the partition's exits would take it (vpci_mmio_claims or
 * vchan_mmio_claims, within a page), at a page (byte 2 & 3: the NIC's table page, the second
 * function's, the page below the NIC's, 00:04.0's; with byte 2 bit 7, the registers of its
 * channel function byte 2 & 3) + byte 1 | (byte 2 bits 5:2) << 8, or in the MMCONFIG window:
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
 *     through the window is what the ports read (0 above the first 256 bytes);
 *   - its channels' registers are its own channel functions' register pages, no more; a
 *     channel function's BAR reads, at any width, its value or its sizing mask (from the
 *     table: BAR0 its register page and 256 bytes, BAR2/3 the channel's guest address and
 *     size, 64-bit prefetchable; BAR1/4/5 0), never anything else;
 *   - a vector is sent only to one of the receiving partition's CPUs but 0xff, 0x20 or
 *     more: for rt, the table's vector of a channel the ringer shares with it; for a Linux
 *     side, the vector and CPU of the unmasked entry of the input of one of its channel
 *     functions that the harness's own model has pending (rung, or 1 written to IntrStatus,
 *     since IntrStatus was last read or 0 written, or a start or stop) and unmasked (IntrMask
 *     bit 0 last written 1) with Interrupt Disable clear; a doorbell reaches
 *     partition_channel_rung only for the ringer's own channel to a running Linux partition;
 *   - after every step, such a function (pending, unmasked, its entry unmasked, Interrupt
 *     Disable clear) has had its vector sent on the route it has now (INTA is never lost,
 *     and follows its entry), and its Interrupt Status bit (status bit 3) is set exactly
 *     while the model has it pending and unmasked.
 * FUZZ_VERBOSE=1 prints each step.
 */
#include <string.h>

#include "arch/x86/arch.h"
#include "core/channels.h"
#include "core/iommu.h"
#include "core/partition.h"
#include "core/upcalls.h"
#include "core/vchan.h"
#include "core/vioapic.h"
#include "core/vpci.h"
#include "tests/fuzz/fuzz.h"

#define NPART	2
#define PINS	24
#define RT	2 /* the payload on channels with both */
#define RT_CPU	4
#define NCHAN	2				  /* channels of each of a and b */
#define REGS(k) (0xfec80000ull + 0x1000ull * (k)) /* BAR0 of its channel k */
#define KHZ	1000000u

#define R_COMMAND  0x04
#define R_BAR0	   0x10
#define R_ROM	   0x30
#define R_PIN	   0x3d
#define R_FLR	   0xb0 /* device-specific, bit 0: a function-level reset */
#define R_RELOAD   0xb4 /* device-specific, bit 0: defaults reloaded */
#define CMD_DECODE 0x0003u
#define CMD_MEM	   0x0002u
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

/* ---- the table: a and b are Linux partitions, rt a payload; three channels -------------- */

#define SHARED(p, s, g, a)                                                                         \
	{                                                                                          \
		.phys = (p), .size = (s), .guest = (g), .access = (a), .kind = REGION_SHARED       \
	}

const struct partition_table partition_table = {
    .layout = "fuzz-vdev",
    .parts = PT_PARTITIONS({.name = "a",
			    .kind = PART_LINUX,
			    .cpus = PT_CPUS(0, 1),
			    .mem = PT_REGIONS(SHARED(0x4600000, 0x10000, 0xc0000000, MEM_RW),
					      SHARED(0x4800000, 0x200000, 0x440200000ull, MEM_R))},
			   {.name = "b",
			    .kind = PART_LINUX,
			    .cpus = PT_CPUS(2, 3, 0xff),
			    .mem = PT_REGIONS(SHARED(0x4600000, 0x10000, 0x100000000ull, MEM_R),
					      SHARED(0x4a00000, 0x1000, 0xd0000000, MEM_RW))},
			   {.name = "rt",
			    .kind = PART_PAYLOAD,
			    .cpus = PT_CPUS(RT_CPU),
			    .mem = PT_REGIONS(SHARED(0x4800000, 0x200000, 0x800000, MEM_RW),
					      SHARED(0x4a00000, 0x1000, 0xa00000, MEM_RW))}),
    .channels = PT_CHANNELS({.name = "ab",
			     .phys = 0x4600000,
			     .size = 0x10000,
			     .end = {{.partition = "a", .access = MEM_RW, .vector = 0x40},
				     {.partition = "b", .access = MEM_R, .vector = 0x41}}},
			    {.name = "a-rt",
			     .phys = 0x4800000,
			     .size = 0x200000,
			     .end = {{.partition = "rt", .access = MEM_RW, .vector = 0x60},
				     {.partition = "a", .access = MEM_R, .vector = 0x42}}},
			    {.name = "rt-b",
			     .phys = 0x4a00000,
			     .size = 0x1000,
			     .end = {{.partition = "b", .access = MEM_RW, .vector = 0x43},
				     {.partition = "rt", .access = MEM_RW, .vector = 0x61}}}),
};

/* Each of a's and b's channels in its own numbering, from the table above (not from
 * vchan.c): the table's channel, where the partition maps it, its size. */
static const struct {
	u32 channel;
	u64 gpa, size;
} chans[NPART][NCHAN] = {{{0, 0xc0000000, 0x10000}, {1, 0x440200000ull, 0x200000}},
			 {{0, 0x100000000ull, 0x10000}, {2, 0xd0000000, 0x1000}}};

static struct vchan vchan[NPART];
static struct vioapic vioapic[NPART];
static bool running[NPART + 1];
static u64 now;
static int rung = -1; /* the Linux partition a doorbell is being handed to */
/* The model of each channel function of a and b: rung since IntrStatus was last read or
 * cleared; IntrMask bit 0; the route its INTA was last sent on while pending (0: none). */
static bool pending[NPART][NCHAN], imask[NPART][NCHAN];
static u64 delivered[NPART][NCHAN];

static void model_reset(u32 p)
{
	memset(pending[p], 0, sizeof(pending[p]));
	memset(imask[p], 0, sizeof(imask[p]));
	memset(delivered[p], 0, sizeof(delivered[p]));
}

const char *partition_name(u32 i)
{
	return i <= RT ? partition_table.parts.p[i].name : "?";
}

int partition_find(const char *name)
{
	for (u32 i = 0; i <= RT; i++)
		if (strcmp(partition_table.parts.p[i].name, name) == 0)
			return (int)i;
	return -1;
}

bool partition_running(u32 i)
{
	return i <= RT && running[i];
}

u64 arch_tsc(void)
{
	return now;
}

u64 arch_tsc_khz(void)
{
	return KHZ;
}

/* Is table channel `c` one of partition p's (by name, from the table)? */
static bool on_channel(u32 p, u32 c)
{
	const struct pt_channel *ch = &partition_table.channels.c[c];

	return strcmp(ch->end[0].partition, partition_name(p)) == 0 ||
	       strcmp(ch->end[1].partition, partition_name(p)) == 0;
}

/* core/channels.c hands a doorbell aimed at a Linux partition here (on the ringer's CPU). */
void partition_channel_rung(u32 i, u32 channel)
{
	FUZZ_ASSERT(booted && i < NPART && running[i] && channel < 3);
	FUZZ_ASSERT(on_channel(i, channel) && cur >= 0 && (u32)cur != i &&
		    on_channel((u32)cur, channel));
	for (u32 k = 0; k < NCHAN; k++)
		if (chans[i][k].channel == channel)
			pending[i][k] = true;
	rung = (int)i;
	vchan_ring(&vchan[i], channel);
	rung = -1;
}

/* Where p's channel function k's INTA goes now by the model (0: nowhere): IntrMask bit 0 (the
 * model's), Interrupt Disable clear (its command register), the entry of its input unmasked
 * (as the partition reads it back). */
static u64 route_of(u32 p, u32 k)
{
	u64 rte = vioapic_rte(&vioapic[p], PINS - 1 - k); /* from the top: none is owned */
	u32 cmd = vchan_config_read(&vchan[p], PT_BDF(0, 0x10 + k, 0), R_COMMAND);

	if ((rte & RTE_MASK_BIT) || (cmd & CMD_INTX) || !imask[p][k])
		return 0;
	return 1ull << 63 | (rte >> 56) << 8 | (rte & 0xff);
}

static bool owns_cpu(int p, u32 apic);

void arch_send_vector(u32 apic_id, u8 vector)
{
	FUZZ_ASSERT(booted && vector >= 0x20);
	if (rung < 0 && apic_id == RT_CPU) {
		/* a or b rang rt through its Doorbell register: the table's vector */
		FUZZ_ASSERT(cur >= 0 && cur < NPART && (vector == 0x60 || vector == 0x61));
		FUZZ_ASSERT(on_channel((u32)cur, vector == 0x60 ? 1 : 2));
		if (verbose)
			printf("    sent 0x%02x to rt\n", vector);
		return;
	}
	/* INTA of a channel function: to the receiving partition's CPU, as the route of one of
	 * its functions with a doorbell pending says */
	{
		int to = rung >= 0 ? rung : cur;
		u64 route = 1ull << 63 | (u64)apic_id << 8 | vector;
		bool found = false;

		FUZZ_ASSERT(to >= 0 && to < NPART && apic_id != 0xff && owns_cpu(to, apic_id));
		for (u32 k = 0; k < NCHAN; k++)
			if (pending[to][k] && route_of((u32)to, k) == route) {
				delivered[to][k] = route;
				found = true;
			}
		FUZZ_ASSERT(found);
	}
	if (verbose)
		printf("    sent 0x%02x to %u\n", vector, apic_id);
}

/* The machine of this harness has no IOMMU: messages are checked as written (the remapped
 * path is host-tested in tests/unit/test_vpci.c and test_iommu.c). */
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

static void build_table(void)
{
	memset(cfg, 0, sizeof(cfg));
	for (u32 p = 0; p < NPART; p++) {
		cfg[p].name = partition_table.parts.p[p].name;
		cfg[p].kind = partition_table.parts.p[p].kind;
		cfg[p].mem = partition_table.parts.p[p].mem;
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
	rung = -1;
	now += 1000ull * KHZ; /* every doorbell's bucket full again: each input starts alike */
	build_machine();
	build_table();
	for (u32 p = 0; p < NPART; p++) {
		char why[160];

		vpci_init(&vpci[p], p, &cfg[p]);
		vioapic_init(&vioapic[p], p, &cfg[p]);
		if (vchan_init(&vchan[p], p, &cfg[p], &vioapic[p], why, sizeof(why))) {
			fprintf(stderr, "fuzz: harness table refused: %s\n", why);
			abort();
		}
		FUZZ_ASSERT(vchan[p].count == NCHAN);
		vpci[p].chan = &vchan[p];
		vpci_set_mmcfg(&vpci[p], MMCFG, 0, 255);
		for (u32 i = 0; i < cfg[p].devices.count; i++) {
			struct vpci_fn f;

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
	running[RT] = true;
	for (u32 p = 0; p < NPART; p++) {
		cur = (int)p;
		model_reset(p);
		vioapic_reset(&vioapic[p]);
		vchan_reset(&vchan[p]);
		vpci_start(&vpci[p]);
		running[p] = true;
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

/* Is `bdf` a channel function (the k-th of a's or b's, in table order from 00:10.0: neither
 * owns a function there)? k, or -1. */
static int chan_fn(u32 bdf)
{
	for (u32 k = 0; k < NCHAN; k++)
		if (bdf == PT_BDF(0, 0x10 + k, 0))
			return (int)k;
	return -1;
}

/* BAR register i of p's channel function k: its value and what it reads while sized. */
static void chan_bar(u32 p, u32 k, u32 i, u32 *value, u32 *sizing)
{
	u64 gpa = chans[p][k].gpa, mask = ~(chans[p][k].size - 1);

	*value = *sizing = 0;
	if (i == 0) {
		*value = (u32)REGS(k);
		*sizing = 0xffffff00u;
	} else if (i == 2) {
		*value = ((u32)gpa & 0xfffffff0u) | 0xc;
		*sizing = ((u32)mask & 0xfffffff0u) | 0xc;
	} else if (i == 3) {
		*value = (u32)(gpa >> 32);
		*sizing = (u32)(mask >> 32);
	}
}

/* A read of `size` bytes at `reg` of p's function `bdf` that returned `got`: at a channel
 * function's BAR, the bytes of its value or of its sizing mask. */
static void check_bar_read(u32 p, u32 bdf, u32 reg, u32 size, u64 got)
{
	int k = chan_fn(bdf);
	u32 value, sizing, shift = 8 * (reg & 3), mask;

	if (k < 0 || reg < R_BAR0 || reg >= R_BAR0 + 24 || size > 4 || (reg & (size - 1)))
		return;
	mask = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	chan_bar(p, (u32)k, (reg - R_BAR0) / 4, &value, &sizing);
	FUZZ_ASSERT(got == ((value >> shift) & mask) || got == ((sizing >> shift) & mask));
}

/* Every BAR of every channel function, read as a dword through the ports (CONFIG_ADDRESS put
 * back after). */
static void check_channel_bars(void)
{
	for (u32 p = 0; p < NPART; p++) {
		u32 saved = vpci_port_read(&vpci[p], 0xcf8, 4);

		for (u32 k = 0; k < NCHAN; k++)
			for (u32 i = 0; i < 6; i++) {
				u32 bdf = PT_BDF(0, 0x10 + k, 0), reg = R_BAR0 + 4 * i;

				vpci_port_write(&vpci[p], 0xcf8, 4, 0x80000000u | bdf << 8 | reg);
				check_bar_read(p, bdf, reg, 4, vpci_port_read(&vpci[p], 0xcfc, 4));
			}
		vpci_port_write(&vpci[p], 0xcf8, 4, saved);
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
	check_channel_bars();
	/* an asserted INTA that can reach a CPU has reached it, on its route as it is now; the
	 * Interrupt Status bit is IntrStatus and IntrMask */
	for (u32 p = 0; p < NPART; p++)
		for (u32 k = 0; k < NCHAN; k++) {
			u64 route = route_of(p, k);
			u32 status =
			    vchan_config_read(&vchan[p], PT_BDF(0, 0x10 + k, 0), R_COMMAND);

			if (!pending[p][k] || !route)
				delivered[p][k] = 0;
			else
				FUZZ_ASSERT(delivered[p][k] == route);
			FUZZ_ASSERT(!!(status & (0x0008u << 16)) == (pending[p][k] && imask[p][k]));
		}
}

/* ---- the steps --------------------------------------------------------------------------- */

/* With bit 7: the channel functions 00:10.0, 00:11.0, another function of 00:10 (bits 3:2
 * + 1), the device after them (00:12.0). */
static u32 pick_bdf(u8 b, u32 value)
{
	static const u32 bdfs[] = {PT_BDF(0, 0, 0), PT_BDF(0, 2, 0), PT_BDF(0, 3, 0),
				   PT_BDF(0, 5, 0), PT_BDF(0, 4, 0), PT_BDF(0, 0x1e, 0),
				   PT_BDF(0, 2, 1)};

	if (b & 0x80)
		return (b & 3) < 2    ? PT_BDF(0, 0x10 + (b & 3), 0)
		       : (b & 3) == 2 ? PT_BDF(0, 0x10, 1 + ((b >> 2) & 3))
				      : PT_BDF(0, 0x12, 0);
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
		owned |= chan_fn(bdf) >= 0;
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

/* A 4-byte write to IntrMask or IntrStatus of p's channel function, in the model (before it is
 * made: what it sends is checked against the model). */
static void model_register_write(u32 p, u64 gpa, u32 size, u64 value)
{
	u32 k = (u32)((gpa - REGS(0)) / PAGE), offset = (u32)(gpa & (PAGE - 1));
	u32 cmd = vchan_config_read(&vchan[p], PT_BDF(0, 0x10 + k, 0), R_COMMAND);

	if (!(cmd & CMD_MEM))
		return; /* not decoding: the write goes nowhere */
	if (size == 4 && offset == 0)
		imask[p][k] = value & 1;
	else if (size == 4 && offset == 4) /* as QEMU's: a status written is a status */
		pending[p][k] = value & 1;
}

/* Bit 6 of byte 0: memory, where the partition's exits would take it. */
static u64 mmio_step(const u8 *s, u32 p, u32 value)
{
	static const u32 sizes[] = {1, 2, 4, 8};
	static const u64 pages[] = {NIC_BAR0 + 0x3000, SND_BAR0 + 0x2000, NIC_BAR0 + 0x2000,
				    OTH_BAR0 + 0x3000};
	u32 op = (s[0] >> 1) & 7, size = sizes[(s[0] >> 4) & 3];
	u32 bdf = pick_bdf(s[2], value), reg = s[1] | ((s[2] >> 3) & 0xfu) << 8;
	bool cfg_space = op == 2 || op == 3 || op == 5, chan_page = !cfg_space && (s[2] & 0x80);
	u64 gpa = cfg_space   ? MMCFG + ((u64)bdf << 12) + reg
		  : chan_page ? REGS(s[2] & 3) + (s[1] | ((s[2] >> 2) & 0xfu) << 8)
			      : pages[s[2] & 3] + (s[1] | ((s[2] >> 2) & 0xfu) << 8);
	u64 wide = (u64)value | (u64)~value << 32, r = 0; /* a qword: value, ~value */
	struct vpci *v = &vpci[p];
	struct vchan *c = &vchan[p];
	bool write = op == 1 || op == 3 || op == 4 || op == 7;

	/* its own tables' pages and its window, nothing else; its channels' register pages */
	FUZZ_ASSERT(vpci_mmio_claims(v, gpa) == p_claims(p, gpa));
	FUZZ_ASSERT(vchan_mmio_claims(c, gpa) ==
		    ((gpa & ~(PAGE - 1)) == REGS(0) || (gpa & ~(PAGE - 1)) == REGS(1)));
	if (op == 4)
		wide = 0xfee00000u | (value & 0xfffffu);
	else if (size < 8)
		wide = value;
	if ((gpa ^ (gpa + size - 1)) & ~(PAGE - 1))
		return 0;			  /* a fault: not emulated */
	if (vchan_mmio_claims(c, gpa) && write) { /* as core/partition_requests.c, first */
		model_register_write(p, gpa, size, wide);
		vchan_mmio_write(c, gpa, size, wide);
	} else if (vchan_mmio_claims(c, gpa)) {
		r = vchan_mmio_read(c, gpa, size);
		if (size == 4 && (gpa & (PAGE - 1)) == 4) /* IntrStatus: reading clears it */
			pending[p][(gpa - REGS(0)) / PAGE] = false;
	} else if (!vpci_mmio_claims(v, gpa))
		return 0; /* mapped: not emulated */
	else if (write)
		vpci_mmio_write(v, gpa, size, wide);
	else
		r = vpci_mmio_read(v, gpa, size);
	if (op == 5)
		compare_with_ports(v, bdf, reg, size, r);
	if ((op == 2 || op == 5) && reg < 256)
		check_bar_read(p, bdf, reg, size, r);
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
	/* 50 us for each port step: a doorbell's bucket refills at 0.8 of them; doorbells (memory
	 * steps, op 7) take no time, so enough of them in a row are dropped */
	if (!(s[0] & 0x40) && op != 7)
		now += KHZ / 20;
	if (s[0] & 0x40) {
		mmio_step(s, p, value);
		return;
	}
	switch (op) {
	case 0: {
		u32 a = vpci_port_read(v, 0xcf8, 4), port = 0xcf8 + (s[1] & 7);

		r = vpci_port_read(v, port, size);
		if (port >= 0xcfc && (a & 0x80000000u) && !(a & 0x7f000000u))
			check_bar_read(p, (a >> 8) & 0xffff, (a & 0xfc) + (port & 3), size, r);
		break;
	}
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
		check_bar_read(p, pick_bdf(s[2], value), s[1], size, r);
		break;
	case 5: /* every write to its I/O APIC is followed by vchan_update */
		if (s[2] & 1) {
			vioapic_write(io, s[1], size, value);
			vchan_update(&vchan[p]);
		} else {
			r = vioapic_read(io, s[1], size);
		}
		break;
	case 6:
		vioapic_write(io, 0x00, 4, s[1]);
		vchan_update(&vchan[p]);
		if (s[2] & 1) {
			r = vioapic_read(io, 0x10, 4);
		} else {
			vioapic_write(io, 0x10, 4, value);
			vchan_update(&vchan[p]);
		}
		break;
	default:
		if ((s[1] & 3) == 0) { /* devices_start */
			model_reset(p);
			vioapic_reset(io);
			vchan_reset(&vchan[p]);
			vpci_start(v);
			check_quiet(p);
			running[p] = true;
		} else if ((s[1] & 3) == 1) { /* devices_stop */
			running[p] = false;
			model_reset(p);
			vioapic_reset(io);
			vchan_reset(&vchan[p]);
			vpci_quiesce(v);
			check_quiet(p);
		} else if ((s[1] & 3) == 2) {
			pins[s[2] % PINS] |= RTE_RO; /* the machine's doing */
		} else {
			cur = RT; /* rt's doorbell: its number byte 2 & 3 (2, 3: none) */
			r = (u32)channel_ring(RT, s[2] & 3);
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
