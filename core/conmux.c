/* The console multiplexer: see conmux.h. */
#include "core/conmux.h"
#include "core/iommu.h"
#include "arch/x86/arch.h"
#include "core/conopts.h"
#include "core/console.h"
#include "core/lib/format.h"
#include "core/lib/string.h"
#include "core/log.h"
#include "core/mb2.h"
#include "core/partition.h"
#include "core/shell.h"

static volatile u32 boot_cpu_idle; /* set while the boot CPU is about to halt */
static volatile u32 focus;	   /* 0: the shell; n: partition n - 1 (read by any CPU) */
static volatile bool focus_only;   /* only the focused partition's lines are shown */
static u8 escape_key = ESCAPE_DEFAULT;
static char escape_name[8] = "Ctrl-A";
static bool escape;		 /* the last byte was the escape key */
static u32 typed_dropped;	 /* bytes a partition's full FIFO refused */
static struct console_port port; /* the console */

/* What one partition's share of a drain() round can take of the console's FIFO at most: its
 * share (DRAIN_SHARE_BYTES, 256, core/partition_requests.c) and the line that crosses it
 * (GUEST_LINE, 200 bytes, with its name and a few CRs' names again). */
#define CONMUX_SHARE_ROOM 1024
/* Partitions' lines may fill the FIFO up to half: the other half stays for Bulkhead's own, so a
 * CPU reporting a fault does not wait for COM1 however much the partitions print. */
#define CONMUX_PARTS_ROOM (CONSOLE_FIFO_BYTES / 2)

#define STAYS_ON "the console is com1 (0x3f8) at 115200 baud"

u32 conmux_parts_room(void)
{
	u32 pending = console_pending();

	return pending < CONMUX_PARTS_ROOM ? CONMUX_PARTS_ROOM - pending : 0;
}

/* console=: the UART is programmed and the console opened here, before the first line. */
static void open_console(const char *cmdline)
{
	char val[32], why[160];
	bool given = mb2_cmdline_arg(cmdline, "console", val, sizeof(val)) != NULL;
	bool bad = given && console_opt_parse(val, &port, why, sizeof(why));
	bool absent = false;

	if (!given || bad)
		port = console_com1;
	if (!arch_console_init(port.port, port.baud, port.irq) && port.port != console_com1.port) {
		absent = true;
		port = console_com1;
		arch_console_init(port.port, port.baud, port.irq);
	}
	console_begin();
	if (bad)
		log_warn("bulkhead: console=%s: %s; " STAYS_ON "\n", val, why);
	else if (absent)
		log_warn("bulkhead: console=%s: no UART answers there; " STAYS_ON "\n", val);
	else if (given)
		log_info("bulkhead: console %s (port 0x%x, %u baud, %s)\n", port.name, port.port,
			 port.baud, port.irq == CONSOLE_NO_IRQ ? "input polled" : "input by irq");
}

void conmux_setup(const char *cmdline)
{
	char val[16], why[160];

	open_console(cmdline);
	if (mb2_cmdline_arg(cmdline, "escape", val, sizeof(val))) {
		if (escape_opt_parse(val, &escape_key, why, sizeof(why)))
			log_warn("bulkhead: escape=%s: %s; the escape key stays Ctrl-A\n", val,
				 why);
		escape_key_name(escape_key, escape_name, sizeof(escape_name));
	}
	if (mb2_cmdline_arg(cmdline, "focus-only", val, sizeof(val))) {
		bool on = false;

		if (focus_only_opt_parse(val, &on, why, sizeof(why)))
			log_warn("bulkhead: focus-only=%s: %s; off\n", val, why);
		focus_only = on;
	}
}

const struct console_port *conmux_port(void)
{
	return &port;
}

const char *conmux_escape_name(void)
{
	return escape_name;
}

void conmux_kick(void)
{
	if (__atomic_exchange_n(&boot_cpu_idle, 0, __ATOMIC_SEQ_CST))
		arch_wake_boot_cpu();
}

bool conmux_focused(u32 i)
{
	return __atomic_load_n(&focus, __ATOMIC_RELAXED) == i + 1;
}

bool conmux_live(u32 i)
{
	return !__atomic_load_n(&focus_only, __ATOMIC_RELAXED) || conmux_focused(i);
}

void conmux_set_focus_only(bool on)
{
	__atomic_store_n(&focus_only, on, __ATOMIC_RELAXED);
}

