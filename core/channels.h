/*
 * Channels between partitions (docs/channels.md): memory two partitions share, and a doorbell
 * each way. The table says which partitions, how each maps the memory, and which vector a
 * doorbell raises on which CPU of the side that is rung; tools/ptcheck.c checks all of it at
 * build time. A ring is one hypercall: Bulkhead sends that vector to that CPU (an IPI, taken
 * by the guest with no exit), at most CHANNEL_RING_BURST at once and CHANNEL_RINGS_PER_MS a
 * millisecond per side, so a partition ringing in a loop cannot flood the other's CPU.
 */
#ifndef BULKHEAD_CORE_CHANNELS_H
#define BULKHEAD_CORE_CHANNELS_H

#include "bulkhead/payload_abi.h"
#include "bulkhead/ptable.h"
#include "bulkhead/types.h"

#define CHANNEL_RINGS_PER_MS 16u
#define CHANNEL_RING_BURST   16u

/* Partition `name`'s channel number `index` (its own numbering): the table's channel and the
 * partition's side of it; false if it has no such channel. */
bool channel_find(const char *name, u32 index, u32 *channel, u32 *side);
/* The REGION_SHARED region of partition `c` over table channel `channel`'s memory, or NULL. */
const struct pt_region *channel_region(const struct partition_config *c, u32 channel);
/* The channels partition `c` is on, in table order, as its information page lists them. */
void channels_info(const struct partition_config *c, struct payload_info *info);
/* Partition `partition` rings the other side of its channel number `index` (its own
 * numbering, as in its information page). 0, or -1: not one of its channels (named once) or
 * rung too fast (dropped, counted, named once). */
int channel_ring(u32 partition, u32 index);

#endif
