/*
 * Test layout of the SDK cases (tests/emu/sdk.sh, docs/payloads.md): three payload partitions
 * on a 4-CPU, 256 MiB machine (Bochs). Build with: make LAYOUT=tests/layouts/sdk.c
 *
 *   "big"   runs images/demos/bigimage.c: a 2.8 MiB image (1 MiB to 3.8 MiB) in a 4 MiB first
 *           region, and two more RAM regions, one below 4 GiB and one above, which the SDK
 *           maps and lists (sdk_ram_regions) and the demo writes and reads back;
 *   "fpu"   runs images/demos/fpu.c: floating point in main and in a 1 kHz timer handler;
 *   "small" is given the same big image in 2 MiB of RAM: its first segment runs past the
 *           region, and the boot refuses it with the segment and the region named, while the
 *           other two start.
 *
 *   host-physical         partition   guest-physical
 *   0x4000000-0x4400000   big         0x0-0x400000
 *   0x4400000-0x4500000   big         0x10000000-0x10100000
 *   0x4500000-0x4600000   big         0x100000000-0x100100000 (4 GiB)
 *   0x4600000-0x4800000   fpu         0x0-0x200000
 *   0x4800000-0x4a00000   small       0x0-0x200000
 */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "sdk",
    .parts = PT_PARTITIONS(
	{
	    .name = "big",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(1),
	    .mem = PT_REGIONS({.phys = 0x4000000,
			       .size = 4 * MiB,
			       .guest = 0x0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM},
			      {.phys = 0x4400000,
			       .size = 1 * MiB,
			       .guest = 0x10000000,
			       .access = MEM_RW,
			       .kind = REGION_RAM},
			      {.phys = 0x4500000,
			       .size = 1 * MiB,
			       .guest = 0x100000000,
			       .access = MEM_RW,
			       .kind = REGION_RAM}),
	    .module = "big",
	    .cmdline = "",
	    .fault = FAULT_STOP,
	},
	{
	    .name = "fpu",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(2),
	    .mem = PT_REGIONS({.phys = 0x4600000,
			       .size = 2 * MiB,
			       .guest = 0x0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM}),
	    .module = "fpu",
	    .cmdline = "",
	    .fault = FAULT_STOP,
	},
	{
	    .name = "small",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(3),
	    .mem = PT_REGIONS({.phys = 0x4800000,
			       .size = 2 * MiB,
			       .guest = 0x0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM}),
	    .module = "small",
	    .cmdline = "",
	    .fault = FAULT_STOP,
	}),
};
