/*
 * ACPI table parser: RSDP -> XSDT/RSDT -> MADT, MCFG. Section numbers are ACPI 6.5 unless
 * they name the PCI Firmware Specification (revision 3.3).
 *
 * All multi-byte fields are read byte-wise little-endian: firmware places tables and XSDT
 * entries at any byte address. Lengths come from the tables themselves, so each one is
 * bounded by what the mapper returned before anything behind it is read.
 */
#include "arch/x86/acpi.h"
#include "core/error.h"
#include "core/log.h"
#include "core/lib/string.h"

/* §5.2.5.3 Root System Description Pointer structure. */
enum {
	RSDP_SIG = 0,	   /* "RSD PTR " */
	RSDP_OEM_ID = 9,   /* 6 bytes */
	RSDP_REV = 15,	   /* 0: ACPI 1.0 (20 bytes), 2: ACPI 2.0+ (extended) */
	RSDP_RSDT = 16,	   /* u32 */
	RSDP_LEN = 20,	   /* u32, whole structure (revision 2+) */
	RSDP_XSDT = 24,	   /* u64 */
	RSDP_V1_SIZE = 20, /* the checksum covers these bytes */
	RSDP_V2_SIZE = 36,
	RSDP_MAX_SIZE = 4096, /* sanity cap on the length field when reading from memory */
};

/* §5.2.6 System Description Table header. */
enum {
	SDT_SIG = 0,
	SDT_LEN = 4,
	SDT_REV = 8,
	SDT_HDR_SIZE = 36,
};

/* §5.2.12 MADT: header, then local APIC address and flags, then the entries. */
enum {
	MADT_LAPIC_ADDR = 36,
	MADT_FLAGS = 40,
	MADT_ENTRIES = 44,
	MADT_REV_ONLINE_CAPABLE = 5, /* flag bit 1 is defined from MADT revision 5 (ACPI 6.3) */
};

/* §5.2.12 Table 5.21: interrupt controller structure types handled here. */
enum {
	MADT_LAPIC = 0,		 /* §5.2.12.2 */
	MADT_IOAPIC = 1,	 /* §5.2.12.3 */
	MADT_ISO = 2,		 /* §5.2.12.5 */
	MADT_NMI_SOURCE = 3,	 /* §5.2.12.6 */
	MADT_LAPIC_OVERRIDE = 5, /* §5.2.12.8 */
	MADT_X2APIC = 9,	 /* §5.2.12.12 */
};

/* PCI Firmware 3.3 §4.1.2 Table 4-2/4-3: the MCFG's header, 8 reserved bytes, then 16-byte
 * allocations. PCI Express Base 6.0 §7.2.2: each bus takes 1 MiB of the ECAM area. */
enum {
	MCFG_ENTRIES = 44,
	MCFG_ENTRY_SIZE = 16,
	MCFG_BASE = 0,
	MCFG_SEGMENT = 8,
	MCFG_START_BUS = 10,
	MCFG_END_BUS = 11,
	ECAM_BUS_SHIFT = 20,
};

/* §5.2.12.2 Table 5.23 Local APIC flags. */
#define LAPIC_ENABLED	     (1u << 0)
#define LAPIC_ONLINE_CAPABLE (1u << 1)

struct mapper {
	acpi_map_fn map;
	void *ctx;
};

/* State of one MADT walk; `len` has been checked against the mapped range. */
struct madt_walk {
	const u8 *t;
	u32 len;
	u64 phys;
	u8 rev;
	bool lapic_overridden;
	struct acpi_info *out;
};

static u16 rd16(const u8 *p)
{
	return (u16)(p[0] | (u16)p[1] << 8);
}

static u32 rd32(const u8 *p)
{
	return (u32)rd16(p) | (u32)rd16(p + 2) << 16;
}

static u64 rd64(const u8 *p)
{
	return (u64)rd32(p) | (u64)rd32(p + 4) << 32;
}

static u8 byte_sum(const u8 *p, u64 len)
{
	u8 sum = 0;

	while (len--)
		sum = (u8)(sum + *p++);
	return sum;
}

/* Signatures and OEM IDs go into log lines: never let firmware bytes reach the console raw. */
static void copy_name(char *dst, const u8 *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
	dst[n] = '\0';
}

static unsigned long long ull(u64 v)
{
	return (unsigned long long)v;
}