bool conmux_focus_only(void)
{
	return focus_only;
}

static void set_focus(u32 n)
{
	u32 was = focus;

	if (n > partition_count()) {
		log_info("console: no partition %u (1-%u; 0 is the shell)\n", n, partition_count());
		return;
	}
	if (was != n)
		console_focus_moved();
	shell_cancel_pending(); /* a reboot asked before the keyboard went elsewhere */
	__atomic_store_n(&focus, n, __ATOMIC_RELAXED);
	if (n == 0)
		log_info("console: input to the shell (type help)\n");
	else
		log_info("console: input to partition %s (%s 0 for the shell)\n",
			 partition_name(n - 1), escape_name);
}

static void deliver(u8 c)
{
	u32 f = focus;

	if (f == 0)
		shell_input(c);
	else if (!partition_type(f - 1, c))
		typed_dropped++;
}

void conmux_input(u8 c)
{
	if (escape) {
		escape = false;
		if (c == escape_key)
			deliver(c);
		else if (c >= '0' && c <= '9')
			set_focus((u32)(c - '0'));
		return;
	}
	if (c == escape_key)
		escape = true;
	else
		deliver(c);
}

/* Write some of every partition's waiting lines, and the focused one's line so far once it
 * has been quiet; true if any remain. A round starts only when the console's FIFO has room for
 * all of it (CONMUX_PARTS_ROOM): the rounds go out of the FIFO in the order they went in, so
 * each partition's share of COM1's bytes is what it was when every line was written out at
 * once; lines go in as they come, in the order the partitions printed them. */
static bool drain(void)
{
	bool more = false;
	u32 f = focus;

	if (conmux_parts_room() < partition_count() * CONMUX_SHARE_ROOM)
		return true; /* the FIFO's bytes remain: the loop pushes them */
	for (u32 i = 0; i < partition_count(); i++) {
		if (!partition_output_pending(i))
			continue;
		partition_drain_output(i);
		more |= partition_output_pending(i);
	}
	if (f && f <= partition_count())
		more |= partition_show_partial(f - 1, CONMUX_PARTIAL_IDLE_MS);
	return more;
}

/* The FIFO counts: with bytes the UART has not taken, the loop must come round to push them. */
static bool output_waiting(void)
{
	u32 f = focus;

	if (console_pending())
		return true;
	for (u32 i = 0; i < partition_count(); i++)
		if (partition_output_pending(i))
			return true;
	return f && f <= partition_count() && partition_partial_pending(f - 1);
}

/* Dropped typed bytes are reported at most once a second: a focused partition that asks the
 * terminal question after question (ESC[6n) and reads no answer cannot flood the console
 * with Bulkhead's lines. */
static void take_input(void)
{
	static u64 reported;
	int c;

	while ((c = arch_console_poll()) >= 0)
		conmux_input((u8)c);
	if (typed_dropped && (!reported || arch_tsc() - reported >= arch_tsc_khz() * 1000)) {
		log_warn("console: %u typed bytes dropped (the partition is not reading them)\n",
			 typed_dropped);
		typed_dropped = 0;
		reported = arch_tsc();
	}
}

#ifdef HOST_TEST
bool conmux_test_drain(void)
{
	return drain();
}
#endif

void conmux_run(u32 stats_seconds)
{
	bool irq = arch_console_input_irq();
	u64 period = arch_tsc_khz() * 1000 * stats_seconds, next = arch_tsc() + period;

	char polled[64] = "";

	if (!irq)
		format(polled, sizeof(polled), " (%s polled: %s)", port.name,
		       port.irq == CONSOLE_NO_IRQ ? "no known interrupt line" : "no I/O APIC");
	log_info("console: %s then 0 for the shell, 1-%u for a partition; input goes to the "
		 "shell%s\n",
		 escape_name, partition_count(), polled);
	if (focus_only)
		log_info("console: focus-only: only the focused partition's lines are shown; "
			 "log <p> shows the others'\n");
	for (;;) {
		/* its fault event wakes this CPU too; a full pass may have left records */
		bool faults_left = iommu_poll(NULL) == IOMMU_POLL_MAX;

		take_input();
		console_push();
		partitions_report_timeline(); /* before the first line it reports is drained */
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
			arch_idle(); /* a kick's IPI or the console's interrupt ends it */
		__atomic_store_n(&boot_cpu_idle, 0, __ATOMIC_SEQ_CST);
	}
}
