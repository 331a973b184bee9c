/* Serialises console output between CPUs: a line is written whole under a lock, so lines from
 * different CPUs never interleave, and CPUs waiting for COM1 get it in turn (spinlock.h). */
#include "core/console.h"
#include "core/log.h"
#include "arch/x86/arch.h"
#include "core/spinlock.h"

#define NO_OWNER 0xffffffffu

/* Guards COM1's transmitter: one line at a time, written whole. */
static struct spinlock console_lock;
/* The CPU holding console_lock, for console_break_lock(); NO_OWNER when free. */
static volatile u32 owner = NO_OWNER;

static void lock(void)
{
	spin_lock(&console_lock);
	owner = arch_this_cpu();
}

static void unlock(void)
{
	owner = NO_OWNER;
	spin_unlock(&console_lock);
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
