/* Fixed-width types and a few freestanding basics shared by all of Bulkhead. */
#ifndef BULKHEAD_TYPES_H
#define BULKHEAD_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE_SIZE     4096ULL
#define KiB	      1024ULL
#define MiB	      (1024ULL * KiB)
#define GiB	      (1024ULL * MiB)

static inline u64 align_up(u64 v, u64 a)
{
	return (v + a - 1) & ~(a - 1);
}

static inline u64 align_down(u64 v, u64 a)
{
	return v & ~(a - 1);
}

#endif
