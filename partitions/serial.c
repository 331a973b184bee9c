/*
 * The "serial" layout (make PARTITIONS=serial): a payload that owns COM2 and its interrupt
 * beside a heartbeat, on a 3-CPU, 256 MiB machine (the Bochs machine of the emu case
 * device-com2-echo, tests/emu/serial.sh). Field by field explanations are in rt.c.
 *
 *   CPUs   APIC ID 0 is the boot CPU and stays with the hypervisor; 1 runs "serial", 2 "rt0".
 *   RAM    partitions from 64 MiB up, clear of the hypervisor and GRUB's modules.
 *
 *   host-physical         partition   guest-physical
 *   0x4000000-0x4200000   serial      0x0-0x200000
 *   0x4200000-0x4400000   rt0         0x0-0x200000
 *
 * "serial" runs images/demos/echo.c: COM2's ports pass through, and its interrupt (ISA IRQ 3,
 * GSI 3) is routed by the partition itself through its virtual I/O APIC (guest-physical
 * 0xfec00000) to its own CPU, without an exit per interrupt.
 */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "serial",
    .parts = PT_PARTITIONS(
	{
	    .name = "serial",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(1),
	    .mem = PT_REGIONS({
		.phys = 0x4000000,
		.size = 2 * MiB,
		.guest = 0x0,
		.access = MEM_RWX,
		.kind = REGION_RAM,
	    }),
	    /* COM2, a 16550 at 0x2f8-0x2ff on ISA IRQ 3: its ports without exits and its
	     * I/O APIC input, GSI 3. */
	    .devices = PT_DEVICES({
		.kind = DEV_LEGACY,
		.name = "com2",
		.ports = {.base = 0x2f8, .count = 8},
		.irq = 3,
	    }),
	    /* grub.cfg: `module2 /boot/echo.elf serial` */
	    .module = "serial",
	    .cmdline = "",
	    .fault = FAULT_STOP,
	},
	{
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(2),
	    .mem = PT_REGIONS({
		.phys = 0x4200000,
		.size = 2 * MiB,
		.guest = 0x0,
		.access = MEM_RWX,
		.kind = REGION_RAM,
	    }),
	    /* grub.cfg: `module2 /boot/heartbeat.elf rt0 period_ms=<n>` */
	    .module = "rt0",
	    .cmdline = "",
	    .fault = FAULT_STOP,
	}),
};
