/*
 * Unit tests for core/vchan.c, a Linux partition's channels as PCI functions, reached the way
 * Linux reaches them: its configuration space through core/vpci.c (0xcf8/0xcfc and the
 * MMCONFIG window), the interrupt entry of each function's INTA through core/vioapic.c (its
 * IOREGSEL and IOWIN, each write followed by vchan_update() as core/partition_requests.c
 * does), the BAR0 registers through vchan_mmio_*, and the other side's doorbell as
 * core/channels.c hands it over (vchan_ring with the table's channel index).
 *
 * The table: "linux" (index 1, CPUs 2 and 3) owns the PCI function 00:10.0 (a NIC of the fake
 * machine below, .irq 16) and is on two channels: "samples" (table channel 1, its end 1,
 * read-only, 64 KiB at guest 0xc0000000) and a channel with a 31-character name (table
 * channel 2, its end 0, read-write, 2 MiB at guest 0x4_4020_0000, above 4 GiB). Table channel
 * 0, with a name too long, is between a payload and "lx2"; "many" is a Linux partition on five
 * channels. The machine's I/O APIC has 24 inputs, so the two functions' INTA are inputs 24 and
 * 25.
 *
 * Register offsets and bits are spelled out here from PCI Local Bus 3.0 ch. 6, the 82093AA
 * data sheet §3 and QEMU's ivshmem specification (docs/specs/ivshmem-spec.rst), not taken
 * from core/lib/pci_regs.h, core/lib/ioapic_regs.h or bulkhead/channel_pci.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/arch.h"
#include "core/channels.h"
#include "core/error.h"
#include "core/iommu.h"
#include "core/upcalls.h"
#include "core/vchan.h"
#include "core/vioapic.h"
#include "core/vpci.h"
#include "tests/unit/check.h"

#define CF8 0xcf8u
#define CFC 0xcfcu

#define R_VENDOR  0x00
#define R_DEVICE  0x02
#define R_COMMAND 0x04
#define R_STATUS  0x06
#define R_REV	  0x08
#define R_CLASS	  0x08
#define R_HEADER  0x0e
#define R_BAR(n)  (0x10 + 4 * (n))
#define R_SUBSYS  0x2c
#define R_ROM	  0x30
#define R_CAPS	  0x34
#define R_LINE	  0x3c
#define R_PIN	  0x3d
#define CMD_MEM	  0x0002u
#define CMD_BM	  0x0004u
#define CMD_INTX  0x0400u /* Interrupt Disable */
#define ST_INTR	  0x0008u /* Interrupt Status */
#define ST_CAPS	  0x0010u /* Capabilities List */
#define ADDR_EN	  0x80000000u

/* ivshmem's BAR0 registers */
#define INTR_MASK   0x00
#define INTR_STATUS 0x04
#define IV_POSITION 0x08
#define DOORBELL    0x0c
#define REGS(k)	    (0xfec80000ull + 0x1000ull * (k)) /* where BAR0 of its channel k is */

/* I/O APIC */
#define REGSEL	     0x00
#define WINDOW	     0x10
#define REDTBL(n)    (0x10 + 2 * (n))
#define MASKED	     (1ull << 16)
#define LEVEL	     (1ull << 15)
#define LOGICAL	     (1ull << 11)
#define DEST(id)     ((u64)(id) << 56)
#define MACHINE_PINS 24
#define PIN(k)	     (MACHINE_PINS - 1 - (k)) /* its channel k's INTA: from the top */

#define KEY_PCI(bdf, reg) ((0x101ull << 32) | ((u32)(bdf) << 8 | (reg)))
#define KEY_PIN(pin)	  ((0x100ull << 32) | (pin))

#define MMCFG		   0xe0000000ull
#define MMCFG_AT(bdf, reg) (MMCFG + ((u64)(bdf) << 12) + (reg))

#define LINUX	 1 /* partition index */
#define SAMPLES	 1 /* table channel indexes */
#define COMMANDS 2
#define LONG	 "commands-to-the-real-time-loop!" /* 31 characters, the most a name has */
/* 40: a name ptcheck refuses, on "lx2"'s channel */
#define TOO_LONG     "0123456789abcdefghijklmnopqrstuvwxyzABCD"
#define NIC_BDF	     PT_BDF(0, 0x10, 0)
#define FN0	     PT_BDF(0, 0x11, 0) /* "samples": 0x10 is its NIC's */
#define FN1	     PT_BDF(0, 0x12, 0) /* LONG */
#define SAMPLES_GPA  0xc0000000ull
#define SAMPLES_SIZE 0x10000ull
#define LONG_GPA     0x440200000ull
#define LONG_SIZE    0x200000ull

#define SHARED(p, s, g, a)                                                                         \
	{                                                                                          \
		.phys = (p), .size = (s), .guest = (g), .access = (a), .kind = REGION_SHARED       \
	}
#define RAM(p)                                                                                     \
	{                                                                                          \
		.phys = (p), .size = 0x800000, .guest = 0, .access = MEM_RWX, .kind = REGION_RAM   \
	}
#define MANY(i)                                                                                    \
	{                                                                                          \
		.name = "many" #i, .phys = 0x5000000 + (i)*0x10000, .size = 0x10000,               \
		.end = { {.partition = "many", .access = MEM_RW, .vector = 0x50},                  \
			 {.partition = "rt2", .access = MEM_RW, .vector = 0x51} }                  \
	}

const struct partition_table partition_table = {
    .layout = "vchan-unit",
    .parts = PT_PARTITIONS(
	{.name = "rt",
	 .kind = PART_PAYLOAD,
	 .cpus = PT_CPUS(1),
	 .mem = PT_REGIONS(RAM(0x10000000), SHARED(0x4400000, 0x1000, 0x800000, MEM_RW),
			   SHARED(0x4600000, SAMPLES_SIZE, 0x900000, MEM_RW),
			   SHARED(0x4800000, LONG_SIZE, 0xa00000, MEM_R))},
	{.name = "linux",
	 .kind = PART_LINUX,
	 .cpus = PT_CPUS(2, 3),
	 .mem = PT_REGIONS(RAM(0x20000000), SHARED(0x4600000, SAMPLES_SIZE, SAMPLES_GPA, MEM_R),
			   SHARED(0x4800000, LONG_SIZE, LONG_GPA, MEM_RW)),
	 .devices = PT_DEVICES({.kind = DEV_PCI,
				.name = "nic",
				.bdf = NIC_BDF,
				.bar = {{BAR_MEM, 0xfeb00000u, 0x20000}},
				.irq = 16})},
	{.name = "rt2",
	 .kind = PART_PAYLOAD,
	 .cpus = PT_CPUS(4),
	 .mem = PT_REGIONS(RAM(0x30000000), SHARED(0x5000000, 0x10000, 0x1000000, MEM_RW),
			   SHARED(0x5010000, 0x10000, 0x1010000, MEM_RW),
			   SHARED(0x5020000, 0x10000, 0x1020000, MEM_RW),
			   SHARED(0x5030000, 0x10000, 0x1030000, MEM_RW),
			   SHARED(0x5040000, 0x10000, 0x1040000, MEM_RW))},
	{.name = "many",
	 .kind = PART_LINUX,
	 .cpus = PT_CPUS(5),
	 .mem = PT_REGIONS(RAM(0x40000000), SHARED(0x5000000, 0x10000, 0xc0000000, MEM_RW),
			   SHARED(0x5010000, 0x10000, 0xc0010000, MEM_RW),
			   SHARED(0x5020000, 0x10000, 0xc0020000, MEM_RW),
			   SHARED(0x5030000, 0x10000, 0xc0030000, MEM_RW),
			   SHARED(0x5040000, 0x10000, 0xc0040000, MEM_RW))},
	{.name = "lx2",
	 .kind = PART_LINUX,
	 .cpus = PT_CPUS(6),
	 .mem = PT_REGIONS(RAM(0x50000000), SHARED(0x4400000, 0x1000, 0xc0000000, MEM_RW))}),
    .channels = PT_CHANNELS({.name = TOO_LONG,
			     .phys = 0x4400000,
			     .size = 0x1000,
			     .end = {{.partition = "rt", .access = MEM_RW, .vector = 0x60},
				     {.partition = "lx2", .access = MEM_RW, .vector = 0x61}}},
			    {.name = "samples",
			     .phys = 0x4600000,
			     .size = SAMPLES_SIZE,
			     .end = {{.partition = "rt", .access = MEM_RW, .vector = 0x62},
				     {.partition = "linux", .access = MEM_R, .vector = 0x41}}},
			    {.name = LONG,
			     .phys = 0x4800000,
			     .size = LONG_SIZE,
			     .end = {{.partition = "linux", .access = MEM_RW, .vector = 0x42},
				     {.partition = "rt", .access = MEM_R, .vector = 0x63}}},
			    MANY(0), MANY(1), MANY(2), MANY(3), MANY(4)),
};

/* ---- what core/channels.c would answer ---------------------------------------------------- */

bool channel_find(const char *name, u32 index, u32 *channel, u32 *side)
{
	for (u32 c = 0, n = 0; c < partition_table.channels.count; c++)
		for (u32 s = 0; s < 2; s++)
			if (strcmp(partition_table.channels.c[c].end[s].partition, name) == 0 &&
			    n++ == index) {
				*channel = c;
				*side = s;
				return true;
			}
	return false;
}

