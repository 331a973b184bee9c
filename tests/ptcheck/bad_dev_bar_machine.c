/* expect: devices[0].bar[0]: 0x4d0-0x4d3 (device "odd") includes 0x4d0-0x4d1 (the PICs' */
/* An I/O BAR over the PICs' edge/level register. */
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
	.devices = PT_DEVICES({.kind = DEV_PCI,
			       .name = "odd",
			       .bdf = PT_BDF(0, 0x1f, 0),
			       .bar = {[0] = {.kind = BAR_IO, .base = 0x4d0, .size = 4}},
			       .flags = DEV_NO_DMA}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
