/*
 * Unit tests for arch/x86/vtd.c, the VT-d driver, over fake remapping units defined here. A
 * unit's register page is host memory below 4 GiB (MAP_32BIT), named by the DRHD of a DMAR
 * table built here; the driver's tables come from a fake pmem_alloc() in the same low memory,
 * so the driver's physical addresses are host pointers and the fake reads them as hardware
 * would. The units' "hardware" runs each time the driver reads the TSC (every wait does): a
 * GCMD write is taken (GCMD is left holding a value the driver never writes, so each write is
 * seen once) and reflected in GSTS, and the invalidation queue is processed from IQH to IQT,
 * a wait descriptor writing its status. Register offsets and bits are spelled out here from
 * the VT-d specification (rev. 4, §9 and §10.4), not taken from arch/x86/vtd_regs.h.
 * arch/x86/vtd.c keeps its state in statics set once at boot: each test runs in a child
 * process of its own.
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS, MAP_32BIT, REG_RIP */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "arch/x86/arch.h"
#include "arch/x86/smp.h"
#include "arch/x86/vtd.h"
#include "bulkhead/ptable.h"
#include "core/error.h"
#include "core/pmem.h"
#include "tests/unit/check.h"

/* Registers (§10.4). */
#define CAP    0x08
#define ECAP   0x10
#define GCMD   0x18
#define GSTS   0x1c
#define RTADDR 0x20
#define FSTS   0x34
#define FECTL  0x38
#define FEDATA 0x3c
#define FEADDR 0x40
#define FEUADR 0x44
#define IQH    0x80
#define IQT    0x88
#define IQA    0x90
#define IRTA   0xb8
#define FRO    0x200 /* fault recording registers, as CAP says */

/* GCMD / GSTS bits (§10.4.4-5). */
#define TE    (1u << 31)
#define SRTP  (1u << 30) /* GSTS: RTPS */
#define QIE   (1u << 26)
#define IRE   (1u << 25)
#define WBF   (1u << 27) /* write buffer flush (GSTS: WBFS, clear here at once) */
#define SIRTP (1u << 24) /* GSTS: IRTPS */
#define CFI   (1u << 23)
/* Never written by software (reserved bit 0): GCMD holds it when no write is pending. */
#define NO_WRITE 0x1u

/* Capabilities: SAGAW bits 12:8 (bit 1 3-level, bit 2 4-level), FRO bits 33:24 (x16),
 * SLLPS bits 37:34 (bit 0: 2 MiB), NFR bits 47:40 (+1). ECAP: C 0, QI 1, IR 3, EIM 4. */
#define CAP_3LEVEL  (0x2ull << 8)
#define CAP_4LEVEL  (0x4ull << 8)
#define CAP_FRO	    ((u64)(FRO / 16) << 24)
#define CAP_2M	    (1ull << 34)
#define CAP_NFR4    (3ull << 40)
#define CAP_DEFAULT (CAP_4LEVEL | CAP_3LEVEL | CAP_FRO | CAP_2M | CAP_NFR4 | 2)
#define ECAP_C	    0x1ull
#define ECAP_QI	    0x2ull
#define ECAP_IR	    0x8ull
#define ECAP_EIM    0x10ull
#define ECAP_ALL    (ECAP_C | ECAP_QI | ECAP_IR | ECAP_EIM)
#define CAP_RWBF    (1ull << 4) /* write buffers must be flushed */

#define IOAPIC_ID  2
#define IOAPIC_SID 0xf0f8u /* f0:1f.0 */
#define HPET_SID   0x00fdu /* 00:1f.5, listed when `hpet_scope` */

/* ---- low memory: register pages and the driver's tables ---------------------------------- */

static u8 *low;	     /* 8 MiB below 2 GiB */
static u64 low_used; /* bytes handed out from low + 64 KiB (the first 64 KiB: registers) */
#define LOW_SIZE  (8 * MiB)
#define UNIT_PAGE 0x1000 /* unit u's registers at low + u * UNIT_PAGE */

static void low_init(void)
{
	void *p = mmap(NULL, LOW_SIZE + 64 * 1024, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);

	if (p == MAP_FAILED) {
		printf("  mmap MAP_32BIT failed\n");
		exit(2);
	}
	/* 64 KiB aligned, so the remapping table (64 KiB, aligned to its size) fits */
	low = (u8 *)(((uintptr_t)p + 0xffff) & ~(uintptr_t)0xffff);
}

/* Pages handed out by owner; allocations of another use than PMEM_IOMMU. */
static u64 owner_pages[PMEM_OWNERS], not_iommu;

u64 pmem_alloc_aligned(u64 pages, u64 align, u64 below, struct pmem_tag tag)
{
	u64 at = (low_used + 64 * 1024 + align - 1) & ~(align - 1);
	u64 phys = (u64)(uintptr_t)low + at;

	if (at + pages * PAGE_SIZE > LOW_SIZE || phys + pages * PAGE_SIZE > below)
		return 0;
	low_used = at + pages * PAGE_SIZE - 64 * 1024;
	if (tag.owner < PMEM_OWNERS)
		owner_pages[tag.owner] += pages;
	not_iommu += tag.use != PMEM_IOMMU;
	memset(low + at, 0xa5, pages * PAGE_SIZE); /* as the allocator leaves it: not zeroed */
	return phys;
}

u64 pmem_alloc(u64 pages, struct pmem_tag tag)
{
	return pmem_alloc_aligned(pages, PAGE_SIZE, 4 * GiB, tag);
}

/* ---- the fake units ----------------------------------------------------------------------- */

#define UNITS 2
static u32 nunits = 1;
static u32 stuck[UNITS];    /* GSTS bits this unit never sets */
static bool stalled[UNITS]; /* its queue is not processed */
static bool one_descriptor; /* each step processes at most one descriptor */

static volatile u32 *reg32(u32 u, u32 off)
{
	return (volatile u32 *)(low + u * UNIT_PAGE + off);
}

static u64 reg64(u32 u, u32 off)
{
	return *reg32(u, off) | (u64)*reg32(u, off + 4) << 32;
}

static void set64(u32 u, u32 off, u64 v)
{
	*reg32(u, off) = (u32)v;
	*reg32(u, off + 4) = (u32)(v >> 32);
}

/* Every GCMD write the units took, with the status it found. */
struct command {
	u32 unit, cmd, before;
};
static struct command cmds[64];
static u32 ncmds;

/* Every descriptor the queues processed. */
struct descriptor {
	u32 unit;
	u64 lo, hi;
};
static struct descriptor descs[256];
static u32 ndescs;

/* The fault status as the unit has it: FSTS is write-one-to-clear. A value the driver wrote
 * shows as FSTS differing from this; it clears the bits it has set. */
static u32 fsts_hw[UNITS];

static void set_fsts(u32 u, u32 v)
{
	fsts_hw[u] = v;
	*reg32(u, FSTS) = v;
}

static void unit_reset(u32 u, u64 cap, u64 ecap)
{
	memset((void *)(low + u * UNIT_PAGE), 0, UNIT_PAGE);
	fsts_hw[u] = 0;
	set64(u, CAP, cap);
	set64(u, ECAP, ecap);
	*reg32(u, GCMD) = NO_WRITE;
}