static const u8 *map_range(const struct mapper *m, u64 phys, u64 len)
{
	if (len == 0 || phys > UINT64_MAX - len)
		return NULL;
	return m->map(phys, len, m->ctx);
}

/* The ACPI 2.0+ part of the RSDP (§5.2.5.3); returns the XSDT address, or 0 to use the RSDT. */
static u64 rsdp_xsdt(const u8 *r, size_t len)
{
	u32 xlen;
	u8 sum;

	if (len < RSDP_V2_SIZE) {
		log_warn("acpi: RSDP: revision %u but only %zu bytes given, using the RSDT\n",
			 r[RSDP_REV], len);
		return 0;
	}
	xlen = rd32(r + RSDP_LEN);
	if (xlen < RSDP_V2_SIZE || xlen > len) {
		log_warn("acpi: RSDP: length %u invalid (must be %u..%zu), using the RSDT\n", xlen,
			 RSDP_V2_SIZE, len);
		return 0;
	}
	sum = byte_sum(r, xlen);
	if (sum) {
		log_warn("acpi: RSDP: extended checksum bad (sum 0x%02x), using the RSDT\n", sum);
		return 0;
	}
	return rd64(r + RSDP_XSDT);
}

/* §5.2.5.3: signature, then the checksum over the ACPI 1.0 part, which holds the RSDT. */
static int rsdp_check(const u8 *r, size_t len, struct acpi_info *out, u64 *xsdt, u32 *rsdt)
{
	u8 sum;

	if (!r || len < RSDP_V1_SIZE) {
		log_err("acpi: RSDP: %zu bytes given, need at least %u\n", r ? len : 0,
			RSDP_V1_SIZE);
		return ERR(E_INVAL);
	}
	if (memcmp(r + RSDP_SIG, "RSD PTR ", 8) != 0) {
		log_err("acpi: RSDP: bad signature, no ACPI tables\n");
		return ERR(E_INVAL);
	}
	sum = byte_sum(r, RSDP_V1_SIZE);
	if (sum) {
		log_err("acpi: RSDP: checksum bad (sum 0x%02x), no ACPI tables\n", sum);
		return ERR(E_CHECKSUM);
	}
	out->rsdp_revision = r[RSDP_REV];
	copy_name(out->oem_id, r + RSDP_OEM_ID, 6);
	*rsdt = rd32(r + RSDP_RSDT);
	*xsdt = r[RSDP_REV] >= 2 ? rsdp_xsdt(r, len) : 0;
	return 0;
}

/*
 * Map and validate one table (§5.2.6): readable header, `expect` signature if given,
 * 36 <= length <= cap, whole length readable, byte sum 0. Fills *ref in every case; on
 * failure logs one line at `lvl` ending in `then` (what happens next).
 */
static int table_load(const struct mapper *m, u64 phys, const char *expect, enum log_level lvl,
		      const char *then, struct acpi_table_ref *ref, const u8 **tbl)
{
	const char *name = expect ? expect : "table";
	const u8 *h;
	u8 sum;

	memset(ref, 0, sizeof(*ref));
	ref->phys = phys;
	*tbl = NULL;
	h = map_range(m, phys, SDT_HDR_SIZE);
	if (!h) {
		log_msg(lvl, "acpi: %s at 0x%llx: header not readable, %s\n", name, ull(phys),
			then);
		return ERR(E_RANGE);
	}
	copy_name(ref->sig, h + SDT_SIG, 4);
	ref->len = rd32(h + SDT_LEN);
	ref->rev = h[SDT_REV];
	if (expect && memcmp(h + SDT_SIG, expect, 4) != 0) {
		log_msg(lvl, "acpi: %s at 0x%llx: signature is '%s', %s\n", name, ull(phys),
			ref->sig, then);
		return ERR(E_INVAL);
	}
	name = ref->sig;
	if (ref->len < SDT_HDR_SIZE) {
		log_msg(lvl,
			"acpi: %s at 0x%llx: length %u is smaller than the %u-byte header, %s\n",
			name, ull(phys), ref->len, SDT_HDR_SIZE, then);
		return ERR(E_INVAL);
	}
	if (ref->len > ACPI_TABLE_MAX_LEN) {
		log_msg(lvl, "acpi: %s at 0x%llx: length %u exceeds the %llu-byte limit, %s\n",
			name, ull(phys), ref->len, ull(ACPI_TABLE_MAX_LEN), then);
		return ERR(E_RANGE);
	}
	*tbl = map_range(m, phys, ref->len);
	if (!*tbl) {
		log_msg(lvl, "acpi: %s at 0x%llx: %u bytes not readable, %s\n", name, ull(phys),
			ref->len, then);
		return ERR(E_RANGE);
	}
	sum = byte_sum(*tbl, ref->len);
	if (sum) {
		*tbl = NULL;
		log_msg(lvl, "acpi: %s at 0x%llx: checksum bad (sum 0x%02x), %s\n", name, ull(phys),
			sum, then);
		return ERR(E_CHECKSUM);
	}
	ref->checksum_ok = true;
	return 0;
}

