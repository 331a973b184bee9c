/*
 * Host tests for the ACPI parser. Tables are built in a fake physical memory; the fake
 * mapper hands the parser an exact-size heap copy of each range it asks for, so a read one
 * byte past any mapped range is caught by ASan wherever the table sits.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/x86/acpi.h"
#include "core/error.h"
#include "core/log.h"
#include "tests/unit/check.h"

/* --- fake physical memory -------------------------------------------------------------- */

#define MEM_BASE 0x7fe00000ULL
#define MEM_SIZE (64 * 1024)

struct fake {
	u8 *mem;
	u64 base;
	u64 size;
	u64 top; /* tables are placed downwards from the end: the first one ends the memory */
};

static struct fake fm;
static void **maps;
static size_t nmaps, maps_cap;

static void fake_init(struct fake *f, u64 base, u64 size)
{
	free(f->mem);
	f->mem = calloc(1, size);
	f->base = base;
	f->size = size;
	f->top = size;
}

static u8 *at(u64 phys)
{
	return fm.mem + (phys - fm.base);
}

static const void *fake_map(u64 phys, u64 len, void *ctx)
{
	struct fake *f = ctx;
	void *p;

	if (phys < f->base || len == 0 || len > f->size || phys - f->base > f->size - len)
		return NULL;
	p = malloc(len);
	memcpy(p, f->mem + (phys - f->base), len);
	if (nmaps == maps_cap) {
		void **grown;

		maps_cap = maps_cap ? maps_cap * 2 : 64;
		grown = realloc(maps, maps_cap * sizeof(*maps));
		if (!grown)
			abort();
		maps = grown;
	}
	maps[nmaps++] = p;
	return p;
}

static void maps_free(void)
{
	while (nmaps)
		free(maps[--nmaps]);
}

/* --- table builder ---------------------------------------------------------------------- */

struct tb {
	u8 b[4096];
	u32 n;
};

static u8 sum(const u8 *p, size_t n)
{
	u8 s = 0;

	while (n--)
		s = (u8)(s + *p++);
	return s;
}

/* Corrupt by adding: the byte sum then changes by exactly `d`. */
static void bump(u8 *p, u8 d)
{
	*p = (u8)(*p + d);
}

static u32 get32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static void set32(u8 *p, u32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (u8)(v >> (8 * i));
}

static void put8(struct tb *t, u8 v)
{
	if (t->n >= sizeof(t->b))
		abort();
	t->b[t->n++] = v;
}

static void put16(struct tb *t, u16 v)
{
	put8(t, (u8)v);
	put8(t, (u8)(v >> 8));
}

static void put32(struct tb *t, u32 v)
{
	put16(t, (u16)v);
	put16(t, (u16)(v >> 16));
}

static void put64(struct tb *t, u64 v)
{
	put32(t, (u32)v);
	put32(t, (u32)(v >> 32));
}

static void tb_init(struct tb *t, const char *sig, u8 rev)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, sig, 4);
	t->b[8] = rev;
	memcpy(t->b + 10, "BLKHD ", 6);
	memcpy(t->b + 16, "TESTTABL", 8);
	set32(t->b + 24, 1);
	memcpy(t->b + 28, "BLKH", 4);
	set32(t->b + 32, 1);
	t->n = 36;
}

static void tb_pad(struct tb *t, u32 len)
{
	while (t->n < len)
		put8(t, (u8)t->n);
}

static u64 place(const void *b, u32 n)
{
	fm.top -= n;
	memcpy(fm.mem + fm.top, b, n);
	return fm.base + fm.top;
}

/* Make the byte sum of `len` bytes at `phys` zero (clamped to the memory end). */
static void refix(u64 phys, u32 len)
{
	u8 *p = at(phys);
	u64 avail = fm.base + fm.size - phys;

	if (len > avail)
		len = (u32)avail;
	if (len < 10)
		return;
	p[9] = 0;
	p[9] = (u8)-sum(p, len);
}

static void refix_table(u64 phys)
{
	refix(phys, get32(at(phys) + 4));
}

static u64 tb_place(struct tb *t)
{
	set32(t->b + 4, t->n);
	t->b[9] = 0;
	t->b[9] = (u8)-sum(t->b, t->n);
	return place(t->b, t->n);
}

static u64 simple_table(const char *sig, u8 rev, u32 len)
{
	struct tb t;

	tb_init(&t, sig, rev);
	tb_pad(&t, len);
	return tb_place(&t);
}

static void madt_init(struct tb *t, u8 rev, u32 lapic, u32 flags)
{
	tb_init(t, "APIC", rev);
	put32(t, lapic);
	put32(t, flags);
}

static void e_lapic(struct tb *t, u8 uid, u8 id, u32 flags)
{
	put8(t, 0);
	put8(t, 8);
	put8(t, uid);
	put8(t, id);
	put32(t, flags);
}

static void e_ioapic(struct tb *t, u8 id, u32 addr, u32 gsi)
{
	put8(t, 1);
	put8(t, 12);
	put8(t, id);
	put8(t, 0);
	put32(t, addr);
	put32(t, gsi);
}

static void e_iso(struct tb *t, u8 src, u32 gsi, u16 flags)
{
	put8(t, 2);
	put8(t, 10);
	put8(t, 0);
	put8(t, src);
	put32(t, gsi);
	put16(t, flags);
}

static void e_nmi(struct tb *t)
{
	put8(t, 4);
	put8(t, 6);
	put8(t, 0xff);
	put16(t, 5);
	put8(t, 1);
}

/* NMI Source (type 3, §5.2.12.6): flags, GSI. */
static void e_nmisrc(struct tb *t, u16 flags, u32 gsi)
{
	put8(t, 3);
	put8(t, 8);
	put16(t, flags);
	put32(t, gsi);
}

static void e_override(struct tb *t, u64 addr)
{
	put8(t, 5);
	put8(t, 12);
	put16(t, 0);
	put64(t, addr);
}

static void e_x2apic(struct tb *t, u32 id, u32 flags, u32 uid)
{
	put8(t, 9);
	put8(t, 16);
	put16(t, 0);
	put32(t, id);
	put32(t, flags);
	put32(t, uid);
}

/* x2APIC NMI (type 0xA): not decoded by the parser, must be skipped by its length. */
static void e_x2nmi(struct tb *t)
{
	put8(t, 0xa);
	put8(t, 12);
	put16(t, 5);
	put32(t, 0xffffffff);
	put8(t, 1);
	put8(t, 0);
	put16(t, 0);
}

/* An MCFG (PCI Firmware 3.3 §4.1.2): header, 8 reserved bytes, then allocations. */
static void mcfg_init(struct tb *t)
{
	tb_init(t, "MCFG", 1);
	put64(t, 0);
}

static void e_mcfg(struct tb *t, u64 base, u16 seg, u8 start, u8 end)
{
	put64(t, base);
	put16(t, seg);
	put8(t, start);
	put8(t, end);
	put32(t, 0);
}

static u64 uefi_mcfg(void)
{
	struct tb t;

	mcfg_init(&t);
	e_mcfg(&t, 0xe0000000, 0, 0, 255);
	return tb_place(&t);
}

static u64 make_root(const char *sig, const u64 *phys, int n)
{
	struct tb t;

	tb_init(&t, sig, 1);
	for (int i = 0; i < n; i++) {
		if (sig[0] == 'X')
			put64(&t, phys[i]);
		else
			put32(&t, (u32)phys[i]);
	}
	return tb_place(&t);
}

/* --- layouts ------------------------------------------------------------------------------ */

struct layout {
	u8 rsdp[36];
	size_t rsdp_len;
	u64 tab[48]; /* in root order */
	int ntab;
	u64 madt, rsdt, xsdt;
};

static void rsdp_fix(struct layout *l)
{
	l->rsdp[8] = 0;
	l->rsdp[8] = (u8)-sum(l->rsdp, 20);
	if (l->rsdp_len >= 36) {
		l->rsdp[32] = 0;
		l->rsdp[32] = (u8)-sum(l->rsdp, 36);
	}
}

static void rsdp_make(struct layout *l, u8 rev, u64 rsdt, u64 xsdt, const char *oem)
{
	memset(l->rsdp, 0, sizeof(l->rsdp));
	memcpy(l->rsdp, "RSD PTR ", 8);
	memcpy(l->rsdp + 9, oem, 6);
	l->rsdp[15] = rev;
	set32(l->rsdp + 16, (u32)rsdt);
	l->rsdp_len = 20;
	if (rev >= 2) {
		l->rsdp_len = 36;
		set32(l->rsdp + 20, 36);
		set32(l->rsdp + 24, (u32)xsdt);
		set32(l->rsdp + 28, (u32)(xsdt >> 32));
	}
	rsdp_fix(l);
}

static u32 reserve_top; /* bytes left free at the end of memory by layout_begin() */

static void layout_begin(struct layout *l)
{
	fake_init(&fm, MEM_BASE, MEM_SIZE);
	fm.top -= reserve_top;
	memset(l, 0, sizeof(*l));
}

/* The MADT of the QEMU-like layout: 4 CPUs, 1 IOAPIC, overrides and an NMI entry. */
static u64 qemu_madt(void)
{
	struct tb t;

	madt_init(&t, 1, 0xfee00000, 1);
	for (u8 i = 0; i < 4; i++)
		e_lapic(&t, i, i, 1);
	e_ioapic(&t, 0, 0xfec00000, 0);
	e_iso(&t, 0, 2, 0);
	e_iso(&t, 5, 5, 0xd);
	e_iso(&t, 9, 9, 0xd);
	e_iso(&t, 10, 10, 0xd);
	e_iso(&t, 11, 11, 0xd);
	e_nmi(&t);
	return tb_place(&t);
}