static void hw_step(u32 u)
{
	u32 cmd = *reg32(u, GCMD), before = *reg32(u, GSTS);

	if (*reg32(u, FSTS) != fsts_hw[u])
		fsts_hw[u] &= ~*reg32(u, FSTS);
	*reg32(u, FSTS) = fsts_hw[u];
	if (cmd != NO_WRITE) {
		u32 sts = (cmd & (TE | QIE | IRE | CFI)) | (before & (SRTP | SIRTP));

		if (cmd & SRTP)
			sts |= SRTP;
		if (cmd & SIRTP)
			sts |= SIRTP;
		if ((sts & QIE) && !(before & QIE))
			set64(u, IQH, 0);
		sts = (sts & ~stuck[u]) | (before & stuck[u]);
		*reg32(u, GSTS) = sts;
		if (ncmds < 64)
			cmds[ncmds] = (struct command){u, cmd, before};
		ncmds++;
		*reg32(u, GCMD) = NO_WRITE;
	}
	if (!(*reg32(u, GSTS) & QIE) || stalled[u])
		return;
	for (u64 h = reg64(u, IQH), t = reg64(u, IQT); h != t; h = (h + 16) % 4096) {
		u64 *d = (u64 *)(uintptr_t)((reg64(u, IQA) & ~0xfffull) + h);

		if (ndescs < 256)
			descs[ndescs] = (struct descriptor){u, d[0], d[1]};
		ndescs++;
		if ((d[0] & 0xf) == 5 && (d[0] & (1u << 5)))
			*(volatile u32 *)(uintptr_t)d[1] = (u32)(d[0] >> 32);
		set64(u, IQH, (h + 16) % 4096);
		if (one_descriptor)
			break;
	}
}

static u64 tsc;
static u32 uncached_calls;

u64 arch_tsc(void)
{
	for (u32 u = 0; u < nunits; u++)
		hw_step(u);
	return tsc += 1000;
}

u64 arch_tsc_khz(void)
{
	return 1000; /* 100 ms: 100 reads */
}

void arch_mmio_uncached(u64 base, u64 size)
{
	(void)base;
	(void)size;
	uncached_calls++;
}

u32 platform_ioapic_acpi_id(void)
{
	return IOAPIC_ID;
}

u32 arch_ioapic_id(void)
{
	return IOAPIC_ID;
}

u32 arch_ioapic_pins(void)
{
	return 24;
}

static u32 boot_apic_id; /* the boot CPU's (index 0); the others' are their index */

u32 arch_cpu_apic_id(u32 index)
{
	return index ? index : boot_apic_id;
}

