/*
 * Unit tests for core/dma_identity.c: the identity rule a machine without an IOMMU holds a
 * partition with a bus-master device to. The first cases are the tables tools/ptcheck
 * refused at build time before the rule moved to boot (tests/ptcheck/bad_dma_*.c).
 */
#include <stdio.h>
#include <string.h>

#include "bulkhead/ptable.h"
#include "core/dma_identity.h"
#include "tests/unit/check.h"

#define NIC(dev_name)                                                                              \
	{                                                                                          \
		.kind = DEV_PCI, .name = dev_name, .bdf = PT_BDF(0, 0x19, 0),                      \
		.bar = {[0] = {.kind = BAR_MEM, .base = 0xfebc0000, .size = 0x20000}}, .irq = 11,  \
	}
#define RAM(p, s, g)                                                                               \
	{                                                                                          \
		.phys = (p), .size = (s), .guest = (g), .access = MEM_RWX, .kind = REGION_RAM,     \
	}

static char why[256];

/* The rule's verdict on c, `why` cleared first so a stale reason cannot pass for a new one. */
static bool problem(const struct partition_config *c)
{
	memset(why, 0, sizeof(why));
	return dma_identity_problem(c, why, sizeof(why));
}

/* bad_dma_identity.c: a bus-mastering device, RAM not identity-mapped. */
static void test_ram_not_identity(void)
{
	const struct partition_config c = {
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .mem = PT_REGIONS(RAM(0x4000000, 0x200000, 0x0)),
	    .devices = PT_DEVICES(NIC("nic")),
	};

	CHECK(problem(&c));
	CHECK(strcmp(why, "mem[0].guest: RAM at guest 0x0 is host 0x4000000, but devices[0] "
			  "(device \"nic\") may do DMA, which reaches host-physical addresses: "
			  "this machine has no IOMMU (VT-d): map guest = phys, or set "
			  "DEV_NO_DMA") == 0);
}

/* bad_dma_linux_low.c: Linux keeps DMA out of its first megabyte only: a low region running
 * past it is not exempt. */
static void test_linux_low_past_megabyte(void)
{
	const struct partition_config c = {
	    .name = "linux",
	    .kind = PART_LINUX,
	    .mem = PT_REGIONS(RAM(0x4400000, 0x101000, 0x0), RAM(0x8000000, 128 * MiB, 0x8000000)),
	    .devices = PT_DEVICES(NIC("e1000")),
	};

	CHECK(problem(&c));
	CHECK(strstr(why, "mem[0].guest: RAM at guest 0x0 is host 0x4400000, but devices[0] "
			  "(device \"e1000\") may do DMA") == why);
}

/* bad_dma_payload_low.c: only Linux keeps DMA out of its first megabyte: a payload's low
 * region is not exempt. */
static void test_payload_low_not_exempt(void)
{
	const struct partition_config c = {
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .mem = PT_REGIONS(RAM(0x4400000, 0x100000, 0x0), RAM(0x8000000, 0x200000, 0x8000000)),
	    .devices = PT_DEVICES(NIC("nic")),
	};

	CHECK(problem(&c));
	CHECK(strstr(why, "mem[0].guest: RAM at guest 0x0 is host 0x4400000, but devices[0] "
			  "(device \"nic\") may do DMA") == why);
}

/* bad_dma_shared.c: shared memory is where a buffer may lie too. */
static void test_shared_not_identity(void)
{
	const struct partition_config c = {
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .mem = PT_REGIONS(RAM(0x4000000, 0x200000, 0x4000000), {.phys = 0x5000000,
								    .size = 0x1000,
								    .guest = 0x200000,
								    .access = MEM_RW,
								    .kind = REGION_SHARED}),
	    .devices = PT_DEVICES(NIC("nic")),
	};

	CHECK(problem(&c));
	CHECK(strstr(why, "mem[1].guest: SHARED at guest 0x200000 is host 0x5000000, but "
			  "devices[0] (device \"nic\") may do DMA") == why);
}

/* partitions/net.c's shape: Linux's first megabyte elsewhere, the rest identity-mapped. */
static void test_linux_low_megabyte_exempt(void)
{
	const struct partition_config c = {
	    .name = "linux",
	    .kind = PART_LINUX,
	    .mem = PT_REGIONS(RAM(0x7f00000, 1 * MiB, 0x0), RAM(0x8000000, 128 * MiB, 0x8000000)),
	    .devices = PT_DEVICES(NIC("e1000")),
	};

	strcpy(why, "untouched");
	CHECK(!dma_identity_problem(&c, why, sizeof(why)));
	CHECK(strcmp(why, "untouched") == 0);
}

/* A region below 1 MiB that is not a whole range (size 0: ptcheck refuses it) is not exempt:
 * the exemption is for a range known to lie wholly below 1 MiB. */
static void test_linux_low_uncomparable_not_exempt(void)
{
	const struct partition_config c = {
	    .kind = PART_LINUX,
	    .mem = PT_REGIONS(RAM(0x8000000, 0, 0x0)),
	    .devices = PT_DEVICES(NIC("e1000")),
	};

	CHECK(problem(&c));
	CHECK(strstr(why, "mem[0].guest: RAM at guest 0x0 is host 0x8000000") == why);
}

