/*
 * A fair ticket lock (GCC atomics): each CPU takes the next ticket and waits until the lock
 * serves it, so CPUs get the lock in the order they asked and none can be passed over for
 * ever, as with a test-and-set lock where one CPU may win every race. Zero-initialised means
 * unlocked. Not reentrant; spin_unlock() only by the holder. Each lock's declaration says what
 * it guards.
 */
#ifndef BULKHEAD_CORE_SPINLOCK_H
#define BULKHEAD_CORE_SPINLOCK_H

#include "arch/x86/arch.h"
#include "bulkhead/types.h"

struct spinlock {
	u32 next;	      /* the ticket the next CPU to ask takes */
	volatile u32 serving; /* the ticket that holds the lock */
};

/* The two halves of spin_lock(), for a lock whose holder must be known on a trap (console.c):
 * take a ticket, then wait for its turn. */
static inline u32 spin_take_ticket(struct spinlock *l)
{
	return __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
}

static inline void spin_wait_turn(struct spinlock *l, u32 ticket)
{
	while (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != ticket)
		arch_cpu_relax();
}

/* Has the lock served `ticket` yet (its holder may still hold it)? Tickets wrap: compared as a
 * signed distance. */
static inline bool spin_turn_came(const struct spinlock *l, u32 ticket)
{
	return (s32)(__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) - ticket) >= 0;
}

static inline void spin_lock(struct spinlock *l)
{
	spin_wait_turn(l, spin_take_ticket(l));
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->serving, l->serving + 1, __ATOMIC_RELEASE);
}

#endif