u32 arch_pci_read(u32 bdf, u32 reg, u32 size)
{
	(void)bdf;
	(void)reg;
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/* ---- a DMAR table -------------------------------------------------------------------------- */

static u8 table[512];
static u32 table_len;

static void put(const void *p, u32 n)
{
	memcpy(table + table_len, p, n);
	table_len += n;
}

static void put8(u8 v)
{
	put(&v, 1);
}

static void put16(u16 v)
{
	put8((u8)v);
	put8((u8)(v >> 8));
}

static void put32(u32 v)
{
	put16((u16)v);
	put16((u16)(v >> 16));
}

static void put64(u64 v)
{
	put32((u32)v);
	put32((u32)(v >> 32));
}

/* A DRHD's register base other than unit u's page (0: that page). */
static u64 drhd_base[16];
static bool hpet_scope; /* unit 0 lists an HPET (00:1f.5) too */

/* The header (48 bytes: flags bit 0 = interrupt remapping), then one DRHD per unit with
 * INCLUDE_PCI_ALL on the last; unit 0 lists the I/O APIC (f0:1f.0) when `ioapic`, and the
 * HPET when `hpet_scope`. */
static void build_dmar(u32 units, u8 flags, bool ioapic)
{
	table_len = 0;
	put("DMAR", 4);
	put32(0);
	put8(1);
	put8(0);
	put("BOCHS BXPC    ", 14);
	put32(1);
	put32(1);
	put32(1);
	put8(38); /* 39 bits */
	put8(flags);
	for (int i = 0; i < 10; i++)
		put8(0);
	for (u32 u = 0; u < units; u++) {
		bool scope = u == 0 && ioapic, hpet = u == 0 && hpet_scope;

		put16(0);
		put16((u16)(16 + (scope ? 8 : 0) + (hpet ? 8 : 0)));
		put8(u == units - 1 ? 1 : 0);
		put8(0);
		put16(0);
		put64(drhd_base[u] ? drhd_base[u] : (u64)(uintptr_t)(low + u * UNIT_PAGE));
		if (hpet) {
			put8(4); /* HPET */
			put8(8);
			put16(0);
			put8(0);
			put8(0);
			put8(0x1f);
			put8(5);
		}
		if (scope) {
			put8(3); /* I/O APIC */
			put8(8);
			put16(0);
			put8(IOAPIC_ID);
			put8(0xf0);
			put8(0x1f);
			put8(0);
		}
	}
	memcpy(table + 4, &table_len, 4);
}

/* ---- helpers ------------------------------------------------------------------------------- */

static void in_child(void (*body)(void))
{
	pid_t pid;
	int status = 0;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		body();
		fflush(stdout);
		_exit(check_failed_in_test ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		check_failed_in_test = 1;
}

#define FRESH_TEST(name)                                                                           \
	static void name##_body(void);                                                             \
	static void name(void)                                                                     \
	{                                                                                          \
		in_child(name##_body);                                                             \
	}                                                                                          \
	static void name##_body(void)

/* Units reset with these capabilities, a table for them, probed; 0 or the error. */
static int probe(u64 cap, u64 ecap, u8 flags)
{
	char why[128] = "";
	int rc;

	for (u32 u = 0; u < nunits; u++)
		unit_reset(u, cap, ecap);
	build_dmar(nunits, flags, true);
	rc = vtd_probe(table, table_len, why, sizeof(why));
	if (rc)
		printf("  vtd_probe: %s\n", why);
	return rc;
}

static u64 *mem64(u64 phys)
{
	return (u64 *)(uintptr_t)phys;
}

/* The context entry the units see for `bdf` (through RTADDR), or NULL. */
static u64 *context(u32 u, u32 bdf)
{
	u64 *root = mem64(reg64(u, RTADDR) & ~0xfffull) + 2 * (bdf >> 8);

	if (!reg64(u, RTADDR) || !(root[0] & 1))
		return NULL;
	return mem64(root[0] & 0x000ffffffffff000ull) + 2 * (bdf & 0xff);
}

/* A second-level walk of `levels` levels from `top`: the leaf mapping `iova`, its page size
 * in *page; 0 if none. */
static u64 sl_walk(u64 top, u32 levels, u64 iova, u64 *page)
{
	u64 t = top;

	for (u32 l = levels; l > 0; l--) {
		u32 shift = 12 + 9 * (l - 1);
		u64 e = mem64(t)[(iova >> shift) & 511];

		if (!(e & 3))
			return 0;
		if (l == 1 || ((l == 2 || l == 3) && (e & (1ull << 7)))) {
			*page = 1ull << shift;
			return e;
		}
		t = e & 0x000ffffffffff000ull;
	}
	return 0;
}

/* Which bit a command changed against the status it found (the persistent bits written as
 * GSTS shows them), and whether it turned it on; 0 if it changed none or several. */
static u32 changed(const struct command *c, bool *on)
{
	u32 keep = c->before & (TE | QIE | IRE | CFI | 0x7fffffu);
	u32 diff = c->cmd ^ keep;

	*on = (c->cmd & diff) != 0;
	return diff && !(diff & (diff - 1)) ? diff : 0;
}

struct step {
	u32 bit;
	bool on;
};

static bool commands_are(u32 unit, const struct step *want, u32 n)
{
	u32 k = 0;
	bool ok = true;

	for (u32 i = 0; i < ncmds && i < 64; i++) {
		bool on;
		u32 bit;

		if (cmds[i].unit != unit)
			continue;
		bit = changed(&cmds[i], &on);
		if (k >= n || bit != want[k].bit || on != want[k].on) {
			printf("  unit %u command %u: 0x%08x on status 0x%08x\n", unit, k,
			       cmds[i].cmd, cmds[i].before);
			ok = false;
		}
		k++;
	}
	if (k != n) {
		printf("  unit %u: %u commands, not %u\n", unit, k, n);
		ok = false;
	}
	return ok;
}

/* ---- probe --------------------------------------------------------------------------------- */

/* A unit the driver cannot drive is refused with the reason; so is a table without units, and
 * one that wants interrupt remapping but does not list the I/O APIC. */
FRESH_TEST(test_probe_refusals)
{
	char why[128];

	unit_reset(0, CAP_DEFAULT, ECAP_ALL & ~ECAP_QI);
	build_dmar(1, 1, true);
	CHECK_EQ(vtd_probe(table, table_len, why, sizeof(why)), E_NOTSUP);
	CHECK(strstr(why, "no queued invalidation") != NULL);
	CHECK(strstr(why, "unit at 0x") != NULL);
	CHECK_EQ(arch_iommu_units(), 0);

	unit_reset(0, (CAP_DEFAULT & ~(0x1full << 8)) | (0x8ull << 8), ECAP_ALL); /* 5-level */
	CHECK_EQ(vtd_probe(table, table_len, why, sizeof(why)), E_NOTSUP);
	CHECK(strstr(why, "neither a 3- nor a 4-level walk") != NULL);
	CHECK_EQ(arch_iommu_units(), 0);

	unit_reset(0, CAP_DEFAULT, ECAP_ALL);
	build_dmar(0, 1, false);
	CHECK(vtd_probe(table, table_len, why, sizeof(why)) < 0);
	CHECK(strstr(why, "no remapping unit") != NULL);

	build_dmar(1, 1, false);
	CHECK_EQ(vtd_probe(table, table_len, why, sizeof(why)), E_NOTFOUND);
	CHECK(strstr(why, "I/O APIC") != NULL);
}

/* A usable unit: taken, its registers uncached. */
FRESH_TEST(test_probe_ok)
{
	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL, 1), 0);
	CHECK_EQ(arch_iommu_units(), 1);
	CHECK_EQ(uncached_calls, 1);
	CHECK(arch_iommu_overlaps((u64)(uintptr_t)low + 0x800, 4));
	CHECK(!arch_iommu_overlaps((u64)(uintptr_t)low + UNIT_PAGE, 4));
	CHECK_EQ(ncmds, 0); /* nothing turned on by a probe */
}

/* ---- enable -------------------------------------------------------------------------------- */

/* Root table, queue, remapping table, translation, remapping: in that order, each command
 * with the bits already on; CFI never set. */
FRESH_TEST(test_enable_sequence)
{
	static const struct step want[] = {
	    {SRTP, true}, {QIE, true}, {SIRTP, true}, {TE, true}, {IRE, true}};

	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL, 1), 0);
	CHECK(!arch_iommu_remaps_interrupts());
	CHECK_EQ(arch_iommu_enable(), 0);
	CHECK(commands_are(0, want, 5));
	for (u32 i = 0; i < ncmds; i++)
		CHECK_EQ(cmds[i].cmd & CFI, 0);
	CHECK_EQ(*reg32(0, GSTS) & (TE | QIE | IRE | CFI), TE | QIE | IRE);
	CHECK(arch_iommu_remaps_interrupts());
	CHECK(vtd_ioapic_remapped());
	/* the root table was set before its command; the remapping table: 4096 entries
	 * (S = 11), 32-bit destinations */
	CHECK(reg64(0, RTADDR) != 0);
	CHECK_EQ(reg64(0, RTADDR) & 0xfff, 0);
	CHECK_EQ(reg64(0, IRTA) & 0xf, 11);
	CHECK(reg64(0, IRTA) & (1u << 11));
	/* everything invalidated before translation went on, through a wait that completed */
	CHECK(ndescs >= 3);
	CHECK_EQ(descs[0].lo & 0xf, 1); /* context cache */
	CHECK_EQ(descs[1].lo & 0xf, 2); /* IOTLB */
	CHECK_EQ(descs[2].lo & 0xf, 4); /* interrupt entry cache */
	CHECK_EQ(descs[ndescs - 1].lo & 0xf, 5);
	/* every fault record cleared (F written) */
	for (u32 i = 0; i < 4; i++)
		CHECK_EQ(*reg32(0, FRO + 16 * i + 12), 0x80000000u);
}

/* Firmware left CFI on and its queue running (idle): the queue goes off first, CFI is
 * cleared, and no command turns it on. */
FRESH_TEST(test_enable_after_firmware)
{
	static const struct step want[] = {{QIE, false}, {SRTP, true}, {QIE, true}, {SIRTP, true},
					   {TE, true},	 {CFI, false}, {IRE, true}};

	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL, 1), 0);
	*reg32(0, GSTS) = CFI | QIE | SRTP;
	set64(0, IQH, 0x40);
	set64(0, IQT, 0x40);
	CHECK_EQ(arch_iommu_enable(), 0);
	CHECK(commands_are(0, want, 7));
	CHECK_EQ(*reg32(0, GSTS) & (TE | QIE | IRE | CFI), TE | QIE | IRE);
	for (u32 i = 0; i < ncmds; i++)
		CHECK(!(cmds[i].cmd & CFI) || (cmds[i].before & CFI));
}

/* Without interrupt remapping in the table's flags: no remapping table, IRE never on. */
FRESH_TEST(test_enable_without_remapping)
{
	static const struct step want[] = {{SRTP, true}, {QIE, true}, {TE, true}};

	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL, 0), 0);
	CHECK_EQ(arch_iommu_enable(), 0);
	CHECK(commands_are(0, want, 3));
	CHECK(!arch_iommu_remaps_interrupts());
	CHECK(!vtd_ioapic_remapped());
	CHECK_EQ(arch_iommu_irte(0, NULL), E_RANGE);
}

/* A second unit that never turns translation on: the first goes back off (remapping,
 * translation, queue), the call fails, and interrupts are not remapped. */
FRESH_TEST(test_enable_rollback)
{
	nunits = 2;
	stuck[1] = TE;
	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL, 1), 0);
	CHECK_EQ(arch_iommu_units(), 2);
	CHECK_EQ(arch_iommu_enable(), E_TIMEOUT);
	CHECK_EQ(*reg32(0, GSTS) & (TE | QIE | IRE), 0);
	CHECK(!arch_iommu_remaps_interrupts());
	CHECK_LOG("command 0x80000000 did not complete");
}

/* ---- DMA remapping ------------------------------------------------------------------------- */

