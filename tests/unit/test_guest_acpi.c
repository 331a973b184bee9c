/*
 * Unit tests for core/guest_acpi.c: the tables Bulkhead writes for a Linux partition are
 * read back with the hypervisor's own ACPI parser (arch/x86/acpi.c), as if they sat in guest
 * memory at 0xe0000, and what the parser does not look at (FADT fields, the DSDT's AML) is
 * checked byte by byte. Offsets are spelled out here from the ACPI 6.5 specification
 * (§5.2.5 RSDP, §5.2.6 header, §5.2.9 FADT, §5.2.12 MADT, §6.4 resource descriptors) and the
 * PCI Firmware Specification 3.2 (§4.1.2 MCFG), not taken from core/guest_acpi.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/acpi.h"
#include "core/guest_acpi.h"
#include "tests/unit/check.h"
#include "tests/unit/le.h"

#define GPA 0xe0000ULL

/* ---- fake guest memory: [GPA, GPA + len) --------------------------------------------- */

struct mem {
	const u8 *buf;
	u64 len;
	void *maps[64];
	int nmaps;
};

/* An exact-size heap copy of each range: a read one byte past what was mapped is caught by
 * ASan wherever the table sits. */
static const void *map(u64 phys, u64 len, void *ctx)
{
	struct mem *m = ctx;
	void *p;

	if (phys < GPA || len == 0 || len > m->len || phys - GPA > m->len - len)
		return NULL;
	if (m->nmaps == (int)(sizeof(m->maps) / sizeof(m->maps[0])))
		abort();
	p = malloc(len);
	memcpy(p, m->buf + (phys - GPA), len);
	m->maps[m->nmaps++] = p;
	return p;
}

static void mem_free(struct mem *m)
{
	while (m->nmaps)
		free(m->maps[--m->nmaps]);
}

static const u8 *find_bytes(const u8 *hay, size_t n, const u8 *needle, size_t k)
{
	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return hay + i;
	return NULL;
}

/* ---- build and parse ------------------------------------------------------------------ */

static u8 *buf;	    /* the exact bytes guest_acpi_build() reported */
static size_t used; /* ... and how many */
static struct acpi_info info;

/* A partition with just CPUs: no I/O APIC, no devices. */
static size_t build_cpus(u8 *b, size_t cap, u64 gpa, const u32 *ids, u32 n)
{
	const struct guest_acpi_platform p = {.apic_ids = ids, .cpu_count = n};

	return guest_acpi_build(b, cap, gpa, &p);
}

/* Build `p` into a buffer of GUEST_ACPI_MAX_BYTES filled with junk (the builder must write
 * every byte it claims), keep an exact-size copy, and parse it from the RSDP at GPA. */
static int build_and_parse_p(const struct guest_acpi_platform *p)
{
	size_t cap = GUEST_ACPI_MAX_BYTES(p->cpu_count);
	u8 *tmp = malloc(cap);
	struct mem m = {0};
	int rc;

	memset(tmp, 0xcc, cap);
	used = guest_acpi_build(tmp, cap, GPA, p);
	CHECK(used > 0 && used <= cap);
	free(buf);
	buf = malloc(used ? used : 1);
	memcpy(buf, tmp, used);
	free(tmp);
	m.buf = buf;
	m.len = used;
	capture_reset();
	rc = acpi_parse_at(GPA, map, &m, &info);
	mem_free(&m);
	return rc;
}

static int build_and_parse(const u32 *ids, u32 n)
{
	const struct guest_acpi_platform p = {.apic_ids = ids, .cpu_count = n};

	return build_and_parse_p(&p);
}

/* The buffer offset of guest-physical `phys`, checked to hold a `len`-byte table. */
static const u8 *at(u64 phys, u64 len)
{
	CHECK(phys >= GPA && phys - GPA <= used && len <= used - (phys - GPA));
	if (!(phys >= GPA && phys - GPA <= used && len <= used - (phys - GPA)))
		return NULL;
	return buf + (phys - GPA);
}

/* A table found through the parser: signature, good checksum, inside the buffer. */
static const u8 *table(const char *sig)
{
	const struct acpi_table_ref *t = acpi_find_table(&info, sig);

	CHECK(t != NULL);
	if (!t)
		return NULL;
	CHECK(t->checksum_ok);
	return at(t->phys, t->len);
}

/* ---- an AML reader for what the DSDT may hold (ACPI 6.5 ch. 20) ------------------------ */

/* Every named object the DSDT defines, by full path ("\_SB_.PC00._PRT"). Anything outside
 * the grammar subset below (Scope, Device, Name, Method; integers, buffers, packages, name
 * strings) fails the test: the tables must contain only what is checked. */
enum obj_kind { OBJ_DEVICE, OBJ_INT, OBJ_BUF, OBJ_PKG, OBJ_METHOD };

struct obj {
	char path[48];
	enum obj_kind kind;
	u64 val;     /* OBJ_INT */
	const u8 *p; /* OBJ_BUF: the bytes; OBJ_PKG: the elements; OBJ_METHOD: the body */
	u32 len;     /* ... and how many */
	u32 count;   /* OBJ_PKG: NumElements; OBJ_BUF: BufferSize; OBJ_METHOD: MethodFlags */
};

static struct obj objs[256];
static int nobjs;
static bool aml_bad;

#define AML_FAIL(what)                                                                             \
	do {                                                                                       \
		printf("  aml: %s at %s:%d\n", what, __FILE__, __LINE__);                          \
		aml_bad = true;                                                                    \
		check_failed_in_test = 1;                                                          \
	} while (0)

/* §20.2.4 PkgLength at *p (counting itself); *p moves past it, the end of the term is
 * returned, or NULL if it runs past `end`. */
static const u8 *pkg_end(const u8 **p, const u8 *end)
{
	const u8 *start = *p;
	u32 follow, len;

	if (*p >= end)
		return NULL;
	follow = **p >> 6;
	len = follow ? **p & 0xf : **p & 0x3f;
	if (follow && (**p & 0x30))
		return NULL; /* bits 5:4 must be 0 in a multi-byte PkgLength */
	if ((size_t)(end - *p) < 1 + follow)
		return NULL;
	for (u32 i = 1; i <= follow; i++)
		len |= (u32)(*p)[i] << (4 + 8 * (i - 1));
	*p += 1 + follow;
	if (len < 1 + follow || len > (size_t)(end - start))
		return NULL;
	return start + len;
}

