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

static inline void spin_lock(struct spinlock *l)
{
	u32 ticket = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->serving, __ATOMIC_ACQUIRE) != ticket)
		arch_cpu_relax();
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->serving, l->serving + 1, __ATOMIC_RELEASE);
}

#endif