/* §5.2.5.3: use the XSDT when there is one; a bad XSDT falls back to the RSDT if it is good. */
static int root_load(const struct mapper *m, u64 xsdt, u32 rsdt, struct acpi_info *out,
		     const u8 **root, u32 *len)
{
	struct acpi_table_ref ref;
	int err;

	if (xsdt) {
		err = table_load(m, xsdt, "XSDT", rsdt ? LOG_WARN : LOG_ERR,
				 rsdt ? "trying the RSDT" : "no ACPI tables", &ref, root);
		if (!err) {
			out->use_xsdt = true;
			out->root_phys = xsdt;
			*len = ref.len;
			return 0;
		}
		if (!rsdt)
			return err;
	}
	if (!rsdt) {
		log_err("acpi: RSDP: RSDT address is 0, no ACPI tables\n");
		return ERR(E_NOTFOUND);
	}
	err = table_load(m, rsdt, "RSDT", LOG_ERR, "no ACPI tables", &ref, root);
	if (err)
		return err;
	if (xsdt)
		log_warn("acpi: using the RSDT at 0x%x instead of the XSDT\n", rsdt);
	out->root_phys = rsdt;
	*len = ref.len;
	return 0;
}

/* Keep a usable entry whose APIC ID is new. Unusable entries are recorded (as not enabled)
 * but take no part in the duplicate check: §5.2.12.2 tells OSPM to ignore their contents. */
static void madt_cpu(struct madt_walk *w, u32 apic_id, u32 uid, u32 flags, bool x2)
{
	struct acpi_info *out = w->out;
	struct acpi_cpu cpu = {
	    .apic_id = apic_id,
	    .uid = uid,
	    .enabled = flags & LAPIC_ENABLED,
	    .online_capable = !(flags & LAPIC_ENABLED) && (flags & LAPIC_ONLINE_CAPABLE) &&
			      w->rev >= MADT_REV_ONLINE_CAPABLE,
	    .from_x2apic_entry = x2,
	};

	for (u32 i = 0; (cpu.enabled || cpu.online_capable) && i < out->cpu_count; i++) {
		const struct acpi_cpu *c = &out->cpus[i];

		if ((c->enabled || c->online_capable) && c->apic_id == apic_id) {
			log_warn(
			    "acpi: APIC at 0x%llx: APIC ID 0x%x listed twice (UIDs %u and %u), "
			    "keeping the first\n",
			    ull(w->phys), apic_id, c->uid, uid);
			return;
		}
	}
	if (out->cpu_count >= MAX_CPUS) {
		out->cpus_dropped++;
		return;
	}
	out->cpus[out->cpu_count++] = cpu;
}

static void madt_ioapic(struct madt_walk *w, const u8 *e)
{
	struct acpi_info *out = w->out;

	if (out->ioapic_count >= MAX_IOAPICS) {
		out->ioapics_dropped++;
		return;
	}
	out->ioapics[out->ioapic_count++] = (struct acpi_ioapic){
	    .id = e[2],
	    .addr = rd32(e + 4),
	    .gsi_base = rd32(e + 8),
	};
}

/* §5.2.12.5: bus (0 = ISA), source IRQ, GSI, MPS INTI flags. */
static void madt_iso(struct madt_walk *w, const u8 *e)
{
	struct acpi_info *out = w->out;

	if (out->iso_count >= ACPI_MAX_ISOS) {
		out->isos_dropped++;
		return;
	}
	out->isos[out->iso_count++] = (struct acpi_iso){
	    .bus = e[2], .source = e[3], .gsi = rd32(e + 4), .flags = rd16(e + 8)};
}

