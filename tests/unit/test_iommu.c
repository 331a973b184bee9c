/*
 * Unit tests for core/iommu.c, the partitions' DMA domains, remapped MSIs and fault reports,
 * over a fake IOMMU defined here: every arch_iommu_* call is recorded in order (maps,
 * attaches, remapping entries, enable), faults come from a queue the test fills, and RMRRs
 * from a list. The layout has three partitions: rt0 (CPU 1: RAM, a read-only shared region,
 * an MMIO region, the PCI function 00:02.0 and a legacy COM2 whose unused .bdf is 00:1f.0),
 * linux (CPUs 2 and 3, .dma_fault = DMA_FAULT_REPORT: 00:03.0 and 01:00.0) and rt1 (CPU 4:
 * 00:04.0). core/iommu.c keeps its state in statics set once at boot, so each test runs in a
 * child process of its own, from a fresh copy of everything.
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
#include "tests/unit/check.h"

#define EDU_BDF	 PT_BDF(0, 2, 0)
#define NIC_BDF	 PT_BDF(0, 3, 0)
#define DISK_BDF PT_BDF(1, 0, 0)
#define RT1_BDF	 PT_BDF(0, 4, 0)
#define COM2_BDF PT_BDF(0, 0x1f, 0) /* a legacy device's .bdf: no PCI function of anybody's */
#define LOST_BDF PT_BDF(0, 0x1f, 3) /* a requester no partition owns */

/* Remapping entry of (partition, device slot, vector entry): 256 I/O APIC entries first, then
 * 32 per device, 8 devices per partition. */
#define IRTE(p, slot, e) (256u + ((p)*8u + (slot)) * 32u + (e))
#define IRTE_BLOCKED	 (256u + 8u * 8u * 32u)

const struct partition_table partition_table = {
    .layout = "iommu-unit",
    .parts = PT_PARTITIONS(
	{
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(1),
	    .mem = PT_REGIONS({.phys = 0x4000000,
			       .size = 2 * MiB,
			       .guest = 0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM},
			      {.phys = 0x8000000,
			       .size = 0x10000,
			       .guest = 0x40000000,
			       .access = MEM_R,
			       .kind = REGION_SHARED},
			      {.phys = 0xfea00000,
			       .size = 0x100000,
			       .guest = 0xfea00000,
			       .access = MEM_RW,
			       .kind = REGION_MMIO}),
	    .devices =
		PT_DEVICES({.kind = DEV_PCI, .name = "edu", .bdf = EDU_BDF}, {.kind = DEV_LEGACY,
									      .name = "com2",
									      .bdf = COM2_BDF,
									      .ports = {0x2f8, 8},
									      .irq = 3}),
	    .module = "rt0",
	},
	{
	    .name = "linux",
	    .kind = PART_LINUX,
	    .cpus = PT_CPUS(2, 3),
	    .mem = PT_REGIONS({.phys = 0x10000000,
			       .size = 64 * MiB,
			       .guest = 0x10000000,
			       .access = MEM_RWX,
			       .kind = REGION_RAM},
			      {.phys = 0x8000000,
			       .size = 0x10000,
			       .guest = 0x8000000,
			       .access = MEM_RW,
			       .kind = REGION_SHARED}),
	    .devices = PT_DEVICES({.kind = DEV_PCI, .name = "nic", .bdf = NIC_BDF},
				  {.kind = DEV_PCI, .name = "disk", .bdf = DISK_BDF}),
	    .module = "linux",
	    .dma_fault = DMA_FAULT_REPORT,
	},
	{
	    .name = "rt1",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(4),
	    .mem = PT_REGIONS({.phys = 0x4200000,
			       .size = 2 * MiB,
			       .guest = 0,
			       .access = MEM_RW,
			       .kind = REGION_RAM}),
	    .devices = PT_DEVICES({.kind = DEV_PCI, .name = "rt1nic", .bdf = RT1_BDF}),
	    .module = "rt1",
	    .fault = FAULT_RESTART,
	}),
};

/* ---- the fake IOMMU --------------------------------------------------------------------- */

/* Every call that changes the IOMMU, in order. */
enum call_kind { CALL_MAP = 1, CALL_ATTACH, CALL_ENABLE };

struct call {
	enum call_kind kind;
	u32 dom, bdf, access;
	u64 iova, phys, size;
};

static struct call calls[64];
static u32 ncalls;

static bool probe_ok;
static u64 map_fail_phys = ~0ull;	/* a map of this host address fails */
static u32 attach_fail_bdf = ~0u;	/* an attach of this function fails */
static int attach_fail_rc = E_NOTFOUND; /* with this */
static int enable_rc;
static bool ir_on = true;

static void record(struct call c)
{
	if (ncalls < 64)
		calls[ncalls] = c;
	ncalls++;
}

bool arch_iommu_probe(char *why, size_t why_size)
{
	if (!probe_ok)
		snprintf(why, why_size, "no DMAR table");
	return probe_ok;
}

u32 arch_iommu_units(void)
{
	return 2;
}

int arch_iommu_map(u32 domain, u32 owner, u64 iova, u64 phys, u64 size, u32 access)
{
	CHECK_EQ(owner + 1, domain); /* a domain's tables count as its partition's */
	record((struct call){.kind = CALL_MAP,
			     .dom = domain,
			     .iova = iova,
			     .phys = phys,
			     .size = size,
			     .access = access});
	return phys == map_fail_phys ? E_NOMEM : 0;
}

/* What core/iommu.c asks besides the IOMMU: a unit's registers (none unless a test puts
 * them somewhere), and the memory map's RAM (none unless a test gives some). */