/* SeaBIOS under QEMU: RSDP revision 0 -> RSDT -> FACP, APIC, HPET, WAET. */
static void build_qemu(struct layout *l)
{
	layout_begin(l);
	l->madt = qemu_madt(); /* first placed: ends exactly at the end of memory */
	l->tab[0] = simple_table("FACP", 1, 116);
	l->tab[1] = l->madt;
	l->tab[2] = simple_table("HPET", 1, 56);
	l->tab[3] = simple_table("WAET", 1, 40);
	l->ntab = 4;
	l->rsdt = make_root("RSDT", l->tab, l->ntab);
	rsdp_make(l, 0, l->rsdt, 0, "BOCHS ");
}

static u64 uefi_madt(void)
{
	struct tb t;

	madt_init(&t, 5, 0xfee00000, 1);
	e_lapic(&t, 0, 0, 1);
	e_lapic(&t, 1, 2, 1);
	e_lapic(&t, 2, 4, 0); /* disabled, not online capable */
	e_lapic(&t, 3, 6, 2); /* online capable */
	e_x2apic(&t, 0x100, 1, 4);
	e_x2apic(&t, 300, 0, 5);
	e_override(&t, 0x100fee00000ULL);
	e_ioapic(&t, 0, 0xfec00000, 0);
	e_ioapic(&t, 1, 0xfec01000, 24);
	e_iso(&t, 0, 2, 0);
	e_iso(&t, 9, 9, 0xd);
	e_nmi(&t);
	e_x2nmi(&t);
	return tb_place(&t);
}

/* OVMF-like: RSDP revision 2 -> XSDT (and an RSDT) -> 7 tables, an odd-length SSDT so the
 * XSDT and its 64-bit entries end up unaligned. */
static void build_uefi(struct layout *l)
{
	layout_begin(l);
	l->madt = uefi_madt();
	l->tab[6] = simple_table("SSDT", 2, 201);
	l->tab[0] = simple_table("FACP", 6, 276);
	l->tab[1] = l->madt;
	l->tab[2] = simple_table("HPET", 1, 56);
	l->tab[3] = uefi_mcfg();
	l->tab[4] = simple_table("WAET", 1, 40);
	l->tab[5] = simple_table("BGRT", 1, 56);
	l->ntab = 7;
	l->rsdt = make_root("RSDT", l->tab, l->ntab);
	l->xsdt = make_root("XSDT", l->tab, l->ntab);
	rsdp_make(l, 2, l->rsdt, l->xsdt, "ALASKA");
}

static int parse(const struct layout *l, struct acpi_info *info)
{
	u8 *r = malloc(l->rsdp_len); /* exact size: reading past it trips ASan */
	int rc;

	memcpy(r, l->rsdp, l->rsdp_len);
	rc = acpi_parse(r, l->rsdp_len, fake_map, &fm, info);
	free(r);
	maps_free();
	return rc;
}

static char logline[512];
#define CHECK_LOGF(...)                                                                            \
	do {                                                                                       \
		snprintf(logline, sizeof(logline), __VA_ARGS__);                                   \
		CHECK_LOG(logline);                                                                \
	} while (0)

static void check_cpu(const struct acpi_cpu *c, u32 id, u32 uid, bool en, bool oc, bool x2)
{
	CHECK_EQ(c->apic_id, id);
	CHECK_EQ(c->uid, uid);
	CHECK_EQ(c->enabled, en);
	CHECK_EQ(c->online_capable, oc);
	CHECK_EQ(c->from_x2apic_entry, x2);
}

static void check_ref(const struct acpi_table_ref *r, const char *sig, u64 phys, u32 len, u8 rev)
{
	CHECK(strcmp(r->sig, sig) == 0);
	CHECK_EQ(r->phys, phys);
	CHECK_EQ(r->len, len);
	CHECK_EQ(r->rev, rev);
	CHECK(r->checksum_ok);
}

/* --- good layouts ---------------------------------------------------------------------- */

static void test_qemu_layout(void)
{
	struct layout l;
	struct acpi_info info;

	build_qemu(&l);
	log_set_level(LOG_WARN); /* a good layout logs no warning or error */
	CHECK_EQ(parse(&l, &info), 0);
	CHECK(capture_text()[0] == '\0');
	log_set_level(LOG_DEBUG); /* the summary lines are debug: platform.c reports at info */
	CHECK_EQ(parse(&l, &info), 0);
	log_set_level(LOG_INFO);
	CHECK_EQ(info.rsdp_revision, 0);
	CHECK(strcmp(info.oem_id, "BOCHS ") == 0);
	CHECK(!info.use_xsdt);
	CHECK_EQ(info.root_phys, l.rsdt);
	CHECK_EQ(info.table_count, 4);
	CHECK_EQ(info.tables_dropped, 0);
	check_ref(&info.tables[0], "FACP", l.tab[0], 116, 1);
	check_ref(&info.tables[1], "APIC", l.madt, 44 + 4 * 8 + 12 + 5 * 10 + 6, 1);
	check_ref(&info.tables[2], "HPET", l.tab[2], 56, 1);
	check_ref(&info.tables[3], "WAET", l.tab[3], 40, 1);
	CHECK_EQ(l.madt + info.tables[1].len, MEM_BASE + MEM_SIZE);

	CHECK(info.has_madt);
	CHECK_EQ(info.madt_phys, l.madt);
	CHECK_EQ(info.madt_rev, 1);
	CHECK_EQ(info.lapic_addr, 0xfee00000);
	CHECK_EQ(info.madt_flags, 1);
	CHECK_EQ(info.cpu_count, 4);
	CHECK_EQ(info.cpus_dropped, 0);
	for (u32 i = 0; i < 4; i++)
		check_cpu(&info.cpus[i], i, i, true, false, false);
	CHECK_EQ(acpi_usable_cpus(&info), 4);
	CHECK_EQ(info.ioapic_count, 1);
	CHECK_EQ(info.ioapics_dropped, 0);
	CHECK_EQ(info.ioapics[0].id, 0);
	CHECK_EQ(info.ioapics[0].addr, 0xfec00000);
	CHECK_EQ(info.ioapics[0].gsi_base, 0);
	CHECK_EQ(info.iso_count, 5);
	CHECK_EQ(info.isos_dropped, 0);
	CHECK_EQ(info.isos[0].source, 0);
	CHECK_EQ(info.isos[0].gsi, 2);
	CHECK_EQ(info.isos[0].flags, 0);
	CHECK_EQ(info.isos[4].bus, 0);
	CHECK_EQ(info.isos[4].source, 11);
	CHECK_EQ(info.isos[4].gsi, 11);
	CHECK_EQ(info.isos[4].flags, 0xd);
	CHECK_EQ(info.nmi_count, 0); /* the type 4 entry is a local APIC NMI, not a source */
	CHECK(!info.has_mcfg);
	CHECK_EQ(info.mcfg_count, 0);

	CHECK(acpi_find_table(&info, "APIC") == &info.tables[1]);
	CHECK(acpi_find_table(&info, "WAET") == &info.tables[3]);
	CHECK(acpi_find_table(&info, "XSDT") == NULL);
	CHECK(acpi_find_table(&info, "MCFG") == NULL);
	CHECK_LOGF("acpi: RSDP revision 0, OEM 'BOCHS ', RSDT at 0x%llx lists 4 tables",
		   (unsigned long long)l.rsdt);
	CHECK_LOGF("acpi: MADT at 0x%llx: 4 CPUs (4 usable), 1 IOAPICs, local APIC at 0xfee00000",
		   (unsigned long long)l.madt);
}

