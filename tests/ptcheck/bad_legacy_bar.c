/* expect: devices[0].bar[0]: set on a legacy device (device "com2"); its ports are .ports */
/* A BAR on a legacy device. */
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
	    PT_DEVICES({.kind = DEV_LEGACY,
			.name = "com2",
			.ports = {.base = 0x2f8, .count = 8},
			.irq = 3,
			.bar = {[0] = {.kind = BAR_MEM, .base = 0xfebc0000, .size = 0x1000}}}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
