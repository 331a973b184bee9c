/* expect: ports[0]: 0xdf-0xdf includes 0xc0-0xdf (the second 8237 DMA controller) */
/* The last port of the second ISA DMA controller. */
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
	.ports = PT_PORTS({.base = 0xdf, .count = 1}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
