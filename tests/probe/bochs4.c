/*
 * Layout "bochs4", written by Bulkhead's probe (the boot option `probe`) on the machine below:
 * Linux beside one real-time payload. tools/layout-from-log.sh took it from COM1; check it with
 * tools/ptcheck.sh and build it with `make LAYOUT=<this file>`. The choices are explained below:
 * change what you like, ptcheck says if a rule breaks. docs/partitions.md explains every field, and
 * the probe in its section "Probe".
 *
 * The machine, as Bulkhead saw it at this boot (loader "GRUB 2.06-13+deb12u2", BIOS):
 *   CPUs      4 usable (APIC IDs 0, 1, 2, 3); the boot CPU is APIC ID 0
 *   SMT       none: one thread a core (CPUID leaf 0xb)
 *   RAM       1023 MiB usable (the Multiboot2 memory map's type 1 ranges):
 *               0x000000000-0x00009f000  636 KiB
 *               0x000100000-0x03fff0000  1022 MiB
 *   Reserved  by Bulkhead at this boot, out of every partition's reach:
 *               0x000000000-0x000001000  page 0
 *               0x000200000-0x000292000  hypervisor
 *               0x0001f5000-0x0001f6000  multiboot2 info
 *   Modules   3 (GRUB's module2 lines: where GRUB put each, its tag and words):
 *               0x000292000-0x00101a7c0  "linux" (13 MiB)
 *               0x00101b000-0x0012f0600  "linux-initrd" (2901 KiB)
 *               0x0001d6000-0x0001f55e0  "rt0 period_ms=1000" (125 KiB)
 *   I/O APIC  24 inputs (GSI 0-23)
 *             ISA IRQ 0 arrives on GSI 2 (the MADT says so)
 *   IOMMU     none (no VT-d): a device's DMA reaches any address
 *   PCI       5 functions: 3 bridges (Bulkhead's), 2 others (in linux's row)
 *               00:00.0 8086:1237 host bridge (class 0x060000)
 *               00:01.0 8086:7000 bridge (class 0x060100)
 *               00:01.3 8086:7113 bridge (class 0x068000)
 *
 * What Bulkhead keeps: the boot CPU; 2-16 MiB (its image may span that much); its reservations
 * above, and the RAM left free below; COM1 and its IRQ 4; the I/O APIC and the local APICs; PCI
 * configuration space and the bridges; the reset, 8259, DMA-controller and SMI ports
 * (docs/devices.md, "What Bulkhead keeps").
 *
 * CPUs. Bulkhead keeps the boot CPU, APIC ID 0: its console and shell run there.
 *   rt0, the payload, gets APIC ID 3, the last CPU (a core of its own).
 *   Linux gets the others, 1 and 2 (the first starts it).
 *
 * RAM. Partitions' RAM starts at 0x4000000 (64 MiB): at 64 MiB, or higher to leave 16 MiB above the
 *   modules GRUB put just above Bulkhead (they end at 0x12f1000 at this boot), so that a larger
 *   kernel or initrd still fits there next time; modules elsewhere are left out where they are.
 *   Every range is 2 MiB aligned (2 MiB pages in the EPT) and below 4 GiB (Bulkhead maps only the
 *   low 4 GiB).
 *   The largest free range, 0x4000000-0x3fe00000 (958 MiB), holds from its top:
 *   - 32 MiB left free for Bulkhead's own allocations at each boot (page tables, per-CPU stacks,
 *     VMCS and EPT tables: it takes them from the top of free RAM);
 *   - rt0's 2 MiB, at guest-physical 0 (its information page is at 0x1000, its image at 1 MiB): the
 *     demo payloads (heartbeat, latency, ...) fit in it; give a larger image more;
 *   - Linux's RAM, mapped guest-physical == host-physical, so that a PCI device given to it can do
 *     DMA on a machine without VT-d (docs/devices.md, "DMA"); Linux's first megabyte (zero page,
 *     ACPI tables, the trampoline that starts its other CPUs), which Linux never uses for DMA, is
 *     the 1 MiB just below it, mapped at guest 0.
 *
 *   host-physical           partition   guest-physical
 *   0x04100000-0x04200000   linux       0x0-0x100000 (1 MiB)
 *   0x04200000-0x3dc00000   linux       the same (922 MiB)
 *   0x3dc00000-0x3de00000   rt0         0x0-0x200000 (2 MiB)
 *   0x3de00000-0x3fe00000   -           free, for Bulkhead
 *
 * The GRUB entry (make install writes one for the built layout: docs/install.md):
 *
 *   menuentry "Bulkhead" {
 *           multiboot2 /boot/bulkhead.bin loglevel=info
 *           module2 /boot/vmlinuz linux
 *           module2 /boot/initrd.img linux-initrd
 *           module2 /boot/heartbeat.elf rt0 period_ms=1000
 *           boot
 *   }
 */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "bochs4",
    .parts = PT_PARTITIONS(
	{
	    .name = "linux",
	    .kind = PART_LINUX,
	    .cpus = PT_CPUS(1, 2),
	    .mem = PT_REGIONS(
		/* Linux's first megabyte: never a DMA buffer, so not guest == host. */
		{
		    .phys = 0x4100000,
		    .size = 1 * MiB,
		    .guest = 0x0,
		    .access = MEM_RWX,
		    .kind = REGION_RAM,
		},
		/* The rest of its RAM: guest-physical == host-physical. */
		{
		    .phys = 0x4200000,
		    .size = 922 * MiB,
		    .guest = 0x4200000,
		    .access = MEM_RWX,
		    .kind = REGION_RAM,
		}),
	    /* The CMOS clock, read for the wall-clock time at boot. */
	    .ports = PT_PORTS({.base = 0x70, .count = 2}),
	    /* The PCI functions of this machine (docs/devices.md): each entry, uncommented, gives
	     * one to this partition, its BARs as firmware assigned them and its interrupt as said.
	     * To give several, list them in one PT_DEVICES({...}, {...}); to give one to rt0, move
	     * it to rt0's row with .flags = DEV_NO_DMA (without VT-d a device that does DMA needs
	     * RAM at guest == host, which rt0's is not).
	     */
	    /* 00:01.1 8086:7010, IDE controller (class 0x010180): BAR 4 ports 0xc000, 16 ports. No
	     * interrupt pin: .irq 0 (MSI only, or no interrupt). Function 0 of its device is a
	     * bridge, Bulkhead's: Linux looks for the other functions only behind function 0 (a
	     * payload's driver finds it).
	     */
	    // .devices = PT_DEVICES({
	    //     .kind = DEV_PCI,
	    //     .name = "ide-00:01.1",
	    //     .bdf = PT_BDF(0x00, 0x01, 0x1),
	    //     .bar[4] = {.kind = BAR_IO, .base = 0xc000, .size = 0x10},
	    //     .irq = 0,
	    // }),
	    /* 00:01.2 8086:7020, USB controller (class 0x0c0300): BAR 4 ports 0xc020, 32 ports. Pin
	     * INTD, which the PIIX routes to ISA IRQ 9 (its interrupt line): GSI 9. Function 0 of
	     * its device is a bridge, Bulkhead's: Linux looks for the other functions only behind
	     * function 0 (a payload's driver finds it).
	     */
	    // .devices = PT_DEVICES({
	    //     .kind = DEV_PCI,
	    //     .name = "usb-00:01.2",
	    //     .bdf = PT_BDF(0x00, 0x01, 0x2),
	    //     .bar[4] = {.kind = BAR_IO, .base = 0xc020, .size = 0x20},
	    //     .irq = 9,
	    // }),
	    /* GRUB: `module2 /boot/vmlinuz linux` and `module2 /boot/initrd.img linux-initrd`;
	     * words after the kernel's tag are added to .cmdline. nokaslr: the kernel stays where
	     * Bulkhead loads it (its decompressor finds no place to randomize to in RAM that does
	     * not start at guest 0, and says so otherwise). */
	    .module = "linux",
	    .initrd = "linux-initrd",
	    .cmdline = "console=ttyS0,115200 earlyprintk=serial,ttyS0,115200 nokaslr",
	    .fault = FAULT_STOP,
	},
	{
	    .name = "rt0",
	    .kind = PART_PAYLOAD,
	    .cpus = PT_CPUS(3),
	    .mem = PT_REGIONS({
		.phys = 0x3dc00000,
		.size = 2 * MiB,
		.guest = 0x0,
		.access = MEM_RWX,
		.kind = REGION_RAM,
	    }),
	    /* GRUB: `module2 /boot/heartbeat.elf rt0 period_ms=1000` (any payload image). */
	    .module = "rt0",
	    .cmdline = "",
	    .fault = FAULT_STOP,
	}),
};