const struct pt_region *channel_region(const struct partition_config *c, u32 channel)
{
	for (u32 r = 0; r < c->mem.count; r++)
		if (c->mem.r[r].kind == REGION_SHARED &&
		    c->mem.r[r].phys == partition_table.channels.c[channel].phys)
			return &c->mem.r[r];
	return NULL;
}

struct ring {
	u32 partition, index;
};

static struct ring rings[16];
static u32 nrings;

int channel_ring(u32 partition, u32 index)
{
	if (nrings < 16)
		rings[nrings] = (struct ring){partition, index};
	nrings++;
	return 0;
}

struct sent {
	u32 apic;
	u8 vector;
};

static struct sent sent[64];
static u32 nsent;

void arch_send_vector(u32 apic_id, u8 vector)
{
	if (nsent < 64)
		sent[nsent] = (struct sent){apic_id, vector};
	nsent++;
}

/* Exactly one vector sent since the last call, this one. */
static bool sent_once(u32 apic, u8 vector)
{
	bool ok = nsent == 1 && sent[0].apic == apic && sent[0].vector == vector;

	if (!ok)
		printf("  sent: %u, first 0x%02x to %u\n", nsent, nsent ? sent[0].vector : 0,
		       nsent ? sent[0].apic : 0);
	nsent = 0;
	return ok;
}

/* Every refusal, in order. */
static struct {
	u32 partition;
	u64 key;
	bool fault;
	char what[160];
} refusals[64];
static u32 nrefusals;

void partition_refused(u32 partition, u64 key, bool fault, const char *what, const char *outcome)
{
	(void)outcome;
	if (nrefusals < 64) {
		refusals[nrefusals].partition = partition;
		refusals[nrefusals].key = key;
		refusals[nrefusals].fault = fault;
		snprintf(refusals[nrefusals].what, sizeof(refusals[0].what), "%s", what);
	}
	nrefusals++;
}

/* Exactly one refusal since the last call, of the Linux partition, for this key, naming
 * `has`. */
static bool refused_once(u64 key, const char *has)
{
	bool ok = nrefusals == 1 && refusals[0].key == key && refusals[0].partition == LINUX &&
		  !refusals[0].fault && strstr(refusals[0].what, has);

	if (!ok)
		printf("  refusals: %u, first key 0x%llx \"%s\"\n", nrefusals,
		       nrefusals ? (unsigned long long)refusals[0].key : 0ull,
		       nrefusals ? refusals[0].what : "");
	nrefusals = 0;
	return ok;
}

/* ---- the fake machine: a host bridge, the NIC at 00:10.0, a 24-input I/O APIC ----------- */

static u8 nic[256], nic_wmask[256];
static u32 pci_writes_elsewhere; /* configuration writes to anything but the NIC */
static u32 mmio_calls;		 /* device memory: nothing here should reach any */

static u32 get(const u8 *b, u32 reg, u32 size)
{
	u32 v = 0;

	for (u32 i = 0; i < size; i++)
		v |= (u32)b[reg + i] << (8 * i);
	return v;
}

static void set(u8 *b, u8 *m, u32 reg, u32 size, u32 v, u32 wmask)
{
	for (u32 i = 0; i < size; i++) {
		b[reg + i] = (u8)(v >> (8 * i));
		m[reg + i] = (u8)(wmask >> (8 * i));
	}
}

