/* expect: mem[0].guest: RAM at guest 0x0 is host 0x4400000, but devices[0] (device "nic") may do */
/* Only Linux keeps DMA out of its first megabyte: a payload's low region is not exempt. */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "test",
    .parts = PT_PARTITIONS({
	.name = "rt0",
	.kind = PART_PAYLOAD,
	.cpus = PT_CPUS(1),
	.mem = PT_REGIONS({.phys = 0x4400000,
			   .size = 0x100000,
			   .guest = 0x0,
			   .access = MEM_RWX,
			   .kind = REGION_RAM},
			  {.phys = 0x8000000,
			   .size = 0x200000,
			   .guest = 0x8000000,
			   .access = MEM_RWX,
			   .kind = REGION_RAM}),
	.devices =
	    PT_DEVICES({.kind = DEV_PCI,
			.name = "nic",
			.bdf = PT_BDF(0, 0x19, 0),
			.bar = {[0] = {.kind = BAR_MEM, .base = 0xfebc0000, .size = 0x20000}},
			.irq = 11}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
