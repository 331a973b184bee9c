/* expect: devices[0].bar[3]: 0x3f8-0x3ff (device "uart") includes COM1 (0x3f8-0x3ff) */
/* An I/O BAR on COM1. */
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
			       .name = "uart",
			       .bdf = PT_BDF(0, 0x16, 3),
			       .bar = {[3] = {.kind = BAR_IO, .base = 0x3f8, .size = 8}},
			       .flags = DEV_NO_DMA}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
