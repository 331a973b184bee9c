/* What a running partition asks of Bulkhead: hypercalls, ports it was not granted (its
 * emulated COM1), lines of output for COM1, and the exit statistics reported about it. Called on
 * the partition's own CPUs (exits), and on the boot CPU for its console. */
#include "core/partition.h"
#include "core/partition_state.h"
#include "arch/x86/arch.h"
#include "core/channels.h"
#include "core/conmux.h"
#include "core/console.h"
#include "core/denied.h"
#include "core/devices.h"
#include "core/lib/ioapic_regs.h"
#include "core/lib/pci_regs.h"
#include "core/guesttext.h"
#include "core/lib/format.h"
#include "core/lib/string.h"
#include "core/lineq.h"
#include "core/msi_check.h"
#include "core/log.h"
#include "core/spinlock.h"
#include "core/textring.h"
#include "core/timeline.h"
#include "core/upcalls.h"
#include "core/vuart.h"

/* One line of the partition's output: queued for the boot CPU, which writes it to COM1
 * prefixed with the partition's name. The partition's CPU goes back to its guest at once.
 * The record's first byte is 1 + how many of its bytes were shown before its end. */
static void print_line(void *ctx, const char *text, u32 shown)
{
	struct partition *p = ctx;
	char record[GUEST_LINE + 2];

	if (p->state != PART_RUNNING)
		return;
	record[0] = (char)(shown + 1);
	strlcpy(record + 1, text, sizeof(record) - 1);
	timeline_line(&p->times, arch_tsc());
	lineq_put(&p->out, record); /* a full queue counts the drop */
	conmux_kick();
}

/* The print hypercall's text: at most GUEST_LINE bytes of the partition's RAM at `gpa`, one
 * line (payload_abi.h), filtered as its UART's lines are (guesttext.h). Line ends at the very
 * end are dropped; one inside the text becomes a space, so that a print can neither start a
 * line that looks like another partition's or Bulkhead's nor turn into many lines. */
static bool print_text(struct partition *p, u64 gpa, u64 len)
{
	char text[GUEST_LINE];
	struct guest_line line = {0};

	if (len > sizeof(text))
		len = sizeof(text);
	if (!arch_vm_read(&p->vm, gpa, text, len))
		return false;
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	for (u64 i = 0; i < len; i++)
		guest_line_put(&line, text[i] == '\n' ? ' ' : (u8)text[i], print_line, p);
	guest_line_flush(&line, print_line, p);
	return true;
}

u64 partition_hypercall(u32 partition, u32 cpu, u64 nr, u64 a1, u64 a2)
{
	struct partition *p = &parts[partition];

	if (nr == HYPERCALL_EXIT)
		partition_exited(p, cpu, a1);
	if (nr == HYPERCALL_DOORBELL)
		return channel_ring(partition, (u32)a1) ? ~0ULL : 0;
	if (nr != HYPERCALL_PRINT)
		return ~0ULL;
	return print_text(p, a1, a2) ? 0 : ~0ULL;
}

u32 partition_port_io(u32 partition, u32 port, u32 size, bool in, u32 value)
{
	struct partition *p = &parts[partition];
	u32 result;

	if (port >= VUART_BASE && port < VUART_BASE + VUART_PORTS && size == 1) {
		spin_lock(&p->uart_lock);
		if (in) {
			result = vuart_read(&p->uart, port - VUART_BASE);
		} else {
			vuart_write(&p->uart, port - VUART_BASE, (u8)value, print_line, p);
			p->uart_tsc = arch_tsc();
		}
		spin_unlock(&p->uart_lock);
		/* the focused partition's line shows before its end, once it is quiet */
		if (!in && conmux_focused(partition) && guest_line_unshown(&p->uart.line))
			conmux_kick();
		return in ? result : 0;
	}
	if (port >= PCI_CONFIG_ADDRESS && port < PCI_CONFIG_ADDRESS + PCI_CONFIG_PORTS &&
	    port != PCI_RESET_CONTROL && devices_pci(p)) {
		result = ~0u;
		spin_lock(&p->dev_lock);
		if (p->state == PART_RUNNING && in)
			result = vpci_port_read(&p->vpci, port, size);
		else if (p->state == PART_RUNNING)
			vpci_port_write(&p->vpci, port, size, value);
		spin_unlock(&p->dev_lock);
		return in ? result : 0;
	}
	denied_port(partition, port, in);
	return ~0u;
}

static bool is_ioapic_page(const struct partition *p, u64 gpa)
{
	return (gpa & ~(u64)(IOAPIC_PAGE - 1)) == GUEST_IOAPIC_GPA && devices_ioapic(p);
}

/* What is emulated: the page of its I/O APIC when it owns an interrupt, the pages of its
 * functions' MSI-X tables, its MMCONFIG window, its channels' registers. */
bool partition_mmio_claims(u32 partition, u64 gpa)
{
	const struct partition *p = &parts[partition];

	return is_ioapic_page(p, gpa) || vchan_mmio_claims(&p->vchan, gpa) ||
	       (devices_pci(p) && vpci_mmio_claims(&p->vpci, gpa));
}