/* A function attached to a domain: its context entry present, translation type 0, the
 * address width of the walk, the domain's ID; its pages R/W as the access says. */
static void check_domains(u64 cap, u32 levels, u64 aw)
{
	u64 page = 0, *ctx, leaf, hv_pages, owned;

	CHECK_EQ(probe(cap, ECAP_ALL, 1), 0);
	hv_pages = owner_pages[PMEM_OWNER_HV];
	owned = owner_pages[2];
	CHECK(hv_pages > 0); /* the root table, queues, remapping table: Bulkhead's */
	CHECK_EQ(arch_iommu_map(3, 2, 0, 0x40000000, 4 * MiB, MEM_RW), 0);
	CHECK_EQ(arch_iommu_map(3, 2, 0x40000000, 0x7000000, 0x2000, MEM_R), 0);
	CHECK_EQ(arch_iommu_map(3, 2, 0x40002000, 0x7002000, 0x1000, MEM_W), 0);
	CHECK_EQ(arch_iommu_map(3, 2, 0x40003000, 0x7003000, 0x1000, MEM_X), E_RANGE);
	CHECK_EQ(arch_iommu_map(3, 2, 0x40000000, 0x7100000, 0x1000, MEM_RW), E_INVAL);
	CHECK_EQ(arch_iommu_map(3, 2, 0x40004800, 0x7004000, 0x1000, MEM_RW), E_RANGE);
	CHECK_EQ(arch_iommu_map(0, 0, 0, 0x7000000, 0x1000, MEM_RW), E_NOMEM);
	/* The domain's tables are its partition's; the context table the attach makes is not. */
	CHECK(owner_pages[2] > owned);
	CHECK_EQ(owner_pages[PMEM_OWNER_HV], hv_pages);
	CHECK_EQ(arch_iommu_attach(PT_BDF(1, 2, 3), 3), 0);
	CHECK(owner_pages[PMEM_OWNER_HV] > hv_pages);
	CHECK_EQ(not_iommu, 0);
	CHECK_EQ(arch_iommu_enable(), 0);
	ctx = context(0, PT_BDF(1, 2, 3));
	CHECK(ctx != NULL);
	if (!ctx)
		return;
	CHECK_EQ(ctx[0] & 0xfff, 1); /* present, FPD clear, translation type 0 */
	CHECK_EQ(ctx[1] & 7, aw);
	CHECK_EQ((ctx[1] >> 8) & 0xffff, 3);
	leaf = sl_walk(ctx[0] & ~0xfffull, levels, 0x201234, &page);
	CHECK_EQ(leaf & 0x000ffffffffff000ull & ~(page - 1), 0x40200000);
	CHECK_EQ(leaf & 3, 3);
	leaf = sl_walk(ctx[0] & ~0xfffull, levels, 0x40001000, &page);
	CHECK_EQ(page, 0x1000);
	CHECK_EQ(leaf & 0x000ffffffffff000ull, 0x7001000);
	CHECK_EQ(leaf & 3, 1);
	leaf = sl_walk(ctx[0] & ~0xfffull, levels, 0x40002000, &page);
	CHECK_EQ(leaf & 0x000ffffffffff000ull, 0x7002000);
	CHECK_EQ(leaf & 3, 2);
	CHECK_EQ(sl_walk(ctx[0] & ~0xfffull, levels, 0x40003000, &page), 0);
	CHECK(arch_iommu_translates(3, 0x40002fff));
	CHECK(!arch_iommu_translates(3, 0x40003000));
	CHECK(!arch_iommu_translates(2, 0));
	/* another function of the bus, never attached: no context entry */
	CHECK_EQ(context(0, PT_BDF(1, 2, 4))[0] & 1, 0);
	/* detached (domain 0): the entry cleared */
	CHECK_EQ(arch_iommu_attach(PT_BDF(1, 2, 3), 0), 0);
	CHECK_EQ(ctx[0], 0);
	CHECK_EQ(ctx[1], 0);
	/* a bus with no table yet: detaching creates none */
	CHECK_EQ(arch_iommu_attach(PT_BDF(5, 0, 0), 0), 0);
	CHECK(context(0, PT_BDF(5, 0, 0)) == NULL);
}

FRESH_TEST(test_domain_4level)
{
	check_domains(CAP_DEFAULT, 4, 2);
}

FRESH_TEST(test_domain_3level)
{
	check_domains(CAP_DEFAULT & ~CAP_4LEVEL, 3, 1);
	/* 39 bits: nothing at or above 2^39 */
	CHECK_EQ(arch_iommu_map(3, 2, 1ull << 39, 0x7000000, 0x1000, MEM_RW), E_RANGE);
	CHECK_EQ(arch_iommu_map(3, 2, (1ull << 39) - 0x1000, 0x7000000, 0x2000, MEM_RW), E_RANGE);
}

/* 2 MiB pages only when every unit has them (SLLPS bit 0). */
FRESH_TEST(test_large_pages)
{
	u64 page = 0, *ctx;

	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL, 1), 0);
	CHECK_EQ(arch_iommu_map(1, 0, 0x200000, 0x40200000, 2 * MiB, MEM_RW), 0);
	CHECK_EQ(arch_iommu_attach(PT_BDF(0, 2, 0), 1), 0);
	CHECK_EQ(arch_iommu_enable(), 0);
	ctx = context(0, PT_BDF(0, 2, 0));
	CHECK(ctx && sl_walk(ctx[0] & ~0xfffull, 4, 0x200000, &page));
	CHECK_EQ(page, 2 * MiB);
}

FRESH_TEST(test_no_large_pages)
{
	u64 page = 0, *ctx;

	CHECK_EQ(probe(CAP_DEFAULT & ~CAP_2M, ECAP_ALL, 1), 0);
	CHECK_EQ(arch_iommu_map(1, 0, 0x200000, 0x40200000, 2 * MiB, MEM_RW), 0);
	CHECK_EQ(arch_iommu_attach(PT_BDF(0, 2, 0), 1), 0);
	CHECK_EQ(arch_iommu_enable(), 0);
	ctx = context(0, PT_BDF(0, 2, 0));
	CHECK(ctx && sl_walk(ctx[0] & ~0xfffull, 4, 0x3ff000, &page));
	CHECK_EQ(page, 0x1000);
}

/* ---- interrupt remapping ------------------------------------------------------------------- */

static u64 *irte(u32 index)
{
	return mem64(reg64(0, IRTA) & ~0xfffull) + 2 * index;
}

/* An entry: present, vector, destination (x2APIC form), level, lowest priority; source-id
 * verified (SVT 01, SQ 00); invalidated through the queue by its index, with a wait. */