/* §5.2.12.6: flags, then the GSI that is an NMI. */
static void madt_nmi_source(struct madt_walk *w, const u8 *e)
{
	struct acpi_info *out = w->out;

	if (out->nmi_count >= ACPI_MAX_NMIS) {
		out->nmis_dropped++;
		return;
	}
	out->nmis[out->nmi_count++] = (struct acpi_iso){.gsi = rd32(e + 4), .flags = rd16(e + 2)};
}

/* §5.2.12.8: at most one override may be defined; keep the first if firmware lists more. */
static void madt_lapic_override(struct madt_walk *w, const u8 *e)
{
	u64 addr = rd64(e + 4);

	if (w->lapic_overridden) {
		log_warn("acpi: APIC at 0x%llx: second local APIC address override (0x%llx) "
			 "ignored\n",
			 ull(w->phys), ull(addr));
		return;
	}
	w->lapic_overridden = true;
	w->out->lapic_addr = addr;
}

/* Bytes an entry of `type` needs for the fields read here; unknown types need just the
 * type and length bytes. */
static u32 madt_entry_min_len(u8 type)
{
	switch (type) {
	case MADT_LAPIC:
	case MADT_NMI_SOURCE:
		return 8;
	case MADT_ISO:
		return 10;
	case MADT_IOAPIC:
	case MADT_LAPIC_OVERRIDE:
		return 12;
	case MADT_X2APIC:
		return 16;
	default:
		return 2;
	}
}

/* Check the entry at `off` fits and decode it. False means stop: the entry framing is
 * broken, so nothing after it can be trusted to start on an entry boundary. */
static bool madt_entry(struct madt_walk *w, u32 off)
{
	const u8 *e = w->t + off;
	u32 left = w->len - off;
	u32 need;

	if (left < 2) {
		log_err("acpi: APIC at 0x%llx: stray byte at offset %u after the last entry, "
			"rest of the table ignored\n",
			ull(w->phys), off);
		return false;
	}
	if (e[1] < 2) {
		log_err("acpi: APIC at 0x%llx: entry at offset %u (type %u) has length %u, "
			"rest of the table ignored\n",
			ull(w->phys), off, e[0], e[1]);
		return false;
	}
	if (e[1] > left) {
		log_err("acpi: APIC at 0x%llx: entry at offset %u (type %u, length %u) runs past "
			"the table end at %u, rest of the table ignored\n",
			ull(w->phys), off, e[0], e[1], w->len);
		return false;
	}
	need = madt_entry_min_len(e[0]);
	if (e[1] < need) {
		log_err("acpi: APIC at 0x%llx: entry at offset %u (type %u) has length %u, needs "
			"%u, rest of the table ignored\n",
			ull(w->phys), off, e[0], e[1], need);
		return false;
	}
	switch (e[0]) {
	case MADT_LAPIC:
		madt_cpu(w, e[3], e[2], rd32(e + 4), false);
		break;
	case MADT_IOAPIC:
		madt_ioapic(w, e);
		break;
	case MADT_ISO:
		madt_iso(w, e);
		break;
	case MADT_NMI_SOURCE:
		madt_nmi_source(w, e);
		break;
	case MADT_LAPIC_OVERRIDE:
		madt_lapic_override(w, e);
		break;
	case MADT_X2APIC:
		madt_cpu(w, rd32(e + 4), rd32(e + 12), rd32(e + 8), true);
		break;
	default:
		break; /* not needed here: skipped by its length */
	}
	return true;
}

