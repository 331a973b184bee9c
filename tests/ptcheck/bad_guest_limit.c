/* expect: mem[1].guest: 0xfffffffff000-0x1000000001000 ends past 0x1000000000000 */
/* A guest range whose last page is above 2^48: the 4-level EPT would map it at guest 0. */
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
			  {.phys = 0x4400000,
			   .size = 0x2000,
			   .guest = 0xfffffffff000,
			   .access = MEM_RW,
			   .kind = REGION_RAM}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
