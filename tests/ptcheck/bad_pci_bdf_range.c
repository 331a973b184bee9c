/* expect: partition "rt0": devices[0].bdf: 0x10000 (device "nic") is not a bus:device.function */
/* A hand-written bdf above 16 bits. */
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
	    PT_DEVICES({.kind = DEV_PCI, .name = "nic", .bdf = 0x10000, .flags = DEV_NO_DMA}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
