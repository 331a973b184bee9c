/* COM1 multiplexer: see conmux.h. */
#include "core/conmux.h"
#include "core/iommu.h"
#include "arch/x86/arch.h"
#include "core/log.h"
#include "core/partition.h"
#include "core/shell.h"

static volatile u32 boot_cpu_idle; /* set while the boot CPU is about to halt */
static u32 focus;		   /* 0: the shell; n: partition n - 1 */
static bool escape;		   /* the last byte was Ctrl-A */
static u32 typed_dropped;	   /* bytes a partition's full FIFO refused */

void conmux_kick(void)
{
	if (__atomic_exchange_n(&boot_cpu_idle, 0, __ATOMIC_SEQ_CST))
		arch_wake_boot_cpu();
}

static void set_focus(u32 n)
{
	if (n > partition_count()) {
		log_info("console: no partition %u (1-%u; 0 is the shell)\n", n, partition_count());
		return;
	}
	focus = n;
	if (n == 0)
		log_info("console: input to the shell (type help)\n");
	else
		log_info("console: input to partition %s (Ctrl-A 0 for the shell)\n",
			 partition_name(n - 1));
}

static void deliver(u8 c)
{
	if (focus == 0)
		shell_input(c);
	else if (!partition_type(focus - 1, c))
		typed_dropped++;
}

void conmux_input(u8 c)
{
	if (escape) {
		escape = false;
		if (c == CONMUX_ESCAPE)
			deliver(c);
		else if (c >= '0' && c <= '9')
			set_focus((u32)(c - '0'));
		return;
	}
	if (c == CONMUX_ESCAPE)
		escape = true;
	else
		deliver(c);
}

/* Write some of every partition's waiting lines; true if any remain. */
static bool drain(void)
{
	bool more = false;

	for (u32 i = 0; i < partition_count(); i++) {
		if (!partition_output_pending(i))
			continue;
		partition_drain_output(i);
		more |= partition_output_pending(i);
	}
	return more;
}

static bool output_waiting(void)
{
	for (u32 i = 0; i < partition_count(); i++)
		if (partition_output_pending(i))
			return true;
	return false;
}

static void take_input(void)
{
	int c;

	while ((c = arch_console_poll()) >= 0)
		conmux_input((u8)c);
	if (typed_dropped) {
		log_warn("console: %u typed bytes dropped (the partition is not reading them)\n",
			 typed_dropped);
		typed_dropped = 0;
	}
}

void conmux_run(u32 stats_seconds)
{
	bool irq = arch_console_input_irq();
	u64 period = arch_tsc_khz() * 1000 * stats_seconds, next = arch_tsc() + period;

	log_info("console: Ctrl-A then 0 for the shell, 1-%u for a partition; input goes to the "
		 "shell%s\n",
		 partition_count(), irq ? "" : " (COM1 polled: no I/O APIC)");
	for (;;) {
		/* its fault event wakes this CPU too; a full pass may have left records */
		bool faults_left = iommu_poll(NULL) == IOMMU_POLL_MAX;

		take_input();
		if (drain())
			continue;
		if (stats_seconds && arch_tsc() >= next) {
			partitions_report_stats();
			next += period;
		}
		if (!irq || stats_seconds || faults_left) { /* nothing to wake on: poll */
			arch_cpu_relax();
			continue;
		}
		__atomic_store_n(&boot_cpu_idle, 1, __ATOMIC_SEQ_CST);
		if (!output_waiting())
			arch_idle(); /* a kick's IPI or COM1's interrupt ends it */
		__atomic_store_n(&boot_cpu_idle, 0, __ATOMIC_SEQ_CST);
	}
}
