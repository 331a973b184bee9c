/*
 * Bulkhead payload SDK: a single-producer, single-consumer ring of fixed-size records in a
 * channel's memory (docs/channels.md). Header-only and freestanding (<bulkhead/sdk.h>
 * includes it; the host unit test tests/unit/test_ring.c includes it alone).
 *
 * The memory starts with struct sdk_ring: the geometry on one cache line, the producer's
 * `head` (records ever pushed) on the next, the consumer's `tail` (records ever popped) on
 * the one after, so neither side's stores invalidate the line the other writes. Records
 * follow, `capacity` (a power of two) of `record_size` bytes (a multiple of 8), record n in
 * slot n mod capacity.
 *
 * Two kinds of ring, chosen by the producer:
 *   0                    the consumer may write the memory (its channel end is MEM_RW) and
 *                        publishes `tail`: push returns false when the ring is full, and no
 *                        record is ever lost.
 *   SDK_RING_OVERWRITE   the consumer only reads (MEM_R): nobody tells the producer what was
 *                        read, so push never fails and overwrites the oldest record; pop
 *                        skips what was overwritten before it could be read (reader->lost).
 *                        Of its capacity, the newest capacity - 1 records can be read: the
 *                        oldest one's slot is the one the next push writes.
 *
 * Ordering (C11 model, which on x86 costs no fence instruction): push writes the record,
 * then stores head + 1 with release; pop loads head with acquire, so the record it then reads
 * is complete. Overwrite rings also need the reverse: the producer issues a release fence
 * before writing a slot, and the consumer, after copying one, an acquire fence and reloads
 * head: if the producer had started the record that replaces it, head shows it, and the copy
 * is dropped. Record words are read and written as relaxed atomics, so a copy racing with an
 * overwrite is not a data race. Either side keeps its own copy of the geometry: a record's
 * contents are all it takes from the other side, never a size or an index it would follow.
 *
 * A record carries what its user puts in it; a sequence number in each lets the consumer
 * see gaps of either kind (a full ring that refused a push, an overwrite before a pop), as
 * the chan demo (images/demos/chan.c) does.
 */
#ifndef BULKHEAD_SDK_RING_H
#define BULKHEAD_SDK_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SDK_RING_MAGIC	   0x474e4952u /* "RING": set last by sdk_ring_writer_init */
#define SDK_RING_OVERWRITE 0x1u	       /* flags: the consumer only reads, see above */
#define SDK_RING_LINE	   64u	       /* a cache line */

struct sdk_ring {
	uint32_t magic, flags;
	uint32_t record_size, capacity;
	uint8_t pad0[SDK_RING_LINE - 16];
	uint64_t head; /* the producer's: records pushed */
	uint8_t pad1[SDK_RING_LINE - 8];
	uint64_t tail; /* the consumer's: records popped (rings without SDK_RING_OVERWRITE) */
	uint8_t pad2[SDK_RING_LINE - 8];
	uint64_t records[]; /* capacity * record_size bytes */
};
_Static_assert(offsetof(struct sdk_ring, head) == SDK_RING_LINE, "head on its own line");
_Static_assert(offsetof(struct sdk_ring, tail) == 2 * SDK_RING_LINE, "tail on its own line");
_Static_assert(sizeof(struct sdk_ring) == 3 * SDK_RING_LINE, "records on a line boundary");

/* Each side's own state: the geometry as it read or wrote it once, and its index. */
struct sdk_ring_writer {
	struct sdk_ring *ring;
	uint64_t head;
	uint32_t words, mask; /* record size in 8-byte words; capacity - 1 */
	bool overwrite;
};

struct sdk_ring_reader {
	struct sdk_ring *ring;
	uint64_t tail;
	uint64_t lost; /* records overwritten before they were popped (overwrite rings) */
	uint32_t words, mask;
	bool overwrite;
};

/* The largest power-of-two capacity of records of record_size bytes that fits in `bytes`
 * of memory with the header; 0 if not even one does. */
static inline uint32_t sdk_ring_capacity_for(size_t bytes, uint32_t record_size)
{
	uint64_t n, cap = 1;

	if (record_size == 0 || bytes <= sizeof(struct sdk_ring))
		return 0;
	n = (bytes - sizeof(struct sdk_ring)) / record_size;
	if (n == 0)
		return 0;
	while (cap * 2 <= n && cap < (1u << 31))
		cap *= 2;
	return (uint32_t)cap;
}

/*
 * The producer makes `mem` (bytes long, 8-byte aligned) an empty ring of records of
 * record_size bytes (a multiple of 8), as many as fit (a power of two), with `flags`
 * (0 or SDK_RING_OVERWRITE). Returns the capacity, or 0 if the arguments do not make a ring.
 * A reader that had attached before must attach again.
 */
