/* Channels between partitions: see channels.h. */
#include "core/channels.h"
#include "arch/x86/arch.h"
#include "core/denied.h"
#include "core/lib/format.h"
#include "core/lib/string.h"
#include "core/log.h"
#include "core/partition.h"
#include "core/spinlock.h"
#include "core/upcalls.h"

/* The doorbell of one side of one channel: how often it may still be rung. */
struct bell {
	struct spinlock lock; /* the ringing partition's CPUs ring at once */
	u64 refilled;	      /* TSC when the tokens were last counted */
	u32 tokens;
	bool started, named;
	u64 dropped;
};

static struct bell bells[PT_MAX_CHANNELS][2]; /* [channel][the side rung] */

static u32 channel_count(void)
{
	u32 n = partition_table.channels.count;

	return n < PT_MAX_CHANNELS ? n : PT_MAX_CHANNELS;
}

static bool names(const struct pt_channel_end *e, const char *partition)
{
	return e->partition && strcmp(e->partition, partition) == 0;
}

bool channel_find(const char *name, u32 index, u32 *channel, u32 *side)
{
	for (u32 c = 0, n = 0; c < channel_count(); c++)
		for (u32 s = 0; s < 2; s++)
			if (names(&partition_table.channels.c[c].end[s], name) && n++ == index) {
				*channel = c;
				*side = s;
				return true;
			}
	return false;
}

const struct pt_region *channel_region(const struct partition_config *c, u32 channel)
{
	u64 phys = partition_table.channels.c[channel].phys;

	for (u32 r = 0; r < c->mem.count && r < PT_MAX_REGIONS; r++)
		if (c->mem.r[r].kind == REGION_SHARED && c->mem.r[r].phys == phys)
			return &c->mem.r[r];
	return NULL;
}

static u32 cpu_of(const struct pt_channel_end *e, const struct partition_config *c)
{
	return e->apic_id ? e->apic_id : c->cpus.apic_id[0];
}

void channels_info(const struct partition_config *c, struct payload_info *info)
{
	u32 channel, side;

	info->channel_count = 0;
	for (u32 i = 0; i < PAYLOAD_MAX_CHANNELS && channel_find(c->name, i, &channel, &side);
	     i++) {
		const struct pt_channel *ch = &partition_table.channels.c[channel];
		const struct pt_region *r = channel_region(c, channel);
		struct payload_channel *pc = &info->channels[i];

		strlcpy(pc->name, ch->name ? ch->name : "", sizeof(pc->name));
		pc->gpa = r ? r->guest : 0;
		pc->size = r ? ch->size : 0;
		pc->access = ch->end[side].access & MEM_RW;
		pc->vector = ch->end[side].vector;
		pc->apic_id = cpu_of(&ch->end[side], c);
		info->channel_count = i + 1;
	}
}

/* Token bucket: CHANNEL_RINGS_PER_MS come back each millisecond, CHANNEL_RING_BURST at most. */
static bool take_token(struct bell *b)
{
	u64 now = arch_tsc(), per_token = arch_tsc_khz() / CHANNEL_RINGS_PER_MS, add;

	if (!b->started) {
		b->started = true;
		b->tokens = CHANNEL_RING_BURST;
		b->refilled = now;
	}
	add = per_token ? (now - b->refilled) / per_token : CHANNEL_RING_BURST;
	if (add) {
		b->tokens = add >= CHANNEL_RING_BURST - b->tokens ? CHANNEL_RING_BURST
								  : b->tokens + (u32)add;
		b->refilled = b->tokens == CHANNEL_RING_BURST ? now : b->refilled + add * per_token;
	}
	if (!b->tokens)
		return false;
	b->tokens--;
	return true;
}

static void refuse(u32 partition, u32 index)
{
	char what[64]; /* "doorbell on channel 4294967295 (not one of its channels)" */

	format(what, sizeof(what), "doorbell on channel %u (not one of its channels)", index);
	partition_refused(partition, DENIED_KEY(DENIED_CHANNEL, index), false, what, "refused");
}

int channel_ring(u32 partition, u32 index)
{
	const char *name = partition_name(partition);
	const struct pt_channel *ch;
	const struct pt_channel_end *peer;
	struct bell *b;
	u32 channel, side;
	int target;
	bool ok;

	if (!channel_find(name, index, &channel, &side)) {
		refuse(partition, index);
		return -1;
	}
	ch = &partition_table.channels.c[channel];
	peer = &ch->end[1 - side];
	target = partition_find(peer->partition);
	if (target < 0)
		return -1;
	b = &bells[channel][1 - side];
	spin_lock(&b->lock);
	ok = take_token(b);
	if (!ok)
		b->dropped++;
	spin_unlock(&b->lock);
	if (!ok) {
		if (!__atomic_exchange_n(&b->named, true, __ATOMIC_RELAXED))
			log_warn("channel %s: %s rings faster than %u a millisecond: doorbells "
				 "dropped (reported once)\n",
				 ch->name, name, CHANNEL_RINGS_PER_MS);
		return -1;
	}
	/* nobody home: a stopped side finds the memory as it is when it starts again */
	if (!partition_running((u32)target))
		return 0;
	if (partition_table.parts.p[target].kind == PART_LINUX)
		partition_channel_rung((u32)target, channel); /* its channel's function, INTA */
	else
		arch_send_vector(cpu_of(peer, &partition_table.parts.p[target]), (u8)peer->vector);
	return 0;
}
