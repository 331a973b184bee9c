/* expect: mem[1]: MMIO 0xfed91000-0xfed92000 overlaps the usual VT-d (DMAR) register */
/* A VT-d remapping unit's registers as MMIO: it decides where every device may DMA. */
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
			  {.phys = 0xfed91000,
			   .size = 0x1000,
			   .guest = 0xfed91000,
			   .access = MEM_RW,
			   .kind = REGION_MMIO}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
