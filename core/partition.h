/* The partition manager: checks the linked-in table against the machine, builds each
 * partition's address space, loads its image and starts it on its first CPU. */
#ifndef BULKHEAD_CORE_PARTITION_H
#define BULKHEAD_CORE_PARTITION_H

#include "core/types.h"
#include "core/payload_abi.h"

struct mb2_info;

#define MAX_RESTARTS 8 /* then the partition stays stopped */

/* Before any allocation: check every partition's RAM against the memory map and reserve it. */
void partitions_reserve(const struct mb2_info *mb);
/* After VMX is on everywhere: check CPUs and modules, build and load. Returns how many run. */
u32 partitions_prepare(const struct mb2_info *mb);
/* Print every running partition's exit counters, one line per CPU ("stats: ..."). */
void partitions_report_stats(void);
/* On each CPU: run the partition this CPU starts, if any (does not return then). */
void partition_run_on_cpu(u32 cpu_index);

#endif
