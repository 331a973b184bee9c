/* expect: 0xa0-0xa1 (the slave 8259 PIC); its interrupts would reach Bulkhead's own CPU */
/* The slave PIC granted: reprogrammed and unmasked, it would interrupt the boot CPU. */
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
	.ports = PT_PORTS({.base = 0xa0, .count = 2}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
