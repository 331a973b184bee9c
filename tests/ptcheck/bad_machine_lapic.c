/* expect: partition "rt0": mem[1]: MMIO 0xfee00000-0xfee01000 overlaps the local APIC range */
/* The local APIC page as MMIO: any interrupt (INIT, SIPI, NMI) to any CPU. */
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
			  {.phys = 0xfee00000,
			   .size = 0x1000,
			   .guest = 0xfee00000,
			   .access = MEM_RW,
			   .kind = REGION_MMIO}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
