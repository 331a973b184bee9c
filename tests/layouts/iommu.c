/*
 * QEMU's q35 machine with an IOMMU and its edu test device (tests/emu/iommu.sh): rt0 owns the
 * edu at 00:02.0 (SeaBIOS puts its 1 MiB BAR0 at 0xfea00000 when no other device is added)
 * and its RAM is NOT mapped guest = host, which only an IOMMU makes safe; rt1 is the
 * neighbour whose RAM the edu must not reach. The boot option iommu-test=00:02.0 makes the
 * edu DMA and interrupt on purpose.
 */
#include "bulkhead/ptable.h"

#define RAM(at)                                                                                    \
	PT_REGIONS(                                                                                \
	    {.phys = (at), .size = 2 * MiB, .guest = 0, .access = MEM_RWX, .kind = REGION_RAM})

const struct partition_table partition_table = {
    .layout = "iommu",
    .parts = PT_PARTITIONS(
	{
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(1),
	    .mem = RAM(0x4000000),
	    .devices = PT_DEVICES({
		.kind = DEV_PCI,
		.name = "edu",
		.bdf = PT_BDF(0, 2, 0),
		.bar = {[0] = {.kind = BAR_MEM, .base = 0xfea00000, .size = 0x100000}},
	    }),
	    .module = "rt0",
	    .fault = FAULT_STOP,
	},
	{
	    .name = "rt1",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(2),
	    .mem = RAM(0x4200000),
	    .module = "rt1",
	    .fault = FAULT_STOP,
	}),
};
