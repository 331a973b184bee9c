/*
 * Host tests for the DMAR parser (arch/x86/dmar.c). Tables are built in memory with the
 * helpers below and handed to the parser in a heap block of exactly their size, so a read one
 * byte past the table is caught by ASan. A fake PCI configuration space answers the parser's
 * secondary/subordinate bus reads and records every read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/dmar.h"
#include "tests/unit/check.h"

/* --- table builder ---------------------------------------------------------------------- */

struct tb {
	u8 b[2048];
	u32 n;
};

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

static void set16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

/* The 36-byte ACPI header (length filled in by parse()), HAW field, flags, 10 reserved. */
static void dmar_begin(struct tb *t, u8 haw_field, u8 flags)
{
	t->n = 0;
	for (const char *s = "DMAR"; *s; s++)
		put8(t, (u8)*s);
	put32(t, 0); /* length */
	put8(t, 1);  /* revision */
	put8(t, 0);  /* checksum: not the parser's business */
	for (const char *s = "BOCHS BXPC    "; *s; s++)
		put8(t, (u8)*s);
	put32(t, 1);
	put32(t, 1);
	put32(t, 1);
	put8(t, haw_field);
	put8(t, flags);
	for (int i = 0; i < 10; i++)
		put8(t, 0);
}

/* Start a DRHD or RMRR; end_struct() fills in its length from what was put since. */
static u32 drhd(struct tb *t, u8 flags, u8 size, u16 segment, u64 base)
{
	u32 at = t->n;

	put16(t, 0);
	put16(t, 0);
	put8(t, flags);
	put8(t, size);
	put16(t, segment);
	put64(t, base);
	return at;
}

static u32 rmrr(struct tb *t, u16 segment, u64 base, u64 limit)
{
	u32 at = t->n;

	put16(t, 1);
	put16(t, 0);
	put16(t, 0);
	put16(t, segment);
	put64(t, base);
	put64(t, limit);
	return at;
}

/* Any other structure type, with `body` zero bytes after its header. */
static void other(struct tb *t, u16 type, u32 body)
{
	put16(t, type);
	put16(t, (u16)(4 + body));
	for (u32 i = 0; i < body; i++)
		put8(t, 0);
}

static void end_struct(struct tb *t, u32 at)
{
	set16(t->b + at + 2, (u16)(t->n - at));
}

/* A device scope whose path is `npairs` (device, function) pairs from `path`. */
static void scope(struct tb *t, u8 type, u8 enum_id, u8 bus, const u8 *path, u32 npairs)
{
	put8(t, type);
	put8(t, (u8)(6 + 2 * npairs));
	put16(t, 0);
	put8(t, enum_id);
	put8(t, bus);
	for (u32 i = 0; i < 2 * npairs; i++)
		put8(t, path[i]);
}

/* A one-element scope: bus:dev.fn. */
static void scope1(struct tb *t, u8 type, u8 enum_id, u8 bus, u8 dev, u8 fn)
{
	const u8 path[2] = {dev, fn};

	scope(t, type, enum_id, bus, path, 1);
}

#define BDF(b, d, f) ((u16)((b) << 8 | (d) << 3 | (f)))

/* --- fake PCI configuration space ------------------------------------------------------- */

static u8 cfg_sec[65536], cfg_sub[65536];
static u32 cfg_reads, cfg_last_bdf;

static void cfg_reset(void)
{
	memset(cfg_sec, 0xff, sizeof(cfg_sec));
	memset(cfg_sub, 0xff, sizeof(cfg_sub));
	cfg_reads = 0;
	cfg_last_bdf = 0;
}

static void bridge_at(u16 bdf, u8 sec, u8 sub)
{
	cfg_sec[bdf] = sec;
	cfg_sub[bdf] = sub;
}

static u8 fake_cfg(u32 bdf, u32 reg, void *ctx)
{
	cfg_reads++;
	cfg_last_bdf = bdf;
	CHECK(ctx == &cfg_sec);
	if (bdf > 0xffff)
		return 0xff;
	if (reg == 0x19)
		return cfg_sec[bdf];
	if (reg == 0x1a)
		return cfg_sub[bdf];
	CHECK(!"register other than 0x19, 0x1a");
	return 0xff;
}

/* --- running the parser ----------------------------------------------------------------- */

static struct dmar_info info;
static char why[160];

/* Parse the table as built, from an exact-size heap copy, with its header length set. */
static int parse_len(struct tb *t, u32 len)
{
	u8 *copy;
	int rc;

	t->b[4] = (u8)t->n;
	t->b[5] = (u8)(t->n >> 8);
	copy = malloc(len ? len : 1);
	memcpy(copy, t->b, len);
	memset(&info, 0xa5, sizeof(info)); /* dmar_parse must zero it */
	memset(why, 'x', sizeof(why));
	rc = dmar_parse(copy, len, fake_cfg, &cfg_sec, &info, why, sizeof(why));
	CHECK(memchr(why, 0, sizeof(why)));
	CHECK(rc ? why[0] != 0 : why[0] == 0);
	free(copy);
	return rc;
}

static int parse(struct tb *t)
{
	return parse_len(t, t->n);
}

/* Each kept structure's scopes lie inside scope_count, back to back in table order. */
static void check_ranges(void)
{
	u32 next = 0;

	CHECK(info.unit_count <= DMAR_MAX_UNITS && info.rmrr_count <= DMAR_MAX_RMRRS);
	CHECK(info.scope_count <= DMAR_MAX_SCOPES);
	for (u32 i = 0; i < info.unit_count; i++) {
		CHECK_EQ(info.unit[i].scope_first, next);
		next += info.unit[i].scope_count;
	}
	for (u32 i = 0; i < info.rmrr_count; i++)
		CHECK(info.rmrr[i].scope_first + info.rmrr[i].scope_count <= info.scope_count);
}

