/*
 * A layout that passes tools/ptcheck but does not fit the 256 MiB, 5-CPU test machine: four
 * partitions must be refused at boot, each with its own reason, and "good" must still run.
 * Used by tests/emu/cases.sh (make LAYOUT=tests/layouts/machine-mismatch.c).
 */
#include "bulkhead/ptable.h"

#define RAM(at)                                                                                    \
	PT_REGIONS(                                                                                \
	    {.phys = (at), .size = 2 * MiB, .guest = 0, .access = MEM_RWX, .kind = REGION_RAM})

const struct partition_table partition_table = {
    .layout = "machine-mismatch",
    .parts = PT_PARTITIONS(
	{
	    .name = "good",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(1),
	    .mem = RAM(0x4000000),
	    .module = "rt0",
	    .fault = FAULT_STOP,
	},
	{
	    /* 512 MiB: past the end of a 256 MiB machine's RAM. */
	    .name = "beyond",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(4),
	    .mem = RAM(0x20000000),
	    .module = "rt1",
	    .fault = FAULT_STOP,
	},
	{
	    /* 1 MiB: where GRUB puts the boot information and the modules. */
	    .name = "onmodules",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(2),
	    .mem = PT_REGIONS({.phys = 0x100000,
			       .size = 1 * MiB,
			       .guest = 0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM}),
	    .module = "rt2",
	    .fault = FAULT_STOP,
	},
	{
	    /* "MMIO" that is really RAM. */
	    .name = "fakemmio",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(3),
	    .mem = PT_REGIONS({.phys = 0x4400000,
			       .size = 2 * MiB,
			       .guest = 0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM},
			      {.phys = 0x5000000,
			       .size = 4096,
			       .guest = 0x400000,
			       .access = MEM_RW,
			       .kind = REGION_MMIO}),
	    .module = "rt3",
	    .fault = FAULT_STOP,
	},
	{
	    /* The boot CPU: Bulkhead's console, shell, stops and starts run there. */
	    .name = "onboot",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(0),
	    .mem = RAM(0x4600000),
	    .module = "rt4",
	    .fault = FAULT_STOP,
	}),
};
