/* expect: devices[0].irq: 3 (device "com4") is also the irq of devices[0] (device "com2") of */
/* One interrupt line in two partitions. */
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
	    .devices = PT_DEVICES({.kind = DEV_LEGACY,
				   .name = "com4",
				   .ports = {.base = 0x2e8, .count = 8},
				   .irq = 3}),
	    .module = "rt1",
	    .fault = FAULT_STOP,
	}),
};