FRESH_TEST(test_irte_x2apic)
{
	struct arch_irte e = {.sid = 0x0310, .apic_id = 0x1234, .vector = 0x41};
	u32 before;

	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL, 1), 0);
	CHECK_EQ(arch_iommu_enable(), 0);
	before = ndescs;
	CHECK_EQ(arch_iommu_irte(700, &e), 0);
	CHECK_EQ(irte(700)[0], 1ull | 0x41ull << 16 | 0x1234ull << 32);
	CHECK_EQ(irte(700)[1], 0x0310ull | 1ull << 18);
	CHECK_EQ(ndescs, before + 2);
	CHECK_EQ(descs[before].lo & 0xf, 4);
	CHECK(descs[before].lo & (1u << 4)); /* index granularity */
	CHECK_EQ(descs[before].lo >> 32, 700);
	CHECK_EQ(descs[before + 1].lo & 0xf, 5);
	e.level = true;
	e.lowest = true;
	CHECK_EQ(arch_iommu_irte(700, &e), 0);
	CHECK_EQ(irte(700)[0], 1ull | 1ull << 4 | 1ull << 5 | 0x41ull << 16 | 0x1234ull << 32);
	/* not present: every request naming it blocked */
	CHECK_EQ(arch_iommu_irte(700, NULL), 0);
	CHECK_EQ(irte(700)[0] & 1, 0);
	CHECK_EQ(arch_iommu_irte(4096, &e), E_RANGE);
}

/* Without EIM: the destination in bits 47:40 (xAPIC), no ID above 0xfe, 16-bit table format
 * not asked for. */
FRESH_TEST(test_irte_xapic)
{
	struct arch_irte e = {.sid = 0x0010, .apic_id = 0x12, .vector = 0x30};

	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL & ~ECAP_EIM, 1), 0);
	CHECK_EQ(arch_iommu_enable(), 0);
	CHECK_EQ(reg64(0, IRTA) & (1u << 11), 0);
	CHECK_EQ(arch_iommu_irte(9, &e), 0);
	CHECK_EQ(irte(9)[0], 1ull | 0x30ull << 16 | 0x12ull << 40);
	CHECK_EQ(irte(9)[1], 0x0010ull | 1ull << 18);
	e.apic_id = 0xff;
	CHECK_EQ(arch_iommu_irte(9, &e), E_RANGE);
	CHECK_EQ(irte(9)[0], 1ull | 0x30ull << 16 | 0x12ull << 40);
}

/* The message naming an entry: 0xfee00000, handle 14:0 in bits 19:5, handle bit 15 in bit 2,
 * format bit 4, subhandle-valid bit 3; data 0. */
FRESH_TEST(test_msi_message)
{
	u32 lo = 0, data = 1;

	arch_iommu_msi_message(5, false, &lo, &data);
	CHECK_EQ(lo, 0xfee00000u | 5u << 5 | 0x10u);
	CHECK_EQ(data, 0);
	arch_iommu_msi_message(0x7fff, true, &lo, &data);
	CHECK_EQ(lo, 0xfee00000u | 0x7fffu << 5 | 0x10u | 0x8u);
	arch_iommu_msi_message(0x8005, false, &lo, &data);
	CHECK_EQ(lo, 0xfee00000u | 5u << 5 | 0x4u | 0x10u);
}

/* An I/O APIC entry in remappable form: format bit 48, index in 63:49 and 11; vector,
 * polarity, trigger and mask kept; the remapping entry for its pin from the compatibility
 * entry, with the I/O APIC's source-id. A masked entry (unchecked: the virtual I/O APIC
 * checks only unmasked ones) leaves the remapping entry as the last unmasked one made it. */
FRESH_TEST(test_ioapic_rte)
{
	u64 rte = 0x31 | 1ull << 8 | 1ull << 13 | 1ull << 15 | 1ull << 16 | 3ull << 56;

	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL, 1), 0);
	CHECK_EQ(arch_iommu_enable(), 0);
	CHECK_EQ(vtd_ioapic_rte(5, rte),
		 0x31 | 1ull << 13 | 1ull << 15 | 1ull << 16 | 1ull << 48 | 5ull << 49);
	CHECK_EQ(irte(5)[0], 0);
	CHECK_EQ(vtd_ioapic_rte(5, rte & ~(1ull << 16)),
		 0x31 | 1ull << 13 | 1ull << 15 | 1ull << 48 | 5ull << 49);
	CHECK_EQ(irte(5)[0], 1ull | 1ull << 4 | 1ull << 5 | 0x31ull << 16 | 3ull << 32);
	CHECK_EQ(vtd_ioapic_rte(5, (rte & ~0xffull) | 0x99 | 9ull << 56) & 0xff, 0x99);
	CHECK_EQ(irte(5)[0], 1ull | 1ull << 4 | 1ull << 5 | 0x31ull << 16 | 3ull << 32);
	CHECK_EQ(irte(5)[1], IOAPIC_SID | 1ull << 18);
	CHECK_EQ(vtd_ioapic_rte(23, 0x40 | 1ull << 56), 0x40 | 1ull << 48 | 23ull << 49);
	CHECK_EQ(irte(23)[0], 1ull | 0x40ull << 16 | 1ull << 32);
}

/* ---- faults -------------------------------------------------------------------------------- */

static void record_fault_on(u32 u, u32 i, u64 lo, u64 hi)
{
	set64(u, FRO + 16 * i, lo);
	set64(u, FRO + 16 * i + 8, hi);
}

static void record_fault(u32 i, u64 lo, u64 hi)
{
	record_fault_on(0, i, lo, hi);
}

/* The unit's side of a write-one-to-clear: F written, the record is free again. */
static bool fault_cleared_on(u32 u, u32 i)
{
	bool written = *reg32(u, FRO + 16 * i + 12) == 0x80000000u;

	if (written)
		*reg32(u, FRO + 16 * i + 12) = 0;
	return written;
}

static bool fault_cleared(u32 i)
{
	return fault_cleared_on(0, i);
}

/* A record decoded (source-id, reason, read or write, the page or the remapping index) and
 * cleared by writing F; records taken round the ring. */
FRESH_TEST(test_fault_records)
{
	struct arch_iommu_fault f;

	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL, 1), 0);
	CHECK_EQ(arch_iommu_enable(), 0);
	for (u32 i = 0; i < 4; i++)
		fault_cleared(i);
	CHECK(!arch_iommu_fault(&f));

	/* record 1: a DMA write by 00:02.0, reason 5, at 0x4200123 */
	record_fault(1, 0x4200123, 0x0010ull | 5ull << 32 | 1ull << 63);
	CHECK(arch_iommu_fault(&f));
	CHECK_EQ(f.sid, 0x0010);
	CHECK_EQ(f.reason, 5);
	CHECK(!f.interrupt);
	CHECK(!f.read);
	CHECK_EQ(f.addr, 0x4200000);
	CHECK(fault_cleared(1));
	CHECK(!arch_iommu_fault(&f));

	/* records 3 and 0: an interrupt request (reason 0x25, index 300), then a DMA read */
	record_fault(3, 300ull << 48, 0x0318ull | 0x25ull << 32 | 1ull << 62 | 1ull << 63);
	record_fault(0, 0x10000000, 0x0100ull | 2ull << 32 | 1ull << 62 | 1ull << 63);
	CHECK(arch_iommu_fault(&f));
	CHECK_EQ(f.sid, 0x0318);
	CHECK_EQ(f.reason, 0x25);
	CHECK(f.interrupt);
	CHECK(!f.read);
	CHECK_EQ(f.addr, 300);
	CHECK(fault_cleared(3));
	CHECK(arch_iommu_fault(&f));
	CHECK_EQ(f.sid, 0x0100);
	CHECK_EQ(f.reason, 2);
	CHECK(f.read);
	CHECK_EQ(f.addr, 0x10000000);
	CHECK(fault_cleared(0));
	CHECK(!arch_iommu_fault(&f));

	/* records lost: said */
	set_fsts(0, 1);
	CHECK(!arch_iommu_fault(&f));
	CHECK_LOG("fault records overflowed");
}

