#include "core/guestmem.h"

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