static void check_error(const char *expect)
{
	if (!strstr(why, expect)) {
		printf("  check failed: why \"%s\" has \"%s\"\n", why, expect);
		check_failed_in_test = 1;
	}
	check_ranges();
}

/* --- valid tables ----------------------------------------------------------------------- */

/* QEMU q35 with intel-iommu,intremap=on: one INCLUDE_PCI_ALL unit naming the I/O APIC. */
static void test_qemu_like(void)
{
	struct tb t;
	u32 d;
	u16 sid = 0;

	cfg_reset();
	dmar_begin(&t, 38, DMAR_FLAG_INTR_REMAP | DMAR_FLAG_X2APIC_OPT_OUT);
	d = drhd(&t, DMAR_UNIT_INCLUDE_ALL, 0, 0, 0xfed90000);
	scope1(&t, DMAR_SCOPE_IOAPIC, 0, 0xf0, 0x1f, 0);
	end_struct(&t, d);
	CHECK_EQ(parse(&t), 0);
	CHECK_EQ(why[0], 0);
	CHECK_EQ(info.haw, 39);
	CHECK_EQ(info.flags, DMAR_FLAG_INTR_REMAP | DMAR_FLAG_X2APIC_OPT_OUT);
	CHECK_EQ(info.unit_count, 1);
	CHECK_EQ(info.rmrr_count, 0);
	CHECK_EQ(info.scope_count, 1);
	CHECK_EQ(info.dropped, 0);
	CHECK_EQ(info.unit[0].base, 0xfed90000);
	CHECK_EQ(info.unit[0].pages, 1);
	CHECK_EQ(info.unit[0].segment, 0);
	CHECK_EQ(info.unit[0].flags, DMAR_UNIT_INCLUDE_ALL);
	CHECK_EQ(info.unit[0].scope_first, 0);
	CHECK_EQ(info.unit[0].scope_count, 1);
	CHECK_EQ(info.scope[0].type, DMAR_SCOPE_IOAPIC);
	CHECK_EQ(info.scope[0].enum_id, 0);
	CHECK_EQ(info.scope[0].bdf, 0xf0f8);
	CHECK_EQ(info.scope[0].sec_bus, 0);
	CHECK_EQ(info.scope[0].sub_bus, 0);
	CHECK_EQ(cfg_reads, 0); /* one-element path, no bridge: no configuration read */
	/* Every device falls to the INCLUDE_PCI_ALL unit; the I/O APIC's scope is not a device. */
	CHECK_EQ(dmar_unit_for(&info, BDF(0, 2, 0)), 0);
	CHECK_EQ(dmar_unit_for(&info, 0xf0f8), 0);
	CHECK_EQ(dmar_unit_for(&info, 0xffff), 0);
	CHECK_EQ(dmar_unit_for(&info, 0x10000), -1);
	CHECK(dmar_ioapic_sid(&info, 0, &sid));
	CHECK_EQ(sid, 0xf0f8);
	sid = 0x1234;
	CHECK(!dmar_ioapic_sid(&info, 1, &sid));
	CHECK(!dmar_ioapic_sid(&info, 0x100, &sid));
	CHECK_EQ(sid, 0x1234);
	CHECK(!dmar_rmrr_names(&info, 0, BDF(0, 2, 0)));
	check_ranges();
}

/*
 * Two units. Unit 0 names the graphics function 00:02.0, an endpoint three elements deep
 * (00:1c.0 -> bus 2, 02:00.0 -> bus 3, 03:00.0) and the bridge 00:1c.4 (buses 6-8), with a
 * register set of 2^1 pages; unit 1 is INCLUDE_PCI_ALL with the I/O APIC (id 8) and an HPET.
 */
static void build_two_units(struct tb *t)
{
	const u8 deep[6] = {0x1c, 0, 0, 0, 0, 0};
	u32 d;

	cfg_reset();
	bridge_at(BDF(0, 0x1c, 0), 2, 4);
	bridge_at(BDF(2, 0, 0), 3, 3);
	bridge_at(BDF(0, 0x1c, 4), 6, 8);
	dmar_begin(t, 45, DMAR_FLAG_INTR_REMAP);
	d = drhd(t, 0, 1, 0, 0xfed90000);
	scope1(t, DMAR_SCOPE_ENDPOINT, 0, 0, 2, 0);
	scope(t, DMAR_SCOPE_ENDPOINT, 0, 0, deep, 3);
	scope1(t, DMAR_SCOPE_BRIDGE, 0, 0, 0x1c, 4);
	end_struct(t, d);
	d = drhd(t, DMAR_UNIT_INCLUDE_ALL, 0, 0, 0xfed91000);
	scope1(t, DMAR_SCOPE_IOAPIC, 8, 0xf0, 0x1f, 0);
	scope1(t, DMAR_SCOPE_HPET, 0, 0, 0x1f, 7);
	end_struct(t, d);
}

