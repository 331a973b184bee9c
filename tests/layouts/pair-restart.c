/*
 * Test layout: partitions/pair.c with rt0 (two CPUs) under FAULT_RESTART, so a fault on one
 * CPU restarts the whole partition: both CPUs leave the guest, the RAM is reloaded, the
 * first CPU starts the image and the second waits for its SIPI again.
 */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "pair-restart",
    .parts = PT_PARTITIONS(
	{
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(1, 2), /* APIC ID 1 starts the image; 2 waits for its SIPI */
	    .mem = PT_REGIONS({
		.phys = 0x4000000,
		.size = 2 * MiB,
		.guest = 0x0,
		.access = MEM_RWX,
		.kind = REGION_RAM,
	    }),
	    .module = "rt0",
	    .cmdline = "",
	    .fault = FAULT_RESTART, /* the whole partition, both CPUs, comes back */
	},
	{
	    .name = "rt1",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(3),
	    .mem = PT_REGIONS({
		.phys = 0x4200000,
		.size = 2 * MiB,
		.guest = 0x0,
		.access = MEM_RWX,
		.kind = REGION_RAM,
	    }),
	    .module = "rt1",
	    .cmdline = "",
	    .fault = FAULT_STOP,
	}),
};