/* No bus master, no rule: DEV_NO_DMA, a legacy device, no device at all. */
static void test_no_bus_master(void)
{
	struct partition_config c = {
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .mem = PT_REGIONS(RAM(0x4000000, 0x200000, 0x0)),
	    .devices = PT_DEVICES(
		{.kind = DEV_PCI, .name = "nic", .bdf = PT_BDF(0, 0x19, 0), .flags = DEV_NO_DMA},
		{.kind = DEV_LEGACY,
		 .name = "com2",
		 .ports = {.base = 0x2f8, .count = 8},
		 .irq = 3}),
	};

	CHECK(!problem(&c));
	CHECK(why[0] == 0);
	c.devices.count = 0;
	CHECK(!problem(&c));
}

/* The first bus master is the one named, after a DEV_NO_DMA function and a legacy device;
 * MMIO is a device's registers, not memory a buffer lies in, and is passed over. */
static void test_names_first_bus_master(void)
{
	const struct partition_config c = {
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .mem = PT_REGIONS(RAM(0x4000000, 0x200000, 0x4000000),
			      {.phys = 0xfed00000,
			       .size = 0x1000,
			       .guest = 0x10000000,
			       .access = MEM_RW,
			       .kind = REGION_MMIO},
			      RAM(0x6000000, 0x200000, 0x7000000)),
	    .devices = PT_DEVICES(
		{.kind = DEV_PCI, .name = "quiet", .bdf = PT_BDF(0, 3, 0), .flags = DEV_NO_DMA},
		{.kind = DEV_LEGACY, .name = "com2", .irq = 3}, NIC("nic"), NIC("nic2")),
	};

	CHECK(problem(&c));
	CHECK(strstr(why, "mem[2].guest: RAM at guest 0x7000000 is host 0x6000000, but "
			  "devices[2] (device \"nic\") may do DMA") == why);
}

/* Identity-mapped RAM and SHARED regions break no rule, whatever the partition's kind. */
static void test_identity_ok(void)
{
	struct partition_config c = {
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .mem = PT_REGIONS(RAM(0x4000000, 0x200000, 0x4000000), {.phys = 0x5000000,
								    .size = 0x1000,
								    .guest = 0x5000000,
								    .access = MEM_RW,
								    .kind = REGION_SHARED}),
	    .devices = PT_DEVICES(NIC("nic")),
	};

	CHECK(!problem(&c));
	c.kind = PART_LINUX;
	CHECK(!problem(&c));
}

/* Counts past the arrays are not trusted: the walk stops at PT_MAX_REGIONS and
 * PT_MAX_DEVICES (AddressSanitizer sees a read past the object). */
static void test_counts_bounded(void)
{
	static struct {
		struct partition_config c;
	} s;

	for (u32 i = 0; i < PT_MAX_REGIONS; i++)
		s.c.mem.r[i] = (struct pt_region)RAM(0x4000000 + i * 0x200000, 0x200000,
						     0x4000000 + i * 0x200000);
	s.c.mem.count = 0xffffffffu;
	s.c.devices.count = 0xffffffffu;
	CHECK(!problem(&s.c)); /* no bus master among PT_MAX_DEVICES empty entries */
	s.c.devices.d[PT_MAX_DEVICES - 1] = (struct pt_device)NIC("last");
	CHECK(!problem(&s.c)); /* every region identity-mapped */
	s.c.mem.r[PT_MAX_REGIONS - 1].guest = 0;
	CHECK(problem(&s.c));
	CHECK(strstr(why, "mem[7].guest: RAM at guest 0x0 is host 0x4e00000, but devices[7] "
			  "(device \"last\")") == why);
}

/* A small buffer gets as much of the reason as fits, NUL-terminated; none is written to. */
static void test_small_buffer(void)
{
	const struct partition_config c = {
	    .kind = PART_PAYLOAD,
	    .mem = PT_REGIONS(RAM(0x4000000, 0x200000, 0x0)),
	    .devices = PT_DEVICES(NIC("nic")),
	};
	char small[12];

	memset(small, 'x', sizeof(small));
	CHECK(dma_identity_problem(&c, small, sizeof(small)));
	CHECK(strcmp(small, "mem[0].gues") == 0);
	CHECK(dma_identity_problem(&c, NULL, 0));
}

int main(void)
{
	RUN(test_ram_not_identity);
	RUN(test_linux_low_past_megabyte);
	RUN(test_payload_low_not_exempt);
	RUN(test_shared_not_identity);
	RUN(test_linux_low_megabyte_exempt);
	RUN(test_linux_low_uncomparable_not_exempt);
	RUN(test_no_bus_master);
	RUN(test_names_first_bus_master);
	RUN(test_identity_ok);
	RUN(test_counts_bounded);
	RUN(test_small_buffer);
	CHECK_MAIN_END();
}