u32 arch_pci_read(u32 bdf, u32 reg, u32 size)
{
	if (bdf == PT_BDF(0, 0, 0) && reg == R_VENDOR)
		return 0x29c08086u;
	if (bdf == PT_BDF(0, 0, 0) && reg == R_CLASS)
		return 0x06000002u;
	if (bdf == NIC_BDF)
		return get(nic, reg, size);
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

void arch_pci_write(u32 bdf, u32 reg, u32 size, u32 value)
{
	if (bdf != NIC_BDF) {
		pci_writes_elsewhere++;
		return;
	}
	for (u32 i = 0; i < size; i++)
		nic[reg + i] = (u8)((nic[reg + i] & ~nic_wmask[reg + i]) |
				    ((value >> (8 * i)) & nic_wmask[reg + i]));
}

u32 arch_mmio_read(u64 phys, u32 size)
{
	(void)phys, (void)size;
	mmio_calls++;
	return 0;
}

void arch_mmio_write(u64 phys, u32 size, u32 value)
{
	(void)phys, (void)size, (void)value;
	mmio_calls++;
}

static u64 ioapic[PT_MAX_GSI];
static u32 ioapic_bad;			/* an input the machine does not have */
static u32 machine_pins = MACHINE_PINS; /* a test may give the machine fewer or more */

u32 arch_ioapic_pins(void)
{
	return machine_pins;
}

u32 arch_ioapic_id(void)
{
	return 9;
}

u64 arch_ioapic_read(u32 pin)
{
	if (pin >= machine_pins) {
		ioapic_bad++;
		return MASKED;
	}
	return ioapic[pin];
}

void arch_ioapic_write(u32 pin, u64 rte)
{
	if (pin >= machine_pins) {
		ioapic_bad++;
		return;
	}
	ioapic[pin] = rte;
}

/* No IOMMU here: MSI of the NIC is not what this tests. */
bool iommu_remaps_interrupts(void)
{
	return false;
}

void iommu_msi(u32 partition, u32 slot, u32 bdf, u32 entry, u32 count, u32 addr_lo, u32 addr_hi,
	       u32 data, u32 *dev_lo, u32 *dev_hi, u32 *dev_data)
{
	(void)partition, (void)slot, (void)bdf, (void)entry, (void)count, (void)addr_lo;
	(void)addr_hi, (void)data;
	*dev_lo = *dev_hi = *dev_data = 0;
	CHECK(!"iommu_msi without remapping");
}

static void build_machine(void)
{
	memset(nic, 0, sizeof(nic));
	memset(nic_wmask, 0, sizeof(nic_wmask));
	set(nic, nic_wmask, R_VENDOR, 4, 0x100e8086u, 0);
	set(nic, nic_wmask, R_COMMAND, 2, CMD_MEM, 0x0407);
	set(nic, nic_wmask, R_CLASS, 4, 0x02000000u, 0);
	set(nic, nic_wmask, R_BAR(0), 4, 0xfeb00000u, 0xfffe0000u);
	set(nic, nic_wmask, R_LINE, 2, 0x0110, 0x00ff); /* INTA */
	for (u32 pin = 0; pin < MACHINE_PINS; pin++)
		ioapic[pin] = MASKED;
	pci_writes_elsewhere = mmio_calls = ioapic_bad = 0;
}

/* ---- the partition, as core/devices.c sets it up ----------------------------------------- */

static struct vpci V;
static struct vioapic IO;
static struct vchan C;

static const struct partition_config *row(const char *name)
{
	for (u32 i = 0; i < partition_table.parts.count; i++)
		if (strcmp(partition_table.parts.p[i].name, name) == 0)
			return &partition_table.parts.p[i];
	abort();
}

static const u32 fns_of[2] = {FN0, FN1};

/* devices_check() then devices_start(): the NIC probed, the channels after the machine's
 * inputs, every function as after reset. */
static void setup(void)
{
	const struct partition_config *c = row("linux");
	struct vpci_fn fn;
	char why[200] = "";

	build_machine();
	vpci_init(&V, LINUX, c);
	vioapic_init(&IO, LINUX, c);
	CHECK_EQ(vchan_init(&C, LINUX, c, &IO, why, sizeof(why)), 0);
	if (why[0])
		printf("  vchan_init: %s\n", why);
	V.chan = &C;
	CHECK_EQ(vpci_probe(&fn, &c->devices.d[0], why, sizeof(why)), 0);
	vpci_add(&V, &fn);
	vioapic_reset(&IO);
	vchan_reset(&C);
	vpci_start(&V);
	nsent = nrings = nrefusals = 0;
}

/* Both functions decoding memory, as pci_enable_device() leaves them. */
static void enable_both(void)
{
	for (u32 k = 0; k < 2; k++) {
		vpci_port_write(&V, CF8, 4, ADDR_EN | fns_of[k] << 8 | R_COMMAND);
		vpci_port_write(&V, CFC, 2, CMD_MEM);
	}
}

static void setup_enabled(void)
{
	setup();
	enable_both();
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

/* An access to its I/O APIC page, then vchan_update() (core/partition_requests.c). */
static void io_write(u32 offset, u32 value)
{
	vioapic_write(&IO, offset, 4, value);
	vchan_update(&C);
}

static void io_reg(u32 reg, u32 value)
{
	io_write(REGSEL, reg);
	io_write(WINDOW, value);
}

/* As Linux's ioapic_write_entry(): the high half first, then the low. */
static void entry(u32 pin, u64 rte)
{
	io_reg(REDTBL(pin) + 1, (u32)(rte >> 32));
	io_reg(REDTBL(pin), (u32)rte);
}

static u64 entry_read(u32 pin)
{
	u64 hi, lo;

	vioapic_write(&IO, REGSEL, 4, REDTBL(pin) + 1);
	hi = vioapic_read(&IO, WINDOW, 4);
	vioapic_write(&IO, REGSEL, 4, REDTBL(pin));
	lo = vioapic_read(&IO, WINDOW, 4);
	return hi << 32 | lo;
}

static u32 reg_rd(u32 k, u32 offset)
{
	return (u32)vchan_mmio_read(&C, REGS(k) + offset, 4);
}

static void reg_wr(u32 k, u32 offset, u32 value)
{
	vchan_mmio_write(&C, REGS(k) + offset, 4, value);
}

/* Channel k's INTA routed as a driver sets it up: memory decoding on (pci_enable_device),
 * the entry of its input to CPU `apic` with `vector` (edge, active high, fixed, physical),
 * IntrMask 1; Interrupt Disable is clear after reset. */
static void route(u32 k, u32 apic, u8 vector)
{
	wr(fns_of[k], R_COMMAND, 2, CMD_MEM);
	entry(PIN(k), DEST(apic) | vector);
	reg_wr(k, INTR_MASK, 1);
}

/* ---- configuration space ------------------------------------------------------------------ */

static const u32 fns[2] = {FN0, FN1};

/* What lspci and Linux's pci_setup_device() read, at every width. */
static void test_identity(void)
{
	setup();
	for (u32 k = 0; k < 2; k++) {
		u32 f = fns[k];

		CHECK_EQ(rd(f, R_VENDOR, 4), 0x11101af4u);
		CHECK_EQ(rd(f, R_VENDOR, 2), 0x1af4);
		CHECK_EQ(rd(f, R_DEVICE, 2), 0x1110);
		CHECK_EQ(rd(f, R_VENDOR + 1, 1), 0x1a);
		CHECK_EQ(rd(f, R_DEVICE + 1, 1), 0x11);
		CHECK_EQ(rd(f, R_SUBSYS, 4), 0x11001af4u);
		CHECK_EQ(rd(f, R_SUBSYS + 2, 2), 0x1100);
		/* class 05 (memory controller), subclass 00 (RAM), interface 00, revision 1 */
		CHECK_EQ(rd(f, R_CLASS, 4), 0x05000001u);
		CHECK_EQ(rd(f, R_REV, 1), 1);
		CHECK_EQ(rd(f, 0x0b, 1), 0x05);
		CHECK_EQ(rd(f, 0x0a, 2), 0x0500);
		CHECK_EQ(rd(f, 0x09, 1), 0);
		/* header type 0, single function; no BIST, cache line or latency */
		CHECK_EQ(rd(f, R_HEADER, 1), 0);
		CHECK_EQ(rd(f, 0x0c, 4), 0);
		/* status: a capability list, nothing pending; command 0 after reset */
		CHECK_EQ(rd(f, R_STATUS, 2), ST_CAPS);
		CHECK_EQ(rd(f, R_COMMAND, 4), (u32)ST_CAPS << 16);
		CHECK_EQ(rd(f, R_CAPS, 1), 0x40);
		CHECK_EQ(rd(f, R_CAPS, 4), 0x40);
		/* pin INTA; the line is its driver's scratch register */
		CHECK_EQ(rd(f, R_PIN, 1), 1);
		CHECK_EQ(rd(f, R_LINE, 1), 0);
		wr(f, R_LINE, 1, 0x0b + k);
		CHECK_EQ(rd(f, R_LINE, 1), 0x0b + k);
		CHECK_EQ(rd(f, R_LINE, 4), 0x0100u | (0x0b + k));
		wr(f, R_PIN, 1, 4); /* read-only */
		CHECK_EQ(rd(f, R_PIN, 1), 1);
		/* no ROM: sizing it reads 0 */
		wr(f, R_ROM, 4, 0xfffff800u);
		CHECK_EQ(rd(f, R_ROM, 4), 0);
		/* identity is read-only */
		wr(f, R_VENDOR, 4, 0);
		wr(f, R_CLASS, 4, 0);
		wr(f, R_SUBSYS, 4, 0);
		wr(f, R_CAPS, 1, 0x80);
		wr(f, R_STATUS, 2, 0xffff); /* write-one-to-clear: nothing to clear */
		CHECK_EQ(rd(f, R_VENDOR, 4), 0x11101af4u);
		CHECK_EQ(rd(f, R_CLASS, 4), 0x05000001u);
		CHECK_EQ(rd(f, R_SUBSYS, 4), 0x11001af4u);
		CHECK_EQ(rd(f, R_CAPS, 1), 0x40);
		CHECK_EQ(rd(f, R_STATUS, 2), ST_CAPS);
		/* device-specific space past the capability: 0 */
		for (u32 reg = 0x68; reg < 0x100; reg += 4)
			CHECK_EQ(rd(f, reg, 4), 0);
	}
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(pci_writes_elsewhere, 0);
}

/* The vendor-specific capability at 0x40, as Linux's pci_find_capability() finds it and a
 * program reads it through sysfs, byte by byte. */
static void test_capability(void)
{
	static const struct {
		u32 bdf;
		const char *name;
		u8 flags, position;
	} want[2] = {{FN0, "samples", 0, 1}, {FN1, LONG, 1, 0}};

	setup();
	for (u32 k = 0; k < 2; k++) {
		u32 f = want[k].bdf, at = rd(f, R_CAPS, 1) & 0xfc, n = 0;
		char name[33] = {0};

		/* the list: one capability, ID 0x09 */
		while (at && n++ < 48) {
			if (rd(f, at, 1) == 0x09)
				break;
			at = rd(f, at + 1, 1) & 0xfc;
		}
		CHECK_EQ(at, 0x40);
		CHECK_EQ(rd(f, 0x40, 1), 0x09);
		CHECK_EQ(rd(f, 0x41, 1), 0); /* the last */
		CHECK_EQ(rd(f, 0x42, 1), 40);
		CHECK_EQ(rd(f, 0x43, 1), 1);
		CHECK_EQ(rd(f, 0x44, 1), want[k].flags);
		CHECK_EQ(rd(f, 0x45, 1), want[k].position);
		CHECK_EQ(rd(f, 0x46, 2), 0);
		CHECK_EQ(rd(f, 0x40, 4), 0x01280009u);
		CHECK_EQ(rd(f, 0x44, 4), (u32)want[k].position << 8 | want[k].flags);
		for (u32 i = 0; i < 32; i++)
			name[i] = (char)rd(f, 0x48 + i, 1);
		CHECK(strcmp(name, want[k].name) == 0);
		/* NUL-terminated within its 32 bytes, and NUL to the end */
		for (u32 i = (u32)strlen(want[k].name); i < 32; i++)
			CHECK_EQ(rd(f, 0x48 + i, 1), 0);
		/* the same bytes read as words and dwords */
		for (u32 reg = 0x40; reg < 0x68; reg += 4) {
			u32 d = rd(f, reg, 4);

			CHECK_EQ(rd(f, reg, 2), d & 0xffff);
			CHECK_EQ(rd(f, reg + 2, 2), d >> 16);
			for (u32 b = 0; b < 4; b++)
				CHECK_EQ(rd(f, reg + b, 1), (d >> (8 * b)) & 0xff);
		}
		CHECK_EQ(rd(f, 0x68, 4), 0);
		/* read-only */
		for (u32 reg = 0x40; reg < 0x68; reg += 4)
			wr(f, reg, 4, 0xa5a5a5a5u);
		CHECK_EQ(rd(f, 0x40, 4), 0x01280009u);
		CHECK_EQ(rd(f, 0x48, 1), (u8)want[k].name[0]);
	}
	CHECK(strlen(LONG) == 31);
	CHECK_EQ(rd(FN1, 0x48 + 30, 1), '!');
	CHECK_EQ(rd(FN1, 0x48 + 31, 1), 0);
	CHECK_EQ(rd(FN1, 0x64, 4), (u32)'!' << 16 | (u32)'p' << 8 | 'o'); /* and its NUL */
	CHECK_EQ(nrefusals, 0);
}

/* PCI_BASE_ADDRESS_MEM_MASK and Linux's pci_size() (drivers/pci/probe.c). */
#define MEM_MASK (~0x0full)

static u64 pci_size(u64 base, u64 maxbase, u64 mask)
{
	u64 size = mask & maxbase;

	if (!size)
		return 0;
	size = size & ~(size - 1);
	if (base == maxbase && ((base | (size - 1)) & mask) != mask)
		return 0;
	return size;
}

struct bar {
	u32 lo, hi;	/* as read */
	u32 sz, sz_hi;	/* as read after all-ones */
	u64 base, size; /* as Linux makes of them */
};

/* Linux's __pci_read_base() for the BAR at `pos`: read, all-ones, read, put back (and the
 * upper half the same for a 64-bit memory BAR), with decoding off around it as
 * pci_read_bases() does. */
static struct bar linux_bar(u32 bdf, u32 pos)
{
	struct bar b = {0};
	u16 cmd = (u16)rd(bdf, R_COMMAND, 2);
	u64 mask = 0xfffffff0u;

	if (cmd & 3)
		wr(bdf, R_COMMAND, 2, cmd & ~3u);
	b.lo = rd(bdf, pos, 4);
	wr(bdf, pos, 4, 0xffffffffu);
	b.sz = rd(bdf, pos, 4);
	wr(bdf, pos, 4, b.lo);
	if (!(b.lo & 1) && (b.lo & 6) == 4) {
		b.hi = rd(bdf, pos + 4, 4);
		wr(bdf, pos + 4, 4, 0xffffffffu);
		b.sz_hi = rd(bdf, pos + 4, 4);
		wr(bdf, pos + 4, 4, b.hi);
		mask |= 0xffffffffull << 32;
	}
	b.base = ((u64)b.hi << 32 | b.lo) & MEM_MASK;
	b.size = pci_size((u64)b.hi << 32 | b.lo, (u64)b.sz_hi << 32 | b.sz, mask);
	if (cmd & 3)
		wr(bdf, R_COMMAND, 2, cmd);
	return b;
}

static void test_bars_sized_as_linux(void)
{
	static const struct {
		u32 bdf;
		u64 regs, mem, size;
	} want[2] = {{FN0, REGS(0), SAMPLES_GPA, SAMPLES_SIZE},
		     {FN1, REGS(1), LONG_GPA, LONG_SIZE}};

	setup();
	for (u32 k = 0; k < 2; k++) {
		u32 f = want[k].bdf;
		struct bar b;

		wr(f, R_COMMAND, 2, CMD_MEM); /* firmware turned decoding on */
		/* BAR0: 32-bit memory, not prefetchable, 256 bytes of registers */
		b = linux_bar(f, R_BAR(0));
		CHECK_EQ(b.lo, want[k].regs);
		CHECK_EQ(b.sz, 0xffffff00u);
		CHECK_EQ(b.size, 0x100);
		CHECK_EQ(b.base, want[k].regs);
		/* BAR2/3: 64-bit prefetchable memory, the channel's, at its guest address */
		b = linux_bar(f, R_BAR(2));
		CHECK_EQ(b.lo & 0xf, 0xc);
		CHECK_EQ(b.lo, (u32)want[k].mem | 0xc);
		CHECK_EQ(b.hi, (u32)(want[k].mem >> 32));
		CHECK_EQ(b.sz, (u32) ~(want[k].size - 1) | 0xc);
		CHECK_EQ(b.sz_hi, 0xffffffffu);
		CHECK_EQ(b.base, want[k].mem);
		CHECK_EQ(b.size, want[k].size);
		/* BAR1, 4, 5: none (sizing reads 0) */
		for (u32 i = 1; i < 6; i += (i == 1 ? 3 : 1)) {
			b = linux_bar(f, R_BAR(i));
			CHECK_EQ(b.lo, 0);
			CHECK_EQ(b.sz, 0);
			CHECK_EQ(b.size, 0);
		}
		/* everything back as it was: the values, decoding on */
		CHECK_EQ(rd(f, R_BAR(0), 4), want[k].regs);
		CHECK_EQ(rd(f, R_BAR(2), 4), (u32)want[k].mem | 0xc);
		CHECK_EQ(rd(f, R_BAR(3), 4), (u32)(want[k].mem >> 32));
		CHECK_EQ(rd(f, R_COMMAND, 2), CMD_MEM);
		/* both halves sized at once (all-ones into each, then read, then restore) */
		wr(f, R_BAR(2), 4, 0xffffffffu);
		wr(f, R_BAR(3), 4, 0xffffffffu);
		CHECK_EQ(rd(f, R_BAR(2), 4), (u32) ~(want[k].size - 1) | 0xc);
		CHECK_EQ(rd(f, R_BAR(3), 4), 0xffffffffu);
		CHECK_EQ(rd(f, R_BAR(0), 4), want[k].regs); /* not being sized */
		CHECK_EQ(rd(f, R_BAR(2) + 2, 2), (u32) ~(want[k].size - 1) >> 16);
		wr(f, R_BAR(2), 4, (u32)want[k].mem | 0xc);
		CHECK_EQ(rd(f, R_BAR(3), 4), 0xffffffffu);
		wr(f, R_BAR(3), 4, (u32)(want[k].mem >> 32));
		CHECK_EQ(rd(f, R_BAR(2), 4), (u32)want[k].mem | 0xc);
		CHECK_EQ(rd(f, R_BAR(3), 4), (u32)(want[k].mem >> 32));
		/* the value written back without its read-only type bits: taken too */
		wr(f, R_BAR(0), 4, 0xffffffffu);
		wr(f, R_BAR(0), 4, (u32)want[k].regs | 0xf);
		CHECK_EQ(rd(f, R_BAR(0), 4), want[k].regs);
		wr(f, R_BAR(2), 4, 0xffffffffu);
		wr(f, R_BAR(2), 4, (u32)want[k].mem);
		CHECK_EQ(rd(f, R_BAR(2), 4), (u32)want[k].mem | 0xc);
	}
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(pci_writes_elsewhere, 0);
}

/* Any other value written to BAR0, 2 or 3 is refused, named once, and the BAR stays. */
static void test_bar_move_refused(void)
{
	static const struct {
		u32 reg, size, value;
		const char *said;
	} bad[] = {
	    {R_BAR(0), 4, 0xfe000000u, "bar0 write 0xfe000000"},
	    {R_BAR(0), 4, 0, "bar0 write 0x0"},
	    {R_BAR(0), 4, 0xfffffff0u, "bar0 write 0xfffffff0"},
	    {R_BAR(0) + 2, 2, 0xfe00, "bar0 write 0xfe00"},
	    {R_BAR(0) + 3, 1, 0x80, "bar0 write 0x80"},
	    {R_BAR(0), 2, 0xffff, "bar0 write 0xffff"},
	    {R_BAR(2), 4, 0x8000000cu, "bar2 write 0x8000000c"},
	    {R_BAR(2) + 2, 2, 0xffff, "bar2 write 0xffff"},
	    {R_BAR(3), 4, 0x10, "bar3 write 0x10"},
	    {R_BAR(3), 4, 0xfffffffeu, "bar3 write 0xfffffffe"},
	    {R_BAR(3) + 3, 1, 0xff, "bar3 write 0xff"},
	};

	for (u32 k = 0; k < 2; k++) {
		u32 f = fns[k];
		u32 bar0 = (u32)REGS(k), bar2 = (u32)(k ? LONG_GPA : SAMPLES_GPA) | 0xc,
		    bar3 = (u32)((k ? LONG_GPA : SAMPLES_GPA) >> 32);

		for (u32 i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			setup();
			wr(f, bad[i].reg, bad[i].size, bad[i].value);
			if (!refused_once(KEY_PCI(f, bad[i].reg & ~3u), bad[i].said)) {
				printf("  case %u of function %u\n", i, k);
				check_failed_in_test = 1;
			}
			CHECK_EQ(rd(f, R_BAR(0), 4), bar0);
			CHECK_EQ(rd(f, R_BAR(2), 4), bar2);
			CHECK_EQ(rd(f, R_BAR(3), 4), bar3);
			/* while it is being sized: refused, still sizing */
			wr(f, bad[i].reg & ~3u, 4, 0xffffffffu);
			CHECK_EQ(nrefusals, 0);
			wr(f, bad[i].reg, bad[i].size, bad[i].value);
			CHECK(refused_once(KEY_PCI(f, bad[i].reg & ~3u), bad[i].said));
			CHECK(rd(f, bad[i].reg & ~3u, 4) != (bad[i].reg < R_BAR(2)   ? bar0
							     : bad[i].reg < R_BAR(3) ? bar2
										     : bar3));
			CHECK_EQ(rd(f, R_BAR(0), 4), bad[i].reg < R_BAR(2) ? 0xffffff00u : bar0);
		}
		/* the refusal names the function and the value ("pci 00:11.0: bar0 ...") */
		setup();
		wr(f, R_BAR(0), 4, 0x12345678u);
		CHECK(refused_once(KEY_PCI(f, R_BAR(0)), k ? "pci 00:12.0: bar0 write 0x12345678"
							   : "pci 00:11.0: bar0 write 0x12345678"));
		/* BAR1, 4 and 5 are not there: sizing and 0 are taken and read 0; anything else
		 * is refused, named, and reads 0 too */
		for (u32 i = 1; i < 6; i += (i == 1 ? 3 : 1)) {
			wr(f, R_BAR(i), 4, 0xffffffffu);
			CHECK_EQ(rd(f, R_BAR(i), 4), 0);
			wr(f, R_BAR(i), 4, 0);
			CHECK_EQ(nrefusals, 0);
			wr(f, R_BAR(i), 4, 0xfe000000u);
			CHECK_EQ(rd(f, R_BAR(i), 4), 0);
			CHECK(refused_once(KEY_PCI(f, R_BAR(i)), "write 0xfe000000"));
			nrefusals = 0;
		}
	}
	CHECK_EQ(pci_writes_elsewhere, 0);
}

/* Memory decoding is writable, Interrupt Disable too (Linux's pci_intx_mask_supported()
 * toggles it and reads it back); bus mastering stays 0 (no DMA), and nothing else is. */
static void test_command(void)
{
	setup();
	for (u32 k = 0; k < 2; k++) {
		u32 f = fns[k];
		u16 orig, now;

		wr(f, R_COMMAND, 2, CMD_MEM | CMD_BM);
		orig = (u16)rd(f, R_COMMAND, 2);
		CHECK_EQ(orig, CMD_MEM);
		wr(f, R_COMMAND, 2, orig ^ CMD_INTX);
		now = (u16)rd(f, R_COMMAND, 2);
		CHECK_EQ(now ^ orig, CMD_INTX);
		wr(f, R_COMMAND, 2, orig);
		CHECK_EQ(rd(f, R_COMMAND, 2), orig);
		/* byte writes, as uio_pci_generic's users write offset 5 */
		wr(f, R_COMMAND + 1, 1, CMD_INTX >> 8);
		CHECK_EQ(rd(f, R_COMMAND, 2), CMD_MEM | CMD_INTX);
		CHECK_EQ(rd(f, R_COMMAND + 1, 1), CMD_INTX >> 8);
		wr(f, R_COMMAND, 1, 0);
		CHECK_EQ(rd(f, R_COMMAND, 2), CMD_INTX);
		wr(f, R_COMMAND + 1, 1, 0);
		CHECK_EQ(rd(f, R_COMMAND, 2), 0);
		/* I/O decoding (no I/O BAR), MWI, parity, SERR, reserved bits: dropped */
		wr(f, R_COMMAND, 2, 0xffff);
		CHECK_EQ(rd(f, R_COMMAND, 2), CMD_MEM | CMD_INTX);
		/* a dword write: the command word; status is read-only */
		wr(f, R_COMMAND, 4, 0xffff0000u | CMD_MEM);
		CHECK_EQ(rd(f, R_COMMAND, 4), (u32)ST_CAPS << 16 | CMD_MEM);
	}
	/* each function its own */
	wr(FN0, R_COMMAND, 2, CMD_INTX);
	wr(FN1, R_COMMAND, 2, CMD_BM);
	CHECK_EQ(rd(FN0, R_COMMAND, 2), CMD_INTX);
	CHECK_EQ(rd(FN1, R_COMMAND, 2), 0);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(pci_writes_elsewhere, 0);
}

/* Bus 0 as Linux scans it: the host bridge, its NIC at 00:10.0, the channels at 00:11.0 and
 * 00:12.0 (0x10 skipped), nothing else; no function of a channel's device but 0. */
static void test_bus_scan(void)
{
	setup();
	CHECK_EQ(C.count, 2);
	for (u32 dev = 0; dev < 32; dev++)
		for (u32 fn = 0; fn < 8; fn++) {
			u32 bdf = PT_BDF(0, dev, fn), want;

			want = bdf == PT_BDF(0, 0, 0)	  ? 0x29c08086u
			       : bdf == NIC_BDF		  ? 0x100e8086u
			       : bdf == FN0 || bdf == FN1 ? 0x11101af4u
							  : 0xffffffffu;
			CHECK_EQ(rd(bdf, R_VENDOR, 4), want);
			if (want == 0xffffffffu) {
				CHECK_EQ(rd(bdf, R_VENDOR, 2), 0xffff);
				CHECK_EQ(rd(bdf, R_HEADER, 1), 0xff);
				CHECK_EQ(rd(bdf, R_BAR(0), 4), 0xffffffffu);
				CHECK_EQ(rd(bdf, 0x40, 4), 0xffffffffu);
			}
		}
	/* the same device numbers on bus 1: nothing */
	CHECK_EQ(rd(PT_BDF(1, 0x11, 0), R_VENDOR, 4), 0xffffffffu);
	CHECK_EQ(rd(PT_BDF(1, 0x10, 0), R_VENDOR, 4), 0xffffffffu);
	/* writes to a function of a channel's device but 0: not its device */
	wr(PT_BDF(0, 0x11, 1), R_COMMAND, 2, CMD_MEM);
	CHECK(refused_once(KEY_PCI(PT_BDF(0, 0x11, 1), 0), "not its device"));
	CHECK_EQ(rd(FN0, R_COMMAND, 2), 0);
	CHECK_EQ(pci_writes_elsewhere, 0);
}

static u64 mrd(u64 gpa, u32 size)
{
	CHECK(vpci_mmio_claims(&V, gpa));
	return vpci_mmio_read(&V, gpa, size);
}

static void mwr(u64 gpa, u32 size, u64 value)
{
	CHECK(vpci_mmio_claims(&V, gpa));
	vpci_mmio_write(&V, gpa, size, value);
}

/* Through the MMCONFIG window, the same bytes as through the ports; writes do the same. */
static void test_mmcfg(void)
{
	static const u32 bdfs[] = {FN0, FN1, PT_BDF(0, 0x11, 1), PT_BDF(0, 0x13, 0), NIC_BDF};
	static const u32 sizes[] = {1, 2, 4};
	u32 mismatches = 0;

	setup();
	vpci_set_mmcfg(&V, MMCFG, 0, 0xff);
	wr(FN0, R_LINE, 1, 0x0b);
	wr(FN1, R_COMMAND, 2, CMD_MEM | CMD_INTX);
	wr(FN1, R_BAR(2), 4, 0xffffffffu); /* being sized */
	for (u32 f = 0; f < sizeof(bdfs) / sizeof(bdfs[0]); f++)
		for (u32 reg = 0; reg < 256; reg++)
			for (u32 s = 0; s < 3; s++) {
				u64 m;
				u32 p;

				if (reg % sizes[s])
					continue;
				m = mrd(MMCFG_AT(bdfs[f], reg), sizes[s]);
				p = rd(bdfs[f], reg, sizes[s]);
				if (m != p && !mismatches++)
					printf("  %04x reg 0x%x size %u: mmconfig 0x%llx, ports "
					       "0x%x\n",
					       bdfs[f], reg, sizes[s], (unsigned long long)m, p);
			}
	CHECK_EQ(mismatches, 0);
	CHECK_EQ(mrd(MMCFG_AT(FN0, R_VENDOR), 4), 0x11101af4u);
	CHECK_EQ(mrd(MMCFG_AT(FN1, R_BAR(2)), 4), (u32) ~(LONG_SIZE - 1) | 0xc);
	/* the extended space of a channel's function: 0; of nobody's: all-ones */
	for (u32 reg = 0x100; reg < 0x1000; reg += 4)
		CHECK_EQ(mrd(MMCFG_AT(FN0, reg), 4), 0);
	CHECK_EQ(mrd(MMCFG_AT(PT_BDF(0, 0x13, 0), 0x100), 4), 0xffffffffu);
	/* writes: sizing, a move refused, the command word, the line */
	mwr(MMCFG_AT(FN0, R_BAR(0)), 4, 0xffffffffu);
	CHECK_EQ(rd(FN0, R_BAR(0), 4), 0xffffff00u);
	mwr(MMCFG_AT(FN0, R_BAR(0)), 4, (u32)REGS(0));
	CHECK_EQ(rd(FN0, R_BAR(0), 4), (u32)REGS(0));
	mwr(MMCFG_AT(FN0, R_BAR(0)), 4, 0xfe000000u);
	CHECK(refused_once(KEY_PCI(FN0, R_BAR(0)), "bar0 write 0xfe000000"));
	CHECK_EQ(rd(FN0, R_BAR(0), 4), (u32)REGS(0));
	mwr(MMCFG_AT(FN0, R_COMMAND + 1), 1, CMD_INTX >> 8);
	CHECK_EQ(rd(FN0, R_COMMAND, 2), CMD_INTX);
	mwr(MMCFG_AT(FN0, R_LINE), 1, 0x0c);
	CHECK_EQ(rd(FN0, R_LINE, 1), 0x0c);
	/* the extended space takes nothing */
	mwr(MMCFG_AT(FN0, 0x104), 4, 0xffffffffu);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(pci_writes_elsewhere, 0);
}

/* ---- INTA ----------------------------------------------------------------------------------- */

/* Its I/O APIC shows the machine's 24 inputs; its two channels' are the highest two its
 * devices do not use, emulated: never written to the machine's I/O APIC, whose entries for
 * those inputs may be another partition's. An edge entry is kept; a level one is refused (the
 * input is edge) and the input stays masked. */
static void test_ioapic_inputs(void)
{
	setup();
	CHECK_EQ(C.fn[0].pin, 23);
	CHECK_EQ(C.fn[1].pin, 22);
	ioapic[23] = ioapic[22] = 0x1234; /* a neighbour's entries on the machine */
	io_reg(0x01, 0);
	CHECK_EQ(vioapic_read(&IO, WINDOW, 4), 0x00170011u); /* 24 entries */
	CHECK_EQ(entry_read(PIN(0)), MASKED);
	CHECK_EQ(entry_read(PIN(1)), MASKED);
	entry(PIN(1), DEST(2) | 0x42);
	CHECK_EQ(entry_read(PIN(1)), DEST(2) | 0x42);
	CHECK_EQ(nrefusals, 0);
	entry(PIN(0), DEST(2) | LEVEL | 0x43);
	CHECK_EQ(entry_read(PIN(0)) & MASKED, MASKED);
	CHECK(refused_once(KEY_PIN(PIN(0)), "level-triggered"));
	CHECK_EQ(ioapic[23], 0x1234);
	CHECK_EQ(ioapic[22], 0x1234);
	CHECK_EQ(ioapic_bad, 0);
}

/* A doorbell sends the entry's vector to the entry's CPU once; while the status is pending,
 * more doorbells send nothing; reading IntrStatus returns 1 then 0 and re-arms. */
static void test_inta_delivered_once(void)
{
	setup_enabled();
	route(0, 3, 0x41);
	CHECK_EQ(nsent, 0);
	CHECK_EQ(rd(FN0, R_STATUS, 2) & ST_INTR, 0);
	vchan_ring(&C, SAMPLES);
	CHECK(sent_once(3, 0x41));
	CHECK_EQ(rd(FN0, R_STATUS, 2), ST_CAPS | ST_INTR);
	CHECK_EQ(rd(FN0, R_COMMAND, 4) >> 16, ST_CAPS | ST_INTR);
	for (u32 i = 0; i < 100; i++)
		vchan_ring(&C, SAMPLES);
	CHECK_EQ(nsent, 0);
	CHECK_EQ(reg_rd(0, INTR_STATUS), 1);
	CHECK_EQ(rd(FN0, R_STATUS, 2), ST_CAPS);
	CHECK_EQ(reg_rd(0, INTR_STATUS), 0);
	vchan_ring(&C, SAMPLES);
	CHECK(sent_once(3, 0x41));
	/* the other channels: not this function's */
	CHECK_EQ(reg_rd(0, INTR_STATUS), 1);
	vchan_ring(&C, 0);
	vchan_ring(&C, COMMANDS);
	vchan_ring(&C, 3);
	vchan_ring(&C, 7);
	CHECK_EQ(nsent, 0);
	CHECK_EQ(reg_rd(0, INTR_STATUS), 0);
	CHECK_EQ(reg_rd(1, INTR_STATUS), 1); /* its channel rang it, not routed */
	/* function 1 routed elsewhere: its own vector and CPU */
	vchan_ring(&C, COMMANDS);
	route(1, 2, 0x42);
	CHECK(sent_once(2, 0x42)); /* it was pending */
	vchan_ring(&C, COMMANDS);
	CHECK_EQ(nsent, 0);
	CHECK_EQ(reg_rd(1, INTR_STATUS), 1);
	vchan_ring(&C, COMMANDS);
	vchan_ring(&C, SAMPLES);
	CHECK_EQ(nsent, 2);
	CHECK_EQ(sent[0].apic, 2);
	CHECK_EQ(sent[0].vector, 0x42);
	CHECK_EQ(sent[1].apic, 3);
	CHECK_EQ(sent[1].vector, 0x41);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(nrings, 0);
	CHECK_EQ(ioapic_bad, 0);
}

/* Interrupt Disable held, a doorbell is pending but INTA is not asserted; clearing it (a
 * byte write at offset 5, as uio_pci_generic's users do) sends it. */
static void test_inta_interrupt_disable(void)
{
	setup_enabled();
	route(0, 3, 0x41);
	wr(FN0, R_COMMAND, 2, CMD_MEM | CMD_INTX);
	vchan_ring(&C, SAMPLES);
	CHECK_EQ(nsent, 0);
	/* Interrupt Status is INTA's state before Interrupt Disable applies */
	CHECK_EQ(rd(FN0, R_STATUS, 2), ST_CAPS | ST_INTR);
	wr(FN0, R_COMMAND + 1, 1, 0);
	CHECK(sent_once(3, 0x41));
	CHECK_EQ(rd(FN0, R_COMMAND, 2), CMD_MEM);
	/* uio_pci_generic's round: its handler sets Interrupt Disable, the program reads
	 * IntrStatus and clears Interrupt Disable: nothing more is sent */
	wr(FN0, R_COMMAND, 2, CMD_MEM | CMD_INTX);
	CHECK_EQ(reg_rd(0, INTR_STATUS), 1);
	wr(FN0, R_COMMAND + 1, 1, 0);
	CHECK_EQ(nsent, 0);
	/* a doorbell between the handler and the program's re-enable: sent at the re-enable */
	wr(FN0, R_COMMAND, 2, CMD_MEM | CMD_INTX);
	vchan_ring(&C, SAMPLES);
	CHECK_EQ(nsent, 0);
	wr(FN0, R_COMMAND + 1, 1, 0);
	CHECK(sent_once(3, 0x41));
	/* a command write that leaves Interrupt Disable clear sends nothing again */
	wr(FN0, R_COMMAND, 2, CMD_MEM | CMD_BM);
	wr(FN0, R_COMMAND, 1, CMD_MEM);
	CHECK_EQ(nsent, 0);
	CHECK_EQ(nrefusals, 0);
}

/* A masked entry: pending, not sent; unmasking it sends. */
static void test_inta_entry_masked(void)
{
	setup_enabled();
	entry(PIN(0), DEST(2) | MASKED | 0x51);
	reg_wr(0, INTR_MASK, 1);
	vchan_ring(&C, SAMPLES);
	CHECK_EQ(nsent, 0);
	CHECK_EQ(rd(FN0, R_STATUS, 2), ST_CAPS | ST_INTR);
	io_reg(REDTBL(PIN(0)), 0x51); /* the low half, unmasked, as Linux's unmask does */
	CHECK(sent_once(2, 0x51));
	/* masked again while pending, and unmasked: INTA still asserted, sent again */
	io_reg(REDTBL(PIN(0)), (u32)MASKED | 0x51);
	vchan_ring(&C, SAMPLES);
	CHECK_EQ(nsent, 0);
	io_reg(REDTBL(PIN(0)), 0x51);
	CHECK(sent_once(2, 0x51));
	/* moved to the other CPU while masked: it goes there */
	CHECK_EQ(reg_rd(0, INTR_STATUS), 1);
	io_reg(REDTBL(PIN(0)), (u32)MASKED | 0x52);
	io_reg(REDTBL(PIN(0)) + 1, 3u << 24);
	vchan_ring(&C, SAMPLES);
	CHECK_EQ(nsent, 0);
	io_reg(REDTBL(PIN(0)), 0x52);
	CHECK(sent_once(3, 0x52));
	/* the entry rewritten unmasked, to the other CPU, while INTA is still asserted: sent
	 * there too (as a level line would be seen anew), not left to the old one */
	CHECK_EQ(rd(FN0, R_STATUS, 2), ST_CAPS | ST_INTR);
	io_reg(REDTBL(PIN(0)) + 1, 2u << 24);
	CHECK(sent_once(2, 0x52));
	io_reg(REDTBL(PIN(0)), 0x53);
	CHECK(sent_once(2, 0x53));
	io_reg(REDTBL(PIN(0)), 0x53); /* the same entry again: nothing new */
	CHECK_EQ(nsent, 0);
	/* an I/O APIC write elsewhere changes nothing */
	io_reg(REDTBL(PIN(1)), (u32)MASKED | 0x60);
	io_write(REGSEL, 0x01);
	CHECK_EQ(nsent, 0);
	CHECK_EQ(nrefusals, 0);
}

/* IntrMask 0: pending, not asserted (Interrupt Status clear), not sent; IntrMask 1 sends. */
static void test_inta_intr_mask(void)
{
	setup_enabled();
	entry(PIN(1), DEST(3) | 0x61);
	vchan_ring(&C, COMMANDS);
	CHECK_EQ(nsent, 0);
	CHECK_EQ(rd(FN1, R_STATUS, 2), ST_CAPS);
	reg_wr(1, INTR_MASK, 1);
	CHECK(sent_once(3, 0x61));
	CHECK_EQ(rd(FN1, R_STATUS, 2), ST_CAPS | ST_INTR);
	CHECK_EQ(reg_rd(1, INTR_MASK), 1);
	/* the same value again: not a new assertion */
	reg_wr(1, INTR_MASK, 1);
	CHECK_EQ(nsent, 0);
	reg_wr(1, INTR_MASK, 0);
	CHECK_EQ(rd(FN1, R_STATUS, 2), ST_CAPS);
	vchan_ring(&C, COMMANDS);
	CHECK_EQ(nsent, 0);
	reg_wr(1, INTR_MASK, 0xfffffffeu); /* bit 0 is what counts */
	CHECK_EQ(nsent, 0);
	CHECK_EQ(reg_rd(1, INTR_MASK), 0xfffffffeu);
	reg_wr(1, INTR_MASK, 0xffffffffu);
	CHECK(sent_once(3, 0x61));
	CHECK_EQ(nrefusals, 0);
}

/* Interrupt Status (status bit 3) is set exactly while IntrStatus and IntrMask bit 0 are,
 * whatever the entry and Interrupt Disable say. */
static void test_inta_status_bit(void)
{
	for (u32 i = 0; i < 32; i++) {
		bool pending = i & 1, mask = i & 2, disable = i & 4, masked = i & 8, other = i & 16;

		setup_enabled();
		entry(PIN(0), DEST(2) | (masked ? MASKED : 0) | 0x41);
		wr(FN0, R_COMMAND, 2, CMD_MEM | (disable ? CMD_INTX : 0));
		reg_wr(0, INTR_MASK, mask);
		if (pending)
			vchan_ring(&C, SAMPLES);
		if (other)
			vchan_ring(&C, COMMANDS);
		CHECK_EQ(rd(FN0, R_STATUS, 2), ST_CAPS | (pending && mask ? ST_INTR : 0));
		CHECK_EQ(rd(FN1, R_STATUS, 2), ST_CAPS);
		CHECK_EQ(nsent, pending && mask && !disable && !masked);
		CHECK_EQ(reg_rd(0, INTR_STATUS), pending);
		CHECK_EQ(rd(FN0, R_STATUS, 2), ST_CAPS);
	}
}

/* An entry the partition may not have is refused, named, and its input stays masked: a
 * doorbell sends nothing. */
static void test_inta_entry_refused(void)
{
	static const struct {
		u64 rte;
		const char *why;
	} bad[] = {
	    {DEST(1) | 0x41, "not one of its CPUs"}, /* rt's */
	    {DEST(4) | 0x41, "not one of its CPUs"},
	    {DEST(0) | 0x41, "not one of its CPUs"},
	    {DEST(0xff) | 0x41, "not one of its CPUs"}, /* broadcast */
	    {DEST(2) | LOGICAL | 0x41, "logical"},
	    {DEST(3) | LOGICAL | 0x41, "logical"},
	    {DEST(2) | (2ull << 8) | 0x41, "delivery mode"}, /* SMI */
	    {DEST(2) | (4ull << 8) | 0x02, "delivery mode"}, /* NMI */
	    {DEST(2) | (5ull << 8), "delivery mode"},	     /* INIT */
	    {DEST(2) | (7ull << 8) | 0x41, "delivery mode"}, /* ExtINT */
	    {DEST(2) | 0x1f, "vector below 0x20"},
	    {DEST(2) | 0x02, "vector below 0x20"},
	    {DEST(2) | 0x00, "vector below 0x20"},
	};

	for (u32 k = 0; k < 2; k++)
		for (u32 i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			setup_enabled();
			reg_wr(k, INTR_MASK, 1);
			entry(PIN(k), bad[i].rte);
			if (!refused_once(KEY_PIN(PIN(k)), bad[i].why)) {
				printf("  case %u of function %u\n", i, k);
				check_failed_in_test = 1;
			}
			CHECK_EQ(entry_read(PIN(k)) & MASKED, MASKED);
			vchan_ring(&C, k ? COMMANDS : SAMPLES);
			CHECK_EQ(nsent, 0);
			/* a valid entry first, then the bad one over it as Linux changes an
			 * entry (masked first): masked, silent */
			setup();
			route(k, 2, 0x41);
			vchan_ring(&C, k ? COMMANDS : SAMPLES);
			CHECK(sent_once(2, 0x41));
			CHECK_EQ(reg_rd(k, INTR_STATUS), 1);
			io_reg(REDTBL(PIN(k)), (u32)MASKED | 0x41);
			entry(PIN(k), bad[i].rte);
			CHECK(refused_once(KEY_PIN(PIN(k)), "ioapic pin"));
			CHECK_EQ(entry_read(PIN(k)) & MASKED, MASKED);
			vchan_ring(&C, k ? COMMANDS : SAMPLES);
			wr(fns[k], R_COMMAND + 1, 1, 0);
			reg_wr(k, INTR_MASK, 1);
			CHECK_EQ(nsent, 0);
			/* the low half alone, the bad high half kept: still refused */
			io_reg(REDTBL(PIN(k)), (u32)bad[i].rte);
			CHECK_EQ(nrefusals, 1);
			nrefusals = 0;
			CHECK_EQ(nsent, 0);
		}
	/* the high half alone to a foreign CPU under an unmasked entry */
	setup();
	route(0, 3, 0x41);
	io_reg(REDTBL(PIN(0)) + 1, 1u << 24);
	CHECK(refused_once(KEY_PIN(PIN(0)), "not one of its CPUs"));
	vchan_ring(&C, SAMPLES);
	CHECK_EQ(nsent, 0);
	CHECK_EQ(ioapic_bad, 0);
}

/* Doorbell rings the other side of that function's channel, by the partition's own number,
 * whatever is written; IVPosition reads its end. */
static void test_doorbell_and_position(void)
{
	static const u32 values[] = {0, 1, 0xffff, 0xffffffffu};

	setup_enabled();
	for (u32 k = 0; k < 2; k++)
		for (u32 i = 0; i < 4; i++) {
			reg_wr(k, DOORBELL, values[i]);
			CHECK_EQ(nrings, 1);
			CHECK_EQ(rings[0].partition, LINUX);
			CHECK_EQ(rings[0].index, k);
			nrings = 0;
		}
	/* not a 4-byte write: nothing */
	vchan_mmio_write(&C, REGS(0) + DOORBELL, 1, 1);
	vchan_mmio_write(&C, REGS(0) + DOORBELL, 2, 1);
	vchan_mmio_write(&C, REGS(1) + DOORBELL, 8, 1);
	CHECK_EQ(nrings, 0);
	CHECK_EQ(reg_rd(0, DOORBELL), 0);
	/* ringing sends nothing to itself */
	route(0, 2, 0x41);
	route(1, 2, 0x42);
	reg_wr(0, DOORBELL, 1);
	reg_wr(1, DOORBELL, 1);
	CHECK_EQ(nsent, 0);
	CHECK_EQ(reg_rd(0, INTR_STATUS), 0);
	CHECK_EQ(reg_rd(1, INTR_STATUS), 0);
	nrings = 0;
	/* IVPosition: "samples" has it as end 1, LONG as end 0; read-only */
	CHECK_EQ(reg_rd(0, IV_POSITION), 1);
	CHECK_EQ(reg_rd(1, IV_POSITION), 0);
	reg_wr(0, IV_POSITION, 0);
	reg_wr(1, IV_POSITION, 5);
	CHECK_EQ(reg_rd(0, IV_POSITION), 1);
	CHECK_EQ(reg_rd(1, IV_POSITION), 0);
	CHECK_EQ(nrings, 0);
	CHECK_EQ(nrefusals, 0);
}

/* IntrStatus written: 1 is a status (as QEMU's), 0 clears it. */
static void test_intr_status_written(void)
{
	setup_enabled();
	route(0, 3, 0x41);
	reg_wr(0, INTR_STATUS, 1);
	CHECK(sent_once(3, 0x41));
	reg_wr(0, INTR_STATUS, 0);
	CHECK_EQ(rd(FN0, R_STATUS, 2), ST_CAPS);
	CHECK_EQ(reg_rd(0, INTR_STATUS), 0);
	vchan_ring(&C, SAMPLES);
	CHECK(sent_once(3, 0x41));
	reg_wr(0, INTR_STATUS, 0);
	vchan_ring(&C, SAMPLES);
	CHECK(sent_once(3, 0x41));
}

/* Its registers are 4-byte: anything else reads 0 and writes nothing. Only its two pages
 * are its registers. */
static void test_register_widths(void)
{
	static const u32 sizes[] = {1, 2, 8};

	setup_enabled();
	route(0, 3, 0x41);
	vchan_ring(&C, SAMPLES);
	CHECK(sent_once(3, 0x41));
	for (u32 s = 0; s < 3; s++) {
		for (u32 off = 0; off < 0x10; off += sizes[s] < 4 ? sizes[s] : 8)
			CHECK_EQ(vchan_mmio_read(&C, REGS(0) + off, sizes[s]), 0);
		vchan_mmio_write(&C, REGS(0) + INTR_MASK, sizes[s], 0);
		vchan_mmio_write(&C, REGS(0) + INTR_STATUS, sizes[s], 0);
		vchan_mmio_write(&C, REGS(0) + DOORBELL, sizes[s], 1);
	}
	CHECK_EQ(reg_rd(0, INTR_MASK), 1);
	CHECK_EQ(rd(FN0, R_STATUS, 2), ST_CAPS | ST_INTR); /* still pending: not read */
	/* misaligned and past the registers: 0, and writes there do nothing */
	CHECK_EQ(vchan_mmio_read(&C, REGS(0) + 1, 4), 0);
	CHECK_EQ(vchan_mmio_read(&C, REGS(0) + 6, 4), 0);
	for (u32 off = 0x10; off < 0x1000; off += 4) {
		CHECK_EQ(vchan_mmio_read(&C, REGS(0) + off, 4), 0);
		vchan_mmio_write(&C, REGS(0) + off, 4, 0xffffffffu);
	}
	vchan_mmio_write(&C, REGS(0) + 1, 4, 0);
	vchan_mmio_write(&C, REGS(0) + 5, 4, 0);
	vchan_mmio_write(&C, REGS(0) + 0xd, 4, 0);
	CHECK_EQ(reg_rd(0, INTR_MASK), 1);
	CHECK_EQ(reg_rd(0, INTR_STATUS), 1);
	CHECK_EQ(nrings, 0);
	CHECK_EQ(nsent, 0);
	/* which pages */
	CHECK(vchan_mmio_claims(&C, REGS(0)));
	CHECK(vchan_mmio_claims(&C, REGS(0) + 0xfff));
	CHECK(vchan_mmio_claims(&C, REGS(1)));
	CHECK(vchan_mmio_claims(&C, REGS(1) + 0xfff));
	CHECK(!vchan_mmio_claims(&C, REGS(0) - 1));
	CHECK(!vchan_mmio_claims(&C, REGS(2)));
	CHECK(!vchan_mmio_claims(&C, REGS(3)));
	CHECK(!vchan_mmio_claims(&C, 0xfec00000ull));
	CHECK(!vchan_mmio_claims(&C, SAMPLES_GPA));
	CHECK(!vpci_mmio_claims(&V, REGS(0)));
	CHECK_EQ(vchan_mmio_read(&C, REGS(2), 4), 0);
	vchan_mmio_write(&C, REGS(2) + DOORBELL, 4, 1);
	CHECK_EQ(nrings, 0);
	CHECK_EQ(mmio_calls, 0);
}

/* vchan_reset (a stop, a start) clears everything: nothing sent until it is set up again. */
static void test_reset(void)
{
	setup_enabled();
	route(0, 3, 0x41);
	route(1, 2, 0x42);
	wr(FN0, R_COMMAND, 2, CMD_MEM | CMD_BM);
	wr(FN0, R_LINE, 1, 0x0b);
	wr(FN1, R_BAR(2), 4, 0xffffffffu);
	vchan_ring(&C, SAMPLES);
	CHECK(sent_once(3, 0x41));
	vchan_reset(&C);
	CHECK_EQ(rd(FN0, R_COMMAND, 4), (u32)ST_CAPS << 16);
	CHECK_EQ(reg_rd(0, INTR_MASK), 0xffffffffu); /* not decoding after a reset */
	enable_both();
	CHECK_EQ(reg_rd(0, INTR_STATUS), 0);
	CHECK_EQ(reg_rd(0, INTR_MASK), 0);
	CHECK_EQ(reg_rd(1, INTR_MASK), 0);
	CHECK_EQ(rd(FN0, R_LINE, 1), 0);
	CHECK_EQ(rd(FN1, R_BAR(2), 4), (u32)LONG_GPA | 0xc);
	/* its entries are still unmasked (vchan_reset alone): IntrMask 0 holds */
	vchan_ring(&C, SAMPLES);
	vchan_ring(&C, COMMANDS);
	CHECK_EQ(nsent, 0);
	/* pending from before a reset: gone */
	vchan_reset(&C);
	enable_both();
	reg_wr(0, INTR_MASK, 1);
	reg_wr(1, INTR_MASK, 1);
	CHECK_EQ(nsent, 0);
	vchan_ring(&C, COMMANDS);
	CHECK(sent_once(2, 0x42));
	/* devices_start()'s order: the I/O APIC reset first, then the functions */
	vchan_ring(&C, SAMPLES);
	CHECK(sent_once(3, 0x41));
	vioapic_reset(&IO);
	vchan_reset(&C);
	enable_both();
	reg_wr(0, INTR_MASK, 1);
	reg_wr(1, INTR_MASK, 1);
	vchan_ring(&C, SAMPLES);
	vchan_ring(&C, COMMANDS);
	CHECK_EQ(nsent, 0);
	CHECK_EQ(entry_read(PIN(0)), MASKED);
	/* set up again: delivered again */
	CHECK_EQ(reg_rd(0, INTR_STATUS), 1);
	CHECK_EQ(reg_rd(1, INTR_STATUS), 1);
	route(0, 2, 0x43);
	CHECK_EQ(nsent, 0);
	vchan_ring(&C, SAMPLES);
	CHECK(sent_once(2, 0x43));
	CHECK_EQ(nrefusals, 0);
}

/* ---- vchan_init --------------------------------------------------------------------------- */

static struct partition_config scratch;

/* vchan_init on a machine whose I/O APIC has `pins` inputs. */
static int init(const struct partition_config *c, u32 pins, char *why, size_t size)
{
	static struct vioapic io;
	int rc;

	memset(why, 0, size);
	machine_pins = pins;
	vioapic_init(&io, LINUX, c);
	rc = vchan_init(&C, LINUX, c, &io, why, size);
	machine_pins = MACHINE_PINS;
	return rc;
}

static void test_init(void)
{
	char why[200];

	build_machine();
	/* a payload partition on channels: none of this */
	CHECK_EQ(init(row("rt"), 24, why, sizeof(why)), 0);
	CHECK_EQ(C.count, 0);
	/* Linux: its channels in table order, after its inputs */
	CHECK_EQ(init(row("linux"), 24, why, sizeof(why)), 0);
	CHECK_EQ(C.count, 2);
	CHECK_EQ(C.partition, LINUX);
	CHECK_EQ(C.fn[0].channel, SAMPLES);
	CHECK_EQ(C.fn[0].side, 1);
	CHECK_EQ(C.fn[0].bdf, FN0);
	CHECK_EQ(C.fn[0].regs, REGS(0));
	CHECK_EQ(C.fn[0].mem, SAMPLES_GPA);
	CHECK_EQ(C.fn[0].mem_size, SAMPLES_SIZE);
	CHECK(!C.fn[0].writable);
	CHECK_EQ(C.fn[1].channel, COMMANDS);
	CHECK_EQ(C.fn[1].side, 0);
	CHECK_EQ(C.fn[1].bdf, FN1);
	CHECK(C.fn[1].writable);
	CHECK_EQ(C.fn[0].pin, 23);
	CHECK_EQ(C.fn[1].pin, 22);
	/* inputs 16-17 of an 18-input I/O APIC: 16 is its NIC's, so one channel gets 17 and the
	 * other none; never an ISA input (0-15) */
	CHECK_EQ(init(row("linux"), 18, why, sizeof(why)), E_RANGE);
	CHECK(strstr(why, "channel " LONG ": no I/O APIC input left for its interrupt (one from 16 "
			  "to 119 that none of its devices uses)") != NULL);
	CHECK_EQ(init(row("linux"), 16, why, sizeof(why)), E_RANGE);
	CHECK(strstr(why, "channel samples: no I/O APIC input left") != NULL);
	CHECK_EQ(init(row("linux"), 0, why, sizeof(why)), E_RANGE); /* no I/O APIC at all */
	CHECK_EQ(init(row("linux"), 19, why, sizeof(why)), 0);
	CHECK_EQ(C.fn[0].pin, 18);
	CHECK_EQ(C.fn[1].pin, 17);
	/* 240 inputs: only 0-119 can be reached through IOREGSEL's 8 bits */
	CHECK_EQ(init(row("linux"), PT_MAX_GSI, why, sizeof(why)), 0);
	CHECK_EQ(C.fn[0].pin, 119);
	CHECK_EQ(C.fn[1].pin, 118);
	/* more channels than a function each */
	CHECK_EQ(init(row("many"), 24, why, sizeof(why)), E_RANGE);
	CHECK(strstr(why, "channel many4: more channels than a partition may be on") != NULL);
	/* eight functions of its own on bus 0 from 0x10: the channels after them; a function
	 * of bus 1, or a legacy device, takes no device number */
	scratch = *row("linux");
	for (u32 i = 0; i < PT_MAX_DEVICES; i++)
		scratch.devices.d[i] =
		    (struct pt_device){.kind = DEV_PCI, .bdf = PT_BDF(0, 0x10 + i, 0)};
	scratch.devices.count = PT_MAX_DEVICES;
	CHECK_EQ(init(&scratch, 24, why, sizeof(why)), 0);
	CHECK_EQ(C.fn[0].bdf, PT_BDF(0, 0x18, 0));
	CHECK_EQ(C.fn[1].bdf, PT_BDF(0, 0x19, 0));
	scratch.devices.d[0] = (struct pt_device){.kind = DEV_PCI, .bdf = PT_BDF(1, 0x10, 0)};
	scratch.devices.d[1] = (struct pt_device){.kind = DEV_PCI, .bdf = PT_BDF(0, 0x11, 3)};
	scratch.devices.d[2] = (struct pt_device){.kind = DEV_LEGACY, .irq = 0x12};
	scratch.devices.count = 3;
	CHECK_EQ(init(&scratch, 24, why, sizeof(why)), 0);
	CHECK_EQ(C.fn[0].bdf, PT_BDF(0, 0x10, 0));
	CHECK_EQ(C.fn[1].bdf, PT_BDF(0, 0x12, 0));
	/* a name longer than 31 characters (which ptcheck refuses): cut to 31 and a NUL */
	CHECK_EQ(init(row("lx2"), 24, why, sizeof(why)), 0);
	CHECK_EQ(C.count, 1);
	CHECK_EQ(C.fn[0].bdf, PT_BDF(0, 0x10, 0));
	CHECK_EQ(vchan_config_read(&C, PT_BDF(0, 0x10, 0), 0x48), 0x33323130u);
	CHECK_EQ(vchan_config_read(&C, PT_BDF(0, 0x10, 0), 0x64), 0x00757473u); /* "stu" */
	CHECK_EQ(vchan_config_read(&C, PT_BDF(0, 0x10, 0), 0x68), 0);
	/* a channel without its region: refused */
	scratch = *row("linux");
	scratch.mem.count = 2; /* RAM and "samples" */
	CHECK_EQ(init(&scratch, 24, why, sizeof(why)), E_RANGE);
	CHECK(strstr(why, "channel " LONG ": no region of the partition over its memory") != NULL);
}

/* Memory decoding off (the command register): its registers answer nothing, as a function's
 * BAR does not decode: reads all-ones, writes (a doorbell too) do nothing. */
static void test_registers_need_decoding(void)
{
	setup();
	CHECK_EQ(reg_rd(0, IV_POSITION), 0xffffffffu);
	CHECK_EQ(reg_rd(1, INTR_MASK), 0xffffffffu);
	reg_wr(1, DOORBELL, 1);
	CHECK_EQ(nrings, 0);
	reg_wr(0, INTR_MASK, 1);
	wr(FN0, R_COMMAND, 2, CMD_MEM);
	CHECK_EQ(reg_rd(0, INTR_MASK), 0); /* the write above never happened */
	CHECK_EQ(reg_rd(0, IV_POSITION), 1);
	reg_wr(1, DOORBELL, 1); /* function 1 still off */
	CHECK_EQ(nrings, 0);
	wr(FN1, R_COMMAND, 2, CMD_MEM);
	reg_wr(1, DOORBELL, 1);
	CHECK_EQ(nrings, 1);
}

int main(void)
{
	RUN(test_identity);
	RUN(test_capability);
	RUN(test_bars_sized_as_linux);
	RUN(test_bar_move_refused);
	RUN(test_command);
	RUN(test_bus_scan);
	RUN(test_mmcfg);
	RUN(test_ioapic_inputs);
	RUN(test_inta_delivered_once);
	RUN(test_inta_interrupt_disable);
	RUN(test_inta_entry_masked);
	RUN(test_inta_intr_mask);
	RUN(test_inta_status_bit);
	RUN(test_inta_entry_refused);
	RUN(test_doorbell_and_position);
	RUN(test_intr_status_written);
	RUN(test_register_widths);
	RUN(test_reset);
	RUN(test_registers_need_decoding);
	RUN(test_init);
	CHECK_MAIN_END();
}
