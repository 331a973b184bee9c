/* expect: (the APM/SMI command port: a write raises an SMI); an SMI stalls every CPU */
/* The APM/SMI command port inside a wider grant: an SMI stalls every CPU. */
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
	.ports = PT_PORTS({.base = 0xb0, .count = 4}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
