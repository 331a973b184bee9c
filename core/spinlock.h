/* A test-and-set spinlock for the few boot-time structures CPUs share (GCC atomics). */
#ifndef BULKHEAD_CORE_SPINLOCK_H
#define BULKHEAD_CORE_SPINLOCK_H

#include "bulkhead/types.h"

struct spinlock {
	volatile u32 held;
};

void arch_cpu_relax(void);

static inline void spin_lock(struct spinlock *l)
{
	while (__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
}

#endif