static u64 regs_base, regs_size;

bool arch_iommu_overlaps(u64 base, u64 size)
{
	return regs_size && base < regs_base + regs_size && regs_base < base + size;
}

static struct pmem_range ram[4];
static u32 nram;

u32 pmem_range_count(void)
{
	return nram;
}

const struct pmem_range *pmem_ranges(void)
{
	return nram ? ram : NULL;
}

bool arch_iommu_translates(u32 domain, u64 iova)
{
	for (u32 i = 0; i < ncalls && i < 64; i++)
		if (calls[i].kind == CALL_MAP && calls[i].dom == domain && iova >= calls[i].iova &&
		    iova - calls[i].iova < calls[i].size)
			return true;
	return false;
}

int arch_iommu_attach(u32 bdf, u32 domain)
{
	record((struct call){.kind = CALL_ATTACH, .bdf = bdf, .dom = domain});
	return bdf == attach_fail_bdf ? attach_fail_rc : 0;
}

int arch_iommu_enable(void)
{
	record((struct call){.kind = CALL_ENABLE});
	return enable_rc;
}

bool arch_iommu_remaps_interrupts(void)
{
	return ir_on;
}

/* The remapping table as written: an entry's last write, and how many writes it got. */
#define IRT_SIZE 4096
static struct {
	u32 writes;
	bool present;
	struct arch_irte e;
} irt[IRT_SIZE];
static u32 irte_writes;
static u32 irte_refuse = ~0u; /* a present entry written here is refused (E_RANGE) */

int arch_iommu_irte(u32 index, const struct arch_irte *e)
{
	irte_writes++;
	if (index >= IRT_SIZE || (e && index == irte_refuse))
		return E_RANGE;
	irt[index].writes++;
	irt[index].present = e != NULL;
	if (e)
		irt[index].e = *e;
	return 0;
}

/* A message no partition would write: the test sees it came from here. */
static u32 msg_index = ~0u, msg_calls;
static bool msg_subhandle;

void arch_iommu_msi_message(u32 index, bool subhandle, u32 *addr_lo, u32 *data)
{
	msg_calls++;
	msg_index = index;
	msg_subhandle = subhandle;
	*addr_lo = 0xabc00000u | index;
	*data = subhandle ? 0x5001u : 0x5000u;
}

static struct arch_iommu_fault fault_queue[256];
static u32 fault_head, fault_tail;

static void queue_fault(u16 sid, u8 reason, bool interrupt, bool read, u64 addr)
{
	fault_queue[fault_tail++ % 256] = (struct arch_iommu_fault){
	    .sid = sid, .reason = reason, .interrupt = interrupt, .read = read, .addr = addr};
}

bool arch_iommu_fault(struct arch_iommu_fault *f)
{
	if (fault_head == fault_tail)
		return false;
	*f = fault_queue[fault_head++ % 256];
	return true;
}

/* RMRRs: [base, end) and the one function each names. */
static struct {
	u64 base, end;
	u32 bdf;
} rmrrs[4];
static u32 nrmrrs;

u32 arch_iommu_rmrr_count(void)
{
	return nrmrrs;
}

void arch_iommu_rmrr(u32 i, u64 *base, u64 *end)
{
	*base = i < nrmrrs ? rmrrs[i].base : 0;
	*end = i < nrmrrs ? rmrrs[i].end : 0;
}

bool arch_iommu_rmrr_names(u32 i, u32 bdf)
{
	return i < nrmrrs && rmrrs[i].bdf == bdf;
}

/* ---- the partitions' side --------------------------------------------------------------- */

static bool refused[PT_MAX_PARTITIONS];
static u32 device_faults[PT_MAX_PARTITIONS];

bool partition_refused_at_boot(u32 i)
{
	return i < PT_MAX_PARTITIONS && refused[i];
}

void partition_device_fault(u32 i)
{
	if (i < PT_MAX_PARTITIONS)
		device_faults[i]++;
}

/* ---- helpers ---------------------------------------------------------------------------- */

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