static void test_two_units(void)
{
	struct tb t;
	u16 sid = 0;

	build_two_units(&t);
	CHECK_EQ(parse(&t), 0);
	CHECK_EQ(info.haw, 46);
	CHECK_EQ(info.flags, DMAR_FLAG_INTR_REMAP);
	CHECK_EQ(info.unit_count, 2);
	CHECK_EQ(info.scope_count, 5);
	CHECK_EQ(info.dropped, 0);
	CHECK_EQ(info.unit[0].base, 0xfed90000);
	CHECK_EQ(info.unit[0].pages, 2);
	CHECK_EQ(info.unit[0].flags, 0);
	CHECK_EQ(info.unit[0].scope_first, 0);
	CHECK_EQ(info.unit[0].scope_count, 3);
	CHECK_EQ(info.unit[1].base, 0xfed91000);
	CHECK_EQ(info.unit[1].flags, DMAR_UNIT_INCLUDE_ALL);
	CHECK_EQ(info.unit[1].scope_first, 3);
	CHECK_EQ(info.unit[1].scope_count, 2);
	CHECK_EQ(info.scope[0].bdf, BDF(0, 2, 0));
	CHECK_EQ(info.scope[0].type, DMAR_SCOPE_ENDPOINT);
	CHECK_EQ(info.scope[1].bdf, BDF(3, 0, 0)); /* resolved through two bridges */
	CHECK_EQ(info.scope[1].sec_bus, 0);	   /* an endpoint has no bus range */
	CHECK_EQ(info.scope[2].type, DMAR_SCOPE_BRIDGE);
	CHECK_EQ(info.scope[2].bdf, BDF(0, 0x1c, 4));
	CHECK_EQ(info.scope[2].sec_bus, 6);
	CHECK_EQ(info.scope[2].sub_bus, 8);
	CHECK_EQ(info.scope[3].type, DMAR_SCOPE_IOAPIC);
	CHECK_EQ(info.scope[3].enum_id, 8);
	CHECK_EQ(info.scope[4].type, DMAR_SCOPE_HPET);
	CHECK_EQ(info.scope[4].bdf, BDF(0, 0x1f, 7));
	/* Two secondary-bus reads for the path, secondary and subordinate for the bridge. */
	CHECK_EQ(cfg_reads, 4);

	CHECK_EQ(dmar_unit_for(&info, BDF(0, 2, 0)), 0);
	CHECK_EQ(dmar_unit_for(&info, BDF(3, 0, 0)), 0);
	CHECK_EQ(dmar_unit_for(&info, BDF(3, 0, 1)), 1);    /* not named: INCLUDE_PCI_ALL */
	CHECK_EQ(dmar_unit_for(&info, BDF(0, 0x1c, 4)), 0); /* the bridge itself */
	CHECK_EQ(dmar_unit_for(&info, BDF(6, 0, 0)), 0);
	CHECK_EQ(dmar_unit_for(&info, BDF(8, 31, 7)), 0);
	CHECK_EQ(dmar_unit_for(&info, BDF(5, 0, 0)), 1);
	CHECK_EQ(dmar_unit_for(&info, BDF(9, 0, 0)), 1);
	CHECK_EQ(dmar_unit_for(&info, BDF(0, 2, 1)), 1);
	CHECK_EQ(dmar_unit_for(&info, BDF(0, 0x1f, 7)), 1); /* the HPET scope names no device */
	CHECK(dmar_ioapic_sid(&info, 8, &sid));
	CHECK_EQ(sid, 0xf0f8);
	CHECK(!dmar_ioapic_sid(&info, 0, &sid)); /* the HPET's enumeration id is not an I/O APIC */
	check_ranges();
}

/* Without an INCLUDE_PCI_ALL unit, a device no scope names has no unit. */
static void test_unit_for_none(void)
{
	struct tb t;

	build_two_units(&t);
	CHECK_EQ(parse(&t), 0);
	/* Clear unit 1's INCLUDE_PCI_ALL in the parsed result and look again. */
	info.unit[1].flags = 0;
	CHECK_EQ(dmar_unit_for(&info, BDF(0, 2, 0)), 0);
	CHECK_EQ(dmar_unit_for(&info, BDF(9, 0, 0)), -1);
	CHECK_EQ(dmar_unit_for(&info, BDF(3, 0, 1)), -1);
}

/* The most specific scope wins across units: an endpoint over a bridge range, a narrower range
 * over a wider one, whatever the units' order. */
static void test_unit_for_most_specific(void)
{
	struct tb t;
	u32 d;

	cfg_reset();
	bridge_at(BDF(0, 1, 0), 2, 9);
	bridge_at(BDF(0, 1, 1), 5, 6);
	dmar_begin(&t, 38, 0);
	d = drhd(&t, 0, 0, 0, 0xfed90000);
	scope1(&t, DMAR_SCOPE_BRIDGE, 0, 0, 1, 0); /* buses 2-9 */
	end_struct(&t, d);
	d = drhd(&t, 0, 0, 0, 0xfed91000);
	scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 3, 0, 0);
	scope1(&t, DMAR_SCOPE_BRIDGE, 0, 0, 1, 1); /* buses 5-6 */
	end_struct(&t, d);
	d = drhd(&t, DMAR_UNIT_INCLUDE_ALL, 0, 0, 0xfed92000);
	end_struct(&t, d);
	CHECK_EQ(parse(&t), 0);
	CHECK_EQ(info.unit_count, 3);
	CHECK_EQ(info.unit[2].scope_count, 0);
	CHECK_EQ(dmar_unit_for(&info, BDF(2, 0, 0)), 0);
	CHECK_EQ(dmar_unit_for(&info, BDF(3, 0, 0)), 1);
	CHECK_EQ(dmar_unit_for(&info, BDF(3, 0, 1)), 0);
	CHECK_EQ(dmar_unit_for(&info, BDF(5, 0, 0)), 1);
	CHECK_EQ(dmar_unit_for(&info, BDF(7, 0, 0)), 0);
	CHECK_EQ(dmar_unit_for(&info, BDF(10, 0, 0)), 2);
}

