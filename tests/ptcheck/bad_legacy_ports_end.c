/* expect: devices[0].ports: 0xfffc + 8 ports (device "odd") runs past port 0xffff */
/* Legacy ports beyond the port space. */
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
	    PT_DEVICES({.kind = DEV_LEGACY, .name = "odd", .ports = {.base = 0xfffc, .count = 8}}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