static inline uint32_t sdk_ring_writer_init(struct sdk_ring_writer *w, void *mem, size_t bytes,
					    uint32_t record_size, uint32_t flags)
{
	struct sdk_ring *r = (struct sdk_ring *)mem;
	uint32_t cap = sdk_ring_capacity_for(bytes, record_size);

	if (!cap || record_size % 8 || ((uintptr_t)mem & 7) || (flags & ~SDK_RING_OVERWRITE))
		return 0;
	__atomic_store_n(&r->magic, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	r->flags = flags;
	r->record_size = record_size;
	r->capacity = cap;
	__atomic_store_n(&r->head, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&r->tail, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&r->magic, SDK_RING_MAGIC, __ATOMIC_RELEASE);
	*w = (struct sdk_ring_writer){
	    .ring = r,
	    .words = record_size / 8,
	    .mask = cap - 1,
	    .overwrite = flags & SDK_RING_OVERWRITE,
	};
	return cap;
}

/* Append one record (record_size bytes at rec). False, with nothing written, when the ring
 * is full (never for SDK_RING_OVERWRITE rings: the oldest record goes). */
static inline bool sdk_ring_push(struct sdk_ring_writer *w, const void *rec)
{
	struct sdk_ring *r = w->ring;
	uint64_t h = w->head, *slot = &r->records[(size_t)(h & w->mask) * w->words];
	const uint64_t *src = (const uint64_t *)rec;

	if (!w->overwrite) {
		/* acquire: the consumer has finished reading the slot it gave back */
		uint64_t t = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);

		if (h - t > w->mask) /* full (or a tail that makes no sense: full too) */
			return false;
	} else {
		/* A reader that copies this slot's new words also sees head at h, at least. */
		__atomic_thread_fence(__ATOMIC_RELEASE);
	}
	for (uint32_t i = 0; i < w->words; i++)
		__atomic_store_n(&slot[i], src[i], __ATOMIC_RELAXED);
	w->head = h + 1;
	__atomic_store_n(&r->head, h + 1, __ATOMIC_RELEASE);
	return true;
}

/*
 * The consumer attaches to the ring at `mem` (bytes long) whose records it takes into buffers
 * of `record_size` bytes: 0, or -1 if the producer has not made it yet (try again later), -2
 * if its geometry does not fit in `bytes` or is no ring's, -3 if it wants the consumer to
 * publish its tail and `may_write` (the consumer's end is MEM_RW) is false, -4 if its records
 * are not `record_size` bytes (the producer says how long a record is: believed, a larger one
 * would be copied past the consumer's buffer). Popping starts at the oldest record still there.
 */
static inline int sdk_ring_reader_init(struct sdk_ring_reader *rd, void *mem, size_t bytes,
				       uint32_t record_size, bool may_write)
{
	struct sdk_ring *r = (struct sdk_ring *)mem;
	uint32_t flags, size, cap;
	uint64_t h;

	if (bytes < sizeof(*r) || ((uintptr_t)mem & 7) ||
	    __atomic_load_n(&r->magic, __ATOMIC_ACQUIRE) != SDK_RING_MAGIC)
		return -1;
	flags = r->flags;
	size = r->record_size;
	cap = r->capacity;
	if (!size || size % 8 || !cap || (cap & (cap - 1)) || (flags & ~SDK_RING_OVERWRITE) ||
	    (uint64_t)cap * size > bytes - sizeof(*r))
		return -2;
	if (!(flags & SDK_RING_OVERWRITE) && !may_write)
		return -3;
	if (size != record_size)
		return -4;
	h = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	*rd = (struct sdk_ring_reader){
	    .ring = r,
	    .tail = (flags & SDK_RING_OVERWRITE) ? (h >= cap ? h - cap + 1 : 0)
						 : __atomic_load_n(&r->tail, __ATOMIC_RELAXED),
	    .words = size / 8,
	    .mask = cap - 1,
	    .overwrite = flags & SDK_RING_OVERWRITE,
	};
	return 0;
}

/* Take the oldest record into rec (the record_size bytes the reader was made for). False when
 * the ring is empty. */
static inline bool sdk_ring_pop(struct sdk_ring_reader *rd, void *rec)
{
	struct sdk_ring *r = rd->ring;
	uint64_t *dst = (uint64_t *)rec;
	/* The records that can be read: in an overwrite ring the slot of record head - capacity
	 * may be being rewritten already (with record head), so one fewer than the capacity. */
	uint64_t window = rd->overwrite ? rd->mask : (uint64_t)rd->mask + 1;

	for (;;) {
		uint64_t h = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE), t = rd->tail;
		const uint64_t *slot;

		if (h == t)
			return false;
		if (h - t > window) {
			/* Lapped (overwrite ring), or a head behind us (the producer began again,
			 * or lies): start at the oldest record still there. */
			uint64_t oldest = h > window ? h - window : 0;

			if (h > t)
				rd->lost += oldest - t;
			t = oldest;
		}
		slot = &r->records[(size_t)(t & rd->mask) * rd->words];
		for (uint32_t i = 0; i < rd->words; i++)
			dst[i] = __atomic_load_n(&slot[i], __ATOMIC_RELAXED);
		rd->tail = t + 1;
		if (rd->overwrite) {
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			/* record t + capacity goes into this slot once head reaches it */
			if (__atomic_load_n(&r->head, __ATOMIC_RELAXED) - t > rd->mask) {
				rd->lost++;
				continue;
			}
		} else {
			__atomic_store_n(&r->tail, t + 1, __ATOMIC_RELEASE);
		}
		return true;
	}
}

/* Records pushed and not yet popped that a pop can still get: at most the capacity (an
 * overwrite ring: one fewer, the slot the producer writes next being the oldest's). */
static inline uint64_t sdk_ring_pending(const struct sdk_ring_reader *rd)
{
	uint64_t n = __atomic_load_n(&rd->ring->head, __ATOMIC_ACQUIRE) - rd->tail;
	uint64_t window = rd->overwrite ? rd->mask : (uint64_t)rd->mask + 1;

	return n > window ? window : n;
}

#endif