/* A bridge whose bus registers read back nonsense (absent: 0xff; secondary not above its own
 * bus, or above the subordinate) covers only itself. */
static void test_bridge_bad_bus_range(void)
{
	struct tb t;
	u32 d;

	cfg_reset();
	bridge_at(BDF(4, 0, 0), 4, 9); /* secondary = own bus */
	bridge_at(BDF(0, 2, 0), 7, 6); /* secondary above subordinate */
	dmar_begin(&t, 38, 0);
	d = drhd(&t, 0, 0, 0, 0xfed90000);
	scope1(&t, DMAR_SCOPE_BRIDGE, 0, 4, 0, 0);
	scope1(&t, DMAR_SCOPE_BRIDGE, 0, 0, 2, 0);
	end_struct(&t, d);
	CHECK_EQ(parse(&t), 0);
	CHECK_EQ(info.scope[0].sec_bus, 4);
	CHECK_EQ(info.scope[1].sub_bus, 6);
	CHECK_EQ(dmar_unit_for(&info, BDF(4, 0, 0)), 0);
	CHECK_EQ(dmar_unit_for(&info, BDF(4, 1, 0)), -1);
	CHECK_EQ(dmar_unit_for(&info, BDF(5, 0, 0)), -1);
	CHECK_EQ(dmar_unit_for(&info, BDF(0, 2, 0)), 0);
	CHECK_EQ(dmar_unit_for(&info, BDF(6, 0, 0)), -1);
	CHECK_EQ(dmar_unit_for(&info, BDF(7, 0, 0)), -1);
}

/* RMRRs with their scopes, beside a unit; an RMRR on segment 1 names nothing on segment 0. */
static void test_rmrrs(void)
{
	struct tb t;
	u32 d;

	cfg_reset();
	dmar_begin(&t, 38, 0);
	d = drhd(&t, DMAR_UNIT_INCLUDE_ALL, 0, 0, 0xfed90000);
	end_struct(&t, d);
	d = rmrr(&t, 0, 0x7c000000, 0x7c7fffff); /* USB: two controllers */
	scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0, 0x14, 0);
	scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0, 0x1a, 0);
	end_struct(&t, d);
	d = rmrr(&t, 0, 0x7d000000, 0x7fffffff); /* graphics stolen memory */
	scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0, 2, 0);
	end_struct(&t, d);
	d = rmrr(&t, 1, 0x1000, 0x1fff);
	scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0, 2, 0);
	end_struct(&t, d);
	CHECK_EQ(parse(&t), 0);
	CHECK_EQ(info.unit_count, 1);
	CHECK_EQ(info.rmrr_count, 3);
	CHECK_EQ(info.scope_count, 4);
	CHECK_EQ(info.rmrr[0].base, 0x7c000000);
	CHECK_EQ(info.rmrr[0].limit, 0x7c7fffff);
	CHECK_EQ(info.rmrr[0].segment, 0);
	CHECK_EQ(info.rmrr[0].scope_first, 0);
	CHECK_EQ(info.rmrr[0].scope_count, 2);
	CHECK_EQ(info.rmrr[1].base, 0x7d000000);
	CHECK_EQ(info.rmrr[1].limit, 0x7fffffff);
	CHECK_EQ(info.rmrr[1].scope_first, 2);
	CHECK_EQ(info.rmrr[1].scope_count, 1);
	CHECK_EQ(info.rmrr[2].segment, 1);
	CHECK(dmar_rmrr_names(&info, 0, BDF(0, 0x14, 0)));
	CHECK(dmar_rmrr_names(&info, 0, BDF(0, 0x1a, 0)));
	CHECK(!dmar_rmrr_names(&info, 0, BDF(0, 2, 0)));
	CHECK(!dmar_rmrr_names(&info, 0, BDF(0, 0x14, 1)));
	CHECK(dmar_rmrr_names(&info, 1, BDF(0, 2, 0)));
	CHECK(!dmar_rmrr_names(&info, 1, BDF(0, 0x14, 0)));
	CHECK(!dmar_rmrr_names(&info, 2, BDF(0, 2, 0)));
	CHECK(!dmar_rmrr_names(&info, 3, BDF(0, 2, 0)));
	CHECK(!dmar_rmrr_names(&info, 0, 0x10000 | BDF(0, 0x14, 0)));
	/* An RMRR's scope does not make a unit name the device. */
	CHECK_EQ(dmar_unit_for(&info, BDF(0, 2, 0)), 0);
	CHECK_EQ(info.unit[0].scope_count, 0);
	check_ranges();
}

/* The table flags: each bit as given, unknown bits dropped; the host address width. */
static void test_flags_and_haw(void)
{
	static const u8 flags[] = {0, DMAR_FLAG_INTR_REMAP, DMAR_FLAG_X2APIC_OPT_OUT, 0xff};
	static const u8 want[] = {0, DMAR_FLAG_INTR_REMAP, DMAR_FLAG_X2APIC_OPT_OUT, 0x7};
	struct tb t;

	cfg_reset();
	for (u32 i = 0; i < ARRAY_SIZE(flags); i++) {
		dmar_begin(&t, (u8)(35 + i), flags[i]);
		CHECK_EQ(parse(&t), 0);
		CHECK_EQ(info.flags, want[i]);
		CHECK_EQ(info.haw, 36 + i);
		CHECK_EQ(info.unit_count, 0);
	}
	dmar_begin(&t, 63, 0);
	CHECK_EQ(parse(&t), 0);
	CHECK_EQ(info.haw, 64);
	dmar_begin(&t, 64, 0);
	CHECK_EQ(parse(&t), -1);
	check_error("host address width field 64 is above 63");
}

