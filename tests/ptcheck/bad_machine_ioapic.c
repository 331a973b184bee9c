/* expect: partition "rt0": mem[1]: SHARED 0xfebff000-0xfec01000 overlaps the I/O APIC range */
/* A SHARED region whose last page is the I/O APIC: every device interrupt routed from it. */
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
			  {.phys = 0xfebff000,
			   .size = 0x2000,
			   .guest = 0x400000,
			   .access = MEM_RW,
			   .kind = REGION_SHARED}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