/* A test whose body runs in a child process (core/iommu.c's statics fresh). */
#define FRESH_TEST(name)                                                                           \
	static void name##_body(void);                                                             \
	static void name(void)                                                                     \
	{                                                                                          \
		in_child(name##_body);                                                             \
	}                                                                                          \
	static void name##_body(void)

/* How many times `s` occurs in the captured log. */
static u32 log_count(const char *s)
{
	u32 n = 0;

	for (const char *p = capture_text(); (p = strstr(p, s)) != NULL; p += strlen(s))
		n++;
	return n;
}

/* The position of a recorded call, or -1. */
static int find_map(u32 dom, u64 iova, u64 phys, u64 size, u32 access)
{
	for (u32 i = 0; i < ncalls && i < 64; i++)
		if (calls[i].kind == CALL_MAP && calls[i].dom == dom && calls[i].iova == iova &&
		    calls[i].phys == phys && calls[i].size == size && calls[i].access == access)
			return (int)i;
	return -1;
}

static int find_attach(u32 bdf, u32 dom)
{
	for (u32 i = 0; i < ncalls && i < 64; i++)
		if (calls[i].kind == CALL_ATTACH && calls[i].bdf == bdf && calls[i].dom == dom)
			return (int)i;
	return -1;
}

static u32 count_calls(enum call_kind kind)
{
	u32 n = 0;

	for (u32 i = 0; i < ncalls && i < 64; i++)
		n += calls[i].kind == kind;
	return n;
}

static int find_enable(void)
{
	for (u32 i = 0; i < ncalls && i < 64; i++)
		if (calls[i].kind == CALL_ENABLE)
			return (int)i;
	return -1;
}

/* The IOMMU probed and enabled, the calls and the log forgotten. */
static void boot(void)
{
	probe_ok = true;
	iommu_setup();
	CHECK(iommu_active());
	ncalls = 0;
	capture_reset();
}

static void msi(u32 p, u32 slot, u32 bdf, u32 entry, u32 count, u32 lo, u32 data, u32 *dev_lo,
		u32 *dev_data)
{
	u32 dev_hi = 0xdeadu;

	iommu_msi(p, slot, bdf, entry, count, lo, 0, data, dev_lo, &dev_hi, dev_data);
	CHECK_EQ(dev_hi, 0);
}

/* ---- set-up ------------------------------------------------------------------------------ */

/* No IOMMU: nothing mapped, attached or enabled, said on the console; faults are not read. */
FRESH_TEST(test_no_iommu)
{
	probe_ok = false;
	iommu_setup();
	CHECK(!iommu_active());
	CHECK(!iommu_remaps_interrupts());
	CHECK_EQ(ncalls, 0);
	CHECK_LOG("bulkhead: dma: no iommu (no DMAR table)");
	CHECK(!iommu_reaches(0, 0x1000));
	iommu_detach(0);
	CHECK_EQ(ncalls, 0);
	queue_fault(EDU_BDF, 5, false, false, 0x4200000);
	CHECK_EQ(iommu_poll(NULL), 0);
	CHECK_EQ(fault_head, 0);
	CHECK_EQ(device_faults[0], 0);
}

/* Each partition's RAM and shared regions in domain i + 1 at guest -> host with the table's
 * read and write rights (never execute), MMIO not; its PCI functions attached after its
 * memory is mapped, legacy devices never; enable last. */
FRESH_TEST(test_domains)
{
	probe_ok = true;
	iommu_setup();
	CHECK(iommu_active());
	CHECK(iommu_remaps_interrupts());
	CHECK_LOG("bulkhead: dma: iommu (vt-d, 2 units), interrupt remapping on");
	CHECK_EQ(count_calls(CALL_MAP), 5);
	CHECK(find_map(1, 0, 0x4000000, 2 * MiB, MEM_RW) >= 0);
	CHECK(find_map(1, 0x40000000, 0x8000000, 0x10000, MEM_R) >= 0);
	CHECK(find_map(2, 0x10000000, 0x10000000, 64 * MiB, MEM_RW) >= 0);
	CHECK(find_map(2, 0x8000000, 0x8000000, 0x10000, MEM_RW) >= 0);
	CHECK(find_map(3, 0, 0x4200000, 2 * MiB, MEM_RW) >= 0);
	CHECK_EQ(count_calls(CALL_ATTACH), 4);
	CHECK(find_attach(EDU_BDF, 1) > find_map(1, 0x40000000, 0x8000000, 0x10000, MEM_R));
	CHECK(find_attach(NIC_BDF, 2) > find_map(2, 0x8000000, 0x8000000, 0x10000, MEM_RW));
	CHECK(find_attach(DISK_BDF, 2) > find_map(2, 0x8000000, 0x8000000, 0x10000, MEM_RW));
	CHECK(find_attach(RT1_BDF, 3) > find_map(3, 0, 0x4200000, 2 * MiB, MEM_RW));
	for (u32 i = 0; i < ncalls; i++)
		CHECK(calls[i].kind != CALL_ATTACH || calls[i].bdf != COM2_BDF);
	CHECK_EQ(count_calls(CALL_ENABLE), 1);
	CHECK_EQ(find_enable(), (int)ncalls - 1);
	for (u32 i = 0; i < 3; i++)
		CHECK(iommu_problem(i) == NULL);
	CHECK(iommu_reaches(0, 0x40000000));
	CHECK(!iommu_reaches(0, 0xfea00000)); /* MMIO is no DMA target */
	CHECK(iommu_reaches(2, 0x1000));
}

/* Without interrupt remapping the IOMMU still isolates DMA; MSIs are checked as written, but
 * a bus master can write any message to 0xfee00000: the boot line does not claim full
 * containment. */
FRESH_TEST(test_domains_without_remapping)
{
	ir_on = false;
	probe_ok = true;
	iommu_setup();
	CHECK(iommu_active());
	CHECK(!iommu_remaps_interrupts());
	CHECK_LOG("interrupt remapping off: a device reaches only its partition's memory; a "
		  "bus-master device can still interrupt any CPU (a DMA write to "
		  "0xfee00000-0xfeefffff), so its partition is trusted with interrupts\n");
	CHECK_EQ(capture_lines(), 1);
}

/* With it, the line ends with the memory claim. */
FRESH_TEST(test_boot_line_with_remapping)
{
	probe_ok = true;
	iommu_setup();
	CHECK_LOG("interrupt remapping on: a device reaches only its partition's memory\n");
	CHECK(!capture_has("trusted with interrupts"));
}

/* A partition refused at boot gets no domain: its functions stay blocked (never attached). */
FRESH_TEST(test_refused_at_boot_skipped)
{
	refused[2] = true;
	probe_ok = true;
	iommu_setup();
	CHECK(iommu_active());
	for (u32 i = 0; i < ncalls; i++) {
		CHECK(calls[i].kind != CALL_MAP || calls[i].dom != 3);
		CHECK(calls[i].kind != CALL_ATTACH || calls[i].bdf != RT1_BDF);
	}
	CHECK(find_attach(EDU_BDF, 1) >= 0);
	CHECK(find_attach(NIC_BDF, 2) >= 0);
	CHECK(iommu_problem(2) == NULL);
}

/* A region that cannot be mapped: the partition's problem, its functions blocked (domain 0);
 * the others as usual. */
FRESH_TEST(test_map_failure)
{
	map_fail_phys = 0x10000000;
	probe_ok = true;
	iommu_setup();
	CHECK(iommu_active());
	CHECK(iommu_problem(1) != NULL);
	if (iommu_problem(1))
		CHECK(strstr(iommu_problem(1), "cannot be mapped") != NULL);
	CHECK(iommu_problem(0) == NULL);
	CHECK(iommu_problem(2) == NULL);
	CHECK(find_attach(NIC_BDF, 0) >= 0);
	CHECK(find_attach(DISK_BDF, 0) >= 0);
	CHECK(find_attach(NIC_BDF, 2) < 0);
	CHECK(find_attach(DISK_BDF, 2) < 0);
	CHECK(find_attach(EDU_BDF, 1) >= 0);
	CHECK(find_attach(RT1_BDF, 3) >= 0);
}

/* A function no unit translates: its partition's problem. */
FRESH_TEST(test_attach_failure)
{
	attach_fail_bdf = DISK_BDF;
	probe_ok = true;
	iommu_setup();
	CHECK(iommu_active());
	CHECK(iommu_problem(1) != NULL);
	if (iommu_problem(1))
		CHECK(strstr(iommu_problem(1), "no IOMMU unit") != NULL);
	CHECK(iommu_problem(0) == NULL);
	CHECK(iommu_problem(2) == NULL);
	CHECK(iommu_problem(PT_MAX_PARTITIONS) == NULL);
}

/* A function with the source-id of the I/O APIC or an HPET (the attach says E_INVAL): its
 * partition's problem says so, not that no unit translates it. */
FRESH_TEST(test_attach_reserved_sid)
{
	attach_fail_bdf = NIC_BDF;
	attach_fail_rc = E_INVAL;
	probe_ok = true;
	iommu_setup();
	CHECK(iommu_active());
	CHECK(iommu_problem(1) != NULL);
	if (iommu_problem(1))
		CHECK_EQ(strcmp(iommu_problem(1), "one of its functions has the source-id of the "
						  "I/O APIC or the HPET"),
			 0);
	CHECK(iommu_problem(0) == NULL);
	CHECK(iommu_problem(2) == NULL);
	/* the partition's other function is not attached to its domain either */
	CHECK(find_attach(DISK_BDF, 0) >= 0);
	CHECK(find_attach(DISK_BDF, 2) < 0);
}

/* A RAM region over a unit's registers: never mapped (a device could reprogram the IOMMU),
 * the partition's problem says why, its functions blocked; the others as usual. */
FRESH_TEST(test_region_over_iommu_registers)
{
	regs_base = 0x4300000; /* inside rt1's RAM, 0x4200000-0x43fffff */
	regs_size = 0x1000;
	probe_ok = true;
	iommu_setup();
	CHECK(iommu_active());
	CHECK(iommu_problem(2) != NULL);
	if (iommu_problem(2))
		CHECK(strstr(iommu_problem(2), "covers the IOMMU's registers") != NULL);
	for (u32 i = 0; i < ncalls && i < 64; i++)
		CHECK(calls[i].kind != CALL_MAP || calls[i].phys != 0x4200000);
	CHECK(find_attach(RT1_BDF, 0) >= 0);
	CHECK(find_attach(RT1_BDF, 3) < 0);
	CHECK(iommu_problem(0) == NULL);
	CHECK(iommu_problem(1) == NULL);
	CHECK(find_attach(EDU_BDF, 1) >= 0);
}

/* The units would not come up: as without an IOMMU, no partition's problem left. */
FRESH_TEST(test_enable_failure)
{
	enable_rc = E_TIMEOUT;
	map_fail_phys = 0x4200000;
	probe_ok = true;
	iommu_setup();
	CHECK_EQ(count_calls(CALL_ENABLE), 1);
	CHECK(!iommu_active());
	CHECK(!iommu_remaps_interrupts());
	CHECK(iommu_problem(2) == NULL);
	CHECK_LOG("bulkhead: dma: the iommu would not come up: as without one");
	CHECK(!iommu_reaches(0, 0x1000));
	ncalls = 0;
	iommu_detach(0);
	CHECK_EQ(ncalls, 0);
}

/* An RMRR naming an assigned function: mapped 1:1 (whole pages, read/write) in its owner's
 * domain only, before the units are enabled; one naming nobody's: not mapped. */
FRESH_TEST(test_rmrr)
{
	rmrrs[0].base = 0x7f000000;
	rmrrs[0].end = 0x7f010800; /* not page aligned: rounded up */
	rmrrs[0].bdf = NIC_BDF;
	rmrrs[1].base = 0x7e000000;
	rmrrs[1].end = 0x7e001000;
	rmrrs[1].bdf = PT_BDF(0, 0x1d, 0);
	nrmrrs = 2;
	probe_ok = true;
	iommu_setup();
	CHECK(iommu_active());
	CHECK(find_map(2, 0x7f000000, 0x7f000000, 0x11000, MEM_RW) >= 0);
	CHECK(find_map(2, 0x7f000000, 0x7f000000, 0x11000, MEM_RW) < find_enable());
	CHECK_EQ(count_calls(CALL_MAP), 6);
	for (u32 i = 0; i < ncalls; i++)
		CHECK(calls[i].kind != CALL_MAP || calls[i].dom == 2 || calls[i].iova < 0x7e000000);
	CHECK_LOG("iommu: reserved region 0x7f000000-0x7f0107ff for 00:03.0: mapped 1:1 for "
		  "partition linux\n");
	CHECK_LOG("iommu: reserved region 0x7e000000-0x7e000fff: for no device of a partition, "
		  "not mapped\n");
}

/* An RMRR over usable RAM (where Bulkhead and the partitions live) or malformed (its end not
 * above its base) is not mapped, and the log says why; one naming a device of a partition
 * refused at boot is mapped for nobody. */
FRESH_TEST(test_rmrr_refused)
{
	ram[0] = (struct pmem_range){0x100000, 0x7f000000};
	ram[1] = (struct pmem_range){0x100000000ull, 0x180000000ull};
	nram = 2;
	rmrrs[0].base = 0x7effe000; /* over RAM's last two pages */
	rmrrs[0].end = 0x7f001000;
	rmrrs[0].bdf = NIC_BDF;
	rmrrs[1].base = 0x7f800000;
	rmrrs[1].end = 0x7f800000; /* empty */
	rmrrs[1].bdf = DISK_BDF;
	rmrrs[2].base = 0x7f900000;
	rmrrs[2].end = 0x7f901000;
	rmrrs[2].bdf = RT1_BDF; /* rt1 is refused */
	rmrrs[3].base = 0x17ffff000ull;
	rmrrs[3].end = 0x180001000ull; /* the end of RAM above 4 GiB */
	rmrrs[3].bdf = EDU_BDF;
	nrmrrs = 4;
	refused[2] = true;
	probe_ok = true;
	iommu_setup();
	CHECK(iommu_active());
	CHECK_EQ(count_calls(CALL_MAP), 4); /* rt0's and linux's regions only */
	for (u32 i = 0; i < ncalls && i < 64; i++)
		CHECK(calls[i].kind != CALL_MAP || calls[i].iova < 0x7e000000);
	CHECK_LOG("iommu: reserved region 0x7effe000-0x7f000fff for 00:03.0: not mapped: it lies "
		  "in usable RAM\n");
	CHECK_LOG("iommu: reserved region 0x7f800000-0x7f7fffff for 01:00.0: not mapped: "
		  "malformed\n");
	CHECK_LOG("iommu: reserved region 0x7f900000-0x7f900fff: for no device of a partition, "
		  "not mapped\n");
	CHECK_LOG("iommu: reserved region 0x17ffff000-0x180000fff for 00:02.0: not mapped: it "
		  "lies in usable RAM\n");
	CHECK(!capture_has("mapped 1:1"));
}

/* Next to RAM but not in it: mapped. */
FRESH_TEST(test_rmrr_beside_ram)
{
	ram[0] = (struct pmem_range){0x100000, 0x7f000000};
	nram = 1;
	rmrrs[0].base = 0x7f000000;
	rmrrs[0].end = 0x7f001000;
	rmrrs[0].bdf = NIC_BDF;
	rmrrs[1].base = 0xff000;
	rmrrs[1].end = 0x100000;
	rmrrs[1].bdf = DISK_BDF;
	nrmrrs = 2;
	probe_ok = true;
	iommu_setup();
	CHECK(find_map(2, 0x7f000000, 0x7f000000, 0x1000, MEM_RW) >= 0);
	CHECK(find_map(2, 0xff000, 0xff000, 0x1000, MEM_RW) >= 0);
	CHECK_LOG("iommu: reserved region 0x7f000000-0x7f000fff for 00:03.0: mapped 1:1 for "
		  "partition linux\n");
	CHECK(!capture_has("not mapped"));
}

/* A partition refused later: its PCI functions back to domain 0 (blocked), nobody else's. */
FRESH_TEST(test_detach)
{
	boot();
	iommu_detach(1);
	CHECK_EQ(ncalls, 2);
	CHECK(find_attach(NIC_BDF, 0) >= 0);
	CHECK(find_attach(DISK_BDF, 0) >= 0);
	ncalls = 0;
	iommu_detach(0);
	CHECK_EQ(ncalls, 1);
	CHECK(find_attach(EDU_BDF, 0) >= 0);
	ncalls = 0;
	iommu_detach(7); /* no such partition */
	CHECK_EQ(ncalls, 0);
}

/* ---- MSIs ------------------------------------------------------------------------------- */

/* An allowed message: a present entry at its place with the message's vector and CPU, the
 * device's source-id; the device gets the message arch_iommu_msi_message() gives. */
FRESH_TEST(test_msi_allowed)
{
	u32 lo, data;

	boot();
	msi(1, 0, NIC_BDF, 0, 1, 0xfee02000u, 0x0041, &lo, &data);
	CHECK_EQ(irte_writes, 1);
	CHECK(irt[IRTE(1, 0, 0)].present);
	CHECK_EQ(irt[IRTE(1, 0, 0)].e.vector, 0x41);
	CHECK_EQ(irt[IRTE(1, 0, 0)].e.apic_id, 2);
	CHECK_EQ(irt[IRTE(1, 0, 0)].e.sid, NIC_BDF);
	CHECK(!irt[IRTE(1, 0, 0)].e.lowest);
	CHECK(!irt[IRTE(1, 0, 0)].e.level);
	CHECK_EQ(msg_index, IRTE(1, 0, 0));
	CHECK(!msg_subhandle);
	CHECK_EQ(lo, 0xabc00000u | IRTE(1, 0, 0));
	CHECK_EQ(data, 0x5000);

	/* four vectors from 0x40 (0x43 & ~3), lowest priority, its other CPU: consecutive */
	msi(1, 1, DISK_BDF, 0, 4, 0xfee03008u, 0x0143, &lo, &data);
	for (u32 n = 0; n < 4; n++) {
		CHECK(irt[IRTE(1, 1, n)].present);
		CHECK_EQ(irt[IRTE(1, 1, n)].e.vector, 0x40 + n);
		CHECK_EQ(irt[IRTE(1, 1, n)].e.apic_id, 3);
		CHECK_EQ(irt[IRTE(1, 1, n)].e.sid, DISK_BDF);
		CHECK(irt[IRTE(1, 1, n)].e.lowest);
	}
	CHECK_EQ(irt[IRTE(1, 1, 4)].writes, 0);
	CHECK_EQ(msg_index, IRTE(1, 1, 0));
	CHECK(msg_subhandle);
	CHECK_EQ(lo, 0xabc00000u | IRTE(1, 1, 0));
	CHECK_EQ(data, 0x5001);

	/* an MSI-X entry of rt0's function */
	msi(0, 0, EDU_BDF, 5, 1, 0xfee01000u, 0x0050, &lo, &data);
	CHECK(irt[IRTE(0, 0, 5)].present);
	CHECK_EQ(irt[IRTE(0, 0, 5)].e.vector, 0x50);
	CHECK_EQ(irt[IRTE(0, 0, 5)].e.apic_id, 1);
	CHECK_EQ(irt[IRTE(0, 0, 5)].e.sid, EDU_BDF);
	CHECK_EQ(lo, 0xabc00000u | IRTE(0, 0, 5));
	CHECK_EQ(irte_writes, 6);
	CHECK_EQ(capture_lines(), 0);
	CHECK_EQ(ncalls, 0);
}

/* A message the partition may not send: its entries written not present (the device still
 * names them, and is blocked), named once per device. */
FRESH_TEST(test_msi_blocked)
{
	u32 lo, data;

	boot();
	msi(1, 0, NIC_BDF, 0, 1, 0xfee02000u, 0x0041, &lo, &data);
	CHECK(irt[IRTE(1, 0, 0)].present);
	/* another partition's CPU */
	msi(1, 0, NIC_BDF, 0, 1, 0xfee01000u, 0x0041, &lo, &data);
	CHECK_EQ(irt[IRTE(1, 0, 0)].writes, 2);
	CHECK(!irt[IRTE(1, 0, 0)].present);
	CHECK_EQ(lo, 0xabc00000u | IRTE(1, 0, 0));
	CHECK_LOG("iommu: 00:03.0 of partition linux: msi data 0x41 (destination is not one of "
		  "its CPUs) at 0xfee01000 blocked\n");
	CHECK_EQ(capture_lines(), 1);
	/* a vector below 0x20, four of them: all four not present; not named again */
	msi(1, 0, NIC_BDF, 0, 4, 0xfee02000u, 0x0010, &lo, &data);
	for (u32 n = 0; n < 4; n++) {
		CHECK(irt[IRTE(1, 0, n)].writes >= 1);
		CHECK(!irt[IRTE(1, 0, n)].present);
	}
	CHECK_EQ(capture_lines(), 1);
	/* logical mode, on the other function: named for it */
	msi(1, 1, DISK_BDF, 3, 1, 0xfee02004u, 0x0041, &lo, &data);
	CHECK_EQ(irt[IRTE(1, 1, 3)].writes, 1);
	CHECK(!irt[IRTE(1, 1, 3)].present);
	CHECK_LOG("iommu: 01:00.0 of partition linux: msi data 0x41 (logical or extended "
		  "destination) at 0xfee02004 blocked\n");
	CHECK_EQ(capture_lines(), 2);
	/* the broadcast ID, NMI delivery, an address outside the range: blocked, not named */
	msi(0, 0, EDU_BDF, 0, 1, 0xfeeff000u, 0x0041, &lo, &data);
	CHECK_EQ(capture_lines(), 3);
	msi(0, 0, EDU_BDF, 1, 1, 0xfee01000u, 0x0402, &lo, &data);
	msi(0, 0, EDU_BDF, 2, 1, 0xfed01000u, 0x0041, &lo, &data);
	for (u32 n = 0; n < 3; n++) {
		CHECK_EQ(irt[IRTE(0, 0, n)].writes, 1);
		CHECK(!irt[IRTE(0, 0, n)].present);
	}
	CHECK_EQ(capture_lines(), 3);
	CHECK_EQ(log_count("of partition rt0: msi"), 1);
	/* an interrupt fault of a device already named for its MSI is not named again */
	queue_fault((u16)NIC_BDF, 0x26, true, false, IRTE(1, 0, 0));
	CHECK_EQ(iommu_poll(NULL), 1);
	CHECK_EQ(capture_lines(), 3);
}

/* Past the 32 entries a device has: the blocked entry named, no entry written. */
FRESH_TEST(test_msi_beyond_32)
{
	u32 lo, data;

	boot();
	msi(1, 0, NIC_BDF, 31, 1, 0xfee02000u, 0x0041, &lo, &data);
	CHECK(irt[IRTE(1, 0, 31)].present);
	CHECK_EQ(lo, 0xabc00000u | IRTE(1, 0, 31));
	irte_writes = 0;
	msi(1, 0, NIC_BDF, 32, 1, 0xfee02000u, 0x0041, &lo, &data);
	CHECK_EQ(irte_writes, 0);
	CHECK_EQ(msg_index, IRTE_BLOCKED);
	CHECK(!msg_subhandle);
	CHECK_EQ(lo, 0xabc00000u | IRTE_BLOCKED);
	CHECK_LOG(
	    "iommu: 00:03.0 of partition linux: msi data 0x41 (beyond the 32 vectors a device "
	    "may use) at 0xfee02000 blocked\n");
	/* MSI with 4 vectors from entry 30: runs past 32 */
	msi(1, 1, DISK_BDF, 30, 4, 0xfee02000u, 0x0040, &lo, &data);
	CHECK_EQ(irte_writes, 0);
	CHECK_EQ(msg_index, IRTE_BLOCKED);
	CHECK(!msg_subhandle);
	CHECK_EQ(irt[IRTE(1, 1, 30)].writes, 0);
	CHECK_EQ(irt[IRTE(1, 1, 31)].writes, 0);
	CHECK_EQ(irt[IRTE(2, 0, 0)].writes, 0); /* where entries 32-33 would have gone */
	CHECK_EQ(capture_lines(), 2);
	/* 32 vectors from 0 fit exactly */
	msi(0, 0, EDU_BDF, 0, 32, 0xfee01000u, 0x0020, &lo, &data);
	CHECK_EQ(irte_writes, 32);
	CHECK(irt[IRTE(0, 0, 31)].present);
	CHECK_EQ(irt[IRTE(0, 0, 31)].e.vector, 0x3f);
	CHECK_EQ(irt[IRTE(0, 1, 0)].writes, 0);
}

/* An allowed message whose remapping entry the IOMMU refuses to write: the entry is then
 * written not present, so it does not keep the message it had before. */
FRESH_TEST(test_msi_irte_refused)
{
	u32 lo, data;

	boot();
	msi(1, 0, NIC_BDF, 0, 1, 0xfee02000u, 0x0041, &lo, &data);
	CHECK(irt[IRTE(1, 0, 0)].present);
	CHECK_EQ(irt[IRTE(1, 0, 0)].writes, 1);
	irte_refuse = IRTE(1, 0, 0);
	irte_writes = 0;
	msi(1, 0, NIC_BDF, 0, 1, 0xfee03000u, 0x0042, &lo, &data);
	CHECK_EQ(irte_writes, 2); /* the refused one, then the not-present one */
	CHECK(!irt[IRTE(1, 0, 0)].present);
	CHECK_EQ(irt[IRTE(1, 0, 0)].writes, 2);
	/* a multi-vector MSI: only the refused entry is made not present */
	irte_refuse = IRTE(1, 1, 2);
	msi(1, 1, DISK_BDF, 0, 4, 0xfee02000u, 0x0040, &lo, &data);
	for (u32 n = 0; n < 4; n++)
		CHECK_EQ(irt[IRTE(1, 1, n)].present, n != 2);
	CHECK_EQ(irt[IRTE(1, 1, 2)].writes, 1);
}

/* ---- faults ----------------------------------------------------------------------------- */

/* Each fault counted against its owner's policy; named once per device and kind. */
FRESH_TEST(test_poll_reports)
{
	struct arch_iommu_fault last;

	boot();
	queue_fault((u16)EDU_BDF, 5, false, false, 0x4200000);
	CHECK_EQ(iommu_poll(&last), 1);
	CHECK_LOG("iommu: 00:02.0 of partition rt0: dma write (reason 0x5) at 0x4200000 blocked\n");
	CHECK_EQ(capture_lines(), 1);
	CHECK_EQ(device_faults[0], 1);
	CHECK_EQ(last.sid, EDU_BDF);
	CHECK_EQ(last.addr, 0x4200000);
	/* again, a read: the policy again, no second line */
	queue_fault((u16)EDU_BDF, 6, false, true, 0x5000);
	CHECK_EQ(iommu_poll(NULL), 1);
	CHECK_EQ(capture_lines(), 1);
	CHECK_EQ(device_faults[0], 2);
	/* an interrupt of the same device: named as such, once */
	queue_fault((u16)EDU_BDF, 0x25, true, false, 300);
	queue_fault((u16)EDU_BDF, 0x25, true, false, 301);
	CHECK_EQ(iommu_poll(&last), 2);
	CHECK_EQ(last.addr, 301);
	CHECK_LOG("iommu: 00:02.0 of partition rt0: interrupt (remapping entry 300, reason 0x25) "
		  "at 0xfee00000 blocked\n");
	CHECK_EQ(capture_lines(), 2);
	CHECK_EQ(device_faults[0], 4);
	/* linux reports only: named, no policy */
	queue_fault((u16)DISK_BDF, 2, false, true, 0x10001000);
	CHECK_EQ(iommu_poll(NULL), 1);
	CHECK_LOG("iommu: 01:00.0 of partition linux: dma read (reason 0x2) at 0x10001000 "
		  "blocked\n");
	CHECK_EQ(device_faults[1], 0);
	/* rt1's function: its own policy, its own line */
	queue_fault((u16)RT1_BDF, 5, false, false, 0);
	CHECK_EQ(iommu_poll(NULL), 1);
	CHECK_LOG("iommu: 00:04.0 of partition rt1: dma write (reason 0x5) at 0x0 blocked\n");
	CHECK_EQ(device_faults[2], 1);
	CHECK_EQ(device_faults[0], 4);
	CHECK_EQ(capture_lines(), 4);
	CHECK_EQ(iommu_poll(NULL), 0);
}

/* A requester nobody owns (a legacy device's .bdf is no function of its partition): named
 * once per source-id, no partition's policy. */
FRESH_TEST(test_poll_strangers)
{
	boot();
	queue_fault((u16)LOST_BDF, 2, false, true, 0x1000);
	queue_fault((u16)LOST_BDF, 2, false, true, 0x2000);
	queue_fault((u16)COM2_BDF, 5, false, false, 0x3000);
	queue_fault((u16)COM2_BDF, 0x22, true, false, 7);
	CHECK_EQ(iommu_poll(NULL), 4);
	CHECK_LOG("iommu: 00:1f.3 of no partition: dma read (reason 0x2) at 0x1000 blocked\n");
	CHECK_LOG("iommu: 00:1f.0 of no partition: dma write (reason 0x5) at 0x3000 blocked\n");
	CHECK_EQ(capture_lines(), 2);
	for (u32 i = 0; i < 3; i++)
		CHECK_EQ(device_faults[i], 0);
}

/* Eight requesters of no partition are named, once each; past them one line says more are
 * blocked, and nothing more is written however often they fault. */
FRESH_TEST(test_poll_many_strangers)
{
	boot();
	for (u32 round = 0; round < 3; round++)
		for (u32 s = 0; s < 12; s++)
			queue_fault((u16)PT_BDF(2, s, 0), 2, false, true, 0x1000);
	CHECK_EQ(iommu_poll(NULL), 36);
	CHECK_EQ(capture_lines(), 9);
	CHECK_LOG("iommu: more requesters of no partition are blocked; not named\n");
}

/* A storm: at most 64 faults a call (IOMMU_POLL_MAX: the console polls again when a call
 * returns it), the rest left for the next. */
FRESH_TEST(test_poll_bounded)
{
	CHECK_EQ(IOMMU_POLL_MAX, 64);
	boot();
	for (u32 i = 0; i < 100; i++)
		queue_fault((u16)EDU_BDF, 5, false, false, 0x1000ull * i);
	CHECK_EQ(iommu_poll(NULL), IOMMU_POLL_MAX);
	CHECK_EQ(fault_tail - fault_head, 36);
	CHECK_EQ(device_faults[0], 64);
	CHECK_EQ(iommu_poll(NULL), 36);
	CHECK_EQ(device_faults[0], 100);
	CHECK_EQ(capture_lines(), 1);
}

/* Fewer than IOMMU_POLL_MAX: all taken, and the count says nothing was left. */
FRESH_TEST(test_poll_below_max)
{
	boot();
	for (u32 i = 0; i < IOMMU_POLL_MAX - 1; i++)
		queue_fault((u16)EDU_BDF, 5, false, false, 0x1000ull * i);
	CHECK(iommu_poll(NULL) < IOMMU_POLL_MAX);
	CHECK_EQ(fault_head, fault_tail);
}

/* After iommu_forget_reports() (the self-test's faults were on purpose) a device's next fault
 * of each kind is named again; the policy is applied either way. */
FRESH_TEST(test_forget_reports)
{
	u32 lo, data;

	boot();
	queue_fault((u16)EDU_BDF, 5, false, false, 0x4200000);
	queue_fault((u16)EDU_BDF, 0x25, true, false, 300);
	CHECK_EQ(iommu_poll(NULL), 2);
	CHECK_EQ(capture_lines(), 2);
	queue_fault((u16)EDU_BDF, 5, false, false, 0x4201000);
	CHECK_EQ(iommu_poll(NULL), 1);
	CHECK_EQ(capture_lines(), 2);
	iommu_forget_reports();
	queue_fault((u16)EDU_BDF, 5, false, false, 0x4202000);
	CHECK_EQ(iommu_poll(NULL), 1);
	CHECK_EQ(capture_lines(), 3);
	CHECK_LOG("iommu: 00:02.0 of partition rt0: dma write (reason 0x5) at 0x4202000 blocked\n");
	queue_fault((u16)EDU_BDF, 0x25, true, false, 301);
	CHECK_EQ(iommu_poll(NULL), 1);
	CHECK_EQ(capture_lines(), 4);
	CHECK_LOG("(remapping entry 301, reason 0x25)");
	CHECK_EQ(device_faults[0], 5);
	/* a blocked MSI of linux's function, named once, then again after forgetting */
	msi(1, 0, NIC_BDF, 0, 1, 0xfee01000u, 0x0041, &lo, &data);
	msi(1, 0, NIC_BDF, 0, 1, 0xfee01000u, 0x0041, &lo, &data);
	CHECK_EQ(capture_lines(), 5);
	iommu_forget_reports();
	msi(1, 0, NIC_BDF, 0, 1, 0xfee01000u, 0x0041, &lo, &data);
	CHECK_EQ(capture_lines(), 6);
}

int main(void)
{
	RUN(test_no_iommu);
	RUN(test_domains);
	RUN(test_domains_without_remapping);
	RUN(test_boot_line_with_remapping);
	RUN(test_refused_at_boot_skipped);
	RUN(test_map_failure);
	RUN(test_attach_failure);
	RUN(test_attach_reserved_sid);
	RUN(test_region_over_iommu_registers);
	RUN(test_enable_failure);
	RUN(test_rmrr);
	RUN(test_rmrr_refused);
	RUN(test_rmrr_beside_ram);
	RUN(test_detach);
	RUN(test_msi_allowed);
	RUN(test_msi_blocked);
	RUN(test_msi_beyond_32);
	RUN(test_msi_irte_refused);
	RUN(test_poll_reports);
	RUN(test_poll_strangers);
	RUN(test_poll_many_strangers);
	RUN(test_poll_bounded);
	RUN(test_poll_below_max);
	RUN(test_forget_reports);
	CHECK_MAIN_END();
}
