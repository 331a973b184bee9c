/*
 * Fuzz the DMAR parser (arch/x86/dmar.c). The input is the whole table: the harness copies it
 * into a heap block of exactly its size and writes its size into the header's length field,
 * as the caller would have checked it. PCI configuration bytes come from a fake derived from
 * the input (a byte of it picked by bdf and register).
 *
 * Oracles, computed here from the VT-d layouts and not with the parser: the harness walks the
 * table itself and predicts whether it is valid, and every unit, RMRR and scope the parser
 * must keep (after an error: those of the whole structures before it) and how many it must
 * drop. On any result, counts stay within the limits,
 * scope ranges lie inside scope_count without overlapping, and the lookups answer within the
 * parsed units and agree with the scopes. FUZZ_VERBOSE=1 prints each input's result.
 */
#include <string.h>

#include "arch/x86/dmar.h"
#include "tests/fuzz/fuzz.h"

static const u8 *in;
static size_t in_size;

static u8 cfg(u32 bdf, u32 reg, void *ctx)
{
	FUZZ_ASSERT(ctx == &in);
	FUZZ_ASSERT(reg == 0x19 || reg == 0x1a);
	if (!in_size)
		return 0xff;
	return in[(bdf * 7u + reg) % in_size];
}

static u32 rd16(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8;
}

