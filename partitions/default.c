/*
 * The default layout: Linux on two CPUs beside a real-time payload, on a 4-CPU, 512 MiB
 * machine (the Bochs machine of `make run`).
 *
 * A layout is data, not code. This file fills one object, `partition_table`, with designated
 * initializers against bulkhead/ptable.h; the build checks it with tools/ptcheck (try:
 * tools/ptcheck.sh THIS_FILE) and links it into the hypervisor. docs/partitions.md explains
 * every field (partitions/rt.c has them commented one by one); docs/linux.md what a Linux
 * partition owns.
 *
 *   CPUs   APIC ID 0 is the boot CPU and stays with the hypervisor; 1 and 2 run Linux, 3 the
 *          real-time payload.
 *   RAM    [2 MiB, 16 MiB) is the hypervisor's (HV_LOAD_ADDR, HV_MAX_SIZE); GRUB puts the
 *          modules just above the hypervisor, so partitions start at 64 MiB.
 *
 *   host-physical           partition   guest-physical
 *   0x08000000-0x10000000   linux       0x0-0x8000000 (128 MiB)
 *   0x10000000-0x10200000   rt0         0x0-0x200000
 * rt0's RAM lies above the guest-physical addresses Linux has, so a Linux process that asks
 * /dev/mem for physical 0x10000000 reaches no memory at all (the test of isolation does).
 */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "default",
    .parts = PT_PARTITIONS(
	{
	    .name = "linux",
	    /* Boots a bzImage by the Linux x86 boot protocol, with ACPI tables listing
	     * only these CPUs and an e820 map listing only this RAM. */
	    .kind = PART_LINUX,
	    .cpus = PT_CPUS(1, 2),
	    /* One RAM region from guest 0: Linux needs its low megabyte (zero page,
	     * ACPI tables, the trampoline that starts its second CPU). */
	    .mem = PT_REGIONS({
		.phys = 0x8000000,
		.size = 128 * MiB,
		.guest = 0x0,
		.access = MEM_RWX,
		.kind = REGION_RAM,
	    }),
	    /* The CMOS clock, read for the wall-clock time at boot. */
	    .ports = PT_PORTS({.base = 0x70, .count = 2}),
	    /* grub.cfg: `module2 /boot/vmlinuz linux ...` and `module2 /boot/initrd.img
	     * linux-initrd`; words after the kernel's tag are added to .cmdline. */
	    .module = "linux",
	    .initrd = "linux-initrd",
	    /* COM1 is Bulkhead's emulated UART: each line Linux prints leaves COM1 whole,
	     * prefixed "linux: ". */
	    .cmdline = "console=ttyS0,115200 earlyprintk=serial,ttyS0,115200",
	    .fault = FAULT_STOP,
	},
	{
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(3),
	    .mem = PT_REGIONS({
		.phys = 0x10000000,
		.size = 2 * MiB,
		.guest = 0x0,
		.access = MEM_RWX,
		.kind = REGION_RAM,
	    }),
	    .module = "rt0",
	    .cmdline = "",
	    .fault = FAULT_STOP,
	}),
};
