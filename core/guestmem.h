/* A partition's guest-physical RAM as its table row describes it: where a guest address
 * lives on the host. Used by the loaders to place images, and by the hypercalls. */
#ifndef BULKHEAD_CORE_GUESTMEM_H
#define BULKHEAD_CORE_GUESTMEM_H

#include "bulkhead/ptable.h"

/* The REGION_RAM region holding guest-physical [gpa, gpa + len) whole, or NULL. */
const struct pt_region *guest_ram_holding(const struct partition_config *c, u64 gpa, u64 len);
/* The first REGION_RAM region of the row, or NULL. */
const struct pt_region *guest_first_ram(const struct partition_config *c);
/* Why guest-physical [gpa, gpa + len) is not inside one REGION_RAM region, naming the regions
 * it meets by index and kind ("runs past the end of mem[0] (RAM guest 0x0-0x200000)", "spans
 * mem[0] ... and mem[1] ...", "is in mem[2] (SHARED ...), not RAM", "is in no region; RAM is
 * mem[0] ..."), cut to `size`. Returns false and leaves `why` alone if one region holds it. */
bool guest_ram_why_not(const struct partition_config *c, u64 gpa, u64 len, char *why, size_t size);
/* Host pointer to guest-physical gpa; [gpa, gpa + len) must be in one RAM region. */
u8 *guest_host_ptr(const struct partition_config *c, u64 gpa, u64 len);

#endif
