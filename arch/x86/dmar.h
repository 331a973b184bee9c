/*
 * ACPI DMAR table parser: the DMA Remapping Reporting Structure of the Intel VT-d
 * specification (chapter 8). It lists the remapping units (DRHD) with the devices each one
 * translates for, and the reserved memory regions (RMRR) firmware needs identity-mapped.
 *
 * Pure: it reads only the table bytes it is given (never outside [t, t + len)) and PCI
 * configuration bytes through a callback, so the host unit tests and the fuzzer run it as is.
 * Firmware is untrusted: every length is checked before what it covers is read.
 */
#ifndef BULKHEAD_ARCH_X86_DMAR_H
#define BULKHEAD_ARCH_X86_DMAR_H

#include "bulkhead/types.h"

#define DMAR_MAX_UNITS	8
#define DMAR_MAX_RMRRS	8
#define DMAR_MAX_SCOPES 32 /* all device scopes of all units and RMRRs together */

#define DMAR_FLAG_INTR_REMAP	  0x1u /* DMAR table flags, byte 37 */
#define DMAR_FLAG_X2APIC_OPT_OUT  0x2u
#define DMAR_FLAG_DMA_CTRL_OPT_IN 0x4u /* DMA control platform opt-in */
#define DMAR_FLAG_KNOWN		  0x7u /* the flags kept in dmar_info.flags */
#define DMAR_UNIT_INCLUDE_ALL	  0x1u /* DRHD flags bit 0: INCLUDE_PCI_ALL */
#define DMAR_TABLE_HEADER_SIZE	  48u  /* ACPI header, HAW, flags, 10 reserved bytes */
#define DMAR_PCI_SECONDARY_BUS	  0x19u
#define DMAR_PCI_SUBORDINATE_BUS  0x1au

enum dmar_scope_type {
	DMAR_SCOPE_ENDPOINT = 1,
	DMAR_SCOPE_BRIDGE = 2,
	DMAR_SCOPE_IOAPIC = 3,
	DMAR_SCOPE_HPET = 4,
	DMAR_SCOPE_ACPI_NAMESPACE = 5,
};

struct dmar_scope {
	u8 type;    /* enum dmar_scope_type (other types are skipped, not kept) */
	u8 enum_id; /* I/O APIC ID or HPET number (types 3, 4) */
	u16 bdf;    /* the path resolved: bus<<8 | dev<<3 | fn of the last element */
	/* Type 2 (bridge): the bus range below it (read through the callback); else 0. */
	u8 sec_bus, sub_bus;
};

struct dmar_unit { /* one DRHD */
	u64 base;  /* register base, 4 KiB aligned */
	/* Register set size in 4 KiB pages (ACPI 6+ "size" field: 2^N pages, N = bits 3:0;
	 * 1 when 0). */
	u32 pages;
	u16 segment;
	u8 flags;		      /* DMAR_UNIT_INCLUDE_ALL */
	u32 scope_first, scope_count; /* into dmar_info.scope[] */
};

struct dmar_rmrr {
	u64 base, limit; /* limit inclusive, as the table gives it (never below base) */
	u16 segment;
	u32 scope_first, scope_count;
};

struct dmar_info {
	u8 haw;	  /* host address width: the table's field + 1 */
	u8 flags; /* DMAR_FLAG_* (the known bits of byte 37) */
	u32 unit_count, rmrr_count, scope_count;
	struct dmar_unit unit[DMAR_MAX_UNITS];
	struct dmar_rmrr rmrr[DMAR_MAX_RMRRS];
	struct dmar_scope scope[DMAR_MAX_SCOPES];
	/* Structures or scopes not kept: a DRHD or RMRR beyond the limits above counts once (its
	 * scopes are checked but not counted again), a scope of a kept structure beyond
	 * DMAR_MAX_SCOPES once each. Unknown structure types (ATSR, RHSA, ANDD, SATC...) and
	 * unknown scope types are simply skipped and NOT counted. A caller that relies on
	 * dmar_unit_for() for isolation should refuse a table with dropped != 0: a device whose
	 * scope was dropped would fall to the INCLUDE_PCI_ALL unit. */
	u32 dropped;
};

/* Reads a byte of a PCI bridge's configuration space (bdf, register offset): the parser uses it
 * for register 0x19 (secondary bus) to walk multi-element paths and for 0x1a (subordinate bus)
 * of bridge scopes. Returns 0xff for an absent function. `bdf` is bus<<8 | dev<<3 | fn in bits
 * 15:0 and the structure's PCI segment in bits 31:16 (0 on a single-segment machine). A NULL
 * callback reads 0xff everywhere. */
typedef u8 (*dmar_cfg_read_fn)(u32 bdf, u32 reg, void *ctx);

/* Parse a DMAR table at `t` of `len` bytes (the caller has already checked the ACPI header
 * checksum and that len matches the header's length). Firmware is untrusted: every length is
 * checked; a structure whose length is < 4, runs past the table, or is too short for its type
 * stops the walk with an error; a device scope with a bad length (< 6, past its structure, an
 * odd path length) or an empty path is an error too, as are a path element with device > 31 or
 * function > 7, a DRHD whose base is not 4 KiB aligned or whose register set wraps past 2^64,
 * an RMRR whose limit is below its base, and a host address width field above 63.
 * Returns 0, or -1 with a one-line reason in `why` (e.g. "DRHD at offset 0x30: length 8 is
 * shorter than 16"; `why` may be NULL). `out` is zeroed first and holds what was parsed up to
 * an error: only whole structures, each with all of its kept scopes. */
int dmar_parse(const u8 *t, u32 len, dmar_cfg_read_fn cfg, void *ctx, struct dmar_info *out,
	       char *why, size_t why_size);

/* The unit that translates requests from `bdf` on segment 0: a unit whose scope names it
 * (endpoint with that bdf, or bridge that is `bdf` or whose [sec_bus, sub_bus] contains its
 * bus; the most specific match wins: an exact bdf, then the narrowest bridge range), else the
 * first segment-0 INCLUDE_PCI_ALL unit; -1 if none (also for a bdf above 0xffff). A bridge
 * range counts only when sec_bus is above the bridge's own bus and not above sub_bus. */
int dmar_unit_for(const struct dmar_info *d, u32 bdf);

/* The source-id (bdf) of I/O APIC `ioapic_id` from its scope; false if no unit lists it. */
bool dmar_ioapic_sid(const struct dmar_info *d, u32 ioapic_id, u16 *sid);

/* Does RMRR `i` name `bdf` (segment 0) in its scope? Endpoints by bdf; a bridge scope names
 * itself and the buses below it, as in dmar_unit_for(). */
bool dmar_rmrr_names(const struct dmar_info *d, u32 i, u32 bdf);

#endif
