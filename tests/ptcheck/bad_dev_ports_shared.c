/* expect: devices[0].ports: 0x2f8-0x2ff (device "com2") overlaps ports[0] of partition "rt0" */
/* A legacy device on a port another partition is granted. */
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
	    .ports = PT_PORTS({.base = 0x2fc, .count = 1}),
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
				   .name = "com2",
				   .ports = {.base = 0x2f8, .count = 8},
				   .irq = 3}),
	    .module = "rt1",
	    .fault = FAULT_STOP,
	}),
};
