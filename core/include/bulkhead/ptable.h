/*
 * The partition table: the one header every layout in partitions/ is written against.
 *
 * A layout is data, not code: one C file that fills `const struct partition_table
 * partition_table` with designated initializers (see partitions/default.c). It is linked into
 * the hypervisor image, and checked on the host by tools/ptcheck before the link (see
 * docs/partitions.md for every field and the rules the checker enforces).
 */
#ifndef BULKHEAD_PTABLE_H
#define BULKHEAD_PTABLE_H

#include "bulkhead/types.h"

#define PT_MAX_PARTITIONS 8
#define PT_MAX_CPUS	  16  /* per partition */
#define PT_MAX_REGIONS	  8   /* memory regions per partition */
#define PT_MAX_PORTS	  8   /* I/O port ranges per partition */
#define PT_MAX_DEVICES	  8   /* devices per partition */
#define PT_MAX_BARS	  6   /* base address registers of a PCI function (header type 0) */
#define PT_MAX_GSI	  240 /* I/O APIC inputs a device's .irq may name: 0..PT_MAX_GSI-1 */
#define PT_MAX_CHANNELS	  8   /* channels of a layout */

/* Where the hypervisor itself is loaded (boot/linker.ld) and the most it may span: no
 * partition may be given this range. The linker script asserts the image fits. */
#define HV_LOAD_ADDR 0x200000ULL
#define HV_MAX_SIZE  (14 * MiB)

/* Host-physical memory a region may reach (end exclusive): Bulkhead identity-maps only the
 * low 4 GiB for itself (boot/entry.asm; core/pmem.h's PMEM_DEFAULT_LIMIT), and it loads,
 * scrubs and reads partition memory through that map. */
#define PT_HOST_LIMIT (4 * GiB)
/* Guest-physical addresses a region may reach (end exclusive): the 4-level EPT translates
 * 48 bits (arch/x86/ept.c). */
#define PT_GUEST_LIMIT (1ULL << 48)

enum partition_kind {
	PART_KIND_INVALID = 0, /* left unset: the checker rejects it */
	PART_LINUX,	       /* boots a bzImage by the Linux x86 boot protocol */
	PART_PAYLOAD,	       /* boots a bare-metal payload (ELF64 or flat image) */
};

enum region_kind {
	REGION_INVALID = 0,
	REGION_RAM,    /* the partition's own memory: no other partition may overlap it */
	REGION_SHARED, /* memory shared on purpose: may overlap other partitions' SHARED regions */
	REGION_MMIO,   /* a device's registers passed through (uncached) */
};

/* Access rights of a region, as the partition's EPT grants them. */
#define MEM_R	0x1u
#define MEM_W	0x2u
#define MEM_X	0x4u
#define MEM_RW	(MEM_R | MEM_W)
#define MEM_RWX (MEM_R | MEM_W | MEM_X)

enum fault_policy {
	FAULT_STOP = 0, /* a fault parks the partition's CPUs for good */
	FAULT_RESTART,	/* a fault reloads its image from the pristine copy and starts it again */
};

enum dma_fault_policy {
	/* a DMA or interrupt its device makes that the IOMMU blocks stops or restarts it, as
	 * .fault says */
	DMA_FAULT_AS_FAULT = 0,
	DMA_FAULT_REPORT, /* it is only reported */
};

struct pt_region {
	u64 phys;   /* host-physical start, 4 KiB aligned */
	u64 size;   /* bytes, a non-zero multiple of 4 KiB */
	u64 guest;  /* guest-physical start, 4 KiB aligned */
	u32 access; /* MEM_R | MEM_W | MEM_X */
	u32 kind;   /* enum region_kind */
};

struct pt_ports {
	u16 base;  /* first port */
	u16 count; /* number of ports, >= 1 */
};

enum device_kind {
	DEV_INVALID = 0, /* left unset: the checker rejects it */
	DEV_PCI,	 /* a PCI function, by bus:device.function, with its BARs */
	DEV_LEGACY,	 /* an ISA-style device: I/O ports and an interrupt (e.g. COM2) */
};

enum bar_kind {
	BAR_NONE = 0, /* no BAR here (or the upper half of a 64-bit memory BAR) */
	BAR_MEM,      /* memory BAR: MMIO the partition maps at the same guest address */
	BAR_IO,	      /* I/O BAR: ports granted to the partition */
};

/* A BAR as firmware assigned it (what `lspci -v` shows); the boot check compares it with
 * the function's own and refuses the partition if they differ. */
struct pt_bar {
	u32 kind; /* enum bar_kind */
	u64 base; /* address (BAR_MEM, 4 KiB aligned) or first port (BAR_IO) */
	u64 size; /* bytes (a power of two, >= 4 KiB) or ports */
};

/* The flags of a device. */
#define DEV_NO_DMA 0x1u /* PCI: bus mastering stays off; the identity rule does not apply */

/* Bus, device and function of a PCI function, as `lspci` writes 00:02.0. */
#define PT_BDF(bus, dev, fn)                                                                       \
	((((u32)(bus)&0xffu) << 8) | (((u32)(dev)&0x1fu) << 3) | ((u32)(fn)&7u))
