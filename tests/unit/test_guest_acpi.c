/*
 * Unit tests for core/guest_acpi.c: the tables Bulkhead writes for a Linux partition are
 * read back with the hypervisor's own ACPI parser (arch/x86/acpi.c), as if they sat in guest
 * memory at 0xe0000, and what the parser does not look at (FADT fields, the DSDT's AML) is
 * checked byte by byte. Offsets are spelled out here from the ACPI 6.5 specification
 * (§5.2.5 RSDP, §5.2.6 header, §5.2.9 FADT, §5.2.12 MADT, §6.4 resource descriptors), not
 * taken from core/guest_acpi.c.
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

/* Build for `ids` into a buffer of GUEST_ACPI_MAX_BYTES(n) filled with junk (the builder must
 * write every byte it claims), keep an exact-size copy, and parse it from the RSDP at GPA. */
static int build_and_parse(const u32 *ids, u32 n)
{
	size_t cap = GUEST_ACPI_MAX_BYTES(n);
	u8 *tmp = malloc(cap);
	struct mem m = {0};
	int rc;

	memset(tmp, 0xcc, cap);
	used = guest_acpi_build(tmp, cap, GPA, ids, n);
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
}

/* ---- sizes ---------------------------------------------------------------------------- */

static void test_cap_and_count(void)
{
	static const u32 ids[] = {1, 2, 300};
	size_t full, cap = GUEST_ACPI_MAX_BYTES(3);
	u8 *b = malloc(cap);

	memset(b, 0xcc, cap);
	full = guest_acpi_build(b, cap, GPA, ids, 3);
	CHECK(full > 0 && full <= cap);
	/* Too small: nothing claimed, nothing written past it (ASan on exact buffers). */
	for (size_t small = 0; small < 128; small++) {
		u8 *s = malloc(small ? small : 1);

		CHECK_EQ(guest_acpi_build(s, small, GPA, ids, 3), 0);
		free(s);
	}
	{
		u8 *s = malloc(full - 1);

		CHECK_EQ(guest_acpi_build(s, full - 1, GPA, ids, 3), 0);
		free(s);
	}
	/* No CPUs: no tables. */
	CHECK_EQ(guest_acpi_build(b, cap, GPA, ids, 0), 0);
	CHECK_EQ(guest_acpi_build(b, cap, GPA, NULL, 0), 0);
	/* The same input gives the same bytes. */
	{
		u8 *again = malloc(cap);

		memset(again, 0x33, cap);
		CHECK_EQ(guest_acpi_build(again, cap, GPA, ids, 3), full);
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

	n = guest_acpi_build(b, cap, gpa, ids, 1);
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
	RUN(test_cap_and_count);
	RUN(test_other_gpa);
	free(buf);
	CHECK_MAIN_END();
}
