/* Partition life cycle: refused | ready -> running -> stopped (or restarted). Every CPU of a
 * partition enters it here; a stop, a fault or the shell parks them, a start or a restart
 * releases them again. */
#include "core/partition.h"
#include "core/partition_state.h"
#include "arch/x86/arch.h"
#include "core/devices.h"
#include "core/lib/format.h"
#include "core/lib/string.h"
#include "core/conmux.h"
#include "core/log.h"
#include "core/shell.h"
#include "core/spinlock.h"
#include "core/timeline.h"
#include "core/upcalls.h"

struct partition parts[PT_MAX_PARTITIONS];

/* "1,2,3", the row's APIC IDs. */
static void partition_format_cpus(const struct partition_config *c, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (u32 i = 0; i < c->cpus.count && len < size; i++)
		len +=
		    (size_t)format(buf + len, size - len, "%s%u", i ? "," : "", c->cpus.apic_id[i]);
}

static u32 others(const struct partition *p)
{
	return p->cfg->cpus.count - 1;
}

/* Which of the row's cpus.apic_id[] CPU index `cpu` is (it is one of them). */
static u32 slot_of(const struct partition *p, u32 cpu)
{
	for (u32 i = 0; i < p->cfg->cpus.count; i++)
		if (p->cpu_index[i] == cpu)
			return i;
	return 0;
}

/* Bounded wait (100 ms) for `*counter` to reach `want`. */
static void wait_for(volatile u32 *counter, u32 want)
{
	u64 start = arch_tsc(), limit = arch_tsc_khz() * 100;

	while (__atomic_load_n(counter, __ATOMIC_ACQUIRE) < want && arch_tsc() - start < limit)
		arch_cpu_relax();
}

/* Every CPU of a partition comes here to run it: the first starts the image once the others
 * wait for its INIT-SIPI, as they would on a machine of their own. It prints nothing on the
 * way in: the boot CPU says it started (partitions_report_timeline), so COM1 never delays it. */
static __attribute__((noreturn)) void enter(struct partition *p, u32 partition, u32 cpu)
{
	if (cpu != p->start_cpu)
		arch_vm_start_waiting(&p->vm, partition, &p->waiting);
	wait_for(&p->waiting, others(p));
	p->start_tsc = arch_tsc();
	p->state = PART_RUNNING;
	timeline_entered(&p->times, arch_tsc());
	conmux_kick();
	arch_vm_start(&p->vm, partition, &p->boot);
}

static bool uses_cpu(const struct partition *p, u32 cpu)
{
	for (u32 i = 0; i < p->cfg->cpus.count; i++)
		if (p->cpu_index[i] == cpu)
			return true;
	return false;
}

void partition_run_on_cpu(u32 cpu_index)
{
	for (u32 i = 0; i < partition_table.parts.count; i++) {
		struct partition *p = &parts[i];

		/* acquire: READY is stored after the partition was built */
		if (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) != PART_READY ||
		    !uses_cpu(p, cpu_index))
			continue;
		if (cpu_index == p->start_cpu)
			partition_load_first(p);
		enter(p, i, cpu_index);
	}
}

/* A CPU of a stopped or restarting partition waits here, in the hypervisor, halted until an
 * NMI, for whoever starts the partition again to bump its generation. */
static __attribute__((noreturn)) void park(struct partition *p, u32 partition, u32 cpu, u32 gen)
{
	u32 slot = slot_of(p, cpu);

	__atomic_store_n(&p->cpu_parked[slot], 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&p->generation, __ATOMIC_ACQUIRE) == gen)
		arch_cpu_halt();
	__atomic_store_n(&p->cpu_parked[slot], 0, __ATOMIC_RELEASE);
	enter(p, partition, cpu);
}

/* Where a CPU of a partition is, for counting: parked in the hypervisor, or waiting for a SIPI
 * in the guest (never started, or sent INIT). Either way it runs none of the partition's code
 * until the partition is started again: only a CPU of the partition could send that SIPI. */
