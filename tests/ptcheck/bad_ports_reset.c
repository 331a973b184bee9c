/* expect: ports[0]: 0x92-0x92 includes 0x92 (system control port A: bit 0 resets */
/* Port 0x92 granted: its bit 0 resets the whole machine, every partition with it. */
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
	.ports = PT_PORTS({.base = 0x92, .count = 1}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