/* ATSR, RHSA, ANDD, SATC and a type from the future are skipped and not counted; so is a
 * scope type the parser does not know, whose length is still checked. */
static void test_unknown_types_skipped(void)
{
	struct tb t;
	u32 d;

	cfg_reset();
	dmar_begin(&t, 38, 0);
	other(&t, 2, 4);
	d = drhd(&t, DMAR_UNIT_INCLUDE_ALL, 0, 0, 0xfed90000);
	scope1(&t, 0x77, 0, 0, 1, 0);
	scope1(&t, DMAR_SCOPE_ACPI_NAMESPACE, 3, 0, 0x15, 1);
	end_struct(&t, d);
	other(&t, 3, 12);
	other(&t, 4, 0);
	other(&t, 5, 20);
	other(&t, 0x1234, 1);
	d = rmrr(&t, 0, 0xe8000, 0xe8fff);
	scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0, 0x1d, 0);
	end_struct(&t, d);
	CHECK_EQ(parse(&t), 0);
	CHECK_EQ(info.dropped, 0);
	CHECK_EQ(info.unit_count, 1);
	CHECK_EQ(info.rmrr_count, 1);
	CHECK_EQ(info.unit[0].scope_count, 1);
	CHECK_EQ(info.scope[0].type, DMAR_SCOPE_ACPI_NAMESPACE);
	CHECK_EQ(info.scope[0].enum_id, 3);
	CHECK_EQ(info.scope[0].bdf, BDF(0, 0x15, 1));
	CHECK_EQ(info.rmrr[0].scope_first, 1);
	CHECK(dmar_rmrr_names(&info, 0, BDF(0, 0x1d, 0)));
	check_ranges();
}

/* The parser passes the structure's segment in bits 31:16 to the callback, and units of
 * another segment are not consulted for segment-0 devices. A NULL callback reads 0xff. */
static void test_segments_and_cfg(void)
{
	const u8 path[4] = {1, 0, 0, 0};
	struct tb t;
	u32 d;

	cfg_reset();
	dmar_begin(&t, 38, 0);
	d = drhd(&t, DMAR_UNIT_INCLUDE_ALL, 0, 1, 0xfed90000);
	scope(&t, DMAR_SCOPE_ENDPOINT, 0, 0, path, 2);
	end_struct(&t, d);
	CHECK_EQ(parse(&t), 0);
	CHECK_EQ(cfg_reads, 1);
	CHECK_EQ(cfg_last_bdf, 0x10000 | BDF(0, 1, 0));
	CHECK_EQ(info.unit[0].segment, 1);
	CHECK_EQ(info.scope[0].bdf, BDF(0xff, 0, 0));
	CHECK_EQ(dmar_unit_for(&info, BDF(0xff, 0, 0)), -1);
	CHECK_EQ(dmar_unit_for(&info, BDF(0, 2, 0)), -1);

	t.b[4] = (u8)t.n;
	CHECK_EQ(dmar_parse(t.b, t.n, NULL, NULL, &info, NULL, 0), 0);
	CHECK_EQ(info.scope[0].bdf, BDF(0xff, 0, 0));
}

/* --- errors ----------------------------------------------------------------------------- */

static void test_table_too_short(void)
{
	struct tb t;

	cfg_reset();
	dmar_begin(&t, 38, 0);
	CHECK_EQ(parse_len(&t, 47), -1);
	check_error("table length 47 is shorter than 48");
	CHECK_EQ(info.haw, 0);
	CHECK_EQ(dmar_parse(NULL, 0, NULL, NULL, &info, why, sizeof(why)), -1);
}

/* The table ends inside a structure, or inside a structure's 4-byte header. */
static void test_truncated_structure(void)
{
	struct tb t;
	u32 d;

	cfg_reset();
	dmar_begin(&t, 38, 0);
	d = drhd(&t, DMAR_UNIT_INCLUDE_ALL, 0, 0, 0xfed90000);
	scope1(&t, DMAR_SCOPE_IOAPIC, 0, 0xf0, 0x1f, 0);
	end_struct(&t, d);
	CHECK_EQ(parse_len(&t, t.n - 1), -1);
	check_error("DRHD at offset 0x30: length 24 runs past the table's end at 0x47");
	CHECK_EQ(info.unit_count, 0);
	CHECK_EQ(info.scope_count, 0);

	put16(&t, 1);
	put8(&t, 30);
	CHECK_EQ(parse(&t), -1);
	check_error("structure at offset 0x48: 3 bytes left, shorter than 4");
	CHECK_EQ(info.unit_count, 1); /* what came before is kept */
	CHECK_EQ(info.scope_count, 1);
}

static void test_zero_length(void)
{
	struct tb t;
	u32 d;

	cfg_reset();
	dmar_begin(&t, 38, 0);
	d = drhd(&t, DMAR_UNIT_INCLUDE_ALL, 0, 0, 0xfed90000);
	end_struct(&t, d);
	put16(&t, 1);
	put16(&t, 0); /* would loop for ever if taken as is */
	for (int i = 0; i < 20; i++)
		put8(&t, 0);
	CHECK_EQ(parse(&t), -1);
	check_error("RMRR at offset 0x40: length 0 is shorter than 4");
	CHECK_EQ(info.unit_count, 1);
	t.b[0x42] = 3;
	CHECK_EQ(parse(&t), -1);
	check_error("RMRR at offset 0x40: length 3 is shorter than 4");
	/* An unknown type too. */
	t.b[0x40] = 9;
	t.b[0x42] = 0;
	CHECK_EQ(parse(&t), -1);
	check_error("structure at offset 0x40: length 0 is shorter than 4");
}