static void test_uefi_layout(void)
{
	static const char *const sigs[] = {"FACP", "APIC", "HPET", "MCFG", "WAET", "BGRT", "SSDT"};
	static const u32 lens[] = {276, 182, 56, 60, 40, 56, 201};
	static const u8 revs[] = {6, 5, 1, 1, 1, 1, 2};
	struct layout l;
	struct acpi_info info;

	build_uefi(&l);
	CHECK((l.xsdt & 7) != 0); /* the XSDT's 64-bit entries are unaligned */
	log_set_level(LOG_WARN);
	CHECK_EQ(parse(&l, &info), 0);
	CHECK(capture_text()[0] == '\0');
	log_set_level(LOG_DEBUG); /* the summary lines are debug: platform.c reports at info */
	CHECK_EQ(parse(&l, &info), 0);
	log_set_level(LOG_INFO);
	CHECK_EQ(info.rsdp_revision, 2);
	CHECK(strcmp(info.oem_id, "ALASKA") == 0);
	CHECK(info.use_xsdt);
	CHECK_EQ(info.root_phys, l.xsdt);
	CHECK_EQ(info.table_count, 7);
	for (int i = 0; i < 7; i++)
		check_ref(&info.tables[i], sigs[i], l.tab[i], lens[i], revs[i]);
	CHECK(acpi_find_table(&info, "SSDT") == &info.tables[6]);

	CHECK(info.has_madt);
	CHECK_EQ(info.madt_phys, l.madt);
	CHECK_EQ(info.madt_rev, 5);
	CHECK_EQ(info.lapic_addr, 0x100fee00000ULL);
	CHECK_EQ(info.madt_flags, 1);
	CHECK_EQ(info.cpu_count, 6);
	check_cpu(&info.cpus[0], 0, 0, true, false, false);
	check_cpu(&info.cpus[1], 2, 1, true, false, false);
	check_cpu(&info.cpus[2], 4, 2, false, false, false);
	check_cpu(&info.cpus[3], 6, 3, false, true, false);
	check_cpu(&info.cpus[4], 0x100, 4, true, false, true);
	check_cpu(&info.cpus[5], 300, 5, false, false, true);
	CHECK_EQ(acpi_usable_cpus(&info), 4);
	CHECK_EQ(info.ioapic_count, 2);
	CHECK_EQ(info.ioapics[1].id, 1);
	CHECK_EQ(info.ioapics[1].addr, 0xfec01000);
	CHECK_EQ(info.ioapics[1].gsi_base, 24);
	CHECK_EQ(info.iso_count, 2);
	CHECK_EQ(info.isos[1].gsi, 9);
	CHECK(info.has_mcfg);
	CHECK_EQ(info.mcfg_count, 1);
	CHECK_EQ(info.mcfg_dropped, 0);
	CHECK_EQ(info.mcfg[0].base, 0xe0000000);
	CHECK_EQ(info.mcfg[0].segment, 0);
	CHECK_EQ(info.mcfg[0].start_bus, 0);
	CHECK_EQ(info.mcfg[0].end_bus, 255);
	CHECK_LOGF("acpi: MCFG at 0x%llx: 1 allocations", (unsigned long long)l.tab[3]);
	CHECK_LOGF("acpi: RSDP revision 2, OEM 'ALASKA', XSDT at 0x%llx lists 7 tables",
		   (unsigned long long)l.xsdt);
	CHECK_LOG("6 CPUs (4 usable), 2 IOAPICs, local APIC at 0x100fee00000");
}

/* ACPI 1.0-5.x firmware may leave bit 1 set: it only means "online capable" from MADT rev 5. */
static void test_online_capable_needs_madt_rev5(void)
{
	struct layout l;
	struct acpi_info info;
	struct tb t;

	layout_begin(&l);
	madt_init(&t, 4, 0xfee00000, 0);
	e_lapic(&t, 0, 0, 1);
	e_lapic(&t, 1, 1, 2);
	e_x2apic(&t, 2, 2, 2);
	l.madt = tb_place(&t);
	l.rsdt = make_root("RSDT", &l.madt, 1);
	rsdp_make(&l, 0, l.rsdt, 0, "OLDFW ");
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_EQ(info.cpu_count, 3);
	check_cpu(&info.cpus[1], 1, 1, false, false, false);
	check_cpu(&info.cpus[2], 2, 2, false, false, true);
	CHECK_EQ(acpi_usable_cpus(&info), 1);
}

static void test_parse_at(void)
{
	struct layout l;
	struct acpi_info info;
	u64 r;

	build_uefi(&l);
	r = place(l.rsdp, 36);
	CHECK_EQ(acpi_parse_at(r, fake_map, &fm, &info), 0);
	maps_free();
	CHECK(info.use_xsdt);
	CHECK_EQ(info.cpu_count, 6);

	build_qemu(&l);
	r = place(l.rsdp, 20);
	CHECK_EQ(acpi_parse_at(r, fake_map, &fm, &info), 0);
	maps_free();
	CHECK_EQ(info.root_phys, l.rsdt);
	CHECK_EQ(info.cpu_count, 4);

	/* A revision-2 RSDP at the very end of memory: only its first 20 bytes are readable. */
	reserve_top = 20;
	build_uefi(&l);
	reserve_top = 0;
	fm.top = fm.size;
	r = place(l.rsdp, 20);
	CHECK_EQ(acpi_parse_at(r, fake_map, &fm, &info), 0);
	maps_free();
	CHECK(!info.use_xsdt);
	CHECK_LOG("acpi: RSDP: revision 2 but only 20 bytes given, using the RSDT");

	/* A longer RSDP (length 40): all of it is handed over and checksummed. */
	build_uefi(&l);
	{
		u8 big[40] = {0};

		memcpy(big, l.rsdp, 36);
		set32(big + 20, 40);
		big[8] = 0;
		big[8] = (u8)-sum(big, 20);
		big[32] = 0;
		big[32] = (u8)-sum(big, 40);
		r = place(big, 40);
	}
	capture_reset();
	CHECK_EQ(acpi_parse_at(r, fake_map, &fm, &info), 0);
	maps_free();
	CHECK(info.use_xsdt);
	CHECK(!capture_has("using the RSDT"));

	CHECK_EQ(acpi_parse_at(0x1000, fake_map, &fm, &info), E_RANGE);
	maps_free();
	CHECK_LOG("acpi: RSDP at 0x1000: not readable");
}

/* --- bad RSDP ------------------------------------------------------------------------------ */

static void test_rsdp_bad_signature(void)
{
	struct layout l;
	struct acpi_info info;

	build_qemu(&l);
	l.rsdp[3] = 'X';
	rsdp_fix(&l);
	CHECK_EQ(parse(&l, &info), E_INVAL);
	CHECK_LOG("acpi: RSDP: bad signature, no ACPI tables");
	CHECK_EQ(info.table_count, 0);
	CHECK(!info.has_madt);
}

static void test_rsdp_bad_checksum(void)
{
	struct layout l;
	struct acpi_info info;

	build_qemu(&l);
	bump(&l.rsdp[8], 0x3c);
	CHECK_EQ(parse(&l, &info), E_CHECKSUM);
	CHECK_LOG("acpi: RSDP: checksum bad (sum 0x3c), no ACPI tables");
	CHECK(!info.has_madt);
}

static void test_rsdp_too_short(void)
{
	struct layout l;
	struct acpi_info info;

	build_qemu(&l);
	l.rsdp_len = 19;
	CHECK_EQ(parse(&l, &info), E_INVAL);
	CHECK_LOG("acpi: RSDP: 19 bytes given, need at least 20");
	CHECK_EQ(acpi_parse(NULL, 0, fake_map, &fm, &info), E_INVAL);
}

/* The 20-byte ACPI 1.0 part has its own valid checksum and holds the RSDT: use that. */
static void test_rsdp_bad_ext_checksum(void)
{
	struct layout l;
	struct acpi_info info;

	build_uefi(&l);
	bump(&l.rsdp[32], 0x01);
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_LOG("acpi: RSDP: extended checksum bad (sum 0x01), using the RSDT");
	CHECK(!info.use_xsdt);
	CHECK_EQ(info.root_phys, l.rsdt);
	CHECK_EQ(info.table_count, 7);
	CHECK(info.has_madt);

	/* ...and without an RSDT nothing is left. */
	set32(l.rsdp + 16, 0);
	rsdp_fix(&l);
	bump(&l.rsdp[32], 0x01);
	capture_reset();
	CHECK_EQ(parse(&l, &info), E_NOTFOUND);
	CHECK_LOG("acpi: RSDP: extended checksum bad (sum 0x01), using the RSDT");
	CHECK_LOG("acpi: RSDP: RSDT address is 0, no ACPI tables");
}

static void test_rsdp_rev2_length_short(void)
{
	struct layout l;
	struct acpi_info info;

	build_uefi(&l);
	set32(l.rsdp + 20, 20);
	rsdp_fix(&l);
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_LOG("acpi: RSDP: length 20 invalid (must be 36..36), using the RSDT");
	CHECK(!info.use_xsdt);
	CHECK(info.has_madt);

	/* A length beyond the bytes given must not be summed. */
	set32(l.rsdp + 20, 0x1000);
	rsdp_fix(&l);
	capture_reset();
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_LOG("acpi: RSDP: length 4096 invalid (must be 36..36), using the RSDT");

	/* GRUB's "old RSDP" tag: 20 bytes although the revision says 2. */
	build_uefi(&l);
	l.rsdp_len = 20;
	capture_reset();
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_LOG("acpi: RSDP: revision 2 but only 20 bytes given, using the RSDT");
	CHECK_EQ(info.rsdp_revision, 2);
	CHECK(!info.use_xsdt);
}

/* --- bad root table ------------------------------------------------------------------------ */

static void test_xsdt_bad_checksum_falls_back(void)
{
	struct layout l;
	struct acpi_info info;

	build_uefi(&l);
	bump(&at(l.xsdt)[12], 0x01);
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_LOGF("acpi: XSDT at 0x%llx: checksum bad (sum 0x01), trying the RSDT",
		   (unsigned long long)l.xsdt);
	CHECK_LOGF("acpi: using the RSDT at 0x%llx instead of the XSDT",
		   (unsigned long long)l.rsdt);
	CHECK(!info.use_xsdt);
	CHECK_EQ(info.root_phys, l.rsdt);
	CHECK_EQ(info.table_count, 7);
	CHECK(info.has_madt);
	CHECK_EQ(info.cpu_count, 6);
}

static void test_xsdt_bad_without_rsdt(void)
{
	struct layout l;
	struct acpi_info info;

	build_uefi(&l);
	set32(l.rsdp + 16, 0);
	rsdp_fix(&l);
	bump(&at(l.xsdt)[12], 0x01);
	CHECK_EQ(parse(&l, &info), E_CHECKSUM);
	CHECK_LOGF("acpi: XSDT at 0x%llx: checksum bad (sum 0x01), no ACPI tables",
		   (unsigned long long)l.xsdt);
	CHECK(!info.has_madt);
}

