/* expect: devices[0].ports: 0x3f8-0x3ff (device "com1") includes COM1 (0x3f8-0x3ff) */
/* COM1 given to a partition as a legacy device. */
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
	.devices =
	    PT_DEVICES({.kind = DEV_LEGACY, .name = "com1", .ports = {.base = 0x3f8, .count = 8}}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