enum { CPU_PARKED = 1, CPU_WAITING_SIPI = 2, CPU_SETTLED = CPU_PARKED | CPU_WAITING_SIPI };

/* How many of the partition's CPUs are where `where` (CPU_* bits) says. */
static u32 cpus_where(const struct partition *p, u32 where)
{
	u32 n = 0;

	for (u32 i = 0; i < p->cfg->cpus.count; i++) {
		u32 at = __atomic_load_n(&p->cpu_parked[i], __ATOMIC_ACQUIRE) ? CPU_PARKED
			 : arch_cpu_waiting_for_sipi(p->cpu_index[i])	      ? CPU_WAITING_SIPI
									      : 0;

		n += (at & where) != 0;
	}
	return n;
}

/* The partition's CPUs that run none of its code now. An NMI cannot reach one waiting for a
 * SIPI, so those are counted, not waited for. */
static u32 settled(const struct partition *p)
{
	return cpus_where(p, CPU_SETTLED);
}

/* Of those, the ones waiting for a SIPI: a start wakes them by SIPI, not through enter(). */
static u32 sipi_waiters(const struct partition *p)
{
	return cpus_where(p, CPU_WAITING_SIPI);
}

/* NMI each CPU of the partition but `me` that still runs its code. */
static void nudge_unsettled(const struct partition *p, u32 me)
{
	for (u32 i = 0; i < p->cfg->cpus.count; i++)
		if (p->cpu_index[i] != me &&
		    !__atomic_load_n(&p->cpu_parked[i], __ATOMIC_ACQUIRE) &&
		    !arch_cpu_waiting_for_sipi(p->cpu_index[i]))
			arch_cpu_nmi(p->cpu_index[i]);
}

/* Wait until `want` of the partition's CPUs are settled, at most 100 ms: false if they are
 * not. The ones still running are sent an NMI again every millisecond: one that landed
 * while its CPU was in the hypervisor, after the CPU looked at the state, is taken there and
 * lost, and a guest that does not exit again would never be reached. Its RAM is never
 * scrubbed or reloaded on a timed-out wait. */
static bool wait_settled(const struct partition *p, u32 me, u32 want)
{
	u64 start = arch_tsc(), limit = arch_tsc_khz() * 100, nudged = start;

	while (settled(p) < want) {
		if (arch_tsc() - start >= limit)
			return false;
		if (arch_tsc() - nudged >= arch_tsc_khz()) {
			nudge_unsettled(p, me);
			nudged = arch_tsc();
		}
		arch_cpu_relax();
	}
	return true;
}

/* Start the partition again: its parked CPUs leave park(). An NMI that lands between a CPU's
 * check and its HLT is lost, so they are nudged until they have all left (at most 100 ms).
 * The state says STARTING meanwhile, so a late nudge does not park a CPU again. */
static void release(struct partition *p, u32 me)
{
	u64 start = arch_tsc(), limit = arch_tsc_khz() * 100;

	p->state = PART_STARTING;
	__atomic_add_fetch(&p->generation, 1, __ATOMIC_RELEASE);
	while (cpus_where(p, CPU_PARKED) && arch_tsc() - start < limit) {
		for (u32 i = 0; i < p->cfg->cpus.count; i++)
			if (p->cpu_index[i] != me)
				arch_cpu_nmi(p->cpu_index[i]);
		for (u64 t = arch_tsc(); arch_tsc() - t < arch_tsc_khz();)
			arch_cpu_relax();
	}
}

/* Bulkhead's NMI reached a CPU of `partition`: follow the partition's state. */
void partition_nmi(u32 partition, u32 cpu)
{
	struct partition *p = &parts[partition];
	u32 gen = p->generation;

	if (p->state == PART_STOPPED) {
		log_info("partition %s: cpu %u parked\n", p->cfg->name, cpu);
		park(p, partition, cpu, gen);
	}
	if (p->state == PART_RESTARTING)
		park(p, partition, cpu, gen);
	/* not for us: resume the guest */
}

