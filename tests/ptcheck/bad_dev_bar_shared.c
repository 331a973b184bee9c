/* expect: devices[0].bar[2]: 0x2f8-0x2ff (device "uart") overlaps devices[0].ports (device */
/* An I/O BAR on another partition's legacy device. */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "test",
    .parts = PT_PARTITIONS(
	{
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(1),
	    .mem = PT_REGIONS({.phys = 0x4000000,
			       .size = 0x200000,
			       .guest = 0x0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM}),
	    .devices = PT_DEVICES({.kind = DEV_LEGACY,
				   .name = "com2",
				   .ports = {.base = 0x2f8, .count = 8},
				   .irq = 3}),
	    .module = "rt0",
	    .fault = FAULT_STOP,
	},
	{
	    .name = "rt1",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(2),
	    .mem = PT_REGIONS({.phys = 0x4200000,
			       .size = 0x200000,
			       .guest = 0x0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM}),
	    .devices = PT_DEVICES({.kind = DEV_PCI,
				   .name = "uart",
				   .bdf = PT_BDF(0, 0x16, 3),
				   .bar = {[2] = {.kind = BAR_IO, .base = 0x2f8, .size = 8}},
				   .flags = DEV_NO_DMA}),
	    .module = "rt1",
	    .fault = FAULT_STOP,
	}),
};
