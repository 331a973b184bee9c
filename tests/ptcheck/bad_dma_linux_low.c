/* expect: mem[0].guest: RAM at guest 0x0 is host 0x4400000, but devices[0] (device "e1000") may */
/* Linux keeps DMA out of its first megabyte only: a low region running past it is not exempt. */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "test",
    .parts = PT_PARTITIONS({
	.name = "linux",
	.kind = PART_LINUX,
	.cpus = PT_CPUS(1),
	.mem = PT_REGIONS({.phys = 0x4400000,
			   .size = 0x101000,
			   .guest = 0x0,
			   .access = MEM_RWX,
			   .kind = REGION_RAM},
			  {.phys = 0x8000000,
			   .size = 128 * MiB,
			   .guest = 0x8000000,
			   .access = MEM_RWX,
			   .kind = REGION_RAM}),
	.devices =
	    PT_DEVICES({.kind = DEV_PCI,
			.name = "e1000",
			.bdf = PT_BDF(0, 0x19, 0),
			.bar = {[0] = {.kind = BAR_MEM, .base = 0xfebc0000, .size = 0x20000}},
			.irq = 11}),
	.module = "linux",
	.fault = FAULT_STOP,
    }),
};