/* §5.2.12: walk a checksummed MADT, keeping what was found before any malformed entry. */
static void madt_parse(const u8 *t, const struct acpi_table_ref *ref, struct acpi_info *out)
{
	struct madt_walk w = {
	    .t = t, .len = ref->len, .phys = ref->phys, .rev = ref->rev, .out = out};

	if (ref->len < MADT_ENTRIES) {
		log_warn("acpi: APIC at 0x%llx: length %u is too short for the MADT fields, table "
			 "ignored\n",
			 ull(ref->phys), ref->len);
		return;
	}
	out->has_madt = true;
	out->madt_phys = ref->phys;
	out->madt_rev = ref->rev;
	out->lapic_addr = rd32(t + MADT_LAPIC_ADDR);
	out->madt_flags = rd32(t + MADT_FLAGS);
	for (u32 off = MADT_ENTRIES; off < w.len && madt_entry(&w, off);)
		off += t[off + 1];
	if (out->cpus_dropped)
		log_warn(
		    "acpi: APIC at 0x%llx: %u processor entries beyond MAX_CPUS (%u) ignored\n",
		    ull(ref->phys), out->cpus_dropped, MAX_CPUS);
	if (out->ioapics_dropped)
		log_warn("acpi: APIC at 0x%llx: %u IOAPICs beyond MAX_IOAPICS (%u) ignored\n",
			 ull(ref->phys), out->ioapics_dropped, MAX_IOAPICS);
	if (out->isos_dropped)
		log_warn("acpi: APIC at 0x%llx: %u interrupt source overrides beyond %u ignored\n",
			 ull(ref->phys), out->isos_dropped, ACPI_MAX_ISOS);
	if (out->nmis_dropped)
		log_warn("acpi: APIC at 0x%llx: %u NMI sources beyond %u ignored\n", ull(ref->phys),
			 out->nmis_dropped, ACPI_MAX_NMIS);
	log_debug("acpi: MADT at 0x%llx: %u CPUs (%u usable), %u IOAPICs, local APIC at 0x%llx\n",
		  ull(ref->phys), out->cpu_count, acpi_usable_cpus(out), out->ioapic_count,
		  ull(out->lapic_addr));
}

/* One allocation: its buses in order, 1 MiB aligned (PCIe §7.2.2), no wrap past 2^64. */
static void mcfg_entry(const u8 *e, u64 phys, u32 off, struct acpi_info *out)
{
	struct acpi_mcfg a = {.base = rd64(e + MCFG_BASE),
			      .segment = rd16(e + MCFG_SEGMENT),
			      .start_bus = e[MCFG_START_BUS],
			      .end_bus = e[MCFG_END_BUS]};
	u64 span = (u64)(a.end_bus + 1) << ECAM_BUS_SHIFT;

	if (a.end_bus < a.start_bus || (a.base & ((1ULL << ECAM_BUS_SHIFT) - 1)) ||
	    a.base > UINT64_MAX - span) {
		log_warn("acpi: MCFG at 0x%llx: entry at offset %u (base 0x%llx, segment %u, "
			 "buses %u-%u) is malformed, ignored\n",
			 ull(phys), off, ull(a.base), a.segment, a.start_bus, a.end_bus);
		out->mcfg_dropped++;
		return;
	}
	if (out->mcfg_count >= ACPI_MAX_MCFG) {
		log_warn("acpi: MCFG at 0x%llx: entry at offset %u beyond %u allocations, "
			 "ignored\n",
			 ull(phys), off, ACPI_MAX_MCFG);
		out->mcfg_dropped++;
		return;
	}
	out->mcfg[out->mcfg_count++] = a;
}

/* PCI Firmware 3.3 §4.1.2: a checksummed MCFG, then whole 16-byte allocations. */
static void mcfg_parse(const u8 *t, const struct acpi_table_ref *ref, struct acpi_info *out)
{
	u32 off;

	if (ref->len < MCFG_ENTRIES) {
		log_warn("acpi: MCFG at 0x%llx: length %u is too short for the MCFG fields, table "
			 "ignored\n",
			 ull(ref->phys), ref->len);
		return;
	}
	out->has_mcfg = true;
	if ((ref->len - MCFG_ENTRIES) % MCFG_ENTRY_SIZE)
		log_warn("acpi: MCFG at 0x%llx: length %u is not a whole number of entries, last "
			 "%u bytes ignored\n",
			 ull(ref->phys), ref->len, (ref->len - MCFG_ENTRIES) % MCFG_ENTRY_SIZE);
	for (off = MCFG_ENTRIES; ref->len - off >= MCFG_ENTRY_SIZE; off += MCFG_ENTRY_SIZE)
		mcfg_entry(t + off, ref->phys, off, out);
	log_debug("acpi: MCFG at 0x%llx: %u allocations\n", ull(ref->phys), out->mcfg_count);
}