static u64 emulate_mmio(struct partition *p, u64 gpa, u32 size, bool write, u64 value)
{
	u32 offset = (u32)(gpa & (IOAPIC_PAGE - 1));

	if (is_ioapic_page(p, gpa) && write) {
		vioapic_write(&p->vioapic, offset, size, (u32)value);
		vchan_update(&p->vchan); /* an entry of a channel's pin may have changed */
	} else if (is_ioapic_page(p, gpa))
		return vioapic_read(&p->vioapic, offset, size);
	else if (vchan_mmio_claims(&p->vchan, gpa) && write)
		vchan_mmio_write(&p->vchan, gpa, size, value);
	else if (vchan_mmio_claims(&p->vchan, gpa))
		return vchan_mmio_read(&p->vchan, gpa, size);
	else if (write)
		vpci_mmio_write(&p->vpci, gpa, size, value);
	else
		return vpci_mmio_read(&p->vpci, gpa, size);
	return 0;
}

/* Dropped once the partition is stopping: its devices are being, or have been, silenced. */
u64 partition_mmio(u32 partition, u64 gpa, u32 size, bool write, u64 value)
{
	struct partition *p = &parts[partition];
	u64 result = 0;

	spin_lock(&p->dev_lock);
	if (p->state == PART_RUNNING)
		result = emulate_mmio(p, gpa, size, write, value);
	spin_unlock(&p->dev_lock);
	return result;
}

#define DRAIN_SHARE_BYTES 256 /* per partition per round of the boot CPU's console loop */

/* Write the partition's queued lines to COM1 until `max_bytes` are out (the line that crosses
 * it included), and say if any were dropped: when its queue has emptied, or once a second
 * while it stays full (so that the reports do not take the line from the partitions). Every
 * line also goes to its buffer for `log <p>`; with focus-only and another partition focused,
 * only there. Under print_lock: a line is never written after the partition's stop report. */

/* What a line costs COM1 as the console writes it: "<name>: ", its text, and the name again
 * after each CR it carries (guesttext.c re-prefixes them), so that a focused partition's CRs
 * do not stretch its share of the line over its neighbours'. */
static u32 rendered_bytes(const char *name, const char *line, u32 len)
{
	u32 crs = 0, prefix = (u32)strlen(name) + 2;

	for (u32 k = 0; k < len; k++)
		crs += line[k] == '\r';
	return prefix * (1 + crs) + len + 1;
}

void partition_drain_locked(struct partition *p, u32 max_bytes)
{
	char record[GUEST_LINE + 2];
	u32 i = (u32)(p - parts), dropped, written = 0;

	while (written < max_bytes && p->state == PART_RUNNING &&
	       lineq_get(&p->out, record, sizeof(record))) {
		const char *line = record + 1;
		u32 len = (u32)strlen(line), shown = (u8)record[0] - 1u;

		if (shown > len)
			shown = len;
		textring_put(&p->history, line, len);
		if (conmux_live(i))
			console_partition(i, p->cfg->name, line + shown, len - shown,
					  CON_ENDS | (conmux_focused(i) ? CON_FOCUSED : 0) |
					      (shown ? CON_CONT : 0));
		written += rendered_bytes(p->cfg->name, line, len);
	}
	if (!lineq_empty(&p->out) && arch_tsc() - p->drop_report_tsc < arch_tsc_khz() * 1000)
		return;
	dropped = lineq_take_dropped(&p->out);
	if (!dropped)
		return;
	p->drop_report_tsc = arch_tsc();
	log_warn("console: %s: %u lines dropped (printed faster than COM1 carries)\n", p->cfg->name,
		 dropped);
}

/* A partition that filled its queue (empty lines are 2 bytes each, ~10 on COM1) could
 * otherwise put kilobytes into the console's FIFO at its stop, past the half kept for
 * Bulkhead's own lines, and every CPU's report would wait for COM1. */
void partition_drain_at_stop(struct partition *p)
{
	char record[GUEST_LINE + 2];
	u32 unshown = 0;

	partition_drain_locked(p, conmux_parts_room());
	while (lineq_get(&p->out, record, sizeof(record))) {
		textring_put(&p->history, record + 1, (u32)strlen(record + 1));
		unshown++;
	}
	if (unshown)
		log_warn("console: %s: %u lines not shown at its stop (COM1 busy; log %s has "
			 "them)\n",
			 p->cfg->name, unshown, p->cfg->name);
}

bool partition_output_pending(u32 i)
{
	return !lineq_empty(&parts[i].out) || parts[i].out.dropped;
}

void partition_drain_output(u32 i)
{
	struct partition *p = &parts[i];

	spin_lock(&p->print_lock);
	/* A share of COM1 by bytes, not lines: a partition printing long lines cannot take the
	 * line from neighbours printing short ones (at most one line over the share). */
	partition_drain_locked(p, DRAIN_SHARE_BYTES);
	spin_unlock(&p->print_lock);
}

/* A hint (read without its lock): a stopped partition's line waits for nothing. */
bool partition_partial_pending(u32 i)
{
	return conmux_focused(i) && conmux_live(i) && parts[i].state == PART_RUNNING &&
	       guest_line_unshown(&parts[i].uart.line);
}

