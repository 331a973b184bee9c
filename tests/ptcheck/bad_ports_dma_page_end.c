/* expect: partition "rt0": ports[0]: 0x8f-0x90 includes 0x81-0x8f (the DMA page registers) */
/* The last DMA page register. */
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
	.ports = PT_PORTS({.base = 0x8f, .count = 2}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