/* One root entry: validate the table, record it (flagged if bad), walk it if it's the MADT. */
static void root_entry(const struct mapper *m, u64 phys, u32 idx, struct acpi_info *out)
{
	struct acpi_table_ref ref;
	const u8 *t = NULL;
	bool ok = false;

	if (phys) {
		ok = table_load(m, phys, NULL, LOG_WARN, "table ignored", &ref, &t) == 0;
	} else {
		log_warn("acpi: %s at 0x%llx: entry %u is address 0, ignored\n",
			 out->use_xsdt ? "XSDT" : "RSDT", ull(out->root_phys), idx);
		memset(&ref, 0, sizeof(ref));
	}
	if (out->table_count < MAX_ACPI_TABLES)
		out->tables[out->table_count++] = ref;
	else
		out->tables_dropped++;
	if (!ok)
		return;
	if (strcmp(ref.sig, "APIC") == 0) {
		if (out->has_madt)
			log_warn("acpi: APIC at 0x%llx: a second MADT, table ignored\n", ull(phys));
		else
			madt_parse(t, &ref, out);
	} else if (strcmp(ref.sig, "MCFG") == 0) {
		if (out->has_mcfg)
			log_warn("acpi: MCFG at 0x%llx: a second MCFG, table ignored\n", ull(phys));
		else
			mcfg_parse(t, &ref, out);
	}
}

/* §5.2.7/§5.2.8: after the header, 32-bit (RSDT) or 64-bit (XSDT) physical addresses. */
static void root_walk(const struct mapper *m, const u8 *root, u32 len, struct acpi_info *out)
{
	const char *name = out->use_xsdt ? "XSDT" : "RSDT";
	u32 esize = out->use_xsdt ? 8 : 4;
	u32 n = (len - SDT_HDR_SIZE) / esize;

	if ((len - SDT_HDR_SIZE) % esize)
		log_warn("acpi: %s at 0x%llx: length %u is not a whole number of entries, last "
			 "%u bytes ignored\n",
			 name, ull(out->root_phys), len, (len - SDT_HDR_SIZE) % esize);
	for (u32 i = 0; i < n; i++) {
		const u8 *e = root + SDT_HDR_SIZE + i * esize;

		root_entry(m, out->use_xsdt ? rd64(e) : rd32(e), i, out);
	}
	if (out->tables_dropped)
		log_warn("acpi: %s at 0x%llx: %u tables beyond MAX_ACPI_TABLES (%u) not recorded\n",
			 name, ull(out->root_phys), out->tables_dropped, MAX_ACPI_TABLES);
}

int acpi_parse(const void *rsdp, size_t rsdp_len, acpi_map_fn map, void *ctx, struct acpi_info *out)
{
	const struct mapper m = {map, ctx};
	/* Initialised for the TRACE build, where ERR() is a call gcc cannot see through. */
	const u8 *root = NULL;
	u32 rsdt = 0, len = 0;
	u64 xsdt = 0;
	int err;

	memset(out, 0, sizeof(*out));
	err = rsdp_check(rsdp, rsdp_len, out, &xsdt, &rsdt);
	if (err)
		return err;
	err = root_load(&m, xsdt, rsdt, out, &root, &len);
	if (err)
		return err;
	root_walk(&m, root, len, out);
	log_debug("acpi: RSDP revision %u, OEM '%s', %s at 0x%llx lists %u tables\n",
		  out->rsdp_revision, out->oem_id, out->use_xsdt ? "XSDT" : "RSDT",
		  ull(out->root_phys), out->table_count + out->tables_dropped);
	if (!out->has_madt)
		log_warn("acpi: no usable MADT (APIC table): no CPU or IOAPIC list\n");
	return 0;
}

int acpi_parse_at(u64 rsdp_phys, acpi_map_fn map, void *ctx, struct acpi_info *out)
{
	const struct mapper m = {map, ctx};
	const u8 *r = map_range(&m, rsdp_phys, RSDP_V1_SIZE);
	const u8 *r2;
	u32 len;

	if (!r) {
		memset(out, 0, sizeof(*out));
		log_err("acpi: RSDP at 0x%llx: not readable\n", ull(rsdp_phys));
		return ERR(E_RANGE);
	}
	if (r[RSDP_REV] < 2)
		return acpi_parse(r, RSDP_V1_SIZE, map, ctx, out);
	/* Hand over as many bytes as the length field claims, if they can be read (a future
	 * revision may grow the structure); acpi_parse() falls back to the RSDT otherwise. */
	r2 = map_range(&m, rsdp_phys, RSDP_V2_SIZE);
	if (!r2)
		return acpi_parse(r, RSDP_V1_SIZE, map, ctx, out);
	len = rd32(r2 + RSDP_LEN);
	if (len > RSDP_V2_SIZE && len <= RSDP_MAX_SIZE) {
		r = map_range(&m, rsdp_phys, len);
		if (r)
			return acpi_parse(r, len, map, ctx, out);
	}
	return acpi_parse(r2, RSDP_V2_SIZE, map, ctx, out);
}

