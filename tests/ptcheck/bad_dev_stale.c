/* expect: partition "rt0": devices[1]: filled in past devices.count (1); use PT_DEVICES() */
/* A second device filled in, the count left at one. */
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
	.devices = {.d = {{.kind = DEV_LEGACY,
			   .name = "com2",
			   .ports = {.base = 0x2f8, .count = 8},
			   .irq = 3},
			  {.kind = DEV_LEGACY,
			   .name = "com4",
			   .ports = {.base = 0x2e8, .count = 8},
			   .irq = 3}},
		    .count = 1},
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
