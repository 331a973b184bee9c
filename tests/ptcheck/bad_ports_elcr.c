/* expect: includes 0x4d0-0x4d1 (the PICs' edge/level control) */
/* The PICs' edge/level control register granted (one port of it is enough). */
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
	.ports = PT_PORTS({.base = 0x4d1, .count = 1}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
