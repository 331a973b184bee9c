/*
 * Test layout: two payloads, rt1 granted the PIT's ports (0x40-0x43) and port B (0x61), which
 * the TSC's refinement counts on (arch/x86/tsc.c): rt1 must start only after it, rt0 before.
 */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "pit",
    .parts = PT_PARTITIONS(
	{
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(1),
	    .mem = PT_REGIONS({
		.phys = 0x4000000,
		.size = 2 * MiB,
		.guest = 0x0,
		.access = MEM_RWX,
		.kind = REGION_RAM,
	    }),
	    .module = "rt0",
	    .cmdline = "",
	    .fault = FAULT_STOP,
	},
	{
	    .name = "rt1",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(2),
	    .mem = PT_REGIONS({
		.phys = 0x4200000,
		.size = 2 * MiB,
		.guest = 0x0,
		.access = MEM_RWX,
		.kind = REGION_RAM,
	    }),
	    .ports = PT_PORTS({.base = 0x40, .count = 4}, {.base = 0x61, .count = 1}),
	    .module = "rt1",
	    .cmdline = "",
	    .fault = FAULT_STOP,
	}),
};