/* Make the partition's other CPUs leave the guest (they see the new state on their NMI). */
static void signal_others(struct partition *p, u32 me)
{
	for (u32 i = 0; i < p->cfg->cpus.count; i++)
		if (p->cpu_index[i] != me)
			arch_cpu_nmi(p->cpu_index[i]);
}

/* Leave the running state, once: the first of a fault, an exit and the shell to come here owns
 * the stop (or restart); whoever comes later gets false, as two CPUs of a partition may fault
 * at the same moment. What the partition printed before goes out first, nothing after. */
static bool take_over(struct partition *p, u32 state)
{
	bool mine;

	spin_lock(&p->print_lock);
	mine = p->state == PART_RUNNING;
	if (mine) {
		partition_drain_at_stop(p);
		p->state = state;
		devices_stop(p);
	}
	spin_unlock(&p->print_lock);
	return mine;
}

/* For `list`: its last fault, and when (the CPU that owns the stop, under print_lock). */
static void note_fault(struct partition *p, const char *reason)
{
	spin_lock(&p->print_lock);
	strlcpy(p->fault, reason, sizeof(p->fault));
	p->fault_tsc = arch_tsc();
	spin_unlock(&p->print_lock);
}

/* This CPU exited or faulted while another CPU of its partition was already stopping it:
 * the other owns the report and the restart; this one only parks. `gen` was read before. */
static __attribute__((noreturn)) void park_too(struct partition *p, u32 cpu, u32 gen,
					       const char *what)
{
	log_info("partition %s: cpu %u parked (it %s)\n", p->cfg->name, cpu, what);
	park(p, (u32)(p - parts), cpu, gen);
}

__attribute__((noreturn)) void partition_exited(struct partition *p, u32 cpu, u64 code)
{
	u32 gen = p->generation;

	if (!take_over(p, PART_STOPPED))
		park_too(p, cpu, gen, "exited too");
	log_info("partition %s: exited (code %llu) on cpu %u\n", p->cfg->name,
		 (unsigned long long)code, cpu);
	partition_report_exits(p, cpu);
	signal_others(p, cpu);
	park(p, (u32)(p - parts), cpu, gen);
}

/* Exponential back-off between restarts, so a partition that keeps failing cannot flood
 * COM1 or hog its CPU: 2, 4, 8 ... ms, then it stays stopped after MAX_RESTARTS. In ticks. */
static u64 restart_backoff(u32 n)
{
	return arch_tsc_khz() * (2ULL << (n < 10 ? n : 10));
}

/* Reload it during its back-off (the CPU waits anyway): a restart then costs only what the
 * reload takes beyond the back-off, if anything. */
static void reload_in_backoff(struct partition *p, u64 backoff)
{
	u64 start = arch_tsc();

	partition_load_image(p);
	while (arch_tsc() - start < backoff)
		arch_cpu_relax();
}