static void test_xsdt_and_rsdt_bad(void)
{
	struct layout l;
	struct acpi_info info;

	build_uefi(&l);
	bump(&at(l.xsdt)[12], 0x01);
	bump(&at(l.rsdt)[12], 0x02);
	CHECK_EQ(parse(&l, &info), E_CHECKSUM);
	CHECK_LOGF("acpi: XSDT at 0x%llx: checksum bad (sum 0x01), trying the RSDT",
		   (unsigned long long)l.xsdt);
	CHECK_LOGF("acpi: RSDT at 0x%llx: checksum bad (sum 0x02), no ACPI tables",
		   (unsigned long long)l.rsdt);
}

static void test_xsdt_unreadable_falls_back(void)
{
	struct layout l;
	struct acpi_info info;

	build_uefi(&l);
	set32(l.rsdp + 28, 1); /* XSDT above 4 GiB: outside the fake memory */
	rsdp_fix(&l);
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_LOGF("acpi: XSDT at 0x1%08llx: header not readable, trying the RSDT",
		   (unsigned long long)l.xsdt);
	CHECK_EQ(info.root_phys, l.rsdt);
	CHECK(info.has_madt);
}

static void test_root_length_too_short(void)
{
	struct layout l;
	struct acpi_info info;

	build_qemu(&l);
	set32(at(l.rsdt) + 4, 20);
	refix(l.rsdt, 20);
	CHECK_EQ(parse(&l, &info), E_INVAL);
	CHECK_LOGF("acpi: RSDT at 0x%llx: length 20 is smaller than the 36-byte header, no ACPI "
		   "tables",
		   (unsigned long long)l.rsdt);
	CHECK_EQ(info.table_count, 0);
}

static void test_root_length_too_long(void)
{
	struct layout l;
	struct acpi_info info;

	build_qemu(&l);
	set32(at(l.rsdt) + 4, 0x200000);
	CHECK_EQ(parse(&l, &info), E_RANGE);
	CHECK_LOGF("acpi: RSDT at 0x%llx: length 2097152 exceeds the 1048576-byte limit",
		   (unsigned long long)l.rsdt);

	/* Within the limit but past the end of readable memory. */
	set32(at(l.rsdt) + 4, 0x8000);
	capture_reset();
	CHECK_EQ(parse(&l, &info), E_RANGE);
	CHECK_LOGF("acpi: RSDT at 0x%llx: 32768 bytes not readable, no ACPI tables",
		   (unsigned long long)l.rsdt);
}

static void test_root_unreadable(void)
{
	struct layout l;
	struct acpi_info info;

	build_qemu(&l);
	rsdp_make(&l, 0, 0x1000, 0, "BOCHS ");
	CHECK_EQ(parse(&l, &info), E_RANGE);
	CHECK_LOG("acpi: RSDT at 0x1000: header not readable, no ACPI tables");

	/* The last 35 bytes of memory: the 36-byte header does not fit. */
	rsdp_make(&l, 0, MEM_BASE + MEM_SIZE - 35, 0, "BOCHS ");
	capture_reset();
	CHECK_EQ(parse(&l, &info), E_RANGE);
	CHECK_LOG("header not readable, no ACPI tables");
}

static void test_root_wrong_signature(void)
{
	struct layout l;
	struct acpi_info info;

	build_qemu(&l);
	rsdp_make(&l, 0, l.tab[0], 0, "BOCHS ");
	CHECK_EQ(parse(&l, &info), E_INVAL);
	CHECK_LOGF("acpi: RSDT at 0x%llx: signature is 'FACP', no ACPI tables",
		   (unsigned long long)l.tab[0]);
}

static void test_root_partial_entry(void)
{
	struct layout l;
	struct acpi_info info;
	struct tb t;

	build_qemu(&l);
	tb_init(&t, "RSDT", 1);
	put32(&t, (u32)l.tab[0]);
	put32(&t, (u32)l.madt);
	put16(&t, 0x1234);
	l.rsdt = tb_place(&t);
	rsdp_make(&l, 0, l.rsdt, 0, "BOCHS ");
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_LOGF("acpi: RSDT at 0x%llx: length 46 is not a whole number of entries, last 2 "
		   "bytes ignored",
		   (unsigned long long)l.rsdt);
	CHECK_EQ(info.table_count, 2);
	CHECK(info.has_madt);
}

/* --- bad listed tables --------------------------------------------------------------------- */

static void test_entry_outside_memory(void)
{
	struct layout l;
	struct acpi_info info;
	struct tb t;
	u64 bad_len, tab[5];

	layout_begin(&l);
	/* Topmost table claims more bytes than the memory still has. */
	tb_init(&t, "SSDT", 1);
	tb_pad(&t, 40);
	bad_len = tb_place(&t);
	set32(at(bad_len) + 4, 41);
	l.madt = qemu_madt();
	tab[0] = simple_table("FACP", 1, 116);
	tab[1] = 0x2000;
	tab[2] = 0;
	tab[3] = bad_len;
	tab[4] = l.madt;
	l.rsdt = make_root("RSDT", tab, 5);
	rsdp_make(&l, 0, l.rsdt, 0, "BOCHS ");

	CHECK_EQ(parse(&l, &info), 0);
	CHECK_EQ(info.table_count, 5);
	CHECK(info.tables[0].checksum_ok);
	CHECK_EQ(info.tables[1].phys, 0x2000);
	CHECK(strcmp(info.tables[1].sig, "") == 0);
	CHECK(!info.tables[1].checksum_ok);
	CHECK_EQ(info.tables[2].phys, 0);
	CHECK(!info.tables[2].checksum_ok);
	CHECK(strcmp(info.tables[3].sig, "SSDT") == 0);
	CHECK_EQ(info.tables[3].len, 41);
	CHECK(!info.tables[3].checksum_ok);
	CHECK(acpi_find_table(&info, "SSDT") == NULL);
	CHECK(info.has_madt);
	CHECK_EQ(info.cpu_count, 4);
	CHECK_LOG("acpi: table at 0x2000: header not readable, table ignored");
	CHECK_LOGF("acpi: RSDT at 0x%llx: entry 2 is address 0, ignored",
		   (unsigned long long)l.rsdt);
	CHECK_LOGF("acpi: SSDT at 0x%llx: 41 bytes not readable, table ignored",
		   (unsigned long long)bad_len);
}

static void test_madt_bad_checksum(void)
{
	struct layout l;
	struct acpi_info info;

	build_uefi(&l);
	bump(&at(l.madt)[50], 0x3c);
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_LOGF("acpi: APIC at 0x%llx: checksum bad (sum 0x3c), table ignored",
		   (unsigned long long)l.madt);
	CHECK_LOG("acpi: no usable MADT (APIC table): no CPU or IOAPIC list");
	CHECK(!info.has_madt);
	CHECK_EQ(info.cpu_count, 0);
	CHECK_EQ(info.ioapic_count, 0);
	CHECK_EQ(info.table_count, 7);
	CHECK(!info.tables[1].checksum_ok);
	CHECK(strcmp(info.tables[1].sig, "APIC") == 0);
	CHECK(acpi_find_table(&info, "APIC") == NULL);
	CHECK(acpi_find_table(&info, "FACP") == &info.tables[0]);
	CHECK(acpi_find_table(&info, "SSDT") == &info.tables[6]);
}

static void test_madt_too_short(void)
{
	struct layout l;
	struct acpi_info info;
	struct tb t;

	layout_begin(&l);
	tb_init(&t, "APIC", 1);
	put32(&t, 0xfee00000);
	l.madt = tb_place(&t);
	l.rsdt = make_root("RSDT", &l.madt, 1);
	rsdp_make(&l, 0, l.rsdt, 0, "BOCHS ");
	CHECK_EQ(parse(&l, &info), 0);
	CHECK(!info.has_madt);
	CHECK_LOGF("acpi: APIC at 0x%llx: length 40 is too short for the MADT fields, table "
		   "ignored",
		   (unsigned long long)l.madt);
}

/* A MADT whose entries are the given bytes after one good LAPIC entry. */
static void madt_with_tail(struct layout *l, const u8 *tail, u32 n)
{
	struct tb t;

	layout_begin(l);
	madt_init(&t, 5, 0xfee00000, 1);
	e_lapic(&t, 0, 0, 1);
	for (u32 i = 0; i < n; i++)
		put8(&t, tail[i]);
	l->madt = tb_place(&t);
	l->rsdt = make_root("RSDT", &l->madt, 1);
	rsdp_make(l, 0, l->rsdt, 0, "BOCHS ");
}

static void test_madt_truncated(void)
{
	struct layout l;
	struct acpi_info info;

	build_qemu(&l);
	/* Cut the IOAPIC entry (offset 76) in half. */
	set32(at(l.madt) + 4, 82);
	refix(l.madt, 82);
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_LOGF("acpi: APIC at 0x%llx: entry at offset 76 (type 1, length 12) runs past the "
		   "table end at 82, rest of the table ignored",
		   (unsigned long long)l.madt);
	CHECK(info.has_madt);
	CHECK_EQ(info.cpu_count, 4);
	CHECK_EQ(info.ioapic_count, 0);
}

