/* Serialises console output between CPUs: a line is written whole under a lock, so lines from
 * different CPUs never interleave, and CPUs waiting for COM1 get it in turn (spinlock.h). */
#include "core/console.h"
#include "arch/x86/arch.h"
#include "core/config.h"
#include "core/log.h"
#include "core/spinlock.h"

/* Guards COM1's transmitter: one line at a time, written whole. */
static struct spinlock console_lock;
/* Per CPU: 1 + the ticket it waits for console_lock with or holds it by, 0 otherwise. A trap
 * (console_trap_release) reads it to give up the lock, or its place in the queue, for good. */
static volatile u32 queued[MAX_CPUS];

#ifndef HOST_TEST
static inline void console_test_waiting(void)
{
}
#endif

void console_write(const char *s, size_t len)
{
	u32 me = arch_this_cpu() % MAX_CPUS;
	u32 ticket = spin_take_ticket(&console_lock);

	queued[me] = ticket + 1;
	console_test_waiting();
	spin_wait_turn(&console_lock, ticket);
	arch_console_write(s, len);
	spin_unlock(&console_lock);
	queued[me] = 0;
}

/*
 * A trap on this CPU: it will write its report and halt, never coming back to where it was.
 * If it held console_lock or waited for it (queued), the lock would wait for it for ever, with
 * every CPU's output behind it; so it waits for its turn (the CPUs ahead of it finish their
 * lines) and gives the lock up. Left is the one-instruction window in console_write between
 * taking a ticket and recording it, which only an asynchronous machine check could hit.
 */
void console_trap_release(void)
{
	u32 me = arch_this_cpu() % MAX_CPUS;
	u32 q = queued[me];

	if (!q)
		return;
	while (!spin_turn_came(&console_lock, q - 1))
		arch_cpu_relax();
	if (__atomic_load_n(&console_lock.serving, __ATOMIC_ACQUIRE) == q - 1)
		spin_unlock(&console_lock);
	queued[me] = 0;
}
