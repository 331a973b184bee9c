/* expect: table: channels[0].size: 0x1800 (channel "samples") is not 4 KiB aligned */
/* A channel that ends inside a page. */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "test",
    .parts = PT_PARTITIONS(
	{
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(1),
	    .mem = PT_REGIONS({.phys = 0x4000000,
			       .size = 0x200000,
			       .guest = 0x0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM},
			      {.phys = 0x4400000,
			       .size = 0x2000,
			       .guest = 0x400000,
			       .access = MEM_RW,
			       .kind = REGION_SHARED}),
	    .module = "rt0",
	    .fault = FAULT_STOP,
	},
	{
	    .name = "rt1",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(2, 3),
	    .mem = PT_REGIONS({.phys = 0x4200000,
			       .size = 0x200000,
			       .guest = 0x0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM},
			      {.phys = 0x4400000,
			       .size = 0x2000,
			       .guest = 0x800000,
			       .access = MEM_R,
			       .kind = REGION_SHARED}),
	    .module = "rt1",
	    .fault = FAULT_STOP,
	}),
    .channels = PT_CHANNELS({.name = "samples",
			     .phys = 0x4400000,
			     .size = 0x1800,
			     .end = {{.partition = "rt0", .access = MEM_RW, .vector = 0x40},
				     {.partition = "rt1", .access = MEM_R, .vector = 0x41}}}),
};
