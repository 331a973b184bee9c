/* expect: ok */
/* An interrupt line alone: the HPET's timer, whose registers are an MMIO region. */
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
	.devices = PT_DEVICES({.kind = DEV_LEGACY, .name = "hpet", .irq = 20}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