/* A DRHD or RMRR shorter than its fixed fields; exactly its fixed fields is fine. */
static void test_too_short_for_type(void)
{
	struct tb t;

	cfg_reset();
	dmar_begin(&t, 38, 0);
	other(&t, 0, 4); /* DRHD of 8 bytes */
	CHECK_EQ(parse(&t), -1);
	check_error("DRHD at offset 0x30: length 8 is shorter than 16");
	CHECK_EQ(strcmp(why, "DRHD at offset 0x30: length 8 is shorter than 16"), 0);
	dmar_begin(&t, 38, 0);
	other(&t, 0, 11);
	CHECK_EQ(parse(&t), -1);
	check_error("DRHD at offset 0x30: length 15 is shorter than 16");
	dmar_begin(&t, 38, 0);
	other(&t, 0, 12);
	CHECK_EQ(parse(&t), 0);
	CHECK_EQ(info.unit_count, 1);
	dmar_begin(&t, 38, 0);
	other(&t, 1, 19);
	CHECK_EQ(parse(&t), -1);
	check_error("RMRR at offset 0x30: length 23 is shorter than 24");
	dmar_begin(&t, 38, 0);
	other(&t, 1, 20);
	CHECK_EQ(parse(&t), 0);
	CHECK_EQ(info.rmrr_count, 1);
}

/* A device scope whose length runs past its structure (which itself fits the table). */
static void test_scope_past_structure(void)
{
	struct tb t;
	u32 d;

	cfg_reset();
	dmar_begin(&t, 38, 0);
	d = drhd(&t, 0, 0, 0, 0xfed90000);
	scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0, 2, 0);
	scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0, 3, 0);
	end_struct(&t, d);
	t.b[0x40 + 8 + 1] = 10;		 /* the second scope claims 10 of the 8 bytes left */
	d = rmrr(&t, 0, 0x1000, 0x1fff); /* not reached */
	end_struct(&t, d);
	CHECK_EQ(parse(&t), -1);
	check_error("DRHD at offset 0x30: device scope at offset 0x48: length 10 runs past its "
		    "structure's end at 0x50");
	CHECK_EQ(info.unit_count, 0);
	CHECK_EQ(info.rmrr_count, 0);
	CHECK_EQ(info.scope_count, 0); /* the first scope, stored, is forgotten with its unit */
	t.b[0x40 + 8 + 1] = 9; /* one byte too many (and odd: the length is checked first) */
	CHECK_EQ(parse(&t), -1);
	check_error("device scope at offset 0x48: length 9 runs past its structure's end at 0x50");
	/* Same in an RMRR. */
	dmar_begin(&t, 38, 0);
	d = rmrr(&t, 0, 0x1000, 0x1fff);
	scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0, 2, 0);
	end_struct(&t, d);
	t.b[0x48 + 1] = 12;
	CHECK_EQ(parse(&t), -1);
	check_error("RMRR at offset 0x30: device scope at offset 0x48: length 12 runs past");
}

/* Scope lengths below the 6-byte header, a structure ending inside a scope's header. */
static void test_scope_too_short(void)
{
	struct tb t;
	u32 d;

	cfg_reset();
	for (u8 len = 0; len < 6; len++) {
		dmar_begin(&t, 38, 0);
		d = drhd(&t, 0, 0, 0, 0xfed90000);
		scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0, 2, 0);
		end_struct(&t, d);
		t.b[0x40 + 1] = len;
		CHECK_EQ(parse(&t), -1);
		check_error("device scope at offset 0x40: length");
		check_error("is shorter than 6");
	}
	dmar_begin(&t, 38, 0);
	d = drhd(&t, 0, 0, 0, 0xfed90000);
	put8(&t, DMAR_SCOPE_ENDPOINT);
	put8(&t, 8);
	put16(&t, 0);
	put8(&t, 0); /* 5 bytes: the structure ends inside the scope's header */
	end_struct(&t, d);
	CHECK_EQ(parse(&t), -1);
	check_error(
	    "DRHD at offset 0x30: device scope at offset 0x40: 5 bytes left, shorter than 6");
}

static void test_odd_path_length(void)
{
	struct tb t;
	u32 d;

	cfg_reset();
	dmar_begin(&t, 38, 0);
	d = drhd(&t, 0, 0, 0, 0xfed90000);
	scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0, 2, 0);
	put8(&t, 0);
	end_struct(&t, d);
	t.b[0x40 + 1] = 9;
	CHECK_EQ(parse(&t), -1);
	check_error("device scope at offset 0x40: path length 3 is odd");
	t.b[0x40 + 1] = 7;
	CHECK_EQ(parse(&t), -1);
	check_error("device scope at offset 0x40: path length 1 is odd");
}

static void test_empty_path(void)
{
	struct tb t;
	u32 d;

	cfg_reset();
	dmar_begin(&t, 38, 0);
	d = rmrr(&t, 0, 0x1000, 0x1fff);
	scope(&t, DMAR_SCOPE_ENDPOINT, 0, 0, NULL, 0);
	end_struct(&t, d);
	CHECK_EQ(parse(&t), -1);
	check_error("RMRR at offset 0x30: device scope at offset 0x48: empty path");
	CHECK_EQ(info.rmrr_count, 0);
}

