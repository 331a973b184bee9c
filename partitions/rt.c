/*
 * The "rt" layout (make PARTITIONS=rt): three small bare-metal partitions, no Linux, on a
 * 4-CPU, 256 MiB emulator (Bochs). The emulator tests of payloads and faults run on it.
 *
 * A layout is data, not code. This file fills one object, `partition_table`, with designated
 * initializers against bulkhead/ptable.h, and the build does two things with it:
 *   1. compiles it with tools/ptcheck.c into a host program and runs it: a table that breaks
 *      isolation (two partitions on one CPU, overlapping RAM, a shared port, ...) fails the
 *      build with the file, partition, field and reason (try: tools/ptcheck.sh THIS_FILE);
 *   2. links it into the hypervisor image, which reads it at boot.
 * To make your own layout, copy this file, change it, and check it with tools/ptcheck.sh.
 *
 * The machine this layout is for:
 *   CPUs   APIC IDs 0..3. APIC ID 0 is the boot CPU and stays with the hypervisor for now;
 *          1, 2 and 3 each run one partition.
 *   RAM    256 MiB. The hypervisor is loaded at HV_LOAD_ADDR (2 MiB) and may span HV_MAX_SIZE
 *          (14 MiB), so [2 MiB, 16 MiB) is off limits. The partitions' RAM sits at 64 MiB and
 *          up, well clear of it and of the low memory the firmware and GRUB use.
 *
 *   host-physical         partition   guest-physical
 *   0x4000000-0x4200000   rt0         0x0-0x200000
 *   0x4200000-0x4400000   rt1         0x0-0x200000
 *   0x4400000-0x4600000   rt2         0x0-0x200000
 */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    /* Printed at boot and by ptcheck: which layout the image was built with. */
    .layout = "rt",

    /* PT_PARTITIONS(...) fills the array and counts it: at most PT_MAX_PARTITIONS. */
    .parts = PT_PARTITIONS(
	{
	    /* Unique; every COM1 line about this partition carries it. */
	    .name = "rt0",
	    /* PART_PAYLOAD: a bare-metal ELF64 or flat image. PART_LINUX would boot
	     * a bzImage (at most one Linux partition per layout). */
	    .kind = PART_PAYLOAD,
	    /* The CPUs this partition owns, by local APIC ID (not by the order the
	     * firmware lists them in). A CPU belongs to one partition only. The
	     * first one listed starts the image. */
	    .cpus = PT_CPUS(1),
	    /* Memory regions, at most PT_MAX_REGIONS. Each maps `size` bytes of
	     * host-physical memory at `phys` to guest-physical `guest`, with the
	     * given access rights. All three are multiples of 4 KiB.
	     *   REGION_RAM     this partition's own memory: nobody else may overlap it;
	     *                  at least one is required (the image is loaded there);
	     *   REGION_SHARED  a deliberate channel: may overlap other partitions'
	     *                  SHARED regions, and only those;
	     *   REGION_MMIO    a device's registers, passed through uncached. */
	    .mem = PT_REGIONS({
		.phys = 0x4000000,
		.size = 2 * MiB,
		.guest = 0x0,
		.access = MEM_RWX, /* any of MEM_R | MEM_W | MEM_X, not none */
		.kind = REGION_RAM,
	    }),
	    /* No .ports: every I/O port access traps to the hypervisor. */
	    /* Which GRUB module is this partition's image: grub.cfg has a line
	     * `module2 /boot/<file> rt0`. One word, unique across partitions. */
	    .module = "rt0",
	    /* Passed to the image; optional for payloads. */
	    .cmdline = "",
	    /* FAULT_STOP: a fault parks the partition's CPUs for good, and the
	     * others run on. */
	    .fault = FAULT_STOP,
	},
	{
	    .name = "rt1",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(2),
	    .mem = PT_REGIONS({
		.phys = 0x4200000,
		.size = 2 * MiB,
		.guest = 0x0, /* each partition sees its RAM at its own 0 */
		.access = MEM_RWX,
		.kind = REGION_RAM,
	    }),
	    /* I/O ports passed through, at most PT_MAX_PORTS ranges of {first port,
	     * number of ports}. A port is never granted to two partitions. Here:
	     * COM2, 0x2f8-0x2ff, as an example of a device owned by one partition. */
	    .ports = PT_PORTS({.base = 0x2f8, .count = 8}),
	    .module = "rt1",
	    .cmdline = "",
	    /* FAULT_RESTART: a fault reloads the image from the pristine copy the
	     * hypervisor kept at boot and starts it again. */
	    .fault = FAULT_RESTART,
	},
	{
	    .name = "rt2",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(3),
	    .mem = PT_REGIONS({
		.phys = 0x4400000,
		.size = 2 * MiB,
		.guest = 0x0,
		.access = MEM_RWX,
		.kind = REGION_RAM,
	    }),
	    .module = "rt2",
	    .cmdline = "",
	    .fault = FAULT_STOP,
	}),
};