static void test_madt_entry_length_0(void)
{
	static const u8 tail[] = {0, 0, 1, 1, 1, 0, 0, 0, 0, 8, 2, 2, 1, 0, 0, 0};
	struct layout l;
	struct acpi_info info;

	madt_with_tail(&l, tail, sizeof(tail));
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_LOGF("acpi: APIC at 0x%llx: entry at offset 52 (type 0) has length 0, rest of the "
		   "table ignored",
		   (unsigned long long)l.madt);
	CHECK(info.has_madt);
	CHECK_EQ(info.cpu_count, 1);
}

static void test_madt_entry_length_1(void)
{
	static const u8 tail[] = {9, 1, 0, 8, 1, 1, 1, 0, 0, 0};
	struct layout l;
	struct acpi_info info;

	madt_with_tail(&l, tail, sizeof(tail));
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_LOGF("acpi: APIC at 0x%llx: entry at offset 52 (type 9) has length 1, rest of the "
		   "table ignored",
		   (unsigned long long)l.madt);
	CHECK_EQ(info.cpu_count, 1);
}

static void test_madt_entry_past_end(void)
{
	static const u8 tail[] = {0, 8, 1, 1, 1, 0, 0, 0, 0x7f, 200, 1, 2, 3};
	struct layout l;
	struct acpi_info info;

	madt_with_tail(&l, tail, sizeof(tail));
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_LOGF("acpi: APIC at 0x%llx: entry at offset 60 (type 127, length 200) runs past the "
		   "table end at 65, rest of the table ignored",
		   (unsigned long long)l.madt);
	CHECK_EQ(info.cpu_count, 2);
}

static void test_madt_entry_shorter_than_type(void)
{
	static const u8 tail[] = {9, 12, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 8, 2, 2, 1, 0, 0, 0};
	struct layout l;
	struct acpi_info info;

	madt_with_tail(&l, tail, sizeof(tail));
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_LOGF("acpi: APIC at 0x%llx: entry at offset 52 (type 9) has length 12, needs 16, "
		   "rest of the table ignored",
		   (unsigned long long)l.madt);
	CHECK_EQ(info.cpu_count, 1);
}

/* An entry one byte short of its type's fields, ending the table: reading the last field
 * would cross the mapped range. */
static void test_madt_entry_one_short_at_end(void)
{
	static const u8 types[] = {0, 1, 5, 9};
	static const u8 needs[] = {8, 12, 12, 16};
	u8 tail[16];
	struct layout l;
	struct acpi_info info;

	for (int i = 0; i < 4; i++) {
		memset(tail, 0x01, sizeof(tail));
		tail[0] = types[i];
		tail[1] = (u8)(needs[i] - 1);
		madt_with_tail(&l, tail, tail[1]);
		capture_reset();
		CHECK_EQ(parse(&l, &info), 0);
		CHECK_LOGF(
		    "acpi: APIC at 0x%llx: entry at offset 52 (type %u) has length %u, needs "
		    "%u, rest of the table ignored",
		    (unsigned long long)l.madt, types[i], needs[i] - 1, needs[i]);
		CHECK_EQ(info.cpu_count, 1);
		CHECK_EQ(info.ioapic_count, 0);
		CHECK_EQ(info.lapic_addr, 0xfee00000);
	}
}

static void test_madt_stray_byte(void)
{
	static const u8 tail[] = {0, 8, 1, 1, 1, 0, 0, 0, 0};
	struct layout l;
	struct acpi_info info;

	madt_with_tail(&l, tail, sizeof(tail));
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_LOGF("acpi: APIC at 0x%llx: stray byte at offset 60 after the last entry, rest of "
		   "the table ignored",
		   (unsigned long long)l.madt);
	CHECK_EQ(info.cpu_count, 2);
}

static void test_madt_unknown_types_skipped(void)
{
	static const u8 tail[] = {
	    0x7f, 3,  0xaa,			       /* unknown, odd length */
	    0,	  10, 1,    1, 1, 0, 0, 0, 0xbb, 0xcc, /* LAPIC longer than needed */
	    0x18, 2,				       /* unknown, bare header */
	    9,	  16, 0,    0, 0, 1, 0, 0, 1,	 0,    0, 0, 7, 0, 0, 0,
	};
	struct layout l;
	struct acpi_info info;

	madt_with_tail(&l, tail, sizeof(tail));
	log_set_level(LOG_WARN);
	CHECK_EQ(parse(&l, &info), 0);
	CHECK(capture_text()[0] == '\0');
	log_set_level(LOG_INFO);
	CHECK_EQ(info.cpu_count, 3);
	check_cpu(&info.cpus[1], 1, 1, true, false, false);
	check_cpu(&info.cpus[2], 0x100, 7, true, false, true);
}

static void test_too_many_cpus(void)
{
	struct layout l;
	struct acpi_info info;
	struct tb t;

	layout_begin(&l);
	madt_init(&t, 5, 0xfee00000, 1);
	for (u32 i = 0; i < MAX_CPUS + 6; i++)
		e_lapic(&t, (u8)i, (u8)i, 1);
	l.madt = tb_place(&t);
	l.rsdt = make_root("RSDT", &l.madt, 1);
	rsdp_make(&l, 0, l.rsdt, 0, "BOCHS ");
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_EQ(info.cpu_count, MAX_CPUS);
	CHECK_EQ(info.cpus_dropped, 6);
	CHECK_EQ(info.cpus[MAX_CPUS - 1].apic_id, MAX_CPUS - 1);
	CHECK_LOGF("acpi: APIC at 0x%llx: 6 processor entries beyond MAX_CPUS (64) ignored",
		   (unsigned long long)l.madt);
}

static void test_too_many_ioapics(void)
{
	struct layout l;
	struct acpi_info info;
	struct tb t;

	layout_begin(&l);
	madt_init(&t, 5, 0xfee00000, 1);
	e_lapic(&t, 0, 0, 1);
	for (u32 i = 0; i < MAX_IOAPICS + 1; i++)
		e_ioapic(&t, (u8)i, 0xfec00000 + i * 0x1000, i * 24);
	l.madt = tb_place(&t);
	l.rsdt = make_root("RSDT", &l.madt, 1);
	rsdp_make(&l, 0, l.rsdt, 0, "BOCHS ");
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_EQ(info.ioapic_count, MAX_IOAPICS);
	CHECK_EQ(info.ioapics_dropped, 1);
	CHECK_EQ(info.ioapics[MAX_IOAPICS - 1].gsi_base, (MAX_IOAPICS - 1) * 24);
	CHECK_LOGF("acpi: APIC at 0x%llx: 1 IOAPICs beyond MAX_IOAPICS (8) ignored",
		   (unsigned long long)l.madt);
}

static void test_duplicate_apic_id(void)
{
	struct layout l;
	struct acpi_info info;
	struct tb t;

	layout_begin(&l);
	madt_init(&t, 5, 0xfee00000, 1);
	e_lapic(&t, 0, 0, 1);
	e_lapic(&t, 1, 1, 1);
	e_lapic(&t, 7, 1, 1);	  /* same APIC ID: keep UID 1 */
	e_x2apic(&t, 0, 1, 9);	  /* same ID as an xAPIC entry */
	e_lapic(&t, 20, 0xff, 0); /* unusable placeholders: contents ignored, no warning */
	e_lapic(&t, 21, 0xff, 0);
	l.madt = tb_place(&t);
	l.rsdt = make_root("RSDT", &l.madt, 1);
	rsdp_make(&l, 0, l.rsdt, 0, "BOCHS ");
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_EQ(info.cpu_count, 4);
	check_cpu(&info.cpus[1], 1, 1, true, false, false);
	check_cpu(&info.cpus[2], 0xff, 20, false, false, false);
	CHECK_EQ(acpi_usable_cpus(&info), 2);
	CHECK_LOGF("acpi: APIC at 0x%llx: APIC ID 0x1 listed twice (UIDs 1 and 7), keeping the "
		   "first",
		   (unsigned long long)l.madt);
	CHECK_LOG("APIC ID 0x0 listed twice (UIDs 0 and 9), keeping the first");
	CHECK(!capture_has("APIC ID 0xff"));
}

static void test_lapic_override_twice(void)
{
	struct layout l;
	struct acpi_info info;
	struct tb t;

	layout_begin(&l);
	madt_init(&t, 5, 0xfee00000, 1);
	e_override(&t, 0xfee10000);
	e_override(&t, 0xfee20000);
	l.madt = tb_place(&t);
	l.rsdt = make_root("RSDT", &l.madt, 1);
	rsdp_make(&l, 0, l.rsdt, 0, "BOCHS ");
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_EQ(info.lapic_addr, 0xfee10000);
	CHECK_LOG("second local APIC address override (0xfee20000) ignored");
}

static void test_second_madt_ignored(void)
{
	struct layout l;
	struct acpi_info info;
	struct tb t;
	u64 tab[2];

	layout_begin(&l);
	madt_init(&t, 5, 0xfee00000, 1);
	e_lapic(&t, 0, 5, 1);
	tab[1] = tb_place(&t);
	tab[0] = qemu_madt();
	l.rsdt = make_root("RSDT", tab, 2);
	rsdp_make(&l, 0, l.rsdt, 0, "BOCHS ");
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_EQ(info.madt_phys, tab[0]);
	CHECK_EQ(info.cpu_count, 4);
	CHECK_EQ(info.table_count, 2);
	CHECK(info.tables[1].checksum_ok);
	CHECK_LOGF("acpi: APIC at 0x%llx: a second MADT, table ignored",
		   (unsigned long long)tab[1]);
}

