/*
 * The "hpet" layout (make PARTITIONS=hpet): one payload that owns the HPET and its interrupt,
 * on a 2-CPU, 256 MiB Bochs machine (tests/bench_hpet.sh, the device-interrupt latency of
 * make bench). Field by field explanations are in rt.c.
 *
 *   CPUs   APIC ID 0 is the boot CPU and stays with the hypervisor; 1 runs "hpet".
 *   RAM    from 64 MiB up, clear of the hypervisor and GRUB's modules.
 *
 *   host-physical         partition   guest-physical
 *   0x4000000-0x4200000   hpet        0x0-0x200000
 *   0xfed00000-0xfed01000 hpet        0xfed00000-0xfed01000 (the HPET's registers)
 *
 * "hpet" runs images/demos/hpetlat.c: the HPET's register page passes through (uncached), and
 * the interrupt of its timer 0, routed by the payload to I/O APIC input 20, is routed by the
 * partition itself through its virtual I/O APIC (guest-physical 0xfec00000) to its own CPU,
 * without an exit per interrupt. GSI 20: the HPET routes a timer to any input its
 * Tn_INT_ROUTE_CAP allows (Bochs: 0-23; PC chipsets commonly offer 20-23 to timers 0 and 1),
 * and nothing else on the Bochs machine uses it. Bulkhead itself does not use the HPET.
 */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "hpet",
    .parts = PT_PARTITIONS({
	.name = "hpet",
	.kind = PART_PAYLOAD,
	.cpus = PT_CPUS(1),
	.mem = PT_REGIONS(
	    {
		.phys = 0x4000000,
		.size = 2 * MiB,
		.guest = 0x0,
		.access = MEM_RWX,
		.kind = REGION_RAM,
	    },
	    /* The HPET's registers (IA-PC HPET 1.0a: a 1 KiB block, here in a 4 KiB page). */
	    {
		.phys = 0xfed00000,
		.size = 4 * KiB,
		.guest = 0xfed00000,
		.access = MEM_RW,
		.kind = REGION_MMIO,
	    }),
	/* Its interrupt: the payload routes timer 0 to GSI 20. No ports: its registers are
	 * the MMIO region above. */
	.devices = PT_DEVICES({
	    .kind = DEV_LEGACY,
	    .name = "hpet",
	    .irq = 20,
	}),
	/* grub.cfg: `module2 /boot/hpetlat.elf hpet` */
	.module = "hpet",
	.cmdline = "",
	.fault = FAULT_STOP,
    }),
};
