/* expect: partition "rt0": devices[0].ports.count: no ports (device "com2") */
/* A legacy device without ports. */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "test",
    .parts = PT_PARTITIONS({
	.name = "rt0",
	.kind = PART_PAYLOAD,
	.cpus = PT_CPUS(1),
	.mem = PT_REGIONS({.phys = 0x4000000,
			   .size = 0x200000,
			   .guest = 0x0,
			   .access = MEM_RWX,
			   .kind = REGION_RAM}),
	.devices = PT_DEVICES(
	    {.kind = DEV_LEGACY, .name = "com2", .ports = {.base = 0x2f8, .count = 0}, .irq = 3}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
