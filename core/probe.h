/*
 * The probe (boot option `probe`, docs/partitions.md "Probe"): a starting layout for the
 * machine Bulkhead booted on, written as a partition table file in the project's C format.
 *
 * Two halves. probe_gather() (core/probe_boot.c) describes the machine, reading it through
 * arch/x86/arch.h (CPUs, their SMT siblings, the I/O APIC, PCI configuration space), the
 * Multiboot2 information (memory map, modules) and the page allocator's reservations.
 * probe_write_layout() (core/probe.c) turns a description into the C text, one line at a time
 * through a callback: it touches no hardware, so the unit test runs it over fake machines and
 * compiles what it writes with tools/ptcheck.
 */
#ifndef BULKHEAD_CORE_PROBE_H
#define BULKHEAD_CORE_PROBE_H

#include "core/config.h"
#include "bulkhead/ptable.h"
#include "bulkhead/types.h"

#define PROBE_MAX_RANGES  MAX_MMAP
#define PROBE_MAX_RESV	  (MAX_MODULES + 8)
#define PROBE_MAX_PCI	  64 /* functions described; more are counted */
#define PROBE_NAME_LEN	  32
#define PROBE_LAYOUT_NAME "probed" /* the layout's name when the option gives none */

/* On the console (docs/console.md): the layout's lines between two markers, each prefixed so
 * that tools/layout-from-log.sh takes back exactly the text (an empty line is the bare prefix). */
#define PROBE_BEGINS "bulkhead: probe: layout begins"
#define PROBE_ENDS   "bulkhead: probe: layout ends"
#define PROBE_PREFIX "layout|"

struct probe_cpu {
	u32 apic_id;
	bool online; /* it answered INIT-SIPI-SIPI at this boot */
};

struct probe_range {
	u64 start, end; /* [start, end) */
};

/* Something Bulkhead keeps out of every partition at each boot: its image, the boot
 * information, a module (pmem's reservations). */
struct probe_reservation {
	u64 start, end;
	char name[PROBE_NAME_LEN];
};

struct probe_module {
	u64 start, end;
	char cmdline[PROBE_NAME_LEN * 2]; /* its tag and words, cut short if longer */
};

/* A PCI function as configuration space shows it; BARs sized as core/vpci.c sizes them. */
struct probe_pci_fn {
	u32 bdf; /* PT_BDF() */
	u16 vendor, device;
	u32 class_code; /* base class, subclass, programming interface: PCI_CLASS_REV >> 8 */
	u8 header_type; /* without the multi-function bit */
	bool multifunction;
	u8 pin;	 /* 0: none, 1-4: INTA-INTD */
	u8 line; /* the interrupt line register firmware wrote */
	struct pt_bar bar[PT_MAX_BARS];
	u8 bar64;    /* bit n: BAR n is a 64-bit memory BAR (n + 1 is its upper half) */
	u8 prefetch; /* bit n: BAR n is prefetchable memory */
};

struct probe_machine {
	char loader[64];
	bool uefi;
	char layout[PROBE_NAME_LEN]; /* the generated layout's name */

	/* Usable CPUs the firmware lists, the boot CPU first. */
	u32 cpu_count;
	struct probe_cpu cpus[MAX_CPUS];
	/* SMT: CPUs whose APIC IDs are equal above the low `smt_shift` bits are threads of one
	 * core (CPUID leaf 0x1f or 0xb). smt_known false: the CPU does not say. */
	bool smt_known;
	u32 smt_shift;

	/* Usable RAM (Multiboot2 memory map type 1), as the map lists it. */
	u32 ram_count;
	struct probe_range ram[PROBE_MAX_RANGES];
	/* What Bulkhead reserved at this boot (page 0, itself, the boot information, modules). */
	u32 resv_count;
	struct probe_reservation resv[PROBE_MAX_RESV];
	u32 module_count;
	struct probe_module modules[MAX_MODULES];

	/* The machine's first I/O APIC: inputs from GSI 0 (0: none). ISA IRQ i arrives on
	 * isa_gsi[i] (the MADT's interrupt source overrides applied). */
	u32 ioapic_pins;
	u32 isa_gsi[16];
	bool iommu; /* VT-d Bulkhead can drive */

	u32 pci_count;
	struct probe_pci_fn pci[PROBE_MAX_PCI];
	u32 pci_dropped;
};

/* Receives one line of C text, without its line end (may be empty). */
typedef void (*probe_line_fn)(void *ctx, const char *line);

/* Write the layout for `m` through `out`: a file that compiles against bulkhead/ptable.h and
 * passes tools/ptcheck (unless the machine has no CPU or RAM to give, which it says). */
void probe_write_layout(const struct probe_machine *m, probe_line_fn out, void *ctx);

/* The one-line summary Bulkhead prints before the layout: "<n> cpus ..., <n> MiB ...". */
void probe_summary(const struct probe_machine *m, char *buf, size_t size);

/* 1-31 letters, digits, '-' or '_': a name `probe=<name>` may give the layout. */
bool probe_layout_name_ok(const char *name);

struct mb2_info;
/* Describe the machine Bulkhead booted on (the boot CPU, after SMP start-up; before any
 * partition reserved memory). Scans PCI bus 0-255 through arch_pci_read/write, sizing BARs
 * with decoding off meanwhile. */
void probe_gather(const struct mb2_info *mb, const char *layout, struct probe_machine *m);

/* The PCI scan alone, into m->pci (the unit test drives it over a fake configuration space). */
void probe_scan_pci(struct probe_machine *m);

/* At boot, with `probe[=<name>]` (after the hardware report, the other CPUs halted): the
 * summary line, PROBE_BEGINS, the layout's lines, PROBE_ENDS, on the console. */
void probe_run(const struct mb2_info *mb, const char *layout);

#endif