static bool seg_ok(const u8 *s)
{
	for (int i = 0; i < 4; i++)
		if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (i && s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* §20.2.2 NameString, written out with dots: "\_SB_.LK00", "PC00". */
static bool name_string(const u8 **p, const u8 *end, char *out, size_t cap)
{
	size_t o = 0;
	u32 segs = 1;

	out[0] = 0;
	if (*p < end && **p == '\\')
		out[o++] = *(*p)++;
	if (*p < end && **p == 0x2e) {
		segs = 2;
		(*p)++;
	}
	for (u32 i = 0; i < segs; i++) {
		if (end - *p < 4 || !seg_ok(*p) || o + 6 > cap)
			return false;
		if (i)
			out[o++] = '.';
		memcpy(out + o, *p, 4);
		o += 4;
		*p += 4;
	}
	out[o] = 0;
	return true;
}

/* §20.2.3 ComputationalData integers: ZeroOp, OneOp, Byte/Word/DWord/QWordConst. */
static bool integer(const u8 **p, const u8 *end, u64 *v)
{
	static const u8 sizes[] = {[0x0a] = 1, [0x0b] = 2, [0x0c] = 4, [0x0e] = 8};
	u8 op;

	if (*p >= end)
		return false;
	op = *(*p)++;
	if (op <= 1) {
		*v = op;
		return true;
	}
	if (op >= sizeof(sizes) || !sizes[op] || end - *p < sizes[op])
		return false;
	*v = 0;
	for (u8 i = 0; i < sizes[op]; i++)
		*v |= (u64)(*p)[i] << (8 * i);
	*p += sizes[op];
	return true;
}

static struct obj *new_obj(const char *scope, const char *name, enum obj_kind kind)
{
	struct obj *o;

	if (nobjs == (int)(sizeof(objs) / sizeof(objs[0]))) {
		AML_FAIL("too many objects");
		return NULL;
	}
	o = &objs[nobjs++];
	memset(o, 0, sizeof(*o));
	snprintf(o->path, sizeof(o->path), "%s%s%s", scope, scope[0] ? "." : "", name);
	o->kind = kind;
	return o;
}

/* Name (n, data): an integer, a Buffer or a Package, recorded unparsed beyond its header. */
static const u8 *name_op(const u8 *p, const u8 *end, const char *scope)
{
	char n[48];
	const u8 *e;
	struct obj *o;
	u64 v;

	if (!name_string(&p, end, n, sizeof(n)) || p >= end)
		return NULL;
	if (*p == 0x11 || *p == 0x12) { /* BufferOp, PackageOp */
		u8 op = *p++;

		e = pkg_end(&p, end);
		o = e ? new_obj(scope, n, op == 0x11 ? OBJ_BUF : OBJ_PKG) : NULL;
		if (!o)
			return NULL;
		if (op == 0x12) {
			o->count = *p++;
		} else if (!integer(&p, e, &v) || v > (u64)(e - p)) {
			return NULL;
		} else {
			o->count = (u32)v;
		}
		o->p = p;
		o->len = (u32)(e - p);
		return e;
	}
	o = new_obj(scope, n, OBJ_INT);
	return o && integer(&p, end, &o->val) ? p : NULL;
}

static bool term_list(const u8 *p, const u8 *end, const char *scope);

/* Scope / Device / Method: PkgLength, NameString, then a body. */
static const u8 *named_block(const u8 *p, const u8 *end, const char *scope, enum obj_kind kind,
			     bool is_scope)
{
	const u8 *e = pkg_end(&p, end);
	char n[48];
	struct obj *o = NULL;

	if (!e || !name_string(&p, e, n, sizeof(n)))
		return NULL;
	if (!is_scope && !(o = new_obj(scope, n, kind)))
		return NULL;
	if (kind == OBJ_METHOD) {
		if (p >= e)
			return NULL;
		o->count = *p++;
		o->p = p;
		o->len = (u32)(e - p);
		return e;
	}
	return term_list(p, e, is_scope ? n : o->path) ? e : NULL;
}

static bool term_list(const u8 *p, const u8 *end, const char *scope)
{
	while (p && p < end) {
		u8 op = *p++;

		if (op == 0x10)
			p = named_block(p, end, scope, OBJ_DEVICE, true);
		else if (op == 0x5b && p < end && *p == 0x82)
			p = named_block(p + 1, end, scope, OBJ_DEVICE, false);
		else if (op == 0x14)
			p = named_block(p, end, scope, OBJ_METHOD, false);
		else if (op == 0x08)
			p = name_op(p, end, scope);
		else
			p = NULL;
	}
	if (!p)
		AML_FAIL("AML outside the expected grammar");
	return p != NULL;
}

/* Decode the DSDT the FADT points at; false if it cannot be. */
static bool read_dsdt(void)
{
	const u8 *f = table("FACP"), *d;

	nobjs = 0;
	aml_bad = false;
	if (!f || !(d = at(get64(f + 140), 36)) || !at(get64(f + 140), get32(d + 4)))
		return false;
	CHECK(memcmp(d, "DSDT", 4) == 0);
	CHECK_EQ(sum(d, get32(d + 4)), 0);
	return term_list(d + 36, d + get32(d + 4), "") && !aml_bad;
}

static const struct obj *obj(const char *path)
{
	for (int i = 0; i < nobjs; i++)
		if (strcmp(objs[i].path, path) == 0)
			return &objs[i];
	return NULL;
}

static u64 obj_int(const char *path)
{
	const struct obj *o = obj(path);

	CHECK(o && o->kind == OBJ_INT);
	return o && o->kind == OBJ_INT ? o->val : ~0ULL;
}

static int count_devices(const char *prefix)
{
	int n = 0;

	for (int i = 0; i < nobjs; i++)
		n += objs[i].kind == OBJ_DEVICE &&
		     strncmp(objs[i].path, prefix, strlen(prefix)) == 0;
	return n;
}

/* EisaId ("PNPxxxx") as AML stores it (§6.1.5): three 5-bit letters, 4 hex digits, the
 * bytes in that order. */
static u64 eisa(const char *id)
{
	u32 v = (u32)(id[0] - '@') << 26 | (u32)(id[1] - '@') << 21 | (u32)(id[2] - '@') << 16 |
		(u32)strtoul(id + 3, NULL, 16);

	return (v >> 24) | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | (v << 24);
}

/* One _PRT entry (§6.2.13): Package (4) { Address, Pin, Source, Source Index }. */
struct prt {
	u64 addr, pin, index;
	char source[48];
};

/* The _PRT of `bridge`, decoded into e[]; returns the entry count or -1. */
static int read_prt(const char *bridge, struct prt *e, int max)
{
	char path[64];
	const struct obj *o;
	const u8 *p, *end;
	int n = 0;

	snprintf(path, sizeof(path), "%s._PRT", bridge);
	o = obj(path);
	if (!o || o->kind != OBJ_PKG)
		return -1;
	p = o->p;
	end = o->p + o->len;
	for (u32 i = 0; i < o->count && n < max; i++, n++) {
		const u8 *pe;

		if (p >= end || *p++ != 0x12 || !(pe = pkg_end(&p, end)) || pe - p < 1 || *p++ != 4)
			return -1;
		if (!integer(&p, pe, &e[n].addr) || !integer(&p, pe, &e[n].pin) ||
		    !name_string(&p, pe, e[n].source, sizeof(e[n].source)) ||
		    !integer(&p, pe, &e[n].index) || p != pe)
			return -1;
	}
	return p == end ? n : -1;
}

/* A link's resource template: exactly one Extended Interrupt descriptor (§6.4.3.6) with one
 * interrupt, then an End Tag (§6.4.2.9). */
struct irq_desc {
	bool ok, consumer, edge, active_low, shared;
	u32 gsi;
};

static struct irq_desc read_irq(const char *link, const char *method)
{
	struct irq_desc r = {0};
	char path[64];
	const struct obj *o;

	snprintf(path, sizeof(path), "%s.%s", link, method);
	o = obj(path);
	if (!o || o->kind != OBJ_BUF || o->count != 11 || o->len != 11)
		return r;
	if (o->p[0] != 0x89 || get16(o->p + 1) != 6 || o->p[4] != 1 || o->p[9] != 0x79)
		return r;
	r.ok = true;
	r.consumer = o->p[3] & 1;
	r.edge = o->p[3] & 2;
	r.active_low = o->p[3] & 4;
	r.shared = o->p[3] & 8;
	r.gsi = get32(o->p + 5);
	return r;
}

/* Where a function's pin goes: its bus's bridge, the _PRT entry for its device and pin, the
 * link that names, and the link's current and possible setting. */
static void check_routed(const struct guest_acpi_pci *f)
{
	char bridge[16];
	struct prt e[32];
	int n, hits = 0;

	snprintf(bridge, sizeof(bridge), "\\_SB_.PC%02X", PT_BDF_BUS(f->bdf));
	CHECK(obj(bridge) && obj(bridge)->kind == OBJ_DEVICE);
	n = read_prt(bridge, e, 32);
	CHECK(n >= 0);
	for (int i = 0; i < n; i++) {
		struct irq_desc crs, prs;

		if (e[i].addr != ((u64)PT_BDF_DEV(f->bdf) << 16 | 0xffff) ||
		    e[i].pin != f->pin - 1u)
			continue;
		hits++;
		CHECK_EQ(e[i].index, 0);
		CHECK(obj(e[i].source) && obj(e[i].source)->kind == OBJ_DEVICE);
		crs = read_irq(e[i].source, "_CRS");
		prs = read_irq(e[i].source, "_PRS");
		CHECK(crs.ok && prs.ok);
		CHECK_EQ(crs.gsi, f->gsi);
		CHECK_EQ(crs.edge, !f->level);
		CHECK_EQ(crs.active_low, f->active_low);
		CHECK(crs.consumer && crs.shared);
		CHECK(memcmp(&crs, &prs, sizeof(crs)) == 0);
	}
	CHECK_EQ(hits, 1);
}

/* A link device as Linux's PCI link driver needs it (§6.2.16). */
static void check_link(const char *link)
{
	char path[64];
	const struct obj *o;

	snprintf(path, sizeof(path), "%s._HID", link);
	CHECK_EQ(obj_int(path), eisa("PNP0C0F"));
	snprintf(path, sizeof(path), "%s._UID", link);
	CHECK(obj(path) && obj(path)->kind == OBJ_INT);
	snprintf(path, sizeof(path), "%s._SRS", link);
	o = obj(path);
	CHECK(o && o->kind == OBJ_METHOD && (o->count & 7) == 1); /* takes the setting */
	snprintf(path, sizeof(path), "%s._STA", link);
	o = obj(path);
	CHECK(o && o->kind == OBJ_METHOD && (o->count & 7) == 0);
	if (o && o->kind == OBJ_METHOD) {
		const u8 *p = o->p + 1;
		u64 v = 0;

		CHECK(o->len >= 2 && o->p[0] == 0xa4); /* Return (...) */
		CHECK(integer(&p, o->p + o->len, &v) && p == o->p + o->len);
		CHECK_EQ(v & 1, 1); /* present */
		CHECK_EQ(v & 2, 2); /* enabled */
	}
}

/* ---- RSDP, XSDT ----------------------------------------------------------------------- */

static void test_rsdp_and_root(void)
{
	static const u32 ids[] = {1, 2};
	const u8 *r;

	CHECK_EQ(build_and_parse(ids, 2), 0);
	CHECK_EQ(capture_text()[0], 0); /* the parser found nothing to complain about */
	CHECK_EQ(info.rsdp_revision, 2);
	CHECK(strcmp(info.oem_id, "BULKHD") == 0);
	CHECK(info.use_xsdt);
	CHECK(info.root_phys > GPA && info.root_phys < GPA + used);
	CHECK_EQ(info.table_count, 2);
	CHECK_EQ(info.tables_dropped, 0);
	for (u32 i = 0; i < info.table_count && i < MAX_ACPI_TABLES; i++)
		CHECK(info.tables[i].checksum_ok);
	CHECK(strcmp(info.tables[0].sig, "FACP") == 0);
	CHECK(strcmp(info.tables[1].sig, "APIC") == 0);
	CHECK(acpi_find_table(&info, "FACP") != NULL);
	CHECK(acpi_find_table(&info, "APIC") != NULL);
	CHECK(acpi_find_table(&info, "HPET") == NULL);

	/* The RSDP by hand: at the start, 16-byte aligned, both checksums, no RSDT. */
	r = buf;
	CHECK(memcmp(r, "RSD PTR ", 8) == 0);
	CHECK_EQ(sum(r, 20), 0);
	CHECK_EQ(get32(r + 20), 36);
	CHECK_EQ(sum(r, 36), 0);
	CHECK_EQ(r[15], 2);
	CHECK(memcmp(r + 9, "BULKHD", 6) == 0);
	CHECK_EQ(get32(r + 16), 0); /* RsdtAddress */
	CHECK_EQ(get64(r + 24), info.root_phys);
	CHECK_EQ(GPA % 16, 0);

	/* The XSDT: revision 1, two 8-byte entries. */
	r = at(info.root_phys, 36);
	if (r) {
		CHECK(memcmp(r, "XSDT", 4) == 0);
		CHECK_EQ(get32(r + 4), 36 + 16);
		CHECK_EQ(r[8], 1);
		CHECK_EQ(sum(r, get32(r + 4)), 0);
		CHECK(memcmp(r + 10, "BULKHD", 6) == 0);
	}
	/* The RSDP can be found where a BIOS-era scan looks. */
	{
		struct mem m = {.buf = buf, .len = used};

		CHECK_EQ(acpi_find_rsdp(map, &m, GPA, used), GPA);
		mem_free(&m);
	}
}

/* ---- MADT ----------------------------------------------------------------------------- */

static void test_madt_lapic(void)
{
	static const u32 ids[] = {1, 2};
	const u8 *t;

	CHECK_EQ(build_and_parse(ids, 2), 0);
	CHECK(info.has_madt);
	CHECK_EQ(info.madt_rev, 5);
	CHECK_EQ(info.lapic_addr, 0xfee00000u);
	CHECK_EQ(info.madt_flags & 1, 0); /* no PCAT_COMPAT: no 8259s */
	CHECK_EQ(info.cpu_count, 2);
	CHECK_EQ(info.cpus_dropped, 0);
	CHECK_EQ(info.ioapic_count, 0);
	CHECK_EQ(info.ioapics_dropped, 0);
	for (u32 i = 0; i < 2; i++) {
		CHECK_EQ(info.cpus[i].apic_id, ids[i]);
		CHECK(info.cpus[i].enabled);
		CHECK(!info.cpus[i].from_x2apic_entry);
	}
	CHECK(info.cpus[0].uid != info.cpus[1].uid);
	CHECK_EQ(acpi_usable_cpus(&info), 2);

	/* By hand: 44 fixed bytes, then two 8-byte type-0 entries and nothing else. */
	t = table("APIC");
	if (t)
		CHECK_EQ(get32(t + 4), 44 + 2 * 8);
	if (t && get32(t + 4) == 44 + 2 * 8) {
		CHECK_EQ(t[8], 5);
		CHECK_EQ(get32(t + 36), 0xfee00000u);
		CHECK_EQ(get32(t + 40), 0);
		CHECK_EQ(t[44], 0);
		CHECK_EQ(t[45], 8);
		CHECK_EQ(t[47], 1);
		CHECK_EQ(get32(t + 48), 1);
		CHECK_EQ(t[52], 0);
		CHECK_EQ(t[53], 8);
		CHECK_EQ(t[55], 2);
		CHECK_EQ(get32(t + 56), 1);
	}
}

static void test_madt_order_and_single(void)
{
	static const u32 one[] = {0};
	static const u32 many[] = {7, 3, 0, 12, 5, 254};

	CHECK_EQ(build_and_parse(one, 1), 0);
	CHECK_EQ(info.cpu_count, 1);
	CHECK_EQ(info.cpus[0].apic_id, 0);
	CHECK(info.cpus[0].enabled);

	/* The given order is kept: the first is the boot CPU. */
	CHECK_EQ(build_and_parse(many, 6), 0);
	CHECK_EQ(info.cpu_count, 6);
	for (u32 i = 0; i < 6; i++) {
		CHECK_EQ(info.cpus[i].apic_id, many[i]);
		CHECK(info.cpus[i].enabled);
		CHECK(!info.cpus[i].from_x2apic_entry); /* 254 still fits a local APIC entry */
	}
	CHECK_EQ(info.ioapic_count, 0);
}

static void test_madt_x2apic(void)
{
	static const u32 ids[] = {4, 255, 0x1234, 9};
	const u8 *t, *e;

	CHECK_EQ(build_and_parse(ids, 4), 0);
	CHECK_EQ(capture_text()[0], 0);
	CHECK(info.has_madt);
	CHECK_EQ(info.cpu_count, 4);
	for (u32 i = 0; i < 4; i++) {
		CHECK_EQ(info.cpus[i].apic_id, ids[i]);
		CHECK(info.cpus[i].enabled);
		CHECK_EQ(info.cpus[i].from_x2apic_entry, ids[i] >= 255);
	}
	CHECK_EQ(info.ioapic_count, 0);
	CHECK_EQ(acpi_usable_cpus(&info), 4);

	/* By hand: 8 + 16 + 16 + 8 bytes of entries; the x2APIC ones are type 9. */
	t = table("APIC");
	if (t)
		CHECK_EQ(get32(t + 4), 44 + 8 + 16 + 16 + 8);
	if (t && get32(t + 4) == 44 + 8 + 16 + 16 + 8) {
		e = t + 44 + 8;
		CHECK_EQ(e[0], 9);
		CHECK_EQ(e[1], 16);
		CHECK_EQ(get16(e + 2), 0); /* reserved */
		CHECK_EQ(get32(e + 4), 255);
		CHECK_EQ(get32(e + 8), 1);
		e += 16;
		CHECK_EQ(e[0], 9);
		CHECK_EQ(get32(e + 4), 0x1234);
		e += 16;
		CHECK_EQ(e[0], 0);
		CHECK_EQ(e[3], 9);
	}
}

/* As many CPUs as a partition may have, every one an x2APIC entry: the worst case fits in
 * GUEST_ACPI_MAX_BYTES. */
static void test_madt_many_x2apic(void)
{
	u32 ids[16];

	for (u32 i = 0; i < 16; i++)
		ids[i] = 0x100 + i * 3;
	CHECK_EQ(build_and_parse(ids, 16), 0);
	CHECK_EQ(info.cpu_count, 16);
	for (u32 i = 0; i < 16; i++) {
		CHECK_EQ(info.cpus[i].apic_id, ids[i]);
		CHECK(info.cpus[i].from_x2apic_entry);
	}
	CHECK(used <= GUEST_ACPI_MAX_BYTES(16));
}

/* ---- FADT, DSDT ----------------------------------------------------------------------- */

static void test_fadt(void)
{
	static const u32 ids[] = {1, 2};
	const u8 *f;
	u32 flags;

	CHECK_EQ(build_and_parse(ids, 2), 0);
	f = table("FACP");
	if (!f)
		return;
	CHECK_EQ(get32(f + 4), 276); /* revision 6 length */
	CHECK_EQ(f[8], 6);
	CHECK_EQ(f[131], 5); /* FADT minor version */
	flags = get32(f + 112);
	CHECK(flags & (1u << 20));		    /* HW_REDUCED_ACPI */
	CHECK(flags & (1u << 19));		    /* FORCE_APIC_PHYSICAL_DESTINATION_MODE */
	CHECK_EQ(get32(f + 36), 0);		    /* FIRMWARE_CTRL: no FACS (hardware-reduced) */
	CHECK_EQ(get64(f + 132), 0);		    /* X_FIRMWARE_CTRL */
	CHECK_EQ(get16(f + 46), 0);		    /* SCI_INT */
	CHECK_EQ(get32(f + 76), 0);		    /* PM_TMR_BLK */
	CHECK(memcmp(f + 268, "Bulkhead", 8) == 0); /* hypervisor vendor identity */
	CHECK(get32(f + 40) != 0);
	CHECK_EQ(get32(f + 40), get64(f + 140)); /* DSDT and X_DSDT agree */
}

static void test_dsdt(void)
{
	static const u32 ids[] = {1, 2};
	static const u8 eisa_pnp0501[] = {0x0c, 0x41, 0xd0, 0x05, 0x01}; /* DWordPrefix, id */
	static const u8 io_desc[] = {0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08};
	static const u8 end_tag[] = {0x79, 0x00};
	const u8 *f, *d, *aml, *p;
	u32 len;

	CHECK_EQ(build_and_parse(ids, 2), 0);
	f = table("FACP");
	if (!f)
		return;
	CHECK(get32(f + 40) >= GPA);
	d = at(get64(f + 140), 36);
	if (!d)
		return;
	CHECK(d == at(get32(f + 40), 36));
	CHECK(memcmp(d, "DSDT", 4) == 0);
	len = get32(d + 4);
	CHECK(len > 36);
	if (!at(get64(f + 140), len))
		return;
	CHECK_EQ(sum(d, len), 0);
	CHECK(d[8] >= 2); /* revision 2+: 64-bit AML integers */
	CHECK(memcmp(d + 10, "BULKHD", 6) == 0);
	/* The DSDT must not overlap the other tables. */
	CHECK(d + len <= table("APIC") || d >= table("APIC") + get32(table("APIC") + 4));
	CHECK(d >= f + 276 || d + len <= f);

	aml = d + 36;
	CHECK_EQ(aml[0], 0x10); /* ScopeOp */
	CHECK(memcmp(aml + 2, "\\_SB_", 5) == 0);
	CHECK_EQ(1 + aml[1], len - 36); /* one-byte PkgLength covering the rest of the table */
	CHECK(find_bytes(aml, len - 36, (const u8 *)"\x5b\x82", 2) != NULL); /* DeviceOp */
	CHECK(find_bytes(aml, len - 36, (const u8 *)"_HID", 4) != NULL);
	CHECK(find_bytes(aml, len - 36, (const u8 *)"_CRS", 4) != NULL);
	p = find_bytes(aml, len - 36, (const u8 *)"_HID", 4);
	if (p)
		CHECK(memcmp(p + 4, eisa_pnp0501, sizeof(eisa_pnp0501)) == 0);
	p = find_bytes(aml, len - 36, io_desc, sizeof(io_desc));
	CHECK(p != NULL);
	if (p)
		CHECK(memcmp(p + sizeof(io_desc), end_tag, sizeof(end_tag)) == 0);
	/* No IRQ descriptor (0x22/0x23 small, 0x89 large): Linux polls COM1. */
	CHECK(find_bytes(aml, len - 36, (const u8 *)"\x22", 1) == NULL);
	CHECK(find_bytes(aml, len - 36, (const u8 *)"\x23", 1) == NULL);
	CHECK(find_bytes(aml, len - 36, (const u8 *)"\x89", 1) == NULL);
	/* Read as AML: COM1 is the only device, and its names are what they should be. */
	CHECK(read_dsdt());
	CHECK_EQ(count_devices(""), 1);
	CHECK_EQ(obj_int("\\_SB_.COM1._HID"), eisa("PNP0501"));
	CHECK_EQ(obj_int("\\_SB_.COM1._UID"), 0);
}

/* ---- a partition with devices: I/O APIC, overrides, PCI interrupt routing -------------- */

static const u32 dev_ids[] = {1, 0x100};

/* Functions as the partition code would describe them. */
static const struct guest_acpi_pci fns[] = {
    {PT_BDF(0, 3, 0), 1, 11, true, false, 0, 0},       /* level, active high: an override says so */
    {PT_BDF(0, 3, 1), 2, 10, true, true, 0, 0},	       /* PCI's own level, active low */
    {PT_BDF(0, 3, 2), 1, 11, true, false, 0, 0},       /* shares function 0's INTA# wire */
    {PT_BDF(2, 0, 0), 1, 16, false, true, 0, 0},       /* edge */
    {PT_BDF(0, 4, 0), 0, 0, false, false, 0, 0},       /* no interrupt pin */
    {PT_BDF(0x1f, 0x1f, 7), 4, 300, true, true, 0, 0}, /* INTD#, a GSI above 255 */
};

static const struct guest_acpi_iso isos[] = {{0, 2, 0}, {9, 9, 0xd}, {10, 10, 0xf}};

static struct guest_acpi_platform dev_platform(void)
{
	return (struct guest_acpi_platform){.apic_ids = dev_ids,
					    .cpu_count = 2,
					    .ioapic = true,
					    .ioapic_id = 2,
					    .ioapic_gsi_base = 0,
					    .pci = fns,
					    .pci_count = ARRAY_SIZE(fns),
					    .iso = isos,
					    .iso_count = ARRAY_SIZE(isos)};
}

static void test_madt_ioapic(void)
{
	struct guest_acpi_platform p = dev_platform();
	const u8 *t, *e;

	CHECK_EQ(build_and_parse_p(&p), 0);
	CHECK_EQ(capture_text()[0], 0);
	CHECK_EQ(info.cpu_count, 2);
	CHECK_EQ(info.cpus[1].apic_id, 0x100);
	CHECK_EQ(info.madt_flags & 1, 0); /* still no PCAT_COMPAT */
	CHECK_EQ(info.ioapic_count, 1);
	CHECK_EQ(info.ioapics[0].id, 2);
	CHECK_EQ(info.ioapics[0].addr, 0xfec00000u);
	CHECK_EQ(info.ioapics[0].gsi_base, 0);
	CHECK_EQ(info.iso_count, 3);
	for (u32 i = 0; i < 3 && i < info.iso_count; i++) {
		CHECK_EQ(info.isos[i].bus, 0); /* ISA */
		CHECK_EQ(info.isos[i].source, isos[i].bus_irq);
		CHECK_EQ(info.isos[i].gsi, isos[i].gsi);
		CHECK_EQ(info.isos[i].flags, isos[i].flags);
	}
	/* By hand: CPUs (8 + 16), then the I/O APIC (12), then 3 overrides (10 each). */
	t = table("APIC");
	if (t && get32(t + 4) == 44 + 8 + 16 + 12 + 3 * 10) {
		e = t + 44 + 8 + 16;
		CHECK_EQ(e[0], 1);
		CHECK_EQ(e[1], 12);
		CHECK_EQ(get32(e + 4), 0xfec00000u);
		e += 12;
		CHECK_EQ(e[0], 2);
		CHECK_EQ(e[1], 10);
	} else {
		CHECK(!"MADT length");
	}
	/* Another id and GSI base go through. */
	p.ioapic_id = 9;
	p.ioapic_gsi_base = 24;
	CHECK_EQ(build_and_parse_p(&p), 0);
	CHECK_EQ(info.ioapics[0].id, 9);
	CHECK_EQ(info.ioapics[0].gsi_base, 24);
}

static void test_dsdt_pci(void)
{
	static const u8 buses[] = {0, 2, 0x1f};
	struct guest_acpi_platform p = dev_platform();
	struct prt e[8];
	char path[64];
	const u8 *f;
	int links = 0, entries = 0;

	CHECK_EQ(build_and_parse_p(&p), 0);
	CHECK(read_dsdt());
	CHECK_EQ(obj_int("\\_SB_.COM1._HID"), eisa("PNP0501"));
	CHECK_EQ(count_devices("\\_SB_.PC"), 3); /* one root bridge per bus used */
	CHECK_EQ(count_devices("\\_SB_.LK"), 4); /* one link per device pin in use */
	CHECK_EQ(count_devices(""), 1 + 3 + 4);
	for (u32 i = 0; i < sizeof(buses); i++) {
		char b[16];
		int n;

		snprintf(b, sizeof(b), "\\_SB_.PC%02X", buses[i]);
		snprintf(path, sizeof(path), "%s._HID", b);
		CHECK_EQ(obj_int(path), eisa("PNP0A03"));
		snprintf(path, sizeof(path), "%s._UID", b);
		CHECK_EQ(obj_int(path), buses[i]);
		snprintf(path, sizeof(path), "%s._BBN", b);
		CHECK_EQ(obj_int(path), buses[i]);
		snprintf(path, sizeof(path), "%s._SEG", b);
		CHECK_EQ(obj_int(path), 0);
		n = read_prt(b, e, 8);
		CHECK(n > 0);
		entries += n;
	}
	CHECK_EQ(entries, 4);
	for (u32 i = 0; i < ARRAY_SIZE(fns); i++)
		if (fns[i].pin)
			check_routed(&fns[i]);
	for (int i = 0; i < nobjs; i++) {
		if (objs[i].kind == OBJ_DEVICE && strncmp(objs[i].path, "\\_SB_.LK", 8) == 0) {
			check_link(objs[i].path);
			links++;
		}
	}
	CHECK_EQ(links, 4);
	/* The links' _UIDs differ (Linux names links by _HID and _UID). */
	for (int i = 0; i < nobjs; i++)
		for (int j = 0; j < i; j++)
			if (strncmp(objs[i].path, "\\_SB_.LK", 8) == 0 &&
			    strncmp(objs[j].path, "\\_SB_.LK", 8) == 0 &&
			    strcmp(objs[i].path + 13, "_UID") == 0 &&
			    strcmp(objs[j].path + 13, "_UID") == 0)
				CHECK(objs[i].val != objs[j].val);
	/* Still hardware-reduced, and the DSDT clear of the other tables. */
	f = table("FACP");
	if (f) {
		CHECK(get32(f + 112) & (1u << 20));
		CHECK_EQ(get32(f + 40), get64(f + 140));
		CHECK(get64(f + 140) >= info.madt_phys + get32(table("APIC") + 4) ||
		      get64(f + 140) + 36 <= info.madt_phys);
	}
}

/* Without an I/O APIC the devices are not described at all: the bytes are those of a
 * partition with just CPUs. With one but no PCI function, the DSDT is COM1 alone. */
static void test_devices_need_ioapic(void)
{
	struct guest_acpi_platform p = dev_platform();
	size_t cap = GUEST_ACPI_MAX_BYTES(2), n1, n2;
	u8 *a = calloc(1, cap), *b = calloc(1, cap);

	p.ioapic = false;
	n1 = guest_acpi_build(a, cap, GPA, &p);
	n2 = build_cpus(b, cap, GPA, dev_ids, 2);
	CHECK(n1 > 0);
	CHECK_EQ(n1, n2);
	CHECK(memcmp(a, b, n1) == 0);
	free(a);
	free(b);
	CHECK_EQ(build_and_parse_p(&p), 0);
	CHECK_EQ(info.ioapic_count, 0);
	CHECK_EQ(info.iso_count, 0);
	CHECK(read_dsdt());
	CHECK_EQ(count_devices(""), 1);

	p = dev_platform();
	p.pci_count = 0;
	CHECK_EQ(build_and_parse_p(&p), 0);
	CHECK_EQ(info.ioapic_count, 1);
	CHECK(read_dsdt());
	CHECK_EQ(count_devices(""), 1);
	CHECK(obj("\\_SB_.COM1") != NULL);
}

/* Every byte up to the reported length is written, padding too: junk in the buffer does not
 * show through. */
static void test_devices_every_byte(void)
{
	struct guest_acpi_platform p = dev_platform();
	size_t cap = GUEST_ACPI_MAX_BYTES(2), n;
	u8 *a = malloc(cap), *b = malloc(cap);

	memset(a, 0xcc, cap);
	memset(b, 0x33, cap);
	n = guest_acpi_build(a, cap, GPA, &p);
	CHECK(n > 0);
	CHECK_EQ(guest_acpi_build(b, cap, GPA, &p), n);
	CHECK(memcmp(a, b, n) == 0);
	free(a);
	free(b);
}

/* What the tables cannot say is refused rather than written wrong. */
static void test_refused(void)
{
	struct guest_acpi_pci bad[3] = {fns[0], fns[0], fns[3]};
	struct guest_acpi_platform p = dev_platform();
	size_t cap = GUEST_ACPI_MAX_BYTES(2);
	u8 *b = calloc(1, cap);

	p.pci = bad;
	p.pci_count = 3;
	CHECK(guest_acpi_build(b, cap, GPA, &p) > 0); /* the same wire twice: fine */
	bad[1].bdf = PT_BDF(0, 3, 5);
	bad[1].gsi = 12; /* the same device's INTA# on another GSI */
	CHECK_EQ(guest_acpi_build(b, cap, GPA, &p), 0);
	bad[1].gsi = fns[0].gsi;
	bad[1].active_low = !fns[0].active_low;
	CHECK_EQ(guest_acpi_build(b, cap, GPA, &p), 0);
	bad[1].active_low = fns[0].active_low;
	bad[1].level = !fns[0].level;
	CHECK_EQ(guest_acpi_build(b, cap, GPA, &p), 0);
	bad[1] = fns[1];
	bad[2].pin = 5;
	CHECK_EQ(guest_acpi_build(b, cap, GPA, &p), 0);
	bad[2].pin = 4;
	CHECK(guest_acpi_build(b, cap, GPA, &p) > 0);

	p = dev_platform();
	p.ioapic_id = 256;
	CHECK_EQ(guest_acpi_build(b, cap, GPA, &p), 0);
	p = dev_platform();
	p.iso_count = GUEST_ACPI_MAX_ISO + 1;
	CHECK_EQ(guest_acpi_build(b, cap, GPA, &p), 0);
	p = dev_platform();
	p.pci_count = GUEST_ACPI_MAX_PCI + 1;
	CHECK_EQ(guest_acpi_build(b, cap, GPA, &p), 0);
	p = dev_platform();
	p.pci = NULL;
	CHECK_EQ(guest_acpi_build(b, cap, GPA, &p), 0);
	p = dev_platform();
	p.iso = NULL;
	CHECK_EQ(guest_acpi_build(b, cap, GPA, &p), 0);
	p = dev_platform();
	p.cpu_count = 0;
	CHECK_EQ(guest_acpi_build(b, cap, GPA, &p), 0);
	CHECK_EQ(guest_acpi_build(b, cap, GPA, NULL), 0);
	free(b);
}

/* ---- MCFG (PCI Firmware 3.2 §4.1.2) ----------------------------------------------------- */

#define MMCFG_BASE 0xb0000000ULL

/* The MCFG by hand: header (revision 1), 8 reserved bytes, one 16-byte allocation (base, segment
 * group, start bus, end bus, 4 reserved); listed third in the XSDT, clear of every other
 * table. */
static void check_mcfg(u64 base, u8 start, u8 end)
{
	const u8 *x = at(info.root_phys, 36), *t = table("MCFG");
	u64 phys = 0;

	CHECK(info.has_mcfg);
	CHECK_EQ(info.mcfg_count, 1);
	CHECK_EQ(info.mcfg_dropped, 0);
	CHECK_EQ(info.mcfg[0].base, base);
	CHECK_EQ(info.mcfg[0].segment, 0);
	CHECK_EQ(info.mcfg[0].start_bus, start);
	CHECK_EQ(info.mcfg[0].end_bus, end);
	CHECK_EQ(info.table_count, 3);
	if (!x || !t)
		return;
	CHECK_EQ(get32(x + 4), 36 + 24);
	CHECK_EQ(sum(x, 36 + 24), 0);
	phys = get64(x + 36 + 16);
	CHECK(at(phys, 60) == t);
	CHECK_EQ(get32(t + 4), 60);
	CHECK_EQ(t[8], 1);
	CHECK_EQ(sum(t, 60), 0);
	CHECK(memcmp(t + 10, "BULKHD", 6) == 0);
	CHECK_EQ(get64(t + 36), 0); /* reserved */
	CHECK_EQ(get64(t + 44), base);
	CHECK_EQ(get16(t + 52), 0);
	CHECK_EQ(t[54], start);
	CHECK_EQ(t[55], end);
	CHECK_EQ(get32(t + 56), 0); /* reserved */
	for (u32 i = 0; i < info.table_count && i < MAX_ACPI_TABLES; i++) {
		const struct acpi_table_ref *o = &info.tables[i];

		if (strcmp(o->sig, "MCFG") != 0)
			CHECK(o->phys + o->len <= phys || phys + 60 <= o->phys);
	}
	CHECK(phys + 60 <= GPA + used);
	CHECK(phys >= GPA + 0x80 + 276); /* past the FADT */
}

static void test_mcfg(void)
{
	struct guest_acpi_platform p = dev_platform();
	size_t cap = GUEST_ACPI_MAX_BYTES(2), n;
	u8 *a = malloc(cap), *b = malloc(cap);

	p.mmcfg_base = MMCFG_BASE;
	p.mmcfg_start = 0;
	p.mmcfg_end = 0x3f;
	CHECK_EQ(build_and_parse_p(&p), 0);
	CHECK_EQ(capture_text()[0], 0);
	check_mcfg(MMCFG_BASE, 0, 0x3f);
	/* The rest is still there. */
	CHECK_EQ(info.ioapic_count, 1);
	CHECK(read_dsdt());
	CHECK_EQ(count_devices("\\_SB_.PC"), 3);

	/* Other buses and a 64-bit base go through. */
	p.mmcfg_base = 0x3ff0000000ULL;
	p.mmcfg_start = 2;
	p.mmcfg_end = 0xff;
	CHECK_EQ(build_and_parse_p(&p), 0);
	check_mcfg(0x3ff0000000ULL, 2, 0xff);
	/* Without an I/O APIC too (the window does not depend on it). */
	p.ioapic = false;
	CHECK_EQ(build_and_parse_p(&p), 0);
	check_mcfg(0x3ff0000000ULL, 2, 0xff);
	CHECK_EQ(info.ioapic_count, 0);

	/* Every byte written, padding before the MCFG too. */
	p = dev_platform();
	p.mmcfg_base = MMCFG_BASE;
	p.mmcfg_end = 0x1f;
	memset(a, 0xcc, cap);
	memset(b, 0x33, cap);
	n = guest_acpi_build(a, cap, GPA, &p);
	CHECK(n > 0);
	CHECK_EQ(guest_acpi_build(b, cap, GPA, &p), n);
	CHECK(memcmp(a, b, n) == 0);
	/* One byte short of the MCFG: refused, nothing written past the cap (ASan). */
	{
		u8 *s = malloc(n - 1);

		CHECK_EQ(guest_acpi_build(s, n - 1, GPA, &p), 0);
		free(s);
	}

	/* Buses out of order or past 255: refused. */
	p.mmcfg_start = 5;
	p.mmcfg_end = 4;
	CHECK_EQ(guest_acpi_build(a, cap, GPA, &p), 0);
	p.mmcfg_start = 0;
	p.mmcfg_end = 0x100;
	CHECK_EQ(guest_acpi_build(a, cap, GPA, &p), 0);
	p.mmcfg_start = 0x100;
	p.mmcfg_end = 0x100;
	CHECK_EQ(guest_acpi_build(a, cap, GPA, &p), 0);
	free(a);
	free(b);
}

/* Base 0 is no window: the bytes are those of a platform without the fields at all, whatever
 * the buses say, and there is no MCFG. */
static void test_no_mcfg_same_bytes(void)
{
	struct guest_acpi_platform p = dev_platform(), q = dev_platform();
	size_t cap = GUEST_ACPI_MAX_BYTES(2), n1, n2;
	u8 *a = malloc(cap), *b = malloc(cap);

	p.mmcfg_start = 7;
	p.mmcfg_end = 0x1000; /* ignored without a base */
	for (int ioapic = 0; ioapic < 2; ioapic++) {
		p.ioapic = q.ioapic = ioapic;
		memset(a, 0xcc, cap);
		memset(b, 0x33, cap);
		n1 = guest_acpi_build(a, cap, GPA, &p);
		n2 = guest_acpi_build(b, cap, GPA, &q);
		CHECK(n1 > 0);
		CHECK_EQ(n1, n2);
		CHECK(memcmp(a, b, n1) == 0);
		CHECK_EQ(build_and_parse_p(&p), 0);
		CHECK(!info.has_mcfg);
		CHECK(acpi_find_table(&info, "MCFG") == NULL);
		CHECK_EQ(info.table_count, 2);
		CHECK_EQ(get32(at(info.root_phys, 36) + 4), 36 + 16);
	}
	free(a);
	free(b);
}

/* The most a partition can have fits GUEST_ACPI_MAX_BYTES, and one byte less is refused
 * without a write past it. */
static void test_largest(void)
{
	static u32 ids[PT_MAX_CPUS];
	static struct guest_acpi_pci many[GUEST_ACPI_MAX_PCI];
	static struct guest_acpi_iso iso16[GUEST_ACPI_MAX_ISO];
	struct guest_acpi_platform p = {.apic_ids = ids,
					.cpu_count = PT_MAX_CPUS,
					.ioapic = true,
					.ioapic_id = 255,
					.pci = many,
					.pci_count = GUEST_ACPI_MAX_PCI,
					.iso = iso16,
					.iso_count = GUEST_ACPI_MAX_ISO,
					.mmcfg_base = 0xfff0000000ULL,
					.mmcfg_start = 0,
					.mmcfg_end = 0xff};
	size_t cap = GUEST_ACPI_MAX_BYTES(PT_MAX_CPUS), full;
	u8 *b = malloc(cap);

	for (u32 i = 0; i < PT_MAX_CPUS; i++)
		ids[i] = 0x1000 + i; /* x2APIC entries: the larger kind */
	for (u32 i = 0; i < GUEST_ACPI_MAX_PCI; i++)
		many[i] = (struct guest_acpi_pci){PT_BDF(0xf0 + i, 0x1f, 7),
						  (u8)(1 + i % 4),
						  0xffffff00u + i,
						  i & 1,
						  i & 2,
						  0,
						  0};
	for (u32 i = 0; i < GUEST_ACPI_MAX_ISO; i++)
		iso16[i] = (struct guest_acpi_iso){(u8)i, 0xfffffff0u + i, 0xf};
	full = guest_acpi_build(b, cap, GPA, &p);
	CHECK(full > 0 && full <= cap);
	for (size_t c = full - 200; c < full; c++) {
		u8 *s = malloc(c);

		CHECK_EQ(guest_acpi_build(s, c, GPA, &p), 0);
		free(s);
	}
	free(b);
	CHECK_EQ(build_and_parse_p(&p), 0);
	CHECK_EQ(info.iso_count, GUEST_ACPI_MAX_ISO);
	check_mcfg(0xfff0000000ULL, 0, 0xff);
	CHECK(read_dsdt());
	CHECK_EQ(count_devices("\\_SB_.PC"), GUEST_ACPI_MAX_PCI);
	CHECK_EQ(count_devices("\\_SB_.LK"), GUEST_ACPI_MAX_PCI);
	for (u32 i = 0; i < GUEST_ACPI_MAX_PCI; i++)
		check_routed(&many[i]);
}

/* ---- sizes ---------------------------------------------------------------------------- */

static void test_cap_and_count(void)
{
	static const u32 ids[] = {1, 2, 300};
	size_t full, cap = GUEST_ACPI_MAX_BYTES(3);
	u8 *b = malloc(cap);

	memset(b, 0xcc, cap);
	full = build_cpus(b, cap, GPA, ids, 3);
	CHECK(full > 0 && full <= cap);
	/* Too small: nothing claimed, nothing written past it (ASan on exact buffers). */
	for (size_t small = 0; small < 128; small++) {
		u8 *s = malloc(small ? small : 1);

		CHECK_EQ(build_cpus(s, small, GPA, ids, 3), 0);
		free(s);
	}
	{
		u8 *s = malloc(full - 1);

		CHECK_EQ(build_cpus(s, full - 1, GPA, ids, 3), 0);
		free(s);
	}
	/* No CPUs: no tables. */
	CHECK_EQ(build_cpus(b, cap, GPA, ids, 0), 0);
	CHECK_EQ(build_cpus(b, cap, GPA, NULL, 0), 0);
	/* The same input gives the same bytes. */
	{
		u8 *again = malloc(cap);

		memset(again, 0x33, cap);
		CHECK_EQ(build_cpus(again, cap, GPA, ids, 3), full);
		CHECK(memcmp(again, b, full) == 0);
		free(again);
	}
	free(b);
}

/* Another guest-physical address: every pointer follows it. */
static void test_other_gpa(void)
{
	static const u32 ids[] = {3};
	const u64 gpa = 0x7ff00000ULL;
	size_t cap = GUEST_ACPI_MAX_BYTES(1), n;
	u8 *b = calloc(1, cap);

	n = build_cpus(b, cap, gpa, ids, 1);
	CHECK(n > 0);
	CHECK(get64(b + 24) > gpa && get64(b + 24) < gpa + n);
	{
		const u8 *x = b + (get64(b + 24) - gpa);
		const u8 *f = b + (get64(x + 36) - gpa);

		CHECK(memcmp(x, "XSDT", 4) == 0);
		CHECK(memcmp(f, "FACP", 4) == 0);
		CHECK(memcmp(b + (get64(x + 44) - gpa), "APIC", 4) == 0);
		CHECK(memcmp(b + (get64(f + 140) - gpa), "DSDT", 4) == 0);
		CHECK_EQ(get32(f + 40), get64(f + 140));
	}
	free(b);
}

int main(void)
{
	RUN(test_rsdp_and_root);
	RUN(test_madt_lapic);
	RUN(test_madt_order_and_single);
	RUN(test_madt_x2apic);
	RUN(test_madt_many_x2apic);
	RUN(test_fadt);
	RUN(test_dsdt);
	RUN(test_madt_ioapic);
	RUN(test_dsdt_pci);
	RUN(test_devices_need_ioapic);
	RUN(test_devices_every_byte);
	RUN(test_refused);
	RUN(test_mcfg);
	RUN(test_no_mcfg_same_bytes);
	RUN(test_largest);
	RUN(test_cap_and_count);
	RUN(test_other_gpa);
	free(buf);
	CHECK_MAIN_END();
}
