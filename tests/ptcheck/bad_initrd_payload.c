/* expect: partition "rt0": initrd: tag "rt0-initrd" on a partition that is not PART_LINUX */
/* An initrd given to a bare-metal payload. */
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
	.initrd = "rt0-initrd",
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
