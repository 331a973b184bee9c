/*
 * Recent lines in a fixed ring (no allocation): Bulkhead's own log lines for the shell's
 * `log bulkhead`, and each partition's lines for `log <partition>` (core/console.c,
 * core/partition_requests.c). A line that needs room pushes out the oldest whole lines, which
 * are counted. Lines are numbered from 0 in the order they were put; the caller locks.
 */
#ifndef BULKHEAD_CORE_TEXTRING_H
#define BULKHEAD_CORE_TEXTRING_H

#include "bulkhead/types.h"

struct textring {
	char *buf; /* size bytes: lines, each ended by a NUL */
	u32 size;
	u32 head;  /* first byte of the oldest line kept */
	u32 used;  /* bytes kept */
	u32 lines; /* lines kept */
	u64 first; /* number of the oldest line kept: as many have fallen off */
};

void textring_init(struct textring *r, char *buf, u32 size);
/* Keep the `len` bytes of text (no NUL in them) as the newest line, cut to size - 1 bytes. */
void textring_put(struct textring *r, const char *text, size_t len);
/* Line number `n` into out (NUL-terminated, cut to size - 1): false if it is not kept. */
bool textring_get(const struct textring *r, u64 n, char *out, size_t size);
/* The number the next line will get. */
u64 textring_end(const struct textring *r);

#endif
