/* Serialises console output between CPUs: a line is written whole under a spinlock, so
 * lines from different CPUs never interleave. */
#include "core/console.h"
#include "core/log.h"
#include "arch/x86/arch.h"

#define NO_OWNER 0xffffffffu

static volatile u32 owner = NO_OWNER;

static void lock(void)
{
	u32 me = arch_this_cpu();
	u32 expected;

	for (;;) {
		expected = NO_OWNER;
		if (__atomic_compare_exchange_n(&owner, &expected, me, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return;
		arch_cpu_relax();
	}
}

static void unlock(void)
{
	__atomic_store_n(&owner, NO_OWNER, __ATOMIC_RELEASE);
}

void console_write(const char *s, size_t len)
{
	lock();
	arch_console_write(s, len);
	unlock();
}

void console_break_lock(void)
{
	if (__atomic_load_n(&owner, __ATOMIC_RELAXED) == arch_this_cpu())
		unlock();
}
