/* expect: ports[0]: 0xcfc-0xcff includes the PCI configuration ports (0xcf8-0xcff) */
/* PCI CONFIG_DATA granted: every device's configuration space (BARs, bus mastering) with it. */
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
	.ports = PT_PORTS({.base = 0xcfc, .count = 4}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
