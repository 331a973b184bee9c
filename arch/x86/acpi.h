/*
 * ACPI table discovery: RSDP -> XSDT/RSDT -> MADT (ACPI 6.5 §5.2.5-§5.2.8, §5.2.12) and MCFG
 * (PCI Firmware Specification 3.3 §4.1.2).
 *
 * The parser never dereferences a physical address itself: every read goes through an
 * acpi_map_fn, so the hypervisor passes an identity mapper and the host unit tests pass a
 * fake physical memory. Firmware tables are untrusted input: every length is checked
 * against what the mapper made readable, and a bad table is reported and skipped rather
 * than stopping the boot, unless nothing usable is left.
 */
#ifndef BULKHEAD_ARCH_X86_ACPI_H
#define BULKHEAD_ARCH_X86_ACPI_H

#include "core/config.h"
#include "bulkhead/types.h"

/* Largest table accepted. Real MADTs/XSDTs are a few KiB; a larger length is corruption. */
#define ACPI_TABLE_MAX_LEN (1 * MiB)

/* Return a pointer through which [phys, phys+len) can be read, or NULL if that range is not
 * readable. The parser reads only inside ranges it mapped. */
typedef const void *(*acpi_map_fn)(u64 phys, u64 len, void *ctx);

struct acpi_cpu {
	u32 apic_id;
	u32 uid;	     /* ACPI processor UID */
	bool enabled;	     /* flags bit 0: ready for use */
	bool online_capable; /* not enabled, but can be brought online (MADT rev >= 5, bit 1) */
	bool from_x2apic_entry;
};

struct acpi_ioapic {
	u32 id;
	u32 addr;
	u32 gsi_base;
};

/* Interrupt Source Override (§5.2.12.5): ISA IRQ `source` arrives on `gsi`, wired as `flags`
 * say. Also used for NMI Sources (§5.2.12.6), which have only gsi and flags. */
struct acpi_iso {
	u8 bus; /* 0: ISA */
	u8 source;
	u32 gsi;
	u16 flags; /* MPS INTI flags, §5.2.12.5 Table 5.26 */
};

/* MPS INTI flags: polarity (bits 1:0) and trigger mode (bits 3:2); 0 = conforms to the bus. */
#define ACPI_INTI_POLARITY_MASK 0x3u
#define ACPI_INTI_POLARITY_HIGH 0x1u
#define ACPI_INTI_POLARITY_LOW	0x3u
#define ACPI_INTI_TRIGGER_MASK	0xcu
#define ACPI_INTI_TRIGGER_EDGE	0x4u
#define ACPI_INTI_TRIGGER_LEVEL 0xcu

/* Kept per table; more are counted (ISA has 16 IRQs, so 16 overrides at most make sense). */
#define ACPI_MAX_ISOS 16
#define ACPI_MAX_NMIS 4
#define ACPI_MAX_MCFG 8

/* One MCFG allocation (PCI Firmware 3.3 §4.1.2, Table 4-3): the ECAM area of buses
 * start_bus..end_bus of `segment`; `base` is where bus 0's configuration space would be. */
struct acpi_mcfg {
	u64 base;
	u16 segment;
	u8 start_bus;
	u8 end_bus;
};

struct acpi_table_ref {
	char sig[5]; /* "" when the header was unreadable or the entry was 0 */
	u64 phys;
	u32 len; /* as the header says (0 if unreadable) */
	u8 rev;
	bool checksum_ok; /* readable, 36 <= len <= cap, and byte sum 0: safe to use */
};

struct acpi_info {
	u8 rsdp_revision;
	char oem_id[7]; /* non-printable bytes shown as '?' */

	bool use_xsdt; /* XSDT if revision >= 2 and its address is valid, else RSDT */
	u64 root_phys;

	/* Every table the root lists, bad ones too (flagged); beyond MAX_ACPI_TABLES: counted. */
	u32 table_count;
	u32 tables_dropped;
	struct acpi_table_ref tables[MAX_ACPI_TABLES];

	bool has_madt; /* a MADT with a good checksum was found and walked */
	u64 madt_phys;
	u8 madt_rev;
	u64 lapic_addr; /* the MADT's 32-bit field, replaced by a type 5 override */
	u32 madt_flags; /* bit 0: PCAT_COMPAT (dual 8259s present) */

