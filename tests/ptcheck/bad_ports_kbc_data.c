/* expect: partition "rt0": ports[0]: 0x60-0x60 includes 0x60 (keyboard controller data */
/* The keyboard controller's data port alone: with command 0xd1 it drives reset and A20. */
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
	.ports = PT_PORTS({.base = 0x60, .count = 1}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
