/* expect: devices[0].bar[2].base: 0xc010 (device "nic") is not aligned to its size 0x40 */
/* An I/O BAR not aligned to its size. */
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
			       .bar = {[2] = {.kind = BAR_IO, .base = 0xc010, .size = 0x40}},
			       .flags = DEV_NO_DMA}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