/* ---- review fixes: the probe ----------------------------------------------------------------- */

/* Nine DRHDs (Bulkhead keeps eight): the ninth, the catch-all, would be dropped and its
 * devices left untranslated; the table is refused before any unit's registers are read. */
FRESH_TEST(test_probe_too_many_units)
{
	char why[128] = "";

	for (u32 u = 0; u < 9; u++) {
		memset(low + u * UNIT_PAGE, 0, UNIT_PAGE);
		set64(u, CAP, CAP_DEFAULT);
		set64(u, ECAP, ECAP_ALL);
	}
	build_dmar(9, 1, true);
	CHECK_EQ(vtd_probe(table, table_len, why, sizeof(why)), E_RANGE);
	CHECK(strstr(why, "lists more units or scopes than Bulkhead keeps") != NULL);
	CHECK_EQ(arch_iommu_units(), 0);
	CHECK_EQ(uncached_calls, 0);
}

/* Eight: all taken. */
FRESH_TEST(test_probe_eight_units)
{
	char why[128] = "";

	for (u32 u = 0; u < 8; u++) {
		memset(low + u * UNIT_PAGE, 0, UNIT_PAGE);
		set64(u, CAP, CAP_DEFAULT);
		set64(u, ECAP, ECAP_ALL);
	}
	build_dmar(8, 1, true);
	CHECK_EQ(vtd_probe(table, table_len, why, sizeof(why)), 0);
	CHECK_EQ(arch_iommu_units(), 8);
}

/* One DRHD with 40 endpoint scopes (Bulkhead keeps 32 in all): refused, as a device whose
 * scope was dropped would fall to another unit. */
FRESH_TEST(test_probe_too_many_scopes)
{
	char why[128] = "";

	unit_reset(0, CAP_DEFAULT, ECAP_ALL);
	build_dmar(0, 1, false);
	put16(0);
	put16(16 + 8 + 40 * 8);
	put8(0);
	put8(0);
	put16(0);
	put64((u64)(uintptr_t)low);
	put8(3); /* the I/O APIC, first */
	put8(8);
	put16(0);
	put8(IOAPIC_ID);
	put8(0xf0);
	put8(0x1f);
	put8(0);
	for (u32 i = 0; i < 40; i++) {
		put8(1); /* endpoint 01:dd.f */
		put8(8);
		put16(0);
		put8(0);
		put8(1);
		put8((u8)(i >> 3));
		put8((u8)(i & 7));
	}
	memcpy(table + 4, &table_len, 4);
	CHECK_EQ(vtd_probe(table, table_len, why, sizeof(why)), E_RANGE);
	CHECK(strstr(why, "lists more units or scopes than Bulkhead keeps") != NULL);
	CHECK_EQ(arch_iommu_units(), 0);
	CHECK_EQ(uncached_calls, 0);
}

/* One unit walks only 3 levels, the other only 4: no walk serves both. */
FRESH_TEST(test_probe_no_common_walk)
{
	char why[128] = "";

	nunits = 2;
	unit_reset(0, CAP_DEFAULT & ~CAP_4LEVEL, ECAP_ALL);
	unit_reset(1, CAP_DEFAULT & ~CAP_3LEVEL, ECAP_ALL);
	build_dmar(2, 1, true);
	CHECK_EQ(vtd_probe(table, table_len, why, sizeof(why)), E_NOTSUP);
	CHECK(strstr(why, "share no page-walk length") != NULL);
}

/* One with both and one with 3 only: 3 levels for both. */
FRESH_TEST(test_probe_common_walk)
{
	char why[128] = "";

	nunits = 2;
	unit_reset(0, CAP_DEFAULT, ECAP_ALL);
	unit_reset(1, CAP_DEFAULT & ~CAP_4LEVEL, ECAP_ALL);
	build_dmar(2, 1, true);
	CHECK_EQ(vtd_probe(table, table_len, why, sizeof(why)), 0);
	CHECK_EQ(arch_iommu_map(1, 0, (1ull << 39) - 0x1000, 0x7000000, 0x1000, MEM_RW), 0);
	CHECK_EQ(arch_iommu_map(1, 0, 1ull << 39, 0x7000000, 0x1000, MEM_RW), E_RANGE);
}

/* Fault recording registers past the unit's one register page (FRO 0xf80, 16 of them): it
 * would read and clear another device's registers; refused. Ending on the page: taken. */
FRESH_TEST(test_probe_fault_registers_outside)
{
	u64 cap = (CAP_DEFAULT & ~(0x3ffull << 24) & ~(0xffull << 40)) | 15ull << 40;
	char why[128] = "";

	unit_reset(0, cap | (0xf80ull / 16) << 24, ECAP_ALL);
	build_dmar(1, 1, true);
	CHECK_EQ(vtd_probe(table, table_len, why, sizeof(why)), E_NOTSUP);
	CHECK(strstr(why, "fault registers past its register pages") != NULL);
	CHECK_EQ(arch_iommu_units(), 0);
	/* (a failed take leaves nothing behind: probing again is as the first time) */
	unit_reset(0, cap | (0xf00ull / 16) << 24, ECAP_ALL);
	CHECK_EQ(vtd_probe(table, table_len, why, sizeof(why)), 0);
	CHECK_EQ(arch_iommu_units(), 1);
}

/* A unit whose registers are above 4 GiB, which Bulkhead does not map: refused without a
 * read (the page here is inaccessible: a read would end the test). */
FRESH_TEST(test_probe_above_4g_not_read)
{
	void *p = mmap(NULL, PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char why[128] = "";

	CHECK(p != MAP_FAILED && (u64)(uintptr_t)p >= 4 * GiB);
	if (p == MAP_FAILED || (u64)(uintptr_t)p < 4 * GiB)
		return;
	drhd_base[0] = (u64)(uintptr_t)p;
	build_dmar(1, 1, true);
	CHECK_EQ(vtd_probe(table, table_len, why, sizeof(why)), E_NOTSUP);
	CHECK(strstr(why, "registers above 4 GiB") != NULL);
	CHECK_EQ(uncached_calls, 0);
	CHECK_EQ(arch_iommu_units(), 0);
}

/* ---- review fixes: DMA remapping ------------------------------------------------------------ */

/* A function whose bdf is the I/O APIC's or an HPET's source-id (their scopes): not attached
 * (it could send their interrupts), no context entry written; detaching it is harmless. */
FRESH_TEST(test_attach_reserved_sid)
{
	u64 *ctx;

	hpet_scope = true;
	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL, 1), 0);
	CHECK_EQ(arch_iommu_map(1, 0, 0, 0x40000000, 2 * MiB, MEM_RW), 0);
	CHECK_EQ(arch_iommu_attach(IOAPIC_SID, 1), E_INVAL);
	CHECK_EQ(arch_iommu_attach(HPET_SID, 1), E_INVAL);
	CHECK_EQ(arch_iommu_attach(PT_BDF(0, 0x1f, 4), 1), 0); /* its neighbour */
	CHECK_EQ(arch_iommu_enable(), 0);
	CHECK(context(0, IOAPIC_SID) == NULL); /* bus 0xf0 got no table */
	ctx = context(0, HPET_SID);
	CHECK(ctx != NULL);
	if (ctx)
		CHECK_EQ(ctx[0] & 1, 0);
	ctx = context(0, PT_BDF(0, 0x1f, 4));
	CHECK(ctx && (ctx[0] & 1));
	/* after enabling too */
	CHECK_EQ(arch_iommu_attach(HPET_SID, 1), E_INVAL);
	ctx = context(0, HPET_SID);
	if (ctx)
		CHECK_EQ(ctx[0] & 1, 0);
	CHECK(context(0, IOAPIC_SID) == NULL);
	CHECK_EQ(arch_iommu_attach(IOAPIC_SID, 0), 0);
	CHECK(context(0, IOAPIC_SID) == NULL);
}