/* --- interrupt source overrides, NMI sources ------------------------------------------------ */

/* §5.2.12.5 Table 5.26: each polarity and trigger encoding, and a GSI nobody overrides. */
static void test_gsi_wiring(void)
{
	struct layout l;
	struct acpi_info info;
	struct tb t;
	bool level = true, low = true;

	layout_begin(&l);
	madt_init(&t, 5, 0xfee00000, 1);
	e_lapic(&t, 0, 0, 1);
	e_iso(&t, 0, 2, 0x0);	/* conforms: ISA, edge, high */
	e_iso(&t, 9, 20, 0xd);	/* level, active high (Bochs/QEMU's SCI) */
	e_iso(&t, 10, 21, 0xf); /* level, active low */
	e_iso(&t, 11, 22, 0x7); /* edge, active low */
	e_iso(&t, 5, 20, 0x5);	/* a second override of GSI 20: the first one counts */
	e_nmisrc(&t, 0x5, 23);
	l.madt = tb_place(&t);
	l.rsdt = make_root("RSDT", &l.madt, 1);
	rsdp_make(&l, 0, l.rsdt, 0, "BOCHS ");
	log_set_level(LOG_WARN);
	CHECK_EQ(parse(&l, &info), 0);
	CHECK(capture_text()[0] == '\0');
	log_set_level(LOG_INFO);
	CHECK_EQ(info.iso_count, 5);
	CHECK_EQ(info.nmi_count, 1);
	CHECK_EQ(info.nmis[0].gsi, 23);
	CHECK_EQ(info.nmis[0].flags, 5);
	CHECK(acpi_iso_for_gsi(&info, 20) == &info.isos[1]);
	CHECK(acpi_iso_for_gsi(&info, 9) == NULL); /* looked up by GSI, not by source IRQ */
	CHECK(acpi_gsi_wiring(&info, 2, &level, &low));
	CHECK(!level && !low);
	CHECK(acpi_gsi_wiring(&info, 20, &level, &low));
	CHECK(level && !low);
	CHECK(acpi_gsi_wiring(&info, 21, &level, &low));
	CHECK(level && low);
	CHECK(acpi_gsi_wiring(&info, 22, &level, &low));
	CHECK(!level && low);
	level = low = true;
	CHECK(!acpi_gsi_wiring(&info, 23, &level, &low)); /* an NMI source is no override */
	CHECK(!acpi_gsi_wiring(&info, 16, &level, &low));
	CHECK(level && low); /* untouched: the caller's PCI default stands */
}

static void test_too_many_isos_and_nmis(void)
{
	struct layout l;
	struct acpi_info info;
	struct tb t;

	layout_begin(&l);
	madt_init(&t, 5, 0xfee00000, 1);
	e_lapic(&t, 0, 0, 1);
	for (u32 i = 0; i < ACPI_MAX_ISOS + 3; i++)
		e_iso(&t, (u8)i, i, 0xd);
	for (u32 i = 0; i < ACPI_MAX_NMIS + 2; i++)
		e_nmisrc(&t, 0, 100 + i);
	e_ioapic(&t, 0, 0xfec00000, 0); /* entries after the extra ones are still read */
	l.madt = tb_place(&t);
	l.rsdt = make_root("RSDT", &l.madt, 1);
	rsdp_make(&l, 0, l.rsdt, 0, "BOCHS ");
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_EQ(info.iso_count, ACPI_MAX_ISOS);
	CHECK_EQ(info.isos_dropped, 3);
	CHECK_EQ(info.isos[ACPI_MAX_ISOS - 1].gsi, ACPI_MAX_ISOS - 1);
	CHECK_EQ(info.nmi_count, ACPI_MAX_NMIS);
	CHECK_EQ(info.nmis_dropped, 2);
	CHECK_EQ(info.nmis[ACPI_MAX_NMIS - 1].gsi, 100 + ACPI_MAX_NMIS - 1);
	CHECK_EQ(info.ioapic_count, 1);
	CHECK_LOGF("acpi: APIC at 0x%llx: 3 interrupt source overrides beyond 16 ignored",
		   (unsigned long long)l.madt);
	CHECK_LOGF("acpi: APIC at 0x%llx: 2 NMI sources beyond 4 ignored",
		   (unsigned long long)l.madt);
}

/* An override one byte short (9 of 10) and an NMI source one short (7 of 8) end the walk. */
static void test_iso_nmi_too_short(void)
{
	static const u8 iso9[] = {2, 9, 0, 9, 9, 0, 0, 0, 0xd};
	static const u8 nmi7[] = {3, 7, 0, 0, 5, 0, 0};
	struct layout l;
	struct acpi_info info;

	madt_with_tail(&l, iso9, sizeof(iso9));
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_LOGF("acpi: APIC at 0x%llx: entry at offset 52 (type 2) has length 9, needs 10",
		   (unsigned long long)l.madt);
	CHECK_EQ(info.iso_count, 0);
	madt_with_tail(&l, nmi7, sizeof(nmi7));
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_LOGF("acpi: APIC at 0x%llx: entry at offset 52 (type 3) has length 7, needs 8",
		   (unsigned long long)l.madt);
	CHECK_EQ(info.nmi_count, 0);
}

/* --- MCFG ------------------------------------------------------------------------------------ */

static void mcfg_layout(struct layout *l, const struct tb *t)
{
	struct tb copy = *t;

	layout_begin(l);
	l->tab[0] = tb_place(&copy);
	l->tab[1] = qemu_madt();
	l->ntab = 2;
	l->rsdt = make_root("RSDT", l->tab, 2);
	rsdp_make(l, 0, l->rsdt, 0, "BOCHS ");
}

static void test_mcfg_entries(void)
{
	struct layout l;
	struct acpi_info info;
	struct tb t;

	mcfg_init(&t);
	e_mcfg(&t, 0xb0000000, 0, 0, 63);
	e_mcfg(&t, 0xf0000000, 0, 64, 127);
	e_mcfg(&t, 0x400000000ULL, 1, 8, 8);
	mcfg_layout(&l, &t);
	log_set_level(LOG_WARN);
	CHECK_EQ(parse(&l, &info), 0);
	CHECK(capture_text()[0] == '\0');
	log_set_level(LOG_INFO);
	CHECK(info.has_mcfg);
	CHECK_EQ(info.cpu_count, 4); /* the MADT after it is still walked */
	CHECK_EQ(info.mcfg_count, 3);
	CHECK(acpi_mcfg_for(&info, 0, 0) == &info.mcfg[0]);
	CHECK(acpi_mcfg_for(&info, 0, 63) == &info.mcfg[0]);
	CHECK(acpi_mcfg_for(&info, 0, 64) == &info.mcfg[1]);
	CHECK(acpi_mcfg_for(&info, 0, 127) == &info.mcfg[1]);
	CHECK(acpi_mcfg_for(&info, 0, 128) == NULL);
	CHECK(acpi_mcfg_for(&info, 1, 7) == NULL);
	CHECK(acpi_mcfg_for(&info, 1, 8) == &info.mcfg[2]);
	CHECK(acpi_mcfg_for(&info, 2, 8) == NULL);
	CHECK_EQ(info.mcfg[2].base, 0x400000000ULL);
	CHECK_EQ(info.mcfg[1].start_bus, 64);
	CHECK_EQ(info.mcfg[1].end_bus, 127);
}

/* Bus range backwards, a base not on a 1 MiB boundary, an area running past 2^64: each is
 * dropped and named, the good ones kept. */
static void test_mcfg_malformed_entries(void)
{
	struct layout l;
	struct acpi_info info;
	struct tb t;

	mcfg_init(&t);
	e_mcfg(&t, 0xe0000000, 0, 5, 4);
	e_mcfg(&t, 0xe0080000, 0, 0, 0);
	e_mcfg(&t, 0xfffffffff0000000ULL, 0, 0, 255);
	e_mcfg(&t, 0xfffffffff0000000ULL, 0, 0, 254); /* ends exactly at 2^64 - 1 MiB... */
	e_mcfg(&t, 0xe0000000, 0, 0, 255);
	mcfg_layout(&l, &t);
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_EQ(info.mcfg_dropped, 3);
	CHECK_EQ(info.mcfg_count, 2);
	CHECK_EQ(info.mcfg[0].end_bus, 254);
	CHECK_EQ(info.mcfg[1].base, 0xe0000000);
	CHECK_LOGF("acpi: MCFG at 0x%llx: entry at offset 44 (base 0xe0000000, segment 0, buses "
		   "5-4) is malformed, ignored",
		   (unsigned long long)l.tab[0]);
	CHECK_LOG("entry at offset 60 (base 0xe0080000, segment 0, buses 0-0) is malformed");
	CHECK_LOG("entry at offset 76 (base 0xfffffffff0000000, segment 0, buses 0-255) is "
		  "malformed");
	CHECK(!capture_has("offset 92"));
}

