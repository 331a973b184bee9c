/*
 * A layout that passes tools/ptcheck but names devices the 6-CPU Bochs test machine does not
 * have as written, or a bus-master device it cannot contain: four partitions must be refused
 * at boot, each naming its device and what was found, and "good" must still run. Used by
 * tests/emu/cases.sh (partitions-devices).
 */
#include "bulkhead/ptable.h"

#define RAM(at)                                                                                    \
	PT_REGIONS(                                                                                \
	    {.phys = (at), .size = 2 * MiB, .guest = 0, .access = MEM_RWX, .kind = REGION_RAM})

const struct partition_table partition_table = {
    .layout = "devices-absent",
    .parts = PT_PARTITIONS(
	{
	    .name = "good",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(1),
	    .mem = RAM(0x4000000),
	    .module = "rt0",
	    .fault = FAULT_STOP,
	},
	{
	    /* No function answers at 00:1f.0 on Bochs's i440FX machine. */
	    .name = "ghostpci",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(2),
	    .mem = RAM(0x4200000),
	    .devices = PT_DEVICES({
		.kind = DEV_PCI,
		.name = "nic",
		.bdf = PT_BDF(0, 0x1f, 0),
		.bar = {[0] = {.kind = BAR_MEM, .base = 0xfeb00000, .size = 0x1000}},
		.flags = DEV_NO_DMA,
	    }),
	    .module = "rt1",
	    .fault = FAULT_STOP,
	},
	{
	    /* COM3 is not enabled on the test machine: every one of its ports reads 0xff. */
	    .name = "ghostcom",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(3),
	    .mem = RAM(0x4400000),
	    .devices = PT_DEVICES({
		.kind = DEV_LEGACY,
		.name = "com3",
		.ports = {.base = 0x3e8, .count = 8},
		.irq = 3,
	    }),
	    .module = "rt2",
	    .fault = FAULT_STOP,
	},
	{
	    /* The PIIX3 IDE function is there, but its bus-master BAR is not where this
	     * table says. */
	    .name = "badbar",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(4),
	    .mem = RAM(0x4600000),
	    .devices = PT_DEVICES({
		.kind = DEV_PCI,
		.name = "ide",
		.bdf = PT_BDF(0, 1, 1),
		.bar = {[4] = {.kind = BAR_IO, .base = 0xd000, .size = 0x10}},
		.flags = DEV_NO_DMA,
	    }),
	    .module = "rt3",
	    .fault = FAULT_STOP,
	},
	{
	    /* A bus-master function (the PIIX4 power-management one) in a partition whose RAM
	     * is not at guest = host: on this machine without an IOMMU, its DMA would land
	     * elsewhere than its driver thinks, anywhere. Refused before the device is looked
	     * at. */
	    .name = "dmaguest",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(5),
	    .mem = RAM(0x4800000),
	    .devices = PT_DEVICES({
		.kind = DEV_PCI,
		.name = "pm",
		.bdf = PT_BDF(0, 1, 3),
	    }),
	    .module = "rt4",
	    .fault = FAULT_STOP,
	}),
};
