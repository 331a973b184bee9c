/*
 * A partition's console output queue: whole lines, oldest first, in a fixed ring. The
 * partition's CPUs put lines (a VMCALL print, or a line written to its emulated COM1) and go
 * back to the guest at once; the boot CPU takes them and writes them to COM1. A line that
 * does not fit is dropped whole and counted, never cut or silently lost.
 */
#ifndef BULKHEAD_CORE_LINEQ_H
#define BULKHEAD_CORE_LINEQ_H

#include "core/spinlock.h"
#include "bulkhead/types.h"

#define LINEQ_BYTES 4096 /* per partition: about 50 lines of 80 characters */

struct lineq {
	struct spinlock lock; /* guards the ring: the partition's CPUs put, the boot CPU takes */
	u32 head;	      /* next byte to take */
	u32 used;	      /* bytes in the ring */
	u32 dropped;	      /* lines dropped since the last lineq_take_dropped() */
	char buf[LINEQ_BYTES];
};

/* Queue a NUL-terminated line (kept whole with its NUL). False if it was dropped. */
bool lineq_put(struct lineq *q, const char *line);
/* Take the oldest line into out (NUL-terminated, cut to size - 1). False if none. */
bool lineq_get(struct lineq *q, char *out, size_t size);
bool lineq_empty(struct lineq *q);
/* Lines dropped since the last call; resets the count. */
u32 lineq_take_dropped(struct lineq *q);
void lineq_reset(struct lineq *q);

#endif