/* ---- review fixes: remapping entries -------------------------------------------------------- */

/* The remapping table page holding one entry, write-protected: each store to it traps
 * (SIGSEGV), is let through and single-stepped (SIGTRAP), and the entry as it then is gets
 * recorded. Also: a WBINVD (privileged: SIGSEGV here) is counted and skipped, with the units'
 * GCMD registers as they were then. */
static volatile u64 *watched; /* the entry */
static void *watch_page;
static u64 seen[16][2]; /* the entry after each store */
static u32 nseen;
static u32 wbinvds, wbinvd_pending_cmds; /* GCMD writes made before the WBINVD */

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	const u8 *rip = (const u8 *)uc->uc_mcontext.gregs[REG_RIP];

	(void)sig;
	if (rip[0] == 0x0f && rip[1] == 0x09) { /* wbinvd */
		wbinvds++;
		wbinvd_pending_cmds = ncmds;
		for (u32 u = 0; u < nunits; u++)
			wbinvd_pending_cmds += *reg32(u, GCMD) != NO_WRITE;
		uc->uc_mcontext.gregs[REG_RIP] += 2;
		return;
	}
	if (watch_page && (u8 *)si->si_addr >= (u8 *)watch_page &&
	    (u8 *)si->si_addr < (u8 *)watch_page + PAGE_SIZE) {
		mprotect(watch_page, PAGE_SIZE, PROT_READ | PROT_WRITE);
		uc->uc_mcontext.gregs[REG_EFL] |= 0x100; /* TF: trap after the store */
		return;
	}
	signal(SIGSEGV, SIG_DFL); /* a real fault: it happens again, and ends the child */
}

static void on_trap(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_EFL] &= ~0x100ll;
	if (nseen < 16) {
		seen[nseen][0] = watched[0];
		seen[nseen][1] = watched[1];
	}
	nseen++;
	mprotect(watch_page, PAGE_SIZE, PROT_READ);
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_SIGINFO;
	sa.sa_sigaction = on_segv;
	sigaction(SIGSEGV, &sa, NULL);
	sa.sa_sigaction = on_trap;
	sigaction(SIGTRAP, &sa, NULL);
}

static void watch_entry(u64 *e)
{
	catch_signals();
	watched = e;
	nseen = 0;
	watch_page = (void *)((uintptr_t)e & ~(uintptr_t)(PAGE_SIZE - 1));
	mprotect(watch_page, PAGE_SIZE, PROT_READ);
}

static void unwatch(void)
{
	mprotect(watch_page, PAGE_SIZE, PROT_READ | PROT_WRITE);
	watch_page = NULL;
}

static u32 count_descs(u32 from, u32 type)
{
	u32 n = 0;

	for (u32 i = from; i < ndescs && i < 256; i++)
		n += (descs[i].lo & 0xf) == type;
	return n;
}

/* A present entry changed (vector, CPU, trigger; same source-id): one store of its low
 * half, present throughout; then invalidated. The same entry again: nothing written, nothing
 * invalidated (a mask or unmask of an I/O APIC pin rewrites it unchanged). */
FRESH_TEST(test_irte_change_stays_present)
{
	struct arch_irte e = {.sid = 0x0310, .apic_id = 0x12, .vector = 0x41};
	u64 *entry;
	u32 before;

	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL, 1), 0);
	CHECK_EQ(arch_iommu_enable(), 0);
	CHECK_EQ(arch_iommu_irte(700, &e), 0);
	entry = irte(700);
	watch_entry(entry);

	before = ndescs;
	CHECK_EQ(arch_iommu_irte(700, &e), 0);
	CHECK_EQ(nseen, 0);
	CHECK_EQ(ndescs, before);

	e.vector = 0x42;
	e.apic_id = 0x13;
	e.level = true;
	CHECK_EQ(arch_iommu_irte(700, &e), 0);
	CHECK_EQ(nseen, 1);
	for (u32 i = 0; i < nseen && i < 16; i++) {
		CHECK(seen[i][0] & 1);
		CHECK_EQ(seen[i][1], 0x0310ull | 1ull << 18);
	}
	CHECK_EQ(entry[0], 1ull | 1ull << 4 | 0x42ull << 16 | 0x13ull << 32);
	CHECK_EQ(count_descs(before, 4), 1);
	CHECK_EQ(count_descs(before, 5), 1);

	/* made not present: once; again, nothing */
	before = ndescs;
	nseen = 0;
	CHECK_EQ(arch_iommu_irte(700, NULL), 0);
	CHECK_EQ(entry[0] & 1, 0);
	CHECK_EQ(count_descs(before, 4), 1);
	before = ndescs;
	CHECK_EQ(arch_iommu_irte(700, NULL), 0);
	CHECK_EQ(ndescs, before);
	unwatch();
}

/* Another source-id for a present entry: never present with one half old and one new (the
 * present bit off first, on last). */
FRESH_TEST(test_irte_new_sid_never_mixed)
{
	struct arch_irte e = {.sid = 0x0310, .apic_id = 0x12, .vector = 0x41};
	u64 *entry;

	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL, 1), 0);
	CHECK_EQ(arch_iommu_enable(), 0);
	CHECK_EQ(arch_iommu_irte(701, &e), 0);
	entry = irte(701);
	watch_entry(entry);
	e.sid = 0x0318;
	e.vector = 0x50;
	CHECK_EQ(arch_iommu_irte(701, &e), 0);
	CHECK(nseen >= 2);
	for (u32 i = 0; i < nseen && i < 16; i++)
		if (seen[i][0] & 1)
			CHECK(((seen[i][0] >> 16) & 0xff) == 0x50 &&
			      seen[i][1] == (0x0318ull | 1ull << 18));
	CHECK_EQ(entry[0], 1ull | 0x50ull << 16 | 0x12ull << 32);
	CHECK_EQ(entry[1], 0x0318ull | 1ull << 18);
	unwatch();
}

/* ---- review fixes: enable -------------------------------------------------------------------- */

/* CAP.RWBF: the write buffers are flushed (GCMD.WBF) after the tables are set and before
 * translation goes on; without it, no such command. */
FRESH_TEST(test_enable_write_buffer_flush)
{
	static const struct step want[] = {{SRTP, true}, {QIE, true}, {SIRTP, true},
					   {WBF, true},	 {TE, true},  {IRE, true}};

	CHECK_EQ(probe(CAP_DEFAULT | CAP_RWBF, ECAP_ALL, 1), 0);
	CHECK_EQ(arch_iommu_enable(), 0);
	CHECK(commands_are(0, want, 6));
}

