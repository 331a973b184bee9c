/* expect: channels[0].size: 0x30000 (channel "samples") is not a power of two, and end[1] is */
/* 192 KiB: a payload could have it, but no PCI BAR is that size. */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "test",
    .parts = PT_PARTITIONS(
	{
	    .name = "linux",
	    .kind = PART_LINUX,
	    .cpus = PT_CPUS(1, 2),
	    .mem = PT_REGIONS({.phys = 0x8000000,
			       .size = 0x8000000,
			       .guest = 0x0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM},
			      {.phys = 0x4400000,
			       .size = 0x30000,
			       .guest = 0xe0000000,
			       .access = MEM_R,
			       .kind = REGION_SHARED}),
	    .module = "bzImage",
	    .initrd = "initrd",
	    .cmdline = "console=ttyS0",
	    .fault = FAULT_STOP,
	},
	{
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(3),
	    .mem = PT_REGIONS({.phys = 0x4000000,
			       .size = 0x200000,
			       .guest = 0x0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM},
			      {.phys = 0x4400000,
			       .size = 0x30000,
			       .guest = 0x400000,
			       .access = MEM_RW,
			       .kind = REGION_SHARED}),
	    .module = "rt0",
	    .fault = FAULT_STOP,
	}),
    .channels = PT_CHANNELS({.name = "samples",
			     .phys = 0x4400000,
			     .size = 0x30000,
			     .end = {{.partition = "rt0", .access = MEM_RW, .vector = 0x40},
				     {.partition = "linux", .access = MEM_R}}}),
};