/* Its lines queued before go first: the line so far is taken only with the queue empty,
 * looked at under uart_lock, which every line its COM1 queues is queued under. */
bool partition_show_partial(u32 i, u32 idle_ms)
{
	struct partition *p = &parts[i];
	char piece[GUEST_LINE + 1];
	bool waits = false, cont = false;
	u32 n = 0;

	if (!partition_partial_pending(i))
		return false;
	spin_lock(&p->print_lock);
	spin_lock(&p->uart_lock);
	if (p->state == PART_RUNNING && lineq_empty(&p->out) && guest_line_unshown(&p->uart.line)) {
		cont = p->uart.line.shown != 0;
		if (arch_tsc() - p->uart_tsc >= arch_tsc_khz() * idle_ms)
			n = guest_line_take_partial(&p->uart.line, piece, sizeof(piece));
		else
			waits = true;
	}
	spin_unlock(&p->uart_lock);
	if (n)
		console_partition(i, p->cfg->name, piece, n, CON_FOCUSED | (cont ? CON_CONT : 0));
	spin_unlock(&p->print_lock);
	return waits;
}

void partition_log_range(u32 i, u64 *first, u64 *end)
{
	struct partition *p = &parts[i];

	spin_lock(&p->print_lock);
	*first = p->history.first;
	*end = textring_end(&p->history);
	spin_unlock(&p->print_lock);
}

bool partition_log_line(u32 i, u64 n, char *out, size_t size)
{
	struct partition *p = &parts[i];
	char line[GUEST_LINE + 1];
	bool ok;

	spin_lock(&p->print_lock);
	ok = textring_get(&p->history, n, line, sizeof(line));
	spin_unlock(&p->print_lock);
	if (ok)
		guest_text_plain(line, out, size);
	return ok;
}

bool partition_type(u32 i, u8 byte)
{
	struct partition *p = &parts[i];
	bool ok;

	spin_lock(&p->uart_lock);
	ok = p->state == PART_RUNNING && vuart_receive(&p->uart, byte);
	spin_unlock(&p->uart_lock);
	return ok;
}

/* Every non-zero exit counter of `cpu`, e.g. "cpuid 2, io 2, vmcall 12", or "none". */
static void format_exits(u32 cpu, char *line, size_t size)
{
	size_t len = 0;

	line[0] = '\0';
	for (u32 r = 0; r < ARCH_VM_EXIT_REASONS && len < size; r++) {
		u64 n = arch_vm_exit_count(cpu, r);

		if (n)
			len += (size_t)format(line + len, size - len, "%s%s %llu", len ? ", " : "",
					      arch_vm_exit_name(r), (unsigned long long)n);
	}
	if (!len)
		strlcpy(line, "none", size);
}

void partition_report_exits(const struct partition *p, u32 cpu)
{
	char line[256];

	format_exits(cpu, line, sizeof(line));
	log_info("partition %s: exits on cpu %u: %s\n", p->cfg->name, cpu, line);
}

/* Its I/O exits by port, e.g. "0x3fd 113, 0x3f8 20, others 0"; false if it had none. */
static bool format_ports(u32 cpu, char *line, size_t size)
{
	size_t len = 0;
	u32 port;

	for (u32 s = 0; s < ARCH_VM_PORT_SLOTS && len < size; s++) {
		u64 n = arch_vm_io_port_count(cpu, s, &port);

		if (n)
			len += (size_t)format(line + len, size - len, "0x%x %llu, ", port,
					      (unsigned long long)n);
	}
	if (len < size)
		format(line + len, size - len, "others %llu",
		       (unsigned long long)arch_vm_io_port_count(cpu, ARCH_VM_PORT_SLOTS, &port));
	return arch_vm_exit_count(cpu, ARCH_VM_EXIT_IO) != 0;
}

/* Per CPU of every running partition: its exit counters since it (re)started, and its I/O
 * exits by port when it had any (what its emulated COM1 and each refused port cost). */
void partitions_report_stats(void)
{
	char line[400]; /* 16 ports of 10-digit counts fit */

	for (u32 i = 0; i < partition_table.parts.count; i++) {
		const struct partition *p = &parts[i];

		if (p->state != PART_RUNNING)
			continue;
		for (u32 c = 0; c < p->cfg->cpus.count; c++) {
			format_exits(p->cpu_index[c], line, sizeof(line));
			log_info("stats: partition %s cpu %u: %s\n", p->cfg->name, p->cpu_index[c],
				 line);
			if (format_ports(p->cpu_index[c], line, sizeof(line)))
				log_info("stats: partition %s cpu %u ports: %s\n", p->cfg->name,
					 p->cpu_index[c], line);
		}
	}
}

void partition_channel_rung(u32 i, u32 channel)
{
	vchan_ring(&parts[i].vchan, channel);
}

bool partition_owns_interrupts(u32 partition)
{
	return devices_ioapic(&parts[partition]);
}

bool partition_owns_apic(u32 partition, u32 dest_apic)
{
	return cfg_owns_cpu(parts[partition].cfg, dest_apic);
}
