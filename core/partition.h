/* The partition manager: checks the linked-in table against the machine, builds each
 * partition's address space, loads its image and starts it on its first CPU. */
#ifndef BULKHEAD_CORE_PARTITION_H
#define BULKHEAD_CORE_PARTITION_H

#include "bulkhead/types.h"
#include "bulkhead/payload_abi.h"

struct mb2_info;

#define MAX_RESTARTS 8 /* then the partition stays stopped */

/* Before any allocation: check every partition's RAM against the memory map and reserve it. */
void partitions_reserve(const struct mb2_info *mb);
/* After VMX is on everywhere, before any partition starts: every row's CPUs, module and
 * devices (a device is probed and silenced before any partition runs). */
void partitions_check(const struct mb2_info *mb);
/* Then build the partitions that start early (late false: payloads) or late (Linux, and
 * payloads granted the PIT's ports, after the TSC's refinement); each is READY, and its own
 * CPU loads and starts it, as soon as it is built. Returns how many. */
u32 partitions_build(bool late);
/* Print every running partition's exit counters, one line per CPU ("stats: ..."). */
void partitions_report_stats(void);
/* On each CPU: run the partition this CPU starts, if any (does not return then). */
void partition_run_on_cpu(u32 cpu_index);

/* For the console and its shell, on the boot CPU. Partitions are numbered from 0 in table
 * order. */
u32 partition_count(void);
const char *partition_name(u32 i);
int partition_find(const char *name); /* index, or -1 */
/* Lines (or a drop count) waiting to be written to the console; write a few of them (or,
 * while it is not shown, keep them in its buffer only). */
bool partition_output_pending(u32 i);
void partition_drain_output(u32 i);
/* The focused partition's line so far, written to its emulated COM1 and not yet shown: show
 * it once nothing came for idle_ms. True while some waits for that. */
bool partition_show_partial(u32 i, u32 idle_ms);
bool partition_partial_pending(u32 i);
/* Each partition's recent lines (PARTITION_LOG_BYTES, whether shown or not, across restarts),
 * for the shell's `log <p>`: the numbers of its oldest kept line and of the line after its
 * newest, and line n as the console shows a partition without the focus (false if gone). */
#define PARTITION_LOG_BYTES 8192
void partition_log_range(u32 i, u64 *first, u64 *end);
bool partition_log_line(u32 i, u64 n, char *out, size_t size);
/* A byte typed for the partition's COM1; false if it is not running or its FIFO is full. */
bool partition_type(u32 i, u8 byte);
/* The boot CPU's console loop: the timeline's lines not said yet (core/timeline.h). */
void partitions_report_timeline(void);
/* "shell: <n> <name> <state> cpus <ids> ram <MiB> MiB  restarts <n>  up <time>  last fault
 * <when>: <reason>", one line each. */
void partitions_list(void);
/* The shell's `devices`: each device a partition owns, as the machine has it now (core/devices.c).
 */
void partitions_report_devices(void);
/* NULL when done, else why not (e.g. "it is not running"). */
const char *partition_shell_stop(u32 i);
const char *partition_shell_start(u32 i);
const char *partition_shell_restart(u32 i);
/* Was partition i refused at boot (so far)? */
bool partition_refused_at_boot(u32 i);
/* Is partition i running (not refused, stopped or being restarted)? */
bool partition_running(u32 i);
/* The other side of table channel `channel` rang partition i (a Linux one): its channel's PCI
 * function raises its interrupt (core/vchan.c). On the ringing CPU. */
void partition_channel_rung(u32 i, u32 channel);
/* Boot CPU: partition i's device was blocked by the IOMMU; its `.fault` policy applies. */
void partition_device_fault(u32 i);

#endif
