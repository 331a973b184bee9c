/* expect: ok */
/* Devices: a bus-mastering NIC (two BARs, GSI 11) for an identity-mapped Linux whose first
 * megabyte is not (Linux keeps DMA out of it), COM2 and COM4 sharing IRQ 3 in one payload,
 * and a PCI function kept from DMA in a partition that is not identity-mapped. */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "test",
    .parts = PT_PARTITIONS(
	{
	    .name = "linux",
	    .kind = PART_LINUX,
	    .cpus = PT_CPUS(1, 2),
	    .mem = PT_REGIONS({.phys = 0x4400000,
			       .size = 0x100000,
			       .guest = 0x0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM},
			      {.phys = 0x8000000,
			       .size = 128 * MiB,
			       .guest = 0x8000000,
			       .access = MEM_RWX,
			       .kind = REGION_RAM}),
	    .devices =
		PT_DEVICES({.kind = DEV_PCI,
			    .name = "e1000",
			    .bdf = PT_BDF(0, 0x19, 0),
			    .bar = {[0] = {.kind = BAR_MEM, .base = 0xfebc0000, .size = 0x20000},
				    [2] = {.kind = BAR_IO, .base = 0xc000, .size = 0x40}},
			    .irq = 11}),
	    .cmdline = "console=ttyS0",
	    .module = "linux",
	    .fault = FAULT_STOP,
	},
	{
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(3),
	    .mem = PT_REGIONS({.phys = 0x4000000,
			       .size = 0x200000,
			       .guest = 0x0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM}),
	    .devices =
		PT_DEVICES({.kind = DEV_LEGACY,
			    .name = "com2",
			    .ports = {.base = 0x2f8, .count = 8},
			    .irq = 3},
			   {.kind = DEV_LEGACY,
			    .name = "com4",
			    .ports = {.base = 0x2e8, .count = 8},
			    .irq = 3},
			   {.kind = DEV_PCI,
			    .name = "sensor",
			    .bdf = PT_BDF(0, 0x1f, 3),
			    .bar = {[4] = {.kind = BAR_MEM, .base = 0xfebf0000, .size = 0x4000},
				    [5] = {.kind = BAR_MEM, .base = 0xfe000000, .size = 0x100000}},
			    .irq = 16,
			    .flags = DEV_NO_DMA}),
	    .module = "rt0",
	    .fault = FAULT_STOP,
	}),
};
