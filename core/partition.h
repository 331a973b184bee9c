/* The partition manager: checks the linked-in table against the machine, builds each
 * partition's address space, loads its image and starts it on its first CPU. */
#ifndef BULKHEAD_CORE_PARTITION_H
#define BULKHEAD_CORE_PARTITION_H

#include "core/types.h"

struct mb2_info;

/* Guest-physical layout of a payload partition (docs/payloads.md). */
#define PAYLOAD_INFO_GPA 0x1000ULL   /* struct payload_info */
#define PAYLOAD_LOAD_GPA 0x100000ULL /* flat image loaded and entered here */
#define PAYLOAD_MAGIC	 0x4b4c5542u /* "BULK" in EAX at entry */
#define HYPERCALL_PRINT	 1	     /* RBX = guest-physical text, RCX = length */
#define MAX_RESTARTS	 8	     /* then the partition stays stopped */

struct payload_info {
	u32 magic;
	u32 cpu_count;
	u32 apic_ids[16];
	u64 ram_size;
	char name[32];
	char cmdline[256];
};

/* Before any allocation: check every partition's RAM against the memory map and reserve it. */
void partitions_reserve(const struct mb2_info *mb);
/* After VMX is on everywhere: check CPUs and modules, build and load. Returns how many run. */
u32 partitions_prepare(const struct mb2_info *mb);
/* On each CPU: run the partition this CPU starts, if any (does not return then). */
void partition_run_on_cpu(u32 cpu_index);

#endif
