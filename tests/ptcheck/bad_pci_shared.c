/* expect: devices[0].bdf: 00:19.0 (device "nic-b") is also devices[0] (device "nic-a") of */
/* One PCI function given to two partitions. */
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
	    .devices = PT_DEVICES(
		{.kind = DEV_PCI, .name = "nic-a", .bdf = PT_BDF(0, 0x19, 0), .flags = DEV_NO_DMA}),
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
	    .devices = PT_DEVICES(
		{.kind = DEV_PCI, .name = "nic-b", .bdf = PT_BDF(0, 0x19, 0), .flags = DEV_NO_DMA}),
	    .module = "rt1",
	    .fault = FAULT_STOP,
	}),
};
