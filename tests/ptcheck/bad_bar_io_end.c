/* expect: devices[0].bar[2]: I/O BAR at 0x10000 + 0x100 ports (device "nic") runs past port */
/* An I/O BAR beyond the port space. */
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
			       .name = "nic",
			       .bdf = PT_BDF(0, 0x19, 0),
			       .bar = {[2] = {.kind = BAR_IO, .base = 0x10000, .size = 0x100}},
			       .flags = DEV_NO_DMA}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
