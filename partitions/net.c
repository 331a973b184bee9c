/*
 * The "net" layout (make PARTITIONS=net): Linux owning a PCI Intel e1000 beside a real-time
 * payload, on a 3-CPU, 512 MiB machine: Bochs with `pci: enabled=1, chipset=i440fx,
 * slot1=e1000` and the e1000 on its built-in vnet network (tests/emu/bochs-net.rc; the emu
 * case linux-net, tests/emu/linux-net.sh, boots it with tests/emu/grub-net.cfg: the generic
 * kernel vmlinuz-net and the e1000 initramfs initrd-net.img of images/linux). Field by field
 * explanations are in rt.c; what a Linux partition owns in docs/linux.md.
 *
 *   CPUs   APIC ID 0 is the boot CPU and stays with the hypervisor; 1 runs Linux, 2 rt0.
 *   RAM    the e1000 does DMA to the addresses its driver gives it, and Bochs has no IOMMU:
 *          every RAM region Linux could put a buffer in is mapped guest-physical ==
 *          host-physical. The one exception is its first megabyte, which Linux needs (zero
 *          page, ACPI tables, real-mode trampoline) and never uses for DMA (Linux reserves it
 *          whole); it comes from host memory just below the identity-mapped region.
 *
 *   host-physical           partition   guest-physical
 *   0x07f00000-0x08000000   linux       0x0-0x100000 (1 MiB)
 *   0x08000000-0x10000000   linux       0x8000000-0x10000000 (128 MiB, identity)
 *   0x10000000-0x10200000   rt0         0x0-0x200000
 *
 * The e1000, as Bochs's BIOS assigns it on that machine (seen by Linux bare on the same
 * machine, and in Bochs's log): 00:02.0, 8086:100e, interrupt pin INTA
 *   BAR 0  memory 0xc0000000, 128 KiB (its registers)
 *   BAR 1  I/O ports 0xc040-0xc07f (64 ports: the indirect register window)
 * Bochs's e1000 has no MSI: its interrupt is INTx, level-triggered. Slot 1's INTA is the
 * PIIX's PIRQB, which the BIOS routes to ISA IRQ 9 (the function's interrupt line register
 * says 9; the ELCR makes 9 level-triggered): I/O APIC input, GSI, 9. (Bare Linux moves PIRQB
 * to IRQ 10 through ACPI's interrupt link LNKB, as its SCI is on 9, so bare /proc/interrupts
 * shows 10; the router is not the partition's, so here the device stays on 9.)
 */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "net",
    .parts = PT_PARTITIONS(
	{
	    .name = "linux",
	    .kind = PART_LINUX,
	    .cpus = PT_CPUS(1),
	    .mem = PT_REGIONS(
		/* Linux's low megabyte: never a DMA buffer, so not identity-mapped. */
		{
		    .phys = 0x7f00000,
		    .size = 1 * MiB,
		    .guest = 0x0,
		    .access = MEM_RWX,
		    .kind = REGION_RAM,
		},
		/* The rest of its RAM, where the driver's DMA rings and buffers lie:
		 * guest-physical == host-physical. */
		{
		    .phys = 0x8000000,
		    .size = 128 * MiB,
		    .guest = 0x8000000,
		    .access = MEM_RWX,
		    .kind = REGION_RAM,
		}),
	    /* The CMOS clock, read for the wall-clock time at boot. */
	    .ports = PT_PORTS({.base = 0x70, .count = 2}),
	    /* The e1000 in PCI slot 1 of Bochs's i440FX: its configuration space (emulated
	     * per function), its BARs exactly as firmware assigned them, and its INTx,
	     * which reaches the partition's virtual I/O APIC on GSI 9. */
	    .devices = PT_DEVICES({
		.kind = DEV_PCI,
		.name = "e1000",
		.bdf = PT_BDF(0, 2, 0),
		.bar = {[0] = {.kind = BAR_MEM, .base = 0xc0000000, .size = 0x20000},
			[1] = {.kind = BAR_IO, .base = 0xc040, .size = 0x40}},
		.irq = 9,
	    }),
	    /* tests/emu/grub-net.cfg: `module2 /boot/vmlinuz-net linux` and
	     * `module2 /boot/initrd-net.img linux-initrd` */
	    .module = "linux",
	    .initrd = "linux-initrd",
	    /* nokaslr: the kernel stays where Bulkhead loads it (its decompressor finds no
	     * place to randomize to in this RAM and says so on COM1 otherwise). */
	    .cmdline = "console=ttyS0,115200 earlyprintk=serial,ttyS0,115200 nokaslr",
	    .fault = FAULT_STOP,
	},
	{
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(2),
	    .mem = PT_REGIONS({
		.phys = 0x10000000,
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
