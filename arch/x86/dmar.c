/*
 * ACPI DMAR table parser (Intel VT-d specification, chapter 8 "DMA Remapping Reporting
 * Structure"). Written from the specification's layouts:
 *
 *   table:  ACPI header (36 bytes), host address width - 1 (u8, 36), flags (u8, 37),
 *           10 reserved bytes, then remapping structures from offset 48, each starting
 *           with a u16 type and a u16 length that covers the whole structure;
 *   DRHD (type 0):  flags u8 +4, size u8 +5, segment u16 +6, register base u64 +8, scopes +16;
 *   RMRR (type 1):  reserved u16 +4, segment u16 +6, base u64 +8, limit u64 +16, scopes +24;
 *   device scope:   type u8 +0, length u8 +1, reserved u16 +2, enumeration id u8 +4,
 *                   start bus u8 +5, path of (device u8, function u8) pairs from +6.
 *
 * Every field is read byte-wise little-endian (structures sit at any byte offset), and every
 * length is checked against what encloses it before anything it covers is read.
 */
#include "arch/x86/dmar.h"
#include "core/lib/format.h"
#include "core/lib/string.h"

enum {
	DMAR_HAW = 36,
	DMAR_FLAGS = 37,

	RS_TYPE = 0, /* remapping structure header */
	RS_LEN = 2,
	RS_HDR_SIZE = 4,

	DRHD_FLAGS = 4,
	DRHD_SIZE = 5,
	DRHD_SEGMENT = 6,
	DRHD_BASE = 8,
	DRHD_SCOPES = 16,

	RMRR_SEGMENT = 6,
	RMRR_BASE = 8,
	RMRR_LIMIT = 16,
	RMRR_SCOPES = 24,

	DS_TYPE = 0,
	DS_LEN = 1,
	DS_ENUM_ID = 4,
	DS_START_BUS = 5,
	DS_PATH = 6,

	RS_DRHD = 0,
	RS_RMRR = 1,
};