/* Eight of ten units kept, eight RMRRs of ten, and 32 scopes of 40: the rest counted. */
static void test_too_many(void)
{
	struct tb t;
	u32 d;

	cfg_reset();
	dmar_begin(&t, 38, 0);
	for (u32 i = 0; i < 10; i++) {
		d = drhd(&t, 0, 0, 0, 0xfed00000 + 0x1000 * (u64)i);
		scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0, (u8)i, 0);
		scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0, (u8)i, 1);
		end_struct(&t, d);
	}
	CHECK_EQ(parse(&t), 0);
	CHECK_EQ(info.unit_count, DMAR_MAX_UNITS);
	CHECK_EQ(info.dropped, 2); /* two units; their scopes are not counted again */
	CHECK_EQ(info.scope_count, 16);
	CHECK_EQ(info.unit[7].base, 0xfed07000);
	CHECK_EQ(dmar_unit_for(&info, BDF(0, 7, 1)), 7);
	CHECK_EQ(dmar_unit_for(&info, BDF(0, 8, 0)), -1);
	check_ranges();

	/* RMRRs: 10, of two scopes each, after the 8 kept units' 16 scopes. */
	for (u32 i = 0; i < 10; i++) {
		d = rmrr(&t, 0, 0x100000 * (u64)i, 0x100000 * (u64)i + 0xfff);
		scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 1, (u8)i, 0);
		scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 1, (u8)i, 1);
		end_struct(&t, d);
	}
	CHECK_EQ(parse(&t), 0);
	CHECK_EQ(info.rmrr_count, DMAR_MAX_RMRRS);
	CHECK_EQ(info.scope_count, DMAR_MAX_SCOPES);
	CHECK_EQ(info.rmrr[7].scope_first, 30);
	CHECK_EQ(info.rmrr[7].scope_count, 2);
	CHECK_EQ(info.dropped, 2 + 2);
	check_ranges();

	/* 40 scopes in one unit: 32 kept, 8 counted. */
	dmar_begin(&t, 38, 0);
	d = drhd(&t, 0, 0, 0, 0xfed90000);
	for (u32 i = 0; i < 40; i++)
		scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 2, (u8)(i / 8), (u8)(i % 8));
	end_struct(&t, d);
	CHECK_EQ(parse(&t), 0);
	CHECK_EQ(info.unit[0].scope_count, DMAR_MAX_SCOPES);
	CHECK_EQ(info.scope_count, DMAR_MAX_SCOPES);
	CHECK_EQ(info.dropped, 8);
	CHECK_EQ(dmar_unit_for(&info, BDF(2, 3, 7)), 0);
	CHECK_EQ(dmar_unit_for(&info, BDF(2, 4, 0)), -1);
	check_ranges();
}

/* A dropped unit's scopes are still checked; a failed unit leaves nothing behind. */
static void test_dropped_unit_checked(void)
{
	struct tb t;
	u32 d;

	cfg_reset();
	dmar_begin(&t, 38, 0);
	for (u32 i = 0; i < 9; i++) {
		d = drhd(&t, 0, 0, 0, 0xfed00000 + 0x1000 * (u64)i);
		scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0, (u8)(i == 8 ? 32 : i), 0);
		end_struct(&t, d);
	}
	CHECK_EQ(parse(&t), -1);
	check_error("path element 0 is device 32 function 0");
	CHECK_EQ(info.unit_count, 8);
	CHECK_EQ(info.dropped, 0);

	/* A unit whose scopes overflow the array, then a bad one: nothing of it is kept or
	 * counted. */
	dmar_begin(&t, 38, 0);
	d = drhd(&t, 0, 0, 0, 0xfed90000);
	for (u32 i = 0; i < 34; i++)
		scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 2, (u8)(i / 8), (u8)(i % 8));
	scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 2, 0, 8);
	end_struct(&t, d);
	CHECK_EQ(parse(&t), -1);
	check_error("path element 0 is device 0 function 8");
	CHECK_EQ(info.unit_count, 0);
	CHECK_EQ(info.scope_count, 0);
	CHECK_EQ(info.dropped, 0);
	CHECK_EQ(info.scope[0].bdf, 0);
}

static void test_unaligned_base(void)
{
	static const u64 bad[] = {0xfed90800, 0xfed90001, 0xfed90ffc, 0xfffffffffffff800ULL};
	struct tb t;
	u32 d;

	cfg_reset();
	for (u32 i = 0; i < ARRAY_SIZE(bad); i++) {
		dmar_begin(&t, 38, 0);
		d = drhd(&t, DMAR_UNIT_INCLUDE_ALL, 0, 0, bad[i]);
		end_struct(&t, d);
		CHECK_EQ(parse(&t), -1);
		check_error("is not 4 KiB aligned");
		CHECK_EQ(info.unit_count, 0);
	}
	dmar_begin(&t, 38, 0);
	d = drhd(&t, DMAR_UNIT_INCLUDE_ALL, 0, 0, 0xfed90800);
	end_struct(&t, d);
	CHECK_EQ(parse(&t), -1);
	CHECK_EQ(strcmp(why, "DRHD at offset 0x30: register base 0xfed90800 is not 4 KiB aligned"),
		 0);
	/* The largest register set, 2^15 pages, and one that would wrap past 2^64. */
	dmar_begin(&t, 38, 0);
	d = drhd(&t, 0, 0xff, 0, 0xfffffffff8000000ULL);
	end_struct(&t, d);
	CHECK_EQ(parse(&t), 0);
	CHECK_EQ(info.unit[0].pages, 0x8000);
	dmar_begin(&t, 38, 0);
	d = drhd(&t, 0, 0x0f, 0, 0xfffffffff8001000ULL);
	end_struct(&t, d);
	CHECK_EQ(parse(&t), -1);
	check_error("DRHD at offset 0x30: register set of 32768 pages at 0xfffffffff8001000 wraps");
}

