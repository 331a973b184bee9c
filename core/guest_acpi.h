/*
 * ACPI tables Bulkhead writes for a Linux partition (ACPI 6.5 ch. 5), so that Linux finds
 * exactly its own CPUs and nothing it does not own.
 *
 * Debian's cloud kernel has no MP-table support: ACPI's MADT is the only way it learns its
 * CPUs. The tables describe a hardware-reduced ACPI platform (FADT flag HW_REDUCED_ACPI):
 * no PM timer, no SCI, no 8259 PIC or PIT for Linux to program, no sleep or reset registers.
 *   RSDP (revision 2) -> XSDT -> FADT (revision 6) -> DSDT
 *                            -> MADT: one local APIC (or x2APIC) entry per partition CPU
 * The DSDT declares COM1 (PNP0501, ports 0x3f8-0x3ff, no interrupt), so Linux drives
 * Bulkhead's emulated UART by polling. The FADT forces physical x2APIC destination mode:
 * every IPI Linux sends names an APIC ID that Bulkhead can check.
 *
 * A partition without devices gets no I/O APIC (Linux may not reroute anyone's interrupts).
 * One that owns PCI functions (`ioapic` set) also gets:
 *   MADT: an I/O APIC entry (its virtual one at GUEST_IOAPIC_GPA, whose pins are the
 *         machine's GSIs) and the machine's interrupt source overrides;
 *   DSDT: per PCI bus used, a root bridge PCbb (PNP0A03, _BBN = bus, _SEG 0) whose _PRT
 *         routes each device's pin through an interrupt link LKnn (PNP0C0F) to its GSI.
 * One given an MMCONFIG window (`mmcfg_base` set, the machine's, emulated by core/vpci.c)
 * also gets, whether or not it has an I/O APIC:
 *   XSDT -> MCFG (PCI Firmware 3.2 §4.1.2): one allocation, segment 0, its buses.
 * Links rather than static GSI entries: Linux takes a static _PRT GSI as level, active-low,
 * while a link's Extended Interrupt descriptor carries the trigger and polarity the machine
 * really uses (an override may say active-high, as on Bochs).
 */
#ifndef BULKHEAD_CORE_GUEST_ACPI_H
#define BULKHEAD_CORE_GUEST_ACPI_H

#include "bulkhead/payload_abi.h"
#include "bulkhead/ptable.h"
#include "bulkhead/types.h"

/* Where the partition's virtual I/O APIC is (its MADT entry; core/vioapic.c emulates it). */
#define GUEST_IOAPIC_GPA 0xfec00000ULL

/* A PCI function the partition owns, as its DSDT describes it: one PCI root bridge is declared
 * per bus used, and each function's interrupt pin is routed (_PRT) to its GSI. */
struct guest_acpi_pci {
	u32 bdf;	 /* PT_BDF(bus, device, function) */
	u8 pin;		 /* configuration register 0x3d: 1-4 = INTA#-INTD#, 0 = none */
	u32 gsi;	 /* the I/O APIC input the pin arrives on */
	bool level;	 /* how that input is wired: the machine's MADT override for it, */
	bool active_low; /* else PCI's own level-triggered, active-low */
	/* A BAR backed by the partition's own memory (a channel's, core/vchan.c), 0 if none:
	 * that memory is a device's, so the e820 map leaves it out (core/linux.c). */
	u64 ram_bar, ram_bar_size;
};

/* An interrupt source override (ACPI 6.5 §5.2.12.5), copied from the machine's MADT. */
struct guest_acpi_iso {
	u8 bus_irq; /* ISA IRQ */
	u32 gsi;
	u16 flags; /* MPS INTI flags: polarity bits 1:0, trigger mode bits 3:2 */
};

/* What the tables describe. */
struct guest_acpi_platform {
	const u32 *apic_ids; /* the partition's CPUs */
	u32 cpu_count;
	bool ioapic; /* list a (virtual) I/O APIC at GUEST_IOAPIC_GPA */
	u32 ioapic_id;
	u32 ioapic_gsi_base;
	const struct guest_acpi_pci *pci;
	u32 pci_count;
	const struct guest_acpi_iso *iso;
	u32 iso_count;
	u64 mmcfg_base;		    /* MMCONFIG: where bus 0 of segment 0 would be; 0: none */
	u32 mmcfg_start, mmcfg_end; /* the buses it decodes, start <= end <= 255 */
};

/* At most this many PCI functions (its devices and its channels) and overrides (ISA has 16
 * IRQs) are described. */
#define GUEST_ACPI_MAX_PCI (PT_MAX_DEVICES + PAYLOAD_MAX_CHANNELS)
#define GUEST_ACPI_MAX_ISO 16

/* Bytes guest_acpi_build() needs at most for `cpus` CPUs and GUEST_ACPI_MAX_PCI functions:
 * fixed tables (an MCFG included: 60 bytes), 16 per CPU, and per function a root bridge, a
 * _PRT entry and a link device (under 160 bytes of AML together). */
#define GUEST_ACPI_MAX_BYTES(cpus) (2048 + 16 * (cpus) + 160 * GUEST_ACPI_MAX_PCI)

/*
 * Write the tables describing `p` into buf (which the guest will see at guest-physical `gpa`;
 * the RSDP is at buf[0], 16-byte aligned if gpa is). Without p->ioapic, p->pci and p->iso are
 * not looked at; without p->mmcfg_base, the MMCONFIG buses are not. Returns the bytes used, or
 * 0 if `cap` is too small or `p` cannot be described: no CPU, more than GUEST_ACPI_MAX_PCI
 * functions or GUEST_ACPI_MAX_ISO overrides, an I/O APIC id above 255, a pin above 4, two
 * functions of one device whose same pin is wired differently (a _PRT entry names a device and
 * pin, not a function), or MMCONFIG buses out of order or above 255.
 */
size_t guest_acpi_build(u8 *buf, size_t cap, u64 gpa, const struct guest_acpi_platform *p);

#endif