static void test_mcfg_lengths(void)
{
	struct layout l;
	struct acpi_info info;
	struct tb t;

	/* Too short for the 8 reserved bytes: ignored, and the MADT still read. */
	tb_init(&t, "MCFG", 1);
	put32(&t, 0);
	mcfg_layout(&l, &t);
	CHECK_EQ(parse(&l, &info), 0);
	CHECK(!info.has_mcfg);
	CHECK_LOGF("acpi: MCFG at 0x%llx: length 40 is too short for the MCFG fields, table "
		   "ignored",
		   (unsigned long long)l.tab[0]);
	CHECK_EQ(info.cpu_count, 4);
	/* No allocation at all: a valid, empty table. */
	mcfg_init(&t);
	mcfg_layout(&l, &t);
	capture_reset();
	log_set_level(LOG_WARN);
	CHECK_EQ(parse(&l, &info), 0);
	CHECK(capture_text()[0] == '\0');
	log_set_level(LOG_INFO);
	CHECK(info.has_mcfg);
	CHECK_EQ(info.mcfg_count, 0);
	/* One whole entry and 15 bytes of another: the partial one is not read. */
	mcfg_init(&t);
	e_mcfg(&t, 0xe0000000, 0, 0, 255);
	e_mcfg(&t, 0xd0000000, 0, 0, 255);
	t.n -= 1;
	mcfg_layout(&l, &t);
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_EQ(info.mcfg_count, 1);
	CHECK_LOGF("acpi: MCFG at 0x%llx: length 75 is not a whole number of entries, last 15 "
		   "bytes ignored",
		   (unsigned long long)l.tab[0]);
}

static void test_mcfg_too_many_and_second(void)
{
	struct layout l;
	struct acpi_info info;
	struct tb t, t2;

	mcfg_init(&t);
	for (u32 i = 0; i < ACPI_MAX_MCFG + 2; i++)
		e_mcfg(&t, 0x100000000ULL * (i + 1), (u16)i, 0, 255);
	mcfg_layout(&l, &t);
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_EQ(info.mcfg_count, ACPI_MAX_MCFG);
	CHECK_EQ(info.mcfg_dropped, 2);
	CHECK_EQ(info.mcfg[ACPI_MAX_MCFG - 1].segment, ACPI_MAX_MCFG - 1);
	CHECK_LOGF("acpi: MCFG at 0x%llx: entry at offset %u beyond 8 allocations, ignored",
		   (unsigned long long)l.tab[0], 44u + 16u * ACPI_MAX_MCFG);

	/* A second MCFG is not merged in. */
	mcfg_init(&t);
	e_mcfg(&t, 0xe0000000, 0, 0, 255);
	mcfg_init(&t2);
	e_mcfg(&t2, 0xd0000000, 1, 0, 255);
	layout_begin(&l);
	l.tab[0] = tb_place(&t);
	l.tab[1] = tb_place(&t2);
	l.rsdt = make_root("RSDT", l.tab, 2);
	rsdp_make(&l, 0, l.rsdt, 0, "BOCHS ");
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_EQ(info.mcfg_count, 1);
	CHECK_EQ(info.mcfg[0].base, 0xe0000000);
	CHECK_LOGF("acpi: MCFG at 0x%llx: a second MCFG, table ignored",
		   (unsigned long long)l.tab[1]);
}

/* Tables beyond MAX_ACPI_TABLES are counted, and a MADT among them is still used. */
static void test_too_many_tables(void)
{
	struct layout l;
	struct acpi_info info;

	layout_begin(&l);
	for (int i = 0; i < 40; i++)
		l.tab[i] = simple_table("SSDT", 1, 40);
	l.tab[38] = qemu_madt();
	l.rsdt = make_root("RSDT", l.tab, 40);
	rsdp_make(&l, 0, l.rsdt, 0, "BOCHS ");
	CHECK_EQ(parse(&l, &info), 0);
	CHECK_EQ(info.table_count, MAX_ACPI_TABLES);
	CHECK_EQ(info.tables_dropped, 40 - MAX_ACPI_TABLES);
	CHECK(info.has_madt);
	CHECK_EQ(info.cpu_count, 4);
	CHECK_LOGF("acpi: RSDT at 0x%llx: 8 tables beyond MAX_ACPI_TABLES (32) not recorded",
		   (unsigned long long)l.rsdt);
}

/* --- acpi_find_rsdp ------------------------------------------------------------------------ */

#define BIOS_BASE 0xe0000ULL
#define BIOS_SIZE 0x20000ULL

static void bios_rsdp(u64 phys, bool good)
{
	struct layout l;

	rsdp_make(&l, 0, 0x12345678, 0, "BOCHS ");
	if (!good)
		l.rsdp[8] ^= 1;
	memcpy(at(phys), l.rsdp, 20);
}

static u64 find(u64 phys, u64 len)
{
	u64 r = acpi_find_rsdp(fake_map, &fm, phys, len);

	maps_free();
	return r;
}

static void test_find_rsdp_aligned(void)
{
	fake_init(&fm, BIOS_BASE, BIOS_SIZE);
	bios_rsdp(0xe0008, true); /* not on a 16-byte boundary: not an RSDP */
	bios_rsdp(0xf5a40, true);
	CHECK_EQ(find(BIOS_BASE, BIOS_SIZE), 0xf5a40);
	CHECK_EQ(find(0xf5a41, 0x100), 0); /* the scan starts at the next boundary */
	CHECK_EQ(find(0xf5a31, 0x100), 0xf5a40);
	/* Partly unreadable range: the readable part is still scanned. */
	CHECK_EQ(find(0xd0000, 0x40000), 0xf5a40);
	/* The last boundary with 20 bytes left, and one with only 16. */
	fake_init(&fm, BIOS_BASE, BIOS_SIZE);
	bios_rsdp(0xfffe0, true);
	CHECK_EQ(find(BIOS_BASE, BIOS_SIZE), 0xfffe0);
	CHECK_EQ(find(BIOS_BASE, 0x1fff3), 0);
}

static void test_find_rsdp_skips_bad_checksum(void)
{
	fake_init(&fm, BIOS_BASE, BIOS_SIZE);
	bios_rsdp(0xe0010, false);
	bios_rsdp(0xe0400, true);
	CHECK_EQ(find(BIOS_BASE, BIOS_SIZE), 0xe0400);
}

static void test_find_rsdp_none(void)
{
	fake_init(&fm, BIOS_BASE, BIOS_SIZE);
	memcpy(at(0xe1000), "RSD PTR", 7);
	CHECK_EQ(find(BIOS_BASE, BIOS_SIZE), 0);
	CHECK_EQ(find(BIOS_BASE, 0), 0);
	CHECK_EQ(find(UINT64_MAX - 8, 100), 0);
	CHECK_EQ(find(UINT64_MAX - 40, 100), 0);
	CHECK_EQ(find(0, 0x1000), 0);
}

/* --- robustness ---------------------------------------------------------------------------- */

static void check_sane(const struct acpi_info *info)
{
	CHECK(info->table_count <= MAX_ACPI_TABLES);
	CHECK(info->cpu_count <= MAX_CPUS);
	CHECK(info->ioapic_count <= MAX_IOAPICS);
	CHECK(memchr(info->oem_id, 0, sizeof(info->oem_id)) != NULL);
	for (u32 i = 0; i < info->table_count && i < MAX_ACPI_TABLES; i++)
		CHECK(memchr(info->tables[i].sig, 0, sizeof(info->tables[i].sig)) != NULL);
	CHECK(acpi_usable_cpus(info) <= info->cpu_count);
	CHECK(info->iso_count <= ACPI_MAX_ISOS);
	CHECK(info->nmi_count <= ACPI_MAX_NMIS);
	CHECK(info->mcfg_count <= ACPI_MAX_MCFG);
	CHECK(info->has_mcfg || info->mcfg_count == 0);
	for (u32 i = 0; i < info->mcfg_count && i < ACPI_MAX_MCFG; i++) {
		CHECK(info->mcfg[i].start_bus <= info->mcfg[i].end_bus);
		CHECK_EQ(info->mcfg[i].base & 0xfffff, 0);
	}
}

static void fuzz_parse(const struct layout *l)
{
	struct acpi_info info;

	parse(l, &info);
	check_sane(&info);
	capture_reset();
}

/* Each byte of the table at `phys` set to each of `vals`, parsed with the checksum left
 * wrong and then made right (so the corrupted contents get walked). */
static void fuzz_table_bytes(const struct layout *l, u64 phys, const u8 *vals, int nvals)
{
	u32 len = get32(at(phys) + 4);

	for (u32 off = 0; off < len; off++) {
		u8 orig = at(phys)[off];

		for (int v = 0; v < nvals; v++) {
			at(phys)[off] = vals[v];
			fuzz_parse(l);
			if (off != 9)
				refix_table(phys);
			fuzz_parse(l);
			at(phys)[off] = orig;
			refix(phys, len);
		}
	}
}

static void fuzz_table_lengths(const struct layout *l, u64 phys)
{
	u32 len = get32(at(phys) + 4);

	for (u32 n = 0; n < len + 64; n++) {
		set32(at(phys) + 4, n);
		refix(phys, n);
		fuzz_parse(l);
	}
	set32(at(phys) + 4, len);
	refix(phys, len);
}

static const u8 fuzz_vals[] = {0x00, 0x01, 0x02, 0x07, 0x08, 0x0c,
			       0x10, 0x24, 0x7f, 0x80, 0xfe, 0xff};

static void test_fuzz_madt(void)
{
	u8 all[256];
	struct layout l;

	for (int i = 0; i < 256; i++)
		all[i] = (u8)i;
	build_uefi(&l);
	fuzz_table_bytes(&l, l.madt, all, 256);
	fuzz_table_lengths(&l, l.madt);
	build_qemu(&l);
	fuzz_table_bytes(&l, l.madt, fuzz_vals, sizeof(fuzz_vals));
	fuzz_table_lengths(&l, l.madt);
}

