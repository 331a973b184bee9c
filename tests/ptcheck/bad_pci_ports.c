/* expect: devices[0].ports: set on a PCI function (device "nic"); its ports are its I/O BARs */
/* Ports on a PCI function instead of an I/O BAR. */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "test",
    .parts = PT_PARTITIONS({
	.name = "rt0",
	.kind = PART_PAYLOAD,
	.cpus = PT_CPUS(1),
	.mem = PT_REGIONS({.phys = 0x4000000,
			   .size = 0x200000,
			   .guest = 0x0,
			   .access = MEM_RWX,
			   .kind = REGION_RAM}),
	.devices = PT_DEVICES({.kind = DEV_PCI,
			       .name = "nic",
			       .bdf = PT_BDF(0, 0x19, 0),
			       .flags = DEV_NO_DMA,
			       .ports = {0xc000, 0x40}}),
	.module = "rt0",
	.fault = FAULT_STOP,
    }),
};