static u16 rd16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static u64 rd64(const u8 *p)
{
	u64 v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static const char *struct_name(u16 type)
{
	static const char *const names[] = {"DRHD", "RMRR", "ATSR", "RHSA", "ANDD", "SATC", "SIDP"};

	return type < ARRAY_SIZE(names) ? names[type] : "structure";
}

struct parser {
	const u8 *t;
	u32 len;
	dmar_cfg_read_fn cfg;
	void *ctx;
	struct dmar_info *out;
	char *why;
	size_t why_size;
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->why && p->why_size) {
		va_start(ap, fmt);
		vformat(p->why, p->why_size, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static u8 cfg_read(const struct parser *p, u16 segment, u16 bdf, u32 reg)
{
	return p->cfg ? p->cfg((u32)segment << 16 | bdf, reg, p->ctx) : 0xff;
}

/*
 * Check and resolve the device scope at t[off, off + length), inside a structure that ends at
 * `end`. On success stores it at *s and returns 0; `*slen` is its length.
 */
static int parse_scope(struct parser *p, const char *owner, u32 owner_off, u16 segment, u32 off,
		       u32 end, struct dmar_scope *s, u32 *slen)
{
	const u8 *d = p->t + off;
	u32 n, npairs;
	u16 bdf = 0;
	u8 bus;

	if (end - off < DS_PATH)
		return fail(p,
			    "%s at offset 0x%x: device scope at offset 0x%x: %u bytes left, "
			    "shorter than 6",
			    owner, owner_off, off, end - off);
	n = d[DS_LEN];
	if (n < DS_PATH)
		return fail(p,
			    "%s at offset 0x%x: device scope at offset 0x%x: length %u is "
			    "shorter than 6",
			    owner, owner_off, off, n);
	if (n > end - off)
		return fail(p,
			    "%s at offset 0x%x: device scope at offset 0x%x: length %u runs past "
			    "its structure's end at 0x%x",
			    owner, owner_off, off, n, end);
	if ((n - DS_PATH) % 2)
		return fail(p,
			    "%s at offset 0x%x: device scope at offset 0x%x: path length %u is odd",
			    owner, owner_off, off, n - DS_PATH);
	if (n == DS_PATH)
		return fail(p, "%s at offset 0x%x: device scope at offset 0x%x: empty path", owner,
			    owner_off, off);
	*slen = n;
	npairs = (n - DS_PATH) / 2;
	bus = d[DS_START_BUS];
	for (u32 i = 0; i < npairs; i++) {
		u8 dev = d[DS_PATH + 2 * i], fn = d[DS_PATH + 2 * i + 1];

		if (dev > 31 || fn > 7)
			return fail(p,
				    "%s at offset 0x%x: device scope at offset 0x%x: path element "
				    "%u is device %u function %u (max 31, 7)",
				    owner, owner_off, off, i, dev, fn);
		bdf = (u16)(bus << 8 | dev << 3 | fn);
		if (i + 1 < npairs)
			bus = cfg_read(p, segment, bdf, DMAR_PCI_SECONDARY_BUS);
	}
	memset(s, 0, sizeof(*s));
	s->type = d[DS_TYPE];
	s->enum_id = d[DS_ENUM_ID];
	s->bdf = bdf;
	if (s->type == DMAR_SCOPE_BRIDGE) {
		s->sec_bus = cfg_read(p, segment, bdf, DMAR_PCI_SECONDARY_BUS);
		s->sub_bus = cfg_read(p, segment, bdf, DMAR_PCI_SUBORDINATE_BUS);
	}
	return 0;
}

static bool known_scope_type(u8 type)
{
	return type >= DMAR_SCOPE_ENDPOINT && type <= DMAR_SCOPE_ACPI_NAMESPACE;
}

/*
 * The device scopes of the structure at `owner_off`, from `off` to `end`. When `keep`, each one
 * of a known type goes into out->scope[] while there is room (else it counts as dropped) and
 * *first / *count say where; otherwise they are only checked.
 */
static int parse_scopes(struct parser *p, const char *owner, u32 owner_off, u16 segment, u32 off,
			u32 end, bool keep, u32 *first, u32 *count)
{
	struct dmar_info *o = p->out;

	*first = o->scope_count;
	*count = 0;
	while (off < end) {
		struct dmar_scope s;
		u32 slen = 0;

		if (parse_scope(p, owner, owner_off, segment, off, end, &s, &slen))
			return -1;
		off += slen;
		if (!keep || !known_scope_type(s.type))
			continue;
		if (o->scope_count >= DMAR_MAX_SCOPES) {
			o->dropped++;
			continue;
		}
		o->scope[o->scope_count++] = s;
		(*count)++;
	}
	return 0;
}

static int parse_drhd(struct parser *p, u32 off, u32 slen)
{
	const u8 *d = p->t + off;
	struct dmar_info *o = p->out;
	bool keep = o->unit_count < DMAR_MAX_UNITS;
	u32 pages, first, count;
	u16 segment;
	u64 base;

	if (slen < DRHD_SCOPES)
		return fail(p, "DRHD at offset 0x%x: length %u is shorter than %u", off, slen,
			    (u32)DRHD_SCOPES);
	pages = 1u << (d[DRHD_SIZE] & 0xf);
	segment = rd16(d + DRHD_SEGMENT);
	base = rd64(d + DRHD_BASE);
	if (base & (PAGE_SIZE - 1))
		return fail(p, "DRHD at offset 0x%x: register base 0x%llx is not 4 KiB aligned",
			    off, (unsigned long long)base);
	if (base + (u64)pages * PAGE_SIZE - 1 < base)
		return fail(p, "DRHD at offset 0x%x: register set of %u pages at 0x%llx wraps", off,
			    pages, (unsigned long long)base);
	if (parse_scopes(p, "DRHD", off, segment, off + DRHD_SCOPES, off + slen, keep, &first,
			 &count))
		return -1;
	if (!keep) {
		o->dropped++;
		return 0;
	}
	o->unit[o->unit_count++] = (struct dmar_unit){
	    .base = base,
	    .pages = pages,
	    .segment = segment,
	    .flags = (u8)(d[DRHD_FLAGS] & DMAR_UNIT_INCLUDE_ALL),
	    .scope_first = first,
	    .scope_count = count,
	};
	return 0;
}

static int parse_rmrr(struct parser *p, u32 off, u32 slen)
{
	const u8 *d = p->t + off;
	struct dmar_info *o = p->out;
	bool keep = o->rmrr_count < DMAR_MAX_RMRRS;
	u64 base, limit;
	u16 segment;
	u32 first, count;

	if (slen < RMRR_SCOPES)
		return fail(p, "RMRR at offset 0x%x: length %u is shorter than %u", off, slen,
			    (u32)RMRR_SCOPES);
	segment = rd16(d + RMRR_SEGMENT);
	base = rd64(d + RMRR_BASE);
	limit = rd64(d + RMRR_LIMIT);
	if (limit < base)
		return fail(p, "RMRR at offset 0x%x: limit 0x%llx is below base 0x%llx", off,
			    (unsigned long long)limit, (unsigned long long)base);
	if (parse_scopes(p, "RMRR", off, segment, off + RMRR_SCOPES, off + slen, keep, &first,
			 &count))
		return -1;
	if (!keep) {
		o->dropped++;
		return 0;
	}
	o->rmrr[o->rmrr_count++] = (struct dmar_rmrr){
	    .base = base,
	    .limit = limit,
	    .segment = segment,
	    .scope_first = first,
	    .scope_count = count,
	};
	return 0;
}

int dmar_parse(const u8 *t, u32 len, dmar_cfg_read_fn cfg, void *ctx, struct dmar_info *out,
	       char *why, size_t why_size)
{
	struct parser p = {t, len, cfg, ctx, out, why, why_size};
	u32 off = DMAR_TABLE_HEADER_SIZE;

	memset(out, 0, sizeof(*out));
	if (why && why_size)
		why[0] = 0;
	if (!t || len < DMAR_TABLE_HEADER_SIZE)
		return fail(&p, "table length %u is shorter than %u", t ? len : 0,
			    DMAR_TABLE_HEADER_SIZE);
	if (t[DMAR_HAW] > 63)
		return fail(&p, "host address width field %u is above 63", t[DMAR_HAW]);
	out->haw = (u8)(t[DMAR_HAW] + 1);
	out->flags = (u8)(t[DMAR_FLAGS] & DMAR_FLAG_KNOWN);
	while (off < len) {
		const u8 *s = t + off;
		u32 scope_mark = out->scope_count, dropped_mark = out->dropped;
		u16 type;
		u32 slen = 0;
		int rc = 0;

		if (len - off < RS_HDR_SIZE)
			return fail(&p, "structure at offset 0x%x: %u bytes left, shorter than 4",
				    off, len - off);
		type = rd16(s + RS_TYPE);
		slen = rd16(s + RS_LEN);
		if (slen < RS_HDR_SIZE)
			return fail(&p, "%s at offset 0x%x: length %u is shorter than 4",
				    struct_name(type), off, slen);
		if (slen > len - off)
			return fail(
			    &p, "%s at offset 0x%x: length %u runs past the table's end at 0x%x",
			    struct_name(type), off, slen, len);
		if (type == RS_DRHD)
			rc = parse_drhd(&p, off, slen);
		else if (type == RS_RMRR)
			rc = parse_rmrr(&p, off, slen);
		if (rc) {
			/* Keep only whole structures: forget this one's scopes. */
			out->scope_count = scope_mark;
			out->dropped = dropped_mark;
			memset(&out->scope[scope_mark], 0,
			       (DMAR_MAX_SCOPES - scope_mark) * sizeof(out->scope[0]));
			return -1;
		}
		off += slen;
	}
	return 0;
}

/* Does scope `s` name `bdf`? 0: no; 1: exactly (an endpoint or the bridge itself); 2 + the
 * range's width: through a bridge's bus range. Lower is more specific. */
static u32 scope_match(const struct dmar_scope *s, u32 bdf)
{
	u32 bus = bdf >> 8;

	if (s->type != DMAR_SCOPE_ENDPOINT && s->type != DMAR_SCOPE_BRIDGE)
		return 0;
	if (s->bdf == bdf)
		return 1;
	if (s->type == DMAR_SCOPE_BRIDGE && s->sec_bus > s->bdf >> 8 && s->sec_bus <= s->sub_bus &&
	    bus >= s->sec_bus && bus <= s->sub_bus)
		return 2u + (u32)(s->sub_bus - s->sec_bus);
	return 0;
}

/* The best match of `bdf` among scope[first, first + count), clamped to what was parsed. */
static u32 scopes_match(const struct dmar_info *d, u32 first, u32 count, u32 bdf)
{
	u32 best = 0;

	if (first > d->scope_count || d->scope_count > DMAR_MAX_SCOPES)
		return 0;
	if (count > d->scope_count - first)
		count = d->scope_count - first;
	for (u32 i = first; i < first + count; i++) {
		u32 m = scope_match(&d->scope[i], bdf);

		if (m && (!best || m < best))
			best = m;
	}
	return best;
}

int dmar_unit_for(const struct dmar_info *d, u32 bdf)
{
	u32 n = d->unit_count < DMAR_MAX_UNITS ? d->unit_count : DMAR_MAX_UNITS;
	u32 best = 0;
	int unit = -1;

	if (bdf > 0xffff)
		return -1;
	for (u32 i = 0; i < n; i++) {
		const struct dmar_unit *u = &d->unit[i];
		u32 m;

		if (u->segment)
			continue;
		m = scopes_match(d, u->scope_first, u->scope_count, bdf);
		if (m && (!best || m < best)) {
			best = m;
			unit = (int)i;
		}
	}
	if (unit >= 0)
		return unit;
	for (u32 i = 0; i < n; i++)
		if (!d->unit[i].segment && (d->unit[i].flags & DMAR_UNIT_INCLUDE_ALL))
			return (int)i;
	return -1;
}

bool dmar_ioapic_sid(const struct dmar_info *d, u32 ioapic_id, u16 *sid)
{
	u32 n = d->unit_count < DMAR_MAX_UNITS ? d->unit_count : DMAR_MAX_UNITS;

	if (d->scope_count > DMAR_MAX_SCOPES)
		return false;
	for (u32 i = 0; i < n; i++) {
		const struct dmar_unit *u = &d->unit[i];

		for (u32 j = u->scope_first;
		     j < d->scope_count && j - u->scope_first < u->scope_count; j++) {
			const struct dmar_scope *s = &d->scope[j];

			if (s->type == DMAR_SCOPE_IOAPIC && s->enum_id == ioapic_id) {
				*sid = s->bdf;
				return true;
			}
		}
	}
	return false;
}

bool dmar_rmrr_names(const struct dmar_info *d, u32 i, u32 bdf)
{
	if (i >= d->rmrr_count || i >= DMAR_MAX_RMRRS || bdf > 0xffff || d->rmrr[i].segment)
		return false;
	return scopes_match(d, d->rmrr[i].scope_first, d->rmrr[i].scope_count, bdf) != 0;
}