static void test_fuzz_mcfg(void)
{
	u8 all[256];
	struct layout l;

	for (int i = 0; i < 256; i++)
		all[i] = (u8)i;
	build_uefi(&l);
	fuzz_table_bytes(&l, l.tab[3], all, 256);
	fuzz_table_lengths(&l, l.tab[3]);
}

static void test_fuzz_roots(void)
{
	struct layout l;

	build_uefi(&l);
	fuzz_table_bytes(&l, l.xsdt, fuzz_vals, sizeof(fuzz_vals));
	fuzz_table_lengths(&l, l.xsdt);
	/* XSDT unusable: exercise the fallback root too. */
	at(l.xsdt)[0] = 'Y';
	fuzz_table_bytes(&l, l.rsdt, fuzz_vals, sizeof(fuzz_vals));
	fuzz_table_lengths(&l, l.rsdt);
	build_qemu(&l);
	fuzz_table_bytes(&l, l.rsdt, fuzz_vals, sizeof(fuzz_vals));
	fuzz_table_lengths(&l, l.rsdt);
}

/* Every RSDP byte to every value, checksums left wrong and then repaired. */
static void test_fuzz_rsdp(void)
{
	struct layout l;

	build_uefi(&l);
	for (size_t off = 0; off < l.rsdp_len; off++) {
		for (int v = 0; v < 256; v++) {
			struct layout c = l;

			c.rsdp[off] = (u8)v;
			fuzz_parse(&c);
			if (off != 8 && off != 32)
				rsdp_fix(&c);
			fuzz_parse(&c);
		}
	}
}

static u32 rng_state = 0x2545f491;

static u32 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Random multi-byte corruption anywhere in the tables and the RSDP, checksums mostly repaired. */
static void fuzz_random_round(const struct layout *base, int iters)
{
	u8 *saved = malloc(MEM_SIZE);
	struct layout l;
	u64 tabs[10];
	int ntabs = 0;

	memcpy(saved, fm.mem, MEM_SIZE); /* the tables live in [fm.top, MEM_SIZE) */
	for (int i = 0; i < base->ntab; i++)
		tabs[ntabs++] = base->tab[i];
	tabs[ntabs++] = base->rsdt;
	if (base->xsdt)
		tabs[ntabs++] = base->xsdt;
	for (int iter = 0; iter < iters; iter++) {
		l = *base;
		for (u32 k = rng() % 4 + 1; k; k--) {
			int t = (int)(rng() % (u32)ntabs);
			u32 len = get32(saved + (tabs[t] - fm.base) + 4);
			u32 off = rng() % 4 ? rng() % len : 4 + rng() % 4; /* lengths often */

			at(tabs[t])[off] = (u8)rng();
		}
		if (rng() % 8 == 0)
			l.rsdp[rng() % l.rsdp_len] = (u8)rng();
		if (rng() % 4) {
			for (int i = 0; i < ntabs; i++)
				refix_table(tabs[i]);
			rsdp_fix(&l);
		}
		fuzz_parse(&l);
		memcpy(fm.mem + fm.top, saved + fm.top, MEM_SIZE - fm.top);
	}
	free(saved);
}

static void test_fuzz_random(void)
{
	struct layout l;

	build_uefi(&l);
	fuzz_random_round(&l, 30000);
	build_qemu(&l);
	fuzz_random_round(&l, 15000);
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char msg[] = "FAIL test_acpi: timeout (parser loops?)\n";
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

/* The FADT's reset register (§5.2.9 Table 5.9): flags at 112 (RESET_REG_SUP is bit 10), the
 * Generic Address Structure at 116 (space, bit width, bit offset, access size, address at
 * +4), the value at 128. Written here from the specification's offsets. */
static void fadt_with_reset(u8 *f, u32 len, u8 space, u8 width, u64 addr, u8 value, u32 flags)
{
	memset(f, 0, len);
	memcpy(f, "FACP", 4);
	f[112] = (u8)flags;
	f[113] = (u8)(flags >> 8);
	f[116] = space;
	f[117] = width;
	for (int i = 0; i < 8; i++)
		f[120 + i] = (u8)(addr >> (8 * i));
	f[128] = value;
}

static void test_fadt_reset(void)
{
	u8 f[276];
	struct acpi_reset r;

	fadt_with_reset(f, sizeof(f), 1, 8, 0xcf9, 0x06, 1u << 10);
	CHECK(acpi_fadt_reset(f, sizeof(f), &r));
	CHECK(r.space == ACPI_SPACE_IO && r.addr == 0xcf9 && r.value == 0x06);
	fadt_with_reset(f, sizeof(f), 0, 8, 0xfed00100, 0x0e, 1u << 10);
	CHECK(acpi_fadt_reset(f, sizeof(f), &r));
	CHECK(r.space == ACPI_SPACE_MEMORY && r.addr == 0xfed00100 && r.value == 0x0e);
	fadt_with_reset(f, sizeof(f), 2, 8, 0x0001000000020044ull, 0x01, 1u << 10);
	CHECK(acpi_fadt_reset(f, sizeof(f), &r));
	CHECK(r.space == ACPI_SPACE_PCI && r.addr == 0x0001000000020044ull);
	/* no RESET_REG_SUP, a 116-byte revision 1 FADT, a 16-bit register, a bit offset, FFixed
	 * hardware space, no address, an I/O address beyond 0xffff: none */
	fadt_with_reset(f, sizeof(f), 1, 8, 0xcf9, 0x06, 0);
	CHECK(!acpi_fadt_reset(f, sizeof(f), &r));
	fadt_with_reset(f, sizeof(f), 1, 8, 0xcf9, 0x06, 1u << 10);
	CHECK(!acpi_fadt_reset(f, 116, &r));
	CHECK(!acpi_fadt_reset(f, 128, &r));
	CHECK(acpi_fadt_reset(f, 129, &r));
	fadt_with_reset(f, sizeof(f), 1, 16, 0xcf9, 0x06, 1u << 10);
	CHECK(!acpi_fadt_reset(f, sizeof(f), &r));
	fadt_with_reset(f, sizeof(f), 1, 8, 0xcf9, 0x06, 1u << 10);
	f[118] = 1;
	CHECK(!acpi_fadt_reset(f, sizeof(f), &r));
	fadt_with_reset(f, sizeof(f), 0x7f, 8, 0xcf9, 0x06, 1u << 10);
	CHECK(!acpi_fadt_reset(f, sizeof(f), &r));
	fadt_with_reset(f, sizeof(f), 1, 8, 0, 0x06, 1u << 10);
	CHECK(!acpi_fadt_reset(f, sizeof(f), &r));
	fadt_with_reset(f, sizeof(f), 1, 8, 0x10000, 0x06, 1u << 10);
	CHECK(!acpi_fadt_reset(f, sizeof(f), &r));
}

int main(void)
{
	signal(SIGALRM, on_alarm);
	alarm(120);
	RUN(test_qemu_layout);
	RUN(test_uefi_layout);
	RUN(test_online_capable_needs_madt_rev5);
	RUN(test_parse_at);
	RUN(test_rsdp_bad_signature);
	RUN(test_rsdp_bad_checksum);
	RUN(test_rsdp_too_short);
	RUN(test_rsdp_bad_ext_checksum);
	RUN(test_rsdp_rev2_length_short);
	RUN(test_xsdt_bad_checksum_falls_back);
	RUN(test_xsdt_bad_without_rsdt);
	RUN(test_xsdt_and_rsdt_bad);
	RUN(test_xsdt_unreadable_falls_back);
	RUN(test_root_length_too_short);
	RUN(test_root_length_too_long);
	RUN(test_root_unreadable);
	RUN(test_root_wrong_signature);
	RUN(test_root_partial_entry);
	RUN(test_entry_outside_memory);
	RUN(test_madt_bad_checksum);
	RUN(test_madt_too_short);
	RUN(test_madt_truncated);
	RUN(test_madt_entry_length_0);
	RUN(test_madt_entry_length_1);
	RUN(test_madt_entry_past_end);
	RUN(test_madt_entry_shorter_than_type);
	RUN(test_madt_entry_one_short_at_end);
	RUN(test_madt_stray_byte);
	RUN(test_madt_unknown_types_skipped);
	RUN(test_too_many_cpus);
	RUN(test_too_many_ioapics);
	RUN(test_duplicate_apic_id);
	RUN(test_lapic_override_twice);
	RUN(test_second_madt_ignored);
	RUN(test_gsi_wiring);
	RUN(test_too_many_isos_and_nmis);
	RUN(test_iso_nmi_too_short);
	RUN(test_mcfg_entries);
	RUN(test_mcfg_malformed_entries);
	RUN(test_mcfg_lengths);
	RUN(test_mcfg_too_many_and_second);
	RUN(test_too_many_tables);
	RUN(test_find_rsdp_aligned);
	RUN(test_find_rsdp_skips_bad_checksum);
	RUN(test_find_rsdp_none);
	RUN(test_fuzz_madt);
	RUN(test_fuzz_mcfg);
	RUN(test_fuzz_roots);
	RUN(test_fuzz_rsdp);
	RUN(test_fuzz_random);
	RUN(test_fadt_reset);
	free(fm.mem);
	free(maps);
	CHECK_MAIN_END();
}