/* Device above 31 or function above 7 in any path element; 31 and 7 are fine. */
static void test_bad_device_function(void)
{
	const u8 deep_bad[4] = {0x1c, 0, 32, 0};
	struct tb t;
	u32 d;

	cfg_reset();
	dmar_begin(&t, 38, 0);
	d = drhd(&t, 0, 0, 0, 0xfed90000);
	scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0, 31, 7);
	end_struct(&t, d);
	CHECK_EQ(parse(&t), 0);
	CHECK_EQ(info.scope[0].bdf, BDF(0, 31, 7));

	t.b[0x40 + 6] = 32;
	CHECK_EQ(parse(&t), -1);
	check_error("DRHD at offset 0x30: device scope at offset 0x40: path element 0 is device 32 "
		    "function 7 (max 31, 7)");
	t.b[0x40 + 6] = 31;
	t.b[0x40 + 7] = 8;
	CHECK_EQ(parse(&t), -1);
	check_error("path element 0 is device 31 function 8");
	t.b[0x40 + 6] = 0xff;
	t.b[0x40 + 7] = 0xff;
	CHECK_EQ(parse(&t), -1);
	check_error("path element 0 is device 255 function 255");

	dmar_begin(&t, 38, 0);
	d = rmrr(&t, 0, 0x1000, 0x1fff);
	scope(&t, DMAR_SCOPE_ENDPOINT, 0, 0, deep_bad, 2);
	end_struct(&t, d);
	CHECK_EQ(parse(&t), -1);
	check_error("path element 1 is device 32 function 0");
}

static void test_rmrr_limit_below_base(void)
{
	struct tb t;
	u32 d;

	cfg_reset();
	dmar_begin(&t, 38, 0);
	d = rmrr(&t, 0, 0x2000, 0x1fff);
	end_struct(&t, d);
	CHECK_EQ(parse(&t), -1);
	check_error("RMRR at offset 0x30: limit 0x1fff is below base 0x2000");
	dmar_begin(&t, 38, 0);
	d = rmrr(&t, 0, 0x2000, 0x2000);
	end_struct(&t, d);
	CHECK_EQ(parse(&t), 0);
	CHECK_EQ(info.rmrr[0].limit, 0x2000);
}

/* The reason is cut to why_size and NUL-terminated; no `why` at all is fine. */
static void test_why_buffer(void)
{
	struct tb t;
	char small[9];
	u8 *copy;

	cfg_reset();
	dmar_begin(&t, 38, 0);
	other(&t, 0, 4);
	t.b[4] = (u8)t.n;
	copy = malloc(t.n);
	memcpy(copy, t.b, t.n);
	memset(small, 'x', sizeof(small));
	CHECK_EQ(dmar_parse(copy, t.n, fake_cfg, &cfg_sec, &info, small, 8), -1);
	CHECK_EQ(strcmp(small, "DRHD at"), 0);
	CHECK_EQ(small[8], 'x');
	CHECK_EQ(dmar_parse(copy, t.n, fake_cfg, &cfg_sec, &info, NULL, 0), -1);
	CHECK_EQ(dmar_parse(copy, t.n, fake_cfg, &cfg_sec, &info, small, 0), -1);
	CHECK_EQ(small[0], 'D');
	free(copy);
}

/* Every prefix of a valid table either parses or fails with a reason, never reading past it
 * (ASan), and keeps only whole structures. */
static void test_every_prefix(void)
{
	struct tb t;
	u32 d, full;

	build_two_units(&t);
	d = rmrr(&t, 0, 0x7c000000, 0x7c7fffff);
	scope1(&t, DMAR_SCOPE_ENDPOINT, 0, 0, 0x14, 0);
	end_struct(&t, d);
	full = t.n;
	for (u32 len = 0; len <= full; len++) {
		int rc = parse_len(&t, len);

		CHECK(rc == 0 || why[0]);
		CHECK(rc == 0 || len < full);
		check_ranges();
		if (len < full)
			CHECK(info.unit_count + info.rmrr_count < 3);
	}
	CHECK_EQ(info.rmrr_count, 1);
}

int main(void)
{
	RUN(test_qemu_like);
	RUN(test_two_units);
	RUN(test_unit_for_none);
	RUN(test_unit_for_most_specific);
	RUN(test_bridge_bad_bus_range);
	RUN(test_rmrrs);
	RUN(test_flags_and_haw);
	RUN(test_unknown_types_skipped);
	RUN(test_segments_and_cfg);
	RUN(test_table_too_short);
	RUN(test_truncated_structure);
	RUN(test_zero_length);
	RUN(test_too_short_for_type);
	RUN(test_scope_past_structure);
	RUN(test_scope_too_short);
	RUN(test_odd_path_length);
	RUN(test_empty_path);
	RUN(test_too_many);
	RUN(test_dropped_unit_checked);
	RUN(test_unaligned_base);
	RUN(test_bad_device_function);
	RUN(test_rmrr_limit_below_base);
	RUN(test_why_buffer);
	RUN(test_every_prefix);
	CHECK_MAIN_END();
}
