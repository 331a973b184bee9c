/*
 * Test layout for the isolation cases that need a sibling CPU (tests/emu/isolation.sh,
 * docs/isolation.md): the attacker "rt0" owns APIC IDs 1 and 2 and starts its second CPU
 * itself by INIT-SIPI; its neighbour "rt1" (the heartbeat) has APIC ID 3 and its RAM where
 * the rt layout has rt1's, so the hostile payload's addresses mean the same here. FAULT_STOP
 * for both: after an attack only the shell's start brings rt0 back, which the cases check.
 * For a 4-CPU, 256 MiB machine. Build with: make LAYOUT=tests/layouts/sibling.c
 */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "sibling",
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
