/* A partition's guest-physical RAM as its table row describes it: where a guest address
 * lives on the host. Used by the loaders to place images, and by the hypercalls. */
#ifndef BULKHEAD_CORE_GUESTMEM_H
#define BULKHEAD_CORE_GUESTMEM_H

#include "bulkhead/ptable.h"

/* The REGION_RAM region holding guest-physical [gpa, gpa + len) whole, or NULL. */
const struct pt_region *guest_ram_holding(const struct partition_config *c, u64 gpa, u64 len);
/* The first REGION_RAM region of the row, or NULL. */
const struct pt_region *guest_first_ram(const struct partition_config *c);
/* Host pointer to guest-physical gpa; [gpa, gpa + len) must be in one RAM region. */
u8 *guest_host_ptr(const struct partition_config *c, u64 gpa, u64 len);

#endif