#define PT_BDF_BUS(bdf) (((bdf) >> 8) & 0xffu)
#define PT_BDF_DEV(bdf) (((bdf) >> 3) & 0x1fu)
#define PT_BDF_FN(bdf)	((bdf)&7u)

struct pt_device {
	u32 kind;			/* enum device_kind */
	const char *name;		/* printed in messages: "e1000", "com2" */
	u32 bdf;			/* DEV_PCI: PT_BDF(bus, device, function) */
	struct pt_bar bar[PT_MAX_BARS]; /* DEV_PCI: by BAR number */
	struct pt_ports ports;		/* DEV_LEGACY: its ports */
	/* The I/O APIC input (global system interrupt) its interrupt arrives on: for a legacy
	 * device its ISA IRQ, for a PCI function the number /proc/interrupts shows beside
	 * IO-APIC. 0: none (GSI 0 is the 8259's, never a device's). */
	u32 irq;
	u32 flags; /* DEV_NO_DMA */
};

struct partition_config {
	const char *name; /* printed on COM1; unique */
	u32 kind;	  /* enum partition_kind */
	struct {
		u32 apic_id[PT_MAX_CPUS];
		u32 count;
	} cpus; /* by APIC ID; the first one starts the image */
	struct {
		struct pt_region r[PT_MAX_REGIONS];
		u32 count;
	} mem;
	struct {
		struct pt_ports p[PT_MAX_PORTS];
		u32 count;
	} ports; /* I/O ports granted; every other port access is trapped */
	struct {
		struct pt_device d[PT_MAX_DEVICES];
		u32 count;
	} devices;	    /* devices it owns: their registers, ports and interrupts */
	const char *module; /* tag of the GRUB module holding the image: `module2 <file> <tag>` */
	const char
	    *initrd; /* PART_LINUX only, optional: tag of the GRUB module holding its initrd */
	const char *cmdline;
	u32 fault;     /* enum fault_policy */
	u32 dma_fault; /* enum dma_fault_policy */
};

/* One side of a channel (docs/channels.md): a partition on it, how it maps the channel's
 * memory, and the interrupt a doorbell rung by the other side raises there. */
struct pt_channel_end {
	const char *partition; /* its name, as in .parts */
	u32 access;  /* MEM_R or MEM_RW, as its REGION_SHARED region over the memory has */
	u32 vector;  /* 0x20-0xff: what its CPU takes when the other side rings */
	u32 apic_id; /* which of its CPUs takes it; 0 (never a partition's): its first */
};

/* Two partitions connected: shared memory (a REGION_SHARED region of both, exactly [phys,
 * phys + size), of no other partition) and a doorbell each way. */
struct pt_channel {
	const char *name; /* how each side finds it */
	u64 phys, size;
	struct pt_channel_end end[2];
};

struct partition_table {
	const char *layout; /* the layout's name, e.g. "default" */
	struct {
		struct partition_config p[PT_MAX_PARTITIONS];
		u32 count;
	} parts;
	struct {
		struct pt_channel c[PT_MAX_CHANNELS];
		u32 count;
	} channels;
};

/* Counted lists for designated initializers:
 *   .parts = PT_PARTITIONS({.name = "rt0", ...}, {.name = "linux", ...}),
 *   .cpus = PT_CPUS(2, 3),
 *   .mem = PT_REGIONS({.phys = ..., .size = ..., ...}, {...}),
 *   .ports = PT_PORTS({.base = 0x3f8, .count = 8}),
 *   .devices = PT_DEVICES({.kind = DEV_LEGACY, .name = "com2", ...}, {...}),
 *   .channels = PT_CHANNELS({.name = "samples", .phys = ..., .size = ..., .end = {...}}), */
#define PT_CPUS(...)                                                                               \
	{                                                                                          \
		.apic_id = {__VA_ARGS__}, .count = sizeof((u32[]){__VA_ARGS__}) / sizeof(u32)      \
	}
#define PT_REGIONS(...)                                                                            \
	{                                                                                          \
		.r = {__VA_ARGS__},                                                                \
		.count = sizeof((struct pt_region[]){__VA_ARGS__}) / sizeof(struct pt_region)      \
	}
#define PT_PORTS(...)                                                                              \
	{                                                                                          \
		.p = {__VA_ARGS__},                                                                \
		.count = sizeof((struct pt_ports[]){__VA_ARGS__}) / sizeof(struct pt_ports)        \
	}

#define PT_DEVICES(...)                                                                            \
	{                                                                                          \
		.d = {__VA_ARGS__},                                                                \
		.count = sizeof((struct pt_device[]){__VA_ARGS__}) / sizeof(struct pt_device)      \
	}

#define PT_CHANNELS(...)                                                                           \
	{                                                                                          \
		.c = {__VA_ARGS__},                                                                \
		.count = sizeof((struct pt_channel[]){__VA_ARGS__}) / sizeof(struct pt_channel)    \
	}

#define PT_PARTITIONS(...)                                                                         \
	{                                                                                          \
		.p = {__VA_ARGS__}, .count = sizeof((struct partition_config[]){__VA_ARGS__}) /    \
					     sizeof(struct partition_config)                       \
	}

/* Every layout file defines exactly this object. */
extern const struct partition_table partition_table;

#endif
