#include "core/guestmem.h"
#include "core/lib/format.h"

const struct pt_region *guest_ram_holding(const struct partition_config *c, u64 gpa, u64 len)
{
	for (u32 i = 0; i < c->mem.count; i++) {
		const struct pt_region *r = &c->mem.r[i];

		if (r->kind == REGION_RAM && r->guest <= gpa && len <= r->size &&
		    gpa - r->guest <= r->size - len)
			return r;
	}
	return NULL;
}

const struct pt_region *guest_first_ram(const struct partition_config *c)
{
	for (u32 i = 0; i < c->mem.count; i++)
		if (c->mem.r[i].kind == REGION_RAM)
			return &c->mem.r[i];
	return NULL;
}

u8 *guest_host_ptr(const struct partition_config *c, u64 gpa, u64 len)
{
	const struct pt_region *r = guest_ram_holding(c, gpa, len);

	return r ? (u8 *)(uintptr_t)(r->phys + (gpa - r->guest)) : NULL;
}

static const char *kind_name(u32 kind)
{
	return kind == REGION_RAM ? "RAM" : kind == REGION_SHARED ? "SHARED" : "MMIO";
}

/* " mem[k] (KIND guest a-b)" appended at why + len; the new length. */
static size_t put_region(char *why, size_t size, size_t len, const struct pt_region *r, u32 k)
{
	if (len >= size)
		return len;
	return len + (size_t)format(why + len, size - len, "mem[%u] (%s guest 0x%llx-0x%llx)", k,
				    kind_name(r->kind), (unsigned long long)r->guest,
				    (unsigned long long)(r->guest + r->size));
}

bool guest_ram_why_not(const struct partition_config *c, u64 gpa, u64 len, char *why, size_t size)
{
	u64 end = gpa + len;
	u32 met[PT_MAX_REGIONS], n = 0, ram = 0;
	size_t at = 0;

	if (guest_ram_holding(c, gpa, len))
		return false;
	if (!size)
		return true;
	if (len == 0 || end < gpa) {
		format(why, size, "wraps past the top of the address space");
		return true;
	}
	for (u32 i = 0; i < c->mem.count && i < PT_MAX_REGIONS; i++) {
		const struct pt_region *r = &c->mem.r[i];

		if (gpa < r->guest + r->size && r->guest < end)
			met[n++] = i;
		ram += r->kind == REGION_RAM;
	}
	if (n == 1 && c->mem.r[met[0]].kind == REGION_RAM) {
		const struct pt_region *r = &c->mem.r[met[0]];

		at = (size_t)format(why, size, "%s ",
				    gpa < r->guest ? "starts below" : "runs past the end of");
		put_region(why, size, at, r, met[0]);
	} else if (n == 1) {
		at = (size_t)format(why, size, "is in ");
		at = put_region(why, size, at, &c->mem.r[met[0]], met[0]);
		if (at < size)
			format(why + at, size - at, ", not RAM");
	} else if (n > 1) {
		at = (size_t)format(why, size, "spans ");
		for (u32 i = 0; i < n && at < size; i++) {
			if (i)
				at +=
				    (size_t)format(why + at, size - at, i + 1 < n ? ", " : " and ");
			at = put_region(why, size, at, &c->mem.r[met[i]], met[i]);
		}
		if (at < size)
			format(why + at, size - at, "; it must lie in one RAM region");
	} else {
		at = (size_t)format(why, size, "is in no region of the partition; %s",
				    ram ? "its RAM is " : "it has no RAM");
		for (u32 i = 0, k = 0; i < c->mem.count && i < PT_MAX_REGIONS && at < size; i++) {
			if (c->mem.r[i].kind != REGION_RAM)
				continue;
			if (k++)
				at += (size_t)format(why + at, size - at, ", ");
			at = put_region(why, size, at, &c->mem.r[i], i);
		}
	}
	return true;
}