FRESH_TEST(test_enable_no_write_buffer_flush)
{
	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL, 1), 0);
	CHECK_EQ(arch_iommu_enable(), 0);
	for (u32 i = 0; i < ncmds && i < 64; i++)
		CHECK_EQ(cmds[i].cmd & WBF, 0);
}

/* The fault event: vector, the boot CPU's APIC ID in the address (bits 19:12: its low 8
 * bits) and, with 32-bit IDs (EIM), bits 31:8 in the upper address. */
FRESH_TEST(test_fault_event_x2apic)
{
	boot_apic_id = 0x1234;
	nunits = 2;
	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL, 1), 0);
	CHECK_EQ(arch_iommu_enable(), 0);
	for (u32 u = 0; u < 2; u++) {
		CHECK_EQ(*reg32(u, FEADDR), 0xfee34000u);
		CHECK_EQ(*reg32(u, FEUADR), 0x1200u);
		CHECK_EQ(*reg32(u, FECTL), 0);
		CHECK(*reg32(u, FEDATA) >= 0x20 && *reg32(u, FEDATA) <= 0xff);
	}
}

FRESH_TEST(test_fault_event_xapic)
{
	boot_apic_id = 0x12;
	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL & ~ECAP_EIM, 1), 0);
	CHECK_EQ(arch_iommu_enable(), 0);
	CHECK_EQ(*reg32(0, FEADDR), 0xfee12000u);
	CHECK_EQ(*reg32(0, FEUADR), 0);
}

/* A unit that does not snoop (ECAP.C clear): every cache written back (WBINVD) once, before
 * any unit gets a command; a coherent one: none. WBINVD faults at user level: the test's
 * handler counts and skips it. */
FRESH_TEST(test_enable_noncoherent_wbinvd)
{
	catch_signals();
	nunits = 2;
	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL & ~ECAP_C, 1), 0);
	CHECK_EQ(wbinvds, 0);
	CHECK_EQ(arch_iommu_enable(), 0);
	CHECK_EQ(wbinvds, 1);
	CHECK_EQ(wbinvd_pending_cmds, 0);
	CHECK_EQ(*reg32(1, GSTS) & TE, TE);
}

FRESH_TEST(test_enable_coherent_no_wbinvd)
{
	catch_signals();
	nunits = 2;
	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL, 1), 0);
	CHECK_EQ(arch_iommu_enable(), 0);
	CHECK_EQ(wbinvds, 0);
}

/* ---- review fixes: the queue ---------------------------------------------------------------- */

/* Every wait descriptor writes a status of its own, each above the last: a wait left behind
 * by a drain that timed out, completing late, does not end the next drain early. */
FRESH_TEST(test_wait_status_sequence)
{
	struct arch_irte e = {.sid = 0x0310, .apic_id = 2, .vector = 0x41};
	u32 before, last = 0;
	bool found = false;

	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL, 1), 0);
	CHECK_EQ(arch_iommu_enable(), 0);
	/* the unit stops: this drain times out (the write is reported as failed), its wait
	 * still queued */
	stalled[0] = true;
	CHECK(arch_iommu_irte(10, &e) < 0);
	CHECK_LOG("invalidation queue stuck");
	/* it resumes, slowly: the old wait completes during the next drain, before its own */
	stalled[0] = false;
	one_descriptor = true;
	before = ndescs;
	CHECK_EQ(arch_iommu_irte(11, &e), 0);
	for (u32 i = before; i < ndescs && i < 256; i++)
		found = found || ((descs[i].lo & 0xf) == 4 && descs[i].lo >> 32 == 11);
	CHECK(found); /* done before the drain ended */
	CHECK_EQ(reg64(0, IQH), reg64(0, IQT));
	for (u32 i = 0; i < ndescs && i < 256; i++)
		if ((descs[i].lo & 0xf) == 5) {
			CHECK(descs[i].lo >> 32 > last);
			last = (u32)(descs[i].lo >> 32);
		}
}

/* ---- review fixes: faults ------------------------------------------------------------------- */

/* Two units with records: taken in turn, not all of the first unit's before the second's. */
FRESH_TEST(test_fault_units_in_turn)
{
	struct arch_iommu_fault f;

	nunits = 2;
	CHECK_EQ(probe(CAP_DEFAULT, ECAP_ALL, 1), 0);
	CHECK_EQ(arch_iommu_enable(), 0);
	for (u32 u = 0; u < 2; u++)
		for (u32 i = 0; i < 4; i++)
			fault_cleared_on(u, i);
	record_fault_on(0, 0, 0x1000, 0x0010ull | 5ull << 32 | 1ull << 63);
	record_fault_on(0, 1, 0x2000, 0x0011ull | 5ull << 32 | 1ull << 63);
	record_fault_on(1, 0, 0x3000, 0x0020ull | 5ull << 32 | 1ull << 63);
	record_fault_on(1, 1, 0x4000, 0x0021ull | 5ull << 32 | 1ull << 63);
	CHECK(arch_iommu_fault(&f));
	CHECK_EQ(f.sid, 0x0010);
	CHECK(fault_cleared_on(0, 0));
	CHECK(arch_iommu_fault(&f));
	CHECK_EQ(f.sid, 0x0020);
	CHECK(fault_cleared_on(1, 0));
	CHECK(arch_iommu_fault(&f));
	CHECK_EQ(f.sid, 0x0011);
	CHECK(fault_cleared_on(0, 1));
	CHECK(arch_iommu_fault(&f));
	CHECK_EQ(f.sid, 0x0021);
	CHECK(fault_cleared_on(1, 1));
	CHECK(!arch_iommu_fault(&f));
	/* only the second unit has one: found */
	record_fault_on(1, 2, 0x5000, 0x0022ull | 5ull << 32 | 1ull << 63);
	CHECK(arch_iommu_fault(&f));
	CHECK_EQ(f.sid, 0x0022);
}

int main(void)
{
	low_init();
	RUN(test_probe_refusals);
	RUN(test_probe_ok);
	RUN(test_enable_sequence);
	RUN(test_enable_after_firmware);
	RUN(test_enable_without_remapping);
	RUN(test_enable_rollback);
	RUN(test_domain_4level);
	RUN(test_domain_3level);
	RUN(test_large_pages);
	RUN(test_no_large_pages);
	RUN(test_irte_x2apic);
	RUN(test_irte_xapic);
	RUN(test_msi_message);
	RUN(test_ioapic_rte);
	RUN(test_fault_records);
	RUN(test_probe_too_many_units);
	RUN(test_probe_eight_units);
	RUN(test_probe_too_many_scopes);
	RUN(test_probe_no_common_walk);
	RUN(test_probe_common_walk);
	RUN(test_probe_fault_registers_outside);
	RUN(test_probe_above_4g_not_read);
	RUN(test_attach_reserved_sid);
	RUN(test_irte_change_stays_present);
	RUN(test_irte_new_sid_never_mixed);
	RUN(test_enable_write_buffer_flush);
	RUN(test_enable_no_write_buffer_flush);
	RUN(test_fault_event_x2apic);
	RUN(test_fault_event_xapic);
	RUN(test_enable_noncoherent_wbinvd);
	RUN(test_enable_coherent_no_wbinvd);
	RUN(test_wait_status_sequence);
	RUN(test_fault_units_in_turn);
	CHECK_MAIN_END();
}
