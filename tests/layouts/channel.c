/*
 * Test layout of the channel case (tests/emu/channel.sh, docs/channels.md): three payload
 * partitions on a 4-CPU, 256 MiB machine, each running images/demos/chan.c in the role its
 * module line gives. rt0 (the producer) and rt1 (the consumer) share the channel "samples",
 * 64 KiB that rt0 maps read-write and rt1 read-only, both at guest 0x800000; rt2 (the
 * intruder) is on no channel and maps none of it. Build with:
 * make LAYOUT=tests/layouts/channel.c
 *
 *   host-physical         partition   guest-physical
 *   0x4000000-0x4200000   rt0         0x0-0x200000
 *   0x4200000-0x4400000   rt1         0x0-0x200000
 *   0x4400000-0x4600000   rt2         0x0-0x200000
 *   0x4600000-0x4610000   rt0 (RW), rt1 (R)   0x800000-0x810000   channel "samples"
 *
 * A doorbell rt0 rings raises vector 0x61 on rt1's CPU (APIC ID 2); one rt1 rings raises
 * 0x60 on rt0's (APIC ID 1): each end's vector is what its own CPU takes.
 */
#include "bulkhead/ptable.h"

#define CHANNEL_PHYS  0x4600000
#define CHANNEL_SIZE  (64 * KiB)
#define CHANNEL_GUEST 0x800000

const struct partition_table partition_table = {
    .layout = "channel",
    .parts = PT_PARTITIONS(
	{
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(1),
	    .mem = PT_REGIONS({.phys = 0x4000000,
			       .size = 2 * MiB,
			       .guest = 0x0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM},
			      {.phys = CHANNEL_PHYS,
			       .size = CHANNEL_SIZE,
			       .guest = CHANNEL_GUEST,
			       .access = MEM_RW,
			       .kind = REGION_SHARED}),
	    .module = "rt0",
	    .cmdline = "",
	    .fault = FAULT_STOP,
	},
	{
	    .name = "rt1",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(2),
	    .mem = PT_REGIONS({.phys = 0x4200000,
			       .size = 2 * MiB,
			       .guest = 0x0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM},
			      {.phys = CHANNEL_PHYS,
			       .size = CHANNEL_SIZE,
			       .guest = CHANNEL_GUEST,
			       .access = MEM_R,
			       .kind = REGION_SHARED}),
	    .module = "rt1",
	    .cmdline = "",
	    .fault = FAULT_STOP,
	},
	{
	    .name = "rt2",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(3),
	    .mem = PT_REGIONS({.phys = 0x4400000,
			       .size = 2 * MiB,
			       .guest = 0x0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM}),
	    .module = "rt2",
	    .cmdline = "",
	    .fault = FAULT_STOP,
	}),
    .channels =
	PT_CHANNELS({.name = "samples",
		     .phys = CHANNEL_PHYS,
		     .size = CHANNEL_SIZE,
		     .end = {{.partition = "rt0", .access = MEM_RW, .vector = 0x60},
			     {.partition = "rt1", .access = MEM_R, .vector = 0x61, .apic_id = 2}}}),
};
