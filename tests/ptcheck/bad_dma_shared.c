/* expect: mem[1].guest: SHARED at guest 0x200000 is host 0x5000000, but devices[0] (device */
/* A bus-mastering device in a partition whose shared memory is not identity-mapped. */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "test",
    .parts = PT_PARTITIONS({
	.name = "rt0",
	.kind = PART_PAYLOAD,
	.cpus = PT_CPUS(1),
	.mem = PT_REGIONS({.phys = 0x4000000,
			   .size = 0x200000,
			   .guest = 0x4000000,
			   .access = MEM_RWX,
			   .kind = REGION_RAM},
			  {.phys = 0x5000000,
			   .size = 0x1000,
			   .guest = 0x200000,
			   .access = MEM_RW,
			   .kind = REGION_SHARED}),
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
