/*
 * A layout with a two-CPU partition: "rt0" owns APIC IDs 1 and 2 and starts its second CPU
 * itself by INIT-SIPI (Bulkhead lets a partition signal its own CPUs only); "rt1" has APIC
 * ID 3. For a 4-CPU, 256 MiB machine; field by field explanations are in default.c.
 * Build with: make PARTITIONS=pair
 */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "pair",
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
	    .fault = FAULT_STOP,
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
