/* expect: partition "rt0": mem[1].phys: RAM 0xfffff000-0x100001000 ends past 0x100000000 (4 GiB) */
/* RAM whose last page is above 4 GiB: Bulkhead maps only the low 4 GiB for itself. */
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
			   .kind = REGION_RAM},
			  {.phys = 0xfffff000,
			   .size = 0x2000,
			   .guest = 0x400000,
			   .access = MEM_RW,
			   .kind = REGION_RAM}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
