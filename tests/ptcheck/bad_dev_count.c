/* expect: partition "rt0": devices.count: 9 devices, at most 8 (PT_MAX_DEVICES) */
/* A device count larger than the list. */
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
			   .irq = 3}},
		    .count = 9},
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