void partition_fault(u32 partition, u32 cpu, const struct vm_fault *f)
{
	struct partition *p = &parts[partition];
	bool restart = p->cfg->fault == FAULT_RESTART && p->restarts < MAX_RESTARTS;
	u32 gen = p->generation;
	u64 backoff;

	if (!take_over(p, restart ? PART_RESTARTING : PART_STOPPED)) {
		char what[80];

		format(what, sizeof(what), "faulted too: %s, gpa 0x%llx", f->reason,
		       (unsigned long long)f->gpa);
		park_too(p, cpu, gen, what);
	}
	note_fault(p, f->reason);
	log_err("partition %s: stopped: %s (cpu %u, exit %u, rip 0x%llx, gpa 0x%llx, "
		"qualification 0x%llx)\n",
		p->cfg->name, f->reason, cpu, f->exit_reason, (unsigned long long)f->rip,
		(unsigned long long)f->gpa, (unsigned long long)f->qualification);
	partition_report_exits(p, cpu);
	if (p->cfg->fault == FAULT_RESTART && !restart)
		log_err("partition %s: stopped: restart limit (%u) reached\n", p->cfg->name,
			MAX_RESTARTS);
	signal_others(p, cpu);
	if (!restart)
		park(p, partition, cpu, gen);
	/* Nothing of the partition may run while its RAM is scrubbed and reloaded. */
	if (!wait_settled(p, cpu, others(p))) {
		log_err("partition %s: not restarted: its other cpus did not stop within 100 ms\n",
			p->cfg->name);
		p->state = PART_STOPPED;
		park(p, partition, cpu, gen);
	}
	backoff = restart_backoff(p->restarts);
	p->restarts++;
	p->waiting = sipi_waiters(p);
	reload_in_backoff(p, backoff);
	log_info("partition %s: restarted (%u)\n", p->cfg->name, p->restarts);
	timeline_asked(&p->times, START_FAULT, p->fault_tsc, backoff);
	release(p, cpu);
	enter(p, partition, cpu);
}

/* ---- For the console (core/conmux.c) and its shell (core/shell.c), on the boot CPU ---- */

u32 partition_count(void)
{
	return partition_table.parts.count;
}

const char *partition_name(u32 i)
{
	return parts[i].cfg->name;
}

int partition_find(const char *name)
{
	for (u32 i = 0; i < partition_table.parts.count; i++)
		if (!strcmp(parts[i].cfg->name, name))
			return (int)i;
	return -1;
}

static const char *state_name(u32 state)
{
	static const char *const names[] = {"refused", "ready",	   "running", "restarting",
					    "stopped", "starting", "loading"};

	return state < ARRAY_SIZE(names) ? names[state] : "?";
}

/* What the timeline has to say (core/timeline.h): each start's entry, on which CPUs it runs
 * when it starts at boot or from the shell, and its first line. */
void partitions_report_timeline(void)
{
	char text[320], cpus[64];
	int cause;

	for (u32 i = 0; i < partition_table.parts.count; i++) {
		struct partition *p = &parts[i];

		/* bounded: each call says a start or a first line, or nothing */
		for (u32 n = 0; n < 2 * TIMELINE_STARTS + 2; n++) {
			if (!timeline_lines(&p->times, p->cfg->name, arch_boot_tsc(),
					    arch_tsc_khz(), text, sizeof(text), &cause))
				break;
			if (cause == START_BOOT || cause == START_SHELL) {
				partition_format_cpus(p->cfg, cpus, sizeof(cpus));
				log_info("partition %s: running on cpus %s\n", p->cfg->name, cpus);
			}
			log_info("%s", text);
		}
	}
}

/* Seconds since TSC value `then`. */
static u64 seconds_since(u64 then)
{
	u64 khz = arch_tsc_khz();

	return khz ? (arch_tsc() - then) / (khz * 1000) : 0;
}

void partitions_list(void)
{
	char cpus[64], up[24], fault[sizeof(parts[0].fault)], ago[24];

	for (u32 i = 0; i < partition_table.parts.count; i++) {
		struct partition *p = &parts[i];
		u64 ram = 0, fault_tsc;

		for (u32 r = 0; r < p->cfg->mem.count; r++)
			if (p->cfg->mem.r[r].kind == REGION_RAM)
				ram += p->cfg->mem.r[r].size;
		partition_format_cpus(p->cfg, cpus, sizeof(cpus));
		strlcpy(up, "-", sizeof(up));
		if (p->state == PART_RUNNING)
			shell_format_duration(seconds_since(p->start_tsc), up, sizeof(up));
		spin_lock(&p->print_lock);
		fault_tsc = p->fault_tsc;
		strlcpy(fault, p->fault, sizeof(fault));
		spin_unlock(&p->print_lock);
		shell_format_duration(seconds_since(fault_tsc), ago, sizeof(ago));
		log_info("shell: %u %-10s %-10s cpus %-8s ram %4llu MiB  restarts %u  up %s  last "
			 "fault %s%s%s\n",
			 i + 1, p->cfg->name, state_name(p->state), cpus,
			 (unsigned long long)(ram / MiB), p->restarts, up, fault_tsc ? ago : "none",
			 fault_tsc ? " ago: " : "", fault_tsc ? fault : "");
	}
}

