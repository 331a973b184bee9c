/* expect: partition "rt0": ports[0]: 0x60-0x64 includes 0x64 (keyboard controller command: 0xfe */
/* The keyboard controller (0x60 and 0x64) granted: it can reset the machine and flip A20. */
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
	.ports = PT_PORTS({.base = 0x60, .count = 5}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
