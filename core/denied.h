/*
 * What a partition tried and was not granted, named on COM1 once per partition and thing:
 * the first attempt is news for the user, a guest retrying in a loop must not flood the
 * console. (What core/ offers the exit handlers for this is partition_refused in
 * arch/x86/arch.h.)
 */
#ifndef BULKHEAD_CORE_DENIED_H
#define BULKHEAD_CORE_DENIED_H

#include "bulkhead/types.h"

/* A port outside its row: a read gives all-ones, a write is dropped. */
void denied_port(u32 partition, u32 port, bool in);

#endif
