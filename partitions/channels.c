/*
 * The channels layout: a real-time controller beside Linux, connected (docs/channels.md). On a
 * 4-CPU, 512 MiB machine (the Bochs machine of `make run`):
 *
 *   CPUs   APIC ID 0 stays with the hypervisor; 1 runs Linux, 2 the controller rt0, 3 a
 *          heartbeat rt1 that is on no channel (a neighbour that must not notice the others).
 *   RAM    partitions from 128 MiB up, as in the default layout.
 *
 *   host-physical           partition          guest-physical
 *   0x08000000-0x10000000   linux              0x0-0x8000000 (128 MiB)
 *   0x10000000-0x10200000   rt0                0x0-0x200000
 *   0x10200000-0x10400000   rt1                0x0-0x200000
 *   0x10400000-0x10410000   rt0 (RW), linux (R)  rt0 0x800000, linux 0x8000000   "samples"
 *   0x10410000-0x10411000   linux (RW), rt0 (R)  linux 0x8010000, rt0 0x810000   "setpoint"
 *
 * rt0 (images/demos/chan.c, role=producer) samples at 1 kHz into an SDK ring in "samples" and
 * rings Linux once a sample; Linux sees "samples" and "setpoint" as two PCI functions
 * (1af4:1110, lspci: "Inter-VM shared memory"), and images/linux/chanmon.c reads the ring
 * through sysfs and uio_pci_generic and writes a set-point into "setpoint", ringing rt0,
 * which acknowledges it on COM1. A Linux end leaves .vector and .apic_id 0: Linux routes
 * its doorbell's interrupt itself, through its I/O APIC. rt0's vectors are its own choice.
 * Build with `make PARTITIONS=channels`; the boot entry is in docs/channels.md.
 */
#include "bulkhead/ptable.h"

#define SAMPLES_PHYS   0x10400000
#define SAMPLES_SIZE   (64 * KiB)
#define SETPOINT_PHYS  0x10410000
#define SETPOINT_SIZE  (4 * KiB)
#define LINUX_CHANNELS 0x8000000 /* above its RAM; each BAR aligned to its size */

const struct partition_table partition_table = {
    .layout = "channels",
    .parts = PT_PARTITIONS(
	{
	    .name = "linux",
	    .kind = PART_LINUX,
	    .cpus = PT_CPUS(1),
	    .mem = PT_REGIONS({.phys = 0x8000000,
			       .size = 128 * MiB,
			       .guest = 0x0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM},
			      {.phys = SAMPLES_PHYS,
			       .size = SAMPLES_SIZE,
			       .guest = LINUX_CHANNELS,
			       .access = MEM_R,
			       .kind = REGION_SHARED},
			      {.phys = SETPOINT_PHYS,
			       .size = SETPOINT_SIZE,
			       .guest = LINUX_CHANNELS + SAMPLES_SIZE,
			       .access = MEM_RW,
			       .kind = REGION_SHARED}),
	    .ports = PT_PORTS({.base = 0x70, .count = 2}),
	    .module = "linux",
	    .initrd = "linux-initrd",
	    .cmdline = "console=ttyS0,115200 earlyprintk=serial,ttyS0,115200",
	    .fault = FAULT_STOP,
	},
	{
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(2),
	    .mem = PT_REGIONS({.phys = 0x10000000,
			       .size = 2 * MiB,
			       .guest = 0x0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM},
			      {.phys = SAMPLES_PHYS,
			       .size = SAMPLES_SIZE,
			       .guest = 0x800000,
			       .access = MEM_RW,
			       .kind = REGION_SHARED},
			      {.phys = SETPOINT_PHYS,
			       .size = SETPOINT_SIZE,
			       .guest = 0x810000,
			       .access = MEM_R,
			       .kind = REGION_SHARED}),
	    .module = "rt0",
	    .cmdline = "",
	    .fault = FAULT_STOP,
	},
	{
	    .name = "rt1",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(3),
	    .mem = PT_REGIONS({.phys = 0x10200000,
			       .size = 2 * MiB,
			       .guest = 0x0,
			       .access = MEM_RWX,
			       .kind = REGION_RAM}),
	    .module = "rt1",
	    .cmdline = "",
	    .fault = FAULT_STOP,
	}),
    .channels = PT_CHANNELS({.name = "samples",
			     .phys = SAMPLES_PHYS,
			     .size = SAMPLES_SIZE,
			     .end = {{.partition = "rt0", .access = MEM_RW, .vector = 0x60},
				     {.partition = "linux", .access = MEM_R}}},
			    {.name = "setpoint",
			     .phys = SETPOINT_PHYS,
			     .size = SETPOINT_SIZE,
			     .end = {{.partition = "linux", .access = MEM_RW},
				     {.partition = "rt0", .access = MEM_R, .vector = 0x61}}}),
};
