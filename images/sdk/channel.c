/*
 * Bulkhead payload SDK: channels (docs/channels.md). The information page lists the
 * partition's channels; a doorbell is one hypercall, and the other side's arrives as an
 * ordinary interrupt on the vector its end names.
 */
#include "sdk_internal.h"

static struct {
	char name[sizeof(((struct payload_channel *)0)->name) + 1];
} names[PAYLOAD_MAX_CHANNELS];

/* The handler of each vector a channel's doorbell raises here. */
static void (*doorbell_handlers[256])(void);

int sdk_channel_find(const char *name, struct sdk_channel *out)
{
	const struct payload_info *pi = sdk_the_env.info;
	size_t len = strlen(name);

	if (!pi || len >= sizeof(pi->channels[0].name))
		return -1;
	for (uint32_t i = 0; i < pi->channel_count && i < PAYLOAD_MAX_CHANNELS; i++) {
		const struct payload_channel *c = &pi->channels[i];

		if (strncmp(c->name, name, sizeof(c->name)) != 0)
			continue;
		memcpy(names[i].name, c->name, sizeof(c->name));
		names[i].name[sizeof(c->name)] = '\0';
		*out = (struct sdk_channel){
		    .name = names[i].name,
		    .mem = (void *)(uintptr_t)c->gpa,
		    .size = c->size,
		    .writable = (c->access & 2u) != 0,
		    .vector = c->vector,
		    .apic_id = c->apic_id,
		    .index = i,
		};
		return 0;
	}
	return -1;
}

int sdk_channel_ring(const struct sdk_channel *ch)
{
	if (!sdk_the_env.bulkhead)
		return -1;
	return vmcall(HYPERCALL_DOORBELL, ch->index, 0) == 0 ? 0 : -1;
}

static void doorbell_irq(unsigned vector)
{
	void (*h)(void) = __atomic_load_n(&doorbell_handlers[vector & 0xff], __ATOMIC_ACQUIRE);

	if (h)
		h();
}

int sdk_channel_on_doorbell(const struct sdk_channel *ch, void (*handler)(void))
{
	unsigned v = ch->vector;

	if (v < SDK_VECTOR_FIRST || v >= SDK_VECTOR_SPURIOUS)
		return -1;
	__atomic_store_n(&doorbell_handlers[v], handler, __ATOMIC_RELEASE);
	return sdk_irq_register(v, handler ? doorbell_irq : NULL);
}
