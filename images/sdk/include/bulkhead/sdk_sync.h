/*
 * Bulkhead payload SDK: a spinlock and atomic operations for a payload that runs on several
 * CPUs. Header-only and freestanding on GCC's __atomic builtins (<bulkhead/sdk.h> includes it;
 * the host unit test tests/unit/test_sdk_sync.c includes it alone and runs it on threads).
 *
 * The lock is a ticket lock: sdk_spin_lock() takes the next ticket and waits, with PAUSE,
 * until the lock serves it, so CPUs get the lock in the order they asked and none waits for
 * ever behind faster ones. sdk_spin_trylock() takes a ticket only if the lock is free at that
 * moment. Zero-initialized (SDK_SPINLOCK_INIT, or static storage) is unlocked. Not
 * reentrant; only the holder unlocks.
 *
 * Memory ordering (the C11 model; on x86 none of it costs a fence instruction beyond the
 * LOCK prefix of the read-modify-writes):
 *   sdk_spin_lock, a successful sdk_spin_trylock   acquire: nothing of the critical section
 *                                                   moves before it;
 *   sdk_spin_unlock                                 release: everything of the critical
 *                                                   section is visible to the next holder;
 *   sdk_atomic_add/sub/or/and/xchg/cmpxchg           sequentially consistent (a full barrier,
 *                                                   as the LOCK-prefixed instruction is);
 *   sdk_atomic_load / sdk_atomic_store               acquire / release.
 * The atomics take a pointer to an integer or pointer type of 1, 2, 4 or 8 bytes, naturally
 * aligned, and work on it whatever its type (they are macros over the builtins).
 *
 * Interrupt handlers: a handler that takes a lock its own CPU may hold outside the handler
 * deadlocks. Hold such a lock with interrupts off: sdk_spin_lock_irqsave() /
 * sdk_spin_unlock_irqrestore() (CPL 0 only: they use CLI and STI).
 */
#ifndef BULKHEAD_SDK_SYNC_H
#define BULKHEAD_SDK_SYNC_H

#include <stdbool.h>
#include <stdint.h>

/* PAUSE: a spin-wait hint (it lets a sibling hyperthread run, and leaves the loop without a
 * memory-order mis-speculation). */
static inline void sdk_cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* ---- atomics ---------------------------------------------------------------------- */

/* *p += v, *p -= v, *p |= v, *p &= v; each returns the new value. */
#define sdk_atomic_add(p, v) __atomic_add_fetch((p), (v), __ATOMIC_SEQ_CST)
#define sdk_atomic_sub(p, v) __atomic_sub_fetch((p), (v), __ATOMIC_SEQ_CST)
#define sdk_atomic_or(p, v)  __atomic_or_fetch((p), (v), __ATOMIC_SEQ_CST)
#define sdk_atomic_and(p, v) __atomic_and_fetch((p), (v), __ATOMIC_SEQ_CST)
/* *p = v; returns the old value. */
#define sdk_atomic_xchg(p, v) __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
/* If *p == *expected, *p = desired and true; else *expected = *p and false (strong: no
 * spurious failure). */
#define sdk_atomic_cmpxchg(p, expected, desired)                                                   \
	__atomic_compare_exchange_n((p), (expected), (desired), false, __ATOMIC_SEQ_CST,           \
				    __ATOMIC_SEQ_CST)
#define sdk_atomic_load(p)     __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define sdk_atomic_store(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

/* ---- the spinlock ----------------------------------------------------------------- */

struct sdk_spinlock {
	uint32_t next;	  /* the ticket the next CPU to ask takes */
	uint32_t serving; /* the ticket that holds the lock */
};
#define SDK_SPINLOCK_INIT                                                                          \
	{                                                                                          \
		0, 0                                                                               \
	}

static inline void sdk_spin_lock(struct sdk_spinlock *l)
{
	uint32_t ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != ticket)
		sdk_cpu_relax();
}

/* Take the lock if nobody holds or waits for it: true (then unlock it as usual), or false at
 * once. */
static inline bool sdk_spin_trylock(struct sdk_spinlock *l)
{
	uint32_t serving = __atomic_load_n(&l->serving, __ATOMIC_ACQUIRE), ticket = serving;

	/* The ticket that would be served next is free only if nobody took it: next == serving. */
	return __atomic_compare_exchange_n(&l->next, &ticket, serving + 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

static inline void sdk_spin_unlock(struct sdk_spinlock *l)
{
	/* Only the holder writes serving: a plain read of it is its own last store. */
	__atomic_store_n(&l->serving, __atomic_load_n(&l->serving, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELEASE);
}

/* The lock with this CPU's interrupts off meanwhile; returns RFLAGS to give back. */
static inline uint64_t sdk_spin_lock_irqsave(struct sdk_spinlock *l)
{
	uint64_t flags;

	__asm__ volatile("pushfq; pop %0; cli" : "=r"(flags)::"memory");
	sdk_spin_lock(l);
	return flags;
}

static inline void sdk_spin_unlock_irqrestore(struct sdk_spinlock *l, uint64_t flags)
{
	sdk_spin_unlock(l);
	if (flags & (1u << 9)) /* RFLAGS.IF */
		__asm__ volatile("sti" ::: "memory");
}

#endif