static u64 rd64(const u8 *p)
{
	u64 v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* What the harness expects the parser to produce. */
static struct dmar_info want;

/* Walk the scopes in t[off, end) of a structure on `segment`; false if one is malformed. */
static bool want_scopes(const u8 *t, u32 off, u32 end, u16 segment, bool keep, u32 *count)
{
	*count = 0;
	while (off < end) {
		u32 n, bus, bdf = 0;

		if (end - off < 6)
			return false;
		n = t[off + 1];
		if (n < 6 || n > end - off || n % 2 || n == 6)
			return false;
		bus = t[off + 5];
		for (u32 i = off + 6; i < off + n; i += 2) {
			if (t[i] > 31 || t[i + 1] > 7)
				return false;
			bdf = bus << 8 | (u32)t[i] << 3 | t[i + 1];
			bus = cfg((u32)segment << 16 | bdf, 0x19, &in);
		}
		if (keep && t[off] >= 1 && t[off] <= 5) {
			if (want.scope_count == DMAR_MAX_SCOPES) {
				want.dropped++;
			} else {
				struct dmar_scope *s = &want.scope[want.scope_count++];

				s->type = t[off];
				s->enum_id = t[off + 4];
				s->bdf = (u16)bdf;
				if (s->type == 2) {
					s->sec_bus = cfg((u32)segment << 16 | bdf, 0x19, &in);
					s->sub_bus = cfg((u32)segment << 16 | bdf, 0x1a, &in);
				}
				(*count)++;
			}
		}
		off += n;
	}
	return true;
}

/* Walk the structure at t[off, off + n) of `type` into `want`; false if it is malformed. */
static bool want_struct(const u8 *t, u32 off, u32 n, u32 type)
{
	u32 count, first = want.scope_count;

	if (type == 0) {
		bool keep = want.unit_count < DMAR_MAX_UNITS;
		u64 base = n >= 16 ? rd64(t + off + 8) : 0;
		u32 pages = n >= 16 ? 1u << (t[off + 5] & 15) : 0;

		if (n < 16 || base % 4096 || base + (u64)pages * 4096 - 1 < base)
			return false;
		if (!want_scopes(t, off + 16, off + n, (u16)rd16(t + off + 6), keep, &count))
			return false;
		if (!keep)
			want.dropped++;
		else
			want.unit[want.unit_count++] = (struct dmar_unit){
			    base, pages, (u16)rd16(t + off + 6), t[off + 4] & 1, first, count};
	} else if (type == 1) {
		bool keep = want.rmrr_count < DMAR_MAX_RMRRS;

		if (n < 24 || rd64(t + off + 16) < rd64(t + off + 8))
			return false;
		if (!want_scopes(t, off + 24, off + n, (u16)rd16(t + off + 6), keep, &count))
			return false;
		if (!keep)
			want.dropped++;
		else
			want.rmrr[want.rmrr_count++] =
			    (struct dmar_rmrr){rd64(t + off + 8), rd64(t + off + 16),
					       (u16)rd16(t + off + 6), first, count};
	}
	return true;
}

/* The harness's own walk: true if the whole table is valid. `want` then holds the result, or
 * else what dmar.h promises is left after an error: the whole structures before it. */
static bool predict(const u8 *t, u32 len)
{
	memset(&want, 0, sizeof(want));
	if (len < 48 || t[36] > 63)
		return false;
	want.haw = (u8)(t[36] + 1);
	want.flags = t[37] & 7;
	for (u32 off = 48; off < len; off += rd16(t + off + 2)) {
		u32 scopes = want.scope_count, dropped = want.dropped, n;

		if (len - off < 4)
			return false;
		n = rd16(t + off + 2);
		if (n < 4 || n > len - off)
			return false;
		if (!want_struct(t, off, n, rd16(t + off))) {
			want.scope_count = scopes;
			want.dropped = dropped;
			return false;
		}
	}
	return true;
}

static bool names(const struct dmar_scope *s, u32 bdf)
{
	u32 bus = bdf >> 8;

	if (s->type != 1 && s->type != 2)
		return false;
	if (s->bdf == bdf)
		return true;
	return s->type == 2 && s->sec_bus > s->bdf >> 8 && s->sec_bus <= s->sub_bus &&
	       bus >= s->sec_bus && bus <= s->sub_bus;
}

static bool unit_names(const struct dmar_info *d, u32 u, u32 bdf)
{
	for (u32 j = 0; j < d->unit[u].scope_count; j++)
		if (names(&d->scope[d->unit[u].scope_first + j], bdf))
			return true;
	return false;
}

/* dmar_unit_for(bdf): a segment-0 unit that names bdf if any does (one naming it exactly if
 * any does), else the first segment-0 INCLUDE_PCI_ALL unit, else -1. */
static void check_unit_for(const struct dmar_info *d, u32 bdf)
{
	int u = dmar_unit_for(d, bdf);
	int any = -1, all = -1, exact = -1;

	for (u32 i = 0; i < d->unit_count; i++) {
		if (d->unit[i].segment)
			continue;
		if (unit_names(d, i, bdf) && any < 0)
			any = (int)i;
		for (u32 j = 0; j < d->unit[i].scope_count; j++) {
			const struct dmar_scope *s = &d->scope[d->unit[i].scope_first + j];

			if ((s->type == 1 || s->type == 2) && s->bdf == bdf && exact < 0)
				exact = (int)i;
		}
		if ((d->unit[i].flags & DMAR_UNIT_INCLUDE_ALL) && all < 0)
			all = (int)i;
	}
	FUZZ_ASSERT(u >= -1 && u < (int)d->unit_count);
	if (bdf > 0xffff) {
		FUZZ_ASSERT(u == -1);
		return;
	}
	if (any >= 0) {
		FUZZ_ASSERT(u >= 0 && !d->unit[u].segment && unit_names(d, (u32)u, bdf));
		if (exact >= 0) {
			bool u_exact = false;

			for (u32 j = 0; j < d->unit[u].scope_count; j++) {
				const struct dmar_scope *s = &d->scope[d->unit[u].scope_first + j];

				u_exact |= (s->type == 1 || s->type == 2) && s->bdf == bdf;
			}
			FUZZ_ASSERT(u_exact);
		}
	} else {
		FUZZ_ASSERT(u == all);
	}
}

/* The bdf of the first I/O APIC scope with this id, in unit and scope order; -1 if none. */
static int first_ioapic_sid(const struct dmar_info *d, u32 id)
{
	for (u32 i = 0; i < d->unit_count; i++)
		for (u32 j = 0; j < d->unit[i].scope_count; j++) {
			const struct dmar_scope *s = &d->scope[d->unit[i].scope_first + j];

			if (s->type == DMAR_SCOPE_IOAPIC && s->enum_id == id)
				return s->bdf;
		}
	return -1;
}

/* Field by field: the structures have padding. */
static bool same(const struct dmar_info *a, const struct dmar_info *b)
{
	if (a->haw != b->haw || a->flags != b->flags || a->unit_count != b->unit_count ||
	    a->rmrr_count != b->rmrr_count || a->scope_count != b->scope_count ||
	    a->dropped != b->dropped)
		return false;
	for (u32 i = 0; i < a->unit_count; i++) {
		const struct dmar_unit *x = &a->unit[i], *y = &b->unit[i];

		if (x->base != y->base || x->pages != y->pages || x->segment != y->segment ||
		    x->flags != y->flags || x->scope_first != y->scope_first ||
		    x->scope_count != y->scope_count)
			return false;
	}
	for (u32 i = 0; i < a->rmrr_count; i++) {
		const struct dmar_rmrr *x = &a->rmrr[i], *y = &b->rmrr[i];

		if (x->base != y->base || x->limit != y->limit || x->segment != y->segment ||
		    x->scope_first != y->scope_first || x->scope_count != y->scope_count)
			return false;
	}
	for (u32 i = 0; i < a->scope_count; i++) {
		const struct dmar_scope *x = &a->scope[i], *y = &b->scope[i];

		if (x->type != y->type || x->enum_id != y->enum_id || x->bdf != y->bdf ||
		    x->sec_bus != y->sec_bus || x->sub_bus != y->sub_bus)
			return false;
	}
	return true;
}

static void check_info(const struct dmar_info *d)
{
	u32 total = 0;
	bool used[DMAR_MAX_SCOPES] = {false};

	FUZZ_ASSERT(d->unit_count <= DMAR_MAX_UNITS && d->rmrr_count <= DMAR_MAX_RMRRS);
	FUZZ_ASSERT(d->scope_count <= DMAR_MAX_SCOPES);
	FUZZ_ASSERT(!(d->flags & ~7u));
	/* Every kept scope belongs to exactly one kept structure. */
	for (u32 i = 0; i < d->unit_count + d->rmrr_count; i++) {
		u32 first = i < d->unit_count ? d->unit[i].scope_first
					      : d->rmrr[i - d->unit_count].scope_first;
		u32 count = i < d->unit_count ? d->unit[i].scope_count
					      : d->rmrr[i - d->unit_count].scope_count;

		FUZZ_ASSERT(first <= d->scope_count && count <= d->scope_count - first);
		for (u32 j = first; j < first + count; j++) {
			FUZZ_ASSERT(!used[j]);
			used[j] = true;
		}
		total += count;
	}
	FUZZ_ASSERT(total == d->scope_count);
	for (u32 i = 0; i < d->unit_count; i++) {
		const struct dmar_unit *u = &d->unit[i];

		FUZZ_ASSERT(!(u->base & 0xfff) && !(u->flags & ~DMAR_UNIT_INCLUDE_ALL));
		FUZZ_ASSERT(u->pages && u->pages <= 0x8000 && !(u->pages & (u->pages - 1)));
		FUZZ_ASSERT(u->base + (u64)u->pages * 4096 - 1 >= u->base);
	}
	for (u32 i = 0; i < d->rmrr_count; i++)
		FUZZ_ASSERT(d->rmrr[i].limit >= d->rmrr[i].base);
	for (u32 i = 0; i < d->scope_count; i++) {
		const struct dmar_scope *s = &d->scope[i];

		FUZZ_ASSERT(s->type >= 1 && s->type <= 5);
		FUZZ_ASSERT(s->type == 2 || (!s->sec_bus && !s->sub_bus));
	}
	/* The lookups, at each scope's bdf and its neighbours, at bus edges and beyond 16 bits. */
	for (u32 i = 0; i < d->scope_count; i++) {
		const struct dmar_scope *s = &d->scope[i];

		check_unit_for(d, s->bdf);
		check_unit_for(d, (s->bdf + 1) & 0xffff);
		check_unit_for(d, (u32)s->sec_bus << 8);
		check_unit_for(d, (u32)s->sub_bus << 8 | 0xff);
		check_unit_for(d, ((u32)s->sub_bus + 1) << 8 & 0xffff);
		check_unit_for(d, (((u32)s->sec_bus - 1) & 0xff) << 8 | 0xff);
	}
	check_unit_for(d, 0);
	check_unit_for(d, 0xffff);
	check_unit_for(d, 0x10000);
	for (u32 i = 0; i < d->unit_count; i++)
		for (u32 j = 0; j < d->unit[i].scope_count; j++) {
			const struct dmar_scope *s = &d->scope[d->unit[i].scope_first + j];
			u16 sid = 0;

			if (s->type != DMAR_SCOPE_IOAPIC)
				continue;
			FUZZ_ASSERT(dmar_ioapic_sid(d, s->enum_id, &sid));
			FUZZ_ASSERT(sid == first_ioapic_sid(d, s->enum_id));
		}
	for (u32 id = 0; id < 256; id += 51) {
		u16 sid = 0x5a5a;
		bool listed = first_ioapic_sid(d, id) >= 0;

		FUZZ_ASSERT(dmar_ioapic_sid(d, id, &sid) == listed);
		FUZZ_ASSERT(listed ? sid == first_ioapic_sid(d, id) : sid == 0x5a5a);
	}
	FUZZ_ASSERT(!dmar_ioapic_sid(d, 0x100, &(u16){0}));
	for (u32 i = 0; i < d->rmrr_count; i++)
		for (u32 j = 0; j < d->rmrr[i].scope_count; j++) {
			const struct dmar_scope *s = &d->scope[d->rmrr[i].scope_first + j];

			if ((s->type == 1 || s->type == 2) && !d->rmrr[i].segment)
				FUZZ_ASSERT(dmar_rmrr_names(d, i, s->bdf));
			else if (d->rmrr[i].segment)
				FUZZ_ASSERT(!dmar_rmrr_names(d, i, s->bdf));
		}
	FUZZ_ASSERT(!dmar_rmrr_names(d, d->rmrr_count, 0));
}

static struct dmar_info got;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[96];
	u8 *t;
	bool valid;
	int rc;

	if (size > 0xffff)
		return 0;
	fuzz_begin();
	t = malloc(size ? size : 1);
	memcpy(t, data, size);
	for (size_t i = 4; i < 8 && i < size; i++)
		t[i] = (u8)(size >> (8 * (i - 4)));
	in = t;
	in_size = size;
	rc = dmar_parse(t, (u32)size, cfg, &in, &got, why, sizeof(why));
	FUZZ_ASSERT(memchr(why, 0, sizeof(why)));
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "dmar: %s: %u units, %u rmrrs, %u scopes, %u dropped\n",
			rc ? why : "ok", got.unit_count, got.rmrr_count, got.scope_count,
			got.dropped);
	FUZZ_ASSERT(rc == 0 || rc == -1);
	FUZZ_ASSERT(rc ? why[0] != 0 : why[0] == 0);
	check_info(&got);
	valid = predict(t, (u32)size);
	FUZZ_ASSERT(valid == (rc == 0));
	FUZZ_ASSERT(same(&want, &got));
	free(t);
	return 0;
}
