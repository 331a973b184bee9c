/* expect: devices[0].ports: 0x0-0xf (device "dma") includes 0x00-0x0f (the first 8237 DMA */
/* The ISA DMA controller given to a partition as a legacy device. */
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
	.devices =
	    PT_DEVICES({.kind = DEV_LEGACY, .name = "dma", .ports = {.base = 0x0, .count = 16}}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