u64 acpi_find_rsdp(acpi_map_fn map, void *ctx, u64 phys, u64 len)
{
	const struct mapper m = {map, ctx};
	u64 end;

	if (phys > UINT64_MAX - 15)
		return 0;
	end = len > UINT64_MAX - phys ? UINT64_MAX : phys + len;
	/* §5.2.5.1: the RSDP sits on a 16-byte boundary. */
	for (u64 a = align_up(phys, 16); a < end && end - a >= RSDP_V1_SIZE; a += 16) {
		const u8 *p = map_range(&m, a, RSDP_V1_SIZE);

		if (p && memcmp(p, "RSD PTR ", 8) == 0 && byte_sum(p, RSDP_V1_SIZE) == 0) {
			log_debug("acpi: RSDP found at 0x%llx\n", ull(a));
			return a;
		}
	}
	return 0;
}

const struct acpi_table_ref *acpi_find_table(const struct acpi_info *info, const char *sig)
{
	for (u32 i = 0; i < info->table_count; i++)
		if (info->tables[i].checksum_ok && strcmp(info->tables[i].sig, sig) == 0)
			return &info->tables[i];
	return NULL;
}

u32 acpi_usable_cpus(const struct acpi_info *info)
{
	u32 n = 0;

	for (u32 i = 0; i < info->cpu_count; i++)
		n += info->cpus[i].enabled || info->cpus[i].online_capable;
	return n;
}

const struct acpi_iso *acpi_iso_for_gsi(const struct acpi_info *info, u32 gsi)
{
	for (u32 i = 0; i < info->iso_count; i++)
		if (info->isos[i].gsi == gsi)
			return &info->isos[i];
	return NULL;
}

/* §5.2.12.5 Table 5.26: 01 = active high / edge, 11 = active low / level, 00 = as the bus
 * (an override's bus is ISA: active high, edge), 10 reserved (taken as the bus's). */
bool acpi_gsi_wiring(const struct acpi_info *info, u32 gsi, bool *level, bool *active_low)
{
	const struct acpi_iso *iso = acpi_iso_for_gsi(info, gsi);

	if (!iso)
		return false;
	*active_low = (iso->flags & ACPI_INTI_POLARITY_MASK) == ACPI_INTI_POLARITY_LOW;
	*level = (iso->flags & ACPI_INTI_TRIGGER_MASK) == ACPI_INTI_TRIGGER_LEVEL;
	return true;
}

const struct acpi_mcfg *acpi_mcfg_for(const struct acpi_info *info, u16 segment, u8 bus)
{
	for (u32 i = 0; i < info->mcfg_count; i++) {
		const struct acpi_mcfg *a = &info->mcfg[i];

		if (a->segment == segment && bus >= a->start_bus && bus <= a->end_bus)
			return a;
	}
	return NULL;
}

/* FADT (§5.2.9 Table 5.9): Flags at 112, RESET_REG (a Generic Address Structure, §5.2.3.2:
 * space, bit width, bit offset, access size, 64-bit address) at 116, RESET_VALUE at 128. */
#define FADT_FLAGS	   112
#define FADT_RESET_REG	   116
#define FADT_RESET_VALUE   128
#define FADT_RESET_REG_SUP (1u << 10)
#define GAS_BIT_WIDTH	   1
#define GAS_BIT_OFFSET	   2
#define GAS_ADDRESS	   4

bool acpi_fadt_reset(const void *fadt, u32 len, struct acpi_reset *out)
{
	const u8 *f = fadt;
	const u8 *gas = f + FADT_RESET_REG;
	u8 space;
	u64 addr;

	if (len <= FADT_RESET_VALUE || !(rd32(f + FADT_FLAGS) & FADT_RESET_REG_SUP))
		return false;
	space = gas[0];
	addr = rd64(gas + GAS_ADDRESS);
	if (space > ACPI_SPACE_PCI || gas[GAS_BIT_WIDTH] != 8 || gas[GAS_BIT_OFFSET] != 0 ||
	    !addr || (space == ACPI_SPACE_IO && addr > 0xffff))
		return false;
	out->space = space;
	out->addr = addr;
	out->value = f[FADT_RESET_VALUE];
	return true;
}