	/* In MADT order (the boot CPU should be first, §5.2.12.1). Beyond MAX_CPUS: counted. */
	u32 cpu_count;
	u32 cpus_dropped;
	struct acpi_cpu cpus[MAX_CPUS];

	u32 ioapic_count;
	u32 ioapics_dropped;
	struct acpi_ioapic ioapics[MAX_IOAPICS];

	u32 iso_count; /* interrupt source overrides, MADT order */
	u32 isos_dropped;
	struct acpi_iso isos[ACPI_MAX_ISOS];

	u32 nmi_count; /* NMI sources (§5.2.12.6): GSIs wired to NMI */
	u32 nmis_dropped;
	struct acpi_iso nmis[ACPI_MAX_NMIS];

	bool has_mcfg; /* an MCFG with a good checksum was found and walked */
	u32 mcfg_count;
	u32 mcfg_dropped; /* beyond ACPI_MAX_MCFG, or malformed (end bus below start bus) */
	struct acpi_mcfg mcfg[ACPI_MAX_MCFG];
};

/*
 * Parse the RSDP bytes (e.g. copied by GRUB into a Multiboot2 tag: 20 bytes for revision 0,
 * 36 for 2+), the root table it points to, every table the root lists, and the MADT.
 * Returns 0 when a root table was usable (check out->has_madt), or a negative E_* code when
 * nothing usable was found. *out is always fully written.
 */
int acpi_parse(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *ctx,
	       struct acpi_info *out);

/* acpi_parse() for an RSDP at a physical address (e.g. from acpi_find_rsdp()). */
int acpi_parse_at(u64 rsdp_phys, acpi_map_fn map, void *ctx, struct acpi_info *out);

/*
 * Scan [phys, phys+len) on 16-byte boundaries for an RSDP with a valid signature and
 * checksum (§5.2.5.1: the EBDA's first KiB, then 0xE0000-0xFFFFF on BIOS systems).
 * Returns its physical address, or 0 if there is none.
 */
u64 acpi_find_rsdp(acpi_map_fn map, void *ctx, u64 phys, u64 len);

/* The first listed table with signature `sig` (4 characters) and a good checksum, or NULL. */
const struct acpi_table_ref *acpi_find_table(const struct acpi_info *info, const char *sig);

/* The number of usable CPUs: enabled, or online-capable. */
u32 acpi_usable_cpus(const struct acpi_info *info);

/* The first interrupt source override that routes to `gsi`, or NULL. */
const struct acpi_iso *acpi_iso_for_gsi(const struct acpi_info *info, u32 gsi);

/*
 * How `gsi` is wired when the MADT overrides it: true, with *level and *active_low set from
 * the override's flags ("conforms to the bus" meaning ISA's edge, active-high). False, and
 * nothing written, when no override names it: the caller's bus default (PCI: level,
 * active-low) applies.
 */
bool acpi_gsi_wiring(const struct acpi_info *info, u32 gsi, bool *level, bool *active_low);

/* The MCFG allocation covering `bus` of `segment`, or NULL. */
const struct acpi_mcfg *acpi_mcfg_for(const struct acpi_info *info, u16 segment, u8 bus);

/* The FADT's reset register (ACPI 6.5 §5.2.9 Table 5.9, §4.8.3.6): writing `value` to it
 * resets the machine. */
struct acpi_reset {
	u8 space; /* ACPI_SPACE_*: where `addr` is */
	u64 addr; /* a physical address, a port, or (PCI) device << 32 | function << 16 | offset */
	u8 value;
};
#define ACPI_SPACE_MEMORY 0
#define ACPI_SPACE_IO	  1
#define ACPI_SPACE_PCI	  2

/* The reset register of the FADT `len` bytes at `fadt`, if it has one (revision 2 or later
 * layout, flags RESET_REG_SUP, an 8-bit register in memory, I/O or PCI space, nonzero
 * address): true and *out written. */
bool acpi_fadt_reset(const void *fadt, u32 len, struct acpi_reset *out);

/* The machine's tables as arch/x86/platform.c parsed them at boot (all false/NULL/0 when
 * there were none): for whoever describes devices to a partition. */
bool platform_gsi_wiring(u32 gsi, bool *level, bool *active_low);
/* The FADT's reset register, if the machine's FADT has one. */
bool platform_reset_register(struct acpi_reset *out);
u32 platform_isos(const struct acpi_iso **isos);
const struct acpi_mcfg *platform_mcfg(u16 segment, u8 bus);

#endif
