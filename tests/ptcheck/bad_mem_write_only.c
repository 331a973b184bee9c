/* expect: mem[0].access: MEM_W without MEM_R, which EPT cannot map */
/* RAM that may be written but not read: an EPT misconfiguration on first touch. */
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
			   .access = MEM_W | MEM_X,
			   .kind = REGION_RAM}),

	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
