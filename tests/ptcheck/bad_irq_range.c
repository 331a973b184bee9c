/* expect: partition "rt0": devices[0].irq: 240 (device "com2") is not below 240 (PT_MAX_GSI) */
/* An interrupt input the I/O APICs do not have. */
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
	    {.kind = DEV_LEGACY, .name = "com2", .ports = {.base = 0x2f8, .count = 8}, .irq = 240}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