#define FROM_SHELL "from the shell"
#define BY_DEVICE  "after its device's fault"

/* Stop a running partition and wait until all its CPUs are parked. */
static const char *take_down(struct partition *p, u32 state, const char *what, const char *by)
{
	if (!take_over(p, state))
		return "it is not running";
	log_info("partition %s: %s %s\n", p->cfg->name, what, by);
	signal_others(p, arch_this_cpu());
	if (!wait_settled(p, arch_this_cpu(), p->cfg->cpus.count)) {
		p->state = PART_STOPPED; /* what stopped stays stopped; nothing is reloaded */
		return "its cpus did not all stop within 100 ms";
	}
	return NULL;
}

/* Reload a partition whose CPUs are all parked and start it; `cause` and `asked` (its TSC)
 * say what asked for it, for the timeline. */
static const char *bring_up(struct partition *p, const char *by, enum start_cause cause, u64 asked)
{
	/* A CPU that missed the NMI of an exit or a fault is reached now. */
	if (!wait_settled(p, arch_this_cpu(), p->cfg->cpus.count))
		return "its CPUs have not all parked";
	p->waiting = sipi_waiters(p);
	partition_load_image(p);
	log_info("partition %s: started %s\n", p->cfg->name, by);
	timeline_asked(&p->times, cause, asked, 0);
	release(p, arch_this_cpu());
	return NULL;
}

const char *partition_shell_stop(u32 i)
{
	return take_down(&parts[i], PART_STOPPED, "stopped", FROM_SHELL);
}

const char *partition_shell_start(u32 i)
{
	u64 asked = arch_tsc();

	if (parts[i].state != PART_STOPPED)
		return "it is not stopped";
	return bring_up(&parts[i], FROM_SHELL, START_SHELL, asked);
}

const char *partition_shell_restart(u32 i)
{
	struct partition *p = &parts[i];
	const char *why = NULL;
	u64 asked = arch_tsc();

	if (p->state == PART_RUNNING)
		why = take_down(p, PART_RESTARTING, "restarting", FROM_SHELL);
	else if (p->state != PART_STOPPED)
		return "it is neither running nor stopped";
	return why ? why : bring_up(p, FROM_SHELL, START_SHELL, asked);
}

bool partition_refused_at_boot(u32 i)
{
	return parts[i].state == PART_REFUSED;
}

bool partition_running(u32 i)
{
	return i < partition_count() && parts[i].state == PART_RUNNING;
}

/* Its device made a DMA or an interrupt the IOMMU blocked (core/iommu.c, on the boot CPU):
 * stopped, or restarted as a fault would restart it (within MAX_RESTARTS, no back-off: the
 * console's CPU does not wait). */
void partition_device_fault(u32 i)
{
	struct partition *p = &parts[i];
	bool restart = p->cfg->fault == FAULT_RESTART && p->restarts < MAX_RESTARTS;
	const char *why;

	if (p->state != PART_RUNNING)
		return;
	note_fault(p, "its device's fault");
	why = take_down(p, restart ? PART_RESTARTING : PART_STOPPED,
			restart ? "restarting" : "stopped", BY_DEVICE);
	if (!why && restart) {
		p->restarts++;
		why = bring_up(p, BY_DEVICE, START_DEVICE, p->fault_tsc);
	} else if (!why && p->cfg->fault == FAULT_RESTART) {
		log_err("partition %s: stopped: restart limit (%u) reached\n", p->cfg->name,
			MAX_RESTARTS);
	}
	if (why)
		log_err("partition %s: after its device's fault: %s\n", p->cfg->name, why);
}
