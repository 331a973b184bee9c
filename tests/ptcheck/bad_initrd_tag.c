/* expect: partition "linux": initrd: tag "rt0" is also a module tag of partition "rt0" */
/* A Linux initrd tag that names another partition's image. */
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
			       .kind = REGION_RAM}),
	    .module = "rt0",
	    .fault = FAULT_STOP,
	},
	{
	    .name = "linux",
	    .kind = PART_LINUX,
	    .cpus = PT_CPUS(2),
	    .mem = PT_REGIONS({.phys = 0x4200000,
			       .size = 0x200000,
			       .guest = 0x0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM}),
	    .initrd = "rt0",
	    .module = "linux",
	    .fault = FAULT_STOP,
	}),
};
