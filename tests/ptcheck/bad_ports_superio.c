/* expect: ports[0]: 0x2e-0x2f includes 0x2e-0x2f (the Super I/O chip's configuration ports) */
/* The Super I/O configuration ports: index 0x07 selects a device, 0x60-0x61 move its ports. */
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
	.ports = PT_PORTS({.base = 0x2e, .count = 2}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
